#!/bin/sh
# Remakes the captures of tests/data/pcap/ (as root): tcpdump on loopback while traffic.py
# sends UDP over IPv4 and IPv6 and TCP SYNs to a free port; the same traffic captured three
# ways (Ethernet on `lo`, Linux cooked v1 and v2 on `any`), then converted by convert.py to
# raw IP, BSD loopback and pcapng.
set -eu
cd "$(dirname "$0")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
filter="port $port or port $((port + 1))"
capture() { # FILE ARGS...
    out=$1; shift
    tcpdump -q -n -U -w "$out" "$@" "$filter" & pid=$!
    sleep 1.5
    python3 traffic.py "$port"
    sleep 0.5
    kill "$pid"; wait "$pid" || true
}
capture lo.pcap -i lo
capture any_sll2.pcap -i any -y LINUX_SLL2
capture any_sll.pcap -i any -y LINUX_SLL
python3 convert.py raw lo.pcap raw.pcap
python3 convert.py null lo.pcap null.pcap
python3 convert.py pcapng any_sll2.pcap any_sll2.pcapng
ls -l ./*.pcap ./*.pcapng
