#!/usr/bin/env python3
"""Small helpers for bench/run and bench/runner.py (standard library only).

  helper.py insns OBJ            BPF instruction slots in OBJ's program sections
                                 (executable sections with code; ld_imm64 counts 2)
  helper.py proginfo PATH|ID     JSON {xlated, jited, verified_insns, run_time_ns, run_cnt}
                                 of a pinned program (path) or a program id, read with
                                 BPF_OBJ_GET_INFO_BY_FD (bpftool 7.1 does not print
                                 verified_insns)
  helper.py send PORT N          send N UDP datagrams to 127.0.0.1:PORT from one
                                 unconnected socket (16-byte payloads, first byte varies,
                                 header bit 0x80 clear)
  helper.py median V...          median of numbers
"""
import ctypes
import json
import os
import socket
import struct
import sys

SYS_BPF = 321  # x86_64
BPF_PROG_GET_FD_BY_ID = 13
BPF_OBJ_GET = 7
BPF_OBJ_GET_INFO_BY_FD = 15

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r, buf


def insn_count(path):
    """BPF instruction slots in the program (executable) sections of an ELF object."""
    data = open(path, "rb").read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, _ = struct.unpack_from("<HHH", data, 0x3A)
    total = 0
    for i in range(shnum):
        off = shoff + i * shentsize
        _name, sh_type, flags, _addr, _o, size = struct.unpack_from("<IIQQQQ", data, off)
        if sh_type == 1 and flags & 0x4:  # PROGBITS, SHF_EXECINSTR
            total += size // 8
    return total


def insns(path):
    print(insn_count(path))


def prog_info(what):
    """{xlated, jited, verified_insns, run_time_ns, run_cnt} of a pinned program (a path) or
    a program id."""
    if what.isdigit():
        fd, _ = bpf(BPF_PROG_GET_FD_BY_ID, struct.pack("<I", int(what)) + bytes(124))
    else:
        path = ctypes.create_string_buffer(what.encode())
        fd, _ = bpf(BPF_OBJ_GET, struct.pack("<QIIi", ctypes.addressof(path), 0, 0, 0) + bytes(108))
    try:
        info = ctypes.create_string_buffer(256)
        attr = struct.pack("<IIQ", fd, 256, ctypes.addressof(info)) + bytes(112)
        bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        raw = info.raw
        jited, xlated = struct.unpack_from("<II", raw, 16)
        run_time_ns, run_cnt = struct.unpack_from("<QQ", raw, 192)
        verified, = struct.unpack_from("<I", raw, 216)
        return {"xlated": xlated, "jited": jited, "verified_insns": verified,
                "run_time_ns": run_time_ns, "run_cnt": run_cnt}
    finally:
        os.close(fd)


def proginfo(what):
    print(json.dumps(prog_info(what)))


def send(port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = ("127.0.0.1", port)
    payloads = [bytes([i & 0x3F, i & 0xFF]) + bytes(14) for i in range(256)]
    sent = 0
    for i in range(n):  # bounded
        try:
            s.sendto(payloads[i & 0xFF], dst)
            sent += 1
        except OSError:
            pass  # e.g. ECONNREFUSED after a drop's ICMP; keep going
    print(sent)


def median(vals):
    v = sorted(float(x) for x in vals)
    n = len(v)
    m = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    print(f"{m:.3f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "insns":
        insns(args[0])
    elif cmd == "proginfo":
        proginfo(args[0])
    elif cmd == "send":
        send(int(args[0]), int(args[1]))
    elif cmd == "median":
        median(args)
    else:
        sys.exit(f"unknown command {cmd}")
