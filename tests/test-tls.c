/* test-tls.c - unit tests for the TLS stage: src/keylog.c (the NSS key log
 * format), src/tlsdec.c (key schedule and record decryption) and src/tls.c
 * (record layer and handshake parsing, fed whole, split at every point and
 * byte by byte, and truncated at every point).
 *
 * Independent vectors:
 * - RFC 8448 section 3 (Simple 1-RTT Handshake): the client and server
 *   handshake traffic secrets, the keys and IVs derived from them, the
 *   ClientHello, and the client's encrypted Finished record (58 bytes) with
 *   its plaintext.  Copied from the RFC's trace.
 * - TLS 1.2 records of the captures in pcaps/tls/ (tests/data/tls12-vectors.txt,
 *   made by pcaps/tls/make-vectors.py): each record's plaintext is what tshark
 *   decrypts with the capture's key log, not what wsclosed says.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "keylog.h"
#include "tls.h"
#include "tlsdec.h"

/* ---- helpers -------------------------------------------------------------- */

#define FEED(t, side, p, n) ws_tls_feed ((t), (side), (p), (n), 0)

static GByteArray *
unhex (const char *s)
{
  GByteArray *b = g_byte_array_new ();
  int hi = -1;
  for (; *s; s++)
    {
      int v = g_ascii_xdigit_value (*s);
      if (v < 0)
        continue;                /* spaces, newlines */
      if (hi < 0)
        hi = v;
      else
        {
          guint8 byte = (guint8) (hi << 4 | v);
          g_byte_array_append (b, &byte, 1);
          hi = -1;
        }
    }
  g_assert_cmpint (hi, ==, -1);
  return b;
}

static void
assert_hex (const uint8_t *p, size_t n, const char *hex)
{
  GByteArray *want = unhex (hex);
  g_assert_cmpmem (p, n, want->data, want->len);
  g_byte_array_unref (want);
}

/* ---- RFC 8448 section 3 ------------------------------------------------------ */

#define RFC_CLIENT_RANDOM "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
#define RFC_C_HS "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
#define RFC_S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"

/* {client} send handshake record: the client Finished, complete record */
static const char rfc_client_finished_record[] =
  "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0"
  "51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c"
  "ae ac ab 68 67 d7 26 c4 05 46";
static const char rfc_client_finished[] =
  "14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94"
  "fa c6 e9 85 27 b6 42 f2 ed d5 ce 61";
/* {client} send handshake record: the ClientHello message (196 bytes) */
static const char rfc_client_hello[] =
  "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef"
  "6283024dece7000006130113031302010000910000000b000900000673657276"
  "6572ff01000100000a00140012001d0017001800190100010101020103010400"
  "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e"
  "51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603"
  "020308040805080604010501060102010402050206020202002d00020101001c"
  "00024001";

static void
test_rfc8448_keys (void)
{
  GByteArray *c = unhex (RFC_C_HS), *s = unhex (RFC_S_HS);
  uint8_t key[16], iv[12];

  g_assert_cmpint (ws_tls13_expand_label ("SHA256", c->data, c->len, "key", NULL, 0, key, 16), ==, 0);
  g_assert_cmpint (ws_tls13_expand_label ("SHA256", c->data, c->len, "iv", NULL, 0, iv, 12), ==, 0);
  assert_hex (key, 16, "dbfaa693d1762c5b666af5d950258d01");
  assert_hex (iv, 12, "5bd3c71b836e0b76bb73265f");
  g_assert_cmpint (ws_tls13_expand_label ("SHA256", s->data, s->len, "key", NULL, 0, key, 16), ==, 0);
  g_assert_cmpint (ws_tls13_expand_label ("SHA256", s->data, s->len, "iv", NULL, 0, iv, 12), ==, 0);
  assert_hex (key, 16, "3fce516009c21727d0f2e4e86ee403bc");
  assert_hex (iv, 12, "5d313eb2671276ee13000b30");
  g_byte_array_unref (c);
  g_byte_array_unref (s);
}

