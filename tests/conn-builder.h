/* conn-builder.h - connection records built by hand for the unit tests.
 * Times are given in seconds after T0; a new record is a WebSocket
 * connection from 10.0.0.<client_last_octet>:40000+id to 10.0.0.2:8080 that
 * completed its handshake (GET /ws, Host example.test, 101) at T0 + 2 ms and
 * is still open. */
#ifndef WS_TEST_CONN_BUILDER_H
#define WS_TEST_CONN_BUILDER_H

#include "conn.h"

#define S(x) ((int64_t) ((x) * 1000000.0))
#define T0 S (1700000000)

ws_conn *mk_conn (uint64_t id, int client_last_octet);
/* messages text messages from side s, the largest of largest bytes (the
 * last one too), the last at last_s. */
void traffic (ws_conn *c, ws_side s, uint64_t messages, uint64_t largest, double last_s);
/* A close frame from s (code -1: empty); the first one makes s the
 * initiator. */
void send_close (ws_conn *c, ws_side s, int code, const char *reason, double at_s);
void tcp_fin (ws_conn *c, ws_side s, double at_s);
void tcp_rst (ws_conn *c, ws_side s, double at_s);
void violation (ws_conn *c, ws_violation_kind k, ws_side s, double at_s, uint64_t off,
                const char *detail);
ws_conn *mk_random_conn (GRand *r, uint64_t id);
/* Every moment of c moved by delta_us. */
void shift_conn (ws_conn *c, int64_t delta_us);

#endif
