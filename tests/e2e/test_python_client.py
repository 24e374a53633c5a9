"""The ``kubernetes`` Python client against ``manage.py up``, configured from the kubeconfig
``manage.py kubeconfig`` prints: reads, writes, patches, watches and optimistic concurrency."""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter

import pytest

from tests.e2e.conftest import unique

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

#: Seconds a single client call may take (urllib3 read timeout) before the test fails.
REQUEST_TIMEOUT = 30


@pytest.fixture
def api(api_client_factory, admin_kubeconfig):
    return api_client_factory(admin_kubeconfig)


@pytest.fixture
def v1(api):
    return client.CoreV1Api(api)


@pytest.fixture
def apps(api):
    return client.AppsV1Api(api)


@pytest.fixture
def namespace(v1):
    name = unique("py")
    v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)),
                        _request_timeout=REQUEST_TIMEOUT)
    return name


def configmap(name: str, data: dict | None = None, labels: dict | None = None) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def deployment(name: str, containers: list[tuple[str, str]], replicas: int = 1) -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas, selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name=n, image=i) for n, i in containers]))))


# ------------------------------------------------------------------ reads and writes
def test_list_namespaces_and_version(api, v1):
    names = {ns.metadata.name for ns in v1.list_namespace(_request_timeout=REQUEST_TIMEOUT).items}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names
    version = client.VersionApi(api).get_code(_request_timeout=REQUEST_TIMEOUT)
    assert (version.major, version.minor) == ("1", "33") and version.git_version.startswith("v1.33.")


def test_create_get_list_and_label_selector(v1, namespace):
    created = v1.create_namespaced_config_map(namespace, configmap("a", {"k": "v"}, {"tier": "web"}),
                                              _request_timeout=REQUEST_TIMEOUT)
    assert isinstance(created, client.V1ConfigMap)
    assert created.metadata.namespace == namespace and created.metadata.uid and created.metadata.resource_version
    v1.create_namespaced_config_map(namespace, configmap("b", {"k": "w"}, {"tier": "db"}))

    got = v1.read_namespaced_config_map("a", namespace)
    assert got.data == {"k": "v"} and got.metadata.resource_version == created.metadata.resource_version

    listed = v1.list_namespaced_config_map(namespace)
    assert [cm.metadata.name for cm in listed.items] == ["a", "b"]
    assert int(listed.metadata.resource_version) >= int(created.metadata.resource_version)
    assert [cm.metadata.name for cm in v1.list_namespaced_config_map(namespace, label_selector="tier=db").items] \
        == ["b"]
    assert [cm.metadata.name for cm in v1.list_namespaced_config_map(
        namespace, field_selector="metadata.name=a").items] == ["a"]

    with pytest.raises(ApiException) as exc:
        v1.create_namespaced_config_map(namespace, configmap("a"))
    assert exc.value.status == 409
    body = json.loads(exc.value.body)
    assert (body["kind"], body["reason"], body["message"]) == ("Status", "AlreadyExists",
                                                                'configmaps "a" already exists')

    with pytest.raises(ApiException) as exc:
        v1.read_namespaced_config_map("nosuch", namespace)
    assert exc.value.status == 404
    assert json.loads(exc.value.body)["message"] == 'configmaps "nosuch" not found'


def test_pod_create_and_delete_returns_the_pod(v1, namespace):
    pod = client.V1Pod(metadata=client.V1ObjectMeta(name="p"),
                       spec=client.V1PodSpec(containers=[client.V1Container(name="app", image="nginx:1.27")]))
    created = v1.create_namespaced_pod(namespace, pod, _request_timeout=REQUEST_TIMEOUT)
    assert isinstance(created, client.V1Pod) and created.metadata.name == "p"
    assert [p.metadata.name for p in v1.list_namespaced_pod(namespace).items] == ["p"]

    deleted = v1.delete_namespaced_pod("p", namespace, _request_timeout=REQUEST_TIMEOUT)
    assert isinstance(deleted, client.V1Pod)
    assert deleted.metadata.name == "p" and deleted.metadata.uid == created.metadata.uid
    assert v1.list_namespaced_pod(namespace).items == []


