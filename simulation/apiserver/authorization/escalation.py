"""RBAC escalation prevention: you cannot grant what you do not hold.

Being allowed to ``create rolebindings`` would otherwise make anyone a cluster admin, so
upstream's RBAC storage checks every write of a role or binding (``pkg/registry/rbac``):

* **Roles and ClusterRoles**: the writer must already hold every rule the role grants, in
  the role's namespace (cluster-wide for ClusterRoles) — unless RBAC allows them the verb
  ``escalate`` on that resource. Setting or changing an ``aggregationRule`` needs
  ``*`` on everything.
* **RoleBindings and ClusterRoleBindings**: the writer must hold every rule of the
  referenced role, in the binding's namespace (cluster-wide for ClusterRoleBindings) —
  unless RBAC allows them the verb ``bind`` on that role.
* Members of ``system:masters`` skip the check (upstream's ``EscalationAllowed``).
* An update that only touches ``ownerReferences`` / ``finalizers`` is never an escalation
  (the garbage collector must be able to clean up roles it could not have written).

"Holds" is upstream's ``Covers``: both rule lists are broken into atomic
(group, resource, verb, resourceName) or (URL, verb) rules; each must be allowed by one
held rule. What is missing is compacted and printed in upstream's exact words, which is
what ``kubectl`` shows the learner.
"""
from __future__ import annotations

import copy
import json

from simulation.apimachinery.wellknown import SYSTEM_MASTERS

from ..admission import ObjectReader
from ..errors import StatusError, forbidden, internal, not_found
from ..request import UserInfo
from . import ALLOW, Attributes
from .rbac import RBAC_GROUP, RBACAuthorizer, aggregate_errors

PLUGIN = "RBAC"
ROLE_RESOURCES = ("roles", "clusterroles")
BINDING_RESOURCES = ("rolebindings", "clusterrolebindings")

