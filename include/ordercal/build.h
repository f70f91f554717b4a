/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_BUILD_H
#define OC_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/diag.h"
#include "ordercal/out.h"
#include "ordercal/util.h"

/* The library's orchestration: definitions in, files out (DESIGN §4, §5).
 * A build reads each zone and each language's templates once, expands every
 * definition it is given, renders their feeds through the publish gate and
 * the one page of them all, and commits every file at once. Nothing here
 * prints. */

/* The shipped definition a build without any uses. */
#define OC_BUILD_DEFAULT "schedules/dgs-urgent-2023-11.yaml"

typedef enum {
    OC_BUILD_CHECK,   /* render through the gate; no output folder at all */
    OC_BUILD_DRY_RUN, /* compare with the output folder; write nothing, take no lock */
    OC_BUILD_WRITE    /* write, commit */
} oc_build_mode;

typedef struct {
    oc_build_mode mode;
    const char *output;        /* the output folder */
    const char *base_url;      /* --base-url, ending in '/'; NULL: each definition's own */
    const char *templates;     /* the templates folder; NULL: the installed one */
    double lock_timeout;       /* seconds */
    int64_t now;               /* "now": DTSTAMP of changed events, the horizon */
    bool reports;              /* collect each feed's change report */
    const char *site_name;     /* --site-name: the page's title; NULL: the first calendar's */
    const char *site_language; /* --site-language: the page's; NULL: the first calendar's */
    bool prune;                /* delete retired feeds (never without it) */
} oc_build_opts;

/* A warning about a definition (README: the warnings): an event on a
 * public holiday, an exception past the horizon, a period that yields no
 * slot, a time the clocks skip or repeat, a feed that gets no event. */
typedef struct {
    const char *file;
    oc_pos pos;
    char *text; /* "delivery 2024-05-09 falls on Ascension Day (jeudi de l'Ascension)" */
} oc_build_warning;

/* What the build did to one file of the output folder. */
typedef struct {
    char *path; /* "<output>/<name>", "<output>/events/<name>" for a copy */
    oc_out_status status;
    bool feed;      /* a feed (the counts below apply), else a copy or the page */
    size_t events;  /* events in the feed */
    size_t changed; /* added, changed and removed events */
    char *report;   /* the change report, lines ending in '\n'; NULL when empty */
    bool retired;   /* a feed of ours no definition of the run declares */
    bool pruned;    /* deleted (--prune) */
    char *name;     /* a retired feed: its calendar name */
} oc_build_file;

/* What one definition holds, for `check`. */
typedef struct {
    const char *path;
    size_t sessions, open, feeds;
} oc_build_summary;

typedef struct oc_build oc_build;

/* 'opts' is copied; its strings are borrowed and must outlive the build,
 * which the caller frees with oc_build_free(). */
oc_build *oc_build_new(const oc_build_opts *opts);
void oc_build_free(oc_build *b); /* accepts NULL */

/* Reads the definition at 'path', expands it and checks that the templates
 * of its languages exist. A folder stands for every "*.yaml" file in it, in
 * name order (none is an error); NULL for OC_BUILD_DEFAULT, the current
 * folder's copy when there is one, else the installed one. Definitions are
 * published together, in the order added: a calendar id or a feed id that
 * an earlier definition declared is an error at both positions. Warnings
 * are collected even when it fails. Returns 0, or -1 with 'err' set
 * (OC_E_SYNTAX, OC_E_SCHEMA or OC_E_VALUE for the definition; OC_E_IO for
 * files). */
int oc_build_add(oc_build *b, const char *path, oc_error *err);

/* True when a definition added to 'b' declares the feed 'id' ("x" for
 * x.ics): a feed of the output folder that none declares is not the run's. */
bool oc_build_declares(const oc_build *b, const char *id);

/* The warnings collected so far: each definition's in the order of their
 * positions in it (at one position, in schedule order). Borrowed. */
const oc_build_warning *oc_build_warnings(const oc_build *b, size_t *count);

/* Appends the schedule of every definition as `ordercal show` prints it:
 * one table per definition, each headed by its calendar's name and
 * separated by a blank line when there are several. Returns 0, or -1 with
 * 'err' set. */
int oc_build_show(oc_build *b, oc_buf *out, oc_error *err);

/* Renders every feed, the copies of the confirmations near the build's day
 * (events/, see copy.h) and the one page of every calendar, as the mode
 * says, and removes the copies ordercal wrote whose row is gone. Nothing
 * in the output folder changes unless every file was rendered and passed
 * the gate. Returns 0, or -1 with 'err' set (OC_E_USAGE for an invalid site
 * name or language, before anything else). */
int oc_build_run(oc_build *b, oc_error *err);

/* After oc_build_run(): the files, feeds first in definition order, then the
 * copies, the page and the copies removed. Borrowed. */
const oc_build_file *oc_build_files(const oc_build *b, size_t *count);

/* The definitions added, for `check`. Borrowed. */
const oc_build_summary *oc_build_summaries(const oc_build *b, size_t *count);

/* Appends what a user reads after oc_build_run(): for a check, per
 * definition "x.yaml: ok (13 sessions: 8 open, 5 closed; 3 feeds)", then how
 * far an open-ended rhythm runs and one line per feed ("  x.ics: 37 events"); else
 * one line per file ("out/x.ics: updated (2 events changed)", "... would be
 * created (37 events)", "... unchanged", "out/events/x-20230719.ics:
 * removed"), each feed's change report below it. */
void oc_build_text(const oc_build *b, oc_buf *out);

#endif
