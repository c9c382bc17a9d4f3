/* output.c - report writers for connection records: a readable text table
 * (the cause and fix under each connection, totals at the end), JSON Lines
 * and CSV (RFC 4180).
 *
 * Every string that came off the wire (headers, close reasons, violation
 * details, diagnosis text quoting them) may hold any byte but NUL, so each
 * writer escapes for its own consumer:
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
 * Times in the text table are UTC.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "output.h"
#include "communityid.h"
#include "tls-json.h"
#include "tlsconn.h"

#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "closecodes.h"

struct ws_writer {
  FILE *out;
  ws_format fmt;
  bool flush;
  bool header_done;           /* table header / CSV header row written */

  /* totals for the text report, from the records written */
  uint64_t records;
  uint64_t handshake_failures;
  uint64_t midstream;
  uint64_t with_violations;
  uint64_t no_cause;
  GHashTable *by_code;        /* GINT_TO_POINTER (code or -1) -> uint64_t* */
  GHashTable *by_cause;       /* cause id (copy) -> uint64_t* */
  GHashTable *storms;         /* "server around minute" (copy) -> uint64_t* */

  /* daemon: output that could not be written yet (disk full, ...) */
  size_t backlog_max;         /* 0: no backlog, errors are returned */
  GString *backlog;           /* bytes not yet written, in order */
  uint64_t dropped_records;   /* records lost because the backlog was full */
  uint64_t write_failures;
  bool verbose;               /* text: evidence under each connection */
  GString *buf;               /* one record, reused */
};

/* ---- UTF-8 ----------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 section 4), storing
 * its code point in *cp, or 0 when s[0] does not start one.  Reads at most n
 * bytes; n >= 1. */
static size_t
utf8_seq (const uint8_t *s, size_t n, uint32_t *cp)
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

/* ---- appending without printf ------------------------------------------------- */

/* Append n bytes.  GString's own append goes through g_string_insert_len on
 * every call; when the bytes fit, a copy is all that is needed. */
static inline void
gs_put (GString *o, const char *s, size_t n)
{
  if (G_LIKELY (o->len + n < o->allocated_len))
    {
      memcpy (o->str + o->len, s, n);
      o->len += n;
      o->str[o->len] = '\0';
    }
  else
    g_string_append_len (o, s, (gssize) n);
}

#define gs_putc(o, ch) g_string_append_c ((o), (ch))
#define GS_PUT_LIT(o, lit) gs_put ((o), "" lit, sizeof (lit) - 1)

/* ---- writing into room made beforehand ---------------------------------------- */

/* Numbers, timestamps and literal keys have a small bound on their length:
 * room for them is made once and they are written through a plain pointer,
 * rather than appended piece by piece with a check of the room each time. */

/* Room for n more bytes after the end of o; gs_done then sets the length. */
static inline char *
gs_room (GString *o, size_t n)
{
  if (G_UNLIKELY (o->len + n >= o->allocated_len))
    {
      gsize len = o->len;
      g_string_set_size (o, len + n);
      o->len = len;
    }
  return o->str + o->len;
}

static inline void
gs_done (GString *o, char *end)
{
  o->len = (gsize) (end - o->str);
  o->str[o->len] = '\0';
}

/* Copy a string literal to p and move p past it. */
#define P_LIT(p, lit) ((p) = (char *) memcpy ((p), "" lit, sizeof (lit) - 1) + sizeof (lit) - 1)

#define U64_MAX_LEN 20
#define TS_MAX_LEN 21           /* "-9223372036854.775808" */

/* "00" to "99": numbers are written two digits at a time */
static const char digit_pairs[201] =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
  "8081828384858687888990919293949596979899";

/* Decimal digits of v, as %" PRIu64 " would print them; returns the end.
 * They are written where they go, from the last pair back. */
static char *
p_u64 (char *p, uint64_t v)
{
  size_t n;
  char *q;

  if (v < 10)                   /* most counters of most records */
    {
      *p = (char) ('0' + v);
      return p + 1;
    }
  static const uint64_t pow10[20] = {
    UINT64_C (1), UINT64_C (10), UINT64_C (100), UINT64_C (1000), UINT64_C (10000),
    UINT64_C (100000), UINT64_C (1000000), UINT64_C (10000000), UINT64_C (100000000),
    UINT64_C (1000000000), UINT64_C (10000000000), UINT64_C (100000000000),
    UINT64_C (1000000000000), UINT64_C (10000000000000), UINT64_C (100000000000000),
    UINT64_C (1000000000000000), UINT64_C (10000000000000000),
    UINT64_C (100000000000000000), UINT64_C (1000000000000000000),
    UINT64_C (10000000000000000000),
  };
  /* digits from the bit length (log10 2 is about 1233/4096), corrected */
  n = (size_t) (((64 - __builtin_clzll (v)) * 1233) >> 12);
  if (n < 20 && v >= pow10[n])
    n++;
  q = p + n;
  while (v >= 100)
    {
      q -= 2;
      memcpy (q, digit_pairs + 2 * (v % 100), 2);
      v /= 100;
    }
  if (v >= 10)
    memcpy (q - 2, digit_pairs + 2 * v, 2);
  else
    q[-1] = (char) ('0' + v);
  return p + n;
}

/* Microseconds since the epoch as seconds with 6 decimals, as
 * "%" PRIu64 ".%06" PRIu64 " prints them (with a minus sign before them
 * when negative); returns the end. */
static char *
p_ts (char *p, int64_t ts_us)
{
  /* magnitude through unsigned arithmetic: -INT64_MIN does not overflow */
  uint64_t mag = ts_us < 0 ? (uint64_t) 0 - (uint64_t) ts_us : (uint64_t) ts_us;
  uint32_t frac = (uint32_t) (mag % 1000000);

  if (ts_us < 0)
    *p++ = '-';
  p = p_u64 (p, mag / 1000000);
  *p++ = '.';
  memcpy (p, digit_pairs + 2 * (frac / 10000), 2);
  memcpy (p + 2, digit_pairs + 2 * (frac / 100 % 100), 2);
  memcpy (p + 4, digit_pairs + 2 * (frac % 100), 2);
  return p + 6;
}

static void
put_u64 (GString *o, uint64_t v)
{
  gs_done (o, p_u64 (gs_room (o, U64_MAX_LEN), v));
}

static const char hex_digits[] = "0123456789abcdef";

/* \x followed by two lowercase hex digits (as "\\x%02x"). */
static void
put_x_escape (GString *o, uint8_t b)
{
  char e[4] = { '\\', 'x', hex_digits[b >> 4], hex_digits[b & 0xF] };
  gs_put (o, e, sizeof e);
}

/* The address as inet_ntop writes it (anything but family 6 is taken as
 * IPv4, as ws_addr_to_string does), NUL-terminated; returns its length.
 * IPv4, the common case, is formatted here; IPv6 and its zero compression
 * are left to inet_ntop. */
static size_t
addr_format (const ws_addr *a, char *buf, size_t size)
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

/* The most a JSON string takes per byte of input: a control byte becomes
 * \u00XX (6); a byte of bad UTF-8 becomes U+FFFD (3), a C1 control 6 bytes
 * for its 2, U+2028 6 for 3.  Room for 2 + JSON_ESC_MAX * len bytes is made
 * once and the string is written without further checks. */
#define JSON_ESC_MAX 6

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
  size_t i = 0;
  while (i < n && plain_byte (s[i], true))
    {
      q[i] = (char) s[i];
      i++;
    }
  return i;
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
  while (i < n && plain_byte (s[i], true))
    {
      q[i] = (char) s[i];
      i++;
    }
  return i;
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
              size_t m = utf8_seq (s + i, n - i, &cp);
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

