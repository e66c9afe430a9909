/* mcp_schema.c - tool argument checking against the JSON Schema subset of mcp_schema.h. */
#include "mcp/mcp_schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "core/uuid.h"

/* Argument names are quoted in messages; longer ones are cut (the name is the client's). */
#define NAME_SHOWN 64

static int fail(mcp_schema_error *error, const char *code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(mcp_schema_error *error, const char *code, const char *format, ...)
{
    error->code = code;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    text_utf8_scrub(error->message);
    return -1;
}

/* ---- types ------------------------------------------------------------------------------ */

static bool is_integral(const json_t *value)
{
    if (json_is_integer(value))
        return true;
    if (!json_is_real(value))
        return false;
    double number = json_real_value(value);
    return isfinite(number) && floor(number) == number && fabs(number) < 9007199254740992.0;
}

static bool has_type(const json_t *value, const char *type)
{
    if (!strcmp(type, "string"))
        return json_is_string(value);
    if (!strcmp(type, "integer"))
        return is_integral(value);
    if (!strcmp(type, "number"))
        return json_is_number(value);
    if (!strcmp(type, "boolean"))
        return json_is_boolean(value);
    if (!strcmp(type, "object"))
        return json_is_object(value);
    if (!strcmp(type, "array"))
        return json_is_array(value);
    if (!strcmp(type, "null"))
        return json_is_null(value);
    return false;
}

/* Does value match the schema's "type" (a name or an array of names)? */
static bool matches_type(const json_t *schema, const json_t *value)
{
    const json_t *type = json_object_get(schema, "type");
    if (json_is_string(type))
        return has_type(value, json_string_value(type));
    size_t index;
    const json_t *name;
    json_array_foreach(type, index, name)
    {
        if (json_is_string(name) && has_type(value, json_string_value(name)))
            return true;
    }
    return false;
}

/* "a string", "an integer or null", ... for messages. */
static void describe_type(const json_t *schema, char *out, size_t size)
{
    const json_t *type = json_object_get(schema, "type");
    out[0] = '\0';
    size_t used = 0;
    size_t count = json_is_array(type) ? json_array_size(type) : 1;
    for (size_t i = 0; i < count; i++) {
        const json_t *name = json_is_array(type) ? json_array_get(type, i) : type;
        const char *text = json_string_value(name);
        if (!text)
            continue;
        bool vowel = strchr("aeiou", text[0]) != NULL;
        const char *article = !strcmp(text, "null") ? "" : vowel ? "an " : "a ";
        int written =
            snprintf(out + used, size - used, "%s%s%s", i == 0 ? "" : " or ", article, text);
        if (written < 0 || (size_t)written >= size - used)
            return;
        used += (size_t)written;
    }
}

/* ---- one value ---------------------------------------------------------------------------- */

static int check_value(const json_t *schema, const json_t *value, const char *label,
                       mcp_schema_error *error);

static int check_string(const json_t *schema, const json_t *value, const char *label,
                        mcp_schema_error *error)
{
    const json_t *min_length = json_object_get(schema, "minLength");
    const char *text = json_string_value(value);
    if (json_is_integer(min_length) &&
        (json_int_t)text_utf8_length(text) < json_integer_value(min_length))
        return fail(error, MCP_SCHEMA_ARGUMENTS_INVALID,
                    "The argument %s must have at least %lld character(s).", label,
                    (long long)json_integer_value(min_length));
    const char *format = json_string_value(json_object_get(schema, "format"));
    char canonical[UUID_TEXT_SIZE];
    if (format && !strcmp(format, "uuid") && !uuid_parse(text, canonical))
        return fail(error, MCP_SCHEMA_ARGUMENT_INVALID, "The argument %s is not a valid GUID.",
                    label);
    return 0;
}

static int check_items(const json_t *schema, const json_t *array, const char *label,
                       mcp_schema_error *error)
{
    const json_t *items = json_object_get(schema, "items");
    if (!json_is_object(items))
        return 0;
    size_t index;
    const json_t *item;
    json_array_foreach(array, index, item)
    {
        char item_label[NAME_SHOWN + 48];
        snprintf(item_label, sizeof item_label, "%s (item %zu)", label, index);
        if (check_value(items, item, item_label, error) != 0)
            return -1;
    }
    return 0;
}

static int check_value(const json_t *schema, const json_t *value, const char *label,
                       mcp_schema_error *error)
{
    if (!matches_type(schema, value)) {
        char expected[96];
        describe_type(schema, expected, sizeof expected);
        return fail(error, MCP_SCHEMA_ARGUMENTS_INVALID, "The argument %s must be %s.", label,
                    expected);
    }
    if (json_is_string(value))
        return check_string(schema, value, label, error);
    if (json_is_array(value))
        return check_items(schema, value, label, error);
    return 0;
}

/* ---- the arguments object ------------------------------------------------------------------ */

static void quote(const char *name, char *out, size_t size)
{
    snprintf(out, size, "'%.*s'", NAME_SHOWN, name);
}

static int check_unknown(const json_t *properties, const json_t *arguments, mcp_schema_error *error)
{
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)arguments, name, value)
    {
        (void)value;
        if (json_object_get(properties, name))
            continue;
        char label[NAME_SHOWN + 3];
        quote(name, label, sizeof label);
        return fail(error, MCP_SCHEMA_ARGUMENTS_INVALID, "Unknown argument %s.", label);
    }
    return 0;
}

