#!/usr/bin/env python3
"""Regenerates book/src/errors.md from the CODES table in lang/src/diag.rs (tests/book.rs checks they agree)."""
import pathlib
ROOT = pathlib.Path(__file__).resolve().parents[2]
import re, sys
src = open(ROOT / 'lang/src/diag.rs').read()
start = src.index('pub const CODES')
body = src[start:src.index('];', start)]
def unescape(s):
    out=[]; i=0
    while i < len(s):
        c=s[i]
        if c=='\\':
            n=s[i+1]
            if n=='\n':
                i+=2
                while i < len(s) and s[i] in ' \t': i+=1
                continue
            out.append({'n':'\n','t':'\t','\\':'\\','"':'"',"'":"'",'0':'\0'}.get(n,n)); i+=2; continue
        out.append(c); i+=1
    return ''.join(out)
entries = re.findall(r'\(\s*"([EW]\d{4})",\s*"((?:[^"\\]|\\.)*)"\s*,?\s*\)', body, re.S)
codes = [(c, unescape(t)) for c,t in entries]
groups = [
 ('E00', 'Syntax (E00xx)'), ('E01', 'Names, modules and items (E01xx)'), ('E02', 'Types and expressions (E02xx)'),
 ('E03', 'Functions and entries (E03xx)'), ('E04', 'Maps (E04xx)'), ('E05', 'Constants (E05xx)'),
 ('E06', '`match` (E06xx)'), ('E07', 'Loops and the packet (E07xx)'), ('E08', 'Code generation (E08xx)'), ('W', 'Warnings (W0xxx)'),
]
out = []
out.append("""# Error codes

Every diagnostic rsteer prints has a stable code. `rsteer explain CODE` prints the
explanation below; this page lists them all. Codes starting with `E` are errors (the policy
does not compile, exit status 1); codes starting with `W` are warnings.

A diagnostic looks like this (see [Your first policy](tutorial-first-policy.md#6-when-something-is-wrong)):

```text
error[E0200]: mismatched types: expected `u16`, found `u32`
  ┌─ broken.rs:9:22
  │
9 │     let idx = port % WORKERS;
  │               ----   ^^^^^^^ expected `u16`
  │               │
  │               this is `u16`
  │
  = help: both operands of `%` must have the same type: convert one with `as`, e.g. `(...) as u16`
```

The codes are grouped by the stage and topic that reports them.
""")
seen=set()
for prefix, title in groups:
    items=[(c,t) for c,t in codes if c.startswith(prefix)]
    if not items: continue
    out.append(f"\n## {title}\n")
    for c,t in items:
        seen.add(c)
        out.append(f"\n### {c}\n\n{t}\n")
rest=[(c,t) for c,t in codes if c not in seen]
if rest:
    out.append("\n## Other codes\n")
    for c,t in rest:
        out.append(f"\n### {c}\n\n{t}\n")

txt=''.join(out)
open(ROOT / 'book/src/errors.md','w').write(txt)
print(len(codes), [c for c,_ in codes])
