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
 * It knows no connection (wslay's frame layer is the model): what it
 * learns leaves through the owner's callbacks (violations, the close frame,
 * limits hit, and when asked frames, messages with their first bytes,
 * control frames) and its counters struct (ws_frame_stats), both given at
 * init in a ws_frame_env with the limits and the negotiated
 * permessage-deflate it reads.  conn.c wires them to the record.
 */
#ifndef WS_WSFRAME_H
#define WS_WSFRAME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pmd.h"
#include "settings.h"
#include "wschain.h"
#include "wsext.h"

struct ws_inflater;

/* Protocol violations, each recorded with the side that committed it.  The
 * names (ws_violation_name) are part of the JSON contract. */
typedef enum {
  WS_VIOL_UNMASKED_CLIENT_FRAME = 0,
  WS_VIOL_MASKED_SERVER_FRAME,
  WS_VIOL_RSV_NOT_NEGOTIATED,       /* RSV1 without permessage-deflate, RSV2/3 */
  WS_VIOL_CONTROL_TOO_LONG,         /* control frame payload > 125 */
  WS_VIOL_CONTROL_FRAGMENTED,       /* control frame with FIN clear */
  WS_VIOL_UNKNOWN_OPCODE,
  WS_VIOL_CONTINUATION_WITHOUT_START,
  WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED, /* text/binary while a message is open */
  WS_VIOL_CLOSE_ONE_BYTE,
  WS_VIOL_CLOSE_CODE_INVALID,       /* code not allowed on the wire */
  WS_VIOL_CLOSE_REASON_NOT_UTF8,
  WS_VIOL_TEXT_NOT_UTF8,
  WS_VIOL_DATA_AFTER_CLOSE,         /* frame sent after own close frame */
  WS_VIOL_LENGTH_NOT_MINIMAL,       /* 16/64-bit length used for small value */
  WS_VIOL_LENGTH_MSB_SET,           /* 64-bit length with the top bit set */
  WS_VIOL_INFLATE_ERROR,            /* compressed message does not inflate */
  WS_VIOL_RSV1_ON_CONTINUATION,
  WS_VIOL_RSV1_ON_CONTROL,
  WS_VIOL_COUNT
} ws_violation_kind;

/* The parser's counters for one direction.  A list of fields so that the
 * record can hold them as its own (conn.h's ws_dir_stats) and hand the
 * parser a pointer to them. */
#define WS_FRAME_STATS_FIELDS                                                   \
  uint64_t frames;                                                              \
  uint64_t frame_bytes;       /* header + payload bytes of all frames */        \
  uint64_t payload_bytes;     /* payload bytes as on the wire */                \
  int64_t first_frame_us, last_frame_us;                                        \
  int64_t last_data_us;       /* last text/binary/continuation frame */         \
  uint64_t open_message;      /* size so far of a message not yet complete */   \
  uint64_t messages;          /* complete data messages */                      \
  uint64_t text_messages, binary_messages;                                      \
  uint64_t compressed_messages;                                                 \
  uint64_t pings, pongs, closes;                                                \
  uint64_t largest_message;   /* largest complete message (inflated size if     \
                               * compressed and --inflate, else wire size) */   \
  uint64_t last_message;      /* size of the last complete message */           \
  uint64_t largest_before_last; /* largest complete message before the last */  \
  uint64_t largest_control;   /* largest control frame payload */               \
  int64_t last_ping_us, last_pong_us;                                           \
  int64_t first_ping_us;      /* ping interval: (last - first) / (pings - 1) */ \
  uint32_t resyncs;           /* found its way back after a gap */              \
  bool desynced;              /* lost the frame boundaries */                   \
  bool inflate_capped;        /* a message hit the inflate output cap */        \
  bool wire_sizes;            /* a compressed message is counted at its wire    \
                               * size (not inflated) */

typedef struct {
  WS_FRAME_STATS_FIELDS
} ws_frame_stats;

/* A close frame as one side sent it (its first). */
typedef struct {
  int64_t ts_us;
  int code;                   /* -1: no code (empty or one-byte body) */
  const uint8_t *reason;      /* valid UTF-8 as far as kept; NULL when empty */
  size_t reason_len;
  size_t payload_len;         /* close frame payload length on the wire */
  bool reason_truncated;      /* longer than the parser keeps */
} ws_frame_close;

/* A complete data message. */
typedef struct {
  int side;
  unsigned opcode;            /* 1 text, 2 binary */
  int64_t ts_us;              /* of its last frame */
  uint64_t size;              /* inflated size when inflated, else wire size */
  uint64_t wire_size;         /* payload bytes on the wire */
  bool compressed;            /* RSV1 (permessage-deflate) */
  bool inflated;              /* inflated from its start: head is of the
                               * inflated bytes (size too, unless inflating
                               * failed on the way) */
  bool capped;                /* inflating stopped at the output cap */
  const uint8_t *head;        /* its first head_len bytes (unmasked; inflated
                               * when inflated), head_len <= the parser's
                               * head_max; fewer when bytes were lost */
  size_t head_len;
} ws_frame_message;

/* Where results go: the owner's functions, called with its ud.  violation
 * and close are required, the others may be NULL (then the parser does no
 * work for them).  A violation is asked for with its printf format: the
 * owner formats it only if it keeps it. */
