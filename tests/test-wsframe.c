/* test-wsframe.c - unit tests for the WebSocket frame parser (wsframe.c):
 * RFC 6455 section 5 framing, close frames (7.4), UTF-8 (RFC 3629),
 * permessage-deflate (RFC 7692) and gaps.
 *
 * Frames are built by hand here; compressed payloads are made with zlib's
 * deflate (raw, Z_SYNC_FLUSH, trailing 00 00 ff ff removed, RFC 7692 7.2.1).
 * Every input is fed whole, split in two at every byte boundary and one byte
 * at a time, and the resulting record must be the same each way.
 */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "conn.h"
#include "wsframe.h"
#include "utf8.h"
#include "closecodes.h"

#define TS 1700000000000000LL

/* ---- building frames ------------------------------------------------------ */

static unsigned mask_seed = 1;

/* lenbits: 0 for the minimal encoding, else 7, 16 or 64 to force one. */
static void
put_frame_len (GByteArray *b, unsigned fin, unsigned rsv, unsigned op, bool masked,
               const void *payload, size_t n, int lenbits)
{
  uint8_t h[14];
  size_t hl = 0;
  h[hl++] = (uint8_t) ((fin ? 0x80 : 0) | (rsv << 4) | op);
  uint8_t mbit = masked ? 0x80 : 0;
  int form = lenbits ? lenbits : n < 126 ? 7 : n <= 0xffff ? 16 : 64;
  if (form == 7)
    h[hl++] = (uint8_t) (mbit | n);
  else if (form == 16)
    {
      h[hl++] = mbit | 126;
      h[hl++] = (uint8_t) (n >> 8);
      h[hl++] = (uint8_t) n;
    }
  else
    {
      h[hl++] = mbit | 127;
      for (int i = 7; i >= 0; i--)
        h[hl++] = (uint8_t) ((uint64_t) n >> (8 * i));
    }
  uint8_t key[4] = { 0 };
  if (masked)
    {
      /* a different, never all-zero key for each frame */
      uint32_t k = g_random_int () | 0x01010101u;
      k ^= mask_seed++;
      memcpy (key, &k, 4);
      memcpy (h + hl, key, 4);
      hl += 4;
    }
  g_byte_array_append (b, h, (guint) hl);
  const uint8_t *pl = payload;
  for (size_t i = 0; i < n; i++)
    {
      uint8_t x = pl[i] ^ key[i & 3];
      g_byte_array_append (b, &x, 1);
    }
}

static void
put_frame (GByteArray *b, unsigned fin, unsigned rsv, unsigned op, bool masked,
           const void *payload, size_t n)
{
  put_frame_len (b, fin, rsv, op, masked, payload, n, 0);
}

static void
put_close (GByteArray *b, bool masked, int code, const char *reason, size_t rlen)
{
  GByteArray *pl = g_byte_array_new ();
  if (code >= 0)
    {
      uint8_t cc[2] = { (uint8_t) (code >> 8), (uint8_t) code };
      g_byte_array_append (pl, cc, 2);
      g_byte_array_append (pl, (const guint8 *) reason, (guint) rlen);
    }
  put_frame (b, 1, 0, 8, masked, pl->data, pl->len);
  g_byte_array_unref (pl);
}

/* Raw deflate of one message as a permessage-deflate sender does it. */
static GByteArray *
deflate_msg (z_stream *zs, const void *data, size_t len)
{
  GByteArray *out = g_byte_array_new ();
  uint8_t buf[16384];
  zs->next_in = (Bytef *) data;
  zs->avail_in = (uInt) len;
  do
    {
      zs->next_out = buf;
      zs->avail_out = sizeof buf;
      int rc = deflate (zs, Z_SYNC_FLUSH);
      g_assert_true (rc == Z_OK || rc == Z_BUF_ERROR);
      g_byte_array_append (out, buf, (guint) (sizeof buf - zs->avail_out));
    }
  while (zs->avail_out == 0);
  g_assert_cmpuint (out->len, >=, 4);
  g_assert_cmpmem (out->data + out->len - 4, 4, "\x00\x00\xff\xff", 4);
  g_byte_array_set_size (out, out->len - 4);
  return out;
}

