/* flowtable.h - the key of a TCP flow and the table that finds a flow by
 * its key: the lookup every packet makes (tcp.c, its only user).
 *
 * The key is the normalised 4-tuple (the lower endpoint first, so both
 * directions have one key) and the tunnel, 48 bytes hashed and compared as
 * six words.  The table is open addressing with linear probing, at most
 * half full; its entries are the caller's (each begins with its fkey) and
 * are neither owned nor freed here.  All static inline: it is on the
 * per-packet path.
 */
#ifndef WS_FLOWTABLE_H
#define WS_FLOWTABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "record.h"

typedef struct {
  uint8_t family;
  uint8_t pad[3];      /* zero: 48 bytes, hashed and compared as six words */
  uint16_t port[2];
  uint8_t addr[2][16];
  uint32_t tunnel;     /* ws_packet.tunnel: flows in different tunnels apart */
  uint32_t pad2;
} fkey;
G_STATIC_ASSERT (sizeof (fkey) % 8 == 0);

/* Flows by key: open addressing with linear probing, at most half full, each
 * slot with the key's hash so that only a likely match is compared.  (A
 * lookup per packet: GHashTable's calls through pointers cost twice as
 * much.)  The slot also names the flow's connection, so that both can be
 * fetched at once: with many connections neither is in the cache, and
 * reaching the connection through the flow made the two waits one after
 * the other. */
typedef struct {
  uint32_t hash;
  const void *f;       /* the entry (it begins with its fkey); NULL: empty */
  const ws_conn *conn; /* the entry's connection */
} fslot;

typedef struct {
  fslot *slots;
  size_t mask;         /* slots - 1, slots a power of two */
  size_t count;
} ftable;

/* For a GHashTable of keys (the evicted ones). */
static inline guint
fkey_hash (gconstpointer k)
{
  const uint8_t *b = k;
  guint h = 2166136261u;
  for (size_t i = 0; i < sizeof (fkey); i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static inline gboolean
fkey_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (fkey)) == 0;
}

/* The key as five words, built in registers (written field by field and
 * read back as words, it cost a store-forwarding stall per word).  The
 * lower endpoint comes first, so that both directions have one key: the
 * order memcmp of the addresses, then the port, would give, with the
 * addresses compared as two big-endian words.  Word 0 holds the family and
 * the ports, words 1-4 the addresses, word 5 the tunnel, as fkey lays them
 * out. */
static inline bool
key_words (uint64_t w[6], const ws_packet *p)
{
  uint64_t s0, s1, d0, d1;
  memcpy (&s0, p->src.addr, 8);
  memcpy (&s1, p->src.addr + 8, 8);
  memcpy (&d0, p->dst.addr, 8);
  memcpy (&d1, p->dst.addr + 8, 8);
  uint64_t bs0 = GUINT64_FROM_BE (s0), bs1 = GUINT64_FROM_BE (s1);
  uint64_t bd0 = GUINT64_FROM_BE (d0), bd1 = GUINT64_FROM_BE (d1);
  bool src_first = bs0 != bd0 ? bs0 < bd0 : bs1 != bd1 ? bs1 < bd1 : p->sport <= p->dport;
  uint16_t lo_port = src_first ? p->sport : p->dport, hi_port = src_first ? p->dport : p->sport;
  G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN || G_BYTE_ORDER == G_BIG_ENDIAN);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  w[0] = (uint64_t) p->src.family | (uint64_t) lo_port << 32 | (uint64_t) hi_port << 48;
#else
  w[0] = (uint64_t) p->src.family << 56 | (uint64_t) lo_port << 16 | (uint64_t) hi_port;
#endif
  w[1] = src_first ? s0 : d0;
  w[2] = src_first ? s1 : d1;
  w[3] = src_first ? d0 : s0;
  w[4] = src_first ? d1 : s1;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  w[5] = p->tunnel;
#else
  w[5] = (uint64_t) p->tunnel << 32;
#endif
  return src_first;
}
G_STATIC_ASSERT (offsetof (fkey, port) == 4 && offsetof (fkey, addr) == 8
                 && offsetof (fkey, tunnel) == 40);

/* Each word times its own odd constant, summed, the high half folded into
 * the low: the products are independent, so this costs about a multiply. */
static inline uint32_t
key_hash (const uint64_t w[6])
{
  uint64_t h = w[0] * 0x9e3779b97f4a7c15ull + w[1] * 0xc2b2ae3d27d4eb4full
               + w[2] * 0x165667b19e3779f9ull + w[3] * 0xd6e8feb86659fd93ull
               + w[4] * 0xff51afd7ed558ccdull + w[5] * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return (uint32_t) (h ^ (h >> 16));
}

/* The key of p and its hash; *src_lo tells whether p's sender is the key's
 * first endpoint. */
static inline uint32_t
make_key (fkey *k, const ws_packet *p, bool *src_lo)
{
  uint64_t w[6];
  *src_lo = key_words (w, p);
  memcpy (k, w, sizeof w);
  return key_hash (w);
}
G_STATIC_ASSERT (sizeof (fkey) == 6 * sizeof (uint64_t));

static inline void
ft_init (ftable *ft, size_t slots)
{
  ft->slots = g_new0 (fslot, slots);
  ft->mask = slots - 1;
  ft->count = 0;
}

/* The entry of key k (hash h), or NULL. */
static inline void *
ft_lookup (const ftable *ft, const fkey *k, uint32_t h)
{
  for (size_t i = h & ft->mask;; i = (i + 1) & ft->mask)
    {
      const fslot *sl = &ft->slots[i];
      if (!sl->f)
        return NULL;
      if (sl->hash == h)
        {
          /* the lines of the connection every packet reaches */
          const ws_conn *c = sl->conn;
          __builtin_prefetch (c);
          __builtin_prefetch (&c->frames[0]);
          __builtin_prefetch (&c->frames[1]);
          __builtin_prefetch (&c->dir[0]);
          __builtin_prefetch (&c->dir[1]);
          if (memcmp (sl->f, k, sizeof *k) == 0)
            return (void *) sl->f;
        }
    }
}

static inline void
ft_put (ftable *ft, uint32_t hash, const void *f, const ws_conn *conn)
{
  size_t i = hash & ft->mask;
  while (ft->slots[i].f)
    i = (i + 1) & ft->mask;
  ft->slots[i].hash = hash;
  ft->slots[i].f = f;
  ft->slots[i].conn = conn;
  ft->count++;
}

/* Add entry f (key hash hash, connection conn), growing the table. */
static inline void
ft_insert (ftable *ft, uint32_t hash, const void *f, const ws_conn *conn)
{
  if ((ft->count + 1) * 2 > ft->mask + 1)
    {
      ftable bigger;
      ft_init (&bigger, (ft->mask + 1) * 2);
      for (size_t i = 0; i <= ft->mask; i++)
        if (ft->slots[i].f)
          ft_put (&bigger, ft->slots[i].hash, ft->slots[i].f, ft->slots[i].conn);
      g_free (ft->slots);
      *ft = bigger;
    }
  ft_put (ft, hash, f, conn);
}

/* Remove entry f (key hash hash), if it is in the table. */
static inline void
ft_remove (ftable *ft, uint32_t hash, const void *f)
{
  size_t i = hash & ft->mask;
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

#endif
