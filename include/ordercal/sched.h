/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_SCHED_H
#define OC_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/kind.h"
#include "ordercal/tz.h"

/* When one kind's event of a slot happens, computed once for every renderer. */
typedef struct {
    oc_day first, last;  /* its days, inclusive (a timed kind: the day of its rule) */
    int64_t local_start; /* timed kinds: wall-clock seconds "as if UTC" in the zone */
    int64_t local_end;
    int64_t utc_start, utc_end;
    oc_pos pos;     /* the rhythm period, exception or override that produced it */
    bool on;        /* the slot has an event of this kind */
    bool start_utc; /* write DTSTART in UTC: its wall time happens twice that day */
    bool end_utc;   /* the same for DTEND */
} oc_span;          /* the fields by size: a schedule holds one per slot and kind */

/* One weekly slot of the ordering portal, open or closed, with the dates
 * that follow from it (DESIGN §1, §3). All days are oc_day values. */
typedef struct {
    oc_day first; /* the session's first day: the key of every UID */
    oc_day last;  /* its last day (inclusive) */
    bool open;
    oc_span spans[OC_KIND_COUNT];
    const char *note;    /* borrowed from the definition; NULL when none */
    size_t period;       /* index in def->periods */
    ptrdiff_t exception; /* index in def->exceptions, or -1 */
} oc_slot;

typedef struct oc_sched {
    oc_slot *slots; /* ascending by 'first' */
    size_t count;
    size_t open_count;
    bool open_ended; /* the last period has no until: it runs to the horizon */
    oc_day horizon;  /* the build's UTC date + horizon_weeks: no slot starts after it */
    size_t *pending; /* exceptions past the horizon (indexes in def->exceptions), in the
                      * definition's order: checked, and applied once the horizon reaches them */
    size_t pending_count;
} oc_sched;

/* Expands the definition's rhythm and exceptions into slots, and every
 * slot's events into spans; timed kinds are placed in def->tz. 'now' (seconds since the epoch)
 * fixes the horizon of an open-ended last period. Returns a new schedule; the caller frees it with
 * oc_sched_free(). On failure (an exception that names no slot or changes nothing, a delivery
 * on a closed slot) returns NULL and fills 'err' with the exception's position. 'def' is
 * borrowed. */
oc_sched *oc_sched_expand(const oc_def *def, int64_t now, oc_error *err);

void oc_sched_free(oc_sched *sched); /* accepts NULL */

/* A day of an event that falls on a public holiday of the definition's set. */
typedef struct {
    oc_kind kind;    /* a kind whose row checks holidays */
    oc_day session;  /* the session's first day */
    oc_day day;      /* the day that is a holiday */
    const char *key; /* the holiday's key ("ascension"); static */
    oc_pos pos;      /* the rhythm period or exception that produced the day */
} oc_clash;

/* Lists every clash of 'sched' with the holidays of def->holidays, in
 * schedule order. Returns their number and a new array in '*out' (NULL when
 * none); the caller frees it with free(). */
size_t oc_sched_clashes(const oc_def *def, const oc_sched *sched, oc_clash **out);

/* The key of the holiday on 'day' in def->holidays, or NULL. */
const char *oc_sched_holiday(const oc_def *def, oc_day day);

/* A timed event whose wall time a change of the zone's offset skips (the
 * clock jumps over it) or repeats (the clock goes back over it). Times are
 * local, "as if UTC" (see tz.h). */
typedef enum { OC_DST_NONE = 0, OC_DST_SKIPPED, OC_DST_REPEATED } oc_dst_kind;

typedef struct {
    oc_dst_kind kind;
    int64_t wall;          /* the time its rule gives */
    int64_t seen;          /* the wall time subscribers see: after a gap, the time it becomes */
    int64_t before, after; /* the change: the clock's time just before it, and just after */
    int32_t offset;        /* seconds east of UTC of the instant the feed gives */
} oc_dst;

/* Whether the timed kind 'kind' of 'slot' falls in a change of offset, and
 * which; fills 'out' (OC_DST_NONE for an untimed kind or one without an event). */
oc_dst_kind oc_sched_dst(const oc_def *def, const oc_slot *slot, oc_kind kind, oc_dst *out);

/* The UTC instants [first, last] the timed events of 'sched' cover, for the
 * kinds in 'kinds' (a bit set). Returns false when there is none. */
bool oc_sched_timed_range(const oc_sched *sched, unsigned kinds, int64_t *first, int64_t *last);

#endif
