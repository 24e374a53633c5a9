"""The page's log of what ``kubectl exec`` did on the network: a DNS question (here with no
CoreDNS pod to answer it: timed out) and a connection to a Service's IP, with the backend the
node's rules DNATed it to."""
from __future__ import annotations

import functools

import pytest

from tests.e2e.conftest import get_json, ok, unique, wait_for

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_an_exec_shows_its_dns_questions_and_connections(cluster_page, kubectl, admin_kubeconfig_live, shot):
    kc = functools.partial(kubectl, kubeconfig=admin_kubeconfig_live)
    ns = unique("exec")
    ok(kc("create", "namespace", ns))
    ok(kc("create", "deployment", "kubia", "--image=luksa/kubia", "-n", ns))
    ok(kc("expose", "deployment", "kubia", "--port=80", "--target-port=8080", "-n", ns))
    pod = wait_for(lambda: next((p for p in get_json(kc, "pods", "-n", ns)["items"]
                                 if p["status"].get("phase") == "Running"), None), timeout=90)
    name = pod["metadata"]["name"]
    ip = get_json(kc, "service", "kubia", "-n", ns)["spec"]["clusterIP"]
    wait_for(lambda: kc("exec", name, "-n", ns, "--", "curl", "-s", f"http://{ip}")[1] == f"You've hit {name}\n",
             timeout=30)
    kc("exec", name, "-n", ns, "--", "nslookup", "kubia")
    log = cluster_page.locator("#traffic-log")
    log.locator("li.connect", has_text=f"connect {ip}:80 (Service {ns}/kubia) → DNAT {pod['status']['podIP']}:8080 · "
                                          f"{ns}/{name} answered") \
        .first.wait_for(timeout=20000)
    dns = log.locator("li.dns", has_text=f"DNS A kubia.{ns}.svc.cluster.local. ← {ns}/{name}").first
    dns.wait_for(timeout=20000)
    assert "no server answered: timed out" in dns.inner_text()
    shot(cluster_page, "exec-traffic-log")
