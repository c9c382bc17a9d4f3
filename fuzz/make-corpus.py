#!/usr/bin/python3
"""Write the seed corpora of the fuzz targets from the captures in pcaps/.

    fuzz/make-corpus.py [PCAP_DIR [CORPUS_DIR]]     (defaults: pcaps fuzz/corpus)

capture/  each capture as it is, one gzip-compressed and one rewritten as
          pcapng (so both readers and the gzip path are seeded)
http/     each handshake header block, whole and with chunking seeds, and the
          101 followed by the first frames
ext/      "offer\\nanswer" from each Sec-WebSocket-Extensions pair, and a few
          hand-written ones (parameters, quoting, errors)
frames/   each connection's stream after the 101 in fuzz-frames' record
          layout (see fuzz/fuzz-frames.c), and once from before the handshake

and capture/frag-*: cut-down copies of tests/data/frag-*.pcap (IP fragment
reassembly; written when tests/data is there): the packets before the third
fragmented datagram, and from frag-dup's cut one copy with an overlap of
different bytes and one with a fragment cut by the snaplen.

and capture/tun-*, capture/ng-*: the tunnel and link-type captures of
tests/data (gen-tunnels.py) and its pcapng files (two link types, an
unsupported interface, injected secrets) as they are.

Standard library only; deterministic (same captures, same files).
"""
import gzip
import hashlib
import os
import struct
import sys

MAX_FRAMES_FILE = 32 * 1024


def read_pcap(path):
    """Yield (linktype, ts_sec, ts_usec, bytes) from a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError(path + ": not a classic pcap")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        sec, usec, incl, _orig = struct.unpack(e + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        yield linktype, sec, usec, pkt


def ip_payload(linktype, pkt):
    """(ip_version, ip_packet) or None."""
    if linktype == 1:  # Ethernet
        off, et = 14, struct.unpack(">H", pkt[12:14])[0]
        if et == 0x8100:
            off, et = 18, struct.unpack(">H", pkt[16:18])[0]
    elif linktype == 113:  # Linux cooked
        off, et = 16, struct.unpack(">H", pkt[14:16])[0]
    elif linktype == 0:  # BSD loopback
        off, et = 4, 0x0800 if pkt[4] >> 4 == 4 else 0x86DD
    elif linktype in (101, 12):
        off, et = 0, 0x0800 if pkt[0] >> 4 == 4 else 0x86DD
    else:
        return None
    return {0x0800: 4, 0x86DD: 6}.get(et), pkt[off:]


def tcp_segments(path):
    """Yield (src, dst, flags, seq, payload) of each TCP segment."""
    for lt, _s, _u, pkt in read_pcap(path):
        r = ip_payload(lt, pkt)
        if not r or not r[0]:
            continue
        ver, ip = r
        if ver == 4:
            ihl = (ip[0] & 15) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            if ip[9] != 6:
                continue
            src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
        else:
            if ip[6] != 6:
                continue
            plen = struct.unpack(">H", ip[4:6])[0]
            src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        yield (src, sport), (dst, dport), tcp[13], seq, tcp[doff:]


def streams(path):
    """Per connection: list of (side, bytes) in capture order, in-order bytes
    only (retransmissions dropped); side 0 is the client (SYN sender)."""
    conns = {}
    order = []
    for src, dst, flags, seq, payload in tcp_segments(path):
        key = tuple(sorted([src, dst]))
        c = conns.get(key)
        if c is None:
            c = {"client": src, "next": {}, "events": []}
            conns[key] = c
            order.append(key)
        if flags & 0x02 and not flags & 0x10:
            c["client"] = src
        side = 0 if src == c["client"] else 1
        if flags & 0x02:
            c["next"][side] = (seq + 1) & 0xFFFFFFFF
            continue
        if not payload:
            continue
        nxt = c["next"].get(side, seq)
        delta = (seq - nxt) & 0xFFFFFFFF
        if delta == 0:
            pass
        elif delta > 0x80000000 and (nxt - seq) & 0xFFFFFFFF < len(payload):
            payload = payload[(nxt - seq) & 0xFFFFFFFF:]  # partly old
        else:
            continue  # old or ahead: this simple reassembler skips it
        c["next"][side] = (nxt + len(payload)) & 0xFFFFFFFF
        c["events"].append((side, payload))
    return [conns[k]["events"] for k in order]


def header_block(data):
    i = data.find(b"\r\n\r\n")
    return (data[:i + 4], data[i + 4:]) if i >= 0 else (None, data)


def header_value(block, name):
    vals = []
    for line in block.split(b"\r\n")[1:]:
        k, sep, v = line.partition(b":")
        if sep and k.strip().lower() == name:
            vals.append(v.strip())
    return b", ".join(vals) if vals else None


def frames_records(events, cfg, skip):
    """fuzz-frames layout; skip[side] bytes of each side are left out."""
    out = bytearray([cfg])
    skip = list(skip)
    for side, data in events:
        if skip[side]:
            cut = min(skip[side], len(data))
            skip[side] -= cut
            data = data[cut:]
        while data:
            chunk, data = data[:0xFFFF], data[0xFFFF:]
            if len(chunk) < 62:
                out.append(len(chunk) << 2 | side)
            else:
                out.append(63 << 2 | side)
                out += struct.pack(">H", len(chunk))
            out += chunk
        if len(out) > MAX_FRAMES_FILE:
            break
    return bytes(out[:MAX_FRAMES_FILE])


def pcapng_of(path):
    """The same packets as a little-endian pcapng (SHB, IDB, EPBs)."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    pkts = list(read_pcap(path))
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", pkts[0][0] if pkts else 1, 0, 262144))
    for _lt, sec, usec, pkt in pkts:
        ts = sec * 1000000 + usec
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(pkt), len(pkt)) + pkt)
    return out


