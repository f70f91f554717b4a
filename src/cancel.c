/* SPDX-License-Identifier: Apache-2.0 */
/* cancel: the cancellation notices (DESIGN §4: nothing vanishes). What the
 * previous feed published and this build no longer makes is read back from
 * the memory (prev), worded from the templates ("Annulé : ..."), written
 * like any event (ics) and passed through the publish gate (verify): a
 * notice is new bytes. Kept notices are republished byte for byte. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/cancel.h"

#include <stdlib.h>
#include <string.h>

#include "ordercal/event.h"
#include "ordercal/ics.h"

/* What is known of why an event is no longer made: its slot and kind. */
typedef struct {
    const oc_slot *slot; /* NULL: unknown */
    int kind;            /* -1: unknown */
} why;

/* The events of a closed slot that an open slot has: their UIDs name the
 * slot they were cancelled with ("la session du ... est fermée"). */
static void find_reasons(const oc_cancel_input *in, const oc_prev *prev, const oc_prev_gone *gone,
                         size_t n, why *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].slot = NULL;
        out[i].kind = -1;
    }
    for (size_t s = 0; in->sched != NULL && s < in->sched->count; s++) {
        const oc_slot *slot = &in->sched->slots[s];

        for (int k = 0; !slot->open && k < OC_KIND_COUNT; k++) {
            char uid[37];
            ptrdiff_t at;

            if (oc_kind_get((oc_kind)k)->closed || (in->kinds & (1u << k)) == 0) {
                continue;
            }
            oc_event_uid(in->def->id.value, oc_kind_uid_name((oc_kind)k), slot->first, uid);
            if ((at = oc_prev_find_gone(prev, uid)) < 0) {
                continue;
            }
            for (size_t i = 0; i < n; i++) {
                if (gone[i].at == (size_t)at) {
                    out[i].slot = slot;
                    out[i].kind = k;
                }
            }
        }
    }
}

/* The when of a notice, in the feed's language. */
static int when_text(const oc_tmpl *t, const oc_when *start, const oc_when *end, oc_buf *out,
                     oc_error *err)
{
    if (start->form == OC_WHEN_TIME) {
        return oc_tmpl_datetime(t, start->first, (int)((start->local - start->first * 86400) / 60),
                                out, err);
    }
    return oc_tmpl_span(t, start->first,
                        end->form == OC_WHEN_DAYS && end->first > start->first ? end->first - 1
                                                                               : start->first,
                        out, err);
}

/* The SUMMARY and DESCRIPTION of a notice into 'summary' and 'desc'. */
static int notice_texts(const oc_cancel_input *in, const char *old, const why *w,
                        const oc_when *start, const oc_when *end, oc_buf *summary, oc_buf *desc,
                        oc_error *err)
{
    const oc_tmpl *t = in->tmpl;
    oc_buf when = {0}, reason = {0}, extra = {0}, session = {0}, date = {0};
    const char *ref = in->def != NULL ? in->def->reference.value : NULL;
    const char *url = in->def != NULL ? in->def->url.value : NULL;
    int64_t local = in->now + oc_tz_offset_at(in->tz, in->now);
    int rc = -1;

    if (when_text(t, start, end, &when, err) != 0 ||
        oc_tmpl_date(t, oc_day_floor(local), &date, err) != 0 ||
        (w->slot != NULL &&
         oc_tmpl_span_short(t, w->slot->first, w->slot->last, &session, err) != 0)) {
        goto done;
    }
    {
        oc_var v[] = {{"summary", old},    {"when", when.data}, {"session_short", session.data},
                      {"page", in->page},  {"reference", ref},  {"url", url},
                      {"date", date.data}, {"reason", NULL},    {"extra", NULL}};
        size_t nv = sizeof(v) / sizeof(v[0]);

        if ((w->slot != NULL && oc_tmpl_expand(t, "reason.closed", v, nv, &reason, err) != 0) ||
            (in->retired && oc_tmpl_expand(t, "reason.retired", v, nv, &reason, err) != 0) ||
            (ref != NULL && oc_tmpl_expand(t, "line.reference", v, nv, &extra, err) != 0) ||
            (url != NULL && oc_tmpl_expand(t, "line.url", v, nv, &extra, err) != 0)) {
            goto done;
        }
        v[7].value = reason.data;
        v[8].value = extra.data;

        /* First the line that dates the change, as in every changed event. */
        if (oc_tmpl_expand(t, "summary.cancelled", v, nv, summary, err) != 0 ||
            oc_tmpl_expand(t, "line.modified", v, nv, desc, err) != 0) {
            goto done;
        }
        for (size_t i = 0; i < desc->len; i++) {
            desc->data[i] = desc->data[i] == '\n' ? ' ' : desc->data[i];
        }
        oc_buf_putc(desc, '\n');
        rc = oc_tmpl_expand(t, "description.cancelled", v, nv, desc, err);
    }
done:
    oc_buf_free(&when);
    oc_buf_free(&reason);
    oc_buf_free(&extra);
    oc_buf_free(&session);
    oc_buf_free(&date);
    return rc;
}

