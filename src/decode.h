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

/* A whole IPv4 or IPv6 datagram in memory (a reassembled one): decoded as a
 * raw-IP frame of len bytes, none missing, inside the tunnels out->tunnel
 * and out->tunnels already say. */
ws_decode_result ws_decode_ip (const uint8_t *ip, uint32_t len, ws_packet *out);

bool ws_linktype_supported (int linktype);

/* Counts a decoded frame in cnt: the tunnels it came through, or why it
 * gave no TCP segment. */
void ws_decode_count (ws_counters *cnt, ws_decode_result r, const ws_packet *p);

#endif
