/* test-diagnose.c - one hand-built connection record per diagnosis rule,
 * checking the cause id, its detail, the confidence and the key evidence.
 * The records describe what each situation looks like on the wire (e.g. the
 * Zeek corpus captures, a python websockets keepalive failure, nginx closing
 * an idle connection after 60 s); the expected values follow from how the
 * record was built, not from the program's output. */
#include <string.h>

#include "conn-builder.h"
#include "diagnose.h"

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

/* A window of the briefs of cs[0..n), in that order, as the analyzer keeps
 * it. */
static ws_conn_window
window_of (ws_conn **cs, size_t n)
{
  ws_conn_index *ix = ws_conn_index_new (0);
  for (size_t i = 0; i < n; i++)
    ws_conn_index_put (ix, cs[i], false);
  return (ws_conn_window) { .index = ix };
}

static void
window_free (ws_conn_window *w)
{
  ws_conn_index_free ((ws_conn_index *) w->index);
  w->index = NULL;
}

/* ---- handshake -------------------------------------------------------------- */

static void
test_handshake_rejected (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_reject (c, 403, "Forbidden");
  cb_origin (c, "https://evil.test");
  cb_fin (c, WS_SIDE_SERVER, 0.01);
  check (c, NULL, "handshake_rejected", "http_403", "high");
  SUMMARY (c, "HTTP 403");
  EVIDENCE (c, "https://evil.test");
  g_assert_nonnull (strstr (c->cause.fix, "Origin"));
  ws_conn_free (c);

  c = cb_conn (2, 5);
  cb_reject (c, 502, NULL);
  cb_fin (c, WS_SIDE_SERVER, 0.01);
  check (c, NULL, "handshake_rejected", "http_502", "high");
  ws_conn_free (c);
}

/* wrong-accept-header.pcap: the client FINs right after the 101 */
static void
test_handshake_accept (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_accept (c, "N8ntNYkX6Qerw4tK3s/CYzpSZNd=", false);
  cb_fin (c, WS_SIDE_CLIENT, 0.003);
  cb_fin (c, WS_SIDE_SERVER, 0.004);
  check (c, NULL, "handshake_accept_mismatch", NULL, "high");
  /* RFC 6455 section 1.3's worked example for this key */
  EVIDENCE (c, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EVIDENCE (c, "1006");
  ws_conn_free (c);

  /* a lax client that carried on: the close is explained otherwise */
  c = cb_conn (2, 5);
  cb_accept (c, NULL, false);
  cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 1);
  cb_close (c, WS_SIDE_CLIENT, 1000, NULL, 2);
  cb_close (c, WS_SIDE_SERVER, 1000, NULL, 2.001);
  cb_fin (c, WS_SIDE_SERVER, 2.002);
  check (c, NULL, "normal_closure", NULL, "high");
  EVIDENCE (c, "lax client");
  ws_conn_free (c);
}

static void
test_handshake_extension (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_extensions (c, NULL, "permessage-deflate");
  cb_handshake_problem (c, WS_HS_UNREQUESTED_EXTENSION, "permessage-deflate was not offered");
  cb_fin (c, WS_SIDE_CLIENT, 0.003);
  check (c, NULL, "handshake_unrequested_extension", NULL, "high");
  EVIDENCE (c, "permessage-deflate was not offered");
  ws_conn_free (c);

  c = cb_conn (2, 5);
  cb_extensions (c, "permessage-deflate", "permessage-deflate; client_max_window_bits=10");
  cb_handshake_problem (c, WS_HS_BAD_EXTENSION_PARAM,
                        "client_max_window_bits in the response but not offered");
  cb_rst (c, WS_SIDE_CLIENT, 0.003);
  check (c, NULL, "handshake_unrequested_extension", "forbidden_parameter", "high");
  SUMMARY (c, "RFC 7692");
  ws_conn_free (c);

  c = cb_conn (3, 5);
  cb_subprotocols (c, "v1", "v2");
  cb_handshake_problem (c, WS_HS_UNREQUESTED_SUBPROTOCOL, NULL);
  cb_fin (c, WS_SIDE_CLIENT, 0.003);
  check (c, NULL, "handshake_unrequested_subprotocol", NULL, "high");
  EVIDENCE (c, "the server chose v2");
  ws_conn_free (c);
}

