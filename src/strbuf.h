/* strbuf.h - the project's one text builder, and the number, duration and
 * size formatting the diagnosis writes.
 *
 * A ws_strbuf lives on the stack until it outgrows its local room, and its
 * printf does the plain conversions (%s %c %d %i %u, with l, ll or z) itself,
 * handing anything else to vsnprintf: every record gets a summary and a few
 * evidence lines, and the general machinery of printf and an allocation per
 * piece would cost more than the rest of their making.  The text is always
 * NUL-terminated; str is owned by the builder until ws_strbuf_clear.
 */
#ifndef WS_STRBUF_H
#define WS_STRBUF_H

#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  char *str;
  size_t len, cap;
  char local[256];
} ws_strbuf;

/* Room for n more bytes and the NUL, moving to the heap or growing there. */
void ws_strbuf_grow (ws_strbuf *t, size_t n);

static inline void
ws_strbuf_init (ws_strbuf *t)
{
  t->str = t->local;
  t->len = 0;
  t->cap = sizeof t->local;
  t->str[0] = '\0';
}

/* Free what the builder holds; it is then empty and may be used again. */
static inline void
ws_strbuf_clear (ws_strbuf *t)
{
  if (t->str != t->local)
    g_free (t->str);
  ws_strbuf_init (t);
}

/* Empty, keeping the room it has. */
static inline void
ws_strbuf_reset (ws_strbuf *t)
{
  t->len = 0;
  t->str[0] = '\0';
}

/* Room for n more bytes and the NUL. */
static inline void
ws_strbuf_reserve (ws_strbuf *t, size_t n)
{
  if (t->len + n >= t->cap)
    ws_strbuf_grow (t, n);
}

static inline void
ws_strbuf_add (ws_strbuf *t, const char *s, size_t n)
{
  ws_strbuf_reserve (t, n);
  memcpy (t->str + t->len, s, n);
  t->len += n;
  t->str[t->len] = '\0';
}

static inline void
ws_strbuf_add_str (ws_strbuf *t, const char *s)
{
  ws_strbuf_add (t, s, strlen (s));
}

/* A string literal, its length known at compile time. */
#define WS_STRBUF_LIT(t, s) ws_strbuf_add ((t), "" s, sizeof (s) - 1)

/* Digits of v (and a minus sign), as %lld and %llu print them. */
void ws_strbuf_add_num (ws_strbuf *t, bool negative, uint64_t v);

/* Append fmt with its arguments, exactly as vsnprintf would write them. */
void ws_strbuf_vprintf (ws_strbuf *t, const char *fmt, va_list ap) G_GNUC_PRINTF (2, 0);
void ws_strbuf_printf (ws_strbuf *t, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* One clause of a list: "; " before it unless it is the first. */
void ws_strbuf_clause (ws_strbuf *t, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* s with ASCII letters lower-cased (as g_ascii_tolower does), replacing t. */
void ws_strbuf_set_lower (ws_strbuf *t, const char *s);

/* A duration as printf's "%.1f ms" below 10 ms, "%.0f ms" below 1 s, else
 * "%.1f s" (negative: 0); a size as "N bytes", from 1 KiB on followed by
 * " (%.1f KiB)" or " (%.1f MiB)".  Integer arithmetic, printf's rounding. */
void ws_strbuf_add_dur (ws_strbuf *t, int64_t us);
void ws_strbuf_add_size (ws_strbuf *t, uint64_t n);

/* t into buf, cut to len - 1 bytes as g_strlcpy would; t is cleared. */
void ws_strbuf_take (ws_strbuf *t, char *buf, size_t len);

/* ws_strbuf_add_dur and ws_strbuf_add_size into a buffer. */
void ws_fmt_dur (char *buf, size_t len, int64_t us);
void ws_fmt_size (char *buf, size_t len, uint64_t n);

/* A reason cut to at most max bytes (and len - 1) without splitting a UTF-8
 * sequence, "..." appended when cut; NULL gives "". */
void ws_short_reason (char *buf, size_t len, const char *reason, size_t max);

/* Does hay hold needle, without regard to ASCII case?  False for NULL. */
bool ws_str_has_ci (const char *hay, const char *needle);

#endif
