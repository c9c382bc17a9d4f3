/* closecodes.c - the knowledge base behind every diagnosis and behind
 * `wsclosed --explain`: what each WebSocket close code (RFC 6455 section 7.4,
 * the IANA "WebSocket Close Code Number" registry) and each failed opening
 * handshake (RFC 6455 section 4.1, RFC 7692 section 5) means, who sends it,
 * when it shows up and what to do about it.
 *
 * All of it is one table of data.  Three kinds of rows, told apart by key:
 *
 *   "1009"           one close code             (code = the code)
 *   "4000-4999"      a range of close codes      (code = first of the range)
 *   "handshake-403"  a failed handshake          (code = 0)
 *
 * Close code space (RFC 6455 7.4.2):
 *
 *   0     999  1000     1015  1016      2999  3000   3999  4000   4999  5000+
 *   +-------+  +-----------+  +------------+  +---------+  +---------+  +----
 *   unused     protocol       reserved for    IANA         private      not a
 *   (invalid)  (1004-1006,    protocol and    registered   use          close
 *              1015 never on  extensions                                code
 *              the wire)      (invalid today)
 */
#include "closecodes.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ws_code_info code_table[] = {
  /* ---- RFC 6455 and IANA registered protocol codes ---------------------- */
  { 1000, "1000", N_("Normal Closure"),
    N_("The endpoint finished what the connection was for and closed it on "
    "purpose. This is the only code that says nothing went wrong."),
    N_("Either side: whichever application called close(). Most libraries send "
    "1000 when close() is called without a code (python websockets, Node ws, "
    "gorilla's WriteMessage(CloseMessage, FormatCloseMessage(1000, ...)), "
    "browsers' WebSocket.close())."),
    N_("A user logs out or leaves a view, a job or stream completes, a client "
    "library shuts down cleanly. Some proxies and frameworks also close with "
    "1000 when their own session timers expire, which hides the real reason."),
    N_("Nothing to fix if the close was expected. If it was not, look at which "
    "side sent the first close frame and at that side's code path that calls "
    "close() (session or token lifetime, inactivity timers in the "
    "application). If the other side did not answer with its own close frame, "
    "make sure it keeps reading the socket until the close arrives; otherwise "
    "its library reports 1006 although 1000 was sent."),
    true },
  { 1001, "1001", N_("Going Away"),
    N_("The endpoint is leaving: a browser page is being unloaded, or a server is "
    "shutting down."),
    N_("Browsers when the page that owns the socket is closed, reloaded or "
    "navigated away from. Servers during a graceful shutdown (python "
    "websockets closes its open connections with 1001 when the server is "
    "closed), and some proxies when they drain."),
    N_("From clients: tab closed, page reload, navigation, mobile app sent to the "
    "background. From servers: deploys, restarts, autoscaling removing an "
    "instance, a process manager stopping the service."),
    N_("From a client this is usually harmless; worry only when it happens while "
    "the user is active (an unexpected reload or redirect). From a server: "
    "make clients reconnect automatically with a randomised delay (jitter) so "
    "they do not all return at once, drain connections gradually before "
    "stopping an instance, and consider 1012 (Service Restart) for planned "
    "restarts so clients can tell it from a permanent shutdown."),
    true },
  { 1002, "1002", N_("Protocol Error"),
    N_("The endpoint received something that breaks the WebSocket framing rules "
    "of RFC 6455 and is giving up on the connection."),
    N_("Whichever side parsed the bad frame; almost always its WebSocket library, "
    "not application code."),
    N_("An unmasked frame from a client or a masked frame from a server, RSV1 set "
    "although permessage-deflate was not negotiated (typically a proxy "
    "removed Sec-WebSocket-Extensions from the handshake while both ends "
    "still compress), a control frame longer than 125 bytes or fragmented, an "
    "unknown opcode, a continuation frame with no message started, a close "
    "frame with a 1-byte body or an invalid code. Hand-written WebSocket code "
    "and middleboxes that rewrite bytes are the usual sources."),
    N_("Look at the violations listed for the other side: they name the frame "
    "and its offset. Fix or upgrade the sender's WebSocket implementation. If "
    "RSV1 is the problem, make every proxy on the path pass "
    "Sec-WebSocket-Extensions through unchanged in both directions, or turn "
    "compression off on both ends."),
    true },
  { 1003, "1003", N_("Unsupported Data"),
    N_("The endpoint received a type of data it cannot accept, e.g. a binary "
    "message at an endpoint that only handles text."),
    N_("The receiving application or framework."),
    N_("A client sends Blob/ArrayBuffer data to a server that only handles text "
    "(JSON), or a server sends binary to a client that expects text."),
    N_("Agree on the message type on both ends: send JSON as text frames, or "
    "make the receiver accept binary messages (handle bytes in the handler, "
    "set binaryType in browsers)."),
    true },
  { 1004, "1004", N_("Reserved"),
    N_("Reserved by RFC 6455 with no meaning defined. It must not be sent."),
    N_("Nobody, legitimately. Seen only from buggy or test peers."),
    N_("A peer that picked an unused code. Strict receivers treat it as a "
    "protocol error (1002)."),
    N_("Change the sender to use a defined code: 1000 for a normal end, 1008 "
    "for a policy reason, or a 4000-4999 code for application-specific "
    "meanings."),
    false },
  { 1005, "1005", N_("No Status Received"),
    N_("The close frame carried no status code. Libraries report 1005 to the "
    "application in that case; the value itself must never be sent."),
    N_("Never sent. Reported locally when the peer's close frame had an empty "
    "body."),
    N_("A peer called close() without a code; several browsers, Jupyter and "
    "older client libraries do that for ordinary closes."),
    N_("Usually harmless: the peer closed on purpose without saying why. If the "
    "application needs to know why, make the closing side send an explicit "
    "code and reason."),
    false },
  { 1006, "1006", N_("Abnormal Closure"),
    N_("The connection ended without a closing handshake: TCP ended (FIN or RST) "
    "before a close frame was exchanged, or the opening handshake failed. "
    "Libraries report it locally; it is never on the wire."),
    N_("Never sent. Reported by the local library when the TCP connection ended "
    "without a close frame."),
    N_("A proxy or load balancer closing a quiet connection (nginx "
    "proxy_read_timeout 60 s, AWS ALB idle timeout 60 s, Heroku 55 s, "
    "Cloudflare 100 s, Envoy's 15 s route timeout), a peer process that "
    "crashed or was killed, a network or NAT drop, a client that rejects the "
    "server's 101 response, or a side that sent a close frame and cut TCP "
    "without waiting for the answer."),
    N_("Find who ended TCP and after how much silence (wsclosed reports both). "
    "For idle timeouts, send pings more often than the shortest timeout on the "
    "path (every 20-30 s is safe) or raise the timeout: nginx "
    "`proxy_read_timeout 3600s; proxy_send_timeout 3600s;` in the WebSocket "
    "location, AWS ALB attribute idle_timeout.timeout_seconds, Envoy route "
    "`timeout: 0s`. For resets, look at the process that owned the socket "
    "(crash logs, OOM killer, deploy times). Clients should reconnect with "
    "backoff."),
    false },
  { 1007, "1007", N_("Invalid Frame Payload Data"),
    N_("A message's data does not match its type: in practice a text message or "
    "close reason that is not valid UTF-8, or a compressed message that does "
    "not inflate."),
    N_("The receiving side's library."),
    N_("Raw bytes or Latin-1 strings sent as text, a multi-byte character split "
    "across fragments by code that cuts strings at byte offsets, binary data "
    "sent in a text frame."),
    N_("Encode text as UTF-8 before sending; send arbitrary bytes as binary "
    "messages; when fragmenting, split on character boundaries. wsclosed "
    "shows which message and offset held the invalid bytes."),
    true },
  { 1008, "1008", N_("Policy Violation"),
    N_("A message broke the endpoint's policy. Generic code used when nothing "
    "more specific fits, or to avoid saying exactly what was wrong."),
    N_("Application code, usually on servers: authentication, Origin checks, "
    "rate limits, message validation."),
    N_("An expired or missing token, a forbidden Origin, too many messages, a "
    "message of a shape the application rejects. A close right after the "
    "handshake points at an authentication or Origin check."),
    N_("Read the close reason and the server logs at that moment. Check the "
    "credentials and their lifetime (reconnect with a fresh token), the Origin "
    "the browser sends against the server's allowed list, and rate limits."),
    true },
  { 1009, "1009", N_("Message Too Big"),
    N_("A message (in some libraries a single frame, control frames included) was "
    "larger than the receiver is willing to take."),
    N_("The receiving side's library, when a message exceeds its configured "
    "limit."),
    N_("Defaults differ widely: python websockets max_size 1 MiB (reason \"over "
    "size limit (N > M bytes)\"), Node ws maxPayload 100 MiB (\"Max payload "
    "size exceeded\"), gorilla/websocket no limit until conn.SetReadLimit() is "
    "called, uWebSockets maxPayloadLength 16 KiB, Tornado "
    "websocket_max_message_size 10 MiB, Tomcat/Spring text buffers of 8 KiB, "
    "browsers practically none. With permessage-deflate the limit applies to "
    "the decompressed size."),
    N_("Raise the limit on the receiving side (websockets.serve(..., "
    "max_size=N), new WebSocketServer({ maxPayload: N }), conn.SetReadLimit(n), "
    "...) to above the largest message you intend to send, or make the sender "
    "split large payloads into smaller messages or move bulk data to plain "
    "HTTP. wsclosed brackets the limit between the largest message accepted "
    "and the one rejected."),
    true },
  { 1010, "1010", N_("Mandatory Extension"),
    N_("The client is closing because the server did not accept an extension the "
    "client requires. The reason should name the missing extension."),
    N_("Clients only (a server that wants an extension simply fails the "
    "handshake instead)."),
    N_("The client offered an extension it cannot work without (usually "
    "permessage-deflate) and the server's 101 response left it out of "
    "Sec-WebSocket-Extensions: compression disabled on the server, or a proxy "
    "that strips the header."),
    N_("Enable the extension on the server (python websockets: "
    "compression=\"deflate\", the default; Node ws: perMessageDeflate: true; "
    "gorilla: Upgrader.EnableCompression = true), make every proxy forward "
    "Sec-WebSocket-Extensions in both directions, or make the extension "
    "optional on the client."),
    true },
  { 1011, "1011", N_("Internal Error"),
    N_("The endpoint hit an unexpected condition that stopped it from serving "
    "the connection, the WebSocket counterpart of HTTP 500."),
    N_("Servers, and since an erratum also clients. Python websockets sends 1011 "
    "when the connection handler raises an exception, and 1011 with reason "
    "\"keepalive ping timeout\" when a ping gets no pong within ping_timeout "
    "(default 20 s)."),
    N_("An unhandled exception while processing a message, a failed dependency "
    "(database, upstream API), or a keepalive failure."),
    N_("Look at the server's logs at the close time for a stack trace and add "
    "error handling around message processing. For \"keepalive ping timeout\": "
    "the peer did not answer a ping in time; look for a blocked event loop or "
    "long synchronous work on the peer, a congested link, or raise "
    "ping_timeout."),
    true },
  { 1012, "1012", N_("Service Restart"),
    N_("The server is restarting; the client may reconnect and should succeed "
    "once it is back."),
    N_("Servers and proxies during a planned restart."),
    N_("Deploys, configuration reloads, rolling restarts."),
    N_("Reconnect automatically after a short randomised delay (1-5 s plus "
    "jitter). On the server side, restart instances gradually so clients do "
    "not all reconnect at the same moment."),
    true },
  { 1013, "1013", N_("Try Again Later"),
    N_("The server is temporarily unable to serve the connection (overload, "
    "maintenance); the client should retry later."),
    N_("Servers and proxies."),
    N_("Overload protection, connection limits, maintenance windows."),
    N_("Clients: reconnect with exponential backoff and jitter. Servers: check "
    "capacity and connection limits, and what triggered the overload."),
    true },
  { 1014, "1014", N_("Bad Gateway"),
    N_("A server acting as gateway or proxy got an invalid response from the "
    "upstream it was forwarding to, the WebSocket counterpart of HTTP 502."),
    N_("Gateways and proxies."),
    N_("The upstream WebSocket service failed, closed, or answered with "
    "something that is not valid WebSocket."),
    N_("Check the upstream service and the gateway's logs at that time; treat "
    "it like an HTTP 502."),
    true },
  { 1015, "1015", N_("TLS Handshake"),
    N_("The TLS handshake of a wss:// connection failed. Reported locally only; "
    "never on the wire."),
    N_("Never sent. Reported by clients (browsers) when TLS setup fails."),
    N_("Expired or untrusted certificate, host name mismatch, no common TLS "
    "version or cipher. It happens before any WebSocket byte, so a capture "
    "shows only the TLS exchange."),
    N_("Check the certificate chain and name (openssl s_client -connect "
    "host:443 -servername host), and the TLS versions both sides allow."),
    false },

  /* ---- named entries of the IANA registry, 3000-3999 ---------------------- */
  { 3000, "3000", N_("Unauthorized"),
    N_("Registered at IANA as the WebSocket counterpart of HTTP 401: the "
    "connection is not (or no longer) authenticated."),
    N_("Servers, after the handshake."),
    N_("Credentials sent after the handshake (first message) are missing, "
    "invalid or expired."),
    N_("Re-authenticate and reconnect with fresh credentials; check token "
    "lifetime against connection lifetime."),
    true },
  { 3003, "3003", N_("Forbidden"),
    N_("Registered at IANA as the WebSocket counterpart of HTTP 403: "
    "authenticated but not allowed."),
    N_("Servers."),
    N_("The user lacks permission for the channel, topic or resource requested."),
    N_("Check the permissions of the account used; do not retry with the same "
    "credentials."),
    true },
  { 3008, "3008", N_("Timeout"),
    N_("Registered at IANA as the WebSocket counterpart of HTTP 408: the "
    "endpoint waited too long for something it expected."),
    N_("Usually servers."),
    N_("A client did not send its authentication or first message in time, or "
    "a request over the socket timed out."),
    N_("Send what the server expects promptly after connecting; check for a "
    "blocked client or slow network."),
    true },

  /* ---- ranges ------------------------------------------------------------- */
  { 0, "0-999", N_("Unused (invalid)"),
    N_("RFC 6455 assigns no meaning to 0-999; these values must not appear in a "
    "close frame."),
    N_("Nobody, legitimately."),
    N_("A buggy peer, or a close frame whose first two bytes are not a code at "
    "all (a reason written without a code)."),
    N_("Fix the sender to write a two-byte code in network byte order before "
    "the reason. A strict receiver answers with 1002."),
    false, 999 },
  { 1016, "1016-2999", N_("Reserved for the protocol (invalid today)"),
    N_("Kept for future revisions of RFC 6455 and for extensions (2000-2999). "
    "None is defined, so none may be sent today."),
    N_("Nobody, legitimately."),
    N_("A peer that invented its own code in the wrong range."),
    N_("Use 4000-4999 for application-specific codes, or a defined code. A "
    "strict receiver answers with 1002."),
    false, 2999 },
  { 3000, "3000-3999", N_("Registered (libraries, frameworks, applications)"),
    N_("Codes registered first come, first served at IANA for libraries, "
    "frameworks and applications; meaning defined by the registrant."),
    N_("Usually servers, per the registrant's definition."),
    N_("Only with software that registered the code."),
    N_("Look the code up in the IANA WebSocket Close Code Number registry and in "
    "the documentation of the software that sent it; read the reason."),
    true, 3999 },
  { 4000, "4000-4999", N_("Private use (application-defined)"),
    N_("Free for applications to define; meaning is whatever the application "
    "says (e.g. graphql-ws uses 4400 Bad Request, 4401 Unauthorized, 4403 "
    "Forbidden, 4408 init timeout, 4429 too many init requests, 4500 internal "
    "error)."),
    N_("The application on either side."),
    N_("Whenever the application decides to close with its own code."),
    N_("Look at the documentation or source of the application or protocol that "
    "sent it (the subprotocol tells which), and at its reason text."),
    true, 4999 },
  { 5000, "5000-65535", N_("Not a close code (invalid)"),
    N_("Outside every range RFC 6455 defines; must not appear in a close frame."),
    N_("Nobody, legitimately."),
    N_("A buggy peer, or a close body that is not a code (e.g. bytes of text)."),
    N_("Fix the sender to use a defined code, or 4000-4999 for application "
    "meanings. A strict receiver answers with 1002."),
    false, 65535 },

  /* ---- failed opening handshakes ----------------------------------------- */
  { 0, "handshake-200", N_("HTTP 200 instead of 101"),
    N_("The server answered the upgrade request like a plain HTTP request: "
    "the Upgrade never reached a WebSocket handler."),
    N_("A server or proxy that ignored the Upgrade header."),
    N_("A reverse proxy not forwarding Upgrade/Connection (nginx speaks HTTP/1.0 "
    "to upstreams by default and drops hop-by-hop headers), a route that "
    "falls through to a web page (SPA fallback), a CDN that does not support "
    "WebSocket on that path."),
    N_("nginx: in the location add `proxy_http_version 1.1; proxy_set_header "
    "Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\";`. Check "
    "that the path is routed to the WebSocket handler."),
    false },
  { 0, "handshake-3xx", N_("Redirect instead of 101"),
    N_("The server redirected the upgrade request. WebSocket clients (browsers "
    "included) do not follow redirects, so the connection fails."),
    N_("Servers or proxies that redirect (http to https, trailing slash, login)."),
    N_("ws:// to a site that redirects to https, a missing or extra trailing "
    "slash, a login redirect for an unauthenticated session."),
    N_("Connect to the final URL directly (wss:// for https sites, exact path); "
    "exempt the WebSocket path from login redirects."),
    false },
  { 0, "handshake-400", N_("HTTP 400 Bad Request"),
    N_("The server found the upgrade request malformed or incomplete."),
    N_("The WebSocket server or a proxy in front of it."),
    N_("Missing or invalid Sec-WebSocket-Key or Sec-WebSocket-Version, Upgrade "
    "or Connection headers lost by a proxy, a plain GET to a WebSocket-only "
    "endpoint, a bad Host header; Socket.IO answers 400 to unknown session "
    "ids (sticky sessions missing behind a load balancer)."),
    N_("Compare the request headers wsclosed shows with RFC 6455 section 4.1; "
    "make proxies forward Upgrade, Connection and all Sec-WebSocket-* "
    "headers; enable sticky sessions for Socket.IO behind a load balancer."),
    false },
  { 0, "handshake-401", N_("HTTP 401 Unauthorized"),
    N_("The server wants authentication before upgrading."),
    N_("The server or an authenticating proxy."),
    N_("Missing or expired cookie or token. Browsers cannot set an "
    "Authorization header on a WebSocket, so a token expected there never "
    "arrives."),
    N_("Send credentials the way the server accepts them from a browser: a "
    "cookie, a token in the query string or in Sec-WebSocket-Protocol, or a "
    "first message after connecting; refresh expired tokens before "
    "reconnecting."),
    false },
  { 0, "handshake-403", N_("HTTP 403 Forbidden"),
    N_("The server refused the upgrade. Most often an Origin check, otherwise "
    "authorisation."),
    N_("The server (its Origin check) or a proxy or firewall in front of it."),
    N_("A browser Origin not on the server's allowed list (gorilla's default "
    "CheckOrigin rejects cross-origin requests, python websockets "
    "origins=[...], Node ws verifyClient, Spring setAllowedOrigins), CSRF "
    "protection, an IP allow list or WAF rule."),
    N_("Compare the Origin header wsclosed shows with the server's allowed "
    "origins and add it there (never disable the check entirely); check "
    "permissions and WAF logs."),
    false },
  { 0, "handshake-404", N_("HTTP 404 Not Found"),
    N_("No WebSocket endpoint at that path."),
    N_("The server or a proxy routing on the path."),
    N_("A wrong path, a missing or extra trailing slash, a proxy that strips or "
    "adds a path prefix, a WebSocket route not deployed."),
    N_("Compare the requested path with the server's routes and the proxy's "
    "location/prefix rules."),
    false },
  { 0, "handshake-426", N_("HTTP 426 Upgrade Required"),
    N_("The server requires a (different) upgrade: usually the request was not "
    "a valid WebSocket upgrade, or asked for a Sec-WebSocket-Version other "
    "than 13."),
    N_("WebSocket servers (Node ws answers 426 to requests that reach it "
    "without a proper upgrade)."),
    N_("Upgrade or Connection headers removed by a proxy, an old client using a "
    "draft protocol version, a plain HTTP request to a WebSocket-only port."),
    N_("Make the client send Sec-WebSocket-Version: 13 and proxies forward the "
    "Upgrade and Connection headers (nginx: proxy_http_version 1.1 plus "
    "proxy_set_header Upgrade/Connection)."),
    false },
  { 0, "handshake-429", N_("HTTP 429 Too Many Requests"),
    N_("The server or a proxy is rate-limiting connection attempts."),
    N_("Rate limiters in the server, API gateway or CDN."),
    N_("A reconnect loop without backoff, many clients behind one IP, a storm "
    "of reconnects after a restart."),
    N_("Reconnect with exponential backoff and jitter and honour Retry-After; "
    "raise the limit if the traffic is legitimate."),
    false },
  { 0, "handshake-5xx", N_("HTTP 5xx server error"),
    N_("The server failed while handling the upgrade request (500 and other "
    "5xx)."),
    N_("The application server or a proxy."),
    N_("An exception in the handshake handler (authentication hook, origin "
    "check, session lookup), a misconfigured server."),
    N_("Look at the server's logs at the time of the request for the error; "
    "502/503/504 have their own entries."),
    false },
  { 0, "handshake-502", N_("HTTP 502 Bad Gateway"),
    N_("A proxy could not get a valid response from the upstream WebSocket "
    "server."),
    N_("Reverse proxies and load balancers."),
    N_("Upstream down or restarting, wrong upstream port, upstream speaking TLS "
    "where the proxy expects plain HTTP (or the reverse), upstream closing "
    "the connection during the handshake (nginx: \"upstream prematurely "
    "closed connection\")."),
    N_("Check the upstream is running and reachable on the configured address "
    "and scheme; read the proxy's error log."),
    false },
  { 0, "handshake-503", N_("HTTP 503 Service Unavailable"),
    N_("The server or proxy cannot take the connection now."),
    N_("Servers under overload or maintenance; load balancers with no healthy "
    "target (an AWS ALB returns 503 then)."),
    N_("All targets failing health checks, maintenance mode, connection limits "
    "reached."),
    N_("Check target health and capacity; clients should retry with backoff."),
    false },
  { 0, "handshake-504", N_("HTTP 504 Gateway Timeout"),
    N_("A proxy gave up waiting for the upstream to answer the upgrade."),
    N_("Reverse proxies and load balancers."),
    N_("An upstream that is overloaded or blocked, or slow work (authentication "
    "calls) in the handshake handler."),
    N_("Find why the upstream is slow to answer the handshake; keep the "
    "handshake handler fast and do slow work after the upgrade."),
    false },
  { 0, "handshake-other", N_("Handshake rejected (other status)"),
    N_("The server answered the upgrade request with a status other than 101, "
    "so no WebSocket connection was opened."),
    N_("The server or a proxy."),
    N_("Any status the server chose to refuse the upgrade with."),
    N_("Read the status line and body in the server's or proxy's logs; check "
    "the request headers wsclosed shows."),
    false },
  { 0, "handshake-accept", N_("Wrong Sec-WebSocket-Accept"),
    N_("The 101 response's Sec-WebSocket-Accept is not base64(SHA-1(key + "
    "258EAFA5-E914-47DA-95CA-C5AB0DC85B11)) for the client's key, so the "
    "client must fail the connection (its application sees 1006)."),
    N_("The server, or something that rewrote the request or the response."),
    N_("A hand-written server computing the value wrongly (GUID missing, hex "
    "instead of base64, trailing whitespace), a proxy that changed "
    "Sec-WebSocket-Key, a cache replaying an old 101."),
    N_("Compute the accept value exactly as RFC 6455 section 4.2.2 says (wsclosed "
    "shows the expected value); make proxies pass Sec-WebSocket-Key through "
    "unchanged and never cache upgrade responses."),
    false },
  { 0, "handshake-extension", N_("Extension the client never offered"),
    N_("The 101 response accepted an extension the client did not offer, or "
    "permessage-deflate with a parameter RFC 7692 forbids in a response. The "
    "client must fail the connection; its application sees 1006."),
    N_("The server or a proxy that rewrote Sec-WebSocket-Extensions."),
    N_("Right after the 101 the client ends TCP without a close frame. Causes: "
    "a server that always sends permessage-deflate, client_max_window_bits in "
    "the response when the client did not offer it, window bits outside "
    "8-15, duplicated parameters."),
    N_("Make the server answer only with extensions and parameters the client "
    "offered (RFC 7692 section 7.1); check proxies that add or rewrite "
    "Sec-WebSocket-Extensions."),
    false },
  { 0, "handshake-subprotocol", N_("Subprotocol the client never offered"),
    N_("The 101 response selected a Sec-WebSocket-Protocol the client did not "
    "offer (or one when it offered none). The client must fail the "
    "connection; its application sees 1006."),
    N_("The server."),
    N_("Right after the 101 the client ends TCP without a close frame. A server "
    "that always echoes a fixed subprotocol, or a client that stopped "
    "offering the one the server expects."),
    N_("Answer only with one of the values the client offered; when it offered "
    "none, send no Sec-WebSocket-Protocol header (browsers reject it)."),
    false },
};

