/* test-analyzer.c - the pipeline's spine (analyzer.c): Ethernet frames
 * built in memory go in, diagnosed records come out through the record
 * callback.  Records come out in the order their connections ended, only
 * once the hold time (capture time) has passed since their end, all of
 * them at the end of input; a connection silent past the idle time is
 * ended; streams that are not WebSocket make no record but are counted;
 * and a pcap file written here, read through the capture reader as the
 * program does, gives records that name their file and frames.  Expected
 * values follow from the packets each test sends. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "analyzer.h"
#include "capture.h"
#include "conn-builder.h"
#include "decode.h"

#define SEC G_USEC_PER_SEC
#define DLT_ETHERNET 1

/* What a test keeps of each record handed out (the record is borrowed). */
typedef struct {
  uint64_t id;
  uint16_t client_port;
  int64_t end_us;
  int close_code;
  ws_tcp_end tcp_end;
  char *cause;
  char *file;
  uint64_t first_frame, last_frame;
} seen_rec;

typedef struct {
  GArray *recs;   /* of seen_rec */
} sink;

static bool
on_record (const ws_conn *c, void *user)
{
  sink *k = user;
  seen_rec r = {
    .id = c->id, .client_port = c->port[WS_SIDE_CLIENT], .end_us = c->end_us,
    .close_code = ws_conn_close_code (c), .tcp_end = c->tcp_end,
    .cause = g_strdup (c->cause.id), .file = g_strdup (c->first_file),
    .first_frame = c->first_frame, .last_frame = c->last_frame,
  };
  g_array_append_val (k->recs, r);
  return true;
}

static void
seen_rec_clear (gpointer p)
{
  seen_rec *r = p;
  g_free (r->cause);
  g_free (r->file);
}

static sink
sink_new (void)
{
  sink k = { g_array_new (FALSE, TRUE, sizeof (seen_rec)) };
  g_array_set_clear_func (k.recs, seen_rec_clear);
  return k;
}

static seen_rec *
rec (sink *k, guint i)
{
  g_assert_cmpuint (i, <, k->recs->len);
  return &g_array_index (k->recs, seen_rec, i);
}

/* ---- packets ----------------------------------------------------------- */

/* One TCP connection from 10.0.0.1:port to 10.0.0.2:80: sequence numbers
 * follow the bytes sent. */
typedef struct {
  uint16_t port;
  uint32_t cseq, sseq;
} flow;

static void
send_frame (ws_analyzer *a, GByteArray *f, int64_t ts)
{
  struct pcap_pkthdr h = { { (time_t) (ts / SEC), (suseconds_t) (ts % SEC) }, f->len, f->len };
  ws_analyzer_packet (a, DLT_ETHERNET, &h, f->data);
  g_byte_array_unref (f);
}

static void
tcp_send (ws_analyzer *a, flow *fl, bool from_client, uint8_t flags, const void *data, size_t len,
          int64_t ts)
{
  GByteArray *f;
  if (from_client)
    f = cb_eth_tcp ("10.0.0.1", fl->port, "10.0.0.2", 80, fl->cseq, fl->sseq, flags, data, len);
  else
    f = cb_eth_tcp ("10.0.0.2", 80, "10.0.0.1", fl->port, fl->sseq, fl->cseq, flags, data, len);
  uint32_t used = (uint32_t) len + ((flags & (WS_TCP_SYN | WS_TCP_FIN)) ? 1 : 0);
  if (from_client)
    fl->cseq += used;
  else
    fl->sseq += used;
  send_frame (a, f, ts);
}

/* SYN, SYN-ACK, ACK, the RFC 6455 handshake: 6 packets from ts on, 1 ms
 * apart. */
static void
ws_open (ws_analyzer *a, flow *fl, int64_t ts)
{
  fl->cseq = 1000;
  fl->sseq = 9000;
  tcp_send (a, fl, true, WS_TCP_SYN, NULL, 0, ts);
  tcp_send (a, fl, false, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, ts + 1000);
  tcp_send (a, fl, true, WS_TCP_ACK, NULL, 0, ts + 2000);
  tcp_send (a, fl, true, WS_TCP_ACK | WS_TCP_PSH, cb_rfc_request, strlen (cb_rfc_request),
            ts + 3000);
  tcp_send (a, fl, false, WS_TCP_ACK | WS_TCP_PSH, cb_rfc_response, strlen (cb_rfc_response),
            ts + 4000);
  GByteArray *b = g_byte_array_new ();
  cb_ws_frame (b, 0x81, true, "hi", 2);
  tcp_send (a, fl, true, WS_TCP_ACK | WS_TCP_PSH, b->data, b->len, ts + 5000);
  g_byte_array_unref (b);
}

