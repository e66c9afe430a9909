/* routes.c - the route table. Literal routes come before placeholder routes that could also
 * match them (e.g. /assets/usage-stats before /assets/{id:guid}). */
#include "routes.h"

#include "app.h"
#include "system/openapi.h"
#include "system/system.h"
#include "audit/audit_http.h"
#include "auth/auth_http.h"
#include "users/users_http.h"
#include "assets/asset_http.h"
/* includes: features */

/* accounts (transitional): until the server sets request->context from a route-context column,
 * these adapters set it from the app for the accounts routes (auth: the auth context; users:
 * the users service; audit: the database pool). */
#define WITH_CONTEXT(name, handler, member)                                                        \
    static void name(http_request *request, http_response *response)                              \
    {                                                                                              \
        request->context = request->app->member;                                                   \
        handler(request, response);                                                                \
    }
WITH_CONTEXT(ctx_auth_login, auth_http_login, auth)
WITH_CONTEXT(ctx_auth_refresh, auth_http_refresh, auth)
WITH_CONTEXT(ctx_auth_logout, auth_http_logout, auth)
WITH_CONTEXT(ctx_auth_me, auth_http_me, auth)
WITH_CONTEXT(ctx_auth_change_password, auth_http_change_password, auth)
WITH_CONTEXT(ctx_auth_create_key, auth_http_create_key, auth)
WITH_CONTEXT(ctx_auth_list_keys, auth_http_list_keys, auth)
WITH_CONTEXT(ctx_auth_revoke_key, auth_http_revoke_key, auth)
WITH_CONTEXT(ctx_users_list, users_http_list, users)
WITH_CONTEXT(ctx_users_create, users_http_create, users)
WITH_CONTEXT(ctx_users_get, users_http_get, users)
WITH_CONTEXT(ctx_users_update, users_http_update, users)
WITH_CONTEXT(ctx_users_status, users_http_status, users)
WITH_CONTEXT(ctx_users_reset_password, users_http_reset_password, users)
WITH_CONTEXT(ctx_users_permissions, users_http_permissions, users)
WITH_CONTEXT(ctx_users_list_keys, users_http_list_keys, users)
WITH_CONTEXT(ctx_users_revoke_key, users_http_revoke_key, users)
WITH_CONTEXT(ctx_audit_list, audit_http_list, database)

