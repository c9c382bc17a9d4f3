/* ipfrag.h - IPv4 and IPv6 fragment reassembly for TCP datagrams.
 *
 * Sits between decode and tcp: ws_ipfrag_decode() decodes a frame like
 * ws_decode(); when the frame is a fragment it is kept until its datagram is
 * whole, and the frame that completes it comes back as an ordinary TCP
 * segment (WS_DEC_OK), as if the datagram had never been fragmented.
 *
 * Policy (untrusted input, bounded memory):
 * - datagrams are keyed by (src, dst, protocol, ID) for IPv4 (RFC 791) and
 *   (src, dst, Identification) for IPv6 (RFC 8200 section 4.5); an IPv6
 *   "atomic" fragment (offset 0, M clear) stands alone (RFC 6946);
 * - overlaps: the bytes that arrived first win (like our TCP reassembly);
 *   overlapping fragments are counted, and those with different bytes
 *   separately.  (Linux drops such datagrams entirely, RFC 5722 asks that for
 *   IPv6; a passive observer cannot know which copy the host kept, and keeps
 *   going);
 * - a datagram is at most 65535 bytes (IPv6 jumbograms are not fragmented),
 *   has at most max_frags fragments, lives at most timeout_us of capture time
 *   after its first fragment (Linux's ipfrag_time is 30 s), and all datagrams
 *   together hold at most max_bytes (the oldest go first);
 * - a fragment cut by the snaplen cannot be completed byte-exactly: its
 *   datagram is given up (counted in truncated) and the rest of its fragments
 *   are swallowed, so the TCP layer sees a gap where the segment was;
 * - IPv4 fragments of protocols other than TCP and the tunnels in IP (4, 41,
 *   47, 97, 137) are not kept (WS_DEC_NOT_TCP at once); IPv6 ones are kept
 *   until the offset-0 fragment says what they carry;
 * - datagrams are also keyed by the tunnels they came through (ws_packet.tunnel).
 * No allocation per fragment: one record and one buffer per datagram, the
 * buffer sized from the highest end seen and grown by doubling.
 */
#ifndef WS_IPFRAG_H
#define WS_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

typedef struct ws_ipfrag ws_ipfrag;

typedef struct {
  size_t max_bytes;      /* all incomplete datagrams together (>= 256 KiB) */
  uint32_t max_frags;    /* fragments per datagram, duplicates included */
  int64_t timeout_us;    /* capture time from the first fragment */
} ws_ipfrag_opts;

typedef struct {
  uint64_t fragments;          /* fragments taken for reassembly */
  uint64_t reassembled;        /* datagrams completed and handed on */
  uint64_t overlaps;           /* fragments overlapping bytes already held */
  uint64_t overlap_conflicts;  /* ... with different bytes (first kept) */
  uint64_t timed_out;          /* incomplete datagrams dropped at the timeout */
  uint64_t evicted;            /* incomplete datagrams dropped for max_bytes */
  uint64_t malformed;          /* fragments or datagrams that do not add up */
  uint64_t truncated;          /* datagrams given up: a fragment cut by snaplen */
  uint64_t too_many;           /* datagrams given up at max_frags */
  uint64_t not_tcp;            /* IPv6 datagrams found not to carry TCP */
  uint64_t swallowed;          /* fragments of datagrams already given up */
} ws_ipfrag_stats;

/* 4 MiB, 128 fragments, 30 s. */
void ws_ipfrag_opts_init (ws_ipfrag_opts *o);

ws_ipfrag *ws_ipfrag_new (const ws_ipfrag_opts *o);
void ws_ipfrag_free (ws_ipfrag *f);

/* Decode one captured frame (arguments as ws_decode()) at capture time ts_us.
 * Returns what ws_decode() returns, except for fragments:
 *   WS_DEC_FRAGMENT   kept (or swallowed): nothing to do for now;
 *   WS_DEC_OK         this fragment completed its datagram: out describes the
 *                     TCP segment in it; out->payload points into a buffer of
 *                     f that stays valid until the next ws_ipfrag_decode() or
 *                     ws_ipfrag_free() on f;
 *   WS_DEC_NOT_TCP    an IPv6 datagram whose first fragment is not TCP;
 *   WS_DEC_MALFORMED  offsets or lengths that do not add up;
 *   WS_DEC_TRUNCATED  cut by the snaplen (its datagram is given up). */
ws_decode_result ws_ipfrag_decode (ws_ipfrag *f, int linktype, const uint8_t *data,
                                   uint32_t caplen, uint32_t wirelen, int64_t ts_us,
                                   ws_packet *out);

/* Incomplete datagrams held now, and the bytes they take. */
size_t ws_ipfrag_pending (const ws_ipfrag *f);
size_t ws_ipfrag_held_bytes (const ws_ipfrag *f);
/* Of the pending ones, those still waiting for fragments (not given up: a
 * given-up datagram stays until its timeout only to swallow the rest). */
size_t ws_ipfrag_incomplete (const ws_ipfrag *f);
const ws_ipfrag_stats *ws_ipfrag_get_stats (const ws_ipfrag *f);

#endif
