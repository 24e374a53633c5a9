"""What a step waits for, what an exercise checks and what a prediction's answer reads.

Each condition observes the cluster through the API (and, for a component's state, the
control API), like a learner with kubectl would, and says what it saw — so a failed wait
can print the step, the condition and the last thing observed. Conditions never change
anything. Each kind parses itself from its YAML mapping (``object:``, ``event:``, ``pods:``,
``component:``, ``health:``, ``watch:``, ``all:``) and reports mistakes with their lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulation.apimachinery.selectors import parse_label_selector

from . import jsonpath
from .loader import line_of
from .model import Problems

if TYPE_CHECKING:
    from .kube import Session

DEFAULT_TIMEOUT_SECONDS = 60.0
#: The longest a wait may ask for: five class minutes of virtual time.
MAX_TIMEOUT_SECONDS = 600.0
COMPONENT_STATES = ("running", "stopped")
ANY_PHASE = "Any"


class Condition:
    """Observe the cluster (:meth:`observe`), judge what was seen (:meth:`holds`)."""

    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> Any:
        raise NotImplementedError

    def holds(self, seen: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def seen_text(self, seen: Any) -> str:
        return "nothing" if seen in (None, [], "") else str(seen)

    def answer_text(self, seen: Any) -> str:
        """``seen`` as a prediction's answer (the first value when there are several)."""
        if isinstance(seen, list):
            return ", ".join(sorted({str(v) for v in seen if v is not None})) or "(none)"
        return str(seen)


def _compare(seen: Any, *, equals: Any, matches: str, exists: bool | None, at_least: float | None) -> bool:
    if exists is not None:
        return (seen is not None) == exists
    if seen is None:
        return False
    if equals is not None:
        return str(seen) == str(equals) if not isinstance(equals, bool) else seen == equals
    if matches:
        return re.search(matches, str(seen)) is not None
    if at_least is not None:
        try:
            return float(seen) >= at_least
        except (TypeError, ValueError):
            return False
    return True


def _comparison_text(equals: Any, matches: str, exists: bool | None, at_least: float | None) -> str:
    if exists is not None:
        return "exists" if exists else "is absent"
    if equals is not None:
        return f"== {equals!r}"
    if matches:
        return f"matches /{matches}/"
    if at_least is not None:
        return f">= {at_least:g}"
    return "is set"


@dataclass
class ObjectCondition(Condition):
    """A field of an object (``name``) or of any object a label ``selector`` matches, read by
    JSONPath; the condition holds when the value compares (for a selector: any object's)."""

    resource: str
    namespace: str
    name: str = ""
    selector: str = ""
    path: str = ""
    equals: Any = None
    matches: str = ""
    exists: bool | None = None
    at_least: float | None = None
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> Any:
        objects = session.api.find(self.resource, self.namespace, self.name, self.selector)
        values = []
        for obj in objects:
            found = jsonpath.find(obj, self.path) if self.path else [obj["metadata"]["name"]]
            values.append(found[0] if len(found) == 1 else (found or None))
        if self.name:
            return values[0] if values else None
        return values

    def holds(self, seen: Any) -> bool:
        compare = {"equals": self.equals, "matches": self.matches, "exists": self.exists, "at_least": self.at_least}
        if self.name:
            return _compare(seen, **compare)
        if self.exists is False:
            return all(v is None for v in seen)
        return any(_compare(v, **compare) for v in seen)

    def describe(self) -> str:
        what = f"{self.resource}/{self.name}" if self.name else f"{self.resource} -l {self.selector}"
        field_ = f" {{{self.path}}}" if self.path else ""
        return f"{what} -n {self.namespace}{field_} " + _comparison_text(self.equals, self.matches, self.exists,
                                                                         self.at_least)

    def answer_text(self, seen: Any) -> str:
        """The value read; with ``matches`` holding a group, the part the group captures
        (``^(.+)_[0-9a-f]+$`` turns a Lease holder's identity into its replica's name)."""
        if self.matches and re.compile(self.matches).groups:
            values = seen if isinstance(seen, list) else [seen]
            found = [re.search(self.matches, str(v)) for v in values if v is not None]
            seen = [m.group(1) for m in found if m] or seen
        return super().answer_text(seen)

    def seen_text(self, seen: Any) -> str:
        if self.name and seen is None:
            return f"{self.resource}/{self.name} has no{' ' + self.path if self.path else 'thing there'}"
        return super().seen_text(seen)


