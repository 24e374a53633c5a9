"""The kubelet's static pods: its file source (upstream's ``pkg/kubelet/config/file.go`` and
``common.go``) and its mirror client (``pkg/kubelet/pod/mirror_client.go``).

Promises:

* A node may have a manifest directory (:class:`ManifestDirectory`, kubeadm's
  ``/etc/kubernetes/manifests``): each file holds one Pod. The kubelet runs each as a *static
  pod*, without the API server: its UID is a hash of the file's content, the node and the path
  (``applyDefaults``), its name ``<name>-<node>``, and it tolerates every ``NoExecute`` taint.
  A change to the directory reaches the kubelet at once (upstream watches it with inotify).
* For every static pod the kubelet keeps a *mirror pod* in the API server, so ``kubectl`` sees
  it: the same pod with ``kubernetes.io/config.mirror`` set to the hash, owned by the Node. A
  mirror pod whose hash is stale (the manifest was edited), that is being deleted (``kubectl
  delete pod``) or that mirrors nothing (the manifest was removed) is deleted with grace period
  0; a missing one is created again. Deleting a mirror pod never stops the static pod.
* Editing a manifest is a new static pod (a new hash, a new UID): the old one's containers are
  stopped and the new one starts from scratch (restart count 0, a new mirror pod). Removing the
  file stops the pod and deletes its mirror pod.
* The pod's status goes to its mirror pod (``pods/status`` by name); with no mirror pod yet,
  the next post after the mirror is created carries it.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable

from simulation.apimachinery import wellknown
from simulation.apimachinery.timestamps import rfc3339_micro
from simulation.apiserver.defaults import default_pod_spec
from simulation.apiserver.validation.pod import validate_pod_create
from simulation.client.apiclient import APIError, is_already_exists, is_conflict, is_not_found
from simulation.client.events import NORMAL
from simulation.kernel import Timer

from . import events
from . import runtime as rt
from .pod_workers import SYNC_SECONDS, PodWorker

#: ``kubetypes.FileSource``: the value of ``kubernetes.io/config.source`` for the manifest directory.
FILE_SOURCE = "file"
#: How soon a kubelet whose Node is not registered yet tries the mirror pod again.
MIRROR_RETRY_SECONDS = 1.0
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

_FNV128_OFFSET = 0x6C62272E07BB014262B821756295C58D
_FNV128_PRIME = 0x0000000001000000000000000000013B


def fnv128a(data: bytes) -> str:
    """``fnv.New128a`` in hex, the hash upstream's file source names a static pod's UID with."""
    h = _FNV128_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV128_PRIME) % (1 << 128)
    return format(h, "032x")


class ManifestDirectory:
    """A node's static pod path: file name → the Pod it holds. Writing or removing a file tells
    ``on_change`` (the kubelet's watch on the directory)."""

    def __init__(self, path: str = wellknown.KUBEADM_MANIFESTS_DIR, files: dict[str, dict] | None = None) -> None:
        self.path = path
        self.files: dict[str, dict] = {name: copy.deepcopy(m) for name, m in (files or {}).items()}
        self.on_change: Callable[[], None] = lambda: None

    def file_path(self, name: str) -> str:
        return f"{self.path}/{name}"

    def write(self, name: str, manifest: dict) -> None:
        if not _FILE_NAME.match(name or ""):
            raise ValueError(f"invalid file name {name!r}")
        if not isinstance(manifest, dict) or manifest.get("kind") != "Pod":
            raise ValueError(f"{self.file_path(name)}: a static pod manifest must be a Pod (kind: Pod)")
        if not ((manifest.get("metadata") or {}).get("name")):
            raise ValueError(f"{self.file_path(name)}: metadata.name is required")
        self.files[name] = copy.deepcopy(manifest)
        self.on_change()

    def remove(self, name: str) -> dict:
        try:
            manifest = self.files.pop(name)
        except KeyError:
            raise FileNotFoundError(f"{self.file_path(name)}: no such file") from None
        self.on_change()
        return manifest

    def get(self, name: str) -> dict | None:
        return copy.deepcopy(self.files.get(name))


def static_pod(manifest: dict, *, node: str, path: str, seen: str) -> dict:
    """The pod a manifest file is to the kubelet (upstream's ``applyDefaults``): UID = hash of
    the manifest, the host and the file; name ``<name>-<node>``; bound to this node; the config
    annotations; every NoExecute taint tolerated, so a node problem never evicts it."""
    pod = copy.deepcopy(manifest)
    meta = pod.setdefault("metadata", {})
    meta.pop("creationTimestamp", None)
    uid = fnv128a(json.dumps(manifest, sort_keys=True).encode() + f"host:{node}file:{path}".encode())
    meta["uid"] = uid
    meta["name"] = f"{meta['name']}-{node.lower()}"
    meta["namespace"] = meta.get("namespace") or wellknown.NAMESPACE_DEFAULT
    annotations = meta.setdefault("annotations", {})
    annotations[wellknown.CONFIG_HASH_ANNOTATION] = uid
    annotations[wellknown.CONFIG_SEEN_ANNOTATION] = seen
    annotations[wellknown.CONFIG_SOURCE_ANNOTATION] = FILE_SOURCE
    spec = pod.setdefault("spec", {})
    spec["nodeName"] = node
    tolerations = spec.setdefault("tolerations", [])
    if {"operator": "Exists", "effect": "NoExecute"} not in tolerations:
        tolerations.append({"operator": "Exists", "effect": "NoExecute"})
    pod["status"] = {"phase": "Pending"}
    return pod


def is_mirror_pod(pod: dict) -> bool:
    return wellknown.CONFIG_MIRROR_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {})


