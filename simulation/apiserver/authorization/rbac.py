"""RBAC: upstream's role-based authorizer, reading Roles and bindings through the API.

What is promised, as upstream (``plugin/pkg/auth/authorizer/rbac``):

* Rules are purely additive; there is no deny. A request is allowed when one rule of one
  role bound to the user allows it; otherwise RBAC has *no opinion* (the server's union
  of authorizers turns "nobody allowed it" into 403).
* ClusterRoleBindings grant everywhere; RoleBindings grant only in their own namespace and
  may reference a Role of that namespace or a ClusterRole. ClusterRoleBindings are
  visited first, then the RoleBindings of the request's namespace, each in list order;
  the first allowing rule names the binding in the reason
  (``RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"``).
* ``system:masters`` is not special here: the bootstrap ClusterRoleBinding ``cluster-admin``
  binds it, and the ``SystemMasters`` authorizer in front of RBAC (``privileged_groups``)
  allows it regardless, as upstream's chain does
  (only escalation checks still treat the group as a superuser, as upstream does).
* A binding whose role does not exist grants nothing; when nothing allowed the request,
  the missing roles are reported in the reason, as upstream does.

Reading every role and binding on each request is too slow, so the objects are indexed
by subject and cached. The server calls :meth:`RBACAuthorizer.invalidate` after every RBAC
write; a short wall-clock TTL also picks up writes made by another process (several
daphne workers share one database). The TTL is cache freshness, not simulated time.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from simulation.apimachinery.wellknown import split_service_account_username

from ..admission import ObjectReader
from ..errors import StatusError, forbidden, qualified
from ..request import UserInfo
from . import ALLOW, NO_OPINION, Attributes

RBAC_GROUP = "rbac.authorization.k8s.io"

#: A subject key in the index: ("User", name), ("Group", name), ("ServiceAccount", ns, name).
SubjectKey = tuple[str, ...]


# ---------------------------------------------------------------------------- rule matching
def verb_matches(rule: dict, verb: str) -> bool:
    return any(v in ("*", verb) for v in rule.get("verbs") or ())


def api_group_matches(rule: dict, group: str) -> bool:
    return any(g in ("*", group) for g in rule.get("apiGroups") or ())


def resource_matches(rule: dict, combined: str, subresource: str) -> bool:
    """``*``, an exact ``pods`` / ``pods/status``, or ``*/status`` for any resource's status."""
    for r in rule.get("resources") or ():
        if r in ("*", combined):
            return True
        if subresource and r == "*/" + subresource:
            return True
    return False


def resource_name_matches(rule: dict, name: str) -> bool:
    names = rule.get("resourceNames") or ()
    return not names or name in names


