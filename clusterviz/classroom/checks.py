"""A lesson's exercise judged in every student's namespace, with one read per resource.

A lesson's check is written for one class in ``default`` (``pods -l app=web: 5 Running``).
In a class each student does it in their own namespace: the condition is moved there
(:func:`in_namespace`) and observed on :class:`ClusterReads`, which lists each resource
the conditions ask for once, cluster-wide, through the API server, and answers every
namespace's reads from that list. Judging thirty students costs the cluster a few lists, not
thirty times as many, and the lists carry a page's User-Agent (:data:`ROSTER_PAGE`) so they
stay off every diagram.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

from clusterviz.clusters import apiservers, pageagent
from simulation.apimachinery.selectors import parse_label_selector
from simulation.apimachinery.wellknown import SYSTEM_MASTERS
from simulation.apiserver.request import APIRequest, UserInfo
from simulation.scenarios.conditions import AllCondition, Condition
from simulation.scenarios.kube import APIFailure, path_of, resolve

#: The roster reads as a page of its own: off the diagram of every viewer.
ROSTER_PAGE = "classroom-roster"
READER = UserInfo("system:clusterviz-classroom", (SYSTEM_MASTERS,))


def in_namespace(condition: Condition, namespace: str) -> Condition:
    """``condition`` with its ``default`` namespace replaced (a lesson's own namespaces stay)."""
    if isinstance(condition, AllCondition):
        return dataclasses.replace(condition, conditions=[in_namespace(c, namespace) for c in condition.conditions])
    if getattr(condition, "namespace", None) == "default":
        return dataclasses.replace(condition, namespace=namespace)
    return condition


class _Reads:
    """The part of :class:`~simulation.scenarios.kube.KubeAPI` conditions use, over cached lists."""

    def __init__(self, cluster: str) -> None:
        self.cluster = cluster
        self.lists: dict[str, list[dict]] = {}

    def _all(self, resource: str) -> tuple[Any, list[dict]]:
        rt = resolve(resource)
        if rt is None:
            raise APIFailure(404, {"reason": "NotFound", "message": f'the server doesn\'t have a resource type "{resource}"'})
        if rt.name not in self.lists:
            response = apiservers.get(self.cluster).handle(APIRequest(
                "GET", path_of(rt), headers={"user-agent": pageagent.user_agent(ROSTER_PAGE),
                                             "accept": "application/json"}, user=READER))
            if response.code >= 400:
                raise APIFailure(response.code, response.body)
            self.lists[rt.name] = json.loads(json.dumps(response.body)).get("items") or []
        return rt, self.lists[rt.name]

    def list(self, resource: str, namespace: str = "", selector: str = "", **_: Any) -> list[dict]:
        rt, items = self._all(resource)
        chosen = parse_label_selector(selector) if selector else None
        return [o for o in items
                if (not rt.namespaced or not namespace or o["metadata"].get("namespace") == namespace)
                and (chosen is None or chosen.matches(o["metadata"].get("labels")))]

    def get_or_none(self, resource: str, namespace: str, name: str) -> dict | None:
        return next((o for o in self.list(resource, namespace) if o["metadata"]["name"] == name), None)

    def find(self, resource: str, namespace: str, name: str = "", selector: str = "") -> list[dict]:
        if name:
            found = self.get_or_none(resource, namespace, name)
            return [found] if found is not None else []
        return sorted(self.list(resource, namespace, selector), key=lambda o: o["metadata"]["name"])


class ClusterReads:
    """What a condition observes through (a scenario ``Session``'s reads), for one cluster and
    one moment: each resource listed at most once."""

    def __init__(self, cluster: str) -> None:
        self.api = _Reads(cluster)
        self.backend = None  # component and watch conditions are the teacher's, not per student

    def watch_events(self, name: str) -> list[dict]:
        raise APIFailure(400, {"message": "a watch condition is judged on the teacher's cluster only"})


def judge(condition: Condition, reads: ClusterReads, namespace: str) -> tuple[bool, str]:
    """Whether ``condition`` holds in ``namespace`` now, and what was seen."""
    moved = in_namespace(condition, namespace)
    try:
        seen = moved.observe(reads)  # type: ignore[arg-type]
    except (APIFailure, AttributeError, TypeError) as exc:
        return False, str(exc)
    return moved.holds(seen), moved.seen_text(seen)
