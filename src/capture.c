/* capture.c - packet sources.
 *
 * Several saved captures given together are one capture: each source keeps
 * its next packet (libpcap's buffer stays valid until the next read of that
 * handle, so nothing is copied) and the earliest one is handed on.  A file
 * starting with the gzip magic is read through zlib with fopencookie(), so a
 * .pcap.gz is never unpacked to disk; standard input always goes through
 * zlib, which passes uncompressed data through unchanged.
 *
 * A classic pcap file on disk is not read through libpcap's stdio loop, which
 * copies every packet twice (kernel to stdio buffer, stdio buffer to its own)
 * in 4 KiB reads: it is read in 1 MiB blocks and each packet handed on where
 * it lies in the block (mapping the file instead costs more in page-table
 * work than the one copy saves).  libpcap still opens the file (it checks the
 * header and maps the link type), compiles the filter and runs it
 * (pcap_offline_filter); the record checks below are the ones it makes, with
 * its messages.  pcapng, gzip and standard input go through libpcap with a
 * larger stdio buffer.  WSCLOSED_READER=libpcap in the environment sends
 * every file through libpcap (the tests compare both readers).
 *
 * pcapng (from a file, gzip or standard input) is read by pcapng.c, which
 * unlike libpcap takes files whose interfaces differ in link type or snap
 * length: each packet goes on with its interface's link type, the filter is
 * compiled once per interface, an interface of a link type we cannot
 * decode is reported once and its packets are still handed on (the decoder
 * counts them), and Decryption Secrets Blocks go to the secrets callback.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "capture.h"
#include "decode.h"
#include "pcapng.h"

/* libpcap's largest caplen for the link types we decode */
#define MAX_CAPLEN 262144u
/* read size; a record (16 + MAX_CAPLEN) always fits in a block */
#define BLOCK (1u << 20)

/* A classic pcap file read in blocks. */
typedef struct {
  int fd;                   /* libpcap's stream owns it */
  uint64_t file_off;        /* of the byte after buf[len] */
  uint8_t *buf;
  size_t len, pos;          /* buf[pos..len) not yet handed on */
  bool eof;
  int read_errno;
  uint32_t snaplen;
  bool swapped;             /* written on a host of the other byte order */
  bool nsec;                /* nanosecond timestamps */
  int lengths_swapped;      /* old formats: 2 = always swapped (< 2.3), 1 = maybe (2.3) */
  bool filtered;
  bool plain;               /* none of the four above */
  struct bpf_program prog;
  struct pcap_pkthdr hdr;
  uint64_t frames;          /* records read, filtered out ones included */
} direct;

/* One interface of a pcapng file. */
typedef struct {
  int dlt;
  uint32_t snaplen;
  bool filtered;
  bool skip;                /* its filter does not compile: packets dropped */
  struct bpf_program prog;
} ng_iface;

typedef struct ws_capture ws_capture;

typedef struct {
  char *name;
  pcap_t *p;                /* NULL for pcapng read by us */
  FILE *fp;                 /* cookie stream over gz, or NULL */
  int dlt;                  /* of the packet in h/data */
  direct *rd;               /* classic pcap read by us, or NULL */
  ws_pcapng *ng;            /* pcapng read by us, or NULL */
  GArray *ng_ifaces;        /* of ng_iface, by the file's interface index */
  char *filter;             /* pcapng: compiled per interface */
  ws_capture *cap;
  struct pcap_pkthdr ng_hdr;
  struct pcap_pkthdr *h;
  const u_char *data;
  bool has;                 /* h/data hold this source's next packet */
  bool done;
  const char *iname;        /* name, interned: records keep it */
  uint64_t frames;          /* records read (libpcap, pcapng), as Wireshark
                             * numbers frames: filtered out ones included */
  uint64_t frame;           /* the number of the packet in h/data */
  bool lp_filtered;         /* files read through libpcap: the filter is */
  struct bpf_program lp_prog; /* run here, so that every record is counted */
  bool streaming;           /* a pipe: read as data comes, idle calls */
} source;

G_DEFINE_QUARK (ws-capture-error-quark, ws_capture_error)

