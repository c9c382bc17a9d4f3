/* counters.h - what one analyzer counted, shown in the totals.  Each
 * analyzer owns its value (context.h); ws_counters_add sums them. */
#ifndef WS_COUNTERS_H
#define WS_COUNTERS_H

#include <glib.h>
#include <stdint.h>

#include "pmd.h"

typedef struct {
  uint64_t packets, bytes;
  uint64_t truncated_packets;     /* cut by snaplen */
  uint64_t undecodable_packets;   /* not IP/TCP or malformed */
  uint64_t non_tcp_packets;
  uint64_t tcp_connections;       /* distinct TCP connections seen */
  uint64_t tls_connections;
  uint64_t other_connections;     /* TCP that is neither WebSocket nor TLS */
  uint64_t rejected_no_upgrade;   /* of those: start seen, no upgrade request */
  uint64_t rejected_midstream;    /* of those: seen mid-stream, not frames */
  uint64_t other_upgrades;        /* of those: upgrades to other protocols (h2c) */
  uint64_t ws_connections;        /* records written */
  uint64_t evicted;
  uint64_t reassembly_limit_hits;
  uint64_t inflate_limit_hits;
  uint64_t inflater_limit_hits;
  uint64_t header_limit_hits;
  uint64_t gaps;
  uint64_t gap_bytes;
  /* IP fragment reassembly (copied from the analyzer's ws_ipfrag) */
  uint64_t ip_fragments;          /* fragments taken for reassembly */
  uint64_t ip_reassembled;        /* datagrams completed */
  uint64_t ip_frag_dropped;       /* datagrams (or lone fragments) given up:
                                   * timed out, evicted, truncated, too many
                                   * fragments, malformed, incomplete at the end */
  uint64_t ip_frag_overlap_conflicts; /* overlapping fragments with different bytes */
  /* tunnels, and frames that gave no TCP segment, by kind (decode.c) */
  uint64_t tunneled_packets;      /* TCP segments found inside a tunnel */
  uint64_t not_ip_packets;        /* ARP, LLDP, LLC, 802.11 management, PPP LCP ... */
  uint64_t unknown_ethertype_packets;
  uint64_t not_tcp_packets;       /* UDP, ICMP ... (fragments of UDP too) */
  uint64_t inner_not_tcp_packets; /* UDP, ICMP ... inside a tunnel */
  uint64_t unknown_tunnel_packets; /* L2TP, GRE of an unknown protocol, ... */
  uint64_t tunnel_too_deep_packets;
  uint64_t malformed_tunnel_packets;
  uint64_t unsupported_link_packets; /* of an interface whose link type we do not decode */
  ws_pmd_stats inflaters;         /* live permessage-deflate inflaters (not shown) */
  /* TLS connections by SNI and server (tlsconn.c): "SNI\tserver:port" ->
   * count (guint64 *); NULL until the first */
  GHashTable *tls_servers;
} ws_counters;

/* Zero (ws_counters c = { 0 } is the same); clear frees what it holds. */
void ws_counters_clear (ws_counters *c);
/* dst += src, every counter (the live inflaters too) and the TLS servers. */
void ws_counters_add (ws_counters *dst, const ws_counters *src);

#endif
