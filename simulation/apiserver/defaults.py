"""Defaulting on decode (upstream's ``SetDefaults_*`` and ``+default`` markers, v1.32), and the
create-time status a registry strategy sets (``PrepareForCreate``).

Why here and not in clients: a real API server fills these in whoever the caller is, so
``kubectl get pod -o yaml`` shows ``restartPolicy: Always``, ``dnsPolicy: ClusterFirst``,
``imagePullPolicy: Always`` for ``nginx:latest`` and ``resources: {}`` even though nobody wrote
them. Quantities are rewritten canonically (``cpu: 0.5`` -> ``500m``), as upstream's decoder
does. Defaults never overwrite a value the client sent.

Two entry points, because some upstream "defaults" are really create-time strategy code:

- :func:`apply_defaults` runs on every decoded body (create *and* update). It must be
  idempotent and must never re-add something a later update may remove.
- :func:`prepare_for_create` runs on creates only: it resets a Pod's status to ``Pending``
  with its QoS class, and adds the ``kubernetes`` finalizer to a new Namespace (on update the
  namespace controller removes that finalizer through ``/finalize``; defaulting it back would
  make namespaces undeletable).

``uid``, ``creationTimestamp``, ``resourceVersion`` and ``generation`` are the registry's.
Pod ``priority`` and ``serviceAccountName`` come from the Priority and ServiceAccount
admission plugins, as upstream.
"""
from __future__ import annotations

import base64
from typing import Any, Callable

from simulation.apimachinery.quantity import Quantity, QuantityError
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.wellknown import DEFAULT_SCHEDULER_NAME

from .errors import StatusError, bad_request

DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800
METADATA_NAME_LABEL = "kubernetes.io/metadata.name"
RBAC_GROUP = "rbac.authorization.k8s.io"


# --- helpers ---------------------------------------------------------------------------------

def _set(obj: dict, key: str, value: Any) -> None:
    if obj.get(key) in (None, ""):
        obj[key] = value


def _dict(obj: dict, key: str) -> dict:
    value = obj.get(key)
    if not isinstance(value, dict):
        value = obj[key] = {}
    return value


def image_tag(image: str) -> str:
    """The tag of an image reference (``latest`` when there is neither tag nor digest)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1]
    return "" if "@" in image else "latest"


def default_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` (or untagged) images, ``IfNotPresent`` otherwise."""
    return "Always" if image_tag(image) == "latest" else "IfNotPresent"


def canonical_resource_list(resources: dict | None) -> None:
    """``SetDefaults_ResourceList``: round up to milli precision and print canonically."""
    if not isinstance(resources, dict):
        return
    for name, raw in list(resources.items()):
        resources[name] = str(Quantity.parse(raw).round_up(-3))


# --- pods ------------------------------------------------------------------------------------

def _default_probe(probe: dict | None) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    _default_handler(probe)


def _default_handler(handler: dict | None) -> None:
    http = (handler or {}).get("httpGet")
    if isinstance(http, dict):
        _set(http, "path", "/")
        _set(http, "scheme", "HTTP")


def _default_container(ctr: dict, host_network: bool) -> None:
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = default_pull_policy(ctr.get("image") or "")
    _set(ctr, "terminationMessagePath", TERMINATION_MESSAGE_PATH)
    _set(ctr, "terminationMessagePolicy", "File")
    resources = ctr.get("resources")
    if not isinstance(resources, dict):
        resources = ctr["resources"] = {}
    canonical_resource_list(resources.get("limits"))
    canonical_resource_list(resources.get("requests"))
    for port in ctr.get("ports") or []:
        _set(port, "protocol", "TCP")
        if host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort", 0)
    for var in ctr.get("env") or []:
        ref = (var.get("valueFrom") or {}).get("fieldRef")
        if isinstance(ref, dict):
            _set(ref, "apiVersion", "v1")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(ctr.get(probe))
    for hook in ("postStart", "preStop"):
        _default_handler((ctr.get("lifecycle") or {}).get(hook))


