"""Authorization: the second stage. Each plugin answers Allow, Deny or NoOpinion; the
first Allow or Deny wins, and no opinion from anyone is a 403 (upstream's union authorizer)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..request import UserInfo

ALLOW = "Allow"
DENY = "Deny"
NO_OPINION = "NoOpinion"


@dataclass(frozen=True)
class Attributes:
    """Upstream's authorizer.Attributes."""

    user: UserInfo
    verb: str
    is_resource_request: bool
    path: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""


class Authorizer(Protocol):
    name: str

    def authorize(self, attrs: Attributes) -> tuple[str, str]:
        """(decision, reason)."""
        ...
