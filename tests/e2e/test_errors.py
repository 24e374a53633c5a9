"""Bad input and error answers, over raw HTTPS (the admin's bearer token, the kubeconfig's CA) and
through kubectl: every error under ``/clusters/<name>/api…`` is a JSON ``Status`` kubectl can print,
a rejected write stores nothing, and hostile bodies never take the server down."""
from __future__ import annotations

import json

import pytest
import yaml

from tests.e2e.conftest import RawAPI, assert_status, tmpfile, unique

SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
TOO_LARGE = "Request entity too large: limit is 3145728"  # kube-apiserver's 3 MiB body limit


@pytest.fixture(scope="module")
def ns(raw_api: RawAPI) -> str:
    name = unique("errors")
    response = raw_api.request("POST", "/api/v1/namespaces", {"metadata": {"name": name}})
    assert response.status == 201, response.body
    return name


def cm_path(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/configmaps" + (f"/{name}" if name else "")


def snapshot(raw_api: RawAPI, ns: str) -> tuple[list[str], str, list[str]]:
    """(names in the namespace, the list's resourceVersion, names of all namespaces)."""
    response = raw_api.get(cm_path(ns))
    assert response.status == 200, response.body
    body = response.json()
    namespaces = raw_api.get("/api/v1/namespaces").json()
    return ([i["metadata"]["name"] for i in body["items"]], body["metadata"]["resourceVersion"],
            [i["metadata"]["name"] for i in namespaces["items"]])


def assert_alive(raw_api: RawAPI) -> None:
    """The server still answers, promptly, both a non-resource path and a list."""
    version = raw_api.get("/version", timeout=10)
    assert version.status == 200 and version.json()["minor"] == "33"
    assert raw_api.get("/api/v1/namespaces", timeout=10).status == 200


def nested_json(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# ------------------------------------------------------------------ undecodable bodies
@pytest.mark.parametrize("body", [
    "{not json",
    '{"metadata": {"name": "truncated"}',
    "",
    "[]",
    "null",
    '"a string"',
    '{"metadata": {"name": "x"}, "data": {"a": "b"}} trailing',
], ids=["garbage", "truncated", "empty", "array", "null", "string", "trailing-garbage"])
def test_bad_json_is_400_and_writes_nothing(raw_api, ns, body):
    before = snapshot(raw_api, ns)
    response = raw_api.request("POST", cm_path(ns), body)
    assert_status(response, 400, "BadRequest")
    assert snapshot(raw_api, ns) == before


@pytest.mark.parametrize("body", [
    '{"metadata": {"name": "nan"}, "data": {"a": NaN}}',
    '{"metadata": {"name": "inf"}, "data": {"a": 1e999}}',
    '{"metadata": {"name": "num"}, "data": {"a": 1}}',
    '{"metadata": {"name": "obj"}, "data": {"a": {"b": "c"}}}',
    '{"metadata": {"name": 123}}',
    '{"metadata": {"name": "lbl", "labels": ["a"]}}',
], ids=["nan", "float-overflow", "number-in-data", "object-in-data", "numeric-name", "labels-list"])
def test_values_of_the_wrong_json_type_are_400_and_every_list_stays_json(raw_api, ns, body):
    before = snapshot(raw_api, ns)
    response = raw_api.request("POST", cm_path(ns), body)
    assert_status(response, 400, "BadRequest")
    assert snapshot(raw_api, ns) == before  # the lists decode as strict JSON (json.loads refuses nothing here)


def test_a_lone_surrogate_is_stored_as_the_replacement_character(raw_api, ns):
    name = unique("surrogate")
    response = raw_api.request("POST", cm_path(ns), '{"metadata": {"name": "%s"}, "data": {"a": "fz\\udcff"}}' % name)
    assert response.status == 201, response.body
    listed = raw_api.get(cm_path(ns)).body.decode("utf-8")  # strict UTF-8: no surrogate escaped through
    assert [i["data"] for i in json.loads(listed)["items"] if i["metadata"]["name"] == name] == [{"a": "fz\ufffd"}]


@pytest.mark.kubectl
def test_kubectl_prints_the_decoders_type_error(kubectl, admin_kubeconfig, ns, tmp_path, raw_api):
    manifest = tmpfile(tmp_path, "typed.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typed\n"
                                               "data:\n  replicas: 3\n")
    rc, out, err = kubectl("create", "-n", ns, "-f", str(manifest), kubeconfig=admin_kubeconfig)
    assert rc == 1, out
    assert err.strip() == (f'Error from server (BadRequest): error when creating "{manifest}": ConfigMap in version '
                           '"v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct '
                           "field ConfigMap.data of type string")


@pytest.mark.parametrize("content_type", ["application/json", None])
def test_deeply_nested_json_is_400_and_the_server_survives(raw_api, ns, content_type):
    before = snapshot(raw_api, ns)
    for body in (nested_json(10000),
                 '{"metadata":{"name":"deep"},"data":{"a":"b"},"extra":' + nested_json(10000) + "}",
                 "[" * 10000 + "]" * 10000):
        response = raw_api.request("POST", cm_path(ns), body, content_type=content_type)
        assert_status(response, 400, "BadRequest")
        assert_alive(raw_api)
    assert snapshot(raw_api, ns) == before


def test_deeply_nested_patch_is_400(raw_api, ns):
    created = raw_api.request("POST", cm_path(ns), {"metadata": {"name": "patch-target"}, "data": {"a": "b"}})
    assert created.status == 201, created.body
    before = snapshot(raw_api, ns)
    for content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
        response = raw_api.request("PATCH", cm_path(ns, "patch-target"), nested_json(10000), content_type)
        assert_status(response, 400, "BadRequest")
    assert snapshot(raw_api, ns) == before
    assert raw_api.get(cm_path(ns, "patch-target")).json()["data"] == {"a": "b"}
    assert_alive(raw_api)


def test_yaml_body_creates(raw_api, ns):
    before = snapshot(raw_api, ns)
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  greeting: hello\n"
    response = raw_api.request("POST", cm_path(ns), body, content_type="application/yaml")
    assert response.status == 201, response.body
    created = response.json()
    assert (created["kind"], created["metadata"]["name"], created["data"]) == ("ConfigMap", "from-yaml",
                                                                               {"greeting": "hello"})
    assert raw_api.get(cm_path(ns, "from-yaml")).json()["data"] == {"greeting": "hello"}
    after = snapshot(raw_api, ns)
    assert after[0] == sorted(before[0] + ["from-yaml"]) and int(after[1]) > int(before[1])


@pytest.mark.parametrize("body", [
    "metadata: [unclosed\n",
    "a: " + "[" * 10000 + "]" * 10000 + "\n",
    # "billion laughs": aliases that expand exponentially when converted to JSON
    'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))
    + "metadata: {name: bomb}\nz: *a8\n",
], ids=["malformed", "deep", "alias-bomb"])
def test_bad_yaml_is_400_and_the_server_survives(raw_api, ns, body):
    before = snapshot(raw_api, ns)
    response = raw_api.request("POST", cm_path(ns), body, content_type="application/yaml", timeout=30)
    assert_status(response, 400, "BadRequest")
    assert_alive(raw_api)
    assert snapshot(raw_api, ns) == before


def test_body_of_another_kind_or_namespace_is_400(raw_api, ns):
    before = snapshot(raw_api, ns)
    response = raw_api.request("POST", cm_path(ns), {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "k"}})
    assert_status(response, 400, "BadRequest")
    response = raw_api.request("POST", cm_path(ns), {"metadata": {"name": "n", "namespace": "elsewhere"}})
    status = assert_status(response, 400, "BadRequest")
    assert status["message"] == "the namespace of the provided object does not match the namespace sent on the request"
    assert snapshot(raw_api, ns) == before


def test_unsupported_content_type_is_415(raw_api, ns):
    before = snapshot(raw_api, ns)
    response = raw_api.request("POST", cm_path(ns), '{"metadata":{"name":"t"}}', content_type="text/plain")
    assert_status(response, 415, "UnsupportedMediaType")
    assert snapshot(raw_api, ns) == before


# ------------------------------------------------------------------ validation: 422 with causes
@pytest.mark.parametrize("path_kind, name, field, reason, detail", [
    ("configmaps", "Bad_Name", "metadata.name", "FieldValueInvalid",
     'Invalid value: "Bad_Name": ' + SUBDOMAIN_MESSAGE),
    ("configmaps", "-leading-dash", "metadata.name", "FieldValueInvalid",
     'Invalid value: "-leading-dash": ' + SUBDOMAIN_MESSAGE),
    ("configmaps", "a" * 254, "metadata.name", "FieldValueInvalid",
     f'Invalid value: "{"a" * 254}": must be no more than 253 characters'),
    ("configmaps", "", "metadata.name", "FieldValueRequired",
     "Required value: name or generateName is required"),
    ("namespaces", "Bad.Name", "metadata.name", "FieldValueInvalid",
     'Invalid value: "Bad.Name": ' + LABEL_MESSAGE),
], ids=["uppercase-underscore", "leading-dash", "too-long", "missing", "namespace-dot"])
def test_invalid_names_are_422_with_causes(raw_api, ns, path_kind, name, field, reason, detail):
    kind = {"configmaps": "ConfigMap", "namespaces": "Namespace"}[path_kind]
    path = cm_path(ns) if path_kind == "configmaps" else "/api/v1/namespaces"
    before = snapshot(raw_api, ns)
    metadata = {"name": name} if name else {}
    response = raw_api.request("POST", path, {"apiVersion": "v1", "kind": kind, "metadata": metadata})
    status = assert_status(response, 422, "Invalid")
    assert status["message"] == f'{kind} "{name}" is invalid: {field}: {detail}'
    details = status["details"]
    assert (details["kind"], details["name"]) == (kind, name)
    assert details["causes"] == [{"reason": reason, "message": detail, "field": field}]
    assert snapshot(raw_api, ns) == before


def test_invalid_pod_lists_every_cause(raw_api, ns):
    before = snapshot(raw_api, ns)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c"}, {"name": "c", "image": "nginx"}]}}
    response = raw_api.request("POST", f"/api/v1/namespaces/{ns}/pods", pod)
    status = assert_status(response, 422, "Invalid")
    causes = {(c["field"], c["reason"]) for c in status["details"]["causes"]}
    assert ("spec.containers[0].image", "FieldValueRequired") in causes
    assert ("spec.containers[1].name", "FieldValueDuplicate") in causes
    assert status["message"].startswith('Pod "p" is invalid: [')
    assert raw_api.get(f"/api/v1/namespaces/{ns}/pods").json()["items"] == []
    assert snapshot(raw_api, ns) == before


# ------------------------------------------------------------------ size limit
@pytest.mark.parametrize("method, name, content_type", [
    ("POST", "", "application/json"),
    ("POST", "", "application/yaml"),
    ("PUT", "big-target", "application/json"),
    ("PATCH", "big-target", "application/merge-patch+json"),
])
def test_four_mib_body_is_413(raw_api, ns, method, name, content_type):
    if name and raw_api.get(cm_path(ns, name)).status == 404:
        assert raw_api.request("POST", cm_path(ns), {"metadata": {"name": name}, "data": {"a": "b"}}).status == 201
    before = snapshot(raw_api, ns)
    payload = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name or "big"},
               "data": {"blob": "x" * (4 * 1024 * 1024)}}
    body = yaml.safe_dump(payload) if content_type == "application/yaml" else json.dumps(payload)
    response = raw_api.request(method, cm_path(ns, name), body, content_type=content_type, timeout=60)
    status = assert_status(response, 413, "RequestEntityTooLarge")
    assert status["message"] == TOO_LARGE
    assert snapshot(raw_api, ns) == before
    if name:
        assert raw_api.get(cm_path(ns, name)).json()["data"] == {"a": "b"}
    assert_alive(raw_api)