def mirror_pod(static: dict, *, node: str, node_uid: str) -> dict:
    """``CreateMirrorPod``: the static pod with the mirror annotation, owned by the Node."""
    meta = static["metadata"]
    annotations = dict(meta.get("annotations") or {})
    annotations[wellknown.CONFIG_MIRROR_ANNOTATION] = annotations[wellknown.CONFIG_HASH_ANNOTATION]
    body = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "annotations": annotations,
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": node_uid,
                                              "controller": True}]},
            "spec": copy.deepcopy(static.get("spec") or {})}
    if meta.get("labels"):
        body["metadata"]["labels"] = dict(meta["labels"])
    return body


class StaticPodSource:
    """The Kubelet's file source and mirror client.

    Part of :class:`~.kubelet.Kubelet`: it uses the Kubelet's ``kernel``, ``name``, ``node``,
    ``client``, ``runtime``, ``workers``, ``node_status``, its pods informer (``pods_informer``)
    and its pod workers. ``manifests`` is None on a node without a static pod path.
    """

    manifests: ManifestDirectory | None
    #: The pending read of the directory / orphan sweep, so a burst of changes is one step.
    _file_source_timer: Timer | None = None
    _orphans_timer: Timer | None = None
    #: The directory has been read since the kubelet started: a mirror pod with no static pod
    #: is an orphan only then.
    _manifests_read: bool = False

    def _watch_manifests(self) -> None:
        """At start, and on every change of the directory: read it on the next step."""
        if self.manifests is None:
            return
        self.manifests.on_change = self._manifests_changed
        self._manifests_changed()

    def _manifests_changed(self) -> None:
        if self.running and self._file_source_timer is None:
            self._file_source_timer = self.kernel.schedule(SYNC_SECONDS, self._read_manifests, component=self.name,
                                                           action="file-source")

    def _desired_static_pods(self) -> tuple[dict[str, tuple[str, dict]], list[str]]:
        """The pods the directory's files are, defaulted as the file source decodes them, and
        what is wrong with the files it cannot run (upstream validates each and skips it)."""
        seen = rfc3339_micro(self.kernel.wall_time())
        out, invalid = {}, []
        for name, manifest in sorted((self.manifests.files if self.manifests else {}).items()):
            pod = static_pod(manifest, node=self.node, path=self.manifests.file_path(name), seen=seen)
            default_pod_spec(pod["spec"])
            problems = validate_pod_create(pod)
            if problems:
                invalid.append(f"{self.manifests.file_path(name)} is not a valid pod, skipped: " +
                               "; ".join(f"{p['field']}: {p['message']}" for p in problems))
                continue
            out[pod["metadata"]["uid"]] = (name, pod)
        return out, invalid

    def _read_manifests(self) -> dict:
        """The file source's update: stop the static pods whose file is gone or changed, start
        the new ones (each gets a pod worker, which creates its mirror pod)."""
        self._file_source_timer = None
        self._manifests_read = True
        desired, said = self._desired_static_pods()
        current = {uid: w for uid, w in self.workers.items() if w.static}
        wanted_names = {pod["metadata"]["name"] for _, pod in desired.values()}
        for uid, w in current.items():
            if uid not in desired:
                said.append(self._stop_static_pod(w, delete_mirror=w.name not in wanted_names))
        for uid, (file_name, pod) in desired.items():
            if uid in current:
                continue
            w = self.workers[uid] = PodWorker(uid, pod, static=True)
            self._wake(w, SYNC_SECONDS)
            said.append(f"runs {self.manifests.file_path(file_name)} as static pod {w.key}")
        if not said:
            return {"housekeeping": True}
        return {"caption": f"kubelet on {self.node} reads {self.manifests.path}: " + "; ".join(said),
                "extra": {"node": self.node}}

    def _stop_static_pod(self, w: PodWorker, *, delete_mirror: bool) -> str:
        """A static pod whose manifest is gone: its containers stop at once, it is forgotten, and
        (unless a new manifest of the same name replaces it) its mirror pod is deleted."""
        for c in self.runtime.containers_of(w.uid):
            if c.state == rt.RUNNING:
                self._event(w, NORMAL, events.KILLING_CONTAINER, f"Stopping container {c.name}", {"name": c.name})
        self.runtime.remove_pod(w.uid)
        self._forget(w)
        if delete_mirror:
            mirror = self.pods_informer.lister.get(w.namespace, w.name) if self.pods_informer else None
            if mirror is not None and is_mirror_pod(mirror):
                self._delete_mirror_pod(mirror)
            return f"stops static pod {w.key} (its manifest is gone) and deletes its mirror pod"
        return f"stops static pod {w.key} (uid {w.uid[:8]}…, its manifest changed)"

    def _delete_mirror_pod(self, mirror: dict) -> bool:
        meta = mirror["metadata"]
        try:
            self.client.delete("pods", meta["namespace"], meta["name"], grace_period_seconds=0,
                               preconditions={"uid": meta["uid"]})
        except APIError as exc:
            return is_not_found(exc) or is_conflict(exc)
        return True

    # ----------------------------------------------------------------- the mirror pod
    def _sync_mirror_pod(self, w: PodWorker) -> str | None:
        """Upstream's ``SyncPod`` for a static pod, before it runs the containers: delete a mirror
        pod that is stale or being deleted, then create a missing one (the Node must exist, it
        owns the mirror pod)."""
        mirror = self.pods_informer.lister.get(w.namespace, w.name) if self.pods_informer else None
        if mirror is not None and not is_mirror_pod(mirror):
            return None  # a pod of that name that no kubelet mirrors: upstream leaves it too
        if mirror is not None and mirror["metadata"]["uid"] in w.deleted_mirrors:
            mirror = None
        if mirror is None and w.mirror_uid:
            return None  # created, not in the cache yet
        if mirror is not None:
            meta = mirror["metadata"]
            stale = (meta.get("annotations") or {}).get(wellknown.CONFIG_MIRROR_ANNOTATION) != w.uid
            if not stale and not meta.get("deletionTimestamp"):
                return None
            w.deleted_mirrors.add(meta["uid"])
            if meta["uid"] == w.mirror_uid:
                w.mirror_uid = ""
            self._delete_mirror_pod(mirror)
            self._wake(w, SYNC_SECONDS)
            why = "is being deleted" if meta.get("deletionTimestamp") else "mirrors an older manifest"
            return (f"kubelet on {self.node}: mirror pod {w.key} (uid {meta['uid']}) {why}; it deletes it "
                    "(grace period 0) to create it again")
        if not self.node_status.node_uid:
            self._wake(w, MIRROR_RETRY_SECONDS)
            return None
        try:
            created = self.client.create("pods", mirror_pod(w.pod, node=self.node, node_uid=self.node_status.node_uid))
        except APIError as exc:
            self._wake(w, MIRROR_RETRY_SECONDS)
            if is_already_exists(exc):
                return None  # an older one the informer has not shown gone yet: try again
            return f"kubelet on {self.node} failed creating a mirror pod for {w.key}: {exc}"
        w.mirror_uid = created["metadata"]["uid"]
        w.pod = {**w.pod, "status": {}}  # the new mirror pod has no status yet: post it
        self._wake(w, SYNC_SECONDS)
        return (f"kubelet on {self.node} creates mirror pod {w.key} (uid {created['metadata']['uid']}) in the API "
                f"server for its static pod, so kubectl can see it")

    def _mirror_pod_event(self, pod: dict, removed: bool = False) -> None:
        """A mirror pod on this node changed: its static pod's worker checks it when it is gone,
        stale or being deleted (its own status posts need nothing); a mirror pod of no static
        pod is deleted (``deleteOrphanedMirrorPods``)."""
        meta = pod["metadata"]
        for w in self.workers.values():
            if w.static and w.namespace == meta.get("namespace") and w.name == meta["name"]:
                if removed and meta["uid"] == w.mirror_uid:
                    w.mirror_uid = ""
                current = (meta.get("annotations") or {}).get(wellknown.CONFIG_MIRROR_ANNOTATION) == w.uid
                if removed or not current or meta.get("deletionTimestamp"):
                    self._wake(w, SYNC_SECONDS)
                return
        self._sweep_orphans(SYNC_SECONDS)

    def _sweep_orphans(self, delay: float) -> None:
        if self.running and self._orphans_timer is None:
            self._orphans_timer = self.kernel.schedule(delay, self._delete_orphaned_mirror_pods, component=self.name,
                                                       action="orphaned-mirror-pods")

    def _delete_orphaned_mirror_pods(self) -> dict:
        self._orphans_timer = None
        if self.manifests is not None and not self._manifests_read:
            self._sweep_orphans(MIRROR_RETRY_SECONDS)
            return {"housekeeping": True}
        static_names = {(w.namespace, w.name) for w in self.workers.values() if w.static}
        gone = []
        for pod in self.pods_informer.lister.list() if self.pods_informer else []:
            meta = pod["metadata"]
            if is_mirror_pod(pod) and (meta.get("namespace"), meta["name"]) not in static_names \
                    and not meta.get("deletionTimestamp") and self._delete_mirror_pod(pod):
                gone.append(f"{meta['namespace']}/{meta['name']}")
        if not gone:
            return {"housekeeping": True}
        return {"caption": f"kubelet on {self.node} deletes orphaned mirror pod(s) {', '.join(gone)}: no static pod "
                           "of that name runs here", "extra": {"node": self.node}}
