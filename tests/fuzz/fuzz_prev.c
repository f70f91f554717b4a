/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz harness for the previous-feed reader (DESIGN §4, STYLE §9): the bytes
 * are the .ics file found in the output folder, which `ordercal build` reads
 * back as its memory of DTSTAMP, LAST-MODIFIED and SEQUENCE. That file may
 * have been truncated by a full disk, edited by hand or replaced by anything.
 *
 * It runs both entry points, oc_prev_parse() on the bytes in memory and
 * oc_prev_load() on the same bytes as a file (a memfd, the path the
 * command line takes), then renders a fixed definition with that memory
 * (oc_feed_render).
 * Besides memory errors it abort()s when:
 *   - the two readers remember a different number of events, or render
 *     other bytes or another change report (the file's memory reads its
 *     texts back from the file, the other from its copy of the bytes);
 *   - rendering with the memory fails: whatever the previous file holds, the
 *     build must go through (it is "read for what it holds", prev.h);
 *   - the published bytes break oc_verify_lines(), or carry a DTSTAMP or
 *     LAST-MODIFIED that is not a real UTC date-time (RFC 5545 §3.3.5);
 *   - an event of the feed fails a fresh publish gate: the events the
 *     previous file holds byte for byte skip the gate (oc_prev_republished),
 *     so whatever that file holds must never let through bytes the gate
 *     would refuse;
 *   - the counts do not add up (every remembered event is matched or removed);
 *   - the change report (printed by `build`) has not one line per added,
 *     changed and removed event, or is not valid UTF-8 free of control
 *     characters: the previous file's texts must not reach the terminal raw;
 *   - rebuilding from that output is not a byte-identical no-op.
 *
 * Built with -fsanitize=fuzzer (OC_FUZZ=ON) it is a libFuzzer target;
 * otherwise main() below runs it once on each file named on the command
 * line, so that every file of tests/fuzz/corpus/prev/ is a regression test. */
#define _GNU_SOURCE /* memfd_create */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/feed.h"
#include "ordercal/prev.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/verify.h"

#define FUZZ_NAME "fuzz_prev"
#include "fuzz_util.h"

#ifndef OC_FUZZ_TEMPLATES
#error "OC_FUZZ_TEMPLATES must name the source templates folder"
#endif

/* The feed the memory is applied to: every kind, a timed event with an
 * alarm, an exception with a note, texts that need escaping. The seeds
 * fuzz-prev*.ics of the corpus are this feed, so that mutations reach the
 * "unchanged event keeps its stamps" path. */
static const char fixed_def[] = "calendar:\n"
                                "  id: fuzz-prev\n"
                                "  name: \"Fuzz; prev, feed\"\n"
                                "  description: \"Previous-feed harness.\\nSecond line.\"\n"
                                "  timezone: Europe/Paris\n"
                                "  url: https://example.org/fuzz\n"
                                "  reference: \"Note 1\"\n"
                                "session:\n"
                                "  confirmation: { alarm: -PT15M }\n"
                                "rhythm:\n"
                                "  - { from: 2023-07-17, every: 2, until: 2023-08-07 }\n"
                                "sessions:\n"
                                "  - { date: 2023-07-31, state: open, note: \"Extra\" }\n";

/* A week after the seeds' SOURCE_DATE_EPOCH (2023-07-18). */
#define FUZZ_NOW (INT64_C(1689638400) + 7 * 86400)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_events *events;
    oc_tmpl *tmpl;
    int memfd;
    char memfd_path[64];
} fixture;

/* Parsed once: the definition is not what this harness explores. */
static fixture *get_fixture(void)
{
    static fixture f;
    static bool ready;
    oc_error err;

    if (ready) {
        return &f;
    }
    oc_error_init(&err);
    f.def = oc_def_load_string(fixed_def, sizeof(fixed_def) - 1, "fuzz-prev.yaml", &err);
    if (f.def == NULL) {
        fuzz_fail("the fixed definition is invalid: %d:%d: %s", err.pos.line, err.pos.column,
                  err.text);
    }
    f.sched = oc_sched_expand(f.def, FUZZ_NOW, &err);
    if (f.sched == NULL) {
        fuzz_fail("the fixed definition does not expand: %s", err.text);
    }
    f.events = oc_events_new(f.def, f.sched);
    f.tmpl = oc_tmpl_load(OC_FUZZ_TEMPLATES, oc_def_feed_language(f.def, &f.def->feeds[0]), &err);
    if (f.tmpl == NULL) {
        fuzz_fail("no templates for the fixed definition: %s", err.text);
    }
    f.memfd = memfd_create("fuzz-prev.ics", MFD_CLOEXEC);
    if (f.memfd < 0) {
        fuzz_fail("memfd_create failed");
    }
    snprintf(f.memfd_path, sizeof(f.memfd_path), "/proc/self/fd/%d", f.memfd);
    ready = true;
    return &f;
}