static void
deflater_init (z_stream *zs)
{
  memset (zs, 0, sizeof *zs);
  g_assert_cmpint (deflateInit2 (zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
}

/* ---- feeding and comparing ------------------------------------------------ */

/* The settings and context of the records made here: setup_limits sets
 * the defaults, a test changes them and calls it again at its end. */
static ws_settings tset;
static ws_ctx tctx;

typedef struct {
  bool pmd;
  bool client_nct, server_nct;   /* no_context_takeover */
  bool midstream;
} setup;

static ws_conn *
conn_new (const setup *s)
{
  ws_conn *c = ws_conn_new (&tctx);
  c->stage = WS_STAGE_FRAMES;
  if (s)
    {
      c->pmd.enabled = s->pmd;
      c->pmd.client_no_context_takeover = s->client_nct;
      c->pmd.server_no_context_takeover = s->server_nct;
      c->midstream = s->midstream;
    }
  ws_conn_frames_begin (c);
  return c;
}

/* Everything the parser wrote for one side, as text, to compare runs. */
static char *
describe (ws_conn *c, int side)
{
  GString *s = g_string_new (NULL);
  const ws_dir_stats *d = &c->dir[side];
  g_string_append_printf (s,
      "frames=%" G_GUINT64_FORMAT " fbytes=%" G_GUINT64_FORMAT " pbytes=%" G_GUINT64_FORMAT
      " msgs=%" G_GUINT64_FORMAT " text=%" G_GUINT64_FORMAT " bin=%" G_GUINT64_FORMAT
      " comp=%" G_GUINT64_FORMAT " pings=%" G_GUINT64_FORMAT " pongs=%" G_GUINT64_FORMAT
      " closes=%" G_GUINT64_FORMAT " largest=%" G_GUINT64_FORMAT " last=%" G_GUINT64_FORMAT
      " before_last=%" G_GUINT64_FORMAT " largest_ctl=%" G_GUINT64_FORMAT
      " open=%" G_GUINT64_FORMAT " first_us=%" G_GINT64_FORMAT " last_us=%" G_GINT64_FORMAT
      " data_us=%" G_GINT64_FORMAT " ping_us=%" G_GINT64_FORMAT " pong_us=%" G_GINT64_FORMAT
      " resyncs=%u desynced=%d capped=%d\n",
      d->frames, d->frame_bytes, d->payload_bytes, d->messages, d->text_messages,
      d->binary_messages, d->compressed_messages, d->pings, d->pongs, d->closes,
      d->largest_message, d->last_message, d->largest_before_last, d->largest_control,
      d->open_message, d->first_frame_us, d->last_frame_us, d->last_data_us,
      d->last_ping_us, d->last_pong_us, d->resyncs, d->desynced, d->inflate_capped);
  for (int i = 0; i < 2; i++)
    {
      const ws_close_info *ci = &c->close[i];
      g_string_append_printf (s, "close[%d] seen=%d code=%d plen=%zu trunc=%d rlen=%zu reason=%s\n",
                              i, ci->seen, ci->code, ci->payload_len, ci->reason_truncated,
                              ci->reason_len, ci->reason ? ci->reason : "(null)");
    }
  g_string_append_printf (s, "initiator=%d limits=%u state=%d\n", c->close_initiator,
                          c->limits, c->frames[side].state);
  for (unsigned i = 0; i < c->n_violations; i++)
    g_string_append_printf (s, "viol %s side=%d off=%" G_GUINT64_FORMAT " '%s'\n",
                            ws_violation_name (c->violations[i].kind), c->violations[i].side,
                            c->violations[i].offset, c->violations[i].detail);
  return g_string_free (s, FALSE);
}

/* Feed data to one side: whole (step 0), or in pieces starting at split,
 * then every `step` bytes (step 1: byte by byte). */
static void
feed (ws_conn *c, int side, const uint8_t *d, size_t len, size_t split, size_t step)
{
  ws_frame_parser *p = &c->frames[side];
  if (step == 0)
    {
      if (split > 0 && split < len)
        {
          ws_frame_feed (p, d, split, TS);
          ws_frame_feed (p, d + split, len - split, TS);
        }
      else
        ws_frame_feed (p, d, len, TS);
      return;
    }
  for (size_t i = 0; i < len; i += step)
    ws_frame_feed (p, d + i, MIN (step, len - i), TS);
}

/* Run the input whole, split in two at every boundary (every split_step-th
 * boundary for big inputs) and byte by byte; all runs must agree.  Returns
 * the connection of the whole run. */
static ws_conn *
run_all_ways (const setup *s, int side, const GByteArray *in, size_t split_step)
{
  ws_conn *whole = conn_new (s);
  feed (whole, side, in->data, in->len, 0, 0);
  char *want = describe (whole, side);

  for (size_t cut = 1; cut < in->len; cut += split_step)
    {
      ws_conn *c = conn_new (s);
      feed (c, side, in->data, in->len, cut, 0);
      char *got = describe (c, side);
      if (g_strcmp0 (want, got) != 0)
        g_test_message ("split at %zu of %u", cut, in->len);
      g_assert_cmpstr (got, ==, want);
      g_free (got);
      ws_conn_free (c);
    }
  ws_conn *c = conn_new (s);
  feed (c, side, in->data, in->len, 0, 1);
  char *got = describe (c, side);
  g_assert_cmpstr (got, ==, want);
  g_free (got);
  ws_conn_free (c);
  g_free (want);
  return whole;
}

static const ws_violation *
find_violation (ws_conn *c, ws_violation_kind k, int side)
{
  for (unsigned i = 0; i < c->n_violations; i++)
    if (c->violations[i].kind == k && (int) c->violations[i].side == side)
      return &c->violations[i];
  return NULL;
}

static void
assert_no_violations (ws_conn *c)
{
  if (c->n_violations)
    g_test_message ("first violation: %s '%s'", ws_violation_name (c->violations[0].kind),
                    c->violations[0].detail);
  g_assert_cmpuint (c->n_violations, ==, 0);
}

static void
setup_limits (void)
{
  ws_settings_init (&tset);
  tset.limits.inflate = true; /* the tests measure inflated sizes */
  ws_ctx_clear (&tctx);
  ws_ctx_init (&tctx, &tset);
}

/* ---- UTF-8 and close codes ------------------------------------------------ */

static void
test_utf8_table (void)
{
  static const struct { const char *s; bool ok; } cases[] = {
    { "", true },
    { "plain ASCII text, longer than eight bytes", true },
    { "\xc2\x80", true },                 /* U+0080 */
    { "\xdf\xbf", true },                 /* U+07FF */
    { "\xe0\xa0\x80", true },             /* U+0800 */
    { "\xed\x9f\xbf", true },             /* U+D7FF */
    { "\xee\x80\x80", true },             /* U+E000 */
    { "\xef\xbf\xbf", true },             /* U+FFFF */
    { "\xf0\x90\x80\x80", true },         /* U+10000 */
    { "\xf4\x8f\xbf\xbf", true },         /* U+10FFFF */
    { "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e", true },
    { "\x80", false },                    /* lone continuation */
    { "\xc0\x80", false },                /* overlong NUL */
    { "\xc1\xbf", false },                /* overlong */
    { "\xe0\x9f\xbf", false },            /* overlong 3-byte */
    { "\xed\xa0\x80", false },            /* surrogate U+D800 */
    { "\xed\xbf\xbf", false },            /* surrogate U+DFFF */
    { "\xf0\x8f\xbf\xbf", false },        /* overlong 4-byte */
    { "\xf4\x90\x80\x80", false },        /* U+110000 */
    { "\xf5\x80\x80\x80", false },
    { "\xff", false },
    { "\xc3", false },                    /* truncated */
    { "\xe2\x82", false },
    { "abcdefgh\xe2\x28\xa1", false },
    { "abcdefghijklmnop\xc3\xa9\xc3", false },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const uint8_t *d = (const uint8_t *) cases[i].s;
      size_t len = strlen (cases[i].s);
      g_assert_cmpint (ws_utf8_valid (d, len), ==, cases[i].ok);
      /* the same answer however the text is cut */
      for (size_t cut = 0; cut <= len; cut++)
        {
          uint32_t st = ws_utf8_step (WS_UTF8_ACCEPT, d, cut);
          st = ws_utf8_step (st, d + cut, len - cut);
          g_assert_cmpint (st == WS_UTF8_ACCEPT, ==, cases[i].ok);
        }
    }
  /* REJECT is sticky */
  g_assert_cmpuint (ws_utf8_step (WS_UTF8_REJECT, (const uint8_t *) "abc", 3), ==, WS_UTF8_REJECT);
}

/* Against GLib's validator (an independent implementation) on random text
 * made mostly of bytes that matter: lead bytes, continuations, ASCII. */
static void
test_utf8_random (void)
{
  static const uint8_t pool[] = {
    'a', 'Z', ' ', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
    0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff
  };
  GRand *r = g_rand_new_with_seed (6455);
  uint8_t buf[100];
  for (int iter = 0; iter < 200000; iter++)
    {
      size_t len = g_rand_int_range (r, 0, sizeof buf);
      /* some texts are long ASCII runs with the odd special byte (the
       * validator's sixteen-byte path), the others dense */
      int ascii = iter % 3 == 0 ? 30 : 1;
      for (size_t i = 0; i < len; i++)
        buf[i] = g_rand_int_range (r, 0, ascii + 1) ? 'x' : pool[g_rand_int_range (r, 0, sizeof pool)];
      bool want = g_utf8_validate_len ((const char *) buf, len, NULL);
      g_assert_cmpint (ws_utf8_valid (buf, len), ==, want);
      /* the same in two and three pieces */
      size_t a = len ? g_rand_int_range (r, 0, len + 1) : 0;
      size_t b = a + (len > a ? g_rand_int_range (r, 0, len - a + 1) : 0);
      uint32_t st = ws_utf8_step (WS_UTF8_ACCEPT, buf, a);
      st = ws_utf8_step (st, buf + a, b - a);
      st = ws_utf8_step (st, buf + b, len - b);
      g_assert_cmpint (st == WS_UTF8_ACCEPT, ==, want);
    }
  g_rand_free (r);
}

/* ---- UTF-8: SIMD and scalar against GLib, with the offending byte ---------- */

/* What a validator should say about a text: well-formed, bad at some byte,
 * or a well-formed start that ends inside a character. */
enum { U_OK, U_BAD, U_CUT };

/* Is d[from..n) followed by at most three more bytes well-formed, given
 * that d[0..from) is well-formed text?  GLib is the judge; it takes NUL for
 * an error, so NUL bytes (ASCII for us) are asked as 0x01.  The endings
 * tried, 80, 90 or A0 then 80s, fit every lead byte's second-byte range. */
static bool
glib_prefix_ok (const uint8_t *d, size_t from, size_t n)
{
  uint8_t buf[16];
  size_t k = n - from;
  g_assert_cmpuint (k, <=, 4);
  for (size_t i = 0; i < k; i++)
    buf[i] = d[from + i] ? d[from + i] : 0x01;
  if (g_utf8_validate_len ((const char *) buf, k, NULL))
    return true;
  static const uint8_t second[] = { 0x80, 0x90, 0xa0 };
  for (size_t more = 1; more <= 3; more++)
    for (size_t s = 0; s < G_N_ELEMENTS (second); s++)
      {
        buf[k] = second[s];
        for (size_t j = 1; j < more; j++)
          buf[k + j] = 0x80;
        if (g_utf8_validate_len ((const char *) buf, k + more, NULL))
          return true;
      }
  return false;
}

/* The expected verdict on d[0..len), from GLib; *bad is the first byte that
 * no well-formed text could have there. */
static int
glib_verdict (const uint8_t *d, size_t len, size_t *bad)
{
  uint8_t *copy = g_malloc (len + 1);
  for (size_t i = 0; i < len; i++)
    copy[i] = d[i] ? d[i] : 0x01;
  const gchar *end;
  bool ok = g_utf8_validate_len ((const char *) copy, len, &end);
  size_t e = (size_t) ((const uint8_t *) end - copy);
  g_free (copy);
  *bad = 0;
  if (ok)
    return U_OK;
  /* d[0..e) is whole characters; the bad byte is in the one at e */
  for (size_t b = e; b < len && b < e + 4; b++)
    if (!glib_prefix_ok (d, e, b + 1))
      {
        *bad = b;
        return U_BAD;
      }
  g_assert_cmpuint (len - e, <, 4);
  return U_CUT;
}

static int
verdict_of (uint32_t st)
{
  return st == WS_UTF8_ACCEPT ? U_OK : st == WS_UTF8_REJECT ? U_BAD : U_CUT;
}

/* ws_utf8_scan over d[0..len) in pieces cut at the offsets in cuts (in
 * order, each <= len), carrying the state; the bad byte as an offset in d. */
static int
scan_pieces (const uint8_t *d, size_t len, const size_t *cuts, size_t ncuts, size_t *bad)
{
  uint32_t st = WS_UTF8_ACCEPT;
  size_t from = 0;
  *bad = 0;
  for (size_t i = 0; i <= ncuts; i++)
    {
      size_t to = i < ncuts ? cuts[i] : len;
      size_t b = 0;
      uint32_t prev = st;
      st = ws_utf8_scan (st, d + from, to - from, &b);
      if (st == WS_UTF8_REJECT && prev != WS_UTF8_REJECT)
        *bad = from + b;
      from = to;
    }
  return verdict_of (st);
}

static void
assert_verdict (const uint8_t *d, size_t len, int got, size_t bad, int want,
                size_t want_bad, const char *how)
{
  if (got == want && (want != U_BAD || bad == want_bad))
    return;
  GString *hex = g_string_new (NULL);
  for (size_t i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", d[i]);
  g_test_message ("%s: len=%zu verdict %d (want %d) bad %zu (want %zu): %s",
                  how, len, got, want, bad, want_bad, hex->str);
  g_string_free (hex, TRUE);
  g_assert_cmpint (got, ==, want);
  g_assert_cmpuint (bad, ==, want_bad);
}

/* Both validators (SIMD where there is one, and the scalar one) must give
 * GLib's verdict and bad byte: whole, cut in two at each offset in cuts,
 * and cut at all of them at once. */
static void
check_verdict (const uint8_t *text, size_t len, const size_t *cuts, size_t ncuts)
{
  size_t want_bad;
  int want = glib_verdict (text, len, &want_bad);
  /* a copy of exactly len bytes: a sanitizer sees a read past its end */
  uint8_t *d = g_malloc (len ? len : 1);
  memcpy (d, text, len);
  for (int simd = 1; simd >= 0; simd--)
    {
      ws_utf8_use_simd (simd);
      const char *how = simd ? "simd" : "scalar";
      size_t bad;
      int got = scan_pieces (d, len, NULL, 0, &bad);
      assert_verdict (d, len, got, bad, want, want_bad, how);
      g_assert_cmpint (ws_utf8_valid (d, len), ==, want == U_OK);
      for (size_t c = 0; c < ncuts; c++)
        {
          got = scan_pieces (d, len, cuts + c, 1, &bad);
          assert_verdict (d, len, got, bad, want, want_bad, how);
        }
      if (ncuts > 1)
        {
          got = scan_pieces (d, len, cuts, ncuts, &bad);
          assert_verdict (d, len, got, bad, want, want_bad, how);
        }
    }
  ws_utf8_use_simd (true);
  g_free (d);
}

/* Sequences, good and bad, to plant in text (RFC 3629 table 4 and its
 * edges); a 0 ends each. */
static const uint8_t utf8_snippets[][6] = {
  { 0xc2, 0x80 }, { 0xdf, 0xbf }, { 0xe0, 0xa0, 0x80 }, { 0xed, 0x9f, 0xbf },
  { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, { 0xf0, 0x90, 0x80, 0x80 },
  { 0xf3, 0xbf, 0xbf, 0xbf }, { 0xf4, 0x8f, 0xbf, 0xbf }, { 0x7f },
  /* overlong */
  { 0xc0, 0x80 }, { 0xc1, 0xbf }, { 0xe0, 0x80, 0x80 }, { 0xe0, 0x9f, 0xbf },
  { 0xf0, 0x80, 0x80, 0x80 }, { 0xf0, 0x8f, 0xbf, 0xbf },
  /* surrogates */
  { 0xed, 0xa0, 0x80 }, { 0xed, 0xbf, 0xbf },
  /* above U+10FFFF */
  { 0xf4, 0x90, 0x80, 0x80 }, { 0xf4, 0xbf, 0xbf, 0xbf }, { 0xf5, 0x80, 0x80, 0x80 },
  { 0xf7, 0xbf, 0xbf, 0xbf }, { 0xf8, 0x88, 0x80, 0x80, 0x80 }, { 0xfe }, { 0xff },
  /* truncated, then ASCII or a lead byte follows */
  { 0xc3 }, { 0xe2, 0x82 }, { 0xe2 }, { 0xf0, 0x9d, 0x84 }, { 0xf0, 0x9d },
  { 0xf0 }, { 0xc3, 0xc3, 0xa9 }, { 0xe2, 0x82, 0xe2, 0x82, 0xac },
  { 0xf0, 0x9d, 0x84, 0xf0, 0x9d, 0x84 },
  /* continuation bytes where none may be */
  { 0x80 }, { 0xbf }, { 0xc3, 0xa9, 0xa9 }, { 0xe2, 0x82, 0xac, 0x80 },
  { 0xf0, 0x9d, 0x84, 0x9e, 0x80 }, { 0x80, 0x80, 0x80, 0x80, 0x80 },
};

static size_t
snippet_len (const uint8_t *s)
{
  size_t n = 0;
  while (n < 6 && s[n])
    n++;
  return n;
}

/* Every lead byte, then every snippet, at every position of texts whose
 * lengths are on both sides of 16, 32 and 64 multiples, over ASCII and over
 * two-byte characters (so blocks are not skipped as ASCII); cut at every
 * boundary for the short ones and around the snippet and the block edges for
 * the others. */
static void
test_utf8_snippets (void)
{
  static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 34, 35, 47, 48, 63,
                                 64, 65, 66, 67, 95, 96, 97, 127, 128, 129, 130 };
  uint8_t sn[256][6];
  size_t nsn = 0;
  for (unsigned b = 0x80; b <= 0xff; b++)
    {
      memset (sn[nsn], 0, 6);
      sn[nsn][0] = (uint8_t) b;
      sn[nsn][1] = 'x';
      nsn++;
    }
  uint8_t text[200];
  size_t cuts[64];
  for (int filler = 0; filler < 2; filler++)
    for (size_t li = 0; li < G_N_ELEMENTS (lens); li++)
      for (size_t k = 0; k < nsn + G_N_ELEMENTS (utf8_snippets); k++)
        {
          const uint8_t *s = k < nsn ? sn[k] : utf8_snippets[k - nsn];
          size_t sl = snippet_len (s), L = lens[li];
          /* lead bytes alone: at a few positions only */
          size_t pstep = k < nsn ? 7 : 1;
          for (size_t p = 0; p <= L; p += pstep)
            {
              size_t n = 0;
              while (n < p)
                {
                  if (filler && n + 1 < p)
                    {
                      text[n++] = 0xc3;
                      text[n++] = 0xa9;
                    }
                  else
                    {
                      text[n] = (uint8_t) ('a' + n % 26);
                      n++;
                    }
                }
              memcpy (text + n, s, sl);
              n += sl;
              for (size_t j = p; j < L; j++)
                text[n++] = filler ? (uint8_t) "\xce\xbb"[(j - p) & 1] : 'z';
              if (filler && ((L - p) & 1))
                n--; /* do not end on half a character the filler made */
              size_t nc = 0;
              if (n <= 40)
                for (size_t c = 1; c < n; c++)
                  cuts[nc++] = c;
              else
                {
                  static const size_t edges[] = { 15, 16, 17, 31, 32, 33, 34, 35, 63, 64, 65 };
                  for (size_t c = p > 3 ? p - 3 : 1; c < n && c <= p + sl + 3; c++)
                    cuts[nc++] = c;
                  for (size_t e = 0; e < G_N_ELEMENTS (edges); e++)
                    if (edges[e] < n && edges[e] > cuts[nc - 1])
                      cuts[nc++] = edges[e];
                }
              check_verdict (text, n, cuts, nc);
            }
        }
}

/* Random texts, mostly ASCII with characters of every length and the odd
 * bad byte, at lengths up to a few blocks, cut in three at random. */
static void
test_utf8_random_simd (void)
{
  static const char *const chars[] = {
    "\xc3\xa9", "\xce\xbb", "\xe2\x82\xac", "\xe0\xa0\x80", "\xed\x9f\xbf",
    "\xef\xbf\xbf", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80"
  };
  static const uint8_t bad[] = { 0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe0, 0xed, 0xf0,
                                 0xf4, 0xf5, 0xff, 0xa0, 0x90, 0x8f, 0x00 };
  GRand *r = g_rand_new_with_seed (3629);
  uint8_t buf[400];
  for (int iter = 0; iter < 40000; iter++)
    {
      size_t want = g_rand_int_range (r, 0, 300);
      int nonascii = g_rand_int_range (r, 1, 60);   /* one in this many */
      bool spoil = g_rand_int_range (r, 0, 3) == 0;
      size_t n = 0;
      while (n < want)
        {
          if (g_rand_int_range (r, 0, nonascii) == 0)
            {
              const char *c = chars[g_rand_int_range (r, 0, G_N_ELEMENTS (chars))];
              size_t cl = strlen (c);
              memcpy (buf + n, c, cl);
              n += cl;
            }
          else
            buf[n++] = (uint8_t) g_rand_int_range (r, 0x20, 0x7f);
        }
      if (spoil && n)
        buf[g_rand_int_range (r, 0, n)] = bad[g_rand_int_range (r, 0, sizeof bad)];
      size_t cuts[2];
      cuts[0] = g_rand_int_range (r, 0, n + 1);
      cuts[1] = cuts[0] + g_rand_int_range (r, 0, n - cuts[0] + 1);
      check_verdict (buf, n, cuts, 2);
    }
  g_rand_free (r);
}

/* Every byte pair, every lead byte E0..FF with every two following bytes
 * from 80..BF or ASCII, and four-byte sequences at the range edges, placed
 * across the 16-byte lane and the 32-byte block boundaries: the SIMD answer
 * must be the scalar one (which the tests above hold to GLib). */
static void
verdict_simd_vs_scalar (const uint8_t *s, size_t sl)
{
  static const size_t at[] = { 14, 30, 31, 61 };
  uint8_t text[80];
  for (size_t a = 0; a < G_N_ELEMENTS (at); a++)
    {
      size_t n = at[a] + sl + 5;
      memset (text, 'q', sizeof text);
      memcpy (text + at[a], s, sl);
      size_t bad[2] = { 0, 0 };
      uint32_t st[2];
      for (int simd = 0; simd < 2; simd++)
        {
          ws_utf8_use_simd (simd);
          st[simd] = ws_utf8_scan (WS_UTF8_ACCEPT, text, n, &bad[simd]);
        }
      if (st[0] != st[1] || bad[0] != bad[1])
        g_test_message ("at %zu: %02x %02x %02x %02x (%zu bytes)", at[a], s[0],
                        sl > 1 ? s[1] : 0, sl > 2 ? s[2] : 0, sl > 3 ? s[3] : 0, sl);
      g_assert_cmpuint (st[1], ==, st[0]);
      g_assert_cmpuint (bad[1], ==, bad[0]);
    }
  ws_utf8_use_simd (true);
}

static void
test_utf8_exhaustive (void)
{
  uint8_t s[4];
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0; b < 256; b++)
      {
        s[0] = (uint8_t) a;
        s[1] = (uint8_t) b;
        verdict_simd_vs_scalar (s, 2);
      }
  for (unsigned a = 0xe0; a < 256; a++)
    for (unsigned b = 0x7f; b < 0xc0; b++)
      for (unsigned c = 0x7f; c < 0xc0; c++)
        {
          s[0] = (uint8_t) a;
          s[1] = (uint8_t) b;
          s[2] = (uint8_t) c;
          verdict_simd_vs_scalar (s, 3);
        }
  static const uint8_t edge[] = { 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0 };
  for (unsigned a = 0xf0; a < 0xf8; a++)
    for (size_t b = 0; b < sizeof edge; b++)
      for (size_t c = 0; c < sizeof edge; c++)
        for (size_t d = 0; d < sizeof edge; d++)
          {
            s[0] = (uint8_t) a;
            s[1] = edge[b];
            s[2] = edge[c];
            s[3] = edge[d];
            verdict_simd_vs_scalar (s, 4);
          }
}

/* The same through the frame parser: text messages masked (client) and not
 * (server), whole or in three fragments, fed whole, split at every byte and
 * byte by byte; the violation must name GLib's bad byte, with SIMD and
 * without. */
static void
test_utf8_frames (void)
{
  setup_limits ();
  GRand *r = g_rand_new_with_seed (6455);
  static const size_t lens[] = { 20, 31, 32, 33, 64, 65, 100, 131, 200 };
  for (size_t li = 0; li < G_N_ELEMENTS (lens); li++)
    for (int kind = 0; kind < 4; kind++)
      {
        uint8_t text[256];
        size_t n = lens[li];
        for (size_t i = 0; i < n; i++)
          text[i] = (uint8_t) ('a' + i % 26);
        for (size_t i = 3; i + 2 < n; i += 17)
          memcpy (text + i, "\xc3\xa9", 2);
        size_t at = g_rand_int_range (r, 0, n);
        if (kind == 1)
          text[at] = 0xff;
        else if (kind == 2 && at + 3 <= n)
          memcpy (text + at, "\xed\xa0\x80", 3);
        else if (kind == 3)
          text[n - 1] = 0xe2; /* ends inside a character */
        size_t want_bad;
        int want = glib_verdict (text, n, &want_bad);
        char *want_detail = want == U_BAD ? g_strdup_printf ("message 1, byte %zu", want_bad)
                          : want == U_CUT ? g_strdup_printf ("message 1, byte %zu (ends inside a character)", n)
                          : NULL;
        for (int side = WS_SIDE_CLIENT; side <= WS_SIDE_SERVER; side++)
          for (int frag = 0; frag < 2; frag++)
            for (int simd = 1; simd >= 0; simd--)
              {
                ws_utf8_use_simd (simd);
                GByteArray *in = g_byte_array_new ();
                bool masked = side == WS_SIDE_CLIENT;
                if (frag)
                  {
                    size_t a = n / 3, b = n - n / 4;
                    put_frame (in, 0, 0, 1, masked, text, a);
                    put_frame (in, 0, 0, 0, masked, text + a, b - a);
                    put_frame (in, 1, 0, 0, masked, text + b, n - b);
                  }
                else
                  put_frame (in, 1, 0, 1, masked, text, n);
                ws_conn *c = run_all_ways (NULL, side, in, 1);
                const ws_violation *v = find_violation (c, WS_VIOL_TEXT_NOT_UTF8, side);
                if (want_detail)
                  {
                    g_assert_nonnull (v);
                    g_assert_cmpstr (v->detail, ==, want_detail);
                  }
                else
                  g_assert_null (v);
                g_assert_cmpuint (c->dir[side].text_messages, ==, 1);
                ws_conn_free (c);
                g_byte_array_unref (in);
              }
        g_free (want_detail);
      }
  ws_utf8_use_simd (true);
  g_rand_free (r);
}

static void
test_close_codes (void)
{
  static const int ok[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                            1012, 1013, 1014, 3000, 3999, 4000, 4999 };
  static const int bad[] = { -1, 0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999,
                             5000, 65535 };
  for (size_t i = 0; i < G_N_ELEMENTS (ok); i++)
    g_assert_true (ws_close_code_valid_on_wire (ok[i]));
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (ws_close_code_valid_on_wire (bad[i]));
}

/* ---- framing ---------------------------------------------------------------- */

static void
test_lengths (void)
{
  setup_limits ();
  uint8_t big[70000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (uint8_t) (i * 7);
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 2, false, big, 5);          /* 2 + 5 */
  put_frame (in, 1, 0, 2, false, big, 200);        /* 4 + 200 */
  put_frame (in, 1, 0, 2, false, big, 70000);      /* 10 + 70000 */
  put_frame (in, 1, 0, 2, false, big, 126);        /* 4 + 126, the smallest 16-bit */
  put_frame (in, 1, 0, 2, false, big, 125);        /* 2 + 125, the largest 7-bit */
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 97);
  ws_dir_stats *d = &c->dir[WS_SIDE_SERVER];
  assert_no_violations (c);
  g_assert_cmpuint (d->frames, ==, 5);
  g_assert_cmpuint (d->payload_bytes, ==, 5 + 200 + 70000 + 126 + 125);
  g_assert_cmpuint (d->frame_bytes, ==, in->len);
  g_assert_cmpuint (d->frame_bytes, ==, 5 + 200 + 70000 + 126 + 125 + 2 + 4 + 10 + 4 + 2);
  g_assert_cmpuint (d->messages, ==, 5);
  g_assert_cmpuint (d->binary_messages, ==, 5);
  g_assert_cmpuint (d->largest_message, ==, 70000);
  g_assert_cmpuint (d->last_message, ==, 125);
  g_assert_cmpuint (d->largest_before_last, ==, 70000);
  g_assert_cmpuint (d->open_message, ==, 0);
  g_assert_cmpint (d->first_frame_us, ==, TS);
  g_assert_cmpint (d->last_data_us, ==, TS);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_lengths_not_minimal (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame_len (in, 1, 0, 1, true, "hello", 5, 16);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  const ws_violation *v = find_violation (c, WS_VIOL_LENGTH_NOT_MINIMAL, WS_SIDE_CLIENT);
  g_assert_nonnull (v);
  g_assert_cmpuint (v->offset, ==, 0);
  g_assert_cmpuint (c->dir[0].messages, ==, 1);
  g_assert_cmpuint (c->dir[0].last_message, ==, 5);
  ws_conn_free (c);

  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 0, 9, true, NULL, 0);
  put_frame_len (in, 1, 0, 2, true, "0123456789", 10, 64);
  c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  v = find_violation (c, WS_VIOL_LENGTH_NOT_MINIMAL, WS_SIDE_CLIENT);
  g_assert_nonnull (v);
  g_assert_cmpuint (v->offset, ==, 6);   /* after the 6-byte masked ping */
  g_assert_nonnull (strstr (v->detail, "64-bit"));
  g_assert_cmpuint (c->dir[0].frame_bytes, ==, 6 + 14 + 10);
  ws_conn_free (c);

  /* the boundaries: 125 in 16 bits and 65535 in 64 bits are not minimal,
   * 126 and 65536 are */
  static const struct { size_t n; int bits; bool bad; } edges[] = {
    { 125, 16, true }, { 126, 16, false }, { 65535, 64, true }, { 65536, 64, false },
  };
  uint8_t *pl = g_malloc0 (65536);
  for (size_t i = 0; i < G_N_ELEMENTS (edges); i++)
    {
      g_byte_array_set_size (in, 0);
      put_frame_len (in, 1, 0, 2, false, pl, edges[i].n, edges[i].bits);
      c = conn_new (NULL);
      feed (c, 1, in->data, in->len, 0, 0);
      g_assert_cmpint (find_violation (c, WS_VIOL_LENGTH_NOT_MINIMAL, 1) != NULL, ==, edges[i].bad);
      g_assert_cmpuint (c->dir[1].last_message, ==, edges[i].n);
      ws_conn_free (c);
    }
  g_free (pl);
  g_byte_array_unref (in);
}

/* A length near 2^63 is counted, never allocated. */
static void
test_lengths_huge (void)
{
  setup_limits ();
  uint8_t hdr[10] = { 0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
  uint8_t *chunk = g_malloc0 (1 << 20);
  ws_conn *c = conn_new (NULL);
  ws_frame_feed (&c->frames[1], hdr, sizeof hdr, TS);
  for (int i = 0; i < 16; i++)
    ws_frame_feed (&c->frames[1], chunk, 1 << 20, TS);
  ws_dir_stats *d = &c->dir[1];
  g_assert_cmpuint (d->frames, ==, 1);
  g_assert_cmpuint (d->payload_bytes, ==, 16u << 20);
  g_assert_cmpuint (d->open_message, ==, 16u << 20);
  g_assert_cmpuint (d->messages, ==, 0);
  g_assert_cmpint (c->frames[1].state, ==, WS_FP_PAYLOAD);
  assert_no_violations (c);
  ws_conn_free (c);

  /* a huge text frame: UTF-8 checked as it streams, still no allocation */
  memset (chunk, 'a', 1 << 20);
  hdr[0] = 0x81;
  c = conn_new (NULL);
  ws_frame_feed (&c->frames[1], hdr, sizeof hdr, TS);
  for (int i = 0; i < 4; i++)
    ws_frame_feed (&c->frames[1], chunk, 1 << 20, TS);
  assert_no_violations (c);
  ws_conn_free (c);

  /* top bit set: a violation; the length is taken as it is */
  uint8_t msb[10] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 5 };
  c = conn_new (NULL);
  ws_frame_feed (&c->frames[1], msb, sizeof msb, TS);
  ws_frame_feed (&c->frames[1], chunk, 4096, TS);
  g_assert_nonnull (find_violation (c, WS_VIOL_LENGTH_MSB_SET, 1));
  g_assert_cmpuint (c->dir[1].payload_bytes, ==, 4096);
  g_assert_cmpint (c->frames[1].state, ==, WS_FP_PAYLOAD);
  ws_conn_free (c);
  g_free (chunk);
}

static void
test_masking (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 1, false, "hi", 2);
  put_frame (in, 1, 0, 1, false, "again", 5);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  g_assert_cmpuint (c->n_violations, ==, 1);   /* recorded once */
  g_assert_nonnull (find_violation (c, WS_VIOL_UNMASKED_CLIENT_FRAME, WS_SIDE_CLIENT));
  g_assert_cmpuint (c->dir[0].messages, ==, 2);
  ws_conn_free (c);

  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 0, 2, true, "abc", 3);
  c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  g_assert_cmpuint (c->n_violations, ==, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_MASKED_SERVER_FRAME, WS_SIDE_SERVER));
  ws_conn_free (c);
  g_byte_array_unref (in);
}

