/* worker_sandbox.h - the media worker's confinement: resource limits and a seccomp filter.
 *
 * worker_sandbox_limit() sets RLIMIT_AS (memory_mb; skipped in sanitizer builds, whose shadow
 * memory reserves terabytes of address space), RLIMIT_FSIZE (MEDIA_WORKER_MAX_OUTPUT_MB),
 * RLIMIT_NOFILE (WORKER_MAX_FILES) and RLIMIT_CPU (see worker_sandbox_cpu_budget). Call it
 * before libvips starts.
 *
 * worker_sandbox_filter() installs the seccomp-bpf filter (libseccomp, irreversible, also for
 * the threads libvips starts later). Denied with EPERM, so the worker can answer with a clear
 * error rather than die: socket/socketpair/connect/bind/listen/accept, execve/execveat,
 * fork/vfork, clone without CLONE_THREAD (threads still work), clone3 (ENOSYS, so glibc falls
 * back to clone, whose flags the filter can read), open/openat/creat with a write, create,
 * truncate or append flag (openat2: ENOSYS), removing, renaming, linking, changing modes or
 * owners of files, ptrace, signals to other processes. Reading files stays possible (libvips
 * and GLib read data files lazily). Call it after the warm-up.
 *
 * worker_sandbox_cpu_budget() moves the soft RLIMIT_CPU to what the process has used plus
 * seconds: a per-request CPU budget in a long-lived worker. 1 when the worker has used half
 * its hard limit and should retire (exit after its reply). */
#ifndef NH_WORKER_SANDBOX_H
#define NH_WORKER_SANDBOX_H

#define MEDIA_WORKER_MAX_OUTPUT_MB 512
#define WORKER_MAX_FILES 64

/* 0, or -1 after printing why to stderr. */
int worker_sandbox_limit(int memory_mb, int cpu_seconds);
int worker_sandbox_filter(void);
int worker_sandbox_cpu_budget(int seconds);

#endif
