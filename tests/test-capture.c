/* test-capture.c - the capture reader (capture.h): files written here, read
 * as the program reads them.  Classic pcap in both byte orders, with
 * microsecond and nanosecond timestamps, and pcapng in both byte orders,
 * give the same packets (time, lengths, bytes, link type); a file cut in
 * its last record hands on the packets before the cut and then reports
 * one error; an empty file, a file that is no capture and a link type we
 * cannot decode are each reported on one line naming the file and counted,
 * and the other files given with them are still read, in time order;
 * gzip-compressed files read the same.
 * Every file test runs through both readers (our direct one and libpcap's,
 * WSCLOSED_READER=libpcap). */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "capture.h"
#include "conn-builder.h"

#define DLT_ETHERNET 1

/* ---- packets and files -------------------------------------------------- */

/* Three frames of different lengths at known times (seconds, microseconds). */
typedef struct {
  uint32_t sec, usec;
  GByteArray *frame;
} pkt;

static pkt pkts[3];

static void
pkts_init (void)
{
  static const uint32_t t[3][2] = {
    { 1700000000, 1 }, { 1700000000, 999999 }, { 1700000100, 500000 },
  };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *payload = g_strnfill ((gsize) (10 * i), (char) ('a' + i));
      pkts[i].sec = t[i][0];
      pkts[i].usec = t[i][1];
      pkts[i].frame = cb_eth_tcp ("10.0.0.1", (uint16_t) (1000 + i), "10.0.0.2", 80,
                                  (uint32_t) i, 0, 0x18, payload, strlen (payload));
    }
}

typedef enum { PCAP_US, PCAP_NS, PCAPNG } format;

/* The three packets in a file of format f (swapped: the other byte order);
 * cut bytes are taken off its end. */
static GByteArray *
file_bytes (format f, bool swapped, size_t cut)
{
  GByteArray *b = g_byte_array_new ();
  if (f == PCAPNG)
    {
      cb_pcapng_section (b, swapped);
      cb_pcapng_iface (b, swapped, DLT_ETHERNET, 65535);
    }
  else
    cb_pcap_header (b, f == PCAP_NS, swapped, 65535, DLT_ETHERNET);
  for (int i = 0; i < 3; i++)
    {
      const pkt *p = &pkts[i];
      if (f == PCAPNG)
        cb_pcapng_packet (b, swapped, 0, (uint64_t) p->sec * 1000000 + p->usec, p->frame->data,
                          p->frame->len, p->frame->len);
      else
        /* nanoseconds: a value whose last three digits must be dropped */
        cb_pcap_record (b, swapped, p->sec, f == PCAP_NS ? p->usec * 1000 + 789 : p->usec,
                        p->frame->data, p->frame->len, p->frame->len);
    }
  g_assert_cmpuint (cut, <, b->len);
  g_byte_array_set_size (b, b->len - (guint) cut);
  return b;
}

static char *tmpdir;

static char *
write_file (const char *name, const void *data, size_t len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  return path;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct {
  GArray *hdrs;        /* struct pcap_pkthdr */
  GPtrArray *data;     /* GBytes */
  GArray *linktypes;   /* int */
  GPtrArray *origins;  /* "file:frame" */
  ws_capture *cap;
} got;

static void
on_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  got *g = user;
  uint64_t frame = 0;
  const char *file = ws_capture_origin (g->cap, &frame);
  g_array_append_val (g->hdrs, *h);
  g_ptr_array_add (g->data, g_bytes_new (data, h->caplen));
  g_array_append_val (g->linktypes, linktype);
  g_ptr_array_add (g->origins, g_strdup_printf ("%s:%" G_GUINT64_FORMAT,
                                                file ? strrchr (file, '/') + 1 : "-", frame));
}

static void
got_clear (got *g)
{
  g_array_unref (g->hdrs);
  g_ptr_array_unref (g->data);
  g_array_unref (g->linktypes);
  g_ptr_array_unref (g->origins);
}

/* Opens and reads files; the open errors counted in *open_errors, the
 * read errors returned in *run_errors, stderr's text returned. */
