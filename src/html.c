/* SPDX-License-Identifier: Apache-2.0 */
/* html: renders templates/index.html, the page that publishes the feeds'
 * subscription links (DESIGN §5: https://, webcal://, Google's cid= and
 * Outlook.com's addfromweb links built from --base-url), a QR code of each
 * webcal URL, the schedule as the bulletin's table and a month grid.
 * Every value from the definition is escaped (HTML5 §13.1). */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/html.h"

#include <errno.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void oc_html_escape(oc_buf *out, const char *text)
{
    for (const char *p = text; p != NULL && *p != '\0'; p++) {
        switch (*p) {
        case '&':
            oc_buf_puts(out, "&amp;");
            break;
        case '<':
            oc_buf_puts(out, "&lt;");
            break;
        case '>':
            oc_buf_puts(out, "&gt;");
            break;
        case '"':
            oc_buf_puts(out, "&quot;");
            break;
        case '\'':
            oc_buf_puts(out, "&#39;");
            break;
        case '\n':
            oc_buf_puts(out, "<br>");
            break;
        default:
            oc_buf_putc(out, *p);
        }
    }
}

void oc_url_encode(oc_buf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            oc_buf_putc(out, (char)*p);
        } else {
            oc_buf_printf(out, "%%%02X", *p);
        }
    }
}

int oc_html_qr_svg(oc_buf *out, const char *text, const char *label)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int size, quiet = 4;

    if (qr == NULL) {
        return -1;
    }
    size = qr->width + 2 * quiet;

    /* One path of unit squares, crisp at any zoom; a white quiet zone of
     * four modules so phones read it on any background. */
    oc_buf_printf(out,
                  "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                  "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"",
                  size, size);
    oc_html_escape(out, label);
    oc_buf_printf(out, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"", size, size);
    for (int y = 0; y < qr->width; y++) {
        for (int x = 0; x < qr->width; x++) {
            if (qr->data[y * qr->width + x] & 1) {
                oc_buf_printf(out, "M%d %dh1v1h-1z", x + quiet, y + quiet);
            }
        }
    }
    oc_buf_puts(out, "\" fill=\"#000\"/></svg>");
    QRcode_free(qr);
    return 0;
}

/* Values are escaped by the caller; the page template is ours to trust. */
static int substitute(const char *text, size_t len, const oc_var *vars, size_t nvars,
                      oc_buf *out, const char *file, oc_error *err)
{
    const char *bad = NULL;

    if (oc_tmpl_substitute(text, len, vars, nvars, out, &bad) != 0) {
        oc_error_set(err, OC_E_VALUE, file, (oc_pos){0, 0},
                     "the page template uses unknown variable '%.*s'",
                     (int)strcspn(bad, "}\n") + 1, bad);
        return -1;
    }
    return 0;
}

static char *read_all(const char *path, oc_error *err)
{
    oc_buf b = {0};
    int r = oc_file_read(path, 4 * 1024 * 1024, &b, err);

    if (r != 0) {
        if (r > 0) {
            oc_error_set(err, OC_E_VALUE, path, (oc_pos){0, 0},
                         "the page template is larger than 4 MiB");
        }
        oc_buf_free(&b);
        return NULL;
    }
    return oc_buf_detach(&b);
}

/* A text of the templates, escaped; "" when the templates lack it. */
static void text(oc_buf *out, const oc_tmpl *t, const char *key)
{
    const char *s = oc_tmpl_get(t, key);

    oc_html_escape(out, s != NULL ? s : "");
}

/* <a{before} href="{href}"{after}>{the text of 'key'}</a>, 'href' escaped. */
static void anchor(oc_buf *out, const oc_tmpl *t, const char *before, const char *href,
                   const char *after, const char *key)
{
    oc_buf_puts(out, "<a");
    oc_buf_puts(out, before);
    oc_buf_puts(out, " href=\"");
    oc_html_escape(out, href);
    oc_buf_putc(out, '"');
    oc_buf_puts(out, after);
    oc_buf_putc(out, '>');
    text(out, t, key);
    oc_buf_puts(out, "</a>");
}

/* ---- per feed ------------------------------------------------------------ */

