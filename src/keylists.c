/* keylists.c - sorted lists found by a byte key (see keylists.h). */
#include "keylists.h"

#include <stddef.h>
#include <string.h>

#define IX_SMALL_KEY 24         /* kind, side, address and port fit */
#define IX_BLOCK 256
#define IX_SMALL_SIZE \
  ((offsetof (ix_list, key) + IX_SMALL_KEY + 7) / 8 * 8)

/* The key is read eight bytes at a time; its length is mixed in, so keys
 * differing only by trailing zero bytes hash apart. */
static uint32_t
key_hash (const uint8_t *k, size_t n)
{
  uint64_t h = 0x9E3779B97F4A7C15u ^ n, w;
  size_t i = 0;

  for (; i + 8 <= n; i += 8)
    {
      memcpy (&w, k + i, 8);
      h = (h ^ w) * 0xFF51AFD7ED558CCDu;
      h ^= h >> 32;
    }
  if (i < n)
    {
      w = 0;
      memcpy (&w, k + i, n - i);
      h = (h ^ w) * 0xFF51AFD7ED558CCDu;
    }
  h ^= h >> 29;
  h *= 0xC4CEB9FE1A85EC53u;
  h ^= h >> 32;
  return (uint32_t) h;
}

static ix_list *
list_alloc (ix_table *t, uint16_t key_len)
{
  ix_list *l;

  if (key_len > IX_SMALL_KEY)
    return g_malloc (sizeof *l + key_len);
  if (t->free_lists)
    {
      l = t->free_lists;
      t->free_lists = (ix_list *) (void *) l->e;
      return l;
    }
  if (!t->blocks->len || t->block_used == IX_BLOCK)
    {
      g_ptr_array_add (t->blocks, g_malloc (IX_BLOCK * IX_SMALL_SIZE));
      t->block_used = 0;
    }
  l = (ix_list *) (void *) ((char *) g_ptr_array_index (t->blocks, t->blocks->len - 1)
                            + t->block_used++ * IX_SMALL_SIZE);
  return l;
}

static void
list_free (ix_table *t, ix_list *l)
{
  if (l->e != l->inl)
    g_free (l->e);
  if (l->key_len > IX_SMALL_KEY)
    g_free (l);
  else
    {
      l->e = (ix_ent *) (void *) t->free_lists;
      t->free_lists = l;
    }
}

/* The list with key kb and hash h, or NULL; *at: its bucket, or the empty
 * bucket where it would go. */
static ix_list *
ix_list_probe (const ix_table *t, const ix_keybuf *kb, uint32_t h, uint32_t *at)
{
  uint32_t i = h & t->mask;

  for (;; i = (i + 1) & t->mask)
    {
      const ix_lbucket *bk = &t->buckets[i];
      if (!bk->l)
        break;
      if (bk->hash == h && bk->l->key_len == kb->len
          && memcmp (bk->l->key, kb->k, kb->len) == 0)
        {
          *at = i;
          return bk->l;
        }
    }
  *at = i;
  return NULL;
}

static void
ix_table_resize (ix_table *t, uint32_t cap)
{
  ix_lbucket *old = t->buckets;
  uint32_t old_cap = old ? t->mask + 1 : 0;

  t->buckets = g_new0 (ix_lbucket, cap);
  t->mask = cap - 1;
  for (uint32_t i = 0; i < old_cap; i++)
    if (old[i].l)
      {
        uint32_t j = old[i].hash & t->mask;
        while (t->buckets[j].l)
          j = (j + 1) & t->mask;
        t->buckets[j] = old[i];
      }
  g_free (old);
}

/* The list with key kb, or NULL. */
ix_list *
ix_list_find (const ix_table *t, const ix_keybuf *kb)
{
  uint32_t at;

  return ix_list_probe (t, kb, key_hash (kb->k, kb->len), &at);
}

