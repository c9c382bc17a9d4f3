/* html-bars.c - bar charts in HTML (servers, Hosts and routes by abnormal
 * closes, handshake failures, idle time before 1006): labels ellipsised in
 * their column, values never cut.
 */
#include "config.h"

#include <math.h>

#include "html-internal.h"
#include "html.h"
#include "i18n.h"

static void
hbar_row (GString *o, const char *key, bool key_is_wire, uint64_t val, uint64_t of,
          uint64_t maxv, const char *colour)
{
  /* a wire label is left to right as a whole, so that its ellipsis cuts
   * its end (a path's query, not its start) in a right-to-left page too */
  g_string_append_printf (o, "<div class=\"hb\"><span class=\"k%s\"%s title=\"",
                          key_is_wire ? " w" : "", key_is_wire ? " dir=\"ltr\"" : "");
  ws_html_escape (o, key);
  g_string_append (o, "\">");
  if (key_is_wire)
    html_wire (o, key);
  else
    ws_html_escape (o, key);
  g_string_append_printf (o, "</span><span class=\"b\"><i style=\"inline-size:%.1f%%;background:%s\">"
                          "</i></span><span class=\"v\">",
                          maxv ? MAX (100.0 * (double) val / (double) maxv, 0.5) : 0.0, colour);
  if (of)
    {
      g_autofree char *a = html_num_str (val), *b = html_num_str (of);
      /* TRANSLATORS: "62 of 380": abnormal closes of all connections */
      g_string_append_printf (o, _("%s of %s"), a, b);
    }
  else
    html_num (o, val);
  g_string_append (o, "</span></div>\n");
}

/* The 10 largest of a table (by abnormal count when abnormal). */
void
html_chart_hbars (GString *o, GHashTable *h, bool abnormal, const char *id, const char *title,
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
      g_autofree char *more = html_num_str (keys->len - n);
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

void
html_chart_idle (GString *o, const ws_report *rp)
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
          g_autofree char *ts = html_num_str ((uint64_t) t);
          g_string_append_printf (lab, _("\xE2\x89\x88 %s s"), ts);
        }
      else
        {
          g_autofree char *a = i ? html_num_str ((uint64_t) ws_report_lb_edges[i - 1]) : NULL;
          g_autofree char *b = i < WS_REPORT_LB_BINS - 1
                               ? html_num_str ((uint64_t) ceil (ws_report_lb_edges[i])) : NULL;
          if (!a)
            g_string_append_printf (lab, _("under %s s"), b);
          else if (!b)
            g_string_append_printf (lab, _("over %s s"), a);
          else
            g_string_append_printf (lab, _("%s to %s s"), a, b);
        }
      g_string_append (o, "<div class=\"hb\"><span class=\"k\" title=\"");
      ws_html_escape (o, lab->str);
      g_string_append (o, "\">");
      ws_html_escape (o, lab->str);
      g_string_append_printf (o, "</span><span class=\"b\"><i style=\"inline-size:%.1f%%;background:%s\">"
                              "</i></span><span class=\"v\">",
                              maxv && n ? MAX (100.0 * (double) n / (double) maxv, 0.5) : 0.0,
                              unknown ? OTHER_COLOUR : t ? "#fb8c00" : "#ffcc80");
      html_num (o, n);
      g_string_append (o, "</span>");
      /* every row has its four cells: the grid's columns stay aligned */
      const char *hint = timeout_hint (t);
      g_string_append (o, "<span class=\"h\">");
      if (hint)
        ws_html_escape (o, _(hint));
      g_string_append (o, "</span></div>\n");
      g_string_free (lab, TRUE);
    }
  g_string_append_printf (o, "</div>\n<p class=\"note\">%s</p></section>\n",
                          _("Time from the last frame (or the 101) to the end of connections "
                            "that closed without a close frame. Many at the same idle time "
                            "point to a proxy or load-balancer timeout: the usual defaults have "
                            "bins of their own."));
}
