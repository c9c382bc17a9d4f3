/* tunnel.c - tunnel headers, one at a time (see encap.h).
 *
 *   VXLAN (RFC 7348), UDP 4789      | flags(1)=0x08 rsvd(3) | VNI(3) rsvd(1) | Ethernet
 *   VXLAN-GPE, UDP 4790             | flags(1) rsvd(2) next(1) | VNI(3) rsvd(1) |
 *   Geneve (RFC 8926), UDP 6081     | ver(2) optlen(6) O C rsvd(6) | proto(2) |
 *                                   | VNI(3) rsvd(1) | options(optlen * 4) |
 *   GTP-U (3GPP TS 29.281), UDP 2152| ver(3) PT E S PN | type(1) | length(2) | TEID(4) |
 *                                   [ seq(2) npdu(1) next-ext(1) ] [ ext ]* | IP
 *   GRE (RFC 2784, 2890)            | C R K S s recur(3) flags(5) ver(3) | proto(2) |
 *                                   [ checksum(2) offset(2) ] [ key(4) ] [ seq(4) ]
 *   ERSPAN II  (GRE 0x88be)         | ver(4)=1 vlan(12) | cos(3) en(2) t(1) session(10) |
 *                                   | rsvd(12) index(20) | Ethernet
 *   ERSPAN III (GRE 0x22eb)         | ver(4)=2 vlan(12) | cos bso t session(10) |
 *                                   | timestamp(4) | sgt(2) | P ft(5) hw(6) d gra(2) o |
 *                                   [ platform subheader(8) when o ] | Ethernet or IP
 *   MPLS (RFC 3032)                 | label(20) tc(3) s(1) ttl(8) |* until s
 *   PPPoE session (RFC 2516)        | ver(4) type(4) | code(1)=0 | session(2) | len(2) |
 *                                   | PPP protocol(2) | IP
 *   EtherIP (RFC 3378)              | ver(4)=3 rsvd(12) | Ethernet
 *   NSH (RFC 8300), EtherType 0x894f| ver(2) O U ttl(6) len(6) | rsvd(4) md(4) | next(1) |
 *                                   | service path(4) | context (len * 4 - 8) |
 *
 * What names a tunnel (for the flow key) is what both directions share:
 * the VNI, the GRE key, the ERSPAN session, the PPPoE session.  GTP-U TEIDs
 * and MPLS labels are chosen by each receiving end, so the two directions of
 * one connection carry different ones: they are left out.
 */
#include "config.h"

#include "encap.h"

uint16_t
ws_ppp_ethertype (uint16_t proto)
{
  switch (proto)
    {
    case 0x0021: return 0x0800;
    case 0x0057: return 0x86dd;
    case 0x0281: return 0x8847;  /* MPLS unicast */
    case 0x0283: return 0x8848;
    default: return 0;
    }
}

