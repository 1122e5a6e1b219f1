#!/usr/bin/env bash
# Runs irctest's basic server groups against Parley, one pytest run per group.
#
#   bash Tests/irctest/run.sh /path/to/irctest-checkout [extra pytest args]
#   ONLY="SASL" bash Tests/irctest/run.sh /path/to/irctest-checkout   # those groups only
#
# irctest (progval/irctest) is kept OUTSIDE this repository. Needs pytest (pip install
# pytest). Uses PARLEY_BIN if set, else builds and uses the debug `parley`. Each test
# starts its own `parley serve --irc-plain-port` on loopback with a fresh data directory.
# Logs: $IRCTEST_LOGS (default /tmp/parley-irctest), one file per group.
set -euo pipefail

irctest=${1:?usage: run.sh IRCTEST_CHECKOUT [pytest args]}
shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
logs=${IRCTEST_LOGS:-/tmp/parley-irctest}
mkdir -p "$logs"

if [[ -z "${PARLEY_BIN:-}" ]]; then
    (cd "$repo" && swift build --product parley >/dev/null)
    PARLEY_BIN="$repo/.build/debug/parley"
fi
export PARLEY_BIN

# group name, then irctest's module for it
groups=(
    "connection-registration connection_registration"
    "ping-pong pingpong"
    "CAP cap"
    "SASL sasl"
    "JOIN join"
    "PART part"
    "PRIVMSG/NOTICE messages"
    "QUIT quit"
    "NAMES names"
    "LIST list"
    "ISUPPORT isupport"
)
markers="not implementation-specific and not deprecated and not strict"

status=0
for entry in "${groups[@]}"; do
    name=${entry% *}
    module=${entry##* }
    if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then continue; fi
    log="$logs/${module}.log"
    set +e
    (cd "$irctest" && PYTHONPATH="$here:${PYTHONPATH:-}" python3 -m pytest -p no:cacheprovider -q -rfEs \
        --controller parley_controller -m "$markers" "irctest/server_tests/${module}.py" "$@") >"$log" 2>&1
    code=$?
    set -e
    summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error|deselected)' "$log" | tail -1 | tr -d '=' | xargs)
    printf '%-24s %s\n' "$name" "${summary:-no summary (see $log)}"
    if ((code != 0 && code != 5)); then status=1; fi
done
echo "logs in $logs"
exit $status
