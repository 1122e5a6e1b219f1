#!/usr/bin/env bash
# Shutdown at scale: CLIENTS users in global (held by `parley load --idle`), then SIGTERM.
# Prints how long the server took to exit and how many logout audits it wrote.
#   bash Benchmarks/shutdown.sh              # 4,000 users
#   CLIENTS=1000 bash Benchmarks/shutdown.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-4000}
PORT=${PORT:-7993}
PARLEY=${PARLEY:-.build/release/parley}
[ -x "$PARLEY" ] || swift build -c release --product parley >&2
ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d)
trap 'kill $LOAD $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="$WORK/data/parley.sqlite3"

"$PARLEY" serve --port "$PORT" --data-dir "$WORK/data" --scrypt-log-n 10 --log-level warning 2>"$WORK/server.log" &
SERVER=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

"$PARLEY" load "127.0.0.1:$PORT" --clients "$CLIENTS" --idle --duration 600 --threads 2 >"$WORK/load.log" 2>&1 &
LOAD=$!
count() { sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM audit WHERE kind = '$1'" 2>/dev/null || echo 0; }
# Every account registered and logged in (a registration logs in).
for _ in $(seq 600); do
    [ "$(( $(count login) + $(count registered) ))" -ge "$CLIENTS" ] && break
    sleep 0.5
done
sleep 2
echo "users online: $(( $(count login) + $(count registered) )) (asked for $CLIENTS)"

start=$(date +%s.%N)
kill -TERM "$SERVER"
wait "$SERVER" || true
end=$(date +%s.%N)
kill "$LOAD" 2>/dev/null || true
printf 'shutdown of %d users: %.2f s; logout audits written: %d\n' "$CLIENTS" "$(echo "$end - $start" | bc)" "$(count logout)"
