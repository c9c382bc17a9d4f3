/* output-fields.h - names and derived values shared by the writers (JSON,
 * CSV, text), so that the formats agree on them.
 */
#ifndef WS_OUTPUT_FIELDS_H
#define WS_OUTPUT_FIELDS_H

#include <stdbool.h>
#include <glib.h>
#include "conn.h"

const char *ws_kind_name (ws_kind k);
const char *ws_stage_name (ws_stage s);           /* NULL when unknown */
const char *ws_handshake_problem_name (int k);    /* NULL when none */

/* The formats of the writers. */
typedef enum { WS_FMT_TEXT = 0, WS_FMT_JSON, WS_FMT_CSV } ws_format;

/* The limits a record may have hit (c->limits bits), in the order shown. */
typedef struct {
  unsigned bit;
  const char *name;
} ws_limit_name;
#define WS_N_LIMIT_NAMES 6
extern const ws_limit_name ws_limit_names[WS_N_LIMIT_NAMES];

/* A side index that is safe to use on the record's arrays. */
bool ws_side_valid (ws_side s);
/* The reason of the first close frame (the initiator's), or NULL when there
 * is none or it is empty; its length in *len. */
const char *ws_contract_close_reason (const ws_conn *c, size_t *len);
/* A status other than 101, a bad accept key or a bad negotiation. */
bool ws_handshake_failed (const ws_conn *c);

/* Derived times, in microseconds, -1 when unknown: the connection's
 * duration (first to last packet); how long a side had sent no data frame
 * when the connection began to end (its first close frame, FIN or RST);
 * the round trip of the last ping (to the other side's pong after it). */
int64_t ws_duration_us (const ws_conn *c);
int64_t ws_idle_before_close_us (const ws_conn *c, ws_side s);
int64_t ws_last_ping_rtt_us (const ws_conn *c);
/* A Wireshark display filter that selects the connection's frames (its
 * addresses and ports, and its first to last frame number when both are
 * in one file); false (nothing appended) when the frames are not known. */
bool ws_display_filter (const ws_conn *c, GString *out);
/* The same into buf (NUL-terminated): its length, 0 when not known.  Two
 * addresses of at most 64 bytes, the keys and four numbers fit. */
#define WS_DISPLAY_FILTER_MAX 320
size_t ws_display_filter_buf (const ws_conn *c, char buf[WS_DISPLAY_FILTER_MAX]);
/* The same with the two addresses already formatted (ws_addr_format, at
 * most 63 bytes each), as a writer that shows them has them. */
size_t ws_display_filter_buf_addrs (const ws_conn *c, char buf[WS_DISPLAY_FILTER_MAX],
                                    const char *ca_text, size_t ca_len,
                                    const char *sa_text, size_t sa_len);

/* --abnormal: a failed handshake, or a close other than 1000, 1001 and
 * 1005 by choice (an empty close frame, answered); a connection that did
 * not close (still open, TLS not decrypted) is not one. */
bool ws_record_abnormal (const ws_conn *c);
/* The cause's evidence (borrowed ws_evidence*) in time order; a line
 * without a moment stays after the line before it.  Free with
 * g_ptr_array_unref. */
GPtrArray *ws_evidence_in_time_order (const ws_cause *cause);

#endif
