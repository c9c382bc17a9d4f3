/* wsframe.c - push parser for one direction of WebSocket frames (RFC 6455
 * section 5: framing, 5.4 fragmentation, 5.5 control frames, 7.4 close codes)
 * with permessage-deflate measurement (RFC 7692 section 7.2).
 *
 *   byte 0          byte 1          2..9 (optional)         +0..3 (optional)
 *  +-+-+-+-+-------+-+-------------+-----------------------+---------------+
 *  |F|R|R|R| opcode|M| len7        | len16 (len7 == 126)   | masking key   |
 *  |I|S|S|S|       |A|             | len64 (len7 == 127)   | (MASK == 1)   |
 *  |N|1|2|3|       |S|             |                       |               |
 *  +-+-+-+-+-------+-+-------------+-----------------------+---------------+
 *
 * States: HEADER gathers the 2..14 header bytes into p->hdr, whatever the
 * chunking; PAYLOAD counts payload bytes off (payload_len may be anything up
 * to 2^64-1 and is never used to size an allocation); DESYNC is entered when
 * the capture lost bytes we cannot place, and is left at the start of a later
 * chunk that reads as plausible frames.
 *
 * Payload bytes are looked at only when needed: close frames are kept (up to
 * a cap) for the code and reason; text messages are checked for UTF-8 where
 * they lie, unmasked in registers (32 bytes at a time with AVX2 where the CPU
 * has it, see "UTF-8 with SIMD"); compressed messages are unmasked and
 * inflated into a stack buffer to measure their size (and check UTF-8), then
 * dropped.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "closecodes.h"
#include "extract.h"
#include "pmd.h"
#include "utf8.h"
#include "wschain.h"
#include "wsframe.h"
#include "wsframe-internal.h"


ws_frame_stats *
wsf_dir_of (ws_frame_parser *p)
{
  return p->env.stats;
}

const ws_limits *
wsf_lim (const ws_frame_parser *p)
{
  return p->env.limits;
}

/* The sender of this direction resets its compressor after each message. */
bool
wsf_no_takeover (ws_frame_parser *p)
{
  const ws_pmd *pmd = p->env.pmd;
  return p->side == 0 ? pmd->client_no_context_takeover
                                   : pmd->server_no_context_takeover;
}

/* A connection picked up mid-stream never showed us what was negotiated:
 * WS_RSV1 may then be permessage-deflate we could not see. */
static bool
negotiation_unknown (ws_frame_parser *p)
{
  return p->neg_unknown;
}

/* The number of the message being read (or replayed, "Inflating later"). */
static uint64_t
msg_number (const ws_frame_parser *p)
{
  return p->replaying ? p->lz->msg_no : p->env.stats->messages + 1;
}

/* ---- violations ----------------------------------------------------------- */

/* To the owner, who keeps what it wants (conn.c: each kind once per side)
 * and formats only that.  fmt may be NULL. */

void
wsf_violation (ws_frame_parser *p, ws_violation_kind k, int64_t ts_us,
               uint64_t offset, const char *fmt, ...)
{
  va_list ap;
  ws_frame_lazy_flush (p);
  va_start (ap, fmt);
  p->env.cb->violation (p->env.ud, p->side, k, ts_us, offset, fmt, ap);
  va_end (ap);
}

/* ---- plausibility (resync) ---------------------------------------------- */

void
ws_frame_skip (ws_frame_parser *p, uint64_t n)
{
  p->offset += n;
}

/* May this chunk start with a frame header?  Every frame that ends inside
 * the chunk must be followed by another plausible header (or the chunk end);
 * the last one may run past the end. */
static bool
resync_plausible (ws_frame_parser *p, const uint8_t *d, size_t len)
{
  int want = wsf_dir_of (p)->frames > 0 ? p->masked : p->side == 0;
  bool rsv1 = p->env.pmd->enabled || negotiation_unknown (p);
  size_t pos = 0;
  bool first = true;
  while (pos < len)
    {
      uint64_t n;
      int m;
      int h = ws_frame_plausible_header (d + pos, len - pos, want, rsv1, &n, &m);
      if (h < 0 || (h == 0 && first))
        return false;
      if (h == 0 || n >= len - pos - (size_t) h)
        return true;
      pos += (size_t) h + (size_t) n;
      first = false;
    }
  return true;
}

