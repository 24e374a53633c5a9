"""A cluster laid out as ``kubeadm init`` leaves it: the control-plane node whose kubelet runs
the control plane as static pods from its manifest directory, the components following
their containers, and the teacher's edits of the manifests. A mixin of
:class:`simulation.cluster.SimCluster`.
"""
from __future__ import annotations


from simulation.apimachinery import wellknown
from simulation.apimachinery.wellknown import (KUBE_CONTROLLER_MANAGER, KUBE_PROXY,
                                               KUBE_SCHEDULER, LABEL_NODE_ROLE_CONTROL_PLANE,
                                               NAMESPACE_SYSTEM)
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIError, is_not_found
from simulation.client.component import Component
from simulation.kubeadm.addons import COREDNS_IMAGE, kubeadm_objects
from simulation.kubeadm.manifests import FILES as MANIFEST_FILES
from simulation.kubeadm.manifests import ETCD, KUBE_APISERVER, component_image, control_plane_manifests
from simulation.kubelet import runtime as rt
from simulation.kubelet.kubelet import Kubelet
from simulation.kubelet.node_spec import NodeSpec
from simulation.kubelet.static_pods import ManifestDirectory

from .errors import SimulationError

#: The host the control plane runs on, as kind names it (leader-election identities carry it).
CONTROL_PLANE_HOST = "kind-control-plane"
#: What a teacher can do to a static pod manifest (the control API's ``manifest`` operation).
MANIFEST_ACTIONS = ("edit", "remove", "restore")
#: The resources kubeadm's objects are, by kind (its add-ons' too).
RESOURCE_OF_KIND = {"ConfigMap": "configmaps", "ServiceAccount": "serviceaccounts", "ClusterRole": "clusterroles",
                    "ClusterRoleBinding": "clusterrolebindings", "Deployment": "deployments", "Service": "services",
                    "DaemonSet": "daemonsets"}
#: Who writes kubeadm's objects at ``kubeadm init`` (its ``super-admin.conf``).
KUBEADM_USER = UserInfo("kubernetes-super-admin", (wellknown.SYSTEM_MASTERS,))
#: How long a component the teacher holds down lives when the kubelet starts its container
#: again: it exits with an error at once, as a control-plane component that cannot come up.
CRASH_SECONDS = 1.0



