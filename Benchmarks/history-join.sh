#!/usr/bin/env bash
# Joining a room whose history holds 1,000,000 messages against joining one with none
# (in an empty database, and beside 1,000,000 messages of another room's life) and one
# with 50 (the same 50 lines on the wire): `parley serve --history 50` on a data
# directory of each kind, global's history filled straight into SQLite, then
# Benchmarks/history_join.py times /leave -> HISTORY-END global (ROUNDS times, default 300).
# usage: bash Benchmarks/history-join.sh   (builds the release binary first)
set -euo pipefail
umask 077  # the server refuses a database others can read
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || swift build -c release --product parley >/dev/null
PARLEY=$PWD/.build/release/parley
ROUNDS=${ROUNDS:-300}
WORK=$(mktemp -d /tmp/parley-history-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=7990

serve() {  # data directory, port, log: starts the server, sets PID
    "$PARLEY" serve --data-dir "$1" --port "$2" --history 50 --scrypt-log-n 10 --rate 0 --log-level error \
        >"$3" 2>&1 &
    PID=$!
    for _ in $(seq 100); do
        grep -q "listening" "$3" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "the server did not start: $(cat "$3")" >&2
    exit 1
}

stop() {
    kill -TERM "$PID"
    wait "$PID" || true
}

# "rows:life": global is life 0; life 7 is a temporary room long gone (global stays empty).
for spec in 0:0 50:0 1000000:0 1000000:7; do
    rows=${spec%:*} life=${spec#*:}
    dir=$WORK/rows-$rows-life-$life
    serve "$dir" $PORT "$dir-create.log"
    stop
    if [ "$rows" -gt 0 ]; then
        sqlite3 "$dir/parley.sqlite3" "
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
            INSERT INTO messages (room, room_life, sender, recipient, body, sent_at_ms)
            SELECT CASE $life WHEN 0 THEN 'global' ELSE 'lounge' END, $life, 'filler', NULL, 'message number ' || i, 1764000000000 + i FROM n;"
    fi
    serve "$dir" $PORT "$dir.log"
    printf '%9s stored messages in life %s (global is 0): ' "$rows" "$life"
    python3 Benchmarks/history_join.py $PORT "$ROUNDS"
    stop
    PORT=$((PORT + 1))
done
