/* wschain.c - do these bytes read as WebSocket frames a real peer writes?
 * For connections picked up mid-stream (midstream.c) and for the frame
 * parser finding its way back after a gap (resync): frame headers are read
 * where they lie, nothing is kept, nothing allocated.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "closecodes.h"
#include "extract.h"
#include "utf8.h"
#include "wschain.h"

/* ---- one header -------------------------------------- */

/* Reads one frame header at d[0..len).  Returns its length, 0 when d ends
 * inside it, -1 when it does not look like a header a real peer writes.
 * want_mask is 0/1, or -1 for either. */
int
ws_frame_plausible_header (const uint8_t *d, size_t len, int want_mask, bool allow_rsv1,
                           uint64_t *plen, int *masked)
{
  if (len < 2)
    return 0;
  unsigned fin = d[0] >> 7, rsv = (d[0] >> 4) & 7, op = d[0] & 0x0f;
  int m = d[1] >> 7;
  unsigned l7 = d[1] & 0x7f;
  if (!ws_op_is_known (op))
    return -1;
  if (rsv & (WS_RSV2 | WS_RSV3))
    return -1;
  if ((rsv & WS_RSV1) && !(allow_rsv1 && (op == WS_OP_TEXT || op == WS_OP_BINARY)))
    return -1;
  if (op >= WS_OP_CLOSE && (!fin || l7 > WS_CONTROL_MAX))
    return -1;
  if (want_mask >= 0 && m != want_mask)
    return -1;
  size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (m ? 4 : 0);
  if (len < need)
    return 0;
  uint64_t n = l7;
  if (l7 == 126)
    {
      n = ws_be16 (d + 2);
      if (n < 126)
        return -1;
    }
  else if (l7 == 127)
    {
      n = ws_be64 (d + 2);
      if ((n >> 63) || n <= 0xffff)
        return -1;
    }
  if (op == WS_OP_CONT && !fin && n == 0)
    return -1;
  *plen = n;
  *masked = m;
  return (int) need;
}

bool
ws_frame_probe (const uint8_t *data, size_t len, bool *masked)
{
  size_t pos = 0;
  int want = -1;
  while (pos < len)
    {
      uint64_t n;
      int m;
      int h = ws_frame_plausible_header (data + pos, len - pos, want, true, &n, &m);
      if (h <= 0 || n > len - pos - (size_t) h)
        return false;
      pos += (size_t) h + (size_t) n;
      want = m;
    }
  if (want < 0)
    return false;
  *masked = want == 1;
  return true;
}

void
ws_frame_chain_init (ws_frame_chain_state *st)
{
  st->pos = 0;
  st->need = 0;
  st->frames = 0;
  st->masked = -1;
  st->open = false;
  st->seen_data = false;
  st->closes = 0;
}

int
ws_frame_chain_walk (ws_frame_chain_state *st, const uint8_t *data, size_t len,
                     uint64_t total)
{
  st->need = 0;
  while (st->pos < len)
    {
      const uint8_t *d = data + st->pos;
      size_t left = len - st->pos;
      uint64_t n;
      int m;
      int h = ws_frame_plausible_header (d, left, st->masked, true, &n, &m);
      if (h < 0)
        return -1;
      unsigned fin = d[0] >> 7, op = d[0] & 0x0f;
      bool open = st->open;
      if (ws_op_is_data (op))
        {
          /* a continuation only inside a message, or as the first data
           * frame seen (the rest of a message begun before the capture) */
          if (op == WS_OP_CONT ? !open && st->seen_data : open)
            return -1;
          open = !fin;
        }
      if (h == 0)
        return 0;   /* read again from here when more bytes are held */
      if (n > total - st->pos - (uint64_t) h)
        {
          st->need = st->pos + (uint64_t) h + n;
          return 0;
        }
      if (ws_op_is_data (op))
        {
          st->open = open;
          st->seen_data = true;
        }
      if (op == WS_OP_TEXT && fin && !(d[0] & 0x40) && n <= left - (size_t) h)
        {
          /* a whole uncompressed text message held: a peer writes UTF-8 */
          uint32_t key = 0;
          size_t bad;
          if (m)
            memcpy (&key, d + h - 4, 4);
          if (ws_utf8_check_masked (WS_UTF8_ACCEPT, d + h, (size_t) n, key, &bad) != WS_UTF8_ACCEPT)
            return -1;
        }
      if (op == WS_OP_CLOSE && (n == 0 || (n >= 2 && (uint64_t) h + 2 <= left)))
        {
          /* a close frame with no body or a code a peer may send */
          int code = -1;
          if (n >= 2)
            {
              uint8_t b0 = d[h], b1 = d[h + 1];
              if (m)
                {
                  b0 ^= d[h - 4];
                  b1 ^= d[h - 3];
                }
              code = b0 << 8 | b1;
            }
          if (code < 0 || ws_close_code_valid_on_wire (code))
            st->closes++;
        }
      st->masked = m;
      st->pos += (uint64_t) h + n;
      st->frames++;
    }
  return 0;
}

int
ws_frame_chain (const uint8_t *data, size_t len, unsigned *frames, int *masked)
{
  ws_frame_chain_state st;
  int r;

  ws_frame_chain_init (&st);
  r = ws_frame_chain_walk (&st, data, len, len);
  *frames = st.frames;
  *masked = st.masked;
  return r;
}
