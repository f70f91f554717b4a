/* SPDX-License-Identifier: Apache-2.0 */
/* kind: the table of event kinds (DESIGN §3). One row per kind; the rest of
 * the code loops over it instead of naming kinds one by one. */
#include "ordercal/kind.h"

#include <stdio.h>
#include <string.h>

/* The columns: name, UID name, closed, anchor, timed, alarm, holidays, grid
 * class and rank, the alarm's text key, optional. */
static const oc_kind_info kinds[OC_KIND_COUNT] = {
    {"session", "session", false, OC_KIND_ANCHOR_SLOT, false, false, true, "open", 3, NULL, false},
    {"closed", "session", true, OC_KIND_ANCHOR_SLOT, false, false, false, "closed", 4, NULL, false},
    {"confirmation", "confirmation", false, OC_KIND_ANCHOR_SLOT, true, true, true, "confirmation",
     0, "alarm", false},
    {"delivery", "delivery", false, OC_KIND_ANCHOR_SLOT, false, false, true, "delivery", 1, NULL,
     false},
    {"appointments", "appointments", false, OC_KIND_DELIVERY, false, false, true, "appointments", 2,
     NULL, false},
    {"reminder", "reminder", false, OC_KIND_ANCHOR_SLOT, true, true, true, NULL, -1,
     "alarm.reminder", true},
};

const oc_kind_info *oc_kind_get(oc_kind kind)
{
    return &kinds[kind];
}

const char *oc_kind_name(oc_kind kind)
{
    return (unsigned)kind < OC_KIND_COUNT ? kinds[kind].name : "?";
}

const char *oc_kind_uid_name(oc_kind kind)
{
    return (unsigned)kind < OC_KIND_COUNT ? kinds[kind].uid : "?";
}

int oc_kind_parse(const char *name)
{
    for (int k = 0; name != NULL && k < OC_KIND_COUNT; k++) {
        if (strcmp(name, kinds[k].name) == 0) {
            return k;
        }
    }
    return -1;
}

const char *oc_kind_list(void)
{
    static char list[256];

    if (list[0] == '\0') {
        size_t n = 0;

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            const char *sep = k == 0 ? "" : k + 1 == OC_KIND_COUNT ? " or " : ", ";

            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", sep, kinds[k].name);
        }
    }
    return list;
}

const char *oc_kind_key(oc_kind kind, const char *prefix, char *out, size_t size)
{
    snprintf(out, size, "%s%s", prefix, oc_kind_name(kind));
    return out;
}
