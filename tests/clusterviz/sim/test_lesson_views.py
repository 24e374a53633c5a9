"""The Lessons panel's API refuses plainly: a new lesson cluster is staff business, a lesson
that cannot run yet says which issue builds it, a cluster without a lesson answers 404 as
Kubernetes would, and the catalogue lists every shipped lesson in chapter order."""
from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import User

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from simulation import scenarios

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def audit_written():
    yield
    for name in Cluster.objects.values_list("name", flat=True):
        apiservers.get(name).audit_sink.flush()


@pytest.fixture
def cluster() -> Cluster:
    return create_cluster("classroom")


def logged_in(client, *, staff: bool):
    user = User.objects.create_user("teacher" if staff else "student", password="pw-long-enough", is_staff=staff)
    client.force_login(user)
    return client


def test_the_catalogue_lists_every_shipped_lesson_in_chapter_order(client, cluster) -> None:
    answer = logged_in(client, staff=True).get("/clusters/classroom/sim/lessons")
    assert answer.status_code == 200
    lessons = answer.json()["lessons"]
    assert [entry["id"] for entry in lessons] == [s.id for s in scenarios.shipped()]
    assert all(entry["runnable"] for entry in lessons)  # every row of chapter 11 has its lesson now


def test_without_a_lesson_the_cluster_answers_not_found(client, cluster) -> None:
    answer = logged_in(client, staff=True).get("/clusters/classroom/sim/lesson")
    assert answer.status_code == 404
    assert answer.json()["reason"] == "NotFound" and answer.json()["kind"] == "Status"


def test_only_staff_make_a_lesson_cluster(client, cluster) -> None:
    student = logged_in(client, staff=False)
    answer = student.post("/clusters/classroom/sim/lessons/new", {"scenario": "deployment-chain"},
                          content_type="application/json")
    assert answer.status_code == 403
    assert Cluster.objects.filter(name__startswith="deployment-chain").count() == 0


def test_a_lesson_that_cannot_run_yet_says_why_and_makes_nothing(client, cluster, monkeypatch) -> None:
    teacher = logged_in(client, staff=True)
    shipped = scenarios.shipped()
    pending = dataclasses.replace(shipped[0], id="later", pending="issue 99 (what it needs)")
    monkeypatch.setattr(scenarios, "shipped", lambda: [*shipped, pending])
    answer = teacher.post("/clusters/classroom/sim/lessons/new", {"scenario": pending.id},
                          content_type="application/json")
    assert answer.status_code == 409
    assert pending.pending in answer.json()["message"]
    assert not Cluster.objects.filter(name=pending.id).exists()


def test_a_lesson_cluster_is_fresh_and_named_after_its_lesson(client, cluster) -> None:
    teacher = logged_in(client, staff=True)
    first = teacher.post("/clusters/classroom/sim/lessons/new", {"scenario": "deployment-chain"},
                         content_type="application/json")
    second = teacher.post("/clusters/classroom/sim/lessons/new", {"scenario": "deployment-chain"},
                          content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["cluster"] == "deployment-chain" and second.json()["cluster"] == "deployment-chain-2"
    assert first.json()["url"] == "/clusters/deployment-chain/#lesson"
    assert Cluster.objects.get(name="deployment-chain").sim_state["enabled"] is True


def test_a_lesson_that_starts_from_a_snapshot_gets_the_snapshot_imported(client, cluster) -> None:
    teacher = logged_in(client, staff=True)
    answer = teacher.post("/clusters/classroom/sim/lessons/new", {"scenario": "pending-pod-replay"},
                          content_type="application/json")
    assert answer.status_code == 201, answer.json()
    made = Cluster.objects.get(name=answer.json()["cluster"])
    assert [n["name"] for n in made.sim_state["nodes"]] == ["kind-control-plane", "kind-worker", "kind-worker2"]
    pods = apiservers.get(made.name).store.list("/registry/pods/default/")[0]
    assert sorted(p["metadata"]["name"] for p in pods) == ["web-6d8f7c9b5d-2xkqp", "web-6d8f7c9b5d-7hzvn",
                                                          "web-6d8f7c9b5d-qm4tj"]
