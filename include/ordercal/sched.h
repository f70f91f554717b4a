/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_SCHED_H
#define OC_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"

/* One weekly slot of the ordering portal, open or closed, with the dates
 * that follow from it (DESIGN §1, §3). All days are oc_day values. */
typedef struct {
    oc_day first;          /* the session's first day: the key of every UID */
    oc_day last;           /* its last day (inclusive) */
    bool open;
    oc_day delivery_first; /* open slots only */
    oc_day delivery_last;
    oc_day confirmation;   /* day of the confirmation (open slots only) */
    oc_day appointments;   /* first day appointments can be booked (open slots only) */
    const char *note;      /* borrowed from the definition; NULL when none */
    size_t period;         /* index in def->periods */
    ptrdiff_t exception;   /* index in def->exceptions, or -1 */
} oc_slot;

typedef struct oc_sched {
    oc_slot *slots; /* ascending by 'first' */
    size_t count;
    size_t open_count;
} oc_sched;

/* Expands the definition's rhythm and exceptions into slots. 'now' (seconds
 * since the epoch) fixes the horizon of an open-ended last period.
 * Returns a new schedule; the caller frees it with oc_sched_free().
 * On failure (an exception that names no slot, or one slot twice) returns
 * NULL and fills 'err' with the exception's position. 'def' is borrowed. */
oc_sched *oc_sched_expand(const oc_def *def, int64_t now, oc_error *err);

void oc_sched_free(oc_sched *sched); /* accepts NULL */

/* A day of an event that falls on a public holiday of the definition's set. */
typedef struct {
    oc_kind kind;    /* session, confirmation, delivery or appointments (open slots) */
    oc_day session;  /* the session's first day */
    oc_day day;      /* the day that is a holiday */
    const char *key; /* the holiday's key ("ascension"); static */
    oc_pos pos;      /* the rhythm period or exception that produced the day */
} oc_clash;

/* Lists every clash of 'sched' with the holidays of def->holidays, in
 * schedule order. Returns their number and a new array in '*out' (NULL when
 * none); the caller frees it with free(). Closed sessions clash with nothing. */
size_t oc_sched_clashes(const oc_def *def, const oc_sched *sched, oc_clash **out);

/* The key of the holiday on 'day' in def->holidays, or NULL. */
const char *oc_sched_holiday(const oc_def *def, oc_day day);

#endif
