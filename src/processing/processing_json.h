/* processing_json.h - the JSON shapes of the processing API (field names and order as
 * processing.h states them; null members are emitted). Each function returns a new reference
 * the caller owns, or NULL when out of memory. */
#ifndef NH_PROCESSING_JSON_H
#define NH_PROCESSING_JSON_H

#include <jansson.h>

#include "db/db.h"
#include "jobs/job_queue.h"

/* The listed catalog with parameter descriptors (processing_skills_json), or with
 * all_runnable every runnable skill (processing_runnable_skills_json). */
json_t *processing_json_skills(bool all_runnable);

/* One execution record: row `row` of executions (execution_store.h columns) with its steps
 * from steps (rows of execution_id + ASSET_STEP_COLUMNS, execution_store_steps). */
json_t *processing_json_execution(const db_result *executions, size_t row, const db_result *steps);

/* The pending shape of the manual run given execution_id, from its job and the job's payload
 * (for parametersJson; may be NULL). */
json_t *processing_json_pending(const char *execution_id, const job_info *info,
                                const char *payload);

/* The steps of a run result: [{"name","succeeded","errorMessage","status","message"}] from
 * the steps of one execution (rows as above). */
json_t *processing_json_run_steps(const db_result *steps);

/* The compact JSON of a skill's parameters (spec §6: null when none were given, "{}" stays
 * "{}"); malloc'ed, or NULL for none. *failed is set when it could not be rendered. */
char *processing_json_parameters(const json_t *parameters, bool *failed);

/* The parameters of the first skill of a job payload ({"skills":[{"parameters":...}]}), as
 * processing_json_parameters renders them; NULL when there are none. */
char *processing_json_payload_parameters(const char *payload);

#endif
