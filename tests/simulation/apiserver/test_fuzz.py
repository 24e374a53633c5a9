"""Fuzzing the API server: whatever a client sends, it answers as Kubernetes does.

The promise under test, for every served resource and every verb (create, update, the three
patch types, server-side apply, delete with options, deletecollection, get, list and watch
with their query parameters, and the ``status``, ``scale``, ``binding`` and ``finalize``
subresources):

* a 2xx answer carries a body that is strict JSON (no ``NaN``, no lone surrogate: it encodes
  with ``allow_nan=False`` and as UTF-8), and so does everything then stored;
* any other answer is a 4xx ``Status`` whose ``code`` is the HTTP code and that names a
  ``reason`` — the one 5xx allowed is upstream's ``504 Timeout`` for a resourceVersion
  from the future (client-go's reflector retries on its ``ResourceVersionTooLarge`` cause);
* response headers carry no control character (a newline would end the header);
* no request raises, none hangs, and every list — JSON or Table — and every watch event
  stays strict JSON.

Bodies are derived from the OpenAPI schemas the server serves (``schemas.SCHEMAS``): a valid
seed of each kind, overlaid with optional fields drawn from its schema so that writes succeed
and reach deep code (defaulting, validation, admission, managedFields, tables). A third of
the requests are *wild*: values of the right JSON type but at the edges (int64 limits,
quantities such as ``1e-2147483648``, impossible dates, odd strings), or mutated — a wrong
JSON type at a random path, numbers past int64 or float64, control characters, lone
surrogates, extra or missing fields, another kind, apiVersion, name or namespace — or junk
bytes in any content type, on odd paths, with odd credentials, Accept headers and query
parameters. Each example may first create an object of another kind (a quota, a role
binding, an owner) that admission or authorization then reads.

Requests go through :meth:`APIServer.handle` in the ``Cluster`` harness rather than the ASGI
app: the chain is the same object the ASGI app calls (it only moves bytes, and turns any
exception into a 500, which this test counts as a failure too), while a fresh in-memory
cluster per example (~4 ms) keeps every example independent, so Hypothesis can shrink a
failure to the one request that causes it. Driving the Django store instead would share one
database across examples and cost milliseconds per request.

The run is bounded for CI (``derandomize``: the same examples every run, no example database,
nothing written to the checkout; about a minute). To search wider locally::

    CLUSTERVIZ_FUZZ_EXAMPLES=500 CLUSTERVIZ_FUZZ_RANDOM=1 pytest tests/simulation/apiserver/test_fuzz.py
"""
from __future__ import annotations

import base64
import json
import os
import signal
import tempfile
import unicodedata
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from simulation.apimachinery.resources import RESOURCES, ResourceType
from simulation.apiserver.listwatch import item_key
from simulation.apiserver.request import APIRequest, APIResponse
from simulation.apiserver.schemas import SCHEMAS, resolve_named, schema_for
from simulation.apiserver.schemas._helpers import INTSTR, META, PRESERVE, Q
from tests.simulation.apiserver.server_fixtures import ADMIN_TOKEN, ALICE_TOKEN, Cluster, collection_path

# Hypothesis keeps caches (unicode tables, constants) under its home directory: not in the checkout.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "clusterviz-hypothesis"))

