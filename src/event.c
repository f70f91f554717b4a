/* SPDX-License-Identifier: Apache-2.0 */
/* event: the third stage. Turns the slots of a schedule into the events of
 * DESIGN §3 (session, closed, confirmation, delivery, appointments), with
 * stable name-based UIDs (RFC 9562 §5.5, version 5) and texts from templates/. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/event.h"

#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

/* The project's fixed namespace for version-5 UIDs. Changing it would
 * duplicate every event in every subscriber's calendar: never change it. */
static const uuid_t uid_namespace = {0x2a, 0x84, 0x26, 0x44, 0x00, 0x1d, 0x44, 0x66,
                                     0x9c, 0xa0, 0x07, 0xe6, 0xf4, 0xf2, 0x03, 0x41};

void oc_uid_of_name(const char *name, size_t len, char out[37])
{
    uuid_t u;

    uuid_generate_sha1(u, uid_namespace, name, len);
    uuid_unparse_lower(u, out);
}

void oc_event_uid(const char *calendar_id, const char *kind_name, oc_day session, char out[37])
{
    oc_buf name = {0};

    oc_buf_puts(&name, calendar_id);
    oc_buf_putc(&name, '/');
    oc_buf_puts(&name, kind_name);
    oc_buf_putc(&name, '/');
    oc_buf_put_ymd(&name, session);
    oc_uid_of_name(name.data, name.len, out);
    oc_buf_free(&name);
}

/* The texts every template may use, computed once per slot. */
typedef struct {
    oc_buf session, session_short, session_last, delivery, delivery_short, confirmation,
        appointments, extra;
} texts;

struct oc_texter {
    const oc_def *def;
    const oc_tmpl *tmpl;
    const char *calendar_name;

    /* "summary.<kind>" and "description.<kind>", made once; with the alarm's
     * text, bound to the texts' variables at the kind's first event. */
    char summary_key[OC_KIND_COUNT][32];
    char description_key[OC_KIND_COUNT][32];
    oc_tmpl_bound *summary_of[OC_KIND_COUNT], *description_of[OC_KIND_COUNT],
        *alarm_of[OC_KIND_COUNT];

    /* The events of a slot share its texts: made once per slot. */
    texts cache;
    const oc_slot *cached_slot;

    /* What the last oc_texter_make() returned. */
    oc_buf summary, description, alarm, extra, modified;
};

oc_events *oc_events_new(const oc_def *def, const oc_sched *sched)
{
    oc_events *ev = oc_xcalloc(1, sizeof(*ev));
    size_t cap = 0;

    for (size_t i = 0; i < sched->count; i++) {
        const oc_slot *slot = &sched->slots[i];

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const oc_def_rule *rule = &def->rules[k];
            oc_event *e;

            if (!slot->spans[k].on) {
                continue;
            }
            if (ev->count == cap) {
                cap = cap != 0 ? 2 * cap : 64;
                ev->events = oc_xrealloc(ev->events, cap * sizeof(*ev->events));
            }
            e = &ev->events[ev->count++];
            memset(e, 0, sizeof(*e));
            e->kind = (oc_kind)k;
            e->slot = slot;
            e->span = &slot->spans[k];
            e->has_alarm = oc_kind_get((oc_kind)k)->alarm && rule->has_alarm;
            e->alarm = rule->alarm;
            oc_event_uid(def->id.value, oc_kind_uid_name((oc_kind)k), slot->first, e->uid);
        }
    }
    return ev;
}

void oc_events_free(oc_events *events)
{
    if (events == NULL) {
        return;
    }
    free(events->events);
    free(events);
}

oc_texter *oc_texter_new(const oc_def *def, const oc_tmpl *tmpl, const char *calendar_name)
{
    oc_texter *tx = oc_xcalloc(1, sizeof(*tx));

    tx->def = def;
    tx->tmpl = tmpl;
    tx->calendar_name = calendar_name;
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        oc_kind_key((oc_kind)k, "summary.", tx->summary_key[k], sizeof(tx->summary_key[k]));
        oc_kind_key((oc_kind)k, "description.", tx->description_key[k],
                    sizeof(tx->description_key[k]));
    }
    return tx;
}

