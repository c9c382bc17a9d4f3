/* output-text-totals.c - the totals at the end of the text report: the
 * tally kept as records are written (by close code, by cause, close storms
 * by server and minute) and the block written from it and from the
 * capture's counters, each count grouped as the reader's locale groups
 * them, lines wider than the terminal wrapped after their commas.  Apart
 * from output-text.c so that each file holds one part of the report.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "output-text.h"
#include "output-text-internal.h"
#include "tlsconn.h"
#include "output-escape.h"
#include "output-fields.h"
#include "closecodes.h"
#include "i18n.h"

ws_text_tally *
ws_text_tally_new (void)
{
  ws_text_tally *w = g_new0 (ws_text_tally, 1);

  w->by_code = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  w->by_cause = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->storms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->fixes_shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return w;
}

void
ws_text_tally_free (ws_text_tally *w)
{
  if (w == NULL)
    return;
  g_hash_table_destroy (w->by_code);
  g_hash_table_destroy (w->by_cause);
  g_hash_table_destroy (w->storms);
  g_hash_table_destroy (w->fixes_shown);
  g_free (w->last_date);
  g_free (w);
}

static void
count_inc (GHashTable *h, gpointer key, bool copy_key)
{
  uint64_t *n = g_hash_table_lookup (h, key);

  if (n == NULL)
    {
      n = g_new0 (uint64_t, 1);
      g_hash_table_insert (h, copy_key ? g_strdup (key) : key, n);
    }
  (*n)++;
}

void
ws_text_tally_add (ws_text_tally *w, const ws_conn *c)
{
  int code = ws_conn_close_code (c);

  if (c->kind == WS_KIND_TLS)
    return;                     /* not decrypted: in the TLS line of the totals */
  w->records++;
  if (ws_handshake_failed (c))
    w->handshake_failures++;
  if (c->midstream)
    w->midstream++;
  if (c->n_violations > 0)
    w->with_violations++;
  count_inc (w->by_code, GINT_TO_POINTER (code < 0 ? -1 : code), false);
  if (c->cause.id)
    count_inc (w->by_cause, (gpointer) c->cause.id, true);
  else
    w->no_cause++;
  if (c->cause.detail && strcmp (c->cause.detail, "close_storm") == 0)
    {
      /* "server, minute": a restart shows as one line in the totals */
      char ip[64], key[128], when[32];
      ws_addr_to_string (&c->addr[WS_SIDE_SERVER], ip, sizeof ip);
      time_t secs = (time_t) (c->end_us / G_USEC_PER_SEC);
      struct tm tm;
      if (gmtime_r (&secs, &tm))
        strftime (when, sizeof when, "%Y-%m-%d %H:%M", &tm);
      else
        g_strlcpy (when, "?", sizeof when);
      /* TRANSLATORS: a close storm in the totals: "10.0.0.1:80 around
       * 2023-11-14 22:13" */
      char fmt[96];
      g_snprintf (key, sizeof key, ws_i18n_isolate_fmt (_("%s:%u around %s"), fmt, sizeof fmt),
                  ip, c->port[WS_SIDE_SERVER], when);
      count_inc (w->storms, key, true);
    }
}

static gint
cmp_code (gconstpointer a, gconstpointer b)
{
  int x = GPOINTER_TO_INT (*(gpointer const *) a);
  int y = GPOINTER_TO_INT (*(gpointer const *) b);

  /* null (-1) last */
  if (x < 0 || y < 0)
    return (x < 0) - (y < 0);
  return (x > y) - (x < y);
}

static gint
cmp_cause (gconstpointer a, gconstpointer b, gpointer counts)
{
  const char *x = *(const char *const *) a;
  const char *y = *(const char *const *) b;
  uint64_t nx = *(uint64_t *) g_hash_table_lookup (counts, x);
  uint64_t ny = *(uint64_t *) g_hash_table_lookup (counts, y);

  /* most frequent first */
  if (nx != ny)
    return nx > ny ? -1 : 1;
  return strcmp (x, y);
}

static GPtrArray *
hash_keys (GHashTable *h)
{
  GPtrArray *keys = g_ptr_array_sized_new (g_hash_table_size (h));
  GHashTableIter it;
  gpointer k;

  g_hash_table_iter_init (&it, h);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_ptr_array_add (keys, k);
  return keys;
}

/* The counts by close code, the unknown (still open) last; returns the
 * width of their labels, which the counts by cause share. */
