/* inflater.c - raw deflate for permessage-deflate: ISA-L's igzip where
 * configure found it, zlib otherwise and as the reference (see inflater.h).
 *
 * ISA-L: a message borrows a decoder (struct inflate_state, 87 KB) from a
 * per-thread free list and gives it back at the end of the message when the
 * stream stands at a block boundary (after the 00 00 ff ff tail of RFC 7692
 * 7.2.2 it does, unless the sender broke the format; then the decoder stays
 * with the direction).  A direction with context takeover keeps the last
 * 2^bits bytes of its output in a ring; a decoder lent anew starts from a
 * reset with that window as its dictionary, which is the stream it would
 * have continued.  The decoder given back last is lent first, and when it
 * comes back to the direction that had it and nobody used it in between, it
 * carries on without the reset and the copy of the window.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "inflater.h"

struct ws_rawinf {
  bool use_isal;
  bool takeover;
  int bits;
  z_stream *zs;                 /* zlib */
#ifdef HAVE_ISAL
  struct ws_inflater_pool **pool; /* the owner's pool of decoders (ws_ctx) */
  struct isal_dec *dec;         /* ISA-L decoder lent while a message is open */
  uint8_t *win;                 /* ring of the last 2^bits output bytes */
  size_t win_pos, win_len;
#endif
};

/* Read where an inflater is made, not remembered: no process-wide state
 * (issue 16). */
static bool
want_isal (void)
{
#ifdef HAVE_ISAL
  const char *e = getenv ("WSCLOSED_INFLATER");
  return e && strcmp (e, "isal") == 0; /* zlib unless asked: see bench/README */
#else
  return false;
#endif
}

const char *
ws_rawinf_backend (void)
{
  return want_isal () ? "isa-l" : "zlib";
}

/* ---- zlib ------------------------------------------------------------------ */

static bool
z_restart (ws_rawinf *inf)
{
  z_stream *zs = inf->zs;
  if (!inf->takeover)
    return inflateReset (zs) == Z_OK;
  uint8_t *dict = g_malloc (32768);
  uInt dlen = 32768;
  bool ok = inflateGetDictionary (zs, dict, &dlen) == Z_OK
            && inflateReset (zs) == Z_OK
            && (dlen == 0 || inflateSetDictionary (zs, dict, dlen) == Z_OK);
  g_free (dict);
  return ok;
}

static ws_rawinf_rc
z_run (ws_rawinf *inf, const uint8_t **in, size_t *in_len, uint8_t *out,
       size_t *out_len, const char **err)
{
  z_stream *zs = inf->zs;
  zs->next_in = (Bytef *) *in;
  zs->avail_in = (uInt) *in_len;
  zs->next_out = out;
  zs->avail_out = (uInt) *out_len;
  int rc = inflate (zs, Z_SYNC_FLUSH);
  *out_len -= zs->avail_out;
  *in_len = zs->avail_in;
  *in = zs->next_in;
  if (rc == Z_STREAM_END)
    return WS_RAWINF_END;
  if (rc == Z_OK || rc == Z_BUF_ERROR)
    return WS_RAWINF_OK;
  *err = zs->msg ? zs->msg : "inflate failed";
  return WS_RAWINF_ERROR;
}

/* ---- ISA-L ----------------------------------------------------------------- */

#ifdef HAVE_ISAL
struct isal_dec {
  struct inflate_state st;
  struct isal_dec *next;        /* free list */
  ws_rawinf *last;            /* the direction that had it last */
};

#define POOL_KEEP 16            /* free decoders kept per thread */

/* Free decoders, kept by the owner (the analyzer's context, ws_ctx): no
 * global, so analyzers on other threads have their own. */
struct ws_inflater_pool {
  struct isal_dec *free;
  unsigned n;
  uint8_t dict_buf[32768];      /* a window unrolled for set_dict */
};

static struct ws_inflater_pool *
pool_of (ws_rawinf *inf)
{
  if (!*inf->pool)
    *inf->pool = g_new0 (struct ws_inflater_pool, 1);
  return *inf->pool;
}

