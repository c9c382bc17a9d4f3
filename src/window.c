/* window.c - the cross-connection window: the index of connection briefs
 * and its questions (see window.h). */
#include "window.h"

#include <stddef.h>
#include <stdlib.h>

#include "facts.h"
#include "keylists.h"

/* The cross-connection rules ask the window four questions (window.h):
 * the next connection of a client (by start), 1006 closes with about the same idle
 * time, connections closed by one server around a moment, and the other leg
 * of a proxy around a moment.  Scanning every brief for every record costs
 * O(records x window), which at 100,000 open connections dominates the run.
 * The analyzer therefore keeps its briefs in a ws_conn_index: each brief sits
 * in a slot that does not move, and in a few sorted lists, each list holding
 * the briefs with one key (a client address, a server and port, ...) sorted
 * by the time the question is about, then by the order the briefs were added.
 * A question is a binary search and a walk over what it matches; counts are
 * differences of positions.  "First in the window" is the smallest insertion
 * number.  tests/test-window.c asks the same questions of a plain array of
 * the same briefs, scanned, and compares the answers.
 *
 * The lists (keylists.c) are sorted arrays found through a hash table of
 * their keys; the slots by connection id are found through a second
 * open-addressing table here.  Removed entries are compacted at the next
 * prune (once per second of capture).  Neither table allocates per entry. */

typedef enum {
  IX_NEXT,          /* client address; by start: reconnects */
  IX_IDLE_SRV,      /* server, port; by idle time: 1006 after a silence */
  IX_IDLE_HOST,     /* Host; by idle time */
  IX_IDLE_BOTH,     /* server, port and Host; by idle time */
  IX_STORM,         /* server, port; by end: closed by the server */
  IX_LEG,           /* side that ended TCP and its address; by end: 1006 */
  IX_ENDED,         /* one list; by end: pruning and the size limit */
  IX_KINDS
} ix_kind;

/* kind, side, two addresses and a port, a Host */
G_STATIC_ASSERT (IX_KEY_MAX >= 4 + 2 * sizeof (ws_addr) + sizeof ((ws_conn_brief *) 0)->host);

typedef struct {
  ws_conn_brief b;
  uint64_t seq;           /* 0: free slot */
} ix_slot;

/* A refused connection attempt (an RST answered the SYN). */
typedef struct {
  ws_addr server, client;
  uint16_t port;
  int64_t ts_us;
} ix_refused;

#define IX_REFUSED_MAX 100000   /* kept at most: the oldest go first */

/* A bucket of the table of slots by id (slot1 0: empty). */
typedef struct {
  uint64_t id;
  uint32_t slot1;         /* slot + 1 */
} ix_ibucket;

struct ws_conn_index {
  ix_slot *slots;         /* never moved by removals */
  uint32_t n_slots, cap_slots;
  uint32_t *free_slots;
  uint32_t n_free, cap_free;
  ix_ibucket *by_id;
  uint32_t id_mask, n_ids;
  ix_table tab;           /* the lists */
  ix_list *ended;         /* IX_ENDED */
  uint64_t next_seq;
  size_t count, max;
  uint64_t dropped;
  GArray *refused;        /* of ix_refused, in the order noted (capture time) */
};

static bool
closed_by_server (const ws_conn_brief *b)
{
  if (b->close_initiator == WS_SIDE_SERVER)
    return true;
  return b->close_initiator == WS_SIDE_NONE && b->close_code == 1006
         && b->tcp_end_by == WS_SIDE_SERVER;
}

bool
ws_brief_storm_counts (const ws_conn_brief *b)
{
  /* upgraded, closed by the server, and either long-lived or told to go
   * away by the server (1001/1012 say so whatever the lifetime) */
  if (b->lived_us < 0 || !closed_by_server (b))
    return false;
  return b->lived_us >= WS_WINDOW_STORM_MIN_LIFE_US || b->close_code == 1001
         || b->close_code == 1012;
}

