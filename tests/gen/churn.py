#!/usr/bin/python3
"""Generate a churn capture: thousands of WebSocket connections with random
lifetimes and endings spread over minutes, plus rejected upgrades (a burst of
403s 10 ms apart and a 403 at a fixed interval), built from the bytes of real
captures in pcaps/ (handshakes and frames recorded from python-websockets)
with fresh addresses, ports and sequence numbers.  Deterministic for a seed.

usage: churn.py [--seed N] [--conns N] [--minutes M] --out FILE.pcap
                [--expected FILE.jsonl]
       churn.py --check WSCLOSED_JSONL EXPECTED.jsonl [--causes]
                                    compare wire facts (and cause ids)
       churn.py --storms WSCLOSED_JSONL                 count storm/restart verdicts

The expected facts are written by the generator from the endings it chose;
tshark agrees with them (pcaps/tshark_facts.py --check churn.pcap
churn.expected.jsonl: all 3250 connections of seed 14, about a minute).
Every connection is an ordinary, independent event: the right diagnosis of
the whole capture has no close storm and no restart (tests/libs.sh checks that
with LIBS_CHECK_CAUSES=1; pcaps/libs/churn.expectations.json says so for the
rules).  Endings, each with its wire facts and cause id in the expected file:
  1000c   client closes 1000, server echoes, server FIN first
  1001s   server closes 1001 (its own per-connection policy), client echoes
  1001c   client closes 1001 (page left) and the server echoes
  fin-s   server FIN without a close frame (1006)
  fin-c   client FIN without a close frame (1006)
  rst-c   client RST (1006)      rst-s  server RST (1006)
"""
import argparse
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "..", "pcaps")

ENDINGS = [("1000c", 40), ("1001s", 10), ("1001c", 15), ("fin-s", 10), ("fin-c", 10),
           ("rst-c", 8), ("rst-s", 7)]


