/* facts.c - facts worked out from a connection record (see facts.h). */
#include <glib.h>
#include <string.h>

#include "facts.h"
#include "i18n.h"
#include "strbuf.h"

int64_t
ws_end_moment (const ws_conn *c)
{
  if (c->close_initiator == WS_SIDE_CLIENT || c->close_initiator == WS_SIDE_SERVER)
    {
      const ws_close_info *ci = &c->close[c->close_initiator];
      if (ci->seen && ci->ts_us)
        return ci->ts_us;
    }
  if (c->tcp_end != WS_TCP_END_OPEN)
    {
      int64_t t = ws_first_end_us (c, c->tcp_end_by);
      if (!t)
        {
          int64_t a = ws_first_end_us (c, WS_SIDE_CLIENT), b = ws_first_end_us (c, WS_SIDE_SERVER);
          t = a && (!b || a < b) ? a : b;
        }
      return t ? t : c->end_us;
    }
  return 0;
}

const char *
ws_violation_text (ws_violation_kind k)
{
  switch (k)
    {
    case WS_VIOL_UNMASKED_CLIENT_FRAME: return ws_tr ("an unmasked frame (client frames must be masked)");
    case WS_VIOL_MASKED_SERVER_FRAME: return ws_tr ("a masked frame (server frames must not be masked)");
    case WS_VIOL_RSV_NOT_NEGOTIATED: return ws_tr ("a frame with RSV bits that no negotiated extension allows");
    case WS_VIOL_CONTROL_TOO_LONG: return ws_tr ("a control frame longer than 125 bytes");
    case WS_VIOL_CONTROL_FRAGMENTED: return ws_tr ("a fragmented control frame");
    case WS_VIOL_UNKNOWN_OPCODE: return ws_tr ("a frame with an unknown opcode");
    case WS_VIOL_CONTINUATION_WITHOUT_START: return ws_tr ("a continuation frame with no message started");
    case WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED: return ws_tr ("a new message while a fragmented one was still open");
    case WS_VIOL_CLOSE_ONE_BYTE: return ws_tr ("a close frame with a 1-byte body");
    case WS_VIOL_CLOSE_CODE_INVALID: return ws_tr ("a close frame with a code not allowed on the wire");
    case WS_VIOL_CLOSE_REASON_NOT_UTF8: return ws_tr ("a close reason that is not valid UTF-8");
    case WS_VIOL_TEXT_NOT_UTF8: return ws_tr ("a text message that is not valid UTF-8");
    case WS_VIOL_DATA_AFTER_CLOSE: return ws_tr ("a frame after its own close frame");
    case WS_VIOL_LENGTH_NOT_MINIMAL: return ws_tr ("a frame length not in its shortest encoding");
    case WS_VIOL_LENGTH_MSB_SET: return ws_tr ("a 64-bit frame length with the top bit set");
    case WS_VIOL_INFLATE_ERROR: return ws_tr ("a compressed message that does not inflate");
    case WS_VIOL_RSV1_ON_CONTINUATION: return ws_tr ("RSV1 set on a continuation frame");
    case WS_VIOL_RSV1_ON_CONTROL: return ws_tr ("RSV1 set on a control frame");
    default: return ws_tr ("a protocol violation");
    }
}

const ws_violation *
ws_find_violation (const ws_conn *c, ws_side side, const ws_violation_kind *kinds,
                   size_t n_kinds, int64_t limit_us)
{
  unsigned n = MIN (c->n_violations, WS_MAX_VIOLATIONS);
  for (unsigned i = 0; i < n; i++)
    {
      const ws_violation *v = &c->violations[i];
      if (side != WS_SIDE_NONE && v->side != side)
        continue;
      if (limit_us && v->ts_us > limit_us)
        continue;
      if (kinds)
        {
          bool ok = false;
          for (size_t j = 0; j < n_kinds; j++)
            ok |= v->kind == kinds[j];
          if (!ok)
            continue;
        }
      return v;
    }
  return NULL;
}

void
ws_short_close_reason (char *buf, size_t len, const ws_close_info *ci, size_t max)
{
  if (ci->reason == NULL || memchr (ci->reason, '\0', ci->reason_len) == NULL)
    {
      ws_short_reason (buf, len, ci->reason, max);
      return;
    }
  GString *t = g_string_sized_new (ci->reason_len + 16);
  for (size_t i = 0; i < ci->reason_len; i++)
    if (ci->reason[i] == '\0')
      g_string_append (t, "\\x00");
    else
      g_string_append_c (t, ci->reason[i]);
  ws_short_reason (buf, len, t->str, max);
  g_string_free (t, TRUE);
}

bool
ws_keepalive_of (const ws_conn *c, ws_side s, ws_keepalive *k)
{
  const ws_dir_stats *p, *o;

  memset (k, 0, sizeof *k);
  if (s != WS_SIDE_CLIENT && s != WS_SIDE_SERVER)
    return false;
  p = &c->dir[s];
  o = &c->dir[WS_OTHER_SIDE (s)];
  /* WebSocket pings first; an application-level keepalive (subproto.c's
   * summary of the connection) goes here when there are none */
  if (!p->pings)
    return false;
  k->what = "ping";
  k->pings = p->pings;
  k->answers = o->pongs;
  k->first_ping_us = p->first_ping_us ? p->first_ping_us : p->last_ping_us;
  k->last_ping_us = p->last_ping_us;
  k->last_answer_us = o->pongs ? o->last_pong_us : 0;
  if (p->pings >= 2 && k->last_ping_us > k->first_ping_us)
    k->interval_us = (k->last_ping_us - k->first_ping_us) / (int64_t) (p->pings - 1);
  return true;
}
