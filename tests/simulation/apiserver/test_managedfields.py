"""Field sets and their ``fieldsV1`` encoding (simulation/apiserver/managedfields.py).

Expected encodings are upstream's, as kube-apiserver v1.33 writes them into
``metadata.managedFields`` (structured-merge-diff's fieldpath serialization).
"""
from __future__ import annotations

import pytest

from simulation.apiserver import managedfields as mf

DEPLOYMENT = mf.type_for("apps", "v1", "Deployment")
POD = mf.type_for("", "v1", "Pod")
CONFIGMAP = mf.type_for("", "v1", "ConfigMap")

NGINX = 'k:{"name":"nginx"}'
PORT_80 = 'k:{"containerPort":80,"protocol":"TCP"}'
CONTAINERS = ("f:spec", "f:template", "f:spec", "f:containers")


# ------------------------------------------------------------------ fieldsV1 encoding
ENCODINGS = [
    ("empty", set(), {}),
    ("one-leaf", {("f:spec", "f:replicas")}, {"f:spec": {"f:replicas": {}}}),
    ("item-is-a-member-with-children",
     {("f:spec", "f:containers", NGINX), ("f:spec", "f:containers", NGINX, "f:image")},
     {"f:spec": {"f:containers": {NGINX: {".": {}, "f:image": {}}}}}),
    ("fields-before-keys-before-values",
     {("f:x", 'v:"b"'), ("f:x", 'v:"a"'), ("f:x", 'k:{"name":"z"}'), ("f:x", "f:y")},
     {"f:x": {"f:y": {}, 'k:{"name":"z"}': {}, 'v:"a"': {}, 'v:"b"': {}}}),
    ("fields-sorted-by-name", {("f:b",), ("f:a",), ("f:c", "f:d")}, {"f:a": {}, "f:b": {}, "f:c": {"f:d": {}}}),
]


@pytest.mark.parametrize("paths,encoded", [c[1:] for c in ENCODINGS], ids=[c[0] for c in ENCODINGS])
def test_fields_v1_encoding_round_trips(paths, encoded):
    assert mf.to_fields_v1(paths) == encoded
    assert list(mf.to_fields_v1(paths)) == list(encoded)  # upstream's order, not just the same keys
    assert mf.from_fields_v1(encoded) == frozenset(paths)


@pytest.mark.parametrize("encoded", [[], {"x:y": {}}, {"f:a": []}], ids=["not-an-object", "bad-element",
                                                                         "child-not-an-object"])
def test_malformed_fields_v1_is_refused(encoded):
    with pytest.raises(mf.FieldSetError):
        mf.from_fields_v1(encoded)


