#!/usr/bin/env bash
# Parley and ngircd side by side: the same load generator (`parley load`), the same
# machine, the server pinned to core 0 and the generator to core 1, TLS 1.3 for both,
# flood control off for both, TCP_NODELAY for both (ngircd through nodelay.c).
#
#   bash Benchmarks/run.sh            # every scenario once
#   RUNS=3 bash Benchmarks/run.sh     # medians of three
#   SCENARIOS="fanout idle" bash Benchmarks/run.sh
#   bash Benchmarks/run.sh --shape burst   # the fan-out with senders in step only
#   PARLEY_BIN=.build/release/parley bash Benchmarks/run.sh   # that binary, no build
#   SERVERS="parley-irc irc" SCENARIOS=fanout bash Benchmarks/run.sh   # IRC both sides
#   OUT=/tmp/bench bash Benchmarks/run.sh   # results elsewhere than Benchmarks/results
#
# SERVERS picks the sides (default "parley irc"): parley is Parley's own protocol, irc is
# ngircd, and parley-irc is Parley's IRC port (--irc-port, TLS), so Parley and ngircd can
# be compared over the same protocol, the same IRC lines from the same generator.
#
# The fan-out runs, on every side, in two sender shapes (SHAPES, both unless --shape picks
# one): `spread`, the senders evenly over each interval (independent people), and `burst`,
# every sender in step each interval (everyone answering at once). Each row reports server
# CPU per delivery, p50/p99/p99.9, the TLS records and bytes each receiver read per
# delivered line (measured at the client), and the generator's own CPU (flagged above 85%).
# Fan-out results are named SIDE-fanout-SHAPE-RATE-runN.json.
#
# Results: a table on stdout and in $OUT/latest.md (OUT defaults to Benchmarks/results), raw
# JSON beside it, and SVG plots of each fan-out shape (fanout-SHAPE-cpu.svg,
# fanout-SHAPE-latency.svg) drawn by summarize.py.
set -euo pipefail
cd "$(dirname "$0")/.."
SHAPES=${SHAPES:-"spread burst"}
while [ $# -gt 0 ]; do
    case "$1" in
        --shape) case "${2:-}" in spread | burst) SHAPES=$2 ;; *) echo "--shape is spread or burst"; exit 2 ;; esac; shift 2 ;;
        *) echo "unknown option $1 (see the header of $0)"; exit 2 ;;
    esac
done
RUNS=${RUNS:-1}
SCENARIOS=${SCENARIOS:-"fanout rooms idle idle10k burst"}
SERVERS=${SERVERS:-"parley irc"}
STEPS=${STEPS:-"10 50 100 200 400"}
DURATION=${DURATION:-8}
OUT=${OUT:-Benchmarks/results}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/parley-bench.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]:-}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need ngircd; then
    # Debian starts services on install; forbid that: we run our own instance.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ngircd
    rm -f /usr/sbin/policy-rc.d
    systemctl stop ngircd 2>/dev/null || pkill -x ngircd || true
fi
need openssl || { apt-get update -q && apt-get install -y -q openssl; }

if [[ -n "${PARLEY_BIN:-}" ]]; then BIN=$PARLEY_BIN; else swift build -c release; BIN=$PWD/.build/release/parley; fi
gcc -shared -fPIC -O2 -o "$WORK/nodelay.so" Benchmarks/nodelay.c -ldl

PARLEY_PORT=7900
IRC_PORT=7901
PARLEY_IRC_PORT=7903

start_parley() { # $1: scrypt log N; more arguments go to parley serve
    rm -rf "$WORK/parley-data"
    taskset -c 0 "$BIN" serve --port $PARLEY_PORT --data-dir "$WORK/parley-data" --rate 0 \
        --scrypt-log-n "$1" --max-connections-per-address 100000 --log-level warning "${@:2}" \
        > "$WORK/parley.out" 2> "$WORK/parley.err" &
    SERVER=$!; PIDS+=("$SERVER")
    for _ in $(seq 50); do grep -q listening "$WORK/parley.out" 2>/dev/null && return; sleep 0.2; done
    echo "parley did not start"; cat "$WORK/parley.err"; exit 1
}

start_ngircd() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -keyout "$WORK/irc.key" -out "$WORK/irc.crt" 2>/dev/null
    chmod 644 "$WORK/irc.key" "$WORK/irc.crt"; chmod 755 "$WORK"
    cat > "$WORK/ngircd.conf" <<CONF
