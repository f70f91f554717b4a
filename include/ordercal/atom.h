/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_ATOM_H
#define OC_ATOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/def.h"
#include "ordercal/prev.h"
#include "ordercal/tmpl.h"
#include "ordercal/util.h"

/* The public change log (DESIGN §4): DIR/changes.atom, an Atom feed
 * (RFC 4287) with one entry per build that changed a feed, the most recent
 * first, each listing the changes in pharmacists' words (templates). The
 * previous file is its memory: its entries are kept as they are, and a
 * build that adds none leaves the file alone. libxml2 reads and writes it. */

#define OC_ATOM_NAME "changes.atom"

/* One entry, as the page shows it. */
typedef struct {
    int64_t updated; /* the build that made it */
    char *title;
    char **lines;
    size_t nlines;
} oc_atom_entry;

typedef struct oc_atom oc_atom;

/* Reads the change log at 'path'. A missing file, or one that is not an
 * Atom feed, gives an empty log. Returns a new log; the caller frees it
 * with oc_atom_free(). On a read error returns NULL and fills 'err'. */
oc_atom *oc_atom_load(const char *path, oc_error *err);
void oc_atom_free(oc_atom *log); /* accepts NULL */

/* The entries, most recent first. Borrowed. */
const oc_atom_entry *oc_atom_entries(const oc_atom *log, size_t *count);

/* Appends to 'lines' (one per line, each ending in '\n') the changes of a
 * calendar in the words of 't', its language: which session closed or
 * reopened, what moved from what to what, what was added, cancelled or
 * dropped. Each event counts once, whatever the feeds it is in (its words
 * from a feed in 'language' when it has one). Returns 0, or -1 with 'err' set. */
int oc_atom_words(const oc_tmpl *t, const char *language, const oc_changes *changes, oc_buf *lines,
                  oc_error *err);

/* What the log's feed says of itself. */
typedef struct {
    const char *calendar_id; /* its id and its entries' are name-based UUIDs under it */
    const char *title;
    const char *author;
    const char *language;
    const char *base_url; /* ending in '/', or NULL */
    int64_t updated;      /* when it has no entry */
} oc_atom_meta;

/* Adds an entry made at 'now' titled 'title' with 'lines' (as from
 * oc_atom_words()) before the others, and keeps the 'keep' most recent. */
void oc_atom_add(oc_atom *log, const oc_atom_meta *meta, int64_t now, const char *title,
                 const oc_buf *lines, int keep);

/* The log's bytes into 'out'. Returns 0, or -1 with 'err' set (OC_E_INTERNAL). */
int oc_atom_render(oc_atom *log, const oc_atom_meta *meta, oc_buf *out, oc_error *err);

#endif
