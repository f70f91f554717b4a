/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the build: a definition in, the files of the output folder
 * out, as `ordercal build`, `check`, `show` and `--dry-run` see them; an
 * unchanged rebuild writes nothing; definition errors come before the
 * output folder is touched. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordercal/build.h"

#define DEFAULT_DEF OC_TEST_SOURCE_DIR "/schedules/dgs-urgent-2023-11.yaml"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/oc-test-build.XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs one build of 'def' in 'mode' and returns what it says. */
static char *run(const char *def, oc_build_mode mode, int64_t now)
{
    oc_build_opts opts = {mode, dir, NULL, OC_TEST_TEMPLATES, 1.0, now, true, NULL, NULL, false};
    oc_build *b = oc_build_new(&opts);
    oc_buf text = {0};
    oc_error err;

    oc_error_init(&err);
    if (oc_build_add(b, def, &err) != 0 || oc_build_run(b, &err) != 0) {
        fail_msg("%s", err.text);
    }
    oc_build_text(b, &text);
    oc_build_free(b);
    return oc_buf_detach(&text);
}

static void test_build_writes_then_rewrites_nothing(void **state)
{
    char path[128], *text;
    struct stat before, after;

    (void)state;
    text = run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400);
    assert_non_null(strstr(text, "/vaccins-covid19.ics: created (37 events)\n"));
    assert_non_null(strstr(text, "/vaccins-covid19-livraisons.ics: created (8 events)\n"));
    assert_non_null(strstr(text, "/index.html: created\n"));
    free(text);
    snprintf(path, sizeof(path), "%s/vaccins-covid19.ics", dir);
    assert_int_equal(stat(path, &before), 0);

    /* A day later, nothing changed: no file is written, none reported. */
    text = run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400 + 86400);
    assert_null(strstr(text, "created"));
    assert_null(strstr(text, "updated"));
    assert_non_null(strstr(text, "/index.html: unchanged\n"));
    free(text);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_int_equal(before.st_ino, after.st_ino);
}

/* A rebuild the same day with nothing changed stops at the state of the
 * last build; a file touched since, or gone, makes it render again. */
static void test_build_state_of_the_last_build(void **state)
{
    char path[128], *text;
    FILE *fp;

    (void)state;
    free(run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400));
    snprintf(path, sizeof(path), "%s/.ordercal.state", dir);
    assert_true(access(path, R_OK) == 0);
    text = run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400 + 60);
    assert_non_null(strstr(text, "/vaccins-covid19-en.ics: unchanged\n"));
    assert_null(strstr(text, "created"));
    free(text);

    /* Someone edits a feed by hand: it is rebuilt, the others are not. */
    snprintf(path, sizeof(path), "%s/vaccins-covid19-livraisons.ics", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", fp);
    fclose(fp);
    text = run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400 + 120);
    assert_non_null(strstr(text, "/vaccins-covid19-livraisons.ics: updated (8 events changed)\n"));
    assert_non_null(strstr(text, "/vaccins-covid19.ics: unchanged\n"));
    free(text);

    /* The page is deleted: it comes back. */
    snprintf(path, sizeof(path), "%s/index.html", dir);
    assert_int_equal(unlink(path), 0);
    text = run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400 + 180);
    assert_non_null(strstr(text, "/index.html: created\n"));
    free(text);
    text = run(DEFAULT_DEF, OC_BUILD_WRITE, 1689638400 + 240);
    assert_null(strstr(text, "created"));
    assert_null(strstr(text, "updated"));
    free(text);
}

