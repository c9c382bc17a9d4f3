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
