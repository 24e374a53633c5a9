"""Manifests for controller tests, as a user would write them."""
from __future__ import annotations


def pod_template(labels: dict, image: str = "nginx:1.25", **spec) -> dict:
    return {"metadata": {"labels": dict(labels)},
            "spec": {"containers": [{"name": "app", "image": image}], **spec}}


def replica_set(name: str, replicas: int, labels: dict | None = None, **spec) -> dict:
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": pod_template(labels), **spec}}


def deployment(name: str, replicas: int, labels: dict | None = None, image: str = "nginx:1.25",
               strategy: dict | None = None, **spec) -> dict:
    labels = labels or {"app": name}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
           "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                    "template": pod_template(labels, image), **spec}}
    if strategy is not None:
        obj["spec"]["strategy"] = strategy
    return obj


def orphan_pod(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": dict(labels)},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}


def node(name: str, labels: dict | None = None, taints: list | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": list(taints or [])}}


def daemon_set(name: str, labels: dict | None = None, **spec) -> dict:
    labels = labels or {"app": name}
    template = pod_template(labels, **spec.pop("pod_spec", {}))
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": dict(labels)}, "template": template, **spec}}
