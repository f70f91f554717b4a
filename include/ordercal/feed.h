/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_FEED_H
#define OC_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/prev.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/tz.h"
#include "ordercal/verify.h"

/* One feed: a view of a calendar's events (its kinds, its language) turned
 * into the bytes it publishes, each event stamped against the previous feed
 * and passed through the publish gate. */

/* What a feed is made of; every pointer is borrowed. */
typedef struct {
    const oc_def *def;
    const oc_def_feed *feed;
    const oc_sched *sched;
    const oc_events *events;
    const oc_tz *tz;        /* the calendar's zone */
    const oc_tmpl *tmpl;    /* the feed's language */
    const char *base_url;   /* ending in '/', or NULL */
    int64_t now;            /* DTSTAMP / LAST-MODIFIED of new and changed events */
    oc_verify_zones *zones; /* the run's zones for the gate, or NULL */
} oc_feed_input;

typedef struct {
    size_t events; /* events written, cancellation notices included */
    size_t added, changed, removed;
    size_t notices;        /* cancellation notices written, new and kept */
    size_t cancelled;      /* of which new: events turned into notices (in 'changed' too) */
    int64_t last_modified; /* newest LAST-MODIFIED of the feed; 0 when it has no event */
    oc_buf *report;        /* when not NULL, one line per added, changed, cancelled or
                            * removed event is appended (see oc_prev_report()) */
    oc_changes *changes;   /* when not NULL, what changed for pharmacists is appended */
} oc_feed_stats;

/* Receives the feed as it is produced, an event at a time. Returns 0, or -1
 * after setting 'err'. */
typedef int (*oc_feed_sink)(void *ctx, const char *data, size_t len, oc_error *err);

/* Renders the feed and hands it to 'sink'. 'prev' (NULL for none) is the
 * previous feed; it records which of its events are still made, and what
 * it held that is no longer made follows the events as cancellation
 * notices (cancel.h). The sink
 * may have received part of the feed when a refusal stops it: on -1 the
 * caller discards what it received. 'stats->report' and 'changes' are kept, the rest
 * filled. Returns 0, or -1 with 'err' set (OC_E_ICAL when the gate refuses). */
int oc_feed_render(const oc_feed_input *in, oc_prev *prev, oc_feed_sink sink, void *sink_ctx,
                   oc_feed_stats *stats, oc_error *err);

#endif
