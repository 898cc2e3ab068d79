/* expect.c -- see expect.h. points.csv is read with libcsv. */
#include "expect.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "out.h"
#include "runner.h"
#include "scen.h"
#include "units.h"

static const char *const op_text[] = {"<", "<=", ">", ">=", "=="};

int expect_parse(const char *text, struct expect *e, struct mx_err *err)
{
    char buf[300], metric[200];
    memset(e, 0, sizeof *e);
    snprintf(e->text, sizeof e->text, "%s", text);
    snprintf(buf, sizeof buf, "%s", text);
    char *p = buf + strspn(buf, " \t");
    size_t m = strcspn(p, " \t<>=");
    if (m == 0 || m >= sizeof metric)
        return mx_fail(err, MX_EINPUT, "expected METRIC OP VALUE [ci], such as delay_p99 <= 10m, "
                                       "got \"%s\"", text);
    memcpy(metric, p, m);
    metric[m] = '\0';
    p += m;
    p += strspn(p, " \t");
    if (strncmp(p, "<=", 2) == 0) /* two-character operators first */
        e->op = OP_LE, p += 2;
    else if (strncmp(p, ">=", 2) == 0)
        e->op = OP_GE, p += 2;
    else if (strncmp(p, "==", 2) == 0)
        e->op = OP_EQ, p += 2;
    else if (*p == '<')
        e->op = OP_LT, p++;
    else if (*p == '>')
        e->op = OP_GT, p++;
    else
        return mx_fail(err, MX_EINPUT, "expected an operator <, <=, >, >= or == after %s, got "
                                       "\"%s\"", metric, text);
    p += strspn(p, " \t");
    char *value = p, *rest = p + strcspn(p, " \t");
    if (*rest) {
        *rest++ = '\0';
        rest += strspn(rest, " \t");
        if (strcmp(rest, "ci") != 0)
            return mx_fail(err, MX_EINPUT, "expected nothing or ci after the value, got \"%s\"",
                           rest);
        e->ci = true;
    }
    /* p99(delay) is delay_p99, mean(attempts) attempts_mean: rewritten to the column */
    static const char *const stat_fn[] = {"mean", "p50", "p90", "p99", "max"};
    for (size_t k = 0; k < MX_ARRAY_LEN(stat_fn); k++) {
        size_t fl = strlen(stat_fn[k]);
        if (m > fl + 2 && strncmp(metric, stat_fn[k], fl) == 0 && metric[fl] == '(' &&
            metric[m - 1] == ')') {
            char base[200];
            snprintf(base, sizeof base, "%.*s_%s", (int)(m - fl - 2), metric + fl + 1,
                     stat_fn[k]);
            snprintf(metric, sizeof metric, "%s", base);
            m = strlen(metric);
            break;
        }
    }
    /* a server's metric: share(relay1), utilization(relay1), refused(relay1), ... */
    const char *open = strchr(metric, '(');
    size_t fn = open ? (size_t)(open - metric) : 0;
    bool per_server = false;
    for (size_t i = 0; open && metric[m - 1] == ')' && i < runner_n_server_metrics(); i++)
        per_server |= strlen(runner_server_metric_name(i)) == fn &&
                      strncmp(metric, runner_server_metric_name(i), fn) == 0;
    if (per_server) {
        snprintf(e->column, sizeof e->column, "%.*s_%.*s_mean", (int)fn, metric,
                 (int)(m - fn - 2), open + 1);
        snprintf(e->ci_column, sizeof e->ci_column, "%.*s_%.*s_ci95", (int)fn, metric,
                 (int)(m - fn - 2), open + 1);
    } else {
        snprintf(e->column, sizeof e->column, "%s_mean", metric);
        snprintf(e->ci_column, sizeof e->ci_column, "%s_ci95", metric);
    }
    struct mx_err ignore = {0};
    mx_time t;
    if (units_parse_number(value, &e->bound, &ignore) == MX_OK)
        return MX_OK;
    if (strncmp(metric, "delay", 5) == 0 || strncmp(metric, "hop_delay", 9) == 0) {
        if (units_parse_duration(value, &t, err) != MX_OK)
            return MX_EINPUT;
        e->bound = mx_time_to_s(t);
        return MX_OK;
    }
    return mx_fail(err, MX_EINPUT, "expected a number after %s %s, got \"%s\"", metric,
                   op_text[e->op], value);
}

