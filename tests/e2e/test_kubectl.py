"""The real kubectl against ``manage.py up``: what a learner types and what they must see.

Each test works in its own namespace (or with its own names), so the tests share one server.
Expected texts are upstream kubectl/kube-apiserver output (see /work/shared/kube-api-wire.md).
"""
from __future__ import annotations

import json
import queue
import re
import threading
import time

import pytest
import yaml

from tests.e2e.conftest import DEPLOYMENT, get_json, kubectl_popen, ok, rows, tmpfile, unique

pytestmark = pytest.mark.kubectl

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  greeting: {value}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: app
    image: nginx:1.27
"""


@pytest.fixture
def k(kubectl, admin_kubeconfig):
    """kubectl as the cluster admin (the kubeconfig ``manage.py kubeconfig`` prints by default)."""
    def run(*args: str, input: str | None = None, timeout: float = 60) -> tuple[int, str, str]:
        return kubectl(*args, kubeconfig=admin_kubeconfig, input=input, timeout=timeout)
    return run


@pytest.fixture
def ns(k):
    """A fresh namespace, created the way a user does it."""
    name = unique("e2e")
    rc, out, err = k("create", "namespace", name)
    assert (rc, out.strip()) == (0, f"namespace/{name} created"), err
    return name






# ------------------------------------------------------------------ reads
def test_version_shows_server_v1_33(k):
    out = ok(k("version"))
    assert re.search(r"^Server Version: v1\.33\.\d+$", out, re.M), out
    assert re.search(r"^Client Version: v1\.33\.", out, re.M), out  # the gcloud dispatcher picked kubectl 1.33




def test_get_namespaces_lists_the_system_namespaces(k):
    header, table = rows(ok(k("get", "ns")))
    assert header == ["NAME", "STATUS", "AGE"]
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= set(table), table
    assert table["default"][1] == "Active"


def test_get_pods_in_an_empty_namespace(k, ns):
    rc, out, err = k("get", "pods", "-n", ns)
    assert (rc, out) == (0, ""), err
    assert err.strip() == f"No resources found in {ns} namespace."


@pytest.mark.parametrize("resource", ["pods", "deployments", "configmaps", "deploy", "po", "cm"])
def test_get_builtin_resources_in_default(k, resource):
    rc, out, err = k("get", resource)
    assert rc == 0, err
    assert out.startswith("NAME") or err.strip() == "No resources found in default namespace.", (out, err)
    assert "error" not in err.lower(), err


def test_get_tables_show_upstream_columns(k, ns, tmp_path):
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=2)))))
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "cm.yaml", CONFIGMAP.format(name="c", value="v")))))
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "pod.yaml", POD.format(name="p")))))

    header, table = rows(ok(k("get", "deployments", "-n", ns)))
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table["web"][1:4] == ["0/2", "0", "0"]  # stored only: no controller has made pods
    header, table = rows(ok(k("get", "configmaps", "-n", ns)))
    assert header == ["NAME", "DATA", "AGE"] and table["c"][1] == "1"
    header, table = rows(ok(k("get", "pods", "-n", ns)))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table["p"][1:4] == ["0/1", "Pending", "0"]  # no scheduler, no kubelet
    header, _ = rows(ok(k("get", "pods", "-n", ns, "-o", "wide")))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
                      "READINESS GATES"]


def test_get_componentstatuses_table(k):
    header, table = rows(ok(k("get", "componentstatuses")))
    assert header == ["NAME", "STATUS", "MESSAGE", "ERROR"]
    assert {"scheduler", "controller-manager", "etcd-0"} <= set(table), table
    assert all(cells[1] in ("Healthy", "Unhealthy") for cells in table.values()), table


def test_get_componentstatuses_warns_it_is_deprecated(k):
    """kube-apiserver sends ``Warning: 299 - "v1 ComponentStatus is deprecated in v1.19+"`` with every
    ComponentStatus answer, and kubectl prints it on stderr."""
    rc, out, err = k("get", "cs")
    assert rc == 0
    assert "Warning: v1 ComponentStatus is deprecated in v1.19+" in err.splitlines(), err


def test_get_componentstatuses(k):
    out = ok(k("get", "cs"))
    assert out.splitlines()[0].split()[0] == "NAME", out
    names = [line.split()[0] for line in out.splitlines()[1:]]
    assert {"scheduler", "controller-manager", "etcd-0"} <= set(names), out
    assert ok(k("get", "componentstatuses", "-o", "name")).split() == [f"componentstatus/{n}" for n in names]


def test_get_output_formats(k, ns, tmp_path):
    name = unique("cm")
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "cm.yaml", CONFIGMAP.format(name=name, value="hello")))))

    as_yaml = yaml.safe_load(ok(k("get", "configmap", name, "-n", ns, "-o", "yaml")))
    as_json = json.loads(ok(k("get", "configmap", name, "-n", ns, "-o", "json")))
    for obj in (as_yaml, as_json):
        assert (obj["apiVersion"], obj["kind"]) == ("v1", "ConfigMap")
        assert (obj["metadata"]["name"], obj["metadata"]["namespace"]) == (name, ns)
        assert obj["data"] == {"greeting": "hello"}
        assert obj["metadata"]["resourceVersion"] and obj["metadata"]["uid"] and obj["metadata"]["creationTimestamp"]
    assert as_yaml == as_json

    assert ok(k("get", "configmap", name, "-n", ns, "-o", "name")).strip() == f"configmap/{name}"
    assert ok(k("get", "configmaps", "-n", ns, "-o", "name")).split() == [f"configmap/{name}"]
    listed = json.loads(ok(k("get", "configmaps", "-n", ns, "-o", "json")))
    assert listed["kind"] == "List" and [i["metadata"]["name"] for i in listed["items"]] == [name]
    assert listed["items"][0]["kind"] == "ConfigMap"
    assert "namespace/default" in ok(k("get", "ns", "-o", "name")).split()
    assert ok(k("get", "deployments", "-n", ns, "-o", "json")) and \
        json.loads(ok(k("get", "deployments", "-n", ns, "-o", "json")))["items"] == []


def test_get_missing_object_is_not_found(k, ns):
    rc, out, err = k("get", "configmap", "nosuch", "-n", ns)
    assert rc == 1
    assert err.strip() == 'Error from server (NotFound): configmaps "nosuch" not found'


# ------------------------------------------------------------------ writes
def test_apply_scale_and_delete_a_deployment(k, ns, tmp_path):
    manifest = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=2))
    rc, out, err = k("apply", "-n", ns, "-f", str(manifest), "--validate=false")
    assert (rc, out.strip()) == (0, "deployment.apps/web created"), err

    obj = get_json(k, "deployment", "web", "-n", ns)
    assert obj["spec"]["replicas"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in obj["metadata"]["annotations"]
    assert json.loads(obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])[
        "spec"]["replicas"] == 2
    # No controllers yet: a Deployment is only stored; nobody makes a ReplicaSet or pods.
    rc, out, err = k("get", "pods", "-n", ns)
    assert (rc, out, err.strip()) == (0, "", f"No resources found in {ns} namespace.")

    rc, out, err = k("scale", "deployment", "web", "--replicas=5", "-n", ns)
    assert (rc, out.strip()) == (0, "deployment.apps/web scaled"), err
    assert get_json(k, "deployment", "web", "-n", ns)["spec"]["replicas"] == 5
    assert ok(k("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}")) == "5"

    # A second apply with a change is a (strategic merge) patch: "configured".
    manifest.write_text(DEPLOYMENT.format(name="web", replicas=3).replace("nginx:1.27", "nginx:1.28"))
    rc, out, err = k("apply", "-n", ns, "-f", str(manifest), "--validate=false")
    assert (rc, out.strip()) == (0, "deployment.apps/web configured"), err
    obj = get_json(k, "deployment", "web", "-n", ns)
    assert obj["spec"]["replicas"] == 3
    assert [c["image"] for c in obj["spec"]["template"]["spec"]["containers"]] == ["nginx:1.28"]
    # ... and applying the same file again changes nothing.
    rc, out, err = k("apply", "-n", ns, "-f", str(manifest), "--validate=false")
    assert (rc, out.strip()) == (0, "deployment.apps/web unchanged"), err

    rc, out, err = k("delete", "deployment", "web", "-n", ns, timeout=30)
    assert (rc, out.strip()) == (0, 'deployment.apps "web" deleted'), err
    rc, out, err = k("get", "deployment", "web", "-n", ns)
    assert (rc, err.strip()) == (1, 'Error from server (NotFound): deployments.apps "web" not found')


def test_apply_with_default_validation(k, ns, tmp_path):
    """Without --validate=false kubectl first fetches /openapi/v3; the server's minimal document must pass."""
    manifest = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=1))
    rc, out, err = k("apply", "-n", ns, "-f", str(manifest))
    assert (rc, out.strip()) == (0, "deployment.apps/web created"), err


