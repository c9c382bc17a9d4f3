/* wsframe-internal.h - what wsframe.c (framing, messages) and
 * wsframe-defer.c (compressed messages inflated later or whole at their
 * end) share.  Not for other files: they use wsframe.h. */
#ifndef WS_WSFRAME_INTERNAL_H
#define WS_WSFRAME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* after wsframe.h (its types), which it does not include: wsframe.c
 * includes this header, so including wsframe.h here would make a cycle of
 * modules */

#define UNMASK_BUF 4096

/* How the size of the compressed message being read is measured. */
enum {
  MEASURE_WIRE = 0,  /* not inflated: the wire size stands in */
  MEASURE_INFLATE,   /* inflating: msg_size is the inflated size so far */
  MEASURE_FROZEN     /* hit the output cap: msg_size stays at the cap */
};

/* ---- kept for later (wsframe-defer.c) ---- */
#define LAZY_DIR_MAX (1u << 20)
#define LAZY_TOTAL_MAX ((size_t) 64 << 20)

enum { LZ_START, LZ_BYTES, LZ_END, LZ_PLAIN };

typedef struct {
  uint64_t seq;       /* order across both directions */
  int64_t ts_us;
  uint64_t a;         /* START: message number; BYTES, END: frame offset;
                       * PLAIN: size */
  uint32_t len;       /* BYTES: bytes kept */
  uint8_t kind;
  uint8_t opcode;     /* START */
} lz_ev;

struct ws_lazy {
  lz_ev *ev;
  size_t n_ev, cap_ev;
  uint8_t *buf;
  size_t len, cap;
  size_t charged;     /* bytes counted in inflaters->lazy_bytes */
  bool any;           /* a compressed message was kept */
  uint64_t msg_no;    /* number of the message being replayed */
  uint64_t base_largest, base_last, base_before_last; /* sizes before the log */
};

/* ---- held whole ---- */
#define HOLD_MAX ((size_t) 1 << 20)
#define HOLD_KEEP ((size_t) 16 << 10) /* buffer kept between messages */

typedef struct {
  uint32_t len;
  int64_t ts_us;
  uint64_t frame_offset;
  uint64_t seq;       /* order across both directions */
} held_piece;

struct ws_held {
  uint8_t *buf;
  size_t len, cap;
  held_piece *pc;
  size_t n_pc, cap_pc;
};

ws_frame_stats * wsf_dir_of (ws_frame_parser *p);
const ws_limits * wsf_lim (const ws_frame_parser *p);
bool wsf_no_takeover (ws_frame_parser *p);
void wsf_violation (ws_frame_parser *p, ws_violation_kind k, int64_t ts_us, uint64_t offset,
                    const char *fmt, ...) G_GNUC_PRINTF (5, 6);
bool wsf_inflate_begin (ws_frame_parser *p);
bool wsf_wants_bytes (const ws_frame_parser *p);
void wsf_deliver (ws_frame_parser *p, const uint8_t *d, size_t n);
void wsf_inflate_bytes (ws_frame_parser *p, const uint8_t *in, size_t n, int64_t ts_us);
bool wsf_measuring_inflated (ws_frame_parser *p);
bool wsf_inflating (ws_frame_parser *p);
void wsf_check_text (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t mask, uint64_t msg_off, int64_t ts_us);
void wsf_sizes_add (ws_frame_stats *ds, uint64_t size);
bool wsf_lazy_wanted (const ws_frame_parser *p);
void wsf_lazy_free (ws_frame_parser *p);
void wsf_lazy_push (ws_frame_parser *p, uint8_t kind, int64_t ts_us, uint64_t a, uint8_t opcode, uint32_t len);
void wsf_lazy_bytes (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m, int64_t ts_us);
void wsf_lazy_flush_pair (ws_frame_parser *p, bool off);
void wsf_lazy_check_budget (ws_frame_parser *p);
void wsf_inflate_piece (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m, uint64_t wire_before, int64_t ts_us);
bool wsf_hold_wanted (ws_frame_parser *p);
void wsf_held_free (ws_frame_parser *p);
void wsf_held_release (ws_frame_parser *p);
void wsf_held_bytes (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t m, int64_t ts_us);
bool wsf_held_end (ws_frame_parser *p);

#endif
