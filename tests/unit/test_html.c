/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the html stage: the subscription links of every feed
 * (https, webcal, Google's cid=, the addfromweb links of Outlook.com and
 * Microsoft 365), the QR code, which clients fire the alarms, the guide per
 * client, relative links without a base URL, the schedule table with the
 * "add this one" links of its confirmations (the copy's file and Google
 * Calendar's event template, exactly), the month grid, escaping of every
 * text that comes from the definition, the page of several calendars and
 * the page template's blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordercal/html.h"

/* One calendar of a page: its definition and what follows from it. */
typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_tmpl *tmpl;
    oc_table *table;
} fixture;

typedef struct {
    fixture cal;
    oc_buf page;
} page;

static void fixture_load(fixture *f, const char *yaml, const char *name)
{
    oc_error err;

    memset(f, 0, sizeof(*f));
    oc_error_init(&err);
    f->def = oc_def_load_string(yaml, strlen(yaml), name, &err);
    if (f->def == NULL) {
        fail_msg("%s", err.text);
    }
    f->sched = oc_sched_expand(f->def, 0, &err);
    assert_non_null(f->sched);
    f->tmpl = oc_tmpl_load(OC_TEST_TEMPLATES, f->def->language.value, &err);
    assert_non_null(f->tmpl);
    f->table = oc_table_new(f->def, f->sched, f->tmpl, &err);
    assert_non_null(f->table);
}

static void fixture_free(fixture *f)
{
    oc_table_free(f->table);
    oc_tmpl_free(f->tmpl);
    oc_sched_free(f->sched);
    oc_def_free(f->def);
}

/* The shipped page template. */
static char *page_template(void)
{
    oc_buf text = {0};
    oc_error err;

    oc_error_init(&err);
    assert_int_equal(oc_file_read(OC_TEST_TEMPLATES "/index.html", 1 << 22, &text, &err), 0);
    return oc_buf_detach(&text);
}

/* Renders the page of 'n' calendars with the template 'tmpl' (NULL: the
 * shipped one) after checking it for the page's layout. */
static int render_with(const fixture *f, size_t n, const char *base_url, const char *site_name,
                       const char *site_language, const char *tmpl, oc_buf *out, oc_error *err)
{
    oc_html_calendar cals[4];
    char *text = tmpl == NULL ? page_template() : NULL;
    oc_html_input in = {
        cals,       n,    site_name, site_language, NULL, tmpl != NULL ? tmpl : text, "index.html",
        1689638400, NULL, 0};
    bool site = oc_html_site_layout(n, site_name, site_language);
    int rc;

    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++) {
        cals[i] = (oc_html_calendar){f[i].def, f[i].sched, f[i].table, f[i].tmpl, base_url, NULL};
    }
    oc_error_init(err);
    rc = oc_html_check(in.page, in.page_path, site, err) == 0 ? oc_html_render(&in, out, err) : -1;
    free(text);
    return rc;
}

static void render(page *p, const char *yaml, const char *base_url, int64_t last_modified)
{
    oc_html_calendar cal;
    oc_html_input in;
    char *text = page_template();
    oc_error err;

    memset(p, 0, sizeof(*p));
    fixture_load(&p->cal, yaml, "def.yaml");
    cal = (oc_html_calendar){p->cal.def, p->cal.sched, p->cal.table, p->cal.tmpl, base_url, NULL};
    in = (oc_html_input){&cal, 1, NULL, NULL, NULL, text, "index.html", last_modified, NULL, 0};
    oc_error_init(&err);
    assert_int_equal(oc_html_check(in.page, in.page_path, false, &err), 0);
    if (oc_html_render(&in, &p->page, &err) != 0) {
        fail_msg("%s", err.text);
    }
    free(text);
}

static void page_free(page *p)
{
    oc_buf_free(&p->page);
    fixture_free(&p->cal);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void assert_has(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL) {
        fail_msg("missing: %s", needle);
    }
}

