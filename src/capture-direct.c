/* capture-direct.c - a classic pcap file on disk read in 1 MiB blocks,
 * each packet handed on where it lies in the block (libpcap's stdio loop
 * copies every packet twice in 4 KiB reads; mapping the file costs more in
 * page-table work than the one copy saves).  libpcap still opens the file
 * and compiles the filter; the record checks here are the ones it makes,
 * with its messages.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "capture-private.h"

void
capture_direct_free (direct *r)
{
  if (!r)
    return;
  if (r->filtered)
    pcap_freecode (&r->prog);
  g_free (r->buf);
  g_free (r);
}

static inline uint32_t
get32 (const uint8_t *d, bool swapped)
{
  uint32_t v;
  memcpy (&v, d, 4);
  return swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

/* A reader for a regular file whose first bytes are a classic pcap magic. */
direct *
capture_direct_open (int fd)
{
  if (g_strcmp0 (g_getenv ("WSCLOSED_READER"), "libpcap") == 0)
    return NULL;
  uint8_t magic[4];
  if (pread (fd, magic, 4, 0) != 4)
    return NULL;
  uint32_t m = get32 (magic, false);
  if (m != 0xa1b2c3d4 && m != 0xa1b23c4d && m != 0xd4c3b2a1 && m != 0x4d3cb2a1)
    return NULL;
  direct *r = g_new0 (direct, 1);
  r->fd = fd;
  r->swapped = m == 0xd4c3b2a1 || m == 0x4d3cb2a1;
  r->nsec = m == 0xa1b23c4d || m == 0x4d3cb2a1;
  r->file_off = 24;
  return r;
}

/* Takes what libpcap made of the file header (it has checked it). */
bool
capture_direct_header (direct *r, pcap_t *p)
{
  if (pcap_major_version (p) != 2)
    return false;
  int minor = pcap_minor_version (p);
  r->lengths_swapped = minor < 3 ? 2 : minor == 3 ? 1 : 0;
  int snap = pcap_snapshot (p);
  r->snaplen = snap > 0 && (unsigned) snap < MAX_CAPLEN ? (uint32_t) snap : MAX_CAPLEN;
  r->buf = g_malloc (BLOCK);
  r->plain = !r->swapped && !r->nsec && !r->lengths_swapped;
  return true;
}

/* Makes at least want bytes available at buf[pos] unless the file ends
 * first; returns the bytes available.  Moves the unread tail to the front,
 * so pointers handed on before are no longer valid. */
static size_t
direct_fill (direct *r, size_t want)
{
  if (r->len - r->pos >= want || r->eof)
    return r->len - r->pos;
  memmove (r->buf, r->buf + r->pos, r->len - r->pos);
  r->len -= r->pos;
  r->pos = 0;
  while (r->len < want && !r->eof)
    {
      ssize_t n = pread (r->fd, r->buf + r->len, BLOCK - r->len, (off_t) r->file_off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          r->eof = true;
          r->read_errno = n < 0 ? errno : 0;
          break;
        }
      r->len += (size_t) n;
      r->file_off += (uint64_t) n;
    }
  return r->len;
}

/* The next record of r: 1 (r->hdr and *data set), 0 at the end, -1 with
 * errbuf set (a record cut short, an impossible capture length, a read
 * error). */
int
capture_direct_next (direct *r, const u_char **data, char *errbuf)
{
  if (G_LIKELY (capture_direct_take_plain (r, data)))
    return 1;
  for (;;)
    {
      size_t left = direct_fill (r, 16);
      if (left < 16)
        {
          if (r->read_errno)
            g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "%s", g_strerror (r->read_errno));
          else if (left == 0)
            return 0;
          else
            g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                        "truncated dump file; tried to read 16 header bytes, only got %zu",
                        left);
          return -1;
        }
      const uint8_t *h = r->buf + r->pos;
      uint32_t caplen = get32 (h + 8, r->swapped), len = get32 (h + 12, r->swapped);
      if (r->lengths_swapped == 2 || (r->lengths_swapped == 1 && caplen > len))
        {
          uint32_t t = caplen;
          caplen = len;
          len = t;
        }
      if (caplen > MAX_CAPLEN)
        {
          if (caplen > r->snaplen)
            g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                        "invalid packet capture length %u, bigger than snaplen of %u", caplen,
                        r->snaplen);
          else
            g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                        "invalid packet capture length %u, bigger than maximum of %u", caplen,
                        MAX_CAPLEN);
          return -1;
        }
      left = direct_fill (r, 16 + (size_t) caplen);
      h = r->buf + r->pos;
      if (left - 16 < caplen)
        {
          if (r->read_errno)
            g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "%s", g_strerror (r->read_errno));
          else
            g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                        "truncated dump file; tried to read %u captured bytes, only got %zu",
                        caplen, left - 16);
          return -1;
        }
      uint32_t frac = get32 (h + 4, r->swapped);
      r->hdr.ts.tv_sec = (time_t) get32 (h, r->swapped);
      r->hdr.ts.tv_usec = (suseconds_t) (r->nsec ? frac / 1000 : frac);
      r->hdr.len = len;
      r->hdr.caplen = caplen > r->snaplen ? r->snaplen : caplen; /* the rest is skipped */
      *data = h + 16;
      r->pos += 16 + (size_t) caplen;
      r->frames++;
      if (r->filtered && !pcap_offline_filter (&r->prog, &r->hdr, *data))
        continue;
      return 1;
    }
}
