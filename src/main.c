/* SPDX-License-Identifier: Apache-2.0 */
/* ordercal: the command line (DESIGN §5). Parses argv, runs the stages
 * def -> sched -> event -> ics/html -> out, prints one line per file or one
 * diagnostic, and maps errors to exit statuses. Nothing else lives here. */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/html.h"
#include "ordercal/ics.h"
#include "ordercal/out.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"

#ifndef OC_VERSION
#define OC_VERSION "0"
#endif

#define DEFAULT_DEFINITION "dgs-urgent-2023-11.yaml"

enum { EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_IO = 3, EXIT_INTERNAL = 4 };

enum { OPT_BASE_URL = 256, OPT_TEMPLATES, OPT_DRY_RUN, OPT_LOCK_TIMEOUT, OPT_STRICT };

struct oc_opts {
    const char *command;
    const char *definition;
    const char *output;
    const char *base_url;
    const char *templates;
    bool dry_run;
    bool quiet;
    bool strict;
    double lock_timeout;
};

static const char usage_text[] =
    "Usage: ordercal build [DEFINITION] [-o DIR] [--base-url URL] [--templates DIR]\n"
    "                      [--dry-run] [-q] [--strict] [--lock-timeout SECONDS]\n"
    "       ordercal check [DEFINITION] [--templates DIR] [--strict]\n"
    "       ordercal show  [DEFINITION] [--templates DIR]\n"
    "       ordercal --help | --version\n"
    "\n"
    "Turns a schedule definition (YAML) into RFC 5545 .ics feeds and an index.html.\n"
    "Without DEFINITION, the shipped schedules/" DEFAULT_DEFINITION " is used.\n"
    "\n"
    "Commands:\n"
    "  build   write DIR/<feed id>.ics for every feed and DIR/index.html\n"
    "  check   validate the definition and its feeds; write nothing\n"
    "  show    print the computed schedule as a table\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR        output folder (default: out/)\n"
    "      --base-url URL      where DIR is published (default: calendar.base_url)\n"
    "      --templates DIR     event texts and page template (default: the installed ones)\n"
    "      --dry-run           build and report, but write nothing\n"
    "  -q, --quiet             print errors only (no report, no warnings)\n"
    "      --strict            treat warnings (public holidays) as errors\n"
    "      --lock-timeout S    wait at most S seconds for another run (default: 30)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Environment: SOURCE_DATE_EPOCH fixes \"now\" (DTSTAMP of changed events, horizon).\n"
    "\n"
    "Exit status: 0 success; 1 invalid definition (nothing written); 2 usage error;\n"
    "3 I/O error (unreadable input, unwritable output, lock held too long);\n"
    "4 internal error (libical refused our output, a broken invariant).\n";

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("ordercal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'ordercal --help'.\n", stderr);
    return EXIT_USAGE;
}

static int exit_code(const oc_error *err)
{
    switch (err->code) {
    case OC_OK:
        return 0;
    case OC_E_SYNTAX:
    case OC_E_SCHEMA:
    case OC_E_VALUE:
        return EXIT_INVALID;
    case OC_E_IO:
    case OC_E_LOCKED:
        return EXIT_IO;
    default:
        return EXIT_INTERNAL;
    }
}

static int report(const oc_error *err)
{
    oc_error_print(err, stderr);
    return exit_code(err);
}

static bool is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder of the running binary, so that the tool works from any working
 * directory: installed data sits in ../share/ordercal beside it. */
static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    char *slash;

    if (n <= 0) {
        return NULL;
    }
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (slash == NULL) {
        return NULL;
    }
    *slash = '\0';
    return oc_xstrdup(buf);
}

/* Finds 'rel' (a file or folder) in the installed share folder or, for a
 * binary run from its build tree, in the source tree. Returns a new string or NULL. */
