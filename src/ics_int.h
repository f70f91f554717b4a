/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_ICS_INT_H
#define OC_ICS_INT_H
/* ics internals shared with the unit tests, not with main.c. */

#include "ordercal/ics.h"

/* An event's logical lines (each ending in '\n'), as ordercal publishes them
 * before folding, without DTSTAMP, LAST-MODIFIED and SEQUENCE. Resets 'lines'. */
void oc_ics_event_lines(const oc_def *def, const oc_event *e, const char *tzid, oc_buf *lines);

/* The same, built and serialised by libical: the reference the direct
 * writer must match byte for byte. Returns 0, or -1 with 'err' set. */
int oc_ics_event_lines_libical(const oc_def *def, const oc_event *e, const char *tzid,
                               oc_buf *lines, oc_error *err);

/* A duration in seconds as libical writes a TRIGGER ("PT0S", "-PT15M"). */
void oc_ics_trigger_text(int64_t seconds, char *out, size_t size);

/* ---- the publish gate (ics_gate.c) ---- */

/* Parses the calendar header and the VTIMEZONE back with libical and checks
 * VERSION and PRODID. Returns 0, or -1 with 'err' set (OC_E_ICAL). */
int oc_ics_gate_header(const oc_buf *header, const oc_buf *vtimezone, oc_error *err);

/* The gate of one feed: every event is parsed back with libical, checked for
 * its UID, DTSTAMP, DTSTART and alarm, and its DTSTART read through
 * 'vtimezone' (the published VTIMEZONE of 'tzid'; NULL or empty without timed
 * events, whose years end at 'last_year') must be the instant the tz database
 * gives. 'threads' is the number of worker threads, -1 for one per CPU but
 * one; the caller's thread checks events too. 'tzid' is borrowed. */
typedef struct oc_ics_gate oc_ics_gate;
oc_ics_gate *oc_ics_gate_new(const char *tzid, const oc_buf *vtimezone, int last_year,
                             int threads);

/* Queues the folded bytes of 'e' (copied). Returns -1 once the gate knows a
 * refusal (stop writing, then call oc_ics_gate_finish()), else 0. */
int oc_ics_gate_event(oc_ics_gate *g, const oc_buf *block, const oc_event *e);

/* Waits until every queued event is checked. Returns 0, or -1 with 'err' set
 * to the first refusal in feed order among the events queued before the
 * 'before'-th (SIZE_MAX: all of them). */
int oc_ics_gate_finish(oc_ics_gate *g, size_t before, oc_error *err);

void oc_ics_gate_free(oc_ics_gate *g); /* accepts NULL; stops the workers */

#endif
