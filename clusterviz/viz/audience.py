"""What one viewer of a cluster's stream is shown of its audit records.

The stream is the classroom's view: every request of kubectl, of the components and of
the pages' writes goes to every viewer. Two kinds of records are the pages' business, not
the class's, and the websocket leaves them out per viewer (:meth:`Viewer.sees`):

- a page's reads (lists, gets, the watches its websocket opens): how that page learns the
  cluster. Another page's are never shown; this page's own only when its viewer turns
  "show this page's requests" on (:attr:`Viewer.own_reads`).
- a page's requests refused at the door (authentication or authorization): another user's
  are noise that names them; a viewer's own refusals always show, they teach RBAC.

Filtering here rather than in the browser keeps other users' refusals off the wire: a
student's developer tools never show a classmate's name on a 403. It costs a few string
comparisons per record and viewer; the records are still computed and published once per
cluster.
"""
from __future__ import annotations

from dataclasses import dataclass

from clusterviz.clusters import pageagent
from simulation.apiserver.audit import AUTHENTICATION, AUTHORIZATION

#: The verbs that only read (upstream's read-only request verbs).
READ_VERBS = frozenset({"get", "list", "watch"})
#: The stages that refuse a request because of who sent it.
DOOR_STAGES = frozenset({AUTHENTICATION, AUTHORIZATION})


def refused_at_the_door(record: dict) -> bool:
    """Whether authentication or authorization refused the request (a 401 or an RBAC 403,
    not an admission plugin's 403 such as ResourceQuota's)."""
    return any(s.get("result") == "rejected" and s.get("stage") in DOOR_STAGES for s in record.get("stages") or [])


@dataclass
class Viewer:
    """One websocket: the user it acts as in the cluster and the id its page sends with
    its requests (:mod:`clusterviz.clusters.pageagent`)."""

    user: str
    page_id: str
    own_reads: bool = False

    def sees(self, record: dict) -> bool:
        page = pageagent.page_of(record.get("user_agent") or "")
        if page is None:
            return True  # kubectl's, a component's: the class's view
        mine = page == self.page_id
        if refused_at_the_door(record):
            return mine or record.get("user") == self.user
        if record.get("verb") in READ_VERBS:
            return mine and self.own_reads
        return True  # a page's write (the create form, scale, delete) acts in the cluster
