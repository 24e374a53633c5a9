"""A highly available control plane (chapter 11.6), as kind builds one with three
control-plane nodes: ``kubeadm init`` on the first, ``kubeadm join --control-plane`` on the
others. Each node's kubelet runs etcd, kube-apiserver, kube-controller-manager and
kube-scheduler as static pods; the etcd members form one Raft cluster, the API servers stand
behind a load balancer, and the scheduler and controller manager replicas elect a leader
through their Leases. A mixin of :class:`simulation.cluster.SimCluster`.

etcd members and API servers are components like the others, named after their node as
kubelets are (``etcd/kind-control-plane2``, ``kube-apiserver/kind-control-plane3``): a teacher
stops one from the page, ``manage.py sim stop`` or a lesson, and its static pod's container
crashes until it is started again.
"""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.timestamps import rfc3339_micro
from simulation.apimachinery.wellknown import KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER
from simulation.apiserver.bootstrap import APISERVER
from simulation.apiserver.endpointreconciler import reconcile as reconcile_kubernetes_endpoints
from simulation.apiserver.loadbalancer import Instance, LoadBalancer
from simulation.client.component import Component
from simulation.etcd import EtcdCluster, Member
from simulation.kubeadm.manifests import ETCD, KUBE_APISERVER
from simulation.kubelet.node_spec import NodeSpec

from .errors import SimulationError
from .kubeadm import CONTROL_PLANE_HOST, control_plane_node

#: How many control-plane nodes a highly available cluster has: the smallest etcd cluster that
#: survives the loss of one member.
HA_CONTROL_PLANE_NODES = 3
#: Pod CIDRs of the joined control-plane nodes, out of the range workers are given
#: (``10.244.1.0/24`` onwards), so their addresses (172.18.0.252, .253) never collide.
JOINED_POD_CIDRS = ("10.244.250.0/24", "10.244.251.0/24")


class EtcdMemberProcess(Component):
    """The etcd process of one member: running, it takes part in Raft; stopped, the others
    carry on without it while they are a quorum."""

    kind = "etcd"

    def __init__(self, node: str, etcd: EtcdCluster, **kwargs) -> None:
        super().__init__(f"{ETCD}/{node}", node=node, **kwargs)
        self.etcd = etcd

    def run(self) -> None:
        self.etcd.start(self.node)

    def stop(self) -> None:
        super().stop()
        self.etcd.stop(self.node)  # also when its container never started (a restored stop)

    def status(self) -> dict:
        return {**super().status(), "leader": self.etcd.leader == self.node, "term": self.etcd.term}


class APIServerProcess(Component):
    """One kube-apiserver: running, the load balancer sends it requests; stopped, its watches
    end and clients reconnect through the others."""

    kind = "apiserver"

    def __init__(self, node: str, instance: Instance, on_change, **kwargs) -> None:
        super().__init__(f"{KUBE_APISERVER}/{node}", node=node, **kwargs)
        self.instance = instance
        self._on_change = on_change

    def run(self) -> None:
        self.instance.start()
        self._on_change()

    def stop(self) -> None:
        super().stop()
        self.instance.stop()
        self._on_change()

    def status(self) -> dict:
        return {**super().status(), "requests": self.instance.served, "watches": self.instance.watches()}


def joined_control_plane_node(index: int) -> NodeSpec:
    """kind's ``kind-control-plane<index>`` (2 or 3), labelled and tainted as the first."""
    first = control_plane_node()
    return NodeSpec(name=f"{CONTROL_PLANE_HOST}{index}", cpu=first.cpu, memory=first.memory,
                    pod_cidr=JOINED_POD_CIDRS[index - 2], taints=first.taints, extra_labels=first.extra_labels,
                    images=first.images)


def ha_members() -> list[tuple[str, str]]:
    """(node, address) of each control-plane node: where an etcd member and an API server run."""
    return [(n.name, n.internal_ip) for n in control_plane_nodes(ha=True)]


def install(server: Any, etcd: EtcdCluster, balancer: LoadBalancer) -> None:
    """Put etcd's members and the load balancer in front of ``server``: its requests need the
    members' quorum and go to the running API servers, and ``kubectl get cs`` lists every member
    (``etcd-0``…) instead of the store's one probe."""
    if server.etcd is None:
        probed = server.component_statuses
        server.component_statuses = lambda: [s for s in probed() if not s["metadata"]["name"].startswith("etcd-")] \
            + server.etcd.component_statuses()
    server.etcd = etcd
    server.load_balancer = balancer


