/* SPDX-License-Identifier: Apache-2.0 */
/* ics: the publish gate (DESIGN §4). Every event ordercal publishes is
 * parsed back with libical and checked before its feed may be renamed into
 * place. Events are independent, so the gate parses them on worker threads
 * while the writer goes on; the writer lends a hand when the queue is full,
 * so that a feed costs about (writing + parsing) / cores. The verdict is the
 * first refusal in feed order, whatever thread found it. */
#define _GNU_SOURCE /* sched_getaffinity */

#include "ics_int.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Events per batch: large enough that the queue's lock is taken rarely,
 * small enough that memory stays flat (a batch holds about 64 KiB). */
#define BATCH_EVENTS 64

/* Worker threads at most, besides the writer. */
#define MAX_WORKERS 7

typedef struct {
    size_t index;          /* the event's rank in the feed */
    size_t off, len;       /* its folded bytes in the batch's text */
    char uid[37];
    oc_kind kind;
    bool has_alarm, timed, start_utc;
    int64_t utc_start;
} gate_item;

typedef struct gate_batch {
    oc_buf text;
    gate_item *items;
    size_t count, cap;
    struct gate_batch *next;
} gate_batch;

/* Content lines libical has accepted, by their exact published bytes (the
 * line and its folds) and the component they sat in. libical reads a
 * property line alone: its kind, parameters and value come from its own
 * bytes, and what it cannot read becomes an X-LIC-ERROR beside it. So an
 * identical line in the same component is accepted again, and the gate
 * passes libical only the lines it has not seen: DTSTAMP, URL, TRANSP and
 * the alarm's lines repeat in every event. UID and DTSTART are always
 * parsed, for the checks that read their values. */
#define MEMO_SLOTS 1024 /* direct-mapped: a newer line takes an older one's slot */
#define MEMO_LINE 160   /* longer lines (descriptions, mostly unique) are always parsed */

typedef struct {
    uint64_t hash;    /* 0: empty */
    int parent;       /* icalcomponent_kind of the enclosing component */
    bool dtstamp;     /* the line is a DTSTAMP */
    size_t len;
    char bytes[MEMO_LINE];
} memo_entry;

/* A line passed to libical that may join the memo once its event passes. */
typedef struct {
    const char *bytes;
    size_t len;
    int parent;
    uint64_t hash;
} memo_candidate;

/* What one thread needs to parse events: its own copy of the zone, since
 * libical extends a zone's table of offset changes lazily, without a lock
 * per zone; its own memo, without a lock. */
typedef struct {
    icaltimezone *zone;
    memo_entry *memo;        /* MEMO_SLOTS entries, allocated on first use */
    oc_buf reduced;          /* the lines of the event libical has not seen */
    memo_candidate *cand;
    size_t cand_cap;
} gate_ctx;

struct oc_ics_gate {
    const char *tzid;
    char *vtimezone;        /* the published VTIMEZONE; NULL without timed events */
    int last_year;          /* the latest year a timed event needs from the zone */

    pthread_mutex_t lock;
    pthread_cond_t work;    /* a batch is pending, or the gate closes */
    gate_batch *head, *tail;/* pending batches, in feed order */
    size_t pending;
    gate_batch *spare;      /* batches to reuse */
    bool closing;

    pthread_t threads[MAX_WORKERS];
    int workers;            /* threads to start; started once a second batch fills */
    int started;

    gate_batch *current;    /* the batch the writer fills */
    size_t next_index;
    gate_ctx writer_ctx;

    bool failed;            /* a refusal is known; 'fail' holds the first one */
    size_t fail_index;
    oc_error fail;
};

/* ---- one event ---------------------------------------------------------- */

/* "the confirmation event <uid>", for messages: made only on a refusal. */
static const char *what(const gate_item *it, char buf[96])
{
    snprintf(buf, 96, "the %s event %s", oc_kind_name(it->kind), it->uid);
    return buf;
}

#define NOWHERE ((oc_pos){0, 0})

