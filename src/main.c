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
#include "daemon.h"
#include "output.h"
#include "report.h"
#include "tlsconn.h"

enum {
  EXIT_OK = 0,
  EXIT_USAGE = 1,
  EXIT_INPUT = 2,   /* some input could not be read (the rest was) */
  EXIT_OUTPUT = 3,  /* the report could not be written */
};

static char **opt_read;
static char **opt_keylog;
static char *opt_iface;
static char *opt_filter;
static char *opt_format;
static char *opt_output;
static char *opt_explain;
static double opt_hold;
static double opt_idle;
static gint64 opt_max_conns;
static gint64 opt_max_header;
static gint64 opt_max_ooo;
static gint64 opt_max_inflate;
static gboolean opt_no_utf8;
static gboolean opt_fast;
static gboolean opt_inflate;
static gboolean opt_version;
static gboolean opt_verbose;
static gint opt_snaplen;
static gint opt_bufsize;
static char *opt_user;
static char *opt_pidfile;
static char *opt_config;
static gboolean opt_daemon;
static double opt_stats_interval;
static gboolean hold_set, idle_set, stats_set;
static gboolean opt_foreground;

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
    "End a connection after this much silence (default: 300 live, never for files)", "SECONDS" },
  { "max-conns", 0, 0, G_OPTION_ARG_INT64, &opt_max_conns,
    "Connections tracked at once; the least recently active is evicted beyond (default 250000, about 1.5 KB each)", "N" },
  { "max-header-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_header,
    "Largest handshake header block kept (default 16384)", "N" },
  { "max-ooo-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_ooo,
    "Out-of-order bytes kept per connection direction (default 262144)", "N" },
  { "max-inflate-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_inflate,
    "Inflated bytes measured per compressed message (default 67108864)", "N" },
  { "no-utf8-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_utf8,
    "Do not validate text messages as UTF-8 (faster)", NULL },
  { "inflate", 0, 0, G_OPTION_ARG_NONE, &opt_inflate,
    "Inflate permessage-deflate messages: sizes become decompressed sizes and compressed "
    "text is checked as UTF-8 (exact 1009/1007 evidence; costs 3-5x the time)", NULL },
  { "fast", 0, 0, G_OPTION_ARG_NONE, &opt_fast,
    "Skip payload inspection: no UTF-8 check and no inflating (frames and closes only)",
    NULL },
  { "keylog", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_keylog,
    "Decrypt TLS (wss://) with the secrets of a key log FILE (NSS format, as SSLKEYLOGFILE "
    "writes it). Repeat for several files", "FILE" },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    "Text output: show the evidence behind each cause", NULL },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
  { NULL }
};

static GOptionEntry live_entries[] = {
  { "snaplen", 's', 0, G_OPTION_ARG_INT, &opt_snaplen,
    "Bytes captured per packet (default 262144)", "N" },
  { "buffer-size", 'B', 0, G_OPTION_ARG_INT, &opt_bufsize,
    "Kernel capture buffer in KiB (default 32768)", "KIB" },
  { "user", 'Z', 0, G_OPTION_ARG_STRING, &opt_user,
    "Drop privileges to USER after opening the interface", "USER" },
  { "daemon", 0, 0, G_OPTION_ARG_NONE, &opt_daemon,
    "Detach from the terminal (log to syslog)", NULL },
  { "foreground", 0, 0, G_OPTION_ARG_NONE, &opt_foreground,
    "Stay in the foreground even if the configuration says daemon=true (systemd)", NULL },
  { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &opt_pidfile,
    "Write the process id to FILE", "FILE" },
  { "stats-interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_stats_interval,
    "Log statistics every SECONDS (also on SIGUSR1)", "SECONDS" },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
    "Read settings from FILE (key file, group [wsclosed]; options win)", "FILE" },
  { NULL }
};

/* Settings from a key file, for those not given as options.  Keys are the
 * long option names. */
