/* conn-builder.c - records built by hand for the unit tests: what a
 * situation looks like on the wire, as the parsers would have filled the
 * record (see conn-builder.h). */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "conn-builder.h"
#include "test-ctx.h"

ws_ctx *
cb_ctx (void)
{
  return test_ctx ();
}

static void
check_side (ws_side s)
{
  g_assert_true (s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER);
}

/* Replace a string field the builder (or the test) set: the record never
 * came from the handshake parser, so each is its own allocation. */
static void
set_str (char **field, const char *value)
{
  if (value == *field)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

void
cb_addr (ws_addr *a, const char *text)
{
  memset (a, 0, sizeof *a);
  bool v6 = strchr (text, ':') != NULL;
  a->family = v6 ? 6 : 4;
  g_assert_true (inet_pton (v6 ? AF_INET6 : AF_INET, text, a->addr) == 1);
}

ws_conn *
cb_conn (uint64_t id, int client_last_octet)
{
  g_assert_true (client_last_octet >= 0 && client_last_octet <= 255);
  ws_conn *c = ws_conn_new (cb_ctx ());
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

void
cb_endpoints (ws_conn *c, const char *client, uint16_t client_port, const char *server,
              uint16_t server_port)
{
  cb_addr (&c->addr[WS_SIDE_CLIENT], client);
  cb_addr (&c->addr[WS_SIDE_SERVER], server);
  c->port[WS_SIDE_CLIENT] = client_port;
  c->port[WS_SIDE_SERVER] = server_port;
}

void
cb_request (ws_conn *c, const char *host, const char *path)
{
  set_str (&c->host, host);
  set_str (&c->path, path);
}

void
cb_origin (ws_conn *c, const char *origin)
{
  set_str (&c->origin, origin);
}

void
cb_user_agent (ws_conn *c, const char *user_agent)
{
  set_str (&c->user_agent, user_agent);
}

void
cb_server (ws_conn *c, const char *server_header)
{
  set_str (&c->server_header, server_header);
}

void
cb_extensions (ws_conn *c, const char *offered, const char *accepted)
{
  set_str (&c->offered_extensions, offered);
  set_str (&c->accepted_extensions, accepted);
}

void
cb_subprotocols (ws_conn *c, const char *offered, const char *accepted)
{
  set_str (&c->offered_subprotocols, offered);
  set_str (&c->accepted_subprotocol, accepted);
}

void
cb_handshake_problem (ws_conn *c, ws_handshake_problem kind, const char *text)
{
  c->handshake_problem_kind = kind;
  set_str (&c->handshake_problem, text);
}

void
cb_accept (ws_conn *c, const char *accept, bool valid)
{
  set_str (&c->ws_accept, accept);
  c->accept_valid = valid ? 1 : 0;
}

void
cb_reject (ws_conn *c, int status, const char *reason)
{
  g_assert_true (status != 101);
  c->handshake_status = status;
  set_str (&c->handshake_reason, reason);
  c->stage = WS_STAGE_REJECTED;
  c->accept_valid = -1;   /* no Accept to check */
}

void
cb_no_response (ws_conn *c)
{
  c->handshake_status = -1;
  c->response_us = 0;
  c->stage = WS_STAGE_HANDSHAKE;
}

void
cb_midstream (ws_conn *c)
{
  char **fields[] = { &c->method, &c->host, &c->path, &c->ws_version, &c->ws_key };
  for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
    set_str (fields[i], NULL);
  c->midstream = true;
  c->syn_seen = false;
  c->handshake_status = -1;
  c->accept_valid = -1;
  c->request_us = c->response_us = 0;
}

void
cb_traffic (ws_conn *c, ws_side s, uint64_t messages, uint64_t largest, double last_s)
{
  check_side (s);
  ws_dir_stats *d = &c->dir[s];
  d->frames += messages;
  d->messages += messages;
  d->text_messages += messages;
  d->largest_message = MAX (d->largest_message, largest);
  d->last_message = largest;
  d->first_frame_us = T0 + S (0.01);
  d->last_frame_us = d->last_data_us = T0 + S (last_s);
}

void
cb_frames (ws_conn *c, ws_side s, uint64_t frames, double last_s)
{
  check_side (s);
  c->dir[s].frames += frames;
  c->dir[s].last_frame_us = T0 + S (last_s);
}

void
cb_bytes (ws_conn *c, ws_side s, uint64_t tcp_bytes)
{
  check_side (s);
  c->dir[s].tcp_bytes = tcp_bytes;
}

void
cb_ping (ws_conn *c, ws_side s, size_t payload_len, double at_s)
{
  check_side (s);
  ws_dir_stats *d = &c->dir[s];
  d->frames++;
  if (d->pings++ == 0)
    d->first_ping_us = T0 + S (at_s);
  d->largest_control = MAX (d->largest_control, payload_len);
  d->last_frame_us = d->last_ping_us = T0 + S (at_s);
}

void
cb_pong (ws_conn *c, ws_side s, double at_s)
{
  check_side (s);
  ws_dir_stats *d = &c->dir[s];
  d->frames++;
  d->pongs++;
  d->last_frame_us = d->last_pong_us = T0 + S (at_s);
}

void
cb_gap (ws_conn *c, ws_side s, uint64_t n)
{
  check_side (s);
  c->dir[s].gaps++;
  c->dir[s].gap_bytes += n;
}

void
cb_close_bytes (ws_conn *c, ws_side s, int code, const char *reason, size_t reason_len,
                double at_s)
{
  check_side (s);
  g_assert_true (code >= 0 || reason == NULL);
  ws_close_info *ci = &c->close[s];
  ci->seen = true;
  ci->ts_us = T0 + S (at_s);
  ci->code = code;
  g_free (ci->reason);
  ci->reason = NULL;
  if (reason)
    {
      /* reason_len bytes, NUL-terminated as the record keeps them */
      ci->reason = g_malloc (reason_len + 1);
      memcpy (ci->reason, reason, reason_len);
      ci->reason[reason_len] = '\0';
    }
  ci->reason_len = reason ? reason_len : 0;
  ci->payload_len = code < 0 ? 0 : 2 + ci->reason_len;
  c->dir[s].frames++;
  c->dir[s].closes++;
  c->dir[s].last_frame_us = ci->ts_us;
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = s;
}

void
cb_close (ws_conn *c, ws_side s, int code, const char *reason, double at_s)
{
  cb_close_bytes (c, s, code, reason, reason ? strlen (reason) : 0, at_s);
}

void
cb_fin (ws_conn *c, ws_side s, double at_s)
{
  check_side (s);
  c->fin[s] = true;
  c->fin_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    {
      c->tcp_end = WS_TCP_END_FIN;
      c->tcp_end_by = s;
    }
  c->end_us = MAX (c->end_us, c->fin_us[s]);
}

void
cb_rst (ws_conn *c, ws_side s, double at_s)
{
  check_side (s);
  c->rst[s] = true;
  c->rst_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    c->tcp_end_by = s;
  c->tcp_end = WS_TCP_END_RST;
  c->end_us = MAX (c->end_us, c->rst_us[s]);
}

void
cb_last_packet (ws_conn *c, double at_s)
{
  c->end_us = T0 + S (at_s);
}

void
cb_violation (ws_conn *c, ws_violation_kind k, ws_side s, double at_s, uint64_t off,
              const char *detail)
{
  check_side (s);
  g_assert_cmpuint (c->n_violations, <, WS_MAX_VIOLATIONS);
  if (!c->violations)
    c->violations = g_new0 (ws_violation, WS_MAX_VIOLATIONS);
  ws_violation *v = &c->violations[c->n_violations++];
  v->kind = k;
  v->side = s;
  v->ts_us = T0 + S (at_s);
  v->offset = off;
  g_strlcpy (v->detail, detail ? detail : "", sizeof v->detail);
}

static void
evidence_free (gpointer p)
{
  ws_evidence *e = p;
  g_free (e->text);
  g_free (e);
}

void
cb_cause (ws_conn *c, const char *id, const char *confidence, const char *summary,
          const char *fix)
{
  c->cause.id = id;
  c->cause.confidence = confidence;
  set_str (&c->cause.summary, summary);
  set_str (&c->cause.fix, fix);
  if (!c->cause.evidence)
    c->cause.evidence = g_ptr_array_new_with_free_func (evidence_free);
}

void
cb_evidence (ws_conn *c, int64_t ts_us, const char *text)
{
  g_assert_nonnull (c->cause.evidence);
  ws_evidence *e = g_new0 (ws_evidence, 1);
  e->ts_us = ts_us;
  e->text = g_strdup (text);
  g_ptr_array_add (c->cause.evidence, e);
}

ws_conn *
cb_random_conn (GRand *r, uint64_t id)
{
  static const char *hosts[] = { "example.test", "EXAMPLE.test", "other.test", "" };
  ws_conn *c = cb_conn (id, g_rand_int_range (r, 0, 5) == 0 ? 2 : g_rand_int_range (r, 3, 9));
  double t0 = g_rand_int_range (r, 0, 40) * 0.5;
  double quiet = g_rand_int_range (r, 0, 3) == 0 ? 42 : g_rand_int_range (r, 1, 30) * 0.37;

  c->addr[WS_SIDE_SERVER].addr[3] = (uint8_t) g_rand_int_range (r, 2, 4);
  c->port[WS_SIDE_SERVER] = g_rand_boolean (r) ? 8080 : 9000;
  set_str (&c->host, hosts[g_rand_int_range (r, 0, G_N_ELEMENTS (hosts))]);
  if (g_rand_int_range (r, 0, 3) == 0)
    cb_server (c, "nginx/1.22.1");
  c->start_us += S (t0);
  c->request_us += S (t0);
  c->response_us += S (t0);
  cb_traffic (c, WS_SIDE_CLIENT, 2, 10, t0 + 1);
  switch (g_rand_int_range (r, 0, 6))
    {
    case 0:
      cb_close (c, WS_SIDE_SERVER, g_rand_boolean (r) ? 1012 : 1001, NULL,
                100 + g_rand_int_range (r, 0, 8) * 0.1);
      cb_fin (c, WS_SIDE_SERVER, 100.5 + g_rand_int_range (r, 0, 8) * 0.1);
      break;
    case 1:
      cb_close (c, WS_SIDE_CLIENT, 1000, "bye", t0 + 2);
      cb_fin (c, WS_SIDE_SERVER, t0 + 2.01);
      break;
    case 2:
    case 3:
      cb_fin (c, g_rand_boolean (r) ? WS_SIDE_SERVER : WS_SIDE_CLIENT,
              (g_rand_boolean (r) ? 100.02 : t0 + 1) + quiet);
      break;
    case 4:
      cb_rst (c, WS_SIDE_SERVER, 100 + g_rand_int_range (r, 0, 5) * 0.05);
      break;
    default:
      cb_last_packet (c, 200);   /* still open */
      break;
    }
  return c;
}

void
cb_shift (ws_conn *c, int64_t delta_us)
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
                       &c->dir[s].last_pong_us, &c->dir[s].first_ping_us };
      for (size_t i = 0; i < G_N_ELEMENTS (d); i++)
        if (*d[i])
          *d[i] += delta_us;
    }
  for (unsigned i = 0; i < c->n_violations; i++)
    if (c->violations[i].ts_us)
      c->violations[i].ts_us += delta_us;
}

