/* daemon.c - the live capture loop.  See daemon.h.
 *
 * Order at start, as tcpdump does it: open the interface (needs root), detach
 * if asked, write the pid file, drop privileges, then open the output file
 * as the unprivileged user (so that SIGHUP can reopen it the same way).
 *
 * Signal handlers only set flags; the loop wakes at least every 200 ms
 * (poll on the capture's descriptor) to act on them and to run the timers
 * (idle connections, held records) against the wall clock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"

static volatile sig_atomic_t got_stop, got_hup, got_usr1;
static bool use_syslog;

static void
on_signal (int sig)
{
  switch (sig)
    {
    case SIGTERM:
    case SIGINT:
      got_stop = 1;
      break;
    case SIGHUP:
      got_hup = 1;
      break;
    case SIGUSR1:
      got_usr1 = 1;
      break;
    default:
      break;
    }
}

static void G_GNUC_PRINTF (2, 3)
logmsg (int prio, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (use_syslog)
    syslog (prio, "%s", msg);
  else
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *ts = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
      fprintf (stderr, "%s wsclosed[%d]: %s\n", ts, (int) getpid (), msg);
      fflush (stderr);
    }
}

void
ws_daemon_opts_init (ws_daemon_opts *o)
{
  memset (o, 0, sizeof *o);
  /* Not immediate mode: on lo its fixed 64 KiB ring slots dropped packets in
   * bursts; the loop wakes every 200 ms anyway and records are held longer. */
  o->live.immediate = false;
  o->live.timeout_ms = 200;
  o->live.buffer_kib = 32 * 1024;
  o->fmt = WS_FMT_JSON;
  ws_analyzer_opts_init (&o->aopts);
  o->aopts.idle_us = 300 * G_USEC_PER_SEC;
  o->backlog_bytes = 64u * 1024 * 1024;
  o->max_backoff_s = 60;
}

gboolean
ws_drop_privileges (const char *user, GError **error)
{
  struct passwd *pw = getpwnam (user);
  if (!pw)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "-Z %s: no such user", user);
      return FALSE;
    }
  if (initgroups (pw->pw_name, pw->pw_gid) != 0 || setgid (pw->pw_gid) != 0
      || setuid (pw->pw_uid) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "-Z %s: cannot drop privileges: %s", user, g_strerror (errno));
      return FALSE;
    }
  /* make sure there is no way back */
  if (pw->pw_uid != 0 && setuid (0) == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM, "-Z %s: could regain root", user);
      return FALSE;
    }
  return TRUE;
}

/* The pid file is opened before detaching, so that a path that cannot be
 * written is an error the caller sees (after the fork the parent has
 * already exited 0), and written with the final pid after it. */
