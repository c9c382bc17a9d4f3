/* diagnose.c - from the facts in one connection record (and brief summaries
 * of its neighbours) to the most likely cause of its end: an id from the
 * contract below, a one-sentence summary with the facts, a fix, an honest
 * confidence and evidence lines with timestamps.
 *
 * Order of the rules (the first that fits decides the id):
 *
 *   1. opening handshake    non-101 -> handshake_rejected
 *                           wrong Sec-WebSocket-Accept, extension/subprotocol
 *                           never offered -> handshake_* (when the client then
 *                           gave up; a lax client that carried on is noted)
 *   2. close frame on wire  code -> its cause (1000 normal_closure, ...,
 *                           3000-4999 application_code, others
 *                           invalid_close_code), each checked against what the
 *                           wire shows (violations for 1002/1007, sizes for
 *                           1009, extensions for 1010, pings for 1011)
 *   3. no close frame       peer_reset (RST mid-traffic), protocol_violation
 *                           (the ender had just received a bad frame),
 *                           idle_timeout (known proxy/LB timeouts, a fixed idle
 *                           time across connections, a proxy's FIN after
 *                           silence), keepalive_timeout (pings without pongs),
 *                           else connection_dropped
 *   4. still open           still_open
 *
 * Then, for every record: "failed the connection" (close frame, then TCP torn
 * down without waiting for the echo), libraries named by their reason
 * strings and headers, the timeline, reconnects and close storms from the
 * window, and a lower confidence when the capture has gaps.
 *
 * Cause ids (JSON contract): normal_closure endpoint_going_away
 * protocol_violation unsupported_data no_status idle_timeout peer_reset
 * connection_dropped invalid_payload policy_violation message_too_big
 * extension_not_negotiated server_internal_error keepalive_timeout
 * service_restart try_again_later bad_gateway handshake_rejected
 * handshake_accept_mismatch handshake_unrequested_extension
 * handshake_unrequested_subprotocol application_code invalid_close_code
 * still_open
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag-internal.h"

/* ---- the opening handshake -------------------------------------------------- */


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
            ? " without a close frame: the client application saw 1006" : "");
    }
}

static bool
rule_handshake (diag *d)
{
  ws_conn *c = d->c;
  char a[48];

  if (c->handshake_status >= 0 && c->handshake_status != 101)
    {
      const ws_code_info *e = ws_code_lookup_key (ws_code_handshake_key (c->handshake_status));
      char detail[32];
      g_snprintf (detail, sizeof detail, "http_%d", c->handshake_status);
      set_cause (d, "handshake_rejected", detail, "high", e->fix,
                 "The server refused the WebSocket upgrade with HTTP %d%s%s, so no "
                 "WebSocket connection was opened",
                 c->handshake_status, c->handshake_reason ? " " : "",
                 c->handshake_reason ? c->handshake_reason : "");
      if (c->request_us)
        EV (d, c->request_us, "client requested GET %s (Host %s%s%s, Sec-WebSocket-Version %s)",
            c->path ? c->path : "?", c->host ? c->host : "?",
            c->origin ? ", Origin " : "", c->origin ? c->origin : "",
            c->ws_version ? c->ws_version : "missing");
      if (c->response_us && c->request_us)
        ws_fmt_dur (a, sizeof a, c->response_us - c->request_us);
      else
        g_snprintf (a, sizeof a, "?");
      EV (d, c->response_us, "server answered %d%s%s after %s%s%s",
          c->handshake_status, c->handshake_reason ? " " : "",
          c->handshake_reason ? c->handshake_reason : "", a,
          c->server_header ? ", Server: " : "", c->server_header ? c->server_header : "");
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
                c->ws_version ? c->ws_version : "missing");
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
      return true;
    }

  if (c->handshake_status == 101 && c->accept_valid == 0)
    {
      char *expect = c->ws_key ? ws_accept_compute (c->ws_key) : NULL;
      EV (d, c->response_us, "the 101's Sec-WebSocket-Accept is %s; for key %s it must be %s",
          c->ws_accept ? c->ws_accept : "(missing)", c->ws_key ? c->ws_key : "?",
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
    }

  if (c->handshake_status == 101 && c->handshake_problem_kind != WS_HS_OK)
    {
      bool sub = c->handshake_problem_kind == WS_HS_UNREQUESTED_SUBPROTOCOL;
      const char *id = sub ? "handshake_unrequested_subprotocol"
                           : "handshake_unrequested_extension";
      const char *detail = c->handshake_problem_kind == WS_HS_BAD_EXTENSION_PARAM
                             ? "forbidden_parameter" : NULL;
      if (sub)
        EV (d, c->response_us, "the client offered subprotocols %s; the server chose %s",
            c->offered_subprotocols ? c->offered_subprotocols : "(none)",
            c->accepted_subprotocol ? c->accepted_subprotocol : "(none)");
      else
        EV (d, c->response_us, "the client offered extensions %s; the server answered %s",
            c->offered_extensions ? c->offered_extensions : "(none)",
            c->accepted_extensions ? c->accepted_extensions : "(none)");
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
                       detail ? "used a permessage-deflate parameter RFC 7692 forbids in a "
                                "response"
                              : "accepted an extension the client never offered",
                       c->handshake_problem ? c->handshake_problem
                       : c->accepted_extensions ? c->accepted_extensions : "?");
          after_101_evidence (d);
          return true;
        }
      EV (d, 0, "the client went on despite the problem in the 101 (a lax client)");
    }

  if (c->handshake_status < 0 && c->request_us && !c->midstream
      && c->stage == WS_STAGE_HANDSHAKE)
    {
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
      return true;
    }
  return false;
}

/* ---- one rule per close code ------------------------------------------------ */

static void
rule_going_away (diag *d)
{
  const ws_code_info *e = ws_code_lookup (1001);
  if (d->closer == WS_SIDE_CLIENT)
    {
      const char *sw = d->ua_software;
      bool browser = sw && (strstr (sw, "browser") || !strcmp (sw, "Firefox")
                            || !strcmp (sw, "Safari"));
      set_cause (d, "endpoint_going_away", "client_leaving", "high",
                 "Nothing to fix if users closed or left the page; if it happens while the "
                 "page stays open, look for unexpected reloads, redirects or a client app "
                 "shutting down.",
                 "The client went away (1001)%s",
                 browser ? ": the page was closed, reloaded or navigated away from"
                         : ": the client application or page was shutting down");
    }
  else
    set_cause (d, "endpoint_going_away", "server_shutdown", "high", e->fix,
               "The server is going away (1001): it was shutting down or restarting");
}

