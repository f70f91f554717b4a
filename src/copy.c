/* SPDX-License-Identifier: Apache-2.0 */
/* copy: the page's single-event copies of the confirmations near the
 * build's day (issue 15). Each is a file of its own, made like a feed's
 * event (texts from event, bytes from ics, stamps from prev, the publish
 * gate from verify) under a UID of its own, in a calendar that asks to be
 * added once (METHOD:PUBLISH) rather than subscribed to. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/copy.h"

#include <stdlib.h>
#include <string.h>

#include "ordercal/event.h"
#include "ordercal/ics.h"
#include "ordercal/verify.h"

#define COPY_KIND OC_KIND_CONFIRMATION

/* What the copies of one calendar share: their texter, their header, and
 * the last VTIMEZONE (copies of the same observances have the same bytes)
 * once checked with the header, with the gate that reads their events. */
struct oc_copy_cache {
    oc_texter *tx;
    oc_buf header;
    oc_tz_rules rules; /* the observances of 'vtz' */
    oc_buf vtz;
    oc_verify *gate; /* NULL until an event needs it */
    int gate_year;
};

/* The copy of 'slot': its file name and UID. */
static void name_copy(const oc_def *def, const oc_slot *slot, oc_copy *c)
{
    oc_buf b = {0};

    c->slot = slot;
    oc_buf_printf(&b, OC_COPY_DIR "/%s-", def->id.value);
    oc_buf_put_ymd(&b, slot->spans[COPY_KIND].first);
    oc_buf_puts(&b, ".ics");
    c->name = oc_buf_detach(&b);

    /* Not a kind's "<id>/<kind>/<day>": a name no event of a feed has. */
    oc_buf_printf(&b, "%s/copy/%s/", def->id.value, oc_kind_name(COPY_KIND));
    oc_buf_put_ymd(&b, slot->first);
    oc_uid_of_name(b.data, b.len, c->uid);
    oc_buf_free(&b);
}

oc_copies *oc_copies_new(const oc_def *def, const oc_sched *sched, int64_t now)
{
    oc_copies *copies = oc_xcalloc(1, sizeof(*copies));
    oc_day today = oc_day_floor(now);

    copies->items = oc_xcalloc(sched->count + 1, sizeof(*copies->items));
    for (size_t i = 0; i < sched->count; i++) {
        const oc_slot *slot = &sched->slots[i];
        const oc_span *sp = &slot->spans[COPY_KIND];

        if (slot->open && sp->on && sp->first >= today - OC_COPY_PAST_DAYS &&
            sp->first <= today + OC_COPY_FUTURE_DAYS) {
            name_copy(def, slot, &copies->items[copies->count++]);
        }
    }
    return copies;
}

void oc_copies_rendered(oc_copies *copies)
{
    if (copies != NULL && copies->cache != NULL) {
        oc_texter_free(copies->cache->tx);
        oc_buf_free(&copies->cache->header);
        oc_buf_free(&copies->cache->vtz);
        oc_tz_rules_free(&copies->cache->rules);
        oc_verify_free(copies->cache->gate);
        free(copies->cache);
        copies->cache = NULL;
    }
}

void oc_copies_free(oc_copies *copies)
{
    if (copies == NULL) {
        return;
    }
    for (size_t i = 0; i < copies->count; i++) {
        free(copies->items[i].name);
        free(copies->items[i].summary);
        free(copies->items[i].details);
    }
    oc_copies_rendered(copies);
    free(copies->items);
    free(copies);
}

/* The confirmation of the copy's slot as an event under the copy's UID. */
static void copy_event(const oc_def *def, const oc_copy *c, oc_event *e)
{
    const oc_def_rule *rule = &def->rules[COPY_KIND];

    memset(e, 0, sizeof(*e));
    e->kind = COPY_KIND;
    e->slot = c->slot;
    e->span = &c->slot->spans[COPY_KIND];
    e->has_alarm = oc_kind_get(COPY_KIND)->alarm && rule->has_alarm;
    e->alarm = rule->alarm;
    memcpy(e->uid, c->uid, sizeof(e->uid));
}

/* The copy's texts: the confirmation's, its description saying that it is
 * a fixed copy. Sets c->summary and c->details. */
static int copy_texts(const oc_copy_input *in, oc_texter *tx, oc_copy *c, const oc_event *e,
                      oc_buf *alarm, oc_error *err)
{
    oc_event_text t;
    oc_buf details = {0};
    int rc = -1;

    if (oc_texter_make(tx, e, &t, err) == 0) {
        oc_buf_puts(&details, t.description);
        if (oc_tmpl_expand(in->tmpl, "line.copy", NULL, 0, &details, err) == 0) {
            free(c->summary);
            free(c->details);
            c->summary = oc_xstrdup(t.summary);
            c->details = oc_buf_detach(&details);
            oc_buf_reset(alarm);
            oc_buf_puts(alarm, t.alarm != NULL ? t.alarm : "");
            rc = 0;
        }
    }
    oc_buf_free(&details);
    return rc;
}

