"""Strategic merge patch: upstream's generic cases, the bodies kubectl sends for our kinds, and
the PATCH bodies real kubectl sent (kube-api-wire-logs/57-apply-seq-*, §5–7 of kube-api-wire.md)."""
from __future__ import annotations

import copy
import json

import pytest

from simulation.apiserver.patch.common import PatchError
from simulation.apiserver.patch.patcher import STRATEGIC_MERGE_PATCH, apply_patch
from simulation.apiserver.patch.strategicpatch import FieldMeta, strategic_merge, strategic_merge_patch
from tests.simulation.apiserver.patch.cases import ids, rows


# --- Strategic merge patch: upstream's generic cases (k8s.io/apimachinery strategicpatch tests) -----

#: The test struct upstream's cases are written against (``MergeItem``), as a schema.
MERGE_ITEM: dict[str, FieldMeta] = {}
MERGE_ITEM.update({
    "mergingList": FieldMeta("merge", "name", MERGE_ITEM),
    "mergingIntList": FieldMeta("merge"),
    "replacingItem": FieldMeta("replace"),
    "retainKeysMap": FieldMeta(fields={"mergingList": FieldMeta("merge", "name", MERGE_ITEM)}),
    "retainKeysMergingList": FieldMeta("merge", "name", MERGE_ITEM),
})


def named(*names) -> list[dict]:
    """``named(1, 2)`` → ``[{"name": 1}, {"name": 2}]``."""
    return [{"name": n} for n in names]


