/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_VERIFY_H
#define OC_VERIFY_H

#include <stddef.h>

#include "ordercal/event.h"
#include "ordercal/util.h"

/* The publish gate (DESIGN §4): bytes in, a verdict out. A refusal is
 * OC_E_ICAL (libical rejects what we wrote) or OC_E_INTERNAL (it reads a
 * time other than the one meant). */

/* Checks the published bytes: CRLF only, lines of at most 75 octets, no
 * continuation line that is empty or holds only white space. Returns 0, or -1
 * with 'err' set (OC_E_ICAL) at the first bad line. */
int oc_verify_lines(const char *text, size_t len, oc_error *err);

/* Parses the calendar header and the VTIMEZONE back with libical and checks
 * VERSION and PRODID. Returns 0, or -1 with 'err' set. */
int oc_verify_header(const oc_buf *header, const oc_buf *vtimezone, oc_error *err);

/* The zones libical read from published VTIMEZONEs, for the gates of a run
 * to share: a feed and its copies publish the same VTIMEZONE, which libical
 * then reads and expands once (the expansion is most of a small build's
 * gate). Free it after every gate that used it. */
typedef struct oc_verify_zones oc_verify_zones;
oc_verify_zones *oc_verify_zones_new(void);
void oc_verify_zones_free(oc_verify_zones *zones); /* accepts NULL */

/* The gate of one feed. 'vtimezone' is the published VTIMEZONE of 'tzid'
 * (NULL or empty without timed events), whose offsets are needed up to the
 * year 'last_year'. 'zones' (NULL: the gate's own) is where libical's reading
 * of it is kept. 'tzid' and 'zones' are borrowed. Returns a new gate; the
 * caller frees it with oc_verify_free(). Cannot fail. */
typedef struct oc_verify oc_verify;
oc_verify *oc_verify_new(const char *tzid, const oc_buf *vtimezone, int last_year,
                         oc_verify_zones *zones);
void oc_verify_free(oc_verify *v); /* accepts NULL */

/* Checks the 'len' published bytes of 'e': libical parses it back, its UID,
 * DTSTAMP and DTSTART are there, it has as many alarms as it was written with,
 * and its DTSTART is the span's instant. A line libical accepted before is
 * skipped; a new one is read by its prefix and libical's value parser, as
 * libical's parser reads it, or the event whole where they could differ
 * (README, The publish gate).
 * Returns 0, or -1 with 'err' set. */
int oc_verify_event(oc_verify *v, const char *bytes, size_t len, const oc_event *e, oc_error *err);

#endif
