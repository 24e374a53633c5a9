"""Anonymous access: upstream's ``anonymous`` authenticator, the last in the chain.

When enabled (``--anonymous-auth``, on by default upstream) a request that no other plugin
recognised runs as ``system:anonymous`` in group ``system:unauthenticated``; RBAC then
decides what that user may do (by default only ``/version``, ``/healthz``, ``/livez`` and
``/readyz`` through ``system:public-info-viewer``). When disabled it says nothing and the
server answers 401.
"""
from __future__ import annotations

from ..request import ANONYMOUS, APIRequest, UserInfo


class AnonymousAuthenticator:
    name = "Anonymous"

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def authenticate(self, request: APIRequest) -> UserInfo | None:
        return ANONYMOUS if self.enabled else None