static void
test_handshake_no_response (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_no_response (c);
  cb_fin (c, WS_SIDE_SERVER, 30);
  check (c, NULL, "connection_dropped", "no_handshake_response", "medium");
  ws_conn_free (c);
}

/* ---- close frames ------------------------------------------------------------- */

/* broker-websocket.pcap: client 1000, no echo, the server ends TCP */
static void
test_normal_no_echo (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 2, 50, 0.5);
  cb_traffic (c, WS_SIDE_SERVER, 2, 50, 0.5);
  cb_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  cb_fin (c, WS_SIDE_SERVER, 1.001);
  cb_fin (c, WS_SIDE_CLIENT, 1.002);
  check (c, NULL, "normal_closure", NULL, "high");
  SUMMARY (c, "never answered");
  EVIDENCE (c, "without echoing it");
  ws_conn_free (c);
}

/* wstunnel-*.pcap: close handshake complete, then the client resets */
static void
test_normal_rst_after_echo (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 2, 50, 0.5);
  cb_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  cb_close (c, WS_SIDE_SERVER, 1000, NULL, 1.001);
  cb_rst (c, WS_SIDE_CLIENT, 1.002);
  check (c, NULL, "normal_closure", NULL, "high");
  g_assert_null (strstr (c->cause.summary, "failed the connection"));
  ws_conn_free (c);
}

/* close frame, then RST before the echo: the peer most likely saw 1006 */
static void
test_failed_connection (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_SERVER, 2, 50, 0.5);
  cb_close (c, WS_SIDE_SERVER, 1011, NULL, 1);
  cb_rst (c, WS_SIDE_SERVER, 1.0005);
  check (c, NULL, "server_internal_error", NULL, "high");
  SUMMARY (c, "failed the connection");
  SUMMARY (c, "most likely saw 1006 although 1011 was on the wire");
  ws_conn_free (c);

  /* FIN with no echo at all counts too */
  c = cb_conn (2, 5);
  cb_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  cb_fin (c, WS_SIDE_CLIENT, 1.0001);
  check (c, NULL, "normal_closure", NULL, NULL);
  SUMMARY (c, "saw 1006 although 1000");
  ws_conn_free (c);
}

/* http-websocket.pcap / jupyter: empty close frame */
static void
test_no_status (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_close (c, WS_SIDE_CLIENT, -1, NULL, 1);
  cb_close (c, WS_SIDE_SERVER, -1, NULL, 1.01);
  cb_fin (c, WS_SIDE_SERVER, 1.02);
  check (c, NULL, "no_status", NULL, "high");
  SUMMARY (c, "1005");
  ws_conn_free (c);
}

static void
test_going_away (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_user_agent (c, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                    "Gecko) Chrome/120.0.0.0 Safari/537.36");
  cb_close (c, WS_SIDE_CLIENT, 1001, NULL, 5);
  cb_close (c, WS_SIDE_SERVER, 1001, NULL, 5.001);
  cb_fin (c, WS_SIDE_SERVER, 5.002);
  check (c, NULL, "endpoint_going_away", "client_leaving", "high");
  SUMMARY (c, "navigated away");
  EVIDENCE (c, "Chromium-based browser");
  ws_conn_free (c);
}