struct ws_capture {
  GPtrArray *sources;       /* of source* */
  bool live;
  const char *cur_file;     /* of the packet being handed on */
  uint64_t cur_frame;
  ws_idle_fn idle_fn;
  void *idle_user;
  int late_errors;          /* reported while reading pcapng interfaces */
  volatile sig_atomic_t stop;
};

/* The gzip stream: the first bytes, read to tell the format, are kept and
 * read again. */
typedef struct {
  gzFile gz;
  uint8_t head[4];
  int head_len, head_pos;
} gz_cookie;

static ssize_t
gz_read (void *cookie, char *buf, size_t size)
{
  gz_cookie *c = cookie;
  if (c->head_pos < c->head_len && size > 0)
    {
      size_t n = MIN (size, (size_t) (c->head_len - c->head_pos));
      memcpy (buf, c->head + c->head_pos, n);
      c->head_pos += (int) n;
      return (ssize_t) n;
    }
  int n = gzread (c->gz, buf, (unsigned) MIN (size, (size_t) G_MAXINT));
  if (n < 0)
    {
      errno = EIO;
      return -1;
    }
  return n;
}

static int
gz_close (void *cookie)
{
  gz_cookie *c = cookie;
  int rc = gzclose (c->gz) == Z_OK ? 0 : -1;
  g_free (c);
  return rc;
}

/* A stream of fd through zlib (uncompressed data passes unchanged); magic
 * gets its first 4 bytes (zeros if it is shorter). */
static FILE *
gz_stream (int fd, uint8_t magic[4])
{
  gzFile gz = gzdopen (fd, "rb");
  if (!gz)
    return NULL;
  gzbuffer (gz, 256 * 1024);
  gz_cookie *c = g_new0 (gz_cookie, 1);
  c->gz = gz;
  memset (magic, 0, 4);
  int n = gzread (gz, c->head, 4);
  c->head_len = n > 0 ? n : 0;
  memcpy (magic, c->head, (size_t) c->head_len);
  cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
  FILE *fp = fopencookie (c, "rb", io);
  if (!fp)
    {
      gzclose (gz);
      g_free (c);
    }
  return fp;
}

/* A pipe (standard input, a FIFO) is read as its data comes: one read(2)
 * of what is there rather than blocks filled to the brim (zlib's gzread and
 * a stdio buffer wait for a whole 256 KiB or 1 MiB, so nothing would come
 * out of `tcpdump -w - | wsclosed -r -` until tcpdump exits).  While the
 * pipe is silent the capture's idle function is called about once a second
 * (only when the pipe is the one source: several are merged in timestamp
 * order), so that held records and idle connections are let go as with a
 * live capture.  gzip is recognised by its magic and inflated here. */
typedef struct {
  int fd;
  source *s;
  uint8_t head[4];          /* the bytes read to tell the format, read again */
  int head_len, head_pos;
  uint8_t ohead[4];         /* gzip: the first bytes inflated, read again */
  int ohead_len, ohead_pos;
  bool gz, gz_end;
  z_stream z;
  uint8_t in[64 * 1024];
} pipe_cookie;

#define PIPE_IDLE_MS 1000

/* Raw bytes of the pipe into buf: what is there, waiting (with idle calls)
 * when nothing is; 0 at the end, -1 on an error. */
static ssize_t
pipe_raw (pipe_cookie *c, uint8_t *buf, size_t size)
{
  if (c->head_pos < c->head_len)
    {
      size_t n = MIN (size, (size_t) (c->head_len - c->head_pos));
      memcpy (buf, c->head + c->head_pos, n);
      c->head_pos += (int) n;
      return (ssize_t) n;
    }
  for (;;)
    {
      ws_capture *cap = c->s->cap;
      if (cap && cap->stop)
        return 0;
      struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
      int pr = poll (&pfd, 1, PIPE_IDLE_MS);
      if (pr < 0 && errno != EINTR)
        return -1;
      if (pr <= 0)
        {
          if (cap && cap->idle_fn && cap->sources->len == 1)
            cap->idle_fn (cap->idle_user);
          continue;
        }
      ssize_t n = read (c->fd, buf, size);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      return n;
    }
}