def test_create_replace_with_default_validation(k, ns, tmp_path):
    deployment = tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=1))
    configmap = tmpfile(tmp_path, "cm.yaml", CONFIGMAP.format(name="settings", value="hello"))
    pod = tmpfile(tmp_path, "pod.yaml", POD.format(name="p"))
    assert ok(k("create", "-n", ns, "-f", str(deployment))).strip() == "deployment.apps/web created"
    assert ok(k("create", "-n", ns, "-f", str(configmap))).strip() == "configmap/settings created"
    assert ok(k("create", "-n", ns, "-f", str(pod))).strip() == "pod/p created"

    rc, out, err = k("create", "-n", ns, "-f", str(configmap))
    assert rc == 1
    assert err.strip() == (f'Error from server (AlreadyExists): error when creating "{configmap}": '
                           'configmaps "settings" already exists')

    configmap.write_text(CONFIGMAP.format(name="settings", value="bonjour"))
    rc, out, err = k("replace", "-n", ns, "-f", str(configmap))
    assert (rc, out.strip()) == (0, "configmap/settings replaced"), err
    assert get_json(k, "configmap", "settings", "-n", ns)["data"] == {"greeting": "bonjour"}

    deployment.write_text(DEPLOYMENT.format(name="web", replicas=4))
    rc, out, err = k("replace", "-n", ns, "-f", str(deployment))
    assert (rc, out.strip()) == (0, "deployment.apps/web replaced"), err
    assert get_json(k, "deployment", "web", "-n", ns)["spec"]["replicas"] == 4


