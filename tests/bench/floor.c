/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of the benchmark (tests/bench/README.md): the cheapest honest
 * way to write the feed ordercal writes for a weekly schedule, in plain C.
 * No libical, no YAML, no template engine, no publish gate, no fsync, no
 * previous feed. It is memcpy-based, with no stdio and no printf family on
 * the hot path: every event is built by memcpy into one 1 MiB buffer,
 * written out with write(2) in whole chunks when nearly full. The constant
 * lines (DTSTAMP, LAST-MODIFIED, URL, the fixed summaries, the alarm) are
 * escaped and folded once at start-up, and so are the fixed parts of the
 * French texts (as in templates/fr/). Per event, the date texts come from
 * a small hand-written decimal writer and go through the same TEXT
 * escaping, and each SUMMARY or DESCRIPTION line is folded at 75 octets:
 * the same rules as src/ics.c. Version-5 UIDs come from libuuid
 * (uuid_generate_sha1 on a name built by memcpy), written in hex by hand;
 * the Europe/Paris VTIMEZONE is a constant.
 *
 *   oc_bench_floor FROM COUNT OUT
 *
 * writes to OUT the feed of COUNT weekly sessions of two days starting on
 * FROM (YYYY-MM-DD, a Monday), for the calendar id "vaccins-covid19", with
 * the session, confirmation, delivery and appointments events of each
 * (4 x COUNT events). Given the definition tests/bench/bench.py generates,
 * its bytes are those of `ordercal build` (bench.py checks it at every N):
 * DTSTAMP and LAST-MODIFIED are SOURCE_DATE_EPOCH (default 1689638400,
 * 2023-07-18). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#define CAL_ID "vaccins-covid19"
#define CAL_NAME "Vaccins Covid-19 \xe2\x80\x94 portail de commande"
#define CAL_DESC                                                                                   \
    "Ouverture du portail de commande des vaccins Covid-19 et livraisons indicatives "             \
    "(officines)."
#define CAL_URL                                                                                    \
    "https://www.santepubliquefrance.fr/dossiers/coronavirus-covid-19/"                            \
    "commande-de-vaccins-covid-19"
#define CAL_REF                                                                                    \
    "DGS-URGENT N\xc2\xb0"                                                                         \
    "2023-11 du 18/07/2023"
#define TZID "Europe/Paris"
#define UID_NAMESPACE "2a842644-001d-4466-9ca0-07e6f4f20341"

/* {extra}: the reference, then the URL. */
#define EXTRA "\nSource : " CAL_REF "\n" CAL_URL

typedef struct {
    const char *p;
    size_t n;
} str_t;

#define STR(s)                                                                                     \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

static const str_t month_name[13] = {
    STR(""),        STR("janvier"),  STR("f\xc3\xa9vrier"), STR("mars"),        STR("avril"),
    STR("mai"),     STR("juin"),     STR("juillet"),        STR("ao\xc3\xbbt"), STR("septembre"),
    STR("octobre"), STR("novembre"), STR("d\303\251cembre")};
static const str_t weekday_name[8] = {STR(""),         STR("lundi"),   STR("mardi"),
                                      STR("mercredi"), STR("jeudi"),   STR("vendredi"),
                                      STR("samedi"),   STR("dimanche")};

typedef struct {
    int year, month, day, weekday; /* weekday 1 = Monday */
} date_t;

/* Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms). */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static date_t civil_from_days(int64_t z)
{
    date_t r;
    int64_t era, doe, yoe, doy, mp, y;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.year = (int)(y + (r.month <= 2));
    /* 1970-01-01 was a Thursday (4). */
    r.weekday = (int)(((z - 719468) % 7 + 7 + 3) % 7) + 1;
    return r;
}

static void die(const char *msg)
{
    fputs(msg, stderr);
    exit(1);
}

/* ---- bytes ------------------------------------------------------------------ */

/* Every writer takes the cursor and returns it past what it wrote. */
static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

#define PUT(o, lit) put((o), (lit), sizeof(lit) - 1)

static char *put_str(char *o, str_t s)
{
    return put(o, s.p, s.n);
}

