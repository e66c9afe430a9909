/* secret_box.c - sealing and opening secrets at rest (see secret_box.h). */
#include "core/secret_box.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SEALED_PREFIX "nhsb1:"
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define BASE64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

struct secret_box {
    unsigned char keys[1 + CONFIG_MAX_LIST][SECRET_BOX_KEY_BYTES]; /* [0] is the current key */
    size_t key_count;
};

static int parse_key(const char *hex, unsigned char out[SECRET_BOX_KEY_BYTES])
{
    size_t written = 0;
    if (!hex || strlen(hex) != SECRET_BOX_KEY_BYTES * 2)
        return -1;
    if (sodium_hex2bin(out, SECRET_BOX_KEY_BYTES, hex, strlen(hex), NULL, &written, NULL) != 0)
        return -1;
    return written == SECRET_BOX_KEY_BYTES ? 0 : -1;
}

secret_box *secret_box_create(const char *current_hex, const string_list *previous, nh_error *err)
{
    secret_box *box = sodium_malloc(sizeof *box);
    if (!box) {
        error_internal(err);
        return NULL;
    }
    box->key_count = 0;
    if (parse_key(current_hex, box->keys[0]) != 0) {
        secret_box_destroy(box);
        error_set(err, 500, "config_invalid", "Security__SecretKey must be 64 hex digits");
        return NULL;
    }
    box->key_count = 1;
    for (size_t i = 0; previous && i < previous->count; i++) {
        if (parse_key(previous->items[i], box->keys[box->key_count]) != 0) {
            secret_box_destroy(box);
            error_set(err, 500, "config_invalid",
                      "Security__PreviousSecretKeys__%zu must be 64 hex digits", i);
            return NULL;
        }
        box->key_count++;
    }
    return box;
}

void secret_box_destroy(secret_box *box)
{
    if (box)
        sodium_free(box); /* sodium_free wipes the memory */
}

int secret_box_seal(const secret_box *box, const unsigned char *plain, size_t length,
                    const char *ad, char **sealed_out, nh_error *err)
{
    *sealed_out = NULL;
    if (length > SIZE_MAX / 2 - NONCE_BYTES - TAG_BYTES)
        return error_internal(err);
    size_t raw_length = NONCE_BYTES + length + TAG_BYTES;
    unsigned char *raw = malloc(raw_length);
    size_t text_size =
        sizeof SEALED_PREFIX - 1 + sodium_base64_ENCODED_LEN(raw_length, BASE64_VARIANT);
    char *text = malloc(text_size);
    if (!raw || !text) {
        free(raw);
        free(text);
        return error_internal(err);
    }
    randombytes_buf(raw, NONCE_BYTES);
    unsigned long long cipher_length = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE_BYTES, &cipher_length, plain, length,
                                               (const unsigned char *)ad, ad ? strlen(ad) : 0, NULL,
                                               raw, box->keys[0]);
    memcpy(text, SEALED_PREFIX, sizeof SEALED_PREFIX - 1);
    sodium_bin2base64(text + sizeof SEALED_PREFIX - 1, text_size - (sizeof SEALED_PREFIX - 1), raw,
                      NONCE_BYTES + (size_t)cipher_length, BASE64_VARIANT);
    free(raw);
    *sealed_out = text;
    return 0;
}

/* The nonce || ciphertext bytes of a sealed text (malloc'ed), or NULL when malformed. */
static unsigned char *decode_sealed(const char *sealed, size_t *raw_length)
{
    size_t prefix = sizeof SEALED_PREFIX - 1;
    if (!sealed || strncmp(sealed, SEALED_PREFIX, prefix) != 0)
        return NULL;
    const char *body = sealed + prefix;
    size_t body_length = strlen(body);
    unsigned char *raw = malloc(body_length + 1);
    if (!raw)
        return NULL;
    if (sodium_base642bin(raw, body_length + 1, body, body_length, NULL, raw_length, NULL,
                          BASE64_VARIANT) != 0 ||
        *raw_length < NONCE_BYTES + TAG_BYTES) {
        free(raw);
        return NULL;
    }
    return raw;
}

/* Try one key; 0 when it opens. */
static int open_with(const unsigned char key[SECRET_BOX_KEY_BYTES], const unsigned char *raw,
                     size_t raw_length, const char *ad, unsigned char *plain,
                     unsigned long long *plain_length)
{
    return crypto_aead_xchacha20poly1305_ietf_decrypt(
        plain, plain_length, NULL, raw + NONCE_BYTES, raw_length - NONCE_BYTES,
        (const unsigned char *)ad, ad ? strlen(ad) : 0, raw, key);
}

int secret_box_open(const secret_box *box, const char *sealed, const char *ad,
                    unsigned char **plain_out, size_t *length_out, bool *with_previous,
                    nh_error *err)
{
    *plain_out = NULL;
    *length_out = 0;
    if (with_previous)
        *with_previous = false;
    size_t raw_length = 0;
    unsigned char *raw = decode_sealed(sealed, &raw_length);
    if (!raw) {
        error_set(err, 500, "secret_unreadable", "the sealed secret is malformed");
        return SECRET_BOX_UNOPENABLE;
    }
    unsigned char *plain = malloc(raw_length - NONCE_BYTES - TAG_BYTES + 1);
    if (!plain) {
        free(raw);
        return error_internal(err);
    }
    unsigned long long plain_length = 0;
    size_t opened_by = box->key_count;
    for (size_t i = 0; i < box->key_count && opened_by == box->key_count; i++)
        if (open_with(box->keys[i], raw, raw_length, ad, plain, &plain_length) == 0)
            opened_by = i;
    free(raw);
    if (opened_by == box->key_count) {
        free(plain);
        error_set(err, 500, "secret_unreadable",
                  "no configured secret key opens the sealed secret (Security__SecretKey, "
                  "Security__PreviousSecretKeys__N)");
        return SECRET_BOX_UNOPENABLE;
    }
    plain[plain_length] = '\0';
    *plain_out = plain;
    *length_out = (size_t)plain_length;
    if (with_previous)
        *with_previous = opened_by > 0;
    return 0;
}

int secret_box_reseal(const secret_box *box, const char *sealed, const char *ad,
                      char **resealed_out, nh_error *err)
{
    *resealed_out = NULL;
    unsigned char *plain = NULL;
    size_t length = 0;
    int rc = secret_box_open(box, sealed, ad, &plain, &length, NULL, err);
    if (rc != 0)
        return rc;
    rc = secret_box_seal(box, plain, length, ad, resealed_out, err);
    secret_box_free_plain(plain, length);
    return rc;
}

void secret_box_free_plain(unsigned char *plain, size_t length)
{
    if (!plain)
        return;
    sodium_memzero(plain, length);
    free(plain);
}
