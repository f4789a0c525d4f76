#!/usr/bin/env python3
"""Rewrites the compiler output quoted in the book (the tutorial's `--dump asm` listing and
the instruction and byte counts) from the current build; tests/book.rs checks they agree."""
import pathlib, re, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
RSTEER = ROOT / "target/debug/rsteer"
if not RSTEER.exists():
    sys.exit("build rsteer first: cargo build")

def run(*args):
    return subprocess.run([str(RSTEER), *args], capture_output=True, text=True, cwd=ROOT)

asm = run("compile", "examples/payload_mod.rs", "-o", "/dev/null", "--dump", "asm")
listing = asm.stdout.rstrip("\n").split("\n")
wrote = asm.stderr.strip().splitlines()[-1]  # wrote /dev/null (1 program, N instructions, B bytes)
m = re.search(r"\((\d+) programs?, (\d+) instructions, (\d+) bytes\)", wrote)
insns, size = m.group(2), m.group(3)

page = ROOT / "book/src/tutorial-first-policy.md"
lines = page.read_text().split("\n")
i = next(k for k, l in enumerate(lines) if l.startswith("   0: r6 = r1"))
h = i
while h > 0 and not lines[h - 1].startswith("$") and not lines[h - 1].startswith("```"):
    h -= 1
j = next(k for k in range(i, len(lines)) if lines[k].startswith("wrote payload_mod"))
lines = lines[:h] + listing + lines[j:]
text = "\n".join(lines)
text = re.sub(r"\(1 program, \d+ instructions, \d+ bytes\)", f"(1 program, {insns} instructions, {size} bytes)", text)
page.write_text(text)

for p in (ROOT / "book/src").glob("*.md"):
    t = p.read_text()
    t2 = re.sub(r"compiled examples/payload_mod.rs: \d+ BPF instructions, \d+ bytes of ELF",
                f"compiled examples/payload_mod.rs: {insns} BPF instructions, {size} bytes of ELF", t)
    if t2 != t:
        p.write_text(t2)
print(f"payload_mod: {insns} instructions, {size} bytes")
