/* rules-abnormal.c - no close frame (1006 to the applications): a reset
 * mid-traffic, a violation the ender had just received, known proxy and load
 * balancer timeouts, pings without pongs, a fixed idle time across
 * connections, a proxy closing both legs, and otherwise a dropped
 * connection. */
#include <stdlib.h>

#include "diag-internal.h"
#include "facts.h"
#include "software.h"

#define SAME_IDLE_MIN 3         /* 1006 closes after the same silence: a fixed timeout */
#define MID_TRAFFIC_US (2 * US_PER_S)  /* this close to the last frame: mid-traffic */

typedef enum { BASIS_IDLE, BASIS_LIFETIME, BASIS_BOTH } timeout_basis;

static const struct
{
  int64_t seconds;
  timeout_basis basis;
  const char *detail;
  const char *name;
  const char *header;   /* Server header that confirms it (lower case), or NULL */
  const char *fix;
} known_timeouts[] = {
  { 15, BASIS_BOTH, "envoy_route_timeout", N_ ("Envoy's default 15 s route timeout"), "envoy",
    N_ ("Disable the route timeout for WebSocket routes in Envoy/Istio (route timeout: 0s) and "
    "set an explicit idle_timeout; send pings more often than the shortest timeout.") },
  { 30, BASIS_LIFETIME, "lifetime_30s",
    N_ ("a 30 s connection lifetime cap (e.g. a Google Cloud load balancer's backend service "
    "timeout, 30 s by default)"), NULL,
    N_ ("Raise the lifetime limit on the load balancer or proxy (Google Cloud: the backend "
    "service timeout) to how long connections should live, and let clients reconnect.") },
  { 55, BASIS_IDLE, "heroku_router", N_ ("the Heroku router's 55 s idle timeout"), "cowboy",
    N_ ("Heroku's 55 s window cannot be changed: send a ping or message at least every 30 s.") },
  { 60, BASIS_IDLE, "nginx_proxy_read_timeout", N_ ("nginx's proxy_read_timeout (default 60 s)"),
    "nginx",
    N_ ("In the nginx location that proxies the WebSocket, set proxy_read_timeout (and "
    "proxy_send_timeout) above the longest silence, e.g. 3600s, or send pings every 30 s.") },
  { 60, BASIS_IDLE, "aws_alb_idle_timeout", N_ ("the AWS ALB/ELB idle timeout (default 60 s)"),
    "awselb",
    N_ ("Raise the load balancer attribute idle_timeout.timeout_seconds (up to 4000 s) or send "
    "pings every 30 s.") },
  { 60, BASIS_IDLE, "apache_proxy_timeout", N_ ("Apache's Timeout / ProxyTimeout (default 60 s; "
    "mod_proxy_wstunnel uses the larger)"), "apache",
    N_ ("In Apache, raise Timeout and ProxyTimeout for the proxied WebSocket (the tunnel uses the "
    "larger of the two) above the longest silence, or send pings every 30 s.") },
  { 100, BASIS_IDLE, "cloudflare_idle", N_ ("Cloudflare's 100 s idle timeout for proxied "
    "WebSockets"), "cloudflare",
    N_ ("Send a ping or message more often than every 100 s (Cloudflare's limit is fixed on most "
    "plans).") },
};

static bool
near (int64_t value_us, int64_t target_s)
{
  int64_t t = target_s * US_PER_S;
  int64_t tol = MAX (1500000, t * 3 / 100);
  return value_us >= t - tol && value_us <= t + tol;
}

/* Other 1006 closes in the window with about the same idle time (this one
 * included); 0 without a window. */
#define BASELINE_MIN 10   /* 1006 ends around this idle time: enough to tell a spike */
#define SPIKE_RATIO 3.0   /* a fixed timeout: this many times the ends expected at that idle */

#define BURST_MIN 5             /* server ends ... */
#define BURST_US 200000         /* ... this close together: one event */

/* This end is one of BURST_MIN or more ends by the server within BURST_US
 * (long-lived connections only, as for close storms). */
static bool
one_burst (diag *d, int64_t t_end)
{
  int64_t lo, hi;
  if (!d->ix)
    return false;
  size_t n = ws_conn_index_storm (d->ix, d->c, t_end, &lo, &hi, NULL);
  return n >= BURST_MIN && hi - lo <= BURST_US;
}

/* Ends with an idle time this close are the same timer only when they are
 * apart in time (ends at one moment are one event: a restart, a kill), and
 * only when they stand out of the server's other 1006 ends around that idle
 * time (ordinary churn has ends at every idle time).  *baseline: the 1006
 * ends with an idle time between a quarter and four times this one, the
 * same ones
 * left out. */
