/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_ICS_H
#define OC_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/sched.h"
#include "ordercal/util.h"

/* The memory of a previously published feed (DESIGN §4): for each UID, its
 * DTSTAMP, LAST-MODIFIED, SEQUENCE and a digest of everything else. */
typedef struct oc_ics_prev oc_ics_prev;

/* Reads the feed at 'path'. A missing file gives an empty memory; a file that
 * is not a feed of ours is read for what it holds (unknown lines are ignored).
 * Returns a new memory; the caller frees it with oc_ics_prev_free().
 * On a read error returns NULL and fills 'err' (OC_E_IO). */
oc_ics_prev *oc_ics_prev_load(const char *path, oc_error *err);
/* Same, from memory. Never fails. */
oc_ics_prev *oc_ics_prev_parse(const char *text, size_t len);
size_t oc_ics_prev_count(const oc_ics_prev *prev);
void oc_ics_prev_free(oc_ics_prev *prev); /* accepts NULL */

/* Receives the feed as it is produced, a few kilobytes at a time. Returns 0,
 * or -1 after setting 'err'. */
typedef int (*oc_ics_sink)(void *ctx, const char *data, size_t len, oc_error *err);

typedef struct {
    const char *base_url; /* where the feeds are published, ending in '/'; NULL when unknown */
    int64_t now;          /* DTSTAMP / LAST-MODIFIED of new and changed events */
} oc_ics_opts;

typedef struct {
    size_t events;          /* events written */
    size_t added, changed, removed;
    int64_t last_modified;  /* newest LAST-MODIFIED of the feed; 0 when it has no event */
    oc_buf *report;         /* when not NULL, one line per added, changed or removed
                             * event is appended: "+ delivery 2023-07-27..2023-07-28 (session
                             * 2023-07-17)", "~ ... 2023-07-27..2023-07-28 -> ...", "- ..." */
} oc_ics_stats;

/* Renders one feed of 'def' as RFC 5545 text, event by event, and hands it to
 * 'sink'. The calendar header and every event are parsed back with libical
 * (the publish gate, on worker threads while the writer goes on); a refusal
 * is OC_E_ICAL. The sink may have received part of the feed by then: on -1
 * the caller discards what it received. 'prev' may be NULL.
 * Returns 0, or -1 with 'err' set. */
int oc_ics_render(const oc_def *def, const oc_def_feed *feed, const oc_sched *sched,
                  oc_eventer *ev, const oc_ics_prev *prev, const oc_ics_opts *opts,
                  oc_ics_sink sink, void *sink_ctx, oc_ics_stats *stats, oc_error *err);

/* Appends one content line to 'out', folded at 75 octets (RFC 5545 §3.1)
 * without splitting a UTF-8 character or an escape pair, and ends it with CRLF. */
void oc_ics_fold(oc_buf *out, const char *line, size_t len);

/* Appends 'text' escaped as an RFC 5545 §3.3.11 TEXT value. */
void oc_ics_escape_text(oc_buf *out, const char *text);

/* Checks the published bytes: CRLF only, lines of at most 75 octets, no
 * continuation line that is empty or holds only white space. Returns 0, or -1
 * with 'err' set (OC_E_ICAL) at the first bad line. */
int oc_ics_check_lines(const char *text, size_t len, oc_error *err);

#endif
