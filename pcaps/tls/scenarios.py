#!/usr/bin/python3
"""The wss scenarios pcaps/tls/record.sh records, what is known about each
connection from the way the scenario was made, and a check of those facts
against tshark's decryption of the capture with its key log.

  scenarios.py --list                       names, one a line
  scenarios.py --ciphersuites NAME          TLS 1.3 suite for OPENSSL_CONF ("" none)
  scenarios.py --expected NAME PCAP KEYLOG [PORT]
        check the scenario's facts against `tshark -o tls.keylog_file:KEYLOG`
        and, when they agree, write NAME.expected.jsonl next to PCAP
        (exit 1 and nothing written when they do not)

The only values taken from the capture are the clients' ephemeral ports (from
the SYNs, in order), which identify records.  Keys are those of wsclosed's
JSON records as tests/check-facts.py compares them ("tls.version" is the
record's tls object's version).
"""
import json
import os
import subprocess
import sys
from collections import OrderedDict

SNI = "wss.test"
RACE = "race"        # who sends the first FIN is a race: left out

# IANA number and name of the suites used
SUITES = {
    "TLS_AES_128_GCM_SHA256": 0x1301,
    "TLS_AES_256_GCM_SHA384": 0x1302,
    "TLS_CHACHA20_POLY1305_SHA256": 0x1303,
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013,
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384": 0xC028,
}


def conn(path, close_code, initiator, end_by, cause, reason=None, tcp_end="fin",
         close_notify=(True, True), key_updates=0):
    return OrderedDict(path=path, close_code=close_code, close_reason=reason,
                       close_initiator=initiator, tcp_end=tcp_end, tcp_end_by=end_by,
                       cause_id=cause, close_notify=close_notify, key_updates=key_updates)


def py_1000(path):
    # websockets client closes 1000 "bye"; both TLS layers send close_notify on
    # the way out, and which TCP FIN comes first after that exchange is a race
    return conn(path, 1000, "client", RACE, "normal_closure", reason="bye")


def py_1011(path):
    # the server handler raises: websockets closes 1011, then the socket at once
    return conn(path, 1011, "server", "server", "server_internal_error", tcp_end=None,
                close_notify=None)


