"""A simulated CRI container runtime (containerd) for one node: what ``crictl`` would show.

It keeps an image store, pod sandboxes and containers, and does exactly what the kubelet
asks, at once; how long things take is the kubelet's business (it schedules its next step
after the runtime's durations, e.g. :meth:`ContainerRuntime.request_pull`). The one thing that
happens to the runtime from outside is a fault: :meth:`ContainerRuntime.kill` makes a
container exit, pause included, and tells ``on_change`` (the kubelet's PLEG) about it.

Promises:

* A sandbox is a pause container (``registry.k8s.io/pause:3.10``) holding the pod's network
  namespace. As containerd does, RunPodSandbox sets that namespace up through CNI (ADD of the
  ``bridge`` plugin, :mod:`simulation.network.cni`): a veth pair on ``cni0`` and the pod's IP
  from the node's pod CIDR (host-local IPAM, the one place pod IPs come from). A failed ADD
  fails RunPodSandbox with containerd's "failed to setup network for sandbox" and leaves
  nothing behind. Stopping the sandbox is the CNI DEL: the veth pair goes, the IP is released.
  App containers join the namespace: they share its IP. A ``hostNetwork`` sandbox uses the
  node's own namespace: no CNI call, its IP is the node's.
* Ids come from the kernel's seeded random source, so the same seed gives the same ids.
* Pulls are serialized, as the kubelet's default ``serializeImagePulls: true``: a pull
  requested while another runs waits for it ("… including waiting").
* A container created with ``run_seconds`` exits by itself that long after it started
  (``exit_code``); the others run until stopped or killed.
* Every image exists in its registry except one whose reference says it does not
  (``doesnotexist``, ``does-not-exist``, ``nonexistent``, ``notfound``, as in
  ``nginx:doesnotexist``): its pull fails quickly with containerd's "not found", the way a
  typo in a tag does.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

from simulation.apimachinery.timestamps import parse_time
from simulation.kernel import Kernel
from simulation.network.cni import BridgeNetwork, CNIError, VethPair

from .node_spec import PAUSE_IMAGE

CREATED = "Created"
RUNNING = "Running"
EXITED = "Exited"
SANDBOX_READY = "Ready"
SANDBOX_NOTREADY = "NotReady"
#: The name crictl/docker show for a pod's infrastructure (pause) container.
POD_CONTAINER_NAME = "POD"
#: Pull time on top of the download: resolving the manifest, unpacking layers.
PULL_OVERHEAD_SECONDS = 0.5
#: Words in an image reference that make the registry answer "not found".
MISSING_IMAGE_MARKERS = ("doesnotexist", "does-not-exist", "nonexistent", "notfound")

#: Compressed sizes of images a class meets often (bytes), so the Pulled event looks real.
KNOWN_IMAGE_SIZES = {
    "docker.io/library/nginx": 72_099_501,
    "docker.io/library/busybox": 2_155_362,
    "docker.io/library/alpine": 3_653_383,
    "docker.io/library/redis": 45_227_440,
    "docker.io/library/httpd": 58_237_081,
    "docker.io/luksa/kubia": 250_567_089,
    "registry.k8s.io/pause": 320_368,
}


def normalize_image(ref: str) -> str:
    """containerd's fully qualified reference: ``nginx`` -> ``docker.io/library/nginx:latest``."""
    name, digest = (ref.split("@", 1) + [""])[:2]
    first, _, rest = name.partition("/")
    if not rest:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    if digest:
        return f"{name}@{digest}"
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


def repository(ref: str) -> str:
    """``nginx:1.27`` -> ``docker.io/library/nginx``."""
    full = normalize_image(ref)
    return full.split("@", 1)[0] if "@" in full else full.rsplit(":", 1)[0]


def image_digest(ref: str) -> str:
    return "sha256:" + hashlib.sha256(("manifest " + normalize_image(ref)).encode()).hexdigest()


def image_id(ref: str) -> str:
    return "sha256:" + hashlib.sha256(("config " + normalize_image(ref)).encode()).hexdigest()