@dataclass
class EventCondition(Condition):
    """At least ``count`` Events (``kubectl get events``, repeats counted) with this reason,
    and if given this source component, involved object (name prefix) and message text. As
    kubectl's SOURCE column does, an Event recorded through ``events.k8s.io/v1`` (the
    scheduler's) has its reporting controller for a source and its series' count for repeats."""

    reason: str
    namespace: str
    source: str = ""
    object: str = ""
    message: str = ""
    count: int = 1
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> dict:
        events = session.api.find("events", self.namespace)
        matched = [e for e in events if e.get("reason") == self.reason
                   and (not self.source or ((e.get("source") or {}).get("component")
                                            or e.get("reportingComponent")) == self.source)
                   and (not self.object or (e.get("involvedObject") or {}).get("name", "").startswith(self.object))
                   and self.message in (e.get("message") or "")]
        reasons = sorted({e.get("reason", "") for e in events})
        return {"count": sum(int((e.get("series") or {}).get("count") or e.get("count") or 1) for e in matched),
                "message": matched[-1].get("message", "") if matched else "", "reasons": reasons}

    def holds(self, seen: dict) -> bool:
        return seen["count"] >= self.count

    def describe(self) -> str:
        parts = [f"Event {self.reason}"]
        if self.source:
            parts.append(f"from {self.source}")
        if self.object:
            parts.append(f"about {self.object}")
        if self.message:
            parts.append(f"saying {self.message!r}")
        return " ".join(parts) + (f" (x{self.count})" if self.count > 1 else "")

    def seen_text(self, seen: dict) -> str:
        if seen["count"]:
            return f"{seen['count']} such Event(s): {seen['message']}"
        return "no such Event; reasons seen: " + (", ".join(seen["reasons"]) or "none")

    def answer_text(self, seen: dict) -> str:
        return seen["message"] or "(no such Event)"


@dataclass
class PodsCondition(Condition):
    """How many pods a selector matches in a phase (Running unless said; ``Any`` counts every
    pod): exactly ``count``, or at least ``at_least``."""

    selector: str
    namespace: str
    phase: str = "Running"
    count: int | None = None
    at_least: int | None = None
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> dict:
        pods = session.api.find("pods", self.namespace, selector=self.selector)
        phases: dict[str, int] = {}
        for pod in pods:
            phase = (pod.get("status") or {}).get("phase") or "Pending"
            if (pod.get("metadata") or {}).get("deletionTimestamp"):
                phase = "Terminating"
            phases[phase] = phases.get(phase, 0) + 1
        count = sum(phases.values()) if self.phase == ANY_PHASE else phases.get(self.phase, 0)
        return {"count": count, "phases": phases}

    def holds(self, seen: dict) -> bool:
        if self.count is not None:
            return seen["count"] == self.count
        return seen["count"] >= (self.at_least if self.at_least is not None else 1)

    def describe(self) -> str:
        want = f"{self.count}" if self.count is not None else f"at least {self.at_least or 1}"
        return f"{want} pod(s) {self.phase} -l {self.selector} -n {self.namespace}"

    def seen_text(self, seen: dict) -> str:
        return ", ".join(f"{n} {p}" for p, n in sorted(seen["phases"].items())) or "no pods"

    def answer_text(self, seen: dict) -> str:
        return str(seen["count"])


@dataclass
class ComponentCondition(Condition):
    """A component's state as the control API reports it (running or stopped), and whether it
    leads (replicas that elect a leader)."""

    name: str
    state: str = ""
    leader: bool | None = None
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> dict | None:
        for component in session.backend.control({"op": "components"}):
            if component["name"] == self.name:
                return component
        return None

    def holds(self, seen: dict | None) -> bool:
        if seen is None:
            return False
        return (not self.state or seen["state"] == self.state) and \
            (self.leader is None or seen.get("leader") is self.leader)

    def describe(self) -> str:
        parts = [f"component {self.name}"]
        if self.state:
            parts.append(self.state)
        if self.leader is not None:
            parts.append("leading" if self.leader else "standing by")
        return " ".join(parts)

    def seen_text(self, seen: dict | None) -> str:
        if seen is None:
            return f"no component named {self.name}"
        leads = {True: ", leader", False: ", standby"}.get(seen.get("leader"), "")
        return f"{seen['name']} {seen['state']}{leads}"


