/* mcp_cursor.c - opaque list cursors: base64url of "nh1:<kind>:<offset>". */
#include "mcp/mcp_cursor.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_PREFIX "nh1:"
#define KIND_MAX 16

int mcp_cursor_encode(const char *kind, size_t offset, char out[MCP_CURSOR_SIZE])
{
    out[0] = '\0';
    if (!kind || strlen(kind) > KIND_MAX)
        return -1;
    char plain[48];
    int length = snprintf(plain, sizeof plain, CURSOR_PREFIX "%s:%zu", kind, offset);
    if (length < 0 || (size_t)length >= sizeof plain)
        return -1;
    sodium_bin2base64(out, MCP_CURSOR_SIZE, (const unsigned char *)plain, (size_t)length,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

/* Decimal digits only, no sign, no leading zero (one spelling per offset). */
static int parse_offset(const char *text, size_t *out)
{
    if (!text[0] || strlen(text) > 9 || (text[0] == '0' && text[1]))
        return -1;
    size_t value = 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        value = value * 10 + (size_t)(*c - '0');
    }
    *out = value;
    return 0;
}

int mcp_cursor_decode(const char *kind, const char *cursor, size_t total, size_t *offset)
{
    if (!kind || !cursor || strlen(cursor) >= MCP_CURSOR_SIZE)
        return -1;
    char plain[MCP_CURSOR_SIZE];
    size_t length = 0;
    const char *end = NULL;
    if (sodium_base642bin((unsigned char *)plain, sizeof plain - 1, cursor, strlen(cursor), NULL,
                          &length, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        !end || *end != '\0')
        return -1;
    plain[length] = '\0';
    if (memchr(plain, '\0', length))
        return -1;
    size_t prefix = strlen(CURSOR_PREFIX);
    size_t kind_length = strlen(kind);
    if (length < prefix + kind_length + 2 || memcmp(plain, CURSOR_PREFIX, prefix) != 0 ||
        memcmp(plain + prefix, kind, kind_length) != 0 || plain[prefix + kind_length] != ':')
        return -1;
    size_t value = 0;
    if (parse_offset(plain + prefix + kind_length + 1, &value) != 0 || value >= total)
        return -1;
    *offset = value;
    return 0;
}

void mcp_cursor_page(size_t total, size_t page_size, size_t offset, size_t *end, bool *has_next)
{
    if (page_size == 0)
        page_size = 1;
    size_t last = offset >= total
                      ? total
                      : offset + (page_size < total - offset ? page_size : total - offset);
    *end = last;
    *has_next = last < total;
}
