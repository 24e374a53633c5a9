"""The book's ReplicationController, Jobs, CronJobs and ``kubectl logs`` with the real kubectl
(1.29, 1.31 and 1.33) against the demo cluster that ``manage.py up`` simulates: what a learner
types, and the columns, Events and messages upstream prints. One server for the module, run at
10x; each test runs once per kubectl version, in a namespace of its own."""
from __future__ import annotations

import functools
import json
import re
import time

import pytest

from tests.e2e.conftest import ok, rows, sim_api, tmpfile, unique, wait_for
from tests.e2e.test_kubectl_parity import VERSIONS, VersionedKubectl, bundled_kubectl
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.kubectl

KUBIA_RC = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
"""

PI_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
"""

HELLO_CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"]
          restartPolicy: OnFailure
"""


@pytest.fixture(scope="module")
def sim_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("jobs")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kc(kubectl, sim_server):
    kubeconfig = sim_server.kubeconfig("demo")
    status, _ = sim_api(sim_server, kubeconfig)("POST", "speed", {"speed": 10})
    assert status == 200
    return functools.partial(kubectl, kubeconfig=kubeconfig)


@pytest.fixture(scope="module", params=VERSIONS, ids=[f"kubectl-{v}" for v in VERSIONS])
def kv(request, kc, sim_server, tmp_path_factory) -> VersionedKubectl:
    """The bundled kubectl of each version, as the admin of the demo cluster (``kc`` set its speed)."""
    return bundled_kubectl(request.param, sim_server.kubeconfig("demo"), tmp_path_factory, "jobs-")


@pytest.fixture
def ns(kv):
    name = unique(f"jobs{kv.minor}")
    ok(kv("create", "namespace", name))
    return name


def test_kubia_rc_as_printed_in_the_book(kv, ns, tmp_path):
    manifest = tmpfile(tmp_path, "kubia-rc.yaml", KUBIA_RC)
    assert ok(kv("create", "-f", str(manifest), "-n", ns)).strip() == "replicationcontroller/kubia created"
    header, table = rows(ok(kv("get", "rc", "-n", ns)))
    assert header == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    wait_for(lambda: rows(ok(kv("get", "rc", "-n", ns)))[1]["kubia"][3] == "3")
    header, table = rows(ok(kv("get", "rc", "-o", "wide", "-n", ns)))
    assert header[5:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert table["kubia"][5:] == ["kubia", "luksa/kubia", "app=kubia"]
    assert ok(kv("scale", "rc", "kubia", "--replicas=5", "-n", ns)).strip() == "replicationcontroller/kubia scaled"
    wait_for(lambda: rows(ok(kv("get", "rc", "kubia", "-n", ns)))[1]["kubia"][2] == "5")
    described = ok(kv("describe", "rc", "kubia", "-n", ns))
    assert "Replicas:     5 current / 5 desired" in described
    assert "SuccessfulCreate" in described and "replication-controller" in described
    pods = ok(kv("get", "pods", "-n", ns, "-o", "name")).split()
    assert ok(kv("delete", "rc", "kubia", "--cascade=orphan", "-n", ns)).strip() == 'replicationcontroller "kubia" deleted'
    time.sleep(2)
    assert ok(kv("get", "pods", "-n", ns, "-o", "name")).split() == pods
    owners = json.loads(ok(kv("get", "pods", "-n", ns, "-o", "json")))["items"]
    assert all("ownerReferences" not in p["metadata"] for p in owners)

    # kubectl logs: the image's first line; -c and --previous with upstream's messages
    pod = pods[0].split("/")[1]
    wait_for(lambda: "Running" in ok(kv("get", "pod", pod, "-n", ns)))
    assert wait_for(lambda: kv("logs", pod, "-n", ns)[1]) == "Kubia server starting...\n"
    rc, _, err = kv("logs", pod, "--previous", "-n", ns)
    assert rc == 1 and err.strip() == (f'Error from server (BadRequest): previous terminated container "kubia" in pod '
                                       f'"{pod}" not found')


def test_job_completes_and_logs_its_output(kv, ns, tmp_path):
    manifest = tmpfile(tmp_path, "job.yaml", PI_JOB)
    assert ok(kv("apply", "-f", str(manifest), "-n", ns)).strip() == "job.batch/pi created"
    header, _ = rows(ok(kv("get", "jobs", "-n", ns)))
    assert header == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    wait_for(lambda: rows(ok(kv("get", "jobs", "-n", ns)))[1]["pi"][1:3] == ["Complete", "1/1"], timeout=90)
    described = ok(kv("describe", "job", "pi", "-n", ns))
    assert "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed" in described
    assert "Completed" in described and "Job completed" in described and "job-controller" in described
    # the pod that completed prints pi (`kubectl logs job/pi` reads whichever of the Job's pods it
    # picks first: under load a lagging Job cache has been seen to leave a second, never-run pod)
    done = [p["metadata"]["name"] for p in json.loads(ok(kv("get", "pods", "-n", ns, "-l", "job-name=pi", "-o", "json")))["items"]
            if p["status"].get("phase") == "Succeeded"]
    assert len(done) == 1, done
    assert ok(kv("logs", done[0], "-n", ns)).startswith("3.14159265358979323846264338327950288419716939937510")
    conditions = json.loads(ok(kv("get", "job", "pi", "-n", ns, "-o", "json")))["status"]["conditions"]
    assert [(c["type"], c["reason"]) for c in conditions] == [("SuccessCriteriaMet", "CompletionsReached"),
                                                              ("Complete", "CompletionsReached")]


def test_cronjob_columns_and_create_job_from_it(kv, ns, tmp_path):
    manifest = tmpfile(tmp_path, "cronjob.yaml", HELLO_CRONJOB)
    assert ok(kv("create", "-f", str(manifest), "-n", ns)).strip() == "cronjob.batch/hello created"
    header, table = rows(ok(kv("get", "cronjobs", "-n", ns)))
    assert header == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    schedule, timezone, suspend, active, last = table["hello"][1:6]
    assert (schedule, timezone, suspend) == ("* * * * *", "<none>", "False"), table["hello"]
    # at the cluster's 10x a minute boundary comes every 6 s: the first run may have begun already
    assert (active, last) == ("0", "<none>") or (int(active) >= 1 and re.fullmatch(r"\d+s", last)), table["hello"]
    name = unique("manual")
    assert ok(kv("create", "job", name, "--from=cronjob/hello", "-n", ns)).strip() == f"job.batch/{name} created"
    job = json.loads(ok(kv("get", "job", name, "-n", ns, "-o", "json")))
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    wait_for(lambda: rows(ok(kv("get", "jobs", "-n", ns)))[1][name][1] == "Complete", timeout=90)
    assert "Hello from the Kubernetes cluster" in ok(kv("logs", f"job/{name}", "-n", ns))
    rc, _, err = kv("create", "cronjob", "bad", "--image=busybox", "--schedule=* * *", "-n", ns)
    assert rc == 1 and 'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]' in err
