/* authenticate.c - who is calling, and may they use this route. */
#include "auth/authenticate.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/api_keys.h"
#include "auth/permissions.h"
#include "auth/secret_token.h"
#include "auth/session_store.h"
#include "auth/user_store.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"

#define AUTH_REALM "Bearer realm=\"NekoHub\""

static int reply_unauthorized(http_response *response)
{
    http_reply_error_code(response, 401, "auth_unauthorized", "Authentication is required.");
    return -1;
}

static int reply_api_key(http_response *response, const char *code)
{
    if (!strcmp(code, "api_key_missing"))
        http_reply_error_code(response, 401, code,
                              "API key is required. Use Authorization: Bearer <API_KEY>.");
    else
        http_reply_error_code(response, 401, code, "API key is invalid.");
    if (http_response_header(response, "WWW-Authenticate", AUTH_REALM) != 0)
        log_message(LOG_WARN, "response_header", "WWW-Authenticate could not be added");
    return -1;
}

/* What checking a credential found. UNAVAILABLE: the database could not answer, which is not
 * the caller's fault and must not look like bad credentials. */
enum { CREDENTIAL_OK = 0, CREDENTIAL_REFUSED = -1, CREDENTIAL_UNAVAILABLE = -2 };

static int reply_unavailable(http_response *response)
{
    nh_error err;
    error_set_retry(&err, 503, "service_unavailable", 1,
                    "The server cannot check credentials right now; try again shortly.");
    http_reply_error(response, &err);
    return -1;
}

/* Reply for a credential check that did not succeed: 503 when unavailable, else `refused`. */
static int reply_failed_check(http_response *response, int check, int (*refused)(http_response *))
{
    return check == CREDENTIAL_UNAVAILABLE ? reply_unavailable(response) : refused(response);
}

static int reply_api_key_invalid(http_response *response)
{
    return reply_api_key(response, "api_key_invalid");
}

/* The trimmed credential of "Bearer <credential>" (scheme case-insensitive) in out; false when
 * the header is not Bearer or the credential is empty. */
static bool bearer_credential(const char *header, char *out, size_t size)
{
    if (!header)
        return false;
    while (isspace((unsigned char)*header))
        header++;
    if (strncasecmp(header, "Bearer", 6) != 0 || !isspace((unsigned char)header[6]))
        return false;
    const char *start = header + 6;
    while (isspace((unsigned char)*start))
        start++;
    size_t length = strlen(start);
    while (length > 0 && isspace((unsigned char)start[length - 1]))
        length--;
    if (length == 0 || length >= size)
        return false;
    memcpy(out, start, length);
    out[length] = '\0';
    return true;
}

static int count_dots(const char *text)
{
    int dots = 0;
    for (; *text; text++)
        dots += *text == '.';
    return dots;
}

static void fill_user_principal(auth_principal *principal, principal_kind kind,
                                const user_record *user)
{
    principal->kind = kind;
    principal->role = (int)user->role;
    principal->permissions = user->permissions;
    snprintf(principal->user_id, sizeof principal->user_id, "%s", user->id);
    snprintf(principal->username, sizeof principal->username, "%s", user->username);
}

/* ---- the three credential kinds -------------------------------------------------------- */

/* The principal of verified claims: their user, active, in a live session of theirs. */
static int jwt_principal(db_conn *conn, const jwt_claims *claims, int64_t now,
                         auth_principal *principal)
{
    nh_error err;
    user_record user;
    bool found = false, live = false;
    if (user_store_find_by_id(conn, claims->sub, false, &user, &found, &err) != 0)
        return CREDENTIAL_UNAVAILABLE;
    if (!found)
        return CREDENTIAL_REFUSED;
    int result = CREDENTIAL_REFUSED;
    if (!user.is_active)
        result = CREDENTIAL_REFUSED; /* no session check for a disabled user */
    else if (session_store_is_live(conn, claims->sid, user.id, now, &live, &err) != 0)
        result = CREDENTIAL_UNAVAILABLE;
    else if (live) {
        fill_user_principal(principal, PRINCIPAL_USER, &user);
        snprintf(principal->session_id, sizeof principal->session_id, "%s", claims->sid);
        result = CREDENTIAL_OK;
    }
    user_store_record_clear(&user);
    return result;
}

static int authenticate_jwt(const auth_context *auth, http_request *request, const char *token)
{
    const config *cfg = auth->cfg;
    jwt_claims claims;
    int64_t now = clock_now_ms();
    if (jwt_verify(auth->jwt, token, cfg->jwt_issuer, cfg->jwt_audience, now / 1000,
                   AUTH_JWT_CLOCK_SKEW_SECONDS, &claims) != JWT_OK)
        return CREDENTIAL_REFUSED;
    if (!claims.sid) {
        jwt_claims_free(&claims);
        return CREDENTIAL_REFUSED;
    }
    nh_error err;
    db_conn *conn = db_acquire(auth->database, &err);
    int result =
        conn ? jwt_principal(conn, &claims, now, &request->principal) : CREDENTIAL_UNAVAILABLE;
    if (conn)
        db_release(auth->database, conn);
    jwt_claims_free(&claims);
    return result;
}

