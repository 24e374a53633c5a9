"""Which API requests a cluster page made: its own, recorded in the audit trail under a
User-Agent of its own, ``clusterviz-page/<page id>``.

The page's reads (its lists on load, its inspectors, the watches its websocket opens) are
how the page learns the cluster, not part of the story it tells, so the stream leaves them
out unless the viewer asks for them (:mod:`clusterviz.viz.audience`). Telling them apart
by path would guess; the User-Agent is what the audit record already carries for every
client (kubectl, the components). Browsers will not let a script set ``User-Agent`` (Chromium
drops it from ``fetch`` silently), so the page sends :data:`PAGE_HEADER` with an id it
draws per tab, and the HTTP adapter records that as the request's User-Agent (:func:`tagged`).
The id is a name, not a credential: the bearer token still decides who acts and what they
may do; a client that borrows the header only changes how its own reads are drawn.
"""
from __future__ import annotations

import re

#: The header the cluster page's ``fetch`` calls carry: ``X-Clusterviz-Page: <page id>``.
PAGE_HEADER = "x-clusterviz-page"
#: The User-Agent recorded for a page's requests, before its id (the program name, as
#: managedFields takes it, is ``clusterviz-page``).
AGENT_PREFIX = "clusterviz-page/"
#: What a page id may look like: the page draws 16 hex digits.
PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def user_agent(page_id: str) -> str:
    """The User-Agent of page ``page_id``'s requests."""
    return AGENT_PREFIX + page_id


def page_of(agent: str) -> str | None:
    """The id of the page that made a request with User-Agent ``agent``, or None (not a page)."""
    if not agent.startswith(AGENT_PREFIX):
        return None
    page_id = agent[len(AGENT_PREFIX):]
    return page_id if PAGE_ID.match(page_id) else None


def tagged(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` (lower-case names) with a page's id turned into its User-Agent; a header
    that is not a page id is ignored, so the browser's own User-Agent stays."""
    page_id = headers.get(PAGE_HEADER, "")
    if not PAGE_ID.match(page_id):
        return headers
    return {**headers, "user-agent": user_agent(page_id)}
