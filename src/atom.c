/* SPDX-License-Identifier: Apache-2.0 */
/* atom: the change log (DESIGN §4), DIR/changes.atom, an Atom feed
 * (RFC 4287) read and written with libxml2. The previous file is the
 * memory: its document is kept, its entries untouched, the feed's own
 * elements made again, a new entry put first and the oldest dropped past
 * changes_kept. The changes are worded here from the templates. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/atom.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordercal/event.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define XHTML_NS "http://www.w3.org/1999/xhtml"
#define ATOM_MAX (16 * 1024 * 1024)

struct oc_atom {
    xmlDocPtr doc; /* NULL until something is added or rendered */
    oc_atom_entry *entries;
    size_t count;
};

static bool is_atom(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           xmlStrEqual(n->ns->href, BAD_CAST ATOM_NS) && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
        if (is_atom(c, name)) {
            return c;
        }
    }
    return NULL;
}

static char *text_of(const xmlNode *n)
{
    xmlChar *t = n != NULL ? xmlNodeGetContent(n) : NULL;
    char *s = oc_xstrdup(t != NULL ? (const char *)t : "");

    xmlFree(t);
    return s;
}

/* "2023-09-17T00:00:00Z" into seconds; 0 when it is not that form. */
static int64_t rfc3339(const char *s)
{
    oc_date d;
    int h, m, sec;

    if (strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &d.year, &d.month, &d.day, &h, &m, &sec) != 6 ||
        !oc_date_valid(d)) {
        return 0;
    }
    return oc_day_from_date(d) * 86400 + h * 3600 + m * 60 + sec;
}

static void rfc3339_text(int64_t t, char out[32])
{
    int64_t day = oc_day_floor(t);
    int sec = (int)(t - day * 86400);
    oc_date d = oc_date_from_day(day);

    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year % 10000, d.month, d.day, sec / 3600,
             sec % 3600 / 60, sec % 60);
}

static void entries_free(oc_atom *log)
{
    for (size_t i = 0; i < log->count; i++) {
        for (size_t k = 0; k < log->entries[i].nlines; k++) {
            free(log->entries[i].lines[k]);
        }
        free(log->entries[i].lines);
        free(log->entries[i].title);
    }
    free(log->entries);
    log->entries = NULL;
    log->count = 0;
}

/* The <li> of an entry's content, in document order. */
static void collect_lines(const xmlNode *n, oc_atom_entry *e)
{
    for (const xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (xmlStrEqual(c->name, BAD_CAST "li")) {
            e->lines = oc_xrealloc(e->lines, (e->nlines + 1) * sizeof(*e->lines));
            e->lines[e->nlines++] = text_of(c);
        } else {
            collect_lines(c, e);
        }
    }
}

/* The page's view of the document's entries. */
static void scan(oc_atom *log)
{
    xmlNode *root = log->doc != NULL ? xmlDocGetRootElement(log->doc) : NULL;

    entries_free(log);
    for (xmlNode *c = root != NULL ? root->children : NULL; c != NULL; c = c->next) {
        oc_atom_entry *e;
        char *updated;

        if (!is_atom(c, "entry")) {
            continue;
        }
        log->entries = oc_xrealloc(log->entries, (log->count + 1) * sizeof(*log->entries));
        e = &log->entries[log->count++];
        memset(e, 0, sizeof(*e));
        e->title = text_of(child(c, "title"));
        updated = text_of(child(c, "updated"));
        e->updated = rfc3339(updated);
        free(updated);
        collect_lines(child(c, "content"), e);
    }
}

oc_atom *oc_atom_load(const char *path, oc_error *err)
{
    oc_atom *log = oc_xcalloc(1, sizeof(*log));
    oc_buf text = {0};
    int r;

    if (access(path, F_OK) != 0 && errno == ENOENT) {
        return log; /* none yet */
    }
    r = oc_file_read(path, ATOM_MAX, &text, err);
    if (r < 0) {
        oc_buf_free(&text);
        free(log);
        return NULL;
    }
    if (r == 0 && text.len > 0) {
        /* Blanks are formatting: the writer indents again the same way. */
        log->doc = xmlReadMemory(text.data, (int)text.len, OC_ATOM_NAME, "UTF-8",
                                 XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                     XML_PARSE_NOWARNING);
        if (log->doc != NULL && !is_atom(xmlDocGetRootElement(log->doc), "feed")) {
            xmlFreeDoc(log->doc);
            log->doc = NULL; /* not a log of ours: it starts again */
        }
    }
    oc_buf_free(&text);
    scan(log);
    return log;
}

void oc_atom_free(oc_atom *log)
{
    if (log == NULL) {
        return;
    }
    entries_free(log);
    xmlFreeDoc(log->doc);
    free(log);
}

const oc_atom_entry *oc_atom_entries(const oc_atom *log, size_t *count)
{
    *count = log != NULL ? log->count : 0;
    return log != NULL ? log->entries : NULL;
}

/* ---- the changes in pharmacists' words ---------------------------------- */

