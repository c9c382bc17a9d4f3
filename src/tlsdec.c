/* tlsdec.c - record decryption with OpenSSL 3's libcrypto (see tlsdec.h).
 *
 * TLS 1.3 (RFC 8446 section 5.2), AEAD over the whole record:
 *
 *   +------+---------+--------+------------------------------+---------+
 *   | 0x17 | 0x0303  | length | encrypted(content|type|zeros) | tag(16) |
 *   +------+---------+--------+------------------------------+---------+
 *   nonce = iv XOR seq (left-padded to 12 bytes), AAD = the 5-byte header
 *
 * TLS 1.2 AES-GCM (RFC 5288): body = explicit nonce(8) | ciphertext | tag(16),
 *   nonce = salt(4, key block) | explicit; ChaCha20-Poly1305 (RFC 7905):
 *   body = ciphertext | tag, nonce = iv XOR seq; both with
 *   AAD = seq(8) | type | version(2) | plaintext length(2).
 * TLS 1.2 AES-CBC (RFC 5246 6.2.3.2): body = IV(16) | E(content | MAC | pad),
 *   MAC = HMAC(seq | type | version | length | content); with
 *   encrypt-then-MAC (RFC 7366): body = IV | E(content | pad) | MAC, the MAC
 *   over seq | type | version | length(IV + ciphertext) | IV | ciphertext.
 */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <glib.h>

#include "extract.h"
#include "tlsdec.h"

/* ---- suites ------------------------------------------------------------- */

#define GCM(id, name, klen, hash) { id, name, false, WS_TLS_MODE_GCM, klen, 0, hash, NULL }
#define CHA(id, name) { id, name, false, WS_TLS_MODE_CHACHA, 32, 0, "SHA256", NULL }
#define CBC(id, name, klen, mlen, mhash, hash) \
  { id, name, false, WS_TLS_MODE_CBC, klen, mlen, hash, mhash }

