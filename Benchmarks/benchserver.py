"""The start-up the Python benchmarks share: a `parley serve` of their own on a free data
directory, waited for until it listens, and the figures read from /proc."""
import shutil
import socket
import subprocess
import tempfile
import time


def start(parley, port, prefix, *options):
    """Starts `parley serve` on 127.0.0.1:port with a cheap scrypt cost and quiet logs (plus
    `options`), and returns the process once its port accepts connections. `stop` ends it
    and deletes its data directory."""
    data = tempfile.mkdtemp(prefix=prefix)
    server = subprocess.Popen(
        [parley, "serve", "--port", str(port), "--data-dir", data + "/data", "--scrypt-log-n", "10",
         "--log-level", "warning", *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    # GLIBC_TUNABLES makes the server re-execute itself once: same pid, but let it settle.
    time.sleep(0.5)
    server.data_directory = data
    return server


def stop(server):
    """Stops a server `start` started and deletes its data directory."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    shutil.rmtree(server.data_directory, ignore_errors=True)


def proc_status(pid):
    """The fields of /proc/PID/status, as strings."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            values[key] = value.strip()
    return values


def resident_mib(pid):
    """The process's resident memory, in MiB."""
    return int(proc_status(pid).get("VmRSS", "0 kB").split()[0]) / 1024
