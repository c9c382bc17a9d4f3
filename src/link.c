/* link.c - link-layer headers (see encap.h).
 *
 *   Ethernet    | dst(6) src(6) [0x8100/0x88a8/0x9100 tag(4)]* type(2) |
 *               | dst(6) src(6) length(2) | aa aa 03 oui(3) type(2) |  (802.3 + SNAP)
 *   SLL         | pkttype(2) hatype(2) halen(2) addr(8) proto(2) |
 *   SLL2        | proto(2) rsvd(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) |
 *   NULL/LOOP   | family(4, host / network order) |
 *   PPP         | [ff 03] protocol(1 or 2) |      PPP_SERIAL: the same, or Cisco HDLC
 *   C_HDLC      | address(1) control(1) type(2) |
 *   PPP_ETHER   | PPPoE session header(6) | protocol(2) |
 *   802.11      | fc(2) dur(2) a1 a2 a3(6 each) seq(2) [a4(6)] [qos(2) [htc(4)]] |
 *               | aa aa 03 oui(3) type(2) |               (data frames only)
 *   radiotap    | version(1)=0 pad(1) len(2, LE) ... | 802.11
 *   PPI         | version(1)=0 flags(1) len(2, LE) dlt(4, LE) ... | that dlt
 *   NFLOG       | family(1) version(1) res_id(2) | { len(2) type(2) value pad }* |
 *               the value of type 9 (NFULA_PAYLOAD) is the IP packet; len and type
 *               are in the capturing host's byte order
 */
#include "config.h"

#include <pcap/pcap.h>

#include "encap.h"

#ifndef DLT_PPI
#define DLT_PPI 192
#endif

static bool
is_raw (int dlt)
{
  switch (dlt)
    {
    case DLT_IPV4:
    case DLT_IPV6:
    case 12:    /* DLT_RAW on most systems */
    case 14:    /* DLT_RAW on OpenBSD */
    case 101:   /* LINKTYPE_RAW as stored in files */
      return true;
    default:
      return dlt == DLT_RAW;
    }
}

bool
ws_link_supported (int dlt)
{
  switch (dlt)
    {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_PPP:
    case DLT_PPP_SERIAL:
    case DLT_PPP_ETHER:
    case DLT_C_HDLC:
    case DLT_IEEE802_11:
    case DLT_IEEE802_11_RADIO:
    case DLT_PPI:
    case DLT_NFLOG:
      return true;
    default:
      return is_raw (dlt);
    }
}

/* LLC with a SNAP header: the EtherType after it. */
static ws_layer_result
snap (const uint8_t *p, uint32_t len, uint32_t off, ws_layer *out)
{
  if (!ws_need (len, off, 3))
    return WS_LAYER_TRUNCATED;
  if (p[off] != 0xaa || p[off + 1] != 0xaa || p[off + 2] != 0x03)
    return WS_LAYER_NOT_DATA;   /* STP, NetBIOS, ...: LLC without SNAP */
  if (!ws_need (len, off, 8))
    return WS_LAYER_TRUNCATED;
  return ws_layer_set (out, off + 8, ws_be16 (p + off + 6));
}

ws_layer_result
ws_link_ether (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 14))
    return WS_LAYER_TRUNCATED;
  uint32_t off = 12;
  uint16_t type = ws_be16 (p + off);
  /* 802.1Q, 802.1ad and the old QinQ tag; at most a few */
  for (int i = 0; i < 4 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++)
    {
      off += 4;
      if (!ws_need (len, off, 2))
        return WS_LAYER_TRUNCATED;
      type = ws_be16 (p + off);
    }
  off += 2;
  if (type < 0x0600)   /* an 802.3 length: LLC follows */
    return snap (p, len, off, out);
  return ws_layer_set (out, off, type);
}

/* PPP with or without HDLC-like framing (RFC 1662); Cisco HDLC too when
 * cisco is set. */
