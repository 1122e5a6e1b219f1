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
    return g is not None and g > 0.85

SHAPES = [("spread", "senders spread evenly over each interval"), ("burst", "senders in step: a burst each interval")]
plot_rows = {}
for shape, title in SHAPES:
    prefix = f"fanout-{shape}-"
    steps = sorted({int(k.split("-")[3]) for k in runs if k.startswith((f"parley-{prefix}", f"irc-{prefix}"))})
    if not steps:
        continue
    print(f"### Fan-out, {shape}: 100 members in one room, 10 senders, {title} (server on one core)\n")
    print("| offered msg/s | deliveries/s | CPU/delivery Parley | ngircd | ratio | p50 Parley | ngircd | p99 Parley | ngircd "
          "| p99.9 Parley | ngircd | records/line Parley | ngircd | bytes/line Parley | ngircd | client CPU Parley | ngircd | load avg |")
    print("|" + "---|" * 19)
    plot_rows[shape] = []
    for rate in steps:
        p, i = f"parley-{prefix}{rate}", f"irc-{prefix}{rate}"
        pc, ic = median(p, "serverCPUMicrosecondsPerDelivery"), median(i, "serverCPUMicrosecondsPerDelivery")
        ratio = (pc / ic) if pc and ic else None
        lat = lambda key, q: fmt(median(key, "latencyMicroseconds", q), "{:.0f} µs")
        client = lambda key: fmt(median(key, "generatorCPUShare"), "{:.0%}") + (" **saturated**" if busy(key) else "")
        loads = [v for v in (median(p, "loadAverage"), median(i, "loadAverage")) if v is not None]
        print(f"| {rate * 10} | {fmt(median(p, 'deliveriesPerSecond'))} / {fmt(median(i, 'deliveriesPerSecond'))} "
              f"| {fmt(pc, '{:.2f} µs')} | {fmt(ic, '{:.2f} µs')} | {fmt(ratio, '{:.2f}')} "
              f"| {lat(p, 'p50')} | {lat(i, 'p50')} | {lat(p, 'p99')} | {lat(i, 'p99')} | {lat(p, 'p99.9')} | {lat(i, 'p99.9')} "
              f"| {fmt(median(p, 'recordsPerDelivery'), '{:.3f}')} | {fmt(median(i, 'recordsPerDelivery'), '{:.3f}')} "
              f"| {fmt(median(p, 'bytesPerDelivery'), '{:.0f}')} | {fmt(median(i, 'bytesPerDelivery'), '{:.0f}')} "
              f"| {client(p)} | {client(i)} | {' / '.join(f'{v:.2f}' for v in loads) or '-'} |")
        plot_rows[shape].append({"rate": rate * 10, **{
            server: {"cpu": median(key, "serverCPUMicrosecondsPerDelivery"), "p50": median(key, "latencyMicroseconds", "p50"),
                     "p99": median(key, "latencyMicroseconds", "p99")}
            for server, key in [("parley", p), ("irc", i)]}})
    print()

if "parley-rooms" in runs or "irc-rooms" in runs:
    print("### 1,000 members over 20 rooms, 100 senders at 10 msg/s\n")
    print("| server | deliveries/s | CPU/delivery | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|")
for label, key in [("Parley", "parley-rooms"), ("ngircd", "irc-rooms")]:
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
    for shape, rows in plot_rows.items():
        for path in plots.draw(rows, results, f"{label}, {shape}", shape):
            print(f"wrote {path}", file=sys.stderr)
