/* record.c - names and numbers of the connection record (record.h), for
 * the writers and the diagnosis: nothing here changes a record.
 */
#include "config.h"

#include <arpa/inet.h>

#include "record.h"

static const char *const violation_names[WS_VIOL_COUNT] = {
  [WS_VIOL_UNMASKED_CLIENT_FRAME] = "unmasked_client_frame",
  [WS_VIOL_MASKED_SERVER_FRAME] = "masked_server_frame",
  [WS_VIOL_RSV_NOT_NEGOTIATED] = "rsv_not_negotiated",
  [WS_VIOL_CONTROL_TOO_LONG] = "control_frame_too_long",
  [WS_VIOL_CONTROL_FRAGMENTED] = "control_frame_fragmented",
  [WS_VIOL_UNKNOWN_OPCODE] = "unknown_opcode",
  [WS_VIOL_CONTINUATION_WITHOUT_START] = "continuation_without_start",
  [WS_VIOL_NEW_MESSAGE_IN_FRAGMENTED] = "new_message_in_fragmented_message",
  [WS_VIOL_CLOSE_ONE_BYTE] = "close_one_byte_body",
  [WS_VIOL_CLOSE_CODE_INVALID] = "close_code_invalid",
  [WS_VIOL_CLOSE_REASON_NOT_UTF8] = "close_reason_not_utf8",
  [WS_VIOL_TEXT_NOT_UTF8] = "text_not_utf8",
  [WS_VIOL_DATA_AFTER_CLOSE] = "frame_after_close",
  [WS_VIOL_LENGTH_NOT_MINIMAL] = "length_not_minimal",
  [WS_VIOL_LENGTH_MSB_SET] = "length_msb_set",
  [WS_VIOL_INFLATE_ERROR] = "inflate_error",
  [WS_VIOL_RSV1_ON_CONTINUATION] = "rsv1_on_continuation",
  [WS_VIOL_RSV1_ON_CONTROL] = "rsv1_on_control_frame",
};

const char *
ws_violation_name (ws_violation_kind k)
{
  if ((unsigned) k >= WS_VIOL_COUNT || !violation_names[k])
    return "unknown";
  return violation_names[k];
}

const char *
ws_side_name (ws_side s)
{
  switch (s)
    {
    case WS_SIDE_CLIENT: return "client";
    case WS_SIDE_SERVER: return "server";
    default: return NULL;
    }
}

const char *
ws_tcp_end_name (ws_tcp_end e)
{
  switch (e)
    {
    case WS_TCP_END_FIN: return "fin";
    case WS_TCP_END_RST: return "rst";
    default: return "open";
    }
}

void
ws_addr_to_string (const ws_addr *a, char *buf, size_t len)
{
  if (len == 0)
    return;
  if (!inet_ntop (a->family == 6 ? AF_INET6 : AF_INET, a->addr, buf, (socklen_t) len))
    buf[0] = '\0';
}

int
ws_conn_close_code (const ws_conn *c)
{
  if (G_UNLIKELY (c->kind == WS_KIND_TLS))
    return -1;                  /* not decrypted: what the application saw is unknown */
  if (c->close_initiator == WS_SIDE_CLIENT || c->close_initiator == WS_SIDE_SERVER)
    {
      const ws_close_info *ci = &c->close[c->close_initiator];
      return ci->code >= 0 ? ci->code : 1005;
    }
  if (c->tcp_end != WS_TCP_END_OPEN)
    return 1006;
  return -1;
}