def test_create_from_stdin(k, ns):
    rc, out, err = k("create", "-n", ns, "-f", "-", input=CONFIGMAP.format(name="piped", value="x"))
    assert (rc, out.strip()) == (0, "configmap/piped created"), err


def test_replace_with_a_stale_resource_version_conflicts(k, ns, tmp_path):
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "x.yaml", CONFIGMAP.format(name="x", value="one")))))
    stale = get_json(k, "configmap", "x", "-n", ns)
    assert ok(k("label", "configmap", "x", "-n", ns, "touched=yes")).strip() == "configmap/x labeled"

    stale["data"] = {"greeting": "two"}
    stale_file = tmpfile(tmp_path, "stale.json", json.dumps(stale))
    rc, out, err = k("replace", "-n", ns, "-f", str(stale_file))
    assert rc == 1, out
    assert (f'Error from server (Conflict): error when replacing "{stale_file}": Operation cannot be fulfilled on '
            'configmaps "x": the object has been modified; please apply your changes to the latest version and '
            'try again') in err, err
    after = get_json(k, "configmap", "x", "-n", ns)
    assert after["data"] == {"greeting": "one"} and after["metadata"]["labels"] == {"touched": "yes"}


def test_label_and_annotate(k, ns, tmp_path):
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=1)))))
    before = get_json(k, "deployment", "web", "-n", ns)

    rc, out, err = k("label", "deployment", "web", "-n", ns, "tier=frontend")
    assert (rc, out.strip()) == (0, "deployment.apps/web labeled"), err
    # a label change does not bump the generation
    assert get_json(k, "deployment", "web", "-n", ns)["metadata"]["generation"] == before["metadata"]["generation"]
    rc, out, err = k("annotate", "deployment", "web", "-n", ns, "owner=team-a", "note=hello world")
    assert (rc, out.strip()) == (0, "deployment.apps/web annotated"), err

    obj = get_json(k, "deployment", "web", "-n", ns)
    assert obj["metadata"]["labels"] == {"app": "web", "tier": "frontend"}
    assert obj["metadata"]["annotations"]["owner"] == "team-a"
    assert obj["metadata"]["annotations"]["note"] == "hello world"
    # ...but an annotation change does, for Deployments (upstream's deploymentStrategy.PrepareForUpdate)
    assert obj["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert int(obj["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])

    rc, out, err = k("label", "deployment", "web", "-n", ns, "tier-")
    assert (rc, out.strip()) == (0, "deployment.apps/web unlabeled"), err
    assert get_json(k, "deployment", "web", "-n", ns)["metadata"]["labels"] == {"app": "web"}
    assert ok(k("get", "deployments", "-n", ns, "-l", "app=web", "-o", "name")).split() == ["deployment.apps/web"]
    assert ok(k("get", "deployments", "-n", ns, "-l", "app=nope", "-o", "name")).split() == []