static void
key_put (ix_keybuf *kb, const void *p, size_t n)
{
  memcpy (kb->k + kb->len, p, n);
  kb->len = (uint16_t) (kb->len + n);
}

static void
key_addr (ix_keybuf *kb, const ws_addr *a)
{
  key_put (kb, &a->family, 1);
  key_put (kb, a->addr, sizeof a->addr);
}

static void
key_port (ix_keybuf *kb, uint16_t port)
{
  key_put (kb, &port, sizeof port);
}

/* A Host compares without ASCII case (g_ascii_strcasecmp in the rules). */
static void
key_host (ix_keybuf *kb, const char *host, size_t len)
{
  for (size_t i = 0; i < len; i++)
    kb->k[kb->len + i] = (uint8_t) g_ascii_tolower (host[i]);
  kb->len = (uint16_t) (kb->len + len);
}

static void
key_start (ix_keybuf *kb, ix_kind kind)
{
  kb->len = 0;
  kb->k[kb->len++] = (uint8_t) kind;
}

/* The key and sort value of brief b in the lists of one kind; false when b
 * is in none of them.  The conditions are those of the rules' scans. */
static bool
ix_entry_of (ix_kind kind, const ws_conn_brief *b, ix_keybuf *kb, int64_t *v)
{
  bool idle_1006 = b->close_code == 1006 && b->idle_us >= WS_WINDOW_SAME_IDLE_FLOOR_US;

  key_start (kb, kind);
  switch (kind)
    {
    case IX_NEXT:
      key_addr (kb, &b->client);
      *v = b->start_us;
      return true;
    case IX_IDLE_SRV:
      if (!idle_1006)
        return false;
      key_addr (kb, &b->server);
      key_port (kb, b->server_port);
      *v = b->idle_us;
      return true;
    case IX_IDLE_HOST:
    case IX_IDLE_BOTH:
      if (!idle_1006 || !b->host[0])
        return false;
      if (kind == IX_IDLE_BOTH)
        {
          key_addr (kb, &b->server);
          key_port (kb, b->server_port);
        }
      key_host (kb, b->host, strnlen (b->host, sizeof b->host));
      *v = b->idle_us;
      return true;
    case IX_STORM:
      if (b->end_us == 0 || !ws_brief_storm_counts (b))
        return false;
      key_addr (kb, &b->server);
      key_port (kb, b->server_port);
      *v = b->end_us;
      return true;
    case IX_LEG:
      {
        uint8_t side = (uint8_t) b->tcp_end_by;
        if (b->close_code != 1006 || b->end_us == 0 || b->idle_us < 0
            || (b->tcp_end_by != WS_SIDE_CLIENT && b->tcp_end_by != WS_SIDE_SERVER))
          return false;
        key_put (kb, &side, 1);
        key_addr (kb, b->tcp_end_by == WS_SIDE_CLIENT ? &b->client : &b->server);
        *v = b->end_us;
        return true;
      }
    case IX_ENDED:
      *v = b->end_us;
      return b->end_us != 0;
    case IX_KINDS:
      break;
    }
  return false;
}

ws_conn_index *
ws_conn_index_new (size_t max_briefs)
{
  ws_conn_index *ix = g_new0 (ws_conn_index, 1);
  ix_keybuf kb;

  ix->id_mask = 63;
  ix->by_id = g_new0 (ix_ibucket, ix->id_mask + 1);
  ix_table_init (&ix->tab);
  ix->max = max_briefs;
  ix->next_seq = 1;
  key_start (&kb, IX_ENDED);
  ix->ended = ix_list_make (&ix->tab, &kb);
  ix->refused = g_array_new (FALSE, FALSE, sizeof (ix_refused));
  return ix;
}

void
ws_conn_index_free (ws_conn_index *ix)
{
  if (!ix)
    return;
  ix_table_clear (&ix->tab);
  g_free (ix->by_id);
  g_free (ix->free_slots);
  g_free (ix->slots);
  g_array_free (ix->refused, TRUE);
  g_free (ix);
}

