/* decode.h - from a captured frame to the TCP segment inside it: link layer
 * (Ethernet with 802.1Q/802.1ad tags, Linux cooked SLL/SLL2, BSD NULL/LOOP,
 * raw IPv4/IPv6, PPP, Cisco HDLC, 802.11 data frames with radiotap or PPI,
 * NFLOG), IPv4 or IPv6 (extension headers skipped), tunnels (VXLAN, Geneve,
 * GRE, ERSPAN, IP in IP, MPLS, PPPoE, GTP-U, EtherIP; encap.h) nested up to
 * WS_DECODE_MAX_TUNNELS deep, TCP.
 * All reads are bounds-checked against the captured length; a frame cut short
 * by the snaplen is decoded as far as it goes and flagged.
 * An IP fragment of a TCP datagram is described (ws_ip_fragment) for the
 * reassembly in ipfrag.c, which hands the whole datagram back to
 * ws_decode_ip().
 */
#ifndef WS_DECODE_H
#define WS_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "conn.h"

enum {
  WS_TCP_FIN = 0x01,
  WS_TCP_SYN = 0x02,
  WS_TCP_RST = 0x04,
  WS_TCP_PSH = 0x08,
  WS_TCP_ACK = 0x10,
};

/* One IPv4 fragment, or one IPv6 packet with a Fragment header.  All
 * pointers are borrowed from the frame. */
typedef struct {
  uint8_t version;        /* 4 or 6 */
  uint8_t proto;          /* IPv4 protocol; IPv6: the Fragment header's Next Header */
  bool more;              /* more fragments follow (MF / M) */
  uint32_t id;            /* IPv4 Identification (16 bits) or IPv6 (32 bits) */
  uint32_t offset;        /* byte offset of data in the original payload */
  const uint8_t *hdr;     /* IPv4 header, or the IPv6 header and the extension
                           * headers before the Fragment header */
  uint32_t hdr_len;
  uint32_t nh_pos;        /* IPv6: offset in hdr of the Next Header byte that
                           * names the Fragment header (6 or in an ext header) */
  const uint8_t *data;    /* the fragment's share of the payload */
  uint32_t data_len;      /* as the IP header says */
  uint32_t data_caplen;   /* how much of it was captured (<= data_len) */
} ws_ip_fragment;

/* Why a frame gave no TCP segment (ws_packet.why), counted by kind. */
typedef enum {
  WS_UNDEC_NONE = 0,
  WS_UNDEC_NOT_IP,            /* ARP, LLDP, LLC, 802.11 management, PPP LCP ... */
  WS_UNDEC_UNKNOWN_ETHERTYPE, /* an EtherType we do not decode */
  WS_UNDEC_NOT_TCP,           /* UDP, ICMP, ... */
  WS_UNDEC_INNER_NOT_TCP,     /* ... inside a tunnel */
  WS_UNDEC_UNKNOWN_TUNNEL,    /* L2TP, GRE of an unknown protocol, MPLS pseudowire ... */
  WS_UNDEC_TUNNEL_TOO_DEEP,   /* more than WS_DECODE_MAX_TUNNELS tunnels */
  WS_UNDEC_MALFORMED_TUNNEL,  /* a tunnel header that does not add up */
  WS_UNDEC_MALFORMED,         /* a link, IP or TCP header that does not add up */
  WS_UNDEC_TRUNCATED,         /* cut by the snaplen before the TCP header ended */
  WS_UNDEC_LINKTYPE,          /* a link type we do not decode */
} ws_undecoded;

#define WS_DECODE_MAX_TUNNELS 8

typedef struct {
  int64_t ts_us;
  uint32_t tunnel;            /* identity of the tunnels the segment came
                               * through (outer addresses, VNI, GRE key, ...);
                               * 0: none.  Part of the flow key. */
  uint8_t tunnels;            /* how many tunnels it came through */
  uint8_t why;                /* ws_undecoded, when not WS_DEC_OK */
  ws_addr src, dst;
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  const uint8_t *payload;     /* borrowed from the capture buffer */
  uint32_t payload_len;       /* payload bytes present in the capture */
  uint32_t payload_wire_len;  /* payload bytes the segment carried */
  bool truncated;             /* frame cut short by the snaplen */
  const char *file;           /* capture file it came from (interned), */
  uint64_t frame;             /* its frame number there; NULL, 0 live */
  ws_ip_fragment frag;        /* set when ws_decode() says WS_DEC_FRAGMENT;
                               * src and dst are set too */
} ws_packet;

