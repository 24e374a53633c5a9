"""``manage.py scenario``: the list a teacher picks from, validation with line numbers and a
non-zero exit, a run that prints the lesson and exits non-zero naming what failed."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("scenario", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_is_a_table_of_the_shipped_scenarios_by_section():
    out, _ = run("list")
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "§", "TITLE", "MINUTES", "STEPS", "STATUS"]
    by_id = {row.split()[0]: row for row in rows}
    assert len(by_id) >= 18
    assert by_id["deployment-chain"].split()[1] == "11.2" and by_id["deployment-chain"].endswith("runnable")
    assert by_id["ha-control-plane"].split()[1] == "11.6" and by_id["ha-control-plane"].endswith("runnable")
    assert by_id["pod-networking"].endswith("runnable")
    assert rows.index(by_id["control-plane-components"]) < rows.index(by_id["deployment-chain"]) < \
        rows.index(by_id["scheduler-crashed"])


def test_list_as_json():
    out, _ = run("list", "-o", "json")
    scenarios = {s["id"]: s for s in json.loads(out)}
    assert scenarios["apiserver-chain"]["section"] == "11.1.3" and scenarios["apiserver-chain"]["runnable"]
    assert scenarios["ha-control-plane"]["runnable"] and not scenarios["ha-control-plane"].get("pending")
    assert scenarios["deployment-chain"]["steps"] == 7


def test_validate_reports_file_and_line_and_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: t\nsection: '11.2'\nsummary: s\nminutes: 2\nsteps:\n  - title: t\n"
                   "    narration: n\n    actions:\n      - stop: 3\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="mistakes"):
        call_command("scenario", "validate", str(bad), stderr=err, stdout=io.StringIO())
    assert err.getvalue().strip() == f"{bad}:10: stop: must name a component, e.g. stop: kube-scheduler"


def test_validate_accepts_a_good_file():
    from simulation.scenarios import LIBRARY
    out, _ = run("validate", str(LIBRARY / "services.yaml"))
    assert out.strip().endswith("ok — services, 3 steps")


def test_run_headless_prints_the_lesson():
    out, _ = run("run", "apiserver-only-stores", "--headless")
    assert "[2/3] Create a ReplicaSet" in out
    assert "? How many pods will exist after twenty seconds? (0 / 1 / 3)" in out
    assert "= answer: 0" in out
    assert out.rstrip().splitlines()[-1].startswith("✓ apiserver-only-stores: 3 steps passed")


def test_run_of_a_teachers_file_fails_naming_the_step_and_what_it_saw(tmp_path):
    lesson = tmp_path / "mine.yaml"
    lesson.write_text("""\
id: mine
title: Mine
section: notes
summary: s
minutes: 1
setup: {components: {stopped: [kube-scheduler]}}
steps:
  - title: Expect a miracle
    narration: The scheduler is stopped, yet we wait for the pod to run.
    actions:
      - create: {apiVersion: v1, kind: Pod, metadata: {name: p, labels: {app: p}}, spec: {containers: [{name: c, image: nginx}]}}
    wait_for:
      pods: {selector: app=p, count: 1}
      timeout_seconds: 10
""")
    with pytest.raises(CommandError) as caught:
        run("run", str(lesson))
    assert str(caught.value) == ("scenario mine failed: step 1 (Expect a miracle): waited 10s for 1 pod(s) Running "
                                 "-l app=p -n default; saw 1 Pending")


def test_a_pending_scenario_is_not_run(tmp_path):
    lesson = tmp_path / "later.yaml"
    lesson.write_text("id: later\ntitle: Later\nsection: notes\nsummary: s\nminutes: 2\n"
                      "pending: issue 99 (what it needs)\nsteps:\n  - title: t\n    narration: n\n")
    with pytest.raises(CommandError, match="scenario later is not runnable yet: pending issue 99"):
        run("run", str(lesson))