#define N_ENTRIES (sizeof code_table / sizeof code_table[0])

/* Codes a subprotocol gives a meaning in 4000-4999, tagged with it.  Kept
 * out of code_table: the record's close_name stays the range's, and the
 * diagnosis uses these only when that subprotocol was negotiated
 * (rules-subproto.c). */
static const ws_subproto_code subproto_codes[] = {
#define GQL "graphql-transport-ws"
#define GQL_BY_SERVER N_("The graphql-ws server (subprotocol graphql-transport-ws).")
#define GQL_BY_CLIENT N_("The graphql-ws client (subprotocol graphql-transport-ws).")
  { GQL, { 4400, "graphql-transport-ws-4400", N_("Bad Request"),
    N_("The receiver got a message it could not use: not JSON, an unknown "
    "type, a missing id or payload, or a message not allowed at that moment."),
    N_("Either side; usually the graphql-ws server."),
    N_("A client and server that speak different protocols (a "
    "subscriptions-transport-ws client against a graphql-ws server), or a "
    "hand-written client."),
    N_("Use a client that speaks graphql-transport-ws (the graphql-ws "
    "library), or make the messages follow its protocol; the reason names "
    "what was wrong."), true } },
  { GQL, { 4401, "graphql-transport-ws-4401", N_("Unauthorized"),
    N_("The client subscribed before the server acknowledged its "
    "connection_init with connection_ack."),
    GQL_BY_SERVER,
    N_("A client that sends subscribe right after connection_init without "
    "waiting for connection_ack."),
    N_("Wait for connection_ack before subscribing (the graphql-ws client "
    "does this itself; a custom client must)."), true } },
  { GQL, { 4403, "graphql-transport-ws-4403", N_("Forbidden"),
    N_("The server refused the connection_init: its onConnect hook returned "
    "false (usually a missing or bad token in the connection parameters)."),
    GQL_BY_SERVER,
    N_("Right after the client's connection_init."),
    N_("Send valid credentials in connectionParams, or look at the server's "
    "onConnect for why it refused."), true } },
  { GQL, { 4406, "graphql-transport-ws-4406", N_("Subprotocol not acceptable"),
    N_("The server does not speak the subprotocol the client asked for."),
    GQL_BY_SERVER,
    N_("At the start, when the client offered graphql-ws (the legacy protocol) "
    "or none."),
    N_("Use matching client and server libraries (graphql-ws with "
    "graphql-transport-ws on both ends)."), true } },
  { GQL, { 4408, "graphql-transport-ws-4408", N_("Connection initialisation timeout"),
    N_("The client did not send connection_init within the server's "
    "connectionInitWaitTimeout (3 s by default)."),
    GQL_BY_SERVER,
    N_("A few seconds after the opening handshake, with no connection_init on "
    "the wire (a lazy client that connects before it has anything to send, or "
    "a client stuck getting its token)."),
    N_("Send connection_init as soon as the connection opens, or raise "
    "connectionInitWaitTimeout on the server."), true } },
  { GQL, { 4409, "graphql-transport-ws-4409", N_("Subscriber already exists"),
    N_("The client started a subscription with an id that is still in use on "
    "that connection."),
    GQL_BY_SERVER,
    N_("A client that reuses operation ids, or resubscribes without "
    "completing the old subscription."),
    N_("Give every operation a unique id; send complete before reusing one."),
    true } },
  { GQL, { 4429, "graphql-transport-ws-4429", N_("Too many initialisation requests"),
    N_("The client sent connection_init more than once on one connection."),
    GQL_BY_SERVER,
    N_("A second connection_init, often from reconnect logic that reuses the "
    "open socket."),
    N_("Send connection_init once per connection."), true } },
  { GQL, { 4500, "graphql-transport-ws-4500", N_("Internal server error"),
    N_("The server failed while handling the connection (an exception in "
    "onConnect, context or a resolver setup)."),
    GQL_BY_SERVER,
    N_("Whenever the server's code throws outside an operation."),
    N_("Read the server's logs for the exception; the reason text usually "
    "carries its message."), true } },
  { GQL, { 4005, "graphql-transport-ws-4005", N_("Internal client error"),
    N_("The client failed while handling the connection (an exception in its "
    "own code)."),
    GQL_BY_CLIENT,
    N_("Whenever the client's code throws outside an operation."),
    N_("Look at the client's console or logs for the exception."), true } },
  { GQL, { 4004, "graphql-transport-ws-4004", N_("Bad Response"),
    N_("The client got a message from the server it could not use."),
    GQL_BY_CLIENT,
    N_("A server that speaks another protocol or sends malformed messages."),
    N_("Use matching client and server libraries; check what the server sent "
    "just before the close."), true } },
  { GQL, { 4504, "graphql-transport-ws-4504", N_("Connection acknowledgement timeout"),
    N_("The server did not answer connection_init with connection_ack within "
    "the client's ackWaitTimeout."),
    GQL_BY_CLIENT,
    N_("A slow or stuck onConnect on the server, or a server that never acks."),
    N_("Make the server's onConnect answer quickly, or raise the client's "
    "ackWaitTimeout."), true } },
#undef GQL
#undef GQL_BY_SERVER
#undef GQL_BY_CLIENT
};

