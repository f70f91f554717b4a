/* html: renders templates/index.html, the page that publishes the feeds'
 * subscription links (DESIGN §5: https:// and webcal:// links built from
 * --base-url). Every value from the definition is escaped (HTML5 §13.1). */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void oc_html_escape(oc_buf *out, const char *text)
{
    for (const char *p = text; p != NULL && *p != '\0'; p++) {
        switch (*p) {
        case '&':
            oc_buf_puts(out, "&amp;");
            break;
        case '<':
            oc_buf_puts(out, "&lt;");
            break;
        case '>':
            oc_buf_puts(out, "&gt;");
            break;
        case '"':
            oc_buf_puts(out, "&quot;");
            break;
        case '\'':
            oc_buf_puts(out, "&#39;");
            break;
        default:
            oc_buf_putc(out, *p);
        }
    }
}

/* Values are escaped by the caller; the page template is ours to trust. */
static int substitute(const char *text, size_t len, const oc_var *vars, size_t nvars,
                      oc_buf *out, const char *file, oc_error *err)
{
    const char *bad = NULL;

    if (oc_tmpl_substitute(text, len, vars, nvars, out, &bad) != 0) {
        oc_error_set(err, OC_E_VALUE, file, (oc_pos){0, 0},
                     "the page template has an unclosed '{' or an unknown variable near '%.20s'",
                     bad);
        return -1;
    }
    return 0;
}

static char *escaped(const char *text)
{
    oc_buf b = {0};

    oc_html_escape(&b, text != NULL ? text : "");
    return oc_buf_detach(&b);
}

static char *read_all(const char *path, oc_error *err)
{
    FILE *fp = fopen(path, "rb");
    oc_buf b = {0};
    char chunk[8192];
    size_t n;

    if (fp == NULL) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        oc_buf_add(&b, chunk, n);
    }
    if (ferror(fp)) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        fclose(fp);
        oc_buf_free(&b);
        return NULL;
    }
    fclose(fp);
    return oc_buf_detach(&b);
}

int oc_html_render(const oc_def *def, const oc_tmpl *tmpl, const char *templates_dir,
                   const char *base_url, oc_buf *out, oc_error *err)
{
    static const char *const open_mark = "<!-- feed -->\n", *const close_mark = "<!-- /feed -->\n";
    oc_buf path = {0}, items = {0};
    char *page = NULL, *title = NULL, *desc = NULL, *ref = NULL, *heading = NULL, *download = NULL;
    const char *begin, *finish;
    int rc = -1;

    oc_buf_printf(&path, "%s/index.html", templates_dir);
    page = read_all(path.data, err);
    if (page == NULL) {
        goto done;
    }
    begin = strstr(page, open_mark);
    finish = begin != NULL ? strstr(begin, close_mark) : NULL;
    if (finish == NULL) {
        oc_error_set(err, OC_E_VALUE, path.data, (oc_pos){0, 0},
                     "the page template lacks a '<!-- feed -->' ... '<!-- /feed -->' block");
        goto done;
    }
    title = escaped(def->name.value);
    desc = escaped(def->description.value);
    ref = escaped(def->reference.value);
    heading = escaped(oc_tmpl_get(tmpl, "page.feeds"));
    download = escaped(oc_tmpl_get(tmpl, "page.download"));
    for (size_t i = 0; i < def->feed_count; i++) {
        const oc_def_feed *f = &def->feeds[i];
        oc_buf kinds = {0}, https = {0}, webcal = {0}, raw = {0};
        char *name = escaped(f->name.value != NULL ? f->name.value : def->name.value);
        bool first = true;
        int r;

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            char key[32];

            if (!(f->kinds & (1u << k))) {
                continue;
            }
            snprintf(key, sizeof(key), "kind.%s", oc_kind_name((oc_kind)k));
            if (!first) {
                oc_buf_puts(&kinds, ", ");
            }
            oc_html_escape(&kinds, oc_tmpl_get(tmpl, key) != NULL ? oc_tmpl_get(tmpl, key)
                                                                  : oc_kind_name((oc_kind)k));
            first = false;
        }
        oc_buf_printf(&raw, "%s%s.ics", base_url != NULL ? base_url : "", f->id.value);
        oc_html_escape(&https, raw.data);
        if (base_url != NULL) {
            const char *rest = strstr(raw.data, "://");
            oc_buf url = {0};

            oc_buf_printf(&url, "webcal://%s", rest + 3);
            oc_buf_puts(&webcal, " · <a href=\"");
            oc_html_escape(&webcal, url.data);
            oc_buf_puts(&webcal, "\">webcal</a>");
            oc_buf_free(&url);
        }
        oc_var vars[] = {{"feed_name", name},
                      {"feed_kinds", kinds.data},
                      {"feed_https", https.data},
                      {"feed_webcal_link", webcal.data},
                      {"download", download}};
        r = substitute(begin + strlen(open_mark),
                       (size_t)(finish - begin - (ptrdiff_t)strlen(open_mark)), vars,
                       sizeof(vars) / sizeof(vars[0]), &items, path.data, err);
        free(name);
        oc_buf_free(&kinds);
        oc_buf_free(&https);
        oc_buf_free(&webcal);
        oc_buf_free(&raw);
        if (r != 0) {
            goto done;
        }
    }
    {
        oc_var vars[] = {{"lang", def->language.value}, {"title", title},
                      {"description", desc},         {"reference", ref},
                      {"feeds_heading", heading},    {"download", download}};
        size_t nv = sizeof(vars) / sizeof(vars[0]);

        if (substitute(page, (size_t)(begin - page), vars, nv, out, path.data, err) != 0) {
            goto done;
        }
        oc_buf_add(out, items.data, items.len);
        finish += strlen(close_mark);
        if (substitute(finish, strlen(finish), vars, nv, out, path.data, err) != 0) {
            goto done;
        }
    }
    rc = 0;
done:
    free(page);
    free(title);
    free(desc);
    free(ref);
    free(heading);
    free(download);
    oc_buf_free(&path);
    oc_buf_free(&items);
    return rc;
}
