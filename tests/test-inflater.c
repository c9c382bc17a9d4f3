/* test-inflater.c - the ISA-L back end against zlib, the reference: the same
 * output bytes, message ends and errors on streams made with zlib's deflate
 * as permessage-deflate senders make them (sync flush, tail removed), with
 * and without context takeover, window sizes 9..15, input cut anywhere,
 * output buffers of any size and several directions interleaved (so that
 * ISA-L decoders go back and forth through the pool).  Without ISA-L both
 * sides are zlib and the test still checks the interface.  Then whole
 * messages with libdeflate (pmd.c, ws_inflater_whole) against zlib fed a
 * piece at a time, on valid and corrupted streams (skipped without
 * libdeflate). */
#include "config.h"

#include <string.h>
#include <glib.h>
#include <zlib.h>

#include "inflater.h"
#include "pmd.h"
#include "wholeinf.h"

/* the decoders' pool, as an analyzer's context (ws_ctx) holds it */
static struct ws_inflater_pool *pool;

#define NDIR 5
#define NMSG 40

typedef struct {
  GByteArray *out;      /* everything inflated */
  GString *events;      /* "E" per stream end, "X:msg" per error */
  bool failed;
} result;

/* one message's compressed bytes per direction, then the 00 00 ff ff tail */
typedef struct {
  GPtrArray *msgs;      /* GByteArray* each */
  int bits;
  bool takeover;
} dirstream;

static GByteArray *
plain_message (GRand *r, int i)
{
  GByteArray *b = g_byte_array_new ();
  guint len = g_rand_int_range (r, 1, i % 7 == 0 ? 70000 : 3000);
  static const char *w[] = { "{\"id\":", "\"price\":", "true", "null", ",", "}", "\"sym\":\"BTC\"" };
  while (b->len < len)
    {
      if (g_rand_int_range (r, 0, 4) == 0)
        {
          char num[16];
          int k = g_snprintf (num, sizeof num, "%u", g_rand_int_range (r, 0, 100000));
          g_byte_array_append (b, (guint8 *) num, (guint) k);
        }
      else
        {
          const char *s = w[g_rand_int_range (r, 0, G_N_ELEMENTS (w))];
          g_byte_array_append (b, (const guint8 *) s, (guint) strlen (s));
        }
    }
  return b;
}

