/* test-conn.c - the connection record's lifetime and the dispatch of its
 * bytes (conn.c): a new record, the RFC 6455 handshake then frames (whole,
 * and split at every byte), client frames sent before the 101, a refused
 * upgrade, a stream that is not WebSocket, one seen mid-stream, the header
 * cap, the violations table, capture gaps; then, through the TCP layer that owns the records
 * (tcp.c), what a record holds after a close handshake and FIN, after an
 * RST, and when the table is full and the oldest connection is evicted.
 * Expected values come from the bytes each test writes (RFC 6455's own
 * example handshake), never from wsclosed's output. */
#include "config.h"

#include <string.h>

#include "conn-builder.h"
#include "conn.h"
#include "context.h"
#include "decode.h"
#include "tcp.h"

#define TS G_GINT64_CONSTANT (1700000000000000)

/* ---- the settings and counters the stages read ---- */

/* The context of every record here (context.h): its settings, which a
 * test may change before it makes records, and its counters. */
static ws_settings set;
static ws_ctx ctx;

/* Default settings, counters at zero (no record of the old context may be
 * alive). */
static void
limits_default (void)
{
  if (ctx.set)
    ws_ctx_clear (&ctx);
  ws_settings_init (&set);
  ws_ctx_init (&ctx, &set);
}

/* ---- a conversation -------------------------------------------------------- */

typedef struct {
  GByteArray *c2s, *s2c;
  size_t c2s_hs, s2c_hs;    /* the handshake's share of each */
} convo;

/* RFC 6455's handshake; the server sends "hello" (text), the client 300
 * bytes (binary, masked); the server closes with 1000 "bye", the client
 * echoes 1000. */
static void
convo_init (convo *cv)
{
  uint8_t big[300];
  memset (big, 'a', sizeof big);
  cv->c2s = g_byte_array_new ();
  cv->s2c = g_byte_array_new ();
  g_byte_array_append (cv->c2s, (const uint8_t *) cb_rfc_request, strlen (cb_rfc_request));
  g_byte_array_append (cv->s2c, (const uint8_t *) cb_rfc_response, strlen (cb_rfc_response));
  cv->c2s_hs = cv->c2s->len;
  cv->s2c_hs = cv->s2c->len;
  cb_ws_frame (cv->s2c, 0x81, false, "hello", 5);
  cb_ws_frame (cv->c2s, 0x82, true, big, sizeof big);
  cb_ws_close (cv->s2c, false, 1000, "bye");
  cb_ws_close (cv->c2s, true, 1000, NULL);
}

static void
convo_clear (convo *cv)
{
  g_byte_array_unref (cv->c2s);
  g_byte_array_unref (cv->s2c);
}

/* Feed bytes [from, to) of one side in pieces of step bytes (0: whole). */
static void
feed (ws_conn *c, ws_side s, const GByteArray *b, size_t from, size_t to, size_t step,
      int64_t ts)
{
  if (step == 0)
    step = to - from;
  for (size_t i = from; i < to; i += step)
    ws_conn_data (c, s, b->data + i, MIN (step, to - i), ts);
}

/* A record as tcp.c makes it for a connection whose SYN was seen. */
static ws_conn *
syn_conn (void)
{
  ws_conn *c = ws_conn_new (&ctx);
  c->syn_seen = c->sides_known = true;
  c->start_us = TS;
  return c;
}

/* The whole conversation, request at TS + 1 ms, response at + 2 ms, the
 * frames at + 3 ms (server) and + 4 ms (client). */
static ws_conn *
run_convo (const convo *cv, size_t step)
{
  ws_conn *c = syn_conn ();
  feed (c, WS_SIDE_CLIENT, cv->c2s, 0, cv->c2s_hs, step, TS + 1000);
  feed (c, WS_SIDE_SERVER, cv->s2c, 0, cv->s2c_hs, step, TS + 2000);
  feed (c, WS_SIDE_SERVER, cv->s2c, cv->s2c_hs, cv->s2c->len, step, TS + 3000);
  feed (c, WS_SIDE_CLIENT, cv->c2s, cv->c2s_hs, cv->c2s->len, step, TS + 4000);
  ws_conn_end (c);
  return c;
}

/* ---- tests ----------------------------------------------------------------- */

