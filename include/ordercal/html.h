/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_HTML_H
#define OC_HTML_H

#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/util.h"

/* Renders the page that publishes the feeds of 'def' from
 * '<templates_dir>/index.html', in the calendar's language ('tmpl'): per
 * feed its https, webcal, Google and Outlook.com links and a QR code of the
 * webcal URL; the schedule as the bulletin's table; a month grid.
 * 'base_url' (ending in '/', or NULL for relative links) is where the feeds
 * are published; 'last_modified' (seconds since the epoch, 0 when unknown)
 * is the newest LAST-MODIFIED of the feeds, so that the page changes only
 * when the schedule does. Every text from the definition is HTML-escaped.
 * Appends to 'out'; returns 0, or -1 with 'err' set. */
int oc_html_render(const oc_def *def, const oc_sched *sched, const oc_tmpl *tmpl,
                   const char *templates_dir, const char *base_url, int64_t last_modified,
                   oc_buf *out, oc_error *err);

/* Appends 'text' with & < > " ' escaped. */
void oc_html_escape(oc_buf *out, const char *text);

/* Appends 'text' percent-encoded for a URL query (RFC 3986: all but unreserved). */
void oc_url_encode(oc_buf *out, const char *text);

/* Appends an SVG image of the QR code of 'text' (libqrencode, level M).
 * Returns 0, or -1 when 'text' cannot be encoded. */
int oc_html_qr_svg(oc_buf *out, const char *text, const char *label);

/* The most months the page's grid shows. */
#define OC_HTML_MAX_MONTHS 36

#endif
