#!/usr/bin/env python3
"""What `--count` costs per packet: each policy loaded with and without verdict counters onto
a 4-socket UDP server, the same datagrams sent to both, ns per program run read from the
kernel (`kernel.bpf_stats_enabled=1`, run_time_ns / run_cnt). Writes bench/counters.md.

    sudo bench/counters.py [--packets N] [--rounds R]

Needs root, bpftool and a built rsteer (`$RSTEER`, default target/debug/rsteer: the BPF code
is the same whatever profile built the compiler). Numbers are reported, not checked.
"""
import argparse, json, os, socket, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RSTEER = os.environ.get("RSTEER", os.path.join(ROOT, "target/debug/rsteer"))
SERVER = os.path.join(os.path.dirname(RSTEER), "rsteer-testserver")
POLICIES = ["payload_mod", "src_port_mod", "short_drop", "override_table"]


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def prog_stats(prog_id):
    info = json.loads(sh("bpftool", "-j", "prog", "show", "id", str(prog_id)))
    return info.get("run_time_ns", 0), info.get("run_cnt", 0)


def measure(policy, count, packets):
    srv = subprocess.Popen([SERVER, "--proto", "udp", "--sockets", "4", "--duration-secs", "600"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = srv.stdout.readline().split()
    pid = int(ready[1].split("=")[1]); port = int(ready[2].split("=")[1])
    # Drain the server's report lines so it never blocks.
    import threading
    threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
    name = f"rsteer_bench_{os.getpid()}_{policy}_{int(count)}".replace("_", "-")
    args = [RSTEER, "load", os.path.join(ROOT, "examples", policy + ".rs"), "--pid", str(pid), "--name", name, "--json"]
    if count:
        args.append("--count")
    try:
        loaded = json.loads(sh(*args))
        prog_id = loaded["program_id"]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t0, c0 = prog_stats(prog_id)
        for i in range(packets):
            s.sendto(bytes([i & 0xff, 1, 2, 3, 4]), ("127.0.0.1", port))
            if i % 2000 == 1999:
                time.sleep(0.002)  # let the server drain its queues
        time.sleep(0.2)
        t1, c1 = prog_stats(prog_id)
        return (t1 - t0) / max(c1 - c0, 1), c1 - c0
    finally:
        subprocess.run([RSTEER, "detach", name], capture_output=True)
        srv.stdin.close(); srv.kill(); srv.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    old = sh("sysctl", "-n", "kernel.bpf_stats_enabled").strip()
    sh("sysctl", "-q", "-w", "kernel.bpf_stats_enabled=1")
    rows = []
    try:
        for p in POLICIES:
            plain, counted = [], []
            for _ in range(a.rounds):  # alternate, so drift hits both alike
                plain.append(measure(p, False, a.packets)[0])
                counted.append(measure(p, True, a.packets)[0])
            mp, mc = sorted(plain)[len(plain) // 2], sorted(counted)[len(counted) // 2]
            rows.append((p, mp, mc, mc - mp))
            print(f"{p}: {mp:.1f} ns/run plain, {mc:.1f} with --count ({mc - mp:+.1f})", file=sys.stderr)
    finally:
        sh("sysctl", "-q", "-w", f"kernel.bpf_stats_enabled={old}")
    kernel = os.uname().release
    out = ["# What `--count` costs", "",
           f"`bench/counters.py --packets {a.packets} --rounds {a.rounds}` on Linux {kernel}, {os.cpu_count()} CPUs:",
           f"{a.packets} UDP datagrams over loopback to a 4-socket group per load, ns per program run",
           "(run_time_ns / run_cnt with `kernel.bpf_stats_enabled=1`), the median of the rounds.", "",
           "| policy | ns/run | ns/run with `--count` | cost |", "|---|---:|---:|---:|"]
    out += [f"| {p} | {mp:.1f} | {mc:.1f} | {d:+.1f} |" for p, mp, mc, d in rows]
    out += ["", "The counters are one per-CPU array lookup (inlined by the verifier) and one add per",
            "packet; `run_time_ns` includes the stats' own clock reads, the same in both columns."]
    open(os.path.join(ROOT, "bench/counters.md"), "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
