"""Legacy discovery documents (/api, /apis, /api/v1, /apis/<group>/<version>) and /version.

We decline aggregated discovery by answering plain ``application/json``: kubectl then
fetches each group-version document (kube-api-wire.md §1.2), which it fully supports.
"""
from __future__ import annotations

from simulation.apimachinery import resources
from simulation.apimachinery.resources import ResourceType

KUBERNETES_VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "gitCommit": "clusterviz",
                      "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.24.0",
                      "compiler": "gc", "platform": "linux/amd64"}

_SUBRESOURCE_KINDS = {"scale": ("autoscaling", "v1", "Scale"), "binding": ("", "v1", "Binding"),
                      "exec": ("", "v1", "PodExecOptions"), "attach": ("", "v1", "PodAttachOptions"),
                      "portforward": ("", "v1", "PodPortForwardOptions")}
_SUBRESOURCE_VERBS = {"status": ["get", "patch", "update"], "scale": ["get", "patch", "update"],
                      "binding": ["create"], "finalize": ["update"], "log": ["get"],
                      "exec": ["create", "get"], "attach": ["create", "get"], "portforward": ["create", "get"]}


def _group_doc(group: str) -> dict:
    versions = [{"groupVersion": f"{g}/{v}", "version": v} for g, v in resources.group_versions() if g == group]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group_list() -> dict:
    groups = [g for g, _ in resources.group_versions() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_doc(g) for g in dict.fromkeys(groups)]}


def api_group(group: str) -> dict | None:
    if not any(g == group for g, _ in resources.group_versions()):
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group)}


def _resource_entries(rt: ResourceType) -> list[dict]:
    entry = {"name": rt.name, "singularName": rt.singular_name, "namespaced": rt.namespaced, "kind": rt.kind,
             "verbs": sorted(rt.verbs)}
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    out = [entry]
    for sub in rt.subresources:
        group, version, kind = _SUBRESOURCE_KINDS.get(sub, (rt.group, rt.version, rt.kind))
        sub_entry = {"name": f"{rt.name}/{sub}", "singularName": "", "namespaced": rt.namespaced, "kind": kind,
                     "verbs": _SUBRESOURCE_VERBS[sub]}
        if (group, version) != (rt.group, rt.version):
            sub_entry.update(group=group, version=version)
        out.append(sub_entry)
    return out


def api_resource_list(group: str, version: str) -> dict | None:
    served = resources.in_group_version(group, version)
    if not served:
        return None
    entries = [e for rt in served for e in _resource_entries(rt)]
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": entries}
