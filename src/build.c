/* SPDX-License-Identifier: Apache-2.0 */
/* build: the orchestration (DESIGN §4, §5). Definitions (files, or every
 * *.yaml of a folder) are read and expanded, their zones and each
 * language's templates read once, their ids checked against each other's;
 * every feed is rendered through the publish gate into the output folder,
 * then the one page of every calendar, and all of it is committed at once,
 * or nothing is. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/build.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordercal/atom.h"
#include "ordercal/copy.h"
#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/feed.h"
#include "ordercal/html.h"
#include "ordercal/prev.h"
#include "ordercal/retire.h"
#include "ordercal/sched.h"
#include "ordercal/state.h"
#include "ordercal/table.h"
#include "ordercal/tmpl.h"

#define PAGE_NAME "index.html"
#define PAGE_MAX (4 * 1024 * 1024)

/* One language's templates, read once whoever asks; a failure is kept. */
typedef struct {
    char *language;
    oc_tmpl *tmpl; /* NULL when they could not be read: then 'err' says why */
    oc_error err;
} tmpl_entry;

/* One definition and what follows from it. */
typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_events *events;
    oc_table *table;    /* its rows in its language, made on first use */
    size_t first_file;  /* its first feed in the build's files */
    oc_changes changes; /* what its feeds changed, for the change log */
    oc_copies *copies;  /* the copies of its confirmations near the build's day */
} calendar;

/* A calendar id or feed id a definition of the run declares, and where:
 * two definitions published together may not share one. */
typedef struct {
    const char *id; /* borrowed from the definition */
    const char *path;
    oc_pos pos;
    bool calendar; /* a calendar id, else a feed id */
} declared;

struct oc_build {
    oc_build_opts opts;
    char *templates; /* the installed templates, when the options name none */
    tmpl_entry *tmpls;
    size_t ntmpls;
    calendar *cals;
    size_t ncals;
    declared *ids;
    size_t nids;
    oc_build_summary *summaries;
    oc_build_warning *warnings;
    size_t nwarnings;
    oc_build_file *files;
    size_t nfiles;
    oc_verify_zones *zones; /* libical's reading of each VTIMEZONE, for every gate */
};

oc_build *oc_build_new(const oc_build_opts *opts)
{
    oc_build *b = oc_xcalloc(1, sizeof(*b));

    b->opts = *opts;
    b->zones = oc_verify_zones_new();
    if (opts->templates == NULL) {
        b->opts.templates = b->templates = oc_find_data("templates", true);
    }
    return b;
}

void oc_build_free(oc_build *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->ncals; i++) {
        oc_table_free(b->cals[i].table);
        oc_copies_free(b->cals[i].copies);
        oc_events_free(b->cals[i].events);
        oc_changes_clear(&b->cals[i].changes);
        oc_sched_free(b->cals[i].sched);
        oc_def_free(b->cals[i].def);
    }
    oc_verify_zones_free(b->zones); /* after the copies' gates */
    for (size_t i = 0; i < b->ntmpls; i++) {
        free(b->tmpls[i].language);
        oc_tmpl_free(b->tmpls[i].tmpl);
    }
    for (size_t i = 0; i < b->nwarnings; i++) {
        free(b->warnings[i].text);
    }
    for (size_t i = 0; i < b->nfiles; i++) {
        free(b->files[i].path);
        free(b->files[i].report);
        free(b->files[i].name);
    }
    free(b->cals);
    free(b->ids);
    free(b->summaries);
    free(b->tmpls);
    free(b->warnings);
    free(b->files);
    free(b->templates);
    free(b);
}

/* ---- resources ------------------------------------------------------------ */

/* The templates of 'language', read on first use. */
static const tmpl_entry *templates(oc_build *b, const char *language)
{
    tmpl_entry *t;

    for (size_t i = 0; i < b->ntmpls; i++) {
        if (strcmp(b->tmpls[i].language, language) == 0) {
            return &b->tmpls[i];
        }
    }
    b->tmpls = oc_xrealloc(b->tmpls, (b->ntmpls + 1) * sizeof(*b->tmpls));
    t = &b->tmpls[b->ntmpls++];
    t->language = oc_xstrdup(language);
    oc_error_init(&t->err);
    t->tmpl = oc_tmpl_load(b->opts.templates, language, &t->err);
    return t;
}

/* True when 'dir' is a templates folder without texts for 'lang' (as
 * oc_tmpl_languages() lists them, by their events.txt): the definition
 * names a language we have no texts for. Any other failure to read the
 * templates (no templates folder, an unreadable file) is an I/O error of
 * the installation, not of the definition. */
static bool language_missing(const char *dir, const char *lang)
{
    struct stat st;
    oc_buf path = {0};
    bool missing;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return false;
    }
    oc_buf_printf(&path, "%s/%s/events.txt", dir, lang);
    missing = stat(path.data, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
    oc_buf_free(&path);
    return missing;
}

/* The templates of 'feed' (NULL: of the calendar). A language without
 * texts is a definition error at the key that names it. */
static const oc_tmpl *templates_for(oc_build *b, const oc_def *def, const oc_def_feed *feed,
                                    oc_error *err)
{
    bool own = feed != NULL && feed->language.value != NULL;
    const char *lang = own ? feed->language.value : def->language.value;
    const tmpl_entry *t = templates(b, lang);

    if (t->tmpl != NULL) {
        return t->tmpl;
    }
    if (t->err.code == OC_E_IO && language_missing(b->opts.templates, lang)) {
        char *langs = oc_tmpl_languages(b->opts.templates);
        char where[48];

        if (own) {
            snprintf(where, sizeof(where), "feeds[%zu]", (size_t)(feed - def->feeds));
        } else {
            snprintf(where, sizeof(where), "calendar");
        }
        oc_error_set(err, OC_E_VALUE, def->path, own ? feed->language.pos : def->language.pos,
                     "no templates for language '%s' in %s (available: %s)", lang, where, langs);
        free(langs);
    } else if (err != NULL && err->code == OC_OK) {
        *err = t->err;
    }
    return NULL;
}

/* ---- definitions ---------------------------------------------------------- */