static ssize_t
pipe_read (void *cookie, char *buf, size_t size)
{
  pipe_cookie *c = cookie;
  if (c->ohead_pos < c->ohead_len && size > 0)
    {
      size_t n = MIN (size, (size_t) (c->ohead_len - c->ohead_pos));
      memcpy (buf, c->ohead + c->ohead_pos, n);
      c->ohead_pos += (int) n;
      return (ssize_t) n;
    }
  if (!c->gz)
    return pipe_raw (c, (uint8_t *) buf, size);
  if (c->gz_end || size == 0)
    return 0;
  c->z.next_out = (Bytef *) buf;
  c->z.avail_out = (uInt) MIN (size, (size_t) G_MAXUINT32);
  for (;;)
    {
      if (c->z.avail_in == 0)
        {
          ssize_t n = pipe_raw (c, c->in, sizeof c->in);
          if (n < 0)
            {
              errno = EIO;
              return -1;
            }
          if (n == 0)
            {
              c->gz_end = true; /* a stream cut short ends where it is */
              break;
            }
          c->z.next_in = c->in;
          c->z.avail_in = (uInt) n;
        }
      int rc = inflate (&c->z, Z_NO_FLUSH);
      if (rc == Z_STREAM_END)
        {
          /* members of a concatenated gzip file follow one another */
          if (inflateReset (&c->z) != Z_OK)
            c->gz_end = true;
        }
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        {
          errno = EIO;
          return -1;
        }
      size_t got = (size_t) ((char *) c->z.next_out - buf);
      if (got > 0 || c->gz_end)
        return (ssize_t) got;
    }
  return (ssize_t) ((char *) c->z.next_out - buf);
}

static int
pipe_close (void *cookie)
{
  pipe_cookie *c = cookie;
  if (c->gz)
    inflateEnd (&c->z);
  int rc = close (c->fd);
  g_free (c);
  return rc;
}

/* A stream over the pipe fd (taken); magic gets its first 4 bytes, after
 * gzip when it is compressed (zeros if it is shorter). */
static FILE *
pipe_stream (int fd, source *s, uint8_t magic[4], int *got)
{
  pipe_cookie *c = g_new0 (pipe_cookie, 1);
  c->fd = fd;
  c->s = s;
  while (c->head_len < 4)
    {
      ssize_t n = read (fd, c->head + c->head_len, (size_t) (4 - c->head_len));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      c->head_len += (int) n;
    }
  cookie_io_functions_t io = { .read = pipe_read, .close = pipe_close };
  *got = c->head_len;
  memset (magic, 0, 4);
  if (c->head_len >= 2 && c->head[0] == 0x1f && c->head[1] == 0x8b)
    {
      c->gz = true;
      if (inflateInit2 (&c->z, 15 + 16) != Z_OK)
        {
          g_free (c);
          return NULL;
        }
    }
  FILE *fp = fopencookie (c, "rb", io);
  if (!fp)
    {
      if (c->gz)
        inflateEnd (&c->z);
      g_free (c);
      return NULL;
    }
  if (c->gz)
    {
      /* the magic of what is inside, served again by pipe_read */
      while (c->ohead_len < 4)
        {
          ssize_t n = pipe_read (c, (char *) c->ohead + c->ohead_len,
                                 (size_t) (4 - c->ohead_len));
          if (n <= 0)
            break;
          c->ohead_len += (int) n;
        }
      memcpy (magic, c->ohead, (size_t) c->ohead_len);
    }
  else
    memcpy (magic, c->head, (size_t) c->head_len);
  return fp;
}

static void
direct_free (direct *r)
{
  if (!r)
    return;
  if (r->filtered)
    pcap_freecode (&r->prog);
  g_free (r->buf);
  g_free (r);
}

