"""Decoding Kubernetes protobuf request bodies into the JSON objects the server works on.

kubectl ≥ 1.32 sends ``application/vnd.kubernetes.protobuf`` from its typed clients
(``auth can-i``, every ``kubectl create <generator>``) and does not fall back to JSON on a
415 (kube-api-wire.md §0.6, §5.1). The wire format is public: the ``k8s\\x00`` magic, then a
``runtime.Unknown`` envelope {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3:
contentEncoding, 4: contentType}, where ``raw`` is the object's own message.

Messages are described here by small field tables (field number → JSON name and type),
written from the field numbers of the public API (k8s.io/api core/v1, apps/v1, rbac/v1,
coordination/v1 and k8s.io/apimachinery meta/v1, util/intstr, api/resource); a kind is
decodable once its table is listed in :data:`MESSAGES` and its name in
:data:`DECODABLE_KINDS`. Fields a table does not list are skipped.

The Go encoder (gogo-proto) writes every non-pointer field, so empty strings, zero numbers,
``false`` and empty structs arrive on the wire; like JSON's ``omitempty`` they are dropped.
Pointer fields in Go (``*int32 replicas``, ``*bool optional``, ``*EmptyDirVolumeSource``…) are
written only when set, so those are kept whenever they are on the wire, zero or not
(``replicas: 0``, ``emptyDir: {}``). Those fields are marked ``ptr=True`` below.
"""
from __future__ import annotations

import base64
import time
from typing import Any

MAGIC = b"k8s\x00"

# A field is (json name, kind, message name, repeated, pointer). Kinds:
#   str, int, bool, bytes (base64 in JSON), time (meta/v1 Time), microtime (meta/v1 MicroTime),
#   quantity (resource.Quantity {1: string} → str), intorstr (intstr.IntOrString → int or str),
#   msg (a message named by ``message``), inline (an embedded Go struct whose fields JSON inlines
#   into the parent, e.g. ``LocalObjectReference`` in ``ConfigMapKeySelector``),
#   map (map<string,string>), mapbytes (map<string,bytes>), mapquantity (map<string,Quantity>).
Field = tuple[str, str, str | None, bool, bool]

VARINT_KINDS = frozenset({"int", "bool"})
MAP_KINDS = frozenset({"map", "mapbytes", "mapquantity"})


def f(name: str, kind: str = "str", message: str | None = None, repeated: bool = False,
      ptr: bool = False) -> Field:
    return (name, kind, message, repeated, ptr)


def m(name: str, message: str, repeated: bool = False, ptr: bool = False) -> Field:
    """A field holding the message ``message``."""
    return f(name, "msg", message, repeated, ptr)


def p(name: str, kind: str = "str", message: str | None = None) -> Field:
    """A pointer field in Go: kept when present on the wire, even if zero or empty."""
    return f(name, kind, message, ptr=True)


def strs(name: str) -> Field:
    return f(name, repeated=True)


META = m("metadata", "ObjectMeta")

# ---------------------------------------------------------------- k8s.io/apimachinery meta/v1
META_V1: dict[str, dict[int, Field]] = {
    "ObjectMeta": {1: f("name"), 2: f("generateName"), 3: f("namespace"), 4: f("selfLink"), 5: f("uid"),
                   6: f("resourceVersion"), 7: f("generation", "int"), 8: f("creationTimestamp", "time"),
                   9: p("deletionTimestamp", "time"), 10: p("deletionGracePeriodSeconds", "int"),
                   11: f("labels", "map"), 12: f("annotations", "map"),
                   13: m("ownerReferences", "OwnerReference", repeated=True), 14: strs("finalizers")},
    "OwnerReference": {1: f("kind"), 3: f("name"), 4: f("uid"), 5: f("apiVersion"), 6: p("controller", "bool"),
                       7: p("blockOwnerDeletion", "bool")},
    "LabelSelector": {1: f("matchLabels", "map"), 2: m("matchExpressions", "LabelSelectorRequirement", True)},
    "LabelSelectorRequirement": {1: f("key"), 2: f("operator"), 3: strs("values")},
    "Condition": {1: f("type"), 2: f("status"), 3: f("observedGeneration", "int"),
                  4: f("lastTransitionTime", "time"), 5: f("reason"), 6: f("message")},
}

