/* tls.c - the TLS stage's record layer (see tls.h): RFC 8446 sections 5
 * (record layer) and 6 (alerts); RFC 5246 sections 6.2 and 7.2.
 *
 *   +------+---------+---------+-------------------------+
 *   | type | version | length  | fragment (length bytes) |   type: 20 CCS,
 *   |  1   |    2    |    2    |                         |   21 alert, 22 hs,
 *   +------+---------+---------+-------------------------+   23 app data
 *
 * Per side: a 5-byte header buffer, then the body where it lies in the
 * segment when it is whole there (no copy) or gathered into a buffer of at
 * most one record.  A record's content goes to the handshake parser
 * (tls-handshake.c: messages of interest gathered up to HS_MAX bytes, any
 * other skipped as it passes), to the alerts, or as application plaintext
 * to the layer above; protected records are decrypted first
 * (tls-protect.c), and after a capture gap the side looks for the next
 * record boundary (tls-resync.c).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tls-internal.h"
#include "tls.h"

/* ---- names -------------------------------------------------------------- */

const char *
ws_tls_reason_name (ws_tls_reason r)
{
  switch (r)
    {
    case WS_TLS_OK: return NULL;
    case WS_TLS_NO_KEY: return "no_key";
    case WS_TLS_BEGAN_AFTER_HANDSHAKE: return "began_after_handshake";
    case WS_TLS_UNSUPPORTED_SUITE: return "unsupported_suite";
    case WS_TLS_GAP: return "capture_gap";
    case WS_TLS_NOT_TLS: return "not_tls";
    case WS_TLS_NO_KEYLOG: return "no_key_log";
    }
  return NULL;
}

const char *
ws_tls_alert_name (int d)
{
  switch (d)
    {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    }
  return NULL;
}

ws_tls *
ws_tls_new (const ws_keylog *keylog, ws_tls_plain_fn plain, void *user)
{
  ws_tls *t = g_new0 (ws_tls, 1);
  t->keylog = keylog;
  t->plain = plain;
  t->user = user;
  return t;
}

static void
side_release (side_state *s)
{
  g_clear_pointer (&s->rec, g_free);
  g_clear_pointer (&s->plain, g_free);
  g_clear_pointer (&s->hs_buf, g_free);
  g_clear_pointer (&s->scan, g_free);
  g_clear_pointer (&s->cipher, ws_tls_cipher_free);
  s->dead = true;
}

void
ws_tls_release (ws_tls *t)
{
  if (t->early_held)
    g_byte_array_unref (g_steal_pointer (&t->early_held));
  g_clear_pointer (&t->early, ws_tls_cipher_free);
  if (t->held)
    {
      if (t->held->len)
        t->info.records_dropped++;
      g_byte_array_unref (t->held);
      t->held = NULL;
    }
  side_release (&t->s[0]);
  side_release (&t->s[1]);
}

void
ws_tls_free (ws_tls *t)
{
  if (!t)
    return;
  ws_tls_release (t);
  g_free (t);
}

const ws_tls_info *
ws_tls_get_info (const ws_tls *t)
{
  return &t->info;
}

void
tls_set_reason (ws_tls *t, ws_tls_reason r)
{
  if (t->info.reason == WS_TLS_OK)
    t->info.reason = r;
}

void
tls_add_alert (ws_tls *t, int side, int level, int desc, bool encrypted, int64_t ts_us)
{
  if (desc == 0)
    t->info.close_notify[side] = true;
  if (t->info.n_alerts >= WS_TLS_MAX_ALERTS)
    {
      t->info.alerts_dropped++;
      return;
    }
  ws_tls_alert *a = &t->info.alerts[t->info.n_alerts++];
  a->side = side;
  a->level = level;
  a->description = desc;
  a->encrypted = encrypted;
  a->ts_us = ts_us;
}

/* ---- records ------------------------------------------------------------ */

/* A record's content, in clear (or decrypted): type and fragment. */
void
tls_content (ws_tls *t, int side, uint8_t type, const uint8_t *p, size_t n, bool was_encrypted,
         int64_t ts_us)
{
  switch (type)
    {
    case REC_HANDSHAKE:
      tls_handshake_bytes (t, side, p, n);
      break;
    case REC_ALERT:
      for (size_t i = 0; i + 1 < n; i += 2)
        tls_add_alert (t, side, p[i], p[i + 1], was_encrypted, ts_us);
      if (n % 2)
        t->info.malformed++;
      break;
    case REC_APP:
      if (was_encrypted)
        {
          t->info.app_bytes[side] += n;
          if (t->plain && n)
            t->plain (t->user, side, p, n, ts_us);
        }
      break;
    default:
      break;
    }
}

