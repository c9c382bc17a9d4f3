/* facts.h - facts worked out from a connection record, shared by the rules
 * of the diagnosis and the cross-connection window: when and how each side
 * ended TCP, when the connection ended, pings left unanswered, the first
 * violation of some kinds.  All take the record as it is (read only).
 */
#ifndef WS_FACTS_H
#define WS_FACTS_H

#include "record.h"

/* First FIN or RST sent by a side; 0 when none. */
static inline int64_t
ws_first_end_us (const ws_conn *c, ws_side s)
{
  int64_t t = 0;
  if (s != WS_SIDE_CLIENT && s != WS_SIDE_SERVER)
    return 0;
  if (c->fin[s])
    t = c->fin_us[s];
  if (c->rst[s] && (t == 0 || c->rst_us[s] < t))
    t = c->rst_us[s];
  return t;
}

/* Did that side's first teardown use RST? */
static inline bool
ws_ended_with_rst (const ws_conn *c, ws_side s)
{
  if ((s != WS_SIDE_CLIENT && s != WS_SIDE_SERVER) || !c->rst[s])
    return false;
  return !c->fin[s] || c->rst_us[s] < c->fin_us[s];
}

/* The last frame in either direction; 0 when none. */
static inline int64_t
ws_last_frame_us (const ws_conn *c)
{
  int64_t a = c->dir[WS_SIDE_CLIENT].last_frame_us;
  int64_t b = c->dir[WS_SIDE_SERVER].last_frame_us;
  return a > b ? a : b;
}

/* Pings from side s with no pong after the last one. */
static inline bool
ws_ping_unanswered (const ws_conn *c, ws_side s)
{
  const ws_dir_stats *p = &c->dir[s], *o = &c->dir[WS_OTHER_SIDE (s)];
  return p->pings > 0 && p->last_ping_us && (o->pongs == 0 || o->last_pong_us < p->last_ping_us);
}

/* The keepalive of one side as the rules read it: the pings it sent and
 * the answers from its peer.  Filled from WebSocket ping and pong frames;
 * an application-level keepalive (Engine.IO "2"/"3", MQTT PINGREQ/PINGRESP,
 * graphql-ws ping/pong, STOMP heart-beats) fills the same fields, with
 * what naming it, where the connection has no WebSocket pings: the hook for
 * the subprotocol summary (ws_keepalive_of is the one place to add it). */
typedef struct {
  const char *what;           /* "ping" (WebSocket) or the protocol's name for it */
  uint64_t pings;             /* sent by the side */
  uint64_t answers;           /* pongs (answers) from the peer */
  int64_t first_ping_us, last_ping_us;
  int64_t last_answer_us;     /* 0 none */
  int64_t interval_us;        /* between the side's pings; 0 unknown (fewer than 2) */
  int64_t setting_us;         /* a timeout the protocol announced (pingTimeout,
                                 MQTT keepalive); 0 none */
} ws_keepalive;

/* The keepalive of side s; false when the side sent no pings at all. */
bool ws_keepalive_of (const ws_conn *c, ws_side s, ws_keepalive *k);

/* The side's pings went unanswered and then it (or its peer) ended: the
 * last ping got no answer, and nothing at all came from the peer since the
 * first unanswered ping (all of them when none was answered)
 * (no data, ping or pong: a peer that keeps sending is not silent; its
 * close frame, an echo, does not count). */
static inline bool
ws_keepalive_unanswered (const ws_conn *c, const ws_keepalive *k, ws_side s)
{
  const ws_dir_stats *o = &c->dir[WS_OTHER_SIDE (s)];
  /* the first ping left unanswered: the first of all when none was */
  int64_t since = k->answers == 0 && k->first_ping_us ? k->first_ping_us : k->last_ping_us;
  return k->pings > 0 && k->last_ping_us
         && (k->last_answer_us == 0 || k->last_answer_us < k->last_ping_us)
         && o->last_data_us < since
         && (o->pings == 0 || o->last_ping_us < since)
         && !o->open_message;
}

/* When the connection ended: its first close frame, else the first FIN or
 * RST (of the side that ended TCP first), else its last packet; 0 while
 * TCP is open. */
int64_t ws_end_moment (const ws_conn *c);

/* What a violation is, as a phrase ("an unmasked frame (client frames must
 * be masked)"). */
const char *ws_violation_text (ws_violation_kind k);

/* First violation by side (any side with WS_SIDE_NONE) among kinds (NULL:
 * any), at or before limit_us (0: no limit); NULL when none. */
const ws_violation *ws_find_violation (const ws_conn *c, ws_side side,
                                       const ws_violation_kind *kinds, size_t n_kinds,
                                       int64_t limit_us);

/* ws_short_reason of a close frame's reason, which may hold NUL bytes (kept
 * byte for byte, reason_len long): each is written as the text \x00, so
 * that what follows it is not lost from the summary and the evidence. */
void ws_short_close_reason (char *buf, size_t len, const ws_close_info *ci, size_t max);

#endif
