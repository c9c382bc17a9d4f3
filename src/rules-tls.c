/* rules-tls.c - the diagnosis of TLS (wss://) connections.
 *
 * A connection of kind "tls" (not decrypted: no key log with --tls, no key
 * for its client random, capture began after the handshake, ...): what
 * can be known without the payload.  Who ended TCP and how, when each
 * side last sent a record, the sizes of the last records, the alerts TLS
 * 1.2 shows in clear.  Then, in this order:
 *
 *   1. a fatal alert in clear just before the end     -> tls_alert (high: the
 *                                                        alert itself is seen)
 *   2. an RST (not after a closing exchange)          -> peer_reset
 *   3. a FIN after >= 2 s in which neither side sent  -> idle_timeout
 *      a record (but the ender's own closing records)
 *   4. otherwise                                      -> tls_not_decrypted,
 *                                                        detail: the reason
 *
 * Rules 2 and 3 read timing only: their confidence is at most "medium" and
 * their detail ends in "_payload_not_seen".  A closing exchange is both
 * sides sending small records (at most 16 bytes of plaintext by the
 * suite's overhead: a WebSocket close frame with a short reason, a
 * close_notify) in the last second before the TCP end: then the end looks
 * orderly and no timing cause is given.
 *
 * For a decrypted wss connection (kind websocket over TLS): close_notify
 * weighed against the TCP end (tls_end_evidence): an orderly TLS end, or a
 * truncation (FIN/RST without close_notify after decrypted traffic), and an
 * alert other than close_notify that explains the end names the cause.
 */
#include "config.h"

#include <inttypes.h>

#include "diag-internal.h"
#include "tlsconn.h"
#include "tlsdec.h"

#define CLOSING_WINDOW_US (1 * US_PER_S)
#define CLOSING_PLAIN_MAX 16     /* a close frame with a short reason, an alert */
#define IDLE_MIN_US (2 * US_PER_S)
#define MID_TRAFFIC_US (2 * US_PER_S)
#define ALERT_NEAR_END_US (2 * US_PER_S)

enum { REC_ALERT = 21, REC_APP = 23 };

static const struct {
  const char *reason;
  const char *summary;
  const char *fix;
} undecrypted[] = {
  { "no_key", N_("The key log has no secret for this connection's client random: its "
    "WebSocket traffic (if any) could not be decrypted"),
    N_("Capture the key log on the client or server that made this connection "
    "(SSLKEYLOGFILE for browsers, curl, Python, Node; see README, wss) while the capture "
    "runs, and pass it with --keylog.") },
  { "no_key_log", N_("A TLS connection, not decrypted (no key log was given): only its "
    "handshake, record sizes and timing were seen"),
    N_("Capture the key log on the client or server while the capture runs (SSLKEYLOGFILE; "
    "see README, wss) and pass it with --keylog.") },
  { "began_after_handshake", N_("The capture began after the TLS handshake: without the "
    "client random no key can be matched to this connection"),
    N_("Start the capture before the connection opens (reconnect the client after the "
    "capture has started).") },
  { "handshake_incomplete", N_("The TLS handshake did not complete in the capture (no "
    "ServerHello): nothing was encrypted with a key that could be used"),
    N_("Look at the TLS alerts and who ended TCP: a handshake cut short is a TLS setup "
    "failure (close code 1015 to a browser).") },
  { "unsupported_suite", N_("The connection uses a TLS version or cipher suite wsclosed does "
    "not decrypt"),
    N_("wsclosed decrypts TLS 1.3 (AES-GCM, ChaCha20-Poly1305) and TLS 1.2 (AES-GCM, "
    "ChaCha20-Poly1305, AES-CBC with HMAC); use tshark for others.") },
  { "capture_gap", N_("The capture lost bytes of the TLS stream before anything was "
    "decrypted"),
    N_("Capture with a larger buffer or snaplen (-B, -s) so that no packet is dropped.") },
  { "no_encrypted_records", N_("The TLS handshake was seen but no encrypted record "
    "followed before the connection ended"),
    NULL },
  { "not_tls", N_("The bytes stopped looking like TLS records"),
    NULL },
};

/* What the last records say about the end. */
typedef struct {
  int64_t end_us;                /* first FIN/RST */
  ws_side ender, peer;
  int64_t last_activity_us;      /* last record but the ender's closing ones; 0 none */
  bool closing_exchange;         /* both sides sent small records at the end */
  unsigned ender_closing;        /* the ender's small records just before its end */
  int64_t quiet_us;              /* end_us - last_activity_us */
} tls_end;