static void
rule_protocol_error (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  const ws_code_info *e = ws_code_lookup (1002);
  int64_t limit = ci->ts_us ? ci->ts_us + US_PER_S / 2 : 0;
  const ws_violation *v = ws_find_violation (c, d->other, NULL, 0, limit);

  if (v)
    {
      GString *fix = g_string_new (NULL);
      const char *why = "";
      if (v->kind == WS_VIOL_RSV_NOT_NEGOTIATED && !c->pmd.enabled
          && ws_str_has_ci (c->offered_extensions, "permessage-deflate"))
        {
          why = ": the client offered permessage-deflate and the 101 seen here did not "
                "accept it, yet frames arrive compressed, so something between the peers "
                "altered the handshake headers (a proxy removing Sec-WebSocket-Extensions)";
          g_string_append (fix, "Make every proxy between the peers pass "
                           "Sec-WebSocket-Extensions through unchanged in both directions, "
                           "or disable compression on both ends. ");
        }
      else if (v->kind == WS_VIOL_UNMASKED_CLIENT_FRAME)
        g_string_append (fix, "The client's WebSocket code does not mask its frames: "
                         "use a conforming client library. ");
      else if (v->kind == WS_VIOL_MASKED_SERVER_FRAME)
        g_string_append (fix, "The server's WebSocket code masks its frames: use a "
                         "conforming server library. ");
      if (v->kind != WS_VIOL_RSV_NOT_NEGOTIATED || !*why)
        g_string_append (fix, e->fix);
      set_cause (d, "protocol_violation", ws_violation_name (v->kind), "high", fix->str,
                 "The %s closed with 1002 Protocol Error after the %s sent %s%s",
                 side_str (d->closer), side_str (d->other), ws_violation_text (v->kind), why);
      g_string_free (fix, TRUE);
      violation_evidence (d, v);
      return;
    }
  if (ci->reason && *ci->reason)
    {
      char r[112];
      ws_short_reason (r, sizeof r, ci->reason, 80);
      set_cause (d, "protocol_violation", NULL, "medium", e->fix,
                 "The %s closed with 1002 Protocol Error (\"%s\"), but no violation by the %s "
                 "is visible in the capture", side_str (d->closer), r, side_str (d->other));
    }
  else
    set_cause (d, "protocol_violation", NULL, "low", e->fix,
               "The %s closed with 1002 Protocol Error without a reason, and no violation by "
               "the %s is visible in the capture (a stricter rule than RFC 6455, or a frame "
               "the capture missed)", side_str (d->closer), side_str (d->other));
}

static void
rule_unsupported (diag *d)
{
  const ws_dir_stats *st = &d->c->dir[d->other];
  set_cause (d, "unsupported_data", NULL, st->messages ? "high" : "medium",
             ws_code_lookup (1003)->fix,
             "The %s closed with 1003 Unsupported Data: it cannot take the type of data the "
             "%s sent (%" G_GUINT64_FORMAT " text and %" G_GUINT64_FORMAT " binary messages)",
             side_str (d->closer), side_str (d->other), st->text_messages,
             st->binary_messages);
  if (st->messages)
    EV (d, st->last_data_us, "the %s sent %" G_GUINT64_FORMAT " text and %" G_GUINT64_FORMAT
        " binary messages before the close", side_str (d->other), st->text_messages,
        st->binary_messages);
}

static void
rule_invalid_payload (diag *d)
{
  const ws_conn *c = d->c;
  static const ws_violation_kind kinds[] = {
    WS_VIOL_TEXT_NOT_UTF8, WS_VIOL_CLOSE_REASON_NOT_UTF8, WS_VIOL_INFLATE_ERROR
  };
  const ws_violation *v = ws_find_violation (c, d->other, kinds, G_N_ELEMENTS (kinds), 0);
  const ws_code_info *e = ws_code_lookup (1007);

  if (v)
    {
      char when[48] = "";
      if (v->ts_us && c->response_us && v->ts_us >= c->response_us)
        {
          ws_fmt_dur (when, sizeof when, v->ts_us - c->response_us);
        }
      set_cause (d, "invalid_payload", ws_violation_name (v->kind), "high", e->fix,
                 "The %s closed with 1007 after the %s sent %s at stream offset %"
                 G_GUINT64_FORMAT "%s%s%s", side_str (d->closer), side_str (d->other),
                 ws_violation_text (v->kind), v->offset, *when ? " (" : "", when,
                 *when ? " after the 101)" : "");
      violation_evidence (d, v);
      return;
    }
  const char *conf = "medium";
  if (c->pmd.enabled && c->dir[d->other].compressed_messages > 0 && !ws_limits_cfg.inflate)
    {
      conf = "low";
      EV (d, 0, "the %s's text was compressed and this run did not inflate it, so its UTF-8 "
          "was not checked (run wsclosed --inflate to check it)", side_str (d->other));
    }
  else if (!ws_limits_cfg.check_utf8 || (c->limits & WS_LIMIT_INFLATERS)
           || c->dir[d->other].inflate_capped)
    {
      conf = "low";
      EV (d, 0, "UTF-8 of the %s's messages was not (fully) checked in this run",
          side_str (d->other));
    }
  set_cause (d, "invalid_payload", NULL, conf, e->fix,
             "The %s closed with 1007 Invalid Frame Payload Data, but no invalid UTF-8 from "
             "the %s is visible in the capture (the receiver may check more, e.g. JSON)",
             side_str (d->closer), side_str (d->other));
}

static void
rule_policy (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  const ws_dir_stats *st = &c->dir[d->other];
  char r[112], a[48];
  ws_short_reason (r, sizeof r, ci->reason, 80);

  bool early = c->response_us && ci->ts_us - c->response_us < 2 * US_PER_S
               && st->messages <= 1;
  if (early)
    {
      ws_fmt_dur (a, sizeof a, ci->ts_us - c->response_us);
      EV (d, ci->ts_us, "the close came %s after the 101, after %" G_GUINT64_FORMAT
          " message(s) from the %s: typical of an authentication or Origin check",
          a, st->messages, side_str (d->other));
      if (c->origin)
        EV (d, c->request_us, "the request's Origin was %s", c->origin);
    }
  set_cause (d, "policy_violation", early ? "rejected_at_start" : NULL,
             *r ? "high" : "medium", ws_code_lookup (1008)->fix,
             "The %s closed with 1008 Policy Violation%s%s%s%s", side_str (d->closer),
             *r ? " (\"" : "", r, *r ? "\")" : "",
             early ? " right after the handshake" : "");
}

