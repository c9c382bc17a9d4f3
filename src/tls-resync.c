/* tls-resync.c - after a capture gap in one side's stream: the partial
 * record is dropped and the side looks for the next record boundary, a
 * plausible header whose record is followed by another (or that
 * authenticates at the sequence number it would have after a few lost
 * records), bounded in bytes and in decryptions tried.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tls-internal.h"
#include "tls.h"

/* ---- a capture gap: finding the next record boundary -------------------- */

/* The records after a gap in one side's stream, if their headers are
 * found: application data or alerts (what follows a handshake) of the
 * version in use. */
static bool
resync_header_ok (const uint8_t h[5])
{
  size_t len = (size_t) h[3] << 8 | h[4];
  return (h[0] == REC_APP || h[0] == REC_ALERT) && h[1] == 3 && h[2] >= 1 && h[2] <= 4
         && len >= 1 && len <= WS_TLS_MAX_CIPHERTEXT;
}

#define RESYNC_SCAN_MAX (2 * (WS_TLS_MAX_CIPHERTEXT + 5) + 5)
#define RESYNC_MAX_LOST 64       /* sequence numbers tried after a gap */
#define RESYNC_MAX_TRIALS 8      /* candidates tried by decryption per gap */

/* With keys: the number of records lost in the gap, found by the sequence
 * number at which the record at h authenticates (-1: none up to
 * RESYNC_MAX_LOST does, so h is not a record boundary).  The cipher's
 * sequence number is left at that record's. */
static long
resync_count (side_state *s, const uint8_t *h, size_t len)
{
  uint64_t seq = ws_tls_cipher_seq (s->cipher);
  uint8_t inner;
  for (long k = 0; k <= RESYNC_MAX_LOST; k++)
    {
      ws_tls_cipher_set_seq (s->cipher, seq + (uint64_t) k);
      if (ws_tls_cipher_decrypt (s->cipher, h, h + 5, len, s->plain, &inner) >= 0)
        {
          ws_tls_cipher_set_seq (s->cipher, seq + (uint64_t) k);
          return k;
        }
    }
  ws_tls_cipher_set_seq (s->cipher, seq);
  return -1;
}

/* Gather bytes after a gap until a record boundary is found: a plausible
 * header whose record is followed by another plausible header (or ends
 * exactly where the bytes so far end), and, when decrypting, that
 * authenticates.  Returns the offset in s->scan where records resume, or
 * -1 to wait for more bytes. */
static long
resync_find (ws_tls *t, int side)
{
  side_state *s = &t->s[side];
  const uint8_t *d = s->scan;
  size_t n = s->scan_len;
  bool keys = s->keys == KEYS_OK && s->cipher && s->plain;

  for (size_t i = s->scan_pos; i + 5 <= n; i++)
    {
      s->scan_pos = i;
      if (!resync_header_ok (d + i))
        continue;
      size_t len = (size_t) d[i + 3] << 8 | d[i + 4];
      size_t next = i + 5 + len;
      if (next + 5 > n && next != n)
        {
          if (n < RESYNC_SCAN_MAX)
            return -1;           /* wait for the rest of this record */
          continue;
        }
      if (next != n && !resync_header_ok (d + next))
        continue;
      if (keys)
        {
          /* bounded: a hostile stream full of plausible headers costs at
           * most RESYNC_MAX_TRIALS * RESYNC_MAX_LOST decryptions a gap */
          if (s->resync_trials >= RESYNC_MAX_TRIALS)
            {
              s->dead = true;
              return -1;
            }
          s->resync_trials++;
          long k = resync_count (s, d + i, len);
          if (k < 0)
            continue;
          t->info.lost_records += (uint64_t) k;
        }
      else
        t->info.lost_records_known = false;
      return (long) i;
    }
  return -1;
}


/* Bytes of a side that is looking for a record boundary after a gap. */
void
tls_resync_feed (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  side_state *s = &t->s[side];
  while (len > 0 && s->resync)
    {
      if (!s->scan)
        s->scan = g_malloc (RESYNC_SCAN_MAX);
      size_t k = MIN (len, RESYNC_SCAN_MAX - s->scan_len);
      memcpy (s->scan + s->scan_len, data, k);
      s->scan_len += k;
      data += k;
      len -= k;
      long at = resync_find (t, side);
      if (s->dead)
        {
          /* no boundary found within the bound: the rest is ignored */
          s->resync = false;
          return;
        }
      if (at < 0)
        {
          if (s->scan_len == RESYNC_SCAN_MAX)
            {
              /* nothing found in a full window: slide it by half */
              size_t drop = RESYNC_SCAN_MAX / 2;
              memmove (s->scan, s->scan + drop, s->scan_len - drop);
              s->scan_len -= drop;
              s->scan_pos = s->scan_pos > drop ? s->scan_pos - drop : 0;
            }
          continue;
        }
      s->resync = false;
      t->info.resyncs++;
      /* the plaintext layer: a hole before what follows */
      if (t->info.decrypted && t->plain && s->keys == KEYS_OK)
        t->plain (t->user, side, NULL, (size_t) at + 1, ts_us);
      uint8_t *buf = s->scan;
      size_t blen = s->scan_len;
      s->scan = NULL;
      s->scan_len = 0;
      tls_feed_records (t, side, buf + at, blen - (size_t) at, ts_us);
      g_free (buf);
    }
  if (len > 0)
    tls_feed_records (t, side, data, len, ts_us);
}

void
ws_tls_gap (ws_tls *t, int side)
{
  if ((side != 0 && side != 1) || t->s[side].dead)
    return;
  side_state *s = &t->s[side];
  t->info.gaps++;
  if (t->info.gaps == 1)
    t->info.lost_records_known = true;
  /* the record the gap cut is lost; its header may be too */
  s->hdr_len = 0;
  s->rec_len = 0;
  s->skip = 0;
  s->scan_len = 0;
  s->scan_pos = 0;
  s->resync_trials = 0;
  s->resync = true;
  if (s->hs_hdr_len || s->hs_need)
    {
      /* a handshake message cut: what it held is gone */
      s->hs_hdr_len = 0;
      s->hs_need = 0;
      s->hs_len = 0;
    }
  if (!t->info.decrypted)
    tls_set_reason (t, WS_TLS_GAP);
}
