/* mcp_inflight.h - the run_asset_skill calls waiting for their job, so that a
 * notifications/cancelled from the same credential (another POST: the transport is stateless)
 * can find the call by its request id and stop it. Thread-safe (one mutex; entries are few and
 * short-lived). */
#ifndef NH_MCP_INFLIGHT_H
#define NH_MCP_INFLIGHT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/principal.h"
#include "core/uuid.h"

/* Who may cancel: the credential (machine key, or personal key by its id), never the person. */
#define MCP_CREDENTIAL_SIZE 64
void mcp_inflight_credential(const auth_principal *principal, char out[MCP_CREDENTIAL_SIZE]);

typedef struct mcp_inflight mcp_inflight;
typedef struct mcp_inflight_entry mcp_inflight_entry;

mcp_inflight *mcp_inflight_create(void);
/* Entries still registered are freed (their callers are gone by then). */
void mcp_inflight_destroy(mcp_inflight *inflight);

/* Register the call of request id `request_id` (any JSON value) by credential, waiting for
 * job_id. NULL when it cannot be registered (out of memory, or an id longer than 1 KiB): the
 * call then runs but cannot be cancelled. */
mcp_inflight_entry *mcp_inflight_add(mcp_inflight *inflight, const char *credential,
                                     const json_t *request_id, const char *job_id);
/* Has a cancellation arrived for it? */
bool mcp_inflight_cancelled(mcp_inflight *inflight, const mcp_inflight_entry *entry);
/* Unregister and free (NULL is fine). */
void mcp_inflight_remove(mcp_inflight *inflight, mcp_inflight_entry *entry);

/* Mark cancelled every call of credential with request id `request_id` and write the job id
 * of the first: true when there was one. */
bool mcp_inflight_cancel(mcp_inflight *inflight, const char *credential, const json_t *request_id,
                         char job_id[UUID_TEXT_SIZE]);

#endif