/* Applies 'op' (oc_buf_free or oc_buf_reset) to every text of 't'. */
static void texts_each(texts *t, void (*op)(oc_buf *))
{
    oc_buf *all[] = {&t->session,        &t->session_short, &t->session_last, &t->delivery,
                     &t->delivery_short, &t->confirmation,  &t->appointments, &t->extra};

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        op(all[i]);
    }
}

void oc_texter_free(oc_texter *tx)
{
    if (tx == NULL) {
        return;
    }
    texts_each(&tx->cache, oc_buf_free);
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        oc_tmpl_bound_free(tx->summary_of[k]);
        oc_tmpl_bound_free(tx->description_of[k]);
        oc_tmpl_bound_free(tx->alarm_of[k]);
    }
    oc_buf_free(&tx->summary);
    oc_buf_free(&tx->description);
    oc_buf_free(&tx->alarm);
    oc_buf_free(&tx->extra);
    oc_buf_free(&tx->modified);
    free(tx);
}

static int make_texts(oc_texter *tx, const oc_slot *slot, texts *t, oc_error *err)
{
    const oc_tmpl *tm = tx->tmpl;
    const oc_def *def = tx->def;
    const oc_span *delivery = &slot->spans[OC_KIND_DELIVERY];
    const oc_span *confirmation = &slot->spans[OC_KIND_CONFIRMATION];
    const oc_span *appointments = &slot->spans[OC_KIND_APPOINTMENTS];

    if (oc_tmpl_span(tm, slot->first, slot->last, &t->session, err) != 0 ||
        oc_tmpl_span_short(tm, slot->first, slot->last, &t->session_short, err) != 0 ||
        oc_tmpl_date(tm, slot->last, &t->session_last, err) != 0) {
        return -1;
    }
    if ((delivery->on &&
         (oc_tmpl_span(tm, delivery->first, delivery->last, &t->delivery, err) != 0 ||
          oc_tmpl_span_short(tm, delivery->first, delivery->last, &t->delivery_short, err) != 0)) ||
        (appointments->on && oc_tmpl_date(tm, appointments->first, &t->appointments, err) != 0) ||
        (confirmation->on &&
         oc_tmpl_datetime(tm, confirmation->first, def->rules[OC_KIND_CONFIRMATION].minutes,
                          &t->confirmation, err) != 0)) {
        return -1;
    }
    {
        oc_var v[] = {
            {"note", slot->note}, {"reference", def->reference.value}, {"url", def->url.value}};

        if ((slot->note != NULL && oc_tmpl_expand(tm, "line.note", v, 3, &t->extra, err) != 0) ||
            (def->reference.value != NULL &&
             oc_tmpl_expand(tm, "line.reference", v, 3, &t->extra, err) != 0) ||
            (def->url.value != NULL && oc_tmpl_expand(tm, "line.url", v, 3, &t->extra, err) != 0)) {
            return -1;
        }
    }
    return 0;
}

/* One line per day of the event that is a public holiday: the maintainer is
 * warned, and the pharmacist reading the event sees it too. */
static int holiday_lines(oc_texter *tx, const oc_span *sp, oc_buf *out, oc_error *err)
{
    for (oc_day d = sp->first; d <= sp->last; d++) {
        const char *key = oc_sched_holiday(tx->def, d);
        oc_buf date = {0};
        int r;

        if (key == NULL) {
            continue;
        }
        r = oc_tmpl_date(tx->tmpl, d, &date, err);
        if (r == 0) {
            oc_var v[] = {{"date", date.data}, {"holiday", oc_tmpl_holiday(tx->tmpl, key)}};

            r = oc_tmpl_expand(tx->tmpl, "line.holiday", v, 2, out, err);
        }
        oc_buf_free(&date);
        if (r != 0) {
            return -1;
        }
    }
    return 0;
}

