/* wsframe-defer.c - compressed messages not inflated as they come (see
 * wsframe.c for the parser): kept and inflated later, at the connection's
 * end, when its diagnosis can depend on them; or held and inflated whole
 * (libdeflate) at the message's end. */
#include "config.h"

#include <string.h>

#include "pmd.h"
#include "utf8.h"
#include "wsframe.h"
#include "wsframe-internal.h"

/* ---- inflating later ------------------------------------------------------
 *
 * By default (limits->inflate_lazy, with a peer) a compressed message that
 * nobody needs the bytes of as it comes (no head wanted, no chunk callback)
 * is not inflated but kept: its bytes, unmasked, and a log of events (its
 * start, each piece with its time and frame offset, its end, and the sizes
 * of the plain messages between), numbered across both directions.  When the
 * connection ends, the owner says whether its diagnosis can depend on the
 * payloads (ws_frame_lazy_settle): then the log is replayed through the same
 * inflating code in its order, which gives the same sizes, violations (with
 * their time, offset and message number) and limits as inflating at once;
 * otherwise it is dropped and the sizes stay wire sizes (wire_sizes).  A
 * wsf_violation (any) replays at once and ends keeping for the connection, so
 * violations are recorded in their order; so do a lost stretch (what follows
 * is then as it is eagerly) and a budget passed (LAZY_DIR_MAX per direction,
 * LAZY_TOTAL_MAX for all), so memory stays bounded. */


void
wsf_sizes_add (ws_frame_stats *ds, uint64_t size)
{
  ds->largest_before_last = ds->largest_message;
  if (size > ds->largest_message)
    ds->largest_message = size;
  ds->last_message = size;
}

bool
wsf_lazy_wanted (const ws_frame_parser *p)
{
  return wsf_lim (p)->inflate && wsf_lim (p)->inflate_lazy && p->env.peer && !p->lazy_off
         && !p->replaying && !p->inf_failed && !p->env.cb->message_chunk
         && p->env.head_max == 0;
}

static void
lazy_charge (ws_frame_parser *p)
{
  struct ws_lazy *z = p->lz;
  size_t now = z->cap_ev * sizeof (lz_ev) + z->cap;
  ws_pmd_stats *st = p->env.inflaters;
  st->lazy_bytes = st->lazy_bytes - z->charged + now;
  z->charged = now;
}

void
wsf_lazy_free (ws_frame_parser *p)
{
  struct ws_lazy *z = p->lz;
  if (!z)
    return;
  p->env.inflaters->lazy_bytes -= z->charged;
  g_free (z->ev);
  g_free (z->buf);
  g_free (z);
  p->lz = NULL;
}

void
wsf_lazy_push (ws_frame_parser *p, uint8_t kind, int64_t ts_us, uint64_t a, uint8_t opcode,
           uint32_t len)
{
  struct ws_lazy *z = p->lz;
  if (!z)
    z = p->lz = g_new0 (struct ws_lazy, 1);
  if (z->n_ev == 0)
    {
      const ws_frame_stats *ds = wsf_dir_of (p);
      z->base_largest = ds->largest_message;
      z->base_last = ds->last_message;
      z->base_before_last = ds->largest_before_last;
    }
  if (z->n_ev == z->cap_ev)
    {
      z->cap_ev = z->cap_ev ? z->cap_ev * 2 : 16;
      z->ev = g_renew (lz_ev, z->ev, z->cap_ev);
      lazy_charge (p);
    }
  if (kind == LZ_START)
    z->any = true;
  z->ev[z->n_ev++] = (lz_ev) { .seq = ++p->env.inflaters->lazy_seq, .ts_us = ts_us, .a = a,
                               .len = len, .kind = kind, .opcode = opcode };
}

/* Payload bytes of the kept message, masked with m. */
void
wsf_lazy_bytes (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m, int64_t ts_us)
{
  for (size_t off = 0; off < n;)
    {
      /* pieces of at most 1 GiB: an event's length is 32 bits */
      size_t k = MIN (n - off, (size_t) 1 << 30);
      wsf_lazy_push (p, LZ_BYTES, ts_us, p->frame_offset, 0, (uint32_t) k);
      struct ws_lazy *z = p->lz;
      if (z->cap - z->len < k)
        {
          size_t cap = z->cap ? z->cap : 4096;
          while (cap - z->len < k)
            cap *= 2;
          z->buf = g_realloc (z->buf, cap);
          z->cap = cap;
          lazy_charge (p);
        }
      if (m)
        ws_unmask (z->buf + z->len, d + off, k, ws_mask_rot (m, off));
      else
        memcpy (z->buf + z->len, d + off, k);
      z->len += k;
      off += k;
    }
}

