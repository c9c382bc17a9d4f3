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
 *     `--looks like frames---> FRAMES (midstream, handshake fields null)
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>

#include "conn.h"
#include "diagnose.h"
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
  for (int s = 0; s < 2; s++)
    {
      ws_http_parser_clear (&c->http[s]);
      ws_frame_parser_clear (&c->frames[s]);
    }
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
  g_free (c->hs_block[0]);
  if (c->hs_block[1])
    g_free (c->hs_block[1]);
  ws_cause_clear (&c->cause);
  ws_tls_conn_free (c);
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

static bool
request_is_upgrade (const ws_http_msg *m)
{
  return ws_http_header_has_token (m, WS_HDR_UPGRADE, "websocket");
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
                + ws_http_header_size (m, WS_HDR_SEC_WEBSOCKET_EXTENSIONS);
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
    {
      if (rc == 0 && msg.is_request && request_is_upgrade (&msg))
        {
          take_request (c, &msg, ts_us);
          c->kind = WS_KIND_WEBSOCKET;
          c->stage = WS_STAGE_HANDSHAKE;
        }
      else
        c->stage = WS_STAGE_IGNORED;
    }
  else
    {
      if (rc == 0 && !msg.is_request)
        {
          if (msg.status >= 100 && msg.status < 200 && msg.status != 101)
            {
              /* an interim response (100 Continue): the real one follows */
              ws_http_parser_clear (hp);
              *done = false;
              return (size_t) n;
            }
          take_response (c, &msg, ts_us);
          c->stage = msg.status == 101 ? WS_STAGE_FRAMES : WS_STAGE_REJECTED;
        }
      else
        c->stage = WS_STAGE_REJECTED;
    }
  ws_http_parser_clear (hp);
  return (size_t) n;
}

static bool
looks_like_tls (const uint8_t *d, size_t len)
{
  /* TLS record: handshake (22), version 3.x */
  return len >= 3 && d[0] == 0x16 && d[1] == 0x03 && d[2] <= 0x04;
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

/* First payload of a connection: decide what it is. */
static void
probe (ws_conn *c, ws_side *side, const uint8_t *data, size_t len)
{
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
          return;
        }
    }
  if (looks_like_tls (data, len))
    {
      c->kind = WS_KIND_TLS;
      c->stage = WS_STAGE_IGNORED;
      return;
    }
  if (ws_http_looks_like_response (data, len) && len >= 12 && memcmp (data + 9, "101", 3) == 0)
    {
      /* capture began between request and response */
      if (*side == WS_SIDE_CLIENT && !c->syn_seen)
        {
          swap_sides (c);
          *side = WS_SIDE_SERVER;
        }
      c->kind = WS_KIND_WEBSOCKET;
      c->stage = WS_STAGE_HANDSHAKE;
      c->midstream = true;
      c->sides_known = true;
      return;
    }
  bool masked;
  if (ws_frame_probe (data, len, &masked))
    {
      ws_side sender = masked ? WS_SIDE_CLIENT : WS_SIDE_SERVER;
      if (!c->syn_seen && *side != sender)
        {
          swap_sides (c);
          *side = sender;
        }
      start_midstream (c);
      c->sides_known = true;
      return;
    }
  /* Not recognised.  A connection whose start we saw is not WebSocket; one
   * that began before the capture may still be (a segment in the middle of a
   * large frame), so give it a few more segments. */
  if (c->syn_seen || c->dir[0].tcp_bytes + c->dir[1].tcp_bytes > 64 * 1024)
    {
      c->kind = WS_KIND_OTHER;
      c->stage = WS_STAGE_IGNORED;
    }
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
          {
            ws_stage before = c->stage;
            probe (c, &side, data, len);
            if (c->stage == before)
              return; /* undecided: drop this chunk */
            break;
          }
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
  switch (c->stage)
    {
    case WS_STAGE_FRAMES:
      ws_frame_gap (&c->frames[side], n, ts_us);
      break;
    case WS_STAGE_HANDSHAKE:
      /* a hole in the handshake: the header block cannot be trusted */
      if (side == WS_SIDE_SERVER || !c->method)
        {
          ws_http_parser_clear (&c->http[side]);
          ws_http_parser_init (&c->http[side]);
          if (side == WS_SIDE_SERVER && c->method)
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
