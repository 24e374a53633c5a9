"""Server-side field validation (the ``fieldValidation`` query parameter kubectl sends).

``Strict`` refuses a body with fields the kind's schema does not have — 400 with upstream's
``strict decoding error`` — so a typo such as ``imagePullPolice`` is caught instead of
silently dropped. ``Warn`` accepts it and says so in a ``Warning`` header, which kubectl
prints on stderr. ``Ignore`` (and no parameter) accept silently, as upstream's default.
"""
from __future__ import annotations

from simulation.apimachinery.resources import ResourceType

from . import errors
from .schemas import unknown_fields
from .validation.field import go_quote


def check(rt: ResourceType, obj: dict, mode: str, old: dict | None = None) -> dict[str, str]:
    """Raise 400 under ``Strict``; return the ``Warning`` header to send under ``Warn``.

    On updates and patches only the fields this write introduces count (those not already
    unknown in ``old``), so a patch is judged by what it adds, as upstream judges the patch.
    """
    if mode not in ("Strict", "Warn"):
        return {}
    known_bad = set(unknown_fields(rt.group, rt.version, rt.kind, old)) if old else set()
    unknown = [path.lstrip(".") for path in unknown_fields(rt.group, rt.version, rt.kind, obj)
               if path not in known_bad]
    if not unknown:
        return {}
    # the decoder's words (``unknown field %q``): a field named with a newline stays on one line
    texts = [f"unknown field {go_quote(path)}" for path in unknown]
    if mode == "Strict":
        raise errors.bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                                 f"strict decoding error: {', '.join(texts)}")
    return {"Warning": ", ".join(warning_header(text) for text in texts)}


def warning_header(text: str) -> str:
    """Upstream's ``NewWarningHeader(299, "-", text)``: the text in quotes, its quotes and
    backslashes escaped."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
