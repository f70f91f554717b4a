/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_PREV_H
#define OC_PREV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/event.h"
#include "ordercal/tz.h"
#include "ordercal/util.h"

/* The memory of a previously published feed (DESIGN §4): for each UID, its
 * DTSTAMP, LAST-MODIFIED, SEQUENCE and digests of its content. */
typedef struct oc_prev oc_prev;

/* The X-property that marks a cancellation notice ordercal wrote; its value
 * is the end of the event it cancels, a UTC date-time (DESIGN §4). */
#define OC_PREV_NOTICE "X-ORDERCAL-CANCELLED"

/* Reads the feed at 'path'. A missing file gives an empty memory; a file that
 * is not a feed of ours is read for what it holds (unknown lines are ignored).
 * The file stays open until oc_prev_free(): the texts of the events a build
 * removes or changes are read back from it when asked for (the memory keeps
 * 72 bytes an event, and the texts of those alone), also through a const
 * memory, which is therefore not to be shared between threads. Returns a new memory; the caller
 * frees it with oc_prev_free(). On a read error returns NULL and fills 'err' (OC_E_IO). */
oc_prev *oc_prev_load(const char *path, oc_error *err);
/* Same, from memory ('text' is copied). Never fails. */
oc_prev *oc_prev_parse(const char *text, size_t len);
/* The events remembered (a UID seen twice counts once). */
size_t oc_prev_count(const oc_prev *prev);
void oc_prev_free(oc_prev *prev); /* accepts NULL */

/* The digest of an event's content: its logical lines without the stamps,
 * each ending in '\n' (what the reader digests of a published event). An
 * event with SEQUENCE > 0 is published with a first DESCRIPTION line that
 * dates its LAST-MODIFIED: the content is digested before that line is
 * added, and the reader digests the event without it. */
uint64_t oc_prev_digest(const char *data, size_t len);

typedef enum { OC_PREV_NEW, OC_PREV_SAME, OC_PREV_CHANGED } oc_prev_status;

/* What this build publishes of one event, against the memory. */
typedef struct {
    oc_prev_status status;
    int64_t dtstamp, last_modified; /* seconds since the epoch */
    uint32_t sequence;
    ptrdiff_t at;  /* its entry in the memory, or -1 */
    bool migrated; /* new under its UID, it replaces an event under a former UID */
} oc_prev_match;

/* Looks 'uid' up (marking it as still made) and decides the stamps of an
 * event whose content is 'lines' (see oc_prev_digest()): an unchanged event
 * keeps its stamps, a changed one gets SEQUENCE+1 and 'now', a new one
 * SEQUENCE 0 and 'now'. 'prev' may be NULL. */
void oc_prev_match_event(oc_prev *prev, const char *uid, const oc_buf *lines, int64_t now,
                         oc_prev_match *m);

/* Appends the stamp lines DTSTAMP, LAST-MODIFIED and SEQUENCE, CRLF-ended. */
void oc_prev_stamp_lines(const oc_prev_match *m, oc_buf *out);

/* True when 'bytes', an event as it is published now, equal those the
 * previous feed holds under its UID and that feed was written by ordercal:
 * the publish gate passed them when they were first published. */
bool oc_prev_republished(const oc_prev *prev, const oc_prev_match *m, const char *bytes,
                         size_t len);

/* For a new event: when the memory holds it under a former UID of its kind
 * (a closed slot's "closed" UID, DESIGN §3), marks that one as replaced and
 * sets m->migrated. Returns m->migrated. */
bool oc_prev_migrate(oc_prev *prev, const char *calendar_id, const oc_event *e, oc_prev_match *m);

/* True when entry 'at' (see oc_prev_match) is a cancellation notice. */
bool oc_prev_is_notice(const oc_prev *prev, ptrdiff_t at);

/* ---- what the definition no longer makes (DESIGN §4: nothing vanishes) ---- */

/* A remembered event no oc_prev_match_event() asked for. Borrowed from the
 * memory. */
typedef struct {
    size_t at;                   /* its entry */
    uint64_t order;              /* its place in the previous feed (an offset in it) */
    const char *uid;             /* UID value */
    const char *dtstart, *dtend; /* whole logical lines, "" when unusable */
    const char *summary;         /* the SUMMARY value as published (escaped) */
    uint32_t sequence;
    int64_t last_modified;
    bool notice;       /* a cancellation notice ordercal wrote */
    int64_t end;       /* a notice: the end of the event it cancels */
    const char *bytes; /* a notice: its bytes as published */
    size_t len;
} oc_prev_gone;