@dataclass
class HealthCondition(Condition):
    """``kubectl get componentstatuses``: a component's Healthy condition (and message text)."""

    component: str
    healthy: bool = True
    message: str = ""
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> dict | None:
        status = session.api.get_or_none("componentstatuses", "", self.component)
        if status is None:
            return None
        condition = (status.get("conditions") or [{}])[0]
        return {"healthy": condition.get("status") == "True", "message": condition.get("message", ""),
                "error": condition.get("error", "")}

    def holds(self, seen: dict | None) -> bool:
        return seen is not None and seen["healthy"] == self.healthy and self.message in seen["message"]

    def describe(self) -> str:
        return f"componentstatus {self.component} {'Healthy' if self.healthy else 'Unhealthy'}" + \
            (f" saying {self.message!r}" if self.message else "")

    def seen_text(self, seen: dict | None) -> str:
        if seen is None:
            return f"no componentstatus {self.component}"
        said = "; ".join(s for s in (seen["message"], seen.get("error", "")) if s)
        return f"{'Healthy' if seen['healthy'] else 'Unhealthy'}" + (f": {said}" if said else "")

    def answer_text(self, seen: dict | None) -> str:
        return "(unknown)" if seen is None else ("Healthy" if seen["healthy"] else "Unhealthy")


@dataclass
class WatchCondition(Condition):
    """A watch the scenario opened (``watch:`` action) has received at least ``count`` events
    of this type (about objects whose name starts with ``object``)."""

    watch: str
    type: str = "ADDED"
    object: str = ""
    count: int = 1
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> dict:
        events = session.watch_events(self.watch)
        matched = [e for e in events if e.get("type") == self.type
                   and ((e.get("object") or {}).get("metadata") or {}).get("name", "").startswith(self.object)]
        return {"count": len(matched), "total": len(events)}

    def holds(self, seen: dict) -> bool:
        return seen["count"] >= self.count

    def describe(self) -> str:
        about = f" about {self.object}" if self.object else ""
        return f"watch {self.watch} received {self.count} {self.type} event(s){about}"

    def seen_text(self, seen: dict) -> str:
        return f"{seen['count']} matching of {seen['total']} event(s) received"

    def answer_text(self, seen: dict) -> str:
        return str(seen["count"])


@dataclass
class AllCondition(Condition):
    """Every condition in the list at once."""

    conditions: list[Condition] = field(default_factory=list)
    line: int = 0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def observe(self, session: Session) -> list:
        return [c.observe(session) for c in self.conditions]

    def holds(self, seen: list) -> bool:
        return all(c.holds(s) for c, s in zip(self.conditions, seen))

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.conditions)

    def seen_text(self, seen: list) -> str:
        return "; ".join(c.seen_text(s) for c, s in zip(self.conditions, seen) if not c.holds(s)) or "all hold"


# ------------------------------------------------------------------ parsing
class _Fields:
    """Reads the keys of one condition's mapping, reporting wrong types and unknown keys."""

    def __init__(self, raw: dict, kind: str, problems: Problems) -> None:
        self.raw, self.kind, self.problems = raw, kind, problems
        self.used: set[str] = set()

    def get(self, key: str, types: type | tuple, default: Any = None, *, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if required:
                self.problems.add(line_of(self.raw), f"{self.kind}: {key!r} is required")
            return default
        value = self.raw[key]
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            ok = False
        else:
            ok = isinstance(value, types)
        if not ok:
            names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
            self.problems.add(line_of(self.raw, key), f"{self.kind}: {key!r} must be {_article(names)}, "
                                                      f"not {value!r}")
            return default
        return value

    def done(self) -> None:
        for key in self.raw:
            if key not in self.used:
                self.problems.add(line_of(self.raw, key), f"{self.kind}: unknown key {key!r}; expected one of "
                                                          f"{', '.join(sorted(self.used))}")


def _article(names: str) -> str:
    words = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
             "dict": "a mapping", "list": "a list"}
    return " or ".join(words.get(n, n) for n in names.split(" or "))


def _selector(fields: _Fields, key: str = "selector", required: bool = False) -> str:
    value = fields.get(key, str, "", required=required)
    if value:
        try:
            parse_label_selector(value)
        except ValueError as exc:
            fields.problems.add(line_of(fields.raw, key), f"{fields.kind}: {key} {value!r}: {exc}")
    return value


KINDS = ("object", "event", "pods", "component", "health", "watch", "all")


