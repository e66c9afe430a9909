/* derivatives.h - the derivatives of an asset's original: thumbnail_256 (PNG, fit inside
 * 256x256) and preview_1024 (WebP quality 80, fit inside 1024x1024), never upscaled, made from
 * the orientation-corrected first frame by the sandboxed worker (media_ops_thumbnail).
 *
 * Each derivative row remembers the checksum of the original it was made from
 * (source_checksum_sha256). derivatives_refresh() makes the kinds that are missing or stale
 * (another checksum, or none recorded): the new object is written under a new key (upload
 * intent first), then one transaction checks that the asset still has the checksum it was
 * made from, and inserts the row or points the existing row at the new object while recording
 * the old object for removal; the old object is removed after the commit. The unique (asset,
 * kind) index never sees two rows: a row that appeared meanwhile wins and the new object is
 * removed again. Idempotent: a second refresh finds nothing to do.
 *
 * Writes go through the asset's storage (400 storage_provider_profile_disabled for a disabled
 * profile) and only when something is to be made. Thread-safe. */
#ifndef NH_PROCESSING_DERIVATIVES_H
#define NH_PROCESSING_DERIVATIVES_H

#include <stdbool.h>

#include "assets/asset_store.h"
#include "core/error.h"
#include "processing/processing.h"
#include "processing/step_support.h"

#define DERIVATIVE_THUMBNAIL "thumbnail_256"
#define DERIVATIVE_PREVIEW "preview_1024"

/* 0 (made, or nothing to make), 1 when the original's object is missing (nothing made: the
 * caller decides), or -1 with err. */
int derivatives_refresh(processing_service *service, const asset_record *asset, nh_error *err);

/* Open the current (not stale) derivative of kind for reading into a temp file: 0 with temp
 * filled (step_temp_close it) and *content_type; 1 when there is none or it is stale; -1. */
int derivatives_fetch(processing_service *service, const asset_record *asset, const char *kind,
                      step_temp *temp, const char **content_type, nh_error *err);

#endif
