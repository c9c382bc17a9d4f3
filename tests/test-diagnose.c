/* test-diagnose.c - one hand-built connection record per diagnosis rule,
 * checking the cause id, its detail, the confidence and the key evidence.
 * The records describe what each situation looks like on the wire (e.g. the
 * Zeek corpus captures, a python websockets keepalive failure, nginx closing
 * an idle connection after 60 s); the expected values follow from how the
 * record was built, not from the program's output. */
#include <string.h>

#include "diagnose.h"

#define S(x) ((int64_t) ((x) * 1000000.0))
#define T0 S (1700000000)

static ws_conn *
mk_conn (uint64_t id, int client_last_octet)
{
  ws_conn *c = ws_conn_new ();
  c->id = id;
  c->addr[WS_SIDE_CLIENT].family = 4;
  c->addr[WS_SIDE_CLIENT].addr[0] = 10;
  c->addr[WS_SIDE_CLIENT].addr[3] = (uint8_t) client_last_octet;
  c->addr[WS_SIDE_SERVER].family = 4;
  c->addr[WS_SIDE_SERVER].addr[0] = 10;
  c->addr[WS_SIDE_SERVER].addr[3] = 2;
  c->port[WS_SIDE_CLIENT] = (uint16_t) (40000 + id);
  c->port[WS_SIDE_SERVER] = 8080;
  c->sides_known = c->syn_seen = true;
  c->stage = WS_STAGE_FRAMES;
  c->kind = WS_KIND_WEBSOCKET;
  c->start_us = T0;
  c->request_us = T0 + S (0.001);
  c->response_us = T0 + S (0.002);
  c->method = g_strdup ("GET");
  c->host = g_strdup ("example.test");
  c->path = g_strdup ("/ws");
  c->ws_version = g_strdup ("13");
  c->ws_key = g_strdup ("dGhlIHNhbXBsZSBub25jZQ==");
  c->handshake_status = 101;
  c->accept_valid = 1;
  c->close_initiator = WS_SIDE_NONE;
  c->tcp_end = WS_TCP_END_OPEN;
  c->tcp_end_by = WS_SIDE_NONE;
  c->close[0].code = c->close[1].code = -1;
  return c;
}

static void
traffic (ws_conn *c, ws_side s, uint64_t messages, uint64_t largest, double last_s)
{
  ws_dir_stats *d = &c->dir[s];
  d->frames += messages;
  d->messages += messages;
  d->text_messages += messages;
  d->largest_message = MAX (d->largest_message, largest);
  d->last_message = largest;
  d->first_frame_us = T0 + S (0.01);
  d->last_frame_us = d->last_data_us = T0 + S (last_s);
}

static void
send_close (ws_conn *c, ws_side s, int code, const char *reason, double at_s)
{
  ws_close_info *ci = &c->close[s];
  ci->seen = true;
  ci->ts_us = T0 + S (at_s);
  ci->code = code;
  ci->reason = reason ? g_strdup (reason) : NULL;
  ci->reason_len = reason ? strlen (reason) : 0;
  ci->payload_len = code < 0 ? 0 : 2 + ci->reason_len;
  c->dir[s].frames++;
  c->dir[s].closes++;
  c->dir[s].last_frame_us = ci->ts_us;
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = s;
}

static void
tcp_fin (ws_conn *c, ws_side s, double at_s)
{
  c->fin[s] = true;
  c->fin_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    {
      c->tcp_end = WS_TCP_END_FIN;
      c->tcp_end_by = s;
    }
  c->end_us = MAX (c->end_us, c->fin_us[s]);
}

static void
tcp_rst (ws_conn *c, ws_side s, double at_s)
{
  c->rst[s] = true;
  c->rst_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    c->tcp_end_by = s;
  c->tcp_end = WS_TCP_END_RST;
  c->end_us = MAX (c->end_us, c->rst_us[s]);
}

static void
violation (ws_conn *c, ws_violation_kind k, ws_side s, double at_s, uint64_t off,
           const char *detail)
{
  if (!c->violations)
    c->violations = g_new0 (ws_violation, WS_MAX_VIOLATIONS);
  ws_violation *v = &c->violations[c->n_violations++];
  v->kind = k;
  v->side = s;
  v->ts_us = T0 + S (at_s);
  v->offset = off;
  g_strlcpy (v->detail, detail ? detail : "", sizeof v->detail);
}

static bool
has_evidence (const ws_conn *c, const char *needle)
{
  if (!c->cause.evidence)
    return false;
  for (guint i = 0; i < c->cause.evidence->len; i++)
    {
      const ws_evidence *e = c->cause.evidence->pdata[i];
      if (strstr (e->text, needle))
        return true;
    }
  return false;
}

static void
dump (const ws_conn *c)
{
  g_test_message ("id=%s detail=%s conf=%s\nsummary=%s\nfix=%s", c->cause.id,
                  c->cause.detail ? c->cause.detail : "-", c->cause.confidence,
                  c->cause.summary, c->cause.fix ? c->cause.fix : "-");
  if (c->cause.evidence)
    for (guint i = 0; i < c->cause.evidence->len; i++)
      {
        const ws_evidence *e = c->cause.evidence->pdata[i];
        g_test_message ("  [%" G_GINT64_FORMAT "] %s", e->ts_us, e->text);
      }
}

static void
check (ws_conn *c, const ws_conn_window *w, const char *id, const char *detail,
       const char *confidence)
{
  ws_diagnose (c, w);
  dump (c);
  g_assert_cmpstr (c->cause.id, ==, id);
  g_assert_cmpstr (c->cause.detail, ==, detail);
  if (confidence)
    g_assert_cmpstr (c->cause.confidence, ==, confidence);
  g_assert_nonnull (c->cause.summary);
  g_assert_true (g_str_has_suffix (c->cause.summary, "."));
  /* every evidence line has text; those with a moment lie within the record */
  for (guint i = 0; c->cause.evidence && i < c->cause.evidence->len; i++)
    {
      const ws_evidence *e = c->cause.evidence->pdata[i];
      g_assert_nonnull (e->text);
      if (e->ts_us)
        g_assert_cmpint (e->ts_us, >=, T0);
    }
}

#define EVIDENCE(c, s) G_STMT_START {                                   \
    if (!has_evidence ((c), (s)))                                       \
      g_error ("no evidence line containing \"%s\"", (s));              \
  } G_STMT_END
#define SUMMARY(c, s) G_STMT_START {                                    \
    if (!strstr ((c)->cause.summary, (s)))                              \
      g_error ("summary lacks \"%s\": %s", (s), (c)->cause.summary);    \
  } G_STMT_END