/* The components ordercal publishes, parsed back. NULL with 'err' set when
 * libical cannot read them or marks a problem with X-LIC-ERROR. */
static icalcomponent *parse_back(const char *text, const gate_item *it, oc_error *err)
{
    icalcomponent *c;
    char w[96];

    icalerror_clear_errno();
    c = icalparser_parse_string(text);
    if (c == NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical cannot parse %s back",
                     it != NULL ? what(it, w) : "the calendar header");
        return NULL;
    }

    /* libical reports what it could not read as X-LIC-ERROR properties. */
    if (icalcomponent_count_errors(c) != 0) {
        icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
        const char *why = p != NULL ? icalproperty_get_xlicerror(p) : "an error in a subcomponent";

        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical rejects %s: %s",
                     it != NULL ? what(it, w) : "the calendar header", why);
        icalcomponent_free(c);
        return NULL;
    }
    icalerror_clear_errno();
    return c;
}

/* The zone as libical reads it from our own VTIMEZONE, its table of changes
 * extended once to the last year needed (extending it year after year as
 * the events go on costs more than the parse). */
static icaltimezone *ctx_zone(oc_ics_gate *g, gate_ctx *ctx, oc_error *err)
{
    icalcomponent *vtz;
    struct icaltimetype t;

    if (ctx->zone != NULL) {
        return ctx->zone;
    }
    icalerror_clear_errno();
    vtz = icalparser_parse_string(g->vtimezone);
    ctx->zone = icaltimezone_new();
    if (vtz == NULL || ctx->zone == NULL || icalcomponent_isa(vtz) != ICAL_VTIMEZONE_COMPONENT ||
        !icaltimezone_set_component(ctx->zone, vtz)) {
        if (vtz != NULL) {
            icalcomponent_free(vtz);
        }
        if (ctx->zone != NULL) {
            icaltimezone_free(ctx->zone, 1);
            ctx->zone = NULL;
        }
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical refuses the VTIMEZONE of %s",
                     g->tzid);
        return NULL;
    }
    t = icaltime_null_time();
    t.year = g->last_year;
    t.month = 12;
    t.day = 31;
    (void)icaltime_as_timet_with_zone(t, ctx->zone);
    icalerror_clear_errno();
    return ctx->zone;
}

/* ---- the memo of accepted lines ----------------------------------------- */

static uint64_t line_hash(int parent, const char *s, size_t n)
{
    uint64_t h = 14695981039346656037u ^ (uint64_t)(unsigned)parent;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    }
    return h != 0 ? h : 1;
}

/* The property name of a content line ("DTSTART" of "DTSTART;TZID=...:"),
 * NUL-terminated into 'out'; empty when too long for one of ours. */
static void line_name(const char *s, size_t n, char out[64])
{
    size_t k = 0;

    while (k < n && k < 63 && s[k] != ':' && s[k] != ';' && s[k] != '\r') {
        k++;
    }
    if (k == 63) {
        k = 0;
    }
    memcpy(out, s, k);
    out[k] = '\0';
}

/* Where libical would file the line: the component opened by BEGIN, closed
 * by END, or a property of the innermost one. */
typedef enum { LINE_BEGIN, LINE_END, LINE_PROPERTY } line_role;

static line_role role(const char *name)
{
    if (strcasecmp(name, "BEGIN") == 0) {
        return LINE_BEGIN;
    }
    return strcasecmp(name, "END") == 0 ? LINE_END : LINE_PROPERTY;
}

/* Copies into ctx->reduced the lines of 'text' libical has not accepted yet,
 * with every BEGIN and END; notes the candidates for the memo. Sets
 * '*dtstamp' when the event's DTSTAMP is a remembered line. */