/* Default limits of common libraries, for bracketing a 1009. */
static const struct
{
  uint64_t limit;
  const char *what;
} size_limits[] = {
  { 1048576, "Python websockets' default max_size of 1 MiB" },
  { 104857600, "Node ws's default maxPayload of 100 MiB" },
  { 1000000, "Socket.IO's default maxHttpBufferSize of 1 MB" },
  { 16384, "uWebSockets' default maxPayloadLength of 16 KiB" },
  { 10485760, "Tornado's default websocket_max_message_size of 10 MiB" },
  { 65536, "Jetty's default max message size of 64 KiB" },
  { 8192, "Tomcat/Spring's default 8 KiB text message buffer" },
};

static bool
parse_u64 (const char *s, uint64_t *out, const char **end)
{
  char *e = NULL;
  if (!g_ascii_isdigit (*s))
    return false;
  *out = g_ascii_strtoull (s, &e, 10);
  *end = e;
  return e != s;
}

/* Python websockets: "over size limit (N > M bytes)" or "(? > M bytes)". */
static bool
parse_size_reason (const char *reason, uint64_t *n, uint64_t *m)
{
  const char *p = reason ? strstr (reason, "over size limit (") : NULL, *e;
  if (!p)
    return false;
  p += strlen ("over size limit (");
  *n = 0;
  if (*p == '?')
    p++;
  else if (!parse_u64 (p, n, &e))
    return false;
  else
    p = e;
  if (strncmp (p, " > ", 3) != 0)
    return false;
  return parse_u64 (p + 3, m, &e);
}

static void
rule_too_big (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  const ws_dir_stats *st = &c->dir[d->other];
  const ws_code_info *e = ws_code_lookup (1009);
  uint64_t rejected = 0, accepted = 0, rn = 0, rm = 0;
  bool lower_bound = false, have_bracket = false;
  const char *what = "message";
  char r1[64], r2[64], lim[64];
  GString *lead = g_string_new (NULL), *fix = g_string_new (NULL);
  const char *conf;
  /* compressed messages measured on the wire: the receiver limits their
   * decompressed size, which this run did not see */
  bool wire_sizes = c->pmd.enabled && st->compressed_messages > 0
                    && (!ws_limits_cfg.inflate || (c->limits & WS_LIMIT_INFLATERS));

  if (st->open_message > 0)
    {
      rejected = st->open_message;
      accepted = st->largest_message;
      lower_bound = true;
      have_bracket = true;
    }
  else if (st->messages > 0 && st->last_message > st->largest_before_last)
    {
      rejected = st->last_message;
      accepted = st->largest_before_last;
      have_bracket = true;
    }
  else if (st->largest_control > st->largest_message)
    {
      rejected = st->largest_control;
      accepted = st->largest_message;
      what = "control frame";
      have_bracket = true;
    }

  bool parsed = parse_size_reason (ci->reason, &rn, &rm);
  if (parsed)
    {
      ws_fmt_size (lim, sizeof lim, rm);
      if (rn)
        {
          ws_fmt_size (r1, sizeof r1, rn);
          EV (d, ci->ts_us, "the reason gives the exact numbers: %s received, over the %s's "
              "limit of %s", r1, side_str (d->closer), lim);
        }
      else
        EV (d, ci->ts_us, "the reason gives the %s's limit: %s (checked on the "
            "decompressed size)", side_str (d->closer), lim);
      if (rn && have_bracket && rejected != rn)
        {
          /* trust the reason; what we measured is then the accepted side */
          if (st->largest_control == rn)
            what = "control frame";
        }
      if (rn)
        rejected = rn;
      g_string_append_printf (lead, "The %s closed with 1009 Message Too Big: a %s%s%s "
                              "from the %s was over its limit of %s",
                              side_str (d->closer), what, rn ? " of " : "", rn ? r1 : "",
                              side_str (d->other), lim);
      g_string_append_printf (fix, "Raise the %s's limit above the largest message "
                              "you intend to send (python websockets: max_size=N, now %"
                              G_GUINT64_FORMAT "), or make the %s send smaller messages.",
                              side_str (d->closer), rm, side_str (d->other));
      conf = "high";
    }
  else if (have_bracket)
    {
      ws_fmt_size (r1, sizeof r1, rejected);
      ws_fmt_size (r2, sizeof r2, accepted);
      if (wire_sizes)
        {
          g_string_append_printf (lead, "The %s closed with 1009 Message Too Big after a %s "
                                  "of %s%s compressed from the %s (largest accepted %s "
                                  "compressed); the decompressed sizes, which the limit "
                                  "applies to, need --inflate", side_str (d->closer), what,
                                  lower_bound ? "at least " : "", r1, side_str (d->other), r2);
          conf = "medium";
        }
      else
        {
          g_string_append_printf (lead, "The %s closed with 1009 Message Too Big after a %s of "
                                  "%s%s from the %s; its limit lies between %s (largest "
                                  "accepted) and %s", side_str (d->closer), what,
                                  lower_bound ? "at least " : "", r1, side_str (d->other), r2, r1);
          conf = "high";
        }
    }
  else
    {
      ws_fmt_size (r2, sizeof r2, st->largest_message);
      g_string_append_printf (lead, "The %s closed with 1009 Message Too Big, but no message "
                              "from the %s larger than the others is visible (largest %s)",
                              side_str (d->closer), side_str (d->other), r2);
      conf = st->messages ? "medium" : "low";
    }

  if (have_bracket && !parsed)
    {
      EV (d, st->last_data_us ? st->last_data_us : st->last_frame_us,
          "towards the %s: largest accepted %s %s, rejected %s %s%s%s", side_str (d->closer),
          what, r2, what, lower_bound ? "at least " : "", r1,
          wire_sizes ? " (compressed sizes on the wire)" : "");
      size_t n_lib = 0;
      for (size_t i = 0; i < G_N_ELEMENTS (size_limits) && !wire_sizes; i++)
        if (size_limits[i].limit >= accepted && size_limits[i].limit < rejected)
          {
            EV (d, 0, "that bracket contains %s", size_limits[i].what);
            if (!n_lib)
              g_string_append_printf (lead, ", consistent with %s", size_limits[i].what);
            n_lib++;
          }
      if (n_lib > 1)
        g_string_append_printf (lead, " (or %zu other library defaults)", n_lib - 1);
      if (!n_lib && !wire_sizes)
        EV (d, 0, "no common library default lies in that bracket: the limit was set "
            "explicitly (gorilla/websocket has none unless SetReadLimit is called; browsers "
            "have none)");
    }
  if (wire_sizes)
    {
      EV (d, 0, "permessage-deflate is in use and messages were not inflated: sizes are "
          "compressed sizes on the wire, smaller than the decompressed sizes receivers limit "
          "(run wsclosed --inflate for those)");
      g_string_append (fix, "Run wsclosed --inflate on this capture for the decompressed "
                       "sizes. ");
    }
  else if (c->pmd.enabled)
    EV (d, 0, "permessage-deflate is in use: sizes are decompressed sizes, which is what "
        "receivers limit");
  if (d->closer == WS_SIDE_SERVER && server_says (d, "websockets/") && !parsed)
    g_string_append (fix, "The server is Python websockets: pass max_size=N to "
                     "websockets.serve() (default 1 MiB). ");
  if (!fix->len || !parsed)
    g_string_append (fix, e->fix);
  set_cause (d, "message_too_big", parsed ? "limit_in_reason" : have_bracket ? "bracketed" : NULL,
             conf, fix->str, "%s", lead->str);
  g_string_free (lead, TRUE);
  g_string_free (fix, TRUE);
}

