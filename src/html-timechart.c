/* html-timechart.c - the closes-over-time charts: stacked bars in inline
 * SVG, by close code or by cause, buckets sized to the span (1 min .. 1
 * day), the 8 largest series and "other", mirrored by hand in a
 * right-to-left page.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "causeinfo.h"
#include "closecodes.h"
#include "html-internal.h"
#include "html.h"
#include "i18n.h"

/* ---- helpers ------------------------------------------------------------------ */

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

static void
hadd (GHashTable *h, const char *k, uint64_t v)
{
  uint64_t *n = g_hash_table_lookup (h, k);
  if (!n)
    {
      n = g_new0 (uint64_t, 1);
      g_hash_table_insert (h, (gpointer) k, n);   /* keys borrowed from the report */
    }
  *n += v;
}

static gint
int64_cmp (gconstpointer a, gconstpointer b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return x < y ? -1 : x > y;
}

static int64_t
floor_div (int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* A local minute bucket (buckets already include the offset). */
static char *
minute_str (int64_t minute, const char *fmt)
{
  GDateTime *dt = g_date_time_new_from_unix_utc (minute * 60);
  if (!dt)
    return g_strdup ("?");
  char *s = g_date_time_format (dt, fmt);
  g_date_time_unref (dt);
  return s ? s : g_strdup ("?");
}


#define MAX_BARS 96

/* The bars of a closes-over-time chart and how they are stacked. */
typedef struct {
  bool by_cause;
  int64_t width;              /* minutes a bar covers */
  bool dense;                 /* every bucket from first to last */
  GArray *buckets;            /* int64 bucket numbers (minute / width), sorted */
  GPtrArray *tabs;            /* per bar: key -> uint64_t* (borrowed keys) */
  GPtrArray *keys;            /* series, largest first (borrowed) */
  guint nseries;              /* the 8 largest are drawn; the rest is "other" */
  bool other;
  uint64_t top;
  bool rtl;
} time_chart;

static const int64_t widths[] = { 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440 };

/* The narrowest bucket that shows the span in at most MAX_BARS bars; beyond
 * days for MAX_BARS days, only the days that had closes. */
static void
tc_choose (time_chart *tc, int64_t m0, int64_t m1)
{
  for (size_t i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      int64_t w = widths[i];
      if (floor_div (m1, w) - floor_div (m0, w) + 1 <= MAX_BARS)
        {
          tc->width = w;
          tc->dense = true;
          return;
        }
    }
  tc->width = 1440;
  tc->dense = false;
}

static void
tc_fill (time_chart *tc, const ws_report *rp)
{
  g_autoptr (GArray) mins = g_array_new (FALSE, FALSE, sizeof (int64_t));
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, rp->minutes);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_array_append_val (mins, ((const ws_report_hour *) v)->minute);
  g_array_sort (mins, int64_cmp);
  int64_t m0 = g_array_index (mins, int64_t, 0), m1 = g_array_index (mins, int64_t, mins->len - 1);
  tc_choose (tc, m0, m1);

  int64_t b0 = floor_div (m0, tc->width), b1 = floor_div (m1, tc->width);
  if (tc->dense)
    for (int64_t b = b0; b <= b1; b++)
      g_array_append_val (tc->buckets, b);
  else
    for (guint i = 0; i < mins->len; i++)
      {
        int64_t b = floor_div (g_array_index (mins, int64_t, i), tc->width);
        if (tc->buckets->len == 0 || g_array_index (tc->buckets, int64_t, tc->buckets->len - 1) != b)
          g_array_append_val (tc->buckets, b);
      }
  for (guint i = 0; i < tc->buckets->len; i++)
    g_ptr_array_add (tc->tabs, g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free));

  g_autoptr (GHashTable) totals = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_iter_init (&it, rp->minutes);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const ws_report_hour *h = v;
      int64_t b = floor_div (h->minute, tc->width);
      guint idx;
      if (tc->dense)
        idx = (guint) (b - b0);
      else
        for (idx = 0; g_array_index (tc->buckets, int64_t, idx) != b; idx++)
          ;
      GHashTable *tab = g_ptr_array_index (tc->tabs, idx);
      GHashTableIter j;
      gpointer sk, sv;
      g_hash_table_iter_init (&j, tc->by_cause ? h->causes : h->codes);
      while (g_hash_table_iter_next (&j, &sk, &sv))
        {
          hadd (tab, sk, *(uint64_t *) sv);
          ws_report_count *c = g_hash_table_lookup (totals, sk);
          if (!c)
            {
              c = g_new0 (ws_report_count, 1);
              g_hash_table_insert (totals, sk, c);
            }
          c->count += *(uint64_t *) sv;
        }
    }
  tc->keys = ws_report_sorted_keys (totals, false);
  tc->nseries = MIN (tc->keys->len, 8u);
  tc->other = tc->keys->len > tc->nseries;
  uint64_t maxv = 0;
  for (guint i = 0; i < tc->tabs->len; i++)
    {
      uint64_t sum = 0;
      GHashTableIter j;
      gpointer sk, sv;
      g_hash_table_iter_init (&j, g_ptr_array_index (tc->tabs, i));
      while (g_hash_table_iter_next (&j, &sk, &sv))
        sum += *(uint64_t *) sv;
      maxv = MAX (maxv, sum);
    }
  tc->top = nice_max (maxv);
}

