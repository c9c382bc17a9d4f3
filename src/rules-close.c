/* rules-close.c - a close frame on the wire (RFC 6455 section 7.4): each
 * code's cause, checked against what the wire shows (violations for 1002
 * and 1007, message sizes for 1009, extensions for 1010, pings for 1011),
 * close frames that are themselves violations or carry codes that must not
 * be sent, and a side that failed the connection (close frame, then TCP
 * torn down without waiting for the echo). */
#include <stdlib.h>

#include "context.h"
#include "diag-internal.h"
#include "facts.h"
#include "software.h"

/* A close reason that names an idle timeout ("Idle timeout expired: 3000/3000
 * ms" from Jetty): the endpoint says why it closed, whatever code it chose. */
static bool
reason_says_idle (const char *reason)
{
  return reason && ws_str_has_ci (reason, "idle")
         && (ws_str_has_ci (reason, "timeout") || ws_str_has_ci (reason, "timed out"));
}

static void
rule_reason_idle (diag *d, const ws_close_info *ci)
{
  const ws_conn *c = d->c;
  int64_t last = 0;
  for (int s = 0; s < 2; s++)
    if (c->dir[s].last_frame_us && c->dir[s].last_frame_us < ci->ts_us
        && c->dir[s].last_frame_us > last)
      last = c->dir[s].last_frame_us;
  char fix[400], quiet[32] = "";
  if (last)
    ws_fmt_dur (quiet, sizeof quiet, ci->ts_us - last);
  bool jetty = server_says (d, "jetty");
  g_snprintf (fix, sizeof fix, "%s%s%s",
              ws_tr ("Send pings or messages more often than the endpoint's idle timeout, or "
                     "raise that timeout"),
              d->closer == WS_SIDE_SERVER && jetty
                ? ws_tr (" (Jetty: setIdleTimeout on the session or the container's "
                         "maxIdleTime)") : "",
              ".");
  set_cause (d, "idle_timeout", "endpoint_idle_timeout", "high", fix,
             "The %s closed with %d after its own idle timeout, as its close reason says",
             side_str (d->closer), ci->code);
  if (last)
    EV (d, ci->ts_us, "no frame from either side for %s before the %s's close", quiet,
        side_str (d->closer));
}

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
                 browser ? ws_tr (": the page was closed, reloaded or navigated away from")
                         : ws_tr (": the client application or page was shutting down"));
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
          why = ws_tr (": the client offered permessage-deflate and the 101 seen here did not "
                "accept it, yet frames arrive compressed, so something between the peers "
                "altered the handshake headers (a proxy removing Sec-WebSocket-Extensions)");
          g_string_append (fix, ws_tr ("Make every proxy between the peers pass "
                           "Sec-WebSocket-Extensions through unchanged in both directions, "
                           "or disable compression on both ends. "));
        }
      else if (v->kind == WS_VIOL_UNMASKED_CLIENT_FRAME)
        g_string_append (fix, ws_tr ("The client's WebSocket code does not mask its frames: "
                         "use a conforming client library. "));
      else if (v->kind == WS_VIOL_MASKED_SERVER_FRAME)
        g_string_append (fix, ws_tr ("The server's WebSocket code masks its frames: use a "
                         "conforming server library. "));
      if (v->kind != WS_VIOL_RSV_NOT_NEGOTIATED || !*why)
        g_string_append (fix, ws_tr (e->fix));
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
      ws_short_close_reason (r, sizeof r, ci, 80);
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
                 *when ? ws_tr (" after the 101)") : "");
      violation_evidence (d, v);
      return;
    }
  const char *conf = "medium";
  if (c->pmd.enabled && c->dir[d->other].compressed_messages > 0 && !c->ctx->set->limits.inflate)
    {
      conf = "low";
      EV (d, 0, "the %s's text was compressed and this run (--fast) did not inflate it, so "
          "its UTF-8 was not checked", side_str (d->other));
    }
  else if (!c->ctx->set->limits.check_utf8 || (c->limits & WS_LIMIT_INFLATERS)
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
  ws_short_close_reason (r, sizeof r, ci, 80);

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
  /* the table's fix names the browser's Origin: not without one */
  const char *fix = c->origin ? ws_code_lookup (1008)->fix
                    : "Read the close reason and the server logs at that moment. Check the "
                      "credentials and their lifetime (reconnect with a fresh token), the "
                      "shape and rate of the messages sent before the close, and rate limits "
                      "(the request had no Origin header, so it was not a browser's Origin "
                      "check).";
  set_cause (d, "policy_violation", early ? "rejected_at_start" : NULL,
             *r ? "high" : "medium", fix,
             "The %s closed with 1008 Policy Violation%s%s%s%s", side_str (d->closer),
             *r ? " (\"" : "", r, *r ? "\")" : "",
             early ? ws_tr (" right after the handshake") : "");
}

