/* record-builder.h - connection records for unit tests, built one fact at a
 * time instead of by poking a dozen fields in every test file.
 *
 *   ws_conn *c = rb_conn (4, T0);                  handshake done, 101, open
 *   rb_frames (c, WS_SIDE_SERVER, 4, T0 + 4000);
 *   rb_close (c, WS_SIDE_SERVER, 1011, "oops", 4, T0 + 4000);   first close: initiator
 *   rb_end (c, WS_TCP_END_RST, WS_SIDE_CLIENT, T0 + 5000001);
 *
 * Every function returns nothing and asserts on misuse; the connection is a
 * plain ws_conn (free with ws_conn_free).  rb_rec makes the report's record
 * (report-model.h) directly, for tests of the aggregate, history and HTML.
 */
#ifndef WS_RECORD_BUILDER_H
#define WS_RECORD_BUILDER_H

#include "conn.h"
#include "report-model.h"

/* A WebSocket connection whose handshake succeeded (GET, 101, valid Accept)
 * and that is still open: family 4 gives 192.0.2.1:51000 -> 192.0.2.2:443,
 * 6 gives [2001:db8::1]:51000 -> [2001:db8::2]:443; Host chat.example, path
 * /live; SYN seen; request 1 ms and response 2 ms after start_us. */
ws_conn *rb_conn (int family, int64_t start_us);
/* An address from its text (IPv4 or IPv6). */
void rb_addr (ws_addr *a, const char *text);
/* Replace the endpoints. */
void rb_endpoints (ws_conn *c, const char *client, uint16_t client_port, const char *server,
                   uint16_t server_port);
/* Replace Host and path (copied; NULL for absent; any bytes). */
void rb_request (ws_conn *c, const char *host, const char *path);
/* frames more frames from side s, the last at last_frame_us. */
void rb_frames (ws_conn *c, ws_side s, uint64_t frames, int64_t last_frame_us);
/* A close frame from s: code (-1 for an empty body), reason[0..reason_len)
 * (any bytes, NULL for none).  The first side to close is the initiator. */
void rb_close (ws_conn *c, ws_side s, int code, const char *reason, size_t reason_len,
               int64_t ts_us);
/* TCP ended at end_us: by a FIN or RST from `by`. */
void rb_end (ws_conn *c, ws_tcp_end how, ws_side by, int64_t end_us);
/* The server refused the upgrade with status and reason phrase. */
void rb_reject (ws_conn *c, int status, const char *reason);

/* A report record: 10.0.0.1:(40000 + start_s % 1000) -> server:443, Host
 * h.example, path /ws, started at start_s (seconds) and ended 30 s later by
 * FIN, close code (-1 still open) and reason, cause with high confidence,
 * summary "summary", fix "fix it"; a 1006 was idle 25 s. */
ws_report_rec *rb_rec (const char *server, int code, const char *cause, int64_t start_s,
                       const char *reason);

#endif
