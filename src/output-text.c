/* output-text.c - the text report, meant for a terminal: a table of
 * connections with the cause and fix under each, and totals at the end
 * (by close code, by cause, close storms, what was skipped, limits hit;
 * those in output-text-totals.c).  Strings from the wire go through
 * ws_text_safe.  Times are UTC.
 *
 * The words are the reader's (i18n.h): headers, labels and totals through
 * _(), a column as wide as the longer of its English width and its
 * translated title, every width in display cells (ws_i18n_width: Arabic
 * letters one, harakat and isolates none, East Asian wide characters two),
 * counts in the totals grouped as the locale groups them.  In a
 * right-to-left language the wire values (addresses, host/path, close
 * reason, display filter) are isolated (U+2068 .. U+2069), and the isolates
 * the diagnosis put around its quoted values (ws_i18n_isolating) are kept
 * when they pair up; a line wrapped inside an isolate closes it and the
 * next reopens it, so that every line is balanced.  English output is the
 * same bytes as before any of this.
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



/* Append s (already safe, valid UTF-8) cut to width display cells
 * (marking a cut with "..."), padded with spaces to width when pad;
 * isolated from the line around it when wire and the language is
 * right-to-left. */
static void
text_cell_iso (GString *o, const char *s, size_t width, bool pad, bool wire)
{
  size_t len = strlen (s), n = ws_i18n_width (s, len);
  bool iso = wire && ws_i18n_isolating;

  if (iso)
    GS_PUT_LIT (o, WS_FSI);
  if (n > width && width > 3)
    {
      const char *end = ws_i18n_cols_end (s, len, width - 3);
      g_string_append_len (o, s, end - s);
      g_string_append (o, "...");
      n = ws_i18n_width (s, (size_t) (end - s)) + 3;
    }
  else
    g_string_append (o, s);
  if (iso)
    GS_PUT_LIT (o, WS_PDI);
  if (pad && n < width)
    {
      char *p = gs_room (o, width - n);
      memset (p, ' ', width - n);
      gs_done (o, p + (width - n));
    }
  GS_PUT_LIT (o, "  ");
}

void
text_cell (GString *o, const char *s, size_t width, bool pad)
{
  text_cell_iso (o, s, width, pad, false);
}

/* Append a wire value (a path, a reason, a filter) made safe, isolated when
 * the language is right-to-left. */
static void
text_wire (GString *o, const char *s, size_t len)
{
  if (ws_i18n_isolating)
    GS_PUT_LIT (o, WS_FSI);
  ws_text_safe (o, s, len);
  if (ws_i18n_isolating)
    GS_PUT_LIT (o, WS_PDI);
}

/* The same for a NUL-terminated value (none for NULL). */
void
text_wire_str (GString *o, const char *s)
{
  if (s)
    text_wire (o, s, strlen (s));
}

/* The words of a record that come from elsewhere, for xgettext only: the
 * confidence of a cause. */
static const char *const text_words[] G_GNUC_UNUSED = {
  /* TRANSLATORS: the confidence of a cause, in "(%s confidence)" */
  NC_ ("confidence", "high"), NC_ ("confidence", "medium"), NC_ ("confidence", "low"),
};

/* Append s, a text of the diagnosis, made safe: ws_text_safe, except that
 * the isolates the diagnosis put around quoted values (U+2068 .. U+2069,
 * ws_i18n_isolating) are kept when they pair up.  One the wire brought
 * cannot open or close more than pairs allow, and every other
 * bidirectional control is escaped as ever. */
void
text_diag_safe (GString *o, const char *s)
{
  static const char fsi[] = WS_FSI, pdi[] = WS_PDI;
  if (!s)
    return;
  if (!ws_i18n_isolating || !strstr (s, fsi))
    {
      ws_text_safe (o, s, strlen (s));
      return;
    }
  /* first the pairs: a PDI closes the nearest open FSI */
  size_t len = strlen (s);
  g_autofree bool *keep = g_new0 (bool, len);
  g_autofree size_t *open = g_new (size_t, len);
  size_t depth = 0;
  for (size_t i = 0; i + 3 <= len; i++)
    if (memcmp (s + i, fsi, 3) == 0)
      open[depth++] = i;
    else if (memcmp (s + i, pdi, 3) == 0 && depth)
      keep[open[--depth]] = keep[i] = true;
  size_t run = 0;
  for (size_t i = 0; i < len; i++)
    if (keep[i])
      {
        ws_text_safe (o, s + run, i - run);
        g_string_append_len (o, s + i, 3);
        i += 2;
        run = i + 1;
      }
  ws_text_safe (o, s + run, len - run);
}