static int feed_links(const oc_def *def, const oc_def_feed *f, const oc_tmpl *t,
                      const char *base_url, oc_buf *out)
{
    const char *name = f->name.value != NULL ? f->name.value : def->name.value;
    oc_buf https = {0}, webcal = {0}, link = {0};
    int rc = 0;

    oc_buf_printf(&https, "%s%s.ics", base_url != NULL ? base_url : "", f->id.value);
    if (base_url == NULL) {
        /* Without a public address only a relative download makes sense. */
        oc_buf_puts(out, "<div class=\"buttons\"><a href=\"");
        oc_html_escape(out, https.data);
        oc_buf_puts(out, "\" download>");
        text(out, t, "page.download");
        oc_buf_puts(out, "</a></div>\n<p class=\"muted\">");
        text(out, t, "page.no_base_url");
        oc_buf_puts(out, "</p>");
        goto done;
    }
    oc_buf_printf(&webcal, "webcal://%s", strstr(https.data, "://") + 3);
    oc_buf_puts(out, "<label>");
    text(out, t, "page.address");
    oc_buf_puts(out, "<br><input type=\"text\" readonly value=\"");
    oc_html_escape(out, https.data);
    oc_buf_puts(out, "\" onclick=\"this.select()\"></label>\n<div class=\"buttons\">");

    anchor(out, t, "", webcal.data, "", "page.webcal");
    oc_buf_puts(&link, "https://calendar.google.com/calendar/r?cid=");
    oc_url_encode(&link, webcal.data);
    anchor(out, t, "", link.data, "", "page.google");
    oc_buf_reset(&link);
    oc_buf_puts(&link, "https://outlook.live.com/calendar/0/addfromweb?url=");
    oc_url_encode(&link, https.data);
    oc_buf_puts(&link, "&name=");
    oc_url_encode(&link, name);
    anchor(out, t, "", link.data, "", "page.outlook");
    anchor(out, t, " class=\"secondary\"", https.data, " download", "page.download");
    oc_buf_puts(out, "</div>\n");
    rc = oc_html_qr_svg(out, webcal.data,
                        oc_tmpl_get(t, "page.qr") != NULL ? oc_tmpl_get(t, "page.qr") : "QR");
done:
    oc_buf_free(&https);
    oc_buf_free(&webcal);
    oc_buf_free(&link);
    return rc;
}

static void feed_contents(const oc_def_feed *f, const oc_tmpl *t, oc_buf *out)
{
    bool first = true;

    text(out, t, "page.kinds");
    oc_buf_putc(out, ' ');
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        char key[32];

        if (!(f->kinds & (1u << k))) {
            continue;
        }
        snprintf(key, sizeof(key), "kind.%s", oc_kind_name((oc_kind)k));
        if (!first) {
            oc_buf_puts(out, ", ");
        }
        text(out, t, key);
        first = false;
    }
}

/* ---- the schedule ------------------------------------------------------ */

static int table(const oc_def *def, const oc_sched *s, const oc_tmpl *t, oc_buf *out,
                 oc_error *err)
{
    oc_buf cell = {0}, time = {0};
    int rc = -1;

    oc_buf_puts(out, "<table>\n<thead><tr><th scope=\"col\">");
    text(out, t, "show.session");
    oc_buf_puts(out, "</th><th scope=\"col\">");
    text(out, t, "show.state");
    oc_buf_puts(out, "</th><th scope=\"col\">");
    text(out, t, "show.delivery");
    oc_buf_puts(out, "</th><th scope=\"col\">");
    text(out, t, "show.confirmation");
    oc_buf_puts(out, "</th></tr></thead>\n<tbody>\n");
    if (oc_tmpl_time(t, def->confirmation_minutes, &time, err) != 0) {
        goto done;
    }
    for (size_t i = 0; i < s->count; i++) {
        const oc_slot *slot = &s->slots[i];

        oc_buf_puts(out, "<tr><td>");
        oc_buf_reset(&cell);
        if (oc_tmpl_span_short(t, slot->first, slot->last, &cell, err) != 0) {
            goto done;
        }
        oc_html_escape(out, cell.data);
        oc_buf_printf(out, "</td><td class=\"state-%s\">", slot->open ? "open" : "closed");
        text(out, t, slot->open ? "state.open" : "state.closed");
        if (slot->note != NULL) {
            oc_buf_puts(out, " <span class=\"muted\">(");
            oc_html_escape(out, slot->note);
            oc_buf_puts(out, ")</span>");
        }
        oc_buf_puts(out, "</td><td>");
        if (slot->open) {
            oc_buf_reset(&cell);
            if (oc_tmpl_span_short(t, slot->delivery_first, slot->delivery_last, &cell, err) != 0) {
                goto done;
            }
            oc_html_escape(out, cell.data);
            oc_buf_puts(out, "</td><td>");
            oc_buf_reset(&cell);
            if (oc_tmpl_date(t, slot->confirmation, &cell, err) != 0) {
                goto done;
            }
            {
                oc_buf dt = {0};
                oc_var v[] = {{"date", cell.data}, {"time", time.data}};
                int r = oc_tmpl_expand(t, "datetime", v, 2, &dt, err);

                oc_html_escape(out, dt.data);
                oc_buf_free(&dt);
                if (r != 0) {
                    goto done;
                }
            }
        } else {
            oc_buf_puts(out, "</td><td>");
        }
        oc_buf_puts(out, "</td></tr>\n");
    }
    oc_buf_puts(out, "</tbody>\n</table>");
    rc = 0;
done:
    oc_buf_free(&cell);
    oc_buf_free(&time);
    return rc;
}

