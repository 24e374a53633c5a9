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
from simulation.apimachinery.wellknown import (COREDNS, DEFAULT_SCHEDULER_NAME, KUBE_CONTROLLER_MANAGER, KUBE_PROXY,
                                               KUBE_SCHEDULER, KUBELET, LABEL_NODE_ROLE_CONTROL_PLANE,
                                               NAMESPACE_SYSTEM)
from simulation.apiserver.bootstrap import APISERVER
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient, APIError, is_not_found
from simulation.client.component import Component
from simulation.controllers.manager import ControllerManager
from simulation.datapath import Datapath
from simulation.dns.coredns import CoreDNS
from simulation.ingress import addon as ingress_addon
from simulation.ingress.controller import IngressNginxController
from simulation.ingress.routing import split_url
from simulation.kernel import Kernel, Pacer
from simulation.kubeadm.addons import COREDNS_IMAGE, kubeadm_objects
from simulation.kubeadm.manifests import FILES as MANIFEST_FILES
from simulation.kubeadm.manifests import component_image, control_plane_manifests
from simulation.kubelet import runtime as rt
from simulation.kubelet.kubelet import Kubelet
from simulation.kubelet.node_spec import NodeSpec
from simulation.network import iproute
from simulation.network.path import NodeNet, PathError, path
from simulation.network.target import TargetError, resolve_target
from simulation.kubelet.static_pods import ManifestDirectory
from simulation.proxy.kube_proxy import KubeProxy
from simulation.scheduler.scheduler import Scheduler

VERSION = "v1.33.0"
SCHEDULER_USER = UserInfo(wellknown.KUBE_SCHEDULER_USER)
CONTROLLER_MANAGER_USER = UserInfo(wellknown.KUBE_CONTROLLER_MANAGER_USER)
KUBE_PROXY_USER = UserInfo(wellknown.KUBE_PROXY_USER)
COREDNS_USER = UserInfo(wellknown.service_account_username(NAMESPACE_SYSTEM, COREDNS),
                        wellknown.service_account_groups(NAMESPACE_SYSTEM))
