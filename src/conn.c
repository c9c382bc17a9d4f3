/* conn.c - the connection record and the dispatch of a connection's ordered
 * stream bytes: the HTTP opening handshake first (RFC 6455 section 4), then
 * WebSocket frames.  Also the contract helpers shared by every writer
 * (close_code, names of sides, TCP endings and violations).
 *
 * Stage machine for one connection:
 *
 *   PROBE --GET+Upgrade--> HANDSHAKE --101--> FRAMES
 *     |                        \--other status--> REJECTED (record kept)
 *     |--TLS record / other--> IGNORED (no record)
 *     `--held bytes read as frames--> FRAMES (midstream, handshake fields null)
 *
 * What is recognised as WebSocket (see the README):
 *  - a stream whose start was seen (SYN, and the client's first bytes not
 *    lost) only through its upgrade request: a request with Upgrade:
 *    websocket or Sec-WebSocket-Key (an attempt, whatever the answer);
 *  - a stream seen mid-stream (no SYN, or the client's first bytes lost)
 *    through a 101 response that upgrades to websocket, or through frames:
 *    each side's bytes are held (bounded) until they read, from a segment
 *    start to the last byte held, as frames a real peer writes (ws_frame_chain),
 *    with client->server masked and server->client unmasked, and enough of
 *    them (PROBE_MIN_FRAMES over both directions, PROBE_MIN_FRAMES_ONE_SIDE
 *    when only one side spoke); the held bytes are then replayed into the
 *    frame parsers.  Anything else is counted as rejected (ws_reject).
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>

#include "conn.h"
#include "cause.h"
#include "redact.h"
#include "subproto.h"
#include "tlsconn.h"

ws_limits ws_limits_cfg;
ws_counters ws_stats;

void
ws_limits_init_defaults (ws_limits *l)
{
  l->max_header_bytes = 16 * 1024;
  l->max_ooo_bytes_per_conn = 256 * 1024;
  l->max_ooo_bytes_total = 256u * 1024 * 1024;
  l->max_conns = 250000;
  l->max_inflaters = 100000;
  l->max_inflate_bytes = 64u * 1024 * 1024;
  l->max_close_reason = 1024;
  l->check_utf8 = true;
  l->inflate = false;            /* --inflate: it costs most of the time */
}

static const char *const violation_names[WS_VIOL_COUNT] = {
  [WS_VIOL_UNMASKED_CLIENT_FRAME] = "unmasked_client_frame",
  [WS_VIOL_MASKED_SERVER_FRAME] = "masked_server_frame",
  [WS_VIOL_RSV_NOT_NEGOTIATED] = "rsv_not_negotiated",
  [WS_VIOL_CONTROL_TOO_LONG] = "control_frame_too_long",
  [WS_VIOL_CONTROL_FRAGMENTED] = "control_frame_fragmented",
  [WS_VIOL_UNKNOWN_OPCODE] = "unknown_opcode",
  [WS_VIOL_CONTINUATION_WITHOUT_START] = "continuation_without_start",
  [WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED] = "new_message_in_fragmented_message",
  [WS_VIOL_CLOSE_ONE_BYTE] = "close_one_byte_body",
  [WS_VIOL_CLOSE_CODE_INVALID] = "close_code_invalid",
  [WS_VIOL_CLOSE_REASON_NOT_UTF8] = "close_reason_not_utf8",
  [WS_VIOL_TEXT_NOT_UTF8] = "text_not_utf8",
  [WS_VIOL_DATA_AFTER_CLOSE] = "frame_after_close",
  [WS_VIOL_LENGTH_NOT_MINIMAL] = "length_not_minimal",
  [WS_VIOL_LENGTH_MSB_SET] = "length_msb_set",
  [WS_VIOL_INFLATE_ERROR] = "inflate_error",
  [WS_VIOL_RSV1_ON_CONTINUATION] = "rsv1_on_continuation",
  [WS_VIOL_RSV1_ON_CONTROL] = "rsv1_on_control_frame",
};

const char *
ws_violation_name (ws_violation_kind k)
{
  if ((unsigned) k >= WS_VIOL_COUNT || !violation_names[k])
    return "unknown";
  return violation_names[k];
}

const char *
ws_side_name (ws_side s)
{
  switch (s)
    {
    case WS_SIDE_CLIENT: return "client";
    case WS_SIDE_SERVER: return "server";
    default: return NULL;
    }
}

const char *
ws_tcp_end_name (ws_tcp_end e)
{
  switch (e)
    {
    case WS_TCP_END_FIN: return "fin";
    case WS_TCP_END_RST: return "rst";
    default: return "open";
    }
}

void
ws_addr_to_string (const ws_addr *a, char *buf, size_t len)
{
  if (len == 0)
    return;
  if (!inet_ntop (a->family == 6 ? AF_INET6 : AF_INET, a->addr, buf, (socklen_t) len))
    buf[0] = '\0';
}

ws_conn *
ws_conn_new (void)
{
  /* calloc: cheaper than malloc and clearing all but the parsers (which
   * their init functions clear again), as measured; most of the record is
   * zero to start with */
  ws_conn *c = g_new0 (ws_conn, 1);
  c->handshake_status = -1;
  c->accept_valid = -1;
  c->close_initiator = WS_SIDE_NONE;
  c->tcp_end_by = WS_SIDE_NONE;
  c->pmd.server_max_window_bits = 15;
  c->pmd.client_max_window_bits = 15;
  for (int s = 0; s < 2; s++)
    {
      ws_http_parser_init (&c->http[s]);
      ws_frame_parser_init (&c->frames[s], c, s);
    }
  return c;
}

void
ws_conn_release (ws_conn *c)
{
  ws_tls_conn_release (c);
  ws_subproto_conn_end (c);
  if (c->app && !ws_subproto_name (c->app))
    {
      /* still looking when it ended: nothing found (a known one is a fact) */
      ws_subproto_free (c->app);
      c->app = NULL;
    }
  for (int s = 0; s < 2; s++)
    {
      ws_http_parser_clear (&c->http[s]);
      ws_frame_parser_clear (&c->frames[s]);
    }
}

/* ---- bytes held while recognising a connection seen mid-stream ------------ */