/* Every warning goes through here: the caller prints them, as errors under
 * --strict. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
warn(oc_build *b, const oc_def *def, oc_pos pos, const char *fmt, ...)
{
    va_list ap;
    char *text;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    text = oc_xmalloc(n > 0 ? (size_t)n + 1 : 1);
    va_start(ap, fmt);
    vsnprintf(text, n > 0 ? (size_t)n + 1 : 1, fmt, ap);
    va_end(ap);
    b->warnings = oc_xrealloc(b->warnings, (b->nwarnings + 1) * sizeof(*b->warnings));
    b->warnings[b->nwarnings++] = (oc_build_warning){def->path, pos, text};
}

/* "HH:MM" of a local time, with its date when it is not on 'day'. */
static const char *clock_text(int64_t local, oc_day day, char buf[32])
{
    oc_day d = oc_day_floor(local);
    int64_t sec = local - d * 86400;
    char date[16];

    snprintf(buf, 32, "%s%s%02d:%02d", d != day ? oc_day_text(d, date) : "", d != day ? " " : "",
             (int)(sec / 3600), (int)(sec % 3600 / 60));
    return buf;
}

/* A holiday's name in 't', or its key. */
static const char *holiday_name(const oc_tmpl *t, const char *key)
{
    const char *name = oc_tmpl_holiday(t, key);

    return name != NULL ? name : key;
}

/* One warning per day of an event that falls on a public holiday, at the
 * rhythm period or exception that produced it. Maintainers read English;
 * the calendar's own word follows. */
static void warn_holidays(oc_build *b, const calendar *cal)
{
    oc_clash *clashes = NULL;
    size_t n = oc_sched_clashes(cal->def, cal->sched, &clashes);
    const oc_tmpl *en = n > 0 ? templates(b, "en")->tmpl : NULL;
    const oc_tmpl *local = n > 0 ? templates(b, cal->def->language.value)->tmpl : NULL;

    for (size_t i = 0; i < n; i++) {
        const oc_clash *c = &clashes[i];
        const char *a = holiday_name(en, c->key), *l = holiday_name(local, c->key);
        char date[16];

        warn(b, cal->def, c->pos, "%s %s falls on %s%s%s%s", oc_kind_name(c->kind),
             oc_day_text(c->day, date), a, strcmp(a, l) != 0 ? " (" : "",
             strcmp(a, l) != 0 ? l : "", strcmp(a, l) != 0 ? ")" : "");
    }
    free(clashes);
}

/* What the horizon leaves out: a period that yields no slot yet, and an
 * exception past it (kept, and applied when the horizon reaches it). */
static void warn_horizon(oc_build *b, const calendar *cal)
{
    const oc_def *def = cal->def;
    const oc_sched *s = cal->sched;
    const oc_def_period *last = &def->periods[def->period_count - 1];
    char date[16], horizon[16];

    oc_day_text(s->horizon, horizon);
    if (s->open_ended && last->from > s->horizon) {
        warn(b, def, last->pos,
             "rhythm[%zu] yields no slot: it starts on %s, after the horizon (%s)",
             def->period_count - 1, oc_day_text(last->from, date), horizon);
    }
    for (size_t i = 0; i < s->pending_count; i++) {
        const oc_def_exception *ex = &def->exceptions[s->pending[i]];

        warn(b, def, ex->date_pos,
             "sessions[%zu].date '%s' is beyond the horizon (%s); applied when it is reached",
             s->pending[i], oc_day_text(ex->date, date), horizon);
    }
}

/* A timed event at a wall time the zone skips or repeats: clients place it
 * differently, so the maintainer hears of it at the rule that gives the time. */
static void warn_dst(oc_build *b, const calendar *cal)
{
    const oc_def *def = cal->def;

    for (size_t i = 0; i < cal->sched->count; i++) {
        const oc_slot *slot = &cal->sched->slots[i];

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            oc_pos pos = def->rules[k].pos.line != 0 ? def->rules[k].pos : slot->spans[k].pos;
            oc_day day = slot->spans[k].first;
            char date[16], wall[32], before[32], after[32], seen[32];
            oc_dst d;

            if (oc_sched_dst(def, slot, (oc_kind)k, &d) == OC_DST_NONE) {
                continue;
            }
            clock_text(d.wall, day, wall);
            clock_text(d.before, oc_day_floor(d.before), before);
            clock_text(d.after, oc_day_floor(d.after), after);
            if (d.kind == OC_DST_SKIPPED) {
                warn(b, def, pos,
                     "%s %s %s does not exist in %s (clocks go from %s to %s); subscribers see %s",
                     oc_kind_name((oc_kind)k), oc_day_text(day, date), wall, oc_tz_name(def->tz),
                     before, after, clock_text(d.seen, day, seen));
            } else {
                int32_t off = d.offset < 0 ? -d.offset : d.offset;

                warn(b, def, pos,
                     "%s %s %s happens twice in %s (clocks go back from %s to %s); subscribers "
                     "see the first, at UTC%c%02d:%02d",
                     oc_kind_name((oc_kind)k), oc_day_text(day, date), wall, oc_tz_name(def->tz),
                     before, after, d.offset < 0 ? '-' : '+', (int)(off / 3600),
                     (int)(off % 3600 / 60));
            }
        }
    }
}

/* An old name of a zone: the feeds carry the zone's own, which every client
 * knows. */
static void warn_zone(oc_build *b, const calendar *cal)
{
    const oc_tz *tz = cal->def->tz;

    if (oc_tz_alias(tz) != NULL) {
        warn(b, cal->def, cal->def->timezone.pos,
             "timezone '%s' is an old name of '%s'; the feeds use '%s', the name clients know",
             oc_tz_alias(tz), oc_tz_name(tz), oc_tz_name(tz));
    }
}

/* A feed whose kinds the schedule never makes would be published empty. */
static void warn_feeds(oc_build *b, const calendar *cal)
{
    const oc_def *def = cal->def;
    size_t per_kind[OC_KIND_COUNT] = {0};

    for (size_t i = 0; i < cal->sched->count; i++) {
        for (int k = 0; k < OC_KIND_COUNT; k++) {
            per_kind[k] += cal->sched->slots[i].spans[k].on;
        }
    }
    for (size_t f = 0; f < def->feed_count; f++) {
        const oc_def_feed *feed = &def->feeds[f];
        bool open = false, closed = false;
        size_t n = 0;

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            if (feed->kinds & (1u << k)) {
                n += per_kind[k];
                closed |= oc_kind_get((oc_kind)k)->closed;
                open |= !oc_kind_get((oc_kind)k)->closed;
            }
        }
        if (n == 0) {
            warn(b, def,
                 feed->kinds_pos.line != 0 ? feed->kinds_pos
                 : feed->pos.line != 0     ? feed->pos
                                           : feed->id.pos,
                 "feed '%s' gets no event: the schedule has no %sslot", feed->id.value,
                 open && closed ? ""
                 : open         ? "open "
                                : "closed ");
        }
    }
}