static const ws_tls_rec_seen *
ring_at (const ws_tls_info *in, unsigned back)   /* 0: newest */
{
  unsigned i = (in->last_next + WS_TLS_LAST_RECORDS - 1 - back) % WS_TLS_LAST_RECORDS;
  return &in->last[i];
}

/* What protection adds to a record's plaintext, for the suite in use (an
 * upper bound when the suite is not known). */
static size_t
overhead (const ws_tls_info *in)
{
  const ws_tls_suite *s = in->server_hello ? ws_tls_suite_find (in->cipher_suite) : NULL;
  if (!s)
    return 64;
  if (s->tls13)
    return 17;                   /* tag and the inner content type */
  switch (s->mode)
    {
    case WS_TLS_MODE_GCM: return 24;     /* explicit nonce and tag */
    case WS_TLS_MODE_CHACHA: return 16;
    case WS_TLS_MODE_CBC: return 16 + s->mac_len + 16;   /* IV, MAC, padding */
    }
  return 64;
}

static void
read_end (const diag *d, const ws_tls_info *in, tls_end *e)
{
  size_t small_max = overhead (in) + CLOSING_PLAIN_MAX;
  const ws_conn *c = d->c;
  memset (e, 0, sizeof *e);
  e->end_us = d->tcp_end_us;
  e->ender = c->tcp_end_by == WS_SIDE_SERVER ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
  e->peer = WS_OTHER_SIDE (e->ender);
  if (!e->end_us)
    return;
  bool peer_small = false;
  for (unsigned k = 0; k < in->n_last; k++)
    {
      const ws_tls_rec_seen *r = ring_at (in, k);
      if (r->ts_us > e->end_us)
        continue;                /* after the end: the other side's last words */
      bool late = r->ts_us >= e->end_us - CLOSING_WINDOW_US;
      bool small = r->len <= small_max;
      if (r->type == REC_ALERT)
        continue;                /* an alert is the end itself, not traffic */
      if (late && small && r->side == (uint8_t) e->ender && !peer_small)
        {
          e->ender_closing++;
          continue;
        }
      if (late && small && r->side == (uint8_t) e->peer)
        {
          /* the peer spoke at the end too: a closing exchange, unless
           * that is all there was */
          peer_small = true;
          e->closing_exchange = true;
          e->last_activity_us = r->ts_us;
          break;
        }
      e->last_activity_us = r->ts_us;
      break;
    }
  if (!e->last_activity_us && in->n_last)
    {
      /* every record in view was a closing one: the quiet began before the
       * oldest of them at least */
      const ws_tls_rec_seen *oldest = ring_at (in, in->n_last - 1);
      e->last_activity_us = oldest->ts_us;
    }
  if (!e->last_activity_us)
    e->last_activity_us = c->start_us;
  e->quiet_us = e->end_us > e->last_activity_us ? e->end_us - e->last_activity_us : 0;
}

static const char *
rec_type_name (uint8_t t)
{
  switch (t)
    {
    case 20: return "change_cipher_spec";
    case 21: return "alert";
    case 22: return "handshake";
    case 23: return "application data";
    default: return "other";
    }
}

