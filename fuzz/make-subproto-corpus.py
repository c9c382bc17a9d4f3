#!/usr/bin/python3
"""Seed corpus of fuzz/fuzz-subproto.c (layout at the top of that file): one
conversation per protocol, from the messages in tests/test-subproto.c (those
of pcaps/libs/ as tshark shows them).  usage: make-subproto-corpus.py OUTDIR"""
import hashlib
import os
import sys

SUBS = [None, "graphql-transport-ws", "graphql-ws", "v12.stomp", "mqtt", "MQTT", "v10.stomp"]
PATHS = [None, "/socket.io/?EIO=4&transport=websocket", "/socket.io/?EIO=3",
         "/socket/websocket?vsn=2.0.0", "/hub?id=x", "/"]
C, S = 0, 1


def pick(sub, path):
    return SUBS.index(sub) + len(SUBS) * PATHS.index(path)


def msg(side, data, binary=False, extra_kib=0):
    data = data if isinstance(data, bytes) else data.encode()
    data = data[:255]
    return bytes([side | (2 if binary else 0) | (extra_kib << 2), len(data)]) + data


SEEDS = {
    "engineio": (pick(None, PATHS[1]), [
        msg(S, '0{"sid":"LtBv","upgrades":[],"pingInterval":1000,"pingTimeout":1000,"maxPayload":1000000}'),
        msg(C, "40"), msg(S, '40{"sid":"1nn"}'), msg(S, "2"), msg(C, "3"), msg(C, "41"),
        msg(S, '44{"message":"Authentication error"}')]),
    "graphql": (pick("graphql-transport-ws", None), [
        msg(C, '{"type":"connection_init"}'), msg(S, '{"type":"connection_ack"}'),
        msg(C, '{"type":"ping"}'), msg(S, '{"type":"pong"}'),
        msg(S, '{"id":"1","type":"error","payload":[{"message":"no"}]}')]),
    "graphql-legacy": (pick("graphql-ws", None), [
        msg(S, '{"type":"ka"}'), msg(C, '{"type":"connection_terminate"}')]),
    "stomp": (pick("v12.stomp", None), [
        msg(C, "CONNECT\naccept-version:1.2\nheart-beat:10000,10000\n\n\0"),
        msg(S, "CONNECTED\nversion:1.2\nheart-beat:5000,20000\n\n\0"), msg(C, "\n"),
        msg(S, "ERROR\nmessage:Session closed.\n\n\0"), msg(C, "DISCONNECT\nreceipt:77\n\n\0")]),
    "mqtt": (pick("mqtt", None), [
        msg(C, b"\x10\x14\x00\x04MQTT\x04\x02\x00\x02\x00\x08wsclosed", True),
        msg(S, b"\x20", True), msg(S, b"\x02", True), msg(S, b"\x00", True), msg(S, b"\x00", True),
        msg(C, b"\xc0\x00", True), msg(S, b"\xd0\x00", True),
        msg(C, b"\x30\xe8\x07" + b"x" * 100, True, 1), msg(S, b"\xe0\x02\x8d\x00", True)]),
    "signalr": (pick(None, PATHS[4]), [
        msg(C, '{"protocol":"json","version":1}\x1e'), msg(S, "{}\x1e"),
        msg(S, '{"type":6}\x1e{"type":6}\x1e'),
        msg(S, '{"type":7,"error":"Connection closed with an error.","allowReconnect":true}\x1e')]),
    "phoenix": (pick(None, PATHS[3]), [
        msg(C, '["3","3","room:lobby","phx_join",{}]'), msg(C, '[null,"4","phoenix","heartbeat",{}]'),
        msg(S, '[null,"4","phoenix","phx_reply",{"response":{},"status":"ok"}]'),
        msg(S, '["3","3","room:lobby","phx_error",{}]')]),
    "sniff": (pick(None, None), [
        msg(S, '0{"sid":"x","pingInterval":25000,"pingTimeout":20000}'), msg(S, "2")]),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, (p, msgs) in SEEDS.items():
    data = bytes([p]) + b"".join(msgs)
    with open(os.path.join(out, "%s-%s" % (name, hashlib.sha1(data).hexdigest()[:8])), "wb") as f:
        f.write(data)