/* ---- handshake -------------------------------------------------------------- */

static void
test_handshake_rejected (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->handshake_status = 403;
  c->handshake_reason = g_strdup ("Forbidden");
  c->origin = g_strdup ("https://evil.test");
  c->stage = WS_STAGE_REJECTED;
  tcp_fin (c, WS_SIDE_SERVER, 0.01);
  check (c, NULL, "handshake_rejected", "http_403", "high");
  SUMMARY (c, "HTTP 403");
  EVIDENCE (c, "https://evil.test");
  g_assert_nonnull (strstr (c->cause.fix, "Origin"));
  ws_conn_free (c);

  c = mk_conn (2, 5);
  c->handshake_status = 502;
  c->stage = WS_STAGE_REJECTED;
  tcp_fin (c, WS_SIDE_SERVER, 0.01);
  check (c, NULL, "handshake_rejected", "http_502", "high");
  ws_conn_free (c);
}

/* wrong-accept-header.pcap: the client FINs right after the 101 */
static void
test_handshake_accept (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->accept_valid = 0;
  c->ws_accept = g_strdup ("N8ntNYkX6Qerw4tK3s/CYzpSZNd=");
  tcp_fin (c, WS_SIDE_CLIENT, 0.003);
  tcp_fin (c, WS_SIDE_SERVER, 0.004);
  check (c, NULL, "handshake_accept_mismatch", NULL, "high");
  /* RFC 6455 section 1.3's worked example for this key */
  EVIDENCE (c, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EVIDENCE (c, "1006");
  ws_conn_free (c);

  /* a lax client that carried on: the close is explained otherwise */
  c = mk_conn (2, 5);
  c->accept_valid = 0;
  traffic (c, WS_SIDE_CLIENT, 3, 10, 1);
  send_close (c, WS_SIDE_CLIENT, 1000, NULL, 2);
  send_close (c, WS_SIDE_SERVER, 1000, NULL, 2.001);
  tcp_fin (c, WS_SIDE_SERVER, 2.002);
  check (c, NULL, "normal_closure", NULL, "high");
  EVIDENCE (c, "lax client");
  ws_conn_free (c);
}

static void
test_handshake_extension (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->offered_extensions = NULL;
  c->accepted_extensions = g_strdup ("permessage-deflate");
  c->handshake_problem_kind = WS_HS_UNREQUESTED_EXTENSION;
  c->handshake_problem = g_strdup ("permessage-deflate was not offered");
  tcp_fin (c, WS_SIDE_CLIENT, 0.003);
  check (c, NULL, "handshake_unrequested_extension", NULL, "high");
  EVIDENCE (c, "permessage-deflate was not offered");
  ws_conn_free (c);

  c = mk_conn (2, 5);
  c->offered_extensions = g_strdup ("permessage-deflate");
  c->accepted_extensions = g_strdup ("permessage-deflate; client_max_window_bits=10");
  c->handshake_problem_kind = WS_HS_BAD_EXTENSION_PARAM;
  c->handshake_problem = g_strdup ("client_max_window_bits in the response but not offered");
  tcp_rst (c, WS_SIDE_CLIENT, 0.003);
  check (c, NULL, "handshake_unrequested_extension", "forbidden_parameter", "high");
  SUMMARY (c, "RFC 7692");
  ws_conn_free (c);

  c = mk_conn (3, 5);
  c->offered_subprotocols = g_strdup ("v1");
  c->accepted_subprotocol = g_strdup ("v2");
  c->handshake_problem_kind = WS_HS_UNREQUESTED_SUBPROTOCOL;
  tcp_fin (c, WS_SIDE_CLIENT, 0.003);
  check (c, NULL, "handshake_unrequested_subprotocol", NULL, "high");
  EVIDENCE (c, "the server chose v2");
  ws_conn_free (c);
}

static void
test_handshake_no_response (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->handshake_status = -1;
  c->response_us = 0;
  c->stage = WS_STAGE_HANDSHAKE;
  tcp_fin (c, WS_SIDE_SERVER, 30);
  check (c, NULL, "connection_dropped", "no_handshake_response", "medium");
  ws_conn_free (c);
}

/* ---- close frames ------------------------------------------------------------- */

/* broker-websocket.pcap: client 1000, no echo, the server ends TCP */
static void
test_normal_no_echo (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 2, 50, 0.5);
  traffic (c, WS_SIDE_SERVER, 2, 50, 0.5);
  send_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  tcp_fin (c, WS_SIDE_SERVER, 1.001);
  tcp_fin (c, WS_SIDE_CLIENT, 1.002);
  check (c, NULL, "normal_closure", NULL, "high");
  SUMMARY (c, "never answered");
  EVIDENCE (c, "without echoing it");
  ws_conn_free (c);
}

/* wstunnel-*.pcap: close handshake complete, then the client resets */
static void
test_normal_rst_after_echo (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 2, 50, 0.5);
  send_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  send_close (c, WS_SIDE_SERVER, 1000, NULL, 1.001);
  tcp_rst (c, WS_SIDE_CLIENT, 1.002);
  check (c, NULL, "normal_closure", NULL, "high");
  g_assert_null (strstr (c->cause.summary, "failed the connection"));
  ws_conn_free (c);
}

/* close frame, then RST before the echo: the peer most likely saw 1006 */
static void
test_failed_connection (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_SERVER, 2, 50, 0.5);
  send_close (c, WS_SIDE_SERVER, 1011, NULL, 1);
  tcp_rst (c, WS_SIDE_SERVER, 1.0005);
  check (c, NULL, "server_internal_error", NULL, "high");
  SUMMARY (c, "failed the connection");
  SUMMARY (c, "most likely saw 1006 although 1011 was on the wire");
  ws_conn_free (c);

  /* FIN with no echo at all counts too */
  c = mk_conn (2, 5);
  send_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  tcp_fin (c, WS_SIDE_CLIENT, 1.0001);
  check (c, NULL, "normal_closure", NULL, NULL);
  SUMMARY (c, "saw 1006 although 1000");
  ws_conn_free (c);
}

/* http-websocket.pcap / jupyter: empty close frame */
static void
test_no_status (void)
{
  ws_conn *c = mk_conn (1, 5);
  send_close (c, WS_SIDE_CLIENT, -1, NULL, 1);
  send_close (c, WS_SIDE_SERVER, -1, NULL, 1.01);
  tcp_fin (c, WS_SIDE_SERVER, 1.02);
  check (c, NULL, "no_status", NULL, "high");
  SUMMARY (c, "1005");
  ws_conn_free (c);
}

