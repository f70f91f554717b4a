/* SPDX-License-Identifier: Apache-2.0 */
/* ordercal: the command line (DESIGN §5). argv to options, options to a
 * build (src/build.c), the build's results to printed lines, its error to
 * an exit status. Nothing else lives here. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordercal/build.h"

enum { EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

enum { OPT_BASE_URL = 256, OPT_TEMPLATES, OPT_DRY_RUN, OPT_LOCK_TIMEOUT, OPT_STRICT };
enum { OPT_SITE_NAME = OPT_STRICT + 1, OPT_SITE_LANGUAGE, OPT_PRUNE };

struct oc_opts {
    const char *command;
    char **definitions; /* definitions and folders, in the order given */
    int ndefinitions;
    bool quiet, strict, dry_run;
    oc_build_opts build;
};

static const char usage_text[] =
    "Usage: ordercal build [DEFINITION...] [-o DIR] [--base-url URL] [--templates DIR]\n"
    "                      [--site-name NAME] [--site-language LANG]\n"
    "                      [--dry-run] [-q] [--strict] [--prune] [--lock-timeout SECONDS]\n"
    "       ordercal check [DEFINITION...] [--templates DIR] [--strict]\n"
    "       ordercal show  [DEFINITION...] [--templates DIR]\n"
    "       ordercal --help | --version\n"
    "\n"
    "Turns schedule definitions (YAML) into RFC 5545 .ics feeds and one index.html.\n"
    "A DEFINITION may be a folder: every *.yaml file in it, in name order. Without\n"
    "any, the shipped " OC_BUILD_DEFAULT " is used.\n"
    "\n"
    "Commands:\n"
    "  build   write DIR/<feed id>.ics for every feed and DIR/index.html\n"
    "  check   validate the definitions and their feeds; write nothing\n"
    "  show    print the computed schedule as a table\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR        output folder (default: out/)\n"
    "      --base-url URL      where DIR is published (default: calendar.base_url)\n"
    "      --templates DIR     event texts and page template (default: the installed ones)\n"
    "      --site-name NAME    the page's title (default: the first calendar's name)\n"
    "      --site-language L   the page's language (default: the first calendar's)\n"
    "      --dry-run           build and report, but write nothing\n"
    "      --prune             delete retired feeds (feeds of DIR no definition declares)\n"
    "  -q, --quiet             print errors only (no report, no warnings)\n"
    "      --strict            treat every warning as an error (nothing written)\n"
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
static int
usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("ordercal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'ordercal --help'.\n", stderr);
    return EXIT_USAGE;
}

static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ordercal: error: cannot write to standard output: %s\n", strerror(errno));
        return rc != 0 ? rc : EXIT_IO;
    }
    return rc;
}

/* The build's warnings, or errors under --strict. Returns how many errors. */
static size_t print_warnings(const struct oc_opts *o, const oc_build *b)
{
    size_t n;
    const oc_build_warning *w = oc_build_warnings(b, &n);

    for (size_t i = 0; i < n && (!o->quiet || o->strict); i++) {
        oc_warning_print(stderr, w[i].file, w[i].pos, w[i].text, o->strict);
    }
    return o->strict ? n : 0;
}

/* Runs the command on the parsed options; returns the exit status. */
static int run(struct oc_opts *o)
{
    oc_build *b = oc_build_new(&o->build);
    oc_buf text = {0};
    oc_error err;
    int rc = 0, added = 0;

    oc_error_init(&err);
    if (o->ndefinitions == 0) {
        added = oc_build_add(b, NULL, &err); /* the shipped definition */
    }
    for (int i = 0; i < o->ndefinitions && added == 0; i++) {
        added = oc_build_add(b, o->definitions[i], &err);
    }
    if (print_warnings(o, b) > 0) {
        rc = EXIT_INVALID;
    } else if (added != 0) {
        rc = oc_error_report(&err, stderr);
    } else if (strcmp(o->command, "show") == 0) {
        rc = oc_build_show(b, &text, &err) != 0 ? oc_error_report(&err, stderr) : 0;
        fputs(text.data != NULL ? text.data : "", stdout);
    } else if (oc_build_run(b, &err) != 0) {
        rc = oc_error_report(&err, stderr);
    } else if (!o->quiet) {
        oc_build_text(b, &text);
        fputs(text.data != NULL ? text.data : "", stdout);
    }
    oc_buf_free(&text);
    oc_build_free(b);
    return rc;
}

/* argv into 'o'; returns -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct oc_opts *o)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"base-url", required_argument, NULL, OPT_BASE_URL},
        {"templates", required_argument, NULL, OPT_TEMPLATES},
        {"site-name", required_argument, NULL, OPT_SITE_NAME},
        {"site-language", required_argument, NULL, OPT_SITE_LANGUAGE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"prune", no_argument, NULL, OPT_PRUNE},
        {"quiet", no_argument, NULL, 'q'},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    char *end = NULL;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->build.output = optarg;
            break;
        case OPT_BASE_URL:
            if (!oc_url_valid(optarg)) {
                return usage_error("invalid --base-url '%s' (an http:// or https:// URL)", optarg);
            }
            o->build.base_url = optarg;
            break;
        case OPT_TEMPLATES:
            o->build.templates = optarg;
            break;
        case OPT_SITE_NAME:
            o->build.site_name = optarg;
            break;
        case OPT_SITE_LANGUAGE:
            o->build.site_language = optarg;
            break;
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_PRUNE:
            o->build.prune = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case OPT_STRICT:
            o->strict = true;
            break;
        case OPT_LOCK_TIMEOUT:
            o->build.lock_timeout = strtod(optarg, &end);
            if (end == optarg || *end != '\0' ||
                !(o->build.lock_timeout >= 0 && o->build.lock_timeout <= 86400)) {
                return usage_error("invalid --lock-timeout '%s' (seconds, 0 to 86400)", optarg);
            }
            break;
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
    o->command = argv[optind++];
    if (strcmp(o->command, "build") != 0 && strcmp(o->command, "check") != 0 &&
        strcmp(o->command, "show") != 0) {
        return usage_error("unknown command '%s' (expected build, check or show)", o->command);
    }
    o->definitions = argv + optind;
    o->ndefinitions = argc - optind;
    if (o->build.output[0] == '\0') {
        return usage_error("%s", "the output folder is empty");
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct oc_opts o = {.build = {OC_BUILD_WRITE, "out", NULL, NULL, 30.0, 0, true, NULL, NULL}};
    char *base_url = NULL;
    oc_error err;
    int rc = parse(argc, argv, &o);

    oc_error_init(&err);
    if (rc >= 0) {
        return rc;
    }
    if ((o.build.now = oc_source_date(&err)) < 0) {
        rc = usage_error("%s", err.text);
    } else {
        if (o.build.base_url != NULL) {
            o.build.base_url = base_url = oc_url_folder(o.build.base_url);
        }
        o.build.mode = strcmp(o.command, "check") == 0 ? OC_BUILD_CHECK
                       : o.dry_run                     ? OC_BUILD_DRY_RUN
                                                       : OC_BUILD_WRITE;
        rc = run(&o);
    }
    free(base_url);
    return finish_stdout(rc);
}
