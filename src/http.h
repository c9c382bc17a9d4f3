/* http.h - incremental parsing of the HTTP/1.1 opening handshake
 * (RFC 6455 section 4, RFC 7230 message syntax): the header block and the
 * start line.  The Sec-WebSocket-Extensions grammar is in wsext.h, the
 * accept check and what the handshake puts in the record in handshake.h.
 *
 * The handshake is small and may arrive split across TCP segments, so the
 * header block is gathered in a bounded buffer (the only copy made) until the
 * empty line; then ws_http_parse() hands out slices into that buffer.
 */
#ifndef WS_HTTP_H
#define WS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Header block gatherer.  buf is g_malloc'd lazily, grows up to the cap given
 * to ws_http_feed, and is freed by ws_http_parser_clear. */
typedef struct {
  uint8_t *buf;
  size_t len, alloc;
  uint8_t crlf_state;   /* progress through "\r\n\r\n" (also accepts "\n\n") */
  bool done;
} ws_http_parser;

enum {
  WS_HTTP_ERR_TOO_LONG = -1,   /* header block exceeds the cap */
};

void ws_http_parser_init (ws_http_parser *p);
/* Frees buf and leaves the parser as ws_http_parser_init does. */
void ws_http_parser_clear (ws_http_parser *p);

/* Push bytes.  Returns the number of bytes consumed (all of len unless the
 * end of the header block was reached, in which case the bytes after it are
 * not consumed and p->done is set), or WS_HTTP_ERR_TOO_LONG. */
ssize_t ws_http_feed (ws_http_parser *p, const uint8_t *data, size_t len,
                      size_t cap);

/* Length of the header block at the start of data, through the LF that ends
 * it (the end ws_http_feed finds for a fresh parser), or 0 when data does not
 * hold a whole block.  A block that arrives in one piece, the usual case,
 * can so be parsed where it lies instead of being gathered. */
size_t ws_http_block_len (const uint8_t *data, size_t len);

typedef struct {
  const char *p;
  size_t len;
} ws_slice;

#define WS_HTTP_MAX_HEADERS 64

/* The header fields a WebSocket handshake is read for.  ws_http_parse
 * recognises them (case-insensitively) as it goes, so that a caller needs no
 * search by name. */
typedef enum {
  WS_HDR_HOST = 0,
  WS_HDR_ORIGIN,
  WS_HDR_USER_AGENT,
  WS_HDR_SERVER,
  WS_HDR_UPGRADE,
  WS_HDR_SEC_WEBSOCKET_KEY,
  WS_HDR_SEC_WEBSOCKET_VERSION,
  WS_HDR_SEC_WEBSOCKET_PROTOCOL,
  WS_HDR_SEC_WEBSOCKET_EXTENSIONS,
  WS_HDR_SEC_WEBSOCKET_ACCEPT,
  WS_HDR_CONNECTION,
  /* client identity behind proxies (claimed, not trusted) */
  WS_HDR_X_FORWARDED_FOR,
  WS_HDR_FORWARDED,             /* RFC 7239 */
  WS_HDR_X_REAL_IP,
  WS_HDR_X_REQUEST_ID,
  WS_HDR_COUNT
} ws_hdr;

typedef struct {
  bool is_request;
  ws_slice method, target;       /* request */
  int version_minor;             /* HTTP/1.x */
  int status;                    /* response */
  ws_slice reason;               /* response */
  size_t n_headers;
  size_t headers_dropped;        /* beyond WS_HTTP_MAX_HEADERS */
  uint64_t known[WS_HDR_COUNT];  /* bit i set: name[i] is that ws_hdr */
  uint64_t folded;               /* bit i set: value[i] spans an obs-fold */
  /* the first n_headers entries are set, the others are left as they were
   * (not cleared: most of the message's size is here) */
  ws_slice name[WS_HTTP_MAX_HEADERS], value[WS_HTTP_MAX_HEADERS]; /* values trimmed */
} ws_http_msg;

