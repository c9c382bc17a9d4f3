/* pcapng.c - a streaming pcapng block reader (see pcapng.h).
 *
 * Every block:  | type(4) | total length(4) | body ... | total length(4) |
 *   SHB  0x0a0d0d0a | byte-order magic 0x1a2b3c4d(4) | major(2) minor(2) |
 *                   | section length(8) | options |
 *   IDB  1          | link type(2) rsvd(2) | snaplen(4) | options (if_tsresol 9,
 *                   | if_tsoffset 14) |
 *   EPB  6          | interface(4) | ts high(4) | ts low(4) | caplen(4) | len(4) |
 *                   | data, padded to 4 | options |
 *   SPB  3          | len(4) | data (caplen: min(len, snaplen, room)) |
 *   PB   2          | interface(2) | drops(2) | ts high(4) | ts low(4) | caplen(4) |
 *                   | len(4) | data | options |                       (obsolete)
 *   DSB  0x0a       | secrets type(4) | secrets length(4) | secrets, padded |
 * Other blocks (statistics, name resolution, custom) are skipped.  The
 * numbers are in the byte order of the section's SHB; each section numbers
 * its interfaces from 0, and a new section forgets the old ones.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "pcapng.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB  2u
#define BT_SPB 3u
#define BT_EPB 6u
#define BT_DSB 0x0au
#define BOM 0x1a2b3c4du

/* libpcap's limit; a packet larger than any link type's snaplen is garbage */
#define MAX_BLOCK (16u << 20)
#define MAX_CAPLEN 262144u

typedef struct {
  int linktype;
  uint32_t snaplen;
  uint64_t units;      /* timestamp units per second */
  int64_t tsoffset;    /* seconds added to every timestamp */
  uint32_t global;     /* index over the whole file */
} iface;

struct ws_pcapng {
  FILE *fp;
  uint8_t *buf;        /* the current block, whole */
  size_t cap;
  uint32_t len;        /* its total length */
  uint64_t off;        /* file offset of the current block */
  uint64_t next_off;
  bool swapped;
  bool first;          /* the first SHB's type was read by the caller */
  GArray *ifaces;      /* of iface, this section's */
  uint32_t n_global;   /* interfaces described so far, all sections */
  int first_linktype;
  uint32_t first_snaplen;
  bool have_pending;   /* ws_pcapng_start stopped at a packet block */
  ws_secrets_fn secrets;
  void *secrets_user;
  GPtrArray *early;    /* of GBytes: type(4, host order) + secrets, read
                        * before the callback was set (ws_pcapng_start) */
  ws_pcapng_iface_fn on_iface;
  void *iface_user;
};

static inline uint32_t
get32 (const ws_pcapng *r, const uint8_t *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
  return r->swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

static inline uint16_t
get16 (const ws_pcapng *r, const uint8_t *p)
{
  uint16_t v;
  memcpy (&v, p, 2);
  return r->swapped ? GUINT16_SWAP_LE_BE (v) : v;
}

static inline uint64_t
get64 (const ws_pcapng *r, const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, 8);
  return r->swapped ? GUINT64_SWAP_LE_BE (v) : v;
}

ws_pcapng *
ws_pcapng_new (FILE *fp)
{
  ws_pcapng *r = g_new0 (ws_pcapng, 1);
  r->fp = fp;
  r->first = true;
  r->off = 0;
  r->next_off = 0;
  r->cap = 64 * 1024;
  r->buf = g_malloc (r->cap);
  r->ifaces = g_array_new (FALSE, FALSE, sizeof (iface));
  r->first_linktype = -1;
  return r;
}

void
ws_pcapng_free (ws_pcapng *r)
{
  if (!r)
    return;
  g_array_unref (r->ifaces);
  if (r->early)
    g_ptr_array_unref (r->early);
  g_free (r->buf);
  g_free (r);
}