# name -> (description, TLS version, suite, [connections in order of start])
SCENARIOS = OrderedDict([
    ("tls13-aes128-1000", ("websockets over TLS 1.3 AES-128-GCM; client closes 1000",
                           "TLS 1.3", "TLS_AES_128_GCM_SHA256", [py_1000("/tls13")])),
    ("tls13-aes256-1011", ("websockets over TLS 1.3 AES-256-GCM; server handler raises: 1011",
                           "TLS 1.3", "TLS_AES_256_GCM_SHA384", [py_1011("/tls13")])),
    ("tls13-chacha-idle", ("three websockets clients over TLS 1.3 ChaCha20-Poly1305; one "
                           "echo each, then after 3 s of silence the server drops each "
                           "TCP connection (FIN, no close frame, no close_notify)",
                           "TLS 1.3", "TLS_CHACHA20_POLY1305_SHA256",
                           [conn("/tls13", 1006, None, "server", "idle_timeout",
                                 close_notify=(False, False))] * 3)),
    ("tls12-gcm-1000", ("websockets over TLS 1.2 ECDHE-RSA AES-128-GCM; client closes 1000",
                        "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", [py_1000("/tls12")])),
    ("tls12-gcm256-1011", ("websockets over TLS 1.2 ECDHE-RSA AES-256-GCM; server handler "
                           "raises: 1011", "TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                           [py_1011("/tls12")])),
    ("tls12-chacha-rst", ("websockets over TLS 1.2 ECDHE-RSA ChaCha20-Poly1305; after one "
                          "echo the server resets the connection (SO_LINGER 0)",
                          "TLS 1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                          [conn("/tls12", 1006, None, "server", "peer_reset", tcp_end="rst",
                                close_notify=(False, False))])),
    ("tls12-cbc-etm-1000", ("websockets over TLS 1.2 ECDHE-RSA AES-128-CBC-SHA with "
                            "encrypt-then-MAC; client closes 1000", "TLS 1.2",
                            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", [py_1000("/tls12")])),
    ("tls12-cbc-noetm-1000", ("websockets over TLS 1.2 ECDHE-RSA AES-256-CBC-SHA384, "
                              "encrypt-then-MAC switched off; client closes 1000", "TLS 1.2",
                              "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", [py_1000("/tls12")])),
    ("node-tls13-1000", ("node ws client and server over https, TLS 1.3 AES-128-GCM "
                         "(--tls-keylog); client closes 1000 'bye'", "TLS 1.3",
                         "TLS_AES_128_GCM_SHA256",
                         [conn("/node", 1000, "client", RACE, "normal_closure", reason="bye")])),
    ("tls13-keyupdate-1000", ("openssl s_client (TLS 1.3 AES-256-GCM) speaking WebSocket by "
                              "hand to a websockets server: a message, a KeyUpdate from the "
                              "client, a message, a KeyUpdate with update_requested (the server "
                              "updates too), a message, then the client closes 1000 'done'",
                              "TLS 1.3", "TLS_AES_256_GCM_SHA384",
                              [conn("/keyupdate", 1000, "client", RACE, "normal_closure",
                                    reason="done", key_updates=3)])),
    ("chromium-tls13-1000", ("headless Chromium (--ssl-key-log-file) loads a page whose "
                             "script opens wss://wss.test:PORT/chromium, sends a message and "
                             "on the echo closes 1000 'done'; websockets server, TLS 1.3 "
                             "AES-128-GCM", "TLS 1.3", "TLS_AES_128_GCM_SHA256",
                             [conn("/chromium", 1000, "client", RACE, "normal_closure",
                                   reason="done", close_notify=None)])),
    ("tls13-twin-1000", ("tls13-aes128-1000 again, path /twin: the wss twin of the plain "
                         "ws-twin-1000 (tests/tls.sh checks that both give the same record "
                         "but for the tls object)", "TLS 1.3", "TLS_AES_128_GCM_SHA256",
                         [py_1000("/twin")])),
    ("nginx-tls13-1011", ("python websockets client over TLS 1.3 AES-128-GCM to nginx, "
                          "which terminates TLS and proxies to a plain websockets server "
                          "(both legs captured) whose handler raises: 1011 through nginx",
                          "TLS 1.3", "TLS_AES_128_GCM_SHA256", [py_1011("/nginx")])),
])

ETM = {"tls12-cbc-etm-1000": True, "tls12-cbc-noetm-1000": False}


def tshark_streams(pcap, keylog):
    """Per TCP stream, what tshark decrypts and decodes."""
    fields = ["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
              "tcp.flags.fin", "tcp.flags.reset", "tls.handshake.type",
              "tls.handshake.ciphersuite", "tls.handshake.extensions_server_name",
              "tls.handshake.extensions_alpn_str", "tls.handshake.extensions.supported_version",
              "tls.alert_message.desc", "http.request.uri", "websocket.opcode",
              "websocket.payload.close.status_code", "websocket.payload.close.reason",
              "tls.handshake.extension.type"]
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tls.keylog_file:" + keylog,
           "-o", "tcp.desegment_tcp_streams:TRUE", "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                         timeout=120).stdout
    streams = OrderedDict()
    for line in out.splitlines():
        v = dict(zip(fields, line.split("|")))
        s = streams.setdefault(v["tcp.stream"], dict(client_port=None, server_port=None,
                               path=None, suite=None, sni=None, alpn=None, version=None,
                               close=None, end=None, end_by=None, close_notify=[False, False],
                               etm=False, key_updates=0, frames=0))
        if v["tcp.flags.syn"] == "1" and v["tcp.flags.ack"] == "0":
            s["client_port"], s["server_port"] = int(v["tcp.srcport"]), int(v["tcp.dstport"])
        if s["client_port"] is None:
            continue
        side = "client" if int(v["tcp.srcport"]) == s["client_port"] else "server"
        hs = v["tls.handshake.type"].split(",")
        if "2" in hs:               # ServerHello
            s["suite"] = int(v["tls.handshake.ciphersuite"].split(",")[0], 16)
            sv = v["tls.handshake.extensions.supported_version"]
            s["version"] = "TLS 1.3" if "0x0304" in sv else "TLS 1.2"
            if v["tls.handshake.extensions_alpn_str"]:
                s["alpn"] = v["tls.handshake.extensions_alpn_str"]
            s["etm"] = "22" in v["tls.handshake.extension.type"].split(",")
        if "1" in hs:
            s["sni"] = v["tls.handshake.extensions_server_name"] or None
            s["alpn_offered"] = [a for a in v["tls.handshake.extensions_alpn_str"].split(",") if a]
        s["key_updates"] += hs.count("24")
        if v["websocket.opcode"]:
            s["frames"] += len(v["websocket.opcode"].split(","))
        if "8" in hs and v["tls.handshake.extensions_alpn_str"]:   # EncryptedExtensions
            s["alpn"] = v["tls.handshake.extensions_alpn_str"].split(",")[-1]
        if v["http.request.uri"] and s["path"] is None:
            s["path"] = v["http.request.uri"]
        if "0" in v["tls.alert_message.desc"].split(","):
            s["close_notify"][0 if side == "client" else 1] = True
        if v["websocket.payload.close.status_code"] and s["close"] is None:
            s["close"] = (int(v["websocket.payload.close.status_code"].split(",")[0]), side,
                          v["websocket.payload.close.reason"] or None)
        if v["tcp.flags.reset"] == "1":
            if s["end"] != "rst":
                s["end"] = "rst"
                if s["end_by"] is None:
                    s["end_by"] = side
        elif v["tcp.flags.fin"] == "1" and s["end"] is None:
            s["end"], s["end_by"] = "fin", side
    return [s for s in streams.values() if s["client_port"] is not None]


def expected(name, pcap, keylog):
    desc, version, suite, conns = SCENARIOS[name]
    # the TLS connections (nginx-*: the plain legs behind nginx after them)
    every = tshark_streams(pcap, keylog)
    streams = [s for s in every if s["version"]]
    plain = [s for s in every if not s["version"]]
    problems = []
    if len(streams) != len(conns):
        problems.append("tshark sees %d TCP connections, the scenario made %d"
                        % (len(streams), len(conns)))
    out = []
    for i, (c, s) in enumerate(zip(conns, streams)):
        def differ(what, want, got):
            if want != got:
                problems.append("connection %d: %s: scenario %r, tshark %r" % (i, what, want, got))
        differ("path", c["path"], s["path"])
        differ("version", version, s["version"])
        differ("cipher suite", SUITES[suite], s["suite"])
        differ("sni", SNI, s["sni"])
        differ("alpn", "http/1.1", s["alpn"])
        differ("alpn offered", ["http/1.1"], s.get("alpn_offered"))
        if name in ETM:
            differ("encrypt_then_mac", ETM[name], s["etm"])
        close = s["close"]
        if c["close_code"] == 1006:
            differ("close frame", None, close)
        else:
            differ("close code", c["close_code"], close and close[0])
            differ("close initiator", c["close_initiator"], close and close[1])
            differ("close reason", c["close_reason"], close and close[2])
        if c["tcp_end"] is not None:
            differ("tcp end", c["tcp_end"], s["end"])
        if c["tcp_end_by"] != RACE and c["tcp_end"] is not None:
            differ("tcp end by", c["tcp_end_by"], s["end_by"])
        if c["close_notify"] is not None:
            differ("close_notify", list(c["close_notify"]), s["close_notify"])
        differ("KeyUpdate messages", c["key_updates"], s["key_updates"])
        if s["frames"] == 0:
            problems.append("connection %d: tshark decrypted no WebSocket frame" % i)
        e = OrderedDict(file=os.path.basename(pcap), client="127.0.0.1:%d" % s["client_port"],
                        server="127.0.0.1:%d" % s["server_port"], path=c["path"],
                        close_code=c["close_code"], close_initiator=c["close_initiator"])
        if c["close_reason"] is not None:
            e["close_reason"] = c["close_reason"]
        if c["tcp_end"] is not None:
            e["tcp_end"] = c["tcp_end"]
            if c["tcp_end_by"] != RACE:
                e["tcp_end_by"] = c["tcp_end_by"]
        e["cause_id"] = c["cause_id"]
        e["tls.version"] = version
        e["tls.cipher_suite"] = suite
        e["tls.sni"] = SNI
        e["tls.alpn_offered"] = ["http/1.1"]
        e["tls.alpn"] = "http/1.1"
        e["tls.decrypted"] = True
        e["tls.not_decrypted_reason"] = None
        e["tls.bad_record_mac"] = 0
        e["tls.key_updates"] = c["key_updates"]
        if c["close_notify"] is not None:
            e["tls.close_notify"] = {"client": c["close_notify"][0],
                                     "server": c["close_notify"][1]}
        out.append(e)
    if name.startswith("nginx-"):
        # the plain leg nginx opened to the server: the same close facts
        if len(plain) != len(conns):
            problems.append("tshark sees %d plain legs behind nginx, the scenario made %d"
                            % (len(plain), len(conns)))
        for i, (c, s) in enumerate(zip(conns, plain)):
            close = s["close"]
            for what, want, got in (("path", c["path"], s["path"]),
                                    ("close code", c["close_code"], close and close[0]),
                                    ("close initiator", c["close_initiator"], close and close[1]),
                                    ("close reason", c["close_reason"], close and close[2])):
                if want != got:
                    problems.append("plain leg %d: %s: scenario %r, tshark %r"
                                    % (i, what, want, got))
            e = OrderedDict(file=os.path.basename(pcap),
                            client="127.0.0.1:%d" % s["client_port"],
                            server="127.0.0.1:%d" % s["server_port"], path=c["path"],
                            close_code=c["close_code"], close_initiator=c["close_initiator"])
            if c["close_reason"] is not None:
                e["close_reason"] = c["close_reason"]
            e["cause_id"] = c["cause_id"]
            out.append(e)
    return out, problems


def main(argv):
    if argv[1:2] == ["--list"]:
        print("\n".join(SCENARIOS))
        return 0
    if argv[1:2] == ["--ciphersuites"]:
        if argv[2] not in SCENARIOS:
            print("")           # ws-twin-1000: no TLS
            return 0
        _, version, suite, _ = SCENARIOS[argv[2]]
        print(suite if version == "TLS 1.3" else "")
        return 0
    if argv[1:2] == ["--expected"] and len(argv) >= 5:
        name, pcap, keylog = argv[2], argv[3], argv[4]
        recs, problems = expected(name, pcap, keylog)
        for p in problems:
            print("%s: %s" % (name, p), file=sys.stderr)
        if problems:
            return 1
        path = os.path.join(os.path.dirname(pcap), name + ".expected.jsonl")
        with open(path, "w") as f:
            f.write("# %s: %s\n" % (name, SCENARIOS[name][0]))
            f.write("# facts from how the scenario was made, checked against tshark -o "
                    "tls.keylog_file:%s.keylog\n" % name)
            for r in recs:
                f.write(json.dumps(r) + "\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
