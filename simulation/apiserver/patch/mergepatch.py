"""RFC 7386 JSON Merge Patch (``application/merge-patch+json``; evanphx/json-patch's
``MergePatch``): the patch is a partial document; it cannot fail, whatever the target holds."""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.jsonvalue import deep_copy


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces.
    Neither argument is changed."""
    return _merge_into(deep_copy(target), patch)


def _merge_into(target: Any, patch: Any) -> Any:
    """Merge ``patch`` into ``target`` in place (``target`` is the caller's own copy)."""
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_into(result.get(key), value)
    return result