static size_t
same_idle_count (diag *d, int64_t idle_us, int64_t t_end, ws_side ender, size_t *baseline)
{
  *baseline = 0;
  if (!d->ix || idle_us < WS_WINDOW_SAME_IDLE_FLOOR_US)
    return 0;
  /* a timer on the path ends from the same side every time: the ends by
   * that side are the ones compared (the others are the baseline too) */
  size_t all_same = ws_conn_index_idle_count (d->ix, d->c, idle_us - WS_WINDOW_SAME_IDLE_US,
                                              idle_us + WS_WINDOW_SAME_IDLE_US, 0, 0,
                                              ender);
  size_t any_same = ws_conn_index_idle_count (d->ix, d->c, idle_us - WS_WINDOW_SAME_IDLE_US,
                                              idle_us + WS_WINDOW_SAME_IDLE_US, 0, 0,
                                              WS_SIDE_NONE);
  size_t same = 1 + all_same;
  /* one burst of server ends (a kill, a restart: restart-sigkill's 20 ends
   * in 0.3 ms) counts as one event: only the ends apart from it */
  if (one_burst (d, t_end))
    same = 1 + ws_conn_index_idle_count (d->ix, d->c, idle_us - WS_WINDOW_SAME_IDLE_US,
                                         idle_us + WS_WINDOW_SAME_IDLE_US, t_end,
                                         WS_WINDOW_STORM_US, ender);
  int64_t wlo = MAX (idle_us / 4, WS_WINDOW_SAME_IDLE_FLOOR_US), whi = idle_us * 4;
  size_t wide = ws_conn_index_idle_count (d->ix, d->c, wlo, whi, 0, 0, WS_SIDE_NONE);
  size_t around = wide > any_same ? wide - any_same : 0;
  /* the other side's ends at this very idle time: not one timer's */
  around += any_same - all_same;
  *baseline = around;
  if (around > 0)
    {
      /* the ends expected in the 2 s bin at the density around it (long
       * silences are sparse: any end around them is a baseline) */
      int64_t blo = MAX (idle_us - WS_WINDOW_SAME_IDLE_US, wlo);
      double span = (double) (whi - wlo - (idle_us + WS_WINDOW_SAME_IDLE_US - blo));
      double expected = span > 0 ? (double) around * (2.0 * WS_WINDOW_SAME_IDLE_US) / span : 0;
      /* 2 more than that at least: among a thousand ends, a pair at one
       * idle time is a coincidence */
      if ((double) (same - 1) < SPIKE_RATIO * expected + 2)
        return 1;
    }
  return same;
}

/* The other leg of a proxy: a connection that ended without a close frame at
 * the same moment and after the same silence, torn down by the same host
 * (this one's ender is that one's ender, on the other side). */
static const ws_conn_brief *
proxy_other_leg (diag *d, ws_side ender, int64_t t_end, int64_t idle)
{
  if (!d->ix || idle < US_PER_S)
    return NULL;
  return ws_conn_index_other_leg (d->ix, d->c, ender, t_end, idle);
}

/* What every 1006 diagnosis works with: who ended TCP and when, the
 * silence before it, the lifetime since the 101. */
typedef struct {
  ws_side ender, peer;
  int64_t t_end;          /* the first FIN or RST */
  int64_t idle;           /* t_end less the last frame (or the 101, or the start) */
  int64_t life;           /* t_end less the 101; -1 without one */
  size_t same;            /* same_idle_count of idle */
  size_t baseline;        /* 1006 ends around that idle time, the same left out */
  char idle_s[48];        /* idle, formatted */
} ending;

/* The facts every 1006 gets: the last frame of each side, the lifetime,
 * the pings. */
static void
ending_facts (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  int64_t t_end = en->t_end, life = en->life;
  char a[48];

  for (int s = 0; s < 2; s++)
    {
      const ws_dir_stats *st = &c->dir[s];
      if (st->last_frame_us)
        {
          ws_fmt_dur (a, sizeof a, t_end - st->last_frame_us);
          EV (d, st->last_frame_us, "last frame from the %s came %s before TCP ended",
              side_str ((ws_side) s), a);
        }
      else
        EV (d, 0, "no frame from the %s at all", side_str ((ws_side) s));
    }
  if (life >= 0)
    {
      ws_fmt_dur (a, sizeof a, life);
      EV (d, c->response_us, "TCP ended %s after the 101", a);
    }
  if (!c->dir[0].pings && !c->dir[1].pings)
    EV (d, 0, "no pings in either direction");
  else
    for (int s = 0; s < 2; s++)
      if (c->dir[s].pings)
        EV (d, c->dir[s].last_ping_us, "the %s sent %" G_GUINT64_FORMAT " pings, the %s "
            "answered %" G_GUINT64_FORMAT " pongs", side_str ((ws_side) s), c->dir[s].pings,
            side_str (WS_OTHER_SIDE ((ws_side) s)), c->dir[WS_OTHER_SIDE ((ws_side) s)].pongs);
}

