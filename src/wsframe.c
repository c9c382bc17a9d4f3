/* wsframe.c - push parser for one direction of WebSocket frames (RFC 6455
 * section 5: framing, 5.4 fragmentation, 5.5 control frames, 7.4 close codes)
 * with permessage-deflate measurement (RFC 7692 section 7.2).
 *
 *   byte 0          byte 1          2..9 (optional)         +0..3 (optional)
 *  +-+-+-+-+-------+-+-------------+-----------------------+---------------+
 *  |F|R|R|R| opcode|M| len7        | len16 (len7 == 126)   | masking key   |
 *  |I|S|S|S|       |A|             | len64 (len7 == 127)   | (MASK == 1)   |
 *  |N|1|2|3|       |S|             |                       |               |
 *  +-+-+-+-+-------+-+-------------+-----------------------+---------------+
 *
 * States: HEADER gathers the 2..14 header bytes into p->hdr, whatever the
 * chunking; PAYLOAD counts payload bytes off (payload_len may be anything up
 * to 2^64-1 and is never used to size an allocation); DESYNC is entered when
 * the capture lost bytes we cannot place, and is left at the start of a later
 * chunk that reads as plausible frames.
 *
 * Payload bytes are looked at only when needed: close frames are kept (up to
 * a cap) for the code and reason; text messages are checked for UTF-8 where
 * they lie, unmasked in registers (32 bytes at a time with AVX2 where the CPU
 * has it, see "UTF-8 with SIMD"); compressed messages are unmasked and
 * inflated into a stack buffer to measure their size (and check UTF-8), then
 * dropped.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include "conn.h"
#include "pmd.h"
#include "wsframe.h"

#define CONTROL_MAX 125
#define UNMASK_BUF 4096

enum {
  OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2,
  OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10
};

#define RSV1 4u
#define RSV2 2u
#define RSV3 1u

/* How the size of the compressed message being read is measured. */
enum {
  MEASURE_WIRE = 0,  /* not inflated: the wire size stands in */
  MEASURE_INFLATE,   /* inflating: msg_size is the inflated size so far */
  MEASURE_FROZEN     /* hit the output cap: msg_size stays at the cap */
};

/* Live inflaters in the process, held against ws_limits_cfg.max_inflaters. */
static ws_pmd_stats pmd_stats;

static ws_dir_stats *
dir_of (ws_frame_parser *p)
{
  return &p->conn->dir[p->side];
}

static bool
is_data_opcode (unsigned op)
{
  return op <= OP_BINARY;
}

static bool
is_known_opcode (unsigned op)
{
  return op <= OP_BINARY || (op >= OP_CLOSE && op <= OP_PONG);
}

/* The sender of this direction resets its compressor after each message. */
static bool
no_takeover (ws_frame_parser *p)
{
  const ws_pmd *pmd = &p->conn->pmd;
  return p->side == WS_SIDE_CLIENT ? pmd->client_no_context_takeover
                                   : pmd->server_no_context_takeover;
}

/* A connection picked up mid-stream never showed us what was negotiated:
 * RSV1 may then be permessage-deflate we could not see. */
static bool
negotiation_unknown (ws_frame_parser *p)
{
  return p->conn->midstream && p->conn->handshake_status < 0;
}

static uint16_t
get_be16 (const uint8_t *d)
{
  return (uint16_t) ((d[0] << 8) | d[1]);
}

static uint64_t
get_be64 (const uint8_t *d)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | d[i];
  return v;
}

/* ---- violations ----------------------------------------------------------- */

/* Each kind is recorded once per side: the first occurrence is the evidence,
 * and a flood of one kind must not crowd the others out of the table. */
