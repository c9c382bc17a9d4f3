/* ipfrag.c - IP fragment reassembly (RFC 791 section 3.2, RFC 8200 section
 * 4.5, RFC 6946 atomic fragments).  See ipfrag.h for the policy.
 *
 * One record per datagram, found by a hash of its key and linked in an age
 * list (oldest first) for the timeout and for eviction.  Its buffer keeps the
 * payload at HDR_ROOM, with the header of the offset-0 fragment copied just
 * in front of it, so the finished datagram is one contiguous IP packet:
 *
 *   buf: | ...unused... | IP header (+ IPv6 ext headers) | payload 0 .. total |
 *                       ^ buf + HDR_ROOM - hdr_len      ^ buf + HDR_ROOM
 *
 * Which 8-byte blocks of the payload are present is a bitmap: every fragment
 * but the last starts and ends on a multiple of 8 (the last one ends at the
 * datagram's end), so blocks are exact.
 */
#include "config.h"

#include <string.h>
#include <glib.h>

#include "ipfrag.h"

#define MAX_PAYLOAD 65535u
#define HDR_ROOM 512u                  /* IPv4 header or IPv6 unfragmentable part */
#define BLOCKS ((MAX_PAYLOAD + 8) / 8)  /* 8-byte blocks in a payload */

typedef struct {
  uint8_t version, proto;   /* proto: IPv4 only (0 for IPv6) */
  uint8_t pad[2];
  uint32_t id;
  uint8_t src[16], dst[16];
  uint32_t tunnel;          /* the tunnels the fragments came through */
} frag_key;

typedef struct dgram dgram;
struct dgram {
  frag_key key;
  dgram *older, *newer;     /* age list */
  int64_t first_us;         /* capture time of the first fragment */
  uint8_t *buf;             /* HDR_ROOM + cap bytes; NULL once given up */
  uint32_t cap;             /* payload bytes buf can hold */
  uint32_t total;           /* payload length, once the last fragment came */
  uint32_t max_end;         /* highest payload end seen */
  uint32_t hdr_len, nh_pos; /* from the offset-0 fragment */
  uint32_t nfrags;
  uint32_t blocks_have;     /* bits set in have */
  uint8_t nh;               /* IPv6: Next Header of the offset-0 fragment */
  bool have_total, have_first, dead;
  bool listed;              /* in the table and the age list */
  uint8_t have[(BLOCKS + 7) / 8];
};

struct ws_ipfrag {
  ws_ipfrag_opts opts;
  GHashTable *table;        /* frag_key * -> dgram * (key inside the dgram) */
  dgram *oldest, *newest;
  size_t held;              /* bytes taken by the records in the table */
  dgram *done;              /* the datagram last handed out */
  ws_ipfrag_stats stats;
};

void
ws_ipfrag_opts_init (ws_ipfrag_opts *o)
{
  o->max_bytes = 4u << 20;
  o->max_frags = 128;
  o->timeout_us = 30 * G_USEC_PER_SEC;
}

static guint
key_hash (gconstpointer p)
{
  const uint8_t *b = p;
  guint32 h = 2166136261u;   /* FNV-1a */
  for (size_t i = 0; i < sizeof (frag_key); i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (frag_key)) == 0;
}

static size_t
cost (const dgram *d)
{
  return sizeof (dgram) + (d->buf ? HDR_ROOM + d->cap : 0);
}

static void
dgram_free (dgram *d)
{
  if (!d)
    return;
  g_free (d->buf);
  g_free (d);
}

ws_ipfrag *
ws_ipfrag_new (const ws_ipfrag_opts *o)
{
  ws_ipfrag *f = g_new0 (ws_ipfrag, 1);
  f->opts = *o;
  /* one datagram of the largest size must always fit */
  if (f->opts.max_bytes < 256 * 1024)
    f->opts.max_bytes = 256 * 1024;
  if (f->opts.max_frags == 0)
    f->opts.max_frags = 1;
  f->table = g_hash_table_new (key_hash, key_equal);
  return f;
}

void
ws_ipfrag_free (ws_ipfrag *f)
{
  if (!f)
    return;
  dgram *d = f->oldest;
  while (d)
    {
      dgram *n = d->newer;
      dgram_free (d);
      d = n;
    }
  dgram_free (f->done);
  g_hash_table_destroy (f->table);
  g_free (f);
}

