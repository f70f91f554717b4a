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

/* True when the wall time 'local' happens twice in the zone (the hour the
 * autumn change repeats), so that no local form names one instant. */
static bool repeated(const oc_tz *tz, int64_t local)
{
    int64_t first = oc_tz_local_to_utc(tz, local);
    int32_t offsets[3] = {oc_tz_offset_at(tz, first - 86400), oc_tz_offset_at(tz, first),
                          oc_tz_offset_at(tz, first + 86400)};

    for (int i = 0; i < 3; i++) {
        int64_t other = local - offsets[i];

        if (other != first && other + oc_tz_offset_at(tz, other) == local) {
            return true;
        }
    }
    return false;
}

/* A timed span starts at its rule's local time on its day. */
static void place_time(const oc_def_rule *rule, const oc_tz *tz, oc_span *sp)
{
    sp->utc_start = oc_tz_local_to_utc(tz, sp->first * 86400 + rule->minutes * 60);
    sp->utc_end = sp->utc_start + rule->duration;

    /* A time the spring change skips is written as the wall time it
     * becomes (02:30 -> 03:30), and one the autumn change repeats in
     * UTC: clients disagree on both (ical.js reads a skipped time an
     * hour early; most read a repeated one as its second occurrence). */
    sp->local_start = sp->utc_start + oc_tz_offset_at(tz, sp->utc_start);
    sp->start_utc = repeated(tz, sp->local_start);

    /* DURATION is exact time (RFC 5545 §3.3.6): the end is the start plus
     * the duration in UTC, shown back in the zone's wall clock. */
    sp->local_end = sp->utc_end + oc_tz_offset_at(tz, sp->utc_end);
    sp->end_utc = repeated(tz, sp->local_end);
}

/* Every kind's span of 'slot', in the kind table's order (an anchor comes
 * before the kinds that count from it). */
static void place(const oc_def *def, const oc_tz *tz, oc_slot *slot)
{
    const oc_def_exception *ex = slot->exception >= 0 ? &def->exceptions[slot->exception] : NULL;
    oc_pos origin = ex != NULL ? ex->pos : def->periods[slot->period].pos;

    for (int k = 0; k < OC_KIND_COUNT; k++) {
        const oc_kind_info *info = oc_kind_get((oc_kind)k);
        const oc_def_rule *rule = &def->rules[k];
        oc_span *sp = &slot->spans[k];

        memset(sp, 0, sizeof(*sp));
        if (info->closed == slot->open || !rule->on) {
            continue;
        }
        sp->on = true;
        if (info->anchor == OC_KIND_ANCHOR_SLOT) {
            sp->first = slot->first + rule->offset;
            sp->pos = origin;
        } else {
            sp->first = slot->spans[info->anchor].last + rule->offset;
            sp->pos = slot->spans[info->anchor].pos;
        }
        sp->last = sp->first + rule->length - 1;

        /* "sauf exception": a session's delivery may be given by its dates. */
        if (k == OC_KIND_DELIVERY && ex != NULL && ex->has_delivery) {
            sp->first = ex->delivery_first;
            sp->last = ex->delivery_last;
            sp->pos = ex->delivery_pos;
        }
        if (info->timed) {
            place_time(rule, tz, sp);
        }
    }
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
        place(def, def->tz, &s->slots[i]);
        s->open_count += s->slots[i].open;
    }
    if (s->count > 0 && s->count < cap) {
        /* Grown by doubling: give the unused third back (a schedule of
         * 25,000 slots is most of a big build's memory). */
        s->slots = oc_xrealloc(s->slots, s->count * sizeof(*s->slots));
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

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const oc_span *sp = &s->spans[k];

            if (!sp->on || !oc_kind_get((oc_kind)k)->holidays) {
                continue;
            }
            for (oc_day d = sp->first; d <= sp->last; d++) {
                const char *key = oc_sched_holiday(def, d);

                if (key != NULL) {
                    oc_clash c = {(oc_kind)k, s->first, d, key, sp->pos};

                    add_clash(out, &count, &cap, &c);
                }
            }
        }
    }
    return count;
}

bool oc_sched_timed_range(const oc_sched *sched, unsigned kinds, int64_t *first, int64_t *last)
{
    bool any = false;

    for (size_t i = 0; i < sched->count; i++) {
        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const oc_span *sp = &sched->slots[i].spans[k];

            if (!sp->on || !oc_kind_get((oc_kind)k)->timed || !(kinds & (1u << k))) {
                continue;
            }
            if (!any || sp->utc_start < *first) {
                *first = sp->utc_start;
            }
            if (!any || sp->utc_end > *last) {
                *last = sp->utc_end;
            }
            any = true;
        }
    }
    return any;
}
