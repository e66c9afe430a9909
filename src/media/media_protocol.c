/* media_protocol.c - encoding and decoding of media worker messages (see media_protocol.h). */
#include "media/media_protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REQUEST_MAGIC 0x514d4b4eu /* "NKMQ" little-endian */
#define REPLY_MAGIC 0x524d4b4eu   /* "NKMR" little-endian */

static void put_u16(uint8_t *at, uint16_t value)
{
    at[0] = (uint8_t)value;
    at[1] = (uint8_t)(value >> 8);
}

static void put_u32(uint8_t *at, uint32_t value)
{
    for (int i = 0; i < 4; i++)
        at[i] = (uint8_t)(value >> (8 * i));
}

static void put_u64(uint8_t *at, uint64_t value)
{
    for (int i = 0; i < 8; i++)
        at[i] = (uint8_t)(value >> (8 * i));
}

static uint16_t get_u16(const uint8_t *at)
{
    return (uint16_t)(at[0] | at[1] << 8);
}

static uint32_t get_u32(const uint8_t *at)
{
    uint32_t value = 0;
    for (int i = 3; i >= 0; i--)
        value = value << 8 | at[i];
    return value;
}

static uint64_t get_u64(const uint8_t *at)
{
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = value << 8 | at[i];
    return value;
}

size_t media_request_encode(const media_request *request, uint8_t *buffer, size_t capacity)
{
    if (request->params_length > MEDIA_PARAMS_MAX ||
        capacity < MEDIA_REQUEST_HEADER_SIZE + (size_t)request->params_length ||
        (request->params_length > 0 && !request->params))
        return 0;
    put_u32(buffer, REQUEST_MAGIC);
    put_u16(buffer + 4, MEDIA_PROTOCOL_VERSION);
    put_u16(buffer + 6, request->operation);
    put_u16(buffer + 8, request->flags);
    put_u16(buffer + 10, 0);
    put_u32(buffer + 12, request->id);
    put_u32(buffer + 16, request->params_length);
    if (request->params_length > 0)
        memcpy(buffer + MEDIA_REQUEST_HEADER_SIZE, request->params, request->params_length);
    return MEDIA_REQUEST_HEADER_SIZE + request->params_length;
}

int media_request_decode(const uint8_t *buffer, size_t length, media_request *request)
{
    if (length < MEDIA_REQUEST_HEADER_SIZE || get_u32(buffer) != REQUEST_MAGIC ||
        get_u16(buffer + 4) != MEDIA_PROTOCOL_VERSION || get_u16(buffer + 10) != 0)
        return -1;
    uint16_t flags = get_u16(buffer + 8);
    uint32_t params_length = get_u32(buffer + 16);
    if ((flags & ~(MEDIA_REQUEST_HAS_INPUT | MEDIA_REQUEST_HAS_OUTPUT)) != 0 ||
        params_length > MEDIA_PARAMS_MAX || length != MEDIA_REQUEST_HEADER_SIZE + params_length)
        return -1;
    request->operation = get_u16(buffer + 6);
    request->flags = flags;
    request->id = get_u32(buffer + 12);
    request->params_length = params_length;
    request->params = params_length > 0 ? buffer + MEDIA_REQUEST_HEADER_SIZE : NULL;
    return 0;
}

size_t media_reply_encode(const media_reply *reply, uint8_t *buffer, size_t capacity)
{
    if (capacity < MEDIA_REPLY_SIZE)
        return 0;
    memset(buffer, 0, MEDIA_REPLY_SIZE);
    put_u32(buffer, REPLY_MAGIC);
    put_u16(buffer + 4, MEDIA_PROTOCOL_VERSION);
    put_u16(buffer + 6, reply->status);
    put_u32(buffer + 8, reply->id);
    put_u32(buffer + 12, reply->flags);
    put_u32(buffer + 16, (uint32_t)reply->info.format);
    put_u32(buffer + 20, (uint32_t)reply->info.width);
    put_u32(buffer + 24, (uint32_t)reply->info.height);
    put_u32(buffer + 28, (uint32_t)reply->info.frames);
    put_u64(buffer + 32, (uint64_t)reply->info.frame_pixels);
    /* code and message: at most their size - 1 bytes, always NUL-terminated on the wire */
    strncpy((char *)buffer + 40, reply->code, MEDIA_CODE_SIZE - 1);
    strncpy((char *)buffer + 40 + MEDIA_CODE_SIZE, reply->message, MEDIA_MESSAGE_SIZE - 1);
    return MEDIA_REPLY_SIZE;
}

static int text_terminated(const uint8_t *at, size_t size)
{
    return memchr(at, '\0', size) != NULL;
}

int media_reply_decode(const uint8_t *buffer, size_t length, media_reply *reply)
{
    if (length != MEDIA_REPLY_SIZE || get_u32(buffer) != REPLY_MAGIC ||
        get_u16(buffer + 4) != MEDIA_PROTOCOL_VERSION)
        return -1;
    uint16_t status = get_u16(buffer + 6);
    uint32_t format = get_u32(buffer + 16);
    if (status > MEDIA_STATUS_UNSUPPORTED || format > MEDIA_FORMAT_WEBP ||
        !text_terminated(buffer + 40, MEDIA_CODE_SIZE) ||
        !text_terminated(buffer + 40 + MEDIA_CODE_SIZE, MEDIA_MESSAGE_SIZE))
        return -1;
    int32_t width = (int32_t)get_u32(buffer + 20);
    int32_t height = (int32_t)get_u32(buffer + 24);
    int32_t frames = (int32_t)get_u32(buffer + 28);
    int64_t frame_pixels = (int64_t)get_u64(buffer + 32);
    /* a negative count from the worker would slip under the server's pixel limits */
    if (width < 0 || height < 0 || frames < 0 || frame_pixels < 0)
        return -1;
    reply->status = status;
    reply->id = get_u32(buffer + 8);
    reply->flags = get_u32(buffer + 12);
    reply->info.format = (media_format)format;
    reply->info.width = width;
    reply->info.height = height;
    reply->info.frames = frames;
    reply->info.frame_pixels = frame_pixels;
    memcpy(reply->code, buffer + 40, MEDIA_CODE_SIZE);
    memcpy(reply->message, buffer + 40 + MEDIA_CODE_SIZE, MEDIA_MESSAGE_SIZE);
    return 0;
}

void media_reply_set(media_reply *reply, media_reply_status status, const char *code,
                     const char *format, ...)
{
    reply->status = (uint16_t)status;
    snprintf(reply->code, sizeof reply->code, "%s", code);
    va_list args;
    va_start(args, format);
    vsnprintf(reply->message, sizeof reply->message, format, args);
    va_end(args);
}
