/* cause.c - the cause object of a record and its evidence lines (see
 * cause.h).  The sentences (summary, fix, evidence) come as English
 * literals from the rules and are translated here, at run time, when the
 * run's messages are in another language (ws_tr: one test otherwise); the
 * keywords that extract them are in am/i18n.am.  Every record gets a cause with evidence, so the lines and
 * their arrays are made cheaply: the lines are carved from blocks of
 * text the cause owns, and the arrays and blocks of causes cleared lately
 * are reused. */
#include "cause.h"

#include <stdarg.h>
#include <string.h>

#include "context.h"
#include "i18n.h"

/* Evidence arrays of causes cleared lately, emptied, for the next causes
 * to fill: every record has evidence, and would otherwise allocate and free
 * an array and its room for pointers.  A cache in the analyzer's context
 * (cause->pool, set by ws_conn_new): no global, so one per analyzer. */

/* The text of a cause's lines: blocks the cause owns, each line (its
 * ws_evidence and text) carved from the last one, the blocks given back to
 * the pool when the cause is cleared.  Every record gets two or three
 * lines: a malloc and a free each cost more than the carving, and at the
 * end of a capture (tens of thousands of records written at once) malloc
 * is at its slowest. */
typedef struct ws_ev_block {
  struct ws_ev_block *next;
  size_t used, cap;           /* bytes of the room after the header */
} ws_ev_block;
G_STATIC_ASSERT (sizeof (ws_ev_block) % sizeof (int64_t) == 0);

/* A block of this size is kept for reuse; a longer line gets its own. */
#define EV_BLOCK_ROOM 1000

static ws_ev_block *
block_get (ws_ev_pool *pool, size_t need)
{
  ws_ev_block *b;

  if (need <= EV_BLOCK_ROOM && pool->blocks)
    {
      b = pool->blocks;
      pool->blocks = b->next;
      pool->n_blocks--;
    }
  else
    {
      size_t cap = MAX (need, EV_BLOCK_ROOM);
      b = g_malloc (sizeof *b + cap);
      b->cap = cap;
    }
  b->used = 0;
  b->next = NULL;
  return b;
}

static void
blocks_put (ws_ev_pool *pool, ws_ev_block *b)
{
  while (b)
    {
      ws_ev_block *next = b->next;
      if (WS_REUSE_FREED && pool && b->cap == EV_BLOCK_ROOM && pool->n_blocks < WS_EV_BLOCKS)
        {
          b->next = pool->blocks;
          pool->blocks = b;
          pool->n_blocks++;
        }
      else
        g_free (b);
      b = next;
    }
}

void
ws_ev_pool_clear (ws_ev_pool *pool)
{
  blocks_put (NULL, pool->blocks);
  pool->blocks = NULL;
  pool->n_blocks = 0;
}

/* n bytes (a multiple of 8) from the cause's last block, or a new one. */
static void *
carve (ws_cause *cause, size_t need)
{
  ws_ev_block *b = cause->ev_blocks;
  if (!b || b->cap - b->used < need)
    {
      b = block_get (cause->pool, need);
      b->next = cause->ev_blocks;
      cause->ev_blocks = b;
    }
  void *p = (char *) (b + 1) + b->used;
  b->used += need;
  return p;
}

#define CARVE_ROUND(n) (((n) + 7) & ~(size_t) 7)

/* A copy of s[0..len) for a field of the cause: carved when it has a pool. */
static char *
copy_str (ws_cause *cause, const char *s, size_t len)
{
  if (!cause->pool)
    return g_strndup (s, len);
  char *p = carve (cause, CARVE_ROUND (len + 1));
  memcpy (p, s, len);
  p[len] = '\0';
  return p;
}

/* Free a field of the cause unless it was carved (any other code may have
 * set it to a string of its own, e.g. a test). */
static void
free_str (ws_cause *cause, char **field)
{
  char *s = *field;
  if (!s)
    return;
  *field = NULL;
  for (const ws_ev_block *b = cause->ev_blocks; b; b = b->next)
    if ((uintptr_t) s - (uintptr_t) (b + 1) < b->cap)
      return;
  g_free (s);
}