#define TC_W 840.0
#define TC_H 270.0
#define TC_L 56.0
#define TC_R 12.0
#define TC_T 12.0
#define TC_B 46.0
/* The axis' text: 12 user units, about 0.62 em a character in a sans font
 * (an over-estimate for digits, so labels are never closer than this). */
#define TC_FONT 12.0
#define CHAR_W (TC_FONT * 0.62)

/* x mirrored for a right-to-left page: the time axis runs right to left. */
static double
mx (const time_chart *tc, double x, double w)
{
  return tc->rtl ? TC_W - x - w : x;
}

static void
tc_bar (GString *o, const time_chart *tc, guint b, double x, double bw)
{
  double ph = TC_H - TC_T - TC_B;
  double y = TC_T + ph;
  GHashTable *tab = g_ptr_array_index (tc->tabs, b);
  uint64_t rest = 0;
  GHashTableIter j;
  gpointer sk, sv;
  g_hash_table_iter_init (&j, tab);
  while (g_hash_table_iter_next (&j, &sk, &sv))
    rest += *(uint64_t *) sv;
  int64_t bucket = g_array_index (tc->buckets, int64_t, b);
  g_autofree char *when = minute_str (bucket * tc->width, tc->width >= 1440 ? "%Y-%m-%d" : "%Y-%m-%d %H:%M");
  for (guint s = 0; s <= tc->nseries; s++)
    {
      bool is_other = s == tc->nseries;
      if (is_other && !tc->other)
        break;
      const char *key = is_other ? NULL : g_ptr_array_index (tc->keys, s);
      uint64_t n = is_other ? rest : html_count (tab, key);
      if (!is_other)
        rest -= n;
      if (n == 0)
        continue;
      double hh = ph * (double) n / (double) tc->top;
      y -= hh;
      double rw = MIN (bw * 0.8, 48.0);
      g_string_append_printf (o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                              "fill=\"%s\" data-key=\"", mx (tc, x + (bw - rw) / 2, rw), y, rw, hh,
                              is_other ? OTHER_COLOUR : ws_html_series_colour (key));
      ws_html_escape (o, is_other ? "other" : key);
      g_string_append (o, "\"><title>");
      ws_html_escape (o, when);
      g_string_append (o, " ");
      ws_html_escape (o, is_other ? _("other") : key);
      g_string_append (o, ": ");
      html_num (o, n);
      g_string_append (o, "</title></rect>\n");
    }
}

/* Label every k-th bar, k such that a label fits in k slots, on round
 * bucket numbers so that labels fall on round times. */
static guint
tc_label_every (const time_chart *tc, double bw, const char *fmt)
{
  g_autofree char *sample = minute_str (0, fmt);
  double need = (double) g_utf8_strlen (sample, -1) * CHAR_W + 10;
  for (guint k = 1; k < MAX_BARS; k++)
    {
      int64_t span = (int64_t) k * tc->width;
      /* steps that divide a day (or whole days), so labels fall on round
       * times and on midnight */
      if ((1440 % span != 0 && span % 1440 != 0) || bw * k < need)
        continue;
      return k;
    }
  return MAX_BARS;
}

