#!/usr/bin/python3
"""Derive TCP and link-layer edge cases for wsclosed from a clean source capture.

Deterministic (no randomness, no clock): the same source always gives the same bytes.
Stdlib only. Reads classic pcap (either byte order, micro- or nanosecond magic) and
pcapng, optionally gzip-compressed, with link types Ethernet (incl. 802.1Q/802.1ad),
Linux SLL/SLL2, NULL/loopback and raw IP.

usage:
  gen-edge.py gen VARIANT SOURCE OUTDIR [--facts FACTS.jsonl] [--name NAME] [--second SOURCE2]
      Write OUTDIR/NAME.<ext> (one or more capture files), OUTDIR/NAME.expected.jsonl
      and print one TESTLIST line (name, files, expected, extra facts) on stdout.
      FACTS.jsonl: the source's facts (zeek corpus expected.jsonl, or the output of the
      `facts` command); lines whose "file" matches the source's base name are used.
  gen-edge.py facts CAPTURE...
      Print the facts tshark decodes for every WebSocket connection (JSON Lines).
  gen-edge.py verify TESTLIST DATADIR
      Read every capture with tshark and tcpdump; compare tshark's facts with the
      expected ones; print a table of agreements and differences.
  gen-edge.py variants
      List the variant names.

Every capture written here has correct IPv4/IPv6 and TCP checksums (loopback captures
usually carry unfinished ones; they are recomputed for all packets).
"""
import gzip
import json
import os
import struct
import subprocess
import sys

# ---------------------------------------------------------------------------
# Capture reading

LT_NULL, LT_EN10MB, LT_RAW, LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6, LT_SLL2 = 0, 1, 101, 108, 113, 228, 229, 276


class GenError(Exception):
    pass