# ------------------------------------------------------------------ ToFieldSet of an applied configuration
APPLIED = [
    ("scalar-leaves-no-struct-members", CONFIGMAP, {"data": {"a": "1"}, "metadata": {"name": "x"}},
     {("f:data", "f:a"), ("f:metadata", "f:name")}),
    ("labels-map-is-not-a-member", DEPLOYMENT, {"metadata": {"labels": {"app": "web"}}},
     {("f:metadata", "f:labels", "f:app")}),
    ("atomic-label-selector-is-one-leaf", DEPLOYMENT, {"spec": {"selector": {"matchLabels": {"app": "web"}}}},
     {("f:spec", "f:selector")}),
    ("keyed-list-items-are-members", DEPLOYMENT,
     {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}},
     {CONTAINERS + (NGINX,), CONTAINERS + (NGINX, "f:name"), CONTAINERS + (NGINX, "f:image")}),
    ("port-key-takes-the-protocol-default", DEPLOYMENT,
     {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "ports": [{"containerPort": 80}]}]}}}},
     {CONTAINERS + (NGINX,), CONTAINERS + (NGINX, "f:name"), CONTAINERS + (NGINX, "f:ports", PORT_80),
      CONTAINERS + (NGINX, "f:ports", PORT_80, "f:containerPort")}),
    ("set-list-items-by-value", POD, {"metadata": {"finalizers": ["a/b"]}},
     {("f:metadata", "f:finalizers", 'v:"a/b"')}),
    ("atomic-list-is-one-leaf", POD, {"spec": {"tolerations": [{"key": "k", "operator": "Exists"}]}},
     {("f:spec", "f:tolerations")}),
    ("empty-map-owns-nothing", POD, {"metadata": {"annotations": {}}}, set()),
    ("atomic-node-selector-map", POD, {"spec": {"nodeSelector": {"disk": "ssd"}}}, {("f:spec", "f:nodeSelector")}),
    ("service-ports-keyed-by-port-and-protocol", mf.type_for("", "v1", "Service"),
     {"spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}},
     {("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}'), ("f:spec", "f:selector"),
      ("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}', "f:port")}),
]


@pytest.mark.parametrize("typ,config,expected", [c[1:] for c in APPLIED], ids=[c[0] for c in APPLIED])
def test_field_set_of_an_applied_configuration(typ, config, expected):
    assert mf.field_set(config, typ) == expected


UNWALKABLE = [
    ("keyed-item-without-its-key", {"spec": {"template": {"spec": {"containers": [{"image": "nginx"}]}}}},
     '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field '
     '"name" (and doesn\'t have default value)'),
    ("undeclared-field", {"spec": {"replica": 1}}, ".spec.replica: field not declared in schema"),
    ("duplicate-keys", {"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}},
     '.spec.template.spec.containers: duplicate entries for key [name="a"]'),
    ("several", {"spec": {"x": 1, "y": 2}},
     "errors:\n  .spec.x: field not declared in schema\n  .spec.y: field not declared in schema"),
]


@pytest.mark.parametrize("config,message", [c[1:] for c in UNWALKABLE], ids=[c[0] for c in UNWALKABLE])
def test_configurations_upstream_cannot_type_are_refused(config, message):
    with pytest.raises(mf.FieldSetError) as raised:
        mf.field_set(config, DEPLOYMENT)
    assert str(raised.value) == message


def test_untyped_subtrees_take_any_field():
    assert mf.field_set({"spec": {"anything": {"goes": 1}}}, mf.UNTYPED) == {("f:spec", "f:anything", "f:goes")}


# ------------------------------------------------------------------ comparing objects
COMPARISONS = [
    ("created-value-structs-are-not-members", DEPLOYMENT, {}, {"spec": {"replicas": 1, "strategy": {"type": "R"}}},
     {("f:spec", "f:replicas"), ("f:spec", "f:strategy", "f:type")}, set(), set()),
    ("created-map-is-a-member", DEPLOYMENT, {}, {"metadata": {"labels": {"app": "web"}}},
     {("f:metadata", "f:labels"), ("f:metadata", "f:labels", "f:app")}, set(), set()),
    ("changed-leaf", CONFIGMAP, {"data": {"a": "1"}}, {"data": {"a": "2"}}, set(), {("f:data", "f:a")}, set()),
    ("one-is-not-true", CONFIGMAP, {"data": {"a": 1}}, {"data": {"a": True}}, set(), {("f:data", "f:a")}, set()),
    ("removed-item-and-its-leaves", DEPLOYMENT,
     {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "a"}]}}}},
     {"spec": {"template": {"spec": {"containers": []}}}},
     set(), set(), {CONTAINERS + (NGINX,), CONTAINERS + (NGINX, "f:name"), CONTAINERS + (NGINX, "f:image")}),
    ("null-is-unset", CONFIGMAP, {"data": {"a": "1"}}, {"data": {"a": None}}, set(), set(), {("f:data", "f:a")}),
    ("empty-struct-in-a-new-item-is-a-leaf", DEPLOYMENT, {"spec": {"template": {"spec": {"containers": []}}}},
     {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "resources": {}}]}}}},
     {CONTAINERS + (NGINX,), CONTAINERS + (NGINX, "f:name"), CONTAINERS + (NGINX, "f:resources")}, set(), set()),
]


@pytest.mark.parametrize("typ,old,new,added,modified,removed", [c[1:] for c in COMPARISONS],
                         ids=[c[0] for c in COMPARISONS])
def test_compare(typ, old, new, added, modified, removed):
    result = mf.compare(old, new, typ)
    assert (result.added, result.modified, result.removed) == (added, modified, removed)


