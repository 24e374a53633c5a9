"""Store factories for the contract suite: the same tests run against every implementation.

``memory`` is :class:`simulation.store.memory.MemoryStore`; ``sqlite`` is
:class:`clusterviz.clusters.store.DjangoStore` on the ``default`` alias; ``postgres`` is
DjangoStore on the ``postgres`` alias, present only when ``CLUSTERVIZ_TEST_POSTGRES_URL``
names a server. The Django stores run their own transactions, so their tests use
``django_db(transaction=True)`` rather than the wrapping test transaction.
"""
from __future__ import annotations

import itertools
from typing import Callable

import pytest
from django.conf import settings

from simulation.store import Store
from simulation.store.memory import MemoryStore

_SQLITE = "django.db.backends.sqlite3"
HAS_POSTGRES = "postgres" in settings.DATABASES
DEFAULT_IS_SQLITE = settings.DATABASES["default"]["ENGINE"] == _SQLITE

BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite", marks=[
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(not DEFAULT_IS_SQLITE, reason="the default database is not SQLite (DATABASE_URL)"),
    ]),
    pytest.param("postgres", id="postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True, databases=["default", "postgres"]),
        pytest.mark.skipif(not HAS_POSTGRES, reason="no 'postgres' database: set CLUSTERVIZ_TEST_POSTGRES_URL, "
                                                    "e.g. postgres://postgres@127.0.0.1:5432/postgres"),
    ]),
]
ALIASES = {"sqlite": "default", "postgres": "postgres"}
_names = itertools.count(1)

StoreFactory = Callable[..., Store]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=[p for p in BACKENDS if p.values[0] != "memory"])
def django_backend(request: pytest.FixtureRequest) -> str:
    """For what only the Django store has: clusters, transactions, commit hooks."""
    return request.param


def _factory(backend: str) -> StoreFactory:
    def make(compaction_window: int = 10_000) -> Store:
        if backend == "memory":
            return MemoryStore(compaction_window=compaction_window)
        from clusterviz.clusters.models import Cluster
        from clusterviz.clusters.store import DjangoStore

        alias = ALIASES[backend]
        cluster = Cluster.objects.using(alias).create(name=f"contract-{next(_names)}")
        return DjangoStore(cluster.pk, using=alias, compaction_window=compaction_window)

    return make


@pytest.fixture
def make_store(backend: str) -> StoreFactory:
    """``make_store(compaction_window=...)`` → a fresh, empty store (a new cluster for Django)."""
    return _factory(backend)


@pytest.fixture
def make_django_store(django_backend: str) -> StoreFactory:
    return _factory(django_backend)


@pytest.fixture
def store(make_store: StoreFactory) -> Store:
    return make_store()
