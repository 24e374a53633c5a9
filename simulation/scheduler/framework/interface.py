"""Extension points of the scheduling framework (upstream ``pkg/scheduler/framework/interface.go``).

A plugin is a class with a ``name`` constant that implements one or more extension points; the
capabilities are visible in its class line (``class TaintToleration(FilterPlugin, ScorePlugin)``).

Success is ``None``, as Go's nil ``*Status``: the filter loop runs thousands of times per pod and
only failures need an object. A returned :class:`Status` carries the plugin's name so the UI and
the FailedScheduling message can say who refused a node, in upstream's words.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .node_info import NodeInfo, PodInfo, Snapshot

#: Highest score a Score plugin may return after normalization.
MAX_NODE_SCORE = 100


class Code(str, Enum):
    """Upstream's status codes; the value is what the decision record shows."""

    SUCCESS = "Success"
    ERROR = "Error"
    #: The node does not fit now; preemption might help.
    UNSCHEDULABLE = "Unschedulable"
    #: The node does not fit and preempting pods would not change that.
    UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
    #: PreFilter/PreScore: this plugin has nothing to do for the pod; its Filter/Score is not run.
    SKIP = "Skip"


class Status:
    """A non-success outcome: code, human reasons (upstream's text) and the plugin that said so."""

    __slots__ = ("code", "reasons", "plugin")

    def __init__(self, code: Code, reasons: list[str] | None = None, plugin: str = "") -> None:
        self.code = code
        self.reasons = reasons or []
        self.plugin = plugin

    @property
    def message(self) -> str:
        """Upstream's ``Status.Message()``: the reasons joined by ", "."""
        return ", ".join(self.reasons)

    def is_rejected(self) -> bool:
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def to_dict(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "code": self.code.value, "reasons": list(self.reasons)}

    def __repr__(self) -> str:
        return f"Status({self.code.value}, {self.reasons!r}, plugin={self.plugin!r})"


SKIP = Status(Code.SKIP)


class CycleState(dict):
    """Per-cycle scratch space plugins share between extension points, keyed by plugin.

    A plain dict (plugins read it once per node, so lookups must be C-fast) that also holds the
    snapshot the cycle runs against: plugins needing the whole cluster (spreading, inter-pod
    affinity, image spread) read it here, as upstream plugins ask their handle's
    ``SnapshotSharedLister``.
    """

    __slots__ = ("snapshot", "skip_filter_plugins", "skip_score_plugins")

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
        #: Plugins whose PreFilter / PreScore answered SKIP this cycle.
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()


class Plugin:
    """Every plugin has an upstream name, used in profiles, statuses and the UI."""

    name: str = ""


class PreFilterPlugin(Plugin):
    def pre_filter(self, state: CycleState, pod: PodInfo) -> Status | None:
        """Compute once per cycle what Filter needs; SKIP means Filter is not run for this pod."""
        raise NotImplementedError


class FilterPlugin(Plugin):
    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        """``None`` if the pod may run on the node, else an Unschedulable* status with reasons."""
        raise NotImplementedError

    def filter_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> dict[str, Status]:
        """:meth:`filter` over many nodes: the rejected ones by node name (the others passed).

        Upstream calls Filter per node from 16 goroutines; in one Python thread the call per node
        is the cost, so the plugins the default profile runs on every pod override this with one
        loop that reads the per-pod values once. The verdict for each node must equal
        :meth:`filter`'s."""
        rejected: dict[str, Status] = {}
        plugin_filter = self.filter
        for node_info in nodes:
            status = plugin_filter(state, pod, node_info)
            if status is not None:
                rejected[node_info.name] = status
        return rejected


class PreScorePlugin(Plugin):
    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        """Compute once per cycle what Score needs over the feasible nodes; SKIP skips Score."""
        raise NotImplementedError


class ScorePlugin(Plugin):
    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        """Raw score of one feasible node; normalized by :meth:`normalize_score` if the plugin has one."""
        raise NotImplementedError

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """Raw scores of all feasible nodes, in order. Upstream calls Score per node; hot plugins
        override this to hoist per-pod work out of the loop (Python pays for every call)."""
        return [self.score(state, pod, ni) for ni in nodes]

    #: ``normalize_score(state, pod, nodes, scores)`` rewrites ``scores`` (one per node, in
    #: order) into [0, MAX_NODE_SCORE]; plugins whose raw scores already are leave it ``None``.
    normalize_score: Callable[[CycleState, PodInfo, list[NodeInfo], list[int]], None] | None = None


class PreBindPlugin(Plugin):
    """After a node is chosen, before the pod is bound (storage)."""

    def pre_bind(self, state: CycleState, pod: PodInfo, node_info: NodeInfo, client: Any) -> list[str]:
        """Write what the binding needs (volume bindings) through ``client``; what the pod still
        waits for (empty: bind it now)."""
        raise NotImplementedError


class PostFilterResult:
    """What a PostFilter plugin answers when Filter left no node (upstream ``PostFilterResult``
    with its ``Status``): ``status`` is ``None`` on success (a node was nominated), else why not,
    its message already prefixed as the FailedScheduling text shows it (``preemption: …``).
    ``nominated_node`` is the node to nominate, ``""`` to clear a nomination, ``None`` to leave
    it; ``victims`` are the pods to preempt; ``record`` explains the decision to the UI."""

    __slots__ = ("status", "nominated_node", "victims", "record")

    def __init__(self, status: Status | None, nominated_node: str | None = None, victims: list | None = None,
                 record: dict | None = None) -> None:
        self.status = status
        self.nominated_node = nominated_node
        self.victims = victims or []
        self.record = record or {}


class PostFilterHandle(Protocol):
    """What a PostFilter plugin may use of its scheduler (upstream's framework ``Handle``): the
    cycle's framework (to run Filter on a changed node), the PodDisruptionBudgets it watches,
    the pods nominated to each node, and the seeded random source."""

    framework: Any
    rng: Any

    def pod_disruption_budgets(self) -> list[dict]: ...

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]: ...


class PostFilterPlugin(Plugin):
    def post_filter(self, state: CycleState, pod: PodInfo, node_statuses: dict[str, Status],
                    handle: PostFilterHandle) -> PostFilterResult:
        """Try to make the pod schedulable after Filter rejected every node (preemption)."""
        raise NotImplementedError
