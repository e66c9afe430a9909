/* mcp_schema.h - checking a tool's arguments against its input schema (issue 13: schemas are
 * enforced, not advisory). Pure: no I/O, no state, thread-safe.
 *
 * The schemas are NekoHub's own (mcp_tools.c), written in a small subset of JSON Schema that
 * this module understands completely; mcp_schema_supported() refuses anything else, so a
 * keyword can never be silently ignored:
 *
 *   object schema   {"type":"object","properties":{...},"required":[...],
 *                    "additionalProperties":false}
 *   property schema {"type": T or [T, ...]} with T among string, integer, number, boolean,
 *                   object, array, null; optional "description", "format":"uuid" (strings),
 *                   "minLength" (strings, counted in characters), "contentEncoding":"base64"
 *                   (documentation only), "items" (arrays: a property schema), "minimum",
 *                   "maximum" (documentation only: ranges are the tool's own domain checks,
 *                   with their own codes), "default" (documentation only), "additionalProperties"
 *                   (objects: documentation only, any member is accepted)
 *
 * Rules: property names match exactly as the schema spells them; an argument the schema does
 * not name is refused; a required one must be present; JSON null is accepted only where the
 * type lists "null"; integers must be JSON numbers without a fraction; numbers must be JSON
 * numbers (no numeric strings). Errors, in this order (the first one wins):
 *   tool_arguments_invalid  the arguments are not an object, an unknown argument, a missing
 *                           required one, a wrong type, a string under minLength
 *   tool_argument_invalid   a string (or an array item) with "format":"uuid" that is not a GUID
 * The message names the argument. */
#ifndef NH_MCP_SCHEMA_H
#define NH_MCP_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>

#define MCP_SCHEMA_ARGUMENTS_INVALID "tool_arguments_invalid"
#define MCP_SCHEMA_ARGUMENT_INVALID "tool_argument_invalid"

typedef struct mcp_schema_error {
    const char *code; /* one of the two codes above (static) */
    char message[320];
} mcp_schema_error;

/* Check arguments (NULL or JSON null = none given) against schema. 0 when they conform;
 * -1 with error filled otherwise. */
int mcp_schema_check(const json_t *schema, const json_t *arguments, mcp_schema_error *error);

/* Is schema an object schema written in the subset above? false with a reason in problem
 * (size 160) otherwise. Used once at start-up for every tool and by the unit tests. */
#define MCP_SCHEMA_PROBLEM_SIZE 160
bool mcp_schema_supported(const json_t *schema, char problem[MCP_SCHEMA_PROBLEM_SIZE]);

#endif
