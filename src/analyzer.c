/* analyzer.c - packets -> decode -> tcp -> (ended connections) -> hold ->
 * diagnose -> writer.  See analyzer.h. */
#include "config.h"

#include <string.h>

#include "analyzer.h"
#include "decode.h"
#include "diagnose.h"
#include "tcp.h"

struct ws_analyzer {
  ws_analyzer_opts opts;
  ws_writer *writer;
  ws_tcp *tcp;
  GQueue held;            /* ended WebSocket records, in end order */
  GArray *briefs;         /* ws_conn_brief of recent WebSocket connections, by start */
  GHashTable *brief_ix;   /* conn id -> index+1 in briefs (for open ones) */
  int64_t now_us;         /* latest capture time seen */
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

ws_analyzer *
ws_analyzer_new (const ws_analyzer_opts *o, ws_writer *w)
{
  ws_analyzer *a = g_new0 (ws_analyzer, 1);
  a->opts = *o;
  a->writer = w;
  ws_tcp_opts to = { .linger_us = o->linger_us, .idle_us = o->idle_us };
  a->tcp = ws_tcp_new (&to, on_end, a);
  ws_tcp_set_start_cb (a->tcp, note_start);
  g_queue_init (&a->held);
  a->briefs = g_array_new (FALSE, TRUE, sizeof (ws_conn_brief));
  a->brief_ix = g_hash_table_new (g_direct_hash, g_direct_equal);
  return a;
}

static bool
is_reported (const ws_conn *c)
{
  return c->kind == WS_KIND_WEBSOCKET
         && (c->stage == WS_STAGE_FRAMES || c->stage == WS_STAGE_REJECTED
             || c->stage == WS_STAGE_HANDSHAKE);
}

/* Find the brief of connection id (searching from the newest). */
static ws_conn_brief *
find_brief (ws_analyzer *a, uint64_t id)
{
  gpointer v = g_hash_table_lookup (a->brief_ix, GSIZE_TO_POINTER ((gsize) id));
  if (!v)
    return NULL;
  return &g_array_index (a->briefs, ws_conn_brief, GPOINTER_TO_UINT (v) - 1);
}

static void
add_brief (ws_analyzer *a, const ws_conn_brief *b)
{
  g_array_append_val (a->briefs, *b);
  ws_conn_brief *nb = &g_array_index (a->briefs, ws_conn_brief, a->briefs->len - 1);
  g_hash_table_insert (a->brief_ix, GSIZE_TO_POINTER ((gsize) nb->id), GUINT_TO_POINTER (a->briefs->len));
}

/* Drop briefs of connections that ended long enough ago. */
static void
prune_briefs (ws_analyzer *a)
{
  guint keep = 0;
  for (guint i = 0; i < a->briefs->len; i++)
    {
      ws_conn_brief *b = &g_array_index (a->briefs, ws_conn_brief, i);
      bool old = b->end_us != 0 && b->end_us + a->opts.window_us < a->now_us;
      if (!old)
        {
          if (keep != i)
            g_array_index (a->briefs, ws_conn_brief, keep) = *b;
          keep++;
        }
    }
  if (keep == a->briefs->len)
    return;
  g_array_set_size (a->briefs, keep);
  /* the array moved: index it again */
  g_hash_table_remove_all (a->brief_ix);
  for (guint i = 0; i < a->briefs->len; i++)
    {
      ws_conn_brief *b = &g_array_index (a->briefs, ws_conn_brief, i);
      g_hash_table_insert (a->brief_ix, GSIZE_TO_POINTER ((gsize) b->id), GUINT_TO_POINTER (i + 1));
    }
}

static void
emit (ws_analyzer *a, ws_conn *c)
{
  ws_conn_window w = { (const ws_conn_brief *) a->briefs->data, a->briefs->len };
  ws_diagnose (c, &w);
  if (!ws_writer_record (a->writer, c))
    a->write_errors++;
  ws_stats.ws_connections++;
  ws_conn_free (c);
}

static void
release_held (ws_analyzer *a, bool all)
{
  while (!g_queue_is_empty (&a->held))
    {
      ws_conn *c = g_queue_peek_head (&a->held);
      if (!all && c->end_us + a->opts.hold_us > a->now_us)
        break;
      g_queue_pop_head (&a->held);
      emit (a, c);
    }
}

static void
on_end (ws_conn *c, void *user)
{
  ws_analyzer *a = user;
  switch (c->kind)
    {
    case WS_KIND_TLS:
      ws_stats.tcp_connections++;
      ws_stats.tls_connections++;
      ws_conn_free (c);
      return;
    case WS_KIND_OTHER:
      ws_stats.tcp_connections++;
      ws_stats.other_connections++;
      ws_conn_free (c);
      return;
    case WS_KIND_UNKNOWN:
      if (c->dir[0].tcp_bytes + c->dir[1].tcp_bytes > 0)
        {
          ws_stats.tcp_connections++;
          ws_stats.other_connections++;
        }
      ws_conn_free (c);
      return;
    case WS_KIND_WEBSOCKET:
      break;
    }
  if (!is_reported (c))
    {
      ws_stats.tcp_connections++;
      ws_stats.other_connections++;
      ws_conn_free (c);
      return;
    }
  ws_stats.tcp_connections++;
  ws_conn_release (c);
  ws_conn_brief *b = find_brief (a, c->id);
  if (!b)
    {
      ws_conn_brief nb;
      ws_conn_brief_fill (&nb, c);
      add_brief (a, &nb);
    }
  else
    ws_conn_brief_fill (b, c);
  g_queue_push_tail (&a->held, c);
  /* bounded: a burst of endings is written early rather than held */
  while (a->held.length > MAX_HELD)
    emit (a, g_queue_pop_head (&a->held));
}

/* A connection became recognisably WebSocket: note it for the reconnect rule
 * even while it is open. */
static void
note_start (ws_conn *c, void *user)
{
  ws_analyzer *a = user;
  if (find_brief (a, c->id))
    return;
  ws_conn_brief b;
  ws_conn_brief_fill (&b, c);
  b.end_us = 0;
  add_brief (a, &b);
}

void
ws_analyzer_tick (ws_analyzer *a, int64_t now_us)
{
  if (now_us > a->now_us)
    a->now_us = now_us;
  ws_tcp_expire (a->tcp, a->now_us);
  release_held (a, false);
  prune_briefs (a);
  a->last_tick_us = a->now_us;
}

void
ws_analyzer_packet (ws_analyzer *a, int linktype, const struct pcap_pkthdr *h,
                    const uint8_t *data)
{
  ws_packet p;
  ws_stats.packets++;
  ws_stats.bytes += h->len;
  ws_decode_result r = ws_decode (linktype, data, h->caplen, h->len, &p);
  if (p.truncated || r == WS_DEC_TRUNCATED)
    ws_stats.truncated_packets++;
  switch (r)
    {
    case WS_DEC_OK:
      break;
    case WS_DEC_NOT_IP:
    case WS_DEC_NOT_TCP:
      ws_stats.non_tcp_packets++;
      return;
    default:
      ws_stats.undecodable_packets++;
      return;
    }
  p.ts_us = (int64_t) h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;
  if (p.ts_us > a->now_us)
    a->now_us = p.ts_us;
  ws_tcp_packet (a->tcp, &p);
  if (a->now_us - a->last_tick_us >= G_USEC_PER_SEC)
    ws_analyzer_tick (a, a->now_us);
}

void
ws_analyzer_finish (ws_analyzer *a)
{
  ws_tcp_flush (a->tcp);
  release_held (a, true);
}

size_t
ws_analyzer_tracked (const ws_analyzer *a)
{
  return ws_tcp_count (a->tcp);
}

size_t
ws_analyzer_held (const ws_analyzer *a)
{
  return a->held.length;
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
  ws_conn *c;
  while ((c = g_queue_pop_head (&a->held)))
    ws_conn_free (c);
  g_hash_table_destroy (a->brief_ix);
  g_array_unref (a->briefs);
  g_free (a);
}
