/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_DIAG_H
#define OC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* Error codes of every stage; main.c maps them to exit statuses (DESIGN §5). */
typedef enum {
    OC_OK = 0,
    OC_E_IO,       /* a file or folder could not be read or written */
    OC_E_SYNTAX,   /* the definition is not well-formed YAML */
    OC_E_SCHEMA,   /* unknown key, missing key, wrong type */
    OC_E_VALUE,    /* impossible value or contradiction */
    OC_E_ICAL,     /* libical refused our own output */
    OC_E_INTERNAL, /* a broken invariant */
    OC_E_LOCKED,   /* the output folder stayed locked too long (an I/O error) */
    OC_E_USAGE     /* a command-line value the library checks (--site-language) */
} oc_errcode;

/* A position in the definition; 1-based, 0 = unknown. */
typedef struct {
    int line, column;
} oc_pos;

typedef struct oc_error {
    oc_errcode code;
    char file[256]; /* path as given on the command line; empty when none applies */
    oc_pos pos;
    char text[512]; /* one clause, no trailing newline or period */
} oc_error;

/* Clears 'err' to OC_OK. Accepts NULL. */
void oc_error_init(oc_error *err);

/* Sets the error unless one is already set: the first error wins (as jansson's
 * jsonp_error_vset). 'file' may be NULL. Accepts a NULL 'err'. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void oc_error_set(oc_error *err, oc_errcode code, const char *file, oc_pos pos, const char *fmt,
                  ...);
#if defined(__GNUC__)
__attribute__((format(printf, 5, 0)))
#endif
void oc_error_vset(oc_error *err, oc_errcode code, const char *file, oc_pos pos, const char *fmt,
                   va_list ap);

/* Writes the error as one editor-style line to 'fp':
 * "file:line:col: error: text", "file: error: text" or "ordercal: error: text". */
void oc_error_print(const oc_error *err, FILE *fp);

/* The exit status of DESIGN §5 for 'err': 0 success, 1 invalid definition,
 * 2 usage error, 3 I/O error, 4 internal error. */
int oc_error_exit_status(const oc_error *err);

/* Prints 'err' as oc_error_print() does and returns its exit status. */
int oc_error_report(const oc_error *err, FILE *fp);

/* Writes a warning in the same format ("file:line:col: warning: text"), or
 * the same text as an error when 'error' (--strict). */
void oc_warning_print(FILE *fp, const char *file, oc_pos pos, const char *text, bool error);

#endif
