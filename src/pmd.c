/* pmd.c - the permessage-deflate inflater (RFC 7692 section 7.2).
 *
 * A message is the DEFLATE data of its frames followed by an implied
 * 00 00 ff ff (the empty stored block the sender removed, 7.2.2): the caller
 * feeds that tail at the end of each message.  A sender may also end a
 * message with a final block (BFINAL, 7.2.3.4); the next message then starts
 * a new stream, with the old window as its dictionary under context
 * takeover.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <zlib.h>
#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "pmd.h"

#define INFLATE_BUF 8192

struct ws_inflater {
  z_stream zs;
  int bits;
  bool ended;             /* a final block ended the current stream */
  ws_pmd_stats *stats;
};

ws_inflater *
ws_inflater_new (int window_bits, ws_pmd_stats *stats)
{
  ws_inflater *inf = g_new0 (ws_inflater, 1);
  if (inflateInit2 (&inf->zs, -window_bits) != Z_OK)
    {
      g_free (inf);
      return NULL;
    }
  inf->bits = window_bits;
  inf->stats = stats;
  if (stats)
    stats->live++;
  return inf;
}

void
ws_inflater_free (ws_inflater *inf)
{
  if (!inf)
    return;
  inflateEnd (&inf->zs);
  if (inf->stats)
    inf->stats->live--;
  g_free (inf);
}

/* Start a new stream after a final block, keeping the window when the
 * context is taken over. */
static bool
restart (ws_inflater *inf, bool keep_window)
{
  z_stream *zs = &inf->zs;
  if (!keep_window)
    return inflateReset (zs) == Z_OK;
  uint8_t *dict = g_malloc (32768);
  uInt dlen = 32768;
  bool ok = inflateGetDictionary (zs, dict, &dlen) == Z_OK
            && inflateReset (zs) == Z_OK
            && (dlen == 0 || inflateSetDictionary (zs, dict, dlen) == Z_OK);
  g_free (dict);
  return ok;
}

bool
ws_inflater_next_message (ws_inflater *inf, bool keep_window)
{
  if (inf->ended)
    {
      if (!restart (inf, keep_window))
        return false;
    }
  else if (!keep_window)
    inflateReset (&inf->zs);
  inf->ended = false;
  return true;
}

ws_pmd_result
ws_inflater_inflate (ws_inflater *inf, const uint8_t *in, size_t n,
                     uint64_t room, ws_pmd_sink sink, void *ud)
{
  z_stream *zs = &inf->zs;
  uint8_t out[INFLATE_BUF];

  if (inf->ended)
    return WS_PMD_OK; /* what follows a final block is not data */
  zs->next_in = (Bytef *) in;
  zs->avail_in = (uInt) n;
  for (;;)
    {
      /* never more than one byte past the budget: enough to know it was hit */
      uInt give = room >= sizeof out ? (uInt) sizeof out : (uInt) room + 1;
      zs->next_out = out;
      zs->avail_out = give;
      int rc = inflate (zs, Z_SYNC_FLUSH);
      size_t got = give - zs->avail_out;
      if (got > room)
        {
          sink (ud, out, (size_t) room);
          return WS_PMD_CAPPED;
        }
      if (got)
        {
          sink (ud, out, got);
          room -= got;
        }
      if (rc == Z_STREAM_END)
        {
          inf->ended = true;
          return WS_PMD_END;
        }
      if (rc == Z_BUF_ERROR)
        return WS_PMD_OK; /* no progress possible: all input used, no output pending */
      if (rc != Z_OK)
        return WS_PMD_ERROR;
      if (zs->avail_in == 0 && zs->avail_out != 0)
        return WS_PMD_OK;
    }
}

const char *
ws_inflater_error (const ws_inflater *inf)
{
  return inf->zs.msg ? inf->zs.msg : "inflate failed";
}

int
ws_inflater_window_bits (const ws_inflater *inf)
{
  return inf->bits;
}

/* ---- whole messages (libdeflate) ------------------------------------------ */

/* The sync flush's tail the sender removed (RFC 7692 7.2.2), then an empty
 * final block with fixed codes: BFINAL 1, BTYPE 01, end-of-block 0000000. */
