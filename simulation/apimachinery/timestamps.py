"""Kubernetes timestamps: ``metav1.Time`` (RFC 3339, whole seconds, UTC) and
``metav1.MicroTime`` (microseconds), written and read in one place for the API server,
the client machinery and every component."""
from __future__ import annotations

import datetime
import functools
import time
from typing import Any


def rfc3339(epoch_seconds: float) -> str:
    """``metav1.Time``: ``2026-12-01T13:58:22Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def rfc3339_micro(epoch_seconds: float) -> str:
    """``metav1.MicroTime``: ``2026-12-01T13:58:22.123456Z`` (a Lease's renewTime, an Event's eventTime)."""
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
