/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_COPY_H
#define OC_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/prev.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/util.h"
#include "ordercal/verify.h"

/* The page's "add this one" copies (README, Publishing): for every open
 * session whose confirmation is near the build's day, the confirmation as
 * a file of its own to add to one's own calendar (the only place Outlook
 * classic fires a reminder), and the texts of its Google Calendar link
 * (which the page makes, with its other links). A copy is a
 * fixed event: it does not follow later changes, and it has a UID of its
 * own, so that it never collides with the subscribed event. Its file is
 * ordercal's derived output: it goes when its row leaves the window. */

#define OC_COPY_DIR "events" /* the sub-folder of the output folder */
#define OC_COPY_PAST_DAYS 7  /* a confirmation from this many days before the build's day */
/* To this many days after it: eight weeks, since a copy follows no later
 * change of the schedule. */
#define OC_COPY_FUTURE_DAYS 56

typedef struct {
    const oc_slot *slot; /* borrowed from the schedule */
    char *name;          /* "events/<calendar id>-<yyyymmdd of the confirmation>.ics" */
    char uid[37];  /* UUID v5 of "<calendar id>/copy/confirmation/<yyyymmdd of the session>" */
    char *summary; /* its texts, for the page's Google Calendar link; */
    char *details; /* NULL until oc_copy_render() */
} oc_copy;

typedef struct oc_copy_cache oc_copy_cache;

typedef struct {
    oc_copy *items; /* in schedule order */
    size_t count;
    oc_copy_cache *cache; /* what rendering them shares; private */
} oc_copies;

/* The copies of 'sched': its open slots whose confirmation falls from
 * OC_COPY_PAST_DAYS before the UTC day of 'now' to OC_COPY_FUTURE_DAYS
 * after it. 'def' and 'sched' are borrowed and must outlive the result,
 * which the caller frees with oc_copies_free(). Cannot fail. */
oc_copies *oc_copies_new(const oc_def *def, const oc_sched *sched, int64_t now);
void oc_copies_free(oc_copies *copies); /* accepts NULL */

/* Releases what rendering the copies shares (their texts stay, for the
 * page): a site of many calendars holds one such at a time. Accepts NULL. */
void oc_copies_rendered(oc_copies *copies);

/* What a copy is made of; every pointer is borrowed. */
typedef struct {
    const oc_def *def;
    const oc_tmpl *tmpl;    /* the calendar's language, as the page's table */
    int64_t now;            /* DTSTAMP / LAST-MODIFIED of a new or changed copy */
    oc_verify_zones *zones; /* the run's zones for the gate, or NULL */
} oc_copy_input;

/* Appends to 'out' the bytes of the file of copy 'i' of 'copies':
 * METHOD:PUBLISH, the VTIMEZONE of its instants, the confirmation with its
 * alarm under the copy's UID, its description saying it is a fixed copy;
 * stamped against 'prev' (its previous file, or NULL) and passed through the
 * publish gate unless 'prev' published the very same bytes. Sets its
 * summary and details (the description, as the file has it). The copies of
 * a set share their texter, their header and, while it is the same, their
 * VTIMEZONE and gate: 'in' must be the same for each. Returns 0, or -1 with
 * 'err' set (a template error, OC_E_ICAL when the gate refuses). */
int oc_copy_render(const oc_copy_input *in, oc_copies *copies, size_t i, oc_prev *prev, oc_buf *out,
                   oc_error *err);

/* True when 'len' bytes, the start of a file, are of a file ordercal
 * wrote (its PRODID says so): a copy whose row is gone may be removed. */
bool oc_copy_ours(const char *text, size_t len);

#endif