static char *
read_files (char **files, got *g, int *open_errors, int *run_errors)
{
  g->hdrs = g_array_new (FALSE, TRUE, sizeof (struct pcap_pkthdr));
  g->data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g->linktypes = g_array_new (FALSE, TRUE, sizeof (int));
  g->origins = g_ptr_array_new_with_free_func (g_free);

  g_autofree char *errpath = g_build_filename (tmpdir, "stderr", NULL);
  fflush (stderr);
  int saved = dup (2);
  int fd = open (errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  dup2 (fd, 2);
  close (fd);

  g_autoptr (GError) error = NULL;
  *open_errors = 0;
  g->cap = ws_capture_open_files (files, NULL, open_errors, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g->cap);
  *run_errors = ws_capture_run (g->cap, on_packet, g);
  ws_capture_free (g->cap);
  g->cap = NULL;

  fflush (stderr);
  dup2 (saved, 2);
  close (saved);
  char *text = NULL;
  g_assert_true (g_file_get_contents (errpath, &text, NULL, NULL));
  g_unlink (errpath);
  return text;
}

/* b (taken) written to a file of its own named name, then read as the one
 * input: read_files's result; *path (the caller's) names the file. */
static char *
read_bytes (const char *name, GByteArray *b, got *g, int *open_errors, int *run_errors,
            char **path)
{
  *path = write_file (name, b->data, b->len);
  g_byte_array_unref (b);
  char *files[] = { *path, NULL };
  return read_files (files, g, open_errors, run_errors);
}

/* Packet i of what was read is pkts[k], whole. */
static void
check_pkt (const got *g, guint i, int k)
{
  const struct pcap_pkthdr *h = &g_array_index (g->hdrs, struct pcap_pkthdr, i);
  g_assert_cmpint (h->ts.tv_sec, ==, pkts[k].sec);
  g_assert_cmpint (h->ts.tv_usec, ==, pkts[k].usec);
  g_assert_cmpuint (h->caplen, ==, pkts[k].frame->len);
  g_assert_cmpuint (h->len, ==, pkts[k].frame->len);
  gsize n;
  const uint8_t *d = g_bytes_get_data (g_ptr_array_index (g->data, i), &n);
  g_assert_cmpmem (d, n, pkts[k].frame->data, pkts[k].frame->len);
  g_assert_cmpint (g_array_index (g->linktypes, int, i), ==, DLT_ETHERNET);
}

static const char *const readers[] = { "direct", "libpcap" };

static void
use_reader (int r)
{
  if (r == 1)
    g_setenv ("WSCLOSED_READER", "libpcap", TRUE);
  else
    g_unsetenv ("WSCLOSED_READER");
}

/* ---- tests -------------------------------------------------------------- */

static void
test_formats (void)
{
  static const char *const names[] = { "us", "ns", "ng" };
  for (int r = 0; r < 2; r++)
    for (int f = PCAP_US; f <= PCAPNG; f++)
      for (int sw = 0; sw < 2; sw++)
        {
          use_reader (r);
          g_test_message ("%s reader, %s, %s", readers[r], names[f], sw ? "swapped" : "native");
          GByteArray *b = file_bytes ((format) f, sw, 0);
          got g;
          int oe, re;
          g_autofree char *path = NULL;
          g_autofree char *err = read_bytes ("f.pcap", b, &g, &oe, &re, &path);
          g_assert_cmpstr (err, ==, "");
          g_assert_cmpint (oe, ==, 0);
          g_assert_cmpint (re, ==, 0);
          g_assert_cmpuint (g.hdrs->len, ==, 3);
          for (guint i = 0; i < 3; i++)
            {
              check_pkt (&g, i, (int) i);
              g_autofree char *o = g_strdup_printf ("f.pcap:%u", i + 1);
              g_assert_cmpstr (g_ptr_array_index (g.origins, i), ==, o);
            }
          got_clear (&g);
          g_unlink (path);
        }
  use_reader (0);
}

/* The same files gzip-compressed, as rotated captures often are. */
static void
test_gzip (void)
{
  for (int f = PCAP_US; f <= PCAPNG; f++)
    for (int sw = 0; sw < 2; sw++)
      {
        GByteArray *b = file_bytes ((format) f, sw, 0);
        g_autofree char *path = g_build_filename (tmpdir, "f.pcap.gz", NULL);
        gzFile z = gzopen (path, "wb");
        g_assert_nonnull (z);
        g_assert_cmpint (gzwrite (z, b->data, b->len), ==, (int) b->len);
        g_assert_cmpint (gzclose (z), ==, Z_OK);
        g_byte_array_unref (b);
        char *files[] = { path, NULL };
        got g;
        int oe, re;
        g_autofree char *err = read_files (files, &g, &oe, &re);
        g_assert_cmpstr (err, ==, "");
        g_assert_cmpint (oe + re, ==, 0);
        g_assert_cmpuint (g.hdrs->len, ==, 3);
        for (guint i = 0; i < 3; i++)
          check_pkt (&g, i, (int) i);
        got_clear (&g);
        g_unlink (path);
      }
}

/* A file cut inside its last record: the two before it, then one error. */
static void
test_truncated (void)
{
  for (int r = 0; r < 2; r++)
    for (int f = PCAP_US; f <= PCAPNG; f++)
      for (size_t cut = 1; cut <= 20; cut += 19)
        {
          use_reader (r);
          GByteArray *b = file_bytes ((format) f, false, cut);
          got g;
          int oe, re;
          g_autofree char *path = NULL;
          g_autofree char *err = read_bytes ("cut.pcap", b, &g, &oe, &re, &path);
          g_assert_cmpint (oe, ==, 0);
          g_assert_cmpint (re, ==, 1);
          g_assert_cmpuint (g.hdrs->len, ==, 2);
          check_pkt (&g, 0, 0);
          check_pkt (&g, 1, 1);
          g_autofree char *want = g_strdup_printf ("wsclosed: %s: truncated capture file (the "
                                                   "last packet is cut short)\n", path);
          g_test_message ("%s reader, format %d, cut %zu: %s", readers[r], f, cut, err);
          g_assert_cmpstr (err, ==, want);
          g_auto (GStrv) lines = g_strsplit (err, "\n", -1);   /* one line */
          g_assert_cmpuint (g_strv_length (lines), ==, 2);
          g_assert_cmpstr (lines[1], ==, "");
          got_clear (&g);
          g_unlink (path);
        }
  use_reader (0);
}

/* Files that cannot be read are reported one line each and counted; the
 * good file given with them is read whole, and two good files are merged
 * in time order. */
static void
test_bad_files (void)
{
  for (int r = 0; r < 2; r++)
    {
      use_reader (r);
      g_autofree char *empty = write_file ("empty.pcap", "", 0);
      g_autofree char *text = write_file ("text.pcap", "hello, this is no capture\n", 26);
      GByteArray *b = g_byte_array_new ();
      cb_pcap_header (b, false, false, 65535, 147);   /* LINKTYPE_USER0 */
      cb_pcap_record (b, false, 1700000000, 0, pkts[0].frame->data, pkts[0].frame->len,
                      pkts[0].frame->len);
      g_autofree char *user0 = write_file ("user0.pcap", b->data, b->len);
      g_byte_array_unref (b);
      /* two good files: packets 0 and 2 in one, 1 in the other */
      GByteArray *g1 = g_byte_array_new (), *g2 = g_byte_array_new ();
      cb_pcap_header (g1, false, false, 65535, DLT_ETHERNET);
      cb_pcap_header (g2, true, true, 65535, DLT_ETHERNET);
      for (int i = 0; i < 3; i++)
        cb_pcap_record (i == 1 ? g2 : g1, i == 1, pkts[i].sec,
                        i == 1 ? pkts[i].usec * 1000 : pkts[i].usec, pkts[i].frame->data,
                        pkts[i].frame->len, pkts[i].frame->len);
      g_autofree char *good1 = write_file ("good1.pcap", g1->data, g1->len);
      g_autofree char *good2 = write_file ("good2.pcap", g2->data, g2->len);
      g_byte_array_unref (g1);
      g_byte_array_unref (g2);
      g_autofree char *missing = g_build_filename (tmpdir, "missing.pcap", NULL);

      char *files[] = { good1, empty, text, user0, missing, good2, NULL };
      got g;
      int oe, re;
      g_autofree char *err = read_files (files, &g, &oe, &re);
      g_assert_cmpint (oe, ==, 4);
      g_assert_cmpint (re, ==, 0);
      g_auto (GStrv) lines = g_strsplit (err, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 5);   /* four lines and the end */
      g_autofree char *l0 = g_strdup_printf ("wsclosed: %s: empty file (0 bytes), not a capture",
                                             empty);
      g_autofree char *l1 = g_strdup_printf ("wsclosed: %s: not a capture file (neither pcap "
                                             "nor pcapng)", text);
      g_autofree char *l2 = g_strdup_printf ("wsclosed: %s: unsupported link type 147 (", user0);
      g_autofree char *l3 = g_strdup_printf ("wsclosed: %s: %s", missing, g_strerror (ENOENT));
      g_assert_cmpstr (lines[0], ==, l0);
      g_assert_cmpstr (lines[1], ==, l1);
      g_assert_true (g_str_has_prefix (lines[2], l2));
      g_assert_cmpstr (lines[3], ==, l3);
      g_assert_cmpuint (g.hdrs->len, ==, 3);
      for (guint i = 0; i < 3; i++)
        check_pkt (&g, i, (int) i);
      g_assert_cmpstr (g_ptr_array_index (g.origins, 0), ==, "good1.pcap:1");
      g_assert_cmpstr (g_ptr_array_index (g.origins, 1), ==, "good2.pcap:1");
      g_assert_cmpstr (g_ptr_array_index (g.origins, 2), ==, "good1.pcap:2");
      got_clear (&g);
      for (char **f = files; *f; f++)
        g_unlink (*f);
    }
  use_reader (0);
}

/* A pcapng interface of a link type we cannot decode is reported once and
 * counted; the other interface's packets are read, and its own are handed
 * on (with their link type) to be counted. */
static void
test_pcapng_unknown_iface (void)
{
  GByteArray *b = g_byte_array_new ();
  cb_pcapng_section (b, false);
  cb_pcapng_iface (b, false, DLT_ETHERNET, 65535);
  cb_pcapng_iface (b, false, 147, 65535);
  for (int i = 0; i < 3; i++)
    cb_pcapng_packet (b, false, i == 1 ? 1 : 0, (uint64_t) pkts[i].sec * 1000000 + pkts[i].usec,
                      pkts[i].frame->data, pkts[i].frame->len, pkts[i].frame->len);
  got g;
  int oe, re;
  g_autofree char *path = NULL;
  g_autofree char *err = read_bytes ("two.pcapng", b, &g, &oe, &re, &path);
  g_autofree char *want = g_strdup_printf ("wsclosed: %s: unsupported link type 147 (", path);
  g_assert_true (g_str_has_prefix (err, want));
  g_assert_nonnull (strstr (err, ") on interface 1: its packets are skipped\n"));
  g_assert_cmpint (oe + re, ==, 1);
  g_assert_cmpuint (g.hdrs->len, ==, 3);
  check_pkt (&g, 0, 0);
  check_pkt (&g, 2, 2);
  g_assert_cmpint (g_array_index (g.linktypes, int, 1), ==, 147);
  got_clear (&g);
  g_unlink (path);
}

/* A record whose capture length passes the snap length is cut to it; one
 * longer than any capture can be is an error, after the packets before. */
static void
test_snaplen (void)
{
  GByteArray *b = g_byte_array_new ();
  cb_pcap_header (b, false, false, 60, DLT_ETHERNET);
  for (int i = 0; i < 3; i++)
    cb_pcap_record (b, false, pkts[i].sec, pkts[i].usec, pkts[i].frame->data,
                    pkts[i].frame->len, pkts[i].frame->len);
  /* an impossible capture length: 0x7fffffff */
  uint32_t h[4] = { 1700000200, 0, 0x7fffffff, 0x7fffffff };
  g_byte_array_append (b, (const uint8_t *) h, sizeof h);
  got g;
  int oe, re;
  g_autofree char *path = NULL;
  g_autofree char *err = read_bytes ("snap.pcap", b, &g, &oe, &re, &path);
  g_assert_cmpint (oe, ==, 0);
  g_assert_cmpint (re, ==, 1);
  g_assert_cmpuint (g.hdrs->len, ==, 3);
  g_assert_true (g_str_has_prefix (err, "wsclosed: "));
  for (guint i = 0; i < 3; i++)
    {
      const struct pcap_pkthdr *ph = &g_array_index (g.hdrs, struct pcap_pkthdr, i);
      g_assert_cmpuint (ph->caplen, ==, MIN (60u, pkts[i].frame->len));
      g_assert_cmpuint (ph->len, ==, pkts[i].frame->len);
    }
  got_clear (&g);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("wsclosed-capture-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  pkts_init ();
  g_test_add_func ("/capture/formats", test_formats);
  g_test_add_func ("/capture/gzip", test_gzip);
  g_test_add_func ("/capture/truncated", test_truncated);
  g_test_add_func ("/capture/bad-files", test_bad_files);
  g_test_add_func ("/capture/pcapng-unknown-interface", test_pcapng_unknown_iface);
  g_test_add_func ("/capture/snaplen", test_snaplen);
  int rc = g_test_run ();
  for (int i = 0; i < 3; i++)
    g_byte_array_unref (pkts[i].frame);
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