static ws_layer_result
ppp (const uint8_t *p, uint32_t len, bool cisco, ws_layer *out)
{
  uint32_t off = 0;
  if (!ws_need (len, 0, 2))
    return WS_LAYER_TRUNCATED;
  if (cisco && (p[0] == 0x0f || p[0] == 0x8f) && p[1] == 0x00)
    {
      if (!ws_need (len, 0, 4))
        return WS_LAYER_TRUNCATED;
      return ws_layer_set (out, 4, ws_be16 (p + 2));
    }
  if (p[0] == 0xff && p[1] == 0x03)
    off = 2;
  if (!ws_need (len, off, 1))
    return WS_LAYER_TRUNCATED;
  uint16_t proto;
  if (p[off] & 1)   /* protocol field compression: one byte */
    proto = p[off++];
  else
    {
      if (!ws_need (len, off, 2))
        return WS_LAYER_TRUNCATED;
      proto = ws_be16 (p + off);
      off += 2;
    }
  uint16_t type = ws_ppp_ethertype (proto);
  if (type == 0)
    return WS_LAYER_NOT_DATA;
  return ws_layer_set (out, off, type);
}

static ws_layer_result
ieee80211 (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 24))
    return WS_LAYER_TRUNCATED;
  uint8_t fc0 = p[0], fc1 = p[1];
  if ((fc0 & 0x03) != 0)   /* protocol version 0 */
    return WS_LAYER_MALFORMED;
  if (((fc0 >> 2) & 3) != 2 || (fc0 & 0x40))   /* not data, or no data (null) */
    return WS_LAYER_NOT_DATA;
  if (fc1 & 0x40)   /* protected: encrypted payload */
    return WS_LAYER_NOT_DATA;
  uint32_t off = 24;
  if ((fc1 & 0x03) == 0x03)   /* to and from DS: a fourth address */
    off += 6;
  if (fc0 & 0x80)   /* QoS data */
    {
      if (!ws_need (len, off, 2))
        return WS_LAYER_TRUNCATED;
      if (p[off] & 0x80)   /* A-MSDU: several frames, not decoded */
        return WS_LAYER_UNKNOWN;
      off += 2;
      if (fc1 & 0x80)   /* +HTC */
        off += 4;
    }
  return snap (p, len, off, out);
}

static ws_layer_result
nflog (const uint8_t *p, uint32_t len, ws_layer *out)
{
  if (!ws_need (len, 0, 4))
    return WS_LAYER_TRUNCATED;
  uint16_t type;
  if (p[0] == 2)
    type = 0x0800;
  else if (p[0] == 10)
    type = 0x86dd;
  else
    return WS_LAYER_NOT_DATA;
  uint32_t off = 4;
  /* each TLV is at least 4 bytes, so this ends */
  while (ws_need (len, off, 4))
    {
      /* host byte order of the capturing machine: take the reading that
       * makes sense (lengths are small, types are below 32) */
      uint32_t l_le = ws_le16 (p + off), t_le = ws_le16 (p + off + 2) & 0x7fff;
      uint32_t l_be = ws_be16 (p + off), t_be = ws_be16 (p + off + 2) & 0x7fff;
      bool le_ok = l_le >= 4 && t_le < 32 && ws_need (len, off, l_le);
      bool be_ok = l_be >= 4 && t_be < 32 && ws_need (len, off, l_be);
      uint32_t l, t;
      if (le_ok)
        l = l_le, t = t_le;
      else if (be_ok)
        l = l_be, t = t_be;
      else if ((l_le >= 4 && t_le < 32) || (l_be >= 4 && t_be < 32))
        return WS_LAYER_TRUNCATED;   /* a TLV that goes on past the capture */
      else
        return WS_LAYER_MALFORMED;
      if (t == 9)   /* NFULA_PAYLOAD */
        {
          ws_layer_set (out, off + 4, type);
          out->inner_len = l - 4;
          return WS_LAYER_OK;
        }
      off += (l + 3) & ~3u;
    }
  if (off < len)
    return WS_LAYER_TRUNCATED;
  return WS_LAYER_NOT_DATA;   /* a log message without the packet */
}

