"""A simulated cluster: one kernel hosting the control-plane components and the nodes,
each handed an API client for the same API server, as its own user, and nothing else.

This is where the topology lives (which schedulers, how many controller-manager replicas,
which nodes), and where the control API's verbs land: start or stop a component, inject a
fault, read a scheduling decision or a node's containers. Django's worker
(``clusterviz.sim.host``), the benchmarks and the tests all build this same object. Its kubeadm
layout, add-ons and inspections are mixins (:mod:`.kubeadm`, :mod:`.addons`, :mod:`.inspection`).
"""
from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from simulation.apimachinery import wellknown
from simulation.apimachinery.wellknown import (DEFAULT_SCHEDULER_NAME, KUBE_CONTROLLER_MANAGER, KUBE_PROXY,
                                               KUBE_SCHEDULER, KUBELET)
from simulation.apiserver.bootstrap import APISERVER
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient, APIError
from simulation.client.component import Component
from simulation.controllers.manager import ControllerManager
from simulation.ingress import addon as ingress_addon
from simulation.kernel import Kernel, Pacer
from simulation.kubelet.kubelet import Kubelet
from simulation.kubelet.node_spec import NodeSpec
from simulation.kubelet.static_pods import ManifestDirectory
from simulation.proxy.kube_proxy import KubeProxy
from simulation.scheduler.scheduler import Scheduler

from .addons import Addons
from simulation.kubeadm.manifests import ETCD

from .errors import SimulationError
from .ha import HighlyAvailableControlPlane
from .inspection import Inspection
from .kubeadm import CONTROL_PLANE_HOST, KubeadmControlPlane

VERSION = "v1.33.0"
SCHEDULER_USER = UserInfo(wellknown.KUBE_SCHEDULER_USER)
CONTROLLER_MANAGER_USER = UserInfo(wellknown.KUBE_CONTROLLER_MANAGER_USER)
KUBE_PROXY_USER = UserInfo(wellknown.KUBE_PROXY_USER)
#: The control API's component kinds that can run as several replicas, and their base names.
REPLICATED = {"scheduler": KUBE_SCHEDULER, "controller-manager": KUBE_CONTROLLER_MANAGER}
#: Where upstream's componentstatuses probes dial (the message a stopped component gives).
HEALTH_URLS = {"scheduler": "https://127.0.0.1:10259/healthz",
               "controller-manager": "https://127.0.0.1:10257/healthz"}

FAULTS = ("kill-container", "fail-node", "drop-watch-events")
MAX_REPLICAS = 3



def connection_refused(component: str) -> str:
    """What upstream's componentstatuses probe reports for a component that is not running."""
    url = HEALTH_URLS[component]
    port = url.split(":")[2].split("/")[0]
    return f'Get "{url}": dial tcp 127.0.0.1:{port}: connect: connection refused'


def node_user(node: str) -> UserInfo:
    return UserInfo(wellknown.node_user(node), (wellknown.NODES_GROUP,))


