/* jwt_hs256.c - HS256 JSON Web Tokens signed and verified by hand with libsodium and jansson.
 *
 * No JWT library: the ones available accept other algorithms than the one expected or skip
 * claim checks. Here the header must say HS256, the signature is checked in constant time
 * before the payload is even parsed, and every claim is checked explicitly. */
#include "auth/jwt_hs256.h"

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define BASE64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define SIGNATURE_BYTES crypto_auth_hmacsha256_BYTES
/* base64url without padding of 32 bytes is always 43 characters. */
#define SIGNATURE_TEXT_LENGTH 43
/* Bounds that keep now +/- skew far from int64 overflow. */
#define MAX_CLOCK_SKEW_SECONDS 86400
#define MAX_ABS_NOW_SECONDS ((int64_t)1 << 62)

static const char header_json[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

struct jwt_key {
    unsigned char *bytes;
    size_t length;
};

typedef struct segment {
    const char *text;
    size_t length;
} segment;

int jwt_key_create(const void *secret, size_t length, jwt_key **out)
{
    if (!out)
        return JWT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!secret)
        return JWT_ERR_INVALID_ARGUMENT;
    if (length < JWT_MIN_KEY_BYTES)
        return JWT_ERR_KEY_TOO_SHORT;
    jwt_key *key = calloc(1, sizeof *key);
    if (!key)
        return JWT_ERR_NO_MEMORY;
    key->bytes = malloc(length);
    if (!key->bytes) {
        free(key);
        return JWT_ERR_NO_MEMORY;
    }
    memcpy(key->bytes, secret, length);
    key->length = length;
    *out = key;
    return JWT_OK;
}

void jwt_key_free(jwt_key *key)
{
    if (!key)
        return;
    sodium_memzero(key->bytes, key->length);
    free(key->bytes);
    free(key);
}

/* HMAC-SHA-256 with a key of any length (the _init API; crypto_auth_hmacsha256() itself takes
 * exactly 32 bytes). These libsodium calls cannot fail. */
static void hmac_sha256(const jwt_key *key, const char *input, size_t length,
                        unsigned char mac[SIGNATURE_BYTES])
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key->bytes, key->length);
    crypto_auth_hmacsha256_update(&state, (const unsigned char *)input, length);
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_memzero(&state, sizeof state);
}

/* ---- signing ---- */

static bool is_present(const char *text)
{
    return text && text[0] != '\0';
}

static bool claims_are_signable(const jwt_claims *claims)
{
    return is_present(claims->iss) && is_present(claims->aud) && is_present(claims->sub) &&
           is_present(claims->name) && is_present(claims->jti) &&
           role_to_stored(claims->role) != NULL && (!claims->sid || claims->sid[0] != '\0');
}

/* Add a string member. json_string() refuses text that is not UTF-8 (and fails when memory
 * runs out, which we cannot tell apart, so both count as an invalid argument). */
static int add_string(json_t *object, const char *name, const char *value)
{
    json_t *string = json_string(value);
    if (!string)
        return JWT_ERR_INVALID_ARGUMENT;
    if (json_object_set_new(object, name, string) != 0)
        return JWT_ERR_NO_MEMORY;
    return JWT_OK;
}

static int add_integer(json_t *object, const char *name, int64_t value)
{
    json_t *integer = json_integer((json_int_t)value);
    if (!integer || json_object_set_new(object, name, integer) != 0)
        return JWT_ERR_NO_MEMORY;
    return JWT_OK;
}

static int add_claims(json_t *payload, const jwt_claims *claims)
{
    const struct {
        const char *name;
        const char *value;
    } strings[] = {
        {"iss", claims->iss},
        {"aud", claims->aud},
        {"sub", claims->sub},
        {"name", claims->name},
        {"role", role_to_stored(claims->role)},
        {"jti", claims->jti},
        {"sid", claims->sid},
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (!strings[i].value)
            continue; /* only sid is optional; the others were checked */
        int rc = add_string(payload, strings[i].name, strings[i].value);
        if (rc != JWT_OK)
            return rc;
    }
    int rc = add_integer(payload, "iat", claims->iat);
    if (rc == JWT_OK)
        rc = add_integer(payload, "nbf", claims->nbf);
    if (rc == JWT_OK)
        rc = add_integer(payload, "exp", claims->exp);
    return rc;
}

/* The compact JSON text of the payload, in *out (caller frees). */
static int payload_text(const jwt_claims *claims, char **out)
{
    json_t *payload = json_object();
    if (!payload)
        return JWT_ERR_NO_MEMORY;
    int rc = add_claims(payload, claims);
    if (rc == JWT_OK) {
        *out = json_dumps(payload, JSON_COMPACT);
        if (!*out)
            rc = JWT_ERR_NO_MEMORY;
    }
    json_decref(payload);
    return rc;
}

