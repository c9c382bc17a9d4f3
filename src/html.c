/* html.c - the report as one HTML page: inline CSS, charts as inline SVG,
 * no script, font, image or link to anything outside, so it can be mailed.
 *
 *   header, totals (tiles), what changed (rates, red for worse)
 *   closes over time by close code / by cause    stacked bars, buckets sized
 *                                                to the span (1 min .. 1 day)
 *   close storms, TLS, traffic skipped           tables
 *   servers / Hosts / routes by abnormal closes  bars (HTML, never clipped)
 *   idle time before 1006, handshake failures    bars, idle in bins around
 *                                                the usual proxy timeouts
 *   connections that matter most                 <details> per cause, one fix
 *
 * Colours are a property of the close code or cause, the same in every run
 * and every chart (series_colour).  Every UI string goes through _(): the
 * page is in the language of the messages, right-to-left for Arabic (CSS
 * logical properties mirror the layout; the SVG charts are mirrored by hand),
 * and strings from the wire (paths, hosts, reasons, addresses) are isolated
 * left-to-right in <bdi dir="ltr">.  Counts are written with the language's
 * digits and separators; times stay ISO (as in the logs they are matched
 * with).  Everything that is text in the page goes through ws_html_escape.
 * @media print gives a plain, page-broken version.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "causeinfo.h"
#include "closecodes.h"
#include "html.h"
#include "i18n.h"

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

/* A string from the wire (or a contract id): isolated, left to right, so
 * that an Arabic page neither reorders it nor is reordered by it. */
static void
wire (GString *o, const char *s)
{
  g_string_append (o, "<bdi dir=\"ltr\">");
  esc (o, s);
  g_string_append (o, "</bdi>");
}

static void
wire_code (GString *o, const char *s)
{
  g_string_append (o, "<code dir=\"ltr\">");
  esc (o, s);
  g_string_append (o, "</code>");
}

/* ---- numbers in the reader's language ------------------------------------------ */

typedef enum { NF_EN, NF_PT, NF_AR } numfmt;

/* Set once per page (ws_html_page); the page is written by one thread. */
static numfmt nf = NF_EN;

static void
digits (GString *o, const char *s)
{
  for (; *s; s++)
    if (nf == NF_AR && *s >= '0' && *s <= '9')
      {
        /* U+0660.. ARABIC-INDIC DIGIT ZERO.. */
        g_string_append_c (o, (char) 0xD9);
        g_string_append_c (o, (char) (0xA0 + (*s - '0')));
      }
    else
      g_string_append_c (o, *s);
}

static void
group_int (GString *o, const char *d)
{
  static const char *const sep[] = { ",", ".", "\xD9\xAC" };  /* U+066C */
  size_t n = strlen (d);
  for (size_t i = 0; i < n; i++)
    {
      if (i && d[i - 1] != '-' && (n - i) % 3 == 0)
        g_string_append (o, sep[nf]);
      char c[2] = { d[i], 0 };
      digits (o, c);
    }
}

static void
num (GString *o, uint64_t v)
{
  char d[32];
  g_snprintf (d, sizeof d, "%" PRIu64, v);
  group_int (o, d);
}

/* v with one decimal. */
static void
num1 (GString *o, double v)
{
  static const char *const dec[] = { ".", ",", "\xD9\xAB" };  /* U+066B */
  char d[64];
  g_snprintf (d, sizeof d, "%.1f", v);
  char *dot = strchr (d, '.');
  if (dot)
    *dot = '\0';
  group_int (o, d);
  if (dot)
    {
      g_string_append (o, dec[nf]);
      digits (o, dot + 1);
    }
}

/* A share as a percentage with one decimal. */
static void
pct (GString *o, double share)
{
  num1 (o, share * 100);
  g_string_append (o, nf == NF_AR ? "\xD9\xAA" : "%");        /* U+066A */
}

static char *
num_str (uint64_t v)
{
  GString *s = g_string_new (NULL);
  num (s, v);
  return g_string_free (s, FALSE);
}

/* ---- times ---------------------------------------------------------------------- */

