/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_ICS_H
#define OC_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/tz.h"
#include "ordercal/util.h"

/* Events and stamps to RFC 5545 bytes, nothing else: the previous feed
 * (prev.h), the publish gate (verify.h) and the files (out.h) are apart. */

/* Appends one content line to 'out', folded at 75 octets (RFC 5545 §3.1)
 * without splitting a UTF-8 character or an escape pair, and ends it with CRLF. */
void oc_ics_fold(oc_buf *out, const char *line, size_t len);

/* Appends 'text' escaped as an RFC 5545 §3.3.11 TEXT value. */
void oc_ics_escape_text(oc_buf *out, const char *text);

/* Appends the TEXT value 'value' (RFC 5545 §3.3.11) unescaped. */
void oc_ics_unescape_text(oc_buf *out, const char *value, size_t len);

/* Appends the logical line "<name>;TZID=<tzid>:<local t>" ('tzid' not NULL)
 * or "<name>:<t>Z", ending in '\n'. */
void oc_ics_time_line(oc_buf *lines, const char *name, int64_t t, const char *tzid);

/* Appends the calendar header of 'feed' (BEGIN:VCALENDAR to the X-WR-*
 * properties, folded): 'base_url' (ending in '/', or NULL) gives SOURCE.
 * Returns 0, or -1 with 'err' set (OC_E_ICAL) when libical fails. */
int oc_ics_header(const oc_def *def, const oc_def_feed *feed, const char *base_url, oc_buf *out,
                  oc_error *err);

/* Appends the header of a file of events to add once, not to subscribe to
 * (the page's copies): VERSION, PRODID, CALSCALE and METHOD:PUBLISH (RFC
 * 5546 §3.2.1), no name, so that clients offer to add its events to a
 * calendar of the user's. Returns 0, or -1 with 'err' set (OC_E_ICAL). */
int oc_ics_copy_header(oc_buf *out, oc_error *err);

/* Appends the compact VTIMEZONE of 'tz' for the instants [from, to].
 * Returns 0, or -1 with 'err' set. */
int oc_ics_vtimezone(const oc_tz *tz, int64_t from, int64_t to, oc_buf *out, oc_error *err);

/* The same for observances 'rules' of 'tz' already computed (see
 * oc_tz_rules_for_range()), for a caller that keeps them. */
int oc_ics_vtimezone_of(const oc_tz *tz, const oc_tz_rules *rules, oc_buf *out, oc_error *err);

/* When the alarm of 'e' (a timed event with one) fires, RFC 5545 §3.3.6
 * (oc_tz_add_duration()): its days and weeks keep the wall time of the
 * start in the calendar's zone, the rest is exact. Returns true, with that
 * instant in '*at', when the clocks change between it and the start (their
 * UTC offsets differ, or its days do not count 24 hours: the day before a
 * change, landing in the hour it skips). Clients count a relative trigger
 * across a change differently (Thunderbird moves the wall time by days and
 * hours alike, KOrganizer keeps it for days, Outlook and Evolution count 24
 * hours a day), so it is written as that instant, in UTC, which they all
 * read alike. */
bool oc_ics_alarm_at(const oc_def *def, const oc_event *e, int64_t *at);

/* Writes into 'lines' (reset first) the logical lines of 'e' with the texts
 * 't', each ending in '\n', without DTSTAMP, LAST-MODIFIED and SEQUENCE:
 * what prev.h digests. 'tzid' names the zone of timed events. */
void oc_ics_event_lines(const oc_def *def, const oc_event *e, const oc_event_text *t,
                        const char *tzid, oc_buf *lines);

/* Writes into 'out' (reset first) the published bytes of an event: its
 * 'lines' folded, with 'stamps' (CRLF lines, see oc_prev_stamp_lines())
 * after the UID. */
void oc_ics_event_block(const oc_buf *lines, const oc_buf *stamps, oc_buf *out);

#define OC_ICS_FOOTER "END:VCALENDAR\r\n"

/* How every PRODID ordercal writes starts: a file whose PRODID does is one
 * of ours (its events passed the publish gate). */
#define OC_ICS_PRODID_OURS "-//ordercal//"

#endif