static void
source_free (gpointer v)
{
  source *s = v;
  direct_free (s->rd);
  ws_pcapng_free (s->ng);
  if (s->ng_ifaces)
    {
      for (guint i = 0; i < s->ng_ifaces->len; i++)
        {
          ng_iface *f = &g_array_index (s->ng_ifaces, ng_iface, i);
          if (f->filtered)
            pcap_freecode (&f->prog);
        }
      g_array_unref (s->ng_ifaces);
    }
  if (s->lp_filtered)
    pcap_freecode (&s->lp_prog);
  if (s->p)
    pcap_close (s->p); /* closes s->fp too */
  else if (s->fp)
    fclose (s->fp);
  g_free (s->filter);
  g_free (s->name);
  g_free (s);
}

/* libpcap's messages start with the file name or are generic; make them one
 * short line. */
static const char *
friendly (const char *msg)
{
  if (strstr (msg, "unknown file format") || strstr (msg, "bad dump file format"))
    return "not a capture file (neither pcap nor pcapng)";
  if (strstr (msg, "truncated dump file") || strstr (msg, "truncated pcapng"))
    return "truncated capture file (the last packet is cut short)";
  return msg;
}

static inline uint32_t
get32 (const uint8_t *d, bool swapped)
{
  uint32_t v;
  memcpy (&v, d, 4);
  return swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

/* A reader for a regular file whose first bytes are a classic pcap magic. */
static direct *
direct_open (int fd)
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
static bool
direct_header (direct *r, pcap_t *p)
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
static int
direct_next (direct *r, const u_char **data, char *errbuf)
{
  /* The usual record: this host's byte order, microseconds, no filter,
   * whole in the block. */
  if (G_LIKELY (r->plain && r->len - r->pos >= 16))
    {
      const uint8_t *h = r->buf + r->pos;
      uint32_t w[4];
      memcpy (w, h, 16);
      if (G_LIKELY (w[2] <= MAX_CAPLEN && r->len - r->pos - 16 >= w[2]))
        {
          r->hdr.ts.tv_sec = (time_t) w[0];
          r->hdr.ts.tv_usec = (suseconds_t) w[1];
          r->hdr.len = w[3];
          r->hdr.caplen = w[2] > r->snaplen ? r->snaplen : w[2];
          *data = h + 16;
          r->pos += 16 + (size_t) w[2];
          r->frames++;
          return 1;
        }
    }
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

static void ng_iface_seen (void *user, uint32_t ifindex, int linktype, uint32_t snaplen);

static inline uint32_t
magic_word (const uint8_t m[4])
{
  uint32_t v;
  memcpy (&v, m, 4);
  return v;
}

static source *
open_one (const char *name, char *errbuf)
{
  source *s = g_new0 (source, 1);
  s->name = g_strdup (name);
  s->iname = g_intern_string (name);
  uint8_t magic[4] = { 0, 0, 0, 0 };
  bool is_stdin = strcmp (name, "-") == 0;
  if (is_stdin)
    {
      int fd = dup (0), got = 0;
      s->fp = fd >= 0 ? pipe_stream (fd, s, magic, &got) : NULL;
      s->streaming = s->fp != NULL;
      if (!s->fp)
        {
          if (fd >= 0)
            close (fd);
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot read standard input");
          source_free (s);
          return NULL;
        }
      if (got == 0)
        {
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "empty: no data at all, not even a capture header");
          source_free (s);
          return NULL;
        }
    }
  else
    {
      int fd = open (name, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "%s", g_strerror (errno));
          source_free (s);
          return NULL;
        }
      struct stat st = { 0 }; /* S_ISREG below is false if fstat fails */
      if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
        {
          close (fd);
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "is a directory");
          source_free (s);
          return NULL;
        }
      if (!S_ISREG (st.st_mode))
        {
          /* a FIFO, a character device: read as a pipe */
          int got = 0;
          s->fp = pipe_stream (fd, s, magic, &got);
          if (s->fp && got == 0)
            {
              g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                          "empty: no data at all, not even a capture header");
              source_free (s);
              return NULL;
            }
          if (!s->fp)
            {
              close (fd);
              g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot read");
              source_free (s);
              return NULL;
            }
          s->streaming = true;
          goto opened;
        }
      if (S_ISREG (st.st_mode) && st.st_size == 0)
        {
          close (fd);
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "empty file (0 bytes), not a capture");
          source_free (s);
          return NULL;
        }
      ssize_t n = pread (fd, magic, 4, 0);
      if (n < 4)
        memset (magic + (n > 0 ? n : 0), 0, (size_t) (4 - (n > 0 ? n : 0)));
      if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
          s->fp = gz_stream (fd, magic);
          if (!s->fp)
            {
              close (fd);
              g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot open gzip stream");
              source_free (s);
              return NULL;
            }
        }
      else
        {
          s->fp = fdopen (fd, "rb");
          if (!s->fp)
            {
              close (fd);
              g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "%s", g_strerror (errno));
              source_free (s);
              return NULL;
            }
          if (S_ISREG (st.st_mode))
            s->rd = direct_open (fd);
        }
    }
