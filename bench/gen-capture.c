/* gen-capture.c - deterministic generator of large, realistic WebSocket
 * captures for the benchmark (bench/run.sh).
 *
 * What it writes: a classic pcap (Ethernet, microsecond timestamps) of N
 * concurrent WebSocket connections between clients 10.128.0.0/10 and four
 * servers 10.0.0.1-4 on ports 80 and 8080.  Every connection has a TCP
 * three-way handshake, a real RFC 6455 opening handshake (Sec-WebSocket-Accept
 * is SHA-1 + base64 of the key, computed here), then messages: mostly tiny,
 * some up to half a megabyte, text (JSON-like, valid UTF-8) or binary, some
 * fragmented, client frames masked (section 5.3), pings and pongs.  About a
 * third of the connections negotiate permessage-deflate (RFC 7692; half of
 * those with context takeover, half without) and their messages of 64 bytes
 * or more are really compressed: raw deflate, sync flush, the 00 00 ff ff
 * trailer stripped (section 7.2.1).
 *
 * TCP is what a capture at the server sees: segments of at most 1448 payload
 * bytes (MTU 1500 with the timestamp option), delayed ACKs every second
 * segment, and a little trouble: segments lost on the wire and retransmitted
 * later, spurious duplicates, swapped neighbours, and (only inside large
 * uncompressed messages) segments the capture missed although the receiver
 * acknowledged them.
 *
 * Every kind of ending: close 1000 and 1001 (either side, echoed), FIN with
 * no close frame (1006), RST (1006), close 1011 from the server, close 1009
 * after a client message that is too big, and connections still open when the
 * file ends.  An ended connection is replaced at once by a new one, so the
 * number open stays N.
 *
 * Packets of up to --slots actions (a handshake, a message, a ping and its
 * pong, an ending) are interleaved segment by segment, as on a busy link.
 * Nothing depends on the clock or the environment: the same options and seed
 * give the same bytes.  Memory is bounded by N (about 100 bytes a connection,
 * plus small deflaters) and the slots; the output is streamed.
 *
 * The summary (key value lines) says what was generated, so that wsclosed's
 * totals can be checked against it:
 *   end_1000 + end_1001 + end_1011 + end_1009 are close codes seen as such,
 *   end_fin + end_rst are close_code 1006 (tcp_end "fin" / "rst"),
 *   open are close_code null.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MSS 1448
#define MAX_SLOTS 1024
#define MAX_FLIGHTS 8
#define MAX_MSG (600 * 1024)
#define POOL_SIZE (MAX_MSG + 64 * 1024)

/* Trouble on the wire, per data segment. */
#define P_RETX 0.002      /* lost before the capture point, retransmitted */
#define P_DUP 0.001       /* captured twice (spurious retransmission) */
#define P_REORDER 0.002   /* swapped with the next segment */
#define P_CAPLOSS 0.0005  /* missed by the capture, acknowledged by the receiver */

/* ---- PRNG: xoshiro256**, seeded through splitmix64 -------------------- */

static uint64_t rs[4];

static uint64_t
rotl64 (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static void
rng_seed (uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    {
      uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      rs[i] = z ^ (z >> 31);
    }
}

static uint64_t
rnd (void)
{
  uint64_t r = rotl64 (rs[1] * 5, 7) * 9;
  uint64_t t = rs[1] << 17;
  rs[2] ^= rs[0];
  rs[3] ^= rs[1];
  rs[1] ^= rs[2];
  rs[0] ^= rs[3];
  rs[2] ^= t;
  rs[3] = rotl64 (rs[3], 45);
  return r;
}

/* Uniform in [0, n). */
static uint32_t
below (uint32_t n)
{
  return (uint32_t) (((rnd () >> 32) * (uint64_t) n) >> 32);
}

static double
unit (void)
{
  return (double) (rnd () >> 11) * 0x1.0p-53;
}

static bool
chance (double p)
{
  return unit () < p;
}

static size_t
loguniform (double lo, double hi)
{
  return (size_t) exp (log (lo) + unit () * (log (hi) - log (lo)));
}

/* ---- SHA-1 (FIPS 180-4) and base64, for Sec-WebSocket-Accept ------------ */

static uint32_t
rotl32 (uint32_t x, int k)
{
  return (x << k) | (x >> (32 - k));
}

static void
sha1_block (uint32_t h[5], const uint8_t *p)
{
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16
           | (uint32_t) p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 80; i++)
    w[i] = rotl32 (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++)
    {
      uint32_t f, k;
      if (i < 20)
        f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40)
        f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60)
        f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else
        f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t t = rotl32 (a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl32 (b, 30);
      b = a;
      a = t;
    }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