/* Extension names of a Sec-WebSocket-Extensions value, lower-cased. */
static GPtrArray *
ext_names (const char *value)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  if (!value)
    return out;
  char **items = g_strsplit (value, ",", 32);
  for (char **it = items; *it; it++)
    {
      char *semi = strchr (*it, ';');
      if (semi)
        *semi = '\0';
      char *name = g_strstrip (*it);
      if (*name && out->len < 32)
        {
          bool dup = false;
          for (guint i = 0; i < out->len; i++)
            dup |= g_ascii_strcasecmp (out->pdata[i], name) == 0;
          if (!dup)
            g_ptr_array_add (out, g_ascii_strdown (name, -1));
        }
    }
  g_strfreev (items);
  return out;
}

static void
rule_mandatory_ext (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  const ws_code_info *e = ws_code_lookup (1010);
  GPtrArray *off = ext_names (c->offered_extensions);
  GPtrArray *acc = ext_names (c->accepted_extensions);
  GString *missing = g_string_new (NULL);
  char r[112];

  for (guint i = 0; i < off->len; i++)
    {
      bool found = false;
      for (guint j = 0; j < acc->len; j++)
        found |= strcmp (off->pdata[i], acc->pdata[j]) == 0;
      if (!found)
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "",
                                (const char *) off->pdata[i]);
    }
  ws_short_reason (r, sizeof r, ci->reason, 80);
  EV (d, c->request_us, "the client offered extensions: %s",
      c->offered_extensions ? c->offered_extensions : "(none)");
  EV (d, c->response_us, "the 101 accepted: %s",
      c->accepted_extensions ? c->accepted_extensions : "(none)");
  if (*r)
    EV (d, ci->ts_us, "the close reason names what the client requires: \"%s\"", r);

  if (missing->len)
    {
      bool reason_agrees = *r && ws_str_has_ci (r, off->len ? (const char *) off->pdata[0] : "");
      GString *fix = g_string_new (NULL);
      g_string_append_printf (fix, "Enable %s on the server ", missing->str);
      if (ws_str_has_ci (missing->str, "permessage-deflate"))
        g_string_append (fix, "(python websockets: compression=\"deflate\", the default; "
                         "Node ws: perMessageDeflate: true; gorilla: "
                         "Upgrader.EnableCompression = true) ");
      g_string_append (fix, "and make sure no proxy strips Sec-WebSocket-Extensions; or "
                       "make the extension optional on the client.");
      set_cause (d, "extension_not_negotiated", NULL,
                 d->closer == WS_SIDE_CLIENT || reason_agrees ? "high" : "medium", fix->str,
                 "The %s closed with 1010 Mandatory Extension because the server did not "
                 "accept %s, which the client offered", side_str (d->closer), missing->str);
      g_string_free (fix, TRUE);
    }
  else if (!c->offered_extensions && (c->midstream || c->request_us == 0))
    set_cause (d, "extension_not_negotiated", NULL, "medium", e->fix,
               "The %s closed with 1010 Mandatory Extension%s%s%s; the handshake was not "
               "captured, so the missing extension cannot be checked", side_str (d->closer),
               *r ? " (\"" : "", r, *r ? "\")" : "");
  else
    set_cause (d, "extension_not_negotiated", NULL, "medium", e->fix,
               "The %s closed with 1010 Mandatory Extension%s%s%s although the server "
               "accepted every extension the client offered", side_str (d->closer),
               *r ? " (\"" : "", r, *r ? "\")" : "");
  if (d->closer == WS_SIDE_SERVER)
    EV (d, ci->ts_us, "1010 is meant for clients; a server that needs an extension should "
        "fail the handshake instead");
  g_ptr_array_unref (off);
  g_ptr_array_unref (acc);
  g_string_free (missing, TRUE);
}