/* ---- permessage-deflate --------------------------------------------------- */


static void
inflater_free (ws_frame_parser *p)
{
  ws_inflater_free (p->inf);
  p->inf = NULL;
}

/* Broken for good: later messages are measured by their wire size. */
static void
inflate_fail (ws_frame_parser *p)
{
  p->inf_failed = true;
  p->utf8_bad = true;
  if (p->inf)
    p->measure = MEASURE_WIRE;
}

/* Called at the start of each compressed message; true if it will be
 * inflated. */
bool
wsf_inflate_begin (ws_frame_parser *p)
{
  const ws_pmd *pmd = p->env.pmd;
  if (p->inf_failed || !wsf_lim (p)->inflate)
    {
      inflater_free (p);
      return false;
    }
  if (!p->inf)
    {
      if (p->env.inflaters->live >= wsf_lim (p)->max_inflaters)
        {
          if (p->env.cb->limit)
            p->env.cb->limit (p->env.ud, p->side, WS_FRAME_LIMIT_INFLATERS);
          /* with context takeover the later messages refer to this one */
          if (!wsf_no_takeover (p))
            p->inf_failed = true;
          return false;
        }
      /* The window the sender agreed to (RFC 7692 7.1.2): it bounds the
       * memory per connection (4 KiB instead of 32 KiB for 12 bits), and a
       * sender that reaches further back than it may is caught ("invalid
       * distance too far back" becomes an inflate_error violation).  zlib's
       * raw inflate takes 9..15; a 256-byte window (8) fits in 9. */
      int bits = p->side == 0 ? pmd->client_max_window_bits : pmd->server_max_window_bits;
      if (bits < 9 || bits > 15 || p->midstream)
        bits = bits < 9 && !p->midstream ? 9 : 15;
      p->inf = ws_inflater_new (bits, p->env.inflaters);
      if (!p->inf)
        {
          p->inf_failed = true;
          return false;
        }
    }
  else if (!ws_inflater_next_message (p->inf, !wsf_no_takeover (p)))
    {
      inflate_fail (p);
      return false;
    }
  p->measure = MEASURE_INFLATE;
  return true;
}

/* Does the owner want the bytes of the message being read? */
bool
wsf_wants_bytes (const ws_frame_parser *p)
{
  return p->env.cb->message_chunk
         || (p->env.head_max && !p->head_done && p->head_len < p->env.head_max);
}

/* Message bytes (unmasked; inflated when inflating) to the owner: the
 * first head_max kept for message_end, all to message_chunk. */
void
wsf_deliver (ws_frame_parser *p, const uint8_t *d, size_t n)
{
  if (n == 0)
    return;
  if (p->env.head_max && !p->head_done && p->head_len < p->env.head_max)
    {
      if (!p->head)
        p->head = g_malloc (p->env.head_max);
      size_t k = MIN (n, p->env.head_max - p->head_len);
      memcpy (p->head + p->head_len, d, k);
      p->head_len += k;
    }
  if (p->env.cb->message_chunk)
    p->env.cb->message_chunk (p->env.ud, p->side, d, n);
}

/* Wire bytes of a message that is not inflated, masked with m. */
static void
deliver_masked (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m)
{
  uint8_t buf[UNMASK_BUF];
  if (!p->env.cb->message_chunk)
    {
      /* Only the head takes bytes (this is called when it wants some): no
       * more are unmasked than it has room for, straight into it, as
       * wsf_deliver would copy them. */
      size_t k = MIN (n, p->env.head_max - p->head_len);
      if (k == 0)
        return;
      if (!p->head)
        p->head = g_malloc (p->env.head_max);
      ws_unmask (p->head + p->head_len, d, k, m);
      p->head_len += k;
      return;
    }
  for (size_t off = 0; off < n && wsf_wants_bytes (p);)
    {
      size_t k = n - off < sizeof buf ? n - off : sizeof buf;
      ws_unmask (buf, d + off, k, ws_mask_rot (m, off));
      wsf_deliver (p, buf, k);
      off += k;
    }
}