static void violation (ws_frame_parser *p, ws_violation_kind k, int64_t ts_us,
                       uint64_t offset, const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static void
violation (ws_frame_parser *p, ws_violation_kind k, int64_t ts_us,
           uint64_t offset, const char *fmt, ...)
{
  ws_conn *c = p->conn;
  for (unsigned i = 0; i < c->n_violations && i < WS_MAX_VIOLATIONS; i++)
    if (c->violations[i].kind == k && c->violations[i].side == (ws_side) p->side)
      return;
  char detail[sizeof c->violations[0].detail];
  detail[0] = '\0';
  if (fmt)
    {
      va_list ap;
      va_start (ap, fmt);
      g_vsnprintf (detail, sizeof detail, fmt, ap);
      va_end (ap);
    }
  ws_conn_violation (c, k, (ws_side) p->side, ts_us, offset, "%s", detail);
}

/* ---- UTF-8 (RFC 3629) ----------------------------------------------------- */

/* States beyond ACCEPT/REJECT say how many continuation bytes are still due
 * and, right after the lead bytes E0, ED, F0 and F4, the narrower range the
 * next byte must fall in (no overlongs, no surrogates, nothing past 10FFFF). */
enum {
  U_NEED1 = 2, U_NEED2, U_NEED3,
  U_AFTER_E0, U_AFTER_ED, U_AFTER_F0, U_AFTER_F4
};

static uint32_t
utf8_lead (uint8_t b)
{
  if (b < 0x80) return WS_UTF8_ACCEPT;
  if (b < 0xc2) return WS_UTF8_REJECT;  /* continuation, or overlong C0/C1 */
  if (b < 0xe0) return U_NEED1;
  if (b == 0xe0) return U_AFTER_E0;
  if (b == 0xed) return U_AFTER_ED;
  if (b < 0xf0) return U_NEED2;
  if (b == 0xf0) return U_AFTER_F0;
  if (b < 0xf4) return U_NEED3;
  if (b == 0xf4) return U_AFTER_F4;
  return WS_UTF8_REJECT;
}

/* Length of the well-formed character at d[0..n), 0 when it is not one, or
 * -1 when d ends inside a character that may still be well-formed (RFC 3629
 * table 4: the second byte's range depends on the lead byte). */
static int
utf8_char (const uint8_t *d, size_t n)
{
  uint8_t c = d[0];
  int need;
  uint8_t lo = 0x80, hi = 0xbf;
  if (c < 0xc2)
    return 0; /* continuation, or overlong C0/C1 (ASCII is not asked) */
  else if (c < 0xe0)
    need = 1;
  else if (c < 0xf0)
    {
      need = 2;
      if (c == 0xe0)
        lo = 0xa0;
      else if (c == 0xed)
        hi = 0x9f;
    }
  else if (c < 0xf5)
    {
      need = 3;
      if (c == 0xf0)
        lo = 0x90;
      else if (c == 0xf4)
        hi = 0x8f;
    }
  else
    return 0;
  if (n < 2)
    return -1;
  if (d[1] < lo || d[1] > hi)
    return 0;
  for (int k = 2; k <= need; k++)
    {
      if ((size_t) k >= n)
        return -1;
      if ((d[k] & 0xc0) != 0x80)
        return 0;
    }
  return need + 1;
}

/* Length of the run of whole 32-byte blocks at the start of d[0..n) that are
 * all ASCII once XORed with the repeating 8-byte mask m (0 when the bytes are
 * not masked).  Most text is ASCII: this is where its check is spent. */
static size_t
ascii_blocks (const uint8_t *d, size_t n, uint64_t m)
{
  size_t i = 0;
#ifdef __SSE2__
  const __m128i mv = _mm_set1_epi64x ((long long) m);
  for (; i + 32 <= n; i += 32)
    {
      __m128i a = _mm_xor_si128 (_mm_loadu_si128 ((const __m128i *) (const void *) (d + i)), mv);
      __m128i b = _mm_xor_si128 (_mm_loadu_si128 ((const __m128i *) (const void *) (d + i + 16)), mv);
      if (_mm_movemask_epi8 (_mm_or_si128 (a, b)))
        break;
    }
#else
  for (; i + 32 <= n; i += 32)
    {
      uint64_t w[4];
      memcpy (w, d + i, 32);
      if (((w[0] ^ m) | (w[1] ^ m) | (w[2] ^ m) | (w[3] ^ m)) & UINT64_C (0x8080808080808080))
        break;
    }
#endif
  return i;
}

/* Feeds continuation bytes d[*i..len) to the state st of a character begun
 * earlier, until it is complete or d ends.  False (with *i at the offending
 * byte) when one does not fit. */
static bool
utf8_continue (uint32_t *st, const uint8_t *d, size_t len, size_t *i)
{
  while (*st != WS_UTF8_ACCEPT && *i < len)
    {
      uint8_t lo = 0x80, hi = 0xbf;
      uint32_t next;
      switch (*st)
        {
        case U_NEED1: next = WS_UTF8_ACCEPT; break;
        case U_NEED2: next = U_NEED1; break;
        case U_NEED3: next = U_NEED2; break;
        case U_AFTER_E0: lo = 0xa0; next = U_NEED1; break;
        case U_AFTER_ED: hi = 0x9f; next = U_NEED1; break;
        case U_AFTER_F0: lo = 0x90; next = U_NEED2; break;
        case U_AFTER_F4: hi = 0x8f; next = U_NEED2; break;
        default: return false;
        }
      if (d[*i] < lo || d[*i] > hi)
        return false;
      *st = next;
      (*i)++;
    }
  return true;
}

/* Like ws_utf8_step, and on REJECT sets *bad to the index of the offending
 * byte (0 when the state was already REJECT).  Whole characters are checked
 * at once and ASCII 32 bytes at a time; the state machine only carries
 * a character cut by the end of d over to the next call, and finds the
 * offending byte of a bad one. */
static uint32_t
utf8_scan (uint32_t st, const uint8_t *d, size_t len, size_t *bad)
{
  *bad = 0;
  if (st == WS_UTF8_REJECT)
    return st;
  size_t i = 0;
  if (!utf8_continue (&st, d, len, &i))
    {
      *bad = i;
      return WS_UTF8_REJECT;
    }
  while (i < len)
    {
      /* ASCII runs: 32 bytes at a time, then a word at a time, where the
       * first high bit found ends the run */
      i += ascii_blocks (d + i, len - i, 0);
      while (len - i >= 8)
        {
          uint64_t w;
          memcpy (&w, d + i, 8);
          w = GUINT64_FROM_LE (w) & UINT64_C (0x8080808080808080);
          if (w)
            {
              i += (size_t) __builtin_ctzll (w) / 8;
              break;
            }
          i += 8;
        }
      while (i < len && d[i] < 0x80)
        i++;
      if (i == len)
        break;
      int k = utf8_char (d + i, len - i);
      if (k > 0)
        {
          i += (size_t) k;
          continue;
        }
      /* a bad character, or one cut by the end of d: step through it */
      st = utf8_lead (d[i]);
      if (st == WS_UTF8_REJECT)
        {
          *bad = i;
          return st;
        }
      i++;
      if (!utf8_continue (&st, d, len, &i))
        {
          *bad = i;
          return WS_UTF8_REJECT;
        }
    }
  return st;
}

/* ---- UTF-8 with SIMD ------------------------------------------------------ */

/* Masked payloads are checked without copying them first.  A mask is the
 * four key bytes that apply to d[0], d[1], d[2], d[3], read into a uint32_t
 * in memory order; 0 leaves bytes as they are, so it also stands for "not
 * masked".  mask_rot gives the mask for d[i] on. */
static uint32_t
mask_rot (uint32_t m, uint64_t i)
{
  unsigned s = 8 * (unsigned) (i & 3);
  if (s == 0)
    return m;
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return (m >> s) | (m << (32 - s));
#else
  return (m << s) | (m >> (32 - s));
#endif
}

/* dst[0..k) = src[0..k) XOR the repeating mask m. */
static void
unmask (uint8_t *dst, const uint8_t *src, size_t k, uint32_t m)
{
  uint8_t m8[8];
  memcpy (m8, &m, 4);
  memcpy (m8 + 4, &m, 4);
  uint64_t w;
  memcpy (&w, m8, 8);
  size_t i = 0;
  for (; i + 32 <= k; i += 32)
    {
      uint64_t v[4];
      memcpy (v, src + i, 32);
      v[0] ^= w;
      v[1] ^= w;
      v[2] ^= w;
      v[3] ^= w;
      memcpy (dst + i, v, 32);
    }
  for (; i + 8 <= k; i += 8)
    {
      uint64_t v;
      memcpy (&v, src + i, 8);
      v ^= w;
      memcpy (dst + i, &v, 8);
    }
  for (; i < k; i++)
    dst[i] = src[i] ^ m8[i & 7];
}

/* utf8_scan on bytes that may be masked: leading ASCII blocks are checked
 * where they lie (unmasked in registers), the rest is unmasked a stack
 * buffer at a time.  This is the whole validator where there is no SIMD. */
static uint32_t
utf8_scan_masked (uint32_t st, const uint8_t *d, size_t len, uint32_t m,
                  size_t *bad)
{
  if (!m)
    return utf8_scan (st, d, len, bad);
  *bad = 0;
  if (st == WS_UTF8_REJECT)
    return st;
  size_t off = 0;
  if (st == WS_UTF8_ACCEPT)
    off = ascii_blocks (d, len, ((uint64_t) m << 32) | m);
  uint8_t buf[UNMASK_BUF];
  while (off < len)
    {
      size_t k = len - off < sizeof buf ? len - off : sizeof buf;
      unmask (buf, d + off, k, mask_rot (m, off));
      size_t b;
      st = utf8_scan (st, buf, k, &b);
      if (st == WS_UTF8_REJECT)
        {
          *bad = off + b;
          return st;
        }
      off += k;
    }
  return st;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define UTF8_AVX2 1

/* Keiser and Lemire, "Validating UTF-8 In Less Than One Instruction Per
 * Byte" (2021), the lookup algorithm.  Each byte is judged with the one
 * before it: three 16-entry tables, indexed by the high and the low nibble
 * of the previous byte and the high nibble of the current one, say which of
 * the faults below the pair could show; the pair has a fault when all three
 * agree on a bit.  Bit 0x80 (a continuation after a continuation) is a fault
 * exactly when the byte is not the third or fourth of a character, which the
 * bytes two and three back tell. */
enum {
  UF_SHORT = 0x01,     /* a lead byte not followed by a continuation */
  UF_LONG = 0x02,      /* a continuation after ASCII */
  UF_OVER3 = 0x04,     /* E0 80..9F: overlong */
  UF_LARGE = 0x08,     /* F4 90..BF, F5..FF 90..BF: above U+10FFFF */
  UF_SURR = 0x10,      /* ED A0..BF: surrogate */
  UF_OVER2 = 0x20,     /* C0, C1 then a continuation: overlong */
  UF_F_80 = 0x40,      /* F0 80..8F (overlong), F5..FF 80..8F (too large) */
  UF_TWO_CONT = 0x80,  /* a continuation after a continuation */
  UF_HIGH_ONLY = UF_SHORT | UF_LONG | UF_TWO_CONT /* decided by high nibbles */
};

static const uint8_t uf_prev_high[16] = {
  UF_LONG, UF_LONG, UF_LONG, UF_LONG, UF_LONG, UF_LONG, UF_LONG, UF_LONG, /* ASCII */
  UF_TWO_CONT, UF_TWO_CONT, UF_TWO_CONT, UF_TWO_CONT,                     /* 80..BF */
  UF_SHORT | UF_OVER2,                                                    /* C0..CF */
  UF_SHORT,                                                               /* D0..DF */
  UF_SHORT | UF_OVER3 | UF_SURR,                                          /* E0..EF */
  UF_SHORT | UF_LARGE | UF_F_80                                           /* F0..FF */
};

static const uint8_t uf_prev_low[16] = {
  UF_HIGH_ONLY | UF_OVER2 | UF_OVER3 | UF_F_80,   /* C0, E0, F0 */
  UF_HIGH_ONLY | UF_OVER2,                        /* C1 */
  UF_HIGH_ONLY, UF_HIGH_ONLY,
  UF_HIGH_ONLY | UF_LARGE,                        /* F4 */
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,              /* F5.. */
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80 | UF_SURR,    /* ED, FD */
  UF_HIGH_ONLY | UF_LARGE | UF_F_80,
  UF_HIGH_ONLY | UF_LARGE | UF_F_80               /* ..FF */
};

static const uint8_t uf_cur_high[16] = {
  UF_SHORT, UF_SHORT, UF_SHORT, UF_SHORT, UF_SHORT, UF_SHORT, UF_SHORT, UF_SHORT,
  UF_LONG | UF_TWO_CONT | UF_OVER2 | UF_OVER3 | UF_F_80,      /* 80..8F */
  UF_LONG | UF_TWO_CONT | UF_OVER2 | UF_OVER3 | UF_LARGE,    /* 90..9F */
  UF_LONG | UF_TWO_CONT | UF_OVER2 | UF_SURR | UF_LARGE,     /* A0..AF */
  UF_LONG | UF_TWO_CONT | UF_OVER2 | UF_SURR | UF_LARGE,     /* B0..BF */
  UF_SHORT, UF_SHORT, UF_SHORT, UF_SHORT
};

/* A block whose last three bytes begin a character it does not finish:
 * byte 31 >= C0, byte 30 >= E0 or byte 29 >= F0 (compared by saturating
 * subtraction of one less). */
static const uint8_t uf_unfinished[32] = {
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xdf, 0xbf
};

__attribute__ ((target ("avx2"))) static inline __m256i
uf_block (__m256i in, __m256i prev, __m256i t_ph, __m256i t_pl, __m256i t_ch)
{
  const __m256i nib = _mm256_set1_epi8 (0x0f);
  /* the bytes 1, 2 and 3 before each byte of in: prev's upper half joined
   * to in's lower half feeds the shifts across the 128-bit lanes */
  __m256i joined = _mm256_permute2x128_si256 (prev, in, 0x21);
  __m256i p1 = _mm256_alignr_epi8 (in, joined, 15);
  __m256i p2 = _mm256_alignr_epi8 (in, joined, 14);
  __m256i p3 = _mm256_alignr_epi8 (in, joined, 13);
  __m256i f = _mm256_and_si256 (
      _mm256_shuffle_epi8 (t_ph, _mm256_and_si256 (_mm256_srli_epi16 (p1, 4), nib)),
      _mm256_shuffle_epi8 (t_pl, _mm256_and_si256 (p1, nib)));
  f = _mm256_and_si256 (f, _mm256_shuffle_epi8 (t_ch, _mm256_and_si256 (_mm256_srli_epi16 (in, 4), nib)));
  /* third byte of E0..FF or fourth of F0..FF: must be a continuation */
  __m256i third = _mm256_or_si256 (_mm256_subs_epu8 (p2, _mm256_set1_epi8 (0xe0 - 0x80)),
                                   _mm256_subs_epu8 (p3, _mm256_set1_epi8 (0xf0 - 0x80)));
  return _mm256_xor_si256 (f, _mm256_and_si256 (third, _mm256_set1_epi8 ((char) 0x80)));
}

/* One 32-byte block (unmasked) after prev: its faults go into *fault, and
 * *pending says which of its last three bytes begin a character it does not
 * finish (a fault if the next block is all ASCII: the tables then are not
 * consulted). */
__attribute__ ((target ("avx2"))) static inline void
uf_next (__m256i in, __m256i *prev, __m256i *pending, __m256i *fault,
         __m256i t_ph, __m256i t_pl, __m256i t_ch, __m256i unfin)
{
  if (!_mm256_movemask_epi8 (in))
    {
      *fault = _mm256_or_si256 (*fault, *pending);
      *pending = _mm256_setzero_si256 ();
    }
  else
    {
      *fault = _mm256_or_si256 (*fault, uf_block (in, *prev, t_ph, t_pl, t_ch));
      *pending = _mm256_subs_epu8 (in, unfin);
    }
  *prev = in;
}

/* Checks d[0..len), which starts at a character boundary and is XORed with
 * the four mask bytes m repeated, as a whole text.  Returns len when it is
 * well-formed and ends at a character boundary, else the length of a prefix
 * known to be well-formed (a character boundary at or before the fault);
 * the scalar code finds the exact fault from there. */
__attribute__ ((target ("avx2"))) static size_t
utf8_avx2_valid (const uint8_t *d, size_t len, uint32_t m)
{
  const __m256i t_ph = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *) (const void *) uf_prev_high));
  const __m256i t_pl = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *) (const void *) uf_prev_low));
  const __m256i t_ch = _mm256_broadcastsi128_si256 (_mm_loadu_si128 ((const __m128i *) (const void *) uf_cur_high));
  const __m256i unfin = _mm256_loadu_si256 ((const __m256i *) (const void *) uf_unfinished);
  const __m256i mv = _mm256_set1_epi32 ((int) m);
  __m256i prev = _mm256_setzero_si256 ();
  __m256i pending = prev, fault = prev;
  size_t full = len & ~(size_t) 31;
  for (size_t i = 0; i < full; i += 32)
    {
      __m256i in = _mm256_xor_si256 (_mm256_loadu_si256 ((const __m256i *) (const void *) (d + i)), mv);
      uf_next (in, &prev, &pending, &fault, t_ph, t_pl, t_ch, unfin);
    }
  if (!_mm256_testz_si256 (fault, fault))
    return 0;
  __m256i last = prev;
  if (len > full)
    {
      /* the last bytes in a copy whose padding unmasks to zeros (ASCII):
       * a character they leave unfinished is then a fault */
      uint8_t tail[32];
      _mm256_storeu_si256 ((__m256i *) (void *) tail, mv);
      memcpy (tail, d + full, len - full);
      __m256i in = _mm256_xor_si256 (_mm256_loadu_si256 ((const __m256i *) (const void *) tail), mv);
      uf_next (in, &prev, &pending, &fault, t_ph, t_pl, t_ch, unfin);
    }
  else
    fault = pending;
  if (_mm256_testz_si256 (fault, fault))
    return len;
  if (full == 0)
    return 0;
  /* the whole blocks were fine but for a character their end leaves open */
  uint8_t b[32];
  _mm256_storeu_si256 ((__m256i *) (void *) b, last);
  return full - (b[31] >= 0xc0 ? 1 : b[30] >= 0xe0 ? 2 : b[29] >= 0xf0 ? 3 : 0);
}

