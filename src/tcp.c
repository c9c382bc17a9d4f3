/* tcp.c - TCP connection table and stream reassembly (RFC 9293).
 *
 * Sequence numbers are 32-bit and wrap; each direction keeps a 64-bit stream
 * offset instead, found from the sequence number relative to the next
 * expected byte with signed 32-bit arithmetic (libnids' before()/after()).
 *
 *   offset 0 = first byte after the SYN (or the first byte seen when the
 *   capture began mid-connection)
 *
 *   [ delivered .......... next ) [ hole ) [ queued seg ) [ hole ) [ seg )
 *
 * The table is a GHashTable keyed by the normalised 4-tuple (lookups do not
 * allocate), plus two intrusive lists: all flows by last activity (idle
 * expiry and eviction take from its head) and flows in their closing linger.
 */
#include "config.h"

#include <string.h>

#include "tcp.h"

typedef struct seg {
  struct seg *next;
  uint64_t off;
  uint32_t caplen;   /* bytes kept */
  uint32_t wirelen;  /* bytes the segment carried (more if snaplen cut it) */
  int64_t ts_us;
  uint8_t data[];
} seg;

typedef struct {
  bool init;
  bool fin;
  uint32_t base;       /* sequence number of stream offset 0 */
  uint64_t next;       /* next stream offset to hand on */
  uint64_t fin_off;
  seg *ooo;            /* sorted by off */
  seg *ooo_tail;       /* last of them: segments mostly arrive in order */
  size_t ooo_bytes;    /* memory held, segment overhead included */
  uint32_t ooo_count;
} tdir;

/* Queued segments per direction at most, whatever their size: tiny or empty
 * segments must not make the queue long (each insert walks it). */
#define MAX_OOO_SEGS 1024

static inline size_t
seg_cost (const seg *s)
{
  return sizeof (seg) + s->caplen;
}

typedef struct {
  uint8_t family;
  uint8_t pad[3];      /* zero: 40 bytes, hashed and compared as five words */
  uint16_t port[2];
  uint8_t addr[2][16];
} fkey;
G_STATIC_ASSERT (sizeof (fkey) % 8 == 0);

typedef struct flow flow;
struct flow {
  fkey key;
  uint32_t hash;       /* of key */
  ws_addr addr[2];     /* by direction: 0 = sender of the first packet */
  uint16_t port[2];
  tdir d[2];
  ws_conn *conn;
  int64_t last_us;
  int64_t closing_since;
  flow *lru_prev, *lru_next;
  flow *cl_prev, *cl_next;
  bool closing;
};

typedef struct {
  flow *head, *tail;
} flist;

/* Flows by key: open addressing with linear probing, at most half full, each
 * slot with the key's hash so that only a likely match is compared.  (A
 * lookup per packet: GHashTable's calls through pointers cost twice as
 * much.) */
typedef struct {
  uint32_t hash;
  flow *f;             /* NULL: empty */
} fslot;

typedef struct {
  fslot *slots;
  size_t mask;         /* slots - 1, slots a power of two */
  size_t count;
} ftable;

struct ws_tcp {
  ws_tcp_opts opts;
  ws_tcp_end_fn end;
  ws_tcp_end_fn start;
  void *user;
  ftable table;
  flist lru;      /* linked through lru_prev/lru_next */
  flist closing;  /* linked through cl_prev/cl_next */
  flow *last;     /* flow of the previous packet: segments come in runs */
  uint64_t next_id;
};

static size_t total_ooo_bytes;

size_t
ws_tcp_ooo_bytes (void)
{
  return total_ooo_bytes;
}

/* ---- intrusive lists ----------------------------------------------------- */

#define LIST_FUNCS(name, prev, next)                                     \
  static void name##_remove (flist *l, flow *f)                          \
  {                                                                      \
    if (f->prev) f->prev->next = f->next; else l->head = f->next;        \
    if (f->next) f->next->prev = f->prev; else l->tail = f->prev;        \
    f->prev = f->next = NULL;                                            \
  }                                                                      \
  static void name##_append (flist *l, flow *f)                          \
  {                                                                      \
    f->next = NULL;                                                      \
    f->prev = l->tail;                                                   \
    if (l->tail) l->tail->next = f; else l->head = f;                    \
    l->tail = f;                                                         \
  }

