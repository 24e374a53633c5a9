"""A cluster page's requests are recorded under the page's own User-Agent: the browser will
not let a script set one, so the page names itself in a header the HTTP adapter turns into it."""
from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from clusterviz.clusters import apiservers, pageagent
from clusterviz.clusters.bootstrap import create_cluster, user_token
from clusterviz.clusters.models import AuditRecord
from clusterviz.kubeapi.asgi import KubeAPIApplication

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36"


async def _unrouted(scope, receive, send) -> None:  # noqa: ANN001 - the ASGI callables
    raise AssertionError(f"{scope['path']} is an API path")


def _get(cluster: str, token: str, headers: dict[str, str]) -> int:
    raw = [(b"authorization", f"Bearer {token}".encode()), (b"user-agent", BROWSER.encode()),
           *((name.encode(), value.encode()) for name, value in headers.items())]
    communicator = HttpCommunicator(KubeAPIApplication(_unrouted), "GET", f"/clusters/{cluster}/api/v1/namespaces",
                                    headers=raw)
    response = async_to_sync(communicator.get_response)()
    assert json.loads(response["body"])["kind"] == "NamespaceList"
    return response["status"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("headers", "agent"), [
    ({pageagent.PAGE_HEADER: "0123456789abcdef"}, "clusterviz-page/0123456789abcdef"),
    ({}, BROWSER),
    ({pageagent.PAGE_HEADER: "not a page id"}, BROWSER),
], ids=["page header", "no page header", "malformed page header"])
def test_a_pages_request_is_audited_under_the_pages_user_agent(headers: dict[str, str], agent: str) -> None:
    cluster = create_cluster("page-agent")
    token = user_token(cluster).token
    first = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0

    assert _get("page-agent", token, headers) == 200
    apiservers.get("page-agent").audit_sink.flush()

    listed = AuditRecord.objects.get(id__gt=first, verb="list", resource="namespaces")
    assert listed.user_agent == agent


@pytest.mark.parametrize(("agent", "page_id"), [
    ("clusterviz-page/0123456789abcdef", "0123456789abcdef"),
    ("clusterviz-page/", None),
    ("clusterviz-page/a b", None),
    ("kubectl/v1.33.0 (linux/amd64) kubernetes/abc", None),
    ("", None),
], ids=["a page", "no id", "not an id", "kubectl", "none"])
def test_page_of_names_the_page_only_for_a_pages_user_agent(agent: str, page_id: str | None) -> None:
    assert pageagent.page_of(agent) == page_id