static char *find_data(const char *rel, bool dir)
{
    char *exe = exe_dir();
    oc_buf b = {0};
    const char *candidates[2];

    candidates[0] = exe != NULL ? exe : ".";
#ifdef OC_SOURCE_DIR
    candidates[1] = OC_SOURCE_DIR;
#else
    candidates[1] = NULL;
#endif
    oc_buf_printf(&b, "%s/../" OC_DATADIR_REL "/%s", candidates[0], rel);
    if (exe != NULL && (dir ? is_dir(b.data) : is_file(b.data))) {
        free(exe);
        return oc_buf_detach(&b);
    }
    free(exe);
    if (candidates[1] != NULL) {
        oc_buf_reset(&b);
        oc_buf_printf(&b, "%s/%s", candidates[1], rel);
        if (dir ? is_dir(b.data) : is_file(b.data)) {
            return oc_buf_detach(&b);
        }
    }
    oc_buf_free(&b);
    return NULL;
}

static int64_t current_time(oc_error *err)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    long long v;

    if (sde == NULL || sde[0] == '\0') {
        return (int64_t)time(NULL);
    }
    errno = 0;
    v = strtoll(sde, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 18303062400LL - 1) {
        oc_error_set(err, OC_E_VALUE, NULL, (oc_pos){0, 0},
                     "SOURCE_DATE_EPOCH must be seconds since 1970 before 2550, got '%s'", sde);
        return -1;
    }
    return (int64_t)v;
}

/* ---- build ------------------------------------------------------------- */

typedef struct {
    oc_out *out; /* NULL in a dry run */
    int index;
    bool discard;  /* check: the bytes only go through the publish gate */
    oc_buf memory; /* dry run: the bytes, to compare with the file */
} sink_ctx;

static int sink_write(void *ctx, const char *data, size_t len, oc_error *err)
{
    sink_ctx *s = ctx;

    if (s->discard) {
        return 0;
    }
    if (s->out == NULL) {
        oc_buf_add(&s->memory, data, len);
        return 0;
    }
    return oc_out_write(s->out, s->index, data, len, err);
}

static oc_out_status dry_status(const char *path, const oc_buf *bytes)
{
    oc_buf old = {0};
    oc_error ignored;
    oc_out_status st;

    oc_error_init(&ignored);
    if (oc_file_read(path, bytes->len, &old, &ignored) < 0) {
        st = OC_OUT_CREATED;
    } else {
        st = old.len == bytes->len && (old.len == 0 || memcmp(old.data, bytes->data, old.len) == 0)
                 ? OC_OUT_UNCHANGED
                 : OC_OUT_UPDATED;
    }
    oc_buf_free(&old);
    return st;
}

static void print_status(const char *path, oc_out_status st, const oc_ics_stats *stats,
                         bool dry_run)
{
    const char *would = dry_run ? "would be " : "";

    if (st == OC_OUT_UNCHANGED) {
        printf("%s: unchanged\n", path);
    } else if (stats == NULL) {
        printf("%s: %s%s\n", path, would, st == OC_OUT_CREATED ? "created" : "updated");
    } else if (st == OC_OUT_CREATED) {
        printf("%s: %screated (%zu events)\n", path, would, stats->events);
    } else {
        size_t n = stats->added + stats->changed + stats->removed;

        printf("%s: %supdated (%zu event%s changed)\n", path, would, n, n == 1 ? "" : "s");
    }
}

