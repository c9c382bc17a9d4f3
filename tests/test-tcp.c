/* test-tcp.c - TCP reassembly feeding the handshake and frame parsers.
 *
 * One WebSocket conversation is cut into segments of every size from 1 byte
 * up, then sent in order, with adjacent segments swapped, with duplicates,
 * with overlapping retransmissions, and with sequence numbers that wrap; the
 * record must come out the same every time.
 */
#include "config.h"

#include <string.h>

#include "conn.h"
#include "decode.h"
#include "tcp.h"
#include "test-ctx.h"

static const char request[] =
  "GET /chat?x=1 HTTP/1.1\r\n"
  "Host: example.test:8080\r\n"
  "Upgrade: websocket\r\n"
  "Connection: Upgrade\r\n"
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
  "Sec-WebSocket-Version: 13\r\n"
  "Sec-WebSocket-Protocol: chat, superchat\r\n"
  "\r\n";

static const char response[] =
  "HTTP/1.1 101 Switching Protocols\r\n"
  "Upgrade: websocket\r\n"
  "Connection: Upgrade\r\n"
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
  "Sec-WebSocket-Protocol: chat\r\n"
  "\r\n";

typedef struct {
  GByteArray *client;  /* client -> server stream */
  GByteArray *server;
  size_t client_hs, server_hs; /* lengths of the handshake parts */
} convo;

static void
append_frame (GByteArray *b, uint8_t first, bool mask, const uint8_t *payload, size_t len)
{
  uint8_t h[14];
  size_t n = 0;
  h[n++] = first;
  uint8_t m = mask ? 0x80 : 0;
  if (len < 126)
    h[n++] = m | (uint8_t) len;
  else
    {
      h[n++] = m | 126;
      h[n++] = (uint8_t) (len >> 8);
      h[n++] = (uint8_t) len;
    }
  static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
  if (mask)
    for (int i = 0; i < 4; i++)
      h[n++] = key[i];
  g_byte_array_append (b, h, (guint) n);
  for (size_t i = 0; i < len; i++)
    {
      uint8_t c = payload[i] ^ (mask ? key[i % 4] : 0);
      g_byte_array_append (b, &c, 1);
    }
}

static void
convo_init (convo *cv)
{
  cv->client = g_byte_array_new ();
  cv->server = g_byte_array_new ();
  g_byte_array_append (cv->client, (const uint8_t *) request, sizeof request - 1);
  cv->client_hs = cv->client->len;
  g_byte_array_append (cv->server, (const uint8_t *) response, sizeof response - 1);
  cv->server_hs = cv->server->len;
  append_frame (cv->server, 0x81, false, (const uint8_t *) "hello", 5);
  uint8_t big[300];
  memset (big, 'a', sizeof big);
  append_frame (cv->client, 0x82, true, big, sizeof big);
  const uint8_t close_s[] = { 0x03, 0xe8, 'b', 'y', 'e' };
  append_frame (cv->server, 0x88, false, close_s, sizeof close_s);
  const uint8_t close_c[] = { 0x03, 0xe8 };
  append_frame (cv->client, 0x88, true, close_c, sizeof close_c);
}

static void
convo_clear (convo *cv)
{
  g_byte_array_unref (cv->client);
  g_byte_array_unref (cv->server);
}

/* ---- packet building ------------------------------------------------------ */

typedef struct {
  ws_packet p;
} pkt;

static ws_conn *ended;
static int n_ended;

static void
on_end (ws_conn *c, void *user)
{
  if (ended)
    ws_conn_free (ended);
  ended = c;
  n_ended++;
}

static ws_packet
mk (bool from_client, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
    uint32_t len, int64_t ts)
{
  ws_packet p;
  memset (&p, 0, sizeof p);
  p.src.family = p.dst.family = 4;
  uint8_t cip[4] = { 10, 0, 0, 1 }, sip[4] = { 10, 0, 0, 2 };
  memcpy (p.src.addr, from_client ? cip : sip, 4);
  memcpy (p.dst.addr, from_client ? sip : cip, 4);
  p.sport = from_client ? 40000 : 8080;
  p.dport = from_client ? 8080 : 40000;
  p.seq = seq;
  p.ack = ack;
  p.flags = flags;
  p.payload = data;
  p.payload_len = p.payload_wire_len = len;
  p.ts_us = ts;
  return p;
}