opened:
  if (!s->rd)
    setvbuf (s->fp, NULL, _IOFBF, 1 << 20);
  if (magic_word (magic) == WS_PCAPNG_MAGIC
      && g_strcmp0 (g_getenv ("WSCLOSED_READER"), "libpcap") != 0)
    {
      uint8_t skip[4];
      if (fread (skip, 1, 4, s->fp) != 4)
        {
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "truncated capture file");
          source_free (s);
          return NULL;
        }
      s->ng = ws_pcapng_new (s->fp);
      s->ng_ifaces = g_array_new (FALSE, TRUE, sizeof (ng_iface));
      ws_pcapng_set_iface_fn (s->ng, ng_iface_seen, s);
      if (!ws_pcapng_start (s->ng, errbuf))
        {
          source_free (s);
          return NULL;
        }
      s->dlt = ws_pcapng_first_linktype (s->ng);
      return s;
    }
  s->p = pcap_fopen_offline_with_tstamp_precision (s->fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (!s->p)
    {
      /* pcap did not take the stream: close it ourselves */
      source_free (s);
      return NULL;
    }
  s->dlt = pcap_datalink (s->p);
  if (s->rd && !direct_header (s->rd, s->p))
    {
      direct_free (s->rd); /* a format libpcap knows better: let it read */
      s->rd = NULL;
    }
  return s;
}

/* Compiles the source's filter for interface f; false with error set. */
static bool
ng_compile (source *s, ng_iface *f, GError **error)
{
  pcap_t *dead = pcap_open_dead (f->dlt, f->snaplen ? (int) MIN (f->snaplen, 262144u) : 262144);
  if (!dead)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER, "out of memory");
      return false;
    }
  bool ok = pcap_compile (dead, &f->prog, s->filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
  if (!ok)
    g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER,
                 "bad filter expression \"%s\": %s", s->filter, pcap_geterr (dead));
  pcap_close (dead);
  f->filtered = ok;
  return ok;
}

static void
ng_iface_seen (void *user, uint32_t ifindex, int linktype, uint32_t snaplen)
{
  source *s = user;
  if (ifindex >= s->ng_ifaces->len)
    g_array_set_size (s->ng_ifaces, ifindex + 1);
  ng_iface *f = &g_array_index (s->ng_ifaces, ng_iface, ifindex);
  f->dlt = linktype;
  f->snaplen = snaplen;
  if (!ws_linktype_supported (linktype))
    {
      /* its packets go on all the same: the decoder counts them */
      const char *dn = pcap_datalink_val_to_name (linktype);
      g_printerr ("wsclosed: %s: unsupported link type %d (%s) on interface %u: its packets are skipped\n",
                  s->name, linktype, dn ? dn : "unknown", ifindex);
      if (s->cap)
        s->cap->late_errors++;
      return;
    }
  if (s->filter)
    {
      g_autoptr (GError) err = NULL;
      if (!ng_compile (s, f, &err))
        {
          g_printerr ("wsclosed: %s: interface %u: %s\n", s->name, ifindex, err->message);
          f->skip = true;
          if (s->cap)
            s->cap->late_errors++;
        }
    }
}

