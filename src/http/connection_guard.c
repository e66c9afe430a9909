/* connection_guard.c - per-connection deadlines and the sweep that enforces them. */
#include "http/connection_guard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/periodic.h"

#define NS_PER_SECOND 1000000000LL
#define CLIENT_BUCKETS 4096
#define GUARD_SWEEP_INTERVAL_SECONDS 1

/* Open connections of one client address. */
typedef struct client_count {
    unsigned char key[CLIENT_ADDRESS_KEY_SIZE]; /* family byte + address */
    unsigned int count;
    struct client_count *next;
} client_count;

typedef enum { GUARD_NONE = 0, GUARD_HEADER, GUARD_BODY } guard_reason;

struct guard_entry {
    connection_guard *guard;
    int socket_fd;
    _Atomic int64_t deadline_ns; /* 0: none */
    _Atomic int reason;          /* guard_reason of the deadline */
    /* event thread only */
    bool in_body;
    size_t window_bytes;         /* body bytes since the body clock last restarted */
    int64_t paused_remaining_ns; /* body time left when paused */
    bool counted;                /* holds one of client_key's count */
    unsigned char client_key[CLIENT_ADDRESS_KEY_SIZE];
    struct guard_entry *prev;
    struct guard_entry *next;
};

struct connection_guard {
    connection_guard_limits limits;
    pthread_mutex_t lock; /* the list and shutting down sockets */
    guard_entry *head;
    uint64_t open;
    client_count *clients[CLIENT_BUCKETS];
    _Atomic uint64_t refused;
    _Atomic uint64_t header_timeouts;
    _Atomic uint64_t body_stalls;
    _Atomic uint64_t dropped;
    periodic *sweeper; /* sweep_task once a second */
};

/* The key of a peer address, false when it is not IP or a trusted proxy (not limited). */
static bool client_key_of(const connection_guard *guard, const struct sockaddr *peer,
                          unsigned char key[CLIENT_ADDRESS_KEY_SIZE])
{
    return guard->limits.per_client > 0 &&
           client_address_peer_key(guard->limits.proxies, peer, key);
}

static size_t bucket_of(const unsigned char key[CLIENT_ADDRESS_KEY_SIZE])
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < CLIENT_ADDRESS_KEY_SIZE; i++)
        hash = (hash ^ key[i]) * 16777619u;
    return hash % CLIENT_BUCKETS;
}

/* The count of key (under the lock); created when create is set (NULL: no memory). */
static client_count *find_client(connection_guard *guard,
                                 const unsigned char key[CLIENT_ADDRESS_KEY_SIZE], bool create)
{
    client_count **slot = &guard->clients[bucket_of(key)];
    for (client_count *client = *slot; client; client = client->next)
        if (!memcmp(client->key, key, CLIENT_ADDRESS_KEY_SIZE))
            return client;
    if (!create)
        return NULL;
    client_count *client = calloc(1, sizeof *client);
    if (!client)
        return NULL;
    memcpy(client->key, key, CLIENT_ADDRESS_KEY_SIZE);
    client->next = *slot;
    *slot = client;
    return client;
}

static void release_client(connection_guard *guard,
                           const unsigned char key[CLIENT_ADDRESS_KEY_SIZE])
{
    client_count **slot = &guard->clients[bucket_of(key)];
    for (client_count *client = *slot; client; slot = &client->next, client = client->next) {
        if (memcmp(client->key, key, CLIENT_ADDRESS_KEY_SIZE) != 0)
            continue;
        if (--client->count == 0) {
            *slot = client->next;
            free(client);
        }
        return;
    }
}

bool connection_guard_may_accept(connection_guard *guard, const struct sockaddr *peer)
{
    unsigned char key[CLIENT_ADDRESS_KEY_SIZE];
    if (!client_key_of(guard, peer, key))
        return true;
    pthread_mutex_lock(&guard->lock);
    client_count *client = find_client(guard, key, false);
    bool allowed = !client || client->count < guard->limits.per_client;
    pthread_mutex_unlock(&guard->lock);
    if (!allowed)
        atomic_fetch_add(&guard->refused, 1);
    return allowed;
}

static void set_deadline(guard_entry *entry, guard_reason reason, int64_t deadline_ns)
{
    atomic_store(&entry->reason, (int)reason);
    atomic_store(&entry->deadline_ns, deadline_ns);
}

static void sweep_once(connection_guard *guard, int64_t now)
{
    pthread_mutex_lock(&guard->lock);
    for (guard_entry *entry = guard->head; entry; entry = entry->next) {
        int64_t deadline = atomic_load(&entry->deadline_ns);
        if (deadline == 0 || now < deadline)
            continue;
        int reason = atomic_load(&entry->reason);
        atomic_store(&entry->deadline_ns, 0);
        if (shutdown(entry->socket_fd, SHUT_RDWR) != 0)
            continue; /* already going away */
        if (reason == GUARD_BODY)
            atomic_fetch_add(&guard->body_stalls, 1);
        else
            atomic_fetch_add(&guard->header_timeouts, 1);
    }
    pthread_mutex_unlock(&guard->lock);
}

static void sweep_task(void *context)
{
    sweep_once(context, clock_monotonic_ns());
}

