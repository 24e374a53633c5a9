"""Running a scenario: its setup, then each step — the actions, the wait, the prediction's
answer, the exercise check — on any :class:`~.backend.Backend`, reporting as it goes.

The runner reaches the cluster only as kubectl and ``manage.py sim`` do (the API and the
control operations), so the same file runs headless in CI, against a hosted cluster from a
terminal, and step by step in the page's Lessons panel. A failed wait or check stops the run
naming the step, the condition and what was last seen.
"""
from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulation.cluster import SimulationError, control_plane_nodes

from .actions import Action, ActionFailed
from .backend import Backend
from .conditions import Condition
from .headless import HeadlessBackend
from .kube import APIFailure, Session, object_ref, resolve
from .model import Scenario, Setup

#: How long a setup may take to see every node Ready (virtual seconds).
NODES_READY_TIMEOUT_SECONDS = 60.0


class SetupFailed(Exception):
    pass


@dataclass
class Observation:
    holds: bool
    seen: str
    answer: str = ""


@dataclass
class StepOutcome:
    """What one step did, for the terminal and for the page."""

    index: int
    title: str
    ok: bool = True
    #: ``(command, output)`` of each action run.
    actions: list[tuple[str, str]] = field(default_factory=list)
    wait: str = ""
    answer: str = ""
    check: str = ""
    #: Why the step failed: the step, the condition and what it saw.
    failure: str = ""
    seconds: float = 0.0


def node_ready(node: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (node.get("status") or {}).get("conditions") or [])


