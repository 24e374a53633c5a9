"""Kubernetes timestamps: ``metav1.Time`` (RFC 3339, whole seconds, UTC) and
``metav1.MicroTime`` (microseconds), written and read in one place for the API server,
the client machinery and every component; how long ago one was, in the words of
kubectl's age columns (upstream's ``apimachinery/pkg/util/duration``); and a duration as Go
prints it (``time.Duration``), as the kubelet's messages and ``manage.py sim`` show it."""
from __future__ import annotations

import datetime
import functools
import math
import time
from typing import Any


def rfc3339(epoch_seconds: float) -> str:
    """``metav1.Time``: ``2026-12-01T13:58:22Z``."""
    return _rfc3339_second(math.floor(epoch_seconds))  # gmtime floors a float too


@functools.lru_cache(maxsize=64)
def _rfc3339_second(second: int) -> str:
    """Remembered: every write of a busy second stamps the same few (managedFields' time,
    creationTimestamp)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def rfc3339_micro(epoch_seconds: float) -> str:
    """``metav1.MicroTime``: ``2026-12-01T13:58:22.123456Z`` (a Lease's renewTime, an Event's eventTime).
    ``isoformat`` writes the same digits as ``strftime`` in a third less time (every Event
    and every Lease renewal stamps one)."""
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_time(value: Any) -> float | None:
    """Epoch seconds of an RFC 3339 timestamp (``Z`` or an offset, optional fraction; no
    zone means UTC); None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    return _parse(value.strip())


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> float | None:
    """Controllers read the same creation and transition times on every sync: remembered."""
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def human_duration(seconds: float) -> str:
    """Upstream's ``duration.HumanDuration``: about two significant figures of a duration."""
    whole = int(seconds)  # Go's int(d.Seconds()) truncates toward zero
    if whole < -1:
        return "<invalid>"  # more than a second in the future: clock skew beyond tolerance
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration`` printing, to the millisecond: ``2.5s``, ``500ms``, ``1m5.2s``."""
    ms = int(round(seconds * 1000))
    if ms < 1000:
        return f"{ms}ms"
    minutes, ms = divmod(ms, 60_000)
    text = f"{ms / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{text}" if minutes else text


def translate_timestamp_since(value: Any, now: float) -> str:
    """An age cell: ``human_duration(now - value)``, or ``<unknown>`` without a timestamp."""
    at = parse_time(value)
    if at is None:
        return "<unknown>"
    return human_duration(now - at)
