"""What a snapshot holds, as plain data: the cluster's objects, the simulation settings that
rebuild its components (nodes, replicas, extra schedulers, stopped components, pacing, seed)
and its virtual clock — and how settings read and write as the snapshot file's YAML.

Settings are checked field by field when read, each error naming its path in the file
(``simulation.nodes[1].cpu``), so that a bad file is refused before anything is created.
"""
from __future__ import annotations

import typing
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.validation import is_dns1123_subdomain
from simulation.kernel.pacing import LIVE, MAX_SPEED, MIN_SPEED, MODES
from simulation.kubelet.node_spec import NodeSpec

#: The ``kind`` and ``version`` of a clusterviz snapshot file.
SNAPSHOT_KIND = "ClusterSnapshot"
SNAPSHOT_VERSION = 1
#: Components that can run as replicas (the control API's names), and their most.
REPLICATED_KINDS = ("scheduler", "controller-manager")
MAX_REPLICAS = 3
#: NodeSpec fields holding quantities, checked with the API server's own parser.
_QUANTITY_FIELDS = ("cpu", "memory", "ephemeral_storage")


class SnapshotError(ValueError):
    """A snapshot that cannot be read or restored; the message names the object or setting,
    the field and the reason. ``errors`` lists every problem found (the message, the first)."""

    def __init__(self, errors: list[str] | str) -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class Settings:
    """A simulated cluster's make-up: what ``Cluster.sim_state`` keeps besides the clock."""

    seed: int = 1
    mode: str = LIVE
    speed: float = 1.0
    #: The pause between a write and its watchers hearing of it; None: the kernel's default.
    watch_latency_seconds: float | None = None
    nodes: list[NodeSpec] = field(default_factory=list)
    replicas: dict[str, int] = field(default_factory=lambda: {kind: 1 for kind in REPLICATED_KINDS})
    #: Extra schedulers: ``{"name": ..., "schedulerName": ...}``.
    schedulers: list[dict[str, str]] = field(default_factory=list)
    #: Components not running (``kube-scheduler``, ``kubelet/node-2``).
    stopped: list[str] = field(default_factory=list)


@dataclass
class Snapshot:
    """A cluster as a file: ``objects`` are Kubernetes objects as the API serves them (server-set
    fields may be present; restore strips them). ``clock`` is the virtual time the cluster
    showed (epoch seconds), None for a real cluster's dump. ``lines`` gives, per object, the
    line of the file it starts on (for error messages; empty when unknown)."""

    settings: Settings
    objects: list[dict]
    clock: float | None = None
    #: The cluster the snapshot was taken of ("" for a dump).
    cluster: str = ""
    #: The file it was read from, for messages (``snap.yaml:42: …``).
    file: str = ""
    #: ``clusterviz`` for a snapshot this tool wrote, ``kubectl`` for a ``kind: List`` dump.
    origin: str = "clusterviz"
    lines: list[int] = field(default_factory=list)
    #: What was left out on reading (Events, Leases, …), one line each.
    skipped: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------- settings as YAML
def settings_as_yaml(settings: Settings) -> dict:
    """The ``simulation`` section: node specs list only what differs from a default node."""
    out: dict[str, Any] = {"seed": settings.seed, "mode": settings.mode, "speed": settings.speed}
    if settings.watch_latency_seconds is not None:
        out["watchLatencySeconds"] = settings.watch_latency_seconds
    out["replicas"] = dict(settings.replicas)
    out["schedulers"] = [dict(s) for s in settings.schedulers]
    out["stopped"] = list(settings.stopped)
    out["nodes"] = [node_spec_as_yaml(spec) for spec in settings.nodes]
    return out


def node_spec_as_yaml(spec: NodeSpec) -> dict:
    """A node's spec without the fields a node of that name and pod CIDR would have anyway."""
    default = asdict(NodeSpec(name=spec.name, pod_cidr=spec.pod_cidr))
    mine = asdict(spec)
    out = {"name": spec.name, "pod_cidr": spec.pod_cidr}
    out.update({k: v for k, v in mine.items() if k not in out and v != default[k]})
    return out


