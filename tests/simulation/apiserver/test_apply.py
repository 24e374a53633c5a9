"""Server-side apply and the ownership record of every write (simulation/apiserver/apply.py and
its wiring in registry.py).

Messages, codes and managedFields shapes are kube-apiserver v1.33's (structured-merge-diff and
k8s.io/apiserver's fieldmanager); see /work/shared/kube-api-wire.md §7.4 and log 87.
"""
from __future__ import annotations

import copy
import json

import pytest

from simulation.apiserver import apply
from simulation.apiserver import managedfields as mf
from tests.simulation.apiserver.server_fixtures import CM_PATH, DEPLOY_PATH, Cluster, table

APPLY = "application/apply-patch+yaml"
DEPLOYMENT = mf.type_for("apps", "v1", "Deployment")
CONFIGMAP = mf.type_for("", "v1", "ConfigMap")
T0, T1 = "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"


def writer(manager: str = "kubectl", time: str = T0, subresource: str = "") -> apply.Writer:
    return apply.Writer(manager, "apps/v1", subresource, time)


def web(replicas: int | None = 2, image: str = "nginx:1.27", **labels: str) -> dict:
    """An applied Deployment configuration."""
    spec: dict = {"selector": {"matchLabels": {"app": "web"}}, "template": {
        "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": image}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web",
                                                                                                 **labels}},
            "spec": spec}


def owners(obj: dict) -> dict[str, dict]:
    return {e["manager"]: e["fieldsV1"] for e in obj["metadata"].get("managedFields", [])}


# ------------------------------------------------------------------ merging
C = ("spec", "template", "spec", "containers")
MERGES = [
    ("config-wins-on-leaves", CONFIGMAP, {"data": {"a": "1", "b": "2"}}, {"data": {"a": "9"}},
     {"data": {"a": "9", "b": "2"}}),
    ("null-unsets", CONFIGMAP, {"data": {"a": "1", "b": "2"}}, {"data": {"a": None}}, {"data": {"b": "2"}}),
    ("atomic-selector-replaced-whole", DEPLOYMENT, {"spec": {"selector": {"matchLabels": {"a": "1", "b": "2"}}}},
     {"spec": {"selector": {"matchLabels": {"a": "1"}}}}, {"spec": {"selector": {"matchLabels": {"a": "1"}}}}),
    ("keyed-items-merge-live-only-items-stay", DEPLOYMENT,
     {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "1", "tty": True}, {"name": "b"}]}}}},
     {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "2"}]}}}},
     {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "2", "tty": True}, {"name": "b"}]}}}}),
    ("new-items-follow-the-config-order", DEPLOYMENT,
     {"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}},
     {"spec": {"template": {"spec": {"containers": [{"name": "c"}, {"name": "b"}]}}}},
     {"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "c"}, {"name": "b"}]}}}}),
    ("set-lists-merge-by-value", mf.type_for("", "v1", "Pod"), {"metadata": {"finalizers": ["x", "y"]}},
     {"metadata": {"finalizers": ["z", "x"]}}, {"metadata": {"finalizers": ["z", "x", "y"]}}),
    ("atomic-lists-replaced", mf.type_for("", "v1", "Pod"), {"spec": {"tolerations": [{"key": "a"}]}},
     {"spec": {"tolerations": [{"key": "b"}]}}, {"spec": {"tolerations": [{"key": "b"}]}}),
]


@pytest.mark.parametrize("typ,live,config,merged", **table(MERGES))
def test_merge(typ, live, config, merged):
    before = copy.deepcopy(live)
    assert apply.merge(live, config, typ) == merged
    assert live == before


# ------------------------------------------------------------------ apply, without the server
def test_first_apply_owns_exactly_the_applied_fields():
    obj = apply.apply(None, web(), writer(), False, DEPLOYMENT)
    [entry] = obj["metadata"]["managedFields"]
    assert entry == {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T0,
                     "fieldsType": "FieldsV1", "fieldsV1": {
                         "f:metadata": {"f:labels": {"f:app": {}}},
                         "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {
                             "f:metadata": {"f:labels": {"f:app": {}}},
                             "f:spec": {"f:containers": {'k:{"name":"nginx"}': {
                                 ".": {}, "f:image": {}, "f:name": {}}}}}}}}


def test_reapplying_the_same_configuration_changes_nothing():
    live = apply.apply(None, web(), writer(), False, DEPLOYMENT)
    assert apply.apply(live, web(), writer(time=T1), False, DEPLOYMENT) == live  # time kept too


