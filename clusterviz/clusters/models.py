"""What a simulated cluster persists: its etcd (objects, revision log), its tokens, its audit trail.

Rows that persist Kubernetes things end in ``Record`` so that ``Pod`` always means the
Kubernetes object. The store (:mod:`clusterviz.clusters.store`) is the only writer of
``ObjectRecord`` and ``RevisionRecord``; it talks to these tables in raw SQL on its hot
paths, so column names here are part of its contract.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class RegistryKeyField(models.CharField):
    """An etcd key column that sorts byte-wise on every backend.

    Lists page by ``key > after_key ORDER BY key`` and prefix scans are key ranges, so the
    database must order keys exactly as Python orders ``str`` (code point order). SQLite's
    default BINARY collation does; PostgreSQL's database collation may be a locale that
    ignores punctuation, so there the column is declared ``COLLATE "C"``.
    """

    def db_parameters(self, connection):  # type: ignore[no-untyped-def]
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class RowIdField(models.BigAutoField):
    """The primary key of the append-heavy tables: on SQLite a plain rowid, not AUTOINCREMENT.

    AUTOINCREMENT only guarantees that the id of a deleted *newest* row is never reused, and
    pays for it by updating ``sqlite_sequence`` on every insert — one more page written per
    store write. Nothing here refers to these ids after deleting the newest row.
    """

    def db_type_suffix(self, connection):  # type: ignore[no-untyped-def]
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)


class Cluster(models.Model):
    """One simulated Kubernetes cluster; its row doubles as the store's revision counter.

    Every store write takes the next revision with ``UPDATE … SET revision = revision + 1
    RETURNING revision`` on this row, which serializes the cluster's writers so that commit
    order equals revision order.
    """

    name = models.SlugField(max_length=63, unique=True)
    revision = models.BigIntegerField(default=0, help_text="Last revision written (etcd's header revision).")
    compacted_revision = models.BigIntegerField(
        default=0, help_text="The revision log holds every change after this revision.")
    anonymous_enabled = models.BooleanField(default=False)
    always_pull_images = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    #: Free-form state of the simulation kernel (clock, speed, component switches).
    sim_state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TokenRecord(models.Model):
    """A line of the API server's static token file: bearer token → user and groups."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="token_records")
    token = models.CharField(max_length=255, unique=True)
    user = models.CharField(max_length=255)
    groups = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cluster", "user"]

    def __str__(self) -> str:
        return f"{self.user}@{self.cluster_id}"


class ObjectRecord(models.Model):
    """The current state of one key, like an etcd key-value pair.

    ``mod_revision`` is the version column that compare-and-set checks; ``data`` is the
    object's compact JSON (text is cheaper to store and load than ``JSONField``).
    The unique (cluster, key) index also serves the prefix range scans of list.
    """

    id = RowIdField(primary_key=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="object_records",
                                db_index=False)  # the (cluster, key) index leads with cluster
    key = RegistryKeyField(max_length=512)
    resource = models.CharField(max_length=253)
    namespace = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=253)
    create_revision = models.BigIntegerField()
    mod_revision = models.BigIntegerField()
    data = models.TextField()

    class Meta:
        ordering = ["cluster", "key"]
        constraints = [models.UniqueConstraint(fields=["cluster", "key"], name="clusters_object_cluster_key")]

    def __str__(self) -> str:
        return self.key


class RevisionRecord(models.Model):
    """One entry of the revision log that watches replay (compacted from the old end).

    ``data`` is the object at this revision (for DELETED: its last state, stamped with the
    deletion revision); ``prev_data`` the state before it. No key index: the log is short
    (at most twice the compaction window) and watches read it from a recent revision on.
    """

    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    TYPE_CHOICES = [(ADDED, ADDED), (MODIFIED, MODIFIED), (DELETED, DELETED)]

    id = RowIdField(primary_key=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="revision_records",
                                db_index=False)  # the (cluster, revision) index leads with cluster
    revision = models.BigIntegerField()
    type = models.CharField(max_length=8, choices=TYPE_CHOICES)
    key = RegistryKeyField(max_length=512)
    data = models.TextField()
    prev_data = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["cluster", "revision"]
        constraints = [models.UniqueConstraint(fields=["cluster", "revision"],
                                               name="clusters_revision_cluster_rev")]

    def __str__(self) -> str:
        return f"{self.revision} {self.type} {self.key}"


class AuditRecord(models.Model):
    """What one API request did and which plugins it passed — what the browser animates.

    ``stages`` lists ``{"stage": ..., "plugins": [...], "result": ...}`` in pipeline order;
    ``rejected_by`` names the plugin that stopped the request ("" when none did).
    """

    id = RowIdField(primary_key=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="audit_records",
                                db_index=False)  # the (cluster, id) index leads with cluster
    created = models.DateTimeField(default=timezone.now)
    user = models.CharField(max_length=255, blank=True)
    groups = models.JSONField(default=list, blank=True)
    #: Whom ``user`` acted as (``kubectl --as``), as upstream's audit ``impersonatedUser``.
    impersonated_user = models.CharField(max_length=255, blank=True, default="")
    impersonated_groups = models.JSONField(default=list, blank=True)
    verb = models.CharField(max_length=32)
    api_group = models.CharField(max_length=253, blank=True)
    resource = models.CharField(max_length=253, blank=True)
    subresource = models.CharField(max_length=63, blank=True)
    namespace = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=253, blank=True)
    code = models.IntegerField()
    revision = models.BigIntegerField(null=True, blank=True)
    stages = models.JSONField(default=list, blank=True)
    rejected_by = models.CharField(max_length=128, blank=True)
    message = models.TextField(blank=True)
    virtual_time = models.FloatField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    class Meta:
        ordering = ["cluster", "id"]
        indexes = [models.Index(fields=["cluster", "id"], name="clusters_audit_cluster_id")]

    def __str__(self) -> str:
        return f"{self.verb} {self.resource} {self.code}"
