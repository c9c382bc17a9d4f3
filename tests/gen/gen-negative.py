#!/usr/bin/env python3
"""Captures for tests/negative.sh: common TCP protocols that are not WebSocket
(no record may come out of them), WebSocket attempts whose Upgrade/Connection
headers a proxy dropped or rewrote, an h2c upgrade, and cuts of a real capture.

usage: gen-negative.py OUTDIR [PCAPS_DIR]

Every synthetic connection is a real TCP exchange: SYN, SYN-ACK, ACK, the
payload of each side with correct sequence and acknowledgement numbers, then
FIN/ACK both ways.  Each protocol is written twice: NAME.pcap with the
handshake, and NAME-nosyn.pcap where the capture starts after it (the SYN,
SYN-ACK and ACK are cut off, and for the ones with more than one message per
side, the first exchange too), the way a capture started on a busy link is.

From pcaps/py-normal-1000.pcap (a real recording; packets 1-4 are SYN,
SYN-ACK, ACK and the GET request, 6 is the 101):
  only101.pcap     packets 1-5 removed (as `editcap in out 1-5`): the capture
                   holds the 101 but not the request
  snaplen.pcap     every packet cut to 100 bytes (as `editcap -s 100`): the
                   request and the 101 are cut after their first 34 bytes
  nofin.pcap       packet 12, the server's FIN, removed: the client's ACK of it
                   is one past the server's last byte
neg-tls-appdata-nosyn.pcap starts at the first application data record.
Stdlib only; deterministic.
"""
import os
import random
import struct
import sys

LINKTYPE_ETHERNET = 1


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def conversation(msgs, cport=40000, sport=5000, t0=1700000000.0, seed=1):
    """msgs: list of (side, bytes), side 0 client, 1 server.  Returns a list
    of (ts, frame, is_handshake, index_of_message or None)."""
    rnd = random.Random(seed)
    cip, sip = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    ip = (cip, sip)
    port = (cport, sport)
    isn = [rnd.getrandbits(32), rnd.getrandbits(32)]
    nxt = [isn[0] + 1, isn[1] + 1]
    out = []
    t = [t0]

    def emit(side, flags, payload=b"", hs=False, idx=None, seq=None):
        t[0] += 0.001
        o = 1 - side
        frame = packet(ip[side], ip[o], port[side], port[o],
                       nxt[side] if seq is None else seq, nxt[o], flags, payload)
        out.append((t[0], frame, hs, idx))

    t[0] += 0.001
    out.append((t[0], packet(cip, sip, cport, sport, isn[0], 0, SYN), True, None))
    t[0] += 0.001
    out.append((t[0], packet(sip, cip, sport, cport, isn[1], nxt[0], SYN | ACK), True, None))
    emit(0, ACK, hs=True)
    for i, (side, data) in enumerate(msgs):
        # segments of at most 1400 bytes, each acknowledged
        for k in range(0, len(data), 1400):
            chunk = data[k:k + 1400]
            emit(side, PSH | ACK, chunk, idx=i)
            nxt[side] += len(chunk)
            emit(1 - side, ACK, idx=i)
    emit(0, FIN | ACK)
    nxt[0] += 1
    emit(1, FIN | ACK)
    nxt[1] += 1
    emit(0, ACK)
    return out


def pcap(frames, snaplen=262144):
    b = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET)
    for ts, data in frames:
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        cap = data[:snaplen]
        b += struct.pack("<IIII", sec, usec, len(cap), len(data)) + cap
    return b


def rnd_bytes(seed, n):
    r = random.Random(seed)
    return bytes(r.getrandbits(8) for _ in range(n))


def dns_query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    return struct.pack("!H", len(q)) + q


def dns_answer(qid, name):
    body = dns_query(qid, name)[2:]
    body = struct.pack("!HH", qid, 0x8180) + body[4:6] + struct.pack("!H", 1) + body[8:]
    body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([93, 184, 216, 34])
    return struct.pack("!H", len(body)) + body


def tls_record(ctype, body):
    return bytes([ctype, 3, 3]) + struct.pack("!H", len(body)) + body


def tls_hello(kind, seed):
    r = rnd_bytes(seed, 32)
    if kind == 1:
        hs = b"\x03\x03" + r + b"\x20" + rnd_bytes(seed + 1, 32) + b"\x00\x04\x13\x01\x13\x02\x01\x00"
        hs += struct.pack("!H", 8) + b"\x00\x2b\x00\x03\x02\x03\x04\x00"
    else:
        hs = b"\x03\x03" + r + b"\x20" + rnd_bytes(seed + 1, 32) + b"\x13\x01\x00"
        hs += struct.pack("!H", 6) + b"\x00\x2b\x00\x02\x03\x04"
    return tls_record(22, bytes([kind]) + struct.pack("!I", len(hs))[1:] + hs)


