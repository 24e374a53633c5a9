"""The helpers every controller shares, as upstream's ``pkg/controller/controller_utils.go``,
``controller_ref_manager.go`` and ``k8s.io/kubectl/pkg/util/podutils``.

* Discovery: which resources a controller can list, watch and delete. It reads the API
  server's resource table (what ``/api`` and ``/apis`` are generated from) instead of making
  discovery requests: the answer is the same, and reading it needs no round trip the diagram
  would have to draw.
* Conditions, owner references, finalizers, taints and tolerations, read the way upstream's
  helpers read them.
* Pod predicates (active, ready, available) and the deletion ranking of
  ``ActivePodsWithRanks`` (unscheduled < scheduled, pending < running, not ready < ready …).
* :class:`PodControl`: create a pod from a template with a controller reference, delete a pod,
  and record upstream's ``SuccessfulCreate`` / ``FailedCreate`` / ``SuccessfulDelete`` /
  ``FailedDelete`` Events on the owner.
* :func:`slow_start_batch`: create in batches of 1, 2, 4 … and stop at the first batch that
  fails, so a quota or admission refusal costs one request, not a hundred.
* :func:`claim_objects`: adopt orphans that match a selector, release owned objects that stopped
  matching (the ``ControllerRefManager``), through patches that carry the object's uid.
* :func:`compute_hash`: ``pod-template-hash`` and ``controller-revision-hash`` values — an FNV-32a
  hash of the template (plus ``collisionCount``) rendered with ``SafeEncodeString``.

Everything here reads objects and writes through the API client; nothing is changed in place
(except :func:`update_pod_condition`, which edits the status copy it is given).
"""
from __future__ import annotations

import functools
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulation.apimachinery import resources
from simulation.apimachinery.corev1 import tolerates_taint
from simulation.apimachinery.keys import object_key
from simulation.apimachinery.resources import ResourceType
from simulation.apimachinery.selectors import NOTHING, LabelSelector, from_label_selector_object
from simulation.apimachinery.timestamps import parse_time
from simulation.client.apiclient import APIClient, APIError, is_not_found
from simulation.client.events import NORMAL, WARNING, EventRecorder
from simulation.client.informer import Lister

#: Upstream's ``k8s.io/apimachinery/pkg/util/rand`` alphabet: no vowels, no confusable digits.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
#: ``maxGeneratedNameLength``: a generated name is at most 63 characters.
MAX_GENERATE_NAME_PREFIX = 58

# Event reasons, as upstream's controller_utils.go.
FAILED_CREATE_POD_REASON = "FailedCreate"
SUCCESSFUL_CREATE_POD_REASON = "SuccessfulCreate"
FAILED_DELETE_POD_REASON = "FailedDelete"
SUCCESSFUL_DELETE_POD_REASON = "SuccessfulDelete"

#: ``SlowStartInitialBatchSize``.
SLOW_START_INITIAL_BATCH_SIZE = 1
#: Annotation that lets a user say which pods go first on scale-down (beta, on by default).
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


# ------------------------------------------------------------------------------- discovery
def deletable_resources(*, namespaced: bool | None = None) -> list[ResourceType]:
    """Resources that support delete, list and watch (upstream's ``GetDeletableResources``)."""
    out = []
    for rt in resources.RESOURCES:
        if rt.virtual or rt.create_only:
            continue
        if not {"delete", "list", "watch"} <= set(rt.verbs):
            continue
        if namespaced is not None and rt.namespaced != namespaced:
            continue
        out.append(rt)
    return out


def resource_for(api_version: str, kind: str) -> ResourceType | None:
    """The REST mapping of an ownerReference's apiVersion and kind; None when not served."""
    group, _, version = api_version.rpartition("/")
    for rt in resources.RESOURCES:
        if rt.kind == kind and rt.group == group and rt.version == version and not rt.virtual:
            return rt
    return None


def group_resource(rt: ResourceType) -> str:
    """``pods`` / ``replicasets.apps``: how upstream names a resource in messages."""
    return f"{rt.name}.{rt.group}" if rt.group else rt.name


