"""DefaultTolerationSeconds: pods tolerate ``not-ready`` and ``unreachable`` nodes for five
minutes, unless they say otherwise.

This is why a pod on a node that stops heartbeating is evicted about 300 seconds after the
node controller taints the node ``NoExecute``, and why every pod's YAML lists these two
tolerations. A toleration that already covers the key (or every key) with ``NoExecute`` (or
every effect) is left alone.
"""
from __future__ import annotations

from . import CREATE, UPDATE, AdmissionAttributes, MutatingPlugin
from .helpers import is_pod

PLUGIN_NAME = "DefaultTolerationSeconds"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


def _covers(toleration: dict, key: str) -> bool:
    return (toleration.get("key") in (key, "", None)) and (toleration.get("effect") in ("NoExecute", "", None))


class DefaultTolerationSeconds(MutatingPlugin):
    name = PLUGIN_NAME

    def __init__(self, not_ready_seconds: int = DEFAULT_TOLERATION_SECONDS,
                 unreachable_seconds: int = DEFAULT_TOLERATION_SECONDS) -> None:
        self.seconds = {NOT_READY_TAINT: not_ready_seconds, UNREACHABLE_TAINT: unreachable_seconds}

    def handles(self, attrs: AdmissionAttributes) -> bool:
        return attrs.operation in (CREATE, UPDATE) and is_pod(attrs)

    def admit(self, attrs: AdmissionAttributes) -> None:
        spec = attrs.object.setdefault("spec", {})
        tolerations = spec.get("tolerations") or []
        for key in (NOT_READY_TAINT, UNREACHABLE_TAINT):
            if not any(_covers(t, key) for t in tolerations):
                tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": self.seconds[key]})
        spec["tolerations"] = tolerations