LIST_FUNCS (lru, lru_prev, lru_next)
LIST_FUNCS (cl, cl_prev, cl_next)

/* ---- keys --------------------------------------------------------------- */

/* Orders endpoints as memcmp of the addresses, then the port, would: the
 * addresses are compared as two big-endian words, without a call per
 * packet. */
static inline int
endpoint_cmp (const ws_addr *a, uint16_t pa, const ws_addr *b, uint16_t pb)
{
  for (int i = 0; i < 16; i += 8)
    {
      uint64_t x, y;
      memcpy (&x, a->addr + i, 8);
      memcpy (&y, b->addr + i, 8);
      x = GUINT64_FROM_BE (x);
      y = GUINT64_FROM_BE (y);
      if (x != y)
        return x < y ? -1 : 1;
    }
  return (int) pa - (int) pb;
}

static void
make_key (fkey *k, const ws_packet *p)
{
  memset (k, 0, sizeof *k);
  k->family = p->src.family;
  if (endpoint_cmp (&p->src, p->sport, &p->dst, p->dport) <= 0)
    {
      memcpy (k->addr[0], p->src.addr, 16);
      memcpy (k->addr[1], p->dst.addr, 16);
      k->port[0] = p->sport;
      k->port[1] = p->dport;
    }
  else
    {
      memcpy (k->addr[0], p->dst.addr, 16);
      memcpy (k->addr[1], p->src.addr, 16);
      k->port[0] = p->dport;
      k->port[1] = p->sport;
    }
}

/* Each word times its own odd constant, summed, the high half folded into
 * the low: the products are independent, so this costs about a multiply. */
static inline uint32_t
key_hash (const fkey *k)
{
  static const uint64_t mult[5] = {
    0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
    0xd6e8feb86659fd93ull, 0xff51afd7ed558ccdull,
  };
  const uint8_t *b = (const uint8_t *) k;
  uint64_t h = 0;
  G_STATIC_ASSERT (sizeof *k == 8 * G_N_ELEMENTS (mult));
  for (size_t i = 0; i < G_N_ELEMENTS (mult); i++)
    {
      uint64_t w;
      memcpy (&w, b + 8 * i, 8);
      h += w * mult[i];
    }
  h ^= h >> 32;
  return (uint32_t) (h ^ (h >> 16));
}

static void
ft_init (ftable *ft, size_t slots)
{
  ft->slots = g_new0 (fslot, slots);
  ft->mask = slots - 1;
  ft->count = 0;
}

static inline flow *
ft_lookup (const ftable *ft, const fkey *k, uint32_t h)
{
  for (size_t i = h & ft->mask;; i = (i + 1) & ft->mask)
    {
      const fslot *sl = &ft->slots[i];
      if (!sl->f)
        return NULL;
      if (sl->hash == h && memcmp (&sl->f->key, k, sizeof *k) == 0)
        return sl->f;
    }
}

static void
ft_put (ftable *ft, flow *f)
{
  size_t i = f->hash & ft->mask;
  while (ft->slots[i].f)
    i = (i + 1) & ft->mask;
  ft->slots[i].hash = f->hash;
  ft->slots[i].f = f;
  ft->count++;
}

static void
ft_insert (ftable *ft, flow *f)
{
  if ((ft->count + 1) * 2 > ft->mask + 1)
    {
      ftable bigger;
      ft_init (&bigger, (ft->mask + 1) * 2);
      for (size_t i = 0; i <= ft->mask; i++)
        if (ft->slots[i].f)
          ft_put (&bigger, ft->slots[i].f);
      g_free (ft->slots);
      *ft = bigger;
    }
  ft_put (ft, f);
}

