/* output-escape.c - every string that came off the wire (headers, close
 * reasons, violation details, diagnosis text quoting them) may hold any byte
 * but NUL, so each writer escapes for its own consumer:
 *
 *   JSON  quote, backslash and control characters (C0, DEL, C1) as \u00XX,
 *         U+2028/U+2029 as \u2028/\u2029 (they end lines in JavaScript);
 *         every byte that is not part of a well-formed UTF-8 sequence
 *         (RFC 3629: no overlongs, surrogates or code points past U+10FFFF)
 *         becomes U+FFFD, one per byte.  The output is always valid UTF-8.
 *   CSV   every string field quoted, quotes doubled; a field that starts
 *         with = + - @ TAB or CR gets a leading ' inside the quotes so that
 *         spreadsheets do not run it as a formula; invalid UTF-8 bytes become
 *         U+FFFD as in JSON; control characters (C0 but TAB, LF and CR, DEL,
 *         C1) are shown as \xNN, as in the text table, so that showing the
 *         file on a terminal runs no escape sequence.  Rows end with CRLF.
 *   text  meant for a terminal: control characters (C0, DEL, C1), the
 *         bidirectional formatting characters and every byte of invalid
 *         UTF-8 are shown as \xNN, and a backslash as \\, so no escape
 *         sequence reaches the terminal and what is shown is unambiguous.
 *
 * Also here: UTF-8 well-formedness (RFC 3629 section 4) and addresses as
 * text.
 */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "output-escape.h"
#include "utf8.h"

/* ---- UTF-8 ----------------------------------------------------------------- */

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Characters a terminal may act on rather than show: C1 controls, and the
 * bidirectional formatting characters that reorder what is displayed. */
static bool
text_unsafe_cp (uint32_t cp)
{
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
         cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}


size_t
ws_addr_format (const ws_addr *a, char *buf, size_t size)
{
  if (a->family != 6 && size >= 16)
    {
      char *p = buf;
      for (int i = 0; i < 4; i++)
        {
          unsigned v = a->addr[i];
          if (i)
            *p++ = '.';
          if (v >= 100)
            {
              *p++ = (char) ('0' + v / 100);
              v %= 100;
              memcpy (p, digit_pairs + 2 * v, 2);
              p += 2;
            }
          else if (v >= 10)
            {
              memcpy (p, digit_pairs + 2 * v, 2);
              p += 2;
            }
          else
            *p++ = (char) ('0' + v);
        }
      *p = '\0';
      return (size_t) (p - buf);
    }
  buf[0] = '\0';
  ws_addr_to_string (a, buf, size);
  buf[size - 1] = '\0';
  return strlen (buf);
}

/* ---- escape helpers ---------------------------------------------------------- */

/* Bytes that go out as they are are copied in runs, one append per run. */

#define ONES8 UINT64_C (0x0101010101010101)
#define HIGH8 UINT64_C (0x8080808080808080)
/* Nonzero when some byte of x is below n (n <= 0x80), or is zero: exact as a
 * yes/no answer, which is all that is asked of it. */
#define BYTE_BELOW(x, n) (((x) - ONES8 * (n)) & ~(x) & HIGH8)

/* The bytes of x (8 bytes in memory order, loaded little-endian) that are
 * not written as they are: high bit set, below 0x20, '\\', DEL, and for
 * JSON '"'.
 * Bytes above the first such byte may be flagged wrongly (a borrow carries
 * up), so only the lowest flag is exact: it is all that is used. */
static inline uint64_t
special8 (uint64_t x, bool json)
{
  uint64_t m = (x & HIGH8) | BYTE_BELOW (x, 0x20) | BYTE_BELOW (x ^ (ONES8 * '\\'), 1)
               | BYTE_BELOW (x ^ (ONES8 * 0x7F), 1);
  return json ? m | BYTE_BELOW (x ^ (ONES8 * '"'), 1) : m;
}

static inline uint64_t
load_le64 (const uint8_t *p)
{
  uint64_t x;

  memcpy (&x, p, sizeof x);
  return GUINT64_FROM_LE (x);
}

static inline bool
plain_byte (uint8_t b, bool json)
{
  return b >= 0x20 && b < 0x7F && b != '\\' && !(json && b == '"');
}

