/* output-text.c - the text report, meant for a terminal: a table of
 * connections with the cause and fix under each, and totals at the end
 * (by close code, by cause, close storms, what was skipped, limits hit).
 * Strings from the wire go through ws_text_safe.  Times are UTC.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "output-text.h"
#include "tlsconn.h"
#include "output-escape.h"
#include "output-fields.h"
#include "closecodes.h"
#include "i18n.h"


struct ws_text_tally {
  uint64_t records;
  uint64_t handshake_failures;
  uint64_t midstream;
  uint64_t with_violations;
  uint64_t no_cause;
  GHashTable *by_code;        /* GINT_TO_POINTER (code or -1) -> uint64_t* */
  GHashTable *by_cause;       /* cause id (copy) -> uint64_t* */
  GHashTable *storms;         /* "server around minute" (copy) -> uint64_t* */
  GHashTable *fixes_shown;    /* "cause/detail" whose fix was printed */
  char *last_date;            /* the date line last printed */
};

/* Append s (already safe, valid UTF-8) cut to width characters (marking a
 * cut with "..."), padded with spaces to width when pad. */
static void
text_cell (GString *o, const char *s, size_t width, bool pad)
{
  size_t n = g_utf8_strlen (s, -1);

  if (n > width && width > 3)
    {
      const char *end = g_utf8_offset_to_pointer (s, (glong) (width - 3));
      g_string_append_len (o, s, end - s);
      g_string_append (o, "...");
      n = width;
    }
  else
    g_string_append (o, s);
  if (pad && n < width)
    {
      char *p = gs_room (o, width - n);
      memset (p, ' ', width - n);
      gs_done (o, p + (width - n));
    }
  GS_PUT_LIT (o, "  ");
}