/* Inflated bytes of the current message: measured and checked. */
static void
inflated_out (void *ud, const uint8_t *out, size_t n)
{
  ws_frame_parser *p = ud;
  wsf_check_text (p, out, n, 0, p->msg_size, p->inflate_ts);
  p->msg_size += n;
  if (wsf_wants_bytes (p))
    wsf_deliver (p, out, n);
}

/* Inflate n bytes of the current message, measuring and checking output. */
void
wsf_inflate_bytes (ws_frame_parser *p, const uint8_t *in, size_t n, int64_t ts_us)
{
  uint64_t cap = wsf_lim (p)->max_inflate_bytes;
  p->inflate_ts = ts_us;
  ws_pmd_result r = ws_inflater_inflate (p->inf, in, n, cap - p->msg_size,
                                         inflated_out, p);
  if (r == WS_PMD_CAPPED)
    {
      p->msg_size = cap;
      p->measure = MEASURE_FROZEN;
      p->utf8_bad = true; /* the rest of the text is not seen */
      wsf_dir_of (p)->inflate_capped = true;
      if (p->env.cb->limit)
        p->env.cb->limit (p->env.ud, p->side, WS_FRAME_LIMIT_INFLATE);
      if (!wsf_no_takeover (p))
        p->inf_failed = true;
    }
  else if (r == WS_PMD_ERROR)
    {
      wsf_violation (p, WS_VIOL_INFLATE_ERROR, ts_us, p->frame_offset,
                 "message %" G_GUINT64_FORMAT ": %s",
                 msg_number (p), ws_inflater_error (p->inf));
      inflate_fail (p);
    }
}

bool
wsf_measuring_inflated (ws_frame_parser *p)
{
  return p->msg_compressed && p->inf && p->measure != MEASURE_WIRE;
}

bool
wsf_inflating (ws_frame_parser *p)
{
  return p->msg_compressed && p->inf && p->measure == MEASURE_INFLATE;
}

/* The compressed message being read can no longer be inflated (bytes lost).
 * With context takeover, neither can any later one. */
static void
inflate_abandon_message (ws_frame_parser *p)
{
  if (p->msg_compressed && p->inf)
    p->measure = MEASURE_WIRE;
  if (p->env.pmd->enabled && !wsf_no_takeover (p))
    p->inf_failed = true;
}

/* ---- messages ------------------------------------------------------------- */

/* d[0..n) is text at offset msg_off of the message, masked with mask (four
 * as for mask_rot; 0 when not masked). */
void
wsf_check_text (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t mask,
            uint64_t msg_off, int64_t ts_us)
{
  if (p->utf8_bad || n == 0)
    return;
  size_t bad;
  p->utf8_state = ws_utf8_check_masked (p->utf8_state, d, n, mask, &bad);
  if (p->utf8_state == WS_UTF8_REJECT)
    {
      p->utf8_bad = true;
      wsf_violation (p, WS_VIOL_TEXT_NOT_UTF8, ts_us, p->frame_offset,
                 "message %" G_GUINT64_FORMAT ", byte %" G_GUINT64_FORMAT,
                 msg_number (p), msg_off + bad);
    }
}

