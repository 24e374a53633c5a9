"""The OpenAPI v3 documents and the schemas behind them (kubectl's validation gate, explain, SMP)."""
from __future__ import annotations

import re

import pytest

from simulation.apimachinery import resources
from simulation.apiserver import openapi
from simulation.apiserver.schemas import KINDS, REF_PREFIX, SCHEMAS, resolve, schema_for, unknown_fields
from tests.simulation.apiserver.server_fixtures import configmap, deployment, pod, table

SERVED = [(f"{r.group or 'core'}/{r.version}/{r.kind}", r) for r in resources.RESOURCES]
GVS = [(f"{g or 'core'}/{v}", (g, v)) for g, v in resources.group_versions()]


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def _field(group: str, version: str, kind: str, dotted: str) -> dict:
    """The schema of a field, walked like ``kubectl explain`` does (arrays step into items)."""
    schema = SCHEMAS[schema_for(group, version, kind)]
    for part in dotted.split("."):
        schema = resolve(schema)
        if schema.get("type") == "array":
            schema = resolve(schema["items"])
        prop = schema["properties"][part]
        if part == dotted.split(".")[-1]:
            return prop
        schema = prop
    raise AssertionError(dotted)


# ---------------------------------------------------------------------------- schemas
@pytest.mark.parametrize("rt", **table(SERVED))
def test_every_served_kind_has_a_schema_tagged_with_its_gvk(rt):
    name = schema_for(rt.group, rt.version, rt.kind)
    assert name is not None
    schema = SCHEMAS[name]
    assert {"group": rt.group, "version": rt.version, "kind": rt.kind} in schema["x-kubernetes-group-version-kind"]
    assert {"apiVersion", "kind", "metadata"} <= schema["properties"].keys()
    assert schema["description"]
    if not rt.create_only:
        assert schema_for(rt.group, rt.version, rt.list_kind) is not None


@pytest.mark.parametrize("expected", **table([
    ("pod", ("io.k8s.api.core.v1.Pod", ("", "v1", "Pod"))),
    ("deployment", ("io.k8s.api.apps.v1.Deployment", ("apps", "v1", "Deployment"))),
    ("scale", ("io.k8s.api.autoscaling.v1.Scale", ("autoscaling", "v1", "Scale"))),
    ("role", ("io.k8s.api.rbac.v1.Role", ("rbac.authorization.k8s.io", "v1", "Role"))),
    ("lease", ("io.k8s.api.coordination.v1.Lease", ("coordination.k8s.io", "v1", "Lease"))),
]))
def test_schemas_are_named_like_upstream(expected):
    assert KINDS[expected[1]] == expected[0]


def test_every_ref_resolves_and_every_property_is_described():
    for name, schema in SCHEMAS.items():
        for r in _refs(schema):
            assert r.startswith(REF_PREFIX) and r[len(REF_PREFIX):] in SCHEMAS, (name, r)
        assert schema.get("description"), name
        for prop, sub in schema.get("properties", {}).items():
            if prop not in ("apiVersion", "kind"):
                assert sub.get("description"), f"{name}.{prop}"
        for req in schema.get("required", ()):
            assert req in schema["properties"], (name, req)


def test_embedded_structs_are_wrapped_in_allof_with_a_default():
    prop = SCHEMAS["io.k8s.api.core.v1.Pod"]["properties"]["spec"]
    assert prop == {"allOf": [{"$ref": REF_PREFIX + "io.k8s.api.core.v1.PodSpec"}], "default": {},
                    "description": prop["description"]}


