/* sha1.c - SHA-1 (FIPS 180-4), for the Sec-WebSocket-Accept check
 * (RFC 6455 section 4.2.2): portable code, and the x86 SHA extensions where
 * the CPU has them.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "extract.h"
#include "sha1.h"

/* SHA-1 (FIPS 180-4 sections 5.1.1, 6.1).  Our own, for a handshake costs
 * one digest of about 60 bytes: GChecksum's allocation, locking-free but
 * generic update path and hex buffer cost more than the two blocks. */
static inline uint32_t
rol32 (uint32_t x, unsigned n)
{
  return (x << n) | (x >> (32 - n));
}

/* The round constants of section 4.2.1, one per twenty rounds. */
#define SHA1_K0 UINT32_C (0x5a827999)
#define SHA1_K1 UINT32_C (0x6ed9eba1)
#define SHA1_K2 UINT32_C (0x8f1bbcdc)
#define SHA1_K3 UINT32_C (0xca62c1d6)

/* The message schedule of section 6.1.2 step 1: w[0..15] holds the block's
 * words on entry, w[16..79] is filled, four words at a time where SSE2 is
 * at hand.  (Adding the round constants in here as well was tried: it cost
 * more than it saved, as the rounds fold the constant into an lea.) */
/* WS_SHA1_SCALAR_SCHEDULE: the portable loop even with SSE2 (to test it) */
#if defined(__SSE2__) && !defined(WS_SHA1_SCALAR_SCHEDULE)
#include <emmintrin.h>

static inline __m128i
rol_epi32 (__m128i x, int n)
{
  return _mm_or_si128 (_mm_slli_epi32 (x, n), _mm_srli_epi32 (x, 32 - n));
}

