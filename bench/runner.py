#!/usr/bin/env python3
"""The measuring part of bench/run (standard library only). bench/run checks the tools and
builds rsteer, then runs this with the binaries to use. See bench/README.md.

  runner.py --rsteer BIN --testserver BIN [--runs N] [--packets N] [--conns N] [--reps N]
            [--sets corpus,growth,examples] [--only NAME,...] [--no-runtime] [--quick]
            [--out FILE] [--json FILE]

Per policy, ours (rsteer) / clang (-O2 -g -target bpf): BPF instructions, xlated and JITed
bytes and verifier-processed instructions (each object loaded into the running kernel),
compile time and peak memory of the whole compiler process (median of --runs runs), and
the per-packet cost (kernel.bpf_stats_enabled, run_time_ns / run_cnt) of ours, clang's and
the floor program (bench/floor.c) attached in turn to real reuseport groups of the same size
and fed the same traffic, --reps times each, interleaved; the median is reported.
"""
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import helper  # noqa: E402  (bench/helper.py: insn_count, prog_info)
import gen_growth  # noqa: E402  (writes the growth series)
from gen_growth import arm_key  # noqa: E402  (the growth series' match keys)

STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"
# The project's own examples and their older C baselines (bench/c), kept as a third set.
EXAMPLES = [
    ("payload_mod", "examples/payload_mod.rs", 4),
    ("src_port_mod", "examples/src_port_mod.rs", 4),
    ("cpu_affinity", "examples/cpu_affinity.rs", 2),
    ("short_drop", "examples/short_drop.rs", 4),
    ("quic_dcid", "lang/tests/ok/quic_dcid.rs", 8),
    ("flow_table", "lang/tests/ok/flow_table.rs", 64),
]
QUICK = ["quic_envoy", "dns_qid"]
LOADAVG = "?"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----- what to measure ----------------------------------------------------------------------


class Item:
    def __init__(self, group, name, rs, c, sockets, proto="udp", traffic="plain"):
        self.group, self.name, self.rs, self.c = group, name, rs, c
        self.sockets, self.proto, self.traffic = sockets, proto, traffic
        self.r = {"group": group, "name": name, "sockets": sockets, "proto": proto,
                  "traffic": traffic, "ours": {}, "clang": {}, "floor": {}, "notes": []}