@pytest.mark.parametrize("extensions", **table([
    ("containers", ("core", "Pod", "spec.containers", "name", "merge", "map", ["name"])),
    ("initContainers", ("core", "Pod", "spec.initContainers", "name", "merge", "map", ["name"])),
    ("volumes", ("core", "Pod", "spec.volumes", "name", "merge,retainKeys", "map", ["name"])),
    ("env", ("core", "Pod", "spec.containers.env", "name", "merge", "map", ["name"])),
    ("container ports", ("core", "Pod", "spec.containers.ports", "containerPort", "merge", "map",
                         ["containerPort", "protocol"])),
    ("volumeMounts", ("core", "Pod", "spec.containers.volumeMounts", "mountPath", "merge", "map", ["mountPath"])),
    ("service ports", ("core", "Service", "spec.ports", "port", "merge", "map", ["port", "protocol"])),
    ("pod conditions", ("core", "Pod", "status.conditions", "type", "merge", "map", ["type"])),
    ("deploy conditions", ("apps", "Deployment", "status.conditions", "type", "merge", "map", ["type"])),
    ("tolerations", ("core", "Pod", "spec.tolerations", None, None, "atomic", None)),
    ("finalizers", ("core", "Pod", "metadata.finalizers", None, "merge", "set", None)),
    ("ownerReferences", ("apps", "ReplicaSet", "metadata.ownerReferences", "uid", "merge", "map", ["uid"])),
]))
def test_list_patch_extensions_match_upstream(extensions):
    group, kind, path, key, strategy, list_type, map_keys = extensions
    prop = _field("" if group == "core" else group, "v1", kind, path)
    assert prop.get("x-kubernetes-patch-merge-key") == key
    assert prop.get("x-kubernetes-patch-strategy") == strategy
    assert prop.get("x-kubernetes-list-type") == list_type
    assert prop.get("x-kubernetes-list-map-keys") == map_keys


def test_map_list_keys_are_fields_of_the_items():
    for name, schema in SCHEMAS.items():
        for prop, sub in schema.get("properties", {}).items():
            keys = sub.get("x-kubernetes-list-map-keys") or []
            if keys and "properties" in resolve(sub["items"]):
                assert set(keys) <= resolve(sub["items"])["properties"].keys(), f"{name}.{prop}"


