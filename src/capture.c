/* capture.c - packet sources: saved captures opened and read together, in
 * timestamp order.
 *
 * Several saved captures given together are one capture: each source keeps
 * its next packet (libpcap's buffer stays valid until the next read of that
 * handle, so nothing is copied) and the earliest one is handed on.  A file
 * starting with the gzip magic is read through zlib (capture-stream.c); a
 * pipe (standard input, a FIFO) is read as its data comes, gzip or not
 * (capture-stream.c too).
 *
 * A classic pcap file on disk is not read through libpcap's stdio loop but
 * in blocks (capture-direct.c).  libpcap still opens the file (it checks the
 * header and maps the link type), compiles the filter and runs it
 * (pcap_offline_filter).  pcapng, gzip and standard input go through
 * libpcap with a larger stdio buffer.  WSCLOSED_READER=libpcap in the
 * environment sends every file through libpcap (the tests compare both
 * readers).  A live interface is opened by capture-live.c.
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
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "capture-private.h"
#include "decode.h"
#include "pcapng.h"

G_DEFINE_QUARK (ws-capture-error-quark, ws_capture_error)

void
capture_source_free (gpointer v)
{
  source *s = v;
  capture_direct_free (s->rd);
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
const char *
capture_friendly (const char *msg)
{
  if (strstr (msg, "unknown file format") || strstr (msg, "bad dump file format"))
    return "not a capture file (neither pcap nor pcapng)";
  if (strstr (msg, "truncated dump file") || strstr (msg, "truncated pcapng"))
    return "truncated capture file (the last packet is cut short)";
  return msg;
}

static void ng_iface_seen (void *user, uint32_t ifindex, int linktype, uint32_t snaplen);

static inline uint32_t
magic_word (const uint8_t m[4])
{
  uint32_t v;
  memcpy (&v, m, 4);
  return v;
}

/* Standard input as the source s: read as a pipe.  False with errbuf set. */
static bool
open_stdin (ws_capture *cap, source *s, uint8_t magic[4], char *errbuf)
{
  int fd = dup (0), got = 0;
  s->fp = fd >= 0 ? capture_pipe_stream (fd, s, cap, false, magic, &got) : NULL;
  s->streaming = s->fp != NULL;
  if (!s->fp)
    {
      if (fd >= 0)
        close (fd);
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot read standard input");
      return false;
    }
  if (got == 0)
    {
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "empty: no data at all, not even a capture header");
      return false;
    }
  return true;
}

/* A FIFO, a character device: read as a pipe; a regular file followed: the
 * same, waiting at its end for more.  Takes fd; false with errbuf set. */
static bool
open_fd_stream (ws_capture *cap, source *s, int fd, bool regular, uint8_t magic[4],
                char *errbuf)
{
  int got = 0;
  s->follow = regular;
  s->fp = capture_pipe_stream (fd, s, cap, s->follow, magic, &got);
  if (s->fp && got == 0)
    {
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE,
                  "empty: no data at all, not even a capture header");
      return false;
    }
  if (!s->fp)
    {
      close (fd);
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot read");
      return false;
    }
  s->streaming = true;
  return true;
}

/* A regular file read from its start: gzip or plain, the plain one through
 * the direct reader when it can.  Takes fd; false with errbuf set. */
static bool
open_fd_seekable (source *s, int fd, const struct stat *st, uint8_t magic[4], char *errbuf)
{
  if (S_ISREG (st->st_mode) && st->st_size == 0)
    {
      close (fd);
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "empty file (0 bytes), not a capture");
      return false;
    }
  ssize_t n = pread (fd, magic, 4, 0);
  if (n < 4)
    memset (magic + (n > 0 ? n : 0), 0, (size_t) (4 - (n > 0 ? n : 0)));
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      s->fp = capture_gz_stream (fd, magic);
      if (!s->fp)
        {
          close (fd);
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "cannot open gzip stream");
          return false;
        }
      return true;
    }
  s->fp = fdopen (fd, "rb");
  if (!s->fp)
    {
      close (fd);
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "%s", g_strerror (errno));
      return false;
    }
  if (S_ISREG (st->st_mode))
    s->rd = capture_direct_open (fd);
  return true;
}

/* The file name as the source s; follow as for open_one.  False with errbuf
 * set. */
static bool
open_path (ws_capture *cap, source *s, const char *name, bool follow, uint8_t magic[4],
           char *errbuf)
{
  int fd = open (name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "%s", g_strerror (errno));
      return false;
    }
  struct stat st = { 0 }; /* S_ISREG below is false if fstat fails */
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      close (fd);
      g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "is a directory");
      return false;
    }
  if (!S_ISREG (st.st_mode) || follow)
    return open_fd_stream (cap, s, fd, S_ISREG (st.st_mode), magic, errbuf);
  return open_fd_seekable (s, fd, &st, magic, errbuf);
}

/* Starts the reader on s->fp, whose first bytes are magic: our pcapng reader,
 * else libpcap (with the direct reader for what it knows).  False with errbuf
 * set. */
