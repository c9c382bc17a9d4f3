/* report-agg.c - aggregation: a diagnosed connection becomes a record, and
 * records are counted into the night (totals, tallies, hour buckets, idle
 * bins) while only the top WS_REPORT_TOP abnormal ones are kept.  See
 * report-agg.h. */
#include "config.h"

#include <string.h>

#include "report-agg.h"
#include "tlsconn.h"

static bool
side_ok (ws_side s)
{
  return s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER;
}

ws_report_rec *
ws_report_rec_from_conn (const ws_conn *c)
{
  ws_report_rec *r = ws_report_rec_new ();
  char buf[64];

  buf[0] = '\0';
  ws_addr_to_string (&c->addr[WS_SIDE_CLIENT], buf, sizeof buf);
  r->client_ip = ws_report_utf8_dup0 (buf);
  buf[0] = '\0';
  ws_addr_to_string (&c->addr[WS_SIDE_SERVER], buf, sizeof buf);
  r->server_ip = ws_report_utf8_dup0 (buf);
  r->client_port = c->port[WS_SIDE_CLIENT];
  r->server_port = c->port[WS_SIDE_SERVER];
  r->host = ws_report_utf8_dup0 (c->host);
  r->path = ws_report_utf8_dup0 (c->path);
  r->start_us = c->start_us;
  r->end_us = c->end_us;
  r->handshake_status = c->handshake_status >= 0 ? c->handshake_status : -1;
  r->handshake_failed = (c->handshake_status >= 0 && c->handshake_status != 101) ||
                        c->accept_valid == 0 || c->handshake_problem_kind != WS_HS_OK;
  r->close_code = ws_conn_close_code (c);
  if (side_ok (c->close_initiator))
    {
      const ws_close_info *ci = &c->close[c->close_initiator];
      r->close_initiator = c->close_initiator;
      if (ci->seen && ci->reason && ci->reason_len > 0)
        r->close_reason = ws_report_utf8_dup (ci->reason, ci->reason_len);
    }
  r->tcp_end = c->tcp_end;
  r->tcp_end_by = c->tcp_end != WS_TCP_END_OPEN && side_ok (c->tcp_end_by)
                  ? c->tcp_end_by : WS_SIDE_NONE;
  if (c->cause.id)
    {
      r->cause_id = ws_report_utf8_dup0 (c->cause.id);
      r->cause_detail = ws_report_utf8_dup0 (c->cause.detail);
      r->cause_summary = ws_report_utf8_dup0 (c->cause.summary);
      r->cause_fix = ws_report_utf8_dup0 (c->cause.fix);
      r->cause_confidence = ws_report_utf8_dup0 (c->cause.confidence);
      for (guint i = 0; c->cause.evidence && i < c->cause.evidence->len; i++)
        {
          const ws_evidence *e = g_ptr_array_index (c->cause.evidence, i);
          if (e)
            ws_report_rec_add_evidence (r, e->ts_us, e->text);
        }
    }
  int64_t lf = MAX (c->dir[WS_SIDE_CLIENT].last_frame_us, c->dir[WS_SIDE_SERVER].last_frame_us);
  r->idle_us = ws_report_idle_of (c->end_us, lf, c->response_us);
  r->kind_tls = c->kind == WS_KIND_TLS;
  const ws_tls_info *in = ws_tls_conn_info (c);
  if (in)
    {
      r->tls = true;
      r->tls_decrypted = in->decrypted;
      r->tls_sni = in->sni[0] ? ws_report_utf8_dup0 (in->sni) : NULL;
      r->tls_reason = ws_report_utf8_dup0 (ws_tls_json_reason (in));
    }
  return r;
}

static void
count (GHashTable *h, const char *key, bool abnormal)
{
  ws_report_count *c = g_hash_table_lookup (h, key);
  if (!c)
    {
      c = g_new0 (ws_report_count, 1);
      g_hash_table_insert (h, g_strdup (key), c);
    }
  c->count++;
  if (abnormal)
    c->abnormal++;
}