const route ROUTES[] = {
    {"GET", "/api/v1/system/ping", system_ping, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/system/bootstrap", system_bootstrap, ROUTE_AUTH_ANONYMOUS, NULL,
     ROUTE_BODY_NONE, NULL},
    {"GET", "/healthz", system_healthz, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/readyz", system_readyz, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/metrics", system_metrics, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/openapi/v1.json", system_openapi, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/openapi.json", system_openapi, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_NONE,
     NULL},
    {"POST", "/api/v1/auth/login", ctx_auth_login, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_JSON,
     NULL},
    {"POST", "/api/v1/auth/refresh", ctx_auth_refresh, ROUTE_AUTH_ANONYMOUS, NULL, ROUTE_BODY_JSON,
     NULL},
    {"POST", "/api/v1/auth/logout", ctx_auth_logout, ROUTE_AUTH_JWT_ONLY, NULL, ROUTE_BODY_JSON,
     NULL},
    {"GET", "/api/v1/auth/me", ctx_auth_me, ROUTE_AUTH_JWT_ONLY, NULL, ROUTE_BODY_NONE, NULL},
    {"POST", "/api/v1/auth/change-password", ctx_auth_change_password, ROUTE_AUTH_JWT_ONLY, NULL,
     ROUTE_BODY_JSON, NULL},
    {"POST", "/api/v1/auth/api-keys", ctx_auth_create_key, ROUTE_AUTH_JWT_ONLY, NULL,
     ROUTE_BODY_JSON, NULL},
    {"GET", "/api/v1/auth/api-keys", ctx_auth_list_keys, ROUTE_AUTH_JWT_ONLY, NULL,
     ROUTE_BODY_NONE, NULL},
    {"DELETE", "/api/v1/auth/api-keys/{keyId:guid}", ctx_auth_revoke_key, ROUTE_AUTH_JWT_ONLY,
     NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/users", ctx_users_list, ROUTE_AUTH_MANAGEMENT, "users.read", ROUTE_BODY_NONE,
     NULL},
    {"POST", "/api/v1/users", ctx_users_create, ROUTE_AUTH_MANAGEMENT, "users.create",
     ROUTE_BODY_JSON, NULL},
    {"GET", "/api/v1/users/{id:guid}", ctx_users_get, ROUTE_AUTH_MANAGEMENT, "users.read",
     ROUTE_BODY_NONE, NULL},
    {"PATCH", "/api/v1/users/{id:guid}", ctx_users_update, ROUTE_AUTH_MANAGEMENT, "users.update",
     ROUTE_BODY_JSON, NULL},
    {"POST", "/api/v1/users/{id:guid}/status", ctx_users_status, ROUTE_AUTH_MANAGEMENT,
     "users.disable", ROUTE_BODY_JSON, NULL},
    {"POST", "/api/v1/users/{id:guid}/reset-password", ctx_users_reset_password,
     ROUTE_AUTH_MANAGEMENT, "users.update", ROUTE_BODY_JSON, NULL},
    {"PATCH", "/api/v1/users/{id:guid}/permissions", ctx_users_permissions, ROUTE_AUTH_MANAGEMENT,
     "users.managePermissions", ROUTE_BODY_JSON, NULL},
    {"GET", "/api/v1/users/{id:guid}/api-keys", ctx_users_list_keys, ROUTE_AUTH_MANAGEMENT,
     "users.read", ROUTE_BODY_NONE, NULL},
    {"DELETE", "/api/v1/users/{id:guid}/api-keys/{keyId:guid}", ctx_users_revoke_key,
     ROUTE_AUTH_MANAGEMENT, "users.update", ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/audit-log", ctx_audit_list, ROUTE_AUTH_MANAGEMENT, "audit.read",
     ROUTE_BODY_NONE, NULL},
    /* accounts: routes */
    {"POST", "/api/v1/assets", assets_http_upload, ROUTE_AUTH_MANAGEMENT, "assets.create",
     ROUTE_BODY_STREAM, assets_http_upload_chunk},
    {"GET", "/api/v1/assets", assets_http_list, ROUTE_AUTH_MANAGEMENT, "assets.read",
     ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/assets/usage-stats", assets_http_usage, ROUTE_AUTH_MANAGEMENT, "assets.read",
     ROUTE_BODY_NONE, NULL},
    {"POST", "/api/v1/assets/batch-delete", assets_http_batch_delete, ROUTE_AUTH_MANAGEMENT,
     "assets.delete", ROUTE_BODY_JSON, NULL},
    {"GET", "/api/v1/assets/{id:guid}", assets_http_detail, ROUTE_AUTH_MANAGEMENT, "assets.read",
     ROUTE_BODY_NONE, NULL},
    {"PATCH", "/api/v1/assets/{id:guid}", assets_http_patch, ROUTE_AUTH_MANAGEMENT, "assets.update",
     ROUTE_BODY_JSON, NULL},
    {"DELETE", "/api/v1/assets/{id:guid}", assets_http_delete, ROUTE_AUTH_MANAGEMENT,
     "assets.delete", ROUTE_BODY_JSON, NULL},
    {"GET", "/api/v1/assets/{id:guid}/content", assets_http_content, ROUTE_AUTH_MANAGEMENT,
     "assets.read", ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/public/assets", assets_http_public_list, ROUTE_AUTH_ANONYMOUS, NULL,
     ROUTE_BODY_NONE, NULL},
    {"GET", "/api/v1/public/assets/{id:guid}", assets_http_public_detail, ROUTE_AUTH_ANONYMOUS,
     NULL, ROUTE_BODY_NONE, NULL},
    {"GET", "/content/{*storageKey}", assets_http_public_content, ROUTE_AUTH_ANONYMOUS, NULL,
     ROUTE_BODY_NONE, NULL},
    /* assets: routes */
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