EXT_SEEDS = [
    b"permessage-deflate; client_max_window_bits\npermessage-deflate; server_max_window_bits=10",
    b"permessage-deflate; client_max_window_bits; server_no_context_takeover\n"
    b"permessage-deflate; client_max_window_bits=9; server_no_context_takeover; client_no_context_takeover",
    b"permessage-deflate; server_max_window_bits=\"12\", permessage-deflate\npermessage-deflate; server_max_window_bits=\"12\"",
    b"x-webkit-deflate-frame, permessage-deflate\npermessage-deflate; server_max_window_bits=7",
    b"permessage-deflate\npermessage-deflate; client_max_window_bits=15",
    b"foo; a=\"b\\\"c\"; d, bar;;e=\npermessage-deflate; server_no_context_takeover=1; server_no_context_takeover",
    b"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r\na;1;2;3;4;5;6;7;8;9",
]


def put(dirname, content, written):
    name = hashlib.sha1(content).hexdigest()[:16]
    if name in written:
        return
    written.add(name)
    with open(os.path.join(dirname, name), "wb") as f:
        f.write(content)


def pcap_records(data):
    """(global header, [[record header, packet]]) of a little-endian classic pcap."""
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        raise ValueError("not a little-endian microsecond pcap")
    recs, pos = [], 24
    while pos + 16 <= len(data):
        incl = struct.unpack("<I", data[pos + 8:pos + 12])[0]
        recs.append([bytearray(data[pos:pos + 16]), bytearray(data[pos + 16:pos + 16 + incl])])
        pos += 16 + incl
    return data[:24], recs


def frag_id(linktype, pkt):
    """(version, ID) of an IP fragment, else None."""
    got = ip_payload(linktype, bytes(pkt))
    if not got or got[0] is None:
        return None
    v, ip = got
    if v == 4:
        if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
            return 4, struct.unpack(">H", ip[4:6])[0]
        return None
    nh, off = ip[6], 40
    if nh == 0:  # hop-by-hop first
        nh, off = ip[40], 40 + (ip[41] + 1) * 8
    if nh == 44:
        return 6, struct.unpack(">I", ip[off + 4:off + 8])[0]
    return None