static void
sha1_schedule (uint32_t w[80])
{
  /* four words at a time.  For t < 32, W[t+3] needs W[t] of the same four:
   * computed without it, then corrected, as ROTL1 is linear over XOR and
   * W[t] = ROTL1(x[0]), so W[t+3] gets ROTL2(x[0]) XORed in.  From t = 32
   * on, the equal recurrence W[t] = ROTL2(W[t-6] ^ W[t-16] ^ W[t-28] ^
   * W[t-32]) (W[t-3] unfolded once) reaches back no less than six words,
   * out of the four being made. */
  int t;

  for (t = 16; t < 32; t += 4)
    {
      __m128i x = _mm_xor_si128 (_mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 16)),
                                 _mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 14)));
      x = _mm_xor_si128 (x, _mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 8)));
      /* W[t-3], W[t-2], W[t-1], 0 */
      x = _mm_xor_si128 (x, _mm_srli_si128 (_mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 4)), 4));
      __m128i r = rol_epi32 (x, 1);
      r = _mm_xor_si128 (r, rol_epi32 (_mm_slli_si128 (x, 12), 2));
      _mm_storeu_si128 ((__m128i *) (void *) (w + t), r);
    }
  for (; t < 80; t += 4)
    {
      __m128i x = _mm_xor_si128 (_mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 6)),
                                 _mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 16)));
      x = _mm_xor_si128 (x, _mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 28)));
      x = _mm_xor_si128 (x, _mm_loadu_si128 ((const __m128i *) (const void *) (w + t - 32)));
      _mm_storeu_si128 ((__m128i *) (void *) (w + t), rol_epi32 (x, 2));
    }
}
#else
static void
sha1_schedule (uint32_t w[80])
{
  int t;

  for (t = 16; t < 80; t++)
    w[t] = rol32 (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
}
#endif

/* One round of section 6.1.2 step 3, with the variables renamed instead of
 * moved: e takes T, and b becomes ROTL30(b).  Five rounds bring the names
 * back to where they started. */
#define SHA1_ROUND(a, b, c, d, e, f, k, wt)                     \
  do {                                                          \
    (e) += rol32 ((a), 5) + (f) + (k) + (wt);                   \
    (b) = rol32 ((b), 30);                                      \
  } while (0)
/* Ch, Parity and Maj of section 4.1.1 (Ch and Maj in forms with fewer
 * operations, equal bit by bit) */
#define SHA1_CH(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define SHA1_PARITY(b, c, d) ((b) ^ (c) ^ (d))
#define SHA1_MAJ(b, c, d) (((b) & (c)) | ((d) & ((b) | (c))))
#define SHA1_FIVE(F, k, i)                                      \
  do {                                                          \
    SHA1_ROUND (a, b, c, d, e, F (b, c, d), k, w[(i)]);         \
    SHA1_ROUND (e, a, b, c, d, F (a, b, c), k, w[(i) + 1]);     \
    SHA1_ROUND (d, e, a, b, c, F (e, a, b), k, w[(i) + 2]);     \
    SHA1_ROUND (c, d, e, a, b, F (d, e, a), k, w[(i) + 3]);     \
    SHA1_ROUND (b, c, d, e, a, F (c, d, e), k, w[(i) + 4]);     \
  } while (0)

/* The eighty rounds of one block, its schedule (plus constants) given. */
static void
sha1_rounds (uint32_t h[5], const uint32_t w[80])
{
  uint32_t a, b, c, d, e;
  int i;

  a = h[0];
  b = h[1];
  c = h[2];
  d = h[3];
  e = h[4];
  for (i = 0; i < 20; i += 5)
    SHA1_FIVE (SHA1_CH, SHA1_K0, i);
  for (; i < 40; i += 5)
    SHA1_FIVE (SHA1_PARITY, SHA1_K1, i);
  for (; i < 60; i += 5)
    SHA1_FIVE (SHA1_MAJ, SHA1_K2, i);
  for (; i < 80; i += 5)
    SHA1_FIVE (SHA1_PARITY, SHA1_K3, i);
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

#undef SHA1_FIVE
#undef SHA1_MAJ
#undef SHA1_PARITY
#undef SHA1_CH
#undef SHA1_ROUND

static void
sha1_block_portable (uint32_t h[5], const uint8_t *p)
{
  _Alignas (16) uint32_t w[80];
  int i;

  for (i = 0; i < 16; i++)
    w[i] = ws_be32 (p + 4 * i);
  sha1_schedule (w);
  sha1_rounds (h, w);
}

/* A Sec-WebSocket-Accept check hashes the 24-byte key and the 36-byte GUID:
 * 60 bytes, whose padding spills into a second block of zeroes and the
 * length (480 bits).  That block's schedule is always the same, so it is
 * given here (made by the loop of section 6.1.2 step 1 from W[15] = 480,
 * the other words 0; tests/test-http.c hashes 60-byte messages with the
 * portable code against GChecksum). */
#define SHA1_PAD_LEN 60
static const uint32_t sha1_pad_w[80] = {
  0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
  0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
  0x00000000, 0x00000000, 0x00000000, 0x000001e0, 0x00000000, 0x00000000,
  0x000003c0, 0x00000000, 0x00000000, 0x00000780, 0x00000000, 0x000003c0,
  0x00000f00, 0x00000000, 0x00000000, 0x00001e00, 0x00000000, 0x00000cc0,
  0x00003c00, 0x00000440, 0x00000000, 0x00007800, 0x00000f00, 0x00003300,
  0x0000f000, 0x00000f00, 0x00000000, 0x0001ef00, 0x00000000, 0x0000cc00,
  0x0003c000, 0x00004380, 0x00000000, 0x00078f00, 0x0000ff00, 0x00032680,
  0x000f0000, 0x0000f000, 0x00003300, 0x001eff00, 0x00000000, 0x000cb800,
  0x003c0000, 0x00040b00, 0x0000f000, 0x0078ff00, 0x000ff000, 0x00338700,
  0x00f00000, 0x000fc300, 0x0000f000, 0x01efbb00, 0x00000000, 0x00cc0000,
  0x03c0f000, 0x00438000, 0x00000000, 0x078f0000, 0x00ff0000, 0x03269e00,
  0x0f000000, 0x00f0f000, 0x00333c00, 0x1eff8800, 0x00000000, 0x0cb88800,
  0x3c00f000, 0x040a4a00
};

/* With the x86 SHA extensions, four rounds are one instruction
 * (sha1rnds4, its operand the round function's number: 0 Ch, 1 Parity,
 * 2 Maj, 3 Parity, with the constants built in), the next four words of the
 * schedule two more (sha1msg1, a XOR, sha1msg2), and E follows from the
 * A four rounds before (sha1nexte).  The state is held as ABCD in one
 * register, A in the highest lane, and E in the highest lane of another; the
 * message words are loaded byte-reversed so that w[t] is in the highest lane
 * too.  Checked against the portable code (tests/test-http.c). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA1_HW 1
#include <cpuid.h>
#include <immintrin.h>

/* Rounds 4g..4g+3 for g >= 4, with the message words m[g % 4]: e[g % 2]
 * gets E plus those words, e[1 - g % 2] keeps ABCD for the next group's E;
 * the schedule is advanced while the rounds run (m[(g+1) % 4] completed,
 * m[(g-1) % 4] and m[(g-2) % 4] on their way to groups g+3 and g+2). */
#define SHA1_HW_GROUP(g, f)                                                          \
  do {                                                                               \
    e[(g) % 2] = _mm_sha1nexte_epu32 (e[(g) % 2], m[(g) % 4]);                       \
    e[1 - (g) % 2] = abcd;                                                           \
    if ((g) >= 3 && (g) <= 18)                                                       \
      m[((g) + 1) % 4] = _mm_sha1msg2_epu32 (m[((g) + 1) % 4], m[(g) % 4]);          \
    abcd = _mm_sha1rnds4_epu32 (abcd, e[(g) % 2], (f));                              \
    if ((g) <= 16)                                                                   \
      m[((g) + 3) % 4] = _mm_sha1msg1_epu32 (m[((g) + 3) % 4], m[(g) % 4]);          \
    if ((g) >= 2 && (g) <= 17)                                                       \
      m[((g) + 2) % 4] = _mm_xor_si128 (m[((g) + 2) % 4], m[(g) % 4]);               \
  } while (0)

__attribute__ ((target ("sha,sse4.1,ssse3"))) static void
sha1_block_hw (uint32_t h[5], const uint8_t *p)
{
  const __m128i reverse = _mm_set_epi64x (0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_shuffle_epi32 (_mm_loadu_si128 ((const __m128i *) (const void *) h), 0x1b);
  __m128i e0 = _mm_set_epi32 ((int) h[4], 0, 0, 0);
  __m128i abcd_before = abcd, e_before = e0;
  __m128i m[4], e[2];

  for (int i = 0; i < 4; i++)
    m[i] = _mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *) (const void *) (p + 16 * i)),
                             reverse);
  /* rounds 0-15: the words as they came; E of round 0 is h[4] */
  e[0] = _mm_add_epi32 (e0, m[0]);
  e[1] = abcd;
  abcd = _mm_sha1rnds4_epu32 (abcd, e[0], 0);
  SHA1_HW_GROUP (1, 0);
  SHA1_HW_GROUP (2, 0);
  SHA1_HW_GROUP (3, 0);
  SHA1_HW_GROUP (4, 0);
  SHA1_HW_GROUP (5, 1);
  SHA1_HW_GROUP (6, 1);
  SHA1_HW_GROUP (7, 1);
  SHA1_HW_GROUP (8, 1);
  SHA1_HW_GROUP (9, 1);
  SHA1_HW_GROUP (10, 2);
  SHA1_HW_GROUP (11, 2);
  SHA1_HW_GROUP (12, 2);
  SHA1_HW_GROUP (13, 2);
  SHA1_HW_GROUP (14, 2);
  SHA1_HW_GROUP (15, 3);
  SHA1_HW_GROUP (16, 3);
  SHA1_HW_GROUP (17, 3);
  SHA1_HW_GROUP (18, 3);
  SHA1_HW_GROUP (19, 3);
  /* e[0] holds ABCD from before the last group: its A gives the final E */
  e0 = _mm_sha1nexte_epu32 (e[0], e_before);
  abcd = _mm_add_epi32 (abcd, abcd_before);
  _mm_storeu_si128 ((__m128i *) (void *) h, _mm_shuffle_epi32 (abcd, 0x1b));
  h[4] = (uint32_t) _mm_extract_epi32 (e0, 3);
}
#undef SHA1_HW_GROUP
#endif

