"""Bearer tokens: upstream's ``bearertoken`` request authenticator.

The header is ``Authorization: Bearer <token>``; header name and scheme are
case-insensitive. The decision table is upstream's, and it matters for what a learner
sees:

* no ``Authorization`` header, another scheme (``Basic …``) or an empty token — this
  plugin has nothing to say (``None``), so the next one (anonymous) may answer;
* a bearer token the cluster does not know — 401 *at once*, even when anonymous access is
  enabled: a wrong credential is never silently downgraded to ``system:anonymous``
  (upstream wraps the chain in ``union.NewFailOnError``);
* a known token — the user it belongs to. The header is then removed from the request, as
  upstream does, so that no later stage (audit, the UI) ever sees or logs the secret.
"""
from __future__ import annotations

from typing import Callable

from ..errors import unauthorized
from ..request import APIRequest, UserInfo


class TokenAuthenticator:
    """``lookup`` maps a token to its user; it owns the token table (a cluster setting)."""

    name = "BearerToken"

    def __init__(self, lookup: Callable[[str], UserInfo | None]) -> None:
        self.lookup = lookup

    def authenticate(self, request: APIRequest) -> UserInfo | None:
        header = request.header("authorization").strip()
        if not header:
            return None
        parts = header.split(" ", 2)
        if len(parts) < 2 or parts[0].lower() != "bearer" or not parts[1]:
            return None
        user = self.lookup(parts[1])
        if user is None:
            raise unauthorized(plugin=self.name)
        for key in [k for k in request.headers if k.lower() == "authorization"]:
            del request.headers[key]
        return user
