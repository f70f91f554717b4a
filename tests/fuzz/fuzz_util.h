/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_FUZZ_UTIL_H
#define OC_FUZZ_UTIL_H
/* What both harnesses need: a failure that aborts (so that libFuzzer keeps
 * the input) after one line naming the harness, and a sink that collects a
 * rendered feed in memory. Define FUZZ_NAME ("fuzz_def") before including. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ordercal/diag.h"
#include "ordercal/util.h"

#if defined(__GNUC__)
#define FUZZ_FAIL_ATTRS __attribute__((noreturn, format(printf, 1, 2)))
#else
#define FUZZ_FAIL_ATTRS
#endif
static void fuzz_fail(const char *fmt, ...) FUZZ_FAIL_ATTRS;

static void fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fputs(FUZZ_NAME ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* An oc_feed_sink: appends to the oc_buf 'ctx'. */
static int mem_sink(void *ctx, const char *data, size_t len, oc_error *err)
{
    (void)err;
    oc_buf_add(ctx, data, len);
    return 0;
}

#endif
