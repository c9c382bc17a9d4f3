/* context.h - what one analyzer owns: a pointer to the run's settings
 * (read-only, shared), its counters, and the scratch of the stages that
 * must outlive one connection (pools, memos, totals of bytes held).
 *
 * The analyzer makes one (ws_ctx_init) and every connection record it
 * makes keeps a pointer to it (ws_conn.ctx): the stages reach the settings
 * and counters through the record they work on, as nghttp2's stages reach
 * their session.  Nothing in it is shared between analyzers, so N
 * analyzers may run in N threads; what is process-wide (the settings, the
 * CPU's features found once at start-up, const tables) is read-only
 * while they run.  Tests and fuzzers make their own.
 */
#ifndef WS_CONTEXT_H
#define WS_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "settings.h"

/* Evidence arrays of causes cleared lately, emptied, for the next causes
 * to fill (cause.c). */
#define WS_EV_POOL 4
/* and blocks that held the text of their lines, for the next lines */
#define WS_EV_BLOCKS 64
typedef struct ws_ev_pool {
  GPtrArray *arrays[WS_EV_POOL];
  unsigned n;
  struct ws_ev_block *blocks; /* linked through next */
  unsigned n_blocks;
} ws_ev_pool;
/* Free the blocks it keeps (cause.c). */
void ws_ev_pool_clear (ws_ev_pool *pool);

/* The software of the last few User-Agent and Server values (software.c). */
#define WS_SW_MEMO 8
#define WS_SW_MEMO_LEN 176
typedef struct ws_sw_memo {
  struct {
    uint16_t len;           /* 0: unused */
    int8_t index;
    char value[WS_SW_MEMO_LEN];
  } e[WS_SW_MEMO];
  unsigned next;
} ws_sw_memo;

/* Objects made once per connection are kept for reuse when freed (records
 * here, flows in tcp.c), except under AddressSanitizer: a use after free
 * must stay visible there. */
#if defined(__SANITIZE_ADDRESS__)
#define WS_REUSE_FREED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WS_REUSE_FREED 0
#endif
#endif
#ifndef WS_REUSE_FREED
#define WS_REUSE_FREED 1
#endif

/* Records freed lately, for the next connections to take (conn.c): a
 * record is 1.6 KB, made and freed once per connection; given back to
 * malloc, the frees of a capture's end left the heap in holes of every
 * size, which each later malloc sorted through (glibc's large bins).  At
 * most as many are kept as this context made, so a context that only
 * frees records made elsewhere (the merging analyzer of --workers) keeps
 * none. */
typedef struct ws_conn_pool {
  void *head;                 /* a freed record, linked through its first word */
  size_t n;
  size_t made;                /* records this context allocated */
} ws_conn_pool;

typedef struct ws_ctx {
  const ws_settings *set;     /* borrowed, read-only */
  ws_counters cnt;
  /* scratch of the stages */
  size_t probe_held;          /* midstream.c: bytes held by every probe */
  int64_t tls_refresh_us;     /* tlsconn.c: last key log refresh (monotonic) */
  ws_ev_pool ev_pool;         /* cause.c */
  ws_conn_pool conn_pool;     /* conn.c */
  ws_sw_memo sw_memo;         /* software.c */
  struct ws_inflater_pool *inflater_pool; /* inflater.c: NULL until it has one */
} ws_ctx;

void ws_ctx_init (ws_ctx *x, const ws_settings *set);
/* Frees what the scratch and the counters hold (not the settings). */
void ws_ctx_clear (ws_ctx *x);

#endif