/* What happens on a day, most telling first: the grid colours a day by its
 * first flag and names them all in its title. */
enum { F_CONFIRMATION = 1, F_DELIVERY = 2, F_APPOINTMENTS = 4, F_OPEN = 8, F_CLOSED = 16 };

static const struct {
    unsigned flag;
    const char *cls;
    const char *key;
} day_kinds[] = {
    {F_CONFIRMATION, "confirmation", "legend.confirmation"},
    {F_DELIVERY, "delivery", "legend.delivery"},
    {F_APPOINTMENTS, "appointments", "legend.appointments"},
    {F_OPEN, "open", "legend.open"},
    {F_CLOSED, "closed", "legend.closed"},
};

static void mark(unsigned char *flags, oc_day first_day, size_t ndays, oc_day a, oc_day b,
                 unsigned flag)
{
    for (oc_day d = a; d <= b; d++) {
        if (d >= first_day && (size_t)(d - first_day) < ndays) {
            flags[d - first_day] |= (unsigned char)flag;
        }
    }
}

static void legend(const oc_tmpl *t, oc_buf *out)
{
    oc_buf_puts(out, "<ul class=\"legend\">");
    for (size_t i = 0; i < sizeof(day_kinds) / sizeof(day_kinds[0]); i++) {
        oc_buf_printf(out, "<li><span class=\"%s\"></span>", day_kinds[i].cls);
        text(out, t, day_kinds[i].key);
        oc_buf_puts(out, "</li>");
    }
    oc_buf_puts(out, "<li><span class=\"holiday\"></span>");
    text(out, t, "legend.holiday");
    oc_buf_puts(out, "</li></ul>");
}

