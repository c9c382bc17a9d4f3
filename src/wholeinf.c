/* wholeinf.c - a strict DEFLATE decoder (RFC 1951) for whole messages: see
 * wholeinf.h for what it refuses and why.
 *
 * A stream is a sequence of blocks, each with a 3-bit header (RFC 1951 3.2.3):
 *
 *   BFINAL (1 bit)  BTYPE (2 bits: 00 stored, 01 fixed codes, 10 dynamic codes)
 *   stored:  to the byte's end, LEN (2 bytes LE), NLEN = ~LEN, LEN bytes
 *   fixed:   symbols with the codes of 3.2.6
 *   dynamic: HLIT (5) HDIST (5) HCLEN (4), (HCLEN + 4) x 3-bit code-length
 *            code lengths, then the literal/length and distance code lengths
 *            coded with it (3.2.7), then the symbols
 *
 * Bits are read least significant first from a 64-bit buffer refilled a word
 * at a time while 8 input bytes remain, a byte at a time after that; past the
 * input's end the buffer is filled with zero bytes that are counted, and
 * using any of them refuses the stream.  Huffman codes are decoded with a main
 * table indexed by the next LIT_BITS (DIST_BITS) bits, whose entries are the
 * symbol's whole meaning (literal byte, length or distance base and extra
 * bits, end of block, invalid) with the code's length, or point to a
 * sub-table for the codes longer than that.  While 16 input bytes and
 * FAST_OUT bytes of output room remain, a loop decodes without any other
 * check (up to three literals a refill; one refill gives the 48 bits a
 * length/distance pair needs at most) and copies matches 8 bytes at a time;
 * the last bytes go through a loop that checks each step.  The output buffer
 * (the dictionary, then the output) grows as needed up to the caller's room.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "wholeinf.h"

#define LIT_BITS 9      /* (10 and 11 measured: 1% and 4% more instructions) */
#define DIST_BITS 8
#define CL_BITS 7
#define MAX_LEN 15

/* main table + at most one sub-table (of at most 2^(15 - main bits)
 * entries) per code longer than the main bits */
#define LIT_SIZE ((1u << LIT_BITS) + 286u * (1u << (MAX_LEN - LIT_BITS)))
#define DIST_SIZE ((1u << DIST_BITS) + 30u * (1u << (MAX_LEN - DIST_BITS)))

/* A table entry: bits 0-7 the code's length (what to drop), 8-11 the extra
 * bits of a length or distance (or a sub-table's index bits), 12-15 what it
 * is, 16-31 the value (literal byte, base, sub-table offset). */
#define E_BAD 0x1000u   /* a code no valid stream has (reserved, or unused) */
#define E_SUB 0x2000u   /* a sub-table for longer codes */
#define E_EOB 0x4000u   /* end of block */
#define E_LIT 0x8000u   /* a literal byte */

#define WIN_MAX 32768u
/* room the fast loop needs: three literals, the longest match and its
 * copy's last word */
#define FAST_OUT (3 + 258 + 8)

/* the fixed codes (at most 9 and 5 bits) fit the main tables: no sub-table */
G_STATIC_ASSERT (LIT_BITS >= 9 && DIST_BITS >= 5);

struct ws_wholeinf {
  uint32_t lit[LIT_SIZE];
  uint32_t dist[DIST_SIZE];
  uint32_t fix_lit[1u << LIT_BITS];
  uint32_t fix_dist[1u << DIST_BITS];
  uint32_t cl[1u << CL_BITS];
  uint32_t lit_tmpl[288], dist_tmpl[32], cl_tmpl[19];
  uint8_t *buf;          /* dictionary then output */
  size_t cap;
};

/* The next canonical code after rev (bit-reversed, len bits): the carry of
 * +1 runs from the code's last bit, the reversed value's top bit, down. */
static inline unsigned
rev_next (unsigned rev, unsigned len)
{
  unsigned bit = 1u << (len - 1);
  while (rev & bit)
    bit >>= 1;
  return bit ? (rev & (bit - 1)) | bit : 0;
}

