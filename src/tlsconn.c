/* tlsconn.c - the TLS stage's place in the pipeline (see tlsconn.h). */
#include "config.h"

#include <string.h>

#include "diagnose.h"
#include "tlsconn.h"


static void
on_plain (void *user, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  ws_conn *c = user;

  if (!data)
    {
      ws_conn_plain_gap (c, (ws_side) side, len, ts_us);
      return;
    }
  ws_conn_plain_data (c, (ws_side) side, data, len, ts_us);
  /* plaintext that is not WebSocket: still a TLS connection in the totals */
  if (c->kind == WS_KIND_OTHER)
    c->kind = WS_KIND_TLS;
}

bool
ws_tls_conn_take (ws_conn *c, const uint8_t *data, size_t len)
{
  /* every TLS connection is parsed (its SNI for the totals, its records'
   * sizes and timing for --tls), decrypted when there is a key log */
  if (c->tls)
    return false;
  /* a stream that began before the capture: records of any type, if their
   * headers chain; without a SYN only (else the start was seen) */
  if (!ws_tls_looks_like (data, len, !c->syn_seen))
    return false;
  const ws_tls_settings *ts = &c->ctx->set->tls;
  c->tls = ws_tls_new (ts->keylog, on_plain, c);
  if (ts->follow)
    ws_tls_set_hold (c->tls, ts->hold_bytes);
  c->tls_on = true;
  c->kind = WS_KIND_TLS;
  if (!c->syn_seen && !(len >= 1 && data[0] == 22))
    c->midstream = true;
  return true;
}

void
ws_tls_conn_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (c->tls && (side == WS_SIDE_CLIENT || side == WS_SIDE_SERVER))
    ws_tls_feed (c->tls, side, data, len, ts_us);
}

void
ws_tls_conn_gap (ws_conn *c, ws_side side)
{
  if (c->tls)
    ws_tls_gap (c->tls, side);
}

void
ws_tls_conn_end (ws_conn *c)
{
  if (c->tls)
    ws_tls_retry (c->tls);
}

void
ws_tls_refresh (ws_ctx *ctx)
{
  const ws_tls_settings *ts = &ctx->set->tls;
  int64_t now = g_get_monotonic_time ();
  if (!ts->follow || !ts->keylog || !ts->paths
      || now - ctx->tls_refresh_us < G_USEC_PER_SEC)
    return;
  ctx->tls_refresh_us = now;
  for (char **p = ts->paths; *p; p++)
    {
      g_autoptr (GError) e = NULL;
      if (!ws_keylog_load_file (ts->keylog, *p, &e))
        g_message ("%s", e->message);
    }
  g_autoptr (GPtrArray) msgs = ws_keylog_take_messages (ts->keylog);
  for (guint i = 0; i < msgs->len; i++)
    g_message ("key log %s", (const char *) msgs->pdata[i]);
}

void
ws_tls_conn_release (ws_conn *c)
{
  if (c->tls)
    ws_tls_release (c->tls);
}

void
ws_tls_conn_free (ws_conn *c)
{
  if (c->tls)
    {
      ws_tls_free (c->tls);
      c->tls = NULL;
    }
}

bool
ws_tls_conn_reported (const ws_conn *c)
{
  if (!c->tls_on || !c->tls || c->kind != WS_KIND_TLS
      || (!c->ctx->set->tls.keylog && !c->ctx->set->tls.list))
    return false;
  const ws_tls_info *in = ws_tls_get_info (c->tls);
  return in->app_bytes[0] + in->app_bytes[1] == 0;
}

int64_t
ws_tls_last_before (const ws_tls_info *in, int side, int64_t end_us)
{
  if (in->last_record_us[side] && in->last_record_us[side] <= end_us)
    return in->last_record_us[side];
  for (unsigned k = 0; k < in->n_last; k++)
    {
      unsigned i = (in->last_next + WS_TLS_LAST_RECORDS - 1 - k) % WS_TLS_LAST_RECORDS;
      if (in->last[i].side == side && in->last[i].ts_us <= end_us)
        return in->last[i].ts_us;
    }
  return 0;
}

const ws_tls_info *
ws_tls_conn_info (const ws_conn *c)
{
  return c->tls ? ws_tls_get_info (c->tls) : NULL;
}

/* ---- the cause of a connection that was not decrypted -------------------- */

/* rules-tls.c decides it, in the diagnosis every record gets (no window:
 * the neighbours of a TLS connection are not looked at). */
void
ws_tls_conn_diagnose (ws_conn *c)
{
  ws_diagnose (c, NULL);
}

/* ---- the totals: TLS connections by SNI and server ------------------------ */

void
ws_tls_conn_count (const ws_conn *c)
{
  const ws_tls_info *in = ws_tls_conn_info (c);
  char ip[64];
  ws_addr_to_string (&c->addr[WS_SIDE_SERVER], ip, sizeof ip);
  bool v6 = strchr (ip, ':') != NULL;
  g_autofree char *key = g_strdup_printf ("%s\t%s%s%s:%u",
                                          in && in->sni[0] ? in->sni : "",
                                          v6 ? "[" : "", ip, v6 ? "]" : "",
                                          (unsigned) c->port[WS_SIDE_SERVER]);
  GHashTable **servers = &c->ctx->cnt.tls_servers;
  if (!*servers)
    *servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint64 *n = g_hash_table_lookup (*servers, key);
  if (!n)
    {
      n = g_new0 (guint64, 1);
      g_hash_table_insert (*servers, g_steal_pointer (&key), n);
    }
  (*n)++;
}

static gint
by_count (gconstpointer a, gconstpointer b, gpointer servers)
{
  const guint64 *na = g_hash_table_lookup (servers, *(const char *const *) a);
  const guint64 *nb = g_hash_table_lookup (servers, *(const char *const *) b);
  if (*na != *nb)
    return *na > *nb ? -1 : 1;
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

#define TLS_TOTALS_SHOWN 20

void
ws_tls_totals_text (const ws_counters *st, GString *o, void (*str) (GString *, const char *))
{
  GHashTable *tls_totals = st->tls_servers;
  if (!tls_totals || !g_hash_table_size (tls_totals))
    return;
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, tls_totals);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_ptr_array_add (keys, k);
  g_ptr_array_sort_with_data (keys, by_count, tls_totals);
  g_string_append (o, "    by SNI and server:\n");
  for (guint i = 0; i < keys->len && i < TLS_TOTALS_SHOWN; i++)
    {
      const char *key = keys->pdata[i];
      const char *tab = strchr (key, '\t');
      g_autofree char *sni = g_strndup (key, (gsize) (tab - key));
      g_string_append (o, "      ");
      if (*sni)
        str (o, sni);
      else
        g_string_append (o, "(no SNI)");
      g_string_append (o, " at ");
      str (o, tab + 1);
      g_string_append_printf (o, ": %" G_GUINT64_FORMAT "\n",
                              *(guint64 *) g_hash_table_lookup (tls_totals, key));
    }
  if (keys->len > TLS_TOTALS_SHOWN)
    g_string_append_printf (o, "      (%u more)\n", keys->len - TLS_TOTALS_SHOWN);
}

const char *
ws_tls_json_reason (const ws_tls_info *in)
{
  if (!in || in->decrypted)
    return NULL;
  const char *reason = ws_tls_reason_name (in->reason);
  if (reason)
    return reason;
  /* nothing was tried: say what kept it from being tried */
  return !in->client_hello ? "began_after_handshake"
         : !in->server_hello ? "handshake_incomplete" : "no_encrypted_records";
}