def corpus_items():
    items = []
    with open(os.path.join(BENCH, "corpus", "corpus.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, sockets, proto, traffic = line.rstrip("\n").split("\t")[:4]
            base = os.path.join(BENCH, "corpus", name)
            items.append(Item("corpus", name, base + ".rs", base + ".c", int(sockets), proto, traffic))
    return items


def growth_items():
    # The series is generated, not kept: written afresh (deterministically) on every run.
    gen_growth.main(["--out", os.path.join(BENCH, "growth")])
    items = []
    for shape in ("stmts", "arms"):
        for n in (50, 500, 5000):
            base = os.path.join(BENCH, "growth", f"{shape}_{n}")
            if os.path.exists(base + ".rs"):
                items.append(Item("growth", f"{shape}_{n}", base + ".rs", base + ".c", 4, "udp",
                                  "plain" if shape == "stmts" else "arms"))
    return items


def example_items():
    return [Item("examples", n, os.path.join(ROOT, src), os.path.join(BENCH, "c", n + ".c"), min(cap, 16))
            for n, src, cap in EXAMPLES]


# ----- compile, time, size ------------------------------------------------------------------


def run_once(cmd):
    """Wall seconds, CPU seconds (user + system), peak RSS in KiB and exit status of one run
    of cmd, the whole process: wait4 reports its rusage including the children it waited
    for."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode, err.decode(errors="replace")


def timed(cmd, runs):
    """Median wall ms, CPU ms and peak RSS (MiB) of `runs` runs after one warm-up; fewer runs
    (at least 3) when one run takes over 2 s. None when the command fails."""
    t, _, _, rc, err = run_once(cmd)
    if rc != 0:
        return None, err
    if t > 2.0:
        runs = min(runs, 3)
    ts, cs, ms = [], [], []
    for _ in range(runs):
        t, c, m, rc, err = run_once(cmd)
        if rc != 0:
            return None, err
        ts.append(t * 1000)
        cs.append(c * 1000)
        ms.append(m / 1024)
    return {"ms": statistics.median(ts), "cpu_ms": statistics.median(cs), "rss_mib": statistics.median(ms),
            "runs": runs}, ""


def clang_cmd(src, obj, extra=()):
    return ["clang", "-O2", "-g", "-target", "bpf", f"-I/usr/include/{multiarch()}", *extra,
            "-c", src, "-o", obj]


_MULTIARCH = None


def multiarch():
    global _MULTIARCH
    if _MULTIARCH is None:
        try:
            _MULTIARCH = subprocess.run(["gcc", "-print-multiarch"], capture_output=True,
                                        text=True).stdout.strip() or "x86_64-linux-gnu"
        except OSError:
            _MULTIARCH = "x86_64-linux-gnu"
    return _MULTIARCH


def first_error(err):
    for line in err.splitlines():
        if line.strip().startswith("error"):
            return line.strip()
    lines = [line for line in err.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "failed"


# ----- the kernel -----------------------------------------------------------------------------


class Kernel:
    """Pins, loads, the test server and the stats sysctl of one run, all undone by close()."""

    def __init__(self, rsteer, testserver, tmp):
        self.rsteer, self.testserver, self.tmp = rsteer, testserver, tmp
        self.tag = f"h-bench-{os.getpid()}"
        self.pins, self.loads = [], []
        self.server = None
        self.sysctl_old = None
        self.seq = 0

    def verify(self, obj):
        """{xlated, jited, verified_insns} of obj loaded with bpftool (libbpf), or an error."""
        self.seq += 1
        pin = f"/sys/fs/bpf/{self.tag}-{self.seq}"
        self.pins.append(pin)
        p = subprocess.run(["bpftool", "prog", "loadall", obj, pin], capture_output=True, text=True)
        try:
            if p.returncode != 0:
                lines = [x for x in (p.stderr + p.stdout).splitlines()
                         if x.strip() and not x.startswith(";") and "libbpf strict mode" not in x
                         and "used to work for this object" not in x]
                why = next((x for x in lines if "verifier" in x.lower() or "invalid" in x.lower()
                            or "R" in x[:3]), lines[-1] if lines else "bpftool failed")
                return None, why.strip()
            prog = os.path.join(pin, sorted(os.listdir(pin))[0])
            return info(prog), ""
        finally:
            shutil.rmtree(pin, ignore_errors=True)
            self.pins.remove(pin)

    def stats_on(self):
        with open(STATS_SYSCTL) as f:
            self.sysctl_old = f.read().strip()
        with open(STATS_SYSCTL, "w") as f:
            f.write("1")

    def stats_enabled(self):
        with open(STATS_SYSCTL) as f:
            return f.read().strip() != "0"

    def stats_restore(self):
        if self.sysctl_old is not None:
            with open(STATS_SYSCTL, "w") as f:
                f.write(self.sysctl_old)
            self.sysctl_old = None

    def start_server(self, proto, sockets):
        self.stop_server()
        out = open(os.path.join(self.tmp, "server.out"), "w+")
        self.server = subprocess.Popen([self.testserver, "--proto", proto, "--sockets", str(sockets)],
                                       stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(100):
            out.seek(0)
            for line in out:
                if line.startswith("READY"):
                    fields = dict(kv.split("=") for kv in line.split()[1:])
                    self.port = int(fields["port"])
                    return True
            time.sleep(0.05)
        self.stop_server()
        return False

    def stop_server(self):
        for name in list(self.loads):
            self.detach(name)
        if self.server is not None:
            try:
                self.server.stdin.close()  # closing its stdin stops it
                self.server.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.server.kill()
                self.server.wait()
            self.server = None

    def attach(self, obj):
        """Attach obj to the server's group with `rsteer load`; (prog id, cookies) or error."""
        self.seq += 1
        name = f"{self.tag}-{self.seq}"
        p = subprocess.run([self.rsteer, "load", obj, "--pid", str(self.server.pid), "--name", name, "--json"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return None, first_error(p.stderr)
        self.loads.append(name)
        out = json.loads(p.stdout)
        return (name, out["program_id"], [s["cookie"] for s in out.get("sockets", [])]), ""

    def detach(self, name):
        subprocess.run([self.rsteer, "detach", name], capture_output=True)
        if name in self.loads:
            self.loads.remove(name)

    def close(self):
        self.stop_server()
        for pin in list(self.pins):
            shutil.rmtree(pin, ignore_errors=True)
        self.stats_restore()


def info(what):
    """bpf_prog_info of a pinned program (path) or an id, through helper.py's reader."""
    return helper.prog_info(what)


# ----- traffic --------------------------------------------------------------------------------


def dns_query(qid, name):
    q = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".") if label) + b"\x00"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)


DNS_NAMES = ["example.com", "www.example.com", "WWW.Example.COM", "api.example.com",
             "mail.example.org", "a.b.c.test", "cdn.images.example.net", "localhost", ""]
QUIC_VERSIONS = [1, 0x6B3343CF, 0, 0xFF00001D]


def payloads(kind, cookies, sockets):
    """256 datagram payloads of one traffic kind (deterministic)."""
    out = []
    for i in range(256):
        r = (i * 2654435761) & 0xFFFFFFFF
        rb = struct.pack(">IIIII", r, r ^ 0x5A5A5A5A, r * 3 & 0xFFFFFFFF, r ^ 0xFFFF, r >> 3)
        if kind == "quic":
            if i % 4 != 3:  # short header, 20-byte DCID
                if cookies and i % 2 == 0:
                    dcid = struct.pack(">Q", cookies[i // 2 % len(cookies)]) + rb[:12]
                else:
                    dcid = rb
                out.append(bytes([0x40 | (i & 0x3F)]) + dcid + bytes(20))
            else:  # long header: version, DCID length 8 or 20, DCID, SCID
                dlen = 8 if i % 8 == 3 else 20
                ver = QUIC_VERSIONS[i // 4 % len(QUIC_VERSIONS)]
                p = bytes([0xC0]) + struct.pack(">I", ver) + bytes([dlen]) + (rb * 2)[:dlen]
                p += bytes([8]) + rb[:8]
                out.append(p + bytes(max(0, 64 - len(p))))
        elif kind == "dns":
            out.append(dns_query(r >> 16, DNS_NAMES[i % len(DNS_NAMES)]))
        elif kind == "cmd":
            out.append(struct.pack("<II", i % sockets, i & 1) + bytes(8))
        elif kind == "arms":  # the growth series' match keys: its 4 first bytes, big-endian
            key = arm_key(i * 7) if i % 2 == 0 else r
            out.append(struct.pack(">I", key) + bytes(12))
        else:  # plain: 16 bytes, the first one varies, bit 0x80 clear
            out.append(bytes([i & 0x3F, i & 0xFF]) + bytes(14))
    return out


def send_udp(port, n, data):
    """n datagrams to 127.0.0.1:port from 8 unconnected sockets in turn (8 flows)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(8)]
    dst = ("127.0.0.1", port)
    sent = 0
    try:
        for i in range(n):
            try:
                socks[i & 7].sendto(data[i & 0xFF], dst)
                sent += 1
            except OSError:
                pass  # e.g. a full buffer; keep going
    finally:
        for s in socks:
            s.close()
    return sent


def send_syn(port, n):
    """n TCP connections to 127.0.0.1:port, each closed with a reset (no TIME_WAIT)."""
    done = 0
    linger = struct.pack("ii", 1, 0)
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            done += 1
        except OSError:
            pass  # dropped SYNs are refused
        finally:
            s.close()
    return done


# ----- the run ----------------------------------------------------------------------------------


def parse(argv):
    a = {"runs": 11, "packets": 100000, "conns": 3000, "reps": 3, "sets": "corpus,growth,examples",
         "only": "", "runtime": True, "quick": False, "out": None, "json": None,
         "rsteer": None, "testserver": None}
    i = 0
    while i < len(argv):
        k = argv[i]
        if k in ("--runs", "--packets", "--conns", "--reps"):
            a[k[2:]] = int(argv[i + 1])
            i += 2
        elif k in ("--sets", "--only", "--out", "--json", "--rsteer", "--testserver"):
            a[k[2:]] = argv[i + 1]
            i += 2
        elif k == "--no-runtime":
            a["runtime"] = False
            i += 1
        elif k == "--quick":
            a["quick"] = True
            i += 1
        else:
            sys.exit(f"bench/run: unknown argument {k} (see --help)")
    if a["quick"]:
        explicit = "--sets" in argv or "--only" in argv
        a.update(runs=min(a["runs"], 3), packets=min(a["packets"], 3000), conns=min(a["conns"], 100), reps=1)
        if not explicit:
            a.update(sets="corpus", only=",".join(QUICK))
        if a["out"] is None:
            a["out"] = os.path.join(tempfile.gettempdir(), "rsteer-bench-quick.md")
    a["out"] = a["out"] or os.path.join(BENCH, "results.md")
    return a


def measure_item(it, a, kern, tmp, floors):
    r = it.r
    objs = {"ours": os.path.join(tmp, f"{it.name}.rsteer.o"), "clang": os.path.join(tmp, f"{it.name}.clang.o")}
    cmds = {"ours": [a["rsteer"], "compile", it.rs, "-o", objs["ours"]], "clang": clang_cmd(it.c, objs["clang"])}
    for who in ("ours", "clang"):
        t, err = timed(cmds[who], a["runs"])
        if t is None:
            r[who]["error"] = "does not compile: " + first_error(err)
            r["notes"].append(f"{who}: {r[who]['error']}")
            objs[who] = None
            continue
        r[who].update(compile_ms=t["ms"], compile_cpu_ms=t["cpu_ms"], rss_mib=t["rss_mib"], compile_runs=t["runs"],
                      insns=helper.insn_count(objs[who]), object_bytes=os.path.getsize(objs[who]))
    if kern is None:
        return
    for who in ("ours", "clang"):
        if objs[who] is None:
            continue
        v, why = kern.verify(objs[who])
        if v is None:
            r[who]["error"] = "rejected by the verifier: " + why
            r["notes"].append(f"{who}: {r[who]['error']}")
            objs[who] = None
            continue
        r[who].update(xlated=v["xlated"], jited=v["jited"], verified_insns=v["verified_insns"])
    if not a["runtime"]:
        return
    if it.sockets not in floors:
        fo = os.path.join(tmp, f"floor{it.sockets}.o")
        subprocess.run(clang_cmd(os.path.join(BENCH, "floor.c"), fo, [f"-DWORKERS={it.sockets}"]), check=True)
        floors[it.sockets] = fo
    objs["floor"] = floors[it.sockets]
    if objs["ours"] and objs["clang"]:
        agreement(it, a, kern, objs, r)
    samples = {w: [] for w in ("ours", "clang", "floor")}
    for _ in range(a["reps"]):
        for who in ("ours", "clang", "floor"):
            if objs[who] is None:
                continue
            # A fresh group for every attach: after traffic through a SockHash, the sockets of
            # a detached program could not join a SockArray (EBUSY), so groups are not reused.
            if not kern.start_server(it.proto, it.sockets):
                r["notes"].append("the test server did not start")
                return
            try:
                ns = run_traffic(it, a, kern, objs[who], r, who)
            finally:
                kern.stop_server()
            if ns is not None:
                samples[who].append(ns)
    for who, s in samples.items():
        if s:
            r[who]["ns"] = statistics.median(s)
            r[who]["ns_samples"] = s


AGREE_N = 256


def agreement(it, a, kern, objs, r):
    """Whether ours and clang's steer alike: both attached in turn to one group, the same
    AGREE_N datagrams (or connections), each from its own source port, kept for both runs so
    that the kernel's hash is the same too; which socket got each one (or none) is read from
    the test server's report. Sets r["agree"] = [same, total]."""
    if not kern.start_server(it.proto, it.sockets):
        return
    udp = it.proto != "tcp"
    socks = []
    try:
        for _ in range(AGREE_N):
            # No SO_REUSEADDR here: with it, two UDP sockets may be given the same port.
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        ports = [s.getsockname()[1] for s in socks]
        seen = {}
        for who in ("ours", "clang"):
            got, err = kern.attach(objs[who])
            if got is None:
                return
            name, _, cookies = got
            out = os.path.join(kern.tmp, "server.out")
            start = os.path.getsize(out)
            try:
                if udp:
                    data = payloads(it.traffic, cookies, it.sockets)
                    for i, s in enumerate(socks):
                        s.sendto(data[i % len(data)], ("127.0.0.1", kern.port))
                else:
                    for i, port in enumerate(ports):
                        socks[i].close()
                        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        c.settimeout(2)
                        try:
                            c.bind(("127.0.0.1", port))
                            c.connect(("127.0.0.1", kern.port))
                        except OSError:
                            pass
                        socks[i] = c
                time.sleep(0.5)
            finally:
                kern.detach(name)
            with open(out) as f:
                f.seek(start)
                text = f.read()
            got_by = {}
            for line in text.splitlines():
                parts = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
                if line.startswith(("RECV", "ACCEPT")) and "from" in parts:
                    got_by[int(parts["from"].rsplit(":", 1)[1])] = parts["sock"]
            seen[who] = [got_by.get(p) for p in ports]
        same = sum(1 for x, y in zip(seen["ours"], seen["clang"]) if x == y)
        r["agree"] = [same, AGREE_N]
        r["agree_diff"] = [[i, x, y] for i, (x, y) in enumerate(zip(seen["ours"], seen["clang"])) if x != y][:8]
        if same != AGREE_N:
            src = open(it.rs).read()
            why = (" (expected: the policy picks at random)" if "random()" in src else
                   " (expected: the policy steers by the CPU, which differs between the two runs)"
                   if "cpu()" in src else "")
            r["notes"].append(f"ours and clang's steered {AGREE_N - same} of {AGREE_N} "
                              + ("connections" if not udp else "datagrams") + " differently" + why)
    finally:
        for s in socks:
            s.close()
        kern.stop_server()


def run_traffic(it, a, kern, obj, r, who):
    """Attach obj, send the item's traffic, detach; ns per run, or None (noted)."""
    for attempt in range(2):
        got, err = kern.attach(obj)
        if got is None:
            note = f"{who}: rsteer load refuses it: {err}"
            if note not in r["notes"]:
                r["notes"].append(note)
            return None
        name, prog, cookies = got
        try:
            if it.proto == "tcp":
                send_syn(kern.port, a["conns"])
            else:
                send_udp(kern.port, a["packets"], payloads(it.traffic, cookies, it.sockets))
            i = info(str(prog))
        finally:
            kern.detach(name)
        if i["run_cnt"] and kern.stats_enabled():
            r[who]["run_cnt"] = i["run_cnt"]
            return i["run_time_ns"] / i["run_cnt"]
        # Someone turned the stats off under us (the kernel is shared): on again, once more.
        with open(STATS_SYSCTL, "w") as f:
            f.write("1")
    r["notes"].append(f"{who}: no run counted (bpf_stats_enabled turned off during the run?)")
    return None


# ----- the report -------------------------------------------------------------------------------


def num(v, fmt="{:.0f}"):
    return "-" if v is None else fmt.format(v)


def pair(r, key, fmt="{:.0f}"):
    return f"{num(r['ours'].get(key), fmt)} / {num(r['clang'].get(key), fmt)}"


def ratio(x, y, fmt="{:.2f}"):
    return "-" if x is None or y is None or y == 0 else fmt.format(x / y)


def geomean(vals):
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return None
    p = 1.0
    for v in vals:
        p *= v
    return p ** (1 / len(vals))


HEAD = ["policy", "insns", "÷", "xlated B", "jited B", "verified insns", "compile ms", "cpu ms", "clang÷ours",
        "peak MiB", "ns/pkt ours / clang / floor", "ours÷clang", "ours÷floor", "same socket"]


def row(r):
    o, c, f = r["ours"], r["clang"], r["floor"]
    return [r["name"], pair(r, "insns"), ratio(o.get("insns"), c.get("insns")), pair(r, "xlated"),
            pair(r, "jited"), pair(r, "verified_insns"), pair(r, "compile_ms", "{:.1f}"),
            pair(r, "compile_cpu_ms", "{:.1f}"), ratio(c.get("compile_cpu_ms"), o.get("compile_cpu_ms"), "{:.1f}x"),
            pair(r, "rss_mib", "{:.1f}"),
            f"{num(o.get('ns'), '{:.1f}')} / {num(c.get('ns'), '{:.1f}')} / {num(f.get('ns'), '{:.1f}')}",
            ratio(o.get("ns"), c.get("ns")), ratio(o.get("ns"), f.get("ns")),
            "-" if "agree" not in r else f"{r['agree'][0]}/{r['agree'][1]}"]


def total_row(rs):
    def s(who, key):
        vals = [r[who].get(key) for r in rs]
        return None if any(v is None for v in vals) or not vals else sum(vals)
    g = {k: geomean([(r["ours"].get(k) or 0) / r["clang"][k] for r in rs
                     if r["clang"].get(k) and r["ours"].get(k) is not None])
         for k in ("insns", "ns")}
    sp = geomean([r["clang"]["compile_cpu_ms"] / r["ours"]["compile_cpu_ms"] for r in rs
                  if r["clang"].get("compile_cpu_ms") and r["ours"].get("compile_cpu_ms")])
    fl = geomean([r["ours"]["ns"] / r["floor"]["ns"] for r in rs if r["ours"].get("ns") and r["floor"].get("ns")])

    def sp_(key, fmt="{:.0f}"):
        return f"{num(s('ours', key), fmt)} / {num(s('clang', key), fmt)}"
    return ["**total** (ratios: geometric mean)", sp_("insns"), num(g["insns"], "{:.2f}"), sp_("xlated"),
            sp_("jited"), sp_("verified_insns"), sp_("compile_ms", "{:.1f}"), sp_("compile_cpu_ms", "{:.1f}"),
            num(sp, "{:.1f}x"), "",
            "", num(g["ns"], "{:.2f}"), num(fl, "{:.2f}"), ""]


def md_table(rows):
    out = ["| " + " | ".join(HEAD) + " |", "|---|" + "---:|" * (len(HEAD) - 1)]
    out += ["| " + " | ".join(x) + " |" for x in rows]
    return "\n".join(out)


def text_table(rows):
    w = [max(len(str(x[i])) for x in [HEAD] + rows) for i in range(len(HEAD))]
    return "\n".join("  ".join(str(x[i]).ljust(w[i]) if i == 0 else str(x[i]).rjust(w[i])
                               for i in range(len(HEAD))) for x in [HEAD] + rows)


def growth_lines(rs):
    """Per shape: how time and instructions grow per 10x."""
    by = {r["name"]: r for r in rs}
    out = []
    for shape in ("stmts", "arms"):
        for lo, hi in ((50, 500), (500, 5000)):
            a, b = by.get(f"{shape}_{lo}"), by.get(f"{shape}_{hi}")
            if not a or not b:
                continue
            parts = []
            for who in ("ours", "clang"):
                ta, tb = a[who].get("compile_cpu_ms"), b[who].get("compile_cpu_ms")
                parts.append(f"{who} {ratio(tb, ta, '{:.1f}x')}")
            out.append(f"- {shape} {lo} -> {hi} (10x): compile CPU time {', '.join(parts)}")
    return out


def worse_lines(rs):
    out = []
    for r in rs:
        o, c = r["ours"], r["clang"]
        why = []
        if o.get("insns") is not None and c.get("insns") is not None and o["insns"] > c["insns"]:
            why.append(f"insns {o['insns']} > {c['insns']}")
        if o.get("ns") is not None and c.get("ns") is not None and o["ns"] > c["ns"]:
            noise = " (under 10 %: noise)" if o["ns"] < c["ns"] * 1.1 else ""
            why.append(f"ns/pkt {o['ns']:.1f} > {c['ns']:.1f}{noise}")
        if why:
            out.append(f"- {r['name']}: " + "; ".join(why))
    return out


def report(a, results, started, tag):
    kernel = os.uname().release
    clangv = subprocess.run(["clang", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain"], capture_output=True, text=True).stdout
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    md = ["# rsteer vs clang: benchmark results", "",
          f"Generated by `bench/run{' --quick' if a['quick'] else ''}` on "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} in "
          f"{time.time() - started:.0f} s. Each pair is **ours (rsteer) / clang**; lower is better.", "",
          f"- kernel `{kernel}`, {os.cpu_count()} cores ({cpu}), shared with other work while it ran",
          f"- clang: `{clangv}`, `-O2 -g -target bpf`; rsteer: `{a['rsteer']}` at commit `{commit}`"
          f"{' (uncommitted changes)' if dirty.strip() else ''}",
          f"- compile: whole process, median of {a['runs']} runs after a warm-up (3 when one run takes "
          "over 2 s): wall ms, and cpu ms (user + system, which other load on the machine disturbs "
          "less); clang÷ours is the CPU-time ratio; peak MiB: the process's largest resident set (wait4)",
          f"- load average when the run began: {LOADAVG}",
          f"- ns/pkt: run_time_ns / run_cnt with kernel.bpf_stats_enabled=1; ours, clang's and the floor "
          f"(bench/floor.c) attached in turn, each to a fresh group of the policy's size, {a['reps']} rounds, median; "
          f"{a['packets']} UDP datagrams from 8 flows or {a['conns']} TCP connections per attach", ""]
    if not a["runtime"]:
        md.append("Per-packet cost not measured (--no-runtime, or not root).\n")
    for group, title in (("corpus", "Corpus (bench/corpus)"), ("growth", "Growth series (bench/growth)"),
                         ("examples", "The project's examples (older C baselines in bench/c)")):
        rs = [r for r in results if r["group"] == group]
        if not rs:
            continue
        md += [f"## {title}", "", md_table([row(r) for r in rs] + [total_row(rs)]), ""]
        if group == "growth":
            md += growth_lines(rs) + [""]
        worse = worse_lines(rs)
        if worse:
            md += ["Where ours is worse than clang (instructions or ns/pkt):", ""] + worse + [""]
        notes = [f"- {r['name']}: {n}" for r in rs for n in r["notes"]]
        if notes:
            md += ["Notes (failures are findings, kept in the corpus):", ""] + notes + [""]
    md.append("Column meanings and caveats: bench/README.md.")
    with open(a["out"], "w") as f:
        f.write("\n".join(md) + "\n")
    if a["json"]:
        with open(a["json"], "w") as f:
            json.dump({"kernel": kernel, "clang": clangv, "commit": commit, "tag": tag, "results": results}, f,
                      indent=1)
    for group in ("corpus", "growth", "examples"):
        rs = [r for r in results if r["group"] == group]
        if rs:
            print(f"\n{group}: ours / clang\n" + text_table([row(r) for r in rs] + [total_row(rs)]))
    log(f"\nwrote {a['out']}" + (f" and {a['json']}" if a["json"] else ""))


def main(argv):
    a = parse(argv)
    if not a["rsteer"] or not a["testserver"]:
        sys.exit("runner.py: --rsteer and --testserver are required (bench/run passes them)")
    items = []
    sets = a["sets"].split(",")
    if "corpus" in sets:
        items += corpus_items()
    if "growth" in sets:
        items += growth_items()
    if "examples" in sets:
        items += example_items()
    if a["only"]:
        want = a["only"].split(",")
        unknown = [w for w in want if w not in {i.name for i in items}]
        if unknown:
            sys.exit(f"bench/run: --only: no policy named {', '.join(unknown)}")
        items = [i for i in items if i.name in want]
    root = os.geteuid() == 0 and os.path.ismount("/sys/fs/bpf")
    if not root:
        log("note: not root (or no bpffs at /sys/fs/bpf): skipping the verifier and per-packet columns")
        a["runtime"] = False
    global LOADAVG
    LOADAVG = " ".join(open("/proc/loadavg").read().split()[:3])
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="rsteer-bench.")
    kern = Kernel(a["rsteer"], a["testserver"], tmp) if root else None

    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    results = []
    try:
        if kern and a["runtime"]:
            kern.stats_on()
        floors = {}
        for it in items:
            log(f"== {it.group}/{it.name}")
            measure_item(it, a, kern, tmp, floors)
            results.append(it.r)
    except KeyboardInterrupt:
        log("interrupted: cleaning up")
        return 130
    finally:
        if kern:
            kern.close()
        shutil.rmtree(tmp, ignore_errors=True)
    report(a, results, started, f"h-bench-{os.getpid()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
