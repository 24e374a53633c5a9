"""``bench store``: create and update throughput through the whole API server pipeline
(authentication, RBAC, admission, validation, store, audit) against raw ``sqlite3`` doing
the same rows per transaction, measured in the same run.

Per write the pipeline commits, in one transaction, the revision counter bump, the object
row and the revision log row; audit rows are written in batches (``AuditWriter``). The raw
baseline does exactly those statements, batched the same way, with the same pragmas (WAL,
synchronous=NORMAL), so the ratio shows what the pipeline and Django cost on top of the
database work itself.
"""
from __future__ import annotations

import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from django.db import connection

from clusterviz.clusters import apiservers
from clusterviz.clusters.audit import AuditWriter
from clusterviz.clusters.bootstrap import create_cluster, user_token
from clusterviz.clusters.models import Cluster
from simulation.apiserver.request import APIRequest


AUDIT_BATCH = AuditWriter.BATCH_SIZE


def _configmap(i: int, value: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", "namespace": "default"},
            "data": {"value": value, "payload": "x" * 200}}


def pipeline(count: int) -> tuple[float, float]:
    """(creates/s, updates/s) through the real API server with the admin's bearer token."""
    cluster = create_cluster(f"bench-{uuid.uuid4().hex[:8]}")
    try:
        server = apiservers.get(cluster.name)
        headers = {"Authorization": f"Bearer {user_token(cluster).token}", "Content-Type": "application/json"}
        path = "/api/v1/namespaces/default/configmaps"
        start = time.perf_counter()
        versions = []
        for i in range(count):
            response = server.handle(APIRequest("POST", path, headers=headers,
                                                body=json.dumps(_configmap(i, "0")).encode()))
            assert response.code == 201, response.body
            versions.append(response.body["metadata"]["resourceVersion"])
        create_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(count):
            obj = _configmap(i, "1")
            obj["metadata"]["resourceVersion"] = versions[i]
            response = server.handle(APIRequest("PUT", f"{path}/cm-{i}", headers=headers,
                                                body=json.dumps(obj).encode()))
            assert response.code == 200, response.body
        server.audit_sink.flush()
        update_seconds = time.perf_counter() - start
        return count / create_seconds, count / update_seconds
    finally:
        apiservers.forget(cluster.name)
        Cluster.objects.filter(pk=cluster.pk).delete()


def raw_sqlite(count: int) -> tuple[float, float]:
    """(creates/s, updates/s) of plain ``sqlite3`` writing the same rows per transaction."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "raw.sqlite3", isolation_level=None)
        db.executescript("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
            CREATE TABLE cluster (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL);
            CREATE TABLE object (id INTEGER PRIMARY KEY, cluster_id INTEGER, key TEXT, resource TEXT,
                namespace TEXT, name TEXT, create_revision INTEGER, mod_revision INTEGER, data TEXT,
                UNIQUE (cluster_id, key));
            CREATE TABLE log (id INTEGER PRIMARY KEY, cluster_id INTEGER, revision INTEGER, type TEXT, key TEXT,
                data TEXT, prev_data TEXT, UNIQUE (cluster_id, revision));
            CREATE TABLE audit (id INTEGER PRIMARY KEY, cluster_id INTEGER, created TEXT, user TEXT, groups TEXT,
                verb TEXT, resource TEXT, namespace TEXT, name TEXT, code INTEGER, revision INTEGER, stages TEXT);
            CREATE INDEX audit_cluster ON audit (cluster_id, id);
            INSERT INTO cluster (id, revision) VALUES (1, 0);
        """)

        audit_rows: list[tuple] = []

        def write(statements) -> int:
            db.execute("BEGIN IMMEDIATE")
            (rev,) = db.execute("UPDATE cluster SET revision = revision + 1 WHERE id = 1 RETURNING revision").fetchone()
            statements(rev)
            db.execute("COMMIT")
            audit_rows.append((rev,))
            if len(audit_rows) >= AUDIT_BATCH:
                flush_audit()
            return rev

        def flush_audit() -> None:
            # One transaction for the batch, as the pipeline's AuditWriter writes it (without
            # BEGIN, autocommit made every row a transaction of its own: 200 commits a batch).
            db.execute("BEGIN")
            db.executemany("INSERT INTO audit (cluster_id, created, user, groups, verb, resource, namespace, name,"
                           " code, revision, stages) VALUES (1, datetime('now'), 'admin', '[]', 'create',"
                           " 'configmaps', 'default', 'x', 201, ?, '[]')", audit_rows)
            db.execute("COMMIT")
            audit_rows.clear()

        revisions = []
        start = time.perf_counter()
        for i in range(count):
            key, data = f"/registry/configmaps/default/cm-{i}", json.dumps(_configmap(i, "0"))

            def create(rev: int) -> None:
                db.execute("INSERT INTO object (cluster_id, key, resource, namespace, name, create_revision,"
                           " mod_revision, data) VALUES (1, ?, 'configmaps', 'default', ?, ?, ?, ?)",
                           (key, f"cm-{i}", rev, rev, data))
                db.execute("INSERT INTO log (cluster_id, revision, type, key, data) VALUES (1, ?, 'ADDED', ?, ?)",
                           (rev, key, data))
            revisions.append(write(create))
        create_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(count):
            key, data = f"/registry/configmaps/default/cm-{i}", json.dumps(_configmap(i, "1"))

            def update(rev: int) -> None:
                (prev,) = db.execute("SELECT data FROM object WHERE cluster_id = 1 AND key = ?", (key,)).fetchone()
                db.execute("UPDATE object SET data = ?, mod_revision = ? WHERE cluster_id = 1 AND key = ? AND"
                           " mod_revision = ?", (data, rev, key, revisions[i]))
                db.execute("INSERT INTO log (cluster_id, revision, type, key, data, prev_data) VALUES"
                           " (1, ?, 'MODIFIED', ?, ?, ?)", (rev, key, data, prev))
            write(update)
        flush_audit()
        update_seconds = time.perf_counter() - start
        db.close()
        return count / create_seconds, count / update_seconds


def run(options: dict) -> str:
    count = options.get("count") or 2000
    engine = connection.vendor
    p_create, p_update = pipeline(count)
    r_create, r_update = raw_sqlite(count)
    lines = [
        f"bench store: {count} ConfigMaps, database {engine} (raw baseline: sqlite3, same rows per transaction)",
        f"{'':10}{'pipeline/s':>12}{'raw sqlite3/s':>15}{'ratio':>8}",
        f"{'create':10}{p_create:12.0f}{r_create:15.0f}{p_create / r_create:8.2f}",
        f"{'update':10}{p_update:12.0f}{r_update:15.0f}{p_update / r_update:8.2f}",
    ]
    return "\n".join(lines)
