/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_TABLE_H
#define OC_TABLE_H

#include <stddef.h>

#include "ordercal/def.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"

/* The schedule as the bulletin's table, in the calendar's language, built
 * once for the page and for `ordercal show`: one row per slot. */
typedef struct {
    const oc_slot *slot;      /* borrowed from the schedule */
    const char *session;      /* "17-18 juillet 2023" */
    const char *state;        /* "Ouvert" / "Fermé"; borrowed from the templates */
    const char *delivery;     /* "27-28 juillet 2023"; NULL when the slot has none */
    const char *confirmation; /* "mercredi 19 juillet 2023 à 18h00"; NULL likewise */
} oc_table_row;

typedef struct {
    const char *heads[4]; /* session, state, delivery, confirmation; borrowed */
    oc_table_row *rows;
    size_t count;
    char *texts; /* every row's texts, one after the other: what the rows point into */
} oc_table;

/* Builds the table of 'sched' with the texts of 't'. 'def', 'sched' and 't'
 * are borrowed and must outlive it. Returns a new table; the caller frees it
 * with oc_table_free(). On a template error returns NULL with 'err' set. */
oc_table *oc_table_new(const oc_def *def, const oc_sched *sched, const oc_tmpl *t, oc_error *err);
void oc_table_free(oc_table *table); /* accepts NULL */

/* Appends the table as `ordercal show` prints it: columns padded to their
 * widest cell, notes in parentheses after the state, no padding after a
 * row's last cell. */
void oc_table_text(const oc_table *table, oc_buf *out);

#endif
