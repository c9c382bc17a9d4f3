/* report-summary.c - the report on standard output: a text summary for a
 * person or one JSON object for a program (doc/report-schema.md), from the
 * night (report-model.h) and its comparison with earlier nights.  The HTML
 * page is html.c.  Strings from the wire are shown through ws_text_safe
 * (text) or ws_json_string (JSON).
 *
 * The text summary is the reader's (i18n.h): its labels and sentences
 * through _(), columns padded in display cells, counts grouped as the
 * locale groups them, the causes' summaries and fixes in the reader's
 * language (ws_report_rec_fix_text), and in a right-to-left language the
 * wire values (servers, hosts, paths, reasons) isolated (U+2068 ..
 * U+2069).  The JSON summary is a contract: the same in every locale.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "closecodes.h"
#include "output.h"
#include "report-summary.h"
#include "i18n.h"

/* Wire values isolated: the text is right-to-left (the language is the
 * process's, set once by main). */
static bool
isolating (void)
{
  return ws_i18n_translating && ws_i18n_rtl ();
}


static void
text_safe (GString *o, const char *s)
{
  if (s)
    ws_text_safe (o, s, strlen (s));
}

/* Append s, a value from the wire, made safe and isolated when the text is
 * right-to-left. */
static void
wire_safe (GString *o, const char *s)
{
  if (!s)
    return;
  bool iso = isolating ();
  if (iso)
    g_string_append (o, WS_FSI);
  ws_text_safe (o, s, strlen (s));
  if (iso)
    g_string_append (o, WS_PDI);
}

/* Append s padded with spaces to width display cells. */
static void
pad_cells (GString *o, const char *s, size_t width)
{
  size_t w = ws_i18n_width (s, strlen (s));
  g_string_append (o, s);
  for (; w < width; w++)
    g_string_append_c (o, ' ');
}

static void
local_time (GString *o, int64_t ts_us, const char *fmt)
{
  GDateTime *dt = g_date_time_new_from_unix_local (ws_report_seconds (ts_us));
  if (!dt)
    {
      g_string_append (o, "?");
      return;
    }
  g_autofree char *s = g_date_time_format (dt, fmt);
  g_string_append (o, s ? s : "?");
  g_date_time_unref (dt);
}

/* A table of counts; wire: its keys are wire values (servers, hosts,
 * routes). */
static void
text_table (GString *o, const char *title, GHashTable *h, bool abnormal, guint limit, bool wire)
{
  g_autoptr (GPtrArray) keys = ws_report_sorted_keys (h, abnormal);
  if (keys->len == 0)
    return;
  g_string_append_printf (o, "\n%s:\n", title);
  for (guint i = 0; i < keys->len && i < limit; i++)
    {
      const char *k = g_ptr_array_index (keys, i);
      const ws_report_count *c = g_hash_table_lookup (h, k);
      g_string_append (o, "  ");
      GString *cell = g_string_new (NULL);
      if (wire)
        wire_safe (cell, k);
      else
        text_safe (cell, k);
      pad_cells (o, cell->str, 40);
      g_string_free (cell, TRUE);
      if (abnormal)
        /* TRANSLATORS: a row of a table of the report: "    12 abnormal of 40" */
        g_string_append_printf (o, _(" %'6" PRIu64 " abnormal of %'" PRIu64 "\n"), c->abnormal,
                                c->count);
      else
        g_string_append_printf (o, " %'6" PRIu64 "\n", c->count);
    }
  if (keys->len > limit)
    g_string_append_printf (o, _("  ... and %u more\n"), keys->len - limit);
}

static const char *
code_name (const char *key)
{
  char *end;
  long code = strtol (key, &end, 10);
  if (*end || end == key)
    return _("still open");
  /* the name as --explain gives it in the reader's language */
  return _(ws_code_lookup ((int) code)->name);
}

static void
text_delta (GString *o, const ws_history_delta *d)
{
  g_string_append (o, "  ");
  GString *k = g_string_new (NULL);
  /* the dimension of the history (a contract word: code, cause, server) */
  pad_cells (o, d->dim, 8);
  g_string_append_c (o, ' ');
  if (strcmp (d->dim, "server") == 0)
    wire_safe (k, d->key);
  else
    text_safe (k, d->key);
  pad_cells (o, k->str, 32);
  g_string_append_printf (o, " %'6" PRId64, d->now);
  /* TRANSLATORS: after a count of this run, the previous run's and the
   * average of the earlier runs */
  g_string_append_printf (o, _("  (previous %'" PRId64 ", average %.1f)"), d->prev, d->avg);
  /* TRANSLATORS: marks a key not seen in earlier runs */
  g_string_append (o, d->is_new ? _("  NEW") : "");
  g_string_append_c (o, '\n');
  g_string_free (k, TRUE);
}

