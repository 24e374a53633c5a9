"""The kubelet of one node: it registers the Node, heartbeats through a Lease, watches the
pods bound to its node and runs them through the node's simulated container runtime.

Promises:

* It is handed an API client (``system:node:<node>``) and its machine (:class:`NodeSpec`),
  nothing else. Everything it tells the cluster is a write through the API server:
  the Node and its status, the Lease, ``pods/status``, Events (source ``kubelet``, host =
  the node), and the final delete of a pod it has stopped.
* Each pod has a worker, as upstream's pod workers; each kernel action of a worker does one
  visible thing — admit the pod, create the sandbox (pause container and pod IP), pull an
  image, create a container, start it, notice an exit, back off, stop, delete — then posts
  the pod's status if it changed and schedules its next step after the runtime's durations.
* Nothing outside the kubelet changes the runtime except a fault (:meth:`kill_container`);
  the kubelet notices it on its next PLEG relist (every second) and reacts as upstream:
  a dead pause container means a new sandbox and all containers recreated
  (``SandboxChanged``); a dead app container is restarted per ``restartPolicy`` with
  CrashLoopBackOff back-off (10 s doubling to 300 s).
* Only probes that will fail take kernel actions (:mod:`.behaviour` says which, from the
  pod's YAML); a readiness probe that passes takes one, when the pod becomes Ready.
  A failing liveness probe kills the container (exit 137) after ``failureThreshold``
  failures. An image the registry lacks (:func:`.runtime.image_exists`) goes ErrImagePull,
  then ImagePullBackOff, retried with the same 10 s doubling back-off.
* Graceful deletion as upstream: ``Killing`` each container, containers gone after
  min(grace period, 2 s), the pod in a terminal phase, the sandbox removed, then the pod
  deleted with grace period 0 and a UID precondition.
* Stopping the kubelet (or :meth:`fail`, a node failure) stops heartbeats, status and pod
  work; the runtime's containers stay as they are. Started again, it re-lists its pods and
  adopts what the runtime holds, as a restarted kubelet does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulation.apimachinery.timestamps import rfc3339, rfc3339_micro
from simulation.client.apiclient import APIClient, APIError, is_conflict, is_not_found
from simulation.client.component import Component
from simulation.client.events import NORMAL, WARNING
from simulation.kernel import Kernel, Timer

from . import behaviour, node_status
from . import runtime as rt
from .node_spec import NodeSpec
from .status import pod_status, rejected_status

NODE_LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
#: Upstream renews the node Lease every quarter of its duration.
LEASE_RENEW_SECONDS = LEASE_DURATION_SECONDS / 4
#: With Leases, the kubelet posts an unchanged node status only this often (nodeStatusReportFrequency).
NODE_STATUS_REPORT_SECONDS = 300.0
#: Upstream's PLEG relists the runtime every second.
PLEG_RELIST_SECONDS = 1.0
BACKOFF_INITIAL_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 300.0

#: How long the runtime takes for each step (virtual seconds).
SYNC_SECONDS = 0.05
SANDBOX_SECONDS = 0.5
CREATE_SECONDS = 0.2
START_SECONDS = 0.1
#: A container asked to stop is gone after min(grace period, this).
STOP_SECONDS = 2.0


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration`` printing, to the millisecond: ``2.5s``, ``500ms``, ``1m5.2s``."""
    ms = int(round(seconds * 1000))
    if ms < 1000:
        return f"{ms}ms"
    minutes, ms = divmod(ms, 60_000)
    text = f"{ms / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{text}" if minutes else text


def pod_full_name(pod: dict) -> str:
    """``format.Pod``: ``name_namespace(uid)``, as the kubelet names pods in its messages."""
    meta = pod["metadata"]
    return f"{meta['name']}_{meta.get('namespace', '')}({meta.get('uid', '')})"


class Backoff:
    """client-go's ``flowcontrol.Backoff`` as the kubelet uses it for container restarts."""

    def __init__(self, initial: float = BACKOFF_INITIAL_SECONDS, maximum: float = BACKOFF_MAX_SECONDS) -> None:
        self.initial, self.maximum = initial, maximum
        self._entries: dict[tuple, tuple[float, float]] = {}

    def _expired(self, key: tuple, event_time: float) -> bool:
        entry = self._entries.get(key)
        return entry is None or event_time - entry[1] > 2 * self.maximum

    def in_backoff_since_update(self, key: tuple, now: float) -> bool:
        entry = self._entries.get(key)
        return entry is not None and now - entry[1] < entry[0]

    def in_backoff_since(self, key: tuple, event_time: float, now: float) -> bool:
        if self._expired(key, event_time):
            return False
        return now - event_time < self._entries[key][0]

    def retry_at(self, key: tuple) -> float:
        duration, since = self._entries[key]
        return since + duration

    def duration(self, key: tuple) -> float:
        return self._entries.get(key, (self.initial, 0.0))[0]

    def next(self, key: tuple, event_time: float) -> None:
        if self._expired(key, event_time):
            self._entries[key] = (self.initial, event_time)
        else:
            self._entries[key] = (min(2 * self._entries[key][0], self.maximum), event_time)

    def forget_pod(self, uid: str) -> None:
        for key in [k for k in self._entries if k[0] == uid]:
            del self._entries[key]


