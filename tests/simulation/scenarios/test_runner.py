"""A run that does not go as the scenario says stops there, naming the step, the condition and
what it saw; refusals the scenario expects are part of the lesson."""
from __future__ import annotations

import textwrap

from simulation.cluster import demo_nodes
from simulation.scenarios.headless import HeadlessBackend
from simulation.scenarios.runner import Runner, run_headless
from simulation.scenarios.validate import load

HEAD = """\
id: t
title: t
section: "11.2"
summary: s
minutes: 2
"""
POD = "{apiVersion: v1, kind: Pod, metadata: {name: lone}, spec: {containers: [{name: c, image: 'nginx:1.27'}]}}"


def run(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + textwrap.dedent(text))
    lines: list[str] = []
    result, _ = run_headless(load(path), out=lines.append)
    return result, "\n".join(lines)


def test_a_wait_that_times_out_names_the_step_the_condition_and_what_it_saw(tmp_path):
    result, output = run(tmp_path, f"""\
        setup: {{components: {{stopped: [kube-scheduler]}}}}
        steps:
          - title: Create a pod
            narration: n
            actions:
              - create: {POD}
            wait_for:
              pods: {{selector: "", count: 1}}
              timeout_seconds: 20
    """)
    assert not result.ok
    assert result.failure == "step 1 (Create a pod): waited 20s for 1 pod(s) Running -l  -n default; saw 1 Pending"
    assert "✗ step 1 (Create a pod)" in output


def test_an_expected_refusal_passes_and_an_unexpected_success_fails(tmp_path):
    result, output = run(tmp_path, f"""\
        steps:
          - title: Alice is refused
            narration: n
            actions:
              - create: {POD}
                as: alice
                expect: {{code: 403}}
          - title: The admin is not
            narration: n
            actions:
              - create: {POD}
                expect: {{code: 403}}
    """)
    assert 'Error from server (Forbidden): pods is forbidden: User "alice" cannot create resource "pods"' in output
    assert result.failure.startswith("step 2 (The admin is not): expected a refusal 403, but the request succeeded")


def test_an_unexpected_refusal_fails_with_kubectls_words(tmp_path):
    result, _ = run(tmp_path, f"""\
        steps:
          - title: Twice
            narration: n
            actions:
              - create: {POD}
              - create: {POD}
    """)
    assert result.failure == ('step 1 (Twice): Error from server (AlreadyExists): pods "lone" already exists')


def test_a_failed_exercise_check_fails_the_run(tmp_path):
    result, _ = run(tmp_path, f"""\
        steps:
          - title: Exercise
            narration: n
            check:
              task: run two pods
              condition:
                pods: {{selector: "", atLeast: 2}}
                timeout_seconds: 30
              solution:
                - create: {POD}
    """)
    assert result.failure == "step 1 (Exercise): check failed: at least 2 pod(s) Running -l  -n default; saw 1 Running"


def test_a_cluster_without_the_scenarios_nodes_fails_the_setup_naming_them(tmp_path):
    """A hosted cluster cannot grow machines: here, a cluster of the demo's nodes meets a
    scenario written for other ones."""
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + textwrap.dedent("""\
        setup:
          nodes: [{name: big-1, cpu: "64", memory: 256Gi}]
        steps:
          - title: Look
            narration: n
            actions:
              - get: {resource: nodes}
    """))
    runner = Runner(load(path), HeadlessBackend(demo_nodes()))
    result = runner.run()
    assert result.failure == ("setup failed: the scenario needs nodes big-1; a headless cluster has node-1, node-2, "
                              "node-3 (Ready: node-1, node-2, node-3)")
    assert result.steps == []
