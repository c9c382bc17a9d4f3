/* daemon.h - wsclosed on a live interface: a record for each WebSocket
 * connection as soon as it ends, for days on end.
 *
 * Signals: SIGTERM/SIGINT write every open connection (still open) and exit
 * 0; SIGHUP reopens the output file (logrotate); SIGUSR1 logs statistics.
 * The interface going away is logged and retried with backoff; output the
 * disk does not take is kept (bounded) and retried.
 */
#ifndef WS_DAEMON_H
#define WS_DAEMON_H

#include <glib.h>

#include "analyzer.h"
#include "capture.h"
#include "output.h"

typedef struct {
  ws_live_opts live;
  const char *output;        /* NULL or "-": standard output */
  ws_format fmt;
  ws_analyzer_opts aopts;
  const ws_settings *settings; /* borrowed: what the options decide */
  const char *user;          /* -Z: drop to this user after opening */
  const char *pidfile;
  gboolean daemonize;
  double stats_interval;     /* seconds; 0 off */
  size_t backlog_bytes;      /* output kept while the file cannot be written */
  int max_backoff_s;         /* longest wait between reopen attempts */
} ws_daemon_opts;

void ws_daemon_opts_init (ws_daemon_opts *o);

/* Runs until SIGTERM/SIGINT; returns the exit status. */
int ws_daemon_run (const ws_daemon_opts *o);

/* Drop root to user (initgroups, setgid, setuid); false with error set. */
gboolean ws_drop_privileges (const char *user, GError **error);

#endif
