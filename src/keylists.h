/* keylists.h - sorted lists found by a byte key, for the window's index
 * (window.c): each list holds entries (a sort value, an insertion number,
 * a slot) sorted by value then insertion number; a table finds a list by its
 * key.  Private to the window.
 *
 * Lists are plain sorted arrays: items arrive nearly in value order, so an
 * insertion lands at or near the end.  A removed entry is marked dead
 * (slot IX_DEAD) and the list is compacted at the next ix_compact.  Most
 * lists stay short, so a list is one allocation holding its header, its key
 * and room for its first IX_INLINE entries; only a longer list gets an
 * array of its own.  Lists with short keys are carved from blocks and
 * reused through a free list.  The table is open addressing (linear
 * probing, at most half full, deletion by shifting back).
 */
#ifndef WS_KEYLISTS_H
#define WS_KEYLISTS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define IX_DEAD UINT32_MAX
#define IX_KEY_MAX 160

typedef struct {
  int64_t v;        /* the list's sort value */
  uint64_t seq;     /* insertion number of the item, then */
  uint32_t slot;    /* IX_DEAD once removed */
} ix_ent;

#define IX_INLINE 2

typedef struct {
  ix_ent *e;              /* inl while cap is IX_INLINE */
  uint32_t head, n, cap;  /* live range [head, n) */
  uint32_t dead;          /* entries marked IX_DEAD in it */
  uint32_t hash;
  uint16_t key_len;
  bool listed;            /* in the table's dirty list */
  ix_ent inl[IX_INLINE];
  uint8_t key[];          /* the key's bytes */
} ix_list;

/* A bucket of the table of lists (l NULL: empty). */
typedef struct {
  uint32_t hash;
  ix_list *l;
} ix_lbucket;

/* A key under construction, on the stack. */
typedef struct {
  uint16_t len;
  uint8_t k[IX_KEY_MAX];
} ix_keybuf;

typedef struct {
  ix_lbucket *buckets;
  uint32_t mask, n;
  GPtrArray *blocks;      /* of IX_BLOCK lists with short keys */
  uint32_t block_used;    /* lists handed out of the last block */
  ix_list *free_lists;    /* short-key lists to reuse, chained through e */
  GPtrArray *dirty;       /* lists with dead entries */
} ix_table;

void ix_table_init (ix_table *t);
void ix_table_clear (ix_table *t);

/* The list with key kb, or NULL. */
ix_list *ix_list_find (const ix_table *t, const ix_keybuf *kb);
/* The list with key kb, created (empty) when missing. */
ix_list *ix_list_make (ix_table *t, const ix_keybuf *kb);

/* Mark the entry (v, seq) of l dead, if it is there. */
void ix_remove (ix_table *t, ix_list *l, int64_t v, uint64_t seq);
/* Drop dead entries; a list left empty goes away, but keep_empty. */
void ix_compact (ix_table *t, const ix_list *keep_empty);
/* Live entries of l with v in [lo, hi], the one at position skip left out;
 * l may be NULL. */
size_t ix_count (const ix_list *l, int64_t lo, int64_t hi, uint32_t skip);

/* First position in [head, n) whose (v, seq) is not below (v, seq). */
static inline uint32_t
ix_lower (const ix_list *l, int64_t v, uint64_t seq)
{
  uint32_t lo = l->head, hi = l->n;

  while (lo < hi)
    {
      uint32_t mid = lo + (hi - lo) / 2;
      const ix_ent *e = &l->e[mid];
      if (e->v < v || (e->v == v && e->seq < seq))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* First position whose v is above v. */
static inline uint32_t
ix_upper (const ix_list *l, int64_t v)
{
  return v == INT64_MAX ? l->n : ix_lower (l, v + 1, 0);
}

/* Add an entry, keeping the order (inline: every brief put makes a few). */
static inline void
ix_insert (ix_list *l, int64_t v, uint64_t seq, uint32_t slot)
{
  uint32_t at;

  if (l->head > 0 && l->head == l->n)
    l->head = l->n = 0;
  if (l->n == l->cap)
    {
      if (l->head > l->n / 2)
        {
          /* reuse the room freed at the front */
          memmove (l->e, l->e + l->head, (l->n - l->head) * sizeof *l->e);
          l->n -= l->head;
          l->head = 0;
        }
      else if (l->e == l->inl)
        {
          l->e = g_new (ix_ent, 4 * IX_INLINE);
          memcpy (l->e, l->inl, l->n * sizeof *l->e);
          l->cap = 4 * IX_INLINE;
        }
      else
        {
          l->cap *= 2;
          l->e = g_renew (ix_ent, l->e, l->cap);
        }
    }
  /* nearly always at the end: briefs come in about the order of time */
  if (l->n == l->head || l->e[l->n - 1].v < v
      || (l->e[l->n - 1].v == v && l->e[l->n - 1].seq < seq))
    at = l->n;
  else
    {
      at = ix_lower (l, v, seq);
      memmove (l->e + at + 1, l->e + at, (l->n - at) * sizeof *l->e);
    }
  l->e[at] = (ix_ent) { v, seq, slot };
  l->n++;
}

#endif