static int run_build(const struct oc_opts *o, const oc_def *def, const oc_sched *sched,
                     const char *templates, int64_t now, bool write, oc_error *err)
{
    oc_out *out = NULL;
    oc_ics_stats *stats = oc_xcalloc(def->feed_count, sizeof(*stats));
    oc_buf *reports = oc_xcalloc(def->feed_count, sizeof(*reports));
    sink_ctx *sinks = oc_xcalloc(def->feed_count + 1, sizeof(*sinks));
    oc_eventer **evs = oc_xcalloc(def->feed_count, sizeof(*evs));
    const oc_sched no_slots = {NULL, 0, 0};
    oc_tmpl *page_tmpl = NULL;
    oc_buf page = {0}, path = {0};
    const char *base_url = o->base_url != NULL ? o->base_url : def->base_url.value;
    oc_ics_opts iopts = {base_url, now};
    int rc = -1;

    /* Everything that can find the definition wrong (a language without
     * templates) runs before the output folder is touched, lock included. */
    for (size_t i = 0; i < def->feed_count; i++) {
        evs[i] = oc_eventer_new(def, &def->feeds[i], templates, err);
        if (evs[i] == NULL) {
            goto done;
        }
    }
    /* The page template is checked here on an empty schedule (its table
     * and grid are made once, below, when the feeds' dates are known). */
    page_tmpl = oc_tmpl_load(templates, def->language.value, err);
    if (page_tmpl == NULL ||
        oc_html_render(def, &no_slots, page_tmpl, templates, base_url, 0, &page, err) != 0) {
        goto done;
    }
    if (write && !o->dry_run) {
        out = oc_out_open(o->output, o->lock_timeout, err);
        if (out == NULL) {
            goto done;
        }
    }
    for (size_t i = 0; i < def->feed_count; i++) {
        const oc_def_feed *feed = &def->feeds[i];
        oc_ics_prev *prev = NULL;
        int r;

        oc_buf_reset(&path);
        oc_buf_printf(&path, "%s/%s.ics", o->output, feed->id.value);
        if (write) {
            prev = oc_ics_prev_load(path.data, err);
            if (prev == NULL) {
                goto done;
            }
        }
        sinks[i].out = out;
        sinks[i].discard = !write;
        stats[i].report = write ? &reports[i] : NULL;
        if (out != NULL) {
            sinks[i].index = oc_out_begin(out, strrchr(path.data, '/') + 1, err);
            if (sinks[i].index < 0) {
                oc_ics_prev_free(prev);
                goto done;
            }
        }
        r = oc_ics_render(def, feed, sched, evs[i], prev, &iopts, sink_write, &sinks[i],
                          &stats[i], err);
        oc_ics_prev_free(prev);
        if (r != 0 || (out != NULL && oc_out_finish(out, sinks[i].index, err) != 0)) {
            goto done;
        }
    }
    {
        /* The page says when the schedule last changed: the newest
         * LAST-MODIFIED, so that it too stays byte-identical. */
        int64_t last_modified = 0;

        for (size_t i = 0; i < def->feed_count; i++) {
            if (stats[i].last_modified > last_modified) {
                last_modified = stats[i].last_modified;
            }
        }
        oc_buf_reset(&page);
        if (oc_html_render(def, sched, page_tmpl, templates, base_url, last_modified, &page,
                           err) != 0) {
            goto done;
        }
    }
    if (out != NULL) {
        int idx = oc_out_begin(out, "index.html", err);

        if (idx < 0 || oc_out_write(out, idx, page.data, page.len, err) != 0 ||
            oc_out_finish(out, idx, err) != 0) {
            goto done;
        }
        if (oc_out_commit(out, err) != 0) {
            goto done;
        }
    }
    if (write && !o->quiet) {
        for (size_t i = 0; i < def->feed_count; i++) {
            oc_buf_reset(&path);
            oc_buf_printf(&path, "%s/%s.ics", o->output, def->feeds[i].id.value);
            print_status(path.data,
                         out != NULL ? oc_out_status_of(out, (int)i)
                                     : dry_status(path.data, &sinks[i].memory),
                         &stats[i], out == NULL);

            /* What changed, event by event, against the previous feed. */
            if (reports[i].len != 0) {
                const char *line = reports[i].data;

                while (*line != '\0') {
                    size_t n = strcspn(line, "\n");

                    printf("  %.*s\n", (int)n, line);
                    line += n + (line[n] == '\n');
                }
            }
        }
        oc_buf_reset(&path);
        oc_buf_printf(&path, "%s/index.html", o->output);
        print_status(path.data,
                     out != NULL ? oc_out_status_of(out, (int)def->feed_count)
                                 : dry_status(path.data, &page),
                     NULL, out == NULL);
    }
    rc = 0;
done:
    if (out != NULL) {
        oc_out_free(out);
    }
    for (size_t i = 0; i <= def->feed_count; i++) {
        oc_buf_free(&sinks[i].memory);
    }
    for (size_t i = 0; i < def->feed_count; i++) {
        oc_eventer_free(evs[i]);
    }
    free(evs);
    for (size_t i = 0; i < def->feed_count; i++) {
        oc_buf_free(&reports[i]);
    }
    free(reports);
    free(sinks);
    free(stats);
    oc_tmpl_free(page_tmpl);
    oc_buf_free(&page);
    oc_buf_free(&path);
    return rc;
}