/* Continuation bytes still due in state st (not ACCEPT or REJECT). */
static size_t
utf8_due (uint32_t st)
{
  switch (st)
    {
    case U_NEED1: return 1;
    case U_NEED2: case U_AFTER_E0: case U_AFTER_ED: return 2;
    default: return 3;
    }
}

/* Shorter texts are left to the scalar code. */
#define SIMD_MIN 16
#endif

static bool utf8_simd = true;

/* utf8_scan_masked, with SIMD where the CPU has it.  The vector part checks
 * the bytes from a character boundary on; when they are all well-formed that
 * is the answer.  Otherwise (an error, or a character cut by the end of d:
 * both rare) the scalar code goes on from the last boundary the vector part
 * vouches for and finds the offending byte or the state to carry, so the
 * answer is always exactly the scalar one. */
static uint32_t
utf8_check (uint32_t st, const uint8_t *d, size_t len, uint32_t m, size_t *bad)
{
#ifdef UTF8_AVX2
  if (len >= SIMD_MIN && st != WS_UTF8_REJECT && utf8_simd && __builtin_cpu_supports ("avx2"))
    {
      size_t i = 0;
      *bad = 0;
      if (st != WS_UTF8_ACCEPT)
        {
          /* the end of a character begun in an earlier piece */
          i = utf8_due (st);
          st = utf8_scan_masked (st, d, i, m, bad);
          if (st != WS_UTF8_ACCEPT)
            return st;
        }
      i += utf8_avx2_valid (d + i, len - i, mask_rot (m, i));
      if (i == len)
        return WS_UTF8_ACCEPT;
      size_t b;
      st = utf8_scan_masked (WS_UTF8_ACCEPT, d + i, len - i, mask_rot (m, i), &b);
      if (st == WS_UTF8_REJECT)
        *bad = i + b;
      return st;
    }
#endif
  return utf8_scan_masked (st, d, len, m, bad);
}

