/* mcp_inflight.c - the registry of cancellable calls: a mutex-protected list keyed by
 * credential and the compact JSON text of the request id (so 1 and "1" differ). */
#include "mcp/mcp_inflight.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUEST_KEY_MAX 1024

struct mcp_inflight_entry {
    char credential[MCP_CREDENTIAL_SIZE];
    char *request_key;
    char job_id[UUID_TEXT_SIZE];
    bool cancelled;
    mcp_inflight_entry *next;
};

struct mcp_inflight {
    pthread_mutex_t lock;
    mcp_inflight_entry *entries;
};

void mcp_inflight_credential(const auth_principal *principal, char out[MCP_CREDENTIAL_SIZE])
{
    switch (principal ? principal->kind : PRINCIPAL_ANONYMOUS) {
    case PRINCIPAL_PERSONAL_KEY:
        snprintf(out, MCP_CREDENTIAL_SIZE, "personal:%s", principal->key_id);
        break;
    case PRINCIPAL_MACHINE_KEY:
        snprintf(out, MCP_CREDENTIAL_SIZE, "machine:%s", principal->user_id);
        break;
    case PRINCIPAL_USER:
    case PRINCIPAL_ANONYMOUS:
    default:
        snprintf(out, MCP_CREDENTIAL_SIZE, "none");
        break;
    }
}

mcp_inflight *mcp_inflight_create(void)
{
    mcp_inflight *inflight = calloc(1, sizeof *inflight);
    if (!inflight)
        return NULL;
    if (pthread_mutex_init(&inflight->lock, NULL) != 0) {
        free(inflight);
        return NULL;
    }
    return inflight;
}

static void entry_free(mcp_inflight_entry *entry)
{
    if (!entry)
        return;
    free(entry->request_key);
    free(entry);
}

void mcp_inflight_destroy(mcp_inflight *inflight)
{
    if (!inflight)
        return;
    mcp_inflight_entry *entry = inflight->entries;
    while (entry) {
        mcp_inflight_entry *next = entry->next;
        entry_free(entry);
        entry = next;
    }
    pthread_mutex_destroy(&inflight->lock);
    free(inflight);
}

/* The id's compact JSON text, or NULL (too long, or out of memory). */
static char *request_key_of(const json_t *request_id)
{
    if (!request_id)
        return NULL;
    char *key = json_dumps(request_id, JSON_COMPACT | JSON_ENCODE_ANY);
    if (key && strlen(key) > REQUEST_KEY_MAX) {
        free(key);
        return NULL;
    }
    return key;
}

mcp_inflight_entry *mcp_inflight_add(mcp_inflight *inflight, const char *credential,
                                     const json_t *request_id, const char *job_id)
{
    mcp_inflight_entry *entry = calloc(1, sizeof *entry);
    if (!entry)
        return NULL;
    entry->request_key = request_key_of(request_id);
    if (!entry->request_key) {
        free(entry);
        return NULL;
    }
    snprintf(entry->credential, sizeof entry->credential, "%s", credential);
    snprintf(entry->job_id, sizeof entry->job_id, "%s", job_id);
    pthread_mutex_lock(&inflight->lock);
    entry->next = inflight->entries;
    inflight->entries = entry;
    pthread_mutex_unlock(&inflight->lock);
    return entry;
}

bool mcp_inflight_cancelled(mcp_inflight *inflight, const mcp_inflight_entry *entry)
{
    if (!entry)
        return false;
    pthread_mutex_lock(&inflight->lock);
    bool cancelled = entry->cancelled;
    pthread_mutex_unlock(&inflight->lock);
    return cancelled;
}

void mcp_inflight_remove(mcp_inflight *inflight, mcp_inflight_entry *entry)
{
    if (!entry)
        return;
    pthread_mutex_lock(&inflight->lock);
    for (mcp_inflight_entry **link = &inflight->entries; *link; link = &(*link)->next) {
        if (*link == entry) {
            *link = entry->next;
            break;
        }
    }
    pthread_mutex_unlock(&inflight->lock);
    entry_free(entry);
}

bool mcp_inflight_cancel(mcp_inflight *inflight, const char *credential, const json_t *request_id,
                         char job_id[UUID_TEXT_SIZE])
{
    char *key = request_key_of(request_id);
    if (!key)
        return false;
    bool found = false;
    pthread_mutex_lock(&inflight->lock);
    for (mcp_inflight_entry *entry = inflight->entries; entry; entry = entry->next) {
        if (strcmp(entry->credential, credential) != 0 || strcmp(entry->request_key, key) != 0)
            continue;
        if (!found)
            snprintf(job_id, UUID_TEXT_SIZE, "%s", entry->job_id);
        entry->cancelled = true;
        found = true;
    }
    pthread_mutex_unlock(&inflight->lock);
    free(key);
    return found;
}
