/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_FUZZ_MAIN_H
#define OC_FUZZ_MAIN_H
/* The main() of a harness built without libFuzzer (gcc): runs it once on
 * each file given, as libssh's tests/fuzz/fuzzer.c does. Each input gets a
 * buffer of exactly its size, so that a sanitizer build catches reads past
 * its end. Include once, after LLVMFuzzerTestOneInput is declared. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordercal/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int oc_fuzz_run_files(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        oc_buf b = {0};
        oc_error err;
        uint8_t *exact;

        oc_error_init(&err);
        if (oc_file_read(argv[i], SIZE_MAX - 1, &b, &err) != 0) {
            fprintf(stderr, "%s\n", err.text);
            oc_buf_free(&b);
            return 2;
        }
        exact = oc_xmalloc(b.len != 0 ? b.len : 1);
        if (b.len != 0) {
            memcpy(exact, b.data, b.len);
        }
        LLVMFuzzerTestOneInput(exact, b.len);
        free(exact);
        oc_buf_free(&b);
        printf("%s: ok\n", argv[i]);
    }
    return 0;
}

#endif
