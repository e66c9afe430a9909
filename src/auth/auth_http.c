/* auth_http.c - translating /api/v1/auth/... requests to the sessions, account and API-key
 * services; request->context is the auth context. */
#include "auth/auth_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_http.h"
#include "auth/account.h"
#include "auth/api_keys.h"
#include "auth/sessions.h"
#include "auth/user_json.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "core/text.h"
#include "core/log.h"

#define REFRESH_COOKIE "nekohub_refresh"
#define COOKIE_PATH "/api/v1/auth"

static bool cookie_mode(const http_request *request)
{
    const char *mode = http_request_header(request, "X-NekoHub-Session");
    return mode && !strcasecmp(mode, "cookie");
}

/* The value of the refresh cookie copied into out, or false. */
static bool read_cookie(const http_request *request, char *out, size_t size)
{
    const char *header = http_request_header(request, "Cookie");
    size_t name_length = strlen(REFRESH_COOKIE);
    for (const char *cursor = header; cursor && *cursor;) {
        while (*cursor == ' ' || *cursor == ';')
            cursor++;
        const char *end = strchr(cursor, ';');
        size_t length = end ? (size_t)(end - cursor) : strlen(cursor);
        if (length > name_length + 1 && !strncmp(cursor, REFRESH_COOKIE, name_length) &&
            cursor[name_length] == '=') {
            size_t value_length = length - name_length - 1;
            if (value_length == 0 || value_length >= size)
                return false;
            memcpy(out, cursor + name_length + 1, value_length);
            out[value_length] = '\0';
            return true;
        }
        cursor = end;
    }
    return false;
}

/* Add the refresh cookie (value "" with max age 0 clears it). -1 when it could not be added. */
static int set_cookie(const http_request *request, http_response *response, const char *value,
                      int64_t max_age_seconds)
{
    const char *protocol = http_request_header(request, "X-Forwarded-Proto");
    bool secure = protocol && !strcasecmp(protocol, "https");
    char cookie[512];
    int length = snprintf(
        cookie, sizeof cookie, "%s=%s; Path=%s; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
        REFRESH_COOKIE, value, COOKIE_PATH, (long long)max_age_seconds, secure ? "; Secure" : "");
    if (length < 0 || (size_t)length >= sizeof cookie)
        return -1;
    return http_response_header(response, "Set-Cookie", cookie);
}

/* A reply that carries a secret must not go out without its header (the cookie holding the
 * refresh token, Cache-Control: no-store): it becomes a logged 500 instead. */
static void reply_without_header(http_response *response, const char *name)
{
    nh_error err;
    error_set(&err, 500, "response_header_failed", "The %s header could not be added.", name);
    http_reply_error(response, &err);
}

/* Clearing the cookie after the session ended is a courtesy (the server already refuses it):
 * a failure is logged. */
static void clear_cookie(const http_request *request, http_response *response)
{
    if (set_cookie(request, response, "", 0) != 0)
        log_message(LOG_WARN, "response_header", "the refresh cookie could not be cleared");
}

/* A required non-blank string member; 400 request_invalid otherwise. */
static const char *required_string(http_request *request, http_response *response, const char *name,
                                   const char *label)
{
    const json_t *value = json_input_get(request->json, name);
    if (!json_is_object(request->json)) {
        http_reply_error_code(response, 400, "request_invalid",
                              "A non-empty request body is required.");
        return NULL;
    }
    if (!json_is_string(value) || text_is_blank(json_string_value(value))) {
        http_reply_error_code(response, 400, "request_invalid", "The %s field is required.", label);
        return NULL;
    }
    return json_string_value(value);
}

static void reply_tokens(http_request *request, http_response *response, session_tokens *tokens,
                         int status)
{
    char access_expires[CLOCK_ISO_SIZE], refresh_expires[CLOCK_ISO_SIZE];
    clock_format_iso(tokens->access_expires_at, access_expires);
    clock_format_iso(tokens->refresh_expires_at, refresh_expires);
    bool in_cookie = cookie_mode(request);
    http_reply_data(response, status,
                    json_pack("{s:s, s:o, s:s, s:s, s:o}", "accessToken", tokens->access_token,
                              "refreshToken",
                              in_cookie ? json_null() : json_string(tokens->refresh_token),
                              "accessTokenExpiresAtUtc", access_expires, "refreshTokenExpiresAtUtc",
                              refresh_expires, "user", user_json_of(&tokens->user)));
    if (http_response_header(response, "Cache-Control", "no-store") != 0) {
        reply_without_header(response, "Cache-Control");
        return;
    }
    if (in_cookie && set_cookie(request, response, tokens->refresh_token,
                                (tokens->refresh_expires_at - clock_now_ms()) / 1000) != 0)
        reply_without_header(response, "Set-Cookie");
}