static void
note_record (ws_tls *t, int side, const uint8_t hdr[5], size_t len, int64_t ts_us)
{
  ws_tls_info *in = &t->info;
  if (!in->first_record_us[side])
    in->first_record_us[side] = ts_us;
  in->last_record_us[side] = ts_us;
  ws_tls_rec_seen *r = &in->last[in->last_next];
  r->side = (uint8_t) side;
  r->type = hdr[0];
  r->len = (uint16_t) len;
  r->ts_us = ts_us;
  in->last_next = (in->last_next + 1) % WS_TLS_LAST_RECORDS;
  if (in->n_last < WS_TLS_LAST_RECORDS)
    in->n_last++;
}

static void
record (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body, size_t len,
        int64_t ts_us)
{
  note_record (t, side, hdr, len, ts_us);
  if (!body)
    {
      /* passed over uncopied: application data with no key log */
      tls_record_now (t, side, hdr, NULL, len, ts_us);
      return;
    }
  /* while records wait for a key, later ones wait behind them (the order
   * of both sides' plaintext matters to the HTTP stage) */
  if (t->held && t->held->len)
    {
      tls_hold (t, side, hdr, body, len, ts_us);
      ws_tls_retry (t);
      return;
    }
  if (!tls_record_now (t, side, hdr, body, len, ts_us))
    tls_hold (t, side, hdr, body, len, ts_us);
}

static bool
header_ok (const uint8_t h[5])
{
  size_t len = (size_t) h[3] << 8 | h[4];
  return h[0] >= REC_CCS && h[0] <= 24 && h[1] == 3 && h[2] <= 4
         && len <= WS_TLS_MAX_CIPHERTEXT;
}

long
ws_tls_feed (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (side != 0 && side != 1)
    return -1;
  if (t->s[side].resync)
    {
      tls_resync_feed (t, side, data, len, ts_us);
      return t->s[side].dead ? -1 : 0;
    }
  return tls_feed_records (t, side, data, len, ts_us);
}

long
tls_feed_records (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  side_state *s = &t->s[side];
  while (len > 0)
    {
      if (s->dead)
        return -1;
      if (s->skip)
        {
          size_t k = MIN (len, s->skip);
          s->skip -= k;
          data += k;
          len -= k;
          if (s->skip == 0)
            {
              record (t, side, s->hdr, NULL, (size_t) s->hdr[3] << 8 | s->hdr[4], ts_us);
              s->hdr_len = 0;
            }
          continue;
        }
      if (s->hdr_len < 5)
        {
          size_t k = MIN (len, 5 - s->hdr_len);
          memcpy (s->hdr + s->hdr_len, data, k);
          s->hdr_len += k;
          data += k;
          len -= k;
          if (s->hdr_len < 5)
            break;
          if (!header_ok (s->hdr))
            {
              s->dead = true;
              t->info.malformed++;
              if (!t->info.decrypted)
                tls_set_reason (t, WS_TLS_NOT_TLS);
              return -1;
            }
          s->rec_len = 0;
        }
      size_t need = (size_t) s->hdr[3] << 8 | s->hdr[4];
      if (s->rec_len == 0 && len >= need)
        {
          /* whole in this segment: no copy */
          record (t, side, s->hdr, data, need, ts_us);
          data += need;
          len -= need;
          s->hdr_len = 0;
          continue;
        }
      if (s->rec_len == 0 && !t->keylog && s->hdr[0] == REC_APP && need > 0)
        {
          /* nothing to decrypt it with: its size and time are all that is
           * kept, so its bytes are not gathered */
          s->skip = need;
          continue;
        }
      if (!s->rec)
        s->rec = g_malloc (WS_TLS_MAX_CIPHERTEXT);
      size_t k = MIN (len, need - s->rec_len);
      memcpy (s->rec + s->rec_len, data, k);
      s->rec_len += k;
      data += k;
      len -= k;
      if (s->rec_len == need)
        {
          record (t, side, s->hdr, s->rec, need, ts_us);
          s->hdr_len = 0;
          s->rec_len = 0;
        }
    }
  return s->dead ? -1 : 0;
}

bool
ws_tls_looks_like (const uint8_t *d, size_t len, bool midstream)
{
  if (len >= 3 && d[0] == REC_HANDSHAKE && d[1] == 3 && d[2] <= 4)
    return true;
  if (!midstream || len < 5 || !header_ok (d) || d[0] > REC_APP)
    return false;
  size_t n = (size_t) d[3] << 8 | d[4];
  if (len == 5 + n)
    return true;
  if (len < 5 + n + 5)
    return false;
  return header_ok (d + 5 + n) && d[5 + n] <= REC_APP;
}
