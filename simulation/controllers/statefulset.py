"""The StatefulSet controller, as upstream's ``pkg/controller/statefulset`` (``stateful_set.go``,
``stateful_set_control.go``, ``stateful_pod_control.go``, ``stateful_set_utils.go``).

Promises, as upstream:

* **Stable identity.** Replica ``i`` is the pod ``<set>-<i>`` (from ``spec.ordinals.start``), with
  ``hostname`` its own name and ``subdomain`` the set's ``serviceName`` (the headless Service
  gives it DNS), labels ``statefulset.kubernetes.io/pod-name``, ``apps.kubernetes.io/pod-index``
  and ``controller-revision-hash``.
* **Stable storage.** Each ``volumeClaimTemplates`` entry ``T`` becomes the claim ``T-<set>-<i>``,
  created before the pod and never deleted with it (``whenDeleted: Delete`` makes the set its
  owner, so the garbage collector removes it with the set); the pod mounts it as volume ``T``.
* **Order** (``podManagementPolicy: OrderedReady``): ``web-0`` is created first and ``web-1`` only
  once ``web-0`` is Running and Ready; scale-down deletes the highest ordinal first, one at a time,
  each only after the previous one is gone. ``Parallel`` creates and deletes without waiting.
* **Rolling update by ordinal.** The template's revision is a ControllerRevision
  ``<set>-<hash>``; with ``RollingUpdate`` the pods of ordinal ≥ ``partition`` whose revision
  differs are deleted from the highest ordinal down, one at a time once all are ready, and come
  back at the new revision. ``OnDelete`` waits for the user to delete them.
* A failed or succeeded pod is deleted and recreated under the same name.
* Events on the set, from ``statefulset-controller``: ``SuccessfulCreate`` "create Claim
  www-web-0 Pod web-0 in StatefulSet web success" and "create Pod web-0 in StatefulSet web
  successful", ``SuccessfulDelete`` "delete Pod web-1 in StatefulSet web successful", and
  ``FailedCreate`` / ``FailedDelete`` "… failed error: …".

Differences from upstream: orphan pods and revisions are not adopted; ``maxUnavailable`` is
not read (a beta feature, off by default); ``whenScaled: Delete`` is not applied.
"""
from __future__ import annotations

import json
import re

from simulation.apimachinery.keys import split_key
from simulation.client.apiclient import APIError, is_already_exists, is_not_found
from simulation.client.events import NORMAL, WARNING

from .base import Controller
from .controller_utils import being_deleted, compute_hash, controller_ref_of, is_pod_ready, new_controller_ref

KIND, API_VERSION = "StatefulSet", "apps/v1"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"


def ordinal_of(set_name: str, pod: dict) -> int | None:
    match = re.fullmatch(re.escape(set_name) + r"-(\d+)", pod["metadata"]["name"])
    return int(match.group(1)) if match else None


def is_healthy(pod: dict) -> bool:
    """``isRunningAndReady`` and not terminating."""
    return ((pod.get("status") or {}).get("phase") == "Running" and is_pod_ready(pod)
            and not being_deleted(pod))


def is_finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


def claim_name(template: dict, set_name: str, ordinal: int) -> str:
    return f"{template['metadata']['name']}-{set_name}-{ordinal}"


