/* record.h - the connection record: every fact wsclosed learns about one
 * WebSocket connection, filled in by the pipeline stages
 *
 *   capture -> decode -> tcp (reassembly) -> http (upgrade) -> wsframe
 *        -> conn (this record) -> diagnose -> output
 *
 * One ws_conn lives from the first packet of a TCP connection until the
 * record is written.  Strings that came off the wire are owned by the record
 * (NUL-terminated, may contain any byte except NUL; writers escape them).
 * Those the handshake sets share one allocation per side (hs_block); any
 * other is g_malloc'd on its own.  ws_conn_free frees both kinds, so code
 * that replaces such a field may g_free the old value only if it did not come
 * from the handshake.  Timestamps are microseconds since the epoch.
 */
#ifndef WS_RECORD_H
#define WS_RECORD_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "wsext.h"
#include "wsframe.h"

typedef enum {
  WS_SIDE_CLIENT = 0,
  WS_SIDE_SERVER = 1,
  WS_SIDE_NONE = 2
} ws_side;

#define WS_OTHER_SIDE(s) ((s) == WS_SIDE_CLIENT ? WS_SIDE_SERVER : WS_SIDE_CLIENT)

typedef enum { WS_TCP_END_OPEN = 0, WS_TCP_END_FIN, WS_TCP_END_RST } ws_tcp_end;

typedef struct {
  uint8_t family; /* 4 or 6 */
  uint8_t addr[16];
} ws_addr;

/* Where a connection's bytes go: still deciding, the HTTP handshake, WebSocket
 * frames, or nowhere (not WebSocket, TLS, failed handshake). */
typedef enum {
  WS_STAGE_PROBE = 0,   /* no payload seen yet */
  WS_STAGE_HANDSHAKE,   /* GET with Upgrade seen; waiting for the response */
  WS_STAGE_FRAMES,      /* 101 seen (or frames recognised mid-stream) */
  WS_STAGE_REJECTED,    /* non-101 response: record kept, bytes ignored */
  WS_STAGE_IGNORED      /* not WebSocket: no record */
} ws_stage;

typedef enum {
  WS_KIND_UNKNOWN = 0,
  WS_KIND_WEBSOCKET,
  WS_KIND_TLS,
  WS_KIND_OTHER
} ws_kind;

#define WS_MAX_VIOLATIONS 16

typedef struct {
  ws_violation_kind kind;
  ws_side side;
  int64_t ts_us;
  uint64_t offset;  /* byte offset in that side's stream (after handshake) */
  char detail[80];
} ws_violation;

/* Per-direction counters and timings of WebSocket traffic; those updated
 * for every packet or frame first.  The frame parser's own counters
 * (ws_frame_stats, wsframe.h) are a member of it: read as dir[s].frames or
 * handed to the parser as &dir[s].ws. */
typedef struct {
  uint64_t tcp_bytes;         /* TCP payload bytes, each counted once */
  union {
    struct { WS_FRAME_STATS_FIELDS };
    ws_frame_stats ws;
  };
  uint64_t gap_bytes;         /* bytes the capture missed */
  uint32_t gaps;
} ws_dir_stats;

/* A close frame as one side sent it. */
typedef struct {
  bool seen;
  int64_t ts_us;
  int code;                   /* -1: empty body (1005 to the application) */
  char *reason;               /* NULL when empty; owned */
  size_t reason_len;
  size_t payload_len;         /* close frame payload length on the wire */
  bool reason_truncated;      /* longer than we keep */
} ws_close_info;

/* The diagnosis, filled in by diagnose.c. */
typedef struct {
  int64_t ts_us;              /* 0 when the fact has no moment */
  char *text;
} ws_evidence;

typedef struct {
  const char *id;             /* one of the cause ids (static string) */
  char *detail;               /* finer id or NULL */
  char *summary;
  char *fix;
  const char *confidence;     /* "high", "medium", "low" */
  GPtrArray *evidence;        /* of ws_evidence*, owned */
  /* the next connection of the same client to the same server or Host
   * (the cross-connection index; only when one began after this one ended) */
  int64_t next_start_us;      /* 0: none seen */
  uint16_t next_client_port;
  /* emptied evidence arrays to reuse (the analyzer's, context.h), kept
   * when the cause is cleared; NULL: none (a cause made on its own) */
  struct ws_ev_pool *pool;
  /* when pool is set, the text of the evidence lines, detail, summary and
   * fix: blocks owned here (cause.c), NULL until the first */
  struct ws_ev_block *ev_blocks;
  bool ev_carved;             /* evidence's lines are in ev_blocks (its array
                               * frees nothing) */
} ws_cause;

typedef struct ws_conn ws_conn;

/* Why a TCP stream was looked at and found not to be WebSocket (counted in
 * the totals). */
typedef enum {
  WS_REJECT_NONE = 0,
  WS_REJECT_NO_UPGRADE,       /* its start was seen and held no upgrade request */
  WS_REJECT_MIDSTREAM,        /* seen mid-stream: the bytes did not read as frames */
  WS_REJECT_OTHER_UPGRADE,    /* an upgrade to another protocol (h2c, ...) */
} ws_reject;

/* Bytes held while a connection seen mid-stream is being recognised (midstream.c). */
typedef struct ws_probe ws_probe;

/* The fields are ordered by when they are used.  Those read or written for
 * every packet (tcp.c's direction lookup and FIN/RST bookkeeping, the stage
 * dispatch of ws_conn_data) fill the first 64 bytes, so that a packet of a
 * connection touches one cache line of it (two when the allocation is not
 * line-aligned) besides the ones its stage needs: the parsers and per-
 * direction counters next, then the handshake, close and diagnosis facts,
 * written once and read when the record is written. */
