"""Fixtures shared by the whole suite: live servers for end-to-end tests."""
from __future__ import annotations

import os

import pytest

from tests.support.liveserver import API_ONLY, LiveServer
from tests.support.postgres import fresh_database


def pytest_xdist_auto_num_workers(config) -> int:  # noqa: ANN001
    """``-n auto``: a worker per core, at most four. Files go to workers whole (``--dist
    loadfile``), so a module's live server and browser are started once; each worker starts its
    own, which is what bounds the count (each server runs a simulated cluster)."""
    return max(1, min(4, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def cluster_server_sqlite(tmp_path_factory):
    """``python manage.py up`` on SQLite with the in-memory channel layer, as the README runs it,
    serving the API only: these suites fabricate nodes, bindings and Events themselves
    (``tests/e2e/test_control_plane.py`` runs its own server with the control plane)."""
    server = LiveServer(tmp_path_factory.mktemp("live-sqlite"), extra_env=API_ONLY).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster_server_postgres(tmp_path_factory):
    """The same server on a fresh PostgreSQL database (skipped when none is configured)."""
    with fresh_database("clusterviz_e2e") as url:
        server = LiveServer(tmp_path_factory.mktemp("live-postgres"), database_url=url, extra_env=API_ONLY).start()
        yield server
        server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def cluster_server(request):
    """Each end-to-end test runs against both databases."""
    return request.getfixturevalue(f"cluster_server_{request.param}")