static void
local_time (GString *o, int64_t ts_us, const char *fmt)
{
  int64_t sec = ws_report_seconds (ts_us);
  GDateTime *dt = g_date_time_new_from_unix_local (sec);
  if (!dt)
    return;
  g_autofree char *s = g_date_time_format (dt, fmt);
  g_date_time_unref (dt);
  g_string_append (o, "<bdi dir=\"ltr\">");
  esc (o, s);
  g_string_append (o, "</bdi>");
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

static void
duration (GString *o, int64_t us)
{
  double s = (double) us / 1e6;
  if (s < 1)
    {
      num1 (o, s * 1000);
      g_string_append (o, _(" ms"));
    }
  else if (s < 60)
    {
      num1 (o, s);
      g_string_append (o, _(" s"));
    }
  else if (s < 3600)
    {
      num1 (o, s / 60);
      g_string_append (o, _(" min"));
    }
  else
    {
      num1 (o, s / 3600);
      g_string_append (o, _(" h"));
    }
}

/* ---- colours: one per close code and per cause, the same in every run ------------ */

typedef struct {
  const char *key;
  const char *colour;
} key_colour;

static const key_colour fixed_colours[] = {
  /* close codes */
  { "1000", "#2e7d32" }, { "1001", "#81c784" }, { "1002", "#6a1b9a" }, { "1003", "#ab47bc" },
  { "1005", "#90a4ae" }, { "1006", "#d32f2f" }, { "1007", "#ad1457" }, { "1008", "#f06292" },
  { "1009", "#1565c0" }, { "1010", "#5e35b1" }, { "1011", "#e65100" }, { "1012", "#00897b" },
  { "1013", "#f9a825" }, { "1014", "#6d4c41" }, { "1015", "#37474f" }, { "open", "#cfd8dc" },
  /* causes: alike causes in alike colours, green for the normal ones */
  { "normal_closure", "#2e7d32" },
  { "endpoint_going_away", "#81c784" },
  { "still_open", "#cfd8dc" },
  { "none", "#b0bec5" },
  { "no_status", "#90a4ae" },
  { "idle_timeout", "#fb8c00" },
  { "keepalive_timeout", "#ffb74d" },
  { "peer_reset", "#c62828" },
  { "connection_dropped", "#8d1c1c" },
  { "protocol_violation", "#6a1b9a" },
  { "unsupported_data", "#ab47bc" },
  { "invalid_payload", "#ad1457" },
  { "policy_violation", "#f06292" },
  { "message_too_big", "#1565c0" },
  { "extension_not_negotiated", "#5e35b1" },
  { "server_internal_error", "#e65100" },
  { "service_restart", "#00897b" },
  { "try_again_later", "#f9a825" },
  { "bad_gateway", "#6d4c41" },
  { "handshake_rejected", "#455a64" },
  { "handshake_accept_mismatch", "#0277bd" },
  { "handshake_unrequested_extension", "#4dd0e1" },
  { "handshake_unrequested_subprotocol", "#26a69a" },
  { "application_code", "#7986cb" },
  { "invalid_close_code", "#9e9d24" },
  { "tls_not_decrypted", "#757575" },
  { "close_storm", "#bf360c" },
  { "server_restart", "#004d40" },
};

#define OTHER_COLOUR "#9e9e9e"

/* The colour of a close code or cause: from the table, else from a hash of
 * the key (an application code 4xxx, a cause added later): never from its
 * rank in the run. */
const char *
ws_html_series_colour (const char *key)
{
  for (size_t i = 0; i < G_N_ELEMENTS (fixed_colours); i++)
    if (strcmp (fixed_colours[i].key, key) == 0)
      return fixed_colours[i].colour;
  /* 24 hues, in a darker band than the table's so they read as "other" */
  static const char *const hashed[] = {
    "#8c3b3b", "#8c533b", "#8c6b3b", "#8c833b", "#748c3b", "#5c8c3b", "#448c3b", "#3b8c4c",
    "#3b8c64", "#3b8c7c", "#3b7f8c", "#3b678c", "#3b4f8c", "#433b8c", "#5b3b8c", "#733b8c",
    "#8b3b8c", "#8c3b77", "#8c3b5f", "#8c3b47", "#6b5a4a", "#4a6b5a", "#5a4a6b", "#6b6b4a",
  };
  uint32_t h = 2166136261u;   /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *) key; *p; p++)
    h = (h ^ *p) * 16777619u;
  return hashed[h % G_N_ELEMENTS (hashed)];
}

/* ---- closes over time ---------------------------------------------------------- */

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
  const uint64_t *n = h ? g_hash_table_lookup (h, k) : NULL;
  return n ? *n : 0;
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
      uint64_t n = is_other ? rest : hcount (tab, key);
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
      esc (o, is_other ? "other" : key);
      g_string_append (o, "\"><title>");
      esc (o, when);
      g_string_append (o, " ");
      esc (o, is_other ? _("other") : key);
      g_string_append (o, ": ");
      num (o, n);
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
  esc (o, title);
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
      num (o, tc->top * (uint64_t) g / 4);
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
          esc (o, s);
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
          esc (o, d);
          g_string_append (o, "</text>\n");
        }
    }
  g_string_append (o, "</svg>\n");
}

