/* test_jwt.c - HS256 tokens: the round trip, a vector made independently, and every forgery. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt_hs256.h"

#define NOW 1700000000
#define ISSUER "NekoHub"
#define AUDIENCE "NekoHub.Admin"
#define SKEW 30

static const char test_secret[] = "0123456789abcdef0123456789abcdef-test-key";

/* A payload our own jwt_sign would accept back, for hand-made tokens. */
static const char good_payload[] =
    "{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"user-1\",\"name\":\"alice\","
    "\"role\":\"Admin\",\"jti\":\"jti-1\",\"iat\":1700000000,\"nbf\":1700000000,"
    "\"exp\":1700000900}";
static const char good_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

typedef enum { SIGN_NONE, SIGN_HS256, SIGN_HS512 } forge_alg;

static int setup(void **state)
{
    if (sodium_init() < 0)
        return -1;
    jwt_key *key = NULL;
    if (jwt_key_create(test_secret, strlen(test_secret), &key) != JWT_OK)
        return -1;
    *state = key;
    return 0;
}

static int teardown(void **state)
{
    jwt_key_free(*state);
    return 0;
}

static char *base64url(const void *bin, size_t length)
{
    size_t size = sodium_base64_encoded_len(length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *text = malloc(size);
    assert_non_null(text);
    sodium_bin2base64(text, size, bin, length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return text;
}

/* Build a token by hand: base64url(header).base64url(payload).signature, where the signature
 * is made with alg over the first two segments using key (or empty for SIGN_NONE). */
static char *forge(const char *header, const char *payload, const char *key, forge_alg alg)
{
    char *h = base64url(header, strlen(header));
    char *p = base64url(payload, strlen(payload));
    size_t input_length = strlen(h) + 1 + strlen(p);
    char *token = malloc(input_length + 200);
    assert_non_null(token);
    snprintf(token, input_length + 1, "%s.%s", h, p);
    free(h);
    free(p);

    unsigned char mac[crypto_auth_hmacsha512_BYTES];
    size_t mac_length = 0;
    if (alg == SIGN_HS256) {
        crypto_auth_hmacsha256_state s;
        crypto_auth_hmacsha256_init(&s, (const unsigned char *)key, strlen(key));
        crypto_auth_hmacsha256_update(&s, (const unsigned char *)token, input_length);
        crypto_auth_hmacsha256_final(&s, mac);
        mac_length = crypto_auth_hmacsha256_BYTES;
    } else if (alg == SIGN_HS512) {
        crypto_auth_hmacsha512_state s;
        crypto_auth_hmacsha512_init(&s, (const unsigned char *)key, strlen(key));
        crypto_auth_hmacsha512_update(&s, (const unsigned char *)token, input_length);
        crypto_auth_hmacsha512_final(&s, mac);
        mac_length = crypto_auth_hmacsha512_BYTES;
    }
    token[input_length] = '.';
    token[input_length + 1] = '\0';
    if (mac_length > 0) {
        char *signature = base64url(mac, mac_length);
        strcat(token, signature);
        free(signature);
    }
    return token;
}

/* Replace the signature of token ("header.payload.whatever") by a fresh HS256 one made with
 * key over its first two segments, whatever they contain. */
static char *resign(const char *token, const char *key)
{
    size_t input_length = (size_t)(strrchr(token, '.') - token);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)token, input_length);
    crypto_auth_hmacsha256_final(&s, mac);
    char *signature = base64url(mac, sizeof mac);
    char *out = malloc(input_length + 1 + strlen(signature) + 1);
    assert_non_null(out);
    memcpy(out, token, input_length + 1);
    strcpy(out + input_length + 1, signature);
    free(signature);
    return out;
}

static int verify_at(const jwt_key *key, const char *token, int64_t now)
{
    jwt_claims claims;
    int rc = jwt_verify(key, token, ISSUER, AUDIENCE, now, SKEW, &claims);
    if (rc != JWT_OK) {
        /* On failure nothing is left to free. */
        assert_null(claims.sub);
        assert_null(claims.iss);
        assert_null(claims.sid);
    }
    jwt_claims_free(&claims);
    return rc;
}

