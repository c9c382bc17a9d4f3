/* test-window.c - the cross-connection window.  The index must keep the
 * briefs a plain array kept the same way keeps (refills in place, the limit,
 * pruning), and answer each of the four questions of the cross-connection
 * rules as a plain scan of that array answers it: the scans below are the
 * reference (they are what the rules did before the index existed), and
 * "first in the window" is the array's order.  The connections are random
 * from fixed seeds, clustered so that every question has answers. */
#include <stdlib.h>
#include <string.h>

#include "conn-builder.h"
#include "facts.h"
#include "window.h"

/* ---- the reference: scans of a plain array ------------------------------------ */

static bool
closed_by_server (const ws_conn_brief *b)
{
  if (b->close_initiator == WS_SIDE_SERVER)
    return true;
  return b->close_initiator == WS_SIDE_NONE && b->close_code == 1006
         && b->tcp_end_by == WS_SIDE_SERVER;
}

static bool
same_server (const ws_conn_brief *b, const ws_conn *c)
{
  return ws_addr_eq (&b->server, &c->addr[WS_SIDE_SERVER])
         && b->server_port == c->port[WS_SIDE_SERVER];
}

static bool
same_place (const ws_conn_brief *b, const ws_conn *c)
{
  return same_server (b, c)
         || (b->host[0] && c->host && g_ascii_strcasecmp (b->host, c->host) == 0);
}

static const ws_conn_brief *
scan_next (const ws_conn_brief *items, size_t n, const ws_conn *c, int64_t after_us)
{
  const ws_conn_brief *next = NULL;

  for (size_t i = 0; i < n; i++)
    {
      const ws_conn_brief *b = &items[i];
      if (b->id == c->id || b->start_us < after_us || b->start_us <= c->start_us)
        continue;
      if (!ws_addr_eq (&b->client, &c->addr[WS_SIDE_CLIENT]))
        continue;
      if (same_place (b, c) && (!next || b->start_us < next->start_us))
        next = b;
    }
  return next;
}

static size_t
scan_same_idle (const ws_conn_brief *items, size_t n, const ws_conn *c, int64_t idle_us)
{
  size_t count = 1;

  for (size_t i = 0; i < n; i++)
    {
      const ws_conn_brief *b = &items[i];
      if (b->id == c->id || b->close_code != 1006 || b->idle_us < WS_WINDOW_SAME_IDLE_FLOOR_US)
        continue;
      if (same_place (b, c) && llabs (b->idle_us - idle_us) <= WS_WINDOW_SAME_IDLE_US)
        count++;
    }
  return count;
}

/* ws_conn_index_idle_count by a scan: at c's server only the ender's ends
 * (ender not WS_SIDE_NONE), at other servers with c's Host any */
static size_t
scan_idle_count (const ws_conn_brief *items, size_t n, const ws_conn *c, int64_t lo, int64_t hi,
                 int64_t end_us, int64_t apart_us, ws_side ender)
{
  size_t count = 0;

  for (size_t i = 0; i < n; i++)
    {
      const ws_conn_brief *b = &items[i];
      if (b->id == c->id || b->close_code != 1006 || b->idle_us < WS_WINDOW_SAME_IDLE_FLOOR_US
          || b->idle_us < lo || b->idle_us > hi || !same_place (b, c))
        continue;
      if (apart_us > 0 && llabs (b->end_us - end_us) <= apart_us)
        continue;
      bool at_server = ws_addr_eq (&b->server, &c->addr[WS_SIDE_SERVER])
                       && b->server_port == c->port[WS_SIDE_SERVER];
      if (at_server && ender != WS_SIDE_NONE && b->tcp_end_by != ender)
        continue;
      count++;
    }
  return count;
}

