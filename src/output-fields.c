/* output-fields.c - the names and derived values every writer shows the
 * same way: kinds, stages, handshake problems and limits by name, the close
 * reason of the record, whether the handshake failed.
 */
#include "config.h"

#include "output-fields.h"
#include "output-escape.h"

const char *
ws_kind_name (ws_kind k)
{
  switch (k)
    {
    case WS_KIND_WEBSOCKET: return "websocket";
    case WS_KIND_TLS: return "tls";
    case WS_KIND_OTHER: return "other";
    case WS_KIND_UNKNOWN: return "unknown";
    }
  return "unknown";
}

const char *
ws_stage_name (ws_stage s)
{
  switch (s)
    {
    case WS_STAGE_PROBE: return "probe";
    case WS_STAGE_HANDSHAKE: return "handshake";
    case WS_STAGE_FRAMES: return "frames";
    case WS_STAGE_REJECTED: return "rejected";
    case WS_STAGE_IGNORED: return "ignored";
    }
  return NULL;
}

const char *
ws_handshake_problem_name (int k)
{
  switch (k)
    {
    case WS_HS_UNREQUESTED_EXTENSION: return "unrequested_extension";
    case WS_HS_UNREQUESTED_SUBPROTOCOL: return "unrequested_subprotocol";
    case WS_HS_BAD_EXTENSION_PARAM: return "bad_extension_param";
    default: return NULL;
    }
}

const ws_limit_name ws_limit_names[WS_N_LIMIT_NAMES] = {
  { WS_LIMIT_HEADER, "header" },
  { WS_LIMIT_REASSEMBLY, "reassembly" },
  { WS_LIMIT_INFLATE, "inflate" },
  { WS_LIMIT_INFLATERS, "inflaters" },
  { WS_LIMIT_EVICTED, "evicted" },
  { WS_LIMIT_VIOLATIONS, "violations" },
};

/* A side index that is safe to use on the record's arrays. */
bool
ws_side_valid (ws_side s)
{
  return s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER;
}

/* The reason of the first close frame (the initiator's), or NULL when there
 * is none or it is empty. */
const char *
ws_contract_close_reason (const ws_conn *c, size_t *len)
{
  const ws_close_info *ci;

  *len = 0;
  if (!ws_side_valid (c->close_initiator))
    return NULL;
  ci = &c->close[c->close_initiator];
  if (!ci->seen || ci->reason == NULL || ci->reason_len == 0)
    return NULL;
  *len = ci->reason_len;
  return ci->reason;
}

bool
ws_handshake_failed (const ws_conn *c)
{
  return (c->handshake_status >= 0 && c->handshake_status != 101) ||
         c->accept_valid == 0 || c->handshake_problem_kind != WS_HS_OK;
}


/* When the connection began to end: its first close frame, else its first
 * FIN or RST, else its last packet; 0 when it did not end. */
static int64_t
closing_us (const ws_conn *c)
{
  int64_t t = 0;

  for (int s = 0; s < 2; s++)
    if (c->close[s].seen && c->close[s].ts_us && (!t || c->close[s].ts_us < t))
      t = c->close[s].ts_us;
  if (t)
    return t;
  for (int s = 0; s < 2; s++)
    {
      if (c->fin[s] && c->fin_us[s] && (!t || c->fin_us[s] < t))
        t = c->fin_us[s];
      if (c->rst[s] && c->rst_us[s] && (!t || c->rst_us[s] < t))
        t = c->rst_us[s];
    }
  if (t)
    return t;
  return c->tcp_end != WS_TCP_END_OPEN ? c->end_us : 0;
}

int64_t
ws_idle_before_close_us (const ws_conn *c, ws_side s)
{
  if (!ws_side_valid (s))
    return -1;
  int64_t end = closing_us (c);
  int64_t last = c->dir[s].last_data_us;
  if (!last)
    last = c->response_us ? c->response_us : 0;
  if (!end || !last || end < last)
    return -1;
  return end - last;
}

int64_t
ws_last_ping_rtt_us (const ws_conn *c)
{
  ws_side pinger = c->dir[WS_SIDE_CLIENT].last_ping_us >= c->dir[WS_SIDE_SERVER].last_ping_us
                   ? WS_SIDE_CLIENT : WS_SIDE_SERVER;
  int64_t ping = c->dir[pinger].last_ping_us;
  int64_t pong = c->dir[1 - pinger].last_pong_us;

  if (!ping || !pong || pong < ping)
    return -1;
  return pong - ping;
}

int64_t
ws_duration_us (const ws_conn *c)
{
  return c->end_us && c->end_us >= c->start_us ? c->end_us - c->start_us : -1;
}