/* s[0..n) as a JSON string with its quotes, or null when s is NULL, at q
 * (room: 2 + JSON_ESC_MAX * n, and at least 4); returns the end. */
static char *
json_value (char *q, const char *s, size_t n)
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
  gs_done (out, json_value (gs_room (out, 4 + JSON_ESC_MAX * len), s, len));
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
      n = b < 0x80 ? 1 : utf8_seq (p + i, len - i, &cp);
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
      n = utf8_seq (p + i, len - i, &cp);
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

ws_format
ws_format_parse (const char *name, bool *ok)
{
  bool found = true;
  ws_format f = WS_FMT_TEXT;

  if (name == NULL)
    found = false;
  else if (g_ascii_strcasecmp (name, "text") == 0)
    f = WS_FMT_TEXT;
  else if (g_ascii_strcasecmp (name, "json") == 0 ||
           g_ascii_strcasecmp (name, "jsonl") == 0)
    f = WS_FMT_JSON;
  else if (g_ascii_strcasecmp (name, "csv") == 0)
    f = WS_FMT_CSV;
  else
    found = false;
  if (ok)
    *ok = found;
  return f;
}

/* ---- names --------------------------------------------------------------------- */

static const char *
kind_name (ws_kind k)
{
  switch (k)
    {
    case WS_KIND_WEBSOCKET: return "websocket";
    case WS_KIND_TLS: return "tls";
    case WS_KIND_OTHER: return "other";
    case WS_KIND_UNKNOWN: return "unknown";
    }
  return "unknown";
}

static const char *
stage_name (ws_stage s)
{
  switch (s)
    {
    case WS_STAGE_PROBE: return "probe";
    case WS_STAGE_HANDSHAKE: return "handshake";
    case WS_STAGE_FRAMES: return "frames";
    case WS_STAGE_REJECTED: return "rejected";
    case WS_STAGE_IGNORED: return "ignored";
    }
  return NULL;
}

static const char *
handshake_problem_name (int k)
{
  switch (k)
    {
    case WS_HS_UNREQUESTED_EXTENSION: return "unrequested_extension";
    case WS_HS_UNREQUESTED_SUBPROTOCOL: return "unrequested_subprotocol";
    case WS_HS_BAD_EXTENSION_PARAM: return "bad_extension_param";
    default: return NULL;
    }
}

static const struct {
  unsigned bit;
  const char *name;
} limit_names[] = {
  { WS_LIMIT_HEADER, "header" },
  { WS_LIMIT_REASSEMBLY, "reassembly" },
  { WS_LIMIT_INFLATE, "inflate" },
  { WS_LIMIT_INFLATERS, "inflaters" },
  { WS_LIMIT_EVICTED, "evicted" },
  { WS_LIMIT_VIOLATIONS, "violations" },
};

/* A side index that is safe to use on the record's arrays. */
static bool
side_valid (ws_side s)
{
  return s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER;
}

/* The reason of the first close frame (the initiator's), or NULL when there
 * is none or it is empty. */
static const char *
contract_close_reason (const ws_conn *c, size_t *len)
{
  const ws_close_info *ci;

  *len = 0;
  if (!side_valid (c->close_initiator))
    return NULL;
  ci = &c->close[c->close_initiator];
  if (!ci->seen || ci->reason == NULL || ci->reason_len == 0)
    return NULL;
  *len = ci->reason_len;
  return ci->reason;
}

static bool
handshake_failed (const ws_conn *c)
{
  return (c->handshake_status >= 0 && c->handshake_status != 101) ||
         c->accept_valid == 0 || c->handshake_problem_kind != WS_HS_OK;
}

/* ---- JSON ------------------------------------------------------------------------ */

/* A record is written through a plain pointer p into its GString.  Room is
 * made before each piece for the most it can take: a string for
 * 2 + JSON_ESC_MAX bytes a byte; the members between two strings (keys,
 * numbers, timestamps, addresses, literals) in groups of at most
 * JW_GROUP_ROOM bytes, each checked by an assertion at its end.  Keys are
 * literals with their comma, so no member asks what came before it. */
typedef struct {
  GString *o;
  char *lim;                  /* room ends here (the NUL goes here at most) */
  /* the seconds of the last positive timestamp written, and their digits:
   * the timestamps of a record mostly fall in the same second */
  uint64_t ts_secs;
  size_t ts_len;
  char ts_digits[16];
} jw;

#define JW_GROUP_ROOM 512

static void
jw_init (jw *w, GString *o)
{
  w->o = o;
  w->lim = o->str + o->allocated_len - 1;
  w->ts_secs = UINT64_MAX;    /* none yet: no timestamp has this many seconds */
  w->ts_len = 0;
}

static G_GNUC_NO_INLINE char *
jw_grow (jw *w, char *p, size_t n)
{
  gsize len = (gsize) (p - w->o->str);

  /* the bytes written past o->len move with the buffer (realloc) */
  g_string_set_size (w->o, len + n);
  w->o->len = len;
  w->lim = w->o->str + w->o->allocated_len - 1;
  return w->o->str + len;
}

/* Room for n bytes at p (and the NUL after them); returns p, moved when the
 * buffer was. */
static inline char *
jw_room (jw *w, char *p, size_t n)
{
  if (G_LIKELY ((size_t) (w->lim - p) >= n))
    return p;
  return jw_grow (w, p, n);
}

static inline void
jw_end (jw *w, char *p)
{
  gs_done (w->o, p);
}

/* A timestamp (room: TS_MAX_LEN), as p_ts writes it. */
static inline char *
jw_ts (jw *w, char *p, int64_t ts_us)
{
  if (ts_us <= 0)
    return p_ts (p, ts_us);
  uint64_t secs = (uint64_t) ts_us / 1000000;
  uint32_t frac = (uint32_t) ((uint64_t) ts_us % 1000000);
  if (secs != w->ts_secs)
    {
      /* at most 13 digits: INT64_MAX / 10^6 < 10^13 */
      w->ts_len = (size_t) (p_u64 (w->ts_digits, secs) - w->ts_digits);
      w->ts_secs = secs;
    }
  memcpy (p, w->ts_digits, sizeof w->ts_digits);  /* room: TS_MAX_LEN > 16 */
  p += w->ts_len;
  *p++ = '.';
  memcpy (p, digit_pairs + 2 * (frac / 10000), 2);
  memcpy (p + 2, digit_pairs + 2 * (frac / 100 % 100), 2);
  memcpy (p + 4, digit_pairs + 2 * (frac % 100), 2);
  return p + 6;
}

/* ,"k":value at p, in a group whose room was made */
#define P_KEY(p, k) P_LIT (p, ",\"" k "\":")
#define P_U64(p, k, v) (P_KEY (p, k), (p) = p_u64 ((p), (v)))
#define P_BOOL(p, k, v) ((v) ? P_LIT (p, ",\"" k "\":true") : P_LIT (p, ",\"" k "\":false"))
/* a timestamp, null when 0 */
#define P_TS(w, p, k, ts) \
  (P_KEY (p, k), (ts) ? ((p) = jw_ts ((w), (p), (ts))) : P_LIT (p, "null"))
/* an int, or null when negative (-1 means unknown in the record) */
#define P_INT_OR_NULL(p, k, v) \
  (P_KEY (p, k), (v) < 0 ? P_LIT (p, "null") : ((p) = p_u64 ((p), (uint64_t) (v))))