static ix_slot *
ix_slot_at (const ws_conn_index *ix, uint32_t s)
{
  return &ix->slots[s];
}

/* Ids are handed out in order, so a multiplicative hash spreads them. */
static uint32_t
id_home (const ws_conn_index *ix, uint64_t id)
{
  return (uint32_t) ((id * 0x9E3779B97F4A7C15u) >> 32) & ix->id_mask;
}

static ix_slot *
ix_find (const ws_conn_index *ix, uint64_t id)
{
  for (uint32_t i = id_home (ix, id);; i = (i + 1) & ix->id_mask)
    {
      const ix_ibucket *bk = &ix->by_id[i];
      if (!bk->slot1)
        return NULL;
      if (bk->id == id)
        return ix_slot_at (ix, bk->slot1 - 1);
    }
}

static void
id_place (ix_ibucket *tab, uint32_t mask, uint32_t home, ix_ibucket bk)
{
  uint32_t i = home;

  while (tab[i].slot1)
    i = (i + 1) & mask;
  tab[i] = bk;
}

/* Note slot s under id (not there yet). */
static void
ix_id_add (ws_conn_index *ix, uint64_t id, uint32_t s)
{
  if (++ix->n_ids > ix->id_mask / 2)
    {
      ix_ibucket *old = ix->by_id;
      uint32_t old_cap = ix->id_mask + 1;

      ix->id_mask = 2 * old_cap - 1;
      ix->by_id = g_new0 (ix_ibucket, ix->id_mask + 1);
      for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].slot1)
          id_place (ix->by_id, ix->id_mask, id_home (ix, old[i].id), old[i]);
      g_free (old);
    }
  id_place (ix->by_id, ix->id_mask, id_home (ix, id), (ix_ibucket) { id, s + 1 });
}

static void
ix_id_remove (ws_conn_index *ix, uint64_t id)
{
  uint32_t i = id_home (ix, id), j;

  while (ix->by_id[i].slot1 && ix->by_id[i].id != id)
    i = (i + 1) & ix->id_mask;
  if (!ix->by_id[i].slot1)
    return;
  for (j = (i + 1) & ix->id_mask; ix->by_id[j].slot1; j = (j + 1) & ix->id_mask)
    {
      uint32_t home = id_home (ix, ix->by_id[j].id);
      if (((j - home) & ix->id_mask) >= ((j - i) & ix->id_mask))
        {
          ix->by_id[i] = ix->by_id[j];
          i = j;
        }
    }
  ix->by_id[i] = (ix_ibucket) { 0, 0 };
  ix->n_ids--;
}

/* Do a and b agree on every field ix_entry_of reads? */
static bool
ix_same_fields (const ws_conn_brief *a, const ws_conn_brief *b)
{
  return a->start_us == b->start_us && a->end_us == b->end_us && a->idle_us == b->idle_us
         && a->close_code == b->close_code && a->close_initiator == b->close_initiator
         && a->tcp_end_by == b->tcp_end_by && a->server_port == b->server_port
         && ws_addr_eq (&a->client, &b->client) && ws_addr_eq (&a->server, &b->server)
         && strcmp (a->host, b->host) == 0;
}

/* Put slot s (holding brief b) into the lists; with old set, a refill:
 * entries whose key and value did not change stay as they are. */
static void
ix_link (ws_conn_index *ix, uint32_t s, const ws_conn_brief *old)
{
  const ix_slot *sl = ix_slot_at (ix, s);

  if (old && ix_same_fields (old, &sl->b))
    return;
  for (int k = 0; k < IX_KINDS; k++)
    {
      ix_keybuf nk, ok;
      int64_t nv = 0, ov = 0;
      bool in_new = ix_entry_of ((ix_kind) k, &sl->b, &nk, &nv);
      bool in_old = old && ix_entry_of ((ix_kind) k, old, &ok, &ov);

      if (in_old && in_new && nv == ov && nk.len == ok.len && memcmp (nk.k, ok.k, nk.len) == 0)
        continue;
      if (in_old)
        {
          ix_list *l = ix_list_find (&ix->tab, &ok);
          if (l)
            ix_remove (&ix->tab, l, ov, sl->seq);
        }
      if (in_new)
        ix_insert (ix_list_make (&ix->tab, &nk), nv, sl->seq, s);
    }
}

