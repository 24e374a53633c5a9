"""What upstream's container runtime manager (``kuberuntime_manager.go``) and image manager do
for the kubelet: bring a pod's sandbox and containers to what its spec asks, one kernel action
at a time, and kill a pod being deleted.

Promises:

* :meth:`KubeRuntimeManager.sync_pod` does the next action the pod needs, in upstream's order
  (``computePodActions``): a dead sandbox is killed with all its containers (``SandboxChanged``)
  and a new one created (pause container, pod IP) before anything else; then the init
  containers, one at a time, each to completion; then the containers. A running container whose
  image changed in the spec is killed, and the next step starts it again.
* Starting a container is upstream's ``startContainer``: back-off check, image, create, start.
  A container that exited is restarted per ``restartPolicy`` with CrashLoopBackOff back-off
  (10 s doubling to 300 s, :class:`Backoff`). The image is pulled per ``imagePullPolicy``; a
  failed pull goes ErrImagePull, then ImagePullBackOff, retried with the same back-off.
* :meth:`KubeRuntimeManager.kill_pod` is graceful deletion: ``Killing`` each container,
  containers gone after min(grace period, 2 s), the pod in a terminal phase, the sandbox
  removed, then the pod deleted with grace period 0 and a UID precondition.
"""
from __future__ import annotations

import math

from simulation.apimachinery.timestamps import go_duration
from simulation.client.apiclient import APIError, is_conflict, is_not_found
from simulation.client.events import NORMAL, WARNING

from . import behaviour, events
from . import runtime as rt
from .pod_workers import PLEG_RELIST_SECONDS, SYNC_SECONDS, PodWorker

BACKOFF_INITIAL_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 300.0

#: How long the runtime takes for each step (virtual seconds).
SANDBOX_SECONDS = 0.5
CREATE_SECONDS = 0.2
START_SECONDS = 0.1
#: A container asked to stop is gone after min(grace period, this).
STOP_SECONDS = 2.0
#: Virtual times closer than this are the same instant (float sums of delays drift by ulps).
TIME_EPSILON_SECONDS = 1e-6
#: A sandbox that could not be created is tried again after this long.
SANDBOX_RETRY_SECONDS = 10.0


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
        return entry is not None and now - entry[1] < entry[0] - TIME_EPSILON_SECONDS

    def in_backoff_since(self, key: tuple, event_time: float, now: float) -> bool:
        # The worker wakes at ``event_time + duration``; in floating point ``now - event_time``
        # can then come out a hair under ``duration`` (24.791 - 14.791 < 10), and a worker that
        # still sees itself backing off re-arms at the same instant forever: the kernel freezes.
        if self._expired(key, event_time):
            return False
        return now - event_time < self._entries[key][0] - TIME_EPSILON_SECONDS

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


