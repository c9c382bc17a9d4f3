/* conn.h - the connection record's lifetime and the dispatch of its bytes:
 * stream data after TCP reassembly goes to the handshake (handshake.c), the
 * recognition of a connection seen mid-stream (midstream.c) or the frame
 * parsers (wsframe.c), whose results conn.c writes into the record.  The
 * record's types are in record.h, the analyzer's context (settings,
 * counters) in context.h; this header includes them all.
 */
#ifndef WS_CONN_H
#define WS_CONN_H

#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "record.h"

/* ctx (context.h) is borrowed: it must outlive the record. */
ws_conn *ws_conn_new (ws_ctx *ctx);
void ws_conn_free (ws_conn *c);
/* The connection has ended: free the parsers' buffers and inflaters, keep
 * the facts (records wait a while before they are written). */
void ws_conn_release (ws_conn *c);

/* Record a violation (keeps the first WS_MAX_VIOLATIONS). detail may be NULL. */
void ws_conn_violation (ws_conn *c, ws_violation_kind k, ws_side side,
                        int64_t ts_us, uint64_t offset, const char *fmt, ...)
  G_GNUC_PRINTF (6, 7);
void ws_conn_violationv (ws_conn *c, ws_violation_kind k, ws_side side,
                         int64_t ts_us, uint64_t offset, const char *fmt, va_list ap)
  G_GNUC_PRINTF (6, 0);

/* The stage is now WS_STAGE_FRAMES: tell the frame parsers what the record
 * knows of the connection's start (midstream, negotiation seen). */
void ws_conn_frames_begin (ws_conn *c);

/* Stream data of one side, in order, after TCP reassembly.  Dispatches to
 * the HTTP parser or the frame parser depending on the stage. */
void ws_conn_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                   int64_t ts_us);
/* ws_conn_data with its usual case inline (the per-packet path of tcp.c):
 * frames of a connection in the clear, straight to the frame parser. */
static inline void
ws_conn_data_inline (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                     int64_t ts_us)
{
  if (G_LIKELY (!c->tls_on && c->stage == WS_STAGE_FRAMES))
    ws_frame_feed (&c->frames[side], data, len, ts_us);
  else
    ws_conn_data (c, side, data, len, ts_us);
}
/* The same for bytes in the clear (the TLS stage hands its plaintext here). */
/* Bytes of one side's stream that the layer below lost after the capture
 * had them (a TLS record that failed to decrypt): the parsers go on after
 * the hole as after a capture gap, without counting a capture gap. */
void ws_conn_plain_gap (ws_conn *c, ws_side side, uint64_t n, int64_t ts_us);
void ws_conn_plain_data (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                         int64_t ts_us);
/* The capture lost n bytes of one side's stream. */
void ws_conn_gap (ws_conn *c, ws_side side, uint64_t n, int64_t ts_us);
/* The connection has ended (before ws_conn_release): a recognition still
 * undecided is decided on what was seen. */
void ws_conn_end (ws_conn *c);

/* Secrets out of the record before it is diagnosed and written: the query
 * values of the path (redact.h). */
void ws_conn_redact (ws_conn *c);

#endif
