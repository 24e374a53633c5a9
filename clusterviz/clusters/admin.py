"""Admin pages for looking into a cluster's storage.

Read-mostly on purpose: objects, the revision log and audit records are written only by the
store and the API server (an edit here would bypass the revision counter and leave watchers
with a gap), so those pages allow no add or change. Deleting stays possible so a whole
cluster can be removed with its rows.
"""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditRecord, Cluster, ObjectRecord, RevisionRecord, TokenRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and delete, never add or edit."""

    list_select_related = ["cluster"]
    # These tables grow large; skip the extra COUNT(*) on every filtered page.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "revision", "compacted_revision", "anonymous_enabled", "always_pull_images", "created"]
    list_filter = ["anonymous_enabled", "always_pull_images"]
    search_fields = ["name"]
    # The counters belong to the store; editing them would break resourceVersions and watches.
    readonly_fields = ["revision", "compacted_revision", "created"]


@admin.register(TokenRecord)
class TokenRecordAdmin(admin.ModelAdmin):
    list_display = ["user", "cluster", "groups", "created"]
    list_filter = ["cluster"]
    list_select_related = ["cluster"]
    search_fields = ["user", "token"]


@admin.register(ObjectRecord)
class ObjectRecordAdmin(ReadOnlyAdmin):
    list_display = ["key", "cluster", "resource", "namespace", "name", "create_revision", "mod_revision"]
    list_filter = ["cluster", "resource"]
    search_fields = ["key", "name", "namespace"]


@admin.register(RevisionRecord)
class RevisionRecordAdmin(ReadOnlyAdmin):
    list_display = ["revision", "type", "key", "cluster"]
    list_filter = ["cluster", "type"]
    search_fields = ["key"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "created", "cluster", "user", "impersonated_user", "verb", "resource", "subresource", "namespace", "name",
                    "code", "revision", "rejected_by"]
    list_filter = ["cluster", "verb", "code", "resource"]
    search_fields = ["user", "impersonated_user", "name", "namespace", "message", "rejected_by"]
    date_hierarchy = "created"
