/* SPDX-License-Identifier: Apache-2.0 */
/* html: renders templates/index.html, the one page of a site that publishes
 * every calendar's feeds: their subscription links (DESIGN §5: https://,
 * webcal://, Google's cid= and the addfromweb links of Outlook.com and
 * Microsoft 365 built from --base-url), a QR code of each webcal URL, which
 * clients fire its alarms, a guide folded per client, each schedule as the
 * bulletin's table with the "add this one" links of its confirmations (the
 * copies' files and Google Calendar's event template) and a month grid;
 * several calendars get a site header and a table of contents. Every value
 * from a definition is escaped (HTML5 §13.1). */
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
    static const char hex[] = "0123456789ABCDEF";

    /* A copy's details are a whole description: no printf per byte. */
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            oc_buf_putc(out, (char)*p);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};

            oc_buf_add(out, esc, 3);
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
static int substitute(const char *text, size_t len, const oc_var *vars, size_t nvars, oc_buf *out,
                      const char *file, oc_error *err)
{
    const char *bad = NULL;

    if (oc_tmpl_substitute(text, len, vars, nvars, out, &bad) != 0) {
        oc_error_set(err, OC_E_VALUE, file, (oc_pos){0, 0},
                     "the page template uses unknown variable '%.*s'", (int)strcspn(bad, "}\n") + 1,
                     bad);
        return -1;
    }
    return 0;
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
    const char *name = oc_def_feed_name(def, f);
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

    /* Personal accounts at outlook.live.com, work and school ones at
     * outlook.office.com: the same "subscribe from web" page. */
    for (int i = 0; i < 2; i++) {
        oc_buf_reset(&link);
        oc_buf_puts(&link, i == 0 ? "https://outlook.live.com" : "https://outlook.office.com");
        oc_buf_puts(&link, "/calendar/0/addfromweb?url=");
        oc_url_encode(&link, https.data);
        oc_buf_puts(&link, "&name=");
        oc_url_encode(&link, name);
        anchor(out, t, "", link.data, "", i == 0 ? "page.outlook" : "page.microsoft365");
    }
    anchor(out, t, " class=\"secondary\"", https.data, " download", "page.download");
    oc_buf_puts(out, "</div>\n");
    rc = oc_html_qr_svg(out, webcal.data,
                        oc_tmpl_get(t, "page.qr") != NULL ? oc_tmpl_get(t, "page.qr") : "QR");

    /* The poster (the printed page) has no field to copy from. */
    oc_buf_puts(out, "\n<p class=\"print-only address\">");
    oc_html_escape(out, https.data);
    oc_buf_puts(out, "</p>");
done:
    oc_buf_free(&https);
    oc_buf_free(&webcal);
    oc_buf_free(&link);
    return rc;
}

static void feed_contents(const oc_def *def, const oc_def_feed *f, const oc_tmpl *t, oc_buf *out)
{
    bool first = true;

    text(out, t, "page.kinds");
    oc_buf_putc(out, ' ');
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        char key[48];

        /* What the feed holds: its kinds that the definition makes. */
        if (!(f->kinds & (1u << k)) || !def->rules[k].on) {
            continue;
        }
        oc_kind_key((oc_kind)k, "kind.", key, sizeof(key));
        if (!first) {
            oc_buf_puts(out, ", ");
        }
        text(out, t, key);
        first = false;
    }
}

/* Which clients fire the alarms of the feed, when it has any. */
static void feed_alarms(const oc_def *def, const oc_def_feed *f, const oc_tmpl *t, oc_buf *out)
{
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        if ((f->kinds & (1u << k)) && def->rules[k].on && def->rules[k].has_alarm &&
            oc_kind_get((oc_kind)k)->alarm) {
            oc_buf_puts(out, "<p class=\"alarms\">");
            text(out, t, "page.alarms");
            oc_buf_puts(out, "</p>");
            return;
        }
    }
}

/* ---- the guide ----------------------------------------------------------- */

/* The clients the guide has a section for, in its order: their template
 * keys are guide.<client>.{name,verdict,steps,alert,updates}. */
static const char *const clients[] = {"outlook_classic", "outlook_web", "thunderbird",
                                      "google",          "apple_mac",   "apple_ios"};