#define PROBE_MAX_BYTES (64 * 1024)   /* held per side while no frame is found */
#define PROBE_MAX_CHAIN_BYTES (256 * 1024) /* ... and while the bytes read as frames */
#define PROBE_MAX_SEGS 512            /* held per side */
#define PROBE_MAX_TOTAL (64u * 1024 * 1024) /* held by all connections */
#define PROBE_MAX_DROPPED (1024 * 1024) /* per side: bytes that led nowhere */
#define PROBE_MIN_FRAMES 3            /* over both directions */
#define PROBE_MIN_FRAMES_ONE_SIDE 4   /* when only one side sent anything */

enum {
  SEG_HELD = 0,       /* bytes in buf[side] at off */
  SEG_GAP,            /* the capture lost len bytes */
  SEG_DROPPED,        /* len bytes no frame started in: let go */
  SEG_UNHELD          /* len bytes inside a payload, past what may be held */
};

typedef struct {
  uint8_t side;       /* ws_side when held */
  uint8_t kind;       /* SEG_* */
  uint32_t off;       /* SEG_HELD: in that side's buffer */
  uint64_t len;
  int64_t ts_us;
} held_seg;

struct ws_probe {
  GByteArray *buf[2];   /* each side's bytes, in order */
  GArray *segs;         /* held_seg, in arrival order */
  uint32_t floor[2];    /* frames are looked for after the last gap only */
  unsigned nseg[2];
  /* the walk from the segment start tried now (cand: offset, or NO_CAND);
   * starts before it failed, and a failed start never recovers, so each
   * held byte is read about once */
  uint32_t cand[2];
  ws_frame_chain_state chain[2];
  uint32_t first[2];    /* where the walk began when cand moved on past a
                         * frame too long to hold, else NO_CAND */
  /* a walk from a segment start failed, or bytes were let go */
  bool misaligned[2];
  uint64_t unheld[2];   /* bytes after buf[side] not kept (SEG_UNHELD) */
  /* times the walk stood exactly at the end of what the side had sent (a
   * frame ended with a segment), and where it last did */
  unsigned ends_at_seg[2];
  uint64_t last_end[2];
  uint64_t dropped[2];  /* bytes let go (SEG_DROPPED) */
};

#define NO_CAND UINT32_MAX

/* Bytes held by every connection's probe, against PROBE_MAX_TOTAL. */
static size_t probe_held_total;

static void
probe_free (ws_conn *c)
{
  ws_probe *p = c->probe;

  if (!p)
    return;
  for (int s = 0; s < 2; s++)
    if (p->buf[s])
      {
        probe_held_total -= p->buf[s]->len;
        g_byte_array_unref (p->buf[s]);
      }
  g_array_unref (p->segs);
  g_free (p);
  c->probe = NULL;
}

/* A string field that is not NULL and not in a handshake block was
 * g_malloc'd on its own (set by other code, e.g. a test).  Compared as
 * integers, as the pointers may belong to other objects: p - b wraps to a
 * large value when p is below b, and an absent block has length 0. */
static inline void
free_field (const ws_conn *c, char *s)
{
  uintptr_t p = (uintptr_t) s;

  if (s == NULL
      || p - (uintptr_t) c->hs_block[0] < c->hs_block_len[0]
      || p - (uintptr_t) c->hs_block[1] < c->hs_block_len[1])
    return;
  g_free (s);
}

/* Replace a handshake string by its redacted copy, if it holds a secret. */
static void
redact_field (ws_conn *c, char **field, char *(*redact) (const char *))
{
  char *r = redact (*field);
  if (!r)
    return;
  free_field (c, *field);
  *field = r;
}

void
ws_conn_redact (ws_conn *c)
{
  redact_field (c, &c->path, ws_redact_path);
  /* Not the subprotocol lists yet: the shared corpora take
   * offered_subprotocols as a wire fact (wstunnel's bearer token in it), so
   * redacting them by default waits until that contract says how a redacted
   * value is written (ws_redact_subprotocols is ready and tested). */
}

void
ws_conn_free (ws_conn *c)
{
  if (!c)
    return;
  for (int s = 0; s < 2; s++)
    {
      ws_http_parser_clear (&c->http[s]);
      ws_frame_parser_clear (&c->frames[s]);
      free_field (c, c->close[s].reason);
    }
  free_field (c, c->method);
  free_field (c, c->host);
  free_field (c, c->path);
  free_field (c, c->origin);
  free_field (c, c->user_agent);
  free_field (c, c->ws_version);
  free_field (c, c->ws_key);
  free_field (c, c->offered_subprotocols);
  free_field (c, c->accepted_subprotocol);
  free_field (c, c->offered_extensions);
  free_field (c, c->accepted_extensions);
  free_field (c, c->ws_accept);
  free_field (c, c->server_header);
  free_field (c, c->handshake_reason);
  free_field (c, c->handshake_problem);
  free_field (c, c->req_upgrade);
  free_field (c, c->req_connection);
  probe_free (c);
  g_free (c->hs_block[0]);
  if (c->hs_block[1])
    g_free (c->hs_block[1]);
  ws_cause_clear (&c->cause);
  ws_tls_conn_free (c);
  ws_subproto_free (c->app);
  if (c->violations)
    g_free (c->violations);
  g_free (c);
}

void
ws_conn_violation (ws_conn *c, ws_violation_kind k, ws_side side,
                   int64_t ts_us, uint64_t offset, const char *fmt, ...)
{
  if (c->n_violations >= WS_MAX_VIOLATIONS)
    {
      c->violations_dropped++;
      c->limits |= WS_LIMIT_VIOLATIONS;
      return;
    }
  if (!c->violations)
    c->violations = g_new0 (ws_violation, WS_MAX_VIOLATIONS);
  ws_violation *v = &c->violations[c->n_violations++];
  v->kind = k;
  v->side = side;
  v->ts_us = ts_us;
  v->offset = offset;
  v->detail[0] = '\0';
  if (fmt)
    {
      va_list ap;
      va_start (ap, fmt);
      g_vsnprintf (v->detail, sizeof v->detail, fmt, ap);
      va_end (ap);
    }
}

int
ws_conn_close_code (const ws_conn *c)
{
  if (G_UNLIKELY (c->kind == WS_KIND_TLS))
    return -1;                  /* not decrypted: what the application saw is unknown */
  if (c->close_initiator == WS_SIDE_CLIENT || c->close_initiator == WS_SIDE_SERVER)
    {
      const ws_close_info *ci = &c->close[c->close_initiator];
      return ci->code >= 0 ? ci->code : 1005;
    }
  if (c->tcp_end != WS_TCP_END_OPEN)
    return 1006;
  return -1;
}

