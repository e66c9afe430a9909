/* storage_key.h - storage keys: how they are made, normalised and checked (pure, no I/O).
 *
 * A storage key names one stored object relative to a backend's root, e.g.
 * "2026/03/10/0195f3c2a1b07c3d9e8f0a1b2c3d4e5f.png": '/'-separated segments of printable
 * text. A valid key is never empty, never longer than STORAGE_KEY_MAX bytes, never absolute,
 * and has no empty, "." or ".." segment, no backslash and no control character, so joining it
 * to a root can never leave that root. Every function here is thread-safe and allocates
 * nothing. */
#ifndef NH_STORAGE_KEY_H
#define NH_STORAGE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORAGE_KEY_MAX 1024
#define STORAGE_KEY_SIZE (STORAGE_KEY_MAX + 1)
/* The longest extension accepted by storage_key_generate (".jpeg" is 5). */
#define STORAGE_KEY_EXTENSION_MAX 32

/* True when key is a valid storage key (see above). */
bool storage_key_is_valid(const char *key);

/* Normalise a key as received from a client (the /content path): backslashes become '/',
 * surrounding whitespace is trimmed and leading slashes are stripped. Writes the result to out
 * (out_size bytes) and returns 0 when the result is a valid key; -1 otherwise (empty, too long,
 * or invalid after normalisation, e.g. containing ".." or "//"); out is then "". */
int storage_key_normalize(const char *raw, char *out, size_t out_size);

/* The key of a new object: "yyyy/MM/dd/<32 lowercase hex of the uuid><extension>" with the UTC
 * date of unix_ms. uuid is a canonical hyphenated UUID; extension is "" or "." followed by
 * 1..31 lowercase letters or digits. Returns 0, or -1 (out = "") when an argument is invalid
 * or out_size is too small. */
int storage_key_generate(int64_t unix_ms, const char *uuid, const char *extension, char *out,
                         size_t out_size);

/* The last segment of a key (points into key). */
const char *storage_key_file_name(const char *key);

#endif
