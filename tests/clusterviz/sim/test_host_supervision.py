"""``up`` hosts every enabled cluster, whenever it was created, and stops hosting a cluster
once it is deleted: no restart between a teacher's "create" and a cluster that runs."""
from __future__ import annotations

import pytest

from clusterviz.clusters import apiservers, health
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from clusterviz.clusters.topology import demo_state
from clusterviz.sim import host as hosts
from simulation.cluster import SimulationError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hosted():
    """Stops the kernels the test started, and writes their audit trails while the database is there."""
    yield
    for name in list(hosts._hosts):
        host = hosts.get(name)
        hosts.stop_hosting(host)
        host.server.audit_sink.flush()


def test_clusters_are_hosted_once_enabled_and_dropped_once_deleted(hosted) -> None:
    create_cluster("api-only")  # no simulation asked for
    create_cluster("class-a", sim_state=demo_state())

    started = hosts.reconcile()
    assert [h.name for h in started] == ["class-a"]
    assert sorted(started[0].sim.node_specs) == ["node-1", "node-2", "node-3"]
    assert hosts.reconcile() == []  # already hosted

    create_cluster("class-b", sim_state=demo_state())
    assert [h.name for h in hosts.reconcile()] == ["class-b"]

    apiservers.get("class-a").audit_sink.flush()
    Cluster.objects.filter(name="class-a").delete()
    assert hosts.reconcile() == []
    with pytest.raises(SimulationError):
        hosts.get("class-a")
    assert ("class-a", "scheduler") not in health.probes
    assert hosts.get("class-b").thread.is_alive()

