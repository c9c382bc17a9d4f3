/* conn-builder.c - records built by hand for the unit tests: what a
 * situation looks like on the wire, as the parsers would have filled the
 * record (see conn-builder.h). */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "conn-builder.h"

static void
check_side (ws_side s)
{
  g_assert_true (s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER);
}

/* Replace a string field the builder (or the test) set: the record never
 * came from the handshake parser, so each is its own allocation. */
static void
set_str (char **field, const char *value)
{
  if (value == *field)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

void
cb_addr (ws_addr *a, const char *text)
{
  memset (a, 0, sizeof *a);
  bool v6 = strchr (text, ':') != NULL;
  a->family = v6 ? 6 : 4;
  g_assert_true (inet_pton (v6 ? AF_INET6 : AF_INET, text, a->addr) == 1);
}

ws_conn *
cb_conn (uint64_t id, int client_last_octet)
{
  g_assert_true (client_last_octet >= 0 && client_last_octet <= 255);
  ws_conn *c = ws_conn_new ();
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
cb_endpoints (ws_conn *c, const char *client, uint16_t client_port, const char *server,
              uint16_t server_port)
{
  cb_addr (&c->addr[WS_SIDE_CLIENT], client);
  cb_addr (&c->addr[WS_SIDE_SERVER], server);
  c->port[WS_SIDE_CLIENT] = client_port;
  c->port[WS_SIDE_SERVER] = server_port;
}

void
cb_request (ws_conn *c, const char *host, const char *path)
{
  set_str (&c->host, host);
  set_str (&c->path, path);
}

void
cb_origin (ws_conn *c, const char *origin)
{
  set_str (&c->origin, origin);
}

void
cb_user_agent (ws_conn *c, const char *user_agent)
{
  set_str (&c->user_agent, user_agent);
}

void
cb_server (ws_conn *c, const char *server_header)
{
  set_str (&c->server_header, server_header);
}

void
cb_extensions (ws_conn *c, const char *offered, const char *accepted)
{
  set_str (&c->offered_extensions, offered);
  set_str (&c->accepted_extensions, accepted);
}

void
cb_subprotocols (ws_conn *c, const char *offered, const char *accepted)
{
  set_str (&c->offered_subprotocols, offered);
  set_str (&c->accepted_subprotocol, accepted);
}

void
cb_handshake_problem (ws_conn *c, ws_handshake_problem kind, const char *text)
{
  c->handshake_problem_kind = kind;
  set_str (&c->handshake_problem, text);
}

void
cb_accept (ws_conn *c, const char *accept, bool valid)
{
  set_str (&c->ws_accept, accept);
  c->accept_valid = valid ? 1 : 0;
}

void
cb_reject (ws_conn *c, int status, const char *reason)
{
  g_assert_true (status != 101);
  c->handshake_status = status;
  set_str (&c->handshake_reason, reason);
  c->stage = WS_STAGE_REJECTED;
  c->accept_valid = -1;   /* no Accept to check */
}

void
cb_no_response (ws_conn *c)
{
  c->handshake_status = -1;
  c->response_us = 0;
  c->stage = WS_STAGE_HANDSHAKE;
}

void
cb_midstream (ws_conn *c)
{
  char **fields[] = { &c->method, &c->host, &c->path, &c->ws_version, &c->ws_key };
  for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
    set_str (fields[i], NULL);
  c->midstream = true;
  c->syn_seen = false;
  c->handshake_status = -1;
  c->accept_valid = -1;
  c->request_us = c->response_us = 0;
}

void
cb_traffic (ws_conn *c, ws_side s, uint64_t messages, uint64_t largest, double last_s)
{
  check_side (s);
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
cb_frames (ws_conn *c, ws_side s, uint64_t frames, double last_s)
{
  check_side (s);
  c->dir[s].frames += frames;
  c->dir[s].last_frame_us = T0 + S (last_s);
}

void
cb_bytes (ws_conn *c, ws_side s, uint64_t tcp_bytes)
{
  check_side (s);
  c->dir[s].tcp_bytes = tcp_bytes;
}

void
cb_ping (ws_conn *c, ws_side s, size_t payload_len, double at_s)
{
  check_side (s);
  ws_dir_stats *d = &c->dir[s];
  d->frames++;
  if (d->pings++ == 0)
    d->first_ping_us = T0 + S (at_s);
  d->largest_control = MAX (d->largest_control, payload_len);
  d->last_frame_us = d->last_ping_us = T0 + S (at_s);
}

void
cb_pong (ws_conn *c, ws_side s, double at_s)
{
  check_side (s);
  ws_dir_stats *d = &c->dir[s];
  d->frames++;
  d->pongs++;
  d->last_frame_us = d->last_pong_us = T0 + S (at_s);
}

void
cb_gap (ws_conn *c, ws_side s, uint64_t n)
{
  check_side (s);
  c->dir[s].gaps++;
  c->dir[s].gap_bytes += n;
}

void
cb_close_bytes (ws_conn *c, ws_side s, int code, const char *reason, size_t reason_len,
                double at_s)
{
  check_side (s);
  g_assert_true (code >= 0 || reason == NULL);
  ws_close_info *ci = &c->close[s];
  ci->seen = true;
  ci->ts_us = T0 + S (at_s);
  ci->code = code;
  g_free (ci->reason);
  ci->reason = reason ? g_memdup2 (reason, reason_len + 1) : NULL;
  if (ci->reason)
    ci->reason[reason_len] = '\0';
  ci->reason_len = reason ? reason_len : 0;
  ci->payload_len = code < 0 ? 0 : 2 + ci->reason_len;
  c->dir[s].frames++;
  c->dir[s].closes++;
  c->dir[s].last_frame_us = ci->ts_us;
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = s;
}

void
cb_close (ws_conn *c, ws_side s, int code, const char *reason, double at_s)
{
  cb_close_bytes (c, s, code, reason, reason ? strlen (reason) : 0, at_s);
}

void
cb_fin (ws_conn *c, ws_side s, double at_s)
{
  check_side (s);
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
cb_rst (ws_conn *c, ws_side s, double at_s)
{
  check_side (s);
  c->rst[s] = true;
  c->rst_us[s] = T0 + S (at_s);
  if (c->tcp_end == WS_TCP_END_OPEN)
    c->tcp_end_by = s;
  c->tcp_end = WS_TCP_END_RST;
  c->end_us = MAX (c->end_us, c->rst_us[s]);
}

void
cb_last_packet (ws_conn *c, double at_s)
{
  c->end_us = T0 + S (at_s);
}

void
cb_violation (ws_conn *c, ws_violation_kind k, ws_side s, double at_s, uint64_t off,
              const char *detail)
{
  check_side (s);
  g_assert_cmpuint (c->n_violations, <, WS_MAX_VIOLATIONS);
  if (!c->violations)
    c->violations = g_new0 (ws_violation, WS_MAX_VIOLATIONS);
  ws_violation *v = &c->violations[c->n_violations++];
  v->kind = k;
  v->side = s;
  v->ts_us = T0 + S (at_s);
  v->offset = off;
  g_strlcpy (v->detail, detail ? detail : "", sizeof v->detail);
}

static void
evidence_free (gpointer p)
{
  ws_evidence *e = p;
  g_free (e->text);
  g_free (e);
}

void
cb_cause (ws_conn *c, const char *id, const char *confidence, const char *summary,
          const char *fix)
{
  c->cause.id = id;
  c->cause.confidence = confidence;
  set_str (&c->cause.summary, summary);
  set_str (&c->cause.fix, fix);
  if (!c->cause.evidence)
    c->cause.evidence = g_ptr_array_new_with_free_func (evidence_free);
}

void
cb_evidence (ws_conn *c, int64_t ts_us, const char *text)
{
  g_assert_nonnull (c->cause.evidence);
  ws_evidence *e = g_new0 (ws_evidence, 1);
  e->ts_us = ts_us;
  e->text = g_strdup (text);
  g_ptr_array_add (c->cause.evidence, e);
}

ws_conn *
cb_random_conn (GRand *r, uint64_t id)
{
  static const char *hosts[] = { "example.test", "EXAMPLE.test", "other.test", "" };
  ws_conn *c = cb_conn (id, g_rand_int_range (r, 0, 5) == 0 ? 2 : g_rand_int_range (r, 3, 9));
  double t0 = g_rand_int_range (r, 0, 40) * 0.5;
  double quiet = g_rand_int_range (r, 0, 3) == 0 ? 42 : g_rand_int_range (r, 1, 30) * 0.37;

  c->addr[WS_SIDE_SERVER].addr[3] = (uint8_t) g_rand_int_range (r, 2, 4);
  c->port[WS_SIDE_SERVER] = g_rand_boolean (r) ? 8080 : 9000;
  set_str (&c->host, hosts[g_rand_int_range (r, 0, G_N_ELEMENTS (hosts))]);
  if (g_rand_int_range (r, 0, 3) == 0)
    cb_server (c, "nginx/1.22.1");
  c->start_us += S (t0);
  c->request_us += S (t0);
  c->response_us += S (t0);
  cb_traffic (c, WS_SIDE_CLIENT, 2, 10, t0 + 1);
  switch (g_rand_int_range (r, 0, 6))
    {
    case 0:
      cb_close (c, WS_SIDE_SERVER, g_rand_boolean (r) ? 1012 : 1001, NULL,
                100 + g_rand_int_range (r, 0, 8) * 0.1);
      cb_fin (c, WS_SIDE_SERVER, 100.5 + g_rand_int_range (r, 0, 8) * 0.1);
      break;
    case 1:
      cb_close (c, WS_SIDE_CLIENT, 1000, "bye", t0 + 2);
      cb_fin (c, WS_SIDE_SERVER, t0 + 2.01);
      break;
    case 2:
    case 3:
      cb_fin (c, g_rand_boolean (r) ? WS_SIDE_SERVER : WS_SIDE_CLIENT,
              (g_rand_boolean (r) ? 100.02 : t0 + 1) + quiet);
      break;
    case 4:
      cb_rst (c, WS_SIDE_SERVER, 100 + g_rand_int_range (r, 0, 5) * 0.05);
      break;
    default:
      cb_last_packet (c, 200);   /* still open */
      break;
    }
  return c;
}

void
cb_shift (ws_conn *c, int64_t delta_us)
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
                       &c->dir[s].last_pong_us, &c->dir[s].first_ping_us };
      for (size_t i = 0; i < G_N_ELEMENTS (d); i++)
        if (*d[i])
          *d[i] += delta_us;
    }
  for (unsigned i = 0; i < c->n_violations; i++)
    if (c->violations[i].ts_us)
      c->violations[i].ts_us += delta_us;
}

ws_report_rec *
cb_report_rec (const char *server, int code, const char *cause, int64_t start_s,
               const char *reason)
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
