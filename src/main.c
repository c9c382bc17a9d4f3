/* main.c - options and wiring; the work is done in libwsclosed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "capture.h"
#include "closecodes.h"
#include "conn.h"
#include "daemon.h"
#include "explain.h"
#include "i18n.h"
#include "output.h"
#include "report.h"
#include "workers.h"
#include "tlsconn.h"

enum {
  EXIT_OK = 0,
  EXIT_USAGE = 1,
  EXIT_INPUT = 2,   /* some input could not be read (the rest was) */
  EXIT_OUTPUT = 3,  /* the report could not be written */
};

static char **opt_read;
static gboolean opt_follow;
static char **opt_keylog;
static gboolean opt_tls;
static char *opt_iface;
static char *opt_filter;
static char *opt_format;
static char *opt_output;
static char *opt_explain;
static char *opt_lang;
static double opt_hold;
static double opt_idle;
static gint64 opt_max_conns;
static gint64 opt_max_header;
static gint64 opt_max_ooo;
static gint64 opt_max_inflate;
static gboolean opt_no_utf8;
static gboolean opt_fast;
static gboolean opt_no_redact;
static gboolean opt_inflate;
static gboolean opt_version;
/* What the options decide for the analysis (settings.h): built before the
 * analyzer, read-only from then (but for the key log a pcapng's secrets
 * bring, on_secrets). */
static ws_settings settings;
static gboolean opt_verbose;
static gboolean opt_summary;
static gboolean opt_abnormal;
static gint opt_snaplen;
static gint opt_bufsize;
static char *opt_user;
static char *opt_pidfile;
static char *opt_config;
static gboolean opt_daemon;
static double opt_stats_interval;
static gboolean hold_set, idle_set, stats_set;
static gboolean opt_foreground;
static gint opt_workers;
/* `wsclosed report`'s own */
static char *rep_html, *rep_db, *rep_label;
static gboolean rep_history;
static char **rep_inputs;

/* Values before parsing, so that an option the command line did not give
 * can be told from one it gave (0 or a negative number is an error, and
 * the configuration file only fills what was not given). */
#define UNSET_INT G_MININT
#define UNSET_INT64 G_MININT64
#define UNSET_DOUBLE (-G_MAXDOUBLE)

/* Every option of both commands, in the order --help shows them: the
 * program's own (OPT_MAIN), its live capture group (OPT_LIVE) and `wsclosed
 * report`'s (OPT_REPORT).  The
 * configuration file takes the long names of the first two (find_entry).
 * An option both commands have (--format, --inflate, --lang) has a row for
 * each, with the help that command gives; they share the value. */
typedef enum { OPT_MAIN = 1, OPT_LIVE = 2, OPT_REPORT = 4 } opt_cmd;

typedef struct {
  opt_cmd cmd;
  GOptionEntry e;
} ws_option;

