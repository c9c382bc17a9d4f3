/* html.c - the report as one HTML page: inline CSS, charts as inline SVG,
 * no script, font, image or link to anything outside, so it can be mailed.
 *
 *   header, totals, what changed (history)
 *   closes per hour by close code / by cause      stacked bars
 *   servers / Hosts / paths by abnormal closes    horizontal bars
 *   idle time before 1006, handshake failures     bars
 *   connections that matter most                  cards: evidence and fix
 *
 * Everything that is text in the page, from the wire or not, goes through
 * ws_html_escape.  @media print gives a plain, page-broken version.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "closecodes.h"
#include "html.h"

void
ws_html_escape (GString *out, const char *s)
{
  if (!s)
    return;
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        default:
          if (*p < 0x20 || *p == 0x7F)
            g_string_append_printf (out, "\\x%02x", *p);
          else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            {
              /* C1 controls */
              g_string_append_printf (out, "\\u%04x", p[1]);
              p++;
            }
          else
            g_string_append_c (out, (char) *p);
        }
    }
}

static void
esc (GString *o, const char *s)
{
  ws_html_escape (o, s);
}

/* At most max characters of s, with an ellipsis when cut (s is UTF-8). */
static void
esc_cut (GString *o, const char *s, glong max)
{
  if (!s)
    return;
  if (!g_utf8_validate (s, -1, NULL) || g_utf8_strlen (s, -1) <= max)
    {
      esc (o, s);
      return;
    }
  g_autofree char *cut = g_utf8_substring (s, 0, max - 1);
  esc (o, cut);
  g_string_append (o, "\xE2\x80\xA6");
}

static void
local_time (GString *o, int64_t ts_us, const char *fmt)
{
  int64_t sec = ts_us / G_USEC_PER_SEC - (ts_us % G_USEC_PER_SEC < 0);
  GDateTime *dt = g_date_time_new_from_unix_local (sec);
  if (!dt)
    return;
  g_autofree char *s = g_date_time_format (dt, fmt);
  g_date_time_unref (dt);
  esc (o, s);
}

/* A local hour bucket as "HH:00" (buckets already include the offset). */
static void
hour_label (GString *o, int64_t hour, const char *fmt)
{
  GDateTime *dt = g_date_time_new_from_unix_utc (hour * 3600);
  if (!dt)
    return;
  g_autofree char *s = g_date_time_format (dt, fmt);
  g_date_time_unref (dt);
  esc (o, s);
}

/* ---- colours ------------------------------------------------------------------ */

static const char *const palette[] = {
  "#d32f2f", "#f57c00", "#7b1fa2", "#1976d2", "#c2185b", "#0097a7", "#5d4037",
  "#afb42b", "#455a64", "#e64a19",
};
#define OTHER_COLOUR "#9e9e9e"

static const char *
series_colour (const char *key, guint i)
{
  if (!strcmp (key, "1000") || !strcmp (key, "normal_closure"))
    return "#2e7d32";
  if (!strcmp (key, "1001") || !strcmp (key, "endpoint_going_away"))
    return "#81c784";
  return palette[i % G_N_ELEMENTS (palette)];
}

/* ---- charts ---------------------------------------------------------------------- */

static uint64_t
nice_max (uint64_t v)
{
  if (v <= 4)
    return 4;
  uint64_t p = 1;
  while (p * 10 <= v)
    p *= 10;
  for (uint64_t m = 1; ; m++)
    if (m * p >= v && (m * p) % 4 == 0)
      return m * p;
}

static uint64_t
hcount (GHashTable *h, const char *k)
{
  const uint64_t *n = g_hash_table_lookup (h, k);
  return n ? *n : 0;
}

static gint
int64_cmp (gconstpointer a, gconstpointer b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return x < y ? -1 : x > y;
}

/* The hours of a closes-per-hour chart and how its bars are stacked. */
typedef struct {
  const ws_report *rp;
  bool by_cause;
  GArray *hours;              /* int64 hours with closes, sorted */
  GPtrArray *keys;            /* series, largest first (borrowed keys) */
  guint nseries;              /* the 8 largest are drawn; the rest is "other" */
  bool other;
  bool dense;                 /* every hour from first to last, not only those with closes */
  guint nbars;
  uint64_t top;               /* the y axis' maximum */
} hours_chart;

