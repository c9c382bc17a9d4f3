/* decode.c - from a frame to its TCP segment: the link layer (link.c),
 * IPv4 and IPv6, tunnels (tunnel.c) and TCP, chained here.
 *
 * Every read goes through need(): one place where a short frame is caught.
 *
 *   frame = link header | packet
 *   packet = IPv4 | IPv6 | Ethernet | MPLS | PPPoE ...      (by EtherType)
 *   IPv4/IPv6 payload = TCP
 *                     | IP (4, 41) | GRE (47) | EtherIP (97) | MPLS (137)
 *                     | UDP to a tunnel port (VXLAN, Geneve, GTP-U) -> packet
 *
 * Each tunnel passed adds to the packet's tunnel identity what keeps it
 * apart from other tunnels: its outer addresses (in an order both directions
 * share) and the name its header gives (VNI, key, session).  At most
 * WS_DECODE_MAX_TUNNELS tunnels are passed, so a frame of nested headers
 * cannot recurse without end.
 */
#include "config.h"

#include <string.h>
#include <pcap/pcap.h>

#include "decode.h"
#include "encap.h"


typedef struct {
  const uint8_t *p;
  uint32_t len;   /* bytes captured from p on */
} cursor;

static inline bool
need (const cursor *c, uint32_t off, uint32_t n)
{
  return off <= c->len && n <= c->len - off;
}

bool
ws_linktype_supported (int linktype)
{
  return ws_link_supported (linktype);
}

typedef struct {
  ws_packet *out;
  uint32_t depth;   /* tunnels passed */
  uint32_t steps;   /* headers passed: Ethernet in Ethernet (0x6558) or a
                     * chain of tags is no tunnel, but must end too */
} dstate;

/* Headers passed at most (8 tunnels of 3 to 4 headers each fit). */
#define MAX_STEPS 48

static inline ws_decode_result
fail (ws_packet *out, ws_decode_result r, ws_undecoded why)
{
  out->why = (uint8_t) why;
  return r;
}

static ws_decode_result decode_type (dstate *st, uint16_t type, cursor c, uint32_t wire);

/* Mixes v into the tunnel identity h. */
static inline uint32_t
mix (uint32_t h, uint32_t v)
{
  uint64_t x = ((uint64_t) h << 32 | v) * 0x9e3779b97f4a7c15ull;
  return (uint32_t) (x >> 32) ^ (uint32_t) x;
}

static uint32_t
addr_hash (const ws_addr *a)
{
  uint32_t h = a->family;
  for (int i = 0; i < 16; i += 4)
    h = mix (h, ws_be32 (a->addr + i));
  return h;
}

/* The outer addresses of a tunnel, the same in both directions. */
static void
note_outer (dstate *st)
{
  uint32_t a = addr_hash (&st->out->src), b = addr_hash (&st->out->dst);
  st->out->tunnel = mix (mix (st->out->tunnel, a < b ? a : b), a < b ? b : a);
}

static ws_decode_result
layer_fail (ws_packet *out, ws_layer_result r, bool tunnel)
{
  switch (r)
    {
    case WS_LAYER_TRUNCATED:
      return fail (out, WS_DEC_TRUNCATED, WS_UNDEC_TRUNCATED);
    case WS_LAYER_MALFORMED:
      return fail (out, WS_DEC_MALFORMED, tunnel ? WS_UNDEC_MALFORMED_TUNNEL : WS_UNDEC_MALFORMED);
    case WS_LAYER_UNKNOWN:
      return fail (out, WS_DEC_NOT_IP, tunnel ? WS_UNDEC_UNKNOWN_TUNNEL : WS_UNDEC_LINKTYPE);
    case WS_LAYER_NOT_DATA:
    default:
      return fail (out, WS_DEC_NOT_IP, tunnel ? WS_UNDEC_INNER_NOT_TCP : WS_UNDEC_NOT_IP);
    }
}

/* Into the packet a tunnel header r/l carries, c starting at the header. */
static ws_decode_result
enter (dstate *st, ws_layer_result r, const ws_layer *l, cursor c, uint32_t wire)
{
  if (r != WS_LAYER_OK)
    return layer_fail (st->out, r, true);
  if (st->depth >= WS_DECODE_MAX_TUNNELS)
    return fail (st->out, WS_DEC_NOT_IP, WS_UNDEC_TUNNEL_TOO_DEEP);
  st->depth++;
  st->out->tunnels = (uint8_t) (st->out->tunnels + 1);
  if (l->has_id)
    st->out->tunnel = mix (st->out->tunnel, l->id ^ ((uint32_t) l->type << 24));
  /* need() said the header is there */
  cursor in = { c.p + l->hdr_len, c.len - l->hdr_len };
  uint32_t w = wire > l->hdr_len ? wire - l->hdr_len : 0;
  if (l->inner_len != UINT32_MAX)
    {
      if (in.len > l->inner_len)
        in.len = l->inner_len;
      if (w > l->inner_len)
        w = l->inner_len;
    }
  return decode_type (st, l->type, in, w);
}