const ws_code_info *
ws_code_subproto (const char *protocol, int code)
{
  for (size_t i = 0; i < G_N_ELEMENTS (subproto_codes); i++)
    if (subproto_codes[i].info.code == code
        && (!protocol || !g_ascii_strcasecmp (protocol, subproto_codes[i].protocol)))
      return &subproto_codes[i].info;
  return NULL;
}

size_t
ws_code_subproto_all (const ws_subproto_code **out)
{
  if (out)
    *out = subproto_codes;
  return G_N_ELEMENTS (subproto_codes);
}

static bool
is_handshake_key (const char *key)
{
  return g_str_has_prefix (key, "handshake-");
}

/* Every record looks its close codes up: the single codes first, then the
 * ranges, each in table order (the first row that fits wins).  The table
 * is const data: no index is built (nothing written while threads run). */
const ws_code_info *
ws_code_lookup (int code)
{
  for (size_t i = 0; i < N_ENTRIES; i++)
    if (code_table[i].code == code && code_table[i].code != 0 && !code_table[i].last)
      return &code_table[i];
  for (size_t i = 0; i < N_ENTRIES; i++)
    if (code_table[i].last && code >= code_table[i].code && code <= code_table[i].last)
      return &code_table[i];
  /* negative codes: only from callers; treat as "not a close code" */
  return ws_code_lookup_key (code < 0 ? "0-999" : "5000-65535");
}

