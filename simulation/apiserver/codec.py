"""Request body decoding: JSON or YAML in, a Kubernetes object (dict) out, or a 4xx Status.

Limits are the API server's first line of defence, so they live here: the 3 MiB body
limit (413, as upstream's MaxRequestBodyBytes), nesting depth, and YAML aliases (an
alias bomb is tiny on the wire and huge once expanded).

Whatever is decoded must be JSON again on the way out, for every client that lists it: so
``NaN``/``Infinity`` and numbers too large for a float64 are refused (Go's decoder rejects
them), lone UTF-16 surrogates become U+FFFD (as Go's decoder replaces them), and YAML's
extra types become what sigs.k8s.io/yaml makes of them: timestamps stay strings, keys
become strings, infinities are refused.
"""
from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

import yaml

from simulation.apimachinery.jsonvalue import without_lone_surrogates
from simulation.store import fastjson

from . import errors, protobuf, schemas
from .schemas.typecheck import type_error, zero_nulls

MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
MAX_DEPTH = 100

JSON_TYPES = ("", "application/json", "*/*")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json")
APPLY_PATCH_TYPE = "application/apply-patch+yaml"
PROTOBUF_TYPE = "application/vnd.kubernetes.protobuf"


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors/aliases: manifests never need them, bombs do."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


# go-yaml decodes a timestamp into an interface{} as the string it was written as.
_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


class _NotJSON(ValueError):
    """A decoded value JSON cannot carry."""


