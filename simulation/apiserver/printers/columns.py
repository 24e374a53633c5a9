"""What every printer shares: the column definition, the columns many kinds print (Name, Age,
the template's Containers and Images, Selector) with upstream's descriptions, and the cell
formatters several kinds use (upstream's ``labels.FormatLabels``, ``layoutContainerCells``...)."""
from __future__ import annotations

from simulation.apimachinery import selectors
from simulation.apimachinery.timestamps import translate_timestamp_since


def column(name: str, description: str, type_: str = "string", *, fmt: str = "", priority: int = 0) -> dict:
    """A ``TableColumnDefinition``; kubectl shows ``priority: 1`` columns only with ``-o wide``."""
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}


NAME_DOC = ("Name must be unique within a namespace. Is required when creating resources, although some "
            "resources may allow a client to request the generation of a name automatically. Name is primarily "
            "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
AGE_DOC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is "
           "not guaranteed to be set in happens-before order across separate operations. Clients may not set "
           "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. "
           "Null for lists. More info: "
           "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")

NAME = column("Name", NAME_DOC, fmt="name")
AGE = column("Age", AGE_DOC)
CONTAINERS = column("Containers", "Names of each container in the template.", priority=1)
IMAGES = column("Images", "Images referenced by each container in the template.", priority=1)


def selector_column(doc: str) -> dict:
    """The wide Selector column of the kinds that select pods."""
    return column("Selector", doc, priority=1)


def format_labels(labels: dict | None) -> str:
    """``labels.FormatLabels``: ``k=v,k2=v2`` sorted by key, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def format_label_selector(selector: dict | None) -> str:
    """``metav1.FormatLabelSelector``: the selector's text, ``<none>`` when empty."""
    try:
        text = str(selectors.from_label_selector_object(selector))
    except ValueError:
        return "<error>"
    return text or "<none>"


def container_cells(pod_spec: dict | None) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, each comma-joined."""
    containers = (pod_spec or {}).get("containers") or []
    return (",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers))


def template_spec(obj: dict) -> dict:
    """The pod spec of a workload's template: its containers and node selector are printed."""
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def meta_of(obj: dict) -> dict:
    return obj.get("metadata") or {}


def name_of(obj: dict) -> str:
    return meta_of(obj).get("name", "")


def age_of(obj: dict, now: float) -> str:
    """The Age cell: how long ago the object was created, as kubectl prints it."""
    return translate_timestamp_since(meta_of(obj).get("creationTimestamp"), now)
