/* test-pcapng.c - the pcapng block reader: sections in either byte order,
 * interfaces of different link types, timestamp resolutions and offsets,
 * the three packet blocks, Decryption Secrets Blocks as editcap injects
 * them, and a file cut at every byte (the packets before the cut, then one
 * error, never a read past the end). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "pcapng.h"

/* ---- building files ----------------------------------------------------- */

typedef struct {
  GByteArray *b;
  bool be;
} ng;

static void
p16 (ng *n, unsigned v)
{
  uint8_t x[2];
  if (n->be)
    x[0] = (uint8_t) (v >> 8), x[1] = (uint8_t) v;
  else
    x[0] = (uint8_t) v, x[1] = (uint8_t) (v >> 8);
  g_byte_array_append (n->b, x, 2);
}

static void
p32 (ng *n, uint32_t v)
{
  if (n->be)
    p16 (n, v >> 16), p16 (n, v & 0xffff);
  else
    p16 (n, v & 0xffff), p16 (n, v >> 16);
}

/* A block of type t around body (padded to 4). */
static void
block (ng *n, uint32_t t, const uint8_t *body, size_t len)
{
  size_t pad = (4 - len % 4) % 4;
  uint32_t total = (uint32_t) (12 + len + pad);
  p32 (n, t);
  p32 (n, total);
  g_byte_array_append (n->b, body, (guint) len);
  static const uint8_t zero[4] = { 0 };
  g_byte_array_append (n->b, zero, (guint) pad);
  p32 (n, total);
}

/* Bodies are built in their own ng so that their numbers get the byte
 * order of the section. */
static ng
body (bool be)
{
  ng n = { g_byte_array_new (), be };
  return n;
}

static void
shb (ng *n)
{
  ng b = body (n->be);
  p32 (&b, 0x1a2b3c4d);
  p16 (&b, 1); p16 (&b, 0);
  p32 (&b, 0xffffffff); p32 (&b, 0xffffffff);
  block (n, 0x0a0d0d0a, b.b->data, b.b->len);
  g_byte_array_unref (b.b);
}

static void
idb (ng *n, unsigned linktype, uint32_t snaplen, int tsresol, bool with_offset, int64_t offset)
{
  ng b = body (n->be);
  p16 (&b, linktype); p16 (&b, 0); p32 (&b, snaplen);
  if (tsresol >= 0)
    {
      p16 (&b, 9); p16 (&b, 1);
      uint8_t v[4] = { (uint8_t) tsresol, 0, 0, 0 };
      g_byte_array_append (b.b, v, 4);
    }
  if (with_offset)
    {
      p16 (&b, 14); p16 (&b, 8);
      uint64_t o = (uint64_t) offset;
      if (n->be)
        p32 (&b, (uint32_t) (o >> 32)), p32 (&b, (uint32_t) o);
      else
        p32 (&b, (uint32_t) o), p32 (&b, (uint32_t) (o >> 32));
    }
  p16 (&b, 0); p16 (&b, 0);
  block (n, 1, b.b->data, b.b->len);
  g_byte_array_unref (b.b);
}

static void
epb (ng *n, uint32_t ifid, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t len)
{
  ng b = body (n->be);
  p32 (&b, ifid); p32 (&b, (uint32_t) (ts >> 32)); p32 (&b, (uint32_t) ts);
  p32 (&b, caplen); p32 (&b, len);
  g_byte_array_append (b.b, data, caplen);
  while (b.b->len % 4)
    g_byte_array_append (b.b, (const uint8_t *) "", 1);
  block (n, 6, b.b->data, b.b->len);
  g_byte_array_unref (b.b);
}

/* Reads every packet of the bytes; returns the last ws_pcapng_next result. */
typedef struct {
  int n;
  int linktype[8];
  uint32_t ifindex[8];
  struct pcap_pkthdr h[8];
  uint8_t first[8];
  GString *secrets;
  uint32_t secrets_type;
} seen;

static void
on_secrets (void *user, uint32_t type, const uint8_t *data, size_t len)
{
  seen *s = user;
  s->secrets_type = type;
  g_string_append_len (s->secrets, (const char *) data, (gssize) len);
}

