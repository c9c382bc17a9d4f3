/* output-json.c - a connection record as one JSON object (JSON Lines: the
 * writer adds the newline).  The keys are the contract (doc/ and README):
 * they are added to, never renamed.
 */
#include "subproto.h"
#include "config.h"

#include <string.h>

#include "output-json.h"
#include "output-escape.h"
#include "output-fields.h"
#include "closecodes.h"
#include "communityid.h"
#include "redact.h"
#include "tls-json.h"

/* A record is written through a plain pointer p into its GString.  Room is
 * made before each piece for the most it can take: a string for
 * 2 + JSON_ESC_MAX bytes a byte; the members between two strings (keys,
 * numbers, timestamps, addresses, literals) in groups of at most
 * JW_GROUP_ROOM bytes, each checked by an assertion at its end.  Keys are
 * literals with their comma, so no member asks what came before it. */
typedef struct {
  GString *o;
  char *lim;                  /* room ends here (the NUL goes here at most) */
  /* the seconds of the last positive timestamp written, and their digits:
   * the timestamps of a record mostly fall in the same second */
  uint64_t ts_secs;
  size_t ts_len;
  char ts_digits[16];
  /* where json_flow wrote the client's and the server's address in o (as
   * offsets: the buffer may move), for the display filter to copy */
  size_t addr_off[2], addr_len[2];
} jw;

#define JW_GROUP_ROOM 512

static void
jw_init (jw *w, GString *o)
{
  w->o = o;
  w->lim = o->str + o->allocated_len - 1;
  w->ts_secs = UINT64_MAX;    /* none yet: no timestamp has this many seconds */
  w->ts_len = 0;
}

static G_GNUC_NO_INLINE char *
jw_grow (jw *w, char *p, size_t n)
{
  gsize len = (gsize) (p - w->o->str);

  /* the bytes written past o->len move with the buffer (realloc) */
  g_string_set_size (w->o, len + n);
  w->o->len = len;
  w->lim = w->o->str + w->o->allocated_len - 1;
  return w->o->str + len;
}

/* Room for n bytes at p (and the NUL after them); returns p, moved when the
 * buffer was. */
static inline char *
jw_room (jw *w, char *p, size_t n)
{
  if (G_LIKELY ((size_t) (w->lim - p) >= n))
    return p;
  return jw_grow (w, p, n);
}

static inline void
jw_end (jw *w, char *p)
{
  gs_done (w->o, p);
}

/* A timestamp (room: TS_MAX_LEN), as p_ts writes it. */
static inline char *
jw_ts (jw *w, char *p, int64_t ts_us)
{
  if (ts_us <= 0)
    return p_ts (p, ts_us);
  uint64_t secs = (uint64_t) ts_us / 1000000;
  uint32_t frac = (uint32_t) ((uint64_t) ts_us % 1000000);
  if (secs != w->ts_secs)
    {
      /* at most 13 digits: INT64_MAX / 10^6 < 10^13 */
      w->ts_len = (size_t) (p_u64 (w->ts_digits, secs) - w->ts_digits);
      w->ts_secs = secs;
    }
  memcpy (p, w->ts_digits, sizeof w->ts_digits);  /* room: TS_MAX_LEN > 16 */
  p += w->ts_len;
  *p++ = '.';
  memcpy (p, digit_pairs + 2 * (frac / 10000), 2);
  memcpy (p + 2, digit_pairs + 2 * (frac / 100 % 100), 2);
  memcpy (p + 4, digit_pairs + 2 * (frac % 100), 2);
  return p + 6;
}

/* ,"k":value at p, in a group whose room was made */
#define P_KEY(p, k) P_LIT (p, ",\"" k "\":")
#define P_U64(p, k, v) (P_KEY (p, k), (p) = p_u64 ((p), (v)))
#define P_BOOL(p, k, v) ((v) ? P_LIT (p, ",\"" k "\":true") : P_LIT (p, ",\"" k "\":false"))
/* a timestamp, null when 0 */
#define P_TS(w, p, k, ts) \
  (P_KEY (p, k), (ts) ? ((p) = jw_ts ((w), (p), (ts))) : P_LIT (p, "null"))
