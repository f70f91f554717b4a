/* SPDX-License-Identifier: Apache-2.0 */
/* LD_PRELOAD fault injection for tests/faults/faults.sh: makes the system
 * calls of `ordercal build` fail the way a full disk, a failing device, a
 * read-only folder or a kill -9 would, on the files of one output folder
 * only. The tests run as root in CI, where permissions do not apply, so a
 * "folder without write permission" is simulated here too.
 *
 * Every knob is an environment variable; unset means "do not inject".
 *   OC_SHIM_DIR              the output folder the faults apply to (required)
 *   OC_SHIM_WRITE_ENOSPC=N   write() to a temporary file fails with ENOSPC
 *                            once N bytes have been written to temporary files
 *                            (the write that crosses N is cut short there)
 *   OC_SHIM_FSYNC_EIO=1      fsync()/fdatasync() of a temporary file fails with EIO
 *   OC_SHIM_FSYNC_DELAY_MS=N fsync() of a temporary file first sleeps N ms (a
 *                            slow disk: runs overlap for as long as they hold the lock)
 *   OC_SHIM_RENAME_ERRNO=E   rename() of a temporary file fails with E (EIO, EXDEV)
 *   OC_SHIM_RENAME_OK=K      ... after letting the first K renames through
 *   OC_SHIM_MKSTEMP_EACCES=1 mkstemp() in the folder fails with EACCES
 *   OC_SHIM_READONLY=1       the folder is read-only: creating a file in it
 *                            (mkstemp, open with O_CREAT, fopen for writing),
 *                            rename and unlink in it fail with EACCES
 *   OC_SHIM_KILL_BEFORE_RENAME=1  raise(SIGKILL) right before the rename() of
 *                            a temporary file (after OC_SHIM_RENAME_OK renames)
 *   OC_SHIM_FOPEN_EACCES=S   fopen() of a path ending in S fails with EACCES,
 *                            in any folder (an unreadable template)
 *   OC_SHIM_PROBE=FILE       append "loaded" to FILE when the shim is loaded, and
 *                            the name of every call it made fail (tests/faults/lib.sh
 *                            checks with it that the shim really interposes)
 *
 * A temporary file is one named ".<name>.XXXXXX" (six letters or digits)
 * directly inside OC_SHIM_DIR or one of its sub-folders (the copies'
 * events/); the lock file .ordercal.lock is not one. */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Exported, so they are declared here (-Wmissing-prototypes). */
ssize_t write(int fd, const void *buf, size_t count);
int fsync(int fd);
int fdatasync(int fd);
int rename(const char *oldpath, const char *newpath);
int mkstemp(char *tmpl);
int mkstemp64(char *tmpl);
int mkostemp(char *tmpl, int flags);
int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int unlink(const char *path);
FILE *fopen(const char *path, const char *mode);
FILE *fopen64(const char *path, const char *mode);

/* Loads the next definition of 'name' into the function pointer 'fp'
 * (through memcpy: ISO C has no cast from void * to a function pointer). */
#define LOAD(fp, name)                                                                             \
    do {                                                                                           \
        if ((fp) == NULL) {                                                                        \
            void *sym_ = next(name);                                                               \
                                                                                                   \
            memcpy(&(fp), &sym_, sizeof(sym_));                                                    \
        }                                                                                          \
    } while (0)

static void *next(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);

    if (f == NULL) {
        static const char msg[] = "oc fault shim: dlsym failed\n";

        (void)!syscall(SYS_write, 2, msg, sizeof(msg) - 1);
        abort();
    }
    return f;
}

/* Appends 'what' and a newline to $OC_SHIM_PROBE, with raw system calls
 * (our own write() must not count it). */
static void probe(const char *what)
{
    const char *path = getenv("OC_SHIM_PROBE");
    long fd;

    if (path == NULL || path[0] == '\0') {
        return;
    }
    fd = syscall(SYS_open, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!syscall(SYS_write, (int)fd, what, strlen(what));
        (void)!syscall(SYS_write, (int)fd, "\n", 1);
        syscall(SYS_close, (int)fd);
    }
}

__attribute__((constructor)) static void shim_loaded(void)
{
    probe("loaded");
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? strtol(v, NULL, 10) : dflt;
}

static bool env_on(const char *name)
{
    return env_long(name, 0) != 0;
}