static size_t
text_totals_by_code (const ws_text_tally *w, GString *o)
{
  g_autoptr (GPtrArray) keys = hash_keys (w->by_code);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  size_t lw = 36;               /* the labels of the counts */

  g_string_append (o, _("  by close code:\n"));
  g_ptr_array_sort (keys, cmp_code);
  for (guint i = 0; i < keys->len; i++)
    {
      int code = GPOINTER_TO_INT (g_ptr_array_index (keys, i));
      g_autoptr (GString) label = g_string_new (NULL);

      if (code < 0)
        g_string_append (label, _("none (still open)"));
      else
        {
          const ws_code_info *ci = ws_code_lookup (code);
          g_string_append_printf (label, "%d", code);
          if (ci && ci->name)
            {
              /* the name as --explain gives it in the reader's language */
              g_string_append_c (label, ' ');
              text_str_safe (label, _(ci->name));
            }
        }
      /* a translated name ("1010 Mandatory Extension (extensão
       * obrigatória)") widens the column rather than being cut; the
       * English column stays 36 wide */
      if (ws_i18n_translating)
        lw = MAX (lw, MIN (ws_i18n_width (label->str, label->len), (size_t) 64));
      g_ptr_array_add (labels, g_string_free (g_steal_pointer (&label), FALSE));
    }
  for (guint i = 0; i < keys->len; i++)
    {
      int code = GPOINTER_TO_INT (g_ptr_array_index (keys, i));
      uint64_t n = *(uint64_t *) g_hash_table_lookup (w->by_code, GINT_TO_POINTER (code));
      g_string_append (o, "    ");
      text_cell (o, g_ptr_array_index (labels, i), lw, true);
      g_string_append_printf (o, "%'" PRIu64 "\n", n);
    }
  return lw;
}

/* The counts by cause, the most frequent first, then those without one. */
static void
text_totals_by_cause (const ws_text_tally *w, GString *o, size_t lw)
{
  g_autoptr (GPtrArray) keys = hash_keys (w->by_cause);

  g_string_append (o, _("  by cause:\n"));
  g_ptr_array_sort_with_data (keys, cmp_cause, w->by_cause);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *id = g_ptr_array_index (keys, i);
      g_autoptr (GString) label = g_string_new (NULL);

      ws_text_safe (label, id, strlen (id));
      g_string_append (o, "    ");
      text_cell (o, label->str, lw, true);
      g_string_append_printf (o, "%'" PRIu64 "\n",
                              *(uint64_t *) g_hash_table_lookup (w->by_cause, id));
    }
  if (w->no_cause)
    {
      g_string_append (o, "    ");
      text_cell (o, _("(no diagnosis)"), lw, true);
      g_string_append_printf (o, "%'" PRIu64 "\n", w->no_cause);
    }
}

/* The close storms, one line a server and minute. */
static void
text_totals_storms (const ws_text_tally *w, GString *o)
{
  GHashTableIter it;
  gpointer k, v;

  g_string_append (o, _("  close storms (many connections closed by one server within a second:\n"
                         "  a restart or deploy):\n"));
  g_hash_table_iter_init (&it, w->storms);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      g_string_append (o, _("    server "));
      text_diag_safe (o, k);
      g_string_append_printf (o, _(": %'" PRIu64 " connections\n"), *(uint64_t *) v);
    }
}

/* The capture's counters: what was skipped, not decoded, missed, and the
 * limits hit. */
static void
text_totals_capture (GString *o, const ws_counters *st)
{
  g_string_append_printf (o, _("  encrypted (TLS) connections, not analysed: %'" PRIu64 "\n"),
                          st->tls_connections);
  ws_tls_totals_text (st, o, text_wire_str);
  g_string_append_printf (o, _("  other TCP connections skipped: %'" PRIu64 "\n"),
                          st->other_connections);
  /* TRANSLATORS: two lines of the totals; keep the line break and the
   * four spaces that start the second */
  g_string_append_printf (o, _("  TCP streams looked at and rejected as not WebSocket: %'" PRIu64
                               "\n    no upgrade request from the start: %'" PRIu64
                               ", mid-stream bytes not frames: %'" PRIu64 "\n"),
                          st->rejected_no_upgrade + st->rejected_midstream,
                          st->rejected_no_upgrade, st->rejected_midstream);
  g_string_append_printf (o, _("  other upgrades (not WebSocket, e.g. h2c): %'" PRIu64 "\n"),
                          st->other_upgrades);
  g_string_append_printf (o, _("  packets: %'" PRIu64 " (%'" PRIu64 " bytes)\n"),
                          st->packets, st->bytes);
  g_string_append_printf (o, _("  truncated packets (snaplen): %'" PRIu64 "\n"),
                          st->truncated_packets);
  g_string_append_printf (o, _("  undecodable packets: %'" PRIu64 "\n"), st->undecodable_packets);
  if (st->tunneled_packets > 0)
    g_string_append_printf (o, _("  TCP segments inside tunnels: %'" PRIu64 "\n"),
                            st->tunneled_packets);
  if (st->not_ip_packets + st->unknown_ethertype_packets + st->not_tcp_packets
      + st->inner_not_tcp_packets + st->unknown_tunnel_packets + st->tunnel_too_deep_packets
      + st->malformed_tunnel_packets + st->unsupported_link_packets > 0)
    g_string_append_printf (o, _("  not decoded: not IP %'" PRIu64 ", unknown EtherType %'" PRIu64
                                 ", not TCP %'" PRIu64
                                 ", not TCP inside a tunnel %'" PRIu64 ", unknown tunnel %'" PRIu64
                                 ", tunnels too deep %'" PRIu64 ", malformed tunnel %'" PRIu64
                                 ", unsupported link type %'" PRIu64 "\n"),
                            st->not_ip_packets, st->unknown_ethertype_packets,
                            st->not_tcp_packets, st->inner_not_tcp_packets, st->unknown_tunnel_packets,
                            st->tunnel_too_deep_packets, st->malformed_tunnel_packets,
                            st->unsupported_link_packets);
  if (st->ip_fragments > 0)
    g_string_append_printf (o, _("  IP fragments: %'" PRIu64 " (%'" PRIu64 " datagrams reassembled, %'"
                                 PRIu64 " dropped incomplete, %'" PRIu64
                                 " overlaps with different bytes)\n"),
                            st->ip_fragments, st->ip_reassembled, st->ip_frag_dropped,
                            st->ip_frag_overlap_conflicts);
  g_string_append_printf (o, _("  gaps in TCP streams: %'" PRIu64 " (%'" PRIu64 " bytes missed)\n"),
                          st->gaps, st->gap_bytes);
  /* TRANSLATORS: evicted: connections dropped from memory at the
   * --max-conns limit; the other words name limits of the options */
  g_string_append_printf (o, _("  limits hit: evicted %'" PRIu64
                               ", reassembly %'" PRIu64 ", inflate %'" PRIu64
                               ", inflaters %'" PRIu64 ", header %'" PRIu64 "\n"),
                          st->evicted, st->reassembly_limit_hits,
                          st->inflate_limit_hits, st->inflater_limit_hits,
                          st->header_limit_hits);
}