/* A text message in three fragments, cut inside multi-byte characters, with
 * a ping between fragments (allowed, RFC 6455 5.4). */
static void
test_fragmented_text (void)
{
  setup_limits ();
  const char *text = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9d\x84\x9e!";
  size_t len = strlen (text);
  const char *euro = strstr (text, "\xe2\x82\xac");
  const char *clef = strstr (text, "\xf0\x9d\x84\x9e");
  size_t a = (size_t) (euro - text) + 1, b = (size_t) (clef - text) + 2;
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 0, 0, 1, true, text, a);
  put_frame (in, 1, 0, 9, true, "p", 1);
  put_frame (in, 0, 0, 0, true, text + a, b - a);
  put_frame (in, 1, 0, 0, true, text + b, len - b);
  put_frame (in, 1, 0, 2, true, "bin", 3);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  ws_dir_stats *d = &c->dir[0];
  assert_no_violations (c);
  g_assert_cmpuint (d->frames, ==, 5);
  g_assert_cmpuint (d->messages, ==, 2);
  g_assert_cmpuint (d->text_messages, ==, 1);
  g_assert_cmpuint (d->binary_messages, ==, 1);
  g_assert_cmpuint (d->pings, ==, 1);
  g_assert_cmpint (d->last_ping_us, ==, TS);
  g_assert_cmpuint (d->largest_control, ==, 1);
  g_assert_cmpuint (d->largest_message, ==, len);
  g_assert_cmpuint (d->largest_before_last, ==, len);
  g_assert_cmpuint (d->last_message, ==, 3);
  ws_conn_free (c);

  /* the same message left open: open_message is its size so far */
  g_byte_array_set_size (in, 0);
  put_frame (in, 0, 0, 1, true, text, a);
  put_frame (in, 0, 0, 0, true, text + a, b - a);
  c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  g_assert_cmpuint (c->dir[0].open_message, ==, b);
  g_assert_cmpuint (c->dir[0].messages, ==, 0);
  assert_no_violations (c);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_text_not_utf8 (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 1, true, "fine", 4);
  /* second message: the bad byte is at offset 9 (second fragment, offset 3) */
  put_frame (in, 0, 0, 1, true, "abcdef", 6);
  put_frame (in, 1, 0, 0, true, "g\xc3\xa9\xff", 4);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  const ws_violation *v = find_violation (c, WS_VIOL_TEXT_NOT_UTF8, WS_SIDE_CLIENT);
  g_assert_nonnull (v);
  g_assert_cmpstr (v->detail, ==, "message 2, byte 9");
  g_assert_cmpuint (c->dir[0].messages, ==, 2);
  ws_conn_free (c);

  /* ends inside a character */
  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 0, 1, false, "abc\xe2\x82", 5);
  c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  v = find_violation (c, WS_VIOL_TEXT_NOT_UTF8, WS_SIDE_SERVER);
  g_assert_nonnull (v);
  g_assert_nonnull (strstr (v->detail, "message 1, byte 5"));
  ws_conn_free (c);

  /* binary is not checked; nor is text when checking is off */
  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 0, 2, false, "\xff\xfe", 2);
  c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  assert_no_violations (c);
  ws_conn_free (c);
  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 0, 1, false, "\xff\xfe", 2);
  tset.limits.check_utf8 = false;
  c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  assert_no_violations (c);
  g_assert_cmpuint (c->dir[1].text_messages, ==, 1);
  ws_conn_free (c);
  setup_limits ();
  g_byte_array_unref (in);
}

