"""The CoreDNS kubernetes plugin's answers, table-driven: what ``dig`` would get for each name."""
from __future__ import annotations

import pytest

from simulation.dns.records import NOERROR, NXDOMAIN, ClusterView, answer


def service(name: str, ns: str, cluster_ip: str, ports: list[dict], **spec) -> dict:
    return {"metadata": {"name": name, "namespace": ns}, "spec": {"clusterIP": cluster_ip, "ports": ports, **spec}}


def endpoint_slice(ns: str, svc: str, endpoints: list[tuple[str, bool, str]], ports: list[dict]) -> dict:
    return {"metadata": {"name": f"{svc}-abcde", "namespace": ns, "labels": {"kubernetes.io/service-name": svc}},
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}, **({"hostname": host} if host else {})}
                          for ip, ready, host in endpoints], "ports": ports}


VIEW = ClusterView(
    services={("default", "kubia"): service("kubia", "default", "10.96.12.34",
                                            [{"name": "http", "port": 80, "protocol": "TCP"}]),
              ("default", "db"): service("db", "default", "None", [{"name": "pg", "port": 5432}]),
              ("default", "ext"): {"metadata": {"name": "ext", "namespace": "default"},
                                   "spec": {"type": "ExternalName", "externalName": "example.com"}}},
    slices={("default", "db"): [endpoint_slice("default", "db", [("10.244.2.7", True, "db-1"),
                                                                 ("10.244.1.5", True, "db-0"),
                                                                 ("10.244.1.9", False, "db-2")],
                                               [{"name": "pg", "port": 5432, "protocol": "TCP"}])]},
    namespaces={"default", "kube-system"})


@pytest.mark.parametrize("name,qtype,rcode,values", [
    ("kubia.default.svc.cluster.local.", "A", NOERROR, ["10.96.12.34"]),
    ("kubia.default.svc.cluster.local", "AAAA", NOERROR, []),
    ("db.default.svc.cluster.local.", "A", NOERROR, ["10.244.1.5", "10.244.2.7"]),
    ("db-0.db.default.svc.cluster.local.", "A", NOERROR, ["10.244.1.5"]),
    ("db-2.db.default.svc.cluster.local.", "A", NXDOMAIN, []),
    ("_http._tcp.kubia.default.svc.cluster.local.", "SRV", NOERROR, ["0 100 80 kubia.default.svc.cluster.local."]),
    ("_pg._tcp.db.default.svc.cluster.local.", "SRV", NOERROR,
     ["0 50 5432 db-0.db.default.svc.cluster.local.", "0 50 5432 db-1.db.default.svc.cluster.local."]),
    ("_nope._tcp.kubia.default.svc.cluster.local.", "SRV", NXDOMAIN, []),
    ("ext.default.svc.cluster.local.", "A", NOERROR, ["example.com."]),
    ("10-244-1-5.default.pod.cluster.local.", "A", NOERROR, ["10.244.1.5"]),
    ("10-244-1-5.nowhere.pod.cluster.local.", "A", NXDOMAIN, []),
    ("nope.default.svc.cluster.local.", "A", NXDOMAIN, []),
    ("kubia.nowhere.svc.cluster.local.", "A", NXDOMAIN, []),
    ("default.svc.cluster.local.", "A", NOERROR, []),
    ("kubia.default.", "A", NXDOMAIN, []),
], ids=["clusterip", "no-aaaa", "headless-ready-only", "headless-hostname", "not-ready-hostname", "srv",
        "srv-headless", "srv-unknown-port", "externalname-cname", "pod", "pod-unknown-namespace", "unknown-service",
        "unknown-namespace", "namespace-zone-nodata", "outside-the-domain"])
def test_answer(name, qtype, rcode, values):
    result = answer(VIEW, name, qtype)
    assert (result.rcode, [r.value for r in result.records]) == (rcode, values)


def test_publish_not_ready_addresses_answers_every_endpoint():
    view = ClusterView(dict(VIEW.services), VIEW.slices, VIEW.namespaces)
    view.services[("default", "db")] = service("db", "default", "None", [], publishNotReadyAddresses=True)
    assert [r.value for r in answer(view, "db.default.svc.cluster.local", "A").records] == \
        ["10.244.1.5", "10.244.1.9", "10.244.2.7"]