/* Take slot s out of every list and free it. */
static void
ix_drop_slot (ws_conn_index *ix, uint32_t s)
{
  ix_slot *sl = ix_slot_at (ix, s);

  for (int k = 0; k < IX_KINDS; k++)
    {
      ix_keybuf kb;
      int64_t v;
      if (ix_entry_of ((ix_kind) k, &sl->b, &kb, &v))
        {
          ix_list *l = ix_list_find (&ix->tab, &kb);
          if (l)
            ix_remove (&ix->tab, l, v, sl->seq);
        }
    }
  ix_id_remove (ix, sl->b.id);
  sl->seq = 0;
  if (ix->n_free == ix->cap_free)
    {
      ix->cap_free = ix->cap_free ? 2 * ix->cap_free : 64;
      ix->free_slots = g_renew (uint32_t, ix->free_slots, ix->cap_free);
    }
  ix->free_slots[ix->n_free++] = s;
  ix->count--;
}

/* The slot of the brief that ended first, or IX_DEAD; dead entries at the
 * front are passed for good. */
static uint32_t
ix_oldest_ended (ws_conn_index *ix)
{
  ix_list *l = ix->ended;

  while (l->head < l->n && l->e[l->head].slot == IX_DEAD)
    {
      l->head++;
      l->dead--;
    }
  return l->head < l->n ? l->e[l->head].slot : IX_DEAD;
}

bool
ws_conn_index_has (const ws_conn_index *ix, uint64_t id)
{
  return ix_find (ix, id) != NULL;
}

void
ws_conn_index_put (ws_conn_index *ix, const ws_conn *c, bool open)
{
  ws_conn_brief b;

  ws_conn_brief_fill (&b, c);
  if (open)
    b.end_us = 0;
  ws_conn_index_put_brief (ix, &b);
}

void
ws_conn_index_put_brief (ws_conn_index *ix, const ws_conn_brief *b)
{
  ix_slot *sl = ix_find (ix, b->id);
  uint32_t s;

  if (sl)
    {
      ws_conn_brief old = sl->b;
      sl->b = *b;
      ix_link (ix, (uint32_t) (sl - ix_slot_at (ix, 0)), &old);
      return;
    }
  if (ix->max && ix->count >= ix->max)
    {
      /* full: the brief of the connection that ended first goes; when all
       * are open, the new one is not kept */
      uint32_t victim = ix_oldest_ended (ix);
      ix->dropped++;
      if (victim == IX_DEAD)
        return;
      ix_drop_slot (ix, victim);
    }
  if (ix->n_free)
    s = ix->free_slots[--ix->n_free];
  else
    {
      if (ix->n_slots == ix->cap_slots)
        {
          ix->cap_slots = ix->cap_slots ? 2 * ix->cap_slots : 64;
          ix->slots = g_renew (ix_slot, ix->slots, ix->cap_slots);
        }
      s = ix->n_slots++;
    }
  sl = ix_slot_at (ix, s);
  sl->b = *b;
  sl->seq = ix->next_seq++;
  ix_id_add (ix, b->id, s);
  ix->count++;
  ix_link (ix, s, NULL);
}

void
ws_conn_index_prune (ws_conn_index *ix, int64_t cutoff_us)
{
  ix_list *l = ix->ended;

  while (l->head < l->n && l->e[l->head].v < cutoff_us)
    {
      uint32_t s = l->e[l->head].slot;
      if (s != IX_DEAD)
        ix_drop_slot (ix, s);     /* marks this entry dead */
      /* dead either way, and now before the head */
      l->head++;
      l->dead--;
    }
  ix_compact (&ix->tab, ix->ended);
  guint n = 0;
  while (n < ix->refused->len && g_array_index (ix->refused, ix_refused, n).ts_us < cutoff_us)
    n++;
  if (n)
    g_array_remove_range (ix->refused, 0, n);
}

