/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the out stage: atomic replacement, unchanged files keep
 * their mtime, abort leaves targets alone, stale temporary files of a killed
 * run are removed, files in a sub-folder, removals at the commit only, and
 * the folder lock times out instead of hanging; what is synced, and that a
 * cache is not. */
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordercal/out.h"
#include "ordercal/util.h"

/* The fsync(2) calls of the code under test, counted: this definition
 * takes the place of the C library's in the test program. */
static int fsyncs;

int fsync(int fd)
{
    fsyncs++;
    return (int)syscall(SYS_fsync, fd);
}

static int setup(void **state)
{
    char *dir = strdup("/tmp/test_out_XXXXXX");

    if (dir == NULL || mkdtemp(dir) == NULL) {
        return -1;
    }
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    free(*state);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *dir, const char *name)
{
    char path[512];
    FILE *fp;
    oc_buf b = {0};
    char chunk[4096];
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        oc_buf_add(&b, chunk, n);
    }
    fclose(fp);
    return oc_buf_detach(&b);
}

static oc_out_status write_one(const char *dir, const char *name, const char *text, bool commit)
{
    oc_error err;
    oc_out *out;
    oc_out_status st;
    int i;

    oc_error_init(&err);
    out = oc_out_open(dir, 1.0, false, &err);
    assert_non_null(out);
    i = oc_out_begin(out, name, &err);
    assert_true(i >= 0);
    assert_int_equal(oc_out_write(out, i, text, strlen(text), &err), 0);
    assert_int_equal(oc_out_finish(out, i, &err), 0);
    st = oc_out_status_of(out, i);
    if (commit) {
        assert_int_equal(oc_out_commit(out, &err), 0);
    } else {
        oc_out_abort(out);
    }
    oc_out_free(out);
    return st;
}

/* Names in 'dir' other than the lock file, sorted, space-separated. */
static void listing(const char *dir, char *out, size_t size)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);

    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *s = names[i]->d_name;

        if (strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && strcmp(s, ".ordercal.lock") != 0) {
            strncat(out, s, size - strlen(out) - 2);
            strncat(out, " ", size - strlen(out) - 1);
        }
        free(names[i]);
    }
    free(names);
}

static void test_out_created_unchanged_updated(void **state)
{
    const char *dir = *state;
    char path[512], *text;
    struct stat a, b;

    assert_int_equal(write_one(dir, "f.ics", "one\r\n", true), OC_OUT_CREATED);
    text = slurp(dir, "f.ics");
    assert_string_equal(text, "one\r\n");
    free(text);
    snprintf(path, sizeof(path), "%s/f.ics", dir);
    assert_int_equal(stat(path, &a), 0);
    assert_int_equal(a.st_mode & 0044, 0044); /* readable by the web server */
    usleep(20000);
    assert_int_equal(write_one(dir, "f.ics", "one\r\n", true), OC_OUT_UNCHANGED);
    assert_int_equal(stat(path, &b), 0);
    assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
    assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_int_equal(write_one(dir, "f.ics", "one\r\ntwo\r\n", true), OC_OUT_UPDATED);
    text = slurp(dir, "f.ics");
    assert_string_equal(text, "one\r\ntwo\r\n");
    free(text);
    assert_int_equal(write_one(dir, "f.ics", "one\r\n", true), OC_OUT_UPDATED);
}

static void test_out_abort_keeps_target(void **state)
{
    const char *dir = *state;
    char names[512], *text;

    write_one(dir, "f.ics", "old", true);
    write_one(dir, "f.ics", "new", false);
    text = slurp(dir, "f.ics");
    assert_string_equal(text, "old");
    free(text);
    listing(dir, names, sizeof(names));
    assert_string_equal(names, "f.ics ");
}

static void test_out_large_file(void **state)
{
    const char *dir = *state;
    size_t n = 300000;
    char *big = malloc(n + 1), *text;

    for (size_t i = 0; i < n; i++) {
        big[i] = (char)('a' + i % 26);
    }
    big[n] = '\0';
    assert_int_equal(write_one(dir, "big.ics", big, true), OC_OUT_CREATED);
    assert_int_equal(write_one(dir, "big.ics", big, true), OC_OUT_UNCHANGED);
    big[n - 1] = '!';
    assert_int_equal(write_one(dir, "big.ics", big, true), OC_OUT_UPDATED);
    text = slurp(dir, "big.ics");
    assert_string_equal(text, big);
    free(text);
    free(big);
}