/* ---- sides ---------------------------------------------------------------- */

/* The side guessed first turned out to be the other one (a GET or a masked
 * frame came from the "server").  Nothing side-indexed has been filled but
 * the TCP facts, which swap with the addresses. */
static void
swap_sides (ws_conn *c)
{
  ws_addr ta = c->addr[0];
  c->addr[0] = c->addr[1];
  c->addr[1] = ta;
  uint16_t tp = c->port[0];
  c->port[0] = c->port[1];
  c->port[1] = tp;
  ws_dir_stats td = c->dir[0];
  c->dir[0] = c->dir[1];
  c->dir[1] = td;
  bool tb = c->fin[0]; c->fin[0] = c->fin[1]; c->fin[1] = tb;
  tb = c->rst[0]; c->rst[0] = c->rst[1]; c->rst[1] = tb;
  int64_t tt = c->fin_us[0]; c->fin_us[0] = c->fin_us[1]; c->fin_us[1] = tt;
  tt = c->rst_us[0]; c->rst_us[0] = c->rst_us[1]; c->rst_us[1] = tt;
  if (c->tcp_end_by != WS_SIDE_NONE)
    c->tcp_end_by = WS_OTHER_SIDE (c->tcp_end_by);
}

/* ---- handshake ---------------------------------------------------------- */

/* The handshake's strings of one side go into one block: sized first
 * (ws_http_header_size), then allocated once (hs_block_new) and filled in
 * order (hs_put_slice, ws_http_header_copy).  The block is never grown, so
 * the fields may point into it.  The request's block has HS_RESPONSE_ROOM
 * bytes more, where the response's strings go when they fit (they usually
 * do: a reason phrase, a 28-byte accept, a server name), which saves an
 * allocation per connection. */
#define HS_RESPONSE_ROOM 128

static char *
hs_block_new (ws_conn *c, ws_side side, size_t size)
{
  /* a side's message is taken once (the stage machine moves on); should
   * that change, an old block would still be referenced: keep it */
  g_assert (c->hs_block[side] == NULL);
  c->hs_block[side] = g_malloc (size);
  c->hs_block_len[side] = size;
  return c->hs_block[side];
}

/* Room for size bytes of the response's strings: in the request's block if
 * they fit, else in a block of their own. */
static char *
hs_response_room (ws_conn *c, size_t size)
{
  if (size <= c->hs_room && c->hs_block[WS_SIDE_CLIENT] != NULL)
    {
      char *o = c->hs_block[WS_SIDE_CLIENT] + c->hs_block_len[WS_SIDE_CLIENT] - c->hs_room;

      c->hs_room -= size;
      return o;
    }
  return hs_block_new (c, WS_SIDE_SERVER, size);
}

/* As g_strndup would copy it (the C string ends at the first NUL). */
static char *
hs_put_slice (char **o, ws_slice s)
{
  char *r = *o;

  memcpy (r, s.p, s.len);
  r[s.len] = '\0';
  *o = r + s.len + 1;
  return r;
}

/* A WebSocket attempt.  RFC 6455 4.1 asks for Upgrade: websocket,
 * Connection: Upgrade and Sec-WebSocket-Key; a proxy may drop or rewrite the
 * hop-by-hop Upgrade and Connection headers on the way, so the Upgrade token
 * or the key is each enough (diagnose.c names the header that was wrong). */
static bool
request_is_upgrade (const ws_http_msg *m)
{
  return ws_http_header_has_token (m, WS_HDR_UPGRADE, "websocket")
         || m->known[WS_HDR_SEC_WEBSOCKET_KEY] != 0;
}

/* An Upgrade header that names another protocol (h2c, TLS/1.2, ...). */
static bool
upgrade_is_other (const ws_http_msg *m)
{
  return m->known[WS_HDR_UPGRADE] != 0
         && !ws_http_header_has_token (m, WS_HDR_UPGRADE, "websocket");
}

static void
not_websocket (ws_conn *c, ws_reject why)
{
  c->kind = WS_KIND_OTHER;
  c->stage = WS_STAGE_IGNORED;
  c->reject = (uint8_t) why;
}

static void
take_request (ws_conn *c, const ws_http_msg *m, int64_t ts_us)
{
  size_t size = m->method.len + 1 + m->target.len + 1
                + ws_http_header_size (m, WS_HDR_HOST)
                + ws_http_header_size (m, WS_HDR_ORIGIN)
                + ws_http_header_size (m, WS_HDR_USER_AGENT)
                + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_VERSION)
                + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_KEY)
                + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_PROTOCOL)
                + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_EXTENSIONS)
                + ws_http_header_size (m, WS_HDR_UPGRADE)
                + ws_http_header_size (m, WS_HDR_CONNECTION);
  char *block = hs_block_new (c, WS_SIDE_CLIENT, size + HS_RESPONSE_ROOM);
  char *o = block;

  c->method = hs_put_slice (&o, m->method);
  c->path = hs_put_slice (&o, m->target);
  c->host = ws_http_header_copy (m, WS_HDR_HOST, &o);
  c->origin = ws_http_header_copy (m, WS_HDR_ORIGIN, &o);
  c->user_agent = ws_http_header_copy (m, WS_HDR_USER_AGENT, &o);
  c->ws_version = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_VERSION, &o);
  c->ws_key = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_KEY, &o);
  c->offered_subprotocols = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_PROTOCOL, &o);
  c->offered_extensions = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_EXTENSIONS, &o);
  c->req_upgrade = ws_http_header_copy (m, WS_HDR_UPGRADE, &o);
  c->req_connection = ws_http_header_copy (m, WS_HDR_CONNECTION, &o);
  c->req_headers_read = true;
  g_assert ((size_t) (o - block) <= size);
  c->hs_room = size + HS_RESPONSE_ROOM - (size_t) (o - block);
  c->request_us = ts_us;
}

static bool
list_has_token (const char *list, const char *tok)
{
  return list && tok && ws_http_token_list_has (list, tok);
}