def _refuse_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``, which Python's decoder accepts and Go's does not."""
    if name.startswith("-"):
        raise _NotJSON(f"invalid character '{name[1]}' in numeric literal")
    raise _NotJSON(f"invalid character '{name[0]}' looking for beginning of value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSON(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
def _json_from_yaml(value: Any) -> Any:
    """What sigs.k8s.io/yaml's YAML-to-JSON conversion makes of a decoded YAML value."""
    if isinstance(value, dict):
        return {_yaml_key(k): _json_from_yaml(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_from_yaml(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise _NotJSON(f"json: unsupported value: {'NaN' if math.isnan(value) else ('+Inf' if value > 0 else '-Inf')}")
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, (set, frozenset)):
        return {_yaml_key(k): None for k in value}
    return value


def _yaml_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float) and not math.isfinite(key):
        raise _NotJSON("json: unsupported value: map key is not finite")
    if isinstance(key, (tuple, list, dict)):
        raise _NotJSON(f"json: unsupported type: map key of type {type(key).__name__}")
    return str(key)


def _depth(value: Any, limit: int) -> int:
    """Depth of nested containers, iteratively (no recursion to overflow), stopping past ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return deepest


def _may_be_deeper(body: bytes, content_type: str) -> bool:
    """Whether a body could nest deeper than ``MAX_DEPTH``: a JSON body with no more brackets
    than that cannot (counting them is far cheaper than walking what was decoded); YAML nests
    by indentation too."""
    if content_type in YAML_TYPES or content_type == APPLY_PATCH_TYPE:
        return True
    return body.count(b"{") + body.count(b"[") > MAX_DEPTH


def check_size(body: bytes | None) -> None:
    if body is not None and len(body) > MAX_REQUEST_BODY_BYTES:
        raise errors.too_large(MAX_REQUEST_BODY_BYTES)


def decode(body: bytes | None, content_type: str, what: str = "object") -> Any:
    """Parse a JSON or YAML body. ``what`` names the expected kind in error messages."""
    check_size(body)
    if not body or not body.strip():
        raise errors.bad_request(f"the body of the request was empty; expected a {what}")
    try:
        if content_type in YAML_TYPES or content_type == APPLY_PATCH_TYPE:
            loaded = yaml.load(body.decode("utf-8"), Loader=_NoAliasLoader)  # noqa: S506 - safe subclass
            try:
                value = _json_from_yaml(loaded)
            except _NotJSON as exc:
                raise errors.bad_request(f"error converting YAML to JSON: {exc}") from None
        else:
            value = fastjson.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
        if _SURROGATE_ESCAPE.search(body) or (content_type in YAML_TYPES or content_type == APPLY_PATCH_TYPE):
            value = without_lone_surrogates(value)
    except RecursionError:
        raise errors.bad_request(f"{what} could not be decoded: exceeded max depth {MAX_DEPTH}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.bad_request(f"{what} could not be decoded: {_short(exc)}") from None
    except yaml.YAMLError as exc:
        raise errors.bad_request(f"error converting YAML to JSON: {_short(exc)}") from None
    if _may_be_deeper(body, content_type) and _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise errors.bad_request(f"{what} could not be decoded: exceeded max depth {MAX_DEPTH}")
    return value


def load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """A YAML document as the API server reads a body (no aliases, JSON values only, as
    sigs.k8s.io/yaml converts it), with no size limit, and its node tree for line numbers.
    For files read whole (``manage.py snapshot import``); raises :class:`ValueError` with the
    parser's words, ``line N`` included where the parser knows it."""
    try:
        loaded = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe subclass
        tree = yaml.compose(text, Loader=_NoAliasLoader)  # noqa: S506 - safe subclass
        value = without_lone_surrogates(_json_from_yaml(loaded))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ValueError(f"error converting YAML to JSON: yaml: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"error converting YAML to JSON: yaml: {exc}") from None
    except (_NotJSON, RecursionError) as exc:
        raise ValueError(f"error converting YAML to JSON: {exc or 'exceeded max depth'}") from None
    return value, tree


def _short(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return text[:300]


def decode_object(body: bytes | None, content_type: str, kind: str, api_version: str) -> dict:
    """Decode a full object for create/update; fill kind and apiVersion from the URL if absent."""
    if content_type == PROTOBUF_TYPE:
        check_size(body)
        try:
            obj = protobuf.decode_object(body or b"")
        except (protobuf.ProtobufError, UnicodeDecodeError, KeyError) as exc:
            raise errors.StatusError(415, "UnsupportedMediaType", f"{kind} in version \"{api_version}\" cannot "
                                     f"be decoded from {content_type}: {exc}; send JSON or YAML") from None
    elif content_type not in JSON_TYPES and content_type not in YAML_TYPES:
        raise errors.unsupported_media_type(content_type)
    else:
        obj = decode(body, content_type, kind)
    if not isinstance(obj, dict):
        raise errors.bad_request(f"{kind} in version \"{api_version.split('/')[-1]}\" cannot be handled as a "
                                 f"{kind}: expected an object, got {type(obj).__name__}")
    check_type_meta(obj, kind, api_version)
    obj["apiVersion"] = api_version
    obj["kind"] = kind
    check_types(obj, kind, api_version)
    if obj.get("metadata") is None:
        obj["metadata"] = {}
    return obj


def check_type_meta(obj: dict, kind: str, api_version: str) -> None:
    """400 when the object names another kind or version than the endpoint serves (absent is fine)."""
    got_version = obj.get("apiVersion") or api_version
    got_kind = obj.get("kind") or kind
    if got_version != api_version:
        raise errors.bad_request(f"the API version in the data ({got_version}) does not match the expected "
                                 f"API version ({api_version})")
    if got_kind != kind:
        raise errors.bad_request(f"the kind in the data ({got_kind}) does not match the expected kind ({kind})")


def check_types(obj: dict, kind: str, api_version: str) -> None:
    """400 when a field's JSON type is not its schema's, as upstream's typed decoder answers."""
    group, _, version = api_version.rpartition("/")
    name = schemas.schema_for(group, version, kind)
    error = type_error(name, kind, obj) if name else None
    if error is None and not isinstance(obj.get("metadata", {}), (dict, type(None))):
        error = "metadata must be an object"
    if error:
        raise errors.bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: {error}')


def as_typed(obj: dict, kind: str, api_version: str) -> None:
    """``obj``'s nulls as the typed object upstream decodes it to holds them (in place): what
    registry strategies, defaulting and validation then read is never a ``None`` the schema
    does not allow (a ``"ports": [null]`` is one zero-valued port, as upstream)."""
    group, _, version = api_version.rpartition("/")
    name = schemas.schema_for(group, version, kind)
    if name:
        zero_nulls(name, obj)


def encode(value: Any) -> bytes:
    """Strict JSON: a value that is not (``NaN``) raises rather than reaching a client."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