/* Appends 'text' escaped, "**...**" in it made <strong>. */
static void marked(oc_buf *out, const char *s, size_t len)
{
    oc_buf raw = {0}, esc = {0};
    bool strong = false;

    oc_buf_add(&raw, s, len);
    oc_html_escape(&esc, raw.data != NULL ? raw.data : "");
    for (const char *p = esc.data; p != NULL && *p != '\0'; p++) {
        if (p[0] == '*' && p[1] == '*') {
            oc_buf_puts(out, strong ? "</strong>" : "<strong>");
            strong = !strong;
            p++;
        } else {
            oc_buf_putc(out, *p);
        }
    }
    oc_buf_puts(out, strong ? "</strong>" : "");
    oc_buf_free(&raw);
    oc_buf_free(&esc);
}

/* The feed's refresh hint in words: "toutes les 6 heures". */
static int every(const oc_def *def, const oc_tmpl *t, oc_buf *out, oc_error *err)
{
    static const struct {
        int64_t unit;
        const char *one, *many;
    } units[] = {{86400, "page.every.day", "page.every.days"},
                 {3600, "page.every.hour", "page.every.hours"},
                 {60, "page.every.minute", "page.every.minutes"}};
    size_t u = 0;
    char n[21];

    while (u + 1 < sizeof(units) / sizeof(units[0]) && def->refresh % units[u].unit != 0) {
        u++;
    }
    oc_uint_text((uint64_t)(def->refresh / units[u].unit), 0, n);
    {
        oc_var v[] = {{"n", n}};

        return oc_tmpl_expand(t, def->refresh / units[u].unit == 1 ? units[u].one : units[u].many,
                              v, 1, out, err);
    }
}

/* One template text of the guide, "\n" separating its items: a list
 * ('list' "ol" or "ul") or, without one, a paragraph opened by 'label'. */
static int guide_text(const oc_tmpl *t, const char *key, const char *list, const char *label,
                      const oc_var *vars, oc_buf *out, oc_error *err)
{
    oc_buf raw = {0};
    int rc = oc_tmpl_expand(t, key, vars, 1, &raw, err);

    if (rc == 0 && list != NULL) {
        oc_buf_printf(out, "<%s>", list);
        for (const char *p = raw.data != NULL ? raw.data : ""; *p != '\0';) {
            size_t n = strcspn(p, "\n");

            oc_buf_puts(out, "<li>");
            marked(out, p, n);
            oc_buf_puts(out, "</li>");
            p += n + (p[n] == '\n');
        }
        oc_buf_printf(out, "</%s>\n", list);
    } else if (rc == 0) {
        oc_buf_puts(out, "<p>");
        if (label != NULL) {
            oc_buf_puts(out, "<strong>");
            text(out, t, label);
            oc_buf_puts(out, "</strong> ");
        }
        marked(out, raw.data != NULL ? raw.data : "", raw.len);
        oc_buf_puts(out, "</p>\n");
    }
    oc_buf_free(&raw);
    return rc;
}

/* The guide of one calendar: how to subscribe in each client, whether its
 * alarms fire there and what to do when they do not, how fast changes
 * arrive; each client folded in its <details>, then what to do when
 * something looks wrong. */
static int guide(const oc_def *def, const oc_tmpl *t, oc_buf *out, oc_error *err)
{
    oc_buf refresh = {0};
    int rc = every(def, t, &refresh, err);
    oc_var v[] = {{"refresh", refresh.data}};

    if (rc == 0) {
        rc = guide_text(t, "page.guide.intro", NULL, NULL, v, out, err);
    }
    for (size_t i = 0; rc == 0 && i < sizeof(clients) / sizeof(clients[0]); i++) {
        char key[4][64];
        static const char *const parts[4] = {"name", "verdict", "steps", "alert"};

        for (size_t k = 0; k < 4; k++) {
            snprintf(key[k], sizeof(key[k]), "guide.%s.%s", clients[i], parts[k]);
        }
        oc_buf_printf(out, "<details class=\"client\" id=\"guide-%s-%s\"><summary><strong>",
                      def->id.value, clients[i]);
        text(out, t, key[0]);
        oc_buf_puts(out, "</strong> <span class=\"muted\">");
        text(out, t, key[1]);
        oc_buf_puts(out, "</span></summary>\n");
        snprintf(key[1], sizeof(key[1]), "guide.%s.updates", clients[i]);
        rc = guide_text(t, key[2], "ol", NULL, v, out, err) != 0 ||
                     guide_text(t, key[3], NULL, "page.guide.alert", v, out, err) != 0 ||
                     guide_text(t, key[1], NULL, "page.guide.updates", v, out, err) != 0
                 ? -1
                 : 0;
        oc_buf_puts(out, "</details>\n");
    }
    if (rc == 0) {
        oc_buf_printf(out, "<details class=\"client\" id=\"guide-%s-trouble\"><summary><strong>",
                      def->id.value);
        text(out, t, "page.guide.trouble");
        oc_buf_puts(out, "</strong></summary>\n");
        rc = guide_text(t, "page.guide.trouble.items", "ul", NULL, v, out, err);
        oc_buf_puts(out, "</details>");
    }
    oc_buf_free(&refresh);
    return rc;
}

