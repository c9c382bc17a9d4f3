/* http.c - the HTTP/1.1 opening handshake of a WebSocket connection.
 *
 * Implements: gathering the header block (RFC 7230 section 3: start-line
 * *( header-field CRLF ) CRLF) across TCP segments; parsing the start line
 * and header fields (RFC 7230 sections 3.1, 3.2, 3.2.4 obs-fold); header
 * access.  The Sec-WebSocket-Accept check is in handshake.c, the
 * Sec-WebSocket-Extensions grammar in wsext.c.
 *
 *   GET /chat HTTP/1.1\r\n                 HTTP/1.1 101 Switching Protocols\r\n
 *   Host: server.example.com\r\n           Upgrade: websocket\r\n
 *   Upgrade: websocket\r\n                 Connection: Upgrade\r\n
 *   Connection: Upgrade\r\n                Sec-WebSocket-Accept: s3pP...xOo=\r\n
 *   Sec-WebSocket-Key: dGhl...ZQ==\r\n     \r\n
 *   \r\n                                   <- WebSocket frames start here
 *
 * Everything here reads untrusted bytes: all scans are bounded by explicit
 * lengths, allocation is bounded by the caller's cap, and nothing recurses.
 */
#include "http.h"

#include <stddef.h>
#include <string.h>

#include <glib.h>

/* ---- header block gathering ---------------------------------------------- */

/* crlf_state: 0 inside a line, 1 after CR, 2 after a line's LF, 3 after
 * LF CR.  A LF in state 2 or 3 ends the block, so "\r\n\r\n", "\n\n",
 * "\r\n\n" and "\n\r\n" all end it. */
enum { CRLF_NONE = 0, CRLF_CR = 1, CRLF_LF = 2, CRLF_LF_CR = 3 };

void
ws_http_parser_init (ws_http_parser *p)
{
  memset (p, 0, sizeof *p);
}

void
ws_http_parser_clear (ws_http_parser *p)
{
  /* called for every handshake message, nearly always with no buffer */
  if (p->buf != NULL)
    g_free (p->buf);
  memset (p, 0, sizeof *p);
}

static bool
reserve (ws_http_parser *p, size_t need, size_t cap)
{
  size_t n;

  if (need <= p->alloc)
    return true;
  if (need > cap)
    return false;
  n = p->alloc ? p->alloc : 256;
  while (n < need && n <= cap / 2)
    n *= 2;
  if (n < need || n > cap)
    n = cap;
  p->buf = g_realloc (p->buf, n);
  p->alloc = n;
  return true;
}

ssize_t
ws_http_feed (ws_http_parser *p, const uint8_t *data, size_t len, size_t cap)
{
  size_t i;
  uint8_t st = p->crlf_state;
  bool end = false;

  if (p->done || len == 0)
    return 0;

  for (i = 0; i < len && !end; i++)
    {
      switch (data[i])
        {
        case '\n':
          if (st == CRLF_LF || st == CRLF_LF_CR)
            end = true;
          else
            st = CRLF_LF;
          break;
        case '\r':
          st = st == CRLF_LF ? CRLF_LF_CR : CRLF_CR;
          break;
        default:
          st = CRLF_NONE;
          break;
        }
    }

  /* i bytes belong to the header block (up to and including the final LF) */
  if (i > cap || p->len > cap - i)
    return WS_HTTP_ERR_TOO_LONG;
  if (!reserve (p, p->len + i, cap))
    return WS_HTTP_ERR_TOO_LONG;
  memcpy (p->buf + p->len, data, i);
  p->len += i;
  p->crlf_state = st;
  p->done = end;
  return (ssize_t) i;
}

size_t
ws_http_block_len (const uint8_t *data, size_t len)
{
  size_t pos = 0;

  /* the LF that ends the block follows another LF, or LF CR: the states in
   * which ws_http_feed ends it, found with memchr instead of byte by byte */
  while (pos < len)
    {
      const uint8_t *nl = memchr (data + pos, '\n', len - pos);
      size_t i;

      if (nl == NULL)
        return 0;
      i = (size_t) (nl - data);
      if ((i >= 1 && data[i - 1] == '\n')
          || (i >= 2 && data[i - 1] == '\r' && data[i - 2] == '\n'))
        return i + 1;
      pos = i + 1;
    }
  return 0;
}