static int
open_pidfile (const char *path)
{
  return open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static bool
write_pidfile (int fd)
{
  char buf[32];
  int n = g_snprintf (buf, sizeof buf, "%d\n", (int) getpid ());
  bool ok = write (fd, buf, (size_t) n) == n;
  return close (fd) == 0 && ok;
}

static bool
detach (void)
{
  pid_t pid = fork ();
  if (pid < 0)
    return false;
  if (pid > 0)
    _exit (0);
  if (setsid () < 0)
    return false;
  pid = fork ();
  if (pid < 0)
    return false;
  if (pid > 0)
    _exit (0);
  if (chdir ("/") != 0)
    return false;
  int fd = open ("/dev/null", O_RDWR);
  if (fd >= 0)
    {
      dup2 (fd, 0);
      dup2 (fd, 1);
      dup2 (fd, 2);
      if (fd > 2)
        close (fd);
    }
  use_syslog = true;
  openlog ("wsclosed", LOG_PID, LOG_DAEMON);
  return true;
}

static void
log_stats (ws_capture *cap, ws_analyzer *a, ws_writer *w)
{
  const ws_counters *st = ws_analyzer_counters (a);
  unsigned recv = 0, drop = 0, ifdrop = 0;
  bool have = cap && ws_capture_stats (cap, &recv, &drop, &ifdrop);
  logmsg (LOG_INFO,
          "stats: packets %" G_GUINT64_FORMAT " (kernel: received %u, dropped %u, interface dropped %u%s), "
          "connections tracked %zu, records held %zu, written %" G_GUINT64_FORMAT ", "
          "evicted %" G_GUINT64_FORMAT ", limits hit: reassembly %" G_GUINT64_FORMAT
          ", inflate %" G_GUINT64_FORMAT ", header %" G_GUINT64_FORMAT
          ", output backlog %zu bytes, records lost %" G_GUINT64_FORMAT
          ", IP fragments %" G_GUINT64_FORMAT " (reassembled %" G_GUINT64_FORMAT
          ", dropped %" G_GUINT64_FORMAT "), tunneled %" G_GUINT64_FORMAT
          ", not decoded: not IP %" G_GUINT64_FORMAT ", unknown EtherType %" G_GUINT64_FORMAT
          ", not TCP %" G_GUINT64_FORMAT
          ", not TCP in tunnel %" G_GUINT64_FORMAT ", unknown tunnel %" G_GUINT64_FORMAT
          ", too deep %" G_GUINT64_FORMAT ", malformed tunnel %" G_GUINT64_FORMAT
          ", unsupported link %" G_GUINT64_FORMAT
          "; TCP streams rejected as not WebSocket %" G_GUINT64_FORMAT
          " (no upgrade from the start %" G_GUINT64_FORMAT ", mid-stream evidence too weak %"
          G_GUINT64_FORMAT "), other upgrades %" G_GUINT64_FORMAT
          ", TLS %" G_GUINT64_FORMAT,
          st->packets, recv, drop, ifdrop, have ? "" : ", unavailable",
          ws_analyzer_tracked (a), ws_analyzer_held (a), st->ws_connections,
          st->evicted, st->reassembly_limit_hits, st->inflate_limit_hits,
          st->header_limit_hits, ws_writer_backlog (w), ws_writer_dropped (w),
          st->ip_fragments, st->ip_reassembled, st->ip_frag_dropped,
          st->tunneled_packets, st->not_ip_packets,
          st->unknown_ethertype_packets, st->not_tcp_packets,
          st->inner_not_tcp_packets,
          st->unknown_tunnel_packets, st->tunnel_too_deep_packets,
          st->malformed_tunnel_packets, st->unsupported_link_packets,
          st->rejected_no_upgrade + st->rejected_midstream,
          st->rejected_no_upgrade, st->rejected_midstream, st->other_upgrades,
          st->tls_connections);
}

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  ws_analyzer_packet (user, linktype, h, data);
}

/* Sleep up to ms, waking early for a stop signal. */
static void
nap (int ms)
{
  for (int i = 0; i < ms / 100 && !got_stop; i++)
    g_usleep (100 * 1000);
}

