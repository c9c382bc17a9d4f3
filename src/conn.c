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

#include "conn.h"
#include "cause.h"
#include "extract.h"
#include "handshake.h"
#include "midstream.h"
#include "redact.h"
#include "subproto.h"
#include "tlsconn.h"

/* ---- the frame parsers' results into the record -------------------------- */

/* Each kind is recorded once per side: the first occurrence is the evidence,
 * and a flood of one kind must not crowd the others out of the table. */
static void
on_violation (void *ud, int side, ws_violation_kind k, int64_t ts_us, uint64_t offset,
              const char *fmt, va_list ap)
{
  ws_conn *c = ud;
  for (unsigned i = 0; i < c->n_violations && i < WS_MAX_VIOLATIONS; i++)
    if (c->violations[i].kind == k && c->violations[i].side == (ws_side) side)
      return;
  ws_conn_violationv (c, k, (ws_side) side, ts_us, offset, fmt, ap);
}

/* The first close frame of a side. */
static void
on_close (void *ud, int side, const ws_frame_close *cl)
{
  ws_conn *c = ud;
  ws_close_info *ci = &c->close[side];
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = (ws_side) side;
  ci->seen = true;
  ci->ts_us = cl->ts_us;
  ci->code = cl->code;
  ci->payload_len = cl->payload_len;
  ci->reason_truncated = cl->reason_truncated;
  if (cl->reason_len > 0)
    {
      /* kept byte for byte (an embedded NUL included); reason_len is the length */
      ci->reason = g_malloc (cl->reason_len + 1);
      memcpy (ci->reason, cl->reason, cl->reason_len);
      ci->reason[cl->reason_len] = '\0';
      ci->reason_len = cl->reason_len;
    }
}

static void
on_limit (void *ud, int side, unsigned which)
{
  ws_conn *c = ud;
  (void) side;
  if (which == WS_FRAME_LIMIT_INFLATERS)
    {
      if (!(c->limits & WS_LIMIT_INFLATERS))
        c->ctx->cnt.inflater_limit_hits++;
      c->limits |= WS_LIMIT_INFLATERS;
    }
  else if (which == WS_FRAME_LIMIT_INFLATE)
    {
      c->limits |= WS_LIMIT_INFLATE;
      c->ctx->cnt.inflate_limit_hits++;
    }
}

/* ---- the application protocol (subproto.h) ---- */

static void
ws_subproto_conn_message (ws_conn *c, int side, int opcode, const uint8_t *head,
                          size_t head_len, uint64_t size, int64_t ts_us)
{
  if (!c->app_decided)
    {
      c->app_decided = true;
      /* a subprotocol we do not know: its messages are its own */
      c->app = c->accepted_subprotocol
               ? ws_subproto_new_known (c->accepted_subprotocol, c->path)
               : ws_subproto_new (NULL, c->path);
    }
  ws_subproto *a = c->app;
  if (!a || (side != WS_SIDE_CLIENT && side != WS_SIDE_SERVER))
    return;
  if (!head)
    head_len = 0;
  if (!ws_subproto_message (a, side, opcode, head ? head : (const uint8_t *) "", head_len,
                            size, ts_us))
    {
      ws_subproto_free (a);
      c->app = NULL;
    }
}

static void
ws_subproto_conn_end (ws_conn *c)
{
  if (c->app_decided)
    return;
  /* no data message came: what the handshake named is still a fact */
  c->app_decided = true;
  c->app = ws_subproto_new_known (c->accepted_subprotocol, c->path);
}

/* A whole data message: its first bytes to the application protocol reader
 * (subproto.h); once it knows there is none, the parsers keep no head. */
static void
on_message_end (void *ud, const ws_frame_message *m)
{
  ws_conn *c = ud;
  bool usable = !m->compressed || m->inflated;
  ws_subproto_conn_message (c, m->side, (int) m->opcode, usable ? m->head : NULL,
                            usable ? m->head_len : 0, m->size, m->ts_us);
  if (c->app_decided && !c->app)
    for (int s = 0; s < 2; s++)
      c->frames[s].env.head_max = 0;
}