/* The payload of an IP packet that is not TCP: a tunnel, or nothing to do. */
static ws_decode_result
decode_ip_payload (dstate *st, uint8_t proto, cursor c, uint32_t len)
{
  ws_layer l;
  ws_layer_result r;
  if (c.len > len)
    c.len = len;
  switch (proto)
    {
    case 4:   /* IPv4 in IP */
    case 41:  /* IPv6 in IP */
      note_outer (st);
      l = (ws_layer) { 0, UINT32_MAX, proto == 4 ? 0x0800 : 0x86dd, false, 0 };
      return enter (st, WS_LAYER_OK, &l, c, len);
    case 47:
      note_outer (st);
      r = ws_tunnel_gre (c.p, c.len, &l);
      if (r == WS_LAYER_NOT_DATA && c.len < len)   /* the PPP frame was not captured */
        r = WS_LAYER_TRUNCATED;
      return enter (st, r, &l, c, len);
    case 97:
      note_outer (st);
      r = ws_tunnel_etherip (c.p, c.len, &l);
      return enter (st, r, &l, c, len);
    case 137: /* MPLS in IP (RFC 4023) */
      note_outer (st);
      l = (ws_layer) { 0, UINT32_MAX, 0x8847, false, 0 };
      return enter (st, WS_LAYER_OK, &l, c, len);
    case 17:
      {
        if (!need (&c, 0, 8))
          return WS_DEC_TRUNCATED;
        uint16_t sport = ws_be16 (c.p), dport = ws_be16 (c.p + 2);
        if (!ws_tunnel_udp_port (sport, dport))
          break;
        uint32_t ulen = ws_be16 (c.p + 4);
        if (ulen < 8 || ulen > len)
          return fail (st->out, WS_DEC_MALFORMED, WS_UNDEC_MALFORMED_TUNNEL);
        cursor u = { c.p + 8, c.len - 8 < ulen - 8 ? c.len - 8 : ulen - 8 };
        note_outer (st);
        r = ws_tunnel_udp (sport, dport, u.p, u.len, &l);
        if (r == WS_LAYER_NOT_DATA)   /* GTP echo and the like: plain UDP */
          break;
        return enter (st, r, &l, u, ulen - 8);
      }
    case 115: /* L2TPv3 */
      return fail (st->out, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_TUNNEL);
    default:
      break;
    }
  return fail (st->out, WS_DEC_NOT_TCP, st->depth ? WS_UNDEC_INNER_NOT_TCP : WS_UNDEC_NOT_TCP);
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
  out->sport = ws_be16 (t);
  out->dport = ws_be16 (t + 2);
  out->seq = ws_be32 (t + 4);
  out->ack = ws_be32 (t + 8);
  out->flags = t[13] & 0x3f;
  out->payload = t + hlen;
  out->payload_wire_len = ip_payload_len - hlen;
  uint32_t avail = c.len - hlen;
  out->payload_len = avail < out->payload_wire_len ? avail : out->payload_wire_len;
  if (out->payload_len < out->payload_wire_len)
    out->truncated = true;
  return WS_DEC_OK;
}

/* IP protocols whose fragments are worth reassembling: TCP and the tunnels
 * in IP that may carry it.  (Not UDP: most fragmented UDP is not a tunnel,
 * and VXLAN and Geneve endpoints are asked not to fragment.) */
static inline bool
may_carry_tcp (uint8_t proto)
{
  switch (proto)
    {
    case 6: case 4: case 41: case 47: case 97: case 137:
      return true;
    default:
      return false;
    }
}