FUZZ = settings(max_examples=int(os.environ.get("CLUSTERVIZ_FUZZ_EXAMPLES", "40")), deadline=None,
                derandomize=not os.environ.get("CLUSTERVIZ_FUZZ_RANDOM"), database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
#: Longer than any request takes (milliseconds); a request still running then is hung.
HANG_SECONDS = 20
NAME = "fuzz"
NAMESPACE = "default"
SERVED = list(RESOURCES)
STORED = [rt for rt in SERVED if not rt.virtual and "create" in rt.verbs]
WRITABLE = [rt for rt in STORED if not rt.create_only]

# ---------------------------------------------------------------------------- valid seeds
_TEMPLATE = {"metadata": {"labels": {"app": NAME}},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}
_RULES = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
#: One valid object of each kind (name and type filled in by :func:`seed`): the base every
#: schema-derived body grows from, so that most writes are accepted and go all the way.
SEEDS: dict[str, dict] = {
    "Namespace": {},
    "Node": {"status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}},
    "Pod": {"metadata": {"labels": {"app": NAME}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}},
    "Service": {"spec": {"selector": {"app": NAME}, "ports": [{"port": 80, "targetPort": 8080}]}},
    "Endpoints": {"subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]},
    "Event": {"involvedObject": {"kind": "Pod", "name": "web", "namespace": NAMESPACE}, "reason": "Started",
              "message": "Started container", "type": "Normal"},
    "ConfigMap": {"data": {"key": "value"}},
    "Secret": {"type": "Opaque", "data": {"key": "dmFsdWU="}},
    "ServiceAccount": {},
    "ResourceQuota": {"spec": {"hard": {"pods": "100"}}},
    "LimitRange": {"spec": {"limits": [{"type": "Container", "default": {"cpu": "100m"}}]}},
    "ComponentStatus": {},
    "Deployment": {"spec": {"replicas": 2, "selector": {"matchLabels": {"app": NAME}}, "template": _TEMPLATE}},
    "ReplicaSet": {"spec": {"replicas": 2, "selector": {"matchLabels": {"app": NAME}}, "template": _TEMPLATE}},
    "DaemonSet": {"spec": {"selector": {"matchLabels": {"app": NAME}}, "template": _TEMPLATE}},
    "Lease": {"spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}},
    "Role": {"rules": _RULES},
    "ClusterRole": {"rules": _RULES},
    "RoleBinding": {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
                    "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]},
    "ClusterRoleBinding": {"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                       "name": NAME},
                           "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]},
    "SelfSubjectAccessReview": {"spec": {"resourceAttributes": {"verb": "get", "resource": "pods",
                                                                "namespace": NAMESPACE}}},
    "SelfSubjectRulesReview": {"spec": {"namespace": NAMESPACE}},
    "SubjectAccessReview": {"spec": {"user": "alice", "resourceAttributes": {"verb": "get", "resource": "pods"}}},
    # storage (storage)
    "PersistentVolume": {"spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                                  "hostPath": {"path": "/data"}}},
    "PersistentVolumeClaim": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    "StorageClass": {"provisioner": "example.com/fuzz"},
    "StatefulSet": {"spec": {"replicas": 2, "serviceName": NAME, "selector": {"matchLabels": {"app": NAME}},
                             "template": _TEMPLATE}},
    "ControllerRevision": {"revision": 1, "data": {}},
    # ReplicationController and batch/v1 (jobs)
    "ReplicationController": {"spec": {"replicas": 2, "selector": {"app": NAME}, "template": _TEMPLATE}},
    "Job": {"spec": {"template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": "app", "image": "busybox:1.36"}]}}}},
    "CronJob": {"spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
        "restartPolicy": "OnFailure", "containers": [{"name": "app", "image": "busybox:1.36"}]}}}}}},
    # scheduling.k8s.io/v1, policy/v1 (policy)
    "PriorityClass": {"value": 1000},
    "PodDisruptionBudget": {"spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": NAME}}}},
    # discovery.k8s.io/v1 (slices)
    "EndpointSlice": {"addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"]}],
                      "ports": [{"port": 80}]},
    # authentication.k8s.io/v1, events.k8s.io/v1 (quota)
    "SelfSubjectReview": {},
    # the same kind written through another group, by ``Kind.group`` (events)
    "Event.events.k8s.io": {"eventTime": "2024-01-01T00:00:00.000000Z", "reportingController": "default-scheduler",
                            "reportingInstance": "default-scheduler-node-1", "action": "Binding",
                            "reason": "Scheduled", "type": "Normal", "note": "Successfully assigned",
                            "regarding": {"kind": "Pod", "name": "web", "namespace": NAMESPACE}},
    # networking.k8s.io/v1 (ingress)
    "Ingress": {"spec": {"rules": [{"host": "web.example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}},
    "IngressClass": {"spec": {"controller": "k8s.io/ingress-nginx"}},
}


def seed(rt: ResourceType, name: str = NAME) -> dict:
    obj = json.loads(json.dumps(SEEDS.get(f"{rt.kind}.{rt.group}", SEEDS[rt.kind])))
    obj.setdefault("metadata", {})["name"] = name
    return {"apiVersion": rt.group_version, "kind": rt.kind, **obj}


# ---------------------------------------------------------------------------- values
#: Strings a validator does not expect: empty, control and format characters, lone
#: surrogates (a JSON ``\\ud800`` escape), non-ASCII, long, and look-alikes of other types.
ODD_STRINGS = ["", " ", "\x00", "a\x7fb", "\t\n", "\u202e", "\ufeff", "é", "名前", "🙂", "\ud800", "a\udfffb",
               "x" * 300, "-", ".", "..", "a/b", "%zz", "'", '"', "\\", "1e3", "0", "-1", "true", "null", "NaN",
               "Infinity", "2024-13-45T99:99:99Z", "9223372036854775808", "a" * 64, "A_B", "1.5Gi", "-1Mi"]
#: Numbers at the edges of int32, int64 and float64, negatives and fractions.
EDGE_NUMBERS = [0, -1, 1, 2 ** 31 - 1, 2 ** 31, -2 ** 31 - 1, 2 ** 63 - 1, 2 ** 63, -2 ** 63, -2 ** 63 - 1, 2 ** 64,
                10 ** 30, -10 ** 30, 1e308, -1e308, 5e-324, 0.5, -0.0, 1.0, 1e20]
LABEL_KEYS = ["app", "tier", "example.com/role", "a.b/c-d", "k"]
PLAIN = ["a", "web", NAME, "x-1", NAMESPACE, "app", "alice", "kube-system", "80", "10.0.0.1"]
TIMES = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123456Z", "2023-12-31T23:59:59+01:00"]
QUANTITIES = ["100m", "1", "2", "128Mi", "1Gi", "0", "1.5", "500M", "1e3"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(EDGE_NUMBERS),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(ODD_STRINGS))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.sampled_from(PLAIN + LABEL_KEYS),
                                                           st.sampled_from(ODD_STRINGS)), inner, max_size=3)),
    max_leaves=6)

#: Nesting below which only required fields are generated.
MAX_DEPTH = 7


#: Values of the right JSON type that no validator expects, by what the schema says.
EDGE = {
    "quantity": ["1e-2147483648", "1e2147483647", "1e4294967296", "9" * 1200, "-1", "0.0000000001", "1Ei",
                 "99999999999Ei", "1.5.5", "1e1000", "0", "-0"],
    "int-or-string": [0, -1, 2 ** 31 - 1, -2 ** 31, "", "0%", "101%", "-5%", "http", "%"],
    "date-time": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "x", "", "2024-02-30T00:00:00Z"],
    "int32": [-1, 2 ** 31 - 1, -2 ** 31, 0],
    "int64": [-1, 2 ** 63 - 1, -2 ** 63, 2 ** 53 + 1],
    "number": [-1.5, 1e308, -1e308, 5e-324, 0.1],
}


