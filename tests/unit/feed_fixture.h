/* SPDX-License-Identifier: Apache-2.0 */
/* A feed rendered into memory, for the unit tests that read feeds whole:
 * include after <cmocka.h>. */
#ifndef OC_TEST_FEED_FIXTURE_H
#define OC_TEST_FEED_FIXTURE_H

#include <string.h>

#include "ordercal/feed.h"
#include "ordercal/verify.h"

static inline int mem_sink(void *ctx, const char *data, size_t len, oc_error *err)
{
    (void)err;
    oc_buf_add(ctx, data, len);
    return 0;
}

typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_events *events;
    oc_tmpl *tmpl;
    oc_buf text;
    oc_feed_stats stats;
} feed;

/* Loads 'yaml', expands it and reads the templates of its first feed. */
static inline void load(feed *f, const char *yaml, int64_t now)
{
    oc_error err;

    memset(f, 0, sizeof(*f));
    oc_error_init(&err);
    f->def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    if (f->def == NULL) {
        fail_msg("%d:%d %s", err.pos.line, err.pos.column, err.text);
    }
    f->sched = oc_sched_expand(f->def, now, &err);
    if (f->sched == NULL) {
        fail_msg("%s", err.text);
    }
    f->events = oc_events_new(f->def, f->sched);
    f->tmpl =
        oc_tmpl_load(OC_TEST_TEMPLATES, oc_def_feed_language(f->def, &f->def->feeds[0]), &err);
    if (f->tmpl == NULL) {
        fail_msg("%s", err.text);
    }
}

/* Renders the first feed of 'yaml' against the previous feed 'prev_text'
 * (NULL: none); its lines must pass the gate's line checks. */
static inline void render(feed *f, const char *yaml, const char *prev_text, int64_t now)
{
    oc_error err;
    oc_feed_input in;
    oc_prev *prev = prev_text != NULL ? oc_prev_parse(prev_text, strlen(prev_text)) : NULL;

    load(f, yaml, now);
    in = (oc_feed_input){
        f->def, &f->def->feeds[0], f->sched, f->events, f->def->tz, f->tmpl, NULL, now, NULL};
    oc_error_init(&err);
    f->stats.report = NULL;
    if (oc_feed_render(&in, prev, mem_sink, &f->text, &f->stats, &err) != 0) {
        fail_msg("render: %s", err.text);
    }
    oc_prev_free(prev);
    if (oc_verify_lines(f->text.data, f->text.len, &err) != 0) {
        fail_msg("%s in:\n%s", err.text, f->text.data);
    }
}

static inline void feed_free(feed *f)
{
    oc_tmpl_free(f->tmpl);
    oc_events_free(f->events);
    oc_sched_free(f->sched);
    oc_def_free(f->def);
    oc_buf_free(&f->text);
}

#endif