static void
dec_init (struct isal_dec *d, int bits)
{
  isal_inflate_reset (&d->st);
  d->st.crc_flag = ISAL_DEFLATE;
  d->st.hist_bits = (uint32_t) bits;
}

/* A decoder for inf's next message: its own if nobody touched it since,
 * else one reset to the window. */
static bool
dec_acquire (ws_rawinf *inf)
{
  struct ws_inflater_pool *pl = pool_of (inf);
  struct isal_dec *d = NULL, **pp = &pl->free;
  if (pl->free && pl->free->last == inf)
    {
      d = pl->free;
      pl->free = d->next;
      pl->n--;
      d->next = NULL;
      inf->dec = d;
      return true;
    }
  if (*pp)
    {
      d = *pp;
      *pp = d->next;
      pl->n--;
    }
  else
    {
      d = g_try_malloc (sizeof *d);
      if (!d)
        return false;
      isal_inflate_init (&d->st);
    }
  d->next = NULL;
  d->last = inf;
  dec_init (d, inf->bits);
  inf->dec = d;
  if (inf->takeover && inf->win_len)
    {
      size_t w = (size_t) 1 << inf->bits;
      const uint8_t *dict = inf->win;
      if (inf->win_len == w && inf->win_pos != 0)
        {
          memcpy (pl->dict_buf, inf->win + inf->win_pos, w - inf->win_pos);
          memcpy (pl->dict_buf + (w - inf->win_pos), inf->win, inf->win_pos);
          dict = pl->dict_buf;
        }
      if (isal_inflate_set_dict (&d->st, (uint8_t *) dict, (uint32_t) inf->win_len) != ISAL_DECOMP_OK)
        return false;
    }
  return true;
}

static void
dec_release (ws_rawinf *inf)
{
  struct isal_dec *d = inf->dec;
  inf->dec = NULL;
  if (!d)
    return;
  struct ws_inflater_pool *pl = pool_of (inf);
  if (pl->n >= POOL_KEEP)
    {
      g_free (d);
      return;
    }
  d->last = inf;
  d->next = pl->free;
  pl->free = d;
  pl->n++;
}

static void
win_add (ws_rawinf *inf, const uint8_t *d, size_t n)
{
  size_t w = (size_t) 1 << inf->bits;
  if (n >= w)
    {
      memcpy (inf->win, d + n - w, w);
      inf->win_pos = 0;
      inf->win_len = w;
      return;
    }
  size_t k = w - inf->win_pos < n ? w - inf->win_pos : n;
  memcpy (inf->win + inf->win_pos, d, k);
  memcpy (inf->win, d + k, n - k);
  inf->win_pos = (inf->win_pos + n) & (w - 1);
  inf->win_len = inf->win_len + n < w ? inf->win_len + n : w;
}

static const char *
isal_msg (int rc)
{
  switch (rc)
    {
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_BLOCK: return "invalid block";
    default: return "inflate failed";
    }
}

static ws_rawinf_rc
isal_run (ws_rawinf *inf, const uint8_t **in, size_t *in_len, uint8_t *out,
          size_t *out_len, const char **err)
{
  if (!inf->dec && !dec_acquire (inf))
    {
      *out_len = 0;
      *err = "out of memory";
      return WS_RAWINF_ERROR;
    }
  struct inflate_state *s = &inf->dec->st;
  s->next_in = (uint8_t *) *in;
  s->avail_in = (uint32_t) *in_len;
  s->next_out = out;
  s->avail_out = (uint32_t) *out_len;
  int rc = isal_inflate (s);
  *out_len -= s->avail_out;
  *in_len = s->avail_in;
  *in = s->next_in;
  if (inf->takeover && *out_len)
    win_add (inf, out, *out_len);
  if (rc < 0)
    {
      *err = isal_msg (rc);
      return WS_RAWINF_ERROR;
    }
  if (s->block_state == ISAL_BLOCK_FINISH)
    return WS_RAWINF_END;
  return WS_RAWINF_OK;
}
#endif