/* The list with key kb, created when missing. */
ix_list *
ix_list_make (ix_table *t, const ix_keybuf *kb)
{
  uint32_t h = key_hash (kb->k, kb->len), at;
  ix_list *l = ix_list_probe (t, kb, h, &at);

  if (l)
    return l;
  l = list_alloc (t, kb->len);
  l->e = l->inl;
  l->head = l->n = l->dead = 0;
  l->cap = IX_INLINE;
  l->hash = h;
  l->key_len = kb->len;
  l->listed = false;
  memcpy (l->key, kb->k, kb->len);
  t->buckets[at] = (ix_lbucket) { h, l };
  if (++t->n > t->mask / 2)
    ix_table_resize (t, 2 * (t->mask + 1));
  return l;
}

/* Take l out of the table and free it. */
static void
ix_list_drop (ix_table *t, ix_list *l)
{
  uint32_t i = l->hash & t->mask, j;

  while (t->buckets[i].l != l)
    i = (i + 1) & t->mask;
  /* shift back the entries after it that probing would no longer reach */
  for (j = (i + 1) & t->mask; t->buckets[j].l; j = (j + 1) & t->mask)
    {
      uint32_t home = t->buckets[j].hash & t->mask;
      if (((j - home) & t->mask) >= ((j - i) & t->mask))
        {
          t->buckets[i] = t->buckets[j];
          i = j;
        }
    }
  t->buckets[i] = (ix_lbucket) { 0, NULL };
  t->n--;
  list_free (t, l);
}


static void
ix_mark_dirty (ix_table *t, ix_list *l)
{
  if (!l->listed)
    {
      l->listed = true;
      g_ptr_array_add (t->dirty, l);
    }
}

void
ix_remove (ix_table *t, ix_list *l, int64_t v, uint64_t seq)
{
  uint32_t at = ix_lower (l, v, seq);

  if (at >= l->n || l->e[at].v != v || l->e[at].seq != seq || l->e[at].slot == IX_DEAD)
    return;
  l->e[at].slot = IX_DEAD;
  l->dead++;
  ix_mark_dirty (t, l);
}

/* Drop dead entries; a list left empty goes away. */
void
ix_compact (ix_table *t, const ix_list *keep_empty)
{
  for (guint i = 0; i < t->dirty->len; i++)
    {
      ix_list *l = g_ptr_array_index (t->dirty, i);
      uint32_t keep = 0;

      for (uint32_t j = l->head; j < l->n; j++)
        if (l->e[j].slot != IX_DEAD)
          l->e[keep++] = l->e[j];
      l->head = 0;
      l->n = keep;
      l->dead = 0;
      l->listed = false;
      if (keep == 0 && l != keep_empty)
        ix_list_drop (t, l);
      else if (l->cap > 16 && keep < l->cap / 4)
        {
          l->cap /= 2;
          l->e = g_renew (ix_ent, l->e, l->cap);
        }
    }
  g_ptr_array_set_size (t->dirty, 0);
}

/* Entries of l with v in [lo, hi], the one at position skip left out. */
size_t
ix_count (const ix_list *l, int64_t lo, int64_t hi, uint32_t skip)
{
  uint32_t a, b;
  size_t n = 0;

  if (!l || lo > hi)
    return 0;
  a = ix_lower (l, lo, 0);
  b = ix_upper (l, hi);
  if (l->dead == 0)
    return (b - a) - (skip >= a && skip < b ? 1 : 0);
  for (uint32_t j = a; j < b; j++)
    if (l->e[j].slot != IX_DEAD && j != skip)
      n++;
  return n;
}

void
ix_table_init (ix_table *t)
{
  memset (t, 0, sizeof *t);
  ix_table_resize (t, 64);
  t->blocks = g_ptr_array_new_with_free_func (g_free);
  t->dirty = g_ptr_array_new ();
}

void
ix_table_clear (ix_table *t)
{
  for (uint32_t i = 0; i <= t->mask; i++)
    {
      ix_list *l = t->buckets[i].l;
      if (l && l->e != l->inl)
        g_free (l->e);
      if (l && l->key_len > IX_SMALL_KEY)
        g_free (l);
    }
  g_ptr_array_unref (t->blocks);
  g_free (t->buckets);
  g_ptr_array_unref (t->dirty);
}