static int authenticate_machine_key(const auth_context *auth, http_request *request,
                                    const char *credential)
{
    const string_list *keys = &auth->cfg->api_keys;
    size_t length = strlen(credential);
    bool matched = false;
    for (size_t i = 0; i < keys->count; i++) {
        const char *key = keys->items[i];
        /* Every key is compared (no early exit) so timing does not tell which one matched. */
        if (strlen(key) == length && sodium_memcmp(key, credential, length) == 0)
            matched = true;
    }
    if (!matched)
        return -1;
    char digest[SECRET_TOKEN_HEX_SIZE];
    secret_token_sha256_hex(credential, digest);
    auth_principal *principal = &request->principal;
    principal->kind = PRINCIPAL_MACHINE_KEY;
    principal->role = ROLE_SUPER_ADMIN;
    principal->permissions = PERMISSIONS_ALL;
    snprintf(principal->user_id, sizeof principal->user_id, "%.16s", digest);
    snprintf(principal->username, sizeof principal->username, "api-key:%.16s", digest);
    return 0;
}

static int authenticate_personal_key(const auth_context *auth, http_request *request,
                                     const char *credential)
{
    nh_error err;
    api_key_owner owner;
    int rc = api_keys_authenticate(auth, credential, clock_now_ms(), &owner, &err);
    if (rc != 0)
        return err.status >= 500 ? CREDENTIAL_UNAVAILABLE : CREDENTIAL_REFUSED;
    fill_user_principal(&request->principal, PRINCIPAL_PERSONAL_KEY, &owner.user);
    request->principal.permissions = owner.effective_permissions;
    snprintf(request->principal.key_id, sizeof request->principal.key_id, "%s", owner.key_id);
    user_store_record_clear(&owner.user);
    return 0;
}

static bool is_personal_key(const char *credential)
{
    return strncmp(credential, SECRET_TOKEN_API_KEY_PREFIX, strlen(SECRET_TOKEN_API_KEY_PREFIX)) ==
           0;
}

/* ---- per route family ------------------------------------------------------------------ */

static int check_jwt(const auth_context *auth, http_request *request, http_response *response,
                     const char *credential)
{
    int check = authenticate_jwt(auth, request, credential);
    return check == CREDENTIAL_OK ? 0 : reply_failed_check(response, check, reply_unauthorized);
}

static int check_personal_key(const auth_context *auth, http_request *request,
                              http_response *response, const char *credential)
{
    int check = authenticate_personal_key(auth, request, credential);
    return check == CREDENTIAL_OK ? 0 : reply_failed_check(response, check, reply_api_key_invalid);
}

static int authenticate_jwt_only(const auth_context *auth, http_request *request,
                                 http_response *response, const char *header)
{
    char credential[JWT_MAX_TOKEN_LENGTH + 1];
    if (!bearer_credential(header, credential, sizeof credential))
        return reply_unauthorized(response);
    return check_jwt(auth, request, response, credential);
}

static int authenticate_management(const auth_context *auth, http_request *request,
                                   http_response *response, const char *header)
{
    const config *cfg = auth->cfg;
    char credential[JWT_MAX_TOKEN_LENGTH + 1];
    bool bearer = bearer_credential(header, credential, sizeof credential);
    if (bearer && is_personal_key(credential))
        return check_personal_key(auth, request, response, credential);
    if (!cfg->api_key_enabled)
        return bearer ? check_jwt(auth, request, response, credential)
                      : reply_unauthorized(response);
    if (text_is_blank(header))
        return reply_api_key(response, "api_key_missing");
    if (!bearer)
        return reply_api_key(response, "api_key_invalid");
    if (count_dots(credential) == 2)
        return check_jwt(auth, request, response, credential);
    if (authenticate_machine_key(auth, request, credential) != 0)
        return reply_api_key(response, "api_key_invalid");
    return 0;
}

static int authenticate_api_key_only(const auth_context *auth, http_request *request,
                                     http_response *response, const char *header)
{
    const config *cfg = auth->cfg;
    char credential[JWT_MAX_TOKEN_LENGTH + 1];
    bool bearer = bearer_credential(header, credential, sizeof credential);
    if (bearer && is_personal_key(credential))
        return check_personal_key(auth, request, response, credential);
    if (!cfg->api_key_enabled || text_is_blank(header))
        return reply_api_key(response, "api_key_missing");
    if (!bearer || authenticate_machine_key(auth, request, credential) != 0)
        return reply_api_key(response, "api_key_invalid");
    return 0;
}

bool auth_principal_has(const auth_principal *principal, const char *permission_name)
{
    if (principal->kind == PRINCIPAL_MACHINE_KEY)
        return true;
    permission required;
    if (permission_from_name(permission_name, &required) != 0)
        return false;
    return permissions_has(principal->permissions, required);
}

int auth_authenticate(void *context, http_request *request, int required, http_response *response)
{
    const auth_context *auth = context;
    const route *matched = request->match.route;
    const char *header = http_request_header(request, "Authorization");
    int rc = 0;
    switch (matched->auth) {
    case ROUTE_AUTH_ANONYMOUS:
        return 0;
    case ROUTE_AUTH_JWT_ONLY:
        rc = authenticate_jwt_only(auth, request, response, header);
        break;
    case ROUTE_AUTH_MANAGEMENT:
        rc = authenticate_management(auth, request, response, header);
        break;
    case ROUTE_AUTH_API_KEY_ONLY:
        rc = authenticate_api_key_only(auth, request, response, header);
        break;
    }
    if (rc != 0)
        return rc;
    if (required == ROUTE_NO_PERMISSION || request->principal.kind == PRINCIPAL_MACHINE_KEY)
        return 0;
    if (!permissions_has(request->principal.permissions, (permission)required)) {
        const char *name = permission_name((permission)required);
        http_reply_error_code(response, 403, "auth_forbidden",
                              "The permission '%s' is required for this action.",
                              name ? name : "?");
        return -1;
    }
    return 0;
}