static void
ft_remove (ftable *ft, const flow *f)
{
  size_t i = f->hash & ft->mask;
  while (ft->slots[i].f != f)
    {
      if (!ft->slots[i].f)
        return; /* not in the table */
      i = (i + 1) & ft->mask;
    }
  /* close the gap: pull back each later slot of the run that may live here
   * (its home slot is not cyclically within (i, j]) */
  for (size_t j = (i + 1) & ft->mask; ft->slots[j].f; j = (j + 1) & ft->mask)
    {
      size_t home = ft->slots[j].hash & ft->mask;
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays)
        continue;
      ft->slots[i] = ft->slots[j];
      i = j;
    }
  ft->slots[i].f = NULL;
  ft->count--;
}

/* ---- table ---------------------------------------------------------------- */

ws_tcp *
ws_tcp_new (const ws_tcp_opts *opts, ws_tcp_end_fn end, void *user)
{
  ws_tcp *t = g_new0 (ws_tcp, 1);
  t->opts = *opts;
  if (t->opts.linger_us <= 0)
    t->opts.linger_us = 2 * G_USEC_PER_SEC;
  t->end = end;
  t->user = user;
  ft_init (&t->table, 1024);
  return t;
}

void
ws_tcp_set_start_cb (ws_tcp *t, ws_tcp_end_fn start)
{
  t->start = start;
}

size_t
ws_tcp_count (const ws_tcp *t)
{
  return t->table.count;
}

static inline ws_side
side_of (const flow *f, int d)
{
  const ws_conn *c = f->conn;
  if (c->port[WS_SIDE_CLIENT] == f->port[d]
      && memcmp (c->addr[WS_SIDE_CLIENT].addr, f->addr[d].addr, 16) == 0)
    return WS_SIDE_CLIENT;
  return WS_SIDE_SERVER;
}

static void
free_segs (tdir *td)
{
  seg *s = td->ooo;
  while (s)
    {
      seg *n = s->next;
      total_ooo_bytes -= seg_cost (s);
      g_free (s);
      s = n;
    }
  td->ooo = NULL;
  td->ooo_tail = NULL;
  td->ooo_bytes = 0;
  td->ooo_count = 0;
}

/* Hand captured bytes of direction d on to the connection, starting at
 * stream offset off (which may be before next: the overlap is trimmed). */
static void
deliver (flow *f, int d, uint64_t off, const uint8_t *data, uint32_t caplen,
         uint32_t wirelen, int64_t ts_us)
{
  tdir *td = &f->d[d];
  uint64_t end = off + wirelen;
  if (end <= td->next)
    return;
  if (off < td->next)
    {
      uint64_t skip = td->next - off;
      if (skip >= caplen)
        {
          data = NULL;
          caplen = 0;
        }
      else
        {
          data += skip;
          caplen -= (uint32_t) skip;
        }
      wirelen -= (uint32_t) skip;
      off = td->next;
    }
  ws_side side = side_of (f, d);
  f->conn->dir[side].tcp_bytes += wirelen;
  td->next = end;
  if (caplen)
    {
      ws_conn_data (f->conn, side, data, caplen, ts_us);
      side = side_of (f, d); /* the connection may have swapped its sides */
    }
  if (wirelen > caplen)
    ws_conn_gap (f->conn, side, wirelen - caplen, ts_us);
}

/* Deliver queued segments that have become contiguous. */
static void
drain (flow *f, int d)
{
  tdir *td = &f->d[d];
  while (td->ooo && td->ooo->off <= td->next)
    {
      seg *s = td->ooo;
      td->ooo = s->next;
      if (!td->ooo)
        td->ooo_tail = NULL;
      td->ooo_bytes -= seg_cost (s);
      td->ooo_count--;
      total_ooo_bytes -= seg_cost (s);
      deliver (f, d, s->off, s->data, s->caplen, s->wirelen, s->ts_us);
      g_free (s);
    }
}

