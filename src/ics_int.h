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

#endif