static void
text_idle (GString *o, const ws_report *rp)
{
  uint64_t idle_total = rp->idle_unknown;
  for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
    idle_total += rp->idle_bins[i];
  if (idle_total)
    {
      g_string_append (o, _("\nIdle time before 1006 closes:\n"));
      for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
        if (rp->idle_bins[i])
          g_string_append_printf (o, "  %-10s %'6" PRIu64 "\n", ws_report_idle_label (i),
                                  rp->idle_bins[i]);
      if (rp->idle_unknown)
        {
          g_string_append (o, "  ");
          /* TRANSLATORS: an idle time that could not be measured */
          pad_cells (o, C_ ("idle", "unknown"), 10);
          g_string_append_printf (o, " %'6" PRIu64 "\n", rp->idle_unknown);
        }
    }
}

static void
text_storms (GString *o, const ws_report *rp)
{
  if (rp->storms->len)
    g_string_append (o, _("\nClose storms:\n"));
  for (guint i = 0; i < rp->storms->len; i++)
    {
      const ws_report_storm *s = g_ptr_array_index (rp->storms, i);
      g_string_append (o, "  ");
      wire_safe (o, s->server);
      g_string_append (o, "  ");
      local_time (o, s->first_us, "%Y-%m-%d %H:%M:%S");
      /* TRANSLATORS: between two times: "2026-11-23 21:50:04 to 21:50:05" */
      g_string_append (o, _(" to "));
      local_time (o, s->last_us, "%H:%M:%S");
      /* TRANSLATORS: the number of connections of a close storm */
      g_string_append_printf (o, _("  %'" PRIu64 " connections"), s->count);
      g_string_append (o, s->restart ? _("  (restart or deploy)") : "");
      g_string_append_c (o, '\n');
    }
}

static void
text_top (GString *o, const ws_report *rp)
{
  bool iso = isolating ();
  if (rp->top->len)
    g_string_append (o, _("\nConnections that matter most:\n"));
  for (guint i = 0; i < rp->top->len && i < 10; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      char code[16];
      ws_report_code_key (r->close_code, code);
      g_autofree char *cl = ws_report_endpoint (r->client_ip, r->client_port);
      g_autofree char *sv = ws_report_endpoint (r->server_ip, r->server_port);
      g_string_append_printf (o, "%3u. ", i + 1);
      if (r->end_us)
        local_time (o, r->end_us, "%H:%M:%S");
      g_string_append (o, " ");
      if (iso)
        g_string_append (o, WS_FSI);
      text_safe (o, cl);
      g_string_append (o, " -> ");
      text_safe (o, sv);
      if (iso)
        g_string_append (o, WS_PDI);
      g_string_append (o, " ");
      wire_safe (o, r->path);
      g_string_append_printf (o, "  %s %s", code, r->cause_id ? r->cause_id : "-");
      if (r->close_reason)
        {
          g_string_append (o, " ");
          if (iso)
            g_string_append (o, WS_FSI);
          g_string_append (o, "\"");
          text_safe (o, r->close_reason);
          g_string_append (o, "\"");
          if (iso)
            g_string_append (o, WS_PDI);
        }
      g_string_append (o, "\n");
      const char *fix = ws_report_rec_fix_text (r);
      if (fix)
        {
          g_string_append (o, "     ");
          /* TRANSLATORS: the label of a fix under a connection */
          g_string_append (o, _("fix:"));
          g_string_append_c (o, ' ');
          text_safe (o, fix);
          g_string_append (o, "\n");
        }
    }
}

static void
text_compare (GString *o, const ws_history_cmp *cmp)
{
  if (!cmp->prev_label)
    g_string_append (o, _("\nHistory: no earlier run to compare with.\n"));
  else
    {
      g_autoptr (GString) prev = g_string_new (NULL);
      wire_safe (prev, cmp->prev_label);
      g_string_append_c (o, '\n');
      /* TRANSLATORS: %s is the label of the previous run (a date or a
       * name given with --label) */
      g_string_append_printf (o, ws_ngettext ("Compared with %s and the average of %d earlier run:\n",
                                              "Compared with %s and the average of %d earlier runs:\n",
                                              (unsigned long) cmp->n_prev),
                              prev->str, cmp->n_prev);
      if (cmp->deltas->len == 0)
        g_string_append (o, _("  no change\n"));
      for (guint i = 0; i < cmp->deltas->len && i < 20; i++)
        text_delta (o, g_ptr_array_index (cmp->deltas, i));
    }
}

