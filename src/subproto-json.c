/* subproto-json.c - the record's members for the application protocol
 * (subproto.h): "subprotocol_app" and "app".  Strings in the state come
 * from untrusted bytes: they are made valid UTF-8 and escaped here.
 */
#include "config.h"

#include <string.h>

#include "subproto.h"
#include "output-escape.h"

/* s as a JSON string: made valid UTF-8 (bad bytes become U+FFFD), '"' and
 * '\\' escaped with a backslash, control bytes and DEL as \u00XX; null
 * when s is NULL.  Written into room made once (6 bytes a byte at most),
 * without a copy when s is valid already (the usual case). */
static void
json_string (GString *o, const char *s)
{
  if (!s)
    {
      GS_PUT_LIT (o, "null");
      return;
    }
  char *fixed = NULL;
  if (!g_utf8_validate (s, -1, NULL))
    s = fixed = g_utf8_make_valid (s, -1);
  size_t n = strlen (s);
  char *q = gs_room (o, 2 + 6 * n);
  *q++ = '"';
  for (const char *p = s; *p; p++)
    {
      unsigned char ch = (unsigned char) *p;
      if (ch == '"' || ch == '\\')
        {
          *q++ = '\\';
          *q++ = (char) ch;
        }
      else if (ch < 0x20 || ch == 0x7f)
        {
          memcpy (q, "\\u00", 4);
          q[4] = hex_digits[ch >> 4];
          q[5] = hex_digits[ch & 0xF];
          q += 6;
        }
      else
        *q++ = (char) ch;
    }
  *q++ = '"';
  gs_done (o, q);
  g_free (fixed);
}

/* A timestamp in microseconds as seconds with 6 decimals, null when 0.  A
 * negative one (not from a capture's clock) keeps the form it always had, a
 * sign on both parts: "-9223372036854.-775808" at the most, and printf's
 * NUL after it. */
#define APP_TS_ROOM 23
static inline char *
p_json_ts (char *p, int64_t us)
{
  if (!us)
    return P_LIT (p, "null");
  if (us < 0)
    return p + g_snprintf (p, APP_TS_ROOM, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                           us / 1000000, us % 1000000);
  return p_ts (p, us);
}

static void
json_ts (GString *o, int64_t us)
{
  gs_done (o, p_json_ts (gs_room (o, APP_TS_ROOM), us));
}

/* ,"key":ms (null when negative) at p; key a literal */
#define P_MS(p, key, ms) \
  (P_LIT (p, ",\"" key "\":"), (ms) < 0 ? P_LIT (p, "null") : ((p) = p_u64 ((p), (uint64_t) (ms))))

static void
json_dir (GString *o, const ws_app_dir *d, unsigned inits)
{
  char *p = gs_room (o, 160 + 3 * U64_MAX_LEN + 3 * APP_TS_ROOM);
  P_LIT (p, "{\"messages\":");
  p = p_u64 (p, d->messages);
  P_LIT (p, ",\"pings\":");
  p = p_u64 (p, d->pings);
  P_LIT (p, ",\"pongs\":");
  p = p_u64 (p, d->pongs);
  P_LIT (p, ",\"inits\":");
  p = p_u64 (p, inits);
  P_LIT (p, ",\"last_ping_ts\":");
  p = p_json_ts (p, d->last_ping_us);
  P_LIT (p, ",\"last_pong_ts\":");
  p = p_json_ts (p, d->last_pong_us);
  P_LIT (p, ",\"last_message_ts\":");
  p = p_json_ts (p, d->last_message_us);
  *p++ = '}';
  gs_done (o, p);
}

static const char *
side_word (int s)
{
  return s == 0 ? "client" : s == 1 ? "server" : NULL;
}

void
ws_subproto_json (GString *o, const ws_subproto *a)
{
  const char *name = ws_subproto_name (a);
  if (!name)
    return;
  static const char *const by[] = { NULL, "subprotocol", "path", "messages" };
  GS_PUT_LIT (o, ",\"subprotocol_app\":");
  json_string (o, name);
  GS_PUT_LIT (o, ",\"app\":{\"detected_by\":");
  json_string (o, a->detected_by < G_N_ELEMENTS (by) ? by[a->detected_by] : NULL);
  char *p = gs_room (o, 200 + 5 * U64_MAX_LEN);
  P_LIT (p, ",\"version\":");
  if (a->version)
    p = p_u64 (p, a->version);
  else
    P_LIT (p, "null");
  if (a->handshake_done)
    P_LIT (p, ",\"handshake_done\":true");
  else
    P_LIT (p, ",\"handshake_done\":false");
  P_MS (p, "ping_interval_ms", a->ping_interval_ms);
  P_MS (p, "ping_timeout_ms", a->ping_timeout_ms);
  P_MS (p, "client_heartbeat_ms", a->hb_send_ms[0]);
  P_MS (p, "server_heartbeat_ms", a->hb_send_ms[1]);
  P_LIT (p, ",\"client\":");
  gs_done (o, p);
  json_dir (o, &a->dir[0], a->inits[0]);
  GS_PUT_LIT (o, ",\"server\":");
  json_dir (o, &a->dir[1], a->inits[1]);
  GS_PUT_LIT (o, ",\"end\":");
  if (a->end_side < 0)
    GS_PUT_LIT (o, "null");
  else
    {
      GS_PUT_LIT (o, "{\"side\":");
      json_string (o, side_word (a->end_side));
      GS_PUT_LIT (o, ",\"what\":");
      json_string (o, a->end_what);
      GS_PUT_LIT (o, ",\"code\":");
      if (a->end_code >= 0)
        put_u64 (o, (uint64_t) a->end_code);
      else
        GS_PUT_LIT (o, "null");
      GS_PUT_LIT (o, ",\"reason\":");
      json_string (o, a->end_reason[0] ? a->end_reason : NULL);
      GS_PUT_LIT (o, ",\"ts\":");
      json_ts (o, a->end_us);
      g_string_append_c (o, '}');
    }
  GS_PUT_LIT (o, ",\"error\":");
  if (a->error_side < 0)
    GS_PUT_LIT (o, "null");
  else
    {
      GS_PUT_LIT (o, "{\"side\":");
      json_string (o, side_word (a->error_side));
      GS_PUT_LIT (o, ",\"text\":");
      json_string (o, a->error);
      GS_PUT_LIT (o, ",\"ts\":");
      json_ts (o, a->error_us);
      g_string_append_c (o, '}');
    }
  g_string_append_c (o, '}');
}