static void
test_going_away (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->user_agent = g_strdup ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                            "Gecko) Chrome/120.0.0.0 Safari/537.36");
  send_close (c, WS_SIDE_CLIENT, 1001, NULL, 5);
  send_close (c, WS_SIDE_SERVER, 1001, NULL, 5.001);
  tcp_fin (c, WS_SIDE_SERVER, 5.002);
  check (c, NULL, "endpoint_going_away", "client_leaving", "high");
  SUMMARY (c, "navigated away");
  EVIDENCE (c, "Chromium-based browser");
  ws_conn_free (c);
}

/* 1001 from the server, the same client back 1.5 s later */
static void
test_going_away_server_reconnect (void)
{
  ws_conn *c = mk_conn (1, 5);
  send_close (c, WS_SIDE_SERVER, 1001, NULL, 5);
  send_close (c, WS_SIDE_CLIENT, 1001, NULL, 5.001);
  tcp_fin (c, WS_SIDE_SERVER, 5.002);

  ws_conn *next = mk_conn (2, 5);
  next->start_us = T0 + S (6.5);
  ws_conn_brief b[2];
  ws_conn_brief_fill (&b[0], c);
  ws_conn_brief_fill (&b[1], next);
  g_assert_cmpint (b[0].end_us, ==, T0 + S (5));
  g_assert_cmpint (b[0].close_code, ==, 1001);
  ws_conn_window w = { b, 2 };
  check (c, &w, "endpoint_going_away", "server_shutdown", "high");
  EVIDENCE (c, "reconnected after 1.5 s");
  SUMMARY (c, "reconnected after 1.5 s");
  ws_conn_free (c);
  ws_conn_free (next);
}

static void
test_protocol_violation (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 1, 20, 1);
  violation (c, WS_VIOL_UNMASKED_CLIENT_FRAME, WS_SIDE_CLIENT, 1, 0, NULL);
  send_close (c, WS_SIDE_SERVER, 1002, "incorrect masking", 1.001);
  tcp_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_UNMASKED_CLIENT_FRAME), "high");
  EVIDENCE (c, "Python websockets");
  ws_conn_free (c);

  /* RSV1 although the 101 did not accept the offered permessage-deflate */
  c = mk_conn (2, 5);
  c->offered_extensions = g_strdup ("permessage-deflate; client_max_window_bits");
  violation (c, WS_VIOL_RSV_NOT_NEGOTIATED, WS_SIDE_SERVER, 1, 0, "RSV1");
  send_close (c, WS_SIDE_CLIENT, 1002, NULL, 1.001);
  tcp_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_RSV_NOT_NEGOTIATED), "high");
  SUMMARY (c, "altered the handshake headers");
  ws_conn_free (c);

  /* no violation visible */
  c = mk_conn (3, 5);
  send_close (c, WS_SIDE_CLIENT, 1002, NULL, 1.001);
  tcp_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "protocol_violation", NULL, "low");
  ws_conn_free (c);
}

/* oversized-close-frame.pcapng: the server's 258-byte close, never echoed */
static void
test_oversized_close (void)
{
  ws_conn *c = mk_conn (1, 5);
  char *reason = g_strnfill (256, 'C');
  send_close (c, WS_SIDE_SERVER, 1000, reason, 1);
  g_free (reason);
  violation (c, WS_VIOL_CONTROL_TOO_LONG, WS_SIDE_SERVER, 1, 0, "258 bytes");
  tcp_fin (c, WS_SIDE_CLIENT, 1.001);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_CONTROL_TOO_LONG), "medium");
  SUMMARY (c, "258-byte payload");
  ws_conn_free (c);
}

static void
test_invalid_payload (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 4, 30, 2);
  violation (c, WS_VIOL_TEXT_NOT_UTF8, WS_SIDE_CLIENT, 2, 84, "byte 0xff at message offset 3");
  send_close (c, WS_SIDE_SERVER, 1007, "invalid start byte at position 3", 2.001);
  send_close (c, WS_SIDE_CLIENT, 1007, NULL, 2.002);
  tcp_fin (c, WS_SIDE_SERVER, 2.003);
  check (c, NULL, "invalid_payload", ws_violation_name (WS_VIOL_TEXT_NOT_UTF8), "high");
  SUMMARY (c, "offset 84");
  EVIDENCE (c, "byte 0xff at message offset 3");
  EVIDENCE (c, "Python websockets");
  ws_conn_free (c);
}

/* message-too-big-status.pcap: a 4-byte ping against a 2-byte limit */
static void
test_too_big_reason (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->dir[WS_SIDE_SERVER].frames = 1;
  c->dir[WS_SIDE_SERVER].pings = 1;
  c->dir[WS_SIDE_SERVER].largest_control = 4;
  c->dir[WS_SIDE_SERVER].last_frame_us = c->dir[WS_SIDE_SERVER].last_ping_us = T0 + S (0.5);
  send_close (c, WS_SIDE_CLIENT, 1009, "over size limit (4 > 2 bytes)", 0.501);
  send_close (c, WS_SIDE_SERVER, 1009, "over size limit (4 > 2 bytes)", 0.502);
  tcp_fin (c, WS_SIDE_SERVER, 0.503);
  check (c, NULL, "message_too_big", "limit_in_reason", "high");
  SUMMARY (c, "control frame of 4 bytes");
  SUMMARY (c, "limit of 2 bytes");
  EVIDENCE (c, "Python websockets");
  ws_conn_free (c);
}

/* a 2 MiB message after 512 KiB ones: websockets' 1 MiB default in between */
static void
test_too_big_bracket (void)
{
  ws_conn *c = mk_conn (1, 5);
  ws_dir_stats *d = &c->dir[WS_SIDE_CLIENT];
  d->frames = d->messages = 3;
  d->largest_message = d->last_message = 2 * 1024 * 1024;
  d->largest_before_last = 512 * 1024;
  d->last_frame_us = d->last_data_us = T0 + S (3);
  send_close (c, WS_SIDE_SERVER, 1009, NULL, 3.001);
  send_close (c, WS_SIDE_CLIENT, 1009, NULL, 3.002);
  tcp_fin (c, WS_SIDE_SERVER, 3.003);
  check (c, NULL, "message_too_big", "bracketed", "high");
  SUMMARY (c, "between 524288 bytes");
  EVIDENCE (c, "Python websockets' default max_size of 1 MiB");
  SUMMARY (c, "consistent with Python websockets' default max_size of 1 MiB");
  EVIDENCE (c, "Socket.IO");
  g_assert_false (has_evidence (c, "Node ws"));
  ws_conn_free (c);
}

