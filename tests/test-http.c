/* test-http.c - unit tests for src/http.c: header block gathering fed whole,
 * split at every boundary and byte by byte; start line and header parsing;
 * header joining; the Sec-WebSocket-Accept computation; the extension
 * grammar (RFC 6455 9.1) and permessage-deflate response rules (RFC 7692 7.1).
 *
 * Expected values are written from how each input was made.  The handshake
 * of Zeek's wrong-accept-header.pcap is used verbatim (bytes taken with
 * `tshark -q -z follow,tcp,raw,0`); its accept values were checked with
 * Python's hashlib/base64, independent of GLib.
 */
#include "http.h"
#include "handshake.h"
#include "wsext.h"
#include "sha1.h"

#include <string.h>

#include <glib.h>

/* ---- inputs -------------------------------------------------------------- */

/* Zeek testing/btest/Traces/websocket/wrong-accept-header.pcap, client side */
static const char zeek_request[] =
  "GET / HTTP/1.1\r\n"
  "Host: localhost:8080\r\n"
  "Upgrade: websocket\r\n"
  "Connection: Upgrade\r\n"
  "Sec-WebSocket-Key: VMueuJIhu60C0hDKL+vS6g==\r\n"
  "Sec-WebSocket-Version: 13\r\n"
  "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
  "Sec-WebSocket-Protocol: v1\r\n"
  "User-Agent: Python/3.10 websockets/12.0\r\n"
  "\r\n";

/* server side: the 101, then in the same segment a ping frame "Zeek" */
static const char zeek_response[] =
  "HTTP/1.1 101 Switching Protocols\r\n"
  "connection: upgrade\r\n"
  "upgrade: websocket\r\n"
  "sec-websocket-accept: N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong\r\n"
  "sec-websocket-protocol: v1\r\n"
  "\r\n";
static const uint8_t zeek_frame[] = { 0x89, 0x04, 'Z', 'e', 'e', 'k' };

/* Hand-made: repeated and oddly cased headers, OWS, an obs-fold, malformed
 * lines that must be skipped, and bare LF line ends mixed in. */
static const char odd_request[] =
  "GET /chat?x=1 HTTP/1.1\r\n"
  "HOST:   example.com  \r\n"
  "sec-websocket-extensions: permessage-deflate; client_max_window_bits\r\n"
  "Sec-WebSocket-Protocol: chat\n"
  "X-Folded: first\r\n"
  "   second part \r\n"
  "this line has no colon\r\n"
  ": no name\r\n"
  "Bad Name: space inside\r\n"
  "SEC-WEBSOCKET-EXTENSIONS:x-webkit-deflate-frame\r\n"
  "Sec-WebSocket-Protocol:  superchat\t\r\n"
  "Empty:\r\n"
  "\r\n";

/* ---- helpers ------------------------------------------------------------- */

typedef struct {
  ws_http_parser p;
  size_t consumed;   /* bytes of the input consumed when done */
  bool done;
  ssize_t err;       /* 0 or the negative error returned */
} gathered;

/* Feed in[0..len) cut at the positions in cuts[] (ascending).  Stops at the
 * first chunk that finishes the header block or fails. */
static void
gather (const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts,
        size_t cap, gathered *g)
{
  size_t start = 0, c;

  memset (g, 0, sizeof *g);
  ws_http_parser_init (&g->p);
  for (c = 0; c <= ncuts; c++)
    {
      size_t end = c < ncuts ? cuts[c] : len;
      ssize_t r = ws_http_feed (&g->p, in + start, end - start, cap);

      if (r < 0)
        {
          g->err = r;
          return;
        }
      g_assert_cmpint (r, <=, (ssize_t) (end - start));
      g->consumed += (size_t) r;
      if (g->p.done)
        {
          g->done = true;
          return;
        }
      g_assert_cmpint (r, ==, (ssize_t) (end - start));
      start = end;
    }
}

/* A text rendering of a parse result, to compare runs fed differently. */
static char *
describe (const ws_http_msg *m)
{
  GString *s = g_string_new (NULL);
  size_t i;

  g_string_append_printf (s, "req=%d v=%d st=%d ", m->is_request,
                          m->version_minor, m->status);
  g_string_append_printf (s, "[%.*s] [%.*s] [%.*s]\n", (int) m->method.len,
                          m->method.p ? m->method.p : "", (int) m->target.len,
                          m->target.p ? m->target.p : "", (int) m->reason.len,
                          m->reason.p ? m->reason.p : "");
  for (i = 0; i < m->n_headers; i++)
    g_string_append_printf (s, "%.*s=[%.*s]\n", (int) m->name[i].len,
                            m->name[i].p, (int) m->value[i].len, m->value[i].p);
  g_string_append_printf (s, "dropped=%zu known=", m->headers_dropped);
  for (i = 0; i < WS_HDR_COUNT; i++)
    g_string_append_printf (s, "%" G_GINT64_MODIFIER "x,", (guint64) m->known[i]);
  return g_string_free (s, FALSE);
}

static void
assert_slice (ws_slice s, const char *want)
{
  g_assert_nonnull (s.p);
  g_assert_cmpuint (s.len, ==, strlen (want));
  g_assert_true (memcmp (s.p, want, s.len) == 0);
}

static void
assert_header (const ws_http_msg *m, const char *name, const char *want)
{
  g_autofree char *v = ws_http_header (m, name);
  g_assert_cmpstr (v, ==, want);
}

typedef void (*check_fn) (const ws_http_msg *m);

/* Gather `in` whole, split once at every point, split twice at every pair
 * of points (when small enough) and byte by byte; each time the header
 * block must end at hlen and parse to the same result, which `check`
 * verifies against the expected values. */
static void
run_all_splits (const uint8_t *in, size_t len, size_t hlen, check_fn check)
{
  gathered g;
  ws_http_msg m;
  g_autofree char *ref = NULL;
  g_autofree size_t *cuts = g_new (size_t, len + 1);
  size_t i, j;

  /* whole */
  gather (in, len, NULL, 0, 65536, &g);
  g_assert_true (g.done);
  g_assert_cmpuint (g.consumed, ==, hlen);
  g_assert_cmpuint (g.p.len, ==, hlen);
  g_assert_true (memcmp (g.p.buf, in, hlen) == 0);
  g_assert_cmpint (ws_http_parse (g.p.buf, g.p.len, &m), ==, 0);
  check (&m);
  ref = describe (&m);
  ws_http_parser_clear (&g.p);

#define SAME_RESULT()                                                   \
  do {                                                                  \
    g_autofree char *d = NULL;                                          \
    g_assert_true (g.done);                                             \
    g_assert_cmpuint (g.consumed, ==, hlen);                            \
    g_assert_cmpuint (g.p.len, ==, hlen);                               \
    g_assert_true (memcmp (g.p.buf, in, hlen) == 0);                    \
    g_assert_cmpint (ws_http_parse (g.p.buf, g.p.len, &m), ==, 0);      \
    d = describe (&m);                                                  \
    g_assert_cmpstr (d, ==, ref);                                       \
    ws_http_parser_clear (&g.p);                                        \
  } while (0)

  /* one cut anywhere, including 0 and len (an empty chunk) */
  for (i = 0; i <= len; i++)
    {
      cuts[0] = i;
      gather (in, len, cuts, 1, 65536, &g);
      SAME_RESULT ();
    }
  /* two cuts: every pair for the last 24 bytes, where the end is found */
  for (i = len > 24 ? len - 24 : 0; i <= len; i++)
    for (j = i; j <= len; j++)
      {
        cuts[0] = i;
        cuts[1] = j;
        gather (in, len, cuts, 2, 65536, &g);
        SAME_RESULT ();
      }
  /* byte by byte */
  for (i = 0; i < len; i++)
    cuts[i] = i + 1;
  gather (in, len, cuts, len, 65536, &g);
  SAME_RESULT ();
#undef SAME_RESULT
}

/* ---- gathering and parsing ----------------------------------------------- */

static void
check_zeek_request (const ws_http_msg *m)
{
  g_assert_true (m->is_request);
  assert_slice (m->method, "GET");
  assert_slice (m->target, "/");
  g_assert_cmpint (m->version_minor, ==, 1);
  g_assert_cmpuint (m->n_headers, ==, 8);
  g_assert_cmpuint (m->headers_dropped, ==, 0);
  assert_slice (m->name[0], "Host");
  assert_slice (m->value[0], "localhost:8080");
  assert_slice (m->name[7], "User-Agent");
  assert_slice (m->value[7], "Python/3.10 websockets/12.0");
  assert_header (m, "sec-websocket-key", "VMueuJIhu60C0hDKL+vS6g==");
  assert_header (m, "SEC-WEBSOCKET-EXTENSIONS",
                 "permessage-deflate; client_max_window_bits");
  assert_header (m, "Sec-WebSocket-Version", "13");
  assert_header (m, "Origin", NULL);
}

static void
test_request_zeek (void)
{
  size_t n = sizeof zeek_request - 1;

  g_assert_cmpuint (n, ==, 292); /* as tshark's follow reports */
  run_all_splits ((const uint8_t *) zeek_request, n, n, check_zeek_request);
}

static void
check_zeek_response (const ws_http_msg *m)
{
  g_assert_false (m->is_request);
  g_assert_cmpint (m->version_minor, ==, 1);
  g_assert_cmpint (m->status, ==, 101);
  assert_slice (m->reason, "Switching Protocols");
  g_assert_cmpuint (m->n_headers, ==, 4);
  assert_header (m, "Connection", "upgrade");
  assert_header (m, "Upgrade", "websocket");
  assert_header (m, "Sec-WebSocket-Accept",
                 "N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong");
  assert_header (m, "Sec-WebSocket-Extensions", NULL);
}

