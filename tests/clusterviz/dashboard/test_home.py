"""The home page lists every cluster with the address of its Kubernetes API."""
from __future__ import annotations

import pytest

from clusterviz.clusters.bootstrap import create_cluster


@pytest.mark.django_db(transaction=True)
def test_home_lists_clusters_with_their_api_and_kubeconfig_command(client) -> None:
    assert "No cluster yet" in client.get("/").content.decode()
    create_cluster("class-a")
    create_cluster("class-b")
    page = client.get("/").content.decode()
    for name in ("class-a", "class-b"):
        assert f"/clusters/{name}</code>" in page
        assert f"kubeconfig --cluster {name}" in page