static const char yaml[] =
    "calendar:\n"
    "  id: vaccins\n"
    "  name: \"Vaccins <script>alert('x')</script> & \\\"co\\\"\"\n"
    "  description: \"Ligne 1\\nLigne <b>2</b>\"\n"
    "  timezone: Europe/Paris\n"
    "  url: https://example.org/a?b=1&c=2\n"
    "  reference: \"Réf <i>7</i>\"\n"
    "session: {}\n"
    "rhythm: [ { from: 2023-07-24, every: 2, until: 2023-08-07 } ]\n"
    "sessions: [ { date: 2023-07-31, note: \"<em>15 août</em>\" } ]\n"
    "feeds:\n"
    "  - { id: vaccins }\n"
    "  - { id: vaccins-en, name: \"Vaccines & co\", language: en, kinds: [delivery] }\n";

static void test_html_links_and_qr(void **state)
{
    page p;

    (void)state;
    render(&p, yaml, "https://cal.example.org/v/", 1689638400);
    assert_has(p.page.data, "<html lang=\"fr\">");
    assert_has(p.page.data, "value=\"https://cal.example.org/v/vaccins.ics\"");
    assert_has(p.page.data, "href=\"webcal://cal.example.org/v/vaccins.ics\"");
    assert_has(p.page.data, "href=\"https://calendar.google.com/calendar/r?cid="
                            "webcal%3A%2F%2Fcal.example.org%2Fv%2Fvaccins-en.ics\"");
    assert_has(p.page.data, "href=\"https://outlook.live.com/calendar/0/addfromweb?url="
                            "https%3A%2F%2Fcal.example.org%2Fv%2Fvaccins-en.ics&amp;name="
                            "Vaccines%20%26%20co\">Outlook.com (compte personnel)</a>");
    assert_has(p.page.data, "href=\"https://outlook.office.com/calendar/0/addfromweb?url="
                            "https%3A%2F%2Fcal.example.org%2Fv%2Fvaccins-en.ics&amp;name="
                            "Vaccines%20%26%20co\">Microsoft 365 (professionnel ou scolaire)</a>");
    assert_has(p.page.data, "href=\"webcal://cal.example.org/v/vaccins-en.ics\">Apple / "
                            "Thunderbird / Outlook classique</a>");
    assert_int_equal(count(p.page.data, "outlook.office.com"), 2);
    assert_has(p.page.data, "<p class=\"print-only address\">https://cal.example.org/v/"
                            "vaccins-en.ics</p>");
    assert_has(p.page.data, "href=\"https://cal.example.org/v/vaccins.ics\" download>");
    assert_int_equal(count(p.page.data, "<svg class=\"qr\""), 2);
    assert_has(p.page.data, "Mis à jour le mardi 18 juillet 2023");

    /* Self-contained: no script, no external style sheet or image; the
     * one link is the change log's, for feed readers. */
    assert_null(strstr(p.page.data, "<script"));
    assert_int_equal(count(p.page.data, "<link"), 1);
    assert_has(p.page.data, "<link rel=\"alternate\" type=\"application/atom+xml\" "
                            "href=\"https://cal.example.org/v/changes.atom\"");
    assert_null(strstr(p.page.data, "<img"));
    page_free(&p);
}

static void test_html_escapes_definition_texts(void **state)
{
    page p;

    (void)state;
    render(&p, yaml, NULL, 0);
    assert_has(
        p.page.data,
        "<h1>Vaccins &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</h1>");
    assert_has(p.page.data, "Ligne 1<br>Ligne &lt;b&gt;2&lt;/b&gt;");
    assert_has(p.page.data,
               "<a href=\"https://example.org/a?b=1&amp;c=2\">Réf &lt;i&gt;7&lt;/i&gt;</a>");
    assert_has(p.page.data, "(&lt;em&gt;15 août&lt;/em&gt;)");
    assert_null(strstr(p.page.data, "<em>"));
    assert_null(strstr(p.page.data, "<b>"));
    page_free(&p);
}

