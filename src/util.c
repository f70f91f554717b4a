/* SPDX-License-Identifier: Apache-2.0 */
/* util: allocation that aborts on exhaustion, growable buffers, civil-date
 * arithmetic and RFC 5545 §3.3.6 durations, shared by every stage. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/util.h"

#include <dirent.h>
#include <errno.h>

#include "ordercal/diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("ordercal: error: out of memory\n", stderr);
    abort();
}

void *oc_xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);

    if (p == NULL) {
        oom();
    }
    return p;
}

void *oc_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count != 0 ? count : 1, size != 0 ? size : 1);

    if (p == NULL) {
        oom();
    }
    return p;
}

void *oc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n != 0 ? n : 1);

    if (q == NULL) {
        oom();
    }
    return q;
}

char *oc_xstrdup(const char *s)
{
    return oc_xstrndup(s, strlen(s));
}

char *oc_xstrndup(const char *s, size_t n)
{
    char *p = oc_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void oc_buf_grow(oc_buf *b, size_t extra)
{
    size_t need;

    if (extra > SIZE_MAX - b->len - 1) {
        oom();
    }
    need = b->len + extra + 1;
    if (need <= b->cap) {
        return;
    }
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    b->data = oc_xrealloc(b->data, cap);
    b->cap = cap;
}

void oc_buf_printf(oc_buf *b, const char *fmt, ...)
{
    size_t room;
    va_list ap;
    int n;

    /* Into the room the buffer has; formatted again only when it needs more. */
    if (b->cap - b->len < 64) {
        oc_buf_grow(b, 64);
    }
    room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        oc_buf_grow(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

size_t oc_uint_text(uint64_t v, int width, char out[21])
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n < (size_t)width && n < sizeof(tmp)) {
        tmp[n++] = '0';
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    out[n] = '\0';
    return n;
}

void oc_digits(char *out, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10) {
        out[i] = (char)('0' + v % 10);
    }
}

void oc_buf_put_uint(oc_buf *b, uint64_t v, int width)
{
    static const uint64_t limit[5] = {1, 10, 100, 1000, 10000};
    char text[21];

    /* The dates and times of every event: their digits straight in place. */
    if (width > 0 && width <= 4 && v < limit[width]) {
        if ((size_t)width >= b->cap - b->len) {
            oc_buf_grow(b, (size_t)width);
        }
        oc_digits(b->data + b->len, v, width);
        b->len += (size_t)width;
        b->data[b->len] = '\0';
        return;
    }
    oc_buf_add(b, text, oc_uint_text(v, width, text));
}