/* ---- close frames ----------------------------------------------------------- */

static void
test_close_code_reason (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_close (in, false, 1001, "going away", 10);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  ws_close_info *ci = &c->close[WS_SIDE_SERVER];
  assert_no_violations (c);
  g_assert_true (ci->seen);
  g_assert_cmpint (ci->code, ==, 1001);
  g_assert_cmpstr (ci->reason, ==, "going away");
  g_assert_cmpuint (ci->reason_len, ==, 10);
  g_assert_cmpuint (ci->payload_len, ==, 12);
  g_assert_false (ci->reason_truncated);
  g_assert_cmpint (ci->ts_us, ==, TS);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_SERVER);
  g_assert_cmpuint (c->dir[1].closes, ==, 1);
  g_assert_false (c->close[WS_SIDE_CLIENT].seen);

  /* the client echoes: the initiator stays the server */
  GByteArray *echo = g_byte_array_new ();
  put_close (echo, true, 1001, "", 0);
  ws_frame_feed (&c->frames[WS_SIDE_CLIENT], echo->data, echo->len, TS + 5);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_SERVER);
  g_assert_true (c->close[0].seen);
  g_assert_cmpint (c->close[0].code, ==, 1001);
  g_assert_null (c->close[0].reason);
  g_assert_cmpint (c->close[0].ts_us, ==, TS + 5);
  ws_conn_free (c);
  g_byte_array_unref (echo);

  /* a second close frame from the same side changes nothing recorded */
  g_byte_array_set_size (in, 0);
  put_close (in, true, 4000, "app", 3);
  put_close (in, true, 1000, "", 0);
  c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  g_assert_cmpint (c->close[0].code, ==, 4000);
  g_assert_cmpstr (c->close[0].reason, ==, "app");
  g_assert_cmpuint (c->dir[0].closes, ==, 2);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_CLIENT);
  assert_no_violations (c);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_close_empty (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_close (in, true, -1, NULL, 0);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  assert_no_violations (c);
  g_assert_true (c->close[0].seen);
  g_assert_cmpint (c->close[0].code, ==, -1);
  g_assert_null (c->close[0].reason);
  g_assert_cmpuint (c->close[0].payload_len, ==, 0);
  g_assert_cmpint (ws_conn_close_code (c), ==, 1005);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_close_one_byte (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 8, false, "\x03", 1);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_CLOSE_ONE_BYTE, WS_SIDE_SERVER));
  g_assert_true (c->close[1].seen);
  g_assert_cmpint (c->close[1].code, ==, -1);
  g_assert_cmpuint (c->close[1].payload_len, ==, 1);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

/* Like the zeek corpus's oversized-close-frame: 258 bytes of close payload. */
static void
test_close_oversized (void)
{
  setup_limits ();
  char reason[2000];
  memset (reason, 'C', sizeof reason);
  GByteArray *in = g_byte_array_new ();
  put_close (in, false, 1000, reason, 256);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  ws_close_info *ci = &c->close[1];
  const ws_violation *v = find_violation (c, WS_VIOL_CONTROL_TOO_LONG, WS_SIDE_SERVER);
  g_assert_nonnull (v);
  g_assert_nonnull (strstr (v->detail, "258"));
  g_assert_cmpuint (c->n_violations, ==, 1);
  g_assert_cmpint (ci->code, ==, 1000);
  g_assert_cmpuint (ci->payload_len, ==, 258);
  g_assert_cmpuint (ci->reason_len, ==, 256);
  g_assert_false (ci->reason_truncated);
  g_assert_cmpuint (strspn (ci->reason, "C"), ==, 256);
  g_assert_cmpuint (c->dir[1].largest_control, ==, 258);
  ws_conn_free (c);

  /* longer than we keep: cut at max_close_reason bytes of payload */
  g_byte_array_set_size (in, 0);
  put_close (in, false, 1000, reason, 1998);
  c = run_all_ways (NULL, WS_SIDE_SERVER, in, 53);
  ci = &c->close[1];
  g_assert_cmpuint (ci->payload_len, ==, 2000);
  g_assert_cmpuint (ci->reason_len, ==, 1024 - 2);
  g_assert_true (ci->reason_truncated);
  ws_conn_free (c);

  /* a cut inside a character drops the partial character */
  char r2[300];
  memset (r2, 'x', sizeof r2);
  r2[121] = (char) 0xe2; r2[122] = (char) 0x82; r2[123] = (char) 0xac;  /* cap 125 - 2 = 123 */
  tset.limits.max_close_reason = 10;     /* below 125: 125 is kept anyway */
  g_byte_array_set_size (in, 0);
  put_close (in, false, 1000, r2, sizeof r2);
  c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  ci = &c->close[1];
  g_assert_true (ci->reason_truncated);
  g_assert_cmpuint (ci->reason_len, ==, 121);
  g_assert_null (find_violation (c, WS_VIOL_CLOSE_REASON_NOT_UTF8, 1));
  ws_conn_free (c);
  setup_limits ();
  g_byte_array_unref (in);
}

static void
test_close_invalid (void)
{
  static const int codes[] = { 1005, 1006, 999, 1015, 2999, 5000 };
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  for (size_t i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_byte_array_set_size (in, 0);
      put_close (in, true, codes[i], "x", 1);
      ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
      const ws_violation *v = find_violation (c, WS_VIOL_CLOSE_CODE_INVALID, 0);
      g_assert_nonnull (v);
      g_assert_cmpint (c->close[0].code, ==, codes[i]);
      char *want = g_strdup_printf ("code %d", codes[i]);
      g_assert_cmpstr (v->detail, ==, want);
      g_free (want);
      ws_conn_free (c);
    }
  g_byte_array_set_size (in, 0);
  put_close (in, true, 1007, "bad \xc3\x28", 6);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_CLOSE_REASON_NOT_UTF8, 0));
  g_assert_null (find_violation (c, WS_VIOL_CLOSE_CODE_INVALID, 0));
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_after_close (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_close (in, false, 1000, "", 0);
  put_frame (in, 1, 0, 1, false, "late", 4);
  put_frame (in, 1, 0, 2, false, "later", 5);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  const ws_violation *v = find_violation (c, WS_VIOL_DATA_AFTER_CLOSE, 1);
  g_assert_nonnull (v);
  g_assert_cmpuint (v->offset, ==, 4);
  g_assert_cmpuint (c->n_violations, ==, 1);
  g_assert_cmpuint (c->dir[1].messages, ==, 2);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_ping_pong (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 9, false, "12345678", 8);
  put_frame (in, 1, 0, 10, false, "", 0);
  put_frame (in, 1, 0, 10, false, "ab", 2);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  assert_no_violations (c);
  g_assert_cmpuint (c->dir[1].pings, ==, 1);
  g_assert_cmpuint (c->dir[1].pongs, ==, 2);
  g_assert_cmpuint (c->dir[1].largest_control, ==, 8);
  g_assert_cmpuint (c->dir[1].messages, ==, 0);
  g_assert_cmpint (c->dir[1].last_data_us, ==, 0);
  ws_conn_free (c);

  /* distinct timestamps per frame */
  c = conn_new (NULL);
  uint8_t ping[2] = { 0x89, 0 }, pong[2] = { 0x8a, 0 }, txt[3] = { 0x81, 1, 'x' };
  ws_frame_feed (&c->frames[1], txt, 3, 100);
  ws_frame_feed (&c->frames[1], ping, 2, 200);
  ws_frame_feed (&c->frames[1], pong, 2, 300);
  g_assert_cmpint (c->dir[1].first_frame_us, ==, 100);
  g_assert_cmpint (c->dir[1].last_data_us, ==, 100);
  g_assert_cmpint (c->dir[1].last_ping_us, ==, 200);
  g_assert_cmpint (c->dir[1].last_pong_us, ==, 300);
  g_assert_cmpint (c->dir[1].last_frame_us, ==, 300);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_control_violations (void)
{
  setup_limits ();
  char big[200];
  memset (big, 'p', sizeof big);
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 9, true, big, 200);
  put_frame (in, 0, 0, 10, true, "x", 1);
  put_frame (in, 1, 0, 1, true, "ok", 2);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_CONTROL_TOO_LONG, 0));
  g_assert_nonnull (find_violation (c, WS_VIOL_CONTROL_FRAGMENTED, 0));
  g_assert_cmpuint (c->n_violations, ==, 2);
  g_assert_cmpuint (c->dir[0].largest_control, ==, 200);
  g_assert_cmpuint (c->dir[0].messages, ==, 1);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_unknown_opcodes (void)
{
  setup_limits ();
  for (unsigned op = 3; op <= 15; op++)
    {
      if (op >= 8 && op <= 10)
        continue;
      GByteArray *in = g_byte_array_new ();
      put_frame (in, 1, 0, op, false, "junk payload", 12);
      put_frame (in, 1, 0, 1, false, "after", 5);
      ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
      const ws_violation *v = find_violation (c, WS_VIOL_UNKNOWN_OPCODE, 1);
      g_assert_nonnull (v);
      char *want = g_strdup_printf ("opcode %u", op);
      g_assert_cmpstr (v->detail, ==, want);
      g_free (want);
      g_assert_cmpuint (c->n_violations, ==, 1);
      g_assert_cmpuint (c->dir[1].frames, ==, 2);
      g_assert_cmpuint (c->dir[1].messages, ==, 1);
      g_assert_cmpuint (c->dir[1].last_message, ==, 5);
      ws_conn_free (c);
      g_byte_array_unref (in);
    }
}

static void
test_rsv (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  /* RSV1 without permessage-deflate; no UTF-8 noise on top */
  put_frame (in, 1, 4, 1, false, "\xff\x00", 2);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_SERVER, in, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_RSV_NOT_NEGOTIATED, 1));
  g_assert_cmpuint (c->n_violations, ==, 1);
  ws_conn_free (c);

  for (unsigned rsv = 1; rsv <= 2; rsv++)
    {
      setup s = { .pmd = true };
      g_byte_array_set_size (in, 0);
      put_frame (in, 1, rsv, 2, true, "x", 1);
      c = run_all_ways (&s, WS_SIDE_CLIENT, in, 1);
      g_assert_nonnull (find_violation (c, WS_VIOL_RSV_NOT_NEGOTIATED, 0));
      ws_conn_free (c);
    }

  setup s = { .pmd = true };
  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 4, 9, false, "", 0);
  put_frame (in, 0, 0, 2, false, "ab", 2);
  put_frame (in, 1, 4, 0, false, "cd", 2);
  c = run_all_ways (&s, WS_SIDE_SERVER, in, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_RSV1_ON_CONTROL, 1));
  g_assert_nonnull (find_violation (c, WS_VIOL_RSV1_ON_CONTINUATION, 1));
  g_assert_null (find_violation (c, WS_VIOL_RSV_NOT_NEGOTIATED, 1));
  g_assert_cmpuint (c->dir[1].last_message, ==, 4);
  ws_conn_free (c);

  /* mid-stream, the handshake unseen: RSV1 may be deflate we did not see */
  setup mid = { .midstream = true };
  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 4, 1, false, "\x8a\x01", 2);
  c = run_all_ways (&mid, WS_SIDE_SERVER, in, 1);
  assert_no_violations (c);
  g_assert_cmpuint (c->dir[1].compressed_messages, ==, 1);
  g_assert_cmpuint (c->dir[1].last_message, ==, 2);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_fragmentation_violations (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 0, true, "orphan", 6);
  put_frame (in, 0, 0, 1, true, "abc", 3);
  put_frame (in, 1, 0, 2, true, "new", 3);
  put_frame (in, 1, 0, 0, true, "x", 1);
  ws_conn *c = run_all_ways (NULL, WS_SIDE_CLIENT, in, 1);
  const ws_violation *v = find_violation (c, WS_VIOL_CONTINUATION_WITHOUT_START, 0);
  g_assert_nonnull (v);
  g_assert_cmpuint (v->offset, ==, 0);
  v = find_violation (c, WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED, 0);
  g_assert_nonnull (v);
  g_assert_cmpuint (v->offset, ==, 12 + 9);
  /* the abandoned text message is not counted; the binary one is */
  g_assert_cmpuint (c->dir[0].messages, ==, 1);
  g_assert_cmpuint (c->dir[0].binary_messages, ==, 1);
  g_assert_cmpuint (c->dir[0].last_message, ==, 3);
  g_assert_cmpuint (c->n_violations, ==, 2);  /* the last orphan adds none */
  ws_conn_free (c);
  g_byte_array_unref (in);
}

/* 100k one-byte fragments: no allocation per fragment, linear time. */
static void
test_tiny_fragments (void)
{
  setup_limits ();
  const size_t n = 100000;
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 0, 0, 1, true, "a", 1);
  for (size_t i = 1; i < n - 1; i++)
    put_frame (in, 0, 0, 0, true, "a", 1);
  put_frame (in, 1, 0, 0, true, "a", 1);
  for (int step = 0; step <= 1; step++)
    {
      ws_conn *c = conn_new (NULL);
      feed (c, 0, in->data, in->len, 0, (size_t) step);
      assert_no_violations (c);
      g_assert_cmpuint (c->dir[0].frames, ==, n);
      g_assert_cmpuint (c->dir[0].messages, ==, 1);
      g_assert_cmpuint (c->dir[0].last_message, ==, n);
      g_assert_cmpuint (c->dir[0].frame_bytes, ==, in->len);
      g_assert_null (c->frames[0].ctl);
      g_assert_null (c->frames[0].inf);
      ws_conn_free (c);
    }
  g_byte_array_unref (in);
}

/* ---- permessage-deflate ------------------------------------------------------ */

