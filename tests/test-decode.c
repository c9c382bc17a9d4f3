/* test-decode.c - link layers, IPv4/IPv6 and TCP header decoding, and that
 * a frame cut at any byte is handled without reading past its end. */
#include "config.h"

#include <string.h>
#include <pcap/pcap.h>

#include "decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static const uint8_t payload[] = "GET / HTTP/1.1\r\n";

static size_t
tcp_hdr (uint8_t *p, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags)
{
  memset (p, 0, 20);
  p[0] = (uint8_t) (sport >> 8); p[1] = (uint8_t) sport;
  p[2] = (uint8_t) (dport >> 8); p[3] = (uint8_t) dport;
  p[4] = (uint8_t) (seq >> 24); p[5] = (uint8_t) (seq >> 16); p[6] = (uint8_t) (seq >> 8); p[7] = (uint8_t) seq;
  p[12] = 5 << 4;
  p[13] = flags;
  return 20;
}

static size_t
ipv4 (uint8_t *p, size_t l4len, uint16_t frag)
{
  memset (p, 0, 20);
  p[0] = 0x45;
  size_t tot = 20 + l4len;
  p[2] = (uint8_t) (tot >> 8); p[3] = (uint8_t) tot;
  p[6] = (uint8_t) (frag >> 8); p[7] = (uint8_t) frag;
  p[8] = 64; p[9] = 6;
  p[12] = 192; p[13] = 0; p[14] = 2; p[15] = 1;
  p[16] = 192; p[17] = 0; p[18] = 2; p[19] = 2;
  return 20;
}

static size_t
ipv6 (uint8_t *p, size_t l4len, bool ext)
{
  memset (p, 0, 40);
  p[0] = 0x60;
  size_t plen = l4len + (ext ? 16 : 0);
  p[4] = (uint8_t) (plen >> 8); p[5] = (uint8_t) plen;
  p[6] = ext ? 0 : 6;
  p[7] = 64;
  p[8] = 0xfd; p[23] = 1;
  p[24] = 0xfd; p[39] = 2;
  if (!ext)
    return 40;
  /* hop-by-hop (8 bytes) -> destination options (8 bytes) -> TCP */
  memset (p + 40, 0, 16);
  p[40] = 60; p[41] = 0;
  p[48] = 6; p[49] = 0;
  return 56;
}

/* Build an IP+TCP packet with payload into buf; returns its length. */
static size_t
ip_packet (uint8_t *buf, int v, bool ext, uint16_t frag)
{
  size_t l4 = 20 + sizeof payload - 1;
  size_t n = v == 4 ? ipv4 (buf, l4, frag) : ipv6 (buf, l4, ext);
  n += tcp_hdr (buf + n, 40000, 8080, 0x01020304, WS_TCP_ACK | WS_TCP_PSH);
  memcpy (buf + n, payload, sizeof payload - 1);
  return n + sizeof payload - 1;
}

static void
check_ok (int dlt, const uint8_t *frame, size_t len, int family)
{
  ws_packet p;
  g_assert_cmpint (ws_decode (dlt, frame, (uint32_t) len, (uint32_t) len, &p), ==, WS_DEC_OK);
  g_assert_cmpint (p.src.family, ==, family);
  g_assert_cmpint (p.sport, ==, 40000);
  g_assert_cmpint (p.dport, ==, 8080);
  g_assert_cmpuint (p.seq, ==, 0x01020304);
  g_assert_cmpuint (p.payload_len, ==, sizeof payload - 1);
  g_assert_true (memcmp (p.payload, payload, p.payload_len) == 0);
  g_assert_false (p.truncated);
  /* every shorter capture of the same frame: no read past the end, and the
   * payload that is reported lies inside what was captured */
  for (size_t cut = 0; cut < len; cut++)
    {
      uint8_t *copy = g_memdup2 (frame, cut ? cut : 1);
      ws_packet q;
      ws_decode_result r = ws_decode (dlt, copy, (uint32_t) cut, (uint32_t) len, &q);
      if (r == WS_DEC_OK)
        {
          g_assert_true (q.truncated);
          g_assert_true (q.payload >= copy && q.payload + q.payload_len <= copy + cut);
          g_assert_cmpuint (q.payload_wire_len, ==, sizeof payload - 1);
        }
      else
        g_assert_cmpint (r, ==, WS_DEC_TRUNCATED);
      g_free (copy);
    }
}