static int verify_forged(const jwt_key *key, const char *header, const char *payload,
                         const char *signing_key, forge_alg alg)
{
    char *token = forge(header, payload, signing_key, alg);
    int rc = verify_at(key, token, NOW + 60);
    free(token);
    return rc;
}

static jwt_claims sample_claims(void)
{
    jwt_claims claims = {
        .iss = "NekoHub",
        .aud = "NekoHub.Admin",
        .sub = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        .name = "alice",
        .role = ROLE_ADMIN,
        .jti = "0190a1b2-c3d4-7e5f-8a9b-000000000001",
        .sid = "0190a1b2-c3d4-7e5f-8a9b-0000000000aa",
        .iat = NOW,
        .nbf = NOW,
        .exp = NOW + 900,
    };
    return claims;
}

static void test_round_trip(void **state)
{
    jwt_claims in = sample_claims();
    char *token = NULL;
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_OK);
    assert_non_null(token);

    jwt_claims out;
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, NOW + 10, SKEW, &out), JWT_OK);
    assert_string_equal(out.iss, in.iss);
    assert_string_equal(out.aud, in.aud);
    assert_string_equal(out.sub, in.sub);
    assert_string_equal(out.name, in.name);
    assert_int_equal(out.role, ROLE_ADMIN);
    assert_string_equal(out.jti, in.jti);
    assert_string_equal(out.sid, in.sid);
    assert_int_equal(out.iat, NOW);
    assert_int_equal(out.nbf, NOW);
    assert_int_equal(out.exp, NOW + 900);
    jwt_claims_free(&out);
    assert_null(out.sub);
    free(token);
}

static void test_round_trip_without_sid_and_unicode_name(void **state)
{
    jwt_claims in = sample_claims();
    in.sid = NULL;
    in.name = "m\xc3\xa4"
              "dchen";
    in.role = ROLE_SUPER_ADMIN;
    char *token = NULL;
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_OK);
    jwt_claims out;
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, NOW, 0, &out), JWT_OK);
    assert_null(out.sid);
    assert_string_equal(out.name, in.name);
    assert_int_equal(out.role, ROLE_SUPER_ADMIN);
    jwt_claims_free(&out);
    free(token);
}

