"""The shape every controller shares (``kubernetes/sample-controller``'s controller.go).

Event handlers do no work: they turn objects into keys and enqueue them. The worker takes
one key per kernel action and calls :meth:`Controller.sync_handler`, which reads from the
informers' listers, compares desired with actual, writes through the API and returns a
caption saying what it did in plain words. An exception requeues the key with backoff.
Cached objects are never changed in place: copy, then write. A sync that sent no write is a
housekeeping step (the controller looked and found the cluster as it should be), and so is a
retry that fails again: the first failure and the retry that succeeds tell the story.
"""
from __future__ import annotations

import copy
from typing import Protocol

from simulation.apimachinery.keys import object_key
from simulation.client.apiclient import APIClient, APIError
from simulation.client.events import EventRecorder
from simulation.client.informer import Informer
from simulation.client.workqueue import RateLimitingQueue
from simulation.kernel import Kernel

#: Virtual seconds one sync takes: small, but enough to keep a step's order readable.
SYNC_SECONDS = 0.01


class ControllerHost(Protocol):
    """What a controller uses of the process hosting it (upstream's ``ControllerContext``):
    the kernel's clock and scheduler, the process's API client, its shared informer factory,
    its name (the component the diagram draws the work under) and whether it leads.

    ``ControllerManager`` satisfies it without naming it, so the controllers never import the
    manager — which imports the registry, which imports every controller."""

    name: str
    kernel: Kernel
    client: APIClient
    #: A replicated manager works only while it holds its lease.
    leading: bool

    def informer(self, resource: str, *, namespace: str = "", field_selector: str = "",
                 label_selector: str = "") -> Informer:
        """The host's shared informer for this resource and selector (one watch each)."""
        ...


class Controller:
    #: Upstream's controller name (``--controllers``) and its Events' source component.
    name = ""
    event_source = ""

    def __init__(self, manager: ControllerHost) -> None:
        self.manager = manager
        self.kernel = manager.kernel
        self.client = manager.client
        self.recorder = EventRecorder(manager.kernel, manager.client, self.event_source or f"{self.name}-controller")
        self.queue = RateLimitingQueue(manager.kernel, component=manager.name, name=self.name, on_ready=self._wake)
        self._worker_scheduled = False
        self.syncs = 0

    def setup(self) -> None:
        """Create informers (``self.manager.informer(...)``) and register handlers."""
        raise NotImplementedError

    def sync_handler(self, key: str) -> str | None:
        raise NotImplementedError

    # ----------------------------------------------------------------- helpers for handlers
    def enqueue(self, obj: dict) -> None:
        self.queue.add(object_key(obj))

    @staticmethod
    def copy(obj: dict) -> dict:
        return copy.deepcopy(obj)

    # ----------------------------------------------------------------- the worker
    def _wake(self) -> None:
        if not self._worker_scheduled and self.manager.leading:
            self._worker_scheduled = True
            self.kernel.schedule(SYNC_SECONDS, self.process_next_work_item, component=self.manager.name,
                                 action="sync")

    def process_next_work_item(self) -> dict:
        self._worker_scheduled = False
        key = self.queue.get()
        if key is None:
            return {"controller": self.name, "caption": f"The {self.name} controller's queue is empty",
                    "housekeeping": True}
        self.syncs += 1
        writes = self.client.writes
        failed_again = False
        try:
            caption = self.sync_handler(key)
            self.queue.forget(key)
        except APIError as exc:
            self.queue.add_rate_limited(key)
            # The first failure is the story; retries failing again are housekeeping until one succeeds.
            failed_again = self.queue.num_requeues(key) > 1
            caption = f"The {self.name} controller failed to sync {key}: {exc}; it will retry with backoff"
        finally:
            self.queue.done(key)
            if len(self.queue):
                self._wake()
        return {"controller": self.name, "caption": caption or f"The {self.name} controller syncs {key}: nothing to do",
                "housekeeping": failed_again or self.client.writes == writes, "extra": {"key": key}}

    def status(self) -> dict:
        return {"name": self.name, "queue": len(self.queue), "syncs": self.syncs}