/* Index of the first byte of p[0..n) that is not written as it is (in JSON
 * when json, else in the text table), or n.
 * Most of a record's text is plain: it is checked 16 bytes at a time with
 * SSE2 (a signed compare below 0x20 also catches every byte from 0x80), or
 * 8 at a time; the last piece is checked as the block or word that ends at
 * n, overlapping bytes already known to be plain, so no byte is handled
 * alone unless the whole string is shorter than a word. */
static inline size_t
plain_run (const uint8_t *p, size_t n, bool json)
{
  size_t i = 0;
#ifdef __SSE2__
  if (n >= 16)
    {
      const __m128i space = _mm_set1_epi8 (0x20), quote = _mm_set1_epi8 ('"'),
                    bslash = _mm_set1_epi8 ('\\'), del = _mm_set1_epi8 (0x7F);
      for (;; i += 16)
        {
          if (i + 16 > n)
            {
              if (i == n)
                return n;
              i = n - 16;  /* the last block, overlapping plain bytes */
            }
          __m128i x = _mm_loadu_si128 ((const __m128i *) (const void *) (p + i));
          __m128i bad = _mm_or_si128 (_mm_cmplt_epi8 (x, space),
                                      _mm_or_si128 (_mm_cmpeq_epi8 (x, bslash), _mm_cmpeq_epi8 (x, del)));
          if (json)
            bad = _mm_or_si128 (bad, _mm_cmpeq_epi8 (x, quote));
          int m = _mm_movemask_epi8 (bad);
          if (m)
            return i + (size_t) __builtin_ctz ((unsigned) m);
          if (i + 16 == n)
            return n;
        }
    }
#endif
  if (n >= 8)
    for (;; i += 8)
      {
        if (i + 8 > n)
          {
            if (i == n)
              return n;
            i = n - 8;
          }
        uint64_t m = special8 (load_le64 (p + i), json);
        if (m)
          return i + (size_t) __builtin_ctzll (m) / 8;
        if (i + 8 == n)
          return n;
      }
  while (i < n && plain_byte (p[i], json))
    i++;
  return i;
}

/* ---- JSON strings ------------------------------------------------------------ */

/* From s[i] on, the bytes written as they are, copied to q; returns where
 * the first one that is not stands (n if none). */
static inline size_t
plain_tail (char *q, const uint8_t *s, size_t i, size_t n)
{
  while (i < n && plain_byte (s[i], true))
    {
      q[i] = (char) s[i];
      i++;
    }
  return i;
}

/* Copy the bytes of s[0..n) that JSON takes as they are, up to the first
 * one it does not, to q; returns how many were copied.  Bytes after those
 * may be written too, never past q + n: what comes next writes over them.
 * No byte outside s[0..n) is read. */
#ifdef __SSE2__
/* The lanes of x that are not written as they are.  Adding 1 maps every
 * byte below 0x20 and every byte from 0x7F (DEL and all the high bytes, 0xFF
 * wrapping to 0) below 0x21 as a signed byte; then '"' and '\\'. */
static inline unsigned
json_special16 (__m128i x)
{
  __m128i bad = _mm_or_si128 (_mm_cmplt_epi8 (_mm_add_epi8 (x, _mm_set1_epi8 (1)),
                                              _mm_set1_epi8 (0x21)),
                              _mm_or_si128 (_mm_cmpeq_epi8 (x, _mm_set1_epi8 ('"')),
                                            _mm_cmpeq_epi8 (x, _mm_set1_epi8 ('\\'))));
  return (unsigned) _mm_movemask_epi8 (bad);
}

/* 16 bytes at a time; the last block is the one that ends at n, which
 * copies again some bytes already copied (the same bytes to the same
 * place).  Under 16 bytes, two loads that overlap fill one block. */