static ws_decode_result
decode_ipv4 (dstate *st, cursor c, uint32_t wire_remaining)
{
  ws_packet *out = st->out;
  if (!need (&c, 0, 20))
    return WS_DEC_TRUNCATED;
  const uint8_t *ip = c.p;
  if ((ip[0] >> 4) != 4)
    return WS_DEC_MALFORMED;
  uint32_t ihl = (uint32_t) (ip[0] & 0x0f) * 4;
  uint32_t total = ws_be16 (ip + 2);
  if (total == 0)          /* TCP segmentation offload: length unknown */
    total = wire_remaining;
  if (ihl < 20 || total < ihl)
    return WS_DEC_MALFORMED;
  if (!need (&c, 0, ihl))
    return WS_DEC_TRUNCATED;
  uint16_t frag = ws_be16 (ip + 6);
  bool fragment = (frag & 0x1fff) != 0 || (frag & 0x2000) != 0;
  out->src.family = out->dst.family = 4;
  memset (out->src.addr, 0, 16);
  memset (out->dst.addr, 0, 16);
  memcpy (out->src.addr, ip + 12, 4);
  memcpy (out->dst.addr, ip + 16, 4);
  if (fragment)
    {
      if (!may_carry_tcp (ip[9]))
        return fail (out, WS_DEC_NOT_TCP, st->depth ? WS_UNDEC_INNER_NOT_TCP : WS_UNDEC_NOT_TCP);
      if (ws_be16 (ip + 2) == 0)   /* offload never makes fragments */
        return WS_DEC_MALFORMED;
      ws_ip_fragment *f = &out->frag;
      f->version = 4;
      f->proto = ip[9];
      f->more = (frag & 0x2000) != 0;
      f->id = ws_be16 (ip + 4);
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
  if (ip[9] != 6)
    return decode_ip_payload (st, ip[9], t, total - ihl);
  return decode_tcp (t, total - ihl, out);
}

static ws_decode_result
decode_ipv6 (dstate *st, cursor c)
{
  ws_packet *out = st->out;
  if (!need (&c, 0, 40))
    return WS_DEC_TRUNCATED;
  const uint8_t *ip = c.p;
  if ((ip[0] >> 4) != 6)
    return WS_DEC_MALFORMED;
  uint32_t plen = ws_be16 (ip + 4);
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
        case 51:  /* AH: its length in 4-byte units, less 2 (RFC 4302) */
          {
            if (!need (&c, off, 2))
              return WS_DEC_TRUNCATED;
            /* the others: in 8-byte units, less 1 (RFC 8200) */
            uint32_t l = next == 51 ? ((uint32_t) c.p[off + 1] + 2) * 4
                                    : ((uint32_t) c.p[off + 1] + 1) * 8;
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
            f->id = ws_be32 (h + 4);
            f->offset = (uint32_t) (ws_be16 (h + 2) & 0xfff8);
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
          {
            cursor t = { c.p + (off < c.len ? off : c.len), off < c.len ? c.len - off : 0 };
            return decode_ip_payload (st, next, t, end - off);
          }
        }
    }
  return WS_DEC_MALFORMED;
}

/* EtherTypes of frames that are not IP and carry none: counted apart from
 * EtherTypes we do not know. */
static bool
known_not_ip (uint16_t type)
{
  switch (type)
    {
    case 0x0806: /* ARP */
    case 0x8035: /* RARP */
    case 0x809b: /* AppleTalk */
    case 0x80f3: /* AARP */
    case 0x8137: /* IPX */
    case 0x8808: /* Ethernet flow control */
    case 0x8809: /* slow protocols (LACP) */
    case 0x8863: /* PPPoE discovery */
    case 0x886f: /* Microsoft NLB */
    case 0x888e: /* EAPOL */
    case 0x8892: /* PROFINET */
    case 0x88a4: /* EtherCAT */
    case 0x88b8: /* IEC 61850 GOOSE */
    case 0x88cc: /* LLDP */
    case 0x88e1: /* HomePlug */
    case 0x88e5: /* MACsec: encrypted */
    case 0x88f7: /* PTP */
    case 0x8902: /* CFM */
    case 0x893a: /* IEEE 1905 */
    case 0x9000: /* Ethernet loopback */
      return true;
    default:
      return false;
    }
}