/* Evidence: the handshake facts and the last records as the wire shows them. */
static void
tls_facts_evidence (diag *d, const ws_tls_info *in)
{
  const ws_conn *c = d->c;
  if (in->client_hello)
    EV (d, c->start_us, "TLS ClientHello%s%s seen%s%s", in->sni[0] ? ws_tr (" for ") : "",
        in->sni[0] ? in->sni : "", in->alpn_offered[0] ? ws_tr (", ALPN offered: ") : "",
        in->alpn_offered[0] ? in->alpn_offered : "");
  if (in->early_data_offered)
    EV (d, c->start_us, "the client offered 0-RTT early data%s; %" PRIu64 " early records, "
        "%" PRIu64 " decrypted%s", in->early_data_accepted ? ws_tr (" (accepted)") : "",
        in->early_records, in->early_decrypted,
        in->early_decrypted < in->early_records
          ? ws_tr (" (the rest needs CLIENT_EARLY_TRAFFIC_SECRET in the key log)") : "");
  for (unsigned i = 0; i < in->n_alerts; i++)
    {
      const ws_tls_alert *a = &in->alerts[i];
      const char *n = a->description >= 0 ? ws_tls_alert_name (a->description) : NULL;
      if (n)
        EV (d, a->ts_us, "TLS alert from the %s: %s (%s%s)",
            side_str (a->side ? WS_SIDE_SERVER : WS_SIDE_CLIENT), n,
            a->level == 2 ? "fatal" : a->level == 1 ? "warning" : ws_tr ("level unknown"),
            a->encrypted ? ws_tr (", decrypted") : ws_tr (", in clear"));
      else
        EV (d, a->ts_us, "TLS alert record from the %s, encrypted (its description is not "
            "seen; before a FIN usually close_notify)",
            side_str (a->side ? WS_SIDE_SERVER : WS_SIDE_CLIENT));
    }
  if (!evidence_room (d))
    return;
  for (unsigned k = in->n_last; k-- > 0;)
    {
      const ws_tls_rec_seen *r = ring_at (in, k);
      EV (d, r->ts_us, "TLS record from the %s: %s, %u bytes%s",
          side_str (r->side ? WS_SIDE_SERVER : WS_SIDE_CLIENT),
          rec_type_name (r->type), (unsigned) r->len,
          in->version == 0x0304 && r->type == REC_APP && r->len == 19
            ? ws_tr (" (the size of an encrypted alert such as close_notify)") : "");
    }
}

/* 1. a fatal alert in clear shortly before the end */
static const ws_tls_alert *
ending_alert (const diag *d, const ws_tls_info *in, bool decrypted_too)
{
  int64_t end = d->tcp_end_us ? d->tcp_end_us : d->c->end_us;
  for (unsigned i = in->n_alerts; i-- > 0;)
    {
      const ws_tls_alert *a = &in->alerts[i];
      if (a->description <= 0 || (a->encrypted && !decrypted_too))
        continue;                /* close_notify, or not readable */
      if (a->description == 90 && a->level != 2)
        continue;                /* user_canceled: a warning before close_notify */
      if (end && (a->ts_us > end + ALERT_NEAR_END_US || a->ts_us < end - ALERT_NEAR_END_US))
        continue;
      return a;
    }
  return NULL;
}

static void
set_alert_cause (diag *d, const ws_tls_alert *a)
{
  const char *n = ws_tls_alert_name (a->description);
  char num[16];
  if (!n)
    {
      g_snprintf (num, sizeof num, "alert_%d", a->description);
      n = num;
    }
  ws_side from = a->side ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
  set_cause (d, "tls_alert", n, "high",
             from == WS_SIDE_SERVER
               ? N_("Look at the server's TLS logs at that moment: the alert names what it "
                    "refused (certificate, protocol version, cipher, a record it could not "
                    "decrypt).")
               : N_("Look at the client's TLS error at that moment: the alert names what it "
                    "refused (an untrusted or expired certificate, a name mismatch, no common "
                    "protocol or cipher)."),
             "The %s sent a %s TLS alert %s and the connection ended", side_str (from),
             a->level == 2 ? "fatal" : "warning", n);
}