SMP_GENERIC = [
    ("unique-scalars", {"mergingIntList": [1, 2]}, {"mergingIntList": [2, 3]}, {"mergingIntList": [1, 2, 3]}),
    ("delete-nested-map", {"simpleMap": {"key1": 1, "key2": 1}}, {"simpleMap": {"$patch": "delete"}},
     {"simpleMap": {}}),
    ("replace-list-with-nothing", {"mergingList": named(1, 2)}, {"mergingList": [{"$patch": "replace"}]},
     {"mergingList": []}),
    ("replace-list", {"mergingList": named(1, 2)}, {"mergingList": [{"$patch": "replace"}, {"name": 3}]},
     {"mergingList": [{"name": 3}]}),
    ("replace-map", {"name": 1, "value": 1}, {"$patch": "replace"}, {}),
    ("replace-map-with-key", {"name": 1, "value": 1}, {"other": "a", "$patch": "replace"}, {"other": "a"}),
    ("delete-duplicates", {"mergingList": [{"name": 1}, {"name": 1}, {"name": 2, "value": "a"}, {"name": 3},
                                           {"name": 3}]},
     {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "value": "a"}]}),
    ("patch-order-wins", {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
     {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "other": "x"}]},
     {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "value": "b", "other": "x"}]}),
    ("patch-order-with-server-only-item", {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
     {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]},
     {"mergingList": [{"name": 2, "value": "b"}, {"name": 3, "value": "c"}, {"name": 1, "value": "a"}]}),
    ("int-list-patch-order", {"mergingIntList": [1, 2, 3]}, {"mergingIntList": [3, 1, 2]},
     {"mergingIntList": [3, 1, 2]}),
    ("int-list-patch-order-partial", {"mergingIntList": [1, 2, 3]}, {"mergingIntList": [3, 1]},
     {"mergingIntList": [2, 3, 1]}),
    # Without $setElementOrder an item new to the list lands ahead of the server-only items.
    ("new-item-without-order-goes-first", {"mergingList": named(1, 2)}, {"mergingList": named(3)},
     {"mergingList": named(3, 1, 2)}),
    ("set-order-names-absent-item", {"mergingList": named(1, 3)},
     {"$setElementOrder/mergingList": named(3, 2, 1),
      "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
     {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
    ("set-order-int-list-only", {"mergingIntList": [1, 3]}, {"$setElementOrder/mergingIntList": [3, 2, 1]},
     {"mergingIntList": [3, 1]}),
    ("delete-absent-primitive", {"mergingIntList": [1, 2]}, {"$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2]}),
    ("delete-from-null-primitive-list", {"mergingIntList": None},
     {"$deleteFromPrimitiveList/mergingIntList": [3]}, {"mergingIntList": None}),
    ("delete-from-missing-primitive-list", {"foo": ["bar"]},
     {"$deleteFromPrimitiveList/mergingIntList": [3]}, {"foo": ["bar"]}),
    ("delete-primitive", {"mergingIntList": [1, 2, 3]}, {"$deleteFromPrimitiveList/mergingIntList": [2]},
     {"mergingIntList": [1, 3]}),
    ("delete-primitive-from-atomic-list", {"nonMergingIntList": [1, 2, 3]},
     {"$deleteFromPrimitiveList/nonMergingIntList": [2]}, {"nonMergingIntList": [1, 3]}),
    ("new-list-drops-delete-items", {"name": "hi"},
     {"mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]},
     {"name": "hi", "mergingList": [{"name": "hello"}]}),
    ("set-order-with-delete-item", {"name": "hi", "mergingList": [{"name": "hello2"}]},
     {"$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}],
      "mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]},
     {"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]}),
    ("delete-scalars-keeps-server-only", {"mergingIntList": [1, 2, 3, 4]},
     {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2, 4]}),
    ("add-and-delete-scalars", {"mergingIntList": [1, 2, 3, 4]},
     {"$setElementOrder/mergingIntList": [1, 2, 4], "$deleteFromPrimitiveList/mergingIntList": [3],
      "mergingIntList": [4]},
     {"mergingIntList": [1, 2, 4]}),
    ("merge-maps-in-set-order", {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": named(4, 1, 2, 3),
      "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]},
     {"mergingList": [{"name": 4, "value": 4}, {"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"},
                      {"name": 3, "value": 3}]}),
    ("add-and-delete-maps", {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]},
     {"$setElementOrder/mergingList": named(2, 3), "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]}),
    ("add-and-delete-maps-server-drifted", {"mergingList": [{"name": 1, "other": "a"}, {"name": 4, "other": "c"}]},
     {"$setElementOrder/mergingList": named(2, 3),
      "mergingList": [{"name": 2}, {"name": 3}, {"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 4, "other": "c"}, {"name": 2}, {"name": 3}]}),
    # One apply removes B and adds C while X was added by someone else: X keeps its place.
    ("swap-keeps-server-only-item-in-place", {"mergingList": named("A", "B", "X")},
     {"$setElementOrder/mergingList": named("A", "C"),
      "mergingList": [{"name": "C"}, {"name": "B", "$patch": "delete"}]},
     {"mergingList": named("A", "X", "C")}),
    ("delete-field-in-list-item", {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2}]},
     {"$setElementOrder/mergingList": named(1, 2), "mergingList": [{"name": 1, "value": None}]},
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}]}),
    ("nested-atomic-list-replaced", {"mergingList": [{"name": 1, "other": "a",
                                                      "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]}]},
     {"mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}]},
     {"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]}]}),
    ("replace-strategy-map", {"replacingItem": {"a": 1, "b": 2}}, {"replacingItem": {"b": 3}},
     {"replacingItem": {"b": 3}}),
    ("retain-keys", {"retainKeysMap": {"name": "foo", "value": "a", "other": "x"}},
     {"retainKeysMap": {"$retainKeys": ["name", "other"], "other": "y", "value": None}},
     {"retainKeysMap": {"name": "foo", "other": "y"}}),
    ("retain-keys-absent-merges", {"retainKeysMap": {"name": "foo"}}, {"retainKeysMap": {"value": "bar"}},
     {"retainKeysMap": {"name": "foo", "value": "bar"}}),
    ("null-for-absent-key", {"name": 1}, {"value": None}, {"name": 1}),
    ("new-map-drops-nulls", {}, {"simpleMap": {"a": "1", "b": None}}, {"simpleMap": {"a": "1"}}),
    ("type-change-replaces", {"simpleMap": {"a": "1"}}, {"simpleMap": "x"}, {"simpleMap": "x"}),
    ("delete-whole-object", {"name": 1}, {"$patch": "delete"}, {}),
]


@pytest.mark.parametrize("original,patch,expected", rows(SMP_GENERIC), ids=ids(SMP_GENERIC))
def test_strategic_merge_generic_cases(original, patch, expected):
    before, patch_before = copy.deepcopy(original), copy.deepcopy(patch)
    assert strategic_merge(original, patch, MERGE_ITEM) == expected
    assert original == before and patch == patch_before


SMP_GENERIC_ERRORS = [
    ("set-order-mismatch", {"mergingList": named(1, 3, 2)},
     {"$setElementOrder/mergingList": named(1, 2, 3), "mergingList": [{"name": 3, "value": 3}, {"name": 1}]},
     "doesn't match $setElementOrder list", 400),
    ("set-order-mismatch-ints", {"mergingIntList": [1, 3, 2]},
     {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]},
     "doesn't match $setElementOrder list", 400),
    ("missing-merge-key", {"mergingList": [{"name": 1, "value": "a"}]}, {"mergingList": [{"value": "b"}]},
     "map: map[value:b] does not contain declared merge key: name", 400),
    ("delete-without-merge-key", {"mergingList": named(1)}, {"mergingList": [{"$patch": "delete"}]},
     "map: map[$patch:delete] does not contain declared merge key: name", 400),
    ("merge-directive-in-list", {"mergingList": named(1)}, {"mergingList": [{"$patch": "merge", "name": 1}]},
     "merging lists cannot yet be specified in the patch", 400),
    ("unknown-map-directive", {"name": 1}, {"$patch": "merge"}, "unknown patch type: merge in map: map[$patch:merge]",
     400),
    ("retain-keys-not-list", {"retainKeysMap": {}}, {"retainKeysMap": {"$retainKeys": "name"}},
     "invalid patch format of retainKeys", 400),
    ("retain-keys-misses-patched-key", {"retainKeysMap": {}},
     {"retainKeysMap": {"$retainKeys": ["name"], "value": "x"}}, "invalid patch format of retainKeys", 400),
    ("set-order-without-slash", {}, {"$setElementOrder": []}, "invalid patch format of setElementOrder list", 400),
    ("delete-list-without-slash", {}, {"$deleteFromPrimitiveList": [1]}, "invalid patch format of primitive list",
     400),
    ("list-of-lists", {"mergingIntList": [[1]]}, {"mergingIntList": [[2]]}, "lists of lists are not supported", 422),
    ("mixed-element-types", {"mergingIntList": [1]}, {"mergingIntList": ["a"]},
     "list element types are not identical", 400),
]


@pytest.mark.parametrize("original,patch,message,code", rows(SMP_GENERIC_ERRORS), ids=ids(SMP_GENERIC_ERRORS))
def test_strategic_merge_generic_errors(original, patch, message, code):
    with pytest.raises(PatchError) as err:
        strategic_merge(original, patch, MERGE_ITEM)
    assert message in str(err.value)
    assert err.value.code == code


# --- Strategic merge patch on our kinds: the bodies kubectl sends -----------------------------------

def deployment(containers: list[dict], **spec) -> dict:
    """A Deployment as the server stores it, server-side defaults included."""
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "uid": "d-1", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                             "maxUnavailable": "25%"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": containers, "restartPolicy": "Always"}},
                     **spec}}


def container(name: str, image: str = "nginx:1.25", **extra) -> dict:
    return {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log", "resources": {}, **extra}


def template_patch(*containers: dict, order: list[str] | None = None) -> dict:
    spec: dict = {"containers": list(containers)}
    if order is not None:
        spec["$setElementOrder/containers"] = [{"name": n} for n in order]
    return {"spec": {"template": {"spec": spec}}}


def containers_of(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


def test_set_image_keeps_server_defaults():
    live = deployment([container("nginx", ports=[{"containerPort": 80, "protocol": "TCP"}])])
    got = strategic_merge_patch(live, template_patch({"image": "nginx:1.27", "name": "nginx"}, order=["nginx"]),
                                "Deployment")
    assert containers_of(got) == [container("nginx", "nginx:1.27", ports=[{"containerPort": 80, "protocol": "TCP"}])]
    assert got["spec"]["strategy"] == live["spec"]["strategy"]


def test_add_env_var_then_remove_one_then_remove_all():
    live = deployment([container("nginx")])
    add = template_patch({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "name": "nginx"},
                         order=["nginx"])
    live = strategic_merge_patch(live, add, "Deployment")
    assert containers_of(live)[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    # kubectl apply after deleting B from the manifest: a delete item plus the order to keep.
    drop_b = template_patch({"$setElementOrder/env": [{"name": "A"}], "env": [{"$patch": "delete", "name": "B"}],
                             "name": "nginx"}, order=["nginx"])
    live = strategic_merge_patch(live, drop_b, "Deployment")
    assert containers_of(live)[0]["env"] == [{"name": "A", "value": "1"}]
    # ... and after deleting the whole env block.
    live = strategic_merge_patch(live, template_patch({"env": None, "name": "nginx"}, order=["nginx"]), "Deployment")
    assert containers_of(live) == [container("nginx")]


def test_env_value_change_merges_by_name():
    live = deployment([container("nginx", env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])])
    got = strategic_merge_patch(live, template_patch({"$setElementOrder/env": [{"name": "A"}, {"name": "B"}],
                                                      "env": [{"name": "B", "value": "3"}], "name": "nginx"},
                                                     order=["nginx"]), "Deployment")
    assert containers_of(got)[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]


KIND_CASES = [
    ("cordon", "Node", {"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.0.1.0/24"}},
     {"spec": {"unschedulable": True}},
     {"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.0.1.0/24", "unschedulable": True}}),
    ("uncordon", "Node", {"metadata": {"name": "node-1"}, "spec": {"unschedulable": True}},
     {"spec": {"unschedulable": None}}, {"metadata": {"name": "node-1"}, "spec": {}}),
    ("taints-are-atomic", "Node",
     {"spec": {"taints": [{"key": "a", "effect": "NoSchedule"}, {"key": "b", "effect": "NoExecute"}]}},
     {"spec": {"taints": [{"key": "c", "value": "v", "effect": "NoSchedule"}]}},
     {"spec": {"taints": [{"key": "c", "value": "v", "effect": "NoSchedule"}]}}),
    ("node-status-conditions-by-type", "Node",
     {"status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "False", "reason": "KubeletNotReady"}],
                 "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                 "addresses": [{"type": "Hostname", "address": "node-1"}]}},
     {"status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                 "addresses": [{"type": "Hostname", "address": "node-1"},
                               {"type": "InternalIP", "address": "10.0.0.1"}]}}),
    ("tolerations-are-atomic", "Pod", {"spec": {"tolerations": [{"key": "a", "operator": "Exists"}]}},
     {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}},
     {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}),
    ("container-args-are-atomic", "Pod", {"spec": {"containers": [{"name": "c", "args": ["a", "b"]}]}},
     {"spec": {"containers": [{"name": "c", "args": ["z"]}]}},
     {"spec": {"containers": [{"name": "c", "args": ["z"]}]}}),
    ("container-ports-by-containerPort", "Pod",
     {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}},
     {"spec": {"containers": [{"name": "c", "$setElementOrder/ports": [{"containerPort": 80}, {"containerPort": 443}],
                               "ports": [{"containerPort": 443}]}]}},
     {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"},
                                                      {"containerPort": 443}]}]}}),
    ("volumes-and-mounts", "Pod",
     {"spec": {"volumes": [{"name": "data", "emptyDir": {}}],
               "containers": [{"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
     {"spec": {"$setElementOrder/volumes": [{"name": "data"}, {"name": "cfg"}],
               "volumes": [{"name": "cfg", "configMap": {"name": "cfg"}}],
               "containers": [{"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data",
                                                              "readOnly": True}]}]}},
     {"spec": {"volumes": [{"name": "data", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}],
               "containers": [{"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/data",
                                                              "readOnly": True}]}]}}),
    ("volume-source-swap-with-retain-keys", "Pod",
     {"spec": {"volumes": [{"name": "data", "emptyDir": {}}]}},
     {"spec": {"volumes": [{"$retainKeys": ["hostPath", "name"], "name": "data", "hostPath": {"path": "/x"}}]}},
     {"spec": {"volumes": [{"name": "data", "hostPath": {"path": "/x"}}]}}),
    ("init-containers-by-name", "Pod",
     {"spec": {"initContainers": [{"name": "init", "image": "busybox:1"}]}},
     {"spec": {"initContainers": [{"name": "init", "image": "busybox:2"}]}},
     {"spec": {"initContainers": [{"name": "init", "image": "busybox:2"}]}}),
    ("pod-conditions-by-type", "Pod",
     {"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}},
     {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
     {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"},
                                                    {"type": "PodScheduled", "status": "True"}]}}),
    ("service-ports-by-port", "Service",
     {"spec": {"ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}, {"port": 443, "targetPort": 8443}]}},
     {"spec": {"$setElementOrder/ports": [{"port": 80}, {"port": 443}], "ports": [{"port": 80, "targetPort": 9090}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9090, "protocol": "TCP"}, {"port": 443, "targetPort": 8443}]}}),
    ("finalizers-merge-as-set", "Deployment", {"metadata": {"finalizers": ["a", "b"]}},
     {"metadata": {"finalizers": ["b", "c"]}}, {"metadata": {"finalizers": ["a", "b", "c"]}}),
    ("finalizers-delete-one", "Pod", {"metadata": {"finalizers": ["a", "b", "c"]}},
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}, {"metadata": {"finalizers": ["a", "c"]}}),
    ("finalizers-null-clears", "Namespace", {"metadata": {"finalizers": ["a"]}},
     {"metadata": {"finalizers": None}}, {"metadata": {}}),
    ("owner-references-by-uid", "ReplicaSet",
     {"metadata": {"ownerReferences": [{"uid": "u1", "name": "web", "controller": True}]}},
     {"metadata": {"ownerReferences": [{"uid": "u1", "blockOwnerDeletion": True}]}},
     {"metadata": {"ownerReferences": [{"uid": "u1", "name": "web", "controller": True, "blockOwnerDeletion": True}]}}),
    ("labels-key-null", "Pod", {"metadata": {"labels": {"app": "web", "tier": "fe"}}},
     {"metadata": {"labels": {"tier": None, "canary": "true"}}},
     {"metadata": {"labels": {"app": "web", "canary": "true"}}}),
    ("strategy-retain-keys", "Deployment", {"spec": {"strategy": {"type": "RollingUpdate",
                                                                  "rollingUpdate": {"maxSurge": 1}}}},
     {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}}},
     {"spec": {"strategy": {"type": "Recreate"}}}),
    ("replace-containers-list", "Deployment", deployment([container("a"), container("b")]),
     template_patch({"$patch": "replace"}, {"name": "c", "image": "busybox"}),
     deployment([{"name": "c", "image": "busybox"}])),
    ("cronjob-pod-template", "CronJob",
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "a"},
                                                                             {"name": "d", "image": "b"}]}}}}}},
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "d", "image": "z"}]}}}}}},
     {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "a"},
                                                                             {"name": "d", "image": "z"}]}}}}}}),
    ("unknown-kind-guesses-by-name", "Widget",
     {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}], "items": [1, 2]}},
     {"spec": {"containers": [{"name": "b", "image": "2"}], "items": [3]}},
     {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}], "items": [3]}}),
]