void
ws_report_text_summary (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  /* counts grouped as the reader's locale groups them (text only) */
  ws_i18n_numbers num = ws_i18n_numbers_begin ();
  g_string_append (o, "wsclosed report");
  if (label)
    {
      g_string_append (o, " ");
      wire_safe (o, label);
    }
  g_string_append_printf (o, _(": %'" PRIu64 " WebSocket connections"), rp->connections);
  if (rp->first_us)
    {
      g_string_append (o, C_ ("list", ", "));
      local_time (o, rp->first_us, "%Y-%m-%d %H:%M");
      g_string_append (o, _(" to "));
      local_time (o, MAX (rp->last_us, rp->first_us), "%Y-%m-%d %H:%M %Z");
    }
  /* abnormal closes apart from failed handshakes: each counted once */
  g_string_append_printf (o, _("\n  abnormal closes: %'" PRIu64 "   handshake failures: %'" PRIu64
                               "   still open: %'" PRIu64 "\n"),
                          rp->abnormal_closes, rp->handshake_failures, rp->still_open);
  if (rp->tls_records || rp->skipped.tls)
    g_string_append_printf (o, _("  TLS connections: %'" PRIu64 " (%'" PRIu64 " decrypted; the others "
                                 "are not counted as WebSocket connections)\n"),
                            rp->tls_records + rp->skipped.tls, rp->tls_decrypted);

  g_autoptr (GPtrArray) codes = ws_report_sorted_keys (rp->by_code, false);
  if (codes->len)
    g_string_append (o, _("\nBy close code:\n"));
  for (guint i = 0; i < codes->len; i++)
    {
      const char *k = g_ptr_array_index (codes, i);
      const ws_report_count *c = g_hash_table_lookup (rp->by_code, k);
      g_string_append_printf (o, "  %-5s ", k);
      /* a translated name widens the column rather than break it; the
       * English one is 34 wide */
      size_t w = 34;
      if (ws_i18n_translating)
        for (guint j = 0; j < codes->len; j++)
          {
            const char *n = code_name (g_ptr_array_index (codes, j));
            w = MAX (w, ws_i18n_width (n, strlen (n)));
          }
      pad_cells (o, code_name (k), w);
      g_string_append_printf (o, " %'6" PRIu64 "\n", c->count);
    }
  text_table (o, _("By cause"), rp->by_cause, false, 30, false);
  text_table (o, _("Servers by abnormal closes"), rp->by_server, true, 10, true);
  text_table (o, _("Hosts by abnormal closes"), rp->by_host, true, 10, true);
  text_table (o, _("Routes (paths without query) by abnormal closes"), rp->by_route, true, 10, true);
  text_table (o, _("Handshake failures"), rp->hs_fail, false, 10, false);

  text_idle (o, rp);
  text_storms (o, rp);
  text_top (o, rp);
  if (cmp)
    text_compare (o, cmp);
  ws_i18n_numbers_end (&num);
}

static void
json_key (GString *o, const char *k)
{
  char last = o->len ? o->str[o->len - 1] : '{';
  if (last != '{' && last != '[')
    g_string_append_c (o, ',');
  ws_json_string (o, k, strlen (k));
  g_string_append_c (o, ':');
}

static void
json_str (GString *o, const char *k, const char *v)
{
  json_key (o, k);
  ws_json_string (o, v, v ? strlen (v) : 0);
}

static void
json_ts (GString *o, const char *k, int64_t ts)
{
  json_key (o, k);
  if (ts)
    ws_ts_append (o, ts);
  else
    g_string_append (o, "null");
}

static void
json_counts (GString *o, const char *name, GHashTable *h, bool abnormal)
{
  json_key (o, name);
  g_string_append_c (o, '{');
  g_autoptr (GPtrArray) keys = ws_report_sorted_keys (h, abnormal);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *k = g_ptr_array_index (keys, i);
      const ws_report_count *c = g_hash_table_lookup (h, k);
      json_key (o, k);
      g_string_append_printf (o, "{\"count\":%" PRIu64 ",\"abnormal\":%" PRIu64 "}", c->count,
                              c->abnormal);
    }
  g_string_append_c (o, '}');
}