static void
rule_internal_error (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  const ws_dir_stats *p = &c->dir[d->closer], *o = &c->dir[d->other];
  const ws_code_info *e = ws_code_lookup (1011);
  char a[48], b[48];

  if (ci->reason && (ws_str_has_ci (ci->reason, "ping timeout") || ws_str_has_ci (ci->reason, "keepalive")
                     || ws_str_has_ci (ci->reason, "pong")))
    {
      const char *fix = "The peer did not answer a ping in time: look for a blocked event "
                        "loop or long synchronous work on the peer, a congested link, or "
                        "raise the ping timeout (python websockets: ping_timeout, default "
                        "20 s; or ping_interval=None to turn keepalive off).";
      if (p->pings && ws_ping_unanswered (c, d->closer))
        {
          ws_fmt_dur (a, sizeof a, ci->ts_us - p->last_ping_us);
          EV (d, p->last_ping_us, "the %s's last ping got no pong; it closed %s later",
              side_str (d->closer), a);
          int64_t gap = ci->ts_us - p->last_ping_us;
          if (gap > 19 * US_PER_S && gap < 21 * US_PER_S)
            EV (d, 0, "%s matches Python websockets' default ping_timeout of 20 s", a);
          if (o->last_frame_us)
            {
              ws_fmt_dur (b, sizeof b, ci->ts_us - o->last_frame_us);
              EV (d, o->last_frame_us, "nothing arrived from the %s for %s before the close",
                  side_str (d->other), b);
            }
          set_cause (d, "keepalive_timeout", "ping_unanswered", "high", fix,
                     "The %s's keepalive gave up: its ping got no pong from the %s within %s, "
                     "so it closed with 1011", side_str (d->closer), side_str (d->other), a);
          return;
        }
      if (p->pings)
        {
          ws_fmt_dur (a, sizeof a, o->last_pong_us - p->last_ping_us);
          EV (d, o->last_pong_us, "a pong from the %s did arrive %s after the %s's last ping",
              side_str (d->other), a, side_str (d->closer));
          set_cause (d, "keepalive_timeout", "pong_late", "low", fix,
                     "The %s closed with 1011 claiming a keepalive timeout, but a pong from "
                     "the %s is visible (late, or lost between the capture point and the %s)",
                     side_str (d->closer), side_str (d->other), side_str (d->closer));
          return;
        }
      set_cause (d, "keepalive_timeout", NULL, "medium", fix,
                 "The %s closed with 1011 for a keepalive timeout; its pings are not in the "
                 "capture (sent before it began, or over a path not captured)",
                 side_str (d->closer));
      return;
    }
  char r[112];
  ws_short_reason (r, sizeof r, ci->reason, 80);
  set_cause (d, "server_internal_error", NULL, "high", e->fix,
             "The %s closed with 1011 Internal Error%s%s%s: it hit an unexpected condition, "
             "most likely an unhandled exception while handling a message",
             side_str (d->closer), *r ? " (\"" : "", r, *r ? "\")" : "");
  if (d->closer == WS_SIDE_SERVER && server_says (d, "websockets/") && !*r)
    EV (d, ci->ts_us, "Python websockets sends 1011 without a reason when the connection "
        "handler raises: look for \"connection handler failed\" in the server's log");
  if (o->last_data_us && o->last_data_us <= ci->ts_us)
    {
      ws_fmt_dur (a, sizeof a, ci->ts_us - o->last_data_us);
      EV (d, o->last_data_us, "the %s's last message arrived %s before the close: likely the "
          "one being processed", side_str (d->other), a);
    }
}

static void
rule_application (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  const ws_code_info *e = ws_code_lookup (ci->code);
  char r[112];
  ws_short_reason (r, sizeof r, ci->reason, 80);
  const char *detail = ci->code == 3000 ? "unauthorized"
                       : ci->code == 3003 ? "forbidden"
                       : ci->code == 3008 ? "timeout"
                       : ci->code < 4000 ? "registered" : "private";
  bool named = !strchr (e->key, '-');

  set_cause (d, "application_code", detail, named || *r ? "high" : "medium", e->fix,
             "The %s closed with application code %d%s%s%s%s%s%s", side_str (d->closer),
             ci->code, named ? " " : "", named ? e->name : "", named ? "" : "",
             *r ? ", reason \"" : "", r, *r ? "\"" : "");
  const char *sub = c->accepted_subprotocol;
  if (sub && ws_str_has_ci (sub, "graphql"))
    {
      static const struct { int code; const char *name; } gql[] = {
        { 4400, "Bad Request" }, { 4401, "Unauthorized" }, { 4403, "Forbidden" },
        { 4406, "Subprotocol not acceptable" }, { 4408, "Connection initialisation timeout" },
        { 4409, "Subscriber already exists" }, { 4429, "Too many initialisation requests" },
        { 4500, "Internal server error" },
      };
      for (size_t i = 0; i < G_N_ELEMENTS (gql); i++)
        if (gql[i].code == ci->code)
          EV (d, ci->ts_us, "in the GraphQL over WebSocket protocol (subprotocol %s), %d "
              "means %s", sub, ci->code, gql[i].name);
    }
  else if (sub)
    EV (d, 0, "the subprotocol %s defines what %d means", sub, ci->code);
}

/* ---- no close frame (1006) ------------------------------------------------- */

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
  { 15, BASIS_BOTH, "envoy_route_timeout", "Envoy's default 15 s route timeout", "envoy",
    "Disable the route timeout for WebSocket routes in Envoy/Istio (route timeout: 0s) and "
    "set an explicit idle_timeout; send pings more often than the shortest timeout." },
  { 30, BASIS_LIFETIME, "lifetime_30s",
    "a 30 s connection lifetime cap (e.g. a Google Cloud load balancer's backend service "
    "timeout, 30 s by default)", NULL,
    "Raise the lifetime limit on the load balancer or proxy (Google Cloud: the backend "
    "service timeout) to how long connections should live, and let clients reconnect." },
  { 55, BASIS_IDLE, "heroku_router", "the Heroku router's 55 s idle timeout", "cowboy",
    "Heroku's 55 s window cannot be changed: send a ping or message at least every 30 s." },
  { 60, BASIS_IDLE, "nginx_proxy_read_timeout", "nginx's proxy_read_timeout (default 60 s)",
    "nginx",
    "In the nginx location that proxies the WebSocket, set proxy_read_timeout (and "
    "proxy_send_timeout) above the longest silence, e.g. 3600s, or send pings every 30 s." },
  { 60, BASIS_IDLE, "aws_alb_idle_timeout", "the AWS ALB/ELB idle timeout (default 60 s)",
    "awselb",
    "Raise the load balancer attribute idle_timeout.timeout_seconds (up to 4000 s) or send "
    "pings every 30 s." },
  { 100, BASIS_IDLE, "cloudflare_idle", "Cloudflare's 100 s idle timeout for proxied "
    "WebSockets", "cloudflare",
    "Send a ping or message more often than every 100 s (Cloudflare's limit is fixed on most "
    "plans)." },
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
static size_t
same_idle_count (diag *d, int64_t idle_us)
{
  if (!d->w || !d->w->index || idle_us < WS_WINDOW_SAME_IDLE_FLOOR_US)
    return 0;
  return ws_conn_index_same_idle (d->w->index, d->c, idle_us);
}

/* The other leg of a proxy: a connection that ended without a close frame at
 * the same moment and after the same silence, torn down by the same host
 * (this one's ender is that one's ender, on the other side). */
static const ws_conn_brief *
proxy_other_leg (diag *d, ws_side ender, int64_t t_end, int64_t idle)
{
  if (!d->w || !d->w->index || idle < US_PER_S)
    return NULL;
  return ws_conn_index_other_leg (d->w->index, d->c, ender, t_end, idle);
}

