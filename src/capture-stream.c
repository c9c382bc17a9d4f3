/* capture-stream.c - captures read as a stdio stream that libpcap or
 * pcapng.c pull from: a gzip-compressed file inflated by zlib (through
 * fopencookie(), so a .pcap.gz is never unpacked to disk), and a pipe
 * (standard input, a FIFO) read as its data comes.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capture.h"
#include "capture-private.h"

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
FILE *
capture_gz_stream (int fd, uint8_t magic[4])
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
FILE *
capture_pipe_stream (int fd, source *s, uint8_t magic[4], int *got)
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