static int cmp_warning(const void *x, const void *y)
{
    const oc_build_warning *a = *(const oc_build_warning *const *)x;
    const oc_build_warning *b = *(const oc_build_warning *const *)y;

    if (a->pos.line != b->pos.line) {
        return a->pos.line < b->pos.line ? -1 : 1;
    }
    if (a->pos.column != b->pos.column) {
        return a->pos.column < b->pos.column ? -1 : 1;
    }
    return a < b ? -1 : a > b; /* as found */
}

/* Every warning about 'cal', in the order of their positions in its
 * definition (those at one position in the order found). */
static void warn_all(oc_build *b, const calendar *cal)
{
    size_t first = b->nwarnings, n;
    oc_build_warning **order, *sorted;

    warn_zone(b, cal);
    warn_horizon(b, cal);
    warn_holidays(b, cal);
    warn_dst(b, cal);
    warn_feeds(b, cal);
    n = b->nwarnings - first;
    if (n < 2) {
        return;
    }
    order = oc_xcalloc(n, sizeof(*order));
    sorted = oc_xcalloc(n, sizeof(*sorted));
    for (size_t i = 0; i < n; i++) {
        order[i] = &b->warnings[first + i];
    }
    qsort(order, n, sizeof(*order), cmp_warning);
    for (size_t i = 0; i < n; i++) {
        sorted[i] = *order[i];
    }
    memcpy(b->warnings + first, sorted, n * sizeof(*sorted));
    free(order);
    free(sorted);
}

/* The declaration of 'id' in the run so far, or NULL. */
static const declared *find_id(const oc_build *b, const char *id, bool cal)
{
    for (size_t i = 0; i < b->nids; i++) {
        if (b->ids[i].calendar == cal && strcmp(b->ids[i].id, id) == 0) {
            return &b->ids[i];
        }
    }
    return NULL;
}

/* The ids of 'def' that an earlier definition declared: the same calendar
 * id would give two calendars the same UIDs, the same feed id one file. */
static int collides(const oc_build *b, const oc_def *def, oc_error *err)
{
    const declared *d = find_id(b, def->id.value, true);
    const oc_def_str *at = &def->id;

    for (size_t i = 0; d == NULL && i < def->feed_count; i++) {
        at = &def->feeds[i].id;
        d = find_id(b, at->value, false);
    }
    if (d != NULL) {
        oc_error_set(err, OC_E_VALUE, def->path, at->pos,
                     "%s id '%s' is already declared at %s:%d:%d",
                     d->calendar ? "calendar" : "feed", d->id, d->path, d->pos.line, d->pos.column);
    }
    return d != NULL;
}

static void declare(oc_build *b, const oc_def *def)
{
    b->ids = oc_xrealloc(b->ids, (b->nids + def->feed_count + 1) * sizeof(*b->ids));
    b->ids[b->nids++] = (declared){def->id.value, def->path, def->id.pos, true};
    for (size_t i = 0; i < def->feed_count; i++) {
        const oc_def_str *id = &def->feeds[i].id;

        b->ids[b->nids++] = (declared){id->value, def->path, id->pos, false};
    }
}

bool oc_build_declares(const oc_build *b, const char *id)
{
    return find_id(b, id, false) != NULL;
}

static int add_definition(oc_build *b, const char *path, oc_error *err)
{
    calendar *cal;
    oc_def *def = oc_def_load_file(path, err);
    oc_sched *sched =
        def != NULL && !collides(b, def, err) ? oc_sched_expand(def, b->opts.now, err) : NULL;

    if (sched == NULL) {
        oc_def_free(def);
        return -1;
    }
    b->cals = oc_xrealloc(b->cals, (b->ncals + 1) * sizeof(*b->cals));
    b->summaries = oc_xrealloc(b->summaries, (b->ncals + 1) * sizeof(*b->summaries));
    cal = &b->cals[b->ncals];
    b->summaries[b->ncals++] =
        (oc_build_summary){def->path, sched->count, sched->open_count, def->feed_count};
    memset(cal, 0, sizeof(*cal)); /* the events, table, changes: when needed */
    cal->def = def;
    cal->sched = sched;
    declare(b, def);
    warn_all(b, cal);

    /* Everything that can find the definition wrong runs before the
     * output folder is touched. */
    for (size_t i = 0; i < def->feed_count; i++) {
        if (templates_for(b, def, &def->feeds[i], err) == NULL) {
            return -1;
        }
    }
    return templates_for(b, def, NULL, err) != NULL ? 0 : -1;
}

int oc_build_add(oc_build *b, const char *path, oc_error *err)
{
    size_t n = 0;
    char **paths, *shipped;
    int rc = 0;

    if (b->opts.templates == NULL) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0},
                     "cannot find the templates folder; use --templates DIR");
        return -1;
    }
    if (path == NULL) {
        if ((shipped = oc_find_definition(OC_BUILD_DEFAULT)) == NULL) {
            oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0},
                         "the default definition " OC_BUILD_DEFAULT
                         " is not installed; name a definition");
            return -1;
        }
        rc = add_definition(b, shipped, err);
        free(shipped);
        return rc;
    }
    if (!oc_is_dir(path)) {
        return add_definition(b, path, err);
    }
    if ((paths = oc_dir_list(path, ".yaml", &n, err)) == NULL) {
        return -1;
    }
    if (n == 0) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "no definition (*.yaml) in %s", path);
        rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = add_definition(b, paths[i], err);
    }
    oc_paths_free(paths);
    return rc;
}

const oc_build_warning *oc_build_warnings(const oc_build *b, size_t *count)
{
    *count = b->nwarnings;
    return b->warnings;
}

const oc_build_summary *oc_build_summaries(const oc_build *b, size_t *count)
{
    *count = b->ncals;
    return b->summaries;
}

const oc_build_file *oc_build_files(const oc_build *b, size_t *count)
{
    *count = b->nfiles;
    return b->files;
}