class KubeadmControlPlane:
    def init_kubeadm(self, node: NodeSpec | None = None, *, members: list[tuple[str, str]] | None = None) -> Kubelet:
        """``kubeadm init`` on a control-plane node (kind's ``kind-control-plane`` unless given):
        its kubelet gets the manifest directory with the control plane's static pods, the
        scheduler and controller manager run in those pods, kube-proxy in its DaemonSet's pods,
        and kubeadm's ConfigMaps, kube-proxy and CoreDNS are written through the API server
        (objects already there, as on a restarted server, are left as they are). ``members``:
        the etcd members of a highly available control plane (see :mod:`.ha`)."""
        spec = node or control_plane_node()
        self.kubeadm = True
        kubelet = self.join_control_plane(spec, members=members)
        admin = self.client(KUBEADM_USER, "kubeadm")
        for obj in kubeadm_objects("kubernetes", spec.internal_ip):
            resource, meta = RESOURCE_OF_KIND[obj["kind"]], obj["metadata"]
            try:
                admin.get(resource, meta.get("namespace", ""), meta["name"])
                continue  # a restarted server: kubeadm ran before
            except APIError as exc:
                if not is_not_found(exc):
                    raise
            admin.create(resource, obj)
        return kubelet

    def join_control_plane(self, spec: NodeSpec, *, members: list[tuple[str, str]] | None = None) -> Kubelet:
        """A control-plane node whose kubelet runs the control plane's static pods (``kubeadm
        join --control-plane`` past the first)."""
        manifests = control_plane_manifests(spec.name, spec.internal_ip, members=members)
        self.kubeadm_manifests[spec.name] = manifests
        kubelet, _ = self.add_node(spec, ManifestDirectory(files=manifests))
        return kubelet

    def hosted(self, name: str) -> bool:
        """Whether the component runs in a kube-system container (kubeadm clusters only): the
        control plane's in static pods, kube-proxy in its DaemonSet's pods; on a highly
        available cluster every replica and each node's etcd and kube-apiserver too."""
        if not self.kubeadm:
            return False
        base, slash, _ = name.partition("/")
        if slash:
            return base == KUBE_PROXY or (self.ha and base in (ETCD, KUBE_APISERVER))
        stem, _, index = base.rpartition("-")
        return base in (KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER) or \
            (self.ha and index.isdigit() and stem in (KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER))

    def _hosted_component(self, node: str, container: rt.Container) -> Component | None:
        if not self.kubeadm or container.namespace != NAMESPACE_SYSTEM:
            return None
        name = container.name
        if name == KUBE_PROXY:
            return self.components.get(f"{KUBE_PROXY}/{node}")
        if name in (KUBE_SCHEDULER, KUBE_CONTROLLER_MANAGER) or (self.ha and name in (ETCD, KUBE_APISERVER)):
            return self.components.get(self.control_plane_replica(name, node) if self.ha else name)
        return None

    def _hosting_container(self, name: str) -> tuple[str, rt.Container] | None:
        """(node, container) of the running container a hosted component runs in, if any: on its
        own node for a kube-proxy, on the control-plane nodes for the others."""
        for node in [name.split("/", 1)[1]] if "/" in name else list(self.kubeadm_manifests):
            runtime = self.kubelet(node).runtime
            for row in runtime.containers():
                c = runtime.get(row["id"])
                if c is not None and c.state == rt.RUNNING and not c.pause and \
                        getattr(self._hosted_component(node, c), "name", None) == name:
                    return node, c
        return None

    def _process_changed(self, node: str, container: rt.Container) -> None:
        """A container's process started or ended on ``node``: the component it runs follows.
        One the teacher holds down crashes a second after it starts."""
        component = self._hosted_component(node, container)
        if component is None:
            return
        if container.state == rt.RUNNING:
            if component.name in self.held_down:
                container.run_seconds, container.run_exit_code = CRASH_SECONDS, 1
            else:
                component.start()
        else:
            component.stop()

    def manifest_directory(self, node: str) -> ManifestDirectory:
        directory = self.kubelet(node).manifests
        if directory is None:
            raise SimulationError(f"node {node!r} has no static pod path (only a kubeadm control-plane node has one)")
        return directory

    def manifests(self, node: str = CONTROL_PLANE_HOST) -> dict:
        """``ls /etc/kubernetes/manifests`` with the files' content, what kubeadm wrote there and
        whether each file is as kubeadm wrote it."""
        directory = self.manifest_directory(node)
        original = self.kubeadm_manifests.get(node, {})
        files = [{"name": name, "path": directory.file_path(name), "manifest": manifest,
                  "pod": f"{(manifest.get('metadata') or {}).get('namespace') or 'default'}/"
                         f"{manifest['metadata']['name']}-{node.lower()}",
                  "kubeadm": original.get(name) == manifest}
                 for name, manifest in sorted(directory.files.items())]
        return {"node": node, "path": directory.path, "files": files,
                "removed": sorted(set(original) - set(directory.files))}

    def edit_manifest(self, node: str, name: str, *, manifest: dict | None = None, args: list[str] = ()) -> str:
        """Write a manifest file: a whole new one, or the file with its first container's
        command flags set (``--v=4`` replaces any ``--v=…``, else is added)."""
        directory = self.manifest_directory(node)
        name = _manifest_file(name)
        if manifest is None:
            manifest = directory.get(name)
            if manifest is None:
                raise SimulationError(f"{directory.file_path(name)}: no such file")
            if not args:
                raise SimulationError("say what to change: a command flag such as --v=4, or a whole manifest")
            container = ((manifest.get("spec") or {}).get("containers") or [{}])[0]
            command = list(container.get("command") or [])
            for arg in args:
                if not arg.startswith("--"):
                    raise SimulationError(f"{arg!r} is not a command flag (--name=value)")
                flag = arg.split("=", 1)[0] + "="
                at = next((i for i, a in enumerate(command) if a == arg.split("=", 1)[0] or a.startswith(flag)), None)
                if at is None:
                    command.append(arg)
                else:
                    command[at] = arg
            container["command"] = command
        try:
            directory.write(name, manifest)
        except ValueError as exc:
            raise SimulationError(str(exc)) from None
        return f"wrote {directory.file_path(name)}: the kubelet replaces the static pod (a new hash, a new mirror pod)"

    def remove_manifest(self, node: str, name: str) -> str:
        directory = self.manifest_directory(node)
        try:
            directory.remove(_manifest_file(name))
        except FileNotFoundError as exc:
            raise SimulationError(str(exc)) from None
        return f"removed {directory.file_path(_manifest_file(name))}: the kubelet stops the static pod"

    def restore_manifest(self, node: str, name: str) -> str:
        directory, name = self.manifest_directory(node), _manifest_file(name)
        original = self.kubeadm_manifests.get(node, {}).get(name)
        if original is None:
            raise SimulationError(f"kubeadm wrote no {directory.file_path(name)}")
        directory.write(name, original)
        return f"restored {directory.file_path(name)} as kubeadm wrote it"

    def change_manifest(self, op: dict) -> dict:
        """The control API's ``manifest`` operation: ``action`` edit (``args``: command flags, or
        a whole ``manifest``), remove or restore the ``file`` on ``node``; what happened in words."""
        node, name, action = op.get("node") or CONTROL_PLANE_HOST, op.get("file"), op.get("action")
        if not isinstance(name, str) or not name:
            raise SimulationError("file is required: the manifest's file name, e.g. kube-scheduler.yaml")
        if action == "edit":
            args, manifest = op.get("args") or [], op.get("manifest")
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                raise SimulationError("args must be a list of command flags, e.g. [\"--v=4\"]")
            if manifest is not None and not isinstance(manifest, dict):
                raise SimulationError("manifest must be a Pod object")
            return {"result": self.edit_manifest(node, name, manifest=manifest, args=args)}
        if action == "remove":
            return {"result": self.remove_manifest(node, name)}
        if action == "restore":
            return {"result": self.restore_manifest(node, name)}
        raise SimulationError(f"unknown manifest action {action!r}; expected {', '.join(MANIFEST_ACTIONS)}")

    def manifest_overrides(self) -> dict[str, dict[str, dict | None]]:
        """Files that differ from what kubeadm wrote (None: removed), to persist."""
        out: dict[str, dict[str, dict | None]] = {}
        for node, original in self.kubeadm_manifests.items():
            files = self.kubelet(node).manifests.files
            changed = {name: files.get(name) for name in set(original) | set(files)
                       if files.get(name) != original.get(name)}
            if changed:
                out[node] = changed
        return out

    def restore_manifests(self, overrides: dict[str, dict[str, dict | None]]) -> None:
        for node, files in overrides.items():
            if node not in self.kubeadm_manifests:
                continue
            directory = self.manifest_directory(node)
            for name, manifest in files.items():
                if manifest is None:
                    directory.files.pop(name, None)
                else:
                    directory.files[name] = manifest



def _manifest_file(name: str) -> str:
    """``kube-scheduler`` or ``kube-scheduler.yaml``: the file's name in the directory."""
    return name if name.endswith((".yaml", ".yml", ".json")) else f"{name}.yaml"


def control_plane_node() -> NodeSpec:
    """kind's control-plane node as kubeadm labels and taints it, the control plane's images
    already pulled (kubeadm's preflight pulls them)."""
    return NodeSpec(name=CONTROL_PLANE_HOST, cpu="4", memory="8Gi", pod_cidr="10.244.0.0/24",
                    taints=[{"key": LABEL_NODE_ROLE_CONTROL_PLANE, "effect": "NoSchedule"}],
                    extra_labels={LABEL_NODE_ROLE_CONTROL_PLANE: "",
                                  "node.kubernetes.io/exclude-from-external-load-balancers": ""},
                    images=[component_image(c) for c in MANIFEST_FILES.values()] + [COREDNS_IMAGE])
