/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_RETIRE_H
#define OC_RETIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/tmpl.h"
#include "ordercal/util.h"

/* Retired feeds (DESIGN §4): a feed file of the output folder that ordercal
 * wrote (its PRODID says so) and that no definition of the run declares.
 * Its subscribers would be frozen silently: it is rewritten once as a
 * notice (its name marked as no longer updated, its future events
 * cancelled as cancel.h words them, the page's address in their
 * description, X-ORDERCAL-RETIRED in its header) and only deleted when the
 * user asks (`build --prune`). */

#define OC_RETIRE_MARK "X-ORDERCAL-RETIRED"

/* True when 'text' is a feed ordercal wrote. */
bool oc_retire_ours(const char *text, size_t len);

/* True when 'text' was already rewritten as a notice. */
bool oc_retire_done(const char *text, size_t len);

/* The calendar name 'text' carries (X-WR-CALNAME, else NAME), unescaped,
 * into 'out'. */
void oc_retire_name(const char *text, size_t len, oc_buf *out);

typedef struct {
    const oc_tmpl *tmpl;  /* the language of the notices */
    const char *language; /* its name */
    const char *page;     /* the page's address, or NULL */
    int64_t now;
} oc_retire_input;

/* Writes into 'out' the feed 'text' rewritten as a notice; '*cancelled'
 * counts the events cancelled. Every new line passes the publish gate.
 * Returns 0, or -1 with 'err' set. */
int oc_retire_render(const oc_retire_input *in, const char *text, size_t len, oc_buf *out,
                     size_t *cancelled, oc_error *err);

#endif
