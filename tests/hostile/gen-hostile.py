#!/usr/bin/python3
"""Hostile captures for tests/hostile.sh: deterministic, standard library only.

    gen-hostile.py KIND [FILE]      (no FILE, or -: write to standard output)

Kinds (all Ethernet/IPv4 pcaps, microsecond timestamps):
  syn-flood      1,000,000 SYNs from distinct clients, never answered (~70 MB;
                 stream it into `wsclosed -r -`)
  ooo-tiny       a WebSocket connection, then 300,000 one-byte client segments
                 all beyond a hole that is never filled
  ooo-caplen0    the same with 200,000 segments whose payload the snaplen cut
                 off entirely (caplen counts 0 bytes of data each)
  ooo-anchor     one segment 10 MB ahead, then 300,000 one-byte segments in
                 ascending order below it (each lands before the queue's tail)
  huge-length    frames whose 64-bit length is 2^63-1 and 2^64-1, then FIN
  deflate-bomb   permessage-deflate negotiated, one server message that
                 inflates to 4 GiB (4 MiB on the wire)
  fragments      one message in 100,000 one-byte fragments, each in its own
                 TCP segment
  header-1m      a GET whose one header line is 1 MiB, in 1400-byte segments
  caplen-snap    a record with caplen > snaplen (70000 > 65535)
  caplen-256k    a record with caplen 300000 (> 256 KiB), snaplen 262144
  caplen-4g      a record with caplen 0xffffffff
  caplen-orig    a record with caplen > its original length
  evil-reason    three connections closed with hostile reasons (markup, an
                 escape sequence, invalid UTF-8, a spreadsheet formula; BEL,
                 C1 CSI as U+009B and as a bare 0x9b byte, an OSC sequence)
"""
import struct
import sys
import zlib

CLIENT = bytes([10, 0, 0, 1])
SERVER = bytes([10, 0, 0, 2])
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


class Pcap:
    def __init__(self, out, snaplen=262144):
        self.out = out
        self.buf = []
        self.size = 0
        self.t = 1700000000 * 1000000
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))

    def raw(self, caplen, wirelen, data):
        """A record with header fields as given (may lie about the data)."""
        self.t += 10
        self.buf.append(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, caplen, wirelen))
        self.buf.append(data)
        self.size += 16 + len(data)
        if self.size > 1 << 20:
            self.flush()

    def flush(self):
        self.out.write(b"".join(self.buf))
        self.buf = []
        self.size = 0

    def tcp(self, src, dst, sport, dport, seq, ack, flags, payload=b"", cut=None):
        """One Ethernet/IPv4/TCP packet; cut: bytes of payload kept (snaplen)."""
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        total = 20 + 20 + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
        csum = sum(struct.unpack(">10H", ip))
        csum = (csum & 0xFFFF) + (csum >> 16)
        csum = (csum & 0xFFFF) + (csum >> 16)
        ip = ip[:10] + struct.pack(">H", ~csum & 0xFFFF) + ip[12:]
        eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
        wire = eth + ip + tcp + payload
        kept = wire if cut is None else wire[:14 + 40 + cut]
        self.raw(len(kept), len(wire), kept)

    def close(self):
        self.flush()
        self.out.flush()


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