void
ws_conn_index_note_refused (ws_conn_index *ix, const ws_addr *client, const ws_addr *server,
                            uint16_t port, int64_t ts_us)
{
  ix_refused r;

  memset (&r, 0, sizeof r);
  r.client = *client;
  r.server = *server;
  r.port = port;
  r.ts_us = ts_us;
  if (ix->refused->len >= IX_REFUSED_MAX)
    g_array_remove_range (ix->refused, 0, IX_REFUSED_MAX / 10);
  /* kept in time order: a late one is put in its place */
  guint at = ix->refused->len;
  while (at > 0 && g_array_index (ix->refused, ix_refused, at - 1).ts_us > ts_us)
    at--;
  g_array_insert_val (ix->refused, at, r);
}

/* The refused attempts between from_us and to_us to server:port (server
 * not NULL) or from client (server NULL). */
static size_t
refused_count (const ws_conn_index *ix, const ws_addr *server, uint16_t port,
               const ws_addr *client, int64_t from_us, int64_t to_us, int64_t *first_us,
               int64_t *last_us)
{
  const GArray *a = ix->refused;
  guint lo = 0, hi = a->len;
  size_t n = 0;

  *first_us = *last_us = 0;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (a, ix_refused, mid).ts_us < from_us)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint j = lo; j < a->len; j++)
    {
      const ix_refused *r = &g_array_index (a, ix_refused, j);
      if (r->ts_us > to_us)
        break;
      if (server ? r->port != port || !ws_addr_eq (&r->server, server)
                 : !ws_addr_eq (&r->client, client))
        continue;
      if (!n++)
        *first_us = r->ts_us;
      *last_us = r->ts_us;
    }
  return n;
}

size_t
ws_conn_index_refused (const ws_conn_index *ix, const ws_conn *c, int64_t from_us, int64_t to_us,
                       int64_t *first_us, int64_t *last_us)
{
  return refused_count (ix, &c->addr[WS_SIDE_SERVER], c->port[WS_SIDE_SERVER], NULL, from_us,
                        to_us, first_us, last_us);
}

size_t
ws_conn_index_refused_from (const ws_conn_index *ix, const ws_addr *client, int64_t from_us,
                            int64_t to_us, int64_t *first_us, int64_t *last_us)
{
  return refused_count (ix, NULL, 0, client, from_us, to_us, first_us, last_us);
}

size_t
ws_conn_index_size (const ws_conn_index *ix)
{
  return ix->count;
}

uint64_t
ws_conn_index_dropped (const ws_conn_index *ix)
{
  return ix->dropped;
}

/* The list of a kind for a key built by the caller. */
static const ix_list *
ix_lookup (const ws_conn_index *ix, const ix_keybuf *kb)
{
  const ix_list *l = ix_list_find (&ix->tab, kb);

  return l && l->head < l->n ? l : NULL;
}

/* Position of the entry of slot s in list l (which s's brief belongs to with
 * value v), or UINT32_MAX. */
static uint32_t
ix_pos_of (const ws_conn_index *ix, const ix_list *l, const ix_slot *s, ix_kind kind)
{
  ix_keybuf kb;
  int64_t v;
  uint32_t at;

  if (!s || !ix_entry_of (kind, &s->b, &kb, &v) || kb.len != l->key_len
      || memcmp (kb.k, l->key, kb.len) != 0)
    return UINT32_MAX;
  at = ix_lower (l, v, s->seq);
  if (at < l->n && l->e[at].seq == s->seq && l->e[at].slot != IX_DEAD)
    return at;
  return UINT32_MAX;
}

static bool
same_server (const ws_conn_brief *b, const ws_conn *c)
{
  return ws_addr_eq (&b->server, &c->addr[WS_SIDE_SERVER])
         && b->server_port == c->port[WS_SIDE_SERVER];
}