static gboolean
load_config (const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  const char *g = "wsclosed";
  if (!g_key_file_has_group (kf, g))
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                   "%s: no [wsclosed] group", path);
      return FALSE;
    }
  g_auto (GStrv) keys = g_key_file_get_keys (kf, g, NULL, error);
  if (!keys)
    return FALSE;
  for (char **k = keys; *k; k++)
    {
      g_autoptr (GError) e = NULL;
      const char *key = *k;
#define STR_OPT(name, var) \
      if (strcmp (key, name) == 0) { if (!var) var = g_key_file_get_string (kf, g, key, &e); }
#define NUM_OPT(name, var, setflag) \
      if (strcmp (key, name) == 0) { if (!(setflag)) { var = g_key_file_get_double (kf, g, key, &e); } }
      if (0) {}
      else STR_OPT ("interface", opt_iface)
      else STR_OPT ("filter", opt_filter)
      else STR_OPT ("format", opt_format)
      else STR_OPT ("output", opt_output)
      else STR_OPT ("user", opt_user)
      else STR_OPT ("pidfile", opt_pidfile)
      else if (strcmp (key, "hold") == 0) { if (!hold_set) { opt_hold = g_key_file_get_double (kf, g, key, &e); hold_set = TRUE; } }
      else if (strcmp (key, "idle-timeout") == 0) { if (!idle_set) { opt_idle = g_key_file_get_double (kf, g, key, &e); idle_set = TRUE; } }
      else NUM_OPT ("stats-interval", opt_stats_interval, stats_set)
      else if (strcmp (key, "snaplen") == 0) { if (!opt_snaplen) opt_snaplen = g_key_file_get_integer (kf, g, key, &e); }
      else if (strcmp (key, "buffer-size") == 0) { if (!opt_bufsize) opt_bufsize = g_key_file_get_integer (kf, g, key, &e); }
      else if (strcmp (key, "max-conns") == 0) { if (!opt_max_conns) opt_max_conns = g_key_file_get_int64 (kf, g, key, &e); }
      else if (strcmp (key, "keylog") == 0) { if (!opt_keylog) opt_keylog = g_key_file_get_string_list (kf, g, key, NULL, &e); }
      else if (strcmp (key, "inflate") == 0) { if (!opt_inflate) opt_inflate = g_key_file_get_boolean (kf, g, key, &e); }
      else if (strcmp (key, "daemon") == 0) { if (!opt_daemon && !opt_foreground) opt_daemon = g_key_file_get_boolean (kf, g, key, &e); }
      else
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       "%s: unknown setting \"%s\"", path, key);
          return FALSE;
        }
#undef STR_OPT
#undef NUM_OPT
      if (e)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s: %s: %s", path, key, e->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* The key logs into ws_tls_cfg: the TLS stage is on from then. */
