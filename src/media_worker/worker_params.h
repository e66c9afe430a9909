/* worker_params.h - the JSON parameters of the processing operations (media_protocol.h), read
 * inside the media worker. The server already validated them; the worker checks them again
 * (types, ranges, lengths) because it trusts nothing it is sent, and refuses anything else with
 * MEDIA_STATUS_UNSUPPORTED "media_request_invalid".
 *
 * Every operation may carry the pixel limits {"maxFramePixels","maxAnimationPixels"} (0 or
 * absent = none). Single-threaded use. */
#ifndef NH_WORKER_PARAMS_H
#define NH_WORKER_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "media/media_protocol.h"
#include "media_worker/worker_image.h"

#define WORKER_TEXT_MAX 200 /* watermark text, bytes */
#define WORKER_FONT_SIZE_MAX 1000
#define WORKER_BOX_MAX 16384 /* thumbnail box edge */

typedef enum {
    WORKER_POSITION_BOTTOM_RIGHT = 0,
    WORKER_POSITION_BOTTOM_LEFT,
    WORKER_POSITION_CENTER,
    WORKER_POSITION_TOP_RIGHT,
    WORKER_POSITION_TOP_LEFT,
} worker_position;

typedef struct worker_params {
    worker_limits limits;
    /* thumbnail: "maxWidth", "maxHeight" (1..WORKER_BOX_MAX), "format" ("png"|"webp"),
     * "quality" (0 = the encoder's default, 1..100); convert: "format" (jpeg, png, gif, webp) */
    int max_width;
    int max_height;
    media_format format;
    int quality;
    /* watermark: "text" (UTF-8, 1..WORKER_TEXT_MAX bytes), "opacity" (0..1), "fontSize"
     * (1..WORKER_FONT_SIZE_MAX), "position" ("bottom-right", "bottom-left", "center",
     * "top-right", "top-left") */
    char text[WORKER_TEXT_MAX + 1];
    double opacity;
    int font_size;
    worker_position position;
} worker_params;

/* 0 with out filled, or -1 with reply set. */
int worker_params_parse(uint16_t operation, const uint8_t *bytes, size_t length, worker_params *out,
                        media_reply *reply);

/* "jpeg", "png", "gif", "webp" -> the format; MEDIA_FORMAT_NONE otherwise. */
media_format worker_params_format(const char *name);

#endif
