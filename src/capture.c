/* capture.c - packet sources.
 *
 * Several saved captures given together are one capture: each source keeps
 * its next packet (libpcap's buffer stays valid until the next read of that
 * handle, so nothing is copied) and the earliest one is handed on.  A file
 * starting with the gzip magic is read through zlib with fopencookie(), so a
 * .pcap.gz is never unpacked to disk; standard input always goes through
 * zlib, which passes uncompressed data through unchanged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "capture.h"
#include "decode.h"

typedef struct {
  char *name;
  pcap_t *p;
  FILE *fp;                 /* cookie stream over gz, or NULL */
  int dlt;
  struct pcap_pkthdr *h;
  const u_char *data;
  bool has;                 /* h/data hold this source's next packet */
  bool done;
} source;

G_DEFINE_QUARK (ws-capture-error-quark, ws_capture_error)

struct ws_capture {
  GPtrArray *sources;       /* of source* */
  bool live;
  volatile sig_atomic_t stop;
};

static ssize_t
gz_read (void *cookie, char *buf, size_t size)
{
  int n = gzread ((gzFile) cookie, buf, (unsigned) MIN (size, (size_t) G_MAXINT));
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
  return gzclose ((gzFile) cookie) == Z_OK ? 0 : -1;
}

static FILE *
gz_stream (int fd)
{
  gzFile gz = gzdopen (fd, "rb");
  if (!gz)
    return NULL;
  gzbuffer (gz, 256 * 1024);
  cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
  FILE *fp = fopencookie (gz, "rb", io);
  if (!fp)
    gzclose (gz);
  return fp;
}

static void
source_free (gpointer v)
{
  source *s = v;
  if (s->p)
    pcap_close (s->p); /* closes s->fp too */
  else if (s->fp)
    fclose (s->fp);
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

static source *
open_one (const char *name, char *errbuf)
{
  source *s = g_new0 (source, 1);
  s->name = g_strdup (name);
  bool is_stdin = strcmp (name, "-") == 0;
  if (is_stdin)
    {
      int fd = dup (0);
      s->fp = fd >= 0 ? gz_stream (fd) : NULL;
      if (!s->fp)
        {
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot read standard input");
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
      struct stat st;
      if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
        {
          close (fd);
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "is a directory");
          source_free (s);
          return NULL;
        }
      unsigned char magic[2] = { 0, 0 };
      ssize_t n = pread (fd, magic, 2, 0);
      if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
          s->fp = gz_stream (fd);
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
        }
    }
  s->p = pcap_fopen_offline_with_tstamp_precision (s->fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (!s->p)
    {
      /* pcap did not take the stream: close it ourselves */
      source_free (s);
      return NULL;
    }
  s->dlt = pcap_datalink (s->p);
  return s;
}

static bool
set_filter (pcap_t *p, const char *filter, GError **error)
{
  struct bpf_program prog;
  if (pcap_compile (p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER,
                   "bad filter expression \"%s\": %s", filter, pcap_geterr (p));
      return false;
    }
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
      if (!ws_linktype_supported (s->dlt))
        {
          const char *dn = pcap_datalink_val_to_name (s->dlt);
          g_printerr ("wsclosed: %s: unsupported link type %d (%s)\n", files[i], s->dlt,
                      dn ? dn : "unknown");
          (*n_errors)++;
          source_free (s);
          continue;
        }
      if (filter && *filter && !set_filter (s->p, filter, error))
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
  int rc = pcap_next_ex (s->p, &s->h, &s->data);
  if (rc == 1)
    {
      s->has = true;
      return true;
    }
  s->has = false;
  s->done = true;
  if (rc == PCAP_ERROR)
    {
      g_printerr ("wsclosed: %s: %s\n", s->name, friendly (pcap_geterr (s->p)));
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
} loop_ctx;

static void
loop_cb (u_char *u, const struct pcap_pkthdr *h, const u_char *data)
{
  loop_ctx *lc = (loop_ctx *) u;
  lc->fn (lc->user, lc->dlt, h, data);
}

int
ws_capture_run (ws_capture *cap, ws_packet_fn fn, void *user)
{
  int n_errors = 0;
  guint n = cap->sources->len;
  if (n == 1)
    {
      /* one file: libpcap's own loop, the cheapest way through it */
      source *s = g_ptr_array_index (cap->sources, 0);
      loop_ctx lc = { fn, user, s->dlt };
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
      fn (user, best->dlt, best->h, best->data);
      advance (best, &n_errors);
    }
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
  loop_ctx lc = { fn, user, s->dlt };
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
    pcap_breakloop (((source *) g_ptr_array_index (cap->sources, i))->p);
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
ws_capture_free (ws_capture *cap)
{
  if (!cap)
    return;
  g_ptr_array_unref (cap->sources);
  g_free (cap);
}