static void
fill (uint32_t *t, size_t n, uint32_t e)
{
  for (size_t i = 0; i < n; i++)
    t[i] = e;
}

/* The codes longer than `bits` (symbols sorted[0..], the first one's
 * reversed code rev), in canonical order: those sharing their first `bits`
 * bits (the reversed code's low bits) are consecutive and get one
 * sub-table, as wide as the longest of them (the last). */
static void
build_long (uint32_t *t, unsigned bits, const unsigned *count, const uint32_t *tmpl,
            const uint16_t *sorted, unsigned rev, unsigned max)
{
  uint16_t lsym[288], lrev[288];
  uint8_t llen[288];
  unsigned nlong = 0;
  for (unsigned l = bits + 1; l <= max; l++)
    for (unsigned k = 0; k < count[l]; k++)
      {
        lsym[nlong] = sorted[nlong];
        lrev[nlong] = (uint16_t) rev;
        llen[nlong++] = (uint8_t) l;
        rev = rev_next (rev, l);
      }
  unsigned mask = (1u << bits) - 1, sub = 1u << bits;
  for (unsigned j = 0; j < nlong;)
    {
      unsigned prefix = lrev[j] & mask, last = j;
      while (last + 1 < nlong && (lrev[last + 1] & mask) == prefix)
        last++;
      unsigned sb = llen[last] - bits;
      t[prefix] = E_SUB | (sb << 8) | (sub << 16);
      for (; j <= last; j++)
        {
          unsigned step = 1u << (llen[j] - bits);
          uint32_t e = tmpl[lsym[j]] | llen[j];
          for (unsigned x = lrev[j] >> bits; x < (1u << sb); x += step)
            t[sub + x] = e;
        }
      sub += 1u << sb;
    }
}

/* The decoding table of the code with lengths lens[0..n) (RFC 1951 3.2.2),
 * count[l] of them l bits long (count[0] unused), tmpl[s] being symbol s's
 * entry without the length.  False when zlib would refuse the code
 * (inftrees.c): over-subscribed, or incomplete but for one code of one bit
 * (single) or no code at all (empty); the unused codes of those two are
 * E_BAD. */
static bool
build (uint32_t *t, unsigned bits, const uint8_t *lens, unsigned n, const unsigned *count,
       const uint32_t *tmpl, bool single, bool empty)
{
  int left = 1;
  unsigned total = 0, max = 0;
  for (unsigned l = 1; l <= MAX_LEN; l++)
    {
      left = 2 * left - (int) count[l];
      if (left < 0)
        return false; /* over-subscribed */
      total += count[l];
      if (count[l])
        max = l;
    }
  if (left > 0)
    {
      /* incomplete: zlib's one exception (a single one-bit code), and no
       * code at all (zlib builds a table that fails when used) */
      if (total == 0 && empty)
        {
          fill (t, (size_t) 1 << bits, E_BAD);
          return true;
        }
      if (!(single && total == 1 && count[1] == 1))
        return false;
      unsigned s = 0;
      while (lens[s] == 0)
        s++;
      for (size_t i = 0; i < ((size_t) 1 << bits); i++)
        t[i] = (i & 1) ? E_BAD : tmpl[s] | 1u; /* code 0: the other half is unused */
      return true;
    }

  /* symbols in canonical order: by length, then by value (the unused ones
   * first, skipped) */
  unsigned offs[MAX_LEN + 1];
  uint16_t sorted[288];
  offs[0] = 0;
  offs[1] = n - total;
  for (unsigned l = 1; l < MAX_LEN; l++)
    offs[l + 1] = offs[l] + count[l];
  unsigned s = 0;
  for (; s + 8 <= n; s += 8)
    {
      /* literal codes leave long runs of unused bytes: 8 at a time */
      uint64_t w;
      memcpy (&w, lens + s, 8);
      if (w == 0)
        continue;
      for (unsigned k = s; k < s + 8; k++)
        sorted[offs[lens[k]]++] = (uint16_t) k;
    }
  for (; s < n; s++)
    sorted[offs[lens[s]]++] = (uint16_t) s;

  /* Codes up to `bits` long: the table is built for l bits, then doubled
   * (a code of length l is in every entry whose low l bits are its reversed
   * code); entries no code of length <= l covers yet are the prefixes of
   * longer codes, written when their length comes. */
  unsigned rev = 0, i = n - total, size = 1;
  unsigned main_max = max < bits ? max : bits;
  for (unsigned l = 1; l <= main_max; l++)
    {
      if (i == n - total)
        {
          /* the shortest codes: the table starts at their length (its
           * entries that no code covers yet are written later) */
          if (count[l] == 0)
            continue;
          size = 1u << l;
        }
      else
        {
          memcpy (t + size, t, size * sizeof *t);
          size *= 2;
        }
      for (unsigned k = 0; k < count[l]; k++, i++)
        {
          t[rev] = tmpl[sorted[i]] | l;
          rev = rev_next (rev, l);
        }
    }
  for (; size < (1u << bits); size *= 2)
    memcpy (t + size, t, size * sizeof *t);
  if (max > bits)
    build_long (t, bits, count, tmpl, sorted + i, rev, max);
  return true;
}

