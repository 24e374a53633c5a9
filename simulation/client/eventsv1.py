"""Event recording through ``events.k8s.io/v1``, as client-go's ``tools/events`` does it
(``event_recorder.go``, ``event_broadcaster.go``) for the components that moved to the new API
— in Kubernetes 1.33 kube-scheduler (its ``EventBroadcasterAdapter``) and kube-proxy; the
controller manager and the kubelet still record core/v1 Events through ``tools/record``
(:mod:`.events`).

What a learner sees of it:

* An Event names its reporter twice: ``reportingController`` (the scheduler's name,
  ``default-scheduler``) and ``reportingInstance`` (``<controller>-<hostname>``), says what was
  done (``action``: ``Scheduling``, ``Binding``, ``Preempting``) and when (``eventTime``, in
  microseconds). It carries no ``source``, ``count`` or first/last timestamps; ``kubectl get
  events`` prints its reporter in the SOURCE column and its ``eventTime`` as its age.
* Isomorphic Events (same type, action, reason, reporter, regarding and related object — the
  note does not count) are not written again: the second one turns the first into a series
  (``series: {count: 2, lastObservedTime}``, one patch); later ones only count in the
  recorder's memory. Every 6 minutes (``finishTime``) a series seen last more than 6 minutes
  ago is written with its final count and forgotten, as is a single Event older than that;
  every 30 minutes (``refreshTime``) every live series is written (a heartbeat). So ``kubectl
  get events`` shows a series' count as of its last write, as upstream's does.

The cache and both periodic checks belong to the process: a restarted component starts
empty. Time is the kernel's virtual clock. Recording never fails the caller: an Event the API
server refuses is dropped, as upstream's ``recordEvent`` gives up on a Status error.
"""
from __future__ import annotations

from simulation.apimachinery.timestamps import parse_time, rfc3339_micro
from simulation.kernel import Kernel

from .apiclient import APIClient, APIError, is_not_found
from .events import object_reference

GROUP = "events.k8s.io"
API_VERSION = "events.k8s.io/v1"
#: ``finishTime``: a series unseen this long is finished; also how often that is checked.
FINISH_SECONDS = 6 * 60
#: ``refreshTime``: how often live series are written again.
REFRESH_SECONDS = 30 * 60
#: The API server's ``NoteLengthLimit``: a longer note is refused, so reporters cut theirs.
NOTE_LENGTH_LIMIT = 1024
_REF_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")


def _ref_key(ref: dict | None) -> tuple:
    return tuple((ref or {}).get(f, "") for f in _REF_FIELDS)


class EventsV1Recorder:
    """``recorderImpl`` and its ``eventBroadcasterImpl`` for one reporting controller."""

    def __init__(self, kernel: Kernel, client: APIClient, reporting_controller: str, hostname: str, *,
                 component: str) -> None:
        self.kernel = kernel
        self.client = client
        self.reporting_controller = reporting_controller
        #: upstream's ``NewRecorder``: ``reportingController + "-" + os.Hostname()``
        self.reporting_instance = f"{reporting_controller}-{hostname}"
        self.component = component
        #: isomorphic key -> the Event as last recorded (series counted here between writes)
        self._cache: dict[tuple, dict] = {}
        #: how many cached Events are series (the 30-minute heartbeat runs while any is)
        self._series = 0
        self._finish_timer = None
        self._refresh_timer = None

    def eventf(self, regarding: dict, related: dict | None, type_: str, reason: str, action: str,
               note: str) -> None:
        """``Eventf``: record that ``action`` was taken (or failed) on ``regarding``."""
        ref = object_reference(regarding)
        related_ref = object_reference(related) if related is not None else None
        now = self.kernel.wall_time()
        suffix = format(int(now * 1e9) + self.kernel.rng.randrange(1 << 20), "x")
        event = {"apiVersion": API_VERSION, "kind": "Event",
                 "metadata": {"name": f"{ref['name']}.{suffix}", "namespace": ref.get("namespace") or "default"},
                 "eventTime": rfc3339_micro(now), "reportingController": self.reporting_controller,
                 "reportingInstance": self.reporting_instance, "action": action, "reason": reason,
                 "regarding": ref, "note": note, "type": type_}
        if related_ref is not None:
            event["related"] = related_ref
        key = (type_, action, reason, self.reporting_controller, self.reporting_instance, _ref_key(ref),
               _ref_key(related_ref))
        cached = self._cache.get(key)
        if cached is None:
            self._cache[key] = event
            self._record(event)
        elif cached.get("series") is not None:
            cached["series"] = {"count": cached["series"]["count"] + 1, "lastObservedTime": rfc3339_micro(now)}
        else:
            cached["series"] = {"count": 2, "lastObservedTime": rfc3339_micro(now)}
            self._record(cached)
            self._series += 1
        self._keep_checking()

    # ----------------------------------------------------------------- the sink
    def _record(self, event: dict) -> dict | None:
        """``recordEvent``: a series is a patch of its ``series`` (a create when the Event is
        gone); anything else a create. The server's answer, or None when it refused."""
        meta = event["metadata"]
        if event.get("series") is not None:
            try:
                return self.client.patch("events", meta["namespace"], meta["name"], {"series": event["series"]},
                                         patch_type="strategic", group=GROUP)
            except APIError as exc:
                if not is_not_found(exc):
                    return None
        body = {**event, "metadata": {k: v for k, v in meta.items() if k != "resourceVersion"}}
        try:
            return self.client.create("events", body, meta["namespace"], group=GROUP)
        except APIError:
            return None

    # ----------------------------------------------------------------- periodic checks
    def _keep_checking(self) -> None:
        if self._finish_timer is None:
            self._finish_timer = self.kernel.schedule(FINISH_SECONDS, self._finish_series, component=self.component,
                                                      action="finish-event-series")
        if self._refresh_timer is None and self._series:
            self._refresh_timer = self.kernel.schedule(REFRESH_SECONDS, self._refresh_series,
                                                       component=self.component, action="refresh-event-series")

    def _finish_series(self) -> dict:
        """``finishSeries``: write the final count of each series unseen for 6 minutes and forget
        it; forget single Events older than that."""
        self._finish_timer = None
        cutoff = self.kernel.wall_time() - FINISH_SECONDS
        written = []
        for key, event in list(self._cache.items()):
            series = event.get("series")
            if series is not None:
                if (parse_time(series["lastObservedTime"]) or 0) < cutoff:
                    self._record(event)
                    written.append(event)
                    del self._cache[key]
                    self._series -= 1
            elif (parse_time(event["eventTime"]) or 0) < cutoff:
                del self._cache[key]
        if self._cache:
            self._keep_checking()
        return self._series_step(written, "finishes", "with its final count")

    def _refresh_series(self) -> dict:
        """``refreshExistingEventSeries``: write every live series again (its heartbeat)."""
        self._refresh_timer = None
        written = []
        for event in self._cache.values():
            if event.get("series") is not None:
                self._record(event)
                written.append(event)
        self._keep_checking()
        return self._series_step(written, "refreshes", "with its count so far")

    def _series_step(self, written: list[dict], verb: str, how: str) -> dict:
        if not written:
            return {"housekeeping": True}
        names = ", ".join(f"{e['reason']} ×{e['series']['count']} ({e['regarding'].get('name', '')})"
                          for e in written)
        return {"caption": f"{self.reporting_controller} {verb} {len(written)} Event "
                           f"series {how}: {names}"}