static void
count_plain (GHashTable *h, const char *key)
{
  uint64_t *n = g_hash_table_lookup (h, key);
  if (!n)
    {
      n = g_new0 (uint64_t, 1);
      g_hash_table_insert (h, g_strdup (key), n);
    }
  (*n)++;
}

/* One close into its local-minute bucket. */
static void
count_minute (ws_report *rp, int64_t end_us, const char *code, const char *cause)
{
  int64_t minute = ws_report_local_minute (end_us);
  ws_report_hour *h = g_hash_table_lookup (rp->minutes, &minute);
  if (!h)
    {
      h = g_new0 (ws_report_hour, 1);
      h->minute = minute;
      h->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      h->causes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (rp->minutes, g_memdup2 (&minute, sizeof minute), h);
    }
  count_plain (h->codes, code);
  count_plain (h->causes, cause);
}

/* A 1006 close into its idle-time bin. */
static void
count_idle (ws_report *rp, int64_t idle_us)
{
  if (idle_us < 0)
    {
      rp->idle_unknown++;
      return;
    }
  double s = (double) idle_us / 1e6;
  int bin = 0;
  while (bin < WS_REPORT_IDLE_BINS - 1 && s >= ws_report_idle_edges[bin])
    bin++;
  rp->idle_bins[bin]++;
  bin = 0;
  while (bin < WS_REPORT_LB_BINS - 1 && s >= ws_report_lb_edges[bin])
    bin++;
  rp->idle_lb[bin]++;
}

/* A TLS connection by SNI and server. */
static void
count_tls (ws_report *rp, const ws_report_rec *r)
{
  g_autofree char *srv = ws_report_endpoint (r->server_ip, r->server_port);
  g_autofree char *key = g_strdup_printf ("%s\t%s", r->tls_sni ? r->tls_sni : "", srv);
  ws_report_tls *t = g_hash_table_lookup (rp->tls_by_server, key);
  if (!t)
    {
      t = g_new0 (ws_report_tls, 1);
      t->sni = g_strdup (r->tls_sni);
      t->server = g_steal_pointer (&srv);
      g_hash_table_insert (rp->tls_by_server, g_steal_pointer (&key), t);
    }
  t->count++;
  rp->tls_records++;
  if (r->tls_decrypted)
    {
      t->decrypted++;
      rp->tls_decrypted++;
    }
  if (r->kind_tls)
    {
      t->kind_tls++;
      rp->tls_kind++;
    }
  if (!r->tls_decrypted)
    {
      const char *why = r->tls_reason ? r->tls_reason : "unknown";
      uint64_t *n = g_hash_table_lookup (rp->tls_reasons, why);
      if (!n)
        {
          n = g_new0 (uint64_t, 1);
          g_hash_table_insert (rp->tls_reasons, g_strdup (why), n);
        }
      (*n)++;
    }
}

/* Storm closes of one server within this of each other are one storm. */
#define STORM_GAP_US (60 * G_USEC_PER_SEC)
#define STORMS_MAX 200

static bool
is_storm (const ws_report_rec *r)
{
  return g_strcmp0 (r->cause_detail, "close_storm") == 0 ||
         g_strcmp0 (r->cause_id, "close_storm") == 0 ||
         g_strcmp0 (r->cause_id, "server_restart") == 0;
}

