/* secret_token.c - random refresh tokens and API keys from libsodium, and their SHA-256 digests. */
#include "auth/secret_token.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REFRESH_RANDOM_BYTES 64
#define API_KEY_RANDOM_BYTES 32

/* Encode fresh random bytes into a new string that starts with prefix. NULL when out of
 * memory. The random bytes are wiped from the stack afterwards. */
static char *random_base64(const char *prefix, size_t random_bytes, int variant)
{
    unsigned char random[REFRESH_RANDOM_BYTES];
    if (random_bytes > sizeof random)
        return NULL;
    size_t prefix_length = strlen(prefix);
    size_t encoded_size = sodium_base64_encoded_len(random_bytes, variant);
    char *text = malloc(prefix_length + encoded_size);
    if (!text)
        return NULL;
    memcpy(text, prefix, prefix_length);
    randombytes_buf(random, random_bytes);
    sodium_bin2base64(text + prefix_length, encoded_size, random, random_bytes, variant);
    sodium_memzero(random, sizeof random);
    return text;
}

int secret_token_refresh(char **out)
{
    *out = random_base64("", REFRESH_RANDOM_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return *out ? 0 : -1;
}

int secret_token_api_key(char **out, char prefix_out[16])
{
    prefix_out[0] = '\0';
    *out = random_base64(SECRET_TOKEN_API_KEY_PREFIX, API_KEY_RANDOM_BYTES,
                         sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (!*out)
        return -1;
    memcpy(prefix_out, *out, SECRET_TOKEN_API_KEY_SHOWN_LENGTH);
    prefix_out[SECRET_TOKEN_API_KEY_SHOWN_LENGTH] = '\0';
    return 0;
}

static bool is_ascii_whitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int secret_token_sha256_hex(const char *text, char out[SECRET_TOKEN_HEX_SIZE])
{
    out[0] = '\0';
    if (!text)
        return -1;
    size_t start = 0;
    size_t end = strlen(text);
    while (start < end && is_ascii_whitespace(text[start]))
        start++;
    while (end > start && is_ascii_whitespace(text[end - 1]))
        end--;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)text + start, end - start);
    sodium_bin2hex(out, SECRET_TOKEN_HEX_SIZE, digest, sizeof digest);
    return 0;
}
