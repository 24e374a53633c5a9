"""A headless cluster for kubelet and kube-proxy tests: in-memory store, the full API server
pipeline, a kernel, and an admin client that creates and binds pods itself (no scheduler)."""
from __future__ import annotations

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient
from simulation.kernel import Kernel
from simulation.kubelet import Kubelet, NodeSpec
from simulation.store.memory import MemoryStore


class Cluster:
    def __init__(self, seed: int = 1) -> None:
        self.kernel = Kernel(seed=seed, strict=True)
        self.server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=self.kernel.wall_time)
        bootstrap(self.server)
        self.admin = APIClient(self.server, APISERVER, "kubectl")
        self.kernel.set_change_probe(self.admin.current_revision)
        self.kubelets: dict[str, Kubelet] = {}

    def add_node(self, spec: NodeSpec, start: bool = True) -> Kubelet:
        client = APIClient(self.server, UserInfo(f"system:node:{spec.name}", ("system:nodes",)),
                           f"kubelet/{spec.name}")
        kubelet = Kubelet(f"kubelet/{spec.name}", self.kernel, client, node=spec.name, spec=spec)
        self.kubelets[spec.name] = kubelet
        if start:
            kubelet.start()
        return kubelet

    def create_pod(self, name: str, node: str, containers: list[dict] | None = None, namespace: str = "default",
                   **spec) -> dict:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace,
                                                               "labels": {"app": name}},
               "spec": {"containers": containers or [{"name": "web", "image": "nginx:1.27"}], **spec}}
        annotations = spec.pop("annotations", None)
        if annotations:
            pod["metadata"]["annotations"] = annotations
            pod["spec"].pop("annotations", None)
        created = self.admin.create("pods", pod, namespace)
        self.admin.bind(namespace, name, node)
        return created

    def pod(self, name: str, namespace: str = "default") -> dict:
        return self.admin.get("pods", namespace, name)

    def events(self, name: str, namespace: str = "default") -> list[dict]:
        items, _ = self.admin.list("events", namespace)
        found = [e for e in items if e["involvedObject"]["name"] == name]
        return sorted(found, key=lambda e: (e["firstTimestamp"], int(e["metadata"]["resourceVersion"])))

    def run_until(self, predicate, timeout: float = 60.0) -> bool:
        return self.kernel.run_until_true(predicate, timeout_seconds=timeout, check_every_seconds=0.1)

    def phase(self, name: str, namespace: str = "default") -> str:
        try:
            return (self.pod(name, namespace).get("status") or {}).get("phase", "")
        except Exception:
            return ""
