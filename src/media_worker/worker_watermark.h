/* worker_watermark.h - drawing a text watermark onto an image (spec processing.md §7.5).
 *
 * The text (Pango markup characters escaped: it is shown as given) is rendered by vips_text in
 * "DejaVu Sans Bold <fontSize>" at 72 dpi (1 point = 1 pixel), an antialiased coverage mask
 * scaled by the opacity. Its box (w, h) is placed in each page (W x H) with padding
 * p = max(12, fontSize / 2): x = p (left), max(p, W - w - p) (right), max(p, (W - w) / 2)
 * (center); y likewise with top, bottom and center. Pixels under the mask are blended towards
 * white (every band, alpha included: the text shows on transparent areas too); the image keeps
 * its bands, format and size. No randomness and one thread: the same input gives the same
 * pixels. Single-threaded use. */
#ifndef NH_WORKER_WATERMARK_H
#define NH_WORKER_WATERMARK_H

#include <vips/vips.h>

#include "media/media_protocol.h"
#include "media_worker/worker_params.h"

#define WORKER_WATERMARK_FONT "DejaVu Sans Bold"

/* base: pages of page_height stacked (frames of them). 0 with *out, or -1 with reply set. */
int worker_watermark_draw(VipsImage *base, int page_height, int frames, const worker_params *params,
                          VipsImage **out, media_reply *reply);

/* Render a text once in the watermark font (loads Pango, fontconfig and the font file). 0, or
 * -1 when the font cannot be rendered (then every watermark fails with
 * watermark_font_unavailable). */
int worker_watermark_warm_up(void);

#endif
