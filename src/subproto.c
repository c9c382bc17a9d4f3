/* subproto.c - application-level keepalives, ends and errors of the common
 * WebSocket subprotocols (see subproto.h).  Each parser reads only the first
 * WS_APP_HEAD bytes of a message and only the few fields it needs; every
 * index is checked against the length it was given.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "subproto.h"

enum { BY_SUBPROTOCOL = 1, BY_PATH, BY_MESSAGE };
enum { WS_SIDE_CLIENT = 0, WS_SIDE_SERVER = 1 };   /* as ws_side */
enum { SNIFF_MESSAGES = 4 };   /* messages of both sides looked at before giving up */

/* ---- small readers ------------------------------------------------------- */

static bool
has_prefix (const uint8_t *m, size_t n, const char *p)
{
  size_t k = strlen (p);
  return n >= k && memcmp (m, p, k) == 0;
}

static const uint8_t *
find_mem (const uint8_t *m, size_t n, const char *needle)
{
  size_t k = strlen (needle);
  if (k == 0 || n < k)
    return NULL;
  for (size_t i = 0; i + k <= n; i++)
    if (m[i] == (uint8_t) needle[0] && memcmp (m + i, needle, k) == 0)
      return m + i;
  return NULL;
}

static size_t
skip_ws (const uint8_t *m, size_t n, size_t i)
{
  while (i < n && (m[i] == ' ' || m[i] == '\t' || m[i] == '\r' || m[i] == '\n'))
    i++;
  return i;
}

/* Where the value of "key": starts in a JSON text (the first occurrence of
 * the key, at any depth: enough for the shapes read here); n when absent. */
static size_t
json_value_at (const uint8_t *m, size_t n, const char *key)
{
  char quoted[40];
  int k = g_snprintf (quoted, sizeof quoted, "\"%s\"", key);
  if (k <= 0 || (size_t) k >= sizeof quoted)
    return n;
  size_t from = 0;
  while (from < n)
    {
      const uint8_t *at = find_mem (m + from, n - from, quoted);
      if (!at)
        return n;
      size_t i = skip_ws (m, n, (size_t) (at - m) + (size_t) k);
      if (i < n && m[i] == ':')
        return skip_ws (m, n, i + 1);
      from = (size_t) (at - m) + 1;
    }
  return n;
}

/* A JSON string starting at m[i] (the opening quote) into out (escapes
 * kept as the two characters' second, enough for names); false when there
 * is no string there.  out is cut at outsz - 1. */
static bool
json_string_at (const uint8_t *m, size_t n, size_t i, char *out, size_t outsz)
{
  if (outsz == 0)
    return false;
  out[0] = '\0';
  if (i >= n || m[i] != '"')
    return false;
  size_t o = 0;
  for (i++; i < n && m[i] != '"'; i++)
    {
      uint8_t ch = m[i];
      if (ch == '\\' && i + 1 < n)
        ch = m[++i];
      if (o + 1 < outsz)
        out[o++] = (char) ch;
    }
  out[o] = '\0';
  return true;
}

static bool
json_str (const uint8_t *m, size_t n, const char *key, char *out, size_t outsz)
{
  return json_string_at (m, n, json_value_at (m, n, key), out, outsz);
}

/* A non-negative JSON integer; false when absent or not a number. */
static bool
json_num (const uint8_t *m, size_t n, const char *key, int64_t *v)
{
  size_t i = json_value_at (m, n, key);
  if (i >= n || !g_ascii_isdigit (m[i]))
    return false;
  int64_t x = 0;
  for (; i < n && g_ascii_isdigit (m[i]); i++)
    if (x < G_GINT64_CONSTANT (1) << 50)
      x = x * 10 + (m[i] - '0');
  *v = x;
  return true;
}

/* Copy printable text for a reason (controls become spaces; the JSON writer
 * makes the bytes valid UTF-8). */
static void
copy_text (char *out, size_t outsz, const uint8_t *m, size_t n)
{
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < outsz; i++)
    out[o++] = m[i] < 0x20 || m[i] == 0x7f ? ' ' : (char) m[i];
  out[o] = '\0';
}