/* The folder, resolved once. */
static const char *shim_dir(void)
{
    static char dir[PATH_MAX];
    static bool known;

    /* Until the folder exists, it is looked for again at every call. */
    if (!known) {
        const char *d = getenv("OC_SHIM_DIR");

        known = d != NULL && d[0] != '\0' && realpath(d, dir) != NULL;
    }
    return known ? dir : NULL;
}

/* True when 'path' names an entry directly inside OC_SHIM_DIR or inside a
 * sub-folder of it; '*base' is then its file name. The entry itself need
 * not exist. */
static bool in_dir(const char *path, const char **base)
{
    const char *dir = shim_dir();
    const char *slash = strrchr(path, '/');
    char parent[PATH_MAX], resolved[PATH_MAX];
    size_t n;

    if (dir == NULL) {
        return false;
    }
    if (slash == NULL) {
        if (getcwd(resolved, sizeof(resolved)) == NULL) {
            return false;
        }
        *base = path;
    } else {
        n = (size_t)(slash - path);
        if (n == 0) {
            n = 1; /* "/x" */
        }
        if (n >= sizeof(parent)) {
            return false;
        }
        memcpy(parent, path, n);
        parent[n] = '\0';
        if (realpath(parent, resolved) == NULL) {
            return false;
        }
        *base = slash + 1;
    }
    n = strlen(dir);
    return strcmp(resolved, dir) == 0 || (strncmp(resolved, dir, n) == 0 && resolved[n] == '/' &&
                                          strchr(resolved + n + 1, '/') == NULL);
}

static bool is_tmp_name(const char *base)
{
    size_t n = strlen(base);

    if (n < 9 || base[0] != '.' || base[n - 7] != '.') {
        return false;
    }
    for (size_t i = n - 6; i < n; i++) {
        char c = base[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return strcmp(base, ".ordercal.lock") != 0;
}

static bool is_tmp_path(const char *path)
{
    const char *base;

    return in_dir(path, &base) && is_tmp_name(base);
}

static bool is_tmp_fd(int fd)
{
    char link[64], path[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof(path) - 1);
    if (n <= 0) {
        return false;
    }
    path[n] = '\0';
    return is_tmp_path(path);
}

/* ---- write, fsync ------------------------------------------------------- */

static long written; /* bytes written to temporary files so far */

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);
    long limit = env_long("OC_SHIM_WRITE_ENOSPC", -1);

    LOAD(real, "write");
    if (limit >= 0 && fd > 2 && is_tmp_fd(fd)) {
        ssize_t n;

        if (written >= limit) {
            probe("write");
            errno = ENOSPC;
            return -1;
        }
        if ((long)count > limit - written) {
            count = (size_t)(limit - written);
        }
        n = real(fd, buf, count);
        if (n > 0) {
            written += n;
        }
        return n;
    }
    return real(fd, buf, count);
}