static void
test_ethernet (void)
{
  uint8_t f[200] = { 0 };
  f[12] = 0x08; f[13] = 0x00;
  size_t n = 14 + ip_packet (f + 14, 4, false, 0);
  check_ok (DLT_EN10MB, f, n, 4);
  /* Ethernet padding after the IP packet is not payload */
  check_ok (DLT_EN10MB, f, n, 4);
}

static void
test_vlan (void)
{
  uint8_t f[200] = { 0 };
  /* 802.1ad outer, 802.1Q inner */
  f[12] = 0x88; f[13] = 0xa8; f[14] = 0; f[15] = 10;
  f[16] = 0x81; f[17] = 0x00; f[18] = 0; f[19] = 20;
  f[20] = 0x86; f[21] = 0xdd;
  size_t n = 22 + ip_packet (f + 22, 6, false, 0);
  check_ok (DLT_EN10MB, f, n, 6);
}

static void
test_sll (void)
{
  uint8_t f[200] = { 0 };
  f[14] = 0x08; f[15] = 0x00;
  size_t n = 16 + ip_packet (f + 16, 4, false, 0);
  check_ok (DLT_LINUX_SLL, f, n, 4);

  uint8_t g[200] = { 0 };
  g[0] = 0x86; g[1] = 0xdd;
  n = 20 + ip_packet (g + 20, 6, true, 0);
  check_ok (DLT_LINUX_SLL2, g, n, 6);
}

static void
test_null_loop (void)
{
  uint8_t f[200] = { 0 };
  f[0] = 2; /* AF_INET, little-endian host */
  size_t n = 4 + ip_packet (f + 4, 4, false, 0);
  check_ok (DLT_NULL, f, n, 4);
  memset (f, 0, 4);
  f[3] = 30; /* AF_INET6 on FreeBSD/macOS, big-endian (LOOP) */
  n = 4 + ip_packet (f + 4, 6, false, 0);
  check_ok (DLT_LOOP, f, n, 6);
}

static void
test_raw (void)
{
  uint8_t f[200] = { 0 };
  size_t n = ip_packet (f, 4, false, 0);
  check_ok (DLT_RAW, f, n, 4);
  n = ip_packet (f, 6, true, 0);
  check_ok (DLT_IPV6, f, n, 6);
}

