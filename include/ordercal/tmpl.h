/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_TMPL_H
#define OC_TMPL_H

#include <stddef.h>

#include "ordercal/diag.h"
#include "ordercal/util.h"

/* The texts of one language, read from templates/<language>/ (DESIGN §3:
 * no user-visible text is a C string literal, nothing depends on the locale).
 *
 * File format (events.txt, dates.txt): UTF-8 lines "key = value"; '#' starts a
 * comment line; in values "\n" is a line break and "\\" a backslash; "{name}"
 * is replaced by the variable 'name'. */
typedef struct oc_tmpl oc_tmpl;

typedef struct {
    const char *name;
    const char *value; /* NULL or "" expands to nothing */
} oc_var;

/* Loads <dir>/<language>/events.txt, dates.txt and holidays.txt.
 * Returns a new oc_tmpl; the caller frees it with oc_tmpl_free().
 * On failure returns NULL and fills 'err': OC_E_IO when the language has no
 * folder or a file is unreadable, OC_E_VALUE (file:line) for a malformed line. */
oc_tmpl *oc_tmpl_load(const char *dir, const char *language, oc_error *err);

void oc_tmpl_free(oc_tmpl *t); /* accepts NULL */

/* A digest of every line the templates were read from. */
uint64_t oc_tmpl_digest(const oc_tmpl *t);

/* The languages under 'dir' (folders holding an events.txt), sorted and
 * comma-separated ("en, fr"). Returns a new string; the caller frees it. */
char *oc_tmpl_languages(const char *dir);

/* The raw text of 'key', or NULL when the templates do not define it.
 * Borrowed, valid until 't' is freed. */
const char *oc_tmpl_get(const oc_tmpl *t, const char *key);

/* Appends the expansion of 'key' to 'out'. Returns 0, or -1 with 'err' set
 * (file:line of the template) when the key is missing or names an unknown variable. */
int oc_tmpl_expand(const oc_tmpl *t, const char *key, const oc_var *vars, size_t nvars, oc_buf *out,
                   oc_error *err);

/* 'key' read once for a caller that expands it many times with the same
 * variables: bound to the names of 'vars' (their values are not read), so
 * that oc_tmpl_bound_expand() appends its pieces with the values of a list
 * of the same names in the same order. Returns a new binding (free it with
 * oc_tmpl_bound_free()), or NULL with 'err' set as oc_tmpl_expand() would.
 * It borrows the template's text: free it before 't'. */
typedef struct oc_tmpl_bound oc_tmpl_bound;
oc_tmpl_bound *oc_tmpl_bind(const oc_tmpl *t, const char *key, const oc_var *vars, size_t nvars,
                            oc_error *err);
void oc_tmpl_bound_expand(const oc_tmpl_bound *b, const oc_var *vars, oc_buf *out);
void oc_tmpl_bound_free(oc_tmpl_bound *b); /* accepts NULL */

/* Appends 'len' bytes of 'text' with every "{name}" replaced by the value
 * of the variable 'name'. Returns 0, or -1 when a '{' is never closed or
 * names no variable: then '*bad' points at that '{' inside 'text'. */
int oc_tmpl_substitute(const char *text, size_t len, const oc_var *vars, size_t nvars, oc_buf *out,
                       const char **bad);

/* Dates in the language's words ("mercredi 19 juillet 2023"). Return 0 or -1. */
int oc_tmpl_date(const oc_tmpl *t, oc_day day, oc_buf *out, oc_error *err);
/* A span of days, first and last inclusive ("lundi 17 et mardi 18 juillet 2023"). */
int oc_tmpl_span(const oc_tmpl *t, oc_day first, oc_day last, oc_buf *out, oc_error *err);
/* A short span without weekdays, as the bulletin's table writes it ("17-18 juillet"). */
int oc_tmpl_span_short(const oc_tmpl *t, oc_day first, oc_day last, oc_buf *out, oc_error *err);
/* A day and a time of day, "mercredi 19 juillet 2023 à 18h00" (key "datetime"). */
int oc_tmpl_datetime(const oc_tmpl *t, oc_day day, int minutes, oc_buf *out, oc_error *err);
/* A time of day, 'minutes' after midnight ("18h00"). */
int oc_tmpl_time(const oc_tmpl *t, int minutes, oc_buf *out, oc_error *err);

/* The name of the public holiday 'key' ("holiday.<key>"), or NULL when the
 * templates do not name it or 't' is NULL. Borrowed, valid until 't' is freed. */
const char *oc_tmpl_holiday(const oc_tmpl *t, const char *key);

#endif