/* A moment as UTC; 0 is "-" unless at_epoch (a time known to be set). */
static void
text_time_at (GString *o, int64_t ts_us, bool at_epoch)
{
  time_t secs;
  struct tm tm;

  if (ts_us == 0 && !at_epoch)
    {
      g_string_append (o, "-");
      return;
    }
  secs = (time_t) (ts_us / 1000000);
  if (ts_us < 0 || gmtime_r (&secs, &tm) == NULL)
    {
      ws_ts_append (o, ts_us);
      return;
    }
  int year = tm.tm_year + 1900, ms = (int) ((ts_us % 1000000) / 1000);
  if (year < 0 || year > 9999)
    {
      g_string_append_printf (o, "%04d-%02d-%02d %02d:%02d:%02d.%03d", year, tm.tm_mon + 1,
                              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
      return;
    }
  /* as "%04d-%02d-%02d %02d:%02d:%02d.%03d" prints it */
  char *start = gs_room (o, 23), *p = start;
  memcpy (p, digit_pairs + 2 * (year / 100), 2);
  memcpy (p + 2, digit_pairs + 2 * (year % 100), 2);
  p[4] = '-';
  memcpy (p + 5, digit_pairs + 2 * (tm.tm_mon + 1), 2);
  p[7] = '-';
  memcpy (p + 8, digit_pairs + 2 * tm.tm_mday, 2);
  p[10] = ' ';
  memcpy (p + 11, digit_pairs + 2 * tm.tm_hour, 2);
  p[13] = ':';
  memcpy (p + 14, digit_pairs + 2 * tm.tm_min, 2);
  p[16] = ':';
  memcpy (p + 17, digit_pairs + 2 * (tm.tm_sec % 100), 2);
  p[19] = '.';
  p[20] = (char) ('0' + ms / 100);
  memcpy (p + 21, digit_pairs + 2 * (ms % 100), 2);
  gs_done (o, p + 23);
}

static void
text_endpoint (GString *o, const ws_addr *a, uint16_t port)
{
  char buf[64];
  size_t len = ws_addr_format (a, buf, sizeof buf);

  if (a->family == 6)
    {
      gs_putc (o, '[');
      gs_put (o, buf, len);
      GS_PUT_LIT (o, "]:");
    }
  else
    {
      gs_put (o, buf, len);
      gs_putc (o, ':');
    }
  put_u64 (o, port);
}

static void
text_str_safe (GString *o, const char *s)
{
  if (s)
    ws_text_safe (o, s, strlen (s));
}

/* Characters a string takes on a terminal (it is safe, valid UTF-8). */
static size_t
text_width (const char *s, size_t len)
{
  return (size_t) g_utf8_strlen (s, (gssize) len);
}

/* Append text (safe, valid UTF-8) wrapped at spaces to lines of at most
 * width characters: the first line after first (already on the line, of
 * first_w characters), the others after cont.  A word longer than a line
 * (a path, a token, a reason without spaces: a wire value that cannot be
 * broken) stands whole on a line of its own. */
void
ws_text_wrap (GString *o, const char *first, const char *text, size_t width, const char *cont)
{
  size_t col = text_width (first, strlen (first));
  size_t indent = text_width (cont, strlen (cont));
  const char *p = text;
  bool line_empty = true;

  if (width == 0)
    width = G_MAXSIZE / 2;      /* no terminal: no wrapping */

  g_string_append (o, first);
  while (*p)
    {
      while (*p == ' ')
        p++;
      if (!*p)
        break;
      const char *e = strchr (p, ' ');
      if (!e)
        e = p + strlen (p);
      size_t w = text_width (p, (size_t) (e - p));
      if (!line_empty && col + 1 + w > width)
        {
          g_string_append_c (o, '\n');
          g_string_append (o, cont);
          col = indent;
          line_empty = true;
        }
      if (!line_empty)
        {
          g_string_append_c (o, ' ');
          col++;
        }
      g_string_append_len (o, p, e - p);
      col += w;
      line_empty = false;
      p = e;
    }
  g_string_append_c (o, '\n');
}

#define W_CLOCK 12              /* HH:MM:SS.mmm */
#define W_ENDS 40               /* "255.255.255.255:65535 -> 10.0.0.1:443" and room */
#define W_STATUS 3
#define W_CODE 5
#define W_HOSTPATH_MIN 12

/* Columns before HOST/PATH (with their gaps) */
#define W_LEAD (W_CLOCK + 2 + W_ENDS + 2 + W_STATUS + 2 + W_CODE + 2)

void
ws_text_header (GString *o, size_t width)
{
  g_autoptr (GString) note = g_string_new (NULL);

  /* one time convention everywhere (doc/time.md): the end of a connection */
  g_string_append (note, _("Connections in the order they ended; END is the time of the "
                           "last packet (UTC), the date on a line of its own when it "
                           "changes. HS: handshake status, CLOSE: close code."));
  ws_text_wrap (o, "", note->str, width, "");
  text_cell (o, _("END (UTC)"), W_CLOCK, true);
  text_cell (o, "CLIENT -> SERVER", W_ENDS, true);
  text_cell (o, "HS", W_STATUS, true);
  text_cell (o, "CLOSE", W_CODE, true);
  g_string_append (o, "HOST/PATH\n");
}

static void
text_clock (GString *o, int64_t ts_us)
{
  g_autoptr (GString) t = g_string_new (NULL);
  text_time_at (t, ts_us, true);
  /* "YYYY-MM-DD HH:MM:SS.mmm": the clock part */
  if (t->len == 23)
    g_string_append (o, t->str + 11);
  else
    g_string_append (o, t->str);
}

/* The date of ts, when it differs from the last one shown. */
static void
text_date_line (ws_text_tally *w, GString *o, int64_t ts_us)
{
  g_autoptr (GString) t = g_string_new (NULL);
  text_time_at (t, ts_us, true);
  if (t->len != 23)
    return;
  g_string_truncate (t, 10);
  if (g_strcmp0 (w->last_date, t->str) == 0)
    return;
  g_free (w->last_date);
  w->last_date = g_strdup (t->str);
  g_string_append_printf (o, "%s:\n", t->str);
}

void
ws_text_record (ws_text_tally *w, GString *o, const ws_conn *c, bool verbose, size_t width)
{
  g_autoptr (GString) ends = g_string_new (NULL);
  g_autoptr (GString) where = g_string_new (NULL);
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GString) cell = g_string_new (NULL);
  int code = ws_conn_close_code (c);
  size_t reason_len;
  const char *reason = ws_contract_close_reason (c, &reason_len);
  unsigned nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);
  int64_t when = c->end_us ? c->end_us : c->start_us;

  if (width == 0)
    width = 100000;             /* no terminal: nothing cut, nothing wrapped */
  else if (width < 40)
    width = 40;
  text_date_line (w, o, when);

  /* the row: END, CLIENT -> SERVER (never cut), HS, CLOSE, HOST/PATH (cut
   * to what is left of the line, at least W_HOSTPATH_MIN) */
  text_clock (cell, when);
  text_cell (line, cell->str, W_CLOCK, true);
  text_endpoint (ends, &c->addr[WS_SIDE_CLIENT], c->port[WS_SIDE_CLIENT]);
  size_t client_len = ends->len;
  g_string_append (ends, " -> ");
  text_endpoint (ends, &c->addr[WS_SIDE_SERVER], c->port[WS_SIDE_SERVER]);
  if (c->host == NULL && c->path == NULL)
    g_string_append (where, c->midstream ? "(mid-stream)" : "-");
  else
    {
      text_str_safe (where, c->host);
      text_str_safe (where, c->path);
    }
  /* the room HOST/PATH has on the row; when both do not fit, the path (the
   * host is mostly the server, on the row already) */
  size_t where_room = ends->len <= W_ENDS && width >= W_LEAD + W_HOSTPATH_MIN
                      ? width - W_LEAD : W_HOSTPATH_MIN;
  if (c->path && c->host && text_width (where->str, where->len) > where_room)
    {
      g_string_truncate (where, 0);
      text_str_safe (where, c->path);
    }
  g_string_truncate (cell, 0);
  if (c->handshake_status >= 0)
    put_u64 (cell, (uint64_t) c->handshake_status);
  else
    g_string_append (cell, c->midstream ? "mid" : "-");
  g_autoptr (GString) rest = g_string_new (NULL);
  text_cell (rest, cell->str, W_STATUS, true);
  g_string_truncate (cell, 0);
  if (code >= 0)
    put_u64 (cell, (uint64_t) code);
  else
    g_string_append (cell, "-");
  text_cell (rest, cell->str, W_CODE, true);

  if (ends->len <= W_ENDS && width >= W_LEAD + W_HOSTPATH_MIN)
    {
      text_cell (line, ends->str, W_ENDS, true);
      g_string_append (line, rest->str);
      text_cell (line, where->str, width - W_LEAD, false);
    }
  else if (W_CLOCK + 2 + ends->len + 2 + rest->len + W_HOSTPATH_MIN <= width)
    {
      /* longer endpoints, room enough: on the row, the columns after them
       * shifted */
      g_string_append (line, ends->str);
      g_string_append (line, "  ");
      g_string_append (line, rest->str);
      text_cell (line, where->str, width - (W_CLOCK + 2 + ends->len + 2 + rest->len), false);
    }
  else
    {
      /* long endpoints (IPv6): whole, the rest of the row under them */
      size_t lead = W_CLOCK + 2;
      if (lead + ends->len <= width)
        g_string_append (line, ends->str);
      else
        {
          g_string_append_len (line, ends->str, (gssize) client_len);
          g_string_append (line, " ->\n");
          g_string_append_printf (line, "%*s%s", (int) lead, "", ends->str + client_len + 4);
        }
      g_string_append_printf (line, "\n%*s", (int) lead, "");
      g_string_append (line, rest->str);
      size_t room = width > lead + rest->len ? width - lead - rest->len : 0;
      text_cell (line, where->str, MAX (room, (size_t) W_HOSTPATH_MIN), false);
    }
  while (line->len && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  g_string_append (o, line->str);
  g_string_append_c (o, '\n');

  /* the cause on the next line; its fix once for connections with the
   * same cause (a storm of identical connections shows it once) */
  if (c->cause.id)
    {
      g_string_truncate (cell, 0);
      text_str_safe (cell, c->cause.id);
      if (c->cause.detail)
        {
          g_string_append_c (cell, '/');
          text_str_safe (cell, c->cause.detail);
        }
      g_autofree char *group = g_strdup (cell->str);
      if (c->cause.confidence)
        {
          g_string_append (cell, " (");
          text_str_safe (cell, c->cause.confidence);
          g_string_append (cell, " confidence)");
        }
      if (c->cause.summary)
        {
          g_string_append (cell, ": ");
          text_str_safe (cell, c->cause.summary);
        }
      ws_text_wrap (o, "    cause: ", cell->str, width, "      ");
      if (c->cause.fix)
        {
          g_string_truncate (cell, 0);
          text_str_safe (cell, c->cause.fix);
          if (!g_hash_table_contains (w->fixes_shown, group))
            {
              g_hash_table_add (w->fixes_shown, g_strdup (group));
              ws_text_wrap (o, "    fix: ", cell->str, width, "      ");
            }
        }
    }
  if (reason)
    {
      g_string_truncate (cell, 0);
      if (code >= 0)
        {
          const ws_code_info *ci = ws_code_lookup (code);
          put_u64 (cell, (uint64_t) code);
          if (ci && ci->name)
            {
              g_string_append_c (cell, ' ');
              text_str_safe (cell, ci->name);
            }
          if (ws_side_valid (c->close_initiator) && ws_side_name (c->close_initiator))
            g_string_append_printf (cell, " %s %s", _("from the"),
                                    ws_side_name (c->close_initiator));
        }
      else
        g_string_append (cell, _("no close frame"));
      g_string_append (cell, ", \"");
      ws_text_safe (cell, reason, reason_len);
      g_string_append_c (cell, '"');
      ws_text_wrap (o, "    close: ", cell->str, width, "      ");
    }
  if (verbose)
    {
      g_string_truncate (cell, 0);
      g_string_append (cell, ws_tcp_end_name (c->tcp_end) ? ws_tcp_end_name (c->tcp_end) : "-");
      if (c->tcp_end != WS_TCP_END_OPEN && ws_side_valid (c->tcp_end_by)
          && ws_side_name (c->tcp_end_by))
        g_string_append_printf (cell, " by %s", ws_side_name (c->tcp_end_by));
      g_string_append_printf (cell, "; %s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                              _("frames client/server"), c->dir[WS_SIDE_CLIENT].frames,
                              c->dir[WS_SIDE_SERVER].frames);
      ws_text_wrap (o, "    tcp: ", cell->str, width, "      ");
    }
  if (verbose && c->cause.id && c->cause.evidence && c->cause.evidence->len)
    {
      g_autoptr (GPtrArray) ev = ws_evidence_in_time_order (&c->cause);
      g_string_append (o, "    evidence:\n");
      for (guint i = 0; i < ev->len; i++)
        {
          const ws_evidence *e = g_ptr_array_index (ev, i);
          g_string_truncate (cell, 0);
          g_string_truncate (line, 0);
          g_string_append (line, "      ");
          if (e->ts_us > 0)
            {
              text_clock (line, e->ts_us);
              g_string_append (line, "  ");
            }
          text_str_safe (cell, e->text);
          ws_text_wrap (o, line->str, cell->str, width, "        ");
        }
    }
  if (verbose && c->first_frame)
    {
      g_autoptr (GString) df = g_string_new (NULL);
      g_string_truncate (cell, 0);
      text_str_safe (cell, c->first_file);
      g_string_append_printf (cell, " %s %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, _("frames"),
                              c->first_frame, c->last_frame);
      ws_text_wrap (o, "    packets: ", cell->str, width, "      ");
      if (ws_display_filter (c, df))
        {
          g_string_truncate (cell, 0);
          text_str_safe (cell, df->str);
          ws_text_wrap (o, "    wireshark: ", cell->str, width, "      ");
        }
    }
  if (nv > 0)
    {
      g_string_truncate (cell, 0);
      for (unsigned i = 0; i < nv; i++)
        {
          const char *side = ws_side_valid (c->violations[i].side)
                             ? ws_side_name (c->violations[i].side) : NULL;
          if (i)
            g_string_append (cell, ", ");
          g_string_append (cell, ws_violation_name (c->violations[i].kind));
          if (side)
            g_string_append_printf (cell, " (%s)", side);
        }
      if (c->violations_dropped)
        g_string_append_printf (cell, ", and %u more", c->violations_dropped);
      ws_text_wrap (o, "    violations:", cell->str, width, "      ");
    }
  if (c->limits)
    {
      g_string_truncate (cell, 0);
      for (size_t i = 0; i < G_N_ELEMENTS (ws_limit_names); i++)
        if (c->limits & ws_limit_names[i].bit)
          g_string_append_printf (cell, "%s%s", cell->len ? ", " : "", ws_limit_names[i].name);
      ws_text_wrap (o, "    limits hit:", cell->str, width, "      ");
    }
}


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
      g_snprintf (key, sizeof key, "%s:%u around %s", ip, c->port[WS_SIDE_SERVER], when);
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