CONFLICTS = [
    ("one", {"spec": {"replicas": 5}}, [("scaler", ("f:spec", "f:replicas"))],
     'Apply failed with 1 conflict: conflict with "scaler" using apps/v1: .spec.replicas'),
    ("two-managers", {"spec": {"replicas": 5}, "metadata": {"labels": {"app": "web", "tier": "x"}}},
     [("scaler", ("f:spec", "f:replicas")), ("labeller", ("f:metadata", "f:labels", "f:tier"))],
     'Apply failed with 2 conflicts: conflicts with "labeller" using apps/v1:\n- .metadata.labels.tier\n'
     'conflicts with "scaler" using apps/v1:\n- .spec.replicas'),
]


@pytest.mark.parametrize("change,owned,message", **table(CONFLICTS))
def test_conflicts_with_other_managers_values(change, owned, message):
    live = apply.apply(None, web(tier="y"), writer(), False, DEPLOYMENT)
    live["metadata"]["managedFields"] = [{"manager": manager, "operation": "Update", "apiVersion": "apps/v1",
                                          "fieldsType": "FieldsV1", "fieldsV1": mf.to_fields_v1({path})}
                                         for manager, path in owned]
    config = web(replicas=2)
    config["spec"]["replicas"] = change["spec"]["replicas"]
    config["metadata"] = {**config["metadata"], **change.get("metadata", {})}
    with pytest.raises(apply.ApplyConflict) as raised:
        apply.apply(live, config, writer("other"), False, DEPLOYMENT)
    assert raised.value.message == message
    assert [c["field"] for c in raised.value.causes()] == sorted(
        (mf.path_string(p) for _, p in owned), key=lambda f: 0 if "labels" in f else 1)
    assert all(c["reason"] == "FieldManagerConflict" for c in raised.value.causes())


def test_force_moves_ownership_and_same_value_co_owns():
    live = apply.apply(None, web(replicas=2), writer("a"), False, DEPLOYMENT)
    shared = apply.apply(live, web(replicas=2), writer("b", T1), False, DEPLOYMENT)
    assert "f:replicas" in owners(shared)["a"]["f:spec"] and "f:replicas" in owners(shared)["b"]["f:spec"]
    forced = apply.apply(shared, web(replicas=3), writer("c", T1), True, DEPLOYMENT)
    assert forced["spec"]["replicas"] == 3
    assert {m for m, f in owners(forced).items() if "f:replicas" in f.get("f:spec", {})} == {"c"}


def test_fields_no_longer_applied_are_removed_unless_someone_else_owns_them():
    first = web(tier="web", team="a")
    first["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox"})
    live = apply.apply(None, first, writer("a"), False, DEPLOYMENT)
    live = apply.apply(live, web(team="a"), writer("b"), False, DEPLOYMENT)  # b co-owns labels.team
    after = apply.apply(live, web(), writer("a", T1), False, DEPLOYMENT)
    assert after["metadata"]["labels"] == {"app": "web", "team": "a"}
    assert [c["name"] for c in after["spec"]["template"]["spec"]["containers"]] == ["nginx"]


def test_kubectl_takes_over_what_client_side_apply_recorded():
    """Upstream's lastAppliedManager: the first ``kubectl apply --server-side`` after client-side
    applies does not conflict over fields whose live values still match last-applied."""
    csa = web(replicas=2)
    live = apply.record_update(None, csa, writer("kubectl-client-side-apply"), DEPLOYMENT)
    live["metadata"]["annotations"] = {apply.LAST_APPLIED: json.dumps(csa)}
    live["apiVersion"] = "apps/v1"
    taken = apply.apply(live, web(replicas=3), writer("kubectl", T1), False, DEPLOYMENT)
    assert taken["spec"]["replicas"] == 3
    assert json.loads(taken["metadata"]["annotations"][apply.LAST_APPLIED])["spec"]["replicas"] == 3
    with pytest.raises(apply.ApplyConflict):  # any other manager name conflicts
        apply.apply(live, web(replicas=3), writer("deployer", T1), False, DEPLOYMENT)


