#!/usr/bin/env python3
"""Instructions per delivery by function: the sending run's callgrind profile less the idle
run's, over the sending run's deliveries (Benchmarks/fanout-cost.sh prints the command).

    python3 Benchmarks/callgrind_diff.py IDLE SENDING DELIVERIES [--inclusive] [--top N]
"""
import subprocess
import sys


def per_function(path, inclusive):
    """Instructions per function, read from callgrind's file itself (self cost, or with
    `inclusive` the calls it makes too): callgrind_annotate 3.19 counts these Swift
    binaries' closures inclusive either way."""
    names, counts = {}, {}
    function, in_call = None, False
    with open(path) as f:
        for line in f:
            if line.startswith("fn="):
                function = compressed(line[3:].strip(), names)
            elif line.startswith(("cfn=", "cfi=", "cfl=", "cob=")):
                if line.startswith("cfn="):
                    compressed(line[4:].strip(), names)
            elif line.startswith("calls="):
                in_call = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if function is not None and (inclusive or not in_call):
                    counts[function] = counts.get(function, 0) + cost
                in_call = False
    return counts


def compressed(text, names):
    """callgrind's name compression: "(12) name" the first time, "(12)" after."""
    if text.startswith("("):
        key, _, rest = text.partition(")")
        if rest.strip():
            names[key] = rest.strip()
        return names.get(key, text)
    return text


def demangle(names):
    try:
        out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                             capture_output=True, text=True, check=True).stdout
        return out.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return names


def main():
    idle, sending, deliveries = sys.argv[1], sys.argv[2], int(sys.argv[3])
    inclusive = "--inclusive" in sys.argv
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 30
    a, b = per_function(idle, inclusive), per_function(sending, inclusive)
    rows = sorted(((b.get(k, 0) - a.get(k, 0), k) for k in set(a) | set(b)), reverse=True)
    total = sum(d for d, _ in rows if d > 0) if not inclusive else None
    rows = rows[:top]
    names = demangle([k.split(":", 1)[-1] for _, k in rows])
    print(f"{'per delivery':>12}  function ({'inclusive' if inclusive else 'self'})")
    for (delta, _), name in zip(rows, names):
        share = f"  {100 * delta / total:4.1f}%" if total else ""
        print(f"{delta / deliveries:12.0f}{share}  {name[:150]}")


main()
