/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of the benchmark (tests/bench/README.md): the cheapest honest
 * way to write the feed ordercal writes for a weekly schedule, in plain
 * stdio. No libical, no YAML, no templates, no publish gate, no fsync, no
 * previous feed: French texts hard-coded as in templates/fr/, our own TEXT
 * escaping and 75-octet folding (the same rules as src/ics.c), version-5
 * UIDs from libuuid, and the Europe/Paris VTIMEZONE written as a constant.
 *
 *   oc_bench_floor FROM COUNT OUT
 *
 * writes to OUT the feed of COUNT weekly sessions of two days starting on
 * FROM (YYYY-MM-DD, a Monday), for the calendar id "vaccins-covid19", with
 * the session, confirmation, delivery and appointments events of each
 * (4 x COUNT events). Given the definition tests/bench/bench.py generates,
 * its bytes are those of `ordercal build` (bench.py checks it at the
 * smallest N): DTSTAMP and LAST-MODIFIED are SOURCE_DATE_EPOCH
 * (default 1689638400, 2023-07-18). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#define CAL_ID "vaccins-covid19"
#define CAL_NAME "Vaccins Covid-19 \xe2\x80\x94 portail de commande"
#define CAL_DESC                                                                                 \
    "Ouverture du portail de commande des vaccins Covid-19 et livraisons indicatives "          \
    "(officines)."
#define CAL_URL                                                                                  \
    "https://www.santepubliquefrance.fr/dossiers/coronavirus-covid-19/"                        \
    "commande-de-vaccins-covid-19"
#define CAL_REF "DGS-URGENT N\xc2\xb0" "2023-11 du 18/07/2023"
#define TZID "Europe/Paris"
#define UID_NAMESPACE "2a842644-001d-4466-9ca0-07e6f4f20341"

/* {extra}: the reference, then the URL. */
#define EXTRA "\nSource : " CAL_REF "\n" CAL_URL

static const char *const month_name[13] = {
    "",     "janvier", "f\xc3\xa9vrier", "mars",      "avril",   "mai",     "juin",
    "juillet", "ao\xc3\xbbt", "septembre", "octobre", "novembre", "d\303\251cembre"};
static const char *const weekday_name[8] = {"",      "lundi",    "mardi",  "mercredi",
                                            "jeudi", "vendredi", "samedi", "dimanche"};

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

/* ---- texts ---------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t left;
} sbuf;

static void sadd(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sadd(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(b->p, b->left, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->left) {
        fputs("oc_bench_floor: text too long\n", stderr);
        exit(1);
    }
    b->p += n;
    b->left -= (size_t)n;
}

static const char *day_text(const date_t *d, char tmp[8])
{
    if (d->day == 1) {
        return "1er";
    }
    snprintf(tmp, 8, "%d", d->day);
    return tmp;
}

/* "le lundi 17 juillet 2023", "les lundi 17 et mardi 18 juillet 2023",
 * "du lundi 17 au mercredi 19 juillet 2023", across months and years. */
static void span_text(sbuf *b, int64_t first, int64_t last)
{
    date_t a = civil_from_days(first), z = civil_from_days(last);
    char ta[8], tz[8];
    const char *da = day_text(&a, ta), *dz = day_text(&z, tz);

    if (first == last) {
        sadd(b, "le %s %s %s %d", weekday_name[a.weekday], da, month_name[a.month], a.year);
        return;
    }
    sadd(b, last == first + 1 ? "les %s %s" : "du %s %s", weekday_name[a.weekday], da);
    if (a.year != z.year) {
        sadd(b, " %s %d", month_name[a.month], a.year);
    } else if (a.month != z.month) {
        sadd(b, " %s", month_name[a.month]);
    }
    sadd(b, last == first + 1 ? " et %s %s %s %d" : " au %s %s %s %d", weekday_name[z.weekday],
         dz, month_name[z.month], z.year);
}

/* "17-18 juillet 2023", "31 juillet \u2013 1er ao\u00fbt 2023". */
static void short_text(sbuf *b, int64_t first, int64_t last)
{
    date_t a = civil_from_days(first), z = civil_from_days(last);
    char ta[8], tz[8];
    const char *da = day_text(&a, ta), *dz = day_text(&z, tz);

    if (first == last) {
        sadd(b, "%s %s %d", da, month_name[a.month], a.year);
    } else if (a.year == z.year && a.month == z.month) {
        sadd(b, "%s-%s %s %d", da, dz, month_name[z.month], z.year);
    } else if (a.year == z.year) {
        sadd(b, "%s %s \xe2\x80\x93 %s %s %d", da, month_name[a.month], dz, month_name[z.month],
             z.year);
    } else {
        sadd(b, "%s %s %d \xe2\x80\x93 %s %s %d", da, month_name[a.month], a.year, dz,
             month_name[z.month], z.year);
    }
}

static void date_text(sbuf *b, int64_t day)
{
    date_t d = civil_from_days(day);
    char t[8];

    sadd(b, "%s %s %s %d", weekday_name[d.weekday], day_text(&d, t), month_name[d.month], d.year);
}