/* The live message's state, kept aside while the log is replayed. */
typedef struct {
  uint8_t msg_opcode, measure;
  bool msg_compressed, msg_inflated, msg_lazy, utf8_bad;
  uint64_t msg_wire_size, msg_size, frame_offset;
  uint32_t utf8_state;
  int64_t inflate_ts;
} live_msg;

static void
live_save (const ws_frame_parser *p, live_msg *l)
{
  *l = (live_msg) { .msg_opcode = p->msg_opcode, .measure = p->measure,
                    .msg_compressed = p->msg_compressed, .msg_inflated = p->msg_inflated,
                    .msg_lazy = p->msg_lazy, .utf8_bad = p->utf8_bad,
                    .msg_wire_size = p->msg_wire_size, .msg_size = p->msg_size,
                    .frame_offset = p->frame_offset, .utf8_state = p->utf8_state,
                    .inflate_ts = p->inflate_ts };
}

static void
live_restore (ws_frame_parser *p, const live_msg *l)
{
  p->msg_opcode = l->msg_opcode;
  p->measure = l->measure;
  p->msg_compressed = l->msg_compressed;
  p->msg_inflated = l->msg_inflated;
  p->msg_lazy = l->msg_lazy;
  p->utf8_bad = l->utf8_bad;
  p->msg_wire_size = l->msg_wire_size;
  p->msg_size = l->msg_size;
  p->frame_offset = l->frame_offset;
  p->utf8_state = l->utf8_state;
  p->inflate_ts = l->inflate_ts;
}

/* One event of the log, as message_begin, message_payload and message_end
 * do it for a message that is inflated as it comes. */
static void
replay_event (ws_frame_parser *p, const lz_ev *e, size_t *pos)
{
  ws_frame_stats *ds = wsf_dir_of (p);
  switch (e->kind)
    {
    case LZ_START:
      {
        p->lz->msg_no = e->a;
        p->msg_opcode = e->opcode;
        p->msg_wire_size = 0;
        p->msg_size = 0;
        p->utf8_state = WS_UTF8_ACCEPT;
        p->msg_compressed = true;
        bool inflated = wsf_inflate_begin (p);
        if (!inflated && p->inf)
          p->measure = MEASURE_WIRE;
        p->utf8_bad = !wsf_lim (p)->check_utf8 || p->msg_opcode != WS_OP_TEXT || !inflated;
        p->msg_inflated = inflated;
        break;
      }
    case LZ_BYTES:
      {
        const uint8_t *d = p->lz->buf + *pos;
        size_t n = e->len;
        *pos += n;
        uint64_t wire_before = p->msg_wire_size;
        p->msg_wire_size += n;
        p->frame_offset = e->a;
        for (size_t off = 0; off < n && (wsf_inflating (p) || !p->utf8_bad);)
          {
            size_t k = MIN (n - off, (size_t) UNMASK_BUF);
            if (wsf_inflating (p))
              wsf_inflate_bytes (p, d + off, k, e->ts_us);
            else
              wsf_check_text (p, d + off, k, 0, wire_before + off, e->ts_us);
            off += k;
          }
        if (!wsf_measuring_inflated (p))
          p->msg_size = p->msg_wire_size;
        break;
      }
    case LZ_END:
      p->frame_offset = e->a;
      if (wsf_inflating (p))
        {
          static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
          wsf_inflate_bytes (p, tail, sizeof tail, e->ts_us);
        }
      if (!wsf_measuring_inflated (p))
        {
          p->msg_size = p->msg_wire_size;
          ds->wire_sizes = true;
        }
      if (!p->utf8_bad && p->utf8_state != WS_UTF8_ACCEPT)
        wsf_violation (p, WS_VIOL_TEXT_NOT_UTF8, e->ts_us, p->frame_offset,
                   "message %" G_GUINT64_FORMAT ", byte %" G_GUINT64_FORMAT
                   " (ends inside a character)", p->lz->msg_no, p->msg_size);
      wsf_sizes_add (ds, p->msg_size);
      p->msg_compressed = false;
      break;
    case LZ_PLAIN:
      wsf_sizes_add (ds, e->a);
      break;
    }
}