static void
message_begin (ws_frame_parser *p, int64_t ts_us)
{
  const ws_pmd *pmd = p->env.pmd;
  if (p->in_message && p->msg_opcode != 0)
    {
      wsf_violation (p, WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED, ts_us, p->frame_offset,
                 "opcode %u while message %" G_GUINT64_FORMAT " is open",
                 p->opcode, wsf_dir_of (p)->messages + 1);
      if (wsf_inflating (p))
        inflate_abandon_message (p);
    }
  p->in_message = true;
  p->msg_opcode = p->opcode;
  p->msg_wire_size = 0;
  p->msg_size = 0;
  p->utf8_state = WS_UTF8_ACCEPT;
  p->msg_compressed = (p->rsv & WS_RSV1) && (pmd->enabled || negotiation_unknown (p));
  bool lazy = p->msg_compressed && pmd->enabled && wsf_lazy_wanted (p);
  if (lazy && p->env.peer && p->env.peer->msg_held)
    {
      wsf_held_release (p->env.peer); /* never a held message beside kept ones */
      lazy = wsf_lazy_wanted (p);
    }
  bool inflated = !lazy && p->msg_compressed && pmd->enabled && wsf_inflate_begin (p);
  if (p->msg_compressed && !inflated && p->inf)
    p->measure = MEASURE_WIRE;
  /* WS_RSV1 without deflate: the payload is probably compressed anyway, so a
   * UTF-8 complaint would be noise on top of the RSV violation. */
  p->utf8_bad = !wsf_lim (p)->check_utf8 || p->msg_opcode != WS_OP_TEXT
                || (p->rsv & WS_RSV1 && !inflated);
  p->msg_inflated = inflated;
  p->msg_lazy = lazy;
  p->head_len = 0;
  p->head_done = false;
  if (lazy)
    wsf_lazy_push (p, LZ_START, ts_us, wsf_dir_of (p)->messages + 1, p->msg_opcode, 0);
  else if (inflated && wsf_hold_wanted (p))
    {
      if (!p->held)
        p->held = g_new0 (struct ws_held, 1);
      p->msg_held = true;
    }
  if (p->env.cb->message_start)
    p->env.cb->message_start (p->env.ud, p->side, p->msg_opcode, p->msg_compressed, ts_us);
}

static void
message_end (ws_frame_parser *p, int64_t ts_us)
{
  ws_frame_stats *ds = wsf_dir_of (p);
  p->in_message = false;
  ds->open_message = 0;
  if (p->msg_opcode == 0)
    return; /* began before we were in step: size unknown, not counted */

  bool whole = p->msg_held && wsf_held_end (p);
  if (p->msg_lazy)
    wsf_lazy_push (p, LZ_END, ts_us, p->frame_offset, 0, 0);
  else if (wsf_inflating (p) && !whole)
    {
      static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
      wsf_inflate_bytes (p, tail, sizeof tail, ts_us);
    }
  if (!wsf_measuring_inflated (p))
    p->msg_size = p->msg_wire_size;
  if (p->msg_compressed && !p->msg_lazy && !wsf_measuring_inflated (p))
    ds->wire_sizes = true;
  if (!p->utf8_bad && p->utf8_state != WS_UTF8_ACCEPT)
    wsf_violation (p, WS_VIOL_TEXT_NOT_UTF8, ts_us, p->frame_offset,
               "message %" G_GUINT64_FORMAT ", byte %" G_GUINT64_FORMAT " (ends inside a character)",
               ds->messages + 1, p->msg_size);

  ds->messages++;
  if (p->msg_opcode == WS_OP_TEXT)
    ds->text_messages++;
  else
    ds->binary_messages++;
  if (p->msg_compressed)
    ds->compressed_messages++;
  if (p->lz && p->lz->n_ev && !p->msg_lazy)
    wsf_lazy_push (p, LZ_PLAIN, ts_us, p->msg_size, 0, 0);
  wsf_sizes_add (ds, p->msg_size);
  if (p->env.cb->message_end)
    {
      ws_frame_message m = {
        .side = p->side, .opcode = p->msg_opcode, .ts_us = ts_us,
        .size = p->msg_size, .wire_size = p->msg_wire_size,
        .compressed = p->msg_compressed, .inflated = p->msg_inflated,
        .capped = p->msg_compressed && p->inf && p->measure == MEASURE_FROZEN,
        .head = p->head, .head_len = p->head_len
      };
      p->env.cb->message_end (p->env.ud, &m);
    }
  p->msg_lazy = false;
  wsf_lazy_check_budget (p);
}

/* Payload bytes of a data frame that belongs to the open message.  Text is
 * checked where it lies, unmasked in registers; only the inflater needs the
 * bytes unmasked in a buffer. */
