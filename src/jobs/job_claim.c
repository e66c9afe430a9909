/* job_claim.c - claiming a job (job_store_claim, see job_store.h), the one statement that
 * differs by dialect.
 *
 * Runnable: queued with run_after <= now, or running under an expired lease (its worker died);
 * oldest run_after first. Per-asset exclusion: no other job of the asset may be running under a
 * live lease.
 *
 * SQLite has one writer: a single conditional UPDATE ... WHERE id = (SELECT ...) RETURNING
 * picks and takes the job atomically.
 *
 * PostgreSQL: in one transaction, SELECT the first candidates FOR UPDATE SKIP LOCKED (two
 * claimers never take the same row); then for the first candidate whose asset lock can be had
 * (pg_try_advisory_xact_lock on a hash of the asset id, held until commit) re-check in a NEW
 * statement that no other job of the asset runs (READ COMMITTED: it sees every claim committed
 * before the lock was granted), and take it. Two claimers holding different jobs of one asset
 * therefore serialise on the asset lock, and the second sees the first's claim. A try-lock
 * (never a blocking one) cannot deadlock; a candidate whose asset lock is busy is skipped until
 * the next poll.
 *
 * A cheap read first (is anything runnable at all?) keeps idle workers from taking SQLite's
 * write lock on every poll. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "jobs/job_store.h"

/* last_error of a job taken over from a worker whose lease ran out */
#define EXPIRED_TEXT "the worker running this job stopped before it finished (its lease expired)"

/* $1 = now */
#define RUNNABLE                                                                                   \
    "((j.status = 'queued' AND j.run_after <= $1) OR "                                             \
    "(j.status = 'running' AND j.locked_until < $1))"
#define ASSET_FREE                                                                                 \
    "(j.asset_id IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o WHERE o.asset_id = j.asset_id "       \
    "AND o.id <> j.id AND o.status = 'running' AND o.locked_until >= $1))"

/* The claim's SET clause and RETURNING list; $1 now, $2 locked_by, $3 locked_until, $4 the
 * expired-lease text. */
#define CLAIM_SET                                                                                  \
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $2, "                \
    "locked_until = $3, started_at = $1, updated_at = $1, "                                        \
    "last_error = CASE WHEN status = 'running' THEN $4 ELSE last_error END "
#define CLAIM_RETURNING                                                                            \
    " RETURNING id, kind, asset_id, payload, trigger_source, skill_name, execution_id, "           \
    "last_error, attempts, max_attempts, cancel_requested"

static char *copy_or_empty(const char *text, bool *failed)
{
    char *copy = strdup(text ? text : "");
    if (!copy)
        *failed = true;
    return copy;
}

static int claim_from_row(const db_result *result, job_claim *out, nh_error *err)
{
    memset(out, 0, sizeof *out);
    const char *id = db_result_text(result, 0, 0);
    snprintf(out->id, sizeof out->id, "%s", id ? id : "");
    bool failed = false;
    out->kind = copy_or_empty(db_result_text(result, 0, 1), &failed);
    out->asset_id = copy_or_empty(db_result_text(result, 0, 2), &failed);
    out->payload = copy_or_empty(db_result_text(result, 0, 3), &failed);
    out->trigger_source = copy_or_empty(db_result_text(result, 0, 4), &failed);
    out->skill_name = copy_or_empty(db_result_text(result, 0, 5), &failed);
    out->execution_id = copy_or_empty(db_result_text(result, 0, 6), &failed);
    out->last_error = copy_or_empty(db_result_text(result, 0, 7), &failed);
    out->attempt = (int)db_result_int64(result, 0, 8);
    out->max_attempts = (int)db_result_int64(result, 0, 9);
    out->cancel_requested = db_result_int64(result, 0, 10) != 0;
    out->lease_expired = out->last_error && !strcmp(out->last_error, EXPIRED_TEXT);
    if (failed) {
        job_claim_clear(out);
        return error_internal(err);
    }
    return 0;
}

/* Is any job runnable now? (a read: no write lock) */
static int anything_runnable(db_conn *conn, int64_t now, bool *found, nh_error *err)
{
    db_param params[] = {db_int(now)};
    db_result *result = NULL;
    if (db_query(conn, "SELECT 1 FROM jobs j WHERE " RUNNABLE " AND " ASSET_FREE " LIMIT 1", params,
                 1, &result, err) != 0)
        return DB_ERROR;
    *found = db_result_rows(result) > 0;
    db_result_free(result);
    return 0;
}

/* Run one claiming UPDATE ... RETURNING: *claimed and out filled when it took a row. */
static int run_claim(db_conn *conn, const char *sql, const db_param *params, size_t count,
                     job_claim *out, bool *claimed, nh_error *err)
{
    db_result *result = NULL;
    if (db_query(conn, sql, params, count, &result, err) != 0)
        return DB_ERROR;
    int rc = 0;
    if (db_result_rows(result) > 0) {
        rc = claim_from_row(result, out, err);
        *claimed = rc == 0;
    }
    db_result_free(result);
    return rc;
}

