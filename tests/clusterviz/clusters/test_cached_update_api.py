"""Updates through the API server start from the object its store last wrote, without a read
(as upstream's cacher hands its object to GuaranteedUpdate). Another process may have written
the object since, and this process may not have heard of it (a lost revision-bus message):
every answer must then be the one a read of the store gives — status, message, stored
object and audit record alike."""
from __future__ import annotations

import pytest

from clusterviz.clusters import apiservers
from clusterviz.clusters import store as django_store
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.store import DjangoStore
from simulation.apiserver.audit import AuditEvent
from simulation.apiserver.request import APIRequest, UserInfo
from simulation.store import registry_key

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = UserInfo("kubernetes-admin", ("system:masters",))
PATH = "/api/v1/namespaces/default/configmaps"


@pytest.fixture
def cluster():
    cluster = create_cluster("cached-update")
    yield cluster
    apiservers.forget(cluster.name)


def request(method: str, path: str, obj: dict | None = None, **params: str) -> tuple[int, dict]:
    server = apiservers.get("cached-update")
    response = server.handle(APIRequest(method, path, obj=obj, user=ADMIN, query=params))
    return response.code, response.body


def configmap(name: str, value: str, rv: str | None = None) -> dict:
    meta = {"name": name, **({"resourceVersion": rv} if rv else {})}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"value": value}}


def written_elsewhere(cluster, name: str, value: str, heard: bool = False) -> dict:
    """A write of the ConfigMap by another process (its own store object); unless ``heard``,
    its revision never reaches this one."""
    key = registry_key("configmaps", "default", name)
    other = DjangoStore(cluster.pk)
    before = django_store.latest_revisions.get(cluster.pk, 0)
    current = other.get(key)
    updated = other.update(key, {**current, "data": {"value": value}}, int(current["metadata"]["resourceVersion"]))
    if not heard:
        django_store.latest_revisions[cluster.pk] = before
    return updated


@pytest.fixture
def audit(cluster) -> list[AuditEvent]:
    server = apiservers.get(cluster.name)
    server.audit_sink.flush()  # what bootstrapping the cluster recorded: not left for the writer's thread
    records: list[AuditEvent] = []
    server.audit_sink = records.append
    return records


def test_the_cache_is_used_for_an_update_of_what_this_process_wrote(cluster, audit) -> None:
    server = apiservers.get(cluster.name)
    code, created = request("POST", PATH, configmap("a", "1"))
    assert code == 201
    assert server.store.cached(registry_key("configmaps", "default", "a")) is not None
    code, body = request("PUT", f"{PATH}/a", configmap("a", "2", created["metadata"]["resourceVersion"]))
    assert code == 200 and body["data"] == {"value": "2"}


@pytest.mark.parametrize("heard", [False, True], ids=["not-heard-of", "heard-of"])
def test_a_stale_resource_version_is_409_after_another_process_wrote(cluster, audit, heard: bool) -> None:
    code, created = request("POST", PATH, configmap("a", "1"))
    written_elsewhere(cluster, "a", "other", heard)
    code, body = request("PUT", f"{PATH}/a", configmap("a", "2", created["metadata"]["resourceVersion"]))
    assert code == 409
    assert body["message"] == ('Operation cannot be fulfilled on configmaps "a": the object has been modified; '
                               "please apply your changes to the latest version and try again")
    assert body["reason"] == "Conflict" and body["details"] == {"name": "a", "kind": "configmaps"}
    record = audit[-1]
    assert request("GET", f"{PATH}/a")[1]["data"] == {"value": "other"}
    assert record.code == 409 and record.stages == audit[-1].stages[:2] == audit[0].stages[:2], \
        "authentication and authorization only: the precondition fails before admission"


@pytest.mark.parametrize("heard", [False, True], ids=["not-heard-of", "heard-of"])
def test_the_current_resource_version_succeeds_after_another_process_wrote(cluster, audit, heard: bool) -> None:
    request("POST", PATH, configmap("a", "1"))
    request("POST", PATH, configmap("b", "1"))
    code, plain = request("PUT", f"{PATH}/b", configmap("b", "2", request("GET", f"{PATH}/b")[1]["metadata"]
                                                         ["resourceVersion"]))
    plain_stages = audit[-1].stages
    other = written_elsewhere(cluster, "a", "other", heard)
    code, body = request("PUT", f"{PATH}/a", configmap("a", "2", other["metadata"]["resourceVersion"]))
    assert code == 200 and body["data"] == {"value": "2"}
    assert int(body["metadata"]["resourceVersion"]) == int(other["metadata"]["resourceVersion"]) + 1
    assert request("GET", f"{PATH}/a")[1] == body
    update_record = [r for r in audit if r.verb == "update" and r.name == "a"][-1]
    assert update_record.stages == plain_stages, "each stage once, as when the store was read"
    assert update_record.revision == int(body["metadata"]["resourceVersion"])


def test_an_object_another_process_deleted_is_404(cluster, audit) -> None:
    code, created = request("POST", PATH, configmap("a", "1"))
    rv = created["metadata"]["resourceVersion"]
    before = django_store.latest_revisions.get(cluster.pk, 0)
    DjangoStore(cluster.pk).delete(registry_key("configmaps", "default", "a"))
    django_store.latest_revisions[cluster.pk] = before
    code, body = request("PUT", f"{PATH}/a", configmap("a", "2", rv))
    assert code == 404 and body["message"] == 'configmaps "a" not found'
    assert audit[-1].stages == audit[0].stages[:2], "what a read of the store records: no admission, no validation"


def test_a_no_op_is_judged_on_the_stored_object(cluster, audit) -> None:
    code, created = request("POST", PATH, configmap("a", "1"))
    other = written_elsewhere(cluster, "a", "1")  # another process wrote the same data: a new revision
    code, body = request("PUT", f"{PATH}/a", configmap("a", "1"))
    assert code == 200 and body["metadata"]["resourceVersion"] == other["metadata"]["resourceVersion"]


def test_an_unconditional_update_on_a_stale_cache_is_recorded_once(cluster, audit, monkeypatch) -> None:
    """No resourceVersion: the try on the cached object passes admission and validation and
    then loses the compare-and-set; its stages are taken back, the try on the stored object
    records its own."""
    server = apiservers.get(cluster.name)
    request("POST", PATH, configmap("b", "1"))
    request("PUT", f"{PATH}/b", configmap("b", "2"))
    plain_stages = audit[-1].stages
    request("POST", PATH, configmap("a", "1"))
    other = written_elsewhere(cluster, "a", "other")
    reads: list[str] = []
    real_get = server.store.get
    monkeypatch.setattr(server.store, "get", lambda key: reads.append(key) or real_get(key))
    code, body = request("PUT", f"{PATH}/a", configmap("a", "2"))
    assert reads == [registry_key("configmaps", "default", "a")], "the cached try lost; the store was read once"
    assert code == 200 and body["data"] == {"value": "2"}
    assert int(body["metadata"]["resourceVersion"]) == int(other["metadata"]["resourceVersion"]) + 1
    assert audit[-1].stages == plain_stages
