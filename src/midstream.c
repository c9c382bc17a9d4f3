/* midstream.c - what a connection is when its start was not seen: its
 * first bytes are an upgrade request, a 101, TLS, or (held a while, bounded)
 * WebSocket frames in both directions, read as a real peer writes them
 * (ws_frame_chain_walk); the held bytes are then replayed into the frame
 * parsers, or let go.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "context.h"
#include "extract.h"
#include "handshake.h"
#include "http.h"
#include "midstream.h"
#include "record.h"
#include "wsframe.h"

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
  size_t *held_total;   /* the analyzer's count of bytes held by every probe
                         * (ws_ctx.probe_held), against PROBE_MAX_TOTAL */
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

void
ws_midstream_free (ws_conn *c)
{
  ws_probe *p = c->probe;

  if (!p)
    return;
  for (int s = 0; s < 2; s++)
    if (p->buf[s])
      {
        *p->held_total -= p->buf[s]->len;
        g_byte_array_unref (p->buf[s]);
      }
  g_array_unref (p->segs);
  g_free (p);
  c->probe = NULL;
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
         && (len < 5 || ws_be16 (d + 3) <= 16384 + 2048);
}

void
ws_midstream_start (ws_conn *c)
{
  c->kind = WS_KIND_WEBSOCKET;
  c->stage = WS_STAGE_FRAMES;
  c->midstream = true;
  /* Neither direction's frame boundary is known: both parsers look for a
   * plausible header at the start of each chunk. */
  c->frames[0].state = WS_FP_DESYNC;
  c->frames[1].state = WS_FP_DESYNC;
  bool unknown = c->handshake_status < 0;
  ws_frame_parser_set_midstream (&c->frames[0], true, unknown);
  ws_frame_parser_set_midstream (&c->frames[1], true, unknown);
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
  ws_midstream_start (c);
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
  ws_midstream_free (c);
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
  *p->held_total -= p->buf[s]->len;
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
  ws_midstream_free (c);
  ws_handshake_reject (c, WS_REJECT_MIDSTREAM);
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
      p->held_total = &c->ctx->probe_held;
      p->segs = g_array_new (FALSE, FALSE, sizeof (held_seg));
      p->cand[0] = p->cand[1] = NO_CAND;
      p->first[0] = p->first[1] = NO_CAND;
    }
  if (looks_like_tls (data, len, true))
    {
      ws_midstream_free (c);
      c->kind = WS_KIND_TLS;
      c->stage = WS_STAGE_IGNORED;
      return true;
    }
  if (!p->buf[s])
    p->buf[s] = g_byte_array_new ();
  /* more room while the bytes read as frames (a walk is under way) */
  size_t cap = p->cand[s] != NO_CAND ? PROBE_MAX_CHAIN_BYTES : PROBE_MAX_BYTES;
  bool over = p->buf[s]->len + len > cap || p->nseg[s] >= PROBE_MAX_SEGS
              || *p->held_total + len > PROBE_MAX_TOTAL;
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
              *p->held_total += len - cut;
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
  *p->held_total += len;
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
bool
ws_midstream_probe (ws_conn *c, ws_side *side, const uint8_t *data, size_t len, int64_t ts_us)
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
      ws_handshake_reject (c, WS_REJECT_NO_UPGRADE);
      return true;
    }
  return probe_hold (c, side, data, len, ts_us);
}

void
ws_midstream_gap (ws_conn *c, ws_side side, uint64_t n, int64_t ts_us)
{
  if (c->probe && c->probe->buf[side])
    {
      /* frames are looked for after the hole only */
      ws_probe *p = c->probe;
      held_seg h = { .side = (uint8_t) side, .kind = SEG_GAP, .off = p->buf[side]->len,
                     .len = n, .ts_us = ts_us };
      g_array_append_val (p->segs, h);
      p->floor[side] = p->buf[side]->len;
    }
}

void
ws_midstream_end (ws_conn *c)
{
  side_eval e[2];
  ws_side side = WS_SIDE_CLIENT;

  if (c->stage != WS_STAGE_PROBE || !c->probe)
    return;
  if (probe_decide (c, e, true) > 0)
    probe_accept (c, e, &side);
  else
    {
      ws_midstream_free (c);
      ws_handshake_reject (c, WS_REJECT_MIDSTREAM);
    }
}
