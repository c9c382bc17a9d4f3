/* conn-builder.h - the one way the unit tests build records: a connection
 * record (ws_conn) as the parsers would have filled it, one fact at a time,
 * and the report's record (ws_report_rec).
 *
 *   ws_conn *c = cb_conn (1, 5);                  handshake done (101), open
 *   cb_traffic (c, WS_SIDE_CLIENT, 3, 10, 1.5);   3 text messages, the last at 1.5 s
 *   cb_close (c, WS_SIDE_SERVER, 1011, "oops", 2); first close: the initiator
 *   cb_rst (c, WS_SIDE_CLIENT, 2.5);               TCP ends with an RST
 *   ...
 *   ws_conn_free (c);
 *
 * Moments are given in seconds after T0, to the nearest microsecond (use
 * cb_shift to move a whole record to another epoch).  Each
 * function asserts on misuse.  A new record is a WebSocket connection from
 * 10.0.0.<client_last_octet>:40000+id to 10.0.0.2:8080 that completed its
 * handshake (GET /ws, Host example.test, version 13, the RFC 6455 sample
 * key, a valid Accept, 101) at T0 + 2 ms and is still open.  Strings are
 * copied; they may hold any byte (the *_bytes variants take a length).
 */
#ifndef WS_TEST_CONN_BUILDER_H
#define WS_TEST_CONN_BUILDER_H

#include "conn.h"
#include "context.h"
#include "decode.h"
#include "report-model.h"

/* seconds to microseconds, to the nearest */
#define S(x) ((int64_t) ((x) * 1000000.0 + ((x) < 0 ? -0.5 : 0.5)))
#define T0 S (1700000000)

/* ---- the connection record ------------------------------------------------ */

/* The analyzer context (context.h) of every record the builder makes: the
 * default settings, counters of its own; one per test program. */
ws_ctx *cb_ctx (void);

ws_conn *cb_conn (uint64_t id, int client_last_octet);
/* Replace the endpoints (addresses as text, IPv4 or IPv6). */
void cb_endpoints (ws_conn *c, const char *client, uint16_t client_port, const char *server,
                   uint16_t server_port);
void cb_addr (ws_addr *a, const char *text);
/* Replace Host and path (NULL: absent). */
void cb_request (ws_conn *c, const char *host, const char *path);
/* Handshake headers (NULL: absent): Origin, User-Agent of the request and
 * Server of the response. */
void cb_origin (ws_conn *c, const char *origin);
void cb_user_agent (ws_conn *c, const char *user_agent);
void cb_server (ws_conn *c, const char *server_header);
/* Sec-WebSocket-Extensions offered and accepted (NULL: absent), as text
 * (what was negotiated, c->pmd, is the test's to set). */
void cb_extensions (ws_conn *c, const char *offered, const char *accepted);
/* Sec-WebSocket-Protocol offered and accepted (NULL: absent). */
void cb_subprotocols (ws_conn *c, const char *offered, const char *accepted);
/* A problem found in the 101 itself (ws_handshake_problem; text may be NULL). */
void cb_handshake_problem (ws_conn *c, ws_handshake_problem kind, const char *text);
/* The server's Sec-WebSocket-Accept (NULL: absent) and whether it matched. */
void cb_accept (ws_conn *c, const char *accept, bool valid);
/* The server refused the upgrade with status and reason phrase. */
void cb_reject (ws_conn *c, int status, const char *reason);
/* The request went out and no response came. */
void cb_no_response (ws_conn *c);
/* The capture began after the handshake: no handshake fields at all. */
void cb_midstream (ws_conn *c);

/* messages text messages from side s (one frame each), the largest of
 * largest bytes (the last one too), the last at last_s. */
void cb_traffic (ws_conn *c, ws_side s, uint64_t messages, uint64_t largest, double last_s);
/* frames more frames (of no counted kind) from side s, the last at last_s. */
void cb_frames (ws_conn *c, ws_side s, uint64_t frames, double last_s);
/* TCP payload bytes of side s. */
void cb_bytes (ws_conn *c, ws_side s, uint64_t tcp_bytes);
/* A ping (payload_len bytes) or a pong from side s at at_s. */
void cb_ping (ws_conn *c, ws_side s, size_t payload_len, double at_s);
void cb_pong (ws_conn *c, ws_side s, double at_s);
/* The capture lost n bytes of side s's stream. */
void cb_gap (ws_conn *c, ws_side s, uint64_t n);
/* A close frame from s at at_s (code -1: an empty body; reason NULL: none).
 * The first side to close is the initiator. */
