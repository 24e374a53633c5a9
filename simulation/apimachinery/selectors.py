"""Label and field selectors, parsed and matched the way kube-apiserver does.

Promises:

* ``parse_label_selector`` accepts upstream's grammar (``k8s.io/apimachinery/pkg/labels``)::

      a=b   a==b   a!=b   a in (x,y)   a notin (x)   a   !a   a>3   a<3   (comma-separated, ANDed)

  and refuses what upstream refuses, with upstream's words (``unable to parse requirement: ...``,
  ``found ',', expected: identifier after ','`` ...), so ``kubectl get -l`` errors read the same.
* ``parse_field_selector`` accepts ``k=v``, ``k==v`` and ``k!=v`` terms in any order (kubectl describe
  shuffles them), with ``\\,`` ``\\=`` ``\\\\`` escapes in values.
* Whether a field may be selected on is a per-kind question that the server asks through
  ``SUPPORTED_FIELDS`` / ``unsupported_field_error`` before listing; matching itself never refuses.
* Everything here is pure: objects are Kubernetes JSON dicts and are never changed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .validation import is_qualified_name, is_valid_label_value

# Upstream puts the validation messages of k8s.io/apimachinery/pkg/util/validation verbatim
# into selector parse errors; they live in ``validation``.
_qualified_name_errors = is_qualified_name
_label_value_errors = is_valid_label_value


def _invalid(path: str, value: str, detail: str) -> str:
    """``field.Invalid(...).Error()``; a nil path prints as ``<nil>``, as it does upstream."""
    return f"{path}: Invalid value: {json.dumps(value)}: {detail}"


def _aggregate(errors: list[str]) -> str:
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


# --------------------------------------------------------------------------------------------
# Label selectors
# --------------------------------------------------------------------------------------------

IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "in", "notin", "=", "==", "!="
EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN = "exists", "!", "gt", "lt"
_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)


@dataclass(frozen=True)
class Requirement:
    """One ANDed term: ``key <operator> values`` (values sorted, as upstream stores a set)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        if self.operator in (IN, EQUALS, DOUBLE_EQUALS):
            return has and labels[self.key] in self.values
        if self.operator in (NOT_IN, NOT_EQUALS):
            return not has or labels[self.key] not in self.values
        if self.operator == EXISTS:
            return has
        if self.operator == DOES_NOT_EXIST:
            return not has
        if self.operator in (GREATER_THAN, LESS_THAN):
            try:
                have, want = int(labels[self.key]), int(self.values[0])
            except (KeyError, ValueError, IndexError):
                return False
            return have > want if self.operator == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        joined = ",".join(sorted(self.values))
        if self.operator in (IN, NOT_IN):
            return f"{self.key} {self.operator} ({joined})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(self.operator, self.operator)
        return f"{self.key}{symbol}{joined}"


@dataclass(frozen=True)
class LabelSelector:
    """ANDed requirements sorted by key. No requirements selects everything; ``nothing`` selects none."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (upstream's ``Empty()``)."""
        return not self.nothing and not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)


def new_requirement(key: str, operator: str, values: Iterable[str]) -> Requirement:
    """Build a validated requirement; raises ``ValueError`` with upstream's aggregated message."""
    vals = list(values)
    errs: list[str] = []
    key_errs = _qualified_name_errors(key)
    if key_errs:
        errs.append(_invalid("key", key, "; ".join(key_errs)))
    if operator in (IN, NOT_IN) and not vals:
        errs.append(f"values: Invalid value: {_go_list(vals)}: for 'in', 'notin' operators, values set can't be empty")
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and len(vals) != 1:
        errs.append(f"values: Invalid value: {_go_list(vals)}: exact-match compatibility requires one single value")
    elif operator in (EXISTS, DOES_NOT_EXIST) and vals:
        errs.append(f"values: Invalid value: {_go_list(vals)}: values set must be empty for exists and does not exist")
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            errs.append(f"values: Invalid value: {_go_list(vals)}: "
                        "for 'Gt', 'Lt' operators, exactly one value is required")
        for i, v in enumerate(vals):
            if not re.fullmatch(r"[+-]?\d+", v):
                errs.append(_invalid(f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"))
    elif operator not in _BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST):
        supported = ", ".join(json.dumps(o) for o in _BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST))
        errs.append(f"operator: Unsupported value: {json.dumps(operator)}: supported values: {supported}")
    for i, v in enumerate(vals):
        value_errs = _label_value_errors(v)
        if value_errs:
            errs.append(_invalid(f"values[{i}][{key}]", v, "; ".join(value_errs)))
    if errs:
        raise ValueError(_aggregate(errs))
    return Requirement(key, operator, tuple(sorted(set(vals))))