static const ws_option options[] = {
  { OPT_MAIN, { "read", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_read, N_ ("Read packets from FILE (pcap, pcapng, optionally gzip-compressed; - for standard input). "
    "Repeat to read several files as one capture"), N_ ("FILE") } },
  { OPT_MAIN, { "follow", 0, 0, G_OPTION_ARG_NONE, &opt_follow,
    N_ ("With -r FILE: keep reading at the end of the file as it grows (tcpdump -w still "
        "writing), like tail -f; records come out as connections end. Ctrl-C (SIGINT) or "
        "SIGTERM stops it and writes the records still held"), NULL } },
  { OPT_MAIN, { "interface", 'i', 0, G_OPTION_ARG_STRING, &opt_iface, N_ ("Capture live on IFACE (any for all)"), N_ ("IFACE") } },
  { OPT_MAIN, { "filter", 'f', 0, G_OPTION_ARG_STRING, &opt_filter, N_ ("BPF filter expression, as tcpdump takes it (may also follow the options)"), N_ ("EXPR") } },
  { OPT_MAIN, { "format", 'F', 0, G_OPTION_ARG_STRING, &opt_format, N_ ("Output format: text (default), json (JSON Lines), csv"), N_ ("FMT") } },
  { OPT_MAIN, { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, N_ ("Write the report to FILE instead of standard output"), N_ ("FILE") } },
  { OPT_MAIN, { "explain", 0, 0, G_OPTION_ARG_STRING, &opt_explain, N_ ("Explain a close code (e.g. 1006), a handshake failure (e.g. 403) or a cause id "
    "(e.g. idle_timeout) and exit; more may follow (--explain 1010 1011)"), N_ ("CODE") } },
  { OPT_MAIN, { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_hold, N_ ("Keep an ended connection this long (capture time) before writing it, to see reconnects (default 10)"), N_ ("SECONDS") } },
  { OPT_MAIN, { "idle-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_idle, N_ ("End a connection after this much silence (default: 300 live and with --follow, never for files)"), N_ ("SECONDS") } },
  { OPT_MAIN, { "max-conns", 0, 0, G_OPTION_ARG_INT64, &opt_max_conns, N_ ("Connections tracked at once; the least recently active is evicted beyond (default 250000, about 2.3 KB each)"), N_ ("N") } },
  { OPT_MAIN, { "max-header-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_header, N_ ("Largest handshake header block kept (default 16384)"), N_ ("N") } },
  { OPT_MAIN, { "max-ooo-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_ooo, N_ ("Out-of-order bytes kept per connection direction (default 262144)"), N_ ("N") } },
  { OPT_MAIN, { "max-inflate-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_inflate, N_ ("Inflated bytes measured per compressed message (default 67108864)"), N_ ("N") } },
  { OPT_MAIN, { "no-utf8-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_utf8, N_ ("Do not validate text messages as UTF-8 (faster)"), NULL } },
  { OPT_MAIN, { "inflate", 0, 0, G_OPTION_ARG_NONE, &opt_inflate, N_ ("Inflate permessage-deflate messages (the default): sizes are decompressed sizes and "
    "compressed text is checked as UTF-8"), NULL } },
  { OPT_MAIN, { "fast", 0, 0, G_OPTION_ARG_NONE, &opt_fast, N_ ("Skip payload inspection: no UTF-8 check and no inflating (frames and closes only; "
    "sizes of compressed messages are wire sizes)"), NULL } },
  { OPT_MAIN, { "no-redact", 0, 0, G_OPTION_ARG_NONE, &opt_no_redact,
    N_ ("Keep secrets in the records: query-string values of the path and tokens in "
        "subprotocol lists are replaced by REDACTED unless this is given"), NULL } },
  { OPT_MAIN, { "tls", 0, 0, G_OPTION_ARG_NONE, &opt_tls,
    N_ ("List every TLS connection that is not decrypted as a record of kind tls (what is "
        "known without the payload: handshake, who ended TCP and how, silences, alerts in "
        "clear), also without --keylog"), NULL } },
  { OPT_MAIN, { "keylog", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_keylog,
    N_ ("Decrypt TLS (wss://) with the secrets of a key log FILE (NSS format, as SSLKEYLOGFILE "
        "writes it). Repeat for several files"), N_ ("FILE") } },
  { OPT_MAIN, { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, N_ ("Text output: show the evidence behind each cause, the frames and a Wireshark filter"), NULL } },
  { OPT_MAIN, { "summary", 0, 0, G_OPTION_ARG_NONE, &opt_summary,
    N_ ("Group the connections by cause, server and path (without its query) and write "
        "one line a group with its count and an example, instead of one a connection"), NULL } },
  { OPT_MAIN, { "abnormal", 0, 0, G_OPTION_ARG_NONE, &opt_abnormal,
    N_ ("Only connections that failed their handshake or closed with a code other than "
        "1000, 1001 and 1005 by choice (an empty close frame, answered)"), NULL } },
  { OPT_MAIN, { "lang", 0, 0, G_OPTION_ARG_STRING, &opt_lang,
    N_ ("Language of the messages, the text report and --explain (pt_BR, ar, en); "
        "JSON and CSV strings too when given (default: English there, the locale's elsewhere)"),
    N_ ("LANG") } },
  { OPT_MAIN, { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, N_ ("Print the version and exit"), NULL } },
  { OPT_LIVE, { "snaplen", 's', 0, G_OPTION_ARG_INT, &opt_snaplen, N_ ("Bytes captured per packet (default 262144)"), N_ ("N") } },
  { OPT_LIVE, { "buffer-size", 'B', 0, G_OPTION_ARG_INT, &opt_bufsize, N_ ("Kernel capture buffer in KiB (default 32768)"), N_ ("KIB") } },
  { OPT_LIVE, { "user", 'Z', 0, G_OPTION_ARG_STRING, &opt_user, N_ ("Drop privileges to USER after opening the interface"), N_ ("USER") } },
  { OPT_LIVE, { "daemon", 0, 0, G_OPTION_ARG_NONE, &opt_daemon, N_ ("Detach from the terminal (log to syslog)"), NULL } },
  { OPT_LIVE, { "foreground", 0, 0, G_OPTION_ARG_NONE, &opt_foreground, N_ ("Stay in the foreground even if the configuration says daemon=true (systemd)"), NULL } },
  { OPT_LIVE, { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &opt_pidfile, N_ ("Write the process id to FILE"), N_ ("FILE") } },
  { OPT_LIVE, { "stats-interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_stats_interval, N_ ("Log statistics every SECONDS (also on SIGUSR1)"), N_ ("SECONDS") } },
  { OPT_LIVE, { "workers", 0, 0, G_OPTION_ARG_INT, &opt_workers,
    N_ ("Spread the capture over N threads, a connection on one of them (Linux "
        "PACKET_FANOUT; default 1)"), N_ ("N") } },
  { OPT_LIVE, { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, N_ ("Read settings from FILE (key file, group [wsclosed]; options win)"), N_ ("FILE") } },
  { OPT_REPORT, { "html", 0, 0, G_OPTION_ARG_FILENAME, &rep_html,
      N_ ("Also write the report as one self-contained HTML page"), N_ ("FILE") } },
  { OPT_REPORT, { "db", 0, 0, G_OPTION_ARG_FILENAME, &rep_db,
      N_ ("Keep history in this SQLite file and compare with earlier runs"), N_ ("FILE") } },
  { OPT_REPORT, { "history", 0, 0, G_OPTION_ARG_NONE, &rep_history,
      N_ ("Keep history in the default file ($XDG_STATE_HOME/wsclosed/history.db)"), NULL } },
  { OPT_REPORT, { "label", 0, 0, G_OPTION_ARG_STRING, &rep_label,
      N_ ("Name of this run in the history (default: local date of the first connection, "
      "YYYY-MM-DD); a run with the same label is replaced"), N_ ("NAME") } },
  { OPT_REPORT, { "format", 'F', 0, G_OPTION_ARG_STRING, &opt_format,
      N_ ("Summary on standard output: text (default) or json"), N_ ("FMT") } },
  { OPT_REPORT, { "inflate", 0, 0, G_OPTION_ARG_NONE, &opt_inflate,
      N_ ("Inflate compressed messages in captures read (the default, as wsclosed)"), NULL } },
  { OPT_REPORT, { "lang", 0, 0, G_OPTION_ARG_STRING, &opt_lang,
      N_ ("Language of the text summary and the HTML page (pt_BR, ar, en); of the JSON "
      "summary's strings too when given (default: English there)"), N_ ("LANG") } },
  { OPT_REPORT, { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rep_inputs, NULL,
      N_ ("INPUT...") } },
};

/* The rows of cmd (a mask) as a GOptionEntry array ending in { NULL }, for
 * GLib (which copies it). */
static GOptionEntry *
entries_of (unsigned cmd)
{
  GOptionEntry *v = g_new0 (GOptionEntry, G_N_ELEMENTS (options) + 1);
  size_t n = 0;
  for (size_t i = 0; i < G_N_ELEMENTS (options); i++)
    if (options[i].cmd & cmd)
      v[n++] = options[i].e;
  return v;
}

/* The entry of the option tables with this long name, or NULL. */
static const GOptionEntry *
find_entry (const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (options); i++)
    if ((options[i].cmd & (OPT_MAIN | OPT_LIVE)) && strcmp (options[i].e.long_name, name) == 0)
      return &options[i].e;
  return NULL;
}

/* Set one option from the key file unless the command line gave it ("not
 * given": NULL, FALSE or the UNSET_ value). */
static void
config_set (GKeyFile *kf, const char *g, const GOptionEntry *e, GError **err)
{
  const char *key = e->long_name;
  switch (e->arg)
    {
    case G_OPTION_ARG_STRING:
    case G_OPTION_ARG_FILENAME:
      if (!*(char **) e->arg_data)
        *(char **) e->arg_data = g_key_file_get_string (kf, g, key, err);
      break;
    case G_OPTION_ARG_STRING_ARRAY:
    case G_OPTION_ARG_FILENAME_ARRAY:
      if (!*(char ***) e->arg_data)
        *(char ***) e->arg_data = g_key_file_get_string_list (kf, g, key, NULL, err);
      break;
    case G_OPTION_ARG_INT:
      if (*(gint *) e->arg_data == UNSET_INT)
        *(gint *) e->arg_data = g_key_file_get_integer (kf, g, key, err);
      break;
    case G_OPTION_ARG_INT64:
      if (*(gint64 *) e->arg_data == UNSET_INT64)
        *(gint64 *) e->arg_data = g_key_file_get_int64 (kf, g, key, err);
      break;
    case G_OPTION_ARG_DOUBLE:
      if (*(double *) e->arg_data == UNSET_DOUBLE)
        *(double *) e->arg_data = g_key_file_get_double (kf, g, key, err);
      break;
    case G_OPTION_ARG_NONE:
      if (!*(gboolean *) e->arg_data)
        *(gboolean *) e->arg_data = g_key_file_get_boolean (kf, g, key, err);
      break;
    default:
      g_set_error (err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                   _("cannot be set in a configuration file"));
      break;
    }
}

/* Settings from a key file (group [wsclosed]), for those not given as
 * options.  Keys are the long option names of --help: the same tables feed
 * the command line and the file, so every option can be set in both
 * (except config, explain, version and help). */
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
                   _("%s: no [wsclosed] group"), path);
      return FALSE;
    }
  g_auto (GStrv) keys = g_key_file_get_keys (kf, g, NULL, error);
  if (!keys)
    return FALSE;
  for (char **k = keys; *k; k++)
    {
      g_autoptr (GError) e = NULL;
      const GOptionEntry *opt = find_entry (*k);
      if (!opt || strcmp (*k, "config") == 0 || strcmp (*k, "explain") == 0
          || strcmp (*k, "version") == 0)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                       _("%s: unknown setting \"%s\" (settings are the long options of "
                         "wsclosed --help-all)"), path, *k);
          return FALSE;
        }
      /* --foreground on the command line wins over daemon=true */
      if (strcmp (*k, "daemon") == 0 && opt_foreground)
        continue;
      config_set (kf, g, opt, &e);
      if (e)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "%s: %s: %s", path, *k, e->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* Limits must be positive: 0 or a negative count would silently mean
 * "default" or wrap around. */
static gboolean
check_limits (GError **error)
{
  const struct { const char *name; gint64 v; } lim[] = {
    { "max-conns", opt_max_conns }, { "max-header-bytes", opt_max_header },
    { "max-ooo-bytes", opt_max_ooo }, { "max-inflate-bytes", opt_max_inflate },
    { "snaplen", opt_snaplen == UNSET_INT ? UNSET_INT64 : opt_snaplen },
    { "buffer-size", opt_bufsize == UNSET_INT ? UNSET_INT64 : opt_bufsize },
    { "workers", opt_workers == UNSET_INT ? UNSET_INT64 : opt_workers },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (lim); i++)
    if (lim[i].v != UNSET_INT64 && lim[i].v < 1)
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("--%s %lld: must be at least 1"), lim[i].name, (long long) lim[i].v);
        return FALSE;
      }
  if (opt_workers != UNSET_INT && opt_workers > WS_WORKERS_MAX)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--workers %d: at most %d"), opt_workers, WS_WORKERS_MAX);
      return FALSE;
    }
  const struct { const char *name; double v; } dur[] = {
    { "hold", opt_hold }, { "idle-timeout", opt_idle }, { "stats-interval", opt_stats_interval },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (dur); i++)
    if (dur[i].v != UNSET_DOUBLE && !(dur[i].v >= 0))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("--%s %g: must not be negative"), dur[i].name, dur[i].v);
        return FALSE;
      }
  return TRUE;
}

/* What was not given means "the default": 0 for counts, -1 for times. */
static void
unset_to_defaults (void)
{
  gint64 *i64[] = { &opt_max_conns, &opt_max_header, &opt_max_ooo, &opt_max_inflate };
  for (size_t i = 0; i < G_N_ELEMENTS (i64); i++)
    if (*i64[i] == UNSET_INT64)
      *i64[i] = 0;
  gint *i32[] = { &opt_snaplen, &opt_bufsize, &opt_workers };
  for (size_t i = 0; i < G_N_ELEMENTS (i32); i++)
    if (*i32[i] == UNSET_INT)
      *i32[i] = 0;
  double *d[] = { &opt_hold, &opt_idle, &opt_stats_interval };
  for (size_t i = 0; i < G_N_ELEMENTS (d); i++)
    if (*d[i] == UNSET_DOUBLE)
      *d[i] = -1;
}

/* --lang is needed before the options are parsed (--help is translated):
 * its value from argv, or NULL. */
static const char *
lang_from_args (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (strcmp (argv[i], "--lang") == 0 && i + 1 < argc)
        return argv[i + 1];
      if (strncmp (argv[i], "--lang=", 7) == 0)
        return argv[i] + 7;
    }
  return NULL;
}

/* --explain A [B ...]: the codes after the first come where a filter
 * expression would. */
static int
explain (const char *first, const char *rest, const char *format)
{
  g_auto (GStrv) more = g_strsplit (rest ? rest : "", " ", -1);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, (char *) first);
  for (char **m = more; *m; m++)
    if (**m)
      g_ptr_array_add (args, *m);
  bool json = format && strcmp (format, "json") == 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = ws_explain ((char **) args->pdata, (int) args->len, json, &error);
  if (!text)
    {
      g_printerr ("wsclosed: --explain %s\n", error->message);
      return EXIT_USAGE;
    }
  fputs (text, stdout);
  return EXIT_OK;
}

/* A pcapng Decryption Secrets Block: NSS key log lines ("TLSK") go into
 * the key log, which turns the TLS stage on for the connections that
 * follow (editcap --inject-secrets puts the block before the packets). */
static void
on_secrets (void *user, uint32_t type, const uint8_t *data, size_t len)
{
  if (type != 0x544c534bu)
    return;
  if (!settings.tls.keylog)
    settings.tls.keylog = ws_keylog_new ();
  ws_keylog_add_text (settings.tls.keylog, (const char *) data, len);
}

/* The key logs into the settings: the TLS stage is on from then. */
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
  if (!settings.tls.follow)
    ws_keylog_finish (kl);      /* files read whole: a last line without its newline counts */
  g_autoptr (GPtrArray) msgs = ws_keylog_take_messages (kl);
  for (guint i = 0; i < msgs->len; i++)
    g_printerr (_("wsclosed: warning: key log %s\n"), (const char *) msgs->pdata[i]);
  if (ws_keylog_malformed (kl) > msgs->len)
    g_printerr (_("wsclosed: warning: key log: %llu malformed lines skipped in all\n"),
                (unsigned long long) ws_keylog_malformed (kl));
  settings.tls.keylog = kl;
  settings.tls.paths = opt_keylog;
  return TRUE;
}

