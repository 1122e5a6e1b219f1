#!/usr/bin/env python3
"""Strangers' attack on `parley serve` (issue 14, item 1): half-open TLS handshakes and
silent connections that never log in, while a logged-in user chats.

Starts its own server (loopback, a temporary data directory, low scrypt cost), logs in a
watcher in a process of its own that sends a line every 50 ms and times each echo, then
opens HALF_OPEN TCP connections that never send a ClientHello and SILENT TLS connections
that finish their handshake and never log in, holds them for HOLD seconds, and samples
the server's threads and resident memory every 100 ms. The half-open ones come first and
are held past the server's handshake deadline, then the silent ones. Prints one line per figure:

    strangers.py [--parley .build/release/parley] [--half-open 5000] [--silent 2000]
                 [--hold 15] [--port 7931] [-- extra parley serve options]

The thread count it reports is bounded by the caps (`--max-handshakes`,
`--max-strangers`): past them a connection is closed before its handshake. Exits 1 if
the watcher's p99 is 50 ms or more, or if the peak thread count passes the caps.
"""
import argparse
import multiprocessing
import resource
import socket
import ssl
import sys
import threading
import time

import benchserver

PASSWORD = "watcher-password"


# One context for every connection: making one loads the system's CA store (milliseconds).
CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def connect_tls(port, timeout=10):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return CONTEXT.wrap_socket(raw, server_hostname="127.0.0.1")


def read_line(sock, buffer):
    while b"\n" not in buffer[0]:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the watcher")
        buffer[0] += chunk
    line, buffer[0] = buffer[0].split(b"\n", 1)
    return line.decode(errors="replace")


def watcher(port, stop, results):
    """Logs in and times round trips (a line to global and its echo) until told to stop."""
    sock = connect_tls(port, timeout=60)  # the machine may be busy: a slow start is not the figure
    buffer = [b""]
    sock.sendall(f"/register watcher {PASSWORD}\n".encode())
    while not read_line(sock, buffer).startswith("OK"):
        pass
    times = []
    n = 0
    error = None
    try:
        while not stop.is_set():
            n += 1
            text = f"ping {n}"
            start = time.perf_counter()
            sock.sendall((text + "\n").encode())
            while not read_line(sock, buffer).endswith(text):
                pass
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
    except OSError as failure:  # a lost echo is a figure too: report what came before it
        error = f"watcher stopped after {len(times)} round trips: {failure!r}"
    results.put((times, error))


def server_figures(pid):
    threads = rss = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return threads, rss / 1024


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", default=".build/release/parley")
    parser.add_argument("--half-open", type=int, default=5000)
    parser.add_argument("--silent", type=int, default=2000)
    parser.add_argument("--hold", type=float, default=15)
    parser.add_argument("--port", type=int, default=7931)
    parser.add_argument("--max-handshakes", type=int, default=256)
    parser.add_argument("--max-strangers", type=int, default=1024)
    parser.add_argument("serve", nargs="*", help="more options for parley serve")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    server = benchserver.start(
        args.parley, args.port, "parley-strangers-", "--rate", "0", "--max-handshakes", str(args.max_handshakes),
        "--max-strangers", str(args.max_strangers), *args.serve)
    try:
        idle_threads, idle_rss = server_figures(server.pid)

        stop = multiprocessing.Event()
        results = multiprocessing.Queue()
        chatter = multiprocessing.Process(target=watcher, args=(args.port, stop, results))
        chatter.start()
        time.sleep(1)

        samples = []
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                samples.append(server_figures(server.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()

        # Phase 1: half-open handshakes, held past the server's 10 s handshake deadline.
        half_open = []
        for _ in range(args.half_open):
            try:
                half_open.append(socket.create_connection(("127.0.0.1", args.port), timeout=5))
            except OSError:
                pass
        phase_one = len(samples)
        time.sleep(args.hold)
        # Half-open sockets the server has closed read end of stream (or a reset).
        closed = 0
        for sock in half_open:
            sock.setblocking(False)
            try:
                if sock.recv(1) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        for sock in half_open:
            sock.close()
        time.sleep(0.5)
        # Phase 2: silent connections that finish their handshake and never log in.
        phase_two = len(samples)
        silent = []
        refused_silent = 0
        for _ in range(args.silent):
            try:
                silent.append(connect_tls(args.port, timeout=5))
            except (OSError, ssl.SSLError):
                refused_silent += 1
        time.sleep(args.hold)
        sampling.set()
        sampler.join()
        stop.set()
        times, error = results.get(timeout=90)
        if error:
            print(error)
        chatter.join()
        for sock in silent:
            sock.close()

        peak_threads = max(t for t, _ in samples)
        peak_rss = max(r for _, r in samples)
        one = max(t for t, _ in samples[phase_one:phase_two] or [(0, 0)])
        two = max(t for t, _ in samples[phase_two:] or [(0, 0)])
        print(f"server idle: {idle_threads} threads, {idle_rss:.1f} MiB resident")
        print(f"half-open handshakes: {len(half_open)} connected, {closed} closed by the server by the end")
        print(f"silent pre-login connections: {len(silent)} completed a handshake, {refused_silent} refused")
        print(f"threads: peak {one} during the half-open handshakes, {two} during the silent connections")
        print(f"threads: peak {peak_threads} (caps: {args.max_handshakes} handshakes, "
              f"{args.max_strangers} strangers), at the end {samples[-1][0]}")
        print(f"resident: peak {peak_rss:.1f} MiB ({peak_rss - idle_rss:+.1f} MiB over idle), "
              f"at the end {samples[-1][1]:.1f} MiB")
        print(f"watcher round trips: {len(times)}, p50 {percentile(times, 50):.2f} ms, "
              f"p99 {percentile(times, 99):.2f} ms, max {max(times):.2f} ms")
        bound = idle_threads + args.max_handshakes + args.max_strangers
        ok = percentile(times, 99) < 50 and peak_threads <= bound
        print("verdict:", "held" if ok else "did not hold", f"(thread bound {bound}, p99 under 50 ms)")
        return 0 if ok else 1
    finally:
        benchserver.stop(server)


if __name__ == "__main__":
    sys.exit(main())