/* ---- the schedule ------------------------------------------------------ */

/* The Google Calendar link of a copy: its event template, the instants in
 * UTC, the zone to show them in. */
static void google_event(const oc_def *def, const oc_copy *c, oc_buf *out)
{
    const oc_span *sp = &c->slot->spans[OC_KIND_CONFIRMATION];

    oc_buf_puts(out, "https://calendar.google.com/calendar/render?action=TEMPLATE&text=");
    oc_url_encode(out, c->summary != NULL ? c->summary : "");
    oc_buf_puts(out, "&dates=");
    for (int i = 0; i < 2; i++) {
        int64_t utc = i == 0 ? sp->utc_start : sp->utc_end;
        int64_t day = oc_day_floor(utc);
        oc_date d = oc_date_from_day(day);
        int sec = (int)(utc - day * 86400);

        oc_buf_printf(out, "%s%04d%02d%02dT%02d%02d%02dZ", i == 0 ? "" : "/", d.year, d.month,
                      d.day, sec / 3600, sec % 3600 / 60, sec % 60);
    }
    oc_buf_puts(out, "&details=");
    oc_url_encode(out, c->details != NULL ? c->details : "");
    oc_buf_puts(out, "&ctz=");
    oc_url_encode(out, oc_tz_name(def->tz));
}

/* A row's "add this one" links: the copy's file and Google's template. */
static void copy_links(const oc_html_calendar *cal, const oc_copy *c, oc_buf *out)
{
    oc_buf href = {0};

    oc_buf_puts(out, "<br><span class=\"copy\">");
    text(out, cal->tmpl, "page.copy");
    oc_buf_putc(out, ' ');
    oc_buf_printf(&href, "%s%s", cal->base_url != NULL ? cal->base_url : "", c->name);
    anchor(out, cal->tmpl, "", href.data, "", "page.copy_ics");
    oc_buf_puts(out, " · ");
    oc_buf_reset(&href);
    google_event(cal->def, c, &href);
    anchor(out, cal->tmpl, "", href.data, "", "page.copy_google");
    oc_buf_puts(out, "</span>");
    oc_buf_free(&href);
}

static void table(const oc_html_calendar *cal, oc_buf *out)
{
    const oc_table *tb = cal->table;
    const oc_copy *copy = cal->copies != NULL ? cal->copies->items : NULL;
    const oc_copy *end = copy != NULL ? copy + cal->copies->count : NULL;

    oc_buf_puts(out, "<table>\n<thead><tr>");
    for (size_t c = 0; c < 4; c++) {
        oc_buf_puts(out, "<th scope=\"col\">");
        oc_html_escape(out, tb->heads[c]);
        oc_buf_puts(out, "</th>");
    }
    oc_buf_puts(out, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < tb->count; i++) {
        const oc_table_row *row = &tb->rows[i];

        oc_buf_puts(out, "<tr><td>");
        oc_html_escape(out, row->session);
        oc_buf_printf(out, "</td><td class=\"state-%s\">", row->slot->open ? "open" : "closed");
        oc_html_escape(out, row->state);
        if (row->slot->note != NULL) {
            oc_buf_puts(out, " <span class=\"muted\">(");
            oc_html_escape(out, row->slot->note);
            oc_buf_puts(out, ")</span>");
        }
        oc_buf_puts(out, "</td><td>");
        oc_html_escape(out, row->delivery);
        oc_buf_puts(out, "</td><td>");
        oc_html_escape(out, row->confirmation);
        if (copy != end && copy->slot == row->slot) {
            copy_links(cal, copy++, out);
        }
        oc_buf_puts(out, "</td></tr>\n");
    }
    oc_buf_puts(out, "</tbody>\n</table>");
    if (cal->copies != NULL && cal->copies->count > 0) {
        oc_buf_puts(out, "\n<p class=\"muted copies\">");
        text(out, cal->tmpl, "page.copies");
        oc_buf_puts(out, "</p>");
    }
}

/* What happens on a day: a bit per kind, at its grid rank. The grid colours
 * a day by its lowest rank, most telling first, and names them all in its
 * title. */
static const oc_kind_info *by_rank(int rank)
{
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        if (oc_kind_get((oc_kind)k)->grid_rank == rank) {
            return oc_kind_get((oc_kind)k);
        }
    }
    return NULL;
}

