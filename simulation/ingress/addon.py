"""The ingress add-on's objects, as ingress-nginx's bare-metal manifest
(``deploy/static/provider/baremetal/deploy.yaml``) creates them, trimmed to what the simulation
uses: the ``ingress-nginx`` namespace, the controller's ServiceAccount and its ClusterRole and
binding (so the simulated controller reads only what the real one may), the IngressClass
``nginx``, the Deployment ``ingress-nginx-controller`` and its NodePort Service.

One difference, on purpose: the IngressClass is marked the cluster's default
(``ingressclass.kubernetes.io/is-default-class: "true"``, as minikube's ingress add-on does), so
an Ingress written without a class — ``kubectl create ingress`` makes one — is served.
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import (
    INGRESS_CLASS_DEFAULT_ANNOTATION,
    INGRESS_NGINX_CLASS,
    INGRESS_NGINX_CONTROLLER,
    INGRESS_NGINX_CONTROLLER_CLASS,
    INGRESS_NGINX_NAMESPACE,
    service_account_groups,
    service_account_username,
)
from simulation.client.apiclient import APIClient, APIError, is_already_exists

#: The controller's ServiceAccount (and ClusterRole, ClusterRoleBinding) name upstream.
SERVICE_ACCOUNT = "ingress-nginx"
IMAGE = "registry.k8s.io/ingress-nginx/controller:v1.12.1"
VERSION_LABEL = "1.12.1"
SELECTOR = {"app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "ingress-nginx",
            "app.kubernetes.io/name": "ingress-nginx"}
_LABELS = {"app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/name": "ingress-nginx",
           "app.kubernetes.io/part-of": "ingress-nginx", "app.kubernetes.io/version": VERSION_LABEL}


def controller_username() -> tuple[str, tuple[str, ...]]:
    """The user the controller's API client acts as: its pod's ServiceAccount."""
    return (service_account_username(INGRESS_NGINX_NAMESPACE, SERVICE_ACCOUNT),
            service_account_groups(INGRESS_NGINX_NAMESPACE))


def _rule(groups: list[str], resources: list[str], verbs: list[str]) -> dict:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def addon_objects() -> list[tuple[str, dict]]:
    """(resource, object) in creation order."""
    ns = INGRESS_NGINX_NAMESPACE
    labels = dict(_LABELS, **{"app.kubernetes.io/component": "controller"})
    return [
        ("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": ns, "labels": {"app.kubernetes.io/instance": "ingress-nginx",
                                                            "app.kubernetes.io/name": "ingress-nginx"}}}),
        ("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                             "metadata": {"name": SERVICE_ACCOUNT, "namespace": ns, "labels": labels}}),
        ("clusterroles", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": SERVICE_ACCOUNT, "labels": dict(_LABELS)},
                          "rules": [
                              _rule([""], ["configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"],
                                    ["list", "watch"]),
                              _rule(["coordination.k8s.io"], ["leases"], ["list", "watch"]),
                              _rule([""], ["nodes"], ["get"]),
                              _rule([""], ["services"], ["get", "list", "watch"]),
                              _rule(["networking.k8s.io"], ["ingresses"], ["get", "list", "watch"]),
                              _rule([""], ["events"], ["create", "patch"]),
                              _rule(["networking.k8s.io"], ["ingresses/status"], ["update"]),
                              _rule(["networking.k8s.io"], ["ingressclasses"], ["get", "list", "watch"]),
                              _rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch", "get"]),
                          ]}),
        ("clusterrolebindings", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                                 "metadata": {"name": SERVICE_ACCOUNT, "labels": dict(_LABELS)},
                                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                             "name": SERVICE_ACCOUNT},
                                 "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": ns}]}),
        ("ingressclasses", {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                            "metadata": {"name": INGRESS_NGINX_CLASS, "labels": labels,
                                         "annotations": {INGRESS_CLASS_DEFAULT_ANNOTATION: "true"}},
                            "spec": {"controller": INGRESS_NGINX_CONTROLLER_CLASS}}),
        ("services", {"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": INGRESS_NGINX_CONTROLLER, "namespace": ns, "labels": labels},
                      "spec": {"type": "NodePort", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                               "selector": dict(SELECTOR),
                               "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http",
                                          "appProtocol": "http"},
                                         {"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https",
                                          "appProtocol": "https"}]}}),
        ("deployments", {"apiVersion": "apps/v1", "kind": "Deployment",
                         "metadata": {"name": INGRESS_NGINX_CONTROLLER, "namespace": ns, "labels": labels},
                         "spec": {"replicas": 1, "minReadySeconds": 0, "revisionHistoryLimit": 10,
                                  "selector": {"matchLabels": dict(SELECTOR)},
                                  "template": {"metadata": {"labels": dict(labels)}, "spec": {
                                      "serviceAccountName": SERVICE_ACCOUNT,
                                      "nodeSelector": {"kubernetes.io/os": "linux"},
                                      "terminationGracePeriodSeconds": 300,
                                      "containers": [{
                                          "name": "controller", "image": IMAGE, "imagePullPolicy": "IfNotPresent",
                                          "args": ["/nginx-ingress-controller",
                                                   "--election-id=ingress-nginx-leader",
                                                   f"--controller-class={INGRESS_NGINX_CONTROLLER_CLASS}",
                                                   f"--ingress-class={INGRESS_NGINX_CLASS}",
                                                   "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller"],
                                          "env": [{"name": "POD_NAME",
                                                   "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                                                  {"name": "POD_NAMESPACE",
                                                   "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
                                          "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"},
                                                    {"name": "https", "containerPort": 443, "protocol": "TCP"}],
                                          "resources": {"requests": {"cpu": "100m", "memory": "90Mi"}}}]}}}}),
    ]


def install(client: APIClient) -> list[str]:
    """Create the add-on's objects through the API (those that exist already are kept), and say
    what was created: ``ingressclasses/nginx``..."""
    created = []
    for resource, obj in addon_objects():
        try:
            client.create(resource, obj, obj["metadata"].get("namespace", ""))
        except APIError as exc:
            if not is_already_exists(exc):
                raise
            continue
        created.append(f"{resource}/{obj['metadata']['name']}")
    return created


def installed(client: APIClient) -> bool:
    """Whether the add-on's IngressClass and Deployment are in the store (a restarted cluster
    runs the controller again)."""
    try:
        client.get("ingressclasses", "", INGRESS_NGINX_CLASS)
        client.get("deployments", INGRESS_NGINX_NAMESPACE, INGRESS_NGINX_CONTROLLER)
    except APIError:
        return False
    return True