/* oc_prev_load() on the bytes, through a file. */
static oc_prev *load_as_file(fixture *f, const uint8_t *data, size_t size)
{
    oc_error err;
    oc_prev *prev;
    size_t off = 0;

    if (ftruncate(f->memfd, 0) != 0) {
        fuzz_fail("ftruncate failed");
    }
    while (off < size) {
        ssize_t n = pwrite(f->memfd, data + off, size - off, (off_t)off);

        if (n <= 0) {
            fuzz_fail("pwrite failed");
        }
        off += (size_t)n;
    }
    oc_error_init(&err);
    prev = oc_prev_load(f->memfd_path, &err);
    if (prev == NULL) {
        fuzz_fail("oc_prev_load failed on a readable file: %s", err.text);
    }
    return prev;
}

static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Every DTSTAMP and LAST-MODIFIED we publish is "YYYYMMDDTHHMMSSZ", a real
 * date and time: stamps copied from the previous feed must not carry its
 * damage into the new one. */
static void check_stamps(const oc_buf *out, const char *what)
{
    static const char *const names[2] = {"\nDTSTAMP:", "\nLAST-MODIFIED:"};

    for (int k = 0; k < 2; k++) {
        size_t n = strlen(names[k]);

        for (const char *p = strstr(out->data, names[k]); p != NULL; p = strstr(p + 1, names[k])) {
            const char *v = p + n;
            oc_date d = {digits(v, 4), digits(v + 4, 2), digits(v + 6, 2)};
            int hh = digits(v + 9, 2), mm = digits(v + 11, 2), ss = digits(v + 13, 2);

            if (v[8] != 'T' || v[15] != 'Z' || v[16] != '\r' || !oc_date_valid(d) || hh < 0 ||
                hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) {
                fuzz_fail("%s: published an impossible stamp: %.*s", what, (int)(n + 15), p + 1);
            }
        }
    }
}

/* Every event of the published feed 'out', in feed order, through a fresh
 * publish gate (no event skips it), as oc_feed_render() opens it. */

/* The next event from the line start 'p' on: its BEGIN line, and in '*end'
 * the byte after its END line; NULL when there is none. Both are whole
 * lines: a text may hold "END:VEVENT" (a notice's summary quotes the
 * event's). */
static const char *event_at(const char *p, const char **end)
{
    const char *begin = p, *stop;

    if (strncmp(p, "BEGIN:VEVENT\r\n", 14) != 0) {
        begin = strstr(p, "\nBEGIN:VEVENT\r\n");
        if (begin == NULL) {
            return NULL;
        }
        begin++;
    }
    stop = strstr(begin, "\r\nEND:VEVENT\r\n");
    if (stop == NULL) {
        return NULL;
    }
    *end = stop + 14;
    return begin;
}
static void check_gate(const fixture *f, const oc_buf *out, size_t events, const char *what)
{
    const oc_def_feed *feed = &f->def->feeds[0];
    const char *vtz_begin = strstr(out->data, "BEGIN:VTIMEZONE\r\n");
    const char *vtz_end = vtz_begin != NULL ? strstr(vtz_begin, "END:VTIMEZONE\r\n") : NULL;
    const char *p = out->data;
    int64_t tmin = 0, tmax = 0;
    oc_buf vtz = {0};
    oc_verify *gate;
    size_t seen = 0;
    oc_error err;

    if (vtz_end != NULL) {
        oc_buf_add(&vtz, vtz_begin, (size_t)(vtz_end - vtz_begin) + 15);
    }
    (void)oc_sched_timed_range(f->sched, feed->kinds, &tmin, &tmax);
    gate = oc_verify_new(oc_tz_name(f->def->tz), &vtz,
                         oc_date_from_day(oc_day_floor(tmax)).year + 1, NULL);
    oc_error_init(&err);
    for (size_t i = 0; i < f->events->count; i++) {
        const oc_event *e = &f->events->events[i];
        const char *end;

        if ((feed->kinds & (1u << e->kind)) == 0) {
            continue;
        }
        p = event_at(p, &end);
        if (p == NULL) {
            fuzz_fail("%s: the %s event %s is missing from the feed", what, oc_kind_name(e->kind),
                      e->uid);
        }
        if (oc_verify_event(gate, p, (size_t)(end - p), e, &err) != 0) {
            fuzz_fail("%s: published bytes the gate refuses: %s:\n%.*s", what, err.text,
                      (int)(end - p), p);
        }
        p = end;
        seen++;
    }
    /* Then the cancellation notices, each marked as one (a notice is passed
     * through the gate it was made with: it has no event of the schedule). */
    for (const char *end; (p = event_at(p, &end)) != NULL;) {
        const char *mark = strstr(p, "\r\n" OC_PREV_NOTICE ":");

        if (mark == NULL || mark > end) {
            fuzz_fail("%s: an event after the schedule's is no cancellation notice", what);
        }
        p = end;
        seen++;
    }
    if (seen != events) {
        fuzz_fail("%s: %zu events counted, %zu in the feed", what, events, seen);
    }
    oc_verify_free(gate);
    oc_buf_free(&vtz);
}