/* The calendar's table, made once for the page and for `show`. */
static const oc_table *table_of(oc_build *b, calendar *cal, oc_error *err)
{
    const oc_tmpl *t;

    if (cal->table == NULL && (t = templates_for(b, cal->def, NULL, err)) != NULL) {
        cal->table = oc_table_new(cal->def, cal->sched, t, err);
    }
    return cal->table;
}

int oc_build_show(oc_build *b, oc_buf *out, oc_error *err)
{
    for (size_t i = 0; i < b->ncals; i++) {
        const oc_table *table = table_of(b, &b->cals[i], err);

        if (table == NULL) {
            return -1;
        }
        if (b->ncals > 1) {
            oc_buf_printf(out, "%s%s\n", i > 0 ? "\n" : "", b->cals[i].def->name.value);
        }
        oc_table_text(table, out);
    }
    return 0;
}

/* ---- files ---------------------------------------------------------------- */

typedef struct {
    oc_out *out; /* NULL: check, the bytes only go through the gate */
    int index;
} sink_ctx;

static int sink_write(void *ctx, const char *data, size_t len, oc_error *err)
{
    sink_ctx *s = ctx;

    return s->out != NULL ? oc_out_write(s->out, s->index, data, len, err) : 0;
}

static oc_build_file *add_file(oc_build *b, const char *name, bool feed)
{
    oc_build_file *f;
    oc_buf path = {0};

    b->files = oc_xrealloc(b->files, (b->nfiles + 1) * sizeof(*b->files));
    f = &b->files[b->nfiles++];
    memset(f, 0, sizeof(*f));
    oc_buf_printf(&path, "%s/%s", b->opts.output, name);
    f->path = oc_buf_detach(&path);
    f->feed = feed;
    return f;
}

/* Starts the file 'name' in 'out' (none for a check). */
static int begin(oc_out *out, const char *name, sink_ctx *s, oc_error *err)
{
    s->out = out;
    s->index = out != NULL ? oc_out_begin(out, name, err) : 0;
    return s->index;
}

/* Where the feeds of 'def' are published: --base-url, else its own. */
static const char *base_url_of(const oc_build *b, const oc_def *def)
{
    return b->opts.base_url != NULL ? b->opts.base_url : def->base_url.value;
}

static int render_feed(oc_build *b, calendar *cal, const oc_def_feed *feed, oc_out *out,
                       int64_t *last_modified, oc_error *err)
{
    const oc_def *def = cal->def;
    oc_feed_input in;
    oc_buf name = {0}, report = {0};
    oc_feed_stats stats;
    oc_build_file *f;
    oc_prev *prev = NULL;
    sink_ctx s;
    int rc = -1;

    if (cal->events == NULL) {
        cal->events = oc_events_new(def, cal->sched);
    }
    in = (oc_feed_input){def,
                         feed,
                         cal->sched,
                         cal->events,
                         def->tz,
                         templates_for(b, def, feed, err),
                         base_url_of(b, def),
                         b->opts.now,
                         b->zones};

    oc_buf_printf(&name, "%s.ics", feed->id.value);
    f = add_file(b, name.data, true);
    stats.report = b->opts.reports ? &report : NULL;
    stats.changes = b->opts.mode != OC_BUILD_CHECK ? &cal->changes : NULL;
    if (in.tmpl == NULL ||
        (b->opts.mode != OC_BUILD_CHECK && (prev = oc_prev_load(f->path, err)) == NULL) ||
        begin(out, name.data, &s, err) < 0 ||
        oc_feed_render(&in, prev, sink_write, &s, &stats, err) != 0 ||
        (out != NULL && oc_out_finish(out, s.index, err) != 0)) {
        goto done;
    }
    f->status = out != NULL ? oc_out_status_of(out, s.index) : OC_OUT_UNCHANGED;
    f->events = stats.events;
    f->changed = stats.added + stats.changed + stats.removed;
    f->report = report.len != 0 ? oc_buf_detach(&report) : NULL;
    *last_modified = stats.last_modified > *last_modified ? stats.last_modified : *last_modified;
    rc = 0;
done:
    oc_prev_free(prev);
    oc_buf_free(&name);
    oc_buf_free(&report);
    return rc;
}

/* ---- the copies ----------------------------------------------------------- */

/* The copies of one calendar, each a file of events/, stamped against its
 * previous file and gated as a feed's events are. */
