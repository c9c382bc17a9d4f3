/* redact.h - secrets kept out of the records: query-string values of the
 * request path, credentials sent as subprotocols (a common way to pass a
 * token from a browser, which cannot set headers on a WebSocket), and the
 * values of Authorization and Cookie style headers.  Applied when a value
 * enters the record, so that every writer, the diagnosis and the report see
 * the same redacted text; --no-redact keeps the values.
 *
 * Each function returns a newly allocated redacted copy, or NULL when the
 * value holds nothing to redact (the caller keeps the original).
 */
#ifndef WS_REDACT_H
#define WS_REDACT_H

#include <glib.h>

#define WS_REDACTED "REDACTED"

/* "/ws?token=abc&room=7" -> "/ws?token=REDACTED&room=REDACTED"; a path
 * segment that is a JSON Web Token is replaced too.  Parameters that only
 * name a protocol version or encoding (EIO, transport, vsn, v, encoding,
 * format, compress) are kept. */
char *ws_redact_path (const char *path);

/* "chat, eyJhbGciOi..." -> "chat, REDACTED"; "access_token, abc" ->
 * "access_token, REDACTED"; "base64url.bearer.authorization.k8s.io.XYZ" ->
 * "base64url.bearer.authorization.k8s.io.REDACTED".  A wstunnel tunnel
 * request ("authorization.bearer.<JWT>" whose HMAC-SHA256 signature
 * verifies with the key built into wstunnel, "champignonfrais") is kept:
 * anyone can sign one, it hides nothing (see ws_tunnel_request_find); a
 * token that does not verify (another key, a forged signature) is
 * redacted. */
char *ws_redact_subprotocols (const char *list);

/* What a wstunnel tunnel request in a subprotocol list asks for: the
 * protocol (wstunnel's name, e.g. Tcp, Udp, Socks5) and the remote
 * (host:port, [v6]:port).  Strings are bounded, ASCII, NUL-terminated. */
typedef struct {
  char tool[16];            /* "wstunnel" */
  char protocol[33];
  char remote[300];
} ws_tunnel_request;

/* The first token of the list signed with wstunnel's key whose claims are
 * wstunnel's: TRUE and *out filled; FALSE otherwise (also for NULL). */
gboolean ws_tunnel_request_find (const char *list, ws_tunnel_request *out);

/* Authorization: "Bearer abc" -> "Bearer REDACTED"; Cookie: "a=1; b=2" ->
 * "a=REDACTED; b=REDACTED"; other credential headers wholly.  NULL for a
 * header that is not a credential. */
char *ws_redact_header (const char *name, const char *value);

#endif