/* ---- bytes on the wire ------------------------------------------------------- */

const char cb_rfc_request[] =
  "GET /chat HTTP/1.1\r\n"
  "Host: server.example.com\r\n"
  "Upgrade: websocket\r\n"
  "Connection: Upgrade\r\n"
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
  "Origin: http://example.com\r\n"
  "Sec-WebSocket-Protocol: chat, superchat\r\n"
  "Sec-WebSocket-Version: 13\r\n"
  "\r\n";

const char cb_rfc_response[] =
  "HTTP/1.1 101 Switching Protocols\r\n"
  "Upgrade: websocket\r\n"
  "Connection: Upgrade\r\n"
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
  "Sec-WebSocket-Protocol: chat\r\n"
  "\r\n";

void
cb_ws_frame (GByteArray *b, uint8_t first, bool masked, const void *payload, size_t len)
{
  static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
  uint8_t h[14];
  size_t n = 0;
  uint8_t m = masked ? 0x80 : 0;

  h[n++] = first;
  if (len < 126)
    h[n++] = m | (uint8_t) len;
  else if (len <= 0xffff)
    {
      h[n++] = m | 126;
      h[n++] = (uint8_t) (len >> 8);
      h[n++] = (uint8_t) len;
    }
  else
    {
      h[n++] = m | 127;
      for (int i = 7; i >= 0; i--)
        h[n++] = (uint8_t) ((uint64_t) len >> (8 * i));
    }
  if (masked)
    for (int i = 0; i < 4; i++)
      h[n++] = key[i];
  g_byte_array_append (b, h, (guint) n);
  const uint8_t *p = payload;
  for (size_t i = 0; i < len; i++)
    {
      uint8_t x = p[i] ^ (masked ? key[i % 4] : 0);
      g_byte_array_append (b, &x, 1);
    }
}