static int render_copies(oc_build *b, calendar *cal, oc_out *out, oc_error *err)
{
    oc_copy_input in = {cal->def, templates_for(b, cal->def, NULL, err), b->opts.now, b->zones};
    oc_buf bytes = {0};
    int rc = in.tmpl != NULL ? 0 : -1;

    for (size_t i = 0; rc == 0 && i < cal->copies->count; i++) {
        oc_copy *c = &cal->copies->items[i];
        oc_build_file *f = add_file(b, c->name, false);
        oc_prev *prev = NULL;
        sink_ctx s;

        oc_buf_reset(&bytes);
        rc = (b->opts.mode != OC_BUILD_CHECK && (prev = oc_prev_load(f->path, err)) == NULL) ||
                     oc_copy_render(&in, cal->copies, i, prev, &bytes, err) != 0 ||
                     begin(out, c->name, &s, err) < 0 ||
                     sink_write(&s, bytes.data, bytes.len, err) != 0 ||
                     (out != NULL && oc_out_finish(out, s.index, err) != 0)
                 ? -1
                 : 0;
        f->status = out != NULL && rc == 0 ? oc_out_status_of(out, s.index) : OC_OUT_UNCHANGED;
        oc_prev_free(prev);
    }
    oc_buf_free(&bytes);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes at the commit every file of events/ that ordercal wrote (its
 * PRODID says so) and that no row of the run has a copy in any more: the
 * copies are derived output, like the page. 'names[0..n)' are the files
 * of the run, sorted. */
static int remove_copies(oc_build *b, oc_out *out, char **names, size_t n, oc_error *err)
{
    oc_buf dir = {0}, head = {0};
    char **paths = NULL;
    size_t count = 0;
    int rc = 0;

    oc_buf_printf(&dir, "%s/" OC_COPY_DIR, b->opts.output);
    if (oc_is_dir(dir.data) && (paths = oc_dir_list(dir.data, ".ics", &count, err)) == NULL) {
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const char *base = paths[i] + dir.len + 1;
        char name[sizeof(OC_COPY_DIR) + 256];
        char *key = name;
        struct stat st;
        oc_error ignored;

        snprintf(name, sizeof(name), OC_COPY_DIR "/%s", base);
        oc_error_init(&ignored);
        if (strlen(base) >= 256 || lstat(paths[i], &st) != 0 || !S_ISREG(st.st_mode) ||
            bsearch(&key, names, n, sizeof(*names), cmp_name) != NULL ||
            oc_file_read(paths[i], 512, &head, &ignored) < 0 ||
            !oc_copy_ours(head.data, head.len)) {
            continue;
        }
        rc = oc_out_remove(out, name, err) < 0 ? -1 : 0;
        add_file(b, name, false)->status = OC_OUT_REMOVED;
    }
    oc_paths_free(paths);
    oc_buf_free(&dir);
    oc_buf_free(&head);
    return rc;
}

/* The page of the site, every calendar in the order given, dated by the
 * newest LAST-MODIFIED of its feeds so that it too stays byte-identical
 * while the schedules do. */
static int render_page(oc_build *b, const char *page, const char *page_path, oc_out *out,
                       int64_t last_modified, const oc_atom *log, oc_error *err)
{
    oc_html_calendar *cals = oc_xcalloc(b->ncals, sizeof(*cals));
    const char *lang = b->opts.site_language;
    oc_html_input in = {cals, b->ncals,  b->opts.site_name, lang, NULL,
                        page, page_path, last_modified,     NULL, 0};
    oc_build_file *f = add_file(b, PAGE_NAME, false);
    oc_buf html = {0};
    sink_ctx s;
    int rc = -1;

    for (size_t i = 0; i < b->ncals; i++) {
        calendar *cal = &b->cals[i];

        cals[i] = (oc_html_calendar){cal->def,
                                     cal->sched,
                                     table_of(b, cal, err),
                                     templates_for(b, cal->def, NULL, err),
                                     base_url_of(b, cal->def),
                                     cal->copies};
        if (cals[i].table == NULL) {
            goto done;
        }
    }
    in.site_tmpl = lang != NULL ? templates(b, lang)->tmpl : NULL;
    in.changes = log != NULL ? oc_atom_entries(log, &in.nchanges) : NULL;
    if (oc_html_render(&in, &html, err) != 0 || begin(out, PAGE_NAME, &s, err) < 0 ||
        sink_write(&s, html.data, html.len, err) != 0 ||
        (out != NULL && oc_out_finish(out, s.index, err) != 0)) {
        goto done;
    }
    f->status = out != NULL ? oc_out_status_of(out, s.index) : OC_OUT_UNCHANGED;
    rc = 0;
done:
    free(cals);
    oc_buf_free(&html);
    return rc;
}

/* The page template, read once and checked before the output folder is
 * touched. Returns a new string, or NULL with 'err' set. */
static char *read_page(const oc_build *b, oc_buf *path, oc_error *err)
{
    oc_buf text = {0};
    int r;

    oc_buf_printf(path, "%s/%s", b->opts.templates, PAGE_NAME);
    r = oc_file_read(path->data, PAGE_MAX, &text, err);
    if (r > 0) {
        oc_error_set(err, OC_E_VALUE, path->data, (oc_pos){0, 0},
                     "the page template is larger than 4 MiB");
    }
    if (r != 0 ||
        oc_html_check(text.data != NULL ? text.data : "", path->data,
                      oc_html_site_layout(b->ncals, b->opts.site_name, b->opts.site_language),
                      err) != 0) {
        oc_buf_free(&text);
        return NULL;
    }
    return text.data != NULL ? oc_buf_detach(&text) : oc_xstrdup("");
}

/* True when 's' is a language code such as fr, en or pt-BR (the rule of
 * calendar.language): it names a folder of templates. */
static bool language_code(const char *s)
{
    size_t len = strlen(s);
    bool ok = len >= 2 && len <= 16;

    for (size_t i = 0; ok && i < len; i++) {
        ok = (s[i] >= 'a' && s[i] <= 'z') ||
             (i >= 2 && (s[i] == '-' || (s[i] >= 'A' && s[i] <= 'Z')));
    }
    return ok;
}

/* True when 's' is one line of text: UTF-8, no control character. */
static bool one_line(const char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return false;
        }
    }
    return len > 0 && len <= OC_DEF_MAX_TEXT && oc_utf8_valid(s, len);
}

/* --site-name and --site-language, checked before anything is rendered. */
static int check_site(oc_build *b, oc_error *err)
{
    const char *name = b->opts.site_name, *lang = b->opts.site_language;
    const tmpl_entry *t;

    if (name != NULL && !one_line(name)) {
        oc_error_set(err, OC_E_USAGE, NULL, (oc_pos){0, 0},
                     "invalid --site-name (one line of UTF-8 text, at most %d bytes)",
                     OC_DEF_MAX_TEXT);
        return -1;
    }
    if (lang == NULL) {
        return 0;
    }
    if (!language_code(lang)) {
        oc_error_set(err, OC_E_USAGE, NULL, (oc_pos){0, 0},
                     "invalid --site-language '%s' (a language code such as fr or en)", lang);
        return -1;
    }
    if ((t = templates(b, lang))->tmpl != NULL) {
        return 0;
    }
    if (t->err.code == OC_E_IO && language_missing(b->opts.templates, lang)) {
        char *langs = oc_tmpl_languages(b->opts.templates);

        oc_error_set(err, OC_E_USAGE, NULL, (oc_pos){0, 0},
                     "no templates for --site-language '%s' (available: %s)", lang, langs);
        free(langs);
    } else if (err != NULL && err->code == OC_OK) {
        *err = t->err;
    }
    return -1;
}

/* ---- retired feeds -------------------------------------------------------- */

/* True when a definition of the run declares the feed file 'name' ("x.ics"). */
static bool declares_file(const oc_build *b, const char *name)
{
    size_t n = strlen(name);
    char *id = oc_xstrndup(name, n - 4);
    bool yes = oc_build_declares(b, id);

    free(id);
    return yes;
}

