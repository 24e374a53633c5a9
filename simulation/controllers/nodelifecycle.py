"""The node lifecycle controller (``nodelifecycle``, Events from ``node-controller``), as
upstream's ``pkg/controller/nodelifecycle``.

Every ``NODE_MONITOR_PERIOD_SECONDS`` one monitor pass — one kernel action — looks at every Node
and its Lease in ``kube-node-lease``. A node whose kubelet has neither renewed its Lease nor
posted a new Ready heartbeat for ``NODE_MONITOR_GRACE_SECONDS`` (``NODE_STARTUP_GRACE_SECONDS``
for a node that never posted status) gets its Ready, MemoryPressure, DiskPressure and
PIDPressure conditions set to ``Unknown`` ("Kubelet stopped posting node status."), a
``NodeNotReady`` Event, and its pods' Ready condition set to False (``NodeNotReady`` Events on
the pods). Node conditions turn into taints:

* ``NoSchedule`` ones at once, from every node update (``node.kubernetes.io/unreachable`` for
  Ready=Unknown, ``not-ready`` for Ready=False, ``memory-pressure`` …, ``unschedulable`` for a
  cordoned node);
* ``NoExecute`` ``unreachable`` / ``not-ready`` on the pass after the node was seen not
  ready, through a per-zone rate limiter (0.1 node/s; none at all when every zone is fully
  disrupted — then the controller assumes its own connectivity is the problem and removes
  them). A node seen Ready again loses its NoExecute taints.

The controller never sets Ready back to True: that is the kubelet's status report.

The pods of a node tainted NoExecute are evicted by another controller,
``taint-eviction-controller`` (``tainteviction.py``), as upstream's since 1.29.
"""
from __future__ import annotations

from collections import deque

from simulation.apimachinery.corev1 import TAINT_NODE_UNSCHEDULABLE
from simulation.apimachinery.keys import split_key
from simulation.apimachinery.timestamps import parse_time, rfc3339
from simulation.apimachinery.wellknown import NAMESPACE_NODE_LEASE
from simulation.client.apiclient import APIError, is_conflict, is_not_found

from .base import Controller
from .controller_utils import get_condition, taint_matches, taint_text, update_pod_condition