class StatefulSetController(Controller):
    name = "statefulset"
    event_source = "statefulset-controller"

    def setup(self) -> None:
        self.sets = self.manager.informer("statefulsets")
        self.pods = self.manager.informer("pods")
        self.revisions = self.manager.informer("controllerrevisions")
        self.claims = self.manager.informer("persistentvolumeclaims")
        self.sets.add_event_handler(self.enqueue, lambda old, new: self.enqueue(new), self.enqueue)
        self.pods.add_event_handler(self._pod, lambda old, new: self._pod(new), self._pod)

    def _pod(self, pod: dict) -> None:
        ref = controller_ref_of(pod)
        if ref and ref.get("kind") == KIND:
            self.queue.add(f"{pod['metadata'].get('namespace', '')}/{ref.get('name', '')}")

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str | None:
        namespace, name = split_key(key)
        sts = self.sets.lister.get(namespace, name)
        if sts is None or being_deleted(sts):
            return None
        uid = sts["metadata"]["uid"]
        pods = [p for p in self.pods.lister.list(namespace)
                if (controller_ref_of(p) or {}).get("uid") == uid and ordinal_of(name, p) is not None]
        update_revision, current_revision = self._revisions(sts)
        done = self._update_set(sts, pods, update_revision)
        self._update_status(sts, update_revision, current_revision)
        return f"The StatefulSet controller {done}" if done else None

    def _update_set(self, sts: dict, pods: list[dict], update_revision: str) -> str:
        spec = sts.get("spec") or {}
        name = sts["metadata"]["name"]
        start = (spec.get("ordinals") or {}).get("start", 0)
        wanted = spec.get("replicas", 1)
        monotonic = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        by_ordinal = {ordinal_of(name, p): p for p in pods}
        said: list[str] = []
        # Replicas in order: recreate finished pods, create missing ones, wait on unhealthy ones.
        for ordinal in range(start, start + wanted):
            pod = by_ordinal.get(ordinal)
            if pod is not None and is_finished(pod) and not being_deleted(pod):
                self._delete_pod(sts, pod)
                return f"deletes {pod['metadata']['name']} of StatefulSet {name}: it {pod['status']['phase'].lower()}"
            if pod is None:
                created = self._create_pod(sts, ordinal, update_revision)
                if created:
                    said.append(created)
                if monotonic:
                    return "; ".join(said) if said else ""
                continue
            if monotonic and not is_healthy(pod):
                text = f"waits for {pod['metadata']['name']} to be Running and Ready before going on"
                return "; ".join(said + [text]) if said else ""
        # Condemned pods, highest ordinal first.
        condemned = sorted((o for o in by_ordinal if not start <= o < start + wanted), reverse=True)
        for ordinal in condemned:
            pod = by_ordinal[ordinal]
            if being_deleted(pod):
                if monotonic:
                    return "; ".join(said) if said else ""
                continue
            if monotonic and any(not is_healthy(by_ordinal[o]) for o in by_ordinal if o != ordinal):
                return "; ".join(said) if said else ""
            self._delete_pod(sts, pod)
            said.append(f"scales StatefulSet {name} down: deletes {pod['metadata']['name']}, the highest ordinal")
            if monotonic:
                return "; ".join(said)
        if said:
            return "; ".join(said)
        # Rolling update, highest ordinal first, down to the partition.
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return ""
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        for ordinal in range(start + wanted - 1, start + partition - 1, -1):
            pod = by_ordinal.get(ordinal)
            if pod is None or being_deleted(pod) or not is_healthy(pod):
                return ""
            if ((pod["metadata"].get("labels") or {}).get(REVISION_LABEL)) != update_revision:
                self._delete_pod(sts, pod)
                return (f"rolls StatefulSet {name} out by ordinal: deletes {pod['metadata']['name']} to recreate it "
                        f"at revision {update_revision}")
        return ""

    # ----------------------------------------------------------------- pods and claims
    def _create_pod(self, sts: dict, ordinal: int, revision: str) -> str:
        spec, meta = sts.get("spec") or {}, sts["metadata"]
        namespace, set_name = meta.get("namespace", ""), meta["name"]
        pod_name = f"{set_name}-{ordinal}"
        made: list[str] = []
        for template in spec.get("volumeClaimTemplates") or []:
            claim = claim_name(template, set_name, ordinal)
            if self.claims.lister.get(namespace, claim) is not None:
                continue
            try:
                self.client.create("persistentvolumeclaims", self._claim_for(sts, template, claim), namespace)
            except APIError as exc:
                if is_already_exists(exc):
                    continue
                self.recorder.event(sts, WARNING, "FailedCreate", f"create Claim {claim} for Pod {pod_name} in "
                                                                  f"StatefulSet {set_name} failed error: {exc}")
                raise
            self.recorder.event(sts, NORMAL, "SuccessfulCreate",
                                f"create Claim {claim} Pod {pod_name} in StatefulSet {set_name} success")
            made.append(f"claim {claim}")
        try:
            self.client.create("pods", self._pod_for(sts, ordinal, revision), namespace)
        except APIError as exc:
            if is_already_exists(exc):
                return ""  # its creation has not reached the cache yet
            self.recorder.event(sts, WARNING, "FailedCreate",
                                f"create Pod {pod_name} in StatefulSet {set_name} failed error: {exc}")
            raise
        self.recorder.event(sts, NORMAL, "SuccessfulCreate",
                            f"create Pod {pod_name} in StatefulSet {set_name} successful")
        made.append(f"pod {pod_name}")
        return f"creates {' then '.join(made)} for StatefulSet {set_name}"

    def _pod_for(self, sts: dict, ordinal: int, revision: str) -> dict:
        spec, meta = sts.get("spec") or {}, sts["metadata"]
        template = spec.get("template") or {}
        tmeta = template.get("metadata") or {}
        name = f"{meta['name']}-{ordinal}"
        labels = {**(tmeta.get("labels") or {}), POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal),
                  REVISION_LABEL: revision}
        pod_meta: dict = {"name": name, "namespace": meta.get("namespace", ""), "labels": labels,
                          "ownerReferences": [new_controller_ref(sts, API_VERSION, KIND)]}
        if tmeta.get("annotations"):
            pod_meta["annotations"] = dict(tmeta["annotations"])
        pod_spec = json.loads(json.dumps(template.get("spec") or {}))
        pod_spec["hostname"] = name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        claims = {t["metadata"]["name"]: claim_name(t, meta["name"], ordinal)
                  for t in spec.get("volumeClaimTemplates") or []}
        volumes = [v for v in pod_spec.get("volumes") or [] if v.get("name") not in claims]
        volumes += [{"name": t, "persistentVolumeClaim": {"claimName": c}} for t, c in claims.items()]
        if volumes:
            pod_spec["volumes"] = volumes
        return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec}

    def _claim_for(self, sts: dict, template: dict, name: str) -> dict:
        spec, meta = sts.get("spec") or {}, sts["metadata"]
        tmeta = template.get("metadata") or {}
        labels = {**(tmeta.get("labels") or {}), **((spec.get("selector") or {}).get("matchLabels") or {})}
        claim_meta: dict = {"name": name, "namespace": meta.get("namespace", ""), "labels": labels}
        if tmeta.get("annotations"):
            claim_meta["annotations"] = dict(tmeta["annotations"])
        if (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted") == "Delete":
            ref = new_controller_ref(sts, API_VERSION, KIND)
            claim_meta["ownerReferences"] = [{**ref, "controller": False}]
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": claim_meta,
                "spec": json.loads(json.dumps(template.get("spec") or {}))}

    def _delete_pod(self, sts: dict, pod: dict) -> None:
        meta, set_name = pod["metadata"], sts["metadata"]["name"]
        try:
            self.client.delete("pods", meta.get("namespace", ""), meta["name"])
        except APIError as exc:
            if is_not_found(exc):
                return
            self.recorder.event(sts, WARNING, "FailedDelete",
                                f"delete Pod {meta['name']} in StatefulSet {set_name} failed error: {exc}")
            raise
        self.recorder.event(sts, NORMAL, "SuccessfulDelete",
                            f"delete Pod {meta['name']} in StatefulSet {set_name} successful")

    # ----------------------------------------------------------------- revisions and status
    def _revisions(self, sts: dict) -> tuple[str, str]:
        """The update revision (created when the template is new) and the current one."""
        meta = sts["metadata"]
        namespace, uid = meta.get("namespace", ""), meta["uid"]
        owned = [r for r in self.revisions.lister.list(namespace) if (controller_ref_of(r) or {}).get("uid") == uid]
        template = (sts.get("spec") or {}).get("template") or {}
        data = {"spec": {"template": {**template, "$patch": "replace"}}}
        collisions = (sts.get("status") or {}).get("collisionCount") or 0
        name = f"{meta['name']}-{compute_hash(data, collisions)}"
        latest = max((r.get("revision", 0) for r in owned), default=0)
        existing = next((r for r in owned if r["metadata"]["name"] == name), None)
        if existing is None:
            revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                        "metadata": {"name": name, "namespace": namespace,
                                     "labels": dict((template.get("metadata") or {}).get("labels") or {}),
                                     "ownerReferences": [new_controller_ref(sts, API_VERSION, KIND)]},
                        "data": data, "revision": latest + 1}
            try:
                self.client.create("controllerrevisions", revision, namespace)
            except APIError as exc:
                if not is_already_exists(exc):
                    raise
        elif existing.get("revision", 0) != latest:  # a rollback: the old revision becomes the newest
            updated = self.copy(existing)
            updated["revision"] = latest + 1
            self.client.update("controllerrevisions", updated)
        current = (sts.get("status") or {}).get("currentRevision") or name
        return name, current

    def _update_status(self, sts: dict, update_revision: str, current_revision: str) -> None:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        pods = [p for p in self.pods.lister.list(meta.get("namespace", ""))
                if (controller_ref_of(p) or {}).get("uid") == meta["uid"]]
        live = [p for p in pods if not being_deleted(p)]
        ready = sum(1 for p in pods if is_healthy(p))
        current = sum(1 for p in live if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == current_revision)
        updated = sum(1 for p in live if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == update_revision)
        if updated == spec.get("replicas", 1) and current_revision != update_revision and updated == len(live):
            current_revision, current = update_revision, updated  # the rollout is complete
        status = {"observedGeneration": meta.get("generation", 0), "replicas": len(pods), "readyReplicas": ready,
                  "currentReplicas": current, "updatedReplicas": updated, "currentRevision": current_revision,
                  "updateRevision": update_revision, "collisionCount": 0, "availableReplicas": ready}
        status = {k: v for k, v in status.items() if v or k in ("replicas", "collisionCount", "availableReplicas")}
        if {k: v for k, v in (sts.get("status") or {}).items()} == status:
            return
        target = self.copy(sts)
        target["status"] = status
        try:
            self.client.update_status("statefulsets", target)
        except APIError as exc:
            if not is_not_found(exc):
                raise