class Runner:
    def __init__(self, scenario: Scenario, backend: Backend, *, out: Callable[[str], None] | None = None) -> None:
        self.scenario = scenario
        self.backend = backend
        self.session = Session(backend)
        self.out = out or (lambda line: None)

    # ----------------------------------------------------------------- setup
    def setup(self) -> None:
        """Bring the cluster to the scenario's start: its nodes Ready, its components, its speed
        and its objects. A hosted cluster must already have the nodes (it cannot grow new
        machines); an object that exists already means the cluster is not fresh."""
        setup = self.scenario.setup
        try:
            self._nodes_ready(setup)
            self._check_fresh()
            control = self.backend.control
            for kind, count in setup.replicas.items():
                if count != 1:
                    control({"op": "replicas", "component": kind, "count": count})
            for name in setup.schedulers:
                control({"op": "add_scheduler", "name": name})
            for name in setup.stopped:
                control({"op": "stop", "name": name})
            control({"op": "speed", "speed": setup.speed})
            for manifest in setup.objects:
                action = Action("create", {"manifest": manifest}, 0)
                self.out(f"  setup: {action.run(self.session)}")
            if setup.wait_for is not None:
                held, observed = self.wait_for(setup.wait_for)
                if not held:
                    raise SetupFailed(f"setup failed: waited {setup.wait_for.timeout_seconds:g}s for "
                                      f"{setup.wait_for.describe()}; saw {observed.seen}")
        except (APIFailure, ActionFailed, SimulationError) as exc:
            message = exc.kubectl() if isinstance(exc, APIFailure) else str(exc)
            raise SetupFailed(f"setup failed: {message}") from None

    def _check_fresh(self) -> None:
        """Refuse to start on a cluster that already has an object the scenario creates (an
        earlier run's): the run would stop halfway, with half of it done."""
        manifests = list(self.scenario.setup.objects)
        for step in self.scenario.steps:
            actions = step.actions + (step.check.solution if step.check else [])
            manifests += [a.args["manifest"] for a in actions if a.verb == "create" and a.expect is None]
        found = []
        for manifest in manifests:
            rt = resolve(manifest["kind"])
            name = manifest["metadata"]["name"]
            namespace = manifest["metadata"].get("namespace") or self.session.namespace
            if rt is not None and self.session.api.get_or_none(rt.name, namespace if rt.namespaced else "", name):
                found.append(object_ref(rt, name))
        if found:
            raise SetupFailed(f"setup failed: {self.backend.description} already has {', '.join(found)}, which the "
                              f"scenario creates — it needs a fresh cluster (or delete them first)")

    def _nodes_ready(self, setup: Setup) -> None:
        wanted = None if setup.nodes is None else {n.name for n in setup.nodes}
        if setup.kubeadm:  # a kubeadm cluster has its control-plane nodes too
            wanted = (wanted or set()) | {n.name for n in control_plane_nodes(ha=setup.ha)}

        def ready() -> bool:
            nodes = self.session.api.list("nodes")
            names = {n["metadata"]["name"] for n in nodes if node_ready(n)}
            return bool(names) and (wanted is None or wanted <= names)
        if not self.backend.wait(ready, NODES_READY_TIMEOUT_SECONDS):
            have = sorted(n["metadata"]["name"] for n in self.session.api.list("nodes"))
            need = ", ".join(sorted(wanted)) if wanted else "at least one Ready node"
            raise SetupFailed(f"setup failed: the scenario needs nodes {need}; {self.backend.description} has "
                              f"{', '.join(have) or 'none'} (Ready: "
                              f"{', '.join(sorted(n['metadata']['name'] for n in self.session.api.list('nodes') if node_ready(n))) or 'none'})")

    # ----------------------------------------------------------------- steps
    def observe(self, condition: Condition) -> Observation:
        seen = condition.observe(self.session)
        return Observation(condition.holds(seen), condition.seen_text(seen), condition.answer_text(seen))

    def wait_for(self, condition: Condition) -> tuple[bool, Observation]:
        held = self.backend.wait(lambda: condition.holds(condition.observe(self.session)), condition.timeout_seconds)
        observed = self.observe(condition)
        return held or observed.holds, observed

    def run_step(self, index: int) -> StepOutcome:
        """Carry step ``index`` out in full (as the terminal and CI do): actions, wait,
        prediction answer, exercise solution and check."""
        step = self.scenario.steps[index]
        outcome = StepOutcome(index, step.title)
        started = self.backend.now_seconds()
        where = f"step {index + 1} ({step.title})"
        try:
            for command, output in self.run_actions(step.actions):
                outcome.actions.append((command, output))
            if step.wait_for is not None:
                held, observed = self.wait_for(step.wait_for)
                outcome.wait = f"{step.wait_for.describe()}: {observed.seen}"
                if not held:
                    outcome.ok = False
                    outcome.failure = (f"{where}: waited {step.wait_for.timeout_seconds:g}s for "
                                       f"{step.wait_for.describe()}; saw {observed.seen}")
                    return outcome
                self.out(f"  ✓ {step.wait_for.describe()} — {observed.seen}")
            if step.predict is not None:
                outcome.answer = self.observe(step.predict.answer).answer
                self.out(f"  = answer: {outcome.answer}")
            if step.check is not None:
                self.out(f"  exercise: {step.check.task}")
                for command, output in self.run_actions(step.check.solution, prefix="solution"):
                    outcome.actions.append((command, output))
                held, observed = self.wait_for(step.check.condition)
                outcome.check = f"{step.check.condition.describe()}: {observed.seen}"
                if not held:
                    outcome.ok = False
                    outcome.failure = (f"{where}: check failed: {step.check.condition.describe()}; "
                                       f"saw {observed.seen}")
                    return outcome
                self.out(f"  ✓ check passed: {step.check.condition.describe()} — {observed.seen}")
        except ActionFailed as exc:
            outcome.ok = False
            outcome.failure = f"{where}: {exc}"
        except (APIFailure, SimulationError) as exc:
            outcome.ok = False
            outcome.failure = f"{where}: {exc.kubectl() if isinstance(exc, APIFailure) else exc}"
        finally:
            outcome.seconds = self.backend.now_seconds() - started
        return outcome

    def run_actions(self, actions: list[Action], prefix: str = "$") -> list[tuple[str, str]]:
        done = []
        for action in actions:
            command = action.command(self.session.namespace)
            self.out(f"  {prefix} {command}")
            output = action.run(self.session)
            for line in output.splitlines():
                self.out(f"      {line}")
            done.append((command, output))
        return done

    # ----------------------------------------------------------------- whole runs
    def run(self) -> RunResult:
        s = self.scenario
        self.out(f"{s.id}: {s.title} (§{s.section}, about {s.minutes:g} min) on {self.backend.description}")
        result = RunResult(s.id)
        try:
            self.setup()
        except SetupFailed as exc:
            result.failure = str(exc)
            self.out(f"✗ {exc}")
            return result
        for index, step in enumerate(s.steps):
            self.out("")
            self.out(f"[{index + 1}/{len(s.steps)}] {step.title}")
            for line in textwrap.wrap(" ".join(step.narration.split()), 96):
                self.out(f"  {line}")
            for command in step.commands:
                self.out(f"  copy: {command}")
            if step.predict is not None:
                choices = f" ({' / '.join(step.predict.choices)})" if step.predict.choices else ""
                self.out(f"  ? {step.predict.question}{choices}")
            outcome = self.run_step(index)
            result.steps.append(outcome)
            if not outcome.ok:
                result.failure = outcome.failure
                self.out(f"  ✗ {outcome.failure}")
                return result
        self.out("")
        self.out(f"✓ {s.id}: {len(s.steps)} steps passed in {self.backend.now_seconds():.1f} virtual seconds")
        return result

    def close(self) -> None:
        self.session.close()


@dataclass
class RunResult:
    scenario: str
    steps: list[StepOutcome] = field(default_factory=list)
    failure: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "ok": self.ok, "failure": self.failure,
                "steps": [vars(s) for s in self.steps]}


def run_headless(scenario: Scenario, *, out: Callable[[str], None] | None = None) -> tuple[RunResult, Any]:
    """Run ``scenario`` on a fresh headless cluster; the result and the backend (its history)."""
    backend = HeadlessBackend(scenario.setup.nodes, seed=scenario.setup.seed, snapshot=scenario.setup.snapshot,
                              kubeadm=scenario.setup.kubeadm, ha=scenario.setup.ha)
    runner = Runner(scenario, backend, out=out)
    try:
        return runner.run(), backend
    finally:
        runner.close()
        backend.close()