def test_delete_configmap_and_deployment(v1, apps, namespace):
    v1.create_namespaced_config_map(namespace, configmap("gone"))
    result = v1.delete_namespaced_config_map("gone", namespace, _request_timeout=REQUEST_TIMEOUT)
    assert result is not None
    with pytest.raises(ApiException) as exc:
        v1.read_namespaced_config_map("gone", namespace)
    assert exc.value.status == 404

    apps.create_namespaced_deployment(namespace, deployment("web", [("nginx", "nginx:1.27")]))
    apps.delete_namespaced_deployment("web", namespace, body=client.V1DeleteOptions(propagation_policy="Foreground"),
                                      _request_timeout=REQUEST_TIMEOUT)
    deadline = time.monotonic() + 10  # foreground deletion has no dependents to wait for
    while apps.list_namespaced_deployment(namespace).items and time.monotonic() < deadline:
        time.sleep(0.2)
    assert apps.list_namespaced_deployment(namespace).items == []


def test_patch_configmap_strategic_and_merge(v1, namespace):
    v1.create_namespaced_config_map(namespace, configmap("c", {"a": "1", "b": "2"}))
    # A dict body is sent as a strategic merge patch; null deletes a key.
    patched = v1.patch_namespaced_config_map("c", namespace, {"data": {"a": "10", "b": None, "c": "3"}},
                                             _request_timeout=REQUEST_TIMEOUT)
    assert patched.data == {"a": "10", "c": "3"}
    patched = v1.patch_namespaced_config_map("c", namespace, {"metadata": {"labels": {"x": "y"}}},
                                             _content_type="application/merge-patch+json")
    assert patched.metadata.labels == {"x": "y"} and patched.data == {"a": "10", "c": "3"}
    # A list body is a JSON patch.
    patched = v1.patch_namespaced_config_map("c", namespace, [{"op": "replace", "path": "/data/a", "value": "11"}])
    assert patched.data == {"a": "11", "c": "3"}
    assert v1.read_namespaced_config_map("c", namespace).data == {"a": "11", "c": "3"}


def test_patch_deployment_strategic_merges_containers_by_name_merge_patch_replaces(apps, namespace):
    apps.create_namespaced_deployment(namespace, deployment("web", [("nginx", "nginx:1.27"), ("side", "busybox")]))
    body = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}}

    smp = apps.patch_namespaced_deployment("web", namespace, body, _request_timeout=REQUEST_TIMEOUT)
    assert [(c.name, c.image) for c in smp.spec.template.spec.containers] == [("nginx", "nginx:1.28"),
                                                                              ("side", "busybox")]
    assert smp.metadata.generation == 2

    merge = apps.patch_namespaced_deployment("web", namespace, body, _content_type="application/merge-patch+json")
    assert [(c.name, c.image) for c in merge.spec.template.spec.containers] == [("nginx", "nginx:1.28")]

    scale = apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 4}})
    assert isinstance(scale, client.V1Scale) and scale.spec.replicas == 4
    assert apps.read_namespaced_deployment("web", namespace).spec.replicas == 4


def test_server_side_apply_creates_updates_and_reports_conflicts(apps, namespace):
    """``patch_namespaced_deployment`` with the apply content type: an upsert owned by the
    ``field_manager``; a conflicting apply by another manager is a 409 with upstream's causes."""
    apply_type = "application/apply-patch+yaml"
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
    created = apps.patch_namespaced_deployment("web", namespace, manifest, field_manager="deployer",
                                               _content_type=apply_type, _request_timeout=REQUEST_TIMEOUT)
    assert isinstance(created, client.V1Deployment) and created.spec.replicas == 2
    [entry] = created.metadata.managed_fields
    assert (entry.manager, entry.operation, entry.api_version, entry.fields_type) == (
        "deployer", "Apply", "apps/v1", "FieldsV1")
    assert entry.fields_v1["f:spec"]["f:replicas"] == {}

    manifest["spec"]["replicas"] = 3
    updated = apps.patch_namespaced_deployment("web", namespace, manifest, field_manager="deployer",
                                               _content_type=apply_type)
    assert updated.spec.replicas == 3 and updated.metadata.generation == 2

    manifest["spec"]["replicas"] = 4
    with pytest.raises(ApiException) as raised:
        apps.patch_namespaced_deployment("web", namespace, manifest, field_manager="autoscaler",
                                         _content_type=apply_type)
    status = json.loads(raised.value.body)
    assert (raised.value.status, status["reason"]) == (409, "Conflict")
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "deployer": .spec.replicas'
    assert status["details"]["causes"] == [{"reason": "FieldManagerConflict", "message": 'conflict with "deployer"',
                                            "field": ".spec.replicas"}]

    forced = apps.patch_namespaced_deployment("web", namespace, manifest, field_manager="autoscaler",
                                              force=True, _content_type=apply_type)
    assert forced.spec.replicas == 4
    owners = {e.manager: e.fields_v1 for e in forced.metadata.managed_fields}
    assert owners["autoscaler"]["f:spec"]["f:replicas"] == {}
    assert "f:replicas" not in owners["deployer"]["f:spec"]

    # an ordinary write without field_manager is recorded for the User-Agent's program name
    patched = apps.patch_namespaced_deployment("web", namespace, {"metadata": {"labels": {"team": "a"}}})
    agent = {e.manager for e in patched.metadata.managed_fields if e.operation == "Update" and not e.subresource}
    assert agent == {"OpenAPI-Generator"}