/* The remembered events not asked for, in the previous feed's order.
 * Returns their number and a new array in '*out' (NULL when none). */
size_t oc_prev_gone_list(const oc_prev *prev, oc_prev_gone **out);

/* The entry of 'uid' when it was not asked for, or -1. */
ptrdiff_t oc_prev_find_gone(const oc_prev *prev, const char *uid);

/* Marks entry 'at' as accounted for (published as a notice): it no longer
 * counts as removed. */
void oc_prev_settle(oc_prev *prev, size_t at);

/* Appends entry 'at' for the change report: its days or time and its
 * summary ("2023-10-11 18:00 \"Confirmation de commande disponible\""). */
void oc_prev_report_gone(const oc_prev *prev, size_t at, oc_buf *report);

/* ---- what changed, for pharmacists (the change log, atom.h) ---- */

/* When an event happens, as the change log words it. */
typedef struct {
    enum { OC_WHEN_NONE, OC_WHEN_DAYS, OC_WHEN_TIME } form;
    oc_day first, last; /* days, inclusive */
    int64_t local;      /* a time: wall-clock seconds "as if UTC" in the calendar's zone */
} oc_when;

typedef enum {
    OC_CHANGE_ADDED,     /* a new event */
    OC_CHANGE_MOVED,     /* its days or time changed */
    OC_CHANGE_TEXT,      /* its texts changed */
    OC_CHANGE_RESTORED,  /* it was a cancellation notice and is made again */
    OC_CHANGE_MIGRATED,  /* published again under its slot's UID */
    OC_CHANGE_CANCELLED, /* the definition no longer makes it: now a notice */
    OC_CHANGE_DROPPED    /* a notice, or an event long over, left the feed */
} oc_change_type;

typedef struct {
    oc_change_type type;
    char *uid;
    int kind;           /* an oc_kind, or -1 when unknown */
    bool has_slot;      /* the slot is known: */
    oc_day first, last; /* its days */
    bool open;          /* its state now */
    oc_when before, after;
    char *summary;        /* the event's SUMMARY, unescaped, in 'language' */
    const char *language; /* borrowed from the definition */
} oc_change;

typedef struct {
    oc_change *items;
    size_t count;
} oc_changes;

/* Appends a copy of 'c' ('uid' and 'summary' are copied). */
void oc_changes_add(oc_changes *list, const oc_change *c);
void oc_changes_clear(oc_changes *list); /* frees the items, keeps 'list' */

/* Reads a DTSTART or DTEND line as the reader kept it into 'w', in the zone
 * 'tz' (a TZID of another zone is loaded). Returns false when it is not a
 * date or date-time ordercal writes; else sets '*utc' to its instant (a
 * date: its midnight in 'tz'). */
bool oc_prev_when(const char *line, const oc_tz *tz, oc_when *w, int64_t *utc);

/* Appends the change a pharmacist reads about an added or changed event 'e'
 * (summary: its SUMMARY in the feed's language). 'tz': the calendar's zone. */
void oc_prev_change(oc_changes *list, const oc_event *e, const char *summary, const char *language,
                    const oc_prev *prev, const oc_prev_match *m, const oc_tz *tz);

/* ---- the change report ---- */

/* Appends one line for an added (m->status OC_PREV_NEW) or changed event:
 * "+ delivery     2023-07-27..2023-07-28 (session 2023-07-17)",
 * "~ delivery     2023-09-28..2023-09-29 -> 2023-09-29 (session 2023-09-18)". */
void oc_prev_report(oc_buf *report, const oc_event *e, const oc_prev *prev, const oc_prev_match *m);

/* Counts the remembered events no oc_prev_match_event() asked for, and
 * appends a line for each to 'report' (NULL for none), in the previous
 * feed's order, like oc_prev_report()'s: "- confirmation 2023-10-11 18:00
 * (session 2023-10-09)". An event whose UID 'def' could not make (another
 * calendar id, another weekday) is named by its summary instead:
 * "- 2023-10-11 18:00 "Confirmation de commande disponible"". */
size_t oc_prev_report_removed(const oc_prev *prev, const oc_def *def, oc_buf *report);

#endif