def parse_condition(raw: Any, line: int, problems: Problems, *, resolve: Any, default_namespace: str = "default",
                    need_comparison: bool = True) -> Condition | None:
    """A condition from ``{KIND: {...}, timeout_seconds: N}``. ``resolve(name, line)`` turns a
    resource name (``deploy``, ``pods``) into its plural, reporting unknown ones.
    ``need_comparison`` False reads a prediction's answer: what to observe, no comparison."""
    if not isinstance(raw, dict):
        problems.add(line, f"a condition must be a mapping with one of {', '.join(KINDS)}, not {raw!r}")
        return None
    kinds = [k for k in raw if k in KINDS]
    others = [k for k in raw if k not in KINDS and k != "timeout_seconds"]
    for key in others:
        problems.add(line_of(raw, key), f"unknown condition {key!r}; expected one of {', '.join(KINDS)}")
    if len(kinds) != 1:
        if not others:
            problems.add(line_of(raw), f"a condition needs exactly one of {', '.join(KINDS)}"
                                       + (f", not {len(kinds)}" if kinds else ""))
        return None
    kind = kinds[0]
    timeout = raw.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        problems.add(line_of(raw, "timeout_seconds"),
                     f"timeout_seconds must be a number of virtual seconds from 1 to {MAX_TIMEOUT_SECONDS:g}")
        timeout = DEFAULT_TIMEOUT_SECONDS
    body, body_line = raw[kind], line_of(raw, kind)
    if kind == "all":
        if not isinstance(body, list) or not body:
            problems.add(body_line, "all: must be a list of conditions")
            return None
        parts = [parse_condition(item, line_of(body, i), problems, resolve=resolve,
                                 default_namespace=default_namespace) for i, item in enumerate(body)]
        return AllCondition([p for p in parts if p is not None], line=body_line, timeout_seconds=float(timeout))
    if not isinstance(body, dict):
        problems.add(body_line, f"{kind}: must be a mapping, not {body!r}")
        return None
    f = _Fields(body, kind, problems)
    common = {"line": body_line, "timeout_seconds": float(timeout)}
    condition: Condition | None = None
    if kind == "object":
        resource = resolve(f.get("resource", str, "", required=True), line_of(body, "resource"))
        name, selector = f.get("name", str, ""), _selector(f)
        if bool(name) == bool(selector):
            problems.add(body_line, "object: give either name or selector")
        path = f.get("jsonpath", str, "")
        if path:
            try:
                jsonpath.compile_path(path)
            except jsonpath.JSONPathError as exc:
                problems.add(line_of(body, "jsonpath"), f"object: {exc}")
        comparisons = {"equals": f.get("equals", (str, int, float, bool)), "matches": f.get("matches", str, ""),
                       "exists": f.get("exists", bool), "at_least": f.get("atLeast", (int, float))}
        given = [k for k, v in comparisons.items() if v not in (None, "")]
        if len(given) > 1:
            problems.add(body_line, "object: give one of equals, matches, exists, atLeast")
        elif not given and need_comparison and not path:
            comparisons["exists"] = True
        if comparisons["matches"]:
            try:
                re.compile(comparisons["matches"])
            except re.error as exc:
                problems.add(line_of(body, "matches"), f"object: matches is not a regular expression: {exc}")
        condition = ObjectCondition(resource or "", f.get("namespace", str, default_namespace), name, selector,
                                    path, **comparisons, **common)
    elif kind == "event":
        condition = EventCondition(f.get("reason", str, "", required=True), f.get("namespace", str, default_namespace),
                                   f.get("source", str, ""), f.get("object", str, ""), f.get("message", str, ""),
                                   f.get("count", int, 1), **common)
    elif kind == "pods":
        count, at_least = f.get("count", int), f.get("atLeast", int)
        if count is not None and at_least is not None:
            problems.add(body_line, "pods: give count or atLeast, not both")
        condition = PodsCondition(_selector(f, required=True), f.get("namespace", str, default_namespace),
                                  f.get("phase", str, "Running"), count, at_least, **common)
    elif kind == "component":
        state = f.get("state", str, "")
        if state and state not in COMPONENT_STATES:
            problems.add(line_of(body, "state"), f"component: state must be one of {', '.join(COMPONENT_STATES)}")
        condition = ComponentCondition(f.get("name", str, "", required=True), state, f.get("leader", bool), **common)
    elif kind == "health":
        condition = HealthCondition(f.get("component", str, "", required=True), f.get("healthy", bool, True),
                                    f.get("message", str, ""), **common)
    elif kind == "watch":
        condition = WatchCondition(f.get("name", str, "", required=True), f.get("type", str, "ADDED"),
                                   f.get("object", str, ""), f.get("count", int, 1), **common)
    f.done()
    return condition