static const char *const msgs[] = {
  "Hello, permessage-deflate! Hello, permessage-deflate! Hello again.",
  "Hello, permessage-deflate! This one refers back to the first message.",
  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e -- UTF-8 after inflating",
};

static void
put_deflated (GByteArray *in, z_stream *zs, bool masked, unsigned op, const char *m,
              size_t len, bool fragment)
{
  GByteArray *z = deflate_msg (zs, m, len);
  if (fragment && z->len >= 2)
    {
      size_t half = z->len / 2;
      put_frame (in, 0, 4, op, masked, z->data, half);
      put_frame (in, 1, 0, 0, masked, z->data + half, z->len - half);
    }
  else
    put_frame (in, 1, 4, op, masked, z->data, z->len);
  g_byte_array_unref (z);
}

static void
check_deflate_run (bool takeover)
{
  setup_limits ();
  z_stream zs;
  deflater_init (&zs);
  GByteArray *in = g_byte_array_new ();
  for (size_t i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      put_deflated (in, &zs, true, 1, msgs[i], strlen (msgs[i]), i == 1);
      if (!takeover)
        deflateReset (&zs);
    }
  /* an uncompressed message between compressed ones */
  put_frame (in, 1, 0, 2, true, "plain", 5);
  put_deflated (in, &zs, true, 2, msgs[0], strlen (msgs[0]), false);
  deflateEnd (&zs);

  setup s = { .pmd = true, .client_nct = !takeover };
  ws_conn *c = run_all_ways (&s, WS_SIDE_CLIENT, in, 1);
  ws_dir_stats *d = &c->dir[0];
  assert_no_violations (c);
  g_assert_cmpuint (d->messages, ==, 5);
  g_assert_cmpuint (d->compressed_messages, ==, 4);
  g_assert_cmpuint (d->text_messages, ==, 3);
  g_assert_cmpuint (d->largest_message, ==, strlen (msgs[1]));
  g_assert_cmpuint (d->last_message, ==, strlen (msgs[0]));
  g_assert_cmpuint (d->largest_before_last, ==, strlen (msgs[1]));
  g_assert_false (d->inflate_capped);
  g_assert_cmpuint (c->limits, ==, 0);
  ws_conn_free (c);

  /* the takeover stream read as if each message stood alone fails, which
   * shows the context is really carried over */
  if (takeover)
    {
      setup wrong = { .pmd = true, .client_nct = true };
      c = run_all_ways (&wrong, WS_SIDE_CLIENT, in, 7);
      g_assert_nonnull (find_violation (c, WS_VIOL_INFLATE_ERROR, 0));
      g_assert_cmpuint (c->dir[0].messages, ==, 5);
      ws_conn_free (c);
    }
  g_byte_array_unref (in);
}

static void
test_deflate_takeover (void)
{
  check_deflate_run (true);
}

static void
test_deflate_no_takeover (void)
{
  check_deflate_run (false);
}

/* A server whose compressor marks each message final (BFINAL, RFC 7692
 * 7.2.3.4) while keeping its window: Z_FINISH and a dictionary carry-over. */
static void
test_deflate_bfinal (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  uint8_t window[32768];
  size_t wlen = 0;
  for (size_t i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      z_stream zs;
      deflater_init (&zs);
      if (wlen)
        g_assert_cmpint (deflateSetDictionary (&zs, window, (uInt) wlen), ==, Z_OK);
      uint8_t out[4096];
      zs.next_in = (Bytef *) msgs[i];
      zs.avail_in = (uInt) strlen (msgs[i]);
      zs.next_out = out;
      zs.avail_out = sizeof out;
      g_assert_cmpint (deflate (&zs, Z_FINISH), ==, Z_STREAM_END);
      put_frame (in, 1, 4, 1, false, out, sizeof out - zs.avail_out);
      deflateEnd (&zs);
      memcpy (window + wlen, msgs[i], strlen (msgs[i]));
      wlen += strlen (msgs[i]);
    }
  setup s = { .pmd = true };
  ws_conn *c = run_all_ways (&s, WS_SIDE_SERVER, in, 1);
  assert_no_violations (c);
  g_assert_cmpuint (c->dir[1].messages, ==, 3);
  g_assert_cmpuint (c->dir[1].last_message, ==, strlen (msgs[2]));
  g_assert_cmpuint (c->dir[1].largest_message, ==, strlen (msgs[1]));
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_deflate_bad_utf8 (void)
{
  setup_limits ();
  z_stream zs;
  deflater_init (&zs);
  GByteArray *in = g_byte_array_new ();
  const char bad[] = "0123456789\xed\xa0\x80 surrogate";
  put_deflated (in, &zs, false, 1, bad, sizeof bad - 1, false);
  deflateEnd (&zs);
  setup s = { .pmd = true };
  ws_conn *c = run_all_ways (&s, WS_SIDE_SERVER, in, 1);
  const ws_violation *v = find_violation (c, WS_VIOL_TEXT_NOT_UTF8, 1);
  g_assert_nonnull (v);
  g_assert_cmpstr (v->detail, ==, "message 1, byte 11");
  g_assert_cmpuint (c->dir[1].last_message, ==, sizeof bad - 1);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

static void
test_deflate_garbage (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  /* BTYPE 11 is reserved: inflate must fail */
  put_frame (in, 1, 4, 2, true, "\xff\xff\xff\xff", 4);
  put_frame (in, 1, 4, 2, true, "\x07\x07", 2);
  setup s = { .pmd = true };
  ws_conn *c = run_all_ways (&s, WS_SIDE_CLIENT, in, 1);
  g_assert_nonnull (find_violation (c, WS_VIOL_INFLATE_ERROR, 0));
  g_assert_cmpuint (c->n_violations, ==, 1);
  g_assert_cmpuint (c->dir[0].messages, ==, 2);
  /* not inflatable: sizes are wire sizes */
  g_assert_cmpuint (c->dir[0].largest_before_last, ==, 4);
  g_assert_cmpuint (c->dir[0].last_message, ==, 2);
  g_assert_true (c->frames[0].inf_failed);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

/* 10 MB of zeros deflate to about 10 KB; the cap stops the inflating. */
static GByteArray *
bomb (z_stream *zs)
{
  uint8_t *zeros = g_malloc0 (1 << 20);
  GByteArray *out = g_byte_array_new ();
  uint8_t buf[65536];
  for (int i = 0; i < 10; i++)
    {
      zs->next_in = zeros;
      zs->avail_in = 1 << 20;
      do
        {
          zs->next_out = buf;
          zs->avail_out = sizeof buf;
          deflate (zs, i == 9 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
          g_byte_array_append (out, buf, (guint) (sizeof buf - zs->avail_out));
        }
      while (zs->avail_out == 0);
    }
  g_free (zeros);
  g_assert_cmpmem (out->data + out->len - 4, 4, "\x00\x00\xff\xff", 4);
  g_byte_array_set_size (out, out->len - 4);
  return out;
}

static void
check_bomb (bool takeover)
{
  setup_limits ();
  z_stream zs;
  deflater_init (&zs);
  GByteArray *z = bomb (&zs);
  g_assert_cmpuint (z->len, <, 20000);
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 4, 2, true, z->data, z->len);
  if (!takeover)
    deflateReset (&zs);
  size_t before = in->len;
  put_deflated (in, &zs, true, 1, msgs[0], strlen (msgs[0]), false);
  size_t second_wire = in->len - before - 6;   /* 2-byte header, mask key */
  deflateEnd (&zs);

  tset.limits.max_inflate_bytes = 256 * 1024;
  setup s = { .pmd = true, .client_nct = !takeover };
  gint64 t0 = g_get_monotonic_time ();
  ws_conn *c = run_all_ways (&s, WS_SIDE_CLIENT, in, 61);
  g_test_message ("bomb, all ways: %.2f s", (g_get_monotonic_time () - t0) / 1e6);
  ws_dir_stats *d = &c->dir[0];
  g_assert_true (d->inflate_capped);
  g_assert_true (c->limits & WS_LIMIT_INFLATE);
  g_assert_cmpuint (tctx.cnt.inflate_limit_hits, >, 0);
  g_assert_cmpuint (d->messages, ==, 2);
  g_assert_cmpuint (d->largest_before_last, ==, 256 * 1024);
  if (takeover)
    {
      /* the context is lost: the next message is measured on the wire */
      g_assert_cmpuint (d->last_message, ==, second_wire);
      g_assert_true (c->frames[0].inf_failed);
    }
  else
    g_assert_cmpuint (d->last_message, ==, strlen (msgs[0]));
  assert_no_violations (c);
  ws_conn_free (c);
  setup_limits ();
  g_byte_array_unref (z);
  g_byte_array_unref (in);
}

static void
test_deflate_bomb_takeover (void)
{
  check_bomb (true);
}

static void
test_deflate_bomb_no_takeover (void)
{
  check_bomb (false);
}

static void
test_deflate_inflater_limit (void)
{
  setup_limits ();
  tset.limits.max_inflaters = 0;
  z_stream zs;
  deflater_init (&zs);
  GByteArray *z = deflate_msg (&zs, msgs[0], strlen (msgs[0]));
  deflateEnd (&zs);
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 4, 1, false, z->data, z->len);
  setup s = { .pmd = true };
  ws_conn *c = run_all_ways (&s, WS_SIDE_SERVER, in, 1);
  g_assert_true (c->limits & WS_LIMIT_INFLATERS);
  g_assert_cmpuint (tctx.cnt.inflater_limit_hits, >, 0);
  g_assert_cmpuint (c->dir[1].last_message, ==, z->len);
  g_assert_null (c->frames[1].inf);
  assert_no_violations (c);
  ws_conn_free (c);
  setup_limits ();
  g_byte_array_unref (z);
  g_byte_array_unref (in);
}

/* ---- gaps -------------------------------------------------------------------- */

static void
test_gap_in_payload (void)
{
  setup_limits ();
  uint8_t body[1000];
  /* the bytes after the hole are continuation bytes: read from there
   * they are not UTF-8, so checking must stop at the hole */
  memset (body, 'a', 100);
  memset (body + 100, 0x80, sizeof body - 100);
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 1, false, body, sizeof body);   /* header 4 bytes */
  size_t after = in->len;
  put_frame (in, 1, 0, 2, false, "ok", 2);

  for (int step = 0; step <= 1; step++)
    {
      ws_conn *c = conn_new (NULL);
      ws_frame_parser *p = &c->frames[1];
      feed (c, 1, in->data, 4 + 100, 0, (size_t) step);
      ws_frame_gap (p, 800, TS);
      feed (c, 1, in->data + 904, in->len - 904, 0, (size_t) step);
      ws_dir_stats *d = &c->dir[1];
      g_assert_false (d->desynced);
      g_assert_cmpuint (d->messages, ==, 2);
      g_assert_cmpuint (d->largest_message, ==, 1000);
      g_assert_cmpuint (d->payload_bytes, ==, 1002);
      g_assert_cmpuint (d->frame_bytes, ==, in->len);
      g_assert_cmpuint (p->offset, ==, in->len);
      assert_no_violations (c);

      /* a gap that ends exactly at the end of a payload */
      feed (c, 1, in->data, 10, 0, (size_t) step);
      ws_frame_gap (p, after - 10, TS);
      g_assert_cmpint (p->state, ==, WS_FP_HEADER);
      g_assert_cmpuint (d->messages, ==, 3);
      ws_conn_free (c);
    }
  g_byte_array_unref (in);
}

static void
check_gap_deflate (bool takeover)
{
  setup_limits ();
  z_stream zs;
  deflater_init (&zs);
  char text[3000];
  for (size_t i = 0; i < sizeof text; i++)
    text[i] = (char) ('a' + (i * i) % 23);
  GByteArray *first = deflate_msg (&zs, text, sizeof text);
  if (!takeover)
    deflateReset (&zs);
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 4, 1, false, first->data, first->len);
  size_t hdr = first->len < 126 ? 2 : 4;
  size_t second_at = in->len;
  put_deflated (in, &zs, false, 1, msgs[0], strlen (msgs[0]), false);
  deflateEnd (&zs);

  setup s = { .pmd = true, .server_nct = !takeover };
  ws_conn *c = conn_new (&s);
  ws_frame_parser *p = &c->frames[1];
  ws_frame_feed (p, in->data, hdr + 10, TS);
  ws_frame_gap (p, 20, TS);
  ws_frame_feed (p, in->data + hdr + 30, in->len - hdr - 30, TS);
  ws_dir_stats *d = &c->dir[1];
  g_assert_false (d->desynced);
  g_assert_cmpuint (d->messages, ==, 2);
  g_assert_cmpuint (d->largest_before_last, ==, first->len);   /* wire size */
  if (takeover)
    g_assert_cmpuint (d->last_message, ==, in->len - second_at - 2);
  else
    g_assert_cmpuint (d->last_message, ==, strlen (msgs[0]));
  assert_no_violations (c);
  ws_conn_free (c);
  g_byte_array_unref (first);
  g_byte_array_unref (in);
}

static void
test_gap_deflate_takeover (void)
{
  check_gap_deflate (true);
}

static void
test_gap_deflate_no_takeover (void)
{
  check_gap_deflate (false);
}