static int
read_all (const uint8_t *bytes, size_t len, seen *s, char *errbuf)
{
  memset (s, 0, sizeof *s);
  s->secrets = g_string_new (NULL);
  FILE *fp = fmemopen ((void *) bytes, len ? len : 1, "rb");
  g_assert_nonnull (fp);
  if (len == 0)
    fgetc (fp);   /* fmemopen of 0 bytes is not allowed: read the one byte away */
  uint8_t magic[4];
  if (fread (magic, 1, 4, fp) != 4)
    {
      fclose (fp);
      return -2;
    }
  ws_pcapng *r = ws_pcapng_new (fp);
  ws_pcapng_set_secrets_fn (r, on_secrets, s);
  int rc;
  if (!ws_pcapng_start (r, errbuf))
    rc = -1;
  else
    {
      struct pcap_pkthdr h;
      const uint8_t *data;
      int lt;
      uint32_t ifi;
      while ((rc = ws_pcapng_next (r, &h, &data, &lt, &ifi, errbuf)) == 1)
        {
          if (s->n < 8)
            {
              s->linktype[s->n] = lt;
              s->ifindex[s->n] = ifi;
              s->h[s->n] = h;
              s->first[s->n] = h.caplen ? data[0] : 0;
            }
          s->n++;
        }
    }
  ws_pcapng_free (r);
  fclose (fp);
  return rc;
}

static const uint8_t pkt[] = { 0x45, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static void
test_byte_orders (void)
{
  for (int be = 0; be < 2; be++)
    {
      ng n = { g_byte_array_new (), be };
      shb (&n);
      idb (&n, 1, 0, -1, false, 0);                 /* Ethernet, microseconds */
      idb (&n, 101, 60000, 9, true, 100);           /* raw IP, ns, +100 s */
      idb (&n, 276, 65535, 0x80 | 20, false, 0);    /* SLL2, 2^-20 s */
      epb (&n, 0, 1700000000123456ull, pkt, 10, 10);
      epb (&n, 1, 1700000000987654321ull, pkt, 10, 1500);
      epb (&n, 2, (1700000000ull << 20) | (1u << 19), pkt, 10, 10);
      /* an unknown block, a simple packet block (interface 0), an obsolete
       * packet block (interface 1) */
      uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
      block (&n, 0x40000bad, junk, 8);
      ng b = body (be);
      p32 (&b, 12);
      g_byte_array_append (b.b, pkt, 10);
      block (&n, 3, b.b->data, b.b->len);
      g_byte_array_unref (b.b);
      b = body (be);
      p16 (&b, 1); p16 (&b, 0); p32 (&b, 1); p32 (&b, 0x2a05f200u);   /* 5e9 ns */
      p32 (&b, 10); p32 (&b, 10);
      g_byte_array_append (b.b, pkt, 10);
      p16 (&b, 0); p16 (&b, 0);   /* padding */
      block (&n, 2, b.b->data, b.b->len);
      g_byte_array_unref (b.b);

      seen s;
      char errbuf[PCAP_ERRBUF_SIZE] = "";
      g_assert_cmpint (read_all (n.b->data, n.b->len, &s, errbuf), ==, 0);
      g_assert_cmpint (s.n, ==, 5);
      g_assert_cmpint (s.linktype[0], ==, 1);
      g_assert_cmpint (s.linktype[1], ==, 101);
      g_assert_cmpint (s.linktype[2], ==, 276);
      g_assert_cmpint (s.linktype[3], ==, 1);
      g_assert_cmpint (s.linktype[4], ==, 101);
      g_assert_cmpuint (s.ifindex[2], ==, 2);
      g_assert_cmpint (s.h[0].ts.tv_sec, ==, 1700000000);
      g_assert_cmpint (s.h[0].ts.tv_usec, ==, 123456);
      g_assert_cmpint (s.h[1].ts.tv_sec, ==, 1700000100);
      g_assert_cmpint (s.h[1].ts.tv_usec, ==, 987654);
      g_assert_cmpuint (s.h[1].caplen, ==, 10);
      g_assert_cmpuint (s.h[1].len, ==, 1500);
      g_assert_cmpint (s.h[2].ts.tv_sec, ==, 1700000000);
      g_assert_cmpint (s.h[2].ts.tv_usec, ==, 500000);
      /* the simple packet: caplen from its original length (12) and the room
       * in the block (12, padded) */
      g_assert_cmpuint (s.h[3].len, ==, 12);
      g_assert_cmpuint (s.h[3].caplen, ==, 12);
      g_assert_cmpint (s.h[4].ts.tv_sec, ==, 105);   /* 5 s in ns, + 100 s */
      g_assert_cmpuint (s.first[4], ==, 0x45);
      g_string_free (s.secrets, TRUE);
      g_byte_array_unref (n.b);
    }
}

/* A new section forgets the interfaces of the one before. */
static void
test_sections (void)
{
  ng n = { g_byte_array_new (), false };
  shb (&n);
  idb (&n, 1, 0, -1, false, 0);
  epb (&n, 0, 1, pkt, 10, 10);
  n.be = true;
  shb (&n);
  idb (&n, 113, 0, -1, false, 0);
  epb (&n, 0, 2, pkt, 10, 10);
  epb (&n, 1, 3, pkt, 10, 10);   /* there is no interface 1 in this section */
  seen s;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  g_assert_cmpint (read_all (n.b->data, n.b->len, &s, errbuf), ==, -1);
  g_assert_cmpint (s.n, ==, 2);
  g_assert_cmpint (s.linktype[1], ==, 113);
  g_assert_cmpuint (s.ifindex[1], ==, 1);
  g_assert_nonnull (strstr (errbuf, "garbled pcapng block"));
  g_assert_nonnull (strstr (errbuf, "never described"));
  g_string_free (s.secrets, TRUE);
  g_byte_array_unref (n.b);
}

/* Bytes of a file in tests/data. */
static uint8_t *
data_file (const char *name, size_t *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  gchar *c = NULL;
  gsize l = 0;
  if (!g_file_get_contents (path, &c, &l, NULL))
    return NULL;
  *len = l;
  return (uint8_t *) c;
}

/* The file cut at every byte: the packets of the blocks before the cut, then
 * the end (a cut between blocks) or one error (inside a block). */
static void
test_cut (void)
{
  size_t len;
  g_autofree uint8_t *d = data_file ("merged-eth-sll.pcapng", &len);
  if (!d)
    {
      g_test_skip ("tests/data/merged-eth-sll.pcapng missing");
      return;
    }
  /* block ends, and packets complete at each (little-endian file) */
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (size_t));
  GArray *npk = g_array_new (FALSE, FALSE, sizeof (int));
  int total = 0;
  for (size_t off = 0; off + 8 <= len;)
    {
      uint32_t t, l;
      memcpy (&t, d + off, 4);
      memcpy (&l, d + off + 4, 4);
      g_assert_cmpuint (l, >=, 12);
      off += l;
      if (t == 6)
        total++;
      g_array_append_val (ends, off);
      g_array_append_val (npk, total);
    }
  for (size_t cut = 0; cut <= len; cut++)
    {
      seen s;
      char errbuf[PCAP_ERRBUF_SIZE] = "";
      int rc = read_all (d, cut, &s, errbuf);
      if (cut < 4)
        {
          g_assert_cmpint (rc, ==, -2);
          continue;
        }
      int want = 0;
      bool boundary = false;
      for (guint i = 0; i < ends->len; i++)
        if (g_array_index (ends, size_t, i) <= cut)
          {
            want = g_array_index (npk, int, i);
            boundary = g_array_index (ends, size_t, i) == cut;
          }
      g_assert_cmpint (s.n, ==, want);
      if (cut < 12)   /* no byte-order magic: as libpcap says */
        g_assert_nonnull (strstr (errbuf, "unknown file format"));
      else if (cut == g_array_index (ends, size_t, 0))   /* the section header alone */
        g_assert_nonnull (strstr (errbuf, "no Interface Description Blocks"));
      else
        {
          g_assert_cmpint (rc, ==, boundary ? 0 : -1);
          if (!boundary)
            g_assert_nonnull (strstr (errbuf, "truncated pcapng"));
        }
      g_string_free (s.secrets, TRUE);
    }
  g_assert_cmpint (total, ==, 29);
  g_array_unref (ends);
  g_array_unref (npk);
}

