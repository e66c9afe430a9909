/* mcp_cursor.h - the opaque cursors of tools/list and resources/list (issue 13: the lists
 * paginate). A cursor names the list it belongs to and where the next page starts; clients
 * must treat it as opaque (it is base64url text). Pure, thread-safe. */
#ifndef NH_MCP_CURSOR_H
#define NH_MCP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>

#define MCP_CURSOR_SIZE 64

/* The cursor of the page of list `kind` ("tools", "resources"; at most 16 characters) that
 * starts at offset. 0, or -1 when kind is too long. */
int mcp_cursor_encode(const char *kind, size_t offset, char out[MCP_CURSOR_SIZE]);

/* The offset named by cursor, when it is a cursor of list `kind` pointing inside a list of
 * `total` entries (0 <= offset < total). 0, or -1 for anything else (not base64url, another
 * list's cursor, an offset out of range): the caller answers -32602. */
int mcp_cursor_decode(const char *kind, const char *cursor, size_t total, size_t *offset);

/* One page of a list of total entries from offset: its end (exclusive) and whether a next
 * page exists (then its cursor is the one of offset *end). */
void mcp_cursor_page(size_t total, size_t page_size, size_t offset, size_t *end, bool *has_next);

#endif
