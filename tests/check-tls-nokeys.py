#!/usr/bin/env python3
"""wsclosed --tls without a key log on a capture of pcaps/tls/: every TLS
connection a record of kind tls whose facts are checked against the
scenario (expected.jsonl: SNI, version, suite, ALPN) and against tshark
(who sent the first FIN/RST and which, each side's last TLS record before
it: silence_before_end), and whose cause follows from the scenario: the
timing causes (peer_reset for an RST, idle_timeout for a silent end) with
confidence medium and a detail saying the payload was not seen, else
tls_not_decrypted / no_key_log.

usage: check-tls-nokeys.py WSCLOSED EXPECTED.jsonl     (TAP lines on stdout)
"""
import json, os, subprocess, sys

wsclosed, exp_path = sys.argv[1], sys.argv[2]
here = os.path.dirname(exp_path)
exp = [json.loads(l) for l in open(exp_path) if l.startswith("{")]
pcap = os.path.join(here, exp[0]["file"])
name = os.path.basename(pcap)

out = subprocess.run([wsclosed, "-r", pcap, "--tls", "-F", "json"], capture_output=True,
                     text=True, check=True).stdout
recs = {r["client_port"]: r for r in map(json.loads, out.splitlines()) if r["kind"] == "tls"}
exp = [e for e in exp if "tls.version" in e]     # nginx-*: the plain legs are not TLS

tsh = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.time_epoch",
                      "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.fin",
                      "-e", "tcp.flags.reset", "-e", "tls.record.length"],
                     capture_output=True, text=True, check=True).stdout
pkts = []
for line in tsh.splitlines():
    f = line.split("\t")
    pkts.append((float(f[0]), int(f[1]), int(f[2]), f[3] in ("1", "True"),
                 f[4] in ("1", "True"), f[5] != ""))

n = 0
def check(ok, what):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s: %s" % (n, name, what))

check(len(recs) == len(exp), "%d records of kind tls for %d connections" % (len(recs), len(exp)))
for e in exp:
    cport = int(e["client"].rsplit(":", 1)[1])
    sport = int(e["server"].rsplit(":", 1)[1])
    r = recs.get(cport)
    if r is None:
        check(False, "no record for client port %d" % cport)
        continue
    t = r["tls"]
    who = "port %d" % cport
    check(r["kind"] == "tls" and t["decrypted"] is False
          and t["not_decrypted_reason"] == "no_key_log", who + ": kind tls, no_key_log")
    # the chosen ALPN of TLS 1.3 is in the encrypted extensions: not seen
    alpn = e["tls.alpn"] if e["tls.version"] != "TLS 1.3" else None
    check([t["sni"], t["version"], t["cipher_suite"], t["alpn_offered"], t["alpn"]]
          == [e["tls.sni"], e["tls.version"], e["tls.cipher_suite"], e["tls.alpn_offered"],
              alpn], who + ": SNI, version, suite, ALPN as the scenario (%s)" % alpn)
    mine = [p for p in pkts if {p[1], p[2]} == {cport, sport}]
    ends = [p for p in mine if p[3] or p[4]]
    first = ends[0]
    side = "client" if first[1] == cport else "server"
    how = "rst" if any(p[4] for p in ends) else "fin"     # an RST, if any, is the end
    check([r["tcp_end"], r["tcp_end_by"]] == [how, side],
          who + ": TCP end %s, first FIN/RST by the %s (tshark)" % (how, side))
    for s, port in (("client", cport), ("server", sport)):
        last = [p[0] for p in mine if p[1] == port and p[5] and p[0] <= first[0]]
        want = round(first[0] - last[-1], 6) if last else None
        got = t["silence_before_end"][s]
        check(got is not None and want is not None and abs(got - want) < 2e-6,
              who + ": %s silent %s s before the end (tshark %s)" % (s, got, want))
    c = r["cause"]
    if e.get("cause_id") in ("peer_reset", "idle_timeout"):
        check(c["id"] == e["cause_id"] and c["confidence"] == "medium"
              and c["detail"].endswith("payload_not_seen"),
              who + ": %s by the timing, medium, payload not seen (got %s/%s/%s)"
              % (e["cause_id"], c["id"], c["confidence"], c["detail"]))
    else:
        check(c["id"] == "tls_not_decrypted" and c["detail"] == "no_key_log",
              who + ": tls_not_decrypted/no_key_log, no timing cause for a %s end (got %s)"
              % (e.get("cause_id"), c["id"]))
