/* tcp.h - TCP connection tracking and stream reassembly.
 *
 * Connections are keyed by their 4-tuple.  Each direction is turned into an
 * ordered byte stream for ws_conn_data(): in-order payload is handed on
 * straight from the capture buffer (no copy); only out-of-order segments are
 * copied, into a bounded queue.  Overlap policy: bytes already handed on are
 * never replaced (first delivered wins); later copies of them are trimmed.
 * A hole is declared lost (ws_conn_gap) when the receiver's ACK passes it,
 * when the queue limit is reached, or when the connection ends.
 *
 * A connection ends on RST, a short linger after both FINs (to catch a
 * trailing RST), idle timeout (if set), eviction when the table is full, or
 * ws_tcp_flush() at the end of input; its ws_conn is then handed to the end
 * callback, which owns it from then on.
 */
#ifndef WS_TCP_H
#define WS_TCP_H

#include "conn.h"
#include "decode.h"

typedef struct ws_tcp ws_tcp;

typedef void (*ws_tcp_end_fn) (ws_conn *c, void *user);

typedef struct {
  int64_t linger_us;   /* after both FINs; default 2 s */
  int64_t idle_us;     /* 0: never end a connection for silence */
} ws_tcp_opts;

/* ctx (context.h) is borrowed: the settings and counters of its connections. */
ws_tcp *ws_tcp_new (ws_ctx *ctx, const ws_tcp_opts *opts, ws_tcp_end_fn end, void *user);
void ws_tcp_free (ws_tcp *t); /* ends nothing: call ws_tcp_flush first */

void ws_tcp_packet (ws_tcp *t, const ws_packet *p);
/* End connections whose linger or idle time has passed at now_us. */
void ws_tcp_expire (ws_tcp *t, int64_t now_us);
/* End every connection (end of input, or shutdown). */
void ws_tcp_flush (ws_tcp *t);

/* Called once when a connection is first recognised as WebSocket (the
 * connection stays owned by the table). */
void ws_tcp_set_start_cb (ws_tcp *t, ws_tcp_end_fn start);

/* Called when an RST answers a connection's SYN (no SYN-ACK seen): a
 * refused connection attempt (the connection stays owned by the table;
 * its addresses and the time, c->end_us not yet set, are what it tells). */
void ws_tcp_set_refused_cb (ws_tcp *t, ws_tcp_end_fn refused);

size_t ws_tcp_count (const ws_tcp *t);
size_t ws_tcp_ooo_bytes (const ws_tcp *t); /* out-of-order bytes held, all connections */

#endif