FULL_AUTHORITY = [
    {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
    {"verbs": ["*"], "nonResourceURLs": ["*"]},
]


# ---------------------------------------------------------------------------- covers
def breakdown_rule(rule: dict) -> list[dict]:
    """One rule per (group, resource, verb[, resourceName]) and per (URL, verb)."""
    verbs = rule.get("verbs") or []
    names = rule.get("resourceNames") or []
    out: list[dict] = []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in verbs:
                base = {"verbs": [verb], "apiGroups": [group], "resources": [resource]}
                out += [dict(base, resourceNames=[n]) for n in names] if names else [base]
    for url in rule.get("nonResourceURLs") or []:
        out += [{"verbs": [verb], "nonResourceURLs": [url]} for verb in verbs]
    return out


def _resources_cover(owned: list[str], wanted: list[str]) -> bool:
    if "*" in owned:
        return True
    for path in wanted:
        if path in owned:
            continue
        if "/" not in path or "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner: str, path: str) -> bool:
    return owner == path or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def _rule_covers(owner: dict, sub: dict) -> bool:
    o_verbs, o_groups = owner.get("verbs") or [], owner.get("apiGroups") or []
    o_names = owner.get("resourceNames") or []
    verbs_ok = "*" in o_verbs or set(sub.get("verbs") or []) <= set(o_verbs)
    groups_ok = "*" in o_groups or set(sub.get("apiGroups") or []) <= set(o_groups)
    resources_ok = _resources_cover(owner.get("resources") or [], sub.get("resources") or [])
    urls_ok = all(any(_url_covers(o, p) for o in owner.get("nonResourceURLs") or [])
                  for p in sub.get("nonResourceURLs") or [])
    sub_names = sub.get("resourceNames") or []
    names_ok = not o_names or (bool(sub_names) and set(sub_names) <= set(o_names))
    return verbs_ok and groups_ok and resources_ok and urls_ok and names_ok


def covers(owner_rules: list[dict], servant_rules: list[dict]) -> tuple[bool, list[dict]]:
    """Upstream's ``Covers``: (whether the owner holds everything, the atomic rules it lacks)."""
    missing = [sub for rule in servant_rules for sub in breakdown_rule(rule)
               if not any(_rule_covers(owner, sub) for owner in owner_rules)]
    return not missing, missing


def compact_rules(rules: list[dict]) -> list[dict]:
    """Merge single-group, single-resource rules that differ only by verb (upstream's CompactRules)."""
    compacted: list[dict] = []
    simple: dict[tuple[str, str], dict] = {}
    for rule in rules:
        is_simple = (not rule.get("resourceNames") and not rule.get("nonResourceURLs")
                     and len(rule.get("apiGroups") or []) == 1 and len(rule.get("resources") or []) == 1)
        if not is_simple:
            compacted.append(rule)
            continue
        key = (rule["apiGroups"][0], rule["resources"][0])
        if key in simple:
            simple[key]["verbs"] = simple[key]["verbs"] + list(rule.get("verbs") or [])
        else:
            simple[key] = copy.deepcopy(rule)
    return compacted + list(simple.values())


def _go_quote_list(values: list[str]) -> str:
    """Go's ``%q`` of a []string: ``["a" "b"]``."""
    return "[" + " ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def compact_string(rule: dict) -> str:
    """Upstream's ``CompactString``: ``{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}``."""
    parts = [f"{label}:{_go_quote_list(rule[key])}" for label, key in
             (("APIGroups", "apiGroups"), ("Resources", "resources"), ("NonResourceURLs", "nonResourceURLs"),
              ("ResourceNames", "resourceNames"), ("Verbs", "verbs")) if rule.get(key)]
    return "{" + ", ".join(parts) + "}"


# ---------------------------------------------------------------------------- the check
def no_escalation_problem(user: UserInfo, namespace: str, rules: list[dict],
                          authorizer: RBACAuthorizer) -> str | None:
    """Upstream's ``ConfirmNoEscalation``: ``None`` if the user holds ``rules`` in
    ``namespace``, else the message naming what they lack."""
    owner_rules, errors = authorizer.policy_rules(user, namespace)
    ok, missing = covers(owner_rules, rules)
    if ok:
        return None
    lines = sorted({compact_string(r) for r in compact_rules(missing)})
    message = (f'user "{user.name}" (groups={_go_quote_list(list(user.all_groups))}) is attempting to grant '
               f"RBAC permissions not currently held:\n" + "\n".join(lines))
    if errors:
        message += f"; resolution errors: [{aggregate_errors(errors)}]"
    return message


def _authorized(authorizer: RBACAuthorizer, user: UserInfo, verb: str, resource: str, namespace: str,
                name: str, group: str = RBAC_GROUP) -> bool:
    attrs = Attributes(user=user, verb=verb, is_resource_request=True, api_group=group, api_version="*",
                       resource=resource, namespace=namespace, name=name)
    return authorizer.authorize(attrs)[0] == ALLOW


def only_gc_fields_changed(obj: dict, old_obj: dict) -> bool:
    """Upstream's ``IsOnlyMutatingGCFields`` (also ignoring server-set resourceVersion/managedFields)."""
    def strip(o: dict) -> dict:
        o = copy.deepcopy(o)
        meta = o.get("metadata") or {}
        for key in ("ownerReferences", "finalizers", "resourceVersion", "managedFields"):
            meta.pop(key, None)
        return o
    return strip(obj) == strip(old_obj)


def _refuse(resource: str, name: str, why: str) -> StatusError:
    return forbidden(f'{resource}.{RBAC_GROUP} "{name}" is forbidden: {why}', resource, RBAC_GROUP, name, PLUGIN)


def check_escalation(resource: str, obj: dict, user: UserInfo, authorizer: RBACAuthorizer,
                     reader: ObjectReader, *, old_obj: dict | None = None) -> None:
    """Raise 403 (plugin ``RBAC``) if writing ``obj`` would grant more than ``user`` holds.

    ``resource`` is the plural (roles, clusterroles, rolebindings, clusterrolebindings);
    anything else passes. Pass ``old_obj`` on updates: it lets GC-only updates through and
    names the role in the ``escalate`` check, as upstream's request name does.
    """
    if resource not in ROLE_RESOURCES + BINDING_RESOURCES or SYSTEM_MASTERS in user.all_groups:
        return
    if old_obj is not None and only_gc_fields_changed(obj, old_obj):
        return
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    namespace = meta.get("namespace", "") if resource in ("roles", "rolebindings") else ""
    if resource in ROLE_RESOURCES:
        _check_role(resource, obj, name, namespace, user, authorizer, old_obj)
    else:
        _check_binding(resource, obj, name, namespace, user, authorizer, reader)


def _check_role(resource: str, obj: dict, name: str, namespace: str, user: UserInfo,
                authorizer: RBACAuthorizer, old_obj: dict | None) -> None:
    # On create the request URL names no object, so upstream checks ``escalate`` with name "".
    request_name = name if old_obj is not None else ""
    if _authorized(authorizer, user, "escalate", resource, namespace, request_name):
        return
    # An aggregationRule can gather any rule (and keeps a role from being tightened), so
    # setting or changing one needs everything. Upstream checks it after the rules on
    # create and before them on update; the order only changes which message wins.
    new_rule, old_rule = obj.get("aggregationRule"), (old_obj or {}).get("aggregationRule")
    aggregation_problem = (resource == "clusterroles" and bool(new_rule or old_rule) and new_rule != old_rule
                           and no_escalation_problem(user, "", FULL_AUTHORITY, authorizer) is not None)
    if aggregation_problem and old_obj is not None:
        raise _refuse(resource, name, "must have cluster-admin privileges to use the aggregationRule")
    problem = no_escalation_problem(user, namespace, list(obj.get("rules") or []), authorizer)
    if problem:
        raise _refuse(resource, name, problem)
    if aggregation_problem:
        raise _refuse(resource, name, "must have cluster-admin privileges to use the aggregationRule")


def _check_binding(resource: str, obj: dict, name: str, namespace: str, user: UserInfo,
                   authorizer: RBACAuthorizer, reader: ObjectReader) -> None:
    ref = obj.get("roleRef") or {}
    kind, role_name = ref.get("kind", ""), ref.get("name", "")
    if kind == "ClusterRole":
        role_resource, role = "clusterroles", reader.get("clusterroles", "", role_name)
    elif kind == "Role":
        role_resource, role = "roles", reader.get("roles", namespace, role_name)
    else:
        raise internal(f'unsupported role reference kind: "{kind}"')
    if _authorized(authorizer, user, "bind", role_resource, namespace, role_name, ref.get("apiGroup", RBAC_GROUP)):
        return
    if role is None:
        raise not_found(role_resource, RBAC_GROUP, role_name)
    problem = no_escalation_problem(user, namespace, list(role.get("rules") or []), authorizer)
    if problem:
        raise _refuse(resource, name, problem)