/* The least time from an unanswered ping to the end for the end to be a
 * keepalive giving up: a round trip of the handshake four times over, at
 * least 50 ms (a ping sent as the connection was being closed anyway is
 * not a keepalive that gave up). */
static int64_t
pong_wait_floor (const ws_conn *c)
{
  int64_t rtt = c->request_us && c->response_us > c->request_us ? c->response_us - c->request_us : 0;
  return MAX (50000, 4 * rtt);
}

/* The library setting the timing or the Server header names, or NULL. */
static const char *
keepalive_setting (diag *d, ws_side pinger, const ws_keepalive *k, int64_t wait, char *buf,
                   size_t len)
{
  const ws_dir_stats *o = &d->c->dir[WS_OTHER_SIDE (pinger)];
  char a[48];

  if (pinger != WS_SIDE_SERVER)
    return NULL;
  if (server_says (d, "aiohttp"))
    {
      ws_fmt_dur (a, sizeof a, 2 * wait);
      g_snprintf (buf, len, ws_tr ("aiohttp's heartbeat (about %s: it ends the connection "
                                   "heartbeat/2 after an unanswered ping, with no close frame)"), a);
      return buf;
    }
  if (server_says (d, "tornado"))
    return ws_tr ("tornado's websocket_ping_interval and websocket_ping_timeout (it closes with "
                  "an empty close frame)");
  if (server_says (d, "websockets/") || server_says (d, "uvicorn"))
    return ws_tr ("websockets' ping_interval and ping_timeout (uvicorn: --ws-ping-interval, "
                  "--ws-ping-timeout)");
  /* aiohttp's timing without its name: one ping heartbeat after the last
   * frame from the peer, the end heartbeat/2 later */
  if (k->pings == 1 && o->last_frame_us && k->last_ping_us > o->last_frame_us)
    {
      int64_t before = k->last_ping_us - o->last_frame_us;
      if (llabs (before - 2 * wait) <= MAX (20000, before / 50))
        {
          ws_fmt_dur (a, sizeof a, before);
          g_snprintf (buf, len, ws_tr ("a heartbeat of %s that gives up half of it after the "
                                       "ping, as aiohttp's heartbeat does"), a);
          return buf;
        }
    }
  return NULL;
}

bool
keepalive_from_timeline (diag *d, ws_side ender, int64_t t_end, const char *how)
{
  const ws_conn *c = d->c;
  ws_keepalive k;
  char a[48], b[48], buf[512];

  for (int s = 0; s < 2; s++)
    {
      ws_side pinger = s == 0 ? ender : WS_OTHER_SIDE (ender);
      if (!ws_keepalive_of (c, pinger, &k) || !ws_keepalive_unanswered (c, &k, pinger))
        continue;
      int64_t wait = t_end - k.last_ping_us;
      if (wait < pong_wait_floor (c))
        continue;
      ws_side silent = WS_OTHER_SIDE (pinger);
      /* the pinger's side gave up; or the silent side ended itself: only
       * when it was the one pinged and stayed silent, a dead or hung peer
       * cannot end anything, so that is no keepalive of the pinger's */
      if (pinger != ender)
        continue;
      uint64_t unanswered = k.answers == 0 ? k.pings : 1;
      ws_fmt_dur (a, sizeof a, wait);
      bool ws_ping = strcmp (k.what, "ping") == 0;
      EV (d, k.last_ping_us, "the %s sent %" G_GUINT64_FORMAT " %s%s, the %s answered %"
          G_GUINT64_FORMAT "; the last %s got no %s and the %s ended the connection (%s) %s "
          "later", side_str (pinger), k.pings, k.what, k.pings == 1 ? "" : "s",
          side_str (silent), k.answers, k.what, ws_ping ? "pong" : "answer",
          side_str (pinger), how, a);
      if (k.interval_us)
        {
          ws_fmt_dur (b, sizeof b, k.interval_us);
          EV (d, k.first_ping_us, "the %s's pings came every %s", side_str (pinger), b);
        }
      if (c->dir[silent].last_frame_us)
        {
          ws_fmt_dur (b, sizeof b, t_end - c->dir[silent].last_frame_us);
          EV (d, c->dir[silent].last_frame_us, "nothing came from the %s for %s before the end",
              side_str (silent), b);
        }
      const char *setting = keepalive_setting (d, pinger, &k, wait, buf, sizeof buf);
      if (setting)
        EV (d, t_end, "the timing fits %s", setting);
      char fix[1024];
      g_snprintf (fix, sizeof fix,
                  ws_tr ("The %s stopped answering pings for %s: it hung (a blocked event loop, "
                         "long synchronous work), lost the network, or a middlebox dropped the "
                         "connection silently. Check the %s's health and the path; if it is only "
                         "slow, raise the %s's pong timeout above %s%s."),
                  side_str (silent), a, side_str (silent), side_str (pinger), a,
                  setting ? " (" : "");
      if (setting)
        {
          size_t n = strlen (fix);
          if (n > 0 && fix[n - 1] == '.')
            fix[n - 1] = '\0';
          g_strlcat (fix, setting, sizeof fix);
          g_strlcat (fix, ").", sizeof fix);
        }
      set_cause (d, "keepalive_timeout", "ping_unanswered",
                 unanswered >= 2 || wait >= US_PER_S ? "high" : "medium", fix,
                 "The %s's keepalive gave up: %" G_GUINT64_FORMAT " %s%s got no answer from the "
                 "silent %s, and %s later the %s ended the connection (%s)",
                 side_str (pinger), unanswered, k.what, unanswered == 1 ? "" : "s",
                 side_str (silent), a, side_str (pinger), how);
      return true;
    }
  return false;
}