size_t
ws_ipfrag_pending (const ws_ipfrag *f)
{
  return g_hash_table_size (f->table);
}

size_t
ws_ipfrag_held_bytes (const ws_ipfrag *f)
{
  return f->held;
}

size_t
ws_ipfrag_incomplete (const ws_ipfrag *f)
{
  size_t n = 0;
  for (const dgram *d = f->oldest; d; d = d->newer)
    if (!d->dead)
      n++;
  return n;
}

const ws_ipfrag_stats *
ws_ipfrag_get_stats (const ws_ipfrag *f)
{
  return &f->stats;
}

/* Out of the table and the age list; the caller frees or keeps it. */
static void
unlink_dgram (ws_ipfrag *f, dgram *d)
{
  g_hash_table_remove (f->table, &d->key);
  if (d->older)
    d->older->newer = d->newer;
  else
    f->oldest = d->newer;
  if (d->newer)
    d->newer->older = d->older;
  else
    f->newest = d->older;
  d->older = d->newer = NULL;
  d->listed = false;
  f->held -= cost (d);
}

static void
drop (ws_ipfrag *f, dgram *d)
{
  unlink_dgram (f, d);
  dgram_free (d);
}

/* Give up on a datagram but remember its key, so that its remaining
 * fragments are swallowed rather than start a new one; it leaves with the
 * timeout (or eviction). */
static void
give_up (ws_ipfrag *f, dgram *d)
{
  f->held -= cost (d);
  g_free (d->buf);
  d->buf = NULL;
  d->cap = 0;
  d->dead = true;
  f->held += cost (d);
}

static void
expire (ws_ipfrag *f, int64_t now_us)
{
  while (f->oldest && f->oldest->first_us + f->opts.timeout_us < now_us)
    {
      if (!f->oldest->dead)
        f->stats.timed_out++;
      drop (f, f->oldest);
    }
}

/* Make room for `extra` more bytes, oldest first, sparing `keep`. */
static void
evict_for (ws_ipfrag *f, size_t extra, const dgram *keep)
{
  dgram *d = f->oldest;
  while (d && f->held + extra > f->opts.max_bytes)
    {
      dgram *n = d->newer;
      if (d != keep)
        {
          if (!d->dead)
            f->stats.evicted++;
          drop (f, d);
        }
      d = n;
    }
}

static dgram *
create (ws_ipfrag *f, const frag_key *k, int64_t ts_us)
{
  evict_for (f, sizeof (dgram), NULL);
  dgram *d = g_new0 (dgram, 1);
  d->key = *k;
  d->first_us = ts_us;
  d->older = f->newest;
  if (f->newest)
    f->newest->newer = d;
  else
    f->oldest = d;
  f->newest = d;
  g_hash_table_insert (f->table, &d->key, d);
  d->listed = true;
  f->held += cost (d);
  return d;
}

/* Room for payload bytes up to `end` (<= MAX_PAYLOAD). */
static void
reserve (ws_ipfrag *f, dgram *d, uint32_t end)
{
  if (d->buf && end <= d->cap)
    return;
  uint32_t cap = d->have_total ? d->total : end;
  if (d->buf && !d->have_total)
    {
      /* grow by doubling so a datagram in order costs few reallocations */
      uint32_t twice = d->cap > MAX_PAYLOAD / 2 ? MAX_PAYLOAD : d->cap * 2;
      if (twice > cap)
        cap = twice;
    }
  if (cap < end)
    cap = end;
  size_t grow = (size_t) cap - d->cap + (d->buf ? 0 : HDR_ROOM);
  evict_for (f, grow, d);
  d->buf = g_realloc (d->buf, HDR_ROOM + (size_t) cap);
  f->held += grow;
  d->cap = cap;
}

static inline bool
has_block (const dgram *d, uint32_t b)
{
  return (d->have[b >> 3] >> (b & 7)) & 1;
}

static uint32_t
blocks_for (uint32_t len)
{
  return (len + 7) / 8;
}

static inline void
put16 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

