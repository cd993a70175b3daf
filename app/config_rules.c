/* config_rules.c: the kernel profile a scenario names and its rule
 * overrides (config_int.h, config.h). */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world.h"
#include "app/config_int.h"

/* "rules": {name: value} overrides of the profile's rules, written back in full */
void read_rules(struct cfg *c, const cJSON *in, cJSON *out, struct kernel_rules *kr, bool server)
{
	struct jr *r = c->r;
	const cJSON *o = jr_object(r, in, "rules");
	size_t n_rules = profile_rule_count();
	const char *allowed[32];
	size_t na = 0;
	for (size_t i = 0; i < n_rules && na + 1 < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (server ? profile_rule(i)->server : profile_rule(i)->client)
			allowed[na++] = profile_rule(i)->name;
	allowed[na] = NULL;
	size_t mark = jr_push(r, "rules", 0);
	jr_check_keys(r, o, allowed);
	cJSON *ro = add_obj(out, "rules");
	char *base = (char *)kr;
	for (size_t i = 0; i < n_rules; i++) {
		const struct rule_info *d = profile_rule(i);
		if (!(server ? d->server : d->client))
			continue;
		switch (d->type) {
		case RULE_BOOL:
			*(bool *)(base + d->offset) = jr_bool(r, o, ro, d->name, *(bool *)(base + d->offset));
			break;
		case RULE_INT:
			*(int *)(base + d->offset) = (int)jr_int(r, o, ro, d->name, *(int *)(base + d->offset), 1, 10000);
			break;
		case RULE_ENUM:
			*(int *)(base + d->offset) = jr_enum(r, o, ro, d->name, d->values, *(int *)(base + d->offset));
			break;
		case RULE_MS: {
			sim_time_ns *t = (sim_time_ns *)(base + d->offset);
			*t = (sim_time_ns)(jr_number(r, o, ro, d->name, (double)*t / NS_PER_MS, 1, 120000) * NS_PER_MS);
			break;
		}
		case RULE_S: {
			sim_time_ns *t = (sim_time_ns *)(base + d->offset);
			*t = (sim_time_ns)(jr_number(r, o, ro, d->name, (double)*t / NS_PER_S, 0, 86400) * NS_PER_S);
			break;
		}
		}
	}
	jr_pop(r, mark);
}

const struct kernel_rules *read_kernel(struct cfg *c, const cJSON *in, cJSON *out)
{
	struct jr *r = c->r;
	const char *name = jr_string(r, in, NULL, "kernel", "linux-6.18");
	if (r->failed)
		return NULL;
	const struct kernel_rules *kr = profile_find(name);
	if (!kr) {
		const char *hint = config_profile_hint(name);
		if (hint)
			jr_fail(r, "kernel", "expected a profile name (tcpqsim profiles), got \"%s\" (did you mean \"%s\"?)",
			        name, hint);
		else
			jr_fail(r, "kernel", "expected a profile name (tcpqsim profiles), got \"%s\"", name);
		return NULL;
	}
	cJSON_AddItemToObject(out, "kernel", cJSON_CreateString(kr->profile));
	return kr;
}