static void legend_key(const oc_kind_info *info, char *key, size_t size)
{
    snprintf(key, size, "legend.%s", info->grid);
}

static void legend(const oc_tmpl *t, oc_buf *out)
{
    oc_buf_puts(out, "<ul class=\"legend\">");
    for (int r = 0; r < OC_KIND_COUNT; r++) {
        const oc_kind_info *info = by_rank(r);
        char key[48];

        if (info == NULL) {
            continue;
        }
        legend_key(info, key, sizeof(key));
        oc_buf_printf(out, "<li><span class=\"%s\"></span>", info->grid);
        text(out, t, key);
        oc_buf_puts(out, "</li>");
    }
    oc_buf_puts(out, "<li><span class=\"holiday\"></span>");
    text(out, t, "legend.holiday");
    oc_buf_puts(out, "</li></ul>");
}

/* The days the grid shows, and what happens on each. */
typedef struct {
    oc_day first_day;
    size_t ndays;
    unsigned *flags;
    const char *heading; /* the months' heading element: "h3", or "h4" in a site's section */
} grid;

static void mark(grid *g, oc_day a, oc_day b, unsigned flag)
{
    for (oc_day d = a; d <= b; d++) {
        if (d >= g->first_day && (size_t)(d - g->first_day) < g->ndays) {
            g->flags[d - g->first_day] |= flag;
        }
    }
}

/* One day of the grid: its number, its class and its title. */
static void day_cell(const oc_def *def, const oc_tmpl *t, unsigned f, oc_day day, int d,
                     oc_buf *out)
{
    const char *holiday = oc_sched_holiday(def, day);
    bool first = true;

    if (f == 0 && holiday == NULL) {
        oc_buf_printf(out, "<td>%d</td>", d);
        return;
    }
    oc_buf_puts(out, "<td class=\"day");
    for (int r = 0; r < OC_KIND_COUNT; r++) {
        if (f & (1u << r)) {
            oc_buf_printf(out, " %s", by_rank(r)->grid);
            break;
        }
    }
    oc_buf_puts(out, holiday != NULL ? " holiday\" title=\"" : "\" title=\"");
    for (int r = 0; r < OC_KIND_COUNT; r++) {
        char key[48];

        if (f & (1u << r)) {
            legend_key(by_rank(r), key, sizeof(key));
            oc_buf_puts(out, first ? "" : ", ");
            text(out, t, key);
            first = false;
        }
    }
    if (holiday != NULL) {
        oc_buf title = {0};
        oc_var v[1] = {{"holiday", oc_tmpl_holiday(t, holiday)}};
        oc_error ignored;

        oc_error_init(&ignored);
        oc_tmpl_expand(t, "page.holiday", v, 1, &title, &ignored);
        oc_buf_puts(out, first ? "" : ", ");
        oc_html_escape(out, title.data);
        oc_buf_free(&title);
    }
    oc_buf_printf(out, "\">%d</td>", d);
}

static void month(const oc_def *def, const oc_tmpl *t, const grid *g, int year, int month,
                  oc_buf *out)
{
    oc_day day1 = oc_day_from_date((oc_date){year, month, 1});
    int len = oc_days_in_month(year, month), lead = oc_day_weekday(day1);
    char key[24];

    oc_buf_printf(out, "<section class=\"month\"><%s>", g->heading);
    snprintf(key, sizeof(key), "month.%d", month);
    text(out, t, key);
    oc_buf_printf(out, " %d</%s>\n<table><thead><tr>", year, g->heading);
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
        size_t at = (size_t)(day - g->first_day);

        if (d > 1 && oc_day_weekday(day) == 0) {
            oc_buf_puts(out, "</tr>\n<tr>");
        }
        day_cell(def, t, at < g->ndays ? g->flags[at] : 0, day, d, out);
    }
    oc_buf_puts(out, "</tr></tbody></table></section>\n");
}

