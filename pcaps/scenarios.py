#!/usr/bin/python3
"""The scenarios pcaps/record.sh records, and what is known about each connection
from the way the scenario was made (not from any decoder).  record.sh calls

  scenarios.py --list                         names, one a line
  scenarios.py --expected NAME PCAP PORT...   write NAME.expected.jsonl

PORT... are the server ports record.sh used (listening port first, then the
backend's for the nginx scenarios).  The only values taken from the capture are
the clients' ephemeral ports (from the SYNs, in order), which identify records.

Keys of each record, as in wsclosed's JSON output (see pcaps/README):
close_code is the code of the first close frame (1005 for an empty body, 1006 when
TCP ended with no close frame), tcp_end "rst" if any RST else "fin", tcp_end_by who
sent the first FIN or RST (left out where it is a race); cause_id names the cause from how the scenario was made.
Some records add what the diagnosis must say besides the cause, also from how the
scenario was made: "cause.detail" (compared with the record's cause.detail) and
"evidence_include" (substrings of the cause's evidence or summary), both read by
tests/check-facts.py.
"""
import os
import sys

import expected

PMD_OFFER = "permessage-deflate; client_max_window_bits"   # both libraries offer this

# tcp_end_by left out (RACE) where who sends the first FIN is a race: with ws on
# both ends each side ends TCP as soon as it has both sent and received a close
# frame.
RACE = expected.RACE


def conn(path, close_code, initiator, echoed, end_by, cause, reason=None, status=101,
         tcp_end="fin", offered_ext=None, accepted_ext=None, offered_sub=None,
         accepted_sub=None, port_index=0, host_index=0, detail=None, evidence=None):
    c = dict(path=path, handshake_status=status, offered_extensions=offered_ext,
             accepted_extensions=accepted_ext, offered_subprotocols=offered_sub,
             accepted_subprotocol=accepted_sub, close_code=close_code,
             close_reason=reason, close_initiator=initiator, close_echoed=echoed,
             tcp_end=tcp_end, tcp_end_by=end_by, cause_id=cause,
             _port=port_index, _host=host_index)
    if detail is not None:
        c["cause.detail"] = detail
    if evidence is not None:
        c["evidence_include"] = list(evidence)
    return c


def rejected(path, status):
    # websockets writes the status line and headers, then the body; its client
    # half-closes as soon as it has read the status, so either FIN may be first.
    return conn(path, 1006, None, False, RACE, "handshake_rejected", status=status)


