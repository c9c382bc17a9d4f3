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
 * The flows are found by their key in the table of flowtable.h (lookups do
 * not allocate), and kept in two orders: all flows by last activity (idle
 * expiry and eviction take from its head) and flows in their closing linger.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "flowtable.h"
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

/* A packet touches the first three cache lines: the key and what finds the
 * connection in the first, the two directions and the time in the next two.  The
 * endpoints are the key's: direction 0 is the sender of the first packet,
 * which is the key's first endpoint when first_lo is set. */
typedef struct flow flow;
struct flow {
  fkey key;
  uint32_t hash;       /* of key */
  uint32_t lru;        /* node in ws_tcp.ln */
  ws_conn *conn;
  tdir d[2];           /* by direction */
  int64_t last_us;
  bool first_lo;
  bool closing;
  int64_t closing_since;
  flow *cl_prev, *cl_next;
};
G_STATIC_ASSERT (offsetof (flow, d) == 64);
G_STATIC_ASSERT (offsetof (flow, key) == 0); /* flowtable.h: entries begin with their key */

typedef struct {
  flow *head, *tail;
} flist;

/* The least-recently-active order, kept in an array of links apart from
 * the flows: moving a flow to the end touches its neighbours, and as
 * links of 8 bytes side by side they are in the cache, where the flows
 * they stand for mostly are not.  Node 0 is the end mark. */
typedef struct {
  uint32_t prev, next;
} lnode;

struct ws_tcp {
  ws_tcp_opts opts;
  ws_tcp_end_fn end;
  ws_tcp_end_fn start;
  ws_tcp_end_fn refused;  /* an RST answered the SYN: a refused connection */
  void *user;
  ftable table;
  lnode *ln;      /* least recently active first, from ln[0].next */
  flow **ln_flow; /* the flow of each node */
  uint32_t ln_cap, ln_used, ln_free; /* ln_free: unused nodes through .next */
  flist closing;  /* linked through cl_prev/cl_next */
  flow *last;     /* flow of the previous packet: segments come in runs */
  flow *spare;    /* flows ended, for the next ones (linked through their
                   * first word): one allocation less per connection */
  uint64_t next_id;
  GHashTable *evicted; /* keys (fkey*) of flows evicted while open: their
                        * later packets are not a new mid-stream connection */
  ws_ctx *ctx;         /* the analyzer's: settings, counters */
  size_t ooo_total;    /* out-of-order bytes held, all connections */
  size_t max_ooo_dir, max_ooo_total, max_conns; /* from the settings */
};

/* Evicted keys remembered at most (then forgotten all at once). */
#define MAX_EVICTED_KEYS 65536


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

LIST_FUNCS (cl, cl_prev, cl_next)

static uint32_t
lru_new_node (ws_tcp *t, flow *f)
{
  uint32_t i = t->ln_free;
  if (i)
    t->ln_free = t->ln[i].next;
  else
    {
      if (t->ln_used == t->ln_cap)
        {
          if (t->ln_cap > G_MAXUINT32 / 2)
            g_error ("wsclosed: too many connections at once");
          t->ln_cap *= 2;
          t->ln = g_renew (lnode, t->ln, t->ln_cap);
          t->ln_flow = g_renew (flow *, t->ln_flow, t->ln_cap);
        }
      i = t->ln_used++;
    }
  t->ln_flow[i] = f;
  return i;
}

static inline void
lru_unlink (ws_tcp *t, uint32_t i)
{
  lnode *n = &t->ln[i];
  t->ln[n->prev].next = n->next;
  t->ln[n->next].prev = n->prev;
}

static inline void
lru_append (ws_tcp *t, uint32_t i)
{
  uint32_t tail = t->ln[0].prev;
  t->ln[i].prev = tail;
  t->ln[i].next = 0;
  t->ln[tail].next = i;
  t->ln[0].prev = i;
}

static void
lru_free_node (ws_tcp *t, uint32_t i)
{
  lru_unlink (t, i);
  t->ln[i].next = t->ln_free;
  t->ln_free = i;
}

/* The least recently active flow, or NULL. */
static inline flow *
lru_first (const ws_tcp *t)
{
  return t->ln[0].next ? t->ln_flow[t->ln[0].next] : NULL;
}

