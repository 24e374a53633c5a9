"""The control API's step verb: story steps listed and housekeeping counted, or every action
with ``all``; a speed leaves a paused cluster paused."""
from __future__ import annotations

import pytest

from clusterviz.sim import operations
from simulation.cluster import SimulationError
from tests.simulation.test_cluster import STORY, make_cluster, running_pods


def test_step_lists_story_steps_and_counts_the_housekeeping_run_in_between():
    sim, admin = make_cluster(mode="paused")
    sim.kernel.run_for(2)
    admin.create("deployments", STORY, "default")
    before = sim.kernel.steps_taken

    result = operations.execute(sim, {"op": "step", "count": 40})

    assert len(running_pods(admin, "story")) == 2
    assert result["steps"] and not any(s["housekeeping"] for s in result["steps"])
    assert len(result["steps"]) + result["housekeeping"] == sim.kernel.steps_taken - before
    assert result["clock"]["mode"] == "paused"


def test_step_all_runs_exactly_count_actions_housekeeping_included():
    sim, _ = make_cluster(mode="live")
    sim.kernel.run_for(2)
    result = operations.execute(sim, {"op": "step", "count": 25, "all": True})
    assert len(result["steps"]) == 25 and result["housekeeping"] == 0
    assert any(s["housekeeping"] for s in result["steps"]) and result["clock"]["mode"] == "paused"


@pytest.mark.parametrize("op,message", [
    ({"op": "step", "count": 0}, "count must be an integer from 1 to 1000"),
    ({"op": "step", "count": 1, "all": "yes"}, "all must be true or false"),
], ids=["count", "all"])
def test_step_refuses_bad_arguments(op, message):
    sim, _ = make_cluster(mode="paused")
    with pytest.raises(SimulationError, match=message):
        operations.execute(sim, op)


def test_a_speed_leaves_a_paused_cluster_paused():
    sim, _ = make_cluster(mode="paused")
    state = operations.execute(sim, {"op": "speed", "speed": 10})
    assert state["clock"] == {**state["clock"], "mode": "paused", "speed": 10.0}


@pytest.mark.parametrize("op,message", [
    ({"op": "trace", "from": "", "to": "web"}, "from is required: the sending pod, as NAMESPACE/POD"),
    ({"op": "trace", "from": "default/web-x", "to": ""}, "to is required: a pod, a Service or an IP"),
    ({"op": "trace", "from": "default/web-x", "to": "web"}, 'pods "web-x" not found'),
    ({"op": "network", "node": "node-9"}, "no node named 'node-9'"),
    ({"op": "pod_network", "namespace": "default", "pod": "web-x"}, 'pods "web-x" not found'),
], ids=["no-from", "no-to", "no-such-pod", "no-such-node", "no-such-pod-network"])
def test_network_reads_refuse_what_they_cannot_show(op, message):
    sim, _ = make_cluster(mode="paused")
    with pytest.raises(SimulationError, match=message):
        operations.execute(sim, op)