/* an int, or null when negative (-1 means unknown in the record) */
#define P_INT_OR_NULL(p, k, v) \
  (P_KEY (p, k), (v) < 0 ? P_LIT (p, "null") : ((p) = p_u64 ((p), (uint64_t) (v))))

/* a duration in microseconds as seconds, or null when negative (unknown) */
#define P_DUR(p, k, us) \
  (P_KEY (p, k), (us) < 0 ? P_LIT (p, "null") : ((p) = p_ts ((p), (us))))
/* a count, or null when 0 (unknown) */
#define P_U64_OR_NULL(p, k, v) \
  (P_KEY (p, k), (v) == 0 ? P_LIT (p, "null") : ((p) = p_u64 ((p), (v))))

/* A group of members of fixed greatest length: room is made for
 * JW_GROUP_ROOM bytes and the end is checked against it. */
#define JW_GROUP(w, p, start) ((p) = (start) = jw_room ((w), (p), JW_GROUP_ROOM))
#define JW_GROUP_END(p, start) g_assert ((size_t) ((p) - (start)) <= JW_GROUP_ROOM)

/* A string member: the key (with the comma before it unless first is set),
 * then s (NUL-terminated, or NULL for null) escaped. */
static inline char *
jw_member_str (jw *w, char *p, const char *key, size_t key_len, const char *s, size_t n)
{
  p = jw_room (w, p, key_len + 4 + JSON_ESC_MAX * n);
  memcpy (p, key, key_len);
  return ws_json_value (p + key_len, s, n);
}

static inline char *
jw_str_ (jw *w, char *p, const char *key, size_t key_len, const char *s)
{
  return jw_member_str (w, p, key, key_len, s, s ? strlen (s) : 0);
}
/* k must be a literal */
#define JW_STR(w, p, k, s) ((p) = jw_str_ ((w), (p), ",\"" k "\":", sizeof (",\"" k "\":") - 1, (s)))
#define JW_STR_LEN(w, p, k, s, n) \
  ((p) = jw_member_str ((w), (p), ",\"" k "\":", sizeof (",\"" k "\":") - 1, (s), (n)))

/* A string member whose value needs no escaping (no quote, backslash,
 * control or non-ASCII byte): a name from our own tables (output-fields.c,
 * record.c; tests/test-output.c checks them all) or a Community ID (digits,
 * ':' and base64).  Copied between quotes, without the escaper; NULL is
 * null. */
static inline char *
jw_plain_ (jw *w, char *p, const char *key, size_t key_len, const char *s)
{
  size_t n = s ? strlen (s) : 0;

  p = jw_room (w, p, key_len + n + 4);
  memcpy (p, key, key_len);
  p += key_len;
  if (s == NULL)
    return P_LIT (p, "null");
  *p++ = '"';
  memcpy (p, s, n);
  p += n;
  *p++ = '"';
  return p;
}
/* k must be a literal */
#define JW_PLAIN(w, p, k, s) ((p) = jw_plain_ ((w), (p), ",\"" k "\":", sizeof (",\"" k "\":") - 1, (s)))

/* ,"k":"address" (room: 18 + 64 with the key).  An address is digits, hex
 * letters, dots and colons: nothing to escape. */
#define P_ADDR(p, k, a) \
  (P_LIT (p, ",\"" k "\":\""), (p) += ws_addr_format ((a), (p), 64), P_LIT (p, "\""))

/* 27 members, none with a key of more than 24 bytes or a value of more than
 * TS_MAX_LEN, and the braces */
#define DIR_STATS_ROOM (28 * (24 + 4 + TS_MAX_LEN) + 2)