int
ws_daemon_run (const ws_daemon_opts *o)
{
  g_autoptr (GError) error = NULL;
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  sigaction (SIGUSR1, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  ws_capture *cap = ws_capture_open_live (&o->live, &error);
  if (!cap)
    {
      g_printerr ("wsclosed: %s\n", error->message);
      return 2;
    }
  int pid_fd = -1;
  if (o->pidfile && (pid_fd = open_pidfile (o->pidfile)) < 0)
    {
      g_printerr ("wsclosed: %s: cannot write pid file: %s\n", o->pidfile, g_strerror (errno));
      ws_capture_free (cap);
      return 1;
    }
  if (o->daemonize && !detach ())
    {
      g_printerr ("wsclosed: cannot detach: %s\n", g_strerror (errno));
      if (pid_fd >= 0)
        close (pid_fd);
      ws_capture_free (cap);
      return 1;
    }
  if (pid_fd >= 0 && !write_pidfile (pid_fd))
    logmsg (LOG_WARNING, "%s: cannot write pid file: %s", o->pidfile, g_strerror (errno));
  if (o->pidfile && o->user)
    {
      /* after -Z the directory may not let us remove it: own it at least, so
       * that it can be emptied at exit */
      struct passwd *pw = getpwnam (o->user);
      if (pw && chown (o->pidfile, pw->pw_uid, pw->pw_gid) != 0)
        logmsg (LOG_WARNING, "%s: cannot hand the pid file to %s", o->pidfile, o->user);
    }
  if (o->user && !ws_drop_privileges (o->user, &error))
    {
      logmsg (LOG_ERR, "%s", error->message);
      ws_capture_free (cap);
      return 1;
    }
  FILE *out = ws_output_open (o->output, true, &error);
  if (!out)
    {
      logmsg (LOG_ERR, "cannot open output: %s", error->message);
      ws_capture_free (cap);
      return 3;
    }

  ws_writer *w = ws_writer_new (out, o->fmt, true);
  ws_writer_set_backlog (w, o->backlog_bytes);
  ws_analyzer *a = ws_analyzer_new (&o->aopts, o->settings, w);
  logmsg (LOG_INFO, "capturing on %s%s%s", o->live.iface,
          o->live.filter && *o->live.filter ? " with filter " : "",
          o->live.filter ? o->live.filter : "");

  int64_t next_stats = o->stats_interval > 0
                       ? g_get_real_time () + (int64_t) (o->stats_interval * G_USEC_PER_SEC) : 0;
  int backoff = 1;
  bool backlog_warned = false;
  uint64_t failures_seen = 0;
  while (!got_stop)
    {
      if (!cap)
        {
          /* the interface went away: try again, waiting longer each time */
          nap (backoff * 1000);
          if (got_stop)
            break;
          g_clear_error (&error);
          cap = ws_capture_open_live (&o->live, &error);
          if (!cap)
            {
              logmsg (LOG_WARNING, "still cannot capture: %s; next try in %d s", error->message,
                      MIN (backoff * 2, o->max_backoff_s));
              backoff = MIN (backoff * 2, o->max_backoff_s);
              continue;
            }
          logmsg (LOG_NOTICE, "capturing on %s again", o->live.iface);
          backoff = 1;
        }
      struct pollfd pfd = { .fd = ws_capture_fd (cap), .events = POLLIN };
      if (pfd.fd >= 0)
        poll (&pfd, 1, 200);
      g_clear_error (&error);
      if (ws_capture_dispatch (cap, on_packet, a, &error) < 0)
        {
          logmsg (LOG_ERR, "capture failed: %s; retrying in %d s", error->message, backoff);
          ws_capture_free (cap);
          cap = NULL;
          continue;
        }
      ws_analyzer_tick (a, g_get_real_time ());

      /* A record may fail and the next one drain the backlog before this
       * loop looks: go by the failure count, and report the recovery once
       * nothing is left. */
      if (ws_writer_failures (w) != failures_seen)
        {
          failures_seen = ws_writer_failures (w);
          if (!backlog_warned)
            logmsg (LOG_ERR, "cannot write %s; keeping records in memory (up to %zu bytes)",
                    o->output ? o->output : "standard output", o->backlog_bytes);
          backlog_warned = true;
        }
      if (ws_writer_backlog (w) > 0)
        ws_writer_retry (w);
      if (backlog_warned && ws_writer_backlog (w) == 0)
        {
          logmsg (LOG_NOTICE, "output writable again; %" G_GUINT64_FORMAT " records lost meanwhile",
                  ws_writer_dropped (w));
          backlog_warned = false;
        }
      if (got_hup)
        {
          got_hup = 0;
          FILE *nout = ws_output_open (o->output, true, &error);
          if (!nout)
            logmsg (LOG_ERR, "SIGHUP: cannot reopen output: %s; keeping the old one", error->message);
          else if (nout != stdout)
            {
              ws_writer_retry (w);
              if (out != stdout)
                fclose (out);
              out = nout;
              ws_writer_set_stream (w, out);
              logmsg (LOG_INFO, "SIGHUP: reopened %s", o->output);
            }
        }
      if (got_usr1)
        {
          got_usr1 = 0;
          log_stats (cap, a, w);
        }
      if (next_stats && g_get_real_time () >= next_stats)
        {
          log_stats (cap, a, w);
          next_stats += (int64_t) (o->stats_interval * G_USEC_PER_SEC);
        }
    }

  logmsg (LOG_INFO, "stopping: writing %zu open connections", ws_analyzer_tracked (a));
  ws_analyzer_finish (a);
  ws_writer_finish (w, ws_analyzer_counters (a));
  ws_writer_retry (w);
  log_stats (cap, a, w);
  int rc = ws_writer_backlog (w) ? 3 : 0;
  ws_analyzer_free (a);
  ws_writer_free (w);
  ws_capture_free (cap);
  if (out != stdout)
    fclose (out);
  if (o->pidfile && unlink (o->pidfile) != 0)
    {
      /* no right to remove it (privileges dropped): leave it empty, so no
       * stale process id is read from it */
      int fd = open (o->pidfile, O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (fd >= 0)
        close (fd);
    }
  return rc;
}