static const ws_conn_brief *
scan_backend_leg (const ws_conn_brief *items, size_t n, const ws_conn *c, int64_t t_end)
{
  const ws_conn_brief *best = NULL;

  for (size_t i = 0; i < n; i++)
    {
      const ws_conn_brief *b = &items[i];
      bool at_server = ws_addr_eq (&b->server, &c->addr[WS_SIDE_SERVER])
                       && b->server_port == c->port[WS_SIDE_SERVER];
      if (b->id == c->id || b->end_us == 0 || b->end_us < t_end - WS_WINDOW_PROXY_PAIR_US
          || b->end_us > t_end || b->close_code != 1006 || b->tcp_end_by != WS_SIDE_SERVER
          || !ws_addr_eq (&b->client, &c->addr[WS_SIDE_SERVER]) || at_server || b->lived_us < 0)
        continue;
      if (!best || b->end_us > best->end_us)
        best = b;
    }
  return best;
}

static size_t
scan_storm (const ws_conn_brief *items, size_t n, const ws_conn *c, int64_t end_us,
            int64_t *lo, int64_t *hi, size_t *around)
{
  size_t count = 1;

  *lo = *hi = end_us;
  *around = 0;
  for (size_t i = 0; i < n; i++)
    {
      const ws_conn_brief *b = &items[i];
      if (b->id == c->id || !b->end_us || !closed_by_server (b) || !same_server (b, c)
          || b->lived_us < 0
          || (b->lived_us < WS_WINDOW_STORM_MIN_LIFE_US && b->close_code != 1001
              && b->close_code != 1012))
        continue;
      if (llabs (b->end_us - end_us) > WS_WINDOW_STORM_US)
        {
          *around += llabs (b->end_us - end_us) <= WS_WINDOW_STORM_BASE_US;
          continue;
        }
      count++;
      *lo = MIN (*lo, b->end_us);
      *hi = MAX (*hi, b->end_us);
    }
  return count;
}

static const ws_conn_brief *
scan_other_leg (const ws_conn_brief *items, size_t n, const ws_conn *c, ws_side ender,
                int64_t t_end, int64_t idle)
{
  for (size_t i = 0; i < n; i++)
    {
      const ws_conn_brief *b = &items[i];
      if (b->id == c->id || b->close_code != 1006 || !b->end_us || b->idle_us < 0)
        continue;
      if (llabs (b->end_us - t_end) > WS_WINDOW_PROXY_PAIR_US
          || llabs (b->idle_us - idle) > WS_WINDOW_PROXY_PAIR_US * 5)
        continue;
      if (ender == WS_SIDE_SERVER && b->tcp_end_by == WS_SIDE_CLIENT
          && ws_addr_eq (&b->client, &c->addr[WS_SIDE_SERVER]))
        return b;
      if (ender == WS_SIDE_CLIENT && b->tcp_end_by == WS_SIDE_SERVER
          && ws_addr_eq (&b->server, &c->addr[WS_SIDE_CLIENT]))
        return b;
    }
  return NULL;
}

/* ---- index against array ------------------------------------------------------- */

static uint64_t
id_of (const ws_conn_brief *b)
{
  return b ? b->id : 0;
}

/* Ask every question about c, with the moments the rules would use and a
 * few others around them, of the index and of the array; count the answers
 * that found something (next, same idle, storm, other leg). */