/* A group of members of fixed greatest length: room is made for
 * JW_GROUP_ROOM bytes and the end is checked against it. */
#define JW_GROUP(w, p, start) ((p) = (start) = jw_room ((w), (p), JW_GROUP_ROOM))
#define JW_GROUP_END(p, start) g_assert ((size_t) ((p) - (start)) <= JW_GROUP_ROOM)

/* A string member: the key (with the comma before it unless first is set),
 * then s (NUL-terminated, or NULL for null) escaped. */
static inline char *
jw_member_str (jw *w, char *p, const char *key, size_t key_len, const char *s, size_t n)
{
  p = jw_room (w, p, key_len + 4 + JSON_ESC_MAX * n);
  memcpy (p, key, key_len);
  return json_value (p + key_len, s, n);
}

static inline char *
jw_str_ (jw *w, char *p, const char *key, size_t key_len, const char *s)
{
  return jw_member_str (w, p, key, key_len, s, s ? strlen (s) : 0);
}
/* k must be a literal */
#define JW_STR(w, p, k, s) ((p) = jw_str_ ((w), (p), ",\"" k "\":", sizeof (",\"" k "\":") - 1, (s)))
#define JW_STR_LEN(w, p, k, s, n) \
  ((p) = jw_member_str ((w), (p), ",\"" k "\":", sizeof (",\"" k "\":") - 1, (s), (n)))

/* ,"k":"address" (room: 18 + 64 with the key).  An address is digits, hex
 * letters, dots and colons: nothing to escape. */
#define P_ADDR(p, k, a) \
  (P_LIT (p, ",\"" k "\":\""), (p) += addr_format ((a), (p), 64), P_LIT (p, "\""))

/* 27 members, none with a key of more than 24 bytes or a value of more than
 * TS_MAX_LEN, and the braces */
#define DIR_STATS_ROOM (27 * (24 + 4 + TS_MAX_LEN) + 2)

static char *
json_dir_stats (jw *w, char *p, const ws_conn *c, ws_side s)
{
  const ws_dir_stats *d = &c->dir[s];
  char *start = p = jw_room (w, p, DIR_STATS_ROOM);

  P_LIT (p, "{\"frames\":");
  p = p_u64 (p, d->frames);
  P_U64 (p, "frame_bytes", d->frame_bytes);
  P_U64 (p, "payload_bytes", d->payload_bytes);
  P_U64 (p, "tcp_bytes", d->tcp_bytes);
  P_U64 (p, "messages", d->messages);
  P_U64 (p, "text_messages", d->text_messages);
  P_U64 (p, "binary_messages", d->binary_messages);
  P_U64 (p, "compressed_messages", d->compressed_messages);
  P_U64 (p, "pings", d->pings);
  P_U64 (p, "pongs", d->pongs);
  P_U64 (p, "closes", d->closes);
  P_U64 (p, "largest_message", d->largest_message);
  P_U64 (p, "last_message", d->last_message);
  P_U64 (p, "largest_control", d->largest_control);
  P_U64 (p, "open_message", d->open_message);
  P_TS (w, p, "first_frame_ts", d->first_frame_us);
  P_TS (w, p, "last_frame_ts", d->last_frame_us);
  P_TS (w, p, "last_data_ts", d->last_data_us);
  P_TS (w, p, "last_ping_ts", d->last_ping_us);
  P_TS (w, p, "last_pong_ts", d->last_pong_us);
  P_TS (w, p, "fin_ts", c->fin[s] ? c->fin_us[s] : 0);
  P_TS (w, p, "rst_ts", c->rst[s] ? c->rst_us[s] : 0);
  P_U64 (p, "gaps", d->gaps);
  P_U64 (p, "gap_bytes", d->gap_bytes);
  P_U64 (p, "resyncs", d->resyncs);
  P_BOOL (p, "desynced", d->desynced);
  P_BOOL (p, "inflate_capped", d->inflate_capped);
  P_LIT (p, "}");
  g_assert ((size_t) (p - start) <= DIR_STATS_ROOM);
  return p;
}

/* After the key: null, or the frame as an object. */
static char *
json_close_frame (jw *w, char *p, const ws_close_info *ci)
{
  char *start;

  JW_GROUP (w, p, start);
  if (!ci->seen)
    return P_LIT (p, "null");
  /* code -1: empty body */
  P_LIT (p, "{\"code\":");
  if (ci->code < 0)
    P_LIT (p, "null");
  else
    p = p_u64 (p, (uint64_t) ci->code);
  JW_GROUP_END (p, start);
  if (ci->reason != NULL && ci->reason_len > 0)
    JW_STR_LEN (w, p, "reason", ci->reason, ci->reason_len);
  else
    JW_STR_LEN (w, p, "reason", NULL, 0);
  JW_GROUP (w, p, start);
  P_TS (w, p, "ts", ci->ts_us);
  P_U64 (p, "payload_len", ci->payload_len);
  P_BOOL (p, "reason_truncated", ci->reason_truncated);
  P_LIT (p, "}");
  JW_GROUP_END (p, start);
  return p;
}

/* ,"cause":... */
static char *
json_cause (jw *w, char *p, const ws_cause *cause)
{
  char *start;
  bool first = true;

  if (cause->id == NULL)
    {
      p = jw_room (w, p, 16);
      return P_LIT (p, ",\"cause\":null");
    }
  /* the first member has no comma: written as ,"cause":{"id": */
  p = jw_member_str (w, p, ",\"cause\":{\"id\":", sizeof (",\"cause\":{\"id\":") - 1,
                     cause->id, strlen (cause->id));
  JW_STR (w, p, "detail", cause->detail);
  JW_STR (w, p, "summary", cause->summary);
  JW_STR (w, p, "fix", cause->fix);
  JW_STR (w, p, "confidence", cause->confidence);
  JW_GROUP (w, p, start);
  P_LIT (p, ",\"evidence\":[");
  JW_GROUP_END (p, start);
  for (guint i = 0; cause->evidence && i < cause->evidence->len; i++)
    {
      const ws_evidence *e = g_ptr_array_index (cause->evidence, i);
      if (e == NULL)
        continue;
      JW_GROUP (w, p, start);
      if (!first)
        *p++ = ',';
      first = false;
      P_LIT (p, "{\"ts\":");
      if (e->ts_us)
        p = jw_ts (w, p, e->ts_us);
      else
        P_LIT (p, "null");
      JW_GROUP_END (p, start);
      JW_STR (w, p, "text", e->text);
      p = jw_room (w, p, 1);
      *p++ = '}';
    }
  p = jw_room (w, p, 2);
  return P_LIT (p, "]}");
}