static inline __attribute__ ((always_inline)) size_t
json_plain_copy (char *q, const uint8_t *s, size_t n)
{
  unsigned m;
  __m128i x;

  if (n >= 16)
    {
      size_t i = 0;
      for (; n - i > 16; i += 16)
        {
          x = _mm_loadu_si128 ((const __m128i *) (const void *) (s + i));
          _mm_storeu_si128 ((__m128i *) (void *) (q + i), x);
          m = json_special16 (x);
          if (m)
            return i + (size_t) __builtin_ctz (m);
        }
      x = _mm_loadu_si128 ((const __m128i *) (const void *) (s + n - 16));
      _mm_storeu_si128 ((__m128i *) (void *) (q + n - 16), x);
      m = json_special16 (x);
      return m ? n - 16 + (size_t) __builtin_ctz (m) : n;
    }
  if (n >= 8)
    {
      /* lanes 0-7: s[0..8); lanes 8-15: s[n-8..n) */
      x = _mm_unpacklo_epi64 (_mm_loadl_epi64 ((const __m128i *) (const void *) s),
                              _mm_loadl_epi64 ((const __m128i *) (const void *) (s + n - 8)));
      _mm_storel_epi64 ((__m128i *) (void *) q, x);
      _mm_storel_epi64 ((__m128i *) (void *) (q + n - 8), _mm_unpackhi_epi64 (x, x));
      m = json_special16 (x);
      if (m & 0xFF)
        return (size_t) __builtin_ctz (m);
      return m ? n - 16 + (size_t) __builtin_ctz (m) : n;
    }
  if (n >= 4)
    {
      /* lanes 0-3: s[0..4); lanes 4-7: s[n-4..n); the zeros above them
       * are left out of the mask */
      uint32_t lo, hi;
      memcpy (&lo, s, 4);
      memcpy (&hi, s + n - 4, 4);
      memcpy (q, &lo, 4);
      memcpy (q + n - 4, &hi, 4);
      x = _mm_unpacklo_epi32 (_mm_cvtsi32_si128 ((int) lo), _mm_cvtsi32_si128 ((int) hi));
      m = json_special16 (x) & 0xFF;
      if (m & 0xF)
        return (size_t) __builtin_ctz (m);
      return m ? n - 8 + (size_t) __builtin_ctz (m) : n;
    }
  return plain_tail (q, s, 0, n);
}
#else
/* 8 bytes at a time.  Of the flags special8 raises only the lowest is
 * exact; it is all that is used. */
static inline size_t
json_plain_copy (char *q, const uint8_t *s, size_t n)
{
  size_t i = 0;

  for (; n - i >= 8; i += 8)
    {
      uint64_t m = special8 (load_le64 (s + i), true);
      memcpy (q + i, s + i, 8);
      if (m)
        return i + (size_t) __builtin_ctzll (m) / 8;
    }
  return plain_tail (q, s, i, n);
}
#endif

/* \u followed by four lowercase hex digits (as "\\u%04x") at q; cp <= 0xFFFF. */
static inline char *
p_u_escape (char *q, uint32_t cp)
{
  q[0] = '\\';
  q[1] = 'u';
  q[2] = hex_digits[(cp >> 12) & 0xF];
  q[3] = hex_digits[(cp >> 8) & 0xF];
  q[4] = hex_digits[(cp >> 4) & 0xF];
  q[5] = hex_digits[cp & 0xF];
  return q + 6;
}

/* The escaped text of s[0..n) (no quotes) at q, which has room for
 * JSON_ESC_MAX * n bytes, when s[0] is not written as it is; returns the
 * end.  Apart from json_value's fast path, so that plain strings do not pay
 * for the registers this one needs. */
static G_GNUC_NO_INLINE char *
json_escape_rest (char *q, const uint8_t *s, size_t n)
{
  size_t i = 0;

  for (;;)
    {
      uint8_t b = s[i];
      if (b < 0x80)
        {
          if (b == '"' || b == '\\')
            {
              q[0] = '\\';
              q[1] = (char) b;
              q += 2;
            }
          else
            q = p_u_escape (q, b);
          i++;
        }
      else
        {
          /* non-ASCII, as long as it lasts */
          do
            {
              uint32_t cp;
              size_t m = ws_utf8_decode (s + i, n - i, &cp);
              if (m == 0)
                {
                  /* A byte that is not part of well-formed UTF-8: one
                   * U+FFFD per byte, so the JSON stays valid UTF-8 and the
                   * count of bad bytes is still visible. */
                  memcpy (q, UTF8_REPLACEMENT, 3);
                  q += 3;
                  i++;
                }
              else if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029)
                {
                  q = p_u_escape (q, cp);
                  i += m;
                }
              else
                for (size_t j = 0; j < m; j++)
                  *q++ = (char) s[i++];
            }
          while (i < n && s[i] >= 0x80);
        }
      size_t k = json_plain_copy (q, s + i, n - i);
      q += k;
      i += k;
      if (i == n)
        return q;
    }
}