#define HANDLER_US 100000   /* a server end this soon after a client message: its handler */

/* The server ended TCP (FIN or RST, no close frame) right after a complete,
 * valid client message that it did not answer: its handler failed on that
 * message and the library closed the socket instead of sending 1011
 * (aiohttp, tornado, uvicorn, gorilla's panic recovery: doc/libraries.md). */
static bool
handler_failed (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  const ws_dir_stats *cl = &c->dir[WS_SIDE_CLIENT], *sv = &c->dir[WS_SIDE_SERVER];
  int64_t t_end = en->t_end;
  char a[48];

  /* FIN only: an RST this soon is also what SO_LINGER 0 or a kill gives
   * (py-no-close-rst), and every library recorded fails with a FIN */
  if (en->ender != WS_SIDE_SERVER || ws_ended_with_rst (c, WS_SIDE_SERVER) || !cl->last_data_us || cl->open_message || sv->open_message
      || cl->last_frame_us != cl->last_data_us || sv->last_frame_us >= cl->last_data_us
      || t_end < cl->last_data_us || t_end - cl->last_data_us > HANDLER_US
      || (ws_first_end_us (c, WS_SIDE_CLIENT) && ws_first_end_us (c, WS_SIDE_CLIENT) < t_end)
      || c->midstream
      /* the server was answering until then (aiohttp's shutdown leaves the
       * busy client's messages unanswered for seconds: not a handler) */
      || (sv->messages + 1 < cl->messages && cl->last_data_us - sv->last_frame_us > US_PER_S)
      || ws_find_violation (c, WS_SIDE_NONE, NULL, 0, t_end))
    return false;
  ws_fmt_dur (a, sizeof a, t_end - cl->last_data_us);
  EV (d, cl->last_data_us, "the client's last message arrived %s before the server ended TCP; "
      "the server sent nothing in answer to it", a);
  if (sv->messages)
    EV (d, sv->last_data_us, "the server had sent %" G_GUINT64_FORMAT " message%s before: its "
        "handler was running", sv->messages, sv->messages == 1 ? "" : "s");
  set_cause (d, "server_internal_error", "handler_failed_no_close", "medium",
             "Look in the server's log at that moment for an exception in the WebSocket "
             "handler (the message it was handling arrived just before). Several libraries "
             "(aiohttp, tornado, uvicorn, gorilla) close the socket without sending 1011 when "
             "the handler fails: catch exceptions in the handler and close with 1011 so that "
             "clients can tell a failure from a network drop.",
             "The server ended TCP (FIN) %s after a client message it never answered, with no "
             "close frame: most likely its handler failed on that message and the library "
             "closed the socket instead of sending 1011; the client application saw 1006", a);
  return true;
}

/* 1. a reset while traffic was flowing */
static bool
reset_mid_traffic (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  ws_side ender = en->ender, peer = en->peer;
  char a[48];

  for (int s = 0; s < 2; s++)
    {
      ws_side r = s == 0 ? ender : peer;   /* the ender first */
      if (!c->rst[r])
        continue;
      const ws_dir_stats *po = &c->dir[WS_OTHER_SIDE (r)];
      int64_t rt = c->rst_us[r];
      bool after_fin = c->fin[r] && c->fin_us[r] < rt && po->last_frame_us >= c->fin_us[r];
      bool mid = (po->last_frame_us && rt - po->last_frame_us <= MID_TRAFFIC_US)
                 || (d->last_frame_us && rt - d->last_frame_us <= MID_TRAFFIC_US)
                 || c->dir[0].open_message || c->dir[1].open_message || after_fin;
      if (!mid)
        continue;
      ws_fmt_dur (a, sizeof a, d->last_frame_us ? rt - d->last_frame_us : 0);
      if (after_fin)
        {
          EV (d, c->fin_us[r], "the %s closed its socket (FIN) without a close frame, and "
              "its kernel reset the %s's later data: the %s process was gone", side_str (r),
              side_str (WS_OTHER_SIDE (r)), side_str (r));
        }
      set_cause (d, "peer_reset", r == WS_SIDE_SERVER ? "server_reset" : "client_reset", "high",
                 r == WS_SIDE_SERVER
                   ? N_ ("Look at the server process at that moment: crash logs, the OOM killer, "
                     "a deploy or kill -9, or code that closes sockets with SO_LINGER 0. "
                     "Clients should reconnect with backoff.")
                   : N_ ("Look at the client at that moment: a killed or crashed process, or a "
                     "network change (mobile switching networks, VPN reconnect)."),
                 "The %s reset the connection mid-traffic (%s after the last frame) without a "
                 "close frame, so the %s application saw 1006%s",
                 side_str (r), a, side_str (WS_OTHER_SIDE (r)),
                 after_fin ? ws_tr ("; its process had exited (FIN, then RST to the data that kept "
                             "arriving)") : "");
      return true;
    }
  return false;
}

