"""Reading a snapshot file: a clusterviz ``ClusterSnapshot``, or a real cluster's dump as
``kubectl get nodes,pods,deploy,rs,svc,... -A -o yaml`` prints it (``kind: List``).

Reading checks the file's shape — YAML, its settings, each object a mapping with a kind this
server serves — and says where the problem is (``snap.yaml:42: Pod default/web: kind: …``).
What each object's fields mean is left to the API server itself, in a rehearsal of the
restore (:func:`simulation.snapshot.restore.rehearse`): no second list of rules here.
"""
from __future__ import annotations

from typing import Any

import yaml

from simulation.apimachinery.resources import RESOURCES
from simulation.apimachinery.timestamps import parse_time
from simulation.apimachinery.wellknown import NAMESPACE_DEFAULT
from simulation.apiserver.codec import load_yaml

from .kubectl_dump import settings_from_nodes
from .model import SNAPSHOT_KIND, SNAPSHOT_VERSION, Settings, Snapshot, SnapshotError, settings_from_yaml

#: Kinds a snapshot leaves out, and why: each is history or state the new cluster's own
#: components write again (``docs/snapshots.md``).
SKIPPED_KINDS = {
    "Event": "history: the new cluster's components record their own",
    "Lease": "held by the components of the old cluster (leader election, node heartbeats)",
    "Endpoints": "derived from Services and pods by the endpoints controller",
    "EndpointSlice": "derived from Services and pods by the endpointslice controller",
    "ComponentStatus": "computed by the API server on every read",
}
#: The served kinds, by (apiVersion, kind).
SERVED = {(rt.group_version, rt.kind): rt for rt in RESOURCES if not rt.virtual and not rt.create_only}


def parse_snapshot(text: str, source: str = "") -> Snapshot:
    """The snapshot in ``text`` (a file named ``source``, for messages); raises
    :class:`SnapshotError` naming every problem found."""
    try:
        document, tree = load_yaml(text)
    except ValueError as exc:
        raise SnapshotError(f"{source or 'snapshot'}: {exc}") from None
    if not isinstance(document, dict):
        raise SnapshotError(f"{source or 'snapshot'}: expected a {SNAPSHOT_KIND} or a List "
                            f"(kubectl get -o yaml), not {_what(document)}")
    kind = document.get("kind")
    if kind == SNAPSHOT_KIND:
        return _clusterviz(document, tree, source)
    if isinstance(kind, str) and kind.endswith("List") and document.get("apiVersion") == "v1":
        return _kubectl_list(document, tree, source)
    raise SnapshotError(f"{source or 'snapshot'}: kind: expected {SNAPSHOT_KIND} or List (kubectl get -o yaml), "
                        f"not {kind!r}")


def _clusterviz(document: dict, tree: yaml.Node | None, source: str) -> Snapshot:
    errors: list[str] = []
    where = source or "snapshot"
    if document.get("version") != SNAPSHOT_VERSION:
        errors.append(f"{where}: version: this clusterviz reads version {SNAPSHOT_VERSION}, "
                      f"not {document.get('version')!r}")
    clock = None
    raw_clock = (document.get("clock") or {}).get("time") if isinstance(document.get("clock"), dict) else None
    if raw_clock is not None:
        clock = parse_time(raw_clock)
        if clock is None:
            errors.append(f"{where}: clock.time: not an RFC 3339 time: {raw_clock!r}")
    settings = Settings()
    try:
        settings = settings_from_yaml(document.get("simulation"))
    except SnapshotError as exc:
        errors += [f"{where}: {e}" for e in exc.errors]
    snapshot = _with_objects(document, "objects", tree, source, settings, errors)
    snapshot.clock, snapshot.cluster = clock, str(document.get("cluster") or "")
    return snapshot


def _kubectl_list(document: dict, tree: yaml.Node | None, source: str) -> Snapshot:
    """A real cluster's dump: its Nodes become the simulated machines; no clock, default pacing."""
    errors: list[str] = []
    snapshot = _with_objects(document, "items", tree, source, Settings(), errors, origin="kubectl")
    snapshot.settings = settings_from_nodes([o for o in snapshot.objects if o.get("kind") == "Node"])
    return snapshot


def _with_objects(document: dict, key: str, tree: yaml.Node | None, source: str, settings: Settings,
                  errors: list[str], origin: str = "clusterviz") -> Snapshot:
    raw = document.get(key)
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.append(f"{source or 'snapshot'}: {key}: must be a list of objects, not {_what(raw)}")
        raw = []
    lines = _item_lines(tree, key)
    objects, kept_lines, skipped = [], [], []
    seen: dict[str, str] = {}
    for i, obj in enumerate(raw):
        place = locate(source, key, i, lines[i] if i < len(lines) else 0)
        problem = _shape_problem(obj)
        if problem:
            errors.append(f"{place}: {describe(obj)}: {problem}")
        elif obj["kind"] in SKIPPED_KINDS:
            skipped.append(f"{describe(obj)}: {SKIPPED_KINDS[obj['kind']]}")
        else:
            _normalize_namespace(obj)
            if describe(obj) in seen:
                errors.append(f"{place}: {describe(obj)}: listed twice (first at {seen[describe(obj)]})")
            seen[describe(obj)] = place
            objects.append(obj)
            kept_lines.append(lines[i] if i < len(lines) else 0)
    if errors:
        raise SnapshotError(errors)
    return Snapshot(settings=settings, objects=objects, origin=origin, lines=kept_lines, skipped=skipped, file=source)


def _normalize_namespace(obj: dict) -> None:
    """A namespaced object without a namespace lives in ``default`` (kubectl's default
    context namespace); a cluster-scoped one has none."""
    meta = obj["metadata"]
    if SERVED[(obj["apiVersion"], obj["kind"])].namespaced:
        if not meta.get("namespace"):
            meta["namespace"] = NAMESPACE_DEFAULT
    else:
        meta.pop("namespace", None)


def _shape_problem(obj: Any) -> str:
    """What is wrong with an entry before the API server can judge it ("" when nothing)."""
    if not isinstance(obj, dict):
        return f"must be an object, not {_what(obj)}"
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        return "kind: Required value"
    if not isinstance(api_version, str) or not api_version:
        return "apiVersion: Required value"
    if kind in SKIPPED_KINDS:
        return ""
    if (api_version, kind) not in SERVED:
        # kubectl's words when the server does not serve a kind (RESTMapper's NoKindMatchError)
        return f'kind: no matches for kind "{kind}" in version "{api_version}"'
    if not isinstance(obj.get("metadata"), dict):
        return f"metadata: must be an object, not {_what(obj.get('metadata'))}"
    return ""


def describe(obj: Any) -> str:
    """``Pod default/web-1``, ``Node node-1``: an object as messages name it."""
    if not isinstance(obj, dict):
        return "object"
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name") or meta.get("generateName") or "<no name>"
    namespace = meta.get("namespace")
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else "<no kind>"
    return f"{kind} {namespace}/{name}" if isinstance(namespace, str) and namespace else f"{kind} {name}"


def locate(source: str, key: str, index: int, line: int) -> str:
    """``snap.yaml:42`` when the line is known, else ``objects[3]``."""
    if line and source:
        return f"{source}:{line}"
    return f"{key}[{index}]" + (f" (line {line})" if line else "")


def _item_lines(tree: yaml.Node | None, key: str) -> list[int]:
    """The 1-based line each entry of the top-level list ``key`` starts on."""
    if not isinstance(tree, yaml.MappingNode):
        return []
    for k, v in tree.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def _what(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