def read_segments(path):
    """[(from_client, payload)] of the first TCP connection with payload in a
    classic pcap (Ethernet, IPv4) file: the recorded bytes, segment by segment."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, client_port, segs = 24, None, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 14 + 20 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            continue
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        sport, dport = struct.unpack("!HH", tcp[:4])
        flags = tcp[13]
        if flags & 0x02 and not flags & 0x10 and client_port is None:
            client_port = sport
        payload = tcp[(tcp[12] >> 4) * 4:]
        if payload:
            segs.append((sport == client_port, bytes(payload)))
    return segs


def source_bytes():
    """The byte sequences churn connections are made of, from real captures."""
    n = read_segments(os.path.join(PCAPS, "py-normal-1000.pcap"))
    g = read_segments(os.path.join(PCAPS, "py-server-1001.pcap"))
    r = read_segments(os.path.join(PCAPS, "py-handshake-403.pcap"))
    cli = [p for c, p in n if c]
    srv = [p for c, p in n if not c]
    gcli = [p for c, p in g if c]
    gsrv = [p for c, p in g if not c]
    b = dict(req=cli[0], resp=srv[0], ctext=cli[1], stext=srv[1],
             cclose1000=cli[2], sclose1000=srv[2],       # client 1000, server echo
             sclose1001=gsrv[2], cclose1001=gcli[2],     # server 1001, client echo
             rej_req=[p for c, p in r if c][0], rej_resp=[p for c, p in r if not c])
    assert b["req"].startswith(b"GET ") and b["resp"].startswith(b"HTTP/1.1 101")
    assert b["cclose1000"][0] == 0x88 and b["sclose1000"][0] == 0x88
    assert b["sclose1001"][2:4] == b"\x03\xe9" and b["cclose1001"][0] == 0x88
    assert b["rej_resp"][0].startswith(b"HTTP/1.1 403")
    return b


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Conn:
    def __init__(self, w, cip, cport, sip, sport, rnd):
        self.w, self.ep = w, {True: (cip, cport), False: (sip, sport)}
        self.seq = {True: rnd.getrandbits(32), False: rnd.getrandbits(32)}

    def send(self, t, from_client, flags, payload=b""):
        src, dst = self.ep[from_client], self.ep[not from_client]
        seq = self.seq[from_client]
        ack = self.seq[not from_client] if flags & 0x10 else 0
        self.w.packet(t, src, dst, seq, ack, flags, payload)
        self.seq[from_client] = (seq + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


class Writer:
    def __init__(self):
        self.pkts = []
        self.ipid = 0

    def packet(self, t, src, dst, seq, ack, flags, payload):
        self.ipid = (self.ipid + 1) & 0xFFFF
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, 5 << 4, flags, 65535, 0, 0)
        sip, dip = bytes(map(int, src[0].split("."))), bytes(map(int, dst[0].split(".")))
        pseudo = sip + dip + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        c = csum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), self.ipid,
                         0x4000, 64, 6, 0, sip, dip)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + tcp + payload
        self.pkts.append((t, len(self.pkts), frame))

    def write(self, path, t0):
        self.pkts.sort()
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, _, fr in self.pkts:
                us = int(round((t0 + t) * 1e6))
                f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(fr), len(fr)))
                f.write(fr)


def handshake(c, t, b):
    c.send(t, True, SYN)
    c.send(t + 0.0001, False, SYN | ACK)
    c.send(t + 0.0002, True, ACK)
    c.send(t + 0.0003, True, PSH | ACK, b["req"])
    c.send(t + 0.0012, False, PSH | ACK, b["resp"])
    c.send(t + 0.0020, True, PSH | ACK, b["ctext"])
    c.send(t + 0.0023, False, PSH | ACK, b["stext"])
    c.send(t + 0.0030, True, ACK)


def ending(c, t, kind, b):
    """Play the ending at time t; return the expected wire facts."""
    f = dict(close_code=1006, close_reason=None, close_initiator=None, close_echoed=False,
             tcp_end="fin", tcp_end_by=None)
    if kind in ("1000c", "1001c", "1001s"):
        by_client = kind != "1001s"
        first, echo = {"1000c": ("cclose1000", "sclose1000"), "1001c": (None, None),
                       "1001s": ("sclose1001", "cclose1001")}[kind]
        if kind == "1001c":
            # the client's 1001: the server's recorded 1001 re-masked would not be
            # recorded bytes; take the client's recorded 1000 close with the
            # code bytes set to 1001 under its own mask
            cl = bytearray(b["cclose1000"])
            key = cl[2:6]
            code = struct.pack("!H", 1001)
            cl[6] = code[0] ^ key[0]
            cl[7] = code[1] ^ key[1]
            frames = (bytes(cl), b["sclose1001"])
        else:
            frames = (b[first], b[echo])
        c.send(t, by_client, PSH | ACK, frames[0])
        c.send(t + 0.0002, not by_client, PSH | ACK, frames[1])
        c.send(t + 0.0003, False, FIN | ACK)     # the server ends TCP (RFC 6455)
        c.send(t + 0.0005, True, FIN | ACK)
        c.send(t + 0.0006, False, ACK)
        f.update(close_code=1000 if kind == "1000c" else 1001,
                 close_initiator="client" if by_client else "server", close_echoed=True,
                 tcp_end_by="server",
                 cause_id="normal_closure" if kind == "1000c" else "endpoint_going_away")
    elif kind in ("fin-s", "fin-c"):
        s = kind == "fin-c"
        c.send(t, s, FIN | ACK)
        c.send(t + 0.0002, not s, FIN | ACK)
        c.send(t + 0.0003, s, ACK)
        f.update(tcp_end_by="client" if s else "server", cause_id="connection_dropped")
    else:
        s = kind == "rst-c"
        c.send(t, s, RST | ACK)
        f.update(tcp_end="rst", tcp_end_by="client" if s else "server", cause_id="peer_reset")
    return f


def generate(seed, nconns, minutes, out, expected):
    rnd = random.Random(seed)
    b = source_bytes()
    w = Writer()
    span = minutes * 60.0
    sip, sport = "10.20.0.1", 8080
    used = set()
    exp = []

    def client_ep():
        while True:
            ep = ("10.30.%d.%d" % (rnd.randrange(0, 8), rnd.randrange(1, 255)),
                  rnd.randrange(20000, 60000))
            if ep not in used:
                used.add(ep)
                return ep

    def record(ep, t, facts, status=101):
        e = dict(client="%s:%d" % ep, server="%s:%d" % (sip, sport), client_ip=ep[0],
                 client_port=ep[1], server_ip=sip, server_port=sport,
                 handshake_status=status, _t=t)
        e.update(facts)
        exp.append(e)

    kinds = [k for k, wgt in ENDINGS for _ in range(wgt)]
    for _ in range(nconns):
        start = rnd.uniform(0, span - 1)
        # lifetimes: many short, some long (log-uniform 50 ms .. 10 min), cut at the end
        life = min(10 ** rnd.uniform(-1.3, 2.8), span - start - 0.01)
        life = max(life, 0.005)
        kind = rnd.choice(kinds)
        ep = client_ep()
        c = Conn(w, ep[0], ep[1], sip, sport, rnd)
        handshake(c, start, b)
        record(ep, start, ending(c, start + life, kind, b))

    def rejected(t):
        ep = client_ep()
        c = Conn(w, ep[0], ep[1], sip, sport, rnd)
        c.send(t, True, SYN)
        c.send(t + 0.0001, False, SYN | ACK)
        c.send(t + 0.0002, True, ACK)
        c.send(t + 0.0003, True, PSH | ACK, b["rej_req"])
        for i, seg in enumerate(b["rej_resp"]):
            c.send(t + 0.0010 + 0.0001 * i, False, PSH | ACK, seg)
        c.send(t + 0.0015, False, FIN | ACK)
        c.send(t + 0.0017, True, FIN | ACK)
        c.send(t + 0.0018, False, ACK)
        record(ep, t, dict(close_code=1006, close_reason=None, close_initiator=None,
                           close_echoed=False, tcp_end="fin", tcp_end_by="server",
                           cause_id="handshake_rejected"), status=403)

    burst = span / 3
    for i in range(100):                 # 100 rejected upgrades 10 ms apart
        rejected(burst + 0.010 * i)
    t = 0.5
    while t < span - 1:                  # and one every 2 s all along
        rejected(t)
        t += 2.0
    w.write(out, 1780000000.0)
    if expected:
        exp.sort(key=lambda e: e["_t"])
        with open(expected, "w") as f:
            for e in exp:
                e.pop("_t")
                e["file"] = os.path.basename(out)
                f.write(json.dumps(e, sort_keys=True) + "\n")
    return len(exp)


def load(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def check(records, expected, causes=False):
    by = {}
    for r in records:
        by.setdefault((r.get("client_ip"), r.get("client_port")), []).append(r)
    bad = 0
    for e in load(expected):
        rs = by.get((e["client_ip"], e["client_port"]))
        if not rs:
            print("missing %s" % e["client"])
            bad += 1
            continue
        r = rs[0]
        for k, v in e.items():
            if k in ("file", "client", "server"):
                continue
            if k == "cause_id":
                if causes and (r.get("cause") or {}).get("id") != v:
                    print("%s cause_id: want %r got %r" % (e["client"], v, (r.get("cause") or {}).get("id")))
                    bad += 1
                continue
            if r.get(k) != v:
                print("%s %s: want %r got %r" % (e["client"], k, v, r.get(k)))
                bad += 1
    return bad


def storms(path):
    n_storm = n_restart = 0
    for r in load(path):
        cz = r.get("cause") or {}
        text = json.dumps(cz).lower()
        if cz.get("detail") == "close_storm":
            n_storm += 1
        if "restarted or was redeployed" in text:
            n_restart += 1
    return "%d close_storm, %d restart (records whose cause says so)" % (n_storm, n_restart)


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--conns", type=int, default=3000)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--out")
    ap.add_argument("--expected")
    ap.add_argument("--check", nargs=2)
    ap.add_argument("--causes", action="store_true", help="with --check: compare cause_id too")
    ap.add_argument("--storms")
    a = ap.parse_args(argv[1:])
    if a.storms:
        print(storms(a.storms))
        return 0
    if a.check:
        bad = check(load(a.check[0]), a.check[1], a.causes)
        print("%d wrong" % bad)
        return 1 if bad else 0
    if not a.out:
        ap.error("--out is needed")
    n = generate(a.seed, a.conns, a.minutes, a.out, a.expected)
    print("%s: %d connections" % (a.out, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
