"""kube-scheduler as a simulated process (upstream ``pkg/scheduler``: ``scheduler.go``,
``eventhandlers.go``, ``schedule_one.go``).

It watches nodes and pods (plus Services, ReplicaSets, StatefulSets, ReplicationControllers and
Namespaces, which default topology spreading and namespace selectors read), keeps a
:class:`~simulation.scheduler.cache.SchedulerCache` of what runs where, and queues the pending
pods whose ``spec.schedulerName`` is its own in a
:class:`~simulation.scheduler.queue.SchedulingQueue`. Pods meant for a scheduler nobody runs are
queued by no one and stay Pending.

Promises:

* One scheduling cycle is one kernel action (:meth:`Scheduler.schedule_one`): pop the
  highest-priority pod, run :func:`~simulation.scheduler.algorithm.schedule_pod` on the cache's
  snapshot, and — in the same action — bind it through ``pods/binding`` and record the
  ``Scheduled`` Event. Binding is not a separate action here: upstream binds in a goroutine right
  after assuming the pod, and a learner stepping through sees "pod scheduled" as one step.
* A bound pod is *assumed* on its node at once, so the next cycle counts its requests even
  though the watch event has not arrived; a failed bind forgets it and retries after backoff.
* A pod that fits nowhere gets ``PodScheduled=False`` (reason ``Unschedulable``, written only when
  it changed), a ``FailedScheduling`` Warning with upstream's message, and waits in the
  unschedulable queue until the cluster changes (node added or changed, assigned pod deleted) or
  5 minutes pass.
* Its Events (``Scheduled``, ``FailedScheduling``, ``Preempted``) go through ``events.k8s.io/v1``
  as 1.33's scheduler records them (:mod:`simulation.client.eventsv1`: reporter, action, series);
  only its leader-election Events use the legacy core/v1 recorder.
* The last decision per pod is kept (:meth:`Scheduler.decision`), bounded in count and in size.
* Per cycle the work is that of the nodes evaluated; the snapshot is never rebuilt.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from simulation.apimachinery import resources
from simulation.apimachinery.keys import object_key
from simulation.apimachinery.timestamps import rfc3339
from simulation.apimachinery.wellknown import DEFAULT_SCHEDULER_NAME, KUBE_SCHEDULER
from simulation.client.apiclient import APIClient, APIError, is_not_found
from simulation.client.component import Component
from simulation.client.events import NORMAL, WARNING
from simulation.client.eventsv1 import NOTE_LENGTH_LIMIT, EventsV1Recorder
from simulation.kernel import Kernel

from .algorithm import ScheduleResult, schedule_pod
from .cache import SchedulerCache
from .framework.interface import CycleState, PostFilterResult
from .framework.node_info import PodInfo
from .framework.runtime import Framework
from .plugins.default_preemption import PREEMPTION_BY_SCHEDULER
from .plugins.registry import default_framework
from .queue import (
    ASSIGNED_POD_ADD,
    ASSIGNED_POD_DELETE,
    ASSIGNED_POD_UPDATE,
    NODE_ADD,
    NODE_UPDATE,
    PV_CHANGE,
    PVC_CHANGE,
    STORAGE_CLASS_CHANGE,
    QueuedPodInfo,
    SchedulingQueue,
)

#: Virtual seconds one scheduling cycle takes: about what kube-scheduler needs per pod in a large
#: cluster (scheduler_perf's 680 pods/s at 5,000 nodes is ~1.5 ms). Shorter than a watch event's
#: latency, so a burst of pods is scheduled before the first binding is watched, as upstream —
#: which is why the cache assumes pods.
SCHEDULE_CYCLE_SECONDS = 0.001
#: How many pods' last decisions are kept.
MAX_DECISIONS = 5_000
#: How much per-node detail the kept decisions may hold (nodes listed + 20 × nodes evaluated,
#: roughly the references a full record keeps). Older records beyond it keep only their summary.
#: Small clusters keep every detail; at 5,000 nodes about the last 60 decisions keep theirs — a
#: kept trace outlives the young GC generations, and keeping thousands cost ~10% throughput.
DECISION_DETAIL_BUDGET = 1_000_000

SCHEDULED, UNSCHEDULABLE, BIND_ERROR = "Scheduled", "Unschedulable", "BindError"
#: The pod's node is chosen but its claims are being bound there first (storage).
WAITING_ON_VOLUMES = "WaitingOnVolumes"
#: The PodScheduled=False reason for a cycle that failed on an error rather than a verdict.
SCHEDULER_ERROR = "SchedulerError"
#: The ``action`` of the scheduler's Events (``schedule_one.go``, ``preemption.go``).
SCHEDULING_ACTION, BINDING_ACTION, PREEMPTING_ACTION = "Scheduling", "Binding", "Preempting"
#: Upstream's pod informer skips finished pods: a pod that Succeeded or Failed leaves the cache
#: (its watch shows it as deleted), and its requests are free again.
POD_FIELD_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"


def truncate_message(message: str) -> str:
    """Upstream ``truncateMessage``: a FailedScheduling note cut to the API's note limit, ending
    in `` ...`` (the pod's condition keeps the whole message)."""
    raw = message.encode()
    if len(raw) <= NOTE_LENGTH_LIMIT:  # Go's len counts bytes
        return message
    suffix = " ..."
    return raw[:NOTE_LENGTH_LIMIT - len(suffix)].decode(errors="ignore") + suffix


def lease_name_for(scheduler_name: str) -> str:
    """The Lease replicas of a scheduler elect on: ``kube-scheduler`` for the default one (upstream's
    ``leaderElection.resourceName`` default), the scheduler's own name for any other."""
    return KUBE_SCHEDULER if scheduler_name == DEFAULT_SCHEDULER_NAME else scheduler_name


def node_scheduling_properties_changed(old: dict, new: dict) -> bool:
    """Upstream ``nodeSchedulingPropertiesChange``: could this node update make a pod fit?
    Heartbeat-only status updates cannot."""
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    old_status, new_status = old.get("status") or {}, new.get("status") or {}
    if bool(old_spec.get("unschedulable")) != bool(new_spec.get("unschedulable")):
        return True
    if old_status.get("allocatable") != new_status.get("allocatable"):
        return True
    if old_meta.get("labels") != new_meta.get("labels") or old_spec.get("taints") != new_spec.get("taints"):
        return True
    if old_meta.get("annotations") != new_meta.get("annotations"):
        return True

    def conditions(status: dict) -> dict:
        return {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
    return conditions(old_status) != conditions(new_status)


def _served(resource: str) -> bool:
    """Kinds the simulated API server does not serve (yet) are not watched."""
    try:
        resources.by_name(resource)
    except KeyError:
        return False
    return True


def _assigned(pod: dict) -> bool:
    return bool((pod.get("spec") or {}).get("nodeName"))


def _terminating(pod: dict) -> bool:
    return (pod.get("metadata") or {}).get("deletionTimestamp") is not None


def _scheduled_condition(pod: dict) -> dict | None:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "PodScheduled":
            return condition
    return None


def _rejecting_plugins(result: ScheduleResult) -> set[str]:
    """Upstream's ``Diagnosis.UnschedulablePlugins``: who said no, on some node or in PreFilter.
    The queue retries the pod only on cluster events that can change those plugins' minds."""
    plugins = {s.plugin for s in result.node_statuses.values() if s.plugin}
    trace = getattr(result, "_trace", None)
    for status in getattr(trace, "pre_filter", None) or ():
        if status.is_rejected() and status.plugin:
            plugins.add(status.plugin)
    return plugins


class _Index:
    """Objects of one kind by ``namespace/name``; the snapshot iterates ``objects.values()`` live."""

    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}

    def put(self, obj: dict) -> None:
        self.objects[object_key(obj)] = obj

    def update(self, old: dict, new: dict) -> None:
        self.put(new)

    def drop(self, obj: dict) -> None:
        self.objects.pop(object_key(obj), None)


class _Decision:
    """A kept decision: the cycle's result (its full record is built only when read) plus the
    scheduler's own facts, among them ``message``: what the cycle's Event said (``Successfully
    assigned …``, the FailedScheduling text). ``result`` is dropped when the detail budget is spent."""

    __slots__ = ("meta", "result", "summary", "weight")

    def __init__(self, meta: dict, result: ScheduleResult, weight: int) -> None:
        self.meta = meta
        self.result: ScheduleResult | None = result
        self.weight = weight
        self.summary = {"winner": result.node_name, "feasible": result.feasible, "evaluated": result.evaluated}

    def as_dict(self) -> dict:
        if self.result is not None:
            return {**self.meta, **self.result.decision, "message": self.meta["message"]}
        return {**self.meta, **self.summary, "nodes": [], "detail_dropped": True}


class Scheduler(Component):
    kind = "scheduler"

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *,
                 scheduler_name: str = DEFAULT_SCHEDULER_NAME, leader_election: bool = False, identity: str = "",
                 lease_name: str = "", framework: Framework | None = None, percentage_of_nodes_to_score: int = 0,
                 watch_workloads: bool = True) -> None:
        self.scheduler_name = scheduler_name  # before super(): the event recorder's source reads it
        super().__init__(name, kernel, client, leader_election=leader_election,
                         lease_name=lease_name or lease_name_for(scheduler_name), identity=identity)
        self.framework = framework or default_framework(scheduler_name)
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.watch_workloads = watch_workloads
        self._fresh_process()
        self.preemptions = 0
        self._decisions: dict[str, _Decision] = {}
        #: The kept decisions that still hold their full detail, oldest first.
        self._detailed: OrderedDict[str, _Decision] = OrderedDict()
        self._detail_weight = 0
        self.scheduled = 0
        self.failed = 0
        self.bind_errors = 0
        self.cycles = 0

    @property
    def rng(self):
        """The kernel's seeded random source (DefaultPreemption's candidate offset)."""
        return self.kernel.rng

    def event_source(self) -> str:
        """Events say who decided: ``default-scheduler``, ``my-scheduler``. This names the
        legacy (core/v1) recorder, which upstream's scheduler keeps for leader election only."""
        return self.scheduler_name

    @property
    def hostname(self) -> str:
        """The machine the process runs on: the first part of its leader-election identity
        (``<hostname>_<uuid>``)."""
        return self.identity.partition("_")[0]

    # ----------------------------------------------------------------- lifecycle
    def _fresh_process(self) -> None:
        """What a (re)started process begins with: an empty cache and queue."""
        self.cache = SchedulerCache()
        #: The profile's recorder (upstream's ``EventBroadcasterAdapter`` → events.k8s.io/v1):
        #: its series cache is the process's, so a restart begins empty.
        self.events = EventsV1Recorder(self.kernel, self.client, self.scheduler_name, self.hostname,
                                       component=self.name)
        self.queue = SchedulingQueue(self.kernel, component=self.name, on_active=self._wake)
        self.next_start_node_index = 0
        self._cycle_timer: Any = None
        #: Pending pods an earlier preemption nominated to a node: key -> (node, PodInfo).
        self._nominated: dict[str, tuple[str, PodInfo]] = {}
        self._pdb_lister: Any = None

    def run(self) -> None:
        """A fresh process: informers listing from scratch (nodes first) feed its cache and queue."""
        self._fresh_process()
        self.informer("nodes").add_event_handler(self._on_node_add, self._on_node_update, self._on_node_delete)
        self.informer("pods", field_selector=POD_FIELD_SELECTOR).add_event_handler(
            self._on_pod_add, self._on_pod_update, self._on_pod_delete)
        if self.watch_workloads:
            self._watch_workloads()
        self._watch_volumes()
        if _served("poddisruptionbudgets"):  # DefaultPreemption spares what the budgets protect
            self._pdb_lister = self.informer("poddisruptionbudgets").lister

    def on_stop(self) -> None:
        """The process is gone: so are its queue and cache (the kernel dropped its timers)."""
        self._fresh_process()

    def _watch_workloads(self) -> None:
        """What PodTopologySpread's default constraints and namespace selectors read, kept as live
        views in the snapshot (no copy per cycle)."""
        snapshot = self.cache.snapshot
        for resource, attr in (("services", "services"), ("replicationcontrollers", "replication_controllers"),
                               ("replicasets", "replica_sets"), ("statefulsets", "stateful_sets")):
            if _served(resource):
                index = _Index()
                setattr(snapshot, attr, index.objects.values())
                self.informer(resource).add_event_handler(index.put, index.update, index.drop)
        self.informer("namespaces").add_event_handler(self._on_namespace, lambda old, new: self._on_namespace(new),
                                                      self._on_namespace_delete)

    def _watch_volumes(self) -> None:
        """What VolumeBinding reads (storage): claims, volumes and classes, live in the snapshot; a
        change may unblock a pod waiting on its volumes."""
        snapshot = self.cache.snapshot
        for resource, attr, event in (("persistentvolumeclaims", "claims", PVC_CHANGE),
                                      ("persistentvolumes", "volumes", PV_CHANGE),
                                      ("storageclasses", "storage_classes", STORAGE_CLASS_CHANGE)):
            if not _served(resource):
                continue
            index = _Index()
            setattr(snapshot, attr, index.objects)

            def changed(obj: dict, put=index.put, event=event) -> None:
                put(obj)
                self.queue.move_all_to_active_or_backoff(event)
            self.informer(resource).add_event_handler(changed, lambda old, new, changed=changed: changed(new),
                                                      index.drop)

    def _on_namespace(self, namespace: dict) -> None:
        meta = namespace["metadata"]
        self.cache.snapshot.namespace_labels[meta["name"]] = meta.get("labels") or {}

    def _on_namespace_delete(self, namespace: dict) -> None:
        self.cache.snapshot.namespace_labels.pop(namespace["metadata"]["name"], None)

    # ----------------------------------------------------------------- event handlers (no work)
    def responsible_for(self, pod: dict) -> bool:
        return ((pod.get("spec") or {}).get("schedulerName") or DEFAULT_SCHEDULER_NAME) == self.scheduler_name

    def _on_node_add(self, node: dict) -> None:
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff(NODE_ADD)

    def _on_node_update(self, old: dict, new: dict) -> None:
        self.cache.update_node(new)
        if node_scheduling_properties_changed(old, new):
            self.queue.move_all_to_active_or_backoff(NODE_UPDATE)

    def _on_node_delete(self, node: dict) -> None:
        self.cache.remove_node(node["metadata"]["name"])

    def _wants_scheduling(self, pod: dict) -> bool:
        """Pending, ours, not being deleted, and not held by ``schedulingGates`` (upstream's
        SchedulingGates PreEnqueue plugin: a gated pod waits outside the active queue until its
        gates are removed)."""
        return (self.responsible_for(pod) and not _terminating(pod)
                and not (pod.get("spec") or {}).get("schedulingGates"))

    def _note_nomination(self, pod: dict) -> None:
        """Upstream's PodNominator: pending pods with ``status.nominatedNodeName`` hold room there."""
        key = object_key(pod)
        node = (pod.get("status") or {}).get("nominatedNodeName") or ""
        if node and not _assigned(pod) and not _terminating(pod):
            self._nominated[key] = (node, PodInfo(pod))
        else:
            self._nominated.pop(key, None)

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return [info for node, info in self._nominated.values() if node == node_name]

    def pod_disruption_budgets(self) -> list[dict]:
        return self._pdb_lister.list() if self._pdb_lister is not None else []

    def _nominated_by_node(self) -> dict[str, list[PodInfo]]:
        by_node: dict[str, list[PodInfo]] = {}
        for node, info in self._nominated.values():
            by_node.setdefault(node, []).append(info)
        return by_node

    def _on_pod_add(self, pod: dict) -> None:
        self._note_nomination(pod)
        if _assigned(pod):
            self.cache.add_pod(pod)
            self.queue.move_all_to_active_or_backoff(ASSIGNED_POD_ADD)
        elif self._wants_scheduling(pod) and not self.cache.is_assumed(object_key(pod)):
            self.queue.add(pod)

    def _on_pod_update(self, old: dict, new: dict) -> None:
        self._note_nomination(new)
        key = object_key(new)
        if _assigned(new):
            self.queue.delete(key)  # bound (by us or anyone): no longer pending
            if self.cache.node_of(key) is None or not _assigned(old):
                self.cache.add_pod(new)
                self.queue.move_all_to_active_or_backoff(ASSIGNED_POD_ADD)
                return
            self.cache.update_pod(old, new)
            old_meta, new_meta = old["metadata"], new["metadata"]
            if (old_meta.get("labels") != new_meta.get("labels")
                    or old_meta.get("deletionTimestamp") != new_meta.get("deletionTimestamp")):
                self.queue.move_all_to_active_or_backoff(ASSIGNED_POD_UPDATE)
        elif not self._wants_scheduling(new):
            self.queue.delete(key)
        elif not self.cache.is_assumed(key):
            self.queue.update(old, new)

    def _on_pod_delete(self, pod: dict) -> None:
        key = object_key(pod)
        self._nominated.pop(key, None)
        self.queue.delete(key)
        if self.cache.node_of(key) is not None:
            self.cache.remove_pod(key)
            self.queue.move_all_to_active_or_backoff(ASSIGNED_POD_DELETE)

    # ----------------------------------------------------------------- the scheduling loop
    def _wake(self) -> None:
        if self._cycle_timer is None and self.leading:
            self._cycle_timer = self.kernel.schedule(SCHEDULE_CYCLE_SECONDS, self.schedule_one,
                                                     component=self.name, action="schedule")

    def schedule_one(self) -> dict:
        """One scheduling cycle: pop, filter and score, then bind or report why not."""
        self._cycle_timer = None
        queued = self.queue.pop()
        if queued is None:
            return {"caption": f"{self._who()}'s active queue is empty", "housekeeping": True}
        try:
            return self._schedule(queued)
        except Exception:
            # Upstream's handleSchedulingFailure for an internal error: retry after backoff.
            self.cache.forget_pod(queued.key)
            self.queue.add_backoff(queued)
            raise
        finally:
            if self.queue.has_active():
                self._wake()

    def _schedule(self, queued: QueuedPodInfo) -> dict:
        pod = queued.pod
        meta = pod["metadata"]
        namespace, name = meta.get("namespace") or "default", meta["name"]
        described = {"kind": "Pod", "namespace": namespace, "name": name}
        self.cycles += 1
        pod_info = PodInfo(pod)
        snapshot = self.cache.snapshot
        result = schedule_pod(self.framework, pod_info, snapshot, rng=self.kernel.rng,
                              percentage_of_nodes_to_score=self.percentage_of_nodes_to_score,
                              next_start_node_index=self.next_start_node_index,
                              nominated=self._nominated_by_node() if self._nominated else None)
        self.next_start_node_index = result.next_start_node_index
        filtered = self._filtered_words(result, len(snapshot))
        if result.node_name is None:
            return self._unschedulable(queued, result, filtered, described)

        node = result.node_name
        score = result.score
        waiting = self._pre_bind(pod_info, node)
        if waiting:
            self._keep(queued, result, WAITING_ON_VOLUMES, score, "")
            self.queue.add_unschedulable(queued, {"VolumeBinding"})
            return {"caption": f"{self._who()} {filtered} for pod {name}: it chooses {node} and asks for "
                               f"{'claims' if len(waiting) > 1 else 'claim'} {', '.join(waiting)} to be bound there "
                               "(VolumeBinding PreBind); the pod waits until they are",
                    "object": described, "extra": {"node": node, "outcome": WAITING_ON_VOLUMES}}
        self.cache.assume_pod(pod, node, pod_info)
        try:
            self.client.bind(namespace, name, node, pod_uid=meta.get("uid", ""))
        except APIError as exc:
            return self._bind_failed(queued, result, node, exc, described)
        self.scheduled += 1
        assigned = f"Successfully assigned {namespace}/{name} to {node}"
        self._keep(queued, result, SCHEDULED, score, assigned)
        self.events.eventf(pod, None, NORMAL, "Scheduled", BINDING_ACTION, assigned)
        if result.feasible == 1:
            how = f"only {node} fits; it binds the pod there"
        else:
            how = f"{result.feasible} fit; it scores them and binds the pod to {node}"
            how += f" (score {score})" if score is not None else ""
        return {"caption": f"{self._who()} {filtered} for pod {name}: {how}", "object": described,
                "extra": {"node": node, "score": score, "feasible": result.feasible, "evaluated": result.evaluated,
                          "nodes": len(snapshot), "outcome": SCHEDULED, "attempt": queued.attempts}}

    def _pre_bind(self, pod_info: PodInfo, node: str) -> list[str]:
        """Run the PreBind plugins for the chosen node (storage); the claims the pod waits on."""
        node_info = self.cache.snapshot.get(node)
        if node_info is None:
            return []
        return self.framework.run_pre_bind_plugins(self.cache.snapshot, pod_info, node_info, self.client)

    def _unschedulable(self, queued: QueuedPodInfo, result: ScheduleResult, filtered: str, described: dict) -> dict:
        """Upstream ``handleSchedulingFailure`` after PostFilter: preemption (victims evicted, the
        pod nominated), then condition (with ``nominatedNodeName``), Event, park the pod."""
        pod = queued.pod
        self.failed += 1
        post = self._post_filter(queued, result)
        message = result.message
        if post is not None and post.status is not None:
            message += " " + post.status.message
        preempted = ""
        if post is not None and post.status is None:
            preempted = self._prepare_candidate(pod, post)
        self._keep(queued, result, UNSCHEDULABLE, None, message, preemption=post.record if post else None)
        self.queue.add_unschedulable(queued, _rejecting_plugins(result))
        self.events.eventf(pod, None, WARNING, "FailedScheduling", SCHEDULING_ACTION, truncate_message(message))
        self._set_not_scheduled_condition(pod, UNSCHEDULABLE, message,
                                          nominated_node=post.nominated_node if post is not None else None)
        then = preempted or "The pod stays Pending."
        return {"caption": (f"{self._who()} {filtered} for pod {described['name']}: {message}"
                            f"{'' if message.endswith('.') else '.'} {then}"),
                "object": described,
                "extra": {"node": None, "feasible": 0, "evaluated": result.evaluated, "message": message,
                          "outcome": UNSCHEDULABLE, "attempt": queued.attempts,
                          "nominated_node": post.nominated_node if post is not None else None}}

    # ----------------------------------------------------------------- preemption (PostFilter)
    def _post_filter(self, queued: QueuedPodInfo, result: ScheduleResult) -> PostFilterResult | None:
        """Run the PostFilter plugins on this cycle's verdicts; a PreFilter rejection stands for
        every node, as upstream fills the node-to-status map with it."""
        if not self.framework.post_filter_plugins:
            return None
        snapshot = self.cache.snapshot
        statuses = dict(result.node_statuses)
        trace = getattr(result, "_trace", None)
        rejection = next((s for s in getattr(trace, "pre_filter", None) or () if s.is_rejected()), None)
        if rejection is not None:
            statuses = {ni.name: rejection for ni in snapshot.node_infos}
        if not statuses:
            return None
        state = CycleState(snapshot)
        pod_info = PodInfo(queued.pod)
        self.framework.run_pre_filter_plugins(state, pod_info)
        return self.framework.run_post_filter_plugins(state, pod_info, statuses, self)

    def _prepare_candidate(self, pod: dict, post: PostFilterResult) -> str:
        """Upstream ``prepareCandidate``: for each victim not already going, a DisruptionTarget
        condition, the delete, and a ``Preempted`` Event; then lower-priority pods nominated to the
        node lose their nomination. Returns the caption's sentence."""
        node = post.nominated_node or ""
        meta = pod["metadata"]
        names = []
        for victim in post.victims:
            vmeta = victim["metadata"]
            names.append(vmeta["name"])
            if vmeta.get("deletionTimestamp"):
                continue
            namespace = vmeta.get("namespace") or "default"
            condition = {"type": "DisruptionTarget", "status": "True", "reason": PREEMPTION_BY_SCHEDULER,
                         "message": f"{self.scheduler_name}: preempting to accommodate a higher priority pod",
                         "lastProbeTime": None, "lastTransitionTime": rfc3339(self.kernel.wall_time())}
            try:
                self.client.patch("pods", namespace, vmeta["name"], {"status": {"conditions": [condition]}},
                                  patch_type="strategic", subresource="status")
                self.client.delete("pods", namespace, vmeta["name"])
            except APIError as exc:
                if not is_not_found(exc):
                    raise
                continue
            self.events.eventf(victim, pod, NORMAL, "Preempted", PREEMPTING_ACTION,
                               f"Preempted by pod {meta.get('uid', '')} on node {node}")
            self.preemptions += 1
        priority = int((pod.get("spec") or {}).get("priority") or 0)
        for info in self.nominated_pods_for_node(node):
            other = info.pod
            if info.key != object_key(pod) and int((other.get("spec") or {}).get("priority") or 0) < priority:
                try:
                    self.client.patch("pods", info.namespace, other["metadata"]["name"],
                                      {"status": {"nominatedNodeName": None}}, subresource="status")
                except APIError:
                    pass
        return (f"It preempts {', '.join(names)} on {node} and nominates the node; the pod waits for them "
                "to terminate.")

    def _set_not_scheduled_condition(self, pod: dict, reason: str, message: str,
                                     nominated_node: str | None = None) -> None:
        """PodScheduled=False with the reason (``Unschedulable``, ``SchedulerError``) and message,
        and ``status.nominatedNodeName`` when preemption set or cleared it, patched only when
        something changed (as upstream's ``updatePod``), so retries with the same verdict write
        nothing."""
        current = _scheduled_condition(pod) or {}
        current_nominated = (pod.get("status") or {}).get("nominatedNodeName") or ""
        nominated_changed = nominated_node is not None and nominated_node != current_nominated
        if (current.get("status"), current.get("reason"), current.get("message")) == ("False", reason, message) \
                and not nominated_changed:
            return
        now = rfc3339(self.kernel.wall_time())
        condition = {"type": "PodScheduled", "status": "False", "reason": reason, "message": message,
                     "lastProbeTime": None,
                     "lastTransitionTime": current.get("lastTransitionTime") if current.get("status") == "False"
                     else now}
        meta = pod["metadata"]
        try:
            status: dict = {"conditions": [condition]}
            if nominated_changed:
                status["nominatedNodeName"] = nominated_node or None
            self.client.patch("pods", meta.get("namespace") or "default", meta["name"],
                              {"status": status}, patch_type="strategic", subresource="status")
        except APIError:
            pass  # the pod is gone or changed; its next event tells the queue

    def _bind_failed(self, queued: QueuedPodInfo, result: ScheduleResult, node: str, exc: APIError,
                     described: dict) -> dict:
        """Upstream ``handleBindingCycleError``: forget the assumed pod, report a SchedulerError,
        retry after backoff — unless the answer says the pod is gone or bound already (upstream
        asks its informer cache, which here may lag the API server's answer)."""
        self.cache.forget_pod(queued.key)
        self.bind_errors += 1
        text = str(exc)
        message = f'running Bind plugin "DefaultBinder": {text}'
        self._keep(queued, result, BIND_ERROR, None, message)
        self.events.eventf(queued.pod, None, WARNING, "FailedScheduling", SCHEDULING_ACTION, truncate_message(message))
        gone = is_not_found(exc) or (exc.code == 409 and ("already assigned" in text or "being deleted" in text))
        if gone:
            then = "it drops the pod from its queue"
        else:
            self.queue.add_backoff(queued)
            self._set_not_scheduled_condition(queued.pod, SCHEDULER_ERROR, message)
            then = f"it retries after a {self.queue.backoff_duration(queued):g} s backoff"
        return {"caption": f"{self._who()} chose {node} for pod {described['name']} but the binding failed "
                           f"({exc.code} {exc.reason or ''}: {text}); {then}",
                "object": described, "extra": {"node": node, "outcome": BIND_ERROR, "error": text}}

    # ----------------------------------------------------------------- decisions
    def _keep(self, queued: QueuedPodInfo, result: ScheduleResult, outcome: str, score: int | None,
              message: str, preemption: dict | None = None) -> None:
        meta = {"pod": queued.key, "scheduler": self.scheduler_name, "component": self.name,
                "time_seconds": self.kernel.now_seconds, "attempt": queued.attempts, "outcome": outcome,
                "node": result.node_name, "score": score, "message": message, "preemption": preemption}
        key = queued.key
        self._forget_decision(key)
        entry = _Decision(meta, result, len(self.cache.snapshot) + 20 * result.evaluated)
        self._decisions[key] = entry
        self._detailed[key] = entry
        self._detail_weight += entry.weight
        while len(self._decisions) > MAX_DECISIONS:
            self._forget_decision(next(iter(self._decisions)))
        while self._detail_weight > DECISION_DETAIL_BUDGET and len(self._detailed) > 1:
            _, oldest = self._detailed.popitem(last=False)
            oldest.result = None
            self._detail_weight -= oldest.weight

    def _forget_decision(self, key: str) -> None:
        self._decisions.pop(key, None)
        entry = self._detailed.pop(key, None)
        if entry is not None:
            self._detail_weight -= entry.weight

    def decision(self, namespace: str, name: str) -> dict | None:
        """The last decision for a pod: outcome, winner, per-node and per-plugin verdicts and scores."""
        entry = self._decisions.get(f"{namespace or 'default'}/{name}")
        return entry.as_dict() if entry is not None else None

    def decisions(self) -> list[str]:
        """Keys (``namespace/name``) of the pods with a kept decision, oldest first."""
        return list(self._decisions)

    # ----------------------------------------------------------------- reporting
    def _who(self) -> str:
        return "The scheduler" if self.scheduler_name == DEFAULT_SCHEDULER_NAME else f"Scheduler {self.scheduler_name}"

    @staticmethod
    def _filtered_words(result: ScheduleResult, total: int) -> str:
        if total == 0:
            return "has no nodes to filter"
        if result.evaluated < total:
            return f"filters {result.evaluated} of {total} nodes (percentageOfNodesToScore)"
        return f"filters {total} node{'s' if total != 1 else ''}"

    def status(self) -> dict:
        return {**super().status(), "scheduler_name": self.scheduler_name, "queue": self.queue.lengths(),
                "requeued_by_event": dict(self.queue.moves),
                "scheduled": self.scheduled, "failed": self.failed, "bind_errors": self.bind_errors,
                "preempted": self.preemptions,
                "cycles": self.cycles, "cache": {"nodes": self.cache.node_count(), "pods": self.cache.pod_count(),
                                                 "assumed": self.cache.assumed_count()}}