@st.composite
def from_schema(draw: st.DrawFn, schema: dict, depth: int = 0, top: bool = False, edgy: bool = False) -> Any:
    """A plausible value of ``schema``: the right JSON types, enum members, quantities,
    timestamps, names that pass DNS checks, and a few optional fields of every object.
    When ``edgy``, a quarter of the values are still of the right JSON type, but at the edges:
    extreme numbers and exponents, odd strings, impossible dates."""
    resolved, name = resolve_named(schema)
    edge = edgy and draw(st.integers(0, 3)) == 0

    def pick(plain: st.SearchStrategy, edges: list) -> Any:
        return draw(st.sampled_from(edges)) if edge else draw(plain)

    if name == Q:
        return pick(st.sampled_from(QUANTITIES), EDGE["quantity"])
    if name == INTSTR:
        return pick(st.one_of(st.integers(1, 65535), st.sampled_from(["http", "8080", "25%"])), EDGE["int-or-string"])
    if resolved.get(PRESERVE):
        return draw(st.dictionaries(st.sampled_from(PLAIN), st.sampled_from(PLAIN), max_size=2))
    if resolved.get("enum"):
        return pick(st.sampled_from(resolved["enum"]), ODD_STRINGS)
    kind = resolved.get("type")
    if kind == "string":
        if resolved.get("format") == "date-time":
            return pick(st.sampled_from(TIMES), EDGE["date-time"])
        if resolved.get("format") == "byte":
            return pick(st.binary(max_size=8).map(lambda b: base64.b64encode(b).decode()), ["%%%", "a", "===="])
        return pick(st.sampled_from(PLAIN), ODD_STRINGS)
    if kind == "integer":
        return pick(st.integers(0, 10), EDGE["int32" if resolved.get("format") == "int32" else "int64"])
    if kind == "number":
        return pick(st.floats(0, 10), EDGE["number"])
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "array":
        if depth >= MAX_DEPTH or not isinstance(resolved.get("items"), dict):
            return []
        return draw(st.lists(from_schema(resolved["items"], depth + 1, edgy=edgy), max_size=2))
    if kind == "object" or resolved.get("properties") is not None:
        props = resolved.get("properties")
        if props is None:
            extra = resolved.get("additionalProperties")
            if not isinstance(extra, dict) or depth >= MAX_DEPTH:
                return {}
            keys = st.sampled_from(LABEL_KEYS + ODD_STRINGS) if edge else st.sampled_from(LABEL_KEYS)
            return draw(st.dictionaries(keys, from_schema(extra, depth + 1, edgy=edgy), max_size=2))
        required = [k for k in resolved.get("required", ()) if k in props]
        optional = sorted(k for k in props if k not in required and not (top and k in ("apiVersion", "kind")))
        chosen = list(required)
        if optional and depth < MAX_DEPTH:
            chosen += draw(st.lists(st.sampled_from(optional), max_size=3 if depth else 4, unique=True))
        return {key: draw(from_schema(props[key], depth + 1, edgy=edgy)) for key in chosen}
    return draw(json_values)


def overlay(base: Any, extra: Any) -> Any:
    """``extra`` under ``base``: maps merge, and ``base`` wins everywhere else."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(extra)
        for key, value in base.items():
            merged[key] = overlay(value, extra.get(key))
        return merged
    return base if base is not None or extra is None else extra


def paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path into ``value`` (dict keys and list indexes), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from paths(sub, prefix + (key,))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from paths(sub, prefix + (index,))


def _parent(value: Any, path: tuple) -> Any:
    for step in path[:-1]:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one to three mutations: a wrong type or edge value at a random path,
    a field removed, an unknown field added, or another identity (kind, apiVersion, name,
    namespace)."""
    value = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["retype", "retype", "remove", "extra", "identity"]))
        all_paths = list(paths(value))
        path = draw(st.sampled_from(all_paths))
        if how == "retype":
            new = draw(json_values)
            if not path:
                value = new
            else:
                _parent(value, path)[path[-1]] = new
        elif how == "remove" and path:
            del _parent(value, path)[path[-1]]
        elif how == "extra":
            containers = [p for p in all_paths if isinstance(_get(value, p), dict)]
            if containers:
                target = _get(value, draw(st.sampled_from(containers)))
                target[draw(st.sampled_from(PLAIN + ODD_STRINGS + ["$patch", "metadata", "status"]))] = \
                    draw(json_values)
        elif how == "identity" and isinstance(value, dict):
            field = draw(st.sampled_from(["apiVersion", "kind", "name", "namespace", "metadata"]))
            odd = draw(st.one_of(st.sampled_from(["v1", "apps/v1", "Pod", "Deployment", "other", "v2", "", None]),
                                 scalars))
            if field in ("name", "namespace"):
                meta = value.get("metadata")
                if isinstance(meta, dict):
                    meta[field] = odd
            else:
                value[field] = odd
    return value


