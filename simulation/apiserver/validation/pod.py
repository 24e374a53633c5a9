"""Pod, PodSpec and PodTemplateSpec validation (``pkg/apis/core/validation``, v1.32 messages).

Validation runs on defaulted objects (see :mod:`simulation.apiserver.defaults`), as upstream:
a missing ``restartPolicy`` was already defaulted to ``Always``, so ``Required value`` only
appears when a client sends an explicit empty string.

Covered: containers and init containers (names, images, ports, env, volume mounts, pull
policy, resources, probes), volumes, restart/DNS policy, node selector and affinity,
tolerations, topology spread, security context ids, the pod-update rules (only images,
``activeDeadlineSeconds``, added tolerations and the negative-grace-period fix may change)
and the status-update rules. Not covered: Windows/AppArmor/seccomp details, ephemeral
containers, resource claims, DNS config contents.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from ..quantity import Quantity, QuantityError
from . import field
from .field import GoRepr
from .names import (inclusive_range_error, is_config_map_key, is_dns1123_label, is_qualified_name,
                    is_relaxed_env_var_name, is_valid_label_value, is_valid_port_name, is_valid_port_num,
                    name_is_dns_subdomain)
from .objectmeta import (validate_annotations, validate_label_selector, validate_labels, validate_object_meta,
                         validate_object_meta_update)

MAX_INT32 = 2 ** 31 - 1
NEGATIVE = "must be greater than or equal to 0"
PORT_PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
_VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
                   "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
                   "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte",
                   "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
                   "csi", "ephemeral", "image")
_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_STANDARD_RESOURCES = _STANDARD_CONTAINER_RESOURCES + (
    "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
    "persistentvolumeclaims", "storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage")

UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)
POD_UPDATE_FORBIDDEN = "pod updates may not change fields other than " + ",".join(UPDATABLE_POD_SPEC_FIELDS)


# --- small shared checks -------------------------------------------------------------------

def nonnegative(value: Any, path: str) -> list[dict]:
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [field.invalid(path, value, NEGATIVE)]
    return []


def dns1123_label(value: str, path: str) -> list[dict]:
    return [field.invalid(path, value, m) for m in is_dns1123_label(value)]


def port_num_or_name(port: Any, path: str) -> list[dict]:
    if isinstance(port, int) and not isinstance(port, bool):
        return [field.invalid(path, port, m) for m in is_valid_port_num(port)]
    if isinstance(port, str):
        return [field.invalid(path, port, m) for m in is_valid_port_name(port)]
    return [field.invalid(path, port, "must be an int or a string")]


def _is_standard_resource(name: str) -> bool:
    return name in _STANDARD_RESOURCES or name.startswith("hugepages-") or name.startswith("requests.hugepages-")


def _is_integer_resource(name: str) -> bool:
    native = "/" not in name or name.split("/")[0].endswith("kubernetes.io")
    return (name in ("pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                     "persistentvolumeclaims", "services.loadbalancers", "services.nodeports")
            or name.startswith("count/") or not native or name.startswith("requests.") and "/" in name)


def validate_container_resource_name(name: str, path: str) -> list[dict]:
    value = GoRepr(name)  # core.ResourceName prints through its String() method
    errs = [field.invalid(path, value, m) for m in is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name:
        if not _is_standard_resource(name):
            errs.append(field.invalid(path, value, "must be a standard resource type or fully qualified"))
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            errs.append(field.invalid(path, value, "must be a standard resource for containers"))
    return errs


def validate_quantity_value(resource: str, raw: Any, path: str) -> list[dict]:
    """``ValidateResourceQuantityValue``: not negative, integral for countable resources."""
    try:
        q = Quantity.parse(raw)
    except QuantityError as err:
        return [field.invalid(path, str(raw), str(err))]
    errs = []
    if q.value < 0:
        errs.append(field.invalid(path, str(q), NEGATIVE))
    if _is_integer_resource(resource) and q.milli_value() % 1000 != 0:
        errs.append(field.invalid(path, GoRepr(str(q)), "must be an integer"))
    return errs


def validate_resource_requirements(resources: dict | None, path: str) -> list[dict]:
    resources = resources or {}
    errs: list[dict] = []
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    for name, value in limits.items():
        p = f"{path}.limits[{name}]"
        errs += validate_container_resource_name(name, p) + validate_quantity_value(name, value, p)
    for name, value in requests.items():
        p = f"{path}.requests[{name}]"
        errs += validate_container_resource_name(name, p) + validate_quantity_value(name, value, p)
        if name in limits:
            try:
                req, lim = Quantity.parse(value), Quantity.parse(limits[name])
            except QuantityError:
                continue
            overcommit = not name.startswith("hugepages-")
            if req.cmp(lim) != 0 and not overcommit:
                errs.append(field.invalid(f"{path}.requests", str(req), f"must be equal to {name} limit of {lim}"))
            elif req.cmp(lim) > 0:
                errs.append(field.invalid(f"{path}.requests", str(req),
                                          f"must be less than or equal to {name} limit of {lim}"))
        elif name.startswith("hugepages-"):
            errs.append(field.required(f"{path}.limits", "Limit must be set for non overcommitable resources"))
    return errs


# --- tolerations, selectors, affinity ------------------------------------------------------

def validate_tolerations(tolerations: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    for i, tol in enumerate(tolerations or []):
        p = f"{path}[{i}]"
        key, op = tol.get("key", ""), tol.get("operator", "")
        effect, value = tol.get("effect", ""), tol.get("value", "")
        if key:
            errs += [field.invalid(f"{p}.key", key, m) for m in is_qualified_name(key)]
        if not key and op != "Exists":
            errs.append(field.invalid(f"{p}.operator", op, "operator must be Exists when `key` is empty, which "
                                      "means \"match all values and all keys\""))
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(field.invalid(f"{p}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` "
                                      "is set"))
        if op in ("Equal", ""):
            msgs = is_valid_label_value(str(value))
            if msgs:
                errs.append(field.invalid(f"{p}.operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(field.invalid(f"{p}.operator", value, "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(field.not_supported(f"{p}.operator", op, ("Equal", "Exists")))
        if effect and effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
    return errs


def _validate_node_selector_requirement(req: dict, path: str) -> list[dict]:
    errs: list[dict] = []
    op, values = req.get("operator", ""), req.get("values") or []
    if op in ("In", "NotIn"):
        if not values:
            errs.append(field.required(f"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(field.forbidden(f"{path}.values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(field.required(f"{path}.values",
                                       "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errs.append(field.invalid(f"{path}.operator", op, "not a valid selector operator"))
    key = req.get("key", "")
    errs += [field.invalid(f"{path}.key", key, m) for m in is_qualified_name(key)]
    for j, value in enumerate(values):
        errs += [field.invalid(f"{path}.values[{j}]", value, m) for m in is_valid_label_value(str(value))]
    return errs


def _validate_node_selector_term(term: dict, path: str) -> list[dict]:
    errs: list[dict] = []
    for j, req in enumerate(term.get("matchExpressions") or []):
        errs += _validate_node_selector_requirement(req, f"{path}.matchExpressions[{j}]")
    return errs


def _validate_pod_affinity_term(term: dict, path: str) -> list[dict]:
    errs = validate_label_selector(term.get("labelSelector"), f"{path}.labelSelector")
    key = term.get("topologyKey", "")
    if not key:
        errs.append(field.required(f"{path}.topologyKey", "can not be empty"))
    return errs + [field.invalid(f"{path}.topologyKey", key, m) for m in is_qualified_name(key)]


def validate_affinity(affinity: dict | None, path: str) -> list[dict]:
    if not affinity:
        return []
    errs: list[dict] = []
    node = affinity.get("nodeAffinity") or {}
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is not None:
        p = f"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
        terms = required.get("nodeSelectorTerms") or []
        if not terms:
            errs.append(field.required(p, "must have at least one node selector term"))
        for i, term in enumerate(terms):
            errs += _validate_node_selector_term(term, f"{p}[{i}]")
    for i, pref in enumerate(node.get("preferredDuringSchedulingIgnoredDuringExecution") or []):
        p = f"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
        weight = pref.get("weight", 0)
        if not 0 < weight <= 100:
            errs.append(field.invalid(f"{p}.weight", weight, "must be in the range 1-100"))
        errs += _validate_node_selector_term(pref.get("preference") or {}, f"{p}.preference")
    for kind in ("podAffinity", "podAntiAffinity"):
        pod_aff = affinity.get(kind) or {}
        base = f"{path}.{kind}"
        for i, term in enumerate(pod_aff.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
            errs += _validate_pod_affinity_term(term, f"{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]")
        for i, wt in enumerate(pod_aff.get("preferredDuringSchedulingIgnoredDuringExecution") or []):
            p = f"{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            weight = wt.get("weight", 0)
            if not 0 < weight <= 100:
                errs.append(field.invalid(f"{p}.weight", weight, "must be in the range 1-100"))
            errs += _validate_pod_affinity_term(wt.get("podAffinityTerm") or {}, f"{p}.podAffinityTerm")
    return errs


def validate_topology_spread(constraints: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    constraints = constraints or []
    for i, c in enumerate(constraints):
        p = f"{path}[{i}]"
        skew = c.get("maxSkew", 0)
        if skew <= 0:
            errs.append(field.invalid(f"{p}.maxSkew", skew, "must be greater than zero"))
        if not c.get("topologyKey"):
            errs.append(field.required(f"{p}.topologyKey", "can not be empty"))
        action = c.get("whenUnsatisfiable", "")
        if action not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(field.not_supported(f"{p}.whenUnsatisfiable", action, ("DoNotSchedule", "ScheduleAnyway")))
        for other in constraints[i + 1:]:
            if (other.get("topologyKey"), other.get("whenUnsatisfiable")) == (c.get("topologyKey"), action):
                errs.append(field.duplicate(f"{p}.{{topologyKey, whenUnsatisfiable}}",
                                            f"{{{c.get('topologyKey', '')}, {action}}}"))
                break
        errs += validate_label_selector(c.get("labelSelector"), f"{p}.labelSelector")
    return errs


# --- volumes and containers ------------------------------------------------------------------

def validate_volumes(volumes: list | None, path: str) -> tuple[set[str], list[dict]]:
    errs: list[dict] = []
    names: set[str] = set()
    for i, vol in enumerate(volumes or []):
        p = f"{path}[{i}]"
        el: list[dict] = []
        sources = [s for s in _VOLUME_SOURCES if vol.get(s) is not None]
        for extra in sources[1:]:
            el.append(field.forbidden(f"{p}.{extra}", "may not specify more than 1 volume type"))
        if not sources:
            el.append(field.required(p, "must specify a volume type"))
        el += _validate_volume_source(vol, sources[0] if sources else "", p)
        name = vol.get("name") or ""
        if not name:
            el.append(field.required(f"{p}.name"))
        else:
            el += dns1123_label(name, f"{p}.name")
        if name in names:
            el.append(field.duplicate(f"{p}.name", name))
        if el:
            errs += el
        else:
            names.add(name)
    return names, errs


def _validate_volume_source(vol: dict, source: str, path: str) -> list[dict]:
    spec = vol.get(source) or {}
    p = f"{path}.{source}"
    if source == "hostPath" and not spec.get("path"):
        return [field.required(f"{p}.path")]
    if source == "secret" and not spec.get("secretName"):
        return [field.required(f"{p}.secretName")]
    if source == "configMap" and not spec.get("name"):
        return [field.required(f"{p}.name")]
    if source == "persistentVolumeClaim" and not spec.get("claimName"):
        return [field.required(f"{p}.claimName")]
    if source == "nfs":
        errs = [] if spec.get("server") else [field.required(f"{p}.server")]
        return errs + ([] if spec.get("path") else [field.required(f"{p}.path")])
    return []


def _validate_ports(ports: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    names: set[str] = set()
    for i, port in enumerate(ports or []):
        p = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                errs += [field.invalid(f"{p}.name", name, m) for m in msgs]
            elif name in names:
                errs.append(field.duplicate(f"{p}.name", name))
            else:
                names.add(name)
        cp = port.get("containerPort") or 0
        if cp == 0:
            errs.append(field.required(f"{p}.containerPort"))
        else:
            errs += [field.invalid(f"{p}.containerPort", cp, m) for m in is_valid_port_num(cp)]
        hp = port.get("hostPort") or 0
        if hp:
            errs += [field.invalid(f"{p}.hostPort", hp, m) for m in is_valid_port_num(hp)]
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(field.required(f"{p}.protocol"))
        elif protocol not in PORT_PROTOCOLS:
            errs.append(field.not_supported(f"{p}.protocol", protocol, PORT_PROTOCOLS))
    return errs


def _validate_env(env: list | None, env_from: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    for i, var in enumerate(env or []):
        p = f"{path}.env[{i}]"
        name = var.get("name") or ""
        if not name:
            errs.append(field.required(f"{p}.name"))
        else:
            errs += [field.invalid(f"{p}.name", name, m) for m in is_relaxed_env_var_name(name)]
        value_from = var.get("valueFrom")
        if value_from is None:
            continue
        vp = f"{p}.valueFrom"
        kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if value_from.get(k)]
        for kind in ("configMapKeyRef", "secretKeyRef"):
            ref = value_from.get(kind)
            if ref:
                errs += [field.invalid(f"{vp}.{kind}.name", ref.get("name", ""), m)
                         for m in name_is_dns_subdomain(ref.get("name", ""))]
                key = ref.get("key") or ""
                if not key:
                    errs.append(field.required(f"{vp}.{kind}.key"))
                else:
                    errs += [field.invalid(f"{vp}.{kind}.key", key, m) for m in is_config_map_key(key)]
        if value_from.get("fieldRef") is not None and not value_from["fieldRef"].get("fieldPath"):
            errs.append(field.required(f"{vp}.fieldRef.fieldPath"))
        if not kinds:
            errs.append(field.invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                      "`configMapKeyRef` or `secretKeyRef`"))
        elif var.get("value"):
            errs.append(field.invalid(vp, "", "may not be specified when `value` is not empty"))
        elif len(kinds) > 1:
            errs.append(field.invalid(vp, "", "may not have more than one field specified at a time"))
    for i, source in enumerate(env_from or []):
        p = f"{path}.envFrom[{i}]"
        refs = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        for kind in refs:
            name = source[kind].get("name") or ""
            if not name:
                errs.append(field.required(f"{p}.{kind}.name"))
            else:
                errs += [field.invalid(f"{p}.{kind}.name", name, m) for m in name_is_dns_subdomain(name, True)]
        if not refs:
            errs.append(field.invalid(f"{path}.envFrom", "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            errs.append(field.invalid(f"{path}.envFrom", "", "may not have more than one field specified at a time"))
    return errs


def _validate_volume_mounts(mounts: list | None, volumes: set[str], path: str) -> list[dict]:
    errs: list[dict] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts or []):
        p = f"{path}[{i}]"
        name, mount_path = mount.get("name") or "", mount.get("mountPath") or ""
        if not name:
            errs.append(field.required(f"{p}.name"))
        if name not in volumes:
            errs.append(field.not_found(f"{p}.name", name))
        if not mount_path:
            errs.append(field.required(f"{p}.mountPath"))
        if mount_path in seen:
            errs.append(field.invalid(f"{p}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def _validate_handler(handler: dict, path: str) -> list[dict]:
    kinds = [k for k in ("exec", "httpGet", "tcpSocket", "grpc", "sleep") if handler.get(k) is not None]
    errs = [field.forbidden(f"{path}.{k}", "may not specify more than 1 handler type") for k in kinds[1:]]
    if not kinds:
        return [field.required(path, "must specify a handler type")]
    kind, spec = kinds[0], handler[kinds[0]]
    if kind == "exec" and not spec.get("command"):
        errs.append(field.required(f"{path}.exec.command"))
    elif kind == "httpGet":
        if not spec.get("path"):
            errs.append(field.required(f"{path}.httpGet.path"))
        errs += port_num_or_name(spec.get("port"), f"{path}.httpGet.port")
        scheme = spec.get("scheme", "")
        if scheme not in ("HTTP", "HTTPS"):
            errs.append(field.not_supported(f"{path}.httpGet.scheme", scheme, ("HTTP", "HTTPS")))
    elif kind == "tcpSocket":
        errs += port_num_or_name(spec.get("port"), f"{path}.tcpSocket.port")
    elif kind == "grpc":
        errs += port_num_or_name(spec.get("port", 0), f"{path}.grpc.port")
    return errs


def _validate_probe(probe: dict | None, path: str, kind: str) -> list[dict]:
    if probe is None:
        return []
    errs = _validate_handler(probe, path)
    for name in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errs += nonnegative(probe.get(name, 0), f"{path}.{name}")
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and grace <= 0:
        errs.append(field.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    if kind in ("liveness", "startup") and probe.get("successThreshold", 1) != 1:
        errs.append(field.invalid(f"{path}.successThreshold", probe.get("successThreshold"), "must be 1"))
    if kind == "readiness" and grace is not None:
        errs.append(field.invalid(f"{path}.terminationGracePeriodSeconds", grace,
                                  "must not be set for readinessProbes"))
    return errs


def _validate_lifecycle(lifecycle: dict, path: str) -> list[dict]:
    errs: list[dict] = []
    for hook in ("postStart", "preStop"):
        if lifecycle.get(hook) is not None:
            errs += _validate_handler(lifecycle[hook], f"{path}.{hook}")
    return errs


def _validate_security_context(sc: dict | None, path: str) -> list[dict]:
    errs: list[dict] = []
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        value = (sc or {}).get(key)
        if isinstance(value, int) and not 0 <= value <= 0xFFFFFFFF:
            errs.append(field.invalid(f"{path}.{key}", value, inclusive_range_error(0, 4294967295)))
    return errs


def _validate_container_common(ctr: dict, volumes: set[str], path: str) -> list[dict]:
    errs: list[dict] = []
    name = ctr.get("name") or ""
    if not name:
        errs.append(field.required(f"{path}.name"))
    else:
        errs += dns1123_label(name, f"{path}.name")
    if not ctr.get("image"):
        errs.append(field.required(f"{path}.image"))
    policy = ctr.get("terminationMessagePolicy") or ""
    if not policy:
        errs.append(field.required(f"{path}.terminationMessagePolicy"))
    elif policy not in TERMINATION_MESSAGE_POLICIES:
        errs.append(field.not_supported(f"{path}.terminationMessagePolicy", policy, TERMINATION_MESSAGE_POLICIES))
    errs += _validate_ports(ctr.get("ports"), f"{path}.ports")
    errs += _validate_env(ctr.get("env"), ctr.get("envFrom"), path)
    errs += _validate_volume_mounts(ctr.get("volumeMounts"), volumes, f"{path}.volumeMounts")
    pull = ctr.get("imagePullPolicy") or ""
    if not pull:
        errs.append(field.required(f"{path}.imagePullPolicy"))
    elif pull not in PULL_POLICIES:
        errs.append(field.not_supported(f"{path}.imagePullPolicy", pull, PULL_POLICIES))
    errs += validate_resource_requirements(ctr.get("resources"), f"{path}.resources")
    errs += _validate_security_context(ctr.get("securityContext"), f"{path}.securityContext")
    return errs


def _host_port_conflicts(containers: list, path: str) -> list[dict]:
    errs: list[dict] = []
    seen: set[str] = set()
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(ctr.get("ports") or []):
            host_port = port.get("hostPort") or 0
            if not host_port:
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{host_port}"
            if key in seen:
                errs.append(field.duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            seen.add(key)
    return errs


def validate_containers(containers: list | None, volumes: set[str], path: str) -> list[dict]:
    if not containers:
        return [field.required(path)]
    errs: list[dict] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        p = f"{path}[{i}]"
        errs += _validate_container_common(ctr, volumes, p)
        name = ctr.get("name") or ""
        if name in names:
            errs.append(field.duplicate(f"{p}.name", name))
        names.add(name)
        if ctr.get("lifecycle") is not None:
            errs += _validate_lifecycle(ctr["lifecycle"], f"{p}.lifecycle")
        errs += _validate_probe(ctr.get("livenessProbe"), f"{p}.livenessProbe", "liveness")
        errs += _validate_probe(ctr.get("readinessProbe"), f"{p}.readinessProbe", "readiness")
        errs += _validate_probe(ctr.get("startupProbe"), f"{p}.startupProbe", "startup")
        if ctr.get("restartPolicy") is not None:
            errs.append(field.forbidden(f"{p}.restartPolicy", "may not be set for non-init containers"))
    return errs + _host_port_conflicts(containers, path)


def validate_init_containers(init: list | None, regular: list | None, volumes: set[str], path: str) -> list[dict]:
    errs: list[dict] = []
    names = {c.get("name") or "" for c in regular or []}
    for i, ctr in enumerate(init or []):
        p = f"{path}[{i}]"
        errs += _validate_container_common(ctr, volumes, p)
        restart = ctr.get("restartPolicy")
        if restart is not None and restart != "Always":
            errs.append(field.not_supported(f"{p}.restartPolicy", restart, ("Always",)))
        name = ctr.get("name") or ""
        if name in names:
            errs.append(field.duplicate(f"{p}.name", name))
        elif name:
            names.add(name)
        errs += _host_port_conflicts([ctr], path)
        if restart == "Always":
            if ctr.get("lifecycle") is not None:
                errs += _validate_lifecycle(ctr["lifecycle"], f"{p}.lifecycle")
            errs += _validate_probe(ctr.get("livenessProbe"), f"{p}.livenessProbe", "liveness")
            errs += _validate_probe(ctr.get("readinessProbe"), f"{p}.readinessProbe", "readiness")
            errs += _validate_probe(ctr.get("startupProbe"), f"{p}.startupProbe", "startup")
        else:
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(key) is not None:
                    errs.append(field.forbidden(f"{p}.{key}",
                                                "may not be set for init containers without restartPolicy=Always"))
    return errs


# --- PodSpec ---------------------------------------------------------------------------------

def validate_pod_spec(spec: dict | None, path: str, is_pod: bool = False) -> list[dict]:
    """``ValidatePodSpec``, in upstream's order."""
    spec = spec or {}
    errs: list[dict] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.append(field.required(f"{path}.terminationGracePeriodSeconds"))
    volumes, vol_errs = validate_volumes(spec.get("volumes"), f"{path}.volumes")
    errs += vol_errs
    errs += validate_containers(spec.get("containers"), volumes, f"{path}.containers")
    errs += validate_init_containers(spec.get("initContainers"), spec.get("containers"), volumes,
                                     f"{path}.initContainers")
    if spec.get("hostNetwork"):
        for i, ctr in enumerate(spec.get("containers") or []):
            for j, port in enumerate(ctr.get("ports") or []):
                hp, cp = port.get("hostPort") or 0, port.get("containerPort") or 0
                if (is_pod or hp != 0) and hp != cp:
                    errs.append(field.invalid(f"{path}.containers[{i}].ports[{j}].hostPort", hp,
                                              "must match `containerPort` when `hostNetwork` is true"))
    restart = spec.get("restartPolicy", "")
    if not restart:
        errs.append(field.required(f"{path}.restartPolicy"))
    elif restart not in RESTART_POLICIES:
        errs.append(field.not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy", "")
    if not dns:
        errs.append(field.required(f"{path}.dnsPolicy"))
    elif dns not in DNS_POLICIES:
        errs.append(field.not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    errs += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    errs += _validate_security_context(spec.get("securityContext"), f"{path}.securityContext")
    for i, secret in enumerate(spec.get("imagePullSecrets") or []):
        if set(secret) - {"name"}:
            errs.append(field.invalid(f"{path}.imagePullSecrets[{i}]", GoRepr(str(secret)), "only name may be set"))
    errs += validate_affinity(spec.get("affinity"), f"{path}.affinity")
    if dns == "None" and not (spec.get("dnsConfig") or {}).get("nameservers"):
        if spec.get("dnsConfig") is None:
            errs.append(field.required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"))
        else:
            errs.append(field.required(f"{path}.dnsConfig.nameservers",
                                       "must provide at least one DNS nameserver when `dnsPolicy` is None"))
    errs += validate_topology_spread(spec.get("topologySpreadConstraints"), f"{path}.topologySpreadConstraints")
    sa = spec.get("serviceAccountName") or ""
    if sa:
        errs += [field.invalid(f"{path}.serviceAccountName", sa, m) for m in name_is_dns_subdomain(sa)]
    node = spec.get("nodeName") or ""
    if node:
        errs += [field.invalid(f"{path}.nodeName", node, m) for m in name_is_dns_subdomain(node)]
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        errs.append(field.invalid(f"{path}.activeDeadlineSeconds", deadline, inclusive_range_error(1, MAX_INT32)))
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            errs += dns1123_label(spec[key], f"{path}.{key}")
    errs += validate_tolerations(spec.get("tolerations"), f"{path}.tolerations")
    pc = spec.get("priorityClassName") or ""
    if pc:
        errs += [field.invalid(f"{path}.priorityClassName", pc, m) for m in name_is_dns_subdomain(pc)]
    preemption = spec.get("preemptionPolicy")
    if preemption is not None and preemption not in ("PreemptLowerPriority", "Never"):
        errs.append(field.not_supported(f"{path}.preemptionPolicy", preemption, ("PreemptLowerPriority", "Never")))
    return errs


def validate_pod_template_spec(template: dict | None, path: str) -> list[dict]:
    """``ValidatePodTemplateSpec``: template labels and annotations, then the spec."""
    template = template or {}
    meta = template.get("metadata") or {}
    errs = validate_labels(meta.get("labels"), f"{path}.labels")
    errs += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    errs += validate_pod_spec(template.get("spec"), f"{path}.spec")
    if (template.get("spec") or {}).get("ephemeralContainers"):
        errs.append(field.forbidden(f"{path}.spec.ephemeralContainers",
                                    "ephemeral containers not allowed in pod template"))
    return errs


# --- Pod ----------------------------------------------------------------------------------

def _validate_pod_metadata_and_spec(pod: dict) -> list[dict]:
    errs = validate_object_meta(pod.get("metadata"), True, name_is_dns_subdomain)
    spec = pod.get("spec") or {}
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    mirror = annotations.get("kubernetes.io/config.mirror")
    if mirror is not None and not spec.get("nodeName"):
        errs.append(field.invalid("metadata.annotations[kubernetes.io/config.mirror]", mirror,
                                  "must set spec.nodeName if mirror pod annotation is set"))
    errs += validate_pod_spec(spec, "spec", is_pod=True)
    for key in ("containers", "initContainers"):
        for i, ctr in enumerate(spec.get(key) or []):
            image = ctr.get("image") or ""
            if image != image.strip():
                errs.append(field.invalid(f"spec.{key}[{i}].image", image,
                                          "must not have leading or trailing whitespace"))
    return errs


def validate_pod_create(pod: dict) -> list[dict]:
    errs = _validate_pod_metadata_and_spec(pod)
    spec = pod.get("spec") or {}
    if spec.get("ephemeralContainers"):
        errs.append(field.forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if spec.get("nodeName") and spec.get("schedulingGates"):
        errs.append(field.forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
    return errs


def _container_image_updates(new: list, old: list, path: str) -> tuple[list[dict], bool]:
    if len(new) != len(old):
        return [field.forbidden(path, "pod updates may not add or remove containers")], True
    errs = []
    for i, ctr in enumerate(new):
        image = ctr.get("image") or ""
        if not image:
            errs.append(field.required(f"{path}[{i}].image"))
        if image != image.strip():
            errs.append(field.invalid(f"{path}[{i}].image", image, "must not have leading or trailing whitespace"))
    return errs, False


def _semantic(value: Any) -> Any:
    """Drop zero values so ``absent`` equals ``empty``, as ``apiequality.Semantic.DeepEqual`` does."""
    if isinstance(value, dict):
        out = {k: _semantic(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", False, [], {})}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _tolerations_only_added(new: list, old: list, path: str) -> list[dict]:
    """Every old toleration must survive unchanged, except for its ``tolerationSeconds``."""
    for old_tol in old:
        def same(t: dict) -> bool:
            return _semantic({**old_tol, "tolerationSeconds": t.get("tolerationSeconds")}) == _semantic(t)
        if not any(same(t) for t in new):
            return [field.forbidden(path, "existing toleration can not be modified except its tolerationSeconds")]
    return validate_tolerations(new, path)


def spec_diff(old: Any, new: Any) -> str:
    """A readable ``-``/``+`` diff in the spirit of upstream's ``cmp.Diff`` output."""
    lines: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in list(a) + [k for k in b if k not in a]:
                walk(a.get(key), b.get(key), f"{path}.{key}" if path else key)
            return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
            return
        if a is not None:
            lines.append(f"- \t{path}: {json.dumps(a, sort_keys=True)},")
        if b is not None:
            lines.append(f"+ \t{path}: {json.dumps(b, sort_keys=True)},")

    walk(old, new, "")
    return "\n".join(["  core.PodSpec{", *lines, "  }", ""])


def validate_pod_update(new: dict, old: dict) -> list[dict]:
    """``ValidatePodUpdate``: the whole pod is revalidated, then only a few spec fields may differ."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += _validate_pod_metadata_and_spec(new)
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    for key in ("containers", "initContainers"):
        image_errs, stop = _container_image_updates(new_spec.get(key) or [], old_spec.get(key) or [], f"spec.{key}")
        errs += image_errs
        if stop:
            return errs
    new_deadline, old_deadline = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if new_deadline is not None:
        if not 0 <= new_deadline <= MAX_INT32:
            return errs + [field.invalid("spec.activeDeadlineSeconds", new_deadline, inclusive_range_error(0, MAX_INT32))]
        if old_deadline is not None and old_deadline < new_deadline:
            return errs + [field.invalid("spec.activeDeadlineSeconds", new_deadline,
                                         "must be less than or equal to previous value")]
    elif old_deadline is not None:
        errs.append(field.invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to "
                                  "nil value"))
    errs += _tolerations_only_added(new_spec.get("tolerations") or [], old_spec.get("tolerations") or [],
                                    "spec.tolerations")
    if _semantic(new_spec) == _semantic(old_spec):
        return errs
    munged = copy.deepcopy(new_spec)
    for key in ("containers", "initContainers"):
        for ctr, old_ctr in zip(munged.get(key) or [], old_spec.get(key) or []):
            ctr["image"] = old_ctr.get("image")
    _copy_key(munged, old_spec, "activeDeadlineSeconds")
    _copy_key(munged, old_spec, "schedulingGates")
    _copy_key(munged, old_spec, "tolerations")
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if _semantic(munged) != _semantic(old_spec):
        errs.append(field.forbidden("spec", POD_UPDATE_FORBIDDEN + "\n" + spec_diff(_semantic(old_spec),
                                                                                      _semantic(munged))))
    return errs


def _copy_key(target: dict, source: dict, key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


def validate_pod_status_update(new: dict, old: dict) -> list[dict]:
    """``ValidatePodStatusUpdate``: the node may only be set through ``pods/binding``."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if (new.get("spec") or {}).get("nodeName") != (old.get("spec") or {}).get("nodeName"):
        errs.append(field.forbidden("status.nodeName", "may not be changed directly"))
    new_status, old_status = new.get("status") or {}, old.get("status") or {}
    nominated = new_status.get("nominatedNodeName") or ""
    if nominated and nominated != old_status.get("nominatedNodeName"):
        errs += [field.invalid("status.nominatedNodeName", nominated, m) for m in name_is_dns_subdomain(nominated)]
    new_qos, old_qos = new_status.get("qosClass", ""), old_status.get("qosClass", "")
    if new_qos != old_qos:
        errs.append(field.invalid("status.qosClass", new_qos, "field is immutable"))
    restart = (old.get("spec") or {}).get("restartPolicy")
    if restart != "Always":
        for i, status in enumerate(old_status.get("containerStatuses") or []):
            terminated = (status.get("state") or {}).get("terminated")
            if not terminated or (terminated.get("exitCode", 0) != 0 and restart == "OnFailure"):
                continue
            for new_cs in new_status.get("containerStatuses") or []:
                if new_cs.get("name") == status.get("name") and not (new_cs.get("state") or {}).get("terminated"):
                    errs.append(field.forbidden(f"status.containerStatuses[{i}].state",
                                                "may not be transitioned to non-terminated state"))
    return errs


def validate_binding(binding: dict) -> list[dict]:
    """``ValidatePodBinding`` for ``POST pods/<name>/binding``."""
    target = binding.get("target") or {}
    errs: list[dict] = []
    if target.get("kind") and target["kind"] != "Node":
        errs.append(field.not_supported("target.kind", target["kind"], ("Node", "<empty>")))
    if not target.get("name"):
        errs.append(field.required("target.name"))
    return errs