/* Declare the bytes up to `upto` lost, then deliver what follows. */
static void
skip_hole (flow *f, int d, uint64_t upto, int64_t ts_us)
{
  tdir *td = &f->d[d];
  if (upto <= td->next)
    return;
  uint64_t lost = upto - td->next;
  td->next = upto;
  ws_conn_gap (f->conn, side_of (f, d), lost, ts_us);
  drain (f, d);
}

/* Give up on every hole in direction d (end of connection). */
static void
flush_dir (flow *f, int d)
{
  tdir *td = &f->d[d];
  while (td->ooo)
    skip_hole (f, d, td->ooo->off, td->ooo->ts_us);
}

/* Where a segment starting at off goes in the sorted queue. */
static seg **
queue_pos (tdir *td, uint64_t off)
{
  if (td->ooo_tail && td->ooo_tail->off < off)
    return &td->ooo_tail->next;
  seg **pp = &td->ooo;
  while (*pp && (*pp)->off < off)
    pp = &(*pp)->next;
  return pp;
}

static inline bool
queue_full (const tdir *td, size_t cost)
{
  return td->ooo_count >= MAX_OOO_SEGS
         || td->ooo_bytes + cost > ws_limits_cfg.max_ooo_bytes_per_conn
         || total_ooo_bytes + cost > ws_limits_cfg.max_ooo_bytes_total;
}

static void
queue_seg (flow *f, int d, uint64_t off, const uint8_t *data, uint32_t caplen,
           uint32_t wirelen, int64_t ts_us)
{
  tdir *td = &f->d[d];
  size_t cost = sizeof (seg) + caplen;
  seg **pp = queue_pos (td, off);
  /* an exact or covering copy already waiting: drop the newcomer */
  if (*pp && (*pp)->off == off && (*pp)->wirelen >= wirelen)
    return;
  if (queue_full (td, cost))
    {
      /* Over the limit: the oldest hole is taken as lost, and then as many
       * as needed until this segment fits or is in order. */
      f->conn->limits |= WS_LIMIT_REASSEMBLY;
      ws_stats.reassembly_limit_hits++;
      while (td->ooo && td->ooo->off < off && queue_full (td, cost))
        skip_hole (f, d, td->ooo->off, ts_us);
      if (off + wirelen <= td->next)
        return;
      if (off <= td->next || queue_full (td, cost))
        {
          skip_hole (f, d, off, ts_us);
          deliver (f, d, off, data, caplen, wirelen, ts_us);
          drain (f, d);
          return;
        }
      pp = queue_pos (td, off);
    }
  seg *s = g_malloc (cost);
  s->off = off;
  s->caplen = caplen;
  s->wirelen = wirelen;
  s->ts_us = ts_us;
  memcpy (s->data, data, caplen);
  s->next = *pp;
  *pp = s;
  if (!s->next)
    td->ooo_tail = s;
  td->ooo_bytes += cost;
  td->ooo_count++;
  total_ooo_bytes += cost;
}

static void
end_flow (ws_tcp *t, flow *f)
{
  for (int d = 0; d < 2; d++)
    flush_dir (f, d);
  ft_remove (&t->table, f);
  lru_remove (&t->lru, f);
  if (f->closing)
    cl_remove (&t->closing, f);
  for (int d = 0; d < 2; d++)
    free_segs (&f->d[d]);
  ws_conn *c = f->conn;
  c->end_us = f->last_us;
  if (t->last == f)
    t->last = NULL;
  g_free (f);
  t->end (c, t->user);
}