static void
count_lens (const uint8_t *lens, unsigned n, unsigned *count)
{
  memset (count, 0, (MAX_LEN + 1) * sizeof *count);
  for (unsigned s = 0; s < n; s++)
    count[lens[s]]++;
}

ws_wholeinf *
ws_wholeinf_new (void)
{
  ws_wholeinf *d = g_try_new0 (ws_wholeinf, 1);
  if (!d)
    return NULL;
  /* literal/length symbols (3.2.5): 257-284 in groups of four per extra
   * bit from 265, 285 is 258; 286-287 never occur */
  for (unsigned s = 0; s < 256; s++)
    d->lit_tmpl[s] = E_LIT | (s << 16);
  d->lit_tmpl[256] = E_EOB;
  unsigned base = 3;
  for (unsigned k = 0; k < 28; k++)
    {
      unsigned extra = k < 8 ? 0 : (k >> 2) - 1;
      d->lit_tmpl[257 + k] = (base << 16) | (extra << 8);
      base += 1u << extra;
    }
  d->lit_tmpl[285] = 258u << 16;
  d->lit_tmpl[286] = d->lit_tmpl[287] = E_BAD;
  base = 1;
  for (unsigned k = 0; k < 30; k++)
    {
      unsigned extra = k < 4 ? 0 : (k >> 1) - 1;
      d->dist_tmpl[k] = (base << 16) | (extra << 8);
      base += 1u << extra;
    }
  d->dist_tmpl[30] = d->dist_tmpl[31] = E_BAD;
  for (unsigned s = 0; s < 19; s++)
    d->cl_tmpl[s] = s << 16;

  /* the fixed codes (3.2.6), reserved symbols included (as E_BAD) */
  uint8_t lens[288];
  memset (lens, 8, 144);
  memset (lens + 144, 9, 112);
  memset (lens + 256, 7, 24);
  memset (lens + 280, 8, 8);
  unsigned count[MAX_LEN + 1];
  count_lens (lens, 288, count);
  bool ok = build (d->fix_lit, LIT_BITS, lens, 288, count, d->lit_tmpl, false, false);
  memset (lens, 5, 32);
  count_lens (lens, 32, count);
  ok = ok && build (d->fix_dist, DIST_BITS, lens, 32, count, d->dist_tmpl, false, false);
  g_assert (ok);
  return d;
}

void
ws_wholeinf_free (ws_wholeinf *d)
{
  if (!d)
    return;
  g_free (d->buf);
  g_free (d);
}

