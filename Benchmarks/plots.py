#!/usr/bin/env python3
"""SVG plots of the fan-out benchmark: CPU per delivery, and p50/p99 latency, against the
offered rate, Parley (and Parley's IRC port, when run) and ngircd on the same axes. Drawn with matplotlib (install it in the
benchmark's own environment: run.sh makes Benchmarks/.venv).

    Benchmarks/.venv/bin/python Benchmarks/plots.py [RESULTS_DIR]

draws from RESULTS_DIR/latest.md (the committed table); summarize.py calls draw() with
the medians it has just computed from the raw JSON.
"""
import os, re, sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt

# Each row: offered msg/s -> figures per server (µs). Keys: cpu, p50, p99. A server with no
# figures in any row (parley-irc unless run.sh's SERVERS had it) is left off the plot.
SERVERS = [("parley", "Parley", "#1f4e8c"), ("parley-irc", "Parley (IRC)", "#27ae60"), ("irc", "ngircd", "#c0392b")]


def fanout_rows_from_markdown(path):
    """The fan-out tables of a latest.md, as {shape: [{rate, parley: {cpu, p50, p99}, irc: {...}}]}."""
    tables, shape = {}, None
    for line in open(path, encoding="utf-8"):
        if line.startswith("### "):
            match = re.match(r"### Fan-out, (\w+):", line)
            shape = match.group(1) if match else None
            continue
        if shape is None or not line.startswith("| ") or line.startswith("| offered"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        number = lambda text: float(re.match(r"[\d.]+", text).group()) if re.match(r"[\d.]+", text) else None
        tables.setdefault(shape, []).append({
            "rate": int(cells[0]),
            "parley": {"cpu": number(cells[2]), "p50": number(cells[5]), "p99": number(cells[7])},
            "irc": {"cpu": number(cells[3]), "p50": number(cells[6]), "p99": number(cells[8])},
        })
    return tables


def _axes(title, ylabel):
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=100)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel("offered messages per second (100 members, 10 senders)")
    axes.set_ylabel(ylabel)
    axes.set_xscale("log")
    axes.grid(True, which="both", color="#dddddd", linewidth=0.6)
    return figure, axes


def _series(rows, server, field):
    points = [(r["rate"], r[server][field]) for r in rows if r.get(server, {}).get(field) is not None]
    return [p[0] for p in points], [p[1] for p in points]


def _save(figure, axes, rows, path):
    rates = [r["rate"] for r in rows]
    axes.set_xticks(rates, [f"{r:,}" for r in rates])
    axes.minorticks_off()
    axes.set_ylim(bottom=0)
    axes.legend(frameon=False)
    figure.tight_layout()
    # A fixed hash salt and no date: the same figures give the same file.
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)


def draw(rows, directory, source, shape):
    """Writes fanout-SHAPE-cpu.svg and fanout-SHAPE-latency.svg into directory; returns their paths."""
    if not rows:
        return []
    plt.rcParams["svg.hashsalt"] = "parley"
    written = []
    figure, axes = _axes(f"Server CPU per delivery ({source})", "CPU µs per delivery")
    for key, label, colour in SERVERS:
        xs, ys = _series(rows, key, "cpu")
        if xs:
            axes.plot(xs, ys, marker="o", color=colour, label=label)
    path = os.path.join(directory, f"fanout-{shape}-cpu.svg")
    _save(figure, axes, rows, path)
    written.append(path)

    figure, axes = _axes(f"Delivery latency ({source})", "latency, ms")
    for key, label, colour in SERVERS:
        for field, style in [("p50", "-"), ("p99", "--")]:
            xs, ys = _series(rows, key, field)
            if xs:
                axes.plot(xs, [y / 1000 for y in ys], style, marker="o", color=colour, label=f"{label} {field}")
    path = os.path.join(directory, f"fanout-{shape}-latency.svg")
    _save(figure, axes, rows, path)
    written.append(path)
    return written


if __name__ == "__main__":
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results")
    table = os.path.join(results, "latest.md")
    for shape, rows in fanout_rows_from_markdown(table).items():
        for path in draw(rows, results, f"from latest.md, {shape}", shape):
            print(f"wrote {path}")
