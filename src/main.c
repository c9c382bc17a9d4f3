/* main.c - options and wiring; the work is done in libwsclosed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "capture.h"
#include "closecodes.h"
#include "conn.h"
#include "output.h"

enum {
  EXIT_OK = 0,
  EXIT_USAGE = 1,
  EXIT_INPUT = 2,   /* some input could not be read (the rest was) */
  EXIT_OUTPUT = 3,  /* the report could not be written */
};

static char **opt_read;
static char *opt_iface;
static char *opt_filter;
static char *opt_format;
static char *opt_output;
static char *opt_explain;
static double opt_hold = 10;
static double opt_idle;
static gint64 opt_max_conns;
static gint64 opt_max_header;
static gint64 opt_max_ooo;
static gint64 opt_max_inflate;
static gboolean opt_no_utf8;
static gboolean opt_version;

static GOptionEntry entries[] = {
  { "read", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_read,
    "Read packets from FILE (pcap, pcapng, optionally gzip-compressed; - for standard input). "
    "Repeat to read several files as one capture", "FILE" },
  { "interface", 'i', 0, G_OPTION_ARG_STRING, &opt_iface,
    "Capture live on IFACE (any for all)", "IFACE" },
  { "filter", 'f', 0, G_OPTION_ARG_STRING, &opt_filter,
    "BPF filter expression, as tcpdump takes it (may also follow the options)", "EXPR" },
  { "format", 'F', 0, G_OPTION_ARG_STRING, &opt_format,
    "Output format: text (default), json (JSON Lines), csv", "FMT" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    "Write the report to FILE instead of standard output", "FILE" },
  { "explain", 0, 0, G_OPTION_ARG_STRING, &opt_explain,
    "Explain a close code (e.g. 1006) or handshake failure (e.g. 403) and exit", "CODE" },
  { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hold,
    "Keep an ended connection this long (capture time) before writing it, to see reconnects (default 10)",
    "SECONDS" },
  { "idle-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_idle,
    "End a connection after this much silence (default: never for files)", "SECONDS" },
  { "max-conns", 0, 0, G_OPTION_ARG_INT64, &opt_max_conns,
    "Connections tracked at once; the least recently active is evicted beyond (default 1000000)", "N" },
  { "max-header-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_header,
    "Largest handshake header block kept (default 16384)", "N" },
  { "max-ooo-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_ooo,
    "Out-of-order bytes kept per connection direction (default 262144)", "N" },
  { "max-inflate-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_inflate,
    "Inflated bytes measured per compressed message (default 67108864)", "N" },
  { "no-utf8-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_utf8,
    "Do not validate text messages as UTF-8 (faster)", NULL },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL }
};

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  ws_analyzer_packet (user, linktype, h, data);
}

/* Remaining arguments form the filter expression, as with tcpdump. */
static char *
join_filter (int argc, char **argv)
{
  GString *f = g_string_new (opt_filter ? opt_filter : "");
  for (int i = 1; i < argc; i++)
    {
      if (f->len)
        g_string_append_c (f, ' ');
      g_string_append (f, argv[i]);
    }
  return g_string_free (f, FALSE);
}

