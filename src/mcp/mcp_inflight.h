/* mcp_inflight.h - the run_asset_skill calls in flight, so that a notifications/cancelled from
 * the same credential (another POST: the transport is stateless) can find the call by its
 * request id and flag it; the call itself then cancels its job and answers nothing. A call
 * registers before it queues its job, so a cancellation can never fall between the two.
 * Thread-safe (one mutex; entries are few and short-lived). */
#ifndef NH_MCP_INFLIGHT_H
#define NH_MCP_INFLIGHT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/principal.h"

/* Who may cancel: the credential (machine key, or personal key by its id), never the person. */
#define MCP_CREDENTIAL_SIZE 64
void mcp_inflight_credential(const auth_principal *principal, char out[MCP_CREDENTIAL_SIZE]);

typedef struct mcp_inflight mcp_inflight;
typedef struct mcp_inflight_entry mcp_inflight_entry;

mcp_inflight *mcp_inflight_create(void);
/* Entries still registered are freed (their callers are gone by then). */
void mcp_inflight_destroy(mcp_inflight *inflight);

/* Register the call of request id `request_id` (any JSON value) by credential. NULL when it
 * cannot be registered (out of memory, or an id longer than 1 KiB): the call then runs but
 * cannot be cancelled. */
mcp_inflight_entry *mcp_inflight_add(mcp_inflight *inflight, const char *credential,
                                     const json_t *request_id);
/* Has a cancellation arrived for it? */
bool mcp_inflight_cancelled(mcp_inflight *inflight, const mcp_inflight_entry *entry);
/* Unregister and free (NULL is fine). */
void mcp_inflight_remove(mcp_inflight *inflight, mcp_inflight_entry *entry);

/* Flag every call of credential with request id `request_id` cancelled: true when there was
 * one. */
bool mcp_inflight_cancel(mcp_inflight *inflight, const char *credential, const json_t *request_id);

#endif
