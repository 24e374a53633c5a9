"""A guided scenario played on the page's own cluster (the Lessons panel).

The lesson runs inside the server, on the cluster the page shows, with the scenario runner
the terminal and CI use (:mod:`simulation.scenarios.runner`) and a backend that reaches the
cluster as kubectl and ``manage.py sim`` would — through the cluster's API server and the
control operations (:class:`ServerBackend`). Two kinds of request tell the story apart:

* the step's actions are the teacher's kubectl: sent as the teacher (RBAC applies), with
  kubectl's User-Agent, so the diagram animates them like any kubectl command;
* the checks that judge a wait, a prediction or an exercise are the page's reads: sent
  with the page's User-Agent, so they stay off the diagram unless the viewer asks for the
  page's own requests.

The page drives one step at a time: ``run`` carries out the shown step's actions (never its
exercise solution: the class does that by hand), the status judges its wait, answer and
check without waiting (the page asks again), ``next``/``back`` move. Where the lesson stands
is saved (:class:`~clusterviz.sim.models.LessonRun`), with the revision each step began at,
so "back" shows the cluster as it was through the revision log instead of re-running.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clusterviz.clusters import apiservers, pageagent
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from clusterviz.clusters.topology import simulated_state
from simulation import scenarios
from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import APIRequest, UserInfo
from simulation.cluster import SimulationError, demo_nodes
from simulation.scenarios.actions import TRACE_COMMAND
from simulation.scenarios.model import Scenario
from simulation.scenarios.runner import Runner, SetupFailed

from .models import LessonRun
from .snapshots import import_cluster

#: kubectl's User-Agent for the lesson's actions (drawn on the diagram as kubectl's).
ACTION_AGENT = "kubectl/v1.33.0 (linux/amd64) kubernetes/clusterviz-lesson"
#: How often a wait in the setup judges its condition (wall seconds).
POLL_SECONDS = 0.2
#: Extra wall seconds a setup wait may take beyond its virtual timeout at the cluster's speed.
WALL_SLACK_SECONDS = 15.0


class LessonError(Exception):
    """Why a lesson cannot start or move (shown to the teacher as is)."""


class _Watch:
    def __init__(self, watcher: Any) -> None:
        self.watcher = watcher

    def poll(self) -> list[dict]:
        return json.loads(json.dumps(self.watcher.poll()))

    def close(self) -> None:
        self.watcher.done = True


class ServerBackend:
    """The page's cluster as a scenario :class:`~simulation.scenarios.backend.Backend`."""

    builds_nodes = False

    def __init__(self, cluster: str, user: UserInfo, dispatch: Callable[[str, dict], Any]) -> None:
        self.cluster = cluster
        self.description = f"cluster {cluster}"
        self.user = user
        self.dispatch = dispatch
        #: The User-Agent of the requests sent now: the teacher's kubectl, or a page's reads.
        self.agent = ACTION_AGENT
        #: The packets a step's ``trace`` actions followed, in order, for the page to draw.
        self.traces: list[dict] = []

    def send(self, method: str, path: str, *, query: dict | None = None, body: bytes | None = None,
             content_type: str = "application/json", headers: dict | None = None,
             token: str | None = None) -> tuple[int, Any]:
        sent = {"user-agent": self.agent, "accept": "application/json",
                **{k.lower(): v for k, v in (headers or {}).items()}}
        if body is not None:
            sent["content-type"] = content_type
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        response = apiservers.get(self.cluster).handle(APIRequest(
            method, path, query=query or {}, headers=sent, body=body, user=None if token is not None else self.user))
        return response.code, json.loads(json.dumps(response.body)) if response.body is not None else None

    def watch(self, path: str, query: dict) -> _Watch:
        response = apiservers.get(self.cluster).handle(APIRequest(
            "GET", path, query=query, headers={"user-agent": self.agent}, user=self.user))
        if response.watcher is None:
            raise SimulationError(f"cannot watch {path}: {response.body}")
        return _Watch(response.watcher)

    def control(self, op: dict) -> Any:
        try:
            result = self.dispatch(self.cluster, op)
        except StatusError as exc:
            raise SimulationError(exc.message) from None
        if op["op"] == "trace":
            self.traces.append(result)
        return result

    def now_seconds(self) -> float:
        return float(self.control({"op": "state"})["clock"]["now_seconds"])

    def wait(self, predicate: Callable[[], bool], timeout_seconds: float) -> bool:
        """Poll while the cluster runs live (the kernel is hosted a moment after a new cluster
        is made: until then the clock is unknown and the wait goes by the wall clock)."""
        wall_deadline = time.monotonic() + timeout_seconds + WALL_SLACK_SECONDS
        deadline = None
        while True:
            try:
                clock = self.control({"op": "state"})["clock"]
            except SimulationError:
                clock = None
            if clock is not None:
                if clock["mode"] == "paused":
                    return predicate()
                if deadline is None:
                    deadline = float(clock["now_seconds"]) + timeout_seconds
                    wall_deadline = time.monotonic() + timeout_seconds / max(float(clock["speed"]), 0.1) + \
                        WALL_SLACK_SECONDS
            if clock is not None and predicate():
                return True
            if (deadline is not None and float(clock["now_seconds"]) >= deadline) or time.monotonic() >= wall_deadline:
                return clock is not None and predicate()
            time.sleep(POLL_SECONDS)

    def close(self) -> None:
        pass