/* --follow and a streaming input (-r -, a FIFO): SIGINT or SIGTERM ends
 * the reading (then every record still held is written, as with -i); a
 * second one ends the program. */
static volatile sig_atomic_t follow_stop;

static void
on_follow_signal (int sig)
{
  (void) sig;
  follow_stop = 1;
}

static void
catch_follow_signals (void)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_follow_signal;
  sa.sa_flags = SA_RESETHAND; /* no SA_RESTART: the wait at the end of the file is cut short */
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
}

typedef struct {
  ws_capture *cap;
  ws_analyzer *a;
  FILE *out;
  bool streaming;             /* a pipe or a followed file: on_idle runs */
  int64_t last_packet_mono;   /* read only for a stream (a clock read a
                               * packet costs ~1.5% of a saved file's run) */
} run_ctx;

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  run_ctx *r = user;
  ws_analyzer_packet_from (r->a, r->cap, linktype, h, data);
  if (r->streaming)
    r->last_packet_mono = g_get_monotonic_time ();
}

/* A pipe is silent: capture time goes on as the wall clock does since the
 * last packet (as a live capture's would), so that records held past
 * their hold and idle connections go out without waiting for more. */
static void
on_idle (void *user)
{
  run_ctx *r = user;
  int64_t now = ws_analyzer_now (r->a);

  if (now == 0)
    return;
  ws_analyzer_tick (r->a, now + (g_get_monotonic_time () - r->last_packet_mono));
  fflush (r->out);
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

/* A filter that does not compile is often a second capture file given
 * without its own -r (-r a.pcap b.pcap): say so. */
static void
filter_hint (const char *filter)
{
  g_auto (GStrv) words = g_strsplit (filter ? filter : "", " ", -1);
  for (char **w = words; *w; w++)
    if (**w && (g_file_test (*w, G_FILE_TEST_IS_REGULAR) || g_str_has_suffix (*w, ".pcap")
                || g_str_has_suffix (*w, ".pcapng") || g_str_has_suffix (*w, ".gz")))
      {
        g_printerr (_("wsclosed: \"%s\" looks like a capture file, not part of a filter: "
                      "give each file its own -r (-r a.pcap -r %s)\n"), *w, *w);
        return;
      }
}

/* The command line's options (the live ones in a group of their own). */
static GOptionContext *
options_context (void)
{
  GOptionContext *ctx = g_option_context_new (_("[FILTER EXPRESSION]"));
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx,
    _("Explain why WebSocket connections closed: reads packet captures (or a live\n"
      "interface), follows each WebSocket connection and reports who closed it,\n"
      "with which code and reason, how TCP ended, and the likely cause and fix."));
  g_option_context_set_description (ctx,
    _("Examples:\n"
      "  wsclosed -r capture.pcap\n"
      "  wsclosed -r day.pcap.gz -F json -o closes.jsonl 'tcp port 443 or tcp port 8080'\n"
      "  wsclosed --explain 1006\n"
      "  wsclosed --explain 1010 1011\n"
      "  wsclosed report --html night.html --db history.db /var/captures/night/\n"
      "      (nightly report over captures or JSON Lines; see wsclosed report --help)\n\n"
      "Exit status: 0 success, 1 usage error, 2 some input could not be read\n"
      "(records from the rest are still written), 3 the report could not be written."));
  g_autofree GOptionEntry *main_entries = entries_of (OPT_MAIN);
  g_autofree GOptionEntry *live_entries = entries_of (OPT_LIVE);
  g_option_context_add_main_entries (ctx, main_entries, GETTEXT_PACKAGE);
  GOptionGroup *lg = g_option_group_new ("live", _("Live capture (daemon) options:"),
                                         _("Show live capture options"), NULL, NULL);
  g_option_group_set_translation_domain (lg, GETTEXT_PACKAGE);
  g_option_group_add_entries (lg, live_entries);
  g_option_context_add_group (ctx, lg);
  return ctx;
}

