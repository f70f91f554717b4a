/* SPDX-License-Identifier: Apache-2.0 */
/* out: the last stage. Writes files into the output folder so that a reader
 * never sees a half-written feed: temporary file in the same folder, fsync,
 * rename(2) (as redis' rdbSave), the folder's fsync, and an flock(2) so that
 * two cron runs never interleave (DESIGN §4). Files the run no longer makes
 * are unlinked at the commit, once every rename is done. */
#define _GNU_SOURCE /* sync_file_range(2) */

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
#define TMP_SUFFIX_LEN 7   /* ".XXXXXX" */
#define OUT_BUF 65536      /* what a file is written and compared by */
#define OUT_KICK (1 << 20) /* written bytes after which their write-back is started */

/* A file is compared with its target as it is written: while it equals the
 * target's first bytes nothing is written, so that an unchanged file costs a
 * read (cron's every run). At the first difference the temporary file is
 * made, the equal part copied into it from the target, and the rest follows. */
typedef struct {
    char *name;
    char *path;
    char *folder; /* the folder that holds it: the output folder or a sub-folder */
    char *tmp;
    bool sub;     /* 'folder' is a sub-folder */
    bool removal; /* oc_out_remove(): unlinked at the commit */
    int fd;       /* the temporary file; -1 until the content differs */
    int old_fd;   /* the target, to compare with; -1 when there is none */
    bool exists;  /* the target exists */
    bool differs;
    bool made;             /* the temporary file exists */
    off_t same;            /* bytes written so far, equal to the target's first ones */
    off_t written, kicked; /* bytes in the temporary file; those whose write-back started */
    bool unsynced;         /* the finished temporary file awaits its fsync at the commit */
    bool cache;            /* oc_out_cache(): never synced */
    bool finished, committed;
    oc_out_status status;
    char *buf; /* OUT_BUF bytes while the file is written; NULL once it is finished */
    size_t used;
} out_file;

struct oc_out {
    char *dir;
    bool dry; /* compare only: no lock, no temporary file, no rename */
    int lock_fd;
    out_file *files;
    size_t count;
    char **made; /* sub-folders this run created, removed again on abort when empty */
    size_t nmade;
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

    for (char *p = path + 1;; p++) {
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
           (base - name >= 6 && strncmp(base - 5, ".html", 5) == 0) ||
           (base - name >= 7 && strncmp(base - 6, ".state", 6) == 0) ||
           (base - name >= 6 && strncmp(base - 5, ".atom", 5) == 0);
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

oc_out *oc_out_open(const char *dir, double lock_timeout, bool dry, oc_error *err)
{
    oc_out *out = NULL;
    oc_buf lock = {0};
    struct stat st;
    struct timespec start, now, nap = {0, 50 * 1000 * 1000};
    int fd;

    if (dry) {
        out = oc_xcalloc(1, sizeof(*out));
        out->dir = oc_xstrdup(dir);
        out->dry = true;
        out->lock_fd = -1;
        return out;
    }
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
                         "%s is locked by another ordercal run (waited %.0f s)", dir, lock_timeout);
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

void oc_out_sweep(oc_out *out, const char *sub)
{
    oc_buf path = {0};

    if (out->dry) {
        return;
    }
    oc_buf_printf(&path, "%s/%s", out->dir, sub);
    remove_stale(path.data);
    oc_buf_free(&path);
}

/* A new entry for 'name': its paths, its folder. NULL with 'err' set for
 * a name that is not "<file>" or "<sub-folder>/<file>". */
static out_file *add_entry(oc_out *out, const char *name, oc_error *err)
{
    const char *slash = strchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    out_file *f;
    oc_buf b = {0};

    if (name[0] == '\0' || *base == '\0' ||
        (slash != NULL && (name[0] == '.' || *base == '.' || strchr(base, '/') != NULL))) {
        oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0},
                     "'%s' is not a file of the output folder", name);
        return NULL;
    }
    out->files = oc_xrealloc(out->files, (out->count + 1) * sizeof(*out->files));
    f = &out->files[out->count++];
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->old_fd = -1;
    f->name = oc_xstrdup(name);
    f->sub = slash != NULL;
    oc_buf_printf(&b, "%s/%s", out->dir, name);
    f->path = oc_buf_detach(&b);
    if (slash != NULL) {
        oc_buf_printf(&b, "%s/%.*s", out->dir, (int)(slash - name), name);
    } else {
        oc_buf_puts(&b, out->dir);
    }
    f->folder = oc_buf_detach(&b);
    oc_buf_printf(&b, "%s/.%s.XXXXXX", f->folder, base);
    f->tmp = oc_buf_detach(&b);
    return f;
}