#: ``--node-monitor-period``.
NODE_MONITOR_PERIOD_SECONDS = 5.0
#: ``--node-monitor-grace-period``: 40 s until 1.31, 50 s since 1.32 (kubernetes#126287); we serve 1.33.
NODE_MONITOR_GRACE_SECONDS = 50.0
#: ``--node-startup-grace-period``.
NODE_STARTUP_GRACE_SECONDS = 60.0
#: ``--node-eviction-rate`` / ``--secondary-node-eviction-rate`` (nodes per second per zone).
EVICTION_LIMITER_QPS = 0.1
SECONDARY_EVICTION_LIMITER_QPS = 0.01
#: ``--large-cluster-size-threshold`` / ``--unhealthy-zone-threshold``.
LARGE_CLUSTER_THRESHOLD = 50
UNHEALTHY_ZONE_THRESHOLD = 0.55

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
#: Upstream's ``nodeConditionToTaintKeyStatusMap`` (NoSchedule taints from conditions).
CONDITION_TAINTS = {("Ready", "False"): NOT_READY, ("Ready", "Unknown"): UNREACHABLE,
                    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
                    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
                    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
                    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure"}
CONDITION_TAINT_KEYS = set(CONDITION_TAINTS.values())
UNREACHABLE_NO_EXECUTE = {"key": UNREACHABLE, "effect": "NoExecute"}
NOT_READY_NO_EXECUTE = {"key": NOT_READY, "effect": "NoExecute"}
MONITORED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")

STATE_INITIAL, STATE_NORMAL = "Initial", "Normal"
STATE_FULL_DISRUPTION, STATE_PARTIAL_DISRUPTION = "FullDisruption", "PartialDisruption"


def zone_key(node: dict) -> str:
    """Upstream's ``GetZoneKey``: region and zone labels; empty when the node has neither."""
    labels = node["metadata"].get("labels") or {}
    region = labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone") or labels.get("failure-domain.beta.kubernetes.io/zone", "")
    return f"{region}:\x00:{zone}" if region or zone else ""


def zone_name(key: str) -> str:
    return key.replace(":\x00:", "/").strip("/") or "(no zone)"


def node_reference(name: str) -> dict:
    """What upstream's node Events point at: a Node reference whose uid is the node's name."""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": name}}


def _taint_inputs(node: dict) -> tuple:
    """What the NoSchedule tainting pass reads of a node: condition statuses, cordon, taints."""
    conditions = {c.get("type"): c.get("status") for c in (node.get("status") or {}).get("conditions") or []}
    spec = node.get("spec") or {}
    return conditions, bool(spec.get("unschedulable")), spec.get("taints") or []


class ZoneTainter:
    """Upstream's ``RateLimitedTimedQueue`` for one zone: nodes waiting for a NoExecute
    taint, let through by a token bucket (burst 1). A node stays "known" after it was
    processed until :meth:`remove` (when it is reachable again)."""

    def __init__(self, qps: float, now: float) -> None:
        self.queue: deque[str] = deque()
        self.known: set[str] = set()
        self.qps = qps
        self.tokens = 1.0
        self.last = now

    def add(self, name: str) -> bool:
        if name in self.known:
            return False
        self.known.add(name)
        self.queue.append(name)
        return True

    def remove(self, name: str) -> None:
        self.known.discard(name)
        if name in self.queue:
            self.queue.remove(name)

    def _refill(self, now: float) -> None:
        if self.qps > 0:
            self.tokens = min(1.0, self.tokens + (now - self.last) * self.qps)
        self.last = now

    def try_accept(self, now: float) -> bool:
        self._refill(now)
        if self.qps <= 0 or self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def next_token_in(self, now: float) -> float | None:
        self._refill(now)
        if self.qps <= 0:
            return None
        return max(0.0, (1.0 - self.tokens) / self.qps)

    def swap_limiter(self, qps: float, now: float) -> None:
        if qps == self.qps:
            return
        self._refill(now)
        had_token = self.qps > 0 and self.tokens >= 1.0
        self.qps = qps
        self.tokens = 1.0 if had_token else 0.0  # upstream drains the new bucket if the old one was empty
        self.last = now


class NodeLifecycleController(Controller):
    name = "nodelifecycle"
    event_source = "node-controller"

    def setup(self) -> None:
        self.nodes = self.manager.informer("nodes")
        self.leases = self.manager.informer("leases", namespace=NAMESPACE_NODE_LEASE)
        self.pods = self.manager.informer("pods")
        self.nodes.add_event_handler(lambda n: self.queue.add(f"node:{n['metadata']['name']}"), self._node_updated,
                                     None)
        self.pods.add_event_handler(lambda p: self._pod_updated(None, p), self._pod_updated, None)
        #: name -> {"ready": the Ready condition last seen, "probe": t, "transition": t, "renew": lease renewTime}
        self.health: dict[str, dict] = {}
        self.known_nodes: set[str] = set()
        self.zone_states: dict[str, str] = {}
        self.tainters: dict[str, ZoneTainter] = {}
        self._tainting_timer = None
        self._retry_pods: set[str] = set()
        self.kernel.schedule(0.0, self.monitor_node_health, component=self.manager.name, action="node-monitor")

    def _node_updated(self, old: dict, new: dict) -> None:
        """A node update gets a NoSchedule tainting pass only when what the taints mirror changed
        (condition statuses, ``unschedulable``, the taints): a heartbeat-only status post would be
        a sync with nothing to do, and its watch event nothing anyone acts on."""
        if _taint_inputs(old) != _taint_inputs(new):
            self.queue.add(f"node:{new['metadata']['name']}")

    def _pod_updated(self, old: dict | None, new: dict) -> None:
        """A pod newly bound to a node is checked against that node's health (upstream's
        ``podUpdated``); only pods of nodes judged not Ready get a work item, as the rest
        would be a sync with nothing to do."""
        node_name = (new.get("spec") or {}).get("nodeName")
        if node_name and (old is None or (old.get("spec") or {}).get("nodeName") != node_name):
            health = self.health.get(node_name)
            if health is not None and health["ready"] is not None and health["ready"].get("status") != "True":
                self.queue.add(f"pod:{new['metadata'].get('namespace', '')}/{new['metadata']['name']}")

    def _now(self) -> float:
        return self.kernel.wall_time()

    # ----------------------------------------------------------------- queue items
    def sync_handler(self, key: str) -> str | None:
        kind, _, rest = key.partition(":")
        if kind == "pod":
            return self._process_pod(rest)
        return self._no_schedule_tainting_pass(rest)

    def _process_pod(self, key: str) -> str:
        namespace, name = split_key(key)
        pod = self.pods.lister.get(namespace, name)
        if pod is None:
            return f"The node controller finds Pod {name} gone: nothing to do"
        node_name = pod["spec"].get("nodeName", "")
        health = self.health.get(node_name)
        if health is None or health["ready"] is None:
            return f"The node controller has not judged node {node_name} yet: Pod {name} is left as it is"
        if health["ready"].get("status") == "True":
            return f"The node controller sees Pod {name} on Ready node {node_name}: nothing to do"
        marked = self._mark_pods_not_ready([pod], node_name)
        return (f"The node controller marks Pod {name} not Ready: its node {node_name} is not Ready" if marked else
                f"The node controller sees Pod {name} on not-Ready node {node_name}, already not Ready")

    def _no_schedule_tainting_pass(self, node_name: str) -> str:
        """Upstream's ``doNoScheduleTaintingPass``: NoSchedule taints mirror the conditions."""
        node = self.nodes.lister.get("", node_name)
        if node is None:
            return f"The node controller finds node {node_name} gone: nothing to taint"
        wanted = []
        for condition in (node.get("status") or {}).get("conditions") or []:
            key = CONDITION_TAINTS.get((condition.get("type"), condition.get("status")))
            if key:
                wanted.append({"key": key, "effect": "NoSchedule"})
        if (node.get("spec") or {}).get("unschedulable"):
            wanted.append({"key": TAINT_NODE_UNSCHEDULABLE, "effect": "NoSchedule"})
        current = [t for t in (node.get("spec") or {}).get("taints") or []
                   if t.get("effect") == "NoSchedule" and (t.get("key") in CONDITION_TAINT_KEYS or
                                                            t.get("key") == TAINT_NODE_UNSCHEDULABLE)]
        to_add = [t for t in wanted if not any(taint_matches(t, c) for c in current)]
        to_remove = [c for c in current if not any(taint_matches(c, t) for t in wanted)]
        if not to_add and not to_remove:
            return f"The node controller checks node {node_name}'s NoSchedule taints: they match its conditions"
        self._swap_taints(node_name, to_add, to_remove)
        parts = ([f"adds {', '.join(taint_text(t) for t in to_add)}"] if to_add else []) + \
                ([f"removes {', '.join(taint_text(t) for t in to_remove)}"] if to_remove else [])
        return f"The node controller {' and '.join(parts)} on node {node_name} (from its conditions)"

    # ----------------------------------------------------------------- the monitor pass
    def monitor_node_health(self) -> dict:
        """One pass over every node (upstream's ``monitorNodeHealth``), then the next in 5 s. A pass
        that wrote nothing and saw nothing new is housekeeping."""
        self.kernel.schedule(NODE_MONITOR_PERIOD_SECONDS, self.monitor_node_health, component=self.manager.name,
                             action="node-monitor")
        writes = self.client.writes
        now = self._now()
        nodes = sorted(self.nodes.lister.list(), key=lambda n: n["metadata"]["name"])
        names = {n["metadata"]["name"] for n in nodes}
        story: list[str] = []
        for node in nodes:
            name = node["metadata"]["name"]
            if name not in self.known_nodes:
                self.known_nodes.add(name)
                self._event(name, "RegisteredNode", f"Registered Node {name} in Controller")
                story.append(f"registers node {name}")
                zone = zone_key(node)
                if zone not in self.zone_states:
                    self.zone_states[zone] = STATE_INITIAL
                    self.tainters[zone] = ZoneTainter(EVICTION_LIMITER_QPS, now)
                self._mark_reachable(node)
        for name in sorted(self.known_nodes - names):
            self._event(name, "RemovingNode", f"Removing Node {name} from Controller")
            self.known_nodes.discard(name)
            self.health.pop(name, None)
            for tainter in self.tainters.values():
                tainter.remove(name)
            story.append(f"forgets deleted node {name}")
        zone_conditions: dict[str, list[dict | None]] = {}
        for node in nodes:
            name = node["metadata"]["name"]
            try:
                observed, current, node = self._try_update_node_health(node, now)
            except APIError as exc:
                story.append(f"could not update node {name} ({exc.reason or exc.code}); it retries next pass")
                continue
            zone_conditions.setdefault(zone_key(node), []).append(current)
            if current is None:
                continue
            self._process_taint_based_eviction(node, observed)
            if current.get("status") != "True" and observed.get("status") == "True":
                self._record_status_change(name, "NodeNotReady")
                pods = [p for p in self.pods.lister.list() if (p.get("spec") or {}).get("nodeName") == name]
                marked = self._mark_pods_not_ready(pods, name)
                story.append(f"sees node {name} stop heartbeating for {NODE_MONITOR_GRACE_SECONDS:g}s: Ready="
                             f"{current.get('status')}, {marked} pod(s) marked not Ready")
            elif current.get("status") != "True" and name in self._retry_pods:
                pods = [p for p in self.pods.lister.list() if (p.get("spec") or {}).get("nodeName") == name]
                self._mark_pods_not_ready(pods, name)
        story += self._handle_disruption(zone_conditions, nodes, now)
        self._schedule_tainting(now)
        healthy = sum(1 for n in self.health.values() if n["ready"] and n["ready"].get("status") == "True")
        caption = (f"The node controller checks {len(nodes)} node(s): {healthy} Ready"
                   + (f"; it {'; '.join(story)}" if story else ""))
        return {"controller": self.name, "caption": caption,
                "housekeeping": not story and self.client.writes == writes}

    def _try_update_node_health(self, node: dict, now: float) -> tuple[dict, dict | None, dict]:
        """Upstream's ``tryUpdateNodeHealth``: returns (observed Ready, current Ready, node)."""
        name = node["metadata"]["name"]
        conditions = (node.get("status") or {}).get("conditions") or []
        current = get_condition(conditions, "Ready")
        created = parse_time(node["metadata"].get("creationTimestamp")) or now
        health = self.health.get(name)
        if current is None:
            observed = {"type": "Ready", "status": "Unknown",
                        "lastHeartbeatTime": node["metadata"].get("creationTimestamp"),
                        "lastTransitionTime": node["metadata"].get("creationTimestamp")}
            grace = NODE_STARTUP_GRACE_SECONDS
            if health is None:
                health = {"ready": None, "probe": created, "transition": created, "renew": None}
            else:
                health = {**health, "ready": None}
        else:
            observed = dict(current)
            grace = NODE_MONITOR_GRACE_SECONDS
            saved = health["ready"] if health else None
            if health is None or saved is None:
                health = {"ready": dict(current), "probe": now, "transition": now,
                          "renew": health["renew"] if health else None}
            elif saved.get("lastHeartbeatTime") != current.get("lastHeartbeatTime"):
                transition = now if saved.get("lastTransitionTime") != current.get("lastTransitionTime") \
                    else health["transition"]
                health = {"ready": dict(current), "probe": now, "transition": transition, "renew": health["renew"]}
        lease = self.leases.lister.get(NAMESPACE_NODE_LEASE, name)
        renew = parse_time(((lease or {}).get("spec") or {}).get("renewTime")) if lease else None
        if renew is not None and (health["renew"] is None or health["renew"] < renew):
            health["renew"] = renew
            health["probe"] = now
        self.health[name] = health
        if now <= health["probe"] + grace:
            return observed, current, node
        updated = self.copy(node)
        stamp = rfc3339(now)
        conds = updated.setdefault("status", {}).setdefault("conditions", [])
        for type_ in MONITORED_CONDITIONS:
            condition = get_condition(conds, type_)
            if condition is None:
                conds.append({"type": type_, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                              "message": "Kubelet never posted node status.",
                              "lastHeartbeatTime": node["metadata"].get("creationTimestamp"),
                              "lastTransitionTime": stamp})
            elif condition.get("status") != "Unknown":
                condition.update(status="Unknown", reason="NodeStatusUnknown",
                                 message="Kubelet stopped posting node status.", lastTransitionTime=stamp)
        new_ready = get_condition(conds, "Ready")
        if new_ready != current:
            stored = self.client.update_status("nodes", updated)
            self.health[name] = {"ready": dict(new_ready), "probe": health["probe"], "transition": now,
                                 "renew": health["renew"]}
            return observed, new_ready, stored
        return observed, current, node

    def _process_taint_based_eviction(self, node: dict, observed: dict) -> None:
        name = node["metadata"]["name"]
        taints = (node.get("spec") or {}).get("taints") or []
        status = observed.get("status")
        if status == "False":
            if any(taint_matches(t, UNREACHABLE_NO_EXECUTE) for t in taints):
                self._swap_taints(name, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE])
            else:
                self._mark_for_tainting(node, NOT_READY_NO_EXECUTE)
        elif status == "Unknown":
            if any(taint_matches(t, NOT_READY_NO_EXECUTE) for t in taints):
                self._swap_taints(name, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE])
            else:
                self._mark_for_tainting(node, UNREACHABLE_NO_EXECUTE)
        elif status == "True":
            self._mark_reachable(node)

    def _mark_for_tainting(self, node: dict, taint: dict) -> None:
        tainter = self.tainters.setdefault(zone_key(node), ZoneTainter(EVICTION_LIMITER_QPS, self._now()))
        name = node["metadata"]["name"]
        if not any(taint_matches(t, taint) for t in (node.get("spec") or {}).get("taints") or []):
            tainter.remove(name)
        tainter.add(name)

    def _mark_reachable(self, node: dict) -> bool:
        name = node["metadata"]["name"]
        tainter = self.tainters.get(zone_key(node))
        if tainter is not None:
            tainter.remove(name)
        taints = (node.get("spec") or {}).get("taints") or []
        remove = [t for t in (UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE)
                  if any(taint_matches(x, t) for x in taints)]
        if remove:
            self._swap_taints(name, [], remove)
        return bool(remove)

    def _handle_disruption(self, zone_conditions: dict[str, list], nodes: list[dict], now: float) -> list[str]:
        story = []
        new_states = {}
        all_fully_disrupted = True
        for zone, conditions in zone_conditions.items():
            ready = sum(1 for c in conditions if c and c.get("status") == "True")
            not_ready = len(conditions) - ready
            if ready == 0 and not_ready > 0:
                state = STATE_FULL_DISRUPTION
            elif not_ready > 2 and not_ready / len(conditions) >= UNHEALTHY_ZONE_THRESHOLD:
                state = STATE_PARTIAL_DISRUPTION
            else:
                state = STATE_NORMAL
            if state != STATE_FULL_DISRUPTION:
                all_fully_disrupted = False
            new_states[zone] = state
            self.zone_states.setdefault(zone, STATE_INITIAL)
            self.tainters.setdefault(zone, ZoneTainter(EVICTION_LIMITER_QPS, now))
        all_were_fully_disrupted = True
        for zone in list(self.zone_states):
            if zone not in zone_conditions:
                del self.zone_states[zone]
                continue
            if self.zone_states[zone] != STATE_FULL_DISRUPTION:
                all_were_fully_disrupted = False
        if all_fully_disrupted and all_were_fully_disrupted:
            return story
        if all_fully_disrupted:
            for node in nodes:
                self._mark_reachable(node)
            for zone in self.zone_states:
                self.tainters[zone].swap_limiter(0, now)
                self.zone_states[zone] = STATE_FULL_DISRUPTION
            return [("finds every node not Ready: it assumes its own connectivity failed and stops all evictions "
                     "(master disruption mode)")]
        if all_were_fully_disrupted:
            for name in self.health:
                self.health[name]["probe"] = now
                self.health[name]["transition"] = now
            for zone in self.zone_states:
                self._set_limiter(zone, len(zone_conditions[zone]), new_states[zone], now)
                self.zone_states[zone] = new_states[zone]
            return ["sees some nodes Ready again: it leaves master disruption mode"]
        for zone, state in self.zone_states.items():
            if state != new_states[zone]:
                self._set_limiter(zone, len(zone_conditions[zone]), new_states[zone], now)
                self.zone_states[zone] = new_states[zone]
                if state != STATE_INITIAL:
                    story.append(f"sees zone {zone_name(zone)} turn {new_states[zone]}")
        return story

    def _set_limiter(self, zone: str, size: int, state: str, now: float) -> None:
        if state == STATE_PARTIAL_DISRUPTION:
            qps = SECONDARY_EVICTION_LIMITER_QPS if size > LARGE_CLUSTER_THRESHOLD else 0.0
        else:
            qps = EVICTION_LIMITER_QPS
        self.tainters[zone].swap_limiter(qps, now)

    # ----------------------------------------------------------------- NoExecute tainting
    def _schedule_tainting(self, now: float) -> None:
        if self._tainting_timer is not None and not self._tainting_timer.cancelled and \
                self._tainting_timer.when >= self.kernel.now_seconds:
            return
        delays = [t.next_token_in(now) for t in self.tainters.values() if t.queue]
        delays = [d for d in delays if d is not None]
        if delays:
            self._tainting_timer = self.kernel.schedule(min(delays), self._no_execute_tainting_pass,
                                                        component=self.manager.name, action="node-taint")

    def _no_execute_tainting_pass(self) -> dict:
        """Upstream's ``doNoExecuteTaintingPass``: each zone taints the nodes its limiter lets through."""
        self._tainting_timer = None
        now = self._now()
        done = []
        for zone, tainter in sorted(self.tainters.items()):
            while tainter.queue and tainter.try_accept(now):
                name = tainter.queue.popleft()
                node = self.nodes.lister.get("", name)
                ready = get_condition(((node or {}).get("status") or {}).get("conditions"), "Ready")
                if node is None or ready is None or ready.get("status") == "True":
                    continue
                add, opposite = (NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE) if ready.get("status") == "False" \
                    else (UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE)
                try:
                    self._swap_taints(name, [add], [opposite])
                except APIError:
                    tainter.queue.appendleft(name)
                    break
                done.append(f"{taint_text(add)} on {name}")
        self._schedule_tainting(now)
        if not done:
            return {"controller": self.name, "caption": "The node controller has no node to taint NoExecute right now",
                    "housekeeping": True}
        return {"controller": self.name,
                "caption": f"The node controller taints {', '.join(done)}: pods that do not tolerate it will be "
                           "evicted"}

    # ----------------------------------------------------------------- writes
    def _swap_taints(self, node_name: str, to_add: list[dict], to_remove: list[dict]) -> None:
        """Upstream's ``SwapNodeControllerTaint``: add (with ``timeAdded``) and remove taints in
        one patch conditional on the node's resourceVersion, re-reading on conflict."""
        stamp = rfc3339(self._now())
        node = self.nodes.lister.get("", node_name)
        for attempt in range(5):
            if node is None or attempt:
                try:
                    node = self.client.get("nodes", "", node_name)
                except APIError as exc:
                    if is_not_found(exc):
                        return
                    raise
            taints = [t for t in (node.get("spec") or {}).get("taints") or []
                      if not any(taint_matches(t, r) for r in to_remove)
                      and not any(taint_matches(t, a) for a in to_add)]
            taints += [{**a, "timeAdded": stamp} for a in to_add]
            if taints == ((node.get("spec") or {}).get("taints") or []):
                return
            patch = {"metadata": {"resourceVersion": node["metadata"]["resourceVersion"]},
                     "spec": {"taints": taints or None}}
            try:
                self.client.patch("nodes", "", node_name, patch)
                return
            except APIError as exc:
                if is_not_found(exc):
                    return
                if not is_conflict(exc):
                    raise
        raise APIError(409, {"reason": "Conflict", "message": f"tainting node {node_name} kept conflicting"})

    def _mark_pods_not_ready(self, pods: list[dict], node_name: str) -> int:
        """Upstream's ``MarkPodsNotReady``: Ready=False on each pod of the node, an Event each."""
        marked = 0
        failed = False
        stamp = rfc3339(self._now())
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") != node_name:
                continue
            ready = get_condition((pod.get("status") or {}).get("conditions"), "Ready")
            if ready is None or ready.get("status") == "False":
                continue
            updated = self.copy(pod)
            update_pod_condition(updated["status"], {**ready, "status": "False"}, stamp)
            try:
                self.client.update_status("pods", updated)
            except APIError as exc:
                if is_not_found(exc):
                    continue
                failed = True
                continue
            self.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready")
            marked += 1
        if failed:
            self._retry_pods.add(node_name)
        else:
            self._retry_pods.discard(node_name)
        return marked

    def _record_status_change(self, name: str, status: str) -> None:
        self.recorder.event(node_reference(name), "Normal", status, f"Node {name} status is now: {status}")

    def _event(self, name: str, reason: str, message: str) -> None:
        self.recorder.event(node_reference(name), "Normal", reason, f"Node {name} event: {message}")

    def status(self) -> dict:
        return {**super().status(), "zones": {zone_name(z): s for z, s in self.zone_states.items()}}