static void
make_stream (dirstream *d, GRand *r)
{
  z_stream z;
  memset (&z, 0, sizeof z);
  g_assert_cmpint (deflateInit2 (&z, 6, Z_DEFLATED, -d->bits, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
  d->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  for (int i = 0; i < NMSG; i++)
    {
      GByteArray *p = plain_message (r, i);
      if (!d->takeover)
        deflateReset (&z);
      guint cap = p->len + 1024;
      GByteArray *c = g_byte_array_sized_new (cap);
      g_byte_array_set_size (c, cap);
      z.next_in = p->data;
      z.avail_in = p->len;
      z.next_out = c->data;
      z.avail_out = cap;
      g_assert_cmpint (deflate (&z, Z_SYNC_FLUSH), ==, Z_OK);
      g_byte_array_set_size (c, cap - z.avail_out - 4); /* RFC 7692 7.2.1 */
      g_ptr_array_add (d->msgs, c);
      g_byte_array_unref (p);
    }
  deflateEnd (&z);
}

static void
feed (ws_rawinf *inf, result *res, const uint8_t *in, size_t n, size_t outsz)
{
  uint8_t out[70000];
  while (!res->failed)
    {
      size_t ol = outsz;
      const char *err = NULL;
      size_t before = n;
      ws_rawinf_rc rc = ws_rawinf_run (inf, &in, &n, out, &ol, &err);
      g_byte_array_append (res->out, out, (guint) ol);
      if (rc == WS_RAWINF_ERROR)
        {
          g_string_append (res->events, "X");
          res->failed = true;
          return;
        }
      if (rc == WS_RAWINF_END)
        {
          g_string_append (res->events, "E");
          return;
        }
      if (n == 0 && ol < outsz)
        return;
      if (n == before && ol == 0)
        return;
    }
}

/* Inflate all directions, interleaving their messages and cutting them at
 * random points; the cuts and buffer sizes come from seed. */
static void
run_all (dirstream *ds, result *res, bool isal, guint32 seed, int corrupt_dir)
{
  GRand *r = g_rand_new_with_seed (seed);
  ws_rawinf *inf[NDIR];
  size_t pos[NDIR] = { 0 };
  int msg[NDIR] = { 0 };
  bool ended[NDIR] = { false };
  for (int d = 0; d < NDIR; d++)
    {
      inf[d] = ws_rawinf_new_with (ds[d].bits, ds[d].takeover, isal, &pool);
      g_assert_nonnull (inf[d]);
    }
  static const uint8_t tail[4] = { 0, 0, 0xff, 0xff };
  for (;;)
    {
      int live = 0;
      for (int d = 0; d < NDIR; d++)
        live += msg[d] < NMSG;
      if (!live)
        break;
      int d = g_rand_int_range (r, 0, NDIR);
      if (msg[d] >= NMSG)
        continue;
      if (pos[d] == 0 && (ended[d] || !ds[d].takeover) && msg[d] > 0)
        {
          g_assert_true (ws_rawinf_restart (inf[d]));
          ended[d] = false;
        }
      GByteArray *m = g_ptr_array_index (ds[d].msgs, msg[d]);
      size_t k = g_rand_int_range (r, 1, 5000);
      if (k > m->len - pos[d])
        k = m->len - pos[d];
      size_t outsz = g_rand_boolean (r) ? 8192 : (size_t) g_rand_int_range (r, 1, 600);
      uint8_t *tmp = g_memdup2 (m->data + pos[d], k ? k : 1);
      if (d == corrupt_dir && msg[d] == NMSG / 2 && pos[d] == 0 && k > 3)
        tmp[2] ^= 0xa5;
      if (!ended[d])
        feed (inf[d], &res[d], tmp, k, outsz);
      g_free (tmp);
      pos[d] += k;
      if (pos[d] >= m->len)
        {
          if (!ended[d] && !res[d].failed)
            feed (inf[d], &res[d], tail, 4, outsz);
          if (g_str_has_suffix (res[d].events->str, "E"))
            ended[d] = true;
          g_string_append_c (res[d].events, '|');
          ws_rawinf_idle (inf[d]);
          pos[d] = 0;
          msg[d]++;
        }
    }
  for (int d = 0; d < NDIR; d++)
    ws_rawinf_free (inf[d]);
  g_rand_free (r);
}

static void
compare (int corrupt_dir, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  dirstream ds[NDIR];
  for (int d = 0; d < NDIR; d++)
    {
      ds[d].bits = d < 3 ? 15 : g_rand_int_range (r, 9, 16);
      ds[d].takeover = d % 2 == 0;
      make_stream (&ds[d], r);
    }
  result a[NDIR], b[NDIR];
  for (int d = 0; d < NDIR; d++)
    {
      a[d] = (result) { g_byte_array_new (), g_string_new (NULL), false };
      b[d] = (result) { g_byte_array_new (), g_string_new (NULL), false };
    }
  run_all (ds, a, false, seed + 1, corrupt_dir);
  run_all (ds, b, true, seed + 1, corrupt_dir);
  for (int d = 0; d < NDIR; d++)
    {
      g_assert_cmpstr (a[d].events->str, ==, b[d].events->str);
      g_assert_cmpuint (a[d].out->len, ==, b[d].out->len);
      g_assert_true (memcmp (a[d].out->data, b[d].out->data, a[d].out->len) == 0);
      if (corrupt_dir < 0)
        g_assert_false (a[d].failed);
      g_byte_array_unref (a[d].out);
      g_byte_array_unref (b[d].out);
      g_string_free (a[d].events, TRUE);
      g_string_free (b[d].events, TRUE);
      g_ptr_array_unref (ds[d].msgs);
    }
  g_rand_free (r);
}

static void
test_same_output (void)
{
  for (guint32 s = 1; s <= 6; s++)
    compare (-1, s);
}

/* A flipped byte: both back ends fail on the same message (the bytes
 * inflated before the failure may differ, so only the events compare). */
static void
test_corrupt (void)
{
  for (guint32 s = 11; s <= 14; s++)
    {
      GRand *r = g_rand_new_with_seed (s);
      dirstream ds[NDIR];
      for (int d = 0; d < NDIR; d++)
        {
          ds[d].bits = 15;
          ds[d].takeover = d % 2 == 0;
          make_stream (&ds[d], r);
        }
      result a[NDIR], b[NDIR];
      for (int d = 0; d < NDIR; d++)
        {
          a[d] = (result) { g_byte_array_new (), g_string_new (NULL), false };
          b[d] = (result) { g_byte_array_new (), g_string_new (NULL), false };
        }
      run_all (ds, a, false, s, 2);
      run_all (ds, b, true, s, 2);
      for (int d = 0; d < NDIR; d++)
        {
          if (d != 2)
            g_assert_cmpstr (a[d].events->str, ==, b[d].events->str);
          g_assert_cmpint (a[d].failed, ==, b[d].failed);
          g_byte_array_unref (a[d].out);
          g_byte_array_unref (b[d].out);
          g_string_free (a[d].events, TRUE);
          g_string_free (b[d].events, TRUE);
          g_ptr_array_unref (ds[d].msgs);
        }
      g_rand_free (r);
    }
}

/* A sender that reaches back further than the window it agreed to: a
 * stream made with 32 KiB read with 512 bytes.  zlib says "invalid distance
 * too far back"; ISA-L must fail as well. */
static void
test_too_far_back (void)
{
  uint8_t plain[20000], comp[25000];
  for (size_t i = 0; i < sizeof plain; i++)
    plain[i] = (uint8_t) ("abcdefghij"[(i * 7919) % 10] + (i / 4000));
  memcpy (plain + 15000, plain + 100, 3000); /* a match 14900 bytes back */
  z_stream z;
  memset (&z, 0, sizeof z);
  deflateInit2 (&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
  z.next_in = plain;
  z.avail_in = sizeof plain;
  z.next_out = comp;
  z.avail_out = sizeof comp;
  deflate (&z, Z_SYNC_FLUSH);
  size_t n = sizeof comp - z.avail_out;
  deflateEnd (&z);
  for (int isal = 0; isal < 2; isal++)
    {
      ws_rawinf *inf = ws_rawinf_new_with (9, false, isal, &pool);
      const uint8_t *in = comp;
      size_t left = n;
      ws_rawinf_rc rc = WS_RAWINF_OK;
      uint64_t total = 0;
      while (rc == WS_RAWINF_OK && (left || total == 0))
        {
          uint8_t out[4096];
          size_t ol = sizeof out;
          const char *err = NULL;
          size_t before = left;
          rc = ws_rawinf_run (inf, &in, &left, out, &ol, &err);
          total += ol;
          if (rc == WS_RAWINF_ERROR)
            g_assert_cmpstr (err, ==, "invalid distance too far back");
          if (before == left && ol == 0)
            break;
        }
      g_assert_cmpint (rc, ==, WS_RAWINF_ERROR);
      ws_rawinf_free (inf);
    }
}

/* ---- whole messages (pmd.c, libdeflate) against zlib as it comes ---------- */

typedef struct {
  GByteArray *out;
  int rc;               /* WS_PMD_* of the last call */
  bool capped, error;
  char err[64];
} pmd_res;

static void
pmd_sink (void *ud, const uint8_t *d, size_t n)
{
  g_byte_array_append (((pmd_res *) ud)->out, d, (guint) n);
}

/* The message fed to zlib as wsframe.c does: in pieces, then the tail. */
static void
pmd_stream (ws_inflater *inf, GRand *r, const uint8_t *m, size_t n, uint64_t cap,
            pmd_res *res)
{
  static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
  uint64_t got = 0;
  for (size_t off = 0; off <= n && !res->error && !res->capped;)
    {
      bool last = off == n;
      size_t k = (size_t) g_rand_int_range (r, 1, 3000); /* MIN evaluates twice */
      k = last ? sizeof tail : MIN (n - off, k);
      size_t before = res->out->len;
      ws_pmd_result rc = ws_inflater_inflate (inf, last ? tail : m + off, k, cap - got,
                                              pmd_sink, res);
      got += res->out->len - before;
      if (rc == WS_PMD_CAPPED)
        res->capped = true;
      else if (rc == WS_PMD_ERROR)
        {
          res->error = true;
          g_strlcpy (res->err, ws_inflater_error (inf), sizeof res->err);
        }
      if (last)
        break;
      off += k;
    }
}

/* The streams libdeflate (1.14, Debian 12) takes where zlib stops, on
 * purpose (its issue 288): a code with one codeword whose unused other half
 * is met, the reserved literal/length codes 286-287 and distance codes 30-31
 * of fixed blocks, more code lengths than declared.  No deflate encoder
 * writes them; only corrupted (or made-up) data has them.  zlib's words for
 * them: */
static bool
known_lenient (const char *zlib_err)
{
  static const char *const words[] = {
    "invalid literal/length code", "invalid distance code", "invalid bit length repeat",
    "too many length or distance symbols", "invalid code lengths set",
    "invalid literal/lengths set", "invalid distances set",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (words); i++)
    if (strcmp (zlib_err, words[i]) == 0)
      return true;
  return false;
}

/* zlib's deflate for a test message: level, strategy, memLevel and window
 * (9..15 bits) chosen by r, with or without context takeover. */
static void
deflate_init_random (z_stream *z, GRand *r)
{
  static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_FIXED, Z_HUFFMAN_ONLY,
                                    Z_RLE };
  memset (z, 0, sizeof *z);
  /* one at a time: the order of a call's arguments is unspecified */
  int level = g_rand_int_range (r, 1, 10), bits = g_rand_int_range (r, 9, 16);
  int mem = g_rand_int_range (r, 1, 10);
  int strategy = strategies[g_rand_int_range (r, 0, G_N_ELEMENTS (strategies))];
  g_assert_cmpint (deflateInit2 (z, level, Z_DEFLATED, -bits, mem, strategy), ==, Z_OK);
}

/* Random JSON-like messages from zlib's deflate (sync flush, tail removed,
 * any level, strategy and window), with and without context takeover, some
 * ended by a final block, some corrupted (bits flipped, cut short, bytes
 * added), some capped (at random, at the exact size, one byte under it):
 * whenever inflating whole answers, zlib fed the same message a piece at a
 * time gives the same bytes without an error or the cap, and the streams go
 * on alike after it (the window handed back and forth between the whole
 * path and zlib).  With our decoder (the default) that holds for every
 * message, and every message of a real encoder within its cap is answered;
 * with libdeflate (strict false) the corrupted streams known_lenient names
 * are counted and bounded. */
static void
whole_same_as_zlib (const char *backend, bool strict, int rounds, guint32 seed)
{
  g_setenv ("WSCLOSED_INFLATER", backend, TRUE);
  ws_pmd_stats st = { 0 };
  ws_pmd_whole *w = ws_pmd_whole_of (&st);
  g_unsetenv ("WSCLOSED_INFLATER");
  if (!w)
    {
      g_test_skip ("built without it");
      return;
    }
  GRand *r = g_rand_new_with_seed (seed);
  unsigned answered = 0, declined_bad = 0, corrupt = 0, lenient = 0, valid = 0;
  unsigned exact_caps = 0, under_caps = 0;
  for (int round = 0; round < rounds; round++)
    {
      bool takeover = g_rand_boolean (r);
      z_stream z;
      deflate_init_random (&z, r);
      ws_inflater *ref = ws_inflater_new (15, NULL), *cand = ws_inflater_new (15, NULL);
      for (int i = 0; i < 30; i++)
        {
          GByteArray *p = plain_message (r, i);
          if (!takeover)
            deflateReset (&z);
          bool final = !takeover && g_rand_int_range (r, 0, 8) == 0;
          guint room = p->len + p->len / 4 + 1024; /* fixed codes: up to 9/8 */
          GByteArray *c = g_byte_array_sized_new (room + 16);
          g_byte_array_set_size (c, room);
          z.next_in = p->data;
          z.avail_in = p->len;
          z.next_out = c->data;
          z.avail_out = room;
          int zr = deflate (&z, final ? Z_FINISH : Z_SYNC_FLUSH);
          g_assert_true (zr == Z_OK || zr == Z_STREAM_END);
          g_assert_cmpuint (z.avail_out, >, 0);
          g_byte_array_set_size (c, room - z.avail_out - (final ? 0 : 4));
          int kind = g_rand_int_range (r, 0, 10);
          if (kind == 0 && c->len > 0)
            for (int b = g_rand_int_range (r, 1, 4); b > 0; b--)
              c->data[g_rand_int_range (r, 0, (gint32) c->len)] ^= (uint8_t) (1u << g_rand_int_range (r, 0, 8));
          else if (kind == 1 && c->len > 2)
            g_byte_array_set_size (c, (guint) g_rand_int_range (r, 1, (gint32) c->len));
          else if (kind == 2)
            {
              uint8_t junk[8];
              for (size_t j = 0; j < sizeof junk; j++)
                junk[j] = (uint8_t) g_rand_int (r);
              g_byte_array_append (c, junk, (guint) g_rand_int_range (r, 1, 9));
            }
          corrupt += kind <= 2;
          int capkind = g_rand_int_range (r, 0, 8);
          uint64_t cap = capkind == 0 ? (uint64_t) g_rand_int_range (r, 0, (gint32) p->len + 2)
                         : capkind == 1 ? p->len
                         : capkind == 2 ? p->len - 1
                                        : (uint64_t) 64 << 20;
          g_assert_true (ws_inflater_next_message (ref, takeover));
          g_assert_true (ws_inflater_next_message (cand, takeover));
          pmd_res a = { .out = g_byte_array_new () }, b = { .out = g_byte_array_new () };
          pmd_stream (ref, r, c->data, c->len, cap, &a);
          if (kind > 2)
            {
              /* a real encoder's message: zlib takes it, to the byte */
              g_assert_false (a.error);
              g_assert_cmpuint (a.out->len, ==, MIN (cap, p->len));
              g_assert_cmpint (a.capped, ==, cap < p->len);
              exact_caps += capkind == 1;
              under_caps += capkind == 2;
            }
          const uint8_t *out;
          size_t out_len;
          if (ws_inflater_whole (cand, w, takeover, c->data, c->len, cap, &out, &out_len))
            {
              answered++;
              if (!strict && a.error && kind <= 2 && known_lenient (a.err))
                lenient++; /* see known_lenient: counted, bounded below */
              else
                {
                  g_assert_false (a.error);
                  g_assert_false (a.capped);
                  g_assert_cmpmem (out, out_len, a.out->data, a.out->len);
                }
              ws_inflater_whole_done (cand, w, takeover);
            }
          else
            {
              /* ours answers every message of a real encoder within its cap */
              if (strict && kind > 2)
                g_assert_true (a.capped);
              declined_bad += a.error || a.capped;
              pmd_stream (cand, r, c->data, c->len, cap, &b);
              g_assert_cmpmem (b.out->data, b.out->len, a.out->data, a.out->len);
              g_assert_cmpint (b.error, ==, a.error);
              g_assert_cmpint (b.capped, ==, a.capped);
              g_assert_cmpstr (b.err, ==, a.err);
            }
          valid += kind > 2 && !a.capped;
          bool stop = takeover && (a.error || a.capped || kind <= 2);
          g_byte_array_unref (a.out);
          g_byte_array_unref (b.out);
          g_byte_array_unref (c);
          g_byte_array_unref (p);
          if (stop)
            break; /* a broken context: wsframe.c inflates no more of it */
        }
      ws_inflater_free (ref);
      ws_inflater_free (cand);
      deflateEnd (&z);
    }
  g_rand_free (r);
  const ws_pmd_whole_counts *n = ws_pmd_whole_counts_of (w);
  g_test_message ("%s: %u answered, %u valid, %u corrupted, %u declined with an error or the cap, "
                  "%u lenient; counts: tried %" G_GUINT64_FORMAT " answered %" G_GUINT64_FORMAT
                  " refused %" G_GUINT64_FORMAT " room %" G_GUINT64_FORMAT,
                  backend, answered, valid, corrupt, declined_bad, lenient, n->tried, n->answered,
                  n->refused, n->room);
  g_assert_cmpuint (n->answered, ==, answered);
  ws_pmd_stats_clear (&st);
  if (strict)
    g_assert_cmpuint (lenient, ==, 0);
  else
    /* libdeflate's known difference stays rare: 20 of 9,704 corrupted
     * messages over 2,000 rounds when measured (bench/README) */
    g_assert_cmpuint (lenient * 100, <=, corrupt);
  /* the test can fail: all paths were taken */
  g_assert_cmpuint (answered, >, (unsigned) rounds * 4);
  g_assert_cmpuint (declined_bad, >, (unsigned) rounds / 6);
  g_assert_cmpuint (corrupt, >, (unsigned) rounds);
  g_assert_cmpuint (exact_caps, >, (unsigned) rounds / 4);
  g_assert_cmpuint (under_caps, >, (unsigned) rounds / 4);
}

static void
test_whole_same_as_zlib (void)
{
  whole_same_as_zlib ("", true, 600, 7692);
}

static void
test_whole_libdeflate (void)
{
#ifdef HAVE_LIBDEFLATE
  whole_same_as_zlib ("libdeflate", false, 120, 7692);
#else
  g_test_skip ("built without libdeflate");
#endif
}

/* ---- the strict decoder alone (wholeinf.c) against zlib -------------------- */

/* zlib's raw inflate of in[0..n) at once, with dict: its output (at most
 * room + 1 bytes), error and whether it ended the stream or stands at a
 * block's boundary with every input bit used (where the decoder answers). */
typedef struct {
  GByteArray *out;
  const char *err;       /* zlib's message, NULL without an error */
  bool capped, clean;
} zref;

static zref
zlib_ref (const uint8_t *dict, size_t dict_len, const uint8_t *in, size_t n, size_t room)
{
  zref res = { g_byte_array_new (), NULL, false, false };
  z_stream z;
  memset (&z, 0, sizeof z);
  g_assert_cmpint (inflateInit2 (&z, -15), ==, Z_OK);
  if (dict_len)
    g_assert_cmpint (inflateSetDictionary (&z, dict, (uInt) dict_len), ==, Z_OK);
  z.next_in = (Bytef *) in;
  z.avail_in = (uInt) n;
  uint8_t buf[16384];
  for (;;)
    {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      int rc = inflate (&z, Z_SYNC_FLUSH);
      g_byte_array_append (res.out, buf, (guint) (sizeof buf - z.avail_out));
      if (res.out->len > room)
        {
          res.capped = true;
          break;
        }
      if (rc == Z_STREAM_END)
        {
          res.clean = true;
          break;
        }
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        {
          res.err = z.msg;
          break;
        }
      if (z.avail_in == 0 && z.avail_out != 0)
        {
          /* mode TYPE (128) with no bits held (the low six) */
          res.clean = (z.data_type & 128) && (z.data_type & 63) == 0;
          break;
        }
      if (rc == Z_BUF_ERROR)
        break;
    }
  inflateEnd (&z);
  return res;
}

/* The contract: the decoder answers only what zlib gives as cleanly.
 * Returns whether it answered. */
static bool
strict_check (ws_wholeinf *d, const uint8_t *dict, size_t dict_len, const uint8_t *in, size_t n,
              size_t room, zref *zr_out)
{
  const uint8_t *out;
  size_t out_len;
  ws_wholeinf_rc rc = ws_wholeinf_run (d, dict, dict_len, in, n, room, &out, &out_len);
  zref zr = zlib_ref (dict, dict_len, in, n, room);
  if (rc == WS_WHOLEINF_OK)
    {
      g_assert_null (zr.err);
      g_assert_false (zr.capped);
      g_assert_true (zr.clean);
      g_assert_cmpmem (out, dict_len, dict, dict_len);
      g_assert_cmpmem (out + dict_len, out_len, zr.out->data, zr.out->len);
    }
  if (zr_out)
    *zr_out = zr;
  else
    g_byte_array_unref (zr.out);
  return rc == WS_WHOLEINF_OK;
}

/* Bits least significant first (RFC 1951 3.1.1); Huffman codes most
 * significant bit first. */
typedef struct {
  GByteArray *b;
  size_t nbits;
} bw;

static void
put (bw *w, uint32_t v, unsigned k)
{
  for (unsigned i = 0; i < k; i++, w->nbits++)
    {
      if (w->nbits % 8 == 0)
        g_byte_array_append (w->b, (const guint8 *) "", 1);
      if (i < 32 && ((v >> i) & 1))
        w->b->data[w->nbits / 8] |= (uint8_t) (1u << (w->nbits % 8));
    }
}

static void
put_code (bw *w, uint32_t code, unsigned len)
{
  for (unsigned i = len; i-- > 0;)
    put (w, (code >> i) & 1, 1);
}

/* The canonical codes of lens[0..n) (RFC 1951 3.2.2), for any lengths. */
static void
canonical (const uint8_t *lens, unsigned n, uint32_t *codes)
{
  unsigned count[16] = { 0 }, next[16];
  for (unsigned s = 0; s < n; s++)
    count[lens[s]]++;
  count[0] = 0;
  unsigned code = 0;
  for (unsigned l = 1; l < 16; l++)
    {
      code = (code + count[l - 1]) << 1;
      next[l] = code;
    }
  for (unsigned s = 0; s < n; s++)
    codes[s] = lens[s] ? next[lens[s]]++ : 0;
}

/* A dynamic block: literal/length and distance code lengths sent with the
 * code-length code cl_lens (all 19 sent), as the code-length symbols syms
 * (symbol | repeat << 8); hlit, hdist as they go in the header. */
typedef struct {
  uint8_t cl_lens[19];
  uint16_t syms[400];
  unsigned nsyms;
  unsigned hlit, hdist;            /* 257.., 1.. (may be out of range) */
  uint8_t lens[320];               /* what the symbols give (when valid) */
  uint32_t codes[320];
} dyn;

/* A complete code-length code with every symbol: 0-15 five bits, 16 two,
 * 17 and 18 three. */
static void
dyn_init (dyn *y, const uint8_t *lit, unsigned nlit, const uint8_t *dist, unsigned ndist)
{
  memset (y, 0, sizeof *y);
  for (int s = 0; s < 16; s++)
    y->cl_lens[s] = 5;
  y->cl_lens[16] = 2;
  y->cl_lens[17] = 3;
  y->cl_lens[18] = 3;
  y->hlit = nlit;
  y->hdist = ndist;
  memcpy (y->lens, lit, nlit);
  memcpy (y->lens + nlit, dist, ndist);
  for (unsigned s = 0; s < nlit + ndist; s++)
    y->syms[y->nsyms++] = y->lens[s];
}

static void
put_dyn (bw *w, bool final, dyn *y)
{
  static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
  static const unsigned extra[3] = { 2, 3, 7 }, low[3] = { 3, 3, 11 };
  put (w, final, 1);
  put (w, 2, 2);
  put (w, y->hlit - 257, 5);
  put (w, y->hdist - 1, 5);
  put (w, 19 - 4, 4);
  for (int i = 0; i < 19; i++)
    put (w, y->cl_lens[order[i]], 3);
  uint32_t clc[19];
  canonical (y->cl_lens, 19, clc);
  for (unsigned i = 0; i < y->nsyms; i++)
    {
      unsigned sym = y->syms[i] & 0xff, rep = y->syms[i] >> 8;
      put_code (w, clc[sym], y->cl_lens[sym]);
      if (sym >= 16)
        put (w, rep - low[sym - 16], extra[sym - 16]);
    }
  canonical (y->lens, y->hlit, y->codes);
  canonical (y->lens + y->hlit, y->hdist, y->codes + y->hlit);
}

static void
put_sym (bw *w, const dyn *y, unsigned s)
{
  put_code (w, y->codes[s], y->lens[s]);
}

static void
put_dist (bw *w, const dyn *y, unsigned s)
{
  put_code (w, y->codes[y->hlit + s], y->lens[y->hlit + s]);
}

/* fixed codes (3.2.6) */
static void
put_fixed_lit (bw *w, unsigned s)
{
  if (s < 144)
    put_code (w, 0x30 + s, 8);
  else if (s < 256)
    put_code (w, 0x190 + s - 144, 9);
  else if (s < 280)
    put_code (w, s - 256, 7);
  else
    put_code (w, 0xc0 + s - 280, 8);
}

/* One stream against zlib: zlib_err is what zlib must say (NULL: it must
 * take the stream cleanly, and so must the decoder, with out as output). */
static void
crafted (ws_wholeinf *d, const char *name, bw *w, const char *dict, const char *zlib_err,
         const char *out)
{
  size_t dict_len = dict ? strlen (dict) : 0;
  zref zr;
  bool ok = strict_check (d, (const uint8_t *) dict, dict_len, w->b->data, w->b->len, 1 << 20, &zr);
  g_test_message ("%s: zlib %s, ours %s", name, zr.err ? zr.err : zr.clean ? "clean" : "not clean",
                  ok ? "answered" : "refused");
  if (zlib_err)
    {
      g_assert_cmpstr (zr.err, ==, zlib_err);
      g_assert_false (ok);
    }
  else
    {
      g_assert_null (zr.err);
      g_assert_true (zr.clean);
      g_assert_true (ok);
      g_assert_cmpmem (zr.out->data, zr.out->len, out, strlen (out));
    }
  g_byte_array_unref (zr.out);
  g_byte_array_unref (w->b);
  w->b = g_byte_array_new ();
  w->nbits = 0;
}

/* The base dynamic block: a b <3, 2> end-of-block, "ababa". */
static void
base_lens (uint8_t *lit, uint8_t *dist)
{
  memset (lit, 0, 288);
  memset (dist, 0, 32);
  lit['a'] = lit['b'] = lit[256] = lit[257] = 2;
  dist[1] = dist[2] = 1;
}

static void
put_ababa (bw *w, const dyn *y, unsigned dsym)
{
  put_sym (w, y, 'a');
  put_sym (w, y, 'b');
  put_sym (w, y, 257);
  put_dist (w, y, dsym);
  put_sym (w, y, 256);
}

/* Every rule of zlib's the decoder must keep, one stream each, built bit by
 * bit, each beside a stream that differs only in the rule and is taken by
 * both (so that each stream checks the one rule). */
static void
test_strict_crafted (void)
{
  ws_wholeinf *d = ws_wholeinf_new ();
  bw w = { g_byte_array_new (), 0 };
  uint8_t lit[288], dist[32];
  dyn y;

  /* the base, valid */
  base_lens (lit, dist);
  dyn_init (&y, lit, 258, dist, 3);
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "dynamic", &w, NULL, NULL, "ababa");

  /* block type 3 (then what would be a valid fixed block) */
  put (&w, 1, 1);
  put (&w, 3, 2);
  put_fixed_lit (&w, 'a');
  put_fixed_lit (&w, 256);
  crafted (d, "block type 3", &w, NULL, "invalid block type", NULL);
  put (&w, 1, 1);
  put (&w, 1, 2);
  put_fixed_lit (&w, 'a');
  put_fixed_lit (&w, 256);
  crafted (d, "fixed", &w, NULL, NULL, "a");

  /* stored: NLEN not ~LEN */
  for (int bad = 1; bad >= 0; bad--)
    {
      put (&w, 1, 1);
      put (&w, 0, 2);
      put (&w, 0, 5);
      put (&w, 3, 16);
      put (&w, (uint16_t) ~3u ^ (unsigned) bad, 16);
      g_byte_array_append (w.b, (const guint8 *) "xyz", 3);
      w.nbits += 24;
      crafted (d, "stored", &w, NULL, bad ? "invalid stored block lengths" : NULL, "xyz");
    }

  /* 287 literal/length codes (a complete code with 286 in it) */
  for (int bad = 1; bad >= 0; bad--)
    {
      base_lens (lit, dist);
      lit[257] = 3;
      lit[bad ? 286 : 258] = 3;
      dyn_init (&y, lit, bad ? 287 : 286, dist, 3);
      put_dyn (&w, true, &y);
      put_ababa (&w, &y, 1);
      crafted (d, "HLIT", &w, NULL, bad ? "too many length or distance symbols" : NULL, "ababa");
    }
  /* 31 distance codes (30 in a complete code) */
  for (int bad = 1; bad >= 0; bad--)
    {
      base_lens (lit, dist);
      dist[2] = 0;
      dist[bad ? 30 : 29] = 1;
      dyn_init (&y, lit, 258, dist, bad ? 31 : 30);
      put_dyn (&w, true, &y);
      put_ababa (&w, &y, 1);
      crafted (d, "HDIST", &w, NULL, bad ? "too many length or distance symbols" : NULL, "ababa");
    }

  /* the code-length code over-subscribed (17 two bits long, not three) */
  base_lens (lit, dist);
  dyn_init (&y, lit, 258, dist, 3);
  y.cl_lens[17] = 2;
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "code-length code over-subscribed", &w, NULL, "invalid code lengths set", NULL);
  /* incomplete (18, unused, has no code) */
  dyn_init (&y, lit, 258, dist, 3);
  y.cl_lens[18] = 0;
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "code-length code incomplete", &w, NULL, "invalid code lengths set", NULL);
  /* incomplete, one code: zlib's exception is not for this code */
  dyn_init (&y, lit, 258, dist, 3);
  memset (y.cl_lens, 0, sizeof y.cl_lens);
  y.cl_lens[0] = 1;
  y.nsyms = 0;
  for (int k = 0; k < 261; k++)
    y.syms[y.nsyms++] = 0;
  put_dyn (&w, true, &y);
  crafted (d, "code-length code of one code", &w, NULL, "invalid code lengths set", NULL);

  /* a repeat (16) of no length: the first symbol */
  base_lens (lit, dist);
  dyn_init (&y, lit, 258, dist, 3);
  y.syms[0] = 16 | 3 << 8; /* 0, 1, 2: no length, as the base */
  memmove (y.syms + 1, y.syms + 3, (y.nsyms - 3) * sizeof *y.syms);
  y.nsyms -= 2;
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "repeat first", &w, NULL, "invalid bit length repeat", NULL);
  dyn_init (&y, lit, 258, dist, 3);
  y.syms[0] = 17 | 3 << 8; /* the same zeros, said right */
  memmove (y.syms + 1, y.syms + 3, (y.nsyms - 3) * sizeof *y.syms);
  y.nsyms -= 2;
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "zeros first", &w, NULL, NULL, "ababa");

  /* repeats past the declared count: the distance lengths 0 1 1 0 0 0
   * ending with zeros repeated 4 times (3 are left), and 0 2 2 2 2 with
   * the 2 repeated 4 times (as valid streams: 3 times) */
  for (int bad = 1; bad >= 0; bad--)
    for (unsigned sym = 17; sym >= 16; sym--)
      {
        base_lens (lit, dist);
        if (sym == 16)
          dist[1] = dist[2] = dist[3] = dist[4] = 2;
        dyn_init (&y, lit, 258, dist, sym == 17 ? 6 : 5);
        y.nsyms -= 3;
        y.syms[y.nsyms++] = (uint16_t) (sym | (unsigned) (3 + bad) << 8);
        put_dyn (&w, true, &y);
        put_ababa (&w, &y, 1);
        crafted (d, sym == 17 ? "zeros repeated past the count" : "length repeated past the count",
                 &w, NULL, bad ? "invalid bit length repeat" : NULL, "ababa");
      }

  /* no code for end-of-block: the block cannot end */
  base_lens (lit, dist);
  lit[256] = 0;
  lit['c'] = 2;
  dyn_init (&y, lit, 258, dist, 3);
  put_dyn (&w, true, &y);
  put_sym (&w, &y, 'a');
  put_sym (&w, &y, 'c');
  crafted (d, "no end-of-block", &w, NULL, "invalid code -- missing end-of-block", NULL);

  /* literal/length code over-subscribed (a fifth code of two bits, last
   * in canonical order) and incomplete (257 three bits long) */
  base_lens (lit, dist);
  lit[258] = 2;
  dyn_init (&y, lit, 259, dist, 3);
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "literal/length code over-subscribed", &w, NULL, "invalid literal/lengths set", NULL);
  base_lens (lit, dist);
  lit[257] = 3;
  dyn_init (&y, lit, 258, dist, 3);
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "literal/length code incomplete", &w, NULL, "invalid literal/lengths set", NULL);

  /* distance code over-subscribed (a third one-bit code, last) and
   * incomplete (the second code two bits long) */
  base_lens (lit, dist);
  dist[3] = 1;
  dyn_init (&y, lit, 258, dist, 4);
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "distance code over-subscribed", &w, NULL, "invalid distances set", NULL);
  base_lens (lit, dist);
  dist[2] = 2;
  dyn_init (&y, lit, 258, dist, 3);
  put_dyn (&w, true, &y);
  put_ababa (&w, &y, 1);
  crafted (d, "distance code incomplete", &w, NULL, "invalid distances set", NULL);

  /* zlib's one exception: a single one-bit literal/length code (end of
   * block), whose other half is an error when met */
  for (int bad = 0; bad < 2; bad++)
    {
      memset (lit, 0, sizeof lit);
      memset (dist, 0, sizeof dist);
      lit[256] = 1;
      dyn_init (&y, lit, 257, dist, 1);
      put_dyn (&w, true, &y);
      put (&w, (unsigned) bad, 1);
      put (&w, 0, 8);
      crafted (d, "single literal/length code", &w, NULL, bad ? "invalid literal/length code" : NULL, "");
    }
  /* a single one-bit distance code (for distance 2) */
  for (int bad = 0; bad < 2; bad++)
    {
      base_lens (lit, dist);
      dist[2] = 0;
      dyn_init (&y, lit, 258, dist, 3);
      put_dyn (&w, true, &y);
      put_sym (&w, &y, 'a');
      put_sym (&w, &y, 'b');
      put_sym (&w, &y, 257);
      put (&w, (unsigned) bad, 1);
      put_sym (&w, &y, 256);
      crafted (d, "single distance code", &w, NULL, bad ? "invalid distance code" : NULL, "ababa");
    }
  /* no distance code at all: literals only, or an error at the first match */
  for (int bad = 0; bad < 2; bad++)
    {
      base_lens (lit, dist);
      dist[1] = dist[2] = 0;
      dyn_init (&y, lit, 258, dist, 1);
      put_dyn (&w, true, &y);
      put_sym (&w, &y, 'a');
      put_sym (&w, &y, bad ? 257 : 'b');
      if (bad)
        put (&w, 0, 1); /* zlib's table for no code reads one bit */
      put_sym (&w, &y, 256);
      crafted (d, "no distance code", &w, NULL, bad ? "invalid distance code" : NULL, "ab");
      /* (a decoder that took the bit for distance 1 would give "aaaa") */
    }

  /* the reserved symbols of fixed blocks: literal/length 286, 287 and
   * distances 30, 31 (29 and 285 beside them are fine) */
  for (unsigned s = 285; s <= 287; s++)
    {
      put (&w, 1, 1);
      put (&w, 1, 2);
      for (int k = 0; k < 300; k++)
        put_fixed_lit (&w, 'a');
      put_fixed_lit (&w, s);
      put_code (&w, 0, 5);
      put_fixed_lit (&w, 256);
      char *want = g_strnfill (300 + 258, 'a');
      crafted (d, "fixed literal/length", &w, NULL, s > 285 ? "invalid literal/length code" : NULL, want);
      g_free (want);
    }
  for (unsigned s = 29; s <= 31; s++)
    {
      put (&w, 1, 1);
      put (&w, 1, 2);
      char *want = g_strnfill (24577 + 3, 'a');
      for (int k = 0; k < 24577; k++)
        put_fixed_lit (&w, 'a');
      put_fixed_lit (&w, 257);
      put_code (&w, s, 5);
      if (s == 29)
        put (&w, 0, 13);
      put_fixed_lit (&w, 256);
      crafted (d, "fixed distance", &w, NULL, s > 29 ? "invalid distance code" : NULL, want);
      g_free (want);
    }

  /* a distance past the output so far, and past a dictionary's start */
  for (int bad = 0; bad < 2; bad++)
    {
      put (&w, 1, 1);
      put (&w, 1, 2);
      put_fixed_lit (&w, 'a');
      put_fixed_lit (&w, 257);
      put_code (&w, bad ? 1 : 0, 5); /* distance 2, 1 */
      put_fixed_lit (&w, 256);
      crafted (d, "distance", &w, NULL, bad ? "invalid distance too far back" : NULL, "aaaa");
      put (&w, 1, 1);
      put (&w, 1, 2);
      put_fixed_lit (&w, 257);
      put_code (&w, 4, 5); /* distances 5, 6 */
      put (&w, (unsigned) bad, 1);
      put_fixed_lit (&w, 256);
      crafted (d, "distance into a dictionary", &w, "hello", bad ? "invalid distance too far back" : NULL,
               "hel");
    }

  /* a code-length code with no code at all */
  base_lens (lit, dist);
  dyn_init (&y, lit, 258, dist, 3);
  memset (y.cl_lens, 0, sizeof y.cl_lens);
  y.nsyms = 0;
  put_dyn (&w, true, &y);
  put (&w, 0, 300);
  crafted (d, "empty code-length code", &w, NULL, "invalid code -- missing end-of-block", NULL);

  /* where the stream ends: a block ended short of the input's last bit
   * leaves zlib holding bits for the next message (refused, though zlib
   * reports nothing); ended by an empty stored block, it stands clean */
  put (&w, 0, 1);
  put (&w, 1, 2);
  put_fixed_lit (&w, 'a');
  put_fixed_lit (&w, 256);
  zref zr;
  g_assert_false (strict_check (d, NULL, 0, w.b->data, w.b->len, 100, &zr));
  g_assert_null (zr.err);
  g_assert_false (zr.clean);
  g_byte_array_unref (zr.out);
  put (&w, 0, 3);
  put (&w, 0, 8 - w.nbits % 8);
  put (&w, 0xffff0000u, 32);
  crafted (d, "ended by a sync flush", &w, NULL, NULL, "a");

  g_byte_array_unref (w.b);
  ws_wholeinf_free (d);
}

