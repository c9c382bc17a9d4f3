/* fuzz-http.c - libFuzzer target for the HTTP opening handshake parser
 * (http.c): header block gathering, start line and header parsing, header
 * lookup, the Sec-WebSocket-Extensions grammar, permessage-deflate response
 * parameters and the Sec-WebSocket-Accept check.
 *
 * Input layout:
 *   byte 0   seed of the chunk sizes
 *   byte 1   header cap: 0 -> 16384 (the default), n -> 64 * n bytes
 *   rest     a byte stream: one or more header blocks back to back, as a
 *            client or server would send them on one connection
 *
 * The stream is gathered twice, once in one piece and once in chunks of
 * pseudo-random sizes drawn from byte 0.  Both must find the same header
 * blocks (same lengths, same bytes) and fail at the same place: how TCP
 * splits a stream must not change what is parsed.
 *
 * Where each block starts, ws_http_parse_block (the one-pass path for a
 * block that arrived in one piece) must agree with the gathering path: the
 * same end as ws_http_block_len and a fresh ws_http_feed, and the same
 * result and slices as ws_http_parse on the block alone, copied to a buffer
 * of exactly its length (so that ASan sees a read past the block's end).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "handshake.h"
#include "wsext.h"

#define MAX_MESSAGES 32

static const char *const header_names[] = {
  "host", "upgrade", "connection", "origin", "user-agent", "server",
  "sec-websocket-key", "sec-websocket-accept", "sec-websocket-version",
  "sec-websocket-protocol", "sec-websocket-extensions",
};

static void
check_slice (const uint8_t *buf, size_t len, ws_slice s)
{
  if (s.len == 0)
    return;
  const uint8_t *p = (const uint8_t *) s.p;
  if (p < buf || p > buf + len || s.len > (size_t) (buf + len - p))
    abort ();
}

/* Every slice of msg lies inside buf[0..len). */
static void
check_msg_slices (const uint8_t *buf, size_t len, const ws_http_msg *msg)
{
  check_slice (buf, len, msg->method);
  check_slice (buf, len, msg->target);
  check_slice (buf, len, msg->reason);
  for (size_t i = 0; i < msg->n_headers; i++)
    {
      check_slice (buf, len, msg->name[i]);
      check_slice (buf, len, msg->value[i]);
    }
}

/* Everything http.h offers, on one parsed header block. */
static void
exercise (const uint8_t *buf, size_t len)
{
  ws_http_msg msg;
  if (ws_http_parse (buf, len, &msg) != 0)
    return;
  if (msg.n_headers > WS_HTTP_MAX_HEADERS)
    abort ();
  check_msg_slices (buf, len, &msg);

  char *v[G_N_ELEMENTS (header_names)];
  for (size_t i = 0; i < G_N_ELEMENTS (header_names); i++)
    v[i] = ws_http_header (&msg, header_names[i]);
  const char *upgrade = v[1], *connection = v[2], *key = v[6], *accept = v[7], *ext = v[10];

  if (connection)
    (void) ws_http_token_list_has (connection, "upgrade");
  if (upgrade)
    (void) ws_http_token_list_has (upgrade, "websocket");
  if (key)
    {
      char *computed = ws_accept_compute (key);
      if (!computed || !ws_accept_valid (key, computed))
        abort (); /* our own answer must be accepted */
      g_free (computed);
    }
  if (key || accept)
    (void) ws_accept_valid (key ? key : "", accept ? accept : "");

  if (ext)
    {
      ws_ext_list list = { 0 };
      ws_ext_parse (ext, &list);
      if (list.n > WS_EXT_MAX)
        abort ();
      for (size_t i = 0; i < list.n; i++)
        {
          if (list.ext[i].n_params > WS_EXT_MAX_PARAMS)
            abort ();
          struct ws_pmd_out out;
          (void) ws_pmd_from_response (&list.ext[i], &list, &out);
        }
      (void) ws_ext_find (&list, "permessage-deflate");
      ws_ext_list_clear (&list);
    }
  for (size_t i = 0; i < G_N_ELEMENTS (header_names); i++)
    g_free (v[i]);
}

/* Offset of a slice from base, or -1 for a NULL one. */
static long
slice_off (const uint8_t *base, ws_slice s)
{
  return s.p ? (long) ((const uint8_t *) s.p - base) : -1;
}

static bool
same_slice (const uint8_t *ba, ws_slice a, const uint8_t *bb, ws_slice b)
{
  return a.len == b.len && slice_off (ba, a) == slice_off (bb, b);
}

