/* SPDX-License-Identifier: Apache-2.0 */
/* out: the last stage. Writes files into the output folder so that a reader
 * never sees a half-written feed: temporary file in the same folder, fsync,
 * rename(2) (as redis' rdbSave), the folder's fsync, and an flock(2) so that
 * two cron runs never interleave (DESIGN §4). */
#define _DEFAULT_SOURCE

#include "ordercal/out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ordercal/util.h"

#define LOCK_NAME ".ordercal.lock"
#define TMP_SUFFIX_LEN 7 /* ".XXXXXX" */

typedef struct {
    char *name;
    char *path;
    char *tmp;
    int fd;
    bool finished, committed;
    oc_out_status status;
    char buf[65536];
    size_t used;
} out_file;

struct oc_out {
    char *dir;
    int lock_fd;
    out_file *files;
    size_t count;
};

static int set_io(oc_error *err, const char *what, const char *path)
{
    oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

static int make_dirs(const char *dir, oc_error *err)
{
    char *path = oc_xstrdup(dir);
    int rc = 0;

    for (char *p = path + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;

            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                rc = set_io(err, "cannot create folder", path);
                break;
            }
            *p = saved;
            if (saved == '\0') {
                break;
            }
        }
    }
    free(path);
    return rc;
}

/* A temporary file of ours: ".<target>.XXXXXX" with a target of ours. */
static bool is_stale_tmp(const char *name)
{
    size_t n = strlen(name);
    const char *base;

    if (name[0] != '.' || n < 1 + TMP_SUFFIX_LEN + 4 || name[n - TMP_SUFFIX_LEN] != '.') {
        return false;
    }
    base = name + n - TMP_SUFFIX_LEN;
    for (size_t i = 1; i < TMP_SUFFIX_LEN; i++) {
        char c = base[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return (base - name >= 5 && strncmp(base - 4, ".ics", 4) == 0) ||
           (base - name >= 6 && strncmp(base - 5, ".html", 5) == 0);
}

static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    oc_buf path = {0};

    if (d == NULL) {
        return;
    }
    while ((ent = readdir(d)) != NULL) {
        if (is_stale_tmp(ent->d_name)) {
            oc_buf_reset(&path);
            oc_buf_printf(&path, "%s/%s", dir, ent->d_name);
            unlink(path.data);
        }
    }
    closedir(d);
    oc_buf_free(&path);
}

oc_out *oc_out_open(const char *dir, double lock_timeout, oc_error *err)
{
    oc_out *out = NULL;
    oc_buf lock = {0};
    struct stat st;
    struct timespec start, now, nap = {0, 50 * 1000 * 1000};
    int fd;

    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || make_dirs(dir, err) != 0) {
            if (errno != ENOENT) {
                set_io(err, "cannot open folder", dir);
            }
            return NULL;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        set_io(err, "cannot write into", dir);
        return NULL;
    }
    oc_buf_printf(&lock, "%s/%s", dir, LOCK_NAME);
    fd = open(lock.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_io(err, "cannot open lock file", lock.data);
        oc_buf_free(&lock);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            set_io(err, "cannot lock", lock.data);
            goto fail;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >=
            lock_timeout) {
            oc_error_set(err, OC_E_LOCKED, NULL, (oc_pos){0, 0},
                         "%s is locked by another ordercal run (waited %.0f s)", dir,
                         lock_timeout);
            goto fail;
        }
        nanosleep(&nap, NULL);
    }
    out = oc_xcalloc(1, sizeof(*out));
    out->dir = oc_xstrdup(dir);
    out->lock_fd = fd;
    remove_stale(dir);
    oc_buf_free(&lock);
    return out;
fail:
    close(fd);
    oc_buf_free(&lock);
    return NULL;
}

int oc_out_begin(oc_out *out, const char *name, oc_error *err)
{
    out_file *f;
    oc_buf b = {0};
    mode_t mask;

    out->files = oc_xrealloc(out->files, (out->count + 1) * sizeof(*out->files));
    f = &out->files[out->count];
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->name = oc_xstrdup(name);
    oc_buf_printf(&b, "%s/%s", out->dir, name);
    f->path = oc_buf_detach(&b);
    oc_buf_printf(&b, "%s/.%s.XXXXXX", out->dir, name);
    f->tmp = oc_buf_detach(&b);
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        set_io(err, "cannot create a temporary file for", f->path);
        free(f->name);
        free(f->path);
        free(f->tmp);
        return -1;
    }

    /* mkstemp creates 0600; feeds are read by the web server. */
    mask = umask(0);
    umask(mask);
    if (fchmod(f->fd, 0666 & ~mask) != 0) {
        set_io(err, "cannot set the mode of", f->tmp);
        close(f->fd);
        unlink(f->tmp);
        free(f->name);
        free(f->path);
        free(f->tmp);
        return -1;
    }
    return (int)out->count++;
}