static void months(const oc_def *def, const oc_sched *s, const oc_tmpl *t, oc_buf *out)
{
    oc_date a, b;
    oc_day first_day, last_day = 0;
    size_t ndays, nmonths;
    unsigned char *flags;

    if (s->count == 0) {
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        oc_day end = s->slots[i].open ? s->slots[i].appointments : s->slots[i].last;

        if (s->slots[i].open && s->slots[i].delivery_last > end) {
            end = s->slots[i].delivery_last;
        }
        if (end > last_day) {
            last_day = end;
        }
    }
    a = oc_date_from_day(s->slots[0].first);
    b = oc_date_from_day(last_day);
    nmonths = (size_t)((b.year - a.year) * 12 + (b.month - a.month) + 1);
    if (nmonths > OC_HTML_MAX_MONTHS) {
        nmonths = OC_HTML_MAX_MONTHS;
    }
    first_day = oc_day_from_date((oc_date){a.year, a.month, 1});
    ndays = (size_t)(nmonths * 31 + 31);
    flags = oc_xcalloc(ndays, 1);
    for (size_t i = 0; i < s->count; i++) {
        const oc_slot *sl = &s->slots[i];

        if (!sl->open) {
            mark(flags, first_day, ndays, sl->first, sl->last, F_CLOSED);
            continue;
        }
        mark(flags, first_day, ndays, sl->first, sl->last, F_OPEN);
        mark(flags, first_day, ndays, sl->confirmation, sl->confirmation, F_CONFIRMATION);
        mark(flags, first_day, ndays, sl->delivery_first, sl->delivery_last, F_DELIVERY);
        mark(flags, first_day, ndays, sl->appointments, sl->appointments, F_APPOINTMENTS);
    }
    for (size_t m = 0; m < nmonths; m++) {
        int year = a.year + (int)((a.month - 1 + (int)m) / 12);
        int month = (a.month - 1 + (int)m) % 12 + 1;
        oc_day day1 = oc_day_from_date((oc_date){year, month, 1});
        int len = oc_days_in_month(year, month), lead = oc_day_weekday(day1);
        char key[24];

        oc_buf_puts(out, "<section class=\"month\"><h3>");
        snprintf(key, sizeof(key), "month.%d", month);
        text(out, t, key);
        oc_buf_printf(out, " %d</h3>\n<table><thead><tr>", year);
        for (int w = 1; w <= 7; w++) {
            snprintf(key, sizeof(key), "weekday.short.%d", w);
            oc_buf_puts(out, "<th scope=\"col\">");
            text(out, t, key);
            oc_buf_puts(out, "</th>");
        }
        oc_buf_puts(out, "</tr></thead>\n<tbody><tr>");
        for (int i = 0; i < lead; i++) {
            oc_buf_puts(out, "<td></td>");
        }
        for (int d = 1; d <= len; d++) {
            oc_day day = day1 + d - 1;
            unsigned f = (size_t)(day - first_day) < ndays ? flags[day - first_day] : 0;
            const char *holiday;

            if (d > 1 && oc_day_weekday(day) == 0) {
                oc_buf_puts(out, "</tr>\n<tr>");
            }
            holiday = oc_sched_holiday(def, day);
            if (f == 0 && holiday == NULL) {
                oc_buf_printf(out, "<td>%d</td>", d);
                continue;
            }
            oc_buf_puts(out, "<td class=\"day");
            for (size_t k = 0; k < sizeof(day_kinds) / sizeof(day_kinds[0]); k++) {
                if (f & day_kinds[k].flag) {
                    oc_buf_printf(out, " %s", day_kinds[k].cls);
                    break;
                }
            }
            oc_buf_puts(out, holiday != NULL ? " holiday\" title=\"" : "\" title=\"");
            {
                bool first = true;

                for (size_t k = 0; k < sizeof(day_kinds) / sizeof(day_kinds[0]); k++) {
                    if (f & day_kinds[k].flag) {
                        if (!first) {
                            oc_buf_puts(out, ", ");
                        }
                        text(out, t, day_kinds[k].key);
                        first = false;
                    }
                }
                if (holiday != NULL) {
                    char name_key[64];
                    oc_buf title = {0};
                    oc_var v[1];
                    oc_error ignored;

                    snprintf(name_key, sizeof(name_key), "holiday.%s", holiday);
                    v[0].name = "holiday";
                    v[0].value = oc_tmpl_get(t, name_key);
                    oc_error_init(&ignored);
                    oc_tmpl_expand(t, "page.holiday", v, 1, &title, &ignored);
                    oc_buf_puts(out, first ? "" : ", ");
                    oc_html_escape(out, title.data);
                    oc_buf_free(&title);
                }
            }
            oc_buf_printf(out, "\">%d</td>", d);
        }
        oc_buf_puts(out, "</tr></tbody></table></section>\n");
    }
    free(flags);
}

/* ---- the page ------------------------------------------------------------ */

