/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_OUT_H
#define OC_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "ordercal/diag.h"

/* Atomic output into one folder (DESIGN §4): every file is written to a
 * hidden temporary file in the same folder as its target, flushed and
 * fsync'ed, and only renamed over its target once every file of the run is
 * complete; files the run no longer makes are removed at the same commit,
 * after the renames; a run holds an exclusive lock on the folder. A file
 * may sit in a sub-folder of the output folder ("events/x.ics"), made when
 * its first byte is written. */
typedef struct oc_out oc_out;

typedef enum { OC_OUT_CREATED, OC_OUT_UPDATED, OC_OUT_UNCHANGED, OC_OUT_REMOVED } oc_out_status;

/* Opens 'dir' (created when missing), takes its lock, waiting at most
 * 'lock_timeout' seconds, and removes temporary files a killed run left.
 * A 'dry' folder is only compared with: it is neither created nor locked,
 * and nothing is written into it.
 * Returns a new oc_out; the caller ends it with oc_out_commit() or oc_out_abort(),
 * then frees it with oc_out_free(). On failure returns NULL and fills 'err'
 * (OC_E_IO, or OC_E_LOCKED when the lock stayed held). */
oc_out *oc_out_open(const char *dir, double lock_timeout, bool dry, oc_error *err);

/* Removes the temporary files a killed run left in the sub-folder 'sub' of
 * the folder (nothing when it is missing, or for a dry folder). */
void oc_out_sweep(oc_out *out, const char *sub);

/* Starts the file 'name': a plain file name inside the folder, or
 * "<sub-folder>/<file name>" (neither hidden, one level). Returns its index
 * for oc_out_write(), or -1 with 'err' set. */
int oc_out_begin(oc_out *out, const char *name, oc_error *err);

/* Marks the file 'index' (from oc_out_begin()) a cache the next run can do
 * without: replaced atomically as every file, but not synced, nor its
 * folder for it (after a crash it may be old or empty, never torn). */
void oc_out_cache(oc_out *out, int index);

/* Removes the file 'name' (named as for oc_out_begin()) at the commit,
 * after every rename: its status is OC_OUT_REMOVED, or OC_OUT_UNCHANGED
 * when there is no such file. Returns its index, or -1 with 'err' set. */
int oc_out_remove(oc_out *out, const char *name, oc_error *err);

/* Appends to file 'index'. Returns 0, or -1 with 'err' set (the path and strerror). */
int oc_out_write(oc_out *out, int index, const void *data, size_t len, oc_error *err);

/* Completes file 'index': flush, fsync, close. Its content was compared with
 * the current target as it was written: an unchanged file was never
 * written. Returns 0, or -1 with 'err' set. */
int oc_out_finish(oc_out *out, int index, oc_error *err);

/* What committing file 'index' does (valid after oc_out_finish). */
oc_out_status oc_out_status_of(const oc_out *out, int index);

/* Renames every finished file not committed yet over its target (unchanged
 * files are left alone, their mtime with them), then removes the files
 * oc_out_remove() named, then fsyncs every folder it changed; a run may
 * commit again after starting more files. Returns 0, or -1 with 'err' set;
 * files renamed before a failure stay complete, and nothing is removed
 * after a failed rename. */
int oc_out_commit(oc_out *out, oc_error *err);

/* Removes every temporary file, and the sub-folders made for them that are
 * left empty; the targets are untouched. */
void oc_out_abort(oc_out *out);

/* Releases the lock; removes temporary files not committed. Accepts NULL. */
void oc_out_free(oc_out *out);

#endif
