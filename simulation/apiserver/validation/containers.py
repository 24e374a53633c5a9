"""Containers, init containers and volumes of a PodSpec (``validateContainers`` and friends).

Covered: names, images, ports, env and envFrom, volume mounts, pull policy, resources,
probes, lifecycle hooks, security-context ids, host-port conflicts; volumes with their
common sources. Not covered: ephemeral containers, resource claims, Windows options.
"""
from __future__ import annotations

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.validation import (inclusive_range_error, is_config_map_key, is_relaxed_env_var_name,
                                                is_valid_port_name, is_valid_port_num, name_is_dns_subdomain)

from . import field
from .common import (PORT_PROTOCOLS, dns1123_label, nonnegative, port_num_or_name, validate_container_resource_name,
                     validate_quantity_value)

PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
_VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
                   "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
                   "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte",
                   "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
                   "csi", "ephemeral", "image")


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


def validate_security_context(sc: dict | None, path: str) -> list[dict]:
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
    errs += validate_security_context(ctr.get("securityContext"), f"{path}.securityContext")
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