# ------------------------------------------------------------------------------- conditions
def get_condition(conditions: Iterable[dict] | None, type_: str) -> dict | None:
    for condition in conditions or ():
        if condition.get("type") == type_:
            return condition
    return None


def is_pod_ready(pod: Mapping[str, Any]) -> bool:
    condition = get_condition((pod.get("status") or {}).get("conditions"), "Ready")
    return bool(condition) and condition.get("status") == "True"


def update_pod_condition(status: dict, condition: dict, now: str) -> bool:
    """Upstream's ``UpdatePodCondition``: set ``condition``; the transition time moves only
    when the status does. True when anything changed."""
    conditions = status.setdefault("conditions", [])
    new = dict(condition)
    old = get_condition(conditions, new["type"])
    if old is None:
        new.setdefault("lastTransitionTime", now)
        conditions.append(new)
        return True
    new["lastTransitionTime"] = now if old.get("status") != new.get("status") else old.get("lastTransitionTime", now)
    new.setdefault("lastProbeTime", old.get("lastProbeTime"))
    if new.get("lastProbeTime") is None:
        new.pop("lastProbeTime", None)
    changed = any(old.get(k) != new.get(k) for k in ("status", "reason", "message", "lastTransitionTime",
                                                       "lastProbeTime"))
    old.clear()
    old.update(new)
    return changed


# ------------------------------------------------------------------------------- owners
def owner_references(obj: Mapping[str, Any]) -> list[dict]:
    return list((obj.get("metadata") or {}).get("ownerReferences") or [])


def has_finalizer(obj: Mapping[str, Any], finalizer: str) -> bool:
    return finalizer in ((obj.get("metadata") or {}).get("finalizers") or [])


def being_deleted(obj: Mapping[str, Any]) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def describe(obj_or_ref: Mapping[str, Any]) -> str:
    """``ReplicaSet web-7d9``: how captions name an object or a reference."""
    if "metadata" in obj_or_ref:
        return f"{obj_or_ref.get('kind', '')} {obj_or_ref['metadata'].get('name', '')}".strip()
    return f"{obj_or_ref.get('kind', '')} {obj_or_ref.get('name', '')}".strip()