/* The command line, then the configuration file for what it did not give.
 * Filter words after the options replace opt_filter (*argc becomes 1).
 * Returns EXIT_OK, or EXIT_USAGE (told). */
static int
options_parse (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = options_context ();
  opt_hold = opt_idle = opt_stats_interval = UNSET_DOUBLE;
  opt_max_conns = opt_max_header = opt_max_ooo = opt_max_inflate = UNSET_INT64;
  opt_snaplen = opt_bufsize = opt_workers = UNSET_INT;
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr (_("wsclosed: %s\nTry 'wsclosed --help'.\n"), error->message);
      return EXIT_USAGE;
    }
  /* a filter on the command line (-f or after the options) replaces the
   * configuration file's */
  if (*argc > 1)
    {
      g_autofree char *trailing = join_filter (*argc, *argv);
      g_free (opt_filter);
      opt_filter = g_steal_pointer (&trailing);
      *argc = 1;
    }
  if (opt_config && !load_config (opt_config, &error))
    {
      g_printerr ("wsclosed: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (!check_limits (&error))
    {
      g_printerr (_("wsclosed: %s\nTry 'wsclosed --help'.\n"), error->message);
      return EXIT_USAGE;
    }
  unset_to_defaults ();
  hold_set = opt_hold >= 0;
  idle_set = opt_idle >= 0;
  stats_set = opt_stats_interval >= 0;
  if (!stats_set)
    opt_stats_interval = 0;
  return EXIT_OK;
}

/* The output format, and the language of what is written in it.  Returns
 * EXIT_OK, or EXIT_USAGE (told). */
static int
format_choose (ws_format *fmt)
{
  bool fmt_ok = true;
  *fmt = opt_format ? ws_format_parse (opt_format, &fmt_ok) : WS_FMT_TEXT;
  if (!fmt_ok)
    {
      g_printerr (_("wsclosed: unknown format \"%s\" (text, json, csv)\n"), opt_format);
      return EXIT_USAGE;
    }
  /* JSON and CSV are read by programs: their strings stay English unless
   * --lang asks (contracts do not change with a machine's locale) */
  if ((*fmt == WS_FMT_JSON || *fmt == WS_FMT_CSV || (opt_iface && !opt_format)) && !opt_lang)
    ws_i18n_enable (false);
  /* an Arabic terminal: quoted values isolated in the diagnosis' sentences */
  ws_i18n_isolate (*fmt == WS_FMT_TEXT);
  return EXIT_OK;
}

/* The settings of the run from the options: limits, payload inspection,
 * the TLS stage and its key logs.  False (told) when a key log cannot be
 * read. */
static bool
settings_apply (void)
{
  g_autoptr (GError) error = NULL;

  ws_settings_init (&settings);
  ws_limits *lim = &settings.limits;
  if (opt_max_conns > 0)
    lim->max_conns = (size_t) opt_max_conns;
  if (opt_max_header > 0)
    lim->max_header_bytes = (size_t) opt_max_header;
  if (opt_max_ooo > 0)
    lim->max_ooo_bytes_per_conn = (size_t) opt_max_ooo;
  if (opt_max_inflate > 0)
    lim->max_inflate_bytes = (uint64_t) opt_max_inflate;
  /* exact by default (ws_settings_init): --inflate names the default,
   * --fast turns both off */
  if (opt_no_utf8 || opt_fast)
    lim->check_utf8 = false;
  if (opt_fast)
    lim->inflate = false;
  lim->inflate_lazy = !opt_inflate; /* --inflate: every message, as it comes */
  lim->no_redact = opt_no_redact;

  /* live: key logs grow while we run (a browser appends a line per
   * connection, --follow: a capture still being written); a connection
   * holds up to tls.hold_bytes (256 KiB) for a key that is late */
  settings.tls.follow = opt_iface != NULL || opt_follow;
  settings.tls.list = opt_tls;
  if (opt_keylog && !load_keylogs (&error))
    {
      g_printerr ("wsclosed: %s\n", error->message);
      return false;
    }
  return true;
}

/* -i: the daemon. */
static int
run_live (ws_format fmt, const char *filter)
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
  d.settings = &settings;
  d.workers = opt_workers;
  return ws_daemon_run (&d);
}

