"""AlwaysPullImages (optional, off by default): every container's ``imagePullPolicy`` becomes
``Always``, so a pod can only use an image its node can pull with the pod's own credentials,
not one another tenant's pod left in the node's cache.

Enabled per cluster with ``options["always_pull_images"]``. On update, pods whose images are
unchanged are left alone (upstream's ``isUpdateWithNoNewImages``), so status-only churn does
not rewrite specs.
"""
from __future__ import annotations

from . import CREATE, UPDATE, AdmissionAttributes, MutatingPlugin
from .helpers import is_pod

PLUGIN_NAME = "AlwaysPullImages"
_CONTAINER_KEYS = ("initContainers", "containers", "ephemeralContainers")


def _images(pod: dict | None) -> set[str]:
    spec = (pod or {}).get("spec") or {}
    return {c.get("image", "") for key in _CONTAINER_KEYS for c in spec.get(key) or []}


class AlwaysPullImages(MutatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        if not attrs.options.get("always_pull_images") or attrs.operation not in (CREATE, UPDATE) or not is_pod(attrs):
            return False
        if attrs.operation == UPDATE and isinstance(attrs.old_object, dict):
            return not _images(attrs.object) <= _images(attrs.old_object)
        return True

    def admit(self, attrs: AdmissionAttributes) -> None:
        spec = attrs.object.get("spec") or {}
        for key in _CONTAINER_KEYS:
            for ctr in spec.get(key) or []:
                ctr["imagePullPolicy"] = "Always"