void
cb_ws_close (GByteArray *b, bool masked, int code, const char *reason)
{
  uint8_t body[127];
  size_t n = 0;
  if (code >= 0)
    {
      size_t rl = reason ? strlen (reason) : 0;
      g_assert_cmpuint (rl, <=, 123);
      body[n++] = (uint8_t) (code >> 8);
      body[n++] = (uint8_t) code;
      memcpy (body + n, reason ? reason : "", rl);
      n += rl;
    }
  cb_ws_frame (b, 0x88, masked, body, n);
}

ws_packet
cb_tcp_packet (uint16_t client_port, uint16_t server_port, bool from_client, uint32_t seq,
               uint32_t ack, uint8_t flags, const uint8_t *data, uint32_t len, int64_t ts_us)
{
  ws_packet p;
  memset (&p, 0, sizeof p);
  cb_addr (from_client ? &p.src : &p.dst, "10.0.0.1");
  cb_addr (from_client ? &p.dst : &p.src, "10.0.0.2");
  p.sport = from_client ? client_port : server_port;
  p.dport = from_client ? server_port : client_port;
  p.seq = seq;
  p.ack = ack;
  p.flags = flags;
  p.payload = data;
  p.payload_len = p.payload_wire_len = len;
  p.ts_us = ts_us;
  return p;
}