void auth_http_login(http_request *request, http_response *response)
{
    const char *username = required_string(request, response, "username", "Username");
    if (!username)
        return;
    const char *password = required_string(request, response, "password", "Password");
    if (!password)
        return;
    const auth_context *auth = request->context;
    char *trimmed = text_trimmed_copy(username);
    nh_error err;
    if (!trimmed) {
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    audit_actor actor = audit_actor_of(request);
    session_tokens tokens;
    if (sessions_login(auth, &actor, trimmed, password, &tokens, &err) != 0) {
        http_reply_error(response, &err); /* a 429 carries its Retry-After */
    } else {
        reply_tokens(request, response, &tokens, 200);
        sessions_tokens_clear(&tokens);
    }
    free(trimmed);
}

/* The refresh token from the body, or in cookie mode from the cookie. */
static const char *presented_refresh_token(http_request *request, http_response *response,
                                           char *cookie, size_t cookie_size)
{
    const json_t *value = json_input_get(request->json, "refreshToken");
    if (json_is_string(value) && !text_is_blank(json_string_value(value)))
        return json_string_value(value);
    if (cookie_mode(request) && read_cookie(request, cookie, cookie_size))
        return cookie;
    if (cookie_mode(request) && json_is_object(request->json))
        /* The console asking whether it still has a session: it has none. */
        http_reply_error_code(response, 401, "auth_refresh_token_invalid",
                              "There is no session to refresh.");
    else if (!json_is_object(request->json))
        http_reply_error_code(response, 400, "request_invalid",
                              "A non-empty request body is required.");
    else
        http_reply_error_code(response, 400, "request_invalid",
                              "The RefreshToken field is required.");
    return NULL;
}

/* Is the session of a refused refresh over for sure? auth_refresh_token_invalid is also what
 * the loser of a refresh race gets; clearing the cookie then could erase the one the winner just
 * set. */
static bool session_over(const nh_error *err)
{
    return !strcmp(err->code, "auth_refresh_token_reused") ||
           !strcmp(err->code, "auth_refresh_token_expired") ||
           !strcmp(err->code, "auth_user_inactive");
}

void auth_http_refresh(http_request *request, http_response *response)
{
    char cookie[256];
    const char *token = presented_refresh_token(request, response, cookie, sizeof cookie);
    if (!token)
        return;
    const auth_context *auth = request->context;
    char *trimmed = text_trimmed_copy(token);
    audit_actor actor = audit_actor_of(request);
    session_tokens tokens;
    nh_error err;
    if (!trimmed) {
        error_internal(&err);
        http_reply_error(response, &err);
        return;
    }
    if (sessions_refresh(auth, &actor, trimmed, &tokens, &err) != 0) {
        http_reply_error(response, &err);
        if (cookie_mode(request) && session_over(&err))
            clear_cookie(request, response);
    } else {
        reply_tokens(request, response, &tokens, 200);
        sessions_tokens_clear(&tokens);
    }
    free(trimmed);
}

void auth_http_logout(http_request *request, http_response *response)
{
    char cookie[256];
    const char *token = presented_refresh_token(request, response, cookie, sizeof cookie);
    if (!token && !cookie_mode(request))
        return;
    const auth_context *auth = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (sessions_logout(auth, &actor, token, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_empty(response, 204);
    if (cookie_mode(request))
        clear_cookie(request, response);
}

void auth_http_me(http_request *request, http_response *response)
{
    const auth_context *auth = request->context;
    nh_error err;
    json_t *user = NULL;
    if (account_me(auth, request->principal.user_id, &user, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_data(response, 200, user);
}

void auth_http_change_password(http_request *request, http_response *response)
{
    const auth_context *auth = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (account_change_password(auth, &actor, request->json, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    http_reply_empty(response, 204);
}

/* ---- personal API keys ----------------------------------------------------------------- */

void auth_http_create_key(http_request *request, http_response *response)
{
    const auth_context *auth = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    json_t *key = NULL;
    if (api_keys_create(auth, &actor, request->principal.user_id, request->json, &key, &err) != 0) {
        http_reply_error(response, &err);
        return;
    }
    char location[128];
    snprintf(location, sizeof location, "/api/v1/auth/api-keys/%s",
             json_string_value(json_object_get(key, "id")));
    http_reply_data(response, 201, key);
    /* The body holds the secret: it must not be cached. */
    if (http_response_header(response, "Cache-Control", "no-store") != 0) {
        reply_without_header(response, "Cache-Control");
        return;
    }
    if (http_response_header(response, "Location", location) != 0)
        log_message(LOG_WARN, "response_header", "Location %s could not be added", location);
}

void auth_http_list_keys(http_request *request, http_response *response)
{
    const auth_context *auth = request->context;
    nh_error err;
    json_t *keys = NULL;
    if (api_keys_list(auth, request->principal.user_id, &keys, &err) != 0)
        http_reply_error(response, &err);
    else
        http_reply_data(response, 200, keys);
}

void auth_http_revoke_key(http_request *request, http_response *response)
{
    const auth_context *auth = request->context;
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (api_keys_revoke(auth, &actor, request->principal.user_id,
                        http_request_param(request, "keyId"), &err) != 0)
        http_reply_error(response, &err);
    else
        http_reply_empty(response, 204);
}