int oc_texter_make(oc_texter *tx, const oc_event *e, oc_event_text *out, oc_error *err)
{
    const oc_def *def = tx->def;
    const oc_slot *slot = e->slot;
    texts *t = &tx->cache;

    memset(out, 0, sizeof(*out));
    if (tx->cached_slot != slot) {
        texts_each(t, oc_buf_reset); /* kept for the next slot's texts */
        tx->cached_slot = NULL;
        if (make_texts(tx, slot, t, err) != 0) {
            return -1;
        }
        tx->cached_slot = slot;
    }
    oc_buf_reset(&tx->extra);
    oc_buf_reset(&tx->summary);
    oc_buf_reset(&tx->description);
    oc_buf_reset(&tx->alarm);
    if (holiday_lines(tx, e->span, &tx->extra, err) != 0) {
        return -1;
    }
    oc_buf_add(&tx->extra, t->extra.data, t->extra.len);
    {
        oc_var v[] = {{"calendar", tx->calendar_name},
                      {"session", t->session.data},
                      {"session_short", t->session_short.data},
                      {"session_last", t->session_last.data},
                      {"delivery", t->delivery.data},
                      {"delivery_short", t->delivery_short.data},
                      {"confirmation", t->confirmation.data},
                      {"appointments", t->appointments.data},
                      {"reference", def->reference.value},
                      {"url", def->url.value},
                      {"note", slot->note},
                      {"extra", tx->extra.data}};
        size_t nv = sizeof(v) / sizeof(v[0]);
        oc_kind k = e->kind;

        if ((tx->summary_of[k] == NULL &&
             (tx->summary_of[k] = oc_tmpl_bind(tx->tmpl, tx->summary_key[k], v, nv, err)) ==
                 NULL) ||
            (tx->description_of[k] == NULL &&
             (tx->description_of[k] = oc_tmpl_bind(tx->tmpl, tx->description_key[k], v, nv, err)) ==
                 NULL) ||
            (e->has_alarm && tx->alarm_of[k] == NULL &&
             (tx->alarm_of[k] = oc_tmpl_bind(tx->tmpl, oc_kind_get(k)->alarm_key, v, nv, err)) ==
                 NULL)) {
            return -1;
        }
        oc_tmpl_bound_expand(tx->summary_of[k], v, &tx->summary);
        oc_tmpl_bound_expand(tx->description_of[k], v, &tx->description);
        if (e->has_alarm) {
            oc_tmpl_bound_expand(tx->alarm_of[k], v, &tx->alarm);
        }
    }
    out->summary = tx->summary.data != NULL ? tx->summary.data : "";
    out->description = tx->description.data != NULL ? tx->description.data : "";
    out->alarm = e->has_alarm ? (tx->alarm.data != NULL ? tx->alarm.data : "") : NULL;
    return 0;
}

int oc_texter_modified(oc_texter *tx, int64_t last_modified, oc_event_text *text, oc_error *err)
{
    int64_t local = last_modified + oc_tz_offset_at(tx->def->tz, last_modified);
    oc_buf date = {0};
    int rc = oc_tmpl_date(tx->tmpl, oc_day_floor(local), &date, err);

    oc_buf_reset(&tx->modified);
    if (rc == 0) {
        oc_var v[] = {{"date", date.data}};

        rc = oc_tmpl_expand(tx->tmpl, "line.modified", v, 1, &tx->modified, err);
    }
    oc_buf_free(&date);
    if (rc != 0) {
        return -1;
    }
    /* One line: the reader drops the first line of a changed event's
     * description before it compares (prev.h). */
    for (size_t i = 0; i < tx->modified.len; i++) {
        if (tx->modified.data[i] == '\n' || tx->modified.data[i] == '\r') {
            tx->modified.data[i] = ' ';
        }
    }
    oc_buf_putc(&tx->modified, '\n');
    oc_buf_puts(&tx->modified, text->description);
    text->description = tx->modified.data;
    return 0;
}