static void
note_ping (ws_subproto *a, int side, int64_t ts)
{
  ws_app_dir *d = &a->dir[side];
  if (!d->pings)
    d->first_ping_us = ts;
  d->pings++;
  d->last_ping_us = ts;
}

static void
note_pong (ws_subproto *a, int side, int64_t ts)
{
  a->dir[side].pongs++;
  a->dir[side].last_pong_us = ts;
}

static void
note_end (ws_subproto *a, int side, int64_t ts, const char *what, int code,
          const char *reason)
{
  if (a->end_side >= 0)
    return;
  a->end_side = (int8_t) side;
  a->end_us = ts;
  g_strlcpy (a->end_what, what, sizeof a->end_what);
  a->end_code = code;
  g_strlcpy (a->end_reason, reason ? reason : "", sizeof a->end_reason);
}

static void
note_error (ws_subproto *a, int side, int64_t ts, const char *text)
{
  if (a->error_side >= 0)
    return;
  a->error_side = (int8_t) side;
  a->error_us = ts;
  g_strlcpy (a->error, text && *text ? text : "(no text)", sizeof a->error);
}

/* ---- Engine.IO / Socket.IO ------------------------------------------------ */

static void
engineio (ws_subproto *a, int side, int opcode, const uint8_t *m, size_t n, int64_t ts)
{
  if (opcode != 1 || n == 0)
    return; /* binary attachments carry no packet type we need */
  switch (m[0])
    {
    case '0':
      {
        int64_t v;
        if (json_num (m, n, "pingInterval", &v))
          a->ping_interval_ms = v;
        if (json_num (m, n, "pingTimeout", &v))
          a->ping_timeout_ms = v;
        a->handshake_done = true;
        break;
      }
    case '1':
      note_end (a, side, ts, "1 close", -1, NULL);
      break;
    case '2':
      if (has_prefix (m, n, "2probe"))
        break;
      /* v4: the server pings; v3: the client */
      if (!a->version)
        a->version = side == WS_SIDE_SERVER ? 4 : 3;
      note_ping (a, side, ts);
      break;
    case '3':
      if (!has_prefix (m, n, "3probe"))
        note_pong (a, side, ts);
      break;
    case '4':
      if (n >= 2 && m[1] == '0')
        a->inits[side]++;
      else if (n >= 2 && m[1] == '1')
        note_end (a, side, ts, "41 disconnect", -1, NULL);
      else if (n >= 2 && m[1] == '4')
        {
          /* connect_error: 44{"message":...} (v4), 44"text" (v3), maybe a
           * namespace first (44/chat,{...}) */
          char t[WS_APP_REASON];
          size_t i = 2;
          while (i < n && m[i] != '{' && m[i] != '"')
            i++;
          if (!json_str (m + i, n - i, "message", t, sizeof t)
              && !json_string_at (m, n, i, t, sizeof t))
            t[0] = '\0';
          note_error (a, side, ts, t);
        }
      break;
    default:
      break;
    }
}

/* ---- GraphQL over WebSocket ------------------------------------------------ */

static void
graphql (ws_subproto *a, int side, int opcode, const uint8_t *m, size_t n, int64_t ts)
{
  char type[32], t[WS_APP_REASON];
  if (!json_str (m, n, "type", type, sizeof type))
    return;
  bool legacy = a->kind == WS_APP_GRAPHQL_WS;
  if (!strcmp (type, "ping") || (legacy && !strcmp (type, "ka")))
    note_ping (a, side, ts);
  else if (!strcmp (type, "pong"))
    note_pong (a, side, ts);
  else if (!strcmp (type, "connection_init"))
    a->inits[side]++;
  else if (!strcmp (type, "connection_ack"))
    a->handshake_done = true;
  else if (!strcmp (type, "connection_error") || !strcmp (type, "error"))
    {
      if (!json_str (m, n, "message", t, sizeof t))
        g_strlcpy (t, type, sizeof t);
      note_error (a, side, ts, t);
    }
  else if (legacy && !strcmp (type, "connection_terminate"))
    note_end (a, side, ts, "connection_terminate", -1, NULL);
}

/* ---- STOMP ------------------------------------------------------------------ */

