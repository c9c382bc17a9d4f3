/* tlsconn.c - the TLS stage's place in the pipeline (see tlsconn.h). */
#include "config.h"

#include "tlsconn.h"

ws_tls_config ws_tls_cfg;

static void
on_plain (void *user, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  ws_conn *c = user;

  ws_conn_plain_data (c, (ws_side) side, data, len, ts_us);
  /* plaintext that is not WebSocket: still a TLS connection in the totals */
  if (c->kind == WS_KIND_OTHER)
    c->kind = WS_KIND_TLS;
}

bool
ws_tls_conn_take (ws_conn *c, const uint8_t *data, size_t len)
{
  if (!ws_tls_cfg.keylog || c->tls)
    return false;
  /* a stream that began before the capture: records of any type, if their
   * headers chain; without a SYN only (else the start was seen) */
  if (!ws_tls_looks_like (data, len, !c->syn_seen))
    return false;
  c->tls = ws_tls_new (ws_tls_cfg.keylog, on_plain, c);
  c->tls_on = true;
  c->kind = WS_KIND_TLS;
  if (!c->syn_seen && !(len >= 1 && data[0] == 22))
    c->midstream = true;
  return true;
}

void
ws_tls_conn_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (c->tls && (side == WS_SIDE_CLIENT || side == WS_SIDE_SERVER))
    ws_tls_feed (c->tls, side, data, len, ts_us);
}

void
ws_tls_conn_gap (ws_conn *c, ws_side side)
{
  if (c->tls)
    ws_tls_gap (c->tls, side);
}

void
ws_tls_conn_release (ws_conn *c)
{
  if (c->tls)
    ws_tls_release (c->tls);
}

void
ws_tls_conn_free (ws_conn *c)
{
  if (c->tls)
    {
      ws_tls_free (c->tls);
      c->tls = NULL;
    }
}

bool
ws_tls_conn_reported (const ws_conn *c)
{
  if (!c->tls_on || !c->tls || c->kind != WS_KIND_TLS)
    return false;
  const ws_tls_info *in = ws_tls_get_info (c->tls);
  return in->app_bytes[0] + in->app_bytes[1] == 0;
}

const ws_tls_info *
ws_tls_conn_info (const ws_conn *c)
{
  return c->tls ? ws_tls_get_info (c->tls) : NULL;
}