void
ws_json_record (GString *o, const ws_conn *c)
{
  int code = ws_conn_close_code (c);
  const ws_code_info *info;
  const char *reason;
  size_t reason_len;
  unsigned nv;
  jw w;
  char *p, *start;

  jw_init (&w, o);
  p = o->str + o->len;

  JW_GROUP (&w, p, start);
  P_LIT (p, "{\"id\":");
  p = p_u64 (p, c->id);
  JW_GROUP_END (p, start);
  JW_STR (&w, p, "kind", kind_name (c->kind));
  JW_STR (&w, p, "stage", stage_name (c->stage));
  JW_GROUP (&w, p, start);
  P_BOOL (p, "midstream", c->midstream);
  P_BOOL (p, "sides_known", c->sides_known);
  P_BOOL (p, "syn_seen", c->syn_seen);
  P_ADDR (p, "client_ip", &c->addr[WS_SIDE_CLIENT]);
  P_U64 (p, "client_port", c->port[WS_SIDE_CLIENT]);
  P_ADDR (p, "server_ip", &c->addr[WS_SIDE_SERVER]);
  P_U64 (p, "server_port", c->port[WS_SIDE_SERVER]);
  JW_GROUP_END (p, start);
  /* the flow's Community ID, to join with Zeek's conn.log and Suricata's
   * eve.json */
  char cid[WS_COMMUNITY_ID_LEN];
  const ws_addr *ca = &c->addr[WS_SIDE_CLIENT], *sa = &c->addr[WS_SIDE_SERVER];
  bool have_cid = (ca->family == 4 || ca->family == 6) && ca->family == sa->family;
  if (have_cid)
    ws_community_id (0, ca->family, ca->addr, c->port[WS_SIDE_CLIENT], sa->addr,
                     c->port[WS_SIDE_SERVER], 6, cid);
  JW_STR (&w, p, "community_id", have_cid ? cid : NULL);
  JW_GROUP (&w, p, start);
  /* a record always has a first packet: 0 is a moment here (a capture at
   * the epoch), not "unknown" as in the other timestamps */
  P_KEY (p, "start_ts");
  p = jw_ts (&w, p, c->start_us);
  P_TS (&w, p, "end_ts", c->end_us);
  JW_GROUP_END (p, start);

  /* handshake */
  JW_STR (&w, p, "method", c->method);
  JW_STR (&w, p, "host", c->host);
  JW_STR (&w, p, "path", c->path);
  JW_STR (&w, p, "origin", c->origin);
  JW_STR (&w, p, "user_agent", c->user_agent);
  JW_STR (&w, p, "ws_version", c->ws_version);
  JW_GROUP (&w, p, start);
  P_TS (&w, p, "request_ts", c->request_us);
  P_TS (&w, p, "response_ts", c->response_us);
  P_INT_OR_NULL (p, "handshake_status", c->handshake_status);
  JW_GROUP_END (p, start);
  JW_STR (&w, p, "handshake_reason", c->handshake_reason);
  JW_STR (&w, p, "server_software", c->server_header);
  JW_GROUP (&w, p, start);
  P_KEY (p, "accept_valid");
  if (c->accept_valid < 0)
    P_LIT (p, "null");
  else if (c->accept_valid)
    P_LIT (p, "true");
  else
    P_LIT (p, "false");
  JW_GROUP_END (p, start);
  JW_STR (&w, p, "offered_extensions", c->offered_extensions);
  JW_STR (&w, p, "accepted_extensions", c->accepted_extensions);
  JW_STR (&w, p, "offered_subprotocols", c->offered_subprotocols);
  JW_STR (&w, p, "accepted_subprotocol", c->accepted_subprotocol);
  JW_STR (&w, p, "handshake_problem_kind", handshake_problem_name (c->handshake_problem_kind));
  JW_STR (&w, p, "handshake_problem", c->handshake_problem);
  JW_GROUP (&w, p, start);
  P_LIT (p, ",\"permessage_deflate\":{");
  /* the first member, without its comma */
  if (c->pmd.enabled)
    P_LIT (p, "\"enabled\":true");
  else
    P_LIT (p, "\"enabled\":false");
  if (c->pmd.enabled)
    {
      P_BOOL (p, "server_no_context_takeover", c->pmd.server_no_context_takeover);
      P_BOOL (p, "client_no_context_takeover", c->pmd.client_no_context_takeover);
      P_INT_OR_NULL (p, "server_max_window_bits", c->pmd.server_max_window_bits);
      P_INT_OR_NULL (p, "client_max_window_bits", c->pmd.client_max_window_bits);
      /* false: compressed messages were measured by their wire size and
       * their text not checked (no --inflate, or too many inflaters) */
      P_BOOL (p, "inflated", ws_limits_cfg.inflate && !(c->limits & WS_LIMIT_INFLATERS));
    }
  P_LIT (p, "}");

  /* close */
  P_INT_OR_NULL (p, "close_code", code);
  JW_GROUP_END (p, start);
  info = code >= 0 ? ws_code_lookup (code) : NULL;
  JW_STR (&w, p, "close_name", info ? info->name : NULL);
  reason = contract_close_reason (c, &reason_len);
  JW_STR_LEN (&w, p, "close_reason", reason, reason_len);
  JW_STR (&w, p, "close_initiator",
          side_valid (c->close_initiator) ? ws_side_name (c->close_initiator) : NULL);
  JW_GROUP (&w, p, start);
  P_BOOL (p, "close_echoed", c->close[WS_SIDE_CLIENT].seen && c->close[WS_SIDE_SERVER].seen);
  P_LIT (p, ",\"close_frames\":{\"client\":");
  JW_GROUP_END (p, start);
  p = json_close_frame (&w, p, &c->close[WS_SIDE_CLIENT]);
  p = jw_room (&w, p, 16);
  P_LIT (p, ",\"server\":");
  p = json_close_frame (&w, p, &c->close[WS_SIDE_SERVER]);
  p = jw_room (&w, p, 1);
  *p++ = '}';
  JW_STR (&w, p, "tcp_end", ws_tcp_end_name (c->tcp_end));
  JW_STR (&w, p, "tcp_end_by", c->tcp_end != WS_TCP_END_OPEN && side_valid (c->tcp_end_by)
                                 ? ws_side_name (c->tcp_end_by) : NULL);

  /* traffic */
  JW_GROUP (&w, p, start);
  P_U64 (p, "client_frames", c->dir[WS_SIDE_CLIENT].frames);
  P_U64 (p, "server_frames", c->dir[WS_SIDE_SERVER].frames);
  P_U64 (p, "client_bytes", c->dir[WS_SIDE_CLIENT].tcp_bytes);
  P_U64 (p, "server_bytes", c->dir[WS_SIDE_SERVER].tcp_bytes);
  P_LIT (p, ",\"stats\":{\"client\":");
  JW_GROUP_END (p, start);
  p = json_dir_stats (&w, p, c, WS_SIDE_CLIENT);
  p = jw_room (&w, p, 16);
  P_LIT (p, ",\"server\":");
  p = json_dir_stats (&w, p, c, WS_SIDE_SERVER);
  p = jw_room (&w, p, 32);
  P_LIT (p, "},\"violations\":[");

  /* problems */
  nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);
  for (unsigned i = 0; i < nv; i++)
    {
      const ws_violation *v = &c->violations[i];
      const char *kind = ws_violation_name (v->kind);
      size_t dlen = strnlen (v->detail, sizeof v->detail);

      /* the first member, without its comma */
      p = jw_member_str (&w, p, i ? ",{\"kind\":" : "{\"kind\":", i ? 9 : 8,
                         kind, kind ? strlen (kind) : 0);
      JW_STR (&w, p, "side", side_valid (v->side) ? ws_side_name (v->side) : NULL);
      JW_GROUP (&w, p, start);
      P_TS (&w, p, "ts", v->ts_us);
      P_U64 (p, "offset", v->offset);
      JW_GROUP_END (p, start);
      JW_STR_LEN (&w, p, "detail", dlen ? v->detail : NULL, dlen);
      p = jw_room (&w, p, 1);
      *p++ = '}';
    }
  JW_GROUP (&w, p, start);
  P_LIT (p, "]");
  P_U64 (p, "violations_dropped", c->violations_dropped);
  P_LIT (p, ",\"limits\":[");
  for (size_t i = 0, n = 0; i < G_N_ELEMENTS (limit_names); i++)
    if (c->limits & limit_names[i].bit)
      {
        /* the names are plain words, shorter than 16 bytes */
        size_t len = strlen (limit_names[i].name);
        if (n++)
          *p++ = ',';
        p = json_value (p, limit_names[i].name, len);
      }
  P_LIT (p, "]");
  JW_GROUP_END (p, start);

  if (c->tls)                 /* the TLS stage's facts, written on their own */
    jw_end (&w, p), ws_tls_json (o, c), jw_init (&w, o), p = o->str + o->len;
  p = json_cause (&w, p, &c->cause);
  p = jw_room (&w, p, 1);
  *p++ = '}';
  jw_end (&w, p);
}