static void
test_gap_resync (void)
{
  setup_limits ();
  uint8_t body[300];
  memset (body, 'b', sizeof body);
  GByteArray *a = g_byte_array_new (), *b = g_byte_array_new (), *junk = g_byte_array_new ();
  put_frame (a, 1, 0, 2, true, body, 300);
  put_frame (a, 1, 0, 1, true, "first", 5);
  put_frame (b, 1, 0, 0, true, "tail", 4);   /* ends a message begun in the hole */
  put_frame (b, 1, 0, 1, true, "resynced", 8);
  put_frame (b, 1, 0, 9, true, "", 0);
  put_frame (b, 0, 0, 1, true, "xy", 2);
  /* middle of a payload: ASCII text bytes, not a header */
  g_byte_array_append (junk, (const guint8 *) "payload text, not a frame", 25);

  ws_conn *c = conn_new (NULL);
  ws_frame_parser *p = &c->frames[0];
  ws_frame_feed (p, a->data, a->len - 3, TS);   /* stops inside "first" */
  ws_frame_gap (p, 50, TS);
  ws_dir_stats *d = &c->dir[0];
  g_assert_true (d->desynced);
  g_assert_cmpint (p->state, ==, WS_FP_DESYNC);
  g_assert_cmpuint (d->open_message, ==, 0);
  ws_frame_feed (p, junk->data, junk->len, TS);
  g_assert_true (d->desynced);
  g_assert_cmpuint (d->resyncs, ==, 0);
  /* one byte that could start a header is not enough to resync on */
  ws_frame_feed (p, b->data, 1, TS);
  g_assert_true (d->desynced);
  ws_frame_feed (p, b->data, b->len, TS);
  g_assert_false (d->desynced);
  g_assert_cmpuint (d->resyncs, ==, 1);
  /* binary 300, "resynced"; the "tail" message is not counted */
  g_assert_cmpuint (d->messages, ==, 2);
  g_assert_cmpuint (d->last_message, ==, 8);
  g_assert_cmpuint (d->pings, ==, 1);
  g_assert_cmpuint (d->open_message, ==, 2);
  assert_no_violations (c);
  g_assert_cmpuint (p->offset, ==, a->len - 3 + 50 + junk->len + 1 + b->len);

  /* a gap inside a header */
  ws_conn_free (c);
  c = conn_new (NULL);
  p = &c->frames[0];
  d = &c->dir[0];
  ws_frame_feed (p, a->data, 3, TS);
  ws_frame_gap (p, 1, TS);
  g_assert_true (d->desynced);
  /* a chunk whose first frame is unmasked does not fit a client */
  GByteArray *unmasked = g_byte_array_new ();
  put_frame (unmasked, 1, 0, 1, false, "nope", 4);
  ws_frame_feed (p, unmasked->data, unmasked->len, TS);
  g_assert_true (d->desynced);
  ws_frame_feed (p, b->data, 7, TS);     /* header + part of "resynced" */
  g_assert_false (d->desynced);
  ws_frame_feed (p, b->data + 7, b->len - 7, TS);
  g_assert_cmpuint (d->messages, ==, 1);
  g_assert_cmpuint (d->last_message, ==, 8);
  assert_no_violations (c);
  ws_conn_free (c);

  g_byte_array_unref (unmasked);
  g_byte_array_unref (a);
  g_byte_array_unref (b);
  g_byte_array_unref (junk);
}

/* A hole inside a close reason: the reason keeps what came before it. */
static void
test_gap_in_close (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_close (in, false, 1001, "server shutting down", 20);   /* 2-byte header */
  ws_conn *c = conn_new (NULL);
  ws_frame_feed (&c->frames[1], in->data, 2 + 2 + 6, TS);    /* code, "server" */
  ws_frame_gap (&c->frames[1], 3, TS);
  ws_frame_feed (&c->frames[1], in->data + 13, in->len - 13, TS);
  ws_close_info *ci = &c->close[1];
  g_assert_true (ci->seen);
  g_assert_cmpint (ci->code, ==, 1001);
  g_assert_cmpstr (ci->reason, ==, "server");
  g_assert_true (ci->reason_truncated);
  g_assert_cmpuint (ci->payload_len, ==, 22);
  g_assert_false (c->dir[1].desynced);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

/* A hole between frames in a context-takeover stream: what was lost may have
 * been a compressed message, so later ones are no longer inflated. */
static void
test_gap_between_deflate (void)
{
  setup_limits ();
  z_stream zs;
  deflater_init (&zs);
  GByteArray *a = g_byte_array_new (), *b = g_byte_array_new ();
  put_deflated (a, &zs, false, 1, msgs[0], strlen (msgs[0]), false);
  GByteArray *lost = g_byte_array_new ();
  put_deflated (lost, &zs, false, 1, msgs[1], strlen (msgs[1]), false);
  put_deflated (b, &zs, false, 1, msgs[0], strlen (msgs[0]), false);
  deflateEnd (&zs);
  setup s = { .pmd = true };
  ws_conn *c = conn_new (&s);
  ws_frame_feed (&c->frames[1], a->data, a->len, TS);
  ws_frame_gap (&c->frames[1], lost->len, TS);
  ws_frame_feed (&c->frames[1], b->data, b->len, TS);
  ws_dir_stats *d = &c->dir[1];
  g_assert_cmpuint (d->resyncs, ==, 1);
  g_assert_cmpuint (d->messages, ==, 2);
  g_assert_cmpuint (d->largest_before_last, ==, strlen (msgs[0]));
  g_assert_cmpuint (d->last_message, ==, b->len - 2);   /* wire size */
  assert_no_violations (c);
  ws_conn_free (c);
  g_byte_array_unref (a);
  g_byte_array_unref (b);
  g_byte_array_unref (lost);
}

/* conn.c starts a connection seen mid-stream in DESYNC: finding the first
 * header then is not a resync after a loss. */
static void
test_midstream_start (void)
{
  setup_limits ();
  GByteArray *in = g_byte_array_new ();
  put_frame (in, 1, 0, 0, false, "end of an earlier message", 25);
  put_frame (in, 1, 0, 1, false, "next", 4);
  setup s = { .midstream = true };
  ws_conn *c = conn_new (&s);
  c->frames[1].state = WS_FP_DESYNC;
  ws_frame_feed (&c->frames[1], in->data + 5, in->len - 5, TS);  /* not a header */
  g_assert_cmpuint (c->dir[1].frames, ==, 0);
  ws_frame_feed (&c->frames[1], in->data, in->len, TS);
  g_assert_cmpuint (c->dir[1].resyncs, ==, 0);
  g_assert_false (c->dir[1].desynced);
  g_assert_cmpuint (c->dir[1].frames, ==, 2);
  g_assert_cmpuint (c->dir[1].messages, ==, 1);
  g_assert_cmpuint (c->dir[1].last_message, ==, 4);
  assert_no_violations (c);
  ws_conn_free (c);
  g_byte_array_unref (in);
}

/* Random bytes, random chunking and random gaps: must not crash, and the
 * counters must stay consistent. */
static void
test_garbage (void)
{
  setup_limits ();
  GRand *r = g_rand_new_with_seed (7692);
  uint8_t buf[512];
  for (int iter = 0; iter < 3000; iter++)
    {
      setup s = { .pmd = g_rand_boolean (r), .client_nct = g_rand_boolean (r) };
      ws_conn *c = conn_new (&s);
      int side = g_rand_int_range (r, 0, 2);
      for (int k = 0; k < 8; k++)
        {
          size_t len = g_rand_int_range (r, 0, sizeof buf);
          for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t) g_rand_int (r);
          if (len && g_rand_boolean (r))
            buf[0] = (uint8_t) (0x80 | (g_rand_int_range (r, 0, 3) == 0 ? 0x40 : 0)
                                | g_rand_int_range (r, 0, 3));
          ws_frame_feed (&c->frames[side], buf, len, TS);
          if (g_rand_int_range (r, 0, 4) == 0)
            ws_frame_gap (&c->frames[side], g_rand_int_range (r, 1, 1000), TS);
        }
      ws_dir_stats *d = &c->dir[side];
      g_assert_cmpuint (d->frame_bytes, >=, d->payload_bytes);
      g_assert_cmpuint (d->frame_bytes, >=, 2 * d->frames);
      ws_conn_free (c);
    }
  g_rand_free (r);
}

/* ---- probe ------------------------------------------------------------------- */

static void
test_probe (void)
{
  GByteArray *in = g_byte_array_new ();
  bool masked = false;

  put_frame (in, 1, 0, 1, true, "hello", 5);
  g_assert_true (ws_frame_probe (in->data, in->len, &masked));
  g_assert_true (masked);
  put_frame (in, 1, 0, 9, true, "", 0);
  g_assert_true (ws_frame_probe (in->data, in->len, &masked));
  /* every strict prefix is not a whole number of frames */
  for (size_t cut = 1; cut < in->len; cut++)
    if (cut != 11)   /* 11: exactly the first frame */
      g_assert_false (ws_frame_probe (in->data, cut, &masked));
  g_assert_true (ws_frame_probe (in->data, 11, &masked));

  g_byte_array_set_size (in, 0);
  put_frame (in, 1, 4, 2, false, "zz", 2);  /* plausible RSV1 */
  put_frame (in, 1, 0, 10, false, "", 0);
  g_assert_true (ws_frame_probe (in->data, in->len, &masked));
  g_assert_false (masked);

  /* mixed masking */
  put_frame (in, 1, 0, 2, true, "m", 1);
  g_assert_false (ws_frame_probe (in->data, in->len, &masked));

  static const struct { const char *d; size_t len; } no[] = {
    { "", 0 },
    { "GET / HTTP/1.1\r\n\r\n", 18 },
    { "\x83\x00", 2 },               /* opcode 3 */
    { "\x8b\x00", 2 },               /* opcode 11 */
    { "\xa1\x00", 2 },               /* RSV2 */
    { "\xc9\x00", 2 },               /* RSV1 on a ping */
    { "\x09\x00", 2 },               /* fragmented ping */
    { "\x00\x00", 2 },               /* empty non-final continuation */
    { "\x81\x7e\x00\x05hello", 9 },  /* non-minimal 16-bit */
    { "\x81\x05hell", 6 },           /* short */
    { "\x81\x05helloX", 8 },         /* trailing byte */
  };
  for (size_t i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_false (ws_frame_probe ((const uint8_t *) no[i].d, no[i].len, &masked));
  /* a close frame over 125 bytes is not plausible */
  g_byte_array_set_size (in, 0);
  char big[200] = { 0 };
  put_frame (in, 1, 0, 8, false, big, 200);
  g_assert_false (ws_frame_probe (in->data, in->len, &masked));
  g_byte_array_unref (in);
}


/* ws_frame_chain: what a real peer writes walks to the end; reserved
 * opcodes, long or fragmented control frames, non-minimal lengths, mixed
 * masking and a new message inside an open one do not.  The resumable walk,
 * given the bytes one at a time, agrees with the walk over all of them. */
static void
test_chain (void)
{
  static const struct { bool ok; unsigned frames; } want[] = {
    { true, 4 }, { false, 0 }, { false, 0 }, { false, 0 }, { false, 0 }, { false, 0 }, { true, 2 },
  };
  GByteArray *in[G_N_ELEMENTS (want)];

  for (size_t i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = g_byte_array_new ();
  /* a continuation first (a message begun before), then text, ping, close */
  put_frame (in[0], 1, 0, 0, true, "tail", 4);
  put_frame (in[0], 0, 0, 1, true, "fragment", 8);
  put_frame (in[0], 1, 0, 9, true, "p", 1);
  put_frame (in[0], 1, 0, 0, true, "end", 3);
  put_frame (in[0], 1, 0, 8, true, "\x03\xe8", 2);   /* 5 frames, the last cut below */
  g_byte_array_set_size (in[0], in[0]->len - 1);
  put_frame (in[1], 1, 0, 3, false, "x", 1);           /* reserved opcode */
  put_frame (in[2], 1, 0, 9, false, "x", 1);
  put_frame (in[2], 0, 0, 10, false, "x", 1);          /* fragmented pong */
  put_frame (in[3], 1, 0, 2, false, "ab", 2);
  put_frame (in[3], 1, 0, 2, true, "ab", 2);           /* masking changes */
  put_frame (in[4], 0, 0, 1, false, "ab", 2);
  put_frame (in[4], 1, 0, 1, false, "cd", 2);          /* new message in an open one */
  put_frame_len (in[5], 1, 0, 2, false, "ab", 2, 16);  /* 16-bit length for 2 */
  put_frame (in[6], 1, 4, 1, false, "compressed?", 11); /* RSV1 on text: deflate unseen */
  put_frame (in[6], 1, 0, 8, false, "", 0);

  for (size_t i = 0; i < G_N_ELEMENTS (in); i++)
    {
      unsigned frames;
      int masked;
      int r = ws_frame_chain (in[i]->data, in[i]->len, &frames, &masked);
      g_assert_cmpint (r, ==, want[i].ok ? 0 : -1);
      if (want[i].ok)
        g_assert_cmpuint (frames, ==, want[i].frames);
      ws_frame_chain_state st;
      int rs = 0;
      ws_frame_chain_init (&st);
      for (size_t n = 1; n <= in[i]->len && rs == 0; n++)
        rs = ws_frame_chain_walk (&st, in[i]->data, n, n);
      g_assert_cmpint (rs, ==, r);
      if (want[i].ok)
        g_assert_cmpuint (st.frames, ==, frames);
      g_byte_array_unref (in[i]);
    }
}

/* Feed one mid-stream connection (no SYN) its segments, then end it. */
static ws_conn *
midstream_conn (GPtrArray *segs, const int *sides)
{
  ws_conn *c = ws_conn_new (&tctx);

  c->addr[0].addr[0] = 1;
  c->addr[1].addr[0] = 2;
  for (guint i = 0; i < segs->len; i++)
    {
      GByteArray *b = g_ptr_array_index (segs, i);
      /* the connection may have swapped its sides: follow the addresses, as
       * tcp.c does */
      int s = c->addr[0].addr[0] == 1 ? sides[i] : 1 - sides[i];
      c->dir[s].tcp_bytes += b->len;
      ws_conn_data (c, s, b->data, b->len, TS + i);
    }
  ws_conn_end (c);
  return c;
}

/* Was it taken for WebSocket? */
static bool
midstream_is_ws (GPtrArray *segs, const int *sides)
{
  ws_conn *c = midstream_conn (segs, sides);
  bool ws;

  ws = c->kind == WS_KIND_WEBSOCKET;
  ws_conn_free (c);
  return ws;
}

/* Cut b into segments of at most 1448 bytes, all from side s. */
static void
add_segments (GPtrArray *segs, int *sides, const GByteArray *b, int s)
{
  for (guint off = 0; off < b->len; off += 1448)
    {
      GByteArray *seg = g_byte_array_new ();
      g_byte_array_append (seg, b->data + off, MIN (1448, b->len - off));
      sides[segs->len] = s;
      g_ptr_array_add (segs, seg);
    }
}

/* Frames longer than may be held, and a capture that began inside a long
 * message: the bytes past the cap are counted, the walk goes on after the
 * frame, and the record's counts are those of every byte. */
static void
test_midstream_long_frames (void)
{
  GPtrArray *segs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  int sides[1024];
  GByteArray *b = g_byte_array_new ();
  size_t big = 300 * 1024;
  uint8_t *payload = g_malloc0 (big);
  ws_conn *c;

  setup_limits ();
  memset (payload, 'a', big);
  /* the server: 200 KB of the tail of a message begun before the capture
   * (no frame starts in it), then a text frame in a segment of its own */
  g_byte_array_set_size (b, 141 * 1448);
  for (guint i = 0; i < b->len; i++)
    b->data[i] = (uint8_t) (i * 7 + 1);
  put_frame (b, 1, 0, 1, false, "after the tail", 14);
  add_segments (segs, sides, b, 1);
  /* the client: one 300 KiB text frame, then a close */
  g_byte_array_set_size (b, 0);
  put_frame (b, 1, 0, 1, true, payload, big);
  put_frame (b, 1, 0, 8, true, "\x03\xe8", 2);
  add_segments (segs, sides, b, 0);
  /* the server's echo */
  g_byte_array_set_size (b, 0);
  put_frame (b, 1, 0, 8, false, "\x03\xe8", 2);
  add_segments (segs, sides, b, 1);

  c = midstream_conn (segs, sides);
  g_assert_cmpint (c->kind, ==, WS_KIND_WEBSOCKET);
  g_assert_true (c->midstream);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].frames, ==, 2);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].largest_message, ==, big);
  g_assert_cmpuint (c->dir[WS_SIDE_CLIENT].gaps, ==, 0);
  g_assert_cmpuint (c->dir[WS_SIDE_SERVER].frames, ==, 2);
  g_assert_true (c->close[WS_SIDE_CLIENT].seen);
  g_assert_cmpint (c->close[WS_SIDE_CLIENT].code, ==, 1000);
  g_assert_true (c->close[WS_SIDE_SERVER].seen);
  g_assert_cmpint (c->close_initiator, ==, WS_SIDE_CLIENT);
  ws_conn_free (c);
  g_ptr_array_unref (segs);
  g_byte_array_unref (b);
  g_free (payload);
}