static void
rule_abnormal (diag *d)
{
  const ws_conn *c = d->c;
  const ws_code_info *e = ws_code_lookup (1006);
  ws_side ender = c->tcp_end_by;
  char a[48], b[48];
  int64_t t_end = d->tcp_end_us;
  int64_t since = d->last_frame_us ? d->last_frame_us : (c->response_us ? c->response_us : c->start_us);
  int64_t idle = t_end - since;
  int64_t life = c->response_us ? t_end - c->response_us : -1;

  if (ender != WS_SIDE_CLIENT && ender != WS_SIDE_SERVER)
    ender = c->rst[WS_SIDE_SERVER] || c->fin[WS_SIDE_SERVER] ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
  ws_side peer = WS_OTHER_SIDE (ender);

  /* the facts every 1006 gets */
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

  /* 1. a reset while traffic was flowing */
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
                   ? "Look at the server process at that moment: crash logs, the OOM killer, "
                     "a deploy or kill -9, or code that closes sockets with SO_LINGER 0. "
                     "Clients should reconnect with backoff."
                   : "Look at the client at that moment: a killed or crashed process, or a "
                     "network change (mobile switching networks, VPN reconnect).",
                 "The %s reset the connection mid-traffic (%s after the last frame) without a "
                 "close frame, so the %s application saw 1006%s",
                 side_str (r), a, side_str (WS_OTHER_SIDE (r)),
                 after_fin ? "; its process had exited (FIN, then RST to the data that kept "
                             "arriving)" : "");
      return;
    }

  /* 2. the ender had just received something it could not accept */
  const ws_violation *v = ws_find_violation (c, peer, NULL, 0, t_end);
  if (v && t_end - v->ts_us <= MID_TRAFFIC_US)
    {
      violation_evidence (d, v);
      set_cause (d, "protocol_violation", ws_violation_name (v->kind), "medium",
                 ws_code_lookup (1002)->fix,
                 "The %s ended TCP without a close frame right after the %s sent %s: it most "
                 "likely failed the connection over that violation", side_str (ender),
                 side_str (peer), ws_violation_text (v->kind));
      return;
    }

  /* 3. a known proxy or load balancer timeout */
  int match = -1, n_match = 0;
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
      n_match++;
      if (confirmed)
        break;
    }
  size_t same = same_idle_count (d, idle);
  ws_fmt_dur (a, sizeof a, idle);
  if (same >= SAME_IDLE_MIN)
    EV (d, t_end, "%zu connections to this server ended without a close frame after the "
        "same idle time (%s +- 1 s): a fixed timeout of that length on the path", same, a);
  if (match >= 0)
    {
      bool confirmed = known_timeouts[match].header
                       && server_says (d, known_timeouts[match].header);
      bool ambiguous = n_match > 1 && !confirmed;
      bool lifetime = known_timeouts[match].basis == BASIS_LIFETIME
                      || (known_timeouts[match].basis == BASIS_BOTH
                          && !near (idle, known_timeouts[match].seconds));
      ws_fmt_dur (b, sizeof b, lifetime ? life : idle);
      EV (d, t_end, "%s %s matches %s", lifetime ? "lifetime since the 101" : "silence of", b,
          known_timeouts[match].name);
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
                   lifetime ? "since the 101" : "of silence", known_timeouts[match].name,
                   side_str (ender));
      return;
    }

  /* 4. keepalive: pings that got no answer */
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
      return;
    }

  /* 5./6. a proxy that closes both legs at once, and the same idle time
   * across connections: a fixed timeout on the path */
  const char *proxy = d->server_software;
  bool is_proxy = d->server_is_proxy;
  const ws_conn_brief *leg = ender == WS_SIDE_CLIENT || ender == WS_SIDE_SERVER
                               ? proxy_other_leg (d, ender, t_end, idle) : NULL;
  if (same >= SAME_IDLE_MIN)
    {
      char detail[32], at[96] = "";
      g_snprintf (detail, sizeof detail, "fixed_%llds",
                  (long long) ((idle + US_PER_S / 2) / US_PER_S));
      if (leg && !ws_ended_with_rst (c, ender))
        {
          char host[64], lc[64];
          ws_addr_to_string (&c->addr[ender], host, sizeof host);
          ws_addr_to_string (&leg->client, lc, sizeof lc);
          EV (d, leg->end_us, "the connection from %s:%u ended at the same moment after the "
              "same silence, torn down by the same host %s from its other side: %s is a proxy "
              "closing both legs", lc, leg->client_port, host, host);
          g_snprintf (at, sizeof at, " (the proxy at %s%s%s%s, which closed both legs)", host,
                      is_proxy ? ", " : "", is_proxy ? proxy : "", "");
        }
      set_cause (d, "idle_timeout", detail, leg || is_proxy ? "high" : "medium",
                 "Find the proxy, load balancer or firewall on the path with a timeout of "
                 "that length and raise it, or send pings more often than that.",
                 "The connection ended without a close frame after %s of silence, like %zu "
                 "other connections to the same server or Host: a fixed idle timeout of that "
                 "length on the path%s",
                 a, same - 1, at);
      return;
    }

  if (leg && !ws_ended_with_rst (c, ender))
    {
      char host[64], lc[64];
      ws_addr_to_string (&c->addr[ender], host, sizeof host);
      ws_addr_to_string (&leg->client, lc, sizeof lc);
      EV (d, leg->end_us, "the connection from %s:%u ended at the same moment after the "
          "same silence, torn down by the same host %s from its other side: %s is a proxy "
          "closing both legs", lc, leg->client_port, host, host);
      char who[96];
      if (is_proxy)
        g_snprintf (who, sizeof who, "%s (%s)", host, proxy);
      else
        g_snprintf (who, sizeof who, "%s", host);
      set_cause (d, "idle_timeout", "proxy_idle", is_proxy ? "high" : "medium",
                 "Raise the proxy's timeout for upgraded connections above the longest "
                 "silence (nginx: proxy_read_timeout and proxy_send_timeout in the WebSocket "
                 "location), or send pings more often than it.",
                 "The proxy at %s closed this connection and its other leg at the same "
                 "moment after %s of silence: its idle timeout, set to about %s, and the "
                 "applications saw 1006", who, a, a);
      return;
    }
  if (is_proxy && ender == WS_SIDE_SERVER && !ws_ended_with_rst (c, ender)
      && idle >= US_PER_S && !c->dir[0].open_message && !c->dir[1].open_message)
    {
      set_cause (d, "idle_timeout", "proxy_idle", "low",
                 "Check the proxy's timeout for upgraded connections (nginx: "
                 "proxy_read_timeout) and set it above the longest silence, or send pings "
                 "more often.",
                 "The %s in front of the server ended TCP without a close frame after %s of "
                 "silence: consistent with its idle timeout set to about %s", proxy, a, a);
      return;
    }

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
               ? "The server closed its socket without a close frame: check for a process "
                 "exit or restart at that time, or a handler that returns without closing "
                 "the WebSocket. Clients should reconnect with backoff."
               : "The client closed its socket without a close frame: the page or process "
                 "went away without calling close(), or its library failed the connection.",
             "The %s ended TCP without a close frame %s after the last frame, so the %s "
             "application saw 1006", side_str (ender), a, side_str (peer));
}

