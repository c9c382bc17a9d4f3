#!/usr/bin/python3
"""What tshark (Wireshark's own dissectors) says about each WebSocket connection
in a capture: an independent decoder to check wsclosed and our expected files.

usage: tshark_facts.py FILE                  print one JSON object per connection
       tshark_facts.py --check FILE EXPECTED compare EXPECTED (JSON Lines) with it

A TCP stream counts as a WebSocket connection when its HTTP request asks for
"Upgrade: websocket" or tshark decoded WebSocket frames in it.  Facts, as defined
for wsclosed's JSON output:
  close_code      code in the first close frame; 1005 if that frame had no body;
                  1006 if TCP ended (FIN/RST) with no close frame; null otherwise
  close_initiator side of the first close frame; close_echoed: the other side
                  sent a close frame after it
  tcp_end         "rst" if any RST, else "fin" if any FIN, else "open";
                  tcp_end_by: side of the first FIN or RST
  header values   as sent, repeated headers joined with ", "
The client is the side that sent the SYN, else the side that sent the request.
"""
import json
import subprocess
import sys

FIELDS = [
    "frame.number", "tcp.stream", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin",
    "tcp.flags.reset", "http.request.method", "http.request.uri", "http.host",
    "http.response.code", "http.request.line", "http.response.line",
    "websocket.opcode", "websocket.payload_length", "websocket.payload.close.status_code",
    "websocket.payload.close.reason",
]

COMPARED = ["server_port", "handshake_status", "offered_extensions", "accepted_extensions",
            "offered_subprotocols", "accepted_subprotocol", "close_code", "close_reason",
            "close_initiator", "close_echoed", "tcp_end", "tcp_end_by"]


def tshark(path, extra):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tcp.reassemble_out_of_order:TRUE"] + extra
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=120)
    if p.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (path, p.stderr.strip()[-300:]))
    return p.stdout