void cb_close (ws_conn *c, ws_side s, int code, const char *reason, double at_s);
void cb_close_bytes (ws_conn *c, ws_side s, int code, const char *reason, size_t reason_len,
                     double at_s);
/* A FIN or RST from s at at_s; the first of them ends TCP (an RST ends it
 * whatever came before).  The record's end is the latest of them. */
void cb_fin (ws_conn *c, ws_side s, double at_s);
void cb_rst (ws_conn *c, ws_side s, double at_s);
/* The last packet of a connection still open at the end of the capture. */
void cb_last_packet (ws_conn *c, double at_s);
void cb_violation (ws_conn *c, ws_violation_kind k, ws_side s, double at_s, uint64_t off,
                   const char *detail);
/* The diagnosis as diagnose.c would leave it (for the writers' tests): id
 * is a static string. */
void cb_cause (ws_conn *c, const char *id, const char *confidence, const char *summary,
               const char *fix);
void cb_evidence (ws_conn *c, int64_t ts_us, const char *text);

/* One made from r over a few clients (one is the proxy 10.0.0.2), servers,
 * ports and Hosts (in mixed case), clustered in time, with every kind of
 * ending: a few hundred of them give the cross-connection rules something
 * to find. */
ws_conn *cb_random_conn (GRand *r, uint64_t id);
/* Every moment of c moved by delta_us. */
void cb_shift (ws_conn *c, int64_t delta_us);

/* ---- bytes on the wire, for the tests that feed the parsers -------------- */

/* RFC 6455 section 1.2's opening handshake: GET /chat to server.example.com
 * with the key dGhlIHNhbXBsZSBub25jZQ==, and the 101 answering it with the
 * Accept that section 1.3 works out, s3pPLMBiTxaQ9kYGzzhZRbK+xOo=. */
extern const char cb_rfc_request[];
extern const char cb_rfc_response[];
/* One frame: its first byte (FIN, RSV, opcode), masked (with the key 11 22
 * 33 44) or not, the shortest length encoding. */
void cb_ws_frame (GByteArray *b, uint8_t first, bool masked, const void *payload, size_t len);
/* A close frame (code -1: empty body). */
void cb_ws_close (GByteArray *b, bool masked, int code, const char *reason);

/* A TCP segment as the decoder hands it on, between the client
 * 10.0.0.1:client_port and the server 10.0.0.2:server_port; data is
 * borrowed. */
ws_packet cb_tcp_packet (uint16_t client_port, uint16_t server_port, bool from_client, uint32_t seq,
                         uint32_t ack, uint8_t flags, const uint8_t *data, uint32_t len,
                         int64_t ts_us);

/* An Ethernet II / IPv4 / TCP frame (no options) from a:ap to b:bp, with a
 * right IPv4 header checksum (the TCP checksum is left 0). */
GByteArray *cb_eth_tcp (const char *a, uint16_t ap, const char *b, uint16_t bp, uint32_t seq,
                        uint32_t ack, uint8_t flags, const void *payload, size_t len);

/* A classic pcap file: the header (magic 0xa1b2c3d4, or 0xa1b23c4d for
 * nanoseconds; written in the other byte order when swapped), then
 * records; frac is microseconds or nanoseconds as the magic says. */
void cb_pcap_header (GByteArray *f, bool nsec, bool swapped, uint32_t snaplen, uint32_t linktype);
void cb_pcap_record (GByteArray *f, bool swapped, uint32_t sec, uint32_t frac, const void *data,
                     uint32_t caplen, uint32_t wirelen);
/* A pcapng file in big- or little-endian order: a Section Header Block, an
 * Interface Description Block (microsecond timestamps), an Enhanced Packet
 * Block with the time in microseconds. */
void cb_pcapng_section (GByteArray *f, bool be);
void cb_pcapng_iface (GByteArray *f, bool be, uint16_t linktype, uint32_t snaplen);
void cb_pcapng_packet (GByteArray *f, bool be, uint32_t ifid, uint64_t ts_us, const void *data,
                       uint32_t caplen, uint32_t wirelen);

/* ---- the report's record (report-model.h) ---------------------------------- */

/* 10.0.0.1:(40000 + start_s % 1000) -> server:443, Host h.example, path
 * /ws, started at start_s (seconds since the epoch) and ended 30 s later
 * by a FIN from the client, close code (-1: still open) and reason, cause
 * with high confidence, summary "summary", fix "fix it"; a 1006 was idle
 * 25 s. */
ws_report_rec *cb_report_rec (const char *server, int code, const char *cause, int64_t start_s,
                              const char *reason);

#endif