/* Correlate what the 101 accepted with what the client offered. */
static void
check_negotiation (ws_conn *c)
{
  if (!c->method)
    {
      /* The request was not captured: what the client offered is unknown,
       * so nothing can be held against the 101; permessage-deflate is
       * taken as the 101 states it. */
      if (!c->accepted_extensions)
        return;
      ws_ext_list offered = { 0 }, accepted;
      ws_ext_parse (c->accepted_extensions, &accepted);
      int i = ws_ext_find (&accepted, "permessage-deflate");
      if (i >= 0)
        {
          struct ws_pmd_out out;
          (void) ws_pmd_from_response (&accepted.ext[i], &offered, &out);
          c->pmd.enabled = true;
          c->pmd.server_no_context_takeover = out.server_no_context_takeover;
          c->pmd.client_no_context_takeover = out.client_no_context_takeover;
          c->pmd.server_max_window_bits = out.server_max_window_bits;
          c->pmd.client_max_window_bits = out.client_max_window_bits;
        }
      ws_ext_list_clear (&accepted);
      return;
    }
  if (c->accepted_subprotocol && !list_has_token (c->offered_subprotocols, c->accepted_subprotocol))
    {
      c->handshake_problem_kind = WS_HS_UNREQUESTED_SUBPROTOCOL;
      c->handshake_problem = g_strdup_printf ("server chose subprotocol \"%s\", which the client did not offer",
                                              c->accepted_subprotocol);
    }
  if (!c->accepted_extensions)
    return;

  ws_ext_list offered, accepted;     /* filled by ws_ext_parse */
  ws_ext_parse (c->offered_extensions ? c->offered_extensions : "", &offered);
  ws_ext_parse (c->accepted_extensions, &accepted);
  for (size_t i = 0; i < accepted.n; i++)
    {
      const ws_ext *e = &accepted.ext[i];
      if (ws_ext_find (&offered, e->name) < 0)
        {
          if (!c->handshake_problem)
            {
              c->handshake_problem_kind = WS_HS_UNREQUESTED_EXTENSION;
              c->handshake_problem = g_strdup_printf ("server accepted extension \"%s\", which the client did not offer",
                                                      e->name);
            }
          continue;
        }
      if (g_ascii_strcasecmp (e->name, "permessage-deflate") == 0 && !c->pmd.enabled)
        {
          struct ws_pmd_out out;
          const char *bad = ws_pmd_from_response (e, &offered, &out);
          c->pmd.enabled = true;
          c->pmd.server_no_context_takeover = out.server_no_context_takeover;
          c->pmd.client_no_context_takeover = out.client_no_context_takeover;
          c->pmd.server_max_window_bits = out.server_max_window_bits;
          c->pmd.client_max_window_bits = out.client_max_window_bits;
          if (bad && !c->handshake_problem)
            {
              c->handshake_problem_kind = WS_HS_BAD_EXTENSION_PARAM;
              c->handshake_problem = g_strdup_printf ("permessage-deflate response: %s", bad);
            }
        }
    }
  ws_ext_list_clear (&offered);
  ws_ext_list_clear (&accepted);
}

static void
take_response (ws_conn *c, const ws_http_msg *m, int64_t ts_us)
{
  bool upgraded = m->status == 101;
  size_t size = (m->reason.len ? m->reason.len + 1 : 0)
                + ws_http_header_size (m, WS_HDR_SERVER);
  char *block, *o;

  if (upgraded)
    size += ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_PROTOCOL)
            + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_EXTENSIONS)
            + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_ACCEPT);
  o = block = size ? hs_response_room (c, size) : NULL;
  c->handshake_status = m->status;
  c->handshake_reason = m->reason.len ? hs_put_slice (&o, m->reason) : NULL;
  c->server_header = ws_http_header_copy (m, WS_HDR_SERVER, &o);
  c->response_us = ts_us;
  if (!upgraded)
    return;
  c->accepted_subprotocol = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_PROTOCOL, &o);
  c->accepted_extensions = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_EXTENSIONS, &o);
  c->ws_accept = ws_http_header_copy (m, WS_HDR_SEC_WEBSOCKET_ACCEPT, &o);
  g_assert (size == 0 || (size_t) (o - block) <= size);
  if (c->ws_key)
    c->accept_valid = c->ws_accept && ws_accept_valid (c->ws_key, c->ws_accept) ? 1 : 0;
  else if (!c->ws_accept)
    c->accept_valid = -1;
  check_negotiation (c);
}

/* The request's header block, parsed (rc from ws_http_parse): an attempt
 * goes on to wait for the response, anything else is not WebSocket. */
static void
take_request_msg (ws_conn *c, int rc, const ws_http_msg *m, int64_t ts_us)
{
  if (rc == 0 && m->is_request && request_is_upgrade (m))
    {
      take_request (c, m, ts_us);
      c->kind = WS_KIND_WEBSOCKET;
      c->stage = WS_STAGE_HANDSHAKE;
    }
  else
    not_websocket (c, rc == 0 && m->is_request && upgrade_is_other (m)
                        ? WS_REJECT_OTHER_UPGRADE : WS_REJECT_NO_UPGRADE);
}

/* The response's header block, parsed.  A 101 that upgrades to another
 * protocol (h2c) is not WebSocket unless the request was a WebSocket
 * attempt; a 101 whose Upgrade header was not captured (cut) counts as
 * WebSocket.  A response to a request that was not recognised as an attempt
 * (cut before its Upgrade header) confirms it only with a 101. */
static void
take_response_msg (ws_conn *c, int rc, const ws_http_msg *m, int64_t ts_us)
{
  bool attempt = c->kind == WS_KIND_WEBSOCKET;

  if (rc != 0 || m->is_request)
    {
      if (attempt)
        c->stage = WS_STAGE_REJECTED;
      else
        not_websocket (c, c->method ? WS_REJECT_NO_UPGRADE : WS_REJECT_MIDSTREAM);
      return;
    }
  if (!attempt && (m->status != 101 || upgrade_is_other (m)))
    {
      not_websocket (c, m->status == 101 ? WS_REJECT_OTHER_UPGRADE
                        : c->method ? WS_REJECT_NO_UPGRADE : WS_REJECT_MIDSTREAM);
      return;
    }
  take_response (c, m, ts_us);
  c->kind = WS_KIND_WEBSOCKET;
  c->stage = m->status == 101 ? WS_STAGE_FRAMES : WS_STAGE_REJECTED;
}

