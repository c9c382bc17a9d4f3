#!/usr/bin/python3
"""Write tests/data/tls12-vectors.txt from the TLS 1.2 captures in pcaps/tls/:
for each, the client's first application data record with what decrypts it,
and its plaintext as tshark decrypts it (the oracle: not wsclosed).

usage: pcaps/tls/make-vectors.py [OUT]

Line format (spaces): suite etm client_random server_random master seq record plaintext
  suite  the cipher suite number (hex), etm 1 when encrypt_then_mac was
  negotiated, seq the record's sequence number (records the client sent
  after its ChangeCipherSpec before it), record the whole record (hex),
  plaintext tshark's decryption of it (hex).
"""
import glob
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))


def tshark(*args):
    return subprocess.run(["tshark", "-n"] + list(args), capture_output=True, text=True,
                          timeout=120, check=True).stdout


def follow(pcap, proto, keylog=None):
    """(client bytes, [client chunks]) of stream 0, as tshark follows it"""
    extra = ["-o", "tls.keylog_file:" + keylog] if keylog else []
    out = tshark("-r", pcap, *extra, "-q", "-z", "follow,%s,raw,0" % proto)
    chunks = []
    body = False
    for line in out.splitlines():
        if line.startswith("Node 1:"):
            body = True
            continue
        if not body or line.startswith("=") or not line.strip():
            continue
        if not line.startswith("\t"):
            chunks.append(bytes.fromhex(line.strip()))
    return b"".join(chunks), chunks


def main(argv):
    out_path = argv[1] if len(argv) > 1 else os.path.join(here, "..", "..", "tests", "data",
                                                          "tls12-vectors.txt")
    lines = ["# made by pcaps/tls/make-vectors.py from pcaps/tls/tls12-*.pcap; the "
             "plaintext is tshark's decryption"]
    for pcap in sorted(glob.glob(os.path.join(here, "tls12-*.pcap"))):
        keylog = pcap[:-5] + ".keylog"
        f = tshark("-r", pcap, "-T", "fields", "-E", "separator=|", "-e", "tls.handshake.type",
                   "-e", "tls.handshake.random", "-e", "tls.handshake.ciphersuite",
                   "-e", "tls.handshake.extension.type", "-Y", "tls.handshake.type == 1 || "
                   "tls.handshake.type == 2")
        cr = sr = suite = None
        etm = 0
        for row in f.splitlines():
            t, rnd, cs, ext = row.split("|")
            if t.split(",")[0] == "1":
                cr = rnd.split(",")[0]
            elif t.split(",")[0] == "2":
                sr, suite = rnd.split(",")[0], cs.split(",")[0]
                etm = 1 if "22" in ext.split(",") else 0
        master = None
        for kl in open(keylog):
            p = kl.split()
            if len(p) == 3 and p[0] == "CLIENT_RANDOM" and p[1].lower() == cr.lower():
                master = p[2]
        stream, _ = follow(pcap, "tcp")
        # walk the client's records: count those after its CCS
        i, seq, after_ccs, rec = 0, 0, False, None
        while i + 5 <= len(stream):
            n = int.from_bytes(stream[i + 3:i + 5], "big")
            r = stream[i:i + 5 + n]
            if r[0] == 20:
                after_ccs = True
            elif after_ccs and r[0] == 23:
                rec = r
                break
            elif after_ccs:
                seq += 1
            i += 5 + n
        _, plain_chunks = follow(pcap, "tls", keylog)
        plain = plain_chunks[0]
        lines.append(" ".join([suite[2:].lower(), str(etm), cr, sr, master, str(seq),
                               rec.hex(), plain.hex()]))
    with open(out_path, "w") as o:
        o.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