typedef enum { V_INORDER, V_SWAP, V_DUP, V_OVERLAP } variant;

/* Send bytes [from, to) of one direction as segments of size seg. */
static void
send_range (ws_tcp *t, bool from_client, const GByteArray *b, size_t from, size_t to,
            uint32_t isn, uint32_t peer_next, size_t seg, variant v, int64_t *ts)
{
  size_t nseg = (to - from + seg - 1) / seg;
  for (size_t k = 0; k < nseg; k++)
    {
      size_t idx = k;
      if (v == V_SWAP)
        idx = (k % 2 == 0) ? (k + 1 < nseg ? k + 1 : k) : k - 1;
      size_t off = from + idx * seg;
      size_t len = MIN (seg, to - off);
      ws_packet p = mk (from_client, isn + 1 + (uint32_t) off, peer_next, WS_TCP_ACK | WS_TCP_PSH,
                        b->data + off, (uint32_t) len, (*ts)++);
      ws_tcp_packet (t, &p);
      if (v == V_DUP)
        ws_tcp_packet (t, &p);
      if (v == V_OVERLAP && off > from)
        {
          /* retransmission covering the previous segment and this one */
          size_t o2 = off - MIN (seg, off - from);
          ws_packet q = mk (from_client, isn + 1 + (uint32_t) o2, peer_next, WS_TCP_ACK,
                            b->data + o2, (uint32_t) (off + len - o2), (*ts)++);
          ws_tcp_packet (t, &q);
        }
    }
}

static void
run_convo (const convo *cv, size_t seg, variant v, uint32_t cisn, uint32_t sisn)
{
  ws_tcp_opts o = { 0 };
  ws_tcp *t = ws_tcp_new (test_ctx (), &o, on_end, NULL);
  int64_t ts = 1000000;
  uint32_t cn = cisn + 1, sn = sisn + 1;
  ws_packet p = mk (true, cisn, 0, WS_TCP_SYN, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  p = mk (false, sisn, cn, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  p = mk (true, cn, sn, WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &p);

  uint32_t cl = cv->client->len, sl = cv->server->len;
  /* request, response + server frames up to its close, client frames */
  send_range (t, true, cv->client, 0, cv->client_hs, cisn, sn, seg, v, &ts);
  send_range (t, false, cv->server, 0, sl, sisn, cn + (uint32_t) cv->client_hs, seg, v, &ts);
  send_range (t, true, cv->client, cv->client_hs, cl, cisn, sn + sl, seg, v, &ts);
  /* server FIN, client FIN */
  p = mk (false, sn + sl, cn + cl, WS_TCP_FIN | WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  p = mk (true, cn + cl, sn + sl + 1, WS_TCP_FIN | WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  ws_tcp_flush (t);
  ws_tcp_free (t);
}

static void
check_record (const char *what)
{
  g_assert_nonnull (ended);
  ws_conn *c = ended;
  if (c->handshake_status != 101 || ws_conn_close_code (c) != 1000)
    g_test_message ("%s: status %d code %d", what, c->handshake_status, ws_conn_close_code (c));
  g_assert_cmpint (c->handshake_status, ==, 101);
  g_assert_cmpint (c->accept_valid, ==, 1);
  g_assert_cmpstr (c->host, ==, "example.test:8080");
  g_assert_cmpstr (c->path, ==, "/chat?x=1");
  g_assert_cmpstr (c->accepted_subprotocol, ==, "chat");
  g_assert_cmpint (c->port[WS_SIDE_SERVER], ==, 8080);
  g_assert_cmpint (ws_conn_close_code (c), ==, 1000);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_SERVER);
  g_assert_cmpstr (c->close[WS_SIDE_SERVER].reason, ==, "bye");
  g_assert_true (c->close[WS_SIDE_CLIENT].seen);
  g_assert_cmpint (c->close[WS_SIDE_CLIENT].code, ==, 1000);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].text_messages, ==, 1);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].binary_messages, ==, 1);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].largest_message, ==, 300);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].frames, ==, 2);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].frames, ==, 2);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].gaps + c->dir[WS_SIDE_SERVER].gaps, ==, 0);
  g_assert_cmpuint (c->n_violations, ==, 0);
  g_assert_cmpint (c->tcp_end, ==, WS_TCP_END_FIN);
  g_assert_cmpint (c->tcp_end_by, ==, WS_SIDE_SERVER);
}

