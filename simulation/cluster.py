"""A simulated cluster: one kernel hosting the control-plane components and the nodes,
each handed an API client for the same API server, as its own user, and nothing else.

This is where the topology lives (which schedulers, how many controller-manager replicas,
which nodes), and where the control API's verbs land: start or stop a component, inject a
fault, read a scheduling decision or a node's containers. Django's worker
(``clusterviz.sim.host``), the benchmarks and the tests all build this same object.
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
from simulation.ingress.controller import IngressNginxController
from simulation.ingress.routing import split_url
from simulation.kernel import Kernel, Pacer
from simulation.kubelet.kubelet import Kubelet
from simulation.kubelet.node_spec import NodeSpec
from simulation.network import iproute
from simulation.network.path import NodeNet, PathError, path
from simulation.network.target import TargetError, resolve_target
from simulation.proxy.kube_proxy import KubeProxy
from simulation.scheduler.scheduler import Scheduler

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
#: The host the control plane runs on, as kind names it (leader-election identities carry it).
CONTROL_PLANE_HOST = "kind-control-plane"


def connection_refused(component: str) -> str:
    """What upstream's componentstatuses probe reports for a component that is not running."""
    url = HEALTH_URLS[component]
    port = url.split(":")[2].split("/")[0]
    return f'Get "{url}": dial tcp 127.0.0.1:{port}: connect: connection refused'


class SimulationError(ValueError):
    """A control request that cannot be carried out (unknown component, bad fault)."""


def node_user(node: str) -> UserInfo:
    return UserInfo(wellknown.node_user(node), (wellknown.NODES_GROUP,))


