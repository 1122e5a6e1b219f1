#!/usr/bin/env python3
"""Turns Benchmarks/results/*.json (from run.sh) into the README's tables (medians of runs),
and, when matplotlib is there (run.sh's Benchmarks/.venv), the fan-out plots beside them
(plots.py: CPU per delivery and p50/p99 against offered rate, Parley and ngircd)."""
import glob, json, os, re, statistics, sys

results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
runs = {}
for path in glob.glob(os.path.join(results, "*.json")):
    name = os.path.basename(path)[:-5]
    try:
        data = json.load(open(path))
    except ValueError:
        continue
    key = re.sub(r"-run\d+$", "", name)
    runs.setdefault(key, []).append(data)

def median(key, field, sub=None):
    values = []
    for r in runs.get(key, []):
        v = r.get(field)
        if sub is not None and isinstance(v, dict):
            v = v.get(sub)
        if isinstance(v, (int, float)):
            values.append(v)
    return statistics.median(values) if values else None

def fmt(v, spec="{:.0f}"):
    return "-" if v is None else spec.format(v)

def busy(key):
    g = median(key, "generatorCPUShare")
    return " (generator busy)" if g is not None and g > 0.85 else ""

def fanout_row(rate, p, i):
    """One offered rate of the fan-out: side p (Parley) against side i (ngircd)."""
    pc, ic = median(p, "serverCPUMicrosecondsPerDelivery"), median(i, "serverCPUMicrosecondsPerDelivery")
    ratio = (pc / ic) if pc and ic else None
    print(f"| {rate * 10} | {fmt(median(p, 'deliveriesPerSecond'))}{busy(p)} | {fmt(median(i, 'deliveriesPerSecond'))}{busy(i)} "
          f"| {fmt(pc, '{:.2f} µs')} | {fmt(ic, '{:.2f} µs')} | {fmt(ratio, '{:.2f}')} "
          f"| {fmt(median(p, 'latencyMicroseconds', 'p50'), '{:.0f} µs')} | {fmt(median(i, 'latencyMicroseconds', 'p50'), '{:.0f} µs')} "
          f"| {fmt(median(p, 'latencyMicroseconds', 'p99'), '{:.0f} µs')} | {fmt(median(i, 'latencyMicroseconds', 'p99'), '{:.0f} µs')} |")

print("### Fan-out: 100 members in one room, 10 senders (server on one core)\n")
print("| offered msg/s | deliveries/s Parley | deliveries/s ngircd | CPU/delivery Parley | CPU/delivery ngircd | ratio | p50 Parley | p50 ngircd | p99 Parley | p99 ngircd |")
print("|---|---|---|---|---|---|---|---|---|---|")
steps = sorted({int(k.split("-")[2]) for k in runs if k.startswith(("parley-fanout-", "irc-fanout-"))})
plot_rows = []
for rate in steps:
    p, i = f"parley-fanout-{rate}", f"irc-fanout-{rate}"
    fanout_row(rate, p, i)
    plot_rows.append({"rate": rate * 10, **{
        server: {"cpu": median(key, "serverCPUMicrosecondsPerDelivery"), "p50": median(key, "latencyMicroseconds", "p50"),
                 "p99": median(key, "latencyMicroseconds", "p99")}
        for server, key in [("parley", p), ("irc", i)]}})

irc_steps = sorted({int(k.split("-")[3]) for k in runs if k.startswith("parley-irc-fanout-")})
if irc_steps:
    print("\n### Fan-out over IRC on both sides: Parley's --irc-port and ngircd, 100 members, 10 senders\n")
    print("| offered msg/s | deliveries/s Parley (IRC) | deliveries/s ngircd | CPU/delivery Parley (IRC) | CPU/delivery ngircd | ratio | p50 Parley (IRC) | p50 ngircd | p99 Parley (IRC) | p99 ngircd |")
    print("|---|---|---|---|---|---|---|---|---|---|")
for rate in irc_steps:
    p, i = f"parley-irc-fanout-{rate}", f"irc-fanout-{rate}"
    fanout_row(rate, p, i)

print("\n### 1,000 members over 20 rooms, 100 senders at 10 msg/s\n")
print("| server | deliveries/s | CPU/delivery | p50 | p99 | errors |")
print("|---|---|---|---|---|---|")
for label, key in [("Parley", "parley-rooms"), ("Parley (IRC)", "parley-irc-rooms"), ("ngircd", "irc-rooms")]:
    if key in runs:
        print(f"| {label} | {fmt(median(key, 'deliveriesPerSecond'))} | {fmt(median(key, 'serverCPUMicrosecondsPerDelivery'), '{:.2f} µs')} "
              f"| {fmt(median(key, 'latencyMicroseconds', 'p50'), '{:.0f} µs')} | {fmt(median(key, 'latencyMicroseconds', 'p99'), '{:.0f} µs')} "
              f"| {fmt(median(key, 'errors'))} |")

for title, suffix in [("5,000 idle logged-in TLS connections, one room", "idle"),
                      ("10,000 idle logged-in TLS connections over 100 rooms", "idle10k")]:
    if f"parley-{suffix}" not in runs and f"irc-{suffix}" not in runs:
        continue
    print(f"\n### {title}\n")
    print("| server | connections held | resident | per connection |")
    print("|---|---|---|---|")
    for label, key in [("Parley", f"parley-{suffix}"), ("ngircd", f"irc-{suffix}")]:
        if key in runs:
            print(f"| {label} | {fmt(median(key, 'connectionsHeld'))} | {fmt(median(key, 'serverResidentKiB'), '{:.0f} KiB')} "
                  f"| {fmt(median(key, 'serverResidentBytesPerClient'), '{:.0f} bytes')} |")

if "parley-burst" in runs:
    print("\n### A burst of 200 logins at the default scrypt cost (N=2^15, r=8, p=3), server on 2 cores\n")
    print(f"All 200 in global after {fmt(median('parley-burst', 'loginBurstSeconds'), '{:.1f} s')}; "
          f"20 users already in a room chatting meanwhile saw p50 {fmt(median('parley-burst', 'latencyMicroseconds', 'p50'), '{:.0f} µs')}, "
          f"p99 {fmt(median('parley-burst', 'latencyMicroseconds', 'p99'), '{:.0f} µs')}.")

# The plots go beside the tables; without matplotlib (outside run.sh's venv) only a note.
try:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import plots
except ImportError:
    print("(no plots: matplotlib is missing; run.sh installs it in Benchmarks/.venv)", file=sys.stderr)
else:
    fanout_runs = max((len(v) for k, v in runs.items() if "-fanout-" in k), default=0)
    label = "one run" if fanout_runs == 1 else f"medians of {fanout_runs} runs"
    for path in plots.draw(plot_rows, results, label):
        print(f"wrote {path}", file=sys.stderr)