/* Two parses of the same bytes at ba and bb. */
static void
check_same_msg (const uint8_t *ba, const ws_http_msg *a, const uint8_t *bb,
                const ws_http_msg *b)
{
  if (a->is_request != b->is_request || a->version_minor != b->version_minor
      || a->status != b->status || a->n_headers != b->n_headers
      || a->headers_dropped != b->headers_dropped || a->folded != b->folded
      || memcmp (a->known, b->known, sizeof a->known) != 0)
    abort ();
  if (!same_slice (ba, a->method, bb, b->method) || !same_slice (ba, a->target, bb, b->target)
      || !same_slice (ba, a->reason, bb, b->reason))
    abort ();
  for (size_t i = 0; i < a->n_headers; i++)
    if (!same_slice (ba, a->name[i], bb, b->name[i])
        || !same_slice (ba, a->value[i], bb, b->value[i]))
      abort ();
}

/* ws_http_parse_block on the stream bytes at data against the gathering
 * path. */
static void
check_parse_block (const uint8_t *data, size_t len)
{
  static ws_http_msg m1, m2, m3;
  int rc1 = 7, rc2, rc3 = 7;

  size_t end = ws_http_parse_block (data, len, &m1, &rc1);
  if (end > len || end != ws_http_block_len (data, len))
    abort ();

  /* a fresh gatherer, in one piece, with room for everything */
  ws_http_parser p;
  ws_http_parser_init (&p);
  ssize_t r = ws_http_feed (&p, data, len, len + 1);
  if (r < 0 || p.done != (end != 0) || (p.done && (p.len != end || (size_t) r != end)))
    abort ();
  ws_http_parser_clear (&p);
  if (end == 0)
    return;
  if (rc1 != 0 && rc1 != -1)
    abort ();

  uint8_t *block = g_memdup2 (data, end);
  rc2 = ws_http_parse (block, end, &m2);
  if (rc2 != rc1)
    abort ();
  /* bounded to the block itself, the same again */
  if (ws_http_parse_block (block, end, &m3, &rc3) != end || rc3 != rc1)
    abort ();
  if (rc1 == 0)
    {
      check_same_msg (data, &m1, block, &m2);
      check_same_msg (block, &m3, block, &m2);
      check_msg_slices (data, end, &m1);
    }
  g_free (block);
}

/* Gather header blocks from stream; each block (or the error) is appended
 * to log.  chunk_seed 0: the whole stream in one piece. */
static void
gather (const uint8_t *stream, size_t len, size_t cap, uint32_t chunk_seed,
        bool parse, GByteArray *log)
{
  uint32_t rng = chunk_seed;
  uint32_t max_chunk = 1 + (chunk_seed & 0x3f);
  ws_http_parser p;
  ws_http_parser_init (&p);
  size_t pos = 0, messages = 0;
  if (parse && len > 0)
    check_parse_block (stream, len);
  while (pos < len && messages < MAX_MESSAGES)
    {
      size_t n = len - pos;
      if (chunk_seed)
        {
          size_t want = 1 + fuzz_rand (&rng) % max_chunk;
          if (want < n)
            n = want;
        }
      ssize_t r = ws_http_feed (&p, stream + pos, n, cap);
      if (r < 0)
        {
          static const uint8_t err[] = "ERR";
          g_byte_array_append (log, err, 3);
          break;
        }
      if ((size_t) r > n || (!p.done && (size_t) r != n))
        abort ();
      pos += (size_t) r;
      if (p.done)
        {
          if (p.len > cap)
            abort ();
          uint8_t mark[9] = { 'M' };
          memcpy (mark + 1, &p.len, sizeof p.len < 8 ? sizeof p.len : 8);
          g_byte_array_append (log, mark, sizeof mark);
          g_byte_array_append (log, p.buf, (guint) p.len);
          if (parse)
            {
              exercise (p.buf, p.len);
              if (pos < len)
                check_parse_block (stream + pos, len - pos);
            }
          ws_http_parser_clear (&p);
          ws_http_parser_init (&p);
          messages++;
        }
    }
  ws_http_parser_clear (&p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  uint32_t seed = data[0] ? data[0] * 0x01000193u : 0;
  size_t cap = data[1] ? (size_t) data[1] * 64 : 16384;
  const uint8_t *stream = data + 2;
  size_t len = size - 2;

  (void) ws_http_looks_like_request (stream, len);
  (void) ws_http_looks_like_response (stream, len);

  GByteArray *whole = g_byte_array_new ();
  gather (stream, len, cap, 0, true, whole);
  if (seed)
    {
      GByteArray *split = g_byte_array_new ();
      gather (stream, len, cap, seed, false, split);
      if (whole->len != split->len
          || (whole->len && memcmp (whole->data, split->data, whole->len) != 0))
        abort (); /* chunking changed the result */
      g_byte_array_unref (split);
    }
  g_byte_array_unref (whole);
  return 0;
}