const ws_code_info *
ws_code_lookup_key (const char *key)
{
  if (!key)
    return NULL;
  for (size_t i = 0; i < N_ENTRIES; i++)
    if (g_ascii_strcasecmp (code_table[i].key, key) == 0)
      return &code_table[i];
  return NULL;
}

size_t
ws_code_all (const ws_code_info **out)
{
  if (out)
    *out = code_table;
  return N_ENTRIES;
}

const char *
ws_code_handshake_key (int status)
{
  switch (status)
    {
    case 200: return "handshake-200";
    case 400: return "handshake-400";
    case 401: return "handshake-401";
    case 403: return "handshake-403";
    case 404: return "handshake-404";
    case 426: return "handshake-426";
    case 429: return "handshake-429";
    case 502: return "handshake-502";
    case 503: return "handshake-503";
    case 504: return "handshake-504";
    default: break;
    }
  if (status >= 300 && status < 400)
    return "handshake-3xx";
  if (status >= 500 && status < 600)
    return "handshake-5xx";
  return "handshake-other";
}

/* Word-wrap text at width columns, each line indented. */
static void
append_wrapped (GString *out, const char *text, int indent, int width)
{
  const char *p = text;
  int col = 0;

  while (*p)
    {
      while (*p == ' ')
        p++;
      if (!*p)
        break;
      const char *w = p;
      while (*p && *p != ' ')
        p++;
      int wlen = (int) (p - w);
      if (col > 0 && col + 1 + wlen > width)
        {
          g_string_append_c (out, '\n');
          col = 0;
        }
      if (col == 0)
        {
          g_string_append_printf (out, "%*s", indent, "");
          col = indent;
        }
      else
        {
          g_string_append_c (out, ' ');
          col++;
        }
      g_string_append_len (out, w, wlen);
      col += (int) g_utf8_strlen (w, wlen);  /* columns, not bytes */
    }
  g_string_append_c (out, '\n');
}