static char *
json_dir_stats (jw *w, char *p, const ws_conn *c, ws_side s)
{
  const ws_dir_stats *d = &c->dir[s];
  char *start = p = jw_room (w, p, DIR_STATS_ROOM);

  P_LIT (p, "{\"frames\":");
  p = p_u64 (p, d->frames);
  P_U64 (p, "frame_bytes", d->frame_bytes);
  P_U64 (p, "payload_bytes", d->payload_bytes);
  P_U64 (p, "tcp_bytes", d->tcp_bytes);
  P_U64 (p, "messages", d->messages);
  P_U64 (p, "text_messages", d->text_messages);
  P_U64 (p, "binary_messages", d->binary_messages);
  P_U64 (p, "compressed_messages", d->compressed_messages);
  P_U64 (p, "pings", d->pings);
  P_U64 (p, "pongs", d->pongs);
  P_U64 (p, "closes", d->closes);
  P_U64 (p, "largest_message", d->largest_message);
  P_U64 (p, "last_message", d->last_message);
  P_U64 (p, "largest_control", d->largest_control);
  P_U64 (p, "open_message", d->open_message);
  P_TS (w, p, "first_frame_ts", d->first_frame_us);
  P_TS (w, p, "last_frame_ts", d->last_frame_us);
  P_TS (w, p, "last_data_ts", d->last_data_us);
  P_TS (w, p, "last_ping_ts", d->last_ping_us);
  P_TS (w, p, "last_pong_ts", d->last_pong_us);
  P_TS (w, p, "fin_ts", c->fin[s] ? c->fin_us[s] : 0);
  P_TS (w, p, "rst_ts", c->rst[s] ? c->rst_us[s] : 0);
  P_U64 (p, "gaps", d->gaps);
  P_U64 (p, "gap_bytes", d->gap_bytes);
  P_U64 (p, "resyncs", d->resyncs);
  P_BOOL (p, "desynced", d->desynced);
  P_BOOL (p, "inflate_capped", d->inflate_capped);
  P_BOOL (p, "wire_sizes", d->wire_sizes);
  P_LIT (p, "}");
  g_assert ((size_t) (p - start) <= DIR_STATS_ROOM);
  return p;
}

/* After the key: null, or the frame as an object. */
static char *
json_close_frame (jw *w, char *p, const ws_close_info *ci)
{
  char *start;

  JW_GROUP (w, p, start);
  if (!ci->seen)
    return P_LIT (p, "null");
  /* code -1: empty body */
  P_LIT (p, "{\"code\":");
  if (ci->code < 0)
    P_LIT (p, "null");
  else
    p = p_u64 (p, (uint64_t) ci->code);
  JW_GROUP_END (p, start);
  if (ci->reason != NULL && ci->reason_len > 0)
    JW_STR_LEN (w, p, "reason", ci->reason, ci->reason_len);
  else
    JW_STR_LEN (w, p, "reason", NULL, 0);
  JW_GROUP (w, p, start);
  P_TS (w, p, "ts", ci->ts_us);
  P_U64 (p, "payload_len", ci->payload_len);
  P_BOOL (p, "reason_truncated", ci->reason_truncated);
  P_LIT (p, "}");
  JW_GROUP_END (p, start);
  return p;
}

/* ,"cause":... */
static char *
json_cause (jw *w, char *p, const ws_cause *cause)
{
  char *start;
  bool first = true;

  if (cause->id == NULL)
    {
      p = jw_room (w, p, 16);
      return P_LIT (p, ",\"cause\":null");
    }
  /* the first member has no comma: written as ,"cause":{"id": */
  p = jw_member_str (w, p, ",\"cause\":{\"id\":", sizeof (",\"cause\":{\"id\":") - 1,
                     cause->id, strlen (cause->id));
  JW_STR (w, p, "detail", cause->detail);
  JW_STR (w, p, "summary", cause->summary);
  JW_STR (w, p, "fix", cause->fix);
  JW_STR (w, p, "confidence", cause->confidence);
  JW_GROUP (w, p, start);
  P_LIT (p, ",\"evidence\":[");
  JW_GROUP_END (p, start);
  /* in time order: sorted only when the diagnosis did not add them so */
  g_autoptr (GPtrArray) sorted = NULL;
  GPtrArray *ev = cause->evidence;
  int64_t prev = 0;
  for (guint i = 0; ev && i < ev->len; i++)
    {
      const ws_evidence *e = g_ptr_array_index (ev, i);
      if (e && e->ts_us > 0)
        {
          if (e->ts_us < prev)
            {
              ev = sorted = ws_evidence_in_time_order (cause);
              break;
            }
          prev = e->ts_us;
        }
    }
  for (guint i = 0; ev && i < ev->len; i++)
    {
      const ws_evidence *e = g_ptr_array_index (ev, i);
      if (e == NULL)
        continue;
      JW_GROUP (w, p, start);
      if (!first)
        *p++ = ',';
      first = false;
      P_LIT (p, "{\"ts\":");
      if (e->ts_us)
        p = jw_ts (w, p, e->ts_us);
      else
        P_LIT (p, "null");
      JW_GROUP_END (p, start);
      JW_STR (w, p, "text", e->text);
      p = jw_room (w, p, 1);
      *p++ = '}';
    }
  p = jw_room (w, p, 2);
  return P_LIT (p, "]}");
}

