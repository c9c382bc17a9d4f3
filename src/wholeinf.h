/* wholeinf.h - a strict DEFLATE decoder (RFC 1951) for whole messages.
 *
 * Inflates a raw DEFLATE stream that is all in memory, with earlier output
 * (a dictionary: the window of context takeover) that matches may reach
 * into, in one call.  It answers only when zlib's raw inflate (windowBits
 * -15, the same dictionary) fed the same bytes would give the same output
 * without an error; anything zlib refuses, and a few things zlib accepts
 * that no encoder writes, it refuses, and the caller inflates with zlib
 * (which then names the error).  What it refuses (RFC 1951 plus zlib's own
 * rules, inftrees.c/inflate.c):
 *
 *   - block type 3; a stored block whose LEN is not ~NLEN;
 *   - more than 286 literal/length or 30 distance codes (HLIT > 29, HDIST > 29);
 *   - a code-length code that is over-subscribed or incomplete (zlib allows
 *     no exception there), a repeat (16) with no length before it or any
 *     repeat past the declared count, no code for end-of-block (256);
 *   - literal/length and distance codes over-subscribed, or incomplete but
 *     for zlib's one exception (a single code of one bit, whose unused half
 *     is then an error when met; no distance code at all is allowed too,
 *     an error when a distance is needed);
 *   - the reserved symbols 286-287 and distances 30-31 of fixed blocks;
 *   - a distance further back than the dictionary plus the output so far;
 *   - a stream that neither ends with a final block nor uses its input to the
 *     last bit at a block's end (cut short, or bits left that zlib would keep
 *     for the next message: the stream would not stand where zlib's does);
 *   - more output than the caller accepts.
 *
 * Untrusted input: every read and write is bounded (tests/test-inflater.c
 * checks it against zlib on crafted, generated and corrupted streams).
 */
#ifndef WS_WHOLEINF_H
#define WS_WHOLEINF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ws_wholeinf ws_wholeinf;

/* A decoder: its tables (about 95 KB) and its output buffer, reused by every
 * call.  Not shared between threads. */
ws_wholeinf *ws_wholeinf_new (void);
void ws_wholeinf_free (ws_wholeinf *d);

typedef enum {
  WS_WHOLEINF_OK = 0,
  WS_WHOLEINF_REFUSED,  /* corrupt, cut short, unusual: ask zlib */
  WS_WHOLEINF_ROOM,     /* more than room bytes of output (or out of memory) */
} ws_wholeinf_rc;

/* Inflate in[0..n) with dict[0..dict_len) (at most 32 KiB) as the output
 * before it.  OK: *out is the buffer holding dict then the output
 * (*out_len bytes after dict_len, at most room), valid until the next call. */
ws_wholeinf_rc ws_wholeinf_run (ws_wholeinf *d, const uint8_t *dict, size_t dict_len,
                                const uint8_t *in, size_t n, size_t room,
                                const uint8_t **out, size_t *out_len);

#endif