def _go_list(values: list[str]) -> str:
    return "[]string{" + ", ".join(json.dumps(v) for v in values) + "}"


# -- lexer ------------------------------------------------------------------------------------

_ERROR, _END, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _ID, _IN, _LT, _NEQ, _NOTIN, _OPEN = range(14)
_LITERALS = {")": _CLOSE, ",": _COMMA, "!": _NOT, "==": _DEQ, "=": _EQ, ">": _GT, "in": _IN, "<": _LT,
             "!=": _NEQ, "notin": _NOTIN, "(": _OPEN}
_SPECIAL = set("=!(),><")
_SPACE = set(" \t\r\n")


def _lex(text: str) -> list[tuple[int, str]]:
    """Tokens as (kind, literal); identifiers run until whitespace or an operator character."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            out.append((_END, ""))
            return out
        if text[i] in _SPECIAL:
            # Longest run of operator characters that is still a known token ("!=", "==", ...).
            j, best = i, None
            while j < n and text[j] in _SPECIAL:
                if text[i:j + 1] in _LITERALS:
                    best = j + 1
                elif best is not None:
                    break
                j += 1
            if best is None:
                out.append((_ERROR, f"error expected: keyword found '{text[i:j]}'"))
                i = j
            else:
                out.append((_LITERALS[text[i:best]], text[i:best]))
                i = best
        else:
            j = i
            while j < n and text[j] not in _SPECIAL and text[j] not in _SPACE:
                j += 1
            word = text[i:j]
            out.append((_LITERALS.get(word, _ID), word))
            i = j


class _Parser:
    """Recursive descent over the token list; ``in``/``notin`` are plain identifiers in value position."""

    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[int, str]:
        return self._as(self.tokens[self.pos], values)

    def take(self, values: bool = True) -> tuple[int, str]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return self._as(tok, values)

    @staticmethod
    def _as(tok: tuple[int, str], values: bool) -> tuple[int, str]:
        kind, lit = tok
        return (_ID, lit) if values and kind in (_IN, _NOTIN) else (kind, lit)

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            kind, lit = self.peek()
            if kind == _END:
                return reqs
            if kind not in (_ID, _NOT):
                raise ValueError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except ValueError as err:
                raise ValueError(f"unable to parse requirement: {err}") from None
            kind, lit = self.take()
            if kind == _END:
                return reqs
            if kind != _COMMA:
                raise ValueError(f"found '{lit}', expected: ',' or 'end of string'")
            kind, lit = self.peek()
            if kind not in (_ID, _NOT):
                raise ValueError(f"found '{lit}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        operator = ""
        kind, key = self.take()
        if kind == _NOT:
            operator = DOES_NOT_EXIST
            kind, key = self.take()
        if kind != _ID:
            raise ValueError(f"found '{key}', expected: identifier")
        key_errs = _qualified_name_errors(key)
        if key_errs:
            raise ValueError(_invalid("<nil>", key, "; ".join(key_errs)))
        if self.peek()[0] in (_END, _COMMA) and operator != DOES_NOT_EXIST:
            operator = EXISTS
        if operator in (EXISTS, DOES_NOT_EXIST):
            return new_requirement(key, operator, [])
        operator = self.operator()
        values = self.value_set() if operator in (IN, NOT_IN) else self.exact_value()
        return new_requirement(key, operator, values)

    def operator(self) -> str:
        kind, lit = self.take(values=False)
        ops = {_IN: IN, _EQ: EQUALS, _DEQ: DOUBLE_EQUALS, _GT: GREATER_THAN, _LT: LESS_THAN,
               _NOTIN: NOT_IN, _NEQ: NOT_EQUALS}
        if kind not in ops:
            raise ValueError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return ops[kind]

    def value_set(self) -> list[str]:
        kind, lit = self.take()
        if kind != _OPEN:
            raise ValueError(f"found '{lit}' expected: '('")
        kind, lit = self.peek()
        if kind == _CLOSE:  # "()" means the single empty value
            self.take()
            return [""]
        if kind not in (_ID, _COMMA):
            raise ValueError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.identifiers()
        kind, lit = self.take()
        if kind != _CLOSE:
            raise ValueError(f"found '{lit}', expected: ')'")
        return values

    def identifiers(self) -> list[str]:
        """A possibly empty, comma-separated list; empty slots (``(a,,b)``, ``(,a)``) mean ""."""
        values: list[str] = []
        while True:
            kind, lit = self.take()
            if kind == _ID:
                values.append(lit)
                nxt, nlit = self.peek()
                if nxt == _CLOSE:
                    return values
                if nxt != _COMMA:
                    raise ValueError(f"found '{nlit}', expected: ',' or ')'")
            elif kind == _COMMA:
                if not values:
                    values.append("")
                nxt = self.peek()[0]
                if nxt == _CLOSE:
                    values.append("")
                    return values
                if nxt == _COMMA:
                    self.take()
                    values.append("")
            else:
                raise ValueError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> list[str]:
        if self.peek()[0] in (_END, _COMMA):
            return [""]
        kind, lit = self.take()
        if kind != _ID:
            raise ValueError(f"found '{lit}', expected: identifier")
        return [lit]


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse a ``labelSelector`` query value; ``""`` selects everything. Raises ``ValueError``."""
    reqs = _Parser(text or "").parse()
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