# ---------------------------------------------------------------- k8s.io/api authorization/v1
AUTHORIZATION_V1: dict[str, dict[int, Field]] = {
    "SelfSubjectAccessReview": {1: META, 2: m("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: p("resourceAttributes", "msg", "ResourceAttributes"),
                                    2: p("nonResourceAttributes", "msg", "NonResourceAttributes")},
    "ResourceAttributes": {1: f("namespace"), 2: f("verb"), 3: f("group"), 4: f("version"), 5: f("resource"),
                           6: f("subresource"), 7: f("name")},
    "NonResourceAttributes": {1: f("path"), 2: f("verb")},
    "SelfSubjectRulesReview": {1: META, 2: m("spec", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: f("namespace")},
}

# ---------------------------------------------------------------- k8s.io/api core/v1
CORE_V1: dict[str, dict[int, Field]] = {
    "Namespace": {1: META, 2: m("spec", "NamespaceSpec"), 3: m("status", "NamespaceStatus")},
    "NamespaceSpec": {1: strs("finalizers")},
    "NamespaceStatus": {1: f("phase")},
    "ConfigMap": {1: META, 2: f("data", "map"), 3: f("binaryData", "mapbytes"), 4: p("immutable", "bool")},
    "Secret": {1: META, 2: f("data", "mapbytes"), 3: f("type"), 4: f("stringData", "map"), 5: p("immutable", "bool")},
    "ServiceAccount": {1: META, 2: m("secrets", "ObjectReference", True),
                       3: m("imagePullSecrets", "LocalObjectReference", True),
                       4: p("automountServiceAccountToken", "bool")},
    "ObjectReference": {1: f("kind"), 2: f("namespace"), 3: f("name"), 4: f("uid"), 5: f("apiVersion"),
                        6: f("resourceVersion"), 7: f("fieldPath")},
    "LocalObjectReference": {1: f("name")},
    # ResourceQuota / LimitRange
    "ResourceQuota": {1: META, 2: m("spec", "ResourceQuotaSpec"), 3: m("status", "ResourceQuotaStatus")},
    "ResourceQuotaSpec": {1: f("hard", "mapquantity"), 2: strs("scopes"),
                          3: p("scopeSelector", "msg", "ScopeSelector")},
    "ScopeSelector": {1: m("matchExpressions", "ScopedResourceSelectorRequirement", True)},
    "ScopedResourceSelectorRequirement": {1: f("scopeName"), 2: f("operator"), 3: strs("values")},
    "ResourceQuotaStatus": {1: f("hard", "mapquantity"), 2: f("used", "mapquantity")},
    "LimitRange": {1: META, 2: m("spec", "LimitRangeSpec")},
    "LimitRangeSpec": {1: m("limits", "LimitRangeItem", True)},
    "LimitRangeItem": {1: f("type"), 2: f("max", "mapquantity"), 3: f("min", "mapquantity"),
                       4: f("default", "mapquantity"), 5: f("defaultRequest", "mapquantity"),
                       6: f("maxLimitRequestRatio", "mapquantity")},
    # Service
    "Service": {1: META, 2: m("spec", "ServiceSpec"), 3: m("status", "ServiceStatus")},
    "ServiceSpec": {1: m("ports", "ServicePort", True), 2: f("selector", "map"), 3: f("clusterIP"), 4: f("type"),
                    5: strs("externalIPs"), 7: f("sessionAffinity"), 8: f("loadBalancerIP"),
                    9: strs("loadBalancerSourceRanges"), 10: f("externalName"), 11: f("externalTrafficPolicy"),
                    12: f("healthCheckNodePort", "int"), 13: f("publishNotReadyAddresses", "bool"),
                    14: p("sessionAffinityConfig", "msg", "SessionAffinityConfig"), 17: p("ipFamilyPolicy"),
                    18: strs("clusterIPs"), 19: strs("ipFamilies"), 20: p("allocateLoadBalancerNodePorts", "bool"),
                    21: p("loadBalancerClass"), 22: p("internalTrafficPolicy"), 23: p("trafficDistribution")},
    "ServicePort": {1: f("name"), 2: f("protocol"), 3: f("port", "int"), 4: f("targetPort", "intorstr"),
                    5: f("nodePort", "int"), 6: p("appProtocol")},
    "SessionAffinityConfig": {1: p("clientIP", "msg", "ClientIPConfig")},
    "ClientIPConfig": {1: p("timeoutSeconds", "int")},
    "ServiceStatus": {1: m("loadBalancer", "LoadBalancerStatus"), 2: m("conditions", "Condition", True)},
    "LoadBalancerStatus": {1: m("ingress", "LoadBalancerIngress", True)},
    "LoadBalancerIngress": {1: f("ip"), 2: f("hostname"), 3: p("ipMode"), 4: m("ports", "PortStatus", True)},
    "PortStatus": {1: f("port", "int"), 2: f("protocol"), 3: p("error")},
    # Pod
    "Pod": {1: META, 2: m("spec", "PodSpec"), 3: m("status", "PodStatus")},
    "PodTemplateSpec": {1: META, 2: m("spec", "PodSpec")},
    "PodSpec": {
        1: m("volumes", "Volume", True), 2: m("containers", "Container", True), 3: f("restartPolicy"),
        4: p("terminationGracePeriodSeconds", "int"), 5: p("activeDeadlineSeconds", "int"), 6: f("dnsPolicy"),
        7: f("nodeSelector", "map"), 8: f("serviceAccountName"), 9: f("serviceAccount"), 10: f("nodeName"),
        11: f("hostNetwork", "bool"), 12: f("hostPID", "bool"), 13: f("hostIPC", "bool"),
        14: p("securityContext", "msg", "PodSecurityContext"),
        15: m("imagePullSecrets", "LocalObjectReference", True), 16: f("hostname"), 17: f("subdomain"),
        18: p("affinity", "msg", "Affinity"), 19: f("schedulerName"), 20: m("initContainers", "Container", True),
        21: p("automountServiceAccountToken", "bool"), 22: m("tolerations", "Toleration", True),
        23: m("hostAliases", "HostAlias", True), 24: f("priorityClassName"), 25: p("priority", "int"),
        26: p("dnsConfig", "msg", "PodDNSConfig"), 27: p("shareProcessNamespace", "bool"),
        28: m("readinessGates", "PodReadinessGate", True), 29: p("runtimeClassName"),
        30: p("enableServiceLinks", "bool"), 31: p("preemptionPolicy"), 32: f("overhead", "mapquantity"),
        33: m("topologySpreadConstraints", "TopologySpreadConstraint", True), 35: p("setHostnameAsFQDN", "bool"),
        36: p("os", "msg", "PodOS"), 37: p("hostUsers", "bool"), 38: m("schedulingGates", "PodSchedulingGate", True),
        40: p("resources", "msg", "ResourceRequirements")},
    "Container": {
        1: f("name"), 2: f("image"), 3: strs("command"), 4: strs("args"), 5: f("workingDir"),
        6: m("ports", "ContainerPort", True), 7: m("env", "EnvVar", True), 8: m("resources", "ResourceRequirements"),
        9: m("volumeMounts", "VolumeMount", True), 10: p("livenessProbe", "msg", "Probe"),
        11: p("readinessProbe", "msg", "Probe"), 12: p("lifecycle", "msg", "Lifecycle"),
        13: f("terminationMessagePath"), 14: f("imagePullPolicy"), 15: p("securityContext", "msg", "SecurityContext"),
        16: f("stdin", "bool"), 17: f("stdinOnce", "bool"), 18: f("tty", "bool"),
        19: m("envFrom", "EnvFromSource", True),
        20: f("terminationMessagePolicy"), 21: m("volumeDevices", "VolumeDevice", True),
        22: p("startupProbe", "msg", "Probe"), 23: m("resizePolicy", "ContainerResizePolicy", True),
        24: p("restartPolicy")},
    "ContainerPort": {1: f("name"), 2: f("hostPort", "int"), 3: f("containerPort", "int"), 4: f("protocol"),
                      5: f("hostIP")},
    "EnvVar": {1: f("name"), 2: f("value"), 3: p("valueFrom", "msg", "EnvVarSource")},
    "EnvVarSource": {1: p("fieldRef", "msg", "ObjectFieldSelector"),
                     2: p("resourceFieldRef", "msg", "ResourceFieldSelector"),
                     3: p("configMapKeyRef", "msg", "KeySelector"), 4: p("secretKeyRef", "msg", "KeySelector")},
    "ObjectFieldSelector": {1: f("apiVersion"), 2: f("fieldPath")},
    "ResourceFieldSelector": {1: f("containerName"), 2: f("resource"), 3: f("divisor", "quantity")},
    # ConfigMapKeySelector and SecretKeySelector share their layout.
    "KeySelector": {1: f("localObjectReference", "inline", "LocalObjectReference"), 2: f("key"),
                    3: p("optional", "bool")},
    "EnvFromSource": {1: f("prefix"), 2: p("configMapRef", "msg", "EnvSource"), 3: p("secretRef", "msg", "EnvSource")},
    # ConfigMapEnvSource and SecretEnvSource share their layout.
    "EnvSource": {1: f("localObjectReference", "inline", "LocalObjectReference"), 2: p("optional", "bool")},
    "ResourceRequirements": {1: f("limits", "mapquantity"), 2: f("requests", "mapquantity"),
                             3: m("claims", "ResourceClaim", True)},
    "ResourceClaim": {1: f("name"), 2: f("request")},
    "VolumeMount": {1: f("name"), 2: f("readOnly", "bool"), 3: f("mountPath"), 4: f("subPath"),
                    5: p("mountPropagation"), 6: f("subPathExpr"), 7: p("recursiveReadOnly")},
    "VolumeDevice": {1: f("name"), 2: f("devicePath")},
    "ContainerResizePolicy": {1: f("resourceName"), 2: f("restartPolicy")},
    "Probe": {1: f("handler", "inline", "ProbeHandler"), 2: f("initialDelaySeconds", "int"),
              3: f("timeoutSeconds", "int"), 4: f("periodSeconds", "int"), 5: f("successThreshold", "int"),
              6: f("failureThreshold", "int"), 7: p("terminationGracePeriodSeconds", "int")},
    "ProbeHandler": {1: p("exec", "msg", "ExecAction"), 2: p("httpGet", "msg", "HTTPGetAction"),
                     3: p("tcpSocket", "msg", "TCPSocketAction"), 4: p("grpc", "msg", "GRPCAction")},
    "ExecAction": {1: strs("command")},
    "HTTPGetAction": {1: f("path"), 2: f("port", "intorstr"), 3: f("host"), 4: f("scheme"),
                      5: m("httpHeaders", "HTTPHeader", True)},
    "HTTPHeader": {1: f("name"), 2: f("value")},
    "TCPSocketAction": {1: f("port", "intorstr"), 2: f("host")},
    "GRPCAction": {1: f("port", "int"), 2: p("service")},
    "Lifecycle": {1: p("postStart", "msg", "LifecycleHandler"), 2: p("preStop", "msg", "LifecycleHandler")},
    "LifecycleHandler": {1: p("exec", "msg", "ExecAction"), 2: p("httpGet", "msg", "HTTPGetAction"),
                         3: p("tcpSocket", "msg", "TCPSocketAction"), 4: p("sleep", "msg", "SleepAction")},
    "SleepAction": {1: f("seconds", "int")},
    "SecurityContext": {1: p("capabilities", "msg", "Capabilities"), 2: p("privileged", "bool"),
                        3: p("seLinuxOptions", "msg", "SELinuxOptions"), 4: p("runAsUser", "int"),
                        5: p("runAsNonRoot", "bool"), 6: p("readOnlyRootFilesystem", "bool"),
                        7: p("allowPrivilegeEscalation", "bool"), 8: p("runAsGroup", "int"), 9: p("procMount"),
                        10: p("windowsOptions", "msg", "WindowsSecurityContextOptions"),
                        11: p("seccompProfile", "msg", "SeccompProfile"),
                        12: p("appArmorProfile", "msg", "AppArmorProfile")},
    "Capabilities": {1: strs("add"), 2: strs("drop")},
    "SELinuxOptions": {1: f("user"), 2: f("role"), 3: f("type"), 4: f("level")},
    "SeccompProfile": {1: f("type"), 2: p("localhostProfile")},
    "AppArmorProfile": {1: f("type"), 2: p("localhostProfile")},
    "WindowsSecurityContextOptions": {1: p("gmsaCredentialSpecName"), 2: p("gmsaCredentialSpec"),
                                      3: p("runAsUserName"), 4: p("hostProcess", "bool")},
    "PodSecurityContext": {1: p("seLinuxOptions", "msg", "SELinuxOptions"), 2: p("runAsUser", "int"),
                           3: p("runAsNonRoot", "bool"), 4: f("supplementalGroups", "int", repeated=True),
                           5: p("fsGroup", "int"), 6: p("runAsGroup", "int"), 7: m("sysctls", "Sysctl", True),
                           8: p("windowsOptions", "msg", "WindowsSecurityContextOptions"),
                           9: p("fsGroupChangePolicy"), 10: p("seccompProfile", "msg", "SeccompProfile"),
                           11: p("appArmorProfile", "msg", "AppArmorProfile"), 12: p("supplementalGroupsPolicy"),
                           13: p("seLinuxChangePolicy")},
    "Sysctl": {1: f("name"), 2: f("value")},
    "Toleration": {1: f("key"), 2: f("operator"), 3: f("value"), 4: f("effect"), 5: p("tolerationSeconds", "int")},
    "HostAlias": {1: f("ip"), 2: strs("hostnames")},
    "PodDNSConfig": {1: strs("nameservers"), 2: strs("searches"), 3: m("options", "PodDNSConfigOption", True)},
    "PodDNSConfigOption": {1: f("name"), 2: p("value")},
    "PodReadinessGate": {1: f("conditionType")},
    "PodOS": {1: f("name")},
    "PodSchedulingGate": {1: f("name")},
    "TopologySpreadConstraint": {1: f("maxSkew", "int"), 2: f("topologyKey"), 3: f("whenUnsatisfiable"),
                                 4: p("labelSelector", "msg", "LabelSelector"), 5: p("minDomains", "int"),
                                 6: p("nodeAffinityPolicy"), 7: p("nodeTaintsPolicy"), 8: strs("matchLabelKeys")},
    "Affinity": {1: p("nodeAffinity", "msg", "NodeAffinity"), 2: p("podAffinity", "msg", "PodAffinity"),
                 3: p("podAntiAffinity", "msg", "PodAffinity")},
    "NodeAffinity": {1: p("requiredDuringSchedulingIgnoredDuringExecution", "msg", "NodeSelector"),
                     2: m("preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm", True)},
    "NodeSelector": {1: m("nodeSelectorTerms", "NodeSelectorTerm", True)},
    "NodeSelectorTerm": {1: m("matchExpressions", "NodeSelectorRequirement", True),
                         2: m("matchFields", "NodeSelectorRequirement", True)},
    "NodeSelectorRequirement": {1: f("key"), 2: f("operator"), 3: strs("values")},
    "PreferredSchedulingTerm": {1: f("weight", "int"), 2: m("preference", "NodeSelectorTerm")},
    # PodAffinity and PodAntiAffinity share their layout.
    "PodAffinity": {1: m("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm", True),
                    2: m("preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm", True)},
    "PodAffinityTerm": {1: p("labelSelector", "msg", "LabelSelector"), 2: strs("namespaces"), 3: f("topologyKey"),
                        4: p("namespaceSelector", "msg", "LabelSelector"), 5: strs("matchLabelKeys"),
                        6: strs("mismatchLabelKeys")},
    "WeightedPodAffinityTerm": {1: f("weight", "int"), 2: m("podAffinityTerm", "PodAffinityTerm")},
    "Volume": {1: f("name"), 2: f("volumeSource", "inline", "VolumeSource")},
    "VolumeSource": {1: p("hostPath", "msg", "HostPathVolumeSource"), 2: p("emptyDir", "msg", "EmptyDirVolumeSource"),
                     6: p("secret", "msg", "SecretVolumeSource"), 7: p("nfs", "msg", "NFSVolumeSource"),
                     10: p("persistentVolumeClaim", "msg", "PersistentVolumeClaimVolumeSource"),
                     16: p("downwardAPI", "msg", "DownwardAPIVolumeSource"),
                     19: p("configMap", "msg", "ConfigMapVolumeSource"),
                     26: p("projected", "msg", "ProjectedVolumeSource")},
    "HostPathVolumeSource": {1: f("path"), 2: p("type")},
    "EmptyDirVolumeSource": {1: f("medium"), 2: p("sizeLimit", "quantity")},
    "SecretVolumeSource": {1: f("secretName"), 2: m("items", "KeyToPath", True), 3: p("defaultMode", "int"),
                           4: p("optional", "bool")},
    "ConfigMapVolumeSource": {1: f("localObjectReference", "inline", "LocalObjectReference"),
                              2: m("items", "KeyToPath", True), 3: p("defaultMode", "int"), 4: p("optional", "bool")},
    "KeyToPath": {1: f("key"), 2: f("path"), 3: p("mode", "int")},
    "NFSVolumeSource": {1: f("server"), 2: f("path"), 3: f("readOnly", "bool")},
    "PersistentVolumeClaimVolumeSource": {1: f("claimName"), 2: f("readOnly", "bool")},
    "DownwardAPIVolumeSource": {1: m("items", "DownwardAPIVolumeFile", True), 2: p("defaultMode", "int")},
    "DownwardAPIVolumeFile": {1: f("path"), 2: p("fieldRef", "msg", "ObjectFieldSelector"),
                              3: p("resourceFieldRef", "msg", "ResourceFieldSelector"), 4: p("mode", "int")},
    "ProjectedVolumeSource": {1: m("sources", "VolumeProjection", True), 2: p("defaultMode", "int")},
    "VolumeProjection": {1: p("secret", "msg", "ProjectionSource"), 2: p("downwardAPI", "msg", "DownwardAPIProjection"),
                         3: p("configMap", "msg", "ProjectionSource"),
                         4: p("serviceAccountToken", "msg", "ServiceAccountTokenProjection")},
    # SecretProjection and ConfigMapProjection share their layout.
    "ProjectionSource": {1: f("localObjectReference", "inline", "LocalObjectReference"),
                         2: m("items", "KeyToPath", True), 4: p("optional", "bool")},
    "DownwardAPIProjection": {1: m("items", "DownwardAPIVolumeFile", True)},
    "ServiceAccountTokenProjection": {1: f("audience"), 2: p("expirationSeconds", "int"), 3: f("path")},
    "PodStatus": {1: f("phase"), 2: m("conditions", "PodCondition", True), 3: f("message"), 4: f("reason"),
                  5: f("hostIP"), 6: f("podIP"), 7: p("startTime", "time"), 9: f("qosClass"),
                  11: f("nominatedNodeName"), 12: m("podIPs", "PodIP", True)},
    "PodCondition": {1: f("type"), 2: f("status"), 3: f("lastProbeTime", "time"), 4: f("lastTransitionTime", "time"),
                     5: f("reason"), 6: f("message")},
    "PodIP": {1: f("ip")},
}

# ---------------------------------------------------------------- k8s.io/api apps/v1
APPS_V1: dict[str, dict[int, Field]] = {
    "Deployment": {1: META, 2: m("spec", "DeploymentSpec"), 3: m("status", "DeploymentStatus")},
    "DeploymentSpec": {1: p("replicas", "int"), 2: p("selector", "msg", "LabelSelector"),
                       3: m("template", "PodTemplateSpec"), 4: m("strategy", "DeploymentStrategy"),
                       5: f("minReadySeconds", "int"), 6: p("revisionHistoryLimit", "int"), 7: f("paused", "bool"),
                       9: p("progressDeadlineSeconds", "int")},
    "DeploymentStrategy": {1: f("type"), 2: p("rollingUpdate", "msg", "RollingUpdate")},
    # RollingUpdateDeployment and RollingUpdateDaemonSet share their layout.
    "RollingUpdate": {1: p("maxUnavailable", "intorstr"), 2: p("maxSurge", "intorstr")},
    "DeploymentStatus": {1: f("observedGeneration", "int"), 2: f("replicas", "int"), 3: f("updatedReplicas", "int"),
                         4: f("availableReplicas", "int"), 5: f("unavailableReplicas", "int"),
                         6: m("conditions", "DeploymentCondition", True), 7: f("readyReplicas", "int"),
                         8: p("collisionCount", "int")},
    "DeploymentCondition": {1: f("type"), 2: f("status"), 4: f("reason"), 5: f("message"),
                            6: f("lastUpdateTime", "time"), 7: f("lastTransitionTime", "time")},
    "ReplicaSet": {1: META, 2: m("spec", "ReplicaSetSpec"), 3: m("status", "ReplicaSetStatus")},
    "ReplicaSetSpec": {1: p("replicas", "int"), 2: p("selector", "msg", "LabelSelector"),
                       3: m("template", "PodTemplateSpec"), 4: f("minReadySeconds", "int")},
    "ReplicaSetStatus": {1: f("replicas", "int"), 2: f("fullyLabeledReplicas", "int"),
                         3: f("observedGeneration", "int"), 4: f("readyReplicas", "int"),
                         5: f("availableReplicas", "int"), 6: m("conditions", "WorkloadCondition", True)},
    # ReplicaSetCondition and DaemonSetCondition share their layout.
    "WorkloadCondition": {1: f("type"), 2: f("status"), 3: f("lastTransitionTime", "time"), 4: f("reason"),
                          5: f("message")},
    "DaemonSet": {1: META, 2: m("spec", "DaemonSetSpec"), 3: m("status", "DaemonSetStatus")},
    "DaemonSetSpec": {1: p("selector", "msg", "LabelSelector"), 2: m("template", "PodTemplateSpec"),
                      3: m("updateStrategy", "DaemonSetUpdateStrategy"), 4: f("minReadySeconds", "int"),
                      6: p("revisionHistoryLimit", "int")},
    "DaemonSetUpdateStrategy": {1: f("type"), 2: p("rollingUpdate", "msg", "RollingUpdate")},
    "DaemonSetStatus": {1: f("currentNumberScheduled", "int"), 2: f("numberMisscheduled", "int"),
                        3: f("desiredNumberScheduled", "int"), 4: f("numberReady", "int"),
                        5: f("observedGeneration", "int"), 6: f("updatedNumberScheduled", "int"),
                        7: f("numberAvailable", "int"), 8: f("numberUnavailable", "int"),
                        9: p("collisionCount", "int"), 10: m("conditions", "WorkloadCondition", True)},
}

# ---------------------------------------------------------------- k8s.io/api rbac/v1
RBAC_V1: dict[str, dict[int, Field]] = {
    "Role": {1: META, 2: m("rules", "PolicyRule", True)},
    "ClusterRole": {1: META, 2: m("rules", "PolicyRule", True), 3: p("aggregationRule", "msg", "AggregationRule")},
    "PolicyRule": {1: strs("verbs"), 2: strs("apiGroups"), 3: strs("resources"), 4: strs("resourceNames"),
                   5: strs("nonResourceURLs")},
    "AggregationRule": {1: m("clusterRoleSelectors", "LabelSelector", True)},
    "RoleBinding": {1: META, 2: m("subjects", "Subject", True), 3: m("roleRef", "RoleRef")},
    "ClusterRoleBinding": {1: META, 2: m("subjects", "Subject", True), 3: m("roleRef", "RoleRef")},
    "Subject": {1: f("kind"), 2: f("apiGroup"), 3: f("name"), 4: f("namespace")},
    "RoleRef": {1: f("apiGroup"), 2: f("kind"), 3: f("name")},
}

# ---------------------------------------------------------------- k8s.io/api coordination/v1
COORDINATION_V1: dict[str, dict[int, Field]] = {
    "Lease": {1: META, 2: m("spec", "LeaseSpec")},
    "LeaseSpec": {1: p("holderIdentity"), 2: p("leaseDurationSeconds", "int"), 3: p("acquireTime", "microtime"),
                  4: p("renewTime", "microtime"), 5: p("leaseTransitions", "int"), 6: p("strategy"),
                  7: p("preferredHolder")},
}

# ---------------------------------------------------------------- ReplicationController and batch/v1 (jobs)
BATCH_V1: dict[str, dict[int, Field]] = {
    "ReplicationController": {1: META, 2: m("spec", "ReplicationControllerSpec"),
                              3: m("status", "ReplicationControllerStatus")},
    "ReplicationControllerSpec": {1: p("replicas", "int"), 2: f("selector", "map"),
                                  3: p("template", "msg", "PodTemplateSpec"), 4: f("minReadySeconds", "int")},
    "ReplicationControllerStatus": {1: f("replicas", "int"), 2: f("fullyLabeledReplicas", "int"),
                                    3: f("observedGeneration", "int"), 4: f("readyReplicas", "int"),
                                    5: f("availableReplicas", "int"), 6: m("conditions", "WorkloadCondition", True)},
    "Job": {1: META, 2: m("spec", "JobSpec"), 3: m("status", "JobStatus")},
    "JobSpec": {1: p("parallelism", "int"), 2: p("completions", "int"), 3: p("activeDeadlineSeconds", "int"),
                4: p("selector", "msg", "LabelSelector"), 5: p("manualSelector", "bool"),
                6: m("template", "PodTemplateSpec"), 7: p("backoffLimit", "int"), 8: p("ttlSecondsAfterFinished", "int"),
                9: p("completionMode"), 10: p("suspend", "bool"), 12: p("backoffLimitPerIndex", "int"),
                13: p("maxFailedIndexes", "int"), 14: p("podReplacementPolicy"), 15: p("managedBy")},
    "JobStatus": {1: m("conditions", "JobCondition", True), 2: p("startTime", "time"), 3: p("completionTime", "time"),
                  4: f("active", "int"), 5: f("succeeded", "int"), 6: f("failed", "int"), 7: p("completedIndexes"),
                  8: p("uncountedTerminatedPods", "msg", "UncountedTerminatedPods"), 9: p("ready", "int"),
                  10: p("failedIndexes"), 11: p("terminating", "int")},
    "UncountedTerminatedPods": {1: strs("succeeded"), 2: strs("failed")},
    "JobCondition": {1: f("type"), 2: f("status"), 3: f("lastProbeTime", "time"), 4: f("lastTransitionTime", "time"),
                     5: f("reason"), 6: f("message")},
    "JobTemplateSpec": {1: META, 2: m("spec", "JobSpec")},
    "CronJob": {1: META, 2: m("spec", "CronJobSpec"), 3: m("status", "CronJobStatus")},
    "CronJobSpec": {1: f("schedule"), 2: p("startingDeadlineSeconds", "int"), 3: f("concurrencyPolicy"),
                    4: p("suspend", "bool"), 5: m("jobTemplate", "JobTemplateSpec"),
                    6: p("successfulJobsHistoryLimit", "int"), 7: p("failedJobsHistoryLimit", "int"),
                    8: p("timeZone")},
    "CronJobStatus": {1: m("active", "ObjectReference", True), 4: p("lastScheduleTime", "time"),
                      5: p("lastSuccessfulTime", "time")},
}

# ---------------------------------------------------------------- authentication/v1 (quota's part)
AUTHENTICATION_V1: dict[str, dict[int, Field]] = {
    "SelfSubjectReview": {1: META},
}

# ---------------------------------------------------------------- networking/v1 (ingress): ``kubectl create ingress``
NETWORKING_V1: dict[str, dict[int, Field]] = {
    "Ingress": {1: META, 2: m("spec", "IngressSpec"), 3: m("status", "IngressStatus")},
    "IngressSpec": {1: p("defaultBackend", "msg", "IngressBackend"), 2: m("tls", "IngressTLS", True),
                    3: m("rules", "IngressRule", True), 4: p("ingressClassName")},
    "IngressBackend": {3: p("resource", "msg", "TypedLocalObjectReference"),
                       4: p("service", "msg", "IngressServiceBackend")},
    "TypedLocalObjectReference": {1: p("apiGroup"), 2: f("kind"), 3: f("name")},
    "IngressServiceBackend": {1: f("name"), 2: m("port", "ServiceBackendPort")},
    "ServiceBackendPort": {1: f("name"), 2: f("number", "int")},
    "IngressTLS": {1: strs("hosts"), 2: f("secretName")},
    "IngressRule": {1: f("host"), 2: f("ingressRuleValue", "inline", "IngressRuleValue")},
    "IngressRuleValue": {1: p("http", "msg", "HTTPIngressRuleValue")},
    "HTTPIngressRuleValue": {1: m("paths", "HTTPIngressPath", True)},
    "HTTPIngressPath": {1: f("path"), 2: m("backend", "IngressBackend"), 3: p("pathType")},
    "IngressStatus": {1: m("loadBalancer", "IngressLoadBalancerStatus")},
    "IngressLoadBalancerStatus": {1: m("ingress", "IngressLoadBalancerIngress", True)},
    "IngressLoadBalancerIngress": {1: f("ip"), 2: f("hostname"), 4: m("ports", "IngressPortStatus", True)},
    "IngressPortStatus": {1: f("port", "int"), 2: f("protocol"), 3: p("error")},
    "IngressClass": {1: META, 2: m("spec", "IngressClassSpec")},
    "IngressClassSpec": {1: f("controller"), 2: p("parameters", "msg", "IngressClassParametersReference")},
    "IngressClassParametersReference": {1: p("apiGroup"), 2: f("kind"), 3: f("name"), 4: p("scope"),
                                        5: p("namespace")},
}

MESSAGES: dict[str, dict[int, Field]] = {**META_V1, **AUTHORIZATION_V1, **CORE_V1, **APPS_V1, **RBAC_V1,
                                         **COORDINATION_V1, **BATCH_V1, **AUTHENTICATION_V1,
                                         **NETWORKING_V1}

#: Top-level kinds (by ``typeMeta.kind``) this server can decode.
DECODABLE_KINDS = ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "Namespace", "ConfigMap", "Secret",
                   "ServiceAccount", "Service", "Pod", "ResourceQuota", "LimitRange", "Deployment", "ReplicaSet",
                   "DaemonSet", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Lease",
                   "ReplicationController", "Job", "CronJob",  # these three: ReplicationController and batch/v1
                   "SelfSubjectReview",  # quota's part
                   "Ingress", "IngressClass")  # networking/v1 (ingress)


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) triples of one message, in wire order."""
    out = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated length-delimited field")
            value, pos = data[pos:pos + length], pos + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > len(data):
                raise ProtobufError("truncated fixed-size field")
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _int(value: int) -> int:
    """A varint as a signed int64 (negative int32/int64 values are sign-extended to ten bytes)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _timestamp(data: bytes) -> tuple[int, int]:
    values = {n: v for n, w, v in fields(data) if w == 0}
    return _int(values.get(1, 0)), _int(values.get(2, 0))