/* ---- header block parsing ------------------------------------------------ */

/* RFC 7230 section 3.2.6 tchar, by byte value: "!#$%&'*+-.^_`|~", digits
 * and letters; 0 for any other byte, else the byte in lower case.  A table,
 * as header names are checked and classified byte by byte. */
const uint8_t ws_http_tchar_lower[256] = {
  /* 0x00 .. 0x1f: control characters */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, '!', 0, '#', '$', '%', '&', '\'', 0, 0, '*', '+', 0, '-', '.', 0,
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0, 0, 0, 0, 0, 0,
  0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, '^', '_',
  '`', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, '|', 0, '~', 0,
  /* 0x80 .. 0xff: not ASCII, all 0 */
};

#define tchar_lower ws_http_tchar_lower
#define is_tchar ws_http_is_tchar
#define is_ows ws_http_is_ows

/* Next line of buf starting at *pos: [*start, *start + *llen) without the
 * LF and an optional CR before it.  Returns false at the end of buf. */
static inline bool
next_line (const uint8_t *buf, size_t len, size_t *pos, size_t *start,
           size_t *llen)
{
  const uint8_t *nl;
  size_t s = *pos, e;

  if (s >= len)
    return false;
  nl = memchr (buf + s, '\n', len - s);
  if (nl)
    {
      e = (size_t) (nl - buf);
      *pos = e + 1;
    }
  else
    {
      e = len;
      *pos = len;
    }
  if (e > s && buf[e - 1] == '\r')
    e--;
  *start = s;
  *llen = e - s;
  return true;
}

/* "HTTP/1.x" at l[0..8); returns x or -1 */
static int
http_version (const uint8_t *l, size_t n)
{
  if (n < 8 || memcmp (l, "HTTP/1.", 7) != 0 || !g_ascii_isdigit (l[7]))
    return -1;
  return l[7] - '0';
}

static ws_slice
mkslice (const uint8_t *p, size_t len)
{
  ws_slice s = { (const char *) p, len };
  return s;
}

static int
parse_status_line (const uint8_t *l, size_t n, ws_http_msg *msg)
{
  size_t r;

  /* HTTP-version SP 3DIGIT [ SP reason-phrase ] */
  msg->version_minor = http_version (l, n);
  if (msg->version_minor < 0 || n < 12 || l[8] != ' ')
    return -1;
  if (!g_ascii_isdigit (l[9]) || !g_ascii_isdigit (l[10])
      || !g_ascii_isdigit (l[11]))
    return -1;
  msg->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  if (n == 12)
    {
      msg->reason = mkslice (l + n, 0);
      return 0;
    }
  if (l[12] != ' ')
    return -1;
  r = 13;
  while (r < n && is_ows (l[r]))
    r++;
  while (n > r && is_ows (l[n - 1]))
    n--;
  msg->reason = mkslice (l + r, n - r);
  msg->is_request = false;
  return 0;
}

static int
parse_request_line (const uint8_t *l, size_t n, ws_http_msg *msg)
{
  size_t i = 0, t;

  /* method SP request-target SP HTTP-version */
  while (i < n && is_tchar (l[i]))
    i++;
  if (i == 0 || i >= n || l[i] != ' ')
    return -1;
  msg->method = mkslice (l, i);
  t = ++i;
  while (i < n && l[i] > ' ' && l[i] != 0x7f)
    i++;
  if (i == t || i >= n || l[i] != ' ')
    return -1;
  msg->target = mkslice (l + t, i - t);
  i++;
  while (n > i && is_ows (l[n - 1]))
    n--;
  if (n - i != 8)
    return -1;
  msg->version_minor = http_version (l + i, n - i);
  if (msg->version_minor < 0)
    return -1;
  msg->is_request = true;
  return 0;
}