static const ws_frame_callbacks record_callbacks = {
  .violation = on_violation,
  .close = on_close,
  .limit = on_limit,
  .message_end = on_message_end,
};

void
ws_conn_frames_begin (ws_conn *c)
{
  bool unknown = c->midstream && c->handshake_status < 0;
  for (int s = 0; s < 2; s++)
    ws_frame_parser_set_midstream (&c->frames[s], c->midstream, unknown);
}

/* ---- the record ------------------------------------------------------------ */

ws_conn *
ws_conn_new (ws_ctx *ctx)
{
  /* cleared whole: cheaper than clearing all but the parsers (which their
   * init functions clear again), as measured; most of the record is zero
   * to start with */
  ws_conn_pool *pool = &ctx->conn_pool;
  ws_conn *c = pool->head;
  if (c)
    {
      memcpy (&pool->head, c, sizeof pool->head);
      pool->n--;
      memset (c, 0, sizeof *c);
    }
  else
    {
      c = g_new0 (ws_conn, 1);
      pool->made++;
    }
  c->ctx = ctx;
  c->cause.pool = &ctx->ev_pool;
  c->handshake_status = -1;
  c->accept_valid = -1;
  c->close_initiator = WS_SIDE_NONE;
  c->tcp_end_by = WS_SIDE_NONE;
  c->pmd.server_max_window_bits = 15;
  c->pmd.client_max_window_bits = 15;
  for (int s = 0; s < 2; s++)
    {
      ws_http_parser_init (&c->http[s]);
      ws_frame_env env = {
        .cb = &record_callbacks, .ud = c, .limits = &ctx->set->limits, .pmd = &c->pmd,
        .inflaters = &ctx->cnt.inflaters, .stats = &c->dir[s].ws,
        .peer = &c->frames[1 - s], .head_max = WS_APP_HEAD
      };
      ws_frame_parser_init (&c->frames[s], &env, s);
    }
  return c;
}

/* Can the diagnosis depend on the payloads of compressed messages (their
 * sizes, text, inflate errors)?  Closes other than 1000/1001, an abnormal
 * end, any violation (issue 18); the others keep wire sizes for messages
 * kept uninflated (wsframe.c, "Inflating later"). */
static bool
payload_dependent (const ws_conn *c)
{
  if (c->n_violations || c->violations_dropped)
    return true;
  for (int s = 0; s < 2; s++)
    if (c->close[s].seen && c->close[s].code != 1000 && c->close[s].code != 1001)
      return true;
  int code = ws_conn_close_code (c);
  return code != 1000 && code != 1001 && code != -1;
}

void
ws_conn_release (ws_conn *c)
{
  ws_frame_lazy_settle (&c->frames[0], payload_dependent (c));
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
  /* wstunnel's tunnel requests, signed with its public key, stay whole */
  redact_field (c, &c->offered_subprotocols, ws_redact_subprotocols);
  redact_field (c, &c->accepted_subprotocol, ws_redact_subprotocols);
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
  free_field (c, c->x_forwarded_for);
  free_field (c, c->forwarded);
  free_field (c, c->x_real_ip);
  free_field (c, c->request_id);
  ws_midstream_free (c);
  g_free (c->hs_block[0]);
  if (c->hs_block[1])
    g_free (c->hs_block[1]);
  ws_cause_clear (&c->cause);
  ws_tls_conn_free (c);
  ws_subproto_free (c->app);
  if (c->violations)
    g_free (c->violations);
  ws_conn_pool *pool = c->ctx ? &c->ctx->conn_pool : NULL;
  if (WS_REUSE_FREED && pool && pool->n < pool->made)
    {
      memcpy (c, &pool->head, sizeof pool->head);
      pool->head = c;
      pool->n++;
    }
  else
    g_free (c);
}

