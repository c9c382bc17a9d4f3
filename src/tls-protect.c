/* tls-protect.c - protected TLS records: when a side's records become
 * encrypted (TLS 1.2 after its ChangeCipherSpec; TLS 1.3 every record of
 * outer type application_data after the ServerHello, under the handshake
 * traffic secret until that side's Finished, then the application traffic
 * secret and its KeyUpdate generations), the keys looked up in the key log
 * when the first encrypted record of a side arrives, records held while a
 * live key log does not have their key yet, and TLS 1.3 0-RTT early data.
 * The ciphers themselves are in tlsdec.c.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tls-internal.h"
#include "tls.h"

/* ---- keys --------------------------------------------------------------- */

/* The key log has no secret (yet): final unless records are held for a
 * key that may still come (then the side is looked up again later). */
static bool
no_key_yet (ws_tls *t, side_state *s)
{
  tls_set_reason (t, WS_TLS_NO_KEY);
  if (t->hold_max)
    {
      s->keys = KEYS_NONE;
      s->waiting = true;
    }
  return false;
}

/* Set up side's cipher for its current phase; false when it cannot be. */
static bool
get_keys (ws_tls *t, int side)
{
  side_state *s = &t->s[side];
  ws_tls_info *in = &t->info;

  if (s->keys == KEYS_OK)
    return true;
  if (s->keys == KEYS_FAILED)
    return false;
  s->keys = KEYS_FAILED;
  if (!in->client_hello || !in->server_hello)
    {
      tls_set_reason (t, WS_TLS_BEGAN_AFTER_HANDSHAKE);
      return false;
    }
  const ws_tls_suite *suite = ws_tls_suite_find (in->cipher_suite);
  if (!suite || suite->tls13 != tls_is13 (t) || (!tls_is13 (t) && in->version != 0x0303))
    {
      tls_set_reason (t, WS_TLS_UNSUPPORTED_SUITE);
      return false;
    }
  if (!t->keylog)
    {
      tls_set_reason (t, WS_TLS_NO_KEYLOG);
      return false;
    }
  const ws_keylog_entry *e = ws_keylog_lookup (t->keylog, in->client_random);
  if (tls_is13 (t))
    {
      ws_keylog_kind k = side == 0 ? (s->app_phase ? WS_KL_CLIENT_AP : WS_KL_CLIENT_HS)
                                   : (s->app_phase ? WS_KL_SERVER_AP : WS_KL_SERVER_HS);
      if (!e || e->s[k].len == 0)
        return no_key_yet (t, s);
      s->cipher = ws_tls_cipher_new13 (suite, e->s[k].b, e->s[k].len);
      for (unsigned i = 0; s->cipher && i < s->generation; i++)
        if (ws_tls_cipher_update (s->cipher) != 0)
          g_clear_pointer (&s->cipher, ws_tls_cipher_free);
    }
  else
    {
      if (!e || e->s[WS_KL_MASTER].len != 48)
        return no_key_yet (t, s);
      s->cipher = ws_tls_cipher_new12 (suite, e->s[WS_KL_MASTER].b, in->client_random,
                                       in->server_random, side == 0, in->etm);
    }
  if (!s->cipher)
    {
      /* a secret of the wrong length for the suite, or libcrypto refused */
      tls_set_reason (t, WS_TLS_NO_KEY);
      return false;
    }
  s->waiting = false;
  if (!s->plain)
    s->plain = g_malloc (WS_TLS_MAX_CIPHERTEXT);
  s->keys = KEYS_OK;
  return true;
}


void
tls_hold (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body, size_t len,
      int64_t ts_us)
{
  uint8_t head[1 + 8 + 5 + 2];
  if (!t->held)
    t->held = g_byte_array_new ();
  if (t->held->len + sizeof head + len > t->hold_max)
    {
      /* the key did not come in time: what is held is given up, and from
       * now on a missing key is final */
      t->info.records_dropped += 1;
      g_byte_array_set_size (t->held, 0);
      t->hold_max = 0;
      for (int i = 0; i < 2; i++)
        if (t->s[i].waiting)
          {
            t->s[i].waiting = false;
            t->s[i].keys = KEYS_FAILED;
          }
      return;
    }
  head[0] = (uint8_t) side;
  memcpy (head + 1, &ts_us, 8);
  memcpy (head + 9, hdr, 5);
  head[14] = (uint8_t) (len >> 8);
  head[15] = (uint8_t) len;
  g_byte_array_append (t->held, head, sizeof head);
  g_byte_array_append (t->held, body, (guint) len);
}

/* Replay the held records in order while their keys are there; true when
 * none is left. */
static bool
drain (ws_tls *t)
{
  size_t off = 0;
  bool done = true;
  while (t->held && off + 16 <= t->held->len)
    {
      const uint8_t *e = t->held->data + off;
      int side = e[0];
      int64_t ts_us;
      size_t len = (size_t) e[14] << 8 | e[15];
      memcpy (&ts_us, e + 1, 8);
      if (!tls_record_now (t, side, e + 9, e + 16, len, ts_us))
        {
          done = false;
          break;
        }
      off += 16 + len;
    }
  if (t->held && off)
    g_byte_array_remove_range (t->held, 0, (guint) off);
  return done;
}

void
ws_tls_retry (ws_tls *t)
{
  if (t->held && t->held->len)
    {
      for (int i = 0; i < 2; i++)
        if (t->s[i].waiting)
          t->s[i].keys = KEYS_NONE;
      drain (t);
    }
}

void
ws_tls_set_hold (ws_tls *t, size_t max_bytes)
{
  t->hold_max = max_bytes;
}

#define EARLY_HELD_MAX (64 * 1024)

/* A client record that may be 0-RTT early data: decrypted with the early
 * traffic secret when the key log has it.  True when it authenticated
 * (and was handled). */
