"""The PersistentVolume controller (``persistentvolume-binder``), as upstream's
``pkg/controller/volume/persistentvolume/pv_controller.go``: it binds claims to volumes.

Claims and volumes are synced separately, each through the same queue (keys ``claim/NS/NAME``
and ``volume/NAME``), as upstream's ``claimQueue`` and ``volumeQueue``:

* An unbound claim with no class gets the cluster's default class (retroactive default
  StorageClass assignment, GA in 1.28). Then it is bound to the smallest Available volume that
  satisfies it (class, access modes, size, selector, volume mode) — or, when none does: its class
  binds at first consumer and no node is chosen yet → ``WaitForFirstConsumer`` "waiting for
  first consumer to be created before binding"; it has a class → the claim is annotated with the
  class's provisioner and ``ExternalProvisioning`` says who is expected to make the volume; no
  class → ``FailedBinding`` "no persistent volumes available for this claim and no storage class
  is set". It stays ``Pending``.
* Binding writes, in upstream's order: the volume's ``claimRef`` (annotated
  ``pv.kubernetes.io/bound-by-controller``), the volume's phase ``Bound``, the claim's
  ``volumeName`` (annotated ``pv.kubernetes.io/bind-completed``), the claim's phase ``Bound``
  with the volume's capacity and access modes.
* A volume whose claim is gone is ``Released``; with reclaim policy ``Retain`` it stays so (an
  administrator decides), a dynamically provisioned one with ``Delete`` is left to its
  provisioner. A bound claim whose volume is gone is ``Lost`` (``ClaimLost``).
* Events come from ``persistentvolume-controller``.

Every phase change stamps ``lastPhaseTransitionTime`` on the volume, as the API server does.
"""
from __future__ import annotations

from simulation.apimachinery.keys import split_key
from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIError, is_not_found
from simulation.client.events import NORMAL, WARNING

from ..base import Controller
from simulation.apimachinery.volumes import (ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE,
                   ANN_STORAGE_PROVISIONER, annotations_of, claim_class, default_class, find_matching_volume,
                   is_bound_to, is_delay_binding)

CLAIM, VOLUME = "claim/", "volume/"
EXTERNAL_PROVISIONING_MESSAGE = ("Waiting for a volume to be created either by the external provisioner '{}' or "
                                 "manually by the system administrator. If volume creation is delayed, please verify "
                                 "that the provisioner is running and correctly registered.")


