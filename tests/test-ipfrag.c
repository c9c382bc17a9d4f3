/* test-ipfrag.c - IPv4/IPv6 fragment reassembly on constructed fragments:
 * orders, duplicates, overlaps, loss and timeout, the memory cap, extension
 * headers, and hostile values.  Frames are raw IP (LINKTYPE_RAW).  Then the
 * fragment counters in the totals (the analyzer's counters and the text report), on
 * constructed frames and on the generated tests/data/frag-*.pcap. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <pcap/pcap.h>

#include "analyzer.h"
#include "ipfrag.h"
#include "output.h"

#define RAW 101
#define SEC G_USEC_PER_SEC

/* the original TCP segment: 20-byte header + payload */
static uint8_t seg[70000];
static uint32_t seg_len;

static void
make_segment (uint32_t payload_len, uint8_t salt)
{
  memset (seg, 0, 20);
  seg[0] = 0x9c; seg[1] = 0x40;   /* 40000 */
  seg[2] = 0x1f; seg[3] = 0x90;   /* 8080 */
  seg[4] = 1; seg[5] = 2; seg[6] = 3; seg[7] = 4;
  seg[12] = 5 << 4;
  seg[13] = 0x18;
  for (uint32_t i = 0; i < payload_len; i++)
    seg[20 + i] = (uint8_t) (i * 7 + 3 + salt);
  seg_len = 20 + payload_len;
}

typedef struct {
  uint8_t b[2000];
  uint32_t len;
} frame;

/* An IPv4 fragment of seg: bytes [off, off+len), MF as said; data replaces
 * seg's bytes when not NULL. */
static void
v4_frag (frame *f, uint16_t id, uint32_t off, uint32_t len, bool more, uint8_t proto,
         const uint8_t *data)
{
  g_assert_cmpuint (20 + len, <=, sizeof f->b);
  uint8_t *p = f->b;
  memset (p, 0, 20);
  p[0] = 0x45;
  p[2] = (uint8_t) ((20 + len) >> 8); p[3] = (uint8_t) (20 + len);
  p[4] = (uint8_t) (id >> 8); p[5] = (uint8_t) id;
  uint16_t fo = (uint16_t) ((off / 8) | (more ? 0x2000 : 0));
  p[6] = (uint8_t) (fo >> 8); p[7] = (uint8_t) fo;
  p[8] = 64; p[9] = proto;
  p[12] = 192; p[13] = 0; p[14] = 2; p[15] = 1;
  p[16] = 192; p[17] = 0; p[18] = 2; p[19] = 2;
  memcpy (p + 20, data ? data : seg + off, len);
  f->len = 20 + len;
}

/* An IPv6 fragment of seg; hbh adds a hop-by-hop header (8 bytes) before the
 * Fragment header; nh is the Fragment header's Next Header. */
static void
v6_frag (frame *f, uint32_t id, uint32_t off, uint32_t len, bool more, bool hbh, uint8_t nh,
         const uint8_t *data)
{
  uint8_t *p = f->b;
  uint32_t ext = hbh ? 8 : 0;
  memset (p, 0, 40 + ext + 8);
  p[0] = 0x60;
  uint32_t plen = ext + 8 + len;
  p[4] = (uint8_t) (plen >> 8); p[5] = (uint8_t) plen;
  p[6] = hbh ? 0 : 44;
  p[7] = 64;
  p[8] = 0xfd; p[23] = 1;
  p[24] = 0xfd; p[39] = 2;
  uint8_t *q = p + 40;
  if (hbh)
    {
      q[0] = 44; q[1] = 0; q[2] = 1; q[3] = 4;   /* PadN */
      q += 8;
    }
  q[0] = nh;
  uint16_t fo = (uint16_t) (off | (more ? 1 : 0));
  q[2] = (uint8_t) (fo >> 8); q[3] = (uint8_t) fo;
  q[4] = (uint8_t) (id >> 24); q[5] = (uint8_t) (id >> 16); q[6] = (uint8_t) (id >> 8); q[7] = (uint8_t) id;
  memcpy (q + 8, data ? data : seg + off, len);
  f->len = 40 + ext + 8 + len;
}

static ws_decode_result
feed (ws_ipfrag *f, const frame *fr, int64_t ts, ws_packet *p)
{
  return ws_ipfrag_decode (f, RAW, fr->b, fr->len, fr->len, ts, p);
}