/* 2. the ender had just received something it could not accept */
static bool
violation_then_end (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  ws_side ender = en->ender, peer = en->peer;
  int64_t t_end = en->t_end;

  const ws_violation *v = ws_find_violation (c, peer, NULL, 0, t_end);
  if (v && t_end - v->ts_us <= MID_TRAFFIC_US && v->kind == WS_VIOL_TEXT_NOT_UTF8)
    {
      /* tornado and uvicorn+wsproto fail the connection over invalid UTF-8
       * with a bare FIN instead of 1007: wsclosed saw the invalid text */
      violation_evidence (d, v);
      set_cause (d, "invalid_payload", ws_violation_name (v->kind), "medium",
                 ws_code_lookup (1007)->fix,
                 "The %s ended TCP without a close frame right after the %s sent a text "
                 "message that is not valid UTF-8: it failed the connection over that message "
                 "(a library that closes without sending 1007)", side_str (ender),
                 side_str (peer));
      return true;
    }
  if (v && t_end - v->ts_us <= MID_TRAFFIC_US)
    {
      violation_evidence (d, v);
      set_cause (d, "protocol_violation", ws_violation_name (v->kind), "medium",
                 ws_code_lookup (1002)->fix,
                 "The %s ended TCP without a close frame right after the %s sent %s: it most "
                 "likely failed the connection over that violation", side_str (ender),
                 side_str (peer), ws_violation_text (v->kind));
      return true;
    }
  return false;
}

/* 3. the known proxy or load balancer timeout the silence or the lifetime
 * matches (one the Server header confirms first), or -1; *n_match: how
 * many match. */
static int
timeout_match (diag *d, const ending *en, int *n_match)
{
  int64_t idle = en->idle, life = en->life;
  int match = -1;

  *n_match = 0;
  for (size_t i = 0; i < G_N_ELEMENTS (known_timeouts); i++)
    {
      bool by_idle = known_timeouts[i].basis != BASIS_LIFETIME && near (idle, known_timeouts[i].seconds);
      bool by_life = known_timeouts[i].basis != BASIS_IDLE && life >= 0
                     && near (life, known_timeouts[i].seconds);
      if (!by_idle && !by_life)
        continue;
      bool confirmed = known_timeouts[i].header
                       && server_says (d, known_timeouts[i].header);
      if (match < 0 || confirmed)
        match = (int) i;
      ++*n_match;
      if (confirmed)
        break;
    }
  return match;
}

static void
known_timeout (diag *d, const ending *en, int match, int n_match)
{
  ws_side ender = en->ender;
  int64_t t_end = en->t_end, idle = en->idle, life = en->life;
  size_t same = en->same;
  char b[48];

  bool confirmed = known_timeouts[match].header
                   && server_says (d, known_timeouts[match].header);
  bool ambiguous = n_match > 1 && !confirmed;
  bool lifetime = known_timeouts[match].basis == BASIS_LIFETIME
                  || (known_timeouts[match].basis == BASIS_BOTH
                      && !near (idle, known_timeouts[match].seconds));
  ws_fmt_dur (b, sizeof b, lifetime ? life : idle);
  EV (d, t_end, "%s %s matches %s", lifetime ? ws_tr ("lifetime since the 101") : ws_tr ("silence of"), b,
      ws_tr (known_timeouts[match].name));
  if (ambiguous)
    set_cause (d, "idle_timeout", "idle_timeout_60s",
               same >= SAME_IDLE_MIN ? "high" : "medium",
               "Raise the proxy or load balancer timeout (nginx proxy_read_timeout, AWS "
               "ALB idle_timeout.timeout_seconds) above the longest silence, or send pings "
               "every 30 s.",
               "The connection was closed by a proxy or load balancer after %s of "
               "silence, matching nginx's proxy_read_timeout or the AWS ALB idle timeout "
               "(both 60 s by default); the %s side ended TCP and the applications saw "
               "1006", b, side_str (ender));
  else
    set_cause (d, "idle_timeout", known_timeouts[match].detail,
               confirmed || same >= SAME_IDLE_MIN ? "high" : "medium",
               known_timeouts[match].fix,
               "The connection was closed after %s %s, matching %s; the %s side ended "
               "TCP without a close frame and the applications saw 1006", b,
               lifetime ? ws_tr ("since the 101") : ws_tr ("of silence"), ws_tr (known_timeouts[match].name),
               side_str (ender));
}