static void
series_label (GString *o, const char *key, bool by_cause)
{
  wire (o, key);
  if (by_cause)
    {
      const ws_cause_info *ci = ws_cause_info_lookup (key);
      if (ci)
        {
          g_string_append (o, " ");
          esc (o, _(ci->title));
        }
    }
  else
    {
      char *end;
      long code = strtol (key, &end, 10);
      if (!*end && end != key)
        {
          g_string_append (o, " ");
          esc (o, _(ws_code_lookup ((int) code)->name));
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
static void
chart_time (GString *o, const ws_report *rp, bool by_cause, const char *id, const char *title)
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

/* ---- bars in HTML: labels ellipsised in their column, values never cut ------------- */

static void
hbar_row (GString *o, const char *key, bool key_is_wire, uint64_t val, uint64_t of,
          uint64_t maxv, const char *colour)
{
  /* a wire label is left to right as a whole, so that its ellipsis cuts
   * its end (a path's query, not its start) in a right-to-left page too */
  g_string_append_printf (o, "<div class=\"hb\"><span class=\"k%s\"%s title=\"",
                          key_is_wire ? " w" : "", key_is_wire ? " dir=\"ltr\"" : "");
  esc (o, key);
  g_string_append (o, "\">");
  if (key_is_wire)
    wire (o, key);
  else
    esc (o, key);
  g_string_append_printf (o, "</span><span class=\"b\"><i style=\"inline-size:%.1f%%;background:%s\">"
                          "</i></span><span class=\"v\">",
                          maxv ? MAX (100.0 * (double) val / (double) maxv, 0.5) : 0.0, colour);
  if (of)
    {
      g_autofree char *a = num_str (val), *b = num_str (of);
      /* TRANSLATORS: "62 of 380": abnormal closes of all connections */
      g_string_append_printf (o, _("%s of %s"), a, b);
    }
  else
    num (o, val);
  g_string_append (o, "</span></div>\n");
}

/* The 10 largest of a table (by abnormal count when abnormal). */
static void
chart_hbars (GString *o, GHashTable *h, bool abnormal, const char *id, const char *title,
             const char *empty)
{
  g_autoptr (GPtrArray) keys = ws_report_sorted_keys (h, abnormal);
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"%s\"><h2>%s</h2>\n", id, title);
  if (keys->len == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n", empty);
      return;
    }
  guint n = MIN (keys->len, 10u);
  uint64_t maxv = 0;
  for (guint i = 0; i < n; i++)
    {
      const ws_report_count *c = g_hash_table_lookup (h, g_ptr_array_index (keys, i));
      maxv = MAX (maxv, abnormal ? c->abnormal : c->count);
    }
  g_string_append (o, "<div class=\"hbars\">\n");
  for (guint i = 0; i < n; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const ws_report_count *c = g_hash_table_lookup (h, key);
      hbar_row (o, key, true, abnormal ? c->abnormal : c->count, abnormal ? c->count : 0, maxv,
                "#d32f2f");
    }
  g_string_append (o, "</div>\n");
  if (keys->len > n)
    {
      g_autofree char *more = num_str (keys->len - n);
      g_string_append (o, "<p class=\"note\">");
      g_string_append_printf (o, _("and %s more"), more);
      g_string_append (o, "</p>");
    }
  g_string_append (o, "</section>\n");
}

/* Which load balancers and proxies time out idle connections after this
 * many seconds by default. */
static const char *
timeout_hint (int t)
{
  switch (t)
    {
    case 30: return N_("Google Cloud load balancer backend timeout");
    case 55: return N_("Heroku router");
    case 60: return N_("nginx proxy_read_timeout, AWS ALB/ELB idle timeout");
    case 100: return N_("Cloudflare");
    default: return NULL;
    }
}

static void
chart_idle (GString *o, const ws_report *rp)
{
  uint64_t total = rp->idle_unknown, maxv = rp->idle_unknown;
  for (int i = 0; i < WS_REPORT_LB_BINS; i++)
    {
      total += rp->idle_lb[i];
      maxv = MAX (maxv, rp->idle_lb[i]);
    }
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"chart-idle\"><h2>%s</h2>\n",
                          _("Idle time before 1006 closes"));
  if (total == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n", _("No 1006 closes."));
      return;
    }
  g_string_append (o, "<div class=\"hbars idle\">\n");
  for (int i = 0; i <= WS_REPORT_LB_BINS; i++)
    {
      bool unknown = i == WS_REPORT_LB_BINS;
      uint64_t n = unknown ? rp->idle_unknown : rp->idle_lb[i];
      int t = unknown ? 0 : ws_report_lb_timeout (i);
      if (n == 0 && !t)
        continue;             /* the timeouts' bins always; the others when used */
      GString *lab = g_string_new (NULL);
      if (unknown)
        g_string_append (lab, _("unknown"));
      else if (t)
        {
          /* TRANSLATORS: an idle time close to a well-known timeout, "≈ 60 s" */
          g_autofree char *ts = num_str ((uint64_t) t);
          g_string_append_printf (lab, _("\xE2\x89\x88 %s s"), ts);
        }
      else
        {
          g_autofree char *a = i ? num_str ((uint64_t) ws_report_lb_edges[i - 1]) : NULL;
          g_autofree char *b = i < WS_REPORT_LB_BINS - 1
                               ? num_str ((uint64_t) ceil (ws_report_lb_edges[i])) : NULL;
          if (!a)
            g_string_append_printf (lab, _("under %s s"), b);
          else if (!b)
            g_string_append_printf (lab, _("over %s s"), a);
          else
            g_string_append_printf (lab, _("%s to %s s"), a, b);
        }
      g_string_append (o, "<div class=\"hb\"><span class=\"k\" title=\"");
      esc (o, lab->str);
      g_string_append (o, "\">");
      esc (o, lab->str);
      g_string_append_printf (o, "</span><span class=\"b\"><i style=\"inline-size:%.1f%%;background:%s\">"
                              "</i></span><span class=\"v\">",
                              maxv && n ? MAX (100.0 * (double) n / (double) maxv, 0.5) : 0.0,
                              unknown ? OTHER_COLOUR : t ? "#fb8c00" : "#ffcc80");
      num (o, n);
      g_string_append (o, "</span>");
      /* every row has its four cells: the grid's columns stay aligned */
      const char *hint = timeout_hint (t);
      g_string_append (o, "<span class=\"h\">");
      if (hint)
        esc (o, _(hint));
      g_string_append (o, "</span></div>\n");
      g_string_free (lab, TRUE);
    }
  g_string_append_printf (o, "</div>\n<p class=\"note\">%s</p></section>\n",
                          _("Time from the last frame (or the 101) to the end of connections "
                            "that closed without a close frame. Many at the same idle time "
                            "point to a proxy or load-balancer timeout: the usual defaults have "
                            "bins of their own."));
}

/* ---- sections ---------------------------------------------------------------- */

/* Logical properties (inline-start/end) throughout: the same rules lay the
 * page out left to right and right to left. */
static const char css[] =
  ":root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff;--card:#f6f8fa}"
  "*{box-sizing:border-box}"
  "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',"
  "sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1180px}"
  "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.1em;margin:.2em 0 .5em}"
  ".sub{color:var(--muted);margin:0 0 1em}"
  ".tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:12px 0}"
  ".tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}"
  ".tile b{display:block;font-size:1.8em}.tile.bad b{color:#d32f2f}"
  ".chart-box{border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:12px 0;"
  "break-inside:avoid;page-break-inside:avoid;min-inline-size:0}"
  ".grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}"
  ".grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}"
  ".grid2 .chart-box,.grid3 .chart-box{margin:0}"
  "svg.chart{width:100%;height:auto;display:block}"
  "svg .grid{stroke:#e5e7eb;stroke-width:1}svg text{font-size:12px;fill:#57606a}"
  "svg text.day{font-size:11px;fill:#1f2328}"
  ".hbars{display:grid;grid-template-columns:minmax(0,max-content) minmax(3em,1fr) max-content;"
  "gap:4px 8px;align-items:center;font-size:.88em}"
  ".hbars.idle{grid-template-columns:max-content minmax(3em,1fr) max-content minmax(0,1fr)}"
  ".hb{display:contents}.hb .k{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
  "max-inline-size:16em}[dir=rtl] .hb .k.w{text-align:right}"
  ".hb .b{display:block;block-size:14px}.hb .b i{display:block;block-size:100%;border-radius:2px}"
  ".hb .v{white-space:nowrap;font-variant-numeric:tabular-nums}"
  ".hb .h{color:var(--muted);font-size:.9em;min-inline-size:0}"
  ".hbars:not(.idle) .hb .h{display:none}"
  ".legend span{display:inline-block;margin-block:2px;margin-inline:0 10px;font-size:.9em}"
  ".legend i{display:inline-block;width:11px;height:11px;margin-inline-end:4px;border-radius:2px;"
  "vertical-align:-1px}"
  ".note,.empty{color:var(--muted);font-size:.88em;margin:.4em 0 0}"
  "table{border-collapse:collapse;width:100%;font-size:.92em}"
  "th,td{text-align:start;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}"
  "td.num,th.num{text-align:end;font-variant-numeric:tabular-nums;white-space:nowrap}"
  ".worse{color:#d32f2f;font-weight:600}.better{color:#2e7d32}.same{color:var(--muted)}"
  ".new{background:#d32f2f;color:#fff;border-radius:4px;padding:0 5px;font-size:.8em}"
  "details.cause{border:1px solid var(--line);border-inline-start:5px solid var(--c,#d32f2f);"
  "border-radius:6px;padding:6px 12px;margin:10px 0}"
  "details.cause>summary{cursor:pointer;font-weight:600}"
  "details.cause>summary .n{color:var(--muted);font-weight:400}"
  ".conn{border-top:1px solid var(--line);padding:6px 0;break-inside:avoid;page-break-inside:avoid}"
  ".conn h3{font-size:.95em;margin:0 0 2px}.meta{color:var(--muted);font-size:.88em}"
  ".fix{background:#fff8e1;border-radius:4px;padding:4px 8px;margin:6px 0}"
  ".conn ul{margin:4px 0;padding-inline-start:20px;font-size:.88em}"
  "code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}"
  "bdi{unicode-bidi:isolate}td code{overflow-wrap:normal;white-space:nowrap}"
  "footer{color:var(--muted);font-size:.8em;margin-top:24px}"
  "@media (max-width:900px){.grid2,.grid3{grid-template-columns:minmax(0,1fr)}"
  ".tiles{grid-template-columns:repeat(2,1fr)}}"
  "@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:10pt}"
  ".tiles{grid-template-columns:repeat(4,1fr)}.grid3{grid-template-columns:repeat(3,minmax(0,1fr))}"
  ".grid2{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}.chart-box,details.cause{border-color:#999}"
  ".fix{background:none;border:1px solid #999}}";

static void
tile (GString *o, const char *name, uint64_t v, bool bad)
{
  g_string_append_printf (o, "<div class=\"tile%s\"><b>", bad && v ? " bad" : "");
  num (o, v);
  g_string_append_printf (o, "</b>%s</div>", name);
}

/* Whether more of this is worse (failures), better or neither. */
static int
delta_badness (const ws_history_delta *d)
{
  if (!strcmp (d->dim, "abnormal") || !strcmp (d->dim, "handshake_failures") ||
      !strcmp (d->dim, "server"))
    return 1;
  if (!strcmp (d->dim, "code"))
    return strcmp (d->key, "1000") && strcmp (d->key, "1001") && strcmp (d->key, "1005") &&
           strcmp (d->key, "open") ? 1 : 0;
  if (!strcmp (d->dim, "cause"))
    return strcmp (d->key, "normal_closure") && strcmp (d->key, "endpoint_going_away") &&
           strcmp (d->key, "still_open") && strcmp (d->key, "no_status") &&
           strcmp (d->key, "none") ? 1 : 0;
  return 0;
}

static const char *
dim_name (const char *dim)
{
  if (!strcmp (dim, "total"))
    return _("connections");
  if (!strcmp (dim, "abnormal"))
    return _("abnormal");
  if (!strcmp (dim, "handshake_failures"))
    return _("handshake failures");
  if (!strcmp (dim, "code"))
    return _("close code");
  if (!strcmp (dim, "cause"))
    return _("cause");
  if (!strcmp (dim, "server"))
    return _("server (abnormal)");
  return dim;
}

static void
rate_cell (GString *o, double v, double conns, bool as_rate, const char *cls)
{
  g_string_append_printf (o, "<td class=\"num%s%s\">", cls ? " " : "", cls ? cls : "");
  if (as_rate && conns > 0)
    pct (o, v / conns);
  else if (as_rate)
    g_string_append (o, "\xE2\x80\x94");
  else
    num1 (o, v);
  g_string_append (o, "</td>");
}

static void
section_changes (GString *o, const ws_history_cmp *cmp)
{
  if (!cmp)
    return;
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"changes\"><h2>%s</h2>\n",
                          _("What changed"));
  if (!cmp->prev_label)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n",
                              _("No earlier run in the history to compare with."));
      return;
    }
  GString *prev = g_string_new (NULL);
  g_string_append (prev, "<b>");
  wire (prev, cmp->prev_label);
  g_string_append (prev, "</b>");
  g_autofree char *n = num_str ((uint64_t) cmp->n_prev);
  g_string_append (o, "<p class=\"note\">");
  g_string_append_printf (o, _("Compared with %s and the average of the earlier runs (%s). "
                               "Rates are shares of all connections of each run; red is worse."),
                          prev->str, n);
  g_string_append (o, "</p>\n");
  g_string_free (prev, TRUE);
  if (cmp->deltas->len == 0)
    {
      g_string_append_printf (o, "<p>%s</p></section>\n", _("No change."));
      return;
    }
  g_string_append_printf (o, "<table><thead><tr><th>%s</th><th></th><th class=\"num\">%s</th>"
                          "<th class=\"num\">%s</th><th class=\"num\">%s</th></tr></thead><tbody>\n",
                          _("what"), _("now"), _("previous"), _("average"));
  for (guint i = 0; i < cmp->deltas->len && i < 30; i++)
    {
      const ws_history_delta *d = g_ptr_array_index (cmp->deltas, i);
      bool as_rate = strcmp (d->dim, "total") != 0 && cmp->conns_now >= 0;
      double now_r = as_rate && cmp->conns_now > 0 ? (double) d->now / (double) cmp->conns_now : 0;
      double prev_r = as_rate && cmp->conns_prev > 0 ? (double) d->prev / (double) cmp->conns_prev : 0;
      int bad = delta_badness (d);
      const char *cls = "same";
      bool up = as_rate ? now_r > prev_r : d->now > d->prev;
      bool down = as_rate ? now_r < prev_r : d->now < d->prev;
      if (bad && (up || d->is_new))
        cls = "worse";
      else if (bad && down)
        cls = "better";
      g_string_append_printf (o, "<tr><td>%s</td><td>", dim_name (d->dim));
      if (d->key[0])
        wire_code (o, d->key);
      if (d->is_new)
        g_string_append_printf (o, " <span class=\"new\">%s</span>", _("new"));
      g_string_append_printf (o, "</td><td class=\"num %s\">", cls);
      if (as_rate)
        pct (o, now_r);
      else
        num (o, (uint64_t) MAX (d->now, 0));
      g_string_append_printf (o, " %s <span class=\"same\">(", up ? "\xE2\x96\xB2" : down ? "\xE2\x96\xBC" : "");
      num (o, (uint64_t) MAX (d->now, 0));
      g_string_append (o, ")</span></td>");
      rate_cell (o, (double) d->prev, (double) cmp->conns_prev, as_rate, NULL);
      rate_cell (o, d->avg, cmp->conns_avg, as_rate, NULL);
      g_string_append (o, "</tr>\n");
    }
  g_string_append (o, "</tbody></table></section>\n");
}