static void
ask (const ws_conn_index *ix, const ws_conn_brief *items, size_t n, const ws_conn *c,
     unsigned found[4])
{
  ws_conn_brief self;
  ws_conn_brief_fill (&self, c);
  int64_t end = self.end_us ? self.end_us : c->end_us;
  int64_t ats[] = { end, end - S (0.7), c->start_us, end + S (3) };
  int64_t idles[] = { self.idle_us, self.idle_us + S (0.6), S (42), S (0.5) };

  for (size_t k = 0; k < G_N_ELEMENTS (ats); k++)
    {
      int64_t lo1, hi1, lo2, hi2;
      g_assert_cmpuint (id_of (ws_conn_index_next (ix, c, ats[k])), ==,
                        id_of (scan_next (items, n, c, ats[k])));
      size_t ar1, ar2;
      size_t a = ws_conn_index_storm (ix, c, ats[k], &lo1, &hi1, &ar1);
      size_t b = scan_storm (items, n, c, ats[k], &lo2, &hi2, &ar2);
      g_assert_cmpuint (a, ==, b);
      g_assert_cmpuint (ar1, ==, ar2);
      g_assert_cmpint (lo1, ==, lo2);
      g_assert_cmpint (hi1, ==, hi2);
      const ws_conn_brief *bl = ws_conn_index_backend_leg (ix, c, ats[k]);
      const ws_conn_brief *bs = scan_backend_leg (items, n, c, ats[k]);
      g_assert_true (bl == NULL ? bs == NULL : bs != NULL && bl->end_us == bs->end_us);
      found[0] += k == 0 && ws_conn_index_next (ix, c, ats[k]) != NULL;
      found[2] += k == 0 && a >= 5;
    }
  for (size_t k = 0; k < G_N_ELEMENTS (idles); k++)
    {
      size_t a = ws_conn_index_same_idle (ix, c, idles[k]);
      g_assert_cmpuint (a, ==, scan_same_idle (items, n, c, idles[k]));
      for (int e = 0; e < 3; e++)
        for (int apart = 0; apart < 2; apart++)
          {
            int64_t lo = idles[k] - S (1), hi = idles[k] + S (1);
            int64_t ap = apart ? S (1) : 0;
            g_assert_cmpuint (ws_conn_index_idle_count (ix, c, lo, hi, end, ap, (ws_side) e), ==,
                              scan_idle_count (items, n, c, lo, hi, end, ap, (ws_side) e));
            g_assert_cmpuint (ws_conn_index_idle_count (ix, c, idles[k] / 4, idles[k] * 4, 0, 0,
                                                        (ws_side) e), ==,
                              scan_idle_count (items, n, c, idles[k] / 4, idles[k] * 4, 0, 0,
                                               (ws_side) e));
          }
      found[1] += k == 0 && a >= 3;
      for (int s = 0; s < 2; s++)
        for (size_t t = 0; t < 2; t++)
          {
            int64_t t_end = t ? end + S (0.05) : end;
            const ws_conn_brief *leg = ws_conn_index_other_leg (ix, c, (ws_side) s, t_end,
                                                                idles[k]);
            g_assert_cmpuint (id_of (leg), ==,
                              id_of (scan_other_leg (items, n, c, (ws_side) s, t_end,
                                                     idles[k])));
            found[3] += k == 0 && t == 0 && leg != NULL;
          }
    }
}

#define N_RANDOM 240

static void
test_same_answers (void)
{
  GRand *r = g_rand_new_with_seed (20231114);
  ws_conn *cs[N_RANDOM];
  ws_conn_brief b[N_RANDOM];
  size_t order[N_RANDOM], nb = 0;
  unsigned found[4] = { 0 };
  ws_conn_index *ix = ws_conn_index_new (0);

  for (size_t i = 0; i < N_RANDOM; i++)
    cs[i] = cb_random_conn (r, i + 1);
  /* most are noted when they open, in order; the rest when they end (after
   * all of those), as the analyzer does */
  for (size_t i = 0; i < N_RANDOM; i++)
    if (i % 7 != 3)
      {
        ws_conn_index_put (ix, cs[i], true);
        order[nb++] = i;
      }
  for (size_t i = 0; i < N_RANDOM; i++)
    {
      if (i % 7 == 3)
        order[nb++] = i;
      ws_conn_index_put (ix, cs[i], false);
    }
  g_assert_cmpuint (nb, ==, N_RANDOM);
  g_assert_cmpuint (ws_conn_index_size (ix), ==, N_RANDOM);
  for (size_t k = 0; k < nb; k++)
    ws_conn_brief_fill (&b[k], cs[order[k]]);
  for (size_t i = 0; i < N_RANDOM; i++)
    ask (ix, b, nb, cs[i], found);
  g_test_message ("reconnects %u, same idle %u, storms %u, proxy legs %u",
                  found[0], found[1], found[2], found[3]);
  for (int k = 0; k < 4; k++)
    g_assert_cmpuint (found[k], >, 0);

  /* pruned: both drop the briefs that ended before the cutoff */
  int64_t cutoff = T0 + S (100.3);
  size_t kept = 0;
  for (size_t k = 0; k < nb; k++)
    if (b[k].end_us == 0 || b[k].end_us >= cutoff)
      b[kept++] = b[k];
  g_assert_cmpuint (kept, <, nb);
  ws_conn_index_prune (ix, cutoff);
  g_assert_cmpuint (ws_conn_index_size (ix), ==, kept);
  memset (found, 0, sizeof found);
  for (size_t i = 0; i < N_RANDOM; i++)
    ask (ix, b, kept, cs[i], found);

  ws_conn_index_free (ix);
  for (size_t i = 0; i < N_RANDOM; i++)
    ws_conn_free (cs[i]);
  g_rand_free (r);
}

