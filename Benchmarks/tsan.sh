#!/usr/bin/env bash
# ThreadSanitizer over Parley's threaded shell: a TSan build, the server and client
# tests, then a short load with connection churn against a TSan-built `parley serve`.
#
#   bash Benchmarks/tsan.sh               # build, tests, load + churn
#   bash Benchmarks/tsan.sh --tests-only  # build and tests (what .ci/run does)
#
# Exits non-zero if the tests fail or TSan reports anything, in the tests or in the
# server (or the load generator, also TSan-built). Loopback only. The build goes to
# .build-tsan, apart from the normal one. LOAD_SECONDS and CHURN_SECONDS shorten or
# lengthen the second part.
set -euo pipefail
cd "$(dirname "$0")/.."
TESTS_ONLY=0
[ "${1:-}" = "--tests-only" ] && TESTS_ONLY=1
LOAD_SECONDS=${LOAD_SECONDS:-8}
CHURN_SECONDS=${CHURN_SECONDS:-20}
SCRATCH=.build-tsan

stamp() { date +%s; }
t0=$(stamp)
swift build --build-tests --sanitize=thread --scratch-path "$SCRATCH"
t1=$(stamp)
echo "tsan: build took $((t1 - t0)) s"

# TSan's default exitcode (66) makes the test process fail on any report; the grep is
# a second guard, and it gives the count.
TEST_LOG=$(mktemp /tmp/parley-tsan-tests.XXXXXX)
status=0
swift test --skip-build --sanitize=thread --scratch-path "$SCRATCH" \
    --filter 'ParleyServerTests|ParleyClientTests' 2>&1 | tee "$TEST_LOG" || status=$?
warnings=$(grep -c 'WARNING: ThreadSanitizer' "$TEST_LOG" || true)
t2=$(stamp)
echo "tsan: tests took $((t2 - t1)) s, exit status $status, $warnings TSan warnings"
rm -f "$TEST_LOG"
if [ "$status" -ne 0 ] || [ "$warnings" -ne 0 ]; then
    echo "tsan: FAILED in the tests"
    exit 1
fi
[ "$TESTS_ONLY" -eq 1 ] && exit 0

BIN=$PWD/$SCRATCH/debug/parley
DIR=$(mktemp -d /tmp/parley-tsan.XXXXXX)
SERVER=
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then echo "tsan: kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

# GLIBC_TUNABLES set (to nothing) skips the server's re-exec; TSan has its own malloc.
TSAN_OPTIONS="halt_on_error=0 log_path=$DIR/tsan" GLIBC_TUNABLES= \
    "$BIN" serve --port 0 --data-dir "$DIR/data" --scrypt-log-n 10 --rate 0 --log-level warning \
    > "$DIR/serve.out" 2> "$DIR/serve.err" &
SERVER=$!
PORT=
for _ in $(seq 150); do
    PORT=$(sed -n 's/^Parley is listening on .*:\([0-9]*\)$/\1/p' "$DIR/serve.out" 2>/dev/null)
    [ -n "$PORT" ] && break
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.2
done
if [ -z "$PORT" ]; then
    echo "tsan: the server did not start"; cat "$DIR/serve.err"; exit 1
fi
echo "tsan: TSan-built server on 127.0.0.1:$PORT, load for ${LOAD_SECONDS}s beside ${CHURN_SECONDS}s of churn"

failed=0
python3 Benchmarks/churn.py "$PORT" --seconds "$CHURN_SECONDS" > "$DIR/churn.out" 2>&1 &
CHURN=$!
TSAN_OPTIONS="halt_on_error=0 log_path=$DIR/tsan-load" \
    "$BIN" load "127.0.0.1:$PORT" --clients 30 --senders 6 --rate 5 --duration "$LOAD_SECONDS" \
    > "$DIR/load.out" 2>&1 || { echo "tsan: parley load failed"; failed=1; }
tail -n 15 "$DIR/load.out"
wait "$CHURN" || { echo "tsan: churn failed"; failed=1; }
cat "$DIR/churn.out"

kill -TERM "$SERVER"
server_status=0
wait "$SERVER" || server_status=$?
SERVER=
t3=$(stamp)
echo "tsan: load and churn took $((t3 - t2)) s; the server exited with $server_status"
[ "$server_status" -eq 0 ] || { echo "tsan: the server did not exit cleanly"; tail -n 20 "$DIR/serve.err"; failed=1; }

reports=$(find "$DIR" -maxdepth 1 -name 'tsan*' | sort)
if [ -n "$reports" ]; then
    for file in $reports; do
        echo "tsan: $(grep -c 'WARNING: ThreadSanitizer' "$file") warnings in $file"
        grep 'SUMMARY: ThreadSanitizer' "$file" | sort | uniq -c
    done
    KEEP=1
    failed=1
else
    echo "tsan: no TSan reports from the server or the load generator"
fi
exit "$failed"
