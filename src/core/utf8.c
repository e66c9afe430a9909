/* utf8.c - strict UTF-8 decoding and Unicode White_Space. */
#include "core/utf8.h"

/* The shape of a UTF-8 sequence, from its lead byte. */
typedef struct utf8_lead {
    size_t continuation_bytes; /* 0 for ASCII */
    uint32_t value_bits;       /* the payload bits of the lead byte */
    uint32_t minimum;          /* smallest code point this length may encode (no overlongs) */
} utf8_lead;

static int read_lead(unsigned char lead, utf8_lead *out)
{
    if (lead < 0x80)
        *out = (utf8_lead){0, lead, 0};
    else if (lead >= 0xC2 && lead <= 0xDF)
        *out = (utf8_lead){1, lead & 0x1Fu, 0x80};
    else if (lead >= 0xE0 && lead <= 0xEF)
        *out = (utf8_lead){2, lead & 0x0Fu, 0x800};
    else if (lead >= 0xF0 && lead <= 0xF4)
        *out = (utf8_lead){3, lead & 0x07u, 0x10000};
    else
        return -1;
    return 0;
}

int utf8_next(const char *text, size_t length, size_t *pos, uint32_t *code_point)
{
    const unsigned char *bytes = (const unsigned char *)text;
    if (*pos >= length)
        return -1;
    utf8_lead lead;
    if (read_lead(bytes[*pos], &lead) != 0)
        return -1;
    if (length - *pos <= lead.continuation_bytes)
        return -1;
    uint32_t value = lead.value_bits;
    for (size_t i = 1; i <= lead.continuation_bytes; i++) {
        unsigned char next = bytes[*pos + i];
        if ((next & 0xC0) != 0x80)
            return -1;
        value = (value << 6) | (next & 0x3Fu);
    }
    if (value < lead.minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return -1;
    *pos += lead.continuation_bytes + 1;
    *code_point = value;
    return 0;
}

size_t utf8_sequence_length(const char *text, size_t available)
{
    size_t pos = 0;
    uint32_t code_point;
    if (utf8_next(text, available, &pos, &code_point) != 0)
        return 0;
    return pos;
}

bool utf8_is_white_space(uint32_t code_point)
{
    return (code_point >= 0x09 && code_point <= 0x0D) || code_point == 0x20 || code_point == 0x85 ||
           code_point == 0xA0 || code_point == 0x1680 ||
           (code_point >= 0x2000 && code_point <= 0x200A) || code_point == 0x2028 ||
           code_point == 0x2029 || code_point == 0x202F || code_point == 0x205F ||
           code_point == 0x3000;
}