static bool
open_reader (source *s, const uint8_t magic[4], char *errbuf)
{
  if (!s->rd)
    setvbuf (s->fp, NULL, _IOFBF, 1 << 20);
  if (magic_word (magic) == WS_PCAPNG_MAGIC
      && g_strcmp0 (g_getenv ("WSCLOSED_READER"), "libpcap") != 0)
    {
      uint8_t skip[4];
      if (fread (skip, 1, 4, s->fp) != 4)
        {
          g_snprintf (errbuf, PCAP_ERRBUF_SIZE, "truncated capture file");
          return false;
        }
      s->ng = ws_pcapng_new (s->fp);
      s->ng_ifaces = g_array_new (FALSE, TRUE, sizeof (ng_iface));
      ws_pcapng_set_iface_fn (s->ng, ng_iface_seen, s);
      if (!ws_pcapng_start (s->ng, errbuf))
        return false;
      s->dlt = ws_pcapng_first_linktype (s->ng);
      return true;
    }
  s->p = pcap_fopen_offline_with_tstamp_precision (s->fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (!s->p)
    return false; /* pcap did not take the stream: the caller closes it */
  s->dlt = pcap_datalink (s->p);
  if (s->rd && !capture_direct_header (s->rd, s->p))
    {
      capture_direct_free (s->rd); /* a format libpcap knows better: let it read */
      s->rd = NULL;
    }
  return true;
}

/* Opens one source of cap (not added to it yet); follow: a regular file is
 * read on at its end as it grows. */
static source *
open_one (ws_capture *cap, const char *name, bool follow, char *errbuf)
{
  source *s = g_new0 (source, 1);
  s->name = g_strdup (name);
  s->iname = g_intern_string (name);
  uint8_t magic[4] = { 0, 0, 0, 0 };
  bool ok = strcmp (name, "-") == 0 ? open_stdin (cap, s, magic, errbuf)
                                    : open_path (cap, s, name, follow, magic, errbuf);
  if (!ok || !open_reader (s, magic, errbuf))
    {
      capture_source_free (s);
      return NULL;
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

bool
capture_compile_filter (pcap_t *p, const char *filter, struct bpf_program *prog, GError **error)
{
  if (pcap_compile (p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
    {
      g_set_error (error, WS_CAPTURE_ERROR, WS_CAPTURE_ERROR_FILTER,
                   "bad filter expression \"%s\": %s", filter, pcap_geterr (p));
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
      if (!capture_compile_filter (s->p, filter, &s->lp_prog, error))
        return false;
      s->lp_filtered = true;
      return true;
    }
  if (!capture_compile_filter (s->p, filter, &s->rd->prog, error))
    return false;
  s->rd->filtered = true;
  s->rd->plain = false;
  return true;
}

static ws_capture *
open_files (char **files, const char *filter, bool follow, volatile sig_atomic_t *stop_flag,
            int *n_errors, GError **error)
{
  ws_capture *cap = g_new0 (ws_capture, 1);
  cap->sources = g_ptr_array_new_with_free_func (capture_source_free);
  cap->stop_flag = stop_flag;
  for (size_t i = 0; files && files[i]; i++)
    {
      char errbuf[PCAP_ERRBUF_SIZE] = "";
      source *s = open_one (cap, files[i], follow, errbuf);
      if (!s)
        {
          g_printerr ("wsclosed: %s: %s\n", files[i], capture_friendly (errbuf));
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
          capture_source_free (s);
          continue;
        }
      if (filter && *filter && !set_source_filter (s, filter, error))
        {
          capture_source_free (s);
          ws_capture_free (cap);
          return NULL;
        }
      g_ptr_array_add (cap->sources, s);
    }
  return cap;
}

ws_capture *
ws_capture_open_files (char **files, const char *filter, int *n_errors, GError **error)
{
  return open_files (files, filter, false, NULL, n_errors, error);
}

ws_capture *
ws_capture_open_follow (const char *file, const char *filter, volatile sig_atomic_t *stop,
                        int *n_errors, GError **error)
{
  char *files[] = { (char *) file, NULL };
  return open_files (files, filter, true, stop, n_errors, error);
}

/* A source has ended (failed: reading it failed, err the
 * message): say why when it is worth saying, and count the error.  A
 * stream stopped by a signal may end in the middle of a record: that is
 * the stop, not a damaged file. */
static void
source_ended (source *s, bool failed, const char *err, int *n_errors)
{
  if (s->shrunk)
    {
      g_printerr ("wsclosed: %s: the file became shorter while being followed (truncated or "
                  "rewritten): reading it stopped\n", s->name);
      (*n_errors)++;
      return;
    }
  if (failed && !(s->streaming && capture_stopped (s->cap)))
    {
      g_printerr ("wsclosed: %s: %s\n", s->name, capture_friendly (err));
      (*n_errors)++;
    }
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
      rc = capture_direct_next (s->rd, &s->data, errbuf);
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
  source_ended (s, rc == PCAP_ERROR, err, n_errors);
  return false;
}

static inline bool
earlier (const struct pcap_pkthdr *a, const struct pcap_pkthdr *b)
{
  if (a->ts.tv_sec != b->ts.tv_sec)
    return a->ts.tv_sec < b->ts.tv_sec;
  return a->ts.tv_usec < b->ts.tv_usec;
}

void
capture_loop_cb (u_char *u, const struct pcap_pkthdr *h, const u_char *data)
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
      while (!cap->stop && (rc = capture_direct_next_inline (s->rd, &data, errbuf)) == 1)
        {
          cap->cur_frame = s->rd->frames;
          fn (user, s->dlt, &s->rd->hdr, data);
        }
      if (!cap->stop && rc < 0)
        {
          g_printerr ("wsclosed: %s: %s\n", s->name, capture_friendly (errbuf));
          n_errors++;
        }
      return n_errors;
    }
  if (n == 1 && ((source *) g_ptr_array_index (cap->sources, 0))->p)
    {
      /* one file: libpcap's own loop, the cheapest way through it */
      source *s = g_ptr_array_index (cap->sources, 0);
      loop_ctx lc = { fn, user, s->dlt, s };
      int rc = pcap_loop (s->p, -1, capture_loop_cb, (u_char *) &lc);
      source_ended (s, rc == PCAP_ERROR, pcap_geterr (s->p), &n_errors);
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

void
ws_capture_set_stop (ws_capture *cap, volatile sig_atomic_t *stop)
{
  cap->stop_flag = stop;
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
