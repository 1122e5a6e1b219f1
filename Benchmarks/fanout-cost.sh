#!/usr/bin/env bash
# What one delivery of the 100-member fan-out costs a release `parley serve`, counted
# rather than timed, so the figure holds on a shared, loaded machine: allocations (an
# LD_PRELOAD counter, Benchmarks/malloc_count.c) and instructions (valgrind's callgrind).
#
#   bash Benchmarks/fanout-cost.sh                 # both counts, spread, 5 msg/s offered
#   MODE=malloc RATE=20 SHAPE=burst bash Benchmarks/fanout-cost.sh
#
# One server, three loads one after the other: a warm-up (it registers the accounts),
# then the same clients holding their connections for SECONDS without a word (`--idle`),
# then sending for SECONDS. Logins, joins, the leaves at the end and whatever the server
# does each second are the same in both, so (sending's count - idle's) / deliveries is
# the cost of a delivery alone. Deliveries count lines to others only, as run.sh's do.
# Under callgrind the server runs 20 to 50 times slower: keep RATE low, or it falls
# behind and its batches (and so the cost per delivery) change.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${MODE:-both}      # malloc, callgrind or both
RATE=${RATE:-0.5}       # per sender; 10 senders
SHAPE=${SHAPE:-spread}
SECONDS_SENT=${SECONDS_SENT:-10}
PORT=${PORT:-7930}
BIN=${BIN:-$PWD/.build/release/parley}
[ -x "$BIN" ] || swift build -c release --product parley
WORK=$(mktemp -d /tmp/parley-fanout-cost.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# Its own malloc settings, set here so `parley serve` does not re-execute itself.
export GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.pthread.stack_cache_size=4194304

start_server() {  # $@: what runs the server; $BIN the binary it runs
    rm -rf "$WORK/data"
    "$@" "$BIN" serve --port "$PORT" --data-dir "$WORK/data" --rate 0 --scrypt-log-n 10 \
        --max-connections-per-address 100000 --log-level warning > "$WORK/out" 2> "$WORK/err" &
    SERVER=$!
    for _ in $(seq 600); do grep -q listening "$WORK/out" 2>/dev/null && return; sleep 0.2; done
    echo "the server did not start:"; cat "$WORK/err"; exit 1
}

load() {  # $@: seconds, other options; prints the deliveries
    "$BIN" load 127.0.0.1:"$PORT" --clients 100 --senders 10 --rate "$RATE" --shape "$SHAPE" \
        --duration "$@" --json 2> "$WORK/load.err" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["delivered"])'
}

stop_server() {
    kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $SHAPE, $(python3 -c "print($RATE * 10)") msg/s offered," \
    "100 members, 10 senders; ${SECONDS_SENT}s sending less ${SECONDS_SENT}s idle"

if [ "$MODE" = malloc ] || [ "$MODE" = both ]; then
    cc -O2 -shared -fPIC -o "$WORK/malloc_count.so" Benchmarks/malloc_count.c
    export MALLOC_COUNT_FILE="$WORK/mallocs"
    start_server env LD_PRELOAD="$WORK/malloc_count.so"
    unset MALLOC_COUNT_FILE
    load 3 > /dev/null
    snap() { kill -USR2 "$SERVER"; sleep 0.5; tail -1 "$WORK/mallocs"; }
    sleep 1; read -r m0 f0 b0 < <(snap)
    load "$SECONDS_SENT" --idle > /dev/null; sleep 1; read -r m1 f1 b1 < <(snap)
    d=$(load "$SECONDS_SENT"); sleep 1; read -r m2 f2 b2 < <(snap)
    stop_server
    python3 - "$m0" "$m1" "$m2" "$b0" "$b1" "$b2" "$d" <<'PY'
import sys
m0, m1, m2, b0, b1, b2, d = map(int, sys.argv[1:])
print(f"allocations: idle {m1 - m0}, sending {m2 - m1} for {d} deliveries")
print(f"allocations per delivery: {((m2 - m1) - (m1 - m0)) / d:.3f}"
      f"  (bytes per delivery {((b2 - b1) - (b1 - b0)) / d:.0f})")
PY
fi

if [ "$MODE" = callgrind ] || [ "$MODE" = both ]; then
    command -v valgrind >/dev/null || { apt-get update -q && apt-get install -y -q valgrind; }
    # Valgrind 3.19 cannot read the DWARF 5 that Swift writes: a copy without debug
    # information (the symbol table stays, so functions keep their names).
    objcopy --strip-debug "$BIN" "$WORK/parley"
    BIN=$WORK/parley start_server valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.%p" --dump-instr=no
    load 3 > /dev/null
    sleep 1; callgrind_control -d > /dev/null 2>&1
    load "$SECONDS_SENT" --idle > /dev/null; sleep 2; callgrind_control -d > /dev/null 2>&1
    d=$(load "$SECONDS_SENT"); sleep 2; callgrind_control -d > /dev/null 2>&1
    stop_server
    # Dumps in order: the warm-up, idle, sending (then the final one at exit).
    mapfile -t dumps < <(ls "$WORK"/callgrind.*.[0-9]* | sort -t. -k3 -n)
    ir() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
    i1=$(ir "${dumps[1]}"); i2=$(ir "${dumps[2]}")
    python3 - "$i1" "$i2" "$d" <<'PY'
import sys
i1, i2, d = map(int, sys.argv[1:])
print(f"instructions: idle {i1}, sending {i2} for {d} deliveries")
print(f"instructions per delivery: {(i2 - i1) / d:.0f}")
PY
    if [ -n "${KEEP:-}" ]; then
        cp "${dumps[1]}" "$KEEP.idle"; cp "${dumps[2]}" "$KEEP.sending"
        echo "the runs' profiles: $KEEP.idle, $KEEP.sending; per delivery, by function:" \
            "python3 Benchmarks/callgrind_diff.py $KEEP.idle $KEEP.sending $d"
    fi
fi