bool
ws_utf8_use_simd (bool on)
{
  utf8_simd = on;
#ifdef UTF8_AVX2
  return on && __builtin_cpu_supports ("avx2");
#else
  return false;
#endif
}

uint32_t
ws_utf8_scan (uint32_t state, const uint8_t *data, size_t len, size_t *bad)
{
  return utf8_check (state, data, len, 0, bad);
}

uint32_t
ws_utf8_step (uint32_t state, const uint8_t *data, size_t len)
{
  size_t bad;
  return utf8_check (state, data, len, 0, &bad);
}

bool
ws_utf8_valid (const uint8_t *data, size_t len)
{
  return ws_utf8_step (WS_UTF8_ACCEPT, data, len) == WS_UTF8_ACCEPT;
}

bool
ws_close_code_valid_on_wire (int code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
         || (code >= 3000 && code <= 4999);
}

/* ---- plausibility (probe and resync) -------------------------------------- */

/* Reads one frame header at d[0..len).  Returns its length, 0 when d ends
 * inside it, -1 when it does not look like a header a real peer writes.
 * want_mask is 0/1, or -1 for either. */
static int
plausible_header (const uint8_t *d, size_t len, int want_mask, bool allow_rsv1,
                  uint64_t *plen, int *masked)
{
  if (len < 2)
    return 0;
  unsigned fin = d[0] >> 7, rsv = (d[0] >> 4) & 7, op = d[0] & 0x0f;
  int m = d[1] >> 7;
  unsigned l7 = d[1] & 0x7f;
  if (!is_known_opcode (op))
    return -1;
  if (rsv & (RSV2 | RSV3))
    return -1;
  if ((rsv & RSV1) && !(allow_rsv1 && (op == OP_TEXT || op == OP_BINARY)))
    return -1;
  if (op >= OP_CLOSE && (!fin || l7 > CONTROL_MAX))
    return -1;
  if (want_mask >= 0 && m != want_mask)
    return -1;
  size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (m ? 4 : 0);
  if (len < need)
    return 0;
  uint64_t n = l7;
  if (l7 == 126)
    {
      n = get_be16 (d + 2);
      if (n < 126)
        return -1;
    }
  else if (l7 == 127)
    {
      n = get_be64 (d + 2);
      if ((n >> 63) || n <= 0xffff)
        return -1;
    }
  if (op == OP_CONT && !fin && n == 0)
    return -1;
  *plen = n;
  *masked = m;
  return (int) need;
}

