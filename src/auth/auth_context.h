/* auth_context.h - what request authentication and sessions need, built once at start-up:
 * the JWT signing key, the machine API keys (hashed for constant-time comparison) and the
 * bounded password-hashing pool. Read-only after creation; shared by all threads. */
#ifndef NH_AUTH_AUTH_CONTEXT_H
#define NH_AUTH_AUTH_CONTEXT_H

#include "auth/jwt_hs256.h"
#include "core/config.h"
#include "core/error.h"

#define AUTH_JWT_CLOCK_SKEW_SECONDS 30

typedef struct auth_context {
    const config *cfg;
    jwt_key *jwt;
} auth_context;

int auth_context_create(const config *cfg, auth_context **out, nh_error *err);
void auth_context_free(auth_context *context);

#endif