/* v in decimal, zero-padded to at least width (at most 10) digits. */
static char *put_num(char *o, uint32_t v, int width)
{
    char tmp[10];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n < width) {
        tmp[n++] = '0';
    }
    while (n > 0) {
        *o++ = tmp[--n];
    }
    return o;
}

static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* YYYYMMDD */
static char *put_ymd(char *o, const date_t *d)
{
    o = put_num(o, (uint32_t)d->year, 4);
    o = put2(o, d->month);
    return put2(o, d->day);
}

/* TEXT escaping (RFC 5545 §3.3.11). */
static char *escape(char *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '\\':
        case ';':
        case ',':
            *o++ = '\\';
            *o++ = s[i];
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        default:
            *o++ = s[i];
        }
    }
    return o;
}

/* Writes one content line folded at 75 octets (74 after the leading space
 * of a continuation), never inside a UTF-8 character or an escape pair. */
static char *fold(char *o, const char *line, size_t len)
{
    size_t pos = 0, limit = 75;

    while (len - pos > limit) {
        size_t cut = pos + limit, run = 0;

        while (cut > pos + 1 && ((unsigned char)line[cut] & 0xC0) == 0x80) {
            cut--;
        }
        for (size_t i = cut; i > 0 && line[i - 1] == '\\'; i--) {
            run++;
        }
        if (run % 2 == 1) {
            cut--;
        }
        o = put(o, line + pos, cut - pos);
        o = PUT(o, "\r\n ");
        pos = cut;
        limit = 74;
    }
    o = put(o, line + pos, len - pos);
    return PUT(o, "\r\n");
}

/* NAME:escaped(text), folded: start-up only (the constant lines). */
static char *put_text(char *o, const char *name, const char *text)
{
    char line[4096], *l = line;
    size_t nn = strlen(name), tn = strlen(text);

    if (nn + 1 + 2 * tn > sizeof(line)) {
        die("oc_bench_floor: text too long\n");
    }
    l = put(l, name, nn);
    *l++ = ':';
    l = escape(l, text, tn);
    return fold(o, line, (size_t)(l - line));
}

static char *put_plain(char *o, const char *line)
{
    return fold(o, line, strlen(line));
}

/* ---- texts ------------------------------------------------------------------ */

static char *day_text(char *o, const date_t *d)
{
    if (d->day == 1) {
        return PUT(o, "1er");
    }
    return put_num(o, (uint32_t)d->day, 1);
}

/* "17 juillet 2023" */
static char *put_dmy(char *o, const date_t *d)
{
    o = day_text(o, d);
    *o++ = ' ';
    o = put_str(o, month_name[d->month]);
    *o++ = ' ';
    return put_num(o, (uint32_t)d->year, 1);
}

/* "lundi 17 juillet 2023" */
static char *put_wdmy(char *o, const date_t *d)
{
    o = put_str(o, weekday_name[d->weekday]);
    *o++ = ' ';
    return put_dmy(o, d);
}

/* "le lundi 17 juillet 2023", "les lundi 17 et mardi 18 juillet 2023",
 * "du lundi 17 au mercredi 19 juillet 2023", across months and years;
 * span = last - first in days. */
static char *span_text(char *o, const date_t *a, const date_t *z, int64_t span)
{
    if (span == 0) {
        o = PUT(o, "le ");
        return put_wdmy(o, a);
    }
    o = span == 1 ? PUT(o, "les ") : PUT(o, "du ");
    o = put_str(o, weekday_name[a->weekday]);
    *o++ = ' ';
    o = day_text(o, a);
    if (a->year != z->year) {
        *o++ = ' ';
        o = put_str(o, month_name[a->month]);
        *o++ = ' ';
        o = put_num(o, (uint32_t)a->year, 1);
    } else if (a->month != z->month) {
        *o++ = ' ';
        o = put_str(o, month_name[a->month]);
    }
    o = span == 1 ? PUT(o, " et ") : PUT(o, " au ");
    return put_wdmy(o, z);
}