static bool
compile_filter (pcap_t *p, const char *filter, struct bpf_program *prog, GError **error)
{
  if (pcap_compile (p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER,
                   "bad filter expression \"%s\": %s", filter, pcap_geterr (p));
      return false;
    }
  return true;
}

static bool
set_filter (pcap_t *p, const char *filter, GError **error)
{
  struct bpf_program prog;
  if (!compile_filter (p, filter, &prog, error))
    return false;
  int rc = pcap_setfilter (p, &prog);
  pcap_freecode (&prog);
  if (rc < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER,
                   "cannot set filter: %s", pcap_geterr (p));
      return false;
    }
  return true;
}

/* A file we read runs the filter itself; libpcap's handle only compiles it. */
static bool
set_source_filter (source *s, const char *filter, GError **error)
{
  if (s->ng)
    {
      g_free (s->filter);
      s->filter = g_strdup (filter);
      for (guint i = 0; i < s->ng_ifaces->len; i++)
        {
          ng_iface *f = &g_array_index (s->ng_ifaces, ng_iface, i);
          if (ws_linktype_supported (f->dlt) && !ng_compile (s, f, error))
            return false;
        }
      return true;
    }
  if (!s->rd)
    {
      if (!compile_filter (s->p, filter, &s->lp_prog, error))
        return false;
      s->lp_filtered = true;
      return true;
    }
  if (!compile_filter (s->p, filter, &s->rd->prog, error))
    return false;
  s->rd->filtered = true;
  s->rd->plain = false;
  return true;
}

ws_capture *
ws_capture_open_files (char **files, const char *filter, int *n_errors, GError **error)
{
  ws_capture *cap = g_new0 (ws_capture, 1);
  cap->sources = g_ptr_array_new_with_free_func (source_free);
  for (size_t i = 0; files && files[i]; i++)
    {
      char errbuf[PCAP_ERRBUF_SIZE] = "";
      source *s = open_one (files[i], errbuf);
      if (!s)
        {
          g_printerr ("wsclosed: %s: %s\n", files[i], friendly (errbuf));
          (*n_errors)++;
          continue;
        }
      s->cap = cap;
      if (s->ng)
        {
          /* interfaces read so far (the first): reported as they came */
          for (guint k = 0; k < s->ng_ifaces->len; k++)
            if (!ws_linktype_supported (g_array_index (s->ng_ifaces, ng_iface, k).dlt))
              (*n_errors)++;
        }
      else if (!ws_linktype_supported (s->dlt))
        {
          const char *dn = pcap_datalink_val_to_name (s->dlt);
          g_printerr ("wsclosed: %s: unsupported link type %d (%s)\n", files[i], s->dlt,
                      dn ? dn : "unknown");
          (*n_errors)++;
          source_free (s);
          continue;
        }
      if (filter && *filter && !set_source_filter (s, filter, error))
        {
          source_free (s);
          ws_capture_free (cap);
          return NULL;
        }
      g_ptr_array_add (cap->sources, s);
    }
  return cap;
}

/* Read the next packet of s; false at its end (an error is reported). */
static bool
advance (source *s, int *n_errors)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  int rc;
  const char *err = errbuf;
  if (s->rd)
    {
      rc = direct_next (s->rd, &s->data, errbuf);
      s->h = &s->rd->hdr;
      s->frame = s->rd->frames;
    }
  else if (s->ng)
    {
      uint32_t ifindex;
      s->h = &s->ng_hdr;
      for (;;)
        {
          rc = ws_pcapng_next (s->ng, &s->ng_hdr, &s->data, &s->dlt, &ifindex, errbuf);
          if (rc != 1)
            {
              if (rc < 0)
                rc = PCAP_ERROR;
              break;
            }
          s->frame = ++s->frames;
          const ng_iface *f = &g_array_index (s->ng_ifaces, ng_iface, ifindex);
          if (f->skip || (f->filtered && !pcap_offline_filter (&f->prog, s->h, s->data)))
            continue;
          break;
        }
    }
  else
    {
      do
        {
          rc = pcap_next_ex (s->p, &s->h, &s->data);
          if (rc == 1)
            s->frame = ++s->frames;
        }
      while (rc == 1 && s->lp_filtered && !pcap_offline_filter (&s->lp_prog, s->h, s->data));
      if (rc == PCAP_ERROR)
        err = pcap_geterr (s->p);
    }
  if (rc == 1)
    {
      s->has = true;
      return true;
    }
  s->has = false;
  s->done = true;
  if (rc == PCAP_ERROR)
    {
      g_printerr ("wsclosed: %s: %s\n", s->name, friendly (err));
      (*n_errors)++;
    }
  return false;
}

