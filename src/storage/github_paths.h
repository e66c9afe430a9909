/* github_paths.h - the pure parts of the GitHub repository backend (spec storage-providers.md
 * §11.3): repository path normalisation, key <-> path mapping under basePath, contents and raw
 * URL building, commit-message templates, GitHub's rate-limit hint, and
 * chunked base64 decoding. No I/O, no global state; thread-safe.
 *
 * Ownership: every function returning char * hands a malloc'ed string to the caller (NULL when
 * out of memory or when an argument is invalid, as documented per function). */
#ifndef NH_STORAGE_GITHUB_PATHS_H
#define NH_STORAGE_GITHUB_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True for a GitHub owner or repository name: letters, digits, '.', '_' and '-' only, and
 * neither "." nor ".." (which would climb out of /repos/{owner}/{repo} in a URL). */
bool github_name_is_valid(const char *name);

/* True for a usable ref (git check-ref-format's rules that matter in our URLs): not empty, no
 * whitespace, backslash or control character, no "..", and no segment that is empty or starts
 * with '.' (so "release/v2" works but "main/../../x" cannot climb out of a raw URL). */
bool github_ref_is_valid(const char *ref);

/* The longest repository path we handle (bytes, without the NUL). */
#define GITHUB_PATH_MAX 1024
#define GITHUB_PATH_SIZE (GITHUB_PATH_MAX + 1)

/* The built-in commit-message template (profiles and the upsert endpoint). */
#define GITHUB_DEFAULT_COMMIT_TEMPLATE "chore(nekohub): {operation} {path}"

/* Normalise a repository path: trim whitespace, '\' -> '/', strip leading and trailing '/'.
 * 0 with out filled when every segment is non-blank and neither "." nor ".." (no "//");
 * an empty result is accepted only with allow_empty (out = ""). -1 otherwise (out = ""),
 * also when the result does not fit out_size or contains a control character. */
int github_path_normalize(const char *raw, bool allow_empty, char *out, size_t out_size);

/* The path of `path` relative to base_path: path minus "base_path/" (ASCII case-insensitive);
 * "" when path equals base_path; path itself when it does not start with it or base_path is
 * NULL/"". Points into path. */
const char *github_path_relative(const char *base_path, const char *path);

/* "base_path/relative" (or relative alone when base_path is NULL/"", base_path alone when
 * relative is ""). -1 when it does not fit out_size. */
int github_path_join(const char *base_path, const char *relative, char *out, size_t out_size);

/* Percent-encode every byte that is not an RFC 3986 unreserved character (so '/' becomes
 * %2F). Returns a malloc'ed string. */
char *github_percent_encode(const char *text);

/* {api_base}/repos/{owner}/{repo}/contents[/{path segments, each percent-encoded}]?ref={ref}
 * with owner, repo and ref percent-encoded as one component each ("release/v2" ->
 * "release%2Fv2"). path "" lists the repository root. */
char *github_contents_url(const char *api_base, const char *owner, const char *repo,
                          const char *path, const char *ref);

/* {raw_base}/{owner}/{repo}/{ref segments}/{path segments}: each segment of ref and of path is
 * percent-encoded on its own and the '/' between them kept, so a ref "release/v2" becomes the
 * two segments "release/v2" that raw.githubusercontent.com resolves against the branches. */
char *github_raw_url(const char *raw_base, const char *owner, const char *repo, const char *ref,
                     const char *path);

/* The commit message: explicit (trimmed) when it is not blank; otherwise template (NULL or
 * blank = GITHUB_DEFAULT_COMMIT_TEMPLATE) with the placeholders {operation}, {path} and
 * {fileName} (names ASCII case-insensitive; fileName = the last segment of path) replaced;
 * unknown placeholders are kept as written. */
char *github_commit_message(const char *explicit_message, const char *template_text,
                            const char *operation, const char *path);

/* Seconds the caller should wait after a rate-limited answer: Retry-After (delta seconds)
 * when it is a valid number, else X-RateLimit-Reset (epoch seconds) minus now_s, else 60;
 * clamped to 1..3600. Either header may be NULL. */
int github_retry_after_seconds(const char *retry_after, const char *rate_limit_reset,
                               int64_t now_s);

/* Decode base64 text (the standard alphabet with '=' padding, as the contents API sends it,
 * with '\n' and '\r' allowed anywhere) in bounded chunks, handing each decoded chunk to sink
 * (which returns 0 to continue, -1 to stop). Never holds more than one chunk of decoded bytes.
 * 0 and *decoded = the number of bytes decoded, or -1 when the text is not valid base64 or
 * sink stopped. */
typedef int (*github_base64_sink)(void *context, const unsigned char *bytes, size_t length);
int github_base64_decode_chunked(const char *text, size_t length, github_base64_sink sink,
                                 void *context, uint64_t *decoded);

#endif