/* 1001 from the server, the same client back 1.5 s later */
static void
test_going_away_server_reconnect (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_close (c, WS_SIDE_SERVER, 1001, NULL, 5);
  cb_close (c, WS_SIDE_CLIENT, 1001, NULL, 5.001);
  cb_fin (c, WS_SIDE_SERVER, 5.002);

  ws_conn *next = cb_conn (2, 5);
  next->start_us = T0 + S (6.5);
  ws_conn_brief b[2];
  ws_conn_brief_fill (&b[0], c);
  ws_conn_brief_fill (&b[1], next);
  g_assert_cmpint (b[0].end_us, ==, T0 + S (5));
  g_assert_cmpint (b[0].close_code, ==, 1001);
  ws_conn_window w = window_of ((ws_conn *[]) { c, next }, 2);
  check (c, &w, "endpoint_going_away", "server_shutdown", "high");
  EVIDENCE (c, "reconnected after 1.5 s");
  SUMMARY (c, "reconnected after 1.5 s");
  window_free (&w);
  ws_conn_free (c);
  ws_conn_free (next);
}

static void
test_protocol_violation (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 1, 20, 1);
  cb_violation (c, WS_VIOL_UNMASKED_CLIENT_FRAME, WS_SIDE_CLIENT, 1, 0, NULL);
  cb_close (c, WS_SIDE_SERVER, 1002, "incorrect masking", 1.001);
  cb_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_UNMASKED_CLIENT_FRAME), "high");
  EVIDENCE (c, "Python websockets");
  ws_conn_free (c);

  /* RSV1 although the 101 did not accept the offered permessage-deflate */
  c = cb_conn (2, 5);
  cb_extensions (c, "permessage-deflate; client_max_window_bits", NULL);
  cb_violation (c, WS_VIOL_RSV_NOT_NEGOTIATED, WS_SIDE_SERVER, 1, 0, "RSV1");
  cb_close (c, WS_SIDE_CLIENT, 1002, NULL, 1.001);
  cb_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_RSV_NOT_NEGOTIATED), "high");
  SUMMARY (c, "altered the handshake headers");
  ws_conn_free (c);

  /* no violation visible */
  c = cb_conn (3, 5);
  cb_close (c, WS_SIDE_CLIENT, 1002, NULL, 1.001);
  cb_fin (c, WS_SIDE_SERVER, 1.002);
  check (c, NULL, "protocol_violation", NULL, "low");
  ws_conn_free (c);
}

/* oversized-close-frame.pcapng: the server's 258-byte close, never echoed */
static void
test_oversized_close (void)
{
  ws_conn *c = cb_conn (1, 5);
  char *reason = g_strnfill (256, 'C');
  cb_close (c, WS_SIDE_SERVER, 1000, reason, 1);
  g_free (reason);
  cb_violation (c, WS_VIOL_CONTROL_TOO_LONG, WS_SIDE_SERVER, 1, 0, "258 bytes");
  cb_fin (c, WS_SIDE_CLIENT, 1.001);
  check (c, NULL, "protocol_violation", ws_violation_name (WS_VIOL_CONTROL_TOO_LONG), "medium");
  SUMMARY (c, "258-byte payload");
  ws_conn_free (c);
}