int oc_out_begin(oc_out *out, const char *name, oc_error *err)
{
    out_file *f = add_entry(out, name, err);
    struct stat st;

    if (f == NULL) {
        return -1;
    }
    f->buf = oc_xmalloc(OUT_BUF);
    if (stat(f->path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            return set_io(err, "cannot read", f->path);
        }
    } else if (!S_ISREG(st.st_mode)) {
        errno = EISDIR;
        return set_io(err, "cannot replace", f->path);
    } else {
        f->exists = true;
        f->old_fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (f->old_fd < 0) {
            return set_io(err, "cannot read", f->path);
        }
    }
    f->differs = !f->exists;
    return (int)out->count - 1;
}

void oc_out_cache(oc_out *out, int index)
{
    out->files[index].cache = true;
}

int oc_out_remove(oc_out *out, const char *name, oc_error *err)
{
    out_file *f = add_entry(out, name, err);
    struct stat st;

    if (f == NULL) {
        return -1;
    }
    f->removal = true;
    f->finished = true;
    if (lstat(f->path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            return set_io(err, "cannot read", f->path);
        }
    } else if (!S_ISREG(st.st_mode)) {
        errno = EISDIR;
        return set_io(err, "cannot remove", f->path);
    } else {
        f->exists = true;
    }
    f->status = f->exists ? OC_OUT_REMOVED : OC_OUT_UNCHANGED;
    return (int)out->count - 1;
}

static int write_all(out_file *f, const char *data, size_t len, oc_error *err)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = write(f->fd, data + off, len - off);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return set_io(err, "cannot write", f->path);
        }
        off += (size_t)n;
    }

    /* Start the write-back of each megabyte as it is written, so that the
     * fsync before the rename waits for the last one only (Linux; elsewhere
     * the fsync does it all). A hint: the fsync reports any error. */
    f->written += (off_t)len;
#ifdef SYNC_FILE_RANGE_WRITE
    if (f->written - f->kicked >= OUT_KICK) {
        (void)sync_file_range(f->fd, f->kicked, f->written - f->kicked, SYNC_FILE_RANGE_WRITE);
        f->kicked = f->written;
    }
#endif
    return 0;
}

/* Reads up to 'len' bytes of the target at the current offset; returns how
 * many (fewer at its end), or -1. */
static ssize_t read_old(out_file *f, char *into, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(f->old_fd, into + got, len - got);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* The sub-folder of a file, made when its first temporary file is; one
 * this run made is removed again if the run is aborted. */
static int make_folder(oc_out *out, const char *folder, oc_error *err)
{
    if (mkdir(folder, 0777) == 0) {
        out->made = oc_xrealloc(out->made, (out->nmade + 1) * sizeof(*out->made));
        out->made[out->nmade++] = oc_xstrdup(folder);
        return 0;
    }
    return errno == EEXIST ? 0 : set_io(err, "cannot create folder", folder);
}

/* The content differs from the target: makes the temporary file and copies
 * into it the first f->same bytes, those that were equal. */
static int diverge(oc_out *out, out_file *f, oc_error *err)
{
    char chunk[65536];
    mode_t mask;
    off_t done = 0;

    f->differs = true;
    if (out->dry) {
        return 0;
    }
    if (f->sub && make_folder(out, f->folder, err) != 0) {
        return -1;
    }
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        return set_io(err, "cannot create a temporary file for", f->path);
    }
    f->made = true;

    /* mkstemp creates 0600; feeds are read by the web server. */
    mask = umask(0);
    umask(mask);
    if (fchmod(f->fd, 0666 & ~mask) != 0) {
        return set_io(err, "cannot set the mode of", f->tmp);
    }
    while (done < f->same) {
        size_t want =
            (size_t)(f->same - done) < sizeof(chunk) ? (size_t)(f->same - done) : sizeof(chunk);
        ssize_t n = pread(f->old_fd, chunk, want, done);

        if (n <= 0) {
            if (n == 0) {
                errno = EIO; /* the target shrank under us */
            }
            return set_io(err, "cannot read", f->path);
        }
        if (write_all(f, chunk, (size_t)n, err) != 0) {
            return -1;
        }
        done += n;
    }
    return 0;
}