class SimCluster:
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
        # The API server reaches the kubelets' log endpoint (``pods/log``) through this cluster.
        server.kubelet_logs = self.container_logs

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

    def add_node(self, spec: NodeSpec) -> tuple[Kubelet, KubeProxy]:
        self.node_specs[spec.name] = spec
        kubelet = Kubelet(f"kubelet/{spec.name}", self.kernel, self.client(node_user(spec.name), KUBELET),
                          node=spec.name, spec=spec)
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

    def install_ingress_addon(self) -> dict:
        """The ingress add-on: ingress-nginx's objects (created through the API as the cluster's
        admin would apply its manifest; existing ones are kept) and the simulated controller, the
        process of the ``ingress-nginx-controller`` pod, acting as its ServiceAccount."""
        created = ingress_addon.install(self.observer)
        controller = self.components.get(wellknown.INGRESS_NGINX_CONTROLLER)
        if controller is None:
            name, groups = ingress_addon.controller_username()
            controller = self._add(IngressNginxController(wellknown.INGRESS_NGINX_CONTROLLER, self.kernel,
                                                          self.client(UserInfo(name, groups), "nginx-ingress-controller")))
        controller.start()
        return {"created": created, "controller": controller.status()}

    def ingress_controller(self) -> IngressNginxController:
        component = self.components.get(wellknown.INGRESS_NGINX_CONTROLLER)
        if not isinstance(component, IngressNginxController):
            raise SimulationError("the ingress add-on is not installed (manage.py sim ingress install)")
        return component

    def ingress_routes(self, url: str = "") -> dict:
        """The ingress controller's routing table, and with ``url`` where that request would go."""
        controller = self.ingress_controller()
        table = controller.routing_table()
        if url:
            table["match"] = controller.route(*split_url(url))
            table["match"]["trace"] = self._ingress_leg(table["match"])
        return table

    def _ingress_leg(self, match: dict) -> dict | None:
        """The packet nginx sends for a matched request: from the controller pod straight to one
        backend endpoint (nginx balances over the endpoints itself, bypassing the Service's
        cluster IP; the pick is drawn from the trace's own seeded source). None when there is
        no endpoint or no running controller pod."""
        route = match.get("route")
        pods = [p for p in self.observer.list("pods", wellknown.INGRESS_NGINX_NAMESPACE)[0]
                if (p.get("status") or {}).get("phase") == "Running" and (p.get("status") or {}).get("podIP")]
        if not route or not route["endpoints"] or not pods:
            return None
        endpoint = self.trace_rng.choice(route["endpoints"])
        pod = min(pods, key=lambda p: p["metadata"]["name"])
        return self.trace(wellknown.INGRESS_NGINX_NAMESPACE, pod["metadata"]["name"], endpoint)

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
        for component in ([self.component(name)] if name else list(self.components.values())):
            component.start()

    def stop(self, name: str) -> None:
        self.component(name).stop()

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
            node, pod = self._pod_node(fault.get("namespace") or "default", _required(fault, "pod"))
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

    def _pod_node(self, namespace: str, pod: str) -> tuple[str, str]:
        try:
            obj = self.observer.get("pods", namespace, pod)
        except APIError as exc:
            raise SimulationError(str(exc)) from None
        node = (obj.get("spec") or {}).get("nodeName")
        if not node:
            raise SimulationError(f"pod {namespace}/{pod} is not running on any node")
        return node, pod

    # ----------------------------------------------------------------- reading
    def container_logs(self, node: str, pod: dict, container: str, previous: bool = False) -> list[tuple[float, str]]:
        """The kubelet of ``node`` serving a container's log (what ``kubectl logs`` reads);
        ``LookupError`` with the kubelet's words when there is none."""
        try:
            kubelet = self.kubelet(node)
        except SimulationError:
            raise LookupError(f'dial tcp {node}:10250: connect: no route to host') from None
        return kubelet.container_log(pod, container, previous)

    # ----------------------------------------------------------------- pod networking
    def _nodes(self) -> list[dict]:
        return self.observer.list("nodes")[0]

    def _node_net(self, name: str, nodes: list[dict]) -> NodeNet:
        kubelet, proxy = self.kubelet(name), self.proxy(name)
        return NodeNet(name, self.node_specs[name].internal_ip, kubelet.runtime.network,
                       iproute.node_routes(name, nodes), proxy.services(), proxy.rules())

    def node_network(self, name: str) -> dict:
        """What ``ip addr``, ``ip route`` and ``iptables-save`` show on node ``name``, and its veth
        pairs: the kubelet runtime's CNI state, the routes from the Node objects, kube-proxy's rules."""
        net = self._node_net(name, self._nodes())
        return {"node": name, "internal_ip": net.internal_ip, "pod_cidr": str(net.network.ipam.subnet),
                "bridge": {"name": "cni0", "ip": net.network.bridge_ip},
                "veths": [{"name": v.host_ifname, "ifindex": v.ifindex, "pod": v.pod, "ip": v.ip, "netns": v.netns}
                          for v in net.network.veths()],
                "ip_addr": iproute.node_ip_addr(name, net.internal_ip, net.network),
                "ip_route": [str(r) for r in net.routes], "iptables": self.proxy(name).rules()}

    def pod_network(self, namespace: str, pod: str) -> dict:
        """``ip addr`` and ``ip route`` inside pod ``namespace/pod``: its ``eth0``, the peer of a
        veth on its node's bridge (``eth0@ifN``: N is the veth's ifindex on the node)."""
        obj = self._get("pods", namespace, pod)
        node = (obj.get("spec") or {}).get("nodeName") or ""
        if not node:
            raise SimulationError(f"pod {namespace}/{pod} is not running on any node")
        network = self.kubelet(node).runtime.network
        veth = network.by_ip((obj.get("status") or {}).get("podIP") or "")
        if veth is None or veth.pod_uid != obj["metadata"].get("uid"):
            raise SimulationError(f"pod {namespace}/{pod} has no network yet (its sandbox is not running)")
        return {"pod": f"{namespace}/{pod}", "node": node, "veth": veth.host_ifname,
                "ip_addr": iproute.pod_ip_addr(veth, network.prefix_length),
                "ip_route": [str(r) for r in iproute.pod_routes(veth, network)]}

    def trace(self, namespace: str, pod: str, to: str) -> dict:
        """Follow a packet from pod ``namespace/pod`` to ``to``: a pod (``[ns/]name``), an IP, or a
        Service (``[ns/]name`` or its ClusterIP), each optionally ``:port`` (see
        :mod:`simulation.network.path`, :mod:`simulation.network.target`). Objects are read through
        the API server."""
        source = self._get("pods", namespace, pod)
        if (source.get("spec") or {}).get("hostNetwork"):
            raise SimulationError(f"pod {namespace}/{pod} uses its node's network namespace (hostNetwork): it has no "
                                  "veth of its own to trace from")
        from_ip = (source.get("status") or {}).get("podIP")
        if not from_ip:
            raise SimulationError(f"pod {namespace}/{pod} has no IP yet (its sandbox is not running)")
        try:
            target = resolve_target(self.observer, namespace, to)
        except TargetError as exc:
            raise SimulationError(str(exc)) from None
        nodes = self._nodes()
        nets = [self._node_net(n["metadata"]["name"], nodes) for n in nodes
                if n["metadata"]["name"] in self.node_specs]
        try:
            result = path(nets, from_ip, target.ip, target.port, self.trace_rng).as_dict()
        except PathError as exc:
            raise SimulationError(str(exc)) from None
        result["target"] = target.label
        return result

    def _get(self, resource: str, namespace: str, name: str) -> dict:
        try:
            return self.observer.get(resource, namespace, name)
        except APIError as exc:
            raise SimulationError(str(exc)) from None

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
        return {"clock": self.pacer.state(), "components": [c.status() for c in self.components.values()],
                "nodes": [asdict(s) for s in self.node_specs.values()]}


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
                     wall_clock: Callable[[], float] | None = None, kernel: Kernel | None = None) -> SimCluster:
    """The usual control plane (one scheduler, one controller manager) plus ``nodes``, started.
    Pass ``kernel`` when the server stamps with its clock (see :class:`SimCluster`)."""
    cluster = SimCluster(server, seed=seed, mode=mode, speed=speed, epoch=epoch, strict=strict, kernel=kernel,
                         watch_latency_seconds=watch_latency_seconds, wall_clock=wall_clock)
    if on_step is not None:
        cluster.kernel.step_listeners.append(on_step)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    for spec in nodes:
        cluster.add_node(spec)
    cluster.start()
    return cluster