# name -> (one-line description, [connections in order of start])
SCENARIOS = {
    # ---- python-websockets client and server ----------------------------
    "py-normal-1000": (
        "websockets client sends a message, gets the echo, closes normally (1000)",
        [conn("/chat", 1000, "client", True, "server", "normal_closure",
              offered_sub="chat.v2, chat.v1", accepted_sub="chat.v1")]),
    "py-4000": (
        "websockets client closes with private code 4000 'user logged out'",
        [conn("/chat", 4000, "client", True, "server", "application_code",
              reason="user logged out", offered_sub="chat.v2, chat.v1",
              accepted_sub="chat.v1")]),
    "py-deflate": (
        "permessage-deflate negotiated by websockets; three compressed messages each way",
        [conn("/deflate", 1000, "client", True, "server", "normal_closure",
              offered_ext=PMD_OFFER,
              accepted_ext="permessage-deflate; server_max_window_bits=12; "
                           "client_max_window_bits=12")]),
    "py-server-1001": (
        "websockets server shuts down while a client is connected: 1001 going away",
        [conn("/feed", 1001, "server", True, "server", "endpoint_going_away")]),
    "py-1008": (
        "websockets server closes 1008 when the client subscribes to a forbidden topic",
        [conn("/topics", 1008, "server", True, "server", "policy_violation",
              reason="topic not allowed")]),
    "py-1009": (
        "websockets server with max_size=1024: a 512-byte message passes, a 4000-byte one "
        "makes it close 1009",
        [conn("/upload", 1009, "server", True, "server", "message_too_big")]),
    "py-deflate-1009": (
        "websockets server with permessage-deflate and max_size=1024: a 512-byte message "
        "passes, a 4000-byte one that compresses to a few dozen bytes on the wire makes it "
        "close 1009 (the limit applies to the decompressed size)",
        [conn("/upload", 1009, "server", True, "server", "message_too_big",
              offered_ext=PMD_OFFER,
              accepted_ext="permessage-deflate; server_max_window_bits=12; "
                           "client_max_window_bits=12",
              evidence=["--inflate"])]),
    "py-1011": (
        "websockets server handler raises an exception: the library closes 1011, then "
        "closes its socket at once, so the client's echo draws an RST",
        [conn("/feed", 1011, "server", True, "server", "server_internal_error",
              tcp_end="rst")]),
    "py-1012-restart": (
        "websockets server closes 1012 'service restart', stops listening, listens again "
        "0.5 s later; the client reconnects and then closes normally",
        [conn("/live", 1012, "server", True, "server", "service_restart",
              reason="service restart"),
         conn("/live", 1000, "client", True, "server", "normal_closure")]),
    "py-3003": (
        "websockets server closes with registered code 3003 (forbidden)",
        [conn("/feed", 3003, "server", True, "server", "application_code",
              reason="forbidden: token lacks scope")]),
    "py-no-close-fin": (
        "websockets client process exits (os._exit) after an echo: no close frame, "
        "TCP ends with the client's FIN",
        [conn("/crash", 1006, None, False, "client", "connection_dropped")]),
    "py-no-close-rst": (
        "websockets server stops reading, the client sends a message, the server is "
        "killed with SIGKILL: the kernel resets the connection (unread data)",
        [conn("/stream", 1006, None, False, "server", "peer_reset", tcp_end="rst")]),
    "py-handshake-403": (
        "websockets server's process_request rejects the upgrade with 403",
        [rejected("/private", 403)]),
    "py-handshake-426": (
        "websockets server's process_request answers 426 Upgrade Required "
        "(with Sec-WebSocket-Version: 13)",
        [rejected("/v1", 426)]),
    # ---- hand-made clients (raw socket) against a websockets server -----
    "raw-unmasked-1002": (
        "raw client sends an unmasked text frame; websockets server closes 1002 and the "
        "client never echoes the close",
        [conn("/raw", 1002, "server", False, "server", "protocol_violation")]),
    "raw-utf8-1007": (
        "raw client sends a text frame with invalid UTF-8; websockets server closes 1007",
        [conn("/raw", 1007, "server", False, "server", "invalid_payload")]),
    "raw-close-no-wait": (
        "raw client sends close 1001 and closes its socket at once (fails the connection); "
        "the server's echo meets a closed socket and draws an RST",
        [conn("/raw", 1001, "client", True, "client", "endpoint_going_away",
              tcp_end="rst")]),
    "raw-keepalive-timeout": (
        "websockets server with ping_interval=1 ping_timeout=1; the raw client never "
        "answers pings: 1011 'keepalive ping timeout'",
        [conn("/raw", 1011, "server", False, "server", "keepalive_timeout",
              reason="keepalive ping timeout")]),
    # ---- ws (Node) client and server -----------------------------------
    "ws-normal-1000": (
        "ws client sends a message, gets the echo, closes 1000 'bye'; subprotocol json",
        [conn("/chat", 1000, "client", True, RACE, "normal_closure", reason="bye",
              offered_sub="json,text", accepted_sub="json")]),
    "ws-empty-close-1005": (
        "ws client calls close() without a code: empty close body, 1005 for both apps",
        [conn("/empty", 1005, "client", True, RACE, "no_status")]),
    "ws-client-1001": (
        "ws client closes with 1001 (page going away)",
        [conn("/page", 1001, "client", True, RACE, "endpoint_going_away")]),
    "ws-1003": (
        "ws server accepts only text; a websockets client sends binary: 1003",
        [conn("/text-only", 1003, "server", True, "server", "unsupported_data",
              reason="binary messages are not supported")]),
    "ws-1009": (
        "ws server with maxPayload=1024: a websockets client sends 512 bytes (accepted), "
        "then 4000 bytes, and the server closes 1009",
        [conn("/upload", 1009, "server", True, "server", "message_too_big")]),
    "ws-1010": (
        "ws client requires permessage-deflate, the server does not accept it: the client "
        "closes 1010 naming the extension",
        [conn("/compressed", 1010, "client", True, RACE, "extension_not_negotiated",
              reason="permessage-deflate", offered_ext=PMD_OFFER)]),
    "ws-1013": (
        "ws server turns a websockets client away right after the handshake: 1013",
        [conn("/busy", 1013, "server", True, "server", "try_again_later",
              reason="server overloaded, try again later")]),
    "ws-1014": (
        "ws server acting as a gateway cannot reach its upstream (a closed port): 1014",
        [conn("/gateway", 1014, "server", True, "server", "bad_gateway",
              reason="upstream ECONNREFUSED")]),
    "ws-3000": (
        "ws server closes with registered code 3000 (unauthorized) when a websockets "
        "client sends a bad token",
        [conn("/auth", 3000, "server", True, "server", "application_code",
              reason="invalid token")]),
    "ws-deflate": (
        "permessage-deflate negotiated by ws (threshold 0); three compressed messages "
        "each way, client closes 1000",
        [conn("/deflate", 1000, "client", True, RACE, "normal_closure",
              offered_ext=PMD_OFFER, accepted_ext="permessage-deflate")]),
    # ---- nginx reverse proxy ----------------------------------------------
    "nginx-idle-5s": (
        "websockets client -> nginx (proxy_read_timeout 5s) -> websockets server; "
        "after one echo nobody sends anything and nginx cuts both connections",
        [conn("/idle", 1006, None, False, "server", "idle_timeout"),
         conn("/idle", 1006, None, False, "client", "idle_timeout", port_index=1)]),
    "nginx-idle-60s": (
        "as nginx-idle-5s with nginx's default proxy_read_timeout of 60 s",
        [conn("/idle", 1006, None, False, "server", "idle_timeout"),
         conn("/idle", 1006, None, False, "client", "idle_timeout", port_index=1)]),
    # ---- added scenarios: several connections, a TCP proxy, Chromium --------
    "py-close-storm": (
        "one websockets server, six websockets client connections (opened one after "
        "the other, one echo each); the server shuts down (server.close()) and sends "
        "1001 on all six at once: a close storm",
        # STORM_CLIENTS in peers/py_server.py; diagnose.c calls 5 or more
        # connections closed by one server within 1 s a close storm
        [conn("/storm", 1001, "server", True, "server", "endpoint_going_away",
              detail="close_storm",
              evidence=["6 connections to server", "closed by the server within"])] * 6),
    "py-idle-1006-fixed": (
        "three websockets clients -> peers/idle_proxy.py (a plain TCP proxy that closes "
        "both sides after 3 s with no byte either way) -> websockets server; one echo "
        "each, then silence: the proxy cuts all three pairs, FIN and no close frame",
        # in order of start: client->proxy, then proxy->backend, for each client;
        # the proxy forwards the client's Host unchanged
        [conn("/idle", 1006, None, False, end_by, "idle_timeout", port_index=leg,
              detail="fixed_3s", evidence=["same idle time"])
         for _ in range(3) for leg, end_by in ((0, "server"), (1, "client"))]),
    "chromium-close-1000": (
        "headless Chromium loads a page whose script opens a WebSocket to a websockets "
        "server, sends a message and on the echo calls close(1000, 'done')",
        [conn("/page", 1000, "client", True, "server", "normal_closure", reason="done",
              offered_ext=PMD_OFFER)]),
    "chromium-navigate-1001": (
        "as chromium-close-1000 but the page navigates away on the echo (back/forward "
        "cache off): Chromium sends 1001 going away and drops its socket at once, so the "
        "server's echo draws an RST; who ends TCP first is a race",
        [conn("/page", 1001, "client", True, RACE, "endpoint_going_away", tcp_end="rst",
              offered_ext=PMD_OFFER)]),
}


def write_expected(name, pcap, ports):
    desc, conns = SCENARIOS[name]
    return expected.write_jsonl(pcap, conns, ports, expected.client_endpoints(pcap, ports))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--list"]:
        print("\n".join(SCENARIOS))
    elif sys.argv[1:2] == ["--describe"]:
        print(SCENARIOS[sys.argv[2]][0])
    elif sys.argv[1:2] == ["--expected"] and len(sys.argv) >= 5:
        print(write_expected(sys.argv[2], sys.argv[3], [int(p) for p in sys.argv[4:]]))
    else:
        sys.exit(__doc__)