static void
run_all_sizes (variant v, uint32_t cisn, uint32_t sisn)
{
  convo cv;
  convo_init (&cv);
  for (size_t seg = 1; seg <= cv.client->len + 1; seg += (seg < 40 ? 1 : 37))
    {
      n_ended = 0;
      run_convo (&cv, seg, v, cisn, sisn);
      g_assert_cmpint (n_ended, ==, 1);
      char what[64];
      g_snprintf (what, sizeof what, "segment size %zu variant %d", seg, (int) v);
      check_record (what);
    }
  if (ended)
    ws_conn_free (ended);
  ended = NULL;
  convo_clear (&cv);
}

static void test_inorder (void) { run_all_sizes (V_INORDER, 1000, 50000); }
static void test_swapped (void) { run_all_sizes (V_SWAP, 1000, 50000); }
static void test_duplicated (void) { run_all_sizes (V_DUP, 1000, 50000); }
static void test_overlapping (void) { run_all_sizes (V_OVERLAP, 1000, 50000); }
static void test_wrap (void) { run_all_sizes (V_SWAP, 0xffffff00u, 0xfffffff0u); }

/* The capture loses a segment that the receiver acknowledges: a gap is
 * recorded and the parsers carry on. */
static void
test_loss_acked (void)
{
  convo cv;
  convo_init (&cv);
  ws_tcp_opts o = { 0 };
  ws_tcp *t = ws_tcp_new (test_ctx (), &o, on_end, NULL);
  int64_t ts = 1;
  uint32_t cisn = 100, sisn = 900;
  ws_packet p = mk (true, cisn, 0, WS_TCP_SYN, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  p = mk (false, sisn, cisn + 1, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  send_range (t, true, cv.client, 0, cv.client_hs, cisn, sisn + 1, 10000, V_INORDER, &ts);
  send_range (t, false, cv.server, 0, cv.server->len, sisn, cisn + 1 + cv.client_hs, 10000, V_INORDER, &ts);
  /* client binary frame: header (8 bytes) sent, 100 payload bytes lost, rest sent */
  size_t f0 = cv.client_hs;
  p = mk (true, cisn + 1 + (uint32_t) f0, sisn + 1, WS_TCP_ACK, cv.client->data + f0, 50, ts++);
  ws_tcp_packet (t, &p);
  size_t f1 = f0 + 150;
  p = mk (true, cisn + 1 + (uint32_t) f1, sisn + 1, WS_TCP_ACK, cv.client->data + f1,
          cv.client->len - (uint32_t) f1, ts++);
  ws_tcp_packet (t, &p);
  /* the server acknowledges everything */
  p = mk (false, sisn + 1 + cv.server->len, cisn + 1 + cv.client->len, WS_TCP_ACK | WS_TCP_FIN, NULL, 0, ts++);
  ws_tcp_packet (t, &p);
  ws_tcp_flush (t);
  ws_tcp_free (t);
  g_assert_nonnull (ended);
  g_assert_cmpuint (ended->dir[WS_SIDE_CLIENT].gaps, ==, 1);
  g_assert_cmpuint (ended->dir[WS_SIDE_CLIENT].gap_bytes, ==, 100);
  /* the gap fell inside the payload: the close frame after it is still read */
  g_assert_true (ended->close[WS_SIDE_CLIENT].seen);
  g_assert_cmpint (ended->close[WS_SIDE_CLIENT].code, ==, 1000);
  ws_conn_free (ended);
  ended = NULL;
  convo_clear (&cv);
}

/* A second SYN on the same 4-tuple after a close is a new connection. */
static void
test_port_reuse (void)
{
  convo cv;
  convo_init (&cv);
  n_ended = 0;
  ws_tcp_opts o = { 0 };
  ws_tcp *t = ws_tcp_new (test_ctx (), &o, on_end, NULL);
  int64_t ts = 1;
  for (int round = 0; round < 2; round++)
    {
      uint32_t cisn = 100 + round * 7777, sisn = 5000 + round * 999;
      ws_packet p = mk (true, cisn, 0, WS_TCP_SYN, NULL, 0, ts++);
      ws_tcp_packet (t, &p);
      p = mk (false, sisn, cisn + 1, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, ts++);
      ws_tcp_packet (t, &p);
      send_range (t, true, cv.client, 0, cv.client_hs, cisn, sisn + 1, 64, V_INORDER, &ts);
      p = mk (true, cisn + 1 + cv.client_hs, sisn + 1, WS_TCP_RST, NULL, 0, ts++);
      ws_tcp_packet (t, &p);
    }
  ws_tcp_flush (t);
  ws_tcp_free (t);
  g_assert_cmpint (n_ended, ==, 2);
  g_assert_cmpint (ended->tcp_end, ==, WS_TCP_END_RST);
  g_assert_cmpint (ended->tcp_end_by, ==, WS_SIDE_CLIENT);
  ws_conn_free (ended);
  ended = NULL;
  convo_clear (&cv);
}

/* The same 4-tuple in two tunnels: two connections, each with its own
 * stream, although their packets alternate (and their sequence numbers
 * differ, which in one flow would look like garbage). */
static void
test_tunnels_apart (void)
{
  convo cv;
  convo_init (&cv);
  n_ended = 0;
  ws_tcp_opts o = { 0 };
  ws_tcp *t = ws_tcp_new (test_ctx (), &o, on_end, NULL);
  int64_t ts = 1;
  uint32_t tunnel[2] = { 0x1234, 0x9876 }, cisn[2] = { 100, 900000 };
  for (int k = 0; k < 2; k++)
    {
      ws_packet p = mk (true, cisn[k], 0, WS_TCP_SYN, NULL, 0, ts++);
      p.tunnel = tunnel[k];
      ws_tcp_packet (t, &p);
    }
  g_assert_cmpuint (ws_tcp_count (t), ==, 2);
  for (int k = 0; k < 2; k++)
    {
      ws_packet p = mk (false, 5000, cisn[k] + 1, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, ts++);
      p.tunnel = tunnel[k];
      ws_tcp_packet (t, &p);
    }
  /* the request, a byte at a time, the tunnels' segments alternating */
  for (size_t off = 0; off < cv.client_hs; off++)
    for (int k = 0; k < 2; k++)
      {
        ws_packet p = mk (true, cisn[k] + 1 + (uint32_t) off, 5001, WS_TCP_ACK,
                          cv.client->data + off, 1, ts++);
        p.tunnel = tunnel[k];
        ws_tcp_packet (t, &p);
      }
  g_assert_cmpuint (ws_tcp_count (t), ==, 2);
  ws_tcp_flush (t);
  ws_tcp_free (t);
  g_assert_cmpint (n_ended, ==, 2);
  g_assert_cmpuint (ended->dir[WS_SIDE_CLIENT].tcp_bytes, ==, cv.client_hs);
  g_assert_cmpuint (ended->dir[WS_SIDE_CLIENT].gap_bytes, ==, 0);
  ws_conn_free (ended);
  ended = NULL;
  convo_clear (&cv);
}

/* The out-of-order buffer is bounded: a hole that never fills is given up
 * when the limit is reached, and the limit is recorded. */
static void
test_ooo_limit (void)
{
  ws_settings set;
  ws_settings_init (&set);
  set.limits.max_ooo_bytes_per_conn = 4096;
  ws_ctx ctx;
  ws_ctx_init (&ctx, &set);
  ws_tcp_opts o = { 0 };
  ws_tcp *t = ws_tcp_new (&ctx, &o, on_end, NULL);
  static uint8_t junk[1000];
  memset (junk, 'x', sizeof junk);
  ws_packet p = mk (true, 1, 0, WS_TCP_SYN, NULL, 0, 1);
  ws_tcp_packet (t, &p);
  for (int i = 1; i < 50; i++)
    {
      /* every segment leaves a 1000-byte hole before it */
      p = mk (true, 2 + (uint32_t) i * 2000, 0, 0, junk, sizeof junk, 1 + i);
      ws_tcp_packet (t, &p);
      g_assert_cmpuint (ws_tcp_ooo_bytes (t), <=, 4096);
    }
  ws_tcp_flush (t);
  g_assert_cmpuint (ws_tcp_ooo_bytes (t), ==, 0);
  ws_tcp_free (t);
  g_assert_true (ended->limits & WS_LIMIT_REASSEMBLY);
  g_assert_cmpuint (ctx.cnt.reassembly_limit_hits, >, 0);
  ws_conn_free (ended);
  ended = NULL;
  ws_ctx_clear (&ctx);
}

/* TLS (wss://) is recognised from the client's first record and counted as
 * encrypted, not followed; other protocols are "other". */
static void
test_classify (void)
{
  static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00 };
  static const uint8_t ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
  const uint8_t *first[2] = { hello, ssh };
  size_t len[2] = { sizeof hello, sizeof ssh - 1 };
  ws_kind want[2] = { WS_KIND_TLS, WS_KIND_OTHER };
  for (int i = 0; i < 2; i++)
    {
      ws_tcp_opts o = { 0 };
      ws_tcp *t = ws_tcp_new (test_ctx (), &o, on_end, NULL);
      ws_packet p = mk (true, 10, 0, WS_TCP_SYN, NULL, 0, 1);
      ws_tcp_packet (t, &p);
      p = mk (false, 500, 11, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, 2);
      ws_tcp_packet (t, &p);
      p = mk (true, 11, 501, WS_TCP_ACK | WS_TCP_PSH, first[i], (uint32_t) len[i], 3);
      ws_tcp_packet (t, &p);
      p = mk (true, 11 + (uint32_t) len[i], 501, WS_TCP_RST, NULL, 0, 4);
      ws_tcp_packet (t, &p);
      ws_tcp_free (t);
      g_assert_nonnull (ended);
      g_assert_cmpint (ended->kind, ==, want[i]);
      /* TLS is handed to the TLS stage (for --tls and decryption), whose
       * plaintext starts from the probe; anything else is ignored */
      if (want[i] == WS_KIND_TLS)
        g_assert_true (ended->tls_on);
      else
        g_assert_cmpint (ended->stage, ==, WS_STAGE_IGNORED);
      ws_conn_free (ended);
      ended = NULL;
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tcp/reassembly/in-order", test_inorder);
  g_test_add_func ("/tcp/reassembly/swapped", test_swapped);
  g_test_add_func ("/tcp/reassembly/duplicated", test_duplicated);
  g_test_add_func ("/tcp/reassembly/overlapping", test_overlapping);
  g_test_add_func ("/tcp/reassembly/seq-wrap", test_wrap);
  g_test_add_func ("/tcp/gap/acked-loss", test_loss_acked);
  g_test_add_func ("/tcp/port-reuse", test_port_reuse);
  g_test_add_func ("/tcp/tunnels-apart", test_tunnels_apart);
  g_test_add_func ("/tcp/limits/out-of-order", test_ooo_limit);
  g_test_add_func ("/tcp/classify/tls-and-other", test_classify);
  return g_test_run ();
}