def _scalar(kind: str, value: Any) -> Any:
    if kind == "str":
        return value.decode("utf-8")
    if kind == "int":
        return _int(value)
    if kind == "bool":
        return bool(value)
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "time":  # RFC 3339 in seconds; the zero time is null in JSON
        seconds, _ = _timestamp(value)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if seconds else None
    if kind == "microtime":  # RFC 3339 with microseconds
        seconds, nanos = _timestamp(value)
        if not seconds and not nanos:
            return None
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos // 1000:06d}Z"
    if kind == "quantity":  # resource.Quantity {1: string}
        return next((v.decode("utf-8") for n, w, v in fields(value) if n == 1 and w == 2), "")
    if kind == "intorstr":  # intstr.IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}
        parts = {n: v for n, _, v in fields(value)}
        if parts.get(1, 0) == 1:
            return parts.get(3, b"").decode("utf-8")
        return _int(parts.get(2, 0))
    raise ProtobufError(f"unknown field kind {kind}")


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == {} or value == [] or (
        type(value) is int and value == 0)


def _map_entry(kind: str, raw: bytes) -> tuple[str, Any]:
    entry = {n: v for n, w, v in fields(raw) if w == 2}
    key = entry.get(1, b"").decode("utf-8")
    value = entry.get(2, b"")
    if kind == "map":
        return key, value.decode("utf-8")
    if kind == "mapbytes":
        return key, base64.b64encode(value).decode()
    return key, _scalar("quantity", value)