static flow *
new_flow (ws_tcp *t, const fkey *k, uint32_t hash, const ws_packet *p)
{
  if (ws_limits_cfg.max_conns && t->table.count >= ws_limits_cfg.max_conns)
    {
      if (t->closing.head)
        end_flow (t, t->closing.head); /* closed both ways: only its linger is cut */
      else if (t->lru.head)
        {
          flow *old = t->lru.head;
          old->conn->limits |= WS_LIMIT_EVICTED;
          ws_stats.evicted++;
          end_flow (t, old);
        }
    }
  flow *f = g_new0 (flow, 1);
  f->key = *k;
  f->hash = hash;
  f->addr[0] = p->src;
  f->port[0] = p->sport;
  f->addr[1] = p->dst;
  f->port[1] = p->dport;
  ws_conn *c = ws_conn_new ();
  c->id = ++t->next_id;
  c->start_us = p->ts_us;
  /* The client is the SYN's sender; a SYN-ACK names the client as its
   * destination; otherwise guess the sender and let the payload decide. */
  bool to_client = (p->flags & (WS_TCP_SYN | WS_TCP_ACK)) == (WS_TCP_SYN | WS_TCP_ACK);
  int cd = to_client ? 1 : 0;
  c->addr[WS_SIDE_CLIENT] = f->addr[cd];
  c->port[WS_SIDE_CLIENT] = f->port[cd];
  c->addr[WS_SIDE_SERVER] = f->addr[1 - cd];
  c->port[WS_SIDE_SERVER] = f->port[1 - cd];
  if (p->flags & WS_TCP_SYN)
    {
      c->syn_seen = true;
      c->sides_known = true;
    }
  f->conn = c;
  ft_insert (&t->table, f);
  lru_append (&t->lru, f);
  return f;
}

/* Stream offset of sequence number seq in direction td, near td->next. */
static inline uint64_t
rel_off (const tdir *td, uint32_t seq)
{
  uint32_t rel = seq - td->base;
  int32_t delta = (int32_t) (rel - (uint32_t) td->next);
  if (delta < 0 && (uint64_t) (-(int64_t) delta) > td->next)
    return 0; /* before the start of the stream */
  return td->next + (int64_t) delta;
}

static void
note_ack (ws_tcp *t, flow *f, int d, uint32_t ack, int64_t ts_us)
{
  /* the ACK of a packet sent in direction 1-d talks about direction d */
  tdir *td = &f->d[d];
  if (!td->init)
    {
      /* nothing seen from d yet: its stream starts where the peer's ACK says */
      td->init = true;
      td->base = ack;
      td->next = 0;
      return;
    }
  uint32_t rel = ack - td->base;
  int32_t delta = (int32_t) (rel - (uint32_t) td->next);
  if (delta <= 0)
    return;
  uint64_t acked = td->next + (uint64_t) delta;
  if (td->fin && acked > td->fin_off)
    acked = td->fin_off;
  /* The receiver has bytes we never saw: the capture lost them.  Large jumps
   * are more likely garbage than loss. */
  if (acked <= td->next || delta >= (1 << 30))
    return;
  /* give up the holes before each queued segment the ACK covers, then the
   * one after the last of them */
  while (td->ooo && td->ooo->off < acked)
    {
      skip_hole (f, d, td->ooo->off, ts_us);
      drain (f, d);
    }
  skip_hole (f, d, acked, ts_us);
}