static int check_required(const json_t *schema, const json_t *arguments, mcp_schema_error *error)
{
    size_t index;
    const json_t *name;
    json_array_foreach(json_object_get(schema, "required"), index, name)
    {
        const char *text = json_string_value(name);
        if (!text || json_object_get(arguments, text))
            continue;
        char label[NAME_SHOWN + 3];
        quote(text, label, sizeof label);
        return fail(error, MCP_SCHEMA_ARGUMENTS_INVALID, "The argument %s is required.", label);
    }
    return 0;
}

int mcp_schema_check(const json_t *schema, const json_t *arguments, mcp_schema_error *error)
{
    if (arguments && json_is_null(arguments))
        arguments = NULL;
    if (arguments && !json_is_object(arguments))
        return fail(error, MCP_SCHEMA_ARGUMENTS_INVALID, "The arguments must be a JSON object.");
    const json_t *properties = json_object_get(schema, "properties");
    if (arguments && check_unknown(properties, arguments, error) != 0)
        return -1;
    if (check_required(schema, arguments, error) != 0)
        return -1;
    if (!arguments)
        return 0;
    const char *name;
    const json_t *property;
    json_object_foreach((json_t *)properties, name, property)
    {
        const json_t *value = json_object_get(arguments, name);
        char label[NAME_SHOWN + 3];
        quote(name, label, sizeof label);
        if (value && check_value(property, value, label, error) != 0)
            return -1;
    }
    return 0;
}

/* ---- the supported subset ------------------------------------------------------------------ */

static bool known_type_name(const json_t *name)
{
    static const char *const names[] = {"string", "integer", "number", "boolean",
                                        "object", "array",   "null"};
    const char *text = json_string_value(name);
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(text, names[i]))
            return true;
    return false;
}

static bool supported_type(const json_t *type)
{
    if (json_is_string(type))
        return known_type_name(type);
    if (!json_is_array(type) || json_array_size(type) == 0)
        return false;
    size_t index;
    const json_t *name;
    json_array_foreach(type, index, name)
    {
        if (!known_type_name(name))
            return false;
    }
    return true;
}

static bool supported_property(const json_t *property, int depth, char *problem)
{
    static const char *const keywords[] = {
        "type",    "description", "format",  "minLength",       "items",
        "minimum", "maximum",     "default", "contentEncoding", "additionalProperties"};
    if (!json_is_object(property) || !supported_type(json_object_get(property, "type")))
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "a property without a known type"), false;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)property, key, value)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            known = known || !strcmp(key, keywords[i]);
        if (!known)
            return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "unsupported keyword '%.64s'", key),
                   false;
    }
    const char *format = json_string_value(json_object_get(property, "format"));
    if (json_object_get(property, "format") && (!format || strcmp(format, "uuid") != 0))
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "unsupported format"), false;
    const json_t *min_length = json_object_get(property, "minLength");
    if (min_length && !json_is_integer(min_length))
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "minLength is not an integer"), false;
    const json_t *items = json_object_get(property, "items");
    if (items && (depth > 2 || !supported_property(items, depth + 1, problem)))
        return false;
    return true;
}

bool mcp_schema_supported(const json_t *schema, char problem[MCP_SCHEMA_PROBLEM_SIZE])
{
    problem[0] = '\0';
    const json_t *type = json_object_get(schema, "type");
    if (!json_is_object(schema) || !json_is_string(type) ||
        strcmp(json_string_value(type), "object") != 0)
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "not an object schema"), false;
    if (!json_is_false(json_object_get(schema, "additionalProperties")))
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "additionalProperties is not false"),
               false;
    const json_t *properties = json_object_get(schema, "properties");
    if (!json_is_object(properties))
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "no properties object"), false;
    const char *name;
    const json_t *property;
    json_object_foreach((json_t *)properties, name, property)
    {
        if (!supported_property(property, 0, problem))
            return false;
    }
    const json_t *required = json_object_get(schema, "required");
    size_t index;
    const json_t *entry;
    if (required && !json_is_array(required))
        return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "required is not an array"), false;
    json_array_foreach(required, index, entry)
    {
        if (!json_is_string(entry) || !json_object_get(properties, json_string_value(entry)))
            return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE,
                            "required names a property that does not exist"),
                   false;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)schema, key, value)
    {
        (void)value;
        if (strcmp(key, "type") && strcmp(key, "properties") && strcmp(key, "required") &&
            strcmp(key, "additionalProperties"))
            return snprintf(problem, MCP_SCHEMA_PROBLEM_SIZE, "unsupported keyword '%.64s'", key),
                   false;
    }
    return true;
}
