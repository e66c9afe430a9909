/* worker_probe.h - libvips inside the media worker: start-up, warm-up, header probe.
 *
 * worker_probe_start() points VIPSHOME where there are no modules, initialises libvips (cache
 * off, one thread per operation) and runs a warm-up: it encodes and probes a tiny image in
 * every allowed format and runs every processing operation once (worker_ops_warm_up: the
 * watermark font included), so whatever libvips, GLib, Pango and fontconfig load lazily
 * (loaders, savers, type classes, locale data, font files) is in memory before the seccomp
 * filter goes on. worker_probe_fd() reads only
 * the header of the image behind a descriptor (borrowed: not closed) and fills a reply:
 * MEDIA_STATUS_OK with the media_info, MEDIA_STATUS_NOT_IMAGE, or MEDIA_STATUS_FAILED.
 * Single-threaded use (the worker serves one request at a time). */
#ifndef NH_WORKER_PROBE_H
#define NH_WORKER_PROBE_H

#include "media/media_protocol.h"

/* 0, or -1 after printing why to stderr. */
int worker_probe_start(const char *program_name);

void worker_probe_fd(int descriptor, media_reply *reply);

#endif