/* The .ics files of the output folder that no definition declares, sorted. */
static size_t undeclared(const oc_build *b, char ***out)
{
    char **paths = NULL;
    size_t count = 0, n = 0;
    oc_error ignored;

    oc_error_init(&ignored);
    *out = NULL;
    if (oc_is_dir(b->opts.output)) {
        paths = oc_dir_list(b->opts.output, ".ics", &count, &ignored);
    }
    for (size_t i = 0; i < count; i++) {
        const char *name = strrchr(paths[i], '/') + 1;

        if (!declares_file(b, name)) {
            *out = oc_xrealloc(*out, (n + 1) * sizeof(**out));
            (*out)[n++] = oc_xstrdup(name);
        }
    }
    oc_paths_free(paths);
    return n;
}

/* One retired feed: reported, rewritten once as a notice, deleted on --prune. */
static int retire_one(oc_build *b, oc_out *out, const char *name, oc_error *err)
{
    const oc_def *def = b->cals[0].def;
    oc_buf path = {0}, text = {0}, bytes = {0}, nm = {0};
    oc_retire_input in = {templates_for(b, def, NULL, err), def->language.value,
                          base_url_of(b, def), b->opts.now};
    oc_build_file *f;
    size_t cancelled = 0;
    sink_ctx s;
    int rc = -1;

    oc_buf_printf(&path, "%s/%s", b->opts.output, name);
    if (in.tmpl == NULL || oc_file_read(path.data, 64 * 1024 * 1024, &text, err) < 0) {
        goto done;
    }
    rc = 0;
    if (!oc_retire_ours(text.data, text.len)) {
        goto done; /* not ours: never touched */
    }
    f = add_file(b, name, false);
    f->retired = true;
    f->status = OC_OUT_UNCHANGED;
    oc_retire_name(text.data, text.len, &nm);
    f->name = oc_buf_detach(&nm);
    if (b->opts.prune) {
        if (oc_out_remove(out, name, err) < 0) {
            rc = -1;
            goto done;
        }
        f->pruned = true;
    } else if (!oc_retire_done(text.data, text.len)) {
        rc = -1;
        if (oc_retire_render(&in, text.data, text.len, &bytes, &cancelled, err) != 0 ||
            begin(out, name, &s, err) < 0 || sink_write(&s, bytes.data, bytes.len, err) != 0 ||
            oc_out_finish(out, s.index, err) != 0) {
            goto done;
        }
        f->status = oc_out_status_of(out, s.index);
        f->changed = cancelled;
        rc = 0;
    }
done:
    oc_buf_free(&path);
    oc_buf_free(&text);
    oc_buf_free(&bytes);
    oc_buf_free(&nm);
    return rc;
}

static int retire_feeds(oc_build *b, oc_out *out, oc_error *err)
{
    char **names;
    size_t n = undeclared(b, &names);
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            rc = retire_one(b, out, names[i], err);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* ---- the change log ------------------------------------------------------- */

/* The lines of this build's entry: each calendar's changes, the feeds it
 * created, or else the feeds it updated. */
static int entry_lines(oc_build *b, oc_buf *lines, oc_error *err)
{
    for (size_t i = 0; i < b->nfiles; i++) {
        const oc_build_file *f = &b->files[i];
        const oc_tmpl *t = templates_for(b, b->cals[0].def, NULL, err);
        oc_var v[] = {{"feed", f->name}};

        if (f->retired && (f->pruned || f->status != OC_OUT_UNCHANGED) &&
            (t == NULL || oc_tmpl_expand(t, "change.retired", v, 1, lines, err) != 0)) {
            return -1;
        }
        if (f->retired && (f->pruned || f->status != OC_OUT_UNCHANGED)) {
            oc_buf_putc(lines, '\n');
        }
    }
    for (size_t c = 0; c < b->ncals; c++) {
        calendar *cal = &b->cals[c];
        const oc_tmpl *t = templates_for(b, cal->def, NULL, err);
        size_t mark = lines->len;

        if (t == NULL ||
            oc_atom_words(t, cal->def->language.value, &cal->changes, lines, err) != 0) {
            return -1;
        }
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < cal->def->feed_count; i++) {
                const oc_build_file *f = &b->files[cal->first_file + i];
                oc_var v[] = {{"feed", oc_def_feed_name(cal->def, &cal->def->feeds[i])}};

                if ((pass == 0 && f->status != OC_OUT_CREATED) ||
                    (pass == 1 && (lines->len != mark || f->status != OC_OUT_UPDATED))) {
                    continue;
                }
                if (oc_tmpl_expand(t, pass == 0 ? "change.published" : "change.updated", v, 1,
                                   lines, err) != 0) {
                    return -1;
                }
                oc_buf_putc(lines, '\n');
            }
        }
    }
    return 0;
}

/* DIR/changes.atom: a new entry when this build changed a feed. Loaded
 * into '*log' for the page. */
static int render_log(oc_build *b, oc_out *out, int64_t last_modified, oc_atom **log, oc_error *err)
{
    const oc_def *def = b->cals[0].def;
    const oc_tmpl *t = templates_for(b, def, NULL, err);
    oc_buf path = {0}, lines = {0}, title = {0}, date = {0}, bytes = {0};
    oc_atom_meta meta = {def->id.value,       NULL,         def->name.value, def->language.value,
                         base_url_of(b, def), last_modified};
    int64_t local = b->opts.now + oc_tz_offset_at(def->tz, b->opts.now);
    bool changed = false;
    oc_build_file *f;
    sink_ctx s;
    int rc = -1;
    oc_var v[] = {{"calendar", def->name.value}, {"date", NULL}};

    oc_buf_printf(&path, "%s/%s", b->opts.output, OC_ATOM_NAME);
    for (size_t i = 0; i < b->nfiles; i++) {
        const oc_build_file *x = &b->files[i];

        changed |= ((x->feed || x->retired) && x->status != OC_OUT_UNCHANGED) || x->pruned;
    }
    if (t == NULL || (*log = oc_atom_load(path.data, err)) == NULL ||
        oc_tmpl_expand(t, "atom.title", v, 2, &title, err) != 0) {
        goto done;
    }
    meta.title = title.data;
    if (changed) {
        oc_buf entry = {0};

        rc = oc_tmpl_datetime(t, oc_day_floor(local),
                              (int)(local - oc_day_floor(local) * 86400) / 60, &date, err);
        v[1].value = date.data;
        rc = rc == 0 ? oc_tmpl_expand(t, "atom.entry", v, 2, &entry, err) : -1;
        if (rc != 0 || entry_lines(b, &lines, err) != 0) {
            oc_buf_free(&entry);
            rc = -1;
            goto done;
        }
        oc_atom_add(*log, &meta, b->opts.now, entry.data, &lines, def->changes_kept);
        oc_buf_free(&entry);
    }
    rc = -1;
    f = add_file(b, OC_ATOM_NAME, false);
    if (oc_atom_render(*log, &meta, &bytes, err) != 0 || begin(out, OC_ATOM_NAME, &s, err) < 0 ||
        sink_write(&s, bytes.data, bytes.len, err) != 0 || oc_out_finish(out, s.index, err) != 0) {
        goto done;
    }
    f->status = oc_out_status_of(out, s.index);
    rc = 0;
done:
    oc_buf_free(&path);
    oc_buf_free(&lines);
    oc_buf_free(&title);
    oc_buf_free(&date);
    oc_buf_free(&bytes);
    return rc;
}

