/* utf8.h - the one UTF-8 validator and decoder (RFC 3629), for text that may
 * be masked as WebSocket client frames are (RFC 6455 section 5.3).
 */
#ifndef WS_UTF8_H
#define WS_UTF8_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Incremental UTF-8 validation (RFC 3629; rejects overlongs, surrogates and
 * code points above U+10FFFF).  state starts at 0; returns the new state;
 * WS_UTF8_REJECT is sticky.  At the end of the text the state must be 0. */
#define WS_UTF8_ACCEPT 0u
#define WS_UTF8_REJECT 1u
uint32_t ws_utf8_step (uint32_t state, const uint8_t *data, size_t len);
bool ws_utf8_valid (const uint8_t *data, size_t len);

/* ws_utf8_step that also says where: when it returns WS_UTF8_REJECT, *bad is
 * the index in data of the first byte no well-formed text could have there
 * (0 when state was already REJECT). */
uint32_t ws_utf8_scan (uint32_t state, const uint8_t *data, size_t len, size_t *bad);

/* ws_utf8_scan of data XORed with the mask m (see ws_mask_rot; 0: not
 * masked), checked where it lies. */
uint32_t ws_utf8_check_masked (uint32_t state, const uint8_t *data, size_t len,
                               uint32_t m, size_t *bad);

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4),
 * storing its code point in *cp, or 0 when s[0] does not start one (or s
 * ends inside it).  Reads at most n bytes; n >= 1.  The one decoder: the
 * validator's slow path, the writers' escaping and the report's strings use
 * it; inline because the escaping loops call it per character. */
static inline size_t
ws_utf8_decode (const uint8_t *s, size_t n, uint32_t *cp)
{
  uint8_t b = s[0];
  uint8_t lo = 0x80, hi = 0xBF;   /* range of the second byte */
  size_t need;
  uint32_t v;

  if (b < 0x80)
    {
      *cp = b;
      return 1;
    }
  if (b >= 0xC2 && b <= 0xDF)
    {
      need = 1;
      v = b & 0x1F;
    }
  else if (b >= 0xE0 && b <= 0xEF)
    {
      need = 2;
      v = b & 0x0F;
      if (b == 0xE0)
        lo = 0xA0;              /* overlong */
      else if (b == 0xED)
        hi = 0x9F;              /* surrogates */
    }
  else if (b >= 0xF0 && b <= 0xF4)
    {
      need = 3;
      v = b & 0x07;
      if (b == 0xF0)
        lo = 0x90;              /* overlong */
      else if (b == 0xF4)
        hi = 0x8F;              /* past U+10FFFF */
    }
  else
    return 0;

  if (n < need + 1)
    return 0;
  for (size_t i = 1; i <= need; i++)
    {
      uint8_t c = s[i];
      if (i == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF))
        return 0;
      v = (v << 6) | (c & 0x3F);
    }
  *cp = v;
  return need + 1;
}

/* The validator checks 32-byte blocks with AVX2 where the CPU has it (x86-64,
 * GCC or clang), else with portable code; both give the same answers.  For
 * tests: false forces the portable code, true (the default) allows SIMD.
 * Returns whether SIMD is now in use. */
bool ws_utf8_use_simd (bool on);

/* ---- masks ----------------------------------------------------------------- */

/* A mask is the four key bytes that apply to d[0], d[1], d[2], d[3], read
 * into a uint32_t in memory order; 0 leaves bytes as they are, so it also
 * stands for "not masked".  ws_mask_rot gives the mask for d[i] on. */
static inline uint32_t
ws_mask_rot (uint32_t m, uint64_t i)
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
void ws_unmask (uint8_t *dst, const uint8_t *src, size_t k, uint32_t m);

#endif
