/* report.h: a run's results as summary.json and as a human summary.
 *
 * report_summary builds the summary document (schema in docs/schema.md) from
 * a world's results; everything in it but the "run" object is a function of
 * the scenario and seed alone.  Program layer only.
 */
#ifndef TCPQSIM_REPORT_H
#define TCPQSIM_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "models/world.h"
#include "app/config.h"

#define TCPQSIM_SCHEMA_VERSION 1
#define TCPQSIM_VERSION "0.3.0"

/* report_summary: a new summary document (caller deletes). */
cJSON *report_summary(const struct loaded_scenario *ls, const struct world_results *r, double wall_s);

/* report_print: the human summary of a summary document to f. */
void report_print(FILE *f, const cJSON *summary);

/* report_write_json: write doc to path through a temporary file and rename.
 * Returns 0, or -1 with errno set. */
int report_write_json(const char *path, const cJSON *doc);

/* report_round: x rounded to `digits` decimals (stable JSON output). */
double report_round(double x, int digits);

#endif