/* Who the client is behind proxies, as the upgrade request claims it (any
 * client may send these headers: hints, not facts); each key only when the
 * header was sent. */

/* The next connection of the same client to the same server (the
 * cross-connection index found it): how long the client waited, and which
 * connection it was (its port, start and Community ID). */
static void
json_next_connection (jw *w, char **pp, const ws_conn *c, bool have_cid)
{
  char *p = *pp, *start;
  char cid[WS_COMMUNITY_ID_LEN];
  const ws_addr *ca = &c->addr[WS_SIDE_CLIENT], *sa = &c->addr[WS_SIDE_SERVER];
  int64_t end = c->end_us, next = c->cause.next_start_us;
  JW_GROUP (w, p, start);
  P_DUR (p, "reconnect_delay_s", end && next >= end ? next - end : -1);
  P_LIT (p, ",\"next_connection\":{\"client_port\":");
  p = p_u64 (p, c->cause.next_client_port);
  P_TS (w, p, "start_ts", next);
  JW_GROUP_END (p, start);
  if (have_cid)
    ws_community_id (0, ca->family, ca->addr, c->cause.next_client_port, sa->addr,
                     c->port[WS_SIDE_SERVER], 6, cid);
  JW_PLAIN (w, p, "community_id", have_cid ? cid : NULL);
  P_LIT (p, "}");
  *pp = p;
}

static char *
json_client_identity (jw *w, char *p, const ws_conn *c)
{
  if (c->x_forwarded_for)
    JW_STR (w, p, "x_forwarded_for", c->x_forwarded_for);
  if (c->forwarded)
    JW_STR (w, p, "forwarded", c->forwarded);
  if (c->x_real_ip)
    JW_STR (w, p, "x_real_ip", c->x_real_ip);
  if (c->request_id)
    JW_STR (w, p, "request_id", c->request_id);
  return p;
}

/* ,"tunnel_request":{"tool":..,"protocol":..,"remote":..} when the client
 * offered a wstunnel tunnel request (a JWT signed with wstunnel's public
 * key: kept whole by the redaction, see redact.h); nothing otherwise. */
static char *
json_tunnel_request (jw *w, char *p, const ws_conn *c)
{
  ws_tunnel_request t;
  if (!ws_tunnel_request_find (c->offered_subprotocols, &t))
    return p;
  p = jw_room (w, p, 24);
  P_LIT (p, ",\"tunnel_request\":{");
  p = jw_member_str (w, p, "\"tool\":", sizeof ("\"tool\":") - 1, t.tool, strlen (t.tool));
  JW_STR (w, p, "protocol", t.protocol);
  JW_STR (w, p, "remote", t.remote);
  p = jw_room (w, p, 1);
  P_LIT (p, "}");
  return p;
}

/* The flow: id, kind, stage, addresses, Community ID, times, the next
 * connection of the same client. */