/* ---- CSV ------------------------------------------------------------------------- */

static const char *const csv_columns[] = {
  "id", "client_ip", "client_port", "server_ip", "server_port", "start_ts",
  "end_ts", "host", "path", "handshake_status", "accept_valid",
  "offered_extensions", "accepted_extensions", "offered_subprotocols",
  "accepted_subprotocol", "close_code", "close_reason", "close_initiator",
  "close_echoed", "tcp_end", "tcp_end_by", "client_frames", "server_frames",
  "client_bytes", "server_bytes", "violations", "cause_id", "cause_summary",
};

static void
csv_header (GString *o)
{
  for (size_t i = 0; i < G_N_ELEMENTS (csv_columns); i++)
    {
      if (i)
        g_string_append_c (o, ',');
      g_string_append (o, csv_columns[i]);
    }
  g_string_append (o, "\r\n");
}

static void
csv_addr (GString *o, const ws_addr *a)
{
  char buf[64];

  addr_format (a, buf, sizeof buf);
  ws_csv_field (o, buf);
}

/* Null values are empty fields, empty strings are "". */
static void
csv_record (GString *o, const ws_conn *c)
{
  int code = ws_conn_close_code (c);
  size_t reason_len;
  const char *reason = contract_close_reason (c, &reason_len);
  unsigned nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);

  put_u64 (o, c->id);
  gs_putc (o, ',');
  csv_addr (o, &c->addr[WS_SIDE_CLIENT]);
  gs_putc (o, ',');
  put_u64 (o, c->port[WS_SIDE_CLIENT]);
  gs_putc (o, ',');
  csv_addr (o, &c->addr[WS_SIDE_SERVER]);
  gs_putc (o, ',');
  put_u64 (o, c->port[WS_SIDE_SERVER]);
  gs_putc (o, ',');
  ws_ts_append (o, c->start_us);   /* known for every record, 0 included */
  g_string_append_c (o, ',');
  if (c->end_us)
    ws_ts_append (o, c->end_us);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->host);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->path);
  g_string_append_c (o, ',');
  if (c->handshake_status >= 0)
    put_u64 (o, (uint64_t) c->handshake_status);
  g_string_append_c (o, ',');
  if (c->accept_valid >= 0)
    g_string_append (o, c->accept_valid ? "true" : "false");
  g_string_append_c (o, ',');
  ws_csv_field (o, c->offered_extensions);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->accepted_extensions);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->offered_subprotocols);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->accepted_subprotocol);
  g_string_append_c (o, ',');
  if (code >= 0)
    put_u64 (o, (uint64_t) code);
  g_string_append_c (o, ',');
  if (reason)
    ws_csv_field_len (o, reason, reason_len); /* NUL bytes too: shown as \x00 */
  g_string_append_c (o, ',');
  ws_csv_field (o, side_valid (c->close_initiator) ? ws_side_name (c->close_initiator) : NULL);
  g_string_append_c (o, ',');
  g_string_append (o, c->close[WS_SIDE_CLIENT].seen && c->close[WS_SIDE_SERVER].seen
                      ? "true" : "false");
  g_string_append_c (o, ',');
  ws_csv_field (o, ws_tcp_end_name (c->tcp_end));
  g_string_append_c (o, ',');
  ws_csv_field (o, c->tcp_end != WS_TCP_END_OPEN && side_valid (c->tcp_end_by)
                   ? ws_side_name (c->tcp_end_by) : NULL);
  {
    const uint64_t n[4] = { c->dir[WS_SIDE_CLIENT].frames, c->dir[WS_SIDE_SERVER].frames,
                            c->dir[WS_SIDE_CLIENT].tcp_bytes, c->dir[WS_SIDE_SERVER].tcp_bytes };
    for (size_t i = 0; i < G_N_ELEMENTS (n); i++)
      {
        gs_putc (o, ',');
        put_u64 (o, n[i]);
      }
    gs_putc (o, ',');
  }
  /* violations as "kind@side;kind@side" */
  {
    g_autoptr (GString) v = g_string_new (NULL);
    for (unsigned i = 0; i < nv; i++)
      {
        const char *side = ws_side_name (c->violations[i].side);
        if (i)
          g_string_append_c (v, ';');
        g_string_append (v, ws_violation_name (c->violations[i].kind));
        if (side_valid (c->violations[i].side) && side)
          g_string_append_printf (v, "@%s", side);
      }
    ws_csv_field (o, v->str);
  }
  g_string_append_c (o, ',');
  ws_csv_field (o, c->cause.id);
  g_string_append_c (o, ',');
  ws_csv_field (o, c->cause.id ? c->cause.summary : NULL);
  g_string_append (o, "\r\n");
}

/* ---- text ---------------------------------------------------------------------- */

#define W_TIME 23
#define W_CONN 45
#define W_WHERE 30
#define W_HS 4
#define W_CLOSE 28
#define W_BY 6
#define W_TCP 13
#define W_FRAMES 11
#define W_REASON 40

/* Append s (already safe, valid UTF-8) cut to width characters (marking a
 * cut with "..."), padded with spaces to width when pad. */
static void
text_cell (GString *o, const char *s, size_t width, bool pad)
{
  size_t n = g_utf8_strlen (s, -1);

  if (n > width && width > 3)
    {
      const char *end = g_utf8_offset_to_pointer (s, (glong) (width - 3));
      g_string_append_len (o, s, end - s);
      g_string_append (o, "...");
      n = width;
    }
  else
    g_string_append (o, s);
  if (pad && n < width)
    {
      char *p = gs_room (o, width - n);
      memset (p, ' ', width - n);
      gs_done (o, p + (width - n));
    }
  GS_PUT_LIT (o, "  ");
}