static void text_line(oc_buf *lines, const char *name, const char *text)
{
    oc_buf_puts(lines, name);
    oc_buf_putc(lines, ':');
    oc_ics_escape_text(lines, text);
    oc_buf_putc(lines, '\n');
}

/* One notice's published bytes into 'block'. */
static void notice_bytes(const oc_cancel_input *in, const oc_prev_gone *g, const oc_when *start,
                         int64_t start_utc, int64_t end_utc, bool has_end, const oc_buf *summary,
                         const oc_buf *desc, oc_buf *block)
{
    oc_buf lines = {0}, stamps = {0};
    oc_prev_match m;

    oc_buf_printf(&lines, "BEGIN:VEVENT\nUID:%s\n", g->uid);
    if (start->form == OC_WHEN_TIME) {
        /* In UTC: the feed may no longer carry the zone of its times. */
        oc_ics_time_line(&lines, "DTSTART", start_utc, NULL);
        if (has_end) {
            oc_ics_time_line(&lines, "DTEND", end_utc, NULL);
        }
    } else {
        oc_buf_printf(&lines, "%s\n", g->dtstart);
        if (has_end) {
            oc_buf_printf(&lines, "%s\n", g->dtend);
        }
    }
    text_line(&lines, "SUMMARY", summary->data);
    text_line(&lines, "DESCRIPTION", desc->data);
    if (in->def != NULL && in->def->url.value != NULL) {
        oc_buf_printf(&lines, "URL:%s\n", in->def->url.value);
    }
    oc_buf_puts(&lines, "TRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\n");
    oc_ics_time_line(&lines, OC_PREV_NOTICE, end_utc, NULL);
    oc_buf_puts(&lines, "END:VEVENT\n");

    memset(&m, 0, sizeof(m));
    m.status = OC_PREV_CHANGED;
    m.dtstamp = m.last_modified = in->now;
    m.sequence = g->sequence < INT32_MAX ? g->sequence + 1 : INT32_MAX;
    oc_prev_stamp_lines(&m, &stamps);
    oc_ics_event_block(&lines, &stamps, block);
    oc_buf_free(&lines);
    oc_buf_free(&stamps);
}

/* The change report's line and the change log's entry of a notice or a drop. */
static void account(const oc_cancel_input *in, const oc_prev *prev, const oc_prev_gone *g,
                    const why *w, const oc_when *start, bool dropped, oc_cancel_stats *st)
{
    oc_buf old = {0};
    oc_change c;
    char day[16];

    if (st->report != NULL && !dropped) {
        oc_buf_puts(st->report, "x ");
        oc_prev_report_gone(prev, g->at, st->report);
        oc_buf_puts(st->report, ": cancelled");
        if (w->slot != NULL) {
            oc_buf_puts(st->report, " (session ");
            oc_buf_puts(st->report, oc_day_text(w->slot->first, day));
            oc_buf_puts(st->report, " closed)");
        }
        oc_buf_putc(st->report, '\n');
    }
    if (st->changes == NULL) {
        return;
    }
    oc_ics_unescape_text(&old, g->summary, strlen(g->summary));
    memset(&c, 0, sizeof(c));
    c.type = dropped ? OC_CHANGE_DROPPED : OC_CHANGE_CANCELLED;
    c.uid = (char *)g->uid;
    c.kind = w->kind;
    c.has_slot = w->slot != NULL;
    c.first = w->slot != NULL ? w->slot->first : 0;
    c.last = w->slot != NULL ? w->slot->last : 0;
    c.before = *start;
    if (start->form == OC_WHEN_DAYS) {
        oc_when end;
        int64_t ignored;

        c.before.local = 0;
        if (oc_prev_when(g->dtend, in->tz, &end, &ignored) && end.form == OC_WHEN_DAYS &&
            end.first > start->first) {
            c.before.last = end.first - 1;
        }
    }
    c.summary = old.data;
    c.language = in->language;
    oc_changes_add(st->changes, &c);
    oc_buf_free(&old);
}

