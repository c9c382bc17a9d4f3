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

#include <glib.h>
#include <zlib.h>

#include "pmd.h"

#define INFLATE_BUF 8192

struct ws_inflater {
  z_stream zs;
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