# ------------------------------------------------------------------ ordinary writes
def test_an_update_takes_what_it_changed_and_removal_disowns():
    live = apply.apply(None, web(team="a"), writer("kubectl"), False, DEPLOYMENT)
    edited = copy.deepcopy(live)
    edited["spec"]["replicas"] = 7
    del edited["metadata"]["labels"]["team"]
    after = apply.record_update(live, edited, writer("kubectl-edit", T1), DEPLOYMENT)
    assert owners(after)["kubectl-edit"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in owners(after)["kubectl"]["f:spec"]
    assert owners(after)["kubectl"]["f:metadata"] == {"f:labels": {"f:app": {}}}
    assert after["metadata"]["managedFields"][1]["time"] == T1


RESETS = [
    ("sent-entries-are-used", [{"manager": "x", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
                                "fieldsV1": {"f:data": {"f:a": {}}}}], "", {"x"}),
    ("empty-list-resets", [], "", set()),
    ("absent-keeps-the-stored-ones", None, "", {"old"}),
    ("subresource-ignores-what-was-sent", [], "status", {"old"}),
    ("unreadable-entries-keep-the-stored-ones", [{"manager": "x", "fieldsType": "FieldsV2"}], "", {"old"}),
]


@pytest.mark.parametrize("sent,subresource,managers", **table(RESETS))
def test_which_managed_fields_an_update_starts_from(sent, subresource, managers):
    old = {"metadata": {"name": "c", "managedFields": [{
        "manager": "old", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {"f:a": {}}}}]}, "data": {"a": "1"}}
    new = copy.deepcopy(old)
    if sent is None:
        del new["metadata"]["managedFields"]
    else:
        new["metadata"]["managedFields"] = sent
    result = apply.record_update(old, new, apply.Writer("w", "v1", subresource, T1), CONFIGMAP)
    assert {e["manager"] for e in result["metadata"].get("managedFields", [])} == managers


def test_update_managers_beyond_ten_merge_into_ancient_changes():
    obj = {"metadata": {"name": "c"}, "data": {}}
    for i in range(12):
        new = copy.deepcopy(obj)
        new["data"][f"k{i}"] = "v"
        obj = apply.record_update(obj, new, apply.Writer(f"m{i:02}", "v1", "", f"2024-01-01T00:00:{i:02}Z"),
                                  CONFIGMAP)
    entries = obj["metadata"]["managedFields"]
    assert [e["manager"] for e in entries] == ["ancient-changes"] + [f"m{i:02}" for i in range(2, 12)]
    assert entries[0]["fieldsV1"] == {"f:data": {"f:k0": {}, "f:k1": {}}}


# ------------------------------------------------------------------ through the API server
@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


def ssa(cluster: Cluster, body, manager: str | None = "kubectl", path: str = DEPLOY_PATH + "/web",
        **query: str):
    if manager is not None:
        query["fieldManager"] = manager
    return cluster.request("PATCH", path, body, query=query, content_type=APPLY)


def test_apply_creates_then_updates(cluster):
    created = ssa(cluster, web())
    assert created.code == 201, created.body
    assert created.body["metadata"]["generation"] == 1 and created.body["spec"]["strategy"]["type"] == "RollingUpdate"
    updated = ssa(cluster, web(replicas=4))
    assert (updated.code, updated.body["spec"]["replicas"], updated.body["metadata"]["generation"]) == (200, 4, 2)
    unchanged = ssa(cluster, web(replicas=4))
    assert unchanged.code == 200
    assert unchanged.body["metadata"]["resourceVersion"] == updated.body["metadata"]["resourceVersion"]


def test_apply_accepts_yaml(cluster):
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n"
    response = ssa(cluster, body, path=CM_PATH + "/c")
    assert (response.code, response.body["data"]) == (201, {"k": "v"}), response.body


def test_conflict_is_a_409_status_with_causes(cluster):
    ssa(cluster, web(replicas=2))
    scaled = cluster.patch(DEPLOY_PATH + "/web/scale", {"spec": {"replicas": 5}},
                           headers={"User-Agent": "kubectl/v1.33.1 (linux/amd64) kubernetes/abc"})
    assert scaled.code == 200, scaled.body
    response = ssa(cluster, web(replicas=2))
    assert response.code == 409
    assert response.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Conflict", "code": 409,
        "message": 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: '
                   '.spec.replicas',
        "details": {"causes": [{"reason": "FieldManagerConflict", "field": ".spec.replicas",
                                "message": 'conflict with "kubectl" with subresource "scale" using apps/v1'}]}}
    forced = ssa(cluster, web(replicas=2), force="true")
    assert (forced.code, forced.body["spec"]["replicas"]) == (200, 2)
    assert [e["manager"] for e in forced.body["metadata"]["managedFields"]] == ["kubectl"]


def test_writes_are_recorded_for_the_field_manager_or_the_user_agent(cluster):
    created = cluster.post(CM_PATH, {"metadata": {"name": "c"}, "data": {"a": "1"}},
                           headers={"User-Agent": "python/3.11 urllib"})
    assert [(e["manager"], e["operation"]) for e in created.body["metadata"]["managedFields"]] == [
        ("python", "Update")]
    patched = cluster.patch(CM_PATH + "/c", {"data": {"b": "2"}}, query={"fieldManager": "kubectl-edit"})
    assert owners(patched.body) == {"python": {"f:data": {".": {}, "f:a": {}}}, "kubectl-edit": {"f:data": {"f:b": {}}}}


