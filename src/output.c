/* output.c - the writer: connection records in one format (text, JSON
 * Lines, CSV: output-text.c, output-json.c, output-csv.c) to one stream,
 * with the text totals at the end, a bounded backlog for the daemon when the
 * file does not take what is written (disk full), and the one way an output
 * file is opened (the command and the daemon).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "output.h"
#include "output-csv.h"
#include "output-json.h"
#include "output-text.h"
#include "output-fields.h"
#include "output-summary.h"

struct ws_writer {
  FILE *out;
  ws_format fmt;
  bool flush;
  bool header_done;           /* table header / CSV header row written */
  ws_text_tally *tally;       /* totals for the text report, from the records written */

  /* daemon: output that could not be written yet (disk full, ...) */
  size_t backlog_max;         /* 0: no backlog, errors are returned */
  GString *backlog;           /* bytes not yet written, in order */
  uint64_t dropped_records;   /* records lost because the backlog was full */
  uint64_t write_failures;
  bool verbose;               /* text: evidence under each connection */
  size_t width;               /* text: columns of the terminal */
  bool abnormal_only;         /* --abnormal */
  ws_summary *summary;        /* --summary: groups instead of records */
  bool skip_totals;           /* no input was read */
  GString *buf;               /* one record, reused */
};

FILE *
ws_output_open (const char *path, bool append, GError **error)
{
  if (!path || strcmp (path, "-") == 0)
    return stdout;
  int fd = append ? open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)
                  : open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", path,
                   g_strerror (errno));
      return NULL;
    }
  FILE *fp = fdopen (fd, append ? "a" : "w");
  if (!fp)
    close (fd);
  return fp;
}

ws_format
ws_format_parse (const char *name, bool *ok)
{
  bool found = true;
  ws_format f = WS_FMT_TEXT;

  if (name == NULL)
    found = false;
  else if (g_ascii_strcasecmp (name, "text") == 0)
    f = WS_FMT_TEXT;
  else if (g_ascii_strcasecmp (name, "json") == 0 ||
           g_ascii_strcasecmp (name, "jsonl") == 0)
    f = WS_FMT_JSON;
  else if (g_ascii_strcasecmp (name, "csv") == 0)
    f = WS_FMT_CSV;
  else
    found = false;
  if (ok)
    *ok = found;
  return f;
}


ws_writer *
ws_writer_new (FILE *out, ws_format fmt, bool flush)
{
  ws_writer *w = g_new0 (ws_writer, 1);

  w->out = out;
  w->fmt = fmt;
  w->flush = flush;
  w->tally = ws_text_tally_new ();
  w->width = 0;               /* no limit unless a terminal's is set */
  w->buf = g_string_sized_new (4096);
  return w;
}

void
ws_writer_set_stream (ws_writer *w, FILE *out)
{
  w->out = out;
  /* a new file gets its own table header or CSV header row */
  w->header_done = false;
}

/* Write buf with write(2), all or as much as the file takes; returns the
 * bytes written, and false in *ok on an error. */
static size_t
write_fd (int fd, const char *buf, size_t len, bool *ok)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *ok = false;
          break;
        }
      done += (size_t) n;
    }
  return done;
}

bool
ws_writer_retry (ws_writer *w)
{
  if (!w->backlog || w->backlog->len == 0)
    return true;
  bool ok = true;
  size_t n = write_fd (fileno (w->out), w->backlog->str, w->backlog->len, &ok);
  g_string_erase (w->backlog, 0, (gssize) n);
  return w->backlog->len == 0;
}

/* Daemon mode: records go out with write(2) so that what the file did not
 * take is known exactly; it is kept (bounded) and tried again later. */
static bool
emit_backlog (ws_writer *w, const GString *s)
{
  if (!w->backlog)
    w->backlog = g_string_new (NULL);
  if (!ws_writer_retry (w))
    {
      w->write_failures++;
      if (w->backlog->len + s->len > w->backlog_max)
        {
          w->dropped_records++;
          return false;
        }
      g_string_append_len (w->backlog, s->str, (gssize) s->len);
      return false;
    }
  bool ok = true;
  size_t n = write_fd (fileno (w->out), s->str, s->len, &ok);
  if (n < s->len)
    {
      w->write_failures++;
      /* keep the rest of the record (never half of it is lost) */
      if (w->backlog->len + (s->len - n) > w->backlog_max && n == 0)
        {
          w->dropped_records++;
          return false;
        }
      g_string_append_len (w->backlog, s->str + n, (gssize) (s->len - n));
    }
  return ok;
}