@pytest.mark.parametrize("kind,live,patch,expected", rows(KIND_CASES), ids=ids(KIND_CASES))
def test_strategic_merge_patch_per_kind(kind, live, patch, expected):
    before = copy.deepcopy(live)
    assert strategic_merge_patch(live, patch, kind) == expected
    assert live == before


# --- The real kubectl apply sequence (kube-api-wire-logs/57-apply-seq-*.txt), bodies verbatim -------

APPLY_1_CREATE = json.loads(r'''{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"nginx\"},\"name\":\"nginx\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]}]}}}}\n"},"labels":{"app":"nginx"},"name":"nginx","namespace":"default"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"image":"nginx:1.25","name":"nginx","ports":[{"containerPort":80}]}]}}}}''')
APPLY_2_IMAGE_CHANGE = json.loads(r'''{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"nginx\"},\"name\":\"nginx\",\"namespace\":\"default\"},\"spec\":{\"replicas\":5,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.26\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]}]}}}}\n"}},"spec":{"replicas":5,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.26","name":"nginx"}]}}}}''')
APPLY_3_ADD_SIDECAR_DROP_LABELS = json.loads(r'''{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"name\":\"nginx\",\"namespace\":\"default\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"image\":\"nginx:1.25\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80}]},{\"image\":\"busybox\",\"name\":\"sidecar\"}]}}}}\n"},"labels":null},"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.25","name":"nginx"},{"image":"busybox","name":"sidecar"}]}}}}''')

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def stored_after_create() -> dict:
    """What kube-apiserver stores for the first apply's POST: the body plus metadata and defaults."""
    obj = copy.deepcopy(APPLY_1_CREATE)
    obj["metadata"].update(uid="7d0c", resourceVersion="1", generation=1, creationTimestamp="2025-01-01T00:00:00Z")
    obj["spec"].update(revisionHistoryLimit=10, progressDeadlineSeconds=600,
                       strategy={"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    pod = obj["spec"]["template"]["spec"]
    pod.update(restartPolicy="Always", dnsPolicy="ClusterFirst", schedulerName="default-scheduler")
    pod["containers"][0].update(imagePullPolicy="IfNotPresent", resources={},
                                terminationMessagePath="/dev/termination-log")
    pod["containers"][0]["ports"][0]["protocol"] = "TCP"
    return obj


def test_kubectl_apply_sequence_image_change_then_sidecar_and_label_removal():
    live = stored_after_create()

    live = apply_patch(live, json.dumps(APPLY_2_IMAGE_CHANGE).encode(), STRATEGIC_MERGE_PATCH, "Deployment")
    assert live["spec"]["replicas"] == 5
    assert live["metadata"]["labels"] == {"app": "nginx"}
    assert live["metadata"]["uid"] == "7d0c"
    assert live["metadata"]["annotations"][LAST_APPLIED] == \
        APPLY_2_IMAGE_CHANGE["metadata"]["annotations"][LAST_APPLIED]
    assert containers_of(live) == [{"image": "nginx:1.26", "name": "nginx", "imagePullPolicy": "IfNotPresent",
                                    "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {},
                                    "terminationMessagePath": "/dev/termination-log"}]

    live = apply_patch(live, json.dumps(APPLY_3_ADD_SIDECAR_DROP_LABELS), STRATEGIC_MERGE_PATCH, "Deployment")
    assert live["spec"]["replicas"] == 3
    assert "labels" not in live["metadata"]
    assert live["spec"]["template"]["metadata"]["labels"] == {"app": "nginx"}
    assert [c["name"] for c in containers_of(live)] == ["nginx", "sidecar"]
    assert containers_of(live)[0]["image"] == "nginx:1.25"
    assert containers_of(live)[0]["imagePullPolicy"] == "IfNotPresent"
    assert containers_of(live)[1] == {"image": "busybox", "name": "sidecar"}
    assert live["spec"]["strategy"]["type"] == "RollingUpdate"
    assert live["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_kubectl_apply_sequence_reproduces_last_applied_spec():
    """Without server defaults, each apply must leave the object equal to the manifest it recorded."""
    live = copy.deepcopy(APPLY_1_CREATE)
    for body in (APPLY_2_IMAGE_CHANGE, APPLY_3_ADD_SIDECAR_DROP_LABELS):
        live = strategic_merge_patch(live, body, "Deployment")
        manifest = json.loads(live["metadata"]["annotations"][LAST_APPLIED])
        assert live["spec"] == manifest["spec"]
        assert live["metadata"].get("labels") == manifest["metadata"].get("labels")


def test_rollout_restart_adds_template_annotation():
    live = deployment([container("nginx")])
    body = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "T"}}}}}
    got = strategic_merge_patch(live, body, "Deployment")
    assert got["spec"]["template"]["metadata"] == {"labels": {"app": "web"},
                                                   "annotations": {"kubectl.kubernetes.io/restartedAt": "T"}}
    assert containers_of(got) == containers_of(live)