/* Feed handshake bytes of one side; returns bytes consumed, and sets *done
 * when the header block of that side is complete and parsed. */
static size_t
handshake_feed (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                int64_t ts_us, bool *done)
{
  ws_http_parser *hp = &c->http[side];
  size_t cap = ws_limits_cfg.max_header_bytes;
  size_t block_len;
  ssize_t n;
  ws_http_msg msg;
  int rc;

  *done = false;
  /* A header block that came in one piece (the usual case) is found and
   * parsed where it lies, in one pass, and only if it is within the cap
   * (the scan does not go further); only one split across segments, or one
   * too long, goes through hp->buf. */
  block_len = hp->len == 0 ? ws_http_parse_block (data, MIN (len, cap), &msg, &rc)
                           : 0;
  if (block_len > 0)
    n = (ssize_t) block_len;
  else
    {
      n = ws_http_feed (hp, data, len, cap);
      if (n < 0)
        {
          c->limits |= WS_LIMIT_HEADER;
          ws_stats.header_limit_hits++;
          ws_http_parser_clear (hp);
          c->stage = c->stage == WS_STAGE_HANDSHAKE && side == WS_SIDE_SERVER
                     ? WS_STAGE_REJECTED : WS_STAGE_IGNORED;
          return len;
        }
      if (!hp->done)
        return (size_t) n;
      rc = ws_http_parse (hp->buf, hp->len, &msg);
    }
  *done = true;
  if (side == WS_SIDE_CLIENT)
    take_request_msg (c, rc, &msg, ts_us);
  else
    {
      if (rc == 0 && !msg.is_request && msg.status >= 100 && msg.status < 200
          && msg.status != 101)
        {
          /* an interim response (100 Continue): the real one follows */
          ws_http_parser_clear (hp);
          *done = false;
          return (size_t) n;
        }
      take_response_msg (c, rc, &msg, ts_us);
    }
  ws_http_parser_clear (hp);
  return (size_t) n;
}

/* A TLS record header: a handshake (22) from the start; mid-stream also
 * change_cipher_spec (20), alert (21) or application data (23), with a record
 * length TLS allows (RFC 8446 5.1: at most 2^14 + 256, 2^14 + 2048 before
 * 1.3). */
static bool
looks_like_tls (const uint8_t *d, size_t len, bool midstream)
{
  /* an SSL 2.0-style ClientHello (RFC 6101 E.1, still sent by old clients
   * for compatibility): 2-byte length with the top bit set, type 1, version
   * 2.0 or 3.x; only at the start of a stream (a frame may begin so) */
  if (!midstream && len >= 5 && (d[0] & 0x80) && d[2] == 0x01
      && ((d[3] == 0x03 && d[4] <= 0x04) || (d[3] == 0x00 && d[4] == 0x02)))
    return true;
  if (len < 3 || d[1] != 0x03 || d[2] > 0x04)
    return false;
  if (d[0] == 0x16)
    return true;
  return midstream && d[0] >= 0x14 && d[0] <= 0x17
         && (len < 5 || ((unsigned) d[3] << 8 | d[4]) <= 16384 + 2048);
}

/* Client bytes that arrive after the request but before the 101 (or whose
 * 101 we have not processed yet) are kept here, bounded, and replayed into
 * the frame parser when the 101 comes. */
static void
stash_early (ws_conn *c, const uint8_t *data, size_t len)
{
  ws_http_parser *hp = &c->http[WS_SIDE_CLIENT];
  size_t room = ws_limits_cfg.max_header_bytes > hp->len ? ws_limits_cfg.max_header_bytes - hp->len : 0;
  if (len > room)
    {
      c->limits |= WS_LIMIT_HEADER;
      len = room;
    }
  if (len == 0)
    return;
  if (hp->alloc < hp->len + len)
    {
      hp->alloc = hp->len + len;
      hp->buf = g_realloc (hp->buf, hp->alloc);
    }
  memcpy (hp->buf + hp->len, data, len);
  hp->len += len;
}

static void
replay_early (ws_conn *c, int64_t ts_us)
{
  ws_http_parser *hp = &c->http[WS_SIDE_CLIENT];
  if (hp->len && c->stage == WS_STAGE_FRAMES)
    ws_frame_feed (&c->frames[WS_SIDE_CLIENT], hp->buf, hp->len, ts_us);
  ws_http_parser_clear (hp);
  ws_http_parser_init (hp);
}

static void
start_midstream (ws_conn *c)
{
  c->kind = WS_KIND_WEBSOCKET;
  c->stage = WS_STAGE_FRAMES;
  c->midstream = true;
  /* Neither direction's frame boundary is known: both parsers look for a
   * plausible header at the start of each chunk. */
  c->frames[0].state = WS_FP_DESYNC;
  c->frames[1].state = WS_FP_DESYNC;
}

/* ---- recognising a connection seen mid-stream ------------------------------ */

/* What one side's held bytes say: the first segment start from which the
 * bytes read as frames to the end (chain), how many whole frames, their
 * masking; full when no more may be held. */
typedef struct {
  bool any, chain, full;
  bool aligned;       /* whole frames from the first byte to the last */
  bool seg_end;       /* a frame ended where a segment did */
  uint32_t start;
  unsigned frames;
  int masked;
} side_eval;

/* The first segment start (at or after from) of side s held after its last
 * gap, or NO_CAND. */
static uint32_t
next_start (const ws_probe *p, int s, uint32_t from)
{
  for (guint i = 0; i < p->segs->len; i++)
    {
      const held_seg *h = &g_array_index (p->segs, held_seg, i);
      if (h->side == s && h->kind == SEG_HELD && h->len > 0 && h->off >= from
          && h->off >= p->floor[s])
        return h->off;
    }
  return NO_CAND;
}