static GHashTable *
hour_table (const hours_chart *hc, const ws_report_hour *h)
{
  return hc->by_cause ? h->causes : h->codes;
}

static int64_t
bar_hour (const hours_chart *hc, guint b)
{
  int64_t h0 = g_array_index (hc->hours, int64_t, 0);
  return hc->dense ? h0 + b : g_array_index (hc->hours, int64_t, b);
}

static uint64_t
hour_sum (GHashTable *tab)
{
  GHashTableIter it;
  gpointer k, v;
  uint64_t sum = 0;
  g_hash_table_iter_init (&it, tab);
  while (g_hash_table_iter_next (&it, &k, &v))
    sum += *(uint64_t *) v;
  return sum;
}

/* Collect the hours and each series' total over them (into totals, whose
 * keys are borrowed from the report). */
static void
hours_collect (hours_chart *hc, GHashTable *totals)
{
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, hc->rp->hours);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const ws_report_hour *h = v;
      g_array_append_val (hc->hours, h->hour);
      GHashTableIter j;
      gpointer sk, sv;
      g_hash_table_iter_init (&j, hour_table (hc, h));
      while (g_hash_table_iter_next (&j, &sk, &sv))
        {
          ws_report_count *c = g_hash_table_lookup (totals, sk);
          if (!c)
            {
              c = g_new0 (ws_report_count, 1);
              g_hash_table_insert (totals, sk, c);
            }
          c->count += *(uint64_t *) sv;
        }
    }
}

/* Lay out the bars: which hours, which series, the axis' maximum. */
static void
hours_layout (hours_chart *hc, GHashTable *totals)
{
  g_array_sort (hc->hours, int64_cmp);
  int64_t h0 = g_array_index (hc->hours, int64_t, 0);
  int64_t h1 = g_array_index (hc->hours, int64_t, hc->hours->len - 1);
  /* every hour from first to last when that is at most two weeks, else
   * only the hours that had closes */
  hc->dense = h1 - h0 < 24 * 14;
  hc->nbars = hc->dense ? (guint) (h1 - h0 + 1) : hc->hours->len;
  hc->keys = ws_report_sorted_keys (totals, false);
  hc->nseries = MIN (hc->keys->len, 8u);
  hc->other = hc->keys->len > hc->nseries;
  uint64_t maxv = 0;
  for (guint b = 0; b < hc->nbars; b++)
    {
      int64_t hr = bar_hour (hc, b);
      ws_report_hour *h = g_hash_table_lookup (hc->rp->hours, &hr);
      if (h)
        maxv = MAX (maxv, hour_sum (hour_table (hc, h)));
    }
  hc->top = nice_max (maxv);
}

#define HC_W 960.0
#define HC_H 260.0
#define HC_L 48.0
#define HC_R 12.0
#define HC_T 12.0
#define HC_B 36.0

/* One hour's stacked bar, x its left edge, bw its slot's width. */
static void
hours_bar (GString *o, const hours_chart *hc, const ws_report_hour *h, int64_t hr, double x,
           double bw)
{
  double ph = HC_H - HC_T - HC_B;
  double y = HC_T + ph;
  GHashTable *tab = hour_table (hc, h);
  uint64_t rest = hour_sum (tab);
  for (guint s = 0; s <= hc->nseries; s++)
    {
      bool is_other = s == hc->nseries;
      if (is_other && !hc->other)
        break;
      const char *key = is_other ? NULL : g_ptr_array_index (hc->keys, s);
      uint64_t n = is_other ? rest : hcount (tab, key);
      if (!is_other)
        rest -= n;
      if (n == 0)
        continue;
      double hh = ph * (double) n / (double) hc->top;
      y -= hh;
      double rw = MIN (bw * 0.8, 48.0);
      g_string_append_printf (o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">"
                              "<title>", x + (bw - rw) / 2, y, rw, hh,
                              is_other ? OTHER_COLOUR : series_colour (key, s));
      hour_label (o, hr, "%Y-%m-%d %H:00");
      g_string_append (o, " ");
      esc (o, is_other ? "other" : key);
      g_string_append_printf (o, ": %" PRIu64 "</title></rect>\n", n);
    }
}