/* 101 and a frame in the same segment: the frame is not consumed */
static void
test_response_with_frame (void)
{
  size_t hlen = sizeof zeek_response - 1;
  size_t len = hlen + sizeof zeek_frame;
  g_autofree uint8_t *in = g_malloc (len);
  ws_http_parser p;
  ssize_t r;

  g_assert_cmpuint (hlen, ==, 163);
  memcpy (in, zeek_response, hlen);
  memcpy (in + hlen, zeek_frame, sizeof zeek_frame);

  ws_http_parser_init (&p);
  r = ws_http_feed (&p, in, len, 8192);
  g_assert_cmpint (r, ==, (ssize_t) hlen);
  g_assert_true (p.done);
  g_assert_cmpmem (in + r, len - (size_t) r, zeek_frame, sizeof zeek_frame);
  /* once done, nothing more is taken */
  g_assert_cmpint (ws_http_feed (&p, in + r, len - (size_t) r, 8192), ==, 0);
  g_assert_cmpuint (p.len, ==, hlen);
  ws_http_parser_clear (&p);
  g_assert_null (p.buf);

  run_all_splits (in, len, hlen, check_zeek_response);
}

static void
check_odd_request (const ws_http_msg *m)
{
  g_assert_true (m->is_request);
  assert_slice (m->target, "/chat?x=1");
  /* Host, ext, proto, X-Folded, ext, proto, Empty */
  g_assert_cmpuint (m->n_headers, ==, 7);
  assert_slice (m->name[0], "HOST");
  assert_slice (m->value[0], "example.com");
  assert_slice (m->name[6], "Empty");
  assert_slice (m->value[6], "");
  assert_header (m, "host", "example.com");
  assert_header (m, "Sec-WebSocket-Extensions",
                 "permessage-deflate; client_max_window_bits, "
                 "x-webkit-deflate-frame");
  assert_header (m, "sec-websocket-protocol", "chat, superchat");
  assert_header (m, "x-folded", "first second part");
  assert_header (m, "Empty", "");
  assert_header (m, "Bad Name", NULL);
  assert_header (m, "this line has no colon", NULL);
  assert_header (m, "", NULL);
}

static void
test_request_odd (void)
{
  size_t n = sizeof odd_request - 1;
  run_all_splits ((const uint8_t *) odd_request, n, n, check_odd_request);
}

static void
check_bare_lf (const ws_http_msg *m)
{
  g_assert_false (m->is_request);
  g_assert_cmpint (m->status, ==, 400);
  g_assert_cmpint (m->version_minor, ==, 0);
  assert_slice (m->reason, "Bad Request");
  g_assert_cmpuint (m->n_headers, ==, 1);
  assert_header (m, "content-length", "0");
}

/* "\n\n" ends the block as "\r\n\r\n" does, and so do the mixtures */
static void
test_feed_bare_lf (void)
{
  static const char *const ends[] = { "\n\n", "\r\n\n", "\n\r\n" };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (ends); i++)
    {
      g_autofree char *in = g_strconcat ("HTTP/1.0 400 Bad Request\n"
                                         "Content-Length: 0", ends[i],
                                         "\x81\x7f", NULL);
      size_t hlen = strlen (in) - 2;
      run_all_splits ((const uint8_t *) in, strlen (in), hlen, check_bare_lf);
    }
}

/* "\r\r" or "\n\r\r\n" must not end the block */
static void
test_feed_not_end (void)
{
  static const char in[] = "GET / HTTP/1.1\r\rX: y\n\r\rZ: w\r\n";
  ws_http_parser p;

  ws_http_parser_init (&p);
  g_assert_cmpint (ws_http_feed (&p, (const uint8_t *) in, sizeof in - 1, 100),
                   ==, (ssize_t) (sizeof in - 1));
  g_assert_false (p.done);
  g_assert_cmpint (ws_http_feed (&p, (const uint8_t *) "\r\nrest", 6, 100),
                   ==, 2);
  g_assert_true (p.done);
  ws_http_parser_clear (&p);
}

/* a header block of exactly cap bytes is accepted, one more is refused,
 * however it is fed; the buffer never grows past cap */
