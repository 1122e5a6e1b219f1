#!/usr/bin/env python3
"""Walks every IRC mapping of docs/PROTOCOL.md over TLS and checks each numeric.

    python3 Tests/irctest/walk.py HOST IRC_TLS_PORT PARLEY_PORT

Against a running `parley serve --irc-port IRC_TLS_PORT --port PARLEY_PORT` (self-signed
certificate: not verified). Creates accounts with a random suffix (REGISTER over IRC,
/register over Parley's protocol). Prints one line per check and `N passed, N failed`.
"""

import base64
import random
import socket
import ssl
import string
import sys
import time

TIMEOUT = 5.0
results = {"passed": 0, "failed": 0}


def check(ok, what, got=None):
    results["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or got is None else f"  (got {got!r})"))
    return ok


def tls_connect(host, port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    return context.wrap_socket(sock, server_hostname=host)


class Message:
    def __init__(self, line):
        self.raw = line
        self.tags = {}
        if line.startswith("@"):
            tags, line = line[1:].split(" ", 1)
            for tag in tags.split(";"):
                key, _, value = tag.partition("=")
                self.tags[key] = value
        self.source = None
        if line.startswith(":"):
            self.source, line = line[1:].split(" ", 1)
        trailing = None
        if " :" in line:
            line, trailing = line.split(" :", 1)
        parts = line.split()
        self.command = parts[0] if parts else ""
        self.params = parts[1:] + ([trailing] if trailing is not None else [])

    def __repr__(self):
        return self.raw


class Connection:
    """A line-based TLS connection; IRC or Parley's protocol."""

    def __init__(self, host, port, name, ending="\r\n"):
        self.sock = tls_connect(host, port)
        self.name = name
        self.ending = ending
        self.buffer = b""
        self.seen = []

    def send(self, line):
        self.sock.sendall((line + self.ending).encode())

    def lines(self, timeout):
        deadline = time.time() + timeout
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                yield line.rstrip(b"\r").decode(errors="replace")
            remaining = deadline - time.time()
            if remaining <= 0:
                return
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return
            except (ConnectionError, ssl.SSLError):
                chunk = b""
            if not chunk:
                self.closed = True
                return
            self.buffer += chunk

    def expect(self, predicate, what, timeout=TIMEOUT):
        """Reads until a line matches; records the check; returns the match or None."""
        skipped = []
        for line in self.lines(timeout):
            message = Message(line)
            if message.command == "PING":
                self.send("PONG :" + (message.params[0] if message.params else ""))
                continue
            if predicate(message):
                check(True, f"{self.name}: {what}")
                return message
            skipped.append(line)
        check(False, f"{self.name}: {what}", skipped[-6:])
        return None

    def numeric(self, code, what, *params):
        def matches(m):
            return m.command == code and all(p in m.params for p in params)

        return self.expect(matches, f"{code} {what}")

    def quiet(self, predicate, what, timeout=1.0):
        """Checks that no line matching predicate comes within timeout."""
        bad = [line for line in self.lines(timeout) if predicate(Message(line))]
        check(not bad, f"{self.name}: {what}", bad)

    def drain(self, timeout=0.3):
        for _ in self.lines(timeout):
            pass

    def fence(self, token="fence"):
        """PING the server and read up to its PONG: everything before is answered."""
        self.send(f"PING :{token}")
        for line in self.lines(TIMEOUT):
            m = Message(line)
            if m.command == "PONG" and token in m.params:
                return
        check(False, f"{self.name}: PONG {token}")

    def closed_after(self, what):
        for _ in self.lines(TIMEOUT):
            pass
        check(getattr(self, "closed", False), f"{self.name}: {what}")


def sasl_blob(account, password):
    return base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    host, irc_port, parley_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    suffix = "".join(random.choice(string.ascii_lowercase) for _ in range(5))
    alice, bob, carol, dave = (f"{n}_{suffix}" for n in ("alice", "bob", "carol", "dave"))
    room, other = f"room_{suffix}", f"other_{suffix}"
    password = "walk-password-1"

    def irc(name):
        return Connection(host, irc_port, name)

    # --- Registration: CAP, REGISTER, SASL, PASS, NICK/USER, 001-005, 422 ---
    a = irc(alice)
    a.send("PRIVMSG #global :too early")
    a.numeric("451", "before registration")
    a.send("CAP LS 302")
    caps = a.expect(lambda m: m.command == "CAP" and "LS" in m.params, "CAP LS 302")
    offered = caps.params[-1].split() if caps else []
    for cap in ("sasl=PLAIN", "server-time", "message-tags", "echo-message", "multi-prefix"):
        check(cap in offered, f"CAP LS offers {cap}", offered)
    a.send("CAP REQ :server-time echo-message message-tags multi-prefix")
    a.expect(lambda m: m.command == "CAP" and "ACK" in m.params, "CAP ACK")
    a.send("CAP REQ :no-such-cap")
    a.expect(lambda m: m.command == "CAP" and "NAK" in m.params, "CAP NAK of an unknown cap")
    a.send("CAP LIST")
    a.expect(lambda m: m.command == "CAP" and "LIST" in m.params and "echo-message" in m.params[-1], "CAP LIST")
    a.send("REGISTER * * short")
    a.expect(lambda m: m.command == "FAIL" and "UNACCEPTABLE_PASSWORD" in m.params or "NEED_MORE_PARAMS" in m.params
             or "BAD_ACCOUNT_NAME" in m.params, "FAIL REGISTER of a bad registration")
    a.send(f"REGISTER {alice} * {password}")
    a.expect(lambda m: m.command == "REGISTER" and "SUCCESS" in m.params, "REGISTER SUCCESS")
    a.numeric("900", "logged in after REGISTER")
    a.send("NICK someone_else")
    a.send("USER alice 0 * :Alice")
    a.send("CAP END")
    a.numeric("433", "a nick that is not the account's")
    a.send(f"NICK {alice}")
    a.numeric("001", "welcome")
    a.numeric("002", "your host")
    a.numeric("003", "created")
    a.numeric("004", "my info")
    isupport = a.numeric("005", "ISUPPORT")
    tokens = isupport.params if isupport else []
    for token in ("CHANTYPES=#", "CASEMAPPING=ascii", "NICKLEN=32"):
        check(token in tokens, f"ISUPPORT has {token}", tokens)
    check(any(t.startswith("CHANNELLEN=") for t in tokens), "ISUPPORT has CHANNELLEN", tokens)
    a.expect(lambda m: m.command in ("422", "376"), "422 no MOTD (or 376)")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"] and m.source.startswith(alice + "!"),
             "joined #global after login")
    a.numeric("353", "NAMES of #global on join")
    a.numeric("366", "end of NAMES on join")
    a.send("USER again 0 * :x")
    a.numeric("462", "USER after registration")
    a.drain()

    # bob: SASL PLAIN against an account made over the wire
    reg = irc("bob-register")
    reg.send(f"REGISTER {bob} * {password}")
    reg.expect(lambda m: m.command == "REGISTER" and "SUCCESS" in m.params, "REGISTER bob")
    reg.send("QUIT")
    reg.expect(lambda m: m.command == "ERROR", "ERROR before the close on QUIT")
    reg.closed_after("closed after QUIT")

    bad = irc("sasl-wrong")
    bad.send("CAP LS 302")
    bad.send("CAP REQ :sasl")
    bad.expect(lambda m: m.command == "CAP" and "ACK" in m.params, "CAP ACK sasl")
    bad.send("AUTHENTICATE SCRAM-SHA-256")
    bad.numeric("908", "mechanisms list for an unknown mechanism")
    bad.numeric("904", "unknown mechanism fails")
    bad.send("AUTHENTICATE PLAIN")
    bad.expect(lambda m: m.command == "AUTHENTICATE" and m.params == ["+"], "AUTHENTICATE +")
    bad.send("AUTHENTICATE " + sasl_blob(bob, "wrong-password"))
    bad.numeric("904", "SASL with a wrong password")
    bad.send("AUTHENTICATE PLAIN")
    bad.expect(lambda m: m.command == "AUTHENTICATE", "AUTHENTICATE + again")
    bad.send("AUTHENTICATE *")
    bad.numeric("906", "SASL aborted")
    bad.sock.close()

    b = irc(bob)
    b.send("CAP LS 302")
    b.send("CAP REQ :sasl server-time")
    b.expect(lambda m: m.command == "CAP" and "ACK" in m.params, "CAP ACK sasl server-time")
    b.send("AUTHENTICATE PLAIN")
    b.expect(lambda m: m.command == "AUTHENTICATE" and m.params == ["+"], "AUTHENTICATE +")
    b.send("AUTHENTICATE " + sasl_blob(bob, password))
    b.numeric("900", "logged in by SASL")
    b.numeric("903", "SASL success")
    b.send("AUTHENTICATE PLAIN")
    b.numeric("907", "SASL when already logged in")
    b.send(f"NICK {bob}")
    b.send("USER bob 0 * :Bob")
    b.send("CAP END")
    b.numeric("001", "welcome after SASL")
    b.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"], "bob in #global")
    b.numeric("366", "end of NAMES on join")
    b.drain()
    a.expect(lambda m: m.command == "JOIN" and m.source.startswith(bob + "!"), "sees bob JOIN #global")

    # PASS fallback, right and wrong
    reg = irc("carol-register")
    reg.send(f"REGISTER {carol} * {password}")
    reg.expect(lambda m: m.command == "REGISTER" and "SUCCESS" in m.params, "REGISTER carol")
    reg.send("QUIT")
    reg.sock.close()
    wrong = irc("pass-wrong")
    wrong.send(f"PASS {carol}:not-the-password")
    wrong.send(f"NICK {carol}")
    wrong.send("USER carol 0 * :Carol")
    wrong.numeric("464", "PASS with a wrong password")
    wrong.expect(lambda m: m.command == "ERROR", "ERROR after 464")
    wrong.closed_after("closed after a wrong PASS")
    nothing = irc("no-credentials")
    nothing.send("NICK nobody_" + suffix)
    nothing.send("USER x 0 * :x")
    nothing.expect(lambda m: m.command == "NOTICE" and "REGISTER" in m.params[-1], "NOTICE on how to log in")
    nothing.send("NICK bad.nick!")
    nothing.numeric("432", "an erroneous nick")
    nothing.send("NICK")
    nothing.numeric("431", "NICK without a nick")
    nothing.sock.close()
    c = irc(carol)
    c.send(f"PASS {carol}:{password}")
    c.send(f"NICK {carol}")
    c.send("USER carol 0 * :Carol")
    c.numeric("900", "logged in by PASS")
    c.numeric("001", "welcome after PASS")
    c.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"], "carol in #global")
    c.numeric("366", "end of NAMES")
    c.drain()

    # a Parley-protocol user in the same global room
    p = Connection(host, parley_port, dave, ending="\n")
    p.send(f"/register {dave} {password}")
    p.expect(lambda m: m.raw.startswith("OK registered"), "Parley user registered")
    p.drain()
    for conn in (a, b, c):
        conn.expect(lambda m: m.command == "JOIN" and m.source.startswith(dave + "!"), "sees the Parley user join")

    # --- Messages ---
    a.send("PRIVMSG #global :hello from irc")
    echo = a.expect(lambda m: m.command == "PRIVMSG" and m.params == ["#global", "hello from irc"],
                    "echo-message of its own line")
    check(echo is not None and "time" in echo.tags, "server-time tag on the echo", echo and echo.tags)
    got = b.expect(lambda m: m.command == "PRIVMSG" and m.params == ["#global", "hello from irc"],
                   "gets the channel line")
    check(got is not None and got.source == f"{alice}!{alice}@parley", "source is nick!nick@parley",
          got and got.source)
    p.expect(lambda m: m.raw == f"MSG global {alice} hello from irc", "Parley user gets the IRC line")
    c.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "hello from irc", "carol gets the line")
    p.send("hello from parley")
    a.expect(lambda m: m.command == "PRIVMSG" and m.source.startswith(dave + "!") and m.params == ["#global",
             "hello from parley"], "gets the Parley user's line")
    b.drain()
    c.drain()
    a.send("NOTICE #global :a notice")
    b.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "a notice", "NOTICE arrives as PRIVMSG")
    a.send("PRIVMSG #global :\x02bold\x02 and \x0304red\x03")
    b.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "bold and red", "formatting codes stripped")
    a.send("PRIVMSG #global :\x01ACTION waves\x01")
    b.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "\x01ACTION waves\x01", "CTCP ACTION to IRC")
    p.expect(lambda m: m.raw == f"ACTION global {alice} waves", "CTCP ACTION is Parley's /me")
    a.send("PRIVMSG #global :\x01VERSION\x01")
    a.numeric("404", "another CTCP is refused")
    a.send("PRIVMSG #global :bell\x07here")
    a.numeric("404", "a control character is refused")
    a.send("PRIVMSG #global :/leave")
    a.numeric("404", "a text starting with / is refused")
    a.send(f"PRIVMSG #{other} :elsewhere")
    a.numeric("404", "PRIVMSG to a channel you are not in")
    a.send("PRIVMSG #global :" + "x" * 600)
    a.numeric("417", "a line over 512 bytes")
    a.send(f"PRIVMSG {bob} :psst")
    b.expect(lambda m: m.command == "PRIVMSG" and m.params == [bob, "psst"] and m.source.startswith(alice + "!"),
             "whisper arrives")
    c.quiet(lambda m: m.params[-1:] == ["psst"], "whisper reaches nobody else")
    a.send(f"PRIVMSG {dave} :to parley")
    p.expect(lambda m: m.raw.startswith(f"WHISPER {alice} {dave} to parley"), "whisper to the Parley user")
    p.send(f"/whisper {alice} back at you")
    a.expect(lambda m: m.command == "PRIVMSG" and m.params == [alice, "back at you"], "whisper from the Parley user")
    a.send("PRIVMSG nobody_here :hi")
    a.numeric("401", "whisper to someone not in the room")
    a.send("NOTICE nobody_here :hi")
    a.quiet(lambda m: m.command.isdigit() and m.command >= "400", "NOTICE is never answered with an error")
    a.drain()
    b.drain()
    c.drain()
    p.drain()

    # --- Queries ---
    a.send("NAMES #global")
    names = a.numeric("353", "NAMES of #global")
    check(names is not None and {alice, bob, carol, dave} <= set(names.params[-1].split()), "NAMES lists all four",
          names and names.params)
    a.numeric("366", "end of NAMES")
    a.send(f"NAMES #{other}")
    a.expect(lambda m: m.command in ("353", "366"), "366 alone for another channel")
    a.send("WHO #global")
    a.numeric("352", "WHO reply")
    a.numeric("315", "end of WHO")
    a.send(f"WHOIS {bob}")
    a.numeric("311", "WHOIS user")
    a.numeric("318", "end of WHOIS")
    a.send("TOPIC #global")
    a.numeric("331", "no topic")
    a.send("TOPIC #global :new topic")
    a.numeric("482", "setting a topic")
    a.send("MODE #global")
    a.numeric("324", "channel mode")
    a.send("MODE #global b")
    a.numeric("368", "end of ban list")
    a.send(f"MODE {alice}")
    a.numeric("221", "user mode")
    a.send("AWAY :lunch")
    a.numeric("306", "away")
    a.send("AWAY")
    a.numeric("305", "back")
    a.send("PING :token-1")
    a.expect(lambda m: m.command == "PONG" and "token-1" in m.params, "PONG")
    a.send("FROBNICATE")
    a.numeric("421", "unknown command")

    # --- Rooms: JOIN creates, one room at a time, PART, LIST, KICK ---
    a.send(f"JOIN #{room}")
    a.expect(lambda m: m.command == "PART" and m.params[:1] == ["#global"] and m.source.startswith(alice + "!"),
             "PART #global before the join")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == [f"#{room}"], "JOIN creates the room")
    a.numeric("353", "NAMES of the new room")
    a.numeric("366", "end of NAMES")
    b.expect(lambda m: m.command == "PART" and m.source.startswith(alice + "!"), "sees alice part #global")
    b.send("LIST")
    b.numeric("321", "LIST start")
    b.numeric("322", "LIST has the room", f"#{room}")
    b.numeric("323", "LIST end")
    b.send(f"JOIN #{room}")
    b.expect(lambda m: m.command == "JOIN" and m.params[:1] == [f"#{room}"], "bob joins the existing room")
    b.numeric("366", "end of NAMES")
    a.expect(lambda m: m.command == "JOIN" and m.source.startswith(bob + "!"), "alice sees bob join")
    a.send(f"PRIVMSG #{room} :in the room")
    b.expect(lambda m: m.command == "PRIVMSG" and m.params == [f"#{room}", "in the room"], "a line in the room")
    c.quiet(lambda m: m.params[-1:] == ["in the room"], "the room's line stays in the room")
    a.send("PRIVMSG #global :not here")
    a.numeric("404", "PRIVMSG #global from a room")
    a.send(f"PRIVMSG {carol} :psst")
    a.numeric("401", "whisper to someone in another room")
    a.send("NAMES")
    names = a.numeric("353", "NAMES of the room")
    check(names is not None and set(names.params[-1].split()) == {alice, bob}, "NAMES lists alice and bob",
          names and names.params)
    a.send("LIST")
    a.numeric("321", "LIST start from a room")
    a.numeric("322", "LIST from a room lists it", f"#{room}")
    a.numeric("323", "LIST end")
    a.send(f"PART #{other}")
    a.numeric("442", "PART of a channel you are not in")
    a.send(f"KICK #{room} {bob} :too loud")
    a.expect(lambda m: m.command == "KICK" and m.params[:2] == [f"#{room}", bob], "KICK as the owner")
    b.expect(lambda m: m.command == "KICK" and m.params[:2] == [f"#{room}", bob], "bob sees his KICK")
    b.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"], "kicked back to #global")
    b.drain()
    b.send(f"KICK #global {carol}")
    b.expect(lambda m: m.command == "482" or (m.command == "NOTICE" and "operator" in m.params[-1]),
             "KICK in #global by a non-operator is refused")
    b.drain()
    a.send(f"JOIN #{other}")
    a.expect(lambda m: m.command == "PART" and m.params[:1] == [f"#{room}"], "JOIN from a room parts it")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"], "through #global")
    a.expect(lambda m: m.command == "PART" and m.params[:1] == ["#global"], "then parts #global")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == [f"#{other}"], "and joins the second room")
    a.numeric("366", "end of NAMES")
    a.send(f"PART #{other}")
    a.expect(lambda m: m.command == "PART" and m.params[:1] == [f"#{other}"], "PART of the room")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"], "PART returns to #global")
    a.numeric("366", "end of NAMES")
    a.send(f"JOIN #{room},#{other}")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == [f"#{other}"], "JOIN #a,#b ends in #b", timeout=8)
    a.drain()
    a.send("JOIN 0")
    a.expect(lambda m: m.command == "JOIN" and m.params[:1] == ["#global"], "JOIN 0 returns to #global")
    a.drain()
    a.send("JOIN #bad.name")
    a.numeric("403", "JOIN of a channel that cannot be a room")

    # --- Leaving ---
    c.send("PART #global")
    c.expect(lambda m: m.command == "ERROR", "PART #global is /leave: ERROR")
    c.closed_after("closed after PART #global")
    b.send("QUIT :bye")
    b.expect(lambda m: m.command == "ERROR", "ERROR on QUIT")
    b.closed_after("closed after QUIT")
    a.expect(lambda m: m.command == "QUIT" and m.source.startswith(bob + "!") and m.params[-1:] == ["bye"],
             "sees bob QUIT with his reason")
    a.send("QUIT")
    a.expect(lambda m: m.command == "ERROR", "ERROR on QUIT")
    p.send("/quit")

    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(0 if results["failed"] == 0 else 1)


if __name__ == "__main__":
    main()