size_t
ws_display_filter_buf_addrs (const ws_conn *c, char buf[WS_DISPLAY_FILTER_MAX],
                             const char *ca_text, size_t ca_len,
                             const char *sa_text, size_t sa_len)
{
  const ws_addr *ca = &c->addr[WS_SIDE_CLIENT], *sa = &c->addr[WS_SIDE_SERVER];
  char *p = buf;

  if (!c->first_frame || (ca->family != 4 && ca->family != 6) || ca->family != sa->family)
    return 0;
  /* written piece by piece (printf cost 5k instructions a record) */
  if (ca->family == 6)
    P_LIT (p, "ipv6.addr==");
  else
    P_LIT (p, "ip.addr==");
  memcpy (p, ca_text, ca_len);
  p += ca_len;
  if (ca->family == 6)
    P_LIT (p, " && ipv6.addr==");
  else
    P_LIT (p, " && ip.addr==");
  memcpy (p, sa_text, sa_len);
  p += sa_len;
  P_LIT (p, " && tcp.port==");
  p = p_u64 (p, c->port[WS_SIDE_CLIENT]);
  P_LIT (p, " && tcp.port==");
  p = p_u64 (p, c->port[WS_SIDE_SERVER]);
  /* the frame numbers hold in one file; a connection that goes on into
   * the next file of a rotation is selected by its addresses alone */
  if (c->first_file == c->last_file)
    {
      P_LIT (p, " && frame.number>=");
      p = p_u64 (p, c->first_frame);
      P_LIT (p, " && frame.number<=");
      p = p_u64 (p, c->last_frame);
    }
  *p = '\0';
  g_assert ((size_t) (p - buf) < WS_DISPLAY_FILTER_MAX);
  return (size_t) (p - buf);
}

size_t
ws_display_filter_buf (const ws_conn *c, char buf[WS_DISPLAY_FILTER_MAX])
{
  char ca[64], sa[64];
  size_t cn, sn;

  if (!c->first_frame)
    return 0;
  cn = ws_addr_format (&c->addr[WS_SIDE_CLIENT], ca, sizeof ca);
  sn = ws_addr_format (&c->addr[WS_SIDE_SERVER], sa, sizeof sa);
  return ws_display_filter_buf_addrs (c, buf, ca, cn, sa, sn);
}

bool
ws_display_filter (const ws_conn *c, GString *out)
{
  char buf[WS_DISPLAY_FILTER_MAX];
  size_t n = ws_display_filter_buf (c, buf);

  if (n)
    g_string_append_len (out, buf, (gssize) n);
  return n > 0;
}

bool
ws_record_abnormal (const ws_conn *c)
{
  int code = ws_conn_close_code (c);

  if (ws_handshake_failed (c))
    return true;
  if (code < 0)
    return false;               /* not closed (still open, or not decrypted) */
  if (code == 1000 || code == 1001)
    return false;
  if (code == 1005 && ws_side_valid (c->close_initiator))
    {
      /* 1005 by choice: a close frame without a code, sent and answered:
       * a clean close handshake that names no reason */
      ws_side other = c->close_initiator == WS_SIDE_CLIENT ? WS_SIDE_SERVER : WS_SIDE_CLIENT;
      if (c->close[c->close_initiator].seen && c->close[c->close_initiator].code < 0
          && c->close[other].seen)
        return false;
    }
  return true;
}

static gint
cmp_evidence (gconstpointer a, gconstpointer b)
{
  const ws_evidence *x = *(ws_evidence *const *) a;
  const ws_evidence *y = *(ws_evidence *const *) b;

  return (x->ts_us > y->ts_us) - (x->ts_us < y->ts_us);
}

GPtrArray *
ws_evidence_in_time_order (const ws_cause *cause)
{
  GPtrArray *out = g_ptr_array_new ();

  if (!cause->evidence)
    return out;
  /* a line without a moment stays after the timed line before it: it is
   * sorted with that line's time (g_ptr_array_sort is stable) */
  int64_t last = 0;
  GPtrArray *keyed = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < cause->evidence->len; i++)
    {
      const ws_evidence *e = g_ptr_array_index (cause->evidence, i);
      if (e == NULL)
        continue;
      if (e->ts_us > 0)
        last = e->ts_us;
      ws_evidence *k = g_new (ws_evidence, 1);
      k->ts_us = e->ts_us > 0 ? e->ts_us : last;
      k->text = (char *) e;     /* the original, carried along */
      g_ptr_array_add (keyed, k);
    }
  g_ptr_array_sort (keyed, cmp_evidence);
  for (guint i = 0; i < keyed->len; i++)
    g_ptr_array_add (out, ((ws_evidence *) g_ptr_array_index (keyed, i))->text);
  g_ptr_array_unref (keyed);
  return out;
}
