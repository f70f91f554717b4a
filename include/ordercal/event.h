/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_EVENT_H
#define OC_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"

/* The events of a calendar (DESIGN §3), built once from its schedule: every
 * feed is a view of them (a kind mask and the texts of a language). */
typedef struct {
    char uid[37]; /* version-5 UUID of "<calendar.id>/<kind's UID name>/<yyyymmdd>" */
    bool has_alarm;
    oc_kind kind;
    const oc_slot *slot; /* borrowed from the schedule */
    const oc_span *span; /* when it happens: &slot->spans[kind] */
    int64_t alarm;       /* seconds relative to the start */
} oc_event;              /* the fields by size: a calendar holds one per event */

typedef struct {
    oc_event *events; /* in schedule order, each slot's in the kind table's order */
    size_t count;
} oc_events;

/* Makes every event of 'sched' (all kinds the slots have).
 * Returns a new array; the caller frees it with oc_events_free(). 'def' and
 * 'sched' are borrowed and must outlive it. */
oc_events *oc_events_new(const oc_def *def, const oc_sched *sched);
void oc_events_free(oc_events *events); /* accepts NULL */

/* Writes the UID of "<calendar_id>/<name>/<yyyymmdd>" into 'out' (37 bytes):
 * 'name' is a kind's UID name (oc_kind_uid_name()), or a former one. */
void oc_event_uid(const char *calendar_id, const char *name, oc_day session, char out[37]);

/* Writes the version-5 UUID of the 'len' bytes of 'name' under the
 * project's namespace into 'out' (37 bytes): the UID of anything else
 * ordercal publishes. */
void oc_uid_of_name(const char *name, size_t len, char out[37]);

/* ---- texts ---- */

/* An event's texts in one language; borrowed, valid until the next call. */
typedef struct {
    const char *summary;
    const char *description;
    const char *alarm; /* NULL without an alarm */
} oc_event_text;

/* The texts of a feed: its language's templates and its calendar name. */
typedef struct oc_texter oc_texter;

/* 'def' and 'tmpl' are borrowed and must outlive the result, which the
 * caller frees with oc_texter_free(). Cannot fail. */
oc_texter *oc_texter_new(const oc_def *def, const oc_tmpl *tmpl, const char *calendar_name);
void oc_texter_free(oc_texter *tx); /* accepts NULL */

/* Makes the texts of 'e' into 'out' (the texts of a slot are made once for
 * its events). Returns 0, or -1 with 'err' set on a template error. */
int oc_texter_make(oc_texter *tx, const oc_event *e, oc_event_text *out, oc_error *err);

/* Puts first in the description of 't' (made by the last oc_texter_make())
 * the line that dates a changed event, "Modifié le <date of
 * 'last_modified' in the calendar's zone>" (template line.modified), then
 * a line break. Returns 0, or -1 with 'err' set. */
int oc_texter_modified(oc_texter *tx, int64_t last_modified, oc_event_text *t, oc_error *err);

#endif