static void
section_storms (GString *o, const ws_report *rp)
{
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"storms\"><h2>%s</h2>\n",
                          _("Close storms"));
  if (rp->storms->len == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n",
                              _("No close storms: no server closed many connections at once."));
      return;
    }
  g_string_append_printf (o, "<table><thead><tr><th>%s</th><th>%s</th><th class=\"num\">%s</th>"
                          "<th class=\"num\">%s</th><th>%s</th><th></th></tr></thead><tbody>\n",
                          _("server"), _("window"), _("lasted"), _("connections"),
                          _("close codes"));
  for (guint i = 0; i < rp->storms->len; i++)
    {
      const ws_report_storm *s = g_ptr_array_index (rp->storms, i);
      g_string_append (o, "<tr><td>");
      wire_code (o, s->server);
      g_string_append (o, "</td><td>");
      local_time (o, s->first_us, "%Y-%m-%d %H:%M:%S");
      g_string_append (o, " \xE2\x80\x93 ");
      local_time (o, s->last_us, "%H:%M:%S %Z");
      g_string_append (o, "</td><td class=\"num\">");
      duration (o, s->last_us - s->first_us);
      g_string_append (o, "</td><td class=\"num\">");
      num (o, s->count);
      g_string_append (o, "</td><td>");
      g_autoptr (GList) codes = g_list_sort (g_hash_table_get_keys (s->codes), (GCompareFunc) strcmp);
      for (GList *l = codes; l; l = l->next)
        {
          g_string_append_printf (o, "<span class=\"legend\"><span><i style=\"background:%s\"></i>",
                                  ws_html_series_colour (l->data));
          wire (o, l->data);
          g_string_append (o, " \xC3\x97");
          num (o, hcount (s->codes, l->data));
          g_string_append (o, "</span></span> ");
        }
      g_string_append_printf (o, "</td><td>%s</td></tr>\n",
                              s->restart ? _("restart or deploy") : "");
    }
  g_string_append_printf (o, "</tbody></table><p class=\"note\">%s</p></section>\n",
                          _("Connections one server closed within a short time, far more than "
                            "its usual rate: a restart, a deploy or a crash. Look at that "
                            "server's deploy and process logs for the window."));
}

