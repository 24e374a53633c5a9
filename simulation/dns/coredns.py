"""CoreDNS's ``kubernetes`` plugin as a process of the cluster: its own watch of Services,
EndpointSlices and Namespaces (upstream's ``dnsController``), answering questions from its
caches, and a log of the questions it answered.

Promises:

* It is handed an API client (``system:serviceaccount:kube-system:coredns``, bound to
  ``system:coredns`` as kubeadm binds it) and reads through its informers, nothing else. Its
  watch events change no object and act on nothing until a question comes: CoreDNS keeps
  no state but the caches.
* :meth:`CoreDNS.serve` answers one question as the CoreDNS pod the packet reached (the
  querying node's kube-proxy rules picked it among the ready pods of ``kube-system/kube-dns``);
  every question is remembered in :attr:`CoreDNS.query_log` with who asked, which pod
  answered and what (the page shows it). A stopped CoreDNS answers nothing: the client's
  question times out, as with no CoreDNS pod at all.
"""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field

from simulation.apimachinery.wellknown import CLUSTER_DOMAIN
from simulation.client.apiclient import APIClient
from simulation.client.component import Component
from simulation.kernel import Kernel

from . import records

LABEL_SERVICE_NAME = "kubernetes.io/service-name"
#: How many questions the log keeps.
QUERY_LOG_SIZE = 200


@dataclass
class Query:
    """One question and its answer, as the query log shows it."""

    time_seconds: float
    client: str
    client_ip: str
    server: str
    name: str
    type: str
    rcode: str
    answers: list[str] = field(default_factory=list)


class CoreDNS(Component):
    kind = "coredns"

    def __init__(self, name: str, kernel: Kernel, client: APIClient, *, domain: str = CLUSTER_DOMAIN) -> None:
        super().__init__(name, kernel, client)
        self.domain = domain
        self.query_log: deque[Query] = deque(maxlen=QUERY_LOG_SIZE)

    def run(self) -> None:
        self.services_informer = self.informer("services")
        self.slices_informer = self.informer("endpointslices")
        self.namespaces_informer = self.informer("namespaces")

    def view(self) -> records.ClusterView:
        """The caches as the plugin reads them."""
        services = {(s["metadata"].get("namespace", ""), s["metadata"]["name"]): s
                    for s in self.services_informer.lister.list()}
        slices: dict[tuple[str, str], list[dict]] = {}
        for eps in self.slices_informer.lister.list():
            service = (eps["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME)
            if service:
                slices.setdefault((eps["metadata"].get("namespace", ""), service), []).append(eps)
        namespaces = {n["metadata"]["name"] for n in self.namespaces_informer.lister.list()}
        return records.ClusterView(services, slices, namespaces)

    def serve(self, qname: str, qtype: str, *, server: str, client: str, client_ip: str) -> records.Answer | None:
        """The answer of CoreDNS pod ``server`` to ``client``'s question; None when this
        process is not running (the question is lost)."""
        if not self.running:
            return None
        result = records.answer(self.view(), qname, qtype, self.domain)
        self.query_log.append(Query(self.kernel.now_seconds, client, client_ip, server, qname.rstrip(".") + ".",
                                    qtype, result.rcode, [f"{r.type} {r.value}" for r in result.records]))
        return result

    def queries(self, since: int = 0) -> list[dict]:
        return [asdict(q) for q in list(self.query_log)[since:]]

    def status(self) -> dict:
        out = super().status()
        out.update(queries=len(self.query_log))
        return out
