#!/usr/bin/env bash
# Where Parley's time and wake-ups go in the 100-member fan-out: a release server pinned
# to core 0, `parley load` on core 1 (senders in step by default), and `perf` (Debian's
# linux-perf; the VM has no hardware counters, so it samples the cpu-clock) on the
# server while the load runs.
#
#   bash Benchmarks/profile.sh                    # burst, 1,000 msg/s offered
#   SHAPE=spread RATE=200 bash Benchmarks/profile.sh
#
# Prints the top frames by self time (user and kernel), the binary's functions by inclusive
# time (perf_frames.py resolves and demangles them), the samples per thread, and each
# thread's context switches over the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SHAPE=${SHAPE:-burst}
RATE=${RATE:-100}  # per sender; 10 senders
SECONDS_SAMPLED=${SECONDS_SAMPLED:-6}
PORT=${PORT:-7910}
BIN=${BIN:-$PWD/.build/release/parley}
command -v perf >/dev/null || { apt-get update -q && apt-get install -y -q linux-perf; }
[ -x "$BIN" ] || swift build -c release --product parley
WORK=$(mktemp -d /tmp/parley-profile.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

taskset -c 0 "$BIN" serve --port "$PORT" --data-dir "$WORK/data" --rate 0 --scrypt-log-n 10 \
    --max-connections-per-address 100000 --log-level warning > "$WORK/out" 2> "$WORK/err" &
SERVER=$!
for _ in $(seq 50); do grep -q listening "$WORK/out" 2>/dev/null && break; sleep 0.2; done
# `parley serve` restarts itself once with its malloc tunables: profile the process that listens.
PID=$(pgrep -n -f "parley serve --port $PORT" || echo "$SERVER")
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); server pid $PID; shape $SHAPE, $((RATE * 10)) msg/s offered"
taskset -c 1 "$BIN" load 127.0.0.1:"$PORT" --clients 100 --senders 10 --rate "$RATE" --shape "$SHAPE" \
    --duration $((2 * SECONDS_SAMPLED + 3)) --server-pid "$PID" > "$WORK/load.txt" 2> "$WORK/load.err" &
LOAD=$!
# Sample only once every client is in (the logins' scrypt would swamp the profile), and
# one second into the sending.
for _ in $(seq 300); do grep -q "each in its room" "$WORK/load.err" 2>/dev/null && break; sleep 0.2; done
sleep 1
# One after the other: a perf stat and a perf record on one process at once left the
# record empty here.
# The server's core, system-wide, then only its threads (all named parley-…): perf record
# -p on the process came back empty here, as threads came and went while it attached.
perf record -F 999 -g -C 0 -o "$WORK/perf.data" -- sleep "$SECONDS_SAMPLED" 2> "$WORK/perf-record.err" || true
perf stat -e context-switches,task-clock --per-thread -p "$PID" -o "$WORK/stat.txt" -- sleep "$SECONDS_SAMPLED" \
    2> /dev/null || true
wait "$LOAD" || true
cat "$WORK/load.txt"
echo
echo "(samples on core 0 from other processes are left out; their share is what the server did not get)"
# The server's own threads: by process id too, since other `parley` processes (another
# engineer's simulator, say) name their threads parley-... as well.
perf script -i "$WORK/perf.data" -F comm,pid,ip,sym,dso 2> /dev/null \
    | awk -v pid="$PID" '/^[^ \t]/ { keep = ($1 ~ /^parley-/ && $2 == pid) } keep' \
    | awk '/^[^ \t]/ { $2 = ""; sub(/ +$/, "") } { print }' | python3 Benchmarks/perf_frames.py "$BIN"
echo; echo "== context switches per thread over ${SECONDS_SAMPLED}s (connection threads summed)"
awk '/context-switches/ { name = $1; sub(/-[0-9]+$/, "", name); n[name] += $2 } END { for (k in n) print n[k], k }' \
    "$WORK/stat.txt" | sort -n -r | head -10
