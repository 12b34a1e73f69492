"""HAProxy in front of service instances, started from Debian's local binary for the tests.

The proxy runs the repository's own configuration (``deploy/haproxy/haproxy.cfg``, the one the
compose profile ``scale-out`` runs) unchanged; only the backend's servers come from a file
written here, since the instances listen on free ports of this machine instead of Docker's DNS
names. TLS needs a certificate: a self-signed one for ``127.0.0.1``/``localhost`` is made per
proxy, and clients trust exactly that one (``ssl_context``).
"""

from __future__ import annotations

import csv
import datetime
import io
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from simulator.local_servers import terminate
from tests.integration.servers import ServersUnavailable, free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
DEBIAN_BINARY = "/usr/sbin/haproxy"
START_TIMEOUT = 30.0
MAXCONN = 4000
"""Client connections the test proxy accepts: far more than the tests open, far fewer than the
machine's open-files limit."""
INSTANCE_HEADER = "X-Autoupdate-Instance"
"""Response header naming the server (instance) that answered; set by the configuration."""


def haproxy_binary() -> str:
    """The local ``haproxy`` (``/usr/sbin`` is not on every user's PATH); ServersUnavailable if none."""
    found = shutil.which("haproxy") or (DEBIAN_BINARY if os.access(DEBIAN_BINARY, os.X_OK) else None)
    if found is None:
        raise ServersUnavailable("no haproxy binary (apt-get install haproxy)")
    return found


def self_signed_pem(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost: (certificate + key PEM for HAProxy, certificate
    PEM for clients)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    bundle, trusted = directory / "proxy.pem", directory / "trusted.pem"
    bundle.write_bytes(cert_pem + key_pem)
    trusted.write_bytes(cert_pem)
    return bundle, trusted


class Proxy:
    """``haproxy -f deploy/haproxy/haproxy.cfg -f servers.cfg`` in the foreground, with an admin
    socket for the servers' states.

    ``servers`` maps a server name to the local port of its instance; a server whose instance
    is not running yet is simply down until its health checks pass.
    """

    def __init__(self, directory: Path, servers: dict[str, int]) -> None:
        self.directory = directory
        self.port = free_port()
        self.monitor_port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.monitor_url = f"http://127.0.0.1:{self.monitor_port}/healthz"
        self.socket = directory / "admin.sock"
        self.log = directory / "haproxy.log"
        bundle, self.trusted = self_signed_pem(directory)
        lines = ["global", f"    stats socket {self.socket} level admin", "", "backend autoupdate"]
        lines += [f"    server {name} 127.0.0.1:{port}" for name, port in servers.items()]
        self.servers_file = directory / "servers.cfg"
        self.servers_file.write_text("\n".join(lines) + "\n")
        self.command = [haproxy_binary(), "-db", "-f", str(CONFIG), "-f", str(self.servers_file)]
        self.environment = {
            "PATH": os.environ.get("PATH", ""),
            "PROXY_BIND": f"127.0.0.1:{self.port}",
            "PROXY_CERTIFICATE": str(bundle),
            "PROXY_MONITOR_BIND": f"127.0.0.1:{self.monitor_port}",
            "PROXY_MAXCONN": str(MAXCONN),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def check_config(self) -> subprocess.CompletedProcess[str]:
        """``haproxy -c``: whether the configuration is valid, with HAProxy's own messages."""
        return subprocess.run(
            [*self.command, "-c"], env=self.environment, capture_output=True, text=True, timeout=30
        )

    def start(self) -> None:
        """Start and return once the clients' port accepts connections; raise with the log if not."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.environment, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"haproxy did not listen within {START_TIMEOUT:.0f} s:\n{self.log_text()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            terminate(process)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts this proxy's certificate only."""
        return ssl.create_default_context(cafile=str(self.trusted))

    def client(self, *, http2: bool = True, timeout: float = 15.0) -> httpx.AsyncClient:
        """A client of the proxy: HTTP/2 over TLS (ALPN; one connection for all its streams), or
        HTTP/1.1 over TLS."""
        return httpx.AsyncClient(
            base_url=self.url,
            http2=http2,
            verify=self.ssl_context(),
            timeout=httpx.Timeout(timeout),
        )

    def admin(self, command: str) -> str:
        """One command on the admin socket, e.g. ``show stat``."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Server name → its status as the health checks see it (``UP``, ``DOWN``, ...)."""
        rows = csv.DictReader(io.StringIO(self.admin("show stat").lstrip("# ")))
        return {
            row["svname"]: row["status"].split()[0]
            for row in rows
            if row["pxname"] == "autoupdate" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_for_states(self, expected: dict[str, str], within: float = 30.0) -> None:
        """Until the servers named in ``expected`` have those states; AssertionError after ``within``."""
        deadline = time.monotonic() + within
        while True:
            states = self.server_states()
            if all(states.get(name) == state for name, state in expected.items()):
                return
            assert time.monotonic() < deadline, f"server states {states}, expected {expected}"
            time.sleep(0.1)


@contextmanager
def proxy_running(directory: Path, servers: dict[str, int]) -> Iterator[Proxy]:
    proxy = Proxy(directory, servers)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
