#!/usr/bin/env python3
"""Connection churn against `parley serve`, for Benchmarks/tsan.sh.

Each worker loops until the time is up: connect over TLS, register (first round) or log
in, talk in global, sometimes open or join a room and whisper, go quiet past the
server's 2 s park delay (others' lines still reach the parked session), speak again so
it resumes, then leave by /quit, by closing without a word, or by being replaced by a
second login of the same account. Loopback only; the certificate is self-signed, so
verification is off. Prints one summary line; exits 1 if no round completed.

    churn.py PORT [--workers 6] [--seconds 20] [--idle 2.5]
"""
import argparse
import random
import socket
import ssl
import sys
import threading
import time

PASSWORD = "churn-password"


class Client:
    def __init__(self, port):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buffer = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def expect(self, *prefixes, timeout=30):
        """Reads lines until one starts with a prefix; returns it (None at end of stream)."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith(prefixes):
                    return text
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def drain(self, seconds):
        """Reads whatever arrives for a while (keeps the socket from filling up)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return
            except (socket.timeout, TimeoutError):
                return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def worker(index, port, stop_at, idle, stats, lock):
    name = f"churn{index}"
    registered = False
    rng = random.Random(index)
    while time.monotonic() < stop_at:
        client = None
        try:
            client = Client(port)
            client.send(f"/{'login' if registered else 'register'} {name} {PASSWORD}")
            answer = client.expect("OK", "ERR", "BYE")
            if answer is None or not answer.startswith("OK"):
                if answer and "name-taken" in answer:
                    registered = True
                    continue
                raise RuntimeError(f"{name}: login answered {answer!r}")
            registered = True
            client.send(f"hello from {name}")
            client.expect(f"MSG global {name} ")
            if rng.random() < 0.5:
                room = f"den{rng.randrange(3)}"
                client.send(f"/join {room}")
                if (client.expect("OK", "ERR") or "").startswith("ERR"):
                    client.send(f"/createchatroom {room}")
                    client.expect("OK", "ERR")
                client.send("/users")
                client.expect("USERS")
                client.send(f"/whisper churn{rng.randrange(8)} psst")
                client.expect("OK", "ERR")
            client.drain(idle)  # quiet past the park delay: the session parks
            client.send(f"back from {name}")  # bytes on a parked socket: it resumes
            client.expect("MSG")
            ending = rng.randrange(3)
            if ending == 0:
                client.send("/quit")
                client.expect("BYE")
            elif ending == 1:
                # A second login of the account closes this session and takes its place.
                second = Client(port)
                try:
                    second.send(f"/login {name} {PASSWORD}")
                    second.expect("OK")
                    client.expect("BYE")
                    second.send("/leave")  # from global: goodbye
                    second.expect("BYE")
                finally:
                    second.close()
            # else: close without a word
            with lock:
                stats["rounds"] += 1
        except Exception as error:  # counted, not fatal: the server may be slow under TSan
            with lock:
                stats["errors"] += 1
                stats["last"] = repr(error)
        finally:
            if client:
                client.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--idle", type=float, default=2.5)
    options = parser.parse_args()
    stats = {"rounds": 0, "errors": 0, "last": ""}
    lock = threading.Lock()
    stop_at = time.monotonic() + options.seconds
    threads = [threading.Thread(target=worker, args=(i, options.port, stop_at, options.idle, stats, lock))
               for i in range(options.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"churn: {stats['rounds']} rounds, {stats['errors']} errors"
          + (f" (last: {stats['last']})" if stats["errors"] else ""))
    sys.exit(0 if stats["rounds"] > 0 else 1)


if __name__ == "__main__":
    main()