/* The header segment is exactly {"alg":"HS256","typ":"JWT"} and the payload is plain JSON. */
static void test_signed_shape(void **state)
{
    jwt_claims in = sample_claims();
    char *token = NULL;
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_OK);
    assert_memory_equal(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37);
    assert_null(strchr(token, '='));

    const char *payload = token + 37;
    const char *dot = strchr(payload, '.');
    assert_non_null(dot);
    assert_int_equal(strlen(dot + 1), 43);
    unsigned char json[1024];
    size_t length = 0;
    assert_int_equal(sodium_base642bin(json, sizeof json - 1, payload, (size_t)(dot - payload),
                                       NULL, &length, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    json[length] = '\0';
    assert_string_equal(
        (char *)json,
        "{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\","
        "\"sub\":\"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"name\":\"alice\",\"role\":\"Admin\","
        "\"jti\":\"0190a1b2-c3d4-7e5f-8a9b-000000000001\","
        "\"sid\":\"0190a1b2-c3d4-7e5f-8a9b-0000000000aa\",\"iat\":1700000000,"
        "\"nbf\":1700000000,\"exp\":1700000900}");
    free(token);
}

/* Made with Python's hmac/hashlib/base64, not with this code (audience given as an array). */
static void test_independent_vector(void **state)
{
    (void)state;
    static const char secret[] = "an-independent-test-key-of-40-bytes-long";
    static const char token[] =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJpc3MiOiJOZWtvSHViIiwiYXVkIjpbIm90aGVyIiwiTmVrb0h1Yi5BZG1pbiJdLCJzdWIiOiIwMTkwYTFiMi1j"
        "M2Q0LTdlNWYtOGE5Yi0wYzFkMmUzZjRhNWIiLCJuYW1lIjoibcOkZGNoZW4iLCJyb2xlIjoiVXNlciIsImp0aSI6"
        "ImotNDIiLCJzaWQiOiJmYW0tNyIsImlhdCI6MTcwMDAwMDAwMCwibmJmIjoxNzAwMDAwMDAwLCJleHAiOjE3MDAw"
        "MDA5MDB9.qUEKTqeeMD9EBVFgr-AURy99C5tn9kPV9OTEr2StilI";
    jwt_key *key = NULL;
    assert_int_equal(jwt_key_create(secret, strlen(secret), &key), JWT_OK);
    jwt_claims out;
    assert_int_equal(jwt_verify(key, token, ISSUER, AUDIENCE, NOW + 100, SKEW, &out), JWT_OK);
    assert_string_equal(out.aud, AUDIENCE);
    assert_string_equal(out.sub, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    assert_string_equal(out.name, "m\xc3\xa4"
                                  "dchen");
    assert_int_equal(out.role, ROLE_USER);
    assert_string_equal(out.jti, "j-42");
    assert_string_equal(out.sid, "fam-7");
    jwt_claims_free(&out);
    jwt_key_free(key);
}

static void test_hand_made_good_token_verifies(void **state)
{
    /* Guards the forgery tests below: the only change in each is the one under test. */
    assert_int_equal(verify_forged(*state, good_header, good_payload, test_secret, SIGN_HS256),
                     JWT_OK);
}

static void test_alg_none_refused(void **state)
{
    assert_int_equal(verify_forged(*state, "{\"alg\":\"none\",\"typ\":\"JWT\"}", good_payload,
                                   test_secret, SIGN_NONE),
                     JWT_ERR_BAD_HEADER);
    /* Even with a valid HS256 signature attached. */
    assert_int_equal(
        verify_forged(*state, "{\"alg\":\"none\"}", good_payload, test_secret, SIGN_HS256),
        JWT_ERR_BAD_HEADER);
    /* And a plain unsigned token with the right header has no signature. */
    assert_int_equal(verify_forged(*state, good_header, good_payload, test_secret, SIGN_NONE),
                     JWT_ERR_BAD_SIGNATURE);
}

static void test_alg_hs512_with_same_key_refused(void **state)
{
    assert_int_equal(verify_forged(*state, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", good_payload,
                                   test_secret, SIGN_HS512),
                     JWT_ERR_BAD_HEADER);
    /* An HS512 signature under an HS256 header is the wrong size. */
    assert_int_equal(verify_forged(*state, good_header, good_payload, test_secret, SIGN_HS512),
                     JWT_ERR_BAD_SIGNATURE);
}

static void test_other_headers_refused(void **state)
{
    const char *headers[] = {
        "{\"typ\":\"JWT\"}",                   /* missing alg */
        "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", /* case matters */
        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"HS384\"}",
        "{\"alg\":256}",
        "{\"alg\":null}",
        "{\"alg\":[\"HS256\"]}",
        "{\"alg\":\"HS256\",\"typ\":\"JWS\"}", /* typ other than JWT */
        "{\"alg\":\"HS256\",\"typ\":7}",
        "{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", /* crit */
        "{\"alg\":\"HS256\",\"crit\":[]}",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        assert_int_equal(verify_forged(*state, headers[i], good_payload, test_secret, SIGN_HS256),
                         JWT_ERR_BAD_HEADER);
    /* Without typ, or with an unrelated member such as kid, HS256 is fine. */
    assert_int_equal(
        verify_forged(*state, "{\"alg\":\"HS256\"}", good_payload, test_secret, SIGN_HS256),
        JWT_OK);
    assert_int_equal(verify_forged(*state, "{\"alg\":\"HS256\",\"kid\":\"1\"}", good_payload,
                                   test_secret, SIGN_HS256),
                     JWT_OK);
}

static void test_duplicate_members_refused(void **state)
{
    assert_int_equal(verify_forged(*state, "{\"alg\":\"none\",\"alg\":\"HS256\"}", good_payload,
                                   test_secret, SIGN_HS256),
                     JWT_ERR_MALFORMED);
    assert_int_equal(verify_forged(*state, good_header,
                                   "{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\","
                                   "\"name\":\"a\",\"role\":\"User\",\"role\":\"SuperAdmin\","
                                   "\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900}",
                                   test_secret, SIGN_HS256),
                     JWT_ERR_MALFORMED);
}

static void test_tampered_payload_with_old_signature(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    char *elevated = forge(good_header,
                           "{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"user-1\","
                           "\"name\":\"alice\",\"role\":\"SuperAdmin\",\"jti\":\"jti-1\","
                           "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}",
                           test_secret, SIGN_NONE);
    /* elevated is "header.payload." : append the genuine token's signature. */
    const char *old_signature = strrchr(token, '.') + 1;
    char *spliced = malloc(strlen(elevated) + strlen(old_signature) + 1);
    assert_non_null(spliced);
    strcpy(spliced, elevated);
    strcat(spliced, old_signature);
    assert_int_equal(verify_at(*state, spliced, NOW + 60), JWT_ERR_BAD_SIGNATURE);

    /* One flipped character in the middle of the payload. */
    char *flipped = strdup(token);
    assert_non_null(flipped);
    char *payload = strchr(flipped, '.') + 1;
    payload[10] = payload[10] == 'A' ? 'B' : 'A';
    assert_int_equal(verify_at(*state, flipped, NOW + 60), JWT_ERR_BAD_SIGNATURE);

    free(flipped);
    free(spliced);
    free(elevated);
    free(token);
}

static void test_wrong_key(void **state)
{
    assert_int_equal(verify_forged(*state, good_header, good_payload,
                                   "another-secret-that-is-long-enough-0000", SIGN_HS256),
                     JWT_ERR_BAD_SIGNATURE);
    /* Our own signer with another key. */
    jwt_key *other = NULL;
    assert_int_equal(jwt_key_create("ffffffffffffffffffffffffffffffff", 32, &other), JWT_OK);
    jwt_claims in = sample_claims();
    char *token = NULL;
    assert_int_equal(jwt_sign(other, &in, &token), JWT_OK);
    assert_int_equal(verify_at(*state, token, NOW), JWT_ERR_BAD_SIGNATURE);
    free(token);
    jwt_key_free(other);
}

static void test_expiry_and_skew(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    const int64_t exp = NOW + 900;
    jwt_claims out;
    /* Without skew the token is valid strictly before exp. */
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, exp - 1, 0, &out), JWT_OK);
    jwt_claims_free(&out);
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, exp, 0, &out), JWT_ERR_EXPIRED);
    /* The skew extends it. */
    assert_int_equal(verify_at(*state, token, exp + SKEW - 1), JWT_OK);
    assert_int_equal(verify_at(*state, token, exp + SKEW), JWT_ERR_EXPIRED);
    assert_int_equal(verify_at(*state, token, exp + 100000), JWT_ERR_EXPIRED);
    free(token);
}

