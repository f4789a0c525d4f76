#!/usr/bin/env python3
"""Converts a classic pcap capture: `raw IN OUT` strips the 14-byte Ethernet headers of an
Ethernet capture (link type 1) and writes link type RAW (101); `null IN OUT` replaces them by
the 4-byte address family of BSD loopback (link type NULL, 0; AF_INET 2, macOS's AF_INET6 30,
in little-endian order as a little-endian machine writes it); `pcapng IN OUT` writes the
same frames as pcapng (a section header, one interface description with the input's link
type, an enhanced packet block per frame, nanosecond timestamps)."""
import struct, sys

def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    _, _, _, _, snap, link = struct.unpack(e + "HHiIII", data[4:24])
    frames, at = [], 24
    while at + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[at:at + 16])
        ns = sec * 10**9 + (frac if nano else frac * 1000)
        frames.append((ns, orig, data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return link, snap, frames

def write_stripped(link, snap, frames, out, new_link, head):
    assert link == 1, "this conversion takes an Ethernet capture"
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snap, new_link))
        for ns, orig, frame in frames:
            ip = frame[14:]
            body = head(ip) + ip
            f.write(struct.pack("<IIII", ns // 10**9, (ns % 10**9) // 1000, len(body), orig - 14 + len(body) - len(ip)))
            f.write(body)

def write_raw(link, snap, frames, out):
    write_stripped(link, snap, frames, out, 101, lambda ip: b"")

def write_null(link, snap, frames, out):
    write_stripped(link, snap, frames, out, 0, lambda ip: struct.pack("<I", 30 if ip[0] >> 4 == 6 else 2))

def block(kind, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)

def write_pcapng(link, snap, frames, out):
    with open(out, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        # if_tsresol (option 9) = 9: nanoseconds; then opt_endofopt.
        f.write(block(1, struct.pack("<HHI", link, 0, snap) + struct.pack("<HHB3x", 9, 1, 9) + b"\0" * 4))
        for ns, orig, frame in frames:
            f.write(block(6, struct.pack("<IIIII", 0, ns >> 32, ns & 0xFFFFFFFF, len(frame), orig) + frame))

kind, src, dst = sys.argv[1:4]
link, snap, frames = read_pcap(src)
{"raw": write_raw, "null": write_null, "pcapng": write_pcapng}[kind](link, snap, frames, dst)
