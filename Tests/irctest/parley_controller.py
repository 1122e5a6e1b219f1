"""irctest controller for Parley (`parley serve --irc-plain-port`).

irctest (progval/irctest) is run from a checkout kept outside this repository; see
Tests/irctest/run.sh. This module starts a Parley server on loopback with its own data
directory and registers accounts over the wire (the IRCv3 draft REGISTER).

Parley requires an account for every connection, and the nick is the account's name.
irctest's helper `connectClient(nick)` logs in with nothing, so when this controller is
loaded it makes that helper log in with SASL PLAIN as an account named after the nick,
registered first (password `irctest-password`). Tests that register by hand without
credentials (NICK/USER alone) still meet Parley's rule and wait for a login: those are
listed in the README as accounts-required.
"""

import os
from pathlib import Path
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Optional, Set, Type

from irctest import cases
from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

DEFAULT_PASSWORD = "irctest-password"


def parley_binary() -> str:
    """PARLEY_BIN if set, else `parley` on PATH."""
    return os.environ.get("PARLEY_BIN") or shutil.which("parley") or "parley"


def server_name_arguments() -> list:
    """irctest's checks expect the server to be called My.Little.Server (its other
    controllers configure that name); a parley without --irc-server-name stays `parley`."""
    help_text = subprocess.run([parley_binary(), "serve", "--help"], capture_output=True, text=True).stdout
    return ["--irc-server-name", "My.Little.Server"] if "--irc-server-name" in help_text else []


class ParleyController(BaseServerController, DirectoryBasedController):
    software_name = "Parley"
    supported_sasl_mechanisms: Set[str] = {"PLAIN"}
    supports_sts = False
    # Parley answers every command in order, so irctest's PING/PONG fence suffices.
    sync_sleep_time = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts: Set[str] = set()

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        if ssl:
            raise NotImplementedByController("TLS (run against --irc-plain-port)")
        if password is not None:
            raise NotImplementedByController("a server password (PASS is account:password)")
        # run_services: accounts are Parley's own, so there are no services to start;
        # registerUser makes the account over the wire and SASL checks it.
        assert self.proc is None
        self.hostname = "127.0.0.1"
        self.port = port
        self.accounts = set()
        self.create_config()
        assert self.directory
        data_dir = Path(self.directory) / "data"
        (_, parley_port) = self.get_hostname_and_port()
        self.proc = self.execute(
            [
                parley_binary(),
                "serve",
                "--host", "127.0.0.1",  # the plain port binds only to loopback; irctest asks for 0.0.0.0
                "--port", str(parley_port),
                "--irc-plain-port", str(port),
                *server_name_arguments(),
                "--data-dir", str(data_dir),
                "--scrypt-log-n", "10",  # a test's accounts need no real hashing cost
                "--rate", "0",  # irctest sends its lines in bursts
                "--history", "0",  # no replay of earlier tests' lines on join
                "--min-password-bytes", "6",  # irctest's accounts have the password `sesame`
                "--log-level", "warning",
            ],
            proc_name="parley",
        )

    def wait_for_services(self) -> None:
        self.wait_for_port()

    def registerUser(self, case, username: str, password: Optional[str] = None) -> None:
        """Creates the account over the wire, as an IRC client would (REGISTER)."""
        self.ensure_account(username, password or DEFAULT_PASSWORD)

    def ensure_account(self, username: str, password: str) -> None:
        if username.lower() in self.accounts:
            return
        self.wait_for_port()
        with socket.create_connection((self.hostname, self.port), timeout=10) as sock:
            sock.sendall(f"REGISTER {username} * {password}\r\nQUIT\r\n".encode())
            data = b""
            deadline = time.time() + 10
            while b"ERROR" not in data and time.time() < deadline:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        if b"REGISTER SUCCESS" not in data and b"ACCOUNT_EXISTS" not in data:
            raise AssertionError(f"could not register {username}: {data!r}")
        self.accounts.add(username.lower())


_original_connect_client = cases.BaseServerTestCase.connectClient


def _connect_client_with_account(self, nick, name=None, capabilities=None, skip_if_cap_nak=False,
                                 account=None, password=None, **kwargs):
    """connectClient, logged in with SASL as the nick's account when no password is given."""
    if isinstance(self.controller, ParleyController) and password is None:
        password = DEFAULT_PASSWORD
        self.controller.ensure_account(account or nick, password)
        capabilities = list(capabilities or [])
        if "sasl" not in capabilities:
            capabilities.append("sasl")
    return _original_connect_client(self, nick, name=name, capabilities=capabilities,
                                    skip_if_cap_nak=skip_if_cap_nak, account=account,
                                    password=password, **kwargs)


cases.BaseServerTestCase.connectClient = _connect_client_with_account


def get_irctest_controller_class() -> Type[ParleyController]:
    return ParleyController