/* ---- close frames --------------------------------------------------------- */

static void
rule_close_code (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];

  /* the close frame itself may be the violation (258-byte close, 1-byte body) */
  static const ws_violation_kind self_kinds[] = {
    WS_VIOL_CONTROL_TOO_LONG, WS_VIOL_CONTROL_FRAGMENTED, WS_VIOL_CLOSE_ONE_BYTE,
  };
  const ws_violation *sv = ws_find_violation (c, d->closer, self_kinds, G_N_ELEMENTS (self_kinds),
                                           ci->ts_us);
  if (sv && ci->ts_us - sv->ts_us > US_PER_S)
    sv = NULL;
  if (ci->payload_len == 1 || (sv && !c->close[d->other].seen))
    {
      ws_violation_kind k = sv ? sv->kind : WS_VIOL_CLOSE_ONE_BYTE;
      char code[24];
      if (ci->code >= 0)
        g_snprintf (code, sizeof code, "code %d", ci->code);
      else
        g_snprintf (code, sizeof code, "a close frame");
      if (sv)
        violation_evidence (d, sv);
      set_cause (d, "protocol_violation", ws_violation_name (k), "medium",
                 ws_code_lookup (1002)->fix,
                 "The %s's close frame itself broke RFC 6455 (%s, %zu-byte payload); the %s "
                 "%s, so it most likely failed the connection and its application saw 1002 "
                 "or 1006 although %s was on the wire", side_str (d->closer),
                 ws_violation_text (k), ci->payload_len, side_str (d->other),
                 c->close[d->other].seen ? "answered" : "did not answer it", code);
      return;
    }
  if (sv)
    {
      violation_evidence (d, sv);
      EV (d, sv->ts_us, "the %s tolerated the malformed close frame and echoed it",
          side_str (d->other));
    }

  if (ci->code < 0)
    {
      set_cause (d, "no_status", NULL, "high", ws_code_lookup (1005)->fix,
                 "The %s closed on purpose without giving a code (empty close frame, 1005 "
                 "to the %s application)", side_str (d->closer), side_str (d->other));
      return;
    }

  const ws_code_info *info = ws_code_lookup (ci->code);
  if (!info->on_wire)
    {
      const char *detail = ci->code < 1000 ? "below_1000"
                           : ci->code <= 1015 ? "reserved_code"
                           : ci->code < 3000 ? "reserved_range" : "above_4999";
      set_cause (d, "invalid_close_code", detail, "high",
                 strchr (info->key, '-') ? info->fix
                 : "Fix the sender: 1004, 1005, 1006 and 1015 are reserved (1005/1006/1015 "
                   "only report local events) and must never be sent; use 1000 for a normal "
                   "end, 1001 when going away, 1008 for a policy reason, or 4000-4999 for "
                   "application meanings. A strict receiver answers with 1002.",
                 "The %s sent close code %d, which must not appear on the wire (%s)",
                 side_str (d->closer), ci->code, info->name);
      if (c->close[d->other].seen)
        EV (d, c->close[d->other].ts_us, "the %s answered with close %d%s", side_str (d->other),
            c->close[d->other].code,
            c->close[d->other].code == 1002 ? " (protocol error, as RFC 6455 requires)" : "");
      return;
    }

  switch (ci->code)
    {
    case 1000:
      set_cause (d, "normal_closure", NULL, "high", info->fix,
                 "The %s closed the connection normally", side_str (d->closer));
      break;
    case 1001: rule_going_away (d); break;
    case 1002: rule_protocol_error (d); break;
    case 1003: rule_unsupported (d); break;
    case 1007: rule_invalid_payload (d); break;
    case 1008: rule_policy (d); break;
    case 1009: rule_too_big (d); break;
    case 1010: rule_mandatory_ext (d); break;
    case 1011: rule_internal_error (d); break;
    case 1012:
      set_cause (d, "service_restart", NULL, "high", info->fix,
                 "The %s announced a restart with 1012 Service Restart", side_str (d->closer));
      break;
    case 1013:
      set_cause (d, "try_again_later", NULL, "high", info->fix,
                 "The %s asked the %s to try again later (1013): a temporary condition such "
                 "as overload", side_str (d->closer), side_str (d->other));
      break;
    case 1014:
      set_cause (d, "bad_gateway", NULL, "high", info->fix,
                 "The %s, acting as a gateway, closed with 1014 Bad Gateway: its upstream "
                 "failed or answered with something invalid", side_str (d->closer));
      break;
    default:
      if (ci->code >= 3000 && ci->code <= 4999)
        rule_application (d);
      else
        set_cause (d, "invalid_close_code", "unassigned", "high", info->fix,
                   "The %s sent close code %d, which is not assigned", side_str (d->closer),
                   ci->code);
      break;
    }
}