static bool
lazy_pending (const ws_frame_parser *p)
{
  return p && p->lz && p->lz->n_ev > 0;
}

/* The kept message that starts at event i (LZ_START, its bytes at *pos)
 * inflated whole (pmd.h, ws_pmd_whole) when it can be: complete, from a
 * sender without context takeover, a 32 KiB window.  Only an answer with
 * nothing to report is taken (valid stream, within the cap, text valid
 * UTF-8): then the message's events are done here and their number is
 * returned.  Otherwise the START is done as replay_event does it (1) and
 * the rest is replayed event by event in the order of both directions, so
 * that what is reported comes with the time and order it has eagerly. */
static size_t
replay_whole (ws_frame_parser *p, size_t i, size_t *pos)
{
  const struct ws_lazy *z = p->lz;
  replay_event (p, &z->ev[i], pos);
  if (!wsf_inflating (p) || ws_inflater_window_bits (p->inf) != 15)
    return 1;
  size_t j = i + 1, n = 0;
  while (j < z->n_ev && z->ev[j].kind == LZ_BYTES)
    n += z->ev[j++].len;
  if (j == z->n_ev || z->ev[j].kind != LZ_END)
    return 1; /* still being read */
  const uint8_t *out;
  size_t out_len;
  if (!ws_inflater_whole (p->inf, ws_pmd_whole_of (p->env.inflaters), !wsf_no_takeover (p),
                          z->buf + *pos, n, wsf_lim (p)->max_inflate_bytes, &out, &out_len))
    return 1;
  if (!p->utf8_bad)
    {
      size_t bad;
      if (ws_utf8_check_masked (WS_UTF8_ACCEPT, out, out_len, 0, &bad) != WS_UTF8_ACCEPT)
        return 1;
    }
  ws_inflater_whole_done (p->inf, ws_pmd_whole_of (p->env.inflaters), !wsf_no_takeover (p));
  if (wsf_wants_bytes (p))
    wsf_deliver (p, out, out_len);
  *pos += n;
  p->msg_wire_size = n;
  p->msg_size = out_len;
  p->frame_offset = z->ev[j].a;
  wsf_sizes_add (wsf_dir_of (p), out_len);
  p->msg_compressed = false;
  p->env.inflaters->whole_messages++;
  return j - i + 1;
}

/* Replay what p and its peer kept, merged by sequence number. */
void
wsf_lazy_flush_pair (ws_frame_parser *p, bool off)
{
  ws_frame_parser *q = p->env.peer;
  if (p->replaying || (q && q->replaying))
    return;
  wsf_held_release (p);
  if (off)
    {
      p->lazy_off = true;
      if (q)
        q->lazy_off = true;
    }
  if (!lazy_pending (p) && !lazy_pending (q))
    return;
  ws_frame_parser *side[2] = { p, q };
  live_msg live[2];
  size_t next[2] = { 0, 0 }, pos[2] = { 0, 0 };
  bool open[2] = { false, false };
  for (int i = 0; i < 2; i++)
    if (lazy_pending (side[i]))
      {
        ws_frame_parser *x = side[i];
        ws_frame_stats *ds = wsf_dir_of (x);
        x->replaying = true;
        live_save (x, &live[i]);
        ds->largest_message = x->lz->base_largest;
        ds->last_message = x->lz->base_last;
        ds->largest_before_last = x->lz->base_before_last;
      }
    else
      side[i] = NULL;
  for (;;)
    {
      int pick = -1;
      for (int i = 0; i < 2; i++)
        if (side[i] && next[i] < side[i]->lz->n_ev
            && (pick < 0 || side[i]->lz->ev[next[i]].seq < side[pick]->lz->ev[next[pick]].seq))
          pick = i;
      if (pick < 0)
        break;
      const lz_ev *e = &side[pick]->lz->ev[next[pick]];
      if (e->kind == LZ_START)
        {
          size_t k = replay_whole (side[pick], next[pick], &pos[pick]);
          next[pick] += k;
          open[pick] = k == 1;
          continue;
        }
      next[pick]++;
      if (e->kind == LZ_END)
        open[pick] = false;
      replay_event (side[pick], e, &pos[pick]);
    }
  for (int i = 0; i < 2; i++)
    {
      ws_frame_parser *x = side[i];
      if (!x)
        continue;
      if (open[i] && live[i].msg_lazy)
        {
          /* the message being read was kept: it goes on inflating */
          x->msg_lazy = false;
          x->frame_offset = live[i].frame_offset;
          wsf_dir_of (x)->open_message = x->msg_size;
        }
      else
        live_restore (x, &live[i]);
      x->lz->n_ev = 0;
      x->lz->len = 0;
      x->replaying = false;
    }
  for (int i = 0; i < 2; i++)
    if (side[i])
      wsf_lazy_free (side[i]);
}