static void
sha1 (const uint8_t *msg, size_t len, uint8_t out[20])
{
  uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
  size_t i = 0;
  for (; i + 64 <= len; i += 64)
    sha1_block (h, msg + i);
  uint8_t tail[128] = { 0 };
  size_t rest = len - i;
  memcpy (tail, msg + i, rest);
  tail[rest] = 0x80;
  size_t tl = rest + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t) len * 8;
  for (int k = 0; k < 8; k++)
    tail[tl - 1 - k] = (uint8_t) (bits >> (8 * k));
  for (size_t j = 0; j < tl; j += 64)
    sha1_block (h, tail + j);
  for (int k = 0; k < 5; k++)
    {
      out[4 * k] = (uint8_t) (h[k] >> 24);
      out[4 * k + 1] = (uint8_t) (h[k] >> 16);
      out[4 * k + 2] = (uint8_t) (h[k] >> 8);
      out[4 * k + 3] = (uint8_t) h[k];
    }
}

static void
base64 (const uint8_t *in, size_t len, char *out)
{
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3)
    {
      uint32_t v = (uint32_t) in[i] << 16;
      if (i + 1 < len)
        v |= (uint32_t) in[i + 1] << 8;
      if (i + 2 < len)
        v |= in[i + 2];
      out[o++] = tab[(v >> 18) & 63];
      out[o++] = tab[(v >> 12) & 63];
      out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
      out[o++] = i + 2 < len ? tab[v & 63] : '=';
    }
  out[o] = 0;
}

static void
ws_accept (const char *key, char out[29])
{
  char buf[128];
  int n = snprintf (buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
  uint8_t d[20];
  sha1 ((const uint8_t *) buf, (size_t) n, d);
  base64 (d, 20, out);
}

/* ---- growable byte buffer ---------------------------------------------- */

typedef struct {
  uint8_t *p;
  size_t len, cap;
} buf;

static void *
xrealloc (void *p, size_t n)
{
  void *q = realloc (p, n);
  if (!q)
    {
      fprintf (stderr, "gen-capture: out of memory\n");
      exit (1);
    }
  return q;
}

static uint8_t *
buf_add (buf *b, size_t n)
{
  if (b->len + n > b->cap)
    {
      size_t c = b->cap ? b->cap : 4096;
      while (c < b->len + n)
        c *= 2;
      b->p = xrealloc (b->p, c);
      b->cap = c;
    }
  uint8_t *r = b->p + b->len;
  b->len += n;
  return r;
}

/* ---- model ------------------------------------------------------------- */

enum { C2S = 0, S2C = 1 };
enum { DEFL_NONE, DEFL_TAKEOVER, DEFL_NO_TAKEOVER };
enum { END_1000, END_1001, END_FIN, END_RST, END_1011, END_1009, N_ENDS };
static const char *end_names[N_ENDS] = { "end_1000", "end_1001", "end_fin", "end_rst",
                                         "end_1011", "end_1009" };
/* Percent of connections that end each way (if the file lasts long enough). */
static const int end_weights[N_ENDS] = { 40, 20, 12, 12, 8, 8 };

enum { ST_QUEUED, ST_OPEN };

typedef struct {
  uint32_t ip[2];       /* [C2S] client, [S2C] server */
  uint16_t port[2];
  uint32_t seq[2];      /* next sequence number each side sends */
  uint32_t tsoff[2];
  uint16_t ipid[2];
  uint8_t state, deflate, ending, busy;
  uint32_t msgs_left;
  z_stream *z[2];       /* context-takeover compressors, made on first use */
} conn;

enum { FL_SYN, FL_DATA, FL_FINS, FL_RST };

typedef struct {
  uint8_t kind, dir, lossable;
  size_t off, len;
} flight;

typedef struct {
  int conn;             /* -1: free */
  buf data;
  flight fl[MAX_FLIGHTS];
  int nfl, cur;
  size_t pos;           /* bytes of the current flight sent */
  unsigned segs;        /* segments of the current flight sent */
  bool retx;            /* a lost segment waits to be retransmitted */
  uint32_t retx_seq;
  const uint8_t *retx_p;
  size_t retx_len;
  int retx_wait;
  bool ends;            /* the action ends the connection */
  bool opens;
} slot;

static struct {
  uint64_t packets, connections, opened, deflate, ends[N_ENDS], open, messages,
      compressed, pings, retx, dup, reorder, caploss, frames;
} st;

static FILE *out;
static uint64_t out_bytes;
static double now_ns;
static double ns_per_byte;
static conn *conns;
static uint32_t nconns;
static uint32_t *queue;
static uint32_t q_head, q_len;
static uint64_t next_serial;
static z_stream zshared;
static uint8_t *cbuf;
static size_t cbuf_cap;
static uint8_t text_pool[POOL_SIZE], bin_pool[POOL_SIZE];
static double mean_msgs = 24;
static double deflate_frac = 1.0 / 3;

/* ---- pcap writer and packet builder -------------------------------------- */

static void
put16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static void
put32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static void
putle32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

static uint64_t
csum_add (uint64_t sum, const uint8_t *p, size_t n)
{
  size_t i = 0;
  for (; i + 1 < n; i += 2)
    sum += (uint32_t) p[i] << 8 | p[i + 1];
  if (i < n)
    sum += (uint32_t) p[i] << 8;
  return sum;
}

static uint16_t
csum_fold (uint64_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t) ~sum;
}

