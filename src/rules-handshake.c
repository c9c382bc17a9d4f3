/* rules-handshake.c - the opening handshake (RFC 6455 section 4): a refused
 * upgrade, a 101 the client had to fail (wrong Sec-WebSocket-Accept, an
 * extension or subprotocol it never offered, RFC 7692 parameters a response
 * must not carry), and an upgrade that got no answer. */
#include "diag-internal.h"
#include "http.h"
#include "handshake.h"
#include "strbuf.h"
#include "facts.h"
#include "software.h"


/* After a 101 the client gave up at once: no data, no pings. */
static bool
client_gave_up (const ws_conn *c)
{
  const ws_dir_stats *st = &c->dir[WS_SIDE_CLIENT];
  return st->messages == 0 && st->pings == 0 && st->pongs == 0 && st->open_message == 0;
}

static void
after_101_evidence (diag *d)
{
  const ws_conn *c = d->c;
  char a[48];
  if (c->close[WS_SIDE_CLIENT].seen)
    {
      const ws_close_info *ci = &c->close[WS_SIDE_CLIENT];
      ws_fmt_dur (a, sizeof a, ci->ts_us - c->response_us);
      EV (d, ci->ts_us, "the client sent close %d %s after the 101", ci->code, a);
    }
  if (c->tcp_end != WS_TCP_END_OPEN)
    {
      int64_t t = ws_first_end_us (c, c->tcp_end_by);
      ws_fmt_dur (a, sizeof a, t - c->response_us);
      EV (d, t, "the %s ended TCP (%s) %s after the 101%s", side_str (c->tcp_end_by),
          ws_ended_with_rst (c, c->tcp_end_by) ? "RST" : "FIN", a,
          c->close_initiator == WS_SIDE_NONE
            ? ws_tr (" without a close frame: the client application saw 1006") : "");
    }
}

/* What the request tells about why it was refused. */
static void
refusal_hints (diag *d)
{
  const ws_conn *c = d->c;

  switch (c->handshake_status)
    {
    case 401:
    case 403:
      if (c->origin)
        EV (d, 0, "the request's Origin was %s: compare it with the origins the server "
            "allows", c->origin);
      else
        EV (d, 0, "the request had no Origin header (not a browser): the refusal is "
            "about credentials or an access rule");
      break;
    case 404:
      EV (d, 0, "the requested path was %s", c->path ? c->path : "?");
      break;
    case 426:
    case 400:
      if (!c->ws_version || strcmp (c->ws_version, "13") != 0)
        EV (d, 0, "the request's Sec-WebSocket-Version was %s; servers expect 13",
            c->ws_version ? c->ws_version : ws_tr ("missing"));
      if (!c->ws_key)
        EV (d, 0, "the request had no Sec-WebSocket-Key");
      break;
    case 200:
      EV (d, 0, "a 200 means the upgrade never reached a WebSocket handler (a proxy "
          "that does not forward Upgrade/Connection, or a catch-all route)");
      break;
    default:
      break;
    }
}