/* points.csv: a header row and one row per point; kept as columns of strings. */
struct table {
    char **cell;
    size_t n, cap, row, col, cols;
};

static void on_field(void *data, size_t len, void *ctx)
{
    struct table *t = ctx;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        char **nc = realloc(t->cell, ncap * sizeof *nc);
        if (!nc)
            return;
        t->cell = nc;
        t->cap = ncap;
    }
    char *s = malloc(len + 1);
    if (!s)
        return;
    memcpy(s, data ? data : "", len);
    s[len] = '\0';
    t->cell[t->n++] = s;
    t->col++;
}

static void on_row(int c, void *ctx)
{
    struct table *t = ctx;
    (void)c;
    if (t->row == 0)
        t->cols = t->col;
    t->row++;
    t->col = 0;
}

static const char *lookup(const struct table *t, const char *column, size_t row)
{
    for (size_t i = 0; i < t->cols; i++)
        if (strcmp(t->cell[i], column) == 0 && row * t->cols + i < t->n)
            return t->cell[row * t->cols + i];
    return NULL;
}

/* "point 3 (relays=2, limit=50)": the point's number and swept values, which sit
 * between the point and replications columns of points.csv. */
static void point_label(const struct table *t, size_t pt, char *buf, size_t len)
{
    const char *num = lookup(t, "point", pt + 1);
    size_t n = (size_t)snprintf(buf, len, "point %s", num ? num : "?");
    for (size_t c = 1; c < t->cols && n < len; c++) {
        if (strcmp(t->cell[c], "replications") == 0)
            break;
        const char *v = (pt + 1) * t->cols + c < t->n ? t->cell[(pt + 1) * t->cols + c] : "";
        n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", c == 1 ? " (" : ", ", t->cell[c], v);
        if (n < len && (c + 1 == t->cols || strcmp(t->cell[c + 1], "replications") == 0))
            n += (size_t)snprintf(buf + n, len - n, ")");
    }
}

static int read_points(const char *dir, struct table *t, struct mx_err *err)
{
    char path[4200], buf[65536];
    struct csv_parser p;
    snprintf(path, sizeof path, "%s/points.csv", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        mx_err_file(err, path);
        return mx_fail(err, MX_EINPUT, "cannot open: %s (run the scenario first)", strerror(errno));
    }
    csv_init(&p, CSV_APPEND_NULL);
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, fp)) > 0)
        csv_parse(&p, buf, k, on_field, on_row, t);
    csv_fini(&p, on_field, on_row, t);
    csv_free(&p);
    fclose(fp);
    return MX_OK;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
}

