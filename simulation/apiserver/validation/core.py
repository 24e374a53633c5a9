"""Validation for the simpler core kinds (and Lease): Namespace, Service, ConfigMap, Secret,
ServiceAccount, Node, ResourceQuota, LimitRange, Event, Endpoints, Lease.

Each ``validate_<kind>(obj, old=None)`` returns upstream-shaped causes; ``old`` is the stored
object on update, so update-only rules (immutable ConfigMaps/Secrets, a Service's clusterIP,
a Secret's type, quota scopes) live next to the create rules they relax or extend.
"""
from __future__ import annotations

import base64
import binascii

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.validation import (is_config_map_key, is_dns1123_label, is_dns1123_subdomain,
                                                is_qualified_name, is_valid_ip, is_valid_label_value, is_valid_port_num,
                                                name_is_dns1035_label, name_is_dns_label, name_is_dns_subdomain)
from simulation.apimachinery.wellknown import NAMESPACE_DEFAULT, NAMESPACE_SYSTEM

from . import field
from .common import (PORT_PROTOCOLS, dns1123_label, nonnegative, port_num_or_name, validate_container_resource_name,
                     validate_quantity_value)
from .field import GoRepr, go_string_slice
from .objectmeta import STANDARD_FINALIZERS, validate_labels, validate_object_meta, validate_object_meta_update
from .scheduling import TAINT_EFFECTS

MAX_SECRET_SIZE = 1024 * 1024
FIELD_IMMUTABLE = "field is immutable"
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_QUOTA_RESOURCES = ("pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers", "cpu", "memory",
                    "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
                    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage")
_QUOTA_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                 "CrossNamespacePodAffinity", "VolumeAttributesClass")


def _meta(obj: dict, old: dict | None, namespaced: bool, name_fn) -> list[dict]:
    if old is None:
        return validate_object_meta(obj.get("metadata"), namespaced, name_fn)
    return validate_object_meta_update(obj.get("metadata"), old.get("metadata"))


# --- Namespace ----------------------------------------------------------------------------