def control_plane_nodes(ha: bool) -> list[NodeSpec]:
    """A kubeadm cluster's control-plane nodes: kind's first, and with ``ha`` the two joining it."""
    return [control_plane_node()] + ([joined_control_plane_node(i) for i in range(2, HA_CONTROL_PLANE_NODES + 1)]
                                     if ha else [])


class HighlyAvailableControlPlane:
    #: Set by :meth:`init_ha`: the cluster has several control-plane nodes.
    ha = False

    def init_ha(self) -> None:
        """Three control-plane nodes: etcd members with one Raft leader, API servers behind the
        load balancer (every request, kubectl's and the components', goes through it), and
        three replicas each of the scheduler and controller manager electing their leaders."""
        nodes = control_plane_nodes(ha=True)
        members = ha_members()
        server = self.server
        install(server, EtcdCluster([Member(name, ip) for name, ip in members], seed=self.kernel.seed,
                                    clock=self.kernel.wall_time), LoadBalancer(server.store, members))
        self.ha = True
        self.init_kubeadm(nodes[0], members=members)
        for spec in nodes[1:]:
            self.join_control_plane(spec, members=members)
        for spec in nodes:
            self._add(EtcdMemberProcess(spec.name, server.etcd, kernel=self.kernel, client=self.observer))
            self._add(APIServerProcess(spec.name, server.load_balancer.instance(spec.name),
                                       self._reconcile_apiserver_endpoints, kernel=self.kernel,
                                       client=self.observer))
        self.set_replicas("scheduler", HA_CONTROL_PLANE_NODES)
        self.set_replicas("controller-manager", HA_CONTROL_PLANE_NODES)
        self._reconcile_apiserver_endpoints()

    def _reconcile_apiserver_endpoints(self) -> None:
        """The ``kubernetes`` Service lists the API servers that run (their leases are renewed)."""
        balancer = self.server.load_balancer
        running = tuple(i.address for i in balancer.instances if i.running)
        if running and self.server.etcd.has_quorum():
            reconcile_kubernetes_endpoints(self.server, APISERVER, ips=running,
                                           port=int(self.server.server_address.rsplit(":", 1)[1]))

    def refuse_last_apiserver(self, name: str) -> None:
        """Stopping every API server would leave nobody to answer kubectl, the page or the
        lesson: the last one running is kept."""
        balancer = self.server.load_balancer
        if balancer is None or not name.startswith(f"{KUBE_APISERVER}/"):
            return
        others = [i for i in balancer.instances if i.running and i.node != name.split("/", 1)[1]]
        if not others:
            raise SimulationError(f"{name} is the last API server running: stopping it would cut kubectl and this "
                                  f"page off from the cluster")

    def control_plane_replica(self, base: str, node: str) -> str:
        """The component a control-plane node's static pod runs: ``kube-scheduler`` on the first
        node, ``kube-scheduler-2`` on ``kind-control-plane2``, …; ``etcd/<node>`` and
        ``kube-apiserver/<node>`` for the per-node processes."""
        if base in (ETCD, KUBE_APISERVER):
            return f"{base}/{node}"
        suffix = node[len(CONTROL_PLANE_HOST):]
        return base if not suffix else f"{base}-{suffix}"

    def etcd_log(self, node: str, since: float = 0.0) -> list[tuple[float, str]]:
        """The raft lines the member on ``node`` logged since ``since`` (epoch seconds), as etcd
        3.5 writes them (zap's JSON), for ``kubectl logs`` of its static pod."""
        return [(at, f'{{"level":"info","ts":"{rfc3339_micro(at)}","logger":"raft",'
                     f'"caller":"etcdserver/zap_raft.go:77","msg":"{message}"}}')
                for at, message in self.server.etcd.logs(node) if at >= since]

    def ha_state(self) -> dict | None:
        if not self.ha:
            return None
        return {"etcd": self.server.etcd.state(), "apiservers": self.server.load_balancer.state(),
                "leaders": {kind: self._lease_holder(base) for kind, base in
                            (("scheduler", KUBE_SCHEDULER), ("controller-manager", KUBE_CONTROLLER_MANAGER))}}

    def _lease_holder(self, base: str) -> str | None:
        for name, component in self.components.items():
            if (name == base or name.startswith(base + "-")) and component.leading:
                return name
        return None
