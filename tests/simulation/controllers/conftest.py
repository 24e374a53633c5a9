"""A headless cluster for controller tests: the API server on a MemoryStore, a kernel, the
controller manager running the controllers under test as ``system:kube-controller-manager``
(so RBAC is exercised), and an admin client that plays the user (``kubectl``) and, where a
test needs it, the kubelet (pod status) — nothing else runs, so a pod stays unbound and
Pending until the test says otherwise.

``cluster(controllers=("replicaset",), seed=1)`` builds one; its helpers read the store as
a user would (``kubectl get``), never a controller's cache.
"""
from __future__ import annotations

from typing import Callable

import pytest

from simulation.apimachinery.timestamps import rfc3339
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient, is_not_found
from simulation.controllers.manager import ControllerManager
from simulation.kernel import Kernel
from simulation.store.memory import MemoryStore
from tests.simulation.controllers.manifests import deployment, orphan_pod, pod_template, replica_set  # noqa: F401

NAMESPACE = "default"


class Cluster:
    def __init__(self, controllers: tuple[str, ...], seed: int = 1) -> None:
        self.kernel = Kernel(seed=seed)
        #: Every request's audit record: who asked what, and the answer's code.
        self.audit: list = []
        self.server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=self.kernel.wall_time,
                                    seed=seed, audit_sink=self.audit.append)
        bootstrap(self.server)
        self.admin = APIClient(self.server, APISERVER, "kubectl")
        self.kernel.set_change_probe(self.admin.current_revision)
        client = APIClient(self.server, UserInfo("system:kube-controller-manager"), "kube-controller-manager/v1.33.0")
        self.manager = ControllerManager("kube-controller-manager", self.kernel, client, controllers=controllers)
        self.manager.start()

    # ----------------------------------------------------------------- time
    def run(self, seconds: float) -> None:
        self.kernel.run_for(seconds)

    def run_until(self, predicate: Callable[[], bool], timeout_seconds: float = 30.0) -> bool:
        return self.kernel.run_until_true(predicate, timeout_seconds=timeout_seconds, check_every_seconds=0.05)

    def settle(self, seconds: float = 2.0) -> None:
        """Let every pending watch delivery and sync run (short of a relist)."""
        self.kernel.run_for(seconds)

    # ----------------------------------------------------------------- reads, as kubectl
    def get(self, resource: str, name: str, namespace: str = NAMESPACE) -> dict:
        return self.admin.get(resource, namespace, name)

    def list(self, resource: str, namespace: str = NAMESPACE, label_selector: str = "") -> list[dict]:
        return self.admin.list(resource, namespace, label_selector=label_selector)[0]

    def pods(self, label_selector: str = "", *, include_terminating: bool = False) -> list[dict]:
        pods = self.list("pods", label_selector=label_selector)
        if not include_terminating:
            pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        return sorted(pods, key=lambda p: p["metadata"]["name"])

    def pod_names(self, label_selector: str = "") -> list[str]:
        return [p["metadata"]["name"] for p in self.pods(label_selector)]

    def events(self, reason: str | None = None, kind: str | None = None) -> list[dict]:
        events = self.list("events")
        events.sort(key=lambda e: e["metadata"].get("resourceVersion") and int(e["metadata"]["resourceVersion"]))
        return [e for e in events if (reason is None or e["reason"] == reason)
                and (kind is None or e["involvedObject"]["kind"] == kind)]

    def exists(self, resource: str, name: str, namespace: str = NAMESPACE) -> bool:
        try:
            self.admin.get(resource, namespace, name)
        except Exception as exc:  # only NotFound means "no"
            if is_not_found(exc):
                return False
            raise
        return True

    def failed_syncs(self) -> list[str]:
        """Captions of syncs that failed (a missing RBAC permission shows up here)."""
        return [s for s in self.captions() if "failed to sync" in s or "forbidden" in s]

    def captions(self, component: str = "kube-controller-manager") -> list[str]:
        return [s.caption for s in self.kernel.history if s.component == component]

    # ----------------------------------------------------------------- writes, as a user or a kubelet
    def create(self, resource: str, obj: dict, namespace: str = NAMESPACE) -> dict:
        return self.admin.create(resource, obj, namespace)

    def patch(self, resource: str, name: str, patch: dict, namespace: str = NAMESPACE, **kwargs) -> dict:
        return self.admin.patch(resource, namespace, name, patch, **kwargs)

    def make_ready(self, pod: dict | str, *, node: str = "") -> dict:
        """What a kubelet reports once the containers run: phase Running and Ready=True."""
        name = pod if isinstance(pod, str) else pod["metadata"]["name"]
        now = rfc3339(self.kernel.wall_time())
        conditions = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
                      for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
        return self.admin.patch("pods", NAMESPACE, name,
                                {"status": {"phase": "Running", "conditions": conditions, "startTime": now}},
                                subresource="status")

    def make_all_ready(self, label_selector: str = "") -> list[str]:
        done = []
        for pod in self.pods(label_selector):
            cond = [c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"]
            if not cond or cond[0].get("status") != "True":
                self.make_ready(pod)
                done.append(pod["metadata"]["name"])
        return done


@pytest.fixture
def cluster() -> Callable[..., Cluster]:
    """``cluster(controllers=(...), seed=1)``: a fresh headless cluster per call."""
    made: list[Cluster] = []

    def make(controllers: tuple[str, ...] = ("replicaset",), seed: int = 1) -> Cluster:
        c = Cluster(controllers, seed)
        made.append(c)
        return c

    yield make
    for c in made:
        c.manager.stop()
