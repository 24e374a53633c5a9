"""Leader election on a Lease, as client-go's: of two candidates exactly one leads; a holder
that stops renewing loses the Lease one lease duration after a candidate last saw it change,
whatever time the Lease says — even one in the future, as a restart used to leave behind."""
from __future__ import annotations

import pytest

from simulation.apimachinery.timestamps import parse_time, rfc3339_micro
from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import APISERVER, bootstrap
from simulation.client.apiclient import APIClient
from simulation.client.leaderelection import LEASE_DURATION_SECONDS, RETRY_PERIOD_SECONDS, LeaderElector
from simulation.kernel import Kernel
from simulation.store.memory import MemoryStore

LEASE = "kube-scheduler"


def setup() -> tuple[Kernel, APIClient]:
    kernel = Kernel(strict=True)
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=kernel.wall_time)
    bootstrap(server)
    return kernel, APIClient(server, APISERVER, "kube-scheduler/v1.33.0")


def candidate(kernel: Kernel, client: APIClient, identity: str) -> LeaderElector:
    elector = LeaderElector(kernel, client, lease_name=LEASE, identity=identity, component=identity,
                            on_started_leading=lambda: None, on_stopped_leading=lambda: None)
    elector.start()
    return elector


def lease(client: APIClient) -> dict:
    return client.get("leases", "kube-system", LEASE)["spec"]


@pytest.mark.parametrize("renewed_ago", [5.0, -3600.0], ids=["renewed-5s-ago", "renewed-an-hour-in-the-future"])
def test_a_lease_left_by_a_gone_holder_is_taken_within_one_lease_duration(renewed_ago):
    kernel, client = setup()
    client.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                             "metadata": {"name": LEASE, "namespace": "kube-system"},
                             "spec": {"holderIdentity": "kube-scheduler_gone", "leaseDurationSeconds": 15,
                                      "renewTime": rfc3339_micro(kernel.wall_time() - renewed_ago),
                                      "leaseTransitions": 0}}, "kube-system")
    electors = [candidate(kernel, client, f"kube-scheduler{suffix}_new") for suffix in ("", "-2")]

    kernel.run_for(LEASE_DURATION_SECONDS - 1)
    assert not any(e.is_leader for e in electors), "the lease may still be held: both stand by"
    kernel.run_for(RETRY_PERIOD_SECONDS + 1)

    assert [e.is_leader for e in electors].count(True) == 1
    spec = lease(client)
    assert spec["holderIdentity"] in {e.identity for e in electors} and spec["leaseTransitions"] == 1
    assert parse_time(spec["renewTime"]) <= kernel.wall_time()


def test_a_renewing_holder_keeps_the_lease_and_loses_it_once_it_stops():
    kernel, client = setup()
    first = candidate(kernel, client, "kube-scheduler_first")
    kernel.run_for(1)
    second = candidate(kernel, client, "kube-scheduler-2_second")

    kernel.run_for(60)
    assert first.is_leader and not second.is_leader

    kernel.cancel_component(first.component)
    kernel.run_for(LEASE_DURATION_SECONDS + RETRY_PERIOD_SECONDS + 0.5)
    assert second.is_leader and lease(client)["holderIdentity"] == second.identity


def test_a_released_lease_is_taken_at_once_by_the_next_candidate():
    """client-go's ReleaseOnCancel: a gracefully stopped leader leaves no holder and a 1 s lease."""
    kernel, client = setup()
    first = candidate(kernel, client, "kube-scheduler_first")
    kernel.run_for(1)
    first.release()
    kernel.cancel_component(first.component)
    spec = lease(client)
    assert "holderIdentity" not in spec and spec["leaseDurationSeconds"] == 1 and not first.is_leader
    second = candidate(kernel, client, "kube-scheduler_second")
    kernel.run_for(RETRY_PERIOD_SECONDS)
    assert second.is_leader and lease(client)["leaseTransitions"] == 1