@dataclass
class _Live:
    """The runner of a cluster's lesson in this process (its watches live here)."""

    scenario: Scenario
    runner: Runner
    backend: ServerBackend
    lock: threading.Lock = field(default_factory=threading.Lock)


_runners: dict[str, _Live] = {}
_runners_lock = threading.Lock()


def catalogue() -> list[dict]:
    """The shipped lessons, in chapter order, as the panel lists them."""
    return [{"id": s.id, "title": s.title, "section": s.section, "summary": s.summary, "minutes": s.minutes,
             "steps": len(s.steps), "runnable": s.runnable, "pending": s.pending} for s in scenarios.shipped()]


def _scenario(scenario_id: str) -> Scenario:
    for scenario in scenarios.shipped():
        if scenario.id == scenario_id:
            return scenario
    raise LessonError(f"no lesson {scenario_id!r}")


def new_lesson_cluster(scenario_id: str) -> Cluster:
    """A fresh simulated cluster for a lesson, named after it (``deployment-chain``,
    ``deployment-chain-2``…), with the scenario's nodes and seed: lessons need a cluster
    nothing else has touched (or, for a lesson that starts from a snapshot, the snapshot
    imported). The running server hosts it within a second."""
    scenario = _scenario(scenario_id)
    if not scenario.runnable:
        raise LessonError(f"{scenario.id} cannot run yet: {scenario.pending}")
    name, n = scenario.id, 1
    while Cluster.objects.filter(name=name).exists():
        n += 1
        name = f"{scenario.id}-{n}"
    setup = scenario.setup
    if setup.snapshot is not None:  # the cluster the lesson replays: its nodes and objects
        cluster, _ = import_cluster(setup.snapshot, name)
        return cluster
    nodes = setup.nodes if setup.nodes is not None else demo_nodes()
    return create_cluster(name, sim_state=simulated_state(nodes, seed=setup.seed, kubeadm=setup.kubeadm,
                                                                ha=setup.ha))


def _live(run: LessonRun, user: UserInfo, dispatch: Callable[[str, dict], Any]) -> _Live:
    with _runners_lock:
        live = _runners.get(run.cluster.name)
        if live is None or live.scenario.id != run.scenario:
            scenario = _scenario(run.scenario)
            backend = ServerBackend(run.cluster.name, user, dispatch)
            live = _runners[run.cluster.name] = _Live(scenario, Runner(scenario, backend), backend)
        live.backend.user = user
        return live


def start(cluster: Cluster, scenario_id: str, user: UserInfo, dispatch: Callable[[str, dict], Any],
          revision: Callable[[], int]) -> LessonRun:
    """Run the scenario's setup on ``cluster`` and open its first step."""
    scenario = _scenario(scenario_id)
    if not scenario.runnable:
        raise LessonError(f"{scenario.id} cannot run yet: {scenario.pending}")
    backend = ServerBackend(cluster.name, user, dispatch)
    live = _Live(scenario, Runner(scenario, backend), backend)
    try:
        live.runner.setup()
    except SetupFailed as exc:
        raise LessonError(str(exc)) from None
    with _runners_lock:
        _runners[cluster.name] = live
    run, _ = LessonRun.objects.update_or_create(cluster=cluster, defaults={
        "scenario": scenario.id, "position": 0, "ran": [], "revisions": {"0": revision()},
        "started_by": user.name})
    return run


