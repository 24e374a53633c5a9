"""Bearer token and anonymous authentication, with upstream's decision table."""
from __future__ import annotations

import pytest

from simulation.apiserver.authentication.anonymous import AnonymousAuthenticator
from simulation.apiserver.authentication.token import TokenAuthenticator
from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import ANONYMOUS, APIRequest, UserInfo

ALICE = UserInfo("alice", ("students",))
TOKENS = {"s3cret": ALICE}


def request(headers: dict[str, str]) -> APIRequest:
    return APIRequest("GET", "/api/v1/namespaces/default/pods", headers=dict(headers))


RECOGNISED = [
    ("canonical", {"Authorization": "Bearer s3cret"}),
    ("lower-case-header-and-scheme", {"authorization": "bearer s3cret"}),
    ("upper-case-scheme", {"AUTHORIZATION": "BEARER s3cret"}),
    ("surrounding-space", {"Authorization": "  Bearer s3cret  "}),
]


@pytest.mark.parametrize("headers", [c[1] for c in RECOGNISED], ids=[c[0] for c in RECOGNISED])
def test_known_token_authenticates_and_is_removed(headers: dict[str, str]) -> None:
    req = request(headers)
    assert TokenAuthenticator(TOKENS.get).authenticate(req) == ALICE
    assert req.header("authorization") == "", "the secret must not travel further down the chain"


NOT_MINE = [
    ("no-header", {}),
    ("empty-header", {"Authorization": ""}),
    ("basic-auth", {"Authorization": "Basic YWxpY2U6cHc="}),
    ("scheme-only", {"Authorization": "Bearer"}),
    ("empty-token", {"Authorization": "Bearer  s3cret"}),
]


@pytest.mark.parametrize("headers", [c[1] for c in NOT_MINE], ids=[c[0] for c in NOT_MINE])
def test_no_bearer_token_means_no_opinion(headers: dict[str, str]) -> None:
    assert TokenAuthenticator(TOKENS.get).authenticate(request(headers)) is None


def test_unknown_token_is_refused_even_with_anonymous_enabled() -> None:
    with pytest.raises(StatusError) as info:
        TokenAuthenticator(TOKENS.get).authenticate(request({"Authorization": "Bearer wrong"}))
    err = info.value
    assert (err.code, err.reason, err.message, err.plugin) == (401, "Unauthorized", "Unauthorized", "BearerToken")


@pytest.mark.parametrize(("enabled", "expected"), [(True, ANONYMOUS), (False, None)], ids=["enabled", "disabled"])
def test_anonymous(enabled: bool, expected: UserInfo | None) -> None:
    plugin = AnonymousAuthenticator(enabled)
    assert plugin.name == "Anonymous"
    assert plugin.authenticate(request({"Authorization": "Basic x"})) == expected
