/* subproto.h - the application protocols people run over WebSocket, read
 * only as far as their keepalives, their timeouts and their reasons for
 * ending go: Engine.IO/Socket.IO, graphql-ws (graphql-transport-ws) and the
 * legacy subscriptions-transport-ws (graphql-ws), STOMP, MQTT, SignalR (JSON
 * hub protocol) and Phoenix channels.
 *
 * The protocol is decided from the negotiated subprotocol, the path, and
 * else from the shape of the first messages (a connection with no clue is
 * looked at for its first few messages, then let go).  The frame parser
 * hands over the first WS_APP_HEAD bytes of each data message (unmasked;
 * inflated when --inflate inflates) and its size at its end; nothing else
 * is kept, so memory is bounded per connection (one ws_subproto, allocated
 * only while a protocol is known or still being looked for).
 *
 * Every read of those bytes is bounds-checked: they are untrusted.
 */
#ifndef WS_SUBPROTO_H
#define WS_SUBPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>


typedef enum {
  WS_APP_NONE = 0,
  WS_APP_SNIFF,               /* not known yet: looking at the first messages */
  WS_APP_ENGINEIO,            /* Engine.IO (Socket.IO) */
  WS_APP_GRAPHQL_TRANSPORT_WS,/* graphql-ws, subprotocol graphql-transport-ws */
  WS_APP_GRAPHQL_WS,          /* subscriptions-transport-ws, subprotocol graphql-ws */
  WS_APP_STOMP,
  WS_APP_MQTT,
  WS_APP_SIGNALR,
  WS_APP_PHOENIX,
} ws_app_kind;

/* How many first bytes of a message are looked at. */
#define WS_APP_HEAD 256
#define WS_APP_REASON 96

/* What one side sent at the application level. */
typedef struct {
  uint64_t pings;             /* keepalive requests (Engine.IO 2, graphql ping/ka,
                               * MQTT PINGREQ, SignalR type 6, Phoenix heartbeat,
                               * STOMP heart-beat) */
  uint64_t pongs;             /* answers (Engine.IO 3, graphql pong, PINGRESP,
                               * Phoenix phx_reply on topic phoenix) */
  int64_t first_ping_us, last_ping_us, last_pong_us;
  uint64_t messages;          /* data messages looked at */
  int64_t last_message_us;
} ws_app_dir;

typedef struct ws_subproto {
  uint8_t kind;               /* ws_app_kind */
  uint8_t version;            /* Engine.IO 3/4, MQTT 3/4/5, STOMP 10/11/12; 0 unknown */
  uint8_t detected_by;        /* 1 subprotocol, 2 path, 3 message shapes */
  uint8_t sniffed[2];         /* messages looked at while WS_APP_SNIFF */

  /* negotiated keepalive intervals in ms, -1 when not seen */
  int64_t ping_interval_ms;   /* Engine.IO pingInterval, MQTT keepalive */
  int64_t ping_timeout_ms;    /* Engine.IO pingTimeout */
  int64_t hb_send_ms[2];      /* STOMP: the heart-beat each side must send
                               * (negotiated from CONNECT and CONNECTED) */
  int32_t stomp_cx, stomp_cy; /* CONNECT heart-beat header, -1 unseen */
  int32_t stomp_sx, stomp_sy; /* CONNECTED heart-beat header */

  ws_app_dir dir[2];          /* by ws_side */

  /* the application-level end: the first one seen */
  int8_t end_side;            /* -1: none seen */
  int64_t end_us;
  char end_what[24];          /* "41 disconnect", "DISCONNECT", "close", ... */
  int end_code;               /* MQTT v5 reason code, -1 none */
  char end_reason[WS_APP_REASON];

  /* the first error the application reported */
  int8_t error_side;          /* -1: none */
  int64_t error_us;
  char error[WS_APP_REASON];

  uint16_t inits[2];          /* connection_init, CONNECT, 40, phx_join, SignalR
                               * handshake requests, by side */
  bool handshake_done;        /* connection_ack, CONNACK 0, CONNECTED, SignalR {} */

  /* MQTT packets run across messages (aedes writes a CONNACK a byte per
   * message): the start of the packet being read, then what to skip */
  uint8_t mq_buf[2][24];
  uint8_t mq_len[2];
  uint64_t mq_skip[2];

} ws_subproto;

/* A state for a connection with that subprotocol and path (either NULL):
 * a known protocol, or WS_APP_SNIFF.  Never NULL. */
ws_subproto *ws_subproto_new (const char *subprotocol, const char *path);
/* As ws_subproto_new when ws_subproto_known (subprotocol, path, false)
 * says the protocol is known, else NULL: classified once. */
ws_subproto *ws_subproto_new_known (const char *subprotocol, const char *path);
void ws_subproto_free (ws_subproto *a);

/* One whole data message of side (0 client, 1 server): opcode 1 text or 2
 * binary, its first len bytes (len <= WS_APP_HEAD, unmasked), its size.
 * Returns false when the protocol is found not to be one we know (after
 * sniffing): the caller may then free the state. */
bool ws_subproto_message (ws_subproto *a, int side, int opcode, const uint8_t *msg,
                          size_t len, uint64_t size, int64_t ts_us);

/* "socket.io", "graphql-transport-ws", "graphql-ws", "stomp", "mqtt",
 * "signalr", "phoenix"; NULL for none or not known yet. */
const char *ws_subproto_name (const ws_subproto *a);

/* Is a protocol known by that subprotocol, or (no subprotocol) by that path
 * (any_path: whatever the path, as the message shapes may tell)? */
bool ws_subproto_known (const char *subprotocol, const char *path, bool any_path);

/* The name of an MQTT 5 reason code (DISCONNECT, CONNACK), or NULL. */
const char *ws_mqtt_reason_name (int code);

/* Append the record's members (",\"subprotocol_app\":...,\"app\":{...}")
 * when a protocol was found; nothing otherwise. */
void ws_subproto_json (GString *out, const ws_subproto *a);

#endif
