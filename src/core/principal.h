/* principal.h - who is making a request, as established by request authentication.
 *
 * Filled by the authentication step before a handler runs; handlers read it and pass the
 * relevant parts to services. Plain data, no ownership. */
#ifndef NH_CORE_PRINCIPAL_H
#define NH_CORE_PRINCIPAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/uuid.h"

typedef enum {
    PRINCIPAL_ANONYMOUS = 0,
    PRINCIPAL_USER,         /* a person signed in with a JWT access token */
    PRINCIPAL_MACHINE_KEY,  /* a configured Auth__ApiKey__Keys__N key: unrestricted machine */
    PRINCIPAL_PERSONAL_KEY, /* a user's personal nhk_ key: acts as its owner, scoped */
} principal_kind;

typedef struct auth_principal {
    principal_kind kind;
    char user_id[UUID_TEXT_SIZE]; /* user: the user; personal key: its owner; machine: sha256 prefix
                                   */
    char username[520]; /* user / owner name (up to 128 characters); machine: "api-key:<id>" */
    int role; /* user_role of the user / owner (ROLE_* in auth/permissions.h; stored here as an int
                 so this layer needs no auth header) */
    uint32_t permissions;            /* effective permission bits for this request */
    char session_id[UUID_TEXT_SIZE]; /* user: the session (refresh-token family) of the access token
                                      */
    char key_id[UUID_TEXT_SIZE];     /* personal key: its id */
} auth_principal;

#endif