def frag_seeds(data_dir, capture_dir, written):
    for name in ("frag-ipv4", "frag-ipv6", "frag-dup"):
        path = os.path.join(data_dir, name + ".pcap")
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            head, recs = pcap_records(f.read())
        linktype = struct.unpack("<I", head[20:24])[0]
        ids, keep = [], []
        for rec in recs:
            fid = frag_id(linktype, rec[1])
            if fid is not None and fid not in ids:
                ids.append(fid)
                if len(ids) == 3:
                    break
            keep.append(rec)
        variants = [(name + "-head", keep)]
        if name == "frag-dup":
            # the second copy of the first fragment: its last byte flipped
            first = next(i for i, r in enumerate(keep) if frag_id(linktype, r[1]))
            conflict = [[bytearray(h), bytearray(p)] for h, p in keep]
            conflict[first + 1][1][-1] ^= 0xFF
            variants.append(("frag-dup-conflict", conflict))
            # the second fragment of the first datagram (both copies) cut short
            cut = [[bytearray(h), bytearray(p)] for h, p in keep]
            for i in (first + 2, first + 3):
                cut[i][1] = cut[i][1][:len(cut[i][1]) - 10]
                struct.pack_into("<I", cut[i][0], 8, len(cut[i][1]))
            variants.append(("frag-dup-snaplen", cut))
        for vname, rs in variants:
            content = head + b"".join(bytes(h) + bytes(p) for h, p in rs)
            if vname in written:
                continue
            written.add(vname)
            with open(os.path.join(capture_dir, vname), "wb") as f:
                f.write(content)


def tunnel_seeds(data_dir, capture_dir, written):
    if not os.path.isdir(data_dir):
        return
    for name in sorted(os.listdir(data_dir)):
        if name.startswith("tun-") and name.endswith(".pcap"):
            vname = name[:-len(".pcap")]
        elif name.endswith(".pcapng") and name != "pcapng.pcapng":
            vname = "ng-" + name[:-len(".pcapng")]
        else:
            continue
        if vname in written:
            continue
        written.add(vname)
        with open(os.path.join(data_dir, name), "rb") as f, \
                open(os.path.join(capture_dir, vname), "wb") as g:
            g.write(f.read())


def main():
    pcap_dir = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join("fuzz", "corpus")
    dirs = {t: os.path.join(out_dir, t) for t in ("capture", "http", "ext", "frames")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    written = set()
    pcaps = sorted(p for p in os.listdir(pcap_dir) if p.endswith(".pcap"))
    for i, name in enumerate(pcaps):
        path = os.path.join(pcap_dir, name)
        with open(path, "rb") as f:
            raw = f.read()
        put(dirs["capture"], raw, written)
        if i == 0:
            put(dirs["capture"], gzip.compress(raw, mtime=0), written)
        if i == 1:
            put(dirs["capture"], pcapng_of(path), written)
        for events in streams(path):
            client = b"".join(d for s, d in events if s == 0)
            server = b"".join(d for s, d in events if s == 1)
            req, _ = header_block(client)
            resp, after = header_block(server)
            for block in (req, resp):
                if block:
                    put(dirs["http"], b"\x00\x00" + block, written)
                    put(dirs["http"], b"\x5a\x00" + block, written)
            if resp:
                put(dirs["http"], b"\x11\x04" + resp + after[:256], written)
            offer = header_value(req, b"sec-websocket-extensions") if req else None
            answer = header_value(resp, b"sec-websocket-extensions") if resp else None
            if offer is not None or answer is not None:
                put(dirs["ext"], (offer or b"") + b"\n" + (answer or b""), written)
            pmd = bool(answer and b"permessage-deflate" in answer.lower())
            if resp and resp.startswith(b"HTTP/1.1 101"):
                cfg = 0x01 if pmd else 0x00
                put(dirs["frames"], frames_records(events, cfg, (len(req or b""), len(resp))), written)
            if req:
                put(dirs["frames"], frames_records(events, 0x08, (0, 0)), written)
    for seed in EXT_SEEDS:
        put(dirs["ext"], seed, written)
    frag_seeds(os.path.join(os.path.dirname(pcap_dir) or ".", "tests", "data"),
               dirs["capture"], written)
    tunnel_seeds(os.path.join(os.path.dirname(pcap_dir) or ".", "tests", "data"),
                 dirs["capture"], written)
    print("wrote %d files under %s" % (len(written), out_dir))


if __name__ == "__main__":
    main()