def read_capture(path):
    """Return (linktype, [(ts_ns, data, orig_len)]) for a pcap or pcapng file."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 24:
        raise GenError("%s: too short for a capture" % path)
    magic = raw[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(path, raw)
    forms = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
             b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1)}
    if magic not in forms:
        raise GenError("%s: not a pcap or pcapng file" % path)
    bo, mult = forms[magic]
    linktype = struct.unpack(bo + "I", raw[20:24])[0] & 0x0FFFFFFF
    pkts = []
    off = 24
    while off + 16 <= len(raw):
        sec, frac, caplen, olen = struct.unpack(bo + "IIII", raw[off:off + 16])
        if off + 16 + caplen > len(raw):
            break  # truncated record: stop like libpcap does
        pkts.append((sec * 1000000000 + frac * mult, raw[off + 16:off + 16 + caplen], olen))
        off += 16 + caplen
    return linktype, pkts


def read_pcapng(path, raw):
    linktypes, tsres, pkts = [], [], []
    bo = "<"
    off = 0
    while off + 12 <= len(raw):
        btype = struct.unpack(bo + "I", raw[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bo = "<" if raw[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            linktypes, tsres = [], []
        blen = struct.unpack(bo + "I", raw[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(raw):
            break
        body = raw[off + 8:off + blen - 4]
        if btype == 1:  # IDB
            linktypes.append(struct.unpack(bo + "H", body[:2])[0])
            res = 6
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(bo + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    res = body[o + 4]
                o += 4 + ((olen + 3) & ~3)
            tsres.append(res)
        elif btype == 6:  # EPB
            ifid, hi, lo, caplen, olen = struct.unpack(bo + "IIIII", body[:20])
            ticks = (hi << 32) | lo
            res = tsres[ifid]
            if res & 0x80:
                ns = ticks * 1000000000 // (1 << (res & 0x7F))
            else:
                ns = ticks * 1000000000 // (10 ** res)
            pkts.append((ns, body[20:20 + caplen], olen, linktypes[ifid]))
        elif btype == 3:  # SPB
            olen = struct.unpack(bo + "I", body[:4])[0]
            pkts.append((0, body[4:4 + olen], olen, linktypes[0]))
        off += blen
    lts = {p[3] for p in pkts}
    if len(lts) > 1:
        raise GenError("%s: several link types in one pcapng file" % path)
    return (lts.pop() if lts else LT_EN10MB), [p[:3] for p in pkts]


# ---------------------------------------------------------------------------
# Packets

class Pkt:
    """One packet: IP + TCP fields decoded, or an opaque L3 payload (other)."""
    __slots__ = ("ts", "af", "src", "dst", "tos", "ipid", "ipfrag", "ttl", "sport", "dport",
                 "seq", "ack", "flags", "win", "urp", "opts", "payload", "smac", "dmac",
                 "other", "olen_extra")

    def copy(self, **kw):
        p = Pkt()
        for s in Pkt.__slots__:
            setattr(p, s, getattr(self, s))
        for k, v in kw.items():
            setattr(p, k, v)
        return p

    @property
    def is_tcp(self):
        return self.other is None

    def key(self):
        return (self.src, self.sport, self.dst, self.dport)

    def seglen(self):
        return len(self.payload) + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def strip_link(linktype, data):
    """Return (ethertype, l3 bytes, smac, dmac) or None for packets we do not carry."""
    smac = dmac = b"\0" * 6
    if linktype == LT_EN10MB:
        if len(data) < 14:
            return None
        dmac, smac = data[0:6], data[6:12]
        et = struct.unpack(">H", data[12:14])[0]
        off = 14
        while et in (0x8100, 0x88A8, 0x9100) and off + 4 <= len(data):
            et = struct.unpack(">H", data[off + 2:off + 4])[0]
            off += 4
        return et, data[off:], smac, dmac
    if linktype == LT_SLL:
        return struct.unpack(">H", data[14:16])[0], data[16:], smac, dmac
    if linktype == LT_SLL2:
        return struct.unpack(">H", data[0:2])[0], data[20:], smac, dmac
    if linktype in (LT_NULL, LT_LOOP):
        fam = struct.unpack("<I" if linktype == LT_NULL and data[0] != 0 else ">I", data[:4])[0]
        return (0x0800 if fam == 2 else 0x86DD), data[4:], smac, dmac
    if linktype in (LT_RAW, LT_IPV4, LT_IPV6):
        return (0x0800 if data[0] >> 4 == 4 else 0x86DD), data, smac, dmac
    raise GenError("unsupported link type %d" % linktype)


def decode(linktype, ts, data, olen):
    r = strip_link(linktype, data)
    if r is None:
        return None
    et, l3, smac, dmac = r
    p = Pkt()
    for s in Pkt.__slots__:
        setattr(p, s, None)
    p.ts, p.smac, p.dmac, p.other = ts, smac, dmac, None
    p.olen_extra = 0
    if et == 0x0800 and len(l3) >= 20 and l3[0] >> 4 == 4:
        ihl = (l3[0] & 15) * 4
        tot = struct.unpack(">H", l3[2:4])[0]
        p.af, p.tos, p.ipid, p.ipfrag, p.ttl = 4, l3[1], struct.unpack(">H", l3[4:6])[0], \
            struct.unpack(">H", l3[6:8])[0], l3[8]
        proto = l3[9]
        p.src, p.dst = l3[12:16], l3[16:20]
        l4 = l3[ihl:tot]
    elif et == 0x86DD and len(l3) >= 40:
        p.af, p.tos, p.ipid, p.ipfrag, p.ttl = 6, 0, 0, 0, l3[7]
        plen = struct.unpack(">H", l3[4:6])[0]
        proto = l3[6]
        p.src, p.dst = l3[8:24], l3[24:40]
        off = 40
        while proto in (0, 43, 60) and off + 8 <= len(l3):
            proto, hl = l3[off], (l3[off + 1] + 1) * 8
            off += hl
        l4 = l3[off:40 + plen]
    else:
        p.other = (et, l3)
        return p
    if proto != 6 or len(l4) < 20:
        p.other = (et, l3)
        return p
    p.sport, p.dport, p.seq, p.ack, offflags, p.win, _, p.urp = struct.unpack(">HHIIHHHH", l4[:20])
    doff = (offflags >> 12) * 4
    p.flags = offflags & 0x0FFF
    p.opts = l4[20:doff]
    p.payload = l4[doff:]
    return p


def load(path):
    lt, raw = read_capture(path)
    out = []
    for ts, data, olen in raw:
        if len(data) != olen:
            raise GenError("%s: source packets must not be truncated" % path)
        p = decode(lt, ts, data, olen)
        if p is not None:
            out.append(p)
    return out


# ---------------------------------------------------------------------------
# Packet writing

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp_bytes(p, pseudo):
    opts = p.opts + b"\0" * (-len(p.opts) % 4)
    hdr = struct.pack(">HHIIHHHH", p.sport, p.dport, p.seq & 0xFFFFFFFF, p.ack & 0xFFFFFFFF,
                      ((5 + len(opts) // 4) << 12) | p.flags, p.win, 0, p.urp) + opts
    seg = hdr + p.payload
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack(">H", c) + seg[18:]


def ip_bytes(p, ext=None):
    """Serialise IP + TCP. ext: list of (next-header-type, bytes) IPv6 extension headers."""
    if p.other is not None:
        return p.other[1]
    if p.af == 4:
        tcplen = 20 + len(p.opts) + (-len(p.opts) % 4) + len(p.payload)
        pseudo = p.src + p.dst + struct.pack(">BBH", 0, 6, tcplen)
        seg = tcp_bytes(p, pseudo)
        hdr = struct.pack(">BBHHHBBH4s4s", 0x45, p.tos, 20 + len(seg), p.ipid, p.ipfrag, p.ttl, 6,
                          0, p.src, p.dst)
        hdr = hdr[:10] + struct.pack(">H", csum(hdr)) + hdr[12:]
        return hdr + seg
    tcplen = 20 + len(p.opts) + (-len(p.opts) % 4) + len(p.payload)
    pseudo = p.src + p.dst + struct.pack(">IxxxB", tcplen, 6)
    seg = tcp_bytes(p, pseudo)
    chain = b""
    first = 6
    if ext:
        first = ext[0][0]
        for i, (_, body) in enumerate(ext):
            nxt = ext[i + 1][0] if i + 1 < len(ext) else 6
            chain += bytes([nxt]) + body[1:]
    return struct.pack(">IHBB16s16s", 0x60000000, len(chain) + len(seg), first, p.ttl,
                       p.src, p.dst) + chain + seg


def ext_chain():
    """Hop-by-hop (8 bytes, PadN) + destination options (16 bytes, PadN)."""
    hbh = bytes([0, 0, 1, 4, 0, 0, 0, 0])
    dst = bytes([0, 1, 1, 12]) + b"\0" * 12
    return [(0, hbh), (60, dst)]


def link_bytes(p, link, ext=None, family=None):
    l3 = ip_bytes(p, ext)
    et = p.other[0] if p.other is not None else (0x0800 if p.af == 4 else 0x86DD)
    if link == "eth":
        return p.dmac + p.smac + struct.pack(">H", et) + l3
    if link == "vlan":
        return p.dmac + p.smac + struct.pack(">HHH", 0x8100, 0x0064, et) + l3  # VID 100
    if link == "qinq":
        return p.dmac + p.smac + struct.pack(">HHHHH", 0x88A8, 0x00C8, 0x8100, 0x0064, et) + l3
    if link == "sll":
        # packet type 0 (to us) / 4 (sent by us): loopback shows both; use "sent by us"
        return struct.pack(">HHH", 4, 772, 6) + b"\0" * 8 + struct.pack(">H", et) + l3
    if link == "sll2":
        return struct.pack(">HHIHBB", et, 0, 1, 772, 4, 6) + b"\0" * 8 + l3
    if link == "null":
        fam = family if family is not None else (2 if et == 0x0800 else 24)
        return struct.pack("<I", fam) + l3
    if link == "null-be":
        return struct.pack(">I", 2 if et == 0x0800 else 24) + l3
    if link == "raw":
        return l3
    raise GenError("unknown link %s" % link)


LINKTYPE = {"eth": LT_EN10MB, "vlan": LT_EN10MB, "qinq": LT_EN10MB, "sll": LT_SLL,
            "sll2": LT_SLL2, "null": LT_NULL, "null-be": LT_NULL, "raw": LT_RAW}


def pcap_bytes(frames, linktype, snaplen=262144, nano=False, big=False):
    bo = ">" if big else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(bo + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for ts, data in frames:
        cap = data[:snaplen]
        frac = ts % 1000000000 if nano else (ts % 1000000000) // 1000
        out.append(struct.pack(bo + "IIII", ts // 1000000000, frac, len(cap), len(data)) + cap)
    return b"".join(out)


def pcapng_bytes(frames, linktype):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack("<HHI", linktype, 0, 262144))]
    for ts, data in frames:
        us = ts // 1000
        out.append(block(6, struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF, len(data),
                                        len(data)) + data))
    return b"".join(out)


# ---------------------------------------------------------------------------
# Connections and streams

M32 = 0xFFFFFFFF


class Conn:
    """A TCP connection of the source: endpoints, ISNs, per-direction streams and frames."""

    def __init__(self, pkts, key):
        self.key = key  # (client ip, client port, server ip, server port)
        self.cli = (key[0], key[1])
        self.srv = (key[2], key[3])
        self.isn = {}
        self.data = {0: {}, 1: {}}  # dir -> {offset: byte chunk}
        for p in pkts:
            d = self.dir(p)
            if d is None:
                continue
            if p.flags & SYN:
                self.isn[d] = p.seq
        for d in (0, 1):
            if d not in self.isn:
                first = next(p for p in pkts if self.dir(p) == d)
                self.isn[d] = (first.seq - 1) & M32
        for p in pkts:
            d = self.dir(p)
            if d is None or not p.payload:
                continue
            off = self.off(p)
            for i, b in enumerate(p.payload):
                self.data[d].setdefault(off + i, b)
        self.stream = {}
        for d in (0, 1):
            buf = bytearray()
            while len(buf) in self.data[d]:
                buf.append(self.data[d][len(buf)])
            self.stream[d] = bytes(buf)
        self.hs_end = {d: find_hs_end(self.stream[d]) for d in (0, 1)}
        self.frames = {d: parse_frames(self.stream[d], self.hs_end[d]) for d in (0, 1)}

    def dir(self, p):
        if not p.is_tcp:
            return None
        if (p.src, p.sport) == self.cli and (p.dst, p.dport) == self.srv:
            return 0
        if (p.src, p.sport) == self.srv and (p.dst, p.dport) == self.cli:
            return 1
        return None

    def off(self, p):
        """Stream offset of the packet's first payload byte (SYN not counted)."""
        d = self.dir(p)
        o = (p.seq - self.isn[d] - 1) & M32
        if p.flags & SYN:
            o = (o + 1) & M32
        return o if o < 0x80000000 else o - (1 << 32)

    def seq_at(self, d, off):
        return (self.isn[d] + 1 + off) & M32