/* An evidence line: carved from the cause's blocks when it has a pool,
 * else (a cause made on its own, or an array some other code made) one
 * allocation for the line and its text, which the array frees. */
static void
add_text (ws_cause *cause, int64_t ts_us, const char *s, size_t len)
{
  ws_evidence *e;
  ws_ev_pool *pool = cause->pool;

  if (!cause->evidence)
    {
      cause->ev_carved = pool != NULL;
      if (pool && pool->n)
        {
          /* it may come from a cause filled elsewhere (tests) */
          cause->evidence = pool->arrays[--pool->n];
          g_ptr_array_set_free_func (cause->evidence, NULL);
        }
      else
        cause->evidence = g_ptr_array_new_with_free_func (cause->ev_carved ? NULL : g_free);
    }
  if (cause->evidence->len >= WS_CAUSE_MAX_EVIDENCE)
    return;
  if (cause->ev_carved)
    e = carve (cause, CARVE_ROUND (sizeof *e + len + 1));
  else
    e = g_malloc (sizeof *e + len + 1);
  e->ts_us = ts_us;
  e->text = (char *) (e + 1);
  memcpy (e->text, s, len);
  e->text[len] = '\0';
  g_ptr_array_add (cause->evidence, e);
}

void
ws_cause_clear (ws_cause *cause)
{
  if (!cause)
    return;
  free_str (cause, &cause->detail);
  free_str (cause, &cause->summary);
  free_str (cause, &cause->fix);
  cause->next_start_us = 0;
  cause->next_client_port = 0;
  if (cause->evidence)
    {
      /* the cause owns its array: no one else holds a reference */
      GPtrArray *ev = g_steal_pointer (&cause->evidence);
      ws_ev_pool *pool = cause->pool;
      if (pool && pool->n < WS_EV_POOL)
        {
          g_ptr_array_set_size (ev, 0);
          pool->arrays[pool->n++] = ev;
        }
      else
        g_ptr_array_unref (ev);
    }
  blocks_put (cause->pool, g_steal_pointer (&cause->ev_blocks));
  cause->ev_carved = false;
  cause->id = NULL;
  cause->confidence = NULL;
}

void
ws_cause_add_evidence (ws_cause *cause, int64_t ts_us, const char *fmt, ...)
{
  va_list ap;
  ws_strbuf t;

  if (!ws_cause_has_room (cause))
    return;
  ws_strbuf_init (&t);
  va_start (ap, fmt);
  char iso[1024];
  ws_strbuf_vprintf (&t, (ws_i18n_isolating ? ws_i18n_isolate_fmt (ws_tr (fmt), iso, sizeof iso) : ws_tr (fmt)), ap);
  va_end (ap);
  if (ws_i18n_isolating)
    t.len = ws_i18n_drop_empty_isolates (t.str, t.len);
  add_text (cause, ts_us, t.str, t.len);
  ws_strbuf_clear (&t);
}

void
ws_cause_add_wire (ws_strbuf *t, const char *s)
{
  if (ws_i18n_isolating)
    WS_STRBUF_LIT (t, WS_FSI);
  ws_strbuf_add_str (t, s);
  if (ws_i18n_isolating)
    WS_STRBUF_LIT (t, WS_PDI);
}

void
ws_cause_add_built (ws_cause *cause, int64_t ts_us, ws_strbuf *t)
{
  add_text (cause, ts_us, t->str, t->len);
  ws_strbuf_clear (t);
}

void
ws_cause_set_fields (ws_cause *cause, ws_strbuf *lead, const char *id, const char *detail,
                     const char *confidence, const char *fix)
{
  cause->id = id;
  free_str (cause, &cause->detail);
  cause->detail = detail ? copy_str (cause, detail, strlen (detail)) : NULL;
  cause->confidence = confidence;
  free_str (cause, &cause->fix);
  if (fix)
    {
      fix = ws_tr (fix);
      cause->fix = copy_str (cause, fix, strlen (fix));
    }
  ws_strbuf_reset (lead);
}