@dataclass
class PodWorker:
    uid: str
    pod: dict
    timer: Timer | None = None
    wake_at: float = math.inf
    admitted: bool = False
    rejected: bool = False
    start_time: str = ""
    #: Pulls under way, by container name.
    pulls: dict[str, rt.PullTicket] = field(default_factory=dict)
    #: Containers whose image is ready: the next step creates them.
    image_ready: set[str] = field(default_factory=set)
    #: Waiting reasons shown in the status (CrashLoopBackOff), by container name.
    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The exited container each back-off was announced for, by container name.
    backoff_noted: dict[str, str] = field(default_factory=dict)
    #: The last failed pull's error, by container name.
    pull_errors: dict[str, str] = field(default_factory=dict)
    #: Containers whose readiness probe has passed.
    ready_ids: set[str] = field(default_factory=set)
    probe_timers: dict[tuple[str, str], Timer] = field(default_factory=dict)
    probe_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Exits (container ids) and dead sandboxes the kubelet has already taken in.
    known_exits: set[str] = field(default_factory=set)
    handled_sandboxes: set[str] = field(default_factory=set)
    #: "" → "killing" → "stopped" → "deleted" for a pod being deleted.
    terminating: str = ""
    deleted: bool = False

    @property
    def namespace(self) -> str:
        return self.pod["metadata"].get("namespace", "")

    @property
    def name(self) -> str:
        return self.pod["metadata"]["name"]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


def _images(pod: dict) -> list:
    return [c.get("image") for c in (pod.get("spec") or {}).get("containers") or []]


