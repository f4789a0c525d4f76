import sys
HEAD = "#[map]\nstatic SOCKETS: SockArray<4>;\n\n"
def straight(n):
    ops = ["h = h * 31 + {k};", "h = h ^ (h >> 7) ^ {k};", "h = (h << 3) + h + {k};", "h = h + (h % {m});"]
    lines = [ops[i % 4].format(k=i * 7 + 1, m=i % 13 + 2) for i in range(n)]
    return HEAD + "#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let mut h: u32 = pkt.hash;\n" + "".join("    " + l + "\n" for l in lines) + "    select(SOCKETS, h % 4)\n}\n"
def arms(n):
    body = "".join(f"        {i * 3} => {(i * 7) % 4},\n" for i in range(n))
    return HEAD + "#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let k: u32 = match pkt.hash {\n" + body + "        _ => 0,\n    };\n    select(SOCKETS, k)\n}\n"
def arms_distinct(n):
    body = "".join(f"        {i * 3} => {i} * pkt.len,\n" for i in range(n))
    return HEAD + "#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let k: u32 = match pkt.hash {\n" + body + "        _ => 0,\n    };\n    select(SOCKETS, k % 4)\n}\n"
def funcs(n):
    fs = "".join(f"fn f{i}(x: u32) -> u32 {{ x * {i % 7 + 2} + {i} }}\n" for i in range(n))
    calls = "".join(f"    h = f{i}(h);\n" for i in range(0, n, max(1, n // 50)))
    return HEAD + fs + "\n#[steer]\nfn route(pkt: Packet) -> Verdict {\n    let mut h: u32 = pkt.hash;\n" + calls + "    select(SOCKETS, h % 4)\n}\n"
def entries(n):
    es = "".join(f"#[steer]\nfn route{i}(pkt: Packet) -> Verdict {{\n    select(SOCKETS, (pkt.hash + {i}) % 4)\n}}\n" for i in range(n))
    return HEAD + es
def consts(n):
    cs = "".join(f"const C{i}: u32 = {i} * 3 + 1;\n" for i in range(n))
    return HEAD + cs + "#[steer]\nfn route(pkt: Packet) -> Verdict {\n    select(SOCKETS, (pkt.hash + C%d) %% 4)\n}\n" % (n - 1)
shape, n = sys.argv[1], int(sys.argv[2])
sys.stdout.write(globals()[shape](n))