static void test_not_yet_valid_and_skew(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    const int64_t nbf = NOW;
    jwt_claims out;
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, nbf, 0, &out), JWT_OK);
    jwt_claims_free(&out);
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, nbf - 1, 0, &out),
                     JWT_ERR_NOT_YET_VALID);
    assert_int_equal(verify_at(*state, token, nbf - SKEW), JWT_OK);
    assert_int_equal(verify_at(*state, token, nbf - SKEW - 1), JWT_ERR_NOT_YET_VALID);
    free(token);
}

static void test_wrong_issuer_and_audience(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    jwt_claims out;
    assert_int_equal(jwt_verify(*state, token, "NekoHub2", AUDIENCE, NOW, SKEW, &out),
                     JWT_ERR_WRONG_ISSUER);
    assert_int_equal(jwt_verify(*state, token, "nekohub", AUDIENCE, NOW, SKEW, &out),
                     JWT_ERR_WRONG_ISSUER);
    assert_int_equal(jwt_verify(*state, token, ISSUER, "NekoHub.Web", NOW, SKEW, &out),
                     JWT_ERR_WRONG_AUDIENCE);
    assert_int_equal(jwt_verify(*state, token, ISSUER, "NekoHub.Admin ", NOW, SKEW, &out),
                     JWT_ERR_WRONG_AUDIENCE);
    free(token);
}

