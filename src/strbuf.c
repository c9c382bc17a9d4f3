/* strbuf.c - the text builder and the duration and size formatting of the
 * diagnosis (see strbuf.h).  The numbers are printed with integer
 * arithmetic and fall back to printf only where printf's rounding of a
 * double must decide. */
#include "strbuf.h"
#include "i18n.h"

#include <stdio.h>

#define US_PER_S 1000000LL

/* For the helpers below that have two callers, one of them a hot one. */
#ifdef __GNUC__
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

void
ws_strbuf_grow (ws_strbuf *t, size_t n)
{
  size_t cap = t->cap;

  while (cap <= t->len + n)
    cap *= 2;
  if (t->str == t->local)
    t->str = g_memdup2 (t->local, t->len + 1);
  t->str = g_realloc (t->str, cap);
  t->cap = cap;
}

/* Digits of v (and a minus sign).  Inline in the printf of this file and
 * the formatting of numbers: a call per number costs more than its digits. */
static inline void
add_digits (ws_strbuf *t, bool negative, uint64_t v)
{
  char buf[24];
  char *p = buf + sizeof buf;

  do
    {
      *--p = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v);
  if (negative)
    *--p = '-';
  ws_strbuf_add (t, p, (size_t) (buf + sizeof buf - p));
}

void
ws_strbuf_add_num (ws_strbuf *t, bool negative, uint64_t v)
{
  add_digits (t, negative, v);
}

static void vprintf_libc (ws_strbuf *t, const char *fmt, va_list ap) G_GNUC_PRINTF (2, 0);

static void
vprintf_libc (ws_strbuf *t, const char *fmt, va_list ap)
{
  va_list again;
  int n;

  va_copy (again, ap);
  n = g_vsnprintf (t->str + t->len, t->cap - t->len, fmt, ap);
  if (n < 0)
    t->str[t->len] = '\0';
  else
    {
      if ((size_t) n >= t->cap - t->len)
        {
          ws_strbuf_reserve (t, (size_t) n);
          g_vsnprintf (t->str + t->len, t->cap - t->len, fmt, again);
        }
      t->len += (size_t) n;
    }
  va_end (again);
}

/* The conversions the diagnosis uses: %s, %c, %%, and %d %i %u with no
 * length, l, ll or z; no flags, width or precision.  Returns false at the
 * first conversion it does not do (what was appended is then to be
 * dropped). */
static bool
vprintf_plain (ws_strbuf *t, const char *fmt, va_list ap)
{
  const char *p = fmt;

  for (;;)
    {
      const char *pct = strchrnul (p, '%');
      int longs = 0;
      bool size = false;

      ws_strbuf_add (t, p, (size_t) (pct - p));
      if (!*pct)
        return true;
      p = pct + 1;
      while (*p == 'l' && longs < 2)
        {
          longs++;
          p++;
        }
      if (longs == 0 && *p == 'z')
        {
          size = true;
          p++;
        }
      char conv = *p++;
      if (conv == 'd' || conv == 'i')
        {
          int64_t v = size ? (int64_t) va_arg (ap, gssize)
                      : longs == 2 ? (int64_t) va_arg (ap, long long)
                      : longs == 1 ? (int64_t) va_arg (ap, long)
                      : (int64_t) va_arg (ap, int);
          add_digits (t, v < 0, v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v);
        }
      else if (conv == 'u')
        add_digits (t, false, size ? (uint64_t) va_arg (ap, size_t)
                            : longs == 2 ? (uint64_t) va_arg (ap, unsigned long long)
                            : longs == 1 ? (uint64_t) va_arg (ap, unsigned long)
                            : (uint64_t) va_arg (ap, unsigned int));
      else if (longs || size)
        return false;
      else if (conv == 's')
        {
          const char *s = va_arg (ap, const char *);
          ws_strbuf_add_str (t, s ? s : "(null)");      /* as glibc prints it */
        }
      else if (conv == 'c')
        {
          char ch = (char) va_arg (ap, int);
          ws_strbuf_add (t, &ch, 1);
        }
      else if (conv == '%')
        ws_strbuf_add (t, "%", 1);
      else
        return false;
    }
}