static const ws_tls_suite suites[] = {
  { 0x1301, "TLS_AES_128_GCM_SHA256", true, WS_TLS_MODE_GCM, 16, 0, "SHA256", NULL },
  { 0x1302, "TLS_AES_256_GCM_SHA384", true, WS_TLS_MODE_GCM, 32, 0, "SHA384", NULL },
  { 0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, WS_TLS_MODE_CHACHA, 32, 0, "SHA256", NULL },
  GCM (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", 16, "SHA256"),
  GCM (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", 32, "SHA384"),
  GCM (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 16, "SHA256"),
  GCM (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", 32, "SHA384"),
  GCM (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 16, "SHA256"),
  GCM (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 32, "SHA384"),
  GCM (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 16, "SHA256"),
  GCM (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 32, "SHA384"),
  CHA (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
  CHA (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
  CHA (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
  CBC (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", 16, 20, "SHA1", "SHA256"),
  CBC (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", 32, 20, "SHA1", "SHA256"),
  CBC (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", 16, 32, "SHA256", "SHA256"),
  CBC (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", 32, 32, "SHA256", "SHA256"),
  CBC (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 16, 20, "SHA1", "SHA256"),
  CBC (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", 32, 20, "SHA1", "SHA256"),
  CBC (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", 16, 32, "SHA256", "SHA256"),
  CBC (0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", 32, 32, "SHA256", "SHA256"),
  CBC (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 16, 20, "SHA1", "SHA256"),
  CBC (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 32, 20, "SHA1", "SHA256"),
  CBC (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 16, 20, "SHA1", "SHA256"),
  CBC (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 32, 20, "SHA1", "SHA256"),
  CBC (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 16, 32, "SHA256", "SHA256"),
  CBC (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", 32, 48, "SHA384", "SHA384"),
  CBC (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 16, 32, "SHA256", "SHA256"),
  CBC (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", 32, 48, "SHA384", "SHA384"),
};

/* names of suites seen in the wild that are not decrypted */
static const struct { uint16_t id; const char *name; } other_names[] = {
  { 0x1304, "TLS_AES_128_CCM_SHA256" },
  { 0x1305, "TLS_AES_128_CCM_8_SHA256" },
  { 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
  { 0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
  { 0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
  { 0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" },
  { 0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
};

const ws_tls_suite *
ws_tls_suite_find (uint16_t id)
{
  for (size_t i = 0; i < G_N_ELEMENTS (suites); i++)
    if (suites[i].id == id)
      return &suites[i];
  return NULL;
}

const char *
ws_tls_suite_name (uint16_t id)
{
  const ws_tls_suite *s = ws_tls_suite_find (id);
  if (s)
    return s->name;
  for (size_t i = 0; i < G_N_ELEMENTS (other_names); i++)
    if (other_names[i].id == id)
      return other_names[i].name;
  return NULL;
}

/* ---- key derivation ----------------------------------------------------- */

int
ws_tls13_expand_label (const char *hash, const uint8_t *secret, size_t secret_len,
                       const char *label, const uint8_t *context, size_t context_len,
                       uint8_t *out, size_t out_len)
{
  /* HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label,
   * opaque context<0..255> */
  uint8_t info[2 + 1 + 255 + 1 + 255];
  size_t llen = 6 + strlen (label), n = 0;
  int rc = -1;

  if (llen > 255 || context_len > 255 || out_len > 0xFFFF)
    return -1;
  info[n++] = (uint8_t) (out_len >> 8);
  info[n++] = (uint8_t) out_len;
  info[n++] = (uint8_t) llen;
  memcpy (info + n, "tls13 ", 6);
  memcpy (info + n + 6, label, llen - 6);
  n += llen;
  info[n++] = (uint8_t) context_len;
  if (context_len)
    memcpy (info + n, context, context_len);
  n += context_len;

  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
  if (kctx)
    {
      int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) hash, 0),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *) secret, secret_len),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end (),
      };
      if (EVP_KDF_derive (kctx, out, out_len, params) > 0)
        rc = 0;
    }
  EVP_KDF_CTX_free (kctx);
  EVP_KDF_free (kdf);
  return rc;
}

int
ws_tls12_prf (const char *hash, const uint8_t *secret, size_t secret_len,
              const char *label, const uint8_t *seed, size_t seed_len,
              uint8_t *out, size_t out_len)
{
  int rc = -1;
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "TLS1-PRF", NULL);
  EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
  if (kctx)
    {
      /* the label and the seed, given in turn: TLS1-PRF joins the seeds */
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) hash, 0),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SECRET, (void *) secret, secret_len),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SEED, (void *) label, strlen (label)),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SEED, (void *) seed, seed_len),
        OSSL_PARAM_construct_end (),
      };
      if (EVP_KDF_derive (kctx, out, out_len, params) > 0)
        rc = 0;
    }
  EVP_KDF_CTX_free (kctx);
  EVP_KDF_free (kdf);
  return rc;
}

/* ---- one direction ------------------------------------------------------ */

struct ws_tls_cipher {
  const ws_tls_suite *suite;
  uint64_t seq;
  bool etm;
  uint8_t secret[48];            /* TLS 1.3: the current traffic secret */
  size_t secret_len;
  uint8_t iv[12];                /* 1.3 / ChaCha: the static IV; GCM 1.2: salt in [0..3] */
  EVP_CIPHER_CTX *ctx;
  EVP_MAC_CTX *mac;              /* CBC */
};

static const EVP_CIPHER *
evp_cipher (const ws_tls_suite *s)
{
  switch (s->mode)
    {
    case WS_TLS_MODE_GCM:
      return s->key_len == 16 ? EVP_aes_128_gcm () : EVP_aes_256_gcm ();
    case WS_TLS_MODE_CHACHA:
      return EVP_chacha20_poly1305 ();
    case WS_TLS_MODE_CBC:
      return s->key_len == 16 ? EVP_aes_128_cbc () : EVP_aes_256_cbc ();
    }
  return NULL;
}

static bool
cipher_setup (ws_tls_cipher *c, const uint8_t *key)
{
  c->ctx = EVP_CIPHER_CTX_new ();
  if (!c->ctx || EVP_DecryptInit_ex (c->ctx, evp_cipher (c->suite), NULL, key, NULL) != 1)
    return false;
  if (c->suite->mode == WS_TLS_MODE_CBC)
    EVP_CIPHER_CTX_set_padding (c->ctx, 0);
  return true;
}

static bool
keys13 (ws_tls_cipher *c)
{
  uint8_t key[32];
  const char *h = c->suite->hash;
  bool ok = ws_tls13_expand_label (h, c->secret, c->secret_len, "key", NULL, 0, key,
                                   c->suite->key_len) == 0
            && ws_tls13_expand_label (h, c->secret, c->secret_len, "iv", NULL, 0, c->iv,
                                      12) == 0;
  if (ok)
    {
      EVP_CIPHER_CTX_free (c->ctx);
      c->ctx = NULL;
      ok = cipher_setup (c, key);
    }
  OPENSSL_cleanse (key, sizeof key);
  c->seq = 0;
  return ok;
}

ws_tls_cipher *
ws_tls_cipher_new13 (const ws_tls_suite *s, const uint8_t *secret, size_t secret_len)
{
  size_t want = strcmp (s->hash, "SHA384") == 0 ? 48 : 32;
  if (!s->tls13 || secret_len != want)
    return NULL;
  ws_tls_cipher *c = g_new0 (ws_tls_cipher, 1);
  c->suite = s;
  memcpy (c->secret, secret, secret_len);
  c->secret_len = secret_len;
  if (!keys13 (c))
    {
      ws_tls_cipher_free (c);
      return NULL;
    }
  return c;
}

int
ws_tls_cipher_update (ws_tls_cipher *c)
{
  uint8_t next[48];
  if (!c->suite->tls13
      || ws_tls13_expand_label (c->suite->hash, c->secret, c->secret_len, "traffic upd",
                                NULL, 0, next, c->secret_len) != 0)
    return -1;
  memcpy (c->secret, next, c->secret_len);
  OPENSSL_cleanse (next, sizeof next);
  return keys13 (c) ? 0 : -1;
}

ws_tls_cipher *
ws_tls_cipher_new12 (const ws_tls_suite *s, const uint8_t master[48],
                     const uint8_t client_random[32], const uint8_t server_random[32],
                     bool client, bool etm)
{
  /* key_block = client_write_MAC_key, server_write_MAC_key, client_write_key,
   * server_write_key, client_write_IV, server_write_IV */
  size_t mac = s->mac_len, key = s->key_len;
  size_t iv = s->mode == WS_TLS_MODE_GCM ? 4 : s->mode == WS_TLS_MODE_CHACHA ? 12 : 0;
  uint8_t seed[64], block[2 * (48 + 32 + 12)];
  size_t need = 2 * (mac + key + iv);
  ws_tls_cipher *c = NULL;

  if (s->tls13)
    return NULL;
  memcpy (seed, server_random, 32);
  memcpy (seed + 32, client_random, 32);
  if (ws_tls12_prf (s->hash, master, 48, "key expansion", seed, sizeof seed, block, need) != 0)
    goto out;
  c = g_new0 (ws_tls_cipher, 1);
  c->suite = s;
  c->etm = etm && s->mode == WS_TLS_MODE_CBC;
  size_t o = client ? 0 : 1;
  const uint8_t *mac_key = block + o * mac;
  const uint8_t *enc_key = block + 2 * mac + o * key;
  memcpy (c->iv, block + 2 * mac + 2 * key + o * iv, iv);
  if (!cipher_setup (c, enc_key))
    goto fail;
  if (s->mode == WS_TLS_MODE_CBC)
    {
      EVP_MAC *m = EVP_MAC_fetch (NULL, "HMAC", NULL);
      c->mac = m ? EVP_MAC_CTX_new (m) : NULL;
      EVP_MAC_free (m);
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) s->mac_hash, 0),
        OSSL_PARAM_construct_end (),
      };
      if (!c->mac || EVP_MAC_init (c->mac, mac_key, mac, params) != 1)
        goto fail;
    }
  goto out;
fail:
  ws_tls_cipher_free (c);
  c = NULL;
out:
  OPENSSL_cleanse (block, sizeof block);
  return c;
}

void
ws_tls_cipher_free (ws_tls_cipher *c)
{
  if (!c)
    return;
  EVP_CIPHER_CTX_free (c->ctx);
  EVP_MAC_CTX_free (c->mac);
  OPENSSL_cleanse (c, sizeof *c);
  g_free (c);
}

/* ---- records ------------------------------------------------------------ */

/* AEAD open: nonce, aad, ciphertext (len) with tag (16) after it */
static long
aead_open (ws_tls_cipher *c, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
           const uint8_t *ct, size_t len, const uint8_t *tag, uint8_t *out)
{
  int n = 0, f = 0;
  if (EVP_DecryptInit_ex (c->ctx, NULL, NULL, NULL, nonce) != 1
      || EVP_CIPHER_CTX_ctrl (c->ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *) tag) != 1
      || EVP_DecryptUpdate (c->ctx, NULL, &n, aad, (int) aad_len) != 1
      || (len && EVP_DecryptUpdate (c->ctx, out, &n, ct, (int) len) != 1))
    return -1;
  if (EVP_DecryptFinal_ex (c->ctx, out + n, &f) != 1)
    return -1;
  return (long) len;
}

static bool
hmac (ws_tls_cipher *c, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
      uint8_t *out)
{
  size_t outl = 0;
  return EVP_MAC_init (c->mac, NULL, 0, NULL) == 1
         && EVP_MAC_update (c->mac, a, alen) == 1
         && (blen == 0 || EVP_MAC_update (c->mac, b, blen) == 1)
         && EVP_MAC_final (c->mac, out, &outl, 64) == 1
         && outl == c->suite->mac_len;
}

static long
decrypt13 (ws_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body, size_t len,
           uint8_t *out, uint8_t *type)
{
  uint8_t nonce[12], seq[8];
  if (len < 17)
    return -2;
  memcpy (nonce, c->iv, 12);
  ws_put_be64 (seq, c->seq);
  for (int i = 0; i < 8; i++)
    nonce[4 + i] ^= seq[i];
  long n = aead_open (c, nonce, hdr, 5, body, len - 16, body + len - 16, out);
  if (n < 0)
    return -1;
  /* TLSInnerPlaintext: content, type, zeros */
  while (n > 0 && out[n - 1] == 0)
    n--;
  if (n == 0)
    return -2;                   /* no type: a peer would send unexpected_message */
  *type = out[n - 1];
  return n - 1;
}

static long
decrypt12_aead (ws_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body, size_t len,
                uint8_t *out, uint8_t *type)
{
  uint8_t nonce[12], aad[13];
  size_t explicit_len = c->suite->mode == WS_TLS_MODE_GCM ? 8 : 0;
  if (len < explicit_len + 16)
    return -2;
  size_t plen = len - explicit_len - 16;
  ws_put_be64 (aad, c->seq);
  aad[8] = hdr[0];
  aad[9] = hdr[1];
  aad[10] = hdr[2];
  aad[11] = (uint8_t) (plen >> 8);
  aad[12] = (uint8_t) plen;
  if (explicit_len)
    {
      memcpy (nonce, c->iv, 4);
      memcpy (nonce + 4, body, 8);
    }
  else
    {
      memcpy (nonce, c->iv, 12);
      for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= aad[i];
    }
  long n = aead_open (c, nonce, aad, sizeof aad, body + explicit_len, plen,
                      body + len - 16, out);
  if (n >= 0)
    *type = hdr[0];
  return n;
}

static long
decrypt12_cbc (ws_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body, size_t len,
               uint8_t *out, uint8_t *type)
{
  size_t mac_len = c->suite->mac_len;
  uint8_t pre[13], mac[64];
  size_t ct_len = c->etm ? len - mac_len : len;
  int n = 0;

  if (len < (c->etm ? mac_len : 0) + 32)
    return -2;
  ct_len = c->etm ? len - mac_len : len;
  if ((ct_len - 16) % 16 != 0)
    return -2;
  ws_put_be64 (pre, c->seq);
  pre[8] = hdr[0];
  pre[9] = hdr[1];
  pre[10] = hdr[2];
  if (c->etm)
    {
      pre[11] = (uint8_t) (ct_len >> 8);
      pre[12] = (uint8_t) ct_len;
      if (!hmac (c, pre, sizeof pre, body, ct_len, mac))
        return -1;
      if (CRYPTO_memcmp (mac, body + ct_len, mac_len) != 0)
        return -1;
    }
  if (EVP_DecryptInit_ex (c->ctx, NULL, NULL, NULL, body) != 1
      || EVP_DecryptUpdate (c->ctx, out, &n, body + 16, (int) (ct_len - 16)) != 1
      || (size_t) n != ct_len - 16)
    return -2;
  size_t plen = (size_t) n;
  size_t pad = out[plen - 1];
  if (pad + 1 > plen)
    return -1;
  for (size_t i = 0; i <= pad; i++)
    if (out[plen - 1 - i] != pad)
      return -1;                 /* bad padding: reported as bad_record_mac */
  plen -= pad + 1;
  if (!c->etm)
    {
      if (plen < mac_len)
        return -1;
      plen -= mac_len;
      pre[11] = (uint8_t) (plen >> 8);
      pre[12] = (uint8_t) plen;
      if (!hmac (c, pre, sizeof pre, out, plen, mac)
          || CRYPTO_memcmp (mac, out + plen, mac_len) != 0)
        return -1;
    }
  *type = hdr[0];
  return (long) plen;
}

long
ws_tls_cipher_decrypt (ws_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body,
                       size_t len, uint8_t *out, uint8_t *type)
{
  long r;
  if (len > WS_TLS_MAX_CIPHERTEXT)
    r = -2;
  else if (c->suite->tls13)
    r = decrypt13 (c, hdr, body, len, out, type);
  else if (c->suite->mode == WS_TLS_MODE_CBC)
    r = decrypt12_cbc (c, hdr, body, len, out, type);
  else
    r = decrypt12_aead (c, hdr, body, len, out, type);
  c->seq++;
  return r;
}

uint64_t
ws_tls_cipher_seq (const ws_tls_cipher *c)
{
  return c->seq;
}

void
ws_tls_cipher_set_seq (ws_tls_cipher *c, uint64_t seq)
{
  c->seq = seq;
}