bool
ws_frame_probe (const uint8_t *data, size_t len, bool *masked)
{
  size_t pos = 0;
  int want = -1;
  while (pos < len)
    {
      uint64_t n;
      int m;
      int h = plausible_header (data + pos, len - pos, want, true, &n, &m);
      if (h <= 0 || n > len - pos - (size_t) h)
        return false;
      pos += (size_t) h + (size_t) n;
      want = m;
    }
  if (want < 0)
    return false;
  *masked = want == 1;
  return true;
}

void
ws_frame_chain_init (ws_frame_chain_state *st)
{
  st->pos = 0;
  st->need = 0;
  st->frames = 0;
  st->masked = -1;
  st->open = false;
  st->seen_data = false;
  st->closes = 0;
}

int
ws_frame_chain_walk (ws_frame_chain_state *st, const uint8_t *data, size_t len,
                     uint64_t total)
{
  st->need = 0;
  while (st->pos < len)
    {
      const uint8_t *d = data + st->pos;
      size_t left = len - st->pos;
      uint64_t n;
      int m;
      int h = plausible_header (d, left, st->masked, true, &n, &m);
      if (h < 0)
        return -1;
      unsigned fin = d[0] >> 7, op = d[0] & 0x0f;
      bool open = st->open;
      if (is_data_opcode (op))
        {
          /* a continuation only inside a message, or as the first data
           * frame seen (the rest of a message begun before the capture) */
          if (op == OP_CONT ? !open && st->seen_data : open)
            return -1;
          open = !fin;
        }
      if (h == 0)
        return 0;   /* read again from here when more bytes are held */
      if (n > total - st->pos - (uint64_t) h)
        {
          st->need = st->pos + (uint64_t) h + n;
          return 0;
        }
      if (is_data_opcode (op))
        {
          st->open = open;
          st->seen_data = true;
        }
      if (op == OP_TEXT && fin && !(d[0] & 0x40) && n <= left - (size_t) h)
        {
          /* a whole uncompressed text message held: a peer writes UTF-8 */
          uint32_t key = 0;
          size_t bad;
          if (m)
            memcpy (&key, d + h - 4, 4);
          if (utf8_check (WS_UTF8_ACCEPT, d + h, (size_t) n, key, &bad) != WS_UTF8_ACCEPT)
            return -1;
        }
      if (op == OP_CLOSE && (n == 0 || (n >= 2 && (uint64_t) h + 2 <= left)))
        {
          /* a close frame with no body or a code a peer may send */
          int code = -1;
          if (n >= 2)
            {
              uint8_t b0 = d[h], b1 = d[h + 1];
              if (m)
                {
                  b0 ^= d[h - 4];
                  b1 ^= d[h - 3];
                }
              code = b0 << 8 | b1;
            }
          if (code < 0 || ws_close_code_valid_on_wire (code))
            st->closes++;
        }
      st->masked = m;
      st->pos += (uint64_t) h + n;
      st->frames++;
    }
  return 0;
}

int
ws_frame_chain (const uint8_t *data, size_t len, unsigned *frames, int *masked)
{
  ws_frame_chain_state st;
  int r;

  ws_frame_chain_init (&st);
  r = ws_frame_chain_walk (&st, data, len, len);
  *frames = st.frames;
  *masked = st.masked;
  return r;
}

void
ws_frame_skip (ws_frame_parser *p, uint64_t n)
{
  p->offset += n;
}

/* May this chunk start with a frame header?  Every frame that ends inside
 * the chunk must be followed by another plausible header (or the chunk end);
 * the last one may run past the end. */
static bool
resync_plausible (ws_frame_parser *p, const uint8_t *d, size_t len)
{
  int want = dir_of (p)->frames > 0 ? p->masked : p->side == WS_SIDE_CLIENT;
  bool rsv1 = p->conn->pmd.enabled || negotiation_unknown (p);
  size_t pos = 0;
  bool first = true;
  while (pos < len)
    {
      uint64_t n;
      int m;
      int h = plausible_header (d + pos, len - pos, want, rsv1, &n, &m);
      if (h < 0 || (h == 0 && first))
        return false;
      if (h == 0 || n >= len - pos - (size_t) h)
        return true;
      pos += (size_t) h + (size_t) n;
      first = false;
    }
  return true;
}

/* ---- permessage-deflate --------------------------------------------------- */

static void check_text (ws_frame_parser *p, const uint8_t *d, size_t n,
                        uint32_t mask, uint64_t msg_off, int64_t ts_us);

static void
inflater_free (ws_frame_parser *p)
{
  ws_inflater_free (p->inf);
  p->inf = NULL;
}

/* Broken for good: later messages are measured by their wire size. */
static void
inflate_fail (ws_frame_parser *p)
{
  p->inf_failed = true;
  p->utf8_bad = true;
  if (p->inf)
    p->measure = MEASURE_WIRE;
}

/* Called at the start of each compressed message; true if it will be
 * inflated. */
static bool
inflate_begin (ws_frame_parser *p)
{
  ws_conn *c = p->conn;
  if (p->inf_failed || !ws_limits_cfg.inflate)
    {
      inflater_free (p);
      return false;
    }
  if (!p->inf)
    {
      if (pmd_stats.live >= ws_limits_cfg.max_inflaters)
        {
          if (!(c->limits & WS_LIMIT_INFLATERS))
            ws_stats.inflater_limit_hits++;
          c->limits |= WS_LIMIT_INFLATERS;
          /* with context takeover the later messages refer to this one */
          if (!no_takeover (p))
            p->inf_failed = true;
          return false;
        }
      /* The window the sender agreed to (RFC 7692 7.1.2): it bounds the
       * memory per connection (4 KiB instead of 32 KiB for 12 bits), and a
       * sender that reaches further back than it may is caught ("invalid
       * distance too far back" becomes an inflate_error violation).  zlib's
       * raw inflate takes 9..15; a 256-byte window (8) fits in 9. */
      int bits = p->side == 0 ? c->pmd.client_max_window_bits : c->pmd.server_max_window_bits;
      if (bits < 9 || bits > 15 || c->midstream)
        bits = bits < 9 && !c->midstream ? 9 : 15;
      p->inf = ws_inflater_new (bits, &pmd_stats);
      if (!p->inf)
        {
          p->inf_failed = true;
          return false;
        }
    }
  else if (!ws_inflater_next_message (p->inf, !no_takeover (p)))
    {
      inflate_fail (p);
      return false;
    }
  p->measure = MEASURE_INFLATE;
  return true;
}