/* A new notice for 'g': made, gated, appended. */
static int one_notice(const oc_cancel_input *in, oc_prev *prev, oc_verify *gate,
                      const oc_prev_gone *g, const why *w, const oc_when *start, int64_t start_utc,
                      int64_t end_utc, bool has_end, oc_buf *out, oc_cancel_stats *st,
                      oc_error *err)
{
    oc_buf summary = {0}, desc = {0}, old = {0}, block = {0};
    oc_when end;
    int64_t ignored;
    int rc = -1;

    if (!has_end || !oc_prev_when(g->dtend, in->tz, &end, &ignored)) {
        end = *start;
    }
    oc_ics_unescape_text(&old, g->summary, strlen(g->summary));
    if (notice_texts(in, old.data, w, start, &end, &summary, &desc, err) == 0) {
        oc_event fe;
        oc_span sp;

        notice_bytes(in, g, start, start_utc, end_utc, has_end, &summary, &desc, &block);
        memset(&fe, 0, sizeof(fe));
        memset(&sp, 0, sizeof(sp));
        fe.kind = w->kind >= 0                  ? (oc_kind)w->kind
                  : start->form == OC_WHEN_TIME ? OC_KIND_CONFIRMATION
                                                : OC_KIND_SESSION;
        memcpy(fe.uid, g->uid, sizeof(fe.uid) - 1);
        sp.on = true;
        sp.start_utc = sp.end_utc = true;
        sp.utc_start = start_utc;
        sp.utc_end = end_utc;
        fe.span = &sp;
        if (oc_verify_event(gate, block.data, block.len, &fe, err) == 0) {
            oc_buf_add(out, block.data, block.len);
            oc_prev_settle(prev, g->at);
            st->notices++;
            st->cancelled++;
            st->last_modified = in->now > st->last_modified ? in->now : st->last_modified;
            account(in, prev, g, w, start, false, st);
            rc = 0;
        }
    }
    oc_buf_free(&summary);
    oc_buf_free(&desc);
    oc_buf_free(&old);
    oc_buf_free(&block);
    return rc;
}

int oc_cancel_render(const oc_cancel_input *in, oc_prev *prev, oc_verify *gate, oc_buf *out,
                     oc_cancel_stats *stats, oc_error *err)
{
    oc_prev_gone *gone = NULL;
    size_t n = oc_prev_gone_list(prev, &gone);
    why *whys = n > 0 ? oc_xcalloc(n, sizeof(*whys)) : NULL;
    int rc = 0;

    stats->notices = stats->cancelled = 0;
    stats->last_modified = 0;
    find_reasons(in, prev, gone, n, whys);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const oc_prev_gone *g = &gone[i];
        oc_when start, end;
        int64_t start_utc, end_utc;
        bool has_end;

        /* Only an event of ours can be cancelled: a UUID and our forms of time. */
        if (strlen(g->uid) != 36 || !oc_prev_when(g->dtstart, in->tz, &start, &start_utc)) {
            continue;
        }
        has_end = oc_prev_when(g->dtend, in->tz, &end, &end_utc) && end.form == start.form;
        end_utc = g->notice ? g->end : has_end ? end_utc : start_utc;
        if (!in->retired && in->now >= end_utc + (int64_t)in->cancelled_days * 86400) {
            account(in, prev, g, &whys[i], &start, true, stats);
            continue; /* over long enough: it leaves the feed */
        }
        if (g->notice) {
            oc_buf_add(out, g->bytes, g->len);
            oc_prev_settle(prev, g->at);
            stats->notices++;
            if (g->last_modified > stats->last_modified) {
                stats->last_modified = g->last_modified;
            }
            continue;
        }
        rc = one_notice(in, prev, gate, g, &whys[i], &start, start_utc, end_utc, has_end, out,
                        stats, err);
    }
    free(gone);
    free(whys);
    return rc;
}