def settings_from_yaml(raw: Any, path: str = "simulation") -> Settings:
    """Settings from the file, every field checked; raises :class:`SnapshotError` listing all problems."""
    errors: list[str] = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SnapshotError(f"{path}: must be a mapping, not {_type(raw)}")
    known = {"seed", "mode", "speed", "watchLatencySeconds", "replicas", "schedulers", "stopped", "nodes"}
    errors += [f"{path}.{k}: unknown field" for k in raw if k not in known]
    settings = Settings()
    seed = raw.get("seed", settings.seed)
    if not _is_int(seed):
        errors.append(f"{path}.seed: must be an integer, not {_type(seed)}")
    else:
        settings.seed = seed
    mode = raw.get("mode", settings.mode)
    if mode not in MODES:
        errors.append(f"{path}.mode: must be one of {', '.join(MODES)}, not {mode!r}")
    else:
        settings.mode = mode
    speed = raw.get("speed", settings.speed)
    if not _is_number(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        errors.append(f"{path}.speed: must be a number from {MIN_SPEED} to {MAX_SPEED}, not {speed!r}")
    else:
        settings.speed = float(speed)
    latency = raw.get("watchLatencySeconds")
    if latency is not None:
        if not _is_number(latency) or latency < 0:
            errors.append(f"{path}.watchLatencySeconds: must be a number of seconds, not {latency!r}")
        else:
            settings.watch_latency_seconds = float(latency)
    settings.replicas = _replicas(raw.get("replicas"), f"{path}.replicas", errors)
    settings.schedulers = _schedulers(raw.get("schedulers"), f"{path}.schedulers", errors)
    stopped = raw.get("stopped") or []
    if not isinstance(stopped, list) or not all(isinstance(s, str) for s in stopped):
        errors.append(f"{path}.stopped: must be a list of component names")
    else:
        settings.stopped = list(stopped)
    nodes = raw.get("nodes") or []
    if not isinstance(nodes, list):
        errors.append(f"{path}.nodes: must be a list, not {_type(nodes)}")
        nodes = []
    settings.nodes = [spec for i, node in enumerate(nodes)
                      if (spec := node_spec_from_yaml(node, f"{path}.nodes[{i}]", errors)) is not None]
    names = [spec.name for spec in settings.nodes]
    errors += [f"{path}.nodes: node {name!r} is listed twice" for name in sorted(set(names))
               if names.count(name) > 1]
    if not errors:
        errors += _unknown_components(settings, path)
    if errors:
        raise SnapshotError(errors)
    return settings


_HINTS = typing.get_type_hints(NodeSpec)


def node_spec_from_yaml(raw: Any, path: str, errors: list[str]) -> NodeSpec | None:
    """One node's spec, its fields typed as :class:`NodeSpec` declares them and its quantities
    parsed as the API server parses them; None (and ``errors`` appended to) when it is not one."""
    if not isinstance(raw, dict):
        errors.append(f"{path}: must be a mapping, not {_type(raw)}")
        return None
    found = len(errors)
    names = {f.name for f in fields(NodeSpec)}
    errors += [f"{path}.{k}: unknown field" for k in raw if k not in names]
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        errors.append(f"{path}.name: Required value")
    elif problems := is_dns1123_subdomain(name):
        errors.append(f"{path}.name: Invalid value: {name!r}: {'; '.join(problems)}")
    for key, value in raw.items():
        if key in names and key != "name" and not _fits(value, _HINTS[key]):
            errors.append(f"{path}.{key}: must be {_describe(_HINTS[key])}, not {_type(value)}")
    for key in _QUANTITY_FIELDS:
        if isinstance(raw.get(key), str):
            _quantity(raw[key], f"{path}.{key}", errors)
    for key, value in (raw.get("allocatable") or {}).items() if isinstance(raw.get("allocatable"), dict) else ():
        _quantity(value, f"{path}.allocatable.{key}", errors)
    if len(errors) > found:
        return None
    try:
        return NodeSpec(**{k: v for k, v in raw.items() if k in names})
    except ValueError as exc:  # the pod CIDR is not a network
        errors.append(f"{path}.pod_cidr: Invalid value: {raw.get('pod_cidr')!r}: {exc}")
        return None


def _quantity(value: Any, path: str, errors: list[str]) -> None:
    try:
        Quantity.parse(value)
    except (QuantityError, TypeError) as exc:
        errors.append(f"{path}: Invalid value: {value!r}: {exc}")


def _replicas(raw: Any, path: str, errors: list[str]) -> dict[str, int]:
    out = {kind: 1 for kind in REPLICATED_KINDS}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        errors.append(f"{path}: must be a mapping, not {_type(raw)}")
        return out
    for kind, count in raw.items():
        if kind not in REPLICATED_KINDS:
            errors.append(f"{path}.{kind}: unknown component; expected one of {', '.join(REPLICATED_KINDS)}")
        elif not _is_int(count) or not 1 <= count <= MAX_REPLICAS:
            errors.append(f"{path}.{kind}: must be an integer from 1 to {MAX_REPLICAS}, not {count!r}")
        else:
            out[kind] = count
    return out


def _schedulers(raw: Any, path: str, errors: list[str]) -> list[dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"{path}: must be a list, not {_type(raw)}")
        return []
    out = []
    for i, item in enumerate(raw):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or is_dns1123_subdomain(name):
            errors.append(f"{path}[{i}].name: must be a DNS-1123 subdomain, not {name!r}")
            continue
        served = item.get("schedulerName", name)
        if not isinstance(served, str) or not served:
            errors.append(f"{path}[{i}].schedulerName: must be a name, not {served!r}")
            continue
        out.append({"name": name, "schedulerName": served})
    return out


def component_names(settings: Settings) -> list[str]:
    """Every component the settings run, named as the control API names them."""
    names = []
    for kind, base in (("controller-manager", "kube-controller-manager"), ("scheduler", "kube-scheduler")):
        names += [base if i == 1 else f"{base}-{i}" for i in range(1, settings.replicas.get(kind, 1) + 1)]
    names += [s["name"] for s in settings.schedulers]
    for spec in settings.nodes:
        names += [f"kubelet/{spec.name}", f"kube-proxy/{spec.name}"]
    return names


def _unknown_components(settings: Settings, path: str) -> list[str]:
    known = component_names(settings)
    return [f"{path}.stopped[{i}]: no component named {name!r}; known: {', '.join(known)}"
            for i, name in enumerate(settings.stopped) if name not in known]


# ----------------------------------------------------------------------- small type helpers
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a NodeSpec field's annotation (str, int, float, dict, list)."""
    origin = typing.get_origin(hint) or hint
    if origin is float:
        return _is_number(value)
    if origin is int:
        return _is_int(value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    if origin is list:
        return isinstance(value, list)
    return isinstance(value, origin)


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint) or hint
    return {str: "a string", int: "an integer", float: "a number", dict: "a mapping of strings to strings",
            list: "a list"}.get(origin, str(hint))


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)