class Conn:
    """A TCP connection between CLIENT:cport and SERVER:80 with its own
    sequence numbers; send() splits payload into segments of mss bytes."""

    def __init__(self, pcap, cport=40000):
        self.p = pcap
        self.cport = cport
        self.seq = [1000, 5000]
        self.p.tcp(CLIENT, SERVER, cport, 80, self.seq[0] - 1, 0, SYN)
        self.p.tcp(SERVER, CLIENT, 80, cport, self.seq[1] - 1, self.seq[0], SYN | ACK)
        self.p.tcp(CLIENT, SERVER, cport, 80, self.seq[0], self.seq[1], ACK)

    def send(self, side, data, mss=1400):
        for i in range(0, len(data), mss):
            self.segment(side, data[i:i + mss])

    def segment(self, side, data, seq=None, advance=True, cut=None):
        s = self.seq[side] if seq is None else seq
        if side == 0:
            self.p.tcp(CLIENT, SERVER, self.cport, 80, s, self.seq[1], PSH | ACK, data, cut)
        else:
            self.p.tcp(SERVER, CLIENT, 80, self.cport, s, self.seq[0], PSH | ACK, data, cut)
        if advance and seq is None:
            self.seq[side] += len(data)

    def end(self, side, flags=FIN | ACK):
        if side == 0:
            self.p.tcp(CLIENT, SERVER, self.cport, 80, self.seq[0], self.seq[1], flags)
        else:
            self.p.tcp(SERVER, CLIENT, 80, self.cport, self.seq[1], self.seq[0], flags)
        self.seq[side] += 1

    def handshake(self, deflate=False):
        ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b""
        self.send(0, b"GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + b"\r\n" + ext +
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        self.send(1, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + ACCEPT + b"\r\n" + ext + b"\r\n")


def frame(opcode, payload, fin=True, rsv1=False, mask=None, length=None):
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload) if length is None else length
    m = 0x80 if mask else 0
    if n < 126:
        hdr = bytes([b0, m | n])
    elif n < 65536:
        hdr = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        hdr = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        hdr += mask
    return hdr + payload


def close_frame(code, reason, mask=None):
    return frame(8, struct.pack(">H", code) + reason, mask=mask)


MASK = b"\x11\x22\x33\x44"