@pytest.mark.parametrize("cascade", [None, "background", "orphan", "foreground"])
def test_delete_returns_promptly(k, ns, tmp_path, cascade):
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "web.yaml", DEPLOYMENT.format(name="web", replicas=1)))))
    args = ["delete", "deployment", "web", "-n", ns] + ([f"--cascade={cascade}"] if cascade else [])
    started = time.monotonic()
    rc, out, err = k(*args, timeout=45)
    elapsed = time.monotonic() - started
    assert (rc, out.strip()) == (0, 'deployment.apps "web" deleted'), err
    assert elapsed < 15, f"kubectl delete --cascade={cascade} took {elapsed:.1f}s"
    rc, out, err = k("get", "deployment", "web", "-n", ns)
    assert (rc, err.strip()) == (1, 'Error from server (NotFound): deployments.apps "web" not found')


def test_delete_pod_and_configmap(k, ns, tmp_path):
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "pod.yaml", POD.format(name="p")))))
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "cm.yaml", CONFIGMAP.format(name="c", value="v")))))
    rc, out, err = k("delete", "pod", "p", "-n", ns, timeout=45)
    assert (rc, out.strip()) == (0, 'pod "p" deleted'), err
    rc, out, err = k("delete", "configmap", "c", "-n", ns, timeout=45)
    assert (rc, out.strip()) == (0, 'configmap "c" deleted'), err
    rc, out, err = k("delete", "configmap", "c", "-n", ns)
    assert (rc, err.strip()) == (1, 'Error from server (NotFound): configmaps "c" not found')