/* ---- holidays ------------------------------------------------------------ */

/* A holiday's name from the templates of 'language', or its key. */
static const char *holiday_name(const oc_tmpl *t, const char *key, char *buf, size_t size)
{
    const char *name;

    snprintf(buf, size, "holiday.%s", key);
    name = t != NULL ? oc_tmpl_get(t, buf) : NULL;
    snprintf(buf, size, "%s", name != NULL ? name : key);
    return buf;
}

/* One warning per day of an open session, confirmation, delivery or
 * appointments marker that falls on a public holiday, at the rhythm period
 * or exception that produced it; errors under --strict. Returns the
 * number of errors. */
static int warn_holidays(const struct oc_opts *o, const oc_def *def, const oc_sched *sched,
                         const char *templates)
{
    oc_clash *clashes = NULL;
    size_t n = oc_sched_clashes(def, sched, &clashes);
    oc_tmpl *en = NULL, *local = NULL;
    oc_error ignored;

    if (n == 0 || (o->quiet && !o->strict)) {
        free(clashes);
        return 0;
    }

    /* Maintainers read English messages; the calendar's own word follows. */
    oc_error_init(&ignored);
    en = oc_tmpl_load(templates, "en", &ignored);
    oc_error_init(&ignored);
    local = oc_tmpl_load(templates, def->language.value, &ignored);
    for (size_t i = 0; i < n; i++) {
        const oc_clash *c = &clashes[i];
        oc_date d = oc_date_from_day(c->day);
        char a[128], b[128], text[512];

        holiday_name(en, c->key, a, sizeof(a));
        holiday_name(local, c->key, b, sizeof(b));
        if (strcmp(a, b) == 0) {
            snprintf(text, sizeof(text), "%s %04d-%02d-%02d falls on %s",
                     oc_kind_name(c->kind), d.year, d.month, d.day, a);
        } else {
            snprintf(text, sizeof(text), "%s %04d-%02d-%02d falls on %s (%s)",
                     oc_kind_name(c->kind), d.year, d.month, d.day, a, b);
        }
        if (o->strict) {
            oc_error e;

            oc_error_init(&e);
            oc_error_set(&e, OC_E_VALUE, def->path, c->pos, "%s", text);
            oc_error_print(&e, stderr);
        } else {
            oc_warning_print(stderr, def->path, c->pos, text);
        }
    }
    oc_tmpl_free(en);
    oc_tmpl_free(local);
    free(clashes);
    return o->strict ? (int)n : 0;
}

/* ---- show -------------------------------------------------------------- */

static size_t width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++) {
        w += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return w;
}

static void cell(const char *s, size_t w, bool last)
{
    fputs(s, stdout);
    if (!last) {
        for (size_t i = width(s); i < w + 2; i++) {
            putchar(' ');
        }
    }
}

