/* tls.c - TLS record layer and handshake parsing (see tls.h): RFC 8446
 * sections 4 (handshake messages), 5 (record layer) and 6 (alerts); RFC 5246
 * sections 6.2 and 7; RFC 6066 section 3 (server_name); RFC 7301 (ALPN);
 * RFC 7366 (encrypt_then_mac).
 *
 * A record, and a handshake message inside the records of one side:
 *
 *   +------+---------+---------+-------------------------+
 *   | type | version | length  | fragment (length bytes) |   type: 20 CCS,
 *   |  1   |    2    |    2    |                         |   21 alert, 22 hs,
 *   +------+---------+---------+-------------------------+   23 app data
 *   +---------+-----------+------------------+
 *   | hs type | length 24 | body             |   may span records; several
 *   +---------+-----------+------------------+   may share one record
 *
 * Per side: a 5-byte header buffer, then the body where it lies in the
 * segment when it is whole there (no copy) or gathered into a buffer of at
 * most one record; a handshake message of interest (ClientHello,
 * ServerHello, EncryptedExtensions, Finished, KeyUpdate) gathered up to
 * HS_MAX bytes, any other skipped as it passes.
 *
 * When records become encrypted: TLS 1.2 after that side's
 * ChangeCipherSpec; TLS 1.3 every record of outer type application_data
 * after the ServerHello (the compatibility CCS is ignored), under the
 * handshake traffic secret until that side's Finished, then the application
 * traffic secret and its KeyUpdate generations.  Keys are looked up when the
 * first encrypted record of a side arrives.  Untrusted bytes are read
 * through the rd_* helpers only.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tls.h"
#include "tlsdec.h"

#define REC_HANDSHAKE 22
#define REC_CCS 20
#define REC_ALERT 21
#define REC_APP 23

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_ENCRYPTED_EXTENSIONS 8
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24

#define HS_MAX (64 * 1024)

/* ---- bounds-checked reads ---------------------------------------------- */

typedef struct {
  const uint8_t *p;
  size_t n;
  bool bad;                      /* a read went past the end */
} rd;

static rd
rd_make (const uint8_t *p, size_t n)
{
  rd r = { p, n, false };
  return r;
}

static const uint8_t *
rd_bytes (rd *r, size_t n)
{
  if (r->bad || r->n < n)
    {
      r->bad = true;
      r->n = 0;
      return NULL;
    }
  const uint8_t *p = r->p;
  r->p += n;
  r->n -= n;
  return p;
}