def find_hs_end(s):
    if s.startswith(b"GET ") or s.startswith(b"HTTP/"):
        i = s.find(b"\r\n\r\n")
        return i + 4 if i >= 0 else None
    return None


class Frame:
    __slots__ = ("start", "hlen", "plen", "opcode", "mask", "fin")

    @property
    def end(self):
        return self.start + self.hlen + self.plen


def parse_frames(s, pos):
    frames = []
    if pos is None:
        return frames
    while pos + 2 <= len(s):
        b0, b1 = s[pos], s[pos + 1]
        ln = b1 & 0x7F
        h = 2
        if ln == 126:
            if pos + 4 > len(s):
                break
            ln = struct.unpack(">H", s[pos + 2:pos + 4])[0]
            h = 4
        elif ln == 127:
            if pos + 10 > len(s):
                break
            ln = struct.unpack(">Q", s[pos + 2:pos + 10])[0]
            h = 10
        mask = None
        if b1 & 0x80:
            mask = s[pos + h:pos + h + 4]
            h += 4
        if pos + h + ln > len(s):
            break
        f = Frame()
        f.start, f.hlen, f.plen, f.opcode, f.mask, f.fin = pos, h, ln, b0 & 0x0F, mask, bool(b0 & 0x80)
        frames.append(f)
        pos += h + ln
    return frames


def find_conns(pkts):
    """Connections in order of first packet; the client sent the SYN (or the GET)."""
    seen = {}
    order = []
    for p in pkts:
        if not p.is_tcp:
            continue
        k = p.key()
        rk = (p.dst, p.dport, p.src, p.sport)
        if k in seen or rk in seen:
            continue
        if p.flags & SYN and not p.flags & ACK:
            ck = k
        elif p.flags & SYN:
            ck = rk
        elif p.payload.startswith(b"GET "):
            ck = k
        elif p.payload.startswith(b"HTTP/"):
            ck = rk
        else:
            ck = k
        seen[ck] = True
        order.append(ck)
    return [Conn(pkts, k) for k in order]


def ep(addr, port):
    if len(addr) == 4:
        return ".".join(str(b) for b in addr), port
    import ipaddress
    return str(ipaddress.IPv6Address(addr)), port


def ep_str(addr, port):
    ip, port = ep(addr, port)
    return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)


# ---------------------------------------------------------------------------
# Segment-level helpers

def is_data(p):
    return p.is_tcp and (len(p.payload) > 0 or p.flags & FIN) and not p.flags & (SYN | RST)


def segment(conn, proto, d, lo, hi, data=None):
    """A packet of direction d carrying stream bytes [lo, hi) (data overrides them)."""
    if data is None:
        data = conn.stream[d][lo:hi]
    assert len(data) == hi - lo
    return proto.copy(seq=conn.seq_at(d, lo), payload=bytes(data), flags=(proto.flags & ~(FIN | SYN)) | ACK)


def split_packet(conn, p, cuts):
    """Split a data packet at stream offsets `cuts` (inside it); PSH/FIN stay on the last."""
    d = conn.dir(p)
    o = conn.off(p)
    bounds = [o] + sorted(c for c in cuts if o < c < o + len(p.payload)) + [o + len(p.payload)]
    out = []
    for i in range(len(bounds) - 1):
        last = i == len(bounds) - 2
        q = p.copy(seq=conn.seq_at(d, bounds[i]), payload=p.payload[bounds[i] - o:bounds[i + 1] - o])
        if not last:
            q.flags = p.flags & ~(FIN | PSH)
        out.append(q)
    return out


def fix_times(pkts):
    """Keep the file in non-decreasing time order (a capture records arrival order)."""
    for i in range(1, len(pkts)):
        if pkts[i].ts < pkts[i - 1].ts:
            pkts[i].ts = pkts[i - 1].ts
    return pkts


def conn_of(conns, p):
    for c in conns:
        if c.dir(p) is not None:
            return c
    return None


# ---------------------------------------------------------------------------
# TCP transformations. Each returns (packets, fact-edit function or None, extra dict).

def t_reordered(pkts, conns, fine=False):
    """Swap adjacent data segments of the same direction (runs of consecutive packets).
    fine=True first cuts every data segment into pieces of at most 16 bytes."""
    if fine:
        cut = []
        for p in pkts:
            c = conn_of(conns, p)
            if c and is_data(p) and len(p.payload) > 16:
                o = c.off(p)
                cut.extend(split_packet(c, p, range(o + 16, o + len(p.payload), 16)))
            else:
                cut.append(p)
        pkts = cut
    out = list(pkts)
    i = 0
    swaps = 0
    while i + 1 < len(out):
        a, b = out[i], out[i + 1]
        if is_data(a) and is_data(b) and a.key() == b.key():
            out[i], out[i + 1] = b.copy(ts=a.ts), a.copy(ts=b.ts)
            swaps += 1
            i += 2
        else:
            i += 1
    if swaps == 0:
        raise GenError("reordered: no two adjacent data segments of one direction")
    return out, None, {"swaps": swaps}