static void
count_storm (ws_report *rp, const ws_report_rec *r, const char *code)
{
  g_autofree char *srv = ws_report_endpoint (r->server_ip, r->server_port);
  ws_report_storm *st = NULL;
  for (guint i = 0; i < rp->storms->len && !st; i++)
    {
      ws_report_storm *s = g_ptr_array_index (rp->storms, i);
      if (strcmp (s->server, srv) == 0 && r->end_us >= s->first_us - STORM_GAP_US &&
          r->end_us <= s->last_us + STORM_GAP_US)
        st = s;
    }
  if (!st)
    {
      if (rp->storms->len >= STORMS_MAX)
        return;
      st = g_new0 (ws_report_storm, 1);
      st->server = g_steal_pointer (&srv);
      st->first_us = st->last_us = r->end_us;
      st->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_ptr_array_add (rp->storms, st);
    }
  st->first_us = MIN (st->first_us, r->end_us);
  st->last_us = MAX (st->last_us, r->end_us);
  st->count++;
  if (r->close_code == 1001 || r->close_code == 1012 ||
      g_strcmp0 (r->cause_id, "server_restart") == 0)
    st->restart = true;
  uint64_t *n = g_hash_table_lookup (st->codes, code);
  if (!n)
    {
      n = g_new0 (uint64_t, 1);
      g_hash_table_insert (st->codes, g_strdup (code), n);
    }
  (*n)++;
}

/* Keep the top WS_REPORT_TOP abnormal connections, ranked; takes r. */
static void
keep_top (ws_report *rp, ws_report_rec *r)
{
  guint n = rp->top->len;
  if (n == WS_REPORT_TOP &&
      ws_report_rec_rank_cmp (r, g_ptr_array_index (rp->top, n - 1)) >= 0)
    {
      ws_report_rec_free (r);
      return;
    }
  guint pos = n;
  while (pos > 0 && ws_report_rec_rank_cmp (r, g_ptr_array_index (rp->top, pos - 1)) < 0)
    pos--;
  g_ptr_array_insert (rp->top, (gint) pos, r);
  if (rp->top->len > WS_REPORT_TOP)
    g_ptr_array_remove_index (rp->top, rp->top->len - 1);
}

void
ws_report_add (ws_report *rp, ws_report_rec *r)
{
  bool ab = ws_report_rec_abnormal (r);
  char code[16];

  if (r->tls)
    count_tls (rp, r);
  if (r->kind_tls)
    {
      /* a TLS connection whose content was not seen: not a WebSocket one */
      ws_report_rec_free (r);
      return;
    }
  rp->connections++;
  if (ab)
    rp->abnormal++;
  if (ab && !r->handshake_failed)
    rp->abnormal_closes++;
  if (r->handshake_failed)
    rp->handshake_failures++;
  if (r->close_code < 0)
    rp->still_open++;
  if (r->start_us && (rp->first_us == 0 || r->start_us < rp->first_us))
    rp->first_us = r->start_us;
  if (r->end_us > rp->last_us)
    rp->last_us = r->end_us;

  ws_report_code_key (r->close_code, code);
  const char *cause = r->cause_id ? r->cause_id : "none";
  count (rp->by_code, code, ab);
  count (rp->by_cause, cause, ab);
  g_autofree char *srv = ws_report_endpoint (r->server_ip, r->server_port);
  count (rp->by_server, srv, ab);
  count (rp->by_host, r->host ? r->host : "(none)", ab);
  count (rp->by_path, r->path ? r->path : "(none)", ab);
  g_autofree char *route = ws_report_route (r->path);
  count (rp->by_route, route ? route : "(none)", ab);

  if (r->handshake_failed)
    {
      g_autofree char *k = r->handshake_status >= 0 && r->handshake_status != 101
        ? g_strdup_printf ("HTTP %d", r->handshake_status)
        : g_strdup (r->cause_id ? r->cause_id : "bad 101 response");
      count (rp->hs_fail, k, true);
    }

  if (r->close_code >= 0 && r->end_us)
    count_minute (rp, r->end_us, code, cause);
  if (r->end_us && is_storm (r))
    count_storm (rp, r, code);
  if (r->close_code == 1006 && !r->handshake_failed)
    count_idle (rp, r->idle_us);
  if (ab)
    keep_top (rp, r);
  else
    ws_report_rec_free (r);
}