int expect_check(const struct scenario *s, const char *dir, FILE *out, const char *junit,
                 int *failed, struct mx_err *err)
{
    struct table t = {0};
    struct expect *ex = calloc(s->n_expects + 1, sizeof *ex);
    int rc = ex ? read_points(dir, &t, err) : mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MX_OK && i < s->n_expects; i++) {
        if (expect_parse(s->expects[i].text, &ex[i], err) != MX_OK) {
            mx_err_file(err, s->path); /* the scenario is freed before this is printed */
            err->line = s->expects[i].line;
            snprintf(err->where, sizeof err->where, "[expect]");
            rc = MX_EINPUT;
        } else if (!lookup(&t, ex[i].column, 0)) {
            mx_err_file(err, s->path);
            err->line = s->expects[i].line;
            snprintf(err->where, sizeof err->where, "[expect]");
            rc = mx_fail(err, MX_EINPUT, "no metric %.*s in points.csv", (int)(strlen(ex[i].column) - 5),
                         ex[i].column);
        }
        ex[i].line = s->expects[i].line;
    }
    size_t points = t.cols ? t.n / t.cols - 1 : 0, n = s->n_expects * points;
    double *val = calloc(n + 1, sizeof *val);
    bool *ok = calloc(n + 1, sizeof *ok);
    *failed = 0;
    if (rc == MX_OK && (!val || !ok))
        rc = mx_fail(err, MX_ENOMEM, "out of memory");
    for (size_t pt = 0; rc == MX_OK && pt < points; pt++)
        for (size_t i = 0; i < s->n_expects; i++) {
            size_t j = pt * s->n_expects + i;
            double mean = strtod(lookup(&t, ex[i].column, pt + 1), NULL);
            const char *h = lookup(&t, ex[i].ci_column, pt + 1);
            double half = h ? strtod(h, NULL) : NAN;
            double v = mean; /* with ci: the end of the interval that makes it hardest */
            if (ex[i].ci)
                v = ex[i].op == OP_LT || ex[i].op == OP_LE ? mean + half : mean - half;
            ok[j] = ex[i].op == OP_LT   ? v < ex[i].bound
                    : ex[i].op == OP_LE ? v <= ex[i].bound
                    : ex[i].op == OP_GT ? v > ex[i].bound
                    : ex[i].op == OP_GE ? v >= ex[i].bound
                                        : v == ex[i].bound;
            if (ex[i].ci && isnan(half))
                ok[j] = false; /* one replication: no interval to vouch for */
            val[j] = v;
            *failed += !ok[j];
            char label[400];
            point_label(&t, pt, label, sizeof label);
            fprintf(out, "%s  %s  %s: %.6g%s %s %.6g\n", ok[j] ? "PASS" : "FAIL", label,
                    ex[i].text, v, ex[i].ci ? " (CI end)" : "", op_text[ex[i].op], ex[i].bound);
        }
    if (rc == MX_OK && junit) {
        struct out jo;
        const char *slash = strrchr(junit, '/');
        char jdir[4096];
        snprintf(jdir, sizeof jdir, "%.*s", slash ? (int)(slash - junit) : 1, slash ? junit : ".");
        if (slash == junit)
            snprintf(jdir, sizeof jdir, "/");
        rc = out_open(&jo, jdir, slash ? slash + 1 : junit, err);
        if (rc == MX_OK) {
            fprintf(jo.fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
                           "<testsuite name=\"mxsim expect\" tests=\"%zu\" failures=\"%d\" "
                           "errors=\"0\" skipped=\"0\" time=\"0\">\n",
                    n, *failed);
            for (size_t j = 0; j < n; j++) {
                const struct expect *e = &ex[j % s->n_expects];
                char label[400];
                point_label(&t, j / s->n_expects, label, sizeof label);
                fprintf(jo.fp, "<testcase classname=\"");
                xml_text(jo.fp, label);
                fprintf(jo.fp, "\" name=\"");
                xml_text(jo.fp, e->text);
                fprintf(jo.fp, "\" time=\"0\">");
                if (!ok[j]) {
                    char msg[400];
                    snprintf(msg, sizeof msg, "value %.6g, bound %s %.6g", val[j], op_text[e->op],
                             e->bound);
                    fprintf(jo.fp, "<failure message=\"");
                    xml_text(jo.fp, msg);
                    fprintf(jo.fp, "\" type=\"expectation\"/>");
                }
                fprintf(jo.fp, "</testcase>\n");
            }
            fprintf(jo.fp, "</testsuite>\n</testsuites>\n");
            rc = out_close(&jo, err);
        }
    }
    free(val), free(ok);
    for (size_t i = 0; i < t.n; i++)
        free(t.cell[i]);
    free(t.cell);
    free(ex);
    return rc;
}