void
ws_pcapng_set_secrets_fn (ws_pcapng *r, ws_secrets_fn fn, void *user)
{
  r->secrets = fn;
  r->secrets_user = user;
  if (fn && r->early)
    for (guint i = 0; i < r->early->len; i++)
      {
        gsize n;
        const uint8_t *b = g_bytes_get_data (g_ptr_array_index (r->early, i), &n);
        uint32_t stype;
        memcpy (&stype, b, 4);
        fn (user, stype, b + 4, n - 4);
      }
  if (r->early)
    g_ptr_array_set_size (r->early, 0);
}

void
ws_pcapng_set_iface_fn (ws_pcapng *r, ws_pcapng_iface_fn fn, void *user)
{
  r->on_iface = fn;
  r->iface_user = user;
}

int
ws_pcapng_first_linktype (const ws_pcapng *r)
{
  return r->first_linktype;
}

int
ws_pcapng_first_snaplen (const ws_pcapng *r)
{
  return (int) r->first_snaplen;
}

/* The message libpcap's users know (capture.c shortens it the same way). */
static int
truncated (char *errbuf, size_t want, size_t got)
{
  g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
              "truncated pcapng dump file; tried to read %zu bytes, only got %zu", want, got);
  return -1;
}

static int
garbled (const ws_pcapng *r, char *errbuf, const char *what)
{
  g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "garbled pcapng block at byte %" G_GUINT64_FORMAT ": %s",
              r->off, what);
  return -1;
}

static bool
fill (ws_pcapng *r, uint8_t *dst, size_t n, size_t *got)
{
  *got = fread (dst, 1, n, r->fp);
  return *got == n;
}

/* Reads the next block whole into r->buf: 1, 0 at a clean end, -1. */
static int
read_block (ws_pcapng *r, char *errbuf)
{
  size_t got;
  uint32_t type;
  r->off = r->next_off;
  if (r->first)
    {
      /* the caller read the SHB type to know the format */
      r->first = false;
      type = BT_SHB;
      memcpy (r->buf, &type, 4);
      if (!fill (r, r->buf + 4, 8, &got))
        {
          /* without its byte-order magic the file is nothing we know (as
           * libpcap says) */
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "unknown file format");
          return -1;
        }
    }
  else
    {
      if (!fill (r, r->buf, 4, &got))
        {
          if (got == 0 && !ferror (r->fp))
            return 0;
          if (ferror (r->fp))
            {
              g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "error reading dump file: %s",
                          g_strerror (errno));
              return -1;
            }
          return truncated (errbuf, 4, got);
        }
      memcpy (&type, r->buf, 4);   /* the SHB type reads the same either way */
      size_t want = type == BT_SHB ? 8 : 4;
      if (!fill (r, r->buf + 4, want, &got))
        return truncated (errbuf, want, got);
    }
  if (type == BT_SHB)
    {
      uint32_t bom;
      memcpy (&bom, r->buf + 8, 4);
      if (bom == BOM)
        r->swapped = false;
      else if (bom == GUINT32_SWAP_LE_BE (BOM))
        r->swapped = true;
      else
        return garbled (r, errbuf, "section header with an unknown byte-order magic");
    }
  type = get32 (r, r->buf);
  uint32_t len = get32 (r, r->buf + 4);
  size_t have = type == BT_SHB ? 12 : 8;
  if (len < 12 || len % 4 != 0 || (type == BT_SHB && len < 28))
    return garbled (r, errbuf, "impossible block length");
  if (len > MAX_BLOCK)
    return garbled (r, errbuf, "block longer than 16 MiB");
  if (len > r->cap)
    {
      r->cap = len;
      r->buf = g_realloc (r->buf, r->cap);
    }
  if (!fill (r, r->buf + have, len - have, &got))
    {
      if (ferror (r->fp))
        {
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "error reading dump file: %s",
                      g_strerror (errno));
          return -1;
        }
      return truncated (errbuf, len - have, got);
    }
  if (get32 (r, r->buf + len - 4) != len)
    return garbled (r, errbuf, "the block's two lengths differ");
  r->len = len;
  r->next_off = r->off + len;
  return 1;
}

