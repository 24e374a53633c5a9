"""The garbage collector as the server runs it.

A cluster is millions of small dicts and lists that live as long as the process, and
Python's default thresholds (700, 10, 10) make the collector walk them again and again: a
fifth of the kernel's time in ``bench scheduler``, and every few seconds a full collection
of the whole heap that stops the event loop for 60–70 ms (the slowest frames of ``bench ws``).
The server, the simworkers and the benchmarks that measure them call :func:`tune` once,
when everything that lives for the whole process has been imported.
"""
from __future__ import annotations

import gc

#: Generation 0 is collected a hundred times less often than by default; a full collection
#: waits for a hundred of generation 1 (and still for Python's own rule: a quarter more
#: long-lived objects than the last full one saw).
GC_THRESHOLDS = (70_000, 20, 100)


def tune() -> None:
    """Collect once, freeze what survives (modules, settings, the URL resolver: never garbage)
    so no later collection walks it again, and set :data:`GC_THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
