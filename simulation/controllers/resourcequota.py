"""The resource quota controller, as upstream's ``pkg/controller/resourcequota``: it keeps every
ResourceQuota's ``status`` — ``hard`` copied from ``spec.hard`` and ``used`` recounted from the
objects in the quota's namespace — so ``kubectl describe quota`` shows Used against Hard.

Why a controller when admission already charges: admission adds a create's usage to
``status.used`` (upstream's compare-and-swap), but nothing in admission gives usage back when
an object goes away. Upstream's quota monitor "replenishes" instead: it wakes the namespace's
quotas when a tracked object is deleted, a pod reaches a terminal phase, or a Service changes
type — not on adds, which admission has already charged — and the controller recalculates
them. A quota is also synced when it is created or its ``spec.hard`` changes, and every quota
once per resync period (``--resource-quota-sync-period``, 5 minutes) on the virtual clock.

What counts is decided by the very evaluators admission uses (``pods`` and pod compute
``requests.*``/``limits.*``, ``services`` and their node ports and load balancers, the
legacy object counts, ``count/<resource>[.<group>]``, pod scopes), so the two never disagree.
``status.used`` holds exactly the resources of ``status.hard`` and is written only when it
changed. Like upstream, the controller records no Events.
"""
from __future__ import annotations

from fractions import Fraction

from simulation.apimachinery import resources
from simulation.apimachinery.keys import split_key
from simulation.apimachinery.quantity import Quantity
from simulation.apimachinery.resources import ResourceType
from simulation.apiserver.admission.resource_quota import Evaluator, Usage, pod_usage
from simulation.client.apiclient import APIError, is_not_found

from .base import Controller

#: Upstream's default ``--resource-quota-sync-period``.
RESYNC_PERIOD_SECONDS = 300.0
#: Resources the controller watches to replenish (upstream's quota monitor watches every
#: quotable resource; kinds outside this set are recounted through the API at each sync).
WATCHED = ("pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers")


def quotable() -> list[ResourceType]:
    """Every served resource a quota can count: namespaced, stored and listable."""
    return [rt for rt in resources.RESOURCES
            if rt.namespaced and not rt.virtual and not rt.create_only and "list" in rt.verbs]


def _parse(values: dict | None) -> dict[str, Quantity]:
    return {k: Quantity.parse(v) for k, v in (values or {}).items()}


def _service_type(svc: dict) -> str:
    return (svc.get("spec") or {}).get("type") or "ClusterIP"


def _pod_counts_compute(pod: dict) -> bool:
    """``QuotaV1Pod``: a pod still uses compute until it reaches a terminal phase."""
    return "pods" in pod_usage(pod)


class ResourceQuotaController(Controller):
    name = "resourcequota"
    event_source = "resourcequota-controller"

    def setup(self) -> None:
        informer = self.manager.informer("resourcequotas")
        self.quotas = informer.lister
        informer.add_event_handler(self.enqueue, self._quota_updated, None)
        self.listers = {}
        for name in WATCHED:
            rt = resources.by_name(name)
            watched = self.manager.informer(name)
            self.listers[name] = watched.lister
            watched.add_event_handler(None, self._replenish_on_update(rt), self._replenish_on_delete(rt))
        self.kernel.schedule(RESYNC_PERIOD_SECONDS, self._resync, component=self.manager.name, action="resync")

    # ----------------------------------------------------------------- event handlers (no work)
    def _quota_updated(self, old: dict, cur: dict) -> None:
        """Only a change of ``spec.hard`` needs a recount; the controller's own writes do not."""
        if (old.get("spec") or {}).get("hard") != (cur.get("spec") or {}).get("hard"):
            self.enqueue(cur)

    def _replenish_on_delete(self, rt: ResourceType):
        return lambda obj: self._replenish(rt, obj["metadata"].get("namespace", ""))

    def _replenish_on_update(self, rt: ResourceType):
        def on_update(old: dict, cur: dict) -> None:
            if rt.name == "pods":
                changed = _pod_counts_compute(old) and not _pod_counts_compute(cur)
            elif rt.name == "services":
                changed = _service_type(old) != _service_type(cur)
            elif rt.name == "persistentvolumeclaims":
                changed = (old.get("spec") or {}).get("resources") != (cur.get("spec") or {}).get("resources")
            else:
                changed = False
            if changed:
                self._replenish(rt, cur["metadata"].get("namespace", ""))
        return on_update

    def _replenish(self, rt: ResourceType, namespace: str) -> None:
        """``replenishQuota``: wake the namespace's quotas that track this resource."""
        evaluator = Evaluator(rt)
        for quota in self.quotas.list(namespace):
            if any(evaluator.tracks(k) for k in (quota.get("status") or {}).get("hard") or {}):
                self.enqueue(quota)

    def _resync(self) -> dict:
        """``enqueueAll`` every resync period: a full recount heals whatever was missed."""
        self.kernel.schedule(RESYNC_PERIOD_SECONDS, self._resync, component=self.manager.name, action="resync")
        quotas = self.quotas.list()
        for quota in quotas:
            self.enqueue(quota)
        return {"controller": self.name, "housekeeping": True,
                "caption": f"The resourcequota controller queues its {len(quotas)} quotas for the periodic recount"}

    # ----------------------------------------------------------------- sync
    def sync_handler(self, key: str) -> str | None:
        namespace, name = split_key(key)
        quota = self.quotas.get(namespace, name)
        if quota is None:
            return None
        hard = _parse((quota.get("spec") or {}).get("hard"))
        old_status = quota.get("status") or {}
        used = {k: v for k, v in _parse(old_status.get("used")).items() if k in hard}
        used.update(self.calculate_usage(quota, namespace, list(hard)))
        dirty = (old_status.get("hard") is None or old_status.get("used") is None
                 or _parse(old_status.get("hard")) != hard or _parse(old_status.get("used")) != used)
        if not dirty:
            return None
        updated = self.copy(quota)
        updated["status"] = {"hard": {k: str(v) for k, v in hard.items()},
                             "used": {k: str(used[k]) for k in hard if k in used}}
        try:
            self.client.update_status("resourcequotas", updated)
        except APIError as exc:
            if is_not_found(exc):
                return None
            raise  # a conflict (admission charged meanwhile) retries with backoff
        shown = ", ".join(f"{k} {updated['status']['used'].get(k, '0')}/{v}"
                          for k, v in sorted(updated["status"]["hard"].items()))
        return f"The resourcequota controller recounts ResourceQuota {name} in {namespace}: {shown} (used/hard)"

    def calculate_usage(self, quota: dict, namespace: str, hard: list[str]) -> Usage:
        """``CalculateUsage``: for each evaluator matching a hard resource, the summed usage of
        the namespace's objects in the quota's scopes (zero where nothing counts)."""
        usage: Usage = {}
        for rt in quotable():
            evaluator = Evaluator(rt)
            matched = [k for k in hard if evaluator.tracks(k)]
            if not matched:
                continue
            for k in matched:
                usage.setdefault(k, Quantity(Fraction(0)))
            for obj in self._objects(rt, namespace):
                if not evaluator.matches_scopes(quota, obj):
                    continue
                for k, v in evaluator.usage(obj).items():
                    if k in matched:
                        usage[k] = usage[k] + v
        return usage

    def _objects(self, rt: ResourceType, namespace: str) -> list[dict]:
        lister = self.listers.get(rt.name)
        if lister is not None:
            return lister.list(namespace)
        return self.client.list(rt.name, namespace)[0]
