/* explain.c - `wsclosed --explain A [B ...]`: one page per close code,
 * handshake status or cause id, and, when two or more are given, "the
 * difference": who sends each, what to check first on the wire to tell them
 * apart, what the capture shows for each, and which wsclosed evidence
 * separates them.  The same in JSON for tools that embed it.
 *
 * The pages come from the knowledge bases (closecodes.c for codes and
 * statuses, causeinfo.c for cause ids); the wire facts of each close code
 * used by the comparison are kept here.
 */
#include "config.h"

#include <string.h>

#include "causeinfo.h"
#include "closecodes.h"
#include "explain.h"
#include "i18n.h"
#include "output.h"

typedef enum { SENDER_EITHER, SENDER_CLIENT, SENDER_SERVER, SENDER_NONE } sender;

/* What a close code looks like in a capture, and how wsclosed reports it. */
typedef struct {
  int code;
  sender by;
  const char *who;    /* who sends it, in words */
  const char *wire;   /* what the capture shows */
  const char *tells;  /* the record fields and causes that show it */
} code_wire;

static const code_wire wires[] = {
  { 1000, SENDER_EITHER, N_("either side, on purpose"),
    N_("A close frame with code 1000, normally answered by the other side with its own close "
       "frame, then the TCP close started by the server."),
    N_("close_code 1000, close_initiator, close_echoed true; cause normal_closure.") },
  { 1001, SENDER_EITHER,
    N_("a browser leaving the page, or a server shutting down"),
    N_("A 1001 close frame. From a client it follows a navigation; from a server it usually "
       "ends many connections of that server within seconds, followed by reconnects."),
    N_("close_initiator says which side; cause endpoint_going_away, and a storm or restart "
       "in the evidence when many connections of the server end together.") },
  { 1002, SENDER_EITHER, N_("the side that received a malformed frame"),
    N_("A framing error by the other side shortly before the close: an unmasked client frame, "
       "reserved bits or opcodes, a fragmented or oversized control frame."),
    N_("violations lists the error with the side that made it and its stream offset; cause "
       "protocol_violation.") },
  { 1003, SENDER_EITHER, N_("the side that received a message type it does not take"),
    N_("A text or binary message from the other side just before the close."),
    N_("cause unsupported_data; the message counts per type in stats.") },
  { 1005, SENDER_NONE, N_("nobody: it is what an application reports for an empty close frame"),
    N_("A close frame with no body (or a one-byte body, a violation)."),
    N_("close_frames.<side>.payload_len 0; cause no_status.") },
  { 1006, SENDER_NONE, N_("nobody: it is what an application reports when TCP ended without "
                          "a close frame"),
    N_("No close frame at all: the connection ends with a FIN or an RST, after traffic or "
       "after a silence."),
    N_("tcp_end and tcp_end_by say how TCP ended and who ended it; the silence before the "
       "end, pings without pongs and the other connections of the server decide between "
       "idle_timeout, keepalive_timeout, peer_reset and connection_dropped.") },
  { 1007, SENDER_EITHER, N_("the side that received invalid UTF-8 in a text message"),
    N_("A text message from the other side that is not valid UTF-8, then the close."),
    N_("violations lists invalid_utf8 with the offset of the bad byte; cause "
       "invalid_payload.") },
  { 1008, SENDER_EITHER, N_("usually the server, enforcing a policy"),
    N_("A close soon after the handshake or after one message; the reason often names the "
       "rule."),
    N_("close_reason, origin and path in the record; cause policy_violation.") },
  { 1009, SENDER_EITHER, N_("the side whose message size limit was exceeded"),
    N_("A large message from the other side just before the close."),
    N_("stats.<side>.largest_message against the limit in the reason; cause "
       "message_too_big.") },
  { 1010, SENDER_CLIENT, N_("the client only"),
    N_("A client close frame right after a 101 response whose Sec-WebSocket-Extensions "
       "lacks an extension the client offered (or has no such header)."),
    N_("offered_extensions against accepted_extensions in the record; cause "
       "extension_not_negotiated.") },
  { 1011, SENDER_SERVER, N_("the server (since an erratum to RFC 6455, clients too)"),
    N_("A server close frame after the server received a message it failed on; when the "
       "server's pings went unanswered just before, it is a keepalive timeout instead of a "
       "crash."),
    N_("close_initiator server; stats.<side>.pings and pongs and the evidence's ping "
       "timeline; cause server_internal_error, or keepalive_timeout when pings went "
       "unanswered.") },
  { 1012, SENDER_SERVER, N_("the server, before a planned restart"),
    N_("A server close frame, usually on many connections of that server at once, then "
       "clients reconnecting after a short delay."),
    N_("cause service_restart; the reconnect and the number of connections the server ended "
       "at the same time in the evidence.") },
  { 1013, SENDER_SERVER, N_("the server, when overloaded"),
    N_("A server close frame soon after the handshake, often repeated for new connections."),
    N_("cause try_again_later.") },
  { 1014, SENDER_SERVER, N_("a gateway or proxy, for its upstream"),
    N_("A close frame from the proxy side after the upstream failed."),
    N_("server_software names the proxy where its Server header shows it; cause "
       "bad_gateway.") },
  { 1015, SENDER_NONE, N_("nobody: it is what a client reports when the TLS handshake failed"),
    N_("Only a TLS exchange, ending in an alert or a reset, and no HTTP at all."),
    N_("No WebSocket record; the TLS connections in the totals.") },
};

