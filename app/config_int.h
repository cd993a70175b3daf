/* config_int.h: what the scenario loader's files share (config.c reads the
 * schema, config_files.c the replay and empirical text files,
 * config_rules.c the kernel profile and its rule overrides).  Private to
 * them. */
#ifndef TCPQSIM_CONFIG_INT_H
#define TCPQSIM_CONFIG_INT_H

#include <stdlib.h>

#include "app/config.h"

#define NS_PER_MS 1e6
#define NS_PER_S 1e9
/* Every time a scenario gives stays under MAX_NS (about 3.2 years), so that
 * sums of a few of them fit in sim_time_ns (int64 ns, up to 9.2e18). */
#define MAX_NS (CONFIG_MAX_TIME_S * NS_PER_S)
#define MAX_S CONFIG_MAX_TIME_S
#define MAX_MS (MAX_NS / NS_PER_MS)
/* the smallest non-zero arrival rate: a Poisson gap of 1/rate stays in range */
#define MIN_RATE 1e-6

struct cfg {
	struct jr *r;
	struct loaded_scenario *ls;
	const char *base_dir;
};

/* memory that lives as long as the loaded scenario */
static inline void *own(struct cfg *c, size_t bytes)
{
	struct owned_block *b = malloc(sizeof(*b) + bytes);
	if (!b) {
		jr_fail(c->r, NULL, "out of memory");
		return NULL;
	}
	b->next = c->ls->blocks;
	c->ls->blocks = b;
	return b + 1;
}

static inline cJSON *add_obj(cJSON *out, const char *key)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(out, key, o);
	return o;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* read one column (1-based, or named by a header line) of numbers from a
 * text or CSV file; '#' lines and blank lines are skipped.  A file that is
 * not text (a NUL byte: /dev/zero), larger than NUMBERS_MAX_BYTES (an
 * endless stream) or with more than NUMBERS_MAX_COUNT numbers is refused. */
double *read_numbers(struct cfg *c, const char *key, const char *file, const cJSON *column, size_t *n_out,
                     cJSON *out);

/* "rules": {name: value} overrides of the profile's rules, written back in full */
void read_rules(struct cfg *c, const cJSON *in, cJSON *out, struct kernel_rules *kr, bool server);
/* "kernel": a profile name */
const struct kernel_rules *read_kernel(struct cfg *c, const cJSON *in, cJSON *out);

#endif