static void months(const oc_def *def, const oc_sched *s, const oc_tmpl *t, const char *heading,
                   oc_buf *out)
{
    oc_date a, b;
    oc_day last_day = 0;
    size_t nmonths;
    grid g;

    if (s->count == 0) {
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const oc_span *sp = &s->slots[i].spans[k];

            last_day = sp->on && sp->last > last_day ? sp->last : last_day;
        }
    }
    a = oc_date_from_day(s->slots[0].first);
    b = oc_date_from_day(last_day);
    nmonths = (size_t)((b.year - a.year) * 12 + (b.month - a.month) + 1);
    if (nmonths > OC_HTML_MAX_MONTHS) {
        nmonths = OC_HTML_MAX_MONTHS;
    }
    g.first_day = oc_day_from_date((oc_date){a.year, a.month, 1});
    g.ndays = (size_t)(nmonths * 31 + 31);
    g.flags = oc_xcalloc(g.ndays, sizeof(*g.flags));
    g.heading = heading;
    for (size_t i = 0; i < s->count; i++) {
        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const oc_span *sp = &s->slots[i].spans[k];

            if (sp->on && oc_kind_get((oc_kind)k)->grid != NULL) {
                mark(&g, sp->first, sp->last, 1u << oc_kind_get((oc_kind)k)->grid_rank);
            }
        }
    }
    for (size_t m = 0; m < nmonths; m++) {
        month(def, t, &g, a.year + (int)((a.month - 1 + (int)m) / 12),
              (a.month - 1 + (int)m) % 12 + 1, out);
    }
    free(g.flags);
}

/* ---- the page's template ------------------------------------------------- */

/* The page template's blocks, each marker a line of its own:
 *   <!-- site --> ... <!-- /site -->          kept in the site layout only
 *   <!-- single --> ... <!-- /single -->      kept on a page of one calendar only
 *   <!-- calendar --> ... <!-- /calendar -->  once per calendar; a template
 *                                             without it is one calendar's page
 *   <!-- feed --> ... <!-- /feed -->          once per feed, in the calendar block */

/* A block: its opening marker, its content, its closing marker, its end. */
typedef struct {
    const char *open, *inner, *close, *end;
} block;

/* The markers of the block 'name'. */
static void marks(const char *name, char open[40], char close[40])
{
    snprintf(open, 40, "<!-- %s -->\n", name);
    snprintf(close, 40, "<!-- /%s -->\n", name);
}

/* Finds the first block 'name' that starts in [from, limit). Returns 1; 0
 * when there is none; -1 when it does not end before 'limit'. */
static int find_block(const char *from, const char *limit, const char *name, block *b)
{
    char open[40], close[40];

    marks(name, open, close);
    b->open = strstr(from, open);
    if (b->open == NULL || b->open >= limit) {
        return 0;
    }
    b->inner = b->open + strlen(open);
    b->close = strstr(b->inner, close);
    b->end = b->close != NULL ? b->close + strlen(close) : NULL;
    return b->end != NULL && b->end <= limit ? 1 : -1;
}

/* Copies 'text' without the markers of the blocks 'name', and without
 * their contents unless 'keep'. */
static int pick(const char *text, const char *name, bool keep, oc_buf *out, const char *path,
                oc_error *err)
{
    const char *end = text + strlen(text);
    char open[40], close[40];
    block b;
    int r;

    marks(name, open, close);
    while ((r = find_block(text, end, name, &b)) == 1) {
        const char *stray = strstr(text, close);

        if (stray != NULL && stray < b.open) {
            break;
        }
        oc_buf_add(out, text, (size_t)(b.open - text));
        if (keep) {
            oc_buf_add(out, b.inner, (size_t)(b.close - b.inner));
        }
        text = b.end;
    }
    if (r != 0 || strstr(text, close) != NULL) {
        oc_error_set(err, OC_E_VALUE, path, (oc_pos){0, 0},
                     "the page template has an unmatched '%.*s' or '%.*s' line",
                     (int)strlen(open) - 1, open, (int)strlen(close) - 1, close);
        return -1;
    }
    oc_buf_puts(out, text);
    return 0;
}

/* The template's parts once a layout is chosen: the head, the calendar
 * block's parts before, in and after its feed block, and the tail. */
typedef struct {
    char *text; /* the template without the other layout's blocks */
    const char *at[5];
    size_t len[5];
} page_parts;

enum { P_HEAD, P_BEFORE, P_ITEM, P_AFTER, P_TAIL };

static void set_part(page_parts *p, int i, const char *from, const char *to)
{
    p->at[i] = from;
    p->len[i] = (size_t)(to - from);
}