enum { WS_FRAME_LIMIT_INFLATE = 1, WS_FRAME_LIMIT_INFLATERS = 2 };
typedef struct {
  void (*violation) (void *ud, int side, ws_violation_kind k, int64_t ts_us,
                     uint64_t offset, const char *fmt, va_list ap);
  void (*close) (void *ud, int side, const ws_frame_close *cl);
  /* a limit hit (WS_FRAME_LIMIT_*) */
  void (*limit) (void *ud, int side, unsigned which);
  /* a frame header was read */
  void (*frame) (void *ud, int side, unsigned opcode, bool fin, uint64_t payload_len,
                 int64_t ts_us);
  /* data messages: start, payload bytes in order (unmasked, inflated when
   * inflating), end */
  void (*message_start) (void *ud, int side, unsigned opcode, bool compressed,
                         int64_t ts_us);
  void (*message_chunk) (void *ud, int side, const uint8_t *d, size_t n);
  void (*message_end) (void *ud, const ws_frame_message *m);
  /* a complete ping or pong frame */
  void (*control) (void *ud, int side, unsigned opcode, uint64_t payload_len,
                   int64_t ts_us);
} ws_frame_callbacks;

/* What the parser reads but does not own, fixed for its lifetime. */
typedef struct {
  const ws_frame_callbacks *cb;
  void *ud;
  const ws_limits *limits;    /* inflate, check_utf8, caps */
  const ws_pmd *pmd;          /* as negotiated; read at each message */
  ws_pmd_stats *inflaters;    /* live inflaters, held against max_inflaters */
  ws_frame_stats *stats;      /* counters of this direction */
  struct ws_frame_parser *peer; /* the other direction's parser, or NULL: with
                               * it, compressed messages may be kept and
                               * inflated later (limits->inflate_lazy) */
  size_t head_max;            /* first bytes of each message for message_end
                               * (at most WS_FRAME_HEAD_MAX; 0: none) */
} ws_frame_env;

#define WS_FRAME_HEAD_MAX 256

typedef enum {
  WS_FP_HEADER = 0,   /* gathering the 2..14 header bytes */
  WS_FP_PAYLOAD,      /* inside a payload */
  WS_FP_DESYNC        /* lost the frame boundaries after a gap */
} ws_frame_state;

typedef struct ws_frame_parser {
  ws_frame_env env;
  uint8_t side;               /* 0 client, 1 server */
  uint8_t state;              /* ws_frame_state */
  bool midstream;             /* the connection was picked up mid-stream */
  bool neg_unknown;           /* ... and what was negotiated is not known */
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
  bool msg_inflated;          /* inflated from its start */
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
  bool sent_close;            /* this side has sent a close frame */
  int64_t inflate_ts;         /* timestamp of the bytes being inflated */

  uint64_t offset;            /* stream bytes consumed so far */

  uint8_t *head;              /* g_malloc'd lazily: env.head_max bytes */
  size_t head_len;
  bool head_done;             /* bytes were lost: the head stops there */
  /* (the flags beside head_done: the parser stays as small as it can) */
  bool msg_lazy;              /* the message being read is kept (below) */
  bool lazy_off;              /* inflate as messages come from now on */
  bool replaying;             /* inflating what was kept */
  bool msg_held;              /* the message being read is held (below) */

  /* lazy inflation (wsframe-defer.c, "Inflating later"); the number of the
   * message replayed is the log's (struct ws_lazy) */
  struct ws_lazy *lz;         /* compressed messages kept, not yet inflated */
  /* held messages (wsframe-defer.c): inflated whole at their end */
  struct ws_held *held;       /* bytes and pieces of the message held */
} ws_frame_parser;

/* side: 0 client, 1 server.  The parser copies env. */
void ws_frame_parser_init (ws_frame_parser *p, const ws_frame_env *env, int side);
void ws_frame_parser_clear (ws_frame_parser *p); /* frees its buffers and inflater */

/* The connection was picked up mid-stream (permessage-deflate then uses
 * the largest window); neg_unknown: the handshake's response was not seen,
 * so RSV1 may be permessage-deflate that could not be seen negotiated.
 * Set before the first frame. */
void ws_frame_parser_set_midstream (ws_frame_parser *p, bool midstream, bool neg_unknown);

/* Push stream bytes (after the handshake).  Never fails: problems become
 * violations; after garbage the parser goes on with the next header it can
 * read. */
void ws_frame_feed (ws_frame_parser *p, const uint8_t *data, size_t len,
                    int64_t ts_us);

/* The capture lost n bytes.  When they fall inside the current payload the
 * parser stays in sync (the next header's position is known); otherwise it
 * enters WS_FP_DESYNC and ws_frame_feed looks for a plausible frame header at
 * the start of each later chunk (resync), counting stats->resyncs. */
void ws_frame_gap (ws_frame_parser *p, uint64_t n, int64_t ts_us);

/* n stream bytes that are not parsed (before the first frame boundary found
 * in a connection seen mid-stream). */
void ws_frame_skip (ws_frame_parser *p, uint64_t n);

/* The next byte fed starts a frame (mid-stream start found by the caller):
 * leaves WS_FP_DESYNC as a resync does. */
void ws_frame_start_here (ws_frame_parser *p);

/* Inflate now what p and its peer kept (in the order it came), and inflate
 * as messages come from now on: before a violation is recorded, so that
 * violations keep their order. */
void ws_frame_lazy_flush (ws_frame_parser *p);

/* The connection ended: exact, inflate what was kept (ws_frame_lazy_flush);
 * otherwise drop it, the sizes of those messages staying wire sizes
 * (stats->wire_sizes). */
void ws_frame_lazy_settle (ws_frame_parser *p, bool exact);

#endif