@pytest.mark.parametrize("expected", **table([
    ("replicas", ("apps", "Deployment", "spec.replicas", {"type": "integer", "format": "int32"})),
    ("image", ("", "Pod", "spec.containers.image", {"type": "string"})),
    ("maxSurge", ("apps", "Deployment", "spec.strategy.rollingUpdate.maxSurge", {"allOf": [{
        "$ref": REF_PREFIX + "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]})),
    ("requests", ("", "Pod", "spec.containers.resources.requests", {"type": "object"})),
    ("labels", ("", "ConfigMap", "metadata.labels", {"type": "object"})),
    ("secret data", ("", "Secret", "data", {"type": "object"})),
]))
def test_common_fields_have_their_types(expected):
    group, kind, path, subset = expected
    prop = _field(group, "v1", kind, path)
    assert {k: prop.get(k) for k in subset} == subset


def test_quantity_and_int_or_string_are_marked_int_or_string():
    assert SCHEMAS["io.k8s.apimachinery.pkg.api.resource.Quantity"]["x-kubernetes-int-or-string"] is True
    assert SCHEMAS["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["x-kubernetes-int-or-string"] is True


# ---------------------------------------------------------------------------- documents
def test_root_lists_every_group_version_with_a_stable_hash():
    root = openapi.root_document()
    assert set(root["paths"]) == {"api/v1" if not g else f"apis/{g}/{v}" for g, v in resources.group_versions()}
    for prefix, entry in root["paths"].items():
        assert re.fullmatch(rf"/openapi/v3/{re.escape(prefix)}\?hash=[0-9A-F]{{128}}", entry["serverRelativeURL"])
    assert openapi.root_document() == root


def test_unknown_group_version_has_no_document():
    assert openapi.group_version_document("example.com", "v1") is None
    assert openapi.group_version_document("apps", "v2") is None


def test_documents_are_copies():
    doc = openapi.group_version_document("apps", "v1")
    doc["paths"].clear()
    assert openapi.group_version_document("apps", "v1")["paths"]


@pytest.mark.parametrize("gv", **table(GVS))
def test_document_refs_resolve_inside_the_document(gv):
    doc = openapi.group_version_document(*gv)
    assert doc["openapi"].startswith("3.")
    components = doc["components"]["schemas"]
    for r in _refs(doc):
        assert r[len(REF_PREFIX):] in components, r


@pytest.mark.parametrize("rt", **table(SERVED))
def test_every_kind_passes_kubectls_validation_gate(rt):
    """kubectl looks for a PATCH (or, for create-only kinds, nothing more than) op tagged with the GVK that
    lists ``fieldValidation``; apply builds strategic merge patches from the schema when the PATCH op accepts them."""
    doc = openapi.group_version_document(rt.group, rt.version)
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    ops = [(p, m, op) for p, m, op in _operations(doc) if op["x-kubernetes-group-version-kind"] == gvk]
    methods = {m for _, m, _ in ops}
    if rt.create_only:
        assert methods == {"post"}
        return
    assert "get" in methods
    patches = [op for _, m, op in ops if m == "patch"]
    if "patch" not in rt.verbs:
        assert not patches
        return
    assert patches
    for op in patches:
        assert "fieldValidation" in {p["name"] for p in op["parameters"]}
        assert "application/strategic-merge-patch+json" in op["requestBody"]["content"]
    kind_schema = doc["components"]["schemas"][schema_for(rt.group, rt.version, rt.kind)]
    assert kind_schema["x-kubernetes-group-version-kind"][0] == gvk


@pytest.mark.parametrize("path,method,schema", **table([
    ("pod get", ("/api/v1/namespaces/{namespace}/pods/{name}", "get", "io.k8s.api.core.v1.Pod")),
    ("pod list", ("/api/v1/namespaces/{namespace}/pods", "get", "io.k8s.api.core.v1.PodList")),
    ("pod list all", ("/api/v1/pods", "get", "io.k8s.api.core.v1.PodList")),
    ("pod delete", ("/api/v1/namespaces/{namespace}/pods/{name}", "delete",
                    "io.k8s.apimachinery.pkg.apis.meta.v1.Status")),
    ("node status", ("/api/v1/nodes/{name}/status", "patch", "io.k8s.api.core.v1.Node")),
    ("binding", ("/api/v1/namespaces/{namespace}/pods/{name}/binding", "post", "io.k8s.api.core.v1.Binding")),
    ("cs", ("/api/v1/componentstatuses/{name}", "get", "io.k8s.api.core.v1.ComponentStatus")),
    ("scale", ("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "put",
               "io.k8s.api.autoscaling.v1.Scale")),
    ("ssar", ("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "post",
              "io.k8s.api.authorization.v1.SelfSubjectAccessReview")),
]))
def test_operations_answer_with_the_kinds_schema(path, method, schema):
    group = "" if path.startswith("/api/") else path.split("/")[2]
    doc = openapi.group_version_document(group, "v1")
    op = doc["paths"][path][method]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": REF_PREFIX + schema}


def test_read_only_kinds_offer_no_writes():
    doc = openapi.group_version_document("", "v1")
    assert set(doc["paths"]["/api/v1/componentstatuses/{name}"]) == {"parameters", "get"}
    assert set(doc["paths"]["/api/v1/componentstatuses"]) == {"parameters", "get"}


# ---------------------------------------------------------------------------- unknown_fields
def _typo_deploy():
    d = deployment()
    d["spec"]["foo"] = 1
    d["spec"]["template"]["spec"]["containers"].append({"name": "b", "image": "x", "imagePullPolice": "Always"})
    return d


UNKNOWN_CASES = [
    ("clean pod", ("", "v1", "Pod", pod(labels={"a": "b"}), [])),
    ("clean deployment", ("apps", "v1", "Deployment", deployment(), [])),
    ("clean configmap", ("", "v1", "ConfigMap", configmap("c", {"k": "v"}), [])),
    ("typos in a deployment", ("apps", "v1", "Deployment", _typo_deploy(),
                               [".spec.template.spec.containers[1].imagePullPolice", ".spec.foo"])),
    ("top level", ("", "v1", "ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                           "datum": {}}, [".datum"])),
    ("metadata", ("", "v1", "Pod", {"metadata": {"name": "p", "label": {}}}, [".metadata.label"])),
    ("map values are free", ("", "v1", "Pod", {"metadata": {"labels": {"anything": "x"},
                                                            "annotations": {"b": "c"}}}, [])),
    ("quantities", ("", "v1", "Pod", {"spec": {"containers": [{"name": "a", "resources": {
        "limits": {"cpu": "1", "memory": 5}, "requets": {}}}]}},
        [".spec.containers[0].resources.requets"])),
    ("env valueFrom", ("", "v1", "Pod", {"spec": {"containers": [{"name": "a", "env": [
        {"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name", "bogus": 1}}}]}]}},
        [".spec.containers[0].env[0].valueFrom.fieldRef.bogus"])),
    ("probe", ("", "v1", "Pod", {"spec": {"containers": [{"name": "a", "livenessProbe": {
        "httpGet": {"port": "http", "pth": "/"}, "periodSeconds": 5}}]}},
        [".spec.containers[0].livenessProbe.httpGet.pth"])),
    ("preserve-unknown subtree", ("", "v1", "Pod", {"spec": {"affinity": {"nodeAffinity": {"whatever": 1}},
                                                             "containers": [{"lifecycle": {"preStop": {
                                                                 "x": 1}}}]}}, [])),
    ("security context", ("", "v1", "Pod", {"spec": {"securityContext": {"runAsUser": 1, "fsgroup": 2},
                                                     "containers": [{"securityContext": {
                                                         "capabilities": {"drop": ["ALL"], "ad": []}}}]}},
                          [".spec.securityContext.fsgroup", ".spec.containers[0].securityContext.capabilities.ad"])),
    ("volume sources", ("", "v1", "Pod", {"spec": {"volumes": [
        {"name": "a", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "b", "nfs": {"server": "s"}},
        {"name": "c", "configMap": {"name": "cm", "itms": []}}]}}, [".spec.volumes[2].configMap.itms"])),
    ("service", ("", "v1", "Service", {"spec": {"ports": [{"port": 80, "targetPort": "http", "nodeport": 1}],
                                                "selector": {"app": "x"}}}, [".spec.ports[0].nodeport"])),
    ("rbac", ("rbac.authorization.k8s.io", "v1", "Role", {"rules": [{"verbs": ["get"], "resource": ["pods"]}]},
              [".rules[0].resource"])),
    ("lease", ("coordination.k8s.io", "v1", "Lease", {"spec": {"holderIdentity": "a", "renewTime": "x",
                                                               "holder": "b"}}, [".spec.holder"])),
    ("scale", ("autoscaling", "v1", "Scale", {"spec": {"replicas": 2, "replica": 3}}, [".spec.replica"])),
    ("type mismatch is not an unknown field", ("", "v1", "Pod", {"spec": {"containers": {"a": 1}}}, [])),
    ("unknown kind", ("example.com", "v1", "Widget", {"spec": {"x": 1}}, [])),
    ("node", ("", "v1", "Node", {"spec": {"taints": [{"key": "k", "effect": "NoSchedule", "efect": 1}]},
                                 "status": {"capacity": {"cpu": "4"}, "nodeInfo": {"kubeletVersion": "v1"}}},
              [".spec.taints[0].efect"])),
]


@pytest.mark.parametrize("group,version,kind,obj,expected", **table(UNKNOWN_CASES))
def test_unknown_fields(group, version, kind, obj, expected):
    assert unknown_fields(group, version, kind, obj) == expected


def test_unknown_fields_is_reexported_by_openapi():
    assert openapi.unknown_fields is unknown_fields


# ---------------------------------------------------------------------------- round trip through the server
def _rich_pod() -> dict:
    p = pod("rich", labels={"app": "rich"})
    p["spec"].update({
        "containers": [{
            "name": "app", "image": "nginx:1.27", "args": ["-g"], "ports": [{"containerPort": 80, "name": "http"}],
            "env": [{"name": "A", "value": "1"},
                    {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
            "envFrom": [{"configMapRef": {"name": "cfg"}}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": 1}},
            "livenessProbe": {"httpGet": {"path": "/", "port": "http"}, "initialDelaySeconds": 3},
            "readinessProbe": {"tcpSocket": {"port": 80}}, "startupProbe": {"exec": {"command": ["true"]}},
            "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/c"}],
            "securityContext": {"runAsNonRoot": True}}],
        "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"]}],
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}},
                    {"name": "s", "secret": {"secretName": "s"}}],
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        "nodeSelector": {"disk": "ssd"}, "serviceAccountName": "default",
    })
    return p


ROUND_TRIP = [
    ("pods", "default", _rich_pod()),
    ("deployments", "default", deployment("web", 2)),
    ("configmaps", "default", configmap("cfg", {"a": "1"})),
    ("secrets", "default", {"metadata": {"name": "s"}, "stringData": {"k": "v"}, "type": "Opaque"}),
    ("services", "default", {"metadata": {"name": "svc"}, "spec": {
        "type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}),
    ("nodes", "", {"metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1"}},
                   "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]},
                   "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                              "conditions": [{"type": "Ready", "status": "True"}],
                              "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}}),
    ("events", "default", {"metadata": {"name": "e1"}, "involvedObject": {"kind": "Pod", "name": "rich"},
                           "reason": "Started", "message": "m", "type": "Normal", "count": 1,
                           "source": {"component": "kubelet"}}),
    ("leases", "default", {"metadata": {"name": "l"}, "spec": {"holderIdentity": "a",
                                                               "leaseDurationSeconds": 15}}),
    ("resourcequotas", "default", {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "10"}}}),
    ("limitranges", "default", {"metadata": {"name": "lr"}, "spec": {"limits": [
        {"type": "Container", "default": {"cpu": "500m"}}]}}),
    ("roles", "default", {"metadata": {"name": "r"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
    ("rolebindings", "default", {"metadata": {"name": "rb"}, "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
    ("daemonsets", "default", {"metadata": {"name": "ds"}, "spec": {
        "selector": {"matchLabels": {"app": "ds"}}, "template": {"metadata": {"labels": {"app": "ds"}},
                                                               "spec": {"containers": [{"name": "a",
                                                                                        "image": "x"}]}}}}),
]


def test_objects_the_server_returns_have_no_fields_outside_the_schemas():
    """What kubectl gets back (``get -o yaml``) must pass Strict validation when it is sent again."""
    from tests.simulation.apiserver.server_fixtures import Cluster, collection_path
    cluster = Cluster()
    for resource, namespace, obj in ROUND_TRIP:
        rt = resources.by_name(resource)
        body = {"apiVersion": rt.group_version, "kind": rt.kind, **obj}
        assert unknown_fields(rt.group, rt.version, rt.kind, body) == [], resource
        response = cluster.post(collection_path(resource, namespace), body)
        assert response.code == 201, response.body
    for rt in resources.RESOURCES:
        if rt.create_only:
            continue
        response = cluster.get(collection_path(rt.name, group=rt.group))
        assert response.code == 200, (rt.name, response.body)
        for item in response.body["items"]:
            assert unknown_fields(rt.group, rt.version, rt.kind, item) == [], (rt.name, item["metadata"])
        list_kind = {**response.body, "items": []}
        assert unknown_fields(rt.group, rt.version, rt.list_kind, list_kind) == [], rt.name


def test_a_kind_without_a_schema_still_passes_the_gate():
    """A kind added to resources.py before its schema keeps the operations kubectl's gate needs."""
    widget = resources.ResourceType("example.com", "v1", "widgets", "Widget", True)
    paths = openapi._paths_for(widget)
    patch = paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "example.com", "version": "v1", "kind": "Widget"}
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    assert {r.rsplit(".", 1)[1] for r in _refs(paths)} == {"Patch", "Status", "DeleteOptions"}
