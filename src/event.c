/* SPDX-License-Identifier: Apache-2.0 */
/* event: the third stage. Turns the slots of a schedule into the events of
 * DESIGN §3 (session, closed, confirmation, delivery, appointments), with
 * stable name-based UIDs (RFC 9562 §5.5, version 5) and texts from templates/. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/event.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <uuid/uuid.h>

/* The project's fixed namespace for version-5 UIDs. Changing it would
 * duplicate every event in every subscriber's calendar: never change it. */
static const uuid_t uid_namespace = {0x2a, 0x84, 0x26, 0x44, 0x00, 0x1d, 0x44, 0x66,
                                     0x9c, 0xa0, 0x07, 0xe6, 0xf4, 0xf2, 0x03, 0x41};

/* The texts every template may use, computed once per slot. */
typedef struct {
    oc_buf session, session_short, delivery, delivery_short, confirmation, appointments, extra;
} texts;

struct oc_eventer {
    const oc_def *def;
    const oc_def_feed *feed;
    oc_tmpl *tmpl;
    oc_tz *tz;
    const char *calendar_name;

    /* "summary.<kind>" and "description.<kind>", made once. */
    char summary_key[OC_KIND_COUNT][32];
    char description_key[OC_KIND_COUNT][32];

    /* The four events of a slot share its texts: made once per slot. */
    texts cache;
    const oc_slot *cached_slot;
    oc_day cached_first;
};

void oc_event_uid(const char *calendar_id, oc_kind kind, oc_day session, char out[37])
{
    oc_buf name = {0};
    uuid_t u;
    oc_date d = oc_date_from_day(session);

    oc_buf_puts(&name, calendar_id);
    oc_buf_putc(&name, '/');
    oc_buf_puts(&name, oc_kind_name(kind));
    oc_buf_putc(&name, '/');
    oc_buf_put_uint(&name, (uint64_t)d.year, 4);
    oc_buf_put_uint(&name, (uint64_t)d.month, 2);
    oc_buf_put_uint(&name, (uint64_t)d.day, 2);
    uuid_generate_sha1(u, uid_namespace, name.data, name.len);
    oc_buf_free(&name);
    uuid_unparse_lower(u, out);
}

/* True when 'dir' is a templates folder without texts for 'lang' (as
 * oc_tmpl_languages() lists them, by their events.txt): the
 * definition names a language we have no texts for. Any other failure to
 * read the templates (no templates folder, an unreadable file) is an I/O
 * error of the installation, not of the definition. */
static bool language_missing(const char *dir, const char *lang)
{
    struct stat st;
    oc_buf path = {0};
    bool missing;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return false;
    }
    oc_buf_printf(&path, "%s/%s/events.txt", dir, lang);
    missing = stat(path.data, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
    oc_buf_free(&path);
    return missing;
}

oc_eventer *oc_eventer_new(const oc_def *def, const oc_def_feed *feed, const char *templates_dir,
                           oc_error *err)
{
    oc_eventer *ev = oc_xcalloc(1, sizeof(*ev));
    const char *lang = feed->language.value != NULL ? feed->language.value : def->language.value;
    oc_error tmp;

    ev->def = def;
    ev->feed = feed;
    ev->calendar_name = feed->name.value != NULL ? feed->name.value : def->name.value;
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        snprintf(ev->summary_key[k], sizeof(ev->summary_key[k]), "summary.%s",
                 oc_kind_name((oc_kind)k));
        snprintf(ev->description_key[k], sizeof(ev->description_key[k]), "description.%s",
                 oc_kind_name((oc_kind)k));
    }
    oc_error_init(&tmp);
    ev->tmpl = oc_tmpl_load(templates_dir, lang, &tmp);
    if (ev->tmpl == NULL) {
        oc_pos pos = feed->language.value != NULL ? feed->language.pos : def->language.pos;

        if (tmp.code == OC_E_IO && language_missing(templates_dir, lang)) {
            /* A language we have no texts for is a definition error: say so
             * at the key, with what there is, not as an unreadable file. */
            char *langs = oc_tmpl_languages(templates_dir);
            char where[48];

            if (feed->language.value != NULL) {
                snprintf(where, sizeof(where), "feeds[%zu]", (size_t)(feed - def->feeds));
            } else {
                snprintf(where, sizeof(where), "calendar");
            }
            oc_error_set(err, OC_E_VALUE, def->path, pos,
                         "no templates for language '%s' in %s (available: %s)", lang, where,
                         langs);
            free(langs);
        } else {
            *err = tmp;
        }
        goto fail;
    }
    ev->tz = oc_tz_load(def->timezone.value, err);
    if (ev->tz == NULL) {
        goto fail;
    }
    return ev;