def _get(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


# ---------------------------------------------------------------------------- bodies on the wire
JSON = "application/json"
YAML = "application/yaml"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
OTHER_TYPES = ["", "text/plain", "application/vnd.kubernetes.protobuf", "application/json; charset=utf-8",
               "APPLICATION/JSON", "multipart/form-data", "application/x-www-form-urlencoded", JSON, YAML,
               MERGE, STRATEGIC, JSON_PATCH, APPLY, "application/x-yaml", "*/*"]
JUNK_BODIES = [b"", b" ", b"null", b"[]", b"{}", b"0", b'"x"', b"{", b"[1,", b'{"a":NaN}', b'{"a":Infinity}',
               b'{"a":-Infinity}', b'{"a":1e400}', b'{"a":"\\ud800"}', b'{"a":"\xff"}', b"\xef\xbb\xbf{}",
               b'{"a":1}{"b":2}', b"[" * 150 + b"]" * 150, b"a: &x [1]\nb: *x", b"a: .nan", b"? [1]\n: 2",
               b"!!binary aGk=", b"a: 2001-12-14t21:59:43.10-05:00", b"- 1\n- 2", b"\x00\x01\x02",
               b"k8s\x00\x0a\x02\x08\x01"]


@st.composite
def wire(draw: st.DrawFn, value: Any, content_type: str) -> tuple[bytes, str]:
    """``value`` encoded as a client would send it — JSON (escaped or raw UTF-8) or YAML in
    ``content_type`` — or, sometimes, junk bytes in any content type."""
    how = draw(st.sampled_from(["json", "json", "json-raw", "yaml", "junk", "binary"]))
    if how == "junk":
        return draw(st.sampled_from(JUNK_BODIES)), draw(st.sampled_from([content_type] + OTHER_TYPES))
    if how == "binary":
        return draw(st.binary(max_size=40)), draw(st.sampled_from([content_type] + OTHER_TYPES))
    if how == "yaml":
        try:
            return yaml.safe_dump(value).encode(), YAML if content_type == JSON else content_type
        except (yaml.YAMLError, UnicodeEncodeError):
            pass
    if how == "json-raw":
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"), content_type
    return json.dumps(value).encode(), content_type


# ---------------------------------------------------------------------------- query parameters
CONTINUE_JUNK = ["x", "e30=", base64.urlsafe_b64encode(b'{"rv": "x", "start": 5}').decode(),
                 base64.urlsafe_b64encode(b'{"rv": 1e300, "start": "/registry/"}').decode(),
                 base64.urlsafe_b64encode(b'{"rv": -1, "start": "/registry/configmaps/default/a"}').decode(),
                 base64.urlsafe_b64encode(b'{"rv": 99999999999999999999, "start": ""}').decode(),
                 base64.urlsafe_b64encode(b'[1, 2]').decode(), "%%%", "\x00"]
SELECTORS = ["", "app=fuzz", "app!=fuzz", "app in (fuzz,web)", "app notin (a)", "app", "!app", "app==fuzz",
             "a=b,c", "example.com/role=x", "app in ()", "app=", "=x", "a b", "app in (a", ",", "app>1",
             "x" * 300 + "=y", "app=\ud800"]
FIELD_SELECTORS = ["", "metadata.name=fuzz", "metadata.name!=fuzz", "metadata.namespace=default",
                   "metadata.namespace==default", "spec.nodeName=", "spec.nodeName=node-1", "status.phase=Running",
                   "spec.unknown=x", "metadata.name", "metadata.name=a,metadata.name=b", "type=Opaque",
                   "involvedObject.name=web", "spec.schedulerName=default-scheduler", "=", "metadata.name in (a)"]
BOOLS = ["true", "false", "1", "0", "True", "yes", "", "maybe"]


#: Values a well-behaved client sends, per parameter.
SANE_VALUES = {
    "limit": ["1", "2", "3", "500"], "timeoutSeconds": ["1", "30"], "gracePeriodSeconds": ["0", "1", "30"],
    "resourceVersionMatch": ["NotOlderThan", "Exact"], "labelSelector": SELECTORS[:10],
    "fieldSelector": FIELD_SELECTORS[:6], "fieldValidation": ["Ignore", "Strict", "Warn"], "dryRun": ["All"],
    "fieldManager": ["fuzzer", "kubectl-client-side-apply", "other"], "includeObject": ["None", "Metadata", "Object"],
    "propagationPolicy": ["Orphan", "Background", "Foreground"], "force": ["true", "false"],
    "orphanDependents": ["true", "false"], "allowWatchBookmarks": ["true"], "sendInitialEvents": ["false"],
    "pretty": ["true"],
}


def _query_values(name: str, revisions: list[str], tokens: list[str], wild: bool) -> st.SearchStrategy[str]:
    if name == "continue" and tokens and not wild:
        return st.sampled_from(tokens)
    if name == "resourceVersion" and not wild:
        return st.sampled_from(revisions + ["0"])
    if not wild:
        return st.sampled_from(SANE_VALUES.get(name, ["true"]))
    ints = st.one_of(st.integers(-5, 5).map(str), st.sampled_from([str(n) for n in EDGE_NUMBERS]),
                     st.sampled_from(["", "x", "1.5", " 1", "0x10", "+5", "1_0", "²", "١٢", "99999999999999999999999"]))
    # as an ASGI server hands them over: percent-decoded UTF-8, undecodable bytes replaced
    text = st.one_of(st.text(max_size=8), st.sampled_from([s for s in ODD_STRINGS if "\ud800" not in s
                                                           and "\udfff" not in s]))
    options = {
        "limit": ints, "timeoutSeconds": ints, "gracePeriodSeconds": ints,
        "continue": st.one_of(st.sampled_from(tokens or ["x"]), st.sampled_from(CONTINUE_JUNK)),
        "resourceVersion": st.sampled_from(revisions + ["", "0", "1", "-1", "abc", "1.0", "²", "١", " 1",
                                                        "99999999999999999999", "18446744073709551616"]),
        "resourceVersionMatch": st.sampled_from(["", "Exact", "NotOlderThan", "exact", "Bogus"]),
        "labelSelector": st.one_of(st.sampled_from(SELECTORS), text),
        "fieldSelector": st.one_of(st.sampled_from(FIELD_SELECTORS), text),
        "fieldValidation": st.sampled_from(["", "Ignore", "Strict", "Warn", "strict", "Bogus"]),
        "dryRun": st.sampled_from(["All", "", "all", "Bogus"]),
        "fieldManager": st.one_of(st.sampled_from(["fuzzer", "kubectl", "", "m" * 129, "a\x01b", "名前"]), text),
        "propagationPolicy": st.sampled_from(["Orphan", "Background", "Foreground", "", "orphan", "Bogus"]),
        "includeObject": st.sampled_from(["None", "Metadata", "Object", "", "Bogus"]),
    }
    return options.get(name, st.one_of(st.sampled_from(BOOLS), text))


PARAMS = ["limit", "continue", "resourceVersion", "resourceVersionMatch", "labelSelector", "fieldSelector",
          "timeoutSeconds", "allowWatchBookmarks", "sendInitialEvents", "includeObject", "fieldValidation",
          "dryRun", "fieldManager", "force", "gracePeriodSeconds", "propagationPolicy", "orphanDependents",
          "pretty", "bogus"]
#: The parameters each verb reads.
VERB_PARAMS = {
    "list": ["limit", "continue", "resourceVersion", "resourceVersionMatch", "labelSelector", "fieldSelector"],
    "watch": ["resourceVersion", "labelSelector", "fieldSelector", "timeoutSeconds", "allowWatchBookmarks",
              "sendInitialEvents", "includeObject"],
    "write": ["fieldValidation", "dryRun", "fieldManager"],
    "apply": ["fieldValidation", "dryRun", "fieldManager", "force"],
    "delete": ["gracePeriodSeconds", "propagationPolicy", "orphanDependents", "dryRun"],
}


@st.composite
def queries(draw: st.DrawFn, verb: str, session: Session, wild: bool) -> dict[str, str]:
    """Query parameters for ``verb``: the ones it reads, with values a client sends — or, when
    ``wild``, any parameter with any value."""
    own = st.sampled_from(VERB_PARAMS.get(verb, ["pretty"]))
    names = draw(st.lists(st.one_of(own, st.sampled_from(PARAMS)) if wild else own, max_size=4, unique=True))
    if not wild and verb in ("write", "apply"):
        names = [n for n in names if n != "dryRun" or draw(st.integers(0, 3)) == 0]
    query = {name: draw(_query_values(name, session.revisions, session.tokens, wild)) for name in names}
    if verb == "apply" and "fieldManager" not in query and (not wild or draw(st.booleans())):
        query["fieldManager"] = "fuzzer"
    if not wild and (query.get("resourceVersion") in (None, "0") or "continue" in query):
        query.pop("resourceVersionMatch", None)
    return query


# ---------------------------------------------------------------------------- patches
POINTERS = ["", "/", "/metadata/labels/new", "/metadata/labels/example.com~1role", "/spec/-", "/nope/deeper",
            "/metadata/~2", "/spec/containers/-", "/spec/containers/99", "/spec/containers/-1",
            "/spec/containers/01", "/metadata/finalizers/-", "/metadata/annotations", "/status", "/kind",
            "/metadata/name", "/spec/replicas", "/data/key"]


def pointer(path: tuple) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


@st.composite
def json_patches(draw: st.DrawFn, target: Any, wild: bool = True) -> Any:
    """RFC 6902 operations on paths of ``target`` and beyond, with good and bad values (only
    on paths of ``target``, with valid operations, unless ``wild``)."""
    known = [pointer(p) for p in paths(target)] + (POINTERS if wild else ["/metadata/labels/new"])
    if not wild:
        ops = st.fixed_dictionaries({"op": st.sampled_from(["add", "replace", "test", "remove"]),
                                     "path": st.sampled_from(known), "value": st.sampled_from(PLAIN)})
        return draw(st.lists(ops, min_size=1, max_size=2))

    def one() -> dict:
        op = {"op": draw(st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "bogus", 7])),
              "path": draw(st.one_of(st.sampled_from(known), st.sampled_from([None, 1, "noslash"])))}
        if draw(st.booleans()):
            op["value"] = draw(st.one_of(json_values, st.sampled_from([{"x": "y"}, ["a"], "v", 3, None])))
        if draw(st.booleans()):
            op["from"] = draw(st.sampled_from(known))
        if draw(st.integers(0, 5)) == 0:
            del op[draw(st.sampled_from(sorted(op)))]
        return op

    return draw(st.one_of(st.builds(lambda n: [one() for _ in range(n)], st.integers(0, 3)),
                          st.just({"op": "add"}), json_values))


