"""The resource quota controller: a ResourceQuota's ``status.hard``/``status.used`` follow the
namespace's objects, as ``kubectl describe quota`` shows them (Used against Hard)."""
from __future__ import annotations

from simulation.controllers.resourcequota import RESYNC_PERIOD_SECONDS
from tests.simulation.controllers.conftest import NAMESPACE
from tests.simulation.controllers.manifests import deployment


def quota(name: str, hard: dict, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": {"hard": hard, **spec}}


def pod(name: str, cpu: str = "", memory: str = "", **spec) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    container = {"name": "app", "image": "nginx:1.25", **({"resources": {"requests": requests}} if requests else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [container], **spec}}


def configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}


def status(c, name: str) -> dict:
    return c.get("resourcequotas", name).get("status") or {}


def used(c, name: str) -> dict:
    return status(c, name).get("used") or {}


HARD = {"pods": "10", "count/pods": "10", "requests.cpu": "4", "requests.memory": "2Gi", "configmaps": "5",
        "services": "3", "services.nodeports": "2", "count/deployments.apps": "2"}


def test_a_new_quota_counts_what_the_namespace_already_holds(cluster):
    c = cluster(controllers=("resourcequota",))
    c.create("pods", pod("a", cpu="500m", memory="256Mi"))
    c.create("pods", pod("b", cpu="250m"))
    c.create("configmaps", configmap("settings"))
    c.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                          "spec": {"type": "NodePort", "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}})
    c.create("deployments", deployment("web", 0))
    c.create("resourcequotas", quota("compute", HARD))
    assert c.run_until(lambda: "used" in status(c, "compute"))
    s = status(c, "compute")
    assert s["hard"] == HARD
    assert s["used"] == {"pods": "2", "count/pods": "2", "requests.cpu": "750m", "requests.memory": "256Mi",
                         "configmaps": "1", "services": "2", "services.nodeports": "2",  # web and kubernetes
                         "count/deployments.apps": "1"}
    assert not c.failed_syncs()


def test_deleting_objects_and_pods_finishing_give_usage_back(cluster):
    c = cluster(controllers=("resourcequota",))
    c.create("resourcequotas", quota("counts", {"pods": "5", "count/pods": "5", "configmaps": "5",
                                                "requests.cpu": "2"}))
    assert c.run_until(lambda: used(c, "counts").get("pods") == "0")
    for name in ("one", "two"):
        c.create("configmaps", configmap(name))
    c.create("pods", pod("job", cpu="1"))
    # admission charged the creates; the controller keeps them
    assert c.run_until(lambda: used(c, "counts") == {"pods": "1", "count/pods": "1", "configmaps": "2",
                                                     "requests.cpu": "1"})
    c.admin.delete("configmaps", NAMESPACE, "one")
    assert c.run_until(lambda: used(c, "counts").get("configmaps") == "1")
    c.patch("pods", "job", {"status": {"phase": "Succeeded"}}, subresource="status")
    # a finished pod frees its compute and its "pods" slot; count/pods tracks every stored pod
    assert c.run_until(lambda: used(c, "counts").get("pods") == "0")
    assert used(c, "counts") == {"pods": "0", "count/pods": "1", "configmaps": "1", "requests.cpu": "0"}


def test_changing_hard_is_mirrored_in_status_and_used_follows_its_keys(cluster):
    c = cluster(controllers=("resourcequota",))
    c.create("configmaps", configmap("one"))
    c.create("resourcequotas", quota("q", {"configmaps": "3"}))
    assert c.run_until(lambda: used(c, "q") == {"configmaps": "1"})
    c.patch("resourcequotas", "q", {"spec": {"hard": {"configmaps": None, "secrets": "4"}}})
    assert c.run_until(lambda: status(c, "q").get("hard") == {"secrets": "4"})
    assert used(c, "q") == {"secrets": "0"}


def test_scoped_quotas_count_only_their_pods(cluster):
    c = cluster(controllers=("resourcequota",))
    c.create("pods", pod("best-effort"))
    c.create("pods", pod("burstable", cpu="100m"))
    c.create("pods", pod("deadline", activeDeadlineSeconds=60))
    c.create("resourcequotas", quota("be", {"pods": "10"}, scopes=["BestEffort"]))
    c.create("resourcequotas", quota("terminating", {"pods": "10"}, scopes=["Terminating"]))
    assert c.run_until(lambda: "used" in status(c, "be") and "used" in status(c, "terminating"))
    assert used(c, "be") == {"pods": "2"}
    assert used(c, "terminating") == {"pods": "1"}


def test_the_periodic_resync_recounts_kinds_nothing_watches(cluster):
    c = cluster(controllers=("resourcequota",))
    c.create("deployments", deployment("web", 0))
    c.create("resourcequotas", quota("deploys", {"count/deployments.apps": "3"}))
    assert c.run_until(lambda: used(c, "deploys") == {"count/deployments.apps": "1"})
    c.admin.delete("deployments", NAMESPACE, "web")
    c.settle()
    assert used(c, "deploys") == {"count/deployments.apps": "1"}  # not replenished on delete
    assert c.run_until(lambda: used(c, "deploys") == {"count/deployments.apps": "0"},
                       timeout_seconds=RESYNC_PERIOD_SECONDS + 10)