static void
test_mandatory_extension (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->offered_extensions = g_strdup ("permessage-deflate; client_max_window_bits");
  send_close (c, WS_SIDE_CLIENT, 1010, "permessage-deflate", 0.01);
  send_close (c, WS_SIDE_SERVER, 1010, "permessage-deflate", 0.011);
  tcp_fin (c, WS_SIDE_SERVER, 0.012);
  check (c, NULL, "extension_not_negotiated", NULL, "high");
  SUMMARY (c, "did not accept permessage-deflate");
  g_assert_nonnull (strstr (c->cause.fix, "perMessageDeflate"));
  ws_conn_free (c);
}

static void
test_internal_error (void)
{
  /* python websockets keepalive: ping at 20 s, no pong, 1011 at 40 s */
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 1, 10, 5);
  c->dir[WS_SIDE_SERVER].frames = 2;
  c->dir[WS_SIDE_SERVER].pings = 1;
  c->dir[WS_SIDE_SERVER].last_ping_us = c->dir[WS_SIDE_SERVER].last_frame_us = T0 + S (20);
  send_close (c, WS_SIDE_SERVER, 1011, "keepalive ping timeout", 40);
  tcp_fin (c, WS_SIDE_SERVER, 40.001);
  check (c, NULL, "keepalive_timeout", "ping_unanswered", "high");
  EVIDENCE (c, "ping_timeout of 20 s");
  EVIDENCE (c, "Python websockets");
  ws_conn_free (c);

  /* the pong did come */
  c = mk_conn (2, 5);
  c->dir[WS_SIDE_SERVER].pings = 1;
  c->dir[WS_SIDE_SERVER].last_ping_us = T0 + S (20);
  c->dir[WS_SIDE_CLIENT].pongs = 1;
  c->dir[WS_SIDE_CLIENT].last_pong_us = T0 + S (39.5);
  send_close (c, WS_SIDE_SERVER, 1011, "keepalive ping timeout", 40);
  tcp_fin (c, WS_SIDE_SERVER, 40.001);
  check (c, NULL, "keepalive_timeout", "pong_late", "low");
  ws_conn_free (c);

  /* an exception in the handler */
  c = mk_conn (3, 5);
  c->server_header = g_strdup ("Python/3.11 websockets/10.4");
  traffic (c, WS_SIDE_CLIENT, 1, 10, 1);
  send_close (c, WS_SIDE_SERVER, 1011, NULL, 1.01);
  send_close (c, WS_SIDE_CLIENT, 1011, NULL, 1.02);
  tcp_fin (c, WS_SIDE_SERVER, 1.03);
  check (c, NULL, "server_internal_error", NULL, "high");
  EVIDENCE (c, "connection handler failed");
  ws_conn_free (c);
}

static void
test_simple_codes (void)
{
  static const struct { int code; ws_side by; const char *id; const char *detail; } cases[] = {
    { 1003, WS_SIDE_SERVER, "unsupported_data", NULL },
    { 1008, WS_SIDE_SERVER, "policy_violation", NULL },
    { 1012, WS_SIDE_SERVER, "service_restart", NULL },
    { 1013, WS_SIDE_SERVER, "try_again_later", NULL },
    { 1014, WS_SIDE_SERVER, "bad_gateway", NULL },
    { 3000, WS_SIDE_SERVER, "application_code", "unauthorized" },
    { 3003, WS_SIDE_SERVER, "application_code", "forbidden" },
    { 3008, WS_SIDE_SERVER, "application_code", "timeout" },
    { 3500, WS_SIDE_SERVER, "application_code", "registered" },
    { 4321, WS_SIDE_CLIENT, "application_code", "private" },
    { 999, WS_SIDE_SERVER, "invalid_close_code", "below_1000" },
    { 1004, WS_SIDE_SERVER, "invalid_close_code", "reserved_code" },
    { 1005, WS_SIDE_SERVER, "invalid_close_code", "reserved_code" },
    { 1006, WS_SIDE_CLIENT, "invalid_close_code", "reserved_code" },
    { 1015, WS_SIDE_SERVER, "invalid_close_code", "reserved_code" },
    { 2000, WS_SIDE_SERVER, "invalid_close_code", "reserved_range" },
    { 5000, WS_SIDE_SERVER, "invalid_close_code", "above_4999" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ws_conn *c = mk_conn (i + 1, 5);
      traffic (c, WS_OTHER_SIDE (cases[i].by), 10, 100, 30);
      send_close (c, cases[i].by, cases[i].code, NULL, 31);
      send_close (c, WS_OTHER_SIDE (cases[i].by), cases[i].code, NULL, 31.01);
      tcp_fin (c, WS_SIDE_SERVER, 31.02);
      check (c, NULL, cases[i].id, cases[i].detail, NULL);
      ws_conn_free (c);
    }
}

static void
test_graphql_code (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->accepted_subprotocol = g_strdup ("graphql-transport-ws");
  send_close (c, WS_SIDE_SERVER, 4408, "Connection initialisation timeout", 3);
  tcp_fin (c, WS_SIDE_SERVER, 3.01);
  check (c, NULL, "application_code", "private", "high");
  SUMMARY (c, "\"Connection initialisation timeout\"");
  EVIDENCE (c, "GraphQL over WebSocket");
  ws_conn_free (c);
}

/* ---- no close frame ------------------------------------------------------------ */

/* a server killed mid-traffic: FIN from its kernel, RST to later data */
static void
test_peer_reset (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 100, 100, 10.0);
  traffic (c, WS_SIDE_SERVER, 100, 100, 9.9);
  tcp_fin (c, WS_SIDE_SERVER, 9.95);
  tcp_rst (c, WS_SIDE_SERVER, 10.001);
  check (c, NULL, "peer_reset", "server_reset", "high");
  EVIDENCE (c, "process was gone");
  ws_conn_free (c);

  /* plain RST mid-traffic */
  c = mk_conn (2, 5);
  traffic (c, WS_SIDE_CLIENT, 100, 100, 10.0);
  tcp_rst (c, WS_SIDE_CLIENT, 10.2);
  check (c, NULL, "peer_reset", "client_reset", "high");
  SUMMARY (c, "reset the connection mid-traffic");
  ws_conn_free (c);
}

static void
test_idle_nginx (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->server_header = g_strdup ("nginx/1.22.1");
  traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
  traffic (c, WS_SIDE_SERVER, 3, 10, 2.001);
  tcp_fin (c, WS_SIDE_SERVER, 62.05);
  tcp_fin (c, WS_SIDE_CLIENT, 62.06);
  check (c, NULL, "idle_timeout", "nginx_proxy_read_timeout", "high");
  SUMMARY (c, "proxy_read_timeout");
  EVIDENCE (c, "no pings in either direction");
  g_assert_nonnull (strstr (c->cause.fix, "proxy_read_timeout"));
  ws_conn_free (c);

  /* same silence, no Server header: both 60 s candidates named */
  c = mk_conn (2, 5);
  traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
  tcp_fin (c, WS_SIDE_SERVER, 61.5);
  check (c, NULL, "idle_timeout", "idle_timeout_60s", "medium");
  SUMMARY (c, "AWS ALB");
  SUMMARY (c, "nginx");
  ws_conn_free (c);
}