def test_a_body_just_under_the_limit_is_accepted(raw_api, ns):
    response = raw_api.request("POST", cm_path(ns), {"metadata": {"name": "almost-big"},
                                                     "data": {"blob": "x" * (900 * 1024)}})
    assert response.status == 201, response.body[:300]


# ------------------------------------------------------------------ every error is a Status
def test_errors_are_statuses(raw_api, ns, student_kubeconfig):
    cases = [
        # unknown paths
        ("GET", "/api/v1/nosuchthings", None, 404),
        ("GET", f"/api/v1/namespaces/{ns}/nosuchthings", None, 404),
        ("GET", "/api/v2", None, 404),
        ("GET", "/api/v2/namespaces", None, 404),
        ("GET", "/apis/nosuch.example.com/v1/things", None, 404),
        ("GET", "/apis/apps/v2/deployments", None, 404),
        ("GET", "/apis/apps/v1/namespaces/default/nosuch", None, 404),
        ("GET", "/apis/nosuch.example.com", None, 404),
        # a missing object
        ("GET", cm_path(ns, "nosuch"), None, 404),
        ("DELETE", cm_path(ns, "nosuch"), None, 404),
        ("PUT", cm_path(ns, "nosuch"), {"metadata": {"name": "nosuch", "resourceVersion": "1"}}, 404),
        # methods a path does not serve
        ("POST", cm_path(ns, "some-name"), {"metadata": {"name": "some-name"}}, 405),
        ("PUT", cm_path(ns), {"metadata": {"name": "x"}}, 405),
        ("PATCH", cm_path(ns), {"metadata": {"name": "x"}}, 405),
    ]
    before = snapshot(raw_api, ns)
    for method, path, body, code in cases:
        response = raw_api.request(method, path, body, content_type="application/merge-patch+json"
                                   if method == "PATCH" else "application/json")
        try:
            assert_status(response, code)
        except AssertionError as exc:
            raise AssertionError(f"{method} {path}: {exc}") from None
    assert snapshot(raw_api, ns) == before

    # an unknown cluster
    response = raw_api.request("GET", "/clusters/nosuch-cluster/api/v1/namespaces", absolute=True)
    status = assert_status(response, 404, "NotFound")
    assert "nosuch-cluster" in status["message"]
    response = raw_api.request("GET", "/clusters/nosuch-cluster/api", absolute=True)
    assert_status(response, 404, "NotFound")

    # credentials
    status = assert_status(raw_api.request("GET", "/api/v1/namespaces", token="not-a-token"), 401, "Unauthorized")
    assert status["message"] == "Unauthorized"
    status = assert_status(RawAPI(student_kubeconfig).get(f"/api/v1/namespaces/{ns}/secrets"), 403, "Forbidden")
    assert status["message"] == (f'secrets is forbidden: User "student" cannot list resource "secrets" in API '
                                 f'group "" in the namespace "{ns}"')
    assert status["details"] == {"kind": "secrets"}

    # conflicts
    response = raw_api.request("POST", cm_path(ns), {"metadata": {"name": "dup"}})
    assert response.status == 201
    status = assert_status(raw_api.request("POST", cm_path(ns), {"metadata": {"name": "dup"}}), 409,
                           "AlreadyExists")
    assert status["message"] == 'configmaps "dup" already exists'
    assert status["details"] == {"name": "dup", "kind": "configmaps"}
    stale = response.json()
    assert raw_api.request("PUT", cm_path(ns, "dup"), {**stale, "data": {"v": "1"}}).status == 200
    status = assert_status(raw_api.request("PUT", cm_path(ns, "dup"), {**stale, "data": {"v": "2"}}), 409, "Conflict")
    assert status["message"] == ('Operation cannot be fulfilled on configmaps "dup": the object has been modified; '
                                 'please apply your changes to the latest version and try again')