_EXPRESSION_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def from_label_selector_object(sel: Mapping[str, Any] | None) -> LabelSelector:
    """A ``metav1.LabelSelector`` dict as a selector (upstream ``LabelSelectorAsSelector``).

    ``None`` selects nothing and ``{}`` selects everything: a workload without a selector must
    not adopt every pod in the namespace.
    """
    if sel is None:
        return NOTHING
    reqs: list[Requirement] = []
    for key, value in (sel.get("matchLabels") or {}).items():
        reqs.append(new_requirement(key, EQUALS, [value]))
    for expr in sel.get("matchExpressions") or []:
        op = expr.get("operator")
        if op not in _EXPRESSION_OPERATORS:
            raise ValueError(f"{json.dumps(op)} is not a valid label selector operator")
        reqs.append(new_requirement(expr.get("key", ""), _EXPRESSION_OPERATORS[op], expr.get("values") or []))
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


def selector_to_string(sel: Mapping[str, Any] | None) -> str:
    """Canonical text of a ``metav1.LabelSelector`` (Scale ``status.selector``), e.g. ``app=web``."""
    return str(from_label_selector_object(sel))


# --------------------------------------------------------------------------------------------
# Field selectors
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldRequirement:
    """``field = value`` or ``field != value`` (``==`` is stored as ``=``)."""

    field: str
    operator: str
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        equal = field_value(obj, self.field) == self.value
        return equal if self.operator == EQUALS else not equal

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{_escape(self.value)}"