static void
test_idle_others (void)
{
  static const struct { double end; const char *detail; } cases[] = {
    { 57.0, "heroku_router" },      /* 55 s silence */
    { 102.5, "cloudflare_idle" },   /* 100 s silence */
    { 17.2, "envoy_route_timeout" }, /* 15 s silence */
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ws_conn *c = mk_conn (i + 1, 5);
      traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
      tcp_fin (c, WS_SIDE_SERVER, cases[i].end);
      check (c, NULL, "idle_timeout", cases[i].detail, "medium");
      ws_conn_free (c);
    }

  /* busy until the end, cut 30 s after the 101 */
  ws_conn *c = mk_conn (9, 5);
  traffic (c, WS_SIDE_CLIENT, 300, 10, 29.9);
  traffic (c, WS_SIDE_SERVER, 300, 10, 29.95);
  tcp_fin (c, WS_SIDE_SERVER, 30.1);
  check (c, NULL, "idle_timeout", "lifetime_30s", "medium");
  EVIDENCE (c, "lifetime since the 101");
  ws_conn_free (c);
}

static void
test_keepalive_1006 (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
  traffic (c, WS_SIDE_SERVER, 3, 10, 2);
  c->dir[WS_SIDE_CLIENT].pings = 2;
  c->dir[WS_SIDE_CLIENT].frames += 2;
  c->dir[WS_SIDE_CLIENT].last_ping_us = c->dir[WS_SIDE_CLIENT].last_frame_us = T0 + S (22);
  c->dir[WS_SIDE_SERVER].pongs = 1;
  c->dir[WS_SIDE_SERVER].last_pong_us = T0 + S (2.01);
  tcp_fin (c, WS_SIDE_CLIENT, 42);
  check (c, NULL, "keepalive_timeout", "ping_unanswered", "high");
  EVIDENCE (c, "last ping got no pong");
  ws_conn_free (c);
}

static void
test_dropped (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 3, 10, 5);
  traffic (c, WS_SIDE_SERVER, 3, 10, 5.1);
  tcp_fin (c, WS_SIDE_SERVER, 7.3);
  check (c, NULL, "connection_dropped", "server_fin", "medium");
  SUMMARY (c, "client application saw 1006");
  ws_conn_free (c);
}

/* a masked server frame, then the client hangs up without a close frame */
static void
test_violation_then_fin (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_SERVER, 3, 10, 5);
  violation (c, WS_VIOL_MASKED_SERVER_FRAME, WS_SIDE_SERVER, 5, 200, NULL);
  tcp_fin (c, WS_SIDE_CLIENT, 5.01);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_MASKED_SERVER_FRAME), "medium");
  ws_conn_free (c);
}

/* three connections dropped after the same 42 s of silence */
static void
test_same_idle (void)
{
  ws_conn *cs[3];
  ws_conn_brief b[3];
  for (int i = 0; i < 3; i++)
    {
      cs[i] = mk_conn (i + 1, 5 + i);
      cs[i]->start_us += S (i * 10);
      traffic (cs[i], WS_SIDE_CLIENT, 3, 10, 2 + i * 10);
      tcp_fin (cs[i], WS_SIDE_SERVER, 2 + i * 10 + 42 + i * 0.3);
      ws_conn_brief_fill (&b[i], cs[i]);
    }
  g_assert_cmpint (b[0].idle_us, ==, S (42));
  ws_conn_window w = { b, 3 };
  check (cs[1], &w, "idle_timeout", "fixed_42s", "medium");
  EVIDENCE (cs[1], "3 connections");
  for (int i = 0; i < 3; i++)
    ws_conn_free (cs[i]);
}

/* a proxy (10.0.0.2) closes both legs after 5 s of silence: downstream as
 * the server, upstream as the client */
static void
test_proxy_pair (void)
{
  ws_conn *down = mk_conn (1, 5);
  down->server_header = g_strdup ("nginx/1.22.1");
  traffic (down, WS_SIDE_CLIENT, 1, 5, 1);
  traffic (down, WS_SIDE_SERVER, 1, 5, 1.001);
  tcp_fin (down, WS_SIDE_SERVER, 6.002);

  ws_conn *up = mk_conn (2, 2);           /* client 10.0.0.2: the proxy */
  up->addr[WS_SIDE_SERVER].addr[3] = 3;   /* upstream 10.0.0.3:9000 */
  up->port[WS_SIDE_SERVER] = 9000;
  traffic (up, WS_SIDE_CLIENT, 1, 5, 1.0005);
  traffic (up, WS_SIDE_SERVER, 1, 5, 1.0008);
  tcp_fin (up, WS_SIDE_CLIENT, 6.0025);

  ws_conn_brief b[2];
  ws_conn_brief_fill (&b[0], down);
  ws_conn_brief_fill (&b[1], up);
  ws_conn_window w = { b, 2 };
  check (down, &w, "idle_timeout", "proxy_idle", "high");
  SUMMARY (down, "10.0.0.2 (nginx)");
  check (up, &w, "idle_timeout", "proxy_idle", "medium");
  EVIDENCE (up, "10.0.0.2 is a proxy closing both legs");

  /* alone, the upstream leg is just a dropped connection */
  check (up, NULL, "connection_dropped", "client_fin", "medium");
  ws_conn_free (down);
  ws_conn_free (up);
}

/* five connections closed with 1012 by the server within 0.4 s */
static void
test_close_storm (void)
{
  ws_conn *cs[6];
  ws_conn_brief b[6];
  for (int i = 0; i < 5; i++)
    {
      cs[i] = mk_conn (i + 1, 5 + i);
      send_close (cs[i], WS_SIDE_SERVER, 1012, NULL, 100 + i * 0.1);
      tcp_fin (cs[i], WS_SIDE_SERVER, 100.01 + i * 0.1);
      ws_conn_brief_fill (&b[i], cs[i]);
    }
  /* client .5 comes back 2 s later */
  cs[5] = mk_conn (6, 5);
  cs[5]->start_us = T0 + S (102);
  ws_conn_brief_fill (&b[5], cs[5]);
  ws_conn_window w = { b, 6 };
  check (cs[0], &w, "service_restart", "close_storm", "high");
  EVIDENCE (cs[0], "5 connections to server 10.0.0.2:8080");
  SUMMARY (cs[0], "restarted or was redeployed");
  SUMMARY (cs[0], "reconnected after 2.0 s");

  /* four are not a storm */
  w.n = 4;
  check (cs[1], &w, "service_restart", NULL, "high");
  for (int i = 0; i < 6; i++)
    ws_conn_free (cs[i]);
}

