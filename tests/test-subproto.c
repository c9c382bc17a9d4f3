/* test-subproto.c - the application protocol parsers on real message bytes
 * (the Engine.IO, graphql-ws and MQTT ones as tshark shows them in
 * pcaps/libs/socketio-ping-timeout.pcap, graphql-ws-4429.pcap and
 * mqtt-keepalive.pcap, STOMP's as in stomp-*.pcap; SignalR and Phoenix as
 * their npm clients wrote them to a logging server on loopback: phoenix 1.8.1
 * with heartbeatIntervalMs 500, @microsoft/signalr 8.0.7 with
 * skipNegotiation, whose stop() sends {"type":7}\x1e), and on
 * hostile input: every cut of every message, random bytes, huge lengths. */
#include <string.h>

#include "conn.h"
#include "subproto.h"

#define C WS_SIDE_CLIENT
#define S WS_SIDE_SERVER

static void
feed (ws_subproto *a, int side, int opcode, const char *m, size_t n, int64_t ts)
{
  ws_subproto_message (a, side, opcode, (const uint8_t *) m, MIN (n, (size_t) WS_APP_HEAD),
                       n, ts);
}
#define TXT(a, side, s, ts) feed ((a), (side), 1, (s), sizeof (s) - 1, (ts))
#define BIN(a, side, s, ts) feed ((a), (side), 2, (s), sizeof (s) - 1, (ts))

/* The "subprotocol_app" and "app" members, written by hand from the state:
 * escaping (quote, backslash, control bytes and DEL as \u00XX, bad UTF-8
 * as U+FFFD), null for what is unknown, numbers and timestamps. */
static void
test_json (void)
{
  ws_subproto *a = ws_subproto_new ("graphql-transport-ws", "/graphql");
  GString *o = g_string_new ("{");

  ws_subproto_json (o, a);
  g_assert_cmpstr (o->str, ==,
                   "{,\"subprotocol_app\":\"graphql-transport-ws\",\"app\":{"
                   "\"detected_by\":\"subprotocol\",\"version\":null,\"handshake_done\":false,"
                   "\"ping_interval_ms\":null,\"ping_timeout_ms\":null,"
                   "\"client_heartbeat_ms\":null,\"server_heartbeat_ms\":null,"
                   "\"client\":{\"messages\":0,\"pings\":0,\"pongs\":0,\"inits\":0,"
                   "\"last_ping_ts\":null,\"last_pong_ts\":null,\"last_message_ts\":null},"
                   "\"server\":{\"messages\":0,\"pings\":0,\"pongs\":0,\"inits\":0,"
                   "\"last_ping_ts\":null,\"last_pong_ts\":null,\"last_message_ts\":null},"
                   "\"end\":null,\"error\":null}");

  a->version = 12;
  a->handshake_done = true;
  a->ping_interval_ms = 25000;
  a->ping_timeout_ms = 0;
  a->hb_send_ms[0] = 1234567890123;
  a->dir[0].messages = 18446744073709551615u;
  a->dir[0].pings = 10;
  a->dir[0].pongs = 99;
  a->inits[0] = 65535;
  a->dir[0].last_ping_us = 1700000000000001;
  a->dir[0].last_pong_us = 1;
  a->dir[0].last_message_us = 999999;
  a->dir[1].last_ping_us = -1500000;  /* not from a capture clock: printf's form */
  a->end_side = 1;
  g_strlcpy (a->end_what, "complete", sizeof a->end_what);
  a->end_code = 4400;
  g_strlcpy (a->end_reason, "a\"b\\c\x01\x1f\x7f\xc3(\xe2\x82\xac", sizeof a->end_reason);
  a->end_us = 1700000000123456;
  a->error_side = 0;
  a->error[0] = '\0';
  a->error_us = 0;
  g_string_assign (o, "");
  ws_subproto_json (o, a);
  g_assert_cmpstr (o->str, ==,
                   ",\"subprotocol_app\":\"graphql-transport-ws\",\"app\":{"
                   "\"detected_by\":\"subprotocol\",\"version\":12,\"handshake_done\":true,"
                   "\"ping_interval_ms\":25000,\"ping_timeout_ms\":0,"
                   "\"client_heartbeat_ms\":1234567890123,\"server_heartbeat_ms\":null,"
                   "\"client\":{\"messages\":18446744073709551615,\"pings\":10,\"pongs\":99,"
                   "\"inits\":65535,\"last_ping_ts\":1700000000.000001,"
                   "\"last_pong_ts\":0.000001,\"last_message_ts\":0.999999},"
                   "\"server\":{\"messages\":0,\"pings\":0,\"pongs\":0,\"inits\":0,"
                   "\"last_ping_ts\":-1.-500000,\"last_pong_ts\":null,\"last_message_ts\":null},"
                   "\"end\":{\"side\":\"server\",\"what\":\"complete\",\"code\":4400,"
                   "\"reason\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\xef\xbf\xbd(\xe2\x82\xac\","
                   "\"ts\":1700000000.123456},"
                   "\"error\":{\"side\":\"client\",\"text\":\"\",\"ts\":null}}");
  g_string_free (o, TRUE);
  ws_subproto_free (a);
}