/* A moment as UTC; 0 is "-" unless at_epoch (a time known to be set). */
static void
text_time_at (GString *o, int64_t ts_us, bool at_epoch)
{
  time_t secs;
  struct tm tm;

  if (ts_us == 0 && !at_epoch)
    {
      g_string_append (o, "-");
      return;
    }
  secs = (time_t) (ts_us / 1000000);
  if (ts_us < 0 || gmtime_r (&secs, &tm) == NULL)
    {
      ws_ts_append (o, ts_us);
      return;
    }
  int year = tm.tm_year + 1900, ms = (int) ((ts_us % 1000000) / 1000);
  if (year < 0 || year > 9999)
    {
      g_string_append_printf (o, "%04d-%02d-%02d %02d:%02d:%02d.%03d", year, tm.tm_mon + 1,
                              tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
      return;
    }
  /* as "%04d-%02d-%02d %02d:%02d:%02d.%03d" prints it */
  char *start = gs_room (o, 23), *p = start;
  memcpy (p, digit_pairs + 2 * (year / 100), 2);
  memcpy (p + 2, digit_pairs + 2 * (year % 100), 2);
  p[4] = '-';
  memcpy (p + 5, digit_pairs + 2 * (tm.tm_mon + 1), 2);
  p[7] = '-';
  memcpy (p + 8, digit_pairs + 2 * tm.tm_mday, 2);
  p[10] = ' ';
  memcpy (p + 11, digit_pairs + 2 * tm.tm_hour, 2);
  p[13] = ':';
  memcpy (p + 14, digit_pairs + 2 * tm.tm_min, 2);
  p[16] = ':';
  memcpy (p + 17, digit_pairs + 2 * (tm.tm_sec % 100), 2);
  p[19] = '.';
  p[20] = (char) ('0' + ms / 100);
  memcpy (p + 21, digit_pairs + 2 * (ms % 100), 2);
  gs_done (o, p + 23);
}

static void
text_time (GString *o, int64_t ts_us)
{
  text_time_at (o, ts_us, false);
}

static void
text_endpoint (GString *o, const ws_addr *a, uint16_t port)
{
  char buf[64];
  size_t len = addr_format (a, buf, sizeof buf);

  if (a->family == 6)
    {
      gs_putc (o, '[');
      gs_put (o, buf, len);
      GS_PUT_LIT (o, "]:");
    }
  else
    {
      gs_put (o, buf, len);
      gs_putc (o, ':');
    }
  put_u64 (o, port);
}

static void
text_header (GString *o)
{
  static const struct { const char *title; size_t width; } cols[] = {
    { "TIME (UTC)", W_TIME }, { "CLIENT -> SERVER", W_CONN },
    { "HOST/PATH", W_WHERE }, { "HS", W_HS }, { "CLOSE", W_CLOSE },
    { "BY", W_BY }, { "TCP END", W_TCP }, { "FRAMES C/S", W_FRAMES },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cols); i++)
    text_cell (o, cols[i].title, cols[i].width, true);
  g_string_append (o, "REASON\n");
}

static void
text_str_safe (GString *o, const char *s)
{
  if (s)
    ws_text_safe (o, s, strlen (s));
}

static void
text_record (GString *o, const ws_conn *c, bool verbose)
{
  g_autoptr (GString) cell = g_string_new (NULL);
  int code = ws_conn_close_code (c);
  size_t reason_len;
  const char *reason = contract_close_reason (c, &reason_len);
  unsigned nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);

  text_time_at (cell, c->start_us, true);
  text_cell (o, cell->str, W_TIME, true);

  g_string_truncate (cell, 0);
  text_endpoint (cell, &c->addr[WS_SIDE_CLIENT], c->port[WS_SIDE_CLIENT]);
  g_string_append (cell, " -> ");
  text_endpoint (cell, &c->addr[WS_SIDE_SERVER], c->port[WS_SIDE_SERVER]);
  if (cell->len > W_CONN)
    {
      /* never cut an address (two IPv6 endpoints take up to 98
       * characters): the line is longer instead */
      g_string_append_len (o, cell->str, (gssize) cell->len);
      GS_PUT_LIT (o, "  ");
    }
  else
    text_cell (o, cell->str, W_CONN, true);

  g_string_truncate (cell, 0);
  if (c->host == NULL && c->path == NULL)
    g_string_append (cell, c->midstream ? "(mid-stream)" : "-");
  else
    {
      text_str_safe (cell, c->host);
      text_str_safe (cell, c->path);
    }
  text_cell (o, cell->str, W_WHERE, true);

  g_string_truncate (cell, 0);
  if (c->handshake_status >= 0)
    put_u64 (cell, (uint64_t) c->handshake_status);
  else
    g_string_append (cell, c->midstream ? "mid" : "-");
  text_cell (o, cell->str, W_HS, true);

  g_string_truncate (cell, 0);
  if (code >= 0)
    {
      const ws_code_info *ci = ws_code_lookup (code);
      put_u64 (cell, (uint64_t) code);
      if (ci && ci->name)
        {
          g_string_append_c (cell, ' ');
          text_str_safe (cell, ci->name);
        }
    }
  else
    g_string_append (cell, "-");
  text_cell (o, cell->str, W_CLOSE, true);

  text_cell (o, side_valid (c->close_initiator) && ws_side_name (c->close_initiator)
                ? ws_side_name (c->close_initiator) : "-", W_BY, true);

  g_string_truncate (cell, 0);
  g_string_append (cell, ws_tcp_end_name (c->tcp_end) ? ws_tcp_end_name (c->tcp_end) : "-");
  if (c->tcp_end != WS_TCP_END_OPEN && side_valid (c->tcp_end_by) &&
      ws_side_name (c->tcp_end_by))
    {
      GS_PUT_LIT (cell, " by ");
      g_string_append (cell, ws_side_name (c->tcp_end_by));
    }
  text_cell (o, cell->str, W_TCP, true);

  g_string_truncate (cell, 0);
  put_u64 (cell, c->dir[WS_SIDE_CLIENT].frames);
  gs_putc (cell, '/');
  put_u64 (cell, c->dir[WS_SIDE_SERVER].frames);
  text_cell (o, cell->str, W_FRAMES, reason != NULL);

  if (reason)
    {
      g_string_truncate (cell, 0);
      g_string_append_c (cell, '"');
      ws_text_safe (cell, reason, reason_len);
      g_string_append_c (cell, '"');
      text_cell (o, cell->str, W_REASON, false);
    }
  /* text_cell leaves two spaces after each cell; none at the end of a line */
  while (o->len && o->str[o->len - 1] == ' ')
    g_string_truncate (o, o->len - 1);
  g_string_append_c (o, '\n');

  if (c->cause.id)
    {
      g_string_append (o, "    cause: ");
      text_str_safe (o, c->cause.id);
      if (c->cause.detail)
        {
          g_string_append_c (o, '/');
          text_str_safe (o, c->cause.detail);
        }
      if (c->cause.confidence)
        {
          g_string_append (o, " (");
          text_str_safe (o, c->cause.confidence);
          g_string_append (o, " confidence)");
        }
      if (c->cause.summary)
        {
          g_string_append (o, ": ");
          text_str_safe (o, c->cause.summary);
        }
      g_string_append_c (o, '\n');
      if (c->cause.fix)
        {
          g_string_append (o, "    fix: ");
          text_str_safe (o, c->cause.fix);
          g_string_append_c (o, '\n');
        }
      if (verbose && c->cause.evidence && c->cause.evidence->len)
        {
          g_string_append (o, "    evidence:\n");
          for (guint i = 0; i < c->cause.evidence->len; i++)
            {
              const ws_evidence *ev = g_ptr_array_index (c->cause.evidence, i);
              g_string_append (o, "      ");
              if (ev->ts_us > 0)
                {
                  text_time (o, ev->ts_us);
                  g_string_append (o, "  ");
                }
              text_str_safe (o, ev->text);
              g_string_append_c (o, '\n');
            }
        }
    }
  if (nv > 0)
    {
      g_string_append (o, "    violations:");
      for (unsigned i = 0; i < nv; i++)
        {
          const char *side = side_valid (c->violations[i].side)
                             ? ws_side_name (c->violations[i].side) : NULL;
          if (i)
            gs_putc (o, ',');
          gs_putc (o, ' ');
          g_string_append (o, ws_violation_name (c->violations[i].kind));
          if (side)
            {
              GS_PUT_LIT (o, " (");
              g_string_append (o, side);
              gs_putc (o, ')');
            }
        }
      if (c->violations_dropped)
        g_string_append_printf (o, ", and %u more", c->violations_dropped);
      g_string_append_c (o, '\n');
    }
  if (c->limits)
    {
      bool first = true;
      g_string_append (o, "    limits hit:");
      for (size_t i = 0; i < G_N_ELEMENTS (limit_names); i++)
        if (c->limits & limit_names[i].bit)
          {
            g_string_append_printf (o, "%s %s", first ? "" : ",", limit_names[i].name);
            first = false;
          }
      g_string_append_c (o, '\n');
    }
}