static const code_wire *
wire_of (int code)
{
  for (size_t i = 0; i < G_N_ELEMENTS (wires); i++)
    if (wires[i].code == code)
      return &wires[i];
  return NULL;
}

/* One thing to explain, resolved. */
typedef struct {
  const char *arg;
  const ws_code_info *code;     /* a close code or handshake entry, or NULL */
  const ws_cause_info *cause;   /* a cause id, or NULL */
  const code_wire *wire;        /* wire facts of a close code, or NULL */
  bool handshake;
} item;

static bool
resolve (const char *arg, item *it, GError **error)
{
  memset (it, 0, sizeof *it);
  it->arg = arg;
  it->cause = ws_cause_info_lookup (arg);
  if (it->cause)
    return true;
  it->code = ws_code_resolve (arg, NULL, error);
  if (!it->code)
    {
      if (g_ascii_isalpha (arg[0]))
        {
          g_clear_error (error);
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("nothing known about '%s' (try a cause id such as idle_timeout, a close "
                         "code such as 1006, an HTTP status such as 403, or handshake-accept, "
                         "handshake-extension, handshake-subprotocol)"), arg);
        }
      return false;
    }
  it->handshake = it->code->code == 0 && g_str_has_prefix (it->code->key, "handshake-");
  it->wire = it->code->code ? wire_of (it->code->code) : NULL;
  return true;
}

static char *
label (const item *it)
{
  if (it->cause)
    return g_strdup (it->cause->id);
  if (it->handshake)
    return g_strdup_printf ("%s (%s)", it->arg, _(it->code->name));
  return g_strdup_printf ("%s %s", it->code->key, _(it->code->name));
}

static const char *
who_of (const item *it)
{
  if (it->wire)
    return _(it->wire->who);
  if (it->handshake)
    return _("the server or a proxy, answering the upgrade request instead of 101");
  if (it->cause)
    return _("not a code: a conclusion wsclosed draws from the capture");
  return _(it->code->sent_by);
}

static const char *
wire_text (const item *it)
{
  if (it->wire)
    return _(it->wire->wire);
  if (it->handshake)
    return _("An HTTP response with that status to the upgrade request, and no WebSocket "
             "frames.");
  if (it->cause)
    return _(it->cause->evidence);
  return _(it->code->when);
}

static const char *
tells_text (const item *it)
{
  if (it->wire)
    return _(it->wire->tells);
  if (it->handshake)
    return _("handshake_status and handshake_reason in the record; cause handshake_rejected "
             "(or the handshake_accept_mismatch/unrequested causes for a bad 101).");
  if (it->cause)
    return _(it->cause->check);
  return _("close_code and close_initiator in the record; cause application_code or "
           "invalid_close_code.");
}

/* The first thing to look at to tell a from b. */
static char *
check_first (const item *a, const item *b)
{
  g_autofree char *la = label (a), *lb = label (b);
  if (a->handshake != b->handshake)
    {
      const item *h = a->handshake ? a : b;
      g_autofree char *lh = label (h);
      return g_strdup_printf (_("Whether the upgrade succeeded: %s is an HTTP answer instead of "
                                "101 (no WebSocket connection at all), the other happens on an "
                                "open connection."), lh);
    }
  if (a->wire && b->wire && (a->wire->by == SENDER_NONE) != (b->wire->by == SENDER_NONE))
    {
      const item *none = a->wire->by == SENDER_NONE ? a : b;
      g_autofree char *ln = label (none);
      return g_strdup_printf (_("Whether a close frame was sent at all: %s is never on the wire "
                                "(an application reports it locally), the other is a close "
                                "frame you can see."), ln);
    }
  if (a->wire && b->wire && a->wire->by != b->wire->by && a->wire->by != SENDER_EITHER
      && b->wire->by != SENDER_EITHER)
    return g_strdup_printf (_("Who sent the close frame (close_initiator): %s comes from %s, "
                              "%s from %s."), la, _(a->wire->who), lb, _(b->wire->who));
  return g_strdup_printf (_("What came just before the close: the evidence lines of the record "
                            "for %s and for %s differ in the frames, pings and silences that "
                            "led to it."), la, lb);
}