/* A close frame from one side. */
static void
ws_close (ws_analyzer *a, flow *fl, bool from_client, int code, int64_t ts)
{
  GByteArray *b = g_byte_array_new ();
  cb_ws_close (b, from_client, code, NULL);
  tcp_send (a, fl, from_client, WS_TCP_ACK | WS_TCP_PSH, b->data, b->len, ts);
  g_byte_array_unref (b);
}

/* The run's settings: the defaults. */
static ws_settings set;

static ws_analyzer *
analyzer (int64_t hold_us, int64_t idle_us, sink *k)
{
  ws_analyzer_opts o;
  ws_analyzer_opts_init (&o);
  o.hold_us = hold_us;
  o.idle_us = idle_us;
  ws_analyzer *a = ws_analyzer_new (&o, &set, NULL);
  ws_analyzer_set_record_fn (a, on_record, k);
  return a;
}

static void
reset_run (void)
{
  ws_settings_init (&set);
}

#define T (G_GINT64_CONSTANT (1700000000) * SEC)

/* Two connections end out of the order they began: the records follow
 * the ends, each held for hold_us after its end, the rest at the end. */
static void
test_order_hold (void)
{
  reset_run ();
  sink k = sink_new ();
  ws_analyzer *a = analyzer (10 * SEC, 0, &k);
  flow f1 = { 40001, 0, 0 }, f2 = { 40002, 0, 0 }, f3 = { 40003, 0, 0 };
  uint64_t packets = 0;

  ws_open (a, &f1, T);
  ws_open (a, &f2, T + SEC / 10);
  packets += 12;
  g_assert_cmpuint (ws_analyzer_tracked (a), ==, 2);
  /* the second ends first: the server closes 1001 and resets */
  ws_close (a, &f2, false, 1001, T + 1 * SEC);
  tcp_send (a, &f2, false, WS_TCP_RST, NULL, 0, T + 1 * SEC + 1000);
  /* the first: the client closes 1000, the server RSTs */
  ws_close (a, &f1, true, 1000, T + 2 * SEC);
  tcp_send (a, &f1, false, WS_TCP_RST, NULL, 0, T + 2 * SEC + 1000);
  packets += 4;
  g_assert_cmpuint (ws_analyzer_tracked (a), ==, 0);
  g_assert_cmpuint (ws_analyzer_held (a), ==, 2);
  g_assert_cmpuint (k.recs->len, ==, 0);

  /* a SYN of a third connection moves the capture clock past the hold of
   * the second's end (1.001 + 10 s) but not the first's (2.001 + 10) */
  tcp_send (a, &f3, true, WS_TCP_SYN, NULL, 0, T + 11 * SEC + SEC / 2);
  packets++;
  g_assert_cmpuint (k.recs->len, ==, 1);
  g_assert_cmpuint (ws_analyzer_held (a), ==, 1);
  g_assert_cmpint (ws_analyzer_now (a), ==, T + 11 * SEC + SEC / 2);
  seen_rec *r = rec (&k, 0);
  g_assert_cmpuint (r->client_port, ==, 40002);
  g_assert_cmpuint (r->id, ==, 2);
  g_assert_cmpint (r->close_code, ==, 1001);
  g_assert_cmpint (r->tcp_end, ==, WS_TCP_END_RST);
  g_assert_cmpint (r->end_us, ==, T + 1 * SEC + 1000);
  g_assert_nonnull (r->cause);

  ws_analyzer_finish (a);
  /* the first; the third (a SYN, no byte) is no record and no connection */
  g_assert_cmpuint (k.recs->len, ==, 2);
  r = rec (&k, 1);
  g_assert_cmpuint (r->client_port, ==, 40001);
  g_assert_cmpuint (r->id, ==, 1);
  g_assert_cmpint (r->close_code, ==, 1000);
  g_assert_cmpint (r->end_us, ==, T + 2 * SEC + 1000);
  g_assert_cmpuint (ws_analyzer_held (a), ==, 0);
  g_assert_cmpuint (ws_analyzer_tracked (a), ==, 0);
  g_assert_cmpuint (ws_analyzer_write_errors (a), ==, 0);
  g_assert_cmpuint (ws_analyzer_counters (a)->packets, ==, packets);
  g_assert_cmpuint (ws_analyzer_counters (a)->ws_connections, ==, 2);
  g_assert_cmpuint (ws_analyzer_counters (a)->tcp_connections, ==, 2);
  g_assert_cmpuint (ws_analyzer_counters (a)->other_connections, ==, 0);
  g_assert_cmpuint (ws_analyzer_counters (a)->undecodable_packets, ==, 0);
  ws_analyzer_free (a);
  g_array_unref (k.recs);
}

