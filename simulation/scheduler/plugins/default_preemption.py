"""DefaultPreemption, the PostFilter plugin (upstream ``plugins/defaultpreemption`` and
``framework/preemption``): when Filter left no node, find a node where evicting lower-priority
pods would let the pod run, and choose the victims.

Promises, as upstream:

* Not eligible: a pod with ``preemptionPolicy: Never``, or one whose nominated node still has a
  victim of an earlier preemption terminating (``preemption: not eligible due to …``).
* Only nodes whose Filter verdict was ``Unschedulable`` are tried (an untolerated taint or a
  node-affinity miss cannot be cured by evicting pods): with none, every node reads
  ``Preemption is not helpful for scheduling``.
* On each node tried (from a random offset; at least 100 or 10% of them): remove every pod of
  lower priority; if the pod still does not fit, the node is out with Filter's reason; if there
  were none to remove, ``No preemption victims found for incoming pod``. Else reprieve as many
  as possible, most important first (higher priority, then earlier start), those whose
  eviction would break a PodDisruptionBudget before the others; the rest are the victims.
* Among candidates: fewest PDB violations, then the lowest highest-victim priority, then the
  smallest sum of priorities, then fewest victims, then the latest start of the most important
  victims, then the first found.
* The failure message is upstream's FitError over the dry run, prefixed ``preemption: ``.

Simplification: PreFilter state is not updated as victims are removed (upstream's
``AddPod``/``RemovePod`` extensions); inter-pod affinity to victims is not honoured, as upstream
chose for performance too.
"""
from __future__ import annotations

from simulation.apimachinery.selectors import from_label_selector_object
from simulation.apimachinery.timestamps import parse_time

from ..algorithm import fit_error_message
from ..framework.interface import (
    Code,
    CycleState,
    PostFilterHandle,
    PostFilterPlugin,
    PostFilterResult,
    Status,
)
from ..framework.node_info import NodeInfo, PodInfo
from ..framework.runtime import pod_priority_of

NAME = "DefaultPreemption"
#: ``DefaultPreemptionArgs`` defaults.
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
#: The DisruptionTarget condition the scheduler puts on each victim before deleting it.
PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


def _start_time(pod: PodInfo) -> float:
    started = parse_time((pod.pod.get("status") or {}).get("startTime"))
    return started if started is not None else float("inf")


def more_important_pod(pod: PodInfo) -> tuple:
    """Sort key of ``util.MoreImportantPod``: higher priority first, then the earlier start."""
    return (-pod_priority_of(pod), _start_time(pod))


def terminating_by_preemption(pod: PodInfo) -> bool:
    """``podTerminatingByPreemption``: being deleted, with DisruptionTarget=True from the scheduler."""
    if not pod.terminating:
        return False
    for condition in (pod.pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "DisruptionTarget":
            return condition.get("status") == "True" and condition.get("reason") == PREEMPTION_BY_SCHEDULER
    return False


def filter_pods_with_pdb_violation(pods: list[PodInfo], pdbs: list[dict]) -> tuple[list[PodInfo], list[PodInfo]]:
    """``filterPodsWithPDBViolation``: (violating, non-violating), each in the given order."""
    allowed = [int((pdb.get("status") or {}).get("disruptionsAllowed") or 0) for pdb in pdbs]
    violating, non_violating = [], []
    for pod in pods:
        violated = False
        if pod.labels:
            for i, pdb in enumerate(pdbs):
                if (pdb.get("metadata") or {}).get("namespace", "") != pod.namespace:
                    continue
                try:
                    selector = from_label_selector_object((pdb.get("spec") or {}).get("selector"))
                except ValueError:
                    continue
                if selector.empty or not selector.matches(pod.labels):
                    continue
                if pod.pod["metadata"]["name"] in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pod)
    return violating, non_violating


class _Candidate:
    __slots__ = ("node", "victims", "pdb_violations")

    def __init__(self, node: str, victims: list[PodInfo], pdb_violations: int) -> None:
        self.node = node
        self.victims = victims
        self.pdb_violations = pdb_violations

    def to_dict(self) -> dict:
        return {"node": self.node, "victims": [v.key for v in self.victims], "pdb_violations": self.pdb_violations}


def pick_one_node_for_preemption(candidates: list[_Candidate]) -> _Candidate:
    """``pickOneNodeForPreemption``: each criterion narrows the field until one node is left."""
    def earliest_start(c: _Candidate) -> float:
        top = pod_priority_of(c.victims[0])
        return min(_start_time(v) for v in c.victims if pod_priority_of(v) == top)

    criteria = (
        lambda c: -c.pdb_violations,
        lambda c: -pod_priority_of(c.victims[0]),
        lambda c: -sum(pod_priority_of(v) + 2 ** 31 for v in c.victims),
        lambda c: -len(c.victims),
        earliest_start,
    )
    field = list(candidates)
    for score in criteria:
        best = max(score(c) for c in field)
        field = [c for c in field if score(c) == best]
        if len(field) == 1:
            break
    return field[0]


