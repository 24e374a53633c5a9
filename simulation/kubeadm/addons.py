"""The objects ``kubeadm init`` writes through the API server once the control plane answers:
the ``upload-config`` phase's ConfigMaps and the ``addon`` phase's kube-proxy and CoreDNS
(upstream's ``cmd/kubeadm/app/phases/uploadconfig`` and ``phases/addons/{proxy,dns}``).

Nothing here runs a pod: the DaemonSet and the Deployment are picked up by their controllers,
their pods scheduled and started by kubelets, as on a real cluster. The DNS Service asks for
kubeadm's fixed address (:data:`KUBE_DNS_SERVICE_IP`), the tenth of the service subnet, which
the API server's allocator keeps out of dynamic allocation (it draws from above the static band).
"""
from __future__ import annotations

from simulation.apimachinery import wellknown
from simulation.kubelet.node_spec import KUBELET_VERSION

from .manifests import POD_SUBNET, SERVICE_SUBNET

#: kubeadm 1.33's CoreDNS (``constants.CoreDNSVersion``).
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.12.0"
KUBE_PROXY_IMAGE = f"registry.k8s.io/kube-proxy:{KUBELET_VERSION}"
KUBE_DNS_SERVICE_IP = "10.96.0.10"
DNS_DOMAIN = "cluster.local"
KUBE_DNS = "kube-dns"
COREDNS = "coredns"
#: The label selecting CoreDNS's pods (kept as ``kube-dns`` for kube-dns compatibility) and kube-proxy's.
K8S_APP = "k8s-app"
_SYSTEM = wellknown.NAMESPACE_SYSTEM

COREFILE = f""".:53 {{
    errors
    health {{
       lameduck 5s
    }}
    ready
    kubernetes {DNS_DOMAIN} in-addr.arpa ip6.arpa {{
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }}
    prometheus :9153
    forward . /etc/resolv.conf {{
       max_concurrent 1000
    }}
    cache 30 {{
       disable success {DNS_DOMAIN}
       disable denial {DNS_DOMAIN}
    }}
    loop
    reload
    loadbalance
}}
"""


def coredns_rbac() -> list[dict]:
    """What kubeadm's CoreDNS add-on phase writes for CoreDNS's watch: the ``system:coredns``
    ClusterRole and its binding to the ``coredns`` ServiceAccount (every cluster's CoreDNS runs
    under them, kubeadm layout or not)."""
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": _meta("system:coredns", ""),
         "rules": [{"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                    "verbs": ["list", "watch"]},
                   {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": _meta("system:coredns", ""),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:coredns"},
         "subjects": [{"kind": "ServiceAccount", "name": COREDNS, "namespace": _SYSTEM}]},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(COREDNS)},
    ]


def _meta(name: str, namespace: str = _SYSTEM, **extra: dict) -> dict:
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def _config_map(name: str, data: dict[str, str], namespace: str = _SYSTEM) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(name, namespace), "data": data}


def upload_config(cluster_name: str, address: str) -> list[dict]:
    """``kubeadm init phase upload-config``: the ClusterConfiguration and the kubelets' config."""
    cluster_configuration = (
        "apiServer: {}\n"
        "apiVersion: kubeadm.k8s.io/v1beta4\n"
        "caCertificateValidityPeriod: 87600h0m0s\n"
        "certificateValidityPeriod: 8760h0m0s\n"
        "certificatesDir: /etc/kubernetes/pki\n"
        f"clusterName: {cluster_name}\n"
        f"controlPlaneEndpoint: {address}:6443\n"
        "controllerManager: {}\n"
        "dns: {}\n"
        "encryptionAlgorithm: RSA-2048\n"
        "etcd:\n  local:\n    dataDir: /var/lib/etcd\n"
        "imageRepository: registry.k8s.io\n"
        "kind: ClusterConfiguration\n"
        f"kubernetesVersion: {KUBELET_VERSION}\n"
        f"networking:\n  dnsDomain: {DNS_DOMAIN}\n  podSubnet: {POD_SUBNET}\n  serviceSubnet: {SERVICE_SUBNET}\n"
        "proxy: {}\n"
        "scheduler: {}\n")
    kubelet_configuration = (
        "apiVersion: kubelet.config.k8s.io/v1beta1\n"
        "authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n    enabled: true\n"
        "  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
        "authorization:\n  mode: Webhook\n"
        "cgroupDriver: systemd\n"
        f"clusterDNS:\n- {KUBE_DNS_SERVICE_IP}\n"
        f"clusterDomain: {DNS_DOMAIN}\n"
        "containerRuntimeEndpoint: \"\"\n"
        "fileCheckFrequency: 20s\n"
        "healthzBindAddress: 127.0.0.1\n"
        "healthzPort: 10248\n"
        "kind: KubeletConfiguration\n"
        "nodeStatusReportFrequency: 0s\n"
        "nodeStatusUpdateFrequency: 0s\n"
        "rotateCertificates: true\n"
        "runtimeRequestTimeout: 0s\n"
        f"staticPodPath: {wellknown.KUBEADM_MANIFESTS_DIR}\n"
        "syncFrequency: 0s\n")
    return [_config_map("kubeadm-config", {"ClusterConfiguration": cluster_configuration}),
            _config_map("kubelet-config", {"kubelet": kubelet_configuration})]