static void
section_tls (GString *o, const ws_report *rp)
{
  uint64_t seen = rp->skipped.tls + rp->tls_records;
  if (seen == 0)
    return;
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"tls\"><h2>%s</h2>\n",
                          _("TLS (wss)"));
  g_autofree char *a = num_str (seen), *b = num_str (rp->tls_decrypted);
  g_string_append (o, "<p>");
  g_string_append_printf (o, _("TLS connections: %s; decrypted (with a key log) and explained with "
                               "the WebSocket connections above: %s."), a, b);
  if (rp->tls_kind)
    {
      g_autofree char *c = num_str (rp->tls_kind);
      g_string_append (o, " ");
      g_string_append_printf (o, _("Not decrypted: %s (counted here, not as WebSocket "
                                   "connections)."), c);
    }
  if (rp->skipped.tls)
    {
      g_autofree char *c = num_str (rp->skipped.tls);
      g_string_append (o, " ");
      g_string_append_printf (o, _("Read from captures without a key log (--keylog): %s; their "
                                   "content was not seen (counted here, not as WebSocket "
                                   "connections)."), c);
    }
  g_string_append (o, "</p>\n");
  if (g_hash_table_size (rp->tls_by_server))
    {
      g_autoptr (GList) vals = g_hash_table_get_values (rp->tls_by_server);
      g_string_append_printf (o, "<table><thead><tr><th>%s</th><th>%s</th><th class=\"num\">%s</th>"
                              "<th class=\"num\">%s</th></tr></thead><tbody>\n",
                              _("SNI"), _("server"), _("connections"), _("decrypted"));
      guint shown = 0;
      /* largest first, ties by SNI and server */
      GPtrArray *rows = g_ptr_array_new ();
      for (GList *l = vals; l; l = l->next)
        g_ptr_array_add (rows, l->data);
      for (guint i = 1; i < rows->len; i++)
        for (guint j = i; j > 0; j--)
          {
            ws_report_tls *x = g_ptr_array_index (rows, j - 1), *y = g_ptr_array_index (rows, j);
            int c = x->count != y->count ? (x->count < y->count ? 1 : -1)
                  : g_strcmp0 (x->sni, y->sni) ? g_strcmp0 (x->sni, y->sni)
                  : strcmp (x->server, y->server);
            if (c <= 0)
              break;
            rows->pdata[j - 1] = y;
            rows->pdata[j] = x;
          }
      for (guint i = 0; i < rows->len && shown < 20; i++, shown++)
        {
          const ws_report_tls *t = g_ptr_array_index (rows, i);
          g_string_append (o, "<tr><td>");
          if (t->sni)
            wire_code (o, t->sni);
          else
            g_string_append_printf (o, "<i>%s</i>", _("no SNI"));
          g_string_append (o, "</td><td>");
          wire_code (o, t->server);
          g_string_append (o, "</td><td class=\"num\">");
          num (o, t->count);
          g_string_append (o, "</td><td class=\"num\">");
          num (o, t->decrypted);
          g_string_append (o, "</td></tr>\n");
        }
      g_ptr_array_unref (rows);
      g_string_append (o, "</tbody></table>\n");
    }
  if (g_hash_table_size (rp->tls_reasons))
    {
      g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (rp->tls_reasons),
                                            (GCompareFunc) strcmp);
      g_string_append_printf (o, "<p class=\"note\">%s ", _("Not decrypted, why:"));
      for (GList *l = keys; l; l = l->next)
        {
          wire_code (o, l->data);
          g_string_append (o, " \xC3\x97");
          num (o, hcount (rp->tls_reasons, l->data));
          g_string_append (o, l->next ? ", " : ".");
        }
      g_string_append (o, "</p>\n");
    }
  g_string_append (o, "</section>\n");
}

