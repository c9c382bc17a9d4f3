/* analyzer.c - packets -> decode -> tcp -> (ended connections) -> hold ->
 * diagnose -> writer.  See analyzer.h. */
#include "config.h"

#include <string.h>

#include "analyzer.h"
#include "cause.h"
#include "decode.h"
#include "diagnose.h"
#include "ipfrag.h"
#include "tcp.h"
#include "tlsconn.h"

/* Briefs kept for the cross-connection rules at most (about 300 bytes each
 * with their index entries); beyond, the oldest ended ones go first. */
#define WS_WINDOW_MAX_BRIEFS 200000

typedef struct {
  int64_t end_us;
  uint64_t seq;
  ws_conn *c;
} ws_held;

struct ws_analyzer {
  ws_ctx ctx;             /* settings, counters, the stages' scratch */
  ws_analyzer_opts opts;
  ws_writer *writer;
  ws_analyzer_record_fn record_fn;  /* instead of the writer when set */
  void *record_user;
  ws_analyzer_handoff handoff;  /* a live worker's: set when ended is */
  ws_ipfrag *frag;        /* IP fragments waiting for the rest */
  ws_tcp *tcp;
  ws_held *held;          /* ended WebSocket records: a heap (held_push) */
  size_t held_len, held_cap;
  uint64_t held_seq;      /* arrivals, for ties of the end time */
  ws_conn_index *briefs;  /* briefs of recent WebSocket connections, indexed */
  int64_t now_us;         /* latest capture time seen */
  const char *origin_file;  /* of the next packet (ws_analyzer_set_origin) */
  uint64_t origin_frame;
  int64_t last_tick_us;
  uint64_t write_errors;
};

void
ws_analyzer_opts_init (ws_analyzer_opts *o)
{
  o->hold_us = 10 * G_USEC_PER_SEC;
  o->window_us = 120 * G_USEC_PER_SEC;
  o->idle_us = 0;
  o->linger_us = 2 * G_USEC_PER_SEC;
}

/* Ended records kept at most, whatever the hold time. */
#define MAX_HELD 20000

static void on_end (ws_conn *c, void *user);
static void note_start (ws_conn *c, void *user);
static void note_refused (ws_conn *c, void *user);

/* ---- the held records: a min-heap by (end, arrival) --------------------
 * Records go out in the order of their ends, and in the order they arrived
 * when two ended at the same microsecond.  Most arrive in order, but a flush
 * at the end of a capture ends every open connection at once in table order:
 * a sorted ring took a walk per record there (quadratic on 100k open
 * connections); the heap takes a logarithm. */

static bool
held_before (const ws_held *x, const ws_held *y)
{
  return x->end_us < y->end_us || (x->end_us == y->end_us && x->seq < y->seq);
}

static ws_conn *
held_peek (const ws_analyzer *a)
{
  return a->held_len ? a->held[0].c : NULL;
}

static ws_conn *
held_pop (ws_analyzer *a)
{
  if (a->held_len == 0)
    return NULL;
  ws_held *h = a->held;
  ws_conn *c = h[0].c;
  ws_held last = h[--a->held_len];
  size_t i = 0, n = a->held_len;
  for (;;)
    {
      size_t l = 2 * i + 1, m;
      if (l >= n)
        break;
      m = (l + 1 < n && held_before (&h[l + 1], &h[l])) ? l + 1 : l;
      if (!held_before (&h[m], &last))
        break;
      h[i] = h[m];
      i = m;
    }
  if (n > 0)
    h[i] = last;
  return c;
}

static void
held_push (ws_analyzer *a, ws_conn *c)
{
  if (a->held_len == a->held_cap)
    {
      a->held_cap = a->held_cap ? a->held_cap * 2 : 64;
      a->held = g_renew (ws_held, a->held, a->held_cap);
    }
  ws_held x = { .end_us = c->end_us, .seq = a->held_seq++, .c = c };
  size_t i = a->held_len++;
  while (i > 0)
    {
      size_t up = (i - 1) / 2;
      if (!held_before (&x, &a->held[up]))
        break;
      a->held[i] = a->held[up];
      i = up;
    }
  a->held[i] = x;
}

ws_analyzer *
ws_analyzer_new (const ws_analyzer_opts *o, const ws_settings *s, ws_writer *w)
{
  ws_analyzer *a = g_new0 (ws_analyzer, 1);
  ws_ctx_init (&a->ctx, s);
  a->opts = *o;
  a->writer = w;
  ws_tcp_opts to = { .linger_us = o->linger_us, .idle_us = o->idle_us };
  a->tcp = ws_tcp_new (&a->ctx, &to, on_end, a);
  ws_ipfrag_opts fo;
  ws_ipfrag_opts_init (&fo);
  a->frag = ws_ipfrag_new (&fo);
  ws_tcp_set_start_cb (a->tcp, note_start);
  ws_tcp_set_refused_cb (a->tcp, note_refused);
  a->briefs = ws_conn_index_new (WS_WINDOW_MAX_BRIEFS);
  return a;
}

