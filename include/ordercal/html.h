/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_HTML_H
#define OC_HTML_H

#include <stdint.h>

#include "ordercal/atom.h"
#include "ordercal/def.h"
#include "ordercal/sched.h"
#include "ordercal/table.h"
#include "ordercal/tmpl.h"
#include "ordercal/util.h"

/* What the page is made of; every pointer is borrowed. */
typedef struct {
    const oc_def *def;
    const oc_sched *sched;
    const oc_table *table;        /* the schedule's rows, in the calendar's language */
    const oc_tmpl *tmpl;          /* the calendar's language */
    const char *page;             /* the text of the page template (templates/index.html) */
    const char *page_path;        /* its file, for messages */
    const char *base_url;         /* where the feeds are published, ending in '/'; NULL: relative */
    int64_t last_modified;        /* newest LAST-MODIFIED of the feeds; 0 when unknown */
    const oc_atom_entry *changes; /* the change log's entries, most recent first */
    size_t nchanges;
} oc_html_input;

/* Renders the page that publishes the feeds of 'in->def': per feed its
 * https, webcal, Google and Outlook.com links and a QR code of the webcal
 * URL; the schedule as the bulletin's table; a month grid. 'last_modified'
 * dates the page, so that it changes only when the schedule does. Every
 * text from the definition is HTML-escaped; nothing is read from disk.
 * Appends to 'out'; returns 0, or -1 with 'err' set. */
int oc_html_render(const oc_html_input *in, oc_buf *out, oc_error *err);

/* Checks the page template 'page' (from 'path'): its feed block and its
 * variables. Returns 0, or -1 with 'err' set (OC_E_VALUE, 'path'). */
int oc_html_check(const char *page, const char *path, oc_error *err);

/* Appends 'text' with & < > " ' escaped. */
void oc_html_escape(oc_buf *out, const char *text);

/* Appends 'text' percent-encoded for a URL query (RFC 3986: all but unreserved). */
void oc_url_encode(oc_buf *out, const char *text);

/* Appends an SVG image of the QR code of 'text' (libqrencode, level M).
 * Returns 0, or -1 when 'text' cannot be encoded. */
int oc_html_qr_svg(oc_buf *out, const char *text, const char *label);

/* The most entries of the change log the page shows. */
#define OC_HTML_MAX_CHANGES 5

/* The most months the page's grid shows. */
#define OC_HTML_MAX_MONTHS 36

#endif
