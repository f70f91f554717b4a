/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_DEF_H
#define OC_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/diag.h"
#include "ordercal/kind.h"
#include "ordercal/tz.h"
#include "ordercal/util.h"

/* The validated schedule definition (DESIGN §2). Every value keeps the
 * position of its YAML node so that later stages can point at it. */

/* Limits, documented in the README. */
#define OC_DEF_MAX_BYTES (1024 * 1024) /* definition file size */
#define OC_DEF_MAX_TEXT 4096           /* any text value, in bytes */
#define OC_DEF_MAX_BLANKS 32           /* spaces and tabs in a row in a text */
#define OC_DEF_MAX_ID 64               /* calendar and feed ids */
#define OC_DEF_MIN_YEAR 1970
#define OC_DEF_MAX_YEAR 2549          /* libical reads zoned times wrong from 2582 on */
#define OC_DEF_MAX_OFFSET 366         /* any day offset */
#define OC_DEF_MAX_EVERY 520          /* rhythm.every, in weeks */
#define OC_DEF_MAX_HORIZON 520        /* horizon_weeks */
#define OC_DEF_MAX_ITEMS 4096         /* rhythm periods, exceptions, feeds */
#define OC_DEF_MAX_CANCELLED_DAYS 366 /* calendar.cancelled_days */
#define OC_DEF_MAX_CHANGES_KEPT 1000  /* changes_kept */

typedef struct {
    char *value; /* NULL when absent */
    oc_pos pos;
} oc_def_str;

typedef struct {
    oc_day from;
    int every;
    bool has_until;
    oc_day until;
    oc_pos pos, from_pos, every_pos, until_pos;
} oc_def_period;

typedef enum { OC_STATE_DEFAULT = 0, OC_STATE_OPEN, OC_STATE_CLOSED } oc_state;

typedef struct {
    oc_day date;
    oc_state state;
    bool has_delivery;
    oc_day delivery_first, delivery_last;
    oc_def_str note;
    oc_pos pos, date_pos, state_pos, delivery_pos;
} oc_def_exception;

typedef struct {
    oc_def_str id, name, description, language;
    unsigned kinds; /* bit set of (1u << oc_kind) */
    oc_pos pos, kinds_pos;
} oc_def_feed;

/* How the events of one kind derive from a slot (the row of oc_kind_get()
 * says from which day they count): 'offset' days after the anchor, for
 * 'length' days; a timed kind starts at 'minutes' local and lasts 'duration'. */
typedef struct {
    bool on; /* the definition makes this kind (an optional kind: its block is given) */
    int offset;
    int length;
    int minutes;           /* timed kinds: minutes after midnight, local */
    int64_t duration;      /* timed kinds: seconds, a day counted as 86400 */
    int64_t duration_days; /* its days: nominal (oc_tz_add_duration()) */
    bool has_alarm;
    int64_t alarm;      /* seconds relative to the start, a day counted as 86400 */
    int64_t alarm_days; /* its days and weeks, in days: nominal (see oc_ics_alarm_at()) */
    oc_pos pos;         /* its session.<kind> block; {0, 0} when the defaults apply */
} oc_def_rule;

typedef struct oc_def {
    char *path;      /* as given; used in every message */
    uint64_t digest; /* of the definition's bytes */

    /* calendar */
    oc_def_str id, name, description, timezone, language, url, reference, base_url, holidays;
    oc_tz *tz;          /* the zone 'timezone' names, read once when the definition is */
    int holiday_set;    /* oc_holidays value of 'holidays' */
    int64_t refresh;    /* seconds */
    int cancelled_days; /* how long a cancellation notice stays after its event's end */
    char refresh_text[32];
    oc_pos refresh_pos;

    /* session */
    int weekday;                      /* 0 = Monday .. 6 = Sunday */
    int length;                       /* the session's days */
    oc_def_rule rules[OC_KIND_COUNT]; /* per kind, with the defaults of DESIGN §2 */
    oc_pos weekday_pos, length_pos, delivery_pos, confirmation_pos, appointments_pos;
    oc_pos confirmation_offset_pos, reminder_pos;

    int horizon_weeks;
    oc_pos horizon_pos;
    int changes_kept; /* entries of the change log (changes.atom) */

    oc_def_period *periods;
    size_t period_count;
    oc_pos rhythm_pos;

    oc_def_exception *exceptions;
    size_t exception_count;

    oc_def_feed *feeds; /* at least one: the default feed when none is declared */
    size_t feed_count;
} oc_def;

/* Parses and validates the YAML schedule at 'path'.
 * Returns a new definition; the caller frees it with oc_def_free().
 * On failure returns NULL and fills 'err' (path:line:col of the bad node). */
oc_def *oc_def_load_file(const char *path, oc_error *err);

/* Same, from 'len' bytes of YAML; 'name' is the file name used in messages. */
oc_def *oc_def_load_string(const char *yaml, size_t len, const char *name, oc_error *err);

void oc_def_free(oc_def *def); /* accepts NULL */

/* The feed's name, description and language, or the calendar's when the
 * feed does not set its own. Borrowed from 'def'. */
const char *oc_def_feed_name(const oc_def *def, const oc_def_feed *feed);
const char *oc_def_feed_description(const oc_def *def, const oc_def_feed *feed);
const char *oc_def_feed_language(const oc_def *def, const oc_def_feed *feed);

/* Parses a weekday name ("monday".."sunday"); returns 0..6 or -1. */
int oc_weekday_parse(const char *s);

#endif