/* The analyzer's indexed window answers as a plain array of the same briefs
 * in the same order: the cross-connection rules (reconnects, storms, the
 * same idle time, proxy legs) must give identical causes, summaries and
 * evidence either way.  The connections are made from a fixed seed over a
 * few clients (one is the proxy 10.0.0.2), servers, ports and Hosts (in
 * mixed case), clustered in time so that every rule has something to find. */
static ws_conn *
mk_random_conn (GRand *r, uint64_t id)
{
  static const char *hosts[] = { "example.test", "EXAMPLE.test", "other.test", "" };
  ws_conn *c = mk_conn (id, g_rand_int_range (r, 0, 5) == 0 ? 2 : g_rand_int_range (r, 3, 9));
  double t0 = g_rand_int_range (r, 0, 40) * 0.5;
  double quiet = g_rand_int_range (r, 0, 3) == 0 ? 42 : g_rand_int_range (r, 1, 30) * 0.37;

  c->addr[WS_SIDE_SERVER].addr[3] = (uint8_t) g_rand_int_range (r, 2, 4);
  c->port[WS_SIDE_SERVER] = g_rand_boolean (r) ? 8080 : 9000;
  g_free (c->host);
  c->host = g_strdup (hosts[g_rand_int_range (r, 0, G_N_ELEMENTS (hosts))]);
  if (g_rand_int_range (r, 0, 3) == 0)
    c->server_header = g_strdup ("nginx/1.22.1");
  c->start_us += S (t0);
  c->request_us += S (t0);
  c->response_us += S (t0);
  traffic (c, WS_SIDE_CLIENT, 2, 10, t0 + 1);
  switch (g_rand_int_range (r, 0, 6))
    {
    case 0:
      send_close (c, WS_SIDE_SERVER, g_rand_boolean (r) ? 1012 : 1001, NULL,
                  100 + g_rand_int_range (r, 0, 8) * 0.1);
      tcp_fin (c, WS_SIDE_SERVER, 100.5 + g_rand_int_range (r, 0, 8) * 0.1);
      break;
    case 1:
      send_close (c, WS_SIDE_CLIENT, 1000, "bye", t0 + 2);
      tcp_fin (c, WS_SIDE_SERVER, t0 + 2.01);
      break;
    case 2:
    case 3:
      tcp_fin (c, g_rand_boolean (r) ? WS_SIDE_SERVER : WS_SIDE_CLIENT,
               (g_rand_boolean (r) ? 100.02 : t0 + 1) + quiet);
      break;
    case 4:
      tcp_rst (c, WS_SIDE_SERVER, 100 + g_rand_int_range (r, 0, 5) * 0.05);
      break;
    default:
      c->end_us = T0 + S (200);   /* still open */
      break;
    }
  return c;
}

typedef struct {
  char *id, *detail, *confidence, *summary;
  GString *evidence;
} cause_copy;

static void
cause_take (cause_copy *k, const ws_conn *c)
{
  k->id = g_strdup (c->cause.id);
  k->detail = g_strdup (c->cause.detail);
  k->confidence = g_strdup (c->cause.confidence);
  k->summary = g_strdup (c->cause.summary);
  k->evidence = g_string_new (NULL);
  for (guint i = 0; c->cause.evidence && i < c->cause.evidence->len; i++)
    {
      const ws_evidence *e = c->cause.evidence->pdata[i];
      g_string_append_printf (k->evidence, "[%" G_GINT64_FORMAT "] %s\n", e->ts_us, e->text);
    }
}

static void
cause_drop (cause_copy *k)
{
  g_free (k->id);
  g_free (k->detail);
  g_free (k->confidence);
  g_free (k->summary);
  g_string_free (k->evidence, TRUE);
}

#define N_RANDOM 240

/* Diagnose every connection against the array and against the index; count
 * how often each cross-connection finding came up. */
static void
compare_windows (ws_conn **cs, size_t n, const ws_conn_window *plain,
                 const ws_conn_window *indexed, unsigned found[4])
{
  for (size_t i = 0; i < n; i++)
    {
      cause_copy a, b;
      ws_diagnose (cs[i], plain);
      cause_take (&a, cs[i]);
      ws_diagnose (cs[i], indexed);
      cause_take (&b, cs[i]);
      g_assert_cmpstr (a.id, ==, b.id);
      g_assert_cmpstr (a.detail, ==, b.detail);
      g_assert_cmpstr (a.confidence, ==, b.confidence);
      g_assert_cmpstr (a.summary, ==, b.summary);
      g_assert_cmpstr (a.evidence->str, ==, b.evidence->str);
      found[0] += a.detail && !strcmp (a.detail, "close_storm");
      found[1] += a.detail && g_str_has_prefix (a.detail, "fixed_");
      found[2] += a.detail && !strcmp (a.detail, "proxy_idle") && !strcmp (a.confidence, "high");
      found[3] += strstr (a.evidence->str, "reconnected after") != NULL;
      cause_drop (&a);
      cause_drop (&b);
    }
}

static void
test_index_same_answers (void)
{
  GRand *r = g_rand_new_with_seed (20231114);
  ws_conn *cs[N_RANDOM];
  ws_conn_brief b[N_RANDOM];
  size_t order[N_RANDOM], nb = 0;
  unsigned found[4] = { 0 };
  ws_conn_index *ix = ws_conn_index_new (0);

  for (size_t i = 0; i < N_RANDOM; i++)
    cs[i] = mk_random_conn (r, i + 1);
  /* most are noted when they open, in order; the rest when they end (after
   * all of those), as the analyzer does */
  for (size_t i = 0; i < N_RANDOM; i++)
    if (i % 7 != 3)
      {
        ws_conn_index_put (ix, cs[i], true);
        order[nb++] = i;
      }
  for (size_t i = 0; i < N_RANDOM; i++)
    {
      if (i % 7 == 3)
        order[nb++] = i;
      ws_conn_index_put (ix, cs[i], false);
    }
  g_assert_cmpuint (nb, ==, N_RANDOM);
  g_assert_cmpuint (ws_conn_index_size (ix), ==, N_RANDOM);
  for (size_t k = 0; k < nb; k++)
    ws_conn_brief_fill (&b[k], cs[order[k]]);
  ws_conn_window plain = { b, nb, NULL }, indexed = { NULL, 0, ix };
  compare_windows (cs, N_RANDOM, &plain, &indexed, found);
  g_test_message ("storms %u, same idle %u, proxy legs %u, reconnects %u",
                  found[0], found[1], found[2], found[3]);
  for (int k = 0; k < 4; k++)
    g_assert_cmpuint (found[k], >, 0);

  /* pruned: both drop the briefs that ended before the cutoff */
  int64_t cutoff = T0 + S (100.3);
  size_t kept = 0;
  for (size_t k = 0; k < nb; k++)
    if (b[k].end_us == 0 || b[k].end_us >= cutoff)
      b[kept++] = b[k];
  g_assert_cmpuint (kept, <, nb);
  ws_conn_index_prune (ix, cutoff);
  g_assert_cmpuint (ws_conn_index_size (ix), ==, kept);
  plain.n = kept;
  memset (found, 0, sizeof found);
  compare_windows (cs, N_RANDOM, &plain, &indexed, found);

  ws_conn_index_free (ix);
  for (size_t i = 0; i < N_RANDOM; i++)
    ws_conn_free (cs[i]);
  g_rand_free (r);
}

