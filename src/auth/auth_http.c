/* auth_http.c - translating /api/v1/auth/... requests to the sessions and API-key services. */
#include "auth/auth_http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "auth/api_keys.h"
#include "auth/sessions.h"
#include "core/clock.h"
#include "core/json_input.h"
#include "users/users.h"

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

static void set_cookie(const http_request *request, http_response *response, const char *value,
                       int64_t max_age_seconds)
{
    const char *protocol = http_request_header(request, "X-Forwarded-Proto");
    bool secure = protocol && !strcasecmp(protocol, "https");
    char cookie[512];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=%s; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             REFRESH_COOKIE, value, COOKIE_PATH, (long long)max_age_seconds,
             secure ? "; Secure" : "");
    http_response_header(response, "Set-Cookie", cookie);
}

static void reply_failure(http_response *response, const nh_error *err)
{
    http_reply_error(response, err);
}

/* A required non-blank string member; 400 request_invalid otherwise. */
static const char *required_string(http_request *request, http_response *response,
                                   const char *name, const char *label)
{
    const json_t *value = json_input_get(request->json, name);
    if (!json_is_object(request->json)) {
        http_reply_error_code(response, 400, "request_invalid",
                              "A non-empty request body is required.");
        return NULL;
    }
    if (!json_is_string(value) || json_input_is_blank(json_string_value(value))) {
        http_reply_error_code(response, 400, "request_invalid", "The %s field is required.",
                              label);
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
    if (in_cookie)
        set_cookie(request, response, tokens->refresh_token,
                   (tokens->refresh_expires_at - clock_now_ms()) / 1000);
    http_reply_data(response, status,
                    json_pack("{s:s, s:o, s:s, s:s, s:o}", "accessToken", tokens->access_token,
                              "refreshToken",
                              in_cookie ? json_null() : json_string(tokens->refresh_token),
                              "accessTokenExpiresAtUtc", access_expires,
                              "refreshTokenExpiresAtUtc", refresh_expires, "user",
                              users_to_json(&tokens->user)));
    http_response_header(response, "Cache-Control", "no-store");
}

void auth_http_login(http_request *request, http_response *response)
{
    const char *username = required_string(request, response, "username", "Username");
    if (!username)
        return;
    const char *password = required_string(request, response, "password", "Password");
    if (!password)
        return;
    char *trimmed = json_input_trimmed(username);
    if (!trimmed) {
        nh_error err;
        error_internal(&err);
        reply_failure(response, &err);
        return;
    }
    audit_actor actor = audit_actor_of(request);
    session_tokens tokens;
    int64_t retry_after = 0;
    nh_error err;
    if (sessions_login(request->app, &actor, trimmed, password, &tokens, &retry_after, &err) !=
        0) {
        reply_failure(response, &err);
        if (err.status == 429) {
            char seconds[32];
            snprintf(seconds, sizeof seconds, "%lld", (long long)retry_after);
            http_response_header(response, "Retry-After", seconds);
        }
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
    if (json_is_string(value) && !json_input_is_blank(json_string_value(value)))
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
    char *trimmed = json_input_trimmed(token);
    audit_actor actor = audit_actor_of(request);
    session_tokens tokens;
    nh_error err;
    if (!trimmed) {
        error_internal(&err);
        reply_failure(response, &err);
        return;
    }
    if (sessions_refresh(request->app, &actor, trimmed, &tokens, &err) != 0) {
        reply_failure(response, &err);
        if (cookie_mode(request) && session_over(&err))
            set_cookie(request, response, "", 0);
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
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (sessions_logout(request->app, &actor, token, &err) != 0) {
        reply_failure(response, &err);
        return;
    }
    http_reply_empty(response, 204);
    if (cookie_mode(request))
        set_cookie(request, response, "", 0);
}

void auth_http_me(http_request *request, http_response *response)
{
    nh_error err;
    db_conn *conn = db_acquire(request->app->database, &err);
    if (!conn) {
        reply_failure(response, &err);
        return;
    }
    user_record user;
    bool found = false;
    int rc = user_store_find_by_id(conn, request->principal.user_id, false, &user, &found, &err);
    db_release(request->app->database, conn);
    if (rc != 0) {
        reply_failure(response, &err);
        return;
    }
    if (!found) {
        http_reply_error_code(response, 401, "auth_user_not_found", "The user no longer exists.");
        return;
    }
    http_reply_data(response, 200, users_to_json(&user));
    user_record_clear(&user);
}

void auth_http_change_password(http_request *request, http_response *response)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (users_change_own_password(request->app, &actor, request->json, &err) != 0) {
        reply_failure(response, &err);
        return;
    }
    http_reply_empty(response, 204);
}

/* ---- personal API keys ----------------------------------------------------------------- */

static int load_self(http_request *request, user_record *self, nh_error *err)
{
    db_conn *conn = db_acquire(request->app->database, err);
    if (!conn)
        return -1;
    bool found = false;
    int rc = user_store_find_by_id(conn, request->principal.user_id, false, self, &found, err);
    db_release(request->app->database, conn);
    if (rc == 0 && !found)
        rc = error_set(err, 401, "auth_unauthorized", "Authentication is required.");
    return rc == 0 ? 0 : -1;
}

void auth_http_create_key(http_request *request, http_response *response)
{
    nh_error err;
    user_record self;
    if (load_self(request, &self, &err) != 0) {
        reply_failure(response, &err);
        return;
    }
    audit_actor actor = audit_actor_of(request);
    json_t *key = NULL;
    if (api_keys_create(request->app, &actor, &self, request->json, &key, &err) != 0) {
        reply_failure(response, &err);
    } else {
        char location[128];
        snprintf(location, sizeof location, "/api/v1/auth/api-keys/%s",
                 json_string_value(json_object_get(key, "id")));
        http_reply_data(response, 201, key);
        http_response_header(response, "Location", location);
        http_response_header(response, "Cache-Control", "no-store");
    }
    user_record_clear(&self);
}

static void reply_key_list(http_request *request, http_response *response, const char *owner_id)
{
    nh_error err;
    json_t *keys = NULL;
    if (api_keys_list(request->app, owner_id, &keys, &err) != 0)
        reply_failure(response, &err);
    else
        http_reply_data(response, 200, keys);
}

void auth_http_list_keys(http_request *request, http_response *response)
{
    reply_key_list(request, response, request->principal.user_id);
}

static void revoke_key_of(http_request *request, http_response *response,
                          const user_record *owner)
{
    audit_actor actor = audit_actor_of(request);
    nh_error err;
    if (api_keys_revoke(request->app, &actor, owner, http_request_param(request, "keyId"),
                        &err) != 0)
        reply_failure(response, &err);
    else
        http_reply_empty(response, 204);
}

void auth_http_revoke_key(http_request *request, http_response *response)
{
    nh_error err;
    user_record self;
    if (load_self(request, &self, &err) != 0) {
        reply_failure(response, &err);
        return;
    }
    revoke_key_of(request, response, &self);
    user_record_clear(&self);
}

void auth_http_list_user_keys(http_request *request, http_response *response)
{
    nh_error err;
    user_record owner;
    if (users_load_managed(request->app, &request->principal, http_request_param(request, "id"),
                           &owner, &err) != 0) {
        reply_failure(response, &err);
        return;
    }
    reply_key_list(request, response, owner.id);
    user_record_clear(&owner);
}

void auth_http_revoke_user_key(http_request *request, http_response *response)
{
    nh_error err;
    user_record owner;
    if (users_load_managed(request->app, &request->principal, http_request_param(request, "id"),
                           &owner, &err) != 0) {
        reply_failure(response, &err);
        return;
    }
    revoke_key_of(request, response, &owner);
    user_record_clear(&owner);
}