/* "    cause: ": a label of the lines under a row, translated. */
static const char *
text_label (GString *buf, const char *label)
{
  g_string_assign (buf, "    ");
  g_string_append (buf, label);
  g_string_append_c (buf, ' ');
  return buf->str;
}

/* A side of the connection as the reader says it. */
static const char *
text_side (ws_side side)
{
  const char *s = ws_side_valid (side) ? ws_side_name (side) : NULL;
  return s ? C_ ("side", s) : NULL;
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

void
text_str_safe (GString *o, const char *s)
{
  if (s)
    ws_text_safe (o, s, strlen (s));
}

/* Display cells a string takes on a terminal (it is safe, valid UTF-8). */
size_t
text_width (const char *s, size_t len)
{
  return ws_i18n_width (s, len);
}

/* How many isolates s (len bytes) opens (U+2066..U+2068) and closes
 * (U+2069), as a change of depth that never goes below zero. */
static size_t
iso_depth_after (const char *s, size_t len, size_t depth)
{
  for (size_t i = 0; i + 3 <= len; i++)
    if ((unsigned char) s[i] == 0xE2 && (unsigned char) s[i + 1] == 0x81)
      {
        unsigned char b = (unsigned char) s[i + 2];
        if (b >= 0xA6 && b <= 0xA8)
          depth++;
        else if (b == 0xA9 && depth)
          depth--;
      }
  return depth;
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
  size_t depth = 0;             /* isolates open at this point of the line */

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
          /* every line balanced: an isolate cut by the wrap is closed here
           * and opened again on the next line */
          for (size_t d = 0; d < depth; d++)
            GS_PUT_LIT (o, WS_PDI);
          g_string_append_c (o, '\n');
          g_string_append (o, cont);
          for (size_t d = 0; d < depth; d++)
            GS_PUT_LIT (o, WS_FSI);
          col = indent;
          line_empty = true;
        }
      if (!line_empty)
        {
          g_string_append_c (o, ' ');
          col++;
        }
      g_string_append_len (o, p, e - p);
      if (ws_i18n_isolating)
        depth = iso_depth_after (p, (size_t) (e - p), depth);
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

/* The columns of the table in display cells: the English widths above,
 * wider where the reader's title (or a word in the column) needs it.  The
 * titles are looked up again for each record (a gettext lookup); the
 * widths are worked out again only when the language changed. */
static size_t
col_width (size_t english, const char *word)
{
  return MAX (english, ws_i18n_width (word, strlen (word)));
}

static const text_cols *
text_columns (text_cols *cols)
{
  text_cols c = *cols;
  /* TRANSLATORS: the title of the close-code column of the table; the
   * column grows for a longer word, but keep it short */
  const char *key = _("CLOSE");
  if (c.key == key)
    return cols;
  c.key = key;
  /* TRANSLATORS: the title of the time column: the end of a connection */
  c.clock = col_width (W_CLOCK, _("END (UTC)"));
  /* TRANSLATORS: the title of the endpoints column (addresses and ports) */
  c.ends = col_width (W_ENDS, _("CLIENT -> SERVER"));
  /* TRANSLATORS: the title of the handshake status column (an HTTP status
   * such as 101), keep it to about 3 letters */
  c.status = MAX (col_width (W_STATUS, _("HS")),
                  /* TRANSLATORS: the HS column when the capture began
                   * mid-stream (handshake not seen), keep it short */
                  col_width (W_STATUS, C_ ("hs", "mid")));
  c.code = col_width (W_CODE, key);
  /* longer titles take their room from the endpoints column (its spare
   * room: "255.255.255.255:65535 -> ..." is rare) down to its title, so
   * that HOST/PATH starts where the English one does and an 80-column
   * terminal keeps the rows in their columns */
  size_t extra = (c.clock - W_CLOCK) + (c.status - W_STATUS) + (c.code - W_CODE);
  c.ends = MAX (c.ends > extra ? c.ends - extra : 0,
                ws_i18n_width (_("CLIENT -> SERVER"), strlen (_("CLIENT -> SERVER"))));
  c.lead = c.clock + 2 + c.ends + 2 + c.status + 2 + c.code + 2;
  *cols = c;
  return cols;
}

void
ws_text_header (ws_text_tally *w, GString *o, size_t width)
{
  g_autoptr (GString) note = g_string_new (NULL);
  const text_cols *tc = text_columns (&w->cols);

  /* one time convention everywhere (doc/time.md): the end of a connection */
  g_string_append (note, _("Connections in the order they ended; END is the time of the "
                           "last packet (UTC), the date on a line of its own when it "
                           "changes. HS: handshake status, CLOSE: close code."));
  ws_text_wrap (o, "", note->str, width, "");
  text_cell (o, _("END (UTC)"), tc->clock, true);
  text_cell (o, _("CLIENT -> SERVER"), tc->ends, true);
  text_cell (o, _("HS"), tc->status, true);
  text_cell (o, _("CLOSE"), tc->code, true);
  /* TRANSLATORS: the title of the last column: the Host header and the
   * path of the upgrade request */
  g_string_append (o, _("HOST/PATH"));
  g_string_append_c (o, '\n');
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

/* HOST/PATH into where (the path alone when both do not fit the room the
 * row has for them, ends_len being the width of the endpoints); true when
 * it is a wire value (not "-" or "(mid-stream)"). */
static bool
text_row_where (GString *where, const ws_conn *c, size_t ends_len, size_t width,
                const text_cols *tc)
{
  if (c->host == NULL && c->path == NULL)
    g_string_append (where, c->midstream ? _("(mid-stream)") : "-");
  else
    {
      text_str_safe (where, c->host);
      text_str_safe (where, c->path);
    }
  /* the room HOST/PATH has on the row; when both do not fit, the path (the
   * host is mostly the server, on the row already) */
  size_t where_room = ends_len <= tc->ends && width >= tc->lead + W_HOSTPATH_MIN
                      ? width - tc->lead : W_HOSTPATH_MIN;
  if (c->path && c->host && text_width (where->str, where->len) > where_room)
    {
      g_string_truncate (where, 0);
      text_str_safe (where, c->path);
    }
  return c->host || c->path;
}

/* The cells after the endpoints, HS and CLOSE, padded to their columns. */
static void
text_row_rest (GString *rest, const ws_conn *c, int code, const text_cols *tc)
{
  g_autoptr (GString) cell = g_string_new (NULL);

  if (c->handshake_status >= 0)
    put_u64 (cell, (uint64_t) c->handshake_status);
  else
    g_string_append (cell, c->midstream ? C_ ("hs", "mid") : "-");
  text_cell (rest, cell->str, tc->status, true);
  g_string_truncate (cell, 0);
  if (code >= 0)
    put_u64 (cell, (uint64_t) code);
  else
    g_string_append (cell, "-");
  text_cell (rest, cell->str, tc->code, true);
}

/* The row of a connection, laid out for width (see ws_text_record). */
static void
text_row (ws_text_tally *w, GString *o, const ws_conn *c, int code, int64_t when, size_t width)
{
  g_autoptr (GString) ends = g_string_new (NULL);
  g_autoptr (GString) where = g_string_new (NULL);
  g_autoptr (GString) rest = g_string_new (NULL);
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) line = g_string_new (NULL);
  const text_cols *tc = text_columns (&w->cols);

  /* the row: END, CLIENT -> SERVER (never cut), HS, CLOSE, HOST/PATH (cut
   * to what is left of the line, at least W_HOSTPATH_MIN) */
  text_clock (cell, when);
  text_cell (line, cell->str, tc->clock, true);
  text_endpoint (ends, &c->addr[WS_SIDE_CLIENT], c->port[WS_SIDE_CLIENT]);
  size_t client_len = ends->len;
  g_string_append (ends, " -> ");
  text_endpoint (ends, &c->addr[WS_SIDE_SERVER], c->port[WS_SIDE_SERVER]);
  bool where_wire = text_row_where (where, c, ends->len, width, tc);
  text_row_rest (rest, c, code, tc);
  /* the cells after the endpoints, in display cells (the titles may be
   * words of the reader's) */
  size_t rest_w = ws_i18n_width (rest->str, rest->len);

  if (ends->len <= tc->ends && width >= tc->lead + W_HOSTPATH_MIN)
    {
      text_cell_iso (line, ends->str, tc->ends, true, true);
      g_string_append (line, rest->str);
      text_cell_iso (line, where->str, width - tc->lead, false, where_wire);
    }
  else if (tc->clock + 2 + ends->len + 2 + rest_w + W_HOSTPATH_MIN <= width)
    {
      /* longer endpoints, room enough: on the row, the columns after them
       * shifted */
      text_cell_iso (line, ends->str, ends->len, false, true);
      g_string_append (line, rest->str);
      text_cell_iso (line, where->str, width - (tc->clock + 2 + ends->len + 2 + rest_w), false,
                     where_wire);
    }
  else
    {
      /* long endpoints (IPv6): whole, the rest of the row under them */
      size_t lead = tc->clock + 2;
      if (lead + ends->len <= width)
        text_wire (line, ends->str, ends->len);
      else
        {
          text_wire (line, ends->str, client_len);
          g_string_append (line, " ->\n");
          g_string_append_printf (line, "%*s", (int) lead, "");
          text_wire (line, ends->str + client_len + 4, ends->len - client_len - 4);
        }
      g_string_append_printf (line, "\n%*s", (int) lead, "");
      g_string_append (line, rest->str);
      size_t room = width > lead + rest_w ? width - lead - rest_w : 0;
      text_cell_iso (line, where->str, MAX (room, (size_t) W_HOSTPATH_MIN), false, where_wire);
    }
  while (line->len && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  g_string_append (o, line->str);
  g_string_append_c (o, '\n');
}

/* The cause on the line under the row; its fix once for connections with
 * the same cause (a storm of identical connections shows it once). */
static void
text_record_cause (ws_text_tally *w, GString *o, const ws_conn *c, size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);

  text_str_safe (cell, c->cause.id);
  if (c->cause.detail)
    {
      g_string_append_c (cell, '/');
      text_str_safe (cell, c->cause.detail);
    }
  g_autofree char *group = g_strdup (cell->str);
  if (c->cause.confidence)
    {
      g_autoptr (GString) conf = g_string_new (NULL);
      text_str_safe (conf, C_ ("confidence", c->cause.confidence));
      g_string_append_c (cell, ' ');
      /* TRANSLATORS: "(high confidence)"; %s is high, medium or low */
      g_string_append_printf (cell, _("(%s confidence)"), conf->str);
    }
  if (c->cause.summary)
    {
      g_string_append (cell, ": ");
      text_diag_safe (cell, c->cause.summary);
    }
  ws_text_wrap (o, text_label (lab, _("cause:")), cell->str, width, "      ");
  if (c->cause.fix)
    {
      g_string_truncate (cell, 0);
      text_diag_safe (cell, c->cause.fix);
      if (!g_hash_table_contains (w->fixes_shown, group))
        {
          g_hash_table_add (w->fixes_shown, g_strdup (group));
          ws_text_wrap (o, text_label (lab, _("fix:")), cell->str, width, "      ");
        }
    }
}

/* The close code, its name and side, and the close reason. */
static void
text_record_close (GString *o, const ws_conn *c, int code, const char *reason, size_t reason_len,
                   size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);

  if (code >= 0)
    {
      const ws_code_info *ci = ws_code_lookup (code);
      put_u64 (cell, (uint64_t) code);
      if (ci && ci->name)
        {
          /* the name as --explain gives it in the reader's language */
          g_string_append_c (cell, ' ');
          text_str_safe (cell, _(ci->name));
        }
      if (text_side (c->close_initiator))
        /* TRANSLATORS: the close line: "1000 Normal Closure from the
         * server"; the side follows it */
        g_string_append_printf (cell, " %s %s", _("from the"),
                                text_side (c->close_initiator));
    }
  else
    g_string_append (cell, _("no close frame"));
  /* TRANSLATORS: a comma between two parts of a line (Arabic: "، ") */
  g_string_append (cell, C_ ("list", ", "));
  if (ws_i18n_isolating)
    GS_PUT_LIT (cell, WS_FSI);
  g_string_append_c (cell, '"');
  ws_text_safe (cell, reason, reason_len);
  g_string_append_c (cell, '"');
  if (ws_i18n_isolating)
    GS_PUT_LIT (cell, WS_PDI);
  /* TRANSLATORS: the label of the line with the close code, its side
   * and its reason */
  ws_text_wrap (o, text_label (lab, _("close:")), cell->str, width, "      ");
}