/* ---- table ---------------------------------------------------------------- */

ws_tcp *
ws_tcp_new (ws_ctx *ctx, const ws_tcp_opts *opts, ws_tcp_end_fn end, void *user)
{
  ws_tcp *t = g_new0 (ws_tcp, 1);
  t->ctx = ctx;
  t->max_ooo_dir = ctx->set->limits.max_ooo_bytes_per_conn;
  t->max_ooo_total = ctx->set->limits.max_ooo_bytes_total;
  t->max_conns = ctx->set->limits.max_conns;
  t->opts = *opts;
  if (t->opts.linger_us <= 0)
    t->opts.linger_us = 2 * G_USEC_PER_SEC;
  t->end = end;
  t->user = user;
  ft_init (&t->table, 1024);
  t->ln_cap = 1024;
  t->ln = g_new0 (lnode, t->ln_cap);
  t->ln_flow = g_new0 (flow *, t->ln_cap);
  t->ln_used = 1; /* node 0 is the end mark */
  return t;
}

void
ws_tcp_set_start_cb (ws_tcp *t, ws_tcp_end_fn start)
{
  t->start = start;
}

void
ws_tcp_set_refused_cb (ws_tcp *t, ws_tcp_end_fn refused)
{
  t->refused = refused;
}

size_t
ws_tcp_ooo_bytes (const ws_tcp *t)
{
  return t->ooo_total;
}

size_t
ws_tcp_count (const ws_tcp *t)
{
  return t->table.count;
}

/* Which of the key's endpoints sends in direction d. */
static inline int
key_end (const flow *f, int d)
{
  return (d == 0) == f->first_lo ? 0 : 1;
}

static inline ws_side
side_of (const flow *f, int d)
{
  const ws_conn *c = f->conn;
  int e = key_end (f, d);
  if (c->port[WS_SIDE_CLIENT] == f->key.port[e]
      && memcmp (c->addr[WS_SIDE_CLIENT].addr, f->key.addr[e], 16) == 0)
    return WS_SIDE_CLIENT;
  return WS_SIDE_SERVER;
}

static void
free_segs (ws_tcp *t, tdir *td)
{
  seg *s = td->ooo;
  while (s)
    {
      seg *n = s->next;
      t->ooo_total -= seg_cost (s);
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
static inline void
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
    ws_conn_data_inline (f->conn, side, data, caplen, ts_us);
  if (wirelen > caplen)   /* the connection may have swapped its sides */
    ws_conn_gap (f->conn, side_of (f, d), wirelen - caplen, ts_us);
}

/* Deliver queued segments that have become contiguous. */
static void
drain_queued (ws_tcp *t, flow *f, int d)
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
      t->ooo_total -= seg_cost (s);
      deliver (f, d, s->off, s->data, s->caplen, s->wirelen, s->ts_us);
      g_free (s);
    }
}

/* The same, the usual case (nothing queued) without a call. */
static inline void
drain (ws_tcp *t, flow *f, int d)
{
  if (f->d[d].ooo)
    drain_queued (t, f, d);
}

/* Declare the bytes up to `upto` lost, then deliver what follows. */
static void
skip_hole (ws_tcp *t, flow *f, int d, uint64_t upto, int64_t ts_us)
{
  tdir *td = &f->d[d];
  if (upto <= td->next)
    return;
  uint64_t lost = upto - td->next;
  td->next = upto;
  ws_conn_gap (f->conn, side_of (f, d), lost, ts_us);
  drain (t, f, d);
}