/* One message from zlib's deflate: level, strategy, window bits, memLevel,
 * an optional dictionary (as with context takeover), a sync flush (as
 * permessage-deflate senders) or a final block. */
static GByteArray *
zdeflate (const GByteArray *plain, int level, int strategy, int bits, int mem,
          const uint8_t *dict, size_t dict_len, bool finish)
{
  z_stream z;
  memset (&z, 0, sizeof z);
  g_assert_cmpint (deflateInit2 (&z, level, Z_DEFLATED, -bits, mem, strategy), ==, Z_OK);
  if (dict_len)
    g_assert_cmpint (deflateSetDictionary (&z, dict, (uInt) dict_len), ==, Z_OK);
  guint room = plain->len + plain->len / 4 + 1024;
  GByteArray *c = g_byte_array_sized_new (room);
  g_byte_array_set_size (c, room);
  z.next_in = plain->data;
  z.avail_in = plain->len;
  z.next_out = c->data;
  z.avail_out = room;
  int rc = deflate (&z, finish ? Z_FINISH : Z_SYNC_FLUSH);
  g_assert_true (rc == (finish ? Z_STREAM_END : Z_OK));
  g_byte_array_set_size (c, room - z.avail_out);
  deflateEnd (&z);
  return c;
}

/* Every level, strategy and encoder window, with and without a dictionary:
 * the decoder answers every message, byte for byte as zlib, within a room
 * of exactly its size and not one byte under it; cut anywhere, it answers
 * only what zlib takes as cleanly (strict_check). */
