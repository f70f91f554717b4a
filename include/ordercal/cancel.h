/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_CANCEL_H
#define OC_CANCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/prev.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/tz.h"
#include "ordercal/verify.h"

/* Cancellation notices (DESIGN §4: nothing vanishes). An event the previous
 * feed published and this build no longer makes stays in the feed until
 * 'cancelled_days' after its end, as a notice: its UID, SEQUENCE+1, a
 * SUMMARY and DESCRIPTION from the templates ("Annulé : ...", what was
 * cancelled and why when known), TRANSPARENT, no alarm, never
 * STATUS:CANCELLED (Google hides those, Apple strikes them through), and
 * the property OC_PREV_NOTICE with the end of the event it cancels, so that
 * a later build, whose memory is this feed, knows when to drop it. */

typedef struct {
    const oc_def *def;     /* the calendar (its URL, reference); NULL for a retired feed */
    const oc_sched *sched; /* its slots, for the reasons; NULL for a retired feed */
    unsigned kinds;        /* the feed's kinds */
    const oc_tz *tz;       /* the zone its times are read in */
    const oc_tmpl *tmpl;   /* the feed's language */
    const char *language;  /* its name, for the change log */
    const char *page;      /* a retired feed: the page's address, or NULL */
    int64_t now;
    int cancelled_days;
    bool retired; /* the feed is retired: cancel, never drop */
} oc_cancel_input;

typedef struct {
    size_t notices;   /* notices written (new ones and kept ones) */
    size_t cancelled; /* of which new: events this build cancelled */
    int64_t last_modified;
    oc_buf *report;      /* when not NULL: "x ..." per new notice */
    oc_changes *changes; /* when not NULL: a change per new notice and per drop */
} oc_cancel_stats;

/* Appends to 'out' (published bytes) the notices for every event of 'prev'
 * that nothing matched, in the previous feed's order: a notice already
 * published is kept byte for byte while it is young enough, a new one is
 * made and passed through 'gate'. Every event written is settled in
 * 'prev'; the others (dropped) stay unmatched for oc_prev_report_removed().
 * 'stats' is filled but for its 'report' and 'changes'.
 * Returns 0, or -1 with 'err' set. */
int oc_cancel_render(const oc_cancel_input *in, oc_prev *prev, oc_verify *gate, oc_buf *out,
                     oc_cancel_stats *stats, oc_error *err);

#endif
