/* pmd.h - the permessage-deflate inflater (RFC 7692 section 7.2): one raw
 * DEFLATE stream per direction of a connection, fed a message at a time.
 *
 * The inflater knows nothing of frames or connections: the frame parser
 * decides when a message starts (ws_inflater_next_message, with whether the
 * sender keeps its window across messages), hands it compressed bytes
 * (ws_inflater_inflate) and receives the inflated bytes through a sink, in
 * pieces, up to a byte budget.  Inflated bytes are never kept.
 */
#ifndef WS_PMD_H
#define WS_PMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counters shared by the inflaters that point at them. */
typedef struct {
  size_t live;        /* inflaters now allocated */
  size_t lazy_bytes;  /* compressed messages kept for later (wsframe.c) */
  uint64_t lazy_seq;  /* orders what is kept across the two directions */
  struct ws_pmd_whole *whole; /* ws_pmd_whole_of: made when first needed */
  uint64_t whole_messages; /* messages inflated whole (wsframe.c) */
  bool zlib_only;     /* inflate every message with zlib as it comes (the
                       * reference; also WSCLOSED_INFLATER=zlib) */
} ws_pmd_stats;

/* Frees what the inflaters share (the whole-message inflater). */
void ws_pmd_stats_clear (ws_pmd_stats *st);

typedef struct ws_inflater ws_inflater;

typedef enum {
  WS_PMD_OK = 0,      /* all input used (or the stream already ended) */
  WS_PMD_END,         /* a block with BFINAL ended this message's stream */
  WS_PMD_CAPPED,      /* the output passed the budget: only `room` bytes went to the sink */
  WS_PMD_ERROR        /* corrupt stream; ws_inflater_error says why */
} ws_pmd_result;

/* Receives inflated bytes in order, at most 8 KiB at a time. */
typedef void (*ws_pmd_sink) (void *ud, const uint8_t *out, size_t n);

/* A raw inflater with a window of window_bits (9..15), counted in *stats
 * (may be NULL) until freed; NULL when zlib cannot make one. */
ws_inflater *ws_inflater_new (int window_bits, ws_pmd_stats *stats);
void ws_inflater_free (ws_inflater *inf);

/* A new message starts.  keep_window: the sender takes its context over
 * (the message may refer to earlier ones).  When the last message ended its
 * stream with a final block, a new stream is started (keeping the window
 * when asked); otherwise, without takeover, the stream is reset.  False when
 * zlib fails: the inflater is unusable. */
bool ws_inflater_next_message (ws_inflater *inf, bool keep_window);

/* Inflate in[0..n) of the current message.  room is how many more inflated
 * bytes the caller accepts; the sink gets at most room of them, and
 * WS_PMD_CAPPED says more were there.  After WS_PMD_END the rest of the
 * message (the 00 00 ff ff tail) is ignored. */
ws_pmd_result ws_inflater_inflate (ws_inflater *inf, const uint8_t *in, size_t n,
                                   uint64_t room, ws_pmd_sink sink, void *ud);

/* zlib's message for the last WS_PMD_ERROR. */
const char *ws_inflater_error (const ws_inflater *inf);

/* The window the inflater was made with (9..15). */
int ws_inflater_window_bits (const ws_inflater *inf);

/* Whole messages at once, with our strict decoder (wholeinf.c; about twice
 * zlib's speed here, bench/README) or, when asked, libdeflate: for a message
 * that is all there, of a sender with a 32 KiB window, with or without
 * context takeover.  The message's bytes get the 00 00 ff ff tail appended.
 *
 * It answers only when the answer is the one zlib gives fed the message a
 * piece at a time (ws_inflater_inflate): the stream inflates without error
 * to at most room bytes and zlib would stand at a block's boundary after it
 * (or at the stream's end).  Anything else (an error, anything unusual, more
 * than room or than its buffer holds) is false, and the caller inflates the
 * message with zlib, which names the error or hits the cap as it always did.
 * zlib stays the reference: tests/test-inflater.c compares the two on
 * crafted, generated and corrupted streams (libdeflate 1.14 is the one
 * exception: it takes a few corrupt streams zlib refuses, so it is only
 * opt-in, WSCLOSED_INFLATER=libdeflate).  One per analyzer (its
 * ws_pmd_stats), not shared between threads. */
typedef struct ws_pmd_whole ws_pmd_whole;

/* Our decoder; NULL when out of memory: inflate with zlib. */
ws_pmd_whole *ws_pmd_whole_new (void);
void ws_pmd_whole_free (ws_pmd_whole *w);
/* The one the inflaters of st share, made when first needed (or NULL:
 * WSCLOSED_INFLATER=zlib or isal, everything as it comes). */
ws_pmd_whole *ws_pmd_whole_of (ws_pmd_stats *st);

/* What w did (bench/README's fallback share). */
typedef struct {
  uint64_t tried;        /* messages given to it */
  uint64_t answered;     /* answered: zlib not needed */
  uint64_t refused;      /* refused as corrupt or unusual (ours) */
  uint64_t room;         /* more output than room (ours) */
} ws_pmd_whole_counts;
const ws_pmd_whole_counts *ws_pmd_whole_counts_of (const ws_pmd_whole *w);

/* msg[0..n): the message's payload (unmasked, without the tail).  true:
 * *out (*out_len bytes, valid until the next call) is its inflated bytes. */
bool ws_pmd_whole_inflate (ws_pmd_whole *w, const uint8_t *msg, size_t n, uint64_t room,
                           const uint8_t **out, size_t *out_len);

/* The same for inf's next message (after ws_inflater_next_message, before
 * any ws_inflater_inflate of it), with context takeover too (keep_window):
 * the window, taken from zlib or kept from the last message inflated whole,
 * goes before the message as a stored block; once the answer is taken
 * (ws_inflater_whole_done) inf keeps the new window and zlib is given it
 * when next used.  Only for a 32 KiB window (false
 * otherwise: a smaller one is checked by zlib alone). */
bool ws_inflater_whole (ws_inflater *inf, ws_pmd_whole *w, bool keep_window,
                        const uint8_t *msg, size_t n, uint64_t room, const uint8_t **out,
                        size_t *out_len);
/* The answer of ws_inflater_whole is taken (nothing else used w since):
 * inf moves on past the message.  Not called, the message is still to be
 * inflated (with ws_inflater_inflate). */
void ws_inflater_whole_done (ws_inflater *inf, ws_pmd_whole *w, bool keep_window);

#endif
