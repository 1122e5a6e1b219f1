#!/usr/bin/env python3
"""Checks the Gate's login policy over TLS, as a stranger would attack it:
parallel guesses for one account, a stranger's guesses against its owner, a
registration flood from one address against another address's login, and the
time to refuse a missing account against an existing one. It starts its own
server (PARLEY=path, default the release build) on a free port with
--no-exempt-loopback, and plays each address from its own 127.0.0.x source.
Prints PASS or FAIL per point; exits 1 on any FAIL.

    swift build -c release --product parley && python3 Benchmarks/login-policy.py
"""
import os, socket, ssl, statistics, subprocess, sys, tempfile, threading, time

PARLEY = os.environ.get("PARLEY", ".build/release/parley")
CTX = ssl.create_default_context(); CTX.check_hostname = False; CTX.verify_mode = ssl.CERT_NONE

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def connect(port, source="127.0.0.1"):
    raw = socket.create_connection(("127.0.0.1", port), timeout=120, source_address=(source, 0))
    return CTX.wrap_socket(raw, server_hostname="parley")

def ask(port, line, source="127.0.0.1", timeout=120):
    """Sends one line, returns (first answer line, seconds)."""
    start = time.monotonic()
    try:
        s = connect(port, source)
    except (OSError, ssl.SSLError) as error:  # refused by a per-address cap at accept
        return f"(connection refused: {type(error).__name__})", time.monotonic() - start
    s.settimeout(timeout)
    start = time.monotonic(); s.sendall(line.encode() + b"\n"); buf = b""
    try:
        while not any(l.startswith((b"OK", b"ERR", b"BYE")) for l in buf.split(b"\n")):
            d = s.recv(4096)
            if not d: break
            buf += d
    except socket.timeout: pass
    took = time.monotonic() - start; s.close()
    answer = next((l for l in buf.decode(errors="replace").split("\n") if l.startswith(("OK", "ERR", "BYE"))), "(none)")
    return answer, took

def main():
    data = tempfile.mkdtemp(prefix="parley-lp-"); os.chmod(data, 0o700); port = free_port()
    server = subprocess.Popen([PARLEY, "serve", "--port", str(port), "--data-dir", data, "--rate", "0", "--no-exempt-loopback"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for _ in range(100):
        try: socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
        except OSError: time.sleep(0.1)
    failures = 0
    def check(ok, what):
        nonlocal failures
        print(("PASS " if ok else "FAIL ") + what); failures += 0 if ok else 1
    try:
        print(ask(port, "/register owner correct-horse-1", "127.0.0.1")[0])
        print(ask(port, "/register victim battery-staple-2", "127.0.0.1")[0])
        # 1. 100 parallel wrong guesses for one account from one address.
        results = [None] * 100
        def guess(i):
            pw = "correct-horse-1" if i == 99 else f"wrong-{i}"
            results[i] = ask(port, f"/login owner {pw}", "127.0.0.3")[0]
        threads = [threading.Thread(target=guess, args=(i,)) for i in range(100)]
        [t.start() for t in threads]; [t.join() for t in threads]
        wrong = sum(1 for r in results[:99] if r.startswith("ERR wrong-credentials"))
        limited = sum(1 for r in results if r.startswith("ERR") and "wrong-credentials" not in r)
        refused = sum(1 for r in results if r.startswith("(connection refused"))
        check(wrong <= 5, f"100 parallel guesses: {wrong} checked and refused as wrong, {limited} refused by the"
              f" login limits, {refused} connections refused by the per-address caps (the 100th, correct, got:"
              f" {results[99]})")
        # 2. A stranger's guesses from another address do not stop the owner's login.
        for i in range(30): ask(port, f"/login victim stranger-{i}", "127.0.0.4")
        answer, took = ask(port, "/login victim battery-staple-2", "127.0.0.5")
        check(answer.startswith("OK"), f"owner logs in after a stranger's 30 guesses: {answer} in {took:.2f} s")
        # 3. 500 registrations from one address, another address's login meanwhile.
        regs = []
        def register(i): regs.append(ask(port, f"/register flood{i} password-{i}-xx", "127.0.0.6")[0])
        threads = [threading.Thread(target=register, args=(i,)) for i in range(500)]
        [t.start() for t in threads]; time.sleep(0.5)
        answer, took = ask(port, "/login owner correct-horse-1", "127.0.0.7")
        [t.join() for t in threads]
        made = sum(1 for r in regs if r.startswith("OK"))
        print(f"     registrations: {made} accepted, {sum(1 for r in regs if r.startswith('ERR'))} refused by the"
              f" limits, {sum(1 for r in regs if r.startswith('(connection'))} connections refused by the caps")
        check(answer.startswith("OK") and took < 5, f"login during 500 registrations from one address: {answer}"
              f" in {took:.2f} s")
        check(made <= 10, f"registrations from one address limited: {made} of 500 accepted (limit 10 an hour)")
        # 4. Missing and existing accounts take the same time to refuse.
        def timing(name, n, source):
            return [ask(port, f"/login {name} nope-{i}-pw", source)[1] for i in range(n)]
        existing = timing("owner", 5, "127.0.0.8"); missing = timing("nobody-here", 5, "127.0.0.9")
        me, mm = statistics.median(existing), statistics.median(missing)
        check(abs(me - mm) < 0.25 * max(me, mm), f"refusal time: existing median {me*1000:.0f} ms,"
              f" missing median {mm*1000:.0f} ms")
    finally:
        server.terminate(); server.wait(timeout=10)
    sys.exit(1 if failures else 0)

main()