static uint32_t
rd_be (rd *r, size_t n)
{
  const uint8_t *p = rd_bytes (r, n);
  uint32_t v = 0;
  if (!p)
    return 0;
  for (size_t i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* a vector whose length is an n-byte prefix */
static rd
rd_vec (rd *r, size_t n)
{
  size_t len = rd_be (r, n);
  const uint8_t *p = rd_bytes (r, len);
  rd s = rd_make (p, p ? len : 0);
  s.bad = p == NULL;
  return s;
}

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

/* ---- state -------------------------------------------------------------- */

typedef enum {
  KEYS_NONE = 0,                 /* not looked up yet */
  KEYS_OK,
  KEYS_FAILED,                   /* looked up and not found (info.reason says why) */
} keys_state;

typedef struct {
  /* record layer */
  uint8_t hdr[5];
  size_t hdr_len;
  uint8_t *rec;                  /* body of a record split across segments */
  size_t rec_len;
  bool dead;                     /* no longer parses: ignore the rest */
  size_t skip;                   /* body bytes of a record passed over uncopied */
  /* after a capture gap: bytes gathered while looking for the next record
   * boundary (resync), and the plaintext length lost so far */
  bool resync;
  uint8_t *scan;
  size_t scan_len;
  size_t scan_pos;               /* offsets before it were rejected */
  unsigned resync_trials;        /* candidates tried by decryption since the gap */
  bool seen_decrypted;           /* a record of this side authenticated */
  /* protection */
  bool encrypted;                /* 1.2: after CCS */
  bool app_phase;                /* 1.3: past this side's Finished */
  keys_state keys;
  bool waiting;                  /* no key yet: its records are held */
  ws_tls_cipher *cipher;
  unsigned generation;           /* 1.3 KeyUpdates applied */
  uint8_t *plain;                /* WS_TLS_MAX_CIPHERTEXT bytes */
  /* handshake messages */
  uint8_t hs_hdr[4];
  size_t hs_hdr_len;
  size_t hs_need;                /* body bytes still to come */
  bool hs_keep;                  /* gathering (else skipping) */
  uint8_t *hs_buf;
  size_t hs_len;
} side_state;

struct ws_tls {
  const ws_keylog *keylog;
  ws_tls_plain_fn plain;
  void *user;
  ws_tls_info info;
  side_state s[2];
  /* records held while their key is not in the key log yet (a live key
   * log that a program appends to after its handshake), in arrival order:
   * entries of side (1), ts (8), header (5), body length (2), body */
  size_t hold_max;               /* 0: no holding, a missing key is final */
  GByteArray *held;
  /* 0-RTT: the client's early records that came before the ServerHello
   * (entries of header (5), body), decrypted once the suite is known, and
   * the early data cipher */
  GByteArray *early_held;
  ws_tls_cipher *early;
  bool early_tried;
};

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

static void
set_reason (ws_tls *t, ws_tls_reason r)
{
  if (t->info.reason == WS_TLS_OK)
    t->info.reason = r;
}

static void
add_alert (ws_tls *t, int side, int level, int desc, bool encrypted, int64_t ts_us)
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

/* ---- handshake messages ------------------------------------------------ */

static bool
is_grease (uint16_t v)
{
  return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

/* ALPN protocol_name_list into a comma-joined string (bytes as sent, NULs
 * and commas replaced by '?') */
static void
alpn_list (rd list, char *out, size_t size)
{
  size_t o = strlen (out);
  while (list.n > 0 && !list.bad)
    {
      rd name = rd_vec (&list, 1);
      if (name.bad)
        break;
      if (o + (o ? 1 : 0) + name.n + 1 > size)
        break;                   /* does not fit: the ones before stay */
      if (o)
        out[o++] = ',';
      for (size_t i = 0; i < name.n; i++)
        out[o++] = name.p[i] == 0 || name.p[i] == ',' ? '?' : (char) name.p[i];
      out[o] = '\0';
    }
}

static void
client_hello (ws_tls *t, rd m)
{
  ws_tls_info *in = &t->info;
  uint16_t legacy = (uint16_t) rd_be (&m, 2);
  const uint8_t *random = rd_bytes (&m, 32);
  rd_vec (&m, 1);                /* session id */
  rd_vec (&m, 2);                /* cipher suites */
  rd_vec (&m, 1);                /* compression methods */
  if (m.bad || !random)
    {
      in->malformed++;
      return;
    }
  if (in->client_hello)
    return;                      /* the second one after a HelloRetryRequest */
  in->client_hello = true;
  memcpy (in->client_random, random, 32);
  in->offered_version = legacy;
  rd exts = m.n ? rd_vec (&m, 2) : rd_make (NULL, 0);
  while (exts.n > 0 && !exts.bad)
    {
      uint16_t type = (uint16_t) rd_be (&exts, 2);
      rd body = rd_vec (&exts, 2);
      if (body.bad)
        break;
      switch (type)
        {
        case 0:                  /* server_name: list of (type, name) */
          {
            rd list = rd_vec (&body, 2);
            while (list.n > 0 && !list.bad)
              {
                uint8_t nt = (uint8_t) rd_be (&list, 1);
                rd name = rd_vec (&list, 2);
                if (!name.bad && nt == 0 && in->sni[0] == '\0')
                  {
                    size_t k = MIN (name.n, sizeof in->sni - 1);
                    for (size_t i = 0; i < k; i++)
                      in->sni[i] = name.p[i] ? (char) name.p[i] : '?';
                    in->sni[k] = '\0';
                  }
              }
            break;
          }
        case 16:                 /* application_layer_protocol_negotiation */
          alpn_list (rd_vec (&body, 2), in->alpn_offered, sizeof in->alpn_offered);
          break;
        case 42:                 /* early_data: 0-RTT records may follow */
          in->early_data_offered = true;
          break;
        case 43:                 /* supported_versions */
          {
            rd list = rd_vec (&body, 1);
            while (list.n >= 2)
              {
                uint16_t v = (uint16_t) rd_be (&list, 2);
                if (!is_grease (v) && v > in->offered_version && (v >> 8) == 3)
                  in->offered_version = v;
              }
            break;
          }
        default:
          break;
        }
    }
  if (exts.bad)
    in->malformed++;
}

/* SHA-256("HelloRetryRequest"), RFC 8446 section 4.1.3 */
static const uint8_t hrr_random[32] = {
  0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
  0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static void
server_hello (ws_tls *t, rd m)
{
  ws_tls_info *in = &t->info;
  uint16_t legacy = (uint16_t) rd_be (&m, 2);
  const uint8_t *random = rd_bytes (&m, 32);
  rd_vec (&m, 1);
  uint16_t suite = (uint16_t) rd_be (&m, 2);
  rd_be (&m, 1);
  if (m.bad || !random)
    {
      in->malformed++;
      return;
    }
  bool hrr = memcmp (random, hrr_random, 32) == 0;
  uint16_t version = legacy;
  bool etm = false;
  char alpn[sizeof in->alpn] = "";
  bool alpn_seen = false;
  rd exts = m.n ? rd_vec (&m, 2) : rd_make (NULL, 0);
  while (exts.n > 0 && !exts.bad)
    {
      uint16_t type = (uint16_t) rd_be (&exts, 2);
      rd body = rd_vec (&exts, 2);
      if (body.bad)
        break;
      if (type == 43 && body.n == 2)
        version = (uint16_t) rd_be (&body, 2);
      else if (type == 22)
        etm = true;
      else if (type == 16)
        {
          alpn_list (rd_vec (&body, 2), alpn, sizeof alpn);
          alpn_seen = true;
        }
    }
  in->version = version;
  in->cipher_suite = suite;
  if (hrr)
    {
      in->hello_retry = true;    /* a real ServerHello follows */
      return;
    }
  in->server_hello = true;
  memcpy (in->server_random, random, 32);
  in->etm = etm;
  if (alpn_seen)
    {
      memcpy (in->alpn, alpn, sizeof alpn);
      in->alpn_seen = true;
    }
}

static void
encrypted_extensions (ws_tls *t, rd m)
{
  rd exts = rd_vec (&m, 2);
  while (exts.n > 0 && !exts.bad)
    {
      uint16_t type = (uint16_t) rd_be (&exts, 2);
      rd body = rd_vec (&exts, 2);
      if (!body.bad && type == 42)
        t->info.early_data_accepted = true;
      if (!body.bad && type == 16)
        {
          t->info.alpn[0] = '\0';
          alpn_list (rd_vec (&body, 2), t->info.alpn, sizeof t->info.alpn);
          t->info.alpn_seen = true;
        }
    }
  if (m.bad || exts.bad)
    t->info.malformed++;
}

static bool
is13 (const ws_tls *t)
{
  return t->info.version == 0x0304;
}

static void
handshake_message (ws_tls *t, int side, uint8_t type, const uint8_t *p, size_t n)
{
  rd m = rd_make (p, n);
  switch (type)
    {
    case HS_CLIENT_HELLO:
      if (side == 0)
        client_hello (t, m);
      break;
    case HS_SERVER_HELLO:
      if (side == 1)
        server_hello (t, m);
      break;
    case HS_ENCRYPTED_EXTENSIONS:
      if (side == 1)
        encrypted_extensions (t, m);
      break;
    case HS_FINISHED:
      if (is13 (t) && !t->s[side].app_phase)
        {
          /* from the next record on: the application traffic secret */
          t->s[side].app_phase = true;
          g_clear_pointer (&t->s[side].cipher, ws_tls_cipher_free);
          t->s[side].keys = KEYS_NONE;
        }
      break;
    case HS_KEY_UPDATE:
      if (is13 (t) && t->s[side].app_phase)
        {
          t->info.key_updates++;
          t->s[side].generation++;
          if (t->s[side].cipher && ws_tls_cipher_update (t->s[side].cipher) != 0)
            {
              g_clear_pointer (&t->s[side].cipher, ws_tls_cipher_free);
              t->s[side].keys = KEYS_FAILED;
            }
        }
      break;
    default:
      break;
    }
}

static bool
hs_wanted (uint8_t type)
{
  return type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO
         || type == HS_ENCRYPTED_EXTENSIONS || type == HS_FINISHED || type == HS_KEY_UPDATE;
}

/* Handshake protocol bytes of one side (a record's fragment, in order). */
static void
handshake_bytes (ws_tls *t, int side, const uint8_t *p, size_t n)
{
  side_state *s = &t->s[side];
  while (n > 0)
    {
      if (s->hs_hdr_len < 4)
        {
          size_t k = MIN (n, 4 - s->hs_hdr_len);
          memcpy (s->hs_hdr + s->hs_hdr_len, p, k);
          s->hs_hdr_len += k;
          p += k;
          n -= k;
          if (s->hs_hdr_len < 4)
            return;
          s->hs_need = (size_t) s->hs_hdr[1] << 16 | (size_t) s->hs_hdr[2] << 8 | s->hs_hdr[3];
          s->hs_keep = hs_wanted (s->hs_hdr[0]) && s->hs_need <= HS_MAX;
          s->hs_len = 0;
          if (hs_wanted (s->hs_hdr[0]) && !s->hs_keep)
            t->info.malformed++;
        }
      size_t k = MIN (n, s->hs_need);
      bool whole_here = s->hs_keep && s->hs_len == 0 && k == s->hs_need;
      if (whole_here)
        handshake_message (t, side, s->hs_hdr[0], p, k);
      else if (s->hs_keep && k)
        {
          if (s->hs_len == 0)    /* hs_need is the whole body here */
            s->hs_buf = g_realloc (s->hs_buf, s->hs_need);
          memcpy (s->hs_buf + s->hs_len, p, k);
          s->hs_len += k;
        }
      p += k;
      n -= k;
      s->hs_need -= k;
      if (s->hs_need == 0)
        {
          if (s->hs_keep && !whole_here)
            handshake_message (t, side, s->hs_hdr[0], s->hs_buf, s->hs_len);
          s->hs_hdr_len = 0;
          s->hs_len = 0;
        }
    }
}

/* ---- keys --------------------------------------------------------------- */

/* The key log has no secret (yet): final unless records are held for a
 * key that may still come (then the side is looked up again later). */
static bool
no_key_yet (ws_tls *t, side_state *s)
{
  set_reason (t, WS_TLS_NO_KEY);
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
      set_reason (t, WS_TLS_BEGAN_AFTER_HANDSHAKE);
      return false;
    }
  const ws_tls_suite *suite = ws_tls_suite_find (in->cipher_suite);
  if (!suite || suite->tls13 != is13 (t) || (!is13 (t) && in->version != 0x0303))
    {
      set_reason (t, WS_TLS_UNSUPPORTED_SUITE);
      return false;
    }
  if (!t->keylog)
    {
      set_reason (t, WS_TLS_NO_KEYLOG);
      return false;
    }
  const ws_keylog_entry *e = ws_keylog_lookup (t->keylog, in->client_random);
  if (is13 (t))
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
      set_reason (t, WS_TLS_NO_KEY);
      return false;
    }
  s->waiting = false;
  if (!s->plain)
    s->plain = g_malloc (WS_TLS_MAX_CIPHERTEXT);
  s->keys = KEYS_OK;
  return true;
}

/* ---- records ------------------------------------------------------------ */

/* A record's content, in clear (or decrypted): type and fragment. */
static void
content (ws_tls *t, int side, uint8_t type, const uint8_t *p, size_t n, bool was_encrypted,
         int64_t ts_us)
{
  switch (type)
    {
    case REC_HANDSHAKE:
      handshake_bytes (t, side, p, n);
      break;
    case REC_ALERT:
      for (size_t i = 0; i + 1 < n; i += 2)
        add_alert (t, side, p[i], p[i + 1], was_encrypted, ts_us);
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

static bool record_now (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body,
                        size_t len, int64_t ts_us);

static void
hold (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body, size_t len,
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
      if (!record_now (t, side, e + 9, e + 16, len, ts_us))
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
      record_now (t, side, hdr, NULL, len, ts_us);
      return;
    }
  /* while records wait for a key, later ones wait behind them (the order
   * of both sides' plaintext matters to the HTTP stage) */
  if (t->held && t->held->len)
    {
      hold (t, side, hdr, body, len, ts_us);
      ws_tls_retry (t);
      return;
    }
  if (!record_now (t, side, hdr, body, len, ts_us))
    hold (t, side, hdr, body, len, ts_us);
}

/* Process one record; false when it must wait for its key (holding on and
 * no key yet), nothing done then. */
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
  content (t, 0, inner, s->plain, (size_t) n, true, ts_us);
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

static bool
record_now (ws_tls *t, int side, const uint8_t hdr[5], const uint8_t *body, size_t len,
            int64_t ts_us)
{
  side_state *s = &t->s[side];
  if (G_UNLIKELY (t->early_held) && t->info.server_hello && is13 (t))
    early_replay (t);
  uint8_t type = hdr[0];
  bool protected_ = is13 (t) ? type == REC_APP && t->info.server_hello
                             : s->encrypted && type != REC_CCS;

  if (type == REC_CCS)
    {
      if (!is13 (t) && t->info.server_hello)
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
            set_reason (t, WS_TLS_BEGAN_AFTER_HANDSHAKE);
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
      content (t, side, type, body, len, false, ts_us);
      return true;
    }
  if (!get_keys (t, side))
    {
      if (s->waiting)
        return false;
      t->info.records[side]++;
      if (type == REC_ALERT && !is13 (t))
        add_alert (t, side, -1, -1, true, ts_us);  /* TLS 1.2 shows an alert is there */
      return true;
    }
  t->info.records[side]++;
  if (side == 0 && t->info.early_data_offered && !s->seen_decrypted && !s->app_phase
      && try_early (t, hdr, body, len, ts_us, false))
    return true;
  uint8_t inner;
  long n = ws_tls_cipher_decrypt (s->cipher, hdr, body, len, s->plain, &inner);
  if (n < 0 && side == 0 && is13 (t) && t->info.early_data_offered && !s->seen_decrypted
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
      if (type == REC_ALERT && !is13 (t))
        add_alert (t, side, -1, -1, true, ts_us);
      /* application data lost: the layer above must know there is a hole
       * (its size is at most the record's) */
      else if (type == REC_APP && t->info.decrypted && t->plain)
        t->plain (t->user, side, NULL, len, ts_us);
      return true;
    }
  t->info.decrypted = true;
  s->seen_decrypted = true;
  t->info.decrypted_records[side]++;
  content (t, side, inner, s->plain, (size_t) n, true, ts_us);
  return true;
}

static bool
header_ok (const uint8_t h[5])
{
  size_t len = (size_t) h[3] << 8 | h[4];
  return h[0] >= REC_CCS && h[0] <= 24 && h[1] == 3 && h[2] <= 4
         && len <= WS_TLS_MAX_CIPHERTEXT;
}

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

static long feed_records (ws_tls *t, int side, const uint8_t *data, size_t len,
                          int64_t ts_us);

/* Bytes of a side that is looking for a record boundary after a gap. */
static void
resync_feed (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us)
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
      feed_records (t, side, buf + at, blen - (size_t) at, ts_us);
      g_free (buf);
    }
  if (len > 0)
    feed_records (t, side, data, len, ts_us);
}

long
ws_tls_feed (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (side != 0 && side != 1)
    return -1;
  if (t->s[side].resync)
    {
      resync_feed (t, side, data, len, ts_us);
      return t->s[side].dead ? -1 : 0;
    }
  return feed_records (t, side, data, len, ts_us);
}

static long
feed_records (ws_tls *t, int side, const uint8_t *data, size_t len, int64_t ts_us)
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
                set_reason (t, WS_TLS_NOT_TLS);
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
    set_reason (t, WS_TLS_GAP);
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