static size_t reduce(gate_ctx *ctx, const char *text, size_t len, bool *dtstamp)
{
    int stack[8];
    int depth = 0, deeper = 0; /* 'deeper': components nested past the stack */
    size_t start = 0, ncand = 0;

    if (ctx->memo == NULL) {
        ctx->memo = oc_xcalloc(MEMO_SLOTS, sizeof(*ctx->memo));
    }
    oc_buf_reset(&ctx->reduced);
    *dtstamp = false;
    while (start < len) {
        size_t end = start, n;
        char name[64];
        int parent = depth > 0 ? stack[depth - 1] : ICAL_NO_COMPONENT;

        /* A content line and its folds: CRLF not followed by a space or tab. */
        for (;;) {
            const char *nl = memchr(text + end, '\n', len - end);

            end = nl != NULL ? (size_t)(nl - text) + 1 : len;
            if (end >= len || (text[end] != ' ' && text[end] != '\t')) {
                break;
            }
        }
        n = end - start;
        line_name(text + start, n, name);
        switch (role(name)) {
        case LINE_BEGIN:
            if (depth < (int)(sizeof(stack) / sizeof(stack[0]))) {
                char value[64];
                size_t v = strlen(name) + 1;

                line_name(text + start + v, n > v ? n - v : 0, value);
                stack[depth++] = (int)icalcomponent_string_to_kind(value);
            } else {
                deeper++;
            }
            break;
        case LINE_END:
            if (deeper > 0) {
                deeper--;
            } else {
                depth -= depth > 0;
            }
            break;
        case LINE_PROPERTY:
            if (n <= MEMO_LINE && deeper == 0) {
                uint64_t h = line_hash(parent, text + start, n);
                const memo_entry *e = &ctx->memo[h % MEMO_SLOTS];

                if (e->hash == h && e->parent == parent && e->len == n &&
                    memcmp(e->bytes, text + start, n) == 0) {
                    *dtstamp |= e->dtstamp && parent == ICAL_VEVENT_COMPONENT;
                    start = end;
                    continue;
                }
                if (ncand == ctx->cand_cap) {
                    ctx->cand_cap = ctx->cand_cap == 0 ? 16 : 2 * ctx->cand_cap;
                    ctx->cand = oc_xrealloc(ctx->cand, ctx->cand_cap * sizeof(*ctx->cand));
                }
                ctx->cand[ncand++] = (memo_candidate){text + start, n, parent, h};
            }
            break;
        }
        oc_buf_add(&ctx->reduced, text + start, n);
        start = end;
    }
    return ncand;
}

/* The event passed: remember its candidate lines, but UID and DTSTART.
 * (Their names are compared here rather than looked up with libical's
 * icalproperty_string_to_kind(), a linear search as costly as the parse.) */
static void remember(gate_ctx *ctx, size_t ncand)
{
    for (size_t i = 0; i < ncand; i++) {
        const memo_candidate *m = &ctx->cand[i];
        memo_entry *e = &ctx->memo[m->hash % MEMO_SLOTS];
        char name[64];

        line_name(m->bytes, m->len, name);
        if (name[0] == '\0' || strcasecmp(name, "UID") == 0 ||
            strcasecmp(name, "DTSTART") == 0) {
            continue;
        }
        e->hash = m->hash;
        e->parent = m->parent;
        e->dtstamp = strcasecmp(name, "DTSTAMP") == 0;
        e->len = m->len;
        memcpy(e->bytes, m->bytes, m->len);
    }
}

/* ---- one event ---------------------------------------------------------- */

