/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_HTML_H
#define OC_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/atom.h"
#include "ordercal/copy.h"
#include "ordercal/def.h"
#include "ordercal/sched.h"
#include "ordercal/table.h"
#include "ordercal/tmpl.h"
#include "ordercal/util.h"

/* One calendar of the page; every pointer is borrowed. */
typedef struct {
    const oc_def *def;
    const oc_sched *sched;
    const oc_table *table; /* the schedule's rows, in the calendar's language */
    const oc_tmpl *tmpl;   /* the calendar's language */
    const char *base_url;  /* where its feeds are published, ending in '/'; NULL: relative */
    const oc_copies
        *copies; /* rendered copies of its confirmations (their rows' links); NULL: none */
} oc_html_calendar;

/* What the page is made of; every pointer is borrowed. */
typedef struct {
    const oc_html_calendar *calendars; /* at least one, in the order given */
    size_t count;
    const char *site_name;        /* the page's title; NULL: the first calendar's name */
    const char *site_language;    /* the page's language; NULL: the first calendar's */
    const oc_tmpl *site_tmpl;     /* the texts of 'site_language'; NULL: the first calendar's */
    const char *page;             /* the text of the page template (templates/index.html) */
    const char *page_path;        /* its file, for messages */
    int64_t last_modified;        /* newest LAST-MODIFIED of the feeds; 0 when unknown */
    const oc_atom_entry *changes; /* the change log's entries, most recent first */
    size_t nchanges;
} oc_html_input;

/* The page has the site layout (a header with the site's title and date,
 * a table of contents when there are several calendars, a section per
 * calendar) when it has several calendars or a site name or language is
 * given; else it is the one calendar's page. */
bool oc_html_site_layout(size_t count, const char *site_name, const char *site_language);

/* Renders the page that publishes the feeds of every calendar, in order:
 * its name, description and reference; per feed its https, webcal, Google
 * and Outlook.com links and a QR code of the webcal URL; the schedule as
 * the bulletin's table; a month grid. 'last_modified' dates the page, so
 * that it changes only when a schedule does. Every text from a definition
 * is HTML-escaped; nothing is read from disk. Appends to 'out'; returns 0,
 * or -1 with 'err' set. */
int oc_html_render(const oc_html_input *in, oc_buf *out, oc_error *err);

/* Checks the page template 'page' (from 'path') for a page of the given
 * layout: its blocks and its variables. Returns 0, or -1 with 'err' set
 * (OC_E_VALUE, 'path'). */
int oc_html_check(const char *page, const char *path, bool site, oc_error *err);

/* Appends 'text' with & < > " ' escaped. */
void oc_html_escape(oc_buf *out, const char *text);

/* Appends 'text' percent-encoded for a URL query (RFC 3986: all but unreserved). */
void oc_url_encode(oc_buf *out, const char *text);

/* Appends an SVG image of the QR code of 'text' (libqrencode, level M).
 * Returns 0, or -1 when 'text' cannot be encoded. */
int oc_html_qr_svg(oc_buf *out, const char *text, const char *label);

/* The most months the page's grid shows. */
#define OC_HTML_MAX_MONTHS 36

/* The most entries of the change log the page shows. */
#define OC_HTML_MAX_CHANGES 5

#endif
