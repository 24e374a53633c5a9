"""``kubectl get ingress`` / ``ingressclass`` cells as upstream's printers make them."""
from __future__ import annotations

import pytest

from simulation.apiserver.printers.networking import format_hosts, format_parameters, print_ingress


@pytest.mark.parametrize("hosts,want", [
    ([], "*"), ([""], "*"), (["a.com"], "a.com"), (["a.com", "", "b.com"], "a.com,b.com"),
    (["a", "b", "c", "d", "e"], "a,b,c + 2 more..."),
], ids=["no rules", "no host", "one", "skips hostless", "three then more"])
def test_format_hosts(hosts, want):
    assert format_hosts([{"host": h} if h else {} for h in hosts]) == want


def test_ingress_row():
    ing = {"metadata": {"name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"rules": [{"host": "a.com"}], "tls": [{"hosts": ["a.com"]}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.3"}, {"hostname": "lb.example.com"}]}}}
    assert print_ingress(ing, 1767225600.0 + 60)[:5] == ["web", "<none>", "a.com", "172.18.0.3,lb.example.com", "80, 443"]


@pytest.mark.parametrize("params,want", [(None, "<none>"), ({"kind": "Config", "name": "c"}, "Config/c"),
                                         ({"apiGroup": "k8s.example.com", "kind": "Config", "name": "c"},
                                          "Config.k8s.example.com/c")])
def test_format_parameters(params, want):
    assert format_parameters(params) == want