void oc_buf_reset(oc_buf *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

char *oc_buf_detach(oc_buf *b)
{
    char *s = b->data != NULL ? b->data : oc_xstrdup("");

    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void oc_buf_free(oc_buf *b)
{
    if (b == NULL) {
        return;
    }
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

oc_day oc_day_from_date(oc_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d.month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

oc_day oc_day_floor(int64_t seconds)
{
    return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
}

oc_date oc_date_from_day(oc_day n)
{
    oc_date d;
    int64_t z = n + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

const char *oc_day_text(oc_day n, char buf[16])
{
    oc_date d = oc_date_from_day(n);

    snprintf(buf, 16, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

void oc_buf_put_ymd(oc_buf *b, oc_day n)
{
    oc_date d = oc_date_from_day(n);

    oc_buf_put_uint(b, (uint64_t)d.year, 4);
    oc_buf_put_uint(b, (uint64_t)d.month, 2);
    oc_buf_put_uint(b, (uint64_t)d.day, 2);
}

int oc_day_weekday(oc_day n)
{
    /* 1970-01-01 was a Thursday (ISO index 3). */
    int64_t w = (n + 3) % 7;

    return (int)(w < 0 ? w + 7 : w);
}

int oc_days_in_month(int year, int month)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    if (month < 1 || month > 12) {
        return 0;
    }
    return month == 2 && leap ? 29 : len[month - 1];
}

bool oc_date_valid(oc_date d)
{
    return d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= oc_days_in_month(d.year, d.month);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool oc_date_parse(const char *s, oc_date *out)
{
    oc_date d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    if (!digits(s, 4, &d.year) || !digits(s + 5, 2, &d.month) || !digits(s + 8, 2, &d.day)) {
        return false;
    }
    if (!oc_date_valid(d)) {
        return false;
    }
    *out = d;
    return true;
}

bool oc_duration_parse(const char *s, int64_t limit, int64_t *seconds)
{
    int64_t days;

    return oc_duration_parse_days(s, limit, seconds, &days);
}

bool oc_duration_parse_days(const char *s, int64_t limit, int64_t *seconds, int64_t *days)
{
    /* dur-value = ["+" / "-"] "P" (dur-date / dur-time / dur-week), RFC 5545 §3.3.6 */
    int sign = 1;
    int64_t total = 0, nominal = 0;
    bool in_time = false, any = false, weeks = false;
    const char *p = s;
    char last = 0; /* last designator, to enforce D < H < M < S order */

    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    if (*p++ != 'P') {
        return false;
    }
    while (*p != '\0') {
        int64_t n = 0;
        int64_t unit;
        const char *start;

        if (*p == 'T') {
            if (in_time || weeks) {
                return false;
            }
            in_time = true;
            p++;
            if (*p == '\0') {
                return false;
            }
            continue;
        }
        start = p;
        while (*p >= '0' && *p <= '9') {
            if (n > (INT64_MAX - 9) / 10) {
                return false;
            }
            n = n * 10 + (*p - '0');
            p++;
        }
        if (p == start) {
            return false;
        }
        switch (*p) {
        case 'W':
            if (in_time || any) {
                return false;
            }
            weeks = true;
            unit = 7 * 86400;
            break;
        case 'D':
            if (in_time || weeks || last != 0) {
                return false;
            }
            unit = 86400;
            break;
        case 'H':
            if (!in_time || (last != 0 && last != 'D')) {
                return false;
            }
            unit = 3600;
            break;
        case 'M':
            if (!in_time || (last == 'M' || last == 'S')) {
                return false;
            }
            unit = 60;
            break;
        case 'S':
            if (!in_time || last == 'S') {
                return false;
            }
            unit = 1;
            break;
        default:
            return false;
        }
        if (weeks && last != 0) {
            return false;
        }
        last = *p;
        p++;
        if (n > limit / unit || total > limit - n * unit) {
            return false;
        }
        total += n * unit;
        nominal += unit >= 86400 ? n * (unit / 86400) : 0;
        any = true;
        if (weeks && *p != '\0') {
            return false;
        }
    }
    if (!any) {
        return false;
    }
    *seconds = sign * total;
    *days = sign * nominal;
    return true;
}

void oc_duration_format(int64_t seconds, char *out, size_t size)
{
    oc_buf b = {0};
    uint64_t v = seconds < 0 ? (uint64_t)0 - (uint64_t)seconds : (uint64_t)seconds;
    uint64_t days = v / 86400, h = v % 86400 / 3600, m = v % 3600 / 60, s = v % 60;

    if (seconds < 0) {
        oc_buf_putc(&b, '-');
    }
    oc_buf_putc(&b, 'P');
    if (days != 0 && days % 7 == 0 && h == 0 && m == 0 && s == 0) {
        oc_buf_printf(&b, "%lluW", (unsigned long long)(days / 7));
    } else {
        if (days != 0) {
            oc_buf_printf(&b, "%lluD", (unsigned long long)days);
        }
        if (h != 0 || m != 0 || s != 0 || days == 0) {
            oc_buf_putc(&b, 'T');
            if (h != 0) {
                oc_buf_printf(&b, "%lluH", (unsigned long long)h);
            }
            if (m != 0) {
                oc_buf_printf(&b, "%lluM", (unsigned long long)m);
            }
            if (s != 0 || (h == 0 && m == 0)) {
                oc_buf_printf(&b, "%lluS", (unsigned long long)s);
            }
        }
    }
    snprintf(out, size, "%s", b.data);
    oc_buf_free(&b);
}

bool oc_url_valid(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c) != NULL) {
            return false;
        }
    }
    return strlen(s) > (s[4] == 's' ? 8u : 7u);
}

bool oc_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n >= len - i) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

int oc_file_read(const char *path, size_t max, oc_buf *out, oc_error *err)
{
    FILE *fp = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = 0;

    oc_buf_reset(out);
    if (fp == NULL) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        oc_buf_add(out, chunk, n);
        if (out->len > max) {
            rc = 1;
            break;
        }
    }
    if (rc == 0 && ferror(fp)) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        rc = -1;
    }
    fclose(fp);
    return rc;
}

/* ---- the installation ---- */

bool oc_is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool oc_is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **oc_dir_list(const char *dir, const char *suffix, size_t *count, oc_error *err)
{
    DIR *d = opendir(dir);
    size_t n = 0, slen = strlen(suffix), dlen = strlen(dir);
    bool slash = dlen > 0 && dir[dlen - 1] == '/';
    char **paths = oc_xcalloc(1, sizeof(*paths));
    struct dirent *e;

    if (d == NULL) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", dir,
                     strerror(errno));
        free(paths);
        return NULL;
    }
    while ((errno = 0, e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        oc_buf path = {0};

        if (e->d_name[0] == '.' || len <= slen || strcmp(e->d_name + len - slen, suffix) != 0) {
            continue;
        }
        oc_buf_printf(&path, "%s%s%s", dir, slash ? "" : "/", e->d_name);
        if (oc_is_dir(path.data)) {
            oc_buf_free(&path);
            continue;
        }
        paths = oc_xrealloc(paths, (n + 2) * sizeof(*paths));
        paths[n++] = oc_buf_detach(&path);
        paths[n] = NULL;
    }
    if (errno != 0) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", dir,
                     strerror(errno));
        closedir(d);
        oc_paths_free(paths);
        return NULL;
    }
    closedir(d);
    /* Name order, bytewise: the same on every machine, whatever its locale. */
    qsort(paths, n, sizeof(*paths), compare_paths);
    *count = n;
    return paths;
}

