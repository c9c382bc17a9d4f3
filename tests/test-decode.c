/* test-decode.c - link layers, IPv4/IPv6, tunnels and TCP header decoding,
 * and that a frame cut at any byte is handled without reading past its end
 * (WS_DEC_TRUNCATED until the TCP header is whole, then the segment with the
 * payload that was captured). */
#include "config.h"

#include <string.h>
#include <pcap/pcap.h>

#include "conn.h"
#include "decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif
#ifndef DLT_PPI
#define DLT_PPI 192
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
        {
          if (r != WS_DEC_TRUNCATED)
            g_test_message ("link type %d, cut at %zu of %zu: result %d (why %d)", dlt, cut,
                            len, (int) r, (int) q.why);
          g_assert_cmpint (r, ==, WS_DEC_TRUNCATED);
        }
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

/* IPv6 extension headers count their length in their own units: AH in
 * 4-byte words less 2 (RFC 4302), the others in 8-byte units less 1 (RFC
 * 8200).  The chain hop-by-hop (8) -> AH (24) -> destination options (16)
 * -> TCP: a wrong unit puts the TCP header elsewhere. */
static void
test_ipv6_ah (void)
{
  size_t l4 = 20 + sizeof payload - 1, ext = 8 + 24 + 16;
  uint8_t f[200] = { 0 };
  f[0] = 0x60;
  f[4] = (uint8_t) ((l4 + ext) >> 8); f[5] = (uint8_t) (l4 + ext);
  f[6] = 0; f[7] = 64;                      /* next: hop-by-hop */
  f[8] = 0xfd; f[23] = 1;
  f[24] = 0xfd; f[39] = 2;
  f[40] = 51; f[41] = 0;                    /* hop-by-hop, 8 bytes; next AH */
  f[48] = 60; f[49] = 4;                    /* AH, (4 + 2) * 4 = 24; next dst opts */
  f[72] = 6; f[73] = 1;                     /* dst opts, (1 + 1) * 8 = 16; next TCP */
  memset (f + 74, 0x01, 14);                /* PadN-shaped filler, not TCP */
  size_t n = 40 + ext;
  n += tcp_hdr (f + n, 40000, 8080, 0x01020304, WS_TCP_ACK | WS_TCP_PSH);
  memcpy (f + n, payload, sizeof payload - 1);
  n += sizeof payload - 1;
  check_ok (DLT_RAW, f, n, 6);
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

/* ---- tunnels and the other link layers ---------------------------------- */

/* A frame under construction. */
typedef struct {
  uint8_t b[1024];
  size_t n;
} fb;

static void
put (fb *f, const void *p, size_t n)
{
  g_assert_cmpuint (f->n + n, <=, sizeof f->b);
  memcpy (f->b + f->n, p, n);
  f->n += n;
}

static void
put8 (fb *f, unsigned v)
{
  uint8_t b = (uint8_t) v;
  put (f, &b, 1);
}

static void
put16 (fb *f, unsigned v)
{
  put8 (f, v >> 8);
  put8 (f, v);
}

static void
put32 (fb *f, uint32_t v)
{
  put16 (f, v >> 16);
  put16 (f, v & 0xffff);
}

static void
put_fb (fb *f, const fb *g)
{
  put (f, g->b, g->n);
}

/* The inner packet: IPv4 or IPv6 + TCP + payload. */
static fb
inner (int v)
{
  fb f = { .n = 0 };
  f.n = ip_packet (f.b, v, false, 0);
  return f;
}

/* An Ethernet header of type et before body. */
static fb
ether (unsigned et, const fb *body)
{
  fb f = { .n = 0 };
  for (int i = 0; i < 12; i++)
    put8 (&f, i);
  put16 (&f, et);
  put_fb (&f, body);
  return f;
}

/* An outer IPv4 header (10.0.0.a -> 10.0.0.b) of protocol proto. */
static fb
outer4 (unsigned proto, const fb *body, unsigned a, unsigned b)
{
  fb f = { .n = 0 };
  put8 (&f, 0x45); put8 (&f, 0); put16 (&f, 20 + (unsigned) body->n);
  put16 (&f, 0x1234); put16 (&f, 0x4000);
  put8 (&f, 64); put8 (&f, proto); put16 (&f, 0);
  put32 (&f, 0x0a000000u | a); put32 (&f, 0x0a000000u | b);
  put_fb (&f, body);
  return f;
}

static fb
outer6 (unsigned nh, const fb *body)
{
  fb f = { .n = 0 };
  put32 (&f, 0x60000000u); put16 (&f, (unsigned) body->n); put8 (&f, nh); put8 (&f, 64);
  for (int i = 0; i < 32; i++)
    put8 (&f, i == 15 ? 1 : i == 31 ? 2 : i % 16 == 0 ? 0x20 : 0);
  put_fb (&f, body);
  return f;
}

static fb
udp (unsigned sport, unsigned dport, const fb *body)
{
  fb f = { .n = 0 };
  put16 (&f, sport); put16 (&f, dport); put16 (&f, 8 + (unsigned) body->n); put16 (&f, 0);
  put_fb (&f, body);
  return f;
}

/* Checks the frame as check_ok does, and that it came through tunnels
 * tunnels; returns its tunnel identity. */
static uint32_t
check_tun (int dlt, const fb *f, int family, unsigned tunnels)
{
  check_ok (dlt, f->b, f->n, family);
  ws_packet p;
  g_assert_cmpint (ws_decode (dlt, f->b, (uint32_t) f->n, (uint32_t) f->n, &p), ==, WS_DEC_OK);
  g_assert_cmpuint (p.tunnels, ==, tunnels);
  if (tunnels == 0)
    g_assert_cmpuint (p.tunnel, ==, 0);
  return p.tunnel;
}

static void
check_why (int dlt, const fb *f, ws_decode_result want, ws_undecoded why)
{
  ws_packet p;
  g_assert_cmpint (ws_decode (dlt, f->b, (uint32_t) f->n, (uint32_t) f->n, &p), ==, want);
  g_assert_cmpint (p.why, ==, why);
  /* cut anywhere: never a read past the end, never a segment */
  for (size_t cut = 0; cut < f->n; cut++)
    {
      uint8_t *copy = g_memdup2 (f->b, cut ? cut : 1);
      ws_packet q;
      ws_decode_result r = ws_decode (dlt, copy, (uint32_t) cut, (uint32_t) f->n, &q);
      g_assert_cmpint (r, !=, WS_DEC_OK);
      g_free (copy);
    }
}

static fb
vxlan_frame (uint32_t vni, unsigned a, unsigned b)
{
  fb in4 = inner (4), e = ether (0x0800, &in4), v = { .n = 0 };
  put8 (&v, 0x08); put8 (&v, 0); put16 (&v, 0); put32 (&v, vni << 8);
  put_fb (&v, &e);
  fb u = udp (49152, 4789, &v);
  fb ip = outer4 (17, &u, a, b);
  return ether (0x0800, &ip);
}

static void
test_vxlan (void)
{
  fb f = vxlan_frame (100, 1, 2);
  uint32_t id = check_tun (DLT_EN10MB, &f, 4, 1);
  g_assert_cmpuint (id, !=, 0);
  /* the other direction of the same tunnel: the same identity */
  fb back = vxlan_frame (100, 2, 1);
  g_assert_cmpuint (check_tun (DLT_EN10MB, &back, 4, 1), ==, id);
  /* another VNI, other outer addresses: other identities */
  fb other = vxlan_frame (200, 1, 2);
  g_assert_cmpuint (check_tun (DLT_EN10MB, &other, 4, 1), !=, id);
  fb other2 = vxlan_frame (100, 1, 3);
  g_assert_cmpuint (check_tun (DLT_EN10MB, &other2, 4, 1), !=, id);
  /* without the I flag */
  f.b[14 + 20 + 8] = 0;
  check_why (DLT_EN10MB, &f, WS_DEC_MALFORMED, WS_UNDEC_MALFORMED_TUNNEL);

  /* VXLAN-GPE carrying IPv6 */
  fb in6 = inner (6), g = { .n = 0 };
  put8 (&g, 0x0c); put16 (&g, 0); put8 (&g, 2); put32 (&g, 7 << 8);
  put_fb (&g, &in6);
  fb u = udp (1, 4790, &g), ip = outer4 (17, &u, 1, 2), e = ether (0x0800, &ip);
  check_tun (DLT_EN10MB, &e, 6, 1);
  /* ... and a next protocol we do not know */
  e.b[14 + 20 + 8 + 3] = 0x7f;
  check_why (DLT_EN10MB, &e, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_TUNNEL);
}

static void
test_geneve (void)
{
  fb in4 = inner (4), e = ether (0x0800, &in4), g = { .n = 0 };
  put8 (&g, 2); put8 (&g, 0); put16 (&g, 0x6558); put32 (&g, 0x123400);
  put16 (&g, 0x0103); put8 (&g, 0x80); put8 (&g, 1); put32 (&g, 42);   /* an option */
  put_fb (&g, &e);
  fb u = udp (50000, 6081, &g), ip = outer4 (17, &u, 1, 2), f = ether (0x0800, &ip);
  check_tun (DLT_EN10MB, &f, 4, 1);
  /* IP right after the header (AWS Gateway Load Balancer) */
  fb h = { .n = 0 };
  put8 (&h, 0); put8 (&h, 0); put16 (&h, 0x0800); put32 (&h, 0x1200);
  put_fb (&h, &in4);
  fb u2 = udp (50000, 6081, &h), ip2 = outer6 (17, &u2), f2 = ether (0x86dd, &ip2);
  check_tun (DLT_EN10MB, &f2, 4, 1);
  /* an option length running past the packet */
  f.b[14 + 20 + 8] = 0x3f;
  check_why (DLT_EN10MB, &f, WS_DEC_TRUNCATED, WS_UNDEC_TRUNCATED);
}

static fb
gre (unsigned flags, unsigned proto, const fb *body)
{
  fb g = { .n = 0 };
  put16 (&g, flags); put16 (&g, proto);
  if (flags & 0x8000)
    put32 (&g, 0);
  if (flags & 0x2000)
    put32 (&g, 42);
  if (flags & 0x1000)
    put32 (&g, 7);
  put_fb (&g, body);
  return g;
}

static void
test_gre (void)
{
  fb in4 = inner (4), in6 = inner (6);
  unsigned flagsets[] = { 0, 0x2000, 0x1000, 0x8000 | 0x2000 | 0x1000 };
  uint32_t ids[4];
  for (int i = 0; i < 4; i++)
    {
      fb g = gre (flagsets[i], 0x0800, &in4), ip = outer4 (47, &g, 1, 2), f = ether (0x0800, &ip);
      ids[i] = check_tun (DLT_EN10MB, &f, 4, 1);
    }
  g_assert_cmpuint (ids[0], !=, ids[1]);   /* the key tells tunnels apart */
  g_assert_cmpuint (ids[0], ==, ids[2]);   /* a sequence number does not */
  /* Ethernet bridged over GRE, over IPv6 */
  fb e = ether (0x86dd, &in6), g = gre (0x2000, 0x6558, &e), ip = outer6 (47, &g);
  fb f = ether (0x86dd, &ip);
  check_tun (DLT_EN10MB, &f, 6, 1);
  /* a protocol we do not know, source routing, version 2 */
  fb g2 = gre (0, 0x1234, &in4), ip2 = outer4 (47, &g2, 1, 2), f2 = ether (0x0800, &ip2);
  check_why (DLT_EN10MB, &f2, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_ETHERTYPE);
  fb g3 = gre (0x4000, 0x0800, &in4), ip3 = outer4 (47, &g3, 1, 2), f3 = ether (0x0800, &ip3);
  check_why (DLT_EN10MB, &f3, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_TUNNEL);
  fb g4 = gre (2, 0x0800, &in4), ip4 = outer4 (47, &g4, 1, 2), f4 = ether (0x0800, &ip4);
  check_why (DLT_EN10MB, &f4, WS_DEC_MALFORMED, WS_UNDEC_MALFORMED_TUNNEL);
  /* PPTP's enhanced GRE: key = length + call ID, sequence, PPP */
  fb p = { .n = 0 };
  put16 (&p, 0x3081); put16 (&p, 0x880b); put16 (&p, (unsigned) in4.n + 4); put16 (&p, 9);
  put32 (&p, 1); put32 (&p, 0);
  put8 (&p, 0xff); put8 (&p, 0x03); put16 (&p, 0x0021);
  put_fb (&p, &in4);
  fb ip5 = outer4 (47, &p, 1, 2), f5 = ether (0x0800, &ip5);
  check_tun (DLT_EN10MB, &f5, 4, 1);
}

static void
test_erspan (void)
{
  fb in4 = inner (4), e = ether (0x0800, &in4);
  /* type II: | ver 1 vlan | cos en t session | rsvd index | */
  fb h2 = { .n = 0 };
  put16 (&h2, 0x1000); put16 (&h2, 7); put32 (&h2, 5);
  put_fb (&h2, &e);
  fb g = gre (0x1000, 0x88be, &h2), ip = outer4 (47, &g, 1, 2), f = ether (0x0800, &ip);
  uint32_t s7 = check_tun (DLT_EN10MB, &f, 4, 1);
  /* another session */
  f.b[14 + 20 + 8 + 3] = 8;
  g_assert_cmpuint (check_tun (DLT_EN10MB, &f, 4, 1), !=, s7);
  /* type I: no sequence number, no ERSPAN header */
  fb g1 = gre (0, 0x88be, &e), ip1 = outer4 (47, &g1, 1, 2), f1 = ether (0x0800, &ip1);
  check_tun (DLT_EN10MB, &f1, 4, 1);
  /* type III, with the platform subheader, then frame type IP */
  fb h3 = { .n = 0 };
  put16 (&h3, 0x2000); put16 (&h3, 9); put32 (&h3, 1000); put16 (&h3, 0);
  put16 (&h3, (1 << 4) | (3 << 1) | 1);
  put32 (&h3, 0); put32 (&h3, 0);
  put_fb (&h3, &e);
  fb g3 = gre (0x1000, 0x22eb, &h3), ip3 = outer4 (47, &g3, 1, 2), f3 = ether (0x0800, &ip3);
  check_tun (DLT_EN10MB, &f3, 4, 1);
  fb h4 = { .n = 0 };
  put16 (&h4, 0x2000); put16 (&h4, 9); put32 (&h4, 1000); put16 (&h4, 0);
  put16 (&h4, (2 << 10) | (1 << 4));
  put_fb (&h4, &in4);
  fb g4 = gre (0x1000, 0x22eb, &h4), ip4 = outer4 (47, &g4, 1, 2), f4 = ether (0x0800, &ip4);
  check_tun (DLT_EN10MB, &f4, 4, 1);
  /* a version that does not match the protocol */
  f3.b[14 + 20 + 8] = 0x10;
  check_why (DLT_EN10MB, &f3, WS_DEC_MALFORMED, WS_UNDEC_MALFORMED_TUNNEL);
}

static void
test_ip_in_ip (void)
{
  fb in4 = inner (4), in6 = inner (6);
  fb a = outer4 (4, &in4, 1, 2), fa = ether (0x0800, &a);
  check_tun (DLT_EN10MB, &fa, 4, 1);
  fb b = outer4 (41, &in6, 1, 2), fb_ = ether (0x0800, &b);
  check_tun (DLT_EN10MB, &fb_, 6, 1);
  fb c = outer6 (4, &in4);
  check_tun (DLT_RAW, &c, 4, 1);
  fb d = outer6 (41, &in6);
  check_tun (DLT_IPV6, &d, 6, 1);
  /* EtherIP */
  fb e = ether (0x0800, &in4), h = { .n = 0 };
  put16 (&h, 0x3000);
  put_fb (&h, &e);
  fb ip = outer4 (97, &h, 1, 2);
  check_tun (DLT_RAW, &ip, 4, 1);
  /* eight tunnels are fine, nine are too deep */
  fb n = in4;
  for (int i = 0; i < 8; i++)
    n = outer4 (4, &n, 1, (unsigned) i + 2);
  check_tun (DLT_RAW, &n, 4, 8);
  n = outer4 (4, &n, 1, 2);
  check_why (DLT_RAW, &n, WS_DEC_NOT_IP, WS_UNDEC_TUNNEL_TOO_DEEP);
  /* UDP and ICMP inside a tunnel */
  fb u0 = { .n = 4 }, u = udp (53, 53, &u0), iu = outer4 (17, &u, 3, 4), t = outer4 (4, &iu, 1, 2);
  check_why (DLT_RAW, &t, WS_DEC_NOT_TCP, WS_UNDEC_INNER_NOT_TCP);
  fb o = outer4 (17, &u, 3, 4);
  check_why (DLT_RAW, &o, WS_DEC_NOT_TCP, WS_UNDEC_NOT_TCP);
}

static void
test_mpls_pppoe_gtp (void)
{
  fb in4 = inner (4), in6 = inner (6);
  /* two labels, then IPv4; one label, then IPv6 */
  fb m = { .n = 0 };
  put32 (&m, (1000u << 12) | 64); put32 (&m, (2000u << 12) | 0x100 | 64);
  put_fb (&m, &in4);
  fb f = ether (0x8847, &m);
  check_tun (DLT_EN10MB, &f, 4, 1);
  fb m6 = { .n = 0 };
  put32 (&m6, (16u << 12) | 0x100 | 64);
  put_fb (&m6, &in6);
  fb f6 = ether (0x8847, &m6);
  check_tun (DLT_EN10MB, &f6, 6, 1);
  /* a pseudowire control word, then Ethernet */
  fb e = ether (0x0800, &in4), mw = { .n = 0 };
  put32 (&mw, (16u << 12) | 0x100 | 64); put32 (&mw, 0);
  put_fb (&mw, &e);
  fb fw = ether (0x8848, &mw);
  check_tun (DLT_EN10MB, &fw, 4, 1);
  /* seventeen labels without a bottom */
  fb mm = { .n = 0 };
  for (int i = 0; i < 17; i++)
    put32 (&mm, (16u << 12) | 64);
  put_fb (&mm, &in4);
  fb fm = ether (0x8847, &mm);
  check_why (DLT_EN10MB, &fm, WS_DEC_MALFORMED, WS_UNDEC_MALFORMED_TUNNEL);

  /* PPPoE session, IPv4 and IPv6; LCP is not IP */
  fb p = { .n = 0 };
  put8 (&p, 0x11); put8 (&p, 0); put16 (&p, 0x1234); put16 (&p, (unsigned) in4.n + 2);
  put16 (&p, 0x0021);
  put_fb (&p, &in4);
  fb fp = ether (0x8864, &p);
  check_tun (DLT_EN10MB, &fp, 4, 1);
  fb p6 = { .n = 0 };
  put8 (&p6, 0x11); put8 (&p6, 0); put16 (&p6, 0x1234); put16 (&p6, (unsigned) in6.n + 2);
  put16 (&p6, 0x0057);
  put_fb (&p6, &in6);
  check_tun (DLT_PPP_ETHER, &p6, 6, 0);
  fb fp6 = ether (0x8864, &p6);
  check_tun (DLT_EN10MB, &fp6, 6, 1);
  fp6.b[14 + 6] = 0xc0; fp6.b[14 + 7] = 0x21;
  check_why (DLT_EN10MB, &fp6, WS_DEC_NOT_IP, WS_UNDEC_INNER_NOT_TCP);

  /* GTP-U with sequence number and two extension headers; an echo request */
  fb g = { .n = 0 };
  put8 (&g, 0x36); put8 (&g, 0xff); put16 (&g, (unsigned) in4.n + 4 + 4 + 8);
  put32 (&g, 0xabcd);
  put16 (&g, 1); put8 (&g, 0); put8 (&g, 0x85);
  put8 (&g, 1); put8 (&g, 0); put8 (&g, 9); put8 (&g, 0x40);
  put8 (&g, 2); put8 (&g, 0); put32 (&g, 0); put8 (&g, 0); put8 (&g, 0);
  put_fb (&g, &in4);
  fb u = udp (2152, 2152, &g), ip = outer4 (17, &u, 1, 2), fg = ether (0x0800, &ip);
  uint32_t id = check_tun (DLT_EN10MB, &fg, 4, 1);
  /* the TEID is not part of the identity: each direction has its own */
  fg.b[14 + 28 + 7] = 0x01;
  g_assert_cmpuint (check_tun (DLT_EN10MB, &fg, 4, 1), ==, id);
  fb ge = fg;
  ge.b[14 + 28 + 1] = 1;
  check_why (DLT_EN10MB, &ge, WS_DEC_NOT_TCP, WS_UNDEC_NOT_TCP);
  /* an extension header of length 0 */
  fg.b[14 + 28 + 12] = 0;
  check_why (DLT_EN10MB, &fg, WS_DEC_MALFORMED, WS_UNDEC_MALFORMED_TUNNEL);
}

static void
test_nested (void)
{
  /* VXLAN in GRE (with a key) over IPv4, then two tunnels more in IP */
  fb v = vxlan_frame (300, 5, 6);
  fb mid = { .n = 0 };
  put (&mid, v.b + 14, v.n - 14);   /* the IPv4/UDP/VXLAN part */
  fb g = gre (0x2000, 0x0800, &mid), ip = outer4 (47, &g, 1, 2), f = ether (0x0800, &ip);
  check_tun (DLT_EN10MB, &f, 4, 2);
  fb deeper = outer4 (4, &ip, 7, 8);
  fb d6 = outer6 (4, &deeper);
  check_tun (DLT_RAW, &d6, 4, 4);
}

static void
test_links (void)
{
  fb in4 = inner (4), in6 = inner (6);
  /* PPP: HDLC-like framing or not, a compressed protocol field */
  fb p = { .n = 0 };
  put8 (&p, 0xff); put8 (&p, 0x03); put16 (&p, 0x0021); put_fb (&p, &in4);
  check_tun (DLT_PPP, &p, 4, 0);
  check_tun (DLT_PPP_SERIAL, &p, 4, 0);
  fb q = { .n = 0 };
  put8 (&q, 0x57); put_fb (&q, &in6);
  check_tun (DLT_PPP, &q, 6, 0);
  fb lcp = { .n = 0 };
  put16 (&lcp, 0xc021); put32 (&lcp, 0x01010004);
  check_why (DLT_PPP, &lcp, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);
  /* Cisco HDLC */
  fb c = { .n = 0 };
  put8 (&c, 0x0f); put8 (&c, 0); put16 (&c, 0x86dd); put_fb (&c, &in6);
  check_tun (DLT_C_HDLC, &c, 6, 0);
  check_tun (DLT_PPP_SERIAL, &c, 6, 0);

  /* 802.11: to DS; from DS QoS with HT control; four addresses */
  fb snap4 = { .n = 0 }, snap6 = { .n = 0 };
  put32 (&snap4, 0xaaaa0300); put16 (&snap4, 0); put16 (&snap4, 0x0800); put_fb (&snap4, &in4);
  put32 (&snap6, 0xaaaa0300); put16 (&snap6, 0); put16 (&snap6, 0x86dd); put_fb (&snap6, &in6);
  fb w = { .n = 0 };
  put8 (&w, 0x08); put8 (&w, 0x01); put16 (&w, 0);
  for (int i = 0; i < 20; i++)
    put8 (&w, i);
  put_fb (&w, &snap4);
  check_tun (DLT_IEEE802_11, &w, 4, 0);
  fb wq = { .n = 0 };
  put8 (&wq, 0x88); put8 (&wq, 0x82); put16 (&wq, 0);
  for (int i = 0; i < 20; i++)
    put8 (&wq, i);
  put16 (&wq, 5); put32 (&wq, 0);
  put_fb (&wq, &snap6);
  check_tun (DLT_IEEE802_11, &wq, 6, 0);
  fb w4 = { .n = 0 };
  put8 (&w4, 0x08); put8 (&w4, 0x03); put16 (&w4, 0);
  for (int i = 0; i < 26; i++)
    put8 (&w4, i);
  put_fb (&w4, &snap4);
  check_tun (DLT_IEEE802_11, &w4, 4, 0);
  /* behind radiotap and PPI */
  fb r = { .n = 0 };
  put32 (&r, 0x00000c00); put32 (&r, 0); put32 (&r, 0); put_fb (&r, &w);
  check_tun (DLT_IEEE802_11_RADIO, &r, 4, 0);
  fb ppi = { .n = 0 };
  put32 (&ppi, 0x00000800); put32 (&ppi, 0x69000000); put_fb (&ppi, &w);
  check_tun (DLT_PPI, &ppi, 4, 0);
  /* protected, management, null data: not IP */
  fb wp = w;
  wp.b[1] |= 0x40;
  check_why (DLT_IEEE802_11, &wp, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);
  wp = w;
  wp.b[0] = 0x80;   /* beacon */
  check_why (DLT_IEEE802_11, &wp, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);
  wp = w;
  wp.b[0] = 0x48;   /* null data */
  check_why (DLT_IEEE802_11, &wp, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);

  /* NFLOG, TLVs in either byte order; padding after a TLV */
  for (int be = 0; be < 2; be++)
    {
      fb n = { .n = 0 };
      put8 (&n, 2); put8 (&n, 0); put16 (&n, 7);
#define TLV(len, type)                                              \
      do {                                                          \
        if (be) { put16 (&n, len); put16 (&n, type); }              \
        else { put8 (&n, (len) & 0xff); put8 (&n, (len) >> 8);      \
               put8 (&n, type); put8 (&n, 0); }                     \
      } while (0)
      TLV (8, 1); put16 (&n, 0x0800); put8 (&n, 1); put8 (&n, 0);
      TLV (7, 10); put8 (&n, 'w'); put8 (&n, 's'); put8 (&n, 0); put8 (&n, 0);
      TLV ((unsigned) in4.n + 4, 9);
#undef TLV
      put_fb (&n, &in4);
      check_tun (DLT_NFLOG, &n, 4, 0);
    }
  /* Ethernet 802.3 with LLC/SNAP; and with plain LLC (spanning tree) */
  fb s = ether ((unsigned) snap4.n, &snap4);
  check_tun (DLT_EN10MB, &s, 4, 0);
  fb stp0 = { .n = 0 };
  put8 (&stp0, 0x42); put8 (&stp0, 0x42); put8 (&stp0, 0x03); put32 (&stp0, 0);
  fb stp = ether ((unsigned) stp0.n, &stp0);
  check_why (DLT_EN10MB, &stp, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);
  /* EtherTypes: ARP is not IP, 0x1234 is unknown */
  fb arp0 = { .n = 28 }, arp = ether (0x0806, &arp0), unk = ether (0x1234, &arp0);
  check_why (DLT_EN10MB, &arp, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);
  check_why (DLT_EN10MB, &unk, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_ETHERTYPE);
  /* a link type we do not decode */
  check_why (DLT_IEEE802_15_4, &arp, WS_DEC_NOT_IP, WS_UNDEC_LINKTYPE);
}

/* NSH and Cisco MetaData in front of IP; Ethernet in Ethernet without end. */
static void
test_tags (void)
{
  fb in4 = inner (4), in6 = inner (6);
  fb n = { .n = 0 };
  put8 (&n, 0x0f); put8 (&n, 0xc6); put8 (&n, 0x01); put8 (&n, 0x02);   /* 24 bytes, IPv6 */
  put32 (&n, 0x000100ff);
  for (int i = 0; i < 4; i++)
    put32 (&n, 0);
  put_fb (&n, &in6);
  fb f = ether (0x894f, &n);
  check_tun (DLT_EN10MB, &f, 6, 1);
  f.b[14 + 3] = 0x7f;   /* a next protocol we do not know */
  check_why (DLT_EN10MB, &f, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_TUNNEL);
  fb c = { .n = 0 };
  put32 (&c, 0); put16 (&c, 0); put16 (&c, 0x0800);
  put_fb (&c, &in4);
  fb fc = ether (0x8909, &c);
  check_tun (DLT_EN10MB, &fc, 4, 0);
  /* a frame of the largest capture length made of Ethernet headers of type
   * 0x6558 (an Ethernet frame follows): ends, without a deep recursion */
  uint32_t big = 262144;
  uint8_t *e = g_malloc0 (big);
  for (uint32_t off = 0; off + 14 <= big; off += 14)
    {
      e[off + 12] = 0x65;
      e[off + 13] = 0x58;
    }
  ws_packet p;
  g_assert_cmpint (ws_decode (DLT_EN10MB, e, big, big, &p), ==, WS_DEC_NOT_IP);
  g_assert_cmpint (p.why, ==, WS_UNDEC_TUNNEL_TOO_DEEP);
  /* the same with Cisco MetaData tags */
  memset (e, 0, big);
  e[12] = 0x89; e[13] = 0x09;
  for (uint32_t off = 14; off + 8 <= big; off += 8)
    {
      e[off + 6] = 0x89;
      e[off + 7] = 0x09;
    }
  g_assert_cmpint (ws_decode (DLT_EN10MB, e, big, big, &p), ==, WS_DEC_NOT_IP);
  g_assert_cmpint (p.why, ==, WS_UNDEC_TUNNEL_TOO_DEEP);
  g_free (e);
}

/* The counters the totals show, by kind. */
static void
test_count (void)
{
  ws_counters st = { 0 };
  ws_packet p = { 0 };
  p.tunnels = 2;
  ws_decode_count (&st, WS_DEC_OK, &p);
  p.tunnels = 0;
  ws_decode_count (&st, WS_DEC_OK, &p);
  p.why = WS_UNDEC_TUNNEL_TOO_DEEP;
  ws_decode_count (&st, WS_DEC_NOT_IP, &p);
  p.why = WS_UNDEC_UNKNOWN_ETHERTYPE;
  ws_decode_count (&st, WS_DEC_NOT_IP, &p);
  p.why = WS_UNDEC_LINKTYPE;
  ws_decode_count (&st, WS_DEC_NOT_IP, &p);
  g_assert_cmpuint (st.tunneled_packets, ==, 1);
  g_assert_cmpuint (st.tunnel_too_deep_packets, ==, 1);
  g_assert_cmpuint (st.unknown_ethertype_packets, ==, 1);
  g_assert_cmpuint (st.unsupported_link_packets, ==, 1);
  g_assert_cmpuint (st.not_ip_packets, ==, 0);
}

/* ws_decode_fast (the analyzer's inline path) must say what ws_decode says
 * of every frame it takes, and take the usual one.  Its frame is compared
 * field by field with ws_decode's, over every cut of the frame, every
 * wire length at and past it, and every value of each header byte. */
static void
same_as_decode (const uint8_t *frame, uint32_t caplen, uint32_t wirelen, unsigned *taken)
{
  ws_packet a, b;
  memset (&a, 0xa5, sizeof a);
  memset (&b, 0xa5, sizeof b);
  if (!ws_decode_fast (DLT_EN10MB, frame, caplen, wirelen, &a))
    return;
  (*taken)++;
  g_assert_cmpint (ws_decode (DLT_EN10MB, frame, caplen, wirelen, &b), ==, WS_DEC_OK);
  g_assert_cmpint (a.truncated, ==, b.truncated);
  g_assert_cmpuint (a.tunnel, ==, b.tunnel);
  g_assert_cmpuint (a.tunnels, ==, b.tunnels);
  g_assert_cmpuint (a.why, ==, b.why);
  g_assert_true (memcmp (&a.src, &b.src, sizeof a.src) == 0);
  g_assert_true (memcmp (&a.dst, &b.dst, sizeof a.dst) == 0);
  g_assert_cmpuint (a.sport, ==, b.sport);
  g_assert_cmpuint (a.dport, ==, b.dport);
  g_assert_cmpuint (a.seq, ==, b.seq);
  g_assert_cmpuint (a.ack, ==, b.ack);
  g_assert_cmpuint (a.flags, ==, b.flags);
  g_assert_true (a.payload == b.payload);
  g_assert_cmpuint (a.payload_len, ==, b.payload_len);
  g_assert_cmpuint (a.payload_wire_len, ==, b.payload_wire_len);
}

static void
test_fast (void)
{
  uint8_t f[14 + 60 + 60 + 64];
  memset (f, 0, sizeof f);
  memset (f, 0x11, 12);
  f[12] = 0x08;
  size_t n = 14 + ip_packet (f + 14, 4, false, 0);
  f[14 + 20 + 8] = 0xde; f[14 + 20 + 11] = 0xef;   /* an ack number */
  unsigned taken = 0;
  ws_packet p;
  g_assert_true (ws_decode_fast (DLT_EN10MB, f, (uint32_t) n, (uint32_t) n, &p));
  for (uint32_t cut = 0; cut <= n; cut++)
    for (uint32_t wire = cut; wire <= n + 2; wire++)
      same_as_decode (f, cut, wire, &taken);
  /* each byte of the Ethernet, IPv4 and TCP headers at every value */
  for (size_t i = 12; i < 14 + 20 + 20; i++)
    for (unsigned v = 0; v < 256; v++)
      {
        uint8_t g[sizeof f];
        memcpy (g, f, sizeof f);
        g[i] = (uint8_t) v;
        same_as_decode (g, (uint32_t) n, (uint32_t) n, &taken);
        same_as_decode (g, (uint32_t) sizeof g, (uint32_t) sizeof g, &taken);
      }
  /* options in both headers, and padding after the datagram */
  uint8_t h[sizeof f];
  memset (h, 0, sizeof h);
  memcpy (h, f, 14);
  size_t l4 = 32 + sizeof payload - 1;
  ipv4 (h + 14, l4 + 8, 0);
  h[14] = 0x47;
  tcp_hdr (h + 14 + 28, 40000, 8080, 7, WS_TCP_ACK);
  h[14 + 28 + 12] = 8 << 4;
  memcpy (h + 14 + 28 + 32, payload, sizeof payload - 1);
  size_t m = 14 + 28 + l4;
  same_as_decode (h, (uint32_t) m, (uint32_t) m, &taken);
  same_as_decode (h, (uint32_t) sizeof h, (uint32_t) sizeof h, &taken);
  ws_packet q;
  g_assert_true (ws_decode_fast (DLT_EN10MB, h, (uint32_t) sizeof h, (uint32_t) sizeof h, &q));
  g_assert_cmpuint (q.payload_len, ==, sizeof payload - 1);
  /* what it leaves to ws_decode: other link types, IPv6, tags, fragments */
  g_assert_false (ws_decode_fast (DLT_LINUX_SLL, f, (uint32_t) n, (uint32_t) n, &p));
  uint8_t v6[14 + 96];
  memcpy (v6, f, 12);
  v6[12] = 0x86; v6[13] = 0xdd;
  size_t n6 = 14 + ip_packet (v6 + 14, 6, false, 0);
  g_assert_false (ws_decode_fast (DLT_EN10MB, v6, (uint32_t) n6, (uint32_t) n6, &p));
  uint8_t fr[sizeof f];
  memcpy (fr, f, 14);
  size_t nf = 14 + ip_packet (fr + 14, 4, false, 0x2000);
  g_assert_false (ws_decode_fast (DLT_EN10MB, fr, (uint32_t) nf, (uint32_t) nf, &p));
  g_assert_cmpuint (taken, >, 1000);
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
  g_test_add_func ("/decode/ipv6-ah", test_ipv6_ah);
  g_test_add_func ("/decode/not-tcp", test_not_tcp);
  g_test_add_func ("/decode/fragment", test_fragment);
  g_test_add_func ("/decode/linktypes", test_supported);
  g_test_add_func ("/decode/tunnel/vxlan", test_vxlan);
  g_test_add_func ("/decode/tunnel/geneve", test_geneve);
  g_test_add_func ("/decode/tunnel/gre", test_gre);
  g_test_add_func ("/decode/tunnel/erspan", test_erspan);
  g_test_add_func ("/decode/tunnel/ip-in-ip", test_ip_in_ip);
  g_test_add_func ("/decode/tunnel/mpls-pppoe-gtp", test_mpls_pppoe_gtp);
  g_test_add_func ("/decode/tunnel/nested", test_nested);
  g_test_add_func ("/decode/links", test_links);
  g_test_add_func ("/decode/tags", test_tags);
  g_test_add_func ("/decode/count", test_count);
  g_test_add_func ("/decode/fast", test_fast);
  return g_test_run ();
}
