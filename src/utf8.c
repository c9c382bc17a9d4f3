/* utf8.c - the one UTF-8 validator and decoder (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).
 *
 * The validator is incremental (a state carries a character cut between two
 * pieces over to the next) and reads bytes that may be masked as WebSocket
 * client frames are (RFC 6455 5.3) without copying them first.  ASCII runs
 * are checked 32 bytes at a time; whole texts with AVX2 where the CPU has it
 * (Keiser and Lemire's lookup algorithm), else with portable code that gives
 * the same answers; the scalar state machine finds the offending byte.
 */
#include "config.h"

#include <glib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include "utf8.h"

#define UNMASK_BUF 4096

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
      uint32_t cp;
      size_t k = ws_utf8_decode (d + i, len - i, &cp);
      if (k > 0)
        {
          i += k;
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

/* ---- masked bytes and SIMD ----------------------------------------------- */

/* dst[0..k) = src[0..k) XOR the repeating mask m. */
void
ws_unmask (uint8_t *dst, const uint8_t *src, size_t k, uint32_t m)
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
      ws_unmask (buf, d + off, k, ws_mask_rot (m, off));
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
uint32_t
ws_utf8_check_masked (uint32_t st, const uint8_t *d, size_t len, uint32_t m, size_t *bad)
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
      i += utf8_avx2_valid (d + i, len - i, ws_mask_rot (m, i));
      if (i == len)
        return WS_UTF8_ACCEPT;
      size_t b;
      st = utf8_scan_masked (WS_UTF8_ACCEPT, d + i, len - i, ws_mask_rot (m, i), &b);
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
  return ws_utf8_check_masked (state, data, len, 0, bad);
}

uint32_t
ws_utf8_step (uint32_t state, const uint8_t *data, size_t len)
{
  size_t bad;
  return ws_utf8_check_masked (state, data, len, 0, &bad);
}

bool
ws_utf8_valid (const uint8_t *data, size_t len)
{
  return ws_utf8_step (WS_UTF8_ACCEPT, data, len) == WS_UTF8_ACCEPT;
}
