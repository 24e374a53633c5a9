"""``exec`` into a running container of a headless cluster: the simulated shell's commands,
DNS through the kube-dns Service's rules to a CoreDNS pod, and ``curl`` through a Service's
rules to the backend they pick, with the rules' probabilities."""
from __future__ import annotations

from collections import Counter

import pytest

from simulation.client.apiclient import APIClient
from simulation.cluster import SimCluster
from tests.simulation.test_cluster import make_cluster


def deployment(name: str, namespace: str, image: str, labels: dict, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": name, "image": image}]}}}}


def service(name: str, namespace: str, selector: dict, ports: list[dict], cluster_ip: str = "") -> dict:
    spec = {"selector": selector, "ports": ports, **({"clusterIP": cluster_ip} if cluster_ip else {})}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


KUBE_DNS = service("kube-dns", "kube-system", {"k8s-app": "kube-dns"},
                   [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}],
                   "10.96.0.10")


def running(admin: APIClient, namespace: str, selector: str) -> list[dict]:
    items, _ = admin.list("pods", namespace, label_selector=selector)
    return [p for p in items if (p.get("status") or {}).get("phase") == "Running"]


def with_kubia(seed: int = 7, coredns: int = 2) -> tuple[SimCluster, APIClient]:
    cluster, admin = make_cluster(seed)
    if coredns:
        admin.create("deployments", deployment("coredns", "kube-system", "registry.k8s.io/coredns/coredns:v1.12.0",
                                               {"k8s-app": "kube-dns"}, coredns), "kube-system")
    admin.create("services", KUBE_DNS, "kube-system")
    admin.create("deployments", deployment("kubia", "default", "luksa/kubia", {"app": "kubia"}, 3), "default")
    admin.create("services", service("kubia", "default", {"app": "kubia"}, [{"name": "http", "port": 80,
                                                                            "targetPort": 8080}]), "default")
    assert cluster.kernel.run_until_true(lambda: len(running(admin, "default", "app=kubia")) == 3
                                         and len(running(admin, "kube-system", "k8s-app=kube-dns")) == coredns,
                                         timeout_seconds=90)
    cluster.kernel.run_for(5)  # endpoints, slices and every node's rules follow
    return cluster, admin


@pytest.fixture(scope="module")
def kubia():
    return with_kubia()


def exec_in(cluster: SimCluster, pod: dict, *command: str) -> dict:
    return cluster.exec(pod["spec"]["nodeName"], pod, pod["spec"]["containers"][0]["name"], list(command))


def client_pod(admin: APIClient) -> dict:
    return sorted(running(admin, "default", "app=kubia"), key=lambda p: p["metadata"]["name"])[0]


def test_hostname_resolv_conf_hosts_and_env_are_the_kubelets(kubia):
    cluster, admin = kubia
    pod = client_pod(admin)
    name, ip = pod["metadata"]["name"], pod["status"]["podIP"]
    assert exec_in(cluster, pod, "hostname")["stdout"] == f"{name}\n"
    assert exec_in(cluster, pod, "cat", "/etc/resolv.conf")["stdout"] == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")
    assert exec_in(cluster, pod, "cat", "/etc/hosts")["stdout"].endswith(f"\n{ip}\t{name}\n")
    env = dict(line.split("=", 1) for line in exec_in(cluster, pod, "env")["stdout"].splitlines())
    kubia_ip = admin.get("services", "default", "kubia")["spec"]["clusterIP"]
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1" and env["KUBERNETES_SERVICE_PORT"] == "443"
    assert (env["KUBIA_SERVICE_HOST"], env["KUBIA_SERVICE_PORT_HTTP"], env["KUBIA_PORT_80_TCP"]) == \
        (kubia_ip, "80", f"tcp://{kubia_ip}:80")
    assert "KUBE_DNS_SERVICE_HOST" not in env  # another namespace's Services are not linked
    addr = exec_in(cluster, pod, "ip", "addr")["stdout"]
    assert f"    inet {ip}/24 brd {ip.rsplit('.', 1)[0]}.255 scope global eth0\n" in addr


