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
 *         U+FFFD as in JSON.  Rows end with CRLF.
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

/* \u followed by four lowercase hex digits (as "\\u%04x"); cp <= 0xFFFF. */
static void
put_u_escape (GString *o, uint32_t cp)
{
  char e[6] = { '\\', 'u', hex_digits[(cp >> 12) & 0xF], hex_digits[(cp >> 8) & 0xF],
                hex_digits[(cp >> 4) & 0xF], hex_digits[cp & 0xF] };
  gs_put (o, e, sizeof e);
}

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
            *p++ = (char) ('0' + v / 100);
          if (v >= 10)
            *p++ = (char) ('0' + v / 10 % 10);
          *p++ = (char) ('0' + v % 10);
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

static inline size_t
json_plain_run (const uint8_t *p, size_t n)
{
  return plain_run (p, n, true);
}

void
ws_json_string (GString *out, const char *s, size_t len)
{
  const uint8_t *p = (const uint8_t *) s;
  size_t i = 0, run = 0;   /* bytes [run, i) are still to be copied */

  if (s == NULL)
    {
      GS_PUT_LIT (out, "null");
      return;
    }
  i = json_plain_run (p, len);
  if (i == len)
    {
      /* nothing to escape: the common case */
      char *q = gs_room (out, len + 2);
      *q++ = '"';
      memcpy (q, s, len);
      q[len] = '"';
      gs_done (out, q + len + 1);
      return;
    }
  gs_putc (out, '"');
  while (i < len)
    {
      uint8_t b;
      uint32_t cp;
      size_t n;

      i += json_plain_run (p + i, len - i);
      if (i == len)
        break;
      b = p[i];
      if (b < 0x80)
        {
          gs_put (out, s + run, i - run);
          if (b == '"' || b == '\\')
            {
              char e[2] = { '\\', (char) b };
              gs_put (out, e, 2);
            }
          else
            put_u_escape (out, b);
          run = ++i;
          continue;
        }
      n = utf8_seq (p + i, len - i, &cp);
      if (n != 0 && cp > 0x9F && cp != 0x2028 && cp != 0x2029)
        {
          i += n;
          continue;
        }
      gs_put (out, s + run, i - run);
      if (n == 0)
        {
          /* A byte that is not part of well-formed UTF-8: one U+FFFD per
           * byte, so the JSON stays valid UTF-8 and the count of bad bytes
           * is still visible. */
          GS_PUT_LIT (out, UTF8_REPLACEMENT);
          i++;
        }
      else
        {
          put_u_escape (out, cp);
          i += n;
        }
      run = i;
    }
  gs_put (out, s + run, i - run);
  gs_putc (out, '"');
}