/* Open the capture files (-r) and the output; NULL (told, *rc set) when
 * either cannot be. */
static ws_capture *
files_open (const char *filter, int *n_errors, FILE **out, int *rc)
{
  g_autoptr (GError) error = NULL;
  ws_capture *cap;
  if (opt_follow)
    {
      catch_follow_signals ();
      cap = ws_capture_open_follow (opt_read[0], filter, &follow_stop, n_errors, &error);
    }
  else
    cap = ws_capture_open_files (opt_read, filter, n_errors, &error);
  if (!cap)
    {
      g_printerr ("wsclosed: %s\n", error->message);
      if (g_error_matches (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER))
        filter_hint (filter);
      *rc = EXIT_USAGE;
      return NULL;
    }
  if (!opt_follow && ws_capture_streaming (cap))
    {
      /* a pipe (tcpdump -w - | wsclosed -r -): Ctrl-C or SIGTERM ends the
       * reading and the records still held are written, as with -i and
       * --follow */
      catch_follow_signals ();
      ws_capture_set_stop (cap, &follow_stop);
    }
  /* secrets embedded in a pcapng (Decryption Secrets Block) decrypt TLS
   * without --keylog */
  ws_capture_set_secrets_fn (cap, on_secrets, NULL);
  /* as tcpdump: input opened with privileges, output without */
  if (opt_user && !ws_drop_privileges (opt_user, &error))
    {
      g_printerr ("wsclosed: %s\n", error->message);
      ws_capture_free (cap);
      *rc = EXIT_USAGE;
      return NULL;
    }
  *out = ws_output_open (opt_output, false, &error);
  if (!*out)
    {
      g_printerr (_("wsclosed: cannot write report: %s\n"), error->message);
      ws_capture_free (cap);
      *rc = EXIT_OUTPUT;
      return NULL;
    }
  return cap;
}

