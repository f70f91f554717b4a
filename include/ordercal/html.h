#ifndef OC_HTML_H
#define OC_HTML_H

#include "ordercal/def.h"
#include "ordercal/tmpl.h"
#include "ordercal/util.h"

/* Renders the page that publishes the feeds of 'def' from
 * '<templates_dir>/index.html', in the calendar's language ('tmpl').
 * 'base_url' (ending in '/', or NULL for relative links) is where the feeds
 * are published. Every text from the definition is HTML-escaped.
 * Appends to 'out'; returns 0, or -1 with 'err' set. */
int oc_html_render(const oc_def *def, const oc_tmpl *tmpl, const char *templates_dir,
                   const char *base_url, oc_buf *out, oc_error *err);

/* Appends 'text' with & < > " ' escaped. */
void oc_html_escape(oc_buf *out, const char *text);

#endif
