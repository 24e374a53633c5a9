"""The pod network as one pod's connections meet it: a packet leaves the pod, the node's
kernel applies kube-proxy's nat rules (:mod:`simulation.proxy.netfilter`: a Service IP is
DNATed to one endpoint, drawn with the rules' probabilities from the kernel's seeded random
source), and the pod holding the destination IP answers if a process of it listens on the
port — as its image does (:mod:`simulation.kubelet.programs`).

DNS is a connection like the others: a question to the resolv.conf nameserver
(``10.96.0.10:53/UDP``, ``kube-system/kube-dns``) is DNATed to one CoreDNS pod, which answers
from CoreDNS's watch (:class:`simulation.dns.coredns.CoreDNS`). With no CoreDNS endpoint, or
CoreDNS not running, the question gets no answer and times out.

Every question and every DNATed connection is remembered in :attr:`Datapath.trace`, what the
page shows of an exec.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from simulation.dns import records
from simulation.kubelet import runtime as rt
from simulation.kubelet.programs import serves
from simulation.kubelet.shell import Reply
from simulation.proxy import netfilter

if TYPE_CHECKING:
    from simulation.dns.coredns import CoreDNS
    from simulation.kubelet.kubelet import Kubelet
    from simulation.proxy.kube_proxy import KubeProxy

DNS_PORT = 53


@dataclass
class Endpoint:
    """A running pod holding an IP: its name, namespace and running containers' images."""

    pod: str
    namespace: str
    images: list[str]


@dataclass
class Datapath:
    """The network as seen from pod ``client`` (``namespace/name``, IP ``client_ip``) on the
    node whose kube-proxy is ``proxy``."""

    client: str
    client_ip: str
    proxy: KubeProxy
    kubelets: list[Kubelet]
    coredns: CoreDNS | None
    draw: Callable[[], float]
    trace: list[dict] = field(default_factory=list)

    def pod_at(self, ip: str) -> Endpoint | None:
        for kubelet in self.kubelets:
            for sandbox in kubelet.runtime.pods():
                if sandbox["ip"] != ip or sandbox["state"] != rt.SANDBOX_READY:
                    continue
                images = [c["image"] for c in kubelet.runtime.containers()
                          if c["pod_id"] == sandbox["id"] and not c["pause"] and c["state"] == rt.RUNNING]
                return Endpoint(sandbox["name"], sandbox["namespace"], images)
        return None

    def _destination(self, ip: str, port: int, protocol: str) -> tuple[netfilter.Verdict, str, int]:
        verdict = self.proxy.route(ip, port, protocol, self.draw)
        if verdict.action == netfilter.DNAT:
            host, _, target_port = verdict.endpoint.rpartition(":")
            return verdict, host, int(target_port)
        return verdict, ip, port

    def ask(self, nameserver: str, qname: str, qtype: str) -> records.Answer | None:
        verdict, ip, port = self._destination(nameserver, DNS_PORT, "udp")
        server = self.pod_at(ip) if verdict.action != netfilter.REJECT else None
        answer = None
        if server is not None and self.coredns is not None and any(serves(i, port) for i in server.images) \
                and port == DNS_PORT:
            answer = self.coredns.serve(qname, qtype, server=f"{server.namespace}/{server.pod}", client=self.client,
                                        client_ip=self.client_ip)
        self.trace.append({"type": "dns", "name": qname, "qtype": qtype,
                           "server": f"{server.namespace}/{server.pod}" if server else "",
                           "rcode": answer.rcode if answer else "timeout",
                           "answers": [r.value for r in answer.records] if answer else []})
        return answer

    def connect(self, ip: str, port: int) -> Reply:
        verdict, host, target_port = self._destination(ip, port, "tcp")
        if verdict.action == netfilter.REJECT:
            self.trace.append({"type": "connect", "ip": ip, "port": port, "service": verdict.service,
                               "result": "refused"})
            return Reply(error="refused")
        server = self.pod_at(host)
        if server is None:
            reply = Reply(error="timeout")
        else:
            image = next((i for i in server.images if serves(i, target_port)), "")
            reply = Reply(pod=server.pod, image=image) if image else Reply(error="refused")
        self.trace.append({"type": "connect", "ip": ip, "port": port, "service": verdict.service,
                           "endpoint": f"{host}:{target_port}", "chain": verdict.endpoint_chain,
                           "pod": f"{server.namespace}/{server.pod}" if server and reply.pod else "",
                           "result": reply.error or "ok"})
        return reply
