/* SPDX-License-Identifier: Apache-2.0 */
/* table: the schedule as the bulletin's table (session, portal state,
 * indicative delivery, confirmation), one row per slot, for the page and
 * for `ordercal show`. */
#include "ordercal/table.h"

#include <stdlib.h>
#include <string.h>

static char *detach(oc_buf *b)
{
    return b->data != NULL ? oc_buf_detach(b) : oc_xstrdup("");
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
                    oc_error *err)
{
    const oc_span *delivery = &s->spans[OC_KIND_DELIVERY];
    const oc_span *confirmation = &s->spans[OC_KIND_CONFIRMATION];
    oc_buf b = {0};

    row->slot = s;
    row->state = oc_tmpl_get(t, s->open ? "state.open" : "state.closed");
    if (oc_tmpl_span_short(t, s->first, s->last, &b, err) != 0) {
        goto fail;
    }
    row->session = detach(&b);
    if (delivery->on) {
        if (oc_tmpl_span_short(t, delivery->first, delivery->last, &b, err) != 0) {
            goto fail;
        }
        row->delivery = detach(&b);
    }
    if (confirmation->on) {
        if (oc_tmpl_datetime(t, confirmation->first, def->rules[OC_KIND_CONFIRMATION].minutes, &b,
                             err) != 0 ||
            mark_dst(def, s, t, &b, err) != 0) {
            goto fail;
        }
        row->confirmation = detach(&b);
    }
    return 0;
fail:
    oc_buf_free(&b);
    return -1;
}

oc_table *oc_table_new(const oc_def *def, const oc_sched *sched, const oc_tmpl *t, oc_error *err)
{
    oc_table *table = oc_xcalloc(1, sizeof(*table));

    table->heads[0] = oc_tmpl_get(t, "show.session");
    table->heads[1] = oc_tmpl_get(t, "show.state");
    table->heads[2] = oc_tmpl_get(t, "show.delivery");
    table->heads[3] = oc_tmpl_get(t, "show.confirmation");
    table->rows = oc_xcalloc(sched->count + 1, sizeof(*table->rows));
    for (size_t i = 0; i < sched->count; i++) {
        table->count++;
        if (make_row(def, &sched->slots[i], t, &table->rows[i], err) != 0) {
            oc_table_free(table);
            return NULL;
        }
    }
    return table;
}

void oc_table_free(oc_table *table)
{
    if (table == NULL) {
        return;
    }
    for (size_t i = 0; i < table->count; i++) {
        free(table->rows[i].session);
        free(table->rows[i].delivery);
        free(table->rows[i].confirmation);
    }
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
