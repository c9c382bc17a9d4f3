#!/usr/bin/python3
"""Seeds for fuzz/fuzz-tls.c in fuzz/corpus/tls/: each capture of pcaps/tls/
as the target reads it (its key log, then its TCP payloads in capture order,
side by side), cut to its first 6000 stream bytes, plus the same without the
key log, with the key log arriving late (live), and with every chunk split
in two.

usage: fuzz/make-tls-corpus.py
"""
import hashlib
import glob
import os
import subprocess

here = os.path.dirname(os.path.abspath(__file__))
caps = os.path.join(here, "..", "pcaps", "tls")
out = os.path.join(here, "corpus", "tls")
os.makedirs(out, exist_ok=True)


def chunks(pcap):
    rows = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "tcp.stream == 0 && tcp.len > 0",
                           "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.payload"],
                          capture_output=True, text=True, check=True).stdout.split("\n")
    syn = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "tcp.flags.syn == 1 && "
                          "tcp.flags.ack == 0", "-T", "fields", "-e", "tcp.srcport"],
                         capture_output=True, text=True, check=True).stdout.split()[0]
    total = 0
    for r in rows:
        if not r.strip():
            continue
        port, payload = r.split("\t")
        b = bytes.fromhex(payload.replace(":", ""))
        if total + len(b) > 6000:
            break
        total += len(b)
        yield (0 if port == syn else 1), b


def seed(keylog, parts, late=False):
    s = (len(keylog) | (0x8000 if late else 0)).to_bytes(2, "big") + keylog
    for side, b in parts:
        s += bytes([side]) + len(b).to_bytes(2, "big") + b
    return s


def write(data):
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


for pcap in sorted(glob.glob(os.path.join(caps, "*.pcap"))):
    kl = pcap[:-5] + ".keylog"
    keylog = open(kl, "rb").read() if os.path.exists(kl) else b""   # ws-twin: none
    parts = list(chunks(pcap))
    write(seed(keylog, parts))
    write(seed(b"", parts))
    write(seed(keylog, parts, late=True))
    split = []
    for side, b in parts:
        split += [(side, b[:len(b) // 2]), (side, b[len(b) // 2:])]
    write(seed(keylog, split))
