/* record-builder.c - see record-builder.h. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "record-builder.h"
#include "test-ctx.h"

void
rb_addr (ws_addr *a, const char *text)
{
  memset (a, 0, sizeof *a);
  bool v6 = strchr (text, ':') != NULL;
  a->family = v6 ? 6 : 4;
  g_assert_true (inet_pton (v6 ? AF_INET6 : AF_INET, text, a->addr) == 1);
}

void
rb_endpoints (ws_conn *c, const char *client, uint16_t client_port, const char *server,
              uint16_t server_port)
{
  rb_addr (&c->addr[WS_SIDE_CLIENT], client);
  rb_addr (&c->addr[WS_SIDE_SERVER], server);
  c->port[WS_SIDE_CLIENT] = client_port;
  c->port[WS_SIDE_SERVER] = server_port;
}

void
rb_request (ws_conn *c, const char *host, const char *path)
{
  g_free (c->host);
  g_free (c->path);
  c->host = g_strdup (host);
  c->path = g_strdup (path);
}

ws_conn *
rb_conn (int family, int64_t start_us)
{
  g_assert_true (family == 4 || family == 6);
  ws_conn *c = ws_conn_new (test_ctx ());
  c->id = 1;
  if (family == 6)
    rb_endpoints (c, "2001:db8::1", 51000, "2001:db8::2", 443);
  else
    rb_endpoints (c, "192.0.2.1", 51000, "192.0.2.2", 443);
  c->sides_known = c->syn_seen = true;
  c->kind = WS_KIND_WEBSOCKET;
  c->stage = WS_STAGE_FRAMES;
  c->start_us = start_us;
  c->request_us = start_us + 1000;
  c->response_us = start_us + 2000;
  c->method = g_strdup ("GET");
  rb_request (c, "chat.example", "/live");
  c->handshake_status = 101;
  c->accept_valid = 1;
  c->close_initiator = WS_SIDE_NONE;
  c->tcp_end = WS_TCP_END_OPEN;
  c->tcp_end_by = WS_SIDE_NONE;
  return c;
}

void
rb_frames (ws_conn *c, ws_side s, uint64_t frames, int64_t last_frame_us)
{
  g_assert_true (s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER);
  c->dir[s].frames += frames;
  c->dir[s].last_frame_us = last_frame_us;
}

void
rb_close (ws_conn *c, ws_side s, int code, const char *reason, size_t reason_len,
          int64_t ts_us)
{
  g_assert_true (s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER);
  g_assert_true (code >= 0 || reason == NULL);
  ws_close_info *ci = &c->close[s];
  ci->seen = true;
  ci->ts_us = ts_us;
  ci->code = code;
  g_free (ci->reason);
  ci->reason = reason ? g_memdup2 (reason, reason_len + 1) : NULL;
  ci->reason_len = reason ? reason_len : 0;
  ci->payload_len = code < 0 ? 0 : 2 + ci->reason_len;
  c->dir[s].closes++;
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = s;
}

void
rb_end (ws_conn *c, ws_tcp_end how, ws_side by, int64_t end_us)
{
  g_assert_true (how != WS_TCP_END_OPEN);
  g_assert_true (by == WS_SIDE_CLIENT || by == WS_SIDE_SERVER);
  c->end_us = end_us;
  c->tcp_end = how;
  c->tcp_end_by = by;
  if (how == WS_TCP_END_FIN)
    {
      c->fin[by] = true;
      c->fin_us[by] = end_us;
    }
  else
    {
      c->rst[by] = true;
      c->rst_us[by] = end_us;
    }
}

void
rb_reject (ws_conn *c, int status, const char *reason)
{
  g_assert_true (status != 101);
  c->handshake_status = status;
  g_free (c->handshake_reason);
  c->handshake_reason = g_strdup (reason);
  c->stage = WS_STAGE_REJECTED;
  c->accept_valid = -1;
}

ws_report_rec *
rb_rec (const char *server, int code, const char *cause, int64_t start_s, const char *reason)
{
  ws_report_rec *r = ws_report_rec_new ();
  r->client_ip = g_strdup ("10.0.0.1");
  r->client_port = (unsigned) (40000 + start_s % 1000);
  r->server_ip = g_strdup (server);
  r->server_port = 443;
  r->host = g_strdup ("h.example");
  r->path = g_strdup ("/ws");
  r->start_us = start_s * G_USEC_PER_SEC;
  r->end_us = r->start_us + 30 * G_USEC_PER_SEC;
  r->handshake_status = 101;
  r->close_code = code;
  r->close_reason = g_strdup (reason);
  r->cause_id = g_strdup (cause);
  r->cause_confidence = g_strdup ("high");
  r->cause_summary = g_strdup ("summary");
  r->cause_fix = g_strdup ("fix it");
  r->tcp_end = WS_TCP_END_FIN;
  r->tcp_end_by = WS_SIDE_CLIENT;
  r->idle_us = code == 1006 ? 25 * G_USEC_PER_SEC : -1;
  return r;
}