/* The datagram is whole: fill in the header in front of the payload. */
static const uint8_t *
finish (ws_ipfrag *f, dgram *d, uint32_t *len)
{
  uint8_t *h = d->buf + HDR_ROOM - d->hdr_len;
  if (d->key.version == 4)
    {
      put16 (h + 2, d->hdr_len + d->total);
      put16 (h + 6, 0);   /* no longer a fragment */
      put16 (h + 10, 0);  /* checksum: not verified anywhere, not recomputed */
    }
  else
    {
      put16 (h + 4, d->hdr_len - 40 + d->total);
      h[d->nh_pos] = d->nh;  /* the Fragment header is gone */
    }
  if (d->listed)
    unlink_dgram (f, d);
  f->done = d;
  f->stats.reassembled++;
  *len = d->hdr_len + d->total;
  return h;
}

static bool
ipv6_may_be_tcp (uint8_t nh)
{
  switch (nh)
    {
    case 6: case 43: case 51: case 60: case 135:
    case 4: case 41: case 47: case 97: case 137:   /* may carry TCP in a tunnel */
      return true;
    default:
      return false;
    }
}

/* An IPv6 atomic fragment (offset 0, M clear; RFC 6946): a datagram of its
 * own, never mixed with fragments of the same ID, never in the table. */
static const uint8_t *
atomic (ws_ipfrag *f, const ws_ip_fragment *fr, uint32_t *len, ws_decode_result *r)
{
  if (fr->data_caplen < fr->data_len)
    {
      f->stats.truncated++;
      *r = WS_DEC_TRUNCATED;
      return NULL;
    }
  if (!ipv6_may_be_tcp (fr->proto))
    {
      f->stats.not_tcp++;
      *r = WS_DEC_NOT_TCP;
      return NULL;
    }
  dgram *d = g_new0 (dgram, 1);
  d->key.version = 6;
  d->buf = g_malloc (HDR_ROOM + (size_t) fr->data_len);
  d->cap = d->total = fr->data_len;
  d->hdr_len = fr->hdr_len;
  d->nh_pos = fr->nh_pos;
  d->nh = fr->proto;
  memcpy (d->buf + HDR_ROOM - fr->hdr_len, fr->hdr, fr->hdr_len);
  memcpy (d->buf + HDR_ROOM, fr->data, fr->data_len);
  return finish (f, d, len);
}

/* The key of the datagram a fragment belongs to. */
static void
frag_key_of (const ws_packet *p, frag_key *k)
{
  const ws_ip_fragment *fr = &p->frag;

  memset (k, 0, sizeof *k);
  k->version = fr->version;
  k->proto = fr->version == 4 ? fr->proto : 0;
  k->id = fr->id;
  memcpy (k->src, p->src.addr, 16);
  memcpy (k->dst, p->dst.addr, 16);
  k->tunnel = p->tunnel;
}

/* The checks a fragment of d passes before its bytes are taken: false (d
 * given up, or already) when it is not taken, *r saying why. */
static bool
frag_admit (ws_ipfrag *f, dgram *d, const ws_ip_fragment *fr, uint32_t end,
            ws_decode_result *r)
{
  if (fr->data_caplen < fr->data_len)
    {
      if (d->dead)
        f->stats.swallowed++;
      else
        {
          f->stats.truncated++;
          give_up (f, d);
        }
      *r = WS_DEC_TRUNCATED;
      return false;
    }
  if (d->dead)
    {
      f->stats.swallowed++;
      return false;
    }
  if (++d->nfrags > f->opts.max_frags)
    {
      f->stats.too_many++;
      give_up (f, d);
      return false;
    }
  if (!fr->more)
    {
      if ((d->have_total && d->total != end) || d->max_end > end)
        {
          f->stats.malformed++;
          give_up (f, d);
          *r = WS_DEC_MALFORMED;
          return false;
        }
      d->have_total = true;
      d->total = end;
    }
  else if (d->have_total && end > d->total)
    {
      f->stats.malformed++;
      give_up (f, d);
      *r = WS_DEC_MALFORMED;
      return false;
    }
  if (fr->offset == 0 && fr->version == 6 && !ipv6_may_be_tcp (fr->proto))
    {
      f->stats.not_tcp++;
      give_up (f, d);
      *r = WS_DEC_NOT_TCP;
      return false;
    }
  return true;
}

/* First data wins: copy the fragment's blocks not yet present, compare the
 * others. */