void
ws_csv_field (GString *out, const char *s)
{
  const uint8_t *p = (const uint8_t *) s;
  size_t len, i = 0, run = 0;

  if (s == NULL)
    return;
  len = strlen (s);
  gs_putc (out, '"');
  /* Spreadsheets run a cell that starts with one of these as a formula
   * (CSV injection); a leading ' makes it text. */
  if (len > 0 && strchr ("=+-@\t\r", s[0]) != NULL)
    gs_putc (out, '\'');
  while (i < len)
    {
      uint8_t b = p[i];
      uint32_t cp;
      size_t n;

      if (b < 0x80)
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
      n = utf8_seq (p + i, len - i, &cp);
      if (n != 0)
        {
          i += n;
          continue;
        }
      gs_put (out, s + run, i - run);
      GS_PUT_LIT (out, UTF8_REPLACEMENT);  /* as in JSON */
      run = ++i;
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

/* Keys are string literals: "k": is put together at compile time, so a key
 * costs one copy.  k must be a literal. */
#define JKEY(k) "\"" k "\":", sizeof ("\"" k "\":") - 1

/* Appends "k": with a comma before it unless it opens an object.  A value
 * never ends in '{' or '[', so the last byte tells whether one came before. */
static inline void
jkey_ (GString *o, const char *quoted, size_t n)
{
  char last = o->len ? o->str[o->len - 1] : '{';
  char *p = gs_room (o, n + 1);

  if (last != '{' && last != '[')
    *p++ = ',';
  memcpy (p, quoted, n);
  gs_done (o, p + n);
}
#define jkey(o, k) jkey_ ((o), JKEY (k))

/* Separator before an array element. */
static void
jsep (GString *o)
{
  char last = o->len ? o->str[o->len - 1] : '[';

  if (last != '{' && last != '[')
    gs_putc (o, ',');
}

static inline void
jstr_ (GString *o, const char *quoted, size_t n, const char *s)
{
  jkey_ (o, quoted, n);
  ws_json_string (o, s, s ? strlen (s) : 0);
}
#define jstr(o, k, s) jstr_ ((o), JKEY (k), (s))

static inline void
ju64_ (GString *o, const char *quoted, size_t n, uint64_t v)
{
  jkey_ (o, quoted, n);
  put_u64 (o, v);
}
#define ju64(o, k, v) ju64_ ((o), JKEY (k), (v))

/* an int, or null when negative (-1 means unknown in the record) */
static inline void
jint_or_null_ (GString *o, const char *quoted, size_t n, int v)
{
  jkey_ (o, quoted, n);
  if (v < 0)
    GS_PUT_LIT (o, "null");
  else
    put_u64 (o, (uint64_t) v);
}
#define jint_or_null(o, k, v) jint_or_null_ ((o), JKEY (k), (v))

static inline void
jbool_ (GString *o, const char *quoted, size_t n, bool v)
{
  jkey_ (o, quoted, n);
  if (v)
    GS_PUT_LIT (o, "true");
  else
    GS_PUT_LIT (o, "false");
}
#define jbool(o, k, v) jbool_ ((o), JKEY (k), (v))

static inline void
jts_ (GString *o, const char *quoted, size_t n, int64_t ts_us)
{
  jkey_ (o, quoted, n);
  if (ts_us == 0)
    GS_PUT_LIT (o, "null");
  else
    ws_ts_append (o, ts_us);
}
#define jts(o, k, ts) jts_ ((o), JKEY (k), (ts))

/* An address is digits, hex letters, dots and colons: nothing to escape. */
static void
jaddr_ (GString *o, const char *quoted, size_t n, const ws_addr *a)
{
  char buf[64];
  size_t len = addr_format (a, buf, sizeof buf);

  jkey_ (o, quoted, n);
  gs_putc (o, '"');
  gs_put (o, buf, len);
  gs_putc (o, '"');
}
#define jaddr(o, k, a) jaddr_ ((o), JKEY (k), (a))

/* ,"k":value at p (room made); the value as p_u64, p_ts (0: null) or a bool */
#define P_KEY(p, k) P_LIT (p, ",\"" k "\":")
#define P_U64(p, k, v) (P_KEY (p, k), (p) = p_u64 ((p), (v)))
#define P_TS(p, k, ts) (P_KEY (p, k), (ts) ? ((p) = p_ts ((p), (ts))) : P_LIT (p, "null"))
#define P_BOOL(p, k, v) ((v) ? P_LIT (p, ",\"" k "\":true") : P_LIT (p, ",\"" k "\":false"))

/* 27 members, none with a key of more than 24 bytes or a value of more than
 * TS_MAX_LEN, and the braces */
#define DIR_STATS_ROOM (27 * (24 + 4 + TS_MAX_LEN) + 2)

static void
json_dir_stats (GString *o, const ws_conn *c, ws_side s)
{
  const ws_dir_stats *d = &c->dir[s];
  char *start = gs_room (o, DIR_STATS_ROOM), *p = start;

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
  P_TS (p, "first_frame_ts", d->first_frame_us);
  P_TS (p, "last_frame_ts", d->last_frame_us);
  P_TS (p, "last_data_ts", d->last_data_us);
  P_TS (p, "last_ping_ts", d->last_ping_us);
  P_TS (p, "last_pong_ts", d->last_pong_us);
  P_TS (p, "fin_ts", c->fin[s] ? c->fin_us[s] : 0);
  P_TS (p, "rst_ts", c->rst[s] ? c->rst_us[s] : 0);
  P_U64 (p, "gaps", d->gaps);
  P_U64 (p, "gap_bytes", d->gap_bytes);
  P_U64 (p, "resyncs", d->resyncs);
  P_BOOL (p, "desynced", d->desynced);
  P_BOOL (p, "inflate_capped", d->inflate_capped);
  P_LIT (p, "}");
  g_assert (p - start <= DIR_STATS_ROOM);
  gs_done (o, p);
}

static void
json_close_frame (GString *o, const ws_close_info *ci)
{
  if (!ci->seen)
    {
      g_string_append (o, "null");
      return;
    }
  g_string_append_c (o, '{');
  jint_or_null (o, "code", ci->code);   /* -1: empty body */
  jkey (o, "reason");
  if (ci->reason != NULL && ci->reason_len > 0)
    ws_json_string (o, ci->reason, ci->reason_len);
  else
    g_string_append (o, "null");
  jts (o, "ts", ci->ts_us);
  ju64 (o, "payload_len", ci->payload_len);
  jbool (o, "reason_truncated", ci->reason_truncated);
  g_string_append_c (o, '}');
}

static void
json_cause (GString *o, const ws_cause *cause)
{
  if (cause->id == NULL)
    {
      g_string_append (o, "null");
      return;
    }
  g_string_append_c (o, '{');
  jstr (o, "id", cause->id);
  jstr (o, "detail", cause->detail);
  jstr (o, "summary", cause->summary);
  jstr (o, "fix", cause->fix);
  jstr (o, "confidence", cause->confidence);
  jkey (o, "evidence");
  g_string_append_c (o, '[');
  for (guint i = 0; cause->evidence && i < cause->evidence->len; i++)
    {
      const ws_evidence *e = g_ptr_array_index (cause->evidence, i);
      if (e == NULL)
        continue;
      jsep (o);
      g_string_append_c (o, '{');
      jts (o, "ts", e->ts_us);
      jstr (o, "text", e->text);
      g_string_append_c (o, '}');
    }
  g_string_append (o, "]}");
}

void
ws_json_record (GString *o, const ws_conn *c)
{
  int code = ws_conn_close_code (c);
  const ws_code_info *info;
  const char *reason;
  size_t reason_len;
  unsigned nv;

  g_string_append_c (o, '{');
  ju64 (o, "id", c->id);
  jstr (o, "kind", kind_name (c->kind));
  jstr (o, "stage", stage_name (c->stage));
  jbool (o, "midstream", c->midstream);
  jbool (o, "sides_known", c->sides_known);
  jbool (o, "syn_seen", c->syn_seen);
  jaddr (o, "client_ip", &c->addr[WS_SIDE_CLIENT]);
  ju64 (o, "client_port", c->port[WS_SIDE_CLIENT]);
  jaddr (o, "server_ip", &c->addr[WS_SIDE_SERVER]);
  ju64 (o, "server_port", c->port[WS_SIDE_SERVER]);
  jts (o, "start_ts", c->start_us);
  jts (o, "end_ts", c->end_us);

  /* handshake */
  jstr (o, "method", c->method);
  jstr (o, "host", c->host);
  jstr (o, "path", c->path);
  jstr (o, "origin", c->origin);
  jstr (o, "user_agent", c->user_agent);
  jstr (o, "ws_version", c->ws_version);
  jts (o, "request_ts", c->request_us);
  jts (o, "response_ts", c->response_us);
  jint_or_null (o, "handshake_status", c->handshake_status);
  jstr (o, "handshake_reason", c->handshake_reason);
  jstr (o, "server_software", c->server_header);
  jkey (o, "accept_valid");
  g_string_append (o, c->accept_valid < 0 ? "null"
                      : c->accept_valid ? "true" : "false");
  jstr (o, "offered_extensions", c->offered_extensions);
  jstr (o, "accepted_extensions", c->accepted_extensions);
  jstr (o, "offered_subprotocols", c->offered_subprotocols);
  jstr (o, "accepted_subprotocol", c->accepted_subprotocol);
  jstr (o, "handshake_problem_kind", handshake_problem_name (c->handshake_problem_kind));
  jstr (o, "handshake_problem", c->handshake_problem);
  jkey (o, "permessage_deflate");
  g_string_append_c (o, '{');
  jbool (o, "enabled", c->pmd.enabled);
  if (c->pmd.enabled)
    {
      jbool (o, "server_no_context_takeover", c->pmd.server_no_context_takeover);
      jbool (o, "client_no_context_takeover", c->pmd.client_no_context_takeover);
      jint_or_null (o, "server_max_window_bits", c->pmd.server_max_window_bits);
      jint_or_null (o, "client_max_window_bits", c->pmd.client_max_window_bits);
      /* false: compressed messages were measured by their wire size and
       * their text not checked (no --inflate, or too many inflaters) */
      jbool (o, "inflated", ws_limits_cfg.inflate && !(c->limits & WS_LIMIT_INFLATERS));
    }
  g_string_append_c (o, '}');

  /* close */
  jint_or_null (o, "close_code", code);
  info = code >= 0 ? ws_code_lookup (code) : NULL;
  jstr (o, "close_name", info ? info->name : NULL);
  reason = contract_close_reason (c, &reason_len);
  jkey (o, "close_reason");
  ws_json_string (o, reason, reason_len);
  jstr (o, "close_initiator", side_valid (c->close_initiator) ? ws_side_name (c->close_initiator) : NULL);
  jbool (o, "close_echoed", c->close[WS_SIDE_CLIENT].seen && c->close[WS_SIDE_SERVER].seen);
  jkey (o, "close_frames");
  g_string_append_c (o, '{');
  jkey (o, "client");
  json_close_frame (o, &c->close[WS_SIDE_CLIENT]);
  jkey (o, "server");
  json_close_frame (o, &c->close[WS_SIDE_SERVER]);
  g_string_append_c (o, '}');
  jstr (o, "tcp_end", ws_tcp_end_name (c->tcp_end));
  jstr (o, "tcp_end_by", c->tcp_end != WS_TCP_END_OPEN && side_valid (c->tcp_end_by)
                           ? ws_side_name (c->tcp_end_by) : NULL);

  /* traffic */
  ju64 (o, "client_frames", c->dir[WS_SIDE_CLIENT].frames);
  ju64 (o, "server_frames", c->dir[WS_SIDE_SERVER].frames);
  ju64 (o, "client_bytes", c->dir[WS_SIDE_CLIENT].tcp_bytes);
  ju64 (o, "server_bytes", c->dir[WS_SIDE_SERVER].tcp_bytes);
  jkey (o, "stats");
  g_string_append_c (o, '{');
  jkey (o, "client");
  json_dir_stats (o, c, WS_SIDE_CLIENT);
  jkey (o, "server");
  json_dir_stats (o, c, WS_SIDE_SERVER);
  g_string_append_c (o, '}');

  /* problems */
  jkey (o, "violations");
  g_string_append_c (o, '[');
  nv = MIN (c->n_violations, (unsigned) WS_MAX_VIOLATIONS);
  for (unsigned i = 0; i < nv; i++)
    {
      const ws_violation *v = &c->violations[i];
      size_t dlen = strnlen (v->detail, sizeof v->detail);

      jsep (o);
      g_string_append_c (o, '{');
      jstr (o, "kind", ws_violation_name (v->kind));
      jstr (o, "side", side_valid (v->side) ? ws_side_name (v->side) : NULL);
      jts (o, "ts", v->ts_us);
      ju64 (o, "offset", v->offset);
      jkey (o, "detail");
      ws_json_string (o, dlen ? v->detail : NULL, dlen);
      g_string_append_c (o, '}');
    }
  g_string_append_c (o, ']');
  ju64 (o, "violations_dropped", c->violations_dropped);
  jkey (o, "limits");
  g_string_append_c (o, '[');
  for (size_t i = 0; i < G_N_ELEMENTS (limit_names); i++)
    if (c->limits & limit_names[i].bit)
      {
        jsep (o);
        ws_json_string (o, limit_names[i].name, strlen (limit_names[i].name));
      }
  g_string_append_c (o, ']');

  jkey (o, "cause");
  json_cause (o, &c->cause);
  g_string_append_c (o, '}');
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
  if (c->start_us)
    ws_ts_append (o, c->start_us);
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
    {
      /* the reason may hold a NUL-free byte string of reason_len bytes */
      g_autofree char *r = g_strndup (reason, reason_len);
      ws_csv_field (o, r);
    }
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

static void
text_time (GString *o, int64_t ts_us)
{
  time_t secs;
  struct tm tm;

  if (ts_us == 0)
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

  text_time (cell, c->start_us);
  text_cell (o, cell->str, W_TIME, true);

  g_string_truncate (cell, 0);
  text_endpoint (cell, &c->addr[WS_SIDE_CLIENT], c->port[WS_SIDE_CLIENT]);
  g_string_append (cell, " -> ");
  text_endpoint (cell, &c->addr[WS_SIDE_SERVER], c->port[WS_SIDE_SERVER]);
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
  g_string_append_printf (o, "  other TCP connections skipped: %" PRIu64 "\n",
                          st->other_connections);
  g_string_append_printf (o, "  packets: %" PRIu64 " (%" PRIu64 " bytes)\n",
                          st->packets, st->bytes);
  g_string_append_printf (o, "  truncated packets (snaplen): %" PRIu64 "\n",
                          st->truncated_packets);
  g_string_append_printf (o, "  undecodable packets: %" PRIu64 "\n", st->undecodable_packets);
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
