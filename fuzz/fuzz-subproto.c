/* fuzz-subproto.c - libFuzzer target for the application protocol parsers
 * (subproto.c): Engine.IO, graphql-ws, STOMP, MQTT (with its reassembly
 * across messages), SignalR and Phoenix, and the sniffing that finds them.
 *
 * Input layout: one byte choosing the subprotocol and path (index into the
 * tables below), then messages, each: a flags byte (bit 0 side, bit 1
 * binary, bits 2-7 how much bigger than its head the message claims to be,
 * in KiB), a length byte, that many bytes (cut at WS_APP_HEAD as the frame
 * parser cuts them).  Each message is copied to a buffer of its exact size,
 * so that a read past it is a heap overflow under ASan.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "subproto.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const subs[] = {
    NULL, "graphql-transport-ws", "graphql-ws", "v12.stomp", "mqtt", "MQTT", "v10.stomp",
  };
  static const char *const paths[] = {
    NULL, "/socket.io/?EIO=4&transport=websocket", "/socket.io/?EIO=3",
    "/socket/websocket?vsn=2.0.0", "/hub?id=x", "/",
  };
  fuzz_cursor c = { data, size, 0 };
  uint8_t pick = fuzz_u8 (&c);
  ws_subproto *a = ws_subproto_new (subs[pick % G_N_ELEMENTS (subs)],
                                    paths[(pick / G_N_ELEMENTS (subs)) % G_N_ELEMENTS (paths)]);
  int64_t ts = 1;
  while (fuzz_left (&c) > 0)
    {
      uint8_t flags = fuzz_u8 (&c);
      size_t got;
      const uint8_t *m = fuzz_take (&c, fuzz_u8 (&c), &got);
      uint8_t *copy = g_malloc (got ? got : 1);
      if (got)
        memcpy (copy, m, got);
      size_t head = got < WS_APP_HEAD ? got : WS_APP_HEAD;
      uint64_t total = got + (uint64_t) (flags >> 2) * 1024;
      bool known = ws_subproto_message (a, flags & 1, flags & 2 ? 2 : 1, copy, head, total,
                                        ts += 1000);
      g_free (copy);
      if (!known)
        break;
    }
  /* the state's strings stay terminated; the JSON writer takes them */
  if (!memchr (a->end_reason, 0, sizeof a->end_reason) || !memchr (a->error, 0, sizeof a->error)
      || !memchr (a->end_what, 0, sizeof a->end_what) || a->mq_len[0] >= sizeof a->mq_buf[0]
      || a->mq_len[1] >= sizeof a->mq_buf[1])
    abort ();
  GString *out = g_string_new (NULL);
  ws_subproto_json (out, a);
  if (out->len && !g_utf8_validate (out->str, (gssize) out->len, NULL))
    abort ();
  g_string_free (out, TRUE);
  ws_subproto_free (a);
  return 0;
}