void
ws_strbuf_vprintf (ws_strbuf *t, const char *fmt, va_list ap)
{
  size_t start = t->len;
  va_list again;

  va_copy (again, ap);
  if (!vprintf_plain (t, fmt, ap))
    {
      t->len = start;
      vprintf_libc (t, fmt, again);
    }
  va_end (again);
}

void
ws_strbuf_printf (ws_strbuf *t, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  ws_strbuf_vprintf (t, fmt, ap);
  va_end (ap);
}

void
ws_strbuf_clause (ws_strbuf *t, const char *fmt, ...)
{
  va_list ap;

  if (t->len)
    ws_strbuf_add_str (t, "; ");
  va_start (ap, fmt);
  ws_strbuf_vprintf (t, fmt, ap);
  va_end (ap);
}

void
ws_strbuf_set_lower (ws_strbuf *t, const char *s)
{
  size_t n = strlen (s);

  ws_strbuf_reset (t);
  ws_strbuf_reserve (t, n);
  for (size_t i = 0; i < n; i++)
    {
      char ch = s[i];
      t->str[i] = ch >= 'A' && ch <= 'Z' ? (char) (ch - 'A' + 'a') : ch;
    }
  t->len = n;
  t->str[n] = '\0';
}

/* The printed value of num / den rounded to a multiple of 1/10^decimals
 * (decimals 0 or 1), as printf's "%.*f" prints the double num / (double) den:
 * the integer part in *whole, the digit after the point in *tenth.  False
 * when printf must decide: a value exactly halfway (where the rounding of
 * the division picks the side) or too large for the integer arithmetic. */
static bool
round_fixed (uint64_t num, uint64_t den, int decimals, uint64_t *whole, unsigned *tenth)
{
  uint64_t scale = decimals ? 10 : 1;

  /* num * scale stays exact, and so does num as a double (below 2^53) */
  if (num >= (UINT64_C (1) << 52) / scale)
    return false;
  uint64_t q = num * scale / den, r = num * scale % den;
  if (2 * r == den)
    return false;
  if (2 * r > den)
    q++;
  *whole = q / scale;
  *tenth = (unsigned) (q % scale);
  return true;
}

static void
add_fixed (ws_strbuf *t, uint64_t whole, unsigned tenth, int decimals)
{
  add_digits (t, false, whole);
  if (decimals)
    {
      const char *dp = ws_i18n_dp;
      if (!dp)
        {
          char frac[2] = { '.', (char) ('0' + tenth) };
          ws_strbuf_add (t, frac, sizeof frac);
        }
      else
        {
          ws_strbuf_add_str (t, dp);
          char d = (char) ('0' + tenth);
          ws_strbuf_add (t, &d, 1);
        }
    }
}

/* A value printf wrote with the C locale's "." (LC_NUMERIC is C): with the
 * reader's decimal mark, from offset from on. */
static void
local_mark (ws_strbuf *t, size_t from)
{
  const char *dp = ws_i18n_dp;
  if (!dp)
    return;
  char *p = memchr (t->str + from, '.', t->len - from);
  if (!p)
    return;
  size_t at = (size_t) (p - t->str);
  char tail[64];
  size_t tl = MIN (t->len - at - 1, sizeof tail - 1);
  memcpy (tail, p + 1, tl);
  t->len = at;
  t->str[at] = '\0';
  ws_strbuf_add_str (t, dp);
  ws_strbuf_add (t, tail, tl);
}

/* A duration as "%.1f ms" (below 10 ms), "%.0f ms" (below 1 s) or "%.1f s"
 * of it prints. */
