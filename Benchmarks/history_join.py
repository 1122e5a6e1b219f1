#!/usr/bin/env python3
"""Times entering `global` on a running `parley serve`: from `/leave` in a temporary room
to the `HISTORY-END global` that closes global's history, over TLS on loopback.

usage: history_join.py PORT ROUNDS
Prints the median and 90th percentile in milliseconds, and the history lines per entry.
"""
import socket
import ssl
import statistics
import sys
import time


def lines(sock):
    buffer = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode()


def main():
    port, rounds = int(sys.argv[1]), int(sys.argv[2])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    incoming = lines(sock)

    def until(prefix):
        count = 0
        for line in incoming:
            if line.startswith("HISTORY "):
                count += 1
            if line.startswith(prefix):
                return count
        raise SystemExit("the server closed the connection")

    name = "bench%d" % (time.time_ns() % 1_000_000)
    sock.sendall(("/register %s benchmark-pw\n" % name).encode())
    until("HISTORY-END global")
    samples, shown = [], 0
    for n in range(rounds):
        sock.sendall(("/create r%d\n" % n).encode())
        until("HISTORY-END r")
        start = time.perf_counter()
        sock.sendall(b"/leave\n")
        shown = until("HISTORY-END global")
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p90 = samples[int(len(samples) * 0.9)]
    print("median %.3f ms, p90 %.3f ms, %d history lines per entry" % (statistics.median(samples), p90, shown))


main()