static ws_decode_result
decode_type (dstate *st, uint16_t type, cursor c, uint32_t wire)
{
  ws_layer l;
  ws_layer_result r;
  if (++st->steps > MAX_STEPS)
    return fail (st->out, WS_DEC_NOT_IP, WS_UNDEC_TUNNEL_TOO_DEEP);
  switch (type)
    {
    case 0x0800:
      return decode_ipv4 (st, c, wire);
    case 0x86dd:
      return decode_ipv6 (st, c);
    case WS_ET_IP:
      if (!need (&c, 0, 1))
        return WS_DEC_TRUNCATED;
      switch (c.p[0] >> 4)
        {
        case 4: return decode_ipv4 (st, c, wire);
        case 6: return decode_ipv6 (st, c);
        default: return fail (st->out, WS_DEC_NOT_IP, st->depth ? WS_UNDEC_MALFORMED_TUNNEL : WS_UNDEC_NOT_IP);
        }
    case WS_ET_ETHER:
      r = ws_link_ether (c.p, c.len, &l);
      if (r != WS_LAYER_OK)
        return layer_fail (st->out, r, false);
      {
        cursor in = { c.p + l.hdr_len, c.len - l.hdr_len };
        return decode_type (st, l.type, in, wire > l.hdr_len ? wire - l.hdr_len : 0);
      }
    case 0x8847: /* MPLS unicast */
    case 0x8848: /* MPLS multicast */
      r = ws_tunnel_mpls (c.p, c.len, &l);
      return enter (st, r, &l, c, wire);
    case 0x8864: /* PPPoE session */
      r = ws_tunnel_pppoe (c.p, c.len, &l);
      return enter (st, r, &l, c, wire);
    case 0x894f: /* Network Service Header */
      r = ws_tunnel_nsh (c.p, c.len, &l);
      return enter (st, r, &l, c, wire);
    case 0x8909: /* Cisco MetaData: | ver len | options | SGT | EtherType | */
      {
        if (!need (&c, 0, 8))
          return WS_DEC_TRUNCATED;
        cursor in = { c.p + 8, c.len - 8 };
        return decode_type (st, ws_be16 (c.p + 6), in, wire > 8 ? wire - 8 : 0);
      }
    default:
      if (type < 0x0600 || known_not_ip (type))
        return fail (st->out, WS_DEC_NOT_IP, WS_UNDEC_NOT_IP);
      return fail (st->out, WS_DEC_NOT_IP, WS_UNDEC_UNKNOWN_ETHERTYPE);
    }
}

ws_decode_result
ws_decode_ip (const uint8_t *ip, uint32_t len, ws_packet *out)
{
  cursor c = { ip, len };
  dstate st = { out, out->tunnels, 0 };
  out->truncated = false;
  out->why = WS_UNDEC_NONE;
  return decode_type (&st, WS_ET_IP, c, len);
}

ws_decode_result
ws_decode (int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
           ws_packet *out)
{
  cursor c = { data, caplen };
  dstate st = { out, 0, 0 };
  out->truncated = caplen < wirelen;
  out->tunnel = 0;
  out->tunnels = 0;
  out->why = WS_UNDEC_NONE;
  /* the usual frame, Ethernet II without tags, without the calls */
  if (linktype == DLT_EN10MB && caplen >= 14)
    {
      uint16_t type = ws_be16 (data + 12);
      if (type == 0x0800 || type == 0x86dd)
        {
          cursor in = { data + 14, caplen - 14 };
          return type == 0x0800 ? decode_ipv4 (&st, in, wirelen > 14 ? wirelen - 14 : 0)
                                : decode_ipv6 (&st, in);
        }
    }
  ws_layer l;
  ws_layer_result r = ws_link_parse (linktype, data, caplen, &l);
  /* an NFLOG message whose payload TLV was not captured */
  if (r == WS_LAYER_NOT_DATA && linktype == DLT_NFLOG && caplen < wirelen)
    r = WS_LAYER_TRUNCATED;
  if (r != WS_LAYER_OK)
    return layer_fail (out, r, false);
  cursor in = { c.p + l.hdr_len, c.len - l.hdr_len };
  uint32_t w = wirelen > l.hdr_len ? wirelen - l.hdr_len : 0;
  if (l.inner_len != UINT32_MAX)
    {
      if (in.len > l.inner_len)
        in.len = l.inner_len;
      if (w > l.inner_len)
        w = l.inner_len;
    }
  return decode_type (&st, l.type, in, w);
}

void
ws_decode_count (ws_counters *cnt, ws_decode_result r, const ws_packet *p)
{
  if (r == WS_DEC_OK)
    {
      if (p->tunnels)
        cnt->tunneled_packets++;
      return;
    }
  switch (p->why)
    {
    case WS_UNDEC_NOT_IP: cnt->not_ip_packets++; break;
    case WS_UNDEC_UNKNOWN_ETHERTYPE: cnt->unknown_ethertype_packets++; break;
    case WS_UNDEC_NOT_TCP: cnt->not_tcp_packets++; break;
    case WS_UNDEC_INNER_NOT_TCP: cnt->inner_not_tcp_packets++; break;
    case WS_UNDEC_UNKNOWN_TUNNEL: cnt->unknown_tunnel_packets++; break;
    case WS_UNDEC_TUNNEL_TOO_DEEP: cnt->tunnel_too_deep_packets++; break;
    case WS_UNDEC_MALFORMED_TUNNEL: cnt->malformed_tunnel_packets++; break;
    case WS_UNDEC_LINKTYPE: cnt->unsupported_link_packets++; break;
    default: break;
    }
}
