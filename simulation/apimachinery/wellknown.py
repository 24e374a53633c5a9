"""Names Kubernetes gives special meaning to, each written once (upstream spreads them over
``k8s.io/apiserver/pkg/authentication/user``, ``metav1`` and ``core/v1``). A typo in any of
them silently breaks authorization or scheduling, so every module imports them from here."""
from __future__ import annotations

# -- users and groups (k8s.io/apiserver/pkg/authentication/user) -------------------------------
#: ``user.SystemPrivilegedGroup``: members may do anything, before RBAC is consulted.
SYSTEM_MASTERS = "system:masters"
ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS_USER = "system:anonymous"
APISERVER_USER = "system:apiserver"
KUBE_SCHEDULER_USER = "system:kube-scheduler"
KUBE_CONTROLLER_MANAGER_USER = "system:kube-controller-manager"
KUBE_PROXY_USER = "system:kube-proxy"
NODES_GROUP = "system:nodes"
NODE_USER_PREFIX = "system:node:"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"

# -- namespaces (metav1.NamespaceDefault, NamespaceSystem, NamespacePublic, NamespaceNodeLease) --
NAMESPACE_DEFAULT = "default"
NAMESPACE_SYSTEM = "kube-system"
NAMESPACE_PUBLIC = "kube-public"
NAMESPACE_NODE_LEASE = "kube-node-lease"

# -- components ---------------------------------------------------------------------------------
#: ``v1.DefaultSchedulerName``: the profile a pod without ``spec.schedulerName`` goes to.
DEFAULT_SCHEDULER_NAME = "default-scheduler"
KUBE_SCHEDULER = "kube-scheduler"
KUBE_CONTROLLER_MANAGER = "kube-controller-manager"
KUBE_PROXY = "kube-proxy"
KUBELET = "kubelet"


def node_user(node_name: str) -> str:
    """The user a node's kubelet authenticates as (the Node authorizer's ``system:node:<name>``)."""
    return NODE_USER_PREFIX + node_name


def service_account_username(namespace: str, name: str) -> str:
    """``serviceaccount.MakeUsername``: ``system:serviceaccount:<namespace>:<name>``."""
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


def service_account_groups(namespace: str) -> tuple[str, ...]:
    """``serviceaccount.MakeGroupNames``: every service account's group, then its namespace's."""
    return ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """``serviceaccount.SplitUsername``: ``system:serviceaccount:<ns>:<name>`` → (ns, name)."""
    if not username.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_PREFIX):].split(":")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]

# storage (storage)
#: The simulated external provisioner behind the default StorageClass (kind's storage addon).
LOCAL_PATH_PROVISIONER = "rancher.io/local-path"
#: The cluster's default StorageClass, as kind names it.
DEFAULT_STORAGE_CLASS = "standard"

# --- scheduling.k8s.io/v1 (policy) -----------------------------------------------------------
#: The PriorityClasses kube-apiserver creates at start (``SystemPriorityClasses``) and their values;
#: validation reserves the ``system-`` prefix for them.
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"

# --- cluster DNS (exec) ----------------------------------------------------------------------
#: The kubelet's ``--cluster-dns`` and ``--cluster-domain`` as kubeadm sets them: the
#: ``kube-system/kube-dns`` Service's cluster IP, which every pod's resolv.conf names.
CLUSTER_DNS_IP = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"
#: CoreDNS: its ServiceAccount in kube-system, and the name of its watch among the components.
COREDNS = "coredns"
# --- static pods (pkg/kubelet/types: ConfigSourceAnnotationKey, ConfigMirrorAnnotationKey, ...) ---
#: Where a static pod came from (``file`` for the manifest directory).
CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source"
#: The static pod's hash (its UID on the kubelet), and on the mirror pod the hash it mirrors.
CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash"
CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen"

# --- kubeadm (cmd/kubeadm/app/constants) -------------------------------------------------------
#: The label and taint kubeadm puts on a control-plane node (``LabelNodeRoleControlPlane``).
LABEL_NODE_ROLE_CONTROL_PLANE = "node-role.kubernetes.io/control-plane"
#: The kubelet's ``staticPodPath`` kubeadm configures.
KUBEADM_MANIFESTS_DIR = "/etc/kubernetes/manifests"

# --- networking.k8s.io/v1 Ingress (ingress) --------------------------------------------------
#: The IngressClass annotation that makes DefaultIngressClass admission give a class to new Ingresses.
INGRESS_CLASS_DEFAULT_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
#: The class annotation Ingresses carried before ``spec.ingressClassName`` (deprecated, still honoured).
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
#: The simulated ingress-nginx add-on: its IngressClass, controller value, namespace and objects.
INGRESS_NGINX_CLASS = "nginx"
INGRESS_NGINX_CONTROLLER_CLASS = "k8s.io/ingress-nginx"
INGRESS_NGINX_NAMESPACE = "ingress-nginx"
INGRESS_NGINX_CONTROLLER = "ingress-nginx-controller"