/* Write base64url(bin) at cursor (capacity bytes, enough by construction); return its end. */
static char *append_base64url(char *cursor, size_t capacity, const void *bin, size_t length)
{
    sodium_bin2base64(cursor, capacity, bin, length, BASE64URL);
    return cursor + strlen(cursor);
}

/* header.payload.signature from the payload JSON text. */
static int assemble_token(const jwt_key *key, const char *payload, char **out_token)
{
    size_t payload_length = strlen(payload);
    if (payload_length > JWT_MAX_TOKEN_LENGTH)
        return JWT_ERR_TOO_LONG;
    size_t header_size = sodium_base64_encoded_len(sizeof header_json - 1, BASE64URL);
    size_t payload_size = sodium_base64_encoded_len(payload_length, BASE64URL);
    size_t signature_size = sodium_base64_encoded_len(SIGNATURE_BYTES, BASE64URL);
    /* Each size counts a NUL: two of them pay for the dots, the last for the final NUL. */
    char *token = malloc(header_size + payload_size + signature_size);
    if (!token)
        return JWT_ERR_NO_MEMORY;

    char *cursor = append_base64url(token, header_size, header_json, sizeof header_json - 1);
    *cursor++ = '.';
    cursor = append_base64url(cursor, payload_size, payload, payload_length);
    unsigned char mac[SIGNATURE_BYTES];
    hmac_sha256(key, token, (size_t)(cursor - token), mac);
    *cursor++ = '.';
    append_base64url(cursor, signature_size, mac, sizeof mac);

    if (strlen(token) > JWT_MAX_TOKEN_LENGTH) {
        free(token);
        return JWT_ERR_TOO_LONG;
    }
    *out_token = token;
    return JWT_OK;
}

int jwt_sign(const jwt_key *key, const jwt_claims *claims, char **out_token)
{
    if (!out_token)
        return JWT_ERR_INVALID_ARGUMENT;
    *out_token = NULL;
    if (!key || !claims || !claims_are_signable(claims))
        return JWT_ERR_INVALID_ARGUMENT;
    char *payload = NULL;
    int rc = payload_text(claims, &payload);
    if (rc != JWT_OK)
        return rc;
    rc = assemble_token(key, payload, out_token);
    free(payload);
    return rc;
}

/* ---- verification ---- */

/* Split token into exactly three dot-separated segments. */
static int split_token(const char *token, size_t length, segment parts[3])
{
    const char *end = token + length;
    const char *first = memchr(token, '.', length);
    if (!first)
        return -1;
    const char *second = memchr(first + 1, '.', (size_t)(end - (first + 1)));
    if (!second)
        return -1;
    if (memchr(second + 1, '.', (size_t)(end - (second + 1))))
        return -1;
    parts[0] = (segment){token, (size_t)(first - token)};
    parts[1] = (segment){first + 1, (size_t)(second - (first + 1))};
    parts[2] = (segment){second + 1, (size_t)(end - (second + 1))};
    return 0;
}

/* Decode a whole base64url segment into bin (capacity bytes). Fails unless every character
 * was consumed: sodium_base642bin stops quietly at the first character outside the alphabet.
 * libsodium also refuses non-zero trailing bits, so each byte string has one encoding. */
static int base64url_decode(segment s, unsigned char *bin, size_t capacity, size_t *length)
{
    const char *end = NULL;
    if (sodium_base642bin(bin, capacity, s.text, s.length, NULL, length, &end, BASE64URL) != 0)
        return -1;
    if (end != s.text + s.length)
        return -1;
    return 0;
}

/* Decode a segment holding a JSON object into *out (caller json_decref()s it). Duplicate
 * member names are refused so that no two readers can disagree about a value; without
 * JSON_ALLOW_NUL jansson refuses \u0000, so strcmp on its strings is exact. */
static int decode_json_segment(segment s, json_t **out)
{
    *out = NULL;
    if (s.length == 0)
        return JWT_ERR_MALFORMED;
    unsigned char *bytes = malloc(s.length); /* decoded text is always shorter */
    if (!bytes)
        return JWT_ERR_NO_MEMORY;
    size_t length = 0;
    if (base64url_decode(s, bytes, s.length, &length) != 0) {
        free(bytes);
        return JWT_ERR_MALFORMED;
    }
    json_error_t error;
    json_t *value = json_loadb((const char *)bytes, length, JSON_REJECT_DUPLICATES, &error);
    free(bytes);
    if (!json_is_object(value)) {
        json_decref(value);
        return JWT_ERR_MALFORMED;
    }
    *out = value;
    return JWT_OK;
}

