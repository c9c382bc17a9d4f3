/* report.c - `wsclosed report`: a night of captures (files, directories of
 * rotated files) or JSON Lines (from `wsclosed -F json` or the daemon) in,
 * one summary out.  This file is the driver; the stages are
 *
 *   report-input    INPUTs -> capture files, JSON Lines files
 *   analyzer        captures, read together in time order as one capture
 *                   -> diagnosed connections (a record callback, in memory)
 *   report-jsonl    JSON Lines -> records
 *   report-agg      connection -> record -> the night (report-model)
 *   history         records and the night -> SQLite, the comparison
 *   report-summary  text or JSON on stdout; html: the page
 *
 * Only counts and the top WS_REPORT_TOP connections are kept in memory; the
 * records themselves go to the history as they come.  Its options are read
 * in main.c, from the one table of both commands.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "capture.h"
#include "history.h"
#include "html.h"
#include "i18n.h"
#include "output.h"
#include "report-agg.h"
#include "report-input.h"
#include "report-jsonl.h"
#include "report-summary.h"
#include "report.h"

enum {
  EXIT_OK = 0,
  EXIT_INPUT = 2,
  EXIT_OUTPUT = 3,
};

/* ---- progress on stderr --------------------------------------------------------- */

typedef struct {
  bool on;
  unsigned files_total, files_done;
  uint64_t bytes_total, bytes_done;
  int64_t t0, last;
  unsigned ticks;
} progress;