/* The same server and port, or the same Host. */
static bool
same_place (const ws_conn_brief *b, const ws_conn *c)
{
  return same_server (b, c)
         || (b->host[0] && c->host && g_ascii_strcasecmp (b->host, c->host) == 0);
}

static void
key_server (ix_keybuf *kb, ix_kind kind, const ws_conn *c)
{
  key_start (kb, kind);
  key_addr (kb, &c->addr[WS_SIDE_SERVER]);
  key_port (kb, c->port[WS_SIDE_SERVER]);
}

/* c->host as a key, when a brief's (cut to its size) can equal it. */
static bool
host_keyable (const ws_conn *c, size_t *len)
{
  *len = c->host ? strlen (c->host) : 0;
  return *len > 0 && *len < sizeof ((ws_conn_brief *) 0)->host;
}

/* ---- the questions --------------------------------------------------------- */

const ws_conn_brief *
ws_conn_index_next (const ws_conn_index *ix, const ws_conn *c, int64_t after_us)
{
  ix_keybuf kb;

  key_start (&kb, IX_NEXT);
  key_addr (&kb, &c->addr[WS_SIDE_CLIENT]);
  const ix_list *l = ix_lookup (ix, &kb);
  if (!l || c->start_us == INT64_MAX)
    return NULL;
  /* sorted by start, then by order in the window: the first that fits */
  for (uint32_t j = ix_lower (l, MAX (after_us, c->start_us + 1), 0); j < l->n; j++)
    {
      if (l->e[j].slot == IX_DEAD)
        continue;
      const ws_conn_brief *b = &ix_slot_at (ix, l->e[j].slot)->b;
      if (b->id != c->id && same_place (b, c))
        return b;
    }
  return NULL;
}

size_t
ws_conn_index_same_idle (const ws_conn_index *ix, const ws_conn *c, int64_t idle_us)
{
  const ix_slot *self = ix_find (ix, c->id);
  int64_t lo = idle_us - WS_WINDOW_SAME_IDLE_US, hi = idle_us + WS_WINDOW_SAME_IDLE_US;
  const ix_list *srv, *host, *both;
  ix_keybuf kb;
  size_t n = 1, hl;

  key_server (&kb, IX_IDLE_SRV, c);
  srv = ix_lookup (ix, &kb);
  if (srv)
    n += ix_count (srv, lo, hi, ix_pos_of (ix, srv, self, IX_IDLE_SRV));
  if (!host_keyable (c, &hl))
    return n;
  /* same Host but another server: the Host's list less the part also at
   * this server (this connection included) */
  key_start (&kb, IX_IDLE_HOST);
  key_host (&kb, c->host, hl);
  host = ix_lookup (ix, &kb);
  if (!host)
    return n;
  key_server (&kb, IX_IDLE_BOTH, c);
  key_host (&kb, c->host, hl);
  both = ix_lookup (ix, &kb);
  if (host->dead == 0 && (!both || both->dead == 0))
    return n + ix_count (host, lo, hi, UINT32_MAX) - ix_count (both, lo, hi, UINT32_MAX);
  for (uint32_t j = ix_lower (host, lo, 0), e = ix_upper (host, hi); j < e; j++)
    if (host->e[j].slot != IX_DEAD && !same_server (&ix_slot_at (ix, host->e[j].slot)->b, c))
      n++;
  return n;
}

/* The others (not c) in list l from j to e that fit: idle between lo and
 * hi (the list's values), ending farther than apart_us from end_us when
 * apart_us > 0, and (other_servers) not at c's server. */
static size_t
idle_walk (const ws_conn_index *ix, const ix_list *l, const ws_conn *c, int64_t lo, int64_t hi,
           int64_t end_us, int64_t apart_us, ws_side ender, bool other_servers)
{
  size_t n = 0;
  if (!l)
    return 0;
  for (uint32_t j = ix_lower (l, lo, 0), e = ix_upper (l, hi); j < e; j++)
    {
      if (l->e[j].slot == IX_DEAD)
        continue;
      const ws_conn_brief *b = &ix_slot_at (ix, l->e[j].slot)->b;
      if (b->id == c->id || (other_servers && same_server (b, c)))
        continue;
      if (apart_us > 0 && llabs (b->end_us - end_us) <= apart_us)
        continue;
      if (ender != WS_SIDE_NONE && b->tcp_end_by != ender)
        continue;
      n++;
    }
  return n;
}