static void
count_inc (GHashTable *h, gpointer key, bool copy_key)
{
  uint64_t *n = g_hash_table_lookup (h, key);

  if (n == NULL)
    {
      n = g_new0 (uint64_t, 1);
      g_hash_table_insert (h, copy_key ? g_strdup (key) : key, n);
    }
  (*n)++;
}

static void
tally (ws_writer *w, const ws_conn *c)
{
  int code = ws_conn_close_code (c);

  if (c->kind == WS_KIND_TLS)
    return;                     /* not decrypted: in the TLS line of the totals */
  w->records++;
  if (handshake_failed (c))
    w->handshake_failures++;
  if (c->midstream)
    w->midstream++;
  if (c->n_violations > 0)
    w->with_violations++;
  count_inc (w->by_code, GINT_TO_POINTER (code < 0 ? -1 : code), false);
  if (c->cause.id)
    count_inc (w->by_cause, (gpointer) c->cause.id, true);
  else
    w->no_cause++;
  if (c->cause.detail && strcmp (c->cause.detail, "close_storm") == 0)
    {
      /* "server, minute": a restart shows as one line in the totals */
      char ip[64], key[128], when[32];
      ws_addr_to_string (&c->addr[WS_SIDE_SERVER], ip, sizeof ip);
      time_t secs = (time_t) (c->end_us / G_USEC_PER_SEC);
      struct tm tm;
      if (gmtime_r (&secs, &tm))
        strftime (when, sizeof when, "%Y-%m-%d %H:%M", &tm);
      else
        g_strlcpy (when, "?", sizeof when);
      g_snprintf (key, sizeof key, "%s:%u around %s", ip, c->port[WS_SIDE_SERVER], when);
      count_inc (w->storms, key, true);
    }
}

static gint
cmp_code (gconstpointer a, gconstpointer b)
{
  int x = GPOINTER_TO_INT (*(gpointer const *) a);
  int y = GPOINTER_TO_INT (*(gpointer const *) b);

  /* null (-1) last */
  if (x < 0 || y < 0)
    return (x < 0) - (y < 0);
  return (x > y) - (x < y);
}

static gint
cmp_cause (gconstpointer a, gconstpointer b, gpointer counts)
{
  const char *x = *(const char *const *) a;
  const char *y = *(const char *const *) b;
  uint64_t nx = *(uint64_t *) g_hash_table_lookup (counts, x);
  uint64_t ny = *(uint64_t *) g_hash_table_lookup (counts, y);

  /* most frequent first */
  if (nx != ny)
    return nx > ny ? -1 : 1;
  return strcmp (x, y);
}

static GPtrArray *
hash_keys (GHashTable *h)
{
  GPtrArray *keys = g_ptr_array_sized_new (g_hash_table_size (h));
  GHashTableIter it;
  gpointer k;

  g_hash_table_iter_init (&it, h);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_ptr_array_add (keys, k);
  return keys;
}

static void
text_totals (ws_writer *w, GString *o, const ws_counters *st)
{
  g_autoptr (GPtrArray) keys = NULL;

  if (w->records == 0)
    g_string_append (o, "No WebSocket connections found.\n");
  g_string_append (o, "\nTotals\n");
  g_string_append_printf (o, "  WebSocket connections: %" PRIu64, w->records);
  if (w->midstream)
    g_string_append_printf (o, " (%" PRIu64 " already open when the capture began)",
                            w->midstream);
  g_string_append_c (o, '\n');

  if (w->records > 0)
    {
      g_string_append (o, "  by close code:\n");
      keys = hash_keys (w->by_code);
      g_ptr_array_sort (keys, cmp_code);
      for (guint i = 0; i < keys->len; i++)
        {
          int code = GPOINTER_TO_INT (g_ptr_array_index (keys, i));
          uint64_t n = *(uint64_t *) g_hash_table_lookup (w->by_code, GINT_TO_POINTER (code));
          g_autoptr (GString) label = g_string_new (NULL);

          if (code < 0)
            g_string_append (label, "none (still open)");
          else
            {
              const ws_code_info *ci = ws_code_lookup (code);
              g_string_append_printf (label, "%d", code);
              if (ci && ci->name)
                {
                  g_string_append_c (label, ' ');
                  text_str_safe (label, ci->name);
                }
            }
          g_string_append (o, "    ");
          text_cell (o, label->str, 36, true);
          g_string_append_printf (o, "%" PRIu64 "\n", n);
        }
      g_clear_pointer (&keys, g_ptr_array_unref);

      g_string_append (o, "  by cause:\n");
      keys = hash_keys (w->by_cause);
      g_ptr_array_sort_with_data (keys, cmp_cause, w->by_cause);
      for (guint i = 0; i < keys->len; i++)
        {
          const char *id = g_ptr_array_index (keys, i);
          g_autoptr (GString) label = g_string_new (NULL);

          ws_text_safe (label, id, strlen (id));
          g_string_append (o, "    ");
          text_cell (o, label->str, 36, true);
          g_string_append_printf (o, "%" PRIu64 "\n",
                                  *(uint64_t *) g_hash_table_lookup (w->by_cause, id));
        }
      if (w->no_cause)
        {
          g_string_append (o, "    ");
          text_cell (o, "(no diagnosis)", 36, true);
          g_string_append_printf (o, "%" PRIu64 "\n", w->no_cause);
        }
    }
  if (g_hash_table_size (w->storms))
    {
      g_string_append (o, "  close storms (many connections closed by one server within a second:\n"
                          "  a restart or deploy):\n");
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, w->storms);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          g_string_append (o, "    server ");
          text_str_safe (o, k);
          g_string_append_printf (o, ": %" PRIu64 " connections\n", *(uint64_t *) v);
        }
    }
  g_string_append_printf (o, "  handshake failures: %" PRIu64 "\n", w->handshake_failures);
  g_string_append_printf (o, "  connections with protocol violations: %" PRIu64 "\n",
                          w->with_violations);
  if (st == NULL)
    return;
  g_string_append_printf (o, "  encrypted (TLS) connections, not analysed: %" PRIu64 "\n",
                          st->tls_connections);
  ws_tls_totals_text (o, text_str_safe);
  g_string_append_printf (o, "  other TCP connections skipped: %" PRIu64 "\n",
                          st->other_connections);
  g_string_append_printf (o, "  TCP streams looked at and rejected as not WebSocket: %" PRIu64
                          " (no upgrade request from the start %" PRIu64
                          ", mid-stream bytes not frames %" PRIu64 ")\n",
                          st->rejected_no_upgrade + st->rejected_midstream,
                          st->rejected_no_upgrade, st->rejected_midstream);
  g_string_append_printf (o, "  other upgrades (not WebSocket, e.g. h2c): %" PRIu64 "\n",
                          st->other_upgrades);
  g_string_append_printf (o, "  packets: %" PRIu64 " (%" PRIu64 " bytes)\n",
                          st->packets, st->bytes);
  g_string_append_printf (o, "  truncated packets (snaplen): %" PRIu64 "\n",
                          st->truncated_packets);
  g_string_append_printf (o, "  undecodable packets: %" PRIu64 "\n", st->undecodable_packets);
  if (st->tunneled_packets > 0)
    g_string_append_printf (o, "  TCP segments inside tunnels: %" PRIu64 "\n", st->tunneled_packets);
  if (st->not_ip_packets + st->unknown_ethertype_packets + st->not_tcp_packets
      + st->inner_not_tcp_packets + st->unknown_tunnel_packets + st->tunnel_too_deep_packets
      + st->malformed_tunnel_packets + st->unsupported_link_packets > 0)
    g_string_append_printf (o, "  not decoded: not IP %" PRIu64 ", unknown EtherType %" PRIu64
                            ", not TCP %" PRIu64
                            ", not TCP inside a tunnel %" PRIu64 ", unknown tunnel %" PRIu64
                            ", tunnels too deep %" PRIu64 ", malformed tunnel %" PRIu64
                            ", unsupported link type %" PRIu64 "\n",
                            st->not_ip_packets, st->unknown_ethertype_packets,
                            st->not_tcp_packets, st->inner_not_tcp_packets, st->unknown_tunnel_packets,
                            st->tunnel_too_deep_packets, st->malformed_tunnel_packets,
                            st->unsupported_link_packets);
  if (st->ip_fragments > 0)
    g_string_append_printf (o, "  IP fragments: %" PRIu64 " (%" PRIu64 " datagrams reassembled, %"
                            PRIu64 " dropped incomplete, %" PRIu64
                            " overlaps with different bytes)\n",
                            st->ip_fragments, st->ip_reassembled, st->ip_frag_dropped,
                            st->ip_frag_overlap_conflicts);
  g_string_append_printf (o, "  gaps in TCP streams: %" PRIu64 " (%" PRIu64 " bytes missed)\n",
                          st->gaps, st->gap_bytes);
  g_string_append_printf (o, "  limits hit: connections evicted %" PRIu64
                          ", reassembly %" PRIu64 ", inflate %" PRIu64
                          ", inflaters %" PRIu64 ", header %" PRIu64 "\n",
                          st->evicted, st->reassembly_limit_hits,
                          st->inflate_limit_hits, st->inflater_limit_hits,
                          st->header_limit_hits);
}

