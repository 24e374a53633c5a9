"""Case tables shared by the patch tests: each case is ``(id, *arguments)``."""
from __future__ import annotations


def ids(cases: list) -> list[str]:
    return [c[0] for c in cases]


def rows(cases: list) -> list[tuple]:
    return [c[1:] for c in cases]
