"""A simulated external provisioner: ``rancher.io/local-path``, the one kind clusters ship as their
default ``standard`` StorageClass (sig-storage-lib-external-provisioner's ``ProvisionController``
running rancher's local-path-provisioner).

Upstream it runs as a pod in ``local-path-storage``; here the controller manager hosts it, and
it talks to the API server like everyone else. What it does, as upstream:

* It takes the claims the binder annotated with ``volume.kubernetes.io/storage-provisioner:
  rancher.io/local-path`` that have no volume yet. Its class binds at first consumer, so it
  waits for the scheduler's ``volume.kubernetes.io/selected-node`` annotation: a local volume
  lives on one node, and the pod's node is the one to pick.
* It records ``Provisioning`` "External provisioner is provisioning volume for claim
  \"NS/NAME\"", creates the PersistentVolume ``pvc-<claim uid>`` — a ``hostPath`` under
  ``/opt/local-path-provisioner`` with node affinity to the selected node, already pre-bound to
  the claim (``claimRef`` with its uid), the class's reclaim policy, annotated
  ``pv.kubernetes.io/provisioned-by`` — and records ``ProvisioningSucceeded`` "Successfully
  provisioned volume pvc-…". The binder then binds the two.
* A volume it provisioned that is ``Released`` with reclaim policy ``Delete`` is deleted.

Its Events' source is upstream's identity, ``rancher.io/local-path_<host>_<uuid>``.
"""
from __future__ import annotations

import uuid

from simulation.apimachinery.corev1 import LABEL_HOSTNAME
from simulation.apimachinery.wellknown import LOCAL_PATH_PROVISIONER
from simulation.client.apiclient import APIError, is_already_exists, is_not_found
from simulation.client.events import NORMAL, EventRecorder

from ..base import Controller
from simulation.apimachinery.volumes import ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, annotations_of, claim_class

PROVISIONER = LOCAL_PATH_PROVISIONER
#: The provisioner's pod, which names it in its Events.
PROVISIONER_HOST = "local-path-provisioner"
BASE_PATH = "/opt/local-path-provisioner"
CLAIM, VOLUME = "claim/", "volume/"


class LocalPathProvisioner(Controller):
    name = "local-path-provisioner"

    def setup(self) -> None:
        identity = uuid.UUID(int=self.kernel.rng.getrandbits(128), version=4)
        self.recorder = EventRecorder(self.kernel, self.client, f"{PROVISIONER}_{PROVISIONER_HOST}_{identity}")
        self.claims = self.manager.informer("persistentvolumeclaims")
        self.volumes = self.manager.informer("persistentvolumes")
        self.classes = self.manager.informer("storageclasses")
        self.claims.add_event_handler(self._claim, lambda old, new: self._claim(new))
        self.volumes.add_event_handler(self._volume, lambda old, new: self._volume(new))

    def _claim(self, claim: dict) -> None:
        if annotations_of(claim).get(ANN_STORAGE_PROVISIONER) == PROVISIONER:
            meta = claim["metadata"]
            self.queue.add(f"{CLAIM}{meta.get('namespace', '')}/{meta['name']}")

    def _volume(self, pv: dict) -> None:
        if annotations_of(pv).get(ANN_DYNAMICALLY_PROVISIONED) == PROVISIONER:
            self.queue.add(VOLUME + pv["metadata"]["name"])

    def sync_handler(self, key: str) -> str | None:
        if key.startswith(VOLUME):
            return self._maybe_delete(key[len(VOLUME):])
        namespace, _, name = key[len(CLAIM):].partition("/")
        claim = self.claims.lister.get(namespace, name)
        if claim is None or (claim.get("spec") or {}).get("volumeName") or claim["metadata"].get("deletionTimestamp"):
            return None
        sc = self.classes.lister.get("", claim_class(claim) or "")
        if sc is None or sc.get("provisioner") != PROVISIONER:
            return None
        node = annotations_of(claim).get(ANN_SELECTED_NODE)
        if not node:
            return None  # a local volume needs the pod's node first
        volume_name = f"pvc-{claim['metadata']['uid']}"
        if self.volumes.lister.get("", volume_name) is not None:
            return None
        ref = f"{namespace}/{name}"
        self.recorder.event(claim, NORMAL, "Provisioning", f'External provisioner is provisioning volume for claim "{ref}"')
        try:
            self.client.create("persistentvolumes", self._volume_for(claim, sc, volume_name, node))
        except APIError as exc:
            if not is_already_exists(exc):
                self.recorder.event(claim, "Warning", "ProvisioningFailed",
                                    f"failed to provision volume with StorageClass \"{sc['metadata']['name']}\": {exc}")
                raise
        self.recorder.event(claim, NORMAL, "ProvisioningSucceeded", f"Successfully provisioned volume {volume_name}")
        return f"The local-path provisioner creates volume {volume_name} on {node} for claim {name}"

    @staticmethod
    def _volume_for(claim: dict, sc: dict, volume_name: str, node: str) -> dict:
        meta, spec = claim["metadata"], claim.get("spec") or {}
        path = f"{BASE_PATH}/{volume_name}_{meta.get('namespace', '')}_{meta['name']}"
        return {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": volume_name, "annotations": {ANN_DYNAMICALLY_PROVISIONED: PROVISIONER,
                                                              "local.path.provisioner/selected-node": node}},
            "spec": {
                "accessModes": list(spec.get("accessModes") or []),
                "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {}).get("storage", "0")},
                "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": meta.get("namespace", ""),
                             "name": meta["name"], "uid": meta.get("uid", ""),
                             "resourceVersion": meta.get("resourceVersion", "")},
                "hostPath": {"path": path, "type": "DirectoryOrCreate"},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": LABEL_HOSTNAME, "operator": "In", "values": [node]}]}]}},
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode") or "Filesystem",
            },
        }

    def _maybe_delete(self, name: str) -> str | None:
        pv = self.volumes.lister.get("", name)
        if pv is None or (pv.get("status") or {}).get("phase") != "Released":
            return None
        if (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") != "Delete":
            return None
        try:
            self.client.delete("persistentvolumes", "", name)
        except APIError as exc:
            if not is_not_found(exc):
                raise
        return f"The local-path provisioner deletes released volume {name} and its directory"