def _rv(obj: dict) -> int:
    try:
        return int(obj["metadata"].get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


class Kubelet(Component):
    kind = "kubelet"

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *, node: str, spec: NodeSpec) -> None:
        super().__init__(name, kernel, client, node=node)
        self.spec = spec
        self.runtime = rt.ContainerRuntime(kernel, node, pod_cidr=spec.pod_cidr, images=spec.preloaded_images(),
                                           pull_bandwidth_bytes_per_second=spec.pull_bandwidth_bytes_per_second)
        self.runtime.on_change = self._runtime_changed
        self.failed = False
        self.backoff = Backoff()
        self.pull_backoff = Backoff()
        self.workers: dict[str, PodWorker] = {}
        self.node_uid = ""
        self._lease: dict | None = None
        self.registered = False
        self._node_status_timer: Timer | None = None
        self._posted_images: list | None = None

    def event_source(self) -> str:
        return "kubelet"

    # ================================================================= lifecycle
    def run(self) -> None:
        self.failed = False
        informer = self.informer("pods", field_selector=f"spec.nodeName={self.node}")
        informer.add_event_handler(self._pod_added, self._pod_updated, self._pod_deleted)
        self.kernel.schedule(0.0, self._register_node, component=self.name, action="register-node")

    def on_stop(self) -> None:
        self.workers.clear()
        self.backoff = Backoff()
        self.pull_backoff = Backoff()
        self._lease = None
        self.registered = False
        self._node_status_timer = None
        self._posted_images = None

    def fail(self) -> None:
        """Node failure: the kubelet stops heartbeating and reporting; the Node object stays,
        so the node lifecycle controller marks it NotReady once its Lease expires."""
        self.stop()
        self.failed = True

    def status(self) -> dict:
        out = super().status()
        out.update(failed=self.failed, registered=self.registered, pods=len(self.workers),
                   containers=sum(1 for c in self.runtime.containers() if c["state"] == rt.RUNNING))
        return out

    # ================================================================= faults
    def kill_container(self, namespace: str, pod: str, container_name: str) -> dict:
        """Kill a container of a pod on this node (``POD`` or ``pause``: its sandbox's pause container)."""
        uid = self._uid_of(namespace, pod)
        if uid is None:
            raise LookupError(f'pod "{namespace}/{pod}" is not running on node "{self.node}"')
        sandboxes = self.runtime.sandboxes_of(uid)
        if container_name in (rt.POD_CONTAINER_NAME, "pause"):
            target = sandboxes[-1].pause if sandboxes else None
        else:
            target = self.runtime.latest(uid, container_name)
        if target is None or target.state != rt.RUNNING:
            raise LookupError(f'container "{container_name}" of pod "{namespace}/{pod}" is not running')
        self.runtime.kill(target.id)
        return {"id": target.id, "name": target.name, "pod": pod, "namespace": namespace, "pause": target.pause}

    def _uid_of(self, namespace: str, name: str) -> str | None:
        for w in self.workers.values():
            if w.namespace == namespace and w.name == name:
                return w.uid
        for row in self.runtime.pods():
            if row["namespace"] == namespace and row["name"] == name:
                return row["pod_uid"]
        return None

    def _runtime_changed(self, container: rt.Container) -> None:
        """The runtime changed behind the kubelet's back: the next PLEG relist sees it."""
        w = self.workers.get(container.pod_uid)
        if self.running and w is not None:
            self._wake_at(w, self._next_relist())

    def _next_relist(self) -> float:
        return (math.floor(self.kernel.now_seconds / PLEG_RELIST_SECONDS) + 1) * PLEG_RELIST_SECONDS

    # ================================================================= node, lease
    def _node_ref(self) -> dict:
        return {"kind": "Node", "apiVersion": "", "metadata": {"name": self.node, "uid": self.node}}

    def _node_status(self, old: dict | None) -> dict:
        return node_status.node_status(self.spec, self.runtime.images(), old, rfc3339(self.kernel.wall_time()))

    def _register_node(self) -> dict:
        s = self.spec
        try:
            existing = self.client.get("nodes", "", self.node)
        except APIError as exc:
            if not is_not_found(exc):
                self.kernel.schedule(7.0, self._register_node, component=self.name, action="register-node")
                return {"caption": f"kubelet on {self.node} cannot reach the API server to register: {exc}"}
            existing = None
        if existing is None:
            node = node_status.new_node(s, self.runtime.images(), rfc3339(self.kernel.wall_time()))
            try:
                created = self.client.create("nodes", node)
            except APIError as exc:
                self.kernel.schedule(7.0, self._register_node, component=self.name, action="register-node")
                return {"caption": f"kubelet on {self.node} failed to register its Node: {exc}"}
            verb, self.node_uid = "registers", created["metadata"]["uid"]
        else:
            node = node_status.reconciled_node(s, existing)
            try:
                updated = self.client.update("nodes", node)
                updated["status"] = self._node_status(existing)
                self.client.update_status("nodes", updated)
            except APIError as exc:
                self.kernel.schedule(7.0, self._register_node, component=self.name, action="register-node")
                return {"caption": f"kubelet on {self.node} failed to update its Node: {exc}"}
            verb, self.node_uid = "re-registers", existing["metadata"]["uid"]
        self.registered = True
        self._posted_images = [i["ref"] for i in self.runtime.images()]
        ref = self._node_ref()
        self.recorder.event(ref, NORMAL, "Starting", "Starting kubelet.")
        self.recorder.event(ref, NORMAL, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        for reason in node_status.STARTUP_NODE_EVENTS:
            self.recorder.event(ref, NORMAL, reason, f"Node {self.node} status is now: {reason}")
        self.kernel.schedule(0.0, self._renew_lease, component=self.name, action="heartbeat")
        self._schedule_node_status(NODE_STATUS_REPORT_SECONDS)
        return {"caption": f"kubelet on {self.node} {verb} its Node ({s.cpu} CPU, {s.memory} memory, "
                           f"{s.pods} pods, pod CIDR {s.pod_cidr}): Ready",
                "object": {"kind": "Node", "namespace": "", "name": self.node}}

    def _renew_lease(self) -> dict:
        now = rfc3339_micro(self.kernel.wall_time())
        self.kernel.schedule(LEASE_RENEW_SECONDS, self._renew_lease, component=self.name, action="heartbeat")
        described = {"kind": "Lease", "namespace": NODE_LEASE_NAMESPACE, "name": self.node}
        try:
            if self._lease is None:
                try:
                    self._lease = self.client.get("leases", NODE_LEASE_NAMESPACE, self.node)
                except APIError as exc:
                    if not is_not_found(exc):
                        raise
                    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                             "metadata": {"name": self.node, "namespace": NODE_LEASE_NAMESPACE,
                                          "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": self.node,
                                                               "uid": self.node_uid}]},
                             "spec": {"holderIdentity": self.node, "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                                      "renewTime": now}}
                    self._lease = self.client.create("leases", lease, NODE_LEASE_NAMESPACE)
                    return {"caption": f"kubelet on {self.node} creates its node Lease (heartbeat every "
                                       f"{LEASE_RENEW_SECONDS:g} s)", "object": described}
            lease = {**self._lease, "spec": {**self._lease.get("spec", {}), "holderIdentity": self.node,
                                            "leaseDurationSeconds": LEASE_DURATION_SECONDS, "renewTime": now}}
            try:
                self._lease = self.client.update("leases", lease)
            except APIError as exc:
                if not is_conflict(exc):
                    raise
                fresh = self.client.get("leases", NODE_LEASE_NAMESPACE, self.node)
                fresh["spec"] = {**fresh.get("spec", {}), "holderIdentity": self.node, "renewTime": now,
                                 "leaseDurationSeconds": LEASE_DURATION_SECONDS}
                self._lease = self.client.update("leases", fresh)
        except APIError as exc:
            self._lease = None
            return {"caption": f"kubelet on {self.node} failed to renew its Lease: {exc}", "object": described}
        return {"caption": f"kubelet on {self.node} renews its Lease (heartbeat)", "object": described}

    def _schedule_node_status(self, delay: float) -> None:
        if self._node_status_timer is not None and not self._node_status_timer.cancelled and \
                self._node_status_timer.when <= self.kernel.now_seconds + delay:
            return
        if self._node_status_timer is not None:
            self._node_status_timer.cancel()
        self._node_status_timer = self.kernel.schedule(delay, self._update_node_status, component=self.name,
                                                       action="node-status")

    def _update_node_status(self) -> dict:
        self._node_status_timer = None
        self._schedule_node_status(NODE_STATUS_REPORT_SECONDS)
        try:
            node = self.client.get("nodes", "", self.node)
            node["status"] = {**(node.get("status") or {}), **self._node_status(node)}
            self.client.update_status("nodes", node)
        except APIError as exc:
            return {"caption": f"kubelet on {self.node} failed to update its node status: {exc}"}
        self._posted_images = [i["ref"] for i in self.runtime.images()]
        return {"caption": f"kubelet on {self.node} posts its node status: Ready, "
                           f"{len(self._posted_images)} images present",
                "object": {"kind": "Node", "namespace": "", "name": self.node}}

    # ================================================================= pod informer handlers
    def _pod_added(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        w = self.workers.get(uid)
        if w is None:
            w = self.workers[uid] = PodWorker(uid, pod)
            self._wake(w, SYNC_SECONDS)
        else:
            self._pod_updated(w.pod, pod)

    def _pod_updated(self, old: dict, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        w = self.workers.get(uid)
        if w is None:
            self._pod_added(pod)
            return
        if _rv(pod) >= _rv(w.pod):
            w.pod = pod
        if pod["metadata"].get("deletionTimestamp") and not w.terminating:
            self._wake(w, SYNC_SECONDS)
        elif _images(pod) != _images(old):
            self._wake(w, SYNC_SECONDS)

    def _pod_deleted(self, pod: dict) -> None:
        w = self.workers.get(pod["metadata"]["uid"])
        if w is None:
            return
        w.deleted = True
        if w.terminating == "deleted" and w.uid not in self.runtime.pod_uids():
            self._forget(w)
        else:
            self._wake(w, SYNC_SECONDS)

    def _forget(self, w: PodWorker) -> None:
        if w.timer is not None:
            w.timer.cancel()
        for timer in w.probe_timers.values():
            timer.cancel()
        self.backoff.forget_pod(w.uid)
        self.workers.pop(w.uid, None)

    # ================================================================= the pod worker
    def _wake(self, w: PodWorker, delay: float) -> None:
        self._wake_at(w, self.kernel.now_seconds + max(0.0, delay))

    def _wake_at(self, w: PodWorker, at: float) -> None:
        if w.timer is not None and not w.timer.cancelled and w.wake_at <= at + 1e-9:
            return
        if w.timer is not None:
            w.timer.cancel()
        w.wake_at = at
        w.timer = self.kernel.schedule(at - self.kernel.now_seconds, lambda uid=w.uid: self._sync(uid),
                                       component=self.name, action="sync-pod")

    def _described(self, w: PodWorker) -> dict:
        return {"kind": "Pod", "namespace": w.namespace, "name": w.name}

    def _event(self, w: PodWorker, type_: str, reason: str, message: str, container: dict | None = None,
               init: bool = False) -> None:
        path = ""
        if container is not None:
            path = f"spec.{'initContainers' if init else 'containers'}{{{container['name']}}}"
        self.recorder.event(w.pod, type_, reason, message, field_path=path)

    def _sync(self, uid: str) -> dict:
        w = self.workers.get(uid)
        if w is None:
            return {}
        w.timer, w.wake_at = None, math.inf
        caption = self._sync_step(w)
        if uid in self.workers and not w.deleted and w.terminating != "deleted" and not w.rejected:
            self._post_status(w)
        if caption is None:
            caption = f"kubelet on {self.node}: pod {w.key} is as it should be"
        return {"caption": caption, "object": self._described(w), "extra": {"node": self.node, "pod_uid": uid}}

    def _sync_step(self, w: PodWorker) -> str | None:
        """Do the next thing the pod needs (upstream's ``computePodActions``, one action at a time)."""
        if w.deleted and w.terminating != "deleted":
            self.runtime.remove_pod(w.uid)
            self._forget(w)
            return f"kubelet on {self.node} removes the containers and sandbox of deleted pod {w.key}"
        if w.terminating == "deleted":
            return None
        if w.pod["metadata"].get("deletionTimestamp"):
            return self._terminate_step(w)
        if w.rejected:
            return None
        if (w.pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return self._finished_step(w)
        if not w.admitted:
            return self._admit(w)
        noticed = self._notice_exits(w)
        if noticed:
            return noticed
        sandboxes = self.runtime.sandboxes_of(w.uid)
        sandbox = sandboxes[-1] if sandboxes else None
        if sandbox is not None and sandbox.state != rt.SANDBOX_READY:
            if sandbox.id not in w.handled_sandboxes:
                return self._sandbox_changed(w, sandbox)
            sandbox = None
        if sandbox is None:
            if self._pod_finished(w):
                return None
            return self._create_sandbox(w, sandboxes)
        spec = w.pod.get("spec") or {}
        for container in spec.get("initContainers") or []:
            current = self._in_sandbox(w, container["name"], sandbox)
            if current is not None and current.state == rt.EXITED and current.exit_code == 0:
                continue
            if current is not None and current.state == rt.RUNNING:
                return None  # its exit is noticed by the PLEG
            if current is not None and current.state == rt.EXITED and spec.get("restartPolicy") == "Never":
                return None  # a failed init container fails the pod
            return self._start_path(w, container, sandbox, init=True)
        restart = spec.get("restartPolicy", "Always")
        for container in spec.get("containers") or []:
            current = self._in_sandbox(w, container["name"], sandbox)
            if current is not None and current.state == rt.RUNNING:
                if current.image != container.get("image"):
                    return self._definition_changed(w, container, current)
                continue
            if current is not None and current.state == rt.EXITED:
                if restart == "Never" or (restart == "OnFailure" and current.exit_code == 0):
                    continue
            step = self._start_path(w, container, sandbox, init=False)
            if step is not None:
                return step
        return None

    def _finished_step(self, w: PodWorker) -> str | None:
        """A pod that has finished keeps its exited containers, but not its sandbox and IP."""
        live = [s for s in self.runtime.sandboxes_of(w.uid) if s.state == rt.SANDBOX_READY]
        if not live:
            return None
        for sandbox in live:
            self.runtime.stop_pod_sandbox(sandbox.id)
            w.handled_sandboxes.add(sandbox.id)
            if sandbox.pause is not None:
                w.known_exits.add(sandbox.pause.id)
        phase = (w.pod.get("status") or {}).get("phase")
        return (f"kubelet on {self.node}: pod {w.key} has {phase.lower()}; it stops the pod's sandbox and releases "
                f"IP {live[-1].ip}")

    def _definition_changed(self, w: PodWorker, container: dict, current: rt.Container) -> str:
        """The container's image was changed in the pod spec: kill it; the next step restarts it."""
        name = container["name"]
        self._event(w, NORMAL, "Killing", f"Container {name} definition changed, will be restarted", container)
        self.runtime.stop_container(current.id)
        w.known_exits.add(current.id)
        w.ready_ids.discard(current.id)
        self._cancel_probes(w, current.id)
        self._wake(w, SYNC_SECONDS)
        return (f"kubelet on {self.node}: the image of container {name} in {w.key} changed to "
                f"\"{container.get('image')}\"; it stops the container to restart it")

    def _in_sandbox(self, w: PodWorker, name: str, sandbox: rt.Sandbox) -> rt.Container | None:
        found = [c for c in self.runtime.containers_of(w.uid, sandbox.id) if c.name == name]
        return found[-1] if found else None

    def _pod_finished(self, w: PodWorker) -> bool:
        restart = (w.pod.get("spec") or {}).get("restartPolicy", "Always")
        if restart == "Always":
            return False
        for container in (w.pod.get("spec") or {}).get("containers") or []:
            latest = self.runtime.latest(w.uid, container["name"])
            if latest is None or latest.state != rt.EXITED or (restart == "OnFailure" and latest.exit_code != 0):
                return False
        return True

    # ----------------------------------------------------------------- admission
    def _admit(self, w: PodWorker) -> str:
        w.admitted = True
        adopted = self._adopt(w)
        w.start_time = (w.pod.get("status") or {}).get("startTime") or rfc3339(self.kernel.wall_time())
        selector = (w.pod.get("spec") or {}).get("nodeSelector") or {}
        labels = self.spec.labels
        if any(labels.get(k) != v for k, v in selector.items()):
            w.rejected = True
            self._event(w, WARNING, "NodeAffinity", "Predicate NodeAffinity failed")
            try:
                self.client.patch("pods", w.namespace, w.name, {"status": rejected_status(
                    w.pod, "NodeAffinity", "Predicate NodeAffinity failed", now=w.start_time)}, subresource="status")
            except APIError:
                pass
            return (f"kubelet on {self.node} rejects pod {w.key}: its nodeSelector does not match this node "
                    "(Predicate NodeAffinity failed)")
        self._wake(w, SYNC_SECONDS if adopted else SANDBOX_SECONDS)
        if adopted:
            return (f"kubelet on {self.node} takes pod {w.key} back into a pod worker; the runtime still holds its "
                    f"containers ({', '.join(adopted)})")
        return f"kubelet on {self.node} admits pod {w.key} and starts its pod worker: Pending, ContainerCreating"

    def _adopt(self, w: PodWorker) -> list[str]:
        """A restarted kubelet finds the pod's containers in the runtime: it takes their exits as
        known and starts probing the running ones again."""
        specs = {c["name"]: c for c in (w.pod.get("spec") or {}).get("containers") or []}
        names = []
        for c in self.runtime.containers_of(w.uid):
            if c.state == rt.EXITED:
                w.known_exits.add(c.id)
            elif c.state == rt.RUNNING:
                names.append(c.name)
                if c.name in specs:
                    self._schedule_probes(w, specs[c.name], c)
        for sandbox in self.runtime.sandboxes_of(w.uid)[:-1]:  # replaced ones; the latest is judged by the sync
            w.handled_sandboxes.add(sandbox.id)
            if sandbox.pause is not None:
                w.known_exits.add(sandbox.pause.id)
        return names

    # ----------------------------------------------------------------- PLEG
    def _notice_exits(self, w: PodWorker) -> str | None:
        seen = []
        for sandbox in self.runtime.sandboxes_of(w.uid):
            pause = sandbox.pause
            if pause is not None and pause.state == rt.EXITED and pause.id not in w.known_exits:
                w.known_exits.add(pause.id)
                seen.append(f"the pause container exited (exit code {pause.exit_code}): the sandbox is NotReady")
        for c in self.runtime.containers_of(w.uid):
            if c.state == rt.EXITED and c.id not in w.known_exits:
                w.known_exits.add(c.id)
                self._cancel_probes(w, c.id)
                seen.append(f"container {c.name} exited (exit code {c.exit_code}, {c.reason})")
        if not seen:
            return None
        self._wake(w, SYNC_SECONDS)
        return f"kubelet on {self.node}: the PLEG relist sees that in pod {w.key} " + "; ".join(seen)

    # ----------------------------------------------------------------- sandboxes
    def _sandbox_changed(self, w: PodWorker, sandbox: rt.Sandbox) -> str:
        w.handled_sandboxes.add(sandbox.id)
        self._event(w, NORMAL, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
        spec = w.pod.get("spec") or {}
        specs = {c["name"]: (c, True) for c in spec.get("initContainers") or []}
        specs.update({c["name"]: (c, False) for c in spec.get("containers") or []})
        killed = []
        for c in self.runtime.containers_of(w.uid, sandbox.id):
            if c.state != rt.EXITED:
                container, init = specs.get(c.name, ({"name": c.name}, False))
                self._event(w, NORMAL, "Killing", f"Stopping container {c.name}", container, init)
                self.runtime.stop_container(c.id)
                self._cancel_probes(w, c.id)
                killed.append(c.name)
            w.known_exits.add(c.id)
        self.runtime.stop_pod_sandbox(sandbox.id)
        w.image_ready.clear()
        self._wake(w, SANDBOX_SECONDS)
        stopped = f"stops its containers ({', '.join(killed)}) and " if killed else ""
        return (f"kubelet on {self.node}: the sandbox of pod {w.key} changed (its pause container died); it "
                f"{stopped}will re-create the sandbox and all containers")

    def _create_sandbox(self, w: PodWorker, sandboxes: list[rt.Sandbox]) -> str:
        attempt = sandboxes[-1].attempt + 1 if sandboxes else 0
        try:
            sandbox = self.runtime.run_pod_sandbox(w.uid, w.name, w.namespace, attempt)
        except RuntimeError as exc:
            self._event(w, WARNING, "FailedCreatePodSandBox", f"Failed to create pod sandbox: {exc}")
            self._wake(w, 10.0)
            return f"kubelet on {self.node} fails to create the sandbox of {w.key}: {exc}"
        self._wake(w, CREATE_SECONDS)
        return (f"kubelet on {self.node} creates the sandbox of pod {w.key}: the pause container "
                f"({rt.PAUSE_IMAGE}) holds its network namespace, pod IP {sandbox.ip}")

    # ----------------------------------------------------------------- starting a container
    def _start_path(self, w: PodWorker, container: dict, sandbox: rt.Sandbox, *, init: bool) -> str | None:
        """Next step toward a running container: back-off check, image, create, start."""
        name = container["name"]
        current = self._in_sandbox(w, name, sandbox)
        if current is not None and current.state == rt.CREATED:
            return self._start(w, container, current, init)
        latest = self.runtime.latest(w.uid, name)
        key = (w.uid, name)
        if latest is not None and latest.state == rt.EXITED and name not in w.image_ready and name not in w.pulls:
            finished = latest.finished_at or 0.0
            if self.backoff.in_backoff_since(key, finished, self.kernel.now_seconds):
                delay = self.backoff.duration(key)
                message = (f"back-off {go_duration(delay)} restarting failed container={name} "
                           f"pod={pod_full_name(w.pod)}")
                w.waiting[name] = ("CrashLoopBackOff", message)
                self._wake_at(w, finished + delay)
                if w.backoff_noted.get(name) == latest.id:
                    return None
                w.backoff_noted[name] = latest.id
                self._event(w, WARNING, "BackOff", f"Back-off restarting failed container {name} in pod "
                                                   f"{pod_full_name(w.pod)}", container, init)
                return (f"kubelet on {self.node}: container {name} of {w.key} is in CrashLoopBackOff; it will be "
                        f"restarted in {go_duration(finished + delay - self.kernel.now_seconds)}")
            self.backoff.next(key, finished)
        if name in w.pulls:
            ticket = w.pulls[name]
            if self.kernel.now_seconds + 1e-9 < ticket.done_at:
                self._wake_at(w, ticket.done_at)
                return None
            del w.pulls[name]
            image = self.runtime.complete_pull(ticket)
            if image is None:
                return self._pull_failed(w, container, ticket, init)
            w.pull_errors.pop(name, None)
            w.waiting.pop(name, None)
            w.image_ready.add(name)
            self._event(w, NORMAL, "Pulled", f'Successfully pulled image "{ticket.ref}" in '
                        f'{go_duration(ticket.pull_seconds)} ({go_duration(ticket.total_seconds)} including '
                        f'waiting). Image size: {image.size_bytes} bytes.', container, init)
            self._wake(w, CREATE_SECONDS)
            self._schedule_node_status(1.0)
            return (f"kubelet on {self.node} has pulled image \"{ticket.ref}\" for {w.key} in "
                    f"{go_duration(ticket.pull_seconds)}")
        if name not in w.image_ready:
            image = container.get("image", "")
            policy = container.get("imagePullPolicy") or "IfNotPresent"
            present = self.runtime.has_image(image)
            pull_key = (w.uid, image)
            if name in w.pull_errors and self.pull_backoff.in_backoff_since_update(pull_key, self.kernel.now_seconds):
                return self._pull_backing_off(w, container, pull_key, init)
            if policy == "Always" or (not present and policy != "Never"):
                ticket = self.runtime.request_pull(image)
                w.pulls[name] = ticket
                self._event(w, NORMAL, "Pulling", f'Pulling image "{image}"', container, init)
                self._wake_at(w, ticket.done_at)
                return (f"kubelet on {self.node} pulls image \"{image}\" for {w.key} "
                        f"({ticket.size_bytes / 1e6:.1f} MB, {go_duration(ticket.pull_seconds)})")
            if not present:
                message = f'Container image "{image}" is not present with pull policy of Never'
                w.waiting[name] = ("ErrImageNeverPull", message)
                self._event(w, WARNING, "ErrImageNeverPull", message, container, init)
                return f"kubelet on {self.node} cannot start {name} of {w.key}: {message}"
            w.image_ready.add(name)
            self._event(w, NORMAL, "Pulled", f'Container image "{image}" already present on machine', container,
                        init)
            self._wake(w, CREATE_SECONDS)
            return f"kubelet on {self.node}: image \"{image}\" for {w.key} is already present, no pull"
        run_seconds, exit_code = behaviour.process_lifetime(container, init=init)
        attempt = latest.attempt + 1 if latest is not None else 0
        self.runtime.create_container(sandbox.id, name, container.get("image", ""), attempt,
                                      run_seconds=run_seconds, exit_code=exit_code)
        w.image_ready.discard(name)
        w.waiting.pop(name, None)
        self._event(w, NORMAL, "Created", f"Created container: {name}", container, init)
        self._wake(w, START_SECONDS)
        again = f" (restart {attempt})" if attempt else ""
        return (f"kubelet on {self.node} creates container {name}{again} of {w.key} in its sandbox: it joins the "
                f"pause container's network namespace ({sandbox.ip})")

    def _pull_failed(self, w: PodWorker, container: dict, ticket: rt.PullTicket, init: bool) -> str:
        name, image = container["name"], ticket.ref
        self.pull_backoff.next((w.uid, image), self.kernel.now_seconds)
        w.pull_errors[name] = ticket.error
        w.waiting[name] = ("ErrImagePull", ticket.error)
        self._event(w, WARNING, "Failed", f'Failed to pull image "{image}": {ticket.error}', container, init)
        self._event(w, WARNING, "Failed", "Error: ErrImagePull", container, init)
        self._wake(w, SYNC_SECONDS)
        return f"kubelet on {self.node} fails to pull image \"{image}\" for {w.key}: the registry has no such image"

    def _pull_backing_off(self, w: PodWorker, container: dict, key: tuple, init: bool) -> str | None:
        name, image = container["name"], container.get("image", "")
        self._wake_at(w, self.pull_backoff.retry_at(key))
        if w.waiting.get(name, ("",))[0] == "ImagePullBackOff":
            return None
        message = f'Back-off pulling image "{image}"'
        w.waiting[name] = ("ImagePullBackOff", f"{message}: ErrImagePull: {w.pull_errors[name]}")
        self._event(w, NORMAL, "BackOff", message, container, init)
        self._event(w, WARNING, "Failed", "Error: ImagePullBackOff", container, init)
        return (f"kubelet on {self.node}: image \"{image}\" for {w.key} is in ImagePullBackOff; it tries again in "
                f"{go_duration(self.pull_backoff.retry_at(key) - self.kernel.now_seconds)}")

    def _more_to_start(self, w: PodWorker, started: str) -> bool:
        for container in (w.pod.get("spec") or {}).get("containers") or []:
            latest = self.runtime.latest(w.uid, container["name"])
            if container["name"] != started and (latest is None or latest.state != rt.RUNNING):
                return True
        return False

    def _start(self, w: PodWorker, container: dict, created: rt.Container, init: bool) -> str:
        c = self.runtime.start_container(created.id)
        name = container["name"]
        self._event(w, NORMAL, "Started", f"Started container {name}", container, init)
        if c.run_seconds is not None:
            self._wake_at(w, math.floor((c.started_at + c.run_seconds) / PLEG_RELIST_SECONDS + 1) *
                          PLEG_RELIST_SECONDS)
        if not init and self._more_to_start(w, name):
            self._wake(w, SYNC_SECONDS)
        if not init:
            self._schedule_probes(w, container, c)
        return f"kubelet on {self.node} starts container {name} of {w.key}"

    # ----------------------------------------------------------------- probes
    def _schedule_probes(self, w: PodWorker, container: dict, c: rt.Container) -> None:
        ip = self._pod_ip(w)
        for kind in ("liveness", "readiness"):
            if not container.get(f"{kind}Probe"):
                continue
            failure = behaviour.probe_failure(w.pod, container, kind, ip)
            if kind == "liveness" and failure is None:
                continue  # a passing liveness probe changes nothing anyone can see
            delay, _, _ = behaviour.probe_timing(container, kind)
            since_start = self.kernel.now_seconds - (c.started_at or self.kernel.now_seconds)
            self._schedule_probe(w, c.id, container["name"], kind, max(0.0, delay - since_start))

    def _schedule_probe(self, w: PodWorker, cid: str, name: str, kind: str, delay: float) -> None:
        key = (cid, kind)
        w.probe_timers[key] = self.kernel.schedule(
            delay, lambda: self._probe(w.uid, cid, name, kind), component=self.name, action=f"{kind}-probe")

    def _cancel_probes(self, w: PodWorker, cid: str) -> None:
        for key in [k for k in w.probe_timers if k[0] == cid]:
            w.probe_timers.pop(key).cancel()

    def _pod_ip(self, w: PodWorker) -> str:
        sandboxes = self.runtime.sandboxes_of(w.uid)
        return sandboxes[-1].ip if sandboxes else ""

    def _probe(self, uid: str, cid: str, name: str, kind: str) -> dict:
        w = self.workers.get(uid)
        c = self.runtime.get(cid)
        if w is None or c is None or c.state != rt.RUNNING:
            return {"caption": f"kubelet on {self.node}: the {kind} probe of {name} has nothing to probe"}
        w.probe_timers.pop((cid, kind), None)
        container = next((x for x in (w.pod.get("spec") or {}).get("containers") or [] if x["name"] == name),
                         {"name": name})
        _, period, threshold = behaviour.probe_timing(container, kind)
        failure = behaviour.probe_failure(w.pod, container, kind, self._pod_ip(w))
        label = kind.capitalize()
        if failure is None:
            w.ready_ids.add(cid)
            self._post_status(w)
            return {"caption": f"kubelet on {self.node}: the readiness probe of {name} in {w.key} succeeds; "
                               f"the container is ready", "object": self._described(w)}
        failures = w.probe_failures.get((cid, kind), 0) + 1
        w.probe_failures[(cid, kind)] = failures
        self._event(w, WARNING, "Unhealthy", f"{label} probe failed: {failure}", container)
        if kind == "liveness" and failures >= threshold:
            self._event(w, NORMAL, "Killing", f"Container {name} failed liveness probe, will be restarted", container)
            self.runtime.stop_container(cid, exit_code=137, reason="Error")
            w.known_exits.add(cid)
            w.ready_ids.discard(cid)
            self._post_status(w)
            self._wake(w, SYNC_SECONDS)
            return {"caption": f"kubelet on {self.node}: the liveness probe of {name} in {w.key} failed "
                               f"{failures} times in a row; it kills the container to restart it",
                    "object": self._described(w)}
        self._schedule_probe(w, cid, name, kind, period)
        return {"caption": f"kubelet on {self.node}: the {kind} probe of {name} in {w.key} fails "
                           f"({failures}/{threshold}): {failure}", "object": self._described(w)}

    # ----------------------------------------------------------------- graceful deletion
    def _terminate_step(self, w: PodWorker) -> str | None:
        meta, spec = w.pod["metadata"], w.pod.get("spec") or {}
        if not w.terminating:
            w.terminating = "killing"
            grace = meta.get("deletionGracePeriodSeconds")
            grace = spec.get("terminationGracePeriodSeconds", 30) if grace is None else grace
            names = []
            by_name = {c["name"]: c for c in spec.get("containers") or []}
            for c in self.runtime.containers_of(w.uid):
                if c.state == rt.RUNNING:
                    self._event(w, NORMAL, "Killing", f"Stopping container {c.name}", by_name.get(c.name, {
                        "name": c.name}), c.name not in by_name)
                    names.append(c.name)
                self._cancel_probes(w, c.id)
            wait = min(float(grace), STOP_SECONDS) if names else 0.0
            self._wake(w, max(wait, SYNC_SECONDS))
            if not names:
                return f"kubelet on {self.node}: pod {w.key} is being deleted and has no running container"
            return (f"kubelet on {self.node} stops the containers of {w.key} ({', '.join(names)}), "
                    f"grace period {grace}s")
        if w.terminating == "killing":
            w.terminating = "stopped"
            for c in self.runtime.containers_of(w.uid):
                self.runtime.stop_container(c.id)
                w.known_exits.add(c.id)
            for sandbox in self.runtime.sandboxes_of(w.uid):
                self.runtime.stop_pod_sandbox(sandbox.id)
                w.handled_sandboxes.add(sandbox.id)
            w.ready_ids.clear()
            self._wake(w, SYNC_SECONDS)
            return f"kubelet on {self.node}: the containers of {w.key} have stopped; its sandbox is stopped"
        if w.terminating == "stopped":
            self.runtime.remove_pod(w.uid)
            w.terminating = "deleted"
            try:
                self.client.delete("pods", w.namespace, w.name, grace_period_seconds=0,
                                   preconditions={"uid": w.uid})
            except APIError as exc:
                if not is_not_found(exc) and not is_conflict(exc):
                    w.terminating = "stopped"
                    self._wake(w, 1.0)
                    return f"kubelet on {self.node} could not delete pod {w.key}: {exc}"
            if w.deleted:
                self._forget(w)
            return (f"kubelet on {self.node} removes the sandbox of {w.key} and deletes the pod from the API "
                    "server (grace period 0)")
        return None

    # ----------------------------------------------------------------- status
    def _post_status(self, w: PodWorker) -> None:
        sandboxes = self.runtime.sandboxes_of(w.uid)
        status = pod_status(w.pod, self.runtime, host_ip=self.spec.internal_ip, epoch=self.kernel.epoch,
                            now_seconds=self.kernel.now_seconds, start_time=w.start_time or rfc3339(
                                self.kernel.wall_time()), waiting=w.waiting, ready_ids=w.ready_ids,
                            sandbox=sandboxes[-1] if sandboxes else None,
                            deleting=w.terminating in ("stopped", "deleted"))
        old = w.pod.get("status") or {}
        if all(old.get(k) == v for k, v in status.items()):
            return
        try:
            updated = self.client.patch("pods", w.namespace, w.name, {"status": status}, subresource="status")
        except APIError:
            return
        if _rv(updated) >= _rv(w.pod):
            w.pod = updated
        if status["phase"] in ("Succeeded", "Failed") and not w.terminating:
            self._wake(w, SYNC_SECONDS)