/* The segment handed on is seg, whole. */
static void
check_segment (const ws_packet *p, int family)
{
  g_assert_cmpint (p->src.family, ==, family);
  g_assert_cmpuint (p->sport, ==, 40000);
  g_assert_cmpuint (p->dport, ==, 8080);
  g_assert_cmpuint (p->seq, ==, 0x01020304);
  g_assert_cmpuint (p->payload_len, ==, seg_len - 20);
  g_assert_cmpuint (p->payload_wire_len, ==, seg_len - 20);
  g_assert_false (p->truncated);
  g_assert_true (memcmp (p->payload, seg + 20, seg_len - 20) == 0);
}

static ws_ipfrag *
new_ctx (void)
{
  ws_ipfrag_opts o;
  ws_ipfrag_opts_init (&o);
  return ws_ipfrag_new (&o);
}

/* Feed the pieces [cuts[i], cuts[i+1]) in the order given by idx; the datagram
 * must complete exactly at the last one. */
static void
run_order (int version, const uint32_t *cuts, size_t n, const size_t *idx, bool hbh)
{
  ws_ipfrag *f = new_ctx ();
  for (size_t k = 0; k < n; k++)
    {
      size_t i = idx[k];
      frame fr;
      bool more = i + 1 < n;
      if (version == 4)
        v4_frag (&fr, 77, cuts[i], cuts[i + 1] - cuts[i], more, 6, NULL);
      else
        v6_frag (&fr, 0x12345678, cuts[i], cuts[i + 1] - cuts[i], more, hbh, 6, NULL);
      ws_packet p;
      ws_decode_result r = feed (f, &fr, (int64_t) k, &p);
      if (k + 1 < n)
        g_assert_cmpint (r, ==, WS_DEC_FRAGMENT);
      else
        {
          g_assert_cmpint (r, ==, WS_DEC_OK);
          check_segment (&p, version);
        }
    }
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 0);
  g_assert_cmpuint (ws_ipfrag_held_bytes (f), ==, 0);
  const ws_ipfrag_stats *st = ws_ipfrag_get_stats (f);
  g_assert_cmpuint (st->fragments, ==, n);
  g_assert_cmpuint (st->reassembled, ==, 1);
  g_assert_cmpuint (st->overlaps, ==, 0);
  ws_ipfrag_free (f);
}

/* cuts for fragments of `size` data bytes each (multiple of 8) */
static size_t
make_cuts (uint32_t *cuts, uint32_t size)
{
  size_t n = 0;
  for (uint32_t o = 0; o < seg_len; o += size)
    cuts[n++] = o;
  cuts[n] = seg_len;
  return n;
}

static void
test_orders (void)
{
  uint32_t cuts[400];
  size_t idx[400];
  for (int v = 4; v <= 6; v += 2)
    {
      make_segment (3000, 0);
      size_t n = make_cuts (cuts, 1480);
      g_assert_cmpuint (n, ==, 3);
      for (size_t i = 0; i < n; i++)
        idx[i] = i;
      run_order (v, cuts, n, idx, false);             /* in order */
      for (size_t i = 0; i < n; i++)
        idx[i] = n - 1 - i;
      run_order (v, cuts, n, idx, false);             /* reversed: last first */

      /* small fragments, shuffled a few ways (fixed seeds) */
      make_segment (1001, 5);
      n = make_cuts (cuts, 64);
      GRand *rnd = g_rand_new_with_seed (42);
      for (int round = 0; round < 20; round++)
        {
          for (size_t i = 0; i < n; i++)
            idx[i] = i;
          for (size_t i = n - 1; i > 0; i--)
            {
              size_t j = (size_t) g_rand_int_range (rnd, 0, (gint32) i + 1);
              size_t t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            }
          run_order (v, cuts, n, idx, round % 2 == 1);
        }
      g_rand_free (rnd);
    }
}

static void
test_duplicated (void)
{
  make_segment (2000, 1);
  uint32_t cuts[8];
  size_t n = make_cuts (cuts, 512);
  ws_ipfrag *f = new_ctx ();
  ws_packet p;
  frame fr;
  int done = 0;
  /* each fragment twice; the datagram completes at the first copy of the
   * last piece */
  for (size_t i = 0; i < n; i++)
    for (int copy = 0; copy < 2; copy++)
      {
        v4_frag (&fr, 9, cuts[i], cuts[i + 1] - cuts[i], i + 1 < n, 6, NULL);
        ws_decode_result r = feed (f, &fr, 1, &p);
        if (i + 1 == n && copy == 0)
          {
            g_assert_cmpint (r, ==, WS_DEC_OK);
            check_segment (&p, 4);
            done++;
          }
        else
          g_assert_cmpint (r, ==, WS_DEC_FRAGMENT);
      }
  g_assert_cmpint (done, ==, 1);
  const ws_ipfrag_stats *st = ws_ipfrag_get_stats (f);
  g_assert_cmpuint (st->overlaps, ==, n - 1);
  g_assert_cmpuint (st->overlap_conflicts, ==, 0);
  /* the duplicate of the last piece started a new datagram: it times out */
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);
  v4_frag (&fr, 10, 0, 8, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 1 + 31 * SEC, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (st->timed_out, ==, 1);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);
  ws_ipfrag_free (f);
}

