/* diagnose.h - from the facts in a ws_conn to the likely cause of its close,
 * with evidence and a fix (the cause ids are a JSON contract, see README).
 *
 * Per-connection rules look only at the record.  Cross-connection rules
 * (reconnects after 1001/1012/1013, close storms from one server, many 1006
 * after the same idle time) look at a window of brief summaries of the
 * connections around it, which the analyzer keeps.
 */
#ifndef WS_DIAGNOSE_H
#define WS_DIAGNOSE_H

#include "conn.h"

/* A few facts about a connection, kept for a while after its record is
 * written so that later and earlier connections can be compared with it. */
typedef struct {
  uint64_t id;
  ws_addr client, server;
  uint16_t server_port;
  uint16_t client_port;
  char host[96];              /* Host header, "" if unseen */
  int64_t start_us;           /* first packet */
  int64_t request_us;         /* handshake request, 0 if unseen */
  int64_t end_us;             /* 0 while the connection is still open */
  int close_code;             /* as ws_conn_close_code; -1 null */
  ws_side close_initiator;
  ws_tcp_end tcp_end;
  ws_side tcp_end_by;
  int64_t idle_us;            /* end_us - last frame in either direction; -1 unknown */
} ws_conn_brief;

typedef struct {
  const ws_conn_brief *items; /* ordered by start_us */
  size_t n;
} ws_conn_window;

void ws_conn_brief_fill (ws_conn_brief *b, const ws_conn *c);

/* Fill c->cause (clearing what was there).  w may be NULL or empty. */
void ws_diagnose (ws_conn *c, const ws_conn_window *w);

void ws_cause_clear (ws_cause *cause);
/* Append one evidence line (ts_us 0 for none). */
void ws_cause_add_evidence (ws_cause *cause, int64_t ts_us, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

#endif