/* ---- the memory of the last build ----------------------------------------- */

/* Everything the files depend on: the program, the options, the day (the
 * horizon moves with it), each definition with its zone, each language's
 * templates and the page template. */
static uint64_t build_key(const oc_build *b, const char *page)
{
    oc_buf k = {0};
    struct stat exe;
    uint64_t key;

    oc_buf_printf(&k, "ordercal %s\n", OC_VERSION);
    if (stat("/proc/self/exe", &exe) == 0) {
        oc_buf_printf(&k, "exe %jd %jd.%09ld\n", (intmax_t)exe.st_size,
                      (intmax_t)exe.st_mtim.tv_sec, exe.st_mtim.tv_nsec);
    }
    oc_buf_printf(&k, "base %s\nsite %s\nsite-language %s\nday %jd\npage %016jx\n",
                  b->opts.base_url != NULL ? b->opts.base_url : "-",
                  b->opts.site_name != NULL ? b->opts.site_name : "-",
                  b->opts.site_language != NULL ? b->opts.site_language : "-",
                  (intmax_t)oc_day_floor(b->opts.now), (uintmax_t)oc_digest(page, strlen(page)));
    for (size_t i = 0; i < b->ncals; i++) {
        oc_buf_printf(&k, "def %s %016jx %016jx\n", b->cals[i].def->path,
                      (uintmax_t)b->cals[i].def->digest,
                      (uintmax_t)oc_tz_digest(b->cals[i].def->tz));
    }
    for (size_t i = 0; i < b->ntmpls; i++) {
        oc_buf_printf(&k, "tmpl %s %016jx\n", b->tmpls[i].language,
                      b->tmpls[i].tmpl != NULL ? (uintmax_t)oc_tmpl_digest(b->tmpls[i].tmpl) : 0);
    }
    key = oc_digest(k.data, k.len);
    oc_buf_free(&k);
    return key;
}

/* The names of the files a build writes, feeds first (their number in
 * '*nfeeds'), then the copies, the change log and the page. */
static size_t file_names(const oc_build *b, char ***out, size_t *nfeeds)
{
    size_t n = 0;

    for (size_t c = 0; c < b->ncals; c++) {
        n += b->cals[c].def->feed_count + b->cals[c].copies->count;
    }
    *out = oc_xcalloc(n + 2, sizeof(**out));
    n = 0;
    for (size_t c = 0; c < b->ncals; c++) {
        for (size_t i = 0; i < b->cals[c].def->feed_count; i++) {
            oc_buf name = {0};

            oc_buf_printf(&name, "%s.ics", b->cals[c].def->feeds[i].id.value);
            (*out)[n++] = oc_buf_detach(&name);
        }
    }
    *nfeeds = n;
    for (size_t c = 0; c < b->ncals; c++) {
        for (size_t i = 0; i < b->cals[c].copies->count; i++) {
            (*out)[n++] = oc_xstrdup(b->cals[c].copies->items[i].name);
        }
    }
    (*out)[n++] = oc_xstrdup(OC_ATOM_NAME);
    (*out)[n++] = oc_xstrdup(PAGE_NAME);
    return n;
}

/* Nothing the files depend on changed since the last build, nor the files:
 * every one is reported unchanged, none is rendered. */
static bool unchanged(oc_build *b, uint64_t key, char **names, size_t n, size_t nfeeds)
{
    char **retired;
    size_t nretired = undeclared(b, &retired);

    for (size_t i = 0; i < nretired; i++) {
        free(retired[i]);
    }
    free(retired);

    /* A feed no definition declares is reported on every build: by the
     * whole build, which knows whether it is ours. */
    if (nretired > 0 || !oc_state_current(b->opts.output, key, (const char *const *)names, n)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        oc_build_file *f = add_file(b, names[i], i < nfeeds);

        f->status = OC_OUT_UNCHANGED;
    }
    return true;
}

/* Records the state of this build, committed after its files. A file that
 * cannot be read back leaves no state: the next build renders. */
