/* static_files.h - serving the built web app (web/dist) for console and gallery paths.
 *
 * A GET/HEAD for a path that exists as a file under the web directory is sent with its type
 * (hashed build files under /assets/ are cached for a year, immutable); any other console path
 * gets index.html (no-cache, strict Content-Security-Policy) so the app's router takes over.
 * Paths with "..", backslashes, NUL or empty segments are never mapped to files. */
#ifndef NH_HTTP_STATIC_FILES_H
#define NH_HTTP_STATIC_FILES_H

#include <stdbool.h>

#include "http/request.h"
#include "http/response.h"

/* The Content-Security-Policy the console is served with. */
extern const char *const STATIC_FILES_CSP;

/* True when it replied; false when there is no web app to serve (caller answers 404).
 * web_dir: the configured directory (NEKOHUB_WEB_DIR), or NULL to look in ./web/dist and
 * beside the binary's build tree. */
bool static_files_serve(const char *web_dir, http_request *request, http_response *response);

/* Content type for a file name by its extension ("application/octet-stream" when unknown). */
const char *static_files_content_type(const char *name);

#endif