/* Default limits of common libraries, for bracketing a 1009. */
static const struct
{
  uint64_t limit;
  const char *what;
} size_limits[] = {
  { 1048576, N_ ("Python websockets' default max_size of 1 MiB") },
  { 104857600, N_ ("Node ws's default maxPayload of 100 MiB") },
  { 1000000, N_ ("Socket.IO's default maxHttpBufferSize of 1 MB") },
  { 16384, N_ ("uWebSockets' default maxPayloadLength of 16 KiB") },
  { 10485760, N_ ("Tornado's default websocket_max_message_size of 10 MiB") },
  { 65536, N_ ("Jetty's default max message size of 64 KiB") },
  { 8192, N_ ("Tomcat/Spring's default 8 KiB text message buffer") },
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

/* What the side that was refused sent towards the closer: the message (or
 * control frame) rejected and the largest accepted before it. */
typedef struct {
  uint64_t rejected, accepted;
  bool have;              /* a bracket was measured */
  bool lower_bound;       /* rejected is a message cut short: at least that */
  bool wire_sizes;        /* compressed sizes on the wire, not inflated */
  const char *what;       /* "message" or "control frame" */
  char r1[64], r2[64];    /* rejected and accepted, formatted */
} too_big;

static void
measure_bracket (const ws_conn *c, const ws_dir_stats *st, too_big *tb)
{
  tb->rejected = tb->accepted = 0;
  tb->have = tb->lower_bound = false;
  tb->what = N_ ("message");
  /* compressed messages measured on the wire: the receiver limits their
   * decompressed size, which this run did not see */
  tb->wire_sizes = c->pmd.enabled && st->compressed_messages > 0
                   && (!c->ctx->set->limits.inflate || (c->limits & WS_LIMIT_INFLATERS));
  if (st->open_message > 0)
    {
      tb->rejected = st->open_message;
      tb->accepted = st->largest_message;
      tb->lower_bound = true;
      tb->have = true;
    }
  else if (st->messages > 0 && st->last_message > st->largest_before_last)
    {
      tb->rejected = st->last_message;
      tb->accepted = st->largest_before_last;
      tb->have = true;
    }
  else if (st->largest_control > st->largest_message)
    {
      tb->rejected = st->largest_control;
      tb->accepted = st->largest_message;
      tb->what = N_ ("control frame");
      tb->have = true;
    }
}

/* The reason gives the numbers (Python websockets): rn received (0:
 * unknown) over the limit rm. */
static const char *
too_big_by_reason (diag *d, too_big *tb, uint64_t rn, uint64_t rm, GString *lead,
                   GString *fix)
{
  const ws_close_info *ci = &d->c->close[d->closer];
  const ws_dir_stats *st = &d->c->dir[d->other];
  char lim[64];

  ws_fmt_size (lim, sizeof lim, rm);
  if (rn)
    {
      ws_fmt_size (tb->r1, sizeof tb->r1, rn);
      EV (d, ci->ts_us, "the reason gives the exact numbers: %s received, over the %s's "
          "limit of %s", tb->r1, side_str (d->closer), lim);
    }
  else
    EV (d, ci->ts_us, "the reason gives the %s's limit: %s (checked on the "
        "decompressed size)", side_str (d->closer), lim);
  if (rn && tb->have && tb->rejected != rn)
    {
      /* trust the reason; what we measured is then the accepted side */
      if (st->largest_control == rn)
        tb->what = N_ ("control frame");
    }
  if (rn)
    tb->rejected = rn;
  g_string_append_printf (lead, ws_tr ("The %s closed with 1009 Message Too Big: a %s%s%s "
                          "from the %s was over its limit of %s"),
                          side_str (d->closer), ws_tr (tb->what), rn ? ws_tr (" of ") : "", rn ? tb->r1 : "",
                          side_str (d->other), lim);
  g_string_append_printf (fix, ws_tr ("Raise the %s's limit above the largest message "
                          "you intend to send (python websockets: max_size=N, now %"
                          G_GUINT64_FORMAT "), or make the %s send smaller messages."),
                          side_str (d->closer), rm, side_str (d->other));
  return "high";
}

/* No numbers in the reason: what the capture shows. */
static const char *
too_big_measured (diag *d, too_big *tb, GString *lead)
{
  const ws_dir_stats *st = &d->c->dir[d->other];

  if (!tb->have)
    {
      ws_fmt_size (tb->r2, sizeof tb->r2, st->largest_message);
      g_string_append_printf (lead, ws_tr ("The %s closed with 1009 Message Too Big, but no message "
                              "from the %s larger than the others is visible (largest %s)"),
                              side_str (d->closer), side_str (d->other), tb->r2);
      return st->messages ? "medium" : "low";
    }
  ws_fmt_size (tb->r1, sizeof tb->r1, tb->rejected);
  ws_fmt_size (tb->r2, sizeof tb->r2, tb->accepted);
  if (tb->wire_sizes)
    {
      g_string_append_printf (lead, ws_tr ("The %s closed with 1009 Message Too Big after a %s "
                              "of %s%s compressed from the %s (largest accepted %s "
                              "compressed); the decompressed sizes, which the limit "
                              "applies to, were not measured (--fast)"), side_str (d->closer), ws_tr (tb->what),
                              tb->lower_bound ? ws_tr ("at least ") : "", tb->r1, side_str (d->other),
                              tb->r2);
      return "medium";
    }
  g_string_append_printf (lead, ws_tr ("The %s closed with 1009 Message Too Big after a %s of "
                          "%s%s from the %s; its limit lies between %s (largest "
                          "accepted) and %s"), side_str (d->closer), ws_tr (tb->what),
                          tb->lower_bound ? ws_tr ("at least ") : "", tb->r1, side_str (d->other),
                          tb->r2, tb->r1);
  return "high";
}

/* The measured bracket and the library defaults that lie in it. */
static void
bracket_evidence (diag *d, const too_big *tb, GString *lead)
{
  const ws_dir_stats *st = &d->c->dir[d->other];
  size_t n_lib = 0;

  EV (d, st->last_data_us ? st->last_data_us : st->last_frame_us,
      "towards the %s: largest accepted %s %s, rejected %s %s%s%s", side_str (d->closer),
      ws_tr (tb->what), tb->r2, ws_tr (tb->what), tb->lower_bound ? ws_tr ("at least ") : "", tb->r1,
      tb->wire_sizes ? ws_tr (" (compressed sizes on the wire)") : "");
  for (size_t i = 0; i < G_N_ELEMENTS (size_limits) && !tb->wire_sizes; i++)
    if (size_limits[i].limit >= tb->accepted && size_limits[i].limit < tb->rejected)
      {
        EV (d, 0, "that bracket contains %s", ws_tr (size_limits[i].what));
        if (!n_lib)
          g_string_append_printf (lead, ws_tr (", consistent with %s"), ws_tr (size_limits[i].what));
        n_lib++;
      }
  if (n_lib > 1)
    g_string_append_printf (lead, ws_tr (" (or %zu other library defaults)"), n_lib - 1);
  if (!n_lib && !tb->wire_sizes)
    EV (d, 0, "no common library default lies in that bracket: the limit was set "
        "explicitly (gorilla/websocket has none unless SetReadLimit is called; browsers "
        "have none)");
}

static void
rule_too_big (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];
  GString *lead = g_string_new (NULL), *fix = g_string_new (NULL);
  uint64_t rn = 0, rm = 0;
  const char *conf;
  too_big tb;

  measure_bracket (c, &c->dir[d->other], &tb);
  bool parsed = parse_size_reason (ci->reason, &rn, &rm);
  if (parsed)
    conf = too_big_by_reason (d, &tb, rn, rm, lead, fix);
  else
    conf = too_big_measured (d, &tb, lead);
  if (tb.have && !parsed)
    bracket_evidence (d, &tb, lead);
  if (tb.wire_sizes)
    {
      EV (d, 0, "permessage-deflate is in use and messages were not inflated: sizes are "
          "compressed sizes on the wire (--fast), smaller than the decompressed sizes "
          "receivers limit");
      g_string_append (fix, ws_tr ("The sizes above are wire sizes (--fast): the decompressed "
                       "messages were larger. "));
    }
  else if (c->pmd.enabled)
    EV (d, 0, "permessage-deflate is in use: sizes are decompressed sizes, which is what "
        "receivers limit");
  if (d->closer == WS_SIDE_SERVER && server_says (d, "websockets/") && !parsed)
    g_string_append (fix, ws_tr ("The server is Python websockets: pass max_size=N to "
                     "websockets.serve() (default 1 MiB). "));
  if (!fix->len || !parsed)
    g_string_append (fix, ws_tr (ws_code_lookup (1009)->fix));
  set_cause (d, "message_too_big", parsed ? "limit_in_reason" : tb.have ? "bracketed" : NULL,
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
  ws_short_close_reason (r, sizeof r, ci, 80);
  EV (d, c->request_us, "the client offered extensions: %s",
      c->offered_extensions ? c->offered_extensions : ws_tr ("(none)"));
  EV (d, c->response_us, "the 101 accepted: %s",
      c->accepted_extensions ? c->accepted_extensions : ws_tr ("(none)"));
  if (*r)
    EV (d, ci->ts_us, "the close reason names what the client requires: \"%s\"", r);

  if (missing->len)
    {
      bool reason_agrees = *r && ws_str_has_ci (r, off->len ? (const char *) off->pdata[0] : "");
      GString *fix = g_string_new (NULL);
      g_string_append_printf (fix, ws_tr ("Enable %s on the server "), missing->str);
      if (ws_str_has_ci (missing->str, "permessage-deflate"))
        g_string_append (fix, ws_tr ("(python websockets: compression=\"deflate\", the default; "
                         "Node ws: perMessageDeflate: true; gorilla: "
                         "Upgrader.EnableCompression = true) "));
      g_string_append (fix, ws_tr ("and make sure no proxy strips Sec-WebSocket-Extensions; or "
                       "make the extension optional on the client."));
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
      char fixbuf[400];
      bool pyws = (d->closer == WS_SIDE_SERVER && server_says (d, "websockets/"))
                  || (d->closer == WS_SIDE_CLIENT && c->user_agent
                      && ws_str_has_ci (c->user_agent, "websockets/"));
      if (p->pings && ws_ping_unanswered (c, d->closer))
        ws_fmt_dur (b, sizeof b, ci->ts_us - p->last_ping_us);
      else
        g_strlcpy (b, ws_tr ("its timeout"), sizeof b);
      g_snprintf (fixbuf, sizeof fixbuf,
                  ws_tr ("The peer did not answer a ping in time: look for a blocked event loop or "
                  "long synchronous work on the peer, a congested link, or raise the %s's ping "
                  "timeout above %s%s."), side_str (d->closer), b,
                  pyws ? ws_tr (" (python websockets: ping_timeout, default 20 s; ping_interval=None "
                         "turns keepalive off)") : "");
      const char *fix = fixbuf;
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
  ws_short_close_reason (r, sizeof r, ci, 80);
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
  ws_short_close_reason (r, sizeof r, ci, 80);
  const char *detail = ci->code == 3000 ? "unauthorized"
                       : ci->code == 3003 ? "forbidden"
                       : ci->code == 3008 ? "timeout"
                       : ci->code < 4000 ? "registered" : "private";
  bool named = !strchr (e->key, '-');

  set_cause (d, "application_code", detail, named || *r ? "high" : "medium", e->fix,
             "The %s closed with application code %d%s%s%s%s%s%s", side_str (d->closer),
             ci->code, named ? " " : "", named ? e->name : "", named ? "" : "",
             *r ? ws_tr (", reason \"") : "", r, *r ? "\"" : "");
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

/* The close frame itself broke RFC 6455 (a 258-byte close, a 1-byte body):
 * true when that decides the cause (the other side did not answer it). */
static bool
malformed_close (diag *d)
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
        g_snprintf (code, sizeof code, ws_tr ("code %d"), ci->code);
      else
        g_snprintf (code, sizeof code, "%s", ws_tr ("a close frame"));
      if (sv)
        violation_evidence (d, sv);
      set_cause (d, "protocol_violation", ws_violation_name (k), "medium",
                 ws_code_lookup (1002)->fix,
                 "The %s's close frame itself broke RFC 6455 (%s, %zu-byte payload); the %s "
                 "%s, so it most likely failed the connection and its application saw 1002 "
                 "or 1006 although %s was on the wire", side_str (d->closer),
                 ws_violation_text (k), ci->payload_len, side_str (d->other),
                 c->close[d->other].seen ? ws_tr ("answered") : ws_tr ("did not answer it"), code);
      return true;
    }
  if (sv)
    {
      violation_evidence (d, sv);
      EV (d, sv->ts_us, "the %s tolerated the malformed close frame and echoed it",
          side_str (d->other));
    }
  return false;
}

/* A code that must not appear on the wire. */
static void
forbidden_code (diag *d, const ws_code_info *info)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];

  const char *detail = ci->code < 1000 ? "below_1000"
                       : ci->code <= 1015 ? "reserved_code"
                       : ci->code < 3000 ? "reserved_range" : "above_4999";
  set_cause (d, "invalid_close_code", detail, "high",
             strchr (info->key, '-') ? info->fix
             : N_ ("Fix the sender: 1004, 1005, 1006 and 1015 are reserved (1005/1006/1015 "
               "only report local events) and must never be sent; use 1000 for a normal "
               "end, 1001 when going away, 1008 for a policy reason, or 4000-4999 for "
               "application meanings. A strict receiver answers with 1002."),
             "The %s sent close code %d, which must not appear on the wire (%s)",
             side_str (d->closer), ci->code, info->name);
  if (c->close[d->other].seen)
    EV (d, c->close[d->other].ts_us, "the %s answered with close %d%s", side_str (d->other),
        c->close[d->other].code,
        c->close[d->other].code == 1002 ? ws_tr (" (protocol error, as RFC 6455 requires)") : "");
}

