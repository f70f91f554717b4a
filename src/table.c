/* SPDX-License-Identifier: Apache-2.0 */
/* table: the schedule as the bulletin's table (session, portal state,
 * indicative delivery, confirmation), one row per slot, for the page and
 * for `ordercal show`. */
#include "ordercal/table.h"

#include <stdlib.h>
#include <string.h>

/* A row's texts are appended to one buffer, each ending in '\0'; the rows
 * keep their offsets until the buffer stops growing (a table of 25,000 rows
 * in 75,000 allocations cost twice its size). */
typedef struct {
    size_t session, delivery, confirmation; /* offsets + 1; 0: none */
} row_texts;

static size_t append(oc_buf *texts, oc_buf *b)
{
    size_t at = texts->len + 1;

    oc_buf_add(texts, b->data != NULL ? b->data : "", b->len);
    oc_buf_putc(texts, '\0');
    oc_buf_reset(b);
    return at;
}

/* Marks a confirmation time the zone skips ("02h30 → 03h30", the time
 * subscribers see) or repeats ("02h30 (UTC+11:00)", the occurrence they see). */
static int mark_dst(const oc_def *def, const oc_slot *s, const oc_tmpl *t, oc_buf *b, oc_error *err)
{
    oc_dst d;
    oc_day seen;

    switch (oc_sched_dst(def, s, OC_KIND_CONFIRMATION, &d)) {
    case OC_DST_SKIPPED:
        seen = oc_day_floor(d.seen);
        oc_buf_puts(b, " → ");
        return seen == s->spans[OC_KIND_CONFIRMATION].first
                   ? oc_tmpl_time(t, (int)((d.seen - seen * 86400) / 60), b, err)
                   : oc_tmpl_datetime(t, seen, (int)((d.seen - seen * 86400) / 60), b, err);
    case OC_DST_REPEATED:
        oc_buf_printf(b, " (UTC%c%02d:%02d)", d.offset < 0 ? '-' : '+',
                      (int)((d.offset < 0 ? -d.offset : d.offset) / 3600),
                      (int)((d.offset < 0 ? -d.offset : d.offset) % 3600 / 60));
        return 0;
    default:
        return 0;
    }
}

static int make_row(const oc_def *def, const oc_slot *s, const oc_tmpl *t, oc_table_row *row,
                    row_texts *at, oc_buf *texts, oc_error *err)
{
    const oc_span *delivery = &s->spans[OC_KIND_DELIVERY];
    const oc_span *confirmation = &s->spans[OC_KIND_CONFIRMATION];
    oc_buf b = {0};
    int rc = -1;

    row->slot = s;
    row->state = oc_tmpl_get(t, s->open ? "state.open" : "state.closed");
    if (oc_tmpl_span_short(t, s->first, s->last, &b, err) != 0) {
        goto done;
    }
    at->session = append(texts, &b);
    if (delivery->on) {
        if (oc_tmpl_span_short(t, delivery->first, delivery->last, &b, err) != 0) {
            goto done;
        }
        at->delivery = append(texts, &b);
    }
    if (confirmation->on) {
        if (oc_tmpl_datetime(t, confirmation->first, def->rules[OC_KIND_CONFIRMATION].minutes, &b,
                             err) != 0 ||
            mark_dst(def, s, t, &b, err) != 0) {
            goto done;
        }
        at->confirmation = append(texts, &b);
    }
    rc = 0;
done:
    oc_buf_free(&b);
    return rc;
}

static const char *text_at(const char *texts, size_t at)
{
    return at != 0 ? texts + at - 1 : NULL;
}

oc_table *oc_table_new(const oc_def *def, const oc_sched *sched, const oc_tmpl *t, oc_error *err)
{
    oc_table *table = oc_xcalloc(1, sizeof(*table));
    row_texts *at = oc_xcalloc(sched->count + 1, sizeof(*at));
    oc_buf texts = {0};

    table->heads[0] = oc_tmpl_get(t, "show.session");
    table->heads[1] = oc_tmpl_get(t, "show.state");
    table->heads[2] = oc_tmpl_get(t, "show.delivery");
    table->heads[3] = oc_tmpl_get(t, "show.confirmation");
    table->rows = oc_xcalloc(sched->count + 1, sizeof(*table->rows));
    for (size_t i = 0; i < sched->count; i++) {
        if (make_row(def, &sched->slots[i], t, &table->rows[i], &at[i], &texts, err) != 0) {
            free(at);
            oc_buf_free(&texts);
            oc_table_free(table);
            return NULL;
        }
        table->count++;
    }
    table->texts = texts.data != NULL ? oc_buf_detach(&texts) : NULL;
    for (size_t i = 0; i < table->count; i++) {
        table->rows[i].session = text_at(table->texts, at[i].session);
        table->rows[i].delivery = text_at(table->texts, at[i].delivery);
        table->rows[i].confirmation = text_at(table->texts, at[i].confirmation);
    }
    free(at);
    return table;
}

void oc_table_free(oc_table *table)
{
    if (table == NULL) {
        return;
    }
    free(table->texts);
    free(table->rows);
    free(table);
}

/* Characters, not bytes: the cells are UTF-8. */
static size_t width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++) {
        w += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return w;
}

void oc_table_text(const oc_table *table, oc_buf *out)
{
    size_t rows = table->count + 1, w[4] = {0, 0, 0, 0};
    oc_buf *cells = oc_xcalloc(rows * 4, sizeof(*cells));

    for (size_t c = 0; c < 4; c++) {
        oc_buf_puts(&cells[c], table->heads[c]);
    }
    for (size_t r = 0; r < table->count; r++) {
        const oc_table_row *row = &table->rows[r];
        oc_buf *cell = &cells[(r + 1) * 4];

        oc_buf_puts(&cell[0], row->session);
        oc_buf_puts(&cell[1], row->state);
        if (row->slot->note != NULL) {
            oc_buf_printf(&cell[1], " (%s)", row->slot->note);
        }
        oc_buf_puts(&cell[2], row->delivery != NULL ? row->delivery : "");
        oc_buf_puts(&cell[3], row->confirmation != NULL ? row->confirmation : "");
    }
    for (size_t i = 0; i < rows * 4; i++) {
        size_t cw = width(cells[i].data != NULL ? cells[i].data : "");

        w[i % 4] = cw > w[i % 4] ? cw : w[i % 4];
    }
    for (size_t r = 0; r < rows; r++) {
        size_t last = 0;

        /* No padding after the last cell that has text. */
        for (size_t c = 0; c < 4; c++) {
            last = cells[r * 4 + c].len != 0 ? c : last;
        }
        for (size_t c = 0; c <= last; c++) {
            const char *s = cells[r * 4 + c].data != NULL ? cells[r * 4 + c].data : "";

            oc_buf_puts(out, s);
            for (size_t i = width(s); c < last && i < w[c] + 2; i++) {
                oc_buf_putc(out, ' ');
            }
        }
        oc_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < rows * 4; i++) {
        oc_buf_free(&cells[i]);
    }
    free(cells);
}
