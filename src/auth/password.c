/* password.c - Argon2id hashing behind a counting semaphore, verification of Argon2 and ASP.NET
 * Core Identity v3 (PBKDF2) hashes, and the password policy. Everything cryptographic is
 * libsodium; PBKDF2 is written here on top of its HMAC-SHA-256/512. */
#include "auth/password.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/utf8.h"

#define ARGON2ID_PREFIX "$argon2id$"
#define ARGON2I_PREFIX "$argon2i$"

/* ASP.NET Core Identity v3 layout: marker, prf, iterations, salt length, then salt and key. */
#define IDENTITY_V3_MARKER 0x01
#define IDENTITY_V3_HEADER_BYTES 13
#define IDENTITY_PRF_HMAC_SHA256 1
#define IDENTITY_PRF_HMAC_SHA512 2
#define IDENTITY_MIN_SALT_BYTES 16
#define IDENTITY_MIN_SUBKEY_BYTES 16
/* Far above any real setting (the original uses 100 000); bounds the work a bad row causes. */
#define IDENTITY_MAX_ITERATIONS 10000000u
#define IDENTITY_MAX_DECODED_BYTES (PASSWORD_STORED_HASH_MAX_LENGTH / 4 * 3)

/* The process-wide gate: a counting semaphore made of a mutex and a condition variable, and
 * the dummy hash. Everything in it is read and written with lock held. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t slot_freed;
    bool ready;
    int free_slots;
    int running; /* callers holding a slot */
    int waiting; /* callers blocked for one */
    char dummy_hash[crypto_pwhash_STRBYTES];
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0, 0, {0}};

/* Hashing runs on a short-lived thread with a lower CPU priority (nice +19), so on a busy
 * machine the scheduler serves ordinary requests first and a storm of sign-ins cannot starve
 * them. A thread costs ~50 us against the ~60 ms of an Argon2 hash. */
#define PASSWORD_WORKER_NICE 19

typedef struct low_priority_call {
    int (*function)(void *context);
    void *context;
    int result;
} low_priority_call;

static void *run_low_priority(void *argument)
{
    low_priority_call *call = argument;
    setpriority(PRIO_PROCESS, (id_t)gettid(), PASSWORD_WORKER_NICE);
    call->result = call->function(call->context);
    return NULL;
}

/* Run function(context) on a low-priority thread and wait for it; inline when no thread can
 * be started. */
static int call_at_low_priority(int (*function)(void *context), void *context)
{
    low_priority_call call = {function, context, -1};
    pthread_t worker;
    if (pthread_create(&worker, NULL, run_low_priority, &call) != 0)
        return function(context);
    pthread_join(worker, NULL);
    return call.result;
}

static atomic_ullong hashes_made;
static atomic_ullong verifications_run;

void password_counters(uint64_t *hashes, uint64_t *verifications)
{
    *hashes = atomic_load(&hashes_made);
    *verifications = atomic_load(&verifications_run);
}

/* Take a slot, waiting while all are busy. Returns 0, or -1 when the module is not ready. */
static int gate_enter(void)
{
    pthread_mutex_lock(&gate.lock);
    gate.waiting++;
    while (gate.ready && gate.free_slots == 0)
        pthread_cond_wait(&gate.slot_freed, &gate.lock);
    gate.waiting--;
    int rc = -1;
    if (gate.ready) {
        gate.free_slots--;
        gate.running++;
        rc = 0;
    }
    pthread_mutex_unlock(&gate.lock);
    return rc;
}

static void gate_leave(void)
{
    pthread_mutex_lock(&gate.lock);
    gate.free_slots++;
    gate.running--;
    pthread_cond_signal(&gate.slot_freed);
    pthread_mutex_unlock(&gate.lock);
}