static void
test_rfc8448_record (void)
{
  GByteArray *secret = unhex (RFC_C_HS), *rec = unhex (rfc_client_finished_record);
  const ws_tls_suite *suite = ws_tls_suite_find (0x1301);
  uint8_t out[WS_TLS_MAX_CIPHERTEXT], type = 0;

  g_assert_nonnull (suite);
  ws_tls_cipher *c = ws_tls_cipher_new13 (suite, secret->data, secret->len);
  g_assert_nonnull (c);
  long n = ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type);
  g_assert_cmpint (n, ==, 36);
  g_assert_cmpint (type, ==, 22);
  assert_hex (out, (size_t) n, rfc_client_finished);
  /* the same record again: the sequence number moved on, so it fails */
  n = ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type);
  g_assert_cmpint (n, ==, -1);
  ws_tls_cipher_free (c);

  /* every single bit flipped (header included: it is the AAD) fails */
  for (size_t i = 0; i < rec->len; i++)
    {
      if (i == 3 || i == 4)
        continue;                /* the length: the body is sliced by it here */
      c = ws_tls_cipher_new13 (suite, secret->data, secret->len);
      rec->data[i] ^= 0x01;
      n = ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type);
      g_assert_cmpint (n, ==, -1);
      rec->data[i] ^= 0x01;
      ws_tls_cipher_free (c);
    }
  /* too short for a tag */
  c = ws_tls_cipher_new13 (suite, secret->data, secret->len);
  g_assert_cmpint (ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, 10, out, &type), ==, -2);
  ws_tls_cipher_free (c);
  /* wrong secret length for the suite */
  g_assert_null (ws_tls_cipher_new13 (suite, secret->data, 16));
  g_byte_array_unref (secret);
  g_byte_array_unref (rec);
}

/* The stage over a handshake made of RFC 8448's ClientHello, a ServerHello
 * choosing TLS 1.3 and TLS_AES_128_GCM_SHA256 (made here: only its version
 * and suite matter), the compatibility CCS and the client's Finished. */
typedef struct {
  GByteArray *client, *server;   /* the two streams */
  GString *keylog;
} rfc_conv;

static void
append_record (GByteArray *stream, uint8_t type, const uint8_t *p, size_t n)
{
  uint8_t h[5] = { type, 3, 3, (uint8_t) (n >> 8), (uint8_t) n };
  g_byte_array_append (stream, h, 5);
  g_byte_array_append (stream, p, (guint) n);
}

