/* github_repo.c - the profile-scoped repository operations of the GitHub backend: browse
 * (§12.1: one contents call per directory, depth and entry caps, sort, filter, paging) and
 * upsert (§12.2: expectedSha, and the race between our read and our write caught by GitHub's
 * sha). See github.h. */
#include "storage/github.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "storage/github_client.h"
#include "storage/github_paths.h"

/* Entries a browse may collect before it gives up (400 storage_provider_directory_too_large). */
#define GITHUB_BROWSE_ENTRY_CAP 5000

/* ---- browse (§12.1) --------------------------------------------------------------------- */

typedef struct browse_walk {
    storage *backend;
    const storage_github_browse_query *query;
    json_t *items; /* every entry found */
} browse_walk;

static json_t *browse_item(const github_state *state, const json_t *entry)
{
    const char *name = github_json_text(entry, "name");
    const char *path = github_json_text(entry, "path");
    const char *type = github_json_text(entry, "type");
    if (!name || !path || !type)
        return NULL;
    bool is_dir = !strcmp(type, "dir");
    const json_t *size = json_object_get(entry, "size");
    const char *sha = github_json_text(entry, "sha");
    char *url = is_dir ? NULL : github_public_url_of_path(state, path);
    json_t *item = json_pack("{s:s, s:s, s:s, s:b, s:b, s:O?, s:s?, s:s?}", "name", name, "path",
                             github_path_relative(state->base_path, path), "type",
                             is_dir ? "dir" : "file", "isDirectory", is_dir, "isFile", !is_dir,
                             "size", is_dir ? NULL : size, "sha", sha, "publicUrl", url);
    free(url);
    return item;
}

/* List one directory (depth 1 = the requested one) and, when recursive, its subdirectories
 * while depth < max_depth: one API call per directory. */
static int browse_directory(browse_walk *walk, const char *path, int depth, nh_error *err)
{
    const github_state *state = github_state_of(walk->backend);
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "listing %s", path[0] ? path : "/");
    json_t *listing = NULL;
    if (github_get_contents(walk->backend, path, "storage_provider_directory_list_failed", what,
                            &listing, err) != 0)
        return -1;
    if (!listing)
        return error_set(err, 404, "storage_provider_directory_not_found",
                         "The directory '%s' was not found in GitHub storage '%s'.",
                         github_path_relative(state->base_path, path), github_label(walk->backend));
    if (!json_is_array(listing)) {
        json_decref(listing);
        return error_set(err, 400, "storage_provider_directory_expected",
                         "'%s' is a file, not a directory.",
                         github_path_relative(state->base_path, path));
    }
    int rc = 0;
    size_t index;
    json_t *entry;
    json_array_foreach(listing, index, entry)
    {
        if (json_array_size(walk->items) >= GITHUB_BROWSE_ENTRY_CAP) {
            rc = error_set(err, 400, "storage_provider_directory_too_large",
                           "The listing has more than %d entries; browse a subdirectory or a "
                           "smaller depth.",
                           GITHUB_BROWSE_ENTRY_CAP);
            break;
        }
        json_t *item = browse_item(state, entry);
        if (!item)
            continue;
        json_array_append_new(walk->items, item);
        const char *entry_path = github_json_text(entry, "path");
        if (walk->query->recursive && depth < walk->query->max_depth &&
            json_is_true(json_object_get(item, "isDirectory")) &&
            browse_directory(walk, entry_path, depth + 1, err) != 0) {
            rc = -1;
            break;
        }
    }
    json_decref(listing);
    return rc;
}

static int compare_items(const void *left, const void *right)
{
    const json_t *a = *(json_t *const *)left;
    const json_t *b = *(json_t *const *)right;
    bool a_dir = json_is_true(json_object_get(a, "isDirectory"));
    bool b_dir = json_is_true(json_object_get(b, "isDirectory"));
    if (a_dir != b_dir)
        return a_dir ? -1 : 1;
    int by_name = strcasecmp(github_json_text(a, "name"), github_json_text(b, "name"));
    if (by_name)
        return by_name;
    return strcasecmp(github_json_text(a, "path"), github_json_text(b, "path"));
}