static void
test_invalid_payload (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 4, 30, 2);
  cb_violation (c, WS_VIOL_TEXT_NOT_UTF8, WS_SIDE_CLIENT, 2, 84, "byte 0xff at message offset 3");
  cb_close (c, WS_SIDE_SERVER, 1007, "invalid start byte at position 3", 2.001);
  cb_close (c, WS_SIDE_CLIENT, 1007, NULL, 2.002);
  cb_fin (c, WS_SIDE_SERVER, 2.003);
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
  ws_conn *c = cb_conn (1, 5);
  cb_ping (c, WS_SIDE_SERVER, 4, 0.5);
  cb_close (c, WS_SIDE_CLIENT, 1009, "over size limit (4 > 2 bytes)", 0.501);
  cb_close (c, WS_SIDE_SERVER, 1009, "over size limit (4 > 2 bytes)", 0.502);
  cb_fin (c, WS_SIDE_SERVER, 0.503);
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
  ws_conn *c = cb_conn (1, 5);
  ws_dir_stats *d = &c->dir[WS_SIDE_CLIENT];
  d->frames = d->messages = 3;
  d->largest_message = d->last_message = 2 * 1024 * 1024;
  d->largest_before_last = 512 * 1024;
  d->last_frame_us = d->last_data_us = T0 + S (3);
  cb_close (c, WS_SIDE_SERVER, 1009, NULL, 3.001);
  cb_close (c, WS_SIDE_CLIENT, 1009, NULL, 3.002);
  cb_fin (c, WS_SIDE_SERVER, 3.003);
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
  ws_conn *c = cb_conn (1, 5);
  cb_extensions (c, "permessage-deflate; client_max_window_bits", NULL);
  cb_close (c, WS_SIDE_CLIENT, 1010, "permessage-deflate", 0.01);
  cb_close (c, WS_SIDE_SERVER, 1010, "permessage-deflate", 0.011);
  cb_fin (c, WS_SIDE_SERVER, 0.012);
  check (c, NULL, "extension_not_negotiated", NULL, "high");
  SUMMARY (c, "did not accept permessage-deflate");
  g_assert_nonnull (strstr (c->cause.fix, "perMessageDeflate"));
  ws_conn_free (c);
}

static void
test_internal_error (void)
{
  /* python websockets keepalive: ping at 20 s, no pong, 1011 at 40 s */
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 1, 10, 5);
  cb_ping (c, WS_SIDE_SERVER, 0, 20);
  cb_close (c, WS_SIDE_SERVER, 1011, "keepalive ping timeout", 40);
  cb_fin (c, WS_SIDE_SERVER, 40.001);
  check (c, NULL, "keepalive_timeout", "ping_unanswered", "high");
  EVIDENCE (c, "ping_timeout of 20 s");
  EVIDENCE (c, "Python websockets");
  ws_conn_free (c);

  /* the pong did come */
  c = cb_conn (2, 5);
  cb_ping (c, WS_SIDE_SERVER, 0, 20);
  cb_pong (c, WS_SIDE_CLIENT, 39.5);
  cb_close (c, WS_SIDE_SERVER, 1011, "keepalive ping timeout", 40);
  cb_fin (c, WS_SIDE_SERVER, 40.001);
  check (c, NULL, "keepalive_timeout", "pong_late", "low");
  ws_conn_free (c);

  /* an exception in the handler */
  c = cb_conn (3, 5);
  cb_server (c, "Python/3.11 websockets/10.4");
  cb_traffic (c, WS_SIDE_CLIENT, 1, 10, 1);
  cb_close (c, WS_SIDE_SERVER, 1011, NULL, 1.01);
  cb_close (c, WS_SIDE_CLIENT, 1011, NULL, 1.02);
  cb_fin (c, WS_SIDE_SERVER, 1.03);
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
      ws_conn *c = cb_conn (i + 1, 5);
      cb_traffic (c, WS_OTHER_SIDE (cases[i].by), 10, 100, 30);
      cb_close (c, cases[i].by, cases[i].code, NULL, 31);
      cb_close (c, WS_OTHER_SIDE (cases[i].by), cases[i].code, NULL, 31.01);
      cb_fin (c, WS_SIDE_SERVER, 31.02);
      check (c, NULL, cases[i].id, cases[i].detail, NULL);
      ws_conn_free (c);
    }
}