class DefaultPreemption(PostFilterPlugin):
    name = NAME

    def post_filter(self, state: CycleState, pod: PodInfo, node_statuses: dict[str, Status],
                    handle: PostFilterHandle) -> PostFilterResult:
        """``Evaluator.Preempt``: eligibility, candidates by dry run, the best candidate."""
        snapshot = state.snapshot
        reason = self._not_eligible(pod, node_statuses, snapshot)
        if reason:
            return self._fail(Status(Code.UNSCHEDULABLE, [reason], NAME), None, {"eligible": False})
        nodes = list(snapshot.node_infos)
        potential = [ni for ni in nodes if (node_statuses.get(ni.name) is not None
                                            and node_statuses[ni.name].code == Code.UNSCHEDULABLE)]
        record: dict = {"eligible": True, "potential_nodes": [ni.name for ni in potential], "candidates": [],
                        "dry_run": {}}
        statuses: dict[str, Status] = {}
        candidates: list[_Candidate] = []
        if potential:
            pdbs = handle.pod_disruption_budgets()
            offset = handle.rng.randrange(len(potential))
            wanted = min(max(len(potential) * MIN_CANDIDATE_NODES_PERCENTAGE // 100, MIN_CANDIDATE_NODES_ABSOLUTE),
                         len(potential))
            violating_candidates: list[_Candidate] = []
            for i in range(len(potential)):
                node_info = potential[(offset + i) % len(potential)]
                found, status = self.select_victims_on_node(state, pod, node_info, pdbs, handle)
                if found is not None:
                    (candidates if found.pdb_violations == 0 else violating_candidates).append(found)
                    record["dry_run"][node_info.name] = {"victims": [v.key for v in found.victims],
                                                         "pdb_violations": found.pdb_violations}
                    if candidates and len(candidates) + len(violating_candidates) >= wanted:
                        break
                else:
                    statuses[node_info.name] = status
                    record["dry_run"][node_info.name] = {"reasons": list(status.reasons)}
            candidates += violating_candidates
        record["candidates"] = [c.to_dict() for c in candidates]
        if not candidates:
            # Nodes not tried (or never Unschedulable) read "Preemption is not helpful for scheduling".
            for ni in nodes:
                statuses.setdefault(ni.name, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [NOT_HELPFUL], NAME))
            message = fit_error_message(len(nodes), statuses)
            return self._fail(Status(Code.UNSCHEDULABLE, [message], NAME), "", record)
        best = pick_one_node_for_preemption(candidates)
        record["nominated_node"] = best.node
        record["victims"] = [v.key for v in best.victims]
        return PostFilterResult(None, best.node, [v.pod for v in best.victims], record)

    @staticmethod
    def _fail(status: Status, nominated: str | None, record: dict) -> PostFilterResult:
        status.reasons = ["preemption: " + status.message]
        record["message"] = status.message
        return PostFilterResult(status, nominated, [], record)

    @staticmethod
    def _not_eligible(pod: PodInfo, node_statuses: dict[str, Status], snapshot) -> str:
        """``PodEligibleToPreemptOthers``: "" when the pod may preempt, else why not."""
        spec = pod.pod.get("spec") or {}
        if spec.get("preemptionPolicy") == "Never":
            return "not eligible due to preemptionPolicy=Never."
        nominated = (pod.pod.get("status") or {}).get("nominatedNodeName") or ""
        if nominated:
            status = node_statuses.get(nominated)
            if status is not None and status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                return ""
            node_info = snapshot.get(nominated)
            if node_info is not None:
                priority = pod_priority_of(pod)
                for other in node_info.pods.values():
                    if pod_priority_of(other) < priority and terminating_by_preemption(other):
                        return "not eligible due to a terminating pod on the nominated node."
        return ""

    @staticmethod
    def select_victims_on_node(state: CycleState, pod: PodInfo, node_info: NodeInfo, pdbs: list[dict],
                               handle: PostFilterHandle) -> tuple[_Candidate | None, Status]:
        """``SelectVictimsOnNode`` on a copy of the node: (the candidate, or None and why not)."""
        priority = pod_priority_of(pod)
        potential = [p for p in node_info.pods.values() if pod_priority_of(p) < priority]
        if not potential:
            return None, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, [NO_VICTIMS], NAME)
        victims_out = {p.key for p in potential}
        trial = NodeInfo(node_info.node, [p for p in node_info.pods.values() if p.key not in victims_out])
        framework = handle.framework
        nominated = handle.nominated_pods_for_node(node_info.name)
        status = framework.run_filter_plugins_with_nominated_pods(state, pod, trial, nominated)
        if status is not None:
            return None, status
        potential.sort(key=more_important_pod)
        violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
        victims: list[PodInfo] = []
        pdb_violations = 0
        for group, counts in ((violating, True), (non_violating, False)):
            for candidate in group:
                trial.add_pod(candidate)
                if framework.run_filter_plugins_with_nominated_pods(state, pod, trial, nominated) is not None:
                    trial.remove_pod(candidate)
                    victims.append(candidate)
                    pdb_violations += counts
        if violating and non_violating:
            victims.sort(key=more_important_pod)
        if not victims:
            return None, Status(Code.ERROR, [f'expected at least one victim pod on node "{node_info.name}"'], NAME)
        return _Candidate(node_info.name, victims, pdb_violations), None  # type: ignore[return-value]