int oc_html_render(const oc_def *def, const oc_sched *sched, const oc_tmpl *tmpl,
                   const char *templates_dir, const char *base_url, int64_t last_modified,
                   oc_buf *out, oc_error *err)
{
    static const char *const open_mark = "<!-- feed -->\n", *const close_mark = "<!-- /feed -->\n";
    oc_buf path = {0}, items = {0}, title = {0}, desc = {0}, ref = {0}, updated = {0},
           heads[3] = {{0}}, tbl = {0}, grid = {0}, leg = {0}, date = {0};
    char *page = NULL;
    const char *begin, *finish;
    int rc = -1;

    oc_buf_printf(&path, "%s/index.html", templates_dir);
    page = read_all(path.data, err);
    if (page == NULL) {
        goto done;
    }
    begin = strstr(page, open_mark);
    finish = begin != NULL ? strstr(begin, close_mark) : NULL;
    if (finish == NULL) {
        oc_error_set(err, OC_E_VALUE, path.data, (oc_pos){0, 0},
                     "the page template lacks a '<!-- feed -->' ... '<!-- /feed -->' block");
        goto done;
    }
    oc_html_escape(&title, def->name.value);
    oc_html_escape(&desc, def->description.value);
    if (def->url.value != NULL) {
        oc_buf_puts(&ref, "<a href=\"");
        oc_html_escape(&ref, def->url.value);
        oc_buf_puts(&ref, "\">");
        oc_html_escape(&ref, def->reference.value != NULL ? def->reference.value
                                                          : def->url.value);
        oc_buf_puts(&ref, "</a>");
    } else {
        oc_html_escape(&ref, def->reference.value);
    }
    if (last_modified > 0) {
        oc_buf raw = {0};
        int r = oc_tmpl_date(tmpl, last_modified / 86400, &raw, err);

        if (r == 0) {
            oc_var v[] = {{"date", raw.data}};

            r = oc_tmpl_expand(tmpl, "page.updated", v, 1, &date, err);
        }
        oc_buf_free(&raw);
        if (r != 0) {
            goto done;
        }
        oc_html_escape(&updated, date.data);
    }
    text(&heads[0], tmpl, "page.feeds");
    text(&heads[1], tmpl, "page.schedule");
    text(&heads[2], tmpl, "page.months");
    for (size_t i = 0; i < def->feed_count; i++) {
        const oc_def_feed *f = &def->feeds[i];
        oc_buf name = {0}, contents = {0}, links = {0};
        int r;

        oc_html_escape(&name, f->name.value != NULL ? f->name.value : def->name.value);
        feed_contents(f, tmpl, &contents);
        r = feed_links(def, f, tmpl, base_url, &links);
        if (r != 0) {
            oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0},
                         "libqrencode cannot encode the address of feed '%s'", f->id.value);
        } else {
            oc_var vars[] = {{"feed_name", name.data},
                             {"feed_contents", contents.data},
                             {"feed_links", links.data}};

            r = substitute(begin + strlen(open_mark),
                           (size_t)(finish - begin - (ptrdiff_t)strlen(open_mark)), vars,
                           sizeof(vars) / sizeof(vars[0]), &items, path.data, err);
        }
        oc_buf_free(&name);
        oc_buf_free(&contents);
        oc_buf_free(&links);
        if (r != 0) {
            goto done;
        }
    }
    if (table(def, sched, tmpl, &tbl, err) != 0) {
        goto done;
    }
    legend(tmpl, &leg);
    months(def, sched, tmpl, &grid);
    {
        oc_var vars[] = {{"lang", def->language.value},
                         {"title", title.data},
                         {"description", desc.data},
                         {"reference", ref.data},
                         {"updated", updated.data},
                         {"feeds_heading", heads[0].data},
                         {"schedule_heading", heads[1].data},
                         {"months_heading", heads[2].data},
                         {"table", tbl.data},
                         {"legend", leg.data},
                         {"months", grid.data}};
        size_t nv = sizeof(vars) / sizeof(vars[0]);

        if (substitute(page, (size_t)(begin - page), vars, nv, out, path.data, err) != 0) {
            goto done;
        }
        oc_buf_add(out, items.data, items.len);
        finish += strlen(close_mark);
        if (substitute(finish, strlen(finish), vars, nv, out, path.data, err) != 0) {
            goto done;
        }
    }
    rc = 0;
done:
    free(page);
    oc_buf_free(&path);
    oc_buf_free(&items);
    oc_buf_free(&title);
    oc_buf_free(&desc);
    oc_buf_free(&ref);
    oc_buf_free(&updated);
    for (int i = 0; i < 3; i++) {
        oc_buf_free(&heads[i]);
    }
    oc_buf_free(&tbl);
    oc_buf_free(&grid);
    oc_buf_free(&leg);
    oc_buf_free(&date);
    return rc;
}
