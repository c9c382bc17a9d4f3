/* tlsdec.h - TLS record protection undone with the keys of a key log: the
 * cipher suites wsclosed knows, the TLS 1.3 key schedule steps that turn a
 * traffic secret into a key and IV (RFC 8446 section 7.1, 7.3), the TLS 1.2
 * key block (RFC 5246 section 6.3), and record decryption (RFC 8446 section
 * 5.2; RFC 5246 section 6.2.3; RFC 7366 encrypt-then-MAC; RFC 7905
 * ChaCha20-Poly1305).  Every cryptographic primitive is OpenSSL 3's libcrypto
 * (EVP ciphers, EVP_MAC HMAC, EVP_KDF HKDF and TLS1-PRF); only the byte
 * layouts around them are here.
 */
#ifndef WS_TLSDEC_H
#define WS_TLSDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  WS_TLS_MODE_GCM = 0,
  WS_TLS_MODE_CHACHA,
  WS_TLS_MODE_CBC,
} ws_tls_mode;

typedef struct {
  uint16_t id;
  const char *name;              /* IANA name */
  bool tls13;
  ws_tls_mode mode;
  uint8_t key_len;
  uint8_t mac_len;               /* CBC: HMAC output length; else 0 */
  const char *hash;              /* PRF / HKDF digest */
  const char *mac_hash;          /* CBC: HMAC digest */
} ws_tls_suite;

/* The suite of that number if wsclosed can decrypt it, else NULL. */
const ws_tls_suite *ws_tls_suite_find (uint16_t id);
/* IANA name of any suite number wsclosed knows the name of, else NULL. */
const char *ws_tls_suite_name (uint16_t id);

/* HKDF-Expand-Label (RFC 8446 section 7.1) with the named digest.  Returns
 * 0, or -1 when libcrypto refuses. */
int ws_tls13_expand_label (const char *hash, const uint8_t *secret, size_t secret_len,
                           const char *label, const uint8_t *context, size_t context_len,
                           uint8_t *out, size_t out_len);
/* The TLS 1.2 PRF (RFC 5246 section 5): P_hash(secret, label + seed). */
int ws_tls12_prf (const char *hash, const uint8_t *secret, size_t secret_len,
                  const char *label, const uint8_t *seed, size_t seed_len,
                  uint8_t *out, size_t out_len);

/* One direction's record protection state. */
typedef struct ws_tls_cipher ws_tls_cipher;

/* TLS 1.3: from a traffic secret (its length the suite hash's). */
ws_tls_cipher *ws_tls_cipher_new13 (const ws_tls_suite *s, const uint8_t *secret,
                                    size_t secret_len);
/* TLS 1.2: from the master secret and both randoms; client: the client's
 * write keys, else the server's; etm: encrypt-then-MAC was negotiated. */
ws_tls_cipher *ws_tls_cipher_new12 (const ws_tls_suite *s, const uint8_t master[48],
                                    const uint8_t client_random[32],
                                    const uint8_t server_random[32], bool client,
                                    bool etm);
/* TLS 1.3 KeyUpdate: the next generation of the traffic secret (RFC 8446
 * section 7.2); sequence number back to 0.  Returns 0 or -1. */
int ws_tls_cipher_update (ws_tls_cipher *c);
void ws_tls_cipher_free (ws_tls_cipher *c);
/* The sequence number of the next record (to try the numbers after a
 * capture gap). */
uint64_t ws_tls_cipher_seq (const ws_tls_cipher *c);
void ws_tls_cipher_set_seq (ws_tls_cipher *c, uint64_t seq);

/* Largest plaintext (with TLS 1.3's inner type) plus what protection adds */
#define WS_TLS_MAX_CIPHERTEXT (16384 + 2048)

/* Decrypt one record: hdr its 5-byte header, body its len bytes.  out must
 * hold len bytes.  On success returns the plaintext length and sets *type
 * (TLS 1.3: the inner content type, padding removed).  Returns
 *   -1  the record does not authenticate (bad record MAC / tag)
 *   -2  malformed for the suite (too short, bad padding length)
 * The sequence number advances either way: the peer sent that record, so
 * the next one has the next number (a record damaged in the capture does
 * not stop the ones after it). */
long ws_tls_cipher_decrypt (ws_tls_cipher *c, const uint8_t hdr[5], const uint8_t *body,
                            size_t len, uint8_t *out, uint8_t *type);

#endif