static void
hours_svg (GString *o, const hours_chart *hc, const char *id, const char *title)
{
  double pw = HC_W - HC_L - HC_R, ph = HC_H - HC_T - HC_B;
  double bw = pw / hc->nbars;
  g_string_append_printf (o,
    "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
    "xmlns=\"http://www.w3.org/2000/svg\" preserveAspectRatio=\"xMidYMid meet\">"
    "<title>%s</title>\n", id, HC_W, HC_H, title);
  for (int g = 0; g <= 4; g++)
    {
      double y = HC_T + ph - ph * g / 4.0;
      g_string_append_printf (o,
        "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
        "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%" PRIu64 "</text>\n",
        HC_L, y, HC_W - HC_R, y, HC_L - 6, y + 4, hc->top * (uint64_t) g / 4);
    }
  guint every = (hc->nbars + 11) / 12;
  for (guint b = 0; b < hc->nbars; b++)
    {
      int64_t hr = bar_hour (hc, b);
      ws_report_hour *h = g_hash_table_lookup (hc->rp->hours, &hr);
      double x = HC_L + b * bw;
      if (h)
        hours_bar (o, hc, h, hr, x, bw);
      if (b % every == 0)
        {
          g_string_append_printf (o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                                  x + bw / 2, HC_H - HC_B + 16);
          hour_label (o, hr, "%H:00");
          g_string_append (o, "</text>\n");
        }
    }
  g_string_append (o, "</svg>\n");
}

static void
hours_legend (GString *o, const hours_chart *hc)
{
  g_string_append (o, "<p class=\"legend\">");
  for (guint s = 0; s < hc->nseries; s++)
    {
      const char *key = g_ptr_array_index (hc->keys, s);
      g_string_append_printf (o, "<span><i style=\"background:%s\"></i>", series_colour (key, s));
      esc (o, key);
      if (!hc->by_cause)
        {
          char *end;
          long code = strtol (key, &end, 10);
          if (!*end && end != key)
            {
              g_string_append (o, " ");
              esc (o, ws_code_lookup ((int) code)->name);
            }
        }
      g_string_append (o, "</span> ");
    }
  if (hc->other)
    g_string_append_printf (o, "<span><i style=\"background:%s\"></i>other</span>", OTHER_COLOUR);
  g_string_append (o, "</p>\n<p class=\"note\">Local time");
  g_string_append (o, "; each bar is one hour, by the time the connection closed.</p>");
}

/* Closes per hour, stacked by code or by cause: the 8 largest series, the
 * rest as "other". */
static void
chart_hours (GString *o, const ws_report *rp, bool by_cause, const char *id, const char *title)
{
  g_autoptr (GHashTable) totals = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GArray) hours = g_array_new (FALSE, FALSE, sizeof (int64_t));
  hours_chart hc = { .rp = rp, .by_cause = by_cause, .hours = hours };

  hours_collect (&hc, totals);
  g_string_append_printf (o, "<section class=\"chart-box\"><h2>%s</h2>\n", title);
  if (hours->len == 0)
    {
      g_string_append (o, "<p class=\"empty\">No closes.</p></section>\n");
      return;
    }
  hours_layout (&hc, totals);
  hours_svg (o, &hc, id, title);
  hours_legend (o, &hc);
  g_string_append (o, "</section>\n");
  g_ptr_array_unref (hc.keys);
}