static bool is_string_equal(const json_t *value, const char *expected)
{
    return json_is_string(value) && strcmp(json_string_value(value), expected) == 0;
}

/* The algorithm is pinned: alg must be exactly "HS256"; typ, when present, "JWT"; a crit
 * member (extensions we would have to understand) is refused. Other members are ignored. */
static int check_header(segment s)
{
    json_t *header = NULL;
    int rc = decode_json_segment(s, &header);
    if (rc != JWT_OK)
        return rc;
    const json_t *typ = json_object_get(header, "typ");
    bool ok = is_string_equal(json_object_get(header, "alg"), "HS256") &&
              (!typ || is_string_equal(typ, "JWT")) && !json_object_get(header, "crit");
    json_decref(header);
    return ok ? JWT_OK : JWT_ERR_BAD_HEADER;
}

/* The signature covers header.payload, the token's bytes before the second dot. */
static int check_signature(const jwt_key *key, const char *token, segment signature)
{
    if (signature.length != SIGNATURE_TEXT_LENGTH)
        return JWT_ERR_BAD_SIGNATURE;
    unsigned char presented[SIGNATURE_BYTES];
    size_t length = 0;
    if (base64url_decode(signature, presented, sizeof presented, &length) != 0)
        return JWT_ERR_MALFORMED;
    if (length != SIGNATURE_BYTES)
        return JWT_ERR_BAD_SIGNATURE;
    unsigned char expected[SIGNATURE_BYTES];
    hmac_sha256(key, token, (size_t)(signature.text - 1 - token), expected);
    bool equal = sodium_memcmp(expected, presented, SIGNATURE_BYTES) == 0;
    sodium_memzero(expected, sizeof expected);
    return equal ? JWT_OK : JWT_ERR_BAD_SIGNATURE;
}

/* A required non-empty string claim; *out borrows from payload. */
static int required_string(const json_t *payload, const char *name, const char **out)
{
    const json_t *value = json_object_get(payload, name);
    if (!value)
        return JWT_ERR_MISSING_CLAIM;
    if (!json_is_string(value) || json_string_length(value) == 0)
        return JWT_ERR_INVALID_CLAIM;
    *out = json_string_value(value);
    return JWT_OK;
}

/* A NumericDate claim; only JSON integers are accepted. */
static int time_claim(const json_t *payload, const char *name, bool required, int64_t *out)
{
    const json_t *value = json_object_get(payload, name);
    *out = 0;
    if (!value)
        return required ? JWT_ERR_MISSING_CLAIM : JWT_OK;
    if (!json_is_integer(value))
        return JWT_ERR_INVALID_CLAIM;
    *out = (int64_t)json_integer_value(value);
    return JWT_OK;
}

static int check_lifetime(const json_t *payload, int64_t now, int64_t skew, jwt_claims *out)
{
    int rc = time_claim(payload, "exp", true, &out->exp);
    if (rc == JWT_OK)
        rc = time_claim(payload, "nbf", true, &out->nbf);
    if (rc == JWT_OK)
        rc = time_claim(payload, "iat", false, &out->iat);
    if (rc != JWT_OK)
        return rc;
    if (now - skew >= out->exp)
        return JWT_ERR_EXPIRED;
    if (now + skew < out->nbf)
        return JWT_ERR_NOT_YET_VALID;
    return JWT_OK;
}

/* aud is a string or an array of strings; either way it must contain expected. */
static int check_audience(const json_t *payload, const char *expected)
{
    const json_t *aud = json_object_get(payload, "aud");
    if (!aud)
        return JWT_ERR_MISSING_CLAIM;
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), expected) == 0 ? JWT_OK : JWT_ERR_WRONG_AUDIENCE;
    if (!json_is_array(aud))
        return JWT_ERR_INVALID_CLAIM;
    bool found = false;
    for (size_t i = 0; i < json_array_size(aud); i++) {
        const json_t *entry = json_array_get(aud, i);
        if (!json_is_string(entry))
            return JWT_ERR_INVALID_CLAIM;
        if (strcmp(json_string_value(entry), expected) == 0)
            found = true;
    }
    return found ? JWT_OK : JWT_ERR_WRONG_AUDIENCE;
}

static int copy_string(const char *text, char **out)
{
    *out = strdup(text);
    return *out ? JWT_OK : JWT_ERR_NO_MEMORY;
}

