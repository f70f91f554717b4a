/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_KIND_H
#define OC_KIND_H

#include <stdbool.h>
#include <stddef.h>

/* The event kinds of DESIGN §3, one row each. Every stage reads what a kind
 * is from this table: the definition parses its name, the schedule derives
 * its days from the row's anchor and the definition's rule, the events take
 * their template keys from its name, the page colours its days by its grid
 * class. Adding a kind is a row here, its rule in the definition (def.c) and
 * its template keys (summary.<name>, description.<name>, kind.<name>, and
 * the alarm's and the legend's when it has them). */
typedef enum {
    OC_KIND_SESSION = 0,
    OC_KIND_CLOSED,
    OC_KIND_CONFIRMATION,
    OC_KIND_DELIVERY,
    OC_KIND_APPOINTMENTS,
    OC_KIND_REMINDER,
    OC_KIND_COUNT
} oc_kind;

#define OC_KIND_ALL ((1u << OC_KIND_COUNT) - 1u)

/* A row's anchor: its days count from the slot's first day, or from the
 * last day of another kind of the same slot (a kind listed before it). */
#define OC_KIND_ANCHOR_SLOT (-1)

typedef struct {
    const char *name;      /* in definitions and template keys */
    const char *uid;       /* in UID names: both states of a slot share "session" (DESIGN §3),
                            * so a late closure or reopening updates one event in place */
    bool closed;           /* made for closed slots (true) or open ones */
    int anchor;            /* OC_KIND_ANCHOR_SLOT or an oc_kind listed before this row */
    bool timed;            /* a local time with a duration; else whole days */
    bool alarm;            /* carries the rule's alarm, when the definition gives one */
    bool holidays;         /* its days are checked against the public holidays */
    const char *grid;      /* the page's grid class, NULL for none; its legend is "legend.<grid>" */
    int grid_rank;         /* a day of several kinds takes the class of the lowest rank */
    const char *alarm_key; /* the template key of its alarm's text; NULL without alarm */
    bool optional;         /* made only when the definition gives its block */
} oc_kind_info;

/* The row of 'kind'; a static table. 'kind' must be below OC_KIND_COUNT. */
const oc_kind_info *oc_kind_get(oc_kind kind);

/* The kind's name ("session", ...); "?" past the table. A static string. */
const char *oc_kind_name(oc_kind kind);

/* The kind's name in UID names ("session" for a closed slot too). Static. */
const char *oc_kind_uid_name(oc_kind kind);

/* The kind named 'name', or -1. */
int oc_kind_parse(const char *name);

/* The names of every kind for a message: "session, closed, ... or appointments".
 * A static string. */
const char *oc_kind_list(void);

/* Writes "<prefix><name>" ("summary.delivery") into 'out'; returns 'out'. */
const char *oc_kind_key(oc_kind kind, const char *prefix, char *out, size_t size);

#endif