static int check_event(oc_ics_gate *g, gate_ctx *ctx, const char *text, const gate_item *it,
                       oc_error *err)
{
    icalcomponent *c = NULL;
    icalproperty *p;
    int rc = -1, alarms;
    size_t ncand;
    bool dtstamp_seen;
    char w[96];

    if (oc_ics_check_lines(text, it->len, err) != 0) {
        return -1;
    }
    ncand = reduce(ctx, text, it->len, &dtstamp_seen);
    c = parse_back(ctx->reduced.data, it, err);
    if (c == NULL) {
        return -1;
    }

    /* Without METHOD, libical's restriction check ignores a missing UID or
     * DTSTAMP: check them here. */
    if (icalcomponent_isa(c) != ICAL_VEVENT_COMPONENT ||
        (p = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY)) == NULL ||
        strcmp(icalproperty_get_uid(p), it->uid) != 0 ||
        (!dtstamp_seen && icalcomponent_get_first_property(c, ICAL_DTSTAMP_PROPERTY) == NULL) ||
        (p = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY)) == NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE,
                     "%s lost its UID, DTSTAMP or DTSTART when parsed back", what(it, w));
        goto done;
    }
    alarms = icalcomponent_count_components(c, ICAL_VALARM_COMPONENT);
    if (alarms != (it->has_alarm ? 1 : 0)) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s has %d alarms when parsed back",
                     what(it, w), alarms);
        goto done;
    }
    if (it->timed) {
        struct icaltimetype t = icalproperty_get_dtstart(p);
        icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
        int64_t utc;

        if (it->start_utc) {
            if (tzp != NULL || !icaltime_is_utc(t) || t.is_date) {
                oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s is not a UTC time when parsed back",
                             what(it, w));
                goto done;
            }
            utc = (int64_t)icaltime_as_timet(t);
        } else {
            icaltimezone *zone;

            if (tzp == NULL || strcmp(icalparameter_get_tzid(tzp), g->tzid) != 0 || t.is_date) {
                oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s is not a zoned time when parsed back",
                             what(it, w));
                goto done;
            }
            if ((zone = ctx_zone(g, ctx, err)) == NULL) {
                goto done;
            }

            /* Read through our own VTIMEZONE, the instant must be the one the
             * tz database gives: the wall time we write is never skipped nor
             * repeated, so there is one answer. */
            t.zone = NULL;
            utc = (int64_t)icaltime_as_timet_with_zone(t, zone);
        }
        if (utc != it->utc_start) {
            oc_error_set(err, OC_E_INTERNAL, NULL, NOWHERE,
                         "%s: its DTSTART reads as %lld, the tz database gives %lld", what(it, w),
                         (long long)utc, (long long)it->utc_start);
            goto done;
        }
    }
    remember(ctx, ncand);
    rc = 0;
done:
    icalcomponent_free(c);
    icalerror_clear_errno();
    return rc;
}

/* ---- batches ------------------------------------------------------------ */

/* Checks the events of 'b' in order, skipping those after a refusal already
 * known. Records the first refusal of the gate. */
static void check_batch(oc_ics_gate *g, gate_ctx *ctx, gate_batch *b)
{
    bool known;

    pthread_mutex_lock(&g->lock);
    known = g->failed && g->fail_index < b->items[0].index;
    pthread_mutex_unlock(&g->lock);
    if (known) {
        return;
    }
    for (size_t i = 0; i < b->count; i++) {
        const gate_item *it = &b->items[i];
        oc_error err;

        oc_error_init(&err);
        if (check_event(g, ctx, b->text.data + it->off, it, &err) != 0) {
            pthread_mutex_lock(&g->lock);
            if (!g->failed || it->index < g->fail_index) {
                g->failed = true;
                g->fail_index = it->index;
                g->fail = err;
            }
            pthread_mutex_unlock(&g->lock);
            return;
        }
    }
}

/* Takes the oldest pending batch; call with the lock held. */
static gate_batch *take(oc_ics_gate *g)
{
    gate_batch *b = g->head;

    if (b != NULL) {
        g->head = b->next;
        if (g->head == NULL) {
            g->tail = NULL;
        }
        g->pending--;
    }
    return b;
}

/* Gives a checked batch back for reuse; call with the lock held. */
static void give_back(oc_ics_gate *g, gate_batch *b)
{
    oc_buf_reset(&b->text);
    b->count = 0;
    b->next = g->spare;
    g->spare = b;
}

static void ctx_release(gate_ctx *ctx)
{
    free(ctx->memo);
    free(ctx->cand);
    oc_buf_free(&ctx->reduced);
    if (ctx->zone != NULL) {
        icaltimezone_free(ctx->zone, 1);
        ctx->zone = NULL;
    }
}