/* -r: read the captures, write the records and the totals. */
static int
run_files (ws_format fmt, const char *filter)
{
  int n_errors = 0, rc;
  FILE *out = NULL;
  if (opt_workers > 1)
    g_printerr (_("wsclosed: --workers %d ignored: a capture file is read by one thread "
                  "(--workers is for -i)\n"), opt_workers);
  ws_capture *cap = files_open (filter, &n_errors, &out, &rc);
  if (!cap)
    return rc;

  /* records of a saved capture go out in 256 KiB writes, not one or two
   * per record (a terminal still sees each line as it comes) */
  bool streaming = ws_capture_streaming (cap);
  if (!isatty (fileno (out)) && !streaming)
    setvbuf (out, NULL, _IOFBF, 256 * 1024);

  ws_analyzer_opts ao;
  ws_analyzer_opts_init (&ao);
  if (hold_set)
    ao.hold_us = (int64_t) (opt_hold * G_USEC_PER_SEC);
  if (idle_set)
    ao.idle_us = (int64_t) (opt_idle * G_USEC_PER_SEC);
  else if (opt_follow)
    ao.idle_us = 300 * G_USEC_PER_SEC; /* as -i: a file being written is a live capture */
  /* a pipe: each record goes out as it is made */
  ws_writer *w = ws_writer_new (out, fmt, streaming);
  ws_writer_set_verbose (w, opt_verbose);
  ws_writer_set_width (w, ws_terminal_width (out));
  ws_writer_set_summary (w, opt_summary);
  ws_writer_set_abnormal (w, opt_abnormal);
  ws_analyzer *a = ws_analyzer_new (&ao, &settings, w);

  run_ctx rctx = { cap, a, out, streaming, g_get_monotonic_time () };
  ws_capture_set_idle_fn (cap, on_idle, &rctx);
  n_errors += ws_capture_run (cap, on_packet, &rctx);
  ws_analyzer_finish (a);
  if (n_errors && ws_capture_sources (cap) == 0)
    ws_writer_skip_totals (w); /* every input failed: all-zero totals say nothing */
  ws_writer_finish (w, ws_analyzer_counters (a));

  rc = n_errors ? EXIT_INPUT : EXIT_OK;
  if (ws_analyzer_write_errors (a) || fflush (out) != 0 || ferror (out))
    {
      g_printerr (_("wsclosed: %s: write error: %s\n"), opt_output ? opt_output : _("standard output"),
                  g_strerror (errno));
      rc = EXIT_OUTPUT;
    }
  ws_analyzer_free (a);
  ws_writer_free (w);
  ws_capture_free (cap);
  if (out != stdout && fclose (out) != 0)
    rc = EXIT_OUTPUT;
  return rc;
}