/* 4. keepalive: pings that got no answer */
static bool
keepalive_unanswered (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  ws_side ender = en->ender, peer = en->peer;
  int64_t t_end = en->t_end;
  char b[48];

  for (int s = 0; s < 2; s++)
    {
      ws_side pinger = s == 0 ? ender : peer;
      if (!ws_ping_unanswered (c, pinger) || t_end - c->dir[pinger].last_ping_us < US_PER_S)
        continue;
      ws_fmt_dur (b, sizeof b, t_end - c->dir[pinger].last_ping_us);
      EV (d, c->dir[pinger].last_ping_us, "the %s's last ping got no pong; TCP ended %s later",
          side_str (pinger), b);
      set_cause (d, "keepalive_timeout", "ping_unanswered", pinger == ender ? "high" : "medium",
                 "The peer stopped answering pings: it hung, lost the network, or a middlebox "
                 "dropped the connection silently. Check the peer's health and the path; "
                 "reconnect with backoff.",
                 "The %s's ping got no pong from the %s for %s and the %s ended TCP without a "
                 "close frame: a keepalive timeout (the applications saw 1006)",
                 side_str (pinger), side_str (WS_OTHER_SIDE (pinger)), b, side_str (ender));
      return true;
    }
  return false;
}

/* The evidence that leg is this connection's other leg at a proxy; host:
 * the proxy's address (this connection's ender). */
static void
leg_evidence (diag *d, const ending *en, const ws_conn_brief *leg, char *host, size_t len)
{
  char lc[64];

  ws_addr_to_string (&d->c->addr[en->ender], host, len);
  ws_addr_to_string (&leg->client, lc, sizeof lc);
  EV (d, leg->end_us, "the connection from %s:%u ended at the same moment after the "
      "same silence, torn down by the same host %s from its other side: %s is a proxy "
      "closing both legs", lc, leg->client_port, host, host);
}

/* 5. the same idle time across connections: a fixed timeout on the path;
 * proxy_host: the proxy that closed both legs, or NULL. */
static void
fixed_idle (diag *d, const ending *en, bool leg_found, const char *proxy_host)
{
  bool is_proxy = d->server_is_proxy;
  char detail[32], at[256] = "";

  g_snprintf (detail, sizeof detail, "fixed_%llds",
              (long long) ((en->idle + US_PER_S / 2) / US_PER_S));
  if (proxy_host)
    g_snprintf (at, sizeof at, ws_tr (" (the proxy at %s%s%s%s, which closed both legs)"), proxy_host,
                is_proxy ? ", " : "", is_proxy ? d->server_software : "", "");
  char fix[1024];
  g_snprintf (fix, sizeof fix, ws_tr ("Find the proxy, load balancer or firewall on the path "
                                      "with a timeout of about %s and raise it above the longest "
                                      "silence, or send pings more often than every %s."),
              en->idle_s, en->idle_s);
  set_cause (d, "idle_timeout", detail, leg_found || is_proxy ? "high" : "medium", fix,
             "The connection ended without a close frame after %s of silence, like %zu "
             "other connections to the same server or Host: a fixed idle timeout of that "
             "length on the path%s",
             en->idle_s, en->same - 1, at);
}

/* 6. a proxy that closed both legs at once after the same silence */
static void
proxy_both_legs (diag *d, const ending *en, const char *host)
{
  const char *a = en->idle_s;
  char who[96];

  if (d->server_is_proxy)
    g_snprintf (who, sizeof who, "%s (%s)", host, d->server_software);
  else
    g_snprintf (who, sizeof who, "%s", host);
  char fix[1024];
  g_snprintf (fix, sizeof fix, ws_tr ("Raise the proxy's timeout for upgraded connections (about "
                                      "%s here; nginx: proxy_read_timeout and proxy_send_timeout "
                                      "in the WebSocket location, HAProxy: timeout tunnel, Apache: "
                                      "Timeout/ProxyTimeout) above the longest silence, or send "
                                      "pings more often than every %s."), a, a);
  set_cause (d, "idle_timeout", "proxy_idle", d->server_is_proxy ? "high" : "medium", fix,
             "The proxy at %s closed this connection and its other leg at the same "
             "moment after %s of silence: its idle timeout, set to about %s, and the "
             "applications saw 1006", who, a, a);
}