RBAC_V1 = "rbac.authorization.k8s.io/v1"
#: What kubeadm's CoreDNS add-on phase writes for CoreDNS's watch (its ServiceAccount, and the
#: ``system:coredns`` ClusterRole and binding), by resource.
COREDNS_RBAC: tuple[tuple[str, dict], ...] = (
    ("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                         "metadata": {"name": COREDNS, "namespace": NAMESPACE_SYSTEM}}),
    ("clusterroles", {"apiVersion": RBAC_V1, "kind": "ClusterRole", "metadata": {"name": "system:coredns"}, "rules": [
        {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"], "verbs": ["list", "watch"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]}]}),
    ("clusterrolebindings", {"apiVersion": RBAC_V1, "kind": "ClusterRoleBinding",
                             "metadata": {"name": "system:coredns"},
                             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                         "name": "system:coredns"},
                             "subjects": [{"kind": "ServiceAccount", "name": COREDNS,
                                           "namespace": NAMESPACE_SYSTEM}]}),
)
#: The control API's component kinds that can run as several replicas, and their base names.
REPLICATED = {"scheduler": KUBE_SCHEDULER, "controller-manager": KUBE_CONTROLLER_MANAGER}
#: Where upstream's componentstatuses probes dial (the message a stopped component gives).
HEALTH_URLS = {"scheduler": "https://127.0.0.1:10259/healthz",
               "controller-manager": "https://127.0.0.1:10257/healthz"}

FAULTS = ("kill-container", "fail-node", "drop-watch-events")
MAX_REPLICAS = 3
#: The host the control plane runs on, as kind names it (leader-election identities carry it).
CONTROL_PLANE_HOST = "kind-control-plane"
#: Who writes kubeadm's objects at ``kubeadm init`` (its ``super-admin.conf``).
KUBEADM_USER = UserInfo("kubernetes-super-admin", (wellknown.SYSTEM_MASTERS,))
#: On a kubeadm cluster, the components that run in a kube-system container, by container name.
HOSTED_CONTAINERS = (KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER, KUBE_PROXY)
#: How long a component the teacher holds down lives when the kubelet starts its container
#: again: it exits with an error at once, as a control-plane component that cannot come up.
CRASH_SECONDS = 1.0


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

    def add_dns(self) -> CoreDNS:
        """CoreDNS's watch, under the identity and RBAC kubeadm gives it (written here when
        missing: kubeadm's add-on phase, not the API server, creates them)."""
        for resource, obj in COREDNS_RBAC:
            try:
                self.observer.create(resource, obj, obj["metadata"].get("namespace", ""))
            except APIError as exc:
                if exc.code != 409:
                    raise
        return self._add(CoreDNS(COREDNS, self.kernel, self.client(COREDNS_USER, COREDNS)))

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
        if self.hosted(name):
            self.held_down.add(name)
            container = self._hosting_container(name)
            if container is not None:
                self.kubelet(container[0]).runtime.kill(container[1].id, exit_code=1)
        component.stop()

    # ----------------------------------------------------------------- kubeadm
    def init_kubeadm(self, node: NodeSpec | None = None) -> Kubelet:
        """``kubeadm init`` on a control-plane node (kind's ``kind-control-plane`` unless given):
        its kubelet gets the manifest directory with the control plane's static pods, the
        scheduler and controller manager run in those pods, kube-proxy in its DaemonSet's pods,
        and kubeadm's ConfigMaps, kube-proxy and CoreDNS are written through the API server
        (objects already there, as on a restarted server, are left as they are)."""
        spec = node or control_plane_node()
        self.kubeadm = True
        manifests = control_plane_manifests(spec.name, spec.internal_ip)
        self.kubeadm_manifests[spec.name] = manifests
        kubelet, _ = self.add_node(spec, ManifestDirectory(files=manifests))
        admin = self.client(KUBEADM_USER, "kubeadm")
        for obj in kubeadm_objects("kubernetes", spec.internal_ip):
            resource, meta = _RESOURCES[obj["kind"]], obj["metadata"]
            try:
                admin.get(resource, meta.get("namespace", ""), meta["name"])
                continue  # a restarted server: kubeadm ran before
            except APIError as exc:
                if not is_not_found(exc):
                    raise
            admin.create(resource, obj)
        return kubelet

    def hosted(self, name: str) -> bool:
        """Whether the component runs in a kube-system container (kubeadm clusters only)."""
        base = name.split("/", 1)[0]
        return self.kubeadm and base in HOSTED_CONTAINERS and (base == KUBE_PROXY) == ("/" in name)

    def _hosted_component(self, node: str, container: rt.Container) -> Component | None:
        if not self.kubeadm or container.namespace != NAMESPACE_SYSTEM or container.name not in HOSTED_CONTAINERS:
            return None
        return self.components.get(f"{KUBE_PROXY}/{node}" if container.name == KUBE_PROXY else container.name)

    def _hosting_container(self, name: str) -> tuple[str, rt.Container] | None:
        """(node, container) of the running container a hosted component runs in, if any: on its
        own node for a kube-proxy, on the control-plane nodes for the others."""
        for node in [name.split("/", 1)[1]] if "/" in name else list(self.kubeadm_manifests):
            runtime = self.kubelet(node).runtime
            for row in runtime.containers():
                c = runtime.get(row["id"])
                if c is not None and c.state == rt.RUNNING and not c.pause and \
                        getattr(self._hosted_component(node, c), "name", None) == name:
                    return node, c
        return None

    def _process_changed(self, node: str, container: rt.Container) -> None:
        """A container's process started or ended on ``node``: the component it runs follows.
        One the teacher holds down crashes a second after it starts."""
        component = self._hosted_component(node, container)
        if component is None:
            return
        if container.state == rt.RUNNING:
            if component.name in self.held_down:
                container.run_seconds, container.run_exit_code = CRASH_SECONDS, 1
            else:
                component.start()
        else:
            component.stop()

    def manifest_directory(self, node: str) -> ManifestDirectory:
        directory = self.kubelet(node).manifests
        if directory is None:
            raise SimulationError(f"node {node!r} has no static pod path (only a kubeadm control-plane node has one)")
        return directory

    def manifests(self, node: str = CONTROL_PLANE_HOST) -> dict:
        """``ls /etc/kubernetes/manifests`` with the files' content, what kubeadm wrote there and
        whether each file is as kubeadm wrote it."""
        directory = self.manifest_directory(node)
        original = self.kubeadm_manifests.get(node, {})
        files = [{"name": name, "path": directory.file_path(name), "manifest": manifest,
                  "pod": f"{(manifest.get('metadata') or {}).get('namespace') or 'default'}/"
                         f"{manifest['metadata']['name']}-{node.lower()}",
                  "kubeadm": original.get(name) == manifest}
                 for name, manifest in sorted(directory.files.items())]
        return {"node": node, "path": directory.path, "files": files,
                "removed": sorted(set(original) - set(directory.files))}

    def edit_manifest(self, node: str, name: str, *, manifest: dict | None = None, args: list[str] = ()) -> str:
        """Write a manifest file: a whole new one, or the file with its first container's
        command flags set (``--v=4`` replaces any ``--v=…``, else is added)."""
        directory = self.manifest_directory(node)
        name = _manifest_file(name)
        if manifest is None:
            manifest = directory.get(name)
            if manifest is None:
                raise SimulationError(f"{directory.file_path(name)}: no such file")
            if not args:
                raise SimulationError("say what to change: a command flag such as --v=4, or a whole manifest")
            container = ((manifest.get("spec") or {}).get("containers") or [{}])[0]
            command = list(container.get("command") or [])
            for arg in args:
                if not arg.startswith("--"):
                    raise SimulationError(f"{arg!r} is not a command flag (--name=value)")
                flag = arg.split("=", 1)[0] + "="
                at = next((i for i, a in enumerate(command) if a == arg.split("=", 1)[0] or a.startswith(flag)), None)
                if at is None:
                    command.append(arg)
                else:
                    command[at] = arg
            container["command"] = command
        try:
            directory.write(name, manifest)
        except ValueError as exc:
            raise SimulationError(str(exc)) from None
        return f"wrote {directory.file_path(name)}: the kubelet replaces the static pod (a new hash, a new mirror pod)"

    def remove_manifest(self, node: str, name: str) -> str:
        directory = self.manifest_directory(node)
        try:
            directory.remove(_manifest_file(name))
        except FileNotFoundError as exc:
            raise SimulationError(str(exc)) from None
        return f"removed {directory.file_path(_manifest_file(name))}: the kubelet stops the static pod"

    def restore_manifest(self, node: str, name: str) -> str:
        directory, name = self.manifest_directory(node), _manifest_file(name)
        original = self.kubeadm_manifests.get(node, {}).get(name)
        if original is None:
            raise SimulationError(f"kubeadm wrote no {directory.file_path(name)}")
        directory.write(name, original)
        return f"restored {directory.file_path(name)} as kubeadm wrote it"

    def change_manifest(self, op: dict) -> dict:
        """The control API's ``manifest`` operation: ``action`` edit (``args``: command flags, or
        a whole ``manifest``), remove or restore the ``file`` on ``node``; what happened in words."""
        node, name, action = op.get("node") or CONTROL_PLANE_HOST, op.get("file"), op.get("action")
        if not isinstance(name, str) or not name:
            raise SimulationError("file is required: the manifest's file name, e.g. kube-scheduler.yaml")
        if action == "edit":
            args, manifest = op.get("args") or [], op.get("manifest")
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                raise SimulationError("args must be a list of command flags, e.g. [\"--v=4\"]")
            if manifest is not None and not isinstance(manifest, dict):
                raise SimulationError("manifest must be a Pod object")
            return {"result": self.edit_manifest(node, name, manifest=manifest, args=args)}
        if action == "remove":
            return {"result": self.remove_manifest(node, name)}
        if action == "restore":
            return {"result": self.restore_manifest(node, name)}
        raise SimulationError(f"unknown manifest action {action!r}; expected edit, remove or restore")

    def manifest_overrides(self) -> dict[str, dict[str, dict | None]]:
        """Files that differ from what kubeadm wrote (None: removed), to persist."""
        out: dict[str, dict[str, dict | None]] = {}
        for node, original in self.kubeadm_manifests.items():
            files = self.kubelet(node).manifests.files
            changed = {name: files.get(name) for name in set(original) | set(files)
                       if files.get(name) != original.get(name)}
            if changed:
                out[node] = changed
        return out

    def restore_manifests(self, overrides: dict[str, dict[str, dict | None]]) -> None:
        for node, files in overrides.items():
            if node not in self.kubeadm_manifests:
                continue
            directory = self.manifest_directory(node)
            for name, manifest in files.items():
                if manifest is None:
                    directory.files.pop(name, None)
                else:
                    directory.files[name] = manifest

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

    def exec(self, node: str, pod: dict, container: str, command: list[str] | None, tty: bool = False) -> dict:
        """The kubelet of ``node`` running ``command`` in a container (what ``kubectl exec``
        reaches): ``stdout``, ``stderr``, ``exit_code``, the runtime's ``error`` if it could not
        start it, and the ``trace`` of its DNS questions and connections. ``command`` None only
        checks that the container runs. ``LookupError`` with the kubelet's words otherwise."""
        try:
            kubelet = self.kubelet(node)
        except SimulationError:
            raise LookupError(f"dial tcp {node}:10250: connect: no route to host") from None
        if not kubelet.running:
            address = self.node_specs[node].internal_ip
            raise LookupError(f"dial tcp {address}:10250: connect: connection refused")
        _, pod_ip = kubelet.running_container(pod, container)
        meta = pod["metadata"]
        if command is None:
            return {"stdout": "", "stderr": "", "exit_code": 0, "error": "", "trace": []}
        coredns = self.components.get(COREDNS)
        datapath = Datapath(f"{meta.get('namespace', '')}/{meta['name']}", pod_ip, self.proxy(node),
                            [c for c in self.components.values() if isinstance(c, Kubelet)],
                            coredns if isinstance(coredns, CoreDNS) else None, self.kernel.rng.random)
        result = kubelet.exec_in_container(pod, container, command, datapath, tty=tty)
        return {"stdout": result.stdout, "stderr": result.stderr, "exit_code": result.exit_code,
                "error": result.error, "trace": datapath.trace}

    def exec_pod(self, namespace: str, name: str, container: str, command: list[str]) -> dict:
        """:meth:`exec` for a pod named as a lesson names it (its first container by default);
        the kubelet's refusal comes back as ``error_kubelet``."""
        pod, node = self.pod(namespace, name)
        try:
            return self.exec(node, pod, container or pod["spec"]["containers"][0]["name"], command)
        except LookupError as exc:
            return {"error_kubelet": str(exc).strip("'\"")}

    def dns_queries(self) -> list[dict]:
        """CoreDNS's query log, oldest first."""
        coredns = self.components.get(COREDNS)
        return coredns.queries() if isinstance(coredns, CoreDNS) else []

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
                "nodes": [asdict(s) for s in self.node_specs.values()], "kubeadm": self.kubeadm}

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


#: The resources kubeadm's objects are, by kind.
_RESOURCES = {"ConfigMap": "configmaps", "ServiceAccount": "serviceaccounts", "ClusterRole": "clusterroles",
              "ClusterRoleBinding": "clusterrolebindings", "Deployment": "deployments", "Service": "services",
              "DaemonSet": "daemonsets"}


def _manifest_file(name: str) -> str:
    """``kube-scheduler`` or ``kube-scheduler.yaml``: the file's name in the directory."""
    return name if name.endswith((".yaml", ".yml", ".json")) else f"{name}.yaml"


def control_plane_node() -> NodeSpec:
    """kind's control-plane node as kubeadm labels and taints it, the control plane's images
    already pulled (kubeadm's preflight pulls them)."""
    return NodeSpec(name=CONTROL_PLANE_HOST, cpu="4", memory="8Gi", pod_cidr="10.244.0.0/24",
                    taints=[{"key": LABEL_NODE_ROLE_CONTROL_PLANE, "effect": "NoSchedule"}],
                    extra_labels={LABEL_NODE_ROLE_CONTROL_PLANE: "",
                                  "node.kubernetes.io/exclude-from-external-load-balancers": ""},
                    images=[component_image(c) for c in MANIFEST_FILES.values()] + [COREDNS_IMAGE])


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
                     kubeadm: bool = False, manifests: dict | None = None) -> SimCluster:
    """The usual control plane (one scheduler, one controller manager) plus ``nodes``, started.
    Pass ``kernel`` when the server stamps with its clock (see :class:`SimCluster`). With
    ``kubeadm`` the cluster is laid out as ``kubeadm init`` leaves it (:meth:`SimCluster.init_kubeadm`):
    a tainted control-plane node whose static pods run the control plane, before ``nodes``;
    ``manifests`` are the manifest files a teacher changed since (:meth:`SimCluster.manifest_overrides`)."""
    cluster = SimCluster(server, seed=seed, mode=mode, speed=speed, epoch=epoch, strict=strict, kernel=kernel,
                         watch_latency_seconds=watch_latency_seconds, wall_clock=wall_clock)
    if on_step is not None:
        cluster.kernel.step_listeners.append(on_step)
    cluster.add_controller_manager()
    cluster.add_scheduler()
    if kubeadm:
        cluster.init_kubeadm()
        cluster.restore_manifests(manifests or {})
    for spec in nodes:
        cluster.add_node(spec)
    cluster.add_dns()
    cluster.start()
    return cluster
