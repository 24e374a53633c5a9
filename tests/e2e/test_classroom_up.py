"""``manage.py up --classroom``: one flag for a room of laptops. It puts the LAN address in the
certificate (keeping the loopback names, so kubeconfigs already handed out still verify), serves
the page over HTTPS there, and announces a class session: the join URL, the code in large type
and a QR code. Plain ``up`` stays on loopback."""
from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys

from cryptography import x509

from tests.support.liveserver import ROOT

ADDRESS = "10.11.12.13"


def manage(data_dir, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLUSTERVIZ_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "CLUSTERVIZ_CLASSROOM", "CLUSTERVIZ_PUBLIC_HOST", "CLUSTERVIZ_BIND",
                 "CLUSTERVIZ_HTTPS_ONLY", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def san(data_dir) -> set[str]:
    cert = x509.load_pem_x509_certificate((data_dir / "pki" / "apiserver.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} | set(names.get_values_for_type(x509.DNSName))


def test_up_classroom_announces_a_session_on_the_lan_address(tmp_path) -> None:
    plain = manage(tmp_path, "up", "--no-serve")
    assert plain.returncode == 0, plain.stderr
    assert "browser:        http://127.0.0.1:8000/" in plain.stdout and "join" not in plain.stdout
    assert ADDRESS not in san(tmp_path)

    result = manage(tmp_path, "up", "--classroom", "--address", ADDRESS, "--no-serve")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"browser:        https://{ADDRESS}:6443/ (http://{ADDRESS}:8000/ redirects there)" in out
    assert f"Kubernetes API: https://{ADDRESS}:6443/clusters/demo" in out
    assert f"join at   https://{ADDRESS}:6443/join/" in out
    assert f"CA certificate: https://{ADDRESS}:6443/classroom/ca.crt" in out
    code = re.search(rf"or scan   https://{re.escape(ADDRESS)}:6443/join/(\d{{6}})/", out).group(1)
    big = [line for line in out.splitlines() if line.count("█") >= 6 and "▄" not in line and "▀" not in line]
    assert len(big) >= 5, out  # the code in large type, five rows high
    assert "▄" in out and "▀" in out  # the QR code, drawn in the terminal
    # the LAN address joins the certificate; the loopback names stay valid
    assert {ADDRESS, "127.0.0.1", "localhost"} <= san(tmp_path)
    assert ipaddress.ip_address(ADDRESS)

    listed = manage(tmp_path, "classroom", "list", "-o", "json")
    sessions = json.loads(listed.stdout)
    assert [(s["name"], s["code"], s["open"], s["cluster"]) for s in sessions] == [("class", code, True, "demo")]
    # started again, it announces the same open session, not a new one
    again = manage(tmp_path, "up", "--classroom", "--address", ADDRESS, "--no-serve")
    assert f"/join/{code}/" in again.stdout
    # and plain up afterwards is loopback again
    back = manage(tmp_path, "up", "--no-serve")
    assert "browser:        http://127.0.0.1:8000/" in back.stdout and "join" not in back.stdout


def test_classroom_create_prints_the_join_url_and_code(tmp_path) -> None:
    assert manage(tmp_path, "up", "--no-serve").returncode == 0
    made = manage(tmp_path, "classroom", "create", "period-3", "--cluster", "demo", "--max", "20", "-o", "json")
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["max_students"] == 20 and info["open"] and re.fullmatch(r"\d{6}", info["code"])
    assert info["join_url"] == f"http://127.0.0.1:8000/join/{info['code']}/"
    twice = manage(tmp_path, "classroom", "create", "period-3", "--cluster", "demo")
    assert twice.returncode == 1 and 'a class session named "period-3" exists already' in twice.stderr
    missing = manage(tmp_path, "classroom", "create", "p4", "--cluster", "nope")
    assert missing.returncode == 1 and 'cluster "nope" does not exist' in missing.stderr
    closed = manage(tmp_path, "classroom", "close", "period-3")
    assert closed.returncode == 0 and "class period-3 closed: 0 tokens revoked" in closed.stdout
