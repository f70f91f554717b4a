/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_PREV_H
#define OC_PREV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/event.h"
#include "ordercal/util.h"

/* The memory of a previously published feed (DESIGN §4): for each UID, its
 * DTSTAMP, LAST-MODIFIED, SEQUENCE and digests of its content. */
typedef struct oc_prev oc_prev;

/* Reads the feed at 'path'. A missing file gives an empty memory; a file that
 * is not a feed of ours is read for what it holds (unknown lines are ignored).
 * Returns a new memory; the caller frees it with oc_prev_free().
 * On a read error returns NULL and fills 'err' (OC_E_IO). */
oc_prev *oc_prev_load(const char *path, oc_error *err);
/* Same, from memory. Never fails. */
oc_prev *oc_prev_parse(const char *text, size_t len);
/* The events remembered (a UID seen twice counts once). */
size_t oc_prev_count(const oc_prev *prev);
void oc_prev_free(oc_prev *prev); /* accepts NULL */

/* The digest of an event's content: its logical lines without the stamps,
 * each ending in '\n' (what the reader digests of a published event). */
uint64_t oc_prev_digest(const char *data, size_t len);

typedef enum { OC_PREV_NEW, OC_PREV_SAME, OC_PREV_CHANGED } oc_prev_status;

/* What this build publishes of one event, against the memory. */
typedef struct {
    oc_prev_status status;
    int64_t dtstamp, last_modified; /* seconds since the epoch */
    uint32_t sequence;
    ptrdiff_t at; /* its entry in the memory, or -1 */
} oc_prev_match;

/* Looks 'uid' up (marking it as still made) and decides the stamps of an
 * event whose content is 'lines' (see oc_prev_digest()): an unchanged event
 * keeps its stamps, a changed one gets SEQUENCE+1 and 'now', a new one
 * SEQUENCE 0 and 'now'. 'prev' may be NULL. */
void oc_prev_match_event(oc_prev *prev, const char *uid, const oc_buf *lines, int64_t now,
                         oc_prev_match *m);

/* Appends the stamp lines DTSTAMP, LAST-MODIFIED and SEQUENCE, CRLF-ended. */
void oc_prev_stamp_lines(const oc_prev_match *m, oc_buf *out);

/* True when 'bytes', an event as it is published now, equal those the
 * previous feed holds under its UID and that feed was written by ordercal:
 * the publish gate passed them when they were first published. */
bool oc_prev_republished(const oc_prev *prev, const oc_prev_match *m, const char *bytes,
                         size_t len);

/* ---- the change report ---- */

/* Appends one line for an added (m->status OC_PREV_NEW) or changed event:
 * "+ delivery     2023-07-27..2023-07-28 (session 2023-07-17)",
 * "~ delivery     2023-09-28..2023-09-29 -> 2023-09-29 (session 2023-09-18)". */
void oc_prev_report(oc_buf *report, const oc_event *e, const oc_prev *prev, const oc_prev_match *m);

/* Counts the remembered events no oc_prev_match_event() asked for, and
 * appends a line for each to 'report' (NULL for none), in the previous
 * feed's order, like oc_prev_report()'s: "- confirmation 2023-10-11 18:00
 * (session 2023-10-09)". An event whose UID 'def' could not make (another
 * calendar id, another weekday) is named by its summary instead:
 * "- 2023-10-11 18:00 "Confirmation de commande disponible"". */
size_t oc_prev_report_removed(const oc_prev *prev, const oc_def *def, oc_buf *report);

#endif