static char *
json_flow (jw *w, char *p, const ws_conn *c)
{
  char *start;

  JW_GROUP (w, p, start);
  P_LIT (p, "{\"id\":");
  p = p_u64 (p, c->id);
  JW_GROUP_END (p, start);
  JW_PLAIN (w, p, "kind", ws_kind_name (c->kind));
  JW_PLAIN (w, p, "stage", ws_stage_name (c->stage));
  JW_GROUP (w, p, start);
  P_BOOL (p, "midstream", c->midstream);
  P_BOOL (p, "sides_known", c->sides_known);
  P_BOOL (p, "syn_seen", c->syn_seen);
  P_LIT (p, ",\"client_ip\":\"");
  w->addr_off[0] = (size_t) (p - w->o->str);
  w->addr_len[0] = ws_addr_format (&c->addr[WS_SIDE_CLIENT], p, 64);
  p += w->addr_len[0];
  P_LIT (p, "\"");
  P_U64 (p, "client_port", c->port[WS_SIDE_CLIENT]);
  P_LIT (p, ",\"server_ip\":\"");
  w->addr_off[1] = (size_t) (p - w->o->str);
  w->addr_len[1] = ws_addr_format (&c->addr[WS_SIDE_SERVER], p, 64);
  p += w->addr_len[1];
  P_LIT (p, "\"");
  P_U64 (p, "server_port", c->port[WS_SIDE_SERVER]);
  JW_GROUP_END (p, start);
  /* the flow's Community ID, to join with Zeek's conn.log and Suricata's
   * eve.json */
  char cid[WS_COMMUNITY_ID_LEN];
  const ws_addr *ca = &c->addr[WS_SIDE_CLIENT], *sa = &c->addr[WS_SIDE_SERVER];
  bool have_cid = (ca->family == 4 || ca->family == 6) && ca->family == sa->family;
  if (have_cid)
    ws_community_id (0, ca->family, ca->addr, c->port[WS_SIDE_CLIENT], sa->addr,
                     c->port[WS_SIDE_SERVER], 6, cid);
  JW_PLAIN (w, p, "community_id", have_cid ? cid : NULL);
  JW_GROUP (w, p, start);
  /* a record always has a first packet: 0 is a moment here (a capture at
   * the epoch), not "unknown" as in the other timestamps */
  P_KEY (p, "start_ts");
  p = jw_ts (w, p, c->start_us);
  P_TS (w, p, "end_ts", c->end_us);
  P_DUR (p, "duration_s", ws_duration_us (c));
  JW_GROUP_END (p, start);
  if (c->cause.next_start_us)
    json_next_connection (w, &p, c, have_cid);
  return p;
}

/* Back to the packets, idle times and pings. */
static char *
json_packets (jw *w, char *p, const ws_conn *c)
{
  char *start;

  /* the file, the frames as Wireshark numbers them, a display filter
   * for them */
  JW_STR (w, p, "source_file", c->first_file);
  if (c->last_file != c->first_file)
    JW_STR (w, p, "last_source_file", c->last_file);
  JW_GROUP (w, p, start);
  P_U64_OR_NULL (p, "first_frame", c->first_frame);
  P_U64_OR_NULL (p, "last_frame", c->last_frame);
  JW_GROUP_END (p, start);
  {
    /* written in place: addresses, numbers and operators, nothing that
     * JSON escapes (tests/test-output.c) */
    static const char key[] = ",\"display_filter\":\"";
    p = jw_room (w, p, sizeof key - 1 + WS_DISPLAY_FILTER_MAX + 1);
    memcpy (p, key, sizeof key - 1);
    /* the addresses as json_flow wrote them */
    size_t dn = ws_display_filter_buf_addrs (c, p + sizeof key - 1,
                                             w->o->str + w->addr_off[0], w->addr_len[0],
                                             w->o->str + w->addr_off[1], w->addr_len[1]);
    if (dn)
      {
        p += sizeof key - 1 + dn;
        *p++ = '"';
      }
    else
      {
        p += sizeof key - 2;
        P_LIT (p, "null");
      }
  }
  JW_GROUP (w, p, start);
  P_LIT (p, ",\"idle_before_close_s\":{\"client\":");
  {
    int64_t idle = ws_idle_before_close_us (c, WS_SIDE_CLIENT);
    if (idle < 0)
      P_LIT (p, "null");
    else
      p = p_ts (p, idle);
  }
  P_DUR (p, "server", ws_idle_before_close_us (c, WS_SIDE_SERVER));
  P_LIT (p, "}");
  P_U64 (p, "pings", c->dir[WS_SIDE_CLIENT].pings + c->dir[WS_SIDE_SERVER].pings);
  P_U64 (p, "pongs", c->dir[WS_SIDE_CLIENT].pongs + c->dir[WS_SIDE_SERVER].pongs);
  P_DUR (p, "last_ping_rtt_s", ws_last_ping_rtt_us (c));
  JW_GROUP_END (p, start);
  return p;
}