/* Random byte streams seen mid-stream, both directions, random segment
 * counts and lengths (short ones, which read as frames most easily, and
 * full-sized ones): none may come out as a WebSocket connection.  The figure
 * is printed. */
static void
test_midstream_random_streams (void)
{
  setup_limits ();
  GRand *r = g_rand_new_with_seed (13);
  unsigned n = 10000, false_ws = 0;
  int sides[40];

  for (unsigned i = 0; i < n; i++)
    {
      GPtrArray *segs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
      unsigned k = (unsigned) g_rand_int_range (r, 1, 40);
      unsigned maxlen = g_rand_boolean (r) ? 24 : 1460;
      for (unsigned j = 0; j < k; j++)
        {
          GByteArray *b = g_byte_array_new ();
          unsigned len = (unsigned) g_rand_int_range (r, 1, (gint32) maxlen + 1);
          for (unsigned m = 0; m < len; m++)
            {
              uint8_t v = (uint8_t) g_rand_int (r);
              g_byte_array_append (b, &v, 1);
            }
          sides[j] = g_rand_int_range (r, 0, 2);
          g_ptr_array_add (segs, b);
        }
      if (midstream_is_ws (segs, sides))
        false_ws++;
      g_ptr_array_unref (segs);
    }
  g_rand_free (r);
  g_test_message ("random streams taken for WebSocket: %u of %u", false_ws, n);
  g_assert_cmpuint (false_ws, ==, 0);
}

/* Segments: the tail of an earlier frame from the server, then a text
 * frame each way and a close each way (n of these four); masks[k] for the
 * k-th frame. */
static GPtrArray *
four_frames (unsigned n, const bool masks[4])
{
  GPtrArray *segs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  GByteArray *b = g_byte_array_new ();

  g_byte_array_append (b, (const uint8_t *) "tail of a frame", 15);
  g_ptr_array_add (segs, b);
  for (unsigned k = 0; k < n; k++)
    {
      b = g_byte_array_new ();
      if (k < 2)
        put_frame (b, 1, 0, 1, masks[k], "hello", 5);
      else
        put_frame (b, 1, 0, 8, masks[k], "\x03\xe8", 2);
      g_ptr_array_add (segs, b);
    }
  return segs;
}

/* The same path does recognise real frames mid-stream, the tail of an
 * earlier frame before them skipped; but not with the masking peers do not
 * write, nor on too few frames. */
static void
test_midstream_frames_recognised (void)
{
  static const int sides[5] = { 1, 0, 1, 0, 1 };   /* client frames masked */
  static const bool right[4] = { true, false, true, false };
  static const bool all_masked[4] = { true, true, true, true };
  static const bool swapped[4] = { false, true, false, true };
  GPtrArray *segs;

  setup_limits ();
  segs = four_frames (4, right);
  g_assert_true (midstream_is_ws (segs, sides));
  g_ptr_array_unref (segs);
  /* no SYN, so the masked side is taken for the client whichever it was */
  segs = four_frames (4, swapped);
  g_assert_true (midstream_is_ws (segs, sides));
  g_ptr_array_unref (segs);
  segs = four_frames (4, all_masked);
  g_assert_false (midstream_is_ws (segs, sides));
  g_ptr_array_unref (segs);
  segs = four_frames (2, right);   /* two frames: not enough */
  g_assert_false (midstream_is_ws (segs, sides));
  g_ptr_array_unref (segs);
}

/* ---- the parser alone, through its callbacks ------------------------------- */

typedef struct {
  GPtrArray *msgs;            /* "side opcode size wire inflated ts: head" */
  GString *chunks;            /* message_chunk bytes, all messages */
  unsigned closes, violations, starts, frames, controls;
  int close_code;
  char close_reason[64];
} cb_log;

static void
cb_violation (void *ud, int side, ws_violation_kind k, int64_t ts_us, uint64_t offset,
              const char *fmt, va_list ap)
{
  (void) side, (void) k, (void) ts_us, (void) offset, (void) fmt, (void) ap;
  ((cb_log *) ud)->violations++;
}

static void
cb_close (void *ud, int side, const ws_frame_close *cl)
{
  cb_log *l = ud;
  (void) side;
  l->closes++;
  l->close_code = cl->code;
  g_snprintf (l->close_reason, sizeof l->close_reason, "%.*s", (int) cl->reason_len,
              (const char *) cl->reason);
}

static void
cb_frame (void *ud, int side, unsigned op, bool fin, uint64_t n, int64_t ts_us)
{
  (void) side, (void) op, (void) fin, (void) n, (void) ts_us;
  ((cb_log *) ud)->frames++;
}

static void
cb_start (void *ud, int side, unsigned op, bool compressed, int64_t ts_us)
{
  (void) side, (void) op, (void) compressed, (void) ts_us;
  ((cb_log *) ud)->starts++;
}

static void
cb_chunk (void *ud, int side, const uint8_t *d, size_t n)
{
  (void) side;
  g_string_append_len (((cb_log *) ud)->chunks, (const char *) d, (gssize) n);
}

static void
cb_end (void *ud, const ws_frame_message *m)
{
  cb_log *l = ud;
  g_ptr_array_add (l->msgs, g_strdup_printf ("%d %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                                             " %d %" G_GINT64_FORMAT ": %.*s",
                                             m->side, m->opcode, m->size, m->wire_size,
                                             m->inflated, (gint64) (m->ts_us - TS),
                                             (int) m->head_len, (const char *) m->head));
}

static void
cb_control (void *ud, int side, unsigned op, uint64_t n, int64_t ts_us)
{
  (void) side, (void) op, (void) n, (void) ts_us;
  ((cb_log *) ud)->controls++;
}

static const ws_frame_callbacks log_callbacks = {
  .violation = cb_violation, .close = cb_close, .frame = cb_frame,
  .message_start = cb_start, .message_chunk = cb_chunk, .message_end = cb_end,
  .control = cb_control,
};

/* No ws_conn anywhere: the parser reports what it reads through its
 * callbacks, its counters and its head of each message (unmasked, and
 * inflated when the message was compressed and inflating is on). */
static void
test_callbacks_alone (void)
{
  ws_limits lim;
  ws_limits_init_defaults (&lim);
  lim.inflate = true;
  ws_pmd pmd = { .enabled = true, .server_max_window_bits = 15, .client_max_window_bits = 15 };
  ws_pmd_stats inflaters = { 0 };
  ws_frame_stats st[2] = { { 0 } };
  cb_log log = { .msgs = g_ptr_array_new_with_free_func (g_free), .chunks = g_string_new (NULL) };
  ws_frame_parser p[2];
  for (int s = 0; s < 2; s++)
    {
      ws_frame_env env = { .cb = &log_callbacks, .ud = &log, .limits = &lim, .pmd = &pmd,
                           .inflaters = &inflaters, .stats = &st[s], .head_max = 8 };
      ws_frame_parser_init (&p[s], &env, s);
    }

  /* client: a masked text message in two fragments, a ping between them */
  GByteArray *c = g_byte_array_new ();
  put_frame (c, 0, 0, 1, true, "hello ", 6);
  put_frame (c, 1, 0, 9, true, "p", 1);
  put_frame (c, 1, 0, 0, true, "world", 5);
  /* server: a compressed binary message, then a close */
  GByteArray *sv = g_byte_array_new ();
  z_stream zs;
  deflater_init (&zs);
  static const char big[] = "compressed payload, compressed payload, compressed payload";
  GByteArray *z = deflate_msg (&zs, big, sizeof big - 1);
  put_frame (sv, 1, 4, 2, false, z->data, z->len);
  put_close (sv, false, 1001, "going away", 10);
  ws_frame_feed (&p[0], c->data, c->len, TS + 1);
  ws_frame_feed (&p[1], sv->data, 3, TS + 2);   /* split inside the header */
  ws_frame_feed (&p[1], sv->data + 3, sv->len - 3, TS + 3);

  g_assert_cmpuint (log.msgs->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log.msgs, 0), ==, "0 1 11 11 0 1: hello wo");
  char *want = g_strdup_printf ("1 2 %zu %u 1 3: compress", sizeof big - 1, z->len);
  g_assert_cmpstr (g_ptr_array_index (log.msgs, 1), ==, want);
  g_free (want);
  /* every byte of both messages, unmasked and inflated, in order */
  g_assert_cmpstr (log.chunks->str, ==, "hello world" "compressed payload, compressed payload, compressed payload");
  g_assert_cmpuint (log.starts, ==, 2);
  g_assert_cmpuint (log.frames, ==, 5);
  g_assert_cmpuint (log.controls, ==, 1);
  g_assert_cmpuint (log.closes, ==, 1);
  g_assert_cmpint (log.close_code, ==, 1001);
  g_assert_cmpstr (log.close_reason, ==, "going away");
  g_assert_cmpuint (log.violations, ==, 0);
  g_assert_cmpuint (st[0].messages, ==, 1);
  g_assert_cmpuint (st[0].pings, ==, 1);
  g_assert_cmpuint (st[1].compressed_messages, ==, 1);
  g_assert_cmpuint (st[1].largest_message, ==, sizeof big - 1);
  g_assert_cmpuint (inflaters.live, ==, 1);

  /* an unmasked client frame is a violation, reported through the callback */
  GByteArray *bad = g_byte_array_new ();
  put_frame (bad, 1, 0, 2, false, "x", 1);
  ws_frame_feed (&p[0], bad->data, bad->len, TS + 4);
  g_assert_cmpuint (log.violations, ==, 1);

  for (int s = 0; s < 2; s++)
    ws_frame_parser_clear (&p[s]);
  g_assert_cmpuint (inflaters.live, ==, 0);
  deflateEnd (&zs);
  g_byte_array_unref (bad);
  g_byte_array_unref (z);
  g_byte_array_unref (c);
  g_byte_array_unref (sv);
  g_string_free (log.chunks, TRUE);
  g_ptr_array_unref (log.msgs);
}


/* ---- inflating later (wsframe.c): the same results as inflating at once -- */

typedef struct {
  GString *v;                 /* "side kind ts offset detail" per violation, in order */
  GString *f;                 /* frame headers read */
  GString *m;                 /* messages ended: sizes, flags, head */
  unsigned limits;
} lazy_log;

static void
lz_violation (void *ud, int side, ws_violation_kind k, int64_t ts_us, uint64_t offset,
              const char *fmt, va_list ap)
{
  lazy_log *l = ud;
  char d[128] = "";
  if (fmt)
    g_vsnprintf (d, sizeof d, fmt, ap);
  g_string_append_printf (l->v, "%d %d %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %s\n",
                          side, (int) k, ts_us, offset, d);
}

static void
lz_close (void *ud, int side, const ws_frame_close *cl)
{
  (void) ud, (void) side, (void) cl;
}

static void
lz_limit (void *ud, int side, unsigned which)
{
  (void) side;
  ((lazy_log *) ud)->limits += which;
}

static void
lz_frame (void *ud, int side, unsigned op, bool fin, uint64_t n, int64_t ts_us)
{
  lazy_log *l = ud;
  g_string_append_printf (l->f, "F %d %u %d %lu %ld\n", side, op, fin, (unsigned long) n, (long) ts_us);
}