/* The value of header name in a frame's head (after the command line). */
static bool
stomp_header (const uint8_t *m, size_t n, const char *name, char *out, size_t outsz)
{
  char key[32];
  g_snprintf (key, sizeof key, "\n%s:", name);
  const uint8_t *at = find_mem (m, n, key);
  if (!at)
    return false;
  size_t i = (size_t) (at - m) + strlen (key), j = i;
  while (j < n && m[j] != '\n' && m[j] != '\r' && m[j] != 0)
    j++;
  copy_text (out, outsz, m + i, j - i);
  return true;
}

static void
stomp_pair (const char *v, int32_t *x, int32_t *y)
{
  long a = -1, b = -1;
  char *end;
  a = strtol (v, &end, 10);
  if (*end == ',')
    b = strtol (end + 1, NULL, 10);
  if (a >= 0 && b >= 0 && a <= G_MAXINT32 && b <= G_MAXINT32)
    *x = (int32_t) a, *y = (int32_t) b;
}

static void
stomp_negotiate (ws_subproto *a)
{
  if (a->stomp_cx < 0 || a->stomp_sx < 0)
    return;
  /* STOMP 1.2 "Heart-beating": each side sends every max(its own, what
   * the other wants), 0 meaning none */
  a->hb_send_ms[WS_SIDE_CLIENT] = a->stomp_cx && a->stomp_sy ? MAX (a->stomp_cx, a->stomp_sy) : 0;
  a->hb_send_ms[WS_SIDE_SERVER] = a->stomp_sx && a->stomp_cy ? MAX (a->stomp_sx, a->stomp_cy) : 0;
}

static void
stomp (ws_subproto *a, int side, int opcode, const uint8_t *m, size_t n, int64_t ts)
{
  size_t i = 0;
  while (i < n && (m[i] == '\n' || m[i] == '\r'))
    i++;
  if (i == n && n > 0)
    {
      note_ping (a, side, ts);   /* a heart-beat: end-of-lines only */
      return;
    }
  m += i, n -= i;
  char v[WS_APP_REASON];
  if (has_prefix (m, n, "CONNECT\n") || has_prefix (m, n, "CONNECT\r\n")
      || has_prefix (m, n, "STOMP\n") || has_prefix (m, n, "STOMP\r\n"))
    {
      a->inits[side]++;
      if (stomp_header (m, n, "heart-beat", v, sizeof v))
        stomp_pair (v, &a->stomp_cx, &a->stomp_cy);
      else
        a->stomp_cx = a->stomp_cy = 0;
      stomp_negotiate (a);
    }
  else if (has_prefix (m, n, "CONNECTED\n") || has_prefix (m, n, "CONNECTED\r\n"))
    {
      a->handshake_done = true;
      if (stomp_header (m, n, "version", v, sizeof v))
        a->version = !strcmp (v, "1.2") ? 12 : !strcmp (v, "1.1") ? 11 : 10;
      if (stomp_header (m, n, "heart-beat", v, sizeof v))
        stomp_pair (v, &a->stomp_sx, &a->stomp_sy);
      else
        a->stomp_sx = a->stomp_sy = 0;
      stomp_negotiate (a);
    }
  else if (has_prefix (m, n, "ERROR\n") || has_prefix (m, n, "ERROR\r\n"))
    {
      if (!stomp_header (m, n, "message", v, sizeof v))
        g_strlcpy (v, "ERROR frame", sizeof v);
      note_error (a, side, ts, v);
      note_end (a, side, ts, "ERROR", -1, v);
    }
  else if (has_prefix (m, n, "DISCONNECT\n") || has_prefix (m, n, "DISCONNECT\r\n"))
    note_end (a, side, ts, "DISCONNECT", -1, NULL);
}

/* ---- MQTT ----------------------------------------------------------------- */