static void
rfc_conv_init (rfc_conv *v)
{
  static const char server_hello[] =
    "02 000036 0303"
    "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928" /* RFC 8448's server random */
    "00 1301 00 000e 002b00020304 0033000400000000";
  GByteArray *ch = unhex (rfc_client_hello), *sh = unhex (server_hello);
  GByteArray *fin = unhex (rfc_client_finished_record);
  static const uint8_t ccs = 1;

  v->client = g_byte_array_new ();
  v->server = g_byte_array_new ();
  append_record (v->client, 22, ch->data, ch->len);
  append_record (v->server, 22, sh->data, sh->len);
  append_record (v->client, 20, &ccs, 1);
  g_byte_array_append (v->client, fin->data, fin->len);
  v->keylog = g_string_new ("# RFC 8448 section 3\n");
  g_string_append (v->keylog, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " RFC_CLIENT_RANDOM " " RFC_C_HS "\n");
  g_string_append (v->keylog, "SERVER_HANDSHAKE_TRAFFIC_SECRET " RFC_CLIENT_RANDOM " " RFC_S_HS "\n");
  g_byte_array_unref (ch);
  g_byte_array_unref (sh);
  g_byte_array_unref (fin);
}

static void
rfc_conv_clear (rfc_conv *v)
{
  g_byte_array_unref (v->client);
  g_byte_array_unref (v->server);
  g_string_free (v->keylog, TRUE);
}

static void
check_rfc_info (const ws_tls_info *in)
{
  g_assert_true (in->client_hello);
  g_assert_true (in->server_hello);
  g_assert_cmphex (in->offered_version, ==, 0x0304);
  g_assert_cmphex (in->version, ==, 0x0304);
  g_assert_cmphex (in->cipher_suite, ==, 0x1301);
  g_assert_cmpstr (in->sni, ==, "server");
  g_assert_cmpstr (in->alpn_offered, ==, "");
  g_assert_true (in->decrypted);
  g_assert_cmpuint (in->decrypted_records[0], ==, 1);
  g_assert_cmpuint (in->records[0], ==, 3);
  g_assert_cmpuint (in->records[1], ==, 1);
  g_assert_cmpuint (in->bad_record_mac, ==, 0);
  g_assert_cmpuint (in->malformed, ==, 0);
}

static void
test_rfc8448_stage (void)
{
  rfc_conv v;
  rfc_conv_init (&v);
  ws_keylog *kl = ws_keylog_new ();
  ws_keylog_add_text (kl, v.keylog->str, v.keylog->len);
  g_assert_cmpuint (ws_keylog_size (kl), ==, 1);

  /* the client stream split at every point (the ServerHello goes in once
   * the ClientHello record is in: the Finished record needs it) */
  for (size_t cut = 0; cut <= v.client->len; cut++)
    {
      ws_tls *t = ws_tls_new (kl, NULL, NULL);
      size_t a = MIN (cut, 201), b = MAX (cut, 201);
      g_assert_cmpint (FEED (t, 0, v.client->data, a), ==, 0);
      g_assert_cmpint (FEED (t, 0, v.client->data + a, 201 - a), ==, 0);
      g_assert_cmpint (FEED (t, 1, v.server->data, v.server->len), ==, 0);
      g_assert_cmpint (FEED (t, 0, v.client->data + 201, b - 201), ==, 0);
      g_assert_cmpint (FEED (t, 0, v.client->data + b, v.client->len - b), ==, 0);
      check_rfc_info (ws_tls_get_info (t));
      ws_tls_free (t);
    }
  /* byte by byte, both sides */
  ws_tls *t = ws_tls_new (kl, NULL, NULL);
  for (size_t i = 0; i < 201; i++)
    FEED (t, 0, v.client->data + i, 1);
  for (size_t i = 0; i < v.server->len; i++)
    FEED (t, 1, v.server->data + i, 1);
  for (size_t i = 201; i < v.client->len; i++)
    FEED (t, 0, v.client->data + i, 1);
  check_rfc_info (ws_tls_get_info (t));
  ws_tls_free (t);

  /* no key for this random: not decrypted, no_key */
  ws_keylog *empty = ws_keylog_new ();
  t = ws_tls_new (empty, NULL, NULL);
  FEED (t, 0, v.client->data, 201);
  FEED (t, 1, v.server->data, v.server->len);
  FEED (t, 0, v.client->data + 201, v.client->len - 201);
  g_assert_false (ws_tls_get_info (t)->decrypted);
  g_assert_cmpint (ws_tls_get_info (t)->reason, ==, WS_TLS_NO_KEY);
  ws_tls_free (t);

  /* a wrong key: the record does not authenticate, counted */
  ws_keylog *wrong = ws_keylog_new ();
  static const char wrong_line[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET " RFC_CLIENT_RANDOM " " RFC_S_HS "\n";
  ws_keylog_add_text (wrong, wrong_line, strlen (wrong_line));
  t = ws_tls_new (wrong, NULL, NULL);
  FEED (t, 0, v.client->data, 201);
  FEED (t, 1, v.server->data, v.server->len);
  FEED (t, 0, v.client->data + 201, v.client->len - 201);
  g_assert_false (ws_tls_get_info (t)->decrypted);
  g_assert_cmpuint (ws_tls_get_info (t)->bad_record_mac, ==, 1);
  ws_tls_free (t);

  /* began after the handshake: only the encrypted record */
  t = ws_tls_new (kl, NULL, NULL);
  FEED (t, 0, v.client->data + 207, v.client->len - 207);
  g_assert_false (ws_tls_get_info (t)->decrypted);
  g_assert_cmpint (ws_tls_get_info (t)->reason, ==, WS_TLS_BEGAN_AFTER_HANDSHAKE);
  ws_tls_free (t);

  ws_keylog_free (wrong);
  ws_keylog_free (empty);
  ws_keylog_free (kl);
  rfc_conv_clear (&v);
}

/* A live key log: the key comes after the records it decrypts.  Held, the
 * records are decrypted once it is there; beyond the bound they are given
 * up; without holding a missing key is final. */
static void
test_late_key (void)
{
  rfc_conv v;
  rfc_conv_init (&v);
  for (int mode = 0; mode < 3; mode++)
    {
      ws_keylog *kl = ws_keylog_new ();
      ws_tls *t = ws_tls_new (kl, NULL, NULL);
      if (mode < 2)
        ws_tls_set_hold (t, mode == 0 ? 64 * 1024 : 40);
      FEED (t, 0, v.client->data, 201);
      FEED (t, 1, v.server->data, v.server->len);
      FEED (t, 0, v.client->data + 201, v.client->len - 201);
      const ws_tls_info *in = ws_tls_get_info (t);
      g_assert_false (in->decrypted);
      /* the key log grows */
      ws_keylog_add_text (kl, v.keylog->str, v.keylog->len);
      ws_tls_retry (t);
      if (mode == 0)
        {
          check_rfc_info (in);
          g_assert_cmpuint (in->records_dropped, ==, 0);
        }
      else
        {
          g_assert_false (in->decrypted);
          g_assert_cmpint (in->reason, ==, WS_TLS_NO_KEY);
          g_assert_cmpuint (in->records_dropped, ==, mode == 1 ? 1 : 0);
        }
      ws_tls_free (t);
      ws_keylog_free (kl);
    }
  /* the key arrives between two records: the next record's arrival is
   * enough (no explicit retry).  The second record is the Finished again;
   * after the first the client is in its application phase, whose secret
   * the key log lacks: that one waits in turn. */
  ws_keylog *kl = ws_keylog_new ();
  ws_tls *t = ws_tls_new (kl, NULL, NULL);
  ws_tls_set_hold (t, 64 * 1024);
  FEED (t, 0, v.client->data, 201);
  FEED (t, 1, v.server->data, v.server->len);
  FEED (t, 0, v.client->data + 201, v.client->len - 201);
  g_assert_cmpuint (ws_tls_get_info (t)->records[0], ==, 2);   /* the Finished waits */
  ws_keylog_add_text (kl, v.keylog->str, v.keylog->len);
  FEED (t, 0, v.client->data + 207, 10);
  g_assert_false (ws_tls_get_info (t)->decrypted);             /* not a whole record yet */
  FEED (t, 0, v.client->data + 217, v.client->len - 217);
  g_assert_true (ws_tls_get_info (t)->decrypted);
  g_assert_cmpuint (ws_tls_get_info (t)->decrypted_records[0], ==, 1);
  g_assert_cmpuint (ws_tls_get_info (t)->bad_record_mac, ==, 0);
  g_assert_cmpuint (ws_tls_get_info (t)->records[0], ==, 3);
  ws_tls_free (t);
  ws_keylog_free (kl);
  rfc_conv_clear (&v);
}

/* Every prefix, and every prefix with garbage after it, of both streams:
 * nothing crashes, nothing reads out of bounds (ASan in CI). */
static void
test_truncated (void)
{
  rfc_conv v;
  rfc_conv_init (&v);
  ws_keylog *kl = ws_keylog_new ();
  ws_keylog_add_text (kl, v.keylog->str, v.keylog->len);
  GRand *r = g_rand_new_with_seed (8448);
  for (size_t cut = 0; cut <= v.client->len; cut++)
    {
      uint8_t junk[64];
      for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t) g_rand_int (r);
      ws_tls *t = ws_tls_new (kl, NULL, NULL);
      FEED (t, 0, v.client->data, cut);
      FEED (t, 1, v.server->data, MIN (cut, v.server->len));
      FEED (t, 0, junk, sizeof junk);
      FEED (t, 1, junk, sizeof junk);
      const ws_tls_info *in = ws_tls_get_info (t);
      g_assert_cmpuint (in->n_alerts, <=, WS_TLS_MAX_ALERTS);
      ws_tls_free (t);

      /* a record body with each byte changed in turn */
      if (cut < v.client->len)
        {
          GByteArray *m = g_byte_array_new ();
          g_byte_array_append (m, v.client->data, v.client->len);
          m->data[cut] ^= 0xFF;
          t = ws_tls_new (kl, NULL, NULL);
          FEED (t, 1, v.server->data, v.server->len);
          FEED (t, 0, m->data, m->len);
          ws_tls_free (t);
          g_byte_array_unref (m);
        }
    }
  g_rand_free (r);
  ws_keylog_free (kl);
  rfc_conv_clear (&v);
}

/* ---- key log ---------------------------------------------------------------- */

static const char kl_text[] =
  "# comment\n"
  "\n"
  "CLIENT_RANDOM 0001020304050607080910111213141516171819202122232425262728293031 "
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
  "CLIENT_TRAFFIC_SECRET_0 AAAA020304050607080910111213141516171819202122232425262728293031 "
  "1111111111111111111111111111111111111111111111111111111111111111\r\n"
  "SERVER_TRAFFIC_SECRET_0 aaaa020304050607080910111213141516171819202122232425262728293031 "
  "222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222\n"
  "EXPORTER_SECRET aaaa020304050607080910111213141516171819202122232425262728293031 "
  "3333333333333333333333333333333333333333333333333333333333333333\n"
  "CLIENT_RANDOM 00 11\n"                                              /* 7: short random */
  "CLIENT_RANDOM 0001020304050607080910111213141516171819202122232425262728293031 abcd\n" /* 8 */
  "NOT_A_LABEL 0001020304050607080910111213141516171819202122232425262728293031 00\n"     /* 9 */
  "CLIENT_RANDOM\n"                                                    /* 10 */
  "CLIENT_TRAFFIC_SECRET_0 zz01020304050607080910111213141516171819202122232425262728293031 "
  "1111111111111111111111111111111111111111111111111111111111111111\n"  /* 11: not hex */
  "SERVER_HANDSHAKE_TRAFFIC_SECRET 0001020304050607080910111213141516171819202122232425262728293031 "
  "44444444444444444444444444444444444444444444444444444444444444";   /* 12: 62 digits, no newline */

static void
test_keylog_text (void)
{
  ws_keylog *kl = ws_keylog_new ();
  ws_keylog_add_text (kl, kl_text, sizeof kl_text - 1);
  g_assert_cmpuint (ws_keylog_lines (kl), ==, 3);
  g_assert_cmpuint (ws_keylog_ignored (kl), ==, 1);
  g_assert_cmpuint (ws_keylog_malformed (kl), ==, 6);
  g_assert_cmpuint (ws_keylog_size (kl), ==, 2);

  GByteArray *r1 = unhex ("0001020304050607080910111213141516171819202122232425262728293031");
  GByteArray *r2 = unhex ("aaaa020304050607080910111213141516171819202122232425262728293031");
  const ws_keylog_entry *e = ws_keylog_lookup (kl, r1->data);
  g_assert_nonnull (e);
  g_assert_cmpuint (e->s[WS_KL_MASTER].len, ==, 48);
  g_assert_cmpuint (e->s[WS_KL_MASTER].b[47], ==, 0x2f);
  g_assert_cmpuint (e->s[WS_KL_SERVER_HS].len, ==, 0);
  e = ws_keylog_lookup (kl, r2->data);
  g_assert_nonnull (e);
  g_assert_cmpuint (e->s[WS_KL_CLIENT_AP].len, ==, 32);   /* upper-case hex, CRLF */
  g_assert_cmpuint (e->s[WS_KL_SERVER_AP].len, ==, 48);
  g_assert_cmpuint (e->s[WS_KL_MASTER].len, ==, 0);

  g_autoptr (GPtrArray) m = ws_keylog_take_messages (kl);
  g_assert_cmpuint (m->len, ==, 6);
  const char *want[] = { ":7: ", ":8: ", ":9: ", ":10: ", ":11: ", ":12: " };
  for (guint i = 0; i < m->len; i++)
    {
      const char *s = m->pdata[i];
      g_assert_nonnull (strstr (s, want[i]));
      /* no secret or random in a message */
      g_assert_null (strstr (s, "4444"));
      g_assert_null (strstr (s, "1111"));
      g_assert_null (strstr (s, "0001020304"));
    }
  g_byte_array_unref (r1);
  g_byte_array_unref (r2);

  /* later traffic secret generations, as OpenSSL's s_client logs them after
   * a KeyUpdate: known, not used (derived from _0), not malformed */
  static const char later[] =
    "CLIENT_TRAFFIC_SECRET_N 0001020304050607080910111213141516171819202122232425262728293031 "
    "1111111111111111111111111111111111111111111111111111111111111111\n"
    "SERVER_TRAFFIC_SECRET_1 0001020304050607080910111213141516171819202122232425262728293031 "
    "1111111111111111111111111111111111111111111111111111111111111111\n";
  ws_keylog_add_text (kl, later, sizeof later - 1);
  g_assert_cmpuint (ws_keylog_ignored (kl), ==, 3);
  g_assert_cmpuint (ws_keylog_malformed (kl), ==, 6);
  ws_keylog_free (kl);
}

/* a file that grows: a line cut in the middle waits for its end */
static void
test_keylog_growing (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wsclosed-keylog-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "keys.log", NULL);
  const char *line = "CLIENT_RANDOM 0001020304050607080910111213141516171819202122232425262728293031 "
                     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n";
  GError *err = NULL;
  ws_keylog *kl = ws_keylog_new ();

  g_assert_false (ws_keylog_load_file (kl, path, &err));   /* missing: an error */
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err->message, "keys.log"));
  g_clear_error (&err);

  FILE *f = fopen (path, "w");
  fwrite (line, 1, 100, f);
  fclose (f);
  g_assert_true (ws_keylog_load_file (kl, path, &err));
  g_assert_cmpuint (ws_keylog_lines (kl), ==, 0);
  g_assert_cmpuint (ws_keylog_malformed (kl), ==, 0);
  f = fopen (path, "a");
  fputs (line + 100, f);
  fputs ("CLIENT_RANDOM 11", f);
  fclose (f);
  g_assert_true (ws_keylog_load_file (kl, path, &err));
  g_assert_cmpuint (ws_keylog_lines (kl), ==, 1);
  g_assert_cmpuint (ws_keylog_malformed (kl), ==, 0);
  ws_keylog_finish (kl);                 /* the cut last line now counts */
  g_assert_cmpuint (ws_keylog_malformed (kl), ==, 1);
  g_unlink (path);
  g_rmdir (dir);
  ws_keylog_free (kl);
}

