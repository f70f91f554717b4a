/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_UTIL_H
#define OC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ordercal/diag.h"

/* Allocation: out of memory is not an input error, so these print one line
 * and abort() (as cmark's xcalloc); error paths stay about input. */
void *oc_xmalloc(size_t n);
void *oc_xcalloc(size_t count, size_t size);
void *oc_xrealloc(void *p, size_t n);
char *oc_xstrdup(const char *s);
char *oc_xstrndup(const char *s, size_t n);

/* A growable byte buffer, always NUL-terminated. Zero-initialise it
 * (oc_buf b = {0};) and release it with oc_buf_free(). */
typedef struct oc_buf {
    char *data;
    size_t len;
    size_t cap;
} oc_buf;

/* Makes room for 'extra' more bytes and the NUL. */
void oc_buf_grow(oc_buf *b, size_t extra);

/* Appends 'len' bytes. Inline: every piece of every event goes through it. */
static inline void oc_buf_add(oc_buf *b, const void *data, size_t len)
{
    if (len >= b->cap - b->len) { /* cap 0 (a new buffer) always grows */
        oc_buf_grow(b, len);
    }
    if (len != 0) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
}

static inline void oc_buf_puts(oc_buf *b, const char *s)
{
    oc_buf_add(b, s, strlen(s));
}

static inline void oc_buf_putc(oc_buf *b, char c)
{
    oc_buf_add(b, &c, 1);
}
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void oc_buf_printf(oc_buf *b, const char *fmt, ...);
void oc_buf_reset(oc_buf *b);

/* Writes 'v' in decimal, zero-padded to at least 'width' digits (0..20),
 * NUL-terminated, into 'out'; returns its length. printf's cost, without
 * printf: these run for every event. */
size_t oc_uint_text(uint64_t v, int width, char out[21]);
/* Appends the same to 'b'. */
void oc_buf_put_uint(oc_buf *b, uint64_t v, int width);
/* Writes the last 'width' decimal digits of 'v', zero-padded, at 'out' (no
 * NUL): the fixed fields of dates, times and stamps. */
void oc_digits(char *out, uint64_t v, int width);

/* Returns the contents as a new string; the caller frees it; 'b' is emptied. */
char *oc_buf_detach(oc_buf *b);
void oc_buf_free(oc_buf *b);

/* Civil dates as days since 1970-01-01 (proleptic Gregorian, any sign).
 * Howard Hinnant's days_from_civil / civil_from_days algorithms. */
typedef int64_t oc_day;

typedef struct {
    int year, month, day; /* month 1..12, day 1..31 */
} oc_date;

oc_day oc_day_from_date(oc_date d);
/* The day of 'seconds' since the epoch (rounded down, any sign). */
oc_day oc_day_floor(int64_t seconds);
oc_date oc_date_from_day(oc_day n);
/* "YYYY-MM-DD" of a day into 'buf'; returns 'buf'. */
const char *oc_day_text(oc_day n, char buf[16]);
/* Appends the day as iCalendar and UIDs write it, "YYYYMMDD". */
void oc_buf_put_ymd(oc_buf *b, oc_day n);
/* 0 = Monday .. 6 = Sunday (ISO 8601). */
int oc_day_weekday(oc_day n);
bool oc_date_valid(oc_date d);
int oc_days_in_month(int year, int month);

/* Parses exactly "YYYY-MM-DD" (a real calendar date). */
bool oc_date_parse(const char *s, oc_date *out);

/* Parses an RFC 5545 §3.3.6 duration ("PT30M", "-PT15M", "P1DT2H", "P2W")
 * into seconds, a day counted as 86400. Returns false on syntax errors or
 * overflow past 'limit' seconds. */
bool oc_duration_parse(const char *s, int64_t limit, int64_t *seconds);
/* The same, and sets '*days' to its days and weeks in days, signed: the
 * part that RFC 5545 makes nominal (the same wall time that many days
 * away), which '*seconds' counts in it as 86400 each. */
bool oc_duration_parse_days(const char *s, int64_t limit, int64_t *seconds, int64_t *days);
/* Formats seconds as an RFC 5545 duration ("PT30M", "-P1DT2H", "PT0S"). */
void oc_duration_format(int64_t seconds, char *out, size_t size);

/* Reads the whole file at 'path' into 'out' (emptied first). Returns 0;
 * -1 with OC_E_IO ("cannot read PATH: reason") when it cannot be read, or
 * 1 when it holds more than 'max' bytes (then 'out' holds the first ones). */
int oc_file_read(const char *path, size_t max, oc_buf *out, oc_error *err);

/* True when 's' is an absolute http:// or https:// URL of RFC 3986
 * characters only (no space, quote, control or non-ASCII character, which
 * would reach a URI property or the page unescaped). */
bool oc_url_valid(const char *s);

/* 'url' as the address of a folder: with a trailing '/', added when
 * missing. Returns a new string; the caller frees it. */
char *oc_url_folder(const char *url);

/* A 64-bit digest of 'len' bytes, to tell contents apart: the same bytes
 * give the same digest in every process. Not for data from an adversary. */
uint64_t oc_digest(const void *data, size_t len);

/* True when 's' is valid UTF-8 (no overlongs, no surrogates). */
bool oc_utf8_valid(const char *s, size_t len);

/* ---- the installation ---- */

/* True when 'path' is a regular file; a folder. */
bool oc_is_file(const char *path);
bool oc_is_dir(const char *path);

/* The entries of the folder 'dir' whose names end in 'suffix', in byte
 * order of their names, as paths "<dir>/<name>": sub-folders and hidden
 * names (".x.yaml") are left out. Returns a new NULL-terminated array that
 * the caller frees with oc_paths_free(), with its length in 'count'; NULL
 * with 'err' set (OC_E_IO) when the folder cannot be read. */
char **oc_dir_list(const char *dir, const char *suffix, size_t *count, oc_error *err);
void oc_paths_free(char **paths); /* accepts NULL */

/* Finds 'rel' (a file, or a folder when 'dir') in the installed share folder
 * beside the running binary (../share/ordercal) or, for a binary run from
 * its build tree, in the source tree. Returns a new string or NULL. */
char *oc_find_data(const char *rel, bool dir);

/* The shipped definition 'rel' ("schedules/x.yaml"): the current folder's
 * copy when there is one (a checkout), else the installed one. Returns a new
 * string or NULL. */
char *oc_find_definition(const char *rel);

/* "Now": SOURCE_DATE_EPOCH when set (reproducible builds), else the clock.
 * Returns seconds since the epoch, or -1 with 'err' set (OC_E_VALUE) when
 * SOURCE_DATE_EPOCH is not a number of seconds before 2550. */
int64_t oc_source_date(oc_error *err);

#endif
