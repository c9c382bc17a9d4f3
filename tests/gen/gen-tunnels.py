#!/usr/bin/python3
"""Re-encapsulate a real recording in tunnels and link types for wsclosed's tests.

Deterministic, stdlib only; the packet reading and writing, and tshark's facts, come
from gen-edge.py next to this file.  Every packet of the source's TCP connections is
wrapped, unchanged inside, in:

  vxlan        Ethernet / IPv4 / UDP 4789 / VXLAN (VNI 100) / Ethernet / IP / TCP
  vxlan-two    two VXLAN tunnels (VNI 100 and 200) carrying the same inner packets:
               two connections with the same 5-tuple, to be kept apart
  geneve       IPv4 / UDP 6081 / Geneve with an 8-byte option / Ethernet
  gre          IPv4 / GRE (no options) / IP
  gre-key      GRE with a key
  gre-seq      GRE with checksum and sequence number
  erspan2      GRE (seq) 0x88be / ERSPAN II / Ethernet
  erspan3      GRE (seq) 0x22eb / ERSPAN III / Ethernet
  ipip         IPv4 in IPv4 (protocol 4)
  6in4         IPv6 in IPv4 (41)         (inner converted to IPv6 as gen-edge's ipv6)
  4in6         IPv4 in IPv6 (next header 4)
  6in6         IPv6 in IPv6 (41)
  mpls         Ethernet / MPLS two labels / IPv4
  pppoe        Ethernet / PPPoE session / PPP 0x0021 / IPv4
  gtpu         IPv4 / UDP 2152 / GTP-U with a PDU session container extension / IPv4
               (a TEID per direction, as 3GPP has it)
  vxlan-in-gre IPv4 / GRE / IPv4 / UDP / VXLAN / Ethernet / IPv4
  wlan         802.11 data frames (to DS; QoS data from DS) with LLC/SNAP (link type 105)
  radiotap     the same behind a radiotap header (127)
  ppp          PPP with HDLC-like framing (link type 9)
  ppp-hdlc     PPP in HDLC-like framing (50)
  nflog        NFLOG (239) with a packet header, a prefix and the payload TLV
  too-deep     nine nested IP-in-IP tunnels: must give no connection, counted

usage: gen-tunnels.py SOURCE OUTDIR
       gen-tunnels.py verify TESTLIST DATADIR SOURCEDIR
  verify: for each capture, tshark's WebSocket frame count and its facts of the
  innermost TCP connection(s) against the reference capture and the expected file;
  prints one line per capture ("ok" or "DIFF ...") and exits 1 on any difference.
  gen: writes OUTDIR/tun-NAME.pcap and OUTDIR/tun-NAME.expected.jsonl for each variant,
  OUTDIR/tun-ref-v6.pcap (the IPv6 form of the source, plain Ethernet) and prints
  the TESTLIST lines (same format as gen-edge.py's) on stdout.  Expected facts are
  tshark's on the source (or on its IPv6 form).
"""
import importlib.util
import json
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("gen_edge", os.path.join(here, "gen-edge.py"))
ge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ge)

MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
OUT4 = (bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
OUT6 = (bytes.fromhex("20010db8" + "0" * 23 + "1"), bytes.fromhex("20010db8" + "0" * 23 + "2"))
MID4 = (bytes([192, 168, 50, 1]), bytes([192, 168, 50, 2]))


def ipv4(src, dst, proto, payload, ident=0):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto,
                      0, src, dst)
    return hdr[:10] + struct.pack(">H", ge.csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nh, payload):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload


def udp4(src, dst, sport, dport, payload):
    seg = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = ge.csum(src + dst + struct.pack(">BBH", 0, 17, len(seg)) + seg) or 0xFFFF
    return seg[:6] + struct.pack(">H", c) + seg[8:]


def eth(dst, src, et, payload):
    return dst + src + struct.pack(">H", et) + payload


def inner_ip(p):
    return ge.ip_bytes(p)


def inner_eth(p):
    return ge.link_bytes(p, "eth")


class Wrap:
    """Per-packet wrapping: d is the direction (0: as the first packet, 1: back)."""

    def __init__(self, first):
        self.first = (first.src, first.sport)
        self.n = 0

    def dir(self, p):
        return 0 if (p.src, p.sport) == self.first else 1


def outer_eth4(d, proto, payload, ident):
    s, t = OUT4 if d == 0 else OUT4[::-1]
    m1, m2 = (MAC_A, MAC_B) if d == 0 else (MAC_B, MAC_A)
    return eth(m2, m1, 0x0800, ipv4(s, t, proto, payload, ident))