void
wsf_lazy_check_budget (ws_frame_parser *p)
{
  if (p->lz && (p->lz->charged > LAZY_DIR_MAX || p->env.inflaters->lazy_bytes > LAZY_TOTAL_MAX))
    wsf_lazy_flush_pair (p, true);
}

void
ws_frame_lazy_flush (ws_frame_parser *p)
{
  wsf_lazy_flush_pair (p, true);
}

void
ws_frame_lazy_settle (ws_frame_parser *p, bool exact)
{
  if (exact)
    {
      wsf_lazy_flush_pair (p, true);
      return;
    }
  ws_frame_parser *side[2] = { p, p->env.peer };
  wsf_held_release (p);
  for (int i = 0; i < 2; i++)
    if (side[i] && side[i]->lz)
      {
        if (side[i]->lz->any)
          wsf_dir_of (side[i])->wire_sizes = true;
        wsf_lazy_free (side[i]);
        side[i]->lazy_off = true;
      }
}

/* Payload bytes d[0..n) of the message being inflated as it comes, masked
 * with m (0: not masked), wire_before bytes into the message. */
void
wsf_inflate_piece (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m,
               uint64_t wire_before, int64_t ts_us)
{
  uint8_t buf[UNMASK_BUF];
  size_t off = 0;
  while (off < n && (wsf_inflating (p) || !p->utf8_bad))
    {
      size_t k = n - off < sizeof buf ? n - off : sizeof buf;
      const uint8_t *src = d + off;
      if (m)
        {
          ws_unmask (buf, src, k, ws_mask_rot (m, off));
          src = buf;
        }
      if (wsf_inflating (p))
        wsf_inflate_bytes (p, src, k, ts_us);
      else
        wsf_check_text (p, src, k, 0, wire_before + off, ts_us);
      off += k;
    }
}

/* ---- held messages: inflated whole at their end ----------------------------
 *
 * A compressed message that is inflated as it comes (its head is wanted,
 * --inflate, or inflating later is off for the connection), from a sender
 * without context takeover and with a 32 KiB window, is held: its bytes,
 * unmasked, and its pieces (length, time, frame offset) until it ends.  Then
 * it is inflated whole (pmd.h, ws_pmd_whole: libdeflate), and when that
 * answer has nothing to report (valid stream, within the cap, text valid
 * UTF-8) it is the answer.  Otherwise, and whenever something must be
 * reported before the message ends (a violation of either side, a lost
 * stretch, the connection's end: where ws_frame_lazy_flush runs), or the
 * message passes HOLD_MAX, the pieces are inflated with zlib in their order
 * with their time and offset, as they would have been as they came, and the
 * rest of the message is inflated as it comes.  A held message and
 * messages kept for later (above) are never open on the two sides at once,
 * so what either reports keeps its order. */


/* Should the message just begun (inflating) be held? */
bool
wsf_hold_wanted (ws_frame_parser *p)
{
  return !p->replaying && !p->env.cb->message_chunk
         && ws_inflater_window_bits (p->inf) == 15
         && !lazy_pending (p->env.peer) && ws_pmd_whole_of (p->env.inflaters);
}

static void
held_reset (ws_frame_parser *p)
{
  struct ws_held *h = p->held;
  p->msg_held = false;
  if (!h)
    return;
  h->len = 0;
  h->n_pc = 0;
  if (h->cap > HOLD_KEEP)
    {
      g_free (h->buf);
      h->buf = NULL;
      h->cap = 0;
    }
}

void
wsf_held_free (ws_frame_parser *p)
{
  if (!p->held)
    return;
  g_free (p->held->buf);
  g_free (p->held->pc);
  g_free (p->held);
  p->held = NULL;
  p->msg_held = false;
}