void
ws_cause_set (ws_cause *cause, ws_strbuf *lead, const char *id, const char *detail,
              const char *confidence, const char *fix, const char *lead_fmt, ...)
{
  va_list ap;

  ws_cause_set_fields (cause, lead, id, detail, confidence, fix);
  va_start (ap, lead_fmt);
  char iso[1024];
  ws_strbuf_vprintf (lead, (ws_i18n_isolating ? ws_i18n_isolate_fmt (ws_tr (lead_fmt), iso, sizeof iso) : ws_tr (lead_fmt)), ap);
  va_end (ap);
  if (ws_i18n_isolating)
    lead->len = ws_i18n_drop_empty_isolates (lead->str, lead->len);
}

void
ws_cause_clause (ws_strbuf *t, const char *fmt, ...)
{
  va_list ap;

  if (t->len)
    ws_strbuf_add_str (t, "; ");
  va_start (ap, fmt);
  char iso[1024];
  size_t from = t->len;
  ws_strbuf_vprintf (t, (ws_i18n_isolating ? ws_i18n_isolate_fmt (ws_tr (fmt), iso, sizeof iso) : ws_tr (fmt)), ap);
  va_end (ap);
  if (ws_i18n_isolating)
    t->len = from + ws_i18n_drop_empty_isolates (t->str + from, t->len - from);
}

void
ws_cause_set_detail (ws_cause *cause, const char *detail)
{
  char *old = cause->detail;
  cause->detail = detail ? copy_str (cause, detail, strlen (detail)) : NULL;
  free_str (cause, &old);
}

void
ws_cause_set_summary (ws_cause *cause, const char *s, size_t len)
{
  char *old = cause->summary;
  cause->summary = copy_str (cause, s, len);
  free_str (cause, &old);
}

void
ws_cause_lower_confidence (ws_cause *cause, const char *to)
{
  static const char *order[] = { "low", "medium", "high" };
  int cur = 2, want = 2;
  for (int i = 0; i < 3; i++)
    {
      if (cause->confidence && strcmp (cause->confidence, order[i]) == 0)
        cur = i;
      if (strcmp (to, order[i]) == 0)
        want = i;
    }
  if (want < cur)
    cause->confidence = order[want];
}

typedef struct {
  int64_t key;
  gpointer e;
} keyed_ev;

static gint
cmp_keyed (gconstpointer a, gconstpointer b)
{
  const keyed_ev *x = a, *y = b;
  return (x->key > y->key) - (x->key < y->key);
}

void
ws_cause_sort_evidence (ws_cause *cause)
{
  GPtrArray *ev = cause->evidence;
  int64_t last = 0, prev = 0;
  bool sorted = true;

  if (!ev || ev->len < 2)
    return;
  for (guint i = 0; i < ev->len && sorted; i++)
    {
      const ws_evidence *e = g_ptr_array_index (ev, i);
      if (e && e->ts_us > 0)
        {
          sorted = e->ts_us >= prev;
          prev = e->ts_us;
        }
    }
  if (sorted)
    return;
  /* a line without a moment keeps its place after the line before it */
  g_autoptr (GArray) k = g_array_sized_new (FALSE, FALSE, sizeof (keyed_ev), ev->len);
  for (guint i = 0; i < ev->len; i++)
    {
      const ws_evidence *e = g_ptr_array_index (ev, i);
      if (e && e->ts_us > 0)
        last = e->ts_us;
      keyed_ev x = { last, (gpointer) e };
      g_array_append_val (k, x);
    }
  g_array_sort (k, cmp_keyed);  /* stable */
  for (guint i = 0; i < ev->len; i++)
    ev->pdata[i] = g_array_index (k, keyed_ev, i).e;
}
/* The names of the sides (ws_side_name) as sentences of the diagnosis use
 * them (side_str in diag-internal.h): for xgettext only. */
static const char *const side_names[] G_GNUC_UNUSED = {
  /* TRANSLATORS: a side of a connection, in sentences such as "the %s sent
   * close 1011" and "from the %s" */
  NC_ ("side", "client"), NC_ ("side", "server"),
};