static const struct {
  const char *name;       /* lower case */
  size_t len;
} known_headers[WS_HDR_COUNT] = {
#define KNOWN(id, text) [id] = { text, sizeof text - 1 }
  KNOWN (WS_HDR_HOST, "host"),
  KNOWN (WS_HDR_ORIGIN, "origin"),
  KNOWN (WS_HDR_USER_AGENT, "user-agent"),
  KNOWN (WS_HDR_SERVER, "server"),
  KNOWN (WS_HDR_UPGRADE, "upgrade"),
  KNOWN (WS_HDR_SEC_WEBSOCKET_KEY, "sec-websocket-key"),
  KNOWN (WS_HDR_SEC_WEBSOCKET_VERSION, "sec-websocket-version"),
  KNOWN (WS_HDR_SEC_WEBSOCKET_PROTOCOL, "sec-websocket-protocol"),
  KNOWN (WS_HDR_SEC_WEBSOCKET_EXTENSIONS, "sec-websocket-extensions"),
  KNOWN (WS_HDR_SEC_WEBSOCKET_ACCEPT, "sec-websocket-accept"),
  KNOWN (WS_HDR_CONNECTION, "connection"),
  KNOWN (WS_HDR_X_FORWARDED_FOR, "x-forwarded-for"),
  KNOWN (WS_HDR_FORWARDED, "forwarded"),
  KNOWN (WS_HDR_X_REAL_IP, "x-real-ip"),
  KNOWN (WS_HDR_X_REQUEST_ID, "x-request-id"),
#undef KNOWN
};

