"""The seam between a scenario run and the cluster it runs on.

A runner talks to its cluster only as kubectl and ``manage.py sim`` do: Kubernetes API
requests (:meth:`Backend.send`, :meth:`Backend.watch`) and the simulation's control
operations (:meth:`Backend.control`, the control API's verbs as data, e.g.
``{"op": "stop", "name": "kube-scheduler"}`` — see ``docs/control-plane.md``). Time moves
through :meth:`Backend.wait`. Three backends exist: a fresh headless cluster in this process
(:mod:`.headless`), a hosted cluster reached over HTTP (``manage.py scenario run --cluster``)
and the page's cluster inside the server (the Lessons panel).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class WatchStream(Protocol):
    def poll(self) -> list[dict]:
        """The watch events received since the last poll (``{"type", "object"}``)."""
        ...

    def close(self) -> None: ...


class Backend(Protocol):
    #: How the run reports where it runs ("a headless cluster", "cluster demo").
    description: str
    #: Whether the backend can build the scenario's nodes (headless) or must find them there.
    builds_nodes: bool

    def send(self, method: str, path: str, *, query: dict | None = None, body: bytes | None = None,
             content_type: str = "application/json", headers: dict | None = None,
             token: str | None = None) -> tuple[int, Any]:
        """One Kubernetes API request as the scenario's admin (kubectl's admin kubeconfig), or
        with the bearer ``token`` given instead; returns the status code and the decoded body."""
        ...

    def watch(self, path: str, query: dict) -> WatchStream: ...

    def control(self, op: dict) -> Any:
        """A control operation (raises ``SimulationError`` with the reason when refused)."""
        ...

    def now_seconds(self) -> float:
        """The cluster's virtual clock."""
        ...

    def wait(self, predicate: Callable[[], bool], timeout_seconds: float) -> bool:
        """Let the cluster run until ``predicate()`` holds or ``timeout_seconds`` of virtual time
        pass; whether it held. A paused cluster does not move: the predicate is judged as is."""
        ...

    def close(self) -> None: ...