class SimCluster(KubeadmControlPlane, HighlyAvailableControlPlane, Addons, Inspection):
    def __init__(self, server: Any, *, seed: int = 0, epoch: float | None = None, mode: str = "live",
                 speed: float = 1.0, strict: bool = False, kernel: Kernel | None = None,
                 watch_latency_seconds: float | None = None, wall_clock: Callable[[], float] | None = None) -> None:
        """Pass ``kernel`` when the API server must stamp objects with the kernel's clock
        (headless runs: build the kernel, then the server with ``clock=kernel.wall_time``).
        ``wall_clock`` is the live edge the virtual clock never passes (see
        :mod:`simulation.kernel.pacing`); headless runs have none."""
        self.server = server
        self.kernel = kernel or Kernel(seed=seed, strict=strict, **({"epoch": epoch} if epoch is not None else {}))
        if watch_latency_seconds is not None:
            self.kernel.watch_latency_seconds = watch_latency_seconds
        self.pacer = Pacer(self.kernel, mode=mode, speed=speed, wall_clock=wall_clock)
        self.observer = APIClient(server, APISERVER, f"clusterviz-kernel/{VERSION}")
        self.kernel.set_change_probe(self.observer.current_revision, self.observer.changed_topics)
        self.components: dict[str, Component] = {}
        self.node_specs: dict[str, NodeSpec] = {}
        #: What iptables' ``statistic`` match draws from when a traced packet meets a Service:
        #: seeded, and apart from the kernel's source, so tracing never changes the cluster's history.
        self.trace_rng = random.Random(f"packet-path/{self.kernel.seed}")
        #: Laid out by ``kubeadm init`` (:meth:`init_kubeadm`): the control plane's components run
        #: in containers of kube-system pods, and follow them.
        self.kubeadm = False
        #: What kubeadm wrote into each node's manifest directory (what ``restore`` puts back).
        self.kubeadm_manifests: dict[str, dict[str, dict]] = {}
        #: Components the teacher stopped on a kubeadm cluster: their process crashes each time
        #: the kubelet starts their container, until started again.
        self.held_down: set[str] = set()
        # The API server reaches the kubelets' log and exec endpoints (``pods/log``, ``pods/exec``)
        # through this cluster.
        server.kubelet_logs = self.container_logs
        server.kubelet_exec = self.exec
        server.kubelet_portforward = self.port_forward

    # ----------------------------------------------------------------- topology
    def client(self, user: UserInfo, program: str) -> APIClient:
        return APIClient(self.server, user, f"{program}/{VERSION} (linux/amd64) kubernetes/clusterviz")

    def _add(self, component: Component) -> Component:
        if component.name in self.components:
            raise SimulationError(f"a component named {component.name!r} exists already")
        self.components[component.name] = component
        return component

    def add_scheduler(self, name: str = KUBE_SCHEDULER, *, scheduler_name: str = DEFAULT_SCHEDULER_NAME,
                      leader_election: bool = False, lease_name: str = "") -> Scheduler:
        return self._add(Scheduler(name, self.kernel, self.client(SCHEDULER_USER, KUBE_SCHEDULER),
                                   scheduler_name=scheduler_name, leader_election=leader_election,
                                   lease_name=lease_name, identity=self._identity(name)))

    def add_controller_manager(self, name: str = KUBE_CONTROLLER_MANAGER, *, leader_election: bool = False,
                               controllers: tuple[str, ...] | None = None) -> ControllerManager:
        return self._add(ControllerManager(name, self.kernel, self.client(CONTROLLER_MANAGER_USER,
                                                                          KUBE_CONTROLLER_MANAGER),
                                           controllers=controllers, leader_election=leader_election,
                                           identity=self._identity(name)))

    def add_node(self, spec: NodeSpec, manifests: ManifestDirectory | None = None) -> tuple[Kubelet, KubeProxy]:
        self.node_specs[spec.name] = spec
        kubelet = Kubelet(f"kubelet/{spec.name}", self.kernel, self.client(node_user(spec.name), KUBELET),
                          node=spec.name, spec=spec, manifests=manifests)
        kubelet.runtime.on_process = lambda container, node=spec.name: self._process_changed(node, container)
        proxy = KubeProxy(f"{KUBE_PROXY}/{spec.name}", self.kernel, self.client(KUBE_PROXY_USER, KUBE_PROXY),
                          node=spec.name)
        return self._add(kubelet), self._add(proxy)

    def set_replicas(self, kind: str, count: int) -> list[Component]:
        """Run ``count`` replicas of the default scheduler or of the controller manager. With
        two or more, every replica campaigns for the component's Lease in ``kube-system`` and
        only the holder works; the others stand by and take over once it stops renewing.
        Replicas are named ``kube-scheduler``, ``kube-scheduler-2``, … (likewise the controller
        manager); changing the count restarts them, as a re-deployed static pod would."""
        base = REPLICATED.get(kind)
        if base is None:
            raise SimulationError(f"replicas are for scheduler or controller-manager, not {kind!r}")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_REPLICAS:
            raise SimulationError(f"count must be an integer from 1 to {MAX_REPLICAS}")
        previous = [n for n in self.components if n == base or n.startswith(base + "-")]
        # Once replicated, a component keeps electing, as upstream's always do (--leader-elect
        # defaults to true): back to one replica, it takes the Lease over and renews it.
        elect = count > 1 or any(self.components[n].leader_election for n in previous)
        for name in previous:
            component = self.components.pop(name)
            if component.elector is not None:  # a re-deployed replica shuts down gracefully
                component.elector.release()
            component.stop()
        replicas: list[Component] = []
        for i in range(1, count + 1):
            name = base if i == 1 else f"{base}-{i}"
            replicas.append(self.add_scheduler(name, leader_election=elect) if kind == "scheduler"
                            else self.add_controller_manager(name, leader_election=elect))
        for replica in replicas:
            replica.start()
        return replicas

    def restore_topology(self, replicas: dict[str, int], schedulers: list[tuple[str, str]],
                         stopped: list[str]) -> None:
        """What a saved cluster adds to the standard one: replica counts, extra schedulers
        (name, schedulerName), started, and the components that were stopped (a name no
        longer known is ignored: its node or scheduler is gone)."""
        for kind, count in replicas.items():
            if count != self.replicas(kind):
                self.set_replicas(kind, count)
        for name, scheduler_name in schedulers:
            self.add_scheduler(name, scheduler_name=scheduler_name).start()
        if ingress_addon.installed(self.observer):  # the add-on's objects survive a restart; so does its controller
            self.install_ingress_addon()
        for name in stopped:
            if name in self.components:
                self.stop(name)

    def replicas(self, kind: str) -> int:
        base = REPLICATED[kind]
        return sum(1 for n in self.components if n == base or n.startswith(base + "-"))

    def _identity(self, name: str) -> str:
        """A leader-election identity as upstream's components make it: ``<hostname>_<uuid>``
        (``os.Hostname()`` and a fresh UUID per process). Replica N runs on kind's N-th
        control-plane node: ``kind-control-plane``, ``kind-control-plane2``, …"""
        base, _, index = name.rpartition("-")
        replica = int(index) if base in REPLICATED.values() and index.isdigit() else 1
        host = CONTROL_PLANE_HOST + ("" if replica == 1 else str(replica))
        return f"{host}_{uuid.UUID(int=self.kernel.rng.getrandbits(128), version=4)}"

    # ----------------------------------------------------------------- lifecycle
    def component(self, name: str) -> Component:
        try:
            return self.components[name]
        except KeyError:
            raise SimulationError(f"no component named {name!r}; known: {', '.join(self.components)}") from None

    def start(self, name: str | None = None) -> None:
        """Start a component, or all. On a kubeadm cluster a component that runs in a container
        starts with it: starting it lets its container's next start (after the kubelet's
        back-off) keep running."""
        if name is None:
            for component in list(self.components.values()):
                if not self.hosted(component.name):
                    component.start()
            return
        component = self.component(name)
        if not self.hosted(name):
            component.start()
            return
        self.held_down.discard(name)
        if self._hosting_container(name) is not None:
            component.start()

    def stop(self, name: str) -> None:
        """Stop a component. On a kubeadm cluster, one that runs in a container crashes: its
        container exits with an error, and every restart the kubelet makes exits again
        (CrashLoopBackOff) until it is started."""
        component = self.component(name)
        self.refuse_last_apiserver(name)
        if self.hosted(name):
            self.held_down.add(name)
            container = self._hosting_container(name)
            if container is not None:
                self.kubelet(container[0]).runtime.kill(container[1].id, exit_code=1)
        component.stop()

    def schedulers(self) -> list[Scheduler]:
        return [c for c in self.components.values() if isinstance(c, Scheduler)]

    def kubelet(self, node: str) -> Kubelet:
        component = self.components.get(f"kubelet/{node}")
        if not isinstance(component, Kubelet):
            raise SimulationError(f"no node named {node!r}")
        return component

    def proxy(self, node: str) -> KubeProxy:
        component = self.components.get(f"{KUBE_PROXY}/{node}")
        if not isinstance(component, KubeProxy):
            raise SimulationError(f"no node named {node!r}")
        return component

    # ----------------------------------------------------------------- faults
    def inject(self, fault: dict) -> str:
        """Carry out one fault; returns what happened in plain words."""
        kind = fault.get("type")
        if kind == "kill-container":
            pod = _required(fault, "pod")
            _, node = self.pod(fault.get("namespace") or "default", pod)
            container = fault.get("container") or "POD"
            try:
                self.kubelet(node).kill_container(fault.get("namespace") or "default", pod, container)
            except LookupError as exc:
                raise SimulationError(str(exc).strip("'\"")) from None
            return f"killed container {container} of pod {pod} on {node}"
        if kind == "fail-node":
            node = _required(fault, "node")
            self.kubelet(node).fail()
            return f"node {node} failed: its kubelet stops posting status"
        if kind == "drop-watch-events":
            component = self.component(_required(fault, "component"))
            count = int(fault.get("count", 1))
            if count < 1:
                raise SimulationError("count must be at least 1")
            resource, namespace = fault.get("resource") or "", fault.get("namespace") or ""
            if not isinstance(resource, str) or not isinstance(namespace, str):
                raise SimulationError("resource and namespace must be names, e.g. replicasets and default")
            component.drops.arm(count, resource, namespace)
            what = f"{resource} watch event(s)" if resource else "watch event(s)"
            where = f" in namespace {namespace}" if namespace else ""
            return f"the next {count} {what}{where} to {component.name} will be lost"
        raise SimulationError(f"unknown fault type {kind!r}; expected one of {', '.join(FAULTS)}")

    def pod(self, namespace: str, name: str) -> tuple[dict, str]:
        """A pod as the API server has it, and the node it runs on."""
        try:
            obj = self.observer.get("pods", namespace, name)
        except APIError as exc:
            raise SimulationError(str(exc)) from None
        node = (obj.get("spec") or {}).get("nodeName")
        if not node:
            raise SimulationError(f"pod {namespace}/{name} is not running on any node")
        return obj, node

    # ----------------------------------------------------------------- reading
    def container_logs(self, node: str, pod: dict, container: str, previous: bool = False) -> list[tuple[float, str]]:
        """The kubelet of ``node`` serving a container's log (what ``kubectl logs`` reads);
        ``LookupError`` with the kubelet's words when there is none."""
        try:
            kubelet = self.kubelet(node)
        except SimulationError:
            raise LookupError(f'dial tcp {node}:10250: connect: no route to host') from None
        lines = kubelet.container_log(pod, container, previous)
        if self.ha and container == ETCD and (pod["metadata"].get("labels") or {}).get("component") == ETCD:
            lines = sorted(lines + self.etcd_log(node, since=lines[0][0] if lines else 0.0), key=lambda line: line[0])
        return lines

    def decision(self, namespace: str, name: str) -> dict | None:
        for scheduler in self.schedulers():
            record = scheduler.decision(namespace, name)
            if record is not None:
                return record
        return None

    def health(self, component: str) -> tuple[bool, str]:
        """componentstatuses for ``scheduler`` / ``controller-manager``: healthy when a
        replica of the default instance runs (upstream probes the local one)."""
        if component == "scheduler":
            running = any(s.running and s.scheduler_name == DEFAULT_SCHEDULER_NAME for s in self.schedulers())
        else:
            running = any(c.running for c in self.components.values() if isinstance(c, ControllerManager))
        return (True, "ok") if running else (False, connection_refused(component))

    def state(self) -> dict:
        return {"clock": self.pacer.state(),
                "components": [self.component_status(name) for name in self.components],
                "nodes": [asdict(s) for s in self.node_specs.values()], "kubeadm": self.kubeadm,
                "ha": self.ha_state()}

    def component_status(self, name: str) -> dict:
        """What the control API says of a component; on a kubeadm cluster, whether one that runs
        in a container is held down (crash-looping) and which pod hosts it."""
        component = self.component(name)
        out = component.status()
        if self.hosted(component.name):
            out["held_down"] = component.name in self.held_down
            hosting = self._hosting_container(component.name)
            if hosting is not None:
                out["container"] = f"{hosting[1].namespace}/{hosting[1].pod_name}/{hosting[1].name}"
        if isinstance(component, Kubelet) and component.manifests is not None:
            out["static_pod_path"] = component.manifests.path
            out["manifests"] = sorted(component.manifests.files)
        return out