int fsync(int fd)
{
    static int (*real)(int);

    LOAD(real, "fsync");
    if (env_on("OC_SHIM_FSYNC_DELAY_MS") && is_tmp_fd(fd)) {
        long ms = env_long("OC_SHIM_FSYNC_DELAY_MS", 0);
        struct timespec nap = {ms / 1000, ms % 1000 * 1000000L};

        while (nanosleep(&nap, &nap) != 0 && errno == EINTR) {
        }
    }
    if (env_on("OC_SHIM_FSYNC_EIO") && is_tmp_fd(fd)) {
        probe("fsync");
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);

    LOAD(real, "fdatasync");
    if (env_on("OC_SHIM_FSYNC_EIO") && is_tmp_fd(fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}

/* ---- rename, unlink ------------------------------------------------------ */

static int parse_errno(const char *s)
{
    static const struct {
        const char *name;
        int value;
    } names[] = {{"EIO", EIO},     {"EXDEV", EXDEV}, {"EACCES", EACCES}, {"ENOSPC", ENOSPC},
                 {"EPERM", EPERM}, {"EROFS", EROFS}, {"EBUSY", EBUSY}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            return names[i].value;
        }
    }
    return EIO;
}

int rename(const char *oldpath, const char *newpath)
{
    static int (*real)(const char *, const char *);
    static long renames;
    const char *base;
    const char *e = getenv("OC_SHIM_RENAME_ERRNO");

    LOAD(real, "rename");
    if (is_tmp_path(oldpath)) {
        if (renames >= env_long("OC_SHIM_RENAME_OK", 0)) {
            if (env_on("OC_SHIM_KILL_BEFORE_RENAME")) {
                raise(SIGKILL);
            }
            if (e != NULL && e[0] != '\0') {
                probe("rename");
                errno = parse_errno(e);
                return -1;
            }
        }
        renames++;
    }
    if (env_on("OC_SHIM_READONLY") && (in_dir(oldpath, &base) || in_dir(newpath, &base))) {
        errno = EACCES;
        return -1;
    }
    return real(oldpath, newpath);
}

int unlink(const char *path)
{
    static int (*real)(const char *);
    const char *base;

    LOAD(real, "unlink");
    if (env_on("OC_SHIM_READONLY") && in_dir(path, &base)) {
        errno = EACCES;
        return -1;
    }
    return real(path);
}

/* ---- creating files ----------------------------------------------------- */

static bool deny_create(const char *path)
{
    const char *base;

    return (env_on("OC_SHIM_MKSTEMP_EACCES") || env_on("OC_SHIM_READONLY")) && in_dir(path, &base);
}

int mkstemp(char *tmpl)
{
    static int (*real)(char *);

    LOAD(real, "mkstemp");
    if (deny_create(tmpl)) {
        probe("mkstemp");
        errno = EACCES;
        return -1;
    }
    return real(tmpl);
}

int mkstemp64(char *tmpl)
{
    static int (*real)(char *);

    LOAD(real, "mkstemp64");
    if (deny_create(tmpl)) {
        probe("mkstemp");
        errno = EACCES;
        return -1;
    }
    return real(tmpl);
}

int mkostemp(char *tmpl, int flags)
{
    static int (*real)(char *, int);

    LOAD(real, "mkostemp");
    if (deny_create(tmpl)) {
        probe("mkstemp");
        errno = EACCES;
        return -1;
    }
    return real(tmpl, flags);
}

/* A read-only folder: an existing file opens for reading and writing (the
 * lock file), a new one cannot be created. */
static bool deny_open(const char *path, int flags)
{
    const char *base;

    return env_on("OC_SHIM_READONLY") && (flags & O_CREAT) != 0 && in_dir(path, &base) &&
           access(path, F_OK) != 0;
}

#define OPEN_LIKE(fname)                                                                           \
    int fname(const char *path, int flags, ...)                                                    \
    {                                                                                              \
        static int (*real)(const char *, int, ...);                                                \
        mode_t mode = 0;                                                                           \
                                                                                                   \
        LOAD(real, #fname);                                                                        \
        if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {                          \
            va_list ap;                                                                            \
                                                                                                   \
            va_start(ap, flags);                                                                   \
            mode = (mode_t)va_arg(ap, int);                                                        \
            va_end(ap);                                                                            \
        }                                                                                          \
        if (deny_open(path, flags)) {                                                              \
            errno = EACCES;                                                                        \
            return -1;                                                                             \
        }                                                                                          \
        return real(path, flags, mode);                                                            \
    }

OPEN_LIKE(open)
OPEN_LIKE(open64)

int openat(int dirfd, const char *path, int flags, ...)
{
    static int (*real)(int, const char *, int, ...);
    mode_t mode = 0;

    LOAD(real, "openat");
    if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {
        va_list ap;

        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((dirfd == AT_FDCWD || path[0] == '/') && deny_open(path, flags)) {
        errno = EACCES;
        return -1;
    }
    return real(dirfd, path, flags, mode);
}

/* ---- reading ------------------------------------------------------------ */

static bool deny_fopen(const char *path, const char *mode)
{
    const char *suffix = getenv("OC_SHIM_FOPEN_EACCES");
    size_t n = strlen(path), m;
    const char *base;

    if (env_on("OC_SHIM_READONLY") && mode[0] != 'r' && in_dir(path, &base) &&
        access(path, F_OK) != 0) {
        return true;
    }
    if (suffix == NULL || suffix[0] == '\0') {
        return false;
    }
    m = strlen(suffix);
    return n >= m && strcmp(path + n - m, suffix) == 0;
}

FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);

    LOAD(real, "fopen");
    if (deny_fopen(path, mode)) {
        probe("fopen");
        errno = EACCES;
        return NULL;
    }
    return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);

    LOAD(real, "fopen64");
    if (deny_fopen(path, mode)) {
        probe("fopen");
        errno = EACCES;
        return NULL;
    }
    return real(path, mode);
}
