"""Work queues, as client-go's ``util/workqueue``, in virtual time.

Promises (those of ``workqueue/doc.go``):

* Fair: items are handed out in the order they were added.
* Stingy: an item added several times before it is processed is processed once.
* Never concurrently: an item being processed is not handed out again; if it is added
  meanwhile it is marked dirty and handed out after :meth:`done`.
* Rate-limited requeues back off per item exponentially (5 ms doubling up to 1000 s, as
  client-go's default controller rate limiter) until :meth:`forget`.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable

from simulation.kernel import Kernel

BASE_DELAY_SECONDS = 0.005
MAX_DELAY_SECONDS = 1000.0


class RateLimitingQueue:
    def __init__(self, kernel: Kernel, *, component: str, name: str,
                 on_ready: Callable[[], None] = lambda: None) -> None:
        self.kernel = kernel
        self.component = component
        self.name = name
        self.on_ready = on_ready
        self._queue: deque[str] = deque()
        self._dirty: set[str] = set()
        self._processing: set[str] = set()
        self._failures: dict[str, int] = {}
        self._waiting: dict[str, object] = {}
        self.shutting_down = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: str) -> None:
        if self.shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        self.kernel.note_work()
        if key in self._processing:
            return
        self._queue.append(key)
        self.on_ready()

    def get(self) -> str | None:
        """The next key, now marked as processing; None when the queue is empty."""
        if not self._queue:
            return None
        key = self._queue.popleft()
        self._processing.add(key)
        self._dirty.discard(key)
        return key

    def done(self, key: str) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self.on_ready()

    def add_after(self, key: str, delay_seconds: float) -> None:
        if self.shutting_down:
            return
        if delay_seconds <= 0:
            self.add(key)
            return
        if key in self._waiting:
            return
        self._waiting[key] = self.kernel.schedule(delay_seconds, lambda: self._ready_after_wait(key),
                                                  component=self.component, action="requeue")

    def _ready_after_wait(self, key: str) -> dict:
        """Housekeeping: the sync that follows is the story."""
        self._waiting.pop(key, None)
        self.add(key)
        return {"caption": f"{self.name}: {key} is back in the queue after its backoff", "housekeeping": True}

    def add_rate_limited(self, key: str) -> None:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** failures))

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: str) -> int:
        return self._failures.get(key, 0)

    def shut_down(self) -> None:
        self.shutting_down = True
        self._queue.clear()
        self._dirty.clear()
        self._waiting.clear()

    def keys(self) -> list[str]:
        return list(self._queue)