static void
test_overlap (void)
{
  make_segment (3100, 2);
  uint8_t alt[2000];
  ws_packet p;
  frame fr;

  /* same bytes overlapping: counted, not a conflict */
  ws_ipfrag *f = new_ctx ();
  v4_frag (&fr, 1, 0, 1480, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 1, 1472, 1560, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 1, 3032, seg_len - 3032, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
  check_segment (&p, 4);
  g_assert_cmpuint (ws_ipfrag_get_stats (f)->overlaps, ==, 1);
  g_assert_cmpuint (ws_ipfrag_get_stats (f)->overlap_conflicts, ==, 0);
  ws_ipfrag_free (f);

  /* different bytes: the first copy wins, in either order of arrival */
  for (int later_differs = 0; later_differs < 2; later_differs++)
    {
      f = new_ctx ();
      memcpy (alt, seg + 1472, 1560);
      for (int i = 0; i < 8; i++)
        alt[i] ^= 0x5a;
      /* the altered copy of [1472, 1480) comes second: ignored */
      v4_frag (&fr, 2, 0, 1480, true, 6, NULL);
      g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
      v4_frag (&fr, 2, 1472, 1560, true, 6, later_differs ? alt : NULL);
      g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
      if (!later_differs)
        {
          /* an altered retransmission of [1472, 3032) after the original */
          v4_frag (&fr, 2, 1472, 1560, true, 6, alt);
          g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
        }
      v4_frag (&fr, 2, 3032, seg_len - 3032, false, 6, NULL);
      g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
      check_segment (&p, 4);
      g_assert_cmpuint (ws_ipfrag_get_stats (f)->overlap_conflicts, ==, 1);
      ws_ipfrag_free (f);
    }

  /* the altered copy first: it is what the datagram holds */
  f = new_ctx ();
  memcpy (alt, seg, 1480);
  alt[100] ^= 0xff;
  v4_frag (&fr, 3, 0, 1480, true, 6, alt);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 3, 0, 1480, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 3, 1480, seg_len - 1480, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
  g_assert_cmpuint (p.payload[80], ==, seg[100] ^ 0xff);
  g_assert_true (memcmp (p.payload + 81, seg + 101, seg_len - 101) == 0);
  g_assert_cmpuint (ws_ipfrag_get_stats (f)->overlap_conflicts, ==, 1);
  ws_ipfrag_free (f);
}

static void
test_missing_timeout (void)
{
  make_segment (3000, 3);
  ws_ipfrag *f = new_ctx ();
  ws_packet p;
  frame fr;
  v4_frag (&fr, 5, 0, 1480, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 10 * SEC, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 5, 2960, seg_len - 2960, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 20 * SEC, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);
  g_assert_cmpuint (ws_ipfrag_held_bytes (f), >, 3000);
  /* 30 s after the first fragment it is still there ... */
  v4_frag (&fr, 6, 0, 8, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 40 * SEC, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 2);
  /* ... and after that it is gone: the middle piece starts afresh */
  v4_frag (&fr, 5, 1480, 1480, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 40 * SEC + 1, &p), ==, WS_DEC_FRAGMENT);
  const ws_ipfrag_stats *st = ws_ipfrag_get_stats (f);
  g_assert_cmpuint (st->timed_out, ==, 1);
  g_assert_cmpuint (st->reassembled, ==, 0);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 2);
  ws_ipfrag_free (f);
}