char *
ws_json_value (char *q, const char *s, size_t n)
{
  size_t k;

  if (s == NULL)
    return P_LIT (q, "null");
  *q++ = '"';
  k = json_plain_copy (q, (const uint8_t *) s, n);
  if (G_LIKELY (k == n))
    q += n;
  else
    q = json_escape_rest (q + k, (const uint8_t *) s + k, n - k);
  *q++ = '"';
  return q;
}

void
ws_json_string (GString *out, const char *s, size_t len)
{
  gs_done (out, ws_json_value (gs_room (out, 4 + JSON_ESC_MAX * len), s, len));
}

/* A control character in a CSV field: C0 but TAB, LF and CR, DEL, and C1
 * (cp is a code point; the C1 ones arrive as two bytes of UTF-8).  TAB, LF
 * and CR stay: inside quotes they are part of the value for every CSV
 * reader (RFC 4180 keeps line breaks in quoted fields), and a reason or a
 * header may hold them.  The others are only good to a terminal, where ESC,
 * CSI (U+009B) or OSC start escape sequences when the file is shown. */
static bool
csv_control_cp (uint32_t cp)
{
  return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F);
}

void
ws_csv_field (GString *out, const char *s)
{
  if (s != NULL)
    ws_csv_field_len (out, s, strlen (s));
}

void
ws_csv_field_len (GString *out, const char *s, size_t len)
{
  const uint8_t *p = (const uint8_t *) s;
  size_t i = 0, run = 0;

  if (s == NULL)
    return;
  gs_putc (out, '"');
  /* Spreadsheets run a cell that starts with one of these as a formula
   * (CSV injection); a leading ' makes it text. */
  if (len > 0 && s[0] != '\0' && strchr ("=+-@\t\r", s[0]) != NULL)
    gs_putc (out, '\'');
  while (i < len)
    {
      uint8_t b = p[i];
      uint32_t cp;
      size_t n;

      if (b < 0x80 && !csv_control_cp (b))
        {
          if (b == '"')
            {
              gs_put (out, s + run, i - run);
              GS_PUT_LIT (out, "\"\"");
              run = i + 1;
            }
          i++;
          continue;
        }
      n = b < 0x80 ? 1 : ws_utf8_decode (p + i, len - i, &cp);
      if (n > 1 && !csv_control_cp (cp))
        {
          i += n;
          continue;
        }
      gs_put (out, s + run, i - run);
      if (n == 0)
        {
          GS_PUT_LIT (out, UTF8_REPLACEMENT);  /* as in JSON */
          n = 1;
        }
      else
        {
          /* A control character is shown as the text table shows it, each
           * byte as \xNN.  A backslash is left as it is: in CSV it is an
           * ordinary character, and the field is not meant to be decoded
           * back into the bytes, no more than U+FFFD is. */
          for (size_t k = 0; k < n; k++)
            put_x_escape (out, p[i + k]);
        }
      i += n;
      run = i;
    }
  gs_put (out, s + run, i - run);
  gs_putc (out, '"');
}

void
ws_text_safe (GString *out, const char *s, size_t len)
{
  const uint8_t *p = (const uint8_t *) s;
  size_t i = 0, run = 0;

  if (s == NULL)
    return;
  while (i < len)
    {
      uint8_t b;
      uint32_t cp;
      size_t n;

      i += plain_run (p + i, len - i, false);
      if (i == len)
        break;
      b = p[i];
      if (b < 0x80)
        {
          gs_put (out, s + run, i - run);
          if (b == '\\')
            GS_PUT_LIT (out, "\\\\");
          else
            put_x_escape (out, b);
          run = ++i;
          continue;
        }
      n = ws_utf8_decode (p + i, len - i, &cp);
      if (n != 0 && !text_unsafe_cp (cp))
        {
          i += n;
          continue;
        }
      gs_put (out, s + run, i - run);
      if (n == 0)
        n = 1;
      for (size_t k = 0; k < n; k++)
        put_x_escape (out, p[i + k]);
      i += n;
      run = i;
    }
  gs_put (out, s + run, i - run);
}

void
ws_ts_append (GString *out, int64_t ts_us)
{
  gs_done (out, p_ts (gs_room (out, TS_MAX_LEN), ts_us));
}