static void
append_page (GString *out, const item *it)
{
  if (it->cause)
    {
      g_autofree char *t = ws_cause_info_explain (it->cause->id);
      g_string_append (out, t);
      return;
    }
  g_autofree char *t = ws_code_explain (it->arg, NULL);
  g_string_append (out, t);
}

/* A section with one paragraph per item: "label: text". */
static void
per_item (GString *out, const char *title, const item *items, int n,
          const char *(*text) (const item *))
{
  g_string_append_printf (out, "%s\n", title);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *l = label (&items[i]);
      g_autofree char *p = g_strdup_printf ("%s: %s", l, text (&items[i]));
      ws_explain_section (out, NULL, p);
    }
}

static void
append_difference (GString *out, const item *items, int n)
{
  GString *title = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *l = label (&items[i]);
      g_string_append_printf (title, "%s%s", i ? _(" vs ") : "", l);
    }
  g_string_append_printf (out, "\n%s: %s\n", _("The difference"), title->str);
  g_string_free (title, TRUE);

  per_item (out, _("Who sends it:"), items, n, who_of);
  GString *s = g_string_new (NULL);
  for (int i = 0; i + 1 < n; i++)
    for (int j = i + 1; j < n; j++)
      {
        g_autofree char *c = check_first (&items[i], &items[j]);
        /* with three or more, several pairs can call for the same check */
        if (!strstr (s->str, c))
          g_string_append_printf (s, "%s%s", s->len ? " " : "", c);
      }
  ws_explain_section (out, _("Check first on the wire:"), s->str);
  per_item (out, _("What the capture shows:"), items, n, wire_text);
  per_item (out, _("How wsclosed tells them apart:"), items, n, tells_text);
  g_string_free (s, TRUE);
}

static void
json_kv (GString *out, const char *key, const char *value, bool comma)
{
  g_string_append_printf (out, "%s\"%s\":", comma ? "," : "", key);
  ws_json_string (out, value, value ? strlen (value) : 0);
}

static void
append_json_item (GString *out, const item *it)
{
  g_string_append_c (out, '{');
  json_kv (out, "query", it->arg, false);
  if (it->cause)
    {
      json_kv (out, "kind", "cause", true);
      json_kv (out, "id", it->cause->id, true);
      json_kv (out, "name", _(it->cause->title), true);
      json_kv (out, "meaning", _(it->cause->meaning), true);
      json_kv (out, "evidence", _(it->cause->evidence), true);
      json_kv (out, "check_first", _(it->cause->check), true);
      json_kv (out, "fix", _(it->cause->fix), true);
    }
  else
    {
      json_kv (out, "kind", it->handshake ? "handshake" : "close_code", true);
      json_kv (out, "key", it->code->key, true);
      if (it->code->code)
        g_string_append_printf (out, ",\"code\":%d", it->code->code);
      json_kv (out, "name", _(it->code->name), true);
      json_kv (out, "meaning", _(it->code->meaning), true);
      json_kv (out, "sent_by", _(it->code->sent_by), true);
      json_kv (out, "when", _(it->code->when), true);
      json_kv (out, "fix", _(it->code->fix), true);
      g_string_append_printf (out, ",\"on_wire\":%s", it->code->on_wire ? "true" : "false");
    }
  json_kv (out, "who_sends", who_of (it), true);
  json_kv (out, "wire", wire_text (it), true);
  json_kv (out, "wsclosed_evidence", tells_text (it), true);
  g_string_append_c (out, '}');
}

char *
ws_explain (char **args, int n, bool json, GError **error)
{
  if (n < 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--explain needs a close code, an HTTP status or a cause id"));
      return NULL;
    }
  g_autofree item *items = g_new0 (item, n);
  for (int i = 0; i < n; i++)
    if (!resolve (args[i], &items[i], error))
      {
        g_prefix_error (error, "%s: ", args[i]);
        return NULL;
      }
  GString *out = g_string_new (NULL);
  if (json)
    {
      g_string_append (out, "{\"items\":[");
      for (int i = 0; i < n; i++)
        {
          if (i)
            g_string_append_c (out, ',');
          append_json_item (out, &items[i]);
        }
      g_string_append (out, "]");
      if (n > 1)
        {
          g_string_append (out, ",\"difference\":{\"check_first\":[");
          bool first = true;
          for (int i = 0; i + 1 < n; i++)
            for (int j = i + 1; j < n; j++)
              {
                g_autofree char *c = check_first (&items[i], &items[j]);
                if (!first)
                  g_string_append_c (out, ',');
                first = false;
                ws_json_string (out, c, strlen (c));
              }
          g_string_append (out, "]}");
        }
      g_string_append (out, "}\n");
      return g_string_free (out, FALSE);
    }
  for (int i = 0; i < n; i++)
    {
      if (i)
        g_string_append_c (out, '\n');
      append_page (out, &items[i]);
    }
  if (n > 1)
    append_difference (out, items, n);
  return g_string_free (out, FALSE);
}