void
rule_close_code (diag *d)
{
  const ws_conn *c = d->c;
  const ws_close_info *ci = &c->close[d->closer];

  if (malformed_close (d))
    return;
  /* unanswered pings from a silent peer, then the close: a keepalive that
   * gave up, whatever code it chose (tornado and Engine.IO send an empty
   * close frame; 1011 with a keepalive reason is read below) */
  /* (not 1000: a normal close after a ping the peer never answers is an
   * application's own choice; wstunnel in the zeek corpus) */
  if (ci->code < 0 || ci->code == 1001
      || (ci->code == 1011 && !(ci->reason && (ws_str_has_ci (ci->reason, "ping")
                                               || ws_str_has_ci (ci->reason, "keepalive")
                                               || ws_str_has_ci (ci->reason, "pong")))))
    {
      char how[48];
      if (ci->code < 0)
        g_snprintf (how, sizeof how, "an empty close frame, 1005");
      else
        g_snprintf (how, sizeof how, "close %d", ci->code);
      if (keepalive_from_timeline (d, d->closer, ci->ts_us, how))
        return;
    }
  if (ci->code < 0)
    {
      set_cause (d, "no_status", NULL, "high", ws_code_lookup (1005)->fix,
                 "The %s closed on purpose without giving a code (empty close frame, 1005 "
                 "to the %s application)", side_str (d->closer), side_str (d->other));
      return;
    }

  if (ci->code != 1000 && reason_says_idle (ci->reason))
    {
      rule_reason_idle (d, ci);
      return;
    }

  const ws_code_info *info = ws_code_lookup (ci->code);
  if (!info->on_wire)
    {
      forbidden_code (d, info);
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
void
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

