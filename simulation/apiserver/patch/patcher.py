"""The PATCH handler's choice of format (upstream's ``endpoints/handlers/patch.go``): read the
body, apply it by its ``Content-Type``, and refuse a type the kind does not accept (415) or a
result that is not an object (400)."""
from __future__ import annotations

import json
from typing import Any

from simulation.apimachinery.jsonvalue import deep_copy

from .common import PatchError, UnsupportedPatchType, json_kind
from .jsonpatch import json_patch
from .mergepatch import json_merge_patch
from .strategicpatch import KIND_SCHEMAS, strategic_merge_patch

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


def _decode(body: Any) -> Any:
    """The patch body as JSON values; bytes and str are parsed, anything else is deep-copied."""
    if isinstance(body, (bytes, bytearray, str)):
        text = body.decode("utf-8", errors="replace") if isinstance(body, (bytes, bytearray)) else body
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            if err.pos >= len(text.rstrip()):
                raise PatchError("unexpected end of JSON input", 400) from None
            raise PatchError(f"invalid character {text[err.pos]!r} looking for beginning of value", 400) from None
    return deep_copy(body)


def accepted_patch_types(kind: str) -> tuple[str, ...]:
    """What kube-apiserver lists in a 415: strategic merge only for the built-in kinds."""
    if kind in KIND_SCHEMAS:
        return (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
    return (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)


def apply_patch(target: dict, patch: bytes | str | Any, content_type: str, kind: str) -> dict:
    """Apply a PATCH body of ``content_type`` to ``target`` (a ``kind`` object); returns a new object.

    ``application/apply-patch+yaml`` (server-side apply) must be handled by the caller before this.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH) or \
            media not in accepted_patch_types(kind):
        raise UnsupportedPatchType(content_type, accepted_patch_types(kind))
    body = _decode(patch)
    if media == JSON_PATCH:
        if body is not None and not isinstance(body, list):
            raise PatchError(f"json: cannot unmarshal {json_kind(body)} into Go value of type jsonpatch.Patch", 400)
        result = json_patch(target, body or [])
    elif media == MERGE_PATCH:
        if body is None:
            raise PatchError("Invalid JSON Patch", 400)
        result = json_merge_patch(target, body)
    else:
        if body is not None and not isinstance(body, dict):
            raise PatchError(f"json: cannot unmarshal {json_kind(body)} into Go value of type "
                             "map[string]interface {}", 400)
        result = strategic_merge_patch(target, body or {}, kind)
    if not isinstance(result, dict):
        raise PatchError(f"json: cannot unmarshal {json_kind(result)} into Go value of type "
                         "map[string]interface {}", 400)
    return result