typedef enum {
  WS_DEC_OK = 0,
  WS_DEC_NOT_IP,          /* ARP, LLDP, ...: nothing to do */
  WS_DEC_NOT_TCP,         /* UDP, ICMP, IPv4 fragments of those: nothing to do */
  WS_DEC_MALFORMED,       /* headers that do not add up */
  WS_DEC_TRUNCATED,       /* cut by snaplen before the TCP header ended */
  WS_DEC_FRAGMENT,        /* an IP fragment (IPv4 of TCP; IPv6 of anything):
                           * out->frag says which; see ipfrag.h */
} ws_decode_result;

/* linktype is a DLT_ value as pcap_datalink() returns it. */
ws_decode_result ws_decode (int linktype, const uint8_t *data, uint32_t caplen,
                            uint32_t wirelen, ws_packet *out);

/* The usual frame, decoded inline: Ethernet II without tags, IPv4 that is
 * not a fragment (nor sized 0 by offload), TCP, every header captured.
 * true: out is what ws_decode() would make of it (WS_DEC_OK); false: out
 * untouched, ws_decode() (or ws_ipfrag_decode()) decodes the frame.  On the
 * per-packet path: no calls, and the checks ws_decode makes in the order
 * it makes them. */
static inline bool
ws_decode_fast (int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                ws_packet *out)
{
  if (linktype != 1 /* DLT_EN10MB */ || caplen < 14 + 20 + 20
      || data[12] != 0x08 || data[13] != 0x00)
    return false;
  const uint8_t *ip = data + 14;
  uint32_t iplen = caplen - 14;   /* captured from ip on */
  uint32_t ihl = (uint32_t) (ip[0] & 0x0f) * 4;
  uint32_t total = ((uint32_t) ip[2] << 8) | ip[3];
  if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || ihl > iplen
      || (ip[6] & 0x3f) != 0 || ip[7] != 0   /* a fragment (MF or an offset) */
      || ip[9] != 6)
    return false;
  const uint8_t *t = ip + ihl;
  uint32_t tlen = iplen - ihl;    /* captured from t on */
  uint32_t ip_payload_len = total - ihl;
  uint32_t hlen = (uint32_t) (t[12] >> 4) * 4;
  if (tlen < 20 || hlen < 20 || hlen > ip_payload_len || hlen > tlen)
    return false;
  /* as decode_ipv4 and decode_tcp (decode.c) set it */
  out->truncated = caplen < wirelen;
  out->tunnel = 0;
  out->tunnels = 0;
  out->why = WS_UNDEC_NONE;
  out->src.family = out->dst.family = 4;
  /* the address and its 12 zero bytes as two 8-byte words, as the flow key
   * (flowtable.h) reads them back: each read finds one store to take */
  uint32_t s4, d4;
  memcpy (&s4, ip + 12, 4);
  memcpy (&d4, ip + 16, 4);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  uint64_t s8 = s4, d8 = d4, zero = 0;
#else
  uint64_t s8 = (uint64_t) s4 << 32, d8 = (uint64_t) d4 << 32, zero = 0;
#endif
  memcpy (out->src.addr, &s8, 8);
  memcpy (out->src.addr + 8, &zero, 8);
  memcpy (out->dst.addr, &d8, 8);
  memcpy (out->dst.addr + 8, &zero, 8);
  out->sport = (uint16_t) ((t[0] << 8) | t[1]);
  out->dport = (uint16_t) ((t[2] << 8) | t[3]);
  out->seq = ((uint32_t) t[4] << 24) | ((uint32_t) t[5] << 16) | ((uint32_t) t[6] << 8) | t[7];
  out->ack = ((uint32_t) t[8] << 24) | ((uint32_t) t[9] << 16) | ((uint32_t) t[10] << 8) | t[11];
  out->flags = t[13] & 0x3f;
  out->payload = t + hlen;
  out->payload_wire_len = ip_payload_len - hlen;
  uint32_t avail = tlen - hlen;
  out->payload_len = avail < out->payload_wire_len ? avail : out->payload_wire_len;
  if (out->payload_len < out->payload_wire_len)
    out->truncated = true;
  return true;
}

/* A whole IPv4 or IPv6 datagram in memory (a reassembled one): decoded as a
 * raw-IP frame of len bytes, none missing, inside the tunnels out->tunnel
 * and out->tunnels already say. */
ws_decode_result ws_decode_ip (const uint8_t *ip, uint32_t len, ws_packet *out);

bool ws_linktype_supported (int linktype);

/* Counts a decoded frame in cnt: the tunnels it came through, or why it
 * gave no TCP segment. */
void ws_decode_count (ws_counters *cnt, ws_decode_result r, const ws_packet *p);

#endif
