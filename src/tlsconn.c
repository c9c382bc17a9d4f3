/* tlsconn.c - the TLS stage's place in the pipeline (see tlsconn.h). */
#include "config.h"

#include <string.h>

#include "diagnose.h"
#include "tlsconn.h"

ws_tls_config ws_tls_cfg;

static gboolean
ws_tls_keylog_reload (const char *path, GError **error)
{
  return ws_keylog_load_file (ws_tls_cfg.keylog, path, error);
}

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
  if (!ws_tls_cfg.keylog || c->tls)
    return false;
  /* a stream that began before the capture: records of any type, if their
   * headers chain; without a SYN only (else the start was seen) */
  if (!ws_tls_looks_like (data, len, !c->syn_seen))
    return false;
  c->tls = ws_tls_new (ws_tls_cfg.keylog, on_plain, c);
  if (ws_tls_cfg.follow)
    ws_tls_set_hold (c->tls, ws_tls_cfg.hold_bytes);
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
ws_tls_refresh (void)
{
  int64_t now = g_get_monotonic_time ();
  if (!ws_tls_cfg.follow || !ws_tls_cfg.keylog || !ws_tls_cfg.paths
      || now - ws_tls_cfg.last_refresh_us < G_USEC_PER_SEC)
    return;
  ws_tls_cfg.last_refresh_us = now;
  for (char **p = ws_tls_cfg.paths; *p; p++)
    {
      g_autoptr (GError) e = NULL;
      if (!ws_tls_keylog_reload (*p, &e))
        g_message ("%s", e->message);
    }
  g_autoptr (GPtrArray) msgs = ws_keylog_take_messages (ws_tls_cfg.keylog);
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
  if (!c->tls_on || !c->tls || c->kind != WS_KIND_TLS)
    return false;
  const ws_tls_info *in = ws_tls_get_info (c->tls);
  return in->app_bytes[0] + in->app_bytes[1] == 0;
}

const ws_tls_info *
ws_tls_conn_info (const ws_conn *c)
{
  return c->tls ? ws_tls_get_info (c->tls) : NULL;
}

/* ---- the cause of a connection that was not decrypted -------------------- */

static const struct {
  const char *reason;
  const char *summary;
  const char *fix;
} undecrypted[] = {
  { "no_key", "The key log has no secret for this connection's client random: its "
    "WebSocket traffic (if any) could not be decrypted.",
    "Capture the key log on the client or server that made this connection "
    "(SSLKEYLOGFILE for browsers, curl, Python, Node; see README, wss) while the capture "
    "runs, and pass it with --keylog." },
  { "began_after_handshake", "The capture began after the TLS handshake: without the "
    "client random no key can be matched to this connection.",
    "Start the capture before the connection opens (reconnect the client after the "
    "capture has started)." },
  { "handshake_incomplete", "The TLS handshake did not complete in the capture (no "
    "ServerHello): nothing was encrypted with a key that could be used.",
    "Look at the TLS alerts and who ended TCP: a handshake cut short is a TLS setup "
    "failure (close code 1015 to a browser)." },
  { "unsupported_suite", "The connection uses a TLS version or cipher suite wsclosed does "
    "not decrypt.",
    "wsclosed decrypts TLS 1.3 (AES-GCM, ChaCha20-Poly1305) and TLS 1.2 (AES-GCM, "
    "ChaCha20-Poly1305, AES-CBC with HMAC); use tshark for others." },
  { "capture_gap", "The capture lost bytes of the TLS stream before anything was "
    "decrypted: the records after the hole cannot be found.",
    "Capture with a larger buffer or snaplen (-B, -s) so that no packet is dropped." },
  { "no_encrypted_records", "The TLS handshake was seen but no encrypted record "
    "followed before the connection ended.", NULL },
  { "not_tls", "The bytes stopped looking like TLS records.", NULL },
};

void
ws_tls_conn_diagnose (ws_conn *c)
{
  const ws_tls_info *in = ws_tls_conn_info (c);
  const char *reason = ws_tls_json_reason (in);
  ws_cause *k = &c->cause;

  ws_cause_clear (k);
  if (!in || !reason)
    return;
  k->id = "tls_not_decrypted";
  k->detail = g_strdup (reason);
  k->confidence = "high";
  for (size_t i = 0; i < G_N_ELEMENTS (undecrypted); i++)
    if (strcmp (undecrypted[i].reason, reason) == 0)
      {
        k->summary = g_strdup (undecrypted[i].summary);
        k->fix = undecrypted[i].fix ? g_strdup (undecrypted[i].fix) : NULL;
      }
  if (in->client_hello)
    ws_cause_add_evidence (k, c->start_us, "TLS ClientHello%s%s seen",
                           in->sni[0] ? " for " : "", in->sni[0] ? in->sni : "");
  for (unsigned i = 0; i < in->n_alerts; i++)
    {
      const ws_tls_alert *a = &in->alerts[i];
      const char *d = a->description >= 0 ? ws_tls_alert_name (a->description) : NULL;
      ws_cause_add_evidence (k, a->ts_us, "TLS alert from the %s: %s", a->side ? "server" : "client",
                             d ? d : "encrypted");
    }
  if (c->tcp_end != WS_TCP_END_OPEN && ws_side_name (c->tcp_end_by))
    ws_cause_add_evidence (k, c->tcp_end_by == WS_SIDE_CLIENT ? c->fin_us[0] ? c->fin_us[0] : c->rst_us[0]
                                                              : c->fin_us[1] ? c->fin_us[1] : c->rst_us[1],
                           "TCP ended with a %s from the %s", c->tcp_end == WS_TCP_END_RST ? "RST" : "FIN",
                           ws_side_name (c->tcp_end_by));
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