/* Parse a complete header block (as gathered by ws_http_feed).  Slices point
 * into buf and live as long as it does.  Returns 0, or -1 if the start line is
 * not HTTP/1.x. */
int ws_http_parse (const uint8_t *buf, size_t len, ws_http_msg *msg);

/* ws_http_block_len and ws_http_parse in one pass, for a header block that
 * arrived in one piece: when data holds a whole header block at its start,
 * parses it into *msg, sets *rc to what ws_http_parse returns for that block
 * and returns its length; otherwise returns 0 (*msg and *rc are then
 * unspecified).  Reads no further than the end of the block, so a caller
 * bounds the block by passing at most that many bytes as len. */
size_t ws_http_parse_block (const uint8_t *data, size_t len, ws_http_msg *msg,
                            int *rc);

/* Cheap first look: do these bytes start like an HTTP request line ("GET ",
 * "POST ", ...) or response ("HTTP/")?  len may be short. */
bool ws_http_looks_like_request (const uint8_t *data, size_t len);
bool ws_http_looks_like_response (const uint8_t *data, size_t len);

/* Value of a header (case-insensitive name); repeated headers joined with
 * ", ".  Returns a g_malloc'd string or NULL when absent. */
char *ws_http_header (const ws_http_msg *msg, const char *name);

/* The same for a header ws_http_parse recognised, without a search. */
char *ws_http_header_get (const ws_http_msg *msg, ws_hdr h);

/* For a caller that keeps several values in one allocation:
 * ws_http_header_size is the room ws_http_header_copy needs for header h
 * (its NUL included; an upper bound, as joining may shorten the text), 0
 * when h is absent.  ws_http_header_copy writes the value ws_http_header_get
 * would return at *out, NUL-terminated, moves *out past that NUL (a NUL
 * inside the value ends the C string earlier) and returns
 * where it wrote; when h is absent it writes nothing and returns NULL. */
size_t ws_http_header_size_joined (const ws_http_msg *msg, ws_hdr h);
char *ws_http_header_copy_present (const ws_http_msg *msg, ws_hdr h, char **out);

/* Inline: a handshake asks for about twenty headers, a third of them absent,
 * and most of the others came once; only the rest costs a call. */
static inline size_t
ws_http_header_size (const ws_http_msg *msg, ws_hdr h)
{
  uint64_t which;

  if (msg == NULL || (unsigned) h >= WS_HDR_COUNT || (which = msg->known[h]) == 0)
    return 0;
  if ((which & (which - 1)) == 0)
    /* as the joined bound: the value, 2 for a separator, the NUL */
    return msg->value[__builtin_ctzll (which)].len + 3;
  return ws_http_header_size_joined (msg, h);
}

static inline char *
ws_http_header_copy (const ws_http_msg *msg, ws_hdr h, char **out)
{
  if (msg == NULL || (unsigned) h >= WS_HDR_COUNT || msg->known[h] == 0)
    return NULL;
  return ws_http_header_copy_present (msg, h, out);
}

/* ws_http_token_list_has on the joined value of header h, without
 * allocating for a value of ordinary size.  False when h is absent. */
bool ws_http_header_has_token (const ws_http_msg *msg, ws_hdr h,
                               const char *token);

/* a and b equal ignoring ASCII case, as g_ascii_strcasecmp (a, b) == 0 */
bool ws_ascii_caseeq (const char *a, const char *b);

/* Does a comma-separated header value contain token (case-insensitive)?
 * e.g. Connection: keep-alive, Upgrade */
bool ws_http_token_list_has (const char *value, const char *token);

/* RFC 7230 section 3.2.6 tchar, by byte value: 0 for any other byte, else
 * the byte in lower case (wsext.c reads tokens with it too). */
extern const uint8_t ws_http_tchar_lower[256];

static inline bool
ws_http_is_tchar (uint8_t c)
{
  return ws_http_tchar_lower[c] != 0;
}

/* optional white space (RFC 7230 section 3.2.3) */
static inline bool
ws_http_is_ows (uint8_t c)
{
  return c == ' ' || c == '\t';
}

#endif