static bool
try_early (ws_tls *t, const uint8_t hdr[5], const uint8_t *body, size_t len, int64_t ts_us,
           bool counted)
{
  side_state *s = &t->s[0];
  if (!t->early_tried)
    {
      t->early_tried = true;
      const ws_tls_suite *suite = ws_tls_suite_find (t->info.cipher_suite);
      const ws_keylog_entry *e = t->keylog ? ws_keylog_lookup (t->keylog, t->info.client_random)
                                           : NULL;
      if (suite && suite->tls13 && e && e->s[WS_KL_CLIENT_EARLY].len)
        t->early = ws_tls_cipher_new13 (suite, e->s[WS_KL_CLIENT_EARLY].b,
                                        e->s[WS_KL_CLIENT_EARLY].len);
    }
  if (!t->early || !body)
    return false;
  if (!s->plain)
    s->plain = g_malloc (WS_TLS_MAX_CIPHERTEXT);
  uint64_t seq = ws_tls_cipher_seq (t->early);
  uint8_t inner;
  long n = ws_tls_cipher_decrypt (t->early, hdr, body, len, s->plain, &inner);
  if (n < 0)
    {
      ws_tls_cipher_set_seq (t->early, seq);
      return false;
    }
  if (!counted)
    t->info.early_records++;
  t->info.early_decrypted++;
  t->info.decrypted = true;
  t->info.decrypted_records[0]++;
  tls_content (t, 0, inner, s->plain, (size_t) n, true, ts_us);
  return true;
}

/* The early records held until the ServerHello: now that the suite is
 * known, decrypted (or counted) in order. */
static void
early_replay (ws_tls *t)
{
  GByteArray *h = g_steal_pointer (&t->early_held);
  for (size_t off = 0; off + 5 <= h->len;)
    {
      size_t len = (size_t) h->data[off + 3] << 8 | h->data[off + 4];
      int64_t ts_us;
      memcpy (&ts_us, h->data + off + 5, 8);
      try_early (t, h->data + off, h->data + off + 13, len, ts_us, true);
      off += 13 + len;
    }
  g_byte_array_unref (h);
}

bool
tls_record_now (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body, size_t len,
            int64_t ts_us)
{
  side_state *s = &t->s[side];
  if (G_UNLIKELY (t->early_held) && t->info.server_hello && tls_is13 (t))
    early_replay (t);
  uint8_t type = hdr[0];
  bool protected_ = tls_is13 (t) ? type == REC_APP && t->info.server_hello
                             : s->encrypted && type != REC_CCS;

  if (type == REC_CCS)
    {
      if (!tls_is13 (t) && t->info.server_hello)
        {
          s->encrypted = true;
          g_clear_pointer (&s->cipher, ws_tls_cipher_free);
          s->keys = KEYS_NONE;
        }
      t->info.records[side]++;
      return true;
    }
  if (!protected_)
    {
      if (type == REC_APP)
        {
          /* application data we cannot place: the handshake was before the
           * capture, or 0-RTT early data ahead of the ServerHello */
          if (!t->info.client_hello)
            tls_set_reason (t, WS_TLS_BEGAN_AFTER_HANDSHAKE);
          else if (side == 0 && t->info.early_data_offered && !t->info.server_hello)
            {
              /* held for the suite of the ServerHello (or counted) */
              t->info.early_records++;
              if (!t->early_held)
                t->early_held = g_byte_array_new ();
              if (body && t->keylog && t->early_held->len + 13 + len <= EARLY_HELD_MAX)
                {
                  g_byte_array_append (t->early_held, hdr, 5);
                  g_byte_array_append (t->early_held, (const uint8_t *) &ts_us, 8);
                  g_byte_array_append (t->early_held, body, (guint) len);
                }
            }
          t->info.records[side]++;
          return true;
        }
      t->info.records[side]++;
      tls_content (t, side, type, body, len, false, ts_us);
      return true;
    }
  if (!get_keys (t, side))
    {
      if (s->waiting)
        return false;
      t->info.records[side]++;
      if (type == REC_ALERT && !tls_is13 (t))
        tls_add_alert (t, side, -1, -1, true, ts_us);  /* TLS 1.2 shows an alert is there */
      return true;
    }
  t->info.records[side]++;
  if (side == 0 && t->info.early_data_offered && !s->seen_decrypted && !s->app_phase
      && try_early (t, hdr, body, len, ts_us, false))
    return true;
  uint8_t inner;
  long n = ws_tls_cipher_decrypt (s->cipher, hdr, body, len, s->plain, &inner);
  if (n < 0 && side == 0 && tls_is13 (t) && t->info.early_data_offered && !s->seen_decrypted
      && !s->app_phase)
    {
      /* 0-RTT early data (client_early_traffic_secret), sent before the
       * client's handshake records: counted, not decrypted, not a bad MAC */
      ws_tls_cipher_set_seq (s->cipher, ws_tls_cipher_seq (s->cipher) - 1);
      t->info.early_records++;
      return true;
    }
  if (n < 0)
    {
      if (n == -1)
        t->info.bad_record_mac++;
      else
        t->info.malformed++;
      if (type == REC_ALERT && !tls_is13 (t))
        tls_add_alert (t, side, -1, -1, true, ts_us);
      /* application data lost: the layer above must know there is a hole
       * (its size is at most the record's) */
      else if (type == REC_APP && t->info.decrypted && t->plain)
        t->plain (t->user, side, NULL, len, ts_us);
      return true;
    }
  t->info.decrypted = true;
  s->seen_decrypted = true;
  t->info.decrypted_records[side]++;
  tls_content (t, side, inner, s->plain, (size_t) n, true, ts_us);
  return true;
}
