"""A fresh PostgreSQL database for one server under test, dropped afterwards."""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """The URL of a new database on ``CLUSTERVIZ_TEST_POSTGRES_URL``'s server (the test is
    skipped when none is configured)."""
    base = os.environ.get("CLUSTERVIZ_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("CLUSTERVIZ_TEST_POSTGRES_URL is not set (.ci/run sets it and starts PostgreSQL)")
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
