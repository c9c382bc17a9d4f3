/* output-escape.h - what the writers write with: appending to a GString
 * without printf, numbers and timestamps written into room made beforehand,
 * and the escaping of strings from the wire for each format (JSON, CSV, the
 * terminal).  The inline helpers are here so that the writers of each format
 * keep them inlined (the JSON writer is on the hot path of every record).
 */
#ifndef WS_OUTPUT_ESCAPE_H
#define WS_OUTPUT_ESCAPE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "conn.h"

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
static inline char *
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
static inline char *
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

static inline void
put_u64 (GString *o, uint64_t v)
{
  gs_done (o, p_u64 (gs_room (o, U64_MAX_LEN), v));
}

static const char hex_digits[] = "0123456789abcdef";

/* \x followed by two lowercase hex digits (as "\\x%02x"). */
static inline void
put_x_escape (GString *o, uint8_t b)
{
  char e[4] = { '\\', 'x', hex_digits[b >> 4], hex_digits[b & 0xF] };
  gs_put (o, e, sizeof e);
}

/* The address as inet_ntop writes it (anything but family 6 is taken as
 * IPv4, as ws_addr_to_string does), NUL-terminated; returns its length.
 * IPv4, the common case, is formatted here; IPv6 and its zero compression
 * are left to inet_ntop. */

/* The most a JSON string takes per byte of input: a control byte becomes
 * \u00XX (6); a byte of bad UTF-8 becomes U+FFFD (3), a C1 control 6 bytes
 * for its 2, U+2028 6 for 3.  Room for 2 + JSON_ESC_MAX * len bytes is made
 * once and the string is written without further checks. */
#define JSON_ESC_MAX 6

/* s[0..n) as a JSON string with its quotes, or null when s is NULL, at q
 * (room: 2 + JSON_ESC_MAX * n, and at least 4); returns the end. */
char *ws_json_value (char *q, const char *s, size_t n);

/* The address as inet_ntop writes it (anything but family 6 is taken as
 * IPv4, as ws_addr_to_string does), NUL-terminated; returns its length. */
size_t ws_addr_format (const ws_addr *a, char *buf, size_t size);

/* Escape helpers, for the writers, the report and the tests. */
void ws_json_string (GString *out, const char *s, size_t len); /* with quotes; NULL -> null */
void ws_csv_field (GString *out, const char *s);               /* NULL -> empty */
void ws_csv_field_len (GString *out, const char *s, size_t len); /* NUL bytes kept */
void ws_text_safe (GString *out, const char *s, size_t len);   /* no control chars */
/* microseconds since the epoch as seconds with 6 decimals */
void ws_ts_append (GString *out, int64_t ts_us);

#endif