/* Every moment of c moved by delta_us. */
static void
shift_conn (ws_conn *c, int64_t delta_us)
{
  int64_t *moments[] = {
    &c->start_us, &c->end_us, &c->request_us, &c->response_us,
    &c->close[0].ts_us, &c->close[1].ts_us, &c->fin_us[0], &c->fin_us[1],
    &c->rst_us[0], &c->rst_us[1],
  };
  for (size_t i = 0; i < G_N_ELEMENTS (moments); i++)
    if (*moments[i])
      *moments[i] += delta_us;
  for (int s = 0; s < 2; s++)
    {
      int64_t *d[] = { &c->dir[s].first_frame_us, &c->dir[s].last_frame_us,
                       &c->dir[s].last_data_us, &c->dir[s].last_ping_us,
                       &c->dir[s].last_pong_us };
      for (size_t i = 0; i < G_N_ELEMENTS (d); i++)
        if (*d[i])
          *d[i] += delta_us;
    }
}

/* What ws_conn_index_put promises, done on a plain array in the order the
 * briefs were first kept: a brief already there is refilled in place; a new
 * one goes last, and when max are kept the one that ended first (earliest
 * end, then earliest kept) makes room, or with all open the new one is not
 * kept. */
static void
plain_put (GArray *plain, size_t max, const ws_conn *c, bool open, uint64_t *dropped)
{
  ws_conn_brief b;
  size_t victim = G_MAXSIZE;

  ws_conn_brief_fill (&b, c);
  if (open)
    b.end_us = 0;
  for (guint i = 0; i < plain->len; i++)
    if (g_array_index (plain, ws_conn_brief, i).id == c->id)
      {
        g_array_index (plain, ws_conn_brief, i) = b;
        return;
      }
  if (max && plain->len >= max)
    {
      ++*dropped;
      for (guint i = 0; i < plain->len; i++)
        {
          const ws_conn_brief *o = &g_array_index (plain, ws_conn_brief, i);
          if (o->end_us && (victim == G_MAXSIZE
                            || o->end_us < g_array_index (plain, ws_conn_brief, victim).end_us))
            victim = i;
        }
      if (victim == G_MAXSIZE)
        return;
      g_array_remove_index (plain, (guint) victim);
    }
  g_array_append_val (plain, b);
}

/* Many clients; connections open, end and are pruned round after round, as
 * in a long capture (and, with a limit, evicted): lists are made and
 * dropped, lists outgrow their first entries, the tables grow and lose
 * entries.  After every round the index keeps exactly the briefs a plain
 * array kept the same way keeps, and answers the rules as the array does. */
static void
run_index_rolling (size_t max, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) ws_conn_free);
  GArray *plain = g_array_new (FALSE, FALSE, sizeof (ws_conn_brief));
  ws_conn_index *ix = ws_conn_index_new (max);
  uint64_t id = 0, dropped = 0;
  unsigned found[4] = { 0 };

  for (int round = 0; round < 40; round++)
    {
      ws_conn *batch[60];
      int64_t now = S (round * 6.0);

      for (int i = 0; i < 60; i++)
        {
          ws_conn *c = mk_random_conn (r, ++id);
          /* two clients in three from 300 others, which come back now and
           * then (a list each, made, dropped and made again) */
          if (g_rand_int_range (r, 0, 3))
            {
              c->addr[WS_SIDE_CLIENT].addr[2] = (uint8_t) g_rand_int_range (r, 1, 4);
              c->addr[WS_SIDE_CLIENT].addr[3] = (uint8_t) g_rand_int_range (r, 1, 101);
            }
          shift_conn (c, now - S (g_rand_int_range (r, 0, 20) * 0.5));
          batch[i] = c;
          g_ptr_array_add (all, c);
          ws_conn_index_put (ix, c, true);
          plain_put (plain, max, c, true, &dropped);
        }
      for (int i = 0; i < 60; i++)
        if (batch[i]->tcp_end != WS_TCP_END_OPEN)
          {
            ws_conn_index_put (ix, batch[i], false);
            plain_put (plain, max, batch[i], false, &dropped);
          }

      int64_t cutoff = T0 + now - S (60);
      ws_conn_index_prune (ix, cutoff);
      for (guint i = 0; i < plain->len;)
        {
          const ws_conn_brief *b = &g_array_index (plain, ws_conn_brief, i);
          if (b->end_us && b->end_us < cutoff)
            g_array_remove_index (plain, i);
          else
            i++;
        }

      g_assert_cmpuint (ws_conn_index_size (ix), ==, plain->len);
      g_assert_cmpuint (ws_conn_index_dropped (ix), ==, dropped);
      for (guint i = 0; i < all->len; i++)
        {
          uint64_t cid = ((ws_conn *) all->pdata[i])->id;
          bool kept = false;
          for (guint j = 0; j < plain->len && !kept; j++)
            kept = g_array_index (plain, ws_conn_brief, j).id == cid;
          if (ws_conn_index_has (ix, cid) != kept)
            g_error ("round %d: id %" G_GUINT64_FORMAT " kept %d by the array", round, cid, kept);
        }
      /* the connections of the window (ids are positions in all, from 1) */
      ws_conn_window pw = { (const ws_conn_brief *) (void *) plain->data, plain->len, NULL };
      ws_conn_window iw = { NULL, 0, ix };
      for (guint i = 0; i < plain->len; i++)
        {
          ws_conn *c = all->pdata[g_array_index (plain, ws_conn_brief, i).id - 1];
          compare_windows (&c, 1, &pw, &iw, found);
        }
    }
  g_test_message ("max %zu: storms %u, same idle %u, proxy legs %u, reconnects %u, "
                  "dropped %" G_GUINT64_FORMAT, max, found[0], found[1], found[2], found[3],
                  dropped);
  for (int k = 0; k < 4; k++)
    g_assert_cmpuint (found[k], >, 0);
  if (max)
    g_assert_cmpuint (dropped, >, 0);
  ws_conn_index_free (ix);
  g_array_unref (plain);
  g_ptr_array_unref (all);
  g_rand_free (r);
}