static int run_show(const oc_def *def, const oc_sched *sched, const char *templates,
                    oc_error *err)
{
    oc_tmpl *t = oc_tmpl_load(templates, def->language.value, err);
    oc_buf *cells = NULL;
    size_t rows = sched->count + 1, w[4] = {0, 0, 0, 0};
    int rc = -1;

    if (t == NULL) {
        return -1;
    }
    cells = oc_xcalloc(rows * 4, sizeof(*cells));
    oc_buf_puts(&cells[0], oc_tmpl_get(t, "show.session"));
    oc_buf_puts(&cells[1], oc_tmpl_get(t, "show.state"));
    oc_buf_puts(&cells[2], oc_tmpl_get(t, "show.delivery"));
    oc_buf_puts(&cells[3], oc_tmpl_get(t, "show.confirmation"));
    for (size_t i = 0; i < sched->count; i++) {
        const oc_slot *s = &sched->slots[i];
        oc_buf *row = &cells[(i + 1) * 4];

        if (oc_tmpl_span_short(t, s->first, s->last, &row[0], err) != 0) {
            goto done;
        }
        oc_buf_puts(&row[1], oc_tmpl_get(t, s->open ? "state.open" : "state.closed"));
        if (s->open) {
            oc_buf date = {0}, time = {0};
            int r;

            r = oc_tmpl_span_short(t, s->delivery_first, s->delivery_last, &row[2], err);
            if (r == 0) {
                r = oc_tmpl_date(t, s->confirmation, &date, err);
            }
            if (r == 0) {
                r = oc_tmpl_time(t, def->confirmation_minutes, &time, err);
            }
            if (r == 0) {
                oc_var v[] = {{"date", date.data}, {"time", time.data}};

                r = oc_tmpl_expand(t, "datetime", v, 2, &row[3], err);
            }
            oc_buf_free(&date);
            oc_buf_free(&time);
            if (r != 0) {
                goto done;
            }
        }
        if (s->note != NULL) {
            oc_buf_printf(&row[1], " (%s)", s->note);
        }
    }
    for (size_t i = 0; i < rows * 4; i++) {
        size_t cw = width(cells[i].data != NULL ? cells[i].data : "");

        if (cw > w[i % 4]) {
            w[i % 4] = cw;
        }
    }
    for (size_t r = 0; r < rows; r++) {
        size_t last = 0;

        /* No padding after the last cell that has text. */
        for (size_t c = 0; c < 4; c++) {
            if (cells[r * 4 + c].len != 0) {
                last = c;
            }
        }
        for (size_t c = 0; c <= last; c++) {
            cell(cells[r * 4 + c].data != NULL ? cells[r * 4 + c].data : "", w[c], c == last);
        }
        putchar('\n');
    }
    rc = 0;
done:
    for (size_t i = 0; i < rows * 4; i++) {
        oc_buf_free(&cells[i]);
    }
    free(cells);
    oc_tmpl_free(t);
    return rc;
}

/* ---- main -------------------------------------------------------------- */