static bool item_matches(const json_t *item, const storage_github_browse_query *query)
{
    bool is_dir = json_is_true(json_object_get(item, "isDirectory"));
    if (query->type && !strcmp(query->type, "file") && is_dir)
        return false;
    if (query->type && !strcmp(query->type, "dir") && !is_dir)
        return false;
    if (!query->keyword || !query->keyword[0])
        return true;
    return strcasestr(github_json_text(item, "name"), query->keyword) ||
           strcasestr(github_json_text(item, "path"), query->keyword);
}

/* Sort, filter and page the items into the response. */
static json_t *browse_result(const github_state *state, const storage_github_browse_query *query,
                             const char *requested, json_t *items)
{
    size_t count = json_array_size(items);
    json_t **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (!sorted)
        return NULL;
    for (size_t i = 0; i < count; i++)
        sorted[i] = json_array_get(items, i);
    qsort(sorted, count, sizeof *sorted, compare_items);
    json_t *page = json_array();
    size_t total = 0;
    size_t first = (size_t)(query->page - 1) * (size_t)query->page_size;
    for (size_t i = 0; page && i < count; i++) {
        if (!item_matches(sorted[i], query))
            continue;
        if (total >= first && total < first + (size_t)query->page_size)
            json_array_append(page, sorted[i]);
        total++;
    }
    free(sorted);
    const char *type = query->type ? query->type : "all";
    return page ? json_pack("{s:s, s:b, s:i, s:s, s:s?, s:I, s:i, s:i, s:b, s:s, s:b, s:o}",
                            "requestedPath", requested, "recursive", query->recursive, "maxDepth",
                            query->max_depth, "type", type, "keyword",
                            query->keyword && query->keyword[0] ? query->keyword : NULL, "total",
                            (json_int_t)total, "page", query->page, "pageSize", query->page_size,
                            "hasMore", first + (size_t)query->page_size < total, "visibilityPolicy",
                            state->private_token ? "private-token" : "public-only",
                            "usesControlledRead", state->private_token, "items", page)
                : NULL;
}

int storage_github_browse(storage *backend, const storage_github_browse_query *query,
                          json_t **result, nh_error *err)
{
    *result = NULL;
    if (!storage_github_is(backend))
        return error_internal(err);
    const github_state *state = github_state_of(backend);
    char relative[GITHUB_PATH_SIZE];
    char path[GITHUB_PATH_SIZE];
    if (github_path_normalize(query->path ? query->path : "", true, relative, sizeof relative) !=
            0 ||
        github_path_join(state->base_path, relative, path, sizeof path) != 0)
        return error_set(err, 400, "storage_provider_relative_path_invalid",
                         "The path is not a valid repository path.");
    char *requested = text_trimmed_copy(query->path ? query->path : "");
    browse_walk walk = {backend, query, json_array()};
    int rc = requested && walk.items ? browse_directory(&walk, path, 1, err) : error_internal(err);
    if (rc == 0 && !(*result = browse_result(state, query, requested, walk.items)))
        rc = error_internal(err);
    json_decref(walk.items);
    free(requested);
    return rc;
}

/* ---- upsert (§12.2) --------------------------------------------------------------------- */

/* The current sha of path (NULL when the file does not exist; malloc'ed). */
static int current_sha(const storage *backend, const char *path, const char *what, char **sha,
                       nh_error *err)
{
    *sha = NULL;
    json_t *contents = NULL;
    if (github_get_contents(backend, path, "storage_provider_upsert_failed", what, &contents,
                            err) != 0)
        return -1;
    if (!contents)
        return 0;
    const char *type = json_is_object(contents) ? github_json_text(contents, "type") : NULL;
    const char *found = github_json_text(contents, "sha");
    int rc = 0;
    if (!type || strcmp(type, "file") != 0 || !found)
        rc = error_set(err, 400, "storage_provider_file_expected",
                       "'%s' is not a file in the repository.",
                       github_path_relative(github_state_of(backend)->base_path, path));
    else if (!(*sha = strdup(found)))
        rc = error_internal(err);
    json_decref(contents);
    return rc;
}

static int check_expected_sha(const char *expected, const char *sha, const char *relative,
                              nh_error *err)
{
    if (!expected || !expected[0])
        return 0;
    if (!sha)
        return error_set(err, 409, "storage_provider_upsert_expected_sha_target_missing",
                         "'%s' does not exist, but an expected sha was given.", relative);
    if (strcasecmp(expected, sha) != 0)
        return error_set(err, 409, "storage_provider_upsert_expected_sha_conflict",
                         "'%s' has changed: its sha is %s, not the expected %s.", relative, sha,
                         expected);
    return 0;
}