static int flush_buf(oc_out *out, out_file *f, oc_error *err)
{
    /* A new file differs from the start. */
    if (f->differs && !f->made && !out->dry && diverge(out, f, err) != 0) {
        return -1;
    }
    if (f->used == 0) {
        return 0;
    }
    if (!f->differs) {
        char old[OUT_BUF];
        ssize_t n = read_old(f, old, f->used);

        if (n < 0) {
            return set_io(err, "cannot read", f->path);
        }
        if ((size_t)n == f->used && memcmp(old, f->buf, f->used) == 0) {
            f->same += (off_t)f->used;
            f->used = 0;
            return 0;
        }
        if (diverge(out, f, err) != 0) {
            return -1;
        }
    }
    if (f->fd >= 0 && write_all(f, f->buf, f->used, err) != 0) {
        return -1;
    }
    f->used = 0;
    return 0;
}

int oc_out_write(oc_out *out, int index, const void *data, size_t len, oc_error *err)
{
    out_file *f = &out->files[index];
    const char *p = data;

    while (len > 0) {
        size_t room = OUT_BUF - f->used, n = len < room ? len : room;

        memcpy(f->buf + f->used, p, n);
        f->used += n;
        p += n;
        len -= n;
        if (f->used == OUT_BUF && flush_buf(out, f, err) != 0) {
            return -1;
        }
    }
    return 0;
}

int oc_out_finish(oc_out *out, int index, oc_error *err)
{
    out_file *f = &out->files[index];

    if (flush_buf(out, f, err) != 0) {
        return -1;
    }
    if (!f->differs) {
        char one;
        ssize_t n = read_old(f, &one, 1);

        if (n < 0) {
            return set_io(err, "cannot read", f->path);
        }
        if (n > 0 && diverge(out, f, err) != 0) {
            return -1; /* the target is longer */
        }
    }
    f->status = !f->differs ? OC_OUT_UNCHANGED : f->exists ? OC_OUT_UPDATED : OC_OUT_CREATED;
    if (f->old_fd >= 0) {
        close(f->old_fd);
        f->old_fd = -1;
    }
    if (f->fd >= 0) {
        /* Synced at the commit, with the run's other files: on a journalled
         * file system the first fsync then commits them all, where one
         * fsync per file as it is finished waits for one journal commit
         * each (a fresh site folder of a dozen files: a few milliseconds). */
#ifdef SYNC_FILE_RANGE_WRITE
        (void)sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
        f->unsynced = !f->cache;
        if (close(f->fd) != 0) {
            f->fd = -1;
            return set_io(err, "cannot write", f->path);
        }
        f->fd = -1;
    }
    f->finished = true;

    /* A site writes a file per feed and per copy: their buffers are not
     * all held until the commit. */
    free(f->buf);
    f->buf = NULL;
    return 0;
}

oc_out_status oc_out_status_of(const oc_out *out, int index)
{
    return out->files[index].status;
}

/* fsync(2) of 'path' through a new descriptor opened with 'flags'. Returns
 * 0, or -1 with errno set and '*opened' saying whether the open worked. */