def t_duplicated(pkts, conns):
    """Retransmit: every data segment is sent again after the next packet; the SYN too."""
    out = []
    pending = []
    n = 0
    for p in pkts:
        out.append(p)
        for q in pending:
            out.append(q.copy(ts=p.ts))
        pending = []
        if is_data(p) or (p.is_tcp and p.flags & SYN and not p.flags & ACK):
            pending.append(p.copy())
            n += 1
    out.extend(pending)
    return out, None, {"retransmissions": n}


def t_overlap(pkts, conns, k=3):
    """For each data segment S=[o, o+len): a retransmission covering [o-k, o+len+k)
    (clipped to the stream) with the same bytes, sent just before the next data segment
    of that direction (or after S for the last one), so it overlaps both neighbours."""
    out = []
    extra = 0
    # index of the next data packet of the same direction
    idx_next = {}
    last_seen = {}
    for i, p in enumerate(pkts):
        if is_data(p) and p.payload:
            if p.key() in last_seen:
                idx_next[last_seen[p.key()]] = i
            last_seen[p.key()] = i
    inserts = {}
    for i, p in enumerate(pkts):
        if not (is_data(p) and p.payload):
            continue
        c = conn_of(conns, p)
        d = c.dir(p)
        o = c.off(p)
        lo = max(0, o - k)
        hi = min(len(c.stream[d]), o + len(p.payload) + k)
        r = segment(c, p, d, lo, hi)
        r.flags |= PSH
        at = idx_next.get(i, i + 1)
        inserts.setdefault(at, []).append(r)
        extra += 1
    for i, p in enumerate(pkts):
        for r in inserts.get(i, []):
            out.append(r.copy(ts=p.ts))
        out.append(p)
    for r in inserts.get(len(pkts), []):
        out.append(r.copy(ts=pkts[-1].ts))
    return out, None, {"overlapping_retransmissions": extra}


def first_close(conns):
    """(conn, direction, frame, packet index) of the first close frame with a code."""
    best = None
    for c in conns:
        for d in (0, 1):
            for f in c.frames[d]:
                if f.opcode == 8:
                    best = best or []
                    best.append((c, d, f))
                    break
    return best or []


def altered_code(code):
    return 4001 if code != 4001 else 4002


def close_code_bytes(c, d, f, new):
    """Stream bytes [f.start, f.end) with the close code changed to `new`."""
    raw = bytearray(c.stream[d][f.start:f.end])
    if f.plen < 2:
        raise GenError("overlap-diff: the first close frame has no code")
    want = struct.pack(">H", new)
    for i in range(2):
        m = f.mask[i] if f.mask else 0
        raw[f.hlen + i] = want[i] ^ m
    return bytes(raw)


def orig_close_code(c, d, f):
    b = c.stream[d][f.start + f.hlen:f.start + f.hlen + 2]
    if f.mask:
        b = bytes(x ^ f.mask[i] for i, x in enumerate(b))
    return struct.unpack(">H", b)[0]


def locate_close(pkts, conns):
    """The first close frame on the wire: (index of its packet, conn, dir, frame)."""
    for i, p in enumerate(pkts):
        c = conn_of(conns, p)
        if not c or not p.payload:
            continue
        d = c.dir(p)
        o = c.off(p)
        for f in c.frames[d]:
            if f.opcode == 8 and o <= f.start and f.end <= o + len(p.payload):
                return i, c, d, f
    raise GenError("no close frame carried whole by one segment")


def t_overlap_diff(pkts, conns, early, k=3):
    """A segment with DIFFERENT bytes overlapping the first close frame.
    late: the original arrives first, then [start-k, end) with another close code and the
    k bytes before it changed: first-received wins, so the facts do not change.
    early: the altered copy of [start, end) arrives first, the original right after it
    as a retransmission: first-received wins, so the altered code is what counts."""
    i, c, d, f = locate_close(pkts, conns)
    p = pkts[i]
    code = orig_close_code(c, d, f)
    new = altered_code(code)
    o = c.off(p)
    out = list(pkts)
    if early:
        alt = c.stream[d][o:f.start] + close_code_bytes(c, d, f, new) + c.stream[d][f.end:o + len(p.payload)]
        q = p.copy(payload=alt)
        out.insert(i, q)
        fx = lambda e: e.update(close_code=new) if (e["client"], e["server"]) == conn_ids(c) else None
        return out, fx, {"close_code_first": new, "close_code_retransmitted": code}
    lo = max(0, f.start - k)
    pre = bytes(b ^ 0x5A for b in c.stream[d][lo:f.start])
    alt = pre + close_code_bytes(c, d, f, new)
    r = segment(c, p, d, lo, f.end, alt)
    r.flags |= PSH
    out.insert(i + 1, r.copy(ts=p.ts))
    return out, None, {"close_code_first": code, "close_code_retransmitted": new}


def conn_ids(c):
    return ep_str(*c.cli), ep_str(*c.srv)


def t_midstream(pkts, conns):
    """Drop everything before the first WebSocket frame after the 101 (both directions);
    a segment holding the end of the 101 and the first frame is trimmed."""
    c0 = None
    start = None
    for i, p in enumerate(pkts):
        c = conn_of(conns, p)
        if not c or not p.payload:
            continue
        d = c.dir(p)
        if not c.frames[d]:
            continue
        fs = c.frames[d][0].start
        o = c.off(p)
        if o + len(p.payload) > fs:
            start, c0 = i, c
            break
    if start is None:
        raise GenError("midstream: no WebSocket frame")
    out = []
    for i, p in enumerate(pkts[start:]):
        c = conn_of(conns, p)
        if c is c0 and i == 0:
            d = c.dir(p)
            fs = c.frames[d][0].start
            o = c.off(p)
            if o < fs:
                p = p.copy(seq=c.seq_at(d, fs), payload=p.payload[fs - o:])
        out.append(p)

    def fx(e):
        if (e["client"], e["server"]) == conn_ids(c0):
            for k in ("handshake_status", "offered_extensions", "accepted_extensions",
                      "offered_subprotocols", "accepted_subprotocol"):
                e[k] = None
            e["midstream"] = True
    return out, fx, {"dropped_packets": start}


