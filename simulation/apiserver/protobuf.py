"""Decoding Kubernetes protobuf request bodies into the JSON objects the server works on.

kubectl ≥ 1.32 sends ``application/vnd.kubernetes.protobuf`` from its typed clients
(``auth can-i``, ``create namespace|configmap|deployment…``) and does not fall back to JSON
on a 415 (kube-api-wire.md §5.1). The wire format is public: the ``k8s\\x00`` magic, then a
``runtime.Unknown`` envelope {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3:
contentEncoding, 4: contentType}, where ``raw`` is the object's own message.

Messages are described here by small field tables (field number → JSON name and type),
written from the field numbers of the public API; a kind is decodable once its table is
listed in :data:`MESSAGES`. Like JSON's ``omitempty``, empty strings, zero numbers and
empty messages are dropped, because the Go encoder writes them for non-pointer fields.
"""
from __future__ import annotations

import base64
import time
from typing import Any

MAGIC = b"k8s\x00"

# A field is (json name, type, message name for "msg" / "map" values, repeated).
# Types: str, int, bool, bytes, msg, map (map<string,string>), mapbytes (map<string,bytes>), time.
Field = tuple[str, str, str | None, bool]


def f(name: str, kind: str = "str", message: str | None = None, repeated: bool = False) -> Field:
    return (name, kind, message, repeated)


OBJECT_META = {1: f("name"), 2: f("generateName"), 3: f("namespace"), 5: f("uid"), 6: f("resourceVersion"),
               7: f("generation", "int"), 8: f("creationTimestamp", "time"), 11: f("labels", "map"),
               12: f("annotations", "map"), 13: f("ownerReferences", "msg", "OwnerReference", True),
               14: f("finalizers", repeated=True)}

MESSAGES: dict[str, dict[int, Field]] = {
    "ObjectMeta": OBJECT_META,
    "OwnerReference": {1: f("kind"), 3: f("name"), 4: f("uid"), 5: f("apiVersion"), 6: f("controller", "bool"),
                       7: f("blockOwnerDeletion", "bool")},
    "SelfSubjectAccessReview": {1: f("metadata", "msg", "ObjectMeta"),
                                2: f("spec", "msg", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: f("resourceAttributes", "msg", "ResourceAttributes"),
                                    2: f("nonResourceAttributes", "msg", "NonResourceAttributes")},
    "ResourceAttributes": {1: f("namespace"), 2: f("verb"), 3: f("group"), 4: f("version"), 5: f("resource"),
                           6: f("subresource"), 7: f("name")},
    "NonResourceAttributes": {1: f("path"), 2: f("verb")},
    "SelfSubjectRulesReview": {1: f("metadata", "msg", "ObjectMeta"),
                               2: f("spec", "msg", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: f("namespace")},
    "Namespace": {1: f("metadata", "msg", "ObjectMeta"), 2: f("spec", "msg", "NamespaceSpec")},
    "NamespaceSpec": {1: f("finalizers", repeated=True)},
    "ConfigMap": {1: f("metadata", "msg", "ObjectMeta"), 2: f("data", "map"), 3: f("binaryData", "mapbytes"),
                  4: f("immutable", "bool")},
    "Secret": {1: f("metadata", "msg", "ObjectMeta"), 2: f("data", "mapbytes"), 3: f("type"),
               4: f("stringData", "map"), 5: f("immutable", "bool")},
}

#: Top-level kinds (by ``typeMeta.kind``) this server can decode.
DECODABLE_KINDS = ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "Namespace", "ConfigMap", "Secret")


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) triples of one message, in wire order."""
    out = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated length-delimited field")
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _scalar(kind: str, value: Any) -> Any:
    if kind == "str":
        return value.decode("utf-8")
    if kind == "int":
        return value - (1 << 64) if value >= 1 << 63 else value
    if kind == "bool":
        return bool(value)
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "time":
        seconds = dict((n, v) for n, _, v in fields(value)).get(1, 0)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if seconds else None
    raise ProtobufError(f"unknown scalar kind {kind}")


def _empty(value: Any) -> bool:
    return value in ("", 0, False, None) or value == {} or value == []


def decode_message(name: str, data: bytes) -> dict:
    table = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, _, raw in fields(data):
        spec = table.get(number)
        if spec is None:
            continue  # a field this server does not model
        json_name, kind, message, repeated = spec
        if kind in ("map", "mapbytes"):
            entry = dict((n, v) for n, _, v in fields(raw))
            value = entry.get(2, b"")
            out.setdefault(json_name, {})[entry.get(1, b"").decode()] = (
                value.decode() if kind == "map" else base64.b64encode(value).decode())
            continue
        value = decode_message(message, raw) if kind == "msg" else _scalar(kind, raw)
        if repeated:
            out.setdefault(json_name, []).append(value)
        elif not _empty(value):
            out[json_name] = value
    return out


def decode_envelope(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw message) of a ``k8s\\x00`` protobuf body."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf magic prefix")
    envelope = fields(body[len(MAGIC):])
    type_meta = next((v for n, _, v in envelope if n == 1), b"")
    meta = dict((n, v.decode()) for n, _, v in fields(type_meta))
    raw = next((v for n, _, v in envelope if n == 2), b"")
    return meta.get(1, ""), meta.get(2, ""), raw


def decode_object(body: bytes) -> dict:
    """The JSON form of a protobuf request body; raises :class:`ProtobufError` for kinds not modelled."""
    api_version, kind, raw = decode_envelope(body)
    if kind not in DECODABLE_KINDS:
        raise ProtobufError(f"decoding protobuf {kind} is not supported")
    return {"apiVersion": api_version, "kind": kind, **decode_message(kind, raw)}