/* Horizontal bars: the 10 largest of a table (abnormal counts). */
static void
chart_hbars (GString *o, GHashTable *h, bool abnormal, const char *id, const char *title,
             const char *empty)
{
  g_autoptr (GPtrArray) keys = ws_report_sorted_keys (h, abnormal);
  g_string_append_printf (o, "<section class=\"chart-box\"><h2>%s</h2>\n", title);
  if (keys->len == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n", empty);
      return;
    }
  guint n = MIN (keys->len, 10u);
  const double W = 320, LW = 136, RW = 44, RH = 22;
  double H = n * RH + 8;
  uint64_t maxv = 0;
  for (guint i = 0; i < n; i++)
    {
      const ws_report_count *c = g_hash_table_lookup (h, g_ptr_array_index (keys, i));
      maxv = MAX (maxv, abnormal ? c->abnormal : c->count);
    }
  g_string_append_printf (o,
    "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
    "xmlns=\"http://www.w3.org/2000/svg\"><title>%s</title>\n", id, W, H, title);
  for (guint i = 0; i < n; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const ws_report_count *c = g_hash_table_lookup (h, key);
      uint64_t val = abnormal ? c->abnormal : c->count;
      double y = 4 + i * RH;
      double bw = maxv ? (W - LW - RW) * (double) val / (double) maxv : 0;
      g_string_append_printf (o, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                              LW - 8, y + RH * 0.65);
      esc_cut (o, key, 20);
      g_string_append (o, "<title>");
      esc (o, key);
      g_string_append (o, "</title></text>");
      g_string_append_printf (o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#d32f2f\">"
                              "<title>", LW, y + 3, MAX (bw, 1.0), RH - 6);
      esc (o, key);
      g_string_append_printf (o, ": %" PRIu64 "</title></rect>", val);
      g_string_append_printf (o, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%" PRIu64,
                              LW + MAX (bw, 1.0) + 6, y + RH * 0.65, val);
      if (abnormal)
        g_string_append_printf (o, " / %" PRIu64, c->count);
      g_string_append (o, "</text>\n");
    }
  g_string_append (o, "</svg>\n");
  if (keys->len > n)
    g_string_append_printf (o, "<p class=\"note\">and %u more</p>", keys->len - n);
  g_string_append (o, "</section>\n");
}