static void
test_new (void)
{
  ws_conn *c = ws_conn_new (&ctx);
  g_assert_cmpint (c->stage, ==, WS_STAGE_PROBE);
  g_assert_cmpint (c->kind, ==, WS_KIND_UNKNOWN);
  g_assert_cmpint (c->handshake_status, ==, -1);
  g_assert_cmpint (c->accept_valid, ==, -1);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_NONE);
  g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_OPEN);
  g_assert_cmpint (c->tcp_end_by, ==, WS_SIDE_NONE);
  g_assert_cmpint (ws_conn_close_code (c), ==, -1);   /* open: null */
  /* RFC 7692 7.1.2: the window sizes default to 15 bits */
  g_assert_cmpint (c->pmd.server_max_window_bits, ==, 15);
  g_assert_cmpint (c->pmd.client_max_window_bits, ==, 15);
  g_assert_null (c->host);
  ws_conn_release (c);
  ws_conn_free (c);
  ws_conn_free (NULL);
}

/* Checks every fact of the conversation of convo_init: request, response,
 * server frames and client frames read at these moments. */
static void
check_convo_at (const ws_conn *c, int64_t req, int64_t resp, int64_t sf, int64_t cf)
{
  g_assert_cmpint (c->kind, ==, WS_KIND_WEBSOCKET);
  g_assert_cmpint (c->stage, ==, WS_STAGE_FRAMES);
  g_assert_false (c->midstream);
  g_assert_cmpstr (c->method, ==, "GET");
  g_assert_cmpstr (c->host, ==, "server.example.com");
  g_assert_cmpstr (c->path, ==, "/chat");
  g_assert_cmpstr (c->origin, ==, "http://example.com");
  g_assert_cmpstr (c->ws_version, ==, "13");
  g_assert_cmpstr (c->ws_key, ==, "dGhlIHNhbXBsZSBub25jZQ==");
  g_assert_cmpstr (c->offered_subprotocols, ==, "chat, superchat");
  g_assert_cmpstr (c->accepted_subprotocol, ==, "chat");
  g_assert_cmpint (c->handshake_status, ==, 101);
  g_assert_cmpint (c->accept_valid, ==, 1);
  g_assert_cmpint (c->request_us, ==, req);
  g_assert_cmpint (c->response_us, ==, resp);
  g_assert_cmpuint (c->limits & ~(unsigned) WS_LIMIT_EVICTED, ==, 0);   /* evicted: its test */
  g_assert_cmpuint (c->n_violations, ==, 0);

  const ws_dir_stats *s = &c->dir[WS_SIDE_SERVER], *k = &c->dir[WS_SIDE_CLIENT];
  g_assert_cmpuint (s->frames, ==, 2);
  g_assert_cmpuint (s->messages, ==, 1);
  g_assert_cmpuint (s->text_messages, ==, 1);
  g_assert_cmpuint (s->largest_message, ==, 5);
  g_assert_cmpuint (s->closes, ==, 1);
  g_assert_cmpuint (s->payload_bytes, ==, 5 + 5);
  g_assert_cmpuint (s->frame_bytes, ==, (2 + 5) + (2 + 5));
  g_assert_cmpuint (k->frames, ==, 2);
  g_assert_cmpuint (k->binary_messages, ==, 1);
  g_assert_cmpuint (k->largest_message, ==, 300);
  /* 300 bytes: 2 + 2 length bytes + 4 key; the close: 2 + 4 key + 2 */
  g_assert_cmpuint (k->frame_bytes, ==, (4 + 4 + 300) + (2 + 4 + 2));
  g_assert_cmpint (s->first_frame_us, ==, sf);
  g_assert_cmpint (k->last_frame_us, ==, cf);

  /* the close handshake: the server began it */
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_SERVER);
  const ws_close_info *sc = &c->close[WS_SIDE_SERVER], *cc = &c->close[WS_SIDE_CLIENT];
  g_assert_true (sc->seen);
  g_assert_cmpint (sc->code, ==, 1000);
  g_assert_cmpuint (sc->reason_len, ==, 3);
  g_assert_cmpmem (sc->reason, sc->reason_len, "bye", 3);
  g_assert_cmpuint (sc->payload_len, ==, 5);
  g_assert_cmpint (sc->ts_us, ==, sf);
  g_assert_true (cc->seen);
  g_assert_cmpint (cc->code, ==, 1000);
  g_assert_null (cc->reason);
  g_assert_cmpuint (cc->payload_len, ==, 2);
  g_assert_cmpint (ws_conn_close_code (c), ==, 1000);
}