def mqtt_connect():
    vh = b"\x00\x04MQTT\x04\x02\x00\x3c"
    pl = b"\x00\x06client"
    return bytes([0x10, len(vh) + len(pl)]) + vh + pl


def mqtt_publish(topic, msg):
    body = struct.pack("!H", len(topic)) + topic + msg
    return bytes([0x30, len(body)]) + body


def pg_startup():
    body = struct.pack("!I", 196608) + b"user\0postgres\0database\0app\0\0"
    return struct.pack("!I", len(body) + 4) + body


def pg_msg(t, body):
    return t + struct.pack("!I", len(body) + 4) + body


HTTP_REQ = (b"GET /%s HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\n"
            b"Accept: */*\r\nConnection: keep-alive\r\n\r\n")
HTTP_RESP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
             b"Connection: keep-alive\r\n\r\n")


def http_exchange(path, body):
    return [(0, HTTP_REQ % path), (1, HTTP_RESP % len(body) + body)]


PROTOCOLS = {
    # name: (client port, server port, messages)
    "neg-dns-tcp": (40001, 53, [(0, dns_query(0x1234, "example.com")),
                                (1, dns_answer(0x1234, "example.com")),
                                (0, dns_query(0x1235, "www.example.org")),
                                (1, dns_answer(0x1235, "www.example.org"))]),
    "neg-tls": (40002, 443, [(0, tls_hello(1, 7)), (1, tls_hello(2, 8)),
                             (1, tls_record(20, b"\x01")), (0, tls_record(20, b"\x01")),
                             (0, tls_record(23, rnd_bytes(9, 300))),
                             (1, tls_record(23, rnd_bytes(10, 2000))),
                             (0, tls_record(23, rnd_bytes(11, 120)))]),
    "neg-ssh": (40003, 22, [(1, b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n"),
                            (0, b"SSH-2.0-OpenSSH_9.2p1\r\n"),
                            (0, struct.pack("!IB", 1020, 10) + b"\x14" + rnd_bytes(12, 1013)),
                            (1, struct.pack("!IB", 1076, 6) + b"\x14" + rnd_bytes(13, 1073)),
                            (0, rnd_bytes(14, 48)), (1, rnd_bytes(15, 500)),
                            (0, rnd_bytes(16, 64)), (1, rnd_bytes(17, 80))]),
    "neg-http-keepalive": (40004, 80, http_exchange(b"a", b"hello") + http_exchange(b"b", b"x" * 3000)
                           + http_exchange(b"c", b"world\n") + http_exchange(b"d", b"{}")),
    "neg-smtp": (40005, 25, [(1, b"220 mail.example.com ESMTP Postfix\r\n"),
                             (0, b"EHLO client.example.com\r\n"),
                             (1, b"250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"),
                             (0, b"MAIL FROM:<a@example.com>\r\n"), (1, b"250 2.1.0 Ok\r\n"),
                             (0, b"RCPT TO:<b@example.com>\r\n"), (1, b"250 2.1.5 Ok\r\n"),
                             (0, b"DATA\r\n"), (1, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
                             (0, b"Subject: hi\r\n\r\nhello\r\n.\r\n"), (1, b"250 2.0.0 Ok: queued\r\n"),
                             (0, b"QUIT\r\n"), (1, b"221 2.0.0 Bye\r\n")]),
    "neg-redis": (40006, 6379, [(0, b"*1\r\n$4\r\nPING\r\n"), (1, b"+PONG\r\n"),
                                (0, b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), (1, b"+OK\r\n"),
                                (0, b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"), (1, b"$5\r\nvalue\r\n"),
                                (0, b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"), (1, b":1\r\n")]),
    "neg-postgres": (40007, 5432, [(0, pg_startup()),
                                   (1, pg_msg(b"R", struct.pack("!I", 0)) + pg_msg(b"S", b"server_version\x0016.1\0")
                                    + pg_msg(b"K", struct.pack("!II", 4242, 99)) + pg_msg(b"Z", b"I")),
                                   (0, pg_msg(b"Q", b"SELECT 1;\0")),
                                   (1, pg_msg(b"T", b"\x00\x01?column?\0" + b"\0" * 6 + b"\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00")
                                    + pg_msg(b"D", b"\x00\x01\x00\x00\x00\x011") + pg_msg(b"C", b"SELECT 1\0")
                                    + pg_msg(b"Z", b"I")),
                                   (0, pg_msg(b"X", b""))]),
    "neg-mqtt": (40008, 1883, [(0, mqtt_connect()), (1, b"\x20\x02\x00\x00"),
                               (0, mqtt_publish(b"sensors/t", b"21.5")),
                               (0, mqtt_publish(b"sensors/h", b"40")),
                               (0, b"\xc0\x00"), (1, b"\xd0\x00"),
                               (0, mqtt_publish(b"sensors/t", b"21.6")), (0, b"\xe0\x00")]),
    "neg-binary": (40009, 9000, [(i % 2, rnd_bytes(100 + i, 1 + (i * 397) % 1800)) for i in range(12)]),
}

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="


def ws_request(upgrade, connection):
    h = b"GET /socket HTTP/1.1\r\nHost: app.example.com\r\n"
    if upgrade is not None:
        h += b"Upgrade: " + upgrade + b"\r\n"
    if connection is not None:
        h += b"Connection: " + connection + b"\r\n"
    return h + b"Sec-WebSocket-Key: " + KEY + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"


ATTEMPTS = {
    # a proxy without proxy_set_header Upgrade/Connection: both dropped,
    # Connection: close from proxy_http_version 1.0; the app answers 400
    "attempt-dropped-upgrade": (41001, 8080, [
        (0, ws_request(None, b"close")),
        (1, b"HTTP/1.1 400 Bad Request\r\nServer: gunicorn\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]),
    # Connection rewritten to keep-alive, Upgrade kept; a catch-all answers 200
    "attempt-keepalive": (41002, 8080, [
        (0, ws_request(b"websocket", b"keep-alive")),
        (1, b"HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Length: 2\r\n\r\nok")]),
    # h2c: an HTTP/1.1 upgrade to HTTP/2 cleartext, then HTTP/2 frames
    "h2c-upgrade": (41003, 80, [
        (0, b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
        (1, b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
            + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"                      # SETTINGS
            + b"\x00\x00\x0d\x01\x04\x00\x00\x00\x01" + b"\x88" + b"\x0f\x0d\x02" + b"10" + rnd_bytes(5, 7)),
        (0, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
            + b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"),
        (1, b"\x00\x00\x00\x04\x01\x00\x00\x00\x00" + b"\x00\x00\x02\x00\x01\x00\x00\x00\x01ok"),
        (0, b"\x00\x00\x08\x07\x00\x00\x00\x00\x00" + b"\x00\x00\x00\x01\x00\x00\x00\x00")]),
}


def write(path, frames, snaplen=262144):
    with open(path, "wb") as f:
        f.write(pcap(frames, snaplen))


def gen_synthetic(outdir):
    names = []
    for n, (name, (cp, sp, msgs)) in enumerate(sorted({**PROTOCOLS, **ATTEMPTS}.items())):
        conv = conversation(msgs, cp, sp, t0=1700000000.0 + n, seed=n + 1)
        write(os.path.join(outdir, name + ".pcap"), [(t, f) for t, f, _, _ in conv])
        names.append(name)
        if name in PROTOCOLS:
            # mid-stream: no TCP handshake; and with more than two messages,
            # not the first one of each side either
            skip = 2 if len(msgs) > 2 else 0
            frames = [(t, f) for t, f, hs, idx in conv
                      if not hs and (idx is None or idx >= skip)]
            write(os.path.join(outdir, name + "-nosyn.pcap"), frames)
            names.append(name + "-nosyn")
        if name == "neg-tls":
            # from the first application data record on (0x17 0x03 0x03)
            frames = [(t, f) for t, f, hs, idx in conv if not hs and (idx is None or idx >= 4)]
            write(os.path.join(outdir, "neg-tls-appdata-nosyn.pcap"), frames)
            names.append("neg-tls-appdata-nosyn")
    return names


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, "little-endian microsecond pcap expected"
    link = struct.unpack("<I", data[20:24])[0]
    assert link == LINKTYPE_ETHERNET
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, usec, cap, wire = struct.unpack("<IIII", data[pos:pos + 16])
        out.append((sec + usec / 1e6, data[pos + 16:pos + 16 + cap]))
        pos += 16 + cap
    return out


def gen_cuts(outdir, pcaps):
    src = os.path.join(pcaps, "py-normal-1000.pcap")
    if not os.path.exists(src):
        return []
    pk = read_pcap(src)
    write(os.path.join(outdir, "only101.pcap"), pk[5:])
    write(os.path.join(outdir, "snaplen.pcap"), pk, snaplen=100)
    # packet 12 (the server's FIN) removed, as `editcap in out 12`
    write(os.path.join(outdir, "nofin.pcap"), pk[:11] + pk[12:])
    return ["only101", "snaplen", "nofin"]


def main():
    outdir = sys.argv[1]
    pcaps = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "pcaps")
    os.makedirs(outdir, exist_ok=True)
    for n in gen_synthetic(outdir) + gen_cuts(outdir, pcaps):
        print(n)


if __name__ == "__main__":
    main()