void
ws_tcp_packet (ws_tcp *t, const ws_packet *p)
{
  fkey k;
  make_key (&k, p);
  uint32_t hash = key_hash (&k);
  flow *f = t->last && t->last->hash == hash && memcmp (&t->last->key, &k, sizeof k) == 0
            ? t->last : ft_lookup (&t->table, &k, hash);
  bool syn = (p->flags & WS_TCP_SYN) != 0;
  bool has_data = p->payload_wire_len > 0;

  if (f && syn && !(p->flags & WS_TCP_ACK))
    {
      /* A new SYN on a known 4-tuple: port reuse after a close, or a SYN
       * retransmission. */
      int d = (f->port[0] == p->sport && memcmp (f->addr[0].addr, p->src.addr, 16) == 0) ? 0 : 1;
      tdir *td = &f->d[d];
      bool retrans = td->init && f->conn->syn_seen && (uint32_t) (p->seq + 1) == td->base
                     && !f->closing && f->conn->tcp_end == WS_TCP_END_OPEN;
      if (!retrans)
        {
          end_flow (t, f);
          f = NULL;
        }
    }
  if (!f)
    {
      if ((p->flags & WS_TCP_RST) && !has_data)
        return; /* a reset for something we never saw: nothing to learn */
      f = new_flow (t, &k, hash, p);
    }
  t->last = f;
  f->last_us = p->ts_us;
  if (t->lru.tail != f)
    {
      lru_remove (&t->lru, f);
      lru_append (&t->lru, f);
    }

  int d = (f->port[0] == p->sport && memcmp (f->addr[0].addr, p->src.addr, 16) == 0) ? 0 : 1;
  tdir *td = &f->d[d];
  ws_conn *c = f->conn;
  ws_kind kind_before = c->kind;

  if (syn)
    {
      if (!td->init || f->d[d].next == 0)
        {
          td->init = true;
          td->base = p->seq + 1;
          td->next = 0;
        }
      if (!(p->flags & WS_TCP_ACK) && !c->syn_seen)
        {
          c->syn_seen = true;
          c->sides_known = true;
        }
    }
  else if (!td->init)
    {
      td->init = true;
      td->base = p->seq;
      td->next = 0;
    }

  if (p->flags & WS_TCP_ACK)
    note_ack (t, f, 1 - d, p->ack, p->ts_us);

  if (has_data)
    {
      uint32_t seq = syn ? p->seq + 1 : p->seq;
      uint64_t off = rel_off (td, seq);
      if (off + p->payload_wire_len > td->next)
        {
          if (off <= td->next)
            {
              deliver (f, d, off, p->payload, p->payload_len, p->payload_wire_len, p->ts_us);
              drain (f, d);
            }
          else
            queue_seg (f, d, off, p->payload, p->payload_len, p->payload_wire_len, p->ts_us);
        }
      /* the connection may have decided it is not worth following */
      if (c->stage == WS_STAGE_IGNORED && td->ooo)
        free_segs (td);
    }
  if (kind_before != WS_KIND_WEBSOCKET && c->kind == WS_KIND_WEBSOCKET && t->start)
    t->start (c, t->user);

  ws_side side = side_of (f, d);
  if (p->flags & WS_TCP_FIN)
    {
      if (!td->fin)
        {
          td->fin = true;
          td->fin_off = rel_off (td, p->seq + (syn ? 1 : 0)) + p->payload_wire_len;
        }
      if (!c->fin[side])
        {
          c->fin[side] = true;
          c->fin_us[side] = p->ts_us;
        }
      if (c->tcp_end == WS_TCP_END_OPEN)
        {
          c->tcp_end = WS_TCP_END_FIN;
          c->tcp_end_by = side;
        }
      if (f->d[0].fin && f->d[1].fin && !f->closing)
        {
          f->closing = true;
          f->closing_since = p->ts_us;
          cl_append (&t->closing, f);
        }
    }
  if (p->flags & WS_TCP_RST)
    {
      if (!c->rst[side])
        {
          c->rst[side] = true;
          c->rst_us[side] = p->ts_us;
        }
      if (c->tcp_end_by == WS_SIDE_NONE)
        c->tcp_end_by = side;
      c->tcp_end = WS_TCP_END_RST;
      end_flow (t, f);
    }
}

void
ws_tcp_expire (ws_tcp *t, int64_t now_us)
{
  while (t->closing.head && t->closing.head->closing_since + t->opts.linger_us <= now_us)
    end_flow (t, t->closing.head);
  if (t->opts.idle_us > 0)
    while (t->lru.head && t->lru.head->last_us + t->opts.idle_us <= now_us)
      end_flow (t, t->lru.head);
}

void
ws_tcp_flush (ws_tcp *t)
{
  /* in order of last activity, so records come out in a stable order */
  while (t->lru.head)
    end_flow (t, t->lru.head);
}

void
ws_tcp_free (ws_tcp *t)
{
  if (!t)
    return;
  while (t->lru.head)
    {
      flow *f = t->lru.head;
      lru_remove (&t->lru, f);
      ft_remove (&t->table, f);
      for (int d = 0; d < 2; d++)
        free_segs (&f->d[d]);
      ws_conn_free (f->conn);
      g_free (f);
    }
  g_free (t->table.slots);
  g_free (t);
}
