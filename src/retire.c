/* SPDX-License-Identifier: Apache-2.0 */
/* retire: a feed no definition declares any more, rewritten once as a
 * notice (DESIGN §4). Its header, zones and past events are kept as they
 * are; its name is marked as no longer updated; its future events become
 * cancellation notices (cancel) that point to the page. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/retire.h"

#include <stdlib.h>
#include <string.h>

#include "ordercal/cancel.h"
#include "ordercal/ics.h"
#include "ordercal/prev.h"
#include "ordercal/verify.h"

#define OURS "PRODID:" OC_ICS_PRODID_OURS

/* One logical line of a feed and the bytes it was published as. */
typedef struct {
    const char *raw;
    size_t rawlen;
    oc_buf logical;
} line_iter;

/* The next logical line of text[*at..len); false at the end. */
static bool next_line(const char *text, size_t len, size_t *at, line_iter *it)
{
    size_t p = *at;

    if (p >= len) {
        return false;
    }
    oc_buf_reset(&it->logical);
    it->raw = text + p;
    do {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t end = nl != NULL ? (size_t)(nl - text) + 1 : len;
        size_t n = end - p;
        bool cont = p != *at;

        while (n > 0 && (text[p + n - 1] == '\n' || text[p + n - 1] == '\r')) {
            n--;
        }
        oc_buf_add(&it->logical, text + p + cont, n - cont);
        p = end;
    } while (p < len && (text[p] == ' ' || text[p] == '\t'));
    if (it->logical.data == NULL) {
        oc_buf_puts(&it->logical, "");
    }
    it->rawlen = p - *at;
    *at = p;
    return true;
}

