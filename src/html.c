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
        char key[48];

        if (!(f->kinds & (1u << k))) {
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

/* ---- the schedule ------------------------------------------------------ */

static void table(const oc_table *tb, oc_buf *out)
{
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
        oc_buf_puts(out, "</td></tr>\n");
    }
    oc_buf_puts(out, "</tbody>\n</table>");
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
        size_t at = (size_t)(day - g->first_day);

        if (d > 1 && oc_day_weekday(day) == 0) {
            oc_buf_puts(out, "</tr>\n<tr>");
        }
        day_cell(def, t, at < g->ndays ? g->flags[at] : 0, day, d, out);
    }
    oc_buf_puts(out, "</tr></tbody></table></section>\n");
}

static void months(const oc_def *def, const oc_sched *s, const oc_tmpl *t, oc_buf *out)
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
    for (size_t i = 0; i < s->count; i++) {
        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const oc_span *sp = &s->slots[i].spans[k];

            if (sp->on) {
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

/* ---- the page ------------------------------------------------------------ */

static const char open_mark[] = "<!-- feed -->\n", close_mark[] = "<!-- /feed -->\n";

/* The page template's three parts: before the feed block, the block (one
 * copy per feed) and after it. */
typedef struct {
    const char *head, *item, *tail;
    size_t head_len, item_len;
} page_parts;

static int split(const char *page, const char *path, page_parts *p, oc_error *err)
{
    const char *begin = strstr(page, open_mark);
    const char *finish = begin != NULL ? strstr(begin, close_mark) : NULL;

    if (finish == NULL) {
        oc_error_set(err, OC_E_VALUE, path, (oc_pos){0, 0},
                     "the page template lacks a '<!-- feed -->' ... '<!-- /feed -->' block");
        return -1;
    }
    p->head = page;
    p->head_len = (size_t)(begin - page);
    p->item = begin + strlen(open_mark);
    p->item_len = (size_t)(finish - p->item);
    p->tail = finish + strlen(close_mark);
    return 0;
}

/* The variables of the feed block and of the rest of the page. */
static const char *const item_vars[] = {"feed_name", "feed_contents", "feed_links"};
static const char *const page_vars[] = {
    "lang",    "title",         "description",      "reference",
    "updated", "feeds_heading", "schedule_heading", "months_heading",
    "table",   "legend",        "months",           "head_links",
    "changes"};
#define NITEM (sizeof(item_vars) / sizeof(item_vars[0]))
#define NPAGE (sizeof(page_vars) / sizeof(page_vars[0]))

static int fill(const page_parts *p, const char *const values[NPAGE], const oc_buf *items,
                const char *path, oc_buf *out, oc_error *err)
{
    oc_var vars[NPAGE];

    for (size_t i = 0; i < NPAGE; i++) {
        vars[i].name = page_vars[i];
        vars[i].value = values[i];
    }
    if (substitute(p->head, p->head_len, vars, NPAGE, out, path, err) != 0) {
        return -1;
    }
    oc_buf_add(out, items->data, items->len);
    return substitute(p->tail, strlen(p->tail), vars, NPAGE, out, path, err);
}

int oc_html_check(const char *page, const char *path, oc_error *err)
{
    const char *const empty[NPAGE] = {NULL};
    oc_var vars[NITEM];
    oc_buf out = {0}, items = {0};
    page_parts p;
    int rc = -1;

    for (size_t i = 0; i < NITEM; i++) {
        vars[i].name = item_vars[i];
        vars[i].value = NULL;
    }
    if (split(page, path, &p, err) == 0 &&
        substitute(p.item, p.item_len, vars, NITEM, &items, path, err) == 0 &&
        fill(&p, empty, &items, path, &out, err) == 0) {
        rc = 0;
    }
    oc_buf_free(&out);
    oc_buf_free(&items);
    return rc;
}

/* The feed blocks, one per feed. */
static int feed_items(const oc_html_input *in, const page_parts *p, oc_buf *items, oc_error *err)
{
    const oc_def *def = in->def;

    for (size_t i = 0; i < def->feed_count; i++) {
        const oc_def_feed *f = &def->feeds[i];
        oc_buf name = {0}, contents = {0}, links = {0};
        int r;

        oc_html_escape(&name, oc_def_feed_name(def, f));
        feed_contents(f, in->tmpl, &contents);
        r = feed_links(def, f, in->tmpl, in->base_url, &links);
        if (r != 0) {
            oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0},
                         "libqrencode cannot encode the address of feed '%s'", f->id.value);
        } else {
            oc_var vars[NITEM] = {{item_vars[0], name.data},
                                  {item_vars[1], contents.data},
                                  {item_vars[2], links.data}};

            r = substitute(p->item, p->item_len, vars, NITEM, items, in->page_path, err);
        }
        oc_buf_free(&name);
        oc_buf_free(&contents);
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

/* The change log's address: beside the page. */
static void log_href(const oc_html_input *in, oc_buf *out)
{
    oc_buf_printf(out, "%s%s", in->base_url != NULL ? in->base_url : "", OC_ATOM_NAME);
}

/* The <link> that lets readers find the change log. */
static void head_links(const oc_html_input *in, oc_buf *out)
{
    oc_buf href = {0};

    log_href(in, &href);
    oc_buf_puts(out, "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"");
    oc_html_escape(out, href.data);
    oc_buf_puts(out, "\" title=\"");
    text(out, in->tmpl, "page.changes");
    oc_buf_puts(out, "\">");
    oc_buf_free(&href);
}

/* "Dernières modifications": the latest entries of the change log. */
static void changes(const oc_html_input *in, oc_buf *out)
{
    oc_buf href = {0};

    log_href(in, &href);
    oc_buf_puts(out, "<section class=\"changes\">\n<h2>");
    text(out, in->tmpl, "page.changes");
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
    anchor(out, in->tmpl, "", href.data, "", "page.changes_feed");
    oc_buf_puts(out, "</p>\n</section>");
    oc_buf_free(&href);
}

/* "Mis à jour le …": the newest LAST-MODIFIED of the feeds. */
static int updated(const oc_html_input *in, oc_buf *out, oc_error *err)
{
    oc_buf raw = {0}, date = {0};
    int r = 0;

    if (in->last_modified > 0) {
        r = oc_tmpl_date(in->tmpl, in->last_modified / 86400, &raw, err);
        if (r == 0) {
            oc_var v[] = {{"date", raw.data}};

            r = oc_tmpl_expand(in->tmpl, "page.updated", v, 1, &date, err);
        }
        oc_html_escape(out, date.data);
    }
    oc_buf_free(&raw);
    oc_buf_free(&date);
    return r;
}

int oc_html_render(const oc_html_input *in, oc_buf *out, oc_error *err)
{
    enum {
        LANG,
        TITLE,
        DESC,
        REF,
        UPDATED,
        FEEDS,
        SCHEDULE,
        MONTHS,
        TABLE,
        LEGEND,
        GRID,
        HEAD,
        CHANGES
    };
    oc_buf parts[NPAGE] = {{0}}, items = {0};
    const char *values[NPAGE];
    page_parts p;
    int rc = -1;

    if (split(in->page, in->page_path, &p, err) != 0 || updated(in, &parts[UPDATED], err) != 0 ||
        feed_items(in, &p, &items, err) != 0) {
        goto done;
    }
    oc_buf_puts(&parts[LANG], in->def->language.value);
    oc_html_escape(&parts[TITLE], in->def->name.value);
    oc_html_escape(&parts[DESC], in->def->description.value);
    reference(in->def, &parts[REF]);
    text(&parts[FEEDS], in->tmpl, "page.feeds");
    text(&parts[SCHEDULE], in->tmpl, "page.schedule");
    text(&parts[MONTHS], in->tmpl, "page.months");
    table(in->table, &parts[TABLE]);
    legend(in->tmpl, &parts[LEGEND]);
    months(in->def, in->sched, in->tmpl, &parts[GRID]);
    head_links(in, &parts[HEAD]);
    changes(in, &parts[CHANGES]);
    for (size_t i = 0; i < NPAGE; i++) {
        values[i] = parts[i].data;
    }
    rc = fill(&p, values, &items, in->page_path, out, err);
done:
    for (size_t i = 0; i < NPAGE; i++) {
        oc_buf_free(&parts[i]);
    }
    oc_buf_free(&items);
    return rc;
}