/* The upgrade request and response. */
static char *
json_handshake (jw *w, char *p, const ws_conn *c)
{
  char *start;

  JW_STR (w, p, "method", c->method);
  JW_STR (w, p, "host", c->host);
  JW_STR (w, p, "path", c->path);
  JW_STR (w, p, "origin", c->origin);
  JW_STR (w, p, "user_agent", c->user_agent);
  p = json_client_identity (w, p, c);
  JW_STR (w, p, "ws_version", c->ws_version);
  JW_GROUP (w, p, start);
  P_TS (w, p, "request_ts", c->request_us);
  P_TS (w, p, "response_ts", c->response_us);
  P_INT_OR_NULL (p, "handshake_status", c->handshake_status);
  JW_GROUP_END (p, start);
  JW_STR (w, p, "handshake_reason", c->handshake_reason);
  JW_STR (w, p, "server_software", c->server_header);
  JW_GROUP (w, p, start);
  P_KEY (p, "accept_valid");
  if (c->accept_valid < 0)
    P_LIT (p, "null");
  else if (c->accept_valid)
    P_LIT (p, "true");
  else
    P_LIT (p, "false");
  JW_GROUP_END (p, start);
  JW_STR (w, p, "offered_extensions", c->offered_extensions);
  JW_STR (w, p, "accepted_extensions", c->accepted_extensions);
  JW_STR (w, p, "offered_subprotocols", c->offered_subprotocols);
  JW_STR (w, p, "accepted_subprotocol", c->accepted_subprotocol);
  p = json_tunnel_request (w, p, c);
  JW_PLAIN (w, p, "handshake_problem_kind", ws_handshake_problem_name (c->handshake_problem_kind));
  JW_STR (w, p, "handshake_problem", c->handshake_problem);
  return p;
}

/* permessage-deflate, the close frames and the TCP end. */
static char *
json_close (jw *w, char *p, const ws_conn *c)
{
  int code = ws_conn_close_code (c);
  const ws_code_info *info;
  const char *reason;
  size_t reason_len;
  char *start;

  JW_GROUP (w, p, start);
  P_LIT (p, ",\"permessage_deflate\":{");
  /* the first member, without its comma */
  if (c->pmd.enabled)
    P_LIT (p, "\"enabled\":true");
  else
    P_LIT (p, "\"enabled\":false");
  if (c->pmd.enabled)
    {
      P_BOOL (p, "server_no_context_takeover", c->pmd.server_no_context_takeover);
      P_BOOL (p, "client_no_context_takeover", c->pmd.client_no_context_takeover);
      P_INT_OR_NULL (p, "server_max_window_bits", c->pmd.server_max_window_bits);
      P_INT_OR_NULL (p, "client_max_window_bits", c->pmd.client_max_window_bits);
      /* false: compressed messages were measured by their wire size and
       * their text not checked (no --inflate, or too many inflaters) */
      P_BOOL (p, "inflated", c->ctx->set->limits.inflate && !(c->limits & WS_LIMIT_INFLATERS));
    }
  P_LIT (p, "}");

  /* close */
  P_INT_OR_NULL (p, "close_code", code);
  JW_GROUP_END (p, start);
  info = code >= 0 ? ws_code_lookup (code) : NULL;
  JW_STR (w, p, "close_name", info ? info->name : NULL);
  reason = ws_contract_close_reason (c, &reason_len);
  JW_STR_LEN (w, p, "close_reason", reason, reason_len);
  JW_PLAIN (w, p, "close_initiator",
            ws_side_valid (c->close_initiator) ? ws_side_name (c->close_initiator) : NULL);
  JW_GROUP (w, p, start);
  P_BOOL (p, "close_echoed", c->close[WS_SIDE_CLIENT].seen && c->close[WS_SIDE_SERVER].seen);
  P_LIT (p, ",\"close_frames\":{\"client\":");
  JW_GROUP_END (p, start);
  p = json_close_frame (w, p, &c->close[WS_SIDE_CLIENT]);
  p = jw_room (w, p, 16);
  P_LIT (p, ",\"server\":");
  p = json_close_frame (w, p, &c->close[WS_SIDE_SERVER]);
  p = jw_room (w, p, 1);
  *p++ = '}';
  JW_PLAIN (w, p, "tcp_end", ws_tcp_end_name (c->tcp_end));
  JW_PLAIN (w, p, "tcp_end_by", c->tcp_end != WS_TCP_END_OPEN && ws_side_valid (c->tcp_end_by)
                                   ? ws_side_name (c->tcp_end_by) : NULL);
  return p;
}

