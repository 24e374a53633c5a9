"""The discrete-event kernel: a virtual clock, a heap of pending component actions, a
seeded random source. Everything that makes the simulated cluster move is an action here.

Promises:

* Nothing in ``simulation`` reads the wall clock for behaviour; components read
  :attr:`Kernel.now_seconds` (virtual seconds) and :meth:`Kernel.wall_time` (the epoch time
  the virtual clock stands for: every timestamp the cluster writes, a Lease's ``renewTime``
  as an object's ``creationTimestamp`` — the API server is handed this clock too). How it
  relates to the wall clock is :mod:`.pacing`'s business.
* One :meth:`step` runs exactly one component action — one watch event delivered, one work
  item synced, one pod scheduled, one kubelet pod update — and records it as a :class:`Step`.
* Every step is either part of the story (a component acts on an object, or hears of a change
  and queues work because of it) or housekeeping (heartbeats, lease renewals, relists and
  periodic checks that changed nothing, watch events nobody acted on). The component that
  ran the action says which, in its result; :meth:`step_story` runs housekeeping silently up
  to the next story step, still one recorded action at a time.
* Actions due at the same virtual time run in the order they were scheduled (a sequence
  number breaks ties), so the same seed and the same inputs give the same history.
* Watches are pumped, not pushed: after every action, and whenever the outside world may
  have written (``kubectl`` while the kernel is live or paused), the kernel asks its change
  probe whether the store moved and, if so, lets the registered pumps whose topic was
  written (all of them when the change feed cannot tell) pull their events.
  Pumping only queues deliveries; each delivery is a later action of its own.
* A step's ``watchers`` are exactly the components whose watches received an event of what
  the action wrote: a pump says how many events it pulled, and a pump woken by its topic that
  pulled nothing (a namespace or selector that filters the write out) is no watcher of it.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Hashable

#: What an action may return: nothing, a caption, or the fields of its step record
#: (``caption``, ``object``, ``housekeeping``, ``highlight``…; other keys go to ``extra``).
ActionResult = str | dict | None
Action = Callable[[], ActionResult]
#: A watch pump pulls what its watch has ready and says how many events that was.
Pump = Callable[[], int]
#: The names the diagram gives the API server and etcd in a step's ``highlight``.
API_SERVER = "apiserver"
ETCD = "etcd"
#: How far ahead (virtual seconds) a story step may run housekeeping looking for the next story
#: step: past every gap inside a chain of reactions (an image pull takes seconds, a silent node
#: is judged after 50 s), short enough that stepping a cluster with nothing to tell returns
#: quickly and does not run the clock far ahead. Longer waits (CrashLoopBackOff's back-off, the
#: 5-minute unschedulable flush) take a step per minute, or play.
STORY_HORIZON_SECONDS = 60.0
logger = logging.getLogger(__name__)
#: A real API server delivers watch events within milliseconds: headless runs use that.
FAST_WATCH_LATENCY_SECONDS = 0.005
#: Hosted (live) clusters pace each hop at a second, so that at 1x a class can follow the
#: chain and kubectl's second-resolution timestamps order its Events stage by stage.
CLASSROOM_WATCH_LATENCY_SECONDS = 1.0


@dataclass
class Step:
    """One executed component action, as the timeline, the caption line and tests see it.

    ``housekeeping`` is set by the component for an action that keeps the cluster running
    without moving its story; stepping runs those silently and the page hides them unless
    asked. It is False unless the component says so, so an action nobody classified is shown,
    never hidden by omission. ``highlight`` is the path the page lights for the step: the
    component, and when it wrote, the API server, etcd and the components watching what it
    wrote (a watch delivery names the API server and its receiver). ``watchers`` are those
    watching components, the writer included when it watches what it wrote (its own
    informer hears it too): the branches of the watch fan-out the page draws."""

    seq: int
    time_seconds: float
    component: str
    action: str
    caption: str = ""
    controller: str | None = None
    object: dict | None = None
    event_type: str | None = None
    housekeeping: bool = False
    highlight: list[str] = field(default_factory=list)
    watchers: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Timer:
    """A scheduled action; :meth:`cancel` makes the kernel skip it without counting a step."""

    __slots__ = ("action_name", "callback", "cancelled", "component", "seq", "when")

    def __init__(self, when: float, seq: int, component: str, action_name: str, callback: Action) -> None:
        self.when = when
        self.seq = seq
        self.component = component
        self.action_name = action_name
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: Timer) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class Kernel:
    def __init__(self, *, seed: int = 0, epoch: float = 1_700_000_000.0, history_size: int = 10_000,
                 strict: bool = False, watch_latency_seconds: float = FAST_WATCH_LATENCY_SECONDS) -> None:
        self.seed = seed
        #: Virtual seconds from a write to its delivery to each watcher: every hop between
        #: components costs this much (see :data:`CLASSROOM_WATCH_LATENCY_SECONDS`).
        self.watch_latency_seconds = watch_latency_seconds
        #: Strict kernels (tests, benchmarks) let an action's exception propagate; a hosted
        #: one records it as the step's caption and goes on, so one bug cannot freeze a class.
        self.strict = strict
        self.rng = random.Random(seed)
        self.epoch = epoch
        self.now_seconds = 0.0
        self.steps_taken = 0
        self.history: deque[Step] = deque(maxlen=history_size)
        self._heap: list[Timer] = []
        self._seq = itertools.count()
        #: Actions scheduled plus work queued without a new action (:meth:`note_work`): an informer
        #: compares it across its handlers to tell a watch event someone acted on from one nobody did.
        self.work_queued = 0
        self._pumps: dict[int, tuple[Pump, Hashable, str]] = {}
        self._pump_ids = itertools.count()
        self._pumps_by_topic: dict[Hashable, dict[int, Pump]] = {}
        self._change_probe: Callable[[], Any] = lambda: None
        self._change_feed: Callable[[Any], set | None] | None = None
        self._last_seen: Any = object()
        self.step_listeners: list[Callable[[Step], None]] = []

    # ----------------------------------------------------------------- time
    def wall_time(self) -> float:
        """The epoch time the virtual clock stands for (timestamps written to objects)."""
        return self.epoch + self.now_seconds

    def schedule(self, delay_seconds: float, callback: Action, *, component: str, action: str) -> Timer:
        timer = Timer(self.now_seconds + max(0.0, delay_seconds), next(self._seq), component, action, callback)
        heapq.heappush(self._heap, timer)
        self.work_queued += 1
        return timer

    def note_work(self) -> None:
        """A component queued work that needs no new action (its worker is due already): it
        still counts as acting on what it heard (:attr:`work_queued`)."""
        self.work_queued += 1

    def cancel_component(self, component: str) -> None:
        """Drop every pending action of a stopped component (its process is gone)."""
        for timer in self._heap:
            if timer.component == component:
                timer.cancelled = True

    def pending(self) -> int:
        return sum(1 for t in self._heap if not t.cancelled)

    def next_due(self) -> float | None:
        """When the next action is due (virtual seconds), None when nothing is scheduled."""
        self._discard_cancelled()
        return self._heap[0].when if self._heap else None

    def _discard_cancelled(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)

    # ----------------------------------------------------------------- watches
    def add_pump(self, pump: Pump, topic: Hashable = None, owner: str = "") -> None:
        """Register ``pump`` to run when the store moves — only when ``topic`` (``"pods"``,
        or ``("pods", "node-1")``) is among what changed, if the change feed tells. ``owner``,
        the watching component, is named among the watchers of the steps whose writes reach
        it (the pump pulled at least one event)."""
        key = next(self._pump_ids)
        self._pumps[key] = (pump, topic, owner)
        self._pumps_by_topic.setdefault(topic, {})[key] = pump

    def remove_pump(self, pump: Pump) -> None:
        for key, (registered, topic, _) in list(self._pumps.items()):
            if registered == pump:
                del self._pumps[key]
                del self._pumps_by_topic[topic][key]

    def set_change_probe(self, probe: Callable[[], Any],
                         feed: Callable[[Any], set | None] | None = None) -> None:
        """``probe()`` returns a value that changes whenever the store was written (the store's
        revision); pumps run only when it moved. ``feed(last)`` names the topics written since
        ``last`` (None: it cannot tell), so a write wakes only the pumps that care."""
        self._change_probe = probe
        self._change_feed = feed
        self._last_seen = object()

    def pump(self, force: bool = False) -> list[str] | None:
        """Let the pumps of what was written since the last call pull their events. Returns None
        when nothing was written, else the owners of the pumps that pulled an event (the
        watchers of what was written), each once, in registration order."""
        seen = self._change_probe()
        if not force and seen == self._last_seen:
            return None
        topics = self._change_feed(self._last_seen) if self._change_feed and not force and \
            isinstance(self._last_seen, int) else None
        self._last_seen = seen
        if topics is None:
            selected = [(key, pump) for key, (pump, _, _) in self._pumps.items()]
        else:
            chosen: dict[int, Pump] = dict(self._pumps_by_topic.get(None, {}))
            for topic in topics:
                chosen.update(self._pumps_by_topic.get(topic, {}))
            # Registration order, never set order: the same inputs must queue the same deliveries.
            selected = sorted(chosen.items())
        owners = [self._pumps[key][2] for key, pump in selected if pump() and key in self._pumps]
        return list(dict.fromkeys(owner for owner in owners if owner))

    # ----------------------------------------------------------------- running
    def step(self, until: float | None = None) -> Step | None:
        """Run the next action (if one is due by ``until``); return its record."""
        self.pump()
        self._discard_cancelled()
        if not self._heap or (until is not None and self._heap[0].when > until):
            return None
        timer = heapq.heappop(self._heap)
        self.now_seconds = max(self.now_seconds, timer.when)
        try:
            result = timer.callback()
        except Exception as exc:
            if self.strict:
                raise
            logger.exception("action %s of %s failed", timer.action_name, timer.component)
            result = {"caption": f"{timer.component} failed during {timer.action_name}: {exc!r}",
                      "extra": {"error": repr(exc)}}
        self.steps_taken += 1
        step = Step(self.steps_taken, round(self.now_seconds, 6), timer.component, timer.action_name)
        if isinstance(result, str):
            step.caption = result
        elif isinstance(result, dict):
            for key, value in result.items():
                if hasattr(step, key) and key not in ("seq", "time_seconds"):
                    setattr(step, key, value)
                else:
                    step.extra[key] = value
        watchers = self.pump()
        if watchers:
            step.watchers = watchers
        if not step.highlight:
            step.highlight = [step.component] if watchers is None else \
                list(dict.fromkeys([step.component, API_SERVER, ETCD, *watchers]))
        self.history.append(step)
        for listener in self.step_listeners:
            listener(step)
        return step

    def step_story(self, until: float | None = None) -> list[Step]:
        """Run actions up to and including the next story step, the housekeeping due before it
        running silently (each still one recorded action). Returns every step run, the story
        step last — or only housekeeping when nothing more is due by ``until``."""
        ran: list[Step] = []
        while (step := self.step(until)) is not None:
            ran.append(step)
            if not step.housekeeping:
                break
        return ran

    def run_until(self, until_seconds: float, max_steps: int | None = None) -> int:
        """Run every action due up to ``until_seconds``, then move the clock there."""
        count = 0
        while max_steps is None or count < max_steps:
            if self.step(until=until_seconds) is None:
                break
            count += 1
        if max_steps is None or count < max_steps:
            self.now_seconds = max(self.now_seconds, until_seconds)
        return count

    def run_for(self, seconds: float, max_steps: int | None = None) -> int:
        return self.run_until(self.now_seconds + seconds, max_steps)

    def run_until_true(self, predicate: Callable[[], bool], *, timeout_seconds: float,
                       check_every_seconds: float = 0.5) -> bool:
        """Headless: run until ``predicate()`` holds or ``timeout_seconds`` of virtual time pass."""
        deadline = self.now_seconds + timeout_seconds
        while self.now_seconds < deadline:
            if predicate():
                return True
            self.run_until(min(deadline, self.now_seconds + check_every_seconds))
        return predicate()
