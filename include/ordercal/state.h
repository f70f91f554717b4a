/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_STATE_H
#define OC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/util.h"

/* What the last build of an output folder was made of (DIR/.ordercal.state):
 * a digest of every input (definitions, templates, zones, options, the day,
 * the program) and the identity of every file it left (size, mtime, ctime,
 * inode). A build whose inputs give the same digest over files that are
 * still those would write the same bytes: it can stop before rendering. */

#define OC_STATE_NAME ".ordercal.state"

/* True when DIR/.ordercal.state records 'key' and exactly the files
 * 'names[0..n)' (in that order), each still as it was left. Any doubt (no
 * state, a file touched since, another list) is false. */
bool oc_state_current(const char *dir, uint64_t key, const char *const *names, size_t n);

/* Appends the state of 'key' and of the files 'names[0..n)' in 'dir', as
 * they are now, to 'out' (the bytes of DIR/.ordercal.state). Returns 0, or
 * -1 when a file cannot be read: then no state should be written. */
int oc_state_text(const char *dir, uint64_t key, const char *const *names, size_t n, oc_buf *out);

#endif