static int fsync_path(const char *path, int flags, bool *opened)
{
    int fd = open(path, flags | O_CLOEXEC);
    int rc, saved;

    *opened = fd >= 0;
    if (fd < 0) {
        return -1;
    }
    rc = fsync(fd);
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* fsync(2) of a folder: its renames and unlinks are durable only then. */
static int sync_folder(const char *folder, oc_error *err)
{
    bool opened;

    if (fsync_path(folder, O_RDONLY | O_DIRECTORY, &opened) != 0 && (!opened || errno != EINVAL)) {
        return set_io(err, opened ? "cannot sync folder" : "cannot open folder", folder);
    }
    return 0;
}

/* fsync(2) of a finished temporary file. */
static int sync_tmp(out_file *f, oc_error *err)
{
    bool opened;

    if (fsync_path(f->tmp, O_RDONLY, &opened) != 0) {
        return set_io(err, "cannot sync", f->path);
    }
    f->unsynced = false;
    return 0;
}

/* Commits one entry: its rename, or (second pass) its removal. */
static int commit_one(oc_out *out, out_file *f, oc_error *err)
{
    if (f->status == OC_OUT_UNCHANGED || out->dry) {
        return 0;
    }
    if (f->removal) {
        return unlink(f->path) != 0 && errno != ENOENT ? set_io(err, "cannot remove", f->path) : 0;
    }
    return rename(f->tmp, f->path) != 0 ? set_io(err, "cannot replace", f->path) : 0;
}

int oc_out_commit(oc_out *out, oc_error *err)
{
    size_t first = 0; /* the entries an earlier commit of the run left */

    for (size_t i = 0; i < out->count; i++) {
        if (!out->files[i].finished) {
            oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0},
                         "%s was committed before it was finished", out->files[i].path);
            return -1;
        }
    }
    while (first < out->count && out->files[first].committed) {
        first++;
    }

    /* Every new file on disk before any is renamed into place. */
    for (size_t i = first; i < out->count; i++) {
        if (out->files[i].unsynced && sync_tmp(&out->files[i], err) != 0) {
            return -1;
        }
    }

    /* The renames, then the removals: a file the new files no longer link
     * to goes only once they are in place. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = first; i < out->count; i++) {
            out_file *f = &out->files[i];

            if (f->committed || f->removal != (pass == 1)) {
                continue;
            }
            if (commit_one(out, f, err) != 0) {
                return -1;
            }
            f->committed = true;
        }
    }
    if (out->dry) {
        return 0;
    }

    /* Each sub-folder changed, then the folder (which holds them). */
    for (size_t i = first; i < out->count; i++) {
        const out_file *f = &out->files[i];
        bool seen = false;

        for (size_t j = first; j < i && !seen; j++) {
            seen = out->files[j].sub && out->files[j].status != OC_OUT_UNCHANGED &&
                   strcmp(out->files[j].folder, f->folder) == 0;
        }
        if (f->sub && f->status != OC_OUT_UNCHANGED && !seen && sync_folder(f->folder, err) != 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < out->nmade; i++) {
        free(out->made[i]);
    }
    out->nmade = 0; /* they hold committed files now */
    for (size_t i = first; i < out->count; i++) {
        if (!out->files[i].cache && out->files[i].status != OC_OUT_UNCHANGED) {
            return sync_folder(out->dir, err);
        }
    }
    return 0; /* nothing durable changed: a commit of caches only */
}

void oc_out_abort(oc_out *out)
{
    for (size_t i = 0; i < out->count; i++) {
        out_file *f = &out->files[i];

        if (f->old_fd >= 0) {
            close(f->old_fd);
            f->old_fd = -1;
        }
        if (f->fd >= 0) {
            close(f->fd);
            f->fd = -1;
        }
        if (f->made && !f->committed) {
            unlink(f->tmp);
        }
        f->committed = true;
    }
    while (out->nmade > 0) {
        char *folder = out->made[--out->nmade];

        rmdir(folder); /* only when empty */
        free(folder);
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
        free(out->files[i].folder);
        free(out->files[i].tmp);
        free(out->files[i].buf);
    }
    free(out->files);
    free(out->made);
    if (out->lock_fd >= 0) {
        close(out->lock_fd); /* releases the flock */
    }
    free(out->dir);
    free(out);
}