static void
json_top (GString *o, const ws_report *rp)
{
  json_key (o, "top");
  g_string_append_c (o, '[');
  for (guint i = 0; i < rp->top->len; i++)
    {
      const ws_report_rec *r = g_ptr_array_index (rp->top, i);
      if (i)
        g_string_append_c (o, ',');
      g_string_append_c (o, '{');
      json_str (o, "client_ip", r->client_ip);
      json_key (o, "client_port");
      g_string_append_printf (o, "%u", r->client_port);
      json_str (o, "server_ip", r->server_ip);
      json_key (o, "server_port");
      g_string_append_printf (o, "%u", r->server_port);
      json_str (o, "host", r->host);
      json_str (o, "path", r->path);
      json_ts (o, "start_ts", r->start_us);
      json_ts (o, "end_ts", r->end_us);
      json_key (o, "close_code");
      if (r->close_code >= 0)
        g_string_append_printf (o, "%d", r->close_code);
      else
        g_string_append (o, "null");
      json_str (o, "close_reason", r->close_reason);
      json_str (o, "cause", r->cause_id);
      json_str (o, "summary", r->cause_summary);
      json_str (o, "fix", r->cause_fix);
      json_str (o, "confidence", r->cause_confidence);
      json_key (o, "score");
      g_string_append_printf (o, "%d", ws_report_rec_score (r));
      g_string_append_c (o, '}');
    }
  g_string_append_c (o, ']');
}

static void
json_compare (GString *o, const ws_history_cmp *cmp)
{
  json_key (o, "compare");
  if (!cmp)
    g_string_append (o, "null");
  else
    {
      g_string_append_c (o, '{');
      json_str (o, "previous", cmp->prev_label);
      json_key (o, "runs_averaged");
      g_string_append_printf (o, "%d", cmp->n_prev);
      json_key (o, "changes");
      g_string_append_c (o, '[');
      for (guint i = 0; i < cmp->deltas->len; i++)
        {
          const ws_history_delta *d = g_ptr_array_index (cmp->deltas, i);
          if (i)
            g_string_append_c (o, ',');
          g_string_append_c (o, '{');
          json_str (o, "dim", d->dim);
          json_str (o, "key", d->key);
          g_string_append_printf (o, ",\"now\":%" PRId64 ",\"previous\":%" PRId64
                                  ",\"average\":%.2f,\"new\":%s}",
                                  d->now, d->prev, d->avg, d->is_new ? "true" : "false");
        }
      g_string_append (o, "]}");
    }
}

/* The idle times by bin, the bins named by their lower edge in seconds
 * ("0", "28", ...) and the timeout they stand for. */
static void
json_idle_timeouts (GString *o, const ws_report *rp)
{
  json_key (o, "idle_before_1006_timeouts");
  g_string_append_c (o, '[');
  for (int i = 0; i < WS_REPORT_LB_BINS; i++)
    {
      g_string_append_printf (o, "%s{\"from_s\":%g,\"to_s\":", i ? "," : "",
                              i ? ws_report_lb_edges[i - 1] : 0.0);
      if (i < WS_REPORT_LB_BINS - 1)
        g_string_append_printf (o, "%g", ws_report_lb_edges[i]);
      else
        g_string_append (o, "null");
      g_string_append (o, ",\"timeout_s\":");
      if (ws_report_lb_timeout (i))
        g_string_append_printf (o, "%d", ws_report_lb_timeout (i));
      else
        g_string_append (o, "null");
      g_string_append_printf (o, ",\"count\":%" PRIu64 "}", rp->idle_lb[i]);
    }
  g_string_append_c (o, ']');
}

static void
json_storms (GString *o, const ws_report *rp)
{
  json_key (o, "storms");
  g_string_append_c (o, '[');
  for (guint i = 0; i < rp->storms->len; i++)
    {
      const ws_report_storm *s = g_ptr_array_index (rp->storms, i);
      if (i)
        g_string_append_c (o, ',');
      g_string_append_c (o, '{');
      json_str (o, "server", s->server);
      json_ts (o, "first_ts", s->first_us);
      json_ts (o, "last_ts", s->last_us);
      json_key (o, "connections");
      g_string_append_printf (o, "%" PRIu64, s->count);
      json_key (o, "restart");
      g_string_append (o, s->restart ? "true" : "false");
      json_key (o, "codes");
      g_string_append_c (o, '{');
      g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (s->codes), (GCompareFunc) strcmp);
      for (GList *l = keys; l; l = l->next)
        {
          json_key (o, l->data);
          g_string_append_printf (o, "%" PRIu64, *(uint64_t *) g_hash_table_lookup (s->codes, l->data));
        }
      g_string_append (o, "}}");
    }
  g_string_append_c (o, ']');
}