static bool
is_reported (const ws_conn *c)
{
  return (c->kind == WS_KIND_WEBSOCKET
          && (c->stage == WS_STAGE_FRAMES || c->stage == WS_STAGE_REJECTED
              || c->stage == WS_STAGE_HANDSHAKE))
         || ws_tls_conn_reported (c);
}

/* Drop briefs of connections that ended long enough ago (end_us +
 * window_us < now_us). */
static void
prune_briefs (ws_analyzer *a)
{
  ws_conn_index_prune (a->briefs, a->now_us - a->opts.window_us);
}

void
ws_analyzer_set_record_fn (ws_analyzer *a, ws_analyzer_record_fn fn, void *user)
{
  a->record_fn = fn;
  a->record_user = user;
}

static void
emit (ws_analyzer *a, ws_conn *c)
{
  bool evidence = a->record_fn || ws_writer_shows_evidence (a->writer);
  ws_conn_window w = { .index = a->briefs, .no_evidence = !evidence };
  if (!a->ctx.set->limits.no_redact)
    ws_conn_redact (c);
  if (c->kind == WS_KIND_TLS)
    ws_tls_conn_diagnose (c);   /* not decrypted: the TLS facts are all there is */
  else
    ws_diagnose (c, &w);
  /* evidence in time order for every consumer (writers, report) */
  ws_cause_sort_evidence (&c->cause);
  if (!(a->record_fn ? a->record_fn (c, a->record_user) : ws_writer_record (a->writer, c)))
    a->write_errors++;
  a->ctx.cnt.ws_connections++;
  ws_conn_free (c);
}

static void
release_held (ws_analyzer *a, bool all)
{
  ws_conn *c;

  while ((c = held_peek (a)) != NULL)
    {
      if (!all && c->end_us + a->opts.hold_us > a->now_us)
        break;
      held_pop (a);
      emit (a, c);
    }
}

/* Streams looked at and found not to be WebSocket, by reason (they are
 * also among the other TCP connections). */
static void
count_rejected (ws_counters *st, const ws_conn *c)
{
  switch (c->reject)
    {
    case WS_REJECT_NO_UPGRADE:
      st->rejected_no_upgrade++;
      break;
    case WS_REJECT_MIDSTREAM:
      st->rejected_midstream++;
      break;
    case WS_REJECT_OTHER_UPGRADE:
      st->other_upgrades++;
      break;
    default:
      break;
    }
}

static void
on_end (ws_conn *c, void *user)
{
  ws_analyzer *a = user;
  ws_counters *st = &a->ctx.cnt;
  ws_tls_conn_end (c);          /* records held for a late key: a last look */
  ws_conn_end (c);
  count_rejected (st, c);
  switch (c->kind)
    {
    case WS_KIND_TLS:
      st->tls_connections++;
      ws_tls_conn_count (c);
      if (ws_tls_conn_reported (c))
        break;                  /* a record of kind tls: keys were given */
      st->tcp_connections++;
      ws_conn_free (c);
      return;
    case WS_KIND_OTHER:
      st->tcp_connections++;
      st->other_connections++;
      ws_conn_free (c);
      return;
    case WS_KIND_UNKNOWN:
      if (c->dir[0].tcp_bytes + c->dir[1].tcp_bytes > 0)
        {
          st->tcp_connections++;
          st->other_connections++;
        }
      ws_conn_free (c);
      return;
    case WS_KIND_WEBSOCKET:
      break;
    }
  if (!is_reported (c))
    {
      st->tcp_connections++;
      st->other_connections++;
      ws_conn_free (c);
      return;
    }
  st->tcp_connections++;
  ws_conn_release (c);
  if (a->handoff.ended)
    {
      a->handoff.ended (c, a->handoff.user);
      return;
    }
  ws_analyzer_put_ended (a, c);
}

void
ws_analyzer_put_ended (ws_analyzer *a, ws_conn *c)
{
  c->ctx = &a->ctx;   /* from a live worker: counted and read here from now */
  c->cause.pool = &a->ctx.ev_pool;  /* and its evidence made here */
  ws_conn_index_put (a->briefs, c, false);
  held_push (a, c);
  /* bounded: a burst of endings is written early rather than held */
  while (a->held_len > MAX_HELD)
    emit (a, held_pop (a));
}

/* A connection became recognisably WebSocket: note it for the reconnect rule
 * even while it is open. */
static void
note_start (ws_conn *c, void *user)
{
  ws_analyzer *a = user;
  if (a->handoff.started)
    {
      a->handoff.started (c, a->handoff.user);
      return;
    }
  if (ws_conn_index_has (a->briefs, c->id))
    return;
  ws_conn_index_put (a->briefs, c, true);
}

void
ws_analyzer_put_started (ws_analyzer *a, const ws_conn_brief *b)
{
  if (!ws_conn_index_has (a->briefs, b->id))
    ws_conn_index_put_brief (a->briefs, b);
}

/* A connection attempt an RST answered: the restart rule asks whether
 * reconnects to a server were refused after its connections ended. */