static inline bool
earlier (const struct pcap_pkthdr *a, const struct pcap_pkthdr *b)
{
  if (a->ts.tv_sec != b->ts.tv_sec)
    return a->ts.tv_sec < b->ts.tv_sec;
  return a->ts.tv_usec < b->ts.tv_usec;
}

typedef struct {
  ws_packet_fn fn;
  void *user;
  int dlt;
  source *s;                /* a file: frames counted, filter run */
} loop_ctx;

static void
loop_cb (u_char *u, const struct pcap_pkthdr *h, const u_char *data)
{
  loop_ctx *lc = (loop_ctx *) u;
  source *s = lc->s;
  if (s)
    {
      s->frame = ++s->frames;
      if (s->lp_filtered && !pcap_offline_filter (&s->lp_prog, h, data))
        return;
      s->cap->cur_file = s->iname;
      s->cap->cur_frame = s->frame;
    }
  lc->fn (lc->user, lc->dlt, h, data);
}

int
ws_capture_run (ws_capture *cap, ws_packet_fn fn, void *user)
{
  int n_errors = 0;
  guint n = cap->sources->len;
  if (n == 1 && ((source *) g_ptr_array_index (cap->sources, 0))->rd)
    {
      /* one classic pcap file: straight through the blocks */
      source *s = g_ptr_array_index (cap->sources, 0);
      const u_char *data;
      char errbuf[PCAP_ERRBUF_SIZE];
      int rc = 0;
      cap->cur_file = s->iname;
      while (!cap->stop && (rc = direct_next (s->rd, &data, errbuf)) == 1)
        {
          cap->cur_frame = s->rd->frames;
          fn (user, s->dlt, &s->rd->hdr, data);
        }
      if (!cap->stop && rc < 0)
        {
          g_printerr ("wsclosed: %s: %s\n", s->name, friendly (errbuf));
          n_errors++;
        }
      return n_errors;
    }
  if (n == 1 && ((source *) g_ptr_array_index (cap->sources, 0))->p)
    {
      /* one file: libpcap's own loop, the cheapest way through it */
      source *s = g_ptr_array_index (cap->sources, 0);
      loop_ctx lc = { fn, user, s->dlt, s };
      int rc = pcap_loop (s->p, -1, loop_cb, (u_char *) &lc);
      if (rc == PCAP_ERROR)
        {
          g_printerr ("wsclosed: %s: %s\n", s->name, friendly (pcap_geterr (s->p)));
          n_errors++;
        }
      return n_errors;
    }
  for (guint i = 0; i < n; i++)
    advance (g_ptr_array_index (cap->sources, i), &n_errors);
  while (!cap->stop)
    {
      source *best = NULL;
      for (guint i = 0; i < n; i++)
        {
          source *s = g_ptr_array_index (cap->sources, i);
          if (s->has && (!best || earlier (s->h, best->h)))
            best = s;
        }
      if (!best)
        break;
      cap->cur_file = best->iname;
      cap->cur_frame = best->frame;
      fn (user, best->dlt, best->h, best->data);
      advance (best, &n_errors);
    }
  n_errors += cap->late_errors;
  cap->late_errors = 0;
  return n_errors;
}

