"""Authentication: the first stage of the chain. The first plugin that recognises the
credentials decides who the caller is; a plugin that sees credentials it cannot accept
(a wrong bearer token) refuses the request outright with 401, as upstream does."""
from __future__ import annotations

from typing import Protocol

from ..request import APIRequest, UserInfo


class Authenticator(Protocol):
    name: str

    def authenticate(self, request: APIRequest) -> UserInfo | None:
        """The caller, or ``None`` when this plugin has nothing to say (no credentials of its kind)."""
        ...
