/* conn-builder.c - connection records built by hand for the unit tests:
 * what a situation looks like on the wire, as the parsers would have filled
 * the record (see conn-builder.h). */
#include <string.h>

#include "conn-builder.h"
#include "test-ctx.h"

ws_conn *
mk_conn (uint64_t id, int client_last_octet)
{
  ws_conn *c = ws_conn_new (test_ctx ());
  c->id = id;
  c->addr[WS_SIDE_CLIENT].family = 4;
  c->addr[WS_SIDE_CLIENT].addr[0] = 10;
  c->addr[WS_SIDE_CLIENT].addr[3] = (uint8_t) client_last_octet;
  c->addr[WS_SIDE_SERVER].family = 4;
  c->addr[WS_SIDE_SERVER].addr[0] = 10;
  c->addr[WS_SIDE_SERVER].addr[3] = 2;
  c->port[WS_SIDE_CLIENT] = (uint16_t) (40000 + id);
  c->port[WS_SIDE_SERVER] = 8080;
  c->sides_known = c->syn_seen = true;
  c->stage = WS_STAGE_FRAMES;
  c->kind = WS_KIND_WEBSOCKET;
  c->start_us = T0;
  c->request_us = T0 + S (0.001);
  c->response_us = T0 + S (0.002);
  c->method = g_strdup ("GET");
  c->host = g_strdup ("example.test");
  c->path = g_strdup ("/ws");
  c->ws_version = g_strdup ("13");
  c->ws_key = g_strdup ("dGhlIHNhbXBsZSBub25jZQ==");
  c->handshake_status = 101;
  c->accept_valid = 1;
  c->close_initiator = WS_SIDE_NONE;
  c->tcp_end = WS_TCP_END_OPEN;
  c->tcp_end_by = WS_SIDE_NONE;
  c->close[0].code = c->close[1].code = -1;
  return c;
}


void
traffic (ws_conn *c, ws_side s, uint64_t messages, uint64_t largest, double last_s)
{
  ws_dir_stats *d = &c->dir[s];
  d->frames += messages;
  d->messages += messages;
  d->text_messages += messages;
  d->largest_message = MAX (d->largest_message, largest);
  d->last_message = largest;
  d->first_frame_us = T0 + S (0.01);
  d->last_frame_us = d->last_data_us = T0 + S (last_s);
}


void
send_close (ws_conn *c, ws_side s, int code, const char *reason, double at_s)
{
  ws_close_info *ci = &c->close[s];
  ci->seen = true;
  ci->ts_us = T0 + S (at_s);
  ci->code = code;
  ci->reason = reason ? g_strdup (reason) : NULL;
  ci->reason_len = reason ? strlen (reason) : 0;
  ci->payload_len = code < 0 ? 0 : 2 + ci->reason_len;
  c->dir[s].frames++;
  c->dir[s].closes++;
  c->dir[s].last_frame_us = ci->ts_us;
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = s;
}


void
tcp_fin (ws_conn *c, ws_side s, double at_s)
{
  c->fin[s] = true;
  c->fin_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    {
      c->tcp_end = WS_TCP_END_FIN;
      c->tcp_end_by = s;
    }
  c->end_us = MAX (c->end_us, c->fin_us[s]);
}


void
tcp_rst (ws_conn *c, ws_side s, double at_s)
{
  c->rst[s] = true;
  c->rst_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    c->tcp_end_by = s;
  c->tcp_end = WS_TCP_END_RST;
  c->end_us = MAX (c->end_us, c->rst_us[s]);
}


void
violation (ws_conn *c, ws_violation_kind k, ws_side s, double at_s, uint64_t off,
           const char *detail)
{
  if (!c->violations)
    c->violations = g_new0 (ws_violation, WS_MAX_VIOLATIONS);
  ws_violation *v = &c->violations[c->n_violations++];
  v->kind = k;
  v->side = s;
  v->ts_us = T0 + S (at_s);
  v->offset = off;
  g_strlcpy (v->detail, detail ? detail : "", sizeof v->detail);
}


/* A connection made from r over a few clients (one is the proxy 10.0.0.2),
 * servers, ports and Hosts (in mixed case), clustered in time, with every
 * kind of ending, so that the cross-connection rules have something to find
 * among a few hundred of them. */
ws_conn *
mk_random_conn (GRand *r, uint64_t id)
{
  static const char *hosts[] = { "example.test", "EXAMPLE.test", "other.test", "" };
  ws_conn *c = mk_conn (id, g_rand_int_range (r, 0, 5) == 0 ? 2 : g_rand_int_range (r, 3, 9));
  double t0 = g_rand_int_range (r, 0, 40) * 0.5;
  double quiet = g_rand_int_range (r, 0, 3) == 0 ? 42 : g_rand_int_range (r, 1, 30) * 0.37;

  c->addr[WS_SIDE_SERVER].addr[3] = (uint8_t) g_rand_int_range (r, 2, 4);
  c->port[WS_SIDE_SERVER] = g_rand_boolean (r) ? 8080 : 9000;
  g_free (c->host);
  c->host = g_strdup (hosts[g_rand_int_range (r, 0, G_N_ELEMENTS (hosts))]);
  if (g_rand_int_range (r, 0, 3) == 0)
    c->server_header = g_strdup ("nginx/1.22.1");
  c->start_us += S (t0);
  c->request_us += S (t0);
  c->response_us += S (t0);
  traffic (c, WS_SIDE_CLIENT, 2, 10, t0 + 1);
  switch (g_rand_int_range (r, 0, 6))
    {
    case 0:
      send_close (c, WS_SIDE_SERVER, g_rand_boolean (r) ? 1012 : 1001, NULL,
                  100 + g_rand_int_range (r, 0, 8) * 0.1);
      tcp_fin (c, WS_SIDE_SERVER, 100.5 + g_rand_int_range (r, 0, 8) * 0.1);
      break;
    case 1:
      send_close (c, WS_SIDE_CLIENT, 1000, "bye", t0 + 2);
      tcp_fin (c, WS_SIDE_SERVER, t0 + 2.01);
      break;
    case 2:
    case 3:
      tcp_fin (c, g_rand_boolean (r) ? WS_SIDE_SERVER : WS_SIDE_CLIENT,
               (g_rand_boolean (r) ? 100.02 : t0 + 1) + quiet);
      break;
    case 4:
      tcp_rst (c, WS_SIDE_SERVER, 100 + g_rand_int_range (r, 0, 5) * 0.05);
      break;
    default:
      c->end_us = T0 + S (200);   /* still open */
      break;
    }
  return c;
}


/* Every moment of c moved by delta_us. */
void
shift_conn (ws_conn *c, int64_t delta_us)
{
  int64_t *moments[] = {
    &c->start_us, &c->end_us, &c->request_us, &c->response_us,
    &c->close[0].ts_us, &c->close[1].ts_us, &c->fin_us[0], &c->fin_us[1],
    &c->rst_us[0], &c->rst_us[1],
  };
  for (size_t i = 0; i < G_N_ELEMENTS (moments); i++)
    if (*moments[i])
      *moments[i] += delta_us;
  for (int s = 0; s < 2; s++)
    {
      int64_t *d[] = { &c->dir[s].first_frame_us, &c->dir[s].last_frame_us,
                       &c->dir[s].last_data_us, &c->dir[s].last_ping_us,
                       &c->dir[s].last_pong_us };
      for (size_t i = 0; i < G_N_ELEMENTS (d); i++)
        if (*d[i])
          *d[i] += delta_us;
    }
}

