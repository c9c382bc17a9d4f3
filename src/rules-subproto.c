/* rules-subproto.c - causes read from the application protocol spoken over
 * the connection (subproto.h): its own close codes (graphql-transport-ws
 * 4400-4504 -> subprotocol_code) and its own keepalives (Engine.IO pings,
 * graphql pings, MQTT PINGREQ and keepalive, STOMP heart-beats, SignalR and
 * Phoenix heartbeats -> keepalive_timeout, the id the WebSocket-level rules
 * use).  Runs after the rules of the close frame and of the TCP end, and
 * replaces their cause only when the application level explains the end
 * better; otherwise it adds what the application said as evidence.
 */
#include "config.h"

#include <stdio.h>

#include "diag-internal.h"
#include "facts.h"
#include "subproto.h"

void rule_subproto (diag *d);

static const char *
app_label (const ws_subproto *a)
{
  switch ((ws_app_kind) a->kind)
    {
    case WS_APP_ENGINEIO: return "Engine.IO";
    case WS_APP_GRAPHQL_TRANSPORT_WS: return "graphql-transport-ws";
    case WS_APP_GRAPHQL_WS: return "graphql-ws (subscriptions-transport-ws)";
    case WS_APP_STOMP: return "STOMP";
    case WS_APP_MQTT: return "MQTT";
    case WS_APP_SIGNALR: return "SignalR";
    case WS_APP_PHOENIX: return "Phoenix";
    default: return "application";
    }
}

static const char *
ping_word (const ws_subproto *a)
{
  switch ((ws_app_kind) a->kind)
    {
    case WS_APP_ENGINEIO: return "ping packet \"2\"";
    case WS_APP_GRAPHQL_TRANSPORT_WS: return "{\"type\":\"ping\"}";
    case WS_APP_GRAPHQL_WS: return "keep-alive {\"type\":\"ka\"}";
    case WS_APP_STOMP: return "heart-beat";
    case WS_APP_MQTT: return "PINGREQ";
    case WS_APP_SIGNALR: return "ping message (type 6)";
    case WS_APP_PHOENIX: return "heartbeat";
    default: return "ping";
    }
}

static bool
has_pongs (const ws_subproto *a)
{
  return a->kind == WS_APP_ENGINEIO || a->kind == WS_APP_GRAPHQL_TRANSPORT_WS
         || a->kind == WS_APP_MQTT || a->kind == WS_APP_PHOENIX;
}

/* Close codes that say more than an application keepalive would. */
static bool
code_explains_itself (int code)
{
  return code == 1001 || code == 1002 || code == 1003 || code == 1007 || code == 1008
         || code == 1009 || code == 1010 || code == 1012 || code == 1013 || code == 1014
         || (code >= 3000 && code != 4499);
}

/* A 4xxx code the negotiated subprotocol defines. */
static bool
subproto_code (diag *d, const ws_subproto *a, const char *name)
{
  const ws_conn *c = d->c;
  if (d->closer == WS_SIDE_NONE || d->code < 4000 || d->code > 4999 || !c->accepted_subprotocol)
    return false;
  const ws_code_info *e = ws_code_subproto (c->accepted_subprotocol, d->code);
  if (!e)
    return false;
  const ws_close_info *ci = &c->close[d->closer];
  char r[112];
  ws_short_close_reason (r, sizeof r, ci, 80);
  ws_strbuf_reset (&d->extra);
  char meaning[1024];
  g_strlcpy (meaning, ws_tr (e->meaning), sizeof meaning);
  size_t ml = strlen (meaning);
  if (ml && meaning[ml - 1] == '.')
    meaning[ml - 1] = '\0';       /* the summary goes on after it */
  set_cause (d, "subprotocol_code", e->key, "high", e->fix,
             "The %s closed with %s code %d %s: %s", side_str (d->closer),
             c->accepted_subprotocol, d->code, ws_tr (e->name), meaning);
  if (*r)
    EV (d, ci->ts_us, "close reason \"%s\"", r);
  const ws_app_dir *cl = &a->dir[WS_SIDE_CLIENT];
  EV (d, 0, "%s messages before the close: the client sent %u connection_init, "
      "%" G_GUINT64_FORMAT " message%s in all; connection_ack %s",
      app_label (a), a->inits[WS_SIDE_CLIENT], cl->messages, cl->messages == 1 ? "" : "s",
      a->handshake_done ? ws_tr ("received") : ws_tr ("never sent"));
  if (d->code == 4408 && a->inits[WS_SIDE_CLIENT] == 0)
    EV (d, ci->ts_us, "the client sent no connection_init before the close");
  if (d->code == 4408 && c->response_us && ci->ts_us > c->response_us)
    {
      char t[32];
      ws_fmt_dur (t, sizeof t, ci->ts_us - c->response_us);
      EV (d, ci->ts_us, "the server waited %s after the handshake "
          "(its connectionInitWaitTimeout)", t);
    }
  if (d->code == 4429 && a->inits[WS_SIDE_CLIENT] > 1)
    EV (d, ci->ts_us, "the client sent connection_init %u times", a->inits[WS_SIDE_CLIENT]);
  (void) name;
  return true;
}

