/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_ICS_INT_H
#define OC_ICS_INT_H
/* ics internals shared with the unit tests, not with main.c. */

#include <libical/ical.h>

#include "ordercal/ics.h"

/* Serialises 'comp' with libical into logical lines in 'lines' (each ending
 * in '\n'), repairing libical 3.0.16's broken folds. 'what' names it in
 * messages. Returns 0, or -1 with 'err' set (OC_E_ICAL). */
int oc_ics_serialise(icalcomponent *comp, oc_buf *lines, const char *what, oc_error *err);

#endif