/* The identity claims sub, name, role, jti and the optional sid, copied into out. */
static int read_identity(const json_t *payload, jwt_claims *out)
{
    const char *sub, *name, *role, *jti;
    int rc = required_string(payload, "sub", &sub);
    if (rc == JWT_OK)
        rc = required_string(payload, "name", &name);
    if (rc == JWT_OK)
        rc = required_string(payload, "role", &role);
    if (rc == JWT_OK)
        rc = required_string(payload, "jti", &jti);
    if (rc != JWT_OK)
        return rc;
    if (role_from_stored(role, &out->role) != 0)
        return JWT_ERR_INVALID_CLAIM;
    const json_t *sid = json_object_get(payload, "sid");
    if (sid && (!json_is_string(sid) || json_string_length(sid) == 0))
        return JWT_ERR_INVALID_CLAIM;

    rc = copy_string(sub, &out->sub);
    if (rc == JWT_OK)
        rc = copy_string(name, &out->name);
    if (rc == JWT_OK)
        rc = copy_string(jti, &out->jti);
    if (rc == JWT_OK && sid)
        rc = copy_string(json_string_value(sid), &out->sid);
    return rc;
}

static int check_claims(const json_t *payload, const char *issuer, const char *audience,
                        int64_t now, int64_t skew, jwt_claims *out)
{
    int rc = check_lifetime(payload, now, skew, out);
    if (rc != JWT_OK)
        return rc;
    const char *iss;
    rc = required_string(payload, "iss", &iss);
    if (rc != JWT_OK)
        return rc;
    if (strcmp(iss, issuer) != 0)
        return JWT_ERR_WRONG_ISSUER;
    rc = check_audience(payload, audience);
    if (rc != JWT_OK)
        return rc;
    rc = read_identity(payload, out);
    if (rc == JWT_OK)
        rc = copy_string(iss, &out->iss);
    if (rc == JWT_OK)
        rc = copy_string(audience, &out->aud);
    return rc;
}

static bool arguments_are_valid(const jwt_key *key, const char *token, const char *issuer,
                                const char *audience, int64_t now, int64_t skew)
{
    return key && token && issuer && audience && skew >= 0 && skew <= MAX_CLOCK_SKEW_SECONDS &&
           now >= -MAX_ABS_NOW_SECONDS && now <= MAX_ABS_NOW_SECONDS;
}

int jwt_verify(const jwt_key *key, const char *token, const char *expected_issuer,
               const char *expected_audience, int64_t now_seconds, int64_t clock_skew_seconds,
               jwt_claims *out)
{
    if (!out)
        return JWT_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (!arguments_are_valid(key, token, expected_issuer, expected_audience, now_seconds,
                             clock_skew_seconds))
        return JWT_ERR_INVALID_ARGUMENT;
    size_t length = strnlen(token, JWT_MAX_TOKEN_LENGTH + 1);
    if (length > JWT_MAX_TOKEN_LENGTH)
        return JWT_ERR_TOO_LONG;

    segment parts[3];
    if (split_token(token, length, parts) != 0)
        return JWT_ERR_MALFORMED;
    int rc = check_header(parts[0]);
    if (rc != JWT_OK)
        return rc;
    rc = check_signature(key, token, parts[2]);
    if (rc != JWT_OK)
        return rc;

    /* Only now, with the signature known good, is the payload parsed. */
    json_t *payload = NULL;
    rc = decode_json_segment(parts[1], &payload);
    if (rc != JWT_OK)
        return rc;
    rc = check_claims(payload, expected_issuer, expected_audience, now_seconds, clock_skew_seconds,
                      out);
    json_decref(payload);
    if (rc != JWT_OK)
        jwt_claims_free(out);
    return rc;
}

void jwt_claims_free(jwt_claims *claims)
{
    if (!claims)
        return;
    free(claims->iss);
    free(claims->aud);
    free(claims->sub);
    free(claims->name);
    free(claims->jti);
    free(claims->sid);
    memset(claims, 0, sizeof *claims);
}

const char *jwt_strerror(int code)
{
    switch (code) {
    case JWT_OK:
        return "ok";
    case JWT_ERR_MALFORMED:
        return "malformed token";
    case JWT_ERR_BAD_HEADER:
        return "header refused (alg must be HS256)";
    case JWT_ERR_BAD_SIGNATURE:
        return "bad signature";
    case JWT_ERR_EXPIRED:
        return "token expired";
    case JWT_ERR_NOT_YET_VALID:
        return "token not yet valid";
    case JWT_ERR_WRONG_ISSUER:
        return "wrong issuer";
    case JWT_ERR_WRONG_AUDIENCE:
        return "wrong audience";
    case JWT_ERR_MISSING_CLAIM:
        return "required claim missing";
    case JWT_ERR_INVALID_CLAIM:
        return "claim has an invalid value";
    case JWT_ERR_TOO_LONG:
        return "token too long";
    case JWT_ERR_KEY_TOO_SHORT:
        return "key shorter than 32 bytes";
    case JWT_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case JWT_ERR_NO_MEMORY:
        return "out of memory";
    }
    return "unknown JWT error";
}