static void
message_payload (ws_frame_parser *p, const uint8_t *d, size_t n, int64_t ts_us)
{
  uint64_t wire_before = p->msg_wire_size;
  p->msg_wire_size += n;
  uint32_t m = 0;
  if (p->masked)
    {
      memcpy (&m, p->mask, 4);
      m = ws_mask_rot (m, p->payload_pos);
    }
  if (p->msg_lazy)
    wsf_lazy_bytes (p, d, n, m, ts_us);
  else if (p->msg_held)
    wsf_held_bytes (p, d, n, m, ts_us);
  else if (wsf_inflating (p))
    wsf_inflate_piece (p, d, n, m, wire_before, ts_us);
  else if (!p->utf8_bad)   /* (binary, or text not checked: no call) */
    wsf_check_text (p, d, n, m, wire_before, ts_us);
  if (!p->msg_inflated && wsf_wants_bytes (p))
    deliver_masked (p, d, n, m);
  if (p->lz)
    wsf_lazy_check_budget (p);
  if (!wsf_measuring_inflated (p))
    p->msg_size = p->msg_wire_size;
  wsf_dir_of (p)->open_message = p->msg_size;
}

/* ---- frames --------------------------------------------------------------- */

static size_t
close_cap (const ws_frame_parser *p)
{
  size_t r = wsf_lim (p)->max_close_reason;
  return r > WS_CONTROL_MAX ? r : WS_CONTROL_MAX;
}

static void
close_payload (ws_frame_parser *p, const uint8_t *d, size_t n)
{
  size_t cap = close_cap (p);
  if (p->ctl_len >= cap || p->ctl_len != p->payload_pos)
    return; /* full, or bytes were lost: keep the prefix */
  if (!p->ctl)
    p->ctl = g_malloc (cap);
  size_t k = n < cap - p->ctl_len ? n : cap - p->ctl_len;
  for (size_t i = 0; i < k; i++)
    p->ctl[p->ctl_len + i] = d[i] ^ (p->masked ? p->mask[(p->payload_pos + i) & 3] : 0);
  p->ctl_len += k;
}

/* The close frame just read: its first from this side is checked and
 * handed to the owner, with its reason as far as it is valid UTF-8 (a
 * character our cap cut is dropped). */
static void
close_frame (ws_frame_parser *p, int64_t ts_us)
{
  wsf_dir_of (p)->closes++;
  bool first = !p->sent_close;
  p->sent_close = true;
  if (!first)
    return;
  ws_frame_close cl = { .ts_us = ts_us, .code = -1 };
  cl.payload_len = p->payload_len > SIZE_MAX ? SIZE_MAX : (size_t) p->payload_len;
  if (p->payload_len == 1)
    {
      wsf_violation (p, WS_VIOL_CLOSE_ONE_BYTE, ts_us, p->frame_offset, "body 0x%02x",
                 p->ctl_len ? p->ctl[0] : 0);
      p->env.cb->close (p->env.ud, p->side, &cl);
      return;
    }
  if (p->payload_len < 2 || p->ctl_len < 2)
    {
      p->env.cb->close (p->env.ud, p->side, &cl);
      return;
    }
  cl.code = ws_be16 (p->ctl);
  if (!ws_close_code_valid_on_wire (cl.code))
    wsf_violation (p, WS_VIOL_CLOSE_CODE_INVALID, ts_us, p->frame_offset, "code %d", cl.code);

  const uint8_t *r = p->ctl + 2;
  size_t rlen = p->ctl_len - 2;
  cl.reason_truncated = p->payload_len > p->ctl_len;
  size_t bad;
  uint32_t st = ws_utf8_check_masked (WS_UTF8_ACCEPT, r, rlen, 0, &bad);
  if (st == WS_UTF8_REJECT)
    wsf_violation (p, WS_VIOL_CLOSE_REASON_NOT_UTF8, ts_us, p->frame_offset,
               "code %d, reason byte %zu", cl.code, bad);
  else if (st != WS_UTF8_ACCEPT && !cl.reason_truncated)
    wsf_violation (p, WS_VIOL_CLOSE_REASON_NOT_UTF8, ts_us, p->frame_offset,
               "code %d, reason ends inside a character", cl.code);
  else if (st != WS_UTF8_ACCEPT)
    {
      /* our cut split a character: drop its first bytes */
      while (rlen > 0 && (r[rlen - 1] & 0xc0) == 0x80)
        rlen--;
      if (rlen > 0)
        rlen--;
    }
  if (rlen > 0)
    {
      cl.reason = r;
      cl.reason_len = rlen;
    }
  p->env.cb->close (p->env.ud, p->side, &cl);
}