static const uint8_t whole_tail[6] = { 0x00, 0x00, 0xff, 0xff, 0x03, 0x00 };

/* Output tried at first: 8x the compressed size (JSON text inflates 2-6x
 * here); a message that needs more is tried once more with all it may have
 * (up to WHOLE_OUT_MAX), then left to zlib. */
#define WHOLE_RATIO 8
#define WHOLE_OUT_MAX ((size_t) 16 << 20)

struct ws_pmd_whole {
#ifdef HAVE_LIBDEFLATE
  struct libdeflate_decompressor *d;
#endif
  uint8_t *in, *out;
  size_t in_cap, out_cap;
};

ws_pmd_whole *
ws_pmd_whole_new (void)
{
#ifdef HAVE_LIBDEFLATE
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor ();
  if (!d)
    return NULL;
  ws_pmd_whole *w = g_new0 (ws_pmd_whole, 1);
  w->d = d;
  return w;
#else
  return NULL;
#endif
}

void
ws_pmd_whole_free (ws_pmd_whole *w)
{
  if (!w)
    return;
#ifdef HAVE_LIBDEFLATE
  libdeflate_free_decompressor (w->d);
#endif
  g_free (w->in);
  g_free (w->out);
  g_free (w);
}

ws_pmd_whole *
ws_pmd_whole_of (ws_pmd_stats *st)
{
#ifdef HAVE_LIBDEFLATE
  if (st->whole || st->zlib_only)
    return st->whole;
  const char *e = getenv ("WSCLOSED_INFLATER");
  if (e && strcmp (e, "zlib") == 0)
    st->zlib_only = true;
  else
    st->whole = ws_pmd_whole_new ();
  return st->whole;
#else
  (void) st;
  return NULL;
#endif
}

void
ws_pmd_stats_clear (ws_pmd_stats *st)
{
  ws_pmd_whole_free (st->whole);
  st->whole = NULL;
}

#ifdef HAVE_LIBDEFLATE
static bool
whole_room (uint8_t **buf, size_t *cap, size_t need)
{
  if (*cap >= need)
    return true;
  g_free (*buf);
  *buf = g_try_malloc (need);
  *cap = *buf ? need : 0;
  return *buf != NULL;
}
#endif

bool
ws_pmd_whole_inflate (ws_pmd_whole *w, const uint8_t *msg, size_t n, uint64_t room,
                      const uint8_t **out, size_t *out_len)
{
#ifdef HAVE_LIBDEFLATE
  if (!w || n > WHOLE_OUT_MAX || !whole_room (&w->in, &w->in_cap, n + sizeof whole_tail))
    return false;
  memcpy (w->in, msg, n);
  memcpy (w->in + n, whole_tail, sizeof whole_tail);
  /* an output of exactly room bytes fits, as with zlib; one more does not */
  uint64_t most = MIN (room, (uint64_t) WHOLE_OUT_MAX);
  size_t want = (size_t) MIN (most, (uint64_t) n * WHOLE_RATIO + 4096);
  for (;;)
    {
      if (!whole_room (&w->out, &w->out_cap, want))
        return false;
      size_t in_used = 0, got = 0;
      enum libdeflate_result r
        = libdeflate_deflate_decompress_ex (w->d, w->in, n + sizeof whole_tail, w->out, want,
                                            &in_used, &got);
      if (r == LIBDEFLATE_SUCCESS)
        {
          /* The stream ended at a final block of the message's own (zlib
           * ends there too and ignores the rest), or at ours: libdeflate
           * fails when it reads past the input, and a final block can only
           * start at our 03 00's first bit, a block boundary, where zlib
           * fed the message and its tail stands too. */
          *out = w->out;
          *out_len = got;
          return got <= room;
        }
      if (r != LIBDEFLATE_INSUFFICIENT_SPACE || want >= most)
        return false;
      want = (size_t) most;
    }
#else
  (void) w; (void) msg; (void) n; (void) room; (void) out; (void) out_len;
  return false;
#endif
}