static void
count_packet (void *user, int linktype, const struct pcap_pkthdr *h, const uint8_t *data)
{
  (void) linktype; (void) h; (void) data;
  (*(int *) user)++;
}

/* What editcap --inject-secrets tls,secrets.keylog wrote comes out byte for
 * byte, through the capture layer. */
static void
test_secrets (void)
{
  size_t klen;
  g_autofree uint8_t *keylog = data_file ("secrets.keylog", &klen);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "secrets.pcapng", NULL);
  if (!keylog || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("tests/data/secrets.* missing");
      return;
    }
  char *files[] = { path, NULL };
  int n_errors = 0;
  g_autoptr (GError) error = NULL;
  ws_capture *cap = ws_capture_open_files (files, NULL, &n_errors, &error);
  g_assert_nonnull (cap);
  g_assert_cmpint (n_errors, ==, 0);
  seen s = { 0 };
  s.secrets = g_string_new (NULL);
  ws_capture_set_secrets_fn (cap, on_secrets, &s);
  int packets = 0;
  g_assert_cmpint (ws_capture_run (cap, count_packet, &packets), ==, 0);
  ws_capture_free (cap);
  g_assert_cmpuint (s.secrets_type, ==, 0x544c534b);
  g_assert_cmpuint (s.secrets->len, ==, klen);
  g_assert_true (memcmp (s.secrets->str, keylog, klen) == 0);
  g_assert_cmpint (packets, ==, 14);   /* py-normal-1000.pcap's */
  g_string_free (s.secrets, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pcapng/byte-orders", test_byte_orders);
  g_test_add_func ("/pcapng/sections", test_sections);
  g_test_add_func ("/pcapng/cut", test_cut);
  g_test_add_func ("/pcapng/secrets", test_secrets);
  return g_test_run ();
}