/* Inflate what p and its peer hold with zlib, piece by piece in the order
 * they came (a violation of one side keeps its place among the other's), as
 * they would have been as they came; the rest of those messages is
 * inflated as it comes. */
void
wsf_held_release (ws_frame_parser *p)
{
  if (!p)
    return;
  ws_frame_parser *side[2] = { p, p->env.peer };
  bool on[2] = { false, false };
  uint64_t frame_offset[2] = { 0, 0 }, wire[2] = { 0, 0 };
  size_t next[2] = { 0, 0 }, pos[2] = { 0, 0 };
  for (int i = 0; i < 2; i++)
    if (side[i] && side[i]->msg_held)
      {
        on[i] = true;
        side[i]->msg_held = false; /* a flush from a violation below finds nothing held */
        frame_offset[i] = side[i]->frame_offset;
      }
  for (;;)
    {
      int k = -1;
      for (int i = 0; i < 2; i++)
        if (on[i] && next[i] < side[i]->held->n_pc
            && (k < 0 || side[i]->held->pc[next[i]].seq < side[k]->held->pc[next[k]].seq))
          k = i;
      if (k < 0)
        break;
      ws_frame_parser *x = side[k];
      const held_piece *pc = &x->held->pc[next[k]++];
      x->frame_offset = pc->frame_offset;
      if (wsf_inflating (x) || !x->utf8_bad)
        wsf_inflate_piece (x, x->held->buf + pos[k], pc->len, 0, wire[k], pc->ts_us);
      pos[k] += pc->len;
      wire[k] += pc->len;
    }
  for (int i = 0; i < 2; i++)
    if (on[i])
      {
        ws_frame_parser *x = side[i];
        x->frame_offset = frame_offset[i];
        held_reset (x);
        if (!wsf_measuring_inflated (x))
          x->msg_size = x->msg_wire_size;
        wsf_dir_of (x)->open_message = x->msg_size;
      }
}

void
wsf_held_bytes (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m, int64_t ts_us)
{
  struct ws_held *h = p->held;
  if (h->len + n > HOLD_MAX || n > UINT32_MAX)
    {
      wsf_held_release (p);
      wsf_inflate_piece (p, d, n, m, p->msg_wire_size - n, ts_us);
      return;
    }
  if (h->cap - h->len < n)
    {
      size_t cap = h->cap ? h->cap : 4096;
      while (cap - h->len < n)
        cap *= 2;
      h->buf = g_realloc (h->buf, cap);
      h->cap = cap;
    }
  if (m)
    ws_unmask (h->buf + h->len, d, n, m);
  else
    memcpy (h->buf + h->len, d, n);
  h->len += n;
  if (h->n_pc == h->cap_pc)
    {
      h->cap_pc = h->cap_pc ? h->cap_pc * 2 : 8;
      h->pc = g_renew (held_piece, h->pc, h->cap_pc);
    }
  h->pc[h->n_pc++] = (held_piece) { .len = (uint32_t) n, .ts_us = ts_us,
                                    .frame_offset = p->frame_offset,
                                    .seq = ++p->env.inflaters->lazy_seq };
}

/* The held message ended: true if inflating it whole answered (its size
 * and head are set, the tail is not to be fed); false after inflating it
 * with zlib as it came (the tail is still to be fed). */
bool
wsf_held_end (ws_frame_parser *p)
{
  struct ws_held *h = p->held;
  const uint8_t *out;
  size_t out_len;
  uint64_t room = wsf_lim (p)->max_inflate_bytes;
  if (!ws_inflater_whole (p->inf, ws_pmd_whole_of (p->env.inflaters), !wsf_no_takeover (p),
                          h->buf, h->len, room, &out, &out_len)
      || (!p->utf8_bad
          && ws_utf8_check_masked (WS_UTF8_ACCEPT, out, out_len, 0, &(size_t) { 0 })
             != WS_UTF8_ACCEPT))
    {
      wsf_held_release (p);
      wsf_dir_of (p)->open_message = 0; /* message_end's, not an open one */
      return false;
    }
  ws_inflater_whole_done (p->inf, ws_pmd_whole_of (p->env.inflaters), !wsf_no_takeover (p));
  p->msg_size = out_len;
  if (wsf_wants_bytes (p))
    wsf_deliver (p, out, out_len);
  held_reset (p);
  p->env.inflaters->whole_messages++;
  return true;
}