def _packed(raw: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(raw):
        value, pos = _varint(raw, pos)
        out.append(value)
    return out


def decode_message(name: str, data: bytes) -> dict:
    table = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, wire, raw in fields(data):
        spec = table.get(number)
        if spec is None:
            continue  # a field this server does not model
        json_name, kind, message, repeated, ptr = spec
        if repeated and kind in VARINT_KINDS and wire == 2:  # a packed repeated scalar
            out.setdefault(json_name, []).extend(_scalar(kind, v) for v in _packed(raw))
            continue
        if (wire == 0) != (kind in VARINT_KINDS) or wire not in (0, 2):
            raise ProtobufError(f"{name}.{json_name} (field {number}) has wire type {wire}")
        if kind in MAP_KINDS:
            key, value = _map_entry(kind, raw)
            out.setdefault(json_name, {})[key] = value
            continue
        if kind == "inline":
            out.update(decode_message(message, raw))
            continue
        try:
            value = decode_message(message, raw) if kind == "msg" else _scalar(kind, raw)
        except (AttributeError, OverflowError, OSError, ValueError) as exc:
            if isinstance(exc, ProtobufError):
                raise
            raise ProtobufError(f"{name}.{json_name} (field {number}): {exc}") from None
        if repeated:
            out.setdefault(json_name, []).append(value)
        elif value is not None and (ptr or not _empty(value)):
            out[json_name] = value
    return out


def decode_envelope(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw message) of a ``k8s\\x00`` protobuf body."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf magic prefix")
    envelope = fields(body[len(MAGIC):])
    type_meta = next((v for n, w, v in envelope if n == 1 and w == 2), b"")
    meta = {n: v.decode("utf-8") for n, w, v in fields(type_meta) if w == 2}
    raw = next((v for n, w, v in envelope if n == 2 and w == 2), b"")
    encoding = next((v for n, w, v in envelope if n == 3 and w == 2), b"")
    if encoding:
        raise ProtobufError(f"unsupported contentEncoding {encoding.decode('utf-8', 'replace')!r}")
    return meta.get(1, ""), meta.get(2, ""), raw


def decode_object(body: bytes) -> dict:
    """The JSON form of a protobuf request body; raises :class:`ProtobufError` for kinds not modelled."""
    api_version, kind, raw = decode_envelope(body)
    if kind not in DECODABLE_KINDS:
        raise ProtobufError(f"decoding protobuf {kind} is not supported")
    return {"apiVersion": api_version, "kind": kind, **decode_message(kind, raw)}