/* The header gathered in p->hdr: flags, opcode, length (checked for the
 * minimal encoding) and mask into the frame being read. */
static void
header_decode (ws_frame_parser *p, int64_t ts_us)
{
  const uint8_t *h = p->hdr;
  unsigned l7 = h[1] & 0x7f;
  uint64_t off = p->frame_offset;

  p->fin = h[0] >> 7;
  p->rsv = (h[0] >> 4) & 7;
  p->opcode = h[0] & 0x0f;
  p->masked = h[1] >> 7;
  p->payload_pos = 0;
  p->ctl_len = 0;
  size_t at = 2;
  if (l7 == 126)
    {
      p->payload_len = ws_be16 (h + 2);
      at = 4;
      if (p->payload_len < 126)
        wsf_violation (p, WS_VIOL_LENGTH_NOT_MINIMAL, ts_us, off,
                   "16-bit length %" G_GUINT64_FORMAT, p->payload_len);
    }
  else if (l7 == 127)
    {
      p->payload_len = ws_be64 (h + 2);
      at = 10;
      if (p->payload_len >> 63)
        wsf_violation (p, WS_VIOL_LENGTH_MSB_SET, ts_us, off,
                   "64-bit length 0x%016" G_GINT64_MODIFIER "x", p->payload_len);
      else if (p->payload_len <= 0xffff)
        wsf_violation (p, WS_VIOL_LENGTH_NOT_MINIMAL, ts_us, off,
                   "64-bit length %" G_GUINT64_FORMAT, p->payload_len);
    }
  else
    p->payload_len = l7;
  if (p->masked)
    memcpy (p->mask, h + at, 4);
}

static void
frame_begin (ws_frame_parser *p, int64_t ts_us)
{
  ws_frame_stats *ds = wsf_dir_of (p);
  const uint8_t *h = p->hdr;
  uint64_t off = p->frame_offset;

  header_decode (p, ts_us);
  if (ds->frames == 0)
    ds->first_frame_us = ts_us;
  ds->frames++;
  ds->frame_bytes += p->hdr_need;
  ds->last_frame_us = ts_us;
  if (p->env.cb->frame)
    p->env.cb->frame (p->env.ud, p->side, h[0] & 0x0f, h[0] >> 7, p->payload_len, ts_us);

  if (p->side == 0 && !p->masked)
    wsf_violation (p, WS_VIOL_UNMASKED_CLIENT_FRAME, ts_us, off, "opcode %u", p->opcode);
  else if (p->side == 1 && p->masked)
    wsf_violation (p, WS_VIOL_MASKED_SERVER_FRAME, ts_us, off, "opcode %u", p->opcode);

  unsigned op = p->opcode;
  if (!ws_op_is_known (op))
    {
      wsf_violation (p, WS_VIOL_UNKNOWN_OPCODE, ts_us, off, "opcode %u", op);
      return;
    }
  if (p->sent_close && ws_op_is_data (op))
    wsf_violation (p, WS_VIOL_DATA_AFTER_CLOSE, ts_us, off, "opcode %u after close", op);

  if (p->rsv & (WS_RSV2 | WS_RSV3))
    wsf_violation (p, WS_VIOL_RSV_NOT_NEGOTIATED, ts_us, off, "RSV bits 0x%x", p->rsv);
  if (p->rsv & WS_RSV1)
    {
      if (!p->env.pmd->enabled && !negotiation_unknown (p))
        wsf_violation (p, WS_VIOL_RSV_NOT_NEGOTIATED, ts_us, off,
                   "WS_RSV1 without permessage-deflate, opcode %u", op);
      else if (op >= WS_OP_CLOSE)
        wsf_violation (p, WS_VIOL_RSV1_ON_CONTROL, ts_us, off, "opcode %u", op);
      else if (op == WS_OP_CONT)
        wsf_violation (p, WS_VIOL_RSV1_ON_CONTINUATION, ts_us, off, NULL);
    }

  if (op >= WS_OP_CLOSE)
    {
      if (p->payload_len > WS_CONTROL_MAX)
        wsf_violation (p, WS_VIOL_CONTROL_TOO_LONG, ts_us, off,
                   "opcode %u, %" G_GUINT64_FORMAT " bytes", op, p->payload_len);
      if (!p->fin)
        wsf_violation (p, WS_VIOL_CONTROL_FRAGMENTED, ts_us, off, "opcode %u", op);
      if (p->payload_len > ds->largest_control)
        ds->largest_control = p->payload_len;
      if (op == WS_OP_PING)
        {
          if (!ds->pings++)
            ds->first_ping_us = ts_us;
          ds->last_ping_us = ts_us;
        }
      else if (op == WS_OP_PONG)
        {
          ds->pongs++;
          ds->last_pong_us = ts_us;
        }
      return;
    }

  ds->last_data_us = ts_us;
  if (op == WS_OP_CONT)
    {
      if (!p->in_message)
        wsf_violation (p, WS_VIOL_CONTINUATION_WITHOUT_START, ts_us, off, NULL);
    }
  else
    message_begin (p, ts_us);
}