static int argon2id_hash(const char *password, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

typedef struct hash_job {
    const char *password;
    char *out;
} hash_job;

static int run_hash_job(void *context)
{
    hash_job *job = context;
    return argon2id_hash(job->password, job->out);
}

/* The dummy hash is of a random password nobody knows, so it can never match. */
static int make_dummy_hash(char out[crypto_pwhash_STRBYTES])
{
    unsigned char random[32];
    char secret[sizeof random * 2 + 1];
    randombytes_buf(random, sizeof random);
    sodium_bin2hex(secret, sizeof secret, random, sizeof random);
    hash_job job = {secret, out};
    int rc = call_at_low_priority(run_hash_job, &job);
    sodium_memzero(random, sizeof random);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

int password_init(int max_concurrent)
{
    if (max_concurrent < 1 || sodium_init() < 0)
        return -1;
    pthread_mutex_lock(&gate.lock);
    int rc = -1;
    if (!gate.ready) {
        gate.dummy_hash[0] = '\0'; /* made by the first dummy verification, not at start-up */
        gate.free_slots = max_concurrent;
        gate.ready = true;
        rc = 0;
    }
    pthread_mutex_unlock(&gate.lock);
    return rc;
}

void password_shutdown(void)
{
    pthread_mutex_lock(&gate.lock);
    gate.ready = false;
    gate.free_slots = 0;
    sodium_memzero(gate.dummy_hash, sizeof gate.dummy_hash);
    pthread_cond_broadcast(&gate.slot_freed);
    pthread_mutex_unlock(&gate.lock);
}

void password_stats(int *running, int *waiting)
{
    pthread_mutex_lock(&gate.lock);
    *running = gate.running;
    *waiting = gate.waiting;
    pthread_mutex_unlock(&gate.lock);
}

int password_hash(const char *password, char out[crypto_pwhash_STRBYTES])
{
    out[0] = '\0';
    if (!password || gate_enter() != 0)
        return -1;
    hash_job job = {password, out};
    int rc = call_at_low_priority(run_hash_job, &job);
    gate_leave();
    atomic_fetch_add(&hashes_made, 1);
    if (rc != 0)
        out[0] = '\0';
    return rc == 0 ? 0 : -1;
}

/* ---- ASP.NET Core Identity v3 ---- */

static uint32_t read_u32_be(const unsigned char *bytes)
{
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) |
           (uint32_t)bytes[3];
}

static void write_u32_be(unsigned char bytes[4], uint32_t value)
{
    bytes[0] = (unsigned char)(value >> 24);
    bytes[1] = (unsigned char)(value >> 16);
    bytes[2] = (unsigned char)(value >> 8);
    bytes[3] = (unsigned char)value;
}

/* The HMAC of PBKDF2, SHA-256 or SHA-512, behind one small interface. */
typedef union hmac_state {
    crypto_auth_hmacsha256_state sha256;
    crypto_auth_hmacsha512_state sha512;
} hmac_state;

typedef struct hmac_prf {
    size_t digest_bytes;
    void (*init)(hmac_state *state, const unsigned char *key, size_t key_length);
    void (*update)(hmac_state *state, const unsigned char *data, size_t length);
    void (*final)(hmac_state *state, unsigned char *out);
} hmac_prf;

static void sha256_init(hmac_state *state, const unsigned char *key, size_t key_length)
{
    crypto_auth_hmacsha256_init(&state->sha256, key, key_length);
}
static void sha256_update(hmac_state *state, const unsigned char *data, size_t length)
{
    crypto_auth_hmacsha256_update(&state->sha256, data, length);
}
static void sha256_final(hmac_state *state, unsigned char *out)
{
    crypto_auth_hmacsha256_final(&state->sha256, out);
}
static void sha512_init(hmac_state *state, const unsigned char *key, size_t key_length)
{
    crypto_auth_hmacsha512_init(&state->sha512, key, key_length);
}
static void sha512_update(hmac_state *state, const unsigned char *data, size_t length)
{
    crypto_auth_hmacsha512_update(&state->sha512, data, length);
}
static void sha512_final(hmac_state *state, unsigned char *out)
{
    crypto_auth_hmacsha512_final(&state->sha512, out);
}

static const hmac_prf hmac_sha256 = {crypto_auth_hmacsha256_BYTES, sha256_init, sha256_update,
                                     sha256_final};
static const hmac_prf hmac_sha512 = {crypto_auth_hmacsha512_BYTES, sha512_init, sha512_update,
                                     sha512_final};

/* PBKDF2 (RFC 8018). The keyed HMAC state is made once and copied for each of the iterations
 * (libsodium's state is a plain struct), which halves the work. */
static void pbkdf2(const hmac_prf *prf, const char *password, const unsigned char *salt,
                   size_t salt_length, uint32_t iterations, unsigned char *out, size_t out_length)
{
    hmac_state keyed, state;
    unsigned char u[crypto_auth_hmacsha512_BYTES], t[crypto_auth_hmacsha512_BYTES], index[4];
    size_t digest = prf->digest_bytes;
    prf->init(&keyed, (const unsigned char *)password, strlen(password));
    for (uint32_t block = 1; out_length > 0; block++) {
        write_u32_be(index, block);
        state = keyed;
        prf->update(&state, salt, salt_length);
        prf->update(&state, index, sizeof index);
        prf->final(&state, u);
        memcpy(t, u, digest);
        for (uint32_t i = 1; i < iterations; i++) {
            state = keyed;
            prf->update(&state, u, digest);
            prf->final(&state, u);
            for (size_t j = 0; j < digest; j++)
                t[j] ^= u[j];
        }
        size_t take = out_length < digest ? out_length : digest;
        memcpy(out, t, take);
        out += take;
        out_length -= take;
    }
    sodium_memzero(&keyed, sizeof keyed);
    sodium_memzero(&state, sizeof state);
    sodium_memzero(u, sizeof u);
    sodium_memzero(t, sizeof t);
}

/* Decode the whole standard-Base64 text (with padding) into bytes. */
static int decode_identity_base64(const char *text, unsigned char *bytes, size_t capacity,
                                  size_t *length)
{
    size_t text_length = strnlen(text, PASSWORD_STORED_HASH_MAX_LENGTH + 1);
    if (text_length > PASSWORD_STORED_HASH_MAX_LENGTH)
        return -1;
    const char *end = NULL;
    if (sodium_base642bin(bytes, capacity, text, text_length, NULL, length, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return end == text + text_length ? 0 : -1;
}

static bool verify_identity_v3(const char *stored_hash, const char *password)
{
    unsigned char decoded[IDENTITY_MAX_DECODED_BYTES];
    size_t length = 0;
    if (decode_identity_base64(stored_hash, decoded, sizeof decoded, &length) != 0)
        return false;
    if (length < IDENTITY_V3_HEADER_BYTES || decoded[0] != IDENTITY_V3_MARKER)
        return false;
    uint32_t prf = read_u32_be(decoded + 1);
    uint32_t iterations = read_u32_be(decoded + 5);
    uint32_t salt_length = read_u32_be(decoded + 9);
    size_t body_length = length - IDENTITY_V3_HEADER_BYTES;
    if (salt_length < IDENTITY_MIN_SALT_BYTES || salt_length > body_length)
        return false;
    size_t subkey_length = body_length - salt_length;
    if (subkey_length < IDENTITY_MIN_SUBKEY_BYTES || iterations < 1 ||
        iterations > IDENTITY_MAX_ITERATIONS)
        return false;
    const unsigned char *salt = decoded + IDENTITY_V3_HEADER_BYTES;
    const unsigned char *subkey = salt + salt_length;

    unsigned char derived[IDENTITY_MAX_DECODED_BYTES];
    if (prf == IDENTITY_PRF_HMAC_SHA256)
        pbkdf2(&hmac_sha256, password, salt, salt_length, iterations, derived, subkey_length);
    else if (prf == IDENTITY_PRF_HMAC_SHA512)
        pbkdf2(&hmac_sha512, password, salt, salt_length, iterations, derived, subkey_length);
    else
        return false;
    bool match = sodium_memcmp(derived, subkey, subkey_length) == 0;
    sodium_memzero(derived, subkey_length);
    return match;
}

/* ---- verification ---- */

static bool has_prefix(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool verify_argon2(const char *stored_hash, const char *password)
{
    if (strnlen(stored_hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
        return false;
    return crypto_pwhash_str_verify(stored_hash, password, strlen(password)) == 0;
}

/* Runs with a gate slot held. */
static bool verify_any_format(const char *stored_hash, const char *password)
{
    if (has_prefix(stored_hash, ARGON2ID_PREFIX) || has_prefix(stored_hash, ARGON2I_PREFIX))
        return verify_argon2(stored_hash, password);
    return verify_identity_v3(stored_hash, password);
}

typedef struct verify_job {
    const char *stored_hash;
    const char *password;
} verify_job;

static int run_verify_job(void *context)
{
    verify_job *job = context;
    return verify_any_format(job->stored_hash, job->password) ? 1 : 0;
}

bool password_verify(const char *stored_hash, const char *password)
{
    if (!stored_hash || !password || gate_enter() != 0)
        return false;
    verify_job job = {stored_hash, password};
    bool match = call_at_low_priority(run_verify_job, &job) == 1;
    gate_leave();
    atomic_fetch_add(&verifications_run, 1);
    return match;
}

bool password_dummy_verify(const char *password)
{
    if (!password || gate_enter() != 0)
        return false;
    /* Copied under the lock: password_shutdown() may wipe the original. */
    char dummy[crypto_pwhash_STRBYTES];
    pthread_mutex_lock(&gate.lock);
    memcpy(dummy, gate.dummy_hash, sizeof dummy);
    pthread_mutex_unlock(&gate.lock);
    if (dummy[0] != '\0') {
        verify_job job = {dummy, password};
        (void)call_at_low_priority(run_verify_job, &job);
    } else if (make_dummy_hash(dummy) == 0) {
        /* Making the hash costs what a verification costs, so this call is no faster. */
        pthread_mutex_lock(&gate.lock);
        if (gate.ready && gate.dummy_hash[0] == '\0')
            memcpy(gate.dummy_hash, dummy, sizeof dummy);
        pthread_mutex_unlock(&gate.lock);
    }
    gate_leave();
    atomic_fetch_add(&verifications_run, 1);
    return false;
}

bool password_needs_rehash(const char *stored_hash)
{
    if (!stored_hash || !has_prefix(stored_hash, ARGON2ID_PREFIX) ||
        strnlen(stored_hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
        return true;
    return crypto_pwhash_str_needs_rehash(stored_hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

/* ---- policy ---- */

/* Count the code points of text and whether any is not whitespace. -1 on invalid UTF-8. */
static int utf8_scan(const char *text, size_t length, size_t *characters, bool *has_visible)
{
    size_t pos = 0;
    *characters = 0;
    *has_visible = false;
    while (pos < length) {
        uint32_t cp;
        if (utf8_next(text, length, &pos, &cp) != 0)
            return -1;
        (*characters)++;
        if (!utf8_is_white_space(cp))
            *has_visible = true;
    }
    return 0;
}

int password_check_policy(const char *password, int min_length, nh_error *err)
{
    if (!password || password[0] == '\0')
        return error_set(err, 400, "user_password_required", "Password is required.");
    size_t length = strnlen(password, PASSWORD_MAX_BYTES + 1);
    if (length > PASSWORD_MAX_BYTES)
        return error_set(err, 400, "user_password_too_long",
                         "Password must be at most %d bytes long.", PASSWORD_MAX_BYTES);
    size_t characters = 0;
    bool has_visible = false;
    if (utf8_scan(password, length, &characters, &has_visible) != 0)
        return error_set(err, 400, "request_invalid", "Password must be valid UTF-8 text.");
    if (!has_visible)
        return error_set(err, 400, "user_password_required", "Password is required.");
    if (min_length > 0 && characters < (size_t)min_length)
        return error_set(err, 400, "user_password_too_weak",
                         "Password must be at least %d characters long.", min_length);
    return 0;
}