static void
test_cap_eviction (void)
{
  ws_ipfrag_opts o;
  ws_ipfrag_opts_init (&o);
  o.max_bytes = 256 * 1024;
  ws_ipfrag *f = ws_ipfrag_new (&o);
  make_segment (3000, 4);
  ws_packet p;
  frame fr;
  for (uint16_t id = 0; id < 300; id++)
    {
      v4_frag (&fr, id, 0, 1480, true, 6, NULL);
      g_assert_cmpint (feed (f, &fr, id, &p), ==, WS_DEC_FRAGMENT);
      g_assert_cmpuint (ws_ipfrag_held_bytes (f), <=, o.max_bytes);
    }
  const ws_ipfrag_stats *st = ws_ipfrag_get_stats (f);
  size_t pending = ws_ipfrag_pending (f);
  g_assert_cmpuint (pending, >, 10);
  g_assert_cmpuint (pending, <, 300);
  g_assert_cmpuint (st->evicted, ==, 300 - pending);
  /* the newest is complete with its second piece; the oldest was evicted */
  v4_frag (&fr, 299, 1480, seg_len - 1480, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 300, &p), ==, WS_DEC_OK);
  check_segment (&p, 4);
  v4_frag (&fr, 0, 1480, seg_len - 1480, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 301, &p), ==, WS_DEC_FRAGMENT);
  /* one datagram of the largest size still fits */
  make_segment (65515 - 20, 9);
  for (uint32_t off = 0; off < seg_len; off += 1480)
    {
      uint32_t len = seg_len - off > 1480 ? 1480 : seg_len - off;
      v4_frag (&fr, 1000, off, len, off + len < seg_len, 6, NULL);
      ws_decode_result r = feed (f, &fr, 302, &p);
      g_assert_cmpuint (ws_ipfrag_held_bytes (f), <=, o.max_bytes);
      if (off + len < seg_len)
        g_assert_cmpint (r, ==, WS_DEC_FRAGMENT);
      else
        {
          g_assert_cmpint (r, ==, WS_DEC_OK);
          check_segment (&p, 4);
        }
    }
  ws_ipfrag_free (f);
}