# ------------------------------------------------------------------------------- taints
def matching_tolerations(taints: list[dict], tolerations: list[dict]) -> tuple[bool, list[dict]]:
    """Upstream's ``GetMatchingTolerations``: whether every taint is tolerated, and by what."""
    used = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates_taint(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def taint_matches(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Upstream's ``Taint.MatchTaint``: same key and effect."""
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


def taint_text(taint: Mapping[str, Any]) -> str:
    """Upstream's ``Taint.ToString``: ``key=value:effect``, as captions show a taint."""
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key')}{value}:{taint.get('effect')}"


# ------------------------------------------------------------------------------- hashing, names
def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode_string(text: str) -> str:
    """``rand.SafeEncodeString``: each byte mapped onto :data:`SAFE_ALPHABET`."""
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in text.encode())


def compute_hash(template: dict, collision_count: int | None = None) -> str:
    """``controller.ComputeHash``. Upstream hashes the Go struct's spew dump; we hash the
    template's canonical JSON (sorted keys), so the value is deterministic but not byte-equal
    to a real cluster's. ``collisionCount`` is appended as 8 little-endian bytes, as upstream."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + b"\x00" * 4
    return safe_encode_string(str(fnv32a(data)))


def random_suffix(rng: random.Random, length: int = 5) -> str:
    return "".join(rng.choice(SAFE_ALPHABET) for _ in range(length))


def generated_name(prefix: str, rng: random.Random) -> str:
    """What the API server's name generator makes of ``generateName`` — drawn from the kernel's
    seeded random source, so the same seed gives the same pod names."""
    return prefix[:MAX_GENERATE_NAME_PREFIX] + random_suffix(rng)


# ------------------------------------------------------------------------------- selectors, refs
def selector_of(obj: dict) -> LabelSelector:
    """The object's ``spec.selector`` as a selector; an invalid one selects nothing. A
    ReplicationController's is an equality map (upstream's RC manager converts it to the
    ReplicaSet's ``matchLabels``); an empty one selects nothing."""
    if obj.get("kind") == "ReplicationController":
        labels = (obj.get("spec") or {}).get("selector") or {}
        return from_label_selector_object({"matchLabels": labels}) if labels else NOTHING
    try:
        return from_label_selector_object((obj.get("spec") or {}).get("selector"))
    except ValueError:
        return NOTHING


def labels_of(obj: dict) -> dict:
    return obj["metadata"].get("labels") or {}


def selector_matches(selector: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> bool:
    """A Service's equality selector against an object's labels (an empty one selects all)."""
    labels = labels or {}
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def controller_ref_of(obj: dict) -> dict | None:
    """``metav1.GetControllerOf``: the owner reference with ``controller: true``."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def new_controller_ref(owner: dict, api_version: str, kind: str) -> dict:
    """``metav1.NewControllerRef``: controller and blockOwnerDeletion both true."""
    meta = owner["metadata"]
    return {"apiVersion": api_version, "kind": kind, "name": meta["name"], "uid": meta["uid"],
            "controller": True, "blockOwnerDeletion": True}


def by_creation(obj: dict) -> tuple:
    """``ReplicaSetsByCreationTimestamp`` and friends: older first, then by name."""
    return (parse_time(obj["metadata"].get("creationTimestamp")) or 0.0, obj["metadata"]["name"])


# ------------------------------------------------------------------------------- pods
def is_pod_active(pod: dict) -> bool:
    """``IsPodActive``: not finished and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not being_deleted(pod)


def pod_condition(pod: dict, type_: str) -> dict | None:
    return get_condition((pod.get("status") or {}).get("conditions"), type_)


def pod_ready_time(pod: dict) -> float | None:
    if not is_pod_ready(pod):
        return None
    return parse_time(pod_condition(pod, "Ready").get("lastTransitionTime"))


def is_pod_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """``podutil.IsPodAvailable``: ready, and ready for longer than ``minReadySeconds``."""
    if not is_pod_ready(pod):
        return False
    if not min_ready_seconds:
        return True
    since = parse_time(pod_condition(pod, "Ready").get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds < now


def _phase_rank(pod: dict) -> int:
    return {"Pending": 0, "Unknown": 1, "Running": 2}.get((pod.get("status") or {}).get("phase", ""), 0)


def _deletion_cost(pod: dict) -> int:
    try:
        return int((pod["metadata"].get("annotations") or {}).get(POD_DELETION_COST, "0"))
    except ValueError:
        return 0


def _max_restarts(pod: dict) -> int:
    return max([c.get("restartCount", 0) for c in (pod.get("status") or {}).get("containerStatuses") or []] or [0])


def _log_rank(t: float | None, now: float) -> int:
    if t is None:
        return -1
    d = (now - t) * 1e9
    return int(math.log2(d)) if d > 0 else -1


def _compare_ranked(a: tuple[dict, int], b: tuple[dict, int], now: float) -> int:
    """``ActivePodsWithRanks.Less`` with LogarithmicScaleDown on (upstream's default):
    negative when ``a`` should be deleted before ``b``."""
    pa, ra = a
    pb, rb = b
    na, nb = (pa.get("spec") or {}).get("nodeName", ""), (pb.get("spec") or {}).get("nodeName", "")
    # 1. Unassigned < assigned
    if bool(na) != bool(nb):
        return -1 if not na else 1
    # 2. PodPending < PodUnknown < PodRunning
    if _phase_rank(pa) != _phase_rank(pb):
        return -1 if _phase_rank(pa) < _phase_rank(pb) else 1
    # 3. Not ready < ready
    if is_pod_ready(pa) != is_pod_ready(pb):
        return -1 if not is_pod_ready(pa) else 1
    # 4. Lower pod-deletion-cost < higher
    if _deletion_cost(pa) != _deletion_cost(pb):
        return -1 if _deletion_cost(pa) < _deletion_cost(pb) else 1
    # 5. Doubled up (more related pods on the same node) < not
    if ra != rb:
        return -1 if ra > rb else 1
    uid_order = (-1 if pa["metadata"].get("uid", "") < pb["metadata"].get("uid", "") else 1)
    # 6. Been ready for less time < more time (in log2 buckets)
    if is_pod_ready(pa) and is_pod_ready(pb):
        ta, tb = pod_ready_time(pa), pod_ready_time(pb)
        if ta != tb:
            if ta is None or tb is None:
                return -1 if ta is None else 1  # afterOrZero: a zero time sorts first
            diff = _log_rank(ta, now) - _log_rank(tb, now)
            return uid_order if diff == 0 else (-1 if diff < 0 else 1)
    # 7. Higher restart counts < lower
    if _max_restarts(pa) != _max_restarts(pb):
        return -1 if _max_restarts(pa) > _max_restarts(pb) else 1
    # 8. Newer pods < older pods
    ca, cb = parse_time(pa["metadata"].get("creationTimestamp")), parse_time(pb["metadata"].get("creationTimestamp"))
    if ca != cb:
        if ca is None or cb is None:
            return -1 if ca is None else 1
        diff = _log_rank(ca, now) - _log_rank(cb, now)
        return uid_order if diff == 0 else (-1 if diff < 0 else 1)
    return 0


def rank_pods_for_deletion(pods: list[dict], related: list[dict], now: float) -> list[dict]:
    """``getPodsRankedByRelatedPodsOnSameNode`` then sort: the first pods are deleted first.
    A pod's rank is how many related pods (of the same Deployment) share its node."""
    per_node: dict[str, int] = {}
    for pod in related:
        node = (pod.get("spec") or {}).get("nodeName")
        if node and is_pod_active(pod):
            per_node[node] = per_node.get(node, 0) + 1
    ranked = [(p, per_node.get((p.get("spec") or {}).get("nodeName") or "", 0) if (p.get("spec") or {}).get("nodeName")
               else 0) for p in pods]
    ranked.sort(key=functools.cmp_to_key(lambda a, b: _compare_ranked(a, b, now)))
    return [p for p, _ in ranked]


def pod_by_creation_and_phase(pods: list[dict]) -> list[dict]:
    """``podByCreationTimestampAndPhase``: scheduled before unscheduled... then older first."""
    return sorted(pods, key=lambda p: (not (p.get("spec") or {}).get("nodeName"),
                                        parse_time(p["metadata"].get("creationTimestamp")) or 0.0,
                                        p["metadata"]["name"]))


# ------------------------------------------------------------------------------- pod control
def pod_from_template(template: dict, owner: dict, controller_ref: dict | None, rng: random.Random) -> dict:
    """``GetPodFromTemplate``: labels, annotations, finalizers and spec from the template,
    ``generateName: <owner>-`` and the controller reference."""
    tmeta = template.get("metadata") or {}
    prefix = owner["metadata"]["name"] + "-"
    meta: dict = {"name": generated_name(prefix, rng), "generateName": prefix,
                  "namespace": owner["metadata"].get("namespace", "")}
    for field in ("labels", "annotations"):
        if tmeta.get(field):
            meta[field] = dict(tmeta[field])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    if controller_ref is not None:
        meta["ownerReferences"] = [dict(controller_ref)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": json.loads(json.dumps(template.get("spec") or {}))}


class PodControl:
    """``RealPodControl``: pod writes plus the Events upstream records on the owner."""

    def __init__(self, client: APIClient, recorder: EventRecorder, rng: random.Random) -> None:
        self.client = client
        self.recorder = recorder
        self.rng = rng

    def create_pod(self, namespace: str, template: dict, owner: dict, controller_ref: dict) -> dict:
        pod = pod_from_template(template, owner, controller_ref, self.rng)
        if not pod["metadata"].get("labels"):
            raise APIError(422, {"message": "unable to create pods, no labels", "reason": "Invalid"})
        try:
            created = self.client.create("pods", pod, namespace)
        except APIError as exc:
            if "NamespaceTerminating" not in json.dumps(exc.status.get("details") or {}):
                self.recorder.event(owner, WARNING, FAILED_CREATE_POD_REASON, f"Error creating: {exc}")
            raise
        self.recorder.event(owner, NORMAL, SUCCESSFUL_CREATE_POD_REASON, f"Created pod: {created['metadata']['name']}")
        return created

    def delete_pod(self, namespace: str, name: str, owner: dict) -> None:
        try:
            self.client.delete("pods", namespace, name)
        except APIError as exc:
            if not is_not_found(exc):
                self.recorder.event(owner, WARNING, FAILED_DELETE_POD_REASON, f"Error deleting: {exc}")
            raise
        self.recorder.event(owner, NORMAL, SUCCESSFUL_DELETE_POD_REASON, f"Deleted pod: {name}")

    def delete_pods(self, namespace: str, pods: list[dict], owner: dict,
                    on_failure: Callable[[dict], None]) -> tuple[list[dict], APIError | None]:
        """Delete each pod. A pod whose deletion failed goes to ``on_failure`` (the informer will
        never show that deletion, so the controller lowers its expectations); a pod already gone
        is not an error. Returns (deleted pods, first real error)."""
        deleted: list[dict] = []
        error: APIError | None = None
        for pod in pods:
            try:
                self.delete_pod(namespace, pod["metadata"]["name"], owner)
                deleted.append(pod)
            except APIError as exc:
                on_failure(pod)
                if not is_not_found(exc):
                    error = error or exc
        return deleted, error


def slow_start_batch(count: int, initial_batch_size: int,
                     fn: Callable[[], object]) -> tuple[int, list, APIError | None, list[int]]:
    """``slowStartBatch``: call ``fn`` ``count`` times in batches of 1, 2, 4 …; stop after the
    first batch with an error. Returns (successes, results, first error, batch sizes tried)."""
    remaining = count
    successes = 0
    results: list = []
    batches: list[int] = []
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        batches.append(batch)
        error: APIError | None = None
        for _ in range(batch):
            try:
                results.append(fn())
                successes += 1
            except APIError as exc:
                error = error or exc
        if error is not None:
            return successes, results, error, batches
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, results, None, batches


# ------------------------------------------------------------------------------- ownership
def claim_objects(client: APIClient, resource: str, owner: dict, controller_ref: dict, objects: list[dict],
                  selector: LabelSelector, *, can_adopt: Callable[[], bool],
                  match: Callable[[dict], bool] | None = None) -> tuple[list[dict], list[str], list[str]]:
    """``BaseControllerRefManager.ClaimObject`` for each object: keep what we own and still
    match, adopt matching orphans (after ``can_adopt`` rechecks the owner against the API),
    release what we own and no longer match. Returns (claimed, adopted names, released names)."""
    if match is None:
        seen: dict[frozenset, bool] = {}  # a set's pods mostly share their labels: judge each set once

        def matches(o: dict) -> bool:
            labels = labels_of(o)
            key = frozenset(labels.items())
            if key not in seen:
                seen[key] = selector.matches(labels)
            return seen[key]
    else:
        matches = match
    owner_uid = owner["metadata"]["uid"]
    claimed: list[dict] = []
    adopted: list[str] = []
    released: list[str] = []
    adopt_ok: bool | None = None
    for obj in objects:
        meta = obj["metadata"]
        ref = controller_ref_of(obj)
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if matches(obj):
                claimed.append(obj)
                continue
            if being_deleted(owner):
                continue
            patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": owner_uid}], "uid": meta["uid"]}}
            try:
                client.patch(resource, meta.get("namespace", ""), meta["name"], patch, patch_type="strategic")
                released.append(meta["name"])
            except APIError as exc:
                if not is_not_found(exc):
                    raise
            continue
        if being_deleted(owner) or not matches(obj) or being_deleted(obj):
            continue
        if adopt_ok is None:
            adopt_ok = can_adopt()
        if not adopt_ok:
            continue
        patch = {"metadata": {"ownerReferences": [controller_ref], "uid": meta["uid"]}}
        try:
            adopted_obj = client.patch(resource, meta.get("namespace", ""), meta["name"], patch, patch_type="strategic")
        except APIError as exc:
            if is_not_found(exc):
                continue
            raise
        adopted.append(meta["name"])
        claimed.append(adopted_obj)
    return claimed, adopted, released


def recheck_owner(client: APIClient, resource: str, owner: dict) -> Callable[[], bool]:
    """``RecheckDeletionTimestamp``: before adopting, read the owner from the API (not the
    cache) and make sure it is the same object and not being deleted."""
    def check() -> bool:
        meta = owner["metadata"]
        try:
            fresh = client.get(resource, meta.get("namespace", ""), meta["name"])
        except APIError:
            return False
        return fresh["metadata"].get("uid") == meta["uid"] and not being_deleted(fresh)
    return check


def names(objs: list[dict] | list[str], limit: int = 6) -> str:
    """``a, b and c`` for captions (``a, b, … and 4 more`` past ``limit``)."""
    items = [o if isinstance(o, str) else o["metadata"]["name"] for o in objs]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ------------------------------------------------------------------------------- owner lookups, handlers
def resolve_controller_ref(lister: Lister, kind: str, namespace: str, ref: dict | None) -> dict | None:
    """``resolveControllerRef``: the owner in the cache, if it is the very object the reference names
    (same kind, name and uid — a re-created namespace/name is someone else)."""
    if ref is None or ref.get("kind") != kind:
        return None
    owner = lister.get(namespace, ref.get("name", ""))
    if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
        return None
    return owner


def owners_selecting(lister: Lister, obj: dict) -> list[dict]:
    """``GetPodReplicaSets`` / ``getDeploymentsForReplicaSet``…: the cached owners in the object's
    namespace whose non-empty selector matches its labels — who might adopt an orphan."""
    out = []
    for owner in lister.list(obj["metadata"].get("namespace", "")):
        selector = selector_of(owner)
        if not selector.empty and selector.matches(labels_of(obj)):
            out.append(owner)
    return out


class OwnedPodHandlers:
    """The pod event handlers of controllers that own pods directly (ReplicaSet, DaemonSet), as
    upstream writes them in each: turn the pod into its owner's key, count the event against the
    owner's expectations, enqueue. An orphan wakes every owner whose selector matches it.

    The controller sets ``owner_lister`` and ``expectations`` in ``setup`` and provides
    ``queue``/``enqueue`` (from :class:`~.base.Controller`)."""

    owner_kind = ""
    #: Upstream's ReplicaSet controller also counts the *old* pod as deleted when a terminating
    #: pod's labels changed; the DaemonSet controller does not.
    delete_old_on_label_change = False

    def observe_pod_deletion(self, key: str, pod: dict) -> None:
        self.expectations.deletion_observed(key)

    def _owner_of(self, pod: dict, ref: dict | None = None) -> dict | None:
        ref = controller_ref_of(pod) if ref is None else ref
        return resolve_controller_ref(self.owner_lister, self.owner_kind, pod["metadata"].get("namespace", ""), ref)

    def add_pod(self, pod: dict) -> None:
        if being_deleted(pod):
            self.delete_pod(pod)
            return
        if controller_ref_of(pod) is not None:
            owner = self._owner_of(pod)
            if owner is not None:
                key = object_key(owner)
                self.expectations.creation_observed(key)
                self.queue.add(key)
            return
        for owner in owners_selecting(self.owner_lister, pod):
            self.enqueue(owner)

    def update_pod(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return  # a resync: nothing changed
        label_changed = labels_of(old) != labels_of(cur)
        if being_deleted(cur):
            # Graceful deletion starts: act now, not when the kubelet finally removes the pod.
            self.delete_pod(cur)
            if label_changed and self.delete_old_on_label_change:
                self.delete_pod(old)
            return
        cur_ref, old_ref = controller_ref_of(cur), controller_ref_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            owner = self._owner_of(old, old_ref)
            if owner is not None:
                self.enqueue(owner)
        if cur_ref is not None:
            owner = self._owner_of(cur, cur_ref)
            if owner is None:
                return
            self.enqueue(owner)
            min_ready = (owner.get("spec") or {}).get("minReadySeconds") or 0
            if min_ready > 0 and not is_pod_ready(old) and is_pod_ready(cur):
                self.queue.add_after(object_key(owner), min_ready + 1.0)  # when it becomes available
            return
        if label_changed or ref_changed:
            for owner in owners_selecting(self.owner_lister, cur):
                self.enqueue(owner)

    def delete_pod(self, pod: dict) -> None:
        owner = self._owner_of(pod)
        if owner is None:
            return
        key = object_key(owner)
        self.observe_pod_deletion(key, pod)
        self.queue.add(key)

