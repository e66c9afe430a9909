/* vision.c - the pure parts of the vision client (see vision.h). */
#include "ai/vision.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json_input.h"
#include "core/text.h"

void vision_caption_clear(vision_caption *caption)
{
    if (!caption)
        return;
    free(caption->caption);
    free(caption->alt_text);
    json_decref(caption->tags);
    free(caption->model);
    memset(caption, 0, sizeof *caption);
}

/* ---- the request ------------------------------------------------------------------------------
 */

/* Where the path of an absolute URL starts (after "scheme://authority"), and where its query
 * starts (or the end). */
static void url_parts(const char *url, size_t *path_start, size_t *query_start)
{
    const char *authority = strstr(url, "://");
    const char *path = authority ? authority + 3 : url;
    path += strcspn(path, "/?#");
    *path_start = (size_t)(path - url);
    *query_start = *path_start + strcspn(path, "?#");
}

char *vision_endpoint_url(const char *base)
{
    size_t path_start, query_start;
    url_parts(base, &path_start, &query_start);
    size_t path_end = query_start;
    while (path_end > path_start && base[path_end - 1] == '/')
        path_end--;
    bool ends_v1 = path_end - path_start >= 3 && !strncasecmp(base + path_end - 3, "/v1", 3);
    buf url;
    buf_init(&url, 0);
    buf_append(&url, base, path_end);
    buf_append_str(&url, ends_v1 ? "/chat/completions" : "/v1/chat/completions");
    buf_append_str(&url, base + query_start);
    return buf_detach(&url);
}

/* A trimmed copy as a JSON string (NULL when out of memory). */
static json_t *trimmed_string(const char *text)
{
    char *trimmed = text_trimmed_copy(text ? text : "");
    json_t *value = trimmed ? json_string(trimmed) : NULL;
    free(trimmed);
    return value;
}

