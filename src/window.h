/* window.h - the cross-connection window: brief summaries of the
 * connections around the one being diagnosed, kept in an index, and the
 * four questions the cross-connection rules ask of it (the next connection
 * of a client, 1006 closes after the same idle time, a close storm from one
 * server, the other leg of a proxy).  Each question costs about what matches
 * it rather than a scan of the window; tests/test-window.c checks every
 * answer against a plain scan of the same briefs.
 */
#ifndef WS_WINDOW_H
#define WS_WINDOW_H

#include <string.h>

#include "record.h"

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
  int64_t lived_us;           /* end_us - 101 (or first packet mid-stream); -1: the
                                 upgrade was rejected or never answered */
} ws_conn_brief;

void ws_conn_brief_fill (ws_conn_brief *b, const ws_conn *c);

static inline bool
ws_addr_eq (const ws_addr *a, const ws_addr *b)
{
  return a->family == b->family && memcmp (a->addr, b->addr, sizeof a->addr) == 0;
}

/* The briefs of recent connections.  It holds at most max_briefs (0: no
 * limit); when full, the brief of the connection that ended first is
 * dropped, or when all are open the new one is not kept; both are counted.
 * "First in the window" means first put (a refill keeps its place). */
typedef struct ws_conn_index ws_conn_index;

ws_conn_index *ws_conn_index_new (size_t max_briefs);
void ws_conn_index_free (ws_conn_index *ix);
bool ws_conn_index_has (const ws_conn_index *ix, uint64_t id);
/* Fill the brief of c: a new one comes after all others in the window's
 * order; one already there is refilled in its place.  open: note it with
 * end_us 0 (still open). */
void ws_conn_index_put (ws_conn_index *ix, const ws_conn *c, bool open);
/* The same with a brief filled already (by ws_conn_brief_fill, end_us 0
 * while open): live workers fill it on their thread (workers.c). */
void ws_conn_index_put_brief (ws_conn_index *ix, const ws_conn_brief *b);
/* Drop the briefs of connections that ended before cutoff_us. */
void ws_conn_index_prune (ws_conn_index *ix, int64_t cutoff_us);
size_t ws_conn_index_size (const ws_conn_index *ix);
uint64_t ws_conn_index_dropped (const ws_conn_index *ix); /* by the limit */

/* A connection attempt to server:port that an RST answered (tcp.c's
 * refused callback), at ts_us; dropped by ws_conn_index_prune like the
 * briefs, at most 100,000 kept. */
void ws_conn_index_note_refused (ws_conn_index *ix, const ws_addr *client,
                                 const ws_addr *server, uint16_t port, int64_t ts_us);

/* ---- the questions; c itself is never an answer ---------------------------- */

/* The refused attempts to c's server and port between from_us and to_us;
 * *first_us and *last_us: the first and last of them (0 when none). */
size_t ws_conn_index_refused (const ws_conn_index *ix, const ws_conn *c, int64_t from_us,
                              int64_t to_us, int64_t *first_us, int64_t *last_us);
/* The same for the attempts made from client (any server): a proxy whose
 * backend refused it. */
size_t ws_conn_index_refused_from (const ws_conn_index *ix, const ws_addr *client,
                                   int64_t from_us, int64_t to_us, int64_t *first_us,
                                   int64_t *last_us);

#define WS_WINDOW_SAME_IDLE_US 1000000         /* idle times this close are the same */
#define WS_WINDOW_SAME_IDLE_FLOOR_US 2000000   /* shorter silences are not compared */
#define WS_WINDOW_STORM_US 1000000             /* ends this close are one storm */
#define WS_WINDOW_STORM_BASE_US 60000000       /* the server's own rate: ends this close */
#define WS_WINDOW_STORM_MIN_LIFE_US 1000000    /* shorter-lived connections never count */
#define WS_WINDOW_PROXY_PAIR_US 100000         /* two legs end this close together */

/* The next connection of c's client (same address) to the same server and
 * port or the same Host (ASCII case): the one that started first at or
 * after after_us and after c started, the first in the window among equal
 * starts; NULL when none. */
const ws_conn_brief *ws_conn_index_next (const ws_conn_index *ix, const ws_conn *c,
                                         int64_t after_us);

/* 1 (c) plus the connections that ended with 1006 after a silence of at
 * least WS_WINDOW_SAME_IDLE_FLOOR_US within WS_WINDOW_SAME_IDLE_US of
 * idle_us, at c's server and port or with c's Host. */
size_t ws_conn_index_same_idle (const ws_conn_index *ix, const ws_conn *c, int64_t idle_us);

/* The connections (c left out) that ws_conn_index_same_idle would count,
 * with an idle time between lo_us and hi_us; when apart_us > 0 only those
 * that ended farther than apart_us from end_us (ends at one moment are one
 * event, not a timer that fired again and again); when ender is not
 * WS_SIDE_NONE only those at c's server whose TCP that side ended (at
 * another server with c's Host, a proxy's other leg, any side).  Walks
 * what it counts. */
size_t ws_conn_index_idle_count (const ws_conn_index *ix, const ws_conn *c, int64_t lo_us,
                                 int64_t hi_us, int64_t end_us, int64_t apart_us,
                                 ws_side ender);

/* 1 (c) plus the connections to c's server and port that the server closed
 * (its close frame first, or 1006 with the server ending TCP) within
 * WS_WINDOW_STORM_US of end_us and count by ws_brief_storm_counts (rejected
 * upgrades and short-lived connections never count); *lo and *hi: the span of their ends and end_us; *around (may be
 * NULL): the baseline, the same kind of ends within WS_WINDOW_STORM_BASE_US
 * of end_us but not within WS_WINDOW_STORM_US. */
size_t ws_conn_index_storm (const ws_conn_index *ix, const ws_conn *c, int64_t end_us,
                            int64_t *lo, int64_t *hi, size_t *around);

/* Whether an end counts toward a close storm: upgraded (a 101 or frames
 * mid-stream), closed by the server, and living WS_WINDOW_STORM_MIN_LIFE_US
 * or more past the 101 unless the server said 1001 or 1012. */
bool ws_brief_storm_counts (const ws_conn_brief *b);

/* The connections to c's server and port, not c, that lived
 * WS_WINDOW_STORM_MIN_LIFE_US or more past a 101 and ended within
 * WS_WINDOW_STORM_US of end_us not closed by the server: a burst of ends by
 * both sides at once is not the server's doing. */
size_t ws_conn_index_client_ends (const ws_conn_index *ix, const ws_conn *c, int64_t end_us);

/* The other leg of a proxy: the first connection in the window that ended
 * with 1006 within WS_WINDOW_PROXY_PAIR_US of t_end after about the same
 * silence (within 5 times that), whose TCP was ended by the host at c's
 * ender's address from the other side (ender is WS_SIDE_CLIENT or
 * WS_SIDE_SERVER); NULL when none. */
const ws_conn_brief *ws_conn_index_other_leg (const ws_conn_index *ix, const ws_conn *c,
                                              ws_side ender, int64_t t_end, int64_t idle);

/* The backend leg of a proxy whose client leg is c: the connection, not to
 * c's server and port, from the host at c's server address, that its own
 * server ended with 1006 (FIN or RST, no close frame) within
 * WS_WINDOW_PROXY_PAIR_US before t_end (the last such); NULL when none. */
const ws_conn_brief *ws_conn_index_backend_leg (const ws_conn_index *ix, const ws_conn *c,
                                                int64_t t_end);

#endif