def gen_syn_flood(p):
    # Packets built from one template (Pcap.tcp per packet is too slow for a
    # million): only the source address, port, sequence number, timestamp and
    # the checksums change.
    p.tcp(bytes([10, 1, 0, 0]), SERVER, 1024, 80, 0, 0, SYN)
    rec = bytearray(p.buf[-2] + p.buf[-1])
    p.buf, p.size = p.buf[:-2], p.size - len(rec)
    ip0 = 16 + 14
    rec[ip0 + 10:ip0 + 12] = b"\0\0"
    base = sum(struct.unpack(">10H", bytes(rec[ip0:ip0 + 20]))) - (10 << 8) - 1 - 0
    chunk = []
    for i in range(1000000):
        p.t += 1
        a, b, c = 1 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF
        csum = base + (10 << 8) + a + (b << 8) + c
        csum = (csum & 0xFFFF) + (csum >> 16)
        csum = (csum & 0xFFFF) + (csum >> 16)
        struct.pack_into("<II", rec, 0, p.t // 1000000, p.t % 1000000)
        struct.pack_into(">H4B", rec, ip0 + 10, ~csum & 0xFFFF, 10, a, b, c)
        struct.pack_into(">HHI", rec, ip0 + 20, 1024 + i % 60000, 80, (i * 7919) & 0xFFFFFFFF)
        chunk.append(bytes(rec))
        if len(chunk) == 16384:
            p.out.write(b"".join(chunk))
            chunk = []
    p.out.write(b"".join(chunk))


def gen_ooo(p, count, cut):
    c = Conn(p)
    c.handshake()
    base = c.seq[0] + 1000  # the hole: 1000 bytes never sent
    for i in range(count):
        c.segment(0, b"x" * (1 if cut is None else 100), seq=base + i * (1 if cut is None else 100),
                  cut=cut)
    c.end(0, RST | ACK)


def gen_ooo_anchor(p):
    """One segment far ahead, then one-byte segments in ascending order
    below it: each lands just before the queue's tail, never at its end."""
    c = Conn(p)
    c.handshake()
    base = c.seq[0] + 1000
    c.segment(0, b"z", seq=base + 10000000)
    for i in range(300000):
        c.segment(0, b"x", seq=base + i)
    c.end(0, RST | ACK)


def gen_huge_length(p):
    c = Conn(p)
    c.handshake()
    c.send(1, frame(2, b"abcdefgh" * 16, length=(1 << 63) - 1))
    c2 = Conn(p, 40001)
    c2.handshake()
    c2.send(1, frame(2, b"abcdefgh" * 16, length=(1 << 64) - 1))
    c2.send(0, frame(1, b"hi", mask=MASK, length=(1 << 63) - 2)[:14] + b"hi")
    for x in (c, c2):
        x.end(1)
        x.end(0)


def gen_deflate_bomb(p):
    c = Conn(p)
    c.handshake(deflate=True)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(bytes(64 << 20)) + z.flush(zlib.Z_FULL_FLUSH)
    body = block * 64  # 64 x 64 MiB = 4 GiB inflated
    c.send(1, frame(2, body, rsv1=True), mss=65000)
    c.send(1, close_frame(1000, b"bye"))
    c.send(0, close_frame(1000, b"bye", mask=MASK))
    c.end(1)
    c.end(0)


def gen_fragments(p):
    c = Conn(p)
    c.handshake()
    c.segment(1, frame(1, b"a", fin=False))
    for _ in range(100000 - 2):
        c.segment(1, frame(0, b"b", fin=False))
    c.segment(1, frame(0, b"c"))
    c.send(1, close_frame(1000, b""))
    c.send(0, close_frame(1000, b"", mask=MASK))
    c.end(1)
    c.end(0)


def gen_header_1m(p):
    c = Conn(p)
    c.send(0, b"GET /chat HTTP/1.1\r\nHost: example.test\r\nX-Big: " + b"A" * (1 << 20) +
           b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY +
           b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    c.end(0)
    c.end(1)


def gen_caplen(p, caplen, wirelen, data_len):
    c = Conn(p)
    c.handshake()
    p.raw(caplen, wirelen, b"\0" * data_len)
    c.end(0)


def gen_evil_reason(p):
    evil = b"<script>alert(1)</script>\x1b[31m\xff\xfe=cmd|' /C calc'!A0"
    formula = b"=cmd|' /C calc'!A0"
    # BEL, C1 CSI as UTF-8 (U+009B) and as a bare byte, an OSC title sequence
    controls = b"\x07bell \xc2\x9b31m \x9b2J \x1b]0;t\x07"
    for port, reason in ((40000, evil), (40001, formula), (40002, controls)):
        c = Conn(p, port)
        c.handshake()
        c.send(1, close_frame(4000, reason))
        c.send(0, close_frame(4000, reason, mask=MASK))
        c.end(1)
        c.end(0)


KINDS = {
    "syn-flood": (gen_syn_flood, {}),
    "ooo-tiny": (lambda p: gen_ooo(p, 300000, None), {}),
    "ooo-caplen0": (lambda p: gen_ooo(p, 200000, 0), {"snaplen": 54}),
    "ooo-anchor": (gen_ooo_anchor, {}),
    "huge-length": (gen_huge_length, {}),
    "deflate-bomb": (gen_deflate_bomb, {}),
    "fragments": (gen_fragments, {}),
    "header-1m": (gen_header_1m, {}),
    "caplen-snap": (lambda p: gen_caplen(p, 70000, 70000, 70000), {"snaplen": 65535}),
    "caplen-256k": (lambda p: gen_caplen(p, 300000, 300000, 300000), {}),
    "caplen-4g": (lambda p: gen_caplen(p, 0xFFFFFFFF, 100, 100), {}),
    "caplen-orig": (lambda p: gen_caplen(p, 200, 60, 200), {}),
    "evil-reason": (gen_evil_reason, {}),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in KINDS:
        sys.exit("usage: gen-hostile.py KIND [FILE]\nkinds: " + " ".join(KINDS))
    fn, opts = KINDS[sys.argv[1]]
    path = sys.argv[2] if len(sys.argv) > 2 else "-"
    out = sys.stdout.buffer if path == "-" else open(path, "wb")
    p = Pcap(out, **opts)
    try:
        fn(p)
        p.close()
    except BrokenPipeError:
        sys.exit(0)  # the reader stopped early; it says why
    if out is not sys.stdout.buffer:
        out.close()


if __name__ == "__main__":
    main()