def test_replace_with_stale_resource_version_is_409(v1, namespace):
    first = v1.create_namespaced_config_map(namespace, configmap("x", {"n": "0"}))
    v1.patch_namespaced_config_map("x", namespace, {"data": {"n": "1"}})
    first.data = {"n": "stale"}
    with pytest.raises(ApiException) as exc:
        v1.replace_namespaced_config_map("x", namespace, first)
    assert exc.value.status == 409
    status = json.loads(exc.value.body)
    assert (status["kind"], status["reason"]) == ("Status", "Conflict")
    assert status["message"] == ('Operation cannot be fulfilled on configmaps "x": the object has been modified; '
                                 'please apply your changes to the latest version and try again')
    assert v1.read_namespaced_config_map("x", namespace).data == {"n": "1"}


# ------------------------------------------------------------------ watches
def test_watch_resumes_from_a_resource_version(v1):
    ns = "default"
    name_a, name_b = unique("wa"), unique("wb")
    rv = v1.list_namespaced_config_map(ns, _request_timeout=REQUEST_TIMEOUT).metadata.resource_version

    a1 = v1.create_namespaced_config_map(ns, configmap(name_a, {"n": "1"}))
    a2 = v1.patch_namespaced_config_map(name_a, ns, {"data": {"n": "2"}})
    b1 = v1.create_namespaced_config_map(ns, configmap(name_b, {"n": "1"}))
    v1.delete_namespaced_config_map(name_a, ns)

    started = time.monotonic()
    events = list(watch.Watch().stream(v1.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=3))
    elapsed = time.monotonic() - started
    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", name_a), ("MODIFIED", name_a), ("ADDED", name_b), ("DELETED", name_a)]
    assert all(isinstance(e["object"], client.V1ConfigMap) for e in events)
    assert [e["object"].data for e in events[:3]] == [{"n": "1"}, {"n": "2"}, {"n": "1"}]
    rvs = [int(e["object"].metadata.resource_version) for e in events]
    assert rvs == sorted(rvs) and len(set(rvs)) == 4
    assert rvs[:3] == [int(a1.metadata.resource_version), int(a2.metadata.resource_version),
                       int(b1.metadata.resource_version)]
    assert elapsed < 15, f"a watch with timeoutSeconds=3 lasted {elapsed:.1f}s"

    # Resuming from the middle yields only what came after it.
    later = list(watch.Watch().stream(v1.list_namespaced_config_map, ns,
                                      resource_version=a2.metadata.resource_version, timeout_seconds=2))
    assert [(e["type"], e["object"].metadata.name) for e in later] == [("ADDED", name_b), ("DELETED", name_a)]
    v1.delete_namespaced_config_map(name_b, ns)


def test_watch_without_resource_version_starts_with_synthetic_added(v1, namespace):
    v1.create_namespaced_config_map(namespace, configmap("one"))
    v1.create_namespaced_config_map(namespace, configmap("two"))
    events = list(watch.Watch().stream(v1.list_namespaced_config_map, namespace, timeout_seconds=2))
    assert sorted((e["type"], e["object"].metadata.name) for e in events) == [("ADDED", "one"), ("ADDED", "two")]


