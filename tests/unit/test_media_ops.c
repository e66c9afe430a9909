/* test_media_ops.c - the processing operations through a real pool of sandboxed workers
 * (build/test/nekohub-media, seccomp filter on): thumbnail sizes and formats, never upscaled;
 * EXIF orientation applied by thumbnail, EXIF strip and convert; EXIF strip keeps the image
 * and a second strip has nothing to do; conversions to every target; a watermark that changes
 * only its corner and is deterministic; refusals of non-images and of images over the limits.
 * Inputs are made with Debian's `vips` command; outputs are read back with `vipsheader`.
 * Skipped when the worker binary has not been built. */
#include "cmocka_prelude.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/media_ops.h"
#include "media/media_pool.h"

#define WORKER "build/test/nekohub-media"

static char dir[] = "/tmp/nekohub-media-ops-XXXXXX";
static media_pool *pool;
static const media_limits limits = {100000000, 400000000};

static void run_command(const char *command)
{
    if (system(command) != 0)
        fail_msg("command failed: %s", command);
}

static char *path_of(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", dir, name);
    return path;
}

/* A JPEG of width x height with an EXIF APP1 (Orientation = 6) spliced in after SOI. */
static void jpeg_with_orientation(const char *name, int width, int height)
{
    char command[1024];
    snprintf(command, sizeof command,
             "/usr/bin/vips xyz %s/xyz.v %d %d && /usr/bin/vips cast %s/xyz.v %s/xyz8.v uchar && "
             "/usr/bin/vips bandjoin_const %s/xyz8.v %s/plain.jpg 100",
             dir, width, height, dir, dir, dir, dir);
    run_command(command);
    static const unsigned char tiff[] = {
        'I',  'I',  42, 0, 8, 0, 0, 0,             /* header, IFD at 8 */
        1,    0,                                   /* one entry */
        0x12, 0x01, 3,  0, 1, 0, 0, 0, 6, 0, 0, 0, /* Orientation, SHORT, 1, value 6 */
        0,    0,    0,  0,                         /* no next IFD */
    };
    unsigned char segment[4 + 6 + sizeof tiff] = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
    segment[3] = (unsigned char)(sizeof segment - 2);
    memcpy(segment + 10, tiff, sizeof tiff);
    FILE *in = fopen(path_of("plain.jpg"), "rb");
    FILE *out = fopen(path_of(name), "wb");
    assert_non_null(in);
    assert_non_null(out);
    unsigned char soi[2];
    assert_int_equal(fread(soi, 1, 2, in), 2);
    fwrite(soi, 1, 2, out);
    fwrite(segment, 1, sizeof segment, out);
    int c;
    while ((c = fgetc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    fclose(out);
}

static int setup(void **state)
{
    (void)state;
    if (access(WORKER, X_OK) != 0)
        return 0;
    assert_non_null(mkdtemp(dir));
    nh_error err;
    media_pool_settings settings = {.worker_path = WORKER, .workers = 1, .timeout_s = 30};
    pool = media_pool_create(&settings, &err);
    assert_non_null(pool);
    char command[1024];
    snprintf(command, sizeof command,
             "/usr/bin/vips gaussnoise %s/noise.v 600 400 && "
             "/usr/bin/vips bandjoin '%s/noise.v %s/noise.v %s/noise.v' %s/noise3.v && "
             "/usr/bin/vips cast %s/noise3.v %s/large.png uchar && "
             "/usr/bin/vips copy %s/large.png %s/large.jpg && "
             "/usr/bin/vips copy %s/large.png %s/large.gif && "
             "/usr/bin/vips black %s/small.png 32 24 --bands 3 && "
             "/usr/bin/vips copy %s/small.png %s/small.webp && "
             "/usr/bin/vips icc_export %s/large.jpg %s/cmyk.jpg --output-profile cmyk && "
             "echo 'not an image' > %s/text.png",
             dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir);
    run_command(command);
    jpeg_with_orientation("rotated.jpg", 24, 16);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    media_pool_destroy(pool);
    if (pool) {
        char command[600];
        snprintf(command, sizeof command, "test -n \"$KEEP_MEDIA_OPS\" || rm -rf %s", dir);
        run_command(command);
    }
    return 0;
}

/* One vipsheader field of a file ("" when absent). */
static void header_field(const char *path, const char *field, char *out, size_t size)
{
    char command[1024];
    snprintf(command, sizeof command, "/usr/bin/vipsheader -f %s %s 2>/dev/null", field, path);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    out[0] = '\0';
    if (!fgets(out, (int)size, pipe))
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(pipe);
}

static int header_int(const char *path, const char *field)
{
    char text[64];
    header_field(path, field, text, sizeof text);
    return atoi(text);
}

typedef int (*operation)(int input, int output, void *context, media_result *out, nh_error *err);

/* Run an operation from input name to output name: its return code, err and result. */
static int apply(const char *input, const char *output, operation op, void *context,
                 media_result *result, nh_error *err)
{
    int in = open(path_of(input), O_RDONLY | O_CLOEXEC);
    int out = open(path_of(output), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(in >= 0 && out >= 0);
    int rc = op(in, out, context, result, err);
    close(in);
    close(out);
    return rc;
}

typedef struct thumb_args {
    int box;
    media_format format;
    int quality;
    const media_limits *limits;
} thumb_args;

static int thumbnail_op(int in, int out, void *context, media_result *result, nh_error *err)
{
    const thumb_args *args = context;
    return media_ops_thumbnail(pool, in, out, args->limits ? args->limits : &limits, args->box,
                               args->box, args->format, args->quality, result, err);
}

static int strip_op(int in, int out, void *context, media_result *result, nh_error *err)
{
    (void)context;
    return media_ops_exif_strip(pool, in, out, &limits, result, err);
}

static int convert_op(int in, int out, void *context, media_result *result, nh_error *err)
{
    return media_ops_convert(pool, in, out, &limits, *(media_format *)context, result, err);
}

static int watermark_op(int in, int out, void *context, media_result *result, nh_error *err)
{
    return media_ops_watermark(pool, in, out, &limits, context, result, err);
}

#define REQUIRE_WORKER()                                                                           \
    do {                                                                                           \
        if (!pool)                                                                                 \
            skip();                                                                                \
    } while (0)

static void thumbnail_fits_and_never_upscales(void **state)
{
    (void)state;
    REQUIRE_WORKER();
    media_result result;
    nh_error err;
    thumb_args png = {256, MEDIA_FORMAT_PNG, 0, NULL};
    assert_int_equal(apply("large.jpg", "thumb.png", thumbnail_op, &png, &result, &err), 0);
    assert_int_equal(result.info.format, MEDIA_FORMAT_PNG);
    assert_int_equal(result.info.width, 256);
    assert_int_equal(result.info.height, 171);
    assert_int_equal(header_int(path_of("thumb.png"), "width"), 256);
    assert_int_equal(header_int(path_of("thumb.png"), "height"), 171);
    thumb_args webp = {1024, MEDIA_FORMAT_WEBP, 80, NULL};
    assert_int_equal(apply("large.gif", "preview.webp", thumbnail_op, &webp, &result, &err), 0);
    assert_int_equal(result.info.format, MEDIA_FORMAT_WEBP);
    assert_int_equal(result.info.width, 600); /* never upscaled */
    assert_int_equal(header_int(path_of("preview.webp"), "height"), 400);
    assert_int_equal(apply("small.webp", "small-thumb.png", thumbnail_op, &png, &result, &err), 0);
    assert_int_equal(result.info.width, 32);
    assert_int_equal(result.info.height, 24);
}

static void orientation_is_applied(void **state)
{
    (void)state;
    REQUIRE_WORKER();
    assert_int_equal(header_int(path_of("rotated.jpg"), "orientation"), 6);
    media_result result;
    nh_error err;
    thumb_args png = {256, MEDIA_FORMAT_PNG, 0, NULL};
    assert_int_equal(apply("rotated.jpg", "rotated-thumb.png", thumbnail_op, &png, &result, &err),
                     0);
    assert_int_equal(result.info.width, 16);
    assert_int_equal(result.info.height, 24);
    char exif[64];
    header_field(path_of("rotated-thumb.png"), "exif-data", exif, sizeof exif);
    assert_string_equal(exif, "");
    media_format webp = MEDIA_FORMAT_WEBP;
    assert_int_equal(apply("rotated.jpg", "rotated.webp", convert_op, &webp, &result, &err), 0);
    assert_int_equal(header_int(path_of("rotated.webp"), "width"), 16);
    assert_int_equal(header_int(path_of("rotated.webp"), "height"), 24);
    assert_true(header_int(path_of("rotated.webp"), "orientation") <= 1);
}

static void exif_strip_removes_exif_once(void **state)
{
    (void)state;
    REQUIRE_WORKER();
    media_result result;
    nh_error err;
    assert_int_equal(apply("rotated.jpg", "stripped.jpg", strip_op, NULL, &result, &err), 0);
    assert_false(result.unchanged);
    assert_int_equal(result.info.format, MEDIA_FORMAT_JPEG);
    assert_int_equal(result.info.width, 16);
    assert_int_equal(result.info.height, 24);
    char exif[64];
    header_field(path_of("stripped.jpg"), "exif-data", exif, sizeof exif);
    assert_string_equal(exif, "");
    assert_int_equal(header_int(path_of("stripped.jpg"), "width"), 16);
    assert_int_equal(apply("stripped.jpg", "again.jpg", strip_op, NULL, &result, &err), 0);
    assert_true(result.unchanged);
    struct stat status;
    assert_int_equal(stat(path_of("again.jpg"), &status), 0);
    assert_int_equal(status.st_size, 0);
}

static void converts_to_every_target(void **state)
{
    (void)state;
    REQUIRE_WORKER();
    static const struct {
        media_format format;
        const char *name;
        const char *loader;
    } targets[] = {{MEDIA_FORMAT_WEBP, "c.webp", "webpload"},
                   {MEDIA_FORMAT_PNG, "c.png", "pngload"},
                   {MEDIA_FORMAT_JPEG, "c.jpg", "jpegload"},
                   {MEDIA_FORMAT_GIF, "c.gif", "gifload"}};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        media_result result;
        nh_error err;
        media_format format = targets[i].format;
        assert_int_equal(apply("large.png", targets[i].name, convert_op, &format, &result, &err),
                         0);
        assert_int_equal(result.info.format, format);
        assert_int_equal(result.info.width, 600);
        char loader[64];
        header_field(path_of(targets[i].name), "vips-loader", loader, sizeof loader);
        assert_string_equal(loader, targets[i].loader);
        /* no EXIF made up for an input that had none */
        char exif[64];
        header_field(path_of(targets[i].name), "exif-data", exif, sizeof exif);
        assert_string_equal(exif, "");
    }
}

static void files_equal(const char *a, const char *b)
{
    char command[1200];
    snprintf(command, sizeof command, "cmp -s %s %s", path_of(a), path_of(b));
    assert_int_equal(system(command), 0);
}

/* The mean of a region of a file's first band. */
static double region_mean(const char *name, int left, int top, int width, int height)
{
    char command[1200];
    snprintf(
        command, sizeof command,
        "/usr/bin/vips extract_area %s %s/region.v %d %d %d %d && /usr/bin/vips avg %s/region.v",
        path_of(name), dir, left, top, width, height, dir);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    char text[64] = "";
    assert_non_null(fgets(text, sizeof text, pipe));
    pclose(pipe);
    return atof(text);
}

static void watermark_marks_its_corner_deterministically(void **state)
{
    (void)state;
    REQUIRE_WORKER();
    media_result result;
    nh_error err;
    media_watermark mark = {"NekoHub", 1.0, 48, MEDIA_POSITION_BOTTOM_RIGHT};
    assert_int_equal(apply("large.png", "marked1.png", watermark_op, &mark, &result, &err), 0);
    assert_int_equal(result.info.format, MEDIA_FORMAT_PNG);
    assert_int_equal(result.info.width, 600);
    assert_int_equal(apply("large.png", "marked2.png", watermark_op, &mark, &result, &err), 0);
    files_equal("marked1.png", "marked2.png");
    /* brighter at the bottom right, untouched at the top left */
    assert_true(region_mean("marked1.png", 400, 330, 200, 70) >
                region_mean("large.png", 400, 330, 200, 70) + 10);
    assert_true(region_mean("marked1.png", 0, 0, 300, 200) ==
                region_mean("large.png", 0, 0, 300, 200));
    /* a text larger than the image is cut at its edges */
    media_watermark huge = {"A watermark far wider than the picture", 1.0, 300,
                            MEDIA_POSITION_CENTER};
    assert_int_equal(apply("small.png", "huge.png", watermark_op, &huge, &result, &err), 0);
    assert_int_equal(result.info.width, 32);
    assert_int_equal(result.info.height, 24);
    /* a CMYK JPEG is marked in sRGB (white is no ink in CMYK) */
    assert_int_equal(header_int(path_of("cmyk.jpg"), "bands"), 4);
    assert_int_equal(apply("cmyk.jpg", "cmyk-marked.jpg", watermark_op, &mark, &result, &err), 0);
    assert_int_equal(header_int(path_of("cmyk-marked.jpg"), "bands"), 3);
    assert_true(region_mean("cmyk-marked.jpg", 400, 330, 200, 70) >
                region_mean("large.jpg", 400, 330, 200, 70) + 10);
    media_watermark markup = {"<b>a & b</b> 猫ハブ", 0.5, 20, MEDIA_POSITION_TOP_LEFT};
    assert_int_equal(apply("large.jpg", "markup.jpg", watermark_op, &markup, &result, &err), 0);
    assert_int_equal(result.info.format, MEDIA_FORMAT_JPEG);
}

static void refuses_non_images_and_oversized_ones(void **state)
{
    (void)state;
    REQUIRE_WORKER();
    media_result result;
    nh_error err;
    thumb_args png = {256, MEDIA_FORMAT_PNG, 0, NULL};
    assert_int_equal(apply("text.png", "none.png", thumbnail_op, &png, &result, &err), -1);
    assert_int_equal(err.status, 422);
    assert_string_equal(err.code, "media_image_invalid");
    media_limits tight = {1000, 4000};
    thumb_args limited = {256, MEDIA_FORMAT_PNG, 0, &tight};
    assert_int_equal(apply("large.png", "none.png", thumbnail_op, &limited, &result, &err), -1);
    assert_int_equal(err.status, 422);
    assert_string_equal(err.code, "media_image_too_large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thumbnail_fits_and_never_upscales),
        cmocka_unit_test(orientation_is_applied),
        cmocka_unit_test(exif_strip_removes_exif_once),
        cmocka_unit_test(converts_to_every_target),
        cmocka_unit_test(watermark_marks_its_corner_deterministically),
        cmocka_unit_test(refuses_non_images_and_oversized_ones),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