struct ws_conn {
  /* every packet */
  ws_addr addr[2];            /* indexed by ws_side */
  uint16_t port[2];
  bool sides_known;           /* client decided from SYN, GET or masking */
  bool syn_seen;
  bool midstream;             /* capture began after the handshake */
  bool fin[2], rst[2];
  bool tls_on;                /* the TLS stage takes the stream (tlsconn.h) */
  ws_stage stage;
  ws_kind kind;
  ws_tcp_end tcp_end;
  ws_side tcp_end_by;         /* who sent the first FIN or RST */

  /* often: limits and pmd by the frame parser, method by the dispatch */
  unsigned limits;            /* limits hit while tracking this connection (bit set of WS_LIMIT_*) */
  ws_pmd pmd;                 /* permessage-deflate as negotiated */
  char *method;               /* from the request (NULL when not seen) */
  uint64_t id;                /* order of first packet, from 1 */
  int64_t start_us, end_us;
  /* where its packets are in the capture files: the file of the first and
   * of the last packet (interned; NULL live) and their frame numbers as
   * Wireshark gives them in that file (0: unknown) */
  const char *first_file, *last_file;
  uint64_t first_frame, last_frame;

  /* by stage: the handshake's gatherers, the frame parsers and the
   * counters (tcp_bytes for every packet: first in ws_dir_stats) */
  ws_http_parser http[2];     /* by side */
  ws_frame_parser frames[2];  /* by side */
  ws_dir_stats dir[2];

  /* handshake (NULL when not seen) */
  char *host, *path, *origin, *user_agent, *ws_version, *ws_key;
  char *offered_subprotocols, *accepted_subprotocol;
  char *offered_extensions, *accepted_extensions;
  char *ws_accept;
  char *server_header;        /* Server: header of the response */
  int handshake_status;       /* -1 unseen */
  char *handshake_reason;     /* reason phrase */
  int accept_valid;           /* -1 unknown, 0 no, 1 yes */
  int64_t request_us, response_us;
  /* problems found in the 101 response itself */
  char *handshake_problem;    /* e.g. unrequested extension; NULL if none */
  int handshake_problem_kind; /* ws_handshake_problem, 0 none */
  /* the strings above (and method) taken from the request (by side: client)
   * and the response (server), each side's in one block allocated at its
   * final size; the request's block has room at its end (hs_room bytes
   * left) where the response's strings go when they fit, and then the
   * server's block stays NULL */
  char *hs_block[2];
  size_t hs_block_len[2];
  size_t hs_room;

  ws_close_info close[2];
  ws_side close_initiator;    /* WS_SIDE_NONE if no close frame */
  int64_t fin_us[2], rst_us[2];

  ws_violation *violations;   /* WS_MAX_VIOLATIONS slots, allocated at the first */
  unsigned n_violations;
  unsigned violations_dropped;

  ws_cause cause;

  /* recognition */
  ws_probe *probe;            /* held bytes while deciding mid-stream, else NULL */
  bool start_lost[2];         /* the capture lost the first bytes of that side */
  uint8_t reject;             /* ws_reject: why this stream is not WebSocket */
  uint32_t hs_cut[2];         /* that side's handshake message was cut (snaplen
                               * or loss) after this many bytes; 0: whole */
  char *req_upgrade, *req_connection; /* the request's Upgrade and Connection */
  /* who the client is behind proxies, as the request claims it (any client
   * may send these: not trusted), at most WS_CLIENT_ID_MAX bytes each */
  char *x_forwarded_for, *forwarded, *x_real_ip, *request_id;
  bool req_headers_read;      /* set with them: NULL then means absent */
  struct ws_tls *tls;         /* the TLS stage's parser, NULL unless tls_on */
  struct ws_subproto *app;    /* application protocol (subproto.h), or NULL */
  bool app_decided;           /* app was set up at the first data message */
  struct ws_ctx *ctx;         /* the analyzer's settings, counters, scratch
                               * (context.h): borrowed, outlives the record */
};

#define WS_CLIENT_ID_MAX 256

enum {
  WS_LIMIT_HEADER = 1u << 0,      /* handshake longer than the header cap */
  WS_LIMIT_REASSEMBLY = 1u << 1,  /* out-of-order buffer full: data skipped */
  WS_LIMIT_INFLATE = 1u << 2,     /* inflate output capped */
  WS_LIMIT_INFLATERS = 1u << 3,   /* too many inflaters: sizes not measured */
  WS_LIMIT_EVICTED = 1u << 4,     /* connection table full: evicted */
  WS_LIMIT_VIOLATIONS = 1u << 5,  /* more violations than recorded */
};

typedef enum {
  WS_HS_OK = 0,
  WS_HS_UNREQUESTED_EXTENSION,
  WS_HS_UNREQUESTED_SUBPROTOCOL,
  WS_HS_BAD_EXTENSION_PARAM,      /* RFC 7692 forbids it in the response */
} ws_handshake_problem;

/* ---- names and numbers of the record (record.c), for writers and the
 * diagnosis ------------------------------------------------------------------ */

const char *ws_violation_name (ws_violation_kind k);
/* The code an application saw, per the close_code contract: -1 for null. */
int ws_conn_close_code (const ws_conn *c);

/* Formatting helpers shared by writers and the diagnosis. */
void ws_addr_to_string (const ws_addr *a, char *buf, size_t len);
const char *ws_side_name (ws_side s); /* "client", "server" or NULL */
const char *ws_tcp_end_name (ws_tcp_end e);


#endif