/* Days or a time in the words of 't'. */
static int when_words(const oc_tmpl *t, const oc_when *w, oc_buf *out, oc_error *err)
{
    if (w->form == OC_WHEN_TIME) {
        return oc_tmpl_datetime(t, w->first, (int)((w->local - w->first * 86400) / 60), out, err);
    }
    if (w->form == OC_WHEN_DAYS) {
        return oc_tmpl_span(t, w->first, w->last, out, err);
    }
    return 0;
}

/* The change of each event once: from a feed in 'language' when one has it. */
static size_t pick(const oc_changes *c, const char *language, const oc_change **out)
{
    size_t n = 0;

    for (size_t i = 0; i < c->count; i++) {
        const oc_change *x = &c->items[i];
        size_t k;

        for (k = 0; k < n && strcmp(out[k]->uid, x->uid) != 0; k++) {
        }
        if (k == n) {
            out[n++] = x;
        } else if (strcmp(out[k]->language, language) != 0 && strcmp(x->language, language) == 0) {
            out[k] = x;
        }
    }
    return n;
}

/* A slot closed (its events cancelled because it is) or reopened (one of
 * them restored): one line for the slot, said once. */
static int slot_state(const oc_change *const *c, size_t n, const oc_change *x)
{
    for (size_t i = 0; x->has_slot && i < n; i++) {
        if (c[i]->has_slot && c[i]->first == x->first &&
            (c[i]->type == OC_CHANGE_CANCELLED || c[i]->type == OC_CHANGE_RESTORED)) {
            return c[i]->type == OC_CHANGE_CANCELLED ? 1 : 2;
        }
    }
    return 0;
}

static const char *const change_keys[] = {"change.added",    "change.moved",    "change.text",
                                          "change.restored", "change.migrated", "change.cancelled",
                                          "change.dropped"};

static int one_line(const oc_tmpl *t, const oc_change *x, oc_buf *lines, oc_error *err)
{
    oc_buf before = {0}, after = {0}, session = {0};
    int rc = -1;

    if (when_words(t, &x->before, &before, err) == 0 &&
        when_words(t, &x->after, &after, err) == 0 &&
        (!x->has_slot || oc_tmpl_span_short(t, x->first, x->last, &session, err) == 0)) {
        oc_var v[] = {{"summary", x->summary},
                      {"before", before.data},
                      {"after", after.data},
                      {"session_short", session.data}};

        rc = oc_tmpl_expand(t, change_keys[x->type], v, 4, lines, err);
        oc_buf_putc(lines, '\n');
    }
    oc_buf_free(&before);
    oc_buf_free(&after);
    oc_buf_free(&session);
    return rc;
}

int oc_atom_words(const oc_tmpl *t, const char *language, const oc_changes *changes, oc_buf *lines,
                  oc_error *err)
{
    const oc_change **c = oc_xcalloc(changes->count + 1, sizeof(*c));
    size_t n = pick(changes, language, c);
    oc_day *said = oc_xcalloc(n + 1, sizeof(*said));
    size_t nsaid = 0;
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        const oc_change *x = c[i];
        int state = slot_state(c, n, x);
        size_t k;

        for (k = 0; state != 0 && k < nsaid && said[k] != x->first; k++) {
        }
        if (state != 0 && k == nsaid) {
            oc_buf session = {0};

            said[nsaid++] = x->first;
            rc = oc_tmpl_span_short(t, x->first, x->last, &session, err);
            if (rc == 0) {
                oc_var v[] = {{"session_short", session.data}};

                rc = oc_tmpl_expand(t, state == 1 ? "change.closed" : "change.reopened", v, 1,
                                    lines, err);
                oc_buf_putc(lines, '\n');
            }
            oc_buf_free(&session);
        }
        /* The slot's own event only changed with its state: said above. */
        if (rc != 0 || (state != 0 && x->type == OC_CHANGE_TEXT && x->kind >= 0 &&
                        strcmp(oc_kind_uid_name((oc_kind)x->kind), "session") == 0)) {
            continue;
        }
        rc = one_line(t, x, lines, err);
    }
    free(said);
    free(c);
    return rc;
}

/* ---- the document --------------------------------------------------------- */

static xmlNode *new_root(oc_atom *log)
{
    xmlNode *root;

    log->doc = xmlNewDoc(BAD_CAST "1.0");
    root = xmlNewDocNode(log->doc, NULL, BAD_CAST "feed", NULL);
    xmlSetNs(root, xmlNewNs(root, BAD_CAST ATOM_NS, NULL));
    xmlDocSetRootElement(log->doc, root);
    return root;
}

static xmlNode *root_of(oc_atom *log)
{
    xmlNode *root = log->doc != NULL ? xmlDocGetRootElement(log->doc) : NULL;

    return root != NULL ? root : new_root(log);
}

/* "urn:uuid:" and the name-based UUID of "<calendar>/<name>/<day>". */
static void urn(const oc_atom_meta *meta, const char *name, int64_t t, char out[46])
{
    char uid[37];

    oc_event_uid(meta->calendar_id, name, oc_day_floor(t), uid);
    snprintf(out, 46, "urn:uuid:%s", uid);
}