/* As run_convo feeds it. */
static void
check_convo (const ws_conn *c)
{
  check_convo_at (c, TS + 1000, TS + 2000, TS + 3000, TS + 4000);
}

/* As open_convo sends it from t. */
static void
check_convo_tcp (const ws_conn *c, int64_t t)
{
  check_convo_at (c, t + 2, t + 3, t + 3, t + 4);
}

static void
test_handshake_frames (void)
{
  convo cv;
  limits_default ();
  convo_init (&cv);
  /* whole, then every piece size down to one byte at a time */
  for (size_t step = 0; step <= 64; step = step ? step * 2 : 1)
    {
      ws_conn *c = run_convo (&cv, step);
      check_convo (c);
      ws_conn_release (c);
      ws_conn_free (c);
    }
  /* the request and response split at every point */
  for (size_t cut = 1; cut < cv.c2s_hs; cut += 7)
    {
      ws_conn *c = syn_conn ();
      feed (c, WS_SIDE_CLIENT, cv.c2s, 0, cut, 0, TS + 1000);
      g_assert_cmpint (c->stage, !=, WS_STAGE_FRAMES);
      feed (c, WS_SIDE_CLIENT, cv.c2s, cut, cv.c2s_hs, 0, TS + 1000);
      feed (c, WS_SIDE_SERVER, cv.s2c, 0, cut % cv.s2c_hs, 0, TS + 2000);
      feed (c, WS_SIDE_SERVER, cv.s2c, cut % cv.s2c_hs, cv.s2c_hs, 0, TS + 2000);
      feed (c, WS_SIDE_SERVER, cv.s2c, cv.s2c_hs, cv.s2c->len, 0, TS + 3000);
      feed (c, WS_SIDE_CLIENT, cv.c2s, cv.c2s_hs, cv.c2s->len, 0, TS + 4000);
      check_convo (c);
      ws_conn_free (c);   /* without release: free must free the parsers too */
    }
  convo_clear (&cv);
}

/* The client's first frame came before the 101 (it may not, but a capture
 * sees what a fast client sends): kept and counted once the 101 is read. */
static void
test_early_client_frame (void)
{
  convo cv;
  limits_default ();
  convo_init (&cv);
  ws_conn *c = syn_conn ();
  feed (c, WS_SIDE_CLIENT, cv.c2s, 0, cv.c2s->len, 0, TS + 1000);
  g_assert_cmpint (c->stage, ==, WS_STAGE_HANDSHAKE);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].frames, ==, 0);
  feed (c, WS_SIDE_SERVER, cv.s2c, 0, cv.s2c->len, 0, TS + 2000);
  g_assert_cmpint (c->stage, ==, WS_STAGE_FRAMES);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].frames, ==, 2);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].largest_message, ==, 300);
  g_assert_true (c->close[WS_SIDE_CLIENT].seen);
  ws_conn_release (c);
  ws_conn_free (c);
  convo_clear (&cv);
}

static void
test_rejected (void)
{
  static const char resp[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
  limits_default ();
  ws_conn *c = syn_conn ();
  ws_conn_data (c, WS_SIDE_CLIENT, (const uint8_t *) cb_rfc_request, strlen (cb_rfc_request),
                TS + 1000);
  ws_conn_data (c, WS_SIDE_SERVER, (const uint8_t *) resp, strlen (resp), TS + 2000);
  g_assert_cmpint (c->kind, ==, WS_KIND_WEBSOCKET);   /* an attempt: a record */
  g_assert_cmpint (c->stage, ==, WS_STAGE_REJECTED);
  g_assert_cmpint (c->handshake_status, ==, 403);
  g_assert_cmpstr (c->handshake_reason, ==, "Forbidden");
  /* bytes after a refusal are not frames */
  GByteArray *b = g_byte_array_new ();
  cb_ws_frame (b, 0x81, false, "hi", 2);
  ws_conn_data (c, WS_SIDE_SERVER, b->data, b->len, TS + 3000);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].frames, ==, 0);
  g_byte_array_unref (b);
  ws_conn_free (c);
}