ws_layer_result
ws_link_parse (int dlt, const uint8_t *p, uint32_t len, ws_layer *out)
{
  switch (dlt)
    {
    case DLT_EN10MB:
      return ws_link_ether (p, len, out);
    case DLT_LINUX_SLL:
      if (!ws_need (len, 0, 16))
        return WS_LAYER_TRUNCATED;
      return ws_layer_set (out, 16, ws_be16 (p + 14));
    case DLT_LINUX_SLL2:
      if (!ws_need (len, 0, 20))
        return WS_LAYER_TRUNCATED;
      return ws_layer_set (out, 20, ws_be16 (p));
    case DLT_NULL:
    case DLT_LOOP:
      {
        if (!ws_need (len, 0, 4))
          return WS_LAYER_TRUNCATED;
        /* The family is in the capturing host's byte order (NULL) or network
         * order (LOOP); look at both rather than guess. */
        uint32_t le = (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16)
                      | ((uint32_t) p[3] << 24);
        uint32_t fam = ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
                       | ((uint32_t) p[2] << 8) | p[3];
        if (fam > 0xffff)
          fam = le;
        if (fam == 2)
          return ws_layer_set (out, 4, 0x0800);
        if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
          return ws_layer_set (out, 4, 0x86dd);
        return WS_LAYER_NOT_DATA;
      }
    case DLT_PPP:
      return ppp (p, len, false, out);
    case DLT_PPP_SERIAL:
      return ppp (p, len, true, out);
    case DLT_C_HDLC:
      if (!ws_need (len, 0, 4))
        return WS_LAYER_TRUNCATED;
      return ws_layer_set (out, 4, ws_be16 (p + 2));
    case DLT_PPP_ETHER:
      {
        /* the PPPoE session header without its Ethernet frame */
        if (!ws_need (len, 0, 8))
          return WS_LAYER_TRUNCATED;
        if (p[0] != 0x11)
          return WS_LAYER_MALFORMED;
        if (p[1] != 0x00)
          return WS_LAYER_NOT_DATA;   /* discovery */
        uint16_t type = ws_ppp_ethertype (ws_be16 (p + 6));
        if (type == 0)
          return WS_LAYER_NOT_DATA;
        return ws_layer_set (out, 8, type);
      }
    case DLT_IEEE802_11:
      return ieee80211 (p, len, out);
    case DLT_IEEE802_11_RADIO:
      {
        if (!ws_need (len, 0, 4))
          return WS_LAYER_TRUNCATED;
        uint32_t hl = ws_le16 (p + 2);
        if (p[0] != 0 || hl < 8)
          return WS_LAYER_MALFORMED;
        if (!ws_need (len, 0, hl))
          return WS_LAYER_TRUNCATED;
        ws_layer_result r = ieee80211 (p + hl, len - hl, out);
        if (r == WS_LAYER_OK)
          out->hdr_len += hl;
        return r;
      }
    case DLT_PPI:
      {
        if (!ws_need (len, 0, 8))
          return WS_LAYER_TRUNCATED;
        uint32_t hl = ws_le16 (p + 2);
        uint32_t inner = (uint32_t) p[4] | ((uint32_t) p[5] << 8) | ((uint32_t) p[6] << 16)
                         | ((uint32_t) p[7] << 24);
        if (p[0] != 0 || hl < 8)
          return WS_LAYER_MALFORMED;
        if (!ws_need (len, 0, hl))
          return WS_LAYER_TRUNCATED;
        if (inner == DLT_PPI || !ws_link_supported ((int) inner))
          return WS_LAYER_UNKNOWN;
        ws_layer_result r = ws_link_parse ((int) inner, p + hl, len - hl, out);
        if (r == WS_LAYER_OK)
          out->hdr_len += hl;
        return r;
      }
    case DLT_NFLOG:
      return nflog (p, len, out);
    default:
      if (is_raw (dlt))
        return ws_layer_set (out, 0, WS_ET_IP);
      return WS_LAYER_UNKNOWN;
    }
}