def image_size(ref: str) -> int:
    """The image's size: a known one, else a stable made-up size between 5 and 150 MB."""
    known = KNOWN_IMAGE_SIZES.get(repository(ref))
    if known:
        return known
    h = int(hashlib.sha256(normalize_image(ref).encode()).hexdigest()[:8], 16)
    return 5_000_000 + h % 145_000_000


def image_exists(ref: str) -> bool:
    return not any(marker in ref.lower() for marker in MISSING_IMAGE_MARKERS)


def pull_error(ref: str) -> str:
    """containerd's answer, through the CRI, for an image the registry does not have."""
    full = normalize_image(ref)
    return (f"rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve "
            f"reference \"{full}\": {full}: not found")


@dataclass
class Image:
    ref: str
    size_bytes: int

    @property
    def id(self) -> str:
        return image_id(self.ref)

    @property
    def names(self) -> list[str]:
        """As a node's ``status.images[].names`` lists them: digest, qualified tag, and the
        reference as pods wrote it (so the scheduler's ImageLocality can match either)."""
        full = normalize_image(self.ref)
        names = [f"{repository(self.ref)}@{image_digest(self.ref)}", full]
        if self.ref not in names:
            names.append(self.ref)
        return names


@dataclass
class PullTicket:
    ref: str
    requested_at: float
    started_at: float
    done_at: float
    size_bytes: int
    #: Why the pull fails (the registry has no such image), or "".
    error: str = ""

    @property
    def pull_seconds(self) -> float:
        return self.done_at - self.started_at

    @property
    def total_seconds(self) -> float:
        return self.done_at - self.requested_at


@dataclass
class Container:
    id: str
    name: str
    sandbox_id: str
    pod_uid: str
    pod_name: str
    namespace: str
    image: str
    attempt: int
    created_at: float
    pause: bool = False
    state: str = CREATED
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    reason: str = ""
    #: Finite containers exit by themselves this long after starting.
    run_seconds: float | None = None
    run_exit_code: int = 0


@dataclass
class Sandbox:
    id: str
    pod_uid: str
    pod_name: str
    namespace: str
    attempt: int
    ip: str
    created_at: float
    state: str = SANDBOX_READY
    pause: Container | None = None
    labels: dict = field(default_factory=dict)