/* Inflated bytes of the current message: measured and checked. */
static void
inflated_out (void *ud, const uint8_t *out, size_t n)
{
  ws_frame_parser *p = ud;
  check_text (p, out, n, 0, p->msg_size, p->inflate_ts);
  p->msg_size += n;
}

/* Inflate n bytes of the current message, measuring and checking output. */
static void
inflate_bytes (ws_frame_parser *p, const uint8_t *in, size_t n, int64_t ts_us)
{
  uint64_t cap = ws_limits_cfg.max_inflate_bytes;
  p->inflate_ts = ts_us;
  ws_pmd_result r = ws_inflater_inflate (p->inf, in, n, cap - p->msg_size,
                                         inflated_out, p);
  if (r == WS_PMD_CAPPED)
    {
      p->msg_size = cap;
      p->measure = MEASURE_FROZEN;
      p->utf8_bad = true; /* the rest of the text is not seen */
      ws_dir_stats *ds = dir_of (p);
      ds->inflate_capped = true;
      p->conn->limits |= WS_LIMIT_INFLATE;
      ws_stats.inflate_limit_hits++;
      if (!no_takeover (p))
        p->inf_failed = true;
    }
  else if (r == WS_PMD_ERROR)
    {
      violation (p, WS_VIOL_INFLATE_ERROR, ts_us, p->frame_offset,
                 "message %" G_GUINT64_FORMAT ": %s",
                 dir_of (p)->messages + 1, ws_inflater_error (p->inf));
      inflate_fail (p);
    }
}

static bool
measuring_inflated (ws_frame_parser *p)
{
  return p->msg_compressed && p->inf && p->measure != MEASURE_WIRE;
}

static bool
inflating (ws_frame_parser *p)
{
  return p->msg_compressed && p->inf && p->measure == MEASURE_INFLATE;
}

/* The compressed message being read can no longer be inflated (bytes lost).
 * With context takeover, neither can any later one. */
static void
inflate_abandon_message (ws_frame_parser *p)
{
  if (p->msg_compressed && p->inf)
    p->measure = MEASURE_WIRE;
  if (p->conn->pmd.enabled && !no_takeover (p))
    p->inf_failed = true;
}

/* ---- messages ------------------------------------------------------------- */

/* d[0..n) is text at offset msg_off of the message, masked with mask (four
 * as for mask_rot; 0 when not masked). */
static void
check_text (ws_frame_parser *p, const uint8_t *d, size_t n, uint32_t mask,
            uint64_t msg_off, int64_t ts_us)
{
  if (p->utf8_bad || n == 0)
    return;
  size_t bad;
  p->utf8_state = utf8_check (p->utf8_state, d, n, mask, &bad);
  if (p->utf8_state == WS_UTF8_REJECT)
    {
      p->utf8_bad = true;
      violation (p, WS_VIOL_TEXT_NOT_UTF8, ts_us, p->frame_offset,
                 "message %" G_GUINT64_FORMAT ", byte %" G_GUINT64_FORMAT,
                 dir_of (p)->messages + 1, msg_off + bad);
    }
}

static void
message_begin (ws_frame_parser *p, int64_t ts_us)
{
  ws_conn *c = p->conn;
  if (p->in_message && p->msg_opcode != 0)
    {
      violation (p, WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED, ts_us, p->frame_offset,
                 "opcode %u while message %" G_GUINT64_FORMAT " is open",
                 p->opcode, dir_of (p)->messages + 1);
      if (inflating (p))
        inflate_abandon_message (p);
    }
  p->in_message = true;
  p->msg_opcode = p->opcode;
  p->msg_wire_size = 0;
  p->msg_size = 0;
  p->utf8_state = WS_UTF8_ACCEPT;
  p->msg_compressed = (p->rsv & RSV1) && (c->pmd.enabled || negotiation_unknown (p));
  bool inflated = p->msg_compressed && c->pmd.enabled && inflate_begin (p);
  if (p->msg_compressed && !inflated && p->inf)
    p->measure = MEASURE_WIRE;
  /* RSV1 without deflate: the payload is probably compressed anyway, so a
   * UTF-8 complaint would be noise on top of the RSV violation. */
  p->utf8_bad = !ws_limits_cfg.check_utf8 || p->msg_opcode != OP_TEXT
                || (p->rsv & RSV1 && !inflated);
}

static void
message_end (ws_frame_parser *p, int64_t ts_us)
{
  ws_dir_stats *ds = dir_of (p);
  p->in_message = false;
  ds->open_message = 0;
  if (p->msg_opcode == 0)
    return; /* began before we were in step: size unknown, not counted */

  if (inflating (p))
    {
      static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
      inflate_bytes (p, tail, sizeof tail, ts_us);
    }
  if (!measuring_inflated (p))
    p->msg_size = p->msg_wire_size;
  if (!p->utf8_bad && p->utf8_state != WS_UTF8_ACCEPT)
    violation (p, WS_VIOL_TEXT_NOT_UTF8, ts_us, p->frame_offset,
               "message %" G_GUINT64_FORMAT ", byte %" G_GUINT64_FORMAT " (ends inside a character)",
               ds->messages + 1, p->msg_size);

  ds->messages++;
  if (p->msg_opcode == OP_TEXT)
    ds->text_messages++;
  else
    ds->binary_messages++;
  if (p->msg_compressed)
    ds->compressed_messages++;
  ds->largest_before_last = ds->largest_message;
  if (p->msg_size > ds->largest_message)
    ds->largest_message = p->msg_size;
  ds->last_message = p->msg_size;
}

/* Payload bytes of a data frame that belongs to the open message.  Text is
 * checked where it lies, unmasked in registers; only the inflater needs the
 * bytes unmasked in a buffer. */
static void
message_payload (ws_frame_parser *p, const uint8_t *d, size_t n, int64_t ts_us)
{
  uint64_t wire_before = p->msg_wire_size;
  p->msg_wire_size += n;
  uint32_t m = 0;
  if (p->masked)
    {
      memcpy (&m, p->mask, 4);
      m = mask_rot (m, p->payload_pos);
    }
  if (inflating (p))
    {
      uint8_t buf[UNMASK_BUF];
      size_t off = 0;
      while (off < n && (inflating (p) || !p->utf8_bad))
        {
          size_t k = n - off < sizeof buf ? n - off : sizeof buf;
          const uint8_t *src = d + off;
          if (m)
            {
              unmask (buf, src, k, mask_rot (m, off));
              src = buf;
            }
          if (inflating (p))
            inflate_bytes (p, src, k, ts_us);
          else
            check_text (p, src, k, 0, wire_before + off, ts_us);
          off += k;
        }
    }
  else
    check_text (p, d, n, m, wire_before, ts_us);
  if (!measuring_inflated (p))
    p->msg_size = p->msg_wire_size;
  dir_of (p)->open_message = p->msg_size;
}