static void
test_feed_cap (void)
{
  GString *s = g_string_new ("GET / HTTP/1.1\r\n");
  size_t len, i, step;

  while (s->len < 3000)
    g_string_append (s, "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  g_string_append (s, "\r\n");
  len = s->len;

  for (step = 1; step <= len; step = step * 3 + 1)
    {
      g_autofree size_t *cuts = g_new (size_t, len / step + 1);
      size_t nc = 0;
      gathered g;

      for (i = step; i < len; i += step)
        cuts[nc++] = i;

      gather ((const uint8_t *) s->str, len, cuts, nc, len, &g);
      g_assert_cmpint (g.err, ==, 0);
      g_assert_true (g.done);
      g_assert_cmpuint (g.p.len, ==, len);
      g_assert_cmpuint (g.p.alloc, <=, len);
      ws_http_parser_clear (&g.p);

      gather ((const uint8_t *) s->str, len, cuts, nc, len - 1, &g);
      g_assert_cmpint (g.err, ==, WS_HTTP_ERR_TOO_LONG);
      g_assert_false (g.done);
      g_assert_cmpuint (g.p.alloc, <=, len - 1);
      ws_http_parser_clear (&g.p);
    }

  /* cap smaller than the first allocation step */
  {
    gathered g;
    gather ((const uint8_t *) "GET / HTTP/1.1\r\n\r\n", 18, NULL, 0, 18, &g);
    g_assert_true (g.done);
    g_assert_cmpuint (g.p.alloc, <=, 18);
    ws_http_parser_clear (&g.p);
    gather ((const uint8_t *) "GET / HTTP/1.1\r\n\r\n", 18, NULL, 0, 17, &g);
    g_assert_cmpint (g.err, ==, WS_HTTP_ERR_TOO_LONG);
    ws_http_parser_clear (&g.p);
  }
  g_string_free (s, TRUE);
}

static void
test_parse_garbage (void)
{
  static const char *const bad[] = {
    "",
    "\r\n\r\n",
    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", /* TLS hello */
    "HTTP/2 200 OK\r\n\r\n",
    "HTTP/1.1 20 OK\r\n\r\n",
    "HTTP/1.1 2000 OK\r\n\r\n",
    "HTTP/1.1 abc OK\r\n\r\n",
    "HTTP/1.x 200 OK\r\n\r\n",
    "HTTP/1.10 200 OK\r\n\r\n",
    "HTTP/1.1  200 OK\r\n\r\n",
    "HTTP/1.1\r\n\r\n",
    "HTTP/\r\n\r\n",
    "GET\r\n\r\n",
    "GET /\r\n\r\n",
    "GET / \r\n\r\n",
    "GET  / HTTP/1.1\r\n\r\n",
    "GET / HTTP/2.0\r\n\r\n",
    "GET / HTTP/1.1 extra\r\n\r\n",
    "GET / HTTP/1.\r\n\r\n",
    "G(T / HTTP/1.1\r\n\r\n",
    " GET / HTTP/1.1\r\n\r\n",
    "GET /a\x01 HTTP/1.1\r\n\r\n",
    "SSH-2.0-OpenSSH_9.2\r\n\r\n",
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      ws_http_msg m;
      size_t n = strlen (bad[i]);
      if (i == 2)
        n = 15;  /* contains a NUL */
      g_test_message ("bad start line %zu", i);
      g_assert_cmpint (ws_http_parse ((const uint8_t *) bad[i], n, &m), ==, -1);
      g_assert_cmpuint (m.n_headers, ==, 0);
    }

  /* a NUL inside a start line that otherwise looks right */
  {
    static const uint8_t nul[] = "GET /\0 HTTP/1.1\r\n\r\n";
    ws_http_msg m;
    g_assert_cmpint (ws_http_parse (nul, sizeof nul - 1, &m), ==, -1);
  }
}

/* accepted oddities of the start line */
static void
test_parse_start_lines (void)
{
  ws_http_msg m;
  const char *in;

  in = "HTTP/1.1 101\r\n\r\n";
  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  g_assert_cmpint (m.status, ==, 101);
  g_assert_cmpuint (m.reason.len, ==, 0);

  in = "HTTP/1.1 403 \r\n\r\n";
  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  g_assert_cmpint (m.status, ==, 403);
  g_assert_cmpuint (m.reason.len, ==, 0);

  /* leading empty lines are ignored (RFC 7230 3.5); no final empty line */
  in = "\r\n\nOPTIONS * HTTP/1.0\r\nA: b";
  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  g_assert_true (m.is_request);
  assert_slice (m.method, "OPTIONS");
  assert_slice (m.target, "*");
  g_assert_cmpint (m.version_minor, ==, 0);
  g_assert_cmpuint (m.n_headers, ==, 1);
  assert_slice (m.value[0], "b");

  /* a method we do not know is still a request */
  in = "M-SEARCH * HTTP/1.1\r\n\r\n";
  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  assert_slice (m.method, "M-SEARCH");

  /* header parsing stops at the empty line */
  in = "HTTP/1.1 200 OK\r\nA: 1\r\n\r\nB: 2\r\n\r\n";
  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  g_assert_cmpuint (m.n_headers, ==, 1);
}

static void
test_parse_max_headers (void)
{
  GString *s = g_string_new ("HTTP/1.1 101 Switching Protocols\r\n");
  ws_http_msg m;
  int i;

  for (i = 0; i < WS_HTTP_MAX_HEADERS + 6; i++)
    g_string_append_printf (s, "X-%d: %d\r\n", i, i);
  g_string_append (s, "\r\n");
  g_assert_cmpint (ws_http_parse ((const uint8_t *) s->str, s->len, &m), ==, 0);
  g_assert_cmpuint (m.n_headers, ==, WS_HTTP_MAX_HEADERS);
  g_assert_cmpuint (m.headers_dropped, ==, 6);
  assert_slice (m.name[WS_HTTP_MAX_HEADERS - 1], "X-63");
  assert_header (&m, "x-64", NULL);
  g_string_free (s, TRUE);
}

static void
test_parse_fold (void)
{
  ws_http_msg m;
  const char *in =
    "HTTP/1.1 101 OK\r\n"
    "\t folded-onto-start-line\r\n"   /* ignored: nothing to continue */
    "A: one \r\n"
    "\t two\r\n"
    "  \r\n"                          /* whitespace only: nothing added */
    " three\r\n"
    "B:\r\n"
    " late\r\n"                        /* continues an empty value */
    "no colon\r\n"
    " orphan\r\n"                     /* follows a skipped line: ignored */
    "C: c\r\n"
    " \t\r\n"                        /* whitespace only, last: no change */
    "\r\n";

  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  g_assert_cmpuint (m.n_headers, ==, 3);
  assert_header (&m, "A", "one two three");
  assert_header (&m, "B", "late");
  assert_header (&m, "C", "c");
  assert_slice (m.value[2], "c");
  /* only A's slice spans a line break (B's was replaced by its fold line) */
  g_assert_cmpuint (m.folded, ==, 1);
}

/* A bare CR inside a line is unfolded like a line break, whether the value
 * also spans an obs-fold or not; the copy says the same. */
static void
test_parse_bare_cr (void)
{
  ws_http_msg m;
  const char *in =
    "GET / HTTP/1.1\r\n"
    "Host: a \r b\r\n"
    "Origin: x\r\n"
    " y \r z\r\n"
    "Server: plain\r\n"
    "\r\n";
  char buf[64], *o = buf;

  g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
  g_assert_cmpuint (m.n_headers, ==, 3);
  g_assert_cmpuint (m.folded, ==, 2);
  assert_header (&m, "Host", "a b");
  assert_header (&m, "Origin", "x y z");
  g_assert_cmpstr (ws_http_header_copy (&m, WS_HDR_HOST, &o), ==, "a b");
  g_assert_cmpstr (ws_http_header_copy (&m, WS_HDR_ORIGIN, &o), ==, "x y z");
  g_assert_cmpstr (ws_http_header_copy (&m, WS_HDR_SERVER, &o), ==, "plain");
  g_assert_true (o == buf + 4 + 6 + 6);
}

/* A bare CR at every place of values of every length up to 40 (the copy
 * goes a word at a time, so the places around word edges matter), and no
 * CR: the copy is the value with the CR and the spaces around it made one
 * space (values of letters, so that this is the whole rule). */
static void
test_copy_cr_positions (void)
{
  for (size_t len = 0; len <= 40; len++)
    for (size_t cr = 0; cr <= len; cr++)
      {
        /* cr == len: no CR */
        GString *v = g_string_new (NULL), *want = g_string_new (NULL);
        for (size_t i = 0; i < len; i++)
          g_string_append_c (v, i == cr ? '\r' : (char) ('a' + i % 26));
        /* the letters before the CR, one space, the letters after it (a
         * CR is not OWS: at either end of the value it stays in it, and
         * its unfolding gives the space there) */
        if (cr < len)
          {
            g_string_append_len (want, v->str, (gssize) cr);
            g_string_append_c (want, ' ');
            g_string_append (want, v->str + cr + 1);
          }
        else
          g_string_append (want, v->str);
        g_autofree char *in = g_strdup_printf ("GET / HTTP/1.1\r\nHost: %s\r\n\r\n", v->str);
        ws_http_msg m;
        char buf[64], *o = buf;

        g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
        g_assert_cmpstr (ws_http_header_copy (&m, WS_HDR_HOST, &o), ==, want->str);
        g_assert_true (o == buf + want->len + 1);
        g_string_free (v, TRUE);
        g_string_free (want, TRUE);
      }
}

/* Random and near-HTTP bytes: parse must not fail in ways ASan sees, and
 * every slice must lie inside the buffer. */
static void
test_parse_random (void)
{
  static const char *const pieces[] = {
    "GET ", "HTTP/1.1", " ", "101", "\r", "\n", ":", "\t", "a", "Upgrade",
    "\r\n\r\n", "\0", "\xff", "HTTP/1.", "/",
  };
  int iter;

  for (iter = 0; iter < 3000; iter++)
    {
      GString *s = g_string_new (NULL);
      int k, n = g_test_rand_int_range (0, 40);
      ws_http_msg m;
      gathered g;
      size_t cut[1], i;
      const char *lo, *hi;

      if (iter % 2)
        g_string_append (s, iter % 4 == 1 ? "GET / HTTP/1.1\r\n"
                                          : "HTTP/1.1 101 x\r\n");
      for (k = 0; k < n; k++)
        {
          if (g_test_rand_bit ())
            g_string_append_c (s, (char) g_test_rand_int_range (0, 256));
          else
            {
              const char *pc = pieces[g_test_rand_int_range (0, G_N_ELEMENTS (pieces))];
              g_string_append_len (s, pc, *pc ? (gssize) strlen (pc) : 1);
            }
        }

      cut[0] = s->len ? (size_t) g_test_rand_int_range (0, (gint32) s->len + 1) : 0;
      gather ((const uint8_t *) s->str, s->len, cut, 1, 1000, &g);
      g_assert_cmpint (g.err, ==, 0);
      if (g.done)
        {
          g_assert_cmpuint (g.consumed, ==, g.p.len);
          g_assert_true (g.p.buf[g.p.len - 1] == '\n');
        }
      else
        g_assert_cmpuint (g.p.len, ==, s->len);
      if (g.p.len)
        g_assert_true (memcmp (g.p.buf, s->str, g.p.len) == 0);
      ws_http_parser_clear (&g.p);

      if (ws_http_parse ((const uint8_t *) s->str, s->len, &m) == 0)
        {
          lo = s->str;
          hi = s->str + s->len;
          g_assert_cmpuint (m.n_headers, <=, WS_HTTP_MAX_HEADERS);
          for (i = 0; i < m.n_headers; i++)
            {
              g_assert_true (m.name[i].p >= lo && m.name[i].p + m.name[i].len <= hi);
              g_assert_cmpuint (m.name[i].len, >, 0);
              g_assert_true (m.value[i].p >= lo
                             && m.value[i].p + m.value[i].len <= hi);
              g_free (ws_http_header (&m, "a"));
            }
          g_assert_true (m.status >= 0 && m.status <= 999);
        }
      g_string_free (s, TRUE);
    }
}

static void
test_looks_like (void)
{
  const uint8_t *g = (const uint8_t *) "GET / HTTP/1.1\r\n";
  const uint8_t *h = (const uint8_t *) "HTTP/1.1 101 OK\r\n";
  const uint8_t *o = (const uint8_t *) "OPTIONS * HTTP/1.1";
  size_t i;

  g_assert_true (ws_http_looks_like_request (g, 16));
  g_assert_true (ws_http_looks_like_request ((const uint8_t *) "CONNECT x:1", 11));
  g_assert_true (ws_http_looks_like_request ((const uint8_t *) "TRACE /", 7));
  g_assert_true (ws_http_looks_like_request ((const uint8_t *) "PATCH /", 7));
  /* every prefix of a request is consistent with it */
  for (i = 0; i <= 16; i++)
    g_assert_true (ws_http_looks_like_request (g, i));
  for (i = 0; i <= 18; i++)
    g_assert_true (ws_http_looks_like_request (o, i));
  for (i = 0; i <= 17; i++)
    g_assert_true (ws_http_looks_like_response (h, i));
  /* the space after the method is required */
  g_assert_false (ws_http_looks_like_request ((const uint8_t *) "GETX / ", 7));
  g_assert_false (ws_http_looks_like_request ((const uint8_t *) "get / ", 6));
  g_assert_false (ws_http_looks_like_request ((const uint8_t *) "GE ", 3));
  g_assert_false (ws_http_looks_like_request ((const uint8_t *) "\x16\x03\x01", 3));
  g_assert_false (ws_http_looks_like_request (h, 17));
  g_assert_false (ws_http_looks_like_request ((const uint8_t *) "X", 1));
  g_assert_false (ws_http_looks_like_response (g, 16));
  g_assert_false (ws_http_looks_like_response ((const uint8_t *) "HTTP ", 5));
  g_assert_false (ws_http_looks_like_response ((const uint8_t *) "http/", 5));
  g_assert_false (ws_http_looks_like_response ((const uint8_t *) "\x81\x05", 2));
  g_assert_true (ws_http_looks_like_response ((const uint8_t *) "HT", 2));
}

static void
test_token_list (void)
{
  g_assert_true (ws_http_token_list_has ("Upgrade", "upgrade"));
  g_assert_true (ws_http_token_list_has ("keep-alive, Upgrade", "upgrade"));
  g_assert_true (ws_http_token_list_has (" keep-alive ,\tUPGRADE\t", "Upgrade"));
  g_assert_true (ws_http_token_list_has (",,upgrade,", "upgrade"));
  g_assert_false (ws_http_token_list_has ("keep-alive", "upgrade"));
  g_assert_false (ws_http_token_list_has ("upgrades", "upgrade"));
  g_assert_false (ws_http_token_list_has ("no-upgrade", "upgrade"));
  g_assert_false (ws_http_token_list_has ("up grade", "upgrade"));
  g_assert_false (ws_http_token_list_has ("", "upgrade"));
  g_assert_false (ws_http_token_list_has ("a,,b", ""));
  g_assert_false (ws_http_token_list_has (NULL, "upgrade"));
  /* the bare token, in any case, and values it is a prefix of */
  g_assert_true (ws_http_token_list_has ("websocket", "websocket"));
  g_assert_true (ws_http_token_list_has ("WebSocket", "websocket"));
  g_assert_true (ws_http_token_list_has ("UPGRADE", "upgrade"));
  g_assert_true (ws_http_token_list_has ("upgrade ", "upgrade"));
  g_assert_true (ws_http_token_list_has ("upgrade,", "upgrade"));
  g_assert_true (ws_http_token_list_has ("upgrade,x", "upgrade"));
  g_assert_true (ws_http_token_list_has ("upgradeX, upgrade", "upgrade"));
  g_assert_false (ws_http_token_list_has ("upgradeX", "upgrade"));
  g_assert_false (ws_http_token_list_has ("upgrad", "upgrade"));
  g_assert_false (ws_http_token_list_has ("websocket", "websocketx"));
}

/* ws_http_token_list_has against the plain reading: split at commas,
 * strip OWS, compare ignoring case (random lists over few bytes, so that
 * prefixes, case and separators meet often). */
static bool
token_list_plain (const char *value, const char *token)
{
  gchar **parts = g_strsplit (value, ",", -1);
  bool has = false;

  for (size_t i = 0; parts[i]; i++)
    {
      const char *s = parts[i];
      size_t n = strlen (s);

      while (*s == ' ' || *s == '\t')
        s++, n--;
      while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
      if (n > 0 && n == strlen (token) && g_ascii_strncasecmp (s, token, n) == 0)
        has = true;
    }
  g_strfreev (parts);
  return has;
}

static void
test_token_list_random (void)
{
  static const char alphabet[] = "uUpPgG, \t";
  static const char *const tokens[] = { "up", "upg", "u", "Up" };
  int iter;

  for (iter = 0; iter < 50000; iter++)
    {
      char v[12];
      size_t n = (size_t) g_test_rand_int_range (0, sizeof v), i;
      const char *tok = tokens[iter % G_N_ELEMENTS (tokens)];

      for (i = 0; i < n; i++)
        v[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      v[n] = '\0';
      g_assert_cmpint (ws_http_token_list_has (v, tok), ==, token_list_plain (v, tok));
    }
}

/* ---- Sec-WebSocket-Accept ------------------------------------------------ */

static void
test_accept (void)
{
  g_autofree char *a1 = ws_accept_compute ("dGhlIHNhbXBsZSBub25jZQ==");
  g_autofree char *a2 = ws_accept_compute ("VMueuJIhu60C0hDKL+vS6g==");
  g_autofree char *a3 = ws_accept_compute ("  dGhlIHNhbXBsZSBub25jZQ==\t");

  /* RFC 6455 section 1.3 */
  g_assert_cmpstr (a1, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  /* Zeek wrong-accept-header.pcap: the accept its server should have sent */
  g_assert_cmpstr (a2, ==, "N8ntNYkX6Qerw4tK3s/CYzpSZNc=");
  g_assert_cmpstr (a3, ==, a1);

  g_assert_true (ws_accept_valid ("dGhlIHNhbXBsZSBub25jZQ==",
                                  "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  g_assert_true (ws_accept_valid ("dGhlIHNhbXBsZSBub25jZQ== ",
                                  " s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t"));
  g_assert_true (ws_accept_valid ("VMueuJIhu60C0hDKL+vS6g==",
                                  "N8ntNYkX6Qerw4tK3s/CYzpSZNc="));
  g_assert_false (ws_accept_valid ("VMueuJIhu60C0hDKL+vS6g==",
                                   "N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong"));
  g_assert_false (ws_accept_valid ("dGhlIHNhbXBsZSBub25jZQ==",
                                   "S3PPLMBITXAQ9KYGZZHZRBK+XOO="));
  g_assert_false (ws_accept_valid ("dGhlIHNhbXBsZSBub25jZQ==", ""));
  g_assert_false (ws_accept_valid (NULL, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  g_assert_false (ws_accept_valid ("dGhlIHNhbXBsZSBub25jZQ==", NULL));
  g_assert_null (ws_accept_compute (NULL));
}

/* The accept value the plain way: strdup, strip, GChecksum, g_base64_encode
 * (http.c computes it without allocating) */
static char *
accept_by_glib (const char *key)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *k = g_strstrip (g_strdup (key));
  guint8 digest[20];
  gsize dlen = sizeof digest;

  g_checksum_update (sum, (const guchar *) k, (gssize) strlen (k));
  g_checksum_update (sum, (const guchar *) "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
  g_checksum_get_digest (sum, digest, &dlen);
  return g_base64_encode (digest, dlen);
}

/* Keys of every length up to several SHA-1 blocks, with and without white
 * space around them. */
static void
test_accept_lengths (void)
{
  size_t len, i;

  for (len = 0; len <= 300; len++)
    {
      g_autofree char *key = g_malloc (len + 3);
      g_autofree char *want = NULL, *got = NULL;

      key[0] = len % 2 ? ' ' : 'k';
      for (i = 1; i <= len; i++)
        key[i] = (char) g_test_rand_int_range ('!', '~' + 1);
      key[len + 1] = len % 3 ? '\t' : '\0';
      key[len + 2] = '\0';
      want = accept_by_glib (key);
      got = ws_accept_compute (key);
      g_assert_cmpstr (got, ==, want);
      g_assert_true (ws_accept_valid (key, want));
      want[0] = want[0] == 'A' ? 'B' : 'A';
      g_assert_false (ws_accept_valid (key, want));
    }
}

/* ---- header block end, in place ------------------------------------------ */

/* ws_http_block_len must find the end ws_http_feed finds for a fresh
 * parser, for every prefix of the input. */
static void
assert_block_len_like_feed (const uint8_t *in, size_t len)
{
  size_t l;

  for (l = 0; l <= len; l++)
    {
      gathered g;

      gather (in, l, NULL, 0, 65536, &g);
      g_assert_cmpuint (ws_http_block_len (in, l), ==, g.done ? g.consumed : 0);
      ws_http_parser_clear (&g.p);
    }
}

static void
test_block_len (void)
{
  static const char *const ends[] = {
    "\n\n", "\r\n\n", "\n\r\n", "\r\n\r\n", "x\n\r\r\n\n", "\r\r\n\r\r\n\r\n",
    "\n", "\r\n", "abc", "",
  };
  GString *in = g_string_new (zeek_response);
  size_t i;
  int iter;

  g_assert_cmpuint (ws_http_block_len ((const uint8_t *) zeek_request,
                                       strlen (zeek_request)),
                    ==, strlen (zeek_request));
  g_string_append_len (in, (const char *) zeek_frame, sizeof zeek_frame);
  g_assert_cmpuint (ws_http_block_len ((const uint8_t *) in->str, in->len),
                    ==, strlen (zeek_response));
  g_assert_cmpuint (ws_http_block_len ((const uint8_t *) zeek_request,
                                       strlen (zeek_request) - 1), ==, 0);
  assert_block_len_like_feed ((const uint8_t *) in->str, in->len);
  assert_block_len_like_feed ((const uint8_t *) odd_request, strlen (odd_request));
  for (i = 0; i < G_N_ELEMENTS (ends); i++)
    assert_block_len_like_feed ((const uint8_t *) ends[i], strlen (ends[i]));

  /* strings of CR, LF and one other byte find every state change */
  for (iter = 0; iter < 2000; iter++)
    {
      int k, n = g_test_rand_int_range (0, 12);

      g_string_truncate (in, 0);
      for (k = 0; k < n; k++)
        g_string_append_c (in, "\r\nx"[g_test_rand_int_range (0, 3)]);
      assert_block_len_like_feed ((const uint8_t *) in->str, in->len);
    }
  g_string_free (in, TRUE);
}

/* ---- header block found and parsed in one pass ------------------------------ */

/* ws_http_parse_block on every prefix of in: the block ws_http_block_len
 * finds, parsed as ws_http_parse parses it. */
static void
assert_parse_block_like_two_passes (const uint8_t *in, size_t len)
{
  size_t l;

  for (l = 0; l <= len; l++)
    {
      ws_http_msg m1, m2;
      int rc1 = 42, rc2;
      size_t want = ws_http_block_len (in, l);
      size_t got = ws_http_parse_block (in, l, &m1, &rc1);

      g_assert_cmpuint (got, ==, want);
      if (got > 0)
        {
          g_autofree char *d1 = describe (&m1);
          g_autofree char *d2 = NULL;

          rc2 = ws_http_parse (in, got, &m2);
          d2 = describe (&m2);
          g_assert_cmpint (rc1, ==, rc2);
          g_assert_cmpstr (d1, ==, d2);
          g_assert_cmpuint (m1.folded, ==, m2.folded);
        }
    }
}

/* What handshake_feed in conn.c does with a stream cut at cuts[]: a chunk
 * that starts a message is first tried whole (ws_http_parse_block, bounded
 * by cap), else gathered.  Returns the block length (0 when the stream
 * ended first, -1 when over the cap) and the parse in *m and *rc, whose
 * slices point into in or into the gathered copy, freed by the next call. */
static ssize_t
parse_like_conn (const uint8_t *in, size_t len, const size_t *cuts,
                 size_t ncuts, size_t cap, ws_http_msg *m, int *rc)
{
  static ws_http_parser p;
  size_t start = 0, c;
  ssize_t ret = 0;

  ws_http_parser_clear (&p);
  if (in == NULL)
    return 0;
  for (c = 0; c <= ncuts; c++)
    {
      size_t end = c < ncuts ? cuts[c] : len;
      size_t n = end - start, bl;
      ssize_t r;

      if (p.len == 0 && (bl = ws_http_parse_block (in + start, MIN (n, cap), m, rc)) > 0)
        {
          ret = (ssize_t) (start + bl);
          break;
        }
      r = ws_http_feed (&p, in + start, n, cap);
      if (r < 0)
        {
          ret = -1;
          break;
        }
      if (p.done)
        {
          *rc = ws_http_parse (p.buf, p.len, m);
          ret = (ssize_t) (start + (size_t) r);
          break;
        }
      start = end;
    }
  return ret;
}

/* parse_like_conn whole, split at every point, at every pair of points
 * near the end, and byte by byte: the same block and the same parse, which
 * check verifies against the expected values. */
static void
run_all_splits_conn (const uint8_t *in, size_t len, size_t hlen, check_fn check)
{
  g_autofree size_t *cuts = g_new (size_t, len + 1);
  g_autofree char *ref = NULL;
  ws_http_msg m;
  int rc;
  size_t i, j;

  g_assert_cmpint (parse_like_conn (in, len, NULL, 0, 65536, &m, &rc), ==, (ssize_t) hlen);
  g_assert_cmpint (rc, ==, 0);
  check (&m);
  ref = describe (&m);

#define SAME_RESULT(ncuts)                                              \
  do {                                                                  \
    g_autofree char *d = NULL;                                          \
    g_assert_cmpint (parse_like_conn (in, len, cuts, ncuts, 65536, &m, &rc), \
                     ==, (ssize_t) hlen);                               \
    g_assert_cmpint (rc, ==, 0);                                        \
    d = describe (&m);                                                  \
    g_assert_cmpstr (d, ==, ref);                                       \
  } while (0)

  for (i = 0; i <= len; i++)
    {
      cuts[0] = i;
      SAME_RESULT (1);
    }
  for (i = len > 24 ? len - 24 : 0; i <= len; i++)
    for (j = i; j <= len; j++)
      {
        cuts[0] = i;
        cuts[1] = j;
        SAME_RESULT (2);
      }
  for (i = 0; i < len; i++)
    cuts[i] = i + 1;
  SAME_RESULT (len);
#undef SAME_RESULT
}

static void
test_parse_block (void)
{
  static const char *const ends[] = {
    "\n\n", "\r\n\n", "\n\r\n", "\r\n\r\n", "x\n\r\r\n\n", "\r\r\n\r\r\n\r\n",
    "\n", "\r\n", "abc", "", "\r\nGET / HTTP/1.1\r\nA: b\r\n\r\n",
    "\r\n\r\nGET / HTTP/1.1\r\n\r\n", "BAD\r\nA: b\r\n\r\nmore",
    "GET / HTTP/1.1\r\nA: b\r\n c\r\n\n", "GET / HTTP/1.1\nA:b\n\r\n",
  };
  static const char *const pieces[] = {
    "GET / HTTP/1.1\r\n", "HTTP/1.1 101 x\r\n", "Upgrade: websocket", "Host:",
    " ", "\t", "\r", "\n", "\r\n", ":", "a", "\0", "\xff", "Sec-WebSocket-Key",
  };
  GString *in = g_string_new (zeek_response);
  size_t i;
  int iter;

  g_string_append_len (in, (const char *) zeek_frame, sizeof zeek_frame);
  assert_parse_block_like_two_passes ((const uint8_t *) in->str, in->len);
  assert_parse_block_like_two_passes ((const uint8_t *) zeek_request, strlen (zeek_request));
  assert_parse_block_like_two_passes ((const uint8_t *) odd_request, strlen (odd_request));
  for (i = 0; i < G_N_ELEMENTS (ends); i++)
    assert_parse_block_like_two_passes ((const uint8_t *) ends[i], strlen (ends[i]));

  /* the end of the block is found as ws_http_feed finds it */
  for (iter = 0; iter < 2000; iter++)
    {
      int k, n = g_test_rand_int_range (0, 12);

      g_string_truncate (in, 0);
      for (k = 0; k < n; k++)
        g_string_append_c (in, "\r\nx"[g_test_rand_int_range (0, 3)]);
      assert_parse_block_like_two_passes ((const uint8_t *) in->str, in->len);
    }
  /* and the headers as ws_http_parse reads them */
  for (iter = 0; iter < 1000; iter++)
    {
      int k, n = g_test_rand_int_range (0, 30);

      g_string_assign (in, iter % 3 ? pieces[iter % 2] : "");
      for (k = 0; k < n; k++)
        {
          const char *pc = pieces[g_test_rand_int_range (0, G_N_ELEMENTS (pieces))];
          g_string_append_len (in, pc, *pc ? (gssize) strlen (pc) : 1);
        }
      assert_parse_block_like_two_passes ((const uint8_t *) in->str, in->len);
    }
  g_string_free (in, TRUE);
}

/* The path conn.c takes, fed at every split point. */
static void
test_parse_block_splits (void)
{
  GString *in = g_string_new (zeek_response);
  size_t n;

  g_string_append_len (in, (const char *) zeek_frame, sizeof zeek_frame);
  run_all_splits_conn ((const uint8_t *) in->str, in->len, strlen (zeek_response),
                       check_zeek_response);
  n = strlen (zeek_request);
  run_all_splits_conn ((const uint8_t *) zeek_request, n, n, check_zeek_request);
  n = strlen (odd_request);
  run_all_splits_conn ((const uint8_t *) odd_request, n, n, check_odd_request);
  g_string_free (in, TRUE);
  parse_like_conn (NULL, 0, NULL, 0, 0, NULL, NULL); /* frees the copy */
}

/* The cap bounds the one-pass scan as it bounds the gathering: a block of
 * exactly cap bytes is parsed, one byte more is too long, however split. */
static void
test_parse_block_cap (void)
{
  size_t n = strlen (zeek_request), i;
  size_t cut[1];
  ws_http_msg m;
  int rc;

  g_assert_cmpint (parse_like_conn ((const uint8_t *) zeek_request, n, NULL, 0, n, &m, &rc),
                   ==, (ssize_t) n);
  check_zeek_request (&m);
  g_assert_cmpint (parse_like_conn ((const uint8_t *) zeek_request, n, NULL, 0, n - 1, &m, &rc),
                   ==, -1);
  g_assert_cmpuint (ws_http_parse_block ((const uint8_t *) zeek_request, n - 1, &m, &rc), ==, 0);
  for (i = 0; i <= n; i++)
    {
      cut[0] = i;
      g_assert_cmpint (parse_like_conn ((const uint8_t *) zeek_request, n, cut, 1, n, &m, &rc),
                       ==, (ssize_t) n);
      g_assert_cmpint (parse_like_conn ((const uint8_t *) zeek_request, n, cut, 1, n - 1, &m, &rc),
                       ==, -1);
    }
  parse_like_conn (NULL, 0, NULL, 0, 0, NULL, NULL);
}

/* ---- recognised headers -------------------------------------------------- */

/* A header name is kept only when every byte is an RFC 7230 tchar. */
static void
test_name_bytes (void)
{
  static const char tchar_extra[] = "!#$%&'*+-.^_`|~";
  int c;

  for (c = 0; c < 256; c++)
    {
      char in[64];
      size_t len;
      ws_http_msg m;
      bool want;

      /* these end the name or the line, or are OWS tolerated before ':' */
      if (c == ':' || c == '\n' || c == ' ' || c == '\t')
        continue;
      want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
             || (c >= 'A' && c <= 'Z')
             || (c != 0 && memchr (tchar_extra, c, sizeof tchar_extra - 1));
      len = (size_t) g_snprintf (in, sizeof in, "GET / HTTP/1.1\r\nXcY: v\r\n\r\n");
      in[17] = (char) c;
      g_assert_cmpint (ws_http_parse ((const uint8_t *) in, len, &m), ==, 0);
      g_assert_cmpuint (m.n_headers, ==, want ? 1 : 0);
    }
}

static const char *const known_names[WS_HDR_COUNT] = {
  [WS_HDR_HOST] = "Host",
  [WS_HDR_ORIGIN] = "Origin",
  [WS_HDR_USER_AGENT] = "User-Agent",
  [WS_HDR_SERVER] = "Server",
  [WS_HDR_UPGRADE] = "Upgrade",
  [WS_HDR_SEC_WEBSOCKET_KEY] = "Sec-WebSocket-Key",
  [WS_HDR_SEC_WEBSOCKET_VERSION] = "Sec-WebSocket-Version",
  [WS_HDR_SEC_WEBSOCKET_PROTOCOL] = "Sec-WebSocket-Protocol",
  [WS_HDR_SEC_WEBSOCKET_EXTENSIONS] = "Sec-WebSocket-Extensions",
  [WS_HDR_SEC_WEBSOCKET_ACCEPT] = "Sec-WebSocket-Accept",
  [WS_HDR_CONNECTION] = "Connection",
  [WS_HDR_X_FORWARDED_FOR] = "X-Forwarded-For",
  [WS_HDR_FORWARDED] = "Forwarded",
  [WS_HDR_X_REAL_IP] = "X-Real-IP",
  [WS_HDR_X_REQUEST_ID] = "X-Request-ID",
};

/* ws_http_header_copy writes what ws_http_header_get returns, within the
 * room ws_http_header_size asks for, and moves the cursor just past it. */
static void
assert_copy_like_get (const ws_http_msg *m, ws_hdr h, const char *want)
{
  size_t size = ws_http_header_size (m, h);
  /* guard bytes after the room, which must stay untouched */
  char *buf = g_malloc (size + 8);
  char *o = buf, *got;

  memset (buf, 0x5a, size + 8);
  got = ws_http_header_copy (m, h, &o);
  if (want == NULL)
    {
      g_assert_cmpuint (size, ==, 0);
      g_assert_null (got);
      g_assert_true (o == buf);
    }
  else
    {
      g_assert_true (got == buf);
      g_assert_cmpstr (got, ==, want);
      /* past the NUL written at the end (a NUL inside a value ends the C
       * string before it) */
      g_assert_true (o >= buf + strlen (want) + 1);
      g_assert_cmpint (o[-1], ==, '\0');
      if (memchr (got, '\0', (size_t) (o - buf) - 1) == NULL)
        g_assert_true (o == buf + strlen (want) + 1);
      g_assert_cmpuint ((size_t) (o - buf), <=, size);
    }
  for (size_t i = size; i < size + 8; i++)
    g_assert_cmpint (buf[i], ==, 0x5a);
  g_free (buf);
}

/* Every recognised header reads the same through ws_http_header_get as
 * through the search by name, and its token test agrees. */
static void
assert_known_like_search (const ws_http_msg *m)
{
  int h;

  for (h = 0; h < WS_HDR_COUNT; h++)
    {
      g_autofree char *by_name = ws_http_header (m, known_names[h]);
      g_autofree char *by_id = ws_http_header_get (m, (ws_hdr) h);

      g_assert_cmpstr (by_id, ==, by_name);
      assert_copy_like_get (m, (ws_hdr) h, by_name);
      g_assert_true (ws_http_header_has_token (m, (ws_hdr) h, "websocket")
                     == ws_http_token_list_has (by_name, "websocket"));
      g_assert_true (ws_http_header_has_token (m, (ws_hdr) h, "chat")
                     == ws_http_token_list_has (by_name, "chat"));
    }
}

static void
test_known_headers (void)
{
  static const char *const names[] = {
    "hOsT", "ORIGIN", "user-agent", "Server", "UPGRADE", "upgrade",
    "Sec-WebSocket-Key", "sec-websocket-version", "Sec-Websocket-Protocol",
    "SEC-WEBSOCKET-EXTENSIONS", "Sec-WebSocket-Accept", "Sec-WebSocket-Keys",
    "Hos", "X-Upgrade", "Sec-WebSocket-Ke", "Serve",
  };
  static const char *const values[] = {
    "websocket", "chat, websocket", "", "a\r b", "x\r\n  websocket",
    "keep-alive,  Upgrade", " chat ", "\t",
  };
  const char *long_req =
    "GET / HTTP/1.1\r\n"
    "Upgrade: h2c, x-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
    "x-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"
    "UPGRADE: x-ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc, "
    "websocket\r\n"
    "\r\n";
  ws_http_msg m;
  int iter;

  g_assert_cmpint (ws_http_parse ((const uint8_t *) odd_request,
                                  strlen (odd_request), &m), ==, 0);
  {
    g_autofree char *host = ws_http_header_get (&m, WS_HDR_HOST);
    g_autofree char *ext = ws_http_header_get (&m, WS_HDR_SEC_WEBSOCKET_EXTENSIONS);
    g_autofree char *proto = ws_http_header_get (&m, WS_HDR_SEC_WEBSOCKET_PROTOCOL);

    g_assert_cmpstr (host, ==, "example.com");
    g_assert_cmpstr (ext, ==, "permessage-deflate; client_max_window_bits, "
                              "x-webkit-deflate-frame");
    g_assert_cmpstr (proto, ==, "chat, superchat");
    g_assert_null (ws_http_header_get (&m, WS_HDR_ORIGIN));
    g_assert_false (ws_http_header_has_token (&m, WS_HDR_UPGRADE, "websocket"));
    g_assert_true (ws_http_header_has_token (&m, WS_HDR_SEC_WEBSOCKET_PROTOCOL,
                                             "superchat"));
  }
  assert_known_like_search (&m);

  /* a joined value longer than the stack buffer */
  g_assert_cmpint (ws_http_parse ((const uint8_t *) long_req, strlen (long_req),
                                  &m), ==, 0);
  g_assert_true (ws_http_header_has_token (&m, WS_HDR_UPGRADE, "websocket"));
  g_assert_false (ws_http_header_has_token (&m, WS_HDR_UPGRADE, "h2"));
  assert_known_like_search (&m);

  g_assert_cmpint (ws_http_parse ((const uint8_t *) zeek_response,
                                  strlen (zeek_response), &m), ==, 0);
  {
    g_autofree char *acc = ws_http_header_get (&m, WS_HDR_SEC_WEBSOCKET_ACCEPT);
    g_assert_cmpstr (acc, ==, "N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong");
    g_assert_true (ws_http_header_has_token (&m, WS_HDR_UPGRADE, "WebSocket"));
  }
  assert_known_like_search (&m);

  g_assert_null (ws_http_header_get (&m, WS_HDR_COUNT));
  g_assert_false (ws_http_header_has_token (NULL, WS_HDR_UPGRADE, "websocket"));

  /* random header lists of near and exact names, repeats, folds and CRs */
  for (iter = 0; iter < 2000; iter++)
    {
      GString *s = g_string_new ("HTTP/1.1 101 x\r\n");
      int k, n = g_test_rand_int_range (0, 12);

      for (k = 0; k < n; k++)
        {
          g_string_append_printf (s, "%s:%s%s\r\n",
                                  names[g_test_rand_int_range (0, G_N_ELEMENTS (names))],
                                  g_test_rand_bit () ? " " : "",
                                  values[g_test_rand_int_range (0, G_N_ELEMENTS (values))]);
          if (g_test_rand_int_range (0, 6) == 0)
            g_string_append (s, "\t folded websocket \r\n");
          if (g_test_rand_int_range (0, 8) == 0)
            {
              /* a NUL in a value ends the joined C string */
              static const char nul_value[] = ": chat\0, websocket\r\n";

              g_string_append (s, names[g_test_rand_int_range (0, G_N_ELEMENTS (names))]);
              g_string_append_len (s, nul_value, sizeof nul_value - 1);
            }
        }
      g_string_append (s, "\r\n");
      g_assert_cmpint (ws_http_parse ((const uint8_t *) s->str, s->len, &m), ==, 0);
      assert_known_like_search (&m);
      g_string_free (s, TRUE);
    }
}

/* Names one byte away from a known name (any tchar in any position, and
 * each letter in the other case) are recognised exactly when they equal
 * it ignoring case; the same names in a message are found by the search by
 * name, which compares with g_ascii_strncasecmp. */
static void
test_known_near_names (void)
{
  static const char tchars[] =
    "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  int h;

  for (h = 0; h < WS_HDR_COUNT; h++)
    {
      size_t len = strlen (known_names[h]), pos, t;

      for (pos = 0; pos < len; pos++)
        for (t = 0; t < sizeof tchars - 1; t++)
          {
            g_autofree char *name = g_strdup (known_names[h]);
            g_autofree char *in = NULL;
            ws_http_msg m;
            bool same;
            int k;

            name[pos] = tchars[t];
            same = g_ascii_strcasecmp (name, known_names[h]) == 0;
            in = g_strdup_printf ("GET / HTTP/1.1\r\n%s: v\r\n\r\n", name);
            g_assert_cmpint (ws_http_parse ((const uint8_t *) in, strlen (in), &m), ==, 0);
            g_assert_cmpuint (m.n_headers, ==, 1);
            for (k = 0; k < WS_HDR_COUNT; k++)
              g_assert_cmpuint (m.known[k], ==, k == h && same ? 1 : 0);
          }
    }
}

/* Every byte in every position of each known name: recognised exactly when
 * the name equals the known one ignoring ASCII case (a CR where a '-' is
 * differs from it in bit 5 only, as a capital from a small letter), and kept
 * as a header exactly when all its bytes are tchar. */
static void
test_known_all_bytes (void)
{
  int h;

  for (h = 0; h < WS_HDR_COUNT; h++)
    {
      size_t len = strlen (known_names[h]), pos;
      int c, k;

      for (pos = 0; pos < len; pos++)
        for (c = 0; c < 256; c++)
          {
            char name[32];
            GString *in;
            ws_http_msg m;
            bool same, tchar;
            size_t i;

            /* these end the line or the name, or are OWS */
            if (c == '\n' || c == ':' || c == ' ' || c == '\t')
              continue;
            memcpy (name, known_names[h], len);
            name[pos] = (char) c;
            same = c != 0 && g_ascii_strncasecmp (name, known_names[h], len) == 0;
            tchar = true;
            for (i = 0; i < len; i++)
              tchar = tchar && (g_ascii_isalnum (name[i])
                                || (name[i] != 0 && strchr ("!#$%&'*+-.^_`|~", name[i])));
            in = g_string_new ("GET / HTTP/1.1\r\n");
            g_string_append_len (in, name, (gssize) len);
            g_string_append (in, ": v\r\n\r\n");
            g_assert_cmpint (ws_http_parse ((const uint8_t *) in->str, in->len, &m), ==, 0);
            g_assert_cmpuint (m.n_headers, ==, tchar ? 1 : 0);
            for (k = 0; k < WS_HDR_COUNT; k++)
              g_assert_cmpuint (m.known[k], ==, k == h && same ? 1 : 0);
            g_string_free (in, TRUE);
          }
    }
}

/* ---- SHA-1 ----------------------------------------------------------------- */

static void
assert_sha1_hex (const char *in, size_t len, const char *hex)
{
  uint8_t d[20];
  char got[41];
  int i;

  ws_sha1 ((const uint8_t *) in, len, d);
  for (i = 0; i < 20; i++)
    g_snprintf (got + 2 * i, 3, "%02x", d[i]);
  g_assert_cmpstr (got, ==, hex);
}

/* FIPS 180-2 appendix A examples (and the empty message), with the SHA
 * extensions where the CPU has them and with the portable code */
static void
test_sha1_vectors (void)
{
  g_autofree char *million = g_malloc (1000000);

  for (int hw = 1; hw >= 0; hw--)
    {
  ws_sha1_set_hw (hw);
  assert_sha1_hex ("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert_sha1_hex ("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert_sha1_hex ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                   "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  memset (million, 'a', 1000000);
  assert_sha1_hex (million, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    }
  ws_sha1_set_hw (true);
}

/* Random messages of every length over the padding cases (55, 56, 63, 64
 * bytes modulo 64) and several blocks, against GChecksum. */
static void
test_sha1_random (void)
{
  uint8_t buf[400];
  size_t len, i;
  int round;

  /* even rounds with the SHA extensions (where the CPU has them), odd ones
   * with the portable code */
  for (round = 0; round < 8; round++, ws_sha1_set_hw (round % 2 == 0))
    for (len = 0; len <= sizeof buf; len++)
      {
        g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
        uint8_t want[20], got[20];
        gsize wl = sizeof want;

        for (i = 0; i < len; i++)
          buf[i] = (uint8_t) g_test_rand_int_range (0, 256);
        g_checksum_update (sum, buf, (gssize) len);
        g_checksum_get_digest (sum, want, &wl);
        ws_sha1 (buf, len, got);
        g_assert_true (memcmp (got, want, sizeof want) == 0);
      }
  ws_sha1_set_hw (true);
}

/* Keys as clients make them (base64 of 16 random bytes), many of them,
 * against GChecksum and g_base64_encode. */
static void
test_accept_random_keys (void)
{
  int i, j;

  for (i = 0; i < 5000; i++)
    {
      guint8 nonce[16];
      g_autofree char *key = NULL, *want = NULL, *got = NULL;

      for (j = 0; j < 16; j++)
        nonce[j] = (guint8) g_test_rand_int_range (0, 256);
      key = g_base64_encode (nonce, sizeof nonce);
      want = accept_by_glib (key);
      got = ws_accept_compute (key);
      g_assert_cmpstr (got, ==, want);
      g_assert_true (ws_accept_valid (key, want));
    }
}

/* ---- extensions ---------------------------------------------------------- */

static void
assert_param (const ws_ext *x, size_t i, const char *name, const char *value)
{
  g_assert_cmpuint (i, <, x->n_params);
  g_assert_cmpstr (x->param_name[i], ==, name);
  g_assert_cmpstr (x->param_value[i], ==, value);
}

static void
test_ext_parse (void)
{
  ws_ext_list l;

  ws_ext_parse ("permessage-deflate; client_max_window_bits, "
                "permessage-deflate; server_max_window_bits=\"10\"", &l);
  g_assert_false (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 2);
  g_assert_cmpstr (l.ext[0].name, ==, "permessage-deflate");
  g_assert_cmpuint (l.ext[0].n_params, ==, 1);
  assert_param (&l.ext[0], 0, "client_max_window_bits", NULL);
  g_assert_cmpstr (l.ext[1].name, ==, "permessage-deflate");
  g_assert_cmpuint (l.ext[1].n_params, ==, 1);
  assert_param (&l.ext[1], 0, "server_max_window_bits", "10");
  g_assert_cmpint (ws_ext_find (&l, "permessage-deflate"), ==, 0);
  g_assert_cmpint (ws_ext_find (&l, "PerMessage-Deflate"), ==, 0);
  g_assert_cmpint (ws_ext_find (&l, "x-webkit-deflate-frame"), ==, -1);
  ws_ext_list_clear (&l);
  g_assert_cmpuint (l.n, ==, 0);

  ws_ext_parse ("x-webkit-deflate-frame", &l);
  g_assert_false (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 1);
  g_assert_cmpstr (l.ext[0].name, ==, "x-webkit-deflate-frame");
  g_assert_cmpuint (l.ext[0].n_params, ==, 0);
  ws_ext_list_clear (&l);

  /* whitespace everywhere, empty list elements, several params */
  ws_ext_parse (" ,\tfoo ;a ; b = 1 ;c=\"x\" , ,bar;d=\"q\\\"u,o;te\" ,", &l);
  g_assert_cmpuint (l.n, ==, 2);
  g_assert_cmpstr (l.ext[0].name, ==, "foo");
  g_assert_cmpuint (l.ext[0].n_params, ==, 3);
  assert_param (&l.ext[0], 0, "a", NULL);
  assert_param (&l.ext[0], 1, "b", "1");
  assert_param (&l.ext[0], 2, "c", "x");
  g_assert_cmpstr (l.ext[1].name, ==, "bar");
  /* the comma and semicolon inside quotes split nothing */
  g_assert_cmpuint (l.ext[1].n_params, ==, 1);
  assert_param (&l.ext[1], 0, "d", "q\"u,o;te");
  /* but the unquoted value is not a token (RFC 6455 9.1) */
  g_assert_true (l.syntax_error);
  ws_ext_list_clear (&l);

  ws_ext_parse ("", &l);
  g_assert_cmpuint (l.n, ==, 0);
  g_assert_false (l.syntax_error);
  ws_ext_list_clear (&l);
  ws_ext_parse (NULL, &l);
  g_assert_cmpuint (l.n, ==, 0);
  ws_ext_list_clear (&l);
}

static void
test_ext_bad (void)
{
  ws_ext_list l;

  /* a bad element is skipped, the ones around it kept */
  ws_ext_parse ("a; p=1, =bad, b", &l);
  g_assert_true (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 2);
  g_assert_cmpstr (l.ext[0].name, ==, "a");
  assert_param (&l.ext[0], 0, "p", "1");
  g_assert_cmpstr (l.ext[1].name, ==, "b");
  ws_ext_list_clear (&l);

  /* junk after a name: the name is kept, the rest of the element is not */
  ws_ext_parse ("a b; q, c", &l);
  g_assert_true (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 2);
  g_assert_cmpstr (l.ext[0].name, ==, "a");
  g_assert_cmpuint (l.ext[0].n_params, ==, 0);
  g_assert_cmpstr (l.ext[1].name, ==, "c");
  ws_ext_list_clear (&l);

  /* a param without a name, a value missing, an unterminated quote */
  ws_ext_parse ("a; ; x, b; y=, c; z=\"open, d", &l);
  g_assert_true (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 3);
  g_assert_cmpstr (l.ext[0].name, ==, "a");
  g_assert_cmpuint (l.ext[0].n_params, ==, 0);
  g_assert_cmpstr (l.ext[1].name, ==, "b");
  g_assert_cmpuint (l.ext[1].n_params, ==, 0);
  g_assert_cmpstr (l.ext[2].name, ==, "c");
  g_assert_cmpuint (l.ext[2].n_params, ==, 0);
  ws_ext_list_clear (&l);

  /* a quoted comma inside a bad element does not start a new one */
  ws_ext_parse ("a; p=1 junk=\"x, y\", b", &l);
  g_assert_true (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 2);
  assert_param (&l.ext[0], 0, "p", "1");
  g_assert_cmpstr (l.ext[1].name, ==, "b");
  ws_ext_list_clear (&l);

  /* bytes that are not tokens, a trailing backslash */
  ws_ext_parse ("\xc3\xa9t\xc3\xa9, d; v=\"\\", &l);
  g_assert_true (l.syntax_error);
  g_assert_cmpuint (l.n, ==, 1);
  g_assert_cmpstr (l.ext[0].name, ==, "d");
  ws_ext_list_clear (&l);
}

static void
test_ext_limits (void)
{
  GString *s = g_string_new (NULL);
  ws_ext_list l;
  int i;

  for (i = 0; i < WS_EXT_MAX + 4; i++)
    g_string_append_printf (s, "%se%d", i ? ", " : "", i);
  g_string_append (s, "; p0");
  for (i = 1; i < WS_EXT_MAX_PARAMS + 3; i++)
    g_string_append_printf (s, "; p%d=%d", i, i);
  ws_ext_parse (s->str, &l);
  g_assert_false (l.syntax_error);
  g_assert_cmpuint (l.n, ==, WS_EXT_MAX);
  g_assert_cmpstr (l.ext[WS_EXT_MAX - 1].name, ==, "e15");
  g_assert_cmpint (ws_ext_find (&l, "e16"), ==, -1);
  ws_ext_list_clear (&l);

  g_string_assign (s, "one");
  for (i = 0; i < WS_EXT_MAX_PARAMS + 3; i++)
    g_string_append_printf (s, "; p%d=%d", i, i);
  ws_ext_parse (s->str, &l);
  g_assert_cmpuint (l.n, ==, 1);
  g_assert_cmpuint (l.ext[0].n_params, ==, WS_EXT_MAX_PARAMS);
  assert_param (&l.ext[0], WS_EXT_MAX_PARAMS - 1, "p7", "7");
  ws_ext_list_clear (&l);
  g_string_free (s, TRUE);
}

/* ---- permessage-deflate response ----------------------------------------- */

/* Validate `response` (its first extension) against `offer`; offer NULL
 * means the offer is unknown. */
static const char *
pmd (const char *offer, const char *response, struct ws_pmd_out *out)
{
  ws_ext_list o, r;
  const char *err;

  ws_ext_parse (offer, &o);
  ws_ext_parse (response, &r);
  g_assert_cmpuint (r.n, >=, 1);
  err = ws_pmd_from_response (&r.ext[0], offer ? &o : NULL, out);
  ws_ext_list_clear (&o);
  ws_ext_list_clear (&r);
  return err;
}

/* The strings of a parsed list all lie in its store, and the store is no
 * larger than the value: random values made of the grammar's delimiters,
 * quotes, escapes and token bytes (ASan or the store's checks catch a
 * write past it). */
static void
test_ext_store (void)
{
  static const char alphabet[] = "ab=;,\" \\\t";
  int iter;

  for (iter = 0; iter < 20000; iter++)
    {
      /* short values (the list's own room) and long ones (allocated) */
      size_t len = (size_t) g_test_rand_int_range (0, iter % 2 ? 40 : 300), i, j, k;
      g_autofree char *v = g_malloc (len + 1);
      ws_ext_list l;

      for (i = 0; i < len; i++)
        v[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      v[len] = '\0';
      ws_ext_parse (v, &l);
      for (i = 0; i < l.n; i++)
        {
          const ws_ext *x = &l.ext[i];
          const char *strs[1 + 2 * WS_EXT_MAX_PARAMS];
          size_t ns = 0;

          strs[ns++] = x->name;
          for (j = 0; j < x->n_params; j++)
            {
              strs[ns++] = x->param_name[j];
              if (x->param_value[j])
                strs[ns++] = x->param_value[j];
            }
          for (k = 0; k < ns; k++)
            {
              g_assert_nonnull (l.store);
              g_assert_true (strs[k] >= l.store
                             && strs[k] + strlen (strs[k]) < l.store + len + 1);
            }
        }
      ws_ext_list_clear (&l);
      g_assert_cmpuint (l.n, ==, 0);
      g_assert_null (l.store);
    }
}

/* ws_ascii_caseeq says what g_ascii_strcasecmp (a, b) == 0 says: random
 * pairs of short strings over letters of both cases, the bytes next to
 * them in ASCII, and bytes above 0x7f, mostly equal ignoring case */
static void
test_ascii_caseeq (void)
{
  static const char alphabet[] = "aAzZ@[`{-_09\xc3\xa9\xc9";
  int iter;

  g_assert_true (ws_ascii_caseeq ("", ""));
  g_assert_true (ws_ascii_caseeq ("permessage-deflate", "PerMessage-Deflate"));
  g_assert_false (ws_ascii_caseeq ("permessage-deflate", "permessage-deflat"));
  g_assert_false (ws_ascii_caseeq ("permessage-deflat", "permessage-deflate"));
  g_assert_false (ws_ascii_caseeq ("@", "`"));
  g_assert_false (ws_ascii_caseeq ("[", "{"));
  for (iter = 0; iter < 100000; iter++)
    {
      char a[8], b[8];
      size_t la = (size_t) g_test_rand_int_range (0, 6), lb = la, i;

      for (i = 0; i < la; i++)
        a[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      a[la] = '\0';
      if (iter % 4 == 0)
        lb = (size_t) g_test_rand_int_range (0, 6);
      for (i = 0; i < lb; i++)
        {
          char c = i < la ? a[i] : 'a';
          /* the same byte, its other case, or another byte */
          switch (g_test_rand_int_range (0, 4))
            {
            case 0: b[i] = g_ascii_toupper (c); break;
            case 1: b[i] = g_ascii_tolower (c); break;
            case 2: b[i] = c; break;
            default: b[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)]; break;
            }
        }
      b[lb] = '\0';
      g_assert_cmpint (ws_ascii_caseeq (a, b), ==, g_ascii_strcasecmp (a, b) == 0);
    }
}

static void
test_pmd_valid (void)
{
  struct ws_pmd_out out;

  g_assert_null (pmd ("permessage-deflate", "permessage-deflate", &out));
  g_assert_false (out.server_no_context_takeover);
  g_assert_false (out.client_no_context_takeover);
  g_assert_cmpint (out.server_max_window_bits, ==, 15);
  g_assert_cmpint (out.client_max_window_bits, ==, 15);

  g_assert_null (pmd ("permessage-deflate; client_max_window_bits",
                      "permessage-deflate; server_no_context_takeover; "
                      "client_no_context_takeover; server_max_window_bits=8; "
                      "client_max_window_bits=\"12\"", &out));
  g_assert_true (out.server_no_context_takeover);
  g_assert_true (out.client_no_context_takeover);
  g_assert_cmpint (out.server_max_window_bits, ==, 8);
  g_assert_cmpint (out.client_max_window_bits, ==, 12);

  /* server_max_window_bits may come without having been offered */
  g_assert_null (pmd ("permessage-deflate", "permessage-deflate; "
                      "server_max_window_bits=10", &out));
  g_assert_cmpint (out.server_max_window_bits, ==, 10);

  /* the offer with client_max_window_bits may be any of the pmd entries */
  g_assert_null (pmd ("permessage-deflate; server_max_window_bits=10, "
                      "permessage-deflate; client_max_window_bits",
                      "permessage-deflate; client_max_window_bits=9", &out));
  g_assert_cmpint (out.client_max_window_bits, ==, 9);

  /* offer unknown (connection picked up after the request) */
  g_assert_null (pmd (NULL, "permessage-deflate; client_max_window_bits=15",
                      &out));
  g_assert_cmpint (out.client_max_window_bits, ==, 15);

  g_assert_null (ws_pmd_from_response (NULL, NULL, &out));
  g_assert_cmpint (out.server_max_window_bits, ==, 15);
}

static void
test_pmd_invalid (void)
{
  static const struct {
    const char *offer, *response;
  } bad[] = {
    { "permessage-deflate", "permessage-deflate; foo" },
    { "permessage-deflate", "permessage-deflate; Server_No_Context_Takeover" },
    { "permessage-deflate", "permessage-deflate; server_no_context_takeover; "
                            "server_no_context_takeover" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=10; "
                            "server_max_window_bits=10" },
    { "permessage-deflate", "permessage-deflate; server_no_context_takeover=1" },
    { "permessage-deflate", "permessage-deflate; client_no_context_takeover=\"\"" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=7" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=16" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=010" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=09" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=+9" },
    { "permessage-deflate", "permessage-deflate; server_max_window_bits=\"\"" },
    { "permessage-deflate", "permessage-deflate; client_max_window_bits=10" },
    { "permessage-deflate, x-webkit-deflate-frame; client_max_window_bits",
      "permessage-deflate; client_max_window_bits=10" },
    { "", "permessage-deflate; client_max_window_bits=10" },
    { "permessage-deflate; client_max_window_bits",
      "permessage-deflate; client_max_window_bits" },
    { "permessage-deflate; client_max_window_bits",
      "permessage-deflate; client_max_window_bits=015" },
    { "permessage-deflate; client_max_window_bits",
      "permessage-deflate; client_max_window_bits=1" },
    { "permessage-deflate; client_max_window_bits",
      "permessage-deflate; client_max_window_bits=15; client_max_window_bits=15" },
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      struct ws_pmd_out out;
      const char *err = pmd (bad[i].offer, bad[i].response, &out);
      g_test_message ("case %zu: %s -> %s", i, bad[i].response,
                      err ? err : "(valid)");
      g_assert_nonnull (err);
    }
}

/* the message names the rule broken; what was valid is still filled in */
static void
test_pmd_messages (void)
{
  struct ws_pmd_out out;
  const char *err;

  err = pmd ("permessage-deflate", "permessage-deflate; "
             "server_no_context_takeover; bogus", &out);
  g_assert_nonnull (strstr (err, "unknown"));
  g_assert_true (out.server_no_context_takeover);

  err = pmd ("permessage-deflate", "permessage-deflate; "
             "server_max_window_bits=9; server_max_window_bits=11", &out);
  g_assert_nonnull (strstr (err, "duplicate"));
  g_assert_cmpint (out.server_max_window_bits, ==, 9);

  err = pmd ("permessage-deflate", "permessage-deflate; "
             "client_max_window_bits=10", &out);
  g_assert_nonnull (strstr (err, "not offered"));
  g_assert_cmpint (out.client_max_window_bits, ==, 15);

  err = pmd ("permessage-deflate", "permessage-deflate; "
             "server_max_window_bits=010", &out);
  g_assert_nonnull (strstr (err, "server_max_window_bits"));
  g_assert_cmpint (out.server_max_window_bits, ==, 15);

  err = pmd ("permessage-deflate; client_max_window_bits",
             "permessage-deflate; client_max_window_bits", &out);
  g_assert_nonnull (strstr (err, "client_max_window_bits"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http/request/zeek", test_request_zeek);
  g_test_add_func ("/http/request/odd-headers", test_request_odd);
  g_test_add_func ("/http/response/with-frame", test_response_with_frame);
  g_test_add_func ("/http/feed/bare-lf", test_feed_bare_lf);
  g_test_add_func ("/http/feed/not-end", test_feed_not_end);
  g_test_add_func ("/http/feed/cap", test_feed_cap);
  g_test_add_func ("/http/parse/garbage", test_parse_garbage);
  g_test_add_func ("/http/parse/start-lines", test_parse_start_lines);
  g_test_add_func ("/http/parse/max-headers", test_parse_max_headers);
  g_test_add_func ("/http/parse/obs-fold", test_parse_fold);
  g_test_add_func ("/http/parse/random", test_parse_random);
  g_test_add_func ("/http/looks-like", test_looks_like);
  g_test_add_func ("/http/token-list", test_token_list);
  g_test_add_func ("/http/accept", test_accept);
  g_test_add_func ("/http/accept/key-lengths", test_accept_lengths);
  g_test_add_func ("/http/block-len", test_block_len);
  g_test_add_func ("/http/parse-block", test_parse_block);
  g_test_add_func ("/http/parse-block/split", test_parse_block_splits);
  g_test_add_func ("/http/parse-block/cap", test_parse_block_cap);
  g_test_add_func ("/http/parse/bare-cr", test_parse_bare_cr);
  g_test_add_func ("/http/known-headers/all-bytes", test_known_all_bytes);
  g_test_add_func ("/http/known-headers", test_known_headers);
  g_test_add_func ("/http/parse/name-bytes", test_name_bytes);
  g_test_add_func ("/http/known-headers/near-names", test_known_near_names);
  g_test_add_func ("/http/sha1/vectors", test_sha1_vectors);
  g_test_add_func ("/http/sha1/random", test_sha1_random);
  g_test_add_func ("/http/accept/random-keys", test_accept_random_keys);
  g_test_add_func ("/http/ext/parse", test_ext_parse);
  g_test_add_func ("/http/ext/store", test_ext_store);
  g_test_add_func ("/http/copy/cr-positions", test_copy_cr_positions);
  g_test_add_func ("/http/token-list/random", test_token_list_random);
  g_test_add_func ("/http/ext/ascii-caseeq", test_ascii_caseeq);
  g_test_add_func ("/http/ext/bad", test_ext_bad);
  g_test_add_func ("/http/ext/limits", test_ext_limits);
  g_test_add_func ("/http/pmd/valid", test_pmd_valid);
  g_test_add_func ("/http/pmd/invalid", test_pmd_invalid);
  g_test_add_func ("/http/pmd/messages", test_pmd_messages);

  return g_test_run ();
}
