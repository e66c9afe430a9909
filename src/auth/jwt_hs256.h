/* jwt_hs256.h - HS256 JSON Web Tokens for access tokens, made and checked by hand.
 *
 * Only one shape is ever produced or accepted: header {"alg":"HS256","typ":"JWT"}, a payload
 * with iss, aud, sub, name, role, jti, optional sid, iat, nbf and exp, and an HMAC-SHA-256
 * signature, all base64url without padding. Verification pins the algorithm, checks the
 * signature in constant time before looking at the payload, and checks every claim; each
 * failure has its own negative code so that logs can say why (the HTTP layer maps every one of
 * them to 401 auth_unauthorized).
 *
 * sodium_init() must have succeeded before any function here is called. A jwt_key is
 * immutable after creation and may be shared by any number of threads. */
#ifndef NH_AUTH_JWT_H
#define NH_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "auth/permissions.h"

/* Keys shorter than this are refused (RFC 7518 §3.2: at least the hash output size). */
#define JWT_MIN_KEY_BYTES 32
/* Tokens longer than this (in bytes) are refused before any decoding, and never produced. */
#define JWT_MAX_TOKEN_LENGTH 8192

enum {
    JWT_OK = 0,
    JWT_ERR_MALFORMED = -1,         /* not three base64url segments of JSON objects */
    JWT_ERR_BAD_HEADER = -2,        /* alg missing or not "HS256", typ not "JWT", crit present */
    JWT_ERR_BAD_SIGNATURE = -3,     /* signature does not match (wrong key, tampering) */
    JWT_ERR_EXPIRED = -4,           /* now - skew >= exp */
    JWT_ERR_NOT_YET_VALID = -5,     /* now + skew < nbf */
    JWT_ERR_WRONG_ISSUER = -6,      /* iss differs from the expected issuer */
    JWT_ERR_WRONG_AUDIENCE = -7,    /* aud (string or array) lacks the expected audience */
    JWT_ERR_MISSING_CLAIM = -8,     /* a required claim is absent */
    JWT_ERR_INVALID_CLAIM = -9,     /* a claim has the wrong JSON type, is empty, or role is
                                       not SuperAdmin/Admin/User */
    JWT_ERR_TOO_LONG = -10,         /* token (or the token jwt_sign would make) > max length */
    JWT_ERR_KEY_TOO_SHORT = -11,    /* jwt_key_create: fewer than JWT_MIN_KEY_BYTES bytes */
    JWT_ERR_INVALID_ARGUMENT = -12, /* NULL where a value is required, negative skew, a claim
                                       string that is empty or not UTF-8 in jwt_sign */
    JWT_ERR_NO_MEMORY = -13,
};

/* An HMAC key. Opaque; made by jwt_key_create(), released by jwt_key_free(). */
typedef struct jwt_key jwt_key;

/* The claims of an access token. Times are Unix seconds.
 * For jwt_sign() the caller owns every string; jwt_sign only reads them.
 * jwt_verify() fills a jwt_claims whose strings it allocated; release them with
 * jwt_claims_free(). sid is NULL when the token has none; iat is 0 when absent. */
typedef struct jwt_claims {
    char *iss;
    char *aud;      /* on verify: the expected audience that matched */
    char *sub;      /* user id */
    char *name;     /* username */
    user_role role; /* the claim is the stored name: SuperAdmin, Admin, User */
    char *jti;
    char *sid; /* session id (refresh-token family id), optional */
    int64_t iat;
    int64_t nbf;
    int64_t exp;
} jwt_claims;

/* Make a key from secret (any bytes, e.g. the UTF-8 bytes of Auth__Jwt__Secret). The bytes are
 * copied. Returns JWT_OK and *out, or JWT_ERR_KEY_TOO_SHORT, JWT_ERR_INVALID_ARGUMENT or
 * JWT_ERR_NO_MEMORY with *out NULL. */
int jwt_key_create(const void *secret, size_t length, jwt_key **out);

/* Wipe and free a key. NULL is allowed. */
void jwt_key_free(jwt_key *key);

/* Sign claims into a new token. iss, aud, sub, name and jti are required non-empty UTF-8
 * strings, role must be a valid user_role, sid is optional (NULL, or non-empty). Returns JWT_OK
 * and *out_token (caller free()s it), or a JWT_ERR_* code with *out_token NULL. */
int jwt_sign(const jwt_key *key, const jwt_claims *claims, char **out_token);

/* Verify token and, on JWT_OK, fill *out (call jwt_claims_free(out) afterwards). On any
 * failure *out is left zeroed (holding nothing to free) and a negative JWT_ERR_* is returned.
 * expected_issuer and expected_audience are required (compared exactly). clock_skew_seconds
 * (0..86400; the original uses 30) widens both ends of the validity window [nbf, exp);
 * |now_seconds| must be below 2^62. Other values are JWT_ERR_INVALID_ARGUMENT. exp and nbf
 * are required JSON integers; iat is optional. Checks run in this order: length, shape,
 * header, signature, then (payload parsed only now) exp, nbf, iss, aud, sub/name/role/jti/sid.
 * The caller still has to load the user (sub) and check it exists, is active and that the
 * session (sid) is not revoked. */
int jwt_verify(const jwt_key *key, const char *token, const char *expected_issuer,
               const char *expected_audience, int64_t now_seconds, int64_t clock_skew_seconds,
               jwt_claims *out);

/* Free the strings of claims filled by jwt_verify() and zero it. NULL is allowed. */
void jwt_claims_free(jwt_claims *claims);

/* A short English description of a JWT_* code, for logs. Never NULL. */
const char *jwt_strerror(int code);

#endif