/* ---- frames --------------------------------------------------------------- */

static size_t
close_cap (void)
{
  return ws_limits_cfg.max_close_reason > CONTROL_MAX ? ws_limits_cfg.max_close_reason
                                                      : CONTROL_MAX;
}

static void
close_payload (ws_frame_parser *p, const uint8_t *d, size_t n)
{
  size_t cap = close_cap ();
  if (p->ctl_len >= cap || p->ctl_len != p->payload_pos)
    return; /* full, or bytes were lost: keep the prefix */
  if (!p->ctl)
    p->ctl = g_malloc (cap);
  size_t k = n < cap - p->ctl_len ? n : cap - p->ctl_len;
  for (size_t i = 0; i < k; i++)
    p->ctl[p->ctl_len + i] = d[i] ^ (p->masked ? p->mask[(p->payload_pos + i) & 3] : 0);
  p->ctl_len += k;
}

static void
close_frame (ws_frame_parser *p, int64_t ts_us)
{
  ws_conn *c = p->conn;
  ws_close_info *ci = &c->close[p->side];
  dir_of (p)->closes++;
  if (c->close_initiator == WS_SIDE_NONE)
    c->close_initiator = (ws_side) p->side;
  p->sent_close = true;
  if (ci->seen)
    return;
  ci->seen = true;
  ci->ts_us = ts_us;
  ci->code = -1;
  ci->payload_len = p->payload_len > SIZE_MAX ? SIZE_MAX : (size_t) p->payload_len;
  if (p->payload_len == 1)
    {
      violation (p, WS_VIOL_CLOSE_ONE_BYTE, ts_us, p->frame_offset, "body 0x%02x",
                 p->ctl_len ? p->ctl[0] : 0);
      return;
    }
  if (p->payload_len < 2 || p->ctl_len < 2)
    return;
  ci->code = get_be16 (p->ctl);
  if (!ws_close_code_valid_on_wire (ci->code))
    violation (p, WS_VIOL_CLOSE_CODE_INVALID, ts_us, p->frame_offset, "code %d", ci->code);

  const uint8_t *r = p->ctl + 2;
  size_t rlen = p->ctl_len - 2;
  ci->reason_truncated = p->payload_len > p->ctl_len;
  size_t bad;
  uint32_t st = utf8_check (WS_UTF8_ACCEPT, r, rlen, 0, &bad);
  if (st == WS_UTF8_REJECT)
    violation (p, WS_VIOL_CLOSE_REASON_NOT_UTF8, ts_us, p->frame_offset,
               "code %d, reason byte %zu", ci->code, bad);
  else if (st != WS_UTF8_ACCEPT && !ci->reason_truncated)
    violation (p, WS_VIOL_CLOSE_REASON_NOT_UTF8, ts_us, p->frame_offset,
               "code %d, reason ends inside a character", ci->code);
  else if (st != WS_UTF8_ACCEPT)
    {
      /* our cut split a character: drop its first bytes */
      while (rlen > 0 && (r[rlen - 1] & 0xc0) == 0x80)
        rlen--;
      if (rlen > 0)
        rlen--;
    }
  if (rlen > 0)
    {
      /* kept byte for byte (an embedded NUL included); reason_len is the length */
      ci->reason = g_malloc (rlen + 1);
      memcpy (ci->reason, r, rlen);
      ci->reason[rlen] = '\0';
      ci->reason_len = rlen;
    }
}

static void
frame_begin (ws_frame_parser *p, int64_t ts_us)
{
  ws_conn *c = p->conn;
  ws_dir_stats *ds = dir_of (p);
  const uint8_t *h = p->hdr;
  unsigned l7 = h[1] & 0x7f;
  uint64_t off = p->frame_offset;

  p->fin = h[0] >> 7;
  p->rsv = (h[0] >> 4) & 7;
  p->opcode = h[0] & 0x0f;
  p->masked = h[1] >> 7;
  p->payload_pos = 0;
  p->ctl_len = 0;
  size_t at = 2;
  if (l7 == 126)
    {
      p->payload_len = get_be16 (h + 2);
      at = 4;
      if (p->payload_len < 126)
        violation (p, WS_VIOL_LENGTH_NOT_MINIMAL, ts_us, off,
                   "16-bit length %" G_GUINT64_FORMAT, p->payload_len);
    }
  else if (l7 == 127)
    {
      p->payload_len = get_be64 (h + 2);
      at = 10;
      if (p->payload_len >> 63)
        violation (p, WS_VIOL_LENGTH_MSB_SET, ts_us, off,
                   "64-bit length 0x%016" G_GINT64_MODIFIER "x", p->payload_len);
      else if (p->payload_len <= 0xffff)
        violation (p, WS_VIOL_LENGTH_NOT_MINIMAL, ts_us, off,
                   "64-bit length %" G_GUINT64_FORMAT, p->payload_len);
    }
  else
    p->payload_len = l7;
  if (p->masked)
    memcpy (p->mask, h + at, 4);

  if (ds->frames == 0)
    ds->first_frame_us = ts_us;
  ds->frames++;
  ds->frame_bytes += p->hdr_need;
  ds->last_frame_us = ts_us;

  if (p->side == WS_SIDE_CLIENT && !p->masked)
    violation (p, WS_VIOL_UNMASKED_CLIENT_FRAME, ts_us, off, "opcode %u", p->opcode);
  else if (p->side == WS_SIDE_SERVER && p->masked)
    violation (p, WS_VIOL_MASKED_SERVER_FRAME, ts_us, off, "opcode %u", p->opcode);

  unsigned op = p->opcode;
  if (!is_known_opcode (op))
    {
      violation (p, WS_VIOL_UNKNOWN_OPCODE, ts_us, off, "opcode %u", op);
      return;
    }
  if (p->sent_close && is_data_opcode (op))
    violation (p, WS_VIOL_DATA_AFTER_CLOSE, ts_us, off, "opcode %u after close", op);

  if (p->rsv & (RSV2 | RSV3))
    violation (p, WS_VIOL_RSV_NOT_NEGOTIATED, ts_us, off, "RSV bits 0x%x", p->rsv);
  if (p->rsv & RSV1)
    {
      if (!c->pmd.enabled && !negotiation_unknown (p))
        violation (p, WS_VIOL_RSV_NOT_NEGOTIATED, ts_us, off,
                   "RSV1 without permessage-deflate, opcode %u", op);
      else if (op >= OP_CLOSE)
        violation (p, WS_VIOL_RSV1_ON_CONTROL, ts_us, off, "opcode %u", op);
      else if (op == OP_CONT)
        violation (p, WS_VIOL_RSV1_ON_CONTINUATION, ts_us, off, NULL);
    }

  if (op >= OP_CLOSE)
    {
      if (p->payload_len > CONTROL_MAX)
        violation (p, WS_VIOL_CONTROL_TOO_LONG, ts_us, off,
                   "opcode %u, %" G_GUINT64_FORMAT " bytes", op, p->payload_len);
      if (!p->fin)
        violation (p, WS_VIOL_CONTROL_FRAGMENTED, ts_us, off, "opcode %u", op);
      if (p->payload_len > ds->largest_control)
        ds->largest_control = p->payload_len;
      if (op == OP_PING)
        {
          ds->pings++;
          ds->last_ping_us = ts_us;
        }
      else if (op == OP_PONG)
        {
          ds->pongs++;
          ds->last_pong_us = ts_us;
        }
      return;
    }

  ds->last_data_us = ts_us;
  if (op == OP_CONT)
    {
      if (!p->in_message)
        violation (p, WS_VIOL_CONTINUATION_WITHOUT_START, ts_us, off, NULL);
    }
  else
    message_begin (p, ts_us);
}