static void
tc_svg (GString *o, const time_chart *tc, const char *id, const char *title)
{
  double pw = TC_W - TC_L - TC_R, ph = TC_H - TC_T - TC_B;
  guint nbars = tc->buckets->len;
  double bw = pw / nbars;
  const char *fmt = tc->width >= 1440 ? "%m-%d" : "%H:%M";
  guint every = tc_label_every (tc, bw, fmt);
  double day_end = 0;
  g_string_append_printf (o,
    "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" direction=\"ltr\" "
    "xmlns=\"http://www.w3.org/2000/svg\" preserveAspectRatio=\"xMidYMid meet\" "
    "data-bucket-minutes=\"%" PRId64 "\"><title>", id, TC_W, TC_H, tc->width);
  ws_html_escape (o, title);
  g_string_append (o, "</title>\n");
  /* the y axis on the start side: left, or right in a right-to-left page */
  double ax = tc->rtl ? TC_W - TC_L + 6 : TC_L - 6;
  for (int g = 0; g <= 4; g++)
    {
      double y = TC_T + ph - ph * g / 4.0;
      g_string_append_printf (o,
        "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
        "<text class=\"axis y\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
        mx (tc, TC_L, pw), y, mx (tc, TC_L, pw) + pw, y, ax, y + 4, tc->rtl ? "start" : "end");
      html_num (o, tc->top * (uint64_t) g / 4);
      g_string_append (o, "</text>\n");
    }
  for (guint b = 0; b < nbars; b++)
    {
      double x = TC_L + b * bw;
      tc_bar (o, tc, b, x, bw);
      int64_t bucket = g_array_index (tc->buckets, int64_t, b);
      int64_t minute = bucket * tc->width;
      bool label = tc->dense ? bucket % every == 0 : b % every == 0;
      if (label)
        {
          g_autofree char *s = minute_str (minute, fmt);
          g_string_append_printf (o, "<text class=\"axis x\" x=\"%.1f\" y=\"%.1f\" "
                                  "text-anchor=\"middle\">", mx (tc, x, bw) + bw / 2, TC_H - TC_B + 16);
          ws_html_escape (o, s);
          g_string_append (o, "</text>\n");
        }
      /* the date under the first bar and under each midnight, where the
       * one before leaves room */
      if (tc->width < 1440 && (b == 0 || floor_div (minute, 1440) != floor_div (minute - tc->width, 1440))
          && (label || b == 0) && x >= day_end)
        {
          day_end = x + 10 * CHAR_W * 11.0 / TC_FONT + 8;
          g_autofree char *d = minute_str (minute, "%Y-%m-%d");
          g_string_append_printf (o, "<text class=\"axis day\" x=\"%.1f\" y=\"%.1f\" "
                                  "text-anchor=\"%s\">", mx (tc, x, 0), TC_H - TC_B + 32,
                                  tc->rtl ? "end" : "start");
          ws_html_escape (o, d);
          g_string_append (o, "</text>\n");
        }
    }
  g_string_append (o, "</svg>\n");
}

static void
series_label (GString *o, const char *key, bool by_cause)
{
  html_wire (o, key);
  if (by_cause)
    {
      const ws_cause_info *ci = ws_cause_info_lookup (key);
      if (ci)
        {
          g_string_append (o, " ");
          ws_html_escape (o, _(ci->title));
        }
    }
  else
    {
      char *end;
      long code = strtol (key, &end, 10);
      if (!*end && end != key)
        {
          g_string_append (o, " ");
          ws_html_escape (o, _(ws_code_lookup ((int) code)->name));
        }
    }
}

static void
tc_legend (GString *o, const time_chart *tc)
{
  g_string_append (o, "<p class=\"legend\">");
  for (guint s = 0; s < tc->nseries; s++)
    {
      const char *key = g_ptr_array_index (tc->keys, s);
      g_string_append_printf (o, "<span><i style=\"background:%s\"></i>",
                              ws_html_series_colour (key));
      series_label (o, key, tc->by_cause);
      g_string_append (o, "</span> ");
    }
  if (tc->other)
    g_string_append_printf (o, "<span><i style=\"background:%s\"></i>%s</span>", OTHER_COLOUR,
                            _("other"));
  g_string_append (o, "</p>\n<p class=\"note\">");
  static const struct { int64_t w; const char *what; } per[] = {
    { 1, N_("each bar is one minute") }, { 2, N_("each bar is 2 minutes") },
    { 5, N_("each bar is 5 minutes") }, { 10, N_("each bar is 10 minutes") },
    { 15, N_("each bar is 15 minutes") }, { 30, N_("each bar is 30 minutes") },
    { 60, N_("each bar is one hour") }, { 120, N_("each bar is 2 hours") },
    { 180, N_("each bar is 3 hours") }, { 360, N_("each bar is 6 hours") },
    { 720, N_("each bar is 12 hours") }, { 1440, N_("each bar is one day") },
  };
  const char *what = "";
  for (size_t i = 0; i < G_N_ELEMENTS (per); i++)
    if (per[i].w == tc->width)
      what = _(per[i].what);
  g_string_append_printf (o, _("Local time; %s, by the time the connection closed."), what);
  if (!tc->dense)
    g_string_append_printf (o, " %s", _("Only the days with closes are shown."));
  g_string_append (o, "</p>");
}

/* Closes over time, stacked by code or by cause: the 8 largest series, the
 * rest as "other". */
void
html_chart_time (GString *o, const ws_report *rp, bool by_cause, const char *id, const char *title)
{
  g_string_append_printf (o, "<section class=\"chart-box\"><h2>%s</h2>\n", title);
  if (g_hash_table_size (rp->minutes) == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n", _("No closes."));
      return;
    }
  time_chart tc = {
    .by_cause = by_cause,
    .buckets = g_array_new (FALSE, FALSE, sizeof (int64_t)),
    .tabs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref),
    .rtl = ws_i18n_rtl (),
  };
  tc_fill (&tc, rp);
  tc_svg (o, &tc, id, title);
  tc_legend (o, &tc);
  g_string_append (o, "</section>\n");
  g_ptr_array_unref (tc.keys);
  g_ptr_array_unref (tc.tabs);
  g_array_unref (tc.buckets);
}