/* What ws_conn_index_put promises, done on a plain array in the order the
 * briefs were first kept: a brief already there is refilled in place; a new
 * one goes last, and when max are kept the one that ended first (earliest
 * end, then earliest kept) makes room, or with all open the new one is not
 * kept. */
static void
plain_put (GArray *plain, size_t max, const ws_conn *c, bool open, uint64_t *dropped)
{
  ws_conn_brief b;
  size_t victim = G_MAXSIZE;

  ws_conn_brief_fill (&b, c);
  if (open)
    b.end_us = 0;
  for (guint i = 0; i < plain->len; i++)
    if (g_array_index (plain, ws_conn_brief, i).id == c->id)
      {
        g_array_index (plain, ws_conn_brief, i) = b;
        return;
      }
  if (max && plain->len >= max)
    {
      ++*dropped;
      for (guint i = 0; i < plain->len; i++)
        {
          const ws_conn_brief *o = &g_array_index (plain, ws_conn_brief, i);
          if (o->end_us && (victim == G_MAXSIZE
                            || o->end_us < g_array_index (plain, ws_conn_brief, victim).end_us))
            victim = i;
        }
      if (victim == G_MAXSIZE)
        return;
      g_array_remove_index (plain, (guint) victim);
    }
  g_array_append_val (plain, b);
}

/* Many clients; connections open, end and are pruned round after round, as
 * in a long capture (and, with a limit, evicted): lists are made and
 * dropped, lists outgrow their first entries, the tables grow and lose
 * entries.  After every round the index keeps exactly the briefs a plain
 * array kept the same way keeps, and answers as the array does. */
