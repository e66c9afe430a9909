/* uuid.c - UUID v7 generation and GUID parsing. */
#include "core/uuid.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "core/clock.h"

static pthread_mutex_t uuid_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t uuid_last_ms = -1;
static uint16_t uuid_counter; /* 12 bits used */

static void format_bytes(const unsigned char bytes[16], char out[UUID_TEXT_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    size_t position = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[position++] = '-';
        out[position++] = hex[bytes[i] >> 4];
        out[position++] = hex[bytes[i] & 0x0F];
    }
    out[position] = '\0';
}

void uuid_v7_at(int64_t unix_ms, char out[UUID_TEXT_SIZE])
{
    unsigned char bytes[16];
    randombytes_buf(bytes, sizeof bytes);

    pthread_mutex_lock(&uuid_lock);
    if (unix_ms > uuid_last_ms) {
        uuid_last_ms = unix_ms;
        uuid_counter = (uint16_t)(((bytes[6] << 8) | bytes[7]) & 0x03FF); /* leave headroom */
    } else {
        unix_ms = uuid_last_ms;
        uuid_counter++;
        if (uuid_counter > 0x0FFF) { /* counter exhausted: borrow the next millisecond */
            uuid_last_ms++;
            unix_ms = uuid_last_ms;
            uuid_counter = 0;
        }
    }
    uint16_t counter = uuid_counter;
    pthread_mutex_unlock(&uuid_lock);

    uint64_t ms = (uint64_t)unix_ms;
    for (int i = 0; i < 6; i++)
        bytes[i] = (unsigned char)(ms >> (40 - 8 * i));
    bytes[6] = (unsigned char)(0x70 | ((counter >> 8) & 0x0F));
    bytes[7] = (unsigned char)(counter & 0xFF);
    bytes[8] = (unsigned char)(0x80 | (bytes[8] & 0x3F));
    format_bytes(bytes, out);
}

void uuid_v7(char out[UUID_TEXT_SIZE])
{
    uuid_v7_at(clock_now_ms(), out);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool uuid_parse(const char *text, char out[UUID_TEXT_SIZE])
{
    if (!text)
        return false;
    size_t length = strlen(text);
    if (length >= 2 && text[0] == '{' && text[length - 1] == '}') {
        text++;
        length -= 2;
    }
    bool hyphenated = length == 36;
    if (!hyphenated && length != 32)
        return false;
    unsigned char bytes[16];
    size_t byte_index = 0;
    for (size_t i = 0; i < length;) {
        if (hyphenated && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (text[i] != '-')
                return false;
            i++;
            continue;
        }
        int high = hex_value(text[i]);
        int low = hex_value(text[i + 1]);
        if (high < 0 || low < 0 || byte_index >= 16)
            return false;
        bytes[byte_index++] = (unsigned char)(high << 4 | low);
        i += 2;
    }
    if (byte_index != 16)
        return false;
    format_bytes(bytes, out);
    return true;
}