static void
test_not_websocket (void)
{
  static const char req[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
  limits_default ();
  ws_conn *c = syn_conn ();
  ws_conn_data (c, WS_SIDE_CLIENT, (const uint8_t *) req, strlen (req), TS);
  ws_conn_end (c);
  g_assert_cmpint (c->stage, ==, WS_STAGE_IGNORED);
  g_assert_cmpint (c->kind, !=, WS_KIND_WEBSOCKET);
  g_assert_cmpint (c->reject, ==, WS_REJECT_NO_UPGRADE);
  ws_conn_free (c);
}

/* A request longer than the header cap: the record says which limit was
 * hit, the run counts it once, and nothing of the block is trusted. */
static void
test_header_cap (void)
{
  limits_default ();
  set.limits.max_header_bytes = 256;
  GString *req = g_string_new ("GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"
                               "Upgrade: websocket\r\nConnection: Upgrade\r\n");
  g_string_append (req, "Cookie: ");
  for (int i = 0; i < 300; i++)
    g_string_append_c (req, 'c');
  g_string_append (req, "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  for (size_t step = 0; step <= 100; step += 100)
    {
      ws_counters_clear (&ctx.cnt);
      ws_conn *c = syn_conn ();
      GByteArray b = { (guint8 *) req->str, (guint) req->len };
      feed (c, WS_SIDE_CLIENT, &b, 0, req->len, step, TS);
      g_assert_true (c->limits & WS_LIMIT_HEADER);
      g_assert_cmpuint (ctx.cnt.header_limit_hits, ==, 1);
      g_assert_null (c->host);
      g_assert_cmpint (c->stage, ==, WS_STAGE_IGNORED);
      ws_conn_free (c);
    }
  /* within the cap, the same request is read */
  set.limits.max_header_bytes = 1024;
  ws_counters_clear (&ctx.cnt);
  ws_conn *c = syn_conn ();
  ws_conn_data (c, WS_SIDE_CLIENT, (const uint8_t *) req->str, req->len, TS);
  g_assert_cmpuint (c->limits, ==, 0);
  g_assert_cmpstr (c->host, ==, "server.example.com");
  g_assert_cmpint (c->stage, ==, WS_STAGE_HANDSHAKE);
  ws_conn_free (c);
  g_string_free (req, TRUE);
  limits_default ();
}

/* The table keeps the first WS_MAX_VIOLATIONS, counts the rest and says
 * the limit was hit; the details are kept as formatted. */
static void
test_violations_table (void)
{
  ws_conn *c = ws_conn_new (&ctx);
  for (int i = 0; i < WS_MAX_VIOLATIONS + 4; i++)
    ws_conn_violation (c, WS_VIOL_UNKNOWN_OPCODE, WS_SIDE_CLIENT, TS + i, (uint64_t) i * 10,
                       "opcode %d", i);
  g_assert_cmpuint (c->n_violations, ==, WS_MAX_VIOLATIONS);
  g_assert_cmpuint (c->violations_dropped, ==, 4);
  g_assert_true (c->limits & WS_LIMIT_VIOLATIONS);
  g_assert_cmpstr (c->violations[3].detail, ==, "opcode 3");
  g_assert_cmpuint (c->violations[3].offset, ==, 30);
  g_assert_cmpint (c->violations[15].ts_us, ==, TS + 15);
  ws_conn_violation (c, WS_VIOL_UNKNOWN_OPCODE, WS_SIDE_SERVER, TS, 0, NULL);
  g_assert_cmpuint (c->violations_dropped, ==, 5);
  ws_conn_free (c);

  /* through the parser: each kind once per side */
  limits_default ();
  convo cv;
  convo_init (&cv);
  c = run_convo (&cv, 0);
  GByteArray *b = g_byte_array_new ();
  for (int i = 0; i < 5; i++)
    cb_ws_frame (b, 0x81, false, "x", 1);   /* unmasked from the client */
  ws_conn_data (c, WS_SIDE_CLIENT, b->data, b->len, TS + 5000);
  unsigned unmasked = 0, after_close = 0;
  for (unsigned i = 0; i < c->n_violations; i++)
    {
      unmasked += c->violations[i].kind == WS_VIOL_UNMASKED_CLIENT_FRAME;
      after_close += c->violations[i].kind == WS_VIOL_DATA_AFTER_CLOSE;
    }
  g_assert_cmpuint (unmasked, ==, 1);
  g_assert_cmpuint (after_close, ==, 1);
  g_byte_array_unref (b);
  ws_conn_free (c);
  convo_clear (&cv);
}

/* A capture that began after the handshake: the held bytes read as frames
 * a real peer writes (server unmasked, client masked, three over both
 * sides) make it WebSocket, seen mid-stream, with every frame counted once
 * and no handshake fact; bytes that are not frames make no record. */
static void
test_midstream (void)
{
  limits_default ();
  GByteArray *s2c = g_byte_array_new (), *c2s = g_byte_array_new ();
  cb_ws_frame (s2c, 0x81, false, "tick 1", 6);
  cb_ws_frame (c2s, 0x81, true, "ack 1", 5);
  cb_ws_frame (s2c, 0x81, false, "tick 2", 6);
  cb_ws_close (s2c, false, 1001, "going");
  ws_conn *c = ws_conn_new (&ctx);
  c->start_us = TS;
  ws_conn_data (c, WS_SIDE_SERVER, s2c->data, s2c->len, TS + 1);
  ws_conn_data (c, WS_SIDE_CLIENT, c2s->data, c2s->len, TS + 2);
  ws_conn_end (c);
  g_assert_cmpint (c->kind, ==, WS_KIND_WEBSOCKET);
  g_assert_cmpint (c->stage, ==, WS_STAGE_FRAMES);
  g_assert_true (c->midstream);
  g_assert_cmpint (c->handshake_status, ==, -1);
  g_assert_null (c->method);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].frames, ==, 3);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].text_messages, ==, 2);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].frames, ==, 1);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_SERVER);
  g_assert_cmpint (c->close[WS_SIDE_SERVER].code, ==, 1001);
  ws_conn_release (c);
  ws_conn_free (c);
  g_byte_array_unref (s2c);
  g_byte_array_unref (c2s);

  /* text that is no frame stream */
  static const char junk[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
  c = ws_conn_new (&ctx);
  ws_conn_data (c, WS_SIDE_SERVER, (const uint8_t *) junk, strlen (junk), TS);
  ws_conn_data (c, WS_SIDE_CLIENT, (const uint8_t *) junk, strlen (junk), TS + 1);
  ws_conn_end (c);
  g_assert_cmpint (c->kind, !=, WS_KIND_WEBSOCKET);
  g_assert_cmpint (c->reject, ==, WS_REJECT_MIDSTREAM);
  ws_conn_free (c);
}

