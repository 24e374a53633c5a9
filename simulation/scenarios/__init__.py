"""Guided scenarios: chapter 11's stories as narrated, checked, replayable lessons.

A scenario is a YAML file (format: ``docs/scenarios.md``): shipped ones live in
``library/``, one per row of CHAPTER11.md; a teacher's own file loads the same way. The
runner (:mod:`.runner`) plays one on a fresh headless cluster (:mod:`.headless`) or on a
hosted cluster through the API and the control operations.
"""
from __future__ import annotations

from pathlib import Path

from .model import Scenario
from .validate import ScenarioInvalid, load

LIBRARY = Path(__file__).with_name("library")


def shipped_paths() -> list[Path]:
    return sorted(LIBRARY.glob("*.yaml"))


def shipped() -> list[Scenario]:
    """Every shipped scenario, in the order of chapter 11's sections."""
    return sorted((load(p) for p in shipped_paths()), key=lambda s: (_section_key(s.section), s.id))


def _section_key(section: str) -> tuple:
    return (1, ()) if section == "notes" else (0, tuple(int(p) for p in section.split(".")))


def find(name: str) -> Scenario:
    """A shipped scenario by id, or a teacher's file by path."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load(path)
    for candidate in shipped_paths():
        if candidate.stem == name:
            return load(candidate)
    known = ", ".join(p.stem for p in shipped_paths())
    raise LookupError(f"no scenario {name!r}: give a shipped id ({known}) or a path to a YAML file")


__all__ = ["LIBRARY", "Scenario", "ScenarioInvalid", "find", "load", "shipped", "shipped_paths"]
