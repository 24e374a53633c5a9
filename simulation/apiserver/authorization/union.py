"""The union authorizer (upstream's ``authorizer/union.New``): the chain's authorizers asked in
turn, as one.

The first Allow or Deny decides; an authorizer with no opinion passes the question on. When
nobody decides, the answer is no opinion (a 403 for the request) with every reason given on
the way, joined by newlines — what kubectl prints after "forbidden:".
"""
from __future__ import annotations

from . import ALLOW, DENY, NO_OPINION, Attributes, Authorizer


class UnionAuthorizer:
    """The authorizers of ``authorizers`` in order. The list is read at every request, so a
    caller may still add to it after building the union (the assembly adds RBAC once the API
    server it reads through exists)."""

    name = "Union"

    def __init__(self, authorizers: list[Authorizer]) -> None:
        self.authorizers = authorizers

    def decide(self, attrs: Attributes) -> tuple[str, str, str]:
        """(decision, name of the authorizer that decided — "" when none did, reason). The audit
        record and the 403 name the deciding authorizer, so the union reports it."""
        reasons: list[str] = []
        for authorizer in self.authorizers:
            decision, reason = authorizer.authorize(attrs)
            if decision in (ALLOW, DENY):
                return decision, authorizer.name, reason
            if reason:
                reasons.append(reason)
        return NO_OPINION, "", "\n".join(reasons)

    def authorize(self, attrs: Attributes) -> tuple[str, str]:
        """(decision, reason): the union is an :class:`Authorizer` itself, as upstream's is."""
        decision, _, reason = self.decide(attrs)
        return decision, reason
