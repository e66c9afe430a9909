/* config.h - every setting NekoHub reads, from the environment (NekoHub's own names, e.g.
 * Auth__Jwt__Secret; matched case-insensitively like .NET configuration) and CLI flags.
 *
 * config_load() fills a config from an environment array (so tests can pass their own); on a
 * bad value it returns -1 and writes one line naming the key and what is wrong into `problem`.
 * The config owns every string in it; config_free() releases them, overwriting the secrets
 * first (JWT secret, secret key, bootstrap password, machine API keys, the database connection
 * string with its password) with sodium_memzero. After start-up the config is read-only and
 * shared by all threads. */
#ifndef NH_CORE_CONFIG_H
#define NH_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_PROBLEM_SIZE 512
#define CONFIG_MAX_LIST 32

typedef enum { DB_PROVIDER_SQLITE = 0, DB_PROVIDER_POSTGRES = 1 } db_provider;

typedef struct string_list {
    char *items[CONFIG_MAX_LIST];
    size_t count;
} string_list;

typedef struct config {
    /* server */
    char *listen_address;         /* NEKOHUB_LISTEN / --listen; default "0.0.0.0" */
    int port;                     /* NEKOHUB_PORT / --port; default 5121; 0 = any free port */
    char *data_dir;               /* NEKOHUB_DATA_DIR / --data-dir; default "./data" */
    char *web_dir;                /* NEKOHUB_WEB_DIR; default: web/dist beside the binary's cwd */
    unsigned int max_connections; /* Server__MaxConnections; default 10000 (fit to RLIMIT_NOFILE) */
    unsigned int shutdown_timeout_s;         /* Server__ShutdownTimeoutSeconds; default 10 */
    unsigned int idle_timeout_s;             /* Server__IdleTimeoutSeconds; default 60 */
    unsigned int max_connections_per_client; /* Server__MaxConnectionsPerClient; 64; 0 = none */
    size_t max_json_body_bytes;              /* Api__MaxJsonBodyBytes; default 1 MiB */
    string_list cors_origins;                /* Cors__AllowedOrigins__N; default ["*"] */
    int log_level;                           /* Logging__LogLevel__Default; default info */
    /* http: the event core, its handler pool, connection deadlines and proxies */
    unsigned int header_timeout_s;        /* Server__HeaderTimeoutSeconds; default 15 */
    unsigned int connection_memory_bytes; /* Server__ConnectionMemoryBytes; default 16384 */
    unsigned int body_stall_s;            /* Server__BodyStallSeconds; default 30 */
    unsigned int io_threads;              /* Server__IoThreads; default 2 */
    unsigned int handler_threads;         /* Server__HandlerThreads; default 16 */
    unsigned int handler_queue_length;    /* Server__HandlerQueueLength; default 256 */
    string_list trusted_proxies;          /* Server__TrustedProxies__N (IPs / CIDR blocks) */
    bool reuse_port;                      /* Server__ReusePort; default false */

    /* persistence */
    db_provider database_provider;   /* Persistence__Database__Provider; default sqlite */
    char *database_connection;       /* Persistence__Database__ConnectionString (may be NULL) */
    unsigned int database_pool_size; /* Persistence__Database__PoolSize; default 8 */
    /* core: how long a request waits for a pooled connection before 503 db_busy
     * (Persistence__Database__AcquireTimeoutMs; default 5000) */
    unsigned int database_acquire_timeout_ms;

    /* auth */
    char *jwt_secret; /* Auth__Jwt__Secret; NULL = generated into data dir */
    /* Security__SecretKey: 64 hex digits (32 bytes) that encrypt stored secrets (S3 keys,
     * tokens, AI keys); NULL = generated into the data dir */
    char *secret_key;
    char *jwt_issuer;                  /* default "NekoHub" */
    char *jwt_audience;                /* default "NekoHub.Admin" */
    int access_token_minutes;          /* default 15 */
    int refresh_token_days;            /* default 30 */
    char *bootstrap_username;          /* Auth__BootstrapSuperAdmin__Username (trimmed) */
    char *bootstrap_password;          /* verbatim */
    bool api_key_enabled;              /* Auth__ApiKey__Enabled */
    string_list api_keys;              /* Auth__ApiKey__Keys__N (trimmed, blanks dropped) */
    int password_min_length;           /* Auth__Password__MinLength; default 8 */
    int login_max_failures_per_user;   /* Auth__Login__MaxFailuresPerUser; default 5 */
    int login_max_failures_per_client; /* Auth__Login__MaxFailuresPerClient; default 20 */
    int login_window_minutes;          /* Auth__Login__WindowMinutes; default 15 */
    int password_hash_concurrency;     /* Auth__Password__HashConcurrency; default 4 */

    /* assets */
    int64_t max_upload_size_bytes;     /* Api__Assets__MaxUploadSizeBytes; default 10485760 */
    string_list allowed_content_types; /* Api__Assets__AllowedContentTypes__N */
    int default_page_size;             /* Api__Assets__DefaultPageSize; default 20 */
    int max_page_size;                 /* Api__Assets__MaxPageSize; default 100 */
    int64_t max_image_pixels;          /* Api__Assets__MaxImagePixels; default 100 000 000 */

    /* storage */
    char *public_base_url; /* Storage__PublicBaseUrl; NULL = derived from listen */
    char *local_root_path; /* Storage__Local__RootPath; default DATA_DIR/assets */

    /* assets area: the animation budget and the housekeeping period */
    int64_t max_animation_pixels;         /* Api__Assets__MaxAnimationPixels; default 400 000 000 */
    unsigned int housekeeping_interval_s; /* Server__HousekeepingIntervalSeconds; default 600 */

    /* the sandboxed media worker pool (docs/architecture.md "The media sandbox") */
    int media_workers;         /* Processing__MediaWorkers; default 2 (1..32) */
    int media_timeout_s;       /* Processing__MediaTimeoutSeconds; default 30 (1..3600) */
    int media_memory_limit_mb; /* Processing__MediaMemoryLimitMB; default 1024 (64..65536) */
    char *media_worker_path;   /* Processing__MediaWorkerPath; NULL = beside the executable */
    /* the durable job queue (jobs/job_queue.h) */
    int job_workers;           /* Processing__Workers; default 2 (0..64); 0 = this process only
                                  serves (jobs run in `nekohub worker` processes) */
    int job_lease_s;           /* Processing__LeaseSeconds; default 60 (5..3600) */
    int job_max_attempts;      /* Processing__MaxAttempts; default 5 (1..100) */
    int job_retry_base_s;      /* Processing__RetryBaseSeconds; default 2 (1..3600) */
    int job_retry_max_s;       /* Processing__RetryMaxSeconds; default 300 (1..86400) */
    int job_poll_interval_ms;  /* Processing__PollIntervalMilliseconds; default 500 (10..60000) */
    int job_shutdown_grace_s;  /* Processing__ShutdownGraceSeconds; default 10 (0..600) */
    int manual_run_wait_s;     /* Processing__ManualRunWaitSeconds; default 30 (0..600) */

    /* AI providers (src/ai/): the OpenAI-compatible vision client */
    int ai_max_concurrency;  /* Ai__MaxConcurrency; default 4 (1..64): model calls at once in
                                this process; a caption step waits for a free slot */
    int ai_request_timeout_s; /* Ai__RequestTimeoutSeconds; default 60 (5..600): the TOTAL
                                 deadline of one caption call, both requests (the standard one
                                 and the streaming fallback), headers, body and stream */

    /* the MCP server (src/mcp/) */
    int mcp_list_page_size; /* Mcp__ListPageSize; default 10 (1..1000): the page size of
                               tools/list, resources/list and prompts/list */

    /* storage providers: config-driven storages (spec storage-providers.md §9.3), remote
     * backends' network behaviour, where local profiles may point, sealed-secret keys */
    char *storage_provider;          /* Storage__Provider; default "local" */
    string_list local_allowed_roots; /* Storage__Local__AllowedRoots__N; default: data dir */
    char *s3_provider_name;          /* Storage__S3__ProviderName; default "s3" */
    char *s3_endpoint;               /* Storage__S3__Endpoint */
    char *s3_bucket;                 /* Storage__S3__Bucket */
    char *s3_region;                 /* Storage__S3__Region; default "us-east-1" */
    char *s3_access_key;             /* Storage__S3__AccessKey (secret) */
    char *s3_secret_key;             /* Storage__S3__SecretKey (secret) */
    bool s3_force_path_style;        /* Storage__S3__ForcePathStyle; default true */
    char *s3_public_base_url;        /* Storage__S3__PublicBaseUrl */
    int64_t s3_multipart_threshold;  /* Storage__S3__MultipartThresholdBytes; 16 MiB */
    int64_t s3_multipart_part_size;  /* Storage__S3__MultipartPartSizeBytes; 8 MiB (>= 5 MiB) */
    char *github_provider_name;      /* Storage__GitHubRepo__ProviderName; "github-repo" */
    char *github_owner;              /* Storage__GitHubRepo__Owner */
    char *github_repo;               /* Storage__GitHubRepo__Repo */
    char *github_ref;                /* Storage__GitHubRepo__Ref; default "main" */
    char *github_base_path;          /* Storage__GitHubRepo__BasePath */
    char *github_visibility_policy;  /* Storage__GitHubRepo__VisibilityPolicy; "public-only" */
    char *github_api_base_url;       /* Storage__GitHubRepo__ApiBaseUrl */
    char *github_raw_base_url;       /* Storage__GitHubRepo__RawBaseUrl */
    char *github_token;              /* Storage__GitHubRepo__Token (secret) */
    bool github_allow_delete;        /* Storage__GitHubRepo__AllowDelete; default false */
    char *github_commit_message_template;    /* Storage__GitHubRepo__CommitMessageTemplate */
    unsigned int remote_connect_timeout_ms;  /* Storage__Remote__ConnectTimeoutMs; 5000 */
    unsigned int remote_stall_timeout_ms;    /* Storage__Remote__StallTimeoutMs; 30000 */
    unsigned int remote_max_attempts;        /* Storage__Remote__MaxAttempts; 4 */
    unsigned int remote_retry_base_delay_ms; /* Storage__Remote__RetryBaseDelayMs; 200 */
    string_list previous_secret_keys;        /* Security__PreviousSecretKeys__N (64 hex each): tried
                                                when opening sealed secrets, never for sealing */

    /* mcp: the legacy HTTP+SSE transport's sessions (docs/mcp.md "Transports") */
    unsigned int mcp_sse_heartbeat_s; /* Mcp__SseHeartbeatSeconds; default 15 (1..3600) */
    unsigned int mcp_sse_max_sessions_per_credential; /* Mcp__SseMaxSessionsPerCredential; 8 */
    unsigned int mcp_sse_max_sessions;                /* Mcp__SseMaxSessions; default 1000 */
    unsigned int mcp_sse_idle_s;       /* Mcp__SseIdleSeconds; default 300 (1..86400) */
    unsigned int mcp_sse_buffer_bytes; /* Mcp__SseBufferBytes; default 1 MiB (4 KiB..1 GiB) */

    /* ops: content sent by a reverse proxy in front (nginx X-Accel-Redirect) */
    char *accel_redirect_prefix; /* Server__AccelRedirect__Prefix; NULL = NekoHub sends bytes */
} config;

/* Flags given on the command line override the environment. NULL/negative = not given. */
typedef struct config_overrides {
    const char *listen_address;
    int port; /* -1 = not given */
    const char *data_dir;
} config_overrides;

int config_load(config *cfg, char *const *environment, const config_overrides *overrides,
                char problem[CONFIG_PROBLEM_SIZE]);
void config_free(config *cfg);

/* Case-insensitive lookup of one variable in an environment array; NULL when absent. */
const char *config_env_get(char *const *environment, const char *name);

#endif
