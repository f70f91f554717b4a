/* SPDX-License-Identifier: Apache-2.0 */
/* diag: the error record shared by every stage and its editor-style rendering
 * ("FILE:LINE:COL: error: ...", as GCC prints it, so editors can jump to it). */
#include "ordercal/diag.h"

#include <stdio.h>
#include <string.h>

void oc_error_init(oc_error *err)
{
    if (err == NULL) {
        return;
    }
    memset(err, 0, sizeof(*err));
}

void oc_error_vset(oc_error *err, oc_errcode code, const char *file, oc_pos pos, const char *fmt,
                   va_list ap)
{
    if (err == NULL || err->code != OC_OK) {
        return;
    }
    err->code = code;
    err->pos = pos;
    snprintf(err->file, sizeof(err->file), "%s", file != NULL ? file : "");
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
}

void oc_error_set(oc_error *err, oc_errcode code, const char *file, oc_pos pos, const char *fmt,
                  ...)
{
    va_list ap;

    va_start(ap, fmt);
    oc_error_vset(err, code, file, pos, fmt, ap);
    va_end(ap);
}

static void print_line(FILE *fp, const char *file, oc_pos pos, const char *kind, const char *text)
{
    if (file == NULL || file[0] == '\0') {
        fprintf(fp, "ordercal: %s: %s\n", kind, text);
    } else if (pos.line > 0 && pos.column > 0) {
        fprintf(fp, "%s:%d:%d: %s: %s\n", file, pos.line, pos.column, kind, text);
    } else if (pos.line > 0) {
        fprintf(fp, "%s:%d: %s: %s\n", file, pos.line, kind, text);
    } else {
        fprintf(fp, "%s: %s: %s\n", file, kind, text);
    }
}

void oc_error_print(const oc_error *err, FILE *fp)
{
    print_line(fp, err->file, err->pos, "error", err->text);
}

void oc_warning_print(FILE *fp, const char *file, oc_pos pos, const char *text, bool error)
{
    print_line(fp, file, pos, error ? "error" : "warning", text);
}

int oc_error_exit_status(const oc_error *err)
{
    static const int status[] = {
        [OC_OK] = 0,         [OC_E_IO] = 3,     [OC_E_SYNTAX] = 1,
        [OC_E_SCHEMA] = 1,   [OC_E_VALUE] = 1,  [OC_E_ICAL] = 4,
        [OC_E_INTERNAL] = 4, [OC_E_LOCKED] = 3, [OC_E_USAGE] = 2,
    };

    return (unsigned)err->code < sizeof(status) / sizeof(status[0]) ? status[err->code] : 4;
}

int oc_error_report(const oc_error *err, FILE *fp)
{
    oc_error_print(err, fp);
    return oc_error_exit_status(err);
}