ws_layer_result
ws_tunnel_vxlan (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  if (!(p[0] & 0x08))   /* the I flag: a VNI is present; RFC 7348 requires it */
    return WS_LAYER_MALFORMED;
  ws_layer_set (out, 8, WS_ET_ETHER);
  out->has_id = true;
  out->id = ws_be24 (p + 4);
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_vxlan_gpe (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  if ((p[0] & 0x30) != 0)   /* version 0 only */
    return WS_LAYER_MALFORMED;
  uint16_t type;
  if (!(p[0] & 0x04))   /* no P flag: plain VXLAN on the GPE port */
    type = WS_ET_ETHER;
  else
    switch (p[3])
      {
      case 1: type = 0x0800; break;
      case 2: type = 0x86dd; break;
      case 3: type = WS_ET_ETHER; break;
      case 4: type = 0x894f; break;
      case 5: type = 0x8847; break;
      default: return WS_LAYER_UNKNOWN;
      }
  ws_layer_set (out, 8, type);
  if (p[0] & 0x08)
    {
      out->has_id = true;
      out->id = ws_be24 (p + 4);
    }
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_geneve (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  if ((p[0] >> 6) != 0)
    return WS_LAYER_MALFORMED;
  uint32_t hlen = 8 + (uint32_t) (p[0] & 0x3f) * 4;
  if (!ws_need (len, 0, hlen))
    return WS_LAYER_TRUNCATED;
  if (p[1] & 0x80)   /* O: a control message, no data packet */
    return WS_LAYER_NOT_DATA;
  ws_layer_set (out, hlen, ws_be16 (p + 2));
  out->has_id = true;
  out->id = ws_be24 (p + 4);
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_gtpu (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  if ((p[0] >> 5) != 1 || !(p[0] & 0x10))   /* GTPv1, PT = GTP */
    return WS_LAYER_MALFORMED;
  uint32_t msg_len = ws_be16 (p + 2);   /* bytes after the first 8 */
  uint32_t off = 8;
  if (p[0] & 0x07)
    {
      if (msg_len < 4)
        return WS_LAYER_MALFORMED;
      if (!ws_need (len, 0, 12))
        return WS_LAYER_TRUNCATED;
      uint8_t next = (p[0] & 0x04) ? p[11] : 0;
      off = 12;
      /* extension headers: | len(1, in 4 bytes) | content | next type(1) |;
       * each at least 4 bytes, so the count is bounded by the length */
      while (next != 0)
        {
          if (!ws_need (len, off, 1))
            return WS_LAYER_TRUNCATED;
          uint32_t el = (uint32_t) p[off] * 4;
          if (el == 0 || off + el > 8 + msg_len)
            return WS_LAYER_MALFORMED;
          if (!ws_need (len, off, el))
            return WS_LAYER_TRUNCATED;
          next = p[off + el - 1];
          off += el;
        }
    }
  if (8 + msg_len < off)
    return WS_LAYER_MALFORMED;
  if (p[1] != 0xff)   /* not a G-PDU: echo, error indication, end marker */
    return WS_LAYER_NOT_DATA;
  ws_layer_set (out, off, WS_ET_IP);
  out->inner_len = 8 + msg_len - off;
  return WS_LAYER_OK;
}

bool
ws_tunnel_udp_port (uint16_t sport, uint16_t dport)
{
  return dport == 4789 || dport == 4790 || dport == 6081 || dport == 2152 || sport == 2152;
}

ws_layer_result
ws_tunnel_udp (uint16_t sport, uint16_t dport, const uint8_t *p, uint32_t len, ws_layer *out)
{
  switch (dport)
    {
    case 4789: return ws_tunnel_vxlan (p, len, out);
    case 4790: return ws_tunnel_vxlan_gpe (p, len, out);
    case 6081: return ws_tunnel_geneve (p, len, out);
    case 2152: return ws_tunnel_gtpu (p, len, out);
    default:
      if (sport == 2152)
        return ws_tunnel_gtpu (p, len, out);
      return WS_LAYER_UNKNOWN;
    }
}

ws_layer_result
ws_tunnel_erspan (uint16_t gre_proto, bool gre_seq, const uint8_t *p, uint32_t len,
                  ws_layer *out)
{
  if (gre_proto == 0x88be && !gre_seq)
    {
      /* type I: no ERSPAN header, the mirrored frame right away */
      ws_layer_set (out, 0, WS_ET_ETHER);
      return WS_LAYER_OK;
    }
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  uint32_t ver = p[0] >> 4;
  uint32_t session = ws_be16 (p + 2) & 0x3ff;
  if (gre_proto == 0x88be)
    {
      if (ver != 1)
        return WS_LAYER_MALFORMED;
      ws_layer_set (out, 8, WS_ET_ETHER);
    }
  else
    {
      if (ver != 2)
        return WS_LAYER_MALFORMED;
      if (!ws_need (len, 0, 12))
        return WS_LAYER_TRUNCATED;
      uint16_t w = ws_be16 (p + 10);
      uint32_t hlen = (w & 1) ? 20 : 12;   /* O: platform-specific subheader */
      if (!ws_need (len, 0, hlen))
        return WS_LAYER_TRUNCATED;
      uint32_t ft = (w >> 10) & 0x1f;
      if (ft == 0)
        ws_layer_set (out, hlen, WS_ET_ETHER);
      else if (ft == 2)
        ws_layer_set (out, hlen, WS_ET_IP);
      else
        return WS_LAYER_UNKNOWN;
    }
  out->has_id = true;
  out->id = session;
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_gre (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 4))
    return WS_LAYER_TRUNCATED;
  uint16_t flags = ws_be16 (p);
  uint16_t proto = ws_be16 (p + 2);
  uint32_t ver = flags & 7;
  bool c = flags & 0x8000, r = flags & 0x4000, k = flags & 0x2000, s = flags & 0x1000;
  uint32_t off = 4;
  bool has_key = false;
  uint32_t key = 0;
  if (ver == 0)
    {
      if (r)   /* source routing (RFC 1701): deprecated, variable length */
        return WS_LAYER_UNKNOWN;
      if (c)
        off += 4;
      if (k)
        {
          if (!ws_need (len, off, 4))
            return WS_LAYER_TRUNCATED;
          has_key = true;
          key = ws_be32 (p + off);
          off += 4;
        }
      if (s)
        off += 4;
    }
  else if (ver == 1)
    {
      /* enhanced GRE of PPTP (RFC 2637): key = payload length + call ID,
       * optional sequence and acknowledgement numbers, PPP inside */
      if (!k || proto != 0x880b || c || r)
        return WS_LAYER_MALFORMED;
      if (!ws_need (len, 4, 4))
        return WS_LAYER_TRUNCATED;
      has_key = true;
      key = ws_be16 (p + 6);   /* the call ID */
      off = 8 + (s ? 4 : 0) + ((flags & 0x0080) ? 4 : 0);
    }
  else
    return WS_LAYER_MALFORMED;
  if (!ws_need (len, 0, off))
    return WS_LAYER_TRUNCATED;
  uint16_t type = proto;
  if (proto == 0x880b)
    {
      /* PPP: [ff 03] protocol(1 or 2) */
      if (ver != 1)
        return WS_LAYER_UNKNOWN;
      if (!ws_need (len, off, 1))
        return WS_LAYER_NOT_DATA;   /* an acknowledgement alone */
      if (ws_need (len, off, 2) && p[off] == 0xff && p[off + 1] == 0x03)
        off += 2;
      if (!ws_need (len, off, 1))
        return WS_LAYER_TRUNCATED;
      uint16_t pp;
      if (p[off] & 1)
        pp = p[off++];
      else
        {
          if (!ws_need (len, off, 2))
            return WS_LAYER_TRUNCATED;
          pp = ws_be16 (p + off);
          off += 2;
        }
      type = ws_ppp_ethertype (pp);
      if (type == 0)
        return WS_LAYER_NOT_DATA;
    }
  else if (proto == 0x88be || proto == 0x22eb)
    {
      ws_layer e;
      ws_layer_result r2 = ws_tunnel_erspan (proto, s, p + off, len - off, &e);
      if (r2 != WS_LAYER_OK)
        return r2;
      ws_layer_set (out, off + e.hdr_len, e.type);
      out->has_id = true;
      out->id = (has_key ? key * 0x9e3779b1u : 0) ^ (e.id + 1);
      return WS_LAYER_OK;
    }
  ws_layer_set (out, off, type);
  out->has_id = has_key;
  out->id = key;
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_mpls (const uint8_t *p, uint32_t len, ws_layer *out)
{
  uint32_t off = 0;
  /* a label stack deeper than 16 is not one a router makes */
  for (int i = 0; i < 16; i++)
    {
      if (!ws_need (len, off, 4))
        return WS_LAYER_TRUNCATED;
      bool bottom = p[off + 2] & 1;
      off += 4;
      if (!bottom)
        continue;
      if (!ws_need (len, off, 1))
        return WS_LAYER_TRUNCATED;
      switch (p[off] >> 4)
        {
        case 4: ws_layer_set (out, off, 0x0800); return WS_LAYER_OK;
        case 6: ws_layer_set (out, off, 0x86dd); return WS_LAYER_OK;
        case 0:   /* pseudowire control word (RFC 4385), then Ethernet */
          if (!ws_need (len, off, 4))
            return WS_LAYER_TRUNCATED;
          ws_layer_set (out, off + 4, WS_ET_ETHER);
          return WS_LAYER_OK;
        default:
          return WS_LAYER_UNKNOWN;
        }
    }
  return WS_LAYER_MALFORMED;
}

ws_layer_result
ws_tunnel_pppoe (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  if (p[0] != 0x11 || p[1] != 0x00)   /* version 1 type 1, session data */
    return WS_LAYER_MALFORMED;
  uint32_t plen = ws_be16 (p + 4);   /* from the PPP protocol field on */
  if (plen < 2)
    return WS_LAYER_MALFORMED;
  uint16_t type = ws_ppp_ethertype (ws_be16 (p + 6));
  if (type == 0)
    return WS_LAYER_NOT_DATA;   /* LCP, IPCP, ... */
  ws_layer_set (out, 8, type);
  out->inner_len = plen - 2;
  out->has_id = true;
  out->id = ws_be16 (p + 2);
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_etherip (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 2))
    return WS_LAYER_TRUNCATED;
  if ((p[0] >> 4) != 3)
    return WS_LAYER_MALFORMED;
  ws_layer_set (out, 2, WS_ET_ETHER);
  return WS_LAYER_OK;
}

ws_layer_result
ws_tunnel_nsh (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 8))
    return WS_LAYER_TRUNCATED;
  if ((p[0] >> 6) != 0)
    return WS_LAYER_MALFORMED;
  uint32_t hlen = (uint32_t) (ws_be16 (p) & 0x3f) * 4;
  if (hlen < 8)
    return WS_LAYER_MALFORMED;
  if (!ws_need (len, 0, hlen))
    return WS_LAYER_TRUNCATED;
  uint16_t type;
  switch (p[3])
    {
    case 1: type = 0x0800; break;
    case 2: type = 0x86dd; break;
    case 3: type = WS_ET_ETHER; break;
    case 5: type = 0x8847; break;
    default: return WS_LAYER_UNKNOWN;
    }
  ws_layer_set (out, hlen, type);
  return WS_LAYER_OK;
}
