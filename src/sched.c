/* SPDX-License-Identifier: Apache-2.0 */
/* sched: the second stage. Expands the rhythm periods of a definition into
 * weekly slots (DESIGN §2: "every: N" opens the slots whose week index from
 * the period's start is a multiple of N), then applies per-session exceptions. */
#include "ordercal/sched.h"

#include <stdio.h>
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

    /* A time the spring change skips is written as the wall time it
     * becomes (02:30 -> 03:30), and one the autumn change repeats in
     * UTC: clients disagree on both (ical.js reads a skipped time an
     * hour early; most read a repeated one as its second occurrence). */
    sp->local_start = sp->utc_start + oc_tz_offset_at(tz, sp->utc_start);
    sp->start_utc = repeated(tz, sp->local_start);

    /* The end is the start plus the duration as RFC 5545 §3.3.6 counts
     * it (a day keeps the wall time, hours and minutes are exact), shown
     * back in the zone's wall clock. */
    sp->utc_end =
        oc_tz_add_duration(tz, sp->utc_start, sp->local_start, rule->duration, rule->duration_days);
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

/* The state the rhythm gives the slot of 'p' that starts on 'day'. */
static bool rhythm_open(const oc_def_period *p, oc_day day)
{
    return (day - p->from) / 7 % p->every == 0;
}

/* The period whose days would hold 'day' (the last one starting on or
 * before it), or -1 before the first. Periods ascend. */
static ptrdiff_t period_of(const oc_def *def, oc_day day)
{
    size_t lo = 0, hi = def->period_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (def->periods[mid].from <= day) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (ptrdiff_t)lo - 1;
}

/* The days the rule of 'k' gives a slot starting on 'first', before any exception. */
static void rule_days(const oc_def *def, oc_day first, oc_kind k, oc_day *from, oc_day *to)
{
    int anchor = oc_kind_get(k)->anchor;
    oc_day base = first, unused;

    if (anchor != OC_KIND_ANCHOR_SLOT) {
        rule_days(def, first, (oc_kind)anchor, &unused, &base);
    }
    *from = base + def->rules[k].offset;
    *to = *from + def->rules[k].length - 1;
}

/* Exception 'i' names no slot and no slot will have its date: why. */
static void not_a_slot(const oc_def *def, const oc_sched *s, size_t i, oc_error *err)
{
    const oc_def_exception *ex = &def->exceptions[i];
    ptrdiff_t p = period_of(def, ex->date);
    char date[16], end[96] = "";

    if (p < 0) {
        snprintf(end, sizeof(end), "before the first slot");
    } else if ((size_t)p + 1 < def->period_count || s->open_ended) {
        snprintf(end, sizeof(end), "a gap between periods");
    } else {
        snprintf(end, sizeof(end), "after rhythm[%td].until '%s', its end", p,
                 oc_day_text(def->periods[p].until, date));
    }
    oc_error_set(err, OC_E_VALUE, def->path, ex->date_pos,
                 "sessions[%zu].date '%s' is not a slot of the rhythm (%s)", i,
                 oc_day_text(ex->date, date), end);
}

/* Applies exception 'i' to 'slot', which has the rhythm's state: an
 * exception must change it. Returns 0, or -1 with 'err' set. */
static int apply(const oc_def *def, size_t i, oc_slot *slot, oc_error *err)
{
    const oc_def_exception *ex = &def->exceptions[i];
    const oc_def_period *p = &def->periods[slot->period];
    bool rhythm = slot->open;
    oc_day first, last;
    char date[16], days[40];

    if (ex->state != OC_STATE_DEFAULT) {
        slot->open = ex->state == OC_STATE_OPEN;
    }
    if (ex->has_delivery && !slot->open) {
        oc_error_set(err, OC_E_VALUE, def->path, ex->delivery_pos,
                     "sessions[%zu] is a closed slot of the rhythm: a closed session has no "
                     "delivery (add state: open)",
                     i);
        return -1;
    }
    rule_days(def, slot->first, OC_KIND_DELIVERY, &first, &last);
    if (ex->note.value == NULL && slot->open == rhythm &&
        (!ex->has_delivery || (ex->delivery_first == first && ex->delivery_last == last))) {
        oc_day_text(first, days);
        if (last != first) {
            strcat(days, "..");
            strcat(days, oc_day_text(last, date));
        }
        oc_error_set(
            err, OC_E_VALUE, def->path, ex->pos,
            "sessions[%zu] changes nothing: %s is already %s in rhythm[%zu] (every: %d)%s%s", i,
            oc_day_text(slot->first, date), rhythm ? "open" : "closed", slot->period, p->every,
            ex->has_delivery ? ", delivered " : "", ex->has_delivery ? days : "");
        return -1;
    }
    slot->exception = (ptrdiff_t)i;
    slot->note = ex->note.value;
    return 0;
}