/* Any status but 101: the server refused the upgrade. */
static void
handshake_refused (diag *d)
{
  const ws_conn *c = d->c;
  char a[48];

  const ws_code_info *e = ws_code_lookup_key (ws_code_handshake_key (c->handshake_status));
  char detail[32];
  g_snprintf (detail, sizeof detail, "http_%d", c->handshake_status);
  const char *fix = e->fix;
  /* the table's 403 fix compares the Origin: only when there was one */
  if (c->handshake_status == 403 && !c->origin)
    fix = N_("The request had no Origin header (not a browser), so an Origin check is not "
          "what refused it: check the credentials the server or a proxy in front of it "
          "expects (a cookie, a token in the query string or a header), IP allow lists "
          "and WAF rules, and their logs at that moment.");
  /* a proxy's 502/503/504 after its own connection attempts to a backend
   * were refused (RST to the SYN) while the client waited: the backend was
   * down (haproxy- and apache-backend-down.pcap) */
  int64_t rf_first = 0, rf_last = 0;
  size_t refused = 0;
  if (d->ix && c->request_us && c->response_us >= c->request_us
      && (c->handshake_status == 502 || c->handshake_status == 503
          || c->handshake_status == 504))
    refused = ws_conn_index_refused_from (d->ix, &c->addr[WS_SIDE_SERVER], c->request_us,
                                          c->response_us, &rf_first, &rf_last);
  if (refused)
    {
      char b[48], host[64];
      ws_fmt_dur (b, sizeof b, rf_last - rf_first);
      ws_addr_to_string (&c->addr[WS_SIDE_SERVER], host, sizeof host);
      EV (d, rf_first, "%zu connection attempt%s from %s (the host answering the upgrade) to "
          "its backend %s refused (RST to the SYN) while the client waited, over %s",
          refused, refused == 1 ? "" : "s", host, refused == 1 ? "was" : "were", b);
      set_cause (d, "backend_unavailable", detail, "high",
                 "Start the backend the proxy forwards to, or fix the proxy's backend address "
                 "and port (HAProxy: the server line of the backend; Apache: ProxyPass; nginx: "
                 "proxy_pass): nothing listened there. Health checks in the proxy take a dead "
                 "backend out of rotation.",
                 "The proxy answered the upgrade with HTTP %d%s%s because its backend refused "
                 "the connection (%zu attempt%s answered with RST): the backend was down",
                 c->handshake_status, c->handshake_reason ? " " : "",
                 c->handshake_reason ? c->handshake_reason : "", refused,
                 refused == 1 ? "" : "s");
    }
  else
    set_cause (d, "handshake_rejected", detail, "high", fix,
               "The server refused the WebSocket upgrade with HTTP %d%s%s, so no "
               "WebSocket connection was opened",
               c->handshake_status, c->handshake_reason ? " " : "",
               c->handshake_reason ? c->handshake_reason : "");
  if (c->request_us)
    EV (d, c->request_us, "client requested GET %s (Host %s%s%s, Sec-WebSocket-Version %s)",
        c->path ? c->path : "?", c->host ? c->host : "?",
        c->origin ? ", Origin " : "", c->origin ? c->origin : "",
        c->ws_version ? c->ws_version : ws_tr ("missing"));
  if (c->response_us && c->request_us)
    ws_fmt_dur (a, sizeof a, c->response_us - c->request_us);
  else
    g_snprintf (a, sizeof a, "?");
  EV (d, c->response_us, "server answered %d%s%s after %s%s%s",
      c->handshake_status, c->handshake_reason ? " " : "",
      c->handshake_reason ? c->handshake_reason : "", a,
      c->server_header ? ", Server: " : "", c->server_header ? c->server_header : "");
  refusal_hints (d);
}

/* A 101 with a wrong Sec-WebSocket-Accept: true when the client gave up. */
static bool
accept_mismatch (diag *d)
{
  const ws_conn *c = d->c;

  char *expect = c->ws_key ? ws_accept_compute (c->ws_key) : NULL;
  EV (d, c->response_us, "the 101's Sec-WebSocket-Accept is %s; for key %s it must be %s",
      c->ws_accept ? c->ws_accept : ws_tr ("(missing)"), c->ws_key ? c->ws_key : "?",
      expect ? expect : "?");
  g_free (expect);
  if (client_gave_up (c))
    {
      const ws_code_info *e = ws_code_lookup_key ("handshake-accept");
      set_cause (d, "handshake_accept_mismatch", NULL,
                 c->tcp_end_by == WS_SIDE_CLIENT ? "high" : "medium", e->fix,
                 "The server's 101 carried a wrong Sec-WebSocket-Accept, so the client "
                 "had to fail the connection and its application saw 1006");
      after_101_evidence (d);
      return true;
    }
  EV (d, 0, "the client went on despite the wrong Sec-WebSocket-Accept (a lax client)");
  return false;
}

/* A 101 with an extension or subprotocol the client never offered, or a
 * permessage-deflate parameter a response must not carry: true when the
 * client gave up. */