void
ws_explain_section (GString *out, const char *title, const char *text)
{
  if (title)
    g_string_append_printf (out, "%s\n", title);
  append_wrapped (out, text, 2, 78);
}

const ws_code_info *
ws_code_resolve (const char *arg, long *number, GError **error)
{
  const ws_code_info *e = NULL;
  char *end = NULL;
  long n = -1;

  if (!arg || !*arg)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--explain needs a close code (e.g. 1006), an HTTP status "
                   "(e.g. 403) or a key (e.g. handshake-accept)"));
      return NULL;
    }

  if (g_ascii_isdigit (arg[0]))
    {
      n = strtol (arg, &end, 10);
      if (*end != '\0' || n < 0 || n > 65535)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("'%s' is not a close code (0-65535) or HTTP status"), arg);
          return NULL;
        }
      /* 100-599 read as the HTTP status of a failed handshake; close codes
       * in that range are unused anyway (and 0-999 is explained on its own
       * when asked for by key). */
      if (n >= 100 && n <= 599)
        {
          if (n == 101)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("101 is the successful upgrade; nothing to explain"));
              return NULL;
            }
          e = ws_code_lookup_key (ws_code_handshake_key ((int) n));
        }
      else
        e = ws_code_lookup ((int) n);
    }
  else
    e = ws_code_lookup_key (arg);

  if (!e)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("nothing known about '%s' (try a close code such as 1006, an "
                   "HTTP status such as 403, or handshake-accept, "
                   "handshake-extension, handshake-subprotocol)"), arg);
      return NULL;
    }
  if (number)
    *number = n;
  return e;
}

