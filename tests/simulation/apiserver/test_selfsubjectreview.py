"""SelfSubjectReview (``kubectl auth whoami``): the API server tells callers who it thinks they are."""
from __future__ import annotations

import pytest

from simulation.apiserver.assembly import new_apiserver
from simulation.apiserver.bootstrap import bootstrap
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIClient
from simulation.store.memory import MemoryStore

REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview", "metadata": {}}


@pytest.fixture
def server():
    server = new_apiserver(MemoryStore(), token_lookup=lambda t: None, clock=lambda: 1_700_000_000.0, seed=1)
    bootstrap(server)
    return server


def test_a_user_sees_its_name_uid_groups_and_extra(server):
    user = UserInfo("jane", ("developers",), uid="1234", extra=(("scopes.example.com", ("read", "write")),))
    answer = APIClient(server, user, "kubectl").create("selfsubjectreviews", dict(REVIEW), "")
    assert answer["kind"] == "SelfSubjectReview" and answer["apiVersion"] == "authentication.k8s.io/v1"
    assert answer["metadata"] == {"creationTimestamp": "2023-11-14T22:13:20Z"}
    assert answer["status"]["userInfo"] == {"username": "jane", "uid": "1234",
                                            "groups": ["developers", "system:authenticated"],
                                            "extra": {"scopes.example.com": ["read", "write"]}}


def test_a_user_without_uid_or_extra_gets_only_what_it_has(server):
    answer = APIClient(server, UserInfo("bob"), "kubectl").create("selfsubjectreviews", dict(REVIEW), "")
    assert answer["status"]["userInfo"] == {"username": "bob", "groups": ["system:authenticated"]}
