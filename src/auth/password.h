/* password.h - password hashing (Argon2id), verification (Argon2id and the original NekoHub's
 * ASP.NET Core Identity v3 PBKDF2 format) and the password policy.
 *
 * Hashing and verifying are deliberately slow (Argon2id INTERACTIVE: about 60 ms and 64 MiB
 * each). A counting semaphore set up by password_init() lets at most max_concurrent of them
 * run at once; further callers block until one finishes, so memory stays bounded at about
 * max_concurrent * 64 MiB. Callers must therefore not hold locks or run on an event loop
 * thread while calling password_hash() or the verify functions.
 *
 * The module keeps process-wide state (the semaphore and the dummy hash). Call sodium_init()
 * and then password_init() once before starting threads, and password_shutdown() after they
 * stopped. Until password_init() succeeded (and after password_shutdown()), password_hash()
 * fails and the verify functions return false. password_check_policy() needs no set-up.
 * All other functions are thread-safe. */
#ifndef NH_AUTH_PASSWORD_H
#define NH_AUTH_PASSWORD_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* Longest password accepted by the policy, in bytes. */
#define PASSWORD_MAX_BYTES 1024
/* Longest stored hash text verified (the users.passwordHash column is text <= 2048). */
#define PASSWORD_STORED_HASH_MAX_LENGTH 2048

/* Set up the semaphore for max_concurrent (>= 1) simultaneous hashes/verifies and make the
 * dummy hash (one Argon2id hash, ~60 ms). Returns 0, or -1 when max_concurrent < 1,
 * sodium_init() fails, hashing fails (out of memory), or the module is already initialised. */
int password_init(int max_concurrent);

/* Tear down what password_init() made. No hash or verify may be running. Waiters still blocked
 * in the semaphore are woken and fail. Safe to call when not initialised. */
void password_shutdown(void);

/* How many hashes/verifies hold a slot now, and how many callers wait for one (for /metrics
 * gauges and tests). A snapshot: it may change as soon as it is returned. */
void password_stats(int *running, int *waiting);

/* How many hashes were made and how many verifications ran (real and dummy alike: a sign-in
 * for an unknown user counts like one with a wrong password) since start. For /metrics. */
void password_counters(uint64_t *hashes, uint64_t *verifications);

/* Hash password (verbatim, any bytes up to the NUL) with Argon2id, OPSLIMIT_INTERACTIVE and
 * MEMLIMIT_INTERACTIVE, into out as a NUL-terminated "$argon2id$..." string. Returns 0, or -1
 * (out is then "") when not initialised, password is NULL or memory runs out. */
int password_hash(const char *password, char out[crypto_pwhash_STRBYTES]);

/* Check password against a stored hash, which may be
 *   - an Argon2 string made by password_hash() ("$argon2id$..."; "$argon2i$" is read too), or
 *   - an ASP.NET Core Identity v3 hash: Base64 of 0x01 | prf (u32 BE: 1 = HMAC-SHA256,
 *     2 = HMAC-SHA512) | iterations (u32 BE) | salt length (u32 BE, >= 16) | salt | subkey
 *     (>= 16 bytes), checked with PBKDF2 and a constant-time compare.
 * Identity v2 hashes (marker 0x00, PBKDF2-HMAC-SHA1) and the v3 SHA-1 prf (0) are not
 * supported and never match. Returns true only on a match; false for a wrong password, an
 * unreadable or unsupported stored hash, NULL arguments, or when not initialised. */
bool password_verify(const char *stored_hash, const char *password);

/* Do the same work as password_verify() against a fixed Argon2id hash made by password_init(),
 * and return false. Call it when the username is unknown so that the response time does not
 * tell whether the user exists. */
bool password_dummy_verify(const char *password);

/* True when stored_hash is not an Argon2id hash with the current parameters (for example an
 * Identity v3 hash), so a caller that just verified the password may store password_hash() of
 * it instead. Cheap: no hashing. */
bool password_needs_rehash(const char *stored_hash);

/* The password policy for new passwords (create, reset). Passwords are used verbatim, never
 * trimmed. Checked in this order, each failure a 400:
 *   user_password_required  NULL or empty;
 *   user_password_too_long  more than PASSWORD_MAX_BYTES bytes;
 *   request_invalid         not valid UTF-8 (unreachable for strings that came from jansson);
 *   user_password_required  only whitespace (Unicode White_Space, as .NET's IsNullOrWhiteSpace);
 *   user_password_too_weak  fewer than min_length characters (UTF-8 code points, so "ü" is one);
 *                           the message states the minimum. min_length <= 0 means no minimum.
 * Returns 0, or -1 with err filled. */
int password_check_policy(const char *password, int min_length, nh_error *err);

#endif