# ------------------------------------------------------------------ the same through kubectl
@pytest.mark.kubectl
def test_kubectl_prints_validation_errors(kubectl, admin_kubeconfig, ns, tmp_path, raw_api):
    before = snapshot(raw_api, ns)
    manifest = tmpfile(tmp_path, "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n")
    rc, out, err = kubectl("create", "-n", ns, "-f", str(manifest), kubeconfig=admin_kubeconfig)
    assert rc == 1, out
    assert err.strip() == f'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ' \
                          f"{SUBDOMAIN_MESSAGE}"
    assert snapshot(raw_api, ns) == before


@pytest.mark.kubectl
def test_kubectl_prints_too_large(kubectl, admin_kubeconfig, ns, tmp_path, raw_api):
    before = snapshot(raw_api, ns)
    manifest = tmpfile(tmp_path, "big.yaml", yaml.safe_dump({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"},
        "data": {"blob": "x" * (4 * 1024 * 1024)}}))
    rc, out, err = kubectl("create", "-n", ns, "-f", str(manifest), "--validate=false", kubeconfig=admin_kubeconfig)
    assert rc == 1, out
    assert err.strip() == f'Error from server (RequestEntityTooLarge): error when creating "{manifest}": {TOO_LARGE}'
    assert snapshot(raw_api, ns) == before


@pytest.mark.kubectl
def test_kubectl_get_unknown_resource_type(kubectl, admin_kubeconfig):
    rc, out, err = kubectl("get", "nosuchthings", kubeconfig=admin_kubeconfig)
    assert rc == 1
    assert err.strip().splitlines()[-1] == 'error: the server doesn\'t have a resource type "nosuchthings"'


@pytest.mark.parametrize("path", [
    "/clusters/../clusters/demo/api/v1/namespaces",
    "/clusters/demo/./api/v1/namespaces",
    "/clusters/demo/healthz/nope",
    "/clusters/demo/readyz/not-a-check",
], ids=["dot-dot", "dot", "unknown-healthz-check", "unknown-readyz-check"])
def test_odd_paths_under_clusters_are_404_statuses(raw_api, path):
    assert_status(raw_api.get(path, absolute=True), 404, "NotFound")


@pytest.mark.parametrize("path", ["/clusters/demo/healthz", "/clusters/demo/healthz/ping",
                                  "/clusters/demo/readyz/informer-sync", "/clusters/demo/livez/etcd"])
def test_known_health_checks_answer_ok(raw_api, path):
    response = raw_api.get(path, absolute=True)
    assert (response.status, response.body) == (200, b"ok")