static void
frame_end (ws_frame_parser *p, int64_t ts_us)
{
  if (p->opcode == OP_CLOSE)
    close_frame (p, ts_us);
  else if (is_data_opcode (p->opcode) && p->in_message && p->fin)
    message_end (p, ts_us);
  p->state = WS_FP_HEADER;
  p->hdr_len = 0;
  p->hdr_need = 2;
}

static void
frame_payload (ws_frame_parser *p, const uint8_t *d, size_t n, int64_t ts_us)
{
  ws_dir_stats *ds = dir_of (p);
  ds->payload_bytes += n;
  ds->frame_bytes += n;
  ds->last_frame_us = ts_us;
  if (p->opcode == OP_CLOSE)
    close_payload (p, d, n);
  else if (is_data_opcode (p->opcode) && p->in_message)
    {
      ds->last_data_us = ts_us;
      message_payload (p, d, n, ts_us);
    }
  p->payload_pos += n;
}

/* ---- the parser ----------------------------------------------------------- */

void
ws_frame_parser_init (ws_frame_parser *p, struct ws_conn *c, int side)
{
  memset (p, 0, sizeof *p);
  p->conn = c;
  p->side = (uint8_t) side;
  p->state = WS_FP_HEADER;
  p->hdr_need = 2;
}

void
ws_frame_parser_clear (ws_frame_parser *p)
{
  g_free (p->ctl);
  p->ctl = NULL;
  p->ctl_len = 0;
  inflater_free (p);
}

static void
desync (ws_frame_parser *p)
{
  if (p->in_message && inflating (p))
    inflate_abandon_message (p);
  else if (p->conn->pmd.enabled && !no_takeover (p))
    p->inf_failed = true; /* a lost compressed message breaks the context */
  p->state = WS_FP_DESYNC;
  p->in_message = false;
  p->hdr_len = 0;
  p->hdr_need = 2;
  dir_of (p)->desynced = true;
  dir_of (p)->open_message = 0;
}

/* Back in step at a plausible header.  A message may be open whose start we
 * did not see: msg_opcode 0 marks it, so its continuations are not
 * violations and it is not counted. */
static void
resync (ws_frame_parser *p)
{
  ws_dir_stats *ds = dir_of (p);
  if (ds->desynced)
    ds->resyncs++;
  ds->desynced = false;
  p->state = WS_FP_HEADER;
  p->hdr_len = 0;
  p->hdr_need = 2;
  p->in_message = true;
  p->msg_opcode = 0;
  p->msg_compressed = false;
  p->msg_wire_size = 0;
  p->msg_size = 0;
  p->utf8_bad = true;
}

void
ws_frame_start_here (ws_frame_parser *p)
{
  if (p->state == WS_FP_DESYNC)
    resync (p);
}

void
ws_frame_feed (ws_frame_parser *p, const uint8_t *data, size_t len, int64_t ts_us)
{
  if (len == 0)
    return;
  if (p->state == WS_FP_DESYNC)
    {
      if (!resync_plausible (p, data, len))
        {
          p->offset += len;
          return;
        }
      resync (p);
    }
  while (len > 0)
    {
      size_t used;
      if (p->state == WS_FP_HEADER)
        {
          if (p->hdr_len == 0)
            p->frame_offset = p->offset;
          size_t want = (size_t) (p->hdr_need - p->hdr_len);
          used = want < len ? want : len;
          memcpy (p->hdr + p->hdr_len, data, used);
          p->hdr_len += (uint8_t) used;
          if (p->hdr_len == 2 && p->hdr_need == 2)
            {
              unsigned l7 = p->hdr[1] & 0x7f;
              p->hdr_need = (uint8_t) (2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0)
                                       + (p->hdr[1] & 0x80 ? 4 : 0));
            }
          if (p->hdr_len == p->hdr_need)
            {
              frame_begin (p, ts_us);
              if (p->payload_len == 0)
                frame_end (p, ts_us);
              else
                p->state = WS_FP_PAYLOAD;
            }
        }
      else
        {
          uint64_t rem = p->payload_len - p->payload_pos;
          used = rem < len ? (size_t) rem : len;
          frame_payload (p, data, used, ts_us);
          if (p->payload_pos == p->payload_len)
            frame_end (p, ts_us);
        }
      data += used;
      len -= used;
      p->offset += used;
    }
}

void
ws_frame_gap (ws_frame_parser *p, uint64_t n, int64_t ts_us)
{
  p->offset += n;
  if (p->state == WS_FP_DESYNC || n == 0)
    return;
  if (p->state != WS_FP_PAYLOAD || p->payload_len - p->payload_pos < n)
    {
      desync (p);
      return;
    }
  /* The lost bytes are inside this payload: the next header is still where
   * the length says.  What needed the bytes themselves stops. */
  ws_dir_stats *ds = dir_of (p);
  ds->payload_bytes += n;
  ds->frame_bytes += n;
  if (is_data_opcode (p->opcode) && p->in_message)
    {
      p->msg_wire_size += n;
      p->utf8_bad = true;
      if (inflating (p))
        inflate_abandon_message (p);
      if (!measuring_inflated (p))
        p->msg_size = p->msg_wire_size;
      ds->open_message = p->msg_size;
    }
  p->payload_pos += n; /* a close reason keeps what came before the hole */
  if (p->payload_pos == p->payload_len)
    frame_end (p, ts_us);
}