/* The entry of the code in bb's low bits (its sub-table's for a long code). */
static inline uint32_t
lookup (const uint32_t *t, unsigned bits, uint64_t bb)
{
  uint32_t e = t[bb & ((1u << bits) - 1)];
  if (e & E_SUB)
    e = t[(e >> 16) + ((bb >> bits) & ((1u << ((e >> 8) & 15)) - 1))];
  return e;
}

static inline uint64_t
load64 (const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

/* Makes the output buffer hold at least need bytes (at most max). */
static bool
grow (ws_wholeinf *d, size_t need, size_t max)
{
  if (need > max)
    return false;
  size_t cap = d->cap ? d->cap : 65536;
  while (cap < need)
    cap *= 2;
  if (cap > max)
    cap = max;
  uint8_t *nb = g_try_realloc (d->buf, cap);
  if (!nb)
    return false;
  d->buf = nb;
  d->cap = cap;
  return true;
}

/* The state between blocks: the bit reader (bb holds bc bits not used yet,
 * the bits above them the next input bytes or zero; virt counts the zero
 * bytes added past the input's end) and the output (base[0..out), written
 * up to lim: the buffer's end or the caller's limit). */
typedef struct {
  const uint8_t *in, *ip, *ie;
  uint64_t bb;
  unsigned bc;
  size_t virt;
  uint8_t *base, *out, *lim;
  size_t limit, max_cap;  /* output allowed (dictionary included), buffer's most */
  bool final;             /* the block read last had BFINAL */
} state;

/* what a block's part did */
typedef enum { B_END = 0, B_REFUSED, B_ROOM } block_rc;

/* The state in locals (registers) while a function works, and back. */
#define LOAD_BITS(st)                                                   \
  const uint8_t *ip = (st)->ip, *const ie = (st)->ie;                   \
  uint64_t bb = (st)->bb;                                               \
  unsigned bc = (st)->bc;                                               \
  size_t virt = (st)->virt
#define SAVE_BITS(st) ((st)->ip = ip, (st)->bb = bb, (st)->bc = bc, (st)->virt = virt)
#define LOAD_OUT(st) uint8_t *base = (st)->base, *out = (st)->out, *lim = (st)->lim
#define SAVE(st) (SAVE_BITS (st), (st)->base = base, (st)->out = out, (st)->lim = lim)

/* at least 57 bits: a word at a time while 8 input bytes remain, then a
 * byte at a time, then zeros; refused when zeros added were used (the
 * stream needs more than the input) */
#define REFILL()                                                        \
  do                                                                    \
    {                                                                   \
      if (ie - ip >= 8)                                                 \
        {                                                               \
          bb |= load64 (ip) << bc;                                      \
          ip += (63 - bc) >> 3;                                         \
          bc |= 56;                                                     \
        }                                                               \
      else                                                              \
        while (bc <= 56)                                                \
          {                                                             \
            if (ip < ie)                                                \
              bb |= (uint64_t) *ip++ << bc;                             \
            else                                                        \
              {                                                         \
                if (virt * 8 > bc)                                      \
                  return B_REFUSED;                                     \
                bb &= ((uint64_t) 1 << bc) - 1;                         \
                virt++;                                                 \
              }                                                         \
            bc += 8;                                                    \
          }                                                             \
    }                                                                   \
  while (0)
/* bits of input not used yet (negative: zeros past the end were used) */
#define BITS_LEFT() ((int64_t) (ie - ip) * 8 + bc - (int64_t) virt * 8)
#define DROP(k) (bb >>= (k), bc -= (k))
#define LOOKUP(t, bits) lookup ((t), (bits), bb)
#define LIT_MASK ((1u << LIT_BITS) - 1)
/* room for k more output bytes, growing the buffer (pointers follow) */
#define ROOM_FOR(k)                                                     \
  do                                                                    \
    {                                                                   \
      if ((size_t) (lim - out) < (size_t) (k))                          \
        {                                                               \
          size_t at = (size_t) (out - base);                            \
          if (at + (k) > st->limit || !grow (d, at + (k), st->max_cap)) \
            return B_ROOM;                                              \
          base = d->buf;                                                \
          out = base + at;                                              \
          lim = base + MIN (d->cap, st->limit);                         \
        }                                                               \
    }                                                                   \
  while (0)

/* A stored block (3.2.4), its header read: to the byte's end, LEN, NLEN,
 * LEN bytes. */
static block_rc
stored (ws_wholeinf *d, state *st)
{
  LOAD_BITS (st);
  LOAD_OUT (st);
  REFILL ();
  DROP (bc & 7);
  unsigned len = bb & 0xffff, nlen = (bb >> 16) & 0xffff;
  DROP (32);
  if (len != (~nlen & 0xffff))
    return B_REFUSED; /* "invalid stored block lengths" */
  int64_t left = BITS_LEFT ();
  if (left < 0 || (uint64_t) left / 8 < len)
    return B_REFUSED; /* cut short */
  const uint8_t *p = ie - left / 8;
  ROOM_FOR (len);
  memcpy (out, p, len);
  out += len;
  ip = p + len;
  bb = 0;
  bc = 0;
  virt = 0;
  SAVE (st);
  return B_END;
}

/* A dynamic block's code lengths (3.2.7), its header read: d->lit and
 * d->dist built. */
static block_rc
dynamic (ws_wholeinf *d, state *st)
{
  LOAD_BITS (st);
  REFILL ();
  unsigned nlit = (bb & 31) + 257, ndist = ((bb >> 5) & 31) + 1;
  unsigned ncl = ((bb >> 10) & 15) + 4;
  DROP (14);
  if (nlit > 286 || ndist > 30)
    return B_REFUSED; /* "too many length or distance symbols" */
  static const uint8_t order[19]
    = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
  uint8_t cll[19] = { 0 };
  for (unsigned k = 0; k < ncl; k++)
    {
      if (bc < 3)
        REFILL ();
      cll[order[k]] = bb & 7;
      DROP (3);
    }
  unsigned count[MAX_LEN + 1];
  count_lens (cll, 19, count);
  if (!build (d->cl, CL_BITS, cll, 19, count, d->cl_tmpl, false, false))
    return B_REFUSED; /* "invalid code lengths set" */
  uint8_t lens[286 + 30];
  unsigned total = nlit + ndist, cnt[MAX_LEN + 1] = { 0 };
  for (unsigned k = 0; k < total;)
    {
      if (bc < 14)
        REFILL ();
      uint32_t e = d->cl[bb & ((1u << CL_BITS) - 1)];
      DROP (e & 0xff);
      unsigned sym = e >> 16;
      if (sym < 16)
        {
          lens[k++] = (uint8_t) sym;
          cnt[sym]++;
          continue;
        }
      unsigned rep;
      uint8_t v = 0;
      if (sym == 16)
        {
          if (k == 0)
            return B_REFUSED; /* "invalid bit length repeat" */
          v = lens[k - 1];
          rep = 3 + (bb & 3);
          DROP (2);
        }
      else if (sym == 17)
        {
          rep = 3 + (bb & 7);
          DROP (3);
        }
      else
        {
          rep = 11 + (bb & 127);
          DROP (7);
        }
      if (rep > total - k)
        return B_REFUSED; /* "invalid bit length repeat" */
      memset (lens + k, v, rep);
      cnt[v] += rep;
      k += rep;
    }
  if (lens[256] == 0)
    return B_REFUSED; /* "invalid code -- missing end-of-block" */
  /* the counts of both codes were kept as the lengths came: the distance
   * code's taken out of them */
  count_lens (lens + nlit, ndist, count);
  for (unsigned l = 0; l <= MAX_LEN; l++)
    cnt[l] -= count[l];
  if (!build (d->lit, LIT_BITS, lens, nlit, cnt, d->lit_tmpl, true, false)
      || !build (d->dist, DIST_BITS, lens + nlit, ndist, count, d->dist_tmpl, true, true))
    return B_REFUSED; /* "invalid literal/lengths set", "invalid distances set" */
  SAVE_BITS (st);
  return B_END;
}

/* Fast: while 16 input bytes (two refills) and FAST_OUT bytes of room
 * remain, nothing checked but the codes and the distance.  *eob: the block
 * ended. */
static block_rc
fast (state *st, const uint32_t *lt, const uint32_t *dt, bool *eob)
{
  LOAD_BITS (st);
  LOAD_OUT (st);
  const uint8_t *ip_fast = ie - st->in >= 16 ? ie - 16 : st->in;
  uint8_t *out_fast = lim - out >= FAST_OUT ? lim - FAST_OUT : out;
  while (ip < ip_fast && out < out_fast)
    {
      bb |= load64 (ip) << bc;
      ip += (63 - bc) >> 3;
      bc |= 56;
      /* literals first: their entries are in the main table but
       * for long codes, resolved below */
      uint32_t e = lt[bb & LIT_MASK];
      if (e & E_LIT)
        {
          /* up to three literals a refill (15 bits each of >= 56) */
          DROP (e & 0xff);
          *out++ = (uint8_t) (e >> 16);
          e = lt[bb & LIT_MASK];
          if (e & E_LIT)
            {
              DROP (e & 0xff);
              *out++ = (uint8_t) (e >> 16);
              e = lt[bb & LIT_MASK];
              if (e & E_LIT)
                {
                  DROP (e & 0xff);
                  *out++ = (uint8_t) (e >> 16);
                  continue;
                }
            }
        }
      if (e & E_SUB)
        {
          /* a long code, looked up with >= 26 bits */
          e = lt[(e >> 16) + ((bb >> LIT_BITS) & ((1u << ((e >> 8) & 15)) - 1))];
          if (e & E_LIT)
            {
              DROP (e & 0xff);
              *out++ = (uint8_t) (e >> 16);
              continue;
            }
        }
      /* e was looked up with >= 15 bits: still right after a
       * refill, which adds bits above them */
      bb |= load64 (ip) << bc;
      ip += (63 - bc) >> 3;
      bc |= 56;
      if (e & (E_EOB | E_BAD))
        {
          if (e & E_BAD)
            return B_REFUSED; /* "invalid literal/length code" */
          DROP (e & 0xff);
          *eob = true;
          SAVE (st);
          return B_END;
        }
      DROP (e & 0xff);
      unsigned ex = (e >> 8) & 15;
      size_t len = (e >> 16) + (bb & ((1u << ex) - 1));
      DROP (ex);
      e = LOOKUP (dt, DIST_BITS);
      if (e & E_BAD)
        return B_REFUSED; /* "invalid distance code" */
      DROP (e & 0xff);
      ex = (e >> 8) & 15;
      size_t dist = (e >> 16) + (bb & ((1u << ex) - 1));
      DROP (ex);
      if (dist > (size_t) (out - base))
        return B_REFUSED; /* "invalid distance too far back" */
      const uint8_t *src = out - dist;
      uint8_t *end = out + len;
      if (dist >= 8)
        {
          /* whole words, the last one past the end (room left) */
          do
            {
              memcpy (out, src, 8);
              out += 8;
              src += 8;
            }
          while (out < end);
        }
      else if (dist == 1)
        memset (out, *src, len);
      else
        for (size_t k = 0; k < len; k++)
          out[k] = src[k];
      out = end;
    }

  SAVE (st);
  return B_END;
}

/* Slow: a symbol at a time, every step checked, until the fast loop can
 * take over again (room grown) or the block ends (*eob). */
static block_rc
slow (ws_wholeinf *d, state *st, const uint32_t *lt, const uint32_t *dt, bool *eob)
{
  LOAD_BITS (st);
  LOAD_OUT (st);
  while (!(ie - ip > 16 && lim - out > FAST_OUT))
    {
      REFILL ();
      uint32_t e = LOOKUP (lt, LIT_BITS);
      if (e & E_BAD)
        return B_REFUSED;
      DROP (e & 0xff);
      if (e & E_LIT)
        {
          ROOM_FOR (1);
          *out++ = (uint8_t) (e >> 16);
          continue;
        }
      if (e & E_EOB)
        {
          *eob = true;
          break;
        }
      unsigned ex = (e >> 8) & 15;
      size_t len = (e >> 16) + (bb & ((1u << ex) - 1));
      DROP (ex);
      e = LOOKUP (dt, DIST_BITS);
      if (e & E_BAD)
        return B_REFUSED;
      DROP (e & 0xff);
      ex = (e >> 8) & 15;
      size_t dist = (e >> 16) + (bb & ((1u << ex) - 1));
      DROP (ex);
      if (dist > (size_t) (out - base))
        return B_REFUSED;
      ROOM_FOR (len);
      const uint8_t *src = out - dist;
      for (size_t k = 0; k < len; k++)
        out[k] = src[k];
      out += len;
    }
  SAVE (st);
  return B_END;
}

/* A Huffman block's symbols, up to its end-of-block. */
static block_rc
codes (ws_wholeinf *d, state *st, const uint32_t *lt, const uint32_t *dt)
{
  for (;;)
    {
      bool eob = false;
      block_rc rc = fast (st, lt, dt, &eob);
      if (rc != B_END || eob)
        return rc;
      rc = slow (d, st, lt, dt, &eob);
      if (rc != B_END || eob)
        return rc;
    }
}

/* One block: its header (3.2.3), then the rest. */
static block_rc
block (ws_wholeinf *d, state *st)
{
  unsigned type;
  {
    LOAD_BITS (st);
    REFILL ();
    st->final = bb & 1;
    type = (bb >> 1) & 3;
    DROP (3);
    SAVE_BITS (st);
  }
  if (type == 0)
    return stored (d, st);
  if (type == 1)
    return codes (d, st, d->fix_lit, d->fix_dist);
  if (type == 2)
    {
      block_rc rc = dynamic (d, st);
      return rc != B_END ? rc : codes (d, st, d->lit, d->dist);
    }
  return B_REFUSED; /* "invalid block type" */
}

ws_wholeinf_rc
ws_wholeinf_run (ws_wholeinf *d, const uint8_t *dict, size_t dict_len, const uint8_t *in,
                 size_t n, size_t room, const uint8_t **out_buf, size_t *out_len)
{
  if (dict_len > WIN_MAX)
    return WS_WHOLEINF_REFUSED;
  if (room > ((size_t) 1 << 30))
    room = (size_t) 1 << 30;
  /* the buffer may exceed the limit by a match's last word (fast loop) */
  size_t limit = dict_len + room;
  size_t first = dict_len + (n < room / 4 ? n * 4 : room) + 8;
  if (d->cap < first && !grow (d, first, limit + 8))
    return WS_WHOLEINF_ROOM;
  if (dict_len)
    memcpy (d->buf, dict, dict_len);
  state st = { in, in, in + n, 0, 0, 0, d->buf, d->buf + dict_len, d->buf + MIN (d->cap, limit),
               limit, limit + 8, false };
  for (;;)
    {
      block_rc rc = block (d, &st);
      if (rc != B_END)
        return rc == B_ROOM ? WS_WHOLEINF_ROOM : WS_WHOLEINF_REFUSED;
      /* the block ended: where the stream stands */
      int64_t left = (int64_t) (st.ie - st.ip) * 8 + st.bc - (int64_t) st.virt * 8;
      if (left < 0)
        return WS_WHOLEINF_REFUSED; /* the block needed more than the input */
      if (st.final || left == 0)
        {
          /* a final block (what follows it is not read, as by zlib), or
           * the input used to its last bit at a block's end */
          *out_buf = st.base;
          *out_len = (size_t) (st.out - st.base) - dict_len;
          return WS_WHOLEINF_OK;
        }
    }
}