/* The side that ended the connection (first close frame, else first FIN or
 * RST), or WS_SIDE_NONE. */
static ws_side
ender_of (const diag *d)
{
  if (d->closer != WS_SIDE_NONE)
    return d->closer;
  const ws_conn *c = d->c;
  if (c->tcp_end != WS_TCP_END_OPEN
      && (c->tcp_end_by == WS_SIDE_CLIENT || c->tcp_end_by == WS_SIDE_SERVER))
    return c->tcp_end_by;
  return WS_SIDE_NONE;
}

static void
settings_evidence (diag *d, const ws_subproto *a)
{
  char i[32], t[32];
  if (a->kind == WS_APP_ENGINEIO && a->ping_interval_ms >= 0)
    {
      ws_fmt_dur (i, sizeof i, a->ping_interval_ms * 1000);
      ws_fmt_dur (t, sizeof t, a->ping_timeout_ms >= 0 ? a->ping_timeout_ms * 1000 : 0);
      EV (d, 0, "Engine.IO v%u open packet: pingInterval %s, pingTimeout %s (the %s pings)",
          a->version ? a->version : 4u, i, a->ping_timeout_ms >= 0 ? t : ws_tr ("unknown"),
          side_str (a->version == 3 ? WS_SIDE_CLIENT : WS_SIDE_SERVER));
    }
  else if (a->kind == WS_APP_MQTT && a->ping_interval_ms >= 0)
    {
      ws_fmt_dur (i, sizeof i, a->ping_interval_ms * 1000);
      EV (d, 0, "MQTT CONNECT: keepalive %s (the broker may end the connection after "
          "1.5 times that without a packet from the client)", i);
    }
  else if (a->kind == WS_APP_STOMP && a->hb_send_ms[0] >= 0)
    {
      ws_fmt_dur (i, sizeof i, a->hb_send_ms[WS_SIDE_CLIENT] * 1000);
      ws_fmt_dur (t, sizeof t, a->hb_send_ms[WS_SIDE_SERVER] * 1000);
      EV (d, 0, "STOMP heart-beat negotiated (CONNECT %d,%d, CONNECTED %d,%d): the client "
          "sends every %s, the server every %s (0: none)", a->stomp_cx, a->stomp_cy,
          a->stomp_sx, a->stomp_sy, i, t);
    }
}

/* How long side P may stay silent before the other side gives up on it,
 * from the negotiated settings or P's own ping rhythm; 0 unknown. */
static int64_t
allowed_silence_us (const ws_subproto *a, ws_side p, bool *negotiated)
{
  *negotiated = true;
  if (a->kind == WS_APP_ENGINEIO && a->ping_interval_ms > 0 && a->ping_timeout_ms >= 0)
    {
      /* the pinging side: v4 the server, v3 the client */
      ws_side pinger = a->version == 3 ? WS_SIDE_CLIENT : WS_SIDE_SERVER;
      if (p == pinger)
        return (a->ping_interval_ms + a->ping_timeout_ms) * 1000;
    }
  if (a->kind == WS_APP_MQTT && p == WS_SIDE_CLIENT && a->ping_interval_ms > 0)
    return a->ping_interval_ms * 1500;
  if (a->kind == WS_APP_STOMP && a->hb_send_ms[p] > 0)
    return a->hb_send_ms[p] * 1500;
  *negotiated = false;
  const ws_app_dir *pd = &a->dir[p];
  if (pd->pings >= 2 && pd->last_ping_us > pd->first_ping_us)
    return 2 * ((pd->last_ping_us - pd->first_ping_us) / (int64_t) (pd->pings - 1));
  return 0;
}

