/* worker_sandbox.c - resource limits and the seccomp-bpf filter of the media worker (see
 * worker_sandbox.h). */
#include "media_worker/worker_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WORKER_SANITIZED 1
#else
#define WORKER_SANITIZED 0
#endif

#define CPU_HARD_LIMIT_S 3600 /* a worker's whole life; it retires at half */

static int set_limit(int resource, rlim_t soft, rlim_t hard, const char *name)
{
    struct rlimit limit = {.rlim_cur = soft, .rlim_max = hard};
    if (setrlimit(resource, &limit) == 0)
        return 0;
    fprintf(stderr, "nekohub-media: %s could not be set: %s\n", name, strerror(errno));
    return -1;
}

int worker_sandbox_limit(int memory_mb, int cpu_seconds)
{
    rlim_t output = (rlim_t)MEDIA_WORKER_MAX_OUTPUT_MB << 20;
    if (set_limit(RLIMIT_FSIZE, output, output, "RLIMIT_FSIZE") != 0 ||
        set_limit(RLIMIT_NOFILE, WORKER_MAX_FILES, WORKER_MAX_FILES, "RLIMIT_NOFILE") != 0 ||
        set_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE") != 0 ||
        set_limit(RLIMIT_CPU, (rlim_t)cpu_seconds, CPU_HARD_LIMIT_S, "RLIMIT_CPU") != 0)
        return -1;
    if (WORKER_SANITIZED || memory_mb <= 0)
        return 0;
    rlim_t memory = (rlim_t)memory_mb << 20;
    return set_limit(RLIMIT_AS, memory, memory, "RLIMIT_AS");
}

int worker_sandbox_cpu_budget(int seconds)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 1;
    long used = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1;
    if (used >= CPU_HARD_LIMIT_S / 2)
        return 1;
    struct rlimit limit = {.rlim_cur = (rlim_t)(used + seconds), .rlim_max = CPU_HARD_LIMIT_S};
    return setrlimit(RLIMIT_CPU, &limit) == 0 ? 0 : 1;
}

/* Deny a system call outright with errno. */
static int deny(scmp_filter_ctx filter, int number, int error)
{
    return seccomp_rule_add(filter, SCMP_ACT_ERRNO((uint32_t)error), number, 0);
}

/* Deny the call when its flags argument (argument index) has any of the writing bits. */
static int deny_writing_open(scmp_filter_ctx filter, int number, unsigned int index)
{
    static const int flags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        struct scmp_arg_cmp test = {.arg = index,
                                    .op = SCMP_CMP_MASKED_EQ,
                                    .datum_a = (scmp_datum_t)flags[i],
                                    .datum_b = (scmp_datum_t)flags[i]};
        if (seccomp_rule_add_array(filter, SCMP_ACT_ERRNO(EPERM), number, 1, &test) != 0)
            return -1;
    }
    return 0;
}

static int add_rules(scmp_filter_ctx filter)
{
    static const int denied[] = {
        SCMP_SYS(socket),    SCMP_SYS(socketpair),
        SCMP_SYS(connect),   SCMP_SYS(bind),
        SCMP_SYS(listen),    SCMP_SYS(accept),
        SCMP_SYS(accept4),   SCMP_SYS(execve),
        SCMP_SYS(execveat),  SCMP_SYS(fork),
        SCMP_SYS(vfork),     SCMP_SYS(creat),
        SCMP_SYS(unlink),    SCMP_SYS(unlinkat),
        SCMP_SYS(rename),    SCMP_SYS(renameat),
        SCMP_SYS(renameat2), SCMP_SYS(link),
        SCMP_SYS(linkat),    SCMP_SYS(symlink),
        SCMP_SYS(symlinkat), SCMP_SYS(mkdir),
        SCMP_SYS(mkdirat),   SCMP_SYS(rmdir),
        SCMP_SYS(truncate),  SCMP_SYS(chmod),
        SCMP_SYS(fchmodat),  SCMP_SYS(chown),
        SCMP_SYS(fchownat),  SCMP_SYS(lchown),
        SCMP_SYS(ptrace),    SCMP_SYS(mknod),
        SCMP_SYS(mknodat),   SCMP_SYS(process_vm_writev),
        SCMP_SYS(mount),
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        if (deny(filter, denied[i], EPERM) != 0)
            return -1;
    if (deny(filter, SCMP_SYS(clone3), ENOSYS) != 0 || deny(filter, SCMP_SYS(openat2), ENOSYS) != 0)
        return -1;
    /* clone: threads (CLONE_THREAD) only, never a new process */
    if (seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) != 0)
        return -1;
    /* signals: only to this process */
    scmp_datum_t self = (scmp_datum_t)getpid();
    if (seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                         SCMP_A0(SCMP_CMP_NE, self)) != 0 ||
        seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
                         SCMP_A0(SCMP_CMP_NE, self)) != 0)
        return -1;
    if (deny_writing_open(filter, SCMP_SYS(open), 1) != 0 ||
        deny_writing_open(filter, SCMP_SYS(openat), 2) != 0)
        return -1;
    return 0;
}

int worker_sandbox_filter(void)
{
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (!filter) {
        fprintf(stderr, "nekohub-media: seccomp_init failed\n");
        return -1;
    }
    int rc = add_rules(filter);
    if (rc == 0)
        rc = seccomp_load(filter); /* sets no_new_privs first */
    seccomp_release(filter);
    if (rc != 0)
        fprintf(stderr, "nekohub-media: the seccomp filter could not be installed: %s\n",
                strerror(rc < 0 ? -rc : rc));
    return rc == 0 ? 0 : -1;
}
