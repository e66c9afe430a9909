/* api_key_store.h - the SQL of personal API keys (no rules: see api_keys.h).
 *
 * Every function runs on a borrowed connection and returns 0, DB_ERROR or DB_CONSTRAINT like
 * db.h, with err filled on failure. Keys are stored only as secret_token_sha256_hex() digests;
 * permissions as the bit set of auth/permissions.h. */
#ifndef NH_AUTH_API_KEY_STORE_H
#define NH_AUTH_API_KEY_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/uuid.h"
#include "db/db.h"

typedef struct api_key_store_row {
    char id[UUID_TEXT_SIZE];
    char user_id[UUID_TEXT_SIZE];
    uint32_t permissions;
    int64_t expires_at;   /* 0 = never */
    int64_t revoked_at;   /* 0 = live */
    int64_t last_used_at; /* 0 = never */
} api_key_store_row;

typedef struct api_key_store_new {
    const char *id;
    const char *user_id;
    const char *name;
    const char *prefix;
    const char *key_hash;
    uint32_t permissions;
    int64_t created_at;
    int64_t expires_at; /* 0 = never */
} api_key_store_new;

int api_key_store_insert(db_conn *conn, const api_key_store_new *key, nh_error *err);
/* The key with that digest; *found false when there is none. */
int api_key_store_find_by_hash(db_conn *conn, const char *key_hash, api_key_store_row *out,
                               bool *found, nh_error *err);
int api_key_store_touch(db_conn *conn, const char *id, int64_t now, nh_error *err);
/* The owner's keys that are not revoked, newest first, as the public key objects (id, name,
 * prefix, permissions, createdAtUtc, lastUsedAtUtc, expiresAtUtc) in *out (caller owns). */
int api_key_store_list(db_conn *conn, const char *user_id, json_t **out, nh_error *err);
/* The name of the owner's live key id into *name (malloc'ed, caller frees); *found false when
 * there is no such live key. */
int api_key_store_find_name(db_conn *conn, const char *id, const char *user_id, char **name,
                            bool *found, nh_error *err);
int api_key_store_revoke(db_conn *conn, const char *id, int64_t now, nh_error *err);

#endif