static void
test_strict_generated (void)
{
  static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_FIXED, Z_HUFFMAN_ONLY,
                                    Z_RLE };
  ws_wholeinf *d = ws_wholeinf_new ();
  GRand *r = g_rand_new_with_seed (1951);
  unsigned streams = 0, cuts = 0, cuts_answered = 0;
  for (int level = 1; level <= 9; level++)
    for (size_t si = 0; si < G_N_ELEMENTS (strategies); si++)
      for (int bits = 9; bits <= 15; bits++)
        for (int with_dict = 0; with_dict < 2; with_dict++)
          {
            GByteArray *dict = with_dict ? plain_message (r, 7 * g_rand_int_range (r, 0, 3)) : NULL;
            if (dict && dict->len > 32768)
              g_byte_array_remove_range (dict, 0, dict->len - 32768);
            /* mostly small (one dynamic block), sometimes 70 KB */
            GByteArray *p = plain_message (r, g_rand_int_range (r, 0, 3) == 0 ? 0 : 1);
            if (g_rand_int_range (r, 0, 4) == 0)
              for (guint k = 0; k < p->len; k++)
                p->data[k] = (uint8_t) g_rand_int (r); /* no matches: stored or Huffman only */
            bool finish = g_rand_int_range (r, 0, 4) == 0;
            int mem = g_rand_int_range (r, 1, 10);
            GByteArray *c = zdeflate (p, level, strategies[si], bits, mem,
                                      dict ? dict->data : NULL, dict ? dict->len : 0, finish);
            if (!finish)
              g_byte_array_set_size (c, c->len - 4); /* as a message, then the tail again */
            g_byte_array_append (c, (const guint8 *) "\0\0\xff\xff", finish ? 0 : 4);
            const uint8_t *dd = dict ? dict->data : NULL;
            size_t dl = dict ? dict->len : 0;
            zref zr;
            g_assert_true (strict_check (d, dd, dl, c->data, c->len, p->len, &zr));
            g_assert_cmpmem (zr.out->data, zr.out->len, p->data, p->len);
            g_byte_array_unref (zr.out);
            const uint8_t *out;
            size_t out_len;
            if (p->len)
              g_assert_cmpint (ws_wholeinf_run (d, dd, dl, c->data, c->len, p->len - 1, &out, &out_len),
                               ==, WS_WHOLEINF_ROOM);
            streams++;
            /* cut anywhere: every point of a small message, some of a large one */
            size_t step = c->len < 600 ? 1 : c->len / 97;
            for (size_t cut = 0; cut < c->len; cut += step)
              {
                cuts++;
                cuts_answered += strict_check (d, dd, dl, c->data, cut, (size_t) 1 << 20, NULL);
              }
            if (dict)
              g_byte_array_unref (dict);
            g_byte_array_unref (p);
            g_byte_array_unref (c);
          }
  g_test_message ("%u streams; %u cut short, %u of them answered (a cut at a block's end)", streams,
                  cuts, cuts_answered);
  g_assert_cmpuint (streams, ==, 9 * 5 * 7 * 2);
  g_rand_free (r);
  ws_wholeinf_free (d);
}