def t_loss(pkts, conns):
    """Two holes in one direction: the middle third of one data frame's payload (frame A,
    the largest possible), and the bytes from 2 bytes before another data frame's header
    (frame B) to the end of B, so the next segment starts with a frame header and a
    parser can resynchronise. Close frames and the handshake are never touched."""
    best = None
    for c in conns:
        for d in (0, 1):
            fr = c.frames[d]
            data = [f for f in fr if f.opcode in (0, 1, 2)]
            for a in data:
                if a.plen < 6:
                    continue
                for b in data:
                    i = fr.index(b)
                    if b is a or i == 0 or fr[i - 1].plen < 2:
                        continue
                    if best is None or a.plen > best[2].plen:
                        best = (c, d, a, b)
    if best is None:
        raise GenError("loss: need a direction with two data frames, one not its first frame")
    c, d, big, other = best
    third = big.plen // 3
    hole_a = (big.start + big.hlen + third, big.start + big.hlen + 2 * third)
    hole_b = (other.start - 2, other.end)
    holes = sorted([hole_a, hole_b])
    out = []
    for p in pkts:
        if c.dir(p) != d or not p.payload:
            out.append(p)
            continue
        pieces = split_packet(c, p, [x for h in holes for x in h])
        for q in pieces:
            qo = c.off(q)
            if any(h[0] <= qo and qo + len(q.payload) <= h[1] for h in holes):
                continue
            out.append(q)
    lost = sum(h[1] - h[0] for h in holes)

    def fx(e):
        if (e["client"], e["server"]) == conn_ids(c):
            e["gaps"] = True
    return out, fx, {"lost_bytes": lost, "lost_direction": "client" if d == 0 else "server",
                     "holes": "%d-%d,%d-%d" % (holes[0] + holes[1])}