static void
options_free (void)
{
  g_strfreev (opt_read);
  g_strfreev (opt_keylog);
  ws_keylog_free (settings.tls.keylog);
  g_free (opt_iface);
  g_free (opt_filter);
  g_free (opt_format);
  g_free (opt_output);
  g_free (opt_explain);
  g_free (opt_lang);
  g_free (opt_user);
  g_free (opt_pidfile);
  g_free (opt_config);
}

/* `wsclosed report ...` (argv[0] is "report"): its options from the table,
 * then the run (report.c).  Returns the exit status. */
static int
report_command (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  /* "wsclosed report [OPTION…] INPUT...": the inputs are named by the
   * G_OPTION_REMAINING row, not a second time here */
  g_set_prgname ("wsclosed report");
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, N_ (
    "Summarise a night of WebSocket closes.  INPUT is a capture file, a directory\n"
    "(its captures, including rotated ones like x.pcap0 or x.pcap.1, are read\n"
    "together in time order as one capture) or a JSON Lines file written by\n"
    "'wsclosed -F json' or the daemon."));
  g_option_context_set_description (ctx, N_ (
    "Examples:\n"
    "  wsclosed report /var/lib/wsclosed/captures/2026-11-23/\n"
    "  wsclosed report --html night.html --db history.db night-*.jsonl\n\n"
    "Exit status: 0 success, 1 usage error, 2 some input could not be read\n"
    "(the report covers the rest), 3 the HTML or the history could not be written."));
  g_autofree GOptionEntry *report_entries = entries_of (OPT_REPORT);
  g_option_context_add_main_entries (ctx, report_entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr (_("wsclosed report: %s\nTry 'wsclosed report --help'.\n"), error->message);
      return EXIT_USAGE;
    }
  ws_report_opts op = {
    .html = rep_html, .db = rep_db, .history = rep_history, .label = rep_label,
    .lang = opt_lang, .inputs = rep_inputs,
  };
  if (opt_format)
    {
      if (g_ascii_strcasecmp (opt_format, "json") == 0)
        op.json_out = true;
      else if (g_ascii_strcasecmp (opt_format, "text") != 0)
        {
          g_printerr (_("wsclosed report: unknown format \"%s\" (text, json)\n"), opt_format);
          return EXIT_USAGE;
        }
    }
  if (!rep_inputs || !rep_inputs[0])
    {
      g_printerr (_("wsclosed report: nothing to read: give captures, directories or JSON Lines files\n"
                    "Try 'wsclosed report --help'.\n"));
      return EXIT_USAGE;
    }
  int rc = ws_report_run (&op);
  g_free (rep_html);
  g_free (rep_db);
  g_free (rep_label);
  g_free (opt_format);
  g_free (opt_lang);
  g_strfreev (rep_inputs);
  return rc;
}