static int parse(const char *page, const char *path, bool site, page_parts *p, oc_error *err)
{
    oc_buf a = {0}, b = {0};
    block cal, feed;
    int found;

    memset(p, 0, sizeof(*p));
    if (pick(page, "site", site, &a, path, err) != 0 ||
        pick(a.data != NULL ? a.data : "", "single", !site, &b, path, err) != 0) {
        oc_buf_free(&a);
        oc_buf_free(&b);
        return -1;
    }
    oc_buf_free(&a);
    p->text = b.data != NULL ? oc_buf_detach(&b) : oc_xstrdup("");
    found = find_block(p->text, p->text + strlen(p->text), "calendar", &cal);
    if (found == 0 && !site) {
        /* A template of one calendar's page, as before sites. */
        cal = (block){p->text, p->text, p->text + strlen(p->text), p->text + strlen(p->text)};
    } else if (found != 1) {
        oc_error_set(err, OC_E_VALUE, path, (oc_pos){0, 0},
                     "the page template lacks a '<!-- calendar -->' ... '<!-- /calendar -->' "
                     "block, which a page of several calendars needs");
        return -1;
    }
    if (find_block(cal.inner, cal.close, "feed", &feed) != 1) {
        oc_error_set(err, OC_E_VALUE, path, (oc_pos){0, 0},
                     "the page template lacks a '<!-- feed -->' ... '<!-- /feed -->' block");
        return -1;
    }
    set_part(p, P_HEAD, p->text, cal.open);
    set_part(p, P_BEFORE, cal.inner, feed.open);
    set_part(p, P_ITEM, feed.inner, feed.close);
    set_part(p, P_AFTER, feed.end, cal.close);
    set_part(p, P_TAIL, cal.end, cal.end + strlen(cal.end));
    return 0;
}

/* The variables: the page's, then a calendar's (which see the page's),
 * then a feed's (which see both). */
enum {
    V_LANG,
    V_TITLE,
    V_UPDATED,
    V_CONTENTS,
    V_HEAD_LINKS,
    V_CHANGES,
    N_PAGE,
    V_NAME = N_PAGE,
    V_CALENDAR_ID,
    V_CALENDAR_LANG,
    V_DESCRIPTION,
    V_REFERENCE,
    V_FEEDS_HEADING,
    V_GUIDE_HEADING,
    V_GUIDE,
    V_SCHEDULE_HEADING,
    V_MONTHS_HEADING,
    V_TABLE,
    V_LEGEND,
    V_MONTHS,
    V_H1,
    V_H2,
    V_H3,
    N_CALENDAR,
    V_FEED_NAME = N_CALENDAR,
    V_FEED_CONTENTS,
    V_FEED_ALARMS,
    V_FEED_LINKS,
    N_VARS
};

static const char *const var_names[N_VARS] = {"lang",
                                              "title",
                                              "updated",
                                              "contents",
                                              "head_links",
                                              "changes",
                                              "name",
                                              "calendar_id",
                                              "calendar_lang",
                                              "description",
                                              "reference",
                                              "feeds_heading",
                                              "guide_heading",
                                              "guide",
                                              "schedule_heading",
                                              "months_heading",
                                              "table",
                                              "legend",
                                              "months",
                                              "h1",
                                              "h2",
                                              "h3",
                                              "feed_name",
                                              "feed_contents",
                                              "feed_alarms",
                                              "feed_links"};

/* The variables a part sees. */
static size_t part_vars(int part)
{
    return part == P_HEAD || part == P_TAIL ? N_PAGE : part == P_ITEM ? N_VARS : N_CALENDAR;
}

static int fill(const page_parts *p, int part, const oc_var *vars, oc_buf *out, const char *path,
                oc_error *err)
{
    return substitute(p->at[part], p->len[part], vars, part_vars(part), out, path, err);
}

int oc_html_check(const char *page, const char *path, bool site, oc_error *err)
{
    oc_var vars[N_VARS];
    oc_buf out = {0};
    page_parts p;
    int rc = parse(page, path, site, &p, err);

    for (size_t i = 0; i < N_VARS; i++) {
        vars[i] = (oc_var){var_names[i], NULL};
    }
    for (int part = P_HEAD; rc == 0 && part <= P_TAIL; part++) {
        rc = fill(&p, part, vars, &out, path, err);
    }
    free(p.text);
    oc_buf_free(&out);
    return rc;
}

bool oc_html_site_layout(size_t count, const char *site_name, const char *site_language)
{
    return count > 1 || site_name != NULL || site_language != NULL;
}

/* ---- the page ------------------------------------------------------------ */