static void
test_not_tcp (void)
{
  uint8_t f[200] = { 0 };
  ws_packet p;
  /* UDP, and an IPv4 fragment of UDP */
  size_t n = ip_packet (f, 4, false, 0);
  f[9] = 17;
  g_assert_cmpint (ws_decode (DLT_RAW, f, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_NOT_TCP);
  n = ip_packet (f, 4, false, 0x2000);
  f[9] = 17;
  g_assert_cmpint (ws_decode (DLT_RAW, f, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_NOT_TCP);
  /* ARP over Ethernet */
  uint8_t e[60] = { 0 };
  e[12] = 0x08; e[13] = 0x06;
  g_assert_cmpint (ws_decode (DLT_EN10MB, e, sizeof e, sizeof e, &p), ==, WS_DEC_NOT_IP);
  /* a TCP data offset larger than the packet */
  n = ip_packet (f, 4, false, 0);
  f[20 + 12] = 15 << 4;
  g_assert_cmpint (ws_decode (DLT_RAW, f, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_MALFORMED);
  /* an IPv6 extension header chain that runs past the payload length */
  n = ip_packet (f, 6, true, 0);
  f[41] = 200;
  g_assert_cmpint (ws_decode (DLT_RAW, f, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_MALFORMED);
}

/* Fragments are described for ipfrag.c, not decoded further. */
static void
test_fragment (void)
{
  uint8_t f[200] = { 0 };
  ws_packet p;
  /* IPv4: MF set, offset 0; then offset 185*8 with MF clear */
  size_t n = ip_packet (f, 4, false, 0x2000);
  g_assert_cmpint (ws_decode (DLT_RAW, f, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (p.frag.version, ==, 4);
  g_assert_true (p.frag.more);
  g_assert_cmpuint (p.frag.offset, ==, 0);
  g_assert_cmpuint (p.frag.proto, ==, 6);
  g_assert_true (p.frag.hdr == f && p.frag.hdr_len == 20);
  g_assert_true (p.frag.data == f + 20);
  g_assert_cmpuint (p.frag.data_len, ==, n - 20);
  g_assert_cmpuint (p.frag.data_caplen, ==, n - 20);
  f[4] = 0xbe; f[5] = 0xef;
  f[6] = 0; f[7] = 185;
  g_assert_cmpint (ws_decode (DLT_RAW, f, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_FRAGMENT);
  g_assert_false (p.frag.more);
  g_assert_cmpuint (p.frag.offset, ==, 1480);
  g_assert_cmpuint (p.frag.id, ==, 0xbeef);
  /* captured short: data_caplen says how much is there */
  g_assert_cmpint (ws_decode (DLT_RAW, f, 30, (uint32_t) n, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (p.frag.data_caplen, ==, 10);
  g_assert_true (p.truncated);

  /* IPv6: hop-by-hop (8) then Fragment (8), offset 1232, M set, id 0x01020304 */
  uint8_t g[200] = { 0 };
  n = ip_packet (g, 6, false, 0);   /* 40 + TCP 20 + payload */
  size_t l4 = n - 40;
  memmove (g + 56, g + 40, l4);
  g[6] = 0;
  g[40] = 44; g[41] = 0; g[42] = 1; g[43] = 4;
  g[48] = 6; g[49] = 0; g[50] = 0x04; g[51] = 0xd1;
  g[52] = 1; g[53] = 2; g[54] = 3; g[55] = 4;
  g[4] = 0; g[5] = (uint8_t) (16 + l4);
  n += 16;
  g_assert_cmpint (ws_decode (DLT_RAW, g, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_FRAGMENT);
  g_assert_cmpuint (p.frag.version, ==, 6);
  g_assert_true (p.frag.more);
  g_assert_cmpuint (p.frag.offset, ==, 1232);
  g_assert_cmpuint (p.frag.id, ==, 0x01020304);
  g_assert_cmpuint (p.frag.proto, ==, 6);
  g_assert_cmpuint (p.frag.hdr_len, ==, 48);
  g_assert_cmpuint (p.frag.nh_pos, ==, 40);
  g_assert_true (p.frag.data == g + 56);
  g_assert_cmpuint (p.frag.data_len, ==, l4);
  g_assert_cmpint (p.src.family, ==, 6);
  /* a Fragment header running past the payload length */
  g[5] = 12;
  g_assert_cmpint (ws_decode (DLT_RAW, g, (uint32_t) n, (uint32_t) n, &p), ==, WS_DEC_MALFORMED);
  /* every shorter capture: truncated, or a fragment lying inside the capture */
  g[5] = (uint8_t) (16 + l4);
  for (size_t cut = 0; cut < n; cut++)
    {
      uint8_t *copy = g_memdup2 (g, cut ? cut : 1);
      ws_decode_result r = ws_decode (DLT_RAW, copy, (uint32_t) cut, (uint32_t) n, &p);
      if (r == WS_DEC_FRAGMENT)
        g_assert_true (p.frag.data + p.frag.data_caplen <= copy + cut);
      else
        g_assert_cmpint (r, ==, WS_DEC_TRUNCATED);
      g_free (copy);
    }
}

static void
test_supported (void)
{
  g_assert_true (ws_linktype_supported (DLT_EN10MB));
  g_assert_true (ws_linktype_supported (DLT_LINUX_SLL2));
  g_assert_false (ws_linktype_supported (147));
  g_assert_true (ws_linktype_supported (DLT_IEEE802_11));
  g_assert_false (ws_linktype_supported (DLT_IEEE802_15_4));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decode/ethernet", test_ethernet);
  g_test_add_func ("/decode/vlan-qinq-ipv6", test_vlan);
  g_test_add_func ("/decode/sll-sll2", test_sll);
  g_test_add_func ("/decode/null-loop", test_null_loop);
  g_test_add_func ("/decode/raw", test_raw);
  g_test_add_func ("/decode/not-tcp", test_not_tcp);
  g_test_add_func ("/decode/fragment", test_fragment);
  g_test_add_func ("/decode/linktypes", test_supported);
  return g_test_run ();
}