/* Frames, bytes and stats by side, violations, limits. */
static char *
json_traffic (jw *w, char *p, const ws_conn *c)
{
  unsigned nv;
  char *start;

  JW_GROUP (w, p, start);
  P_U64 (p, "client_frames", c->dir[WS_SIDE_CLIENT].frames);
  P_U64 (p, "server_frames", c->dir[WS_SIDE_SERVER].frames);
  P_U64 (p, "client_bytes", c->dir[WS_SIDE_CLIENT].tcp_bytes);
  P_U64 (p, "server_bytes", c->dir[WS_SIDE_SERVER].tcp_bytes);
  P_LIT (p, ",\"stats\":{\"client\":");
  JW_GROUP_END (p, start);
  p = json_dir_stats (w, p, c, WS_SIDE_CLIENT);
  p = jw_room (w, p, 16);
  P_LIT (p, ",\"server\":");
  p = json_dir_stats (w, p, c, WS_SIDE_SERVER);
  p = jw_room (w, p, 32);
  P_LIT (p, "},\"violations\":[");

  /* problems */
  nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);
  for (unsigned i = 0; i < nv; i++)
    {
      const ws_violation *v = &c->violations[i];
      const char *kind = ws_violation_name (v->kind);
      size_t dlen = strnlen (v->detail, sizeof v->detail);

      /* the first member, without its comma */
      p = jw_member_str (w, p, i ? ",{\"kind\":" : "{\"kind\":", i ? 9 : 8,
                         kind, kind ? strlen (kind) : 0);
      JW_PLAIN (w, p, "side", ws_side_valid (v->side) ? ws_side_name (v->side) : NULL);
      JW_GROUP (w, p, start);
      P_TS (w, p, "ts", v->ts_us);
      P_U64 (p, "offset", v->offset);
      JW_GROUP_END (p, start);
      JW_STR_LEN (w, p, "detail", dlen ? v->detail : NULL, dlen);
      p = jw_room (w, p, 1);
      *p++ = '}';
    }
  JW_GROUP (w, p, start);
  P_LIT (p, "]");
  P_U64 (p, "violations_dropped", c->violations_dropped);
  P_LIT (p, ",\"limits\":[");
  for (size_t i = 0, n = 0; i < G_N_ELEMENTS (ws_limit_names); i++)
    if (c->limits & ws_limit_names[i].bit)
      {
        /* the names are plain words, shorter than 16 bytes */
        size_t len = strlen (ws_limit_names[i].name);
        if (n++)
          *p++ = ',';
        p = ws_json_value (p, ws_limit_names[i].name, len);
      }
  P_LIT (p, "]");
  JW_GROUP_END (p, start);
  return p;
}

void
ws_json_record (GString *o, const ws_conn *c)
{
  jw w;
  char *p;

  jw_init (&w, o);
  p = o->str + o->len;
  p = json_flow (&w, p, c);
  p = json_packets (&w, p, c);
  p = json_handshake (&w, p, c);
  p = json_close (&w, p, c);
  p = json_traffic (&w, p, c);
  if (c->tls)                 /* the TLS stage's facts, written on their own */
    jw_end (&w, p), ws_tls_json (o, c), jw_init (&w, o), p = o->str + o->len;
  if (c->app)                 /* the application protocol's (subproto.h) */
    jw_end (&w, p), ws_subproto_json (o, c->app), jw_init (&w, o), p = o->str + o->len;
  p = json_cause (&w, p, &c->cause);
  p = jw_room (&w, p, 1);
  *p++ = '}';
  jw_end (&w, p);
}