/* ---- lines ---------------------------------------------------------------- */

/* Writes one content line folded at 75 octets (74 after the leading space
 * of a continuation), never inside a UTF-8 character or an escape pair. */
static void put_folded(FILE *f, const char *line, size_t len)
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
        fwrite(line + pos, 1, cut - pos, f);
        fputs("\r\n ", f);
        pos = cut;
        limit = 74;
    }
    fwrite(line + pos, 1, len - pos, f);
    fputs("\r\n", f);
}

/* NAME:escaped(text), folded (RFC 5545 §3.3.11). */
static void put_text(FILE *f, const char *name, const char *text)
{
    static char line[8192];
    size_t n = strlen(name);

    memcpy(line, name, n);
    line[n++] = ':';
    for (const char *p = text; *p != '\0' && n < sizeof(line) - 2; p++) {
        switch (*p) {
        case '\\':
        case ';':
        case ',':
            line[n++] = '\\';
            line[n++] = *p;
            break;
        case '\n':
            line[n++] = '\\';
            line[n++] = 'n';
            break;
        default:
            line[n++] = *p;
        }
    }
    put_folded(f, line, n);
}

static void put_plain(FILE *f, const char *line)
{
    put_folded(f, line, strlen(line));
}

static void put_uid(FILE *f, const uuid_t ns, const char *kind, int64_t first)
{
    date_t d = civil_from_days(first);
    char name[96], text[37];
    uuid_t u;
    int n = snprintf(name, sizeof(name), CAL_ID "/%s/%04d%02d%02d", kind, d.year, d.month, d.day);

    uuid_generate_sha1(u, ns, name, (size_t)n);
    uuid_unparse_lower(u, text);
    fprintf(f, "UID:%s\r\n", text);
}

static void put_date(FILE *f, const char *name, int64_t day)
{
    date_t d = civil_from_days(day);

    fprintf(f, "%s;VALUE=DATE:%04d%02d%02d\r\n", name, d.year, d.month, d.day);
}

static void put_local(FILE *f, const char *name, int64_t day, int hh, int mm)
{
    date_t d = civil_from_days(day);

    fprintf(f, "%s;TZID=" TZID ":%04d%02d%02dT%02d%02d00\r\n", name, d.year, d.month, d.day, hh,
            mm);
}

static void put_common(FILE *f, const char *stamp)
{
    fprintf(f, "DTSTAMP:%s\r\nLAST-MODIFIED:%s\r\nSEQUENCE:0\r\n", stamp, stamp);
}

static void put_tail(FILE *f)
{
    put_plain(f, "URL:" CAL_URL);
    fputs("TRANSP:TRANSPARENT\r\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\r\n", f);
}

static const char vtimezone[] =
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:20220327T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:20221030T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

static int parse_date(const char *s, int64_t *day)
{
    int y, m, d;
    char extra;

    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 ||
        d > 31) {
        return -1;
    }
    *day = days_from_civil(y, m, d);
    return civil_from_days(*day).day == d ? 0 : -1;
}

