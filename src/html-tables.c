/* html-tables.c - the page's tables: what changed since earlier runs (from
 * the history), close storms, TLS, and the traffic that was skipped.
 */
#include "config.h"

#include <string.h>

#include "html-internal.h"
#include "html.h"
#include "i18n.h"

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
    html_pct (o, v / conns);
  else if (as_rate)
    g_string_append (o, "\xE2\x80\x94");
  else
    html_num1 (o, v);
  g_string_append (o, "</td>");
}

void
html_section_changes (GString *o, const ws_history_cmp *cmp)
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
  html_wire (prev, cmp->prev_label);
  g_string_append (prev, "</b>");
  g_autofree char *n = html_num_str ((uint64_t) cmp->n_prev);
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
        html_code (o, d->key);
      if (d->is_new)
        g_string_append_printf (o, " <span class=\"new\">%s</span>", _("new"));
      g_string_append_printf (o, "</td><td class=\"num %s\">", cls);
      if (as_rate)
        html_pct (o, now_r);
      else
        html_num (o, (uint64_t) MAX (d->now, 0));
      g_string_append_printf (o, " %s <span class=\"same\">(", up ? "\xE2\x96\xB2" : down ? "\xE2\x96\xBC" : "");
      html_num (o, (uint64_t) MAX (d->now, 0));
      g_string_append (o, ")</span></td>");
      rate_cell (o, (double) d->prev, (double) cmp->conns_prev, as_rate, NULL);
      rate_cell (o, d->avg, cmp->conns_avg, as_rate, NULL);
      g_string_append (o, "</tr>\n");
    }
  g_string_append (o, "</tbody></table></section>\n");
}

void
html_section_storms (GString *o, const ws_report *rp)
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
      html_code (o, s->server);
      g_string_append (o, "</td><td>");
      html_time (o, s->first_us, "%Y-%m-%d %H:%M:%S");
      g_string_append (o, " \xE2\x80\x93 ");
      html_time (o, s->last_us, "%H:%M:%S %Z");
      g_string_append (o, "</td><td class=\"num\">");
      html_duration (o, s->last_us - s->first_us);
      g_string_append (o, "</td><td class=\"num\">");
      html_num (o, s->count);
      g_string_append (o, "</td><td>");
      g_autoptr (GList) codes = g_list_sort (g_hash_table_get_keys (s->codes), (GCompareFunc) strcmp);
      for (GList *l = codes; l; l = l->next)
        {
          g_string_append_printf (o, "<span class=\"legend\"><span><i style=\"background:%s\"></i>",
                                  ws_html_series_colour (l->data));
          html_wire (o, l->data);
          g_string_append (o, " \xC3\x97");
          html_num (o, html_count (s->codes, l->data));
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

void
html_section_tls (GString *o, const ws_report *rp)
{
  uint64_t seen = rp->skipped.tls + rp->tls_records;
  if (seen == 0)
    return;
  g_string_append_printf (o, "<section class=\"chart-box\" id=\"tls\"><h2>%s</h2>\n",
                          _("TLS (wss)"));
  g_autofree char *a = html_num_str (seen), *b = html_num_str (rp->tls_decrypted);
  g_string_append (o, "<p>");
  g_string_append_printf (o, _("TLS connections: %s; decrypted (with a key log) and explained with "
                               "the WebSocket connections above: %s."), a, b);
  if (rp->tls_kind)
    {
      g_autofree char *c = html_num_str (rp->tls_kind);
      g_string_append (o, " ");
      g_string_append_printf (o, _("Not decrypted: %s (counted here, not as WebSocket "
                                   "connections)."), c);
    }
  if (rp->skipped.tls)
    {
      g_autofree char *c = html_num_str (rp->skipped.tls);
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
            html_code (o, t->sni);
          else
            g_string_append_printf (o, "<i>%s</i>", _("no SNI"));
          g_string_append (o, "</td><td>");
          html_code (o, t->server);
          g_string_append (o, "</td><td class=\"num\">");
          html_num (o, t->count);
          g_string_append (o, "</td><td class=\"num\">");
          html_num (o, t->decrypted);
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
          html_code (o, l->data);
          g_string_append (o, " \xC3\x97");
          html_num (o, html_count (rp->tls_reasons, l->data));
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
  html_num (o, n);
  g_string_append (o, "</td></tr>\n");
}

void
html_section_skipped (GString *o, const ws_report *rp)
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