static void
lz_message_end (void *ud, const ws_frame_message *m)
{
  lazy_log *l = ud;
  g_string_append_printf (l->m, "M %d %u %ld %lu %lu %d %d %d ", m->side, m->opcode,
                          (long) m->ts_us, (unsigned long) m->size, (unsigned long) m->wire_size,
                          m->compressed, m->inflated, m->capped);
  for (size_t i = 0; i < m->head_len; i++)
    g_string_append_printf (l->m, "%02x", m->head[i]);
  g_string_append_c (l->m, '\n');
}

static const ws_frame_callbacks lazy_callbacks = {
  .violation = lz_violation, .close = lz_close, .limit = lz_limit, .frame = lz_frame,
  .message_end = lz_message_end,
};

/* Two directions of random messages: compressed text and binary (with and
 * without context takeover), some text not UTF-8 inside the compression,
 * some corrupt deflate, plain messages between, fragmented, fed in random
 * pieces alternating between the sides; with a hole or not. */
static void
lazy_streams (GRand *r, GByteArray *out[2], bool takeover[2])
{
  for (int s = 0; s < 2; s++)
    {
      z_stream zs;
      deflater_init (&zs);
      out[s] = g_byte_array_new ();
      int n = g_rand_int_range (r, 1, 12);
      for (int i = 0; i < n; i++)
        {
          size_t len = (size_t) g_rand_int_range (r, 1, 3000);
          char *m = g_malloc (len + 1);
          for (size_t j = 0; j < len; j++)
            m[j] = "abcdefgh {}\":,0123"[g_rand_int_range (r, 0, 18)];
          int kind = g_rand_int_range (r, 0, 20);
          if (kind == 0 && len > 10)
            m[len / 2] = (char) 0xff;             /* not UTF-8, found only inflated */
          unsigned op = g_rand_boolean (r) ? 1 : 2;
          bool masked = s == 0;
          if (kind == 1)
            put_frame (out[s], 1, 0, op, masked, m, len); /* plain */
          else
            {
              GByteArray *z = deflate_msg (&zs, m, len);
              if (kind == 2 && z->len > 4)
                z->data[z->len / 2] ^= 0x5a;      /* corrupt: an inflate error, maybe */
              if (!takeover[s])
                deflateReset (&zs);
              size_t cut = z->len > 2 && g_rand_boolean (r) ? z->len / 2 : z->len;
              put_frame (out[s], cut == z->len, 4, op, masked, z->data, cut);
              if (cut < z->len)
                put_frame (out[s], 1, 0, 0, masked, z->data + cut, z->len - cut);
              g_byte_array_unref (z);
            }
          g_free (m);
        }
      deflateEnd (&zs);
    }
}

typedef struct {
  lazy_log log;
  ws_frame_stats st[2];
  ws_frame_parser p[2];
  ws_pmd_stats inflaters;
  ws_limits lim;
  ws_pmd pmd;
} lazy_run;

static void
test_lazy_same_as_eager (void)
{
  GRand *r = g_rand_new_with_seed (18);
  unsigned differed_unsettled = 0, with_viol = 0;
  uint64_t whole_used = 0;
  for (int round = 0; round < 300; round++)
    {
      lazy_run *a = g_new0 (lazy_run, 1);
      bool takeover[2] = { g_rand_boolean (r), g_rand_boolean (r) };
      GByteArray *in[2];
      lazy_streams (r, in, takeover);
      guint32 seed = g_rand_int (r);
      int hole = g_rand_int_range (r, -2, 2);
      ws_pmd pmd = { .enabled = true, .server_max_window_bits = 15, .client_max_window_bits = 15,
                     .client_no_context_takeover = !takeover[0],
                     .server_no_context_takeover = !takeover[1] };
      /* pass 0: the reference, every message inflated as it comes with zlib
       * alone; 1: inflated later, all replayed (a message inflated whole
       * where it can be); 2: inflated later, dropped; 3: as it comes, with
       * heads wanted, messages held and inflated whole where they can be */
      for (int pass = 0; pass < 4; pass++)
        {
          lazy_run *x = g_new0 (lazy_run, 1);
          x->log.v = g_string_new (NULL);
          x->log.f = g_string_new (NULL);
          x->log.m = g_string_new (NULL);
          ws_limits_init_defaults (&x->lim);
          x->lim.inflate = true;
          x->lim.inflate_lazy = pass == 1 || pass == 2;
          x->inflaters.zlib_only = pass == 0;
          x->pmd = pmd;
          for (int s = 0; s < 2; s++)
            {
              ws_frame_env env = { .cb = &lazy_callbacks, .ud = &x->log, .limits = &x->lim,
                                   .pmd = &x->pmd, .inflaters = &x->inflaters, .stats = &x->st[s],
                                   .peer = &x->p[1 - s],
                                   .head_max = pass == 0 || pass == 3 ? 64 : 0 };
              ws_frame_parser_init (&x->p[s], &env, s);
            }
          GRand *f = g_rand_new_with_seed (seed);
          size_t pos[2] = { 0, 0 };
          int64_t ts = TS;
          int h = hole;
          while (pos[0] < in[0]->len || pos[1] < in[1]->len)
            {
              int s = g_rand_int_range (f, 0, 2);
              if (pos[s] >= in[s]->len)
                s = 1 - s;
              size_t k = (size_t) g_rand_int_range (f, 1, 700); /* MIN evaluates twice */
              k = MIN (k, in[s]->len - pos[s]);
              ts += g_rand_int_range (f, 0, 3);
              if (h == s && pos[s] < in[s]->len / 2 && pos[s] + k >= in[s]->len / 2)
                {
                  ws_frame_gap (&x->p[s], k, ts);
                  h = -1;
                }
              else
                ws_frame_feed (&x->p[s], in[s]->data + pos[s], k, ts);
              pos[s] += k;
            }
          g_rand_free (f);
          ws_frame_lazy_settle (&x->p[0], pass != 2);
          if (pass == 0)
            {
              for (int s = 0; s < 2; s++)
                ws_frame_parser_clear (&x->p[s]);
              *a = *x;
              g_free (x);
              if (a->log.v->len)
                with_viol++;
              continue;
            }
          /* inflated later: every size, counter and violation the same */
          lazy_run *e = a;
          if (pass == 3)
            g_assert_cmpstr (x->log.m->str, ==, e->log.m->str); /* sizes, heads */
          if (pass == 1 || pass == 3)
            {
              g_assert_cmpstr (x->log.f->str, ==, e->log.f->str);
              g_assert_cmpstr (x->log.v->str, ==, e->log.v->str);
              g_assert_cmpuint (x->log.limits, ==, e->log.limits);
              for (int s = 0; s < 2; s++)
                g_assert_cmpmem (&x->st[s], sizeof x->st[s], &e->st[s], sizeof e->st[s]);
            }
          else
            {
              /* dropped: sizes of compressed messages stay wire sizes, marked;
               * the counters the same */
              for (int s = 0; s < 2; s++)
                {
                  ws_frame_stats u, v;
                  memcpy (&u, &x->st[s], sizeof u); /* padding too */
                  memcpy (&v, &e->st[s], sizeof v);
                  if (u.wire_sizes)
                    {
                      differed_unsettled++;
                      u.largest_message = v.largest_message;
                      u.last_message = v.last_message;
                      u.largest_before_last = v.largest_before_last;
                      u.open_message = v.open_message;
                      u.wire_sizes = v.wire_sizes;
                    }
                  if (x->log.v->len == 0 && e->log.v->len == 0 && memcmp (&u, &v, sizeof u))
                    {
                      g_printerr ("round %d side %d: frames %lu/%lu msgs %lu/%lu largest %lu/%lu last %lu/%lu lbl %lu/%lu open %lu/%lu wire %d/%d capped %d/%d desync %d/%d\n", round, s,
                        (unsigned long) u.frames, (unsigned long) v.frames, (unsigned long) u.messages, (unsigned long) v.messages,
                        (unsigned long) u.largest_message, (unsigned long) v.largest_message,
                        (unsigned long) u.last_message, (unsigned long) v.last_message,
                        (unsigned long) u.largest_before_last, (unsigned long) v.largest_before_last,
                        (unsigned long) u.open_message, (unsigned long) v.open_message, u.wire_sizes, v.wire_sizes, u.inflate_capped, v.inflate_capped, u.desynced, v.desynced);
                      g_assert_cmpmem (&u, sizeof u, &v, sizeof v);
                    }
                }
            }
          for (int s = 0; s < 2; s++)
            ws_frame_parser_clear (&x->p[s]);
          g_assert_cmpuint (x->inflaters.live, ==, 0);
          g_assert_cmpuint (x->inflaters.lazy_bytes, ==, 0);
          if (pass == 1 || pass == 3)
            whole_used += x->inflaters.whole_messages;
          ws_pmd_stats_clear (&x->inflaters);
          g_string_free (x->log.v, TRUE);
          g_string_free (x->log.f, TRUE);
          g_string_free (x->log.m, TRUE);
          g_free (x);
        }
      g_string_free (a->log.v, TRUE);
      g_string_free (a->log.f, TRUE);
      g_string_free (a->log.m, TRUE);
      g_free (a);
      g_byte_array_unref (in[0]);
      g_byte_array_unref (in[1]);
    }
  g_rand_free (r);
  /* the test can fail: some rounds had violations, some sides were left at wire sizes */
  g_assert_cmpuint (with_viol, >, 10);
  g_assert_cmpuint (differed_unsettled, >, 10);
  /* ... and messages were inflated whole, held and replayed */
  g_assert_cmpuint (whole_used, >, 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the whole-message path with its default back end (pmd.c, wholeinf.c) */
  g_unsetenv ("WSCLOSED_INFLATER");
  setup_limits ();
  g_test_add_func ("/ws_frame/utf8/table", test_utf8_table);
  g_test_add_func ("/ws_frame/utf8/random-vs-glib", test_utf8_random);
  g_test_add_func ("/ws_frame/utf8/snippets-simd-scalar-glib", test_utf8_snippets);
  g_test_add_func ("/ws_frame/utf8/random-simd-scalar-glib", test_utf8_random_simd);
  g_test_add_func ("/ws_frame/utf8/exhaustive-simd-scalar", test_utf8_exhaustive);
  g_test_add_func ("/ws_frame/utf8/frames-masked-offsets", test_utf8_frames);
  g_test_add_func ("/ws_frame/close-code/valid-on-wire", test_close_codes);
  g_test_add_func ("/ws_frame/length/7-16-64", test_lengths);
  g_test_add_func ("/ws_frame/length/not-minimal", test_lengths_not_minimal);
  g_test_add_func ("/ws_frame/length/huge", test_lengths_huge);
  g_test_add_func ("/ws_frame/masking", test_masking);
  g_test_add_func ("/ws_frame/text/fragmented-utf8", test_fragmented_text);
  g_test_add_func ("/ws_frame/text/not-utf8", test_text_not_utf8);
  g_test_add_func ("/ws_frame/close/code-reason", test_close_code_reason);
  g_test_add_func ("/ws_frame/close/empty", test_close_empty);
  g_test_add_func ("/ws_frame/close/one-byte-body", test_close_one_byte);
  g_test_add_func ("/ws_frame/close/oversized", test_close_oversized);
  g_test_add_func ("/ws_frame/close/invalid", test_close_invalid);
  g_test_add_func ("/ws_frame/close/data-after-close", test_after_close);
  g_test_add_func ("/ws_frame/control/ping-pong", test_ping_pong);
  g_test_add_func ("/ws_frame/control/violations", test_control_violations);
  g_test_add_func ("/ws_frame/opcode/unknown", test_unknown_opcodes);
  g_test_add_func ("/ws_frame/rsv", test_rsv);
  g_test_add_func ("/ws_frame/fragment/violations", test_fragmentation_violations);
  g_test_add_func ("/ws_frame/fragment/100k-tiny", test_tiny_fragments);
  g_test_add_func ("/ws_frame/deflate/context-takeover", test_deflate_takeover);
  g_test_add_func ("/ws_frame/deflate/no-context-takeover", test_deflate_no_takeover);
  g_test_add_func ("/ws_frame/deflate/bfinal", test_deflate_bfinal);
  g_test_add_func ("/ws_frame/deflate/not-utf8", test_deflate_bad_utf8);
  g_test_add_func ("/ws_frame/deflate/garbage", test_deflate_garbage);
  g_test_add_func ("/ws_frame/deflate/bomb-takeover", test_deflate_bomb_takeover);
  g_test_add_func ("/ws_frame/deflate/bomb-no-takeover", test_deflate_bomb_no_takeover);
  g_test_add_func ("/ws_frame/deflate/inflater-limit", test_deflate_inflater_limit);
  g_test_add_func ("/ws_frame/gap/in-payload", test_gap_in_payload);
  g_test_add_func ("/ws_frame/gap/deflate-takeover", test_gap_deflate_takeover);
  g_test_add_func ("/ws_frame/gap/deflate-no-takeover", test_gap_deflate_no_takeover);
  g_test_add_func ("/ws_frame/gap/resync", test_gap_resync);
  g_test_add_func ("/ws_frame/gap/in-close-reason", test_gap_in_close);
  g_test_add_func ("/ws_frame/gap/between-deflate-messages", test_gap_between_deflate);
  g_test_add_func ("/ws_frame/gap/midstream-start", test_midstream_start);
  g_test_add_func ("/ws_frame/midstream/chain", test_chain);
  g_test_add_func ("/ws_frame/midstream/long-frames", test_midstream_long_frames);
  g_test_add_func ("/ws_frame/midstream/random-streams", test_midstream_random_streams);
  g_test_add_func ("/ws_frame/midstream/frames-recognised", test_midstream_frames_recognised);
  g_test_add_func ("/ws_frame/callbacks-alone", test_callbacks_alone);
  g_test_add_func ("/ws_frame/lazy-same-as-eager", test_lazy_same_as_eager);
  g_test_add_func ("/ws_frame/garbage", test_garbage);
  g_test_add_func ("/ws_frame/probe", test_probe);
  return g_test_run ();
}
