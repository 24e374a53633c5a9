"""What a scenario is, once read and checked: plain dataclasses the runners walk.

A scenario is data, not code: a setup (the cluster it needs), then ordered steps, each with
narration a teacher reads aloud, the kubectl commands a learner may copy, actions (API
operations written as their kubectl equivalents, and the simulation's control operations),
a condition to wait for, what the diagram lights, and optionally a prediction question
answered from the run and an exercise check. The file format is ``docs/scenarios.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulation.kubelet.node_spec import NodeSpec

if TYPE_CHECKING:
    from simulation.snapshot import Snapshot

    from .actions import Action
    from .conditions import Condition


@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario file, where it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Problems:
    """Collects every mistake of a file, so a teacher sees them all at once, not one per run."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.found.append(Problem(self.path, line, message))

    def __bool__(self) -> bool:
        return bool(self.found)


@dataclass
class Setup:
    """The cluster a scenario starts from. ``nodes`` None means the demo cluster's three
    workers, which is also what ``manage.py up`` hosts, so such a scenario runs on ``demo``."""

    seed: int = 1
    nodes: list[NodeSpec] | None = None
    #: Replicas of ``scheduler`` and ``controller-manager`` (1 unless said; 2+ elect a leader).
    replicas: dict[str, int] = field(default_factory=dict)
    #: Extra schedulers, each serving the ``schedulerName`` it is named after.
    schedulers: list[str] = field(default_factory=list)
    #: Laid out as ``kubeadm init`` leaves a cluster: a control-plane node whose static pods run
    #: the control plane, kube-proxy and CoreDNS in kube-system.
    kubeadm: bool = False
    #: Three control-plane nodes, as kind's highly available layout (implies ``kubeadm``).
    ha: bool = False
    #: Components stopped before the first step (``kube-controller-manager``…).
    stopped: list[str] = field(default_factory=list)
    #: Manifests created, in order, before the first step.
    objects: list[dict] = field(default_factory=list)
    #: The speed a hosted cluster is set to (headless runs go as fast as they can).
    speed: float = 1.0
    #: What must hold before the first step (the setup's objects settled).
    wait_for: Condition | None = None
    #: The cluster the scenario starts from (``snapshot: FILE``): its nodes and objects.
    snapshot: Snapshot | None = None


@dataclass
class Highlight:
    """What the diagram lights for a step: component names as the diagram knows them
    (``kube-scheduler``, ``kubelet/node-1``, ``apiserver``, ``etcd``), API-server stages
    (``authentication`` … ``storage``) and objects (``deployments/default/web``)."""

    components: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"components": self.components, "stages": self.stages, "objects": self.objects}


@dataclass
class Prediction:
    """A question asked before the step's actions, answered from the run after its wait."""

    question: str
    answer: Condition
    choices: list[str] = field(default_factory=list)


@dataclass
class Check:
    """An exercise: passes when ``condition`` holds. ``solution`` is what the runner does in the
    terminal and in CI (a class does it by hand; the page turns the check green by itself)."""

    task: str
    condition: Condition
    solution: list[Action] = field(default_factory=list)
    hint: str = ""


@dataclass
class Step:
    title: str
    narration: str
    line: int
    commands: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    wait_for: Condition | None = None
    highlight: Highlight = field(default_factory=Highlight)
    predict: Prediction | None = None
    check: Check | None = None


@dataclass
class Scenario:
    id: str
    title: str
    section: str
    summary: str
    minutes: float
    setup: Setup
    steps: list[Step]
    path: str = ""
    #: Not yet runnable: the issue that builds what it needs (``issue 17: …``).
    pending: str = ""

    @property
    def runnable(self) -> bool:
        return not self.pending