static void test_build_dry_run_and_check(void **state)
{
    static const char yaml[] = "calendar: { id: b, name: B, timezone: Europe/Paris }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n";
    static const char moved[] = "calendar: { id: b, name: B, timezone: Europe/Paris }\n"
                                "session: { delivery: { offset: 11, length: 1 } }\n"
                                "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n";
    char def[128], *text;
    FILE *fp;
    struct stat st;

    (void)state;
    snprintf(def, sizeof(def), "%s/def.yaml", dir);
    fp = fopen(def, "w");
    assert_non_null(fp);
    fputs(yaml, fp);
    fclose(fp);

    /* A check makes no folder; a dry run writes nothing. */
    text = run(def, OC_BUILD_CHECK, 1689638400);
    assert_true(strstr(text, "def.yaml: ok (2 sessions: 2 open, 0 closed; 1 feed)\n") != NULL);
    free(text);
    text = run(def, OC_BUILD_DRY_RUN, 1689638400);
    assert_non_null(strstr(text, "/b.ics: would be created (8 events)\n"));
    free(text);
    snprintf(def + strlen(dir), sizeof(def) - strlen(dir), "/b.ics");
    assert_int_not_equal(stat(def, &st), 0);

    text = run(strcat(strcpy(def, dir), "/def.yaml"), OC_BUILD_WRITE, 1689638400);
    free(text);
    fp = fopen(def, "w");
    assert_non_null(fp);
    fputs(moved, fp);
    fclose(fp);
    text = run(def, OC_BUILD_DRY_RUN, 1689638400 + 3600);
    assert_non_null(strstr(text, "/b.ics: would be updated (8 events changed)\n"));
    assert_non_null(strstr(text, "  ~ delivery     2023-07-27..2023-07-28 -> 2023-07-28 "
                                 "(session 2023-07-17)\n"));
    free(text);

    /* Written for real, the same report. */
    text = run(def, OC_BUILD_WRITE, 1689638400 + 3600);
    assert_non_null(strstr(text, "/b.ics: updated (8 events changed)\n"));
    free(text);
}

static void test_build_language_without_templates(void **state)
{
    static const char yaml[] = "calendar: { id: ev, name: Ev, timezone: UTC, language: de }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-07-24 } ]\n";
    oc_build_opts opts = {OC_BUILD_WRITE, dir,  NULL, OC_TEST_TEMPLATES, 1.0, 0, true,
                          NULL,           NULL, false};
    oc_build *b = oc_build_new(&opts);
    char def[128];
    oc_error err;
    FILE *fp;

    (void)state;
    snprintf(def, sizeof(def), "%s/de.yaml", dir);
    fp = fopen(def, "w");
    assert_non_null(fp);
    fputs(yaml, fp);
    fclose(fp);
    oc_error_init(&err);
    assert_int_equal(oc_build_add(b, def, &err), -1);
    assert_int_equal(err.code, OC_E_VALUE);
    assert_int_equal(err.pos.line, 1);
    assert_int_equal(err.pos.column, 56);
    assert_non_null(strstr(err.text, "no templates for language 'de' in calendar"));
    oc_build_free(b);
}