const char *
ws_mqtt_reason_name (int code)
{
  switch (code)
    {
    case 0x00: return "Normal disconnection";
    case 0x04: return "Disconnect with Will Message";
    case 0x80: return "Unspecified error";
    case 0x81: return "Malformed Packet";
    case 0x82: return "Protocol Error";
    case 0x83: return "Implementation specific error";
    case 0x87: return "Not authorized";
    case 0x89: return "Server busy";
    case 0x8B: return "Server shutting down";
    case 0x8D: return "Keep Alive timeout";
    case 0x8E: return "Session taken over";
    case 0x8F: return "Topic Filter invalid";
    case 0x90: return "Topic Name invalid";
    case 0x93: return "Receive Maximum exceeded";
    case 0x94: return "Topic Alias invalid";
    case 0x95: return "Packet too large";
    case 0x96: return "Message rate too high";
    case 0x97: return "Quota exceeded";
    case 0x98: return "Administrative action";
    case 0x99: return "Payload format invalid";
    case 0x9C: return "Use another server";
    case 0x9D: return "Server moved";
    case 0xA0: return "Maximum connect time";
    default: return NULL;
    }
}

/* One MQTT packet whose fixed header and first bytes are in v[0..have),
 * rem the remaining length. */
static void
mqtt_packet (ws_subproto *a, int side, unsigned type, const uint8_t *v, size_t have,
             uint64_t rem, int64_t ts)
{
  switch (type)
    {
    case 1: /* CONNECT: name (u16 length + bytes), level, flags, keepalive */
      a->inits[side]++;
      if (have >= 2)
        {
          size_t nl = (size_t) v[0] << 8 | v[1];
          if (have >= 2 + nl + 4)
            {
              a->version = v[2 + nl] == 5 ? 5 : v[2 + nl] == 4 ? 4 : 3;
              a->ping_interval_ms = (int64_t) ((unsigned) v[2 + nl + 2] << 8
                                               | v[2 + nl + 3]) * 1000;
            }
        }
      break;
    case 2: /* CONNACK: flags, return/reason code */
      if (have >= 2)
        {
          if (v[1] == 0)
            a->handshake_done = true;
          else
            {
              char t[64];
              const char *r = a->version == 5 ? ws_mqtt_reason_name (v[1]) : NULL;
              g_snprintf (t, sizeof t, "CONNACK refused, code %u%s%s%s", v[1],
                          r ? " (" : "", r ? r : "", r ? ")" : "");
              note_error (a, side, ts, t);
            }
        }
      break;
    case 12:
      note_ping (a, side, ts);
      break;
    case 13:
      note_pong (a, side, ts);
      break;
    case 14: /* DISCONNECT: v5 reason code, 0 when absent */
      {
        int code = a->version == 5 ? (rem >= 1 && have >= 1 ? v[0] : 0) : -1;
        const char *r = code >= 0 ? ws_mqtt_reason_name (code) : NULL;
        note_end (a, side, ts, "DISCONNECT", code, r);
      }
      break;
    default:
      break;
    }
}

/* The packet gathered in mq_buf: complete enough to read?  Returns true
 * when it was read (mq_skip then holds what is left of it). */
static bool
mqtt_try (ws_subproto *a, int side, int64_t ts)
{
  const uint8_t *b = a->mq_buf[side];
  size_t n = a->mq_len[side];
  if (n < 2)
    return false;
  uint64_t rem = 0;
  size_t j = 1;
  for (unsigned shift = 0;; shift += 7)
    {
      if (j >= n)
        return false;
      if (shift > 21)
        {
          /* not MQTT any more: start over at the next message */
          a->mq_len[side] = 0;
          a->mq_skip[side] = 0;
          return false;
        }
      rem |= (uint64_t) (b[j] & 0x7f) << shift;
      if (!(b[j++] & 0x80))
        break;
    }
  size_t have = n - j;
  /* enough of the packet: all of it, or the bytes the fields read lie in */
  if (have < rem && n < sizeof a->mq_buf[side])
    return false;
  if (have > rem)
    have = (size_t) rem;
  mqtt_packet (a, side, b[0] >> 4, b + j, have, rem, ts);
  a->mq_skip[side] = rem - have;
  a->mq_len[side] = 0;
  return true;
}

