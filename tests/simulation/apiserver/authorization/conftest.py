"""Fixtures: the classroom cluster of ``rbac_cluster`` and an RBAC authorizer over it."""
from __future__ import annotations

import pytest
from rbac_cluster import FakeReader, classroom

from simulation.apiserver.authorization.rbac import RBACAuthorizer


@pytest.fixture
def reader() -> FakeReader:
    return classroom()


@pytest.fixture
def rbac(reader: FakeReader) -> RBACAuthorizer:
    return RBACAuthorizer(reader)
