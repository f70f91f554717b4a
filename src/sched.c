/* SPDX-License-Identifier: Apache-2.0 */
/* sched: the second stage. Expands the rhythm periods of a definition into
 * weekly slots (DESIGN §2: "every: N" opens the slots whose week index from
 * the period's start is a multiple of N), then applies per-session exceptions. */
#include "ordercal/sched.h"

#include <stdlib.h>
#include <string.h>

#include "ordercal/holiday.h"

static int find_slot(const oc_sched *s, oc_day first)
{
    size_t lo = 0, hi = s->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->slots[mid].first < first) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < s->count && s->slots[lo].first == first ? (int)lo : -1;
}

static void fill_open(const oc_def *def, oc_slot *slot)
{
    slot->confirmation = slot->first + def->confirmation_offset;
    if (slot->exception >= 0 && def->exceptions[slot->exception].has_delivery) {
        slot->delivery_first = def->exceptions[slot->exception].delivery_first;
        slot->delivery_last = def->exceptions[slot->exception].delivery_last;
    } else {
        slot->delivery_first = slot->first + def->delivery_offset;
        slot->delivery_last = slot->delivery_first + def->delivery_length - 1;
    }
    slot->appointments = slot->delivery_last + def->appointments_offset;
}

oc_sched *oc_sched_expand(const oc_def *def, int64_t now, oc_error *err)
{
    oc_sched *s = oc_xcalloc(1, sizeof(*s));
    oc_day horizon = oc_day_floor(now) + 7 * (oc_day)def->horizon_weeks;
    size_t cap = 0;

    for (size_t i = 0; i < def->period_count; i++) {
        const oc_def_period *p = &def->periods[i];
        oc_day end;

        if (p->has_until) {
            end = p->until;
        } else if (i + 1 < def->period_count) {
            end = def->periods[i + 1].from - 1;
        } else {
            end = horizon;
        }
        for (oc_day d = p->from; d <= end; d += 7) {
            oc_slot *slot;
            int64_t week = (d - p->from) / 7;

            if (s->count == cap) {
                cap = cap != 0 ? cap * 2 : 64;
                s->slots = oc_xrealloc(s->slots, cap * sizeof(*s->slots));
            }
            slot = &s->slots[s->count++];
            memset(slot, 0, sizeof(*slot));
            slot->first = d;
            slot->last = d + def->length - 1;
            slot->open = week % p->every == 0;
            slot->period = i;
            slot->exception = -1;
        }
    }
    for (size_t i = 0; i < def->exception_count; i++) {
        const oc_def_exception *ex = &def->exceptions[i];
        int k = find_slot(s, ex->date);
        oc_slot *slot;

        if (k < 0) {
            oc_date d = oc_date_from_day(ex->date);

            oc_error_set(err, OC_E_VALUE, def->path, ex->date_pos,
                         "sessions[%zu].date '%04d-%02d-%02d' is not a slot of the rhythm%s", i,
                         d.year, d.month, d.day,
                         s->count == 0 ? " (the rhythm has no slot)"
                         : ex->date > s->slots[s->count - 1].first
                             ? " (after the last slot; see until and horizon_weeks)"
                         : ex->date < s->slots[0].first ? " (before the first slot)"
                                                        : " (a gap between periods)");
            oc_sched_free(s);
            return NULL;
        }
        slot = &s->slots[k];
        slot->exception = (ptrdiff_t)i;
        if (ex->state != OC_STATE_DEFAULT) {
            slot->open = ex->state == OC_STATE_OPEN;
        }
        if (ex->has_delivery && !slot->open) {
            oc_error_set(err, OC_E_VALUE, def->path, ex->delivery_pos,
                         "sessions[%zu] is a closed slot of the rhythm: a closed session has no "
                         "delivery (add state: open)",
                         i);
            oc_sched_free(s);
            return NULL;
        }
        slot->note = ex->note.value;
    }
    for (size_t i = 0; i < s->count; i++) {
        if (s->slots[i].open) {
            fill_open(def, &s->slots[i]);
            s->open_count++;
        }
    }
    return s;
}

void oc_sched_free(oc_sched *sched)
{
    if (sched == NULL) {
        return;
    }
    free(sched->slots);
    free(sched);
}

const char *oc_sched_holiday(const oc_def *def, oc_day day)
{
    const char *key = NULL;

    return oc_holiday_on((oc_holidays)def->holiday_set, day, &key) ? key : NULL;
}

static void add_clash(oc_clash **out, size_t *count, size_t *cap, const oc_clash *c)
{
    if (*count == *cap) {
        *cap = *cap != 0 ? *cap * 2 : 16;
        *out = oc_xrealloc(*out, *cap * sizeof(**out));
    }
    (*out)[(*count)++] = *c;
}

size_t oc_sched_clashes(const oc_def *def, const oc_sched *sched, oc_clash **out)
{
    size_t count = 0, cap = 0;

    *out = NULL;
    for (size_t i = 0; i < sched->count; i++) {
        const oc_slot *s = &sched->slots[i];
        const oc_def_exception *ex = s->exception >= 0 ? &def->exceptions[s->exception] : NULL;
        oc_pos origin = ex != NULL ? ex->pos : def->periods[s->period].pos;
        struct {
            oc_kind kind;
            oc_day first, last;
            oc_pos pos;
        } spans[4];

        if (!s->open) {
            continue;
        }
        spans[0].kind = OC_KIND_SESSION;
        spans[0].first = s->first;
        spans[0].last = s->last;
        spans[0].pos = origin;
        spans[1].kind = OC_KIND_CONFIRMATION;
        spans[1].first = spans[1].last = s->confirmation;
        spans[1].pos = origin;
        spans[2].kind = OC_KIND_DELIVERY;
        spans[2].first = s->delivery_first;
        spans[2].last = s->delivery_last;
        spans[2].pos = ex != NULL && ex->has_delivery ? ex->delivery_pos : origin;
        spans[3].kind = OC_KIND_APPOINTMENTS;
        spans[3].first = spans[3].last = s->appointments;
        spans[3].pos = spans[2].pos;
        for (int k = 0; k < 4; k++) {
            for (oc_day d = spans[k].first; d <= spans[k].last; d++) {
                const char *key = oc_sched_holiday(def, d);

                if (key != NULL) {
                    oc_clash c = {spans[k].kind, s->first, d, key, spans[k].pos};

                    add_clash(out, &count, &cap, &c);
                }
            }
        }
    }
    return count;
}
