"""A fresh in-memory cluster for one scenario run, on the virtual clock as fast as it goes:
the same API server, components and kernel as a hosted cluster (with a hosted cluster's one
second per hop, so the same timeouts hold in both), nothing else. Deterministic: the same
scenario gives the same history.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from simulation.apimachinery.wellknown import SYSTEM_MASTERS
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import bootstrap
from simulation.apiserver.request import APIRequest, UserInfo
from simulation.cluster import (CONTROL_PLANE_HOST, SimulationError, connection_refused, demo_nodes,
                                standard_cluster)
from simulation.kernel import Kernel
from simulation.kernel.kernel import CLASSROOM_WATCH_LATENCY_SECONDS
from simulation.kernel.pacing import HEADLESS, PAUSED
from simulation.kubelet.node_spec import NodeSpec
from simulation.snapshot import Snapshot, restore
from simulation.store.memory import MemoryStore

#: Who the scenario's kubectl is: kubeadm's admin kubeconfig.
ADMIN = UserInfo("kubernetes-admin", (SYSTEM_MASTERS,))
USER_AGENT = "kubectl/v1.33.0 (linux/amd64) kubernetes/clusterviz-scenario"
#: How often a wait judges its condition, in virtual seconds.
CHECK_EVERY_SECONDS = 0.25


class _Watch:
    def __init__(self, watcher: Any) -> None:
        self.watcher = watcher

    def poll(self) -> list[dict]:
        return [json.loads(json.dumps(e)) for e in self.watcher.poll()]

    def close(self) -> None:
        self.watcher.done = True


class HeadlessBackend:
    description = "a headless cluster"
    builds_nodes = True

    def __init__(self, nodes: list[NodeSpec] | None = None, *, seed: int = 1, snapshot: Snapshot | None = None,
                 kubeadm: bool = False, ha: bool = False) -> None:
        clock = {"epoch": snapshot.clock} if snapshot is not None and snapshot.clock is not None else {}
        self.kernel = Kernel(seed=seed, strict=True, watch_latency_seconds=CLASSROOM_WATCH_LATENCY_SECONDS, **clock)
        self.server = new_apiserver(MemoryStore(), token_lookup=lambda token: None, clock=self.kernel.wall_time,
                                    seed=seed, component_statuses=self._component_statuses)
        bootstrap(self.server)
        if snapshot is not None:  # its objects are there before any component runs
            restore(self.server, snapshot)
        # the same control plane a hosted cluster runs (CoreDNS included: lessons resolve names)
        self.sim = standard_cluster(self.server, nodes if nodes is not None else demo_nodes(), mode=HEADLESS,
                                    kernel=self.kernel, kubeadm=kubeadm, ha=ha)

    def _component_statuses(self) -> list[dict]:
        """What ``kubectl get cs`` answers: the scheduler and controller manager as their
        health says, etcd-0 healthy (the store answers)."""
        out = []
        for component in ("scheduler", "controller-manager"):
            healthy, message = self.sim.health(component)
            out.append({"metadata": {"name": component}, "conditions": [{
                "type": "Healthy", "status": "True" if healthy else "False",
                "message": message or ("ok" if healthy else connection_refused(component))}]})
        out.append({"metadata": {"name": "etcd-0"}, "conditions": [
            {"type": "Healthy", "status": "True", "message": "ok"}]})
        return out

    # ----------------------------------------------------------------- the API
    def send(self, method: str, path: str, *, query: dict | None = None, body: bytes | None = None,
             content_type: str = "application/json", headers: dict | None = None,
             token: str | None = None) -> tuple[int, Any]:
        sent = {"user-agent": USER_AGENT, "accept": "application/json", **{k.lower(): v for k, v in
                                                                          (headers or {}).items()}}
        if body is not None:
            sent["content-type"] = content_type
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        response = self.server.handle(APIRequest(method, path, query=query or {}, headers=sent, body=body,
                                                 user=None if token is not None else ADMIN))
        self.kernel.pump()
        # What crosses the wire is a copy: the caller may keep or change it.
        return response.code, json.loads(json.dumps(response.body)) if response.body is not None else None

    def watch(self, path: str, query: dict) -> _Watch:
        response = self.server.handle(APIRequest("GET", path, query=query, headers={"user-agent": USER_AGENT},
                                                 user=ADMIN))
        if response.watcher is None:
            raise SimulationError(f"cannot watch {path}: {response.body}")
        return _Watch(response.watcher)

    # ----------------------------------------------------------------- control
    def control(self, op: dict) -> Any:
        """The control API's verbs, carried out on this process's cluster."""
        sim, kind = self.sim, op["op"]
        if kind == "components":
            return sim.state()["components"]
        if kind in ("stop", "start"):
            getattr(sim, kind)(op["name"])
            return sim.component_status(op["name"])
        if kind == "add_scheduler":
            scheduler = sim.components.get(op["name"]) or sim.add_scheduler(op["name"], scheduler_name=op["name"])
            scheduler.start()
            return scheduler.status()
        if kind == "replicas":
            return [c.status() for c in sim.set_replicas(op["component"], op["count"])]
        if kind == "fault":
            return {"result": sim.inject(op["fault"])}
        if kind == "speed":
            sim.pacer.set_speed(float(op["speed"]))
        elif kind == "pause":
            sim.pacer.set_mode(PAUSED)
        elif kind == "play":
            sim.pacer.set_mode(HEADLESS)
        elif kind == "step":
            sim.pacer.set_mode(PAUSED)
            ran = sim.pacer.step(op["count"])
            return {"steps": [s.as_dict() for s in ran if not s.housekeeping], **sim.state()}
        elif kind == "decision":
            return sim.decision(op["namespace"], op["pod"])
        elif kind == "containers":
            return sim.kubelet(op["node"]).runtime.containers()
        elif kind == "iptables":
            return {"rules": sim.proxy(op["node"]).rules()}
        elif kind == "network":
            return sim.node_network(op["node"])
        elif kind == "trace":
            namespace, _, pod = op["from"].rpartition("/")
            return sim.trace(namespace, pod, op["to"])
        elif kind == "exec":
            return sim.exec_pod(op["namespace"], op["pod"], op.get("container", ""), op["command"])
        elif kind == "manifests":
            return sim.manifests(op.get("node") or CONTROL_PLANE_HOST)
        elif kind == "manifest":
            return sim.change_manifest(op)
        elif kind == "ingress":
            return sim.ingress_routes(op.get("url") or "")
        elif kind == "ingress_install":
            return sim.install_ingress_addon()
        elif kind != "state":
            raise SimulationError(f"unknown operation {kind!r}")
        return sim.state()

    # ----------------------------------------------------------------- time
    def now_seconds(self) -> float:
        return self.kernel.now_seconds

    def wait(self, predicate: Callable[[], bool], timeout_seconds: float) -> bool:
        if self.sim.pacer.mode == PAUSED:
            return predicate()
        return self.kernel.run_until_true(predicate, timeout_seconds=timeout_seconds,
                                          check_every_seconds=CHECK_EVERY_SECONDS)

    def history(self) -> list[tuple]:
        """The steps the kernel ran (sequence, time, component, caption): a run's fingerprint."""
        return [(s.seq, s.time_seconds, s.component, s.action, s.caption) for s in self.kernel.history]

    def close(self) -> None:
        for name in list(self.sim.components):
            self.sim.components[name].stop()
