/* media_ops.c - PLACEHOLDER (the steps helper implements the typed worker operations of
 * media_ops.h): every call fails with 501 so callers build. */
#include "media/media_ops.h"

static int not_yet(nh_error *err)
{
    return error_set(err, 501, "media_operation_not_implemented",
                     "This media operation is not implemented yet.");
}

int media_ops_thumbnail(media_pool *pool, const char *input_path, const char *output_path,
                        int max_width, int max_height, media_format format, int quality,
                        media_result *out, nh_error *err)
{
    (void)pool, (void)input_path, (void)output_path, (void)max_width, (void)max_height;
    (void)format, (void)quality, (void)out;
    return not_yet(err);
}

int media_ops_exif_strip(media_pool *pool, const char *input_path, const char *output_path,
                         media_result *out, nh_error *err)
{
    (void)pool, (void)input_path, (void)output_path, (void)out;
    return not_yet(err);
}

int media_ops_convert(media_pool *pool, const char *input_path, const char *output_path,
                      media_format format, media_result *out, nh_error *err)
{
    (void)pool, (void)input_path, (void)output_path, (void)format, (void)out;
    return not_yet(err);
}

int media_ops_watermark(media_pool *pool, const char *input_path, const char *output_path,
                        const media_watermark *watermark, media_result *out, nh_error *err)
{
    (void)pool, (void)input_path, (void)output_path, (void)watermark, (void)out;
    return not_yet(err);
}