static void test_out_removes_stale_temporaries(void **state)
{
    const char *dir = *state;
    static const char *const files[] = {".feed.ics.Ab12Cd", ".index.html.zzzzzz", ".keep.ics.short",
                                        ".profile", "feed.ics.Ab12Cd"};
    char path[512], names[512];
    oc_error err;
    oc_out *out;

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fclose(fp);
    }
    oc_error_init(&err);
    out = oc_out_open(dir, 1.0, false, &err);
    assert_non_null(out);
    oc_out_free(out);
    listing(dir, names, sizeof(names));
    assert_string_equal(names, ".keep.ics.short .profile feed.ics.Ab12Cd ");
}

static void test_out_lock_times_out(void **state)
{
    const char *dir = *state;
    char path[512];
    int pipefd[2], status;
    pid_t pid;
    oc_error err;
    oc_out *out;
    char c;

    snprintf(path, sizeof(path), "%s/.ordercal.lock", dir);
    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);

        if (fd < 0 || flock(fd, LOCK_EX) != 0) {
            _exit(1);
        }
        if (write(pipefd[1], "x", 1) != 1) {
            _exit(1);
        }
        usleep(600000);
        _exit(0);
    }
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    oc_error_init(&err);
    out = oc_out_open(dir, 0.2, false, &err);
    assert_null(out);
    assert_int_equal(err.code, OC_E_LOCKED);
    assert_non_null(strstr(err.text, "locked by another ordercal run"));

    /* Once the other run ends, the lock is ours. */
    oc_error_init(&err);
    out = oc_out_open(dir, 5.0, false, &err);
    assert_non_null(out);
    oc_out_free(out);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(pipefd[0]);
    close(pipefd[1]);
}

static void test_out_folder_errors(void **state)
{
    const char *dir = *state;
    char path[512];
    oc_error err;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/plain-file", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    oc_error_init(&err);
    assert_null(oc_out_open(path, 1.0, false, &err));
    assert_int_equal(err.code, OC_E_IO);
    assert_non_null(strstr(err.text, path));

    /* A missing folder is created, parents included. */
    snprintf(path, sizeof(path), "%s/a/b/c/", dir);
    oc_error_init(&err);
    assert_int_equal(write_one(path, "x.ics", "x", true), OC_OUT_CREATED);
}

/* A file in a sub-folder: the sub-folder is made with its first byte, its
 * temporary file sits beside the target, an abort takes the new empty
 * sub-folder away again. */
static void test_out_sub_folder(void **state)
{
    const char *dir = *state;
    char sub[512], names[512], *text;
    oc_error err;
    oc_out *out;
    int i;

    snprintf(sub, sizeof(sub), "%s/events", dir);
    assert_int_equal(write_one(dir, "events/a.ics", "a", false), OC_OUT_CREATED);
    listing(dir, names, sizeof(names));
    assert_string_equal(names, "");
    assert_int_equal(write_one(dir, "events/a.ics", "a", true), OC_OUT_CREATED);
    text = slurp(dir, "events/a.ics");
    assert_string_equal(text, "a");
    free(text);
    assert_int_equal(write_one(dir, "events/a.ics", "a", true), OC_OUT_UNCHANGED);

    /* Before the commit, the temporary file is in the sub-folder. */
    oc_error_init(&err);
    out = oc_out_open(dir, 1.0, false, &err);
    assert_non_null(out);
    i = oc_out_begin(out, "events/a.ics", &err);
    assert_int_equal(oc_out_write(out, i, "b", 1, &err), 0);
    assert_int_equal(oc_out_finish(out, i, &err), 0);
    listing(sub, names, sizeof(names));
    assert_non_null(strstr(names, ".a.ics."));
    oc_out_free(out);
    listing(sub, names, sizeof(names));
    assert_string_equal(names, "a.ics ");

    /* Names are a file or one sub-folder and a file, neither hidden. */
    out = oc_out_open(dir, 1.0, false, &err);
    assert_non_null(out);
    assert_int_equal(oc_out_begin(out, "events/.a.ics", &err), -1);
    assert_int_equal(err.code, OC_E_INTERNAL);
    oc_error_init(&err);
    assert_int_equal(oc_out_begin(out, "../a.ics", &err), -1);
    oc_error_init(&err);
    assert_int_equal(oc_out_begin(out, "events/x/a.ics", &err), -1);
    oc_out_free(out);
}

/* A removal happens at the commit, after the renames, and never on abort
 * or in a dry folder; a missing file is unchanged. */
