"""RFC 6902 JSON Patch (``application/json-patch+json``; evanphx/json-patch): a list of
``add``/``remove``/``replace``/``move``/``copy``/``test`` operations on RFC 6901 pointers,
applied in order to a copy; any failing operation fails the whole patch (HTTP 422), with the
library's words, so nothing is half applied."""
from __future__ import annotations

from typing import Any

from simulation.apimachinery.jsonvalue import deep_copy

from .common import PatchError, json_equal, json_kind


def _pointer(path: str) -> list[str] | None:
    """RFC 6901 tokens (``~1`` → ``/`` before ``~0`` → ``~``); ``None`` when malformed."""
    if path == "":
        return []
    if not path.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _array_index(token: str) -> int | None:
    """RFC 6901 array index: ``0`` or digits without a leading zero."""
    if token.isascii() and token.isdigit() and (token == "0" or not token.startswith("0")):
        return int(token)
    return None


def _container(doc: Any, tokens: list[str] | None) -> Any:
    """The object or array that holds the last token, or ``None`` when the path leads nowhere."""
    if not tokens:
        return None
    cur = doc
    for token in tokens[:-1]:
        if isinstance(cur, dict) and token in cur:
            cur = cur[token]
        elif isinstance(cur, list) and (i := _array_index(token)) is not None and i < len(cur):
            cur = cur[i]
        else:
            return None
    return cur if isinstance(cur, (dict, list)) else None


def _lookup(doc: Any, tokens: list[str] | None) -> tuple[bool, Any]:
    if tokens == []:
        return True, doc
    parent = _container(doc, tokens)
    if parent is None:
        return False, None
    key = tokens[-1]
    if isinstance(parent, dict):
        return (key in parent), parent.get(key)
    i = _array_index(key)
    return (True, parent[i]) if i is not None and i < len(parent) else (False, None)


def _missing(op: str, path: str, quoted: bool = False, what: str = "path") -> PatchError:
    shown = f'"{path}"' if quoted else path
    return PatchError(f"{op} operation does not apply: doc is missing {what}: {shown}: missing value")


def _add(doc: Any, path: str, value: Any, op: str = "add") -> Any:
    tokens = _pointer(path)
    if tokens == []:
        return value
    parent = _container(doc, tokens)
    if parent is None:
        raise _missing(op, path, quoted=(op == "add"), what="path" if op == "add" else "destination path")
    key = tokens[-1]
    if isinstance(parent, dict):
        parent[key] = value
    elif key == "-":
        parent.append(value)
    else:
        i = _array_index(key)
        if i is None:
            raise PatchError(f"error in {op} for path: '{path}': value was not a proper array index: '{key}'")
        if i > len(parent):
            raise PatchError(f"error in {op} for path: '{path}': Unable to access invalid index: {i}: "
                             "invalid index referenced")
        parent.insert(i, value)
    return doc


def _remove(doc: Any, path: str, op: str = "remove") -> Any:
    tokens = _pointer(path)
    parent = _container(doc, tokens)
    if parent is None:
        raise _missing(op, path, quoted=(op == "remove"), what="path" if op == "remove" else "from path")
    key = tokens[-1]
    if isinstance(parent, dict):
        if key not in parent:
            raise PatchError(f"error in {op} for path: '{path}': Unable to remove nonexistent key: {key}: "
                             "missing value")
        del parent[key]
    else:
        i = _array_index(key)
        if i is None or i >= len(parent):
            raise PatchError(f"error in {op} for path: '{path}': Unable to access invalid index: {key}: "
                             "invalid index referenced")
        del parent[i]
    return doc


def _op_replace(doc: Any, op: dict) -> Any:
    path = op["path"]
    tokens = _pointer(path)
    if tokens == []:
        return _value(op)
    parent = _container(doc, tokens)
    if parent is None:
        raise _missing("replace", path)
    if not _lookup(doc, tokens)[0]:
        raise _missing("replace", path, what="key")
    key = tokens[-1]
    parent[key if isinstance(parent, dict) else _array_index(key)] = _value(op)
    return doc


def _op_move(doc: Any, op: dict) -> Any:
    src, dst = _from(op), op["path"]
    found, value = _lookup(doc, _pointer(src))
    if not found:
        raise _missing("move", src, what="from path")
    if dst == src:
        return doc
    if dst.startswith(src + "/"):
        raise PatchError(f"move operation does not apply: from path {src} is an ancestor of path {dst}")
    return _add(_remove(doc, src, "move"), dst, value, "move")


def _op_copy(doc: Any, op: dict) -> Any:
    src = _from(op)
    found, value = _lookup(doc, _pointer(src))
    if not found:
        raise _missing("copy", src, what="from path")
    return _add(doc, op["path"], deep_copy(value), "copy")


def _op_test(doc: Any, op: dict) -> Any:
    path = op["path"]
    tokens = _pointer(path)
    if tokens and _container(doc, tokens) is None:
        raise PatchError(f"test operation does not apply: is missing path: {path}: missing value")
    found, value = _lookup(doc, tokens)
    if not found or not json_equal(value, _value(op)):
        raise PatchError(f"testing value {path} failed: test failed")
    return doc


def _value(op: dict) -> Any:
    if "value" not in op:
        raise PatchError(f"{op['op']} operation, missing value field: missing value")
    return deep_copy(op["value"])


def _from(op: dict) -> str:
    src = op.get("from")
    if not isinstance(src, str):
        raise PatchError(f"{op['op']} operation failed to decode from: missing value")
    return src


_OPERATIONS = {
    "add": lambda doc, op: _add(doc, op["path"], _value(op)),
    "remove": lambda doc, op: _remove(doc, op["path"]),
    "replace": _op_replace,
    "move": _op_move,
    "copy": _op_copy,
    "test": _op_test,
}


def json_patch(target: Any, ops: list) -> Any:
    """RFC 6902: apply ``ops`` in order; any failing operation fails the whole patch."""
    doc = deep_copy(target)
    for op in ops:
        if not isinstance(op, dict):
            raise PatchError(f"json: cannot unmarshal {json_kind(op)} into Go value of type jsonpatch.Operation",
                             400)
        kind = op.get("op") if isinstance(op.get("op"), str) else "unknown"
        if kind not in _OPERATIONS:
            raise PatchError(f"Unexpected kind: {kind}")
        if not isinstance(op.get("path"), str):
            raise PatchError(f"{kind} operation failed to decode path: missing value")
        doc = _OPERATIONS[kind](doc, op)
    return doc
