"""Every shipped scenario: it reads without a mistake, its file is named after its id, and —
unless it waits for the issue that builds what it needs — it runs to the end on a fresh
headless cluster, every wait and check passing. The same scenario gives the same history."""
from __future__ import annotations

import pytest

from simulation.scenarios import find, shipped, shipped_paths
from simulation.scenarios.runner import run_headless
from simulation.scenarios.validate import check

SCENARIOS = shipped()


def test_the_library_covers_every_row_of_chapter_11():
    runnable = [s for s in SCENARIOS if s.runnable]
    assert len(runnable) >= 15
    assert {s.section for s in runnable} >= {"11.1.1", "11.1.2", "11.1.3", "11.1.4", "11.1.5", "11.1.6", "11.1.7",
                                             "11.1.8", "11.2", "11.3", "11.5", "notes"}
    assert {"11.4", "11.1.9", "11.6"} <= {s.section for s in runnable}  # pod networking; add-ons; HA
    assert [s.id for s in SCENARIOS if not s.runnable] == []
    assert all(s.minutes <= 5 for s in SCENARIOS)


@pytest.mark.parametrize("path", shipped_paths(), ids=lambda p: p.stem)
def test_each_file_is_valid_and_named_after_its_id(path):
    scenario, problems = check(path)
    assert problems == []
    assert scenario.id == path.stem


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_runs_headless_to_the_end(scenario):
    if not scenario.runnable:
        pytest.skip(f"{scenario.id} is pending {scenario.pending}")
    lines: list[str] = []
    result, _ = run_headless(scenario, out=lines.append)
    assert result.ok, "\n".join(lines[-30:])
    assert len(result.steps) == len(scenario.steps)
    for step, outcome in zip(scenario.steps, result.steps):
        if step.predict is not None:
            assert outcome.answer and outcome.answer != "(none)", (step.title, outcome)
        if step.check is not None:
            assert outcome.check, step.title


def test_predictions_are_answered_from_the_run():
    """The answers come from what the cluster did, not from the file."""
    outcomes = {s.title: s for s in run_headless(find("scheduler-filter-score"))[0].steps}
    assert outcomes["A pod that asks for three CPUs"].answer == "node-1"  # node-2 too small, node-3 tainted
    crashed = {s.title: s for s in run_headless(find("scheduler-crashed"))[0].steps}
    assert crashed["Scale up without a scheduler"].answer == "2"
    failover = {s.title: s for s in run_headless(find("leader-election"))[0].steps}
    assert failover["Kill the leader"].answer == "kind-control-plane2"  # kube-scheduler-2's host
    preemption = {s.title: s for s in run_headless(find("priority-preemption"))[0].steps}
    assert preemption["A high-priority pod that fits nowhere"].answer == "1"  # one batch pod preempted
    quota = {s.title: s for s in run_headless(find("resource-quota"))[0].steps}
    assert quota["A Deployment asks for more than the quota allows"].answer == "2"  # 3 x 400m > 1 CPU


def test_same_scenario_same_history():
    first, first_backend = run_headless(find("deployment-chain"))
    second, second_backend = run_headless(find("deployment-chain"))
    assert first.ok and second.ok
    assert first_backend.history() == second_backend.history()
    assert [s.answer for s in first.steps] == [s.answer for s in second.steps]


def test_the_dns_lesson_resolves_through_coredns_and_reaches_a_pod():
    """What the lesson's execs print is what it narrates: a name answered by CoreDNS, a curl
    answered by a kubia pod, NXDOMAIN for a name no Service has."""
    lines: list[str] = []
    result, _ = run_headless(find("addons-dns"), out=lines.append)
    text = "\n".join(lines)
    assert result.ok, text
    assert "nameserver 10.96.0.10" in text
    assert "Name:\tkubia.default.svc.cluster.local" in text
    assert "You've hit kubia-" in text
    assert "** server can't find nothing-here: NXDOMAIN" in text
    assert "no servers could be reached" not in text
