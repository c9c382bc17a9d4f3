/* output-summary.c - --summary: one line a group of connections with the
 * same cause (id and detail), server (address and port) and path (its
 * query string left out: /ws?token=a and /ws?token=b are one route), with
 * how many there were, when the first and the last ended, and one of them
 * as an example (its id, to find it with -F json).
 *
 * The text is the reader's (i18n.h): its words through _(), counts grouped
 * as the locale groups them, and in a right-to-left language the server
 * and the path (wire values) isolated (U+2068 .. U+2069).  JSON and CSV are
 * contracts: the same bytes in every locale.
 */
#include "config.h"

#include <string.h>

#include "output-summary.h"
#include "output-escape.h"
#include "output-fields.h"
#include "output-text.h"
#include "i18n.h"

typedef struct {
  char *cause;                  /* id/detail, or NULL: no diagnosis */
  char *cause_id, *detail;
  ws_addr server;
  uint16_t port;
  char *path;                   /* without its query; NULL when not seen */
  uint64_t count;
  uint64_t example_id;
  int example_code;
  int64_t first_end_us, last_end_us;
} group;

struct ws_summary {
  GHashTable *groups;           /* key (owned) -> group* */
};

static void
group_free (gpointer p)
{
  group *g = p;
  g_free (g->cause);
  g_free (g->cause_id);
  g_free (g->detail);
  g_free (g->path);
  g_free (g);
}

ws_summary *
ws_summary_new (void)
{
  ws_summary *s = g_new0 (ws_summary, 1);
  s->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, group_free);
  return s;
}

void
ws_summary_free (ws_summary *s)
{
  if (!s)
    return;
  g_hash_table_destroy (s->groups);
  g_free (s);
}

void
ws_summary_add (ws_summary *s, const ws_conn *c)
{
  char ip[64];
  g_autofree char *path = c->path ? g_strndup (c->path, strcspn (c->path, "?#")) : NULL;
  int64_t end = c->end_us ? c->end_us : c->start_us;

  ws_addr_format (&c->addr[WS_SIDE_SERVER], ip, sizeof ip);
  g_autofree char *key = g_strdup_printf ("%s\x1f%s\x1f%s\x1f%u\x1f%s", c->cause.id ? c->cause.id : "",
                                          c->cause.detail ? c->cause.detail : "", ip,
                                          c->port[WS_SIDE_SERVER], path ? path : "\x1e");
  group *g = g_hash_table_lookup (s->groups, key);
  if (!g)
    {
      g = g_new0 (group, 1);
      g->cause_id = g_strdup (c->cause.id);
      g->detail = g_strdup (c->cause.detail);
      g->server = c->addr[WS_SIDE_SERVER];
      g->port = c->port[WS_SIDE_SERVER];
      g->path = g_steal_pointer (&path);
      g->example_id = c->id;
      g->example_code = ws_conn_close_code (c);
      g->first_end_us = g->last_end_us = end;
      g_hash_table_insert (s->groups, g_steal_pointer (&key), g);
    }
  g->count++;
  if (end < g->first_end_us)
    g->first_end_us = end;
  if (end > g->last_end_us)
    g->last_end_us = end;
}

static gint
cmp_group (gconstpointer a, gconstpointer b)
{
  const group *x = *(group *const *) a, *y = *(group *const *) b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  if (x->first_end_us != y->first_end_us)
    return x->first_end_us < y->first_end_us ? -1 : 1;
  return (x->example_id > y->example_id) - (x->example_id < y->example_id);
}

static void
server_text (GString *o, const group *g)
{
  char ip[64];
  ws_addr_format (&g->server, ip, sizeof ip);
  if (g->server.family == 6)
    g_string_append_printf (o, "[%s]:%u", ip, g->port);
  else
    g_string_append_printf (o, "%s:%u", ip, g->port);
}

/* One group as a JSON line (the keys of the other JSON records kept). */
static void
summary_json_line (GString *o, const group *g, const char *ip)
{
  g_string_append (o, "{\"summary\":true,\"count\":");
  g_string_append_printf (o, "%" G_GUINT64_FORMAT ",\"cause_id\":", g->count);
  ws_json_string (o, g->cause_id, g->cause_id ? strlen (g->cause_id) : 0);
  g_string_append (o, ",\"cause_detail\":");
  ws_json_string (o, g->detail, g->detail ? strlen (g->detail) : 0);
  g_string_append (o, ",\"server_ip\":");
  ws_json_string (o, ip, strlen (ip));
  g_string_append_printf (o, ",\"server_port\":%u,\"path\":", g->port);
  ws_json_string (o, g->path, g->path ? strlen (g->path) : 0);
  g_string_append_printf (o, ",\"example_id\":%" G_GUINT64_FORMAT ",\"example_close_code\":",
                          g->example_id);
  if (g->example_code < 0)
    g_string_append (o, "null");
  else
    g_string_append_printf (o, "%d", g->example_code);
  g_string_append (o, ",\"first_end_ts\":");
  ws_ts_append (o, g->first_end_us);
  g_string_append (o, ",\"last_end_ts\":");
  ws_ts_append (o, g->last_end_us);
  g_string_append (o, "}\n");
}

