/* SPDX-License-Identifier: Apache-2.0 */
/* state: the memory of the last build of an output folder, so that a build
 * whose inputs and files are those of the last one stops before rendering
 * (cron runs ordercal every few minutes; almost every run changes nothing). */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAGIC "ordercal-state 1"

/* One file's identity: any write, rename over it or metadata change moves
 * its ctime, which no user can set back. */
static int file_line(const char *dir, const char *name, oc_buf *out)
{
    oc_buf path = {0};
    struct stat st;
    int r;

    oc_buf_printf(&path, "%s/%s", dir, name);
    r = stat(path.data, &st);
    oc_buf_free(&path);
    if (r != 0 || !S_ISREG(st.st_mode)) {
        return -1;
    }
    oc_buf_printf(out, "%s %jd %jd.%09ld %jd.%09ld %ju\n", name, (intmax_t)st.st_size,
                  (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec,
                  st.st_ctim.tv_nsec, (uintmax_t)st.st_ino);
    return 0;
}

int oc_state_text(const char *dir, uint64_t key, const char *const *names, size_t n, oc_buf *out)
{
    oc_buf_printf(out, MAGIC " %016" PRIx64 " %zu\n", key, n);
    for (size_t i = 0; i < n; i++) {
        if (file_line(dir, names[i], out) != 0) {
            return -1;
        }
    }
    return 0;
}

bool oc_state_current(const char *dir, uint64_t key, const char *const *names, size_t n)
{
    oc_buf path = {0}, old = {0}, now = {0};
    oc_error ignored;
    bool same;

    oc_error_init(&ignored);
    oc_buf_printf(&path, "%s/" OC_STATE_NAME, dir);
    same = oc_file_read(path.data, 1 << 20, &old, &ignored) == 0 &&
           oc_state_text(dir, key, names, n, &now) == 0 && old.len == now.len &&
           memcmp(old.data, now.data, now.len) == 0;
    oc_buf_free(&path);
    oc_buf_free(&old);
    oc_buf_free(&now);
    return same;
}