/* (verbose) How TCP ended and the frames each side sent. */
static void
text_record_tcp (GString *o, const ws_conn *c, size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);
  const char *end = ws_tcp_end_name (c->tcp_end);

  if (c->tcp_end == WS_TCP_END_OPEN && end)
    /* TRANSLATORS: TCP still open when the capture ended */
    g_string_append (cell, C_ ("tcp end", "open"));
  else if (end && text_side (c->tcp_end_by))
    /* TRANSLATORS: how TCP ended: "fin by server", "rst by client"
     * (fin and rst stay as they are: TCP flags) */
    g_string_append_printf (cell, _("%s by %s"), end, text_side (c->tcp_end_by));
  else
    g_string_append (cell, end ? end : "-");
  /* TRANSLATORS: a semicolon between two parts of a line (Arabic: "؛ ") */
  g_string_append (cell, C_ ("list", "; "));
  g_string_append_printf (cell, "%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                          _("frames client/server"), c->dir[WS_SIDE_CLIENT].frames,
                          c->dir[WS_SIDE_SERVER].frames);
  /* TRANSLATORS: the label of the line on how TCP ended (keep TCP) */
  ws_text_wrap (o, text_label (lab, _("tcp:")), cell->str, width, "      ");
}

/* (verbose) The evidence of the cause, in time order. */
static void
text_record_evidence (GString *o, const ws_conn *c, size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GPtrArray) ev = ws_evidence_in_time_order (&c->cause);

  g_string_append (o, "    ");
  g_string_append (o, _("evidence:"));
  g_string_append_c (o, '\n');
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
      text_diag_safe (cell, e->text);
      ws_text_wrap (o, line->str, cell->str, width, "        ");
    }
}