static void
frame_end (ws_frame_parser *p, int64_t ts_us)
{
  if (p->opcode == WS_OP_CLOSE)
    close_frame (p, ts_us);
  else if (ws_op_is_data (p->opcode) && p->in_message && p->fin)
    message_end (p, ts_us);
  else if ((p->opcode == WS_OP_PING || p->opcode == WS_OP_PONG) && p->env.cb->control)
    p->env.cb->control (p->env.ud, p->side, p->opcode, p->payload_len, ts_us);
  p->state = WS_FP_HEADER;
  p->hdr_len = 0;
  p->hdr_need = 2;
}

static void
frame_payload (ws_frame_parser *p, const uint8_t *d, size_t n, int64_t ts_us)
{
  ws_frame_stats *ds = wsf_dir_of (p);
  ds->payload_bytes += n;
  ds->frame_bytes += n;
  ds->last_frame_us = ts_us;
  if (p->opcode == WS_OP_CLOSE)
    close_payload (p, d, n);
  else if (ws_op_is_data (p->opcode) && p->in_message)
    {
      ds->last_data_us = ts_us;
      message_payload (p, d, n, ts_us);
    }
  p->payload_pos += n;
}

/* ---- the parser ----------------------------------------------------------- */

void
ws_frame_parser_init (ws_frame_parser *p, const ws_frame_env *env, int side)
{
  memset (p, 0, sizeof *p);
  p->env = *env;
  if (p->env.head_max > WS_FRAME_HEAD_MAX)
    p->env.head_max = WS_FRAME_HEAD_MAX;
  p->side = (uint8_t) side;
  p->state = WS_FP_HEADER;
  p->hdr_need = 2;
}

void
ws_frame_parser_clear (ws_frame_parser *p)
{
  g_free (p->ctl);
  p->ctl = NULL;
  p->ctl_len = 0;
  g_free (p->head);
  p->head = NULL;
  p->head_len = 0;
  wsf_lazy_free (p);
  wsf_held_free (p);
  inflater_free (p);
}

void
ws_frame_parser_set_midstream (ws_frame_parser *p, bool midstream, bool neg_unknown)
{
  p->midstream = midstream;
  p->neg_unknown = neg_unknown;
}

static void
desync (ws_frame_parser *p)
{
  wsf_lazy_flush_pair (p, false);
  if (p->in_message && wsf_inflating (p))
    inflate_abandon_message (p);
  else if (p->env.pmd->enabled && !wsf_no_takeover (p))
    p->inf_failed = true; /* a lost compressed message breaks the context */
  p->state = WS_FP_DESYNC;
  p->in_message = false;
  p->hdr_len = 0;
  p->hdr_need = 2;
  wsf_dir_of (p)->desynced = true;
  wsf_dir_of (p)->open_message = 0;
}

/* Back in step at a plausible header.  A message may be open whose start we
 * did not see: msg_opcode 0 marks it, so its continuations are not
 * violations and it is not counted. */
