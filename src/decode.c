/* decode.c - link layer, IP and TCP header decoding.
 *
 * Every read goes through need(): one place where a short frame is caught.
 *
 *   Ethernet  | dst(6) src(6) [0x8100/0x88a8 tag(4)]* type(2) | IP ...
 *   SLL       | pkttype(2) hatype(2) halen(2) addr(8) proto(2) | IP ...
 *   SLL2      | proto(2) rsvd(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) |
 *   NULL/LOOP | family(4, host / network order) | IP ...
 */
#include "config.h"

#include <string.h>
#include <pcap/pcap.h>

#include "decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

typedef struct {
  const uint8_t *p;
  uint32_t len;   /* bytes captured from p on */
} cursor;

static inline bool
need (const cursor *c, uint32_t off, uint32_t n)
{
  return off <= c->len && n <= c->len - off;
}

static inline uint16_t
be16 (const uint8_t *p)
{
  return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
be32 (const uint8_t *p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

bool
ws_linktype_supported (int linktype)
{
  switch (linktype)
    {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
#if defined(DLT_RAW) && DLT_RAW != 12
    case 12:
#endif
#if DLT_RAW != 14
    case 14: /* DLT_RAW on OpenBSD */
#endif
    case 101: /* LINKTYPE_RAW as stored in files */
      return true;
    default:
      return false;
    }
}

/* TCP header at c (IP payload of ip_payload_len bytes as the IP header said). */
static ws_decode_result
decode_tcp (cursor c, uint32_t ip_payload_len, ws_packet *out)
{
  if (!need (&c, 0, 20))
    return WS_DEC_TRUNCATED;
  const uint8_t *t = c.p;
  uint32_t hlen = (uint32_t) (t[12] >> 4) * 4;
  if (hlen < 20 || hlen > ip_payload_len)
    return WS_DEC_MALFORMED;
  if (!need (&c, 0, hlen))
    return WS_DEC_TRUNCATED;
  out->sport = be16 (t);
  out->dport = be16 (t + 2);
  out->seq = be32 (t + 4);
  out->ack = be32 (t + 8);
  out->flags = t[13] & 0x3f;
  out->payload = t + hlen;
  out->payload_wire_len = ip_payload_len - hlen;
  uint32_t avail = c.len - hlen;
  out->payload_len = avail < out->payload_wire_len ? avail : out->payload_wire_len;
  if (out->payload_len < out->payload_wire_len)
    out->truncated = true;
  return WS_DEC_OK;
}

static ws_decode_result
decode_ipv4 (cursor c, uint32_t wire_remaining, ws_packet *out)
{
  if (!need (&c, 0, 20))
    return WS_DEC_TRUNCATED;
  const uint8_t *ip = c.p;
  if ((ip[0] >> 4) != 4)
    return WS_DEC_MALFORMED;
  uint32_t ihl = (uint32_t) (ip[0] & 0x0f) * 4;
  uint32_t total = be16 (ip + 2);
  if (total == 0)          /* TCP segmentation offload: length unknown */
    total = wire_remaining;
  if (ihl < 20 || total < ihl)
    return WS_DEC_MALFORMED;
  if (!need (&c, 0, ihl))
    return WS_DEC_TRUNCATED;
  uint16_t frag = be16 (ip + 6);
  bool fragment = (frag & 0x1fff) != 0 || (frag & 0x2000) != 0;
  if (ip[9] != 6)
    return WS_DEC_NOT_TCP;
  out->src.family = out->dst.family = 4;
  memset (out->src.addr, 0, 16);
  memset (out->dst.addr, 0, 16);
  memcpy (out->src.addr, ip + 12, 4);
  memcpy (out->dst.addr, ip + 16, 4);
  if (fragment)
    {
      if (be16 (ip + 2) == 0)   /* offload never makes fragments */
        return WS_DEC_MALFORMED;
      ws_ip_fragment *f = &out->frag;
      f->version = 4;
      f->proto = ip[9];
      f->more = (frag & 0x2000) != 0;
      f->id = be16 (ip + 4);
      f->offset = (uint32_t) (frag & 0x1fff) * 8;
      f->hdr = ip;
      f->hdr_len = ihl;
      f->nh_pos = 0;
      f->data = ip + ihl;
      f->data_len = total - ihl;
      f->data_caplen = c.len - ihl < f->data_len ? c.len - ihl : f->data_len;
      return WS_DEC_FRAGMENT;
    }
  cursor t = { c.p + ihl, c.len - ihl };
  return decode_tcp (t, total - ihl, out);
}

static ws_decode_result
decode_ipv6 (cursor c, ws_packet *out)
{
  if (!need (&c, 0, 40))
    return WS_DEC_TRUNCATED;
  const uint8_t *ip = c.p;
  if ((ip[0] >> 4) != 6)
    return WS_DEC_MALFORMED;
  uint32_t plen = be16 (ip + 4);
  bool jumbo = plen == 0;
  if (jumbo)   /* jumbogram or offload: take what was captured */
    plen = c.len - 40;
  uint8_t next = ip[6];
  out->src.family = out->dst.family = 6;
  memcpy (out->src.addr, ip + 8, 16);
  memcpy (out->dst.addr, ip + 24, 16);
  uint32_t off = 40;
  uint32_t end = 40 + plen;
  uint32_t nh_pos = 6;   /* where the current Next Header value came from */
  /* extension headers; bounded by the header count so garbage cannot loop */
  for (int i = 0; i < 16; i++)
    {
      switch (next)
        {
        case 6:
          {
            if (off > c.len)
              return WS_DEC_TRUNCATED;
            cursor t = { c.p + off, c.len - off };
            return decode_tcp (t, end - off, out);
          }
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
          {
            if (!need (&c, off, 2))
              return WS_DEC_TRUNCATED;
            uint32_t l = ((uint32_t) c.p[off + 1] + 1) * 8;
            next = c.p[off];
            nh_pos = off;
            off += l;
            if (off > end)
              return WS_DEC_MALFORMED;
            break;
          }
        case 51: /* AH */
          {
            if (!need (&c, off, 2))
              return WS_DEC_TRUNCATED;
            uint32_t l = ((uint32_t) c.p[off + 1] + 2) * 4;
            next = c.p[off];
            nh_pos = off;
            off += l;
            if (off > end)
              return WS_DEC_MALFORMED;
            break;
          }
        case 44: /* fragment: whatever it carries, known only at offset 0 */
          {
            /* | next(1) | rsvd(1) | offset(13 bits) rsvd(2) M(1) | id(4) | */
            if (!need (&c, off, 8))
              return WS_DEC_TRUNCATED;
            if (jumbo || off + 8 > end)   /* RFC 2675: jumbograms are never fragmented */
              return WS_DEC_MALFORMED;
            const uint8_t *h = c.p + off;
            ws_ip_fragment *f = &out->frag;
            f->version = 6;
            f->proto = h[0];
            f->more = (h[3] & 1) != 0;
            f->id = be32 (h + 4);
            f->offset = (uint32_t) (be16 (h + 2) & 0xfff8);
            f->hdr = ip;
            f->hdr_len = off;
            f->nh_pos = nh_pos;
            f->data = h + 8;
            f->data_len = end - off - 8;
            uint32_t avail = c.len - off - 8;
            f->data_caplen = avail < f->data_len ? avail : f->data_len;
            return WS_DEC_FRAGMENT;
          }
        default:
          return WS_DEC_NOT_TCP;
        }
    }
  return WS_DEC_MALFORMED;
}

static ws_decode_result
decode_ethertype (uint16_t type, cursor c, uint32_t wire_remaining, ws_packet *out)
{
  switch (type)
    {
    case 0x0800: return decode_ipv4 (c, wire_remaining, out);
    case 0x86dd: return decode_ipv6 (c, out);
    default: return WS_DEC_NOT_IP;
    }
}

static ws_decode_result
decode_ip_any (cursor c, uint32_t wire_remaining, ws_packet *out)
{
  if (!need (&c, 0, 1))
    return WS_DEC_TRUNCATED;
  switch (c.p[0] >> 4)
    {
    case 4: return decode_ipv4 (c, wire_remaining, out);
    case 6: return decode_ipv6 (c, out);
    default: return WS_DEC_NOT_IP;
    }
}

ws_decode_result
ws_decode_ip (const uint8_t *ip, uint32_t len, ws_packet *out)
{
  cursor c = { ip, len };
  out->truncated = false;
  return decode_ip_any (c, len, out);
}

ws_decode_result
ws_decode (int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
           ws_packet *out)
{
  cursor c = { data, caplen };
  out->truncated = caplen < wirelen;
  uint32_t off;
  ws_decode_result r;

  switch (linktype)
    {
    case DLT_EN10MB:
      {
        if (!need (&c, 0, 14))
          return WS_DEC_TRUNCATED;
        off = 12;
        uint16_t type = be16 (c.p + off);
        /* 802.1Q, 802.1ad and the old QinQ tag; at most a few */
        for (int i = 0; i < 4 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++)
          {
            off += 4;
            if (!need (&c, off, 2))
              return WS_DEC_TRUNCATED;
            type = be16 (c.p + off);
          }
        off += 2;
        cursor ip = { c.p + off, c.len - off };
        r = decode_ethertype (type, ip, wirelen > off ? wirelen - off : 0, out);
        break;
      }
    case DLT_LINUX_SLL:
      {
        if (!need (&c, 0, 16))
          return WS_DEC_TRUNCATED;
        cursor ip = { c.p + 16, c.len - 16 };
        r = decode_ethertype (be16 (c.p + 14), ip, wirelen > 16 ? wirelen - 16 : 0, out);
        break;
      }
    case DLT_LINUX_SLL2:
      {
        if (!need (&c, 0, 20))
          return WS_DEC_TRUNCATED;
        cursor ip = { c.p + 20, c.len - 20 };
        r = decode_ethertype (be16 (c.p), ip, wirelen > 20 ? wirelen - 20 : 0, out);
        break;
      }
    case DLT_NULL:
    case DLT_LOOP:
      {
        if (!need (&c, 0, 4))
          return WS_DEC_TRUNCATED;
        /* The family is in the capturing host's byte order (NULL) or network
         * order (LOOP); look at both rather than guess. */
        uint32_t le = (uint32_t) c.p[0] | ((uint32_t) c.p[1] << 8) | ((uint32_t) c.p[2] << 16) | ((uint32_t) c.p[3] << 24);
        uint32_t fam = be32 (c.p);
        if (fam > 0xffff)
          fam = le;
        cursor ip = { c.p + 4, c.len - 4 };
        uint32_t rem = wirelen > 4 ? wirelen - 4 : 0;
        if (fam == 2)
          r = decode_ipv4 (ip, rem, out);
        else if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
          r = decode_ipv6 (ip, out);
        else
          r = WS_DEC_NOT_IP;
        break;
      }
    default:
      if (!ws_linktype_supported (linktype))
        return WS_DEC_NOT_IP;
      r = decode_ip_any (c, wirelen, out);
      break;
    }
  return r;
}