static char *payload_with(const char *iss_and_aud)
{
    char *payload = malloc(512);
    assert_non_null(payload);
    snprintf(payload, 512,
             "{%s\"sub\":\"user-1\",\"name\":\"alice\",\"role\":\"Admin\",\"jti\":\"jti-1\","
             "\"nbf\":1700000000,\"exp\":1700000900}",
             iss_and_aud);
    return payload;
}

static void test_audience_forms(void **state)
{
    const struct {
        const char *members;
        int expected;
    } cases[] = {
        {"\"iss\":\"NekoHub\",\"aud\":[\"x\",\"NekoHub.Admin\"],", JWT_OK},
        {"\"iss\":\"NekoHub\",\"aud\":[\"NekoHub.Admin\"],", JWT_OK},
        {"\"iss\":\"NekoHub\",\"aud\":[\"x\",\"y\"],", JWT_ERR_WRONG_AUDIENCE},
        {"\"iss\":\"NekoHub\",\"aud\":[],", JWT_ERR_WRONG_AUDIENCE},
        {"\"iss\":\"NekoHub\",\"aud\":[\"NekoHub.Admin\",5],", JWT_ERR_INVALID_CLAIM},
        {"\"iss\":\"NekoHub\",\"aud\":5,", JWT_ERR_INVALID_CLAIM},
        {"\"iss\":\"NekoHub\",", JWT_ERR_MISSING_CLAIM},
        {"\"aud\":\"NekoHub.Admin\",", JWT_ERR_MISSING_CLAIM},
        {"\"iss\":[\"NekoHub\"],\"aud\":\"NekoHub.Admin\",", JWT_ERR_INVALID_CLAIM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *payload = payload_with(cases[i].members);
        assert_int_equal(verify_forged(*state, good_header, payload, test_secret, SIGN_HS256),
                         cases[i].expected);
        free(payload);
    }
}

static void test_required_and_typed_claims(void **state)
{
    const struct {
        const char *payload;
        int expected;
    } cases[] = {
        /* exp and nbf are required integers */
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000}",
         JWT_ERR_MISSING_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"exp\":1700000900}",
         JWT_ERR_MISSING_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":\"1700000900\"}",
         JWT_ERR_INVALID_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900.5}",
         JWT_ERR_INVALID_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900,\"iat\":\"x\"}",
         JWT_ERR_INVALID_CLAIM},
        /* identity claims */
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_MISSING_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_INVALID_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\","
         "\"role\":\"User\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_MISSING_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_MISSING_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"superAdmin\",\"jti\":\"j\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_INVALID_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_MISSING_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"sid\":7,\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_INVALID_CLAIM},
        {"{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
         "\"role\":\"User\",\"jti\":\"j\",\"sid\":\"\",\"nbf\":1700000000,\"exp\":1700000900}",
         JWT_ERR_INVALID_CLAIM},
        /* not an object */
        {"[1,2]", JWT_ERR_MALFORMED},
        {"\"text\"", JWT_ERR_MALFORMED},
        {"{\"iss\":", JWT_ERR_MALFORMED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(
            verify_forged(*state, good_header, cases[i].payload, test_secret, SIGN_HS256),
            cases[i].expected);
}

static void test_truncated_and_extra_segments(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    size_t length = strlen(token);
    char *copy = malloc(length + 16);
    assert_non_null(copy);

    /* Last character dropped. */
    memcpy(copy, token, length - 1);
    copy[length - 1] = '\0';
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_BAD_SIGNATURE);

    /* Signature segment dropped (two segments), and just its text removed (empty signature). */
    size_t without_signature = (size_t)(strrchr(token, '.') - token);
    memcpy(copy, token, without_signature);
    copy[without_signature] = '\0';
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);
    copy[without_signature] = '.';
    copy[without_signature + 1] = '\0';
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_BAD_SIGNATURE);

    /* Cut in the middle of the payload. */
    memcpy(copy, token, 50);
    copy[50] = '\0';
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);

    /* A fourth segment (JWE has five), and a trailing dot. */
    snprintf(copy, length + 16, "%s.e30", token);
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);
    snprintf(copy, length + 16, "%s.", token);
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);

    /* Surrounding whitespace is the caller's job to trim; here it is malformed. */
    snprintf(copy, length + 16, " %s", token);
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);

    const char *nonsense[] = {"", ".", "..", "...", "abc", "a.b.c", "eyJ.eyJ.AAAA"};
    for (size_t i = 0; i < sizeof nonsense / sizeof nonsense[0]; i++)
        assert_true(verify_at(*state, nonsense[i], NOW) < 0);

    free(copy);
    free(token);
}