/* ---- TLS 1.2 records from the recorded captures ------------------------------ */

static void
test_tls12_vectors (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "tls12-vectors.txt", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  unsigned n = 0;
  for (char **l = lines; *l; l++)
    {
      if (**l == '#' || **l == '\0')
        continue;
      /* suite etm client_random server_random master seq record plaintext */
      g_auto (GStrv) f = g_strsplit (*l, " ", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 8);
      const ws_tls_suite *s = ws_tls_suite_find ((uint16_t) strtoul (f[0], NULL, 16));
      g_assert_nonnull (s);
      GByteArray *cr = unhex (f[2]), *sr = unhex (f[3]), *ms = unhex (f[4]);
      GByteArray *rec = unhex (f[6]), *want = unhex (f[7]);
      ws_tls_cipher *c = ws_tls_cipher_new12 (s, ms->data, cr->data, sr->data, true,
                                              strcmp (f[1], "1") == 0);
      g_assert_nonnull (c);
      uint8_t *out = g_malloc (WS_TLS_MAX_CIPHERTEXT), type = 0;
      /* the records before it in the stream (seq) are stepped over with the
       * same record: they fail, but the number moves on */
      for (unsigned i = 0; i < strtoul (f[5], NULL, 10); i++)
        ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type);
      long got = ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type);
      g_test_message ("%s: %ld bytes", s->name, got);
      g_assert_cmpint (got, ==, (long) want->len);
      g_assert_cmpmem (out, (size_t) got, want->data, want->len);
      g_assert_cmpint (type, ==, 23);
      /* one bit off in the last byte (MAC or tag): bad record MAC */
      ws_tls_cipher_free (c);
      c = ws_tls_cipher_new12 (s, ms->data, cr->data, sr->data, true, strcmp (f[1], "1") == 0);
      for (unsigned i = 0; i < strtoul (f[5], NULL, 10); i++)
        ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type);
      rec->data[rec->len - 1] ^= 0x80;
      g_assert_cmpint (ws_tls_cipher_decrypt (c, rec->data, rec->data + 5, rec->len - 5, out, &type), ==, -1);
      ws_tls_cipher_free (c);
      g_free (out);
      g_byte_array_unref (cr);
      g_byte_array_unref (sr);
      g_byte_array_unref (ms);
      g_byte_array_unref (rec);
      g_byte_array_unref (want);
      n++;
    }
  g_assert_cmpuint (n, >=, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tls/rfc8448/keys", test_rfc8448_keys);
  g_test_add_func ("/tls/rfc8448/record", test_rfc8448_record);
  g_test_add_func ("/tls/rfc8448/stage-split", test_rfc8448_stage);
  g_test_add_func ("/tls/truncated-and-damaged", test_truncated);
  g_test_add_func ("/tls/late-key", test_late_key);
  g_test_add_func ("/tls/keylog/text", test_keylog_text);
  g_test_add_func ("/tls/keylog/growing-file", test_keylog_growing);
  g_test_add_func ("/tls/tls12/capture-records", test_tls12_vectors);
  return g_test_run ();
}
