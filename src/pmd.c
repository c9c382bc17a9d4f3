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
#include "wholeinf.h"

#define INFLATE_BUF 8192

struct ws_inflater {
  z_stream zs;
  int bits;
  /* inflating whole with context takeover (ws_inflater_whole): the last
   * win_len bytes of this direction's output, when win_valid; z_stale: zlib
   * has not seen the messages inflated whole, its window is to be win */
  uint8_t *win;
  size_t win_len;
  bool win_valid, z_stale;
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
  g_free (inf->win);
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
  if (inf->z_stale)
    {
      /* zlib takes up the window when next used (z_sync) */
      if (!keep_window)
        inf->win_len = 0;
    }
  else if (inf->ended)
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
  if (inf->z_stale)
    {
      /* as if zlib had inflated the messages inflated whole: after a reset
       * with their window as the dictionary it stands where it would */
      inf->z_stale = false;
      if (inflateReset (zs) != Z_OK
          || (inf->win_len && inflateSetDictionary (zs, inf->win, (uInt) inf->win_len) != Z_OK))
        {
          zs->msg = (char *) "inflate failed";
          return WS_PMD_ERROR;
        }
    }
  inf->win_valid = false; /* zlib's output moves the window on */
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

/* ---- whole messages ------------------------------------------------------ */

/* The sync flush's tail the sender removed (RFC 7692 7.2.2), then (for
 * libdeflate, which needs a final block) an empty final block with fixed
 * codes: BFINAL 1, BTYPE 01, end-of-block 0000000. */
static const uint8_t whole_tail[6] = { 0x00, 0x00, 0xff, 0xff, 0x03, 0x00 };

/* No message is inflated whole to more than this (zlib then, as it comes). */
#define WHOLE_OUT_MAX ((size_t) 16 << 20)
#define WIN_MAX 32768

struct ws_pmd_whole {
  ws_wholeinf *strict;   /* ours (wholeinf.c): the default */
#ifdef HAVE_LIBDEFLATE
  struct libdeflate_decompressor *d; /* WSCLOSED_INFLATER=libdeflate */
#endif
  uint8_t *in, *out;
  size_t in_cap, out_cap;
  const uint8_t *res;    /* the window and the message's output of the last answer */
  size_t total;          /* their length */
  ws_pmd_whole_counts counts;
};

static ws_pmd_whole *
whole_new (bool libdeflate)
{
  ws_pmd_whole *w = g_new0 (ws_pmd_whole, 1);
#ifdef HAVE_LIBDEFLATE
  if (libdeflate)
    w->d = libdeflate_alloc_decompressor ();
  if (w->d)
    return w;
#else
  (void) libdeflate; /* not built with it: ours */
#endif
  w->strict = ws_wholeinf_new ();
  if (!w->strict)
    {
      g_free (w);
      return NULL;
    }
  return w;
}

ws_pmd_whole *
ws_pmd_whole_new (void)
{
  return whole_new (false);
}

void
ws_pmd_whole_free (ws_pmd_whole *w)
{
  if (!w)
    return;
#ifdef HAVE_LIBDEFLATE
  if (w->d)
    libdeflate_free_decompressor (w->d);
#endif
  ws_wholeinf_free (w->strict);
  g_free (w->in);
  g_free (w->out);
  g_free (w);
}

ws_pmd_whole *
ws_pmd_whole_of (ws_pmd_stats *st)
{
  if (st->whole || st->zlib_only)
    return st->whole;
  /* Read where first needed, not remembered process-wide (issue 16).  Ours
   * (wholeinf.c) unless asked otherwise: zlib alone, ISA-L as it comes
   * (inflater.c), or libdeflate whole (1.14 takes a few corrupt streams
   * zlib stops on: for comparison only, bench/README). */
  const char *e = getenv ("WSCLOSED_INFLATER");
  if (e && (strcmp (e, "zlib") == 0 || strcmp (e, "isal") == 0))
    st->zlib_only = true;
  else
    st->whole = whole_new (e && strcmp (e, "libdeflate") == 0);
  if (!st->whole)
    st->zlib_only = true;
  return st->whole;
}

const ws_pmd_whole_counts *
ws_pmd_whole_counts_of (const ws_pmd_whole *w)
{
  return &w->counts;
}

void
ws_pmd_stats_clear (ws_pmd_stats *st)
{
  ws_pmd_whole_free (st->whole);
  st->whole = NULL;
}

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

#ifdef HAVE_LIBDEFLATE
/* libdeflate: the window as a stored block before the message, whose
 * matches reach back into it as zlib's do into its window (and past it is
 * an error in both), then the message and whole_tail.  Output tried at
 * first: 8x the compressed size, then all it may have. */
#define WHOLE_RATIO 8

static bool
whole_libdeflate (ws_pmd_whole *w, const uint8_t *win, size_t win_len, const uint8_t *msg,
                  size_t n, uint64_t room, size_t *out_len)
{
  size_t pre_len = win_len ? 5 + win_len : 0;
  size_t in_len = pre_len + n + sizeof whole_tail;
  if (!whole_room (&w->in, &w->in_cap, in_len))
    return false;
  if (win_len)
    {
      uint16_t len = (uint16_t) win_len;
      w->in[0] = 0x00; /* BFINAL 0, BTYPE 00, to the byte's end */
      w->in[1] = (uint8_t) len;
      w->in[2] = (uint8_t) (len >> 8);
      w->in[3] = (uint8_t) ~len;
      w->in[4] = (uint8_t) (~len >> 8);
      memcpy (w->in + 5, win, win_len);
    }
  if (n)
    memcpy (w->in + pre_len, msg, n);
  memcpy (w->in + pre_len + n, whole_tail, sizeof whole_tail);
  /* an output of exactly room bytes fits, as with zlib; one more does not */
  uint64_t most = MIN (room, (uint64_t) WHOLE_OUT_MAX);
  size_t want = (size_t) MIN (most, (uint64_t) n * WHOLE_RATIO + 4096);
  for (;;)
    {
      if (!whole_room (&w->out, &w->out_cap, win_len + want))
        return false;
      size_t in_used = 0, got = 0;
      enum libdeflate_result r
        = libdeflate_deflate_decompress_ex (w->d, w->in, in_len, w->out, win_len + want,
                                            &in_used, &got);
      if (r == LIBDEFLATE_SUCCESS)
        {
          /* The stream ended at a final block of the message's own (zlib
           * ends there too and ignores the rest), or at ours: libdeflate
           * fails when it reads past the input, and a final block can only
           * start at our 03 00's first bit, a block boundary, where zlib
           * fed the message and its tail stands too. */
          if (got < win_len || got - win_len > room)
            return false;
          *out_len = got - win_len;
          w->res = w->out;
          return true;
        }
      if (r != LIBDEFLATE_INSUFFICIENT_SPACE || want >= most)
        return false;
      want = (size_t) most;
    }
}
#endif

/* Inflate win[0..win_len) (the dictionary, or nothing) + msg[0..n) + the
 * tail: the message's output is w->res + win_len, *out_len bytes. */
static bool
whole_run (ws_pmd_whole *w, const uint8_t *win, size_t win_len, const uint8_t *msg, size_t n,
           uint64_t room, size_t *out_len)
{
  if (!w || n > WHOLE_OUT_MAX)
    return false;
  w->counts.tried++;
#ifdef HAVE_LIBDEFLATE
  if (w->d)
    {
      bool ok = whole_libdeflate (w, win, win_len, msg, n, room, out_len);
      w->counts.answered += ok;
      return ok;
    }
#endif
  /* ours: the message and the 00 00 ff ff tail, read to their last bit
   * unless a final block ends the stream before (wholeinf.h) */
  if (!whole_room (&w->in, &w->in_cap, n + 4))
    return false;
  if (n)
    memcpy (w->in, msg, n);
  memcpy (w->in + n, whole_tail, 4);
  size_t most = (size_t) MIN (room, (uint64_t) WHOLE_OUT_MAX);
  ws_wholeinf_rc rc = ws_wholeinf_run (w->strict, win, win_len, w->in, n + 4, most, &w->res,
                                       out_len);
  if (rc == WS_WHOLEINF_ROOM)
    w->counts.room++;
  else if (rc != WS_WHOLEINF_OK)
    w->counts.refused++;
  else
    w->counts.answered++;
  return rc == WS_WHOLEINF_OK;
}

bool
ws_pmd_whole_inflate (ws_pmd_whole *w, const uint8_t *msg, size_t n, uint64_t room,
                      const uint8_t **out, size_t *out_len)
{
  if (!whole_run (w, NULL, 0, msg, n, room, out_len))
    return false;
  *out = w->res;
  return true;
}

bool
ws_inflater_whole (ws_inflater *inf, ws_pmd_whole *w, bool keep_window, const uint8_t *msg,
                   size_t n, uint64_t room, const uint8_t **out, size_t *out_len)
{
  if (!w || inf->bits != 15)
    return false;
  if (!keep_window)
    return ws_pmd_whole_inflate (w, msg, n, room, out, out_len);
  if (!inf->win_valid)
    {
      /* what zlib's window holds (nothing before its first output) */
      if (!inf->win)
        inf->win = g_malloc (WIN_MAX);
      uInt len = WIN_MAX;
      if (inflateGetDictionary (&inf->zs, inf->win, &len) != Z_OK)
        return false;
      inf->win_len = len;
      inf->win_valid = true;
    }
  /* matches reach back into the window as zlib's do, and past it is an
   * error in both */
  if (!whole_run (w, inf->win, inf->win_len, msg, n, room, out_len))
    return false;
  *out = w->res + inf->win_len;
  w->total = inf->win_len + *out_len;
  return true;
}

void
ws_inflater_whole_done (ws_inflater *inf, ws_pmd_whole *w, bool keep_window)
{
  if (!keep_window)
    return; /* zlib is reset at the next message */
  /* the window moves on over the message's output */
  size_t keep = MIN (w->total, (size_t) WIN_MAX);
  memcpy (inf->win, w->res + w->total - keep, keep);
  inf->win_len = keep;
  inf->z_stale = true;
  inf->ended = false;
}