char *
ws_code_explain (const char *arg, GError **error)
{
  long n = -1;
  const ws_code_info *e = ws_code_resolve (arg, &n, error);
  if (!e)
    return NULL;
  GString *out = g_string_new (NULL);
  if (is_handshake_key (e->key))
    {
      g_string_append_printf (out, "%s [%s]\n", _(e->name), e->key);
      g_string_append (out, _("  A failed opening handshake: no WebSocket connection was "
                       "opened.\n"));
    }
  else if (strchr (e->key, '-'))
    {
      if (n >= 0)
        g_string_append_printf (out, _("%ld: in range %s, %s\n"), n, e->key, _(e->name));
      else
        g_string_append_printf (out, "%s: %s\n", e->key, _(e->name));
      g_string_append_printf (out, _("  May appear in a close frame: %s\n"),
                              e->on_wire ? _("yes") : _("no (invalid on the wire)"));
    }
  else
    {
      g_string_append_printf (out, "%d %s\n", e->code, _(e->name));
      g_string_append_printf (out, _("  May appear in a close frame: %s\n"),
                              e->on_wire ? _("yes") : _("no (reported locally only)"));
    }

  ws_explain_section (out, _("Meaning:"), _(e->meaning));
  ws_explain_section (out, _("Sent by:"), _(e->sent_by));
  ws_explain_section (out, _("When you see it:"), _(e->when));
  ws_explain_section (out, _("How to fix it:"), _(e->fix));
  /* what subprotocols make of that code */
  for (size_t i = 0; n >= 4000 && n <= 4999 && i < G_N_ELEMENTS (subproto_codes); i++)
    {
      const ws_code_info *s = &subproto_codes[i].info;
      if (s->code != n)
        continue;
      g_string_append_printf (out, _("\nIn the subprotocol %s: %d %s\n"),
                              subproto_codes[i].protocol, s->code, _(s->name));
      ws_explain_section (out, _("Meaning:"), _(s->meaning));
      ws_explain_section (out, _("Sent by:"), _(s->sent_by));
      ws_explain_section (out, _("When you see it:"), _(s->when));
      ws_explain_section (out, _("How to fix it:"), _(s->fix));
    }
  return g_string_free (out, FALSE);
}
