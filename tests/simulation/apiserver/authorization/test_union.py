"""The union authorizer: the first Allow or Deny decides, and is named; nobody deciding joins the reasons."""
from __future__ import annotations

import pytest

from simulation.apiserver.authorization import ALLOW, DENY, NO_OPINION, Attributes
from simulation.apiserver.authorization.union import UnionAuthorizer
from simulation.apiserver.request import UserInfo


class Fixed:
    def __init__(self, name: str, decision: str, reason: str) -> None:
        self.name, self.decision, self.reason = name, decision, reason

    def authorize(self, attrs: Attributes) -> tuple[str, str]:
        return self.decision, self.reason


UNION = [
    ("first-allow-wins", [Fixed("a", NO_OPINION, "a"), Fixed("b", ALLOW, "b"), Fixed("c", DENY, "c")],
     (ALLOW, "b", "b")),
    ("deny-stops-the-chain", [Fixed("a", DENY, "no"), Fixed("b", ALLOW, "yes")], (DENY, "a", "no")),
    ("no-opinion-joins-reasons", [Fixed("a", NO_OPINION, "a"), Fixed("b", NO_OPINION, ""),
                                  Fixed("c", NO_OPINION, "b")], (NO_OPINION, "", "a\nb")),
    ("nobody-asked", [], (NO_OPINION, "", "")),
]


@pytest.mark.parametrize(("authorizers", "expected"), [c[1:] for c in UNION], ids=[c[0] for c in UNION])
def test_union_decides_like_upstream(authorizers: list, expected: tuple[str, str, str]) -> None:
    attrs = Attributes(user=UserInfo("student"), verb="get", is_resource_request=False, path="/")
    union = UnionAuthorizer(authorizers)
    assert union.decide(attrs) == expected
    assert union.authorize(attrs) == (expected[0], expected[2])


def test_authorizers_added_after_the_union_is_built_are_asked() -> None:
    authorizers: list = []
    union = UnionAuthorizer(authorizers)
    authorizers.append(Fixed("late", ALLOW, ""))
    assert union.decide(Attributes(user=UserInfo("x"), verb="get", is_resource_request=False))[:2] == (ALLOW, "late")