static void test_build_show(void **state)
{
    oc_build_opts opts = {OC_BUILD_CHECK, dir,  NULL, OC_TEST_TEMPLATES, 1.0, 0, false,
                          NULL,           NULL, false};
    oc_build *b = oc_build_new(&opts);
    oc_buf text = {0};
    oc_error err;

    (void)state;
    oc_error_init(&err);
    assert_int_equal(oc_build_add(b, DEFAULT_DEF, &err), 0);
    assert_int_equal(oc_build_show(b, &text, &err), 0);
    assert_non_null(strstr(text.data, "17-18 juillet 2023          Ouvert           "
                                      "27-28 juillet 2023            mercredi 19 juillet 2023 "
                                      "à 18h00\n"));
    assert_non_null(strstr(text.data, "31 juillet – 1er août 2023  Fermé\n"));
    oc_buf_free(&text);
    oc_build_free(b);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static const char site_a[] = "calendar: { id: a, name: Alpha, timezone: Europe/Paris }\n"
                             "session: {}\n"
                             "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n"
                             "feeds: [ { id: a }, { id: a-en, language: en } ]\n";
static const char site_b[] = "calendar: { id: b, name: Beta, timezone: Indian/Reunion }\n"
                             "session: {}\n"
                             "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n";

/* A folder is every *.yaml in it, in name order, published as one site:
 * each definition's feeds, then one page of both. */
static void test_build_site_folder(void **state)
{
    oc_build_opts opts = {OC_BUILD_WRITE, dir,  NULL, OC_TEST_TEMPLATES, 1.0, 1689638400, true,
                          NULL,           NULL, false};
    oc_build *b = oc_build_new(&opts);
    const oc_build_summary *sums;
    const oc_build_file *files;
    char path[160];
    oc_buf page = {0}, text = {0};
    oc_error err;
    size_t n;

    (void)state;
    snprintf(path, sizeof(path), "%s/defs", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/defs/2-b.yaml", dir);
    write_file(path, site_b);
    snprintf(path, sizeof(path), "%s/defs/1-a.yaml", dir);
    write_file(path, site_a);
    snprintf(path, sizeof(path), "%s/defs/.0-b.yaml", dir); /* hidden: left out */
    write_file(path, site_b);
    snprintf(path, sizeof(path), "%s/defs/", dir);
    oc_error_init(&err);
    if (oc_build_add(b, path, &err) != 0 || oc_build_run(b, &err) != 0) {
        fail_msg("%s", err.text);
    }
    sums = oc_build_summaries(b, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(sums[0].path, "/defs/1-a.yaml"));
    assert_null(strstr(sums[0].path, "//"));
    assert_non_null(strstr(sums[1].path, "/defs/2-b.yaml"));
    assert_true(oc_build_declares(b, "a-en"));
    assert_true(oc_build_declares(b, "b"));
    assert_false(oc_build_declares(b, "c"));
    files = oc_build_files(b, &n);
    assert_int_equal(n, 9);
    assert_non_null(strstr(files[0].path, "/a.ics"));
    assert_non_null(strstr(files[1].path, "/a-en.ics"));
    assert_non_null(strstr(files[2].path, "/b.ics"));
    assert_non_null(strstr(files[3].path, "/events/a-20230719.ics"));
    assert_non_null(strstr(files[4].path, "/events/a-20230726.ics"));
    assert_non_null(strstr(files[5].path, "/events/b-20230719.ics"));
    assert_non_null(strstr(files[6].path, "/events/b-20230726.ics"));
    assert_non_null(strstr(files[7].path, "/changes.atom"));
    assert_non_null(strstr(files[8].path, "/index.html"));
    assert_int_equal(oc_build_show(b, &text, &err), 0);
    assert_non_null(strstr(text.data, "Alpha\nDate "));
    assert_non_null(strstr(text.data, "\n\nBeta\nDate "));
    oc_build_free(b);

    snprintf(path, sizeof(path), "%s/index.html", dir);
    assert_int_equal(oc_file_read(path, 1 << 24, &page, &err), 0);
    assert_non_null(
        strstr(page.data, "<li><a href=\"#a\">Alpha</a></li>\n<li><a href=\"#b\">Beta"));
    assert_non_null(strstr(page.data, "<section class=\"calendar\" id=\"b\" lang=\"fr\">"));
    oc_buf_free(&page);
    oc_buf_free(&text);
}

/* Two definitions of one run may not share a feed id or a calendar id. */
static void test_build_site_collisions(void **state)
{
    static const char same_feed[] = "calendar: { id: c, name: C, timezone: UTC }\n"
                                    "session: {}\n"
                                    "rhythm: [ { from: 2023-07-17 } ]\n"
                                    "feeds: [ { id: c }, { id: a-en } ]\n";
    static const char same_calendar[] = "calendar:\n  id: a\n  name: A again\n  timezone: UTC\n"
                                        "session: {}\nrhythm: [ { from: 2023-07-17 } ]\n"
                                        "feeds: [ { id: d } ]\n";
    oc_build_opts opts = {OC_BUILD_WRITE, dir,  NULL, OC_TEST_TEMPLATES, 1.0, 0, true,
                          NULL,           NULL, false};
    oc_build *b = oc_build_new(&opts);
    char a[128], c[128], d[128], expected[320];
    oc_error err;

    (void)state;
    snprintf(a, sizeof(a), "%s/a.yaml", dir);
    snprintf(c, sizeof(c), "%s/c.yaml", dir);
    snprintf(d, sizeof(d), "%s/d.yaml", dir);
    write_file(a, site_a);
    write_file(c, same_feed);
    write_file(d, same_calendar);
    oc_error_init(&err);
    assert_int_equal(oc_build_add(b, a, &err), 0);
    assert_int_equal(oc_build_add(b, c, &err), -1);
    assert_int_equal(err.code, OC_E_VALUE);
    assert_string_equal(err.file, c);
    assert_int_equal(err.pos.line, 4);
    assert_int_equal(err.pos.column, 27);
    snprintf(expected, sizeof(expected), "feed id 'a-en' is already declared at %s:4:27", a);
    assert_string_equal(err.text, expected);

    oc_error_init(&err);
    assert_int_equal(oc_build_add(b, d, &err), -1);
    assert_int_equal(err.pos.line, 2);
    assert_int_equal(err.pos.column, 7);
    snprintf(expected, sizeof(expected), "calendar id 'a' is already declared at %s:1:17", a);
    assert_string_equal(err.text, expected);
    assert_false(oc_build_declares(b, "c"));
    oc_build_free(b);
}

/* --site-name and --site-language are checked before anything else. */
static void test_build_site_options(void **state)
{
    static const struct {
        const char *name, *language, *text;
    } cases[] = {
        {"", NULL, "invalid --site-name (one line of UTF-8 text, at most 4096 bytes)"},
        {"Two\nlines", NULL, "invalid --site-name (one line of UTF-8 text, at most 4096 bytes)"},
        {"Latin-1 \xe9", NULL, "invalid --site-name (one line of UTF-8 text, at most 4096 bytes)"},
        {NULL, "FR", "invalid --site-language 'FR' (a language code such as fr or en)"},
        {NULL, "../fr", "invalid --site-language '../fr' (a language code such as fr or en)"},
        {NULL, "de", "no templates for --site-language 'de' (available: en, fr)"},
    };
    struct stat st;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_build_opts opts = {
            OC_BUILD_WRITE,    dir,  NULL, OC_TEST_TEMPLATES, 1.0, 0, true, cases[i].name,
            cases[i].language, false};
        oc_build *b = oc_build_new(&opts);
        char out[128];
        oc_error err;

        oc_error_init(&err);
        assert_int_equal(oc_build_add(b, DEFAULT_DEF, &err), 0);
        assert_int_equal(oc_build_run(b, &err), -1);
        assert_int_equal(err.code, OC_E_USAGE);
        assert_string_equal(err.text, cases[i].text);
        snprintf(out, sizeof(out), "%s/index.html", dir);
        assert_int_not_equal(stat(out, &st), 0);
        oc_build_free(b);
    }
}

/* The copies of the confirmations near the build's day: made with the
 * feeds, unchanged a day later, removed with their row (in a dry run, only
 * reported); a file of events/ that ordercal did not write stays, and so
 * does anything there that is not a plain file. */
static void test_build_copies(void **state)
{
    static const char yaml[] = "calendar: { id: c, name: C, timezone: Europe/Paris }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-07-17, until: 2023-07-31 } ]\n";
    static const char theirs[] = "BEGIN:VCALENDAR\r\nPRODID:-//Someone//EN\r\nEND:VCALENDAR\r\n";
    char def[128], path[160], *text;
    struct stat st;

    (void)state;
    snprintf(def, sizeof(def), "%s/c.yaml", dir);
    write_file(def, yaml);
    text = run(def, OC_BUILD_CHECK, 1689638400);
    free(text);
    snprintf(path, sizeof(path), "%s/events", dir);
    assert_int_not_equal(stat(path, &st), 0);

    text = run(def, OC_BUILD_WRITE, 1689638400);
    assert_non_null(strstr(text, "/c.ics: created (12 events)\n"));
    assert_non_null(strstr(text, "/events/c-20230719.ics: created\n"));
    assert_non_null(strstr(text, "/events/c-20230802.ics: created\n"));
    free(text);
    snprintf(path, sizeof(path), "%s/events/theirs.ics", dir);
    write_file(path, theirs);
    snprintf(path, sizeof(path), "%s/events/link.ics", dir); /* not a file: left alone */
    assert_int_equal(symlink("c-20230719.ics", path), 0);

    /* A day later: unchanged; on 27 July, the copy of 19 July goes. */
    text = run(def, OC_BUILD_WRITE, 1689638400 + 86400);
    assert_null(strstr(text, "created"));
    assert_null(strstr(text, "removed"));
    free(text);
    text = run(def, OC_BUILD_DRY_RUN, 1690416000);
    assert_non_null(strstr(text, "/events/c-20230719.ics: would be removed\n"));
    free(text);
    snprintf(path, sizeof(path), "%s/events/c-20230719.ics", dir);
    assert_int_equal(stat(path, &st), 0);
    text = run(def, OC_BUILD_WRITE, 1690416000);
    assert_non_null(strstr(text, "/events/c-20230726.ics: unchanged\n"));
    assert_non_null(strstr(text, "/index.html: updated\n")); /* its row lost its links */
    assert_non_null(strstr(text, "/events/c-20230719.ics: removed\n"));
    assert_null(strstr(text, "theirs"));
    free(text);
    assert_int_not_equal(stat(path, &st), 0);
    snprintf(path, sizeof(path), "%s/events/theirs.ics", dir);
    assert_int_equal(stat(path, &st), 0);
    snprintf(path, sizeof(path), "%s/events/link.ics", dir);
    assert_int_equal(lstat(path, &st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_build_writes_then_rewrites_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_state_of_the_last_build, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_dry_run_and_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_language_without_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_site_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_site_collisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_site_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_copies, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
