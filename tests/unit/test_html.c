/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the html stage: the subscription links of every feed
 * (https, webcal, Google's cid=, Outlook.com's addfromweb), the QR code,
 * relative links without a base URL, the schedule table and month grid,
 * and escaping of every text that comes from the definition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordercal/html.h"

typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_tmpl *tmpl;
    oc_table *table;
    oc_buf page;
} page;

static void render(page *p, const char *yaml, const char *base_url, int64_t last_modified)
{
    oc_error err;

    memset(p, 0, sizeof(*p));
    oc_error_init(&err);
    p->def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    if (p->def == NULL) {
        fail_msg("%s", err.text);
    }
    p->sched = oc_sched_expand(p->def, 0, &err);
    assert_non_null(p->sched);
    p->tmpl = oc_tmpl_load(OC_TEST_TEMPLATES, p->def->language.value, &err);
    assert_non_null(p->tmpl);
    p->table = oc_table_new(p->def, p->sched, p->tmpl, &err);
    assert_non_null(p->table);
    {
        oc_buf text = {0};
        oc_html_input in = {
            p->def,   p->sched,      p->table, p->tmpl, NULL, OC_TEST_TEMPLATES "/index.html",
            base_url, last_modified, NULL,     0};

        assert_int_equal(oc_file_read(in.page_path, 1 << 22, &text, &err), 0);
        in.page = text.data;
        assert_int_equal(oc_html_check(in.page, in.page_path, &err), 0);
        if (oc_html_render(&in, &p->page, &err) != 0) {
            fail_msg("%s", err.text);
        }
        oc_buf_free(&text);
    }
}

static void page_free(page *p)
{
    oc_buf_free(&p->page);
    oc_table_free(p->table);
    oc_tmpl_free(p->tmpl);
    oc_sched_free(p->sched);
    oc_def_free(p->def);
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
                            "Vaccines%20%26%20co\"");
    assert_has(p.page.data, "href=\"https://cal.example.org/v/vaccins.ics\" download>");
    assert_int_equal(count(p.page.data, "<svg class=\"qr\""), 2);
    assert_has(p.page.data, "Mis à jour le mardi 18 juillet 2023");

    /* Self-contained: no script, no external style sheet or image. */
    assert_null(strstr(p.page.data, "<script"));
    assert_int_equal(count(p.page.data, "<link"), 1); /* the change log's, below */
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
    assert_null(strstr(p.page.data, "webcal://"));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_links_and_qr),
        cmocka_unit_test(test_html_escapes_definition_texts),
        cmocka_unit_test(test_html_relative_without_base_url),
        cmocka_unit_test(test_html_table_and_grid),
        cmocka_unit_test(test_html_qr_and_encoding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