/* Applies every exception; one past the horizon of an open-ended rhythm is
 * checked against the slot it will be, and kept as pending. */
static int apply_all(const oc_def *def, oc_sched *s, oc_error *err)
{
    for (size_t i = 0; i < def->exception_count; i++) {
        const oc_def_exception *ex = &def->exceptions[i];
        int k = find_slot(s, ex->date);
        ptrdiff_t p = period_of(def, ex->date);
        oc_slot later;

        if (k >= 0) {
            if (apply(def, i, &s->slots[k], err) != 0) {
                return -1;
            }
            continue;
        }
        if (!s->open_ended || p < 0 || (size_t)p + 1 != def->period_count ||
            ex->date <= s->horizon) {
            not_a_slot(def, s, i, err);
            return -1;
        }
        memset(&later, 0, sizeof(later));
        later.first = ex->date;
        later.period = (size_t)p;
        later.open = rhythm_open(&def->periods[p], ex->date);
        if (apply(def, i, &later, err) != 0) {
            return -1;
        }
        s->pending = oc_xrealloc(s->pending, (s->pending_count + 1) * sizeof(*s->pending));
        s->pending[s->pending_count++] = i;
    }
    return 0;
}

oc_sched *oc_sched_expand(const oc_def *def, int64_t now, oc_error *err)
{
    oc_sched *s = oc_xcalloc(1, sizeof(*s));
    size_t cap = 0;

    s->horizon = oc_day_floor(now) + 7 * (oc_day)def->horizon_weeks;
    s->open_ended = !def->periods[def->period_count - 1].has_until;
    for (size_t i = 0; i < def->period_count; i++) {
        const oc_def_period *p = &def->periods[i];
        oc_day end;

        if (p->has_until) {
            end = p->until;
        } else if (i + 1 < def->period_count) {
            end = def->periods[i + 1].from - 1;
        } else {
            end = s->horizon;
        }
        for (oc_day d = p->from; d <= end; d += 7) {
            oc_slot *slot;

            if (s->count == cap) {
                cap = cap != 0 ? cap * 2 : 64;
                s->slots = oc_xrealloc(s->slots, cap * sizeof(*s->slots));
            }
            slot = &s->slots[s->count++];
            memset(slot, 0, sizeof(*slot));
            slot->first = d;
            slot->last = d + def->length - 1;
            slot->open = rhythm_open(p, d);
            slot->period = i;
            slot->exception = -1;
        }
    }
    if (apply_all(def, s, err) != 0) {
        oc_sched_free(s);
        return NULL;
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
    free(sched->pending);
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

/* The instant of the change of offset between 'a' and 'b' (whose offsets
 * differ): the first with b's offset. */
static int64_t change_at(const oc_tz *tz, int64_t a, int64_t b)
{
    int32_t before = oc_tz_offset_at(tz, a);

    while (b - a > 1) {
        int64_t mid = a + (b - a) / 2;

        if (oc_tz_offset_at(tz, mid) == before) {
            a = mid;
        } else {
            b = mid;
        }
    }
    return b;
}

oc_dst_kind oc_sched_dst(const oc_def *def, const oc_slot *slot, oc_kind kind, oc_dst *out)
{
    const oc_span *sp = &slot->spans[kind];
    int64_t change;

    memset(out, 0, sizeof(*out));
    if (!sp->on || !oc_kind_get(kind)->timed) {
        return OC_DST_NONE;
    }
    out->wall = sp->first * 86400 + def->rules[kind].minutes * 60;
    out->seen = sp->local_start;

    /* place_time() read a skipped time with the offset before the gap (its
     * instant follows the change) and gave a repeated one its first
     * occurrence (the change follows it); the change is a day away at most. */
    if (sp->local_start != out->wall) {
        out->kind = OC_DST_SKIPPED;
        change = change_at(def->tz, sp->utc_start - 86400, sp->utc_start);
    } else if (sp->start_utc) {
        out->kind = OC_DST_REPEATED;
        change = change_at(def->tz, sp->utc_start, sp->utc_start + 86400);
    } else {
        return OC_DST_NONE;
    }
    out->offset = oc_tz_offset_at(def->tz, sp->utc_start);
    out->before = change + oc_tz_offset_at(def->tz, change - 1);
    out->after = change + oc_tz_offset_at(def->tz, change);
    return out->kind;
}
