#!/usr/bin/env python3
"""Turns Benchmarks/results/*.json (from run.sh) into the README's tables (medians of runs),
and, when matplotlib is there (run.sh's Benchmarks/.venv), the fan-out plots beside them
(plots.py: CPU per delivery and p50/p99 against offered rate, Parley, Parley's IRC port
when run.sh's SERVERS had parley-irc, and ngircd)."""
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

# Fan-out keys are SIDE-fanout-SHAPE-RATE (runs merged); a side may hold a dash (parley-irc),
# so the side is matched against the known ones rather than split off at the first dash.
SIDES = ["parley-irc", "parley", "irc"]
FANOUT_KEY = re.compile(r"^(%s)-fanout-(\w+)-(\d+)$" % "|".join(map(re.escape, SIDES)))
fanout_keys = {}  # (side, shape) -> {rate: key}
for k in runs:
    match = FANOUT_KEY.match(k)
    if match:
        fanout_keys.setdefault((match.group(1), match.group(2)), {})[int(match.group(3))] = k

def fanout_table(p, i, plabel, steps):
    """One fan-out table, a row per offered rate: a Parley side (labelled plabel) against
    ngircd, where p(rate) and i(rate) give the two sides' result keys."""
    print(f"| offered msg/s | deliveries/s | CPU/delivery {plabel} | ngircd | ratio | p50 {plabel} | ngircd "
          f"| p99 {plabel} | ngircd | p99.9 {plabel} | ngircd | records/line {plabel} | ngircd | bytes/line {plabel} | ngircd "
          f"| client CPU {plabel} | ngircd | load avg |")
    print("|" + "---|" * 18)
    lat = lambda key, q: fmt(median(key, "latencyMicroseconds", q), "{:.0f} µs")
    client = lambda key: fmt(median(key, "generatorCPUShare"), "{:.0%}") + (" **saturated**" if busy(key) else "")
    for rate in steps:
        pk, ik = p(rate), i(rate)
        pc, ic = median(pk, "serverCPUMicrosecondsPerDelivery"), median(ik, "serverCPUMicrosecondsPerDelivery")
        ratio = (pc / ic) if pc and ic else None
        loads = [v for v in (median(pk, "loadAverage"), median(ik, "loadAverage")) if v is not None]
        print(f"| {rate * 10} | {fmt(median(pk, 'deliveriesPerSecond'))} / {fmt(median(ik, 'deliveriesPerSecond'))} "
              f"| {fmt(pc, '{:.2f} µs')} | {fmt(ic, '{:.2f} µs')} | {fmt(ratio, '{:.2f}')} "
              f"| {lat(pk, 'p50')} | {lat(ik, 'p50')} | {lat(pk, 'p99')} | {lat(ik, 'p99')} | {lat(pk, 'p99.9')} | {lat(ik, 'p99.9')} "
              f"| {fmt(median(pk, 'recordsPerDelivery'), '{:.3f}')} | {fmt(median(ik, 'recordsPerDelivery'), '{:.3f}')} "
              f"| {fmt(median(pk, 'bytesPerDelivery'), '{:.0f}')} | {fmt(median(ik, 'bytesPerDelivery'), '{:.0f}')} "
              f"| {client(pk)} | {client(ik)} | {' / '.join(f'{v:.2f}' for v in loads) or '-'} |")
    print()

SHAPES = [("spread", "senders spread evenly over each interval"), ("burst", "senders in step: a burst each interval")]
plot_rows = {}
for shape, title in SHAPES:
    key = lambda side: (lambda rate: f"{side}-fanout-{shape}-{rate}")  # a side's result key at a rate
    rates = lambda *sides: sorted({r for side in sides for r in fanout_keys.get((side, shape), {})})
    has_irc_port = ("parley-irc", shape) in fanout_keys
    # Parley's own protocol against ngircd; left out when only the IRC port and ngircd ran.
    steps = rates("parley", "irc") if (("parley", shape) in fanout_keys or not has_irc_port) else []
    if steps:
        print(f"### Fan-out, {shape}: 100 members in one room, 10 senders, {title} (server on one core)\n")
        fanout_table(key("parley"), key("irc"), "Parley", steps)
    if has_irc_port:
        # Not "### Fan-out, SHAPE:": plots.py reads only the tables above from latest.md.
        print(f"### Fan-out over IRC on both sides, {shape}: Parley's --irc-port and ngircd, 100 members in one room, "
              f"10 senders, {title} (server on one core)\n")
        fanout_table(key("parley-irc"), key("irc"), "Parley (IRC)", rates("parley-irc", "irc"))
    all_steps = rates(*SIDES)
    if all_steps:
        plot_rows[shape] = [{"rate": rate * 10, **{
            side: {"cpu": median(key(side)(rate), "serverCPUMicrosecondsPerDelivery"),
                   "p50": median(key(side)(rate), "latencyMicroseconds", "p50"),
                   "p99": median(key(side)(rate), "latencyMicroseconds", "p99")}
            for side in SIDES}} for rate in all_steps]

if any(f"{side}-rooms" in runs for side in SIDES):
    print("### 1,000 members over 20 rooms, 100 senders at 10 msg/s\n")
    print("| server | deliveries/s | CPU/delivery | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|")
for label, key in [("Parley", "parley-rooms"), ("Parley (IRC)", "parley-irc-rooms"), ("ngircd", "irc-rooms")]:
    if key in runs:
        print(f"| {label} | {fmt(median(key, 'deliveriesPerSecond'))} | {fmt(median(key, 'serverCPUMicrosecondsPerDelivery'), '{:.2f} µs')} "
              f"| {fmt(median(key, 'latencyMicroseconds', 'p50'), '{:.0f} µs')} | {fmt(median(key, 'latencyMicroseconds', 'p99'), '{:.0f} µs')} "
              f"| {fmt(median(key, 'errors'))} |")

for title, suffix in [("5,000 idle logged-in TLS connections, one room", "idle"),
                      ("10,000 idle logged-in TLS connections over 100 rooms", "idle10k")]:
    if not any(f"{side}-{suffix}" in runs for side in SIDES):
        continue
    print(f"\n### {title}\n")
    print("| server | connections held | resident | per connection |")
    print("|---|---|---|---|")
    for label, key in [("Parley", f"parley-{suffix}"), ("Parley (IRC)", f"parley-irc-{suffix}"), ("ngircd", f"irc-{suffix}")]:
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