void
ws_conn_violation (ws_conn *c, ws_violation_kind k, ws_side side,
                   int64_t ts_us, uint64_t offset, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  ws_conn_violationv (c, k, side, ts_us, offset, fmt, ap);
  va_end (ap);
}

void
ws_conn_violationv (ws_conn *c, ws_violation_kind k, ws_side side,
                    int64_t ts_us, uint64_t offset, const char *fmt, va_list ap)
{
  ws_frame_lazy_flush (&c->frames[0]); /* what was kept first, in its order */
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
    g_vsnprintf (v->detail, sizeof v->detail, fmt, ap);
}

/* Client bytes that arrive after the request but before the 101 (or whose
 * 101 we have not processed yet) are kept here, bounded, and replayed into
 * the frame parser when the 101 comes. */
static void
stash_early (ws_conn *c, const uint8_t *data, size_t len)
{
  ws_http_parser *hp = &c->http[WS_SIDE_CLIENT];
  size_t max = c->ctx->set->limits.max_header_bytes;
  size_t room = max > hp->len ? max - hp->len : 0;
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
  if (c->stage == WS_STAGE_FRAMES)
    ws_conn_frames_begin (c);
  if (hp->len && c->stage == WS_STAGE_FRAMES)
    ws_frame_feed (&c->frames[WS_SIDE_CLIENT], hp->buf, hp->len, ts_us);
  ws_http_parser_clear (hp);
  ws_http_parser_init (hp);
}

/* The TLS stage's plaintext of one side (data NULL: len bytes lost, a
 * record that failed to decrypt) goes on as bytes in the clear. */
static void
tls_plain (void *user, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  ws_conn *c = user;

  if (!data)
    {
      ws_conn_plain_gap (c, (ws_side) side, len, ts_us);
      return;
    }
  ws_conn_plain_data (c, (ws_side) side, data, len, ts_us);
  /* plaintext that is not WebSocket: still a TLS connection in the totals */
  if (c->kind == WS_KIND_OTHER)
    c->kind = WS_KIND_TLS;
}

void
ws_conn_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (G_UNLIKELY (c->tls_on)
      || (c->stage == WS_STAGE_PROBE && ws_tls_conn_take (c, data, len, tls_plain)))
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
          if (ws_midstream_probe (c, &side, data, len, ts_us))
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
            size_t n = ws_handshake_feed (c, side, data, len, ts_us, &done);
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
  c->ctx->cnt.gaps++;
  c->ctx->cnt.gap_bytes += n;
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
      ws_midstream_gap (c, side, n, ts_us);
      break;
    case WS_STAGE_FRAMES:
      ws_frame_gap (&c->frames[side], n, ts_us);
      break;
    case WS_STAGE_HANDSHAKE:
      /* a header block cut before its end: keep what was captured */
      if (c->http[side].len > 0 && !c->hs_cut[side]
          && (side == WS_SIDE_SERVER ? (c->method || c->midstream)
                                     : !c->method && !c->midstream)
          && ws_handshake_cut (c, side, ts_us))
        {
          if (side == WS_SIDE_SERVER && c->stage == WS_STAGE_FRAMES)
            {
              /* the rest of the 101 was lost: where the frames begin is not known */
              c->frames[WS_SIDE_SERVER].state = WS_FP_DESYNC;
              replay_early (c, ts_us);
            }
          break;
        }
      /* a hole in the handshake: the header block cannot be trusted */
      if (side == WS_SIDE_SERVER || !c->method)
        {
          ws_http_parser_clear (&c->http[side]);
          ws_http_parser_init (&c->http[side]);
          if (side == WS_SIDE_SERVER && c->method && c->kind == WS_KIND_WEBSOCKET)
            {
              /* the 101 was probably in the hole: carry on with frames */
              ws_midstream_start (c);
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
  ws_midstream_end (c);
}