static inline void
add_dur (ws_strbuf *t, int64_t us)
{
  uint64_t whole;
  unsigned tenth;

  if (us < 0)
    us = 0;
  if (us < US_PER_S)
    {
      int decimals = us < 10000 ? 1 : 0;
      if (round_fixed ((uint64_t) us, 1000, decimals, &whole, &tenth))
        add_fixed (t, whole, tenth, decimals);
      else
        {
          size_t from = t->len;
          ws_strbuf_printf (t, "%.*f", decimals, us / 1000.0);
          local_mark (t, from);
        }
      ws_strbuf_add_str (t, " ms");
    }
  else
    {
      if (round_fixed ((uint64_t) us, US_PER_S, 1, &whole, &tenth))
        add_fixed (t, whole, tenth, 1);
      else
        {
          size_t from = t->len;
          ws_strbuf_printf (t, "%.1f", us / (double) US_PER_S);
          local_mark (t, from);
        }
      ws_strbuf_add_str (t, " s");
    }
}

/* A size as "%" G_GUINT64_FORMAT " bytes", with " (%.1f KiB)" or
 * " (%.1f MiB)" from 1 KiB on. */
static ALWAYS_INLINE void
add_size (ws_strbuf *t, uint64_t n)
{
  uint64_t unit = n >= 1024 * 1024 ? 1024 * 1024 : 1024, whole;
  unsigned tenth;

  add_digits (t, false, n);
  /* TRANSLATORS: a size: "1536 bytes (1.5 KiB)" */
  ws_strbuf_add_str (t, ws_i18n_translating ? _(" bytes") : " bytes");
  if (n < 1024)
    return;
  ws_strbuf_add_str (t, " (");
  if (round_fixed (n, unit, 1, &whole, &tenth))
    add_fixed (t, whole, tenth, 1);
  else
    {
      size_t from = t->len;
      ws_strbuf_printf (t, "%.1f", n / (double) unit);
      local_mark (t, from);
    }
  ws_strbuf_add_str (t, unit == 1024 ? " KiB)" : " MiB)");
}

void
ws_strbuf_take (ws_strbuf *t, char *buf, size_t len)
{
  if (len)
    {
      size_t n = MIN (t->len, len - 1);
      memcpy (buf, t->str, n);
      buf[n] = '\0';
    }
  ws_strbuf_clear (t);
}

/* The two below inline them: every record gets a few durations and sizes. */
void
ws_strbuf_add_dur (ws_strbuf *t, int64_t us)
{
  add_dur (t, us);
}

void
ws_strbuf_add_size (ws_strbuf *t, uint64_t n)
{
  add_size (t, n);
}

void
ws_fmt_dur (char *buf, size_t len, int64_t us)
{
  ws_strbuf t;

  ws_strbuf_init (&t);
  add_dur (&t, us);
  ws_strbuf_take (&t, buf, len);
}

void
ws_fmt_size (char *buf, size_t len, uint64_t n)
{
  ws_strbuf t;

  ws_strbuf_init (&t);
  add_size (&t, n);
  ws_strbuf_take (&t, buf, len);
}

void
ws_short_reason (char *buf, size_t len, const char *reason, size_t max)
{
  size_t n = reason ? strlen (reason) : 0;
  if (max >= len)
    max = len - 1;
  if (n > max)
    {
      n = max;
      while (n > 0 && ((unsigned char) reason[n] & 0xC0) == 0x80)
        n--;
      g_snprintf (buf, len, "%.*s...", (int) n, reason);
    }
  else
    {
      memcpy (buf, reason ? reason : "", n);
      buf[n] = '\0';
    }
}

bool
ws_str_has_ci (const char *hay, const char *needle)
{
  if (!hay || !needle)
    return false;
  size_t nl = strlen (needle);
  if (nl == 0)
    return true;
  /* compare only where the first character matches */
  char first = g_ascii_tolower (needle[0]);
  for (const char *p = hay; *p; p++)
    if (g_ascii_tolower (*p) == first && g_ascii_strncasecmp (p, needle, nl) == 0)
      return true;
  return false;
}