static void
test_graphql_code (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_subprotocols (c, NULL, "graphql-transport-ws");
  cb_close (c, WS_SIDE_SERVER, 4408, "Connection initialisation timeout", 3);
  cb_fin (c, WS_SIDE_SERVER, 3.01);
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
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 100, 100, 10.0);
  cb_traffic (c, WS_SIDE_SERVER, 100, 100, 9.9);
  cb_fin (c, WS_SIDE_SERVER, 9.95);
  cb_rst (c, WS_SIDE_SERVER, 10.001);
  check (c, NULL, "peer_reset", "server_reset", "high");
  EVIDENCE (c, "process was gone");
  ws_conn_free (c);

  /* plain RST mid-traffic */
  c = cb_conn (2, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 100, 100, 10.0);
  cb_rst (c, WS_SIDE_CLIENT, 10.2);
  check (c, NULL, "peer_reset", "client_reset", "high");
  SUMMARY (c, "reset the connection mid-traffic");
  ws_conn_free (c);
}

static void
test_idle_nginx (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_server (c, "nginx/1.22.1");
  cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
  cb_traffic (c, WS_SIDE_SERVER, 3, 10, 2.001);
  cb_fin (c, WS_SIDE_SERVER, 62.05);
  cb_fin (c, WS_SIDE_CLIENT, 62.06);
  check (c, NULL, "idle_timeout", "nginx_proxy_read_timeout", "high");
  SUMMARY (c, "proxy_read_timeout");
  EVIDENCE (c, "no pings in either direction");
  g_assert_nonnull (strstr (c->cause.fix, "proxy_read_timeout"));
  ws_conn_free (c);

  /* same silence, no Server header: both 60 s candidates named */
  c = cb_conn (2, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
  cb_fin (c, WS_SIDE_SERVER, 61.5);
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
      ws_conn *c = cb_conn (i + 1, 5);
      cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
      cb_fin (c, WS_SIDE_SERVER, cases[i].end);
      check (c, NULL, "idle_timeout", cases[i].detail, "medium");
      ws_conn_free (c);
    }

  /* busy until the end, cut 30 s after the 101 */
  ws_conn *c = cb_conn (9, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 300, 10, 29.9);
  cb_traffic (c, WS_SIDE_SERVER, 300, 10, 29.95);
  cb_fin (c, WS_SIDE_SERVER, 30.1);
  check (c, NULL, "idle_timeout", "lifetime_30s", "medium");
  EVIDENCE (c, "lifetime since the 101");
  ws_conn_free (c);
}

static void
test_keepalive_1006 (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 2);
  cb_traffic (c, WS_SIDE_SERVER, 3, 10, 2);
  cb_ping (c, WS_SIDE_CLIENT, 0, 2);
  cb_pong (c, WS_SIDE_SERVER, 2.01);
  cb_ping (c, WS_SIDE_CLIENT, 0, 22);
  cb_fin (c, WS_SIDE_CLIENT, 42);
  check (c, NULL, "keepalive_timeout", "ping_unanswered", "high");
  EVIDENCE (c, "last ping got no pong");
  ws_conn_free (c);
}

static void
test_dropped (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 5);
  cb_traffic (c, WS_SIDE_SERVER, 3, 10, 5.1);
  cb_fin (c, WS_SIDE_SERVER, 7.3);
  check (c, NULL, "connection_dropped", "server_fin", "medium");
  SUMMARY (c, "client application saw 1006");
  ws_conn_free (c);
}

/* a masked server frame, then the client hangs up without a close frame */
static void
test_violation_then_fin (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_SERVER, 3, 10, 5);
  cb_violation (c, WS_VIOL_MASKED_SERVER_FRAME, WS_SIDE_SERVER, 5, 200, NULL);
  cb_fin (c, WS_SIDE_CLIENT, 5.01);
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
      cs[i] = cb_conn (i + 1, 5 + i);
      cs[i]->start_us += S (i * 10);
      cb_traffic (cs[i], WS_SIDE_CLIENT, 3, 10, 2 + i * 10);
      cb_fin (cs[i], WS_SIDE_SERVER, 2 + i * 10 + 42 + i * 0.3);
      ws_conn_brief_fill (&b[i], cs[i]);
    }
  g_assert_cmpint (b[0].idle_us, ==, S (42));
  ws_conn_window w = window_of (cs, 3);
  check (cs[1], &w, "idle_timeout", "fixed_42s", "medium");
  EVIDENCE (cs[1], "3 connections");
  window_free (&w);
  for (int i = 0; i < 3; i++)
    ws_conn_free (cs[i]);
}