static void test_bad_base64(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    char *copy = strdup(token);
    assert_non_null(copy);
    char *payload = strchr(copy, '.') + 1;
    char *signature = strrchr(copy, '.') + 1;

    /* Characters outside the base64url alphabet, in each segment. */
    const char bad[] = {'+', '/', '=', '*', ' '};
    for (size_t i = 0; i < sizeof bad; i++) {
        strcpy(copy, token);
        copy[3] = bad[i];
        assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);
        /* The signature is checked before the payload is decoded: a changed payload fails
         * the signature, and re-signed it is malformed. */
        strcpy(copy, token);
        payload[5] = bad[i];
        assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_BAD_SIGNATURE);
        char *resigned = resign(copy, test_secret);
        assert_int_equal(verify_at(*state, resigned, NOW), JWT_ERR_MALFORMED);
        free(resigned);
        strcpy(copy, token);
        signature[5] = bad[i];
        assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);
    }

    /* Padding is refused: the padded form of the header. */
    char *padded = malloc(strlen(token) + 2);
    assert_non_null(padded);
    snprintf(padded, strlen(token) + 2, "%.*s=%s", (int)(strchr(token, '.') - token), token,
             strchr(token, '.'));
    assert_int_equal(verify_at(*state, padded, NOW), JWT_ERR_MALFORMED);
    free(padded);

    /* Non-canonical last signature character (the 2 unused bits set): a second spelling of the
     * same signature must not verify. */
    strcpy(copy, token);
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t value = (size_t)(strchr(alphabet, signature[42]) - alphabet);
    signature[42] = alphabet[value | 1];
    assert_int_equal(verify_at(*state, copy, NOW), JWT_ERR_MALFORMED);

    free(copy);
    free(token);
}

static void test_too_long(void **state)
{
    char *huge = malloc(JWT_MAX_TOKEN_LENGTH + 2);
    assert_non_null(huge);
    memset(huge, 'A', JWT_MAX_TOKEN_LENGTH + 1);
    huge[10] = '.';
    huge[20] = '.';
    huge[JWT_MAX_TOKEN_LENGTH + 1] = '\0';
    assert_int_equal(verify_at(*state, huge, NOW), JWT_ERR_TOO_LONG);

    /* jwt_sign will not make what jwt_verify would refuse. */
    memset(huge, 'n', JWT_MAX_TOKEN_LENGTH);
    huge[JWT_MAX_TOKEN_LENGTH] = '\0';
    jwt_claims in = sample_claims();
    in.name = huge;
    char *token = (char *)"untouched";
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_TOO_LONG);
    assert_null(token);
    in.name = huge + JWT_MAX_TOKEN_LENGTH - 6000; /* 6000 bytes: fits as JSON, not as base64 */
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_TOO_LONG);
    assert_null(token);
    free(huge);
}

static void test_key_length(void **state)
{
    (void)state;
    jwt_key *key = (jwt_key *)1;
    assert_int_equal(jwt_key_create("0123456789abcdef0123456789abcde", 31, &key),
                     JWT_ERR_KEY_TOO_SHORT);
    assert_null(key);
    assert_int_equal(jwt_key_create("", 0, &key), JWT_ERR_KEY_TOO_SHORT);
    assert_null(key);
    assert_int_equal(jwt_key_create(NULL, 32, &key), JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_key_create("0123456789abcdef0123456789abcdef", 32, &key), JWT_OK);
    assert_non_null(key);
    jwt_key_free(key);
    jwt_key_free(NULL);
}

