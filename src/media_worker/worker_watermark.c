/* worker_watermark.c - text watermarks (see worker_watermark.h). */
#include "media_worker/worker_watermark.h"

#include <stdbool.h>
#include <stdio.h>

#include "media_worker/worker_image.h"

#define MIN_PADDING 12

static bool font_ready;

/* The coverage mask of the text (one uchar band), or -1 with the libvips error kept. */
static int render_text(const char *text, int font_size, VipsImage **mask)
{
    char font[64];
    snprintf(font, sizeof font, "%s %d", WORKER_WATERMARK_FONT, font_size);
    gchar *escaped = g_markup_escape_text(text, -1); /* vips_text reads Pango markup */
    int rc = vips_text(mask, escaped, "font", font, "dpi", 72, NULL);
    g_free(escaped);
    return rc;
}

int worker_watermark_warm_up(void)
{
    VipsImage *mask = NULL;
    font_ready = render_text("NekoHub", 36, &mask) == 0 && vips_image_get_width(mask) > 0;
    if (mask)
        g_object_unref(mask);
    if (!font_ready) {
        char *text = vips_error_buffer_copy();
        fprintf(stderr, "nekohub-media: the watermark font %s cannot be rendered: %s\n",
                WORKER_WATERMARK_FONT, text);
        g_free(text);
    }
    return font_ready ? 0 : -1;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* Where the text box (w, h) goes in a page (width x height). */
static void place(const worker_params *params, int width, int height, int w, int h, int *x, int *y)
{
    int p = max_int(MIN_PADDING, params->font_size / 2);
    int right = max_int(p, width - w - p), center_x = max_int(p, (width - w) / 2);
    int bottom = max_int(p, height - h - p), center_y = max_int(p, (height - h) / 2);
    switch (params->position) {
    case WORKER_POSITION_TOP_LEFT:
        *x = p, *y = p;
        break;
    case WORKER_POSITION_TOP_RIGHT:
        *x = right, *y = p;
        break;
    case WORKER_POSITION_CENTER:
        *x = center_x, *y = center_y;
        break;
    case WORKER_POSITION_BOTTOM_LEFT:
        *x = p, *y = bottom;
        break;
    default:
        *x = right, *y = bottom;
        break;
    }
}

/* The blend mask of one page (uchar: 255 * opacity where the text is fully inked), repeated
 * for every frame. */
static int page_mask(VipsImage *text, const worker_params *params, int width, int page_height,
                     int frames, VipsImage **out)
{
    int x, y;
    place(params, width, page_height, vips_image_get_width(text), vips_image_get_height(text), &x,
          &y);
    /* the part of the text inside the page (a text larger than the image is cut at its edge) */
    int visible_w = vips_image_get_width(text) < width - x ? vips_image_get_width(text) : width - x;
    int visible_h = vips_image_get_height(text) < page_height - y ? vips_image_get_height(text)
                                                                  : page_height - y;
    VipsImage *scaled = NULL, *inside = NULL, *page = NULL;
    int rc = 0;
    if (visible_w <= 0 || visible_h <= 0) /* nothing of it shows */
        rc = vips_black(&page, width, page_height, NULL);
    else
        rc = vips_extract_area(text, &inside, 0, 0, visible_w, visible_h, NULL);
    if (rc == 0 && inside)
        rc = vips_linear1(inside, &scaled, params->opacity, 0.0, "uchar", TRUE, NULL);
    if (rc == 0 && scaled)
        rc = vips_embed(scaled, &page, x, y, width, page_height, "extend", VIPS_EXTEND_BLACK, NULL);
    if (rc == 0 && frames > 1)
        rc = vips_replicate(page, out, 1, frames, NULL);
    else if (rc == 0) {
        *out = page;
        page = NULL;
    }
    if (inside)
        g_object_unref(inside);
    if (scaled)
        g_object_unref(scaled);
    if (page)
        g_object_unref(page);
    return rc;
}

int worker_watermark_draw(VipsImage *base, int page_height, int frames, const worker_params *params,
                          VipsImage **out, media_reply *reply)
{
    if (!font_ready) {
        media_reply_set(reply, MEDIA_STATUS_FAILED, "watermark_font_unavailable",
                        "the font %s is not available", WORKER_WATERMARK_FONT);
        return -1;
    }
    VipsImage *text = NULL, *mask = NULL, *white = NULL;
    int rc = render_text(params->text, params->font_size, &text);
    if (rc == 0)
        rc = page_mask(text, params, vips_image_get_width(base), page_height, frames, &mask);
    if (rc == 0)
        white = vips_image_new_from_image1(base, worker_image_white(base));
    if (rc == 0 && !white)
        rc = -1;
    if (rc == 0)
        rc = vips_ifthenelse(mask, white, base, out, "blend", TRUE, NULL);
    if (text)
        g_object_unref(text);
    if (mask)
        g_object_unref(mask);
    if (white)
        g_object_unref(white);
    if (rc != 0)
        worker_fail(reply, "the watermark could not be drawn");
    return rc == 0 ? 0 : -1;
}
