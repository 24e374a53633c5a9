"""The DaemonSet controller, as upstream's ``pkg/controller/daemon`` (daemon_controller.go,
update.go and ``util/daemonset_util.go``).

One pod per eligible node. A node is eligible when the DaemonSet's pod — its template plus the
tolerations every daemon pod gets (``node.kubernetes.io/not-ready`` and ``unreachable``
NoExecute; ``disk-pressure``, ``memory-pressure``, ``pid-pressure``, ``unschedulable``
NoSchedule; ``network-unavailable`` NoSchedule for hostNetwork pods) — matches its
``nodeSelector`` and required node affinity and tolerates its NoSchedule/NoExecute taints. A pod
already running on a node that gains a NoSchedule taint may stay; one it does not tolerate with
NoExecute must go.

The controller does not pick nodes by writing ``spec.nodeName``: as upstream since 1.12, each pod
is created with a required node affinity ``metadata.name In [<node>]`` (replacing any other
required terms), so the default scheduler binds it — and its decision record shows why.

Each sync: claim pods (adopt/release by selector), group them by target node (``nodeName``, or
the affinity's node for a pod not yet bound), create the missing pods (slow start) and delete
the extra ones (on ineligible nodes, duplicates beyond the oldest, failed pods — with backoff
and a ``FailedDaemonPod`` warning), then, for ``RollingUpdate``, delete outdated pods while at
most ``maxUnavailable`` (rounded up) are unavailable; ``OnDelete`` waits for the user. Status:
desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
numberAvailable, numberUnavailable, updatedNumberScheduled, observedGeneration.

Expectations (:mod:`.expectations`) stop it from acting twice while its cache lags. Events from
``daemonset-controller``: ``SuccessfulCreate``, ``SuccessfulDelete``, ``FailedCreate``,
``FailedDaemonPod``, ``SelectingAll``.

Differences from upstream: no ControllerRevision objects (this server does not serve them); the
``controller-revision-hash`` label is the template's hash (:func:`compute_hash`). RollingUpdate
with ``maxSurge`` > 0 is handled as ``maxSurge: 0``.
"""
from __future__ import annotations

import copy

from simulation.apimachinery.corev1 import TAINT_NODE_UNSCHEDULABLE, find_matching_untolerated_taint
from simulation.apimachinery.intstr import scaled_value_from_int_or_percent
from simulation.apimachinery.keys import object_key, split_key
from simulation.client.apiclient import APIError, is_not_found
from simulation.client.events import WARNING

from .base import Controller
from .controller_utils import (SLOW_START_INITIAL_BATCH_SIZE, OwnedPodHandlers, PodControl,
                               being_deleted, claim_objects, compute_hash, is_pod_available, is_pod_ready, labels_of,
                               names, new_controller_ref, pod_by_creation_and_phase, recheck_owner, selector_of,
                               slow_start_batch)
from .expectations import ControllerExpectations
from .podindex import PodOwnerIndex

BURST_REPLICAS = 250
CONTROLLER_REVISION_HASH = "controller-revision-hash"
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
FAILED_DAEMON_POD_REASON = "FailedDaemonPod"
BACKOFF_INITIAL_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 15 * 60.0

NOT_READY, UNREACHABLE = "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"
DISK_PRESSURE, MEMORY_PRESSURE = "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure"
PID_PRESSURE = "node.kubernetes.io/pid-pressure"
NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"


# ------------------------------------------------------------------------------- pure helpers
def add_daemon_tolerations(spec: dict) -> None:
    """``AddOrUpdateDaemonPodTolerations``: the tolerations every daemon pod carries."""
    wanted = [(NOT_READY, "NoExecute"), (UNREACHABLE, "NoExecute"), (DISK_PRESSURE, "NoSchedule"),
              (MEMORY_PRESSURE, "NoSchedule"), (PID_PRESSURE, "NoSchedule"),
              (TAINT_NODE_UNSCHEDULABLE, "NoSchedule")]
    if spec.get("hostNetwork"):
        wanted.append((NETWORK_UNAVAILABLE, "NoSchedule"))
    tolerations = spec.setdefault("tolerations", [])
    for key, effect in wanted:
        toleration = {"key": key, "operator": "Exists", "effect": effect}
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append(toleration)


