/* auth_context.c - start-up of the authentication services. */
#include "auth/auth_context.h"

#include <stdlib.h>
#include <string.h>

#include "auth/password.h"

int auth_context_create(const config *cfg, db *database, auth_context **out, nh_error *err)
{
    auth_context *context = calloc(1, sizeof *context);
    if (!context)
        return error_internal(err);
    context->cfg = cfg;
    context->database = database;
    int rc = jwt_key_create(cfg->jwt_secret, strlen(cfg->jwt_secret), &context->jwt);
    if (rc != JWT_OK) {
        free(context);
        return error_set(err, 500, "config_invalid", "Auth__Jwt__Secret: %s", jwt_strerror(rc));
    }
    if (password_init(cfg->password_hash_concurrency) != 0) {
        jwt_key_free(context->jwt);
        free(context);
        return error_set(err, 500, "password_init_failed", "password hashing could not start");
    }
    *out = context;
    return 0;
}

void auth_context_free(auth_context *context)
{
    if (!context)
        return;
    password_shutdown();
    jwt_key_free(context->jwt);
    free(context);
}