/* The feed blocks of one calendar, one per feed. */
static int feed_items(const oc_html_calendar *cal, const page_parts *p, oc_var *vars,
                      const char *path, oc_buf *out, oc_error *err)
{
    const oc_def *def = cal->def;

    for (size_t i = 0; i < def->feed_count; i++) {
        const oc_def_feed *f = &def->feeds[i];
        oc_buf name = {0}, contents = {0}, alarms = {0}, links = {0};
        int r;

        oc_html_escape(&name, oc_def_feed_name(def, f));
        feed_contents(def, f, cal->tmpl, &contents);
        feed_alarms(def, f, cal->tmpl, &alarms);
        r = feed_links(def, f, cal->tmpl, cal->base_url, &links);
        if (r != 0) {
            oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0},
                         "libqrencode cannot encode the address of feed '%s'", f->id.value);
        } else {
            vars[V_FEED_NAME].value = name.data;
            vars[V_FEED_CONTENTS].value = contents.data;
            vars[V_FEED_ALARMS].value = alarms.data;
            vars[V_FEED_LINKS].value = links.data;
            r = fill(p, P_ITEM, vars, out, path, err);
        }
        oc_buf_free(&name);
        oc_buf_free(&contents);
        oc_buf_free(&alarms);
        oc_buf_free(&links);
        if (r != 0) {
            return -1;
        }
    }
    return 0;
}

/* The calendar's reference, a link to its URL when it has one. */
static void reference(const oc_def *def, oc_buf *out)
{
    if (def->url.value != NULL) {
        oc_buf_puts(out, "<a href=\"");
        oc_html_escape(out, def->url.value);
        oc_buf_puts(out, "\">");
        oc_html_escape(out, def->reference.value != NULL ? def->reference.value : def->url.value);
        oc_buf_puts(out, "</a>");
    } else {
        oc_html_escape(out, def->reference.value);
    }
}

/* One calendar's block: its texts, its feeds, its table and grid. In the
 * site layout its headings are one level down, under the site's title. */
static int calendar_block(const oc_html_calendar *cal, const page_parts *p, bool site, oc_var *vars,
                          const char *path, oc_buf *out, oc_error *err)
{
    static const char *const levels[2][3] = {{"h1", "h2", "h3"}, {"h2", "h3", "h4"}};
    oc_buf v[N_CALENDAR - N_PAGE] = {{0}};
    int rc;

    oc_html_escape(&v[V_NAME - N_PAGE], cal->def->name.value);
    oc_buf_puts(&v[V_CALENDAR_ID - N_PAGE], cal->def->id.value);
    oc_buf_puts(&v[V_CALENDAR_LANG - N_PAGE], cal->def->language.value);
    oc_html_escape(&v[V_DESCRIPTION - N_PAGE], cal->def->description.value);
    reference(cal->def, &v[V_REFERENCE - N_PAGE]);
    text(&v[V_FEEDS_HEADING - N_PAGE], cal->tmpl, "page.feeds");
    text(&v[V_GUIDE_HEADING - N_PAGE], cal->tmpl, "page.guide");
    text(&v[V_SCHEDULE_HEADING - N_PAGE], cal->tmpl, "page.schedule");
    text(&v[V_MONTHS_HEADING - N_PAGE], cal->tmpl, "page.months");
    table(cal, &v[V_TABLE - N_PAGE]);
    legend(cal->tmpl, &v[V_LEGEND - N_PAGE]);
    months(cal->def, cal->sched, cal->tmpl, levels[site][2], &v[V_MONTHS - N_PAGE]);
    for (int h = 0; h < 3; h++) {
        oc_buf_puts(&v[V_H1 + h - N_PAGE], levels[site][h]);
    }
    rc = guide(cal->def, cal->tmpl, &v[V_GUIDE - N_PAGE], err);
    for (size_t i = N_PAGE; i < N_CALENDAR; i++) {
        vars[i].value = v[i - N_PAGE].data;
    }
    rc = rc != 0 || fill(p, P_BEFORE, vars, out, path, err) != 0 ||
                 feed_items(cal, p, vars, path, out, err) != 0 ||
                 fill(p, P_AFTER, vars, out, path, err) != 0
             ? -1
             : 0;
    for (size_t i = 0; i < N_CALENDAR - N_PAGE; i++) {
        oc_buf_free(&v[i]);
    }
    return rc;
}

/* "Mis à jour le …": the newest LAST-MODIFIED of the feeds. */
static int updated(const oc_tmpl *t, int64_t last_modified, oc_buf *out, oc_error *err)
{
    oc_buf raw = {0}, date = {0};
    int r = 0;

    if (last_modified > 0) {
        r = oc_tmpl_date(t, last_modified / 86400, &raw, err);
        if (r == 0) {
            oc_var v[] = {{"date", raw.data}};

            r = oc_tmpl_expand(t, "page.updated", v, 1, &date, err);
        }
        oc_html_escape(out, date.data);
    }
    oc_buf_free(&raw);
    oc_buf_free(&date);
    return r;
}