static void
skipped_row (GString *o, const char *what, uint64_t n)
{
  g_string_append_printf (o, "<tr><td>%s</td><td class=\"num\">", what);
  num (o, n);
  g_string_append (o, "</td></tr>\n");
}

static void
section_skipped (GString *o, const ws_report *rp)
{
  const ws_report_skipped *s = &rp->skipped;
  if (!s->known)
    return;
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"skipped\"><h2>%s</h2>\n",
                          _("Traffic skipped"));
  uint64_t named = s->no_upgrade + s->midstream + s->other_upgrades;
  g_string_append_printf (o, "<p class=\"note\">%s</p><table><tbody>\n",
                          _("TCP connections in the captures that are not in the charts above, "
                            "so that nothing goes missing unseen."));
  skipped_row (o, _("TCP connections seen"), s->tcp);
  skipped_row (o, _("TLS connections (see TLS)"), s->tls);
  skipped_row (o, _("upgrades to other protocols (h2c, ...)"), s->other_upgrades);
  skipped_row (o, _("HTTP without an upgrade request"), s->no_upgrade);
  skipped_row (o, _("seen mid-stream, not WebSocket frames"), s->midstream);
  skipped_row (o, _("other TCP"), s->other_tcp > named ? s->other_tcp - named : 0);
  g_string_append (o, "</tbody></table></section>\n");
}

