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