static void
test_index_rolling (void)
{
  run_index_rolling (0, 20261124);
}

static void
test_index_rolling_limit (void)
{
  run_index_rolling (500, 20261125);
}

/* Full: the brief of the connection that ended first goes; with none ended,
 * the new brief is not kept.  Both are counted. */
static void
test_index_limit (void)
{
  ws_conn_index *ix = ws_conn_index_new (3);
  ws_conn *cs[6];

  for (int i = 0; i < 6; i++)
    {
      cs[i] = mk_conn (i + 1, 5 + i);
      tcp_fin (cs[i], WS_SIDE_SERVER, 10 - i);   /* the later, the earlier it ended */
    }
  for (int i = 0; i < 3; i++)
    ws_conn_index_put (ix, cs[i], true);         /* open */
  ws_conn_index_put (ix, cs[3], true);
  g_assert_false (ws_conn_index_has (ix, 4));
  g_assert_cmpuint (ws_conn_index_dropped (ix), ==, 1);
  ws_conn_index_put (ix, cs[0], false);          /* ended at 10 */
  ws_conn_index_put (ix, cs[1], false);          /* ended at 9 */
  ws_conn_index_put (ix, cs[4], false);          /* new: 2 (ended first) goes */
  g_assert_cmpuint (ws_conn_index_size (ix), ==, 3);
  g_assert_false (ws_conn_index_has (ix, 2));
  g_assert_true (ws_conn_index_has (ix, 1) && ws_conn_index_has (ix, 3) && ws_conn_index_has (ix, 5));
  ws_conn_index_put (ix, cs[5], false);          /* 5 (ended at 6) goes */
  g_assert_false (ws_conn_index_has (ix, 5));
  g_assert_true (ws_conn_index_has (ix, 6));
  g_assert_cmpuint (ws_conn_index_dropped (ix), ==, 3);
  ws_conn_index_free (ix);
  for (int i = 0; i < 6; i++)
    ws_conn_free (cs[i]);
}

static void
test_still_open (void)
{
  ws_conn *c = mk_conn (1, 5);
  traffic (c, WS_SIDE_CLIENT, 3, 10, 5);
  c->end_us = T0 + S (8);
  check (c, NULL, "still_open", NULL, "high");
  SUMMARY (c, "3.0 s");
  /* diagnosing twice replaces, never leaks or appends */
  ws_diagnose (c, NULL);
  g_assert_cmpstr (c->cause.id, ==, "still_open");
  ws_cause_clear (&c->cause);
  ws_cause_clear (&c->cause);
  g_assert_null (c->cause.id);
  ws_conn_free (c);
}

static void
test_gaps_lower_confidence (void)
{
  ws_conn *c = mk_conn (1, 5);
  c->dir[WS_SIDE_CLIENT].gaps = 1;
  c->dir[WS_SIDE_CLIENT].gap_bytes = 1400;
  send_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  send_close (c, WS_SIDE_SERVER, 1000, NULL, 1.001);
  tcp_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "normal_closure", NULL, "medium");
  EVIDENCE (c, "missed 1400 bytes");
  ws_conn_free (c);
}

/* ---- text formatting ---------------------------------------------------------- */

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/diagnose/handshake/rejected", test_handshake_rejected);
  g_test_add_func ("/diagnose/handshake/accept", test_handshake_accept);
  g_test_add_func ("/diagnose/handshake/extension", test_handshake_extension);
  g_test_add_func ("/diagnose/handshake/no-response", test_handshake_no_response);
  g_test_add_func ("/diagnose/close/normal-no-echo", test_normal_no_echo);
  g_test_add_func ("/diagnose/close/normal-rst-after-echo", test_normal_rst_after_echo);
  g_test_add_func ("/diagnose/close/failed-connection", test_failed_connection);
  g_test_add_func ("/diagnose/close/no-status", test_no_status);
  g_test_add_func ("/diagnose/close/going-away-client", test_going_away);
  g_test_add_func ("/diagnose/close/going-away-server", test_going_away_server_reconnect);
  g_test_add_func ("/diagnose/close/protocol-violation", test_protocol_violation);
  g_test_add_func ("/diagnose/close/oversized-close", test_oversized_close);
  g_test_add_func ("/diagnose/close/invalid-payload", test_invalid_payload);
  g_test_add_func ("/diagnose/close/too-big-reason", test_too_big_reason);
  g_test_add_func ("/diagnose/close/too-big-bracket", test_too_big_bracket);
  g_test_add_func ("/diagnose/close/mandatory-extension", test_mandatory_extension);
  g_test_add_func ("/diagnose/close/internal-error", test_internal_error);
  g_test_add_func ("/diagnose/close/simple-codes", test_simple_codes);
  g_test_add_func ("/diagnose/close/graphql", test_graphql_code);
  g_test_add_func ("/diagnose/abnormal/peer-reset", test_peer_reset);
  g_test_add_func ("/diagnose/abnormal/idle-nginx", test_idle_nginx);
  g_test_add_func ("/diagnose/abnormal/idle-others", test_idle_others);
  g_test_add_func ("/diagnose/abnormal/keepalive", test_keepalive_1006);
  g_test_add_func ("/diagnose/abnormal/dropped", test_dropped);
  g_test_add_func ("/diagnose/abnormal/violation", test_violation_then_fin);
  g_test_add_func ("/diagnose/window/same-idle", test_same_idle);
  g_test_add_func ("/diagnose/window/close-storm", test_close_storm);
  g_test_add_func ("/diagnose/window/proxy-pair", test_proxy_pair);
  g_test_add_func ("/diagnose/window/index-same-answers", test_index_same_answers);
  g_test_add_func ("/diagnose/window/index-limit", test_index_limit);
  g_test_add_func ("/diagnose/window/index-rolling", test_index_rolling);
  g_test_add_func ("/diagnose/window/index-rolling-limit", test_index_rolling_limit);
  g_test_add_func ("/diagnose/open", test_still_open);
  g_test_add_func ("/diagnose/quality/gaps", test_gaps_lower_confidence);
  return g_test_run ();
}