static int
section (ws_pcapng *r, char *errbuf)
{
  if (get16 (r, r->buf + 12) != 1)
    return garbled (r, errbuf, "section header of an unknown major version");
  g_array_set_size (r->ifaces, 0);
  return 1;
}

static int
interface (ws_pcapng *r, char *errbuf)
{
  if (r->len < 20)
    return garbled (r, errbuf, "interface description too short");
  iface f = { 0 };
  f.linktype = get16 (r, r->buf + 8);
  f.snaplen = get32 (r, r->buf + 12);
  f.units = 1000000;
  f.global = r->n_global++;
  /* options: | code(2) | length(2) | value, padded to 4 | */
  uint32_t o = 16, end = r->len - 4;
  while (o + 4 <= end)
    {
      uint16_t code = get16 (r, r->buf + o), olen = get16 (r, r->buf + o + 2);
      if (code == 0)
        break;
      if (olen > end - o - 4)
        return garbled (r, errbuf, "interface option longer than its block");
      const uint8_t *v = r->buf + o + 4;
      if (code == 9 && olen >= 1)
        {
          /* if_tsresol: 10^-n, or 2^-n when the top bit is set */
          uint8_t e = v[0] & 0x7f;
          bool pow2 = v[0] & 0x80;
          if ((pow2 && e > 63) || (!pow2 && e > 19))
            return garbled (r, errbuf, "impossible timestamp resolution");
          uint64_t u = 1;
          for (uint8_t i = 0; i < e; i++)
            u *= pow2 ? 2 : 10;
          f.units = u;
        }
      else if (code == 14 && olen >= 8)
        f.tsoffset = (int64_t) get64 (r, v);
      o += 4 + ((olen + 3u) & ~3u);
    }
  g_array_append_val (r->ifaces, f);
  if (r->first_linktype < 0)
    {
      r->first_linktype = f.linktype;
      r->first_snaplen = f.snaplen;
    }
  if (r->on_iface)
    r->on_iface (r->iface_user, f.global, f.linktype, f.snaplen);
  return 1;
}

/* Secrets blocks kept before the callback is set, at most */
#define MAX_EARLY 64

static void
secrets (ws_pcapng *r)
{
  if (r->len < 20)
    return;
  uint32_t stype = get32 (r, r->buf + 8), slen = get32 (r, r->buf + 12);
  if (slen > r->len - 20)
    return;   /* a block that lies about its size hands on nothing */
  if (r->secrets)
    {
      r->secrets (r->secrets_user, stype, r->buf + 16, slen);
      return;
    }
  if (!r->early)
    r->early = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (r->early->len >= MAX_EARLY)
    return;
  uint8_t *b = g_malloc (4 + (size_t) slen);
  memcpy (b, &stype, 4);
  memcpy (b + 4, r->buf + 16, slen);
  g_ptr_array_add (r->early, g_bytes_new_take (b, 4 + (size_t) slen));
}