/* 6. a proxy named by the Server header ended TCP after a silence */
static bool
proxy_fin_after_silence (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  const char *a = en->idle_s;

  if (!d->server_is_proxy || en->ender != WS_SIDE_SERVER || ws_ended_with_rst (c, en->ender)
      || en->idle < US_PER_S || c->dir[0].open_message || c->dir[1].open_message)
    return false;
  char fix[1024];
  g_snprintf (fix, sizeof fix, ws_tr ("Check the proxy's timeout for upgraded connections (about "
                                      "%s here; nginx: proxy_read_timeout) and set it above the "
                                      "longest silence, or send pings more often than every %s."),
              a, a);
  set_cause (d, "idle_timeout", "proxy_idle", "low", fix,
             "The %s in front of the server ended TCP without a close frame after %s of "
             "silence: consistent with its idle timeout set to about %s",
             d->server_software, a, a);
  return true;
}

/* 5./6. the same idle time across connections, a proxy that closes both
 * legs at once, a proxy's FIN after silence */
static bool
proxy_or_fixed_idle (diag *d, const ending *en)
{
  ws_side ender = en->ender;
  const ws_conn_brief *leg = ender == WS_SIDE_CLIENT || ender == WS_SIDE_SERVER
                               ? proxy_other_leg (d, ender, en->t_end, en->idle) : NULL;
  /* however each leg ends: HAProxy's timeout tunnel sends a FIN to the
   * client and an RST to the backend (haproxy-idle.pcap) */
  bool both_legs = leg != NULL;
  char host[64];

  if (en->same < SAME_IDLE_MIN && !both_legs)
    return proxy_fin_after_silence (d, en);
  if (both_legs)
    leg_evidence (d, en, leg, host, sizeof host);
  if (en->same >= SAME_IDLE_MIN)
    fixed_idle (d, en, leg != NULL, both_legs ? host : NULL);
  else
    proxy_both_legs (d, en, host);
  return true;
}

#define TIMER_SLACK_US 30000   /* a timer fires this late at most on the capture */

/* 6b. one connection that ended after a silence of a whole number of
 * seconds, on both sides, with no other ends around that idle time: the
 * mark of an idle timer (aiohttp receive_timeout, Mojolicious
 * inactivity_timeout, a Go read deadline, HAProxy timeout tunnel: all
 * recorded in doc/libraries.md).  Low confidence: one connection. */
static bool
whole_second_idle (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  int64_t frac = en->idle % US_PER_S;
  long long secs = (long long) (en->idle / US_PER_S);
  char detail[32], fix[1024];
  const char *who = "";

  /* the server's (or a proxy's) side only: a client that gives up after a
   * whole number of seconds without an answer (the raw client of
   * pcaps/libs after 4 s) is a client's choice, not the path's timeout */
  if (en->ender != WS_SIDE_SERVER
      || en->idle < WS_WINDOW_SAME_IDLE_FLOOR_US || frac > TIMER_SLACK_US || en->baseline > 2
      || c->dir[0].open_message || c->dir[1].open_message || ws_ended_with_rst (c, en->ender)
      || one_burst (d, en->t_end) || c->midstream)
    return false;
  if (d->server_is_proxy && en->ender == WS_SIDE_SERVER)
    who = d->server_software;
  g_snprintf (detail, sizeof detail, "fixed_%llds", secs);
  EV (d, en->t_end, "the silence before the end was %s: %lld s and %lld ms, as a timer of "
      "%lld s fires", en->idle_s, secs, (long long) (frac / 1000), secs);
  g_snprintf (fix, sizeof fix,
              ws_tr ("Find the %lld s idle timer on the %s's side and raise it above the longest "
                     "silence, or send pings more often than every %lld s: a library's receive or "
                     "inactivity timeout (aiohttp receive_timeout, Mojolicious inactivity_timeout, "
                     "a read deadline) or a proxy's (HAProxy timeout tunnel, Apache Timeout/"
                     "ProxyTimeout, nginx proxy_read_timeout)."), secs, side_str (WS_SIDE_SERVER),
              secs);
  set_cause (d, "idle_timeout", detail, "low", fix,
             "The %s%s%s%s ended TCP without a close frame after %s of silence on both sides, "
             "a whole number of seconds: most likely an idle timer of %lld s (one connection, "
             "so the timer is not confirmed by others)",
             side_str (en->ender), *who ? " (" : "", who, *who ? ")" : "", en->idle_s, secs);
  return true;
}

/* 6c. a proxy passing on its backend's end: the server side of this
 * connection (the proxy) ended it right after the backend ended the
 * proxy's own connection, neither with a close frame (haproxy- and
 * apache-backend-killed.pcap: 0.1 ms, 1 ms) */
