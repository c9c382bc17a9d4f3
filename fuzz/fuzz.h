/* fuzz.h - what every fuzz target shares: the libFuzzer entry point (also
 * called by the plain replay driver, replay.c) and a byte cursor that turns
 * the input into decisions (chunk sizes, sides, flags) as well as data.
 *
 * Each target's input layout is described at the top of its file; the seed
 * corpora under fuzz/corpus/<target>/ are written in that layout by
 * fuzz/make-corpus.py.
 */
#ifndef WS_FUZZ_H
#define WS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The input read front to back.  Reads past the end give zeros and a
 * zero-length span, so a target never needs to check before asking. */
typedef struct {
  const uint8_t *p;
  size_t len, pos;
} fuzz_cursor;

static inline uint8_t
fuzz_u8 (fuzz_cursor *c)
{
  return c->pos < c->len ? c->p[c->pos++] : 0;
}

static inline uint16_t
fuzz_u16 (fuzz_cursor *c)
{
  uint16_t hi = fuzz_u8 (c);
  return (uint16_t) (hi << 8 | fuzz_u8 (c));
}

static inline size_t
fuzz_left (const fuzz_cursor *c)
{
  return c->len - c->pos;
}

/* Up to n bytes at the cursor; *got says how many there were. */
static inline const uint8_t *
fuzz_take (fuzz_cursor *c, size_t n, size_t *got)
{
  size_t left = fuzz_left (c);
  *got = n < left ? n : left;
  const uint8_t *r = c->p + c->pos;
  c->pos += *got;
  return r;
}

/* Small deterministic generator for chunk sizes, seeded from the input. */
static inline uint32_t
fuzz_rand (uint32_t *state)
{
  /* xorshift32; the state must not be 0 */
  uint32_t x = *state ? *state : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

#endif