static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ordercal: error: cannot write to standard output: %s\n",
                strerror(errno));
        return rc != 0 ? rc : EXIT_IO;
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"base-url", required_argument, NULL, OPT_BASE_URL},
        {"templates", required_argument, NULL, OPT_TEMPLATES},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"quiet", no_argument, NULL, 'q'},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    struct oc_opts o = {NULL, NULL, "out", NULL, NULL, false, false, false, 30.0};
    char *definition = NULL, *templates = NULL, *base_url = NULL;
    oc_def *def = NULL;
    oc_sched *sched = NULL;
    oc_error err;
    int64_t now;
    int c, rc = 0;

    oc_error_init(&err);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.output = optarg;
            break;
        case OPT_BASE_URL:
            o.base_url = optarg;
            break;
        case OPT_TEMPLATES:
            o.templates = optarg;
            break;
        case OPT_DRY_RUN:
            o.dry_run = true;
            break;
        case 'q':
            o.quiet = true;
            break;
        case OPT_STRICT:
            o.strict = true;
            break;
        case OPT_LOCK_TIMEOUT: {
            char *end = NULL;

            o.lock_timeout = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o.lock_timeout >= 0 && o.lock_timeout <= 86400)) {
                return usage_error("invalid --lock-timeout '%s' (seconds, 0 to 86400)", optarg);
            }
            break;
        }
        case 'h':
            fputs(usage_text, stdout);
            return finish_stdout(0);
        case 'V':
            printf("ordercal %s\n", OC_VERSION);
            return finish_stdout(0);
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return usage_error("%s", "missing command (build, check or show)");
    }
    o.command = argv[optind++];
    if (strcmp(o.command, "build") != 0 && strcmp(o.command, "check") != 0 &&
        strcmp(o.command, "show") != 0) {
        return usage_error("unknown command '%s' (expected build, check or show)", o.command);
    }
    if (optind < argc) {
        o.definition = argv[optind++];
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (o.output[0] == '\0') {
        return usage_error("%s", "the output folder is empty");
    }
    if (o.base_url != NULL) {
        size_t n = strlen(o.base_url);

        if (!oc_url_valid(o.base_url)) {
            return usage_error("invalid --base-url '%s' (an http:// or https:// URL)",
                               o.base_url);
        }
        base_url = oc_xmalloc(n + 2);
        memcpy(base_url, o.base_url, n + 1);
        if (n == 0 || base_url[n - 1] != '/') {
            base_url[n] = '/';
            base_url[n + 1] = '\0';
        }
        o.base_url = base_url;
    }
    if (o.definition == NULL) {
        /* The shipped default: the current folder's copy when run from a
         * checkout, else the installed one. */
        if (is_file("schedules/" DEFAULT_DEFINITION)) {
            definition = oc_xstrdup("schedules/" DEFAULT_DEFINITION);
        } else {
            definition = find_data("schedules/" DEFAULT_DEFINITION, false);
        }
        if (definition == NULL) {
            fputs("ordercal: error: the default definition schedules/" DEFAULT_DEFINITION
                  " is not installed; name a definition\n",
                  stderr);
            rc = EXIT_IO;
            goto done;
        }
        o.definition = definition;
    }
    if (o.templates == NULL) {
        templates = find_data("templates", true);
        if (templates == NULL) {
            fputs("ordercal: error: cannot find the templates folder; use --templates DIR\n",
                  stderr);
            rc = EXIT_IO;
            goto done;
        }
        o.templates = templates;
    }
    now = current_time(&err);
    if (now < 0) {
        rc = usage_error("%s", err.text);
        goto done;
    }
    def = oc_def_load_file(o.definition, &err);
    if (def == NULL) {
        rc = report(&err);
        goto done;
    }
    sched = oc_sched_expand(def, now, &err);
    if (sched == NULL) {
        rc = report(&err);
        goto done;
    }
    if (warn_holidays(&o, def, sched, o.templates) != 0) {
        rc = EXIT_INVALID;
        goto done;
    }
    if (strcmp(o.command, "show") == 0) {
        if (run_show(def, sched, o.templates, &err) != 0) {
            rc = report(&err);
        }
    } else if (strcmp(o.command, "check") == 0) {
        if (run_build(&o, def, sched, o.templates, now, false, &err) != 0) {
            rc = report(&err);
        } else if (!o.quiet) {
            printf("%s: ok (%zu sessions: %zu open, %zu closed; %zu feed%s)\n", o.definition,
                   sched->count, sched->open_count, sched->count - sched->open_count,
                   def->feed_count, def->feed_count == 1 ? "" : "s");
        }
    } else if (run_build(&o, def, sched, o.templates, now, true, &err) != 0) {
        rc = report(&err);
    }
done:
    oc_sched_free(sched);
    oc_def_free(def);
    free(definition);
    free(templates);
    free(base_url);
    return finish_stdout(rc);
}