connection_guard *connection_guard_start(const connection_guard_limits *limits, nh_error *err)
{
    connection_guard *guard = calloc(1, sizeof *guard);
    if (!guard) {
        error_internal(err);
        return NULL;
    }
    guard->limits = *limits;
    if (pthread_mutex_init(&guard->lock, NULL) != 0) {
        free(guard);
        error_internal(err);
        return NULL;
    }
    guard->sweeper = periodic_start(GUARD_SWEEP_INTERVAL_SECONDS, sweep_task, guard);
    if (!guard->sweeper) {
        pthread_mutex_destroy(&guard->lock);
        free(guard);
        error_set(err, 500, "start_failed", "the connection sweep thread could not start");
        return NULL;
    }
    return guard;
}

void connection_guard_stop(connection_guard *guard)
{
    if (!guard)
        return;
    periodic_stop(guard->sweeper);
    if (guard->head)
        log_message(LOG_ERROR, "connection_guard", "connections still tracked at stop");
    for (size_t i = 0; i < CLIENT_BUCKETS; i++)
        while (guard->clients[i]) {
            client_count *next = guard->clients[i]->next;
            free(guard->clients[i]);
            guard->clients[i] = next;
        }
    pthread_mutex_destroy(&guard->lock);
    free(guard);
}

static int64_t seconds_from_now(unsigned int seconds)
{
    return clock_monotonic_ns() + (int64_t)seconds * NS_PER_SECOND;
}

guard_entry *connection_guard_opened(connection_guard *guard, int socket_fd,
                                     const struct sockaddr *peer)
{
    guard_entry *entry = calloc(1, sizeof *entry);
    if (!entry) {
        log_message(LOG_ERROR, "connection_guard", "out of memory: a connection has no deadline");
        return NULL;
    }
    entry->guard = guard;
    entry->socket_fd = socket_fd;
    set_deadline(entry, GUARD_HEADER, seconds_from_now(guard->limits.header_timeout_s));
    bool limited = client_key_of(guard, peer, entry->client_key);
    pthread_mutex_lock(&guard->lock);
    if (limited) {
        client_count *client = find_client(guard, entry->client_key, true);
        if (client) {
            client->count++;
            entry->counted = true;
        }
    }
    entry->next = guard->head;
    if (guard->head)
        guard->head->prev = entry;
    guard->head = entry;
    guard->open++;
    pthread_mutex_unlock(&guard->lock);
    return entry;
}

void connection_guard_closed(connection_guard *guard, guard_entry *entry)
{
    if (!entry)
        return;
    pthread_mutex_lock(&guard->lock);
    if (entry->prev)
        entry->prev->next = entry->next;
    else
        guard->head = entry->next;
    if (entry->next)
        entry->next->prev = entry->prev;
    guard->open--;
    if (entry->counted)
        release_client(guard, entry->client_key);
    pthread_mutex_unlock(&guard->lock);
    free(entry);
}

static void restart_body_clock(guard_entry *entry)
{
    entry->window_bytes = 0;
    set_deadline(entry, GUARD_BODY, seconds_from_now(entry->guard->limits.body_stall_s));
}

void guard_entry_headers_done(guard_entry *entry, bool body_expected)
{
    if (!entry)
        return;
    entry->in_body = body_expected;
    if (body_expected)
        restart_body_clock(entry);
    else
        set_deadline(entry, GUARD_NONE, 0);
}

void guard_entry_body_progress(guard_entry *entry, size_t size)
{
    if (!entry || !entry->in_body)
        return;
    entry->window_bytes += size;
    if (entry->window_bytes >= GUARD_BODY_PROGRESS_BYTES)
        restart_body_clock(entry);
}

void guard_entry_pause(guard_entry *entry)
{
    if (!entry)
        return;
    int64_t deadline = atomic_load(&entry->deadline_ns);
    entry->paused_remaining_ns = 0;
    if (entry->in_body && deadline > 0) {
        int64_t remaining = deadline - clock_monotonic_ns();
        entry->paused_remaining_ns = remaining > 0 ? remaining : 1;
    }
    set_deadline(entry, GUARD_NONE, 0);
}

void guard_entry_resume(guard_entry *entry)
{
    if (!entry || !entry->in_body || entry->paused_remaining_ns == 0)
        return;
    set_deadline(entry, GUARD_BODY, clock_monotonic_ns() + entry->paused_remaining_ns);
}

void guard_entry_body_done(guard_entry *entry)
{
    if (!entry)
        return;
    entry->in_body = false;
    entry->paused_remaining_ns = 0;
    set_deadline(entry, GUARD_NONE, 0);
}

void guard_entry_request_done(guard_entry *entry)
{
    if (!entry)
        return;
    const connection_guard_limits *limits = &entry->guard->limits;
    guard_entry_body_done(entry);
    set_deadline(entry, GUARD_HEADER,
                 seconds_from_now(limits->idle_timeout_s + limits->header_timeout_s));
}

void guard_entry_drop(guard_entry *entry)
{
    if (!entry)
        return;
    connection_guard *guard = entry->guard;
    pthread_mutex_lock(&guard->lock);
    if (shutdown(entry->socket_fd, SHUT_RDWR) == 0)
        atomic_fetch_add(&guard->dropped, 1);
    pthread_mutex_unlock(&guard->lock);
}

void connection_guard_stats_get(connection_guard *guard, connection_guard_stats *out)
{
    pthread_mutex_lock(&guard->lock);
    out->open = guard->open;
    pthread_mutex_unlock(&guard->lock);
    out->header_timeouts = atomic_load(&guard->header_timeouts);
    out->body_stalls = atomic_load(&guard->body_stalls);
    out->refused_per_client = atomic_load(&guard->refused);
    out->dropped = atomic_load(&guard->dropped);
}