static void
note_refused (ws_conn *c, void *user)
{
  ws_analyzer *a = user;
  if (a->handoff.refused)
    {
      a->handoff.refused (c, a->handoff.user);
      return;
    }
  ws_conn_index_note_refused (a->briefs, &c->addr[WS_SIDE_CLIENT], &c->addr[WS_SIDE_SERVER],
                              c->port[WS_SIDE_SERVER], c->start_us);
}

void
ws_analyzer_put_refused (ws_analyzer *a, const ws_addr *client, const ws_addr *server,
                         uint16_t server_port, int64_t ts_us)
{
  ws_conn_index_note_refused (a->briefs, client, server, server_port, ts_us);
}

void
ws_analyzer_set_handoff (ws_analyzer *a, const ws_analyzer_handoff *h)
{
  a->handoff = *h;
}

/* The fragment counters into the totals.  Assigned, not added, so calling
 * it again is harmless; at_end: datagrams still waiting for fragments will
 * never complete and count as dropped. */
static void
copy_frag_stats (ws_analyzer *a, bool at_end)
{
  const ws_ipfrag_stats *fs = ws_ipfrag_get_stats (a->frag);
  ws_counters *st = &a->ctx.cnt;

  st->ip_fragments = fs->fragments;
  st->ip_reassembled = fs->reassembled;
  st->ip_frag_dropped = fs->timed_out + fs->evicted + fs->truncated
                             + fs->too_many + fs->malformed;
  if (at_end)
    st->ip_frag_dropped += ws_ipfrag_incomplete (a->frag);
  st->ip_frag_overlap_conflicts = fs->overlap_conflicts;
}

void
ws_analyzer_tick (ws_analyzer *a, int64_t now_us)
{
  if (now_us > a->now_us)
    a->now_us = now_us;
  ws_tls_refresh (&a->ctx);             /* live key logs grow */
  ws_tcp_expire (a->tcp, a->now_us);
  release_held (a, false);
  prune_briefs (a);
  copy_frag_stats (a, false);
  a->last_tick_us = a->now_us;
}

void
ws_analyzer_packet (ws_analyzer *a, int linktype, const struct pcap_pkthdr *h,
                    const uint8_t *data)
{
  ws_packet p;
  ws_counters *st = &a->ctx.cnt;
  st->packets++;
  st->bytes += h->len;
  int64_t ts_us = (int64_t) h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
  /* The usual frame inline (no tunnel, not a fragment: nothing to count
   * but a truncation); the others through the fragment table.  (A
   * datagram it reassembled before is freed at its next call.) */
  if (G_LIKELY (ws_decode_fast (linktype, data, h->caplen, h->len, &p)))
    {
      if (p.truncated)
        st->truncated_packets++;
    }
  else
    {
      /* p.payload may point into a->frag: used before the next packet */
      ws_decode_result r = ws_ipfrag_decode (a->frag, linktype, data, h->caplen, h->len,
                                             ts_us, &p);
      if (p.truncated || r == WS_DEC_TRUNCATED)
        st->truncated_packets++;
      ws_decode_count (st, r, &p);
      switch (r)
        {
        case WS_DEC_OK:
          break;
        case WS_DEC_FRAGMENT:   /* held until its datagram is whole */
          return;
        case WS_DEC_NOT_IP:
        case WS_DEC_NOT_TCP:
          st->non_tcp_packets++;
          return;
        default:
          st->undecodable_packets++;
          return;
        }
    }
  p.ts_us = ts_us;
  p.file = a->origin_file;
  p.frame = a->origin_frame;
  if (p.ts_us > a->now_us)
    a->now_us = p.ts_us;
  ws_tcp_packet (a->tcp, &p);
  if (a->now_us - a->last_tick_us >= G_USEC_PER_SEC)
    ws_analyzer_tick (a, a->now_us);
}

void
ws_analyzer_set_origin (ws_analyzer *a, const char *file, uint64_t frame)
{
  a->origin_file = file;
  a->origin_frame = frame;
}

int64_t
ws_analyzer_now (const ws_analyzer *a)
{
  return a->now_us;
}

void
ws_analyzer_finish (ws_analyzer *a)
{
  ws_tcp_flush (a->tcp);       /* held in the order of their ends, too */
  release_held (a, true);
  copy_frag_stats (a, true);
}

size_t
ws_analyzer_tracked (const ws_analyzer *a)
{
  return ws_tcp_count (a->tcp);
}

size_t
ws_analyzer_held (const ws_analyzer *a)
{
  return a->held_len;
}

const ws_counters *
ws_analyzer_counters (const ws_analyzer *a)
{
  return &a->ctx.cnt;
}

uint64_t
ws_analyzer_write_errors (const ws_analyzer *a)
{
  return a->write_errors;
}

void
ws_analyzer_free (ws_analyzer *a)
{
  if (!a)
    return;
  ws_tcp_free (a->tcp);
  ws_ipfrag_free (a->frag);
  ws_conn *c;
  while ((c = held_pop (a)))
    ws_conn_free (c);
  g_free (a->held);
  ws_conn_index_free (a->briefs);
  ws_ctx_clear (&a->ctx);
  g_free (a);
}