static void
put16 (uint8_t *p, unsigned v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static void
put32 (uint8_t *p, uint32_t v)
{
  put16 (p, v >> 16);
  put16 (p + 2, v & 0xffff);
}

GByteArray *
cb_eth_tcp (const char *a, uint16_t ap, const char *b, uint16_t bp, uint32_t seq, uint32_t ack,
            uint8_t flags, const void *payload, size_t len)
{
  uint8_t h[54] = { 0 };
  ws_addr src, dst;

  cb_addr (&src, a);
  cb_addr (&dst, b);
  g_assert_true (src.family == 4 && dst.family == 4);
  g_assert_cmpuint (len, <=, 65535 - 40);
  memcpy (h, "\x02\x00\x00\x00\x00\x02" "\x02\x00\x00\x00\x00\x01" "\x08\x00", 14);
  uint8_t *ip = h + 14;
  ip[0] = 0x45;
  put16 (ip + 2, (unsigned) (40 + len));
  ip[6] = 0x40;                  /* DF */
  ip[8] = 64;
  ip[9] = 6;
  memcpy (ip + 12, src.addr, 4);
  memcpy (ip + 16, dst.addr, 4);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2)
    sum += (uint32_t) (ip[i] << 8 | ip[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  put16 (ip + 10, ~sum & 0xffff);
  uint8_t *tcp = ip + 20;
  put16 (tcp, ap);
  put16 (tcp + 2, bp);
  put32 (tcp + 4, seq);
  put32 (tcp + 8, ack);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  put16 (tcp + 14, 65535);
  GByteArray *f = g_byte_array_sized_new ((guint) (sizeof h + len));
  g_byte_array_append (f, h, sizeof h);
  g_byte_array_append (f, payload, (guint) len);
  return f;
}

static void
put32_order (GByteArray *f, uint32_t v, bool swapped)
{
  uint32_t x = swapped ? GUINT32_SWAP_LE_BE (v) : v;
  g_byte_array_append (f, (const uint8_t *) &x, 4);
}

void
cb_pcap_header (GByteArray *f, bool nsec, bool swapped, uint32_t snaplen, uint32_t linktype)
{
  uint16_t ver[2] = { 2, 4 };
  put32_order (f, nsec ? 0xa1b23c4du : 0xa1b2c3d4u, swapped);
  for (int i = 0; i < 2; i++)
    {
      uint16_t x = swapped ? GUINT16_SWAP_LE_BE (ver[i]) : ver[i];
      g_byte_array_append (f, (const uint8_t *) &x, 2);
    }
  put32_order (f, 0, swapped);   /* thiszone */
  put32_order (f, 0, swapped);   /* sigfigs */
  put32_order (f, snaplen, swapped);
  put32_order (f, linktype, swapped);
}

void
cb_pcap_record (GByteArray *f, bool swapped, uint32_t sec, uint32_t frac, const void *data,
                uint32_t caplen, uint32_t wirelen)
{
  put32_order (f, sec, swapped);
  put32_order (f, frac, swapped);
  put32_order (f, caplen, swapped);
  put32_order (f, wirelen, swapped);
  g_byte_array_append (f, data, caplen);
}

static void
ng32 (GByteArray *f, bool be, uint32_t v)
{
  uint32_t x = be ? GUINT32_TO_BE (v) : GUINT32_TO_LE (v);
  g_byte_array_append (f, (const uint8_t *) &x, 4);
}

static void
ng16 (GByteArray *f, bool be, uint16_t v)
{
  uint16_t x = be ? GUINT16_TO_BE (v) : GUINT16_TO_LE (v);
  g_byte_array_append (f, (const uint8_t *) &x, 2);
}

/* A block of type t: its length before and after a body padded to 4. */
static void
ng_block (GByteArray *f, bool be, uint32_t t, const GByteArray *body)
{
  static const uint8_t zero[4] = { 0 };
  size_t pad = (4 - body->len % 4) % 4;
  uint32_t total = (uint32_t) (12 + body->len + pad);
  ng32 (f, be, t);
  ng32 (f, be, total);
  g_byte_array_append (f, body->data, body->len);
  g_byte_array_append (f, zero, (guint) pad);
  ng32 (f, be, total);
}

void
cb_pcapng_section (GByteArray *f, bool be)
{
  GByteArray *b = g_byte_array_new ();
  ng32 (b, be, 0x1a2b3c4d);
  ng16 (b, be, 1);
  ng16 (b, be, 0);
  ng32 (b, be, 0xffffffff);   /* section length: not given */
  ng32 (b, be, 0xffffffff);
  ng_block (f, be, 0x0a0d0d0a, b);
  g_byte_array_unref (b);
}

void
cb_pcapng_iface (GByteArray *f, bool be, uint16_t linktype, uint32_t snaplen)
{
  GByteArray *b = g_byte_array_new ();
  ng16 (b, be, linktype);
  ng16 (b, be, 0);
  ng32 (b, be, snaplen);
  ng_block (f, be, 1, b);
  g_byte_array_unref (b);
}

void
cb_pcapng_packet (GByteArray *f, bool be, uint32_t ifid, uint64_t ts_us, const void *data,
                  uint32_t caplen, uint32_t wirelen)
{
  GByteArray *b = g_byte_array_new ();
  ng32 (b, be, ifid);
  ng32 (b, be, (uint32_t) (ts_us >> 32));
  ng32 (b, be, (uint32_t) ts_us);
  ng32 (b, be, caplen);
  ng32 (b, be, wirelen);
  g_byte_array_append (b, data, caplen);
  ng_block (f, be, 6, b);
  g_byte_array_unref (b);
}

/* ---- the report's record (report-model.h) ---------------------------------- */

ws_report_rec *
cb_report_rec (const char *server, int code, const char *cause, int64_t start_s,
               const char *reason)
{
  ws_report_rec *r = ws_report_rec_new ();
  r->client_ip = g_strdup ("10.0.0.1");
  r->client_port = (unsigned) (40000 + start_s % 1000);
  r->server_ip = g_strdup (server);
  r->server_port = 443;
  r->host = g_strdup ("h.example");
  r->path = g_strdup ("/ws");
  r->start_us = start_s * G_USEC_PER_SEC;
  r->end_us = r->start_us + 30 * G_USEC_PER_SEC;
  r->handshake_status = 101;
  r->close_code = code;
  r->close_reason = g_strdup (reason);
  r->cause_id = g_strdup (cause);
  r->cause_confidence = g_strdup ("high");
  r->cause_summary = g_strdup ("summary");
  r->cause_fix = g_strdup ("fix it");
  r->tcp_end = WS_TCP_END_FIN;
  r->tcp_end_by = WS_SIDE_CLIENT;
  r->idle_us = code == 1006 ? 25 * G_USEC_PER_SEC : -1;
  return r;
}
