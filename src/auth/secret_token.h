/* secret_token.h - random bearer secrets (refresh tokens, personal API keys) and their digests.
 *
 * Secrets are shown to their owner once and stored only as secret_token_sha256_hex() digests.
 * All randomness comes from libsodium's CSPRNG: sodium_init() must have succeeded first.
 * Everything here is thread-safe. */
#ifndef NH_AUTH_SECRET_TOKEN_H
#define NH_AUTH_SECRET_TOKEN_H

#include <stddef.h>

/* Refresh token: 64 random bytes, standard Base64 with padding (88 characters). */
#define SECRET_TOKEN_REFRESH_LENGTH 88
/* API key: "nhk_" and 32 random bytes in base64url without padding (4 + 43 characters). */
#define SECRET_TOKEN_API_KEY_PREFIX "nhk_"
#define SECRET_TOKEN_API_KEY_LENGTH 47
/* The part of an API key that may be shown in lists: its first 12 characters. */
#define SECRET_TOKEN_API_KEY_SHOWN_LENGTH 12
/* Lowercase hex SHA-256 plus NUL. */
#define SECRET_TOKEN_HEX_SIZE 65

/* Make a refresh token. On success returns 0 and *out is a NUL-terminated string the caller
 * free()s; on allocation failure returns -1 and *out is NULL. */
int secret_token_refresh(char **out);

/* Make a personal API key. On success returns 0, *out is the key (caller free()s it) and
 * prefix_out holds its first SECRET_TOKEN_API_KEY_SHOWN_LENGTH characters, NUL-terminated
 * ("nhk_" and 8 more). On allocation failure returns -1, *out is NULL and prefix_out is "". */
int secret_token_api_key(char **out, char prefix_out[16]);

/* The lowercase hex SHA-256 of text after removing leading and trailing ASCII whitespace
 * (space, \t, \n, \v, \f, \r). Trimming is the original's rule for refresh tokens ("stored as
 * the hash of the trimmed string; lookups hash the trimmed input") and harmless for API keys,
 * which never contain whitespace; doing it here means storing and looking up cannot disagree.
 * Hash secrets with this function only; never compare the secrets themselves.
 * Returns 0, or -1 when text is NULL (out is then ""). */
int secret_token_sha256_hex(const char *text, char out[SECRET_TOKEN_HEX_SIZE]);

#endif
