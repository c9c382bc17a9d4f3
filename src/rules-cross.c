/* rules-cross.c - what the connections around this one tell: the client
 * reconnecting (or not) after a close that asks for it, and close storms
 * (many connections closed by one server within a second: a restart). */
#include "diag-internal.h"
#include "facts.h"
#include "software.h"

#define STORM_MIN 5             /* closes by one server within a second: a storm */
#define STORM_RATIO 8.0         /* ... and this many times the server's rate around it */
#define STORM_TIGHT_US 200000   /* a burst this tight can be called with confidence */
#define REFUSED_AFTER_US (10 * US_PER_S) /* refused reconnects this soon after: the server was down
                                            (records are held 10 s: analyzer.c's hold_us) */

void
cross_connection (diag *d)
{
  const ws_conn *c = d->c;
  const ws_conn_index *ix = d->ix;
  char a[48], ip[64];
  if (!ix || !ws_conn_index_size (ix) || !d->end_us)
    return;

  /* reconnect by the same client to the same server or Host */
  const ws_conn_brief *next = ws_conn_index_next (ix, c, d->end_us);
  bool wants_reconnect = d->code == 1012 || d->code == 1013 || d->code == 1014
                         || (d->code == 1001 && d->closer == WS_SIDE_SERVER);
  if (next || wants_reconnect)
    ws_addr_to_string (&c->addr[WS_SIDE_CLIENT], ip, sizeof ip);
  if (next)
    {
      d->k->next_start_us = next->start_us;
      d->k->next_client_port = next->client_port;
      ws_fmt_dur (a, sizeof a, next->start_us - d->end_us);
      EV (d, next->start_us, "client %s reconnected after %s (from port %u)",
          ip, a, next->client_port);
      if (wants_reconnect)
        add_extra (d, "the client reconnected after %s", a);
    }
  else if (wants_reconnect)
    EV (d, 0, "no reconnect from client %s to this server in the connections analysed "
        "around it (the capture may have ended first)", ip);

  /* close storm: many connections closed by the same server within a second,
   * far more than that server's own rate of such closes around it (a busy
   * server ends connections all the time); rejected upgrades and
   * short-lived connections never count */
  bool me = c->close_initiator == WS_SIDE_SERVER
            || (c->close_initiator == WS_SIDE_NONE && c->tcp_end != WS_TCP_END_OPEN
                && c->tcp_end_by == WS_SIDE_SERVER);
  if (!me)
    return;
  ws_conn_brief self;
  ws_conn_brief_fill (&self, c);
  if (!ws_brief_storm_counts (&self))
    return;
  int64_t lo, hi;
  size_t around;
  size_t n = ws_conn_index_storm (ix, c, d->end_us, &lo, &hi, &around);
  /* the closes expected in a burst window at the rate around it */
  double expected = (double) around * (2.0 * WS_WINDOW_STORM_US)
                    / (2.0 * (WS_WINDOW_STORM_BASE_US - WS_WINDOW_STORM_US));
  if (n < STORM_MIN || (double) n < STORM_RATIO * expected)
    return;
  /* a restart is one-sided: when the clients ended about as many at the same
   * moment (the capture's end, a network event), it is not the server's */
  size_t by_clients = ws_conn_index_client_ends (ix, c, d->end_us);
  if ((double) n < STORM_RATIO / 2 * (double) by_clients)
    return;
  char srv[64];
  ws_addr_to_string (&c->addr[WS_SIDE_SERVER], srv, sizeof srv);
  ws_fmt_dur (a, sizeof a, hi - lo);
  EV (d, lo, "%zu connections to server %s:%u were closed by the server within %s of each "
      "other, against %zu such closes in the %d s around them: a restart, deploy or crash",
      n, srv, c->port[WS_SIDE_SERVER], a, around, (int) (WS_WINDOW_STORM_BASE_US / G_USEC_PER_SEC));
  if (!d->k->id || strcmp (d->k->id, "idle_timeout") != 0)
    set_detail (d, "close_storm");
  /* reconnects refused (RST to the SYN) right after: nothing listened on
   * the server's port, its process was down (restart-sigkill: 11 of them) */
  int64_t rf_first, rf_last;
  size_t refused = ws_conn_index_refused (ix, c, lo, hi + REFUSED_AFTER_US, &rf_first, &rf_last);
  if (refused)
    {
      ws_fmt_dur (a, sizeof a, rf_last - hi > 0 ? rf_last - hi : 0);
      EV (d, rf_first, "%zu connection attempt%s to %s:%u %s refused (RST to the SYN) within %s "
          "after: nothing listened on the port, the server process was down", refused,
          refused == 1 ? "" : "s", srv, c->port[WS_SIDE_SERVER], refused == 1 ? "was" : "were",
          a);
    }
  /* restart evidence: 1001/1012 from the server, or the server ending the
   * TCP of many long-lived connections at once with no close frame */
  bool restartish = d->code == 1001 || d->code == 1012 || d->code == 1006 || d->code == 1011;
  ws_fmt_dur (a, sizeof a, hi - lo);
  add_extra (d, "one of %zu connections the server closed within %s%s%s", n, a,
             restartish ? ws_tr (": the server restarted or was redeployed") : "",
             restartish && refused ? ws_tr (" (reconnects were refused while it was down)") : "");
  /* high only where the wire leaves no doubt: a tight burst with nothing
   * like it around */
  if (restartish && d->code == 1006 && n >= 2 * STORM_MIN && hi - lo <= STORM_TIGHT_US
      && around == 0 && refused > 0)
    d->k->confidence = "high";
  else if (d->code == 1006 && refused == 0 && strcmp (d->k->confidence, "high") == 0)
    lower_confidence (d, "medium");
}

