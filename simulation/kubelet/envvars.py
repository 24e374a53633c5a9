"""A container's environment as the kubelet builds it (pkg/kubelet ``makeEnvironmentVariables``
and pkg/kubelet/envvars ``FromServices``): the image's ``PATH``, ``HOSTNAME``, the
container's ``env`` and, for every Service with a cluster IP in the pod's namespace (unless
``enableServiceLinks: false``) and the ``default/kubernetes`` Service always, the
Docker-link variables ``<NAME>_SERVICE_HOST``, ``<NAME>_SERVICE_PORT[_<PORT NAME>]``,
``<NAME>_PORT`` and ``<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]``.
"""
from __future__ import annotations

IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MASTER_SERVICE = ("default", "kubernetes")


def _env_name(name: str) -> str:
    return name.replace("-", "_").upper()


def from_services(services: list[dict]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for svc in services:
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP") or ""
        ports = spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = _env_name(svc["metadata"]["name"])
        out.append((f"{prefix}_SERVICE_HOST", ip))
        out.append((f"{prefix}_SERVICE_PORT", str(ports[0].get("port"))))
        out += [(f"{prefix}_SERVICE_PORT_{_env_name(p['name'])}", str(p.get("port"))) for p in ports if p.get("name")]
        host = f"[{ip}]" if ":" in ip else ip
        for i, port in enumerate(ports):
            protocol = port.get("protocol") or "TCP"
            url = f"{protocol.lower()}://{host}:{port.get('port')}"
            if i == 0:
                out.append((f"{prefix}_PORT", url))
            base = f"{prefix}_PORT_{port.get('port')}_{protocol.upper()}"
            out += [(base, url), (f"{base}_PROTO", protocol.lower()), (f"{base}_PORT", str(port.get("port"))),
                    (f"{base}_ADDR", ip)]
    return out


def _field_value(pod: dict, pod_ip: str, path: str) -> str:
    meta, spec = pod["metadata"], pod.get("spec") or {}
    values = {"metadata.name": meta.get("name", ""), "metadata.namespace": meta.get("namespace", ""),
              "metadata.uid": meta.get("uid", ""), "spec.nodeName": spec.get("nodeName", ""),
              "spec.serviceAccountName": spec.get("serviceAccountName", ""), "status.podIP": pod_ip,
              "status.hostIP": (pod.get("status") or {}).get("hostIP", "")}
    return values.get(path, "")


def environment(pod: dict, container: dict, pod_ip: str, services: list[dict]) -> list[tuple[str, str]]:
    """``env``'s lines for ``container``, in the order ``env`` prints them."""
    spec = pod.get("spec") or {}
    namespace = pod["metadata"].get("namespace") or "default"
    linked = {}
    for svc in services:
        key = (svc["metadata"].get("namespace", ""), svc["metadata"]["name"])
        if key == MASTER_SERVICE or (key[0] == namespace and spec.get("enableServiceLinks", True) is not False):
            linked[key] = svc
    own: list[tuple[str, str]] = []
    for var in container.get("env") or []:
        if "value" in var or not var.get("valueFrom"):
            own.append((var["name"], str(var.get("value", ""))))
        elif (var["valueFrom"].get("fieldRef") or {}).get("fieldPath"):
            own.append((var["name"], _field_value(pod, pod_ip, var["valueFrom"]["fieldRef"]["fieldPath"])))
    names = {name for name, _ in own}
    service_vars = [(k, v) for k, v in from_services(sorted(linked.values(), key=lambda s: s["metadata"]["name"]))
                    if k not in names]
    return [("PATH", IMAGE_PATH), ("HOSTNAME", spec.get("hostname") or pod["metadata"]["name"])] + own \
        + service_vars + [("HOME", "/root")]