def test_watch_sees_live_changes(v1, namespace):
    rv = v1.list_namespaced_config_map(namespace).metadata.resource_version
    received: list[tuple[str, str]] = []
    w = watch.Watch()

    def consume() -> None:
        for event in w.stream(v1.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=10):
            received.append((event["type"], event["object"].metadata.name))
            if len(received) == 2:
                w.stop()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    time.sleep(0.5)
    v1.create_namespaced_config_map(namespace, configmap("live"))
    v1.patch_namespaced_config_map("live", namespace, {"data": {"k": "v"}})
    thread.join(15)
    assert not thread.is_alive(), f"watch did not deliver two events; got {received}"
    assert received == [("ADDED", "live"), ("MODIFIED", "live")]


def test_watch_from_a_compacted_resource_version_is_410(compacting_server, api_client_factory):
    v1 = client.CoreV1Api(api_client_factory(compacting_server.kubeconfig("demo")))
    old_rv = v1.list_namespaced_config_map("default", _request_timeout=REQUEST_TIMEOUT).metadata.resource_version
    v1.create_namespaced_config_map("default", configmap("churn", {"n": "0"}))
    for i in range(1, 60):  # three times the window of 20 revisions
        v1.patch_namespaced_config_map("churn", "default", {"data": {"n": str(i)}})

    with pytest.raises(ApiException) as exc:
        for _ in watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=old_rv,
                                      timeout_seconds=5):
            pass
    assert exc.value.status == 410, exc.value

    # The documented recovery works: list again, then watch from the list's resourceVersion.
    fresh_rv = v1.list_namespaced_config_map("default").metadata.resource_version
    v1.patch_namespaced_config_map("churn", "default", {"data": {"n": "last"}})
    events = list(watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=fresh_rv,
                                       timeout_seconds=2))
    assert [(e["type"], e["object"].data) for e in events] == [("MODIFIED", {"n": "last"})]


# ------------------------------------------------------------------ optimistic concurrency
WRITERS = 20
INCREMENTS = 50


def test_concurrent_increments_with_retry_on_conflict(cluster_server, api_client_factory):
    """20 writers each add 1 fifty times to one ConfigMap, re-reading on 409: the end value is exactly
    1000, and the server never answers 500 (no "database is locked")."""
    kubeconfig = cluster_server.kubeconfig("demo")
    log_offset = cluster_server.log.stat().st_size
    name = unique("counter")
    client.CoreV1Api(api_client_factory(kubeconfig)).create_namespaced_config_map(
        "default", configmap(name, {"value": "0"}), _request_timeout=REQUEST_TIMEOUT)

    conflicts = Counter()
    failures: list[str] = []
    deadline = time.monotonic() + 240

    def writer(index: int) -> None:
        v1 = client.CoreV1Api(api_client_factory(kubeconfig))
        rng = random.Random(index)
        done = 0
        streak = 0  # consecutive conflicts: back off exponentially (with jitter), as clients should
        while done < INCREMENTS:
            if time.monotonic() > deadline:
                failures.append(f"writer {index}: out of time after {done} increments")
                return
            try:
                current = v1.read_namespaced_config_map(name, "default", _request_timeout=REQUEST_TIMEOUT)
                current.data["value"] = str(int(current.data["value"]) + 1)
                v1.replace_namespaced_config_map(name, "default", current, _request_timeout=REQUEST_TIMEOUT)
                done += 1
                streak = 0
            except ApiException as exc:
                if exc.status == 409:
                    conflicts[index] += 1
                    streak += 1
                    time.sleep(rng.uniform(0, min(1.0, 0.02 * 2 ** streak)))
                    continue
                failures.append(f"writer {index}: HTTP {exc.status} {exc.reason}: {str(exc.body)[:500]}")
                return
            except Exception as exc:  # timeouts, connection resets
                failures.append(f"writer {index}: {type(exc).__name__}: {exc}")
                return

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + 5))
    assert not any(t.is_alive() for t in threads), "writers still running after the deadline"
    assert failures == []
    print(f"conflicts retried: {sum(conflicts.values())}")

    final = client.CoreV1Api(api_client_factory(kubeconfig)).read_namespaced_config_map(name, "default")
    assert final.data["value"] == str(WRITERS * INCREMENTS)
    with open(cluster_server.log, "rb") as fh:
        fh.seek(log_offset)
        log = fh.read().decode(errors="replace")
    assert "database is locked" not in log
    assert "Internal Server Error" not in log and "internal error serving" not in log
