"""The API server's REST semantics, as a Kubernetes client sees them: codes, ``Status``
reasons, messages and details, and the objects that come back — checked against upstream
kube-apiserver's behaviour (``k8s.io/apiserver`` registry store, handlers and strategies).

Every test drives a whole :class:`~tests.simulation.apiserver.server_fixtures.Cluster`
(the assembled chain over an in-memory store) through HTTP-shaped requests. Watches are in
``test_watch.py``.
"""
from __future__ import annotations

import re
import uuid

import pytest

from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import APIRequest
from simulation.store import registry_key
from tests.simulation.apiserver.server_fixtures import (ALICE_TOKEN, CM_PATH, DEPLOY_PATH, POD_PATH, START_SECONDS,
                                                        Cluster, configmap, deployment, names, pod, table)

RS_PATH = "/apis/apps/v1/namespaces/default/replicasets"
NS_PATH = "/api/v1/namespaces"
CONFLICT = "the object has been modified; please apply your changes to the latest version and try again"


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


def status_of(response) -> tuple[int, str, str]:
    """(code, reason, message) of a ``Status`` answer, checking it is one."""
    body = response.body
    assert body["kind"] == "Status" and body["apiVersion"] == "v1", body
    assert body["code"] == response.code
    return response.code, body["reason"], body["message"]


def interfere_once(monkeypatch, cluster: Cluster, name: str, other_write) -> None:
    """Run ``other_write`` just before the server's next compare-and-set on ``name``: the
    request in flight has read the object, someone else writes it, then our write conflicts."""
    original = cluster.store.update
    fired = []

    def update(key, obj, expected_revision):
        if not fired and key.endswith("/" + name):
            fired.append(key)
            other_write()
        return original(key, obj, expected_revision)

    monkeypatch.setattr(cluster.store, "update", update)


# ============================================================================ create
CREATE_CASES = [
    ("pod", POD_PATH, pod("web"), {
        "spec.restartPolicy": "Always", "spec.dnsPolicy": "ClusterFirst", "spec.schedulerName": "default-scheduler",
        "spec.terminationGracePeriodSeconds": 30, "spec.serviceAccountName": "default",
        "spec.containers.0.imagePullPolicy": "IfNotPresent", "status.phase": "Pending",
        "status.qosClass": "BestEffort", "metadata.generation": None}),
    ("deployment", DEPLOY_PATH, deployment("web"), {
        "spec.strategy.type": "RollingUpdate", "spec.strategy.rollingUpdate.maxSurge": "25%",
        "spec.revisionHistoryLimit": 10, "spec.progressDeadlineSeconds": 600, "metadata.generation": 1,
        "status": {}}),
    ("configmap", CM_PATH, configmap("web", {"k": "v"}), {"data": {"k": "v"}, "metadata.generation": None}),
    ("namespace", NS_PATH, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}, {
        "metadata.labels": {"kubernetes.io/metadata.name": "web"}, "spec.finalizers": ["kubernetes"],
        "status.phase": "Active", "metadata.namespace": None}),
]


def dig(obj: dict, path: str):
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        elif isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            return None
    return obj


@pytest.mark.parametrize("path,body,expected", **table(CREATE_CASES))
def test_create_answers_201_with_system_fields_and_defaults(cluster, path, body, expected):
    response = cluster.post(path, body)

    assert response.code == 201
    created = response.body
    meta = created["metadata"]
    assert created["kind"] == body["kind"] and created["apiVersion"] == body["apiVersion"]
    assert uuid.UUID(meta["uid"]).version == 4
    assert meta["creationTimestamp"] == "2024-01-01T00:00:00Z"
    assert meta["resourceVersion"] == str(cluster.store.current_revision())
    for field, value in expected.items():
        assert dig(created, field) == value, field
    assert cluster.read(f"{path}/web") == created


def test_create_ignores_system_fields_sent_by_the_client(cluster):
    body = configmap("web", uid="not-yours", creationTimestamp="2000-01-01T00:00:00Z",
                     deletionTimestamp="2000-01-01T00:00:00Z")

    meta = cluster.create(CM_PATH, body)["metadata"]

    assert meta["uid"] != "not-yours" and meta["creationTimestamp"] == "2024-01-01T00:00:00Z"
    assert meta["resourceVersion"] == str(cluster.store.current_revision()) and "deletionTimestamp" not in meta


def test_create_refuses_a_resource_version_as_upstreams_storage_does(cluster):
    response = cluster.post(CM_PATH, configmap("web", resourceVersion="999"))

    assert (response.code, response.body["message"]) == (
        400, "resourceVersion should not be set on objects to be created")
    assert cluster.get(CM_PATH + "/web").code == 404


def test_generate_name_appends_five_random_characters(cluster):
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "web-"}}

    first, second = cluster.create(CM_PATH, body), cluster.create(CM_PATH, body)

    for created in (first, second):
        assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", created["metadata"]["name"])
        assert created["metadata"]["generateName"] == "web-"
    assert first["metadata"]["name"] != second["metadata"]["name"]
    assert cluster.records[-1].name == second["metadata"]["name"]


KIND_FROM_URL_CASES = [
    ("core", CM_PATH, {"metadata": {"name": "web"}, "data": {"k": "v"}}, "v1", "ConfigMap"),
    ("apps", DEPLOY_PATH, {k: v for k, v in deployment("web").items() if k not in ("kind", "apiVersion")},
     "apps/v1", "Deployment"),
    ("kind-only", CM_PATH, {"kind": "ConfigMap", "metadata": {"name": "web"}}, "v1", "ConfigMap"),
]


@pytest.mark.parametrize("path,body,api_version,kind", **table(KIND_FROM_URL_CASES))
def test_create_defaults_kind_and_api_version_from_the_url(cluster, path, body, api_version, kind):
    created = cluster.create(path, body)

    assert (created["apiVersion"], created["kind"]) == (api_version, kind)
    assert cluster.read(f"{path}/web")["kind"] == kind


BODY_ENCODING_CASES = [
    ("yaml", "application/yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  k: v\n"),
    ("x-yaml", "application/x-yaml", "metadata: {name: web}\ndata: {k: v}\n"),
    ("json-with-charset", "application/json; charset=utf-8", '{"metadata":{"name":"web"},"data":{"k":"v"}}'),
    ("no-content-type-is-json", None, '{"metadata":{"name":"web"},"data":{"k":"v"}}'),
]


@pytest.mark.parametrize("content_type,body", **table(BODY_ENCODING_CASES))
def test_create_reads_yaml_and_json_bodies(cluster, content_type, body):
    response = cluster.post(CM_PATH, body, content_type=content_type)

    assert response.code == 201, response.body
    assert response.body["data"] == {"k": "v"} and response.body["kind"] == "ConfigMap"