fail:
    oc_eventer_free(ev);
    return NULL;
}

static void texts_free(texts *t);

void oc_eventer_free(oc_eventer *ev)
{
    if (ev == NULL) {
        return;
    }
    oc_tmpl_free(ev->tmpl);
    oc_tz_free(ev->tz);
    texts_free(&ev->cache);
    free(ev);
}

const oc_tmpl *oc_eventer_tmpl(const oc_eventer *ev)
{
    return ev->tmpl;
}

const oc_tz *oc_eventer_tz(const oc_eventer *ev)
{
    return ev->tz;
}

void oc_event_clear(oc_event *e)
{
    if (e == NULL) {
        return;
    }
    free(e->summary);
    free(e->description);
    free(e->alarm_text);
    memset(e, 0, sizeof(*e));
}

static void texts_free(texts *t)
{
    oc_buf_free(&t->session);
    oc_buf_free(&t->session_short);
    oc_buf_free(&t->delivery);
    oc_buf_free(&t->delivery_short);
    oc_buf_free(&t->confirmation);
    oc_buf_free(&t->appointments);
    oc_buf_free(&t->extra);
}

static int make_texts(oc_eventer *ev, const oc_slot *slot, texts *t, oc_error *err)
{
    const oc_tmpl *tm = ev->tmpl;
    const oc_def *def = ev->def;
    oc_buf date = {0}, time = {0};
    int rc = -1;

    if (oc_tmpl_span(tm, slot->first, slot->last, &t->session, err) != 0 ||
        oc_tmpl_span_short(tm, slot->first, slot->last, &t->session_short, err) != 0) {
        goto done;
    }
    if (slot->open) {
        if (oc_tmpl_span(tm, slot->delivery_first, slot->delivery_last, &t->delivery, err) != 0 ||
            oc_tmpl_span_short(tm, slot->delivery_first, slot->delivery_last, &t->delivery_short,
                               err) != 0 ||
            oc_tmpl_date(tm, slot->appointments, &t->appointments, err) != 0 ||
            oc_tmpl_date(tm, slot->confirmation, &date, err) != 0 ||
            oc_tmpl_time(tm, def->confirmation_minutes, &time, err) != 0) {
            goto done;
        }
        oc_var dt[] = {{"date", date.data}, {"time", time.data}};
        if (oc_tmpl_expand(tm, "datetime", dt, 2, &t->confirmation, err) != 0) {
            goto done;
        }
    }
    {
        oc_var v[] = {{"note", slot->note},
                      {"reference", def->reference.value},
                      {"url", def->url.value}};

        if ((slot->note != NULL && oc_tmpl_expand(tm, "line.note", v, 3, &t->extra, err) != 0) ||
            (def->reference.value != NULL &&
             oc_tmpl_expand(tm, "line.reference", v, 3, &t->extra, err) != 0) ||
            (def->url.value != NULL && oc_tmpl_expand(tm, "line.url", v, 3, &t->extra, err) != 0)) {
            goto done;
        }
    }
    rc = 0;
done:
    oc_buf_free(&date);
    oc_buf_free(&time);
    return rc;
}

/* One line per day of the event that is a public holiday: the maintainer is
 * warned, and the pharmacist reading the event sees it too. */
static int holiday_lines(oc_eventer *ev, const oc_event *e, oc_buf *out, oc_error *err)
{
    for (oc_day d = e->start; d < e->end; d++) {
        const char *key = oc_sched_holiday(ev->def, d);
        char name_key[64];
        oc_buf date = {0};
        int r;

        if (key == NULL) {
            continue;
        }
        snprintf(name_key, sizeof(name_key), "holiday.%s", key);
        r = oc_tmpl_date(ev->tmpl, d, &date, err);
        if (r == 0) {
            oc_var v[] = {{"date", date.data}, {"holiday", oc_tmpl_get(ev->tmpl, name_key)}};

            r = oc_tmpl_expand(ev->tmpl, "line.holiday", v, 2, out, err);
        }
        oc_buf_free(&date);
        if (r != 0) {
            return -1;
        }
    }
    return 0;
}

/* True when the wall time 'local' happens twice in the zone (the hour the
 * autumn change repeats), so that no local form names one instant. */
static bool repeated(const oc_tz *tz, int64_t local)
{
    int64_t first = oc_tz_local_to_utc(tz, local);
    int32_t offsets[3] = {oc_tz_offset_at(tz, first - 86400), oc_tz_offset_at(tz, first),
                          oc_tz_offset_at(tz, first + 86400)};

    for (int i = 0; i < 3; i++) {
        int64_t other = local - offsets[i];

        if (other != first && other + oc_tz_offset_at(tz, other) == local) {
            return true;
        }
    }
    return false;
}