/* (verbose) The capture file and frames, and a Wireshark display filter. */
static void
text_record_packets (GString *o, const ws_conn *c, size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);
  g_autoptr (GString) df = g_string_new (NULL);

  if (c->first_file)
    text_wire (cell, c->first_file, strlen (c->first_file));
  g_string_append_printf (cell, " %s %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, _("frames"),
                          c->first_frame, c->last_frame);
  /* TRANSLATORS: the label of the line naming the capture file and
   * the frame numbers of the connection */
  ws_text_wrap (o, text_label (lab, _("packets:")), cell->str, width, "      ");
  if (ws_display_filter (c, df))
    {
      g_string_truncate (cell, 0);
      text_wire (cell, df->str, df->len);
      /* TRANSLATORS: the label of the line with a Wireshark display
       * filter for the connection (keep the name Wireshark) */
      ws_text_wrap (o, text_label (lab, _("wireshark:")), cell->str, width, "      ");
    }
}

/* The protocol violations (the first nv, and how many more). */
static void
text_record_violations (GString *o, const ws_conn *c, unsigned nv, size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);

  for (unsigned i = 0; i < nv; i++)
    {
      const char *side = text_side (c->violations[i].side);
      if (i)
        g_string_append (cell, C_ ("list", ", "));
      g_string_append (cell, ws_violation_name (c->violations[i].kind));
      if (side)
        g_string_append_printf (cell, " (%s)", side);
    }
  if (c->violations_dropped)
    g_string_append_printf (cell, _(", and %u more"), c->violations_dropped);
  g_string_assign (lab, "    ");
  g_string_append (lab, _("violations:"));
  ws_text_wrap (o, lab->str, cell->str, width, "      ");
}

