/* routes.c - the route table. Literal routes come before placeholder routes that could also
 * match them (e.g. /assets/usage-stats before /assets/{id:guid}); router_validate() refuses a
 * table where they do not.
 *
 * Columns: method, pattern, handler, authentication, permission, body, body_chunk, feature
 * context, `true` for the few handlers that never block (they run on the event thread), and an
 * optional inline handler: a fast path tried on the event thread before the pool (router.h). */
#include "routes.h"

#include "assets/asset_http.h"
#include "audit/audit_http.h"
#include "auth/auth_http.h"
#include "auth/permissions.h"
#include "system/openapi.h"
#include "system/system.h"
#include "users/users_http.h"

/* The usual shapes of a row; the rows that differ (a handler that never blocks, a streaming
 * body, an inline fast path) are written out in full. */
// clang-format off
#define ANONYMOUS(method, pattern, handler, body, context) \
    {method, pattern, handler, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION, body, NULL, context, \
     false, NULL}
#define SIGNED_IN(method, pattern, handler, body) \
    {method, pattern, handler, ROUTE_AUTH_JWT_ONLY, ROUTE_NO_PERMISSION, body, NULL, \
     ROUTE_CONTEXT_AUTH, false, NULL}
#define MANAGED(method, pattern, handler, permission, body, context) \
    {method, pattern, handler, ROUTE_AUTH_MANAGEMENT, permission, body, NULL, context, false, NULL}
// clang-format on

