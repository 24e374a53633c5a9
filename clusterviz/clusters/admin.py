"""Admin pages for looking into a cluster's storage.

Clusters are added as everywhere else, through :func:`.bootstrap.create_cluster`.
Read-mostly on purpose: objects, the revision log and audit records are written only by the
store and the API server (an edit here would bypass the revision counter and leave watchers
with a gap), so those pages allow no add or change. Deleting stays possible so a whole
cluster can be removed with its rows.
"""
from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from simulation.cluster import demo_nodes

from .bootstrap import create_cluster
from .forms import clean_cluster_name
from .models import AuditRecord, Cluster, ObjectRecord, RevisionRecord, TokenRecord
from .topology import demo_state, describe

admin.site.site_header = "clusterviz administration"
admin.site.site_title = "clusterviz admin"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and delete, never add or edit."""

    list_select_related = ["cluster"]
    # These tables grow large; skip the extra COUNT(*) on every filtered page.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ClusterAddForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["name", "anonymous_enabled", "always_pull_images"]

    def clean_name(self) -> str:
        return clean_cluster_name(self.cleaned_data["name"])


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Adding a cluster here makes it as the demo is made (tokens, namespaces, RBAC) with the
    demo's nodes, simulated by the running server; the home page's form chooses the nodes."""

    list_display = ["name", "nodes", "revision", "compacted_revision", "anonymous_enabled", "always_pull_images",
                    "created"]
    list_filter = ["anonymous_enabled", "always_pull_images"]
    search_fields = ["name"]
    # The counters belong to the store; editing them would break resourceVersions and watches.
    readonly_fields = ["revision", "compacted_revision", "created"]
    add_form = ClusterAddForm
    add_fieldsets = [(None, {"fields": ["name", "anonymous_enabled", "always_pull_images"],
                             "description": f"The new cluster gets the demo's nodes — {describe(demo_nodes())} — "
                                            "and the running server simulates it within a second. To choose "
                                            "the nodes, use the New cluster form on the home page."})]

    @admin.display(description="nodes")
    def nodes(self, cluster: Cluster) -> str:
        state = cluster.sim_state or {}
        return f"{len(state.get('nodes', []))} simulated" if state.get("enabled") else "not simulated"

    def get_form(self, request: HttpRequest, obj: Cluster | None = None, **kwargs: Any) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Cluster | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def save_model(self, request: HttpRequest, obj: Cluster, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = create_cluster(obj.name, anonymous_enabled=obj.anonymous_enabled,
                                 always_pull_images=obj.always_pull_images,
                                 sim_state=demo_state(behind_live_seconds=settings.CLUSTERVIZ_HEADROOM_SECONDS))
        obj.pk, obj.sim_state, obj.created = created.pk, created.sim_state, created.created
        obj._state.adding = False


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