void oc_atom_add(oc_atom *log, const oc_atom_meta *meta, int64_t now, const char *title,
                 const oc_buf *lines, int keep)
{
    xmlNode *root = root_of(log), *first = child(root, "entry"), *e, *content, *div, *ul;
    xmlNs *ns = root->ns, *xhtml;
    char stamp[32], id[46], name[80];
    int kept = 1;

    rfc3339_text(now, stamp);
    snprintf(name, sizeof(name), "changes/%s/%016llx", stamp,
             (unsigned long long)oc_prev_digest(lines->data, lines->len));
    urn(meta, name, now, id);
    e = xmlNewDocNode(log->doc, ns, BAD_CAST "entry", NULL);
    xmlNewTextChild(e, ns, BAD_CAST "id", BAD_CAST id);
    xmlNewTextChild(e, ns, BAD_CAST "title", BAD_CAST title);
    xmlNewTextChild(e, ns, BAD_CAST "updated", BAD_CAST stamp);
    content = xmlNewChild(e, ns, BAD_CAST "content", NULL);
    xmlNewProp(content, BAD_CAST "type", BAD_CAST "xhtml");
    div = xmlNewChild(content, NULL, BAD_CAST "div", NULL);
    xhtml = xmlNewNs(div, BAD_CAST XHTML_NS, NULL);
    xmlSetNs(div, xhtml);
    ul = xmlNewChild(div, xhtml, BAD_CAST "ul", NULL);
    for (const char *p = lines->data; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, "\n");
        char *line = oc_xstrndup(p, n);

        xmlNewTextChild(ul, xhtml, BAD_CAST "li", BAD_CAST line);
        free(line);
        p += n + (p[n] == '\n');
    }
    if (first != NULL) {
        xmlAddPrevSibling(first, e);
    } else {
        xmlAddChild(root, e);
    }
    /* The most recent 'keep' stay. */
    for (xmlNode *c = e->next, *next; c != NULL; c = next) {
        next = c->next;
        if (is_atom(c, "entry") && ++kept > keep) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    scan(log);
}

static void link_to(xmlNode *root, const char *rel, const char *type, const char *href)
{
    xmlNode *l = xmlNewChild(root, root->ns, BAD_CAST "link", NULL);

    xmlNewProp(l, BAD_CAST "rel", BAD_CAST rel);
    xmlNewProp(l, BAD_CAST "type", BAD_CAST type);
    xmlNewProp(l, BAD_CAST "href", BAD_CAST href);
}

/* The feed's own elements, made again before its entries. */
static void header(xmlNode *root, const oc_atom_meta *meta, int64_t updated)
{
    xmlNode *first = child(root, "entry"), *author;
    xmlNode *h = xmlNewDocNode(root->doc, NULL, BAD_CAST "h", NULL);
    char stamp[32], id[46];
    oc_buf href = {0};

    for (xmlNode *c = root->children, *next; c != NULL; c = next) {
        next = c->next;
        if (!is_atom(c, "entry")) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    xmlNodeSetLang(root, BAD_CAST meta->language);
    urn(meta, "changes", 0, id);
    rfc3339_text(updated, stamp);
    xmlNewTextChild(h, root->ns, BAD_CAST "id", BAD_CAST id);
    xmlNewTextChild(h, root->ns, BAD_CAST "title", BAD_CAST meta->title);
    xmlNewTextChild(h, root->ns, BAD_CAST "updated", BAD_CAST stamp);
    author = xmlNewChild(h, root->ns, BAD_CAST "author", NULL);
    xmlNewTextChild(author, root->ns, BAD_CAST "name", BAD_CAST meta->author);
    if (meta->base_url != NULL) {
        oc_buf_printf(&href, "%s%s", meta->base_url, OC_ATOM_NAME);
        link_to(h, "self", "application/atom+xml", href.data);
        link_to(h, "alternate", "text/html", meta->base_url);
    }
    while (h->children != NULL) {
        xmlNode *c = h->children;

        xmlUnlinkNode(c);
        if (first != NULL) {
            xmlAddPrevSibling(first, c);
        } else {
            xmlAddChild(root, c);
        }
    }
    xmlFreeNode(h);
    oc_buf_free(&href);
}

int oc_atom_render(oc_atom *log, const oc_atom_meta *meta, oc_buf *out, oc_error *err)
{
    xmlNode *root = root_of(log);
    xmlChar *mem = NULL;
    int size = 0;

    header(root, meta, log->count > 0 ? log->entries[0].updated : meta->updated);
    xmlDocDumpFormatMemoryEnc(log->doc, &mem, &size, "UTF-8", 1);
    if (mem == NULL) {
        oc_error_set(err, OC_E_INTERNAL, NULL, (oc_pos){0, 0}, "libxml2 cannot write %s",
                     OC_ATOM_NAME);
        return -1;
    }
    oc_buf_add(out, mem, (size_t)size);
    xmlFree(mem);
    return 0;
}