class KubeRuntimeManager:
    """The Kubelet's container runtime manager.

    Part of :class:`~.kubelet.Kubelet`, as upstream's runtime manager is the Kubelet's
    ``containerRuntime``: it uses the Kubelet's ``kernel``, ``node``, ``client``, ``runtime``,
    ``backoff``, ``pull_backoff`` and ``node_status``, its pod workers (:class:`~.pod_workers.PodWorkers`)
    and its prober (:class:`~.prober.Prober`).
    """

    def sync_pod(self, w: PodWorker) -> str | None:
        """Do the next thing the pod needs (upstream's ``computePodActions``, one action at a time):
        the sandbox first, then the init containers in order, then the containers."""
        sandboxes = self.runtime.sandboxes_of(w.uid)
        sandbox = sandboxes[-1] if sandboxes else None
        if sandbox is not None and sandbox.state != rt.SANDBOX_READY:
            if sandbox.id not in w.handled_sandboxes:
                return self._sandbox_changed(w, sandbox)
            sandbox = None
        if sandbox is None:
            if self._pod_finished(w):
                return None
            return self._create_pod_sandbox(w, sandboxes)
        spec = w.pod.get("spec") or {}
        for container in spec.get("initContainers") or []:
            current = self._in_sandbox(w, container["name"], sandbox)
            if current is not None and current.state == rt.EXITED and current.exit_code == 0:
                continue
            if current is not None and current.state == rt.RUNNING:
                return None  # its exit is noticed by the PLEG
            if current is not None and current.state == rt.EXITED and spec.get("restartPolicy") == "Never":
                return None  # a failed init container fails the pod
            return self._start_container(w, container, sandbox, init=True)
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
            step = self._start_container(w, container, sandbox, init=False)
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
        self._event(w, NORMAL, events.KILLING_CONTAINER, f"Container {name} definition changed, will be restarted",
                    container)
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

    # ----------------------------------------------------------------- sandboxes
    def _sandbox_changed(self, w: PodWorker, sandbox: rt.Sandbox) -> str:
        w.handled_sandboxes.add(sandbox.id)
        self._event(w, NORMAL, events.SANDBOX_CHANGED, "Pod sandbox changed, it will be killed and re-created.")
        spec = w.pod.get("spec") or {}
        specs = {c["name"]: (c, True) for c in spec.get("initContainers") or []}
        specs.update({c["name"]: (c, False) for c in spec.get("containers") or []})
        killed = []
        for c in self.runtime.containers_of(w.uid, sandbox.id):
            if c.state != rt.EXITED:
                container, init = specs.get(c.name, ({"name": c.name}, False))
                self._event(w, NORMAL, events.KILLING_CONTAINER, f"Stopping container {c.name}", container, init)
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

    def _create_pod_sandbox(self, w: PodWorker, sandboxes: list[rt.Sandbox]) -> str:
        attempt = sandboxes[-1].attempt + 1 if sandboxes else 0
        try:
            host_ip = self.spec.internal_ip if (w.pod.get("spec") or {}).get("hostNetwork") else ""
            sandbox = self.runtime.run_pod_sandbox(w.uid, w.name, w.namespace, attempt, host_ip=host_ip)
        except RuntimeError as exc:
            self._event(w, WARNING, events.FAILED_CREATE_POD_SANDBOX, f"Failed to create pod sandbox: {exc}")
            self._wake(w, SANDBOX_RETRY_SECONDS)
            return f"kubelet on {self.node} fails to create the sandbox of {w.key}: {exc}"
        self._wake(w, CREATE_SECONDS)
        return (f"kubelet on {self.node} creates the sandbox of pod {w.key}: the pause container "
                f"({rt.PAUSE_IMAGE}) holds its network namespace, pod IP {sandbox.ip}")

    # ----------------------------------------------------------------- starting a container
    def _start_container(self, w: PodWorker, container: dict, sandbox: rt.Sandbox, *, init: bool) -> str | None:
        """Next step toward a running container: back-off check, image, create, start."""
        name = container["name"]
        current = self._in_sandbox(w, name, sandbox)
        if current is not None and current.state == rt.CREATED:
            return self._start_created_container(w, container, current, init)
        latest = self.runtime.latest(w.uid, name)
        key = (w.uid, name)
        if latest is not None and latest.state == rt.EXITED and name not in w.image_ready and name not in w.pulls:
            finished = latest.finished_at or 0.0
            if self.backoff.in_backoff_since(key, finished, self.kernel.now_seconds):
                delay = self.backoff.duration(key)
                message = (f"back-off {go_duration(delay)} restarting failed container={name} "
                           f"pod={pod_full_name(w.pod)}")
                w.waiting[name] = (events.CRASH_LOOP_BACK_OFF, message)
                self._wake_at(w, finished + delay)
                if w.backoff_noted.get(name) == latest.id:
                    return None
                w.backoff_noted[name] = latest.id
                self._event(w, WARNING, events.BACK_OFF_START_CONTAINER,
                            f"Back-off restarting failed container {name} in pod {pod_full_name(w.pod)}", container,
                            init)
                return (f"kubelet on {self.node}: container {name} of {w.key} is in CrashLoopBackOff; it will be "
                        f"restarted in {go_duration(finished + delay - self.kernel.now_seconds)}")
            self.backoff.next(key, finished)
        if name in w.pulls or name not in w.image_ready:
            return self._ensure_image_exists(w, container, init)
        run_seconds, exit_code = behaviour.process_lifetime(container, init=init)
        attempt = latest.attempt + 1 if latest is not None else 0
        self.runtime.create_container(sandbox.id, name, container.get("image", ""), attempt,
                                      run_seconds=run_seconds, exit_code=exit_code)
        w.image_ready.discard(name)
        w.waiting.pop(name, None)
        self._event(w, NORMAL, events.CREATED_CONTAINER, f"Created container: {name}", container, init)
        self._wake(w, START_SECONDS)
        again = f" (restart {attempt})" if attempt else ""
        return (f"kubelet on {self.node} creates container {name}{again} of {w.key} in its sandbox: it joins the "
                f"pause container's network namespace ({sandbox.ip})")

    # ----------------------------------------------------------------- images
    def _ensure_image_exists(self, w: PodWorker, container: dict, init: bool) -> str | None:
        """Upstream's ``EnsureImageExists``, a step at a time: finish a pull under way, or pull the
        image as ``imagePullPolicy`` says (unless a failed pull is backing off), or find it present."""
        name = container["name"]
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
            self._event(w, NORMAL, events.PULLED_IMAGE, f'Successfully pulled image "{ticket.ref}" in '
                        f'{go_duration(ticket.pull_seconds)} ({go_duration(ticket.total_seconds)} including '
                        f'waiting). Image size: {image.size_bytes} bytes.', container, init)
            self._wake(w, CREATE_SECONDS)
            self.node_status.schedule_update(1.0)
            return (f"kubelet on {self.node} has pulled image \"{ticket.ref}\" for {w.key} in "
                    f"{go_duration(ticket.pull_seconds)}")
        image = container.get("image", "")
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        present = self.runtime.has_image(image)
        pull_key = (w.uid, image)
        if name in w.pull_errors and self.pull_backoff.in_backoff_since_update(pull_key, self.kernel.now_seconds):
            return self._pull_backing_off(w, container, pull_key, init)
        if policy == "Always" or (not present and policy != "Never"):
            ticket = self.runtime.request_pull(image)
            w.pulls[name] = ticket
            self._event(w, NORMAL, events.PULLING_IMAGE, f'Pulling image "{image}"', container, init)
            self._wake_at(w, ticket.done_at)
            return (f"kubelet on {self.node} pulls image \"{image}\" for {w.key} "
                    f"({ticket.size_bytes / 1e6:.1f} MB, {go_duration(ticket.pull_seconds)})")
        if not present:
            message = f'Container image "{image}" is not present with pull policy of Never'
            w.waiting[name] = (events.ERR_IMAGE_NEVER_PULL, message)
            self._event(w, WARNING, events.ERR_IMAGE_NEVER_PULL_POLICY, message, container, init)
            return f"kubelet on {self.node} cannot start {name} of {w.key}: {message}"
        w.image_ready.add(name)
        self._event(w, NORMAL, events.PULLED_IMAGE, f'Container image "{image}" already present on machine',
                    container, init)
        self._wake(w, CREATE_SECONDS)
        return f"kubelet on {self.node}: image \"{image}\" for {w.key} is already present, no pull"

    def _pull_failed(self, w: PodWorker, container: dict, ticket: rt.PullTicket, init: bool) -> str:
        name, image = container["name"], ticket.ref
        self.pull_backoff.next((w.uid, image), self.kernel.now_seconds)
        w.pull_errors[name] = ticket.error
        w.waiting[name] = (events.ERR_IMAGE_PULL, ticket.error)
        self._event(w, WARNING, events.FAILED_TO_PULL_IMAGE, f'Failed to pull image "{image}": {ticket.error}',
                    container, init)
        self._event(w, WARNING, events.FAILED_TO_CREATE_CONTAINER, "Error: ErrImagePull", container, init)
        self._wake(w, SYNC_SECONDS)
        return f"kubelet on {self.node} fails to pull image \"{image}\" for {w.key}: the registry has no such image"

    def _pull_backing_off(self, w: PodWorker, container: dict, key: tuple, init: bool) -> str | None:
        name, image = container["name"], container.get("image", "")
        self._wake_at(w, self.pull_backoff.retry_at(key))
        if w.waiting.get(name, ("",))[0] == events.IMAGE_PULL_BACK_OFF:
            return None
        message = f'Back-off pulling image "{image}"'
        w.waiting[name] = (events.IMAGE_PULL_BACK_OFF, f"{message}: ErrImagePull: {w.pull_errors[name]}")
        self._event(w, NORMAL, events.BACK_OFF_PULL_IMAGE, message, container, init)
        self._event(w, WARNING, events.FAILED_TO_CREATE_CONTAINER, "Error: ImagePullBackOff", container, init)
        return (f"kubelet on {self.node}: image \"{image}\" for {w.key} is in ImagePullBackOff; it tries again in "
                f"{go_duration(self.pull_backoff.retry_at(key) - self.kernel.now_seconds)}")

    def _more_to_start(self, w: PodWorker, started: str) -> bool:
        for container in (w.pod.get("spec") or {}).get("containers") or []:
            latest = self.runtime.latest(w.uid, container["name"])
            if container["name"] != started and (latest is None or latest.state != rt.RUNNING):
                return True
        return False

    def _start_created_container(self, w: PodWorker, container: dict, created: rt.Container, init: bool) -> str:
        c = self.runtime.start_container(created.id)
        name = container["name"]
        self._event(w, NORMAL, events.STARTED_CONTAINER, f"Started container {name}", container, init)
        if c.run_seconds is not None:
            self._wake_at(w, math.floor((c.started_at + c.run_seconds) / PLEG_RELIST_SECONDS + 1) *
                          PLEG_RELIST_SECONDS)
        if not init and self._more_to_start(w, name):
            self._wake(w, SYNC_SECONDS)
        if not init:
            self._schedule_probes(w, container, c)
        return f"kubelet on {self.node} starts container {name} of {w.key}"

    # ----------------------------------------------------------------- graceful deletion
    def kill_pod(self, w: PodWorker) -> str | None:
        """The next step of a pod being deleted: ask its containers to stop (``Killing``), then, after
        the grace period, stop them and the sandbox, then remove it all and delete the pod."""
        meta, spec = w.pod["metadata"], w.pod.get("spec") or {}
        if not w.terminating:
            w.terminating = "killing"
            grace = meta.get("deletionGracePeriodSeconds")
            grace = spec.get("terminationGracePeriodSeconds", 30) if grace is None else grace
            names = []
            by_name = {c["name"]: c for c in spec.get("containers") or []}
            for c in self.runtime.containers_of(w.uid):
                if c.state == rt.RUNNING:
                    self._event(w, NORMAL, events.KILLING_CONTAINER, f"Stopping container {c.name}",
                                by_name.get(c.name, {"name": c.name}), c.name not in by_name)
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
