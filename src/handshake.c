/* handshake.c - the opening handshake into the record: the request's and
 * the response's header blocks (parsed by http.c) become the connection's
 * handshake fields, the Sec-WebSocket-Accept value is checked against the
 * key (RFC 6455 section 4.2.2), and what the 101 accepted is correlated with
 * what the client offered (subprotocol, extensions, permessage-deflate
 * parameters, RFC 7692 section 7.1).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "context.h"
#include "handshake.h"
#include "http.h"
#include "record.h"
#include "sha1.h"
#include "wsext.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- Sec-WebSocket-Accept (RFC 6455 section 4.2.2 step 5.4) -------------------------------------------- */

#define ACCEPT_LEN 28           /* base64 of a 20-byte SHA-1 digest */

/* s up to its NUL, less leading and trailing ASCII white space (what
 * g_strstrip leaves) */
static ws_slice
strip (const char *s)
{
  size_t n;

  while (g_ascii_isspace (*s))
    s++;
  n = strlen (s);
  while (n > 0 && g_ascii_isspace (s[n - 1]))
    n--;
  ws_slice r = { s, n };
  return r;
}

/* base64 (RFC 4648 section 4, with padding) of 20 bytes: 28 characters */
static void
base64_20 (const uint8_t in[20], char out[ACCEPT_LEN])
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0;

  for (i = 0; i + 3 <= 20; i += 3)
    {
      uint32_t v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
      out[o++] = alphabet[v >> 18];
      out[o++] = alphabet[(v >> 12) & 63];
      out[o++] = alphabet[(v >> 6) & 63];
      out[o++] = alphabet[v & 63];
    }
  /* two bytes left: three characters and one pad */
  {
    uint32_t v = (uint32_t) in[18] << 16 | (uint32_t) in[19] << 8;
    out[o++] = alphabet[v >> 18];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = '=';
  }
}

/* The accept value for key into out, NUL-terminated. */
static void
accept_for (const char *key, char out[ACCEPT_LEN + 1])
{
  ws_slice k = strip (key);
  uint8_t digest[20];
  /* a key as clients make it (24 characters) and the GUID are hashed at
   * once from the stack; a longer key through a context */
  uint8_t buf[64 + sizeof WS_GUID - 1];

  if (k.len <= 64)
    {
      memcpy (buf, k.p, k.len);
      memcpy (buf + k.len, WS_GUID, sizeof WS_GUID - 1);
      ws_sha1 (buf, k.len + sizeof WS_GUID - 1, digest);
    }
  else
    {
      ws_sha1_ctx s;

      ws_sha1_init (&s);
      ws_sha1_update (&s, (const uint8_t *) k.p, k.len);
      ws_sha1_update (&s, (const uint8_t *) WS_GUID, sizeof WS_GUID - 1);
      ws_sha1_final (&s, digest);
    }
  base64_20 (digest, out);
  out[ACCEPT_LEN] = '\0';
}

char *
ws_accept_compute (const char *key)
{
  char want[ACCEPT_LEN + 1];

  if (key == NULL)
    return NULL;
  accept_for (key, want);
  return g_strdup (want);
}

bool
ws_accept_valid (const char *key, const char *accept)
{
  char want[ACCEPT_LEN + 1];
  ws_slice got;

  if (key == NULL || accept == NULL)
    return false;
  accept_for (key, want);
  got = strip (accept);
  return got.len == ACCEPT_LEN && memcmp (got.p, want, ACCEPT_LEN) == 0;
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

void
ws_handshake_reject (ws_conn *c, ws_reject why)
{
  c->kind = WS_KIND_OTHER;
  c->stage = WS_STAGE_IGNORED;
  c->reject = (uint8_t) why;
}

/* A client identity header (the values joined as ws_http_header_copy
 * does), cut to WS_CLIENT_ID_MAX bytes: a claim, kept only as a hint. */
static char *
client_id_copy (const ws_http_msg *m, ws_hdr h, char **o)
{
  char *v = ws_http_header_copy (m, h, o);
  if (v && strlen (v) > WS_CLIENT_ID_MAX)
    v[WS_CLIENT_ID_MAX] = '\0';
  return v;
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
                + ws_http_header_size (m, WS_HDR_CONNECTION)
                + ws_http_header_size (m, WS_HDR_X_FORWARDED_FOR)
                + ws_http_header_size (m, WS_HDR_FORWARDED)
                + ws_http_header_size (m, WS_HDR_X_REAL_IP)
                + ws_http_header_size (m, WS_HDR_X_REQUEST_ID);
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
  c->x_forwarded_for = client_id_copy (m, WS_HDR_X_FORWARDED_FOR, &o);
  c->forwarded = client_id_copy (m, WS_HDR_FORWARDED, &o);
  c->x_real_ip = client_id_copy (m, WS_HDR_X_REAL_IP, &o);
  c->request_id = client_id_copy (m, WS_HDR_X_REQUEST_ID, &o);
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
      if (ws_ascii_caseeq (e->name, "permessage-deflate") && !c->pmd.enabled)
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
    ws_handshake_reject (c, rc == 0 && m->is_request && upgrade_is_other (m)
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
        ws_handshake_reject (c, c->method ? WS_REJECT_NO_UPGRADE : WS_REJECT_MIDSTREAM);
      return;
    }
  if (!attempt && (m->status != 101 || upgrade_is_other (m)))
    {
      ws_handshake_reject (c, m->status == 101 ? WS_REJECT_OTHER_UPGRADE
                        : c->method ? WS_REJECT_NO_UPGRADE : WS_REJECT_MIDSTREAM);
      return;
    }
  take_response (c, m, ts_us);
  c->kind = WS_KIND_WEBSOCKET;
  c->stage = m->status == 101 ? WS_STAGE_FRAMES : WS_STAGE_REJECTED;
}

/* Feed handshake bytes of one side; returns bytes consumed, and sets *done
 * when the header block of that side is complete and parsed. */
size_t
ws_handshake_feed (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                int64_t ts_us, bool *done)
{
  ws_http_parser *hp = &c->http[side];
  size_t cap = c->ctx->set->limits.max_header_bytes;
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
          c->ctx->cnt.header_limit_hits++;
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

/* The header block gathered so far on one side was cut (snaplen, or bytes
 * lost) before its end: parse the lines that are whole as if the block ended
 * there, so that what was captured is kept and the cut is named (hs_cut).
 * Returns true when it took the message. */
bool
ws_handshake_cut (ws_conn *c, ws_side side, int64_t ts_us)
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
              ws_handshake_reject (c, WS_REJECT_OTHER_UPGRADE);
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
  return true;
}