/* Small streams of every kind with a few bits flipped, mostly in their
 * first bytes (the block headers and code lengths, where zlib's refusals
 * are), bytes cut or added: the decoder answers only what zlib takes as
 * cleanly, byte for byte (strict_check), and most of what it refuses zlib
 * refuses too. */
static void
test_strict_corrupt (void)
{
  static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_FIXED, Z_HUFFMAN_ONLY,
                                    Z_RLE };
  ws_wholeinf *d = ws_wholeinf_new ();
  GRand *r = g_rand_new_with_seed (1950);
  unsigned tried = 0, answered = 0, zlib_err = 0;
  for (int i = 0; i < 4000; i++)
    {
      GByteArray *p = plain_message (r, 1);
      guint len = (guint) g_rand_int_range (r, 1, 400); /* MIN evaluates twice */
      g_byte_array_set_size (p, MIN (p->len, len));
      GByteArray *dict = g_rand_boolean (r) ? plain_message (r, 1) : NULL;
      /* one at a time: the order of a call's arguments is unspecified */
      int level = g_rand_int_range (r, 1, 10);
      int strategy = strategies[g_rand_int_range (r, 0, G_N_ELEMENTS (strategies))];
      int bits = g_rand_int_range (r, 9, 16);
      bool finish = g_rand_boolean (r);
      GByteArray *c0 = zdeflate (p, level, strategy, bits, 8, dict ? dict->data : NULL,
                                 dict ? dict->len : 0, finish);
      for (int m = 0; m < 10; m++)
        {
          GByteArray *c = g_byte_array_new ();
          g_byte_array_append (c, c0->data, c0->len);
          int kind = g_rand_int_range (r, 0, 6);
          if (kind <= 3)
            for (int k = g_rand_int_range (r, 1, 4); k > 0; k--)
              {
                guint at = (guint) g_rand_int_range (r, 0, (gint32) MIN (c->len, kind <= 2 ? 40u : c->len));
                c->data[at] ^= (uint8_t) (1u << g_rand_int_range (r, 0, 8));
              }
          else if (kind == 4)
            g_byte_array_set_size (c, (guint) g_rand_int_range (r, 0, (gint32) c->len));
          else
            for (int k = g_rand_int_range (r, 1, 9); k > 0; k--)
              {
                uint8_t b = (uint8_t) g_rand_int (r);
                g_byte_array_append (c, &b, 1);
              }
          zref zr;
          answered += strict_check (d, dict ? dict->data : NULL, dict ? dict->len : 0, c->data,
                                    c->len, (size_t) 1 << 20, &zr);
          zlib_err += zr.err != NULL;
          tried++;
          g_byte_array_unref (zr.out);
          g_byte_array_unref (c);
        }
      if (dict)
        g_byte_array_unref (dict);
      g_byte_array_unref (p);
      g_byte_array_unref (c0);
    }
  g_test_message ("%u corrupted streams: zlib refused %u, ours answered %u (as zlib)", tried, zlib_err,
                  answered);
  g_assert_cmpuint (zlib_err, >, tried / 4);
  g_assert_cmpuint (answered, >, tried / 20);
  g_rand_free (r);
  ws_wholeinf_free (d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the whole-message path (libdeflate) is opt-in at run time: tested here
   * as the default's zlib path is by every script test */
  g_unsetenv ("WSCLOSED_INFLATER");
  g_test_add_func ("/inflater/same-output", test_same_output);
  g_test_add_func ("/inflater/corrupt", test_corrupt);
  g_test_add_func ("/inflater/too-far-back", test_too_far_back);
  g_test_add_func ("/inflater/whole-same-as-zlib", test_whole_same_as_zlib);
  g_test_add_func ("/inflater/whole-libdeflate", test_whole_libdeflate);
  g_test_add_func ("/inflater/strict/crafted", test_strict_crafted);
  g_test_add_func ("/inflater/strict/generated", test_strict_generated);
  g_test_add_func ("/inflater/strict/corrupt", test_strict_corrupt);
  int rc = g_test_run ();
  ws_inflater_pool_free (pool);
  return rc;
}