static void
eval_side (ws_probe *p, int s, side_eval *e)
{
  const GByteArray *b = p->buf[s];

  memset (e, 0, sizeof *e);
  e->masked = -1;
  if (!b || b->len <= p->floor[s])
    return;
  e->any = true;
  if (p->cand[s] == NO_CAND || p->cand[s] < p->floor[s])
    {
      p->cand[s] = next_start (p, s, p->floor[s]);
      ws_frame_chain_init (&p->chain[s]);
    }
  while (p->cand[s] != NO_CAND)
    {
      uint32_t o = p->cand[s];
      if (ws_frame_chain_walk (&p->chain[s], b->data + o, b->len - o,
                               b->len - o + p->unheld[s]) == 0)
        {
          e->chain = true;
          e->start = p->first[s] != NO_CAND ? p->first[s] : o;
          e->frames = p->chain[s].frames;
          e->masked = p->chain[s].masked;
          /* whole frames from the side's first byte to its last so far */
          bool at_end = p->chain[s].pos == (uint64_t) (b->len - o) + p->unheld[s];
          e->aligned = !p->misaligned[s] && e->start == 0 && p->floor[s] == 0 && at_end;
          if (at_end && p->chain[s].pos > p->last_end[s])
            {
              p->ends_at_seg[s]++;
              p->last_end[s] = p->chain[s].pos;
            }
          e->seg_end = p->ends_at_seg[s] > 0;
          /* past what is held, the next header was not kept: the walk can
           * go no further */
          e->full = p->unheld[s] && p->chain[s].pos >= b->len - o;
          return;
        }
      p->cand[s] = next_start (p, s, o + 1);
      p->first[s] = NO_CAND;
      p->misaligned[s] = true;
      p->ends_at_seg[s] = 0;
      p->last_end[s] = 0;
      ws_frame_chain_init (&p->chain[s]);
    }
}

/* 1: WebSocket, -1: not, 0: hold more.  final: no more bytes will come. */
static int
probe_decide (const ws_conn *c, side_eval e[2], bool final)
{
  ws_probe *p = c->probe;
  bool explained = true;
  unsigned total = 0, talking = 0;

  for (int s = 0; s < 2; s++)
    {
      eval_side (p, s, &e[s]);
      if (e[s].full)
        final = true;
    }
  for (int s = 0; s < 2; s++)
    {
      if (!e[s].any)
        continue;
      /* a sender ends a frame with a segment now and then: a walk that never
       * stood at a segment's end is more likely chance than frames */
      if (!e[s].chain || e[s].frames == 0 || !e[s].seg_end)
        explained = false;
      else
        {
          talking++;
          total += e[s].frames;
          /* client->server masked, server->client unmasked */
          if (c->sides_known && e[s].masked != (s == WS_SIDE_CLIENT))
            return -1;
        }
      if (final && !explained)
        return -1;
    }
  if (talking == 2 && e[0].masked == e[1].masked)
    return -1;
  if (explained && talking > 0
      && total >= (talking == 2 ? PROBE_MIN_FRAMES : PROBE_MIN_FRAMES_ONE_SIDE))
    return 1;
  /* At the end, fewer frames do when both sides sent nothing but whole
   * frames, from their first byte to their last, masked one way and
   * unmasked the other, a close frame among them (a close and its echo,
   * say). */
  if (final && explained && talking == 2 && e[0].aligned && e[1].aligned
      && p->chain[0].closes + p->chain[1].closes > 0)
    return 1;
  return final ? -1 : 0;
}

/* The held bytes read as frames: a WebSocket connection seen mid-stream.  The
 * masked side is the client; each side's bytes before its first frame are
 * skipped, the rest replayed into the frame parsers in arrival order. */
static void
probe_accept (ws_conn *c, const side_eval e[2], ws_side *side)
{
  ws_probe *p = c->probe;
  int client = e[0].frames ? (e[0].masked ? 0 : 1) : (e[1].masked ? 1 : 0);
  bool flip = client != WS_SIDE_CLIENT;

  if (flip)
    {
      swap_sides (c);
      *side = WS_OTHER_SIDE (*side);
    }
  start_midstream (c);
  c->sides_known = true;
  for (guint i = 0; i < p->segs->len; i++)
    {
      const held_seg *h = &g_array_index (p->segs, held_seg, i);
      ws_side s = flip ? WS_OTHER_SIDE (h->side) : (ws_side) h->side;
      ws_frame_parser *fp = &c->frames[s];

      if (h->kind == SEG_GAP || h->kind == SEG_UNHELD)
        ws_frame_gap (fp, h->len, h->ts_us); /* unheld: inside a payload, in step */
      else if (h->kind == SEG_DROPPED || !e[h->side].chain || h->off < e[h->side].start)
        ws_frame_skip (fp, h->len);
      else
        {
          if (h->off == e[h->side].start)
            ws_frame_start_here (fp);
          ws_frame_feed (fp, p->buf[h->side]->data + h->off, h->len, h->ts_us);
        }
    }
  probe_free (c);
}

/* n bytes of side s inside a payload, counted and not kept. */
static void
add_unheld (ws_probe *p, int s, uint64_t n, int64_t ts_us)
{
  held_seg *last = p->segs->len ? &g_array_index (p->segs, held_seg, p->segs->len - 1) : NULL;

  if (n == 0)
    return;
  if (last && last->side == s && last->kind == SEG_UNHELD)
    last->len += n;
  else
    {
      held_seg h = { .side = (uint8_t) s, .kind = SEG_UNHELD, .len = n, .ts_us = ts_us };
      g_array_append_val (p->segs, h);
    }
}

/* No frame starts in what side s holds: let those bytes go (they stay in
 * the replay as bytes skipped) and look on.  False when too many went so. */
static bool
probe_drop_side (ws_probe *p, int s)
{
  for (guint i = 0; i < p->segs->len; i++)
    {
      held_seg *h = &g_array_index (p->segs, held_seg, i);
      if (h->side == s && h->kind == SEG_HELD)
        {
          h->kind = SEG_DROPPED;
          p->dropped[s] += h->len;
        }
    }
  probe_held_total -= p->buf[s]->len;
  g_byte_array_set_size (p->buf[s], 0);
  p->floor[s] = 0;
  p->nseg[s] = 0;
  p->cand[s] = NO_CAND;
  p->first[s] = NO_CAND;
  p->misaligned[s] = true;
  p->ends_at_seg[s] = 0;
  p->last_end[s] = 0;
  return p->dropped[s] <= PROBE_MAX_DROPPED;
}

static void
probe_reject (ws_conn *c)
{
  probe_free (c);
  not_websocket (c, WS_REJECT_MIDSTREAM);
}