/* A record refused by the consumer counts as a write error. */
static bool
refuse (const ws_conn *c, void *user)
{
  (void) c;
  (*(int *) user)++;
  return false;
}

static void
test_write_error (void)
{
  reset_run ();
  int calls = 0;
  ws_analyzer_opts o;
  ws_analyzer_opts_init (&o);
  ws_analyzer *a = ws_analyzer_new (&o, &set, NULL);
  ws_analyzer_set_record_fn (a, refuse, &calls);
  flow f = { 40010, 0, 0 };
  ws_open (a, &f, T);
  ws_analyzer_finish (a);   /* still open: written as such */
  g_assert_cmpint (calls, ==, 1);
  g_assert_cmpuint (ws_analyzer_write_errors (a), ==, 1);
  ws_analyzer_free (a);
}

/* A connection silent for longer than the idle time ends; with no hold,
 * its record comes out at the next tick, before the end of input. */
static void
test_idle (void)
{
  reset_run ();
  sink k = sink_new ();
  ws_analyzer *a = analyzer (0, 5 * SEC, &k);
  flow f1 = { 40021, 0, 0 }, f2 = { 40022, 0, 0 };
  ws_open (a, &f1, T);
  ws_open (a, &f2, T + 3 * SEC);
  g_assert_cmpuint (k.recs->len, ==, 0);
  /* 6 s after the first's last packet, 3 s after the second's */
  tcp_send (a, &f2, true, WS_TCP_ACK, NULL, 0, T + 6 * SEC + 5000);
  g_assert_cmpuint (k.recs->len, ==, 1);
  seen_rec *r = rec (&k, 0);
  g_assert_cmpuint (r->client_port, ==, 40021);
  g_assert_cmpint (r->tcp_end, ==, WS_TCP_END_OPEN);
  g_assert_cmpint (r->end_us, ==, T + 5000);   /* its last packet */
  g_assert_cmpuint (ws_analyzer_tracked (a), ==, 1);
  ws_analyzer_finish (a);
  g_assert_cmpuint (k.recs->len, ==, 2);
  g_assert_cmpuint (rec (&k, 1)->client_port, ==, 40022);
  ws_analyzer_free (a);
  g_array_unref (k.recs);
}

/* Streams that are not WebSocket and frames that are not TCP: no record,
 * counted by kind. */
static void
test_not_websocket (void)
{
  static const char get[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
  reset_run ();
  sink k = sink_new ();
  ws_analyzer *a = analyzer (10 * SEC, 0, &k);
  flow f = { 40031, 1000, 9000 };
  tcp_send (a, &f, true, WS_TCP_SYN, NULL, 0, T);
  tcp_send (a, &f, false, WS_TCP_SYN | WS_TCP_ACK, NULL, 0, T + 1000);
  tcp_send (a, &f, true, WS_TCP_ACK | WS_TCP_PSH, get, strlen (get), T + 2000);
  tcp_send (a, &f, false, WS_TCP_RST, NULL, 0, T + 3000);
  /* an ARP frame and a frame cut inside its IPv4 header */
  GByteArray *arp = g_byte_array_new ();
  g_byte_array_append (arp, (const uint8_t *) "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01"
                       "\x08\x06", 14);
  uint8_t zero[28] = { 0 };
  g_byte_array_append (arp, zero, sizeof zero);
  send_frame (a, arp, T + 4000);
  GByteArray *cut = cb_eth_tcp ("10.0.0.1", 1, "10.0.0.2", 2, 0, 0, WS_TCP_SYN, NULL, 0);
  g_byte_array_set_size (cut, 14 + 10);
  send_frame (a, cut, T + 5000);
  ws_analyzer_finish (a);
  g_assert_cmpuint (k.recs->len, ==, 0);
  g_assert_cmpuint (ws_analyzer_counters (a)->packets, ==, 6);
  g_assert_cmpuint (ws_analyzer_counters (a)->tcp_connections, ==, 1);
  g_assert_cmpuint (ws_analyzer_counters (a)->other_connections, ==, 1);
  g_assert_cmpuint (ws_analyzer_counters (a)->rejected_no_upgrade, ==, 1);
  g_assert_cmpuint (ws_analyzer_counters (a)->ws_connections, ==, 0);
  g_assert_cmpuint (ws_analyzer_counters (a)->non_tcp_packets, ==, 1);
  g_assert_cmpuint (ws_analyzer_counters (a)->not_ip_packets, ==, 1);
  g_assert_cmpuint (ws_analyzer_counters (a)->undecodable_packets + ws_analyzer_counters (a)->truncated_packets, >=, 1);
  ws_analyzer_free (a);
  g_array_unref (k.recs);
}

/* ---- from a file -------------------------------------------------------- */

typedef struct {
  ws_analyzer *a;
  ws_capture *cap;
} run_ctx;

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  run_ctx *rc = user;
  ws_analyzer_packet_from (rc->a, rc->cap, linktype, h, data);
}