/* The CPU has the SHA extensions: a process-wide fact, found once before
 * main (a constructor runs before any thread exists) and only read from
 * then on; ws_sha1_set_hw, for tests, may change it while no analyzer runs. */
static bool sha1_use_hw;

__attribute__ ((constructor)) static void
sha1_detect (void)
{
  ws_sha1_set_hw (true);
}

void
ws_sha1_set_hw (bool on)
{
#ifdef SHA1_HW
  /* CPUID: leaf 7 EBX bit 29 is SHA, leaf 1 ECX bits 19 and 9 are SSE4.1
   * and SSSE3 (asked directly: not every compiler's __builtin_cpu_supports
   * knows "sha") */
  unsigned a, b, c, d;
  bool sha = __get_cpuid_count (7, 0, &a, &b, &c, &d) && (b & (1u << 29));
  bool sse = __get_cpuid (1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9));
  sha1_use_hw = on && sha && sse;
#else
  (void) on;
  sha1_use_hw = false;
#endif
}

static void
sha1_block (uint32_t h[5], const uint8_t *p)
{
#ifdef SHA1_HW
  if (sha1_use_hw)
    {
      sha1_block_hw (h, p);
      return;
    }
#endif
  sha1_block_portable (h, p);
}

void
ws_sha1_init (ws_sha1_ctx *s)
{
  s->h[0] = 0x67452301;
  s->h[1] = 0xefcdab89;
  s->h[2] = 0x98badcfe;
  s->h[3] = 0x10325476;
  s->h[4] = 0xc3d2e1f0;
  s->fill = 0;
  s->total = 0;
}

