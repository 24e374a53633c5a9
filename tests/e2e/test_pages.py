"""What the browser gets from the server ``manage.py up`` starts: the home page and its CSS,
served on plain HTTP next to the Kubernetes API."""
from __future__ import annotations

import urllib.request


def test_home_page_and_static_files_are_served(cluster_server_sqlite) -> None:
    with urllib.request.urlopen(f"{cluster_server_sqlite.http_url}/", timeout=10) as response:
        page = response.read().decode()
    assert response.status == 200
    assert "/clusters/demo</code>" in page
    with urllib.request.urlopen(f"{cluster_server_sqlite.http_url}/static/css/site.css", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/css")


def test_favicon_ico_answers_with_the_sites_svg_icon(cluster_server_sqlite) -> None:
    with urllib.request.urlopen(f"{cluster_server_sqlite.http_url}/favicon.ico", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert response.url.endswith("/static/favicon.svg")
        assert b"<svg" in response.read()


def test_up_prints_only_what_a_teacher_needs(cluster_server_sqlite) -> None:
    """Where to point the browser and kubectl; none of daphne's start-up chatter (HTTP/2 is
    left out on purpose, the endpoints repeat the addresses with the key's path)."""
    output = cluster_server_sqlite.log.read_text()
    assert "clusterviz: cluster 'demo' ready" in output
    assert f"Kubernetes API: https://127.0.0.1:{cluster_server_sqlite.https_port}/clusters/demo" in output
    for chatter in ("HTTP/2", "Configuring endpoint", "privateKey="):
        assert chatter not in output, output
