/* encap.h - one header at a time: link-layer headers (link.c) and tunnel
 * headers (tunnel.c).  Each parser looks at the bytes of one header and says
 * how long it is, what follows it (as an Ethernet type) and what identifies
 * the tunnel; decode.c chains them down to the TCP segment.  The parsers
 * keep no state and read only through the bounds checks of extract.h.
 */
#ifndef WS_ENCAP_H
#define WS_ENCAP_H

#include <pcap/pcap.h>

/* link types older libpcap headers do not name */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif

#include <stdbool.h>
#include <stdint.h>

#include "extract.h"

/* Pseudo Ethernet types for what a header can carry besides an EtherType. */
#define WS_ET_IP     0x0000  /* IPv4 or IPv6: look at the version nibble */
#define WS_ET_ETHER  0x6558  /* an Ethernet frame (GRE's Transparent Ethernet Bridging) */

typedef struct {
  uint32_t hdr_len;    /* bytes of this header: the inner packet starts there */
  uint32_t inner_len;  /* the inner packet's length when the header says it,
                        * UINT32_MAX when it runs to the end of the frame */
  uint16_t type;       /* EtherType (or WS_ET_*) of the inner packet */
  bool has_id;         /* the header names its tunnel (VNI, key, session) */
  uint32_t id;         /* that name: goes into the flow key */
} ws_layer;

/* Every parser returns one of these. */
typedef enum {
  WS_LAYER_OK = 0,
  WS_LAYER_TRUNCATED,  /* the captured bytes end inside the header */
  WS_LAYER_MALFORMED,  /* a header that does not add up */
  WS_LAYER_UNKNOWN,    /* a well-formed header whose payload we do not decode
                        * (a GRE protocol, an MPLS pseudowire, ...) */
  WS_LAYER_NOT_DATA,   /* carries no packet: GTP echo, 802.11 management,
                        * PPP LCP, encrypted 802.11 ... */
} ws_layer_result;

/* out describes a header of hdr_len bytes carrying type, its inner packet
 * running to the end of the frame and naming no tunnel (the caller sets
 * inner_len, has_id and id when the header says them). */
static inline ws_layer_result
ws_layer_set (ws_layer *out, uint32_t hdr_len, uint16_t type)
{
  out->hdr_len = hdr_len;
  out->inner_len = UINT32_MAX;
  out->type = type;
  out->has_id = false;
  out->id = 0;
  return WS_LAYER_OK;
}

/* ---- link layers (link.c); dlt as pcap_datalink() returns it -------------- */

/* The link-layer header of a frame of type dlt: WS_LAYER_UNKNOWN for a link
 * type we do not decode. */
ws_layer_result ws_link_parse (int dlt, const uint8_t *p, uint32_t len, ws_layer *out);
bool ws_link_supported (int dlt);
/* Ethernet II or 802.3 with LLC/SNAP, 802.1Q/802.1ad tags skipped. */
ws_layer_result ws_link_ether (const uint8_t *p, uint32_t len, ws_layer *out);
/* A PPP protocol number as an EtherType (0 for others). */
uint16_t ws_ppp_ethertype (uint16_t proto);

/* ---- tunnels (tunnel.c) ---------------------------------------------------- */

/* UDP payloads by port: VXLAN (4789), VXLAN-GPE (4790), Geneve (6081),
 * GTP-U (2152).  WS_LAYER_UNKNOWN when the ports name no tunnel we decode. */
bool ws_tunnel_udp_port (uint16_t sport, uint16_t dport);
ws_layer_result ws_tunnel_udp (uint16_t sport, uint16_t dport, const uint8_t *p,
                               uint32_t len, ws_layer *out);
ws_layer_result ws_tunnel_vxlan (const uint8_t *p, uint32_t len, ws_layer *out);
ws_layer_result ws_tunnel_vxlan_gpe (const uint8_t *p, uint32_t len, ws_layer *out);
ws_layer_result ws_tunnel_geneve (const uint8_t *p, uint32_t len, ws_layer *out);
ws_layer_result ws_tunnel_gtpu (const uint8_t *p, uint32_t len, ws_layer *out);
/* GRE (RFC 2784, 2890; version 1 of RFC 2637 too), ERSPAN I/II/III inside. */
ws_layer_result ws_tunnel_gre (const uint8_t *p, uint32_t len, ws_layer *out);
/* The ERSPAN header after a GRE header of protocol 0x88be or 0x22eb. */
ws_layer_result ws_tunnel_erspan (uint16_t gre_proto, bool gre_seq, const uint8_t *p,
                                  uint32_t len, ws_layer *out);
/* An MPLS label stack (RFC 3032); what follows is guessed from its first
 * nibble (4, 6, or 0 for a pseudowire control word before Ethernet). */
ws_layer_result ws_tunnel_mpls (const uint8_t *p, uint32_t len, ws_layer *out);
/* PPPoE session stage (RFC 2516) with its PPP protocol field. */
ws_layer_result ws_tunnel_pppoe (const uint8_t *p, uint32_t len, ws_layer *out);
/* Network Service Header (RFC 8300). */
ws_layer_result ws_tunnel_nsh (const uint8_t *p, uint32_t len, ws_layer *out);
/* EtherIP (RFC 3378, IP protocol 97). */
ws_layer_result ws_tunnel_etherip (const uint8_t *p, uint32_t len, ws_layer *out);

#endif