/* The calendar around the event: the header, made once, and the VTIMEZONE
 * of the event's instants, both checked unless they are the last copy's. */
static int frame(const oc_def *def, const oc_event *e, oc_copy_cache *cache, oc_error *err)
{
    oc_tz_rules rules = {0, NULL};
    oc_buf vtz = {0};
    int rc = 0;

    if (cache->header.len == 0 && oc_ics_copy_header(&cache->header, err) != 0) {
        return -1;
    }
    if (oc_tz_rules_for_range(def->tz, e->span->utc_start, e->span->utc_end, &rules, err) != 0) {
        return -1;
    }
    if (cache->vtz.len > 0 && oc_tz_rules_equal(&rules, &cache->rules)) {
        oc_tz_rules_free(&rules); /* the last copy's VTIMEZONE, checked then */
        return 0;
    }
    oc_buf_reset(&cache->vtz);
    oc_tz_rules_free(&cache->rules);
    oc_verify_free(cache->gate);
    cache->gate = NULL;
    if (oc_ics_vtimezone_of(def->tz, &rules, &vtz, err) != 0 ||
        oc_verify_header(&cache->header, &vtz, err) != 0) {
        rc = -1;
        oc_tz_rules_free(&rules);
    } else {
        oc_buf_add(&cache->vtz, vtz.data, vtz.len);
        cache->rules = rules;
    }
    oc_buf_free(&vtz);
    return rc;
}

/* The gate of the cached VTIMEZONE, reading times up to 'year'. */
static oc_verify *gate_for(const oc_copy_input *in, oc_copy_cache *cache, int year)
{
    if (cache->gate == NULL || cache->gate_year < year) {
        oc_verify_free(cache->gate);
        cache->gate = oc_verify_new(oc_tz_name(in->def->tz), &cache->vtz, year, in->zones);
        cache->gate_year = year;
    }
    return cache->gate;
}

int oc_copy_render(const oc_copy_input *in, oc_copies *copies, size_t i, oc_prev *prev, oc_buf *out,
                   oc_error *err)
{
    oc_copy *c = &copies->items[i];
    oc_copy_cache *cache = copies->cache;
    oc_buf alarm = {0}, lines = {0}, stamps = {0}, block = {0};
    oc_event_text t;
    oc_prev_match m;
    oc_event e;
    int rc = -1;

    if (cache == NULL) {
        cache = copies->cache = oc_xcalloc(1, sizeof(*cache));
        cache->tx = oc_texter_new(in->def, in->tmpl, in->def->name.value);
    }
    copy_event(in->def, c, &e);
    if (copy_texts(in, cache->tx, c, &e, &alarm, err) != 0 || frame(in->def, &e, cache, err) != 0) {
        goto done;
    }
    t = (oc_event_text){c->summary, c->details, e.has_alarm ? alarm.data : NULL};
    oc_ics_event_lines(in->def, &e, &t, oc_tz_name(in->def->tz), &lines);
    oc_prev_match_event(prev, e.uid, &lines, in->now, &m);
    oc_prev_stamp_lines(&m, &stamps);
    oc_ics_event_block(&lines, &stamps, &block);

    /* A copy published before, byte for byte, passed the gate then. */
    if (!oc_prev_republished(prev, &m, block.data, block.len) &&
        oc_verify_event(
            gate_for(in, cache, oc_date_from_day(oc_day_floor(e.span->utc_end)).year + 1),
            block.data, block.len, &e, err) != 0) {
        goto done;
    }
    oc_buf_add(out, cache->header.data, cache->header.len);
    oc_buf_add(out, cache->vtz.data, cache->vtz.len);
    oc_buf_add(out, block.data, block.len);
    oc_buf_puts(out, OC_ICS_FOOTER);
    rc = 0;
done:
    oc_buf_free(&alarm);
    oc_buf_free(&lines);
    oc_buf_free(&stamps);
    oc_buf_free(&block);
    return rc;
}

bool oc_copy_ours(const char *text, size_t len)
{
    static const char start[] = "BEGIN:VCALENDAR\r\n";
    static const char prodid[] = "\r\nPRODID:" OC_ICS_PRODID_OURS;
    size_t head = len < 512 ? len : 512;

    if (len < sizeof(start) - 1 || memcmp(text, start, sizeof(start) - 1) != 0) {
        return false;
    }
    for (size_t i = 0; i + sizeof(prodid) - 1 <= head; i++) {
        if (memcmp(text + i, prodid, sizeof(prodid) - 1) == 0) {
            return true;
        }
    }
    return false;
}
