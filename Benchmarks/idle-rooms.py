#!/usr/bin/env python3
"""What an idle room costs (issue 14, item 1): N users each open a room of their own and
fall silent; prints the server's threads and resident memory before and after, and the
cost per room (a room is a thread, its stack and its mailbox; its users park).

    idle-rooms.py [--parley .build/release/parley] [--rooms 500] [--port 7936]
"""
import argparse
import socket
import ssl
import sys
import time

import benchserver

CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def figures(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            values[key] = rest.split()[0] if rest.split() else ""
    return int(values["Threads"]), int(values["VmRSS"]) / 1024


def expect(sock, prefix):
    data = b""
    while not any(line.startswith(prefix) for line in data.decode(errors="replace").split("\n")):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parley", default=".build/release/parley")
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--port", type=int, default=7936)
    args = parser.parse_args()
    server = benchserver.start(args.parley, args.port, "parley-rooms-")
    try:
        users = []

        def login(i):
            sock = CONTEXT.wrap_socket(socket.create_connection(("127.0.0.1", args.port), timeout=60),
                                       server_hostname="127.0.0.1")
            sock.sendall(b"/register user%d password-%d\n" % (i, i))
            expect(sock, "OK registered")
            return sock

        # Everyone logs in first and parks (2 s quiet), so the rooms alone make the difference.
        users = [login(i) for i in range(args.rooms)]
        time.sleep(4)
        threads_before, rss_before = figures(server.pid)
        for i, sock in enumerate(users):
            sock.sendall(b"/createchatroom room%d\n" % i)
            expect(sock, "OK created")
        time.sleep(4)
        threads_after, rss_after = figures(server.pid)
        rooms = args.rooms
        print(f"{rooms} users logged in and parked: {threads_before} threads, {rss_before:.1f} MiB")
        print(f"each in a room of their own, silent: {threads_after} threads, {rss_after:.1f} MiB")
        print(f"per idle room: {(threads_after - threads_before) / rooms:.2f} threads, "
              f"{(rss_after - rss_before) * 1024 / rooms:.1f} KiB resident")
        for sock in users:
            sock.close()
        return 0
    finally:
        benchserver.stop(server)


if __name__ == "__main__":
    sys.exit(main())
