"""A new cluster, from the home page's form (staff only), the admin or ``manage.py
createcluster``: made as the demo is (tokens, namespaces, RBAC), with the nodes asked for,
marked for simulation; refusals readable, nothing half-made."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from clusterviz.clusters import apiservers
from clusterviz.clusters.forms import layout_data
from clusterviz.clusters.models import Cluster, ObjectRecord, TokenRecord
from clusterviz.clusters.topology import node_specs
from simulation.cluster import demo_nodes

pytestmark = pytest.mark.django_db(transaction=True)

TWO_NODES = [
    {"name": "big", "cpu": "6", "memory": "12Gi", "zone": "zone-x", "taints": "", "labels": ""},
    {"name": "gpu", "cpu": "3", "memory": "6Gi", "zone": "zone-y", "taints": "dedicated=gpu:NoSchedule",
     "labels": "accelerator=gpu"},
]


@pytest.fixture(autouse=True)
def audit_written():
    """Each cluster's audit trail written before the test's database goes away."""
    yield
    for name in Cluster.objects.values_list("name", flat=True):
        apiservers.get(name).audit_sink.flush()


def post(client, name: str, rows: list[dict], **cluster) -> object:
    return client.post("/", layout_data({"name": name, "seed": 7, "speed": 2, **cluster}, rows))


def made_as_the_demo_is(cluster: Cluster) -> None:
    assert TokenRecord.objects.filter(cluster=cluster, user="admin", groups=["system:masters"]).exists()
    keys = set(ObjectRecord.objects.filter(cluster=cluster).values_list("key", flat=True))
    assert {"/registry/namespaces/default", "/registry/namespaces/kube-system"} <= keys
    assert cluster.sim_state["enabled"] is True


def test_only_staff_see_the_form_and_may_post_it(client) -> None:
    assert "New cluster" not in client.get("/").content.decode()
    assert post(client, "sneaky", TWO_NODES).status_code == 403
    User.objects.create_user("student", password="pw")
    client.login(username="student", password="pw")
    assert "New cluster" not in client.get("/").content.decode()
    assert post(client, "sneaky", TWO_NODES).status_code == 403
    assert not Cluster.objects.filter(name="sneaky").exists()


def test_the_form_is_prefilled_with_the_demo_layout(admin_client) -> None:
    page = admin_client.get("/").content.decode()
    assert "New cluster" in page
    for spec in demo_nodes():
        assert f'value="{spec.name}"' in page and f'value="{spec.memory}"' in page
    assert 'value="dedicated=gpu:NoSchedule"' in page and 'value="accelerator=gpu"' in page


def test_a_teacher_creates_a_simulated_cluster_with_the_nodes_asked_for(admin_client) -> None:
    response = post(admin_client, "class-b", TWO_NODES)

    assert response.status_code == 302 and response["Location"] == "/#cluster-class-b"
    cluster = Cluster.objects.get(name="class-b")
    made_as_the_demo_is(cluster)
    assert (cluster.sim_state["seed"], cluster.sim_state["speed"]) == (7, 2.0)
    specs = node_specs(cluster.sim_state)
    assert [(s.name, s.cpu, s.memory, s.zone, s.taints, s.extra_labels, s.pod_cidr) for s in specs] == [
        ("big", "6", "12Gi", "zone-x", [], {}, "10.244.1.0/24"),
        ("gpu", "3", "6Gi", "zone-y", [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
         {"accelerator": "gpu"}, "10.244.2.0/24")]
    page = admin_client.get(response["Location"]).content.decode()
    assert "Cluster &#x27;class-b&#x27; created with 2 nodes" in page
    assert 'id="cluster-class-b"' in page and "2 simulated" in page


def test_mistakes_are_shown_in_the_form_and_nothing_is_created(admin_client) -> None:
    rows = [{**TWO_NODES[0], "cpu": "lots"}, {**TWO_NODES[1], "taints": "dedicated=gpu"},
            {**TWO_NODES[0], "cpu": "1"}]
    response = post(admin_client, "Class B", rows, speed=500)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The cluster was not created" in page
    assert "a lowercase RFC 1123 label must consist of lower case alphanumeric characters" in page
    assert "Ensure this value is less than or equal to 100.0." in page
    assert "quantities must match the regular expression" in page
    assert "invalid taint spec: dedicated=gpu: the effect is missing" in page
    assert Cluster.objects.count() == 0

    response = post(admin_client, "class-b", [TWO_NODES[0], {**TWO_NODES[1], "name": "big"}])
    assert "node names must be unique: big appears more than once" in response.content.decode()
    assert Cluster.objects.count() == 0


def test_a_name_already_taken_is_refused(admin_client) -> None:
    post(admin_client, "class-b", TWO_NODES)
    response = post(admin_client, "class-b", TWO_NODES)
    assert "a cluster named &#x27;class-b&#x27; already exists" in response.content.decode()
    assert Cluster.objects.filter(name="class-b").count() == 1


def test_a_cluster_added_in_the_admin_gets_the_demo_nodes(admin_client) -> None:
    response = admin_client.post("/admin/clusters/cluster/add/", {"name": "from-admin"})

    assert response.status_code == 302, response.content.decode()[:2000]
    cluster = Cluster.objects.get(name="from-admin")
    made_as_the_demo_is(cluster)
    assert node_specs(cluster.sim_state) == demo_nodes()
    assert "3 simulated" in admin_client.get("/admin/clusters/cluster/").content.decode()
    assert "must consist of lower case alphanumeric" in admin_client.post(
        "/admin/clusters/cluster/add/", {"name": "Not_DNS"}).content.decode()


def test_createcluster_makes_the_same_cluster_from_a_terminal() -> None:
    out = StringIO()
    call_command("createcluster", "class-c", "--node", "big cpu=6 memory=12Gi zone=zone-x",
                 "--node", "gpu cpu=3 memory=6Gi zone=zone-y taints=dedicated=gpu:NoSchedule", "--speed", "2",
                 stdout=out)

    assert "cluster 'class-c' created (seed 1, 2x)" in out.getvalue()
    assert "gpu                  3      6Gi  zone-y     dedicated=gpu:NoSchedule" in out.getvalue()
    cluster = Cluster.objects.get(name="class-c")
    made_as_the_demo_is(cluster)
    assert [(s.name, s.cpu, s.taints) for s in node_specs(cluster.sim_state)] == [
        ("big", "6", []), ("gpu", "3", [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])]

    out = StringIO()
    call_command("createcluster", "class-d", "-o", "json", stdout=out)
    assert [n["name"] for n in json.loads(out.getvalue())["nodes"]] == ["node-1", "node-2", "node-3"]

    with pytest.raises(CommandError) as refused:
        call_command("createcluster", "class-c", "--node", "n1 cpu=1 memory=64Mi")
    assert str(refused.value) == ("the cluster was not created:\n  name: a cluster named 'class-c' already exists\n"
                                  "  node 1 (n1): memory: must be more than 100Mi (the kubelet keeps 100Mi free "
                                  "for eviction)")
    with pytest.raises(CommandError, match="'gpus=1' is not one of cpu=…, memory=…"):
        call_command("createcluster", "class-e", "--node", "n1 gpus=1")


def test_the_kubeadm_layout_is_an_option_of_the_form_and_of_createcluster(admin_client) -> None:
    assert 'name="kubeadm"' in admin_client.get("/").content.decode()
    assert post(admin_client, "class-k", TWO_NODES, kubeadm="on").status_code == 302
    assert Cluster.objects.get(name="class-k").sim_state["kubeadm"] is True
    assert post(admin_client, "class-l", TWO_NODES).status_code == 302
    assert Cluster.objects.get(name="class-l").sim_state["kubeadm"] is False

    out = StringIO()
    call_command("createcluster", "class-m", "--kubeadm", stdout=out)
    assert Cluster.objects.get(name="class-m").sim_state["kubeadm"] is True
    assert "kind-control-plane     4      8Gi  -          node-role.kubernetes.io/control-plane:NoSchedule" in \
        out.getvalue(), out.getvalue()
    assert [s.name for s in node_specs(Cluster.objects.get(name="class-m").sim_state)] == ["node-1", "node-2",
                                                                                          "node-3"]