static void
mqtt (ws_subproto *a, int side, int opcode, const uint8_t *m, size_t n, uint64_t size,
      int64_t ts)
{
  size_t i = 0;
  for (unsigned packets = 0; i < n && packets < 256; )
    {
      if (a->mq_skip[side])
        {
          size_t k = n - i < a->mq_skip[side] ? n - i : (size_t) a->mq_skip[side];
          a->mq_skip[side] -= k;
          i += k;
          continue;
        }
      a->mq_buf[side][a->mq_len[side]++] = m[i++];
      if (mqtt_try (a, side, ts))
        packets++;
    }
  if (size > n)
    {
      /* the rest of the message was not kept: skip it, or lose the thread */
      uint64_t rest = size - n;
      if (a->mq_len[side] == 0 && a->mq_skip[side] >= rest)
        a->mq_skip[side] -= rest;
      else
        a->mq_len[side] = 0, a->mq_skip[side] = 0;
    }
}

/* ---- SignalR (JSON hub protocol) ----------------------------------------- */

static void
signalr (ws_subproto *a, int side, int opcode, const uint8_t *m, size_t n, int64_t ts)
{
  if (opcode != 1)
    return; /* MessagePack hub protocol: not read */
  size_t start = 0;
  for (unsigned records = 0; start < n && records < 64; records++)
    {
      size_t end = start;
      while (end < n && m[end] != 0x1e)
        end++;
      if (end == n && records > 0)
        return; /* a cut record after whole ones */
      const uint8_t *r = m + start;
      size_t rl = end - start;
      int64_t type = -1;
      char t[WS_APP_REASON];
      if (json_num (r, rl, "type", &type))
        {
          if (type == 6)
            note_ping (a, side, ts);
          else if (type == 7)
            {
              bool err = json_str (r, rl, "error", t, sizeof t);
              note_end (a, side, ts, "close message", -1, err ? t : NULL);
              if (err)
                note_error (a, side, ts, t);
            }
        }
      else if (json_value_at (r, rl, "protocol") < rl)
        a->inits[side]++;
      else if (side == WS_SIDE_SERVER && !a->handshake_done)
        {
          if (json_str (r, rl, "error", t, sizeof t))
            note_error (a, side, ts, t);
          else
            a->handshake_done = true;
        }
      start = end + 1;
    }
}

/* ---- Phoenix channels ----------------------------------------------------- */

/* topic and event of a Phoenix message: v2 [join_ref, ref, topic, event,
 * payload] or v1 {"topic":..,"event":..}. */
static bool
phoenix_read (const uint8_t *m, size_t n, char *topic, size_t tsz, char *event, size_t esz)
{
  size_t i = skip_ws (m, n, 0);
  if (i < n && m[i] == '{')
    return json_str (m, n, "topic", topic, tsz) && json_str (m, n, "event", event, esz);
  if (i >= n || m[i] != '[')
    return false;
  i++;
  for (int k = 0; k < 4; k++)
    {
      i = skip_ws (m, n, i);
      if (i >= n)
        return false;
      char tmp[8];
      char *out = k == 2 ? topic : k == 3 ? event : tmp;
      size_t osz = k == 2 ? tsz : k == 3 ? esz : sizeof tmp;
      if (m[i] == '"')
        {
          if (!json_string_at (m, n, i, out, osz))
            return false;
          for (i++; i < n && m[i] != '"'; i++)
            if (m[i] == '\\')
              i++;
          i++;
        }
      else if (has_prefix (m + i, n - i, "null"))
        {
          if (k >= 2)
            return false;
          i += 4;
        }
      else
        return false;
      i = skip_ws (m, n, i);
      if (i >= n || m[i] != ',')
        return false;
      i++;
    }
  return true;
}

static void
phoenix (ws_subproto *a, int side, int opcode, const uint8_t *m, size_t n, int64_t ts)
{
  char topic[64], event[32];
  if (opcode != 1 || !phoenix_read (m, n, topic, sizeof topic, event, sizeof event))
    return;
  if (!strcmp (topic, "phoenix") && !strcmp (event, "heartbeat"))
    note_ping (a, side, ts);
  else if (!strcmp (topic, "phoenix") && !strcmp (event, "phx_reply"))
    note_pong (a, side, ts);
  else if (!strcmp (event, "phx_join"))
    a->inits[side]++;
  else if (!strcmp (event, "phx_error"))
    {
      char t[WS_APP_REASON];
      g_snprintf (t, sizeof t, "phx_error on topic %s", topic);
      note_error (a, side, ts, t);
    }
}