static void test_html_relative_without_base_url(void **state)
{
    page p;

    (void)state;
    render(&p, yaml, NULL, 0);
    assert_has(p.page.data, "href=\"vaccins.ics\" download>");
    assert_null(strstr(p.page.data, "href=\"webcal://"));
    assert_null(strstr(p.page.data, "<svg"));
    assert_null(strstr(p.page.data, "Mis à jour"));
    page_free(&p);
}

static void test_html_table_and_grid(void **state)
{
    page p;

    (void)state;
    render(&p, yaml, NULL, 0);

    /* Two open sessions, one closed; July and August 2023 in the grid. */
    assert_int_equal(count(p.page.data, "<td class=\"state-open\">"), 2);
    assert_int_equal(count(p.page.data, "<td class=\"state-closed\">"), 1);
    assert_has(p.page.data, "<td>24-25 juillet 2023</td>");
    assert_has(p.page.data, "<td>3-4 août 2023</td>");
    assert_has(p.page.data, "<h3>juillet 2023</h3>");
    assert_has(p.page.data, "<h3>août 2023</h3>");
    assert_has(p.page.data,
               "<td class=\"day confirmation\" title=\"confirmation de commande\">26</td>");
    assert_has(p.page.data, "<td class=\"day closed\" title=\"portail fermé\">31</td>");
    assert_has(p.page.data, "<td class=\"day delivery\" title=\"livraison indicative\">3</td>");
    page_free(&p);
}

static void test_html_qr_and_encoding(void **state)
{
    oc_buf b = {0};

    (void)state;
    oc_url_encode(&b, "webcal://h/é a&b");
    assert_string_equal(b.data, "webcal%3A%2F%2Fh%2F%C3%A9%20a%26b");
    oc_buf_reset(&b);
    assert_int_equal(oc_html_qr_svg(&b, "webcal://cal.example.org/v/vaccins.ics", "QR <x>"), 0);
    assert_has(b.data, "aria-label=\"QR &lt;x&gt;\"");
    assert_has(b.data, "viewBox=\"0 0 37 37\""); /* version 3 (29 modules) + quiet zone */
    oc_buf_free(&b);
}

static const char yaml_b[] = "calendar:\n"
                             "  id: grippe-reunion\n"
                             "  name: \"Grippe <Réunion>\"\n"
                             "  timezone: Indian/Reunion\n"
                             "  language: en\n"
                             "session: { weekday: tuesday, length: 1 }\n"
                             "rhythm: [ { from: 2023-11-28, until: 2023-12-05 } ]\n";

/* Two calendars: a header with the site's title and date, a table of
 * contents, then each calendar in its section, in its language, with its
 * own feeds, table and grid, every heading one level down. */