static void
frag_copy (ws_ipfrag *f, dgram *d, const ws_ip_fragment *fr, uint32_t end)
{
  bool overlap = false, conflict = false;
  uint8_t *pay = d->buf + HDR_ROOM;
  for (uint32_t b = fr->offset / 8; b < blocks_for (end); b++)
    {
      uint32_t lo = b * 8, hi = lo + 8 < end ? lo + 8 : end;
      const uint8_t *src = fr->data + (lo - fr->offset);
      if (has_block (d, b))
        {
          overlap = true;
          if (memcmp (pay + lo, src, hi - lo) != 0)
            conflict = true;
        }
      else
        {
          memcpy (pay + lo, src, hi - lo);
          d->have[b >> 3] |= (uint8_t) (1u << (b & 7));
          d->blocks_have++;
        }
    }
  if (overlap)
    f->stats.overlaps++;
  if (conflict)
    f->stats.overlap_conflicts++;
}

/* Take one fragment; NULL while its datagram is incomplete (*r says why),
 * else the whole datagram. */
static const uint8_t *
add (ws_ipfrag *f, const ws_packet *p, int64_t ts_us, uint32_t *len,
     ws_decode_result *r)
{
  const ws_ip_fragment *fr = &p->frag;
  uint32_t end = fr->offset + fr->data_len;
  /* the reassembled payload length field must hold what follows the fixed
   * header (IPv4: the whole datagram; IPv6: ext headers + payload) */
  uint32_t limit = fr->version == 4 ? MAX_PAYLOAD - fr->hdr_len : MAX_PAYLOAD - (fr->hdr_len - 40);

  *r = WS_DEC_FRAGMENT;
  if (fr->data_len == 0 || end > limit || (fr->more && fr->data_len % 8 != 0)
      || fr->hdr_len > HDR_ROOM || (fr->version == 6 && fr->hdr_len < 40))
    {
      f->stats.malformed++;
      *r = WS_DEC_MALFORMED;
      return NULL;
    }

  frag_key k;
  frag_key_of (p, &k);

  if (fr->version == 6 && fr->offset == 0 && !fr->more)
    return atomic (f, fr, len, r);

  dgram *d = g_hash_table_lookup (f->table, &k);
  if (!d)
    d = create (f, &k, ts_us);
  if (!frag_admit (f, d, fr, end, r))
    return NULL;
  reserve (f, d, end);
  if (end > d->max_end)
    d->max_end = end;

  frag_copy (f, d, fr, end);

  if (fr->offset == 0 && !d->have_first)
    {
      d->have_first = true;
      d->hdr_len = fr->hdr_len;
      d->nh_pos = fr->nh_pos;
      d->nh = fr->proto;
      memcpy (d->buf + HDR_ROOM - fr->hdr_len, fr->hdr, fr->hdr_len);
    }
  if (d->have_total && d->have_first && d->blocks_have == blocks_for (d->total))
    {
      /* the other fragments' headers may have been shorter than the first's */
      uint32_t room = d->key.version == 4 ? MAX_PAYLOAD - d->hdr_len
                                          : MAX_PAYLOAD - (d->hdr_len - 40);
      if (d->total > room)
        {
          f->stats.malformed++;
          give_up (f, d);
          *r = WS_DEC_MALFORMED;
          return NULL;
        }
      return finish (f, d, len);
    }
  return NULL;
}

ws_decode_result
ws_ipfrag_decode (ws_ipfrag *f, int linktype, const uint8_t *data, uint32_t caplen,
                  uint32_t wirelen, int64_t ts_us, ws_packet *out)
{
  if (f->done)
    {
      dgram_free (f->done);
      f->done = NULL;
    }
  ws_decode_result r = ws_decode (linktype, data, caplen, wirelen, out);
  if (r != WS_DEC_FRAGMENT)
    return r;
  f->stats.fragments++;
  expire (f, ts_us);
  uint32_t len = 0;
  const uint8_t *ip = add (f, out, ts_us, &len, &r);
  if (!ip)
    return r;
  bool truncated = out->truncated;
  r = ws_decode_ip (ip, len, out);
  out->truncated = truncated;
  if (r == WS_DEC_FRAGMENT)   /* a Fragment header inside a fragment */
    {
      f->stats.malformed++;
      r = WS_DEC_MALFORMED;
    }
  return r;
}
