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

const route ROUTES[] = {
    {"GET", "/api/v1/system/ping", system_ping, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_SYSTEM, true, NULL},
    {"GET", "/api/v1/system/bootstrap", system_bootstrap, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_SYSTEM, false, NULL},
    {"GET", "/healthz", system_healthz, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION, ROUTE_BODY_NONE,
     NULL, ROUTE_CONTEXT_SYSTEM, true, NULL},
    {"GET", "/readyz", system_readyz, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION, ROUTE_BODY_NONE,
     NULL, ROUTE_CONTEXT_SYSTEM, false, NULL},
    {"GET", "/metrics", system_metrics, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION, ROUTE_BODY_NONE,
     NULL, ROUTE_CONTEXT_SYSTEM, false, NULL},
    {"GET", "/openapi/v1.json", system_openapi, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_SYSTEM, false, NULL},
    {"GET", "/api/v1/openapi.json", system_openapi, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_SYSTEM, false, NULL},
    {"POST", "/api/v1/auth/login", auth_http_login, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"POST", "/api/v1/auth/refresh", auth_http_refresh, ROUTE_AUTH_ANONYMOUS, ROUTE_NO_PERMISSION,
     ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"POST", "/api/v1/auth/logout", auth_http_logout, ROUTE_AUTH_JWT_ONLY, ROUTE_NO_PERMISSION,
     ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"GET", "/api/v1/auth/me", auth_http_me, ROUTE_AUTH_JWT_ONLY, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"POST", "/api/v1/auth/change-password", auth_http_change_password, ROUTE_AUTH_JWT_ONLY,
     ROUTE_NO_PERMISSION, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"POST", "/api/v1/auth/api-keys", auth_http_create_key, ROUTE_AUTH_JWT_ONLY,
     ROUTE_NO_PERMISSION, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"GET", "/api/v1/auth/api-keys", auth_http_list_keys, ROUTE_AUTH_JWT_ONLY, ROUTE_NO_PERMISSION,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"DELETE", "/api/v1/auth/api-keys/{keyId:guid}", auth_http_revoke_key, ROUTE_AUTH_JWT_ONLY,
     ROUTE_NO_PERMISSION, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_AUTH, false, NULL},
    {"GET", "/api/v1/users", users_http_list, ROUTE_AUTH_MANAGEMENT, PERMISSION_USERS_READ,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"POST", "/api/v1/users", users_http_create, ROUTE_AUTH_MANAGEMENT, PERMISSION_USERS_CREATE,
     ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"GET", "/api/v1/users/{id:guid}", users_http_get, ROUTE_AUTH_MANAGEMENT, PERMISSION_USERS_READ,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"PATCH", "/api/v1/users/{id:guid}", users_http_update, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_USERS_UPDATE, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"POST", "/api/v1/users/{id:guid}/status", users_http_status, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_USERS_DISABLE, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"POST", "/api/v1/users/{id:guid}/reset-password", users_http_reset_password,
     ROUTE_AUTH_MANAGEMENT, PERMISSION_USERS_UPDATE, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_USERS,
     false, NULL},
    {"PATCH", "/api/v1/users/{id:guid}/permissions", users_http_permissions, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_USERS_MANAGE_PERMISSIONS, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"GET", "/api/v1/users/{id:guid}/api-keys", users_http_list_keys, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_USERS_READ, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_USERS, false, NULL},
    {"DELETE", "/api/v1/users/{id:guid}/api-keys/{keyId:guid}", users_http_revoke_key,
     ROUTE_AUTH_MANAGEMENT, PERMISSION_USERS_UPDATE, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_USERS,
     false, NULL},
    {"GET", "/api/v1/audit-log", audit_http_list, ROUTE_AUTH_MANAGEMENT, PERMISSION_AUDIT_READ,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_AUDIT, false, NULL},
    {"POST", "/api/v1/assets", asset_http_upload, ROUTE_AUTH_MANAGEMENT, PERMISSION_ASSETS_CREATE,
     ROUTE_BODY_STREAM, asset_http_upload_chunk, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/api/v1/assets", asset_http_list, ROUTE_AUTH_MANAGEMENT, PERMISSION_ASSETS_READ,
     ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/api/v1/assets/usage-stats", asset_http_usage, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_ASSETS_READ, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"POST", "/api/v1/assets/batch-delete", asset_http_batch_delete, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_ASSETS_DELETE, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/api/v1/assets/{id:guid}", asset_http_detail, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_ASSETS_READ, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"PATCH", "/api/v1/assets/{id:guid}", asset_http_patch, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_ASSETS_UPDATE, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"DELETE", "/api/v1/assets/{id:guid}", asset_http_delete, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_ASSETS_DELETE, ROUTE_BODY_JSON, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/api/v1/assets/{id:guid}/content", asset_http_content, ROUTE_AUTH_MANAGEMENT,
     PERMISSION_ASSETS_READ, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/api/v1/public/assets", asset_http_public_list, ROUTE_AUTH_ANONYMOUS,
     ROUTE_NO_PERMISSION, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/api/v1/public/assets/{id:guid}", asset_http_public_detail, ROUTE_AUTH_ANONYMOUS,
     ROUTE_NO_PERMISSION, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false, NULL},
    {"GET", "/content/{*storageKey}", asset_http_public_content, ROUTE_AUTH_ANONYMOUS,
     ROUTE_NO_PERMISSION, ROUTE_BODY_NONE, NULL, ROUTE_CONTEXT_ASSETS, false,
     asset_http_public_content_inline},
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