char *vision_request_body(const char *model, const char *system_prompt, const char *user_prompt,
                          const char *image_data_url, bool stream)
{
    json_t *body =
        json_pack("{s:o, s:{s:s}, s:[{s:s, s:o}, {s:s, s:[{s:s, s:o}, {s:s, s:{s:o}}]}]}", "model",
                  trimmed_string(model), "response_format", "type", "json_object", "messages",
                  "role", "system", "content", trimmed_string(system_prompt), "role", "user",
                  "content", "type", "text", "text", trimmed_string(user_prompt), "type",
                  "image_url", "image_url", "url", trimmed_string(image_data_url));
    if (body && stream && json_object_set_new(body, "stream", json_true()) != 0) {
        json_decref(body);
        return NULL;
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

/* ---- the content ------------------------------------------------------------------------------
 */

static int content_append_depth(const json_t *content, buf *out, int depth)
{
    if (depth > 16 || !content)
        return 0;
    if (json_is_string(content))
        return buf_append(out, json_string_value(content), json_string_length(content));
    if (json_is_array(content)) {
        size_t index;
        const json_t *item;
        json_array_foreach(content, index, item)
        {
            if ((json_is_string(item) || json_is_object(item)) &&
                content_append_depth(item, out, depth + 1) != 0)
                return -1;
        }
        return 0;
    }
    if (!json_is_object(content))
        return 0;
    const json_t *text = json_object_get(content, "text");
    if (json_is_string(text))
        return content_append_depth(text, out, depth + 1);
    const json_t *value = json_object_get(text, "value");
    if (json_is_string(value))
        return content_append_depth(value, out, depth + 1);
    return content_append_depth(json_object_get(content, "content"), out, depth + 1);
}

int vision_content_append(const json_t *content, buf *out)
{
    return content_append_depth(content, out, 0);
}

char *vision_completion_content(const json_t *completion, bool *failed)
{
    *failed = false;
    size_t index;
    const json_t *choice;
    json_array_foreach(json_object_get(completion, "choices"), index, choice)
    {
        buf text;
        buf_init(&text, 0);
        int rc = buf_append(&text, "", 0);
        if (rc == 0)
            rc = vision_content_append(
                json_object_get(json_object_get(choice, "message"), "content"), &text);
        if (rc != 0) {
            buf_free(&text);
            *failed = true;
            return NULL;
        }
        if (!text_is_blank(text.data)) {
            char *trimmed = text_trimmed_copy(text.data);
            buf_free(&text);
            *failed = trimmed == NULL;
            return trimmed;
        }
        buf_free(&text);
    }
    return NULL;
}

const char *vision_reported_model(const json_t *payload)
{
    const char *model = json_string_value(json_object_get(payload, "model"));
    return model && !text_is_blank(model) ? model : NULL;
}

/* ---- server-sent events -----------------------------------------------------------------------
 */

void vision_sse_init(vision_sse *sse)
{
    memset(sse, 0, sizeof *sse);
    buf_init(&sse->content, VISION_RESPONSE_MAX);
}

void vision_sse_free(vision_sse *sse)
{
    buf_free(&sse->content);
    free(sse->model);
    memset(sse, 0, sizeof *sse);
}

/* One JSON event: its model and every choice's delta content, fragments kept as they are. */
static void sse_event(vision_sse *sse, const char *payload, size_t length)
{
    json_t *event = json_loadb(payload, length, 0, NULL);
    if (!event) {
        sse->invalid = true;
        return;
    }
    const char *model = vision_reported_model(event);
    if (model) {
        char *copy = strdup(model);
        if (!copy)
            sse->failed = true;
        free(sse->model);
        sse->model = copy;
    }
    size_t index;
    const json_t *choice;
    json_array_foreach(json_object_get(event, "choices"), index, choice)
    {
        const json_t *delta = json_object_get(choice, "delta");
        if (vision_content_append(json_object_get(delta, "content"), &sse->content) != 0)
            sse->failed = true;
    }
    json_decref(event);
}

/* One line (without its line end): "data:" lines only, payload trimmed, [DONE] ends. */
static void sse_line(vision_sse *sse, const char *line, size_t length)
{
    if (length > 0 && line[length - 1] == '\r')
        length--;
    if (length < 5 || strncasecmp(line, "data:", 5) != 0)
        return;
    size_t start, end;
    text_trim_bounds(line + 5, length - 5, &start, &end);
    const char *payload = line + 5 + start;
    size_t payload_length = end - start;
    sse->saw_data = true;
    if (payload_length == 6 && !memcmp(payload, "[DONE]", 6)) {
        sse->done = true;
        return;
    }
    if (payload_length > 0)
        sse_event(sse, payload, payload_length);
}

static bool sse_over(const vision_sse *sse)
{
    return sse->done || sse->invalid || sse->failed;
}

bool vision_sse_feed(vision_sse *sse, const char *body, size_t length)
{
    while (!sse_over(sse) && sse->consumed < length) {
        const char *start = body + sse->consumed;
        const char *newline = memchr(start, '\n', length - sse->consumed);
        if (!newline)
            break;
        sse_line(sse, start, (size_t)(newline - start));
        sse->consumed = (size_t)(newline - body) + 1;
    }
    return sse_over(sse);
}

void vision_sse_finish(vision_sse *sse, const char *body, size_t length)
{
    if (vision_sse_feed(sse, body, length) || sse->consumed >= length)
        return;
    sse_line(sse, body + sse->consumed, length - sse->consumed);
    sse->consumed = length;
}

/* ---- the caption ------------------------------------------------------------------------------
 */

char *vision_strip_code_fence(const char *content)
{
    char *text = text_trimmed_copy(content ? content : "");
    if (!text || strncmp(text, "```", 3) != 0)
        return text;
    size_t start = 3;
    const char *newline = strchr(text + 3, '\n');
    if (newline) {
        start = (size_t)(newline - text) + 1; /* the opening line holds the language tag */
    } else {
        while (isalnum((unsigned char)text[start]) || text[start] == '_' || text[start] == '-')
            start++;
    }
    size_t end = strlen(text);
    if (end >= start + 3 && !strcmp(text + end - 3, "```"))
        end -= 3;
    text[end] = '\0';
    char *inner = text_trimmed_copy(text + start);
    free(text);
    return inner;
}

static int response_invalid(nh_error *err, const char *message)
{
    return error_set(err, 502, "ai_provider_response_invalid", "%s", message);
}

/* "tags" as an array: the model's array, or a comma-separated string split; NULL otherwise. */
static json_t *tags_of(const json_t *value)
{
    if (json_is_array(value))
        return json_incref((json_t *)value);
    if (!json_is_string(value))
        return NULL;
    json_t *tags = json_array();
    char *copy = strdup(json_string_value(value));
    char *save = NULL;
    for (char *part = copy ? strtok_r(copy, ",", &save) : NULL; tags && part;
         part = strtok_r(NULL, ",", &save))
        json_array_append_new(tags, json_string(part));
    free(copy);
    return tags;
}

/* A trimmed copy of a non-blank string member, else NULL (*failed on no memory). */
static char *member_text(const json_t *object, const char *name, bool *failed)
{
    const char *value = json_string_value(json_input_get(object, name));
    if (!value || text_is_blank(value))
        return NULL;
    char *copy = text_trimmed_copy(value);
    if (!copy)
        *failed = true;
    return copy;
}

int vision_caption_parse(const char *content, const char *model, vision_caption *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    char *inner = vision_strip_code_fence(content);
    if (!inner)
        return error_internal(err);
    json_t *object = json_loads(inner, JSON_REJECT_DUPLICATES, NULL);
    free(inner);
    if (!json_is_object(object)) {
        json_decref(object);
        return response_invalid(err, "OpenAI vision response content was not valid JSON.");
    }
    bool failed = false;
    out->caption = member_text(object, "caption", &failed);
    out->alt_text = member_text(object, "altText", &failed);
    out->tags = tags_of(json_input_get(object, "tags"));
    out->model = strdup(model ? model : "");
    json_decref(object);
    if (failed || !out->model) {
        vision_caption_clear(out);
        return error_internal(err);
    }
    if (!out->caption) {
        vision_caption_clear(out);
        return response_invalid(err,
                                "OpenAI vision response content did not contain a caption field.");
    }
    return 0;
}

const char *vision_api_error_text(const json_t *body)
{
    const json_t *error = json_object_get(body, "error");
    const char *text = json_string_value(json_object_get(error, "message"));
    if (!text)
        text = json_string_value(error);
    if (!text)
        text = json_string_value(json_object_get(body, "message"));
    return text && !text_is_blank(text) ? text : NULL;
}

void vision_sanitize(char *message, size_t size, const char *api_key)
{
    char *key = api_key ? text_trimmed_copy(api_key) : NULL;
    if (key)
        text_redact(message, key);
    free(key);
    char *clean = text_sanitized(message);
    if (clean)
        text_copy_utf8(message, size, clean);
    else
        text_copy_utf8(message, size, "The AI provider request failed.");
    free(clean);
}