void
ws_sha1_update (ws_sha1_ctx *s, const uint8_t *p, size_t n)
{
  s->total += n;
  while (n > 0)
    {
      size_t k;

      if (s->fill == 0 && n >= sizeof s->block)
        {
          sha1_block (s->h, p);
          p += sizeof s->block;
          n -= sizeof s->block;
          continue;
        }
      k = sizeof s->block - s->fill;
      if (k > n)
        k = n;
      memcpy (s->block + s->fill, p, k);
      s->fill += k;
      p += k;
      n -= k;
      if (s->fill == sizeof s->block)
        {
          sha1_block (s->h, s->block);
          s->fill = 0;
        }
    }
}

/* Padding (section 5.1.1): 0x80, zeroes, the length in bits as 64 bits
 * big-endian, ending on a block boundary. */
void
ws_sha1_final (ws_sha1_ctx *s, uint8_t digest[20])
{
  uint64_t bits = s->total * 8;
  int i;

  s->block[s->fill++] = 0x80;
  if (s->fill > 56)
    {
      memset (s->block + s->fill, 0, sizeof s->block - s->fill);
      sha1_block (s->h, s->block);
      s->fill = 0;
    }
  memset (s->block + s->fill, 0, 56 - s->fill);
  for (i = 0; i < 8; i++)
    s->block[56 + i] = (uint8_t) (bits >> (56 - 8 * i));
  sha1_block (s->h, s->block);
  for (i = 0; i < 5; i++)
    {
      digest[4 * i] = (uint8_t) (s->h[i] >> 24);
      digest[4 * i + 1] = (uint8_t) (s->h[i] >> 16);
      digest[4 * i + 2] = (uint8_t) (s->h[i] >> 8);
      digest[4 * i + 3] = (uint8_t) s->h[i];
    }
}

/* At once: the whole blocks straight from data, the tail padded in one
 * or two blocks on the stack (a Community ID is one block, a
 * Sec-WebSocket-Accept check two), without a context's copying. */
void
ws_sha1 (const uint8_t *data, size_t len, uint8_t digest[20])
{
  uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
  size_t full = len & ~(size_t) 63, r = len - full;
  uint8_t tail[128];
  uint64_t bits = (uint64_t) len * 8;
  int i;

  for (size_t off = 0; off < full; off += 64)
    sha1_block (h, data + off);
  if (r)
    memcpy (tail, data + full, r);
  tail[r++] = 0x80;
  size_t end = r > 56 ? 128 : 64;
  memset (tail + r, 0, end - 8 - r);
  ws_put_be64 (tail + end - 8, bits);
  sha1_block (h, tail);
  if (end == 128)
    {
      if (len == SHA1_PAD_LEN && !sha1_use_hw)
        sha1_rounds (h, sha1_pad_w);
      else
        sha1_block (h, tail + 64);
    }
  for (i = 0; i < 5; i++)
    ws_put_be32 (digest + 4 * i, h[i]);
}
