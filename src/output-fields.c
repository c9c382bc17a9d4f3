/* output-fields.c - the names and derived values every writer shows the
 * same way: kinds, stages, handshake problems and limits by name, the close
 * reason of the record, whether the handshake failed.
 */
#include "config.h"

#include "output-fields.h"

const char *
ws_kind_name (ws_kind k)
{
  switch (k)
    {
    case WS_KIND_WEBSOCKET: return "websocket";
    case WS_KIND_TLS: return "tls";
    case WS_KIND_OTHER: return "other";
    case WS_KIND_UNKNOWN: return "unknown";
    }
  return "unknown";
}

const char *
ws_stage_name (ws_stage s)
{
  switch (s)
    {
    case WS_STAGE_PROBE: return "probe";
    case WS_STAGE_HANDSHAKE: return "handshake";
    case WS_STAGE_FRAMES: return "frames";
    case WS_STAGE_REJECTED: return "rejected";
    case WS_STAGE_IGNORED: return "ignored";
    }
  return NULL;
}

const char *
ws_handshake_problem_name (int k)
{
  switch (k)
    {
    case WS_HS_UNREQUESTED_EXTENSION: return "unrequested_extension";
    case WS_HS_UNREQUESTED_SUBPROTOCOL: return "unrequested_subprotocol";
    case WS_HS_BAD_EXTENSION_PARAM: return "bad_extension_param";
    default: return NULL;
    }
}

const ws_limit_name ws_limit_names[WS_N_LIMIT_NAMES] = {
  { WS_LIMIT_HEADER, "header" },
  { WS_LIMIT_REASSEMBLY, "reassembly" },
  { WS_LIMIT_INFLATE, "inflate" },
  { WS_LIMIT_INFLATERS, "inflaters" },
  { WS_LIMIT_EVICTED, "evicted" },
  { WS_LIMIT_VIOLATIONS, "violations" },
};

/* A side index that is safe to use on the record's arrays. */
bool
ws_side_valid (ws_side s)
{
  return s == WS_SIDE_CLIENT || s == WS_SIDE_SERVER;
}

/* The reason of the first close frame (the initiator's), or NULL when there
 * is none or it is empty. */
const char *
ws_contract_close_reason (const ws_conn *c, size_t *len)
{
  const ws_close_info *ci;

  *len = 0;
  if (!ws_side_valid (c->close_initiator))
    return NULL;
  ci = &c->close[c->close_initiator];
  if (!ci->seen || ci->reason == NULL || ci->reason_len == 0)
    return NULL;
  *len = ci->reason_len;
  return ci->reason;
}

bool
ws_handshake_failed (const ws_conn *c)
{
  return (c->handshake_status >= 0 && c->handshake_status != 101) ||
         c->accept_valid == 0 || c->handshake_problem_kind != WS_HS_OK;
}

