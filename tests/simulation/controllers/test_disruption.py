"""The disruption controller: a PodDisruptionBudget's status follows the pods it selects, as
``kubectl get pdb`` and ``kubectl describe pdb`` show it."""
from __future__ import annotations

import pytest

from tests.simulation.controllers.conftest import NAMESPACE
from tests.simulation.controllers.manifests import deployment, orphan_pod


def pdb(name: str, selector: dict, **spec) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": selector}, **spec}}


def status(cluster, name: str) -> dict:
    return cluster.get("poddisruptionbudgets", name)["status"]


BUDGETS = [
    # (id, spec, ready pods of 3, expected (currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed))
    ("min-available-number", {"minAvailable": 2}, 3, (3, 2, 3, 1)),
    ("min-available-not-met", {"minAvailable": 2}, 1, (1, 2, 3, 0)),
    ("max-unavailable", {"maxUnavailable": 1}, 3, (3, 2, 3, 1)),
    ("min-available-percent", {"minAvailable": "50%"}, 3, (3, 2, 3, 1)),
    ("max-unavailable-percent-rounds-up", {"maxUnavailable": "34%"}, 3, (3, 1, 3, 2)),
]


@pytest.mark.parametrize("spec,ready,expected", [b[1:] for b in BUDGETS], ids=[b[0] for b in BUDGETS])
def test_status_counts_healthy_pods_against_the_budget(cluster, spec, ready, expected):
    c = cluster(controllers=("deployment", "replicaset", "disruption"))
    c.create("deployments", deployment("web", 3))
    assert c.run_until(lambda: len(c.pods("app=web")) == 3)
    for p in c.pods("app=web")[:ready]:
        c.make_ready(p)
    c.create("poddisruptionbudgets", pdb("web", {"app": "web"}, **spec))
    assert c.run_until(lambda: status(c, "web").get("observedGeneration") == 1
                       and status(c, "web")["currentHealthy"] == ready)
    s = status(c, "web")
    assert (s["currentHealthy"], s["desiredHealthy"], s["expectedPods"], s["disruptionsAllowed"]) == expected
    [condition] = s["conditions"]
    allowed = expected[3] > 0
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "DisruptionAllowed", "True" if allowed else "False", "SufficientPods" if allowed else "InsufficientPods")
    assert not c.failed_syncs()


def test_a_pod_turning_unready_takes_the_allowance_away(cluster):
    c = cluster(controllers=("deployment", "replicaset", "disruption"))
    c.create("deployments", deployment("web", 2))
    assert c.run_until(lambda: len(c.pods("app=web")) == 2)
    c.make_all_ready("app=web")
    c.create("poddisruptionbudgets", pdb("web", {"app": "web"}, minAvailable=1))
    assert c.run_until(lambda: status(c, "web")["disruptionsAllowed"] == 1)
    victim = c.pods("app=web")[0]["metadata"]["name"]
    c.patch("pods", victim, {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
            subresource="status", patch_type="strategic")
    assert c.run_until(lambda: status(c, "web")["disruptionsAllowed"] == 0)
    assert status(c, "web")["conditions"][0]["reason"] == "InsufficientPods"


def test_a_budget_over_no_pods_says_so_and_unmanaged_pods_are_warned_about(cluster):
    c = cluster(controllers=("disruption",))
    c.create("poddisruptionbudgets", pdb("nothing", {"app": "none"}, minAvailable=1))
    assert c.run_until(lambda: bool(c.events("NoPods")))
    [event] = c.events("NoPods")
    assert (event["type"], event["message"], event["source"]["component"]) == (
        "Normal", "No matching pods found", "controllermanager")
    c.create("pods", orphan_pod("lonely", {"app": "solo"}), NAMESPACE)
    c.create("poddisruptionbudgets", pdb("solo", {"app": "solo"}, maxUnavailable=1))
    assert c.run_until(lambda: bool(c.events("UnmanagedPods")))
    assert c.events("UnmanagedPods")[0]["message"] == (
        "Pods selected by this PodDisruptionBudget (selector: app=solo) were found to be unmanaged. As a result, the "
        "status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for "
        "these pods please set \".spec.minAvailable\" field of the PDB to an integer value.")