def server_ports(path):
    """Destination ports of SYNs, so that HTTP is decoded on them whatever the port."""
    out = tshark(path, ["-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                        "-T", "fields", "-e", "tcp.dstport"])
    return sorted({int(x) for x in out.split() if x.isdigit()})


def flag(layers, name):
    v = layers.get(name, ["0"])[0]
    return v in ("1", "True", "true")


def header(lines, name):
    vals = []
    for line in lines:
        k, sep, v = line.partition(":")
        if sep and k.strip().lower() == name:
            vals.append(v.strip())
    return ", ".join(vals) if vals else None


def facts(path, all_streams=False, decode_as_ports=False):
    """One dict per WebSocket connection in PATH (per TCP stream with
    all_streams, "websocket" then telling which are)."""
    # HTTP on any port is found by tshark's tcp heuristic (on by default); with
    # decode_as_ports=True every SYN's destination port is also decoded as HTTP
    # explicitly, at the price of a second tshark run.
    extra = []
    if decode_as_ports:
        for port in server_ports(path):
            extra += ["-d", "tcp.port==%d,http" % port]
    out = tshark(path, extra + ["-T", "json"] + [a for f in FIELDS for a in ("-e", f)])
    packets = json.loads(out) if out.strip() else []
    streams = {}
    order = []
    for pkt in packets:
        L = pkt["_source"]["layers"]
        if "tcp.stream" not in L:
            continue
        sid = int(L["tcp.stream"][0])
        src = (L.get("ip.src") or L.get("ipv6.src") or ["?"])[0]
        dst = (L.get("ip.dst") or L.get("ipv6.dst") or ["?"])[0]
        sport, dport = int(L["tcp.srcport"][0]), int(L["tcp.dstport"][0])
        s = streams.get(sid)
        if s is None:
            s = streams[sid] = dict(first=(src, sport, dst, dport), client=None, ws=False,
                                    req=None, resp=None, closes=[], end=None, fin=False,
                                    rst=False, host=None, path=None)
            order.append(sid)
        me = (src, sport)
        if flag(L, "tcp.flags.syn") and not flag(L, "tcp.flags.ack") and s["client"] is None:
            s["client"] = me
        if "http.request.method" in L and s["req"] is None:
            s["req"] = L.get("http.request.line", [])
            s["req_from"] = me
            s["host"] = (L.get("http.host") or [None])[0]
            s["path"] = (L.get("http.request.uri") or [None])[0]
            if s["client"] is None:
                s["client"] = me
            if (header(s["req"], "upgrade") or "").lower() == "websocket":
                s["ws"] = True
        if "http.response.code" in L and s["resp"] is None:
            s["resp"] = (int(L["http.response.code"][0]), L.get("http.response.line", []))
        ops = L.get("websocket.opcode", [])
        if ops:
            s["ws"] = True
        lens = L.get("websocket.payload_length", [])
        codes = list(L.get("websocket.payload.close.status_code", []))
        reasons = list(L.get("websocket.payload.close.reason", []))
        for i, op in enumerate(ops):
            if int(op, 0) != 8:
                continue
            n = int(lens[i]) if i < len(lens) else 0
            code = int(codes.pop(0)) if n >= 2 and codes else 1005
            reason = reasons.pop(0) if n > 2 and reasons else None
            s["closes"].append((me, code, reason or None))
        if flag(L, "tcp.flags.reset"):
            s["rst"] = True
            if s["end"] is None:
                s["end"] = me
        if flag(L, "tcp.flags.fin"):
            s["fin"] = True
            if s["end"] is None:
                s["end"] = me
    result = []
    for sid in order:
        s = streams[sid]
        if not s["ws"] and not all_streams:
            continue
        client = s["client"] or s["first"][:2]
        if client == s["first"][:2]:
            server = s["first"][2:]
        else:
            server = s["first"][:2]

        def side(ep):
            return None if ep is None else ("client" if ep == client else "server")

        rec = dict(stream=sid, client_ip=client[0], client_port=client[1],
                   server_ip=server[0], server_port=server[1], host=s["host"], path=s["path"])
        req = s["req"] or []
        resp = s["resp"][1] if s["resp"] else []
        rec["handshake_status"] = s["resp"][0] if s["resp"] else None
        rec["offered_extensions"] = header(req, "sec-websocket-extensions")
        rec["accepted_extensions"] = header(resp, "sec-websocket-extensions")
        rec["offered_subprotocols"] = header(req, "sec-websocket-protocol")
        rec["accepted_subprotocol"] = header(resp, "sec-websocket-protocol")
        closes = s["closes"]
        if closes:
            first_ep, code, reason = closes[0]
            rec["close_code"] = code
            rec["close_reason"] = reason
            rec["close_initiator"] = side(first_ep)
            rec["close_echoed"] = any(ep != first_ep for ep, _, _ in closes[1:])
        else:
            rec["close_code"] = 1006 if (s["fin"] or s["rst"]) else None
            rec["close_reason"] = None
            rec["close_initiator"] = None
            rec["close_echoed"] = False
        rec["tcp_end"] = "rst" if s["rst"] else ("fin" if s["fin"] else "open")
        rec["tcp_end_by"] = side(s["end"])
        rec["close_codes_all"] = [c for _, c, _ in closes]
        rec["websocket"] = s["ws"]
        result.append(rec)
    return result


def check(path, expected_path):
    """Compare an expected.jsonl, connection by connection in order, with tshark."""
    got = facts(path, decode_as_ports=True)
    exp = [json.loads(l) for l in open(expected_path) if l.strip()]
    problems = []
    if len(got) != len(exp):
        problems.append("%d connections expected, tshark sees %d" % (len(exp), len(got)))
    for i, (e, g) in enumerate(zip(exp, got)):
        for k in COMPARED + ["client_port", "host", "path"]:
            if k in e and e[k] != g.get(k):
                problems.append("connection %d %s: expected %r, tshark %r" % (i, k, e[k], g.get(k)))
    return problems


def main(argv):
    if len(argv) == 2:
        for rec in facts(argv[1]):
            print(json.dumps(rec, sort_keys=True))
        return 0
    if len(argv) == 4 and argv[1] == "--check":
        problems = check(argv[2], argv[3])
        for p in problems:
            print("%s: %s" % (argv[2], p))
        return 1 if problems else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