static void *worker(void *arg)
{
    oc_ics_gate *g = arg;
    gate_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));

    pthread_mutex_lock(&g->lock);
    for (;;) {
        gate_batch *b;

        while (g->head == NULL && !g->closing) {
            pthread_cond_wait(&g->work, &g->lock);
        }
        if ((b = take(g)) == NULL) {
            break;
        }
        pthread_mutex_unlock(&g->lock);
        check_batch(g, &ctx, b);
        pthread_mutex_lock(&g->lock);
        give_back(g, b);
    }
    pthread_mutex_unlock(&g->lock);
    ctx_release(&ctx);
    return NULL;
}

/* The CPUs this process may run on. */
static int cpus(void)
{
    cpu_set_t set;
    long n;

    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        return CPU_COUNT(&set);
    }
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (int)n : 1;
}

/* Starts the workers; with none (one CPU, or threads refused) the writer
 * checks every batch itself. */
static void start_workers(oc_ics_gate *g)
{
    while (g->started < g->workers) {
        if (pthread_create(&g->threads[g->started], NULL, worker, g) != 0) {
            break;
        }
        g->started++;
    }
    g->workers = g->started;
}

/* Queues the writer's batch. When the queue is full the writer checks the
 * oldest batch itself: it is then the slowest stage, and waiting would
 * leave its core idle. Workers start with the second full batch: a feed
 * of a hundred events is checked sooner than threads start and each reads
 * the zone. */
static void submit(oc_ics_gate *g, bool full)
{
    gate_batch *b = g->current, *mine = NULL;

    g->current = NULL;
    if (b == NULL || b->count == 0) {
        if (b != NULL) {
            pthread_mutex_lock(&g->lock);
            give_back(g, b);
            pthread_mutex_unlock(&g->lock);
        }
        return;
    }
    if (full && g->started < g->workers && b->items[0].index > 0) {
        start_workers(g);
    }
    pthread_mutex_lock(&g->lock);
    b->next = NULL;
    if (g->tail != NULL) {
        g->tail->next = b;
    } else {
        g->head = b;
    }
    g->tail = b;
    g->pending++;
    pthread_cond_signal(&g->work);
    if (g->pending > (size_t)(2 * g->started)) {
        mine = take(g);
    }
    pthread_mutex_unlock(&g->lock);
    if (mine != NULL) {
        check_batch(g, &g->writer_ctx, mine);
        pthread_mutex_lock(&g->lock);
        give_back(g, mine);
        pthread_mutex_unlock(&g->lock);
    }
}

/* ---- the interface ------------------------------------------------------ */

int oc_ics_gate_header(const oc_buf *header, const oc_buf *vtimezone, oc_error *err)
{
    oc_buf text = {0};
    icalcomponent *c = NULL;
    int rc = -1;

    oc_buf_add(&text, header->data, header->len);
    oc_buf_add(&text, vtimezone->data, vtimezone->len);
    oc_buf_puts(&text, "END:VCALENDAR\r\n");
    if (oc_ics_check_lines(text.data, text.len, err) != 0) {
        goto done;
    }
    c = parse_back(text.data, NULL, err);
    if (c == NULL) {
        goto done;
    }
    if (icalcomponent_isa(c) != ICAL_VCALENDAR_COMPONENT ||
        icalcomponent_get_first_property(c, ICAL_VERSION_PROPERTY) == NULL ||
        icalcomponent_get_first_property(c, ICAL_PRODID_PROPERTY) == NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE,
                     "the calendar header lacks VERSION or PRODID");
        goto done;
    }
    rc = 0;
done:
    if (c != NULL) {
        icalcomponent_free(c);
    }
    oc_buf_free(&text);
    icalerror_clear_errno();
    return rc;
}

oc_ics_gate *oc_ics_gate_new(const char *tzid, const oc_buf *vtimezone, int last_year,
                             int threads)
{
    oc_ics_gate *g = oc_xcalloc(1, sizeof(*g));

    g->tzid = tzid;
    if (vtimezone != NULL && vtimezone->len > 0) {
        g->vtimezone = oc_xstrndup(vtimezone->data, vtimezone->len);
    }
    g->last_year = last_year;
    if (threads < 0) {
        threads = cpus() - 1;
    }
    g->workers = threads < 0 ? 0 : threads > MAX_WORKERS ? MAX_WORKERS : threads;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->work, NULL);
    return g;
}

