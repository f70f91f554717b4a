/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_EVENT_H
#define OC_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/tz.h"

/* One calendar event (DESIGN §3), with its texts in the feed's language. */
typedef struct {
    oc_kind kind;
    char uid[37];        /* version-5 UUID of "<calendar.id>/<kind>/<yyyymmdd>" */
    oc_day session;      /* the session's first day */
    bool timed;
    oc_day start, end;   /* all-day events: DTSTART and exclusive DTEND */
    int64_t local_start; /* timed events: wall-clock seconds "as if UTC" in the zone */
    int64_t local_end;
    int64_t utc_start, utc_end;
    bool start_utc;      /* write DTSTART in UTC: its wall time happens twice that day */
    bool end_utc;        /* the same for DTEND */
    char *summary;       /* owned */
    char *description;   /* owned */
    bool has_alarm;
    int64_t alarm;       /* seconds relative to the start */
    char *alarm_text;    /* owned */
} oc_event;

/* What every event of one feed needs: the definition, the feed's texts and zone. */
typedef struct oc_eventer oc_eventer;

/* Prepares the events of 'feed' (its language's templates under 'templates_dir').
 * 'def' and 'feed' are borrowed and must outlive the result.
 * Returns a new oc_eventer; the caller frees it with oc_eventer_free().
 * On failure returns NULL and fills 'err' (a language without templates
 * points at the definition's language key). */
oc_eventer *oc_eventer_new(const oc_def *def, const oc_def_feed *feed, const char *templates_dir,
                           oc_error *err);
void oc_eventer_free(oc_eventer *ev); /* accepts NULL */

/* Borrowed pointers, valid until 'ev' is freed. */
const oc_tmpl *oc_eventer_tmpl(const oc_eventer *ev);
const oc_tz *oc_eventer_tz(const oc_eventer *ev);

/* Makes the event of 'kind' for 'slot' into 'out' when the feed carries that
 * kind and the slot has it (closed slots have only 'closed').
 * Returns 1 when an event was made (release it with oc_event_clear()),
 * 0 when there is none, -1 with 'err' set on a template error. */
int oc_event_make(oc_eventer *ev, const oc_slot *slot, oc_kind kind, oc_event *out,
                  oc_error *err);

void oc_event_clear(oc_event *e);

/* Writes the UID of "<calendar_id>/<kind>/<yyyymmdd>" into 'out' (37 bytes). */
void oc_event_uid(const char *calendar_id, oc_kind kind, oc_day session, char out[37]);

#endif