static void render(fixture *f, oc_prev *prev, int64_t now, oc_buf *out, oc_feed_stats *stats,
                   const char *what)
{
    oc_error err;
    oc_feed_input in = {f->def,
                        &f->def->feeds[0],
                        f->sched,
                        f->events,
                        f->def->tz,
                        f->tmpl,
                        "https://example.org/feeds/",
                        now,
                        NULL};

    oc_error_init(&err);
    if (oc_feed_render(&in, prev, mem_sink, out, stats, &err) != 0) {
        fuzz_fail("%s: oc_feed_render failed with code %d: %s", what, (int)err.code, err.text);
    }
    if (oc_verify_lines(out->data, out->len, &err) != 0) {
        fuzz_fail("%s: bad published line: %s", what, err.text);
    }
    check_stamps(out, what);
    check_gate(f, out, stats->events, what);
}

static bool same_bytes(const oc_buf *a, const oc_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fixture *f = get_fixture();
    oc_prev *prev, *from_file, *ours;
    oc_feed_stats stats = {0}, again = {0}, via = {0};
    oc_buf first = {0}, second = {0}, report = {0}, via_file = {0}, via_report = {0};
    size_t remembered, matched, lines = 0;

    prev = oc_prev_parse((const char *)data, size);
    remembered = oc_prev_count(prev);
    from_file = load_as_file(f, data, size);
    if (oc_prev_count(from_file) != remembered) {
        fuzz_fail("oc_prev_parse remembers %zu events, oc_prev_load %zu", remembered,
                  oc_prev_count(from_file));
    }

    stats.report = &report;
    render(f, prev, FUZZ_NOW, &first, &stats, "with the fuzzed memory");
    via.report = &via_report;
    render(f, from_file, FUZZ_NOW, &via_file, &via, "with the fuzzed memory, from a file");
    if (!same_bytes(&via_file, &first) || !same_bytes(&via_report, &report)) {
        fuzz_fail("the memory read from a file renders otherwise than the one read in memory");
    }
    oc_prev_free(from_file);
    oc_buf_free(&via_file);
    oc_buf_free(&via_report);
    /* Every remembered event is matched (migrated included), kept as a
     * notice, or removed. */
    matched = stats.events - stats.notices - stats.added;
    if (stats.notices + stats.added > stats.events || stats.cancelled > stats.notices ||
        stats.changed - stats.cancelled > matched || matched + stats.notices > remembered ||
        stats.removed != remembered - matched - stats.notices) {
        fuzz_fail("counts do not add up: %zu remembered, %zu events, %zu added, %zu changed, "
                  "%zu removed",
                  remembered, stats.events, stats.added, stats.changed, stats.removed);
    }
    oc_prev_free(prev);

    /* One line per change; with nothing remembered (a first build) the
     * added events are not listed. */
    for (size_t i = 0; i < report.len; i++) {
        unsigned char c = (unsigned char)report.data[i];

        lines += c == '\n';
        if ((c < 0x20 && c != '\n') || c == 0x7F) {
            fuzz_fail("the change report holds control character 0x%02x: %s", c, report.data);
        }
    }
    if (!oc_utf8_valid(report.data != NULL ? report.data : "", report.len)) {
        fuzz_fail("the change report is not valid UTF-8: %s", report.data);
    }
    if (lines != (remembered > 0 ? stats.added : 0) + stats.changed + stats.removed) {
        fuzz_fail("the change report has %zu lines for %zu added, %zu changed, %zu removed:\n%s",
                  lines, stats.added, stats.changed, stats.removed,
                  report.data != NULL ? report.data : "");
    }

    /* What we just published is a memory of ours: rebuilding from it, a day
     * later, rewrites nothing. */
    ours = oc_prev_parse(first.data, first.len);
    if (oc_prev_count(ours) != stats.events) {
        fuzz_fail("%zu events written, %zu remembered", stats.events, oc_prev_count(ours));
    }
    /* A day later: unless notices, which leave the feed with time. */
    render(f, ours, FUZZ_NOW + (stats.notices > 0 ? 0 : 86400), &second, &again,
           "rebuilding from our own output");
    if (!same_bytes(&first, &second) || again.added + again.changed + again.removed != 0) {
        if (getenv("FUZZ_DEBUG") != NULL) {
            fprintf(stderr, "%s\n====\n%s\n", first.data, second.data);
        }
        fuzz_fail("rebuilding from our own output is not a no-op (%zu added, %zu changed, "
                  "%zu removed)",
                  again.added, again.changed, again.removed);
    }
    oc_prev_free(ours);
    oc_buf_free(&first);
    oc_buf_free(&second);
    oc_buf_free(&report);
    return 0;
}

#ifndef OC_FUZZ_LIBFUZZER
#include "fuzz_main.h"

/* Without libFuzzer: run the harness once on each file given (fuzz_main.h).
 * `fuzz_prev --print-definition` prints the fixed definition, to regenerate
 * the fuzz-prev*.ics seeds when the event texts change (README.md). */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--print-definition") == 0) {
        fputs(fixed_def, stdout);
        return 0;
    }
    return oc_fuzz_run_files(argc, argv);
}
#endif