static bool feed_has(const oc_eventer *ev, oc_kind kind)
{
    return (ev->feed->kinds & (1u << kind)) != 0;
}

int oc_event_make(oc_eventer *ev, const oc_slot *slot, oc_kind kind, oc_event *out,
                  oc_error *err)
{
    const oc_def *def = ev->def;
    texts *tx = &ev->cache;
    oc_buf summary = {0}, description = {0}, alarm = {0}, extra = {0};
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!feed_has(ev, kind) || (kind == OC_KIND_CLOSED) == slot->open) {
        return 0;
    }
    out->kind = kind;
    out->session = slot->first;
    oc_event_uid(def->id.value, kind, slot->first, out->uid);
    switch (kind) {
    case OC_KIND_SESSION:
    case OC_KIND_CLOSED:
        out->start = slot->first;
        out->end = slot->last + 1;
        break;
    case OC_KIND_DELIVERY:
        out->start = slot->delivery_first;
        out->end = slot->delivery_last + 1;
        break;
    case OC_KIND_APPOINTMENTS:
        out->start = slot->appointments;
        out->end = slot->appointments + 1;
        break;
    case OC_KIND_CONFIRMATION:
        out->timed = true;
        out->start = slot->confirmation;
        out->end = slot->confirmation + 1;
        out->utc_start = oc_tz_local_to_utc(
            ev->tz, slot->confirmation * 86400 + def->confirmation_minutes * 60);
        out->utc_end = out->utc_start + def->confirmation_duration;

        /* A time the spring change skips is written as the wall time it
         * becomes (02:30 -> 03:30), and one the autumn change repeats in
         * UTC: clients disagree on both (ical.js reads a skipped time an
         * hour early; most read a repeated one as its second occurrence). */
        out->local_start = out->utc_start + oc_tz_offset_at(ev->tz, out->utc_start);
        out->start_utc = repeated(ev->tz, out->local_start);

        /* DURATION is exact time (RFC 5545 §3.3.6): the end is the start plus
         * the duration in UTC, shown back in the zone's wall clock. */
        out->local_end = out->utc_end + oc_tz_offset_at(ev->tz, out->utc_end);
        out->end_utc = repeated(ev->tz, out->local_end);
        out->has_alarm = def->has_alarm;
        out->alarm = def->alarm;
        break;
    default:
        oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0}, "unknown event kind %d",
                     (int)kind);
        goto done;
    }
    if (ev->cached_slot != slot || ev->cached_first != slot->first) {
        texts_free(tx);
        memset(tx, 0, sizeof(*tx));
        ev->cached_slot = NULL;
        if (make_texts(ev, slot, tx, err) != 0) {
            goto done;
        }
        ev->cached_slot = slot;
        ev->cached_first = slot->first;
    }
    if (holiday_lines(ev, out, &extra, err) != 0) {
        goto done;
    }
    oc_buf_add(&extra, tx->extra.data, tx->extra.len);
    {
        oc_var v[] = {{"calendar", ev->calendar_name},
                      {"session", tx->session.data},
                      {"session_short", tx->session_short.data},
                      {"delivery", tx->delivery.data},
                      {"delivery_short", tx->delivery_short.data},
                      {"confirmation", tx->confirmation.data},
                      {"appointments", tx->appointments.data},
                      {"reference", def->reference.value},
                      {"url", def->url.value},
                      {"note", slot->note},
                      {"extra", extra.data}};
        size_t nv = sizeof(v) / sizeof(v[0]);

        if (oc_tmpl_expand(ev->tmpl, ev->summary_key[kind], v, nv, &summary, err) != 0) {
            goto done;
        }
        if (oc_tmpl_expand(ev->tmpl, ev->description_key[kind], v, nv, &description, err) !=
            0) {
            goto done;
        }
        if (out->has_alarm && oc_tmpl_expand(ev->tmpl, "alarm", v, nv, &alarm, err) != 0) {
            goto done;
        }
    }
    out->summary = oc_buf_detach(&summary);
    out->description = oc_buf_detach(&description);
    out->alarm_text = out->has_alarm ? oc_buf_detach(&alarm) : NULL;
    rc = 1;
done:
    oc_buf_free(&extra);
    oc_buf_free(&summary);
    oc_buf_free(&description);
    oc_buf_free(&alarm);
    if (rc != 1) {
        oc_event_clear(out);
    }
    return rc;
}