static bool
backend_dropped (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  char a[48], lc[64], ls[64];

  if (!d->ix || en->ender != WS_SIDE_SERVER)
    return false;
  const ws_conn_brief *b = ws_conn_index_backend_leg (d->ix, c, en->t_end);
  if (!b)
    return false;
  ws_fmt_dur (a, sizeof a, en->t_end - b->end_us);
  ws_addr_to_string (&b->client, lc, sizeof lc);
  ws_addr_to_string (&b->server, ls, sizeof ls);
  EV (d, b->end_us, "the backend %s:%u ended the proxy's own connection (from %s:%u) without a "
      "close frame %s before the proxy ended this one", ls, b->server_port, lc, b->client_port,
      a);
  set_cause (d, "backend_dropped", ws_ended_with_rst (c, en->ender) ? "proxy_rst" : "proxy_fin",
             "medium",
             "Look at the backend process at that moment (crash logs, exit status, the OOM "
             "killer, a deploy): the proxy only passed its end on. Make the backend send a close "
             "frame (1001 or 1012) before it stops, and let clients reconnect with backoff.",
             "The proxy ended this connection without a close frame %s after its backend "
             "%s:%u ended the proxy's own connection the same way: the backend went away and the "
             "proxy passed the end on; the client application saw 1006", a, ls, b->server_port);
  return true;
}

/* 7. a reset after a quiet period; 8. otherwise */
static void
reset_or_dropped (diag *d, const ending *en)
{
  const ws_conn *c = d->c;
  ws_side ender = en->ender, peer = en->peer;
  const ws_code_info *e = ws_code_lookup (1006);
  const char *a = en->idle_s;

  /* 7. a reset after a quiet period */
  if (c->tcp_end == WS_TCP_END_RST)
    {
      ws_side r = c->rst[ender] ? ender : peer;
      set_cause (d, "peer_reset", r == WS_SIDE_SERVER ? "server_reset" : "client_reset",
                 "medium", e->fix,
                 "The %s reset the connection after %s of silence without a close frame (a "
                 "killed process, or a firewall or NAT that forgot the connection); the %s "
                 "application saw 1006", side_str (r), a, side_str (WS_OTHER_SIDE (r)));
      return;
    }

  /* 8. otherwise */
  set_cause (d, "connection_dropped", ender == WS_SIDE_SERVER ? "server_fin" : "client_fin",
             "medium",
             ender == WS_SIDE_SERVER
               ? N_ ("The server closed its socket without a close frame: check for a process "
                 "exit or restart at that time, or a handler that returns without closing "
                 "the WebSocket. Clients should reconnect with backoff.")
               : N_ ("The client closed its socket without a close frame: the page or process "
                 "went away without calling close(), or its library failed the connection."),
             "The %s ended TCP without a close frame %s after the last frame, so the %s "
             "application saw 1006", side_str (ender), a, side_str (peer));
}

void
rule_abnormal (diag *d)
{
  const ws_conn *c = d->c;
  ending en;
  int64_t since = d->last_frame_us ? d->last_frame_us : (c->response_us ? c->response_us : c->start_us);
  int match, n_match;

  en.ender = c->tcp_end_by;
  en.t_end = d->tcp_end_us;
  en.idle = en.t_end - since;
  en.life = c->response_us ? en.t_end - c->response_us : -1;
  if (en.ender != WS_SIDE_CLIENT && en.ender != WS_SIDE_SERVER)
    en.ender = c->rst[WS_SIDE_SERVER] || c->fin[WS_SIDE_SERVER] ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
  en.peer = WS_OTHER_SIDE (en.ender);

  ending_facts (d, &en);
  if (keepalive_from_timeline (d, en.ender, en.t_end,
                               ws_ended_with_rst (c, en.ender) ? "RST, no close frame"
                                                               : "FIN, no close frame")
      || handler_failed (d, &en) || reset_mid_traffic (d, &en) || violation_then_end (d, &en))
    return;
  match = timeout_match (d, &en, &n_match);
  en.same = same_idle_count (d, en.idle, en.t_end, en.ender, &en.baseline);
  /* a known timeout matched by a silence that ordinary churn around it
   * matches as often: a coincidence unless the Server header confirms it */
  if (match >= 0 && en.same < SAME_IDLE_MIN && en.baseline >= BASELINE_MIN
      && !(known_timeouts[match].header && server_says (d, known_timeouts[match].header)))
    match = -1;
  ws_fmt_dur (en.idle_s, sizeof en.idle_s, en.idle);
  if (en.same >= SAME_IDLE_MIN)
    EV (d, en.t_end, "%zu connections to this server ended without a close frame after the "
        "same idle time (%s +- 1 s): a fixed timeout of that length on the path", en.same,
        en.idle_s);
  if (match >= 0)
    known_timeout (d, &en, match, n_match);
  else if (!keepalive_unanswered (d, &en) && !backend_dropped (d, &en)
           && !proxy_or_fixed_idle (d, &en) && !whole_second_idle (d, &en))
    reset_or_dropped (d, &en);
}
