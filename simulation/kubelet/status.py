"""The pod status the kubelet reports (upstream's ``generateAPIPodStatus`` and
``convertToAPIContainerStatuses``), computed from the pod's spec and what the runtime holds.

* ``restartCount`` is the attempt number of the container's latest instance, across
  sandboxes: recreating the sandbox restarts every container.
* A container waiting to be restarted in back-off shows ``waiting: CrashLoopBackOff`` and its
  previous instance as ``lastState.terminated``.
* The phase follows ``getPhase``: Pending while initializing or while a container has never
  started; Running once all have started; terminal only when no container will restart.
  A Running pod never goes back to Pending (re-running init containers in a new sandbox).
"""
from __future__ import annotations

from typing import Callable

from simulation.apimachinery.timestamps import rfc3339

from . import runtime as rt

CONTAINER_ID_PREFIX = "containerd://"


Stamp = Callable[[float], str]


def _terminated(c: rt.Container, stamp: Stamp) -> dict:
    out = {"exitCode": c.exit_code if c.exit_code is not None else 0, "reason": c.reason or "Completed"}
    if c.started_at is not None:
        out["startedAt"] = stamp(c.started_at)
    out["finishedAt"] = stamp(c.finished_at if c.finished_at is not None else c.created_at)
    out["containerID"] = CONTAINER_ID_PREFIX + c.id
    return out


def container_status(spec: dict, latest: rt.Container | None, previous: rt.Container | None, *, stamp: Stamp,
                     waiting: tuple[str, str] | None, ready: bool, first_reason: str, init: bool = False) -> dict:
    image = spec.get("image", "")
    status = {"name": spec["name"], "image": image, "imageID": "", "ready": False,
              "restartCount": latest.attempt if latest else 0, "started": False, "state": {}, "lastState": {}}
    if latest is None:
        status["state"] = {"waiting": {"reason": waiting[0] if waiting else first_reason,
                                       **({"message": waiting[1]} if waiting and waiting[1] else {})}}
        return status
    status["imageID"] = f"{rt.repository(image)}@{rt.image_digest(image)}"
    status["containerID"] = CONTAINER_ID_PREFIX + latest.id
    last = previous if previous is not None and previous.state == rt.EXITED else None
    if latest.state == rt.RUNNING:
        status["state"] = {"running": {"startedAt": stamp(latest.started_at)}}
        status["started"] = True
        status["ready"] = ready
    elif latest.state == rt.CREATED:
        status["state"] = {"waiting": {"reason": first_reason}}
    elif waiting:
        status["state"] = {"waiting": {"reason": waiting[0], **({"message": waiting[1]} if waiting[1] else {})}}
        last = latest
    else:
        status["state"] = {"terminated": _terminated(latest, stamp)}
        status["ready"] = init and latest.exit_code == 0
    if last is not None:
        status["lastState"] = {"terminated": _terminated(last, stamp)}
    return status


def _condition(type_: str, ok: bool, old: dict, now: str, reason: str = "", message: str = "") -> dict:
    status = "True" if ok else "False"
    previous = next((c for c in old.get("conditions") or [] if c.get("type") == type_), None)
    since = previous["lastTransitionTime"] if previous and previous.get("status") == status and \
        previous.get("lastTransitionTime") else now
    # No ``lastProbeTime: null``: in a status patch a null deletes the field, so the stored
    # condition would never equal this one and the kubelet would patch a finished pod forever.
    cond = {"type": type_, "status": status, "lastTransitionTime": since}
    if not ok and reason:
        cond["reason"] = reason
        if message:
            cond["message"] = message
    return cond


