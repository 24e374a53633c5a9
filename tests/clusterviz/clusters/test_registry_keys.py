"""Keys as upstream's etcd lays them out, on the Django store: nodes under ``minions``, Services
and Endpoints under ``services/specs`` and ``services/endpoints``; a cluster stored with the old
keys is moved over by the data migration and its API server still serves every object."""
from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps as django_apps

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster, user_token
from clusterviz.clusters.models import ObjectRecord
from simulation.apiserver.request import APIRequest

pytestmark = pytest.mark.django_db(transaction=True)
migration = importlib.import_module("clusterviz.clusters.migrations.0003_registry_keys_as_upstream")


def _get(cluster, path: str):
    server = apiservers.get(cluster.name)
    return server.handle(APIRequest("GET", path, headers={"Authorization": f"Bearer {user_token(cluster).token}"}))


def _post(cluster, path: str, body: dict):
    server = apiservers.get(cluster.name)
    return server.handle(APIRequest("POST", path, headers={"Authorization": f"Bearer {user_token(cluster).token}"},
                                    body=json.dumps(body).encode()))


def test_keys_follow_upstreams_special_prefixes() -> None:
    cluster = create_cluster("keys-demo")
    assert _post(cluster, "/api/v1/nodes", {"metadata": {"name": "node-1"}}).code == 201
    keys = set(ObjectRecord.objects.filter(cluster=cluster).values_list("key", flat=True))
    assert {"/registry/minions/node-1", "/registry/services/specs/default/kubernetes",
            "/registry/services/endpoints/default/kubernetes",
            "/registry/endpointslices/default/kubernetes"} <= keys
    assert not any(k.startswith(("/registry/nodes/", "/registry/endpoints/")) for k in keys)
    record = ObjectRecord.objects.get(cluster=cluster, key="/registry/services/specs/default/kubernetes")
    assert (record.resource, record.namespace, record.name) == ("services", "default", "kubernetes")
    apiservers.get(cluster.name).audit_sink.flush()


def test_old_keys_are_migrated_and_still_served() -> None:
    cluster = create_cluster("old-keys")
    assert _post(cluster, "/api/v1/nodes", {"metadata": {"name": "node-1"}}).code == 201
    old = {"/registry/minions/": "/registry/nodes/", "/registry/services/specs/": "/registry/services/",
           "/registry/services/endpoints/": "/registry/endpoints/"}
    for record in ObjectRecord.objects.filter(cluster=cluster):
        for new_prefix, old_prefix in old.items():
            if record.key.startswith(new_prefix):
                record.key = old_prefix + record.key[len(new_prefix):]
                record.save(update_fields=["key"])
    apiservers.forget(cluster.name)
    migration.forwards(django_apps, None)
    apiservers.forget(cluster.name)
    assert _get(cluster, "/api/v1/nodes/node-1").code == 200
    services = _get(cluster, "/api/v1/namespaces/default/services").body["items"]
    assert [s["metadata"]["name"] for s in services] == ["kubernetes"]
    assert _get(cluster, "/api/v1/namespaces/default/endpoints/kubernetes").code == 200
    assert ObjectRecord.objects.filter(cluster=cluster, key="/registry/minions/node-1").exists()
    apiservers.get(cluster.name).audit_sink.flush()