static void test_html_site_of_two_calendars(void **state)
{
    fixture f[2];
    oc_buf out = {0};
    oc_error err;
    const char *a, *b;

    (void)state;
    fixture_load(&f[0], yaml, "a.yaml");
    fixture_load(&f[1], yaml_b, "b.yaml");
    assert_int_equal(render_with(f, 2, "https://cal.example.org/v/", NULL, NULL, NULL, &out, &err),
                     0);
    assert_has(out.data, "<html lang=\"fr\">");
    assert_has(out.data, "<title>Vaccins &lt;script&gt;");
    assert_int_equal(count(out.data, "Mis à jour le mardi 18 juillet 2023"), 1);
    assert_null(strstr(out.data, "Updated"));
    assert_has(out.data, "<nav class=\"toc\"><h2>Calendriers</h2>\n<ul>\n"
                         "<li><a href=\"#vaccins\">Vaccins &lt;script&gt;");
    assert_has(out.data, "<li><a href=\"#grippe-reunion\">Grippe &lt;Réunion&gt;</a></li>\n");
    a = strstr(out.data, "<section class=\"calendar\" id=\"vaccins\" lang=\"fr\">\n<h2>Vaccins");
    b = strstr(out.data, "<section class=\"calendar\" id=\"grippe-reunion\" lang=\"en\">\n"
                         "<h2>Grippe &lt;Réunion&gt;</h2>");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_int_equal(count(out.data, "<h1>"), 1); /* the site's: the first calendar's name */
    assert_has(out.data, "<h3>S&#39;abonner aux calendriers</h3>");
    assert_has(out.data, "<h3>Subscribe to the calendars</h3>");
    assert_has(out.data, "<h4>Vaccines &amp; co</h4>");
    assert_has(out.data, "<h4>juillet 2023</h4>");
    assert_has(out.data, "<h4>November 2023</h4>");
    assert_has(b, "href=\"webcal://cal.example.org/v/grippe-reunion.ics\"");
    assert_int_equal(count(out.data, "<svg class=\"qr\""), 3);
    assert_int_equal(count(out.data, "<section class=\"calendar\""), 2);
    assert_null(strstr(out.data, "<!--"));
    oc_buf_free(&out);

    /* A site name and language: the page's title and words, not the
     * calendars'; with one calendar, the site layout without contents. */
    assert_int_equal(render_with(f, 1, NULL, "Portail & co", "en", NULL, &out, &err), 0);
    assert_has(out.data, "<html lang=\"en\">");
    assert_has(out.data, "<title>Portail &amp; co</title>");
    assert_has(out.data, "<h1>Portail &amp; co</h1>");
    assert_has(out.data, "<section class=\"calendar\" id=\"vaccins\" lang=\"fr\">");
    assert_null(strstr(out.data, "class=\"toc\""));
    oc_buf_free(&out);
    fixture_free(&f[0]);
    fixture_free(&f[1]);
}

/* A page template of before sites (no calendar block) still makes one
 * calendar's page, and is refused for several; blocks must close. */
static void test_html_template_blocks(void **state)
{
    static const char legacy[] = "<html lang=\"{lang}\"><h1>{title}</h1>\n"
                                 "<!-- feed -->\n<p>{feed_name}</p>\n<!-- /feed -->\n"
                                 "{table}</html>\n";
    static const char open_site[] = "<!-- site -->\n<!-- calendar -->\n<!-- feed -->\n"
                                    "<!-- /feed -->\n<!-- /calendar -->\n";
    static const char stray[] = "<!-- calendar -->\n<!-- feed -->\n<!-- /feed -->\n"
                                "<!-- /calendar -->\n<!-- /single -->\n";
    static const char unknown[] = "<!-- calendar -->\n<!-- feed -->\n{name}{feed_name}\n"
                                  "<!-- /feed -->\n<!-- /calendar -->\n{feed_name}\n";
    fixture f[2];
    oc_buf out = {0};
    oc_error err;

    (void)state;
    fixture_load(&f[0], yaml, "a.yaml");
    fixture_load(&f[1], yaml_b, "b.yaml");
    assert_int_equal(render_with(f, 1, NULL, NULL, NULL, legacy, &out, &err), 0);
    assert_has(out.data, "<html lang=\"fr\"><h1>Vaccins &lt;script&gt;");
    assert_has(out.data, "<p>Vaccines &amp; co</p>\n<table>");
    oc_buf_free(&out);
    assert_int_equal(render_with(f, 2, NULL, NULL, NULL, legacy, &out, &err), -1);
    assert_string_equal(err.text, "the page template lacks a '<!-- calendar -->' ... "
                                  "'<!-- /calendar -->' block, which a page of several "
                                  "calendars needs");
    assert_int_equal(render_with(f, 2, NULL, NULL, NULL, open_site, &out, &err), -1);
    assert_string_equal(err.text, "the page template has an unmatched '<!-- site -->' or "
                                  "'<!-- /site -->' line");
    assert_int_equal(render_with(f, 1, NULL, NULL, NULL, stray, &out, &err), -1);
    assert_string_equal(err.text, "the page template has an unmatched '<!-- single -->' or "
                                  "'<!-- /single -->' line");
    assert_int_equal(render_with(f, 1, NULL, NULL, NULL, unknown, &out, &err), -1);
    assert_string_equal(err.text, "the page template uses unknown variable '{feed_name}'");
    oc_buf_free(&out);
    fixture_free(&f[0]);
    fixture_free(&f[1]);
}

