"""``GET /clusters/NAME/sim/revisions/N``: when the store reached revision N and through which
write, read from the audit trail (time travel's banner says "viewing revision N (t=…)")."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import AuditRecord

pytestmark = pytest.mark.django_db(transaction=True)


def write(cluster, revision: int | None, at: float, verb: str = "create", code: int = 201, name: str = "web") -> None:
    AuditRecord.objects.create(cluster=cluster, verb=verb, resource="pods", namespace="default", name=name,
                               code=code, revision=revision, virtual_time=at, user="alice")


@pytest.fixture
def cluster():
    cluster = create_cluster("travel")
    AuditRecord.objects.filter(cluster=cluster).delete()
    # far past what bootstrapping the cluster writes (its own records, on the cluster's clock)
    write(cluster, 100010, 1000.0, name="first")
    write(cluster, None, 1001.0, verb="list", code=200)  # a read writes no revision
    write(cluster, None, 1002.0, code=409)  # nor does a refused write
    write(cluster, 100012, 1005.5, verb="update", code=200, name="second")
    return cluster


@pytest.fixture
def teacher() -> Client:
    user = get_user_model().objects.create_user("teacher-travel", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("revision", "written", "at", "name"), [
    (100010, 100010, 1000.0, "first"),
    (100011, 100010, 1000.0, "first"),  # no write of its own in the trail: the newest before it
    (100012, 100012, 1005.5, "second"),
    (100099, 100012, 1005.5, "second"),
], ids=["its-write", "between-writes", "later-write", "past-the-last"])
def test_a_revision_is_dated_by_the_write_that_reached_it(cluster, teacher, revision, written, at, name) -> None:
    response = teacher.get(f"/clusters/travel/sim/revisions/{revision}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["revision"], body["written_revision"], body["virtual_time"]) == (revision, written, at)
    assert (body["verb"], body["resource"], body["namespace"], body["name"], body["user"]) == \
        ("create" if name == "first" else "update", "pods", "default", name, "alice")


def test_a_revision_older_than_the_trail_is_a_404_status(cluster, teacher) -> None:
    response = teacher.get("/clusters/travel/sim/revisions/0")
    assert response.status_code == 404
    assert response.json()["kind"] == "Status" and response.json()["reason"] == "NotFound"


def test_anonymous_and_unknown_clusters_get_a_status(cluster, teacher) -> None:
    anonymous = Client().get("/clusters/travel/sim/revisions/100010")
    assert anonymous.status_code == 401 and anonymous.json()["kind"] == "Status"
    assert teacher.get("/clusters/nowhere/sim/revisions/100010").status_code == 404
    assert teacher.post("/clusters/travel/sim/revisions/100010").status_code == 405