static FILE *
open_output (const char *path, GError **error)
{
  if (!path || strcmp (path, "-") == 0)
    return stdout;
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", path,
                   g_strerror (errno));
      return NULL;
    }
  FILE *fp = fdopen (fd, "w");
  if (!fp)
    close (fd);
  return fp;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[FILTER EXPRESSION]");
  g_option_context_set_summary (ctx,
    "Explain why WebSocket connections closed: reads packet captures (or a live\n"
    "interface), follows each WebSocket connection and reports who closed it,\n"
    "with which code and reason, how TCP ended, and the likely cause and fix.");
  g_option_context_set_description (ctx,
    "Examples:\n"
    "  wsclosed -r capture.pcap\n"
    "  wsclosed -r day.pcap.gz -F json -o closes.jsonl 'tcp port 443 or tcp port 8080'\n"
    "  wsclosed --explain 1006\n\n"
    "Exit status: 0 success, 1 usage error, 2 some input could not be read\n"
    "(records from the rest are still written), 3 the report could not be written.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("wsclosed: %s\nTry 'wsclosed --help'.\n", error->message);
      return EXIT_USAGE;
    }
  if (opt_version)
    {
      printf ("wsclosed %s (%s)\n", PACKAGE_VERSION, pcap_lib_version ());
      return EXIT_OK;
    }
  if (opt_explain)
    {
      char *text = ws_code_explain (opt_explain, &error);
      if (!text)
        {
          g_printerr ("wsclosed: --explain %s: %s\n", opt_explain, error->message);
          return EXIT_USAGE;
        }
      fputs (text, stdout);
      g_free (text);
      return EXIT_OK;
    }

  bool fmt_ok = true;
  ws_format fmt = opt_format ? ws_format_parse (opt_format, &fmt_ok) : WS_FMT_TEXT;
  if (!fmt_ok)
    {
      g_printerr ("wsclosed: unknown format \"%s\" (text, json, csv)\n", opt_format);
      return EXIT_USAGE;
    }
  if (!opt_read && !opt_iface)
    {
      g_printerr ("wsclosed: nothing to read: give -r FILE or -i IFACE\nTry 'wsclosed --help'.\n");
      return EXIT_USAGE;
    }
  if (opt_read && opt_iface)
    {
      g_printerr ("wsclosed: -r and -i cannot be used together\n");
      return EXIT_USAGE;
    }

  ws_limits_init_defaults (&ws_limits_cfg);
  if (opt_max_conns > 0)
    ws_limits_cfg.max_conns = (size_t) opt_max_conns;
  if (opt_max_header > 0)
    ws_limits_cfg.max_header_bytes = (size_t) opt_max_header;
  if (opt_max_ooo > 0)
    ws_limits_cfg.max_ooo_bytes_per_conn = (size_t) opt_max_ooo;
  if (opt_max_inflate > 0)
    ws_limits_cfg.max_inflate_bytes = (uint64_t) opt_max_inflate;
  ws_limits_cfg.check_utf8 = !opt_no_utf8;

  g_autofree char *filter = join_filter (argc, argv);

  if (opt_iface)
    {
      g_printerr ("wsclosed: live capture is not available in this build yet\n");
      return EXIT_USAGE;
    }

  int n_errors = 0;
  ws_capture *cap = ws_capture_open_files (opt_read, filter, &n_errors, &error);
  if (!cap)
    {
      g_printerr ("wsclosed: %s\n", error->message);
      return EXIT_USAGE;
    }
  FILE *out = open_output (opt_output, &error);
  if (!out)
    {
      g_printerr ("wsclosed: cannot write report: %s\n", error->message);
      ws_capture_free (cap);
      return EXIT_OUTPUT;
    }

  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  ao.hold_us = (int64_t) (opt_hold * G_USEC_PER_SEC);
  ao.idle_us = (int64_t) (opt_idle * G_USEC_PER_SEC);
  ws_writer *w = ws_writer_new (out, fmt, false);
  ws_analyzer *a = ws_analyzer_new (&ao, w);

  n_errors += ws_capture_run (cap, on_packet, a);
  ws_analyzer_finish (a);
  ws_writer_finish (w, &ws_stats);

  int rc = n_errors ? EXIT_INPUT : EXIT_OK;
  if (ws_analyzer_write_errors (a) || fflush (out) != 0 || ferror (out))
    {
      g_printerr ("wsclosed: %s: write error: %s\n", opt_output ? opt_output : "standard output",
                  g_strerror (errno));
      rc = EXIT_OUTPUT;
    }
  ws_analyzer_free (a);
  ws_writer_free (w);
  ws_capture_free (cap);
  if (out != stdout && fclose (out) != 0)
    rc = EXIT_OUTPUT;
  g_strfreev (opt_read);
  g_free (opt_iface);
  g_free (opt_filter);
  g_free (opt_format);
  g_free (opt_output);
  g_free (opt_explain);
  return rc;
}