/* ---- the interface --------------------------------------------------------- */

ws_rawinf *
ws_rawinf_new (int bits, bool takeover, struct ws_inflater_pool **pool)
{
  return ws_rawinf_new_with (bits, takeover, want_isal (), pool);
}

void
ws_inflater_pool_free (struct ws_inflater_pool *pool)
{
  if (!pool)
    return;
#ifdef HAVE_ISAL
  for (struct isal_dec *d = pool->free, *next; d; d = next)
    {
      next = d->next;
      g_free (d);
    }
#endif
  g_free (pool);
}

ws_rawinf *
ws_rawinf_new_with (int bits, bool takeover, bool isal, struct ws_inflater_pool **pool)
{
  ws_rawinf *inf = g_new0 (ws_rawinf, 1);
  inf->bits = bits;
  inf->takeover = takeover;
#ifdef HAVE_ISAL
  inf->pool = pool;
  isal = isal && pool;
#else
  (void) pool;
#endif
#ifdef HAVE_ISAL
  /* A window under 32 KiB is there to catch a sender that reaches back
   * further than agreed: ISA-L reports that as an invalid symbol, zlib as
   * "invalid distance too far back", which is what the violation says. */
  inf->use_isal = isal && bits == 15;
#else
  (void) isal;
#endif
#ifdef HAVE_ISAL
  if (inf->use_isal)
    {
      if (takeover)
        inf->win = g_malloc ((size_t) 1 << bits);
      return inf;
    }
#endif
  inf->zs = g_new0 (z_stream, 1);
  if (inflateInit2 (inf->zs, -bits) != Z_OK)
    {
      g_free (inf->zs);
      g_free (inf);
      return NULL;
    }
  return inf;
}

void
ws_rawinf_free (ws_rawinf *inf)
{
  if (!inf)
    return;
#ifdef HAVE_ISAL
  if (inf->use_isal)
    {
      if (inf->dec)
        {
          inf->dec->last = NULL;
          dec_release (inf);
        }
      for (struct isal_dec *d = *inf->pool ? (*inf->pool)->free : NULL; d; d = d->next)
        if (d->last == inf)
          d->last = NULL;
      g_free (inf->win);
      g_free (inf);
      return;
    }
#endif
  inflateEnd (inf->zs);
  g_free (inf->zs);
  g_free (inf);
}

bool
ws_rawinf_restart (ws_rawinf *inf)
{
#ifdef HAVE_ISAL
  if (inf->use_isal)
    {
      /* the next message starts from a reset decoder with the window (or
       * none); the decoder this direction holds is not at the right place */
      if (inf->dec)
        {
          inf->dec->last = NULL;
          dec_release (inf);
        }
      for (struct isal_dec *d = *inf->pool ? (*inf->pool)->free : NULL; d; d = d->next)
        if (d->last == inf)
          d->last = NULL;
      if (!inf->takeover)
        inf->win_len = 0;
      return true;
    }
#endif
  return z_restart (inf);
}

/* The message ended: give the decoder back if the stream stands at a block
 * boundary with no input bits held. */
void
ws_rawinf_idle (ws_rawinf *inf)
{
#ifdef HAVE_ISAL
  if (inf->use_isal && inf->dec)
    {
      struct inflate_state *s = &inf->dec->st;
      if ((s->block_state == ISAL_BLOCK_NEW_HDR || s->block_state == ISAL_BLOCK_FINISH)
          && s->read_in_length == 0 && s->tmp_in_size == 0
          && s->tmp_out_valid == s->tmp_out_processed)
        dec_release (inf);
    }
#else
  (void) inf;
#endif
}

ws_rawinf_rc
ws_rawinf_run (ws_rawinf *inf, const uint8_t **in, size_t *in_len, uint8_t *out,
                 size_t *out_len, const char **err)
{
#ifdef HAVE_ISAL
  if (inf->use_isal)
    return isal_run (inf, in, in_len, out, out_len, err);
#endif
  return z_run (inf, in, in_len, out, out_len, err);
}
