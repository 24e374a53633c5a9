"""Admission control: mutating plugins ``admit`` (and may change the object), then, after
validation, validating plugins ``validate`` (and may only refuse). The chain stops at the
first refusal, which names its plugin (upstream's admission chain)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from simulation.apimachinery.resources import ResourceType

from ..request import UserInfo

CREATE = "CREATE"
UPDATE = "UPDATE"
DELETE = "DELETE"
CONNECT = "CONNECT"


class ObjectReader(Protocol):
    """What admission plugins may see of the cluster: reads, and the API server's own
    compare-and-set for objects it maintains (ResourceQuota usage)."""

    def get(self, resource: str, namespace: str, name: str) -> dict | None: ...

    def list(self, resource: str, namespace: str = "") -> list[dict]: ...

    def guaranteed_update(self, resource: str, namespace: str, name: str,
                          try_update: Callable[[dict], dict | None]) -> dict: ...


@dataclass
class AdmissionAttributes:
    operation: str
    resource_type: ResourceType
    namespace: str
    name: str
    user: UserInfo
    reader: ObjectReader
    object: Any = None
    old_object: Any = None
    subresource: str = ""
    dry_run: bool = False
    #: Per-cluster switches (e.g. ``always_pull_images``), read by plugins that are optional.
    options: dict = field(default_factory=dict)


class MutatingPlugin(Protocol):
    name: str

    def handles(self, attrs: AdmissionAttributes) -> bool: ...

    def admit(self, attrs: AdmissionAttributes) -> None: ...


class ValidatingPlugin(Protocol):
    name: str

    def handles(self, attrs: AdmissionAttributes) -> bool: ...

    def validate(self, attrs: AdmissionAttributes) -> None: ...
