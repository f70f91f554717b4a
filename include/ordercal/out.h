/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_OUT_H
#define OC_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "ordercal/diag.h"

/* Atomic output into one folder (DESIGN §4): every file is written to a
 * hidden temporary file in the same folder, flushed and fsync'ed, and only
 * renamed over its target once every file of the run is complete; a run
 * holds an exclusive lock on the folder. */
typedef struct oc_out oc_out;

typedef enum { OC_OUT_CREATED, OC_OUT_UPDATED, OC_OUT_UNCHANGED } oc_out_status;

/* Opens 'dir' (created when missing), takes its lock, waiting at most
 * 'lock_timeout' seconds, and removes temporary files a killed run left.
 * A 'dry' folder is only compared with: it is neither created nor locked,
 * and nothing is written into it.
 * Returns a new oc_out; the caller ends it with oc_out_commit() or oc_out_abort(),
 * then frees it with oc_out_free(). On failure returns NULL and fills 'err'
 * (OC_E_IO, or OC_E_LOCKED when the lock stayed held). */
oc_out *oc_out_open(const char *dir, double lock_timeout, bool dry, oc_error *err);

/* Starts the file 'name' (a plain file name inside the folder).
 * Returns its index for oc_out_write(), or -1 with 'err' set. */
int oc_out_begin(oc_out *out, const char *name, oc_error *err);

/* Appends to file 'index'. Returns 0, or -1 with 'err' set (the path and strerror). */
int oc_out_write(oc_out *out, int index, const void *data, size_t len, oc_error *err);

/* Completes file 'index': flush, fsync, close. Its content was compared with
 * the current target as it was written: an unchanged file was never
 * written. Returns 0, or -1 with 'err' set. */
int oc_out_finish(oc_out *out, int index, oc_error *err);

/* What committing file 'index' does (valid after oc_out_finish). */
oc_out_status oc_out_status_of(const oc_out *out, int index);

/* Deletes the file 'name' of the folder at commit, after the renames
 * (nothing in a dry folder). Only `build --prune` asks for it. */
void oc_out_remove(oc_out *out, const char *name);

/* Renames every finished file not committed yet over its target (unchanged
 * files are left alone, their mtime with them), then fsyncs the folder; a
 * run may commit again after starting more files. Returns 0, or -1
 * with 'err' set; files renamed before a failure stay complete. */
int oc_out_commit(oc_out *out, oc_error *err);

/* Removes every temporary file; the targets are untouched. */
void oc_out_abort(oc_out *out);

/* Releases the lock; removes temporary files not committed. Accepts NULL. */
void oc_out_free(oc_out *out);

#endif
