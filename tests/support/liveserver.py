"""A real clusterviz server in a subprocess, started the way a user starts it
(``python manage.py up``), for tests that drive it with kubectl or the Python client."""
from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: A server without control-plane components, for suites that fabricate nodes and Events.
API_ONLY = {"CLUSTERVIZ_SIMULATION": "off"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, data_dir: Path, database_url: str | None = None, extra_env: dict | None = None) -> None:
        self.data_dir = data_dir
        self.http_port = free_port()
        self.https_port = free_port()
        self.env = {**os.environ, "CLUSTERVIZ_DATA_DIR": str(data_dir), "CLUSTERVIZ_HTTP_PORT": str(self.http_port),
                    "CLUSTERVIZ_HTTPS_PORT": str(self.https_port), "PYTHONUNBUFFERED": "1",
                    **(extra_env or {})}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        else:
            self.env.pop("DATABASE_URL", None)
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, check=check, timeout=120)

    def start(self) -> "LiveServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log, "w")
        self.process = subprocess.Popen([sys.executable, "manage.py", "up"], cwd=ROOT, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.https_url}/clusters/demo/healthz", context=context, timeout=2)
                return self
            except urllib.error.HTTPError:
                return self  # any Status (401: anonymous access is off, as upstream's default) means up
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def kubeconfig(self, cluster: str = "demo", user: str | None = None) -> Path:
        args = ["kubeconfig", "--cluster", cluster]
        if user:
            args += ["--user", user]
        path = self.data_dir / f"kubeconfig-{cluster}-{user or 'admin'}"
        path.write_text(self.manage(*args).stdout)
        return path

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
