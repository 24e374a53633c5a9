"""The "new cluster" form: a name, the nodes (sizes, zone, taints, labels), the seed and the
speed, prefilled with the demo's layout. The home page shows it to staff;
``manage.py createcluster`` fills it from its arguments, so both refuse the same things with
the same words. Valid, it makes the cluster with :func:`.bootstrap.create_cluster` (tokens,
namespaces, RBAC), simulated: a running ``up`` or ``simworker`` hosts it within a second.
"""
from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import IntegrityError

from simulation.apimachinery.validation import is_dns1123_label
from simulation.cluster import demo_nodes
from simulation.kernel.pacing import MAX_SPEED, MIN_SPEED
from simulation.kubelet.node_spec import NodeSpec

from .bootstrap import create_cluster
from .models import Cluster
from .topology import (MAX_NODES, format_labels, format_taints, node_errors, numbered_node, parse_labels, parse_taints,
                       simulated_state)

#: Blank node rows offered below the prefilled ones.
EXTRA_NODE_ROWS = 2
#: What a blank node row suggests (the table shows no label per row: each field names itself).
PLACEHOLDERS = {"name": "node name", "cpu": "4", "memory": "8Gi", "zone": "zone-a", "taints": "key=value:NoSchedule",
                "labels": "key=value"}


class NewClusterForm(forms.Form):
    name = forms.CharField(max_length=63, help_text="a DNS label: lower case letters, digits and '-'; "
                                                    "it names the cluster in its URL and kubeconfig")
    seed = forms.IntegerField(min_value=0, initial=1, help_text="same seed, same inputs: same history")
    speed = forms.FloatField(min_value=MIN_SPEED, max_value=MAX_SPEED, initial=1.0,
                             help_text=f"{MIN_SPEED:g}x to {MAX_SPEED:g}x; a new cluster starts behind live "
                                       "and catches up faster above 1x")

    kubeadm = forms.BooleanField(required=False, label="kubeadm layout",
                                 help_text="a control-plane node (kind-control-plane, tainted) running the control "
                                           "plane as static pods, kube-proxy and CoreDNS in kube-system, as kubeadm "
                                           "leaves a cluster")
    ha = forms.BooleanField(required=False, label="highly available control plane",
                            help_text="three control-plane nodes (kubeadm layout): three etcd members electing a "
                                      "Raft leader, three API servers behind a load balancer, leader-elected "
                                      "schedulers and controller managers")

    def clean_name(self) -> str:
        return clean_cluster_name(self.cleaned_data["name"])


def clean_cluster_name(name: str) -> str:
    """A new cluster's name: a DNS label (it is a path segment of its API and names its
    kubeconfig's entries), not taken yet."""
    name = name.strip()
    problems = is_dns1123_label(name)
    if problems:
        raise forms.ValidationError([f"{name!r}: {p}" for p in problems])
    if Cluster.objects.filter(name=name).exists():
        raise forms.ValidationError(f"a cluster named {name!r} already exists")
    return name


class NodeForm(forms.Form):
    name = forms.CharField(max_length=253)
    cpu = forms.CharField(label="CPU", max_length=32, help_text="cores, e.g. 4 or 500m")
    memory = forms.CharField(max_length=32, help_text="e.g. 8Gi")
    zone = forms.CharField(max_length=63, required=False, help_text="topology.kubernetes.io/zone")
    taints = forms.CharField(max_length=1000, required=False, help_text="as kubectl taint: dedicated=gpu:NoSchedule")
    labels = forms.CharField(max_length=1000, required=False, help_text="as kubectl label: accelerator=gpu")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.update({"aria-label": f"node {field.label or name}",
                                       "placeholder": PLACEHOLDERS.get(name, "")})

    def clean_taints(self) -> list[dict]:
        try:
            return parse_taints(self.cleaned_data["taints"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_labels(self) -> dict[str, str]:
        try:
            return parse_labels(self.cleaned_data["labels"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if all(key in data for key in ("name", "cpu", "memory")):
            # A field that could not be read (a taint without its effect) is left out, so the
            # others are still checked: every mistake of the row shows at once.
            for field, messages in node_errors(self.spec(1)).items():
                if field not in self.errors:
                    for message in messages:
                        self.add_error(None if field == "__all__" else field, message)
        return data

    def spec(self, index: int) -> NodeSpec:
        """The node this row describes, as node ``index`` of its cluster."""
        data = self.cleaned_data
        return numbered_node(index, name=data["name"].strip(), cpu=data["cpu"].strip(), memory=data["memory"].strip(),
                             zone=data.get("zone", "").strip(), taints=data.get("taints", []),
                             labels=data.get("labels", {}))


class BaseNodeFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        names = [form.cleaned_data["name"].strip() for form in self.rows()]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise forms.ValidationError(f"node names must be unique: {', '.join(duplicates)} appears more than once")

    def rows(self) -> list[NodeForm]:
        """The rows that describe a node: filled in and not marked for removal."""
        return [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]

    def specs(self) -> list[NodeSpec]:
        return [form.spec(index) for index, form in enumerate(self.rows(), start=1)]


NodeFormSet = forms.formset_factory(NodeForm, formset=BaseNodeFormSet, extra=EXTRA_NODE_ROWS, can_delete=True,
                                    min_num=1, validate_min=True, max_num=MAX_NODES, validate_max=True)
NODES_PREFIX = "nodes"


def demo_rows() -> list[dict[str, str]]:
    """The demo's nodes as form rows: what the form offers before a teacher changes it."""
    return [{"name": n.name, "cpu": n.cpu, "memory": n.memory, "zone": n.zone, "taints": format_taints(n.taints),
             "labels": format_labels(n.extra_labels)} for n in demo_nodes()]


def blank_forms() -> tuple[NewClusterForm, BaseNodeFormSet]:
    return NewClusterForm(), NodeFormSet(prefix=NODES_PREFIX, initial=demo_rows())


def bound_forms(data: Any) -> tuple[NewClusterForm, BaseNodeFormSet]:
    """The two forms bound to ``data`` (a page's POST, or :func:`layout_data`'s dict)."""
    return NewClusterForm(data), NodeFormSet(data, prefix=NODES_PREFIX)


def layout_data(cluster: dict[str, Any], nodes: list[dict[str, str]]) -> dict[str, str]:
    """What a page would POST for ``cluster`` (name, seed, speed) and these node rows."""
    data = {key: str(value) for key, value in cluster.items()}
    data.update({f"{NODES_PREFIX}-TOTAL_FORMS": str(len(nodes)), f"{NODES_PREFIX}-INITIAL_FORMS": "0"})
    for index, row in enumerate(nodes):
        data.update({f"{NODES_PREFIX}-{index}-{key}": value for key, value in row.items()})
    return data


def create(form: NewClusterForm, nodes: BaseNodeFormSet) -> Cluster | None:
    """Create the cluster both (valid) forms describe; None, with an error on ``form``, if
    another request took the name in the meantime."""
    data = form.cleaned_data
    state = simulated_state(nodes.specs(), seed=data["seed"], speed=data["speed"],
                            behind_live_seconds=settings.CLUSTERVIZ_HEADROOM_SECONDS, kubeadm=data.get("kubeadm", False),
                            ha=data.get("ha", False))
    try:
        return create_cluster(data["name"], sim_state=state)
    except IntegrityError:
        form.add_error("name", f"a cluster named {data['name']!r} already exists")
        return None
