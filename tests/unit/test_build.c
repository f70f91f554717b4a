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
    oc_build_opts opts = {mode, dir, NULL, OC_TEST_TEMPLATES, 1.0, now, true, false};
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
    oc_build_opts opts = {OC_BUILD_WRITE, dir, NULL, OC_TEST_TEMPLATES, 1.0, 0, true, false};
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
    oc_build_opts opts = {OC_BUILD_CHECK, dir, NULL, OC_TEST_TEMPLATES, 1.0, 0, false, false};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_build_writes_then_rewrites_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_dry_run_and_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_language_without_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_show, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
