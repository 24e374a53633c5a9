"""What the page's inspectors and ``manage.py sim`` read of the nodes' networks and run in
pods: ``ip addr``/``ip route``, a packet's path, ``kubectl exec`` and CoreDNS's query log.
A mixin of :class:`simulation.cluster.SimCluster`; objects are read through the API server.
"""
from __future__ import annotations


from simulation.apimachinery.wellknown import (COREDNS)
from simulation.client.apiclient import APIError
from simulation.datapath import Datapath
from simulation.dns.coredns import CoreDNS
from simulation.kubelet.kubelet import Kubelet
from simulation.network import iproute
from simulation.network.path import NodeNet, PathError, path
from simulation.network.target import TargetError, resolve_target

from .errors import SimulationError



class Inspection:
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

    def exec(self, node: str, pod: dict, container: str, command: list[str] | None, tty: bool = False,
             stdin_closed: int | None = None) -> dict:
        """The kubelet of ``node`` running ``command`` in a container (what ``kubectl exec``
        reaches): ``stdout``, ``stderr``, ``exit_code``, the runtime's ``error`` if it could not
        start it, and the ``trace`` of its DNS questions and connections. ``command`` None only
        checks that the container runs; ``stdin_closed`` (an exit code) says an attach to the
        container's own shell ended. ``LookupError`` with the kubelet's words otherwise."""
        try:
            kubelet = self.kubelet(node)
        except SimulationError:
            raise LookupError(f"dial tcp {node}:10250: connect: no route to host") from None
        if not kubelet.running:
            address = self.node_specs[node].internal_ip
            raise LookupError(f"dial tcp {address}:10250: connect: connection refused")
        _, pod_ip = kubelet.running_container(pod, container)
        meta = pod["metadata"]
        if stdin_closed is not None:
            kubelet.stdin_closed(pod, container, stdin_closed)
        if command is None:
            return {"stdout": "", "stderr": "", "exit_code": 0, "error": "", "trace": []}
        coredns = self.components.get(COREDNS)
        datapath = Datapath(f"{meta.get('namespace', '')}/{meta['name']}", pod_ip, self.proxy(node),
                            [c for c in self.components.values() if isinstance(c, Kubelet)],
                            coredns if isinstance(coredns, CoreDNS) else None, self.kernel.rng.random)
        result = kubelet.exec_in_container(pod, container, command, datapath, tty=tty)
        return {"stdout": result.stdout, "stderr": result.stderr, "exit_code": result.exit_code,
                "error": result.error, "trace": datapath.trace}

    def port_forward(self, node: str, pod: dict, port: int, request: bytes) -> bytes:
        """The kubelet of ``node`` forwarding ``request`` to ``port`` of the pod (what ``kubectl
        port-forward`` reaches); ``LookupError`` with the kubelet's words."""
        try:
            kubelet = self.kubelet(node)
        except SimulationError:
            raise LookupError(f"dial tcp {node}:10250: connect: no route to host") from None
        if not kubelet.running:
            raise LookupError(f"dial tcp {self.node_specs[node].internal_ip}:10250: connect: connection refused")
        return kubelet.port_forward(pod, port, request)

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