class ContainerRuntime:
    def __init__(self, kernel: Kernel, node: str, *, pod_cidr: str, images: list[tuple[str, int | None]] = (),
                 pull_bandwidth_bytes_per_second: float = 30_000_000.0) -> None:
        self.kernel = kernel
        self.node = node
        #: The node's pod network: bridge ``cni0`` and a veth pair per live sandbox.
        self.network = BridgeNetwork(node, pod_cidr, kernel.rng.getrandbits)
        self.bandwidth = pull_bandwidth_bytes_per_second
        self._images: dict[str, Image] = {}
        for ref, size in images:
            self._images[normalize_image(ref)] = Image(ref, size or image_size(ref))
        self._sandboxes: dict[str, Sandbox] = {}
        self._containers: dict[str, Container] = {}
        self._pulls: dict[str, PullTicket] = {}
        self._pull_busy_until = 0.0
        #: Called with the container after a fault changed it (the kubelet's PLEG listens).
        self.on_change: Callable[[Container], None] = lambda container: None
        #: Called with an app container whose process has just started or ended (the machine
        #: hosting the simulation listens: a control-plane component runs in one).
        self.on_process: Callable[[Container], None] = lambda container: None

    # ----------------------------------------------------------------- ids and clock
    def _new_id(self) -> str:
        return format(self.kernel.rng.getrandbits(256), "064x")

    @property
    def _now(self) -> float:
        return self.kernel.now_seconds

    def _settle(self) -> None:
        """Finite containers whose time is up have exited (their process ended)."""
        for c in self._containers.values():
            if c.state == RUNNING and c.run_seconds is not None and c.started_at is not None:
                end = c.started_at + c.run_seconds
                if self._now >= end:
                    c.state, c.finished_at, c.exit_code = EXITED, end, c.run_exit_code
                    c.reason = "Completed" if c.run_exit_code == 0 else "Error"

    # ----------------------------------------------------------------- images
    def images(self) -> list[dict]:
        """``crictl images``: every image present, largest first (as the kubelet reports them)."""
        out = [{"id": img.id, "ref": img.ref, "names": img.names, "size": img.size_bytes}
               for img in self._images.values()]
        return sorted(out, key=lambda i: (-i["size"], i["ref"]))

    def has_image(self, ref: str) -> bool:
        return normalize_image(ref) in self._images

    def image(self, ref: str) -> Image | None:
        return self._images.get(normalize_image(ref))

    def pull_duration_seconds(self, ref: str) -> float:
        """Resolving the reference, plus downloading the layers unless they are all here already."""
        if not image_exists(ref) or self.has_image(ref):
            return PULL_OVERHEAD_SECONDS
        return round(PULL_OVERHEAD_SECONDS + image_size(ref) / self.bandwidth, 3)

    def request_pull(self, ref: str) -> PullTicket:
        """Queue a pull; the ticket says when it will be done. The kubelet calls
        :meth:`complete_pull` then. A pull of the same image already under way is shared."""
        key = normalize_image(ref)
        running = self._pulls.get(key)
        if running is not None:
            return PullTicket(ref, self._now, running.started_at, running.done_at, running.size_bytes, running.error)
        start = max(self._now, self._pull_busy_until)
        ticket = PullTicket(ref, self._now, start, round(start + self.pull_duration_seconds(ref), 6), image_size(ref),
                            "" if image_exists(ref) else pull_error(ref))
        self._pull_busy_until = ticket.done_at
        self._pulls[key] = ticket
        return ticket

    def complete_pull(self, ticket: PullTicket) -> Image | None:
        """The pull is over: the image is in the store, or None if the pull failed (``ticket.error``)."""
        key = normalize_image(ticket.ref)
        self._pulls.pop(key, None)
        if ticket.error:
            return None
        if key not in self._images:
            self._images[key] = Image(ticket.ref, ticket.size_bytes)
        return self._images[key]

    # ----------------------------------------------------------------- sandboxes
    def run_pod_sandbox(self, pod_uid: str, pod_name: str, namespace: str, attempt: int = 0, *,
                        host_ip: str = "") -> Sandbox:
        """RunPodSandbox: a network namespace set up by CNI ADD (veth pair, IP), held by a running
        pause container; with ``host_ip`` (a hostNetwork pod) the node's namespace and address.
        ``RuntimeError`` with containerd's message when the ADD fails."""
        now = self._now
        sandbox_id = self._new_id()
        ip = host_ip
        if not host_ip:
            try:
                ip = self.network.add(sandbox_id, namespace, pod_name, pod_uid).ip
            except CNIError as exc:
                raise RuntimeError(f'rpc error: code = Unknown desc = failed to setup network for sandbox '
                                   f'"{sandbox_id}": {exc}') from None
        sandbox = Sandbox(sandbox_id, pod_uid, pod_name, namespace, attempt, ip, now)
        pause = Container(self._new_id(), POD_CONTAINER_NAME, sandbox.id, pod_uid, pod_name, namespace, PAUSE_IMAGE,
                          attempt, now, pause=True, state=RUNNING, started_at=now)
        sandbox.pause = pause
        self._sandboxes[sandbox.id] = sandbox
        self._containers[pause.id] = pause
        return sandbox

    def restore_pod(self, pod: dict, epoch: float, lifetimes: dict[str, tuple[float | None, int]]) -> Sandbox | None:
        """The runtime outlived the process that simulated it (a restarted server, a
        ``simworker`` taking a cluster over): rebuild the pod's running sandbox and containers
        from the status the last kubelet posted, as containerd would still hold them — same
        pod IP, same container IDs, start times and restart counts. ``epoch`` turns the status'
        timestamps into runtime seconds; ``lifetimes`` are the containers' process lifetimes
        (run seconds, exit code) by name; a hostNetwork pod's sandbox takes no veth. None when the
        status shows nothing running."""
        status = pod.get("status") or {}
        ip = status.get("podIP") or ""
        running = [c for c in status.get("containerStatuses") or []
                   if (c.get("state") or {}).get("running") and c.get("containerID")]
        meta = pod["metadata"]
        if not ip or not running or meta["uid"] in self.pod_uids():
            return None
        started = [parse_time((c["state"]["running"] or {}).get("startedAt")) for c in running]
        sandbox_start = min((t for t in started if t is not None), default=epoch + self._now) - epoch
        sandbox = Sandbox(self._new_id(), meta["uid"], meta["name"], meta.get("namespace", ""), 0, ip, sandbox_start)
        sandbox.pause = Container(self._new_id(), POD_CONTAINER_NAME, sandbox.id, sandbox.pod_uid, sandbox.pod_name,
                                  sandbox.namespace, PAUSE_IMAGE, 0, sandbox_start, pause=True, state=RUNNING,
                                  started_at=sandbox_start)
        self._sandboxes[sandbox.id] = sandbox
        self._containers[sandbox.pause.id] = sandbox.pause
        if not (pod.get("spec") or {}).get("hostNetwork"):
            self.network.add(sandbox.id, sandbox.namespace, sandbox.pod_name, sandbox.pod_uid, ip=ip)
        for c, at in zip(running, started):
            began = (at - epoch) if at is not None else sandbox_start
            run_seconds, exit_code = lifetimes.get(c["name"], (None, 0))
            image = c.get("image", "")
            container_id = c["containerID"].split("://", 1)[-1]
            self._containers[container_id] = Container(
                container_id, c["name"], sandbox.id, sandbox.pod_uid, sandbox.pod_name,
                sandbox.namespace, image, int(c.get("restartCount") or 0), began, state=RUNNING, started_at=began,
                run_seconds=run_seconds, run_exit_code=exit_code)
            self.on_process(self._containers[container_id])
            if image and not self.has_image(image):
                self._images[normalize_image(image)] = Image(image, image_size(image))
        return sandbox

    def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """StopPodSandbox: its containers and the pause container stop; CNI DEL removes its veth
        pair and releases its IP."""
        sandbox = self._sandboxes.get(sandbox_id)
        if sandbox is None:
            return
        for c in self.containers_of(sandbox.pod_uid, sandbox_id):
            self.stop_container(c.id)
        if sandbox.pause is not None:
            self.stop_container(sandbox.pause.id, exit_code=0)
        sandbox.state = SANDBOX_NOTREADY
        self.network.delete(sandbox_id)

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        self.stop_pod_sandbox(sandbox_id)
        self._sandboxes.pop(sandbox_id, None)
        for cid in [c.id for c in self._containers.values() if c.sandbox_id == sandbox_id]:
            del self._containers[cid]

    def veth_of(self, sandbox_id: str) -> VethPair | None:
        """The sandbox's veth pair, while its network is up."""
        return self.network.veth_of(sandbox_id)

    def sandbox(self, sandbox_id: str) -> Sandbox | None:
        self._settle()
        return self._sandboxes.get(sandbox_id)

    def sandboxes_of(self, pod_uid: str) -> list[Sandbox]:
        """The pod's sandboxes, newest last."""
        self._settle()
        return sorted((s for s in self._sandboxes.values() if s.pod_uid == pod_uid),
                      key=lambda s: (s.attempt, s.created_at))

    def pod_uids(self) -> set[str]:
        return {s.pod_uid for s in self._sandboxes.values()}

    # ----------------------------------------------------------------- containers
    def create_container(self, sandbox_id: str, name: str, image: str, attempt: int, *,
                         run_seconds: float | None = None, exit_code: int = 0) -> Container:
        sandbox = self._sandboxes[sandbox_id]
        c = Container(self._new_id(), name, sandbox_id, sandbox.pod_uid, sandbox.pod_name, sandbox.namespace, image,
                      attempt, self._now, run_seconds=run_seconds, run_exit_code=exit_code)
        self._containers[c.id] = c
        self._collect_garbage(sandbox.pod_uid, name, keep=c.id)
        return c

    def start_container(self, container_id: str) -> Container:
        c = self._containers[container_id]
        c.state, c.started_at = RUNNING, self._now
        self.on_process(c)
        return c

    def stop_container(self, container_id: str, *, exit_code: int = 0, reason: str = "") -> Container | None:
        """StopContainer: the process ends (0 for a clean SIGTERM exit, 137 for SIGKILL)."""
        self._settle()
        c = self._containers.get(container_id)
        if c is None or c.state == EXITED:
            return c
        if c.state == CREATED:
            c.started_at = None
        was_running = c.state == RUNNING
        c.state, c.finished_at, c.exit_code = EXITED, self._now, exit_code
        c.reason = reason or ("Completed" if exit_code == 0 else "Error")
        if was_running and not c.pause:
            self.on_process(c)
        return c

    def kill(self, container_id: str, exit_code: int = 137) -> Container | None:
        """Fault injection: SIGKILL the container's process (exit code 137), or its process
        ends by itself with ``exit_code`` (a crash). Killing a pause container leaves its
        sandbox without a network namespace holder: NotReady."""
        c = self.stop_container(container_id, exit_code=exit_code, reason="Error")
        if c is None:
            return None
        if c.pause:
            self._sandboxes[c.sandbox_id].state = SANDBOX_NOTREADY
        self.on_change(c)
        return c

    def get(self, container_id: str) -> Container | None:
        self._settle()
        return self._containers.get(container_id)

    def containers_of(self, pod_uid: str, sandbox_id: str | None = None) -> list[Container]:
        """The pod's app and init containers (not pause), oldest first."""
        self._settle()
        return sorted((c for c in self._containers.values() if c.pod_uid == pod_uid and not c.pause
                       and (sandbox_id is None or c.sandbox_id == sandbox_id)), key=lambda c: (c.created_at, c.attempt))

    def latest(self, pod_uid: str, name: str) -> Container | None:
        found = [c for c in self.containers_of(pod_uid) if c.name == name]
        return found[-1] if found else None

    def previous(self, pod_uid: str, name: str) -> Container | None:
        found = [c for c in self.containers_of(pod_uid) if c.name == name]
        return found[-2] if len(found) > 1 else None

    def remove_pod(self, pod_uid: str) -> None:
        for sandbox in self.sandboxes_of(pod_uid):
            self.remove_pod_sandbox(sandbox.id)
        for cid in [c.id for c in self._containers.values() if c.pod_uid == pod_uid]:
            del self._containers[cid]

    def _collect_garbage(self, pod_uid: str, name: str, keep: str) -> None:
        """Keep one dead container per name (its state is the pod's ``lastState``), and drop
        dead sandboxes nothing refers to any more, as the kubelet's container GC does."""
        same = [c for c in self.containers_of(pod_uid) if c.name == name and c.id != keep]
        for old in same[:-1]:
            if old.state == EXITED:
                del self._containers[old.id]
        for sandbox in list(self._sandboxes.values()):
            if sandbox.pod_uid != pod_uid or sandbox.state == SANDBOX_READY:
                continue
            if not any(c.sandbox_id == sandbox.id and not c.pause for c in self._containers.values()):
                self.remove_pod_sandbox(sandbox.id)

    # ----------------------------------------------------------------- crictl
    def containers(self) -> list[dict]:
        """``crictl ps -a`` (with the pause containers docker used to show): newest first."""
        self._settle()
        rows = []
        for c in self._containers.values():
            rows.append({"id": c.id, "name": c.name, "pod": c.pod_name, "namespace": c.namespace, "pod_uid": c.pod_uid,
                         "pod_id": c.sandbox_id, "state": c.state, "image": c.image, "attempt": c.attempt,
                         "created": c.created_at, "started": c.started_at, "finished": c.finished_at,
                         "exit_code": c.exit_code, "pause": c.pause,
                         "ip": self._sandboxes[c.sandbox_id].ip if c.sandbox_id in self._sandboxes else ""})
        return sorted(rows, key=lambda r: (-r["created"], r["pause"], r["name"]))

    def pods(self) -> list[dict]:
        """``crictl pods``: the sandboxes."""
        self._settle()
        return [{"id": s.id, "name": s.pod_name, "namespace": s.namespace, "pod_uid": s.pod_uid, "state": s.state,
                 "attempt": s.attempt, "ip": s.ip, "created": s.created_at}
                for s in sorted(self._sandboxes.values(), key=lambda s: -s.created_at)]
