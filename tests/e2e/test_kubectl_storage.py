"""Storage and StatefulSets through the real kubectl (1.29, 1.31 and 1.33, each in a namespace
of its own) on the demo cluster (its own live server, sped up): upstream's ``web`` StatefulSet
with a headless Service and volumeClaimTemplates, the default StorageClass, claims bound to
provisioned local volumes, the 1.33 columns, describe, scale and cascade delete, and the
controllers' Events."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import ok, sim_api, tmpfile, unique, wait_for
from tests.e2e.test_kubectl_parity import VERSIONS, VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

WEB = """\
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx
  serviceName: "nginx"
  replicas: 2
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("storage")).start()
    sim_api(live, live.kubeconfig("demo"))("POST", "speed", {"speed": 20})
    yield live
    live.stop()


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, server, tmp_path_factory) -> VersionedKubectl:
    return bundled_kubectl(request.param, server.kubeconfig("demo"), tmp_path_factory, "storage-")


@pytest.fixture
def ns(kv) -> str:
    """A namespace of this test's own for each kubectl version (claims are namespaced, volumes not)."""
    name = unique(f"storage{kv.minor}")
    ok(kv("create", "namespace", name))
    return name


def lines(out: str) -> list[list[str]]:
    return [line.split() for line in out.strip().splitlines()]


def test_storage_class_columns(kv):
    rc, out, err = kv("get", "storageclass")
    assert rc == 0, err
    assert lines(out)[0] == ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]
    assert lines(out)[1][:6] == ["standard", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer",
                                 "false"]


def test_stateful_set_with_claims_runs_scales_and_cascades(kv, ns, tmp_path):
    def k(*args: str) -> tuple[int, str, str]:
        return kv(*args, "-n", ns)

    rc, out, err = k("apply", "-f", str(tmpfile(tmp_path, "web.yaml", WEB)))
    assert rc == 0, err
    assert wait_for(lambda: k("get", "sts", "web")[1].split("\n")[1].split()[1:2] == ["2/2"]), k("get", "pods")[1]
    rc, out, _ = k("get", "sts", "web")
    assert lines(out)[0] == ["NAME", "READY", "AGE"]
    rc, out, _ = k("get", "pvc")
    header, *rows = lines(out)
    assert header == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                      "VOLUMEATTRIBUTESCLASS", "AGE"]
    assert [(r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("www-web-0", "Bound", "1Gi", "RWO", "standard", "<unset>"),
        ("www-web-1", "Bound", "1Gi", "RWO", "standard", "<unset>")]
    rc, out, _ = kv("get", "pv")
    header, *rows = lines(out)
    assert header[:8] == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM"]
    assert sorted(r[5] for r in rows if r[5].startswith(f"{ns}/")) == [f"{ns}/www-web-0", f"{ns}/www-web-1"]
    rc, out, _ = k("describe", "pvc", "www-web-0")
    # WaitForFirstConsumer is recorded only when the binder syncs the claim before the scheduler
    # picks web-0's node: a race upstream has too, so only the provisioning Events are certain
    assert "Provisioning" in out and "ProvisioningSucceeded" in out
    rc, out, _ = k("describe", "sts", "web")
    assert "create Claim www-web-0 Pod web-0 in StatefulSet web success" in out
    assert "create Pod web-1 in StatefulSet web successful" in out
    rc, out, err = k("scale", "sts", "web", "--replicas=1")
    assert rc == 0 and out.strip() == "statefulset.apps/web scaled", err
    assert wait_for(lambda: k("get", "pods", "-o", "name")[1].split() == ["pod/web-0"])
    rc, out, _ = k("delete", "sts", "web")
    assert out.strip() == 'statefulset.apps "web" deleted'
    assert wait_for(lambda: not k("get", "pods", "-o", "name")[1].strip())
    assert len(k("get", "pvc", "-o", "name")[1].split()) == 2, "claims outlive their StatefulSet"