@dataclass(frozen=True)
class FieldSelector:
    """ANDed field requirements, sorted by their text as upstream sorts terms."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(r.matches(obj) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def requires_exact_match(self, field_name: str) -> str | None:
        """The value ``field_name`` must equal, if some term pins it (``metadata.name=web`` → ``web``)."""
        for r in self.requirements:
            if r.field == field_name and r.operator == EQUALS:
                return r.value
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for c in chars:
        if c == "\\":
            nxt = next(chars, None)
            if nxt is None:
                raise ValueError("invalid field selector: invalid escape sequence: \\")
            if nxt not in "\\,=":
                raise ValueError(f"invalid field selector: invalid escape sequence: \\{nxt}")
            out.append(nxt)
        elif c in ",=":
            # Upstream prints the rune as a number (Go's %v of a rune).
            raise ValueError(f"invalid field selector: unescaped character in value: {ord(c)}")
        else:
            out.append(c)
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    terms, start, escaped = [], 0, False
    for i, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse a ``fieldSelector`` query value; ``""`` selects everything. Raises ``ValueError``."""
    if not text:
        return FieldSelector()
    reqs: list[FieldRequirement] = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        # The first operator occurrence splits the term; "!=" and "==" win over "=" at one position.
        for i in range(len(term)):
            op = next((o for o in ("!=", "==", "=") if term.startswith(o, i)), None)
            if op:
                reqs.append(FieldRequirement(term[:i], NOT_EQUALS if op == "!=" else EQUALS,
                                             _unescape(term[i + len(op):])))
                break
        else:
            raise ValueError(f"invalid selector: '{text}'; can't understand '{term}'")
    return FieldSelector(tuple(reqs))


#: Fields every kind without its own conversion function accepts.
DEFAULT_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


class _FieldTable(dict):
    """``SUPPORTED_FIELDS[kind]``; kinds without an entry fall back to ``DEFAULT_FIELDS``."""

    def __missing__(self, kind: str) -> frozenset[str]:
        return DEFAULT_FIELDS


#: Upstream's per-kind field label conversion functions (pkg/apis/*/v1/conversion.go), as sets.
SUPPORTED_FIELDS: dict[str, frozenset[str]] = _FieldTable({
    "Pod": frozenset({"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                      "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                      "status.podIP", "status.nominatedNodeName", "spec.host"}),
    "Event": frozenset({"metadata.name", "metadata.namespace", "involvedObject.kind",
                        "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                        "involvedObject.apiVersion", "involvedObject.resourceVersion",
                        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}),
    "Node": frozenset({"metadata.name", "spec.unschedulable"}),
    "Namespace": frozenset({"metadata.name", "status.phase"}),
    "Secret": frozenset({"metadata.name", "metadata.namespace", "type"}),
    "Service": frozenset({"metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"}),
    "ReplicaSet": frozenset({"metadata.name", "metadata.namespace", "status.replicas"}),
    "ReplicationController": frozenset({"metadata.name", "metadata.namespace", "status.replicas"}),
    "Job": frozenset({"metadata.name", "metadata.namespace", "status.successful"}),
    "CertificateSigningRequest": frozenset({"metadata.name", "spec.signerName"}),
})


def unsupported_field_error(kind: str, field_name: str) -> str:
    """Upstream's refusal text: kinds with their own conversion say ``field label not supported``."""
    if kind in SUPPORTED_FIELDS:
        return f"field label not supported: {field_name}"
    return (f"{json.dumps(field_name)} is not a known field selector: only "
            f'"metadata.name", "metadata.namespace"')


def check_field_selector(kind: str, selector: FieldSelector) -> None:
    """Raise ``ValueError`` (the server answers 400 BadRequest) for the first unsupported field."""
    for r in selector.requirements:
        if r.field not in SUPPORTED_FIELDS[kind]:
            raise ValueError(unsupported_field_error(kind, r.field))


#: Selectable fields whose Go type is not a string: a missing value prints as the zero value.
_ZERO_VALUES = {"spec.hostNetwork": "false", "spec.unschedulable": "false",
                "status.replicas": "0", "status.successful": "0"}


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The text a field selector compares: a dotted path into the object, missing → ``""``.

    Booleans print as ``true``/``false`` and numbers in decimal, as upstream's per-kind
    ``ToSelectableFields`` functions do. Two fields are not plain paths: Event ``source`` is
    ``source.component`` (falling back to ``reportingComponent``), and the legacy Pod ``spec.host``
    means ``spec.nodeName``.
    """
    if path == "source":
        source = obj.get("source")
        component = source.get("component") if isinstance(source, Mapping) else source
        return str(component or obj.get("reportingComponent") or "")
    if path == "spec.host":
        path = "spec.nodeName"
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return _ZERO_VALUES.get(path, "")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)