int oc_ics_gate_event(oc_ics_gate *g, const oc_buf *block, const oc_event *e)
{
    gate_batch *b = g->current;
    gate_item *it;
    bool failed;

    if (b == NULL) {
        pthread_mutex_lock(&g->lock);
        if ((b = g->spare) != NULL) {
            g->spare = b->next;
        }
        pthread_mutex_unlock(&g->lock);
        if (b == NULL) {
            b = oc_xcalloc(1, sizeof(*b));
        }
        g->current = b;
    }
    if (b->count == b->cap) {
        b->cap = b->cap == 0 ? BATCH_EVENTS : b->cap * 2;
        b->items = oc_xrealloc(b->items, b->cap * sizeof(*b->items));
    }
    it = &b->items[b->count++];
    it->index = g->next_index++;
    it->off = b->text.len;
    it->len = block->len;
    memcpy(it->uid, e->uid, sizeof(it->uid));
    it->kind = e->kind;
    it->has_alarm = e->has_alarm;
    it->timed = e->timed;
    it->start_utc = e->start_utc;
    it->utc_start = e->utc_start;

    /* libical parses NUL-terminated text. */
    oc_buf_add(&b->text, block->data, block->len);
    oc_buf_putc(&b->text, '\0');
    if (b->count < BATCH_EVENTS) {
        return 0;
    }
    submit(g, true);
    pthread_mutex_lock(&g->lock);
    failed = g->failed;
    pthread_mutex_unlock(&g->lock);
    return failed ? -1 : 0;
}

int oc_ics_gate_finish(oc_ics_gate *g, size_t before, oc_error *err)
{
    int rc = 0;

    submit(g, false);

    /* The writer drains what is left, then the workers finish theirs. */
    for (;;) {
        gate_batch *b;

        pthread_mutex_lock(&g->lock);
        b = take(g);
        pthread_mutex_unlock(&g->lock);
        if (b == NULL) {
            break;
        }
        check_batch(g, &g->writer_ctx, b);
        pthread_mutex_lock(&g->lock);
        give_back(g, b);
        pthread_mutex_unlock(&g->lock);
    }
    pthread_mutex_lock(&g->lock);
    g->closing = true;
    pthread_cond_broadcast(&g->work);
    pthread_mutex_unlock(&g->lock);
    for (int i = 0; i < g->started; i++) {
        pthread_join(g->threads[i], NULL);
    }
    g->started = 0;
    g->workers = 0;
    if (g->failed && g->fail_index < before) {
        if (err != NULL && err->code == OC_OK) {
            *err = g->fail;
        }
        rc = -1;
    }
    return rc;
}

void oc_ics_gate_free(oc_ics_gate *g)
{

    if (g == NULL) {
        return;
    }
    if (g->started > 0) {
        pthread_mutex_lock(&g->lock);
        if (g->tail != NULL) {
            g->tail->next = g->spare;
            g->spare = g->head;
            g->head = g->tail = NULL;
            g->pending = 0;
        }
        g->closing = true;
        pthread_cond_broadcast(&g->work);
        pthread_mutex_unlock(&g->lock);
        for (int i = 0; i < g->started; i++) {
            pthread_join(g->threads[i], NULL);
        }
    }
    if (g->current != NULL) {
        g->current->next = g->spare;
        g->spare = g->current;
    }
    for (gate_batch *b = g->spare, *next; b != NULL; b = next) {
        next = b->next;
        oc_buf_free(&b->text);
        free(b->items);
        free(b);
    }
    ctx_release(&g->writer_ctx);
    pthread_cond_destroy(&g->work);
    pthread_mutex_destroy(&g->lock);
    free(g->vtimezone);
    free(g);
}