size_t
ws_conn_index_idle_count (const ws_conn_index *ix, const ws_conn *c, int64_t lo, int64_t hi,
                          int64_t end_us, int64_t apart_us, ws_side ender)
{
  ix_keybuf kb;
  size_t n, hl;

  key_server (&kb, IX_IDLE_SRV, c);
  n = idle_walk (ix, ix_lookup (ix, &kb), c, lo, hi, end_us, apart_us, ender, false);
  if (!host_keyable (c, &hl))
    return n;
  key_start (&kb, IX_IDLE_HOST);
  key_host (&kb, c->host, hl);
  return n + idle_walk (ix, ix_lookup (ix, &kb), c, lo, hi, end_us, apart_us, WS_SIDE_NONE,
                      true);
}

size_t
ws_conn_index_storm (const ws_conn_index *ix, const ws_conn *c, int64_t end_us,
                     int64_t *lo, int64_t *hi, size_t *around)
{
  size_t n = 1;
  ix_keybuf kb;

  *lo = *hi = end_us;
  if (around)
    *around = 0;
  key_server (&kb, IX_STORM, c);
  const ix_list *l = ix_lookup (ix, &kb);
  if (!l)
    return n;
  uint32_t a = ix_lower (l, end_us - WS_WINDOW_STORM_US, 0);
  uint32_t e = ix_upper (l, end_us + WS_WINDOW_STORM_US);
  uint32_t self = ix_pos_of (ix, l, ix_find (ix, c->id), IX_STORM);
  if (around)
    {
      /* the baseline: the long window less the burst window, c left out */
      uint32_t ba = ix_lower (l, end_us - WS_WINDOW_STORM_BASE_US, 0);
      uint32_t be = ix_upper (l, end_us + WS_WINDOW_STORM_BASE_US);
      if (l->dead == 0)
        {
          *around = (size_t) (a - ba) + (size_t) (be - e);
          if (self >= ba && self < be && (self < a || self >= e))
            (*around)--;
        }
      else
        for (uint32_t j = ba; j < be; j++)
          if (l->e[j].slot != IX_DEAD && (j < a || j >= e) && j != self)
            (*around)++;
    }
  if (l->dead == 0)
    {
      /* a count and the two ends of the range, this one left out */
      size_t others = e - a;
      if (self >= a && self < e)
        {
          others--;
          if (self == a)
            a++;
          else if (self == e - 1)
            e--;
        }
      if (a < e)
        {
          *lo = MIN (*lo, l->e[a].v);
          *hi = MAX (*hi, l->e[e - 1].v);
        }
      return n + others;
    }
  for (uint32_t j = a; j < e; j++)
    if (l->e[j].slot != IX_DEAD && j != self)
      {
        n++;
        *lo = MIN (*lo, l->e[j].v);
        *hi = MAX (*hi, l->e[j].v);
      }
  return n;
}

size_t
ws_conn_index_client_ends (const ws_conn_index *ix, const ws_conn *c, int64_t end_us)
{
  size_t n = 0;
  const ix_list *l = ix->ended;
  for (uint32_t j = ix_lower (l, end_us - WS_WINDOW_STORM_US, 0),
         e = ix_upper (l, end_us + WS_WINDOW_STORM_US); j < e; j++)
    {
      if (l->e[j].slot == IX_DEAD)
        continue;
      const ws_conn_brief *b = &ix_slot_at (ix, l->e[j].slot)->b;
      if (b->id != c->id && same_server (b, c) && !closed_by_server (b)
          && b->lived_us >= WS_WINDOW_STORM_MIN_LIFE_US)
        n++;
    }
  return n;
}

