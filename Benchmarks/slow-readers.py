#!/usr/bin/env python3
"""Slow readers against `parley serve` (issue 14, item 2): what readers that never read
cost the server while a sender floods their room.

Starts its own release server (loopback, a temporary data directory, low scrypt cost,
flood control off), notes its resident memory idle, logs in READERS users in `global`
that then never read, notes it again, then has a sender flood `global` with LINES lines
of SIZE bytes (reading its own echoes, so it is no slow reader itself), sampling the
server's resident memory every 50 ms. Prints one line per figure:

    slow-readers.py [--parley .build/release/parley] [--readers 200] [--lines 20000]
                    [--size 1000] [--port 7932] [-- extra parley serve options]

`-- --output-budget 0 --socket-send-buffer 0` measures the server without the output
budget and the capped send buffer (each reader then holds up to its own 512 KiB outbox).
Exits 1 if the peak is 40 MiB or more above idle.
"""
import argparse
import resource
import socket
import ssl
import sys
import threading
import time

import benchserver

CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def connect_tls(port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=60)
    return CONTEXT.wrap_socket(raw, server_hostname="127.0.0.1")


def read_until(sock, buffer, predicate):
    while True:
        while b"\n" in buffer[0]:
            line, buffer[0] = buffer[0].split(b"\n", 1)
            text = line.decode(errors="replace")
            if predicate(text):
                return text
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buffer[0] += chunk


def register(port, name):
    sock = connect_tls(port)
    buffer = [b""]
    sock.sendall(f"/register {name} password-{name}\n".encode())
    read_until(sock, buffer, lambda line: line.startswith("OK") or line.startswith("ERR"))
    return sock, buffer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", default=".build/release/parley")
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--port", type=int, default=7932)
    parser.add_argument("serve", nargs="*", help="more options for parley serve")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    server = benchserver.start(args.parley, args.port, "parley-slow-readers-", "--rate", "0", "--history", "0",
                               *args.serve)
    try:
        idle = benchserver.resident_mib(server.pid)

        readers = [register(args.port, f"reader{n}")[0] for n in range(args.readers)]
        sender, sender_buffer = register(args.port, "sender")
        time.sleep(0.5)
        logged_in = benchserver.resident_mib(server.pid)

        samples = []
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                samples.append(benchserver.resident_mib(server.pid))
                time.sleep(0.05)

        echoes = [0]

        def drain_echoes():
            try:
                while echoes[0] < args.lines:
                    read_until(sender, sender_buffer, lambda line: line.startswith("MSG global sender"))
                    echoes[0] += 1
            except OSError:
                pass

        sampler = threading.Thread(target=sample)
        sampler.start()
        reader_thread = threading.Thread(target=drain_echoes)
        reader_thread.start()
        text = "x" * max(1, args.size - 30)
        start = time.perf_counter()
        for n in range(args.lines):
            sender.sendall(f"{n} {text}\n".encode())
            waited = time.perf_counter()
            while n - echoes[0] > 20 and time.perf_counter() - waited < 5:  # a few lines in flight: the sender keeps up
                time.sleep(0.001)
            if n - echoes[0] > 20:
                print(f"the sender's echoes stopped after {echoes[0]} lines")
                break
        reader_thread.join(timeout=60)
        elapsed = time.perf_counter() - start
        time.sleep(0.5)
        sampling.set()
        sampler.join()

        # What each reader was sent: a goodbye at the end means the server closed it.
        closed = 0
        for sock in readers:
            sock.settimeout(0.3)
            buffer = b""
            ended = False
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        ended = True
                        break
                    buffer += chunk
            except (OSError, ssl.SSLError):
                pass
            if b"BYE slow-reader" in buffer or ended:
                closed += 1
            sock.close()
        sender.close()

        peak = max(samples)
        per_reader = (peak - idle) * 1024 / max(1, args.readers)
        print(f"server idle: {idle:.1f} MiB resident")
        print(f"with {args.readers} logged-in readers, before the flood: {logged_in:.1f} MiB "
              f"({logged_in - idle:+.1f} MiB)")
        print(f"flood: {args.lines} lines of {args.size} bytes in {elapsed:.1f} s, {echoes[0]} echoes to the sender")
        print(f"resident during the flood: peak {peak:.1f} MiB ({peak - idle:+.1f} MiB over idle), "
              f"at the end {samples[-1]:.1f} MiB")
        print(f"per slow reader: {per_reader:.0f} KiB of peak over idle")
        print(f"readers the server closed (BYE slow-reader, or the end of the stream): {closed} of {args.readers}")
        return 0 if peak - idle < 40 else 1
    finally:
        benchserver.stop(server)


if __name__ == "__main__":
    sys.exit(main())