/* ---- detection ------------------------------------------------------------ */

static ws_app_kind
kind_of_subprotocol (const char *s)
{
  /* only names of the same length are compared */
#define SUB(name, kind) { name, sizeof name - 1, kind }
  static const struct { const char *name; size_t len; ws_app_kind kind; } subs[] = {
    SUB ("graphql-transport-ws", WS_APP_GRAPHQL_TRANSPORT_WS),
    SUB ("graphql-ws", WS_APP_GRAPHQL_WS),
    SUB ("v10.stomp", WS_APP_STOMP), SUB ("v11.stomp", WS_APP_STOMP),
    SUB ("v12.stomp", WS_APP_STOMP), SUB ("stomp", WS_APP_STOMP),
    SUB ("mqtt", WS_APP_MQTT), SUB ("mqttv3.1", WS_APP_MQTT),
  };
#undef SUB
  if (!s)
    return WS_APP_NONE;
  size_t n = strnlen (s, 21);
  for (size_t i = 0; i < G_N_ELEMENTS (subs); i++)
    if (n == subs[i].len && ws_ascii_caseeq (s, subs[i].name))
      return subs[i].kind;
  return WS_APP_NONE;
}

static ws_app_kind
kind_of_path (const char *p, uint8_t *version)
{
  if (!p)
    return WS_APP_NONE;
  /* "/socket.io/" and "/engine.io/" both hold ".io/": one scan rules
   * them both out in the usual path */
  const char *e = strstr (p, "EIO=");
  if (e || (strstr (p, ".io/") && (strstr (p, "/socket.io/") || strstr (p, "/engine.io/"))))
    {
      if (e && (e[4] == '3' || e[4] == '4'))
        *version = (uint8_t) (e[4] - '0');
      return WS_APP_ENGINEIO;
    }
  const char *q = strchr (p, '?');
  size_t plen = q ? (size_t) (q - p) : strlen (p);
  if (plen >= 10 && !memcmp (p + plen - 10, "/websocket", 10) && q && strstr (q, "vsn="))
    return WS_APP_PHOENIX;
  return WS_APP_NONE;
}

static ws_app_kind
kind_of_message (int side, int opcode, const uint8_t *m, size_t n)
{
  if (opcode == 2)
    {
      if (n >= 8 && m[0] == 0x10 && (find_mem (m + 1, MIN (n - 1, (size_t) 10), "MQTT")
                                     || find_mem (m + 1, MIN (n - 1, (size_t) 10), "MQIsdp")))
        return WS_APP_MQTT;
      return WS_APP_NONE;
    }
  if (side == WS_SIDE_SERVER && has_prefix (m, n, "0{") && json_value_at (m, n, "sid") < n
      && json_value_at (m, n, "pingInterval") < n)
    return WS_APP_ENGINEIO;
  if (has_prefix (m, n, "{\"protocol\":") && memchr (m, 0x1e, n))
    return WS_APP_SIGNALR;
  if (has_prefix (m, n, "CONNECT\n") || has_prefix (m, n, "STOMP\n")
      || has_prefix (m, n, "CONNECT\r\n") || has_prefix (m, n, "STOMP\r\n"))
    return WS_APP_STOMP;
  char topic[64], event[32];
  if (phoenix_read (m, n, topic, sizeof topic, event, sizeof event)
      && (!strcmp (event, "phx_join") || !strcmp (event, "heartbeat")))
    return WS_APP_PHOENIX;
  return WS_APP_NONE;
}

/* A state for a protocol already classified. */
static ws_subproto *
subproto_make (ws_app_kind k, uint8_t detected_by, uint8_t version, const char *subprotocol)
{
  ws_subproto *a = g_new0 (ws_subproto, 1);
  a->end_side = a->error_side = -1;
  a->end_code = -1;
  a->ping_interval_ms = a->ping_timeout_ms = -1;
  a->hb_send_ms[0] = a->hb_send_ms[1] = -1;
  a->stomp_cx = a->stomp_cy = a->stomp_sx = a->stomp_sy = -1;
  a->detected_by = detected_by;
  a->kind = (uint8_t) k;
  a->version = version;
  if (k == WS_APP_STOMP && subprotocol && g_ascii_isdigit (subprotocol[1]))
    a->version = (uint8_t) ((subprotocol[1] - '0') * 10 + (subprotocol[2] - '0'));
  return a;
}

