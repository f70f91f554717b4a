/* SPDX-License-Identifier: Apache-2.0 */
/* feed: one feed of a calendar, from its events to its published bytes:
 * the header and VTIMEZONE (ics), each event's texts (event), its stamps
 * against the previous feed (prev), the publish gate (verify). */
#include "ordercal/feed.h"

#include <string.h>

#include "ordercal/cancel.h"
#include "ordercal/ics.h"
#include "ordercal/verify.h"

/* The working buffers of one render. */
typedef struct {
    oc_buf lines, stamps, block;
} scratch;

static int emit(oc_feed_sink sink, void *ctx, const oc_buf *b, oc_error *err)
{
    return b->len != 0 ? sink(ctx, b->data, b->len, err) : 0;
}

/* The header and VTIMEZONE, checked and sent; opens the gate for the events
 * into '*gate'. */
static int begin(const oc_feed_input *in, oc_feed_sink sink, void *ctx, oc_verify **gate,
                 oc_error *err)
{
    oc_buf header = {0}, vtz = {0};
    int64_t tmin = 0, tmax = 0;
    bool timed = oc_sched_timed_range(in->sched, in->feed->kinds, &tmin, &tmax);
    int rc = -1;

    if (oc_ics_header(in->def, in->feed, in->base_url, &header, err) != 0 ||
        (timed && oc_ics_vtimezone(in->tz, tmin, tmax, &vtz, err) != 0) ||
        oc_verify_header(&header, &vtz, err) != 0 || emit(sink, ctx, &header, err) != 0 ||
        emit(sink, ctx, &vtz, err) != 0) {
        goto done;
    }
    *gate = oc_verify_new(oc_tz_name(in->tz), &vtz, oc_date_from_day(oc_day_floor(tmax)).year + 1,
                          in->zones);
    rc = 0;
done:
    oc_buf_free(&header);
    oc_buf_free(&vtz);
    return rc;
}

/* One event: its bytes, stamped, gated unless the previous feed published
 * the very same bytes, then sent. */
static int one_event(const oc_feed_input *in, const oc_event *e, oc_texter *tx, oc_verify *gate,
                     oc_prev *prev, scratch *s, oc_feed_sink sink, void *ctx, oc_feed_stats *stats,
                     oc_error *err)
{
    oc_event_text text;
    oc_prev_match m;

    if (oc_texter_make(tx, e, &text, err) != 0) {
        return -1;
    }
    oc_ics_event_lines(in->def, e, &text, oc_tz_name(in->tz), &s->lines);
    oc_prev_match_event(prev, e->uid, &s->lines, in->now, &m);
    oc_prev_migrate(prev, in->def->id.value, e, &m);

    /* A changed event says so first (DESIGN §4); the digest above is of
     * its content without that line. */
    if (m.sequence > 0) {
        if (oc_texter_modified(tx, m.last_modified, &text, err) != 0) {
            return -1;
        }
        oc_ics_event_lines(in->def, e, &text, oc_tz_name(in->tz), &s->lines);
    }
    oc_buf_reset(&s->stamps);
    oc_prev_stamp_lines(&m, &s->stamps);
    oc_ics_event_block(&s->lines, &s->stamps, &s->block);

    /* An event ordercal published before, byte for byte, passed the gate
     * then (README, Regeneration). */
    if (!oc_prev_republished(prev, &m, s->block.data, s->block.len) &&
        oc_verify_event(gate, s->block.data, s->block.len, e, err) != 0) {
        return -1;
    }
    if (emit(sink, ctx, &s->block, err) != 0) {
        return -1;
    }
    if (m.status == OC_PREV_CHANGED || m.migrated) {
        stats->changed++;
    } else if (m.status == OC_PREV_NEW) {
        stats->added++;
    }

    /* A first build lists nothing: everything is new. */
    if (m.status != OC_PREV_SAME && (m.status == OC_PREV_CHANGED || oc_prev_count(prev) > 0)) {
        if (stats->report != NULL) {
            oc_prev_report(stats->report, e, prev, &m);
        }
        if (stats->changes != NULL) {
            oc_prev_change(stats->changes, e, text.summary, oc_def_feed_language(in->def, in->feed),
                           prev, &m, in->tz);
        }
    }
    if (m.last_modified > stats->last_modified) {
        stats->last_modified = m.last_modified;
    }
    stats->events++;
    return 0;
}

/* What the previous feed held and the definition no longer makes, as
 * cancellation notices after the events. */
static int notices(const oc_feed_input *in, oc_prev *prev, oc_verify *gate, scratch *s,
                   oc_feed_sink sink, void *ctx, oc_feed_stats *stats, oc_error *err)
{
    oc_cancel_input ci = {in->def, in->sched, in->feed->kinds,
                          in->tz,  in->tmpl,  oc_def_feed_language(in->def, in->feed),
                          NULL,    in->now,   in->def->cancelled_days,
                          false};
    oc_cancel_stats cs;

    memset(&cs, 0, sizeof(cs));
    cs.report = stats->report;
    cs.changes = stats->changes;
    oc_buf_reset(&s->block);
    if (oc_cancel_render(&ci, prev, gate, &s->block, &cs, err) != 0 ||
        emit(sink, ctx, &s->block, err) != 0) {
        return -1;
    }
    stats->events += cs.notices;
    stats->notices = cs.notices;
    stats->cancelled = cs.cancelled;
    stats->changed += cs.cancelled;
    if (cs.last_modified > stats->last_modified) {
        stats->last_modified = cs.last_modified;
    }
    return 0;
}

int oc_feed_render(const oc_feed_input *in, oc_prev *prev, oc_feed_sink sink, void *sink_ctx,
                   oc_feed_stats *stats, oc_error *err)
{
    oc_buf *report = stats->report;
    oc_changes *changes = stats->changes;
    oc_verify *gate = NULL;
    oc_texter *tx = NULL;
    scratch s;
    int rc = -1;

    memset(stats, 0, sizeof(*stats));
    memset(&s, 0, sizeof(s));
    stats->report = report;
    stats->changes = changes;
    if (begin(in, sink, sink_ctx, &gate, err) != 0) {
        goto done;
    }
    tx = oc_texter_new(in->def, in->tmpl, oc_def_feed_name(in->def, in->feed));
    for (size_t i = 0; i < in->events->count; i++) {
        const oc_event *e = &in->events->events[i];

        if ((in->feed->kinds & (1u << e->kind)) != 0 &&
            one_event(in, e, tx, gate, prev, &s, sink, sink_ctx, stats, err) != 0) {
            goto done;
        }
    }
    if (oc_prev_count(prev) > 0 && notices(in, prev, gate, &s, sink, sink_ctx, stats, err) != 0) {
        goto done;
    }
    stats->removed = oc_prev_report_removed(prev, in->def, stats->report);
    oc_buf_reset(&s.block);
    oc_buf_puts(&s.block, OC_ICS_FOOTER);
    if (emit(sink, sink_ctx, &s.block, err) != 0) {
        goto done;
    }
    rc = 0;
done:
    oc_texter_free(tx);
    oc_verify_free(gate);
    oc_buf_free(&s.lines);
    oc_buf_free(&s.stamps);
    oc_buf_free(&s.block);
    return rc;
}
