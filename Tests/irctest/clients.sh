#!/usr/bin/env bash
# irssi and WeeChat against Parley by hand, in tmux: a documented recipe, not part of
# `swift test`. Starts a release `parley serve` with --irc-port (TLS, the generated
# self-signed certificate), a `parley chat` user (bob) and two IRC users over TLS with SASL
# PLAIN: alice on irssi, wendy on weechat-headless (driven through its FIFO, read from its
# logger files). Each joins #global, talks with bob, whispers, creates and joins a room,
# asks NAMES and LIST, parts and quits. The screens are written to $OUT/*.txt at each step.
#
#   bash Tests/irctest/clients.sh            # needs irssi, weechat-headless, tmux
#   KEEP=1 bash Tests/irctest/clients.sh     # leave the tmux session up: tmux attach -t parley-irc
#
# Then read $OUT (default /tmp/parley-irc-clients): irssi.txt, bob.txt, weechat-*.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/parley-irc-clients}
PORT=${PORT:-7960}
IRC_PORT=${IRC_PORT:-7961}
PASSWORD=clients-password-1
SESSION=parley-irc
for tool in irssi weechat-headless tmux; do
    command -v $tool >/dev/null || { echo "missing $tool: apt-get install -y irssi weechat-headless tmux"; exit 1; }
done
if [[ -z "${PARLEY_BIN:-}" ]]; then swift build -c release --product parley >/dev/null; PARLEY_BIN=.build/release/parley; fi
rm -rf "$OUT"; mkdir -p "$OUT/data" "$OUT/irssi" "$OUT/weechat"

"$PARLEY_BIN" serve --host 127.0.0.1 --port $PORT --irc-port $IRC_PORT --data-dir "$OUT/data" \
    --scrypt-log-n 10 > "$OUT/serve.out" 2> "$OUT/serve.err" &
SERVER=$!
cleanup() {
    [[ -n "${KEEP:-}" ]] || tmux kill-session -t $SESSION 2>/dev/null || true
    kill $SERVER 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q Certificate "$OUT/serve.out" 2>/dev/null && break; sleep 0.2; done
FINGERPRINT=$(sed -n 's/^Certificate fingerprint: //p' "$OUT/serve.out")
chat() { "$PARLEY_BIN" chat 127.0.0.1:$PORT --fingerprint "$FINGERPRINT" --known-servers "$OUT/known"; }
for user in alice wendy; do printf '/register %s %s\n/quit\n' $user $PASSWORD | chat > /dev/null; done

snap() { # window file: the screen as a person sees it
    tmux capture-pane -p -t "$SESSION:$1" > "$OUT/$2.txt"
}
keys() { tmux send-keys -t "$SESSION:$1" "$2" Enter; sleep "${3:-1}"; }

tmux kill-session -t $SESSION 2>/dev/null || true
tmux new-session -d -s $SESSION -n bob -x 160 -y 45
keys bob "$PARLEY_BIN chat 127.0.0.1:$PORT --fingerprint '$FINGERPRINT' --known-servers '$OUT/known'" 2
keys bob "/register bob $PASSWORD" 1

# irssi over TLS with SASL PLAIN.
tmux new-window -t $SESSION -n irssi "irssi --home='$OUT/irssi' -n alice"
sleep 2
keys irssi "/network add -sasl_mechanism PLAIN -sasl_username alice -sasl_password $PASSWORD parley"
keys irssi "/server add -tls -notls_verify -network parley 127.0.0.1 $IRC_PORT"

keys irssi "/connect parley" 4
snap irssi irssi-1-connected

# WeeChat (headless) over TLS with SASL PLAIN; its FIFO takes commands. WeeChat before 4.0
# (Debian 12 has 3.8) spells TLS "ssl": there `-tls` is ignored and it connects in plain text.
tls=tls
[[ $(weechat-headless --version) == [0-3].* ]] && tls=ssl
tmux new-window -t $SESSION -n weechat "weechat-headless --stdout --dir '$OUT/weechat' \
  -r '/set logger.file.path $OUT/weechat/logs; /set logger.level.irc 9; /set fifo.file.path $OUT/weechat/fifo; \
/server add parley 127.0.0.1/$IRC_PORT -$tls -${tls}_verify=off -sasl_mechanism=plain -sasl_username=wendy \
-sasl_password=$PASSWORD -nicks=wendy; /connect parley'"
sleep 5
wee() { printf '%s\n' "$1" > "$OUT/weechat/fifo"; sleep "${2:-1}"; }

# In #global: everyone sees everyone's lines.
keys irssi "/window goto #global"
keys irssi "hello from irssi"
wee "irc.parley.#global *hello from weechat"
keys bob "hello from parley chat" 2
snap bob bob-2-global
snap irssi irssi-2-global
keys irssi "/rawlog save $OUT/irssi-raw-global.log"

# Whispers both ways.
keys irssi "/msg bob psst from irssi"
wee "irc.server.parley */msg bob psst from weechat"
keys bob "/whisper alice psst back to irssi"
keys bob "/whisper wendy psst back to weechat" 2
snap bob bob-3-whispers
snap irssi irssi-3-whispers

# Rooms: irssi creates #lounge, WeeChat joins it; NAMES and LIST on both.
keys irssi "/join #lounge" 2
wee "irc.server.parley */join #lounge" 2
keys irssi "hello lounge from irssi"
wee "irc.parley.#lounge *hello lounge from weechat"
keys irssi "/names" 1
keys irssi "/list -yes" 2
wee "irc.parley.#lounge */names"
wee "irc.server.parley */list" 2
keys bob "/chatrooms" 1
snap irssi irssi-4-lounge
snap bob bob-4-chatrooms

# PART back to #global, then QUIT.
keys irssi "/part" 2
wee "irc.parley.#lounge */part" 2
snap irssi irssi-5-parted
keys irssi "/quit see you" 2
wee "irc.server.parley */quit see you" 2
snap bob bob-6-after-quits
cp -r "$OUT/weechat/logs" "$OUT/weechat-logs" 2>/dev/null || true
echo "screens and logs in $OUT:"; ls "$OUT" "$OUT/weechat-logs" 2>/dev/null