int
main (int argc, char **argv)
{
  /* wsclosed report ...: the nightly batch report has options of its own */
  ws_i18n_init (lang_from_args (argc, argv));
  if (argc > 1 && strcmp (argv[1], "report") == 0)
    return report_command (argc - 1, argv + 1);

  int rc = options_parse (&argc, &argv);
  if (rc != EXIT_OK)
    return rc;
  if (opt_version)
    {
      printf ("wsclosed %s (%s)\n", PACKAGE_VERSION, pcap_lib_version ());
      return EXIT_OK;
    }
  if (opt_explain)
    return explain (opt_explain, opt_filter, opt_format);

  ws_format fmt;
  if (format_choose (&fmt) != EXIT_OK)
    return EXIT_USAGE;
  if (!opt_read && !opt_iface)
    {
      g_printerr (_("wsclosed: nothing to read: give -r FILE or -i IFACE\nTry 'wsclosed --help'.\n"));
      return EXIT_USAGE;
    }
  if (opt_read && opt_iface)
    {
      g_printerr (_("wsclosed: -r and -i cannot be used together\n"));
      return EXIT_USAGE;
    }
  if (opt_follow && (!opt_read || opt_read[1]))
    {
      /* several files are merged in timestamp order: one that waits for
       * its writer would hold the others back */
      g_printerr (_("wsclosed: --follow reads one growing file: give it one -r FILE\n"));
      return EXIT_USAGE;
    }
  if (!settings_apply ())
    return EXIT_USAGE;

  g_autofree char *filter = join_filter (argc, argv);
  if (opt_iface)
    return run_live (fmt, filter);
  rc = run_files (fmt, filter);
  options_free ();
  return rc;
}
