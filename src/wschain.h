/* wschain.h - do bytes read as WebSocket frames a real peer writes? */
#ifndef WS_WSCHAIN_H
#define WS_WSCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes (RFC 6455 section 5.2) and header bits. */
enum {
  WS_OP_CONT = 0, WS_OP_TEXT = 1, WS_OP_BINARY = 2,
  WS_OP_CLOSE = 8, WS_OP_PING = 9, WS_OP_PONG = 10
};
#define WS_RSV1 4u
#define WS_RSV2 2u
#define WS_RSV3 1u
#define WS_CONTROL_MAX 125      /* control frame payload bytes */

static inline bool
ws_op_is_data (unsigned op)
{
  return op <= WS_OP_BINARY;
}

static inline bool
ws_op_is_known (unsigned op)
{
  return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

/* Reads one frame header at d[0..len).  Returns its length, 0 when d ends
 * inside it, -1 when it does not look like a header a real peer writes
 * (known opcode, no RSV2/3, RSV1 only on a data frame when allow_rsv1,
 * control frames short and whole, minimal length).  want_mask is 0/1, or
 * -1 for either; *plen and *masked are the payload length and masking. */
int ws_frame_plausible_header (const uint8_t *d, size_t len, int want_mask, bool allow_rsv1,
                               uint64_t *plen, int *masked);

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

#endif
