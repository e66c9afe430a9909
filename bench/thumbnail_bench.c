/* thumbnail_bench.c - time NekoHub's thumbnail path on one image: media_ops_thumbnail() through
 * a warm pool of one sandboxed nekohub-media worker (seccomp filter, resource limits, the
 * descriptor hand-over and the reply included), exactly what the generate_thumbnail step calls.
 *
 * Usage: thumbnail-bench WORKER INPUT RUNS [BOX] [png|webp]
 * First a cold call right after the pool started (the worker's start-up and warm-up included:
 * "cold: S seconds"), then RUNS warm calls ("run N: S seconds"), then the worker's peak
 * resident set ("worker peak: K kB", VmHWM of the nekohub-media child, start-up and warm-up
 * included) and the output's size. Built and run by bench/thumbnail.sh. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "media/media_ops.h"
#include "media/media_pool.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* VmHWM (kB) of this process's nekohub-media children, the largest. */
static long worker_peak_kb(void)
{
    DIR *proc = opendir("/proc");
    long peak = 0;
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/%s/status", entry->d_name);
        FILE *status = fopen(path, "r");
        if (!status)
            continue;
        long ppid = -1, hwm = 0;
        char name[64] = "";
        while (fgets(line, sizeof line, status)) {
            sscanf(line, "Name: %63s", name);
            sscanf(line, "PPid: %ld", &ppid);
            sscanf(line, "VmHWM: %ld", &hwm);
        }
        fclose(status);
        if (ppid == (long)getpid() && !strncmp(name, "nekohub-media", 13) && hwm > peak)
            peak = hwm;
    }
    if (proc)
        closedir(proc);
    return peak;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s WORKER INPUT RUNS [BOX] [png|webp]\n", argv[0]);
        return 2;
    }
    int runs = atoi(argv[3]);
    int box = argc > 4 ? atoi(argv[4]) : 256;
    media_format format =
        argc > 5 && !strcmp(argv[5], "webp") ? MEDIA_FORMAT_WEBP : MEDIA_FORMAT_PNG;
    nh_error err;
    double cold_started = now_s();
    media_pool_settings settings = {
        .worker_path = argv[1], .workers = 1, .timeout_s = 60, .memory_limit_mb = 1024};
    media_pool *pool = media_pool_create(&settings, &err);
    if (!pool) {
        fprintf(stderr, "pool: %s\n", err.message);
        return 1;
    }
    int input = open(argv[2], O_RDONLY | O_CLOEXEC);
    char output_path[] = "/tmp/nekohub-thumbnail-bench-XXXXXX";
    int output = mkstemp(output_path);
    if (input < 0 || output < 0) {
        perror("open");
        return 1;
    }
    media_limits limits = {100000000, 400000000};
    int rc = 0;
    for (int i = -1; i < runs && rc == 0; i++) {
        if (ftruncate(output, 0) != 0 || lseek(output, 0, SEEK_SET) != 0) {
            perror("truncate");
            rc = 1;
            break;
        }
        media_result result;
        double started = now_s();
        if (media_ops_thumbnail(pool, input, output, &limits, box, box, format, 0, &result, &err) !=
            0) {
            fprintf(stderr, "thumbnail: %s (%s)\n", err.message, err.code);
            rc = 1;
            break;
        }
        if (i < 0)
            printf("cold: %.4f seconds (%dx%d)\n", now_s() - cold_started, result.info.width,
                   result.info.height);
        else
            printf("run %d: %.4f seconds (%dx%d)\n", i + 1, now_s() - started, result.info.width,
                   result.info.height);
    }
    struct stat status;
    fstat(output, &status);
    printf("worker peak: %ld kB\noutput: %lld bytes\n", worker_peak_kb(),
           (long long)status.st_size);
    close(input);
    close(output);
    unlink(output_path);
    media_pool_destroy(pool);
    return rc;
}