static void test_out_remove(void **state)
{
    const char *dir = *state;
    char sub[512], names[512];
    oc_error err;
    oc_out *out;
    int i, r;

    write_one(dir, "events/a.ics", "a", true);
    write_one(dir, "events/b.ics", "b", true);
    oc_error_init(&err);
    for (int mode = 0; mode < 3; mode++) { /* abort, dry, commit */
        out = oc_out_open(dir, 1.0, mode == 1, &err);
        assert_non_null(out);
        i = oc_out_begin(out, "events/c.ics", &err);
        assert_int_equal(oc_out_write(out, i, "c", 1, &err), 0);
        assert_int_equal(oc_out_finish(out, i, &err), 0);
        r = oc_out_remove(out, "events/a.ics", &err);
        assert_true(r >= 0);
        assert_int_equal(oc_out_status_of(out, r), OC_OUT_REMOVED);
        assert_int_equal(oc_out_status_of(out, oc_out_remove(out, "events/z.ics", &err)),
                         OC_OUT_UNCHANGED);
        if (mode == 0) {
            oc_out_abort(out);
        } else {
            assert_int_equal(oc_out_commit(out, &err), 0);
        }
        oc_out_free(out);
        listing(dir, names, sizeof(names));
        assert_string_equal(names, "events ");
        snprintf(sub, sizeof(sub), "%s/events", dir);
        listing(sub, names, sizeof(names));
        assert_string_equal(names, mode < 2 ? "a.ics b.ics " : "b.ics c.ics ");
    }

    /* A folder is not a file to remove. */
    out = oc_out_open(dir, 1.0, false, &err);
    assert_int_equal(oc_out_remove(out, "events", &err), -1);
    assert_int_equal(err.code, OC_E_IO);
    oc_out_free(out);
}

/* oc_out_sweep(): the temporary files of a killed run in a sub-folder. */
static void test_out_sweep(void **state)
{
    const char *dir = *state;
    char path[512], names[512];
    oc_error err;
    oc_out *out;
    FILE *fp;

    write_one(dir, "events/a.ics", "a", true);
    snprintf(path, sizeof(path), "%s/events/.a.ics.Xy12Zw", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    oc_error_init(&err);
    out = oc_out_open(dir, 1.0, false, &err);
    oc_out_sweep(out, "missing");
    oc_out_sweep(out, "events");
    oc_out_free(out);
    snprintf(path, sizeof(path), "%s/events", dir);
    listing(path, names, sizeof(names));
    assert_string_equal(names, "a.ics ");
}

/* A new file is synced before its rename, and the folder after; a cache
 * (oc_out_cache()) neither, alone or with a file that is. */
static void test_out_syncs(void **state)
{
    const char *dir = *state;
    oc_error err;
    oc_out *out;
    int a, c;

    fsyncs = 0;
    assert_int_equal(write_one(dir, "feed.ics", "A", true), OC_OUT_CREATED);
    assert_int_equal(fsyncs, 2); /* the file, the folder */

    oc_error_init(&err);
    out = oc_out_open(dir, 1.0, false, &err);
    assert_non_null(out);
    c = oc_out_begin(out, "state", &err);
    assert_true(c >= 0);
    oc_out_cache(out, c);
    assert_int_equal(oc_out_write(out, c, "S", 1, &err), 0);
    assert_int_equal(oc_out_finish(out, c, &err), 0);
    fsyncs = 0;
    assert_int_equal(oc_out_commit(out, &err), 0);
    assert_int_equal(fsyncs, 0);
    oc_out_free(out);

    out = oc_out_open(dir, 1.0, false, &err);
    assert_non_null(out);
    a = oc_out_begin(out, "feed.ics", &err);
    c = oc_out_begin(out, "state", &err);
    assert_true(a >= 0 && c >= 0);
    oc_out_cache(out, c);
    assert_int_equal(oc_out_write(out, a, "B", 1, &err), 0);
    assert_int_equal(oc_out_write(out, c, "T", 1, &err), 0);
    assert_int_equal(oc_out_finish(out, a, &err), 0);
    assert_int_equal(oc_out_finish(out, c, &err), 0);
    fsyncs = 0;
    assert_int_equal(oc_out_commit(out, &err), 0);
    assert_int_equal(fsyncs, 2); /* feed.ics, the folder */
    oc_out_free(out);

    {
        char *feed = slurp(dir, "feed.ics"), *cache = slurp(dir, "state");

        assert_string_equal(feed, "B");
        assert_string_equal(cache, "T");
        free(feed);
        free(cache);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_out_created_unchanged_updated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_abort_keeps_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_large_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_removes_stale_temporaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_lock_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_folder_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_sub_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_syncs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
