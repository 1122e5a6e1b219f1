#!/usr/bin/env python3
"""Summarises `perf script -F comm,ip,sym,dso` (from profile.sh): the top frames by self
time, the binary's functions by inclusive time, and samples per thread. perf here leaves
the Swift binary's frames [unknown]; they are resolved with addr2line and demangled with
`swift demangle`.

    perf script -i perf.data -F comm,ip,sym,dso | python3 Benchmarks/perf_frames.py BINARY
"""
import collections, re, subprocess, sys

binary = sys.argv[1]
samples, frame = [], re.compile(r"^\s+([0-9a-f]+) (.+) \((.+)\)$")
for line in sys.stdin:
    if line.strip() and not line.startswith(("\t", " ")):
        samples.append((line.split()[0] if line.split() else "?", []))
    elif samples and (m := frame.match(line)):
        samples[-1][1].append((int(m.group(1), 16), m.group(2), m.group(3)))

unknown = sorted({ip for _, frames in samples for ip, sym, dso in frames if sym == "[unknown]" and dso == binary})
names = {}
if unknown:
    out = subprocess.run(["addr2line", "-f", "-e", binary] + [hex(ip) for ip in unknown],
                         capture_output=True, text=True).stdout.splitlines()[0::2]
    try:
        out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(out),
                             capture_output=True, text=True).stdout.splitlines()
    except FileNotFoundError:
        pass
    names = dict(zip(unknown, out))

def name(ip, sym, dso):
    label = names.get(ip, sym) if dso == binary else sym
    return label.replace("specialized ", "")[:110] + ("" if dso == binary else f"  [{dso.rsplit('/', 1)[-1]}]")

total = max(1, len(samples))
selfs, inclusive, threads = collections.Counter(), collections.Counter(), collections.Counter()
for comm, frames in samples:
    threads[re.sub(r"-\d+$", "", comm)] += 1
    if frames:
        selfs[name(*frames[0])] += 1
    for label in {name(*f) for f in frames if f[2] == binary}:
        inclusive[label] += 1

print(f"{len(samples)} samples")
print("\n-- self time")
for label, n in selfs.most_common(15):
    print(f"{100 * n / total:5.1f}%  {label}")
print("\n-- the binary's functions, inclusive")
for label, n in inclusive.most_common(15):
    print(f"{100 * n / total:5.1f}%  {label}")
print("\n-- samples by thread")
for comm, n in threads.most_common(8):
    print(f"{100 * n / total:5.1f}%  {comm}")