/* A capture gap: counted on the record and in the run's totals. */
static void
test_gap (void)
{
  limits_default ();
  convo cv;
  convo_init (&cv);
  ws_conn *c = syn_conn ();
  feed (c, WS_SIDE_CLIENT, cv.c2s, 0, cv.c2s_hs, 0, TS + 1000);
  feed (c, WS_SIDE_SERVER, cv.s2c, 0, cv.s2c_hs, 0, TS + 2000);
  ws_conn_gap (c, WS_SIDE_SERVER, 1400, TS + 3000);
  ws_conn_gap (c, WS_SIDE_SERVER, 100, TS + 3000);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].gaps, ==, 2);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].gap_bytes, ==, 1500);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].gaps, ==, 0);
  g_assert_cmpuint (ctx.cnt.gaps, ==, 2);
  g_assert_cmpuint (ctx.cnt.gap_bytes, ==, 1500);
  ws_conn_free (c);
  convo_clear (&cv);
}

/* ---- through the TCP layer: ends and eviction --------------------------- */

typedef struct {
  GPtrArray *ended;   /* of ws_conn*, owned */
} sink;

static void
on_end (ws_conn *c, void *user)
{
  sink *k = user;
  g_ptr_array_add (k->ended, c);
}

static ws_packet
pkt (uint16_t client_port, bool from_client, uint32_t seq, uint32_t ack, uint8_t flags,
     const uint8_t *data, uint32_t len, int64_t ts)
{
  return cb_tcp_packet (client_port, 80, from_client, seq, ack, flags, data, len, ts);
}

enum { CISN = 1000, SISN = 5000 };

/* The three-way handshake, the request, the response with the server's
 * frames, the client's frames, a microsecond apart from *ts (moved on). */
