/* subproto-json.c - the record's members for the application protocol
 * (subproto.h): "subprotocol_app" and "app".  Strings in the state come
 * from untrusted bytes: they are made valid UTF-8 and escaped here.
 */
#include "config.h"

#include <string.h>

#include "subproto.h"

static void
json_string (GString *o, const char *s)
{
  if (!s)
    {
      g_string_append (o, "null");
      return;
    }
  char *v = g_utf8_make_valid (s, -1);
  g_string_append_c (o, '"');
  for (const char *p = v; *p; p++)
    {
      unsigned char ch = (unsigned char) *p;
      if (ch == '"' || ch == '\\')
        g_string_append_c (o, '\\'), g_string_append_c (o, (char) ch);
      else if (ch < 0x20 || ch == 0x7f)
        g_string_append_printf (o, "\\u%04x", ch);
      else
        g_string_append_c (o, (char) ch);
    }
  g_string_append_c (o, '"');
  g_free (v);
}

static void
json_ts (GString *o, int64_t us)
{
  if (!us)
    g_string_append (o, "null");
  else
    g_string_append_printf (o, "%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT,
                            us / 1000000, us % 1000000);
}

static void
json_ms (GString *o, const char *key, int64_t ms)
{
  g_string_append_printf (o, ",\"%s\":", key);
  if (ms < 0)
    g_string_append (o, "null");
  else
    g_string_append_printf (o, "%" G_GINT64_FORMAT, ms);
}

static void
json_dir (GString *o, const ws_app_dir *d, unsigned inits)
{
  g_string_append_printf (o, "{\"messages\":%" G_GUINT64_FORMAT ",\"pings\":%" G_GUINT64_FORMAT
                          ",\"pongs\":%" G_GUINT64_FORMAT ",\"inits\":%u,\"last_ping_ts\":",
                          d->messages, d->pings, d->pongs, inits);
  json_ts (o, d->last_ping_us);
  g_string_append (o, ",\"last_pong_ts\":");
  json_ts (o, d->last_pong_us);
  g_string_append (o, ",\"last_message_ts\":");
  json_ts (o, d->last_message_us);
  g_string_append_c (o, '}');
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
  g_string_append (o, ",\"subprotocol_app\":");
  json_string (o, name);
  g_string_append (o, ",\"app\":{\"detected_by\":");
  json_string (o, a->detected_by < G_N_ELEMENTS (by) ? by[a->detected_by] : NULL);
  if (a->version)
    g_string_append_printf (o, ",\"version\":%u", a->version);
  else
    g_string_append (o, ",\"version\":null");
  g_string_append_printf (o, ",\"handshake_done\":%s", a->handshake_done ? "true" : "false");
  json_ms (o, "ping_interval_ms", a->ping_interval_ms);
  json_ms (o, "ping_timeout_ms", a->ping_timeout_ms);
  json_ms (o, "client_heartbeat_ms", a->hb_send_ms[0]);
  json_ms (o, "server_heartbeat_ms", a->hb_send_ms[1]);
  g_string_append (o, ",\"client\":");
  json_dir (o, &a->dir[0], a->inits[0]);
  g_string_append (o, ",\"server\":");
  json_dir (o, &a->dir[1], a->inits[1]);
  g_string_append (o, ",\"end\":");
  if (a->end_side < 0)
    g_string_append (o, "null");
  else
    {
      g_string_append (o, "{\"side\":");
      json_string (o, side_word (a->end_side));
      g_string_append (o, ",\"what\":");
      json_string (o, a->end_what);
      g_string_append (o, ",\"code\":");
      if (a->end_code >= 0)
        g_string_append_printf (o, "%d", a->end_code);
      else
        g_string_append (o, "null");
      g_string_append (o, ",\"reason\":");
      json_string (o, a->end_reason[0] ? a->end_reason : NULL);
      g_string_append (o, ",\"ts\":");
      json_ts (o, a->end_us);
      g_string_append_c (o, '}');
    }
  g_string_append (o, ",\"error\":");
  if (a->error_side < 0)
    g_string_append (o, "null");
  else
    {
      g_string_append (o, "{\"side\":");
      json_string (o, side_word (a->error_side));
      g_string_append (o, ",\"text\":");
      json_string (o, a->error);
      g_string_append (o, ",\"ts\":");
      json_ts (o, a->error_us);
      g_string_append_c (o, '}');
    }
  g_string_append_c (o, '}');
}