def rewrite_seq(p, dseq, dack):
    """Shift seq by dseq, ack (if ACK) by dack and SACK blocks (peer's seq) by dack."""
    q = p.copy(seq=(p.seq + dseq) & M32)
    if p.flags & ACK:
        q.ack = (p.ack + dack) & M32
    o = bytearray(p.opts)
    i = 0
    while i < len(o):
        kind = o[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(o):
            break
        ln = o[i + 1]
        if ln < 2:
            break
        if kind == 5:
            for j in range(i + 2, i + ln - 7, 8):
                a, b = struct.unpack(">II", o[j:j + 8])
                o[j:j + 8] = struct.pack(">II", (a + dack) & M32, (b + dack) & M32)
        i += ln
    q.opts = bytes(o)
    return q


def t_seqwrap(pkts, conns):
    """Sequence numbers wrap past 2^32 in the middle of each direction's data:
    client->server inside a segment, server->client exactly at a segment start."""
    shifts = {}
    info = {}
    for c in conns:
        for d in (0, 1):
            segs = [p for p in pkts if c.dir(p) == d and p.payload]
            if not segs:
                shifts[(id(c), d)] = 0
                continue
            mid = segs[len(segs) // 2]
            o = c.off(mid)
            wrap_off = o + max(1, len(mid.payload) // 2) if d == 0 else o
            # new isn such that isn + 1 + wrap_off == 2^32
            new_isn = ((1 << 32) - 1 - wrap_off) & M32
            shifts[(id(c), d)] = (new_isn - c.isn[d]) & M32
            info["isn_" + ("client" if d == 0 else "server")] = new_isn
    out = []
    for p in pkts:
        c = conn_of(conns, p)
        if not c:
            out.append(p)
            continue
        d = c.dir(p)
        out.append(rewrite_seq(p, shifts[(id(c), d)], shifts[(id(c), 1 - d)]))
    return out, None, info


def t_ipv6(pkts, conns):
    """IPv4 -> IPv6: the client of each connection becomes fd00::1, the server fd00::2
    (fd00::2n+1 / fd00::2n+2 for the n-th connection); ports unchanged."""
    amap = {}
    for n, c in enumerate(conns):
        amap[c.cli] = bytes.fromhex("fd00" + "0" * 24 + "%04x" % (2 * n + 1))
        amap[c.srv] = bytes.fromhex("fd00" + "0" * 24 + "%04x" % (2 * n + 2))
    out = []
    for p in pkts:
        if not p.is_tcp:
            continue
        out.append(p.copy(af=6, src=amap[(p.src, p.sport)], dst=amap[(p.dst, p.dport)]))
    mp = {ep_str(*k): ep_str(v, k[1]) for k, v in amap.items()}

    def fx(e):
        e["client"] = mp[e["client"]]
        e["server"] = mp[e["server"]]
    return out, fx, {}


def t_portreuse(pkts, conns, pkts2, conns2):
    """The first source's connection, then the second source's connection moved onto
    the same 4-tuple, starting one second after the first one ended."""
    if len(conns) != 1 or len(conns2) != 1:
        raise GenError("port-reuse: each source must hold exactly one connection")
    a, b = conns[0], conns2[0]
    t0 = pkts[-1].ts + 1000000000
    base = min(p.ts for p in pkts2)
    isn_shift = {0: (a.isn[0] + 0x01000000 - b.isn[0]) & M32, 1: (a.isn[1] + 0x01000000 - b.isn[1]) & M32}
    second = []
    for p in pkts2:
        d = b.dir(p)
        if d is None:
            continue
        q = rewrite_seq(p, isn_shift[d], isn_shift[1 - d])
        src, dst = (a.cli, a.srv) if d == 0 else (a.srv, a.cli)
        q.src, q.sport, q.dst, q.dport = src[0], src[1], dst[0], dst[1]
        if q.af != pkts[0].af:
            raise GenError("port-reuse: sources of different IP versions")
        q.ts = t0 + (p.ts - base)
        second.append(q)
    return pkts + second, None, {"connections": 2}


def ip4_fragments(p, size, ipid):
    """IPv4 fragments of packet p (TCP), `size` data bytes each (a multiple of 8),
    IP ID ipid; DF cleared, header checksum recomputed."""
    full = ip_bytes(p)
    hdr, data = full[:20], full[20:]
    out = []
    for o in range(0, len(data), size):
        chunk = data[o:o + size]
        more = o + size < len(data)
        h = bytearray(hdr)
        struct.pack_into(">HHH", h, 2, 20 + len(chunk), ipid, (0x2000 if more else 0) | (o // 8))
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack(">H", csum(bytes(h)))
        out.append(bytes(h) + chunk)
    return out


def ip6_fragments(p, size, ident, hbh):
    """IPv6 fragments of packet p (TCP): a Fragment header (next header 6, 32-bit
    Identification ident) on each, after a hop-by-hop header (8 bytes, PadN) when hbh."""
    full = ip_bytes(p)
    hdr, data = full[:40], full[40:]
    unfrag = bytes([44, 0, 1, 4, 0, 0, 0, 0]) if hbh else b""
    out = []
    for o in range(0, len(data), size):
        chunk = data[o:o + size]
        more = o + size < len(data)
        fh = struct.pack(">BBHI", 6, 0, o | (1 if more else 0), ident)
        h = bytearray(hdr)
        struct.pack_into(">H", h, 4, len(unfrag) + 8 + len(chunk))
        h[6] = 0 if hbh else 44
        out.append(bytes(h) + unfrag + fh + chunk)
    return out


def t_fragment(pkts, conns, v6=False, dup=False, size=24):
    """Every TCP segment that carries data leaves as IP fragments of `size` data bytes
    (TCP header and WebSocket frame headers split across fragments); the fragments of
    every second such segment are sent in reverse order (the last one first).
    v6: IPv4 -> IPv6 first (as the ipv6 variant), with a hop-by-hop header before the
    Fragment header on every second fragmented segment. dup: every fragment twice.
    IP IDs count up from 0x4000 (IPv4) / 0x10000000 (IPv6), one per datagram."""
    fx = None
    if v6:
        pkts, fx, _ = t_ipv6(pkts, conns)
    out = []
    n = nfrag = 0
    for p in pkts:
        if not (p.is_tcp and p.payload):
            out.append(p)
            continue
        if v6:
            l3s = ip6_fragments(p, size, 0x10000000 + n, hbh=n % 2 == 1)
            et = 0x86DD
        else:
            l3s = ip4_fragments(p, size, (0x4000 + n) & 0xFFFF)
            et = 0x0800
        if len(l3s) < 2:
            out.append(p)
            continue
        if n % 2 == 1:
            l3s.reverse()
        for b in l3s:
            q = p.copy(other=(et, b))
            out.append(q)
            if dup:
                out.append(q.copy())
        n += 1
        nfrag += len(l3s) * (2 if dup else 1)
    return out, fx, {"fragmented_segments": n, "fragments": nfrag}


# ---------------------------------------------------------------------------
# Facts

KEYS = ["handshake_status", "offered_extensions", "accepted_extensions", "offered_subprotocols",
        "accepted_subprotocol", "close_code", "close_reason", "close_initiator", "close_echoed",
        "tcp_end", "tcp_end_by"]


def load_facts(path, base):
    out = []
    for line in open(path):
        if line.strip():
            e = json.loads(line)
            if e.get("file") == base:
                out.append({k: e.get(k) for k in ["client", "server"] + KEYS})
    return out


def split_ep(s):
    if s.startswith("["):
        ip, port = s[1:].split("]:")
    else:
        ip, port = s.rsplit(":", 1)
    return ip, int(port)


def finish_fact(e):
    ci, cp = split_ep(e["client"])
    si, sp = split_ep(e["server"])
    e.update(client_ip=ci, client_port=cp, server_ip=si, server_port=sp)
    return e


TSHARK_FIELDS = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst",
                 "ipv6.dst", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin",
                 "tcp.flags.reset", "http.request.method", "http.response.code",
                 "http.sec_websocket_extensions", "http.sec_websocket_protocol", "http.upgrade",
                 "websocket.opcode", "websocket.mask", "websocket.payload.close.status_code",
                 "websocket.payload.close.reason", "tcp.analysis.retransmission"]

TSHARK_OPTS = ["-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE",
               "-o", "tcp.analyze_sequence_numbers:TRUE"]


def tshark_rows(paths):
    """tshark's per-packet fields for the captures (read in timestamp order together)."""
    path = paths[0]
    tmp = None
    if len(paths) > 1:
        tmp = "/tmp/gen-edge-merge-%d.pcap" % os.getpid()
        subprocess.run(["mergecap", "-F", "pcap", "-w", tmp] + paths, check=True,
                       capture_output=True)
        path = tmp
    cmd = ["tshark", "-n", "-r", path] + TSHARK_OPTS + ["-T", "fields", "-E", "occurrence=a",
                                                        "-E", "aggregator=\x1f"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if tmp:
        os.unlink(tmp)
    rows = []
    for line in r.stdout.splitlines():
        v = line.split("\t")
        v += [""] * (len(TSHARK_FIELDS) - len(v))
        rows.append(dict(zip(TSHARK_FIELDS, v)))
    stderr = "\n".join(l for l in r.stderr.splitlines() if "dangerous" not in l)
    return rows, stderr


def tshark_facts(paths):
    rows, stderr = tshark_rows(paths)
    streams = {}
    for r in rows:
        if not r["tcp.stream"]:
            continue
        streams.setdefault(int(r["tcp.stream"]), []).append(r)
    facts = []
    for sid in sorted(streams):
        rs = streams[sid]

        def endpoint(r, side):
            ip = r["ip." + side] or r["ipv6." + side]
            port = r["tcp.%sport" % ("src" if side == "src" else "dst")]
            return ("[%s]:%s" if ":" in ip else "%s:%s") % (ip, port)
        cli = srv = None
        for r in rs:
            if r["tcp.flags.syn"] in ("1", "True") and r["tcp.flags.ack"] in ("0", "False"):
                cli, srv = endpoint(r, "src"), endpoint(r, "dst")
                break
        if cli is None:
            for r in rs:
                if r["http.request.method"]:
                    cli, srv = endpoint(r, "src"), endpoint(r, "dst")
                    break
        if cli is None:
            for r in rs:
                if "1" in r["websocket.mask"].split("\x1f") or "True" in r["websocket.mask"].split("\x1f"):
                    cli, srv = endpoint(r, "src"), endpoint(r, "dst")
                    break
        if cli is None:
            continue
        e = {"client": cli, "server": srv}
        e.update({k: None for k in KEYS})
        is_ws = False
        first_close = None
        closers = set()
        end = None
        for r in rs:
            side = "client" if endpoint(r, "src") == cli else "server"
            if r["http.upgrade"] and "websocket" in r["http.upgrade"].lower():
                is_ws = True
            if side == "client" and r["http.request.method"] and e.get("_req") is None:
                e["_req"] = True
                if r["http.sec_websocket_extensions"]:
                    e["offered_extensions"] = ", ".join(r["http.sec_websocket_extensions"].split("\x1f"))
                if r["http.sec_websocket_protocol"]:
                    e["offered_subprotocols"] = ", ".join(r["http.sec_websocket_protocol"].split("\x1f"))
            if side == "server" and r["http.response.code"] and e["handshake_status"] is None:
                e["handshake_status"] = int(r["http.response.code"].split("\x1f")[0])
                if r["http.sec_websocket_extensions"]:
                    e["accepted_extensions"] = ", ".join(r["http.sec_websocket_extensions"].split("\x1f"))
                if r["http.sec_websocket_protocol"]:
                    e["accepted_subprotocol"] = ", ".join(r["http.sec_websocket_protocol"].split("\x1f"))
            ops = [x for x in r["websocket.opcode"].split("\x1f") if x]
            if ops:
                is_ws = True
            if "8" in ops:
                closers.add(side)
                if first_close is None:
                    codes = [x for x in r["websocket.payload.close.status_code"].split("\x1f") if x]
                    reasons = [x for x in r["websocket.payload.close.reason"].split("\x1f") if x]
                    first_close = (side, int(codes[0]) if codes else 1005, reasons[0] if reasons else None)
            rst = r["tcp.flags.reset"] in ("1", "True")
            fin = r["tcp.flags.fin"] in ("1", "True")
            if rst:
                e["tcp_end"] = "rst"
            elif fin and e["tcp_end"] != "rst":
                e["tcp_end"] = "fin"
            if (rst or fin) and end is None:
                end = side
        e.pop("_req", None)
        if not is_ws:
            continue
        e["tcp_end"] = e["tcp_end"] or "open"
        e["tcp_end_by"] = end
        if first_close:
            e["close_initiator"], e["close_code"], e["close_reason"] = first_close
            e["close_echoed"] = len(closers) == 2
        else:
            e["close_echoed"] = False
            e["close_code"] = 1006 if e["tcp_end"] != "open" else None
        facts.append(e)
    return facts, stderr


# ---------------------------------------------------------------------------
# Variants

# name -> (transformation, output form)
# forms: dict(link=..., fmt="pcap"|"pcapng"|"gz", nano, big, snaplen, ext, family, split, trunc)
VARIANTS = {
    "reordered": ("reordered", {}),
    "reordered-fine": ("reordered-fine", {}),
    "duplicated": ("duplicated", {}),
    "overlap": ("overlap", {}),
    "overlap-diff-late": ("overlap-diff-late", {}),
    "overlap-diff-early": ("overlap-diff-early", {}),
    "midstream": ("midstream", {}),
    "loss": ("loss", {}),
    "seqwrap": ("seqwrap", {}),
    "port-reuse": ("port-reuse", {}),
    "frag-ipv4": ("frag4", {}),
    "frag-ipv6": ("frag6", {}),
    "frag-dup": ("frag4-dup", {"link": "raw"}),
    "vlan": (None, {"link": "vlan"}),
    "qinq": (None, {"link": "qinq"}),
    "ipv6": ("ipv6", {}),
    "ipv6-ext": ("ipv6", {"ext": True}),
    "sll": (None, {"link": "sll"}),
    "sll2": (None, {"link": "sll2"}),
    "null": (None, {"link": "null"}),
    "null-be": (None, {"link": "null-be", "big": True}),
    "null-v6-24": ("ipv6", {"link": "null", "family": 24}),
    "null-v6-28": ("ipv6", {"link": "null", "family": 28}),
    "null-v6-30": ("ipv6", {"link": "null", "family": 30}),
    "raw": (None, {"link": "raw"}),
    "raw-v6": ("ipv6", {"link": "raw"}),
    "raw-ipv4": (None, {"link": "raw", "linktype": LT_IPV4}),
    "raw-ipv6": ("ipv6", {"link": "raw", "linktype": LT_IPV6}),
    "split": (None, {"split": True}),
    "pcapng": (None, {"fmt": "pcapng"}),
    "gz": (None, {"fmt": "gz"}),
    "snaplen": (None, {"snaplen": 96}),
    "truncated": (None, {"trunc": True}),
    "nanosecond": (None, {"nano": True}),
    "bigendian": (None, {"big": True}),
}


def transform(name, pkts, conns, second=None):
    if name is None:
        return pkts, None, {}
    if name == "reordered":
        return t_reordered(pkts, conns)
    if name == "reordered-fine":
        return t_reordered(pkts, conns, fine=True)
    if name == "duplicated":
        return t_duplicated(pkts, conns)
    if name == "overlap":
        return t_overlap(pkts, conns)
    if name == "overlap-diff-late":
        return t_overlap_diff(pkts, conns, early=False)
    if name == "overlap-diff-early":
        return t_overlap_diff(pkts, conns, early=True)
    if name == "midstream":
        return t_midstream(pkts, conns)
    if name == "loss":
        return t_loss(pkts, conns)
    if name == "seqwrap":
        return t_seqwrap(pkts, conns)
    if name == "ipv6":
        return t_ipv6(pkts, conns)
    if name == "frag4":
        return t_fragment(pkts, conns)
    if name == "frag6":
        return t_fragment(pkts, conns, v6=True)
    if name == "frag4-dup":
        return t_fragment(pkts, conns, dup=True)
    if name == "port-reuse":
        if second is None:
            raise GenError("port-reuse needs --second SOURCE2")
        p2 = load(second)
        return t_portreuse(pkts, conns, p2, find_conns(p2))
    raise GenError("unknown transformation %s" % name)


def truncated_facts(e):
    """Facts of a connection whose capture ends just before its first close frame."""
    e.update(close_code=None, close_reason=None, close_initiator=None, close_echoed=False,
             tcp_end="open", tcp_end_by=None)


def gen(variant, source, outdir, facts_path, name, second=None):
    if variant not in VARIANTS:
        raise GenError("unknown variant %s (see `variants`)" % variant)
    tname, form = VARIANTS[variant]
    pkts = load(source)
    conns = find_conns(pkts)
    if facts_path:
        facts = load_facts(facts_path, os.path.basename(source))
    else:
        facts, _ = tshark_facts([source])
    if not facts:
        raise GenError("%s: no facts for this source" % source)
    if tname == "port-reuse":
        f2 = load_facts(facts_path, os.path.basename(second)) if facts_path else tshark_facts([second])[0]
        if len(f2) != 1 or len(facts) != 1:
            raise GenError("port-reuse: need one connection in each source")
        moved = dict(f2[0], client=facts[0]["client"], server=facts[0]["server"])
        facts = facts + [moved]
    if (tname == "midstream" or form.get("trunc")) and len(conns) != 1:
        raise GenError("%s: the source must hold exactly one connection" % variant)
    out, fx, extra = transform(tname, pkts, conns, second)
    out = fix_times(out)
    if fx:
        for e in facts:
            fx(e)
    link = form.get("link", "eth")
    ext = ext_chain() if form.get("ext") else None
    frames = []
    for p in out:
        if link in ("raw", "null", "null-be") and not p.is_tcp and p.other[0] not in (0x0800, 0x86DD):
            continue
        frames.append((p.ts, link_bytes(p, link, ext, form.get("family"))))
    if form.get("nano"):
        # a sub-microsecond part a microsecond reader would get wrong
        frames = [(ts + 789, data) for ts, data in frames]
    linktype = form.get("linktype", LINKTYPE[link])
    if link == "raw" and "linktype" in form:
        want = 4 if form["linktype"] == LT_IPV4 else 6
        if any(p.is_tcp and p.af != want for p in out):
            raise GenError("linktype %d needs IPv%d only" % (form["linktype"], want))
    files = []
    info = dict(extra)
    os.makedirs(outdir, exist_ok=True)

    def write(fname, data):
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(data)
        files.append(fname)
    snap = form.get("snaplen", 262144)
    if form.get("split"):
        half = len(frames) // 2
        write(name + "-1.pcap", pcap_bytes(frames[:half], linktype))
        write(name + "-2.pcap", pcap_bytes(frames[half:], linktype))
    elif form.get("fmt") == "pcapng":
        write(name + ".pcapng", pcapng_bytes(frames, linktype))
    elif form.get("fmt") == "gz":
        data = pcap_bytes(frames, linktype)
        buf = gzip.compress(data, compresslevel=9, mtime=0)
        write(name + ".pcap.gz", buf)
    elif form.get("trunc"):
        data = pcap_bytes(frames, linktype)
        i, c, d, f = locate_close(out, conns)
        off = 24 + sum(16 + len(fr[1]) for fr in frames[:i])
        cut = off + 16 + len(frames[i][1]) // 2
        write(name + ".pcap", data[:cut])
        info["error"] = "truncated"
        info["packets_read"] = i
        for e in facts:
            if (e["client"], e["server"]) == conn_ids(c):
                truncated_facts(e)
    else:
        data = pcap_bytes(frames, linktype, snaplen=snap, nano=form.get("nano", False),
                          big=form.get("big", False))
        ext_name = ".pcap"
        write(name + ext_name, data)
        if snap < 262144:
            info["truncated_packets"] = sum(1 for fr in frames if len(fr[1]) > snap)
            info["snaplen"] = snap
            for e in facts:
                for k in KEYS:
                    if k not in ("tcp_end", "tcp_end_by"):
                        e.pop(k, None)
                e["gaps"] = True
                e["may_be_absent"] = True
    if form.get("nano"):
        info["first_ts_ns"] = frames[0][0]
    info["packets"] = len(frames)
    for e in facts:
        finish_fact(e)
    with open(os.path.join(outdir, name + ".expected.jsonl"), "w") as f:
        for e in facts:
            f.write(json.dumps(e, sort_keys=True) + "\n")
    src = os.path.basename(source) + ((" + " + os.path.basename(second)) if second else "")
    extra_s = " ".join("%s=%s" % (k, v) for k, v in sorted(info.items()))
    print("%s\t%s\t%s\t%s\t%s" % (name, ",".join(files), name + ".expected.jsonl", src, extra_s))


# ---------------------------------------------------------------------------
# Verification

def verify(testlist, datadir):
    bad = 0
    for line in open(testlist):
        if not line.strip() or line.startswith("#"):
            continue
        name, files, expected, src, extra = (line.rstrip("\n").split("\t") + [""])[:5]
        paths = [os.path.join(datadir, f) for f in files.split(",")]
        notes = []
        for p in paths:
            if p.endswith(".gz"):
                z = subprocess.run("gzip -dc %s | tcpdump -n -r - >/dev/null" % p, shell=True,
                                   capture_output=True, text=True)
            else:
                z = subprocess.run(["tcpdump", "-n", "-r", p], capture_output=True, text=True)
            if z.returncode != 0 or "truncated" in z.stderr:
                msg = [l for l in z.stderr.splitlines() if "reading from" not in l]
                notes.append("tcpdump: " + (msg[-1] if msg else "rc=%d" % z.returncode))
        facts, stderr = tshark_facts(paths)
        if stderr.strip():
            notes.append("tshark: " + stderr.strip().splitlines()[-1][:100])
        exp = [json.loads(l) for l in open(os.path.join(datadir, expected)) if l.strip()]
        got = {(f["client"], f["server"], i): f for i, f in enumerate(facts)}
        for i, e in enumerate(exp):
            cands = [f for (c, s, j), f in got.items() if c == e["client"] and s == e["server"]]
            if not cands:
                notes.append("tshark: no WebSocket record for %s -> %s" % (e["client"], e["server"]))
                continue
            # several records on one tuple (port reuse): take them in order
            f = cands[min(i, len(cands) - 1)] if len(cands) > 1 else cands[0]
            diffs = ["%s exp=%r tshark=%r" % (k, e[k], f[k]) for k in KEYS if k in e and e[k] != f[k]]
            if diffs:
                notes.append("tshark differs: " + "; ".join(diffs))
        if len(facts) != len(exp) and "may_be_absent" not in open(os.path.join(datadir, expected)).read():
            notes.append("tshark sees %d WebSocket connections, expected %d" % (len(facts), len(exp)))
        status = "ok" if not notes else "DIFF"
        if notes:
            bad += 1
        print("%-20s %-4s %s" % (name, status, " | ".join(notes)))
    return bad


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    try:
        if cmd == "variants":
            print("\n".join(VARIANTS))
            return 0
        if cmd == "facts":
            for path in argv[2:]:
                facts, stderr = tshark_facts([path])
                for e in facts:
                    e["file"] = os.path.basename(path)
                    print(json.dumps(e, sort_keys=True))
            return 0
        if cmd == "verify":
            verify(argv[2], argv[3])
            return 0
        if cmd == "gen":
            args = argv[2:]
            opts = {}
            pos = []
            i = 0
            while i < len(args):
                if args[i].startswith("--"):
                    opts[args[i][2:]] = args[i + 1]
                    i += 2
                else:
                    pos.append(args[i])
                    i += 1
            variant, source, outdir = pos
            gen(variant, source, outdir, opts.get("facts"), opts.get("name", variant),
                opts.get("second"))
            return 0
    except GenError as e:
        print("gen-edge: %s" % e, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