static void
open_convo (ws_tcp *t, uint16_t port, const convo *cv, int64_t *ts)
{
  ws_packet p;
  p = pkt (port, true, CISN, 0, WS_TCP_SYN, NULL, 0, (*ts)++);
  ws_tcp_packet (t, &p);
  p = pkt (port, false, SISN, CISN + 1, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, (*ts)++);
  ws_tcp_packet (t, &p);
  p = pkt (port, true, CISN + 1, SISN + 1, WS_TCP_ACK, cv->c2s->data, (uint32_t) cv->c2s_hs,
           (*ts)++);
  ws_tcp_packet (t, &p);
  p = pkt (port, false, SISN + 1, CISN + 1 + cv->c2s_hs, WS_TCP_ACK, cv->s2c->data,
           cv->s2c->len, (*ts)++);
  ws_tcp_packet (t, &p);
  p = pkt (port, true, CISN + 1 + cv->c2s_hs, SISN + 1 + cv->s2c->len, WS_TCP_ACK,
           cv->c2s->data + cv->c2s_hs, (uint32_t) (cv->c2s->len - cv->c2s_hs), (*ts)++);
  ws_tcp_packet (t, &p);
}

static void
test_tcp_fin_rst (void)
{
  limits_default ();
  convo cv;
  convo_init (&cv);
  sink k = { g_ptr_array_new_with_free_func ((GDestroyNotify) ws_conn_free) };
  ws_tcp_opts o = { .linger_us = 2 * G_USEC_PER_SEC, .idle_us = 0 };
  ws_tcp *t = ws_tcp_new (&ctx, &o, on_end, &k);
  int64_t ts = TS;
  uint32_t cend = CISN + 1 + cv.c2s->len, send = SISN + 1 + cv.s2c->len;

  /* 1: the server FINs first, the client answers; the record ends after
   * the linger, when a later packet moves the clock past it */
  open_convo (t, 40001, &cv, &ts);
  ws_packet p = pkt (40001, false, send, cend, WS_TCP_FIN | WS_TCP_ACK, NULL, 0, TS + 10);
  ws_tcp_packet (t, &p);
  p = pkt (40001, true, cend, send + 1, WS_TCP_FIN | WS_TCP_ACK, NULL, 0, TS + 20);
  ws_tcp_packet (t, &p);
  g_assert_cmpuint (k.ended->len, ==, 0);
  ws_tcp_expire (t, TS + 20 + 2 * G_USEC_PER_SEC + 1);
  g_assert_cmpuint (k.ended->len, ==, 1);
  ws_conn *c = g_ptr_array_index (k.ended, 0);
  check_convo_tcp (c, TS);
  g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_FIN);
  g_assert_cmpint (c->tcp_end_by, ==, WS_SIDE_SERVER);
  g_assert_true (c->fin[WS_SIDE_SERVER] && c->fin[WS_SIDE_CLIENT]);
  g_assert_false (c->rst[WS_SIDE_SERVER] || c->rst[WS_SIDE_CLIENT]);
  g_assert_cmpint (c->fin_us[WS_SIDE_SERVER], ==, TS + 10);
  g_assert_cmpint (c->fin_us[WS_SIDE_CLIENT], ==, TS + 20);
  g_assert_cmpint (c->start_us, ==, TS);
  g_assert_cmpint (c->end_us, ==, TS + 20);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].tcp_bytes, ==, cv.c2s->len);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].tcp_bytes, ==, cv.s2c->len);
  g_assert_cmpint (ws_conn_close_code (c), ==, 1000);

  /* 2: the client resets after the close handshake: the record ends at once */
  ts = TS + 100;
  open_convo (t, 40002, &cv, &ts);
  p = pkt (40002, true, cend, send, WS_TCP_RST, NULL, 0, TS + 200);
  ws_tcp_packet (t, &p);
  g_assert_cmpuint (k.ended->len, ==, 2);
  c = g_ptr_array_index (k.ended, 1);
  check_convo_tcp (c, TS + 100);
  g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_RST);
  g_assert_cmpint (c->tcp_end_by, ==, WS_SIDE_CLIENT);
  g_assert_true (c->rst[WS_SIDE_CLIENT]);
  g_assert_cmpint (c->rst_us[WS_SIDE_CLIENT], ==, TS + 200);
  g_assert_cmpint (c->end_us, ==, TS + 200);

  /* 3: an RST with no close frame at all: 1006 */
  ts = TS + 300;
  ws_packet q = pkt (40003, true, CISN, 0, WS_TCP_SYN, NULL, 0, ts++);
  ws_tcp_packet (t, &q);
  q = pkt (40003, false, SISN, CISN + 1, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &q);
  q = pkt (40003, true, CISN + 1, SISN + 1, WS_TCP_ACK, cv.c2s->data, (uint32_t) cv.c2s_hs, ts++);
  ws_tcp_packet (t, &q);
  q = pkt (40003, false, SISN + 1, CISN + 1 + cv.c2s_hs, WS_TCP_ACK, cv.s2c->data,
           (uint32_t) cv.s2c_hs, ts++);
  ws_tcp_packet (t, &q);
  q = pkt (40003, false, SISN + 1 + cv.s2c_hs, CISN + 1 + cv.c2s_hs, WS_TCP_RST, NULL, 0, TS + 400);
  ws_tcp_packet (t, &q);
  g_assert_cmpuint (k.ended->len, ==, 3);
  c = g_ptr_array_index (k.ended, 2);
  g_assert_cmpint (c->stage, ==, WS_STAGE_FRAMES);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_NONE);
  g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_RST);
  g_assert_cmpint (c->tcp_end_by, ==, WS_SIDE_SERVER);
  g_assert_cmpint (ws_conn_close_code (c), ==, 1006);

  g_assert_cmpuint (ws_tcp_count (t), ==, 0);
  ws_tcp_flush (t);
  ws_tcp_free (t);
  g_ptr_array_unref (k.ended);
  convo_clear (&cv);
}