/* a proxy (10.0.0.2) closes both legs after 5 s of silence: downstream as
 * the server, upstream as the client */
static void
test_proxy_pair (void)
{
  ws_conn *down = cb_conn (1, 5);
  down->server_header = g_strdup ("nginx/1.22.1");
  cb_traffic (down, WS_SIDE_CLIENT, 1, 5, 1);
  cb_traffic (down, WS_SIDE_SERVER, 1, 5, 1.001);
  cb_fin (down, WS_SIDE_SERVER, 6.002);

  ws_conn *up = cb_conn (2, 2);           /* client 10.0.0.2: the proxy */
  up->addr[WS_SIDE_SERVER].addr[3] = 3;   /* upstream 10.0.0.3:9000 */
  up->port[WS_SIDE_SERVER] = 9000;
  cb_traffic (up, WS_SIDE_CLIENT, 1, 5, 1.0005);
  cb_traffic (up, WS_SIDE_SERVER, 1, 5, 1.0008);
  cb_fin (up, WS_SIDE_CLIENT, 6.0025);

  ws_conn_window w = window_of ((ws_conn *[]) { down, up }, 2);
  check (down, &w, "idle_timeout", "proxy_idle", "high");
  SUMMARY (down, "10.0.0.2 (nginx)");
  check (up, &w, "idle_timeout", "proxy_idle", "medium");
  EVIDENCE (up, "10.0.0.2 is a proxy closing both legs");

  /* alone, the upstream leg is just a dropped connection */
  check (up, NULL, "connection_dropped", "client_fin", "medium");
  window_free (&w);
  ws_conn_free (down);
  ws_conn_free (up);
}

/* five connections closed with 1012 by the server within 0.4 s */
static void
test_close_storm (void)
{
  ws_conn *cs[6];
  for (int i = 0; i < 5; i++)
    {
      cs[i] = cb_conn (i + 1, 5 + i);
      cb_close (cs[i], WS_SIDE_SERVER, 1012, NULL, 100 + i * 0.1);
      cb_fin (cs[i], WS_SIDE_SERVER, 100.01 + i * 0.1);
    }
  /* client .5 comes back 2 s later */
  cs[5] = cb_conn (6, 5);
  cs[5]->start_us = T0 + S (102);
  ws_conn_window w = window_of (cs, 6);
  check (cs[0], &w, "service_restart", "close_storm", "high");
  EVIDENCE (cs[0], "5 connections to server 10.0.0.2:8080");
  SUMMARY (cs[0], "restarted or was redeployed");
  SUMMARY (cs[0], "reconnected after 2.0 s");

  /* four are not a storm */
  window_free (&w);
  w = window_of (cs, 4);
  check (cs[1], &w, "service_restart", NULL, "high");
  window_free (&w);
  for (int i = 0; i < 6; i++)
    ws_conn_free (cs[i]);
}

static void
test_still_open (void)
{
  ws_conn *c = cb_conn (1, 5);
  cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 5);
  cb_last_packet (c, 8);
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
  ws_conn *c = cb_conn (1, 5);
  cb_gap (c, WS_SIDE_CLIENT, 1400);
  cb_close (c, WS_SIDE_CLIENT, 1000, NULL, 1);
  cb_close (c, WS_SIDE_SERVER, 1000, NULL, 1.001);
  cb_fin (c, WS_SIDE_SERVER, 1.002);
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
  g_test_add_func ("/diagnose/open", test_still_open);
  g_test_add_func ("/diagnose/quality/gaps", test_gaps_lower_confidence);
  return g_test_run ();
}
