/* workers.c - a live capture spread over threads with PACKET_FANOUT.  See
 * workers.h.
 *
 * libpcap has no call for fanout, but on Linux a live handle is a
 * PF_PACKET socket (TPACKET_V3 ring, pcap_fileno), bound to the interface
 * by pcap_activate; setsockopt (SOL_PACKET, PACKET_FANOUT) on it then joins
 * a group, as Suricata and Zeek's af_packet do it on their own sockets.
 * The first handle creates the group with PACKET_FANOUT_FLAG_UNIQUEID (the
 * kernel picks an id no other process uses), the others join that id.
 *
 *   worker 0: pcap -> analyzer (decode, TCP) --queue 0--\
 *   worker 1: pcap -> analyzer (decode, TCP) --queue 1---+-> merge -> analyzer
 *   ...                                                  /   (window, hold,
 *                                                           diagnosis, writer)
 *
 * Every item a worker queues carries the worker's clock (its analyzer's
 * "now": the latest packet time, or the wall clock its timers ran at),
 * which never goes back; a worker also queues a bare tick each time its
 * timers run, silent or not.  The merge takes the item with the smallest
 * time among the heads of all queues (ties: the lower worker), and only
 * when every queue has a head: so items reach the merging analyzer in
 * capture-time order, and its timers run at a time every worker has passed
 * (the hold then orders records by their end, as with one thread).  A
 * queue holds at most QUEUE_MAX items: a worker whose queue is full waits
 * (its kernel ring fills and the kernel counts drops), the merging thread
 * never waits for a full queue.
 *
 * Connection ids are per TCP table: the merge renumbers worker w's id k to
 * (k - 1) * N + w + 1, unique over the workers (with one worker, as today).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/if_packet.h>
#endif

#include "context.h"
#include "keylog.h"
#include "workers.h"

#define QUEUE_MAX 65536
/* how often a worker runs its timers when no packet comes (ms) */
#define WORKER_POLL_MS 200

typedef enum {
  ITEM_TICK,        /* the worker's clock moved */
  ITEM_STARTED,     /* b: a connection now WebSocket, open */
  ITEM_ENDED,       /* c: a record */
  ITEM_REFUSED,     /* client/server/port at ts */
  ITEM_DONE,        /* the worker stopped: nothing follows */
} item_kind;

typedef struct {
  item_kind kind;
  int64_t ts;               /* the worker's clock when it was queued */
  ws_conn *c;
  ws_conn_brief b;
  ws_addr client, server;
  uint16_t port;
  int64_t refused_us;
} item;

typedef struct worker worker;

struct ws_workers {
  int n;
  worker **w;
  GMutex lock;              /* the queues, snapshots and messages */
  GCond data;               /* something was queued (the merge waits) */
  GCond space;              /* a queue was emptied a bit (workers wait) */
  gint stop;                /* atomic: workers flush and end */
  bool abandon;             /* nobody merges any more: items are dropped */
  GQueue messages;          /* of char*, for the log */
  bool message_error;
  ws_live_opts live;
  char *iface, *filter;
  int fanout_id;
  ws_analyzer_opts aopts;
  int64_t last_ts;          /* of the last item merged */
};

struct worker {
  ws_workers *wk;
  int index;
  ws_capture *cap;          /* NULL while the interface is gone */
  ws_analyzer *a;
  ws_settings set;          /* the run's, with a key log of its own */
  ws_keylog *keylog;        /* owned, or NULL */
  GThread *thread;
  GQueue q;                 /* of item*, under wk->lock */
  /* as of the worker's last timer run, under wk->lock */
  unsigned recv, drop, ifdrop;
  bool have_kstats;
  unsigned recv_base, drop_base, ifdrop_base;   /* of handles closed */
  size_t tracked;
  ws_counters cnt;          /* a copy of its analyzer's */
};

/* ---- the fanout group ---------------------------------------------------- */

/* Joins fd to group id (-1: a new group, its id returned); -1 on failure
 * with errno set. */