def test_nslookup_is_answered_by_a_coredns_pod_from_its_watch(kubia):
    cluster, admin = kubia
    pod = client_pod(admin)
    kubia_ip = admin.get("services", "default", "kubia")["spec"]["clusterIP"]
    result = exec_in(cluster, pod, "nslookup", "kubia")
    assert result["stdout"] == ("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n"
                                f"Name:\tkubia.default.svc.cluster.local\nAddress: {kubia_ip}\n\n")
    coredns_pods = {f"kube-system/{p['metadata']['name']}" for p in running(admin, "kube-system", "k8s-app=kube-dns")}
    query = [q for q in cluster.dns_queries() if q["type"] == "A"][-1]
    assert (query["client"], query["name"], query["rcode"], query["answers"]) == \
        (f"default/{pod['metadata']['name']}", "kubia.default.svc.cluster.local.", "NOERROR", [f"A {kubia_ip}"])
    assert query["server"] in coredns_pods
    missing = exec_in(cluster, pod, "nslookup", "nope")
    assert (missing["stdout"].splitlines()[3], missing["exit_code"]) == ("** server can't find nope: NXDOMAIN", 1)


def test_curl_reaches_each_backend_with_the_rules_probability(kubia):
    cluster, admin = kubia
    pod = client_pod(admin)
    backends = sorted(p["metadata"]["name"] for p in running(admin, "default", "app=kubia"))
    answers = Counter(exec_in(cluster, pod, "curl", "-s", "http://kubia")["stdout"] for _ in range(300))
    assert set(answers) == {f"You've hit {name}\n" for name in backends}
    assert all(abs(count / 300 - 1 / 3) < 0.06 for count in answers.values()), answers
    assert exec_in(cluster, pod, "wget", "-qO-", "http://kubia")["stdout"] in answers
    assert exec_in(cluster, pod, "wget", "-qO-", "http://nowhere")["stderr"] == "wget: bad address 'nowhere'\n"


def test_the_same_seed_picks_the_same_backends():
    picks = []
    for _ in range(2):
        cluster, admin = with_kubia(seed=11)
        pod = client_pod(admin)
        picks.append([exec_in(cluster, pod, "curl", "-s", "kubia")["stdout"] for _ in range(20)])
    assert picks[0] == picks[1] and len(set(picks[0])) > 1


def test_errors_and_exit_codes(kubia):
    cluster, admin = kubia
    pod = client_pod(admin)
    assert exec_in(cluster, pod, "sh", "-c", "frobnicate") == {"stdout": "", "stderr": "sh: frobnicate: not found\n",
                                                              "exit_code": 127, "error": "", "trace": []}
    direct = exec_in(cluster, pod, "frobnicate")
    assert direct["error"].endswith('OCI runtime exec failed: exec failed: unable to start container process: exec: '
                                    '"frobnicate": executable file not found in $PATH: unknown')
    assert exec_in(cluster, pod, "curl", "http://nowhere")["stderr"] == "curl: (6) Could not resolve host: nowhere\n"
    assert exec_in(cluster, pod, "sh", "-c", "hostname && exit 3")["exit_code"] == 3
    admin.create("services", service("empty", "default", {"app": "none"}, [{"port": 80}]), "default")
    cluster.kernel.run_for(5)
    refused = exec_in(cluster, pod, "curl", "-s", "-S", "http://empty")
    assert (refused["stderr"], refused["exit_code"]) == (
        "curl: (7) Failed to connect to empty port 80 after 1 ms: Couldn't connect to server\n", 7)


def test_without_coredns_pods_a_lookup_times_out():
    cluster, admin = with_kubia(coredns=0)
    pod = client_pod(admin)
    result = exec_in(cluster, pod, "nslookup", "kubia")
    assert (result["stdout"], result["exit_code"]) == (";; connection timed out; no servers could be reached\n\n", 1)
    assert exec_in(cluster, pod, "curl", "http://kubia")["exit_code"] == 6


def test_a_container_that_does_not_run_cannot_be_exec_into(kubia):
    cluster, admin = kubia
    pod = client_pod(admin)
    with pytest.raises(LookupError, match=r'container not found \("other"\)'):
        cluster.exec(pod["spec"]["nodeName"], pod, "other", ["hostname"])