/* ---- the writer ------------------------------------------------------------------ */

ws_writer *
ws_writer_new (FILE *out, ws_format fmt, bool flush)
{
  ws_writer *w = g_new0 (ws_writer, 1);

  w->out = out;
  w->fmt = fmt;
  w->flush = flush;
  w->by_code = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  w->by_cause = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->storms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  w->buf = g_string_sized_new (4096);
  return w;
}

void
ws_writer_set_stream (ws_writer *w, FILE *out)
{
  w->out = out;
  /* a new file gets its own table header or CSV header row */
  w->header_done = false;
}

/* Write buf with write(2), all or as much as the file takes; returns the
 * bytes written, and false in *ok on an error. */
static size_t
write_fd (int fd, const char *buf, size_t len, bool *ok)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *ok = false;
          break;
        }
      done += (size_t) n;
    }
  return done;
}

bool
ws_writer_retry (ws_writer *w)
{
  if (!w->backlog || w->backlog->len == 0)
    return true;
  bool ok = true;
  size_t n = write_fd (fileno (w->out), w->backlog->str, w->backlog->len, &ok);
  g_string_erase (w->backlog, 0, (gssize) n);
  return w->backlog->len == 0;
}

/* Daemon mode: records go out with write(2) so that what the file did not
 * take is known exactly; it is kept (bounded) and tried again later. */
static bool
emit_backlog (ws_writer *w, const GString *s)
{
  if (!w->backlog)
    w->backlog = g_string_new (NULL);
  if (!ws_writer_retry (w))
    {
      w->write_failures++;
      if (w->backlog->len + s->len > w->backlog_max)
        {
          w->dropped_records++;
          return false;
        }
      g_string_append_len (w->backlog, s->str, (gssize) s->len);
      return false;
    }
  bool ok = true;
  size_t n = write_fd (fileno (w->out), s->str, s->len, &ok);
  if (n < s->len)
    {
      w->write_failures++;
      /* keep the rest of the record (never half of it is lost) */
      if (w->backlog->len + (s->len - n) > w->backlog_max && n == 0)
        {
          w->dropped_records++;
          return false;
        }
      g_string_append_len (w->backlog, s->str + n, (gssize) (s->len - n));
    }
  return ok;
}

bool
ws_writer_shows_evidence (const ws_writer *w)
{
  return w->fmt == WS_FMT_JSON || (w->fmt == WS_FMT_TEXT && w->verbose);
}

void
ws_writer_set_verbose (ws_writer *w, bool verbose)
{
  w->verbose = verbose;
}

void
ws_writer_set_backlog (ws_writer *w, size_t max_bytes)
{
  w->backlog_max = max_bytes;
}

size_t
ws_writer_backlog (const ws_writer *w)
{
  return w->backlog ? w->backlog->len : 0;
}

uint64_t
ws_writer_failures (const ws_writer *w)
{
  return w->write_failures;
}

uint64_t
ws_writer_dropped (const ws_writer *w)
{
  return w->dropped_records;
}

static bool
emit (ws_writer *w, const GString *s)
{
  bool ok = true;

  if (w->backlog_max)
    return emit_backlog (w, s);

  if (s->len > 0 && fwrite (s->str, 1, s->len, w->out) != s->len)
    ok = false;
  if (w->flush && fflush (w->out) != 0)
    ok = false;
  if (ferror (w->out))
    ok = false;
  return ok;
}

/* A record rarely passes a few KiB; a buffer that grew past this for an
 * unusual one is given back rather than kept for the rest of the run. */
#define WRITER_BUF_KEEP (64 * 1024)

bool
ws_writer_record (ws_writer *w, const ws_conn *c)
{
  GString *s = w->buf;
  bool ok;

  g_string_truncate (s, 0);

  switch (w->fmt)
    {
    case WS_FMT_JSON:
      ws_json_record (s, c);
      g_string_append_c (s, '\n');
      break;
    case WS_FMT_CSV:
      if (!w->header_done)
        csv_header (s);
      csv_record (s, c);
      break;
    case WS_FMT_TEXT:
    default:
      if (!w->header_done)
        text_header (s);
      text_record (s, c, w->verbose);
      break;
    }
  w->header_done = true;
  if (w->fmt == WS_FMT_TEXT)
    tally (w, c);               /* only the text report prints totals */
  ok = emit (w, s);
  if (s->allocated_len > WRITER_BUF_KEEP)
    {
      g_string_free (s, TRUE);
      w->buf = g_string_sized_new (4096);
    }
  return ok;
}

void
ws_writer_finish (ws_writer *w, const ws_counters *stats)
{
  g_autoptr (GString) s = g_string_new (NULL);

  switch (w->fmt)
    {
    case WS_FMT_JSON:
      break;
    case WS_FMT_CSV:
      /* an empty report still names its columns */
      if (!w->header_done)
        csv_header (s);
      break;
    case WS_FMT_TEXT:
    default:
      text_totals (w, s, stats);
      break;
    }
  w->header_done = true;
  emit (w, s);
  fflush (w->out);
}

void
ws_writer_free (ws_writer *w)
{
  if (w == NULL)
    return;
  g_hash_table_destroy (w->by_code);
  g_hash_table_destroy (w->by_cause);
  g_hash_table_destroy (w->storms);
  if (w->backlog)
    g_string_free (w->backlog, TRUE);
  g_string_free (w->buf, TRUE);
  g_free (w);
}