static void
chart_idle (GString *o, const ws_report *rp)
{
  uint64_t total = rp->idle_unknown, maxv = rp->idle_unknown;
  for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
    {
      total += rp->idle_bins[i];
      maxv = MAX (maxv, rp->idle_bins[i]);
    }
  g_string_append (o, "<section class=\"chart-box\"><h2>Idle time before 1006 closes</h2>\n");
  if (total == 0)
    {
      g_string_append (o, "<p class=\"empty\">No 1006 closes.</p></section>\n");
      return;
    }
  uint64_t top = nice_max (maxv);
  int nb = WS_REPORT_IDLE_BINS + 1;
  const double W = 440, H = 220, L = 30, R = 4, T = 10, B = 30;
  double pw = W - L - R, ph = H - T - B, bw = pw / nb;
  g_string_append_printf (o,
    "<svg class=\"chart\" id=\"chart-idle\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
    "xmlns=\"http://www.w3.org/2000/svg\"><title>Idle time before 1006 closes</title>\n", W, H);
  for (int g = 0; g <= 4; g++)
    {
      double y = T + ph - ph * g / 4.0;
      g_string_append_printf (o,
        "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
        "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%" PRIu64 "</text>\n",
        L, y, W - R, y, L - 4, y + 4, top * (uint64_t) g / 4);
    }
  for (int i = 0; i < nb; i++)
    {
      uint64_t n = i < WS_REPORT_IDLE_BINS ? rp->idle_bins[i] : rp->idle_unknown;
      const char *lab = i < WS_REPORT_IDLE_BINS ? ws_report_idle_label (i) : "?";
      double x = L + i * bw, hh = ph * (double) n / (double) top;
      if (n)
        {
          g_string_append_printf (o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>",
                                  x + bw * 0.12, T + ph - hh, bw * 0.76, hh,
                                  i < WS_REPORT_IDLE_BINS ? "#f57c00" : OTHER_COLOUR);
          esc (o, lab);
          g_string_append_printf (o, ": %" PRIu64 "</title></rect>", n);
        }
      g_string_append_printf (o, "<text class=\"axis small\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                              x + bw / 2, H - B + 16);
      esc (o, lab);
      g_string_append (o, "</text>\n");
    }
  g_string_append (o, "</svg>\n<p class=\"note\">Time from the last frame (or the 101) to the end "
                      "of connections that closed without a close frame. Many at the same "
                      "idle time point to a proxy or load-balancer timeout.</p></section>\n");
}

/* ---- sections ---------------------------------------------------------------- */

static const char css[] =
  ":root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff;--card:#f6f8fa}"
  "*{box-sizing:border-box}"
  "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);"
  "background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1180px}"
  "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.1em;margin:.2em 0 .5em}"
  ".sub{color:var(--muted);margin:0 0 1em}"
  ".tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:12px 0}"
  ".tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}"
  ".tile b{display:block;font-size:1.8em}.tile.bad b{color:#d32f2f}"
  ".chart-box{border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:12px 0;"
  "break-inside:avoid;page-break-inside:avoid}"
  ".grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}"
  ".grid3{display:grid;grid-template-columns:1fr 1fr 1fr;gap:12px}"
  ".grid2 .chart-box,.grid3 .chart-box{margin:0}"
  "svg.chart{width:100%;height:auto;display:block}"
  "svg .grid{stroke:#e5e7eb;stroke-width:1}svg text{font-size:12px;fill:#57606a}"
  "svg text.small{font-size:10px}svg text.label{fill:#1f2328}svg text.value{font-size:11px}"
  ".legend span{display:inline-block;margin:2px 10px 2px 0;font-size:.9em}"
  ".legend i{display:inline-block;width:11px;height:11px;margin-right:4px;border-radius:2px;vertical-align:-1px}"
  ".note,.empty{color:var(--muted);font-size:.88em;margin:.4em 0 0}"
  "table{border-collapse:collapse;width:100%;font-size:.92em}"
  "th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}"
  "td.num{text-align:right;font-variant-numeric:tabular-nums}"
  ".up{color:#d32f2f}.down{color:#2e7d32}.new{background:#d32f2f;color:#fff;border-radius:4px;padding:0 5px;font-size:.8em}"
  ".conn{border:1px solid var(--line);border-left:5px solid #d32f2f;border-radius:6px;padding:8px 12px;"
  "margin:10px 0;break-inside:avoid;page-break-inside:avoid}"
  ".conn h3{font-size:1em;margin:0 0 4px}.conn .meta{color:var(--muted);font-size:.88em}"
  ".conn .fix{background:#fff8e1;border-radius:4px;padding:4px 8px;margin:6px 0}"
  ".conn ul{margin:4px 0;padding-left:20px;font-size:.88em}"
  "code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}"
  "footer{color:var(--muted);font-size:.8em;margin-top:24px}"
  "@media (max-width:900px){.grid2,.grid3{grid-template-columns:1fr}.tiles{grid-template-columns:repeat(2,1fr)}}"
  "@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:10pt}"
  ".tiles{grid-template-columns:repeat(4,1fr)}.grid3{grid-template-columns:1fr 1fr 1fr}"
  ".grid2{grid-template-columns:1fr 1fr}.chart-box,.conn{border-color:#999}"
  ".conn .fix{background:none;border:1px solid #999}}";

static void
tile (GString *o, const char *name, uint64_t v, bool bad)
{
  g_string_append_printf (o, "<div class=\"tile%s\"><b>%" PRIu64 "</b>%s</div>",
                          bad && v ? " bad" : "", v, name);
}

static void
section_changes (GString *o, const ws_history_cmp *cmp)
{
  if (!cmp)
    return;
  g_string_append (o, "<section class=\"chart-box\" id=\"changes\"><h2>What changed</h2>\n");
  if (!cmp->prev_label)
    {
      g_string_append (o, "<p class=\"empty\">No earlier run in the history to compare with.</p></section>\n");
      return;
    }
  g_string_append (o, "<p class=\"note\">Compared with <b>");
  esc (o, cmp->prev_label);
  g_string_append_printf (o, "</b> and the average of the %d earlier run%s.</p>\n", cmp->n_prev,
                          cmp->n_prev == 1 ? "" : "s");
  if (cmp->deltas->len == 0)
    {
      g_string_append (o, "<p>No change.</p></section>\n");
      return;
    }
  g_string_append (o, "<table><thead><tr><th>what</th><th></th><th class=\"num\">now</th>"
                      "<th class=\"num\">previous</th><th class=\"num\">average</th></tr></thead><tbody>\n");
  for (guint i = 0; i < cmp->deltas->len && i < 30; i++)
    {
      const ws_history_delta *d = g_ptr_array_index (cmp->deltas, i);
      g_string_append (o, "<tr><td>");
      esc (o, d->dim);
      g_string_append (o, "</td><td><code>");
      esc (o, d->key);
      g_string_append (o, "</code>");
      if (d->is_new)
        g_string_append (o, " <span class=\"new\">new</span>");
      g_string_append_printf (o, "</td><td class=\"num %s\">%" PRId64 " %s</td>"
                              "<td class=\"num\">%" PRId64 "</td><td class=\"num\">%.1f</td></tr>\n",
                              d->now > d->prev ? "up" : "down", d->now,
                              d->now > d->prev ? "\xE2\x96\xB2" : "\xE2\x96\xBC", d->prev, d->avg);
    }
  g_string_append (o, "</tbody></table></section>\n");
}

static void
endpoint (GString *o, const char *ip, unsigned port)
{
  bool v6 = ip && strchr (ip, ':');
  if (v6)
    g_string_append (o, "[");
  esc (o, ip ? ip : "?");
  g_string_append_printf (o, "%s:%u", v6 ? "]" : "", port);
}

/* The line under a card's title: when, who, where, how it ended. */
static void
card_meta (GString *o, const ws_report_rec *r)
{
  g_string_append (o, "<div class=\"meta\">");
  if (r->end_us)
    local_time (o, r->end_us, "%Y-%m-%d %H:%M:%S %Z");
  g_string_append (o, " \xC2\xB7 <code>");
  endpoint (o, r->client_ip, r->client_port);
  g_string_append (o, "</code> \xE2\x86\x92 <code>");
  endpoint (o, r->server_ip, r->server_port);
  g_string_append (o, "</code>");
  if (r->host || r->path)
    {
      g_string_append (o, " \xC2\xB7 <code>");
      esc (o, r->host);
      esc (o, r->path);
      g_string_append (o, "</code>");
    }
  if (r->close_reason)
    {
      g_string_append (o, " \xC2\xB7 reason \xE2\x80\x9C<code>");
      esc (o, r->close_reason);
      g_string_append (o, "</code>\xE2\x80\x9D");
    }
  if (r->close_initiator != WS_SIDE_NONE)
    {
      g_string_append (o, " \xC2\xB7 closed by ");
      esc (o, ws_side_name (r->close_initiator));
    }
  g_string_append (o, " \xC2\xB7 TCP ");
  esc (o, ws_tcp_end_name (r->tcp_end));
  if (r->tcp_end_by != WS_SIDE_NONE)
    {
      g_string_append (o, " by ");
      esc (o, ws_side_name (r->tcp_end_by));
    }
  if (r->idle_us >= 0 && r->close_code == 1006)
    g_string_append_printf (o, " \xC2\xB7 idle %.1f s", (double) r->idle_us / 1e6);
  g_string_append (o, "</div>\n");
}

static void
card_evidence (GString *o, const ws_report_rec *r)
{
  if (r->evidence->len)
    {
      g_string_append (o, "<ul>");
      for (guint e = 0; e < r->evidence->len; e++)
        {
          const ws_report_evidence *ev = g_ptr_array_index (r->evidence, e);
          g_string_append (o, "<li>");
          if (ev->ts_us)
            {
              local_time (o, ev->ts_us, "%H:%M:%S");
              g_string_append_printf (o, ".%06" PRId64 " ", ev->ts_us % G_USEC_PER_SEC);
            }
          esc (o, ev->text);
          g_string_append (o, "</li>");
        }
      g_string_append (o, "</ul>\n");
    }
}

static void
section_top (GString *o, const ws_report *rp)
{
  g_string_append (o, "<section id=\"top\"><h2>Connections that matter most</h2>\n");
  if (rp->top->len == 0)
    {
      g_string_append (o, "<p class=\"empty\">No abnormal closes.</p></section>\n");
      return;
    }
  g_string_append (o, "<p class=\"note\">Abnormal closes and failed handshakes, ranked by how "
                      "little the applications were told (1006 first) and how sure the diagnosis "
                      "is.</p>\n");
  for (guint i = 0; i < rp->top->len; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      char code[16];
      ws_report_code_key (r->close_code, code);
      g_string_append_printf (o, "<div class=\"conn\"><h3>%u. ", i + 1);
      if (r->handshake_failed && r->handshake_status >= 0 && r->handshake_status != 101)
        g_string_append_printf (o, "handshake HTTP %d", r->handshake_status);
      else
        {
          esc (o, code);
          if (r->close_code >= 0)
            {
              g_string_append (o, " ");
              esc (o, ws_code_lookup (r->close_code)->name);
            }
        }
      g_string_append (o, " \xE2\x80\x94 <code>");
      esc (o, r->cause_id ? r->cause_id : "no cause");
      g_string_append (o, "</code>");
      if (r->cause_confidence)
        {
          g_string_append (o, " (");
          esc (o, r->cause_confidence);
          g_string_append (o, " confidence)");
        }
      g_string_append (o, "</h3>");
      card_meta (o, r);
      if (r->cause_summary)
        {
          g_string_append (o, "<p>");
          esc (o, r->cause_summary);
          g_string_append (o, "</p>\n");
        }
      if (r->cause_fix)
        {
          g_string_append (o, "<div class=\"fix\"><b>Fix:</b> ");
          esc (o, r->cause_fix);
          g_string_append (o, "</div>\n");
        }
      card_evidence (o, r);
      g_string_append (o, "</div>\n");
    }
  g_string_append (o, "</section>\n");
}

void
ws_html_page (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  g_string_append (o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>WebSocket closes \xE2\x80\x94 ");
  esc (o, label);
  g_string_append_printf (o, "</title>\n<style>%s</style></head><body>\n<header><h1>WebSocket closes \xE2\x80\x94 ", css);
  esc (o, label);
  g_string_append (o, "</h1><p class=\"sub\">");
  if (rp->first_us)
    {
      local_time (o, rp->first_us, "%Y-%m-%d %H:%M");
      g_string_append (o, " to ");
      local_time (o, MAX (rp->last_us, rp->first_us), "%Y-%m-%d %H:%M %Z");
    }
  else
    g_string_append (o, "No WebSocket connections in the input.");
  g_string_append (o, "</p></header>\n<div class=\"tiles\">");
  tile (o, "connections", rp->connections, false);
  tile (o, "abnormal closes", rp->abnormal, true);
  tile (o, "handshake failures", rp->handshake_failures, true);
  tile (o, "still open at the end", rp->still_open, false);
  g_string_append (o, "</div>\n");
  section_changes (o, cmp);
  chart_hours (o, rp, false, "chart-codes", "Closes per hour by close code");
  chart_hours (o, rp, true, "chart-causes", "Closes per hour by cause");
  g_string_append (o, "<div class=\"grid3\">\n");
  chart_hbars (o, rp->by_server, true, "chart-servers", "Servers by abnormal closes",
               "No abnormal closes.");
  chart_hbars (o, rp->by_host, true, "chart-hosts", "Hosts by abnormal closes",
               "No abnormal closes.");
  chart_hbars (o, rp->by_path, true, "chart-paths", "Paths by abnormal closes",
               "No abnormal closes.");
  g_string_append (o, "</div>\n<div class=\"grid2\">\n");
  chart_idle (o, rp);
  chart_hbars (o, rp->hs_fail, false, "chart-handshake", "Handshake failures",
               "No failed handshakes.");
  g_string_append (o, "</div>\n");
  section_top (o, rp);
  g_string_append (o, "<footer>wsclosed " PACKAGE_VERSION " \xC2\xB7 abnormal = a close code "
                      "other than 1000/1001, or a failed handshake \xC2\xB7 `wsclosed --explain "
                      "CODE` tells more about a code.</footer>\n</body></html>\n");
}

gboolean
ws_html_write (const char *path, const ws_report *rp, const char *label,
               const ws_history_cmp *cmp, GError **error)
{
  GString *o = g_string_new (NULL);
  ws_html_page (o, rp, label, cmp);
  gboolean ok = g_file_set_contents (path, o->str, (gssize) o->len, error);
  g_string_free (o, TRUE);
  return ok;
}
