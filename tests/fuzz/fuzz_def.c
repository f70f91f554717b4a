/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz harness for the definition pipeline (STYLE §9): bytes -> oc_def_load_string
 * -> oc_sched_expand (fixed "now") -> oc_events_new -> for every feed its
 * language's templates (oc_tmpl_load) and oc_feed_render into memory, as
 * `ordercal build` drives it.
 *
 * Besides memory errors (sanitizers) it checks what must hold for every
 * definition the loader accepts, and abort()s when it does not:
 *   - a refusal is a definition error (OC_E_SYNTAX, OC_E_SCHEMA, OC_E_VALUE)
 *     with a message, never an I/O or internal error (a language without
 *     templates is the definition's error, as `ordercal build` reports it);
 *   - an accepted definition renders: libical never refuses our own output
 *     (OC_E_ICAL) and no invariant breaks (OC_E_INTERNAL);
 *   - the published bytes pass oc_verify_lines() (CRLF, 75 octets);
 *   - regenerating from that output as the previous feed, a day later, gives
 *     the same bytes, counts nothing changed and reports no line (DESIGN §4).
 *
 * Built with -fsanitize=fuzzer (OC_FUZZ=ON) it is a libFuzzer target;
 * otherwise main() below runs it once on each file named on the command
 * line, so that every file of tests/fuzz/corpus/def/ is a regression test. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/feed.h"
#include "ordercal/prev.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/verify.h"

#define FUZZ_NAME "fuzz_def"
#include "fuzz_util.h"

#ifndef OC_FUZZ_TEMPLATES
#error "OC_FUZZ_TEMPLATES must name the source templates folder"
#endif

/* 2024-03-01T00:00:00Z, the SOURCE_DATE_EPOCH of golden/guadeloupe-en-every3: the horizon
 * of an open-ended period must not depend on the day the fuzzer runs. */
#define FUZZ_NOW INT64_C(1709251200)

/* Rendering is linear in sessions x feeds, and this harness renders every
 * feed twice: 40 years of weekly sessions (2,088) take 0.2 s in a plain
 * build (230 years, 1.1 s) but more than the 5 s timeout under the
 * sanitizers and coverage, which only times the fuzzer out. Larger schedules
 * are loaded and expanded but not rendered; the benchmark covers them. */
#define FUZZ_MAX_SLOT_FEEDS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_definition_error(oc_errcode code)
{
    return code == OC_E_SYNTAX || code == OC_E_SCHEMA || code == OC_E_VALUE;
}

static void check_refusal(const char *stage, const oc_error *err)
{
    if (!is_definition_error(err->code) || err->text[0] == '\0') {
        fuzz_fail("%s refused the definition with code %d: '%s'", stage, (int)err->code, err->text);
    }
}

/* True when the templates folder has no texts for 'lang' (no
 * <lang>/events.txt, as oc_tmpl_languages() lists them): the definition
 * names a language we have no texts for. */
static bool language_missing(const char *lang)
{
    struct stat st;
    oc_buf path = {0};
    bool missing;

    oc_buf_printf(&path, "%s/%s/events.txt", OC_FUZZ_TEMPLATES, lang);
    missing = stat(path.data, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
    oc_buf_free(&path);
    return missing;
}

static void check_feed(const oc_def *def, const oc_def_feed *feed, const oc_sched *sched,
                       const oc_events *events)
{
    oc_error err;
    const char *lang = oc_def_feed_language(def, feed);
    oc_tmpl *tmpl;
    oc_feed_input in = {def,      feed, sched, events, def->tz, NULL, "https://example.org/feeds/",
                        FUZZ_NOW, NULL};
    oc_feed_stats stats = {0}, again = {0};
    oc_prev *prev;
    oc_buf first = {0}, second = {0}, report = {0};

    oc_error_init(&err);
    tmpl = oc_tmpl_load(OC_FUZZ_TEMPLATES, lang, &err);
    if (tmpl == NULL) {
        /* A language without templates is a definition error; any other
         * failure to read the source templates is not the input's. */
        if (err.code != OC_E_IO || !language_missing(lang)) {
            fuzz_fail("feed %s: the templates of '%s' fail with code %d: %s", feed->id.value, lang,
                      (int)err.code, err.text);
        }
        return;
    }
    in.tmpl = tmpl;
    stats.report = NULL;
    if (oc_feed_render(&in, NULL, mem_sink, &first, &stats, &err) != 0) {
        fuzz_fail("feed %s: oc_feed_render failed with code %d: %s", feed->id.value, (int)err.code,
                  err.text);
    }
    if (oc_verify_lines(first.data, first.len, &err) != 0) {
        fuzz_fail("feed %s: bad published line: %s", feed->id.value, err.text);
    }
    if (stats.added != stats.events || stats.changed != 0 || stats.removed != 0) {
        fuzz_fail("feed %s: first build counts %zu events, %zu added, %zu changed, %zu removed",
                  feed->id.value, stats.events, stats.added, stats.changed, stats.removed);
    }

    /* The regeneration memory: our own output read back remembers every
     * event, and rebuilding a day later changes nothing. */
    prev = oc_prev_parse(first.data, first.len);
    if (oc_prev_count(prev) != stats.events) {
        fuzz_fail("feed %s: %zu events written, %zu remembered", feed->id.value, stats.events,
                  oc_prev_count(prev));
    }
    again.report = &report;
    in.now = FUZZ_NOW + 86400;
    if (oc_feed_render(&in, prev, mem_sink, &second, &again, &err) != 0) {
        fuzz_fail("feed %s: regeneration failed with code %d: %s", feed->id.value, (int)err.code,
                  err.text);
    }
    if (second.len != first.len || memcmp(first.data, second.data, first.len) != 0 ||
        again.added + again.changed + again.removed != 0 || again.events != stats.events) {
        fuzz_fail("feed %s: regeneration is not a no-op (%zu added, %zu changed, %zu removed)",
                  feed->id.value, again.added, again.changed, again.removed);
    }
    if (report.len != 0) {
        fuzz_fail("feed %s: regeneration reports changes: %s", feed->id.value, report.data);
    }
    oc_prev_free(prev);
    oc_buf_free(&first);
    oc_buf_free(&second);
    oc_buf_free(&report);
    oc_tmpl_free(tmpl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    oc_error err;
    oc_def *def;
    oc_sched *sched;
    oc_events *events;

    oc_error_init(&err);
    def = oc_def_load_string((const char *)data, size, "fuzz.yaml", &err);
    if (def == NULL) {
        check_refusal("oc_def_load_string", &err);
        return 0;
    }
    sched = oc_sched_expand(def, FUZZ_NOW, &err);
    if (sched == NULL) {
        check_refusal("oc_sched_expand", &err);
        oc_def_free(def);
        return 0;
    }
    events = oc_events_new(def, sched);
    for (size_t i = 0; i < def->feed_count && sched->count * def->feed_count <= FUZZ_MAX_SLOT_FEEDS;
         i++) {
        check_feed(def, &def->feeds[i], sched, events);
    }
    oc_events_free(events);
    oc_sched_free(sched);
    oc_def_free(def);
    return 0;
}

#ifndef OC_FUZZ_LIBFUZZER
#include "fuzz_main.h"

/* Without libFuzzer: run the harness once on each file given (fuzz_main.h). */
int main(int argc, char **argv)
{
    return oc_fuzz_run_files(argc, argv);
}
#endif