def _finalizer_name(name: str, path: str) -> list[dict]:
    errs = [field.invalid(path, name, m) for m in is_qualified_name(name)]
    if "/" not in name and name not in STANDARD_FINALIZERS:
        errs.append(field.invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"))
    return errs


def validate_namespace(obj: dict, old: dict | None = None) -> list[dict]:
    if old is not None:
        return validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    errs = validate_object_meta(obj.get("metadata"), False, name_is_dns_label)
    for name in (obj.get("spec") or {}).get("finalizers") or []:
        errs += _finalizer_name(name, "spec.finalizers")
    return errs


def validate_namespace_status(obj: dict, old: dict) -> list[dict]:
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    phase = (obj.get("status") or {}).get("phase", "")
    if not (obj.get("metadata") or {}).get("deletionTimestamp"):
        if phase != "Active":
            errs.append(field.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"))
    elif phase != "Terminating":
        errs.append(field.invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"))
    return errs


def validate_namespace_finalize(obj: dict, old: dict) -> list[dict]:
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    for i, name in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        errs += _finalizer_name(name, f"spec.finalizers[{i}]")
    return errs


# --- Service ------------------------------------------------------------------------------

def _go_service_port(port: dict) -> GoRepr:
    target = port.get("targetPort", 0)
    if isinstance(target, str):
        target_repr = f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:{field.go_quote(target)}}}'
    else:
        target_repr = f'intstr.IntOrString{{Type:0, IntVal:{target}, StrVal:""}}'
    return GoRepr(f'core.ServicePort{{Name:"", Protocol:{field.go_quote(port.get("protocol", ""))}, '
                  f'AppProtocol:(*string)(nil), Port:{port.get("port", 0)}, TargetPort:{target_repr}, NodePort:0}}')


def _service_port(port: dict, require_name: bool, names: set[str], path: str) -> list[dict]:
    errs: list[dict] = []
    name = port.get("name") or ""
    if require_name and not name:
        errs.append(field.required(f"{path}.name"))
    elif name:
        errs += dns1123_label(name, f"{path}.name")
        if name in names:
            errs.append(field.duplicate(f"{path}.name", name))
        names.add(name)
    errs += [field.invalid(f"{path}.port", port.get("port", 0), m) for m in is_valid_port_num(port.get("port", 0))]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(field.required(f"{path}.protocol"))
    elif protocol not in PORT_PROTOCOLS:
        errs.append(field.not_supported(f"{path}.protocol", protocol, PORT_PROTOCOLS))
    errs += port_num_or_name(port.get("targetPort", 0), f"{path}.targetPort")
    if port.get("appProtocol") is not None:
        errs += [field.invalid(f"{path}.appProtocol", port["appProtocol"], m)
                 for m in is_qualified_name(port["appProtocol"])]
    return errs


def validate_service(obj: dict, old: dict | None = None) -> list[dict]:
    errs: list[dict] = []
    spec = obj.get("spec") or {}
    if old is not None:
        errs += validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
        old_spec = old.get("spec") or {}
        old_ip, new_ip = old_spec.get("clusterIP") or "", spec.get("clusterIP") or ""
        if ("ExternalName" not in (spec.get("type"), old_spec.get("type")) and old_ip and new_ip
                and old_ip != new_ip):
            errs.append(field.invalid("spec.clusterIPs[0]", go_string_slice(spec.get("clusterIPs") or [new_ip]),
                                      "may not change once set"))
    errs += validate_object_meta(obj.get("metadata"), True, name_is_dns1035_label)
    svc_type = spec.get("type") or ""
    headless = spec.get("clusterIP") == "None"
    ports = spec.get("ports") or []
    if not ports and not headless and svc_type != "ExternalName":
        errs.append(field.required("spec.ports"))
    if svc_type in ("LoadBalancer", "NodePort") and headless:
        errs.append(field.invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {svc_type} services"))
    if svc_type == "ExternalName":
        if spec.get("clusterIP"):
            errs.append(field.forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        cname = (spec.get("externalName") or "").rstrip(".")
        if cname:
            errs += [field.invalid("spec.externalName", cname, m) for m in is_dns1123_subdomain(cname)]
        else:
            errs.append(field.required("spec.externalName"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        errs += _service_port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    if spec.get("selector") is not None:
        errs += validate_labels(spec["selector"], "spec.selector")
    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        errs.append(field.required("spec.sessionAffinity"))
    elif affinity not in ("ClientIP", "None"):
        errs.append(field.not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errs.append(field.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip and cluster_ip != "None" and not is_valid_ip(cluster_ip):
        errs.append(field.invalid("spec.clusterIPs[0]", cluster_ip,
                                  "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    for i, ip in enumerate(spec.get("externalIPs") or []):
        if not is_valid_ip(ip):
            errs.append(field.invalid(f"spec.externalIPs[{i}]", ip,
                                      "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    if not svc_type:
        errs.append(field.required("spec.type"))
    elif svc_type not in SERVICE_TYPES:
        errs.append(field.not_supported("spec.type", svc_type, SERVICE_TYPES))
    if svc_type == "ClusterIP":
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                errs.append(field.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))
    seen_node_ports: set = set()
    for i, port in enumerate(ports):
        if port.get("nodePort"):
            key = (port.get("protocol"), port["nodePort"])
            if key in seen_node_ports:
                errs.append(field.duplicate(f"spec.ports[{i}].nodePort", port["nodePort"]))
            seen_node_ports.add(key)
    seen_ports: set = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol"), port.get("port"))
        if key in seen_ports:
            errs.append(field.duplicate(f"spec.ports[{i}]", _go_service_port(port)))
        seen_ports.add(key)
    return errs


# --- ConfigMap, Secret, ServiceAccount -----------------------------------------------------

def _immutable_data(obj: dict, old: dict, keys: tuple[str, ...]) -> list[dict]:
    errs: list[dict] = []
    if old.get("immutable"):
        if not obj.get("immutable"):
            errs.append(field.forbidden("immutable", IMMUTABLE_WHEN_SET))
        for key in keys:
            if (obj.get(key) or {}) != (old.get(key) or {}):
                errs.append(field.forbidden(key, IMMUTABLE_WHEN_SET))
    return errs


def validate_config_map(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    if old is not None:
        errs += _immutable_data(obj, old, ("data", "binaryData"))
        errs += validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    total = 0
    for key, value in data.items():
        errs += [field.invalid(f"data[{key}]", key, m) for m in is_config_map_key(key)]
        if key in binary:
            errs.append(field.invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += len(str(value).encode())
    for key, value in binary.items():
        errs += [field.invalid(f"binaryData[{key}]", key, m) for m in is_config_map_key(key)]
        total += _decoded_len(value)
    if total > MAX_SECRET_SIZE:
        errs.append(field.too_long(field.ROOT, MAX_SECRET_SIZE))
    return errs


def _decoded_len(value: object) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


_SECRET_REQUIRED_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def validate_secret(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    if old is not None:
        if obj.get("type", "") != old.get("type", ""):
            errs.append(field.invalid("type", obj.get("type", ""), FIELD_IMMUTABLE))
        errs += _immutable_data(obj, old, ("data",))
        errs += validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    data = obj.get("data") or {}
    total = 0
    for key, value in data.items():
        errs += [field.invalid(f"data[{key}]", key, m) for m in is_config_map_key(key)]
        total += _decoded_len(value)
    if total > MAX_SECRET_SIZE:
        errs.append(field.too_long("data", MAX_SECRET_SIZE))
    secret_type = obj.get("type", "")
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if secret_type == "kubernetes.io/service-account-token":
        if not annotations.get("kubernetes.io/service-account.name"):
            errs.append(field.required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif secret_type == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs += [field.required("data[username]"), field.required("data[password]")]
    elif secret_type == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            errs.append(field.required("data[ssh-privatekey]"))
    else:
        for key in _SECRET_REQUIRED_KEYS.get(secret_type, ()):
            if key not in data:
                errs.append(field.required(f"data[{key}]"))
    return errs


def validate_service_account(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    if old is not None:
        errs += validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    return errs


# --- Node ---------------------------------------------------------------------------------

def _taints(taints: list | None, path: str) -> list[dict]:
    errs: list[dict] = []
    seen: set = set()
    for i, taint in enumerate(taints or []):
        p = f"{path}[{i}]"
        key, value, effect = taint.get("key", ""), taint.get("value", ""), taint.get("effect", "")
        errs += [field.invalid(f"{p}.key", key, m) for m in is_qualified_name(key)]
        msgs = is_valid_label_value(str(value))
        if msgs:
            errs.append(field.invalid(f"{p}.value", value, ";".join(msgs)))
        if not effect:
            errs.append(field.required(f"{p}.effect"))
        elif effect not in TAINT_EFFECTS:
            errs.append(field.not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
        if (key, effect) in seen:
            dup = field.duplicate(p, GoRepr(f'core.Taint{{Key:{field.go_quote(key)}, Value:{field.go_quote(value)}, '
                                            f'Effect:{field.go_quote(effect)}, TimeAdded:<nil>}}'))
            dup["message"] += ": taints must be unique by key and effect pair"
            errs.append(dup)
            continue
        seen.add((key, effect))
    return errs


def validate_node(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, False, name_is_dns_subdomain)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    errs += _taints(spec.get("taints"), "metadata.taints")  # sic: upstream reports spec.taints under metadata
    for section in ("capacity", "allocatable"):
        for name, value in (status.get(section) or {}).items():
            errs += validate_quantity_value(name, value, f"status.{section}.{name}")
    if old is not None:
        old_spec = old.get("spec") or {}
        if old_spec.get("podCIDRs") and old_spec.get("podCIDRs") != spec.get("podCIDRs"):
            errs.append(field.forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'))
        if old_spec.get("providerID") and old_spec.get("providerID") != spec.get("providerID"):
            errs.append(field.forbidden("spec.providerID",
                                        'node updates may not change providerID except from "" to valid'))
        addresses: list = []
        for i, address in enumerate(status.get("addresses") or []):
            if address in addresses:
                errs.append(field.duplicate(f"status.addresses[{i}]", GoRepr(
                    f'core.NodeAddress{{Type:{field.go_quote(address.get("type", ""))}, '
                    f'Address:{field.go_quote(address.get("address", ""))}}}')))
            addresses.append(address)
    return errs


# --- ResourceQuota, LimitRange ------------------------------------------------------------

def _quota_resource_name(name: str, path: str) -> list[dict]:
    value = GoRepr(name)
    errs = [field.invalid(path, value, m) for m in is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name:
        if name not in _QUOTA_RESOURCES and not name.startswith("hugepages-") \
                and not name.startswith("requests.hugepages-"):
            errs.append(field.invalid(path, value, "must be a standard resource type or fully qualified"))
            errs.append(field.invalid(path, value, "must be a standard resource for quota"))
    return errs


def validate_resource_quota(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    for name, value in (spec.get("hard") or {}).items():
        p = f"spec.hard[{name}]"
        errs += _quota_resource_name(name, p) + validate_quantity_value(name, value, p)
    scopes = spec.get("scopes") or []
    for scope in scopes:
        if scope not in _QUOTA_SCOPES:
            errs.append(field.invalid("spec.scopes", go_string_slice(scopes), "unsupported scope"))
    for pair in (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating")):
        if all(s in scopes for s in pair):
            errs.append(field.invalid("spec.scopes", go_string_slice(scopes), "conflicting scopes"))
    if old is None:
        status = obj.get("status") or {}
        for section in ("hard", "used"):
            for name, value in (status.get(section) or {}).items():
                p = f"status.{section}[{name}]"
                errs += _quota_resource_name(name, p) + validate_quantity_value(name, value, p)
    elif sorted(scopes) != sorted((old.get("spec") or {}).get("scopes") or []):
        errs.append(field.invalid("spec.scopes", go_string_slice(scopes), FIELD_IMMUTABLE))
    return errs


def validate_resource_quota_status(obj: dict, old: dict) -> list[dict]:
    """``ValidateResourceQuotaStatusUpdate``: the usage a controller (or admission) records."""
    errs = validate_object_meta_update(obj.get("metadata"), old.get("metadata"))
    status = obj.get("status") or {}
    for section in ("hard", "used"):
        for name, value in (status.get(section) or {}).items():
            p = f"status.{section}[{name}]"
            errs += _quota_resource_name(name, p) + validate_quantity_value(name, value, p)
    return errs


def _limit_quantity(raw: object) -> Quantity | None:
    try:
        return Quantity.parse(raw)
    except QuantityError:
        return None


def validate_limit_range(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    if old is not None:
        errs += validate_object_meta(obj.get("metadata"), True, name_is_dns_subdomain)
    seen_types: set[str] = set()
    for i, item in enumerate((obj.get("spec") or {}).get("limits") or []):
        p = f"spec.limits[{i}]"
        kind = item.get("type", "")
        msgs = is_qualified_name(kind)
        errs += [field.invalid(f"{p}.type", kind, m) for m in msgs]
        if not msgs and "/" not in kind and kind not in ("Pod", "Container", "PersistentVolumeClaim"):
            errs.append(field.invalid(f"{p}.type", kind, "must be a standard limit type or fully qualified"))
        if kind in seen_types:
            errs.append(field.duplicate(f"{p}.type", kind))
        seen_types.add(kind)
        values: dict[str, dict[str, Quantity]] = {}
        sections = ["max", "min"]
        if kind == "Pod":
            for section in ("default", "defaultRequest"):
                if item.get(section):
                    errs.append(field.forbidden(f"{p}.{section}", "may not be specified when `type` is 'Pod'"))
        else:
            sections += ["default", "defaultRequest"]
        sections.append("maxLimitRequestRatio")
        for section in sections:
            for name, raw in (item.get(section) or {}).items():
                sp = f"{p}.{section}[{name}]"
                errs += (validate_container_resource_name(name, sp) if kind in ("Pod", "Container")
                         else [field.invalid(sp, GoRepr(name), m) for m in is_qualified_name(name)])
                q = _limit_quantity(raw)
                if q is not None:
                    values.setdefault(name, {})[section] = q
        errs += _limit_range_consistency(values, p)
    return errs


def _limit_range_consistency(values: dict[str, dict[str, Quantity]], p: str) -> list[dict]:
    errs: list[dict] = []
    for name, v in values.items():
        lo, hi, dflt, dreq, ratio = (v.get(k) for k in ("min", "max", "default", "defaultRequest",
                                                         "maxLimitRequestRatio"))
        if lo is not None and hi is not None and lo > hi:
            errs.append(field.invalid(f"{p}.min[{name}]", GoRepr(str(lo)), f"min value {lo} is greater than max value {hi}"))
        if dreq is not None and lo is not None and lo > dreq:
            errs.append(field.invalid(f"{p}.defaultRequest[{name}]", GoRepr(str(dreq)),
                                      f"min value {lo} is greater than default request value {dreq}"))
        if dreq is not None and hi is not None and dreq > hi:
            errs.append(field.invalid(f"{p}.defaultRequest[{name}]", GoRepr(str(dreq)),
                                      f"default request value {dreq} is greater than max value {hi}"))
        if dreq is not None and dflt is not None and dreq > dflt:
            errs.append(field.invalid(f"{p}.defaultRequest[{name}]", GoRepr(str(dreq)),
                                      f"default request value {dreq} is greater than default limit value {dflt}"))
        if dflt is not None and lo is not None and lo > dflt:
            errs.append(field.invalid(f"{p}.default[{name}]", GoRepr(str(lo)),
                                      f"min value {lo} is greater than default value {dflt}"))
        if dflt is not None and hi is not None and dflt > hi:
            errs.append(field.invalid(f"{p}.default[{name}]", GoRepr(str(hi)),
                                      f"default value {dflt} is greater than max value {hi}"))
        if ratio is not None and ratio.value < 1:
            errs.append(field.invalid(f"{p}.maxLimitRequestRatio[{name}]", GoRepr(str(ratio)),
                                      f"ratio {ratio} is less than 1"))
        if ratio is not None and lo is not None and hi is not None and lo.value > 0:
            limit = hi.value / lo.value
            if ratio.value > limit:
                errs.append(field.invalid(f"{p}.maxLimitRequestRatio[{name}]", GoRepr(str(ratio)),
                                          f"ratio {ratio} is greater than max/min = {float(limit):f}"))
    return errs


# --- Event, Endpoints, Lease --------------------------------------------------------------

#: What an update through ``events.k8s.io/v1`` may not change, as upstream's
#: ``ValidateEventUpdate`` lists them (core names, with their internal paths; ``reason`` twice).
_EVENT_V1_IMMUTABLE = (("involvedObject", "involvedObject"), ("reason", "reason"), ("message", "message"),
                       ("source", "source"), ("firstTimestamp", "firstTimestamp"),
                       ("lastTimestamp", "lastTimestamp"), ("count", "count"), ("reason", "reason"),
                       ("type", "type"), ("eventTime", "eventTime"), ("action", "action"), ("related", "related"),
                       ("reportingComponent", "reportingController"), ("reportingInstance", "reportingInstance"))
#: ``ReportingInstanceLengthLimit``, ``ActionLengthLimit``, ``ReasonLengthLimit``, ``NoteLengthLimit``.
EVENT_REPORTING_INSTANCE_LIMIT = 128
EVENT_ACTION_LIMIT = 128
EVENT_REASON_LIMIT = 128
EVENT_NOTE_LIMIT = 1024


def _immutable(obj: dict, old: dict, key: str, path: str) -> list[dict]:
    if (obj.get(key) or None) == (old.get(key) or None):
        return []
    value = obj.get(key)
    shown = value if isinstance(value, (str, int)) or value is None else GoRepr(str(value))
    return [field.invalid(path, shown, FIELD_IMMUTABLE)]


def validate_event(obj: dict, old: dict | None = None, *, strict: bool = False) -> list[dict]:
    """An Event in its stored (core) shape. ``strict`` when it was written through
    ``events.k8s.io/v1``: upstream's ``ValidateEventCreate`` / ``ValidateEventUpdate`` then add
    the new API's rules to the legacy ones (``pkg/apis/core/validation/events.go``); its
    messages name the internal fields (``involvedObject``, ``message``, ``reportingController``)."""
    meta, old_meta = obj.get("metadata"), (old or {}).get("metadata")
    if old is not None:
        errs = _legacy_event(obj) + validate_object_meta_update(meta, old_meta)
        if not strict:  # through the core API, anything but the metadata may change
            return errs
        if obj.get("series") != old.get("series"):
            errs += _event_series(obj)
        for key, path in _EVENT_V1_IMMUTABLE:
            errs += _immutable(obj, old, key, path)
        return errs
    if not strict:
        return validate_object_meta(meta, True, name_is_dns_subdomain) + _legacy_event(obj)
    errs = _legacy_event(obj) + validate_object_meta(meta, True, name_is_dns_subdomain) + _event_series(obj)
    if not obj.get("eventTime"):
        errs.append(field.required("eventTime"))
    if obj.get("type") not in ("Normal", "Warning"):
        errs.append(field.invalid("type", "", f"has invalid value: {obj.get('type') or ''}"))
    for key in ("firstTimestamp", "lastTimestamp", "count"):
        if obj.get(key):
            errs.append(field.invalid(key, "", "needs to be unset"))
    source = obj.get("source") or {}
    if source.get("component") or source.get("host"):
        errs.append(field.invalid("source", "", "needs to be unset"))
    return errs


def _event_series(obj: dict) -> list[dict]:
    """``validateV1EventSeries``: a series counts at least 2 and says when it was last seen."""
    series = obj.get("series")
    if series is None:
        return []
    errs = []
    if (series.get("count") or 0) < 2:
        errs.append(field.invalid("series.count", "", "should be at least 2"))
    if not series.get("lastObservedTime"):
        errs.append(field.required("series.lastObservedTime"))
    return errs


def _legacy_event(obj: dict) -> list[dict]:
    """``legacyValidateEvent``: what every Event must satisfy, whichever API wrote it; an Event
    with an ``eventTime`` (a new-style one) must also name its reporter and action."""
    errs = []
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    involved_ns = (obj.get("involvedObject") or {}).get("namespace") or ""
    if not obj.get("eventTime"):
        if not involved_ns:
            if namespace not in ("", "default"):
                errs.append(field.invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
        elif namespace != involved_ns:
            errs.append(field.invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
    else:
        if not involved_ns and namespace not in (NAMESPACE_DEFAULT, NAMESPACE_SYSTEM):
            errs.append(field.invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"))
        controller = obj.get("reportingComponent") or ""
        if not controller:
            errs.append(field.required("reportingController"))
        errs += [field.invalid("reportingController", controller, m) for m in is_qualified_name(controller)]
        limits = (("reportingInstance", "reportingInstance", EVENT_REPORTING_INSTANCE_LIMIT),
                  ("action", "action", EVENT_ACTION_LIMIT), ("reason", "reason", EVENT_REASON_LIMIT),
                  ("message", "message", EVENT_NOTE_LIMIT))
        for key, path, limit in limits:
            value = obj.get(key) or ""
            if not value and key != "message":
                errs.append(field.required(path))
            if len(value.encode()) > limit:
                errs.append(field.invalid(path, "", f"can have at most {limit} characters"))
    errs += [field.invalid("namespace", namespace, m) for m in is_dns1123_subdomain(namespace)]
    return errs


def validate_endpoints(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    for i, subset in enumerate(obj.get("subsets") or []):
        p = f"subsets[{i}]"
        if not subset.get("addresses") and not subset.get("notReadyAddresses"):
            errs.append(field.required(p, "must specify `addresses` or `notReadyAddresses`"))
        for key in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(subset.get(key) or []):
                ip = address.get("ip", "")
                if not is_valid_ip(ip):
                    errs.append(field.invalid(f"{p}.{key}[{j}].ip", ip,
                                              "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
                if address.get("hostname"):
                    errs += [field.invalid(f"{p}.{key}[{j}].hostname", address["hostname"], m)
                             for m in is_dns1123_label(address["hostname"])]
        ports = subset.get("ports") or []
        for j, port in enumerate(ports):
            pp = f"{p}.ports[{j}]"
            name = port.get("name") or ""
            if len(ports) > 1 and not name:
                errs.append(field.required(f"{pp}.name"))
            elif name:
                errs += dns1123_label(name, f"{pp}.name")
            errs += [field.invalid(f"{pp}.port", port.get("port", 0), m) for m in is_valid_port_num(port.get("port", 0))]
            protocol = port.get("protocol") or ""
            if not protocol:
                errs.append(field.required(f"{pp}.protocol"))
            elif protocol not in PORT_PROTOCOLS:
                errs.append(field.not_supported(f"{pp}.protocol", protocol, PORT_PROTOCOLS))
    return errs


def validate_lease(obj: dict, old: dict | None = None) -> list[dict]:
    errs = _meta(obj, old, True, name_is_dns_subdomain)
    spec = obj.get("spec") or {}
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and duration <= 0:
        errs.append(field.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    if transitions is not None:
        errs += nonnegative(transitions, "spec.leaseTransitions")
    return errs
