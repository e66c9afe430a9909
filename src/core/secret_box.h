/* secret_box.h - secrets sealed at rest (S3 keys, GitHub tokens, later AI keys) with libsodium's
 * XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf) under the server's secret key
 * (Security__SecretKey or the generated DATA_DIR/secret-key), with associated data binding a
 * sealed value to its row (the profile id): a value copied to another row does not open.
 *
 * Sealed text: "nhsb1:" + base64 (URL-safe, no padding) of nonce (24 bytes) || ciphertext.
 * Opening tries the current key, then each Security__PreviousSecretKeys__N in order; sealing
 * always uses the current key (`nekohub secrets reseal` rewrites old values).
 *
 * A secret_box owns copies of the keys (wiped on destroy); it is immutable after creation and
 * safe to share between threads. Plain texts handed out are malloc'ed and owned by the caller,
 * who wipes them (secret_box_free_plain). Errors: -1 with err filled; a value no key opens is
 * SECRET_BOX_UNOPENABLE with a 500 secret_unreadable (the caller names the row in its own
 * message). */
#ifndef NH_CORE_SECRET_BOX_H
#define NH_CORE_SECRET_BOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/error.h"

#define SECRET_BOX_KEY_BYTES 32
#define SECRET_BOX_UNOPENABLE (-2)

typedef struct secret_box secret_box;

/* current_hex: 64 hex digits; previous: more keys of the same form (may be NULL). NULL with
 * err on a malformed key or no memory. */
secret_box *secret_box_create(const char *current_hex, const string_list *previous, nh_error *err);
void secret_box_destroy(secret_box *box);

/* Seal plain[0..length) with associated data ad (a NUL-terminated text, e.g. the row id).
 * *sealed_out is malloc'ed text. */
int secret_box_seal(const secret_box *box, const unsigned char *plain, size_t length,
                    const char *ad, char **sealed_out, nh_error *err);

/* Open a sealed text. *plain_out (NUL-terminated, *length_out bytes before the NUL) is
 * malloc'ed; *with_previous (may be NULL) tells whether a previous key opened it. Returns 0,
 * SECRET_BOX_UNOPENABLE (no key opens it, the text is damaged, or ad differs), or -1. */
int secret_box_open(const secret_box *box, const char *sealed, const char *ad,
                    unsigned char **plain_out, size_t *length_out, bool *with_previous,
                    nh_error *err);

/* Open sealed (associated data ad) and seal it again under the current key: *resealed_out is
 * malloc'ed text. Returns 0, SECRET_BOX_UNOPENABLE or -1 as secret_box_open. `nekohub secrets
 * reseal` runs it on every stored secret. */
int secret_box_reseal(const secret_box *box, const char *sealed, const char *ad,
                      char **resealed_out, nh_error *err);

/* Wipe and free a plain text from secret_box_open (NULL is fine). */
void secret_box_free_plain(unsigned char *plain, size_t length);

#endif