const route ROUTES[] = {
    {"GET", "/api/v1/system/ping", system_ping, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_SYSTEM, true, NULL},
    ANONYMOUS("GET", "/api/v1/system/bootstrap", system_bootstrap, ROUTE_BODY_NONE,
              ROUTE_CONTEXT_SYSTEM),
    {"GET", "/healthz", system_healthz, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION, ROUTE_BODY_NONE,
     NULL, ROUTE_CONTEXT_SYSTEM, true, NULL},
    ANONYMOUS("GET", "/readyz", system_readyz, ROUTE_BODY_NONE, ROUTE_CONTEXT_SYSTEM),
    ANONYMOUS("GET", "/metrics", system_metrics, ROUTE_BODY_NONE, ROUTE_CONTEXT_SYSTEM),
    ANONYMOUS("GET", "/openapi/v1.json", system_openapi, ROUTE_BODY_NONE, ROUTE_CONTEXT_SYSTEM),
    ANONYMOUS("GET", "/api/v1/openapi.json", system_openapi, ROUTE_BODY_NONE, ROUTE_CONTEXT_SYSTEM),
    ANONYMOUS("POST", "/api/v1/auth/login", auth_http_login, ROUTE_BODY_JSON, ROUTE_CONTEXT_AUTH),
    ANONYMOUS("POST", "/api/v1/auth/refresh", auth_http_refresh, ROUTE_BODY_JSON,
              ROUTE_CONTEXT_AUTH),
    SIGNED_IN("POST", "/api/v1/auth/logout", auth_http_logout, ROUTE_BODY_JSON),
    SIGNED_IN("GET", "/api/v1/auth/me", auth_http_me, ROUTE_BODY_NONE),
    SIGNED_IN("POST", "/api/v1/auth/change-password", auth_http_change_password, ROUTE_BODY_JSON),
    SIGNED_IN("POST", "/api/v1/auth/api-keys", auth_http_create_key, ROUTE_BODY_JSON),
    SIGNED_IN("GET", "/api/v1/auth/api-keys", auth_http_list_keys, ROUTE_BODY_NONE),
    SIGNED_IN("DELETE", "/api/v1/auth/api-keys/{keyId:guid}", auth_http_revoke_key,
              ROUTE_BODY_NONE),
    MANAGED("GET", "/api/v1/users", users_http_list, PERMISSION_USERS_READ, ROUTE_BODY_NONE,
            ROUTE_CONTEXT_USERS),
    MANAGED("POST", "/api/v1/users", users_http_create, PERMISSION_USERS_CREATE, ROUTE_BODY_JSON,
            ROUTE_CONTEXT_USERS),
    MANAGED("GET", "/api/v1/users/{id:guid}", users_http_get, PERMISSION_USERS_READ,
            ROUTE_BODY_NONE, ROUTE_CONTEXT_USERS),
    MANAGED("PATCH", "/api/v1/users/{id:guid}", users_http_update, PERMISSION_USERS_UPDATE,
            ROUTE_BODY_JSON, ROUTE_CONTEXT_USERS),
    MANAGED("POST", "/api/v1/users/{id:guid}/status", users_http_status, PERMISSION_USERS_DISABLE,
            ROUTE_BODY_JSON, ROUTE_CONTEXT_USERS),
    MANAGED("POST", "/api/v1/users/{id:guid}/reset-password", users_http_reset_password,
            PERMISSION_USERS_UPDATE, ROUTE_BODY_JSON, ROUTE_CONTEXT_USERS),
    MANAGED("PATCH", "/api/v1/users/{id:guid}/permissions", users_http_permissions,
            PERMISSION_USERS_MANAGE_PERMISSIONS, ROUTE_BODY_JSON, ROUTE_CONTEXT_USERS),
    MANAGED("GET", "/api/v1/users/{id:guid}/api-keys", users_http_list_keys, PERMISSION_USERS_READ,
            ROUTE_BODY_NONE, ROUTE_CONTEXT_USERS),
    MANAGED("DELETE", "/api/v1/users/{id:guid}/api-keys/{keyId:guid}", users_http_revoke_key,
            PERMISSION_USERS_UPDATE, ROUTE_BODY_NONE, ROUTE_CONTEXT_USERS),
    MANAGED("GET", "/api/v1/audit-log", audit_http_list, PERMISSION_AUDIT_READ, ROUTE_BODY_NONE,
            ROUTE_CONTEXT_AUDIT),
    {"POST", "/api/v1/assets", asset_http_upload, ROUTE_AUTH_MANAGEMENT, PERMISSION_ASSETS_CREATE,
     ROUTE_BODY_STREAM, asset_http_upload_chunk, ROUTE_CONTEXT_ASSETS, false, NULL},
    MANAGED("GET", "/api/v1/assets", asset_http_list, PERMISSION_ASSETS_READ, ROUTE_BODY_NONE,
            ROUTE_CONTEXT_ASSETS),
    MANAGED("GET", "/api/v1/assets/usage-stats", asset_http_usage, PERMISSION_ASSETS_READ,
            ROUTE_BODY_NONE, ROUTE_CONTEXT_ASSETS),
    MANAGED("POST", "/api/v1/assets/batch-delete", asset_http_batch_delete,
            PERMISSION_ASSETS_DELETE, ROUTE_BODY_JSON, ROUTE_CONTEXT_ASSETS),
    MANAGED("GET", "/api/v1/assets/{id:guid}", asset_http_detail, PERMISSION_ASSETS_READ,
            ROUTE_BODY_NONE, ROUTE_CONTEXT_ASSETS),
    MANAGED("PATCH", "/api/v1/assets/{id:guid}", asset_http_patch, PERMISSION_ASSETS_UPDATE,
            ROUTE_BODY_JSON, ROUTE_CONTEXT_ASSETS),
    MANAGED("DELETE", "/api/v1/assets/{id:guid}", asset_http_delete, PERMISSION_ASSETS_DELETE,
            ROUTE_BODY_JSON, ROUTE_CONTEXT_ASSETS),
    MANAGED("GET", "/api/v1/assets/{id:guid}/content", asset_http_content, PERMISSION_ASSETS_READ,
            ROUTE_BODY_NONE, ROUTE_CONTEXT_ASSETS),
    ANONYMOUS("GET", "/api/v1/public/assets", asset_http_public_list, ROUTE_BODY_NONE,
              ROUTE_CONTEXT_ASSETS),
    ANONYMOUS("GET", "/api/v1/public/assets/{id:guid}", asset_http_public_detail, ROUTE_BODY_NONE,
              ROUTE_CONTEXT_ASSETS),
    {"GET", "/content/{*storageKey}", asset_http_public_content, ROUTE_AUTH_ANONYMOUS,
     ROUTE_NO_PERMISSION, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false,
     asset_http_public_content_inline},
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