static bool
unrequested_in_101 (diag *d)
{
  const ws_conn *c = d->c;

  bool sub = c->handshake_problem_kind == WS_HS_UNREQUESTED_SUBPROTOCOL;
  const char *id = sub ? "handshake_unrequested_subprotocol"
                       : "handshake_unrequested_extension";
  const char *detail = c->handshake_problem_kind == WS_HS_BAD_EXTENSION_PARAM
                         ? "forbidden_parameter" : NULL;
  if (sub)
    EV (d, c->response_us, "the client offered subprotocols %s; the server chose %s",
        c->offered_subprotocols ? c->offered_subprotocols : ws_tr ("(none)"),
        c->accepted_subprotocol ? c->accepted_subprotocol : ws_tr ("(none)"));
  else
    EV (d, c->response_us, "the client offered extensions %s; the server answered %s",
        c->offered_extensions ? c->offered_extensions : ws_tr ("(none)"),
        c->accepted_extensions ? c->accepted_extensions : ws_tr ("(none)"));
  if (c->handshake_problem)
    EV (d, c->response_us, "problem in the 101: %s", c->handshake_problem);
  if (client_gave_up (c))
    {
      const ws_code_info *e =
        ws_code_lookup_key (sub ? "handshake-subprotocol" : "handshake-extension");
      if (sub)
        set_cause (d, id, detail, c->tcp_end_by == WS_SIDE_CLIENT ? "high" : "medium",
                   e->fix, "The server's 101 selected a subprotocol the client never "
                   "offered (%s), so the client failed the connection and its "
                   "application saw 1006",
                   c->accepted_subprotocol ? c->accepted_subprotocol : "?");
      else
        set_cause (d, id, detail, c->tcp_end_by == WS_SIDE_CLIENT ? "high" : "medium",
                   e->fix, "The server's 101 %s (%s), so the client failed the connection "
                   "and its application saw 1006",
                   detail ? ws_tr ("used a permessage-deflate parameter RFC 7692 forbids in a "
                            "response")
                          : ws_tr ("accepted an extension the client never offered"),
                   c->handshake_problem ? c->handshake_problem
                   : c->accepted_extensions ? c->accepted_extensions : "?");
      after_101_evidence (d);
      return true;
    }
  EV (d, 0, "the client went on despite the problem in the 101 (a lax client)");
  return false;
}

/* An upgrade request that no response answered. */
static void
no_response (diag *d)
{
  const ws_conn *c = d->c;

  if (c->tcp_end == WS_TCP_END_OPEN)
    set_cause (d, "still_open", "awaiting_101", "medium", NULL,
               "The client asked to upgrade and no answer came before the capture ended");
  else
    set_cause (d, "connection_dropped", "no_handshake_response", "medium",
               "Find why the server (or a proxy) did not answer the upgrade request: "
               "its logs at that time, a crash, a timeout on the way to the upstream.",
               "The client asked to upgrade but TCP ended before any HTTP response, so "
               "the client application saw 1006");
  EV (d, c->request_us, "client requested GET %s (Host %s); no response followed",
      c->path ? c->path : "?", c->host ? c->host : "?");
}

/* What the capture lacks of the handshake, and an attempt whose Upgrade or
 * Connection header is not what RFC 6455 4.1 requires: the header that was
 * wrong and who most likely changed it (Upgrade and Connection are
 * hop-by-hop: a proxy drops them unless told to pass them on).  Evidence
 * only, except for a refused attempt with such a header, whose cause it sets
 * (returns true). */