int main(int argc, char **argv)
{
    int64_t from, stamp_s = 1689638400;
    long count;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char stamp[32], *end, session[256], delivery[256], session_short[128], delivery_short[128],
        confirmation[128], appointments[128], summary[512], desc[2048];
    uuid_t ns;
    FILE *f;

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
    if (sde != NULL && *sde != '\0') {
        stamp_s = strtoll(sde, NULL, 10);
    }
    {
        date_t d = civil_from_days(stamp_s / 86400);
        int64_t s = stamp_s % 86400;

        snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02d%02dZ", d.year, d.month, d.day,
                 (int)(s / 3600), (int)(s % 3600 / 60), (int)(s % 60));
    }
    uuid_parse(UID_NAMESPACE, ns);

    f = fopen(argv[3], "wb");
    if (f == NULL) {
        perror(argv[3]);
        return 3;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);

    fputs("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ordercal//ordercal 0.1.0//EN\r\n"
          "CALSCALE:GREGORIAN\r\n",
          f);
    put_text(f, "NAME", CAL_NAME);
    put_text(f, "DESCRIPTION", CAL_DESC);
    put_plain(f, "URL:" CAL_URL);
    fputs("REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\nX-PUBLISHED-TTL:PT6H\r\n", f);
    put_text(f, "X-WR-CALNAME", CAL_NAME);
    put_text(f, "X-WR-CALDESC", CAL_DESC);
    put_text(f, "X-WR-TIMEZONE", TZID);
    fputs(vtimezone, f);

    for (long i = 0; i < count; i++) {
        int64_t d = from + 7 * i; /* Monday; Tuesday d+1; Wednesday d+2 at 18:00;
                                     delivery d+10..d+11; appointments d+12 */
        sbuf b;

        b = (sbuf){session, sizeof(session)};
        span_text(&b, d, d + 1);
        b = (sbuf){delivery, sizeof(delivery)};
        span_text(&b, d + 10, d + 11);
        b = (sbuf){session_short, sizeof(session_short)};
        short_text(&b, d, d + 1);
        b = (sbuf){delivery_short, sizeof(delivery_short)};
        short_text(&b, d + 10, d + 11);
        b = (sbuf){confirmation, sizeof(confirmation)};
        date_text(&b, d + 2);
        sadd(&b, " \xc3\xa0 18h00");
        b = (sbuf){appointments, sizeof(appointments)};
        date_text(&b, d + 12);

        /* session */
        fputs("BEGIN:VEVENT\r\n", f);
        put_uid(f, ns, "session", d);
        put_common(f, stamp);
        put_date(f, "DTSTART", d);
        put_date(f, "DTEND", d + 2);
        put_text(f, "SUMMARY", "Portail de commande ouvert");
        b = (sbuf){desc, sizeof(desc)};
        sadd(&b,
             "Le portail de commande est ouvert %s.\nLivraison indicative : %s.\n"
             "Confirmation de commande (quantit\xc3\xa9s, date de livraison "
             "pr\xc3\xa9visionnelle) dans l'onglet \xc2\xab suivi de commande \xc2\xbb "
             "\xc3\xa0 partir du %s.\nPlanifiez les rendez-vous de vaccination \xc3\xa0 partir "
             "du %s." EXTRA,
             session, delivery, confirmation, appointments);
        put_text(f, "DESCRIPTION", desc);
        put_tail(f);
        fputs("END:VEVENT\r\n", f);

        /* confirmation */
        fputs("BEGIN:VEVENT\r\n", f);
        put_uid(f, ns, "confirmation", d);
        put_common(f, stamp);
        put_local(f, "DTSTART", d + 2, 18, 0);
        put_local(f, "DTEND", d + 2, 18, 30);
        put_text(f, "SUMMARY", "Confirmation de commande disponible");
        b = (sbuf){desc, sizeof(desc)};
        sadd(&b,
             "La confirmation de votre commande de la session du %s est visible dans le "
             "portail, onglet \xc2\xab suivi de commande \xc2\xbb : quantit\xc3\xa9s "
             "command\xc3\xa9" "es et date de livraison pr\xc3\xa9visionnelle.\n"
             "Livraison indicative : %s.\nPlanifiez les rendez-vous \xc3\xa0 partir du "
             "lendemain de la livraison pr\xc3\xa9visionnelle indiqu\xc3\xa9" "e dans la "
             "confirmation." EXTRA,
             session_short, delivery);
        put_text(f, "DESCRIPTION", desc);
        put_tail(f);
        fputs("BEGIN:VALARM\r\nACTION:DISPLAY\r\n", f);
        put_text(f, "DESCRIPTION", "Confirmation de commande disponible : onglet \xc2\xab suivi "
                                   "de commande \xc2\xbb du portail");
        fputs("TRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\n", f);

        /* delivery */
        fputs("BEGIN:VEVENT\r\n", f);
        put_uid(f, ns, "delivery", d);
        put_common(f, stamp);
        put_date(f, "DTSTART", d + 10);
        put_date(f, "DTEND", d + 12);
        b = (sbuf){summary, sizeof(summary)};
        sadd(&b, "Livraison indicative (commande du %s)", session_short);
        put_text(f, "SUMMARY", summary);
        b = (sbuf){desc, sizeof(desc)};
        sadd(&b,
             "Livraison indicative des commandes pass\xc3\xa9" "es lors de la session du %s : "
             "%s.\nLa date pr\xc3\xa9visionnelle exacte figure dans la confirmation de commande "
             "(onglet \xc2\xab suivi de commande \xc2\xbb, \xc3\xa0 partir du %s).\n"
             "Planifiez les rendez-vous \xc3\xa0 partir du %s." EXTRA,
             session_short, delivery, confirmation, appointments);
        put_text(f, "DESCRIPTION", desc);
        put_tail(f);
        fputs("END:VEVENT\r\n", f);

        /* appointments */
        fputs("BEGIN:VEVENT\r\n", f);
        put_uid(f, ns, "appointments", d);
        put_common(f, stamp);
        put_date(f, "DTSTART", d + 12);
        put_date(f, "DTEND", d + 13);
        b = (sbuf){summary, sizeof(summary)};
        sadd(&b, "Rendez-vous possibles (livraison du %s)", delivery_short);
        put_text(f, "SUMMARY", summary);
        b = (sbuf){desc, sizeof(desc)};
        sadd(&b,
             "\xc3\x80 partir de ce jour, vous pouvez planifier les rendez-vous de vaccination : "
             "les commandes de la session du %s sont livr\xc3\xa9" "es %s (date indicative, "
             "voir la confirmation de commande)." EXTRA,
             session_short, delivery);
        put_text(f, "DESCRIPTION", desc);
        put_tail(f);
        fputs("END:VEVENT\r\n", f);
    }
    fputs("END:VCALENDAR\r\n", f);
    if (ferror(f) != 0 || fclose(f) != 0) {
        perror(argv[3]);
        return 3;
    }
    return 0;
}
