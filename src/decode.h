/* decode.h - from a captured frame to the TCP segment inside it: link layer
 * (Ethernet with 802.1Q/802.1ad tags, Linux cooked SLL/SLL2, BSD NULL/LOOP,
 * raw IPv4/IPv6), IPv4 or IPv6 (extension headers skipped), TCP.
 * All reads are bounds-checked against the captured length; a frame cut short
 * by the snaplen is decoded as far as it goes and flagged.
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

typedef struct {
  int64_t ts_us;
  ws_addr src, dst;
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  const uint8_t *payload;     /* borrowed from the capture buffer */
  uint32_t payload_len;       /* payload bytes present in the capture */
  uint32_t payload_wire_len;  /* payload bytes the segment carried */
  bool truncated;             /* frame cut short by the snaplen */
} ws_packet;

typedef enum {
  WS_DEC_OK = 0,
  WS_DEC_NOT_IP,          /* ARP, LLDP, ...: nothing to do */
  WS_DEC_NOT_TCP,         /* UDP, ICMP, fragments: nothing to do */
  WS_DEC_MALFORMED,       /* headers that do not add up */
  WS_DEC_TRUNCATED,       /* cut by snaplen before the TCP header ended */
} ws_decode_result;

/* linktype is a DLT_ value as pcap_datalink() returns it. */
ws_decode_result ws_decode (int linktype, const uint8_t *data, uint32_t caplen,
                            uint32_t wirelen, ws_packet *out);

bool ws_linktype_supported (int linktype);

#endif
