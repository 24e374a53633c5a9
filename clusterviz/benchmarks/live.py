"""A server started as a user starts it (``python manage.py up`` in a subprocess, free ports,
its own data directory) and a small HTTPS client for one of its clusters: what the
benchmarks that measure the whole server share."""
from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Self
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]


class KubeAPI:
    """Minimal HTTPS client for one cluster from its kubeconfig (token + CA)."""

    def __init__(self, kubeconfig: Path) -> None:
        config = yaml.safe_load(Path(kubeconfig).read_text())
        cluster = config["clusters"][0]["cluster"]
        url = urlparse(cluster["server"])
        self.host, self.port, self.prefix = url.hostname, url.port, url.path.rstrip("/")
        self.token = config["users"][0]["user"]["token"]
        self.context = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())

    def call(self, method: str, path: str, body: dict | None = None,
             content_type: str = "application/json") -> tuple[int, dict]:
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        try:
            conn.request(method, self.prefix + path, body=json.dumps(body).encode() if body is not None else None,
                         headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                                  "Content-Type": content_type})
            response = conn.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data else {}
        finally:
            conn.close()


class UpServer:
    """``python manage.py up`` in a subprocess on free ports with its own data directory."""

    def __init__(self, data_dir: Path, env: dict | None = None, *, database_url: str | None = None,
                 log_name: str = "server.log") -> None:
        ports = []
        for _ in range(2):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                ports.append(s.getsockname()[1])
        self.data_dir = data_dir
        self.http_url = f"http://127.0.0.1:{ports[0]}"
        self.https_url = f"https://127.0.0.1:{ports[1]}"
        self.env = {**os.environ, "CLUSTERVIZ_DATA_DIR": str(data_dir), "CLUSTERVIZ_HTTP_PORT": str(ports[0]),
                    "CLUSTERVIZ_HTTPS_PORT": str(ports[1]), "PYTHONUNBUFFERED": "1", **(env or {})}
        for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
            self.env.pop(name, None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.log_path = data_dir / log_name
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **(env or {})},
                              capture_output=True, text=True, check=True, timeout=120)

    def kubeconfig(self, cluster: str) -> Path:
        path = self.data_dir / f"kubeconfig-{cluster}"
        path.write_text(self.manage("kubeconfig", "--cluster", cluster).stdout)
        return path

    def __enter__(self) -> Self:
        log_path = self.log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen([sys.executable, "manage.py", "up"], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        insecure = ssl._create_unverified_context()
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"manage.py up exited: {log_path.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPSConnection("127.0.0.1", int(self.https_url.rsplit(":", 1)[1]),
                                                   context=insecure, timeout=2)
                conn.request("GET", "/clusters/demo/healthz")
                conn.getresponse().read()
                conn.close()
                return self  # any answer (401 included) means up
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"manage.py up did not answer: {log_path.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