const ws_conn_brief *
ws_conn_index_other_leg (const ws_conn_index *ix, const ws_conn *c, ws_side ender,
                         int64_t t_end, int64_t idle)
{
  /* that one was ended by the side at this one's ender's address */
  const ws_conn_brief *best = NULL;
  uint64_t best_seq = 0;
  uint8_t side = ender == WS_SIDE_SERVER ? WS_SIDE_CLIENT : WS_SIDE_SERVER;
  ix_keybuf kb;

  key_start (&kb, IX_LEG);
  key_put (&kb, &side, 1);
  key_addr (&kb, &c->addr[ender == WS_SIDE_SERVER ? WS_SIDE_SERVER : WS_SIDE_CLIENT]);
  const ix_list *l = ix_lookup (ix, &kb);
  if (!l)
    return NULL;
  for (uint32_t j = ix_lower (l, t_end - WS_WINDOW_PROXY_PAIR_US, 0),
         e = ix_upper (l, t_end + WS_WINDOW_PROXY_PAIR_US); j < e; j++)
    {
      if (l->e[j].slot == IX_DEAD || (best && l->e[j].seq > best_seq))
        continue;
      const ws_conn_brief *b = &ix_slot_at (ix, l->e[j].slot)->b;
      if (b->id == c->id || llabs (b->idle_us - idle) > WS_WINDOW_PROXY_PAIR_US * 5)
        continue;
      best = b;
      best_seq = l->e[j].seq;
    }
  return best;
}

const ws_conn_brief *
ws_conn_index_backend_leg (const ws_conn_index *ix, const ws_conn *c, int64_t t_end)
{
  const ix_list *l = ix->ended;
  const ws_conn_brief *best = NULL;

  for (uint32_t j = ix_lower (l, t_end - WS_WINDOW_PROXY_PAIR_US, 0),
         e = ix_upper (l, t_end); j < e; j++)
    {
      if (l->e[j].slot == IX_DEAD)
        continue;
      const ws_conn_brief *b = &ix_slot_at (ix, l->e[j].slot)->b;
      if (b->id == c->id || b->close_code != 1006 || b->tcp_end_by != WS_SIDE_SERVER
          || !ws_addr_eq (&b->client, &c->addr[WS_SIDE_SERVER]) || same_server (b, c)
          || b->lived_us < 0)
        continue;
      if (!best || b->end_us > best->end_us)
        best = b;
    }
  return best;
}

/* ---- briefs ------------------------------------------------------------------ */

void
ws_conn_brief_fill (ws_conn_brief *b, const ws_conn *c)
{
  memset (b, 0, sizeof *b);
  b->id = c->id;
  b->client = c->addr[WS_SIDE_CLIENT];
  b->server = c->addr[WS_SIDE_SERVER];
  b->server_port = c->port[WS_SIDE_SERVER];
  b->client_port = c->port[WS_SIDE_CLIENT];
  if (c->host)
    {
      /* as g_strlcpy would, without its byte-at-a-time loop */
      size_t n = strnlen (c->host, sizeof b->host - 1);
      memcpy (b->host, c->host, n);
    }
  b->start_us = c->start_us;
  b->request_us = c->request_us;
  b->end_us = ws_end_moment (c);
  b->close_code = ws_conn_close_code (c);
  b->close_initiator = c->close_initiator;
  b->tcp_end = c->tcp_end;
  b->tcp_end_by = c->tcp_end_by;
  int64_t lf = ws_last_frame_us (c);
  if (!lf)
    lf = c->response_us;
  b->idle_us = b->end_us && lf && b->end_us >= lf ? b->end_us - lf : -1;
  /* upgraded: a 101, or frames recognised mid-stream with no handshake seen */
  int64_t up = c->handshake_status == 101 ? c->response_us
               : c->handshake_status < 0 && c->stage == WS_STAGE_FRAMES ? c->start_us : 0;
  b->lived_us = b->end_us && up && b->end_us >= up ? b->end_us - up : -1;
}