/* "17-18 juillet 2023", "31 juillet \u2013 1er ao\u00fbt 2023". */
static char *short_text(char *o, const date_t *a, const date_t *z, int64_t span)
{
    if (span == 0) {
        return put_dmy(o, a);
    }
    if (a->year == z->year && a->month == z->month) {
        o = day_text(o, a);
        *o++ = '-';
    } else if (a->year == z->year) {
        o = day_text(o, a);
        *o++ = ' ';
        o = put_str(o, month_name[a->month]);
        o = PUT(o, " \xe2\x80\x93 ");
    } else {
        o = put_dmy(o, a);
        o = PUT(o, " \xe2\x80\x93 ");
    }
    return put_dmy(o, z);
}

/* ---- the texts' templates ---------------------------------------------------- */

/* The slots of a template, as bytes that no text holds. */
enum {
    T_NONE,
    T_SESSION,
    T_DELIVERY,
    T_SESSION_SHORT,
    T_DELIVERY_SHORT,
    T_CONFIRMATION,
    T_APPOINTMENTS,
    T_SLOTS
};
#define SESSION "\001"
#define DELIVERY "\002"
#define SESSION_SHORT "\003"
#define DELIVERY_SHORT "\004"
#define CONFIRMATION "\005"
#define APPOINTMENTS "\006"

#define SLOT_MAX 256  /* an escaped slot text */
#define LITS_MAX 2048 /* a template's escaped fixed parts */
#define PARTS_MAX 8

/* "NAME:" and the escaped fixed parts, each followed by a slot (or none). */
typedef struct {
    struct {
        str_t lit;
        int slot;
    } part[PARTS_MAX];
    int n;
} tmpl_t;

static char arena[16384]; /* the templates' parts and the constant blobs */
static size_t arena_used;

static void compile(tmpl_t *t, const char *name, const char *text)
{
    char *o = arena + arena_used, *start = o;
    size_t total = 0;

    if (sizeof(arena) - arena_used < strlen(name) + 1 + 2 * strlen(text)) {
        die("oc_bench_floor: templates too long\n");
    }
    o = put(o, name, strlen(name));
    *o++ = ':';
    t->n = 0;
    for (const char *p = text;;) {
        const char *q = p;

        while (*q != '\0' && (unsigned char)*q >= T_SLOTS) {
            q++;
        }
        if (t->n == PARTS_MAX) {
            die("oc_bench_floor: template has too many slots\n");
        }
        o = escape(o, p, (size_t)(q - p));
        t->part[t->n].lit = (str_t){start, (size_t)(o - start)};
        t->part[t->n].slot = (unsigned char)*q;
        total += (size_t)(o - start);
        t->n++;
        if (*q == '\0') {
            break;
        }
        p = q + 1;
        start = o;
    }
    if (total > LITS_MAX) {
        die("oc_bench_floor: template too long\n");
    }
    arena_used = (size_t)(o - arena);
}

/* The template's line with the slots filled in, folded. */
static char *put_tmpl(char *o, const tmpl_t *t, const str_t *slot)
{
    char line[LITS_MAX + PARTS_MAX * SLOT_MAX], *l = line;

    for (int i = 0; i < t->n; i++) {
        l = put_str(l, t->part[i].lit);
        if (t->part[i].slot != T_NONE) {
            l = put_str(l, slot[t->part[i].slot]);
        }
    }
    return fold(o, line, (size_t)(l - line));
}

/* A constant stretch of lines, written once into the arena. */
static str_t blob_end(char *start, char *end)
{
    if (end > arena + sizeof(arena)) {
        die("oc_bench_floor: arena overflow\n");
    }
    arena_used = (size_t)(end - arena);
    return (str_t){start, (size_t)(end - start)};
}

static char *put_uid(char *o, const uuid_t ns, str_t kind, const char ymd[8])
{
    static const char hex[] = "0123456789abcdef";
    char name[64], *n = name;
    uuid_t u;

    n = PUT(n, CAL_ID "/");
    n = put_str(n, kind);
    *n++ = '/';
    n = put(n, ymd, 8);
    uuid_generate_sha1(u, ns, name, (size_t)(n - name));
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *o++ = '-';
        }
        *o++ = hex[u[i] >> 4];
        *o++ = hex[u[i] & 15];
    }
    return o;
}

static const char vtimezone[] =
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:20220327T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:20221030T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