ws_capture *
ws_capture_open_live (const ws_live_opts *o, GError **error)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create (o->iface, errbuf);
  if (!p)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN, "%s: %s", o->iface, errbuf);
      return NULL;
    }
  pcap_set_snaplen (p, o->snaplen > 0 ? o->snaplen : 262144);
  pcap_set_promisc (p, 0);
  pcap_set_timeout (p, o->timeout_ms > 0 ? o->timeout_ms : 200);
  if (o->buffer_kib > 0)
    pcap_set_buffer_size (p, o->buffer_kib * 1024);
  if (o->immediate)
    pcap_set_immediate_mode (p, 1);
  int rc = pcap_activate (p);
  if (rc < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN, "%s: %s", o->iface,
                   rc == PCAP_ERROR ? pcap_geterr (p) : pcap_statustostr (rc));
      pcap_close (p);
      return NULL;
    }
  if (o->filter && *o->filter && !set_filter (p, o->filter, error))
    {
      pcap_close (p);
      return NULL;
    }
  /* the daemon polls the descriptor and must never block in dispatch */
  if (pcap_setnonblock (p, 1, errbuf) < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_OPEN, "%s: %s", o->iface, errbuf);
      pcap_close (p);
      return NULL;
    }
  int dlt = pcap_datalink (p);
  if (!ws_linktype_supported (dlt))
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_LINKTYPE,
                   "%s: unsupported link type %d", o->iface, dlt);
      pcap_close (p);
      return NULL;
    }
  ws_capture *cap = g_new0 (ws_capture, 1);
  cap->sources = g_ptr_array_new_with_free_func (source_free);
  cap->live = true;
  source *s = g_new0 (source, 1);
  s->name = g_strdup (o->iface);
  s->p = p;
  s->dlt = dlt;
  g_ptr_array_add (cap->sources, s);
  return cap;
}

int
ws_capture_dispatch (ws_capture *cap, ws_packet_fn fn, void *user, GError **error)
{
  source *s = g_ptr_array_index (cap->sources, 0);
  loop_ctx lc = { fn, user, s->dlt, NULL };
  int rc = pcap_dispatch (s->p, -1, loop_cb, (u_char *) &lc);
  if (rc == PCAP_ERROR)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_READ, "%s: %s", s->name, pcap_geterr (s->p));
      return -1;
    }
  return rc < 0 ? 0 : rc;
}

void
ws_capture_break (ws_capture *cap)
{
  cap->stop = 1;
  for (guint i = 0; i < cap->sources->len; i++)
    {
      source *s = g_ptr_array_index (cap->sources, i);
      if (s->p)
        pcap_breakloop (s->p);
    }
}

bool
ws_capture_stats (ws_capture *cap, unsigned *recv, unsigned *drop, unsigned *ifdrop)
{
  source *s = g_ptr_array_index (cap->sources, 0);
  struct pcap_stat st;
  if (!cap->live || pcap_stats (s->p, &st) < 0)
    return false;
  *recv = st.ps_recv;
  *drop = st.ps_drop;
  *ifdrop = st.ps_ifdrop;
  return true;
}

int
ws_capture_fd (ws_capture *cap)
{
  source *s = g_ptr_array_index (cap->sources, 0);
  return pcap_get_selectable_fd (s->p);
}

void
ws_capture_set_secrets_fn (ws_capture *cap, ws_secrets_fn fn, void *user)
{
  for (guint i = 0; i < cap->sources->len; i++)
    {
      source *s = g_ptr_array_index (cap->sources, i);
      if (s->ng)
        ws_pcapng_set_secrets_fn (s->ng, fn, user);
    }
}

const char *
ws_capture_origin (const ws_capture *cap, uint64_t *frame)
{
  *frame = cap->cur_frame;
  return cap->cur_file;
}

void
ws_capture_set_idle_fn (ws_capture *cap, ws_idle_fn fn, void *user)
{
  cap->idle_fn = fn;
  cap->idle_user = user;
}

guint
ws_capture_sources (const ws_capture *cap)
{
  return cap->sources->len;
}

bool
ws_capture_streaming (const ws_capture *cap)
{
  for (guint i = 0; i < cap->sources->len; i++)
    if (((source *) g_ptr_array_index (cap->sources, i))->streaming)
      return true;
  return false;
}

void
ws_capture_free (ws_capture *cap)
{
  if (!cap)
    return;
  g_ptr_array_unref (cap->sources);
  g_free (cap);
}