static int save_state(const oc_build *b, oc_out *out, uint64_t key, char **names, size_t n,
                      oc_error *err)
{
    oc_buf text = {0};
    sink_ctx s;
    int rc = 0;

    /* A cache: lost in a crash, the next build renders everything. */
    if (oc_state_text(b->opts.output, key, (const char *const *)names, n, &text) == 0) {
        if (begin(out, OC_STATE_NAME, &s, err) < 0) {
            rc = -1;
        } else {
            oc_out_cache(out, s.index);
            rc = sink_write(&s, text.data, text.len, err) != 0 ||
                         oc_out_finish(out, s.index, err) != 0 || oc_out_commit(out, err) != 0
                     ? -1
                     : 0;
        }
    }
    oc_buf_free(&text);
    return rc;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; names != NULL && i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/* Every feed, then the copies; the events go once the feeds are made. */
static int render_files(oc_build *b, oc_out *out, int64_t *last_modified, oc_error *err)
{
    for (size_t c = 0; c < b->ncals; c++) {
        b->cals[c].first_file = b->nfiles;
        for (size_t i = 0; i < b->cals[c].def->feed_count; i++) {
            if (render_feed(b, &b->cals[c], &b->cals[c].def->feeds[i], out, last_modified, err) !=
                0) {
                return -1;
            }
        }
    }
    for (size_t c = 0; c < b->ncals; c++) {
        /* The page reads the schedules, not the events: their memory goes
         * before the page's is needed. */
        oc_events_free(b->cals[c].events);
        b->cals[c].events = NULL;
    }
    for (size_t c = 0; c < b->ncals; c++) {
        if (render_copies(b, &b->cals[c], out, err) != 0) {
            return -1;
        }
        oc_copies_rendered(b->cals[c].copies);
    }
    return 0;
}

int oc_build_run(oc_build *b, oc_error *err)
{
    oc_atom *log = NULL;
    oc_out *out = NULL;
    oc_buf page_path = {0};
    char *page = NULL, **names = NULL, **sorted = NULL;
    size_t nnames = 0, nfeeds = 0;
    int64_t last_modified = 0;
    uint64_t key = 0;
    int rc = -1;

    if (b->ncals == 0 || check_site(b, err) != 0 ||
        (page = read_page(b, &page_path, err)) == NULL) {
        goto done;
    }
    for (size_t c = 0; c < b->ncals; c++) {
        oc_copies_free(b->cals[c].copies);
        b->cals[c].copies = oc_copies_new(b->cals[c].def, b->cals[c].sched, b->opts.now);
    }
    nnames = file_names(b, &names, &nfeeds);
    if (b->opts.mode != OC_BUILD_CHECK) {
        out = oc_out_open(b->opts.output, b->opts.lock_timeout, b->opts.mode == OC_BUILD_DRY_RUN,
                          err);
        if (out == NULL) {
            goto done;
        }
        oc_out_sweep(out, OC_COPY_DIR);
        key = build_key(b, page);
        if (unchanged(b, key, names, nnames, nfeeds)) {
            rc = 0;
            goto done;
        }
    }
    sorted = oc_xcalloc(nnames + 1, sizeof(*sorted));
    memcpy(sorted, names, nnames * sizeof(*names));
    qsort(sorted, nnames, sizeof(*sorted), cmp_name);
    if (render_files(b, out, &last_modified, err) != 0 ||
        (out != NULL &&
         (retire_feeds(b, out, err) != 0 || render_log(b, out, last_modified, &log, err) != 0)) ||
        render_page(b, page, page_path.data, out, last_modified, log, err) != 0 ||
        (out != NULL &&
         (remove_copies(b, out, sorted, nnames, err) != 0 || oc_out_commit(out, err) != 0)) ||
        (b->opts.mode == OC_BUILD_WRITE && save_state(b, out, key, names, nnames, err) != 0)) {
        goto done;
    }
    rc = 0;
done:
    oc_atom_free(log);
    oc_out_free(out);
    free(sorted);
    names_free(names, nnames);
    free(page);
    oc_buf_free(&page_path);
    return rc;
}

/* ---- what the build says -------------------------------------------------- */

static void files_text(const oc_build *b, oc_buf *out)
{
    const char *would = b->opts.mode == OC_BUILD_DRY_RUN ? "would be " : "";

    for (size_t i = 0; i < b->nfiles; i++) {
        const oc_build_file *f = &b->files[i];
        const char *line = f->report;

        if (f->retired) {
            oc_buf_printf(out, "%s: retired (not in the definition)\n", f->path);
            if (f->pruned) {
                oc_buf_printf(out, "  %sdeleted (--prune)\n", would);
            } else if (f->status != OC_OUT_UNCHANGED) {
                oc_buf_printf(out, "  %srewritten as a notice (%zu event%s cancelled)\n", would,
                              f->changed, f->changed == 1 ? "" : "s");
            }
        } else if (f->status == OC_OUT_UNCHANGED) {
            oc_buf_printf(out, "%s: unchanged\n", f->path);
        } else if (f->status == OC_OUT_REMOVED) {
            oc_buf_printf(out, "%s: %sremoved\n", f->path, would);
        } else if (!f->feed) {
            oc_buf_printf(out, "%s: %s%s\n", f->path, would,
                          f->status == OC_OUT_CREATED ? "created" : "updated");
        } else if (f->status == OC_OUT_CREATED) {
            oc_buf_printf(out, "%s: %screated (%zu events)\n", f->path, would, f->events);
        } else {
            oc_buf_printf(out, "%s: %supdated (%zu event%s changed)\n", f->path, would, f->changed,
                          f->changed == 1 ? "" : "s");
        }

        /* What changed, event by event, against the previous feed. */
        while (line != NULL && *line != '\0') {
            size_t len = strcspn(line, "\n");

            oc_buf_printf(out, "  %.*s\n", (int)len, line);
            line += len + (line[len] == '\n');
        }
    }
}

/* A check's lines for one definition: what it holds, how far an open-ended
 * rhythm runs, and what each feed gets. */
static void check_text(const oc_build *b, size_t c, oc_buf *out)
{
    const oc_build_summary *s = &b->summaries[c];
    const calendar *cal = &b->cals[c];
    const oc_sched *sched = cal->sched;
    char date[16], today[16];

    oc_buf_printf(out, "%s: ok (%zu sessions: %zu open, %zu closed; %zu feed%s)\n", s->path,
                  s->sessions, s->open, s->sessions - s->open, s->feeds, s->feeds == 1 ? "" : "s");
    if (sched->open_ended) {
        oc_buf_printf(
            out, "  rhythm[%zu] has no until: it runs to the horizon, %s (%d weeks after %s, UTC)",
            cal->def->period_count - 1, oc_day_text(sched->horizon, date), cal->def->horizon_weeks,
            oc_day_text(oc_day_floor(b->opts.now), today));
        if (sched->count > 0 &&
            sched->slots[sched->count - 1].period + 1 == cal->def->period_count) {
            oc_buf_printf(out, "; last session %s",
                          oc_day_text(sched->slots[sched->count - 1].first, date));
        } else {
            oc_buf_puts(out, "; no session of it yet");
        }
        oc_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < cal->def->feed_count && cal->first_file + i < b->nfiles; i++) {
        const oc_build_file *f = &b->files[cal->first_file + i];

        oc_buf_printf(out, "  %s.ics: %zu event%s\n", cal->def->feeds[i].id.value, f->events,
                      f->events == 1 ? "" : "s");
    }
}

void oc_build_text(const oc_build *b, oc_buf *out)
{
    if (b->opts.mode != OC_BUILD_CHECK) {
        files_text(b, out);
        return;
    }
    for (size_t i = 0; i < b->ncals; i++) {
        check_text(b, i, out);
    }
}
