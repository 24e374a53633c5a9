"""Printers of the apps/v1 kinds (Deployments, ReplicaSets, DaemonSets): their columns, with
the pod template's containers, images and selector in the wide ones, and their cells."""
from __future__ import annotations

from simulation.apimachinery import selectors

from .columns import (AGE, CONTAINERS, IMAGES, NAME, age_of, column, container_cells, format_label_selector,
                      format_labels, name_of, selector_column, template_spec)


DEPLOYMENT_COLUMNS = (
    NAME,
    column("Ready", "Number of the pod with ready state"),
    column("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired "
                         "template spec."),
    column("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this "
                        "deployment."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones "
                    "affected by this deployment."),
)

REPLICASET_COLUMNS = (
    NAME,
    column("Desired", "Replicas is the number of desired replicas.", "integer"),
    column("Current", "Replicas is the most recently observed number of replicas.", "integer"),
    column("Ready", "The number of ready replicas for this replica set.", "integer"),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("Selector is a label query over pods that should match the replica count."),
)

DAEMONSET_COLUMNS = (
    NAME,
    column("Desired", "The total number of nodes that should be running the daemon pod (including nodes "
                      "correctly running the daemon pod).", "integer"),
    column("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
                      "daemon pod.", "integer"),
    column("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon "
                    "pod running and ready.", "integer"),
    column("Up-to-date", "The total number of nodes that are running updated daemon pod", "integer"),
    column("Available", "The number of nodes that should be running the daemon pod and have one or more of the "
                        "daemon pod running and available (ready for at least spec.minReadySeconds)", "integer"),
    column("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("A label query over pods that are managed by the daemon set."),
)


def _replicas(spec: dict) -> int:
    """``spec.replicas``, which API defaulting sets to 1 when unset."""
    replicas = spec.get("replicas")
    return 1 if replicas is None else replicas


def print_deployment(deploy: dict, now: float) -> list:
    spec, status = deploy.get("spec") or {}, deploy.get("status") or {}
    desired = _replicas(spec)
    names, images = container_cells(template_spec(deploy))
    try:  # upstream prints selector.String() here, not FormatLabelSelector
        selector = str(selectors.from_label_selector_object(spec.get("selector")))
    except ValueError:
        selector = "<invalid>"
    return [name_of(deploy), f"{status.get('readyReplicas', 0)}/{desired}", status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0), age_of(deploy, now), names, images, selector]


def print_replicaset(rs: dict, now: float) -> list:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = container_cells(template_spec(rs))
    return [name_of(rs), _replicas(spec), status.get("replicas", 0), status.get("readyReplicas", 0),
            age_of(rs, now), names, images, format_label_selector(spec.get("selector"))]


def print_daemonset(ds: dict, now: float) -> list:
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    pod_spec = template_spec(ds)
    names, images = container_cells(pod_spec)
    return [name_of(ds), status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
            status.get("numberReady", 0), status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0), format_labels(pod_spec.get("nodeSelector")), age_of(ds, now),
            names, images, format_label_selector(spec.get("selector"))]
