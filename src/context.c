/* context.c - settings defaults, counters, the analyzer's context (see
 * context.h, settings.h, counters.h). */
#include "config.h"

#include <string.h>

#include "context.h"
#include "inflater.h"

void
ws_limits_init_defaults (ws_limits *l)
{
  l->max_header_bytes = 16 * 1024;
  l->max_ooo_bytes_per_conn = 256 * 1024;
  l->max_ooo_bytes_total = 256u * 1024 * 1024;
  l->max_conns = 250000;
  l->max_inflaters = 100000;
  l->max_inflate_bytes = 64u * 1024 * 1024;
  l->max_close_reason = 1024;
  l->check_utf8 = true;
  l->inflate = true;             /* exact by default; --fast turns it off */
  l->inflate_lazy = false;        /* main.c: on unless --inflate (wsframe.c) */
  l->no_redact = false;
}

void
ws_settings_init (ws_settings *s)
{
  memset (s, 0, sizeof *s);
  ws_limits_init_defaults (&s->limits);
  s->tls.hold_bytes = 256 * 1024;
}

void
ws_counters_clear (ws_counters *c)
{
  if (c->tls_servers)
    g_hash_table_unref (c->tls_servers);
  ws_pmd_stats_clear (&c->inflaters);
  memset (c, 0, sizeof *c);
}

void
ws_counters_add (ws_counters *dst, const ws_counters *src)
{
  /* every field before the TLS servers is a counter */
  uint64_t *d = (uint64_t *) dst;
  const uint64_t *s = (const uint64_t *) src;
  G_STATIC_ASSERT (offsetof (ws_counters, inflaters) % sizeof (uint64_t) == 0);
  for (size_t i = 0; i < offsetof (ws_counters, inflaters) / sizeof (uint64_t); i++)
    d[i] += s[i];
  dst->inflaters.live += src->inflaters.live;
  if (!src->tls_servers)
    return;
  if (!dst->tls_servers)
    dst->tls_servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, src->tls_servers);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      guint64 *n = g_hash_table_lookup (dst->tls_servers, k);
      if (!n)
        {
          n = g_new0 (guint64, 1);
          g_hash_table_insert (dst->tls_servers, g_strdup (k), n);
        }
      *n += *(const guint64 *) v;
    }
}

void
ws_ctx_init (ws_ctx *x, const ws_settings *set)
{
  memset (x, 0, sizeof *x);
  x->set = set;
}

void
ws_ctx_clear (ws_ctx *x)
{
  for (unsigned i = 0; i < x->ev_pool.n; i++)
    g_ptr_array_unref (x->ev_pool.arrays[i]);
  x->ev_pool.n = 0;
  ws_inflater_pool_free (x->inflater_pool);
  x->inflater_pool = NULL;
  ws_ev_pool_clear (&x->ev_pool);
  for (void *p = x->conn_pool.head, *next; p; p = next)
    {
      memcpy (&next, p, sizeof next);
      g_free (p);
    }
  x->conn_pool.head = NULL;
  x->conn_pool.n = 0;
  ws_counters_clear (&x->cnt);
}