/* Give up on every hole in direction d (end of connection). */
static void
flush_dir (ws_tcp *t, flow *f, int d)
{
  tdir *td = &f->d[d];
  while (td->ooo)
    skip_hole (t, f, d, td->ooo->off, td->ooo->ts_us);
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
queue_full (const ws_tcp *t, const tdir *td, size_t cost)
{
  return td->ooo_count >= MAX_OOO_SEGS
         || td->ooo_bytes + cost > t->max_ooo_dir
         || t->ooo_total + cost > t->max_ooo_total;
}

static void
queue_seg (ws_tcp *t, flow *f, int d, uint64_t off, const uint8_t *data, uint32_t caplen,
           uint32_t wirelen, int64_t ts_us)
{
  tdir *td = &f->d[d];
  size_t cost = sizeof (seg) + caplen;
  seg **pp = queue_pos (td, off);
  /* an exact or covering copy already waiting: drop the newcomer */
  if (*pp && (*pp)->off == off && (*pp)->wirelen >= wirelen)
    return;
  if (queue_full (t, td, cost))
    {
      /* Over the limit: the oldest hole is taken as lost, and then as many
       * as needed until this segment fits or is in order. */
      f->conn->limits |= WS_LIMIT_REASSEMBLY;
      t->ctx->cnt.reassembly_limit_hits++;
      while (td->ooo && td->ooo->off < off && queue_full (t, td, cost))
        skip_hole (t, f, d, td->ooo->off, ts_us);
      if (off + wirelen <= td->next)
        return;
      if (off <= td->next || queue_full (t, td, cost))
        {
          skip_hole (t, f, d, off, ts_us);
          deliver (f, d, off, data, caplen, wirelen, ts_us);
          drain (t, f, d);
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
  t->ooo_total += cost;
}

/* A cleared flow, one ended before if there is one. */
static flow *
flow_get (ws_tcp *t)
{
  flow *f = t->spare;
  if (!f)
    return g_new0 (flow, 1);
  memcpy (&t->spare, f, sizeof t->spare);
  memset (f, 0, sizeof *f);
  return f;
}

static void
flow_put (ws_tcp *t, flow *f)
{
  if (!WS_REUSE_FREED)
    {
      g_free (f);
      return;
    }
  memcpy (f, &t->spare, sizeof t->spare);
  t->spare = f;
}

static void
end_flow (ws_tcp *t, flow *f)
{
  for (int d = 0; d < 2; d++)
    flush_dir (t, f, d);
  ft_remove (&t->table, f->hash, f);
  lru_free_node (t, f->lru);
  if (f->closing)
    cl_remove (&t->closing, f);
  for (int d = 0; d < 2; d++)
    free_segs (t, &f->d[d]);
  ws_conn *c = f->conn;
  c->end_us = f->last_us;
  if (t->last == f)
    t->last = NULL;
  flow_put (t, f);
  t->end (c, t->user);
}

static flow *
new_flow (ws_tcp *t, const fkey *k, uint32_t hash, bool src_lo, const ws_packet *p)
{
  if (t->max_conns && t->table.count >= t->max_conns)
    {
      if (t->closing.head)
        end_flow (t, t->closing.head); /* closed both ways: only its linger is cut */
      else if (lru_first (t))
        {
          flow *old = lru_first (t);
          old->conn->limits |= WS_LIMIT_EVICTED;
          t->ctx->cnt.evicted++;
          if (!t->evicted)
            t->evicted = g_hash_table_new_full (fkey_hash, fkey_equal, g_free, NULL);
          if (g_hash_table_size (t->evicted) >= MAX_EVICTED_KEYS)
            g_hash_table_remove_all (t->evicted);
          g_hash_table_add (t->evicted, g_memdup2 (&old->key, sizeof old->key));
          end_flow (t, old);
        }
    }
  flow *f = flow_get (t);
  f->key = *k;
  f->hash = hash;
  f->first_lo = src_lo;
  ws_conn *c = ws_conn_new (t->ctx);
  c->id = ++t->next_id;
  c->start_us = p->ts_us;
  /* The client is the SYN's sender; a SYN-ACK names the client as its
   * destination; otherwise guess the sender and let the payload decide. */
  bool to_client = (p->flags & (WS_TCP_SYN | WS_TCP_ACK)) == (WS_TCP_SYN | WS_TCP_ACK);
  c->addr[to_client ? WS_SIDE_SERVER : WS_SIDE_CLIENT] = p->src;
  c->port[to_client ? WS_SIDE_SERVER : WS_SIDE_CLIENT] = p->sport;
  c->addr[to_client ? WS_SIDE_CLIENT : WS_SIDE_SERVER] = p->dst;
  c->port[to_client ? WS_SIDE_CLIENT : WS_SIDE_SERVER] = p->dport;
  if (p->flags & WS_TCP_SYN)
    {
      c->syn_seen = true;
      c->sides_known = true;
    }
  f->conn = c;
  ft_insert (&t->table, f->hash, f, f->conn);
  f->lru = lru_new_node (t, f);
  lru_append (t, f->lru);
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
  /* One past the last byte, nothing queued: most likely the ACK of a FIN the
   * capture missed (a FIN takes a sequence number, not a data byte).  A byte
   * really lost there is counted when data after it comes, or at the end. */
  if (acked == td->next + 1 && !td->ooo && !td->fin)
    return;
  /* give up the holes before each queued segment the ACK covers, then the
   * one after the last of them */
  while (td->ooo && td->ooo->off < acked)
    {
      skip_hole (t, f, d, td->ooo->off, ts_us);
      drain (t, f, d);
    }
  skip_hole (t, f, d, acked, ts_us);
}

/* The flow packet p belongs to, made if p starts one; NULL when p is to be
 * dropped.  *src_lo: whether p's source is the key's low end. */
static inline flow *
flow_of_packet (ws_tcp *t, const ws_packet *restrict p, bool *src_lo)
{
  fkey k;
  uint32_t hash = make_key (&k, p, src_lo);
  flow *f = t->last && t->last->hash == hash && memcmp (&t->last->key, &k, sizeof k) == 0
            ? t->last : ft_lookup (&t->table, &k, hash);
  bool syn = (p->flags & WS_TCP_SYN) != 0;

  if (f && syn && !(p->flags & WS_TCP_ACK))
    {
      /* A new SYN on a known 4-tuple: port reuse after a close, or a SYN
       * retransmission. */
      tdir *td = &f->d[*src_lo == f->first_lo ? 0 : 1];
      bool retrans = td->init && f->conn->syn_seen && (uint32_t) (p->seq + 1) == td->base
                     && !f->closing && f->conn->tcp_end == WS_TCP_END_OPEN;
      if (!retrans)
        {
          end_flow (t, f);
          f = NULL;
        }
    }
  if (!f && t->evicted && g_hash_table_size (t->evicted))
    {
      /* the rest of a connection evicted while open: its record (limits:
       * evicted) was written; a SYN starts a new one */
      if (!syn && g_hash_table_contains (t->evicted, &k))
        return NULL;
      if (syn)
        g_hash_table_remove (t->evicted, &k);
    }
  if (!f)
    {
      if ((p->flags & WS_TCP_RST) && p->payload_wire_len == 0)
        return NULL; /* a reset for something we never saw: nothing to learn */
      f = new_flow (t, &k, hash, *src_lo, p);
    }
  return f;
}

/* f has seen packet p: its time, its frames, its place in the LRU. */
static inline void
touch_flow (ws_tcp *t, flow *f, const ws_packet *restrict p)
{
  t->last = f;
  f->last_us = p->ts_us;
  if (p->frame)
    {
      if (!f->conn->first_frame)
        {
          f->conn->first_file = p->file;
          f->conn->first_frame = p->frame;
        }
      f->conn->last_file = p->file;
      f->conn->last_frame = p->frame;
    }
  if (t->ln[0].prev != f->lru)
    {
      lru_unlink (t, f->lru);
      lru_append (t, f->lru);
    }
}

/* Where direction d's stream starts, from a SYN or else from its first
 * packet p. */
static inline void
start_dir (flow *f, int d, const ws_packet *restrict p, bool syn)
{
  tdir *td = &f->d[d];
  ws_conn *c = f->conn;
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
}

/* p's payload into direction d: delivered when in order, queued when ahead,
 * dropped when all of it was seen. */
static inline void
take_payload (ws_tcp *t, flow *f, int d, const ws_packet *restrict p, bool syn)
{
  tdir *td = &f->d[d];
  uint32_t seq = syn ? p->seq + 1 : p->seq;
  uint64_t off = rel_off (td, seq);
  if (off + p->payload_wire_len > td->next)
    {
      if (off <= td->next)
        {
          deliver (f, d, off, p->payload, p->payload_len, p->payload_wire_len, p->ts_us);
          drain (t, f, d);
        }
      else
        queue_seg (t, f, d, off, p->payload, p->payload_len, p->payload_wire_len, p->ts_us);
    }
  /* the connection may have decided it is not worth following */
  if (f->conn->stage == WS_STAGE_IGNORED && td->ooo)
    free_segs (t, td);
}

/* A FIN from side (direction d): where its stream ends; both ends seen puts
 * the flow on the closing list. */
static void
note_fin (ws_tcp *t, flow *f, int d, ws_side side, const ws_packet *p, bool syn)
{
  tdir *td = &f->d[d];
  ws_conn *c = f->conn;
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

/* An RST from side ends the connection at once. */
static void
note_rst (ws_tcp *t, flow *f, ws_side side, int64_t ts_us)
{
  ws_conn *c = f->conn;
  if (!c->rst[side])
    {
      c->rst[side] = true;
      c->rst_us[side] = ts_us;
    }
  if (c->tcp_end_by == WS_SIDE_NONE)
    c->tcp_end_by = side;
  c->tcp_end = WS_TCP_END_RST;
  end_flow (t, f);
}

void
ws_tcp_packet (ws_tcp *t, const ws_packet *restrict p)
{
  bool src_lo;
  flow *f = flow_of_packet (t, p, &src_lo);
  if (!f)
    return;
  touch_flow (t, f, p);
  bool syn = (p->flags & WS_TCP_SYN) != 0;
  bool has_data = p->payload_wire_len > 0;

  int d = src_lo == f->first_lo ? 0 : 1;
  tdir *td = &f->d[d];
  ws_conn *c = f->conn;
  ws_kind kind_before = c->kind;

  /* an RST from the side that never answered the client's SYN: nothing
   * listened there (a server down or restarting) */
  bool refused = (p->flags & WS_TCP_RST) && !syn && d == 1 && !td->init && c->syn_seen
                 && !has_data && c->stage == WS_STAGE_PROBE;
  if (refused && t->refused)
    t->refused (c, t->user);

  start_dir (f, d, p, syn);
  if (p->flags & WS_TCP_ACK)
    note_ack (t, f, 1 - d, p->ack, p->ts_us);
  if (has_data)
    take_payload (t, f, d, p, syn);
  if (kind_before != WS_KIND_WEBSOCKET && c->kind == WS_KIND_WEBSOCKET && t->start)
    t->start (c, t->user);

  if (p->flags & (WS_TCP_FIN | WS_TCP_RST))
    {
      /* (after the payload: the connection may have swapped its sides) */
      ws_side side = side_of (f, d);
      if (p->flags & WS_TCP_FIN)
        note_fin (t, f, d, side, p, syn);
      if (p->flags & WS_TCP_RST)
        note_rst (t, f, side, p->ts_us);
    }
}

void
ws_tcp_expire (ws_tcp *t, int64_t now_us)
{
  while (t->closing.head && t->closing.head->closing_since + t->opts.linger_us <= now_us)
    end_flow (t, t->closing.head);
  if (t->opts.idle_us > 0)
    for (flow *f; (f = lru_first (t)) && f->last_us + t->opts.idle_us <= now_us;)
      end_flow (t, f);
}

void
ws_tcp_flush (ws_tcp *t)
{
  /* in order of last activity, so records come out in a stable order */
  for (flow *f; (f = lru_first (t));)
    end_flow (t, f);
}

void
ws_tcp_free (ws_tcp *t)
{
  if (!t)
    return;
  if (t->evicted)
    g_hash_table_destroy (t->evicted);
  for (flow *f; (f = lru_first (t));)
    {
      lru_free_node (t, f->lru);
      ft_remove (&t->table, f->hash, f);
      for (int d = 0; d < 2; d++)
        free_segs (t, &f->d[d]);
      ws_conn_free (f->conn);
      g_free (f);
    }
  for (flow *f = t->spare, *next; f; f = next)
    {
      memcpy (&next, f, sizeof next);
      g_free (f);
    }
  g_free (t->table.slots);
  g_free (t->ln);
  g_free (t->ln_flow);
  g_free (t);
}