static bool
rule_handshake_capture (diag *d)
{
  const ws_conn *c = d->c;

  if (c->hs_cut[WS_SIDE_CLIENT])
    EV (d, c->request_us, "handshake cut by the snaplen (or lost) after %u bytes of the request: "
        "the fields after the cut are unknown", c->hs_cut[WS_SIDE_CLIENT]);
  if (c->hs_cut[WS_SIDE_SERVER])
    EV (d, c->response_us, "handshake cut by the snaplen (or lost) after %u bytes of the response: "
        "the fields after the cut are unknown", c->hs_cut[WS_SIDE_SERVER]);
  if (c->midstream && c->handshake_status >= 0 && !c->request_us)
    EV (d, c->response_us, "capture began after the request: the %d response was seen, the "
        "request (key, host, path, offers) was not, so the accept cannot be checked",
        c->handshake_status);
  if (!c->request_us || !c->req_headers_read || c->hs_cut[WS_SIDE_CLIENT])
    return false;

  bool up_ok = c->req_upgrade && ws_http_token_list_has (c->req_upgrade, "websocket");
  bool conn_ok = c->req_connection && ws_http_token_list_has (c->req_connection, "upgrade");
  if (up_ok && conn_ok)
    return false;

  ws_strbuf what;
  ws_strbuf_init (&what);
  if (!up_ok)
    ws_strbuf_printf (&what, c->req_upgrade ? ws_tr ("Upgrade: %s instead of websocket")
                                       : ws_tr ("no Upgrade header%s"), c->req_upgrade ? c->req_upgrade : "");
  if (!conn_ok)
    ws_strbuf_printf (&what, ws_tr ("%sConnection: %s instead of Upgrade"), up_ok ? "" : ws_tr (" and "),
                 c->req_connection ? c->req_connection : ws_tr ("(missing)"));
  const char *who = c->ws_key
    ? ws_tr ("a proxy between the client and the server that does not pass the hop-by-hop Upgrade "
      "and Connection headers on (the client sent Sec-WebSocket-Key, so it meant to upgrade; "
      "e.g. nginx without proxy_http_version 1.1 and proxy_set_header Upgrade/Connection)")
    : ws_tr ("the client or a proxy on the way (the request has no Sec-WebSocket-Key either)");
  EV (d, c->request_us, "the upgrade request reached the capture with %s: most likely changed "
      "by %s", what.str, who);
  if (c->handshake_status >= 0 && c->handshake_status != 101)
    {
      char detail[32];
      g_snprintf (detail, sizeof detail, "http_%d", c->handshake_status);
      set_cause (d, "handshake_rejected", detail, c->ws_key ? "high" : "medium",
                 "Make every proxy on the way pass the upgrade on: in nginx, "
                 "proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
                 "proxy_set_header Connection \"upgrade\"; in HAProxy and others, the "
                 "equivalent WebSocket setting. Then the server sees Upgrade: websocket and "
                 "Connection: Upgrade as the client sent them.",
                 "The server answered the WebSocket request with HTTP %d%s%s because it arrived "
                 "with %s, so no WebSocket connection was opened; most likely %s",
                 c->handshake_status, c->handshake_reason ? " " : "",
                 c->handshake_reason ? c->handshake_reason : "", what.str,
                 c->ws_key ? ws_tr ("a proxy dropped or rewrote these hop-by-hop headers")
                           : ws_tr ("the client or a proxy sent them so"));
      EV (d, c->response_us, "server answered %d%s%s%s%s", c->handshake_status,
          c->handshake_reason ? " " : "", c->handshake_reason ? c->handshake_reason : "",
          c->server_header ? ", Server: " : "", c->server_header ? c->server_header : "");
      ws_strbuf_clear (&what);
      return true;
    }
  ws_strbuf_clear (&what);
  return false;
}
bool
rule_handshake (diag *d)
{
  const ws_conn *c = d->c;

  if (rule_handshake_capture (d))
    return true;


  if (c->handshake_status >= 0 && c->handshake_status != 101)
    {
      handshake_refused (d);
      return true;
    }
  if (c->handshake_status == 101 && c->accept_valid == 0 && accept_mismatch (d))
    return true;
  if (c->handshake_status == 101 && c->handshake_problem_kind != WS_HS_OK
      && unrequested_in_101 (d))
    return true;
  if (c->handshake_status < 0 && c->request_us && !c->midstream
      && c->stage == WS_STAGE_HANDSHAKE)
    {
      no_response (d);
      return true;
    }
  return false;
}