static void
write_out (const void *p, size_t n)
{
  if (fwrite (p, 1, n, out) != n)
    {
      fprintf (stderr, "gen-capture: write error: %s\n", strerror (errno));
      exit (1);
    }
  out_bytes += n;
}

static void
write_pcap_header (void)
{
  uint8_t h[24];
  putle32 (h, 0xa1b2c3d4);
  h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
  putle32 (h + 8, 0);
  putle32 (h + 12, 0);
  putle32 (h + 16, 262144);
  putle32 (h + 20, 1); /* LINKTYPE_ETHERNET */
  write_out (h, 24);
}

enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16 };

static const uint8_t mac_server[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t mac_gateway[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe };

/* One TCP packet from side dir of c; time advances by its length on a link
 * of the configured rate. */
static void
emit (conn *c, int dir, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *pl, size_t n)
{
  uint8_t f[16 + 14 + 20 + 40];
  uint8_t *eth = f + 16, *ip = eth + 14, *tcp = ip + 20;
  memcpy (eth, dir == C2S ? mac_server : mac_gateway, 6);
  memcpy (eth + 6, dir == C2S ? mac_gateway : mac_server, 6);
  put16 (eth + 12, 0x0800);

  size_t thl = (flags & TH_SYN) ? 40 : 32;
  size_t iplen = 20 + thl + n;
  ip[0] = 0x45;
  ip[1] = 0;
  put16 (ip + 2, (uint16_t) iplen);
  put16 (ip + 4, c->ipid[dir]++);
  put16 (ip + 6, 0x4000);
  ip[8] = dir == C2S ? 52 : 64;
  ip[9] = 6;
  put16 (ip + 10, 0);
  put32 (ip + 12, c->ip[dir]);
  put32 (ip + 16, c->ip[!dir]);
  put16 (ip + 10, csum_fold (csum_add (0, ip, 20)));

  put16 (tcp, c->port[dir]);
  put16 (tcp + 2, c->port[!dir]);
  put32 (tcp + 4, seq);
  put32 (tcp + 8, (flags & TH_ACK) ? ack : 0);
  tcp[12] = (uint8_t) ((thl / 4) << 4);
  tcp[13] = flags;
  put16 (tcp + 14, (flags & TH_SYN) ? 64240 : 502);
  put16 (tcp + 16, 0);
  put16 (tcp + 18, 0);
  uint32_t ms = (uint32_t) (now_ns / 1e6);
  uint8_t *o = tcp + 20;
  if (flags & TH_SYN)
    {
      o[0] = 2, o[1] = 4;
      put16 (o + 2, 1460);                 /* MSS */
      o[4] = 4, o[5] = 2;                  /* SACK permitted */
      o[6] = 8, o[7] = 10;                 /* timestamps */
      put32 (o + 8, ms + c->tsoff[dir]);
      put32 (o + 12, (flags & TH_ACK) ? ms + c->tsoff[!dir] : 0);
      o[16] = 1;                           /* NOP */
      o[17] = 3, o[18] = 3, o[19] = 7;     /* window scale 7 */
    }
  else
    {
      o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
      put32 (o + 4, ms + c->tsoff[dir]);
      put32 (o + 8, ms + c->tsoff[!dir]);
    }
  uint64_t sum = 0;
  sum = csum_add (sum, ip + 12, 8);
  sum += 6 + thl + n;
  sum = csum_add (sum, tcp, thl);
  sum = csum_add (sum, pl, n);
  put16 (tcp + 16, csum_fold (sum));

  size_t wire = 14 + iplen;
  now_ns += (double) (wire + 24) * ns_per_byte;
  uint64_t t = (uint64_t) now_ns / 1000;
  putle32 (f, (uint32_t) (t / 1000000));
  putle32 (f + 4, (uint32_t) (t % 1000000));
  putle32 (f + 8, (uint32_t) wire);
  putle32 (f + 12, (uint32_t) wire);
  write_out (f, 16 + 14 + 20 + thl);
  if (n)
    write_out (pl, n);
  st.packets++;
}

/* ---- payload content ----------------------------------------------------- */

static void
make_pools (void)
{
  static const char *words[] = {
    "price", "update", "user", "session", "market", "order", "status", "ok", "ticker",
    "volume", "chat", "message", "hello", "room", "typing", "presence", "online",
    "delta", "snapshot", "seq", "bid", "ask", "last", "change", "caf\xc3\xa9", "\xe2\x82\xac",
    "\xe6\x97\xa5\xe6\x9c\xac", "na\xc3\xafve", "stream", "event", "heartbeat",
  };
  size_t nw = sizeof words / sizeof words[0];
  size_t n = 0;
  while (n < POOL_SIZE - 512)
    {
      char rec[512];
      int k = snprintf (rec, sizeof rec,
                        "{\"type\":\"%s\",\"id\":%u,\"user\":\"user%u\",\"value\":%u.%02u,"
                        "\"text\":\"%s %s %s %s\",\"ts\":%u}\n",
                        words[below ((uint32_t) nw)], below (1000000), below (50000),
                        below (10000), below (100), words[below ((uint32_t) nw)],
                        words[below ((uint32_t) nw)], words[below ((uint32_t) nw)],
                        words[below ((uint32_t) nw)], 1700000000u + below (10000000));
      memcpy (text_pool + n, rec, (size_t) k);
      n += (size_t) k;
    }
  memset (text_pool + n, ' ', POOL_SIZE - n);
  for (size_t i = 0; i < POOL_SIZE; i += 8)
    {
      uint64_t v = rnd ();
      memcpy (bin_pool + i, &v, 8);
    }
}

/* A slice of about n bytes of the text pool that starts and ends on
 * character boundaries (so the message is valid UTF-8). */
static const uint8_t *
text_slice (size_t n, size_t *len)
{
  size_t s = below ((uint32_t) (POOL_SIZE - n - 8));
  while ((text_pool[s] & 0xc0) == 0x80)
    s++;
  size_t e = s + n;
  while ((text_pool[e] & 0xc0) == 0x80)
    e++;
  *len = e - s;
  return text_pool + s;
}

/* ---- building actions ------------------------------------------------------ */

static flight *
add_flight (slot *s, int kind, int dir)
{
  flight *f = &s->fl[s->nfl++];
  f->kind = (uint8_t) kind;
  f->dir = (uint8_t) dir;
  f->lossable = 0;
  f->off = s->data.len;
  f->len = 0;
  return f;
}

/* Append one frame to the flight being built (the last one). */
static void
add_frame (slot *s, int dir, int fin, int rsv1, int opcode, const uint8_t *pl, size_t n)
{
  uint8_t h[14];
  size_t hl = 2;
  h[0] = (uint8_t) ((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
  uint8_t mask = dir == C2S ? 0x80 : 0;
  if (n < 126)
    h[1] = (uint8_t) (mask | n);
  else if (n < 65536)
    {
      h[1] = mask | 126;
      put16 (h + 2, (uint16_t) n);
      hl = 4;
    }
  else
    {
      h[1] = mask | 127;
      put32 (h + 2, 0);
      put32 (h + 6, (uint32_t) n);
      hl = 10;
    }
  uint8_t key[4] = { 0 };
  if (mask)
    {
      uint32_t k = (uint32_t) rnd ();
      memcpy (key, &k, 4);
      memcpy (h + hl, key, 4);
      hl += 4;
    }
  uint8_t *d = buf_add (&s->data, hl + n);
  memcpy (d, h, hl);
  if (mask)
    for (size_t i = 0; i < n; i++)
      d[hl + i] = pl[i] ^ key[i & 3];
  else if (n)
    memcpy (d + hl, pl, n);
  s->fl[s->nfl - 1].len += hl + n;
  st.frames++;
}

static z_stream *
new_deflater (int window_bits, int mem_level)
{
  z_stream *z = calloc (1, sizeof *z);
  if (!z || deflateInit2 (z, 6, Z_DEFLATED, -window_bits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
    {
      fprintf (stderr, "gen-capture: deflateInit2 failed\n");
      exit (1);
    }
  return z;
}

static void
free_deflaters (conn *c)
{
  for (int d = 0; d < 2; d++)
    if (c->z[d])
      {
        deflateEnd (c->z[d]);
        free (c->z[d]);
        c->z[d] = NULL;
      }
}

/* Compress a message as permessage-deflate does: sync flush, trailer cut. */
static const uint8_t *
compress_msg (conn *c, int dir, const uint8_t *pl, size_t n, size_t *outlen)
{
  z_stream *z;
  if (c->deflate == DEFL_TAKEOVER)
    {
      /* The compressor may use a smaller window than negotiated (RFC 7692
       * 7.1.2); 512 bytes keeps 100k connections' deflaters small. */
      if (!c->z[dir])
        c->z[dir] = new_deflater (9, 2);
      z = c->z[dir];
    }
  else
    {
      z = &zshared;
      deflateReset (z);
    }
  size_t need = deflateBound (z, (uLong) n) + 64;
  if (need > cbuf_cap)
    {
      cbuf = xrealloc (cbuf, need);
      cbuf_cap = need;
    }
  z->next_in = (Bytef *) pl;
  z->avail_in = (uInt) n;
  z->next_out = cbuf;
  z->avail_out = (uInt) cbuf_cap;
  if (deflate (z, Z_SYNC_FLUSH) != Z_OK || z->avail_in != 0)
    {
      fprintf (stderr, "gen-capture: deflate failed\n");
      exit (1);
    }
  size_t m = cbuf_cap - z->avail_out;
  if (m >= 4 && memcmp (cbuf + m - 4, "\x00\x00\xff\xff", 4) == 0)
    m -= 4;
  *outlen = m;
  return cbuf;
}

static void
add_message (slot *s, conn *c, int dir, bool text, size_t size, int nfrag)
{
  size_t n;
  const uint8_t *pl;
  if (text)
    pl = text_slice (size, &n);
  else
    {
      n = size;
      pl = bin_pool + below ((uint32_t) (POOL_SIZE - n));
    }
  bool rsv1 = false;
  if (c->deflate != DEFL_NONE && n >= 64)
    {
      pl = compress_msg (c, dir, pl, n, &n);
      rsv1 = true;
      st.compressed++;
    }
  flight *f = add_flight (s, FL_DATA, dir);
  f->lossable = !rsv1 && nfrag == 1 && n > 3 * MSS;
  size_t off = 0;
  for (int i = 0; i < nfrag; i++)
    {
      size_t part = i == nfrag - 1 ? n - off : n / (size_t) nfrag;
      add_frame (s, dir, i == nfrag - 1, rsv1 && i == 0, i == 0 ? (text ? 1 : 2) : 0, pl + off,
                 part);
      off += part;
    }
  st.messages++;
}

static void
add_close (slot *s, int dir, unsigned code, const char *reason)
{
  uint8_t b[128];
  size_t rl = strlen (reason);
  put16 (b, (uint16_t) code);
  memcpy (b + 2, reason, rl);
  add_flight (s, FL_DATA, dir);
  add_frame (s, dir, 1, 0, 8, b, 2 + rl);
}

static size_t msg_lo, msg_hi;

static size_t
message_size (void)
{
  if (msg_hi)
    return loguniform ((double) msg_lo, (double) msg_hi);
  double u = unit ();
  if (u < 0.65)
    return 2 + below (118);
  if (u < 0.95)
    return loguniform (120, 4096);
  if (u < 0.998)
    return loguniform (4096, 65536);
  return loguniform (65536, 512 * 1024);
}

static void
build_handshake (slot *s, conn *c)
{
  static const char *paths[] = { "/ws", "/socket.io/?EIO=4&transport=websocket", "/chat?room=",
                                 "/graphql", "/v1/stream" };
  static const char *agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "okhttp/4.12.0",
    "Python/3.11 websockets/10.4",
  };
  add_flight (s, FL_SYN, C2S);

  uint8_t kb[16];
  for (int i = 0; i < 16; i += 8)
    {
      uint64_t v = rnd ();
      memcpy (kb + i, &v, 8);
    }
  char key[32], accept[32];
  base64 (kb, 16, key);
  ws_accept (key, accept);
  uint32_t pi = below (5);
  bool graphql = pi == 3;
  char room[16] = "";
  if (pi == 2)
    snprintf (room, sizeof room, "%u", below (1000));
  char host[64];
  if (c->port[S2C] == 80)
    snprintf (host, sizeof host, "rt%u.example.test", c->ip[S2C] & 0xff);
  else
    snprintf (host, sizeof host, "rt%u.example.test:%u", c->ip[S2C] & 0xff, c->port[S2C]);
  char req[1024];
  int n = snprintf (req, sizeof req,
                    "GET %s%s HTTP/1.1\r\n"
                    "Host: %s\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Sec-WebSocket-Key: %s\r\n"
                    "Sec-WebSocket-Version: 13\r\n"
                    "Origin: https://app.example.test\r\n"
                    "User-Agent: %s\r\n"
                    "%s"
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                    "\r\n",
                    paths[pi], room, host, key, agents[below (4)],
                    graphql ? "Sec-WebSocket-Protocol: graphql-transport-ws\r\n" : "");
  add_flight (s, FL_DATA, C2S);
  memcpy (buf_add (&s->data, (size_t) n), req, (size_t) n);
  s->fl[s->nfl - 1].len = (size_t) n;

  const char *ext = "";
  if (c->deflate == DEFL_TAKEOVER)
    ext = "Sec-WebSocket-Extensions: permessage-deflate\r\n";
  else if (c->deflate == DEFL_NO_TAKEOVER)
    ext = "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
          "client_no_context_takeover\r\n";
  char resp[512];
  n = snprintf (resp, sizeof resp,
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                "Sec-WebSocket-Accept: %s\r\n"
                "%s%s"
                "Server: benchd/1.0\r\n"
                "\r\n",
                accept, ext, graphql ? "Sec-WebSocket-Protocol: graphql-transport-ws\r\n" : "");
  add_flight (s, FL_DATA, S2C);
  memcpy (buf_add (&s->data, (size_t) n), resp, (size_t) n);
  s->fl[s->nfl - 1].len = (size_t) n;
  s->opens = true;
}

static void
build_ending (slot *s, conn *c)
{
  static const char *reasons_1000[] = { "", "bye", "done", "normal closure", "client logout" };
  s->ends = true;
  switch (c->ending)
    {
    case END_1000:
      {
        int side = below (2);
        add_close (s, side, 1000, reasons_1000[below (5)]);
        add_close (s, !side, 1000, "");
        add_flight (s, FL_FINS, S2C);
        break;
      }
    case END_1001:
      {
        int side = chance (0.6) ? C2S : S2C;
        add_close (s, side, 1001, side == C2S ? "" : "server shutting down");
        add_close (s, !side, 1001, "");
        add_flight (s, FL_FINS, S2C);
        break;
      }
    case END_FIN:
      add_flight (s, FL_FINS, below (2));
      break;
    case END_RST:
      add_flight (s, FL_RST, below (2));
      break;
    case END_1011:
      add_close (s, S2C, 1011, chance (0.5) ? "internal error" : "");
      add_close (s, C2S, 1011, "");
      add_flight (s, FL_FINS, S2C);
      break;
    case END_1009:
      add_message (s, c, C2S, true, 200 * 1024 + below (300 * 1024), 1);
      add_close (s, S2C, 1009, "message too big");
      add_close (s, C2S, 1009, "");
      add_flight (s, FL_FINS, S2C);
      break;
    }
}

static void
build_action (slot *s, conn *c)
{
  s->data.len = 0;
  s->nfl = s->cur = 0;
  s->pos = 0;
  s->segs = 0;
  s->retx = false;
  s->ends = s->opens = false;
  if (c->state == ST_QUEUED)
    {
      build_handshake (s, c);
      return;
    }
  if (c->msgs_left == 0)
    {
      build_ending (s, c);
      return;
    }
  c->msgs_left--;
  double u = unit ();
  if (u < 0.06)
    {
      uint8_t p[8];
      uint64_t v = rnd ();
      memcpy (p, &v, 8);
      add_flight (s, FL_DATA, S2C);
      add_frame (s, S2C, 1, 0, 9, p, 8);
      add_flight (s, FL_DATA, C2S);
      add_frame (s, C2S, 1, 0, 10, p, 8);
      st.pings++;
    }
  else if (u < 0.08)
    {
      add_flight (s, FL_DATA, C2S);
      add_frame (s, C2S, 1, 0, 9, NULL, 0);
      add_flight (s, FL_DATA, S2C);
      add_frame (s, S2C, 1, 0, 10, NULL, 0);
      st.pings++;
    }
  else
    {
      size_t size = message_size ();
      int nfrag = size > 16384 && chance (0.3) ? 2 + (int) below (3) : 1;
      add_message (s, c, chance (0.6) ? S2C : C2S, chance (0.8), size, nfrag);
    }
}

/* ---- connections ------------------------------------------------------------ */

static void
new_conn (uint32_t i)
{
  conn *c = &conns[i];
  free_deflaters (c);
  memset (c, 0, sizeof *c);
  uint64_t k = next_serial++;
  c->ip[C2S] = (10u << 24) | ((128u + ((k >> 16) & 63)) << 16) | (uint32_t) (k & 0xffff);
  c->port[C2S] = (uint16_t) (1024 + ((below (64000) + (k >> 22)) % 64000));
  c->ip[S2C] = (10u << 24) | (1 + below (4));
  c->port[S2C] = chance (0.5) ? 80 : 8080;
  c->seq[C2S] = (uint32_t) rnd ();
  c->seq[S2C] = (uint32_t) rnd ();
  c->tsoff[C2S] = (uint32_t) rnd ();
  c->tsoff[S2C] = (uint32_t) rnd ();
  c->ipid[C2S] = (uint16_t) rnd ();
  c->ipid[S2C] = (uint16_t) rnd ();
  c->state = ST_QUEUED;
  if (chance (deflate_frac))
    c->deflate = chance (0.5) ? DEFL_TAKEOVER : DEFL_NO_TAKEOVER;
  c->msgs_left = (uint32_t) floor (-log (1 - unit ()) * mean_msgs);
  uint32_t w = below (100), acc = 0;
  for (int e = 0; e < N_ENDS; e++)
    {
      acc += (uint32_t) end_weights[e];
      if (w < acc)
        {
          c->ending = (uint8_t) e;
          break;
        }
    }
  queue[(q_head + q_len) % nconns] = i;
  q_len++;
}

/* ---- emitting a slot's action, one step (one data segment) at a time -------- */

static void
pure_ack (conn *c, int from, uint32_t ack)
{
  emit (c, from, TH_ACK, c->seq[from], ack, NULL, 0);
}

static void
data_seg (conn *c, int dir, uint32_t seq, const uint8_t *p, size_t n, bool psh)
{
  emit (c, dir, TH_ACK | (psh ? TH_PSH : 0), seq, c->seq[!dir], p, n);
}

static void
step (slot *s)
{
  conn *c = &conns[s->conn];
  flight *f = &s->fl[s->cur];
  int d = f->dir;
  switch (f->kind)
    {
    case FL_SYN:
      emit (c, C2S, TH_SYN, c->seq[C2S], 0, NULL, 0);
      c->seq[C2S]++;
      emit (c, S2C, TH_SYN | TH_ACK, c->seq[S2C], c->seq[C2S], NULL, 0);
      c->seq[S2C]++;
      pure_ack (c, C2S, c->seq[S2C]);
      s->cur++;
      return;
    case FL_FINS:
      emit (c, d, TH_FIN | TH_ACK, c->seq[d], c->seq[!d], NULL, 0);
      c->seq[d]++;
      emit (c, !d, TH_FIN | TH_ACK, c->seq[!d], c->seq[d], NULL, 0);
      c->seq[!d]++;
      pure_ack (c, d, c->seq[!d]);
      s->cur++;
      return;
    case FL_RST:
      emit (c, d, TH_RST | TH_ACK, c->seq[d], c->seq[!d], NULL, 0);
      s->cur++;
      return;
    default:
      break;
    }

  const uint8_t *base = s->data.p + f->off;
  size_t n = f->len - s->pos < MSS ? f->len - s->pos : MSS;
  const uint8_t *p = base + s->pos;
  uint32_t seq = c->seq[d];
  bool first = s->pos == 0;
  bool last = s->pos + n == f->len;
  double u = unit ();
  if (!first && !last && f->lossable && u < P_CAPLOSS)
    st.caploss++;
  else if (!s->retx && !last && u < P_CAPLOSS + P_RETX)
    {
      s->retx = true;
      s->retx_seq = seq;
      s->retx_p = p;
      s->retx_len = n;
      s->retx_wait = 2 + (int) below (3);
    }
  else if (!last && u < P_CAPLOSS + P_RETX + P_REORDER)
    {
      size_t n2 = f->len - s->pos - n < MSS ? f->len - s->pos - n : MSS;
      last = s->pos + n + n2 == f->len;
      data_seg (c, d, seq + (uint32_t) n, p + n, n2, last);
      data_seg (c, d, seq, p, n, false);
      n += n2;
      st.reorder++;
    }
  else
    {
      data_seg (c, d, seq, p, n, last);
      if (chance (P_DUP))
        {
          data_seg (c, d, seq, p, n, last);
          st.dup++;
        }
    }
  c->seq[d] += (uint32_t) n;
  s->pos += n;
  s->segs++;
  if (s->retx && (--s->retx_wait <= 0 || last))
    {
      data_seg (c, d, s->retx_seq, s->retx_p, s->retx_len, false);
      s->retx = false;
      st.retx++;
    }
  if (last)
    {
      /* Delayed ACK, unless the receiver answers with data at once. */
      bool reply = s->cur + 1 < s->nfl && s->fl[s->cur + 1].dir != d;
      if (!reply)
        pure_ack (c, !d, c->seq[d]);
      s->cur++;
      s->pos = 0;
      s->segs = 0;
    }
  else if (s->segs % 2 == 0)
    pure_ack (c, !d, s->retx ? s->retx_seq : c->seq[d]);
}

/* ---- main --------------------------------------------------------------------- */

static uint64_t
parse_size (const char *s)
{
  char *e;
  double v = strtod (s, &e);
  switch (*e)
    {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    case 0: case ':': break;
    default:
      fprintf (stderr, "gen-capture: bad size \"%s\"\n", s);
      exit (1);
    }
  return (uint64_t) v;
}

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: gen-capture [options] -o FILE\n"
           "  --conns N        connections open at once (default 1000)\n"
           "  --bytes SIZE     target file size, e.g. 200M, 1G (default 100M)\n"
           "  --seed N         PRNG seed (default 1)\n"
           "  --deflate F      fraction of connections with permessage-deflate (default 0.333)\n"
           "  --msgs N         mean messages per connection before it ends (default 24)\n"
           "  --rate MBIT      link rate that spaces the timestamps (default 50)\n"
           "  --slots N        actions interleaved at once (default 64)\n"
           "  --msg-size LO:HI message sizes log-uniform in [LO, HI] instead of the mix\n"
           "  -o FILE          output pcap (- for standard output)\n");
}

int
main (int argc, char **argv)
{
  static const struct option lo[] = {
    { "conns", required_argument, 0, 'n' }, { "bytes", required_argument, 0, 'b' },
    { "seed", required_argument, 0, 's' },  { "deflate", required_argument, 0, 'd' },
    { "msgs", required_argument, 0, 'm' },  { "rate", required_argument, 0, 'r' },
    { "slots", required_argument, 0, 'k' }, { "output", required_argument, 0, 'o' },
    { "msg-size", required_argument, 0, 'z' }, { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 },
  };
  uint64_t target = 100ull << 20, seed = 1;
  unsigned long n = 1000, nslots = 64;
  double rate = 50;
  const char *path = NULL;
  int o;
  while ((o = getopt_long (argc, argv, "o:h", lo, NULL)) != -1)
    switch (o)
      {
      case 'n': n = strtoul (optarg, NULL, 10); break;
      case 'b': target = parse_size (optarg); break;
      case 's': seed = strtoull (optarg, NULL, 10); break;
      case 'd': deflate_frac = atof (optarg); break;
      case 'm': mean_msgs = atof (optarg); break;
      case 'r': rate = atof (optarg); break;
      case 'k': nslots = strtoul (optarg, NULL, 10); break;
      case 'o': path = optarg; break;
      case 'z':
        {
          const char *c = strchr (optarg, ':');
          msg_lo = parse_size (optarg);
          msg_hi = c ? parse_size (c + 1) : 0;
          break;
        }
      case 'h': usage (stdout); return 0;
      default: usage (stderr); return 1;
      }
  if (msg_hi > MAX_MSG)
    msg_hi = MAX_MSG;
  if (!path || (msg_hi && (msg_lo < 2 || msg_lo > msg_hi)) || n < 1 || n > 4000000 || nslots < 1 || rate <= 0 || mean_msgs < 0)
    {
      usage (stderr);
      return 1;
    }
  if (nslots > MAX_SLOTS)
    nslots = MAX_SLOTS;
  if (nslots > n)
    nslots = n;

  /* RFC 6455 section 1.3's example, to be sure of the SHA-1. */
  char acc[32];
  ws_accept ("dGhlIHNhbXBsZSBub25jZQ==", acc);
  if (strcmp (acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0)
    {
      fprintf (stderr, "gen-capture: SHA-1 self-test failed\n");
      return 1;
    }

  bool to_stdout = strcmp (path, "-") == 0;
  out = to_stdout ? stdout : fopen (path, "wb");
  if (!out)
    {
      fprintf (stderr, "gen-capture: %s: %s\n", path, strerror (errno));
      return 1;
    }
  setvbuf (out, NULL, _IOFBF, 1 << 20);
  FILE *info = to_stdout ? stderr : stdout;

  rng_seed (seed);
  ns_per_byte = 8000.0 / rate; /* at rate Mbit/s */
  now_ns = 1700000000.0 * 1e9;
  if (deflateInit2 (&zshared, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return 1;
  make_pools ();
  nconns = (uint32_t) n;
  conns = calloc (nconns, sizeof *conns);
  queue = calloc (nconns, sizeof *queue);
  slot *slots = calloc (nslots, sizeof *slots);
  if (!conns || !queue || !slots)
    {
      fprintf (stderr, "gen-capture: out of memory\n");
      return 1;
    }
  for (uint32_t i = 0; i < nconns; i++)
    new_conn (i);
  for (unsigned long i = 0; i < nslots; i++)
    slots[i].conn = -1;

  write_pcap_header ();
  unsigned long busy = 0;
  bool draining = false;
  for (;;)
    {
      if (out_bytes >= target)
        draining = true;
      if (draining && busy == 0)
        break;
      slot *s = &slots[below ((uint32_t) nslots)];
      if (s->conn < 0)
        {
          if (draining)
            continue;
          uint32_t i;
          if (q_len)
            {
              i = queue[q_head];
              q_head = (q_head + 1) % nconns;
              q_len--;
            }
          else
            {
              do
                i = below (nconns);
              while (conns[i].busy);
            }
          s->conn = (int) i;
          conns[i].busy = 1;
          busy++;
          build_action (s, &conns[i]);
        }
      step (s);
      if (s->cur == s->nfl)
        {
          conn *c = &conns[s->conn];
          c->busy = 0;
          busy--;
          if (s->opens)
            {
              c->state = ST_OPEN;
              st.opened++;
              if (c->deflate)
                st.deflate++;
            }
          if (s->ends)
            {
              st.ends[c->ending]++;
              new_conn ((uint32_t) s->conn);
            }
          s->conn = -1;
        }
    }
  for (uint32_t i = 0; i < nconns; i++)
    if (conns[i].state == ST_OPEN)
      st.open++;
  if (fflush (out) != 0 || (!to_stdout && fclose (out) != 0))
    {
      fprintf (stderr, "gen-capture: %s: %s\n", path, strerror (errno));
      return 1;
    }

  fprintf (info, "seed %llu\nconns %lu\nfile_bytes %llu\npackets %llu\nconnections %llu\n"
                 "deflate %llu\n",
           (unsigned long long) seed, n, (unsigned long long) out_bytes,
           (unsigned long long) st.packets, (unsigned long long) st.opened,
           (unsigned long long) st.deflate);
  for (int e = 0; e < N_ENDS; e++)
    fprintf (info, "%s %llu\n", end_names[e], (unsigned long long) st.ends[e]);
  fprintf (info, "open %llu\nmessages %llu\ncompressed_messages %llu\nframes %llu\npings %llu\n"
                 "retransmitted %llu\nduplicated %llu\nreordered %llu\ncapture_lost %llu\n"
                 "duration_s %.3f\n",
           (unsigned long long) st.open, (unsigned long long) st.messages,
           (unsigned long long) st.compressed, (unsigned long long) st.frames,
           (unsigned long long) st.pings, (unsigned long long) st.retx,
           (unsigned long long) st.dup, (unsigned long long) st.reorder,
           (unsigned long long) st.caploss, (now_ns - 1700000000.0 * 1e9) / 1e9);
  for (uint32_t i = 0; i < nconns; i++)
    free_deflaters (&conns[i]);
  deflateEnd (&zshared);
  for (unsigned long i = 0; i < nslots; i++)
    free (slots[i].data.p);
  free (slots);
  free (conns);
  free (queue);
  free (cbuf);
  return 0;
}
