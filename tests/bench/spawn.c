/* SPDX-License-Identifier: Apache-2.0 */
/* The benchmark's stopwatch (tests/bench/README.md): runs one command and
 * reports its wall time and its own peak RSS.
 *
 *   oc_bench_spawn RESULT STDOUT STDERR COMMAND [ARG...]
 *
 * forks, execs COMMAND (PATH searched) with its standard output and error
 * sent to the files STDOUT and STDERR, waits for it with wait4, and writes
 * "<wall nanoseconds> <ru_maxrss KiB> <exit status>\n" to RESULT; exits 0
 * when it could measure, whatever COMMAND's status.
 *
 * Why a wrapper: Linux's ru_maxrss of a child is at least the resident
 * size of the process it was forked from (the kernel records the old
 * address space's high-water mark at exec), so a child of the Python
 * driver would never report less than the driver's ~20 MiB. Forked from
 * this small program, it reports its own. The clock runs from just
 * before fork to just after wait4: exec, dynamic loading, the run and the
 * exit, without the driver's own spawning cost. */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* wait4 is BSD/GNU, not POSIX: declare it rather than widen the feature macros. */
pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage);

static int redirect(const char *path, int fd)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (f < 0 || dup2(f, fd) < 0) {
        return -1;
    }
    return close(f);
}

int main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct rusage ru;
    int status, code;
    long long ns;
    pid_t pid;
    FILE *out;

    if (argc < 5) {
        fputs("usage: oc_bench_spawn RESULT STDOUT STDERR COMMAND [ARG...]\n", stderr);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid < 0) {
        perror("oc_bench_spawn: fork");
        return 1;
    }
    if (pid == 0) {
        if (redirect(argv[2], STDOUT_FILENO) != 0 || redirect(argv[3], STDERR_FILENO) != 0) {
            _exit(126);
        }
        execvp(argv[4], argv + 4);
        perror(argv[4]);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("oc_bench_spawn: wait4");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    out = fopen(argv[1], "w");
    if (out == NULL || fprintf(out, "%lld %ld %d\n", ns, ru.ru_maxrss, code) < 0 ||
        fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