static int flush_buf(out_file *f, oc_error *err)
{
    size_t off = 0;

    while (off < f->used) {
        ssize_t n = write(f->fd, f->buf + off, f->used - off);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return set_io(err, "cannot write", f->path);
        }
        off += (size_t)n;
    }
    f->used = 0;
    return 0;
}

int oc_out_write(oc_out *out, int index, const void *data, size_t len, oc_error *err)
{
    out_file *f = &out->files[index];
    const char *p = data;

    while (len > 0) {
        size_t room = sizeof(f->buf) - f->used, n = len < room ? len : room;

        memcpy(f->buf + f->used, p, n);
        f->used += n;
        p += n;
        len -= n;
        if (f->used == sizeof(f->buf) && flush_buf(f, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* True when the files at 'a' (fd, rewound) and 'path' hold the same bytes. */
static bool same_content(int fd, const char *path)
{
    char x[65536], y[65536];
    int g = open(path, O_RDONLY | O_CLOEXEC);
    bool same = false;

    if (g < 0) {
        return false;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(g);
        return false;
    }
    for (;;) {
        ssize_t n = read(fd, x, sizeof(x)), m, got = 0;

        if (n < 0) {
            break;
        }
        while (got < n) {
            m = read(g, y + got, (size_t)(n - got));
            if (m <= 0) {
                break;
            }
            got += m;
        }
        if (got != n || memcmp(x, y, (size_t)n) != 0) {
            break;
        }
        if (n == 0) {
            same = read(g, y, 1) == 0;
            break;
        }
    }
    close(g);
    return same;
}

int oc_out_finish(oc_out *out, int index, oc_error *err)
{
    out_file *f = &out->files[index];
    struct stat st;

    if (flush_buf(f, err) != 0) {
        return -1;
    }
    if (fsync(f->fd) != 0) {
        return set_io(err, "cannot sync", f->path);
    }
    if (stat(f->path, &st) != 0) {
        if (errno != ENOENT) {
            return set_io(err, "cannot read", f->path);
        }
        f->status = OC_OUT_CREATED;
    } else if (!S_ISREG(st.st_mode)) {
        errno = EISDIR;
        return set_io(err, "cannot replace", f->path);
    } else {
        f->status = same_content(f->fd, f->path) ? OC_OUT_UNCHANGED : OC_OUT_UPDATED;
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        return set_io(err, "cannot write", f->path);
    }
    f->fd = -1;
    f->finished = true;
    return 0;
}

oc_out_status oc_out_status_of(const oc_out *out, int index)
{
    return out->files[index].status;
}

const char *oc_out_path(const oc_out *out, int index)
{
    return out->files[index].path;
}

int oc_out_commit(oc_out *out, oc_error *err)
{
    int dfd;

    for (size_t i = 0; i < out->count; i++) {
        if (!out->files[i].finished) {
            oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0},
                         "%s was committed before it was finished", out->files[i].path);
            return -1;
        }
    }
    for (size_t i = 0; i < out->count; i++) {
        out_file *f = &out->files[i];

        if (f->status == OC_OUT_UNCHANGED) {
            unlink(f->tmp);
        } else if (rename(f->tmp, f->path) != 0) {
            return set_io(err, "cannot replace", f->path);
        }
        f->committed = true;
    }

    /* The renames are durable only once the folder itself is synced. */
    dfd = open(out->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return set_io(err, "cannot open folder", out->dir);
    }
    if (fsync(dfd) != 0 && errno != EINVAL) {
        close(dfd);
        return set_io(err, "cannot sync folder", out->dir);
    }
    close(dfd);
    return 0;
}

void oc_out_abort(oc_out *out)
{
    for (size_t i = 0; i < out->count; i++) {
        out_file *f = &out->files[i];

        if (f->fd >= 0) {
            close(f->fd);
            f->fd = -1;
        }
        if (!f->committed) {
            unlink(f->tmp);
            f->committed = true;
        }
    }
}

void oc_out_free(oc_out *out)
{
    if (out == NULL) {
        return;
    }
    oc_out_abort(out);
    for (size_t i = 0; i < out->count; i++) {
        free(out->files[i].name);
        free(out->files[i].path);
        free(out->files[i].tmp);
    }
    free(out->files);
    if (out->lock_fd >= 0) {
        close(out->lock_fd); /* releases the flock */
    }
    free(out->dir);
    free(out);
}