static void
text_totals (const ws_text_tally *w, GString *o, const ws_counters *st)
{
  g_autoptr (GPtrArray) keys = NULL;

  if (w->records == 0)
    g_string_append (o, "No WebSocket connections found.\n");
  g_string_append (o, "\nTotals\n");
  g_string_append_printf (o, "  WebSocket connections: %" PRIu64, w->records);
  if (w->midstream)
    g_string_append_printf (o, " (%" PRIu64 " already open when the capture began)",
                            w->midstream);
  g_string_append_c (o, '\n');

  if (w->records > 0)
    {
      g_string_append (o, "  by close code:\n");
      keys = hash_keys (w->by_code);
      g_ptr_array_sort (keys, cmp_code);
      for (guint i = 0; i < keys->len; i++)
        {
          int code = GPOINTER_TO_INT (g_ptr_array_index (keys, i));
          uint64_t n = *(uint64_t *) g_hash_table_lookup (w->by_code, GINT_TO_POINTER (code));
          g_autoptr (GString) label = g_string_new (NULL);

          if (code < 0)
            g_string_append (label, "none (still open)");
          else
            {
              const ws_code_info *ci = ws_code_lookup (code);
              g_string_append_printf (label, "%d", code);
              if (ci && ci->name)
                {
                  g_string_append_c (label, ' ');
                  text_str_safe (label, ci->name);
                }
            }
          g_string_append (o, "    ");
          text_cell (o, label->str, 36, true);
          g_string_append_printf (o, "%" PRIu64 "\n", n);
        }
      g_clear_pointer (&keys, g_ptr_array_unref);

      g_string_append (o, "  by cause:\n");
      keys = hash_keys (w->by_cause);
      g_ptr_array_sort_with_data (keys, cmp_cause, w->by_cause);
      for (guint i = 0; i < keys->len; i++)
        {
          const char *id = g_ptr_array_index (keys, i);
          g_autoptr (GString) label = g_string_new (NULL);

          ws_text_safe (label, id, strlen (id));
          g_string_append (o, "    ");
          text_cell (o, label->str, 36, true);
          g_string_append_printf (o, "%" PRIu64 "\n",
                                  *(uint64_t *) g_hash_table_lookup (w->by_cause, id));
        }
      if (w->no_cause)
        {
          g_string_append (o, "    ");
          text_cell (o, "(no diagnosis)", 36, true);
          g_string_append_printf (o, "%" PRIu64 "\n", w->no_cause);
        }
    }
  if (g_hash_table_size (w->storms))
    {
      g_string_append (o, "  close storms (many connections closed by one server within a second:\n"
                          "  a restart or deploy):\n");
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, w->storms);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          g_string_append (o, "    server ");
          text_str_safe (o, k);
          g_string_append_printf (o, ": %" PRIu64 " connections\n", *(uint64_t *) v);
        }
    }
  g_string_append_printf (o, "  handshake failures: %" PRIu64 "\n", w->handshake_failures);
  g_string_append_printf (o, "  connections with protocol violations: %" PRIu64 "\n",
                          w->with_violations);
  if (st == NULL)
    return;
  g_string_append_printf (o, "  encrypted (TLS) connections, not analysed: %" PRIu64 "\n",
                          st->tls_connections);
  ws_tls_totals_text (st, o, text_str_safe);
  g_string_append_printf (o, "  other TCP connections skipped: %" PRIu64 "\n",
                          st->other_connections);
  g_string_append_printf (o, "  TCP streams looked at and rejected as not WebSocket: %" PRIu64
                          "\n    no upgrade request from the start: %" PRIu64
                          ", mid-stream bytes not frames: %" PRIu64 "\n",
                          st->rejected_no_upgrade + st->rejected_midstream,
                          st->rejected_no_upgrade, st->rejected_midstream);
  g_string_append_printf (o, "  other upgrades (not WebSocket, e.g. h2c): %" PRIu64 "\n",
                          st->other_upgrades);
  g_string_append_printf (o, "  packets: %" PRIu64 " (%" PRIu64 " bytes)\n",
                          st->packets, st->bytes);
  g_string_append_printf (o, "  truncated packets (snaplen): %" PRIu64 "\n",
                          st->truncated_packets);
  g_string_append_printf (o, "  undecodable packets: %" PRIu64 "\n", st->undecodable_packets);
  if (st->tunneled_packets > 0)
    g_string_append_printf (o, "  TCP segments inside tunnels: %" PRIu64 "\n", st->tunneled_packets);
  if (st->not_ip_packets + st->unknown_ethertype_packets + st->not_tcp_packets
      + st->inner_not_tcp_packets + st->unknown_tunnel_packets + st->tunnel_too_deep_packets
      + st->malformed_tunnel_packets + st->unsupported_link_packets > 0)
    g_string_append_printf (o, "  not decoded: not IP %" PRIu64 ", unknown EtherType %" PRIu64
                            ", not TCP %" PRIu64
                            ", not TCP inside a tunnel %" PRIu64 ", unknown tunnel %" PRIu64
                            ", tunnels too deep %" PRIu64 ", malformed tunnel %" PRIu64
                            ", unsupported link type %" PRIu64 "\n",
                            st->not_ip_packets, st->unknown_ethertype_packets,
                            st->not_tcp_packets, st->inner_not_tcp_packets, st->unknown_tunnel_packets,
                            st->tunnel_too_deep_packets, st->malformed_tunnel_packets,
                            st->unsupported_link_packets);
  if (st->ip_fragments > 0)
    g_string_append_printf (o, "  IP fragments: %" PRIu64 " (%" PRIu64 " datagrams reassembled, %"
                            PRIu64 " dropped incomplete, %" PRIu64
                            " overlaps with different bytes)\n",
                            st->ip_fragments, st->ip_reassembled, st->ip_frag_dropped,
                            st->ip_frag_overlap_conflicts);
  g_string_append_printf (o, "  gaps in TCP streams: %" PRIu64 " (%" PRIu64 " bytes missed)\n",
                          st->gaps, st->gap_bytes);
  g_string_append_printf (o, "  limits hit: evicted %" PRIu64
                          ", reassembly %" PRIu64 ", inflate %" PRIu64
                          ", inflaters %" PRIu64 ", header %" PRIu64 "\n",
                          st->evicted, st->reassembly_limit_hits,
                          st->inflate_limit_hits, st->inflater_limit_hits,
                          st->header_limit_hits);
}

void
ws_text_totals (const ws_text_tally *w, GString *o, const ws_counters *stats, size_t width)
{
  g_autoptr (GString) t = g_string_new (NULL);
  char **lines;

  text_totals (w, t, stats);
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
      char **items = g_strsplit (*l + lead, ", ", -1);
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
            g_string_append_c (o, ',');
          col += iw;
        }
      g_string_append_c (o, '\n');
      g_strfreev (items);
    }
  g_strfreev (lines);
}
