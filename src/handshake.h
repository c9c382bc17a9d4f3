/* handshake.h - the opening handshake into the record (RFC 6455 section 4):
 * request and response header blocks, the accept check, the negotiation.
 */
#ifndef WS_HANDSHAKE_H
#define WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) as a g_malloc'd
 * string, key trimmed of ASCII white space as g_strstrip does;
 * ws_accept_valid compares (accept trimmed too) without allocating. */
char *ws_accept_compute (const char *key);
bool ws_accept_valid (const char *key, const char *accept);

/* Feed handshake bytes of one side of c; returns bytes consumed, and sets
 * *done when the header block of that side is complete and parsed (then the
 * record has the request's or the response's fields, and c->stage says
 * what comes next). */
size_t ws_handshake_feed (ws_conn *c, ws_side side, const uint8_t *data, size_t len,
                          int64_t ts_us, bool *done);

/* The header block gathered so far on one side was cut before its end:
 * parse the lines that are whole as if the block ended there (hs_cut names
 * the cut).  True when it took the message; the caller then carries on
 * (after a server's cut 101, with frames from an unknown boundary). */
bool ws_handshake_cut (ws_conn *c, ws_side side, int64_t ts_us);

/* c is not WebSocket, for that reason: it is ignored from now on. */
void ws_handshake_reject (ws_conn *c, ws_reject why);

#endif