static gint
tls_key_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (a, b);
}

static void
json_tls (GString *o, const ws_report *rp)
{
  json_key (o, "tls");
  g_string_append_c (o, '{');
  json_key (o, "connections");
  g_string_append_printf (o, "%" PRIu64, rp->tls_records + rp->skipped.tls);
  json_key (o, "records");
  g_string_append_printf (o, "%" PRIu64, rp->tls_records);
  json_key (o, "decrypted");
  g_string_append_printf (o, "%" PRIu64, rp->tls_decrypted);
  json_key (o, "not_websocket");
  g_string_append_printf (o, "%" PRIu64, rp->tls_kind);
  json_key (o, "by_server");
  g_string_append_c (o, '[');
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (rp->tls_by_server), tls_key_cmp);
  for (GList *l = keys; l; l = l->next)
    {
      const ws_report_tls *t = g_hash_table_lookup (rp->tls_by_server, l->data);
      if (l != keys)
        g_string_append_c (o, ',');
      g_string_append_c (o, '{');
      json_str (o, "sni", t->sni);
      json_str (o, "server", t->server);
      g_string_append_printf (o, ",\"connections\":%" PRIu64 ",\"decrypted\":%" PRIu64 "}",
                              t->count, t->decrypted);
    }
  g_string_append_c (o, ']');
  json_key (o, "not_decrypted_reasons");
  g_string_append_c (o, '{');
  g_autoptr (GList) rk = g_list_sort (g_hash_table_get_keys (rp->tls_reasons), tls_key_cmp);
  for (GList *l = rk; l; l = l->next)
    {
      json_key (o, l->data);
      g_string_append_printf (o, "%" PRIu64, *(uint64_t *) g_hash_table_lookup (rp->tls_reasons, l->data));
    }
  g_string_append (o, "}}");
}

static void
json_skipped (GString *o, const ws_report *rp)
{
  const ws_report_skipped *s = &rp->skipped;
  json_key (o, "skipped");
  if (!s->known)
    {
      g_string_append (o, "null");
      return;
    }
  g_string_append_printf (o, "{\"tcp_connections\":%" PRIu64 ",\"tls\":%" PRIu64
                          ",\"other_upgrades\":%" PRIu64 ",\"no_upgrade\":%" PRIu64
                          ",\"midstream\":%" PRIu64 ",\"other_tcp\":%" PRIu64 "}",
                          s->tcp, s->tls, s->other_upgrades, s->no_upgrade, s->midstream,
                          s->other_tcp);
}

void
ws_report_json_summary (GString *o, const ws_report *rp, const char *label, const ws_history_cmp *cmp)
{
  g_string_append_c (o, '{');
  json_str (o, "label", label);
  json_key (o, "connections");
  g_string_append_printf (o, "%" PRIu64, rp->connections);
  json_key (o, "abnormal");
  g_string_append_printf (o, "%" PRIu64, rp->abnormal);
  json_key (o, "handshake_failures");
  g_string_append_printf (o, "%" PRIu64, rp->handshake_failures);
  json_key (o, "still_open");
  g_string_append_printf (o, "%" PRIu64, rp->still_open);
  json_key (o, "abnormal_closes");
  g_string_append_printf (o, "%" PRIu64, rp->abnormal_closes);
  json_ts (o, "first_ts", rp->first_us);
  json_ts (o, "last_ts", rp->last_us);
  json_counts (o, "by_code", rp->by_code, false);
  json_counts (o, "by_cause", rp->by_cause, false);
  json_counts (o, "by_server", rp->by_server, false);
  json_counts (o, "by_host", rp->by_host, false);
  json_counts (o, "by_path", rp->by_path, false);
  json_counts (o, "by_route", rp->by_route, false);
  json_counts (o, "handshake_failures_by_kind", rp->hs_fail, false);
  json_key (o, "idle_before_1006");
  g_string_append_c (o, '{');
  for (int i = 0; i < WS_REPORT_IDLE_BINS; i++)
    {
      json_key (o, ws_report_idle_label (i));
      g_string_append_printf (o, "%" PRIu64, rp->idle_bins[i]);
    }
  json_key (o, "unknown");
  g_string_append_printf (o, "%" PRIu64 "}", rp->idle_unknown);
  json_idle_timeouts (o, rp);
  json_storms (o, rp);
  json_tls (o, rp);
  json_skipped (o, rp);
  json_top (o, rp);
  json_compare (o, cmp);
  g_string_append (o, "}\n");
}
