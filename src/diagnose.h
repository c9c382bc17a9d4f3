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

#include "cause.h"
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

/* The briefs of recent connections, indexed for the cross-connection rules
 * so that each record costs about what matches it rather than a scan of the
 * whole window (see diagnose.c).  It holds at most max_briefs (0: no limit);
 * when full, the brief of the connection that ended first is dropped, or
 * when all are open the new one is not kept; both are counted. */
typedef struct ws_conn_index ws_conn_index;

ws_conn_index *ws_conn_index_new (size_t max_briefs);
void ws_conn_index_free (ws_conn_index *ix);
bool ws_conn_index_has (const ws_conn_index *ix, uint64_t id);
/* Fill the brief of c: a new one comes after all others in the window's
 * order; one already there is refilled in its place.  open: note it with
 * end_us 0 (still open). */
void ws_conn_index_put (ws_conn_index *ix, const ws_conn *c, bool open);
/* Drop the briefs of connections that ended before cutoff_us. */
void ws_conn_index_prune (ws_conn_index *ix, int64_t cutoff_us);
size_t ws_conn_index_size (const ws_conn_index *ix);
uint64_t ws_conn_index_dropped (const ws_conn_index *ix); /* by the limit */

/* What the cross-connection rules look at: a plain array (scanned), or,
 * when index is set, the index (items and n are then not used). */
typedef struct {
  const ws_conn_brief *items; /* in the order they were noted */
  size_t n;
  const ws_conn_index *index;
  bool no_evidence;           /* the report will not show the evidence: it
                               * is not built (cause and texts are the same) */
} ws_conn_window;

void ws_conn_brief_fill (ws_conn_brief *b, const ws_conn *c);

/* Fill c->cause (clearing what was there).  w may be NULL or empty. */
void ws_diagnose (ws_conn *c, const ws_conn_window *w);

#endif
