/* causeinfo.c - what each cause id means, the wire facts behind it, what to
 * check first and how to fix it.  The per-connection text of a record (its
 * cause.summary and cause.fix) is written by the rules in diagnose.c with
 * the measured values; this is the general page a reader gets for the id
 * itself with `wsclosed --explain ID`.
 */
#include "config.h"

#include <string.h>

#include "causeinfo.h"
#include "closecodes.h"
#include "i18n.h"

static const ws_cause_info causes[] = {
  { "normal_closure", N_("Normal closure"),
    N_("One side closed on purpose with 1000 and the other answered the close "
    "handshake: the connection ended the way both applications intended."),
    N_("A close frame with code 1000, usually echoed, and a clean TCP end (FIN "
    "from the server first, as RFC 6455 asks)."),
    N_("Nothing is wrong on the wire. If users complain, the reason text and who "
    "sent the close tell which application decided to end it."),
    N_("None needed. If the closes are unexpected, look at the code path of the "
    "closing side that sends 1000 (logout, navigation, a finished job)."),
    "1000" },
  { "endpoint_going_away", N_("An endpoint is going away"),
    N_("The sender of 1001 is leaving: a browser tab navigating away or closing, "
    "or a server shutting down or draining for a deploy."),
    N_("A close frame with code 1001; from a browser client usually right "
    "after a navigation, from a server often together with many other "
    "connections of the same server."),
    N_("Who sent it: a client 1001 is a user leaving; a server 1001 on many "
    "connections at once is a shutdown or deploy."),
    N_("Client side: nothing to fix. Server side: drain connections before "
    "stopping, and let clients reconnect with backoff and jitter."),
    "1001" },
  { "protocol_violation", N_("Protocol violation"),
    N_("A peer broke RFC 6455 framing (unmasked client frame, reserved bits or "
    "opcodes, a fragmented or oversized control frame, a bad length) and "
    "the other side closed with 1002 or dropped the connection."),
    N_("The violation itself is listed in the record's violations with the "
    "side that committed it, its stream offset and time."),
    N_("The library and version of the side named in the violation; whether a "
    "proxy in between rewrites frames or negotiated extensions."),
    N_("Fix or upgrade the offending peer's WebSocket library; make sure both "
    "sides agree on the negotiated extensions (RSV1 is only legal with "
    "permessage-deflate)."),
    "1002" },
  { "unsupported_data", N_("Unsupported data"),
    N_("A peer received a message type it does not accept (binary where only "
    "text is handled, or the reverse) and closed with 1003."),
    N_("A close 1003 after a data frame of the other type from the other side."),
    N_("Which message type the closing side expects, and which one arrived "
    "last before the close."),
    N_("Send the message type the endpoint expects, or make it accept both."),
    "1003" },
  { "no_status", N_("Closed without a status code"),
    N_("A side closed on purpose but sent an empty close frame, so the other "
    "application sees 1005 (no status received)."),
    N_("A close frame with no body (or a one-byte body, which is itself a "
    "violation) from the closing side."),
    N_("The close call of the closing side's code: most libraries send an "
    "empty close when no code is passed."),
    N_("Pass an explicit code (1000, 1001 or a 4000-4999 application code) "
    "and a short reason to close()."),
    "1005" },
  { "idle_timeout", N_("Idle timeout"),
    N_("Nothing crossed the connection for the length of someone's idle "
    "timeout (a proxy, a load balancer, or a server setting) and it was "
    "ended without a close handshake, so the applications saw 1006."),
    N_("The silence before the end matches a known timeout (nginx "
    "proxy_read_timeout 60 s, AWS ALB 60 s, Cloudflare 100 s, HAProxy "
    "timeout tunnel, ...) or the same silence ends several connections of "
    "one server; who ended TCP, and how (FIN or RST), says which box did it."),
    N_("The measured silence in the evidence and the timeouts of every hop "
    "between client and server."),
    N_("Send pings (or application heartbeats) more often than the shortest "
    "idle timeout on the path, or raise that timeout above the longest "
    "expected silence."),
    "1006" },
  { "peer_reset", N_("Connection reset"),
    N_("One side reset the TCP connection (RST) without a close frame: the "
    "process died, closed its socket with unread data or SO_LINGER 0, or a "
    "firewall or NAT dropped its state and answered with a reset."),
    N_("An RST from that side, no close frame before it; the silence before "
    "it separates a crash (traffic just before) from forgotten state "
    "(a long silence first)."),
    N_("The process on the resetting side at that moment (crash logs, OOM "
    "killer, deploys) and any stateful middlebox on the path."),
    N_("Fix the crash or the abrupt socket close; for middleboxes keep the "
    "connection busier than their state timeout. Clients should reconnect "
    "with backoff."),
    "1006" },
  { "connection_dropped", N_("Connection dropped without a close frame"),
    N_("TCP ended with a FIN (or ended at all) without a WebSocket close "
    "handshake: a process exited or closed its socket without closing the "
    "WebSocket first, or the server never answered the upgrade."),
    N_("A FIN with no close frame before it, from the side named in the "
    "detail; or a request with no response before TCP ended."),
    N_("The exit or restart of the ending side, handlers that return without "
    "closing, and timeouts on the way to the upstream."),
    N_("Close the WebSocket with a code before closing the socket (1001 on "
    "shutdown, 1011 on errors); answer or reject upgrades promptly."),
    "1006" },
  { "invalid_payload", N_("Invalid message data"),
    N_("A text message was not valid UTF-8 (or a message was inconsistent "
    "with its type) and the receiver closed with 1007."),
    N_("A UTF-8 violation in the record at the offset where the bad byte "
    "was, from the side that sent the message; close 1007 from the other."),
    N_("The encoder of the sending side: strings built from bytes, truncated "
    "multi-byte characters, or binary data sent as text."),
    N_("Send binary data in binary frames; encode text as UTF-8 and never cut "
    "a message inside a character."),
    "1007" },
  { "policy_violation", N_("Policy violation"),
    N_("The closing side's policy refused the connection or a message: "
    "authentication, an origin check, rate limits, or a rule of the "
    "application."),
    N_("A close 1008, often right after the first message or the handshake; "
    "the reason text usually names the rule."),
    N_("The reason text, the Origin and authentication headers of the "
    "handshake, and the server's policy logs."),
    N_("Satisfy the policy (valid credentials, allowed origin, lower rate) or "
    "change it if it is wrong."),
    "1008" },
  { "message_too_big", N_("Message too big"),
    N_("A message exceeded the receiver's size limit and it closed with 1009."),
    N_("A close 1009 after a large message from the other side; the measured "
    "message size (inflated size for compressed messages) against the "
    "limit named in the reason or known for the library."),
    N_("The largest message sent just before the close and the receiver's "
    "maximum message size setting."),
    N_("Raise the receiver's limit (for example websockets max_size, ws "
    "maxPayload, nginx has none) or split large payloads into smaller "
    "messages."),
    "1009" },
  { "extension_not_negotiated", N_("Extension not negotiated"),
    N_("The client required an extension that the server did not accept and "
    "closed with 1010."),
    N_("A client close 1010, with the extensions the client offered and the "
    "ones the server accepted in the handshake."),
    N_("The Sec-WebSocket-Extensions headers of request and response, and "
    "any proxy that strips them."),
    N_("Enable the extension on the server, stop requiring it on the client, "
    "or make the proxy pass the header."),
    "1010" },
  { "server_internal_error", N_("Server internal error"),
    N_("The server hit an unexpected condition (an exception in a handler) "
    "and closed with 1011."),
    N_("A server close 1011 without signs of a keepalive timeout (no "
    "unanswered ping before it)."),
    N_("The server's error logs at the close time, with the connection's path "
    "and the last message it received."),
    N_("Fix the handler error; catch exceptions per message so that one bad "
    "message does not end the connection."),
    "1011" },
  { "keepalive_timeout", N_("Keepalive timeout"),
    N_("One side sent pings (WebSocket or application-level) that got no "
    "answer in time, and gave up on the connection."),
    N_("Pings from one side with no pong after them, then the end of the "
    "connection by that side (a 1011 or 1006 close, or just TCP); the "
    "interval and the time from the last unanswered ping to the end."),
    N_("Whether the silent peer was alive (CPU, event loop blocked, GC "
    "pauses), and whether the path drops packets one way."),
    N_("Find why the peer stopped answering (a blocked event loop is the "
    "usual reason); raise the ping timeout if pauses are expected."),
    "1011, 1006" },
  { "service_restart", N_("Service restart"),
    N_("The server announced a restart with 1012: clients should reconnect."),
    N_("A close 1012 from the server, often on many connections at once."),
    N_("The deploy or restart history of the server at that time."),
    N_("Clients reconnect after a randomised delay; servers drain "
    "connections gradually during a rollout."),
    "1012" },
  { "try_again_later", N_("Try again later"),
    N_("The server is overloaded or throttling and asked the client to come "
    "back later with 1013."),
    N_("A close 1013 from the server."),
    N_("The server's load and its connection or rate limits."),
    N_("Reconnect with exponential backoff; add capacity or raise the limit "
    "if the refusals are unwanted."),
    "1013" },
  { "bad_gateway", N_("Bad gateway"),
    N_("A gateway or proxy closed with 1014 because its upstream failed or "
    "answered with something invalid."),
    N_("A close 1014 from the gateway side."),
    N_("The gateway's logs and the health of the upstream it forwards to."),
    N_("Fix the upstream (down, restarting, wrong port, speaking TLS where "
    "plain text was expected) or the gateway's upstream configuration."),
    "1014" },
  { "handshake_rejected", N_("Upgrade rejected"),
    N_("The server (or a proxy) answered the upgrade request with an HTTP "
    "status other than 101, so no WebSocket connection was opened."),
    N_("The HTTP status of the response (403, 404, 426, 400, 502, ...) and "
    "the headers of the request."),
    N_("`wsclosed --explain STATUS` for the status; the request's path, "
    "Origin, Host and Sec-WebSocket-Version."),
    N_("Depends on the status: authenticate (401/403), fix the path (404), "
    "send the headers the server asks for (426, 400), fix the upstream "
    "(502, 503)."),
    "HTTP 4xx/5xx" },
  { "backend_unavailable", N_("Backend down behind a proxy"),
    N_("A reverse proxy could not reach the server it forwards to (nothing "
    "listened there: its connection attempts were refused) and answered the "
    "upgrade with 502, 503 or 504 itself."),
    N_("A 502, 503 or 504 to the upgrade, and in the same capture the proxy's "
    "own connection attempts to its backend answered with RST (refused) "
    "while the client waited; HAProxy retries about once a second, Apache "
    "answers after one refusal."),
    N_("Whether the backend process is running and listening on the address "
    "and port the proxy is configured with, and the proxy's error log."),
    N_("Start or fix the backend, correct the backend address in the proxy "
    "(HAProxy server line, Apache ProxyPass, nginx proxy_pass), and let "
    "health checks take dead backends out of rotation."),
    "HTTP 502/503/504" },
  { "backend_dropped", N_("Backend connection ended behind a proxy"),
    N_("The server behind a reverse proxy ended its connection (crash, kill, "
    "restart) and the proxy passed the end on to the client, without a "
    "close frame on either leg."),
    N_("Both legs in the capture: the backend ends its leg with a FIN or RST "
    "and no close frame, and the proxy ends the client's leg at the same "
    "moment (HAProxy within a fraction of a millisecond, Apache right "
    "after)."),
    N_("The backend process at that moment: its logs, exit status, the OOM "
    "killer, a deploy."),
    N_("Find why the backend ended the connection; send a close frame "
    "(1001 or 1012) before stopping it, and let clients reconnect with "
    "backoff."),
    "1006" },
  { "handshake_accept_mismatch", N_("Wrong Sec-WebSocket-Accept"),
    N_("The server's 101 carried a Sec-WebSocket-Accept that does not match "
    "the client's key, so a conforming client fails the connection."),
    N_("The key of the request, the accept of the response and the value "
    "that RFC 6455 section 4.2.2 gives for that key."),
    N_("Any proxy that rewrites the key or answers the upgrade itself, and "
    "the server's accept computation."),
    N_("Compute the accept as base64(SHA-1(key + the RFC's GUID)) over the "
    "key the client sent; make proxies pass the key untouched."),
    /* TRANSLATORS: a close code and which side's application sees it */
    N_("1006 (client side)") },
  { "handshake_unrequested_extension", N_("Extension the client did not offer"),
    N_("The server accepted an extension that the client never offered; a "
    "conforming client fails the connection."),
    N_("The extensions offered in the request and accepted in the 101."),
    N_("Proxies that strip Sec-WebSocket-Extensions from the request but not "
    "from the response, and the server's negotiation code."),
    N_("Only accept extensions (and parameters) that the client offered."),
    "1006, 1010" },
  { "handshake_unrequested_subprotocol", N_("Subprotocol the client did not offer"),
    N_("The server chose a subprotocol that the client did not offer; a "
    "conforming client fails the connection."),
    N_("The subprotocols offered in the request and the one in the 101."),
    N_("The server's subprotocol selection and proxies that drop the "
    "Sec-WebSocket-Protocol request header."),
    N_("Choose only a subprotocol the client listed, or none."),
    "1006" },
  { "application_code", N_("Application close code"),
    N_("The application closed with one of its own codes (3000-4999); the "
    "meaning is defined by the application or its subprotocol."),
    N_("The code and reason of the close frame, and the negotiated "
    "subprotocol (graphql-ws, Socket.IO, ... give their codes meanings)."),
    N_("The documentation of the application or subprotocol for that code."),
    N_("Follow the application's meaning of the code (for example re-"
    "authenticate on an unauthorised code)."),
    "3000-4999" },
  { "subprotocol_code", N_("Subprotocol close code"),
    N_("The application closed with a code its negotiated subprotocol defines "
    "(graphql-transport-ws 4400 Bad Request, 4401 Unauthorized, 4403 "
    "Forbidden, 4408 Connection initialisation timeout, 4409 Subscriber "
    "already exists, 4429 Too many initialisation requests, 4500 Internal "
    "server error, ...): the code says what went wrong at that protocol's "
    "level."),
    N_("A close frame with a 4000-4999 code that the subprotocol in "
    "Sec-WebSocket-Protocol defines, and the subprotocol's own messages before "
    "it (connection_init, connection_ack, subscribe)."),
    N_("The subprotocol's messages just before the close (was connection_init "
    "sent, acknowledged, sent twice?) and the reason text."),
    N_("The fix for that code (wsclosed --explain CODE shows it): usually in "
    "the client's use of the protocol, e.g. send connection_init once and "
    "promptly, wait for connection_ack, send valid credentials."),
    "4400-4504" },
  { "invalid_close_code", N_("Invalid close code"),
    N_("A close frame carried a code that must never be sent (1004, 1005, "
    "1006, 1015, 0-999) or is not assigned (1016-2999)."),
    N_("The code of the close frame and the side that sent it."),
    N_("The sender's close call: reserved codes are often passed through "
    "from a local error by mistake."),
    N_("Send 1000 for a normal end, 1001 when going away, 1008 for policy, "
    "or an application code in 4000-4999."),
    "1004, 1005, 1006, 1015, 0-999, 1016-2999" },
  { "tls_not_decrypted", N_ ("TLS not decrypted"),
    N_ ("A TLS (wss://) connection was seen but its payload could not be read, so "
        "nothing is known about the WebSocket inside it; the detail says why (no key for "
        "its client random, capture began after the handshake, unsupported cipher suite, "
        "a gap in the capture)."),
    N_ ("The TLS handshake and records: the client random of the ClientHello looked up "
        "in the key logs given with --keylog, the cipher suite of the ServerHello, who "
        "ended TCP and how."),
    N_ ("That the key log holds a line for this connection (browsers and servers "
        "write one per connection when SSLKEYLOGFILE is set) and that the capture "
        "starts before the handshake."),
    N_ ("Capture with SSLKEYLOGFILE set on the client or the server, pass the file "
        "with --keylog (or inject it into a pcapng with editcap --inject-secrets), "
        "and start the capture before the connections open."),
    NULL },
  { "tls_alert", N_ ("TLS alert"),
    N_ ("One side sent a TLS alert other than close_notify (handshake_failure, "
        "bad_certificate, decrypt_error, internal_error, ...) and the connection ended: "
        "the TLS layer refused or failed, not the WebSocket; the detail names the alert."),
    N_ ("A TLS alert record: in clear during the handshake or with TLS 1.2, or "
        "decrypted with the key log; its level and description, its sender, and the TCP "
        "end within two seconds of it."),
    N_ ("That the alert is the sender's last word before the end (an alert a peer "
        "ignores does not end the connection)."),
    N_ ("Look at the TLS logs of the side that sent the alert: its description names "
        "what was refused (certificate, protocol version, cipher suite, a record that "
        "did not decrypt)."),
    NULL },
  { "still_open", N_("Still open"),
    N_("The connection had not ended when the capture (or the daemon) "
    "stopped, so nothing is known about how it ends."),
    N_("No close frame and no FIN or RST before the end of the capture."),
    N_("A longer capture, or the next file of a rotation (read them together "
    "with several -r)."),
    N_("Nothing to fix."),
    NULL },
};

const ws_cause_info *
ws_cause_info_all (size_t *n)
{
  *n = G_N_ELEMENTS (causes);
  return causes;
}

const ws_cause_info *
ws_cause_info_lookup (const char *id)
{
  if (!id)
    return NULL;
  for (size_t i = 0; i < G_N_ELEMENTS (causes); i++)
    if (strcmp (causes[i].id, id) == 0)
      return &causes[i];
  return NULL;
}

char *
ws_cause_info_explain (const char *id)
{
  const ws_cause_info *e = ws_cause_info_lookup (id);
  if (!e)
    return NULL;
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, _("%s: %s (a cause id)\n"), e->id, _(e->title));
  if (e->codes)
    g_string_append_printf (out, _("  Close codes seen with it: %s\n"), _(e->codes));
  ws_explain_section (out, _("Meaning:"), _(e->meaning));
  ws_explain_section (out, _("What wsclosed reads from the capture:"), _(e->evidence));
  ws_explain_section (out, _("Check first:"), _(e->check));
  ws_explain_section (out, _("How to fix it:"), _(e->fix));
  return g_string_free (out, FALSE);
}
