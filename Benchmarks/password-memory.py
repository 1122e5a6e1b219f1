#!/usr/bin/env python3
"""Are passwords from failed logins left in the server's memory? (issue 14, item 6)

Starts its own `parley serve` (loopback, a temporary data directory, low scrypt cost),
sends COUNT failed logins carrying one distinctive password (each for a missing
account, so no rate limit refuses them before their check), waits WAIT seconds, then
reads every readable mapping of the server's memory through /proc/PID/maps and
/proc/PID/mem (no core file: the server is undumpable, so this needs root or
CAP_SYS_PTRACE) and counts the places the password is found. Exits 1 if any.

    password-memory.py [--parley .build/release/parley] [--count 100] [--wait 5] [--port 7934]
"""
import argparse
import re
import secrets
import socket
import ssl
import sys
import time

import benchserver

CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def occurrences(pid, needle):
    found = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1]:
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else "[anonymous]"
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            found += [(name, start + m.start()) for m in re.finditer(re.escape(needle), chunk)]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", default=".build/release/parley")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--wait", type=float, default=5)
    parser.add_argument("--port", type=int, default=7934)
    args = parser.parse_args()
    password = ("Zq" + secrets.token_hex(12) + "xW").encode()  # nothing else in the server spells it
    server = benchserver.start(args.parley, args.port, "parley-passwords-")
    try:
        answers = {}
        for i in range(args.count):
            raw = socket.create_connection(("127.0.0.1", args.port), timeout=30)
            sock = CONTEXT.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(b"/login nobody%d " % i + password + b"\n")
            answer = sock.recv(4096).decode(errors="replace").split(" ")[:2]
            answers[" ".join(answer)] = answers.get(" ".join(answer), 0) + 1
            sock.close()
        time.sleep(args.wait)
        found = occurrences(server.pid, password)
        print(f"failed logins: {args.count} ({', '.join(f'{n} {a}' for a, n in answers.items())})")
        print(f"password found in the server's memory {args.wait:g} s later: {len(found)} times")
        for name, address in found[:10]:
            print(f"  at {address:#x} in {name}")
        return 1 if found else 0
    finally:
        benchserver.stop(server)


if __name__ == "__main__":
    sys.exit(main())