static void
run_rolling (size_t max, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) ws_conn_free);
  GArray *plain = g_array_new (FALSE, FALSE, sizeof (ws_conn_brief));
  ws_conn_index *ix = ws_conn_index_new (max);
  uint64_t id = 0, dropped = 0;
  unsigned found[4] = { 0 };

  for (int round = 0; round < 40; round++)
    {
      ws_conn *batch[60];
      int64_t now = S (round * 6.0);

      for (int i = 0; i < 60; i++)
        {
          ws_conn *c = cb_random_conn (r, ++id);
          /* two clients in three from 300 others, which come back now and
           * then (a list each, made, dropped and made again) */
          if (g_rand_int_range (r, 0, 3))
            {
              c->addr[WS_SIDE_CLIENT].addr[2] = (uint8_t) g_rand_int_range (r, 1, 4);
              c->addr[WS_SIDE_CLIENT].addr[3] = (uint8_t) g_rand_int_range (r, 1, 101);
            }
          cb_shift (c, now - S (g_rand_int_range (r, 0, 20) * 0.5));
          batch[i] = c;
          g_ptr_array_add (all, c);
          ws_conn_index_put (ix, c, true);
          plain_put (plain, max, c, true, &dropped);
        }
      for (int i = 0; i < 60; i++)
        if (batch[i]->tcp_end != WS_TCP_END_OPEN)
          {
            ws_conn_index_put (ix, batch[i], false);
            plain_put (plain, max, batch[i], false, &dropped);
          }

      int64_t cutoff = T0 + now - S (60);
      ws_conn_index_prune (ix, cutoff);
      for (guint i = 0; i < plain->len;)
        {
          const ws_conn_brief *b = &g_array_index (plain, ws_conn_brief, i);
          if (b->end_us && b->end_us < cutoff)
            g_array_remove_index (plain, i);
          else
            i++;
        }

      g_assert_cmpuint (ws_conn_index_size (ix), ==, plain->len);
      g_assert_cmpuint (ws_conn_index_dropped (ix), ==, dropped);
      for (guint i = 0; i < all->len; i++)
        {
          uint64_t cid = ((ws_conn *) all->pdata[i])->id;
          bool kept = false;
          for (guint j = 0; j < plain->len && !kept; j++)
            kept = g_array_index (plain, ws_conn_brief, j).id == cid;
          if (ws_conn_index_has (ix, cid) != kept)
            g_error ("round %d: id %" G_GUINT64_FORMAT " kept %d by the array", round, cid, kept);
        }
      /* the connections of the window (ids are positions in all, from 1):
       * a quarter of them each round, a different quarter the next, so that
       * every one is asked about while the scans stay affordable under
       * valgrind (tests/valgrind.sh) */
      for (guint i = (guint) round % 4; i < plain->len; i += 4)
        {
          ws_conn *c = all->pdata[g_array_index (plain, ws_conn_brief, i).id - 1];
          ask (ix, (const ws_conn_brief *) (void *) plain->data, plain->len, c, found);
        }
    }
  g_test_message ("max %zu: reconnects %u, same idle %u, storms %u, proxy legs %u, "
                  "dropped %" G_GUINT64_FORMAT, max, found[0], found[1], found[2], found[3],
                  dropped);
  for (int k = 0; k < 4; k++)
    g_assert_cmpuint (found[k], >, 0);
  if (max)
    g_assert_cmpuint (dropped, >, 0);
  ws_conn_index_free (ix);
  g_array_unref (plain);
  g_ptr_array_unref (all);
  g_rand_free (r);
}

static void
test_rolling (void)
{
  run_rolling (0, 20261124);
}

static void
test_rolling_limit (void)
{
  run_rolling (500, 20261125);
}

/* Full: the brief of the connection that ended first goes; with none ended,
 * the new brief is not kept.  Both are counted. */
static void
test_limit (void)
{
  ws_conn_index *ix = ws_conn_index_new (3);
  ws_conn *cs[6];

  for (int i = 0; i < 6; i++)
    {
      cs[i] = cb_conn (i + 1, 5 + i);
      cb_fin (cs[i], WS_SIDE_SERVER, 10 - i);   /* the later, the earlier it ended */
    }
  for (int i = 0; i < 3; i++)
    ws_conn_index_put (ix, cs[i], true);         /* open */
  ws_conn_index_put (ix, cs[3], true);
  g_assert_false (ws_conn_index_has (ix, 4));
  g_assert_cmpuint (ws_conn_index_dropped (ix), ==, 1);
  ws_conn_index_put (ix, cs[0], false);          /* ended at 10 */
  ws_conn_index_put (ix, cs[1], false);          /* ended at 9 */
  ws_conn_index_put (ix, cs[4], false);          /* new: 2 (ended first) goes */
  g_assert_cmpuint (ws_conn_index_size (ix), ==, 3);
  g_assert_false (ws_conn_index_has (ix, 2));
  g_assert_true (ws_conn_index_has (ix, 1) && ws_conn_index_has (ix, 3) && ws_conn_index_has (ix, 5));
  ws_conn_index_put (ix, cs[5], false);          /* 5 (ended at 6) goes */
  g_assert_false (ws_conn_index_has (ix, 5));
  g_assert_true (ws_conn_index_has (ix, 6));
  g_assert_cmpuint (ws_conn_index_dropped (ix), ==, 3);
  ws_conn_index_free (ix);
  for (int i = 0; i < 6; i++)
    ws_conn_free (cs[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/window/same-answers", test_same_answers);
  g_test_add_func ("/window/limit", test_limit);
  g_test_add_func ("/window/rolling", test_rolling);
  g_test_add_func ("/window/rolling-limit", test_rolling_limit);
  return g_test_run ();
}