def test_compare_of_equal_objects_is_same():
    obj = {"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 2}}
    assert mf.compare(obj, obj, DEPLOYMENT).is_same()


# ------------------------------------------------------------------ paths, named fields, managers
PATHS = [
    ("field", ("f:spec", "f:replicas"), ".spec.replicas"),
    ("key", CONTAINERS + (NGINX, "f:image"), '.spec.template.spec.containers[name="nginx"].image'),
    ("two-keys", ("f:ports", PORT_80), '.ports[containerPort=80,protocol="TCP"]'),
    ("value", ("f:metadata", "f:finalizers", 'v:"x"'), '.metadata.finalizers[="x"]'),
    ("index", ("f:a", "i:3"), ".a[3]"),
]


@pytest.mark.parametrize("path,text", [c[1:] for c in PATHS], ids=[c[0] for c in PATHS])
def test_path_string(path, text):
    assert mf.path_string(path) == text


def test_ensure_named_adds_struct_fields_not_map_keys_or_items():
    paths = {("f:metadata", "f:labels", "f:app"), CONTAINERS + (NGINX, "f:image")}
    assert mf.ensure_named(paths, DEPLOYMENT) == paths | {
        ("f:metadata",), ("f:metadata", "f:labels"), ("f:spec",), ("f:spec", "f:template"),
        ("f:spec", "f:template", "f:spec"), CONTAINERS}


MANAGERS = [
    ("applier", mf.Manager("kubectl", "Apply", "apps/v1", mf.EMPTY), '"kubectl"',
     '{"manager":"kubectl","operation":"Apply"}'),
    ("updater", mf.Manager("kubectl-edit", "Update", "apps/v1", mf.EMPTY), '"kubectl-edit" using apps/v1',
     '{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1"}'),
    ("subresource", mf.Manager("kubectl", "Update", "apps/v1", mf.EMPTY, subresource="scale"),
     '"kubectl" with subresource "scale" using apps/v1',
     '{"manager":"kubectl","operation":"Update","apiVersion":"apps/v1","subresource":"scale"}'),
]


@pytest.mark.parametrize("manager,described,identifier", [c[1:] for c in MANAGERS], ids=[c[0] for c in MANAGERS])
def test_manager_identity_and_description(manager, described, identifier):
    assert manager.describe() == described
    assert manager.identifier == identifier


def test_entries_are_encoded_in_upstream_order_and_empty_ones_dropped():
    leaf = frozenset({("f:data", "f:a")})
    managers = {m.identifier: m for m in [
        mf.Manager("z-update", "Update", "v1", leaf, "2024-01-01T00:00:02Z"),
        mf.Manager("a-update", "Update", "v1", leaf, "2024-01-01T00:00:03Z"),
        mf.Manager("applier", "Apply", "v1", leaf, "2024-01-01T00:00:09Z"),
        mf.Manager("owns-nothing", "Update", "v1", mf.EMPTY, "2024-01-01T00:00:00Z"),
    ]}
    entries = mf.encode(managers)
    assert [e["manager"] for e in entries] == ["applier", "z-update", "a-update"]
    assert entries[0] == {"manager": "applier", "operation": "Apply", "apiVersion": "v1",
                          "time": "2024-01-01T00:00:09Z", "fieldsType": "FieldsV1",
                          "fieldsV1": {"f:data": {"f:a": {}}}}
    assert mf.decode(entries) == {k: m for k, m in managers.items() if m.fields}


@pytest.mark.parametrize("entries,reset", [([], True), ([{}], True), (None, False), ([{"manager": "x"}], False)],
                         ids=["empty-list", "one-empty-entry", "absent", "an-entry"])
def test_reset_managed_fields(entries, reset):
    assert mf.is_reset(entries) is reset


def _walked(new, typ):
    """compare({}, new) by the full walk, without the creates' cache."""
    out = mf.Comparison()
    mf._compare({}, new, typ, (), out)
    return out.added, out.modified, out.removed


def test_creates_that_differ_only_in_scalar_values_share_one_walk_with_the_same_result():
    """Creates remember their comparison by the object's shape: a different scalar value must
    give the same field set, a different list item key (part of the paths) a different one."""
    def pod_with(name, image, container, port):
        return {"metadata": {"name": name, "labels": {"app": name}},
                "spec": {"containers": [{"name": container, "image": image, "ports": [{"containerPort": port}]}],
                         "nodeName": None, "priority": 0, "hostNetwork": False}}
    first, second = pod_with("a", "nginx:1", "web", 80), pod_with("b", "nginx:2", "web", 80)
    other_item = pod_with("c", "nginx:1", "sidecar", 8080)
    results = [mf.compare({}, obj, POD) for obj in (first, second, other_item)]
    for obj, result in zip((first, second, other_item), results):
        assert (result.added, result.modified, result.removed) == _walked(obj, POD)
    assert results[0].added == results[1].added
    assert results[2].added != results[0].added
    assert ("f:spec", "f:containers", 'k:{"name":"sidecar"}', "f:image") in results[2].added