ws_subproto *
ws_subproto_new (const char *subprotocol, const char *path)
{
  uint8_t version = 0;
  ws_app_kind k = kind_of_subprotocol (subprotocol);
  if (k != WS_APP_NONE)
    return subproto_make (k, BY_SUBPROTOCOL, 0, subprotocol);
  if ((k = kind_of_path (path, &version)) != WS_APP_NONE)
    return subproto_make (k, BY_PATH, version, subprotocol);
  return subproto_make (WS_APP_SNIFF, 0, 0, subprotocol);
}

ws_subproto *
ws_subproto_new_known (const char *subprotocol, const char *path)
{
  uint8_t version = 0;
  ws_app_kind k;

  /* as ws_subproto_known (subprotocol, path, false), then ws_subproto_new */
  if (subprotocol)
    return (k = kind_of_subprotocol (subprotocol)) != WS_APP_NONE
           ? subproto_make (k, BY_SUBPROTOCOL, 0, subprotocol) : NULL;
  return (k = kind_of_path (path, &version)) != WS_APP_NONE
         ? subproto_make (k, BY_PATH, version, NULL) : NULL;
}

void
ws_subproto_free (ws_subproto *a)
{
  g_free (a);
}

bool
ws_subproto_message (ws_subproto *a, int side, int opcode, const uint8_t *msg,
                     size_t len, uint64_t size, int64_t ts_us)
{
  if (side != WS_SIDE_CLIENT && side != WS_SIDE_SERVER)
    return true;
  if (len > WS_APP_HEAD)
    len = WS_APP_HEAD;
  if (len > size)
    len = (size_t) size;
  if (a->kind == WS_APP_NONE)
    return false;
  if (a->kind == WS_APP_SNIFF)
    {
      ws_app_kind k = kind_of_message (side, opcode, msg, len);
      if (k == WS_APP_NONE)
        return ++a->sniffed[side] + a->sniffed[!side] < SNIFF_MESSAGES;
      a->kind = (uint8_t) k;
      a->detected_by = BY_MESSAGE;
    }
  ws_app_dir *d = &a->dir[side];
  d->messages++;
  d->last_message_us = ts_us;
  switch ((ws_app_kind) a->kind)
    {
    case WS_APP_ENGINEIO: engineio (a, side, opcode, msg, len, ts_us); break;
    case WS_APP_GRAPHQL_TRANSPORT_WS:
    case WS_APP_GRAPHQL_WS: graphql (a, side, opcode, msg, len, ts_us); break;
    case WS_APP_STOMP: stomp (a, side, opcode, msg, len, ts_us); break;
    case WS_APP_MQTT: mqtt (a, side, opcode, msg, len, size, ts_us); break;
    case WS_APP_SIGNALR: signalr (a, side, opcode, msg, len, ts_us); break;
    case WS_APP_PHOENIX: phoenix (a, side, opcode, msg, len, ts_us); break;
    default: break;
    }
  return true;
}

const char *
ws_subproto_name (const ws_subproto *a)
{
  if (!a)
    return NULL;
  switch ((ws_app_kind) a->kind)
    {
    case WS_APP_ENGINEIO: return "socket.io";
    case WS_APP_GRAPHQL_TRANSPORT_WS: return "graphql-transport-ws";
    case WS_APP_GRAPHQL_WS: return "graphql-ws";
    case WS_APP_STOMP: return "stomp";
    case WS_APP_MQTT: return "mqtt";
    case WS_APP_SIGNALR: return "signalr";
    case WS_APP_PHOENIX: return "phoenix";
    default: return NULL;
    }
}

/* ---- the frame parser's side ---------------------------------------------- */

bool
ws_subproto_known (const char *subprotocol, const char *path, bool any_path)
{
  uint8_t version = 0;
  if (subprotocol)
    return kind_of_subprotocol (subprotocol) != WS_APP_NONE;
  return any_path || kind_of_path (path, &version) != WS_APP_NONE;
}