static void
endpoint (GString *o, const char *ip, unsigned port)
{
  g_autofree char *e = ws_report_endpoint (ip, port);
  wire_code (o, e);
}

static const char *
side_name (ws_side s)
{
  return s == WS_SIDE_CLIENT ? _("the client") : s == WS_SIDE_SERVER ? _("the server") : "?";
}

/* The line under a connection's title: when, who, where, how it ended. */
static void
card_meta (GString *o, const ws_report_rec *r)
{
  g_string_append (o, "<div class=\"meta\">");
  if (r->end_us)
    local_time (o, r->end_us, "%Y-%m-%d %H:%M:%S %Z");
  g_string_append (o, " \xC2\xB7 ");
  endpoint (o, r->client_ip, r->client_port);
  g_string_append (o, " \xE2\x86\x92 ");
  endpoint (o, r->server_ip, r->server_port);
  if (r->host || r->path)
    {
      g_autofree char *hp = g_strconcat (r->host ? r->host : "", r->path ? r->path : "", NULL);
      g_string_append (o, " \xC2\xB7 ");
      wire_code (o, hp);
    }
  if (r->close_reason)
    {
      g_string_append_printf (o, " \xC2\xB7 %s ", _("reason"));
      wire_code (o, r->close_reason);
    }
  if (r->close_initiator != WS_SIDE_NONE)
    g_string_append_printf (o, " \xC2\xB7 %s", r->close_initiator == WS_SIDE_CLIENT
                            ? _("closed by the client") : _("closed by the server"));
  g_string_append (o, " \xC2\xB7 TCP ");
  wire (o, ws_tcp_end_name (r->tcp_end));
  if (r->tcp_end_by != WS_SIDE_NONE)
    g_string_append_printf (o, " (%s)", side_name (r->tcp_end_by));
  if (r->idle_us >= 0 && r->close_code == 1006)
    {
      g_string_append_printf (o, " \xC2\xB7 %s ", _("idle"));
      duration (o, r->idle_us);
    }
  g_string_append (o, "</div>\n");
}

static void
card_evidence (GString *o, const ws_report_rec *r)
{
  if (r->evidence->len == 0)
    return;
  g_string_append (o, "<ul>");
  for (guint e = 0; e < r->evidence->len; e++)
    {
      const ws_report_evidence *ev = g_ptr_array_index (r->evidence, e);
      g_string_append (o, "<li>");
      if (ev->ts_us)
        {
          GString *t = g_string_new (NULL);
          local_time (t, ev->ts_us, "%H:%M:%S");
          /* the microseconds inside the same isolate (nothing when the
           * time is out of any calendar's range) */
          if (g_str_has_suffix (t->str, "</bdi>"))
            {
              g_string_truncate (t, t->len - strlen ("</bdi>"));
              g_string_append_printf (t, ".%06" PRId64 "</bdi> ",
                                      ev->ts_us - ws_report_seconds (ev->ts_us) * G_USEC_PER_SEC);
            }
          g_string_append_len (o, t->str, (gssize) t->len);
          g_string_free (t, TRUE);
        }
      /* evidence quotes the wire (paths, reasons): keep it in one isolate */
      g_string_append (o, "<bdi>");
      esc (o, ev->text);
      g_string_append (o, "</bdi></li>");
    }
  g_string_append (o, "</ul>\n");
}

static void
card_title (GString *o, const ws_report_rec *r)
{
  char code[16];
  ws_report_code_key (r->close_code, code);
  g_string_append (o, "<h3>");
  if (r->handshake_failed && r->handshake_status >= 0 && r->handshake_status != 101)
    {
      char st[16];
      g_snprintf (st, sizeof st, "%d", r->handshake_status);
      g_string_append_printf (o, "%s ", _("handshake rejected, HTTP"));
      wire (o, st);
    }
  else
    {
      wire (o, code);
      if (r->close_code >= 0)
        {
          g_string_append (o, " ");
          esc (o, _(ws_code_lookup (r->close_code)->name));
        }
    }
  if (r->cause_confidence)
    {
      const char *c = r->cause_confidence;
      g_string_append_printf (o, " \xC2\xB7 <span class=\"meta\">%s</span>",
                              !strcmp (c, "high") ? _("high confidence")
                              : !strcmp (c, "medium") ? _("medium confidence")
                              : _("low confidence"));
    }
  g_string_append (o, "</h3>");
}

/* The top connections grouped by cause, the groups in the order of their
 * best-ranked connection; one fix a group. */