/* Hold one segment of a connection seen mid-stream and decide if the held
 * bytes allow.  When a side may hold no more: bytes where no frame starts
 * are let go; bytes inside the payload of a frame whose header is held are
 * counted, not kept, until that frame ends; else the decision is made on
 * what is held.  Returns false when the caller is to feed the segment to the
 * new stage (it was not kept). */
static bool
probe_hold (ws_conn *c, ws_side *side, const uint8_t *data, size_t len, int64_t ts_us)
{
  ws_probe *p = c->probe;
  side_eval e[2];
  int s = *side;
  int r;

  if (!p)
    {
      p = c->probe = g_new0 (ws_probe, 1);
      p->segs = g_array_new (FALSE, FALSE, sizeof (held_seg));
      p->cand[0] = p->cand[1] = NO_CAND;
      p->first[0] = p->first[1] = NO_CAND;
    }
  if (looks_like_tls (data, len, true))
    {
      probe_free (c);
      c->kind = WS_KIND_TLS;
      c->stage = WS_STAGE_IGNORED;
      return true;
    }
  if (!p->buf[s])
    p->buf[s] = g_byte_array_new ();
  /* more room while the bytes read as frames (a walk is under way) */
  size_t cap = p->cand[s] != NO_CAND ? PROBE_MAX_CHAIN_BYTES : PROBE_MAX_BYTES;
  bool over = p->buf[s]->len + len > cap || p->nseg[s] >= PROBE_MAX_SEGS
              || probe_held_total + len > PROBE_MAX_TOTAL;
  if (!p->unheld[s] && over)
    {
      side_eval one;
      eval_side (p, s, &one);
      if (!one.chain)
        {
          if (!probe_drop_side (p, s))
            {
              probe_reject (c);
              return true;
            }
        }
      else if (p->chain[s].need == 0)
        {
          /* a frame header waits for bytes that may not be held: decide */
          r = probe_decide (c, e, true);
          if (r > 0)
            {
              probe_accept (c, e, side);
              return false;
            }
          probe_reject (c);
          return true;
        }
      /* else: inside a payload, which goes on past what may be held */
    }
  if (p->unheld[s] || (p->chain[s].need > 0 && p->cand[s] != NO_CAND && over))
    {
      /* inside a payload longer than may be held: its bytes are counted,
       * not kept, until its frame ends; the walk then goes on from there
       * with the bytes after it held again */
      GByteArray *b = p->buf[s];
      uint32_t o = p->cand[s];
      ws_frame_chain_state *st = &p->chain[s];
      uint64_t before = (uint64_t) (b->len - o) + p->unheld[s];
      bool ends = st->need > before && st->need <= before + len;
      size_t cut = ends ? (size_t) (st->need - before) : len;

      add_unheld (p, s, cut, ts_us);
      if (ends)
        {
          const uint8_t *hd = b->data + o + st->pos;  /* its header is held */
          unsigned op = hd[0] & 0x0f;
          ws_frame_chain_state next = *st;
          next.frames++;
          next.masked = hd[1] >> 7;
          next.pos = next.need = 0;
          if (op <= 2)
            {
              next.seen_data = true;
              next.open = !(hd[0] >> 7);
            }
          if (p->first[s] == NO_CAND)
            p->first[s] = o;
          p->cand[s] = b->len;
          p->chain[s] = next;
          p->unheld[s] = 0;
          p->last_end[s] = 0;
          if (cut == len)
            p->ends_at_seg[s]++;  /* the long frame ended with this segment */
          if (cut < len)
            {
              held_seg h = { .side = (uint8_t) s, .kind = SEG_HELD, .off = b->len,
                             .len = len - cut, .ts_us = ts_us };
              g_byte_array_append (b, data + cut, (guint) (len - cut));
              probe_held_total += len - cut;
              g_array_append_val (p->segs, h);
              p->nseg[s]++;
            }
        }
      else
        p->unheld[s] += len;
      r = probe_decide (c, e, false);
      if (r > 0)
        probe_accept (c, e, side);
      else if (r < 0)
        probe_reject (c);
      return true;
    }
  held_seg h = { .side = (uint8_t) s, .kind = SEG_HELD, .off = p->buf[s]->len, .len = len,
                 .ts_us = ts_us };
  g_byte_array_append (p->buf[s], data, (guint) len);
  probe_held_total += len;
  g_array_append_val (p->segs, h);
  p->nseg[s]++;
  r = probe_decide (c, e, false);
  if (r > 0)
    probe_accept (c, e, side);
  else if (r < 0)
    probe_reject (c);
  return true;
}

/* First payload of a connection: decide what it is.  Returns false when the
 * stage changed and the bytes are for the new stage, true when they were
 * taken (held, or ignored). */
static bool
probe (ws_conn *c, ws_side *side, const uint8_t *data, size_t len, int64_t ts_us)
{
  /* the start was seen: the SYN, and the client's first bytes not lost */
  bool from_start = c->syn_seen && !c->start_lost[WS_SIDE_CLIENT];

  if (c->probe)
    return probe_hold (c, side, data, len, ts_us);
  if (ws_http_looks_like_request (data, len))
    {
      if (*side == WS_SIDE_SERVER && !c->syn_seen)
        {
          swap_sides (c);
          *side = WS_SIDE_CLIENT;
        }
      if (*side == WS_SIDE_CLIENT)
        {
          c->stage = WS_STAGE_HANDSHAKE; /* confirmed as WebSocket once parsed */
          c->sides_known = true;
          return false;
        }
    }
  if (looks_like_tls (data, len, !from_start))
    {
      c->kind = WS_KIND_TLS;
      c->stage = WS_STAGE_IGNORED;
      return true;
    }
  if (!from_start && ws_http_looks_like_response (data, len) && len >= 12
      && memcmp (data + 9, "101", 3) == 0)
    {
      /* capture began between request and response: WebSocket if the 101
       * upgrades to it (take_response_msg) */
      if (*side == WS_SIDE_CLIENT && !c->syn_seen)
        {
          swap_sides (c);
          *side = WS_SIDE_SERVER;
        }
      if (*side == WS_SIDE_SERVER)
        {
          c->stage = WS_STAGE_HANDSHAKE;
          c->midstream = true;
          c->sides_known = true;
          return false;
        }
    }
  if (from_start)
    {
      /* read from its first byte and no upgrade request: not WebSocket */
      not_websocket (c, WS_REJECT_NO_UPGRADE);
      return true;
    }
  return probe_hold (c, side, data, len, ts_us);
}