/* With room for two connections, a third evicts the one least recently
 * active: its record ends at once, says it was evicted, and the run counts
 * it; the later packets of that connection start no new record. */
static void
test_tcp_evict (void)
{
  limits_default ();
  set.limits.max_conns = 2;
  convo cv;
  convo_init (&cv);
  sink k = { g_ptr_array_new_with_free_func ((GDestroyNotify) ws_conn_free) };
  ws_tcp_opts o = { .linger_us = 2 * G_USEC_PER_SEC, .idle_us = 0 };
  ws_tcp *t = ws_tcp_new (&ctx, &o, on_end, &k);
  int64_t ts = TS;

  open_convo (t, 41001, &cv, &ts);
  open_convo (t, 41002, &cv, &ts);
  g_assert_cmpuint (ws_tcp_count (t), ==, 2);
  g_assert_cmpuint (k.ended->len, ==, 0);
  open_convo (t, 41003, &cv, &ts);
  g_assert_cmpuint (ws_tcp_count (t), ==, 2);
  g_assert_cmpuint (k.ended->len, ==, 1);
  ws_conn *c = g_ptr_array_index (k.ended, 0);
  g_assert_cmpuint (c->port[WS_SIDE_CLIENT], ==, 41001);
  g_assert_cmpuint (c->limits, ==, WS_LIMIT_EVICTED);
  g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_OPEN);
  check_convo_tcp (c, TS);     /* what it had is all kept */
  g_assert_cmpuint (ctx.cnt.evicted, ==, 1);
  /* a late FIN of the evicted connection makes no record */
  ws_packet p = pkt (41001, true, CISN + 1 + cv.c2s->len, SISN + 1 + cv.s2c->len,
                     WS_TCP_FIN | WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  g_assert_cmpuint (ws_tcp_count (t), ==, 2);
  ws_tcp_flush (t);
  g_assert_cmpuint (k.ended->len, ==, 3);
  for (guint i = 1; i < 3; i++)
    {
      c = g_ptr_array_index (k.ended, i);
      g_assert_false (c->limits & WS_LIMIT_EVICTED);
      g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_OPEN);
    }
  ws_tcp_free (t);
  g_ptr_array_unref (k.ended);
  convo_clear (&cv);
  limits_default ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conn/new", test_new);
  g_test_add_func ("/conn/handshake-then-frames", test_handshake_frames);
  g_test_add_func ("/conn/early-client-frame", test_early_client_frame);
  g_test_add_func ("/conn/rejected", test_rejected);
  g_test_add_func ("/conn/not-websocket", test_not_websocket);
  g_test_add_func ("/conn/header-cap", test_header_cap);
  g_test_add_func ("/conn/violations-table", test_violations_table);
  g_test_add_func ("/conn/midstream", test_midstream);
  g_test_add_func ("/conn/gap", test_gap);
  g_test_add_func ("/conn/tcp/fin-rst", test_tcp_fin_rst);
  g_test_add_func ("/conn/tcp/evict", test_tcp_evict);
  limits_default (); /* the context every test starts from (test_new reads it first) */
  int rc = g_test_run ();
  ws_ctx_clear (&ctx);
  return rc;
}