def _requirement_matches(req: dict, values: dict) -> bool:
    key, op, wanted = req.get("key", ""), req.get("operator", ""), req.get("values") or []
    has = key in values
    if op == "In":
        return has and values[key] in wanted
    if op == "NotIn":
        return not has or values[key] not in wanted
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and len(wanted) == 1:
        try:
            have, want = int(values[key]), int(wanted[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def node_selector_term_matches(term: dict, node: dict) -> bool:
    expressions, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not expressions and not fields:
        return False
    labels = node["metadata"].get("labels") or {}
    node_fields = {"metadata.name": node["metadata"]["name"]}
    return (all(_requirement_matches(r, labels) for r in expressions)
            and all(_requirement_matches(r, node_fields) for r in fields))


def required_node_affinity_matches(spec: dict, node: dict) -> bool:
    """``nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)``: nodeSelector, then any term."""
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    return any(node_selector_term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


def daemon_pod_spec(ds: dict, node_name: str = "") -> dict:
    """``NewPod``'s spec: the template's, with the daemon tolerations."""
    spec = copy.deepcopy(((ds.get("spec") or {}).get("template") or {}).get("spec") or {})
    if node_name:
        spec["nodeName"] = node_name
    add_daemon_tolerations(spec)
    return spec


def node_should_run_daemon_pod(node: dict, ds: dict) -> tuple[bool, bool, str]:
    """``NodeShouldRunDaemonPod``: (should run, should continue running, why not)."""
    template_node = ((((ds.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeName") or "")
    if template_node and template_node != node["metadata"]["name"]:
        return False, False, "the template names another node"
    spec = daemon_pod_spec(ds)
    if not required_node_affinity_matches(spec, node):
        return False, False, "it does not match the node selector/affinity"
    taints = (node.get("spec") or {}).get("taints") or []
    taint = find_matching_untolerated_taint(taints, spec.get("tolerations") or [], ("NoSchedule", "NoExecute"))
    if taint is not None:
        no_execute = find_matching_untolerated_taint(taints, spec.get("tolerations") or [], ("NoExecute",))
        reason = f"it does not tolerate taint {taint.get('key')}={taint.get('value', '')}:{taint.get('effect')}"
        return False, no_execute is None, reason
    return True, True, ""


def replace_node_name_affinity(affinity: dict | None, node_name: str) -> dict:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = copy.deepcopy(affinity) if affinity else {}
    node_affinity = affinity.setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    else:
        required["nodeSelectorTerms"] = [term]
    return affinity


def target_node_name(pod: dict) -> str:
    """``GetTargetNodeName``: ``spec.nodeName``, else the node the affinity pins it to."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In" and len(req.get("values") or []) == 1:
                return req["values"][0]
    return ""


def template_generation(ds: dict) -> str | None:
    return (ds["metadata"].get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)


def is_pod_updated(pod: dict, hash_: str, generation: str | None) -> bool:
    labels = labels_of(pod)
    template_matches = generation is not None and labels.get(TEMPLATE_GENERATION_LABEL) == generation
    return bool(hash_) and labels.get(CONTROLLER_REVISION_HASH) == hash_ or template_matches


class DaemonSetController(OwnedPodHandlers, Controller):
    name = "daemonset"
    event_source = "daemonset-controller"
    owner_kind = "DaemonSet"

    def setup(self) -> None:
        self.expectations = ControllerExpectations(lambda: self.kernel.now_seconds)
        self.pod_control = PodControl(self.client, self.recorder, self.kernel.rng)
        ds_informer = self.manager.informer("daemonsets")
        pod_informer = self.manager.informer("pods")
        node_informer = self.manager.informer("nodes")
        self.ds_lister = self.owner_lister = ds_informer.lister
        self.pods = PodOwnerIndex()
        pod_informer.add_event_handler(self.pods.add, self.pods.update, self.pods.delete)
        self.node_lister = node_informer.lister
        ds_informer.add_event_handler(self.enqueue, lambda old, cur: self.enqueue(cur), self._delete_ds)
        pod_informer.add_event_handler(self.add_pod, self.update_pod, self.delete_pod)
        node_informer.add_event_handler(self._node_changed, self._update_node, self._node_changed)
        self._backoff: dict[str, tuple[float, float]] = {}

    # ----------------------------------------------------------------- event handlers
    def _delete_ds(self, ds: dict) -> None:
        key = object_key(ds)
        self.expectations.delete_expectations(key)
        self.queue.add(key)

    def _node_changed(self, node: dict) -> None:
        for ds in self.ds_lister.list():
            self.enqueue(ds)

    def _update_node(self, old: dict, cur: dict) -> None:
        """``shouldIgnoreNodeUpdate``: heartbeats (status only) change nothing for us."""
        if (labels_of(old) == labels_of(cur) and old.get("spec") == cur.get("spec")
                and [(c.get("type"), c.get("status")) for c in (old.get("status") or {}).get("conditions") or []]
                == [(c.get("type"), c.get("status")) for c in (cur.get("status") or {}).get("conditions") or []]):
            return
        self._node_changed(cur)

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str:
        namespace, name = split_key(key)
        cached = self.ds_lister.get(namespace, name)
        if cached is None:
            self.expectations.delete_expectations(key)
            return f"The DaemonSet controller sees DaemonSet {name} is gone: it forgets its expectations for it"
        ds = self.copy(cached)
        nodes = sorted(self.node_lister.list(), key=lambda n: n["metadata"]["name"])
        if selector_of(ds).empty:
            self.recorder.event(ds, WARNING, "SelectingAll",
                                "This daemon set is selecting all pods. A non-empty selector is required.")
            return f"The DaemonSet controller sees DaemonSet {name} selects every pod: it refuses to act"
        hash_ = compute_hash((ds.get("spec") or {}).get("template") or {},
                             (ds.get("status") or {}).get("collisionCount"))
        eligible = [n["metadata"]["name"] for n in nodes if node_should_run_daemon_pod(n, ds)[0]]
        head = (f"The DaemonSet controller sees DaemonSet {name} should run on {len(eligible)} of {len(nodes)} "
                f"node(s)" + (f" ({names(eligible)})" if eligible else ""))
        if being_deleted(ds):
            self._update_status(ds, nodes, hash_, update_generation=False)
            return f"{head}; it is being deleted: only its status is kept"
        if not self.expectations.satisfied_expectations(key):
            self._update_status(ds, nodes, hash_, update_generation=False)
            return (f"{head}, but it still expects {self.expectations.describe(key)} to show up in its cache: "
                    "it waits rather than act twice")
        said: list[str] = []
        error: APIError | None = None
        try:
            self._manage(ds, nodes, hash_, said)
            strategy = (ds.get("spec") or {}).get("updateStrategy") or {"type": "RollingUpdate"}
            rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
            if rolling and self.expectations.satisfied_expectations(key):
                self._rolling_update(ds, nodes, hash_, said)
        except APIError as exc:
            error = exc
        wrote = self._update_status(ds, nodes, hash_, update_generation=True)
        if error is not None:
            raise error
        if said:
            return f"{head}: it {'; it '.join(said)}"
        if wrote:
            return f"{head}: every eligible node has its pod; it writes the DaemonSet's status"
        return f"{head}: every eligible node has its pod, nothing to do"

    def _daemon_pods(self, ds: dict) -> list[dict]:
        """``getDaemonPods``: claim the namespace's pods by selector."""
        namespace = ds["metadata"].get("namespace", "")
        ref = new_controller_ref(ds, "apps/v1", "DaemonSet")
        candidates = self.pods.owned_and_orphans(namespace, ds["metadata"]["uid"])
        claimed, _, _ = claim_objects(self.client, "pods", ds, ref, candidates, selector_of(ds),
                                      can_adopt=recheck_owner(self.client, "daemonsets", ds))
        return claimed

    def _nodes_to_daemon_pods(self, ds: dict) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for pod in self._daemon_pods(ds):
            node = target_node_name(pod)
            if node:
                out.setdefault(node, []).append(pod)
        return out

    def _manage(self, ds: dict, nodes: list[dict], hash_: str, said: list[str]) -> None:
        """``manage``: which nodes need a pod, which pods must go; then ``syncNodes``."""
        by_node = self._nodes_to_daemon_pods(ds)
        needing: list[str] = []
        to_delete: list[dict] = []
        now = self.kernel.now_seconds
        for node in nodes:
            node_name = node["metadata"]["name"]
            should_run, should_continue, _ = node_should_run_daemon_pod(node, ds)
            pods = by_node.get(node_name)
            if should_run and not pods:
                needing.append(node_name)
            elif should_continue:
                running = []
                for pod in pods or []:
                    if being_deleted(pod):
                        continue
                    phase = (pod.get("status") or {}).get("phase")
                    if phase == "Failed":
                        backoff_key = f"{ds['metadata']['uid']}/{node_name}"
                        if self._in_backoff(backoff_key, now):
                            self.queue.add_after(object_key(ds), self._backoff[backoff_key][0])
                            continue
                        self._next_backoff(backoff_key, now)
                        self.recorder.event(ds, WARNING, FAILED_DAEMON_POD_REASON,
                                            f"Found failed daemon pod {pod['metadata'].get('namespace')}/"
                                            f"{pod['metadata']['name']} on node {node_name}, will try to kill it")
                        to_delete.append(pod)
                    elif phase == "Succeeded":
                        to_delete.append(pod)
                    else:
                        running.append(pod)
                if len(running) > 1:
                    to_delete.extend(pod_by_creation_and_phase(running)[1:])
            elif pods:
                to_delete.extend(p for p in pods if not being_deleted(p))
        known = {n["metadata"]["name"] for n in nodes}
        for node_name, pods in sorted(by_node.items()):
            if node_name not in known:
                to_delete.extend(p for p in pods if not (p.get("spec") or {}).get("nodeName") and not being_deleted(p))
        self._sync_nodes(ds, to_delete, needing, hash_, said)

    def _in_backoff(self, key: str, now: float) -> bool:
        entry = self._backoff.get(key)
        return entry is not None and now - entry[1] < entry[0]

    def _next_backoff(self, key: str, now: float) -> None:
        entry = self._backoff.get(key)
        if entry is None or now - entry[1] > 2 * BACKOFF_MAX_SECONDS:
            self._backoff[key] = (BACKOFF_INITIAL_SECONDS, now)
        else:
            self._backoff[key] = (min(entry[0] * 2, BACKOFF_MAX_SECONDS), now)

    def _sync_nodes(self, ds: dict, to_delete: list[dict], needing: list[str], hash_: str, said: list[str]) -> None:
        key = object_key(ds)
        namespace = ds["metadata"].get("namespace", "")
        needing = needing[:BURST_REPLICAS]
        to_delete = to_delete[:BURST_REPLICAS]
        self.expectations.set_expectations(key, len(needing), len(to_delete))
        template = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
        add_daemon_tolerations(template.setdefault("spec", {}))
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        generation = template_generation(ds)
        if generation is not None:
            labels[TEMPLATE_GENERATION_LABEL] = generation
        labels[CONTROLLER_REVISION_HASH] = hash_
        ref = new_controller_ref(ds, "apps/v1", "DaemonSet")
        targets = iter(needing)

        def create_one() -> str:
            node_name = next(targets)
            pod_template = copy.deepcopy(template)
            spec = pod_template["spec"]
            spec["affinity"] = replace_node_name_affinity(spec.get("affinity"), node_name)
            created = self.pod_control.create_pod(namespace, pod_template, ds, ref)
            return f"{created['metadata']['name']} for node {node_name}"

        error: APIError | None = None
        if needing:
            successes, created, error, _ = slow_start_batch(len(needing), SLOW_START_INITIAL_BATCH_SIZE, create_one)
            self.expectations.lower_expectations(key, len(needing) - successes, 0)
            if created:
                said.append(f"creates {'pods' if len(created) > 1 else 'pod'} {names(created)}")
            if error is not None:
                said.append(f"fails to create {len(needing) - successes} pod(s): {error}")
        deleted, delete_error = self.pod_control.delete_pods(namespace, to_delete, ds,
                                                             lambda pod: self.expectations.deletion_observed(key))
        error = error or delete_error
        if deleted:
            said.append(f"deletes {'pods' if len(deleted) > 1 else 'pod'} {names(deleted)}")
        if error is not None:
            raise error

    def _rolling_update(self, ds: dict, nodes: list[dict], hash_: str, said: list[str]) -> None:
        """``rollingUpdate`` (maxSurge 0): replace outdated pods, at most maxUnavailable at a time."""
        by_node = self._nodes_to_daemon_pods(ds)
        desired = sum(1 for n in nodes if node_should_run_daemon_pod(n, ds)[0])
        rolling = (((ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {})
        max_unavailable = scaled_value_from_int_or_percent(rolling.get("maxUnavailable", 1), desired, True)
        generation = template_generation(ds)
        min_ready = (ds.get("spec") or {}).get("minReadySeconds") or 0
        now = self.kernel.wall_time()
        unavailable = 0
        replace_now: list[dict] = []
        candidates: list[dict] = []
        for node_name in sorted(by_node):
            new_pod = old_pod = None
            ok = True
            for pod in by_node[node_name]:
                if being_deleted(pod):
                    continue
                if is_pod_updated(pod, hash_, generation):
                    ok, new_pod = ok and new_pod is None, pod
                else:
                    ok, old_pod = ok and old_pod is None, pod
            if not ok or (new_pod is None) == (old_pod is None):
                unavailable += 1
            elif new_pod is not None:
                if not is_pod_available(new_pod, min_ready, now):
                    unavailable += 1
            elif not is_pod_available(old_pod, min_ready, now):
                replace_now.append(old_pod)
            elif unavailable < max_unavailable:
                candidates.append(old_pod)
        room = max(0, min(max_unavailable - unavailable, len(candidates)))
        victims = replace_now + candidates[:room]
        if victims:
            said.append(f"rolls out the new template (maxUnavailable {max_unavailable})")
            self._sync_nodes(ds, victims, [], hash_, said)

    # ----------------------------------------------------------------- status
    def _update_status(self, ds: dict, nodes: list[dict], hash_: str, update_generation: bool) -> bool:
        by_node = self._nodes_to_daemon_pods(ds)
        generation = template_generation(ds)
        min_ready = (ds.get("spec") or {}).get("minReadySeconds") or 0
        now = self.kernel.wall_time()
        desired = current = misscheduled = ready = available = updated = 0
        for node in nodes:
            should_run, _, _ = node_should_run_daemon_pod(node, ds)
            pods = by_node.get(node["metadata"]["name"]) or []
            if should_run:
                desired += 1
                if not pods:
                    continue
                current += 1
                pod = pod_by_creation_and_phase(pods)[0]
                if is_pod_ready(pod):
                    ready += 1
                    if is_pod_available(pod, min_ready, now):
                        available += 1
                if is_pod_updated(pod, hash_, generation):
                    updated += 1
            elif pods:
                misscheduled += 1
        old = ds.get("status") or {}
        status = {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
                  "desiredNumberScheduled": desired, "numberReady": ready}
        for field, value in (("updatedNumberScheduled", updated), ("numberAvailable", available),
                             ("numberUnavailable", desired - available), ("collisionCount", old.get("collisionCount"))):
            if value:
                status[field] = value
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        generation_now = ds["metadata"].get("generation", 0)
        observed = old.get("observedGeneration", 0)
        if update_generation:
            status["observedGeneration"] = generation_now
        elif observed:
            status["observedGeneration"] = observed
        if min_ready > 0 and ready != available:
            self.queue.add_after(object_key(ds), float(min_ready))
        if status == old:
            return False
        target = ds
        for attempt in range(2):
            target["status"] = status
            try:
                self.client.update_status("daemonsets", target)
                return True
            except APIError as exc:
                if attempt == 1 or is_not_found(exc):
                    raise
                target = self.client.get("daemonsets", ds["metadata"].get("namespace", ""), ds["metadata"]["name"])
        return False
