/* tls-handshake.c - the TLS handshake messages of interest, gathered from
 * the handshake records of one side (RFC 8446 section 4; RFC 5246 section
 * 7.4; RFC 6066 section 3, server_name; RFC 7301, ALPN; RFC 7366,
 * encrypt_then_mac):
 *
 *   +---------+-----------+------------------+
 *   | hs type | length 24 | body             |   may span records; several
 *   +---------+-----------+------------------+   may share one record
 *
 * ClientHello, ServerHello and EncryptedExtensions fill the ws_tls_info;
 * Finished and KeyUpdate move a TLS 1.3 side to its next traffic secret.
 * Untrusted bytes are read through the rd_* helpers only.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "tls-internal.h"

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
      if (tls_is13 (t) && !t->s[side].app_phase)
        {
          /* from the next record on: the application traffic secret */
          t->s[side].app_phase = true;
          g_clear_pointer (&t->s[side].cipher, ws_tls_cipher_free);
          t->s[side].keys = KEYS_NONE;
        }
      break;
    case HS_KEY_UPDATE:
      if (tls_is13 (t) && t->s[side].app_phase)
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
void
tls_handshake_bytes (ws_tls *t, int side, const uint8_t *p, size_t n)
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
