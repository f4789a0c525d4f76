"""A 4-socket SO_REUSEPORT UDP server on 127.0.0.1 that closes socket N when its stdin says
`close N`, for the loader's tests of a table with a hole. Prints "READY <pid> <port>", then
"closed N" after each close; answers each datagram with "sock=<index>".
"""
import os, select, socket, sys

socks = {}
port = 0
for i in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))
    port = s.getsockname()[1]
    socks[i] = s
print("READY", os.getpid(), port, flush=True)
while True:
    r, _, _ = select.select([sys.stdin] + list(socks.values()), [], [])
    for f in r:
        if f is sys.stdin:
            line = sys.stdin.readline()
            if not line:
                sys.exit(0)
            n = int(line.split()[1])
            socks.pop(n).close()
            print("closed", n, flush=True)
        else:
            i = [k for k, v in socks.items() if v is f][0]
            data, peer = f.recvfrom(2048)
            f.sendto(b"sock=%d" % i, peer)