REFUSALS = [
    ("no-field-manager", None, web(), {}, 422, "Invalid",
     'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'),
    ("manager-too-long", "m" * 129, web(), {}, 422, "Invalid",
     'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes'),
    ("wrong-kind", "kubectl", {**web(), "kind": "ReplicaSet"}, {}, 400, "BadRequest",
     "invalid object type: apps/v1, Kind=ReplicaSet"),
    ("managed-fields-sent", "kubectl", {**web(), "metadata": {"name": "web", "managedFields": []}}, {}, 400,
     "BadRequest", "metadata.managedFields must be nil"),
    ("name-mismatch", "kubectl", {**web(), "metadata": {"name": "other"}}, {}, 400, "BadRequest",
     "the name of the object (other) does not match the name on the URL (web)"),
    ("not-yaml", "kubectl", b"a: [", {}, 400, "BadRequest", None),
    ("invalid-object", "kubectl", web(replicas=-1), {}, 422, "Invalid", None),
    ("keyed-item-without-key", "kubectl",
     {**web(), "spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}, {}, 400, "BadRequest",
     'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: '
     'element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default '
     'value)'),
    ("undeclared-field", "kubectl", {**web(), "spec": {"replica": 1}}, {"fieldValidation": "Ignore"}, 400,
     "BadRequest",
     "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replica: field not "
     "declared in schema"),
    ("dry-run", "kubectl", web(), {"dryRun": "All"}, 201, None, None),
]


@pytest.mark.parametrize("manager,body,query,code,reason,message", **table(REFUSALS))
def test_bad_applies_write_nothing(cluster, manager, body, query, code, reason, message):
    before = cluster.store.current_revision()
    response = ssa(cluster, body, manager, **query)
    assert response.code == code, response.body
    if reason is not None:
        assert response.body["reason"] == reason
    if message:
        assert response.body["message"] == message
    assert cluster.store.current_revision() == before
    assert cluster.get(DEPLOY_PATH + "/web").code == 404


def test_dry_run_apply_over_an_object_stores_nothing(cluster):
    stored = ssa(cluster, web(replicas=2)).body
    before = cluster.store.current_revision()
    response = ssa(cluster, web(replicas=3), dryRun="All")
    assert (response.code, response.body["spec"]["replicas"]) == (200, 3)
    assert cluster.store.current_revision() == before
    assert cluster.read(DEPLOY_PATH + "/web") == stored


def test_apply_over_a_created_object_conflicts_only_where_values_differ(cluster):
    created = cluster.post(DEPLOY_PATH, web(replicas=2), query={"fieldManager": "kubectl-create"})
    assert created.code == 201, created.body
    same = ssa(cluster, web(replicas=2))
    assert same.code == 200 and same.body["metadata"]["resourceVersion"] != created.body["metadata"][
        "resourceVersion"]  # nothing changed but who owns it: the new owner is written down
    response = ssa(cluster, web(replicas=2, image="nginx:1.28"))
    assert response.code == 409
    assert response.body["message"] == ('Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: '
                                        '.spec.template.spec.containers[name="nginx"].image')


def test_apply_to_a_subresource_is_not_supported(cluster):
    ssa(cluster, web())
    response = ssa(cluster, web(), path=DEPLOY_PATH + "/web/status")
    assert (response.code, response.body["reason"]) == (415, "UnsupportedMediaType")


def test_force_is_refused_on_other_patches(cluster):
    cluster.create(CM_PATH, {"metadata": {"name": "c"}})
    response = cluster.patch(CM_PATH + "/c", {"data": {"a": "1"}}, query={"force": "true"})
    assert (response.code, response.body["message"]) == (
        422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch')


def test_status_writes_record_the_subresource(cluster):
    ssa(cluster, web())
    obj = cluster.read(DEPLOY_PATH + "/web")
    obj["status"] = {"replicas": 1}
    response = cluster.put(DEPLOY_PATH + "/web/status", obj, query={"fieldManager": "kube-controller-manager"})
    assert response.code == 200, response.body
    entry = next(e for e in response.body["metadata"]["managedFields"] if e["manager"] == "kube-controller-manager")
    assert (entry["subresource"], entry["fieldsV1"]) == ("status", {"f:status": {"f:replicas": {}}})