static inline uint64_t
load64 (const void *p)
{
  uint64_t v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline uint32_t
load32 (const void *p)
{
  uint32_t v;
  memcpy (&v, p, sizeof v);
  return v;
}

/* A known name's bytes are lower-case letters (bit 6 set) and '-' (bit 6
 * clear).  Setting bit 5 of a byte where the known name has a letter lowers
 * the case of a letter and maps no other byte onto one; where it has a '-',
 * the byte must be '-'.  So a name equals a known name ignoring case exactly
 * when its bytes, with bit 5 set where the known name has a letter, equal the
 * known name's; such a name is all tchar, and needs no other check. */
#define LETTER_BITS64 UINT64_C (0x4040404040404040)
#define LETTER_BITS32 UINT32_C (0x40404040)

static inline bool
word_eq64 (const uint8_t *name, const char *k)
{
  uint64_t kw = load64 (k);
  return (load64 (name) | (kw & LETTER_BITS64) >> 1) == kw;
}

static inline bool
word_eq32 (const uint8_t *name, const char *k)
{
  uint32_t kw = load32 (k);
  return (load32 (name) | (kw & LETTER_BITS32) >> 1) == kw;
}

/* Which ws_hdr a header name is, or WS_HDR_COUNT for none.  Its length
 * leaves at most one candidate (the first byte decides between origin and
 * server, and between user-agent and connection), which is then compared
 * eight (or, for the short names, four) bytes at a time, the last word
 * overlapping the one before it. */
static ws_hdr
classify_name (const uint8_t *name, size_t len)
{
  ws_hdr h;
  const char *k;
  size_t i;

  switch (len)
    {
    case 4: h = WS_HDR_HOST; break;
    case 6: h = (name[0] | 0x20) == 'o' ? WS_HDR_ORIGIN : WS_HDR_SERVER; break;
    case 7: h = WS_HDR_UPGRADE; break;
    case 9: h = (name[0] | 0x20) == 'f' ? WS_HDR_FORWARDED : WS_HDR_X_REAL_IP; break;
    case 10: h = (name[0] | 0x20) == 'c' ? WS_HDR_CONNECTION : WS_HDR_USER_AGENT; break;
    case 12: h = WS_HDR_X_REQUEST_ID; break;
    case 15: h = WS_HDR_X_FORWARDED_FOR; break;
    case 17: h = WS_HDR_SEC_WEBSOCKET_KEY; break;
    case 20: h = WS_HDR_SEC_WEBSOCKET_ACCEPT; break;
    case 21: h = WS_HDR_SEC_WEBSOCKET_VERSION; break;
    case 22: h = WS_HDR_SEC_WEBSOCKET_PROTOCOL; break;
    case 24: h = WS_HDR_SEC_WEBSOCKET_EXTENSIONS; break;
    default: return WS_HDR_COUNT;
    }
  k = known_headers[h].name;
  if (len < 8)
    return word_eq32 (name, k) && word_eq32 (name + len - 4, k + len - 4)
           ? h : WS_HDR_COUNT;
  for (i = 0; i + 8 < len; i += 8)
    if (!word_eq64 (name + i, k + i))
      return WS_HDR_COUNT;
  return word_eq64 (name + len - 8, k + len - 8) ? h : WS_HDR_COUNT;
}

static bool
all_tchar (const uint8_t *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (!is_tchar (p[i]))
      return false;
  return true;
}

G_STATIC_ASSERT (WS_HTTP_MAX_HEADERS <= 64);   /* ws_http_msg.known bits */

/* Clear what ws_http_parse sets for every message: all but the header
 * slices, which are set as far as n_headers goes. */
static void
msg_reset (ws_http_msg *msg)
{
  memset (msg, 0, offsetof (ws_http_msg, name));
  msg->version_minor = -1;
}

/* The next line of buf ended in a LF (next_line found one), rather than at
 * the end of buf. */
static inline bool
line_complete (const uint8_t *buf, size_t pos)
{
  return buf[pos - 1] == '\n';
}

/* RFC 7230 section 3.5: empty lines before the start line are ignored (in
 * a block, only one: a second one ends it, and *end is set).  True with the
 * start line at *s, *n bytes; false when there is none (yet). */
static inline bool
start_line_find (const uint8_t *buf, size_t len, bool block, size_t *pos, size_t *s,
                 size_t *n, size_t *end)
{
  for (;;)
    {
      if (!next_line (buf, len, pos, s, n))
        return false;
      if (block && !line_complete (buf, *pos))
        return false;
      if (*n > 0)
        return true;
      if (block && *s > 0)
        {
          *end = *pos;
          return false;
        }
    }
}

/* A block whose start line did not parse: still find where it ends (the
 * bytes after it are not this message's), from pos on. */
static inline void
block_end_find (const uint8_t *buf, size_t len, size_t pos, size_t *end)
{
  size_t s, n;

  while (next_line (buf, len, &pos, &s, &n) && line_complete (buf, pos))
    if (n == 0)
      {
        *end = pos;
        break;
      }
}

/* obs-fold: widen the value's slice of header fold_target (-1: none) over
 * this line of n bytes; the line break inside is turned into a space by
 * ws_http_header. */
static inline void
fold_line (ws_http_msg *msg, long fold_target, const uint8_t *l, size_t n)
{
  size_t vs, ve = n;

  while (ve > 0 && is_ows (l[ve - 1]))
    ve--;
  if (fold_target < 0 || ve == 0)
    return;
  ws_slice *v = &msg->value[fold_target];
  if (v->len == 0)
    {
      vs = 0;
      while (vs < ve && is_ows (l[vs]))
        vs++;
      v->p = (const char *) l + vs;
      v->len = ve - vs;
    }
  else
    {
      v->len = (size_t) ((const char *) l + ve - v->p);
      msg->folded |= UINT64_C (1) << fold_target;
    }
}

/* A header line of n bytes: field-name ":" with the name all tchar; a space
 * before the colon is not allowed (RFC 7230 section 3.2.4) but tolerated,
 * as some servers send it.  A line of another shape is skipped.  No tchar
 * or OWS byte is a colon, so in a line of the right shape the first colon
 * is the one after the name.  Returns the index of the header added (the
 * one an obs-fold line would continue), or -1 when none was. */
static inline long
header_line (ws_http_msg *msg, const uint8_t *l, size_t n)
{
  const uint8_t *cp;
  size_t ne, colon, vs, ve;
  ws_hdr h;

  cp = memchr (l, ':', n);
  if (cp == NULL)
    return -1;
  colon = (size_t) (cp - l);
  ne = colon;
  while (ne > 0 && is_ows (l[ne - 1]))
    ne--;
  if (ne == 0)
    return -1;
  /* a known name is all tchar (classify_name matches exactly) */
  h = classify_name (l, ne);
  if (h == WS_HDR_COUNT && !all_tchar (l, ne))
    return -1;
  vs = colon + 1;
  ve = n;
  while (vs < ve && is_ows (l[vs]))
    vs++;
  while (ve > vs && is_ows (l[ve - 1]))
    ve--;
  if (msg->n_headers >= WS_HTTP_MAX_HEADERS)
    {
      msg->headers_dropped++;
      return -1;
    }
  msg->name[msg->n_headers] = mkslice (l, ne);
  msg->value[msg->n_headers] = mkslice (l + vs, ve - vs);
  if (h < WS_HDR_COUNT)
    msg->known[h] |= UINT64_C (1) << msg->n_headers;
  return (long) msg->n_headers++;
}

/* The parser behind ws_http_parse and ws_http_parse_block.  With block
 * false, buf is a header block as gathered: empty lines before the start
 * line are skipped, and the header lines end at an empty line or at len.
 * With block true, buf is stream bytes that may hold a header block at its
 * start, which ends where ws_http_feed would end it: at the first empty line
 * that does not start at offset 0; *end is set to the length through that
 * line's LF, and stays 0 when a line reaches len without one (the block is
 * not whole yet, and what was parsed is to be thrown away).  Each line is
 * looked at once, so finding the end costs no second scan. */
static inline int
parse_lines (const uint8_t *buf, size_t len, ws_http_msg *msg, bool block,
             size_t *end)
{
  size_t pos = 0, s = 0, n = 0;
  /* index of the header an obs-fold line would continue, or -1 */
  long fold_target = -1;
  int rc;

  msg_reset (msg);
  *end = 0;

  if (!start_line_find (buf, len, block, &pos, &s, &n, end))
    return -1;
  if (n >= 5 && memcmp (buf + s, "HTTP/", 5) == 0)
    rc = parse_status_line (buf + s, n, msg);
  else
    rc = parse_request_line (buf + s, n, msg);
  if (rc < 0)
    {
      msg_reset (msg);
      if (block)
        block_end_find (buf, len, pos, end);
      return -1;
    }

  while (next_line (buf, len, &pos, &s, &n))
    {
      if (block && !line_complete (buf, pos))
        return 0;
      if (n == 0)
        {
          *end = pos;
          break;
        }
      if (is_ows (buf[s]))
        fold_line (msg, fold_target, buf + s, n);
      else
        fold_target = header_line (msg, buf + s, n);
    }
  return 0;
}

int
ws_http_parse (const uint8_t *buf, size_t len, ws_http_msg *msg)
{
  size_t end;

  return parse_lines (buf, len, msg, false, &end);
}

size_t
ws_http_parse_block (const uint8_t *data, size_t len, ws_http_msg *msg,
                     int *rc)
{
  size_t end;

  *rc = parse_lines (data, len, msg, true, &end);
  return end;
}

/* ---- cheap checks -------------------------------------------------------- */

static bool
prefix_consistent (const uint8_t *data, size_t len, const char *tok)
{
  size_t tl = strlen (tok);
  return memcmp (data, tok, len < tl ? len : tl) == 0;
}

bool
ws_http_looks_like_request (const uint8_t *data, size_t len)
{
  static const char *const methods[] = {
    "GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "DELETE ", "PATCH ",
    "CONNECT ", "TRACE ",
  };
  size_t i;

  if (len > 0 && data == NULL)
    return false;
  for (i = 0; i < G_N_ELEMENTS (methods); i++)
    if (prefix_consistent (data, len, methods[i]))
      return true;
  return false;
}

bool
ws_http_looks_like_response (const uint8_t *data, size_t len)
{
  if (len > 0 && data == NULL)
    return false;
  return prefix_consistent (data, len, "HTTP/");
}

/* ---- header access ------------------------------------------------------- */

/* Index of the lowest bit set in w (w != 0): the first header of a set. */
static inline unsigned
lowest_bit (uint64_t w)
{
  return (unsigned) __builtin_ctzll (w);
}

/* Repeated headers are joined with ", " (RFC 7230 section 3.2.2) and each
 * obs-fold (OWS line break OWS) becomes one SP.  Neither makes the text
 * longer, so the sum of the value lengths plus the separators bounds it. */
static size_t
joined_bound (const ws_http_msg *msg, uint64_t which)
{
  size_t n = 0;

  for (; which; which &= which - 1)
    n += msg->value[lowest_bit (which)].len + 2;
  return n;
}

static bool
is_line_break (char c)
{
  return c == '\r' || c == '\n';
}

static inline char
ascii_lower (char c)
{
  return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* n bytes at a and b equal ignoring ASCII case, as g_ascii_strncasecmp
 * says when neither holds a NUL in them (inline: that is a call per use) */
static bool
ascii_caseeq_n (const char *a, const char *b, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (a[i] != b[i] && ascii_lower (a[i]) != ascii_lower (b[i]))
      return false;
  return true;
}

/* a and b equal ignoring ASCII case (g_ascii_strcasecmp (a, b) == 0),
 * without a call a byte: names are mostly sent in the case they are
 * looked up in */
bool
ws_ascii_caseeq (const char *a, const char *b)
{
  for (;; a++, b++)
    {
      unsigned char x = (unsigned char) *a, y = (unsigned char) *b;

      if (x != y)
        {
          if (x >= 'A' && x <= 'Z')
            x = (unsigned char) (x + ('a' - 'A'));
          if (y >= 'A' && y <= 'Z')
            y = (unsigned char) (y + ('a' - 'A'));
          if (x != y)
            return false;
        }
      if (x == 0)
        return true;
    }
}

/* Append v at out[o], unfolded; returns the new length.  A fold also drops
 * the OWS already written before it.  A value that spans no obs-fold (folded
 * false) holds no LF, its line's end, but may hold a bare CR, which is
 * unfolded too. */
static inline size_t
append_unfolded (char *out, size_t o, ws_slice v, bool folded)
{
  size_t i = 0;

  if (v.len == 0)
    return o;
  if (!folded && !memchr (v.p, '\r', v.len))
    {
      memcpy (out + o, v.p, v.len);
      return o + v.len;
    }
  while (i < v.len)
    {
      size_t run = i;

      while (run < v.len && !is_line_break (v.p[run]))
        run++;
      memcpy (out + o, v.p + i, run - i);
      o += run - i;
      i = run;
      if (i == v.len)
        break;
      while (o > 0 && is_ows ((uint8_t) out[o - 1]))
        o--;
      while (i < v.len && (is_line_break (v.p[i]) || is_ows ((uint8_t) v.p[i])))
        i++;
      out[o++] = ' ';
    }
  return o;
}

/* Join the values of the headers in which into out (room for
 * joined_bound + 1 bytes) and NUL-terminate it. */
static size_t
join_values (const ws_http_msg *msg, uint64_t which, char *out)
{
  size_t o = 0;
  bool first = true;

  /* which's bits are below n_headers (ws_http_parse sets no others) and
   * come out in ascending order, the order the headers came in */
  for (; which; which &= which - 1)
    {
      if (!first)
        {
          memcpy (out + o, ", ", 2);
          o += 2;
        }
      first = false;
      unsigned i = lowest_bit (which);

      o = append_unfolded (out, o, msg->value[i], (msg->folded >> i) & 1);
    }
  out[o] = '\0';
  return o;
}

static char *
joined_dup (const ws_http_msg *msg, uint64_t which)
{
  char *out;

  if (which == 0)
    return NULL;
  out = g_malloc (joined_bound (msg, which) + 1);
  join_values (msg, which, out);
  return out;
}

char *
ws_http_header (const ws_http_msg *msg, const char *name)
{
  uint64_t which = 0;
  size_t i, nl;

  if (msg == NULL || name == NULL)
    return NULL;
  nl = strlen (name);
  for (i = 0; i < msg->n_headers && i < WS_HTTP_MAX_HEADERS; i++)
    if (msg->name[i].len == nl
        && g_ascii_strncasecmp (msg->name[i].p, name, nl) == 0)
      which |= UINT64_C (1) << i;
  return joined_dup (msg, which);
}

char *
ws_http_header_get (const ws_http_msg *msg, ws_hdr h)
{
  if (msg == NULL || (unsigned) h >= WS_HDR_COUNT)
    return NULL;
  return joined_dup (msg, msg->known[h]);
}

size_t
ws_http_header_size_joined (const ws_http_msg *msg, ws_hdr h)
{
  if (msg == NULL || (unsigned) h >= WS_HDR_COUNT || msg->known[h] == 0)
    return 0;
  return joined_bound (msg, msg->known[h]) + 1;
}

char *
ws_http_header_copy_present (const ws_http_msg *msg, ws_hdr h, char **out)
{
  char *start = *out;
  uint64_t which;
  size_t o;

  if (msg == NULL || (unsigned) h >= WS_HDR_COUNT || (which = msg->known[h]) == 0)
    return NULL;
  if ((which & (which - 1)) == 0)
    {
      /* the header came once, as it usually does: nothing to join */
      unsigned i = lowest_bit (which);

      o = append_unfolded (start, 0, msg->value[i], (msg->folded >> i) & 1);
      start[o] = '\0';
    }
  else
    o = join_values (msg, which, start);
  *out = start + o + 1;
  return start;
}

/* ws_http_token_list_has on the len bytes at p (no NUL among them) */
static bool
list_has (const char *p, size_t len, const char *token, size_t tl)
{
  const char *end_all = p + len;

  for (;;)
    {
      const char *e = memchr (p, ',', (size_t) (end_all - p));
      const char *end = e ? e : end_all;
      const char *s = p;

      while (s < end && is_ows ((uint8_t) *s))
        s++;
      while (end > s && is_ows ((uint8_t) end[-1]))
        end--;
      /* tokens are mostly sent in the case they are looked up in */
      if ((size_t) (end - s) == tl
          && (memcmp (s, token, tl) == 0 || ascii_caseeq_n (s, token, tl)))
        return true;
      if (e == NULL)
        return false;
      p = e + 1;
    }
}

bool
ws_http_header_has_token (const ws_http_msg *msg, ws_hdr h, const char *token)
{
  char small[256];
  char *value;
  uint64_t which;
  bool has;

  if (msg == NULL || (unsigned) h >= WS_HDR_COUNT || msg->known[h] == 0)
    return false;
  which = msg->known[h];
  if (token != NULL && (which & (which - 1)) == 0)
    {
      /* one header: its value is the list, unless a line break in it has
       * to be unfolded first; like the joined string, it ends at a NUL */
      ws_slice v = msg->value[lowest_bit (which)];
      size_t i, tl = strlen (token);

      /* the token alone (no CR, LF or NUL in it then) */
      if (v.len == tl && tl > 0 && ascii_caseeq_n (v.p, token, tl))
        return true;
      for (i = 0; i < v.len; i++)
        if (v.p[i] == '\r' || v.p[i] == '\n' || v.p[i] == '\0')
          break;
      if (i == v.len || v.p[i] == '\0')
        return tl > 0 && list_has (v.p, i, token, tl);
    }
  value = joined_bound (msg, which) < sizeof small ? small : NULL;
  if (value)
    join_values (msg, which, value);
  else
    value = joined_dup (msg, which);
  has = ws_http_token_list_has (value, token);
  if (value != small)
    g_free (value);
  return has;
}

bool
ws_http_token_list_has (const char *value, const char *token)
{
  size_t tl;

  if (value == NULL || token == NULL || token[0] == '\0')
    return false;
  /* the usual value is the token alone ("Upgrade", "websocket"): equal to
   * it ignoring case, it is a list of that one token; else the list is
   * read as a list.  A shorter value ends in a NUL, which no token byte
   * equals. */
  for (tl = 0; token[tl]; tl++)
    if (value[tl] != token[tl] && ascii_lower (value[tl]) != ascii_lower (token[tl]))
      return list_has (value, tl + strlen (value + tl), token, tl + strlen (token + tl));
  if (value[tl] == '\0')
    return true;
  return list_has (value, tl + strlen (value + tl), token, tl);
}