def outer_eth6(d, nh, payload):
    s, t = OUT6 if d == 0 else OUT6[::-1]
    m1, m2 = (MAC_A, MAC_B) if d == 0 else (MAC_B, MAC_A)
    return eth(m2, m1, 0x86DD, ipv6(s, t, nh, payload))


def vxlan(vni, payload):
    return struct.pack(">BBHI", 0x08, 0, 0, vni << 8) + payload


def geneve(vni, payload):
    opt = struct.pack(">HBB", 0x0103, 0x80, 1) + b"\x00\x00\x00\x2a"   # one 4-byte option
    return struct.pack(">BBHI", len(opt) // 4, 0, 0x6558, vni << 8) + opt + payload


def gre(proto, payload, key=None, seq=None, csum=False):
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | \
            (0x1000 if seq is not None else 0)
    h = struct.pack(">HH", flags, proto)
    opt = b""
    if csum:
        opt += b"\0\0\0\0"
    if key is not None:
        opt += struct.pack(">I", key)
    if seq is not None:
        opt += struct.pack(">I", seq)
    g = h + opt + payload
    if csum:
        c = ge.csum(g)
        g = g[:4] + struct.pack(">H", c) + g[6:]
    return g


def erspan2(session, index, payload):
    return struct.pack(">HHI", (1 << 12) | 0, session & 0x3FF, index & 0xFFFFF) + payload


def erspan3(session, ts, payload):
    # ver 2, vlan 0 | cos 0 bso 0 t 0 session | timestamp | sgt 0 | p0 ft0 hw 1 d0 gra 3 o0
    w = (0 << 15) | (0 << 10) | (1 << 4) | (0 << 3) | (3 << 1) | 0
    return struct.pack(">HHIHH", 2 << 12, session & 0x3FF, ts & 0xFFFFFFFF, 0, w) + payload


def mpls(labels, payload):
    out = b""
    for i, l in enumerate(labels):
        bottom = 1 if i == len(labels) - 1 else 0
        out += struct.pack(">I", (l << 12) | (0 << 9) | (bottom << 8) | 64)
    return out + payload


def pppoe(session, ppp_payload):
    return struct.pack(">BBHHH", 0x11, 0x00, session, len(ppp_payload) + 2, 0x0021) + ppp_payload


def gtpu(teid, payload):
    ext = bytes([1, 0x00, 0x09, 0])   # PDU session container: len 1, QFI 9, no next
    body = struct.pack(">HBB", 0, 0, 0x85) + ext + payload
    return struct.pack(">BBHI", 0x34, 0xFF, len(body), teid) + body


def wlan(d, p, seq):
    if d == 0:
        # to DS, plain data: addr1 BSSID, addr2 SA, addr3 DA
        hdr = struct.pack("<BBH", 0x08, 0x01, 0) + MAC_B + MAC_A + MAC_B + struct.pack("<H", seq << 4)
    else:
        # from DS, QoS data: addr1 DA, addr2 BSSID, addr3 SA; QoS control TID 5
        hdr = struct.pack("<BBH", 0x88, 0x02, 0) + MAC_A + MAC_B + MAC_B + \
              struct.pack("<H", seq << 4) + struct.pack("<H", 5)
    et = 0x0800 if p.af == 4 else 0x86DD
    return hdr + bytes([0xAA, 0xAA, 0x03, 0, 0, 0]) + struct.pack(">H", et) + inner_ip(p)


def nflog(p):
    ip = inner_ip(p)
    def tlv(t, v):
        n = 4 + len(v)
        return struct.pack("<HH", n, t) + v + b"\0" * (-n % 4)
    return struct.pack(">BBH", 2, 0, 7) + tlv(1, struct.pack(">HBB", 0x0800, 1, 0)) + \
        tlv(10, b"ws\0") + tlv(9, ip)


LT = {"eth": 1, "wlan": 105, "radiotap": 127, "ppp": 9, "ppp-hdlc": 50, "nflog": 239}


def frames_for(variant, pkts):
    w = Wrap(pkts[0])
    out = []
    for i, p in enumerate(pkts):
        d = w.dir(p)
        ts = p.ts
        ident = 0x100 + i
        if variant == "vxlan":
            f = outer_eth4(d, 17, udp4(*(OUT4 if d == 0 else OUT4[::-1]), 49152 + d, 4789,
                                       vxlan(100, inner_eth(p))), ident)
        elif variant == "vxlan-two":
            for k, vni in enumerate((100, 200)):
                f = outer_eth4(d, 17, udp4(*(OUT4 if d == 0 else OUT4[::-1]), 49152 + d, 4789,
                                           vxlan(vni, inner_eth(p))), ident + k)
                out.append((ts, f))   # interleaved with the first tunnel's copy
            continue
        elif variant == "geneve":
            f = outer_eth4(d, 17, udp4(*(OUT4 if d == 0 else OUT4[::-1]), 50000 + d, 6081,
                                       geneve(0x1234, inner_eth(p))), ident)
        elif variant == "gre":
            f = outer_eth4(d, 47, gre(0x0800, inner_ip(p)), ident)
        elif variant == "gre-key":
            f = outer_eth4(d, 47, gre(0x0800, inner_ip(p), key=42), ident)
        elif variant == "gre-seq":
            f = outer_eth4(d, 47, gre(0x0800, inner_ip(p), seq=i, csum=True), ident)
        elif variant == "erspan2":
            f = outer_eth4(d, 47, gre(0x88BE, erspan2(7, i, inner_eth(p)), seq=i), ident)
        elif variant == "erspan3":
            f = outer_eth4(d, 47, gre(0x22EB, erspan3(9, i * 1000, inner_eth(p)), seq=i), ident)
        elif variant == "ipip":
            f = outer_eth4(d, 4, inner_ip(p), ident)
        elif variant == "6in4":
            f = outer_eth4(d, 41, inner_ip(p), ident)
        elif variant == "4in6":
            f = outer_eth6(d, 4, inner_ip(p))
        elif variant == "6in6":
            f = outer_eth6(d, 41, inner_ip(p))
        elif variant == "mpls":
            f = eth(MAC_B, MAC_A, 0x8847, mpls([1000 + d, 2000 + d], inner_ip(p)))
        elif variant == "pppoe":
            f = eth(MAC_B, MAC_A, 0x8864, pppoe(0x1234, inner_ip(p)))
        elif variant == "gtpu":
            f = outer_eth4(d, 17, udp4(*(OUT4 if d == 0 else OUT4[::-1]), 2152, 2152,
                                       gtpu(0x1000 + d, inner_ip(p))), ident)
        elif variant == "vxlan-in-gre":
            s, t = MID4 if d == 0 else MID4[::-1]
            mid = ipv4(s, t, 17, udp4(s, t, 49152 + d, 4789, vxlan(300, inner_eth(p))), ident)
            f = outer_eth4(d, 47, gre(0x0800, mid, key=5), ident)
        elif variant == "too-deep":
            f = inner_ip(p)
            for k in range(9):
                f = ipv4(bytes([10, 9, k, 1]), bytes([10, 9, k, 2]), 4, f, ident)
            f = eth(MAC_B, MAC_A, 0x0800, f)
        elif variant == "wlan":
            f = wlan(d, p, i)
        elif variant == "radiotap":
            f = struct.pack("<BBHI", 0, 0, 8, 0) + wlan(d, p, i)
        elif variant == "ppp":
            f = b"\xff\x03\x00\x21" + inner_ip(p)
        elif variant == "ppp-hdlc":
            f = b"\xff\x03\x00\x21" + inner_ip(p)
        elif variant == "nflog":
            f = nflog(p)
        else:
            raise ge.GenError("unknown variant " + variant)
        out.append((ts, f))
    return out


# variant -> (inner IPv6?, link type)
VARIANTS = {
    "vxlan": (False, "eth"), "vxlan-two": (False, "eth"), "geneve": (False, "eth"),
    "gre": (False, "eth"), "gre-key": (False, "eth"), "gre-seq": (False, "eth"),
    "erspan2": (False, "eth"), "erspan3": (False, "eth"), "ipip": (False, "eth"),
    "6in4": (True, "eth"), "4in6": (False, "eth"), "6in6": (True, "eth"),
    "mpls": (False, "eth"), "pppoe": (False, "eth"), "gtpu": (False, "eth"),
    "vxlan-in-gre": (False, "eth"), "too-deep": (False, "eth"),
    "wlan": (False, "wlan"), "radiotap": (False, "radiotap"), "ppp": (False, "ppp"),
    "ppp-hdlc": (False, "ppp-hdlc"), "nflog": (False, "nflog"),
}


_plain_rows = ge.tshark_rows


def inner_rows(inner_af):
    """tshark_rows for tunnels: every field holds its innermost occurrence, and only
    the inner IP version's addresses."""
    def rows(paths):
        rs, err = _plain_rows(paths)
        for r in rs:
            for k in ("ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport"):
                r[k] = r[k].split("\x1f")[-1]
            for k in (("ipv6.src", "ipv6.dst") if inner_af == 4 else ("ip.src", "ip.dst")):
                r[k] = ""
        return rs, err
    return rows


def ws_frames(path, extra=None):
    import subprocess
    cmd = ["tshark", "-n", "-r", path] + ge.TSHARK_OPTS + ["-Y", extra or "websocket"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return len(r.stdout.splitlines())


def verify(testlist, datadir, srcdir):
    import subprocess
    import tempfile
    bad = 0
    for line in open(testlist):
        if not line.strip() or line.startswith("#"):
            continue
        name, fname, expected, ref = line.rstrip("\n").split("\t")[:4]
        path = os.path.join(datadir, fname)
        refpath = os.path.join(datadir, ref)
        if not os.path.exists(refpath):
            refpath = os.path.join(srcdir, ref)
        exp = [json.loads(l) for l in open(os.path.join(datadir, expected)) if l.strip()]
        v6 = any(":" in e["client_ip"] for e in exp)
        notes = []
        parts = [path]
        tmpdir = tempfile.mkdtemp()
        if name == "tun-vxlan-two":
            # tshark keys TCP streams without the tunnel: one tunnel at a time
            parts = []
            for vni in (100, 200):
                t = os.path.join(tmpdir, "vni%d.pcap" % vni)
                subprocess.run(["tshark", "-r", path, "-Y", "vxlan.vni == %d" % vni, "-F", "pcap",
                                "-w", t], check=True, capture_output=True)
                parts.append(t)
        want = ws_frames(refpath) * len(parts)
        got = sum(ws_frames(part) for part in parts)
        if name != "tun-too-deep" and got != want:
            notes.append("tshark: %d WebSocket frames, %d in the reference" % (got, want))
        ge.tshark_rows = inner_rows(6 if v6 else 4)
        facts = []
        for part in parts:
            facts += ge.tshark_facts([part])[0]
        ge.tshark_rows = _plain_rows
        for t in os.listdir(tmpdir):
            os.unlink(os.path.join(tmpdir, t))
        os.rmdir(tmpdir)
        if name == "tun-too-deep":
            # tshark goes down every level: the connection is there, we do not follow
            if not facts:
                notes.append("tshark sees no connection inside the nine tunnels")
        else:
            for e in exp:
                f = [x for x in facts if x["client"] == e["client"] and x["server"] == e["server"]]
                if not f:
                    notes.append("tshark: no WebSocket connection %s -> %s" % (e["client"], e["server"]))
                    continue
                diffs = [k for k in ge.KEYS if k in e and e[k] != f[0][k]]
                if diffs:
                    notes.append("tshark differs in " + ",".join(diffs))
            if len(facts) != len(exp):
                notes.append("tshark sees %d connections, expected %d" % (len(facts), len(exp)))
        bad += bool(notes)
        print("%-20s %s %s" % (name, "DIFF" if notes else "ok", " | ".join(notes)))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "verify":
        return verify(argv[2], argv[3], argv[4])
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, outdir = argv[1], argv[2]
    pkts = [p for p in ge.load(source) if p.is_tcp]
    conns = ge.find_conns(pkts)
    facts4, _ = ge.tshark_facts([source])
    if not facts4:
        raise ge.GenError("%s: tshark sees no WebSocket connection" % source)
    pkts6, fx, _ = ge.t_ipv6(pkts, conns)
    facts6 = [dict(e) for e in facts4]
    for e in facts6:
        fx(e)
    os.makedirs(outdir, exist_ok=True)
    ref6 = os.path.join(outdir, "tun-ref-v6.pcap")
    with open(ref6, "wb") as f:
        f.write(ge.pcap_bytes([(p.ts, ge.link_bytes(p, "eth")) for p in pkts6], 1))
    for name, (v6, link) in VARIANTS.items():
        frames = frames_for(name, pkts6 if v6 else pkts)
        fname = "tun-%s.pcap" % name
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(ge.pcap_bytes(frames, LT[link]))
        facts = [dict(e) for e in (facts6 if v6 else facts4)]
        if name == "vxlan-two":
            facts = facts + [dict(e) for e in facts]
        if name == "too-deep":
            facts = []
        with open(os.path.join(outdir, "tun-%s.expected.jsonl" % name), "w") as f:
            for e in facts:
                f.write(json.dumps(ge.finish_fact(e), sort_keys=True) + "\n")
        ref = "tun-ref-v6.pcap" if v6 else os.path.basename(source)
        print("tun-%s\t%s\ttun-%s.expected.jsonl\t%s\tpackets=%d" % (name, fname, name, ref,
                                                                     len(frames)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ge.GenError as e:
        print("gen-tunnels: %s" % e, file=sys.stderr)
        sys.exit(1)