/* Which clients fire the alarms: on the cards of feeds whose events carry
 * one, not on the others nor with 'alarm: none'. */
static void test_html_alarms(void **state)
{
    static const char none[] = "calendar: { id: n, name: N, timezone: Europe/Paris }\n"
                               "session: { confirmation: { alarm: none } }\n"
                               "rhythm: [ { from: 2023-07-24, until: 2023-07-24 } ]\n";
    page p;

    (void)state;
    render(&p, yaml, NULL, 0);
    assert_int_equal(count(p.page.data, "<p class=\"alarms\">Alerte : Thunderbird et Apple "
                                        "Calendar l&#39;affichent ; Outlook classique et Google "
                                        "Agenda non"),
                     1); /* the delivery feed has no alarm */
    assert_has(p.page.data, "confirmations de commande, livraisons");
    assert_null(strstr(p.page.data, "(avec alarme)"));
    page_free(&p);
    render(&p, none, NULL, 0);
    assert_null(strstr(p.page.data, "class=\"alarms\""));
    page_free(&p);
}

/* The guide: each client folded in its <details>, steps as a list, the
 * alert and the updates, "**" made bold, the calendar's refresh hint in
 * words; then what to do when something looks wrong. */
static void test_html_guide(void **state)
{
    static const struct {
        const char *refresh, *words;
    } hints[] = {{"PT6H", "(toutes les 6 heures)"},
                 {"PT1H", "(toutes les heures)"},
                 {"P1D", "(tous les jours)"},
                 {"P2D", "(tous les 2 jours)"},
                 {"PT90M", "(toutes les 90 minutes)"}};
    char text[512];
    page p;

    (void)state;
    render(&p, yaml, "https://cal.example.org/v/", 0);
    assert_has(p.page.data, "<section class=\"guide\">\n<h2>S&#39;abonner, agenda par agenda</h2>\n"
                            "<p><strong>Abonnez-vous toujours");
    assert_int_equal(count(p.page.data, "<details class=\"client\""), 7);
    assert_has(p.page.data, "<details class=\"client\" id=\"guide-vaccins-outlook_classic\">"
                            "<summary><strong>Outlook pour Windows (classique)</strong> "
                            "<span class=\"muted\">alerte : non, sauf copie fixe</span></summary>\n"
                            "<ol><li>Cliquez sur le bouton <strong>Apple / Thunderbird / Outlook "
                            "classique</strong> du calendrier");
    assert_has(p.page.data, "<p><strong>Alerte de confirmation :</strong> <strong>Non.</strong>");
    assert_has(p.page.data, "<strong>Microsoft 365</strong> pour un compte professionnel");
    assert_has(p.page.data, "Le nouvel Outlook pour Windows ignore les liens webcal");
    assert_has(p.page.data, "décochez-le");
    assert_has(p.page.data, "<strong>Afficher les alarmes</strong>");
    assert_has(p.page.data, "<strong>Paramètres › (l&#39;agenda) › Notifications des "
                            "événements</strong>");
    assert_has(p.page.data, "id=\"guide-vaccins-trouble\"><summary><strong>Si quelque chose ne "
                            "va pas</strong></summary>\n<ul><li><strong>Chaque événement");
    assert_null(strstr(p.page.data, "**"));
    page_free(&p);

    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        snprintf(text, sizeof(text),
                 "calendar: { id: r, name: R, timezone: UTC, refresh: %s }\n"
                 "session: {}\nrhythm: [ { from: 2023-07-24, until: 2023-07-24 } ]\n",
                 hints[i].refresh);
        render(&p, text, NULL, 0);
        assert_has(p.page.data, hints[i].words);
        page_free(&p);
    }
}

