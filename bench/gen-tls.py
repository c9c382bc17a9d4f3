#!/usr/bin/python3
"""bench/gen-tls.py - the same WebSocket traffic twice, in clear and in TLS
1.3 (TLS_AES_128_GCM_SHA256), for bench/tls.sh.

usage: gen-tls.py OUTDIR [MEGABYTES] [CONNECTIONS]

Writes OUTDIR/plain.pcap, OUTDIR/tls.pcap and OUTDIR/tls.keylog.  Each
connection: a 3-way handshake, the upgrade request and its 101, messages
(text, 64 B to 16 KiB, client messages masked) each echoed by the server,
a close 1000 exchange and two FINs.  In tls.pcap the same bytes go in TLS
records (a record per message, the handshake and the 101 included): a
ClientHello (SNI bench.test) and ServerHello, the server's
EncryptedExtensions and Finished and the client's Finished under handshake
keys, then application data under the application traffic keys.  The
secrets are random, written to tls.keylog with the client random (NSS
format), and the records are sealed with AES-128-GCM from the
`cryptography` package (python3-cryptography) with the keys and IVs of RFC
8446 section 7.3.  Both captures have the same TCP segmentation rule (MSS
1448), so their difference is what TLS adds.
"""
import hashlib
import hmac
import os
import random
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MSS = 1448


def expand_label(secret, label, length):
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


class Sealer:
    def __init__(self, secret):
        self.aead = AESGCM(expand_label(secret, b"key", 16))
        self.iv = expand_label(secret, b"iv", 12)
        self.seq = 0

    def record(self, inner_type, data):
        inner = data + bytes([inner_type])
        hdr = struct.pack("!BHH", 23, 0x0303, len(inner) + 16)
        nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
        self.seq += 1
        return hdr + self.aead.encrypt(nonce, inner, hdr)


def hs_record(msg_type, body):
    msg = bytes([msg_type]) + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHH", 22, 0x0301 if msg_type == 1 else 0x0303, len(msg)) + msg


def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def client_hello(rnd):
    name = b"bench.test"
    sni = ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts = sni + ext(43, b"\x02\x03\x04") + ext(16, b"\x00\x09\x08http/1.1")
    body = (b"\x03\x03" + rnd + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
            + struct.pack("!H", len(exts)) + exts)
    return hs_record(1, body)


def server_hello(rnd):
    exts = ext(43, b"\x03\x04")
    body = b"\x03\x03" + rnd + b"\x00" + b"\x13\x01" + b"\x00" + struct.pack("!H", len(exts)) + exts
    return hs_record(2, body)


def mask(payload, key):
    n = len(payload)
    if n == 0:
        return payload
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def frame(opcode, payload, masked):
    n = len(payload)
    head = bytes([0x80 | opcode])
    mbit = 0x80 if masked else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if masked:
        key = os.urandom(4)
        return head + key + mask(payload, key)
    return head + payload


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        self.bytes = 0

    def packet(self, ts_us, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                          5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000,
                         64, 6, 0, src, dst)
        eth = b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00"
        pkt = eth + ip + tcp + payload
        self.f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(pkt), len(pkt)))
        self.f.write(pkt)
        self.bytes += len(pkt)

    def close(self):
        self.f.close()


def main():
    out = sys.argv[1]
    megabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 50
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    rng = random.Random(1)
    os.makedirs(out, exist_ok=True)
    plain, tls = Pcap(os.path.join(out, "plain.pcap")), Pcap(os.path.join(out, "tls.pcap"))
    keylog = open(os.path.join(out, "tls.keylog"), "w")
    per_conn = int(megabytes * 1e6 / conns / 2)
    text = (b"the quick brown fox jumps over the lazy dog 0123456789 " * 400)[:16384]
    ts = 1_700_000_000_000_000
    cli, srv = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    for i in range(conns):
        cport, sport = 20000 + i % 40000, 443
        crand, srand = os.urandom(32), os.urandom(32)
        secrets = {k: os.urandom(32) for k in ("chs", "shs", "cap", "sap")}
        for label, k in (("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "chs"),
                         ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "shs"),
                         ("CLIENT_TRAFFIC_SECRET_0", "cap"), ("SERVER_TRAFFIC_SECRET_0", "sap")):
            keylog.write("%s %s %s\n" % (label, crand.hex(), secrets[k].hex()))
        seal = {"client": Sealer(secrets["cap"]), "server": Sealer(secrets["sap"])}
        # the exchange: (side, plain bytes) in order
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        ex = [("client", ("GET /bench/%d HTTP/1.1\r\nHost: bench.test\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n" % (i, key)).encode()),
              ("server", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")]
        left = per_conn
        while left > 0:
            n = min(left, rng.choice((64, 256, 1024, 4096, 16000)))
            left -= n
            ex.append(("client", frame(1, text[:n], True)))
            ex.append(("server", frame(1, text[:n], False)))
        ex.append(("client", frame(8, struct.pack("!H", 1000) + b"bye", True)))
        ex.append(("server", frame(8, struct.pack("!H", 1000) + b"bye", False)))
        hs = [("client", client_hello(crand)),
              ("server", server_hello(srand)
               + Sealer(secrets["shs"]).record(22, b"\x08\x00\x00\x02\x00\x00"
                                                + b"\x14\x00\x00\x20" + os.urandom(32))),
              ("client", Sealer(secrets["chs"]).record(22, b"\x14\x00\x00\x20" + os.urandom(32)))]
        for cap, stream in ((plain, ex),
                            (tls, hs + [(s, seal[s].record(23, b)) for s, b in ex])):
            t = ts
            seq = {"client": 1000, "server": 5000}
            cap.packet(t, cli, srv, cport, sport, seq["client"] - 1, 0, 0x02)
            cap.packet(t + 5, srv, cli, sport, cport, seq["server"] - 1, seq["client"], 0x12)
            cap.packet(t + 10, cli, srv, cport, sport, seq["client"], seq["server"], 0x10)
            t += 20
            for side, data in stream:
                src, dst, sp, dp = ((cli, srv, cport, sport) if side == "client"
                                    else (srv, cli, sport, cport))
                other = "server" if side == "client" else "client"
                for off in range(0, len(data), MSS):
                    seg = data[off:off + MSS]
                    cap.packet(t, src, dst, sp, dp, seq[side], seq[other], 0x18, seg)
                    seq[side] += len(seg)
                    t += 2
                t += 10
            cap.packet(t, srv, cli, sport, cport, seq["server"], seq["client"], 0x11)
            cap.packet(t + 5, cli, srv, cport, sport, seq["client"], seq["server"] + 1, 0x11)
            cap.packet(t + 10, srv, cli, sport, cport, seq["server"] + 1, seq["client"] + 1, 0x10)
            end = t + 20
        ts = end + 100
    plain.close()
    tls.close()
    keylog.close()


if __name__ == "__main__":
    main()
