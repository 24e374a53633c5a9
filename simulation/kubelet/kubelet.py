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
* Nothing outside the kubelet changes the runtime except a fault (:meth:`Kubelet.kill_container`);
  the kubelet notices it on its next PLEG relist (every second) and reacts as upstream:
  a dead pause container means a new sandbox and all containers recreated
  (``SandboxChanged``); a dead app container is restarted per ``restartPolicy`` with
  CrashLoopBackOff back-off (10 s doubling to 300 s).
* Stopping the kubelet (or :meth:`Kubelet.fail`, a node failure) stops heartbeats, status and pod
  work; the runtime's containers stay as they are. Started again, it re-lists its pods and
  adopts what the runtime holds, as a restarted kubelet does. A runtime that outlived the
  process simulating it (a restarted server, a ``simworker`` taking over) is rebuilt from the
  pods' last posted status first (:meth:`~.runtime.ContainerRuntime.restore_pod`): running
  containers keep their IDs, IPs and restart counts, and nothing is pulled or started again.

The Kubelet is split as upstream's ``pkg/kubelet`` is: this module is the component, its pod
sources (the informer's handlers) and admission; :mod:`.pod_workers` runs each pod's worker and
the PLEG; :mod:`.kuberuntime_manager` brings sandboxes and containers to what the pod asks (and
kills a pod being deleted); :mod:`.prober` probes; :mod:`.node_status` registers the Node,
renews the Lease and posts the node status; :mod:`.events` names the reasons it gives.
"""
from __future__ import annotations

from simulation.apimachinery import wellknown
from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIClient, APIError
from simulation.client.component import Component
from simulation.client.events import WARNING
from simulation.kernel import Kernel

from . import behaviour, events, logs
from . import runtime as rt
from .kuberuntime_manager import SANDBOX_SECONDS, Backoff, KubeRuntimeManager
from .node_spec import NodeSpec
from .node_status import NodeStatusReporter
from .pod_workers import SYNC_SECONDS, PodWorker, PodWorkers, resource_version
from .prober import Prober
from .static_pods import ManifestDirectory, StaticPodSource, is_mirror_pod
from .status import rejected_status
from .streaming import Streaming


def _images(pod: dict) -> list:
    """The pod's container images: the one change to a running pod's spec the kubelet acts on."""
    return [c.get("image") for c in (pod.get("spec") or {}).get("containers") or []]


class Kubelet(PodWorkers, KubeRuntimeManager, Prober, Streaming, StaticPodSource, Component):
    """One node's kubelet. Like upstream's ``Kubelet``, whose methods span several files, it is
    its pod workers, runtime manager, prober and static pod source (one module each) over a
    component; the node's own writes are a separate :class:`~.node_status.NodeStatusReporter`."""

    kind = "kubelet"

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *, node: str, spec: NodeSpec,
                 manifests: ManifestDirectory | None = None) -> None:
        super().__init__(name, kernel, client, node=node)
        self.spec = spec
        #: The machine's static pod path (``staticPodPath``), if the kubelet is given one.
        self.manifests = manifests
        self.pods_informer = None
        self.runtime = rt.ContainerRuntime(kernel, node, pod_cidr=spec.pod_cidr, images=spec.preloaded_images(),
                                           pull_bandwidth_bytes_per_second=spec.pull_bandwidth_bytes_per_second)
        self.runtime.on_change = self._runtime_changed
        self.failed = False
        self.backoff = Backoff()
        self.pull_backoff = Backoff()
        self.workers: dict[str, PodWorker] = {}
        self.node_status = self._new_node_status()
        self.services_informer = None

    def _new_node_status(self) -> NodeStatusReporter:
        return NodeStatusReporter(self.kernel, self.client, self.recorder, self.spec, self.runtime, node=self.node,
                                  component=self.name)

    def event_source(self) -> str:
        return "kubelet"

    # ================================================================= lifecycle
    def run(self) -> None:
        """The sync loop's sources: the pods bound to this node, from an informer; then register."""
        self.failed = False
        informer = self.pods_informer = self.informer("pods", field_selector=f"spec.nodeName={self.node}")
        informer.add_event_handler(self.handle_pod_additions, self.handle_pod_updates, self.handle_pod_removes)
        # Upstream's kubelet watches every Service: a container's env names those of its namespace.
        self.services_informer = self.informer("services")
        self.node_status.start()
        self._watch_manifests()

    def on_stop(self) -> None:
        self.workers.clear()
        self.pods_informer = None
        self._file_source_timer = self._orphans_timer = None
        self._manifests_read = False
        self.backoff = Backoff()
        self.pull_backoff = Backoff()
        self.node_status = self._new_node_status()

    def fail(self) -> None:
        """Node failure: the kubelet stops heartbeating and reporting; the Node object stays,
        so the node lifecycle controller marks it NotReady once its Lease expires."""
        self.stop()
        self.failed = True

    def status(self) -> dict:
        out = super().status()
        out.update(failed=self.failed, registered=self.node_status.registered, pods=len(self.workers),
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

    # ================================================================= container logs
    def container_log(self, pod: dict, container_name: str, previous: bool = False) -> list[tuple[float, str]]:
        """What the kubelet's ``/containerLogs`` serves: the container's output as
        ``(epoch_seconds, line)``. Raises ``LookupError`` with the kubelet's words when there is
        no such log (not started yet, or no previous instance)."""
        meta = pod["metadata"]
        # a mirror pod's containers are its static pod's, which the kubelet knows by the hash
        uid = (meta.get("annotations") or {}).get(wellknown.CONFIG_MIRROR_ANNOTATION) or meta["uid"]
        name = meta["name"]
        spec = pod.get("spec") or {}
        container = next((c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                          if c.get("name") == container_name), {"name": container_name})
        instance = (self.runtime.previous if previous else self.runtime.latest)(uid, container_name)
        if instance is None or instance.started_at is None:
            if previous:
                raise LookupError(f'previous terminated container "{container_name}" in pod "{name}" not found')
            waiting = next((s.get("state", {}).get("waiting", {}).get("reason", "")
                            for s in ((pod.get("status") or {}).get("containerStatuses") or [])
                            + ((pod.get("status") or {}).get("initContainerStatuses") or [])
                            if s.get("name") == container_name), "") or "ContainerCreating"
            raise LookupError(f'container "{container_name}" in pod "{name}" is waiting to start: {waiting}')
        return logs.container_log(container, name, instance, now_seconds=self.kernel.now_seconds,
                                  epoch=self.kernel.epoch, client_ip=self.runtime.network.bridge_ip)

    def _uid_of(self, namespace: str, name: str) -> str | None:
        for w in self.workers.values():
            if w.namespace == namespace and w.name == name:
                return w.uid
        for row in self.runtime.pods():
            if row["namespace"] == namespace and row["name"] == name:
                return row["pod_uid"]
        return None

    # ================================================================= pod sources
    def handle_pod_additions(self, pod: dict) -> None:
        if is_mirror_pod(pod):  # the kubelet runs the static pod, never its mirror
            self._mirror_pod_event(pod)
            return
        uid = pod["metadata"]["uid"]
        w = self.workers.get(uid)
        if w is None:
            w = self.workers[uid] = PodWorker(uid, pod)
            self._wake(w, SYNC_SECONDS)
        else:
            self.handle_pod_updates(w.pod, pod)

    def handle_pod_updates(self, old: dict, pod: dict) -> None:
        if is_mirror_pod(pod):
            self._mirror_pod_event(pod)
            return
        uid = pod["metadata"]["uid"]
        w = self.workers.get(uid)
        if w is None:
            self.handle_pod_additions(pod)
            return
        if resource_version(pod) >= resource_version(w.pod):
            w.pod = pod
        if pod["metadata"].get("deletionTimestamp") and not w.terminating:
            self._wake(w, SYNC_SECONDS)
        elif _images(pod) != _images(old):
            self._wake(w, SYNC_SECONDS)

    def handle_pod_removes(self, pod: dict) -> None:
        if is_mirror_pod(pod):
            self._mirror_pod_event(pod, removed=True)
            return
        w = self.workers.get(pod["metadata"]["uid"])
        if w is None:
            return
        w.deleted = True
        if w.terminating == "deleted" and w.uid not in self.runtime.pod_uids():
            self._forget(w)
        else:
            self._wake(w, SYNC_SECONDS)

    # ================================================================= admission
    def _admit(self, w: PodWorker) -> str:
        """The worker's first step (upstream's ``canAdmitPod`` in ``HandlePodAdditions``): a pod whose
        nodeSelector this node fails is rejected, as upstream's ``rejectPod``; any other starts."""
        w.admitted = True
        containers = (w.pod.get("spec") or {}).get("containers") or []
        lifetimes = {c["name"]: behaviour.process_lifetime(c) for c in containers}
        self.runtime.restore_pod(w.pod, self.kernel.epoch, lifetimes)
        adopted = self._adopt(w)
        w.start_time = (w.pod.get("status") or {}).get("startTime") or rfc3339(self.kernel.wall_time())
        selector = (w.pod.get("spec") or {}).get("nodeSelector") or {}
        labels = self.spec.labels
        if any(labels.get(k) != v for k, v in selector.items()):
            w.rejected = True
            self._event(w, WARNING, events.NODE_AFFINITY, "Predicate NodeAffinity failed")
            try:
                self.client.patch("pods", w.namespace, w.name, {"status": rejected_status(
                    w.pod, events.NODE_AFFINITY, "Predicate NodeAffinity failed", now=w.start_time)},
                    subresource="status")
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