static int
fanout_join (int fd, int id)
{
#ifdef PACKET_FANOUT
  /* the kernel reads a u32: group id in the low half, type and flags in
   * the high half (unsigned: the flags reach bit 31) */
  uint32_t type = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
  uint32_t arg;
  if (id < 0)
    {
      arg = (type | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
      if (setsockopt (fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0)
        return -1;
      socklen_t len = sizeof arg;
      if (getsockopt (fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0)
        return -1;
      return (int) (arg & 0xffff);
    }
  arg = ((uint32_t) id & 0xffff) | (type << 16);
  if (setsockopt (fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0)
    return -1;
  return id;
#else
  (void) fd;
  (void) id;
  errno = ENOTSUP;
  return -1;
#endif
}

/* A handle on the interface in the group (wk->fanout_id, or a new one). */
static ws_capture *
open_member (ws_workers *wk, GError **error)
{
  ws_capture *cap = ws_capture_open_live (&wk->live, error);
  if (!cap)
    return NULL;
  int id = fanout_join (ws_capture_fd (cap), wk->fanout_id);
  if (id < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN,
                   "%s: cannot spread the capture over workers (PACKET_FANOUT): %s",
                   wk->live.iface, g_strerror (errno));
      ws_capture_free (cap);
      return NULL;
    }
  wk->fanout_id = id;
  return cap;
}

ws_workers *
ws_workers_open (const ws_live_opts *live, int n, GError **error)
{
  ws_workers *wk = g_new0 (ws_workers, 1);
  g_mutex_init (&wk->lock);
  g_cond_init (&wk->data);
  g_cond_init (&wk->space);
  g_queue_init (&wk->messages);
  wk->live = *live;
  wk->iface = g_strdup (live->iface);
  wk->filter = g_strdup (live->filter);
  wk->live.iface = wk->iface;
  wk->live.filter = wk->filter;
  wk->fanout_id = -1;
  wk->n = n;
  wk->w = g_new0 (worker *, n);
  for (int i = 0; i < n; i++)
    {
      worker *w = g_new0 (worker, 1);
      wk->w[i] = w;
      w->wk = wk;
      w->index = i;
      g_queue_init (&w->q);
      w->cap = open_member (wk, error);
      if (!w->cap)
        {
          ws_workers_free (wk);
          return NULL;
        }
    }
  return wk;
}

/* ---- a worker ------------------------------------------------------------ */

static void
queue_item (worker *w, item *it)
{
  ws_workers *wk = w->wk;
  it->ts = ws_analyzer_now (w->a);
  g_mutex_lock (&wk->lock);
  /* a tick and the end mark always go in: the merge needs them to move on,
   * and they are at most one per timer run */
  while (w->q.length >= QUEUE_MAX && it->kind != ITEM_TICK && it->kind != ITEM_DONE
         && !wk->abandon)
    g_cond_wait (&wk->space, &wk->lock);
  if (wk->abandon)
    {
      g_mutex_unlock (&wk->lock);
      if (it->c)
        ws_conn_free (it->c);
      g_free (it);
      return;
    }
  g_queue_push_tail (&w->q, it);
  g_cond_signal (&wk->data);
  g_mutex_unlock (&wk->lock);
}

static void
on_ended (ws_conn *c, void *user)
{
  item *it = g_new0 (item, 1);
  it->kind = ITEM_ENDED;
  it->c = c;
  queue_item (user, it);
}

static void
on_started (const ws_conn *c, void *user)
{
  item *it = g_new0 (item, 1);
  it->kind = ITEM_STARTED;
  ws_conn_brief_fill (&it->b, c);
  it->b.end_us = 0;
  queue_item (user, it);
}

static void
on_refused (const ws_conn *c, void *user)
{
  item *it = g_new0 (item, 1);
  it->kind = ITEM_REFUSED;
  it->client = c->addr[WS_SIDE_CLIENT];
  it->server = c->addr[WS_SIDE_SERVER];
  it->port = c->port[WS_SIDE_SERVER];
  it->refused_us = c->start_us;
  queue_item (user, it);
}

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  ws_analyzer_packet (user, linktype, h, data);
}

static void G_GNUC_PRINTF (3, 4)
leave_message (ws_workers *wk, bool error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_mutex_lock (&wk->lock);
  g_queue_push_tail (&wk->messages, msg);
  wk->message_error |= error;
  g_mutex_unlock (&wk->lock);
}

/* The worker's statistics for the log, after its timers ran. */
static void
snapshot (worker *w)
{
  unsigned r = 0, d = 0, i = 0;
  bool have = w->cap && ws_capture_stats (w->cap, &r, &d, &i);
  size_t tracked = ws_analyzer_tracked (w->a);
  g_mutex_lock (&w->wk->lock);
  ws_counters_clear (&w->cnt);
  ws_counters_add (&w->cnt, ws_analyzer_counters (w->a));
  if (have)
    {
      w->recv = w->recv_base + r;
      w->drop = w->drop_base + d;
      w->ifdrop = w->ifdrop_base + i;
      w->have_kstats = true;
    }
  w->tracked = tracked;
  g_mutex_unlock (&w->wk->lock);
}

static gpointer
worker_main (gpointer data)
{
  worker *w = data;
  ws_workers *wk = w->wk;
  int backoff = 1;
  int64_t retry_at = 0;
  while (!g_atomic_int_get (&wk->stop))
    {
      if (!w->cap && g_get_monotonic_time () >= retry_at)
        {
          /* the interface went away: this worker tries again on its own,
           * its connections kept, and joins the same group */
          g_autoptr (GError) error = NULL;
          w->cap = open_member (wk, &error);
          if (!w->cap)
            {
              backoff = MIN (backoff * 2, 60);
              leave_message (wk, true, "worker %d: still cannot capture: %s; next try in %d s",
                             w->index + 1, error->message, backoff);
              retry_at = g_get_monotonic_time () + backoff * G_USEC_PER_SEC;
            }
          else
            {
              leave_message (wk, false, "worker %d: capturing on %s again", w->index + 1,
                             wk->live.iface);
              backoff = 1;
            }
        }
      if (w->cap)
        {
          g_autoptr (GError) error = NULL;
          struct pollfd pfd = { .fd = ws_capture_fd (w->cap), .events = POLLIN };
          if (pfd.fd >= 0)
            poll (&pfd, 1, WORKER_POLL_MS);
          if (ws_capture_dispatch (w->cap, on_packet, w->a, &error) < 0)
            {
              leave_message (wk, true, "worker %d: capture failed: %s; retrying in %d s",
                             w->index + 1, error->message, backoff);
              unsigned r = 0, d = 0, i = 0;
              if (ws_capture_stats (w->cap, &r, &d, &i))
                {
                  w->recv_base += r;
                  w->drop_base += d;
                  w->ifdrop_base += i;
                }
              ws_capture_free (w->cap);
              w->cap = NULL;
              retry_at = g_get_monotonic_time () + backoff * G_USEC_PER_SEC;
            }
        }
      else
        g_usleep (WORKER_POLL_MS * 1000);   /* ticks go on while waiting */
      ws_analyzer_tick (w->a, g_get_real_time ());
      snapshot (w);
      item *it = g_new0 (item, 1);
      it->kind = ITEM_TICK;
      queue_item (w, it);
    }
  /* every open connection goes on (still open), then the end mark */
  ws_analyzer_finish (w->a);
  snapshot (w);
  item *it = g_new0 (item, 1);
  it->kind = ITEM_DONE;
  queue_item (w, it);
  return NULL;
}

/* A key log read from the same files, for one worker: a live key log is
 * read again as it grows (ws_tls_refresh), which changes it. */
static ws_keylog *
own_keylog (const ws_settings *set)
{
  ws_keylog *kl = ws_keylog_new ();
  for (char **p = set->tls.paths; *p; p++)
    {
      g_autoptr (GError) e = NULL;
      ws_keylog_load_file (kl, *p, &e);   /* reported when main read it */
    }
  g_autoptr (GPtrArray) msgs = ws_keylog_take_messages (kl);
  return kl;
}

void
ws_workers_start (ws_workers *wk, const ws_analyzer_opts *aopts, const ws_settings *settings)
{
  wk->aopts = *aopts;
  for (int i = 0; i < wk->n; i++)
    {
      worker *w = wk->w[i];
      w->set = *settings;
      if (settings->tls.keylog && settings->tls.paths && settings->tls.follow)
        w->set.tls.keylog = w->keylog = own_keylog (settings);
      w->a = ws_analyzer_new (aopts, &w->set, NULL);
      ws_analyzer_handoff h = { on_ended, on_started, on_refused, w };
      ws_analyzer_set_handoff (w->a, &h);
      char name[16];
      g_snprintf (name, sizeof name, "wsclosed-w%d", i + 1);
      w->thread = g_thread_new (name, worker_main, w);
    }
}

/* ---- the merge ----------------------------------------------------------- */

static uint64_t
global_id (const ws_workers *wk, int index, uint64_t id)
{
  return id ? (id - 1) * (uint64_t) wk->n + (uint64_t) index + 1 : 0;
}

static void
apply (ws_workers *wk, ws_analyzer *a, int index, item *it)
{
  switch (it->kind)
    {
    case ITEM_ENDED:
      it->c->id = global_id (wk, index, it->c->id);
      ws_analyzer_put_ended (a, it->c);
      break;
    case ITEM_STARTED:
      it->b.id = global_id (wk, index, it->b.id);
      ws_analyzer_put_started (a, &it->b);
      break;
    case ITEM_REFUSED:
      ws_analyzer_put_refused (a, &it->client, &it->server, it->port, it->refused_us);
      break;
    case ITEM_TICK:
    case ITEM_DONE:
      break;
    }
  g_free (it);
}

/* With wk->lock held: the worker whose head comes first, -1 when a queue
 * is empty (its worker may still queue something earlier) or all are
 * done. */
static int
earliest (ws_workers *wk)
{
  int best = -1;
  int64_t best_ts = 0;
  for (int i = 0; i < wk->n; i++)
    {
      item *h = g_queue_peek_head (&wk->w[i]->q);
      if (!h)
        return -1;
      if (h->kind == ITEM_DONE)
        continue;
      if (best < 0 || h->ts < best_ts)
        {
          best = i;
          best_ts = h->ts;
        }
    }
  return best;
}

static bool
all_done (ws_workers *wk)
{
  for (int i = 0; i < wk->n; i++)
    {
      item *h = g_queue_peek_head (&wk->w[i]->q);
      if (!h || h->kind != ITEM_DONE)
        return false;
    }
  return true;
}

/* Merges what can be merged now (waiting up to deadline, a monotonic
 * time, for the first item; 0: no wait).  False once all are done. */
static bool
merge (ws_workers *wk, ws_analyzer *a, int64_t deadline)
{
  enum { BATCH = 256 };
  item *batch[BATCH];
  int from[BATCH];
  for (;;)
    {
      int n = 0;
      bool done;
      g_mutex_lock (&wk->lock);
      for (;;)
        {
          int i;
          while (n < BATCH && (i = earliest (wk)) >= 0)
            {
              from[n] = i;
              batch[n++] = g_queue_pop_head (&wk->w[i]->q);
            }
          done = all_done (wk);
          if (n > 0 || done || deadline == 0)
            break;
          if (!g_cond_wait_until (&wk->data, &wk->lock, deadline))
            break;
        }
      if (n > 0)
        g_cond_broadcast (&wk->space);
      g_mutex_unlock (&wk->lock);
      for (int k = 0; k < n; k++)
        {
          if (batch[k]->ts > wk->last_ts)
            wk->last_ts = batch[k]->ts;
          apply (wk, a, from[k], batch[k]);
        }
      if (n > 0)
        ws_analyzer_tick (a, wk->last_ts);
      if (done)
        return false;
      if (n < BATCH)
        return true;
      deadline = 0;   /* a full batch: more may be there already */
    }
}

bool
ws_workers_pump (ws_workers *wk, ws_analyzer *a, int timeout_ms)
{
  return merge (wk, a, g_get_monotonic_time () + (int64_t) timeout_ms * 1000);
}

void
ws_workers_stop (ws_workers *wk, ws_analyzer *a)
{
  g_atomic_int_set (&wk->stop, 1);
  /* the workers' last items may wait for room: merge until all are done */
  while (merge (wk, a, g_get_monotonic_time () + 100 * 1000))
    ;
  for (int i = 0; i < wk->n; i++)
    if (wk->w[i]->thread)
      {
        g_thread_join (wk->w[i]->thread);
        wk->w[i]->thread = NULL;
      }
}

/* ---- statistics ---------------------------------------------------------- */

bool
ws_workers_kernel_stats (ws_workers *wk, unsigned *recv, unsigned *drop, unsigned *ifdrop)
{
  bool have = false;
  *recv = *drop = *ifdrop = 0;
  g_mutex_lock (&wk->lock);
  for (int i = 0; i < wk->n; i++)
    {
      worker *w = wk->w[i];
      if (!w->have_kstats)
        continue;
      have = true;
      *recv += w->recv;
      *drop += w->drop;
      *ifdrop += w->ifdrop;
    }
  g_mutex_unlock (&wk->lock);
  return have;
}

size_t
ws_workers_tracked (ws_workers *wk)
{
  size_t n = 0;
  g_mutex_lock (&wk->lock);
  for (int i = 0; i < wk->n; i++)
    n += wk->w[i]->tracked;
  g_mutex_unlock (&wk->lock);
  return n;
}

char *
ws_workers_describe (ws_workers *wk)
{
  GString *s = g_string_new ("received");
  g_mutex_lock (&wk->lock);
  for (int i = 0; i < wk->n; i++)
    g_string_append_printf (s, "%s%u", i ? " + " : " ", wk->w[i]->recv);
  g_mutex_unlock (&wk->lock);
  return g_string_free (s, FALSE);
}

void
ws_workers_counters (ws_workers *wk, ws_counters *sum)
{
  g_mutex_lock (&wk->lock);
  for (int i = 0; i < wk->n; i++)
    ws_counters_add (sum, &wk->w[i]->cnt);
  g_mutex_unlock (&wk->lock);
}

char *
ws_workers_take_message (ws_workers *wk, bool *error)
{
  g_mutex_lock (&wk->lock);
  char *msg = g_queue_pop_head (&wk->messages);
  *error = wk->message_error;
  if (!wk->messages.length)
    wk->message_error = false;
  g_mutex_unlock (&wk->lock);
  return msg;
}

void
ws_workers_free (ws_workers *wk)
{
  if (!wk)
    return;
  g_atomic_int_set (&wk->stop, 1);
  for (int i = 0; i < wk->n; i++)
    {
      worker *w = wk->w[i];
      if (!w)
        continue;
      if (w->thread)
        {
          /* not stopped through ws_workers_stop: nobody takes its items */
          g_mutex_lock (&wk->lock);
          wk->abandon = true;
          g_cond_broadcast (&wk->space);
          g_mutex_unlock (&wk->lock);
          g_thread_join (w->thread);
        }
      item *it;
      while ((it = g_queue_pop_head (&w->q)))
        {
          if (it->c)
            ws_conn_free (it->c);
          g_free (it);
        }
      ws_analyzer_free (w->a);
      ws_keylog_free (w->keylog);
      ws_counters_clear (&w->cnt);
      ws_capture_free (w->cap);
      g_free (w);
    }
  g_free (wk->w);
  g_queue_clear_full (&wk->messages, g_free);
  g_cond_clear (&wk->data);
  g_cond_clear (&wk->space);
  g_mutex_clear (&wk->lock);
  g_free (wk->iface);
  g_free (wk->filter);
  g_free (wk);
}