def _default_volume(vol: dict) -> None:
    sources = [k for k in vol if k != "name"]
    if not sources:
        vol["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(vol.get(key), dict):
            _set(vol[key], "defaultMode", 420)
    if isinstance(vol.get("hostPath"), dict):
        _set(vol["hostPath"], "type", "")


def default_pod_spec(spec: dict) -> None:
    """``SetDefaults_PodSpec`` and the container defaults: for pods and pod templates alike."""
    _set(spec, "dnsPolicy", "ClusterFirst")
    _set(spec, "restartPolicy", "Always")
    if not isinstance(spec.get("securityContext"), dict):
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    _set(spec, "schedulerName", DEFAULT_SCHEDULER_NAME)
    for ctr in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        _default_container(ctr, False)
    for vol in spec.get("volumes") or []:
        _default_volume(vol)


def _default_pod(pod: dict) -> None:
    """``SetDefaults_Pod``: requests default to limits; service links on; host-network ports."""
    spec = _dict(pod, "spec")
    default_pod_spec(spec)
    host_network = bool(spec.get("hostNetwork"))
    for ctr in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        resources = ctr["resources"]
        limits = resources.get("limits")
        if limits:
            requests = resources.setdefault("requests", {})
            for name, value in limits.items():
                requests.setdefault(name, value)
        if host_network:
            _default_container(ctr, True)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    _set(_dict(pod, "status"), "phase", "Pending")


def _default_template(template: dict | None) -> None:
    if isinstance(template, dict):
        default_pod_spec(_dict(template, "spec"))


# --- apps ------------------------------------------------------------------------------------

def _default_deployment(obj: dict) -> None:
    spec = _dict(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _dict(spec, "strategy")
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = "25%"
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(spec.get("template"))


def _default_replica_set(obj: dict) -> None:
    spec = _dict(obj, "spec")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(spec.get("template"))


def _default_daemon_set(obj: dict) -> None:
    spec = _dict(obj, "spec")
    strategy = _dict(spec, "updateStrategy")
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("maxUnavailable") is None:
            rolling["maxUnavailable"] = 1
        if rolling.get("maxSurge") is None:
            rolling["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec.get("template"))


# --- storage (storage) -------------------------------------------------------------------------

def _default_persistent_volume(obj: dict) -> None:
    """``SetDefaults_PersistentVolume``: Retain, Filesystem; ``Pending`` until the binder looks."""
    spec = _dict(obj, "spec")
    _set(spec, "persistentVolumeReclaimPolicy", "Retain")
    _set(spec, "volumeMode", "Filesystem")
    canonical_resource_list(spec.get("capacity"))
    if isinstance(spec.get("hostPath"), dict):
        _set(spec["hostPath"], "type", "")
    _set(_dict(obj, "status"), "phase", "Pending")


def _default_persistent_volume_claim(obj: dict) -> None:
    """``SetDefaults_PersistentVolumeClaim`` (and its spec's): Filesystem, ``Pending``."""
    spec = _dict(obj, "spec")
    _set(spec, "volumeMode", "Filesystem")
    resources = spec.get("resources")
    if isinstance(resources, dict):
        canonical_resource_list(resources.get("requests"))
        canonical_resource_list(resources.get("limits"))
    status = _dict(obj, "status")
    _set(status, "phase", "Pending")
    canonical_resource_list(status.get("capacity"))


def _default_storage_class(obj: dict) -> None:
    _set(obj, "reclaimPolicy", "Delete")
    _set(obj, "volumeBindingMode", "Immediate")


def _default_stateful_set(obj: dict) -> None:
    """``SetDefaults_StatefulSet``: OrderedReady, RollingUpdate from partition 0, Retain claims;
    each claim template defaulted as a claim (so it reads back with ``status.phase: Pending``)."""
    spec = _dict(obj, "spec")
    _set(spec, "podManagementPolicy", "OrderedReady")
    strategy = _dict(spec, "updateStrategy")
    _set(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        if rolling.get("partition") is None:
            rolling["partition"] = 0
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    _set(retention, "whenDeleted", "Retain")
    _set(retention, "whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec.get("template"))
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            _default_persistent_volume_claim(claim)


# --- ReplicationController and batch/v1 (jobs) ----------------------------------------------

#: The labels the Job strategy puts on a Job's pod template, and the first one is its selector.
JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"


def _default_replication_controller(obj: dict) -> None:
    """``SetDefaults_ReplicationController``: selector and labels from the template's labels."""
    spec = _dict(obj, "spec")
    template = spec.get("template")
    labels = ((template or {}).get("metadata") or {}).get("labels") if isinstance(template, dict) else None
    if labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = _dict(obj, "metadata")
        if not meta.get("labels"):
            meta["labels"] = dict(labels)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(template)


def _default_job_spec(spec: dict) -> None:
    """``SetDefaults_Job`` on a JobSpec (a Job's, or a CronJob's jobTemplate's)."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    _set(spec, "completionMode", "NonIndexed")
    _set(spec, "suspend", False)
    _set(spec, "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    _default_template(spec.get("template"))


def _default_job(obj: dict) -> None:
    spec = _dict(obj, "spec")
    _default_job_spec(spec)
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = _dict(obj, "metadata")
    if labels and not meta.get("labels"):
        meta["labels"] = dict(labels)


def _default_cron_job(obj: dict) -> None:
    """``SetDefaults_CronJob``: Allow, not suspended, keep 3 successful and 1 failed Job."""
    spec = _dict(obj, "spec")
    _set(spec, "concurrencyPolicy", "Allow")
    _set(spec, "suspend", False)
    _set(spec, "successfulJobsHistoryLimit", 3)
    _set(spec, "failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict):
        _default_job_spec(_dict(job_template, "spec"))


def generate_job_selector(job: dict) -> None:
    """The Job strategy's ``generateSelector`` (unless ``manualSelector``): the pod template gets
    the Job's uid and name as labels, and the selector matches the uid."""
    spec = _dict(job, "spec")
    if spec.get("manualSelector"):
        return
    meta = job["metadata"]
    template = _dict(spec, "template")
    labels = _dict(_dict(template, "metadata"), "labels")
    for key, value in ((JOB_CONTROLLER_UID_LABEL, meta["uid"]), (JOB_NAME_LABEL, meta["name"]),
                       (LEGACY_JOB_CONTROLLER_UID_LABEL, meta["uid"]), (LEGACY_JOB_NAME_LABEL, meta["name"])):
        labels.setdefault(key, value)
    if not spec.get("selector"):
        spec["selector"] = {"matchLabels": {JOB_CONTROLLER_UID_LABEL: meta["uid"]}}


# --- core ------------------------------------------------------------------------------------

def _externally_accessible(spec: dict) -> bool:
    return spec.get("type") in ("LoadBalancer", "NodePort") or (
        spec.get("type") == "ClusterIP" and bool(spec.get("externalIPs")))


def _default_service(obj: dict) -> None:
    spec = _dict(obj, "spec")
    _set(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _dict(_dict(spec, "sessionAffinityConfig"), "clientIP")
        if client_ip.get("timeoutSeconds") is None:
            client_ip["timeoutSeconds"] = DEFAULT_CLIENT_IP_AFFINITY_SECONDS
    _set(spec, "type", "ClusterIP")
    for port in spec.get("ports") or []:
        _set(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port", 0)
    if _externally_accessible(spec):
        _set(spec, "externalTrafficPolicy", "Cluster")
    if spec.get("internalTrafficPolicy") is None and spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if spec["type"] != "ExternalName":
        # The registry's IP-family defaulting, for a single-stack IPv4 cluster.
        _set(spec, "ipFamilyPolicy", "SingleStack")
        if not spec.get("ipFamilies"):
            spec["ipFamilies"] = ["IPv4"]


def _default_namespace(obj: dict) -> None:
    name = (obj.get("metadata") or {}).get("name")
    if name:
        _dict(_dict(obj, "metadata"), "labels")[METADATA_NAME_LABEL] = name
    _set(_dict(obj, "status"), "phase", "Active")


def _default_secret(obj: dict) -> None:
    """``type: Opaque``; ``stringData`` is write-only and merged into ``data`` (base64) on decode."""
    _set(obj, "type", "Opaque")
    string_data = obj.pop("stringData", None)
    if string_data:
        data = _dict(obj, "data")
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _default_node(obj: dict) -> None:
    status = obj.get("status")
    if isinstance(status, dict):
        canonical_resource_list(status.get("capacity"))
        canonical_resource_list(status.get("allocatable"))
        if status.get("allocatable") is None and status.get("capacity") is not None:
            status["allocatable"] = dict(status["capacity"])


def _default_resource_quota(obj: dict) -> None:
    canonical_resource_list((obj.get("spec") or {}).get("hard"))
    status = obj.get("status") or {}
    canonical_resource_list(status.get("hard"))
    canonical_resource_list(status.get("used"))


def _default_limit_range(obj: dict) -> None:
    """``SetDefaults_LimitRangeItem``: a Container limit defaults from max, its request from
    the default limit, then from min."""
    for item in (obj.get("spec") or {}).get("limits") or []:
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            canonical_resource_list(item.get(key))
        if item.get("type") != "Container":
            continue
        default = _dict(item, "default")
        request = _dict(item, "defaultRequest")
        for name, value in (item.get("max") or {}).items():
            default.setdefault(name, value)
        for name, value in default.items():
            request.setdefault(name, value)
        for name, value in (item.get("min") or {}).items():
            request.setdefault(name, value)


def _default_endpoints(obj: dict) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            _set(port, "protocol", "TCP")


def _default_binding(obj: dict) -> None:
    ref = obj.get("roleRef")
    if isinstance(ref, dict):
        _set(ref, "apiGroup", RBAC_GROUP)
    _default_subjects(obj)


def _default_subjects(obj: dict) -> None:
    for subject in obj.get("subjects") or []:
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = RBAC_GROUP


def _default_priority_class(obj: dict) -> None:
    """``SetDefaults_PriorityClass``: only a missing policy (a nil pointer) is defaulted; an
    empty one is left for validation to call missing."""
    if obj.get("preemptionPolicy") is None:
        obj["preemptionPolicy"] = "PreemptLowerPriority"


def _default_endpoint_slice(obj: dict) -> None:
    """``SetDefaults_EndpointPort``: a port's name is "" and its protocol TCP unless given (slices)."""
    for port in obj.get("ports") or []:
        if isinstance(port, dict):
            _set(port, "name", "")
            _set(port, "protocol", "TCP")


def _default_ingress_class(obj: dict) -> None:
    """``SetDefaults_IngressClass``: parameters without a scope refer to a cluster-scoped object (ingress)."""
    params = (obj.get("spec") or {}).get("parameters")
    if isinstance(params, dict):
        _set(params, "scope", "Cluster")


_DEFAULTERS: dict[str, Callable[[dict], None]] = {
    "Pod": _default_pod,
    "Deployment": _default_deployment,
    "ReplicaSet": _default_replica_set,
    "DaemonSet": _default_daemon_set,
    "Service": _default_service,
    "Namespace": _default_namespace,
    "Secret": _default_secret,
    "Node": _default_node,
    "ResourceQuota": _default_resource_quota,
    "LimitRange": _default_limit_range,
    "Endpoints": _default_endpoints,
    "RoleBinding": _default_binding,
    "ClusterRoleBinding": _default_binding,
    # storage (storage)
    "PersistentVolume": _default_persistent_volume,
    "PersistentVolumeClaim": _default_persistent_volume_claim,
    "StorageClass": _default_storage_class,
    "StatefulSet": _default_stateful_set,
    # ReplicationController and batch/v1 (jobs)
    "ReplicationController": _default_replication_controller,
    "Job": _default_job,
    "CronJob": _default_cron_job,
    # scheduling.k8s.io/v1 (policy)
    "PriorityClass": _default_priority_class,
    # discovery.k8s.io/v1 (slices)
    "EndpointSlice": _default_endpoint_slice,
    # networking.k8s.io/v1 (ingress)
    "IngressClass": _default_ingress_class,
}


def apply_defaults(rt: ResourceType, obj: dict) -> None:
    """Fill in upstream's defaults for ``obj`` (a decoded body of kind ``rt.kind``), in place.

    Raises a 400 ``StatusError`` worded like upstream's decoder when a quantity does not parse
    (``Pod in version "v1" cannot be handled as a Pod: quantities must match ...``).
    """
    defaulter = _DEFAULTERS.get(rt.kind)
    if defaulter is None or not isinstance(obj, dict):
        return
    try:
        defaulter(obj)
    except QuantityError as err:
        raise _decode_error(rt, str(err)) from None


def _decode_error(rt: ResourceType, message: str) -> StatusError:
    return bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {message}')


def prepare_for_create(rt: ResourceType, obj: dict) -> None:
    """The create-only part of upstream's registry strategies (``PrepareForCreate``)."""
    if rt.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
    elif rt.kind == "Namespace":
        obj["status"] = {"phase": "Active"}
        spec = _dict(obj, "spec")
        finalizers = spec.get("finalizers") or []
        if "kubernetes" not in finalizers:
            spec["finalizers"] = finalizers + ["kubernetes"]
    elif rt.kind == "PodDisruptionBudget":  # policy: the disruption controller fills it in
        obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}


def pod_qos_class(pod: dict) -> str:
    """Upstream's ``ComputePodQOS``: ``Guaranteed``, ``Burstable`` or ``BestEffort``.

    Guaranteed needs every container (init included) to set non-zero cpu and memory limits,
    and the summed requests to equal the summed limits; no cpu/memory at all is BestEffort.
    """
    spec = pod.get("spec") or {}
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for ctr in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        resources = ctr.get("resources") or {}
        for name, raw in (resources.get("requests") or {}).items():
            q = Quantity.parse(raw)
            if name in ("cpu", "memory") and q.value > 0:
                requests[name] = requests[name] + q if name in requests else q
        found = set()
        for name, raw in (resources.get("limits") or {}).items():
            q = Quantity.parse(raw)
            if name in ("cpu", "memory") and q.value > 0:
                found.add(name)
                limits[name] = limits[name] + q if name in limits else q
        if not {"cpu", "memory"} <= found:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if name not in limits or limits[name].cmp(req) != 0:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
