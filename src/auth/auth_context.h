/* auth_context.h - the authentication feature's service object, built once at start-up from
 * explicit dependencies: the configuration, the database pool and the JWT signing key made from
 * the configured secret (and the bounded password-hashing pool it starts). It is what the
 * sessions, API-key and account services take, and the context (request->context) of the
 * /api/v1/auth routes. Read-only after creation; shared by all threads. Borrows cfg and
 * database, which must outlive it. */
#ifndef NH_AUTH_AUTH_CONTEXT_H
#define NH_AUTH_AUTH_CONTEXT_H

#include "auth/jwt_hs256.h"
#include "core/config.h"
#include "core/error.h"
#include "db/db.h"

#define AUTH_JWT_CLOCK_SKEW_SECONDS 30

typedef struct auth_context {
    const config *cfg;
    db *database;
    jwt_key *jwt;
} auth_context;

int auth_context_create(const config *cfg, db *database, auth_context **out, nh_error *err);
void auth_context_free(auth_context *context);

#endif