static bool starts(const char *line, const char *name)
{
    size_t n = strlen(name);

    return strncmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

/* The value of the first header line named 'name', unescaped, or false. */
static bool header_value(const char *text, size_t len, const char *name, oc_buf *out)
{
    size_t at = 0;
    line_iter it = {0};
    bool found = false;

    while (!found && next_line(text, len, &at, &it) &&
           (!starts(it.logical.data, "BEGIN") || strcmp(it.logical.data, "BEGIN:VCALENDAR") == 0)) {
        if (starts(it.logical.data, name)) {
            const char *v = strchr(it.logical.data, ':') + 1;

            oc_ics_unescape_text(out, v, strlen(v));
            found = true;
        }
    }
    oc_buf_free(&it.logical);
    return found;
}

bool oc_retire_ours(const char *text, size_t len)
{
    oc_buf v = {0};
    bool ours = header_value(text, len, "PRODID", &v) &&
                strncmp(v.data, OC_ICS_PRODID_OURS, strlen(OC_ICS_PRODID_OURS)) == 0;

    oc_buf_free(&v);
    return ours;
}

bool oc_retire_done(const char *text, size_t len)
{
    oc_buf v = {0};
    bool done = header_value(text, len, OC_RETIRE_MARK, &v);

    oc_buf_free(&v);
    return done;
}

void oc_retire_name(const char *text, size_t len, oc_buf *out)
{
    if (!header_value(text, len, "X-WR-CALNAME", out)) {
        header_value(text, len, "NAME", out);
    }
}

static void folded_text(oc_buf *out, const char *name, const char *text)
{
    oc_buf line = {0};

    oc_buf_printf(&line, "%s:", name);
    oc_ics_escape_text(&line, text);
    oc_ics_fold(out, line.data, line.len);
    oc_buf_free(&line);
}

/* The header with its name marked, and the mark that it is done. */
static int retire_header(const oc_retire_input *in, const char *text, size_t len, size_t *at,
                         oc_buf *out, oc_error *err)
{
    oc_buf name = {0}, marked = {0};
    line_iter it = {0};
    size_t p = *at;
    int rc;
    oc_var v[] = {{"name", NULL}};

    oc_retire_name(text, len, &name);
    v[0].value = name.data;
    rc = oc_tmpl_expand(in->tmpl, "calendar.retired", v, 1, &marked, err);
    while (rc == 0 && next_line(text, len, &p, &it)) {
        const char *l = it.logical.data;

        if (starts(l, "BEGIN") && strcmp(l, "BEGIN:VCALENDAR") != 0) {
            break;
        }
        *at = p;
        if (starts(l, "NAME") || starts(l, "X-WR-CALNAME")) {
            folded_text(out, starts(l, "NAME") ? "NAME" : "X-WR-CALNAME", marked.data);
        } else if (!starts(l, OC_RETIRE_MARK) && !starts(l, "END")) {
            oc_buf_add(out, it.raw, it.rawlen);
        }
    }
    if (rc == 0) {
        oc_buf mark = {0};

        oc_ics_time_line(&mark, OC_RETIRE_MARK, in->now, NULL);
        oc_ics_fold(out, mark.data, mark.len - 1);
        oc_buf_free(&mark);
    }
    oc_buf_free(&it.logical);
    oc_buf_free(&name);
    oc_buf_free(&marked);
    return rc;
}

/* One event: kept when it is over (or a notice already), else cancelled. */
static int retire_event(const oc_retire_input *in, const oc_tz *tz, oc_verify *gate,
                        const oc_buf *block, oc_buf *out, size_t *cancelled, oc_error *err)
{
    oc_buf text = {0};
    oc_prev *prev;
    oc_prev_gone *g = NULL;
    oc_when w;
    int64_t end = 0;
    int rc = 0;

    oc_buf_puts(&text, OURS "\r\n");
    oc_buf_add(&text, block->data, block->len);
    prev = oc_prev_parse(text.data, text.len);
    if (oc_prev_gone_list(prev, &g) == 1 && !g->notice &&
        (oc_prev_when(g->dtend, tz, &w, &end) || oc_prev_when(g->dtstart, tz, &w, &end)) &&
        end > in->now) {
        oc_cancel_input ci = {NULL,         NULL,     0,       tz, in->tmpl,
                              in->language, in->page, in->now, 0,  true};
        oc_cancel_stats cs;

        memset(&cs, 0, sizeof(cs));
        rc = oc_cancel_render(&ci, prev, gate, out, &cs, err);
        *cancelled += cs.cancelled;
        if (rc == 0 && cs.notices == 0) {
            oc_buf_add(out, block->data, block->len);
        }
    } else {
        oc_buf_add(out, block->data, block->len);
    }
    free(g);
    oc_prev_free(prev);
    oc_buf_free(&text);
    return rc;
}

int oc_retire_render(const oc_retire_input *in, const char *text, size_t len, oc_buf *out,
                     size_t *cancelled, oc_error *err)
{
    oc_buf header = {0}, vtz = {0}, body = {0}, block = {0}, zone = {0};
    oc_tz *tz = NULL;
    oc_verify *gate = NULL;
    line_iter it = {0};
    size_t at = 0;
    int rc = -1, depth = 0;
    bool event = false;

    *cancelled = 0;
    if (!header_value(text, len, "X-WR-TIMEZONE", &zone) ||
        (tz = oc_tz_load(zone.data, NULL)) == NULL) {
        tz = oc_tz_load("UTC", err);
    }
    if (tz == NULL || retire_header(in, text, len, &at, &header, err) != 0) {
        goto done;
    }
    gate =
        oc_verify_new(oc_tz_name(tz), NULL, oc_date_from_day(oc_day_floor(in->now)).year + 1, NULL);
    while (next_line(text, len, &at, &it)) {
        const char *l = it.logical.data;

        if (depth == 0 && strcmp(l, "BEGIN:VEVENT") == 0) {
            event = true;
            oc_buf_reset(&block);
        }
        depth += starts(l, "BEGIN") ? 1 : starts(l, "END") ? -1 : 0;
        if (event) {
            oc_buf_add(&block, it.raw, it.rawlen);
            if (depth == 0) {
                event = false;
                if (retire_event(in, tz, gate, &block, &body, cancelled, err) != 0) {
                    goto done;
                }
            }
        } else if (depth > 0 || strcmp(l, "END:VTIMEZONE") == 0) {
            oc_buf_add(&vtz, it.raw, it.rawlen); /* zones and anything else, as they are */
        }
    }
    if (oc_verify_header(&header, &vtz, err) != 0) {
        goto done;
    }
    oc_buf_add(out, header.data, header.len);
    oc_buf_add(out, vtz.data, vtz.len);
    oc_buf_add(out, body.data, body.len);
    oc_buf_puts(out, OC_ICS_FOOTER);
    rc = 0;
done:
    oc_verify_free(gate);
    oc_tz_free(tz);
    oc_buf_free(&it.logical);
    oc_buf_free(&header);
    oc_buf_free(&vtz);
    oc_buf_free(&body);
    oc_buf_free(&block);
    oc_buf_free(&zone);
    return rc;
}
