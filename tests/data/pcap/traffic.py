#!/usr/bin/env python3
"""Sends the traffic that tests/data/pcap/make.sh captures, to PORT on loopback: 48 UDP
datagrams over IPv4 from 4 source ports (payloads 0..47 bytes long whose first byte is the
datagram's number), 16 over IPv6, 2 empty ones, and 6 TCP connection attempts (3 per family)
to the closed port PORT+1 (a SYN each, answered by a RST that the capture holds too)."""
import socket, sys, time

port = int(sys.argv[1])
for fam, host, count in ((socket.AF_INET, "127.0.0.1", 48), (socket.AF_INET6, "::1", 16)):
    socks = []
    for _ in range(4):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, 0))
        socks.append(s)
    for i in range(count):
        socks[i % 4].sendto(bytes([i]) + b"x" * (i % 7), (host, port))
    socks[0].sendto(b"", (host, port))
for host in ("127.0.0.1", "::1", "127.0.0.1", "::1", "127.0.0.1", "::1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    try:
        c.connect((host, port + 1))
    except OSError:
        pass
    c.close()
time.sleep(0.2)
