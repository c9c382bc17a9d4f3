/* report-agg.c - aggregation: a diagnosed connection becomes a record, and
 * records are counted into the night (totals, tallies, hour buckets, idle
 * bins) while only the top WS_REPORT_TOP abnormal ones are kept.  See
 * report-agg.h. */
#include "config.h"

#include <string.h>

#include "report-agg.h"

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

/* One close into its local-hour bucket. */
static void
count_hour (ws_report *rp, int64_t end_us, const char *code, const char *cause)
{
  int64_t hour = ws_report_local_hour (end_us);
  ws_report_hour *h = g_hash_table_lookup (rp->hours, &hour);
  if (!h)
    {
      h = g_new0 (ws_report_hour, 1);
      h->hour = hour;
      h->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      h->causes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (rp->hours, g_memdup2 (&hour, sizeof hour), h);
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

  rp->connections++;
  if (ab)
    rp->abnormal++;
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

  if (r->handshake_failed)
    {
      g_autofree char *k = r->handshake_status >= 0 && r->handshake_status != 101
        ? g_strdup_printf ("HTTP %d", r->handshake_status)
        : g_strdup (r->cause_id ? r->cause_id : "bad 101 response");
      count (rp->hs_fail, k, true);
    }

  if (r->close_code >= 0 && r->end_us)
    count_hour (rp, r->end_us, code, cause);
  if (r->close_code == 1006 && !r->handshake_failed)
    count_idle (rp, r->idle_us);
  if (ab)
    keep_top (rp, r);
  else
    ws_report_rec_free (r);
}
