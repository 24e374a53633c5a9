"""The CronJob controller on the virtual clock: a Job per schedule time named after it, the
active list and lastScheduleTime, concurrencyPolicy Forbid and Replace, history limits, and
the schedule validated with robfig/cron's words."""
from __future__ import annotations

import pytest

from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.client.apiclient import APIError

CONTROLLERS = ("cronjob", "job", "garbagecollector")


def cron_job(name: str = "hello", schedule: str = "*/1 * * * *", **spec) -> dict:
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "OnFailure",
                "containers": [{"name": "hello", "image": "busybox:1.28",
                                "command": ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"]}]}}}},
                     **spec}}


def complete(c, name: str) -> None:
    """Mark a Job finished, as its controller would once its pod succeeded."""
    now = rfc3339(c.kernel.wall_time())
    c.admin.patch("jobs", "default", name, {"status": {
        "startTime": now, "completionTime": now, "succeeded": 1, "conditions": [
            {"type": "Complete", "status": "True", "reason": "CompletionsReached",
             "message": "Reached expected number of succeeded pods", "lastTransitionTime": now}]}},
        subresource="status")


def jobs(c) -> list[str]:
    return sorted(j["metadata"]["name"] for j in c.list("jobs") if not j["metadata"].get("deletionTimestamp"))


def test_a_job_per_minute_named_after_the_scheduled_time(cluster):
    c = cluster(controllers=CONTROLLERS)
    cj = c.create("cronjobs", cron_job())
    assert cj["spec"]["concurrencyPolicy"] == "Allow" and cj["spec"]["successfulJobsHistoryLimit"] == 3
    c.run(61)
    (name,) = jobs(c)
    job = c.get("jobs", name)
    scheduled = job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert name == f"hello-{int(parse_time(scheduled)) // 60}"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    status = c.get("cronjobs", "hello")["status"]
    assert status["lastScheduleTime"] == scheduled
    assert [ref["name"] for ref in status["active"]] == [name]
    assert [e["message"] for e in c.events("SuccessfulCreate", kind="CronJob")] == [f"Created job {name}"]
    complete(c, name)
    c.settle()
    status = c.get("cronjobs", "hello")["status"]
    assert "active" not in status and status["lastSuccessfulTime"]
    assert [e["message"] for e in c.events("SawCompletedJob")] == [f"Saw completed job: {name}, condition: Complete"]
    assert not c.failed_syncs()


def test_forbid_skips_a_run_while_one_is_active(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("cronjobs", cron_job(concurrencyPolicy="Forbid"))
    c.run(125)
    assert len(jobs(c)) == 1
    assert c.events("JobAlreadyActive")[0]["message"] == (
        "Not starting job because prior execution is running and concurrency policy is Forbid")


def test_replace_deletes_the_active_job(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("cronjobs", cron_job(concurrencyPolicy="Replace"))
    c.run(61)
    (first,) = jobs(c)
    c.run(60)
    (second,) = jobs(c)
    assert second != first
    assert f"Deleted job {first}" in [e["message"] for e in c.events("SuccessfulDelete", kind="CronJob")]


def test_history_limit_deletes_the_oldest_finished_jobs(cluster):
    c = cluster(controllers=CONTROLLERS)
    c.create("cronjobs", cron_job(successfulJobsHistoryLimit=1))
    made = []
    for _ in range(3):
        c.run(60)
        for name in jobs(c):
            if name not in made:
                made.append(name)
                complete(c, name)
        c.settle()
    assert jobs(c) == [made[-1]]


@pytest.mark.parametrize("schedule, message", [
    ("* * *", 'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]'),
    ("61 * * * *", 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
], ids=["three-fields", "minute-out-of-range"])
def test_unparseable_schedule_is_refused(cluster, schedule, message):
    c = cluster(controllers=CONTROLLERS)
    with pytest.raises(APIError) as err:
        c.create("cronjobs", cron_job(schedule=schedule))
    assert message in str(err.value)
