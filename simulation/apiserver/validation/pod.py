"""Pod, PodSpec and PodTemplateSpec validation (``pkg/apis/core/validation``, v1.32 messages).

Validation runs on defaulted objects (see :mod:`simulation.apiserver.defaults`), as upstream:
a missing ``restartPolicy`` was already defaulted to ``Always``, so ``Required value`` only
appears when a client sends an explicit empty string.

This module holds the PodSpec as a whole (in upstream's order), the create rules, the
update rules (only images, ``activeDeadlineSeconds``, added tolerations and the
negative-grace-period fix may change: everything else means delete and recreate, which is
why workloads use Deployments) and the status-update rules (a pod's node is set only
through ``pods/binding``). Containers and volumes are in :mod:`.containers`, scheduling
fields in :mod:`.scheduling`. Not covered: Windows/AppArmor/seccomp details, ephemeral
containers, resource claims, DNS config contents.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from simulation.apimachinery.validation import inclusive_range_error, name_is_dns_subdomain

from . import field
from .common import dns1123_label, validate_preemption_policy
from .containers import validate_containers, validate_init_containers, validate_security_context, validate_volumes
from .field import GoRepr
from .objectmeta import validate_annotations, validate_labels, validate_object_meta, validate_object_meta_update
from .scheduling import validate_affinity, validate_tolerations, validate_topology_spread

MAX_INT32 = 2 ** 31 - 1
RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")

UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)
POD_UPDATE_FORBIDDEN = "pod updates may not change fields other than " + ",".join(UPDATABLE_POD_SPEC_FIELDS)


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
    errs += validate_security_context(spec.get("securityContext"), f"{path}.securityContext")
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
    return errs + validate_preemption_policy(spec.get("preemptionPolicy"), f"{path}.preemptionPolicy")


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