/* The limits the connection hit. */
static void
text_record_limits (GString *o, const ws_conn *c, size_t width)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  g_autoptr (GString) lab = g_string_new (NULL);

  for (size_t i = 0; i < G_N_ELEMENTS (ws_limit_names); i++)
    if (c->limits & ws_limit_names[i].bit)
      g_string_append_printf (cell, "%s%s", cell->len ? C_ ("list", ", ") : "",
                              ws_limit_names[i].name);
  g_string_assign (lab, "    ");
  g_string_append (lab, _("limits hit:"));
  ws_text_wrap (o, lab->str, cell->str, width, "      ");
}

void
ws_text_record (ws_text_tally *w, GString *o, const ws_conn *c, bool verbose, size_t width)
{
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
  text_row (w, o, c, code, when, width);
  /* then the lines under it, in this order */
  if (c->cause.id)
    text_record_cause (w, o, c, width);
  if (reason)
    text_record_close (o, c, code, reason, reason_len, width);
  if (verbose)
    text_record_tcp (o, c, width);
  if (verbose && c->cause.id && c->cause.evidence && c->cause.evidence->len)
    text_record_evidence (o, c, width);
  if (verbose && c->first_frame)
    text_record_packets (o, c, width);
  if (nv > 0)
    text_record_violations (o, c, nv, width);
  if (c->limits)
    text_record_limits (o, c, width);
}
