/* fuzz-tls.c - libFuzzer target for the TLS stage: the NSS key log parser
 * (keylog.c), the record layer and handshake parser (tls.c) and record
 * decryption (tlsdec.c), then the connection glue and the JSON "tls" object.
 *
 * Input layout:
 *   2 bytes  bit 15: live key log: records wait for their key (up to 4 KiB)
 *            and the key log text comes only after half of the chunks;
 *            bits 0-14: length K, then K bytes of key log text (parsed with
 *            ws_keylog_add_text, so the key log parser is fuzzed too; the
 *            seeds carry the real key lines of their captures)
 *   then chunks, until the input ends:
 *     one byte h: bit 0 side (0 client, 1 server), bit 1 a gap (no bytes
 *                 follow) instead of stream bytes
 *     2 bytes big-endian n, then n stream bytes (fewer at the end)
 *
 * Oracles besides the sanitizers: the plaintext handed on lies in bounds and
 * is no longer than the ciphertext fed; counters stay consistent; the info's
 * strings are NUL-terminated in their arrays; the parse of the whole input
 * does not depend on how it was chunked (the same streams fed in one piece
 * give the same facts).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "keylog.h"
#include "tls.h"

typedef struct {
  uint64_t bytes[2];
  uint32_t sum;
} plain_seen;

static void
on_plain (void *user, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  plain_seen *p = user;
  if (side != 0 && side != 1)
    abort ();
  if (!data)
    return;                      /* a hole: records lost (bad MAC, capture gap) */
  for (size_t i = 0; i < len; i++)  /* every byte readable (ASan) */
    p->sum += data[i];
  p->bytes[side] += len;
}

static void
check_info (const ws_tls_info *in, const plain_seen *p, const uint64_t fed[2])
{
  if (in->n_alerts > WS_TLS_MAX_ALERTS)
    abort ();
  if (!memchr (in->sni, 0, sizeof in->sni) || !memchr (in->alpn, 0, sizeof in->alpn)
      || !memchr (in->alpn_offered, 0, sizeof in->alpn_offered))
    abort ();
  for (int s = 0; s < 2; s++)
    {
      if (in->decrypted_records[s] > in->records[s] || in->app_bytes[s] != p->bytes[s]
          || p->bytes[s] > fed[s])
        abort ();
    }
  if (in->decrypted != (in->decrypted_records[0] + in->decrypted_records[1] > 0))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  bool late = data[0] & 0x80;
  size_t k = MIN ((size_t) ((data[0] & 0x7F) << 8 | data[1]), size - 2);
  const char *kl_text = (const char *) data + 2;
  ws_keylog *kl = ws_keylog_new ();
  if (!late)
    ws_keylog_add_text (kl, kl_text, k);
  g_ptr_array_unref (ws_keylog_take_messages (kl));
  data += 2 + k;
  size -= 2 + k;

  plain_seen p = { { 0, 0 }, 0 }, q = { { 0, 0 }, 0 };
  uint64_t fed[2] = { 0, 0 };
  /* an empty key log text: no key log at all (--tls alone: records of
   * application data passed over uncopied) */
  ws_tls *t = ws_tls_new (k == 0 && !late ? NULL : kl, on_plain, &p);
  if (late)
    ws_tls_set_hold (t, 4096);
  /* the same streams gathered, fed again in one piece per side (only when
   * no gap: a gap changes what follows) */
  GByteArray *whole[2] = { g_byte_array_new (), g_byte_array_new () };
  bool gap = false;
  size_t i = 0;
  while (i + 3 <= size)
    {
      if (late && i >= size / 2)
        {
          ws_keylog_add_text (kl, kl_text, k);   /* the key log grows */
          g_ptr_array_unref (ws_keylog_take_messages (kl));
          late = false;
          gap = true;            /* the order of processing changed: no comparison */
        }
      uint8_t h = data[i];
      int side = h & 1;
      size_t n = (size_t) data[i + 1] << 8 | data[i + 2];
      i += 3;
      if (h & 2)
        {
          ws_tls_gap (t, side);
          gap = true;
          continue;
        }
      n = MIN (n, size - i);
      ws_tls_feed (t, side, data + i, n, (int64_t) i);
      g_byte_array_append (whole[side], data + i, (guint) n);
      fed[side] += n;
      i += n;
    }
  if (late)
    {
      ws_keylog_add_text (kl, kl_text, k);
      gap = true;
    }
  ws_tls_retry (t);
  check_info (ws_tls_get_info (t), &p, fed);

  if (!gap)
    {
      /* B: each side in one piece, the client's first.  The server's facts
       * depend on its own stream only: the same as with the chunks. */
      ws_tls *u = ws_tls_new (kl, on_plain, &q);
      ws_tls_feed (u, 0, whole[0]->data, whole[0]->len, 0);
      ws_tls_feed (u, 1, whole[1]->data, whole[1]->len, 0);
      const ws_tls_info *a = ws_tls_get_info (t), *b = ws_tls_get_info (u);
      if (a->server_hello != b->server_hello || a->hello_retry != b->hello_retry
          || (a->server_hello && (a->cipher_suite != b->cipher_suite || a->version != b->version
                                  || a->etm != b->etm
                                  || memcmp (a->server_random, b->server_random, 32) != 0)))
        abort ();
      check_info (b, &q, fed);
      /* C: the client's chunks alone; its hello facts are B's (where the
       * client came first too) */
      plain_seen r = { { 0, 0 }, 0 };
      ws_tls *v = ws_tls_new (kl, on_plain, &r);
      for (size_t j = 0; j + 3 <= size;)
        {
          size_t n = MIN ((size_t) data[j + 1] << 8 | data[j + 2], size - j - 3);
          if ((data[j] & 1) == 0)
            ws_tls_feed (v, 0, data + j + 3, n, 0);
          j += 3 + n;
        }
      const ws_tls_info *c = ws_tls_get_info (v);
      if (c->client_hello != b->client_hello || c->offered_version != b->offered_version
          || memcmp (c->client_random, b->client_random, 32) != 0
          || strcmp (c->sni, b->sni) != 0 || strcmp (c->alpn_offered, b->alpn_offered) != 0)
        abort ();
      ws_tls_free (v);
      ws_tls_free (u);
    }
  ws_tls_release (t);
  check_info (ws_tls_get_info (t), &p, fed);   /* the facts survive release */
  ws_tls_free (t);
  g_byte_array_unref (whole[0]);
  g_byte_array_unref (whole[1]);
  ws_keylog_free (kl);
  return 0;
}