/* A packet block in r->buf: 1 with the packet, -1. */
static int
packet (ws_pcapng *r, uint32_t type, struct pcap_pkthdr *h, const uint8_t **data,
        int *linktype, uint32_t *ifindex, char *errbuf)
{
  uint32_t ifid, caplen, len, hdr;
  uint64_t ts = 0;
  uint32_t room;
  if (type == BT_SPB)
    {
      if (r->len < 16)
        return garbled (r, errbuf, "simple packet block too short");
      ifid = 0;
      len = get32 (r, r->buf + 8);
      hdr = 12;
      room = r->len - 16;
      caplen = len < room ? len : room;
    }
  else
    {
      if (r->len < 32)
        return garbled (r, errbuf, "packet block too short");
      if (type == BT_EPB)
        ifid = get32 (r, r->buf + 8);
      else
        ifid = get16 (r, r->buf + 8);
      ts = (uint64_t) get32 (r, r->buf + 12) << 32 | get32 (r, r->buf + 16);
      caplen = get32 (r, r->buf + 20);
      len = get32 (r, r->buf + 24);
      hdr = 28;
      room = r->len - 32;
      if (caplen > room)
        return garbled (r, errbuf, "packet data longer than its block");
    }
  if (ifid >= r->ifaces->len)
    return garbled (r, errbuf, "packet of an interface that was never described");
  const iface *f = &g_array_index (r->ifaces, iface, ifid);
  if (type == BT_SPB && f->snaplen && caplen > f->snaplen)
    caplen = f->snaplen;
  uint64_t sec = ts / f->units, frac = ts % f->units;
  /* seconds (with the offset) kept where microseconds fit in 64 bits: a
   * garbled timestamp must not overflow the callers' arithmetic */
  const int64_t lim = INT64_C (1) << 40;
  int64_t off = f->tsoffset < -lim ? -lim : f->tsoffset > lim ? lim : f->tsoffset;
  int64_t s = sec > (uint64_t) lim ? lim : (int64_t) sec;
  s += off;
  h->ts.tv_sec = (time_t) (s < -lim ? -lim : s > lim ? lim : s);
  h->ts.tv_usec = (suseconds_t) ((unsigned __int128) frac * 1000000u / f->units);
  h->caplen = caplen > MAX_CAPLEN ? MAX_CAPLEN : caplen;
  h->len = len < caplen ? caplen : len;
  *data = r->buf + hdr;
  *linktype = f->linktype;
  *ifindex = f->global;
  return 1;
}

/* Handles one block read: 1 a packet, 2 another block, -1. */
static int
handle (ws_pcapng *r, struct pcap_pkthdr *h, const uint8_t **data, int *linktype,
        uint32_t *ifindex, char *errbuf)
{
  uint32_t type = get32 (r, r->buf);
  switch (type)
    {
    case BT_SHB:
      return section (r, errbuf) < 0 ? -1 : 2;
    case BT_IDB:
      return interface (r, errbuf) < 0 ? -1 : 2;
    case BT_DSB:
      secrets (r);
      return 2;
    case BT_EPB:
    case BT_SPB:
    case BT_PB:
      return packet (r, type, h, data, linktype, ifindex, errbuf);
    default:
      return 2;
    }
}

bool
ws_pcapng_start (ws_pcapng *r, char *errbuf)
{
  for (;;)
    {
      int rc = read_block (r, errbuf);
      if (rc < 0)
        return false;
      if (rc == 0)
        {
          /* libpcap refuses such a file; so do we, with its words */
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                      "the capture file has no Interface Description Blocks");
          return false;
        }
      uint32_t type = get32 (r, r->buf);
      if (type == BT_SHB)
        {
          if (section (r, errbuf) < 0)
            return false;
          continue;
        }
      if (type == BT_EPB || type == BT_SPB || type == BT_PB)
        {
          r->have_pending = true;   /* handed on by the first ws_pcapng_next */
          return true;
        }
      int hr = handle (r, NULL, NULL, NULL, NULL, errbuf);
      if (hr < 0)
        return false;
      if (type == BT_IDB)
        return true;
    }
}

int
ws_pcapng_next (ws_pcapng *r, struct pcap_pkthdr *h, const uint8_t **data, int *linktype,
                uint32_t *ifindex, char *errbuf)
{
  for (;;)
    {
      if (r->have_pending)
        r->have_pending = false;
      else
        {
          int rc = read_block (r, errbuf);
          if (rc <= 0)
            return rc;
        }
      int hr = handle (r, h, data, linktype, ifindex, errbuf);
      if (hr != 2)
        return hr;
    }
}
