#!/usr/bin/env bash
# Joining a room whose history holds 1,000,000 messages against joining one with none
# (and one with 50, the same lines on the wire): `parley serve --history 50` on a data
# directory of each kind, global's history filled straight into SQLite, then
# Benchmarks/history_join.py times /leave -> HISTORY-END global (ROUNDS times, default 300).
# usage: bash Benchmarks/history-join.sh   (builds the release binary first)
set -euo pipefail
umask 077  # the server refuses a database others can read
cd "$(dirname "$0")/.."
swift build -c release --product parley >/dev/null
PARLEY=$PWD/.build/release/parley
ROUNDS=${ROUNDS:-300}
WORK=$(mktemp -d /tmp/parley-history-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=7990

serve() {  # data directory, port; prints the server's pid
    "$PARLEY" serve --data-dir "$1" --port "$2" --history 50 --scrypt-log-n 10 --rate 0 --log-level error \
        >"$1.log" 2>&1 &
    echo $!
}

wait_listening() {
    for _ in $(seq 100); do
        grep -q "listening" "$1.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "the server did not start: $(cat "$1.log")" >&2
    exit 1
}

for rows in 0 50 1000000; do
    dir=$WORK/rows-$rows
    pid=$(serve "$dir" $PORT)
    wait_listening "$dir"
    kill -TERM "$pid"; wait "$pid" || true
    if [ "$rows" -gt 0 ]; then
        sqlite3 "$dir/parley.sqlite3" "
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
            INSERT INTO messages (room, room_life, sender, recipient, body, sent_at_ms)
            SELECT 'global', 0, 'filler', NULL, 'message number ' || i, 1764000000000 + i FROM n;"
    fi
    pid=$(serve "$dir" $PORT)
    wait_listening "$dir"
    printf '%9s stored messages in global: ' "$rows"
    python3 Benchmarks/history_join.py $PORT "$ROUNDS"
    kill -TERM "$pid"; wait "$pid" || true
    PORT=$((PORT + 1))
done