/* The table of contents of a page of several calendars: a link to each. */
static void contents(const oc_html_input *in, const oc_tmpl *t, oc_buf *out)
{
    if (in->count < 2) {
        return;
    }
    oc_buf_puts(out, "<nav class=\"toc\"><h2>");
    text(out, t, "page.contents");
    oc_buf_puts(out, "</h2>\n<ul>\n");
    for (size_t i = 0; i < in->count; i++) {
        const oc_def *def = in->calendars[i].def;

        oc_buf_printf(out, "<li><a href=\"#%s\">", def->id.value);
        oc_html_escape(out, def->name.value);
        oc_buf_puts(out, "</a></li>\n");
    }
    oc_buf_puts(out, "</ul></nav>");
}

/* The change log's address: beside the page. */
static void log_href(const oc_html_input *in, oc_buf *out)
{
    const char *base = in->calendars[0].base_url;

    oc_buf_printf(out, "%s%s", base != NULL ? base : "", OC_ATOM_NAME);
}

/* The <link> that lets readers find the change log. */
static void head_links(const oc_html_input *in, const oc_tmpl *t, oc_buf *out)
{
    oc_buf href = {0};

    log_href(in, &href);
    oc_buf_puts(out, "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"");
    oc_html_escape(out, href.data);
    oc_buf_puts(out, "\" title=\"");
    text(out, t, "page.changes");
    oc_buf_puts(out, "\">");
    oc_buf_free(&href);
}

/* "Dernières modifications": the latest entries of the change log. */
static void changes(const oc_html_input *in, const oc_tmpl *t, oc_buf *out)
{
    oc_buf href = {0};

    log_href(in, &href);
    oc_buf_puts(out, "<section class=\"changes\">\n<h2>");
    text(out, t, "page.changes");
    oc_buf_puts(out, "</h2>\n");
    if (in->nchanges > 0) {
        oc_buf_puts(out, "<ul>\n");
    }
    for (size_t i = 0; i < in->nchanges && i < OC_HTML_MAX_CHANGES; i++) {
        const oc_atom_entry *e = &in->changes[i];

        oc_buf_puts(out, "<li><strong>");
        oc_html_escape(out, e->title);
        oc_buf_puts(out, "</strong>\n<ul>\n");
        for (size_t k = 0; k < e->nlines; k++) {
            oc_buf_puts(out, "<li>");
            oc_html_escape(out, e->lines[k]);
            oc_buf_puts(out, "</li>\n");
        }
        oc_buf_puts(out, "</ul></li>\n");
    }
    if (in->nchanges > 0) {
        oc_buf_puts(out, "</ul>\n");
    }
    oc_buf_puts(out, "<p>");
    anchor(out, t, "", href.data, "", "page.changes_feed");
    oc_buf_puts(out, "</p>\n</section>");
    oc_buf_free(&href);
}

int oc_html_render(const oc_html_input *in, oc_buf *out, oc_error *err)
{
    bool site = oc_html_site_layout(in->count, in->site_name, in->site_language);
    const oc_def *first = in->calendars[0].def;
    const oc_tmpl *t = in->site_tmpl != NULL ? in->site_tmpl : in->calendars[0].tmpl;
    oc_buf v[N_PAGE] = {{0}};
    oc_var vars[N_VARS];
    page_parts p;
    int rc = -1;

    if (parse(in->page, in->page_path, site, &p, err) != 0 ||
        updated(t, in->last_modified, &v[V_UPDATED], err) != 0) {
        goto done;
    }
    oc_buf_puts(&v[V_LANG], in->site_language != NULL ? in->site_language : first->language.value);
    oc_html_escape(&v[V_TITLE], in->site_name != NULL ? in->site_name : first->name.value);
    contents(in, t, &v[V_CONTENTS]);
    head_links(in, t, &v[V_HEAD_LINKS]);
    changes(in, t, &v[V_CHANGES]);
    for (size_t i = 0; i < N_VARS; i++) {
        vars[i] = (oc_var){var_names[i], i < N_PAGE ? v[i].data : NULL};
    }
    if (fill(&p, P_HEAD, vars, out, in->page_path, err) != 0) {
        goto done;
    }
    for (size_t i = 0; i < in->count; i++) {
        if (calendar_block(&in->calendars[i], &p, site, vars, in->page_path, out, err) != 0) {
            goto done;
        }
    }
    rc = fill(&p, P_TAIL, vars, out, in->page_path, err);
done:
    free(p.text);
    for (size_t i = 0; i < N_PAGE; i++) {
        oc_buf_free(&v[i]);
    }
    return rc;
}
