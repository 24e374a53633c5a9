"""The Job controller, as a user sees it in ``kubectl get/describe job``: pods created one
completion at a time, finished pods counted through the tracking finalizer, ``Complete`` after
``SuccessCriteriaMet``, retries after a back-off until ``backoffLimit``, the active deadline,
and the TTL-after-finished controller deleting a finished Job. Pods are finished by hand here
(the test plays the kubelet); tests/simulation/test_jobs_cluster.py runs them on kubelets."""
from __future__ import annotations

import pytest

from simulation.apimachinery.timestamps import rfc3339
from simulation.controllers.job import JOB_TRACKING_FINALIZER

CONTROLLERS = ("job", "ttl-after-finished-controller", "garbagecollector")


def job(name: str = "pi", **spec) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "pi", "image": "perl:5.34.0", "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]}]}},
                **spec}}


def finish(c, pod: dict, phase: str) -> None:
    """What the kubelet reports when the pod's only container exits (0: Succeeded, else Failed)."""
    now = rfc3339(c.kernel.wall_time())
    code = 0 if phase == "Succeeded" else 1
    c.admin.patch("pods", "default", pod["metadata"]["name"], {"status": {
        "phase": phase, "containerStatuses": [{"name": "pi", "ready": False, "restartCount": 0, "image": "perl",
                                               "imageID": "", "state": {"terminated": {
                                                   "exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                                   "startedAt": now, "finishedAt": now}}}]}},
        subresource="status")


def active_pods(c) -> list[dict]:
    return [p for p in c.pods() if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]


def conditions(c, name: str = "pi") -> list[tuple[str, str, str]]:
    status = c.get("jobs", name).get("status") or {}
    return [(x["type"], x["status"], x.get("reason", "")) for x in status.get("conditions") or []]


def test_completions_run_one_at_a_time_and_the_job_completes(cluster):
    c = cluster(controllers=CONTROLLERS)
    created = c.create("jobs", job(completions=2))
    uid = created["metadata"]["uid"]
    assert created["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert created["spec"]["backoffLimit"] == 6 and created["spec"]["parallelism"] == 1
    c.settle()
    (first,) = active_pods(c)
    assert first["metadata"]["name"].startswith("pi-")
    assert first["metadata"]["finalizers"] == [JOB_TRACKING_FINALIZER]
    assert first["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    assert first["metadata"]["ownerReferences"][0]["kind"] == "Job"
    finish(c, first, "Succeeded")
    c.settle()
    assert "finalizers" not in c.get("pods", first["metadata"]["name"])["metadata"]
    (second,) = active_pods(c)
    assert c.get("jobs", "pi")["status"]["succeeded"] == 1
    finish(c, second, "Succeeded")
    c.settle()
    status = c.get("jobs", "pi")["status"]
    assert status["succeeded"] == 2 and status["active"] == 0 and status.get("failed", 0) == 0
    assert conditions(c) == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                             ("Complete", "True", "CompletionsReached")]
    assert status["conditions"][1]["message"] == "Reached expected number of succeeded pods"
    assert status["completionTime"] and status["startTime"]
    assert [e["message"] for e in c.events("Completed")] == ["Job completed"]
    assert {e["source"]["component"] for e in c.events(kind="Job")} == {"job-controller"}
    assert len(c.events("SuccessfulCreate")) == 2
    assert not c.failed_syncs()


def test_parallelism_runs_pods_side_by_side(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("jobs", job(completions=5, parallelism=3))
    c.settle()
    assert len(active_pods(c)) == 3
    assert c.get("jobs", "pi")["status"]["active"] == 3


def test_failed_pods_retry_after_backoff_until_the_backoff_limit(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("jobs", job(backoffLimit=1))
    c.settle()
    (first,) = active_pods(c)
    finish(c, first, "Failed")
    c.settle(3)
    assert active_pods(c) == []  # 10 s back-off before the replacement
    c.run(10)
    (second,) = active_pods(c)
    assert c.get("jobs", "pi")["status"]["failed"] == 1
    finish(c, second, "Failed")
    c.settle()
    status = c.get("jobs", "pi")["status"]
    assert status["failed"] == 2
    assert conditions(c) == [("FailureTarget", "True", "BackoffLimitExceeded"),
                             ("Failed", "True", "BackoffLimitExceeded")]
    (warning,) = c.events("BackoffLimitExceeded")
    assert (warning["type"], warning["message"]) == ("Warning", "Job has reached the specified backoff limit")


def test_active_deadline_fails_the_job_and_deletes_its_pods(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("jobs", job(activeDeadlineSeconds=5))
    c.settle()
    (pod,) = active_pods(c)
    c.run(6)
    assert ("FailureTarget", "True", "DeadlineExceeded") in conditions(c)
    assert [e["message"] for e in c.events("SuccessfulDelete")] == [f"Deleted pod: {pod['metadata']['name']}"]
    c.settle()
    assert ("Failed", "True", "DeadlineExceeded") in conditions(c)
    (warning,) = c.events("DeadlineExceeded")
    assert warning["message"] == "Job was active longer than specified deadline"


def test_ttl_after_finished_deletes_the_job_and_its_pods(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("jobs", job(ttlSecondsAfterFinished=30))
    c.settle()
    (pod,) = active_pods(c)
    finish(c, pod, "Succeeded")
    c.settle()
    assert ("Complete", "True", "CompletionsReached") in conditions(c)
    c.run(20)
    assert c.exists("jobs", "pi")
    c.run(15)
    assert not c.exists("jobs", "pi")
    assert c.pods(include_terminating=True) == []


@pytest.mark.parametrize("restart_policy, message", [
    ("Always", ('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", '
                '"Never"')),
], ids=["restart-always"])
def test_invalid_job_is_refused(cluster, restart_policy, message):
    c = cluster(controllers=CONTROLLERS)
    body = job()
    body["spec"]["template"]["spec"]["restartPolicy"] = restart_policy
    with pytest.raises(Exception) as err:
        c.create("jobs", body)
    assert message in str(err.value)


def test_a_stale_job_in_the_cache_does_not_start_the_finished_pod_again(cluster):
    """The controller counts a finished pod into the Job's status and removes the pod's
    finalizer. If its Job informer has not delivered those status writes when the pod's update
    arrives, the cached Job still counts nothing: acting on it would start a second pod for a
    1-completion Job. It waits for its own write instead (here: the Job events are lost, so the
    periodic relist brings them)."""
    c = cluster(controllers=CONTROLLERS)
    c.create("jobs", job())
    c.settle()
    (pod,) = active_pods(c)
    c.manager.drops.arm(10, "jobs", "default")  # the Job's status writes never reach the cache
    finish(c, pod, "Succeeded")
    c.settle(5)
    assert [p["metadata"]["name"] for p in c.pods()] == [pod["metadata"]["name"]]
    assert any("waits for its informer before counting pods again" in line for line in c.captions())
    assert c.run_until(lambda: ("Complete", "True", "CompletionsReached") in conditions(c), timeout_seconds=120)
    assert [p["metadata"]["name"] for p in c.pods()] == [pod["metadata"]["name"]]
    assert len(c.events("SuccessfulCreate")) == 1
