"""expected.py - what both scenario lists (pcaps/scenarios.py and
pcaps/libs/scenarios.py) write the same way: the client endpoints of a
capture (from tshark, tshark_facts.py) and the SCENARIO.expected.jsonl
lines, one a connection the scenario made, with what is known from how it
was made and the endpoints filled in."""

import json
import os
import sys

# a value left out of the expected record: who did it first is a race
RACE = "race"


def client_endpoints(pcap, server_ports=None, decode_as_ports=False):
    """Client ip/port and server port of each WebSocket connection of pcap, in
    order (from the capture); only those to server_ports when given."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tshark_facts
    return [(r["client_ip"], r["client_port"], r["server_port"])
            for r in tshark_facts.facts(pcap, decode_as_ports=decode_as_ports)
            if server_ports is None or r["server_port"] in server_ports]


def write_jsonl(pcap, conns, ports, clients, extra=None):
    """Write pcap's .expected.jsonl: each of conns (conn() dicts: keys with a
    leading _ are the recipe, not the record) with its server from ports and
    its client from clients when the capture has it in that place; extra is
    added to every line.  Returns the file's name."""
    out = os.path.splitext(pcap)[0] + ".expected.jsonl"
    with open(out, "w") as f:
        for i, c in enumerate(conns):
            port = ports[c["_port"]]
            rec = {k: v for k, v in c.items() if not k.startswith("_") and v != RACE}
            if "evidence_include" in rec:
                rec["evidence_include"] = list(rec["evidence_include"])
            rec.update(file=os.path.basename(pcap), server_ip="127.0.0.1", server_port=port,
                       host="127.0.0.1:%d" % ports[c["_host"]], **(extra or {}))
            rec["server"] = "127.0.0.1:%d" % port
            if i < len(clients) and clients[i][2] == port:
                rec.update(client_ip=clients[i][0], client_port=clients[i][1],
                           client="%s:%d" % clients[i][:2])
            f.write(json.dumps(rec, sort_keys=True) + "\n")
    return out