/* The totals block, unwrapped: the records' counts, then (st) the
 * capture's. */
static void
text_totals (const ws_text_tally *w, GString *o, const ws_counters *st)
{
  if (w->records == 0)
    g_string_append (o, _("No WebSocket connections found.\n"));
  g_string_append (o, _("\nTotals\n"));
  g_string_append_printf (o, _("  WebSocket connections: %'" PRIu64), w->records);
  if (w->midstream)
    g_string_append_printf (o, _(" (%'" PRIu64 " already open when the capture began)"),
                            w->midstream);
  g_string_append_c (o, '\n');

  if (w->records > 0)
    {
      /* the causes' labels as wide as the codes' (a translated code name
       * widens both) */
      size_t lw = text_totals_by_code (w, o);
      text_totals_by_cause (w, o, lw);
    }
  if (g_hash_table_size (w->storms))
    text_totals_storms (w, o);
  g_string_append_printf (o, _("  handshake failures: %'" PRIu64 "\n"), w->handshake_failures);
  g_string_append_printf (o, _("  connections with protocol violations: %'" PRIu64 "\n"),
                          w->with_violations);
  if (st == NULL)
    return;
  text_totals_capture (o, st);
}

void
ws_text_totals (const ws_text_tally *w, GString *o, const ws_counters *stats, size_t width)
{
  g_autoptr (GString) t = g_string_new (NULL);
  char **lines;

  /* counts grouped as the reader's locale groups them (1.234.567 in
   * pt_BR); no grouping in English, under LC_NUMERIC=C */
  ws_i18n_numbers num = ws_i18n_numbers_begin ();
  text_totals (w, t, stats);
  ws_i18n_numbers_end (&num);
  /* lines wider than the terminal wrap under themselves */
  if (t->len && t->str[t->len - 1] == '\n')
    g_string_truncate (t, t->len - 1);
  lines = g_strsplit (t->str, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      size_t lead = strspn (*l, " ");
      if (width == 0 || text_width (*l, strlen (*l)) <= width)
        {
          g_string_append (o, *l);
          g_string_append_c (o, '\n');
          continue;
        }
      /* broken after the commas between items, so that a label stays
       * with its number */
      /* (or after the Arabic comma of a translated line) */
      const char *comma = strstr (*l + lead, ", ") || !strstr (*l + lead, "\xd8\x8c ") ? "," : "\xd8\x8c";
      g_autofree char *sep = g_strconcat (comma, " ", NULL);
      char **items = g_strsplit (*l + lead, sep, -1);
      size_t col = lead;
      g_string_append_len (o, *l, (gssize) lead);
      for (char **it = items; *it; it++)
        {
          size_t iw = text_width (*it, strlen (*it)) + (it[1] ? 1 : 0);
          if (it != items)
            {
              if (col + 1 + iw > width)
                {
                  g_string_append_printf (o, "\n%*s", (int) (lead + 4), "");
                  col = lead + 4;
                }
              else
                {
                  g_string_append_c (o, ' ');
                  col++;
                }
            }
          g_string_append (o, *it);
          if (it[1])
            g_string_append (o, comma);
          col += iw;
        }
      g_string_append_c (o, '\n');
      g_strfreev (items);
    }
  g_strfreev (lines);
}
