#!/usr/bin/env python3
"""Seeds a fuzz target's corpus from the shared captures, in the record
formats of Sources/FuzzSupport/FuzzInput.swift:

  dns, dhcp         one UDP payload per file (tshark's udp.payload)
  http, tls         one TCP connection per file as stream chunks
                    [flags u8: bit 0 server side][length u16][bytes]
  tcp               one TCP connection per file as segments
                    [flags u8: bit 0 server side, 1 SYN, 2 FIN, 3 RST][seq u32][length u16][payload]
  icmp, engine      Ethernet frames [time step u8, x100 ms][length u16][frame]
                    (icmp: the ICMP frames of a capture; engine: its first frames)
  dissector         one frame per file: [link type index u8][frame]

usage: seeds.py PARSER CORPUS_DIR [PCAP_DIR]
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

MAX_SEED = 16 << 10
# FuzzDissector's link types, by index; keys are pcap LINKTYPE_ values.
LINKS = {1: 0, 101: 1, 0: 2, 108: 3, 113: 4, 276: 5, 228: 6, 229: 7}


def captures(root):
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if name.endswith((".pcap", ".pcapng")):
                yield os.path.join(folder, name)


def tshark_fields(path, display_filter, fields):
    command = ["tshark", "-r", path, "-Y", display_filter, "-T", "fields", "-E", "separator=,"]
    for field in fields:
        command += ["-e", field]
    result = subprocess.run(command, capture_output=True, text=True)
    return [line.split(",") for line in result.stdout.splitlines() if line]


def frames(path, display_filter=None):
    """(link type, time in ns, bytes) of each frame tshark shows."""
    command = ["tshark", "-r", path, "-T", "json", "-x"]
    if display_filter:
        command += ["-Y", display_filter]
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        packets = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        return
    for packet in packets:
        layers = packet["_source"]["layers"]
        raw = layers.get("frame_raw")
        frame = layers.get("frame", {})
        if not raw:
            continue
        seconds = float(frame.get("frame.time_epoch", "0"))
        link = pcap_link(frame.get("frame.encap_type", ""))
        yield link, int(seconds * 1e9), bytes.fromhex(raw[0] if isinstance(raw, list) else raw)


def pcap_link(encap):
    # Wireshark encapsulation numbers of the link types NetSift reads.
    return {"1": 1, "7": 101, "15": 0, "25": 113, "129": 228, "130": 229, "210": 276}.get(encap, -1)


def connections(path, display_filter):
    """TCP connections (any packet matching the filter) as lists of
    (server side, seq, flags, payload), the first sender as the client."""
    streams = {row[0] for row in tshark_fields(path, display_filter, ["tcp.stream"]) if row[0]}
    rows = tshark_fields(path, "tcp", ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.seq_raw",
                                       "tcp.flags", "tcp.payload"])
    out, clients = {}, {}
    for stream, src4, src6, port, seq, flags, payload in rows:
        if stream not in streams:
            continue
        sender = (src4 or src6, port)
        client = clients.setdefault(stream, sender)
        out.setdefault(stream, []).append((sender != client, int(seq or 0), int(flags or "0", 16),
                                           bytes.fromhex(payload)))
    return [out[key] for key in sorted(out, key=int)]


def stream_seed(segments):
    data = b""
    for server, _, _, payload in segments:
        if payload:
            data += struct.pack(">BH", 1 if server else 0, len(payload)) + payload
    return data


def segment_seed(segments):
    data = b""
    for server, seq, flags, payload in segments:
        bits = (1 if server else 0) | (2 if flags & 0x02 else 0) | (4 if flags & 0x01 else 0) | (8 if flags & 0x04 else 0)
        data += struct.pack(">BIH", bits, seq, len(payload)) + payload
    return data


def frame_seed(found):
    data, last = b"", None
    for link, time, frame in found:
        if link != 1:
            continue
        step = 0 if last is None else max(0, min(255, (time - last) // 100_000_000))
        last = time
        data += struct.pack(">BH", step, len(frame)) + frame
        if len(data) > MAX_SEED:
            break
    return data


def seeds(parser, root):
    for path in captures(root):
        if parser in ("dns", "dhcp"):
            for row in tshark_fields(path, f"{parser} && udp", ["udp.payload"]):
                if row[0]:
                    yield bytes.fromhex(row[0])
        elif parser in ("http", "tls"):
            for connection in connections(path, parser):
                yield stream_seed(connection)
        elif parser == "tcp":
            for connection in connections(path, "tcp"):
                yield segment_seed(connection)
        elif parser == "icmp":
            yield frame_seed(frames(path, "icmp || icmpv6"))
        elif parser == "engine":
            yield frame_seed(frames(path))
        elif parser == "dissector":
            for link, _, frame in list(frames(path))[:40]:
                if link in LINKS:
                    yield bytes([LINKS[link]]) + frame


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    parser, corpus = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("NETSIFT_SHARED")
    root = sys.argv[3] if len(sys.argv) > 3 else (
        (os.path.join(shared, "pcaps") if shared and os.path.isdir(os.path.join(shared, "pcaps")) else shared)
        or os.path.join(here, "..", "..", "..", "shared", "pcaps"))
    os.makedirs(corpus, exist_ok=True)
    count = 0
    for seed in seeds(parser, root):
        seed = seed[:MAX_SEED]
        if not seed:
            continue
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(corpus, name), "wb") as out:
            out.write(seed)
        count += 1
    print(f"{parser}: {count} seeds from {os.path.normpath(root)} in {corpus}")


if __name__ == "__main__":
    main()