bool
ws_writer_shows_evidence (const ws_writer *w)
{
  return w->fmt == WS_FMT_JSON || (w->fmt == WS_FMT_TEXT && w->verbose);
}

void
ws_writer_skip_totals (ws_writer *w)
{
  w->skip_totals = true;
}

void
ws_writer_set_width (ws_writer *w, size_t columns)
{
  w->width = columns == 0 ? 0 : columns < 40 ? 40 : columns;
}

void
ws_writer_set_abnormal (ws_writer *w, bool only)
{
  w->abnormal_only = only;
}

void
ws_writer_set_summary (ws_writer *w, bool summary)
{
  if (summary && !w->summary)
    w->summary = ws_summary_new ();
}

size_t
ws_terminal_width (FILE *out)
{
  const char *env = g_getenv ("COLUMNS");
  struct winsize ws;

  if (env && *env)
    {
      char *end;
      long v = strtol (env, &end, 10);
      if (*end == '\0' && v > 0 && v < 100000)
        return (size_t) v;
    }
  if (out && isatty (fileno (out)) && ioctl (fileno (out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 80;
}

void
ws_writer_set_verbose (ws_writer *w, bool verbose)
{
  w->verbose = verbose;
}

void
ws_writer_set_backlog (ws_writer *w, size_t max_bytes)
{
  w->backlog_max = max_bytes;
}

size_t
ws_writer_backlog (const ws_writer *w)
{
  return w->backlog ? w->backlog->len : 0;
}

uint64_t
ws_writer_failures (const ws_writer *w)
{
  return w->write_failures;
}

uint64_t
ws_writer_dropped (const ws_writer *w)
{
  return w->dropped_records;
}

static bool
emit (ws_writer *w, const GString *s)
{
  bool ok = true;

  if (w->backlog_max)
    return emit_backlog (w, s);

  if (s->len > 0 && fwrite (s->str, 1, s->len, w->out) != s->len)
    ok = false;
  if (w->flush && fflush (w->out) != 0)
    ok = false;
  if (ferror (w->out))
    ok = false;
  return ok;
}

/* A record rarely passes a few KiB; a buffer that grew past this for an
 * unusual one is given back rather than kept for the rest of the run. */
#define WRITER_BUF_KEEP (64 * 1024)

bool
ws_writer_record (ws_writer *w, const ws_conn *c)
{
  GString *s = w->buf;
  bool ok;

  g_string_truncate (s, 0);
  if (w->abnormal_only && !ws_record_abnormal (c))
    return true;
  if (w->summary)
    {
      ws_summary_add (w->summary, c);
      if (w->fmt == WS_FMT_TEXT)
        ws_text_tally_add (w->tally, c);
      return true;
    }

  switch (w->fmt)
    {
    case WS_FMT_JSON:
      ws_json_record (s, c);
      g_string_append_c (s, '\n');
      break;
    case WS_FMT_CSV:
      if (!w->header_done)
        ws_csv_header (s);
      ws_csv_record (s, c);
      break;
    case WS_FMT_TEXT:
    default:
      if (!w->header_done)
        ws_text_header (w->tally, s, w->width);
      ws_text_record (w->tally, s, c, w->verbose, w->width);
      break;
    }
  w->header_done = true;
  if (w->fmt == WS_FMT_TEXT)
    ws_text_tally_add (w->tally, c);               /* only the text report prints totals */
  ok = emit (w, s);
  if (s->allocated_len > WRITER_BUF_KEEP)
    {
      g_string_free (s, TRUE);
      w->buf = g_string_sized_new (4096);
    }
  return ok;
}

void
ws_writer_finish (ws_writer *w, const ws_counters *stats)
{
  g_autoptr (GString) s = g_string_new (NULL);

  if (w->summary)
    {
      ws_summary_write (w->summary, s, w->fmt, w->width);
      if (w->fmt == WS_FMT_TEXT)
        g_string_append_c (s, '\n');
      w->header_done = true;
    }
  switch (w->fmt)
    {
    case WS_FMT_JSON:
      break;
    case WS_FMT_CSV:
      /* an empty report still names its columns */
      if (!w->header_done)
        ws_csv_header (s);
      break;
    case WS_FMT_TEXT:
    default:
      if (!w->skip_totals)
        ws_text_totals (w->tally, s, stats, w->width);
      break;
    }
  w->header_done = true;
  emit (w, s);
  fflush (w->out);
}

void
ws_writer_free (ws_writer *w)
{
  if (w == NULL)
    return;
  ws_text_tally_free (w->tally);
  ws_summary_free (w->summary);
  if (w->backlog)
    g_string_free (w->backlog, TRUE);
  g_string_free (w->buf, TRUE);
  g_free (w);
}