def pod_status(pod: dict, runtime: rt.ContainerRuntime, *, host_ip: str, epoch: float, now_seconds: float,
               start_time: str, waiting: dict[str, tuple[str, str]], ready_ids: set[str],
               sandbox: rt.Sandbox | None, deleting: bool = False) -> dict:
    """The status to post. ``deleting``: the pod is being deleted and its containers have
    stopped, so it ends in a terminal phase (as kubelets have done since 1.27)."""
    def stamp(seconds: float) -> str:
        return rfc3339(epoch + seconds)

    uid = pod["metadata"]["uid"]
    spec, old = pod.get("spec") or {}, pod.get("status") or {}
    now = rfc3339(epoch + now_seconds)
    restart = spec.get("restartPolicy", "Always")
    sandbox_ready = sandbox is not None and sandbox.state == rt.SANDBOX_READY

    init_statuses, incomplete, init_failed = [], [], False
    for c in spec.get("initContainers") or []:
        latest, previous = runtime.latest(uid, c["name"]), runtime.previous(uid, c["name"])
        st = container_status(c, latest, previous, stamp=stamp, waiting=waiting.get(c["name"]), ready=False,
                              first_reason="PodInitializing", init=True)
        done_here = latest is not None and latest.state == rt.EXITED and latest.exit_code == 0 and \
            (sandbox is None or latest.sandbox_id == sandbox.id)
        if not done_here:
            incomplete.append(c["name"])
            init_failed = init_failed or (latest is not None and latest.state == rt.EXITED and latest.exit_code != 0)
        init_statuses.append(st)
    initialized = not incomplete

    statuses, unready = [], []
    running = waiting_never = stopped = failed = succeeded = 0
    for c in spec.get("containers") or []:
        latest, previous = runtime.latest(uid, c["name"]), runtime.previous(uid, c["name"])
        is_ready = latest is not None and latest.state == rt.RUNNING and \
            (not c.get("readinessProbe") or latest.id in ready_ids)
        st = container_status(c, latest, previous, stamp=stamp, waiting=waiting.get(c["name"]), ready=is_ready,
                              first_reason="ContainerCreating" if initialized else "PodInitializing")
        statuses.append(st)
        if not st["ready"]:
            unready.append(c["name"])
        state = st["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"]["exitCode"] == 0:
                succeeded += 1
            else:
                failed += 1
        elif st["lastState"].get("terminated"):
            stopped += 1
            failed += st["lastState"]["terminated"]["exitCode"] != 0
        else:
            waiting_never += 1

    if deleting and not running:
        phase = "Failed" if failed else "Succeeded"
    elif init_failed and restart == "Never":
        phase = "Failed"
    elif not initialized and old.get("phase") != "Running":
        phase = "Pending"
    elif waiting_never:
        phase = "Pending" if old.get("phase") != "Running" else "Running"
    elif running:
        phase = "Running"
    elif stopped:
        if restart == "Always":
            phase = "Running"
        elif restart == "Never":
            phase = "Failed" if failed else "Succeeded"
        else:
            phase = "Succeeded" if stopped == succeeded else "Running"
    else:
        phase = "Pending"

    terminal = phase in ("Succeeded", "Failed")
    ready = not unready and not terminal
    unready_msg = f"containers with unready status: [{' '.join(unready)}]"
    conditions = [
        _condition("PodReadyToStartContainers", sandbox_ready, old, now),
        _condition("Initialized", initialized or terminal, old, now, "ContainersNotInitialized",
                   f"containers with incomplete status: [{' '.join(incomplete)}]"),
        _condition("Ready", ready, old, now, "PodCompleted" if terminal else "ContainersNotReady",
                   "" if terminal else unready_msg),
        _condition("ContainersReady", ready, old, now, "PodCompleted" if terminal else "ContainersNotReady",
                   "" if terminal else unready_msg),
    ]
    scheduled = next((c for c in old.get("conditions") or [] if c.get("type") == "PodScheduled"), None)
    conditions.append(scheduled or _condition("PodScheduled", True, old, now))
    status = {"phase": phase, "conditions": conditions, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
              "startTime": start_time}
    if sandbox is not None and (sandbox_ready or terminal or old.get("podIP")):
        status["podIP"] = sandbox.ip
        status["podIPs"] = [{"ip": sandbox.ip}]
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    return status


def rejected_status(pod: dict, reason: str, message: str, *, now: str) -> dict:
    """``rejectPod``: the pod never runs here; it fails with the admission verdict."""
    old = pod.get("status") or {}
    return {"phase": "Failed", "reason": reason, "message": f"Pod was rejected: {message}",
            "conditions": old.get("conditions") or [], "startTime": now}