def non_resource_url_matches(rule: dict, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or ():
        if url in ("*", path):
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(attrs: Attributes, rule: dict) -> bool:
    """Upstream's ``RuleAllows``: one PolicyRule against one request."""
    if attrs.is_resource_request:
        combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        return (verb_matches(rule, attrs.verb) and api_group_matches(rule, attrs.api_group)
                and resource_matches(rule, combined, attrs.subresource)
                and resource_name_matches(rule, attrs.name))
    return verb_matches(rule, attrs.verb) and non_resource_url_matches(rule, attrs.path)


def _allows_some_name(attrs: Attributes, rule: dict) -> bool:
    """Whether ``rule`` names resources and allows the request for one of those names."""
    return bool(attrs.is_resource_request and rule.get("resourceNames")) and \
        rule_allows(replace(attrs, name=rule["resourceNames"][0]), rule)


def _nameless(attrs: Attributes) -> Attributes | None:
    """The key a decision about one named object is remembered by when its name took no part
    in it (None for requests that name no object). Its path is one no request has."""
    if not attrs.is_resource_request or not attrs.name:
        return None
    return Attributes(attrs.user, attrs.verb, True, _NAMELESS_PATH, attrs.api_group, attrs.api_version,
                      attrs.resource, attrs.subresource, attrs.namespace, "")


_NAMELESS_PATH = "\x00any name"


# ---------------------------------------------------------------------------- subjects
def subject_key(subject: dict, binding_namespace: str) -> SubjectKey | None:
    """The index key of a binding subject; a ServiceAccount without a namespace means the
    binding's own (upstream defaults it so RoleBindings can name local accounts briefly)."""
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind in ("User", "Group"):
        return kind, name
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return (kind, namespace, name) if namespace else None
    return None


def user_keys(user: UserInfo) -> list[SubjectKey]:
    keys: list[SubjectKey] = [("User", user.name)]
    keys += [("Group", g) for g in user.all_groups]
    sa = split_service_account_username(user.name)
    if sa:
        keys.append(("ServiceAccount", *sa))
    return keys


def describe_subject(subject: dict, binding_namespace: str) -> str:
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind == "ServiceAccount":
        return f'{kind} "{name}/{subject.get("namespace") or binding_namespace}"'
    return f'{kind} "{name}"'


def aggregate_errors(messages: list[str]) -> str:
    """Go's ``utilerrors.NewAggregate(...).Error()``: one message bare, several in brackets."""
    unique = list(dict.fromkeys(messages))
    if len(messages) == 1 or len(unique) == 1:
        return unique[0]
    return "[" + ", ".join(unique) + "]"


# ---------------------------------------------------------------------------- the index
#: How many decisions an index remembers before it starts over (requests naming one object each,
#: such as bindings, would otherwise grow it without bound).
MAX_REMEMBERED_DECISIONS = 4096


@dataclass(frozen=True)
class Binding:
    kind: str  # "ClusterRoleBinding" or "RoleBinding"
    name: str
    namespace: str
    role_kind: str
    role_name: str
    subjects: tuple[dict, ...]

    @classmethod
    def from_object(cls, kind: str, obj: dict) -> "Binding":
        meta, ref = obj.get("metadata") or {}, obj.get("roleRef") or {}
        return cls(kind, meta.get("name", ""), meta.get("namespace", "") if kind == "RoleBinding" else "",
                   ref.get("kind", ""), ref.get("name", ""), tuple(obj.get("subjects") or ()))

    def describe(self, subject: dict) -> str:
        """Upstream's binding describers, as they appear in "RBAC: allowed by …"."""
        name = f"{self.name}/{self.namespace}" if self.kind == "RoleBinding" else self.name
        return (f'{self.kind} "{name}" of {self.role_kind} "{self.role_name}" to '
                f"{describe_subject(subject, self.namespace)}")


@dataclass
class _Index:
    built_at: float
    cluster_roles: dict[str, list[dict]] = field(default_factory=dict)
    roles: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    cluster_bindings: list[Binding] = field(default_factory=list)
    cluster_by_subject: dict[SubjectKey, list[int]] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    by_subject: dict[str, dict[SubjectKey, list[int]]] = field(default_factory=dict)
    #: Decisions already taken against this index, by request attributes: a decision depends on
    #: nothing else, and a component repeats the same few requests (the scheduler's Event creates,
    #: a kubelet's status patches). Dropped with the index when RBAC objects change.
    decisions: dict[Attributes, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, reader: ObjectReader, now: float) -> "_Index":
        idx = cls(now)
        for obj in reader.list("clusterroles", ""):
            idx.cluster_roles[obj["metadata"]["name"]] = list(obj.get("rules") or ())
        for obj in reader.list("roles", ""):
            meta = obj["metadata"]
            idx.roles[(meta.get("namespace", ""), meta["name"])] = list(obj.get("rules") or ())
        for obj in reader.list("clusterrolebindings", ""):
            _add(Binding.from_object("ClusterRoleBinding", obj), idx.cluster_bindings, idx.cluster_by_subject)
        for obj in reader.list("rolebindings", ""):
            b = Binding.from_object("RoleBinding", obj)
            _add(b, idx.bindings.setdefault(b.namespace, []), idx.by_subject.setdefault(b.namespace, {}))
        return idx

    def role_rules(self, b: Binding) -> tuple[list[dict] | None, str]:
        """(rules, "") or (None, upstream's resolution error)."""
        if b.role_kind == "ClusterRole":
            rules = self.cluster_roles.get(b.role_name)
            return (rules, "") if rules is not None else (None, f'clusterrole.{RBAC_GROUP} "{b.role_name}" not found')
        if b.role_kind == "Role":
            rules = self.roles.get((b.namespace, b.role_name))
            return (rules, "") if rules is not None else (None, f'role.{RBAC_GROUP} "{b.role_name}" not found')
        return None, f'unsupported role reference kind: "{b.role_kind}"'


def _add(b: Binding, bindings: list[Binding], by_subject: dict[SubjectKey, list[int]]) -> None:
    bindings.append(b)
    for subject in b.subjects:
        key = subject_key(subject, b.namespace)
        if key is not None:
            ids = by_subject.setdefault(key, [])
            if not ids or ids[-1] != len(bindings) - 1:
                ids.append(len(bindings) - 1)


def _applicable(bindings: list[Binding], by_subject: dict[SubjectKey, list[int]],
                keys: list[SubjectKey]) -> Iterator[tuple[Binding, dict]]:
    """Bindings naming the user, in list order, each with its first matching subject."""
    wanted = set(keys)
    for i in sorted({i for k in keys for i in by_subject.get(k, ())}):
        b = bindings[i]
        subject = next(s for s in b.subjects if subject_key(s, b.namespace) in wanted)
        yield b, subject


# ---------------------------------------------------------------------------- the authorizer
class RBACAuthorizer:
    name = "RBAC"

    def __init__(self, reader: ObjectReader, *, ttl_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.reader = reader
        #: Wall-clock seconds an index is trusted without an ``invalidate()``.
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._cached: _Index | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget the index; the server calls this after any write to an RBAC object."""
        self._generation += 1
        self._cached = None

    def _index(self) -> _Index:
        idx, now = self._cached, self._clock()
        if idx is not None and now - idx.built_at < self.ttl_seconds:
            return idx
        with self._lock:
            idx = self._cached
            if idx is not None and now - idx.built_at < self.ttl_seconds:
                return idx
            generation = self._generation
            idx = _Index.build(self.reader, now)
            if generation == self._generation:  # no write raced the rebuild
                self._cached = idx
            return idx

    def visit(self, user: UserInfo, namespace: str) -> Iterator[tuple[Binding, dict, list[dict] | None, str]]:
        """Upstream's ``VisitRulesFor``: (binding, subject, rules or None, resolution error),
        ClusterRoleBindings first, then the RoleBindings of ``namespace``."""
        idx, keys = self._index(), user_keys(user)
        sources = [_applicable(idx.cluster_bindings, idx.cluster_by_subject, keys)]
        if namespace:
            sources.append(_applicable(idx.bindings.get(namespace, []), idx.by_subject.get(namespace, {}), keys))
        for source in sources:
            for b, subject in source:
                rules, error = idx.role_rules(b)
                yield b, subject, rules, error

    def authorize(self, attrs: Attributes) -> tuple[str, str]:
        decisions = self._index().decisions
        decision = decisions.get(attrs)
        if decision is None:
            nameless = _nameless(attrs)
            decision = decisions.get(nameless) if nameless is not None else None
            if decision is None:
                decision, name_decides = self._decide(attrs)
                if len(decisions) >= MAX_REMEMBERED_DECISIONS:
                    decisions.clear()
                decisions[attrs if name_decides or nameless is None else nameless] = decision
        return decision

    def _decide(self, attrs: Attributes) -> tuple[tuple[str, str], bool]:
        """The decision, and whether the object's name took part in it: only a rule naming
        resources (``resourceNames``) that matches the request in everything else can tell
        two names apart. Otherwise the decision holds for every object the request could
        name (the scheduler binds each pod once: remembered by name, none would repeat)."""
        errors: list[str] = []
        name_decides = False
        for b, subject, rules, error in self.visit(attrs.user, attrs.namespace):
            if rules is None:
                errors.append(error)
                continue
            for rule in rules:
                if rule_allows(attrs, rule):
                    return (ALLOW, f"RBAC: allowed by {b.describe(subject)}"), \
                        name_decides or bool(rule.get("resourceNames"))
                name_decides = name_decides or _allows_some_name(attrs, rule)
        return (NO_OPINION, (f"RBAC: {aggregate_errors(errors)}" if errors else "")), name_decides

    def policy_rules(self, user: UserInfo, namespace: str) -> tuple[list[dict], list[str]]:
        """Every PolicyRule that applies to ``user`` in ``namespace`` ("" = cluster-wide only),
        and the resolution errors met on the way (upstream's ``RulesFor``)."""
        rules: list[dict] = []
        errors: list[str] = []
        for _, _, found, error in self.visit(user, namespace):
            if found is None:
                errors.append(error)
            else:
                rules.extend(found)
        return rules, errors

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[dict], list[dict]]:
        """(resource rules, non-resource rules), in SelfSubjectRulesReview's shapes."""
        resource_rules: list[dict] = []
        non_resource_rules: list[dict] = []
        for rule in self.policy_rules(user, namespace)[0]:
            if rule.get("resources"):
                r = {"verbs": list(rule.get("verbs") or ()), "apiGroups": list(rule.get("apiGroups") or ()),
                     "resources": list(rule["resources"])}
                if rule.get("resourceNames"):
                    r["resourceNames"] = list(rule["resourceNames"])
                resource_rules.append(r)
            if rule.get("nonResourceURLs"):
                non_resource_rules.append({"verbs": list(rule.get("verbs") or ()),
                                           "nonResourceURLs": list(rule["nonResourceURLs"])})
        return resource_rules, non_resource_rules


# ---------------------------------------------------------------------------- 403 text
def forbidden_message(attrs: Attributes, reason: str = "") -> str:
    """The Status message of upstream's 403: ``apierrors.NewForbidden`` around
    ``responsewriters.forbiddenMessage``, with the authorizers' reason appended if any.

    The qualified resource in front is the GroupResource *without* the subresource
    (``pods "x" is forbidden: … cannot create resource "pods/binding" …``).
    """
    user = attrs.user.name
    if not attrs.is_resource_request:
        detail = f'User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    else:
        resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
        detail = (f'User "{user}" cannot {attrs.verb} resource "{resource}" in API group '
                  f'"{attrs.api_group}" {scope}')
    if reason:
        detail += f": {reason}"
    if not attrs.is_resource_request or not attrs.resource:
        return f"forbidden: {detail}"
    subject = qualified(attrs.resource, attrs.api_group)
    if attrs.name:
        subject += f' "{attrs.name}"'
    return f"{subject} is forbidden: {detail}"


def forbidden_error(attrs: Attributes, reason: str = "", plugin: str | None = None) -> StatusError:
    """The whole 403 Status (details carry group, kind = resource, name, as upstream)."""
    resource = attrs.resource if attrs.is_resource_request else ""
    return forbidden(forbidden_message(attrs, reason), resource, attrs.api_group if resource else "",
                     attrs.name if resource else "", plugin)