void
ws_conn_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (G_UNLIKELY (c->tls_on)
      || (c->stage == WS_STAGE_PROBE && ws_tls_conn_take (c, data, len)))
    {
      ws_tls_conn_data (c, side, data, len, ts_us);
      return;
    }
  ws_conn_plain_data (c, side, data, len, ts_us);
}

void
ws_conn_plain_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len, int64_t ts_us)
{
  while (len > 0)
    {
      switch (c->stage)
        {
        case WS_STAGE_PROBE:
          if (probe (c, &side, data, len, ts_us))
            return;
          break;
        case WS_STAGE_HANDSHAKE:
          {
            if (side == WS_SIDE_CLIENT && (c->method || c->midstream))
              {
                stash_early (c, data, len);
                return;
              }
            if (side == WS_SIDE_SERVER && !c->method && !c->midstream)
              return; /* response before request: cannot pair it */
            bool done;
            size_t n = handshake_feed (c, side, data, len, ts_us, &done);
            data += n;
            len -= n;
            if (done && side == WS_SIDE_SERVER)
              replay_early (c, ts_us);
            if (!done)
              return;
            break;
          }
        case WS_STAGE_FRAMES:
          ws_frame_feed (&c->frames[side], data, len, ts_us);
          return;
        case WS_STAGE_REJECTED:
        case WS_STAGE_IGNORED:
        default:
          return;
        }
    }
}

/* The header block gathered so far on one side was cut (snaplen, or bytes
 * lost) before its end: parse the lines that are whole as if the block ended
 * there, so that what was captured is kept and the cut is named (hs_cut).
 * Returns true when it took the message. */
static bool
handshake_cut (ws_conn *c, ws_side side, int64_t ts_us)
{
  ws_http_parser *hp = &c->http[side];
  size_t got = hp->len, end = hp->len;
  ws_http_msg msg;
  int rc;

  while (end > 0 && hp->buf[end - 1] != '\n')
    end--;
  if (hp->alloc < end + 2)
    {
      hp->alloc = end + 2;
      hp->buf = g_realloc (hp->buf, hp->alloc);
    }
  memcpy (hp->buf + end, "\r\n", 2);
  rc = end > 0 ? ws_http_parse (hp->buf, end + 2, &msg) : -1;
  c->hs_cut[side] = (uint32_t) MIN (got, UINT32_MAX);
  if (side == WS_SIDE_CLIENT)
    {
      if (rc == 0 && msg.is_request)
        {
          take_request (c, &msg, ts_us);
          if (request_is_upgrade (&msg))
            c->kind = WS_KIND_WEBSOCKET;
          else if (upgrade_is_other (&msg))
            {
              not_websocket (c, WS_REJECT_OTHER_UPGRADE);
              ws_http_parser_clear (hp);
              return true;
            }
          /* else: cut before its Upgrade header; the response decides */
        }
      else
        {
          /* cut inside the request line: only the method is known */
          size_t m = 0;
          while (m < got && m < 16 && hp->buf[m] != ' ')
            m++;
          c->method = g_strndup ((const char *) hp->buf, m);
          c->request_us = ts_us;
        }
      c->stage = WS_STAGE_HANDSHAKE;
      ws_http_parser_clear (hp);
      return true;
    }
  if (rc != 0 || msg.is_request)
    return false;
  take_response_msg (c, rc, &msg, ts_us);
  ws_http_parser_clear (hp);
  if (c->stage == WS_STAGE_FRAMES)
    {
      /* the rest of the 101 was lost: where the frames begin is not known */
      c->frames[WS_SIDE_SERVER].state = WS_FP_DESYNC;
      replay_early (c, ts_us);
    }
  return true;
}

void
ws_conn_gap (ws_conn *c, ws_side side, uint64_t n, int64_t ts_us)
{
  c->dir[side].gaps++;
  c->dir[side].gap_bytes += n;
  ws_stats.gaps++;
  ws_stats.gap_bytes += n;
  if (c->tls_on)
    {
      ws_tls_conn_gap (c, side);
      return;
    }
  ws_conn_plain_gap (c, side, n, ts_us);
}

void
ws_conn_plain_gap (ws_conn *c, ws_side side, uint64_t n, int64_t ts_us)
{
  switch (c->stage)
    {
    case WS_STAGE_PROBE:
      /* over TLS the TCP bytes are ciphertext: no plaintext was taken yet
       * while nothing is held */
      if (c->dir[side].tcp_bytes == 0 || (c->tls_on && !c->probe))
        c->start_lost[side] = true;
      if (c->probe && c->probe->buf[side])
        {
          /* frames are looked for after the hole only */
          ws_probe *p = c->probe;
          held_seg h = { .side = (uint8_t) side, .kind = SEG_GAP, .off = p->buf[side]->len,
                         .len = n, .ts_us = ts_us };
          g_array_append_val (p->segs, h);
          p->floor[side] = p->buf[side]->len;
        }
      break;
    case WS_STAGE_FRAMES:
      ws_frame_gap (&c->frames[side], n, ts_us);
      break;
    case WS_STAGE_HANDSHAKE:
      /* a header block cut before its end: keep what was captured */
      if (c->http[side].len > 0 && !c->hs_cut[side]
          && (side == WS_SIDE_SERVER ? (c->method || c->midstream)
                                     : !c->method && !c->midstream)
          && handshake_cut (c, side, ts_us))
        break;
      /* a hole in the handshake: the header block cannot be trusted */
      if (side == WS_SIDE_SERVER || !c->method)
        {
          ws_http_parser_clear (&c->http[side]);
          ws_http_parser_init (&c->http[side]);
          if (side == WS_SIDE_SERVER && c->method && c->kind == WS_KIND_WEBSOCKET)
            {
              /* the 101 was probably in the hole: carry on with frames */
              start_midstream (c);
            }
        }
      break;
    default:
      break;
    }
}

void
ws_conn_end (ws_conn *c)
{
  side_eval e[2];
  ws_side side = WS_SIDE_CLIENT;

  if (c->stage != WS_STAGE_PROBE || !c->probe)
    return;
  if (probe_decide (c, e, true) > 0)
    probe_accept (c, e, &side);
  else
    {
      probe_free (c);
      not_websocket (c, WS_REJECT_MIDSTREAM);
    }
}