static void
test_detect (void)
{
  static const struct { const char *sub, *path, *name; } t[] = {
    { "graphql-transport-ws", "/graphql", "graphql-transport-ws" },
    { "graphql-ws", "/graphql", "graphql-ws" },
    { "v12.stomp", "/ws", "stomp" },
    { "V11.STOMP", NULL, "stomp" },
    { "mqtt", "/mqtt", "mqtt" },
    { NULL, "/socket.io/?EIO=4&transport=websocket", "socket.io" },
    { NULL, "/socket/websocket?vsn=2.0.0", "phoenix" },
    { NULL, "/chat", NULL },
    { NULL, NULL, NULL },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (t); i++)
    {
      ws_subproto *a = ws_subproto_new (t[i].sub, t[i].path);
      g_assert_cmpstr (ws_subproto_name (a), ==, t[i].name);
      ws_subproto_free (a);
    }
  ws_subproto *a = ws_subproto_new (NULL, "/socket.io/?EIO=3&transport=websocket");
  g_assert_cmpuint (a->version, ==, 3);
  ws_subproto_free (a);
}

/* ws_subproto_new_known: a state only for a protocol known by the
 * subprotocol (when there is one) or else by the path, equal to what
 * ws_subproto_new makes for it. */
static void
test_new_known (void)
{
  static const struct { const char *sub, *path, *name; int by, version; } t[] = {
    { "graphql-transport-ws", "/graphql", "graphql-transport-ws", 1, 0 },
    { "Graphql-WS", NULL, "graphql-ws", 1, 0 },
    { "V11.STOMP", NULL, "stomp", 1, 11 },
    { "v10.stomp", "/socket.io/", "stomp", 1, 10 },
    { "stomp", NULL, "stomp", 1, 0 },
    { "MQTTv3.1", "/mqtt", "mqtt", 1, 0 },
    { "mqtt", NULL, "mqtt", 1, 0 },
    { "mqttv3.2", NULL, NULL, 0, 0 },
    { "graphql-transport-wsx", NULL, NULL, 0, 0 },
    { "graphql-transport-w", NULL, NULL, 0, 0 },
    { "mqt", NULL, NULL, 0, 0 },
    { "", NULL, NULL, 0, 0 },
    /* a subprotocol we do not know: the path is not looked at */
    { "chat", "/socket.io/?EIO=4", NULL, 0, 0 },
    { NULL, "/socket.io/?EIO=3&transport=websocket", "socket.io", 2, 3 },
    { NULL, "/engine.io/", "socket.io", 2, 0 },
    { NULL, "/socket/websocket?vsn=2.0.0", "phoenix", 2, 0 },
    { NULL, "/chat", NULL, 0, 0 },
    { NULL, NULL, NULL, 0, 0 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (t); i++)
    {
      ws_subproto *a = ws_subproto_new_known (t[i].sub, t[i].path);
      g_assert_cmpstr (ws_subproto_name (a), ==, t[i].name);
      g_assert_cmpint (a != NULL, ==, ws_subproto_known (t[i].sub, t[i].path, false));
      if (a)
        {
          ws_subproto *b = ws_subproto_new (t[i].sub, t[i].path);
          g_assert_cmpint (a->detected_by, ==, t[i].by);
          g_assert_cmpint (a->version, ==, t[i].version);
          g_assert_true (memcmp (a, b, sizeof *a) == 0);
          ws_subproto_free (b);
        }
      ws_subproto_free (a);
    }
}

static void
test_engineio (void)
{
  ws_subproto *a = ws_subproto_new (NULL, "/socket.io/?EIO=4&transport=websocket");
  TXT (a, S, "0{\"sid\":\"LtBv_oz1jm9RVxHWAAAA\",\"upgrades\":[],\"pingInterval\":1000,"
       "\"pingTimeout\":1000,\"maxPayload\":1000000}", 26507);
  TXT (a, C, "40", 26660);
  TXT (a, S, "40{\"sid\":\"1nnLnzjxpQX5oYKxAAAA\"}", 43010);
  TXT (a, C, "42[\"echo\",\"hello\"]", 44226);
  TXT (a, S, "42[\"echo\",\"hello\"]", 46008);
  TXT (a, S, "2", 1030933);
  g_assert_cmpint (a->ping_interval_ms, ==, 1000);
  g_assert_cmpint (a->ping_timeout_ms, ==, 1000);
  g_assert_cmpuint (a->dir[S].pings, ==, 1);
  g_assert_cmpint (a->dir[S].last_ping_us, ==, 1030933);
  g_assert_cmpuint (a->dir[C].pongs, ==, 0);
  g_assert_cmpuint (a->inits[C], ==, 1);
  TXT (a, C, "3", 1031000);
  TXT (a, C, "2probe", 1031001);     /* upgrade probes are not keepalives */
  TXT (a, C, "41", 1200000);
  g_assert_cmpuint (a->dir[C].pongs, ==, 1);
  g_assert_cmpuint (a->dir[C].pings, ==, 0);
  g_assert_cmpint (a->end_side, ==, C);
  g_assert_cmpstr (a->end_what, ==, "41 disconnect");
  TXT (a, S, "44{\"message\":\"Authentication error\"}", 1300000);
  g_assert_cmpstr (a->error, ==, "Authentication error");
  ws_subproto_free (a);

  /* found from the open packet alone (no path: seen mid-stream) */
  a = ws_subproto_new (NULL, NULL);
  TXT (a, S, "0{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}", 1);
  g_assert_cmpstr (ws_subproto_name (a), ==, "socket.io");
  g_assert_cmpint (a->ping_timeout_ms, ==, 20000);
  ws_subproto_free (a);
}

static void
test_graphql (void)
{
  ws_subproto *a = ws_subproto_new ("graphql-transport-ws", "/graphql");
  TXT (a, C, "{\"type\":\"connection_init\"}", 35004);
  TXT (a, S, "{\"type\":\"connection_ack\"}", 46627);
  TXT (a, C, "{\"type\":\"ping\"}", 46836);
  TXT (a, S, "{\"type\":\"pong\"}", 47641);
  TXT (a, C, "{\"type\":\"connection_init\"}", 47739);
  g_assert_cmpuint (a->inits[C], ==, 2);
  g_assert_true (a->handshake_done);
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  g_assert_cmpuint (a->dir[S].pongs, ==, 1);
  TXT (a, S, "{\"id\":\"1\",\"type\":\"error\",\"payload\":[{\"message\":\"no \\\"x\\\"\"}]}", 50000);
  g_assert_cmpstr (a->error, ==, "no \"x\"");
  ws_subproto_free (a);

  a = ws_subproto_new ("graphql-ws", "/graphql");
  TXT (a, S, "{\"type\":\"ka\"}", 1);
  TXT (a, S, "{\"type\":\"ka\"}", 2);
  TXT (a, C, "{\"type\":\"connection_terminate\"}", 3);
  g_assert_cmpuint (a->dir[S].pings, ==, 2);
  g_assert_cmpstr (a->end_what, ==, "connection_terminate");
  ws_subproto_free (a);
}

static void
test_stomp (void)
{
  ws_subproto *a = ws_subproto_new ("v12.stomp", "/ws");
  g_assert_cmpuint (a->version, ==, 12);
  TXT (a, C, "CONNECT\naccept-version:1.2,1.1,1.0\nheart-beat:10000,10000\n\n\0", 1);
  TXT (a, S, "CONNECTED\nversion:1.2\nheart-beat:5000,20000\nserver:x\n\n\0", 2);
  /* client sends every max(10000, 20000), server every max(5000, 10000) */
  g_assert_cmpint (a->hb_send_ms[C], ==, 20000);
  g_assert_cmpint (a->hb_send_ms[S], ==, 10000);
  TXT (a, C, "\n", 3);
  TXT (a, S, "\r\n", 4);
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  g_assert_cmpuint (a->dir[S].pings, ==, 1);
  TXT (a, S, "ERROR\nmessage:Session closed.\ncontent-length:0\n\n\0", 5);
  g_assert_cmpstr (a->error, ==, "Session closed.");
  g_assert_cmpstr (a->end_what, ==, "ERROR");
  ws_subproto_free (a);

  a = ws_subproto_new ("v11.stomp", NULL);
  TXT (a, C, "CONNECT\naccept-version:1.1\n\n\0", 1);
  TXT (a, S, "CONNECTED\nversion:1.1\n\n\0", 2);
  g_assert_cmpint (a->hb_send_ms[C], ==, 0);
  TXT (a, C, "DISCONNECT\nreceipt:77\n\n\0", 3);
  g_assert_cmpstr (a->end_what, ==, "DISCONNECT");
  ws_subproto_free (a);
}

static void
test_mqtt (void)
{
  /* mqtt-keepalive.pcap: CONNECT keepalive 2 s, then aedes's CONNACK a
   * byte per message, PINGREQ, PINGRESP */
  ws_subproto *a = ws_subproto_new ("mqtt", "/mqtt");
  BIN (a, C, "\x10\x14\x00\x04MQTT\x04\x02\x00\x02\x00\x08wsclosed", 15514);
  BIN (a, S, "\x20", 161292);
  BIN (a, S, "\x02", 161783);
  g_assert_false (a->handshake_done);
  BIN (a, S, "\x00", 161951);
  BIN (a, S, "\x00", 162271);
  BIN (a, C, "\xc0\x00", 172909);
  BIN (a, S, "\xd0\x00", 211936);
  g_assert_cmpuint (a->version, ==, 4);
  g_assert_cmpint (a->ping_interval_ms, ==, 2000);
  g_assert_true (a->handshake_done);
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  g_assert_cmpuint (a->dir[S].pongs, ==, 1);
  ws_subproto_free (a);

  /* MQTT 5: two packets in one message, DISCONNECT 0x8D */
  a = ws_subproto_new ("mqtt", NULL);
  BIN (a, C, "\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00", 1);
  BIN (a, S, "\x20\x03\x00\x00\x00\xd0\x00", 2);
  BIN (a, S, "\xe0\x02\x8d\x00", 3);
  g_assert_cmpuint (a->version, ==, 5);
  g_assert_cmpint (a->ping_interval_ms, ==, 60000);
  g_assert_cmpuint (a->dir[S].pongs, ==, 1);
  g_assert_cmpint (a->end_code, ==, 0x8d);
  g_assert_cmpstr (a->end_reason, ==, "Keep Alive timeout");
  ws_subproto_free (a);

  /* a PUBLISH larger than the head, then a PINGREQ in the next message */
  a = ws_subproto_new ("mqtt", NULL);
  uint8_t big[WS_APP_HEAD];
  memset (big, 'x', sizeof big);
  big[0] = 0x30, big[1] = 0xe8, big[2] = 0x07; /* remaining length 1000 */
  ws_subproto_message (a, C, 2, big, sizeof big, 1003, 1);
  BIN (a, C, "\xc0\x00", 2);
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  ws_subproto_free (a);
}

static void
test_signalr (void)
{
  ws_subproto *a = ws_subproto_new (NULL, "/chathub?id=abc");
  TXT (a, C, "{\"protocol\":\"json\",\"version\":1}\x1e", 1);
  g_assert_cmpstr (ws_subproto_name (a), ==, "signalr");
  TXT (a, S, "{}\x1e", 2);
  g_assert_true (a->handshake_done);
  TXT (a, S, "{\"type\":6}\x1e{\"type\":6}\x1e", 3);
  TXT (a, C, "{\"type\":6}\x1e", 4);
  g_assert_cmpuint (a->dir[S].pings, ==, 2);
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  TXT (a, C, "{\"type\":7}\x1e", 5);   /* the client's stop(): a close without error */
  g_assert_cmpint (a->end_side, ==, C);
  g_assert_cmpint (a->error_side, ==, -1);
  a->end_side = -1;
  TXT (a, S, "{\"type\":7,\"error\":\"Connection closed with an error. HubException\","
       "\"allowReconnect\":true}\x1e", 5);
  g_assert_cmpstr (a->end_reason, ==, "Connection closed with an error. HubException");
  g_assert_cmpint (a->error_side, ==, S);
  ws_subproto_free (a);
}

static void
test_phoenix (void)
{
  ws_subproto *a = ws_subproto_new (NULL, "/socket/websocket?vsn=2.0.0");
  TXT (a, C, "[\"3\",\"3\",\"room:lobby\",\"phx_join\",{}]", 1);
  TXT (a, C, "[null,\"4\",\"phoenix\",\"heartbeat\",{}]", 2);
  TXT (a, S, "[null,\"4\",\"phoenix\",\"phx_reply\",{\"response\":{},\"status\":\"ok\"}]", 3);
  TXT (a, S, "[\"3\",\"3\",\"room:lobby\",\"phx_error\",{}]", 4);
  g_assert_cmpuint (a->inits[C], ==, 1);
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  g_assert_cmpuint (a->dir[S].pongs, ==, 1);
  g_assert_cmpstr (a->error, ==, "phx_error on topic room:lobby");
  ws_subproto_free (a);

  /* v1 serializer, found by shape */
  a = ws_subproto_new (NULL, "/live");
  TXT (a, C, "{\"topic\":\"phoenix\",\"event\":\"heartbeat\",\"payload\":{},\"ref\":\"1\"}", 1);
  g_assert_cmpstr (ws_subproto_name (a), ==, "phoenix");
  g_assert_cmpuint (a->dir[C].pings, ==, 1);
  ws_subproto_free (a);
}

static void
test_sniff_gives_up (void)
{
  ws_subproto *a = ws_subproto_new (NULL, "/echo");
  g_assert_true (ws_subproto_message (a, C, 1, (const uint8_t *) "hello", 5, 5, 1));
  g_assert_true (ws_subproto_message (a, S, 1, (const uint8_t *) "hello", 5, 5, 2));
  g_assert_true (ws_subproto_message (a, C, 2, (const uint8_t *) "\x10", 1, 1, 3));
  g_assert_false (ws_subproto_message (a, S, 1, (const uint8_t *) "x", 1, 1, 4));
  g_assert_null (ws_subproto_name (a));
  ws_subproto_free (a);
}

/* Untrusted bytes: every cut of every message above under every protocol,
 * then random bytes and shapes made to mislead; nothing may read out of
 * bounds (ASan in CI) and the strings stay terminated. */
static void
test_hostile (void)
{
  static const char *const msgs[] = {
    "0{\"sid\":\"x\",\"pingInterval\":99999999999999999999999,\"pingTimeout\":",
    "44{\"message\":\"unterminated", "44\"", "4", "44", "2", "{\"type\":\"",
    "{\"type\":", "{\"type\"", "\"type\":\"ping\"}", "CONNECT\nheart-beat:",
    "CONNECT\nheart-beat:99999999999999,-5\n\n", "CONNECTED\nheart-beat:1,\n",
    "ERROR\nmessage:", "\x10\xff\xff\xff\xff\x7f", "\x10\x80\x80\x80\x80\x80\x80",
    "\x10\x0c\x00\xff" "MQTT", "\x20\x7f\x00\x05", "\xe0\x7f",
    "{\"protocol\":\"json\"\x1e\x1e\x1e{\"type\":7,\"error\":\"", "[null,\"4\",\"phoenix\",",
    "[\"\\", "[null,null,null", "{\"topic\":\"a\",\"event\":\"", "\x1e", "",
  };
  const char *subs[] = { NULL, "graphql-transport-ws", "graphql-ws", "v12.stomp", "mqtt" };
  const char *paths[] = { NULL, "/socket.io/?EIO=3", "/socket/websocket?vsn=2.0.0" };
  for (size_t s = 0; s < G_N_ELEMENTS (subs); s++)
    for (size_t p = 0; p < G_N_ELEMENTS (paths); p++)
      {
        ws_subproto *a = ws_subproto_new (subs[s], paths[p]);
        for (size_t i = 0; i < G_N_ELEMENTS (msgs); i++)
          {
            size_t n = strlen (msgs[i]);
            for (size_t cut = 0; cut <= n; cut++)
              {
                /* an exact-size copy: a read past cut is a heap overflow */
                uint8_t *m = g_memdup2 (msgs[i], cut ? cut : 1);
                for (int side = 0; side < 2; side++)
                  for (int op = 1; op <= 2; op++)
                    ws_subproto_message (a, side, op, m, cut, cut + (cut % 3) * 1000000, 1);
                g_free (m);
              }
          }
        static const char alphabet[] = "{}[]\":,\x1e\n0123ping";
        GRand *r = g_rand_new_with_seed ((guint32) (s * 10 + p));
        uint8_t buf[WS_APP_HEAD + 8];
        for (int k = 0; k < 20000; k++)
          {
            size_t n = (size_t) g_rand_int_range (r, 0, sizeof buf);
            for (size_t i = 0; i < n; i++)
              buf[i] = (uint8_t) (k & 1 ? g_rand_int (r) : alphabet[g_rand_int_range (r, 0, sizeof alphabet - 1)]);
            uint8_t *m = g_memdup2 (buf, n ? n : 1);
            ws_subproto_message (a, k & 2 ? 1 : 0, 1 + (k & 1), m, n,
                                 (uint64_t) g_rand_int (r) * 4096u, k);
            g_free (m);
          }
        g_rand_free (r);
        g_assert_true (memchr (a->end_reason, 0, sizeof a->end_reason) != NULL);
        g_assert_true (memchr (a->error, 0, sizeof a->error) != NULL);
        g_assert_cmpuint (a->mq_len[0], <, sizeof a->mq_buf[0]);
        ws_subproto_free (a);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/subproto/detect", test_detect);
  g_test_add_func ("/subproto/new-known", test_new_known);
  g_test_add_func ("/subproto/json", test_json);
  g_test_add_func ("/subproto/engineio", test_engineio);
  g_test_add_func ("/subproto/graphql", test_graphql);
  g_test_add_func ("/subproto/stomp", test_stomp);
  g_test_add_func ("/subproto/mqtt", test_mqtt);
  g_test_add_func ("/subproto/signalr", test_signalr);
  g_test_add_func ("/subproto/phoenix", test_phoenix);
  g_test_add_func ("/subproto/sniff-gives-up", test_sniff_gives_up);
  g_test_add_func ("/subproto/hostile", test_hostile);
  return g_test_run ();
}