DIRECTIVES = ["$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/finalizers",
              "$deleteFromPrimitiveList/finalizers", "$setElementOrder/env", "$deleteFromPrimitiveList/args"]


@st.composite
def strategic_patches(draw: st.DrawFn, partial: Any) -> Any:
    """A partial object with strategic-merge directives sprinkled at random maps."""
    patch = json.loads(json.dumps(partial))
    for _ in range(draw(st.integers(0, 3))):
        maps = [p for p in paths(patch) if isinstance(_get(patch, p), dict)]
        if not maps:
            break
        target = _get(patch, draw(st.sampled_from(maps)))
        target[draw(st.sampled_from(DIRECTIVES))] = draw(st.one_of(
            st.sampled_from(["delete", "replace", "merge", "bogus"]),
            st.lists(st.sampled_from(["app", "name", "spec", "x"]), max_size=2),
            st.lists(st.fixed_dictionaries({"name": st.sampled_from(["app", "x"])}), max_size=2),
            json_values))
    return patch


# ---------------------------------------------------------------------------- the oracle
class Hang(Exception):
    pass


@contextmanager
def no_hang(what: str) -> Iterator[None]:
    def alarm(_signum: int, _frame: object) -> None:
        raise Hang(f"{what} still running after {HANG_SECONDS}s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def strict(value: Any, what: str) -> None:
    """``value`` is strict JSON, as every client must be able to read it."""
    try:
        json.dumps(value, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise AssertionError(f"{what}: not strict JSON: {exc}: {value!r:.500}") from None


def check(response: APIResponse, what: str) -> None:
    """The answer to any request: 2xx with strict JSON, or a 4xx Status; headers an HTTP
    response can carry (no control characters, as upstream's ``NewWarningHeader`` insists)."""
    code, body = response.code, response.body
    for name, value in response.headers.items():
        assert isinstance(value, str) and not any(unicodedata.category(c) == "Cc" for c in name + value), \
            f"{what}: header {name}: {value!r}"
    if response.watcher is not None:
        assert code == 200, what
        return
    if 200 <= code < 300:
        if not (isinstance(body, str) and body == "ok"):
            assert isinstance(body, dict), f"{what}: {code} with {body!r:.300}"
            strict(body, what)
        return
    assert isinstance(body, dict) and body.get("kind") == "Status", f"{what}: {code} with {body!r:.500}"
    strict(body, what)
    assert body.get("code") == code, f"{what}: HTTP {code} carries a Status with code {body.get('code')}"
    assert isinstance(body.get("reason"), str) and body["reason"], f"{what}: a Status without a reason: {body}"
    assert isinstance(body.get("message"), str), f"{what}: a Status without a message: {body}"
    if code == 504 and body["reason"] == "Timeout":
        causes = (body.get("details") or {}).get("causes") or []
        assert any(c.get("reason") == "ResourceVersionTooLarge" for c in causes), f"{what}: {body}"
        return
    if code == 500 and "/log" in what and ":10250/containerLogs/" in body["message"]:
        return  # pods/log of a pod on a node whose kubelet nobody runs here: upstream's proxy error
    assert 400 <= code < 500, f"{what}: {code} {body.get('reason')}: {body.get('message')}"


def drain(watcher: Any, what: str) -> None:
    for _ in range(3):
        with no_hang(f"poll of {what}"):
            events = watcher.poll()
        for event in events:
            strict(event, f"event of {what}")
            assert event.get("type") in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"), event
        if not events or watcher.done:
            return


# ---------------------------------------------------------------------------- requests
def _bootstrapped() -> list[tuple[str, dict]]:
    """What a bootstrapped cluster holds (namespaces, service accounts, RBAC policy), by key."""
    cluster = Cluster()
    items, _, _ = cluster.store.list("")
    return [(item_key(next(rt for rt in RESOURCES if rt.kind == o["kind"]), o), o) for o in items]


BOOTSTRAPPED = _bootstrapped()


def fresh_cluster() -> Cluster:
    """A bootstrapped cluster, copied into a new store rather than written through the API
    server again: five times faster, and each example still starts from the same state."""
    cluster = Cluster(bootstrap=False)
    for key, obj in BOOTSTRAPPED:
        cluster.store.create(key, json.loads(json.dumps(obj)))
    return cluster


class Session:
    """One fresh cluster and what the requests so far have taught: revisions and continue
    tokens to send back, and the watches still open."""

    def __init__(self, rt: ResourceType) -> None:
        self.rt = rt
        self.cluster = fresh_cluster()
        self.revisions: list[str] = []
        self.tokens: list[str] = []
        self.watchers: list[tuple[Any, str]] = []

    def send(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
             query: dict | None = None, headers: dict | None = None) -> APIResponse:
        sent = {"User-Agent": "fuzz/1.0", **(headers or {})}
        if "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        if content_type is not None:
            sent["Content-Type"] = content_type
        what = f"{method} {path}?{query or {}} [{content_type}] {body!r:.300}"
        with no_hang(what):
            response = self.cluster.server.handle(APIRequest(method, path, query=query or {}, headers=sent,
                                                             body=body))
        check(response, what)
        self.learn(response, what)
        return response

    def learn(self, response: APIResponse, what: str) -> None:
        if response.watcher is not None:
            self.watchers.append((response.watcher, what))
            drain(response.watcher, what)
            return
        body = response.body if isinstance(response.body, dict) else {}
        meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        if meta.get("resourceVersion"):
            self.revisions.append(meta["resourceVersion"])
        if meta.get("continue"):
            self.tokens.append(meta["continue"])

    def poll_watchers(self) -> None:
        for watcher, what in self.watchers:
            drain(watcher, what)


@st.composite
def item_paths(draw: st.DrawFn, rt: ResourceType, subresource: str = "", wild: bool = False) -> str:
    """The seed object's path, or when ``wild`` another object's, odd names, other namespaces."""
    name, namespace = NAME, NAMESPACE
    if wild:
        name = draw(st.sampled_from([NAME, NAME, "other", "Fuzz", "a" * 300, "é", "a.b", "%00", "-", "a:b"]))
        namespace = draw(st.sampled_from([NAMESPACE, NAMESPACE, "missing", "kube-system", "Bad_NS"]))
    base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
    collection = f"{base}/namespaces/{namespace}/{rt.name}" if rt.namespaced else f"{base}/{rt.name}"
    return f"{collection}/{name}" + (f"/{subresource}" if subresource else "")


@st.composite
def collection_paths(draw: st.DrawFn, rt: ResourceType, wild: bool = False) -> str:
    if not rt.namespaced:
        return collection_path(rt.name, group=rt.group)
    choices = [collection_path(rt.name, NAMESPACE, rt.group), collection_path(rt.name, group=rt.group)]
    return draw(st.sampled_from(choices + ([collection_path(rt.name, "missing", rt.group)] if wild else [])))


@st.composite
def bodies(draw: st.DrawFn, rt: ResourceType, name: str = NAME, wild: bool = True) -> Any:
    """An object of ``rt``: its seed overlaid with schema-derived fields — when ``wild``,
    with values at the edges, or mutated."""
    schema = schema_for(rt.group, rt.version, rt.kind)
    edgy = wild and draw(st.booleans())
    extra = draw(from_schema(SCHEMAS[schema], top=True, edgy=edgy)) if schema else {}
    if not wild and isinstance(extra.get("metadata"), dict):
        for key in ("namespace", "resourceVersion"):  # a create carrying them is refused
            extra["metadata"].pop(key, None)
    value = overlay(seed(rt, name), extra)
    if wild and not edgy:
        value = draw(mutated(value))
    return value


@st.composite
def partials(draw: st.DrawFn, rt: ResourceType, wild: bool) -> Any:
    """A partial object of ``rt`` from its schema (for merge and strategic patches, and
    changes to an update), without the fields that name it."""
    schema = schema_for(rt.group, rt.version, rt.kind)
    edgy = wild and draw(st.booleans())
    value = draw(from_schema(SCHEMAS[schema], top=True, edgy=edgy)) if schema else {}
    if isinstance(value.get("metadata"), dict):
        for key in ("name", "namespace", "resourceVersion", "uid"):
            value["metadata"].pop(key, None)
    if wild and not edgy:
        value = draw(mutated(value))
    return value


def verbs(rt: ResourceType) -> list[str]:
    """What to try on ``rt``: every verb and subresource (whether it serves them or not)."""
    out = ["create", "update", "merge", "strategic", "json", "apply", "delete", "deletecollection", "get", "list",
           "watch", "odd"]
    for sub in rt.subresources:
        out += {"status": ["status-update", "status-patch"], "scale": ["scale-get", "scale-update", "scale-patch"],
                "binding": ["binding"], "finalize": ["finalize"], "log": ["log"], "exec": ["exec"],
                "attach": ["attach"], "portforward": ["portforward"]}[sub]
    return out


WILD_HEADERS = st.sampled_from([
    {}, {"Authorization": f"Bearer {ALICE_TOKEN}"}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YTpi"},
    {"Authorization": ""}, {"Impersonate-User": "alice"}, {"Impersonate-User": "system:serviceaccount:a"},
    {"Impersonate-Group": "system:masters"}, {"Impersonate-Uid": "x"},
    {"Impersonate-User": "alice", "Impersonate-Extra-%zz": "v"}, {"Accept": "application/vnd.kubernetes.protobuf"},
    {"Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"}, {"Accept": "application/json;as=Bogus"},
    {"Accept": "text/html"}, {"User-Agent": "\x00\x7f/1"}, {"User-Agent": "x" * 300}])
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


@st.composite
def requests(draw: st.DrawFn, session: Session) -> tuple:
    """One request against ``session.rt``: (method, path, body, query, content type, headers).

    A third are ``wild`` (any path, credentials, parameters and mutated or junk bodies); the
    rest are what a client that means well sends, so that they are accepted and the next
    request finds something to act on."""
    rt = session.rt
    wild = draw(st.integers(0, 2)) == 0
    verb = draw(st.sampled_from(verbs(rt)))
    headers = dict(draw(WILD_HEADERS)) if wild else {}
    if draw(st.integers(0, 3)) == 0:
        headers["Accept"] = TABLE

    def query(kind: str) -> dict:
        return draw(queries(kind, session, wild))

    def encoded(value: Any, content_type: str) -> tuple[bytes, str]:
        return draw(wire(value, content_type)) if wild else (json.dumps(value).encode(), content_type)

    def current(path: str) -> Any:
        body = session.cluster.get(path).body
        return body if isinstance(body, dict) and body.get("kind") == rt.kind else None

    if verb == "create":
        value = draw(bodies(rt, draw(st.sampled_from([NAME, "other", ""])), wild)) if rt.kind in SEEDS else {}
        return "POST", draw(collection_paths(rt, wild)), *encoded(value, JSON), query("write"), headers
    if verb in ("update", "status-update", "finalize"):
        path = draw(item_paths(rt, wild=wild))
        value = current(path) or draw(bodies(rt, wild=wild))
        value = overlay(draw(partials(rt, wild)), value) if draw(st.booleans()) else value
        sub = {"update": "", "status-update": "status", "finalize": "finalize"}[verb]
        return "PUT", path + (f"/{sub}" if sub else ""), *encoded(value, JSON), query("write"), headers
    if verb in ("merge", "strategic", "status-patch"):
        ctype = MERGE if verb == "merge" else draw(st.sampled_from([MERGE, STRATEGIC]))
        patch = draw(partials(rt, wild))
        if ctype == STRATEGIC and wild:
            patch = draw(strategic_patches(patch))
        sub = "status" if verb == "status-patch" else ""
        return "PATCH", draw(item_paths(rt, sub, wild)), *encoded(patch, ctype), query("write"), headers
    if verb == "json":
        path = draw(item_paths(rt, wild=wild))
        sub = draw(st.sampled_from(["", "", "/status"])) if "status" in rt.subresources else ""
        return "PATCH", path + sub, *encoded(draw(json_patches(current(path) or {}, wild)), JSON_PATCH), \
            query("write"), headers
    if verb == "apply":
        config = draw(bodies(rt, wild=wild))
        if isinstance(config, dict) and isinstance(config.get("metadata"), dict) and draw(st.booleans()):
            config["metadata"].pop("namespace", None)
        return "PATCH", draw(item_paths(rt, wild=wild)), *encoded(config, APPLY), query("apply"), headers
    if verb in ("delete", "deletecollection"):
        body, ctype = None, None
        if draw(st.booleans()):
            options = draw(from_schema(SCHEMAS[META + "DeleteOptions"]))
            if not wild and draw(st.booleans()):
                options.pop("preconditions", None)
            if wild and draw(st.booleans()):
                options = draw(mutated(options))
            body, ctype = encoded(options, JSON)
        path = draw(item_paths(rt, wild=wild)) if verb == "delete" else draw(collection_paths(rt, wild))
        params = query("delete")
        if verb == "deletecollection":
            params.update(query("list"))
        return "DELETE", path, body, ctype, params, headers
    if verb == "get":
        sub = draw(st.sampled_from(["", "", "status", "scale", "bogus"] if wild else [""]))
        return "GET", draw(item_paths(rt, sub, wild)), None, None, query("get"), headers
    if verb in ("list", "watch"):
        params = query(verb)
        if verb == "watch":
            params["watch"] = draw(st.sampled_from(["true", "1", "True"]))
        return "GET", draw(collection_paths(rt, wild)), None, None, params, headers
    if verb == "scale-get":
        return "GET", draw(item_paths(rt, "scale", wild)), None, None, {}, headers
    if verb in ("scale-update", "scale-patch"):
        scale = draw(from_schema(SCHEMAS["io.k8s.api.autoscaling.v1.Scale"]))
        scale = overlay({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": NAME},
                         "spec": {"replicas": draw(st.integers(0, 5))}}, scale)
        if not wild:
            scale["metadata"].pop("resourceVersion", None)
        if wild and draw(st.booleans()):
            scale = draw(mutated(scale))
        method = "PUT" if verb == "scale-update" else "PATCH"
        ctype = JSON if method == "PUT" else draw(st.sampled_from([MERGE, STRATEGIC]))
        return method, draw(item_paths(rt, "scale", wild)), *encoded(scale, ctype), query("write"), headers
    if verb == "log":
        params = {k: draw(st.sampled_from(["", "1", "-1", "x", "true", "app"]))
                  for k in draw(st.lists(st.sampled_from(["container", "previous", "follow", "tailLines",
                                                          "sinceSeconds", "limitBytes", "timestamps"]), max_size=3))}
        return "GET", draw(item_paths(rt, "log", wild)), None, None, params, headers
    if verb in ("exec", "attach", "portforward"):  # no upgrade: 400 "Upgrade request required", or a refusal
        params = {k: draw(st.sampled_from(["", "1", "x", "true", "sh", "app", "8080", "0"]))
                  for k in draw(st.lists(st.sampled_from(["command", "container", "stdin", "stdout", "stderr", "tty",
                                                          "ports"]), max_size=4))}
        return draw(st.sampled_from(["GET", "POST"])), draw(item_paths(rt, verb, wild)), None, None, params, headers
    if verb == "binding":
        binding = overlay({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": NAME},
                           "target": {"kind": "Node", "name": "node-1"}},
                          draw(from_schema(SCHEMAS["io.k8s.api.core.v1.Binding"])))
        if wild and draw(st.booleans()):
            binding = draw(mutated(binding))
        return "POST", draw(item_paths(rt, "binding", wild)), *encoded(binding, JSON), {}, headers
    # "odd": any method on any path of this resource
    method = draw(st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO"]))
    path = draw(st.one_of(collection_paths(rt, True), item_paths(rt, "", True), item_paths(rt, "bogus", True),
                          item_paths(rt, "status", True)))
    body, ctype = draw(wire(draw(bodies(rt)) if rt.kind in SEEDS else {}, JSON))
    return method, path, body, ctype, query("odd"), headers


def final_checks(session: Session) -> None:
    """After the requests: everything stored, listed, tabled and watched is strict JSON."""
    rt, cluster = session.rt, session.cluster
    session.poll_watchers()
    items, _, _ = cluster.store.list("")
    for obj in items:
        strict(obj, f"stored {obj.get('kind')} {obj.get('metadata', {}).get('name')}")
    if rt.create_only:
        return
    for accept in (None, "application/json;as=Table;v=v1;g=meta.k8s.io"):
        session.send("GET", collection_path(rt.name, group=rt.group), headers={"Accept": accept} if accept else {})
    if "watch" in rt.verbs:
        watcher = session.send("GET", collection_path(rt.name, group=rt.group), query={"watch": "true"}).watcher
        drain(watcher, f"watch of every {rt.name}")


def create(session: Session, rt: ResourceType, value: Any) -> None:
    session.send("POST", collection_path(rt.name, NAMESPACE if rt.namespaced else "", rt.group), json.dumps(value).encode(),
                 JSON)


@pytest.mark.parametrize("rt", SERVED, ids=[rt.name for rt in SERVED])
@FUZZ
@given(data=st.data())
def test_any_request_is_answered_with_strict_json_or_a_4xx_status(rt: ResourceType, data: st.DataObject) -> None:
    session = Session(rt)
    # Sometimes an object of another kind first, that admission or authorization then reads
    # (a quota, a limit range, a role binding for alice, an owner).
    companion = data.draw(st.one_of(st.none(), st.none(), st.sampled_from(WRITABLE)), label="companion kind")
    if companion is not None:
        create(session, companion, data.draw(bodies(companion, "companion", wild=data.draw(st.booleans())),
                                             label="companion"))
    if not rt.virtual:
        # An object of the kind (itself drawn from its schema), for later requests to act on:
        # mostly valid, sometimes with values at the edges that a later request then meets.
        create(session, rt, data.draw(bodies(rt, wild=data.draw(st.integers(0, 3), label="edgy seed") == 0),
                                      label="seed object"))
    for _ in range(data.draw(st.integers(1, 6), label="requests")):
        method, path, body, ctype, query, headers = data.draw(requests(session), label="request")
        session.send(method, path, body, ctype, query, headers)
        session.poll_watchers()
    final_checks(session)


@pytest.mark.parametrize("rt", STORED, ids=[rt.name for rt in STORED])
def test_every_seed_is_accepted(rt: ResourceType) -> None:
    """The seeds are valid, so the fuzzed writes that keep them so reach storage."""
    session = Session(rt)
    path = collection_path(rt.name, NAMESPACE if rt.namespaced else "", rt.group)

    response = session.send("POST", path, json.dumps(seed(rt)).encode(), content_type=JSON)

    assert response.code == 201, response.body
