"""Leader election on a coordination.k8s.io Lease, as client-go's ``tools/leaderelection``.

Several replicas of a component try to hold one Lease in ``kube-system``. The holder
renews it every ``retry_period``; the others read it and take it over only once it has
not been renewed for ``lease_duration``. Taking over is an update carrying the Lease's
``resourceVersion``: of two candidates racing, the API server's optimistic concurrency lets
exactly one win (the other gets 409 Conflict and stays a follower). Each try is one action;
a renewal by the holder and a follower finding the lease held are housekeeping steps.

As client-go's ``isLeaseValid``, a candidate counts a holder's lease from when *it* last saw
the record change, on its own clock — never from the ``renewTime`` written in it. A record
stamped by another clock (a Lease written before a restart, or by a machine whose clock is
ahead) therefore expires one lease duration after its holder stops renewing, whatever it says.
"""
from __future__ import annotations

from collections.abc import Callable

from simulation.apimachinery.timestamps import rfc3339_micro
from simulation.apimachinery.wellknown import NAMESPACE_SYSTEM
from simulation.kernel import Kernel

from .apiclient import APIClient, APIError, is_not_found
from .events import EventRecorder

LEASE_DURATION_SECONDS = 15.0
RETRY_PERIOD_SECONDS = 2.0


class LeaderElector:
    def __init__(self, kernel: Kernel, client: APIClient, *, lease_name: str, identity: str, component: str,
                 on_started_leading: Callable[[], None], on_stopped_leading: Callable[[], None],
                 lease_duration_seconds: float = LEASE_DURATION_SECONDS,
                 retry_period_seconds: float = RETRY_PERIOD_SECONDS,
                 clock: Callable[[], float] | None = None, recorder: EventRecorder | None = None) -> None:
        self.kernel = kernel
        #: The epoch time written into the Lease: the cluster's clock, the kernel's unless given
        #: (``simworker`` paces its election by the wall clock but stamps in the cluster's time).
        self.clock = clock or kernel.wall_time
        self.client = client
        self.lease_name = lease_name
        self.identity = identity
        #: The component's recorder: a new leader says so on the Lease (``LeaseLock.RecordEvent``).
        self.recorder = recorder
        self.component = component
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.lease_duration_seconds = lease_duration_seconds
        self.retry_period_seconds = retry_period_seconds
        self.is_leader = False
        self.observed_holder = ""
        self._renewed_at = 0.0
        #: The Lease's spec as last read, and when (kernel seconds) it was first seen so.
        self._observed: dict | None = None
        self._observed_at = 0.0

    def start(self) -> None:
        self.kernel.schedule(0.0, self._try, component=self.component, action="leader-election")

    def _try(self) -> dict:
        was_leader, holder = self.is_leader, self.observed_holder
        failed = False
        try:
            caption = self._acquire_or_renew()
        except APIError as exc:
            failed = True
            caption = f"{self.identity} could not update lease {self.lease_name}: {exc.reason or exc}"
            if self.is_leader and self._lease_expired_for_me():
                self._lose()
        self.kernel.schedule(self.retry_period_seconds, self._try, component=self.component, action="leader-election")
        return {"caption": caption,
                "housekeeping": not failed and self.is_leader == was_leader and self.observed_holder == holder}

    def _lease_expired_for_me(self) -> bool:
        return self.kernel.now_seconds - self._renewed_at > self.lease_duration_seconds

    def _lose(self) -> None:
        self.is_leader = False
        self.on_stopped_leading()

    def _acquire_or_renew(self) -> str:
        now = self.clock()
        spec = {"holderIdentity": self.identity, "leaseDurationSeconds": int(self.lease_duration_seconds),
                "renewTime": rfc3339_micro(now)}
        try:
            lease = self.client.get("leases", NAMESPACE_SYSTEM, self.lease_name)
        except APIError as exc:
            if not is_not_found(exc):
                raise
            spec.update(acquireTime=rfc3339_micro(now), leaseTransitions=0)
            created = self.client.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                                    "metadata": {"name": self.lease_name,
                                                                 "namespace": NAMESPACE_SYSTEM},
                                                    "spec": spec})
            return self._became_leader("creates", created)
        current = lease.get("spec") or {}
        if current != self._observed:
            self._observed, self._observed_at = current, self.kernel.now_seconds
        holder = current.get("holderIdentity") or ""
        self.observed_holder = holder
        if holder != self.identity:
            duration = current.get("leaseDurationSeconds") or self.lease_duration_seconds
            if holder and self.kernel.now_seconds - self._observed_at < duration:
                if self.is_leader:
                    self._lose()
                return f"{self.identity} is a follower: {holder} holds lease {self.lease_name}"
            # an expired or released (no holder) lease changes hands
            spec.update(acquireTime=rfc3339_micro(now), leaseTransitions=(current.get("leaseTransitions") or 0) + 1)
        else:
            spec["acquireTime"] = current.get("acquireTime") or rfc3339_micro(now)
            spec["leaseTransitions"] = current.get("leaseTransitions") or 0
        lease["spec"] = spec
        updated = self.client.update("leases", lease)  # carries resourceVersion: a racing candidate gets 409
        if self.is_leader:
            self._renewed_at = self.kernel.now_seconds
            return f"{self.identity} renews lease {self.lease_name}"
        return self._became_leader("takes over" if holder else "acquires", updated)

    def release(self) -> None:
        """A leader shutting down gracefully gives its Lease up (client-go's ``ReleaseOnCancel``,
        which kube-scheduler and kube-controller-manager set): no holder, a one-second duration,
        so a successor need not wait out the lease."""
        if not self.is_leader:
            return
        try:
            lease = self.client.get("leases", NAMESPACE_SYSTEM, self.lease_name)
            if (lease.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            now = rfc3339_micro(self.clock())
            lease["spec"] = {"leaseDurationSeconds": 1, "acquireTime": now, "renewTime": now,
                             "leaseTransitions": (lease.get("spec") or {}).get("leaseTransitions") or 0}
            self.client.update("leases", lease)
        except APIError:
            return  # as upstream: a failed release leaves the lease to expire
        self.is_leader = False

    def _became_leader(self, how: str, lease: dict) -> str:
        self._renewed_at = self.kernel.now_seconds
        self.observed_holder = self.identity
        if not self.is_leader:
            self.is_leader = True
            if self.recorder is not None:
                subject = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": lease["metadata"]}
                self.recorder.event(subject, "Normal", "LeaderElection", f"{self.identity} became leader")
            self.on_started_leading()
        return f"{self.identity} {how} lease {self.lease_name} and becomes the leader"