/* YYYY-MM-DD (1-4, 1-2 and 1-2 digits), a real date. */
static int parse_date(const char *s, int64_t *day)
{
    static const int width[3] = {4, 2, 2};
    int v[3];

    for (int k = 0; k < 3; k++) {
        int n = 0;

        v[k] = 0;
        while (n < width[k] && *s >= '0' && *s <= '9') {
            v[k] = v[k] * 10 + (*s++ - '0');
            n++;
        }
        if (n == 0 || *s != (k < 2 ? '-' : '\0')) {
            return -1;
        }
        s++;
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31) {
        return -1;
    }
    *day = days_from_civil(v[0], v[1], v[2]);
    return civil_from_days(*day).day == v[2] ? 0 : -1;
}

/* ---- the feed ---------------------------------------------------------------- */

#define OUT_SIZE (1 << 20)
#define OUT_SLACK (1 << 17) /* far more than one session's four events */

static char out[OUT_SIZE];

static int flush(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const str_t kind_session = STR("session"), kind_confirmation = STR("confirmation"),
                       kind_delivery = STR("delivery"), kind_appointments = STR("appointments");
    int64_t from, stamp_s = 1689638400;
    long count;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end, *o;
    tmpl_t session_desc, confirmation_desc, delivery_summary, delivery_desc, appointments_summary,
        appointments_desc;
    str_t common, session_summary, confirmation_summary, tail, alarm_tail;
    char text[T_SLOTS][SLOT_MAX];
    str_t slot[T_SLOTS];
    uuid_t ns;
    int fd;

    if (argc != 4 || parse_date(argv[1], &from) != 0 || civil_from_days(from).weekday != 1) {
        fputs("usage: oc_bench_floor FROM(YYYY-MM-DD, a Monday) COUNT OUT\n", stderr);
        return 2;
    }
    errno = 0;
    count = strtol(argv[2], &end, 10);
    if (errno != 0 || *end != '\0' || count < 1 || count > 100000) {
        fputs("oc_bench_floor: COUNT must be 1 to 100000\n", stderr);
        return 2;
    }
    if (civil_from_days(from + 7 * (count - 1) + 13).year > 9999) {
        fputs("oc_bench_floor: the sessions go past 9999\n", stderr);
        return 2;
    }
    if (sde != NULL && *sde != '\0') {
        stamp_s = strtoll(sde, NULL, 10);
    }
    if (stamp_s < 0) {
        fputs("oc_bench_floor: SOURCE_DATE_EPOCH before 1970\n", stderr);
        return 2;
    }
    uuid_parse(UID_NAMESPACE, ns);

    /* Start-up: the constant lines, escaped and folded once. */
    {
        date_t d = civil_from_days(stamp_s / 86400);
        int s = (int)(stamp_s % 86400);
        char stamp[32], *p = stamp, *a;

        p = put_ymd(p, &d);
        *p++ = 'T';
        p = put2(p, s / 3600);
        p = put2(p, s % 3600 / 60);
        p = put2(p, s % 60);
        *p++ = 'Z';

        /* What follows the UID's value. */
        a = arena + arena_used;
        a = PUT(a, "\r\nDTSTAMP:");
        a = put(a, stamp, (size_t)(p - stamp));
        a = PUT(a, "\r\nLAST-MODIFIED:");
        a = put(a, stamp, (size_t)(p - stamp));
        a = PUT(a, "\r\nSEQUENCE:0\r\n");
        common = blob_end(arena + arena_used, a);

        a = put_text(arena + arena_used, "SUMMARY", "Portail de commande ouvert");
        session_summary = blob_end(arena + arena_used, a);
        a = put_text(arena + arena_used, "SUMMARY", "Confirmation de commande disponible");
        confirmation_summary = blob_end(arena + arena_used, a);

        a = put_plain(arena + arena_used, "URL:" CAL_URL);
        a = PUT(a, "TRANSP:TRANSPARENT\r\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\r\nEND:VEVENT\r\n");
        tail = blob_end(arena + arena_used, a);

        a = put_plain(arena + arena_used, "URL:" CAL_URL);
        a = PUT(a, "TRANSP:TRANSPARENT\r\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\r\n"
                   "BEGIN:VALARM\r\nACTION:DISPLAY\r\n");
        a = put_text(a, "DESCRIPTION",
                     "Confirmation de commande disponible : onglet \xc2\xab suivi "
                     "de commande \xc2\xbb du portail");
        a = PUT(a, "TRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n");
        alarm_tail = blob_end(arena + arena_used, a);
    }
    compile(&session_desc, "DESCRIPTION",
            "Le portail de commande est ouvert " SESSION ".\nLivraison indicative : " DELIVERY
            ".\nConfirmation de commande (quantit\xc3\xa9s, date de livraison "
            "pr\xc3\xa9visionnelle) dans l'onglet \xc2\xab suivi de commande \xc2\xbb "
            "\xc3\xa0 partir du " CONFIRMATION ".\nPlanifiez les rendez-vous de vaccination "
            "\xc3\xa0 partir du " APPOINTMENTS "." EXTRA);
    compile(&confirmation_desc, "DESCRIPTION",
            "La confirmation de votre commande de la session du " SESSION_SHORT
            " est visible dans le portail, onglet \xc2\xab suivi de commande \xc2\xbb : "
            "quantit\xc3\xa9s command\xc3\xa9"
            "es et date de livraison pr\xc3\xa9visionnelle.\n"
            "Livraison indicative : " DELIVERY ".\nPlanifiez les rendez-vous \xc3\xa0 partir du "
            "lendemain de la livraison pr\xc3\xa9visionnelle indiqu\xc3\xa9"
            "e dans la confirmation." EXTRA);
    compile(&delivery_summary, "SUMMARY", "Livraison indicative (commande du " SESSION_SHORT ")");
    compile(&delivery_desc, "DESCRIPTION",
            "Livraison indicative des commandes pass\xc3\xa9"
            "es lors de la session du " SESSION_SHORT " : " DELIVERY
            ".\nLa date pr\xc3\xa9visionnelle exacte figure dans la confirmation de commande "
            "(onglet \xc2\xab suivi de commande \xc2\xbb, \xc3\xa0 partir du " CONFIRMATION
            ").\nPlanifiez les rendez-vous \xc3\xa0 partir du " APPOINTMENTS "." EXTRA);
    compile(&appointments_summary, "SUMMARY",
            "Rendez-vous possibles (livraison du " DELIVERY_SHORT ")");
    compile(&appointments_desc, "DESCRIPTION",
            "\xc3\x80 partir de ce jour, vous pouvez planifier les rendez-vous de vaccination : "
            "les commandes de la session du " SESSION_SHORT " sont livr\xc3\xa9"
            "es " DELIVERY " (date indicative, voir la confirmation de commande)." EXTRA);

    fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        perror(argv[3]);
        return 3;
    }

    o = out;
    o = PUT(o, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ordercal//ordercal 0.1.0//EN\r\n"
               "CALSCALE:GREGORIAN\r\n");
    o = put_text(o, "NAME", CAL_NAME);
    o = put_text(o, "DESCRIPTION", CAL_DESC);
    o = put_plain(o, "URL:" CAL_URL);
    o = PUT(o, "REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\nX-PUBLISHED-TTL:PT6H\r\n");
    o = put_text(o, "X-WR-CALNAME", CAL_NAME);
    o = put_text(o, "X-WR-CALDESC", CAL_DESC);
    o = put_text(o, "X-WR-TIMEZONE", TZID);
    o = PUT(o, vtimezone);

    for (long i = 0; i < count; i++) {
        int64_t d = from + 7 * i; /* Monday; Tuesday d+1; Wednesday d+2 at 18:00;
                                     delivery d+10..d+11; appointments d+12 */
        date_t mon = civil_from_days(d), tue = civil_from_days(d + 1), wed = civil_from_days(d + 2),
               del0 = civil_from_days(d + 10), del1 = civil_from_days(d + 11),
               app = civil_from_days(d + 12), app1 = civil_from_days(d + 13);
        char ymd_mon[8], ymd_wed[8], ymd_del0[8], ymd_app[8], ymd_app1[8];
        char raw[SLOT_MAX / 2], *r;

        if ((size_t)(o - out) > OUT_SIZE - OUT_SLACK) {
            if (flush(fd, out, (size_t)(o - out)) != 0) {
                perror(argv[3]);
                return 3;
            }
            o = out;
        }
        put_ymd(ymd_mon, &mon);
        put_ymd(ymd_wed, &wed);
        put_ymd(ymd_del0, &del0);
        put_ymd(ymd_app, &app);
        put_ymd(ymd_app1, &app1);

        /* The slots' texts, escaped like any TEXT (raw texts are < 128 bytes). */
#define SLOT(k, expr)                                                                              \
    do {                                                                                           \
        r = (expr);                                                                                \
        slot[k] = (str_t){text[k], (size_t)(escape(text[k], raw, (size_t)(r - raw)) - text[k])};   \
    } while (0)
        SLOT(T_SESSION, span_text(raw, &mon, &tue, 1));
        SLOT(T_DELIVERY, span_text(raw, &del0, &del1, 1));
        SLOT(T_SESSION_SHORT, short_text(raw, &mon, &tue, 1));
        SLOT(T_DELIVERY_SHORT, short_text(raw, &del0, &del1, 1));
        SLOT(T_CONFIRMATION, PUT(put_wdmy(raw, &wed), " \xc3\xa0 18h00"));
        SLOT(T_APPOINTMENTS, put_wdmy(raw, &app));
#undef SLOT

        /* session */
        o = PUT(o, "BEGIN:VEVENT\r\nUID:");
        o = put_uid(o, ns, kind_session, ymd_mon);
        o = put_str(o, common);
        o = PUT(o, "DTSTART;VALUE=DATE:");
        o = put(o, ymd_mon, 8);
        o = PUT(o, "\r\nDTEND;VALUE=DATE:");
        o = put(o, ymd_wed, 8);
        o = PUT(o, "\r\n");
        o = put_str(o, session_summary);
        o = put_tmpl(o, &session_desc, slot);
        o = put_str(o, tail);

        /* confirmation */
        o = PUT(o, "BEGIN:VEVENT\r\nUID:");
        o = put_uid(o, ns, kind_confirmation, ymd_mon);
        o = put_str(o, common);
        o = PUT(o, "DTSTART;TZID=" TZID ":");
        o = put(o, ymd_wed, 8);
        o = PUT(o, "T180000\r\nDTEND;TZID=" TZID ":");
        o = put(o, ymd_wed, 8);
        o = PUT(o, "T183000\r\n");
        o = put_str(o, confirmation_summary);
        o = put_tmpl(o, &confirmation_desc, slot);
        o = put_str(o, alarm_tail);

        /* delivery */
        o = PUT(o, "BEGIN:VEVENT\r\nUID:");
        o = put_uid(o, ns, kind_delivery, ymd_mon);
        o = put_str(o, common);
        o = PUT(o, "DTSTART;VALUE=DATE:");
        o = put(o, ymd_del0, 8);
        o = PUT(o, "\r\nDTEND;VALUE=DATE:");
        o = put(o, ymd_app, 8);
        o = PUT(o, "\r\n");
        o = put_tmpl(o, &delivery_summary, slot);
        o = put_tmpl(o, &delivery_desc, slot);
        o = put_str(o, tail);

        /* appointments */
        o = PUT(o, "BEGIN:VEVENT\r\nUID:");
        o = put_uid(o, ns, kind_appointments, ymd_mon);
        o = put_str(o, common);
        o = PUT(o, "DTSTART;VALUE=DATE:");
        o = put(o, ymd_app, 8);
        o = PUT(o, "\r\nDTEND;VALUE=DATE:");
        o = put(o, ymd_app1, 8);
        o = PUT(o, "\r\n");
        o = put_tmpl(o, &appointments_summary, slot);
        o = put_tmpl(o, &appointments_desc, slot);
        o = put_str(o, tail);
    }
    o = PUT(o, "END:VCALENDAR\r\n");
    if (flush(fd, out, (size_t)(o - out)) != 0 || close(fd) != 0) {
        perror(argv[3]);
        return 3;
    }
    return 0;
}
