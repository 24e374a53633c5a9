"""A teacher's file with mistakes is refused with every mistake's line, and builds nothing."""
from __future__ import annotations

import textwrap

import pytest

from simulation.scenarios.validate import ScenarioInvalid, check, load

GOOD_HEAD = """\
id: my-lesson
title: My lesson
section: "11.2"
summary: A lesson.
minutes: 3
steps:
"""


def problems_of(tmp_path, text: str) -> list[str]:
    path = tmp_path / "lesson.yaml"
    path.write_text(textwrap.dedent(text))
    scenario, problems = check(path)
    assert scenario is None
    return [f"{p.line}: {p.message}" for p in problems]


@pytest.mark.parametrize(("body", "expected"), [
    ("  - title: t\n    narration: [unclosed\n", "9: not valid YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence on line 8)"),
    ("  - title: t\n    narration: n\n    title: again\n", "9: duplicate key 'title'"),
    ("  - title: t\n", "7: step 1: narration is required"),
    ("  - title: t\n    narration: n\n    actions:\n      - frobnicate: 1\n", "10: unknown action 'frobnicate'"),
    ("  - title: t\n    narration: n\n    actions:\n      - scale: {resource: deploymnt, name: web, replicas: 2}\n",
     "10: scale: resource 'deploymnt' is not one this cluster serves"),
    ("  - title: t\n    narration: n\n    wait_for:\n      pods: {selector: 'app in (', count: 2}\n",
     "10: pods: selector 'app in ('"),
    ("  - title: t\n    narration: n\n    wait_for:\n      object: {resource: pods, name: p, jsonpath: '.a[?x'}\n",
     "10: object: cannot read JSONPath"),
    ("  - title: t\n    narration: n\n    wait_for:\n      podz: {selector: app=x}\n", "10: unknown condition 'podz'"),
    ("  - title: t\n    narration: n\n    wait_for:\n      pods: {selector: app=x}\n      timeout_seconds: 9999\n",
     "11: timeout_seconds must be"),
    ("  - title: t\n    narration: n\n    actions:\n      - stop: kube-scheduler\n        expect: {code: 403}\n",
     "10: stop: as, groups, token and expect apply to API actions only"),
    ("  - title: t\n    narration: n\n    check:\n      task: do it\n      condition: {pods: {selector: app=x}}\n",
     "10: check: solution is required"),
    ("  - title: t\n    narration: n\n    highlight:\n      stages: [authentification]\n",
     "10: highlight: unknown stage 'authentification'"),
    ("  - title: t\n    narration: n\n    actions:\n      - create: {apiVersion: v1, kind: Widget, metadata: {name: w}}\n",
     "10: create: this cluster serves no kind 'Widget'"),
    ("  - title: t\n    narration: n\n    actions:\n      - delete: {resource: rc, name: kubia, cascade: sideways}\n",
     "10: delete: cascade must be one of background, foreground, orphan"),
    ("  - title: t\n    narration: n\n    actions:\n      - trace: {to: kubia}\n",
     "10: trace: give either pod or selector (the sending pod)"),
    ("  - title: t\n    narration: n\n    actions:\n      - trace: {pod: client}\n",
     "10: trace: to is required"),
], ids=["yaml-syntax", "duplicate-key", "no-narration", "unknown-action", "unknown-resource", "bad-selector",
        "bad-jsonpath", "unknown-condition", "timeout-too-long", "expect-on-control", "check-without-solution",
        "unknown-stage", "unknown-kind", "unknown-cascade", "trace-without-sender", "trace-without-target"])
def test_a_mistake_is_reported_at_its_line(tmp_path, body, expected):
    found = problems_of(tmp_path, GOOD_HEAD + body)
    assert any(p.startswith(expected) for p in found), found


def test_every_mistake_is_reported_at_once_in_line_order(tmp_path):
    found = problems_of(tmp_path, """\
        id: Not_An_Id
        title: x
        section: "12.1"
        summary: s
        minutes: 9
        steps:
          - title: t
            narration: n
            actions:
              - speed: -1
    """)
    assert [p.split(":")[0] for p in found] == ["1", "3", "5", "10"], found


def test_load_raises_with_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD_HEAD + "  - title: t\n")
    with pytest.raises(ScenarioInvalid) as caught:
        load(path)
    assert str(caught.value) == f"{path}:7: step 1: narration is required (what the teacher reads aloud)"


def test_a_good_file_builds_its_scenario(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(GOOD_HEAD + "  - title: Look\n    narration: Nodes.\n    actions:\n      - get: {resource: nodes}\n")
    scenario, problems = check(path)
    assert problems == [] and scenario.id == "my-lesson"
    assert scenario.steps[0].actions[0].command() == "kubectl get nodes"


def test_a_setup_snapshot_that_is_missing_or_broken_is_reported_at_its_line(tmp_path):
    (tmp_path / "broken-snapshot.yaml").write_text("apiVersion: v1\nkind: List\nitems: [{kind: Widget}]\n")
    head = "id: s\ntitle: t\nsection: '11.1.5'\nsummary: s\nminutes: 2\nsetup:\n  snapshot: {file}\n" \
           "steps:\n  - title: t\n    narration: n\n"
    missing = problems_of(tmp_path, head.format(file="nowhere.yaml"))
    assert any(p.startswith("7: setup: cannot read the snapshot 'nowhere.yaml'") for p in missing), missing
    broken = problems_of(tmp_path, head.format(file="broken-snapshot.yaml"))
    assert any(p.startswith("7: setup: the snapshot 'broken-snapshot.yaml' is not valid") for p in broken), broken