/* A confirmation near the build's day: its copy's file and its Google
 * Calendar event, exactly (instants in UTC, the zone, every value
 * percent-encoded, the href escaped), labelled as a fixed copy. */
static void test_html_copy_links(void **state)
{
    oc_html_calendar cal;
    oc_html_input in;
    oc_copies *copies;
    fixture f;
    oc_buf out = {0}, bytes = {0};
    char *text = page_template();
    oc_error err;
    const char *row, *next;

    (void)state;
    fixture_load(&f, yaml, "def.yaml");
    copies = oc_copies_new(f.def, f.sched, 1690156800); /* 2023-07-24 */
    assert_int_equal(copies->count, 2);
    for (size_t i = 0; i < copies->count; i++) {
        oc_copy_input ci = {f.def, f.tmpl, 1690156800, NULL};

        oc_error_init(&err);
        oc_buf_reset(&bytes);
        assert_int_equal(oc_copy_render(&ci, copies, i, NULL, &bytes, &err), 0);
    }
    cal = (oc_html_calendar){f.def, f.sched, f.table, f.tmpl, "https://cal.example.org/v/", copies};
    in = (oc_html_input){&cal, 1, NULL, NULL, NULL, text, "index.html", 0, NULL, 0};
    oc_error_init(&err);
    assert_int_equal(oc_html_render(&in, &out, &err), 0);

    row = strstr(out.data, "<tr><td>24-25 juillet 2023</td>");
    assert_non_null(row);
    next = strstr(row, "</tr>");
    assert_has(row, "<td>mercredi 26 juillet 2023 à 18h00<br><span class=\"copy\">Ajouter une "
                    "copie fixe : <a href=\"https://cal.example.org/v/events/"
                    "vaccins-20230726.ics\">fichier .ics</a> · <a href=\"https://"
                    "calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Confirmation"
                    "%20de%20commande%20disponible&amp;dates=20230726T160000Z/20230726T163000Z"
                    "&amp;details=La%20confirmation%20de%20votre%20commande%20de%20la%20"
                    "session%20du%2024-25%20juillet%202023%20est%20visible%20dans%20le%20"
                    "portail%2C%20onglet%20%C2%AB%20suivi");
    assert_true(strstr(row, "%0ACopie%20fixe%2C%20ajout%C3%A9e%20depuis%20la%20page") < next);
    assert_true(strstr(row, "fait%20foi.&amp;ctz=Europe%2FParis\">Google Agenda</a></span></td>") <
                next);
    assert_int_equal(count(out.data, "<span class=\"copy\">"), 2);
    assert_has(out.data, "</table>\n<p class=\"muted copies\">Une copie fixe est un événement de "
                         "plus dans votre propre agenda");
    oc_buf_free(&out);

    /* Without a base URL, the copies' links are relative; without copies,
     * no link and no note. */
    cal.base_url = NULL;
    assert_int_equal(oc_html_render(&in, &out, &err), 0);
    assert_has(out.data, "<a href=\"events/vaccins-20230809.ics\">fichier .ics</a>");
    oc_buf_free(&out);
    cal.copies = NULL;
    assert_int_equal(oc_html_render(&in, &out, &err), 0);
    assert_null(strstr(out.data, "class=\"copy"));
    oc_buf_free(&out);
    oc_buf_free(&bytes);
    oc_copies_free(copies);
    fixture_free(&f);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_links_and_qr),
        cmocka_unit_test(test_html_escapes_definition_texts),
        cmocka_unit_test(test_html_relative_without_base_url),
        cmocka_unit_test(test_html_table_and_grid),
        cmocka_unit_test(test_html_qr_and_encoding),
        cmocka_unit_test(test_html_site_of_two_calendars),
        cmocka_unit_test(test_html_template_blocks),
        cmocka_unit_test(test_html_alarms),
        cmocka_unit_test(test_html_guide),
        cmocka_unit_test(test_html_copy_links),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
