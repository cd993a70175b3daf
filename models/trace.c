/* trace.c: the names of the typed trace's vocabulary (trace.h): segment
 * kinds, reasons with their kernel functions and sides, sides, directions. */
#include "models/trace.h"

#include <stddef.h>

static const char *const packet_names[PKT_KIND_COUNT] = {
	[PKT_SYN] = "SYN",       [PKT_ACK] = "ACK",         [PKT_DATA] = "DATA",
	[PKT_FIN] = "FIN",       [PKT_RST_C] = "RST",       [PKT_SYNACK] = "SYN-ACK",
	[PKT_RST_S] = "RST",     [PKT_DATA_S] = "DATA",     [PKT_DATA_ACK] = "ACK",
};

const char *packet_name(enum packet_kind k)
{
	return k < PKT_KIND_COUNT ? packet_names[k] : "?";
}

static const char *const reason_texts[] = {
#define X(id, side, kfn, text) text,
	TRACE_REASON_LIST(X)
#undef X
};
static const char *const reason_functions[] = {
#define X(id, side, kfn, text) kfn,
	TRACE_REASON_LIST(X)
#undef X
};
static const enum trace_side reason_sides[] = {
#define X(id, side, kfn, text) side,
	TRACE_REASON_LIST(X)
#undef X
};

const char *trace_reason_text(enum trace_reason r)
{
	return r < TRACE_REASON_COUNT ? reason_texts[r] : NULL;
}

const char *trace_reason_function(enum trace_reason r)
{
	return r < TRACE_REASON_COUNT ? reason_functions[r] : NULL;
}

enum trace_side trace_reason_side(enum trace_reason r)
{
	return r < TRACE_REASON_COUNT ? reason_sides[r] : TS_SERVER;
}

const char *trace_side_name(enum trace_side s)
{
	return s == TS_CLIENT ? "client" : s == TS_NETWORK ? "network" : "server";
}

const char *trace_dir_name(enum trace_dir d)
{
	return d == TD_C2S ? "c2s" : d == TD_S2C ? "s2c" : NULL;
}