def test_get_configmaps_watch_shows_changes_live(k, kubectl, admin_kubeconfig, ns, tmp_path):
    ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "old.yaml", CONFIGMAP.format(name="old", value="v")))))
    proc = kubectl_popen(kubectl, "get", "configmaps", "--watch", "-n", ns, kubeconfig=admin_kubeconfig)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()

    def expect_row(name: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if proc.poll() is not None:
                    break
                continue
            seen.append(line)
            if line.split() and line.split()[0] == name:
                return line
        raise AssertionError(f"no row for {name!r} within {timeout}s; saw {seen!r}; "
                             f"rc={proc.poll()} stderr={proc.stderr.read() if proc.poll() is not None else ''}")

    try:
        expect_row("old")  # the initial list
        time.sleep(0.5)
        ok(k("create", "-n", ns, "-f", str(tmpfile(tmp_path, "new.yaml", CONFIGMAP.format(name="fresh", value="'1'")))))
        expect_row("fresh")  # ADDED, shown live
        ok(k("label", "configmap", "fresh", "-n", ns, "changed=yes"))
        expect_row("fresh")  # MODIFIED
        ok(k("delete", "configmap", "old", "-n", ns))
        expect_row("old")  # DELETED prints the last state of the row
        assert proc.poll() is None, "kubectl get --watch ended although the server should keep the watch open"
        time.sleep(1)
        extra = []
        while not lines.empty():
            extra.append(lines.get())
        assert extra == [], f"rows repeated after the changes: {extra!r}"
    finally:
        proc.kill()
        proc.wait(10)


def test_auth_can_i_as_admin(k):
    rc, out, err = k("auth", "can-i", "create", "pods")
    assert (rc, out.strip()) == (0, "yes"), err
    rc, out, err = k("auth", "can-i", "*", "*", "--all-namespaces")
    assert (rc, out.strip()) == (0, "yes"), err


@pytest.mark.parametrize("args, expected", [
    (["configmap", "gen", "--from-literal=a=1"], "configmap/gen created"),
    (["namespace", "{ns}-gen"], "namespace/{ns}-gen created"),
    (["deployment", "gen", "--image=nginx", "--replicas=2"], "deployment.apps/gen created"),
    (["rolebinding", "gen", "--clusterrole=view", "--user=someone"],
     "rolebinding.rbac.authorization.k8s.io/gen created"),
], ids=["configmap", "namespace", "deployment", "rolebinding"])
def test_kubectl_create_generators(k, ns, args, expected):
    """``kubectl create <kind> ...``: kubectl >= 1.32 sends these bodies as protobuf (kube-api-wire.md §5.1)
    and does not retry with JSON, so the server has to decode them."""
    args = [a.format(ns=ns) for a in args]
    rc, out, err = k("create", *args, "-n", ns)
    assert (rc, out.strip()) == (0, expected.format(ns=ns)), err


# ------------------------------------------------------------------ a student with no rights until bound
ROLEBINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: student-edit
  namespace: team-a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: student
"""

CRB_WRITER = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: clusterrolebinding-writer
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterrolebindings]
  verbs: [create, get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: student-clusterrolebinding-writer
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: clusterrolebinding-writer
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: student
"""

ESCALATION = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: student-is-cluster-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: student
"""


def test_student_rbac_story(k, kubectl, student_kubeconfig, tmp_path):
    def student(*args: str) -> tuple[int, str, str]:
        return kubectl(*args, kubeconfig=student_kubeconfig)

    def forbidden_list_pods(namespace: str) -> str:
        return (f'Error from server (Forbidden): pods is forbidden: User "student" cannot list resource "pods" '
                f'in API group "" in the namespace "{namespace}"')

    # No permissions at all yet.
    rc, out, err = student("get", "pods")
    assert (rc, err.strip()) == (1, forbidden_list_pods("default")), out
    rc, out, err = student("auth", "can-i", "list", "pods")
    assert (rc, out.strip()) == (1, "no")

    # The admin creates team-a and lets the student edit there.
    assert ok(k("create", "namespace", "team-a")).strip() == "namespace/team-a created"
    rc, out, err = k("create", "-f", str(tmpfile(tmp_path, "rb.yaml", ROLEBINDING)))
    assert (rc, out.strip()) == (0, "rolebinding.rbac.authorization.k8s.io/student-edit created"), err

    rc, out, err = student("get", "pods", "-n", "team-a")
    assert (rc, out, err.strip()) == (0, "", "No resources found in team-a namespace.")
    rc, out, err = student("get", "pods")
    assert (rc, err.strip()) == (1, forbidden_list_pods("default"))

    assert student("auth", "can-i", "create", "pods", "-n", "team-a")[:2] == (0, "yes\n")
    assert student("auth", "can-i", "create", "deployments.apps", "-n", "team-a")[:2] == (0, "yes\n")
    assert student("auth", "can-i", "create", "pods")[:2] == (1, "no\n")
    assert student("auth", "can-i", "create", "pods", "-n", "kube-system")[:2] == (1, "no\n")
    # edit does not include RBAC objects
    assert student("auth", "can-i", "create", "rolebindings", "-n", "team-a")[:2] == (1, "no\n")

    rc, out, err = student("create", "-n", "team-a", "-f",
                           str(tmpfile(tmp_path, "cm.yaml", CONFIGMAP.format(name="mine", value="v"))))
    assert (rc, out.strip()) == (0, "configmap/mine created"), err
    assert ok(student("get", "configmaps", "-n", "team-a", "-o", "name")).split() == ["configmap/mine"]

    # The student cannot make itself cluster-admin: first it may not create ClusterRoleBindings at all ...
    escalation = tmpfile(tmp_path, "escalate.yaml", ESCALATION)
    rc, out, err = student("create", "-f", str(escalation))
    assert rc == 1
    assert err.strip() == (
        f'Error from server (Forbidden): error when creating "{escalation}": clusterrolebindings.rbac.authorization'
        '.k8s.io is forbidden: User "student" cannot create resource "clusterrolebindings" in API group '
        '"rbac.authorization.k8s.io" at the cluster scope')

    # ... and even when allowed to create them, it cannot grant what it does not hold.
    rc, out, err = k("apply", "-f", str(tmpfile(tmp_path, "crb-writer.yaml", CRB_WRITER)))
    assert rc == 0, err
    assert student("auth", "can-i", "create", "clusterrolebindings")[:2] == (0, "yes\n")
    rc, out, err = student("create", "-f", str(escalation))
    assert rc == 1, out
    assert err.startswith(
        f'Error from server (Forbidden): error when creating "{escalation}": clusterrolebindings.rbac.authorization'
        '.k8s.io "student-is-cluster-admin" is forbidden: user "student" (groups=["system:authenticated"]) is '
        'attempting to grant RBAC permissions not currently held:'), err
    assert "attempting to grant RBAC permissions not currently held" in err
    rc, out, err = k("get", "clusterrolebinding", "student-is-cluster-admin")
    assert rc == 1 and "NotFound" in err
    assert student("auth", "can-i", "list", "pods")[:2] == (1, "no\n")


def test_bad_token_is_unauthorized(kubectl, admin_kubeconfig, tmp_path):
    config = yaml.safe_load(admin_kubeconfig.read_text())
    config["users"][0]["user"]["token"] = "not-a-real-token"
    bad = tmpfile(tmp_path, "bad.kubeconfig", yaml.safe_dump(config))
    # With discovery cached (any earlier kubectl call against this server) only the list is sent,
    # and kubectl prints the 401 Status message.
    ok(kubectl("get", "pods", kubeconfig=admin_kubeconfig))
    rc, out, err = kubectl("get", "pods", kubeconfig=bad)
    assert (rc, out) == (1, "")
    assert err.strip() == "error: You must be logged in to the server (Unauthorized)"
    # With a cold cache the 401 comes from discovery, which kubectl words itself.
    rc, out, err = kubectl("get", "pods", kubeconfig=bad, cache_dir=tmp_path / "cold-cache")
    assert (rc, out) == (1, "")
    assert err.strip().splitlines()[-1] in (
        "error: You must be logged in to the server (Unauthorized)",
        "error: You must be logged in to the server (the server has asked for the client to provide credentials)")


def test_impersonation_lets_the_teacher_check_a_students_rights(k, kubectl, student_kubeconfig):
    """``--as`` as upstream: the admin gets the impersonated user's answers; a student may not
    impersonate anyone; groups given twice both count."""
    rc, out, err = k("get", "secrets", "-A", "--as=mallory")
    assert (rc, err.strip()) == (1, 'Error from server (Forbidden): secrets is forbidden: User "mallory" cannot '
                                    'list resource "secrets" in API group "" at the cluster scope'), out
    assert k("auth", "can-i", "delete", "nodes", "--as=mallory")[:2] == (1, "no\n")
    assert k("auth", "can-i", "delete", "nodes")[:2] == (0, "yes\n")
    rc, out, err = k("auth", "can-i", "delete", "nodes", "--as=mallory", "--as-group=system:masters", "--as-group=team")
    assert (rc, out) == (0, "yes\n"), err

    rc, out, err = kubectl("get", "secrets", "--as=admin", kubeconfig=student_kubeconfig)
    assert (rc, err.strip()) == (1, 'Error from server (Forbidden): users "admin" is forbidden: User "student" '
                                    'cannot impersonate resource "users" in API group "" at the cluster scope'), out