/* A side that sent a close frame and tore TCP down without the echo. */
static void
failed_connection_check (diag *d)
{
  const ws_conn *c = d->c;
  if (d->closer == WS_SIDE_NONE)
    return;
  ws_side i = d->closer, o = d->other;
  const ws_close_info *ci = &c->close[i], *echo = &c->close[o];
  char a[48];
  char code[16];
  if (ci->code >= 0)
    g_snprintf (code, sizeof code, "%d", ci->code);
  else
    g_snprintf (code, sizeof code, "an empty close");

  if (c->tcp_end != WS_TCP_END_OPEN && c->tcp_end_by == i)
    {
      bool rst_early = c->rst[i] && (!echo->seen || c->rst_us[i] < echo->ts_us);
      bool fin_no_echo = c->fin[i] && !echo->seen;
      if (rst_early || fin_no_echo)
        {
          int64_t t = rst_early ? c->rst_us[i] : c->fin_us[i];
          ws_fmt_dur (a, sizeof a, t - ci->ts_us);
          EV (d, t, "the %s sent %s %s after its close frame without waiting for the %s's "
              "echo: it failed the connection", side_str (i), rst_early ? "RST" : "FIN", a,
              side_str (o));
          add_extra (d, "the %s failed the connection (%s right after its close frame), so "
                     "the %s application most likely saw 1006 although %s was on the wire",
                     side_str (i), rst_early ? "RST" : "FIN", side_str (o), code);
          return;
        }
    }
  if (!echo->seen && c->tcp_end != WS_TCP_END_OPEN && c->tcp_end_by == o)
    {
      int64_t t = ws_first_end_us (c, o);
      ws_fmt_dur (a, sizeof a, t - ci->ts_us);
      EV (d, t, "the %s ended TCP %s after the close frame without echoing it; the %s's "
          "library may report 1006 (no close frame received) although it sent %s",
          side_str (o), a, side_str (i), code);
    }
}

/* ---- across connections ----------------------------------------------------- */

static void
cross_connection (diag *d)
{
  const ws_conn *c = d->c;
  const ws_conn_index *ix = d->w ? d->w->index : NULL;
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
      ws_fmt_dur (a, sizeof a, next->start_us - d->end_us);
      EV (d, next->start_us, "client %s reconnected after %s (from port %u)",
          ip, a, next->client_port);
      if (wants_reconnect)
        add_extra (d, "the client reconnected after %s", a);
    }
  else if (wants_reconnect)
    EV (d, 0, "no reconnect from client %s to this server in the connections analysed "
        "around it (the capture may have ended first)", ip);

  /* close storm: many connections closed by the same server within a second */
  bool me = c->close_initiator == WS_SIDE_SERVER
            || (c->close_initiator == WS_SIDE_NONE && c->tcp_end != WS_TCP_END_OPEN
                && c->tcp_end_by == WS_SIDE_SERVER);
  if (!me)
    return;
  int64_t lo, hi;
  size_t n = ws_conn_index_storm (ix, c, d->end_us, &lo, &hi);
  if (n < STORM_MIN)
    return;
  char srv[64];
  ws_addr_to_string (&c->addr[WS_SIDE_SERVER], srv, sizeof srv);
  ws_fmt_dur (a, sizeof a, hi - lo);
  EV (d, lo, "%zu connections to server %s:%u were closed by the server within %s of each "
      "other: a restart, deploy or crash", n, srv, c->port[WS_SIDE_SERVER], a);
  if (!d->k->id || strcmp (d->k->id, "idle_timeout") != 0)
    set_detail (d, "close_storm");
  bool restartish = d->code == 1001 || d->code == 1012 || d->code == 1006 || d->code == 1011;
  add_extra (d, "one of %zu connections the server closed within %s%s", n, a,
             restartish ? ": the server restarted or was redeployed" : "");
  if (restartish && d->code == 1006)
    d->k->confidence = "high";
}

/* ---- entry points ---------------------------------------------------------- */

void
ws_diagnose (ws_conn *c, const ws_conn_window *w)
{
  diag d;                 /* each field set below: the texts' room stays as is */

  ws_cause_clear (&c->cause);
  d.c = c;
  d.w = w;
  d.k = &c->cause;
  d.no_evidence = w && w->no_evidence;
  d.ua_software = d.server_software = NULL;
  d.server_is_proxy = false;
  d.server_lc_made = false;
  ws_strbuf_init (&d.server_lc);
  ws_strbuf_init (&d.lead);
  ws_strbuf_init (&d.extra);
  d.code = ws_conn_close_code (c);
  d.closer = c->close_initiator;
  if (d.closer != WS_SIDE_CLIENT && d.closer != WS_SIDE_SERVER)
    d.closer = WS_SIDE_NONE;
  else if (!c->close[d.closer].seen)
    d.closer = WS_SIDE_NONE;
  d.other = d.closer == WS_SIDE_NONE ? WS_SIDE_NONE : WS_OTHER_SIDE (d.closer);
  d.end_us = ws_end_moment (c);
  d.tcp_end_us = c->tcp_end != WS_TCP_END_OPEN ? ws_first_end_us (c, c->tcp_end_by) : 0;
  if (c->tcp_end != WS_TCP_END_OPEN && !d.tcp_end_us)
    d.tcp_end_us = c->end_us;
  d.last_frame_us = ws_last_frame_us (c);
  if (c->user_agent)
    d.ua_software = ws_software_name (ws_software_of (c->user_agent));
  if (c->server_header)
    {
      int sw = ws_software_of (c->server_header);
      d.server_software = ws_software_name (sw);
      d.server_is_proxy = ws_software_is_proxy (sw);
    }

  if (!rule_handshake (&d))
    {
      if (d.closer != WS_SIDE_NONE)
        rule_close_code (&d);
      else if (c->tcp_end != WS_TCP_END_OPEN)
        rule_abnormal (&d);
      else
        {
          int64_t last = d.last_frame_us ? d.last_frame_us : c->response_us;
          set_cause_fields (&d, "still_open", NULL, "high", NULL);
          ws_strbuf_add_str (&d.lead, "The connection was still open when the capture ended (last "
                    "frame ");
          ws_strbuf_add_dur (&d.lead, c->end_us && last && c->end_us >= last ? c->end_us - last : 0);
          ws_strbuf_add_str (&d.lead, " before the last packet seen)");
        }
      failed_connection_check (&d);
    }

  library_evidence (&d);
  timeline_evidence (&d);
  cross_connection (&d);
  quality_evidence (&d);

  /* one sentence: what happened (the facts: close frames, TCP end); extras */
  ws_strbuf *s = &d.lead;
  ws_strbuf_add_str (s, " (");
  if (c->handshake_status == 101 || c->midstream
      || (c->handshake_status < 0 && c->stage == WS_STAGE_FRAMES))
    close_facts (&d, s);
  tcp_facts (&d, s);
  ws_strbuf_add_str (s, ")");
  if (d.extra.len)
    {
      ws_strbuf_add_str (s, "; ");
      ws_strbuf_add (s, d.extra.str, d.extra.len);
    }
  ws_strbuf_add_str (s, ".");
  c->cause.summary = g_strndup (s->str, s->len);
  ws_strbuf_clear (&d.lead);
  ws_strbuf_clear (&d.extra);
  ws_strbuf_clear (&d.server_lc);
}