static int claim_sqlite(db_conn *conn, const char *locked_by, int64_t now, int64_t lease_ms,
                        job_claim *out, bool *claimed, nh_error *err)
{
    db_param params[] = {db_int(now), db_text(locked_by), db_int(now + lease_ms),
                         db_text(EXPIRED_TEXT)};
    return run_claim(conn,
                     CLAIM_SET "WHERE id = (SELECT j.id FROM jobs j WHERE " RUNNABLE
                               " AND " ASSET_FREE
                               " ORDER BY j.run_after, j.id LIMIT 1)" CLAIM_RETURNING,
                     params, 4, out, claimed, err);
}

/* PostgreSQL: may this candidate's asset be claimed? Takes the asset lock (until commit) and
 * re-checks in a new statement. */
static int asset_is_free(db_conn *conn, const char *id, const char *asset_id, int64_t now,
                         bool *free_out, nh_error *err)
{
    *free_out = false;
    db_param lock_params[] = {db_text(asset_id)};
    db_result *result = NULL;
    if (db_query(conn, "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", lock_params, 1,
                 &result, err) != 0)
        return DB_ERROR;
    bool locked = db_result_int64(result, 0, 0) != 0;
    db_result_free(result);
    if (!locked)
        return 0;
    db_param params[] = {db_text(asset_id), db_text(id), db_int(now)};
    if (db_query(conn,
                 "SELECT 1 FROM jobs WHERE asset_id = $1 AND id <> $2 AND status = 'running' "
                 "AND locked_until >= $3 LIMIT 1",
                 params, 3, &result, err) != 0)
        return DB_ERROR;
    *free_out = db_result_rows(result) == 0;
    db_result_free(result);
    return 0;
}

static int take_postgres(db_conn *conn, const char *id, const char *locked_by, int64_t now,
                         int64_t lease_ms, job_claim *out, bool *claimed, nh_error *err)
{
    db_param params[] = {db_int(now), db_text(locked_by), db_int(now + lease_ms),
                         db_text(EXPIRED_TEXT), db_text(id)};
    return run_claim(conn, CLAIM_SET "WHERE id = $5" CLAIM_RETURNING, params, 5, out, claimed, err);
}

/* Inside the claim transaction. */
static int claim_postgres_in(db_conn *conn, const char *locked_by, int64_t now, int64_t lease_ms,
                             job_claim *out, bool *claimed, nh_error *err)
{
    db_param params[] = {db_int(now)};
    db_result *candidates = NULL;
    if (db_query(conn,
                 "SELECT j.id, j.asset_id FROM jobs j WHERE " RUNNABLE " AND " ASSET_FREE
                 " ORDER BY j.run_after, j.id LIMIT 4 FOR UPDATE OF j SKIP LOCKED",
                 params, 1, &candidates, err) != 0)
        return DB_ERROR;
    int rc = 0;
    for (size_t row = 0; rc == 0 && !*claimed && row < db_result_rows(candidates); row++) {
        const char *id = db_result_text(candidates, row, 0);
        const char *asset_id = db_result_text(candidates, row, 1);
        bool free_asset = true;
        if (asset_id)
            rc = asset_is_free(conn, id, asset_id, now, &free_asset, err);
        if (rc == 0 && free_asset)
            rc = take_postgres(conn, id, locked_by, now, lease_ms, out, claimed, err);
    }
    db_result_free(candidates);
    return rc;
}

static int claim_postgres(db_conn *conn, const char *locked_by, int64_t now, int64_t lease_ms,
                          job_claim *out, bool *claimed, nh_error *err)
{
    if (db_begin(conn, err) != 0)
        return DB_ERROR;
    int rc = claim_postgres_in(conn, locked_by, now, lease_ms, out, claimed, err);
    if (rc == 0 && db_commit(conn, err) != 0)
        rc = DB_ERROR;
    if (rc != 0) {
        db_rollback(conn);
        if (*claimed)
            job_claim_clear(out);
        *claimed = false;
    }
    return rc;
}

int job_store_claim(db *database, const char *locked_by, int64_t now, int64_t lease_ms,
                    job_claim *out, bool *claimed, nh_error *err)
{
    *claimed = false;
    db_conn *conn = db_acquire(database, err);
    if (!conn)
        return DB_ERROR;
    bool found = false;
    int rc = anything_runnable(conn, now, &found, err);
    if (rc == 0 && found)
        rc = db_dialect(database) == DB_PROVIDER_POSTGRES
                 ? claim_postgres(conn, locked_by, now, lease_ms, out, claimed, err)
                 : claim_sqlite(conn, locked_by, now, lease_ms, out, claimed, err);
    db_release(database, conn);
    return rc;
}