static void
human_bytes (char *buf, size_t len, double b)
{
  const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  int u = 0;
  while (b >= 1024 && u < 4)
    {
      b /= 1024;
      u++;
    }
  g_snprintf (buf, len, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static void
progress_show (progress *p, bool force)
{
  if (!p->on)
    return;
  int64_t now = g_get_monotonic_time ();
  if (!force && now - p->last < 200000)
    return;
  p->last = now;
  double el = (double) (now - p->t0) / 1e6;
  double done = (double) MIN (p->bytes_done, p->bytes_total);
  double frac = p->bytes_total ? done / (double) p->bytes_total : 0;
  double rate = el > 0 ? done / el : 0;
  char d[32], t[32], r[32], eta[32];
  human_bytes (d, sizeof d, done);
  human_bytes (t, sizeof t, (double) p->bytes_total);
  human_bytes (r, sizeof r, rate);
  if (rate > 0 && frac < 1)
    {
      int64_t left = (int64_t) (((double) p->bytes_total - done) / rate);
      g_snprintf (eta, sizeof eta, "%" PRId64 ":%02" PRId64 " left", left / 60, left % 60);
    }
  else
    g_strlcpy (eta, "", sizeof eta);
  char bar[21];
  int fill = (int) (frac * 20);
  for (int i = 0; i < 20; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[20] = '\0';
  fprintf (stderr, "\r\033[K[%s] %u/%u files  %s/%s  %s/s  %s", bar, p->files_done,
           p->files_total, d, t, r, eta);
  fflush (stderr);
}

static void
progress_end (progress *p)
{
  if (!p->on)
    return;
  fputs ("\r\033[K", stderr);
  fflush (stderr);
}


/* ---- the night: every record into the report and the history ------------------------ */

typedef struct {
  ws_report *rp;
  ws_history *hist;           /* NULL without --db */
  GError *hist_error;         /* first history error; stops further inserts */
  progress *pg;
  const ws_settings *set;     /* for the analyzer */
} night;

/* Takes r. */
static void
night_take (ws_report_rec *r, void *user)
{
  night *n = user;
  if (n->hist && !n->hist_error)
    ws_history_add (n->hist, r, &n->hist_error);
  ws_report_add (n->rp, r);
}

static void
night_progress (size_t bytes, void *user)
{
  night *n = user;
  n->pg->bytes_done += bytes;
  progress_show (n->pg, false);
}

/* ---- captures through the analyzer ------------------------------------------------- */

typedef struct {
  ws_analyzer *a;
  progress *pg;
} cap_ctx;

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  cap_ctx *c = user;
  ws_analyzer_packet (c->a, linktype, h, data);
  c->pg->bytes_done += 16 + h->caplen;   /* record header + data */
  if ((++c->pg->ticks & 255) == 0)
    progress_show (c->pg, false);
}

static bool
on_record (const ws_conn *c, void *user)
{
  night_take (ws_report_rec_from_conn (c), user);
  return true;
}

/* Returns the number of problems (files not read, read errors). */
static int
read_captures (night *n, GPtrArray *files)
{
  int n_errors = 0;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (files, NULL);
  ws_capture *cap = ws_capture_open_files ((char **) files->pdata, NULL, &n_errors, &error);
  g_ptr_array_remove_index (files, files->len - 1);
  if (!cap)
    {
      g_printerr ("wsclosed report: %s\n", error->message);
      return n_errors + 1;
    }
  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  ws_analyzer *a = ws_analyzer_new (&ao, n->set, NULL);
  ws_analyzer_set_record_fn (a, on_record, n);
  cap_ctx cc = { a, n->pg };
  uint64_t tls_before = n->rp->tls_records;
  n_errors += ws_capture_run (cap, on_packet, &cc);
  ws_analyzer_finish (a);
  /* what the analyzer looked at and skipped */
  const ws_counters *st = ws_analyzer_counters (a);
  ws_report_skipped *sk = &n->rp->skipped;
  sk->known = true;
  sk->tcp = st->tcp_connections;
  /* TLS connections that got no record (no key log): the others are in
   * the records' TLS counts already */
  uint64_t tls_recs = n->rp->tls_records - tls_before;
  sk->tls = st->tls_connections > tls_recs ? st->tls_connections - tls_recs : 0;
  sk->other_tcp = st->other_connections;
  sk->no_upgrade = st->rejected_no_upgrade;
  sk->midstream = st->rejected_midstream;
  sk->other_upgrades = st->other_upgrades;
  if (ws_analyzer_write_errors (a))
    n_errors++;
  ws_analyzer_free (a);
  ws_capture_free (cap);
  n->pg->files_done += files->len;
  return n_errors;
}

/* Every input into the night.  Returns EXIT_OK or EXIT_INPUT. */
static int
read_inputs (night *n, GPtrArray *caps, GPtrArray *jsonl, uint64_t *bad_lines)
{
  int rc = EXIT_OK;
  progress_show (n->pg, true);
  if (caps->len && read_captures (n, caps))
    rc = EXIT_INPUT;
  ws_report_jsonl_cbs cbs = { night_take, night_progress };
  g_autoptr (ws_report_jsonl) j = ws_report_jsonl_new (&cbs, n);
  for (guint i = 0; i < jsonl->len; i++)
    {
      if (!ws_report_jsonl_read (j, g_ptr_array_index (jsonl, i)))
        rc = EXIT_INPUT;
      n->pg->files_done++;
    }
  progress_show (n->pg, true);
  progress_end (n->pg);
  *bad_lines = ws_report_jsonl_bad_lines (j);
  return rc;
}

/* ---- history and outputs ----------------------------------------------------------- */

static char *
default_label (const ws_report *rp)
{
  GDateTime *dt = rp->first_us
    ? g_date_time_new_from_unix_local (ws_report_seconds (rp->first_us))
    : g_date_time_new_now_local ();
  if (!dt)
    return g_strdup ("unknown");
  char *s = g_date_time_format (dt, "%Y-%m-%d");
  g_date_time_unref (dt);
  return s ? s : g_strdup ("unknown");
}

static char *
inputs_json (char **inputs)
{
  GString *o = g_string_new ("[");
  for (char **in = inputs; *in; in++)
    {
      if (in != inputs)
        g_string_append_c (o, ',');
      ws_json_string (o, *in, strlen (*in));
    }
  g_string_append_c (o, ']');
  return g_string_free (o, FALSE);
}

/* Open the history and begin a run; NULL (told on stderr) when it cannot. */
static ws_history *
history_begin (const char *path, char **inputs)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ij = inputs_json (inputs);
  ws_history *hist = ws_history_open (path, &error);
  if (!hist || !ws_history_begin (hist, ij, &error))
    {
      g_printerr ("wsclosed report: history: %s\n", error->message);
      ws_history_close (hist);
      return NULL;
    }
  return hist;
}

/* End the run (or abort it after an error while adding) and compare it with
 * the earlier ones; closes the history.  *cmp NULL on failure. */
static int
history_end (night *n, const char *label, ws_history_cmp **cmp)
{
  g_autoptr (GError) error = NULL;
  int rc = EXIT_OK;
  if (n->hist_error)
    {
      g_printerr ("wsclosed report: history: %s\n", n->hist_error->message);
      ws_history_abort (n->hist);
      rc = EXIT_OUTPUT;
    }
  else if (!ws_history_end (n->hist, label, n->rp, &error) ||
           !(*cmp = ws_history_compare (n->hist, label, &error)))
    {
      g_printerr ("wsclosed report: history: %s\n", error->message);
      rc = EXIT_OUTPUT;
    }
  ws_history_close (n->hist);
  n->hist = NULL;
  return rc;
}

/* The summary on stdout, then the page.  Returns EXIT_OK or EXIT_OUTPUT. */
static int
write_outputs (const ws_report_opts *op, const ws_report *rp, const char *label,
               const ws_history_cmp *cmp)
{
  int rc = EXIT_OK;
  GString *o = g_string_new (NULL);
  if (op->json_out)
    ws_report_json_summary (o, rp, label, cmp);
  else
    ws_report_text_summary (o, rp, label, cmp);
  fwrite (o->str, 1, o->len, stdout);
  g_string_free (o, TRUE);
  ws_i18n_enable (true);      /* the page is in the reader's language */
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      g_printerr ("wsclosed report: standard output: write error\n");
      rc = EXIT_OUTPUT;
    }
  g_autoptr (GError) error = NULL;
  if (op->html && !ws_html_write (op->html, rp, label, cmp, &error))
    {
      g_printerr ("wsclosed report: %s\n", error->message);
      rc = EXIT_OUTPUT;
    }
  return rc;
}