/* Collects the frames an analyzer is given, to write them to a file. */
typedef struct {
  GByteArray *file;
} pcap_out;

static void
capture_frame (pcap_out *o, const GByteArray *f, int64_t ts)
{
  cb_pcap_record (o->file, false, (uint32_t) (ts / SEC), (uint32_t) (ts % SEC), f->data,
                  f->len, f->len);
}

static void
test_pcap_file (void)
{
  reset_run ();
  /* a first packet of another flow, then a connection of 7 packets: SYN,
   * SYN-ACK, ACK, request, response, client close, server RST */
  pcap_out o = { g_byte_array_new () };
  cb_pcap_header (o.file, false, false, 65535, DLT_ETHERNET);
  GByteArray *fr[8];
  fr[0] = cb_eth_tcp ("10.9.9.9", 5555, "10.0.0.2", 22, 1, 0, WS_TCP_SYN, NULL, 0);
  fr[1] = cb_eth_tcp ("10.0.0.1", 40041, "10.0.0.2", 80, 1000, 0, WS_TCP_SYN, NULL, 0);
  fr[2] = cb_eth_tcp ("10.0.0.2", 80, "10.0.0.1", 40041, 9000, 1001, WS_TCP_SYN | WS_TCP_ACK,
                      NULL, 0);
  fr[3] = cb_eth_tcp ("10.0.0.1", 40041, "10.0.0.2", 80, 1001, 9001, WS_TCP_ACK, NULL, 0);
  size_t rq = strlen (cb_rfc_request), rs = strlen (cb_rfc_response);
  fr[4] = cb_eth_tcp ("10.0.0.1", 40041, "10.0.0.2", 80, 1001, 9001, WS_TCP_ACK,
                      cb_rfc_request, rq);
  fr[5] = cb_eth_tcp ("10.0.0.2", 80, "10.0.0.1", 40041, 9001, 1001 + (uint32_t) rq, WS_TCP_ACK,
                      cb_rfc_response, rs);
  GByteArray *cl = g_byte_array_new ();
  cb_ws_close (cl, true, 4000, NULL);
  fr[6] = cb_eth_tcp ("10.0.0.1", 40041, "10.0.0.2", 80, 1001 + (uint32_t) rq,
                      9001 + (uint32_t) rs, WS_TCP_ACK, cl->data, cl->len);
  fr[7] = cb_eth_tcp ("10.0.0.2", 80, "10.0.0.1", 40041, 9001 + (uint32_t) rs,
                      1001 + (uint32_t) (rq + cl->len), WS_TCP_RST, NULL, 0);
  g_byte_array_unref (cl);
  for (int i = 0; i < 8; i++)
    {
      capture_frame (&o, fr[i], T + i * 1000);
      g_byte_array_unref (fr[i]);
    }
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-analyzer-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "one.pcap", NULL);
  g_assert_true (g_file_set_contents (path, (const char *) o.file->data, o.file->len, NULL));
  g_byte_array_unref (o.file);

  sink k = sink_new ();
  ws_analyzer *a = analyzer (10 * SEC, 0, &k);
  char *files[] = { path, NULL };
  int n_errors = 0;
  g_autoptr (GError) error = NULL;
  ws_capture *cap = ws_capture_open_files (files, NULL, &n_errors, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n_errors, ==, 0);
  run_ctx rc = { a, cap };
  g_assert_cmpint (ws_capture_run (cap, on_packet, &rc), ==, 0);
  ws_analyzer_finish (a);
  g_assert_cmpuint (k.recs->len, ==, 1);
  seen_rec *r = rec (&k, 0);
  g_assert_cmpint (r->close_code, ==, 4000);
  g_assert_cmpint (r->tcp_end, ==, WS_TCP_END_RST);
  g_assert_cmpint (r->end_us, ==, T + 7000);
  g_assert_cmpstr (r->file, ==, path);
  g_assert_cmpuint (r->first_frame, ==, 2);   /* Wireshark's numbers: from 1 */
  g_assert_cmpuint (r->last_frame, ==, 8);
  g_assert_cmpuint (ws_analyzer_counters (a)->packets, ==, 8);
  ws_capture_free (cap);
  ws_analyzer_free (a);
  g_array_unref (k.recs);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/analyzer/order-and-hold", test_order_hold);
  g_test_add_func ("/analyzer/write-error", test_write_error);
  g_test_add_func ("/analyzer/idle", test_idle);
  g_test_add_func ("/analyzer/not-websocket", test_not_websocket);
  g_test_add_func ("/analyzer/pcap-file", test_pcap_file);
  return g_test_run ();
}