def _required(fault: dict, key: str) -> str:
    value = fault.get(key)
    if not value or not isinstance(value, str):
        raise SimulationError(f"fault {fault.get('type')!r} needs {key!r}")
    return value



def demo_nodes() -> list[NodeSpec]:
    """The demo cluster: three workers of different sizes in two zones, one tainted."""
    return [
        NodeSpec(name="node-1", cpu="4", memory="8Gi", zone="zone-a", pod_cidr="10.244.1.0/24"),
        NodeSpec(name="node-2", cpu="2", memory="4Gi", zone="zone-b", pod_cidr="10.244.2.0/24"),
        NodeSpec(name="node-3", cpu="8", memory="16Gi", zone="zone-b", pod_cidr="10.244.3.0/24",
                 taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
                 extra_labels={"accelerator": "gpu"}),
    ]


def standard_cluster(server: Any, nodes: list[NodeSpec], *, seed: int = 0, mode: str = "live",
                     speed: float = 1.0, epoch: float | None = None, strict: bool = False,
                     watch_latency_seconds: float | None = None, on_step: Callable | None = None,
                     wall_clock: Callable[[], float] | None = None, kernel: Kernel | None = None,
                     kubeadm: bool = False, manifests: dict | None = None, ha: bool = False) -> SimCluster:
    """The usual control plane (one scheduler, one controller manager) plus ``nodes``, started.
    Pass ``kernel`` when the server stamps with its clock (see :class:`SimCluster`). With
    ``kubeadm`` the cluster is laid out as ``kubeadm init`` leaves it (:meth:`SimCluster.init_kubeadm`):
    a tainted control-plane node whose static pods run the control plane, before ``nodes``;
    ``manifests`` are the manifest files a teacher changed since (:meth:`SimCluster.manifest_overrides`).
    With ``ha`` (implies ``kubeadm``) three control-plane nodes run the control plane
    (:meth:`SimCluster.init_ha`)."""
    cluster = SimCluster(server, seed=seed, mode=mode, speed=speed, epoch=epoch, strict=strict, kernel=kernel,
                         watch_latency_seconds=watch_latency_seconds, wall_clock=wall_clock)
    if on_step is not None:
        cluster.kernel.step_listeners.append(on_step)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    if ha:
        cluster.init_ha()
    elif kubeadm:
        cluster.init_kubeadm()
    if ha or kubeadm:
        cluster.restore_manifests(manifests or {})
    for spec in nodes:
        cluster.add_node(spec)
    cluster.add_dns()
    cluster.start()
    return cluster