def kube_proxy(address: str) -> list[dict]:
    """``kubeadm init phase addon kube-proxy``: its ServiceAccount, RBAC, ConfigMap and DaemonSet."""
    config = (
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
        "bindAddress: 0.0.0.0\n"
        "clientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n"
        f"clusterCIDR: {POD_SUBNET}\n"
        "iptables:\n  masqueradeAll: false\n  minSyncPeriod: 1s\n  syncPeriod: 30s\n"
        "kind: KubeProxyConfiguration\n"
        "mode: iptables\n")
    kubeconfig = (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n- cluster:\n    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n"
        f"    server: https://{address}:6443\n  name: default\n"
        "contexts:\n- context:\n    cluster: default\n    namespace: default\n    user: default\n  name: default\n"
        "current-context: default\n"
        "users:\n- name: default\n  user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n")
    labels = {K8S_APP: wellknown.KUBE_PROXY}
    daemonset = {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _meta(wellknown.KUBE_PROXY, labels=dict(labels)),
        "spec": {"selector": {"matchLabels": dict(labels)},
                 "updateStrategy": {"type": "RollingUpdate"},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {
                     "containers": [{
                         "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                     "--hostname-override=$(NODE_NAME)"],
                         "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                         "image": KUBE_PROXY_IMAGE, "imagePullPolicy": "IfNotPresent", "name": wellknown.KUBE_PROXY,
                         "securityContext": {"privileged": True},
                         "volumeMounts": [{"mountPath": "/var/lib/kube-proxy", "name": wellknown.KUBE_PROXY},
                                          {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                                          {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True}]}],
                     "hostNetwork": True,
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "priorityClassName": "system-node-critical",
                     "serviceAccountName": wellknown.KUBE_PROXY,
                     "tolerations": [{"operator": "Exists"}],
                     "volumes": [{"configMap": {"name": wellknown.KUBE_PROXY}, "name": wellknown.KUBE_PROXY},
                                 {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                                  "name": "xtables-lock"},
                                 {"hostPath": {"path": "/lib/modules"}, "name": "lib-modules"}]}}}}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(wellknown.KUBE_PROXY)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": _meta("kubeadm:node-proxier", ""),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node-proxier"},
         "subjects": [{"kind": "ServiceAccount", "name": wellknown.KUBE_PROXY, "namespace": _SYSTEM}]},
        _config_map(wellknown.KUBE_PROXY, {"config.conf": config, "kubeconfig.conf": kubeconfig}),
        daemonset,
    ]


def coredns() -> list[dict]:
    """``kubeadm init phase addon coredns``: its RBAC, ServiceAccount, Corefile, Deployment and
    the ``kube-dns`` Service at :data:`KUBE_DNS_SERVICE_IP`."""
    labels = {K8S_APP: KUBE_DNS}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(COREDNS, labels=dict(labels)),
        "spec": {"replicas": 2, "selector": {"matchLabels": dict(labels)},
                 "strategy": {"rollingUpdate": {"maxUnavailable": 1}, "type": "RollingUpdate"},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {
                     "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                         "podAffinityTerm": {"labelSelector": {"matchExpressions": [
                             {"key": K8S_APP, "operator": "In", "values": [KUBE_DNS]}]},
                             "topologyKey": "kubernetes.io/hostname"}, "weight": 100}]}},
                     "containers": [{
                         "args": ["-conf", "/etc/coredns/Corefile"], "image": COREDNS_IMAGE,
                         "imagePullPolicy": "IfNotPresent",
                         "livenessProbe": {"failureThreshold": 5, "httpGet": {"path": "/health", "port": 8080,
                                                                              "scheme": "HTTP"},
                                           "initialDelaySeconds": 60, "successThreshold": 1, "timeoutSeconds": 5},
                         "name": COREDNS,
                         "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                   {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                   {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                                   {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                                   {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"}],
                         "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"}},
                         "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                         "securityContext": {"allowPrivilegeEscalation": False,
                                             "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                                             "readOnlyRootFilesystem": True},
                         "volumeMounts": [{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}]}],
                     "dnsPolicy": "Default",
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "priorityClassName": "system-cluster-critical",
                     "serviceAccountName": COREDNS,
                     "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                     {"effect": "NoSchedule", "key": wellknown.LABEL_NODE_ROLE_CONTROL_PLANE}],
                     "volumes": [{"configMap": {"items": [{"key": "Corefile", "path": "Corefile"}], "name": COREDNS},
                                  "name": "config-volume"}]}}}}
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": _meta(KUBE_DNS, annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
                          labels={K8S_APP: KUBE_DNS, "kubernetes.io/cluster-service": "true",
                                  "kubernetes.io/name": "CoreDNS"}),
        "spec": {"clusterIP": KUBE_DNS_SERVICE_IP,
                 "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                           {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                           {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
                 "selector": dict(labels)}}
    return [
        *coredns_rbac(),
        _config_map(COREDNS, {"Corefile": COREFILE}),
        deployment,
        service,
    ]


def kubeadm_objects(cluster_name: str, address: str) -> list[dict]:
    """Everything ``kubeadm init`` writes through the API, in the order it writes it."""
    return upload_config(cluster_name, address) + coredns() + kube_proxy(address)
