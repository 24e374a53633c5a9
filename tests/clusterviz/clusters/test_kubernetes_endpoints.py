"""The ``kubernetes`` Service's endpoints on a stored cluster: a cluster made before the API
server wrote them gets them when ``up`` next finds it (``ensure_cluster``)."""
from __future__ import annotations

import pytest

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster, ensure_cluster
from clusterviz.clusters.models import ObjectRecord

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = ("/registry/services/endpoints/default/kubernetes", "/registry/endpointslices/default/kubernetes")


def test_an_older_cluster_gets_the_api_servers_endpoints_when_found_again() -> None:
    cluster = create_cluster("older")
    ObjectRecord.objects.filter(cluster=cluster, key__in=KEYS).delete()  # as a cluster made before them
    apiservers.forget(cluster.name)
    assert ensure_cluster("older").pk == cluster.pk
    assert set(ObjectRecord.objects.filter(cluster=cluster, key__in=KEYS).values_list("key", flat=True)) == set(KEYS)
    store = apiservers.get(cluster.name).store
    eps = store.get("/registry/endpointslices/default/kubernetes")
    assert eps["endpoints"] == [{"addresses": ["172.18.0.2"], "conditions": {"ready": True}}]
    apiservers.get(cluster.name).audit_sink.flush()