static void
test_ipv6_ext (void)
{
  make_segment (2500, 6);
  ws_packet p;
  frame fr;
  /* hop-by-hop before the Fragment header, last fragment first */
  ws_ipfrag *f = new_ctx ();
  v6_frag (&fr, 7, 1232, seg_len - 1232, false, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (p.frag.hdr_len, ==, 48);
  g_assert_cmpuint (p.frag.nh_pos, ==, 40);
  v6_frag (&fr, 7, 0, 1232, true, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
  check_segment (&p, 6);
  ws_ipfrag_free (f);

  /* destination options inside the fragmentable part, before TCP */
  f = new_ctx ();
  static uint8_t body[3000];
  memset (body, 0, 8);
  body[0] = 6; body[1] = 0; body[2] = 1; body[3] = 4;
  memcpy (body + 8, seg, seg_len);
  uint32_t blen = seg_len + 8;
  v6_frag (&fr, 8, 0, 1280, true, false, 60, body);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v6_frag (&fr, 8, 1280, blen - 1280, false, false, 60, body + 1280);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
  check_segment (&p, 6);

  /* an atomic fragment stands alone, even with a pending datagram of its ID */
  v6_frag (&fr, 9, 0, 1280, true, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  make_segment (100, 7);
  v6_frag (&fr, 9, 0, seg_len, false, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
  check_segment (&p, 6);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);
  ws_ipfrag_free (f);
}

static void
test_hostile (void)
{
  make_segment (1500, 8);
  ws_ipfrag *f = new_ctx ();
  const ws_ipfrag_stats *st = ws_ipfrag_get_stats (f);
  ws_packet p;
  frame fr;

  /* offset + length past 65535 */
  v4_frag (&fr, 1, 65512, 48, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  v6_frag (&fr, 1, 65528, 16, false, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  /* the largest legal end is accepted */
  v4_frag (&fr, 1, 65512, 3, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  /* zero-length fragments */
  v4_frag (&fr, 2, 8, 0, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  v6_frag (&fr, 2, 16, 0, false, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  /* a fragment with more to come whose length is not a multiple of 8 */
  v4_frag (&fr, 3, 0, 100, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  g_assert_cmpuint (st->malformed, ==, 5);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);

  /* a fragment of UDP is not kept (IPv4); IPv6 learns it at offset 0 and
   * swallows the rest */
  v4_frag (&fr, 4, 0, 800, true, 17, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_NOT_TCP);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);
  v6_frag (&fr, 4, 800, 800, true, false, 17, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v6_frag (&fr, 4, 0, 800, true, false, 17, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_NOT_TCP);
  v6_frag (&fr, 4, 1600, 8, false, false, 17, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (st->not_tcp, ==, 1);
  g_assert_cmpuint (st->swallowed, ==, 1);

  /* two last fragments that disagree on the length */
  v4_frag (&fr, 5, 800, 100, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 5, 800, 108, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  v4_frag (&fr, 5, 0, 800, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);   /* swallowed */
  /* data past the end the last fragment gave */
  v4_frag (&fr, 6, 800, 100, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 6, 896, 800, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);

  /* more fragments than allowed: 8-byte pieces of a 1520-byte datagram */
  uint64_t reassembled = st->reassembled;
  for (uint32_t off = 0; off + 8 <= seg_len; off += 8)
    {
      v4_frag (&fr, 7, off, 8, off + 8 < seg_len, 6, NULL);
      g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
    }
  g_assert_cmpuint (st->too_many, ==, 1);
  g_assert_cmpuint (st->reassembled, ==, reassembled);

  /* only the first fragment carries IP options (IHL 6): the datagram the
   * others add up to would be longer than 65535 bytes */
  make_segment (65515 - 20, 11);
  for (uint32_t off = 0; off < seg_len; off += 1976)
    {
      uint32_t l = seg_len - off > 1976 ? 1976 : seg_len - off;
      v4_frag (&fr, 12, off, l, off + l < seg_len, 6, NULL);
      if (off == 0)
        {
          memmove (fr.b + 24, fr.b + 20, l);
          memset (fr.b + 20, 1, 4);   /* NOPs */
          fr.b[0] = 0x46;
          fr.b[2] = (uint8_t) ((24 + l) >> 8); fr.b[3] = (uint8_t) (24 + l);
          fr.len += 4;
        }
      ws_decode_result r = feed (f, &fr, 0, &p);
      g_assert_cmpint (r, ==, off + l < seg_len ? WS_DEC_FRAGMENT : WS_DEC_MALFORMED);
    }

  /* a Fragment header inside the reassembled IPv6 datagram, behind
   * destination options (an atomic fragment carrying another fragment) */
  uint8_t inner[16] = { 44, 0, 1, 4, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 1 };
  v6_frag (&fr, 8, 0, 16, false, false, 60, inner);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_MALFORMED);
  ws_ipfrag_free (f);
}

static void
test_truncated (void)
{
  make_segment (3000, 10);
  ws_ipfrag *f = new_ctx ();
  ws_packet p;
  frame fr;
  v4_frag (&fr, 1, 0, 1480, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v4_frag (&fr, 1, 1480, 1480, true, 6, NULL);
  g_assert_cmpint (ws_ipfrag_decode (f, RAW, fr.b, 96, fr.len, 0, &p), ==, WS_DEC_TRUNCATED);
  g_assert_true (p.truncated);
  v4_frag (&fr, 1, 2960, seg_len - 2960, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  const ws_ipfrag_stats *st = ws_ipfrag_get_stats (f);
  g_assert_cmpuint (st->truncated, ==, 1);
  g_assert_cmpuint (st->swallowed, ==, 1);
  g_assert_cmpuint (st->reassembled, ==, 0);

  /* every cut of a fragment frame: no read past the end */
  for (int v = 4; v <= 6; v += 2)
    {
      if (v == 4)
        v4_frag (&fr, 2, 0, 64, true, 6, NULL);
      else
        v6_frag (&fr, 2, 0, 64, true, true, 6, NULL);
      for (uint32_t cut = 0; cut < fr.len; cut++)
        {
          uint8_t *copy = g_memdup2 (fr.b, cut ? cut : 1);
          ws_decode_result r = ws_ipfrag_decode (f, RAW, copy, cut, fr.len, 0, &p);
          g_assert_cmpint (r, ==, WS_DEC_TRUNCATED);
          g_free (copy);
        }
    }
  ws_ipfrag_free (f);
}

/* ---- the counters in the totals ------------------------------------------------ */

/* Given-up datagrams stay pending (to swallow the rest) but are not
 * incomplete: they were counted when given up. */
static void
test_incomplete (void)
{
  make_segment (200, 12);
  ws_ipfrag *f = new_ctx ();
  ws_packet p;
  frame fr;

  g_assert_cmpuint (ws_ipfrag_incomplete (f), ==, 0);
  v4_frag (&fr, 1, 0, 64, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  v6_frag (&fr, 1, 64, 64, true, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (ws_ipfrag_incomplete (f), ==, 2);
  /* a third, then cut by the snaplen: given up */
  v4_frag (&fr, 2, 0, 64, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (ws_ipfrag_incomplete (f), ==, 3);
  v4_frag (&fr, 2, 64, 64, true, 6, NULL);
  g_assert_cmpint (ws_ipfrag_decode (f, RAW, fr.b, 40, fr.len, 0, &p), ==, WS_DEC_TRUNCATED);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 3);
  g_assert_cmpuint (ws_ipfrag_incomplete (f), ==, 2);
  /* one completes */
  v4_frag (&fr, 1, 64, seg_len - 64, false, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 0, &p), ==, WS_DEC_OK);
  g_assert_cmpuint (ws_ipfrag_incomplete (f), ==, 1);
  /* the timeout takes the rest */
  v4_frag (&fr, 9, 0, 64, true, 6, NULL);
  g_assert_cmpint (feed (f, &fr, 31 * SEC, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (ws_ipfrag_pending (f), ==, 1);
  g_assert_cmpuint (ws_ipfrag_incomplete (f), ==, 1);
  g_assert_cmpuint (ws_ipfrag_get_stats (f)->timed_out, ==, 1);  /* the dead one is not */
  ws_ipfrag_free (f);
}

typedef struct {
  char *buf;
  size_t len;
  FILE *out;
  ws_writer *w;
  ws_analyzer *a;
  ws_settings set;
  ws_counters st;     /* the analyzer's, kept when it is freed */
} run;

static void
run_start (run *r)
{
  memset (r, 0, sizeof *r);
  ws_settings_init (&r->set);
  r->out = open_memstream (&r->buf, &r->len);
  g_assert_nonnull (r->out);
  r->w = ws_writer_new (r->out, WS_FMT_TEXT, false);
  ws_analyzer_opts o;
  ws_analyzer_opts_init (&o);
  r->a = ws_analyzer_new (&o, &r->set, r->w);
}

static void
run_packet (run *r, int linktype, const uint8_t *b, uint32_t caplen, uint32_t len,
            int64_t ts_us)
{
  struct pcap_pkthdr h;
  memset (&h, 0, sizeof h);
  h.ts.tv_sec = ts_us / SEC;
  h.ts.tv_usec = ts_us % SEC;
  h.caplen = caplen;
  h.len = len;
  ws_analyzer_packet (r->a, linktype, &h, b);
}

/* Finish; r->buf holds the text report. */
static void
run_finish (run *r)
{
  ws_analyzer_finish (r->a);
  ws_writer_finish (r->w, ws_analyzer_counters (r->a));
  r->st = *ws_analyzer_counters (r->a);
  r->st.tls_servers = NULL;           /* freed with the analyzer */
  ws_analyzer_free (r->a);
  ws_writer_free (r->w);
  fclose (r->out);
}

static void
assert_totals_line (const char *report, uint64_t frags, uint64_t done, uint64_t dropped,
                    uint64_t conflicts)
{
  g_autofree char *want = g_strdup_printf (
    "\n  IP fragments: %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " datagrams reassembled, %"
    G_GUINT64_FORMAT " dropped incomplete, %" G_GUINT64_FORMAT " overlaps with different bytes)\n",
    frags, done, dropped, conflicts);
  if (!strstr (report, want))
    g_error ("no line \"%s\" in the report:\n%s", want + 1, report);
}

/* Constructed: one datagram whole, one whole after a conflicting overlap, one
 * left incomplete at the end, one given up (cut by the snaplen). */
static void
test_totals_constructed (void)
{
  make_segment (100, 13);
  run r;
  frame fr;
  uint8_t other[64];

  run_start (&r);
  v4_frag (&fr, 1, 0, 64, true, 6, NULL);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 1 * SEC);
  v4_frag (&fr, 1, 64, seg_len - 64, false, 6, NULL);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 1 * SEC);

  v4_frag (&fr, 2, 0, 64, true, 6, NULL);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 1 * SEC);
  memcpy (other, seg, 64);
  other[40] ^= 0xff;                  /* payload byte 20: same length, other bytes */
  v4_frag (&fr, 2, 0, 64, true, 6, other);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 1 * SEC);
  v4_frag (&fr, 2, 64, seg_len - 64, false, 6, NULL);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 1 * SEC);

  v4_frag (&fr, 3, 0, 64, true, 6, NULL);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 2 * SEC);

  v4_frag (&fr, 4, 0, 64, true, 6, NULL);
  run_packet (&r, RAW, fr.b, 50, fr.len, 2 * SEC);
  v4_frag (&fr, 4, 64, seg_len - 64, false, 6, NULL);
  run_packet (&r, RAW, fr.b, fr.len, fr.len, 2 * SEC);   /* swallowed */

  /* periodically (the daemon): what is known so far, the incomplete one not yet */
  ws_analyzer_tick (r.a, 3 * SEC);
  const ws_counters *now = ws_analyzer_counters (r.a);
  g_assert_cmpuint (now->ip_fragments, ==, 8);
  g_assert_cmpuint (now->ip_reassembled, ==, 2);
  g_assert_cmpuint (now->ip_frag_dropped, ==, 1);
  g_assert_cmpuint (now->ip_frag_overlap_conflicts, ==, 1);

  run_finish (&r);
  g_assert_cmpuint (r.st.ip_fragments, ==, 8);
  g_assert_cmpuint (r.st.ip_reassembled, ==, 2);
  g_assert_cmpuint (r.st.ip_frag_dropped, ==, 2);
  g_assert_cmpuint (r.st.ip_frag_overlap_conflicts, ==, 1);
  assert_totals_line (r.buf, 8, 2, 2, 1);
  free (r.buf);

  /* no fragments, no line */
  run_start (&r);
  make_segment (10, 14);
  uint8_t whole[20 + 30];
  v4_frag (&fr, 5, 0, seg_len, false, 6, NULL);
  memcpy (whole, fr.b, fr.len);
  run_packet (&r, RAW, whole, fr.len, fr.len, SEC);
  run_finish (&r);
  g_assert_cmpuint (r.st.ip_fragments, ==, 0);
  g_assert_null (strstr (r.buf, "IP fragments"));
  free (r.buf);
}

/* The facts gen-edge.py recorded for a capture in tests/data/TESTLIST. */
static uint64_t
testlist_fact (const char *name, const char *key)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "TESTLIST", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) err = NULL;

  if (!g_file_get_contents (path, &text, NULL, &err))
    g_error ("%s", err->message);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) cols = g_strsplit (*l, "\t", -1);
      if (g_strv_length (cols) < 5 || strcmp (cols[0], name) != 0)
        continue;
      g_auto (GStrv) facts = g_strsplit (cols[4], " ", -1);
      for (char **kv = facts; *kv; kv++)
        {
          size_t kl = strlen (key);
          if (strncmp (*kv, key, kl) == 0 && (*kv)[kl] == '=')
            return g_ascii_strtoull (*kv + kl + 1, NULL, 10);
        }
    }
  g_error ("TESTLIST: no %s for %s", key, name);
  return 0;
}

static void
run_capture (run *r, const char *name)
{
  g_autofree char *file = g_strconcat (name, ".pcap", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", file, NULL);
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline (path, errbuf);
  if (!pc)
    g_error ("%s: %s", path, errbuf);
  int lt = pcap_datalink (pc);
  struct pcap_pkthdr *h;
  const u_char *data;

  run_start (r);
  while (pcap_next_ex (pc, &h, &data) == 1)
    ws_analyzer_packet (r->a, lt, h, data);
  pcap_close (pc);
  run_finish (r);
}

/* The expected numbers follow from how gen-edge.py (t_fragment) made the
 * captures: each segment with data that needs 2 or more 24-byte fragments
 * leaves as one datagram ("fragmented_segments" of them, "fragments" frames
 * in all), nothing cut, lost or altered.  frag-dup sends every fragment twice
 * in a row: the copies overlap with the same bytes, and the copy of the
 * fragment that completes a datagram comes after it, so it starts a datagram
 * of the same ID that never completes: one dropped per segment. */
static void
test_totals_captures (void)
{
  static const struct {
    const char *name;
    bool dup;
  } caps[] = { { "frag-ipv4", false }, { "frag-ipv6", false }, { "frag-dup", true } };

  for (size_t i = 0; i < G_N_ELEMENTS (caps); i++)
    {
      uint64_t segs = testlist_fact (caps[i].name, "fragmented_segments");
      uint64_t frags = testlist_fact (caps[i].name, "fragments");
      uint64_t dropped = caps[i].dup ? segs : 0;
      run r;

      g_test_message ("%s: %" G_GUINT64_FORMAT " fragments, %" G_GUINT64_FORMAT " datagrams",
                      caps[i].name, frags, segs);
      g_assert_cmpuint (segs, >, 0);
      run_capture (&r, caps[i].name);
      g_assert_cmpuint (r.st.ip_fragments, ==, frags);
      g_assert_cmpuint (r.st.ip_reassembled, ==, segs);
      g_assert_cmpuint (r.st.ip_frag_dropped, ==, dropped);
      g_assert_cmpuint (r.st.ip_frag_overlap_conflicts, ==, 0);
      assert_totals_line (r.buf, frags, segs, dropped, 0);
      free (r.buf);
    }
}


/* fr inside an IPv4-in-IPv4 tunnel from 10.9.0.1 to 10.9.0.b */
static void
in_tunnel (frame *fr, uint8_t b)
{
  g_assert_cmpuint (fr->len + 20, <=, sizeof fr->b);
  memmove (fr->b + 20, fr->b, fr->len);
  uint8_t *p = fr->b;
  memset (p, 0, 20);
  p[0] = 0x45;
  p[2] = (uint8_t) ((fr->len + 20) >> 8); p[3] = (uint8_t) (fr->len + 20);
  p[8] = 64; p[9] = 4;
  p[12] = 10; p[13] = 9; p[14] = 0; p[15] = 1;
  p[16] = 10; p[17] = 9; p[18] = 0; p[19] = b;
  fr->len += 20;
}

/* Two tunnels carry fragments of the same addresses and ID, alternating: two
 * datagrams, each whole, each with its tunnel's identity.  And a datagram of
 * the tunnel itself (IPv4 in IPv4) fragmented on the outside. */
static void
test_tunnels (void)
{
  make_segment (600, 0);
  uint8_t other[620];
  for (size_t i = 0; i < sizeof other; i++)
    other[i] = (uint8_t) (seg[i] ^ (i >= 20 ? 0x5a : 0));
  ws_ipfrag *f = new_ctx ();
  uint32_t ids[2] = { 0, 0 };
  for (int k = 0; k < 4; k++)
    {
      int tun = k % 2;
      frame fr;
      uint32_t off = k < 2 ? 0 : 320;
      v4_frag (&fr, 77, off, k < 2 ? 320 : seg_len - 320, k < 2, 6, tun ? other + off : NULL);
      in_tunnel (&fr, (uint8_t) (2 + tun));
      ws_packet p;
      ws_decode_result r = feed (f, &fr, k, &p);
      if (k < 2)
        {
          g_assert_cmpint (r, ==, WS_DEC_FRAGMENT);
          continue;
        }
      g_assert_cmpint (r, ==, WS_DEC_OK);
      g_assert_cmpuint (p.tunnels, ==, 1);
      ids[tun] = p.tunnel;
      g_assert_cmpuint (p.payload_len, ==, seg_len - 20);
      g_assert_true (memcmp (p.payload, (tun ? other : seg) + 20, seg_len - 20) == 0);
    }
  g_assert_cmpuint (ids[0], !=, 0);
  g_assert_cmpuint (ids[1], !=, 0);
  g_assert_cmpuint (ids[0], !=, ids[1]);
  g_assert_cmpuint (ws_ipfrag_get_stats (f)->reassembled, ==, 2);

  /* the outer datagram fragmented: [inner IPv4 header + seg] in two */
  frame whole;
  v4_frag (&whole, 5, 0, seg_len, false, 6, NULL);
  in_tunnel (&whole, 2);
  uint32_t inner_len = whole.len - 20;
  for (int k = 0; k < 2; k++)
    {
      frame fr;
      uint32_t off = k ? 320 : 0, len = k ? inner_len - 320 : 320;
      uint8_t *p = fr.b;
      memcpy (p, whole.b, 20);
      p[2] = (uint8_t) ((20 + len) >> 8); p[3] = (uint8_t) (20 + len);
      p[4] = 0; p[5] = 99;
      uint16_t fo = (uint16_t) ((off / 8) | (k ? 0 : 0x2000));
      p[6] = (uint8_t) (fo >> 8); p[7] = (uint8_t) fo;
      memcpy (p + 20, whole.b + 20 + off, len);
      fr.len = 20 + len;
      ws_packet q;
      ws_decode_result r = feed (f, &fr, 10 + k, &q);
      if (k == 0)
        g_assert_cmpint (r, ==, WS_DEC_FRAGMENT);
      else
        {
          g_assert_cmpint (r, ==, WS_DEC_OK);
          g_assert_cmpuint (q.tunnels, ==, 1);
          g_assert_cmpuint (q.tunnel, ==, ids[0]);
          check_segment (&q, 4);
        }
    }
  ws_ipfrag_free (f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ipfrag/orders", test_orders);
  g_test_add_func ("/ipfrag/duplicated", test_duplicated);
  g_test_add_func ("/ipfrag/overlap", test_overlap);
  g_test_add_func ("/ipfrag/missing-timeout", test_missing_timeout);
  g_test_add_func ("/ipfrag/cap-eviction", test_cap_eviction);
  g_test_add_func ("/ipfrag/ipv6-ext", test_ipv6_ext);
  g_test_add_func ("/ipfrag/hostile", test_hostile);
  g_test_add_func ("/ipfrag/tunnels", test_tunnels);
  g_test_add_func ("/ipfrag/truncated", test_truncated);
  g_test_add_func ("/ipfrag/incomplete", test_incomplete);
  g_test_add_func ("/ipfrag/totals/constructed", test_totals_constructed);
  g_test_add_func ("/ipfrag/totals/captures", test_totals_captures);
  return g_test_run ();
}
