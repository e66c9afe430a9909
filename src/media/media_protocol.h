/* media_protocol.h - the messages between the server and its sandboxed media workers.
 *
 * One request and one reply per SOCK_SEQPACKET message (boundaries are kept, so a message is
 * read whole or not at all). Fixed little-endian layout, encoded and decoded field by field
 * (never a struct copied to the wire):
 *
 *   request: magic "NKMQ" u32, version u16, operation u16, flags u16 (MEDIA_REQUEST_HAS_INPUT,
 *            MEDIA_REQUEST_HAS_OUTPUT: which descriptors travel with the message, in that order,
 *            as SCM_RIGHTS), reserved u16 (0), request id u32, parameters length u32, then the
 *            parameters (operation-specific bytes, JSON for the processing skills; at most
 *            MEDIA_PARAMS_MAX).
 *   reply:   magic "NKMR" u32, version u16, status u16 (media_reply_status), request id u32,
 *            flags u32 (MEDIA_REPLY_RETIRING: the worker exits after this reply), format u32,
 *            width i32, height i32, frames i32, frame pixels i64, code (MEDIA_CODE_SIZE bytes,
 *            NUL-padded), message (MEDIA_MESSAGE_SIZE bytes, NUL-padded).
 *
 * Later operations (thumbnail, convert, exif-strip, watermark) take their parameters as JSON
 * and write their result to the output descriptor the server hands over; the reply's fields
 * carry the result's format and dimensions. Decoding checks every length, the magic, the
 * version and that text fields are NUL-terminated; it never trusts the peer. Pure functions. */
#ifndef NH_MEDIA_PROTOCOL_H
#define NH_MEDIA_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "media/media.h"

#define MEDIA_PROTOCOL_VERSION 1
#define MEDIA_PARAMS_MAX 4096
#define MEDIA_CODE_SIZE 48
#define MEDIA_MESSAGE_SIZE 208
#define MEDIA_REQUEST_HEADER_SIZE 20
#define MEDIA_REQUEST_MAX (MEDIA_REQUEST_HEADER_SIZE + MEDIA_PARAMS_MAX)
#define MEDIA_REPLY_SIZE (40 + MEDIA_CODE_SIZE + MEDIA_MESSAGE_SIZE)

#define MEDIA_REQUEST_HAS_INPUT 0x1u
#define MEDIA_REQUEST_HAS_OUTPUT 0x2u
#define MEDIA_REPLY_RETIRING 0x1u
#define MEDIA_REPLY_UNCHANGED 0x2u /* the operation had nothing to do; no output written */

typedef enum {
    MEDIA_OP_PROBE = 1, /* input: the image; reply: format, width, height, frames, pixels */
    /* 2..99: processing (media_ops.h). Input and output descriptors both travel; parameters
     * are a JSON object, which may also carry the input's pixel limits
     * {"maxFramePixels","maxAnimationPixels"} (0 or absent = none); the reply's info describes
     * the written output (height and frame_pixels of one frame). */
    MEDIA_OP_THUMBNAIL = 2,  /* {"maxWidth","maxHeight","format":"png"|"webp","quality"?}:
                                orientation applied, fit inside the box, never upscaled,
                                first frame of an animation, metadata removed */
    MEDIA_OP_EXIF_STRIP = 3, /* {}: orientation applied to the pixels, then EXIF removed (XMP,
                                IPTC, ICC kept); same format. Reply flag MEDIA_REPLY_UNCHANGED
                                (nothing written) when there was no EXIF */
    MEDIA_OP_CONVERT = 4,    /* {"format":"jpeg"|"png"|"gif"|"webp"}: orientation applied */
    MEDIA_OP_WATERMARK = 5,  /* {"text","opacity","fontSize","position":"bottom-right"|
                                "bottom-left"|"center"|"top-right"|"top-left"} (already
                                validated): DejaVu Sans Bold, white at opacity, padding
                                max(12, size/2); same format; deterministic */
    /* 900..: test-only operations, compiled into test builds only (NEKOHUB_TEST_BUILD) */
    MEDIA_OP_TEST_CRASH = 900,  /* the worker dies of a signal */
    MEDIA_OP_TEST_HANG = 901,   /* the worker never answers */
    MEDIA_OP_TEST_SOCKET = 902, /* the worker tries socket(); reports the errno */
    MEDIA_OP_TEST_CREATE = 903, /* the worker tries to create a file; reports the errno */
} media_operation;

typedef enum {
    MEDIA_STATUS_OK = 0,
    MEDIA_STATUS_NOT_IMAGE = 1,   /* the bytes are not an image of an allowed format */
    MEDIA_STATUS_FAILED = 2,      /* the operation failed: code and message say why */
    MEDIA_STATUS_UNSUPPORTED = 3, /* unknown operation or malformed request */
} media_reply_status;

typedef struct media_request {
    uint16_t operation; /* media_operation */
    uint16_t flags;     /* MEDIA_REQUEST_HAS_* */
    uint32_t id;
    uint32_t params_length;
    const uint8_t *params; /* borrowed: the caller's (encode) or the buffer's (decode) bytes */
} media_request;

typedef struct media_reply {
    uint16_t status; /* media_reply_status */
    uint32_t id;
    uint32_t flags; /* MEDIA_REPLY_* */
    media_info info;
    char code[MEDIA_CODE_SIZE];
    char message[MEDIA_MESSAGE_SIZE];
} media_reply;

/* Encode into buffer (capacity bytes). The length written, or 0 when the parameters are over
 * MEDIA_PARAMS_MAX or the buffer is too small. */
size_t media_request_encode(const media_request *request, uint8_t *buffer, size_t capacity);
/* Decode length bytes. 0 with request filled (params points into buffer); -1 when malformed. */
int media_request_decode(const uint8_t *buffer, size_t length, media_request *request);

/* Encode into buffer (at least MEDIA_REPLY_SIZE bytes): MEDIA_REPLY_SIZE, or 0 when too small.
 * Texts longer than their field are cut at the field's size (they are diagnostics). */
size_t media_reply_encode(const media_reply *reply, uint8_t *buffer, size_t capacity);
/* Decode: 0 with reply filled; -1 when malformed (wrong size, magic, version, status, format,
 * a negative width, height, frame count or frame pixels, or an unterminated text). */
int media_reply_decode(const uint8_t *buffer, size_t length, media_reply *reply);

/* Fill reply's code and message (printf-style message). */
void media_reply_set(media_reply *reply, media_reply_status status, const char *code,
                     const char *format, ...) __attribute__((format(printf, 4, 5)));

#endif