static void
section_top (GString *o, const ws_report *rp)
{
  g_string_append_printf (o, "<section id=\"top\"><h2>%s</h2>\n", _("Connections that matter most"));
  if (rp->top->len == 0)
    {
      g_string_append_printf (o, "<p class=\"empty\">%s</p></section>\n", _("No abnormal closes."));
      return;
    }
  g_string_append_printf (o, "<p class=\"note\">%s</p>\n",
                          _("Abnormal closes and failed handshakes, grouped by cause; the groups "
                            "and the connections in them ranked by how little the applications "
                            "were told (1006 first) and how sure the diagnosis is."));
  g_autoptr (GPtrArray) causes = g_ptr_array_new ();
  for (guint i = 0; i < rp->top->len; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      const char *id = r->cause_id ? r->cause_id : "none";
      bool seen = false;
      for (guint j = 0; j < causes->len && !seen; j++)
        seen = !strcmp (g_ptr_array_index (causes, j), id);
      if (!seen)
        g_ptr_array_add (causes, (gpointer) id);
    }
  for (guint g = 0; g < causes->len; g++)
    {
      const char *id = g_ptr_array_index (causes, g);
      const ws_report_rec *first = NULL;
      uint64_t n = 0;
      for (guint i = 0; i < rp->top->len; i++)
        {
          const ws_report_rec *r = g_ptr_array_index (rp->top, i);
          if (!strcmp (r->cause_id ? r->cause_id : "none", id))
            {
              if (!first)
                first = r;
              n++;
            }
        }
      const ws_report_count *all = g_hash_table_lookup (rp->by_cause, id);
      const ws_cause_info *ci = ws_cause_info_lookup (id);
      g_string_append_printf (o, "<details class=\"cause\" style=\"--c:%s\"%s><summary>",
                              ws_html_series_colour (id), g == 0 ? " open" : "");
      esc (o, ci ? _(ci->title) : _("no cause found"));
      g_string_append (o, " ");
      wire_code (o, id);
      g_autofree char *shown = num_str (n);
      g_autofree char *total = num_str (all ? all->abnormal : n);
      g_string_append (o, " <span class=\"n\">");
      g_string_append_printf (o, _("%s of %s abnormal"), shown, total);
      g_string_append (o, "</span></summary>\n");
      const char *fix = first->cause_fix ? first->cause_fix : ci ? _(ci->fix) : NULL;
      if (fix)
        {
          g_string_append_printf (o, "<div class=\"fix\"><b>%s</b> ", _("Fix:"));
          esc (o, fix);
          g_string_append (o, "</div>\n");
        }
      for (guint i = 0; i < rp->top->len; i++)
        {
          const ws_report_rec *r = g_ptr_array_index (rp->top, i);
          if (strcmp (r->cause_id ? r->cause_id : "none", id))
            continue;
          g_string_append (o, "<div class=\"conn\">");
          card_title (o, r);
          card_meta (o, r);
          if (r->cause_summary)
            {
              g_string_append (o, "<p>");
              esc (o, r->cause_summary);
              g_string_append (o, "</p>\n");
            }
          card_evidence (o, r);
          g_string_append (o, "</div>\n");
        }
      g_string_append (o, "</details>\n");
    }
  g_string_append (o, "</section>\n");
}

void
ws_html_page (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  const char *lang = ws_i18n_language ();
  bool rtl = ws_i18n_rtl ();
  nf = !strcmp (lang, "ar") ? NF_AR : !strncmp (lang, "pt", 2) ? NF_PT : NF_EN;
  char htmllang[8];
  g_strlcpy (htmllang, lang, sizeof htmllang);
  for (char *p = htmllang; *p; p++)
    if (*p == '_')
      *p = '-';
  g_string_append_printf (o, "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\"><head>"
                          "<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                          "<title>%s \xE2\x80\x94 ", htmllang, rtl ? "rtl" : "ltr",
                          _("WebSocket closes"));
  esc (o, label);
  g_string_append_printf (o, "</title>\n<style>%s</style></head><body>\n<header><h1>%s \xE2\x80\x94 ",
                          css, _("WebSocket closes"));
  wire (o, label);
  g_string_append (o, "</h1><p class=\"sub\">");
  if (rp->first_us)
    {
      local_time (o, rp->first_us, "%Y-%m-%d %H:%M");
      g_string_append (o, " \xE2\x80\x93 ");
      local_time (o, MAX (rp->last_us, rp->first_us), "%Y-%m-%d %H:%M %Z");
    }
  else
    g_string_append (o, _("No WebSocket connections in the input."));
  g_string_append (o, "</p></header>\n<div class=\"tiles\">");
  tile (o, _("connections"), rp->connections, false);
  tile (o, _("abnormal closes"), rp->abnormal_closes, true);
  tile (o, _("handshake failures"), rp->handshake_failures, true);
  tile (o, _("still open at the end"), rp->still_open, false);
  g_string_append (o, "</div>\n");
  section_changes (o, cmp);
  chart_time (o, rp, false, "chart-codes", _("Closes over time by close code"));
  chart_time (o, rp, true, "chart-causes", _("Closes over time by cause"));
  section_storms (o, rp);
  g_string_append (o, "<div class=\"grid3\">\n");
  chart_hbars (o, rp->by_server, true, "chart-servers", _("Servers by abnormal closes"),
               _("No abnormal closes."));
  chart_hbars (o, rp->by_host, true, "chart-hosts", _("Hosts by abnormal closes"),
               _("No abnormal closes."));
  chart_hbars (o, rp->by_route, true, "chart-paths", _("Routes by abnormal closes"),
               _("No abnormal closes."));
  g_string_append (o, "</div>\n<div class=\"grid2\">\n");
  chart_idle (o, rp);
  chart_hbars (o, rp->hs_fail, false, "chart-handshake", _("Handshake failures"),
               _("No failed handshakes."));
  g_string_append (o, "</div>\n");
  section_top (o, rp);
  section_tls (o, rp);
  section_skipped (o, rp);
  g_string_append_printf (o, "<footer>wsclosed " PACKAGE_VERSION " \xC2\xB7 %s \xC2\xB7 %s</footer>\n"
                          "</body></html>\n",
                          _("abnormal = a close code other than 1000, 1001 and 1005, or a failed "
                            "handshake"),
                          _("wsclosed --explain CODE tells more about a code or a cause."));
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