static bool
app_keepalive (diag *d, const ws_subproto *a)
{
  const ws_conn *c = d->c;
  ws_side e = ender_of (d);
  if (e == WS_SIDE_NONE || !d->end_us || (d->closer != WS_SIDE_NONE
                                           && code_explains_itself (d->code)))
    return false;
  /* the ender said goodbye at the application level (41, DISCONNECT, a
   * close message, ERROR): that, not a keepalive, is why it ended */
  if (a->end_side == (int8_t) e)
    return false;
  ws_side p = WS_OTHER_SIDE (e);
  const ws_app_dir *ed = &a->dir[e], *pd = &a->dir[p];
  char w[32], lim[32];

  /* the ender's own pings went unanswered */
  if (has_pongs (a) && ed->pings && pd->last_pong_us < ed->last_ping_us
      && d->end_us > ed->last_ping_us)
    {
      int64_t waited = d->end_us - ed->last_ping_us;
      int64_t t = a->kind == WS_APP_ENGINEIO && a->ping_timeout_ms >= 0
                  ? a->ping_timeout_ms * 1000 : 0;
      if (t ? waited >= t * 8 / 10 : waited >= US_PER_S / 2)
        {
          const char *conf = t && waited <= t + t / 2 + 2 * US_PER_S ? "high" : "medium";
          ws_fmt_dur (w, sizeof w, waited);
          ws_fmt_dur (lim, sizeof lim, t);
          char fix[1024];
          g_snprintf (fix, sizeof fix,
                      ws_tr ("The %s stopped answering the %s's %s%s%s: find why it stalled (a "
                             "blocked event loop, a suspended browser tab, a path that drops "
                             "data one way); raise the timeout on the %s only if such pauses "
                             "are expected."), side_str (p), side_str (e), app_label (a),
                      t ? ws_tr (" pings within pingTimeout ") : ws_tr (" pings"), t ? lim : "",
                      side_str (e));
          ws_strbuf_reset (&d->extra);
          set_cause (d, "keepalive_timeout", "app_ping_unanswered", conf, fix,
                     "The %s's %s %s got no answer, and the %s ended the connection %s "
                     "after the last one", side_str (e), app_label (a), ping_word (a),
                     side_str (e), w);
          settings_evidence (d, a);
          EV (d, ed->last_ping_us, "the %s's last %s %s (%" G_GUINT64_FORMAT " sent, %"
              G_GUINT64_FORMAT " answered); no answer from the %s after it", side_str (e),
              app_label (a), ping_word (a), ed->pings, pd->pongs, side_str (p));
          EV (d, d->end_us, "the %s ended the connection %s after that ping%s%s", side_str (e),
              w, t ? ", pingTimeout " : "", t ? lim : "");
          return true;
        }
    }

  /* the peer's keepalives stopped */
  bool negotiated;
  int64_t allowed = allowed_silence_us (a, p, &negotiated);
  int64_t last = pd->last_message_us ? pd->last_message_us
                 : p == WS_SIDE_SERVER ? c->response_us : c->request_us;
  if (allowed <= 0 || !last || d->end_us <= last)
    return false;
  int64_t silent = d->end_us - last;
  if (silent < allowed * 9 / 10)
    return false;
  ws_fmt_dur (w, sizeof w, silent);
  ws_fmt_dur (lim, sizeof lim, allowed);
  char fix[1024];
  g_snprintf (fix, sizeof fix,
              ws_tr ("The %s sent no %s message for %s, longer than the %s allows (%s): make "
                     "it send its %s when idle (a blocked event loop or a suspended client "
                     "stops them), or raise the %s's timeout if such silences are expected."),
              side_str (p), app_label (a), w, side_str (e), lim, ping_word (a), side_str (e));
  ws_strbuf_reset (&d->extra);
  set_cause (d, "keepalive_timeout", "app_peer_silent", negotiated ? "high" : "medium", fix,
             "The %s heard nothing from the %s at the %s level for %s (%s %s allowed) "
             "and ended the connection", side_str (e), side_str (p), app_label (a), w,
             negotiated ? ws_tr ("the negotiated keepalive gives")
                        : ws_tr ("its ping rhythm suggests"), lim);
  settings_evidence (d, a);
  EV (d, last, "the %s's last %s message (%" G_GUINT64_FORMAT " %s%s sent in all)",
      side_str (p), app_label (a), pd->pings, ping_word (a), pd->pings == 1 ? "" : "s");
  EV (d, d->end_us, "the %s ended the connection %s later", side_str (e), w);
  return true;
}

/* What the application said about the end, whatever the cause. */
static void
app_end_evidence (diag *d, const ws_subproto *a)
{
  if (a->end_side >= 0)
    {
      if (a->end_code >= 0)
        EV (d, a->end_us, "the %s sent %s %s (reason code %d%s%s)", side_str (a->end_side),
            app_label (a), a->end_what, a->end_code, a->end_reason[0] ? ", " : "",
            a->end_reason);
      else
        EV (d, a->end_us, "the %s sent %s %s%s%s%s", side_str (a->end_side), app_label (a),
            a->end_what, a->end_reason[0] ? " \"" : "", a->end_reason,
            a->end_reason[0] ? "\"" : "");
    }
  if (a->error_side >= 0 && (a->end_side < 0 || strcmp (a->error, a->end_reason)))
    EV (d, a->error_us, "the %s reported a %s error: \"%s\"", side_str (a->error_side),
        app_label (a), a->error);
}

/* An MQTT 5 DISCONNECT with reason 0x8D says it outright. */
static bool
mqtt_keepalive_reason (diag *d, const ws_subproto *a)
{
  if (a->kind != WS_APP_MQTT || a->end_code != 0x8D || a->end_side < 0)
    return false;
  ws_side e = (ws_side) a->end_side;
  ws_strbuf_reset (&d->extra);
  set_cause (d, "keepalive_timeout", "mqtt_keepalive", "high",
             "The broker heard nothing from the client for 1.5 times the keepalive of its "
             "CONNECT: make the client send PINGREQ when idle, or raise its keepalive.",
             "The %s sent MQTT DISCONNECT with reason 0x8D Keep Alive timeout",
             side_str (e));
  settings_evidence (d, a);
  return true;
}

void
rule_subproto (diag *d)
{
  const ws_subproto *a = d->c->app;
  const char *name = ws_subproto_name (a);
  if (!name)
    return;
  if (!subproto_code (d, a, name) && !mqtt_keepalive_reason (d, a))
    app_keepalive (d, a);
  app_end_evidence (d, a);
}