CREATE_REFUSAL_CASES = [
    ("namespace-mismatch", CM_PATH, configmap("web", namespace="kube-system"), 400, "BadRequest",
     "the namespace of the provided object does not match the namespace sent on the request"),
    ("missing-namespace", "/api/v1/namespaces/nope/configmaps", configmap("web"), 404, "NotFound",
     'namespaces "nope" not found'),
    ("post-to-a-name", CM_PATH + "/web", configmap("web"), 405, "MethodNotAllowed",
     "the server does not allow this method on the requested resource"),
    ("invalid-name", CM_PATH, configmap("Web_1"), 422, "Invalid",
     'ConfigMap "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must '
     "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
     "character (e.g. 'example.com', regex used for validation is "
     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
]


@pytest.mark.parametrize("path,body,code,reason,message", **table(CREATE_REFUSAL_CASES))
def test_create_refusals(cluster, path, body, code, reason, message):
    before = cluster.store.current_revision()

    response = cluster.post(path, body)

    assert status_of(response) == (code, reason, message)
    assert cluster.store.current_revision() == before


def test_create_of_an_existing_name_is_409_already_exists(cluster):
    cluster.create(DEPLOY_PATH, deployment("web"))

    response = cluster.post(DEPLOY_PATH, deployment("web"))

    assert status_of(response) == (409, "AlreadyExists", 'deployments.apps "web" already exists')
    assert response.body["details"] == {"name": "web", "group": "apps", "kind": "deployments"}


BAD_BODY_CASES = [
    ("bad-json", "application/json", b'{"metadata": {"name": ', 400, "BadRequest"),
    ("not-an-object", "application/json", b'["metadata"]', 400, "BadRequest"),
    ("other-kind", "application/json", b'{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web"}}', 400,
     "BadRequest"),
    ("other-api-version", "application/json", b'{"apiVersion": "apps/v1", "kind": "ConfigMap"}', 400, "BadRequest"),
    ("empty", "application/json", b" ", 400, "BadRequest"),
    ("deep-json", "application/json", b"[" * 5000 + b"]" * 5000, 400, "BadRequest"),
    ("deep-yaml", "application/yaml", b"a: " + b"[" * 500 + b"]" * 500, 400, "BadRequest"),
    ("yaml-alias", "application/yaml", b"metadata: &m {name: web}\ndata: *m\n", 400, "BadRequest"),
    ("yaml-alias-bomb", "application/yaml",
     b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
     b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n", 400, "BadRequest"),
    ("oversize", "application/json", b'{"metadata":{"name":"web"},"data":{"k":"' + b"x" * (3 * 1024 * 1024) + b'"}}',
     413, "RequestEntityTooLarge"),
    ("unknown-media-type", "text/plain", b'{"metadata":{"name":"web"}}', 415, "UnsupportedMediaType"),
]


@pytest.mark.parametrize("content_type,body,code,reason", **table(BAD_BODY_CASES))
def test_undecodable_bodies_are_refused_before_anything_is_written(cluster, content_type, body, code, reason):
    before = cluster.store.current_revision()

    response = cluster.post(CM_PATH, body, content_type=content_type)

    assert status_of(response)[:2] == (code, reason)
    assert cluster.store.current_revision() == before


def test_oversize_body_names_the_limit(cluster):
    response = cluster.post(CM_PATH, b"x" * (3 * 1024 * 1024 + 1))

    assert status_of(response) == (413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")


# ============================================================================ get and list
def test_get_of_a_missing_object_is_404_with_details(cluster):
    response = cluster.get(DEPLOY_PATH + "/nope")

    assert status_of(response) == (404, "NotFound", 'deployments.apps "nope" not found')
    assert response.body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


@pytest.fixture
def labelled(cluster) -> Cluster:
    """Pods web-1 (app=web, tier=front), web-2 (app=web), db-1 (app=db, tier=back), lone (no labels);
    web-1 is bound to node-1 and Running."""
    cluster.create(POD_PATH, pod("web-1", labels={"app": "web", "tier": "front"}, node="node-1"))
    cluster.create(POD_PATH, pod("web-2", labels={"app": "web"}))
    cluster.create(POD_PATH, pod("db-1", labels={"app": "db", "tier": "back"}))
    cluster.create(POD_PATH, pod("lone"))
    web1 = cluster.read(POD_PATH + "/web-1")
    cluster.put(POD_PATH + "/web-1/status", {**web1, "status": {**web1["status"], "phase": "Running"}})
    return cluster


LABEL_SELECTOR_CASES = [
    ("equals", "app=web", ["web-1", "web-2"]),
    ("double-equals", "app==db", ["db-1"]),
    ("not-equals-includes-unlabelled", "app!=web", ["db-1", "lone"]),
    ("in", "app in (web,db)", ["db-1", "web-1", "web-2"]),
    ("notin", "app notin (web)", ["db-1", "lone"]),
    ("exists", "tier", ["db-1", "web-1"]),
    ("not-exists", "!tier", ["lone", "web-2"]),
    ("and", "app=web,tier", ["web-1"]),
    ("none-match", "app=nope", []),
    ("empty-selects-all", "", ["db-1", "lone", "web-1", "web-2"]),
]


@pytest.mark.parametrize("selector,expected", **table(LABEL_SELECTOR_CASES))
def test_list_with_label_selector(labelled, selector, expected):
    response = labelled.get(POD_PATH, query={"labelSelector": selector})

    assert response.code == 200
    assert response.body["kind"] == "PodList" and response.body["apiVersion"] == "v1"
    assert names(response.body) == expected
    assert all(item["kind"] == "Pod" and item["apiVersion"] == "v1" for item in response.body["items"])


FIELD_SELECTOR_CASES = [
    ("name", "metadata.name=web-2", ["web-2"]),
    ("node", "spec.nodeName=node-1", ["web-1"]),
    ("unscheduled", "spec.nodeName=", ["db-1", "lone", "web-2"]),
    ("phase-and-name", "status.phase=Pending,metadata.name=web-2", ["web-2"]),
    ("name-and-phase", "metadata.name=web-2,status.phase=Pending", ["web-2"]),
    ("not-running-and-namespace", "status.phase!=Running,metadata.namespace=default", ["db-1", "lone", "web-2"]),
    ("namespace-and-not-running", "metadata.namespace=default,status.phase!=Running", ["db-1", "lone", "web-2"]),
    ("contradiction", "metadata.name=web-1,metadata.name=web-2", []),
]


@pytest.mark.parametrize("selector,expected", **table(FIELD_SELECTOR_CASES))
def test_list_with_field_selector_in_any_order(labelled, selector, expected):
    response = labelled.get(POD_PATH, query={"fieldSelector": selector})

    assert response.code == 200 and names(response.body) == expected


UNSUPPORTED_FIELD_CASES = [
    ("pod-field", POD_PATH, "spec.foo=bar", "field label not supported: spec.foo"),
    ("pod-second-term", POD_PATH, "metadata.name=x,status.hostIP=1.2.3.4",
     "field label not supported: status.hostIP"),
    ("configmap-data", CM_PATH, "data.k=v",
     '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"'),
]


@pytest.mark.parametrize("path,selector,message", **table(UNSUPPORTED_FIELD_CASES))
def test_list_with_an_unsupported_field_is_400(cluster, path, selector, message):
    assert status_of(cluster.get(path, query={"fieldSelector": selector})) == (400, "BadRequest", message)


def test_list_resource_version_is_the_store_revision(cluster):
    first = cluster.read(CM_PATH)["metadata"]["resourceVersion"]
    cluster.create(CM_PATH, configmap("web"))

    second = cluster.read(CM_PATH)["metadata"]["resourceVersion"]

    assert first == str(cluster.store.current_revision() - 1)
    assert second == str(cluster.store.current_revision())


def test_list_across_namespaces_and_cluster_scoped(cluster):
    cluster.create(CM_PATH, configmap("a"))
    cluster.create("/api/v1/namespaces/kube-system/configmaps", configmap("b"))

    everywhere = cluster.read("/api/v1/configmaps")
    namespaces = cluster.read(NS_PATH)

    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in everywhere["items"]] == [
        ("default", "a"), ("kube-system", "b")]
    assert names(namespaces) == ["default", "kube-node-lease", "kube-public", "kube-system"]


def pages(cluster: Cluster, path: str, limit: int, between_pages=None, **query) -> list[dict]:
    """Every page of a chunked list, calling ``between_pages(n)`` after page ``n``."""
    out, token = [], None
    while True:
        response = cluster.get(path, query={"limit": limit, **({"continue": token} if token else {}), **query})
        assert response.code == 200, response.body
        out.append(response.body)
        token = response.body["metadata"].get("continue")
        if not token:
            return out
        assert len(out) < 50
        if between_pages:
            between_pages(len(out))


@pytest.fixture
def seven(cluster) -> Cluster:
    for i in range(7):
        cluster.create(CM_PATH, configmap(f"cm-{i}", labels={"odd": str(i % 2)}))
    return cluster


@pytest.mark.parametrize("limit,sizes", **table([
    ("limit-1", 1, [1] * 7),
    ("limit-2", 2, [2, 2, 2, 1]),
    ("limit-3", 3, [3, 3, 1]),
    ("limit-exact", 7, [7]),
    ("limit-above", 10, [7]),
]))
def test_pagination_returns_every_item_exactly_once(seven, limit, sizes):
    got = pages(seven, CM_PATH, limit)

    assert [len(p["items"]) for p in got] == sizes
    assert [n for p in got for n in names(p)] == [f"cm-{i}" for i in range(7)]
    assert {p["metadata"]["resourceVersion"] for p in got} == {str(seven.store.current_revision())}


def test_pagination_with_a_label_selector_counts_only_matches(seven):
    got = pages(seven, CM_PATH, 2, labelSelector="odd=1")

    assert [names(p) for p in got] == [["cm-1", "cm-3"], ["cm-5"]]


CHANGES_BETWEEN_PAGES = [
    ("delete-an-unlisted-item", lambda c: c.delete(CM_PATH + "/cm-5")),
    ("create-an-item-at-the-end", lambda c: c.create(CM_PATH, configmap("cm-9"))),
    ("update-an-unlisted-item", lambda c: c.patch(CM_PATH + "/cm-4", {"data": {"new": "yes"}})),
    ("update-a-listed-item", lambda c: c.patch(CM_PATH + "/cm-0", {"data": {"new": "yes"}})),
]


@pytest.mark.parametrize("change", **table(CHANGES_BETWEEN_PAGES))
def test_pages_show_one_consistent_snapshot_at_the_first_pages_revision(seven, change):
    """As etcd's paged reads: every page is read at the first page's revision, so a change
    made while paging shows up in none of them, and the watch an informer starts from that
    revision delivers it exactly once."""
    snapshot = seven.read(CM_PATH)

    got = pages(seven, CM_PATH, 3, between_pages=lambda n: change(seven) if n == 1 else None)

    assert [item for p in got for item in p["items"]] == snapshot["items"]
    assert {p["metadata"]["resourceVersion"] for p in got} == {snapshot["metadata"]["resourceVersion"]}
    watcher = seven.watch(CM_PATH, resourceVersion=snapshot["metadata"]["resourceVersion"])
    assert len(watcher.poll()) == 1


EXACT_CASES = [
    # history: rv+1 create a (v1), rv+2 update a (v2), rv+3 create b, rv+4 delete a
    ("after-create", 1, [("a", "v1")]),
    ("after-update", 2, [("a", "v2")]),
    ("after-second-create", 3, [("a", "v2"), ("b", "v1")]),
    ("after-delete", 4, [("b", "v1")]),
]


@pytest.mark.parametrize("step,expected", **table(EXACT_CASES))
def test_list_at_an_exact_older_revision_shows_the_old_state(cluster, step, expected):
    start = cluster.store.current_revision()
    cluster.create(CM_PATH, configmap("a", {"v": "v1"}))
    cluster.patch(CM_PATH + "/a", {"data": {"v": "v2"}})
    cluster.create(CM_PATH, configmap("b", {"v": "v1"}))
    cluster.delete(CM_PATH + "/a")

    response = cluster.get(CM_PATH, query={"resourceVersion": start + step, "resourceVersionMatch": "Exact"})

    assert response.code == 200
    assert response.body["metadata"]["resourceVersion"] == str(start + step)
    assert [(i["metadata"]["name"], i["data"]["v"]) for i in response.body["items"]] == expected
    assert all(int(i["metadata"]["resourceVersion"]) <= start + step for i in response.body["items"])


def test_exact_list_of_a_compacted_revision_is_410(cluster):
    cluster.create(CM_PATH, configmap("a"))
    old = cluster.store.current_revision()
    cluster.create(CM_PATH, configmap("b"))
    cluster.store.compact(cluster.store.current_revision())

    response = cluster.get(CM_PATH, query={"resourceVersion": old, "resourceVersionMatch": "Exact"})

    assert status_of(response) == (410, "Expired", "The resourceVersion for the provided list is too old.")


def test_continue_token_after_compaction_is_410_with_a_token_for_the_rest(seven):
    first = seven.get(CM_PATH, query={"limit": 3}).body
    seven.create(CM_PATH, configmap("cm-8"))
    seven.store.compact(seven.store.current_revision())

    response = seven.get(CM_PATH, query={"limit": 3, "continue": first["metadata"]["continue"]})

    code, reason, message = status_of(response)
    assert (code, reason) == (410, "Expired")
    assert message.startswith("The provided continue parameter is too old to display a consistent list result.")
    rest = pages(seven, CM_PATH, 100, **{"continue": response.body["metadata"]["continue"]})
    assert names(rest[0]) == ["cm-3", "cm-4", "cm-5", "cm-6", "cm-8"]  # the latest state, as the message warns
    assert rest[0]["metadata"]["resourceVersion"] == str(seven.store.current_revision())


LIST_OPTION_REFUSAL_CASES = [
    ("match-without-rv", {"resourceVersionMatch": "Exact"}, 422, "Invalid",
     'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden '
     "unless resourceVersion is provided"),
    ("exact-zero", {"resourceVersion": "0", "resourceVersionMatch": "Exact"}, 422, "Invalid",
     'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is '
     'forbidden for resourceVersion "0"'),
    ("unknown-match", {"resourceVersion": "1", "resourceVersionMatch": "Newest"}, 422, "Invalid",
     'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported '
     'values: "Exact", "NotOlderThan", ""'),
    ("bad-rv", {"resourceVersion": "abc"}, 400, "BadRequest", "invalid resource version: abc"),
    ("bad-limit", {"limit": "ten"}, 400, "BadRequest", "invalid value for limit: 'ten'"),
    ("bad-continue", {"continue": "not-a-token"}, 400, "BadRequest",
     "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"),
    ("future-rv", {"resourceVersion": "100000"}, 504, "Timeout", "Timeout: Too large resource version: 100000, "
     "current: {current}"),
]


@pytest.mark.parametrize("query,code,reason,message", **table(LIST_OPTION_REFUSAL_CASES))
def test_list_option_refusals(cluster, query, code, reason, message):
    response = cluster.get(CM_PATH, query=query)

    assert status_of(response) == (code, reason, message.format(current=cluster.store.current_revision()))


def test_too_large_resource_version_carries_the_cause_client_go_looks_for(cluster):
    response = cluster.get(CM_PATH, query={"resourceVersion": "100000"})

    assert response.body["details"]["causes"] == [{"reason": "ResourceVersionTooLarge",
                                                   "message": "Too large resource version"}]


def test_continue_token_of_another_collection_is_refused(seven):
    token = seven.get(CM_PATH, query={"limit": 1}).body["metadata"]["continue"]

    response = seven.get(POD_PATH, query={"limit": 1, "continue": token})

    assert status_of(response) == (400, "BadRequest", "continue key is not valid: key does not match the request")


# ============================================================================ update
@pytest.fixture
def web_cm(cluster) -> dict:
    return cluster.create(CM_PATH, configmap("web", {"k": "v1"}))


def test_update_with_a_stale_resource_version_is_409_and_writes_nothing(cluster, web_cm):
    cluster.put(CM_PATH + "/web", {**web_cm, "data": {"k": "v2"}})
    before = cluster.store.current_revision()

    response = cluster.put(CM_PATH + "/web", {**web_cm, "data": {"k": "stale"}})

    assert status_of(response) == (409, "Conflict", f'Operation cannot be fulfilled on configmaps "web": {CONFLICT}')
    assert response.body["details"] == {"name": "web", "kind": "configmaps"}
    assert cluster.store.current_revision() == before
    assert cluster.read(CM_PATH + "/web")["data"] == {"k": "v2"}


def test_update_with_the_current_resource_version_succeeds(cluster, web_cm):
    response = cluster.put(CM_PATH + "/web", {**web_cm, "data": {"k": "v2"}})

    assert response.code == 200
    assert response.body["data"] == {"k": "v2"}
    assert response.body["metadata"]["resourceVersion"] == str(cluster.store.current_revision())
    assert int(response.body["metadata"]["resourceVersion"]) > int(web_cm["metadata"]["resourceVersion"])


def test_unconditional_update_without_resource_version_succeeds(cluster, web_cm):
    cluster.patch(CM_PATH + "/web", {"data": {"k": "someone else"}})

    response = cluster.put(CM_PATH + "/web", configmap("web", {"k": "mine"}))

    assert response.code == 200 and response.body["data"] == {"k": "mine"}
    assert response.body["metadata"]["uid"] == web_cm["metadata"]["uid"]


def test_update_keeps_system_metadata(cluster, web_cm):
    body = {**web_cm, "metadata": {**web_cm["metadata"], "creationTimestamp": "2000-01-01T00:00:00Z",
                                   "deletionTimestamp": "2000-01-01T00:00:00Z"}, "data": {"k": "v2"}}

    meta = cluster.put(CM_PATH + "/web", body).body["metadata"]

    assert meta["creationTimestamp"] == web_cm["metadata"]["creationTimestamp"]
    assert "deletionTimestamp" not in meta


@pytest.mark.parametrize("with_rv", [True, False], ids=["conditional", "unconditional"])
def test_update_that_changes_nothing_writes_nothing(cluster, web_cm, with_rv):
    before = cluster.store.current_revision()
    body = web_cm if with_rv else configmap("web", {"k": "v1"})

    response = cluster.put(CM_PATH + "/web", body)

    assert response.code == 200 and response.body == web_cm
    assert cluster.store.current_revision() == before


UPDATE_REFUSAL_CASES = [
    ("name-mismatch", CM_PATH + "/web", configmap("other"), 400, "BadRequest",
     "the name of the object (other) does not match the name on the URL (web)"),
    ("namespace-mismatch", CM_PATH + "/web", configmap("web", namespace="kube-system"), 400, "BadRequest",
     "the namespace of the provided object does not match the namespace sent on the request"),
    ("missing", CM_PATH + "/nope", configmap("nope"), 404, "NotFound", 'configmaps "nope" not found'),
    ("uid-mismatch", CM_PATH + "/web", configmap("web", uid="0000"), 409, "Conflict",
     'Operation cannot be fulfilled on configmaps "web": Precondition failed: UID in precondition: 0000, '
     "UID in object meta: {uid}"),
    ("collection", CM_PATH, configmap("web"), 405, "MethodNotAllowed",
     "the server does not allow this method on the requested resource"),
]


@pytest.mark.parametrize("path,body,code,reason,message", **table(UPDATE_REFUSAL_CASES))
def test_update_refusals(cluster, web_cm, path, body, code, reason, message):
    before = cluster.store.current_revision()

    response = cluster.put(path, body)

    assert status_of(response) == (code, reason, message.format(uid=web_cm["metadata"]["uid"]))
    assert cluster.store.current_revision() == before


STATUS_CASES = [
    # (path, object factory, spec change, status change)
    ("deployment", DEPLOY_PATH, deployment("web"), ("replicas", 5), {"replicas": 3, "readyReplicas": 1}),
    ("pod", POD_PATH, pod("web"), ("activeDeadlineSeconds", 60), {"phase": "Running", "podIP": "10.0.0.9"}),
]


@pytest.mark.parametrize("path,body,spec_change,new_status", **table(STATUS_CASES))
def test_main_resource_update_keeps_status(cluster, path, body, spec_change, new_status):
    created = cluster.create(path, body)
    key, value = spec_change

    updated = cluster.put(f"{path}/web", {**created, "spec": {**created["spec"], key: value},
                                          "status": new_status}).body

    assert updated["spec"][key] == value
    assert updated["status"] == created["status"]


@pytest.mark.parametrize("path,body,spec_change,new_status", **table(STATUS_CASES))
def test_status_update_changes_only_status(cluster, path, body, spec_change, new_status):
    created = cluster.create(path, body)
    key, value = spec_change

    updated = cluster.put(f"{path}/web/status", {**created, "spec": {**created["spec"], key: value},
                                                 "status": new_status,
                                                 "metadata": {**created["metadata"], "labels": {"x": "y"}}}).body

    assert {k: updated["status"][k] for k in new_status} == new_status
    assert updated["spec"] == created["spec"]
    assert "labels" not in updated["metadata"]
    assert updated["metadata"].get("generation") == created["metadata"].get("generation")


def test_pod_status_update_backfills_the_qos_class_the_kubelet_left_out(cluster):
    created = cluster.create(POD_PATH, pod("web", node="node-1"))

    response = cluster.put(POD_PATH + "/web/status", {**created, "status": {"phase": "Running"}})

    assert response.code == 200, response.body
    assert response.body["status"] == {"phase": "Running", "qosClass": "BestEffort"}


GENERATION_CASES = [
    ("spec-change", "", {"spec": {"replicas": 3}}, 2),
    ("template-change", "", {"spec": {"template": {"metadata": {"labels": {"app": "web", "v": "2"}}}}}, 2),
    ("label-change", "", {"metadata": {"labels": {"team": "a"}}}, 1),
    ("annotation-change", "", {"metadata": {"annotations": {"note": "x"}}}, 2),  # deployments only, as upstream
    ("status-change", "/status", {"status": {"replicas": 1}}, 1),
    ("same-spec", "", {"spec": {"replicas": 1}}, 1),
    ("scale", "/scale", {"spec": {"replicas": 4}}, 2),
]


@pytest.mark.parametrize("subresource,patch,generation", **table(GENERATION_CASES))
def test_generation_bumps_only_on_spec_changes(cluster, subresource, patch, generation):
    cluster.create(DEPLOY_PATH, deployment("web", replicas=1))

    response = cluster.patch(f"{DEPLOY_PATH}/web{subresource}", patch)

    assert response.code == 200, response.body
    assert cluster.read(DEPLOY_PATH + "/web")["metadata"]["generation"] == generation


def test_replica_set_annotations_do_not_bump_generation(cluster):
    rs = deployment("web") | {"kind": "ReplicaSet"}
    cluster.create(RS_PATH, rs)

    cluster.patch(RS_PATH + "/web", {"metadata": {"annotations": {"note": "x"}}})

    assert cluster.read(RS_PATH + "/web")["metadata"]["generation"] == 1


# ============================================================================ patch
@pytest.fixture
def web_pod(cluster) -> dict:
    body = pod("web", labels={"app": "web"})
    body["metadata"]["finalizers"] = ["a.example.com/x"]
    body["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    return cluster.create(POD_PATH, body)


PATCH_CASES = [
    ("merge-adds-label", "merge", {"metadata": {"labels": {"tier": "front"}}},
     "metadata.labels", {"app": "web", "tier": "front"}),
    ("merge-null-removes", "merge", {"metadata": {"labels": {"app": None}}}, "metadata.labels", None),
    ("merge-replaces-lists", "merge", {"metadata": {"finalizers": ["b.example.com/y"]}},
     "metadata.finalizers", ["b.example.com/y"]),
    ("json-patch-add", "json", [{"op": "add", "path": "/metadata/labels/tier", "value": "front"}],
     "metadata.labels", {"app": "web", "tier": "front"}),
    ("json-patch-replace-in-list", "json",
     [{"op": "replace", "path": "/spec/containers/1/image", "value": "busybox:1.37"}],
     "spec.containers.1.image", "busybox:1.37"),
    ("json-patch-test-then-remove", "json",
     [{"op": "test", "path": "/metadata/labels/app", "value": "web"}, {"op": "remove", "path": "/metadata/labels"}],
     "metadata.labels", None),
    ("strategic-merges-containers-by-name", "strategic",
     {"spec": {"containers": [{"name": "sidecar", "image": "busybox:1.37"}]}},
     "spec.containers", [("app", "nginx:1.27"), ("sidecar", "busybox:1.37")]),
    ("strategic-replace-directive", "strategic", {"metadata": {"labels": {"$patch": "replace", "tier": "front"}}},
     "metadata.labels", {"tier": "front"}),
]


@pytest.mark.parametrize("patch_type,body,field,expected", **table(PATCH_CASES))
def test_patch_types(cluster, web_pod, patch_type, body, field, expected):
    response = cluster.patch(POD_PATH + "/web", body, patch_type)

    assert response.code == 200, response.body
    value = dig(response.body, field)
    if field == "spec.containers":
        value = [(c["name"], c["image"]) for c in value]
    assert value == expected
    assert response.body["metadata"]["resourceVersion"] == str(cluster.store.current_revision())
    assert cluster.read(POD_PATH + "/web") == response.body


def test_merge_patch_replaces_the_container_list_where_strategic_merges_it(cluster, web_pod):
    body = {"spec": {"containers": [{"name": "sidecar", "image": "busybox:1.37"}]}}

    merged = cluster.patch(POD_PATH + "/web", body, "merge")

    assert status_of(merged)[:2] == (422, "Invalid")
    assert "spec.containers: Forbidden: pod updates may not add or remove containers" in merged.body["message"]
    assert cluster.patch(POD_PATH + "/web", body, "strategic").code == 200


def test_patch_is_reapplied_to_the_fresh_object_on_conflict(monkeypatch, cluster, web_cm):
    interfere_once(monkeypatch, cluster, "web",
                   lambda: cluster.patch(CM_PATH + "/web", {"data": {"theirs": "1"}}))

    response = cluster.patch(CM_PATH + "/web", {"data": {"mine": "1"}})

    assert response.code == 200
    assert response.body["data"] == {"k": "v1", "theirs": "1", "mine": "1"}
    assert cluster.read(CM_PATH + "/web")["data"] == {"k": "v1", "theirs": "1", "mine": "1"}


@pytest.mark.parametrize("with_rv,code,data", **table([
    ("conditional-put-conflicts", True, 409, {"k": "theirs"}),
    ("unconditional-put-retries", False, 200, {"k": "mine"}),
]))
def test_put_racing_another_writer(monkeypatch, cluster, web_cm, with_rv, code, data):
    interfere_once(monkeypatch, cluster, "web",
                   lambda: cluster.patch(CM_PATH + "/web", {"data": {"k": "theirs"}}))
    body = {**web_cm, "data": {"k": "mine"}}
    if not with_rv:
        body["metadata"] = {"name": "web"}

    response = cluster.put(CM_PATH + "/web", body)

    assert response.code == code
    assert cluster.read(CM_PATH + "/web")["data"] == data


def test_patch_naming_a_stale_resource_version_is_409(cluster, web_cm):
    cluster.patch(CM_PATH + "/web", {"data": {"k": "v2"}})

    response = cluster.patch(CM_PATH + "/web", {"metadata": {"resourceVersion": web_cm["metadata"]["resourceVersion"]},
                                                "data": {"k": "v3"}})

    assert status_of(response) == (409, "Conflict", f'Operation cannot be fulfilled on configmaps "web": {CONFLICT}')


BAD_PATCH_CASES = [
    ("merge-bad-json", "merge", b'{"data": ', 400, "BadRequest"),
    ("merge-not-an-object", "merge", b"[1]", 400, "BadRequest"),
    ("json-patch-not-a-list", "json", b'{"op": "add"}', 400, "BadRequest"),
    ("json-patch-failing-test", "json", b'[{"op": "test", "path": "/data/k", "value": "nope"}]', 422, "Invalid"),
    ("json-patch-missing-path", "json", b'[{"op": "remove", "path": "/data/nope"}]', 422, "Invalid"),
    ("apply-patch-without-field-manager", "application/apply-patch+yaml", b"data: {k: v}", 422, "Invalid"),
    ("unknown-type", "application/json", b'{"data": {}}', 415, "UnsupportedMediaType"),
    ("makes-the-object-invalid", "merge", b'{"metadata": {"labels": {"bad key!": "x"}}}', 422, "Invalid"),
    # upstream answers these three with a 500 it logs as a programmer error: the patch is at fault
    ("strategic-unknown-directive", "strategic", b'{"$patch": "merge"}', 400, "BadRequest"),
    ("strategic-order-not-a-list", "strategic", b'{"$setElementOrder/finalizers": "x"}', 400, "BadRequest"),
    ("strategic-item-without-merge-key", "strategic", b'{"metadata": {"ownerReferences": [{"name": "x"}]}}', 400,
     "BadRequest"),
]


@pytest.mark.parametrize("patch_type,body,code,reason", **table(BAD_PATCH_CASES))
def test_invalid_patches_are_refused_and_write_nothing(cluster, web_cm, patch_type, body, code, reason):
    before = cluster.store.current_revision()

    response = cluster.patch(CM_PATH + "/web", body, patch_type)

    assert status_of(response)[:2] == (code, reason)
    assert cluster.store.current_revision() == before


def test_patch_of_a_missing_object_is_404(cluster):
    assert status_of(cluster.patch(CM_PATH + "/nope", {"data": {}})) == (404, "NotFound",
                                                                         'configmaps "nope" not found')


# ============================================================================ delete
def test_delete_of_an_unbound_pod_removes_it_and_returns_the_pod(cluster):
    cluster.create(POD_PATH, pod("web"))

    response = cluster.delete(POD_PATH + "/web")

    assert response.code == 200
    assert response.body["kind"] == "Pod" and response.body["metadata"]["name"] == "web"
    assert response.body["metadata"]["resourceVersion"] == str(cluster.store.current_revision())
    assert not cluster.exists(POD_PATH + "/web")


def test_delete_of_other_kinds_returns_a_success_status(cluster):
    created = cluster.create(DEPLOY_PATH, deployment("web"))

    response = cluster.delete(DEPLOY_PATH + "/web")

    assert response.code == 200
    assert response.body["kind"] == "Status" and response.body["status"] == "Success"
    assert response.body["details"] == {"name": "web", "group": "apps", "kind": "deployments",
                                        "uid": created["metadata"]["uid"]}
    assert not cluster.exists(DEPLOY_PATH + "/web")


def test_delete_of_a_missing_object_is_404(cluster):
    assert status_of(cluster.delete(CM_PATH + "/nope")) == (404, "NotFound", 'configmaps "nope" not found')


POD_GRACE_CASES = [
    ("default-30s", {}, {}, 30),
    ("pod-says-5s", {"terminationGracePeriodSeconds": 5}, {}, 5),
    ("query-says-10s", {}, {"gracePeriodSeconds": 10}, 10),
    ("negative-means-1s", {}, {"gracePeriodSeconds": -5}, 1),
]


@pytest.mark.parametrize("spec,query,grace", **table(POD_GRACE_CASES))
def test_delete_of_a_bound_pod_is_graceful(cluster, spec, query, grace):
    cluster.create(POD_PATH, pod("web", node="node-1", **spec))

    response = cluster.delete(POD_PATH + "/web", query=query)

    assert response.code == 200
    meta = response.body["metadata"]
    assert meta["deletionGracePeriodSeconds"] == grace
    assert meta["deletionTimestamp"] == f"2024-01-01T00:00:{grace:02d}Z"
    assert cluster.read(POD_PATH + "/web") == response.body


@pytest.mark.parametrize("spec, query", [
    ({"terminationGracePeriodSeconds": 2 ** 63 - 1}, {}),
    ({}, {"gracePeriodSeconds": 2 ** 63 - 1}),
], ids=["pod-says-int64-max", "query-says-int64-max"])
def test_a_grace_period_past_what_a_duration_holds_ends_292_years_on(cluster, spec, query):
    """Not an overflow: the deletion time stops at the longest ``time.Duration``, and a
    shorter grace period later still counts from the first request."""
    cluster.create(POD_PATH, pod("web", node="node-1", **spec))

    marked = cluster.delete(POD_PATH + "/web", query=query)

    assert marked.code == 200, marked.body
    assert marked.body["metadata"]["deletionTimestamp"] == "2316-04-11T23:47:16Z"
    assert marked.body["metadata"]["deletionGracePeriodSeconds"] == 2 ** 63 - 1
    shorter = cluster.delete(POD_PATH + "/web", query={"gracePeriodSeconds": 5}).body
    assert shorter["metadata"]["deletionTimestamp"] == "2024-01-01T00:00:05Z"


@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_delete_of_a_finished_pod_is_immediate(cluster, phase):
    created = cluster.create(POD_PATH, pod("web", node="node-1"))
    cluster.put(POD_PATH + "/web/status", {**created, "status": {"phase": phase}})

    assert cluster.delete(POD_PATH + "/web").code == 200
    assert not cluster.exists(POD_PATH + "/web")


def test_graceful_pod_deletion_only_shortens_and_ends_with_grace_zero(cluster):
    cluster.create(POD_PATH, pod("web", node="node-1"))
    cluster.now = START_SECONDS + 5
    marked = cluster.delete(POD_PATH + "/web").body  # deletion due at 00:00:35
    cluster.now = START_SECONDS + 8

    again = cluster.delete(POD_PATH + "/web")  # as long or longer: nothing changes, nothing is written
    longer = cluster.delete(POD_PATH + "/web", query={"gracePeriodSeconds": 60})
    assert again.body == marked and longer.body == marked
    assert cluster.store.current_revision() == int(marked["metadata"]["resourceVersion"])

    shorter = cluster.delete(POD_PATH + "/web", query={"gracePeriodSeconds": 10}).body
    assert shorter["metadata"]["deletionGracePeriodSeconds"] == 10
    assert shorter["metadata"]["deletionTimestamp"] == "2024-01-01T00:00:15Z"  # from the first request's time

    assert cluster.delete(POD_PATH + "/web", query={"gracePeriodSeconds": 0}).code == 200
    assert not cluster.exists(POD_PATH + "/web")


def test_object_with_finalizers_stays_until_they_are_removed(cluster):
    created = cluster.create(CM_PATH, configmap("web", finalizers=["example.com/cleanup"]))

    marked = cluster.delete(CM_PATH + "/web")
    assert marked.code == 200 and marked.body["kind"] == "ConfigMap"
    meta = marked.body["metadata"]
    assert meta["deletionTimestamp"] == "2024-01-01T00:00:00Z" and meta["deletionGracePeriodSeconds"] == 0
    assert meta["finalizers"] == ["example.com/cleanup"]
    assert cluster.read(CM_PATH + "/web") == marked.body

    revision = cluster.store.current_revision()
    assert cluster.delete(CM_PATH + "/web").body == marked.body
    assert cluster.store.current_revision() == revision  # deleting again writes nothing

    current = cluster.read(CM_PATH + "/web")
    done = cluster.put(CM_PATH + "/web", {**current, "metadata": {**current["metadata"], "finalizers": []}})
    assert done.code == 200
    assert "finalizers" not in done.body["metadata"] or done.body["metadata"]["finalizers"] == []
    assert done.body["metadata"]["uid"] == created["metadata"]["uid"]
    assert done.body["metadata"]["resourceVersion"] == str(cluster.store.current_revision())
    assert not cluster.exists(CM_PATH + "/web")


def test_removing_one_of_two_finalizers_keeps_the_object(cluster):
    cluster.create(CM_PATH, configmap("web", finalizers=["a.example.com/x", "b.example.com/y"]))
    cluster.delete(CM_PATH + "/web")

    response = cluster.patch(CM_PATH + "/web", [{"op": "remove", "path": "/metadata/finalizers/0"}], "json")

    assert response.code == 200 and response.body["metadata"]["finalizers"] == ["b.example.com/y"]
    assert cluster.read(CM_PATH + "/web")["metadata"]["deletionTimestamp"] == "2024-01-01T00:00:00Z"


def owner_with_dependent(cluster: Cluster, with_dependent: bool) -> dict:
    owner = cluster.create(RS_PATH, deployment("web") | {"kind": "ReplicaSet"})
    if with_dependent:
        ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": owner["metadata"]["uid"],
               "controller": True, "blockOwnerDeletion": True}
        body = pod("web-abcde")
        body["metadata"]["ownerReferences"] = [ref]
        cluster.create(POD_PATH, body)
    return owner


PROPAGATION_CASES = [
    ("orphan-with-dependents", {"propagationPolicy": "Orphan"}, True, ["orphan"]),
    ("foreground-with-dependents", {"propagationPolicy": "Foreground"}, True, ["foregroundDeletion"]),
    ("orphan-dependents-true", {"orphanDependents": True}, True, ["orphan"]),
    ("background-with-dependents", {"propagationPolicy": "Background"}, True, None),
    ("default-with-dependents", {}, True, None),
    ("orphan-without-dependents", {"propagationPolicy": "Orphan"}, False, None),
    ("foreground-without-dependents", {"propagationPolicy": "Foreground"}, False, None),
]


@pytest.mark.parametrize("options,with_dependent,finalizers", **table(PROPAGATION_CASES))
def test_propagation_policy_adds_the_gc_finalizer_only_when_dependents_exist(cluster, options, with_dependent,
                                                                             finalizers):
    owner_with_dependent(cluster, with_dependent)

    response = cluster.delete(RS_PATH + "/web", {"apiVersion": "v1", "kind": "DeleteOptions", **options})

    assert response.code == 200
    if finalizers is None:
        assert response.body["kind"] == "Status" and not cluster.exists(RS_PATH + "/web")
    else:
        kept = cluster.read(RS_PATH + "/web")
        assert kept == response.body
        assert kept["metadata"]["finalizers"] == finalizers
        assert kept["metadata"]["deletionTimestamp"] == "2024-01-01T00:00:00Z"
        assert kept["metadata"]["generation"] == 2  # marking for deletion is a new generation, as upstream


def test_background_delete_drops_a_pending_gc_finalizer(cluster):
    owner_with_dependent(cluster, True)
    cluster.delete(RS_PATH + "/web", query={"propagationPolicy": "Foreground"})

    response = cluster.delete(RS_PATH + "/web", query={"propagationPolicy": "Background"})

    assert response.code == 200 and not cluster.exists(RS_PATH + "/web")


PRECONDITION_CASES = [
    ("stale-resource-version", {"resourceVersion": "1"}, 409,
     'Operation cannot be fulfilled on Deployment.apps "web": the ResourceVersion in the precondition (1) does '
     "not match the ResourceVersion in record ({rv}). The object might have been modified"),
    ("other-uid", {"uid": "0000"}, 409,
     'Operation cannot be fulfilled on Deployment.apps "web": the UID in the precondition (0000) does not match '
     "the UID in record ({uid}). The object might have been deleted and then recreated"),
    ("matching", {"uid": "{uid}", "resourceVersion": "{rv}"}, 200, None),
]


@pytest.mark.parametrize("preconditions,code,message", **table(PRECONDITION_CASES))
def test_delete_preconditions(cluster, preconditions, code, message):
    meta = cluster.create(DEPLOY_PATH, deployment("web"))["metadata"]
    fill = {"uid": meta["uid"], "rv": meta["resourceVersion"]}
    preconditions = {k: v.format(**fill) for k, v in preconditions.items()}

    response = cluster.delete(DEPLOY_PATH + "/web", {"preconditions": preconditions})

    if message is None:
        assert response.code == 200 and not cluster.exists(DEPLOY_PATH + "/web")
    else:
        assert status_of(response) == (code, "Conflict", message.format(**fill))
        assert response.body["details"] == {"name": "web", "group": "apps", "kind": "Deployment"}
        assert cluster.exists(DEPLOY_PATH + "/web")


DELETE_OPTION_REFUSAL_CASES = [
    ("unknown-policy", {"propagationPolicy": "Sometimes"},
     'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported '
     'values: "Foreground", "Background", "Orphan", "nil"'),
    ("both-policies", {"propagationPolicy": "Orphan", "orphanDependents": True},
     'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and '
     "deletionPropagation cannot be both set"),
]


@pytest.mark.parametrize("options,message", **table(DELETE_OPTION_REFUSAL_CASES))
def test_invalid_delete_options_are_422(cluster, web_cm, options, message):
    assert status_of(cluster.delete(CM_PATH + "/web", options)) == (422, "Invalid", message)
    assert cluster.exists(CM_PATH + "/web")


@pytest.mark.parametrize("selector,left", **table([
    ("label", {"labelSelector": "odd=1"}, ["cm-0", "cm-2", "cm-4", "cm-6"]),
    ("field", {"fieldSelector": "metadata.name=cm-3"}, ["cm-0", "cm-1", "cm-2", "cm-4", "cm-5", "cm-6"]),
    ("nothing-matches", {"labelSelector": "odd=7"}, [f"cm-{i}" for i in range(7)]),
]))
def test_delete_collection_deletes_only_what_the_selector_matches(seven, selector, left):
    seven.create("/api/v1/namespaces/kube-system/configmaps", configmap("elsewhere", labels={"odd": "1"}))
    expected = names(seven.get(CM_PATH, query=selector).body)

    response = seven.delete(CM_PATH, query=selector)

    assert response.code == 200 and response.body["kind"] == "ConfigMapList"
    assert names(response.body) == expected
    assert names(seven.read(CM_PATH)) == left
    assert seven.exists("/api/v1/namespaces/kube-system/configmaps/elsewhere")


# ============================================================================ namespaces
def test_deleting_an_empty_namespace_removes_it(cluster):
    cluster.create(NS_PATH, {"metadata": {"name": "team"}})

    response = cluster.delete(NS_PATH + "/team")

    assert response.code == 200 and response.body["status"] == "Success"
    assert not cluster.exists(NS_PATH + "/team")


def test_namespace_with_content_terminates_until_it_is_empty(cluster):
    cluster.create(NS_PATH, {"metadata": {"name": "team"}})
    cluster.create("/api/v1/namespaces/team/configmaps", configmap("left"))

    terminating = cluster.delete(NS_PATH + "/team")

    assert terminating.code == 200 and terminating.body["kind"] == "Namespace"
    assert terminating.body["status"]["phase"] == "Terminating"
    assert terminating.body["metadata"]["deletionTimestamp"] == "2024-01-01T00:00:00Z"
    refused = cluster.post("/api/v1/namespaces/team/configmaps", configmap("new"))
    assert status_of(refused) == (403, "Forbidden", 'configmaps "new" is forbidden: unable to create new content '
                                                    "in namespace team because it is being terminated")
    assert refused.body["details"]["causes"] == [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                                  "message": "namespace team is being terminated"}]
    revision = cluster.store.current_revision()
    assert cluster.delete(NS_PATH + "/team").body == terminating.body
    assert cluster.store.current_revision() == revision

    assert cluster.delete("/api/v1/namespaces/team/configmaps/left").code == 200  # cleaning up is allowed
    assert cluster.delete(NS_PATH + "/team").code == 200
    assert not cluster.exists(NS_PATH + "/team")


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public"])
def test_system_namespaces_may_not_be_deleted(cluster, namespace):
    response = cluster.delete(f"{NS_PATH}/{namespace}")

    assert status_of(response) == (403, "Forbidden",
                                   f'namespaces "{namespace}" is forbidden: this namespace may not be deleted')
    assert cluster.read(f"{NS_PATH}/{namespace}")["status"]["phase"] == "Active"


# ============================================================================ scale
@pytest.mark.parametrize("path,kind", **table([
    ("deployment", DEPLOY_PATH, "Deployment"),
    ("replicaset", RS_PATH, "ReplicaSet"),
]))
def test_get_scale(cluster, path, kind):
    created = cluster.create(path, deployment("web", replicas=3) | {"kind": kind})

    response = cluster.get(path + "/web/scale")

    assert response.code == 200
    assert response.body == {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: created["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                         "creationTimestamp")},
        "spec": {"replicas": 3}, "status": {"replicas": 0, "selector": "app=web"}}


def test_scale_merge_patch_sets_replicas(cluster):
    cluster.create(DEPLOY_PATH, deployment("web", replicas=1))

    response = cluster.patch(DEPLOY_PATH + "/web/scale", {"spec": {"replicas": 5}})

    assert response.code == 200 and response.body["kind"] == "Scale"
    assert response.body["spec"]["replicas"] == 5
    stored = cluster.read(DEPLOY_PATH + "/web")
    assert stored["spec"]["replicas"] == 5
    assert response.body["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]


def test_scale_patch_is_reapplied_on_conflict(monkeypatch, cluster):
    cluster.create(DEPLOY_PATH, deployment("web", replicas=1))
    interfere_once(monkeypatch, cluster, "web",
                   lambda: cluster.patch(DEPLOY_PATH + "/web", {"metadata": {"labels": {"x": "y"}}}))

    response = cluster.patch(DEPLOY_PATH + "/web/scale", {"spec": {"replicas": 5}})

    assert response.code == 200
    stored = cluster.read(DEPLOY_PATH + "/web")
    assert stored["spec"]["replicas"] == 5 and stored["metadata"]["labels"] == {"x": "y"}


def scale_body(replicas, resource_version=None) -> dict:
    meta = {"name": "web", "namespace": "default"}
    if resource_version:
        meta["resourceVersion"] = resource_version
    return {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": meta, "spec": {"replicas": replicas}}


def test_scale_put_with_a_stale_resource_version_is_409(cluster):
    created = cluster.create(DEPLOY_PATH, deployment("web", replicas=1))
    cluster.patch(DEPLOY_PATH + "/web", {"metadata": {"labels": {"x": "y"}}})

    response = cluster.put(DEPLOY_PATH + "/web/scale", scale_body(4, created["metadata"]["resourceVersion"]))

    assert status_of(response) == (409, "Conflict",
                                   f'Operation cannot be fulfilled on deployments.apps "web": {CONFLICT}')
    assert cluster.read(DEPLOY_PATH + "/web")["spec"]["replicas"] == 1


@pytest.mark.parametrize("current_rv", [True, False], ids=["with-current-rv", "without-rv"])
def test_scale_put(cluster, current_rv):
    created = cluster.create(DEPLOY_PATH, deployment("web", replicas=1))

    response = cluster.put(DEPLOY_PATH + "/web/scale",
                           scale_body(4, created["metadata"]["resourceVersion"] if current_rv else None))

    assert response.code == 200 and response.body["spec"]["replicas"] == 4
    assert cluster.read(DEPLOY_PATH + "/web")["spec"]["replicas"] == 4


def test_negative_scale_is_422(cluster):
    cluster.create(DEPLOY_PATH, deployment("web", replicas=1))

    response = cluster.patch(DEPLOY_PATH + "/web/scale", {"spec": {"replicas": -1}})

    assert status_of(response) == (422, "Invalid", 'Scale.autoscaling "web" is invalid: spec.replicas: '
                                                   "Invalid value: -1: must be greater than or equal to 0")


@pytest.mark.parametrize("body, message", [
    ({"spec": "x"}, "json: cannot unmarshal string into Go struct field Scale.spec of type v1.ScaleSpec"),
    ({"spec": {"replicas": 2}, "metadata": ["x"]},
     "json: cannot unmarshal array into Go struct field Scale.metadata of type v1.ObjectMeta"),
    ({"spec": {"replicas": 2 ** 40}},
     "json: cannot unmarshal number 1099511627776 into Go struct field ScaleSpec.spec.replicas of type int32"),
], ids=["spec-a-string", "metadata-a-list", "replicas-past-int32"])
def test_a_scale_put_of_the_wrong_types_is_400_and_writes_nothing(cluster, body, message):
    cluster.create(DEPLOY_PATH, deployment("web", replicas=1))
    before = cluster.store.current_revision()

    response = cluster.put(DEPLOY_PATH + "/web/scale", body)

    assert status_of(response) == (400, "BadRequest", f'Scale in version "v1" cannot be handled as a Scale: {message}')
    assert cluster.store.current_revision() == before


def test_pods_have_no_scale_subresource(cluster):
    cluster.create(POD_PATH, pod("web"))

    assert status_of(cluster.get(POD_PATH + "/web/scale"))[:2] == (404, "NotFound")


# ============================================================================ pods/binding
def binding(name: str, node: str) -> dict:
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


def test_binding_sets_node_name_and_pod_scheduled(cluster):
    cluster.create(POD_PATH, pod("web"))

    response = cluster.post(POD_PATH + "/web/binding", binding("web", "node-1"))

    assert response.code == 201
    assert response.body["kind"] == "Status" and response.body["status"] == "Success"
    bound = cluster.read(POD_PATH + "/web")
    assert bound["spec"]["nodeName"] == "node-1"
    assert {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
            "lastTransitionTime": "2024-01-01T00:00:00Z"} in bound["status"]["conditions"]


BINDING_REFUSAL_CASES = [
    ("already-bound", "web", binding("web", "node-2"), 409, "Conflict",
     'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"'),
    ("missing-pod", "nope", binding("nope", "node-2"), 404, "NotFound", 'pods "nope" not found'),
    ("no-target", "web", {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "web"}}, 422, "Invalid",
     'Binding "web" is invalid: target.name: Required value'),
    ("not-an-object", "web", [1], 400, "BadRequest",
     'Binding in version "v1" cannot be handled as a Binding: expected an object, got list'),
    ("target-a-string", "web", {"target": "node-2"}, 400, "BadRequest", 'Binding in version "v1" cannot be handled as '
     "a Binding: json: cannot unmarshal string into Go struct field Binding.target of type v1.ObjectReference"),
    ("node-a-number", "web", {"target": {"name": 2}}, 400, "BadRequest", 'Binding in version "v1" cannot be handled '
     "as a Binding: json: cannot unmarshal number into Go struct field ObjectReference.target.name of type string"),
]


@pytest.mark.parametrize("name,body,code,reason,message", **table(BINDING_REFUSAL_CASES))
def test_binding_refusals(cluster, name, body, code, reason, message):
    cluster.create(POD_PATH, pod("web"))
    cluster.post(POD_PATH + "/web/binding", binding("web", "node-1"))
    before = cluster.store.current_revision()

    response = cluster.post(f"{POD_PATH}/{name}/binding", body)

    assert status_of(response) == (code, reason, message)
    assert cluster.store.current_revision() == before
    assert cluster.read(POD_PATH + "/web")["spec"]["nodeName"] == "node-1"


def test_binding_a_pod_being_deleted_is_409(cluster):
    created = cluster.create(POD_PATH, pod("web"))
    cluster.store.update(registry_key("pods", "default", "web"),
                         {**created, "metadata": {**created["metadata"], "deletionTimestamp": "2024-01-01T00:00:00Z",
                                                  "finalizers": ["example.com/x"]}},
                         int(created["metadata"]["resourceVersion"]))

    response = cluster.post(POD_PATH + "/web/binding", binding("web", "node-1"))

    assert status_of(response) == (409, "Conflict", 'Operation cannot be fulfilled on pods/binding "web": pod web is '
                                                    "being deleted, cannot be assigned to a host")


# ============================================================================ dryRun
DRY_RUN_CASES = [
    ("create", "POST", CM_PATH, configmap("new", {"k": "v"}), 201, "ConfigMap"),
    ("update", "PUT", CM_PATH + "/web", configmap("web", {"k": "dry"}), 200, "ConfigMap"),
    ("patch", "PATCH", CM_PATH + "/web", {"data": {"k": "dry"}}, 200, "ConfigMap"),
    ("delete", "DELETE", CM_PATH + "/web", None, 200, "Status"),
    ("delete-with-finalizer", "DELETE", CM_PATH + "/held", None, 200, "ConfigMap"),
    ("delete-collection", "DELETE", CM_PATH, None, 200, "ConfigMapList"),
    ("graceful-pod-delete", "DELETE", POD_PATH + "/bound", None, 200, "Pod"),
    ("scale", "PATCH", DEPLOY_PATH + "/web/scale", {"spec": {"replicas": 9}}, 200, "Scale"),
]


@pytest.mark.parametrize("method,path,body,code,kind", **table(DRY_RUN_CASES))
def test_dry_run_answers_as_the_real_request_and_writes_nothing(cluster, method, path, body, code, kind):
    cluster.create(CM_PATH, configmap("web", {"k": "v"}))
    cluster.create(CM_PATH, configmap("held", finalizers=["example.com/x"]))
    cluster.create(POD_PATH, pod("bound", node="node-1"))
    cluster.create(DEPLOY_PATH, deployment("web"))
    before = cluster.store.current_revision()
    content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"

    response = cluster.request(method, path, body, query={"dryRun": "All"}, content_type=content_type)

    assert response.code == code, response.body
    assert response.body["kind"] == kind
    assert cluster.store.current_revision() == before
    if kind == "ConfigMap" and method != "DELETE":
        assert response.body["data"]["k"] in ("v", "dry")
    if path.endswith("/held") or path.endswith("/bound"):
        assert response.body["metadata"]["deletionTimestamp"]
        assert "deletionTimestamp" not in cluster.read(path)["metadata"]


def test_dry_run_create_of_an_existing_name_is_409(cluster):
    cluster.create(CM_PATH, configmap("web"))

    response = cluster.post(CM_PATH, configmap("web"), query={"dryRun": "All"})

    assert status_of(response) == (409, "AlreadyExists", 'configmaps "web" already exists')


# ============================================================================ authentication and authorization
AUTH_CASES = [
    # (token, method — WATCH is a GET with watch=true, path, code, reason, message, stages, rejected_by)
    ("no-token", None, "GET", POD_PATH, 401, "Unauthorized", "Unauthorized",
     [("authentication", "rejected")], ""),
    ("unknown-token", "stolen", "GET", POD_PATH, 401, "Unauthorized", "Unauthorized",
     [("authentication", "rejected")], "BearerToken"),
    ("alice-lists-pods", ALICE_TOKEN, "GET", POD_PATH, 403, "Forbidden",
     'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
     [("authentication", "passed"), ("authorization", "rejected")], "RBAC"),
    ("alice-gets-a-pod", ALICE_TOKEN, "GET", POD_PATH + "/web", 403, "Forbidden",
     'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"',
     [("authentication", "passed"), ("authorization", "rejected")], "RBAC"),
    ("alice-watches", ALICE_TOKEN, "WATCH", POD_PATH, 403, "Forbidden",
     'pods is forbidden: User "alice" cannot watch resource "pods" in API group "" in the namespace "default"',
     [("authentication", "passed"), ("authorization", "rejected")], "RBAC"),
    ("alice-creates-a-deployment", ALICE_TOKEN, "POST", DEPLOY_PATH, 403, "Forbidden",
     'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in '
     'the namespace "default"', [("authentication", "passed"), ("authorization", "rejected")], "RBAC"),
    ("alice-binds-a-pod", ALICE_TOKEN, "POST", POD_PATH + "/web/binding", 403, "Forbidden",
     'pods "web" is forbidden: User "alice" cannot create resource "pods/binding" in API group "" in the '
     'namespace "default"', [("authentication", "passed"), ("authorization", "rejected")], "RBAC"),
    ("alice-gets-a-node", ALICE_TOKEN, "GET", "/api/v1/nodes/node-1", 403, "Forbidden",
     'nodes "node-1" is forbidden: User "alice" cannot get resource "nodes" in API group "" at the cluster scope',
     [("authentication", "passed"), ("authorization", "rejected")], "RBAC"),
    ("admin-lists-pods", "admin-token", "GET", POD_PATH, 200, None, None,
     [("authentication", "passed"), ("authorization", "passed"), ("storage", "passed")], ""),
]


@pytest.mark.parametrize("token,method,path,code,reason,message,stages,rejected_by", **table(AUTH_CASES))
def test_authentication_and_authorization(cluster, token, method, path, code, reason, message, stages, rejected_by):
    query = {"watch": "true"} if method == "WATCH" else {}
    method = "GET" if method == "WATCH" else method
    cluster.create(POD_PATH, pod("web"))
    cluster.records.clear()

    response = cluster.request(method, path, deployment("x") if method == "POST" else None, query=query, token=token)

    assert response.code == code
    if reason:
        assert status_of(response) == (code, reason, message)
    record, = cluster.records
    assert [(s["stage"], s["result"]) for s in record.stages] == stages
    assert record.rejected_by == rejected_by and record.code == code
    assert "Authorization" not in str(record.as_dict()) and "stolen" not in str(record.as_dict())


@pytest.mark.parametrize("headers,expected", **table([
    ("known-token", {"Authorization": "Bearer admin-token"}, ("admin", ("system:masters", "system:authenticated"))),
    ("unknown-token", {"Authorization": "Bearer stolen"}, 401),
    ("no-credentials", {}, 401),
]))
def test_authenticate_answers_as_the_chain_without_an_audit_record(cluster, headers, expected):
    request = APIRequest("GET", "/clusters/demo/sim/", headers=headers)
    if isinstance(expected, int):
        with pytest.raises(StatusError) as refused:
            cluster.server.authenticate(request)
        assert (refused.value.code, refused.value.reason) == (expected, "Unauthorized")
    else:
        user = cluster.server.authenticate(request)
        assert (user.name, user.groups) == expected
    assert cluster.records == []


def test_audit_record_of_a_create_names_every_stage_and_the_revision(cluster):
    cluster.records.clear()

    created = cluster.create(POD_PATH, pod("web"))

    record, = cluster.records
    assert (record.user, record.verb, record.resource, record.namespace, record.name) == (
        "admin", "create", "pods", "default", "web")
    assert record.groups == ["system:masters", "system:authenticated"]
    assert [s["stage"] for s in record.stages] == ["authentication", "authorization", "mutating-admission",
                                                    "validation", "validating-admission", "storage"]
    assert all(s["result"] == "passed" for s in record.stages)
    assert record.stages[2]["plugins"][:3] == ["NamespaceLifecycle", "LimitRanger", "ServiceAccount"]
    assert record.revision == int(created["metadata"]["resourceVersion"]) and record.code == 201
    assert record.virtual_time == START_SECONDS


@pytest.mark.parametrize("path,body,stage,plugin,code", **table([
    ("validation", CM_PATH, configmap("Bad_Name"), "validation", "Validation", 422),
    ("namespace-lifecycle", "/api/v1/namespaces/nope/configmaps", configmap("web"), "mutating-admission",
     "NamespaceLifecycle", 404),
]))
def test_audit_record_names_the_plugin_that_refused(cluster, path, body, stage, plugin, code):
    cluster.records.clear()

    response = cluster.post(path, body)

    record, = cluster.records
    assert response.code == record.code == code
    assert record.rejected_by == plugin
    assert record.stages[-1]["stage"] == stage and record.stages[-1]["result"] == "rejected"
    assert record.message == response.body["message"] and record.revision is None


# ---------------------------------------------------------------------------- Service ClusterIPs
SVC_PATH = "/api/v1/namespaces/default/services"


def test_services_get_distinct_cluster_ips_and_a_taken_ip_is_refused(cluster) -> None:
    ip_a = cluster.create(SVC_PATH, {"metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}]}})["spec"]
    ip_b = cluster.create(SVC_PATH, {"metadata": {"name": "b"}, "spec": {"ports": [{"port": 80}]}})["spec"]
    assert ip_a["clusterIP"] != ip_b["clusterIP"] and ip_a["clusterIP"].startswith("10.")
    assert ip_a["clusterIPs"] == [ip_a["clusterIP"]]
    clash = cluster.post(SVC_PATH, {"metadata": {"name": "c"}, "spec": {"clusterIP": ip_a["clusterIP"],
                                                                       "ports": [{"port": 80}]}})
    assert clash.code == 422
    assert "provided IP is already allocated" in clash.body["message"]
    headless = cluster.create(SVC_PATH, {"metadata": {"name": "h"}, "spec": {"clusterIP": "None",
                                                                            "ports": [{"port": 80}]}})
    assert headless["spec"]["clusterIP"] == "None"


def test_node_port_services_get_their_node_ports(cluster) -> None:
    """As upstream's service registry: every port of a NodePort Service gets a nodePort from
    30000-32767 (drawn above the static band), one asked for is checked, and a Service changed to
    NodePort gets them on the update."""
    web = cluster.create(SVC_PATH, {"metadata": {"name": "web"}, "spec": {
        "type": "NodePort", "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}})["spec"]
    ports = [p["nodePort"] for p in web["ports"]]
    assert len(set(ports)) == 2 and all(30000 + 128 <= p <= 32767 for p in ports)
    fixed = cluster.create(SVC_PATH, {"metadata": {"name": "fixed"}, "spec": {
        "type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}})["spec"]
    assert fixed["ports"][0]["nodePort"] == 30080
    taken = cluster.post(SVC_PATH, {"metadata": {"name": "taken"}, "spec": {
        "type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}})
    assert (taken.code, taken.body["message"]) == (422, 'Service "taken" is invalid: spec.ports[0].nodePort: Invalid '
                                                         'value: 30080: provided port is already allocated')
    outside = cluster.post(SVC_PATH, {"metadata": {"name": "outside"}, "spec": {
        "type": "NodePort", "ports": [{"port": 80, "nodePort": 8080}]}})
    assert outside.body["message"] == ('Service "outside" is invalid: spec.ports[0].nodePort: Invalid value: 8080: '
                                       'provided port is not in the valid range. The range of valid ports is '
                                       '30000-32767')
    plain = cluster.create(SVC_PATH, {"metadata": {"name": "plain"}, "spec": {"ports": [{"port": 80}]}})
    assert "nodePort" not in plain["spec"]["ports"][0]
    patched = cluster.patch(f"{SVC_PATH}/plain", {"spec": {"type": "NodePort"}})
    assert 30000 <= patched.body["spec"]["ports"][0]["nodePort"] <= 32767


# ---------------------------------------------------------------------------- fieldValidation
TYPO_DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "typo"}, "spec": {
    "selector": {"matchLabels": {"app": "t"}}, "template": {"metadata": {"labels": {"app": "t"}}, "spec": {
        "containers": [{"name": "c", "image": "nginx", "imagePullPolice": "Always"}]}}}}


@pytest.mark.parametrize("mode, code, stored", [("Strict", 400, False), ("Warn", 201, True), ("Ignore", 201, True),
                                                ("", 201, True)], ids=["strict", "warn", "ignore", "default"])
def test_field_validation_of_unknown_fields(cluster, mode, code, stored) -> None:
    response = cluster.post(DEPLOY_PATH, TYPO_DEPLOYMENT, query={"fieldValidation": mode} if mode else None)
    assert response.code == code
    if mode == "Strict":
        assert response.body["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: strict '
                                            'decoding error: unknown field '
                                            '"spec.template.spec.containers[0].imagePullPolice"')
    if mode == "Warn":
        assert "imagePullPolice" in response.headers["Warning"]
    assert cluster.exists(f"{DEPLOY_PATH}/typo") is stored


@pytest.mark.parametrize("mode, code, where, text", [
    ("Warn", 201, "header", r'299 - "unknown field \"a\\nb\\\"c\""'),
    ("Strict", 400, "message", r'strict decoding error: unknown field "a\nb\"c"'),
], ids=["warn-header", "strict-message"])
def test_an_unknown_field_named_with_control_characters_is_quoted_as_go_quotes_it(cluster, mode, code, where, text):
    """A newline in a Warning header would end it (and start another): the decoder names the
    field with ``%q``, and the header quotes that again, as upstream's ``NewWarningHeader``."""
    response = cluster.post(CM_PATH, {"metadata": {"name": "x"}, 'a\nb"c': 1}, query={"fieldValidation": mode})

    assert response.code == code
    got = response.headers["Warning"] if where == "header" else response.body["message"]
    assert got.endswith(text)


def test_strict_patch_is_judged_by_the_fields_it_adds(cluster) -> None:
    cluster.create(CM_PATH, {"metadata": {"name": "cfg"}, "data": {"a": "1"}})
    ok = cluster.patch(f"{CM_PATH}/cfg", {"data": {"b": "2"}}, query={"fieldValidation": "Strict"})
    assert ok.code == 200
    bad = cluster.patch(f"{CM_PATH}/cfg", {"dta": {"b": "2"}}, query={"fieldValidation": "Strict"})
    assert bad.code == 400 and 'unknown field "dta"' in bad.body["message"]