def run_step(run: LessonRun, user: UserInfo, dispatch: Callable[[str, dict], Any]) -> list[dict]:
    """Carry out the shown step's actions (once); what each printed, as kubectl would, and for a
    traced packet its path (``trace``), which the page draws."""
    live = _live(run, user, dispatch)
    if run.position in run.ran:
        raise LessonError(f"step {run.position + 1} has run already")
    step = live.scenario.steps[run.position]
    with live.lock:
        live.backend.agent = ACTION_AGENT
        live.backend.traces = []
        try:
            done = live.runner.run_actions(step.actions)
        except Exception as exc:  # an action the scenario did not expect to fail: say which
            raise LessonError(f"step {run.position + 1} ({step.title}): {exc}") from None
    run.ran = sorted({*run.ran, run.position})
    run.save(update_fields=["ran"])
    traces = iter(live.backend.traces)
    return [{"command": command, "output": output,
             **({"trace": next(traces, None)} if command.startswith(TRACE_COMMAND) else {})} for command, output in done]


def move(run: LessonRun, by: int, revision: Callable[[], int]) -> LessonRun:
    """Show the next or the previous step. Moving forward onto a step for the first time
    records the revision it began at; moving back never undoes anything."""
    scenario = _scenario(run.scenario)
    position = run.position + by
    if not 0 <= position < len(scenario.steps):
        raise LessonError("no step there")
    run.position = position
    run.revisions.setdefault(str(position), revision())
    run.save(update_fields=["position", "revisions"])
    return run


def status(run: LessonRun, user: UserInfo, dispatch: Callable[[str, dict], Any], page_id: str) -> dict:
    """The lesson as the panel draws it: every step, where it stands, and for the shown step
    its wait, answer and check judged now (with the page's reads, off the diagram)."""
    live = _live(run, user, dispatch)
    scenario = live.scenario
    index = run.position
    step = scenario.steps[index]
    ran = index in run.ran
    judged: dict[str, Any] = {}
    with live.lock:
        live.backend.agent = pageagent.user_agent(page_id) if pageagent.PAGE_ID.match(page_id or "") else ACTION_AGENT
        try:
            waited = True
            if step.wait_for is not None and (ran or not step.actions):
                seen = live.runner.observe(step.wait_for)
                judged["wait"] = {"condition": step.wait_for.describe(), "holds": seen.holds, "seen": seen.seen}
                waited = seen.holds
            if step.predict is not None and (ran or not step.actions) and waited:
                judged["answer"] = live.runner.observe(step.predict.answer).answer
            if step.check is not None:
                seen = live.runner.observe(step.check.condition)
                judged["check"] = {"condition": step.check.condition.describe(), "holds": seen.holds,
                                   "seen": seen.seen}
        except Exception as exc:  # a read the page may not make (RBAC): show it, keep the lesson
            judged["error"] = str(exc)
        finally:
            live.backend.agent = ACTION_AGENT
    return {
        "scenario": {"id": scenario.id, "title": scenario.title, "section": scenario.section,
                     "summary": scenario.summary, "minutes": scenario.minutes},
        "position": index, "ran": run.ran, "revisions": run.revisions, "started_by": run.started_by,
        "steps": [_step(s, i in run.ran) for i, s in enumerate(scenario.steps)],
        "current": {"index": index, "ran": ran, **judged},
    }


def _step(step: Any, ran: bool) -> dict:
    return {"title": step.title, "narration": step.narration, "commands": step.commands,
            "actions": len(step.actions), "highlight": step.highlight.as_dict(), "ran": ran,
            "predict": {"question": step.predict.question, "choices": step.predict.choices} if step.predict else None,
            "check": {"task": step.check.task, "hint": step.check.hint} if step.check else None}


def stop(cluster: Cluster) -> None:
    LessonRun.objects.filter(cluster=cluster).delete()
    with _runners_lock:
        live = _runners.pop(cluster.name, None)
    if live is not None:
        live.runner.session.close()