/* The PUT answer of an upsert: 0 with *new_sha (malloc'ed), or -1. A 409 (the sha we sent is
 * no longer the file's) or a 422 after sending no sha (the file appeared meanwhile) is the race
 * between our read and our write: 409 storage_provider_upsert_conflict. */
static int upsert_answer(const storage *backend, const remote_http_response *response,
                         bool sent_sha, const char *relative, const char *what, char **new_sha,
                         nh_error *err)
{
    *new_sha = NULL;
    if (response->status == 409 || (response->status == 422 && !sent_sha)) {
        char detail[GITHUB_DETAIL_MAX + 8];
        github_detail(github_state_of(backend), response, detail, sizeof detail);
        return error_set(err, 409, "storage_provider_upsert_conflict",
                         "'%s' was changed by someone else while it was written; read it again "
                         "and retry (GitHub: %s).",
                         relative, detail);
    }
    if (response->status != 200 && response->status != 201)
        return github_refusal(backend, response, "storage_provider_upsert_failed", what, err);
    json_t *result = github_parse_result(response);
    const char *sha = github_json_text(json_object_get(result, "content"), "sha");
    int rc = 0;
    if (!sha)
        rc = error_set(err, 502, "storage_provider_upsert_result_invalid",
                       "GitHub storage '%s' gave no sha for the written file '%s'.",
                       github_label(backend), relative);
    else if (!(*new_sha = strdup(sha)))
        rc = error_internal(err);
    json_decref(result);
    return rc;
}

/* The §12.2 response object without profileId. */
static json_t *upsert_result(const github_state *state, const char *relative, const char *full,
                             bool updated, size_t size, const char *new_sha)
{
    char *url = github_public_url_of_path(state, full);
    json_t *result =
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:b, s:s?}", "path", relative, "operation",
                  updated ? "updated" : "created", "size", (json_int_t)size, "sha", new_sha,
                  "visibilityPolicy", state->private_token ? "private-token" : "public-only",
                  "usesControlledRead", state->private_token, "publicUrl", url);
    free(url);
    return result;
}

/* PUT the bytes over the file whose sha we read (NULL: create); *new_sha (malloc'ed). */
static int upsert_write(const storage *backend, const char *full, const char *relative,
                        const char *sha, const char *commit_message, const unsigned char *bytes,
                        size_t size, char **new_sha, nh_error *err)
{
    *new_sha = NULL;
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "writing %s", full);
    char *message =
        github_commit_message(commit_message, NULL, sha ? "update" : "create", relative);
    if (!message)
        return error_internal(err);
    github_write write_request = {full, message, sha, {-1, bytes, size}};
    remote_http_response response;
    int rc = github_put_contents(backend, &write_request, what, &response, err);
    if (rc == 0)
        rc = upsert_answer(backend, &response, sha != NULL, relative, what, new_sha, err);
    remote_http_response_free(&response);
    free(message);
    return rc;
}

int storage_github_upsert(storage *backend, const char *path, const unsigned char *bytes,
                          size_t size, const char *commit_message, const char *expected_sha,
                          json_t **result, nh_error *err)
{
    *result = NULL;
    if (!storage_github_is(backend))
        return error_internal(err);
    const github_state *state = github_state_of(backend);
    char relative[GITHUB_PATH_SIZE];
    char full[GITHUB_PATH_SIZE];
    if (!path || github_path_normalize(path, false, relative, sizeof relative) != 0 ||
        github_path_join(state->base_path, relative, full, sizeof full) != 0)
        return error_set(err, 400, "storage_provider_relative_path_invalid",
                         "The path is not a valid repository path.");
    char what[GITHUB_PATH_SIZE + 16];
    snprintf(what, sizeof what, "reading %s", full);
    char *sha = NULL;
    if (current_sha(backend, full, what, &sha, err) != 0)
        return -1;
    char *new_sha = NULL;
    int rc = check_expected_sha(expected_sha, sha, relative, err);
    if (rc == 0)
        rc = upsert_write(backend, full, relative, sha, commit_message, bytes, size, &new_sha, err);
    if (rc == 0 && !(*result = upsert_result(state, relative, full, sha != NULL, size, new_sha)))
        rc = error_internal(err);
    free(new_sha);
    free(sha);
    return rc;
}