static gboolean
load_keylogs (GError **error)
{
  ws_keylog *kl = ws_keylog_new ();
  for (char **f = opt_keylog; *f; f++)
    if (!ws_keylog_load_file (kl, *f, error))
      {
        ws_keylog_free (kl);
        return FALSE;
      }
  if (!ws_tls_cfg.follow)
    ws_keylog_finish (kl);      /* files read whole: a last line without its newline counts */
  g_autoptr (GPtrArray) msgs = ws_keylog_take_messages (kl);
  for (guint i = 0; i < msgs->len; i++)
    g_printerr ("wsclosed: warning: key log %s\n", (const char *) msgs->pdata[i]);
  if (ws_keylog_malformed (kl) > msgs->len)
    g_printerr ("wsclosed: warning: key log: %" G_GUINT64_FORMAT " malformed lines skipped in all\n",
                ws_keylog_malformed (kl));
  ws_tls_cfg.keylog = kl;
  ws_tls_cfg.paths = opt_keylog;
  return TRUE;
}

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
  /* wsclosed report ...: the nightly batch report has options of its own */
  if (argc > 1 && strcmp (argv[1], "report") == 0)
    return ws_report_main (argc - 1, argv + 1);

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
    "  wsclosed --explain 1006\n"
    "  wsclosed report --html night.html --db history.db /var/captures/night/\n"
    "      (nightly report over captures or JSON Lines; see wsclosed report --help)\n\n"
    "Exit status: 0 success, 1 usage error, 2 some input could not be read\n"
    "(records from the rest are still written), 3 the report could not be written.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  GOptionGroup *lg = g_option_group_new ("live", "Live capture (daemon) options:",
                                         "Show live capture options", NULL, NULL);
  g_option_group_add_entries (lg, live_entries);
  g_option_context_add_group (ctx, lg);
  opt_hold = -1;
  opt_idle = -1;
  opt_stats_interval = -1;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("wsclosed: %s\nTry 'wsclosed --help'.\n", error->message);
      return EXIT_USAGE;
    }
  hold_set = opt_hold >= 0;
  idle_set = opt_idle >= 0;
  /* a filter on the command line (-f or after the options) replaces the
   * configuration file's */
  if (argc > 1)
    {
      g_autofree char *trailing = join_filter (argc, argv);
      g_free (opt_filter);
      opt_filter = g_steal_pointer (&trailing);
      argc = 1;
    }
  stats_set = opt_stats_interval >= 0;
  if (!stats_set)
    opt_stats_interval = 0;
  if (opt_config && !load_config (opt_config, &error))
    {
      g_printerr ("wsclosed: %s\n", error->message);
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
  ws_limits_cfg.check_utf8 = !opt_no_utf8 && !opt_fast;
  ws_limits_cfg.inflate = opt_inflate && !opt_fast;

  /* live: key logs grow while we run (a browser appends a line per
   * connection); a connection holds up to 256 KiB for a key that is late */
  ws_tls_cfg.follow = opt_iface != NULL;
  ws_tls_cfg.hold_bytes = 256 * 1024;
  if (opt_keylog && !load_keylogs (&error))
    {
      g_printerr ("wsclosed: %s\n", error->message);
      return EXIT_USAGE;
    }

  g_autofree char *filter = join_filter (argc, argv);

  if (opt_iface)
    {
      ws_daemon_opts d;
      ws_daemon_opts_init (&d);
      d.live.iface = opt_iface;
      d.live.filter = filter;
      d.live.snaplen = opt_snaplen;
      d.live.buffer_kib = opt_bufsize;
      d.output = opt_output;
      d.fmt = opt_format ? fmt : WS_FMT_JSON;
      if (hold_set)
        d.aopts.hold_us = (int64_t) (opt_hold * G_USEC_PER_SEC);
      if (idle_set)
        d.aopts.idle_us = (int64_t) (opt_idle * G_USEC_PER_SEC);
      d.user = opt_user;
      d.pidfile = opt_pidfile;
      d.daemonize = opt_daemon && !opt_foreground;
      d.stats_interval = opt_stats_interval;
      return ws_daemon_run (&d);
    }

  int n_errors = 0;
  ws_capture *cap = ws_capture_open_files (opt_read, filter, &n_errors, &error);
  if (!cap)
    {
      g_printerr ("wsclosed: %s\n", error->message);
      return EXIT_USAGE;
    }
  /* as tcpdump: input opened with privileges, output without */
  if (opt_user && !ws_drop_privileges (opt_user, &error))
    {
      g_printerr ("wsclosed: %s\n", error->message);
      ws_capture_free (cap);
      return EXIT_USAGE;
    }
  FILE *out = open_output (opt_output, &error);
  if (!out)
    {
      g_printerr ("wsclosed: cannot write report: %s\n", error->message);
      ws_capture_free (cap);
      return EXIT_OUTPUT;
    }

  /* records of a saved capture go out in 256 KiB writes, not one or two
   * per record (a terminal still sees each line as it comes) */
  if (!isatty (fileno (out)))
    setvbuf (out, NULL, _IOFBF, 256 * 1024);

  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  if (hold_set)
    ao.hold_us = (int64_t) (opt_hold * G_USEC_PER_SEC);
  if (idle_set)
    ao.idle_us = (int64_t) (opt_idle * G_USEC_PER_SEC);
  ws_writer *w = ws_writer_new (out, fmt, false);
  ws_writer_set_verbose (w, opt_verbose);
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
  g_strfreev (opt_keylog);
  ws_keylog_free (ws_tls_cfg.keylog);
  g_free (opt_iface);
  g_free (opt_filter);
  g_free (opt_format);
  g_free (opt_output);
  g_free (opt_explain);
  g_free (opt_user);
  g_free (opt_pidfile);
  g_free (opt_config);
  return rc;
}