void oc_paths_free(char **paths)
{
    for (size_t i = 0; paths != NULL && paths[i] != NULL; i++) {
        free(paths[i]);
    }
    free(paths);
}

/* The folder of the running binary, so that the tool works from any working
 * directory: installed data sits in ../share/ordercal beside it. */
static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    char *slash;

    if (n <= 0) {
        return NULL;
    }
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (slash == NULL) {
        return NULL;
    }
    *slash = '\0';
    return oc_xstrdup(buf);
}

/* Finds 'rel' (a file or folder) in the installed share folder or, for a
 * binary run from its build tree, in the source tree. Returns a new string or NULL. */
char *oc_find_data(const char *rel, bool dir)
{
    char *exe = exe_dir();
    oc_buf b = {0};
    const char *candidates[2];

    candidates[0] = exe != NULL ? exe : ".";
#ifdef OC_SOURCE_DIR
    candidates[1] = OC_SOURCE_DIR;
#else
    candidates[1] = NULL;
#endif
    oc_buf_printf(&b, "%s/../" OC_DATADIR_REL "/%s", candidates[0], rel);
    if (exe != NULL && (dir ? oc_is_dir(b.data) : oc_is_file(b.data))) {
        free(exe);
        return oc_buf_detach(&b);
    }
    free(exe);
    if (candidates[1] != NULL) {
        oc_buf_reset(&b);
        oc_buf_printf(&b, "%s/%s", candidates[1], rel);
        if (dir ? oc_is_dir(b.data) : oc_is_file(b.data)) {
            return oc_buf_detach(&b);
        }
    }
    oc_buf_free(&b);
    return NULL;
}

int64_t oc_source_date(oc_error *err)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    long long v;

    if (sde == NULL || sde[0] == '\0') {
        return (int64_t)time(NULL);
    }
    errno = 0;
    v = strtoll(sde, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 18303062400LL - 1) {
        oc_error_set(err, OC_E_VALUE, NULL, (oc_pos){0, 0},
                     "SOURCE_DATE_EPOCH must be seconds since 1970 before 2550, got '%s'", sde);
        return -1;
    }
    return (int64_t)v;
}

char *oc_url_folder(const char *url)
{
    size_t n = strlen(url);
    char *s = oc_xmalloc(n + 2);

    memcpy(s, url, n + 1);
    if (n == 0 || s[n - 1] != '/') {
        s[n] = '/';
        s[n + 1] = '\0';
    }
    return s;
}

char *oc_find_definition(const char *rel)
{
    /* The current folder's copy when run from a checkout, else the installed one. */
    return oc_is_file(rel) ? oc_xstrdup(rel) : oc_find_data(rel, false);
}

/* MurmurHash64A: eight bytes a step, where FNV-1a's byte-serial multiply
 * cost as much as writing a feed. */
uint64_t oc_digest(const void *data, size_t len)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const unsigned char *p = data;
    uint64_t h = 0x9747b28cULL ^ (len * m);
    size_t words = len / 8;

    for (size_t i = 0; i < words; i++) {
        uint64_t k;

        memcpy(&k, p + 8 * i, 8);
        k *= m;
        k ^= k >> 47;
        k *= m;
        h ^= k;
        h *= m;
    }
    p += 8 * words;
    if ((len & 7) != 0) {
        for (size_t i = len & 7; i-- > 0;) {
            h ^= (uint64_t)p[i] << (8 * i);
        }
        h *= m;
    }
    h ^= h >> 47;
    h *= m;
    h ^= h >> 47;
    return h;
}