[Global]
Name = bench.local
Info = Parley benchmark peer
Listen = 127.0.0.1
Ports = 7902
ServerUID = nobody
ServerGID = nogroup
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxNickLength = 30
MaxPenaltyTime = 0
PingTimeout = 300
PongTimeout = 300
[Options]
DNS = no
Ident = no
PAM = no
[SSL]
CertFile = $WORK/irc.crt
KeyFile = $WORK/irc.key
CipherList = SECURE128:-VERS-SSL3.0
Ports = $IRC_PORT
CONF
    LD_PRELOAD="$WORK/nodelay.so" taskset -c 0 ngircd -n -f "$WORK/ngircd.conf" > "$WORK/ngircd.log" 2>&1 &
    SERVER=$!; PIDS+=("$SERVER")
    # ngircd makes DH parameters before it listens: seconds on a loaded machine.
    for _ in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$IRC_PORT) 2>/dev/null && return; sleep 0.2; done
    echo "ngircd did not start"; cat "$WORK/ngircd.log"; exit 1
}

# Starts the side named $1 and sets the load's protocol and port.
start_side() {
    case $1 in
        parley) start_parley 10; protocol=parley; port=$PARLEY_PORT ;;
        parley-irc) start_parley 10 --irc-port $PARLEY_IRC_PORT; protocol=irc; port=$PARLEY_IRC_PORT ;;
        irc) start_ngircd; protocol=irc; port=$IRC_PORT ;;
        *) echo "unknown server $1 (parley, parley-irc, irc)"; exit 2 ;;
    esac
}

stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }

load() { # protocol port name args...
    local protocol=$1 port=$2 name=$3; shift 3
    taskset -c 1 "$BIN" load 127.0.0.1:$port --protocol "$protocol" --server-pid "$SERVER" --json "$@" \
        2>> "$WORK/load.err" > "$OUT/$name.json" || echo "  (run $name reported errors)"
    # The load average beside each figure: the machine may be shared with builds.
    python3 - "$OUT/$name.json" <<'PY'
import json, sys
path = sys.argv[1]
try:
    data = json.load(open(path))
except ValueError:
    sys.exit(0)
data["loadAverage"] = float(open("/proc/loadavg").read().split()[0])
json.dump(data, open(path, "w"), sort_keys=True)
PY
    echo "  $name: $(cat "$OUT/$name.json")" >> "$WORK/summary.log"
}

for server in $SERVERS; do
    for run in $(seq "$RUNS"); do
        if [[ " $SCENARIOS " == *" fanout "* ]]; then
            for shape in $SHAPES; do
                echo "== $server: 100 members in one room, 10 senders, $shape (run $run; load average $(cut -d' ' -f1-3 /proc/loadavg))"
                start_side $server
                load $protocol $port "$server-warmup" --clients 100 --senders 1 --rate 1 --duration 1 > /dev/null
                for rate in $STEPS; do
                    load $protocol $port "$server-fanout-$shape-$rate-run$run" --clients 100 --senders 10 --rate "$rate" \
                        --shape "$shape" --duration "$DURATION"
                done
                stop_server
            done
        fi
        if [[ " $SCENARIOS " == *" rooms "* ]]; then
            echo "== $server: 1,000 members over 20 rooms, 100 senders (run $run)"
            start_side $server
            load $protocol $port "$server-rooms-run$run" --clients 1000 --rooms 20 --senders 100 --rate 10 --duration "$DURATION"
            stop_server
        fi
        if [[ " $SCENARIOS " == *" idle "* ]]; then
            echo "== $server: 5,000 idle logged-in connections (run $run)"
            start_side $server
            load $protocol $port "$server-idle-run$run" --clients 5000 --idle --duration 8
            stop_server
        fi
        if [[ " $SCENARIOS " == *" idle10k "* ]]; then
            echo "== $server: 10,000 idle logged-in connections over 100 rooms (run $run)"
            start_side $server
            load $protocol $port "$server-idle10k-run$run" --clients 10000 --rooms 100 --idle --duration 8
            stop_server
        fi
    done
done
if [[ " $SCENARIOS " == *" burst "* ]]; then
    echo "== parley: a burst of 200 logins at the default scrypt cost (server on both cores)"
    rm -rf "$WORK/parley-data"
    "$BIN" serve --port $PARLEY_PORT --data-dir "$WORK/parley-data" --rate 0 --log-level warning \
        > "$WORK/parley.out" 2> "$WORK/parley.err" &
    SERVER=$!; PIDS+=("$SERVER"); sleep 1
    "$BIN" load 127.0.0.1:$PARLEY_PORT --server-pid "$SERVER" --json --clients 200 --login-burst \
        --chatters 20 --senders 5 --rate 10 --duration 30 \
        2>> "$WORK/load.err" > "$OUT/parley-burst.json" || true
    stop_server
fi

# The plots need matplotlib: it lives in the benchmark's own environment, not the system's.
[ -x Benchmarks/.venv/bin/python ] || python3 -m venv Benchmarks/.venv
Benchmarks/.venv/bin/python -c "import matplotlib" 2>/dev/null || Benchmarks/.venv/bin/pip install -q matplotlib
Benchmarks/.venv/bin/python Benchmarks/summarize.py "$OUT" | tee "$OUT/latest.md"
