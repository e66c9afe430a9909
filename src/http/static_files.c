/* static_files.c - the web app's files and the single-page-app fallback. */
#include "http/static_files.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const STATIC_FILES_CSP =
    "default-src 'self'; img-src 'self' data: blob: https: http:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

typedef struct extension_type {
    const char *extension;
    const char *type;
} extension_type;

static const extension_type known_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

const char *static_files_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof known_types / sizeof known_types[0]; i++)
            if (!strcasecmp(dot, known_types[i].extension))
                return known_types[i].type;
    return "application/octet-stream";
}

/* The web directory: NEKOHUB_WEB_DIR, else ./web/dist, else web/dist beside the build tree of
 * the running binary (build/<kind>/nekohub -> ../../web/dist). */
static bool find_web_dir(const char *configured, char *out, size_t size)
{
    struct stat info;
    if (configured) {
        int written = snprintf(out, size, "%s", configured);
        return written > 0 && (size_t)written < size && stat(out, &info) == 0 &&
               S_ISDIR(info.st_mode);
    }
    snprintf(out, size, "web/dist");
    if (stat(out, &info) == 0 && S_ISDIR(info.st_mode))
        return true;
    char executable[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", executable, sizeof executable - 1);
    if (length <= 0)
        return false;
    executable[length] = '\0';
    char *slash = strrchr(executable, '/');
    if (!slash)
        return false;
    *slash = '\0';
    int written = snprintf(out, size, "%s/../../web/dist", executable);
    return written > 0 && (size_t)written < size && stat(out, &info) == 0 && S_ISDIR(info.st_mode);
}

static bool safe_relative_path(const char *path)
{
    if (path[0] != '/' || strstr(path, "..") || strchr(path, '\\') || strstr(path, "//") ||
        strchr(path, '%'))
        return false;
    return true;
}

static bool send_file(http_response *response, const char *file_path, const char *cache_control,
                      bool is_index)
{
    int descriptor = open(file_path, O_RDONLY | O_CLOEXEC);
    if (descriptor < 0)
        return false;
    struct stat info;
    if (fstat(descriptor, &info) != 0 || !S_ISREG(info.st_mode)) {
        close(descriptor);
        return false;
    }
    http_reply_file(response, 200, static_files_content_type(file_path), descriptor, 0,
                    (uint64_t)info.st_size);
    http_response_header(response, "Cache-Control", cache_control);
    if (is_index) {
        http_response_header(response, "Content-Security-Policy", STATIC_FILES_CSP);
        http_response_header(response, "X-Frame-Options", "DENY");
        http_response_header(response, "Referrer-Policy", "same-origin");
    }
    return true;
}

bool static_files_serve(const char *configured_web_dir, http_request *request,
                        http_response *response)
{
    char web_dir[PATH_MAX];
    if (!find_web_dir(configured_web_dir, web_dir, sizeof web_dir))
        return false;
    char file_path[PATH_MAX];
    const char *path = request->path;
    if (safe_relative_path(path) && strcmp(path, "/") != 0) {
        int written = snprintf(file_path, sizeof file_path, "%s%s", web_dir, path);
        bool hashed = strncmp(path, "/assets/", 8) == 0;
        if (written > 0 && (size_t)written < sizeof file_path &&
            send_file(response, file_path,
                      hashed ? "public, max-age=31536000, immutable" : "public, max-age=300",
                      false))
            return true;
    }
    /* A missing build file (/assets/index-1a2b.js) is a 404, not the app's page: only paths
     * without an extension in the last segment are console routes. */
    const char *last_segment = strrchr(path, '/');
    if (last_segment && strchr(last_segment, '.'))
        return false;
    int written = snprintf(file_path, sizeof file_path, "%s/index.html", web_dir);
    if (written <= 0 || (size_t)written >= sizeof file_path)
        return false;
    return send_file(response, file_path, "no-cache", true);
}