/* ---- main ---------------------------------------------------------------------------- */

static void
progress_init (progress *pg, GPtrArray *caps, GPtrArray *jsonl)
{
  pg->on = isatty (STDERR_FILENO);
  pg->t0 = g_get_monotonic_time ();
  pg->files_total = caps->len + jsonl->len;
  for (guint i = 0; i < caps->len; i++)
    pg->bytes_total += ws_report_file_size (g_ptr_array_index (caps, i));
  for (guint i = 0; i < jsonl->len; i++)
    pg->bytes_total += ws_report_file_size (g_ptr_array_index (jsonl, i));
}

int
ws_report_run (const ws_report_opts *opts)
{
  ws_report_opts o = *opts;
  const ws_report_opts *op = &o;
  g_autofree char *db = NULL;
  if (o.history && !o.db)
    o.db = db = ws_history_default_path ();
  int rc = EXIT_OK;
  ws_settings set;
  ws_settings_init (&set);     /* as wsclosed: exact by default */
  set.limits.inflate_lazy = true; /* as wsclosed by default: inflating later */

  g_autoptr (GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) jsonl = g_ptr_array_new_with_free_func (g_free);
  if (ws_report_collect_inputs (op->inputs, caps, jsonl))
    rc = EXIT_INPUT;
  progress pg = { 0 };
  progress_init (&pg, caps, jsonl);

  g_autoptr (ws_report) rp = ws_report_new ();
  night n = { .rp = rp, .pg = &pg, .set = &set };
  if (op->db && !(n.hist = history_begin (op->db, op->inputs)))
    rc = EXIT_OUTPUT;

  /* JSON strings (the causes' sentences, built while reading) stay English
   * unless --lang asks, as in `wsclosed -F json` */
  if (op->json_out && !op->lang)
    ws_i18n_enable (false);
  uint64_t bad_lines = 0;
  int r = read_inputs (&n, caps, jsonl, &bad_lines);
  rc = MAX (rc, r);   /* MAX evaluates its arguments twice */

  g_autofree char *label = op->label ? g_strdup (op->label) : default_label (rp);
  g_autoptr (ws_history_cmp) cmp = NULL;
  if (n.hist && (r = history_end (&n, label, &cmp)) > rc)
    rc = r;
  if ((r = write_outputs (op, rp, label, cmp)) > rc)
    rc = r;

  if (bad_lines)
    g_printerr ("wsclosed report: %" PRIu64 " line%s skipped (not JSON records)\n", bad_lines,
                bad_lines == 1 ? "" : "s");
  g_clear_error (&n.hist_error);
  return rc;
}