/* One group as a CSV row, its fields in the order of the header row. */
static void
summary_csv_line (GString *o, const group *g, const char *ip)
{
  g_string_append_printf (o, "%" G_GUINT64_FORMAT ",", g->count);
  ws_csv_field (o, g->cause_id);
  g_string_append_c (o, ',');
  ws_csv_field (o, g->detail);
  g_string_append_c (o, ',');
  ws_csv_field (o, ip);
  g_string_append_printf (o, ",%u,", g->port);
  ws_csv_field (o, g->path);
  g_string_append_printf (o, ",%" G_GUINT64_FORMAT ",", g->example_id);
  if (g->example_code >= 0)
    g_string_append_printf (o, "%d", g->example_code);
  g_string_append_c (o, ',');
  ws_ts_append (o, g->first_end_us);
  g_string_append_c (o, ',');
  ws_ts_append (o, g->last_end_us);
  g_string_append (o, "\r\n");
}

/* One group as text: its count, then the cause, the server, the path and
 * an example, wrapped under the count. */
static void
summary_text_line (GString *o, const group *g, size_t width)
{
  g_autoptr (GString) l = g_string_new (NULL);
  g_autoptr (GString) first = g_string_new (NULL);
  g_string_append_printf (first, "%'6" G_GUINT64_FORMAT "  ", g->count);
  if (g->cause_id)
    {
      ws_text_safe (l, g->cause_id, strlen (g->cause_id));
      if (g->detail)
        {
          g_string_append_c (l, '/');
          ws_text_safe (l, g->detail, strlen (g->detail));
        }
    }
  else
    g_string_append (l, _("(no diagnosis)"));
  g_string_append (l, " ");
  /* the server and the path are wire values: isolated in a
   * right-to-left language */
  if (ws_i18n_isolating)
    g_string_append (l, WS_FSI);
  server_text (l, g);
  if (ws_i18n_isolating)
    g_string_append (l, WS_PDI);
  g_string_append (l, " ");
  if (g->path)
    {
      if (ws_i18n_isolating)
        g_string_append (l, WS_FSI);
      ws_text_safe (l, g->path, strlen (g->path));
      if (ws_i18n_isolating)
        g_string_append (l, WS_PDI);
    }
  else
    g_string_append (l, "-");
  /* TRANSLATORS: "(e.g. #12)": one connection of the group, by id */
  g_string_append_printf (l, " (%s #%" G_GUINT64_FORMAT ")", _("e.g."), g->example_id);
  ws_text_wrap (o, first->str, l->str, width, "          ");
}

void
ws_summary_write (const ws_summary *s, GString *o, int fmt, size_t width)
{
  g_autoptr (GPtrArray) groups = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  uint64_t total = 0;

  g_hash_table_iter_init (&it, s->groups);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      g_ptr_array_add (groups, v);
      total += ((group *) v)->count;
    }
  g_ptr_array_sort (groups, cmp_group);

  if (fmt == WS_FMT_CSV)
    g_string_append (o, "count,cause_id,cause_detail,server_ip,server_port,path,"
                        "example_id,example_close_code,first_end_ts,last_end_ts\r\n");
  /* counts grouped as the reader's locale groups them (text only) */
  ws_i18n_numbers num = { NULL, NULL };
  if (fmt == WS_FMT_TEXT)
    num = ws_i18n_numbers_begin ();
  if (fmt == WS_FMT_TEXT)
    {
      g_autoptr (GString) l = g_string_new (NULL);
      g_string_append_printf (l, ws_ngettext ("Summary: %'" G_GUINT64_FORMAT " connections in %u "
                                              "group (same cause, server and path without its "
                                              "query); #N: a connection's id",
                                              "Summary: %'" G_GUINT64_FORMAT " connections in %u "
                                              "groups (same cause, server and path without its "
                                              "query); #N: a connection's id",
                                              groups->len),
                              total, groups->len);
      ws_text_wrap (o, "", l->str, width, "  ");
    }
  for (guint i = 0; i < groups->len; i++)
    {
      const group *g = g_ptr_array_index (groups, i);
      char ip[64];
      ws_addr_format (&g->server, ip, sizeof ip);
      switch (fmt)
        {
        case WS_FMT_JSON:
          summary_json_line (o, g, ip);
          break;
        case WS_FMT_CSV:
          summary_csv_line (o, g, ip);
          break;
        default:
          summary_text_line (o, g, width);
          break;
        }
    }
  ws_i18n_numbers_end (&num);
}