static void
resync (ws_frame_parser *p)
{
  ws_frame_stats *ds = wsf_dir_of (p);
  if (ds->desynced)
    ds->resyncs++;
  ds->desynced = false;
  p->state = WS_FP_HEADER;
  p->hdr_len = 0;
  p->hdr_need = 2;
  p->in_message = true;
  p->msg_opcode = 0;
  p->msg_compressed = false;
  p->msg_inflated = false;
  p->msg_lazy = false;
  p->msg_held = false;
  p->msg_wire_size = 0;
  p->msg_size = 0;
  p->utf8_bad = true;
  p->head_done = true;
}

void
ws_frame_start_here (ws_frame_parser *p)
{
  if (p->state == WS_FP_DESYNC)
    resync (p);
}

void
ws_frame_feed (ws_frame_parser *p, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (len == 0)
    return;
  if (p->state == WS_FP_DESYNC)
    {
      if (!resync_plausible (p, data, len))
        {
          p->offset += len;
          return;
        }
      resync (p);
    }
  while (len > 0)
    {
      size_t used;
      if (p->state == WS_FP_HEADER && p->hdr_len == 0 && len >= 2)
        {
          /* the usual header, whole in this chunk: taken at once */
          unsigned l7 = data[1] & 0x7f;
          size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (data[1] & 0x80 ? 4 : 0);
          if (need <= len)
            {
              p->frame_offset = p->offset;
              if (len >= sizeof p->hdr)
                memcpy (p->hdr, data, sizeof p->hdr);
              else
                for (size_t i = 0; i < need; i++)
                  p->hdr[i] = data[i];
              p->hdr_len = p->hdr_need = (uint8_t) need;
              used = need;
              frame_begin (p, ts_us);
              if (p->payload_len == 0)
                frame_end (p, ts_us);
              else
                p->state = WS_FP_PAYLOAD;
              data += used;
              len -= used;
              p->offset += used;
              continue;
            }
        }
      if (p->state == WS_FP_HEADER)
        {
          if (p->hdr_len == 0)
            p->frame_offset = p->offset;
          size_t want = (size_t) (p->hdr_need - p->hdr_len);
          used = want < len ? want : len;
          memcpy (p->hdr + p->hdr_len, data, used);
          p->hdr_len += (uint8_t) used;
          if (p->hdr_len == 2 && p->hdr_need == 2)
            {
              unsigned l7 = p->hdr[1] & 0x7f;
              p->hdr_need = (uint8_t) (2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0)
                                       + (p->hdr[1] & 0x80 ? 4 : 0));
            }
          if (p->hdr_len == p->hdr_need)
            {
              frame_begin (p, ts_us);
              if (p->payload_len == 0)
                frame_end (p, ts_us);
              else
                p->state = WS_FP_PAYLOAD;
            }
        }
      else
        {
          uint64_t rem = p->payload_len - p->payload_pos;
          used = rem < len ? (size_t) rem : len;
          frame_payload (p, data, used, ts_us);
          if (p->payload_pos == p->payload_len)
            frame_end (p, ts_us);
        }
      data += used;
      len -= used;
      p->offset += used;
    }
}

void
ws_frame_gap (ws_frame_parser *p, uint64_t n, int64_t ts_us)
{
  p->offset += n;
  if (p->state == WS_FP_DESYNC || n == 0)
    return;
  wsf_lazy_flush_pair (p, false); /* what needs the bytes stops here, as it does eagerly */
  if (p->state != WS_FP_PAYLOAD || p->payload_len - p->payload_pos < n)
    {
      desync (p);
      return;
    }
  /* The lost bytes are inside this payload: the next header is still where
   * the length says.  What needed the bytes themselves stops. */
  ws_frame_stats *ds = wsf_dir_of (p);
  ds->payload_bytes += n;
  ds->frame_bytes += n;
  if (ws_op_is_data (p->opcode) && p->in_message)
    {
      p->msg_wire_size += n;
      p->utf8_bad = true;
      p->head_done = true; /* the first bytes stop at the hole */
      if (wsf_inflating (p))
        inflate_abandon_message (p);
      if (!wsf_measuring_inflated (p))
        p->msg_size = p->msg_wire_size;
      ds->open_message = p->msg_size;
    }
  p->payload_pos += n; /* a close reason keeps what came before the hole */
  if (p->payload_pos == p->payload_len)
    frame_end (p, ts_us);
}