static void test_sign_refuses_bad_claims(void **state)
{
    char *token = NULL;
    jwt_claims in = sample_claims();
    in.iss = NULL;
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_INVALID_ARGUMENT);
    in = sample_claims();
    in.sub = "";
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_INVALID_ARGUMENT);
    in = sample_claims();
    in.role = (user_role)9;
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_INVALID_ARGUMENT);
    in = sample_claims();
    in.sid = "";
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_INVALID_ARGUMENT);
    in = sample_claims();
    in.name = "bad \xff utf-8";
    assert_int_equal(jwt_sign(*state, &in, &token), JWT_ERR_INVALID_ARGUMENT);
    assert_null(token);
    in = sample_claims();
    assert_int_equal(jwt_sign(NULL, &in, &token), JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_sign(*state, NULL, &token), JWT_ERR_INVALID_ARGUMENT);
}

static void test_verify_refuses_bad_arguments(void **state)
{
    char *token = forge(good_header, good_payload, test_secret, SIGN_HS256);
    jwt_claims out;
    assert_int_equal(jwt_verify(NULL, token, ISSUER, AUDIENCE, NOW, SKEW, &out),
                     JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_verify(*state, NULL, ISSUER, AUDIENCE, NOW, SKEW, &out),
                     JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_verify(*state, token, NULL, AUDIENCE, NOW, SKEW, &out),
                     JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_verify(*state, token, ISSUER, NULL, NOW, SKEW, &out),
                     JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, NOW, -1, &out),
                     JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, INT64_MAX, SKEW, &out),
                     JWT_ERR_INVALID_ARGUMENT);
    assert_int_equal(jwt_verify(*state, token, ISSUER, AUDIENCE, NOW, SKEW, NULL),
                     JWT_ERR_INVALID_ARGUMENT);
    free(token);
}

static void test_extreme_times_do_not_overflow(void **state)
{
    char payload[512];
    snprintf(payload, sizeof payload,
             "{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
             "\"role\":\"User\",\"jti\":\"j\",\"nbf\":%lld,\"exp\":%lld}",
             (long long)INT64_MIN, (long long)INT64_MAX);
    assert_int_equal(verify_forged(*state, good_header, payload, test_secret, SIGN_HS256), JWT_OK);
    snprintf(payload, sizeof payload,
             "{\"iss\":\"NekoHub\",\"aud\":\"NekoHub.Admin\",\"sub\":\"u\",\"name\":\"a\","
             "\"role\":\"User\",\"jti\":\"j\",\"nbf\":%lld,\"exp\":%lld}",
             (long long)INT64_MAX, (long long)INT64_MIN);
    assert_int_equal(verify_forged(*state, good_header, payload, test_secret, SIGN_HS256),
                     JWT_ERR_EXPIRED);
}

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    for (int code = JWT_ERR_NO_MEMORY; code <= JWT_OK; code++)
        assert_string_not_equal(jwt_strerror(code), "unknown JWT error");
    assert_string_equal(jwt_strerror(12345), "unknown JWT error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_without_sid_and_unicode_name),
        cmocka_unit_test(test_signed_shape),
        cmocka_unit_test(test_independent_vector),
        cmocka_unit_test(test_hand_made_good_token_verifies),
        cmocka_unit_test(test_alg_none_refused),
        cmocka_unit_test(test_alg_hs512_with_same_key_refused),
        cmocka_unit_test(test_other_headers_refused),
        cmocka_unit_test(test_duplicate_members_refused),
        cmocka_unit_test(test_tampered_payload_with_old_signature),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_expiry_and_skew),
        cmocka_unit_test(test_not_yet_valid_and_skew),
        cmocka_unit_test(test_wrong_issuer_and_audience),
        cmocka_unit_test(test_audience_forms),
        cmocka_unit_test(test_required_and_typed_claims),
        cmocka_unit_test(test_truncated_and_extra_segments),
        cmocka_unit_test(test_bad_base64),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_key_length),
        cmocka_unit_test(test_sign_refuses_bad_claims),
        cmocka_unit_test(test_verify_refuses_bad_arguments),
        cmocka_unit_test(test_extreme_times_do_not_overflow),
        cmocka_unit_test(test_strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
