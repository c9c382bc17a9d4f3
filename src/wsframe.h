/* wsframe.h - push parser for one direction of WebSocket frames
 * (RFC 6455 section 5) with permessage-deflate measurement (RFC 7692).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *  |     Extended payload length continued, if payload len == 127  |
 *  + - - - - - - - - - - - - - - - +-------------------------------+
 *  |                               | Masking-key, if MASK set to 1 |
 *  +-------------------------------+-------------------------------+
 *  | Masking-key (continued)       |          Payload Data         |
 *  +-------------------------------- - - - - - - - - - - - - - - - +
 *
 * The parser is pushed bytes in stream order and never needs a whole frame in
 * memory: data payloads are counted and skipped, checked for UTF-8 where they
 * lie, or unmasked a chunk at a time into a small stack buffer to inflate
 * (only to measure the size and check UTF-8; the inflated bytes are
 * discarded).  Control frame
 * payloads are kept (at most 125 bytes, close frames up to a cap) because the
 * close code and reason are facts we report.
 *
 * Everything it learns goes straight into the ws_conn record it belongs to:
 * counters in c->dir[side], close frames in c->close[side], violations via
 * ws_conn_violation().  It reads c->pmd for what was negotiated.
 */
#ifndef WS_WSFRAME_H
#define WS_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ws_conn;
struct ws_inflater;

typedef enum {
  WS_FP_HEADER = 0,   /* gathering the 2..14 header bytes */
  WS_FP_PAYLOAD,      /* inside a payload */
  WS_FP_DESYNC        /* lost the frame boundaries after a gap */
} ws_frame_state;

typedef struct {
  struct ws_conn *conn;
  uint8_t side;               /* ws_side */
  uint8_t state;              /* ws_frame_state */

  uint8_t hdr[14];
  uint8_t hdr_len;            /* bytes gathered */
  uint8_t hdr_need;           /* total header length once known, else 2 */

  /* the frame being read */
  uint8_t opcode, fin, rsv, masked;
  uint8_t mask[4];
  uint64_t payload_len, payload_pos;
  uint64_t frame_offset;      /* stream offset of this frame's first byte */

  /* the message being read (data frames) */
  bool in_message;
  uint8_t msg_opcode;         /* 1 text, 2 binary */
  bool msg_compressed;
  uint64_t msg_wire_size;     /* payload bytes on the wire so far */
  uint64_t msg_size;          /* inflated size when compressed and inflating, else wire */
  uint32_t utf8_state;        /* incremental validator state */
  bool utf8_bad;              /* reported once per message */

  /* control frame payload being gathered (unmasked) */
  uint8_t *ctl;               /* g_malloc'd lazily, max(125, close cap) */
  size_t ctl_len;

  struct ws_inflater *inf;    /* pmd.h; created when first needed */
  bool inf_failed;            /* inflating is over for this direction */
  uint8_t measure;            /* how msg_size is measured (wsframe.c) */
  int64_t inflate_ts;         /* timestamp of the bytes being inflated */
  bool sent_close;            /* this side has sent a close frame */

  uint64_t offset;            /* stream bytes consumed so far */
} ws_frame_parser;

void ws_frame_parser_init (ws_frame_parser *p, struct ws_conn *c, int side);
void ws_frame_parser_clear (ws_frame_parser *p); /* frees ctl and inflater */

/* Push stream bytes (after the handshake).  Never fails: problems become
 * violations on the connection; after garbage the parser goes on with the
 * next header it can read. */
void ws_frame_feed (ws_frame_parser *p, const uint8_t *data, size_t len,
                    int64_t ts_us);

/* The capture lost n bytes.  When they fall inside the current payload the
 * parser stays in sync (the next header's position is known); otherwise it
 * enters WS_FP_DESYNC and ws_frame_feed looks for a plausible frame header at
 * the start of each later chunk (resync), counting c->dir[side].resyncs. */
void ws_frame_gap (ws_frame_parser *p, uint64_t n, int64_t ts_us);

/* For connections seen mid-stream: do these bytes (one TCP segment's payload)
 * look like a whole number of WebSocket frames?  Sets *masked to whether the
 * frames are masked (masked => sent by the client).  Cheap; no allocation. */
bool ws_frame_probe (const uint8_t *data, size_t len, bool *masked);

/* For connections seen mid-stream: walk the frames that start at data[0]
 * through all of len, as a real peer writes them (known opcodes, control
 * frames short and unfragmented, minimal lengths, one masking throughout, RSV1
 * only on a data frame, a continuation only inside a message or as the first
 * data frame, a whole uncompressed text message in UTF-8).  The last frame may run past len.  Returns 0 when every header
 * met is plausible, -1 otherwise; *frames is the number of frames wholly
 * inside len, *masked their masking (-1 when no header was complete). */
int ws_frame_chain (const uint8_t *data, size_t len, unsigned *frames, int *masked);

/* ws_frame_chain as bytes come: the walk resumes where it stopped (the frame
 * that ran past the end is read again), so that held bytes are read once.
 * data is the same buffer each time (from the chain's first byte), len what
 * it holds now; total >= len is how many bytes of the stream there are from
 * data[0] on, the ones past len not kept: a frame whose header is held and
 * whose payload ends within total counts as whole, and pos may then pass
 * len (the next header was not kept). */
typedef struct {
  uint64_t pos;       /* next header */
  uint64_t need;      /* when waiting inside a payload: where its frame ends */
  unsigned frames;    /* whole frames so far */
  int masked;         /* -1 until the first whole frame */
  bool open;          /* a fragmented message is open */
  bool seen_data;     /* a data frame was seen */
  unsigned closes;    /* whole close frames with no body or a valid code */
} ws_frame_chain_state;
void ws_frame_chain_init (ws_frame_chain_state *st);
int ws_frame_chain_walk (ws_frame_chain_state *st, const uint8_t *data, size_t len,
                         uint64_t total);

/* n stream bytes that are not parsed (before the first frame boundary found
 * in a connection seen mid-stream). */
void ws_frame_skip (ws_frame_parser *p, uint64_t n);

/* The next byte fed starts a frame (mid-stream start found by the caller):
 * leaves WS_FP_DESYNC as a resync does. */
void ws_frame_start_here (ws_frame_parser *p);

/* Incremental UTF-8 validation (RFC 3629; rejects overlongs, surrogates and
 * code points above U+10FFFF).  state starts at 0; returns the new state;
 * WS_UTF8_REJECT is sticky.  At the end of the text the state must be 0. */
#define WS_UTF8_ACCEPT 0u
#define WS_UTF8_REJECT 1u
uint32_t ws_utf8_step (uint32_t state, const uint8_t *data, size_t len);
bool ws_utf8_valid (const uint8_t *data, size_t len);

/* ws_utf8_step that also says where: when it returns WS_UTF8_REJECT, *bad is
 * the index in data of the first byte no well-formed text could have there
 * (0 when state was already REJECT). */
uint32_t ws_utf8_scan (uint32_t state, const uint8_t *data, size_t len, size_t *bad);

/* The validator checks 32-byte blocks with AVX2 where the CPU has it (x86-64,
 * GCC or clang), else with portable code; both give the same answers.  For
 * tests: false forces the portable code, true (the default) allows SIMD.
 * Returns whether SIMD is now in use. */
bool ws_utf8_use_simd (bool on);

/* Close codes a peer may send (RFC 6455 7.4.1/7.4.2 and the IANA registry):
 * 1000-1003, 1007-1014, 3000-4999. */
bool ws_close_code_valid_on_wire (int code);

#endif