class PersistentVolumeController(Controller):
    name = "persistentvolume-binder"
    event_source = "persistentvolume-controller"

    def setup(self) -> None:
        self.volumes = self.manager.informer("persistentvolumes")
        self.claims = self.manager.informer("persistentvolumeclaims")
        self.classes = self.manager.informer("storageclasses")
        self.volumes.add_event_handler(self._volume_changed, lambda old, new: self._volume_changed(new),
                                       self._volume_changed)
        self.claims.add_event_handler(self._claim_changed, lambda old, new: self._claim_changed(new),
                                      self._claim_deleted)
        # A new default class may let class-less claims go on.
        self.classes.add_event_handler(lambda sc: self._all_pending_claims())

    # ----------------------------------------------------------------- event handlers
    def _claim_changed(self, claim: dict) -> None:
        meta = claim["metadata"]
        self.queue.add(f"{CLAIM}{meta.get('namespace', '')}/{meta['name']}")

    def _claim_deleted(self, claim: dict) -> None:
        volume = (claim.get("spec") or {}).get("volumeName")
        if volume:
            self.queue.add(VOLUME + volume)

    def _volume_changed(self, pv: dict) -> None:
        self.queue.add(VOLUME + pv["metadata"]["name"])
        ref = (pv.get("spec") or {}).get("claimRef")
        if ref:  # the claim it is (pre-)bound to may now bind
            self.queue.add(f"{CLAIM}{ref.get('namespace', '')}/{ref.get('name', '')}")

    def _all_pending_claims(self) -> None:
        for claim in self.claims.lister.list():
            if (claim.get("status") or {}).get("phase") == "Pending":
                self._claim_changed(claim)

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str | None:
        if key.startswith(VOLUME):
            return self._sync_volume(key[len(VOLUME):])
        namespace, name = split_key(key[len(CLAIM):])
        claim = self.claims.lister.get(namespace, name)
        if claim is None:
            return None
        if annotations_of(claim).get(ANN_BIND_COMPLETED) != "yes":
            return self._sync_unbound_claim(claim)
        return self._sync_bound_claim(claim)

    def _class_map(self) -> dict[str, dict]:
        return {sc["metadata"]["name"]: sc for sc in self.classes.lister.list()}

    def _sync_unbound_claim(self, claim: dict) -> str | None:
        name = claim["metadata"]["name"]
        spec = claim.get("spec") or {}
        if claim_class(claim) is None:
            default = default_class(self.classes.lister.list())
            if default is not None:
                updated = self.copy(claim)
                updated["spec"]["storageClassName"] = default["metadata"]["name"]
                self.client.update("persistentvolumeclaims", updated)
                return (f"The PersistentVolume controller gives claim {name} the default StorageClass "
                        f"{default['metadata']['name']}")
        volumes = self.volumes.lister.list()
        if spec.get("volumeName"):
            pv = self.volumes.lister.get("", spec["volumeName"])
            if pv is None:
                return None  # pre-bound to a volume that does not exist (yet): it waits, Pending
            ref = (pv.get("spec") or {}).get("claimRef")
            if ref and not is_bound_to(pv, claim):
                self.recorder.event(claim, WARNING, "FailedBinding",
                                    f'volume "{pv["metadata"]["name"]}" already bound to a different claim.')
                return f"The PersistentVolume controller cannot bind claim {name}: its volume is bound elsewhere"
            return self._bind(pv, claim)
        classes = self._class_map()
        delay = is_delay_binding(claim, classes)
        pv = find_matching_volume(claim, volumes, delay_binding=delay)
        if pv is not None:
            return self._bind(pv, claim)
        class_name = claim_class(claim) or ""
        if delay and not annotations_of(claim).get(ANN_SELECTED_NODE):
            self.recorder.event(claim, NORMAL, "WaitForFirstConsumer",
                                "waiting for first consumer to be created before binding")
            return (f"The PersistentVolume controller sees claim {name} of class {class_name} binds at first "
                    "consumer: it waits for a pod using it to be scheduled")
        if class_name:
            sc = classes.get(class_name)
            if sc is None:
                self.recorder.event(claim, WARNING, "ProvisioningFailed",
                                    f'storageclass.storage.k8s.io "{class_name}" not found')
                return f"The PersistentVolume controller finds no StorageClass {class_name} for claim {name}"
            provisioner = sc.get("provisioner", "")
            annotations = annotations_of(claim)
            if annotations.get(ANN_STORAGE_PROVISIONER) != provisioner:
                updated = self.copy(claim)
                updated["metadata"].setdefault("annotations", {}).update(
                    {ANN_STORAGE_PROVISIONER: provisioner, ANN_BETA_STORAGE_PROVISIONER: provisioner})
                self.client.update("persistentvolumeclaims", updated)
            self.recorder.event(claim, NORMAL, "ExternalProvisioning", EXTERNAL_PROVISIONING_MESSAGE.format(provisioner))
            return (f"The PersistentVolume controller finds no volume for claim {name}: it asks provisioner "
                    f"{provisioner} for one")
        self.recorder.event(claim, NORMAL, "FailedBinding",
                            "no persistent volumes available for this claim and no storage class is set")
        return f"The PersistentVolume controller finds no volume for claim {name}, and it has no class: Pending"

    def _sync_bound_claim(self, claim: dict) -> str | None:
        name = claim["metadata"]["name"]
        volume_name = (claim.get("spec") or {}).get("volumeName", "")
        pv = self.volumes.lister.get("", volume_name) if volume_name else None
        if pv is None:
            if (claim.get("status") or {}).get("phase") != "Lost":
                self._claim_status(claim, "Lost", None)
                self.recorder.event(claim, WARNING, "ClaimLost",
                                    "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
                return f"The PersistentVolume controller sees claim {name} lost its volume {volume_name}: Lost"
            return None
        if not is_bound_to(pv, claim) or (claim.get("status") or {}).get("phase") != "Bound":
            return self._bind(pv, claim)
        return None

    def _sync_volume(self, name: str) -> str | None:
        pv = self.volumes.lister.get("", name)
        if pv is None:
            return None
        ref = (pv.get("spec") or {}).get("claimRef")
        phase = (pv.get("status") or {}).get("phase")
        if not ref or not ref.get("uid"):
            if phase != "Available":
                self._volume_status(pv, "Available")
                # Upstream finds it on its next periodic resync of the claims; this says so at once.
                self._all_pending_claims()
                return f"The PersistentVolume controller marks volume {name} Available"
            return None
        claim = self.claims.lister.get(ref.get("namespace", ""), ref.get("name", ""))
        if claim is None or claim["metadata"].get("uid") != ref.get("uid"):
            if phase not in ("Released", "Failed"):
                self._volume_status(pv, "Released")
                policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy", "Retain")
                return (f"The PersistentVolume controller sees volume {name}'s claim {ref.get('name')} is gone: the "
                        f"volume is Released (reclaim policy {policy})")
            return None
        if (claim.get("spec") or {}).get("volumeName") == name and phase != "Bound":
            self._volume_status(pv, "Bound")
            return f"The PersistentVolume controller marks volume {name} Bound to claim {ref.get('name')}"
        return None

    # ----------------------------------------------------------------- writes
    def _bind(self, pv: dict, claim: dict) -> str:
        """``bind``: volume → claimRef, volume phase, claim → volumeName, claim phase."""
        meta = claim["metadata"]
        if not is_bound_to(pv, claim) or not (pv["spec"].get("claimRef") or {}).get("uid"):
            updated = self.copy(pv)
            if not updated["spec"].get("claimRef"):
                updated["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
            updated["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": meta.get("namespace", ""),
                                           "name": meta["name"], "uid": meta.get("uid", ""), "apiVersion": "v1",
                                           "resourceVersion": meta.get("resourceVersion", "")}
            pv = self.client.update("persistentvolumes", updated)
        if (pv.get("status") or {}).get("phase") != "Bound":
            pv = self._volume_status(pv, "Bound")
        volume_name = pv["metadata"]["name"]
        annotations = annotations_of(claim)
        if (claim.get("spec") or {}).get("volumeName") != volume_name or annotations.get(ANN_BIND_COMPLETED) != "yes":
            updated = self.copy(claim)
            new_annotations = updated["metadata"].setdefault("annotations", {})
            if (claim.get("spec") or {}).get("volumeName") != volume_name:
                new_annotations[ANN_BOUND_BY_CONTROLLER] = "yes"
            new_annotations[ANN_BIND_COMPLETED] = "yes"
            updated["spec"]["volumeName"] = volume_name
            claim = self.client.update("persistentvolumeclaims", updated)
        self._claim_status(claim, "Bound", pv)
        return f"The PersistentVolume controller binds claim {meta['name']} to volume {volume_name}"

    def _volume_status(self, pv: dict, phase: str) -> dict:
        updated = self.copy(pv)
        updated["status"] = {"phase": phase, "lastPhaseTransitionTime": rfc3339(self.kernel.wall_time())}
        return self.client.update_status("persistentvolumes", updated)

    def _claim_status(self, claim: dict, phase: str, pv: dict | None) -> None:
        updated = self.copy(claim)
        status = {"phase": phase}
        if pv is not None:
            status["accessModes"] = list((pv.get("spec") or {}).get("accessModes") or [])
            status["capacity"] = dict((pv.get("spec") or {}).get("capacity") or {})
        if (claim.get("status") or {}) == status:
            return
        updated["status"] = status
        try:
            self.client.update_status("persistentvolumeclaims", updated)
        except APIError as exc:
            if not is_not_found(exc):
                raise