void
rule_tls (diag *d)
{
  ws_conn *c = d->c;
  const ws_tls_info *in = ws_tls_conn_info (c);
  if (!in)
    return;
  const char *reason = ws_tls_json_reason (in);
  if (!reason)
    reason = "no_encrypted_records";
  tls_end e;
  read_end (d, in, &e);
  char q[48], s0[48], s1[48];
  ws_fmt_dur (q, sizeof q, e.quiet_us);
  int64_t end = e.end_us ? e.end_us : c->end_us;
  int64_t l0 = end ? ws_tls_last_before (in, 0, end) : 0;
  int64_t l1 = end ? ws_tls_last_before (in, 1, end) : 0;
  ws_fmt_dur (s0, sizeof s0, l0 ? end - l0 : 0);
  ws_fmt_dur (s1, sizeof s1, l1 ? end - l1 : 0);
  g_autofree char *detail_ns = NULL;
  const ws_tls_alert *al = ending_alert (d, in, false);

  if (al)
    set_alert_cause (d, al);
  else if (c->tcp_end == WS_TCP_END_RST && !e.closing_exchange)
    {
      ws_side r = c->rst[e.ender] ? e.ender : e.peer;
      bool mid = e.quiet_us <= MID_TRAFFIC_US;
      detail_ns = g_strdup_printf ("%s_payload_not_seen",
                                   r == WS_SIDE_SERVER ? "server_reset" : "client_reset");
      set_cause (d, "peer_reset", detail_ns, "medium",
                 r == WS_SIDE_SERVER
                   ? N_("Look at the server process at that moment (a crash, a kill, SO_LINGER 0, "
                        "a deploy); to see the WebSocket close itself, capture with a key log.")
                   : N_("Look at the client at that moment (a killed process, a network change); "
                        "to see the WebSocket close itself, capture with a key log."),
                 "The %s reset the TLS connection %s%s (the payload was not seen: %s; "
                 "client silent %s, server %s before the end)", side_str (r),
                 mid ? ws_tr ("while records were flowing, ") : ws_tr ("after "),
                 mid ? ws_tr ("last record ") : q,
                 reason, s0, s1);
      if (mid)
        {
          /* "while records were flowing, last record X before" */
          ws_strbuf_reset (&d->lead);
          ws_strbuf_printf (&d->lead, ws_tr ("The %s reset the TLS connection %s after the last "
                                             "record (the payload was not seen: %s; client silent "
                                             "%s, server %s before the end)"),
                            side_str (r), q, reason, s0, s1);
        }
    }
  else if (c->tcp_end == WS_TCP_END_FIN && !e.closing_exchange && e.quiet_us >= IDLE_MIN_US)
    {
      set_cause (d, "idle_timeout", "idle_payload_not_seen", "medium",
                 "Find the idle timeout of the side that ended (a proxy's read timeout, a "
                 "load balancer's idle timeout, the server's own) and keep the connection "
                 "busier than it (WebSocket pings), or raise it.",
                 "The %s ended the TLS connection after %s in which neither side sent a "
                 "record%s (an idle timeout by the timing; the payload was not seen: %s; "
                 "client silent %s, server %s)", side_str (e.ender), q,
                 e.ender_closing ? ws_tr (" but its own closing records") : "", reason, s0, s1);
    }
  else
    {
      const char *lead = N_("A TLS connection, not decrypted"), *fix = NULL;
      for (size_t i = 0; i < G_N_ELEMENTS (undecrypted); i++)
        if (strcmp (undecrypted[i].reason, reason) == 0)
          {
            lead = undecrypted[i].summary;
            fix = undecrypted[i].fix;
          }
      set_cause (d, "tls_not_decrypted", reason, "high", fix, "%s", ws_tr (lead));
      if (e.closing_exchange)
        add_extra (d, "both sides sent small records in the last second (the size of a "
                   "WebSocket close frame or close_notify): an orderly-looking end");
      if (e.end_us)
        add_extra (d, "client silent %s, server %s before the end", s0, s1);
    }
  tls_facts_evidence (d, in);
}

/* ---- decrypted wss: close_notify against the TCP end -------------------- */

void
tls_end_evidence (diag *d)
{
  const ws_conn *c = d->c;
  const ws_tls_info *in = ws_tls_conn_info (c);
  if (!in || !in->decrypted || c->kind == WS_KIND_TLS)
    return;
  /* a fatal alert explains an end without a close frame */
  const ws_tls_alert *al = ending_alert (d, in, true);
  if (al && d->closer == WS_SIDE_NONE && c->tcp_end != WS_TCP_END_OPEN)
    {
      ws_strbuf_reset (&d->extra);
      set_alert_cause (d, al);
    }
  if (c->tcp_end == WS_TCP_END_OPEN)
    return;
  ws_side ender = c->tcp_end_by == WS_SIDE_SERVER ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
  const char *how = c->tcp_end == WS_TCP_END_RST ? "RST" : "FIN";
  int64_t t = d->tcp_end_us;
  if (in->close_notify[ender])
    EV (d, t, "the %s sent TLS close_notify before its %s: an orderly TLS end",
        side_str (ender), how);
  else if (in->decrypted_records[ender] > 0 && !al)
    {
      EV (d, t, "the %s ended TCP (%s) without TLS close_notify after decrypted traffic: "
          "the TLS session was truncated (the socket closed without a TLS shutdown: a "
          "process that exited or was killed, or a proxy that cut it)",
          side_str (ender), how);
      if (d->closer == WS_SIDE_NONE)
        add_extra (d, "the TLS session was truncated too: no close_notify from the %s",
                   side_str (ender));
    }
}
