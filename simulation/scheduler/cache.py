"""The scheduler's cache, as upstream's ``pkg/scheduler/backend/cache``: what the scheduler
believes is on each node, kept as a :class:`~simulation.scheduler.framework.node_info.Snapshot`
that is updated in place, one event at a time.

Why "assume": after a successful bind the pod's watch event is still on its way, and the next
cycle must not offer the same free CPU again. :meth:`SchedulerCache.assume_pod` puts the pod on
its node at once (upstream ``AssumePod``); the informer's event later confirms it
(:meth:`add_pod` of an assumed pod); :meth:`forget_pod` takes it back if the bind failed.

Promises:

* Every change is incremental — O(containers) for a pod, O(1) amortized for a node — so a
  scheduling cycle costs only the nodes it evaluates, never a rebuild from the informers' lists.
* Pods bound to a node the cache does not know yet (its watch event is late, or it was deleted
  and re-registers) are remembered and accounted as soon as the node arrives.
* The snapshot a cycle reads is the live one: a cycle is one kernel action, nothing changes
  the cache while it runs, so upstream's copy-on-``UpdateSnapshot`` is not needed.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulation.apimachinery.keys import object_key

from .framework.node_info import NodeInfo, PodInfo, Snapshot


def _with_node(pod: Mapping[str, Any], node_name: str) -> dict:
    """A shallow copy of ``pod`` with ``spec.nodeName`` set (what the bound pod will look like)."""
    return {**pod, "spec": {**(pod.get("spec") or {}), "nodeName": node_name}}


class _PodState:
    __slots__ = ("assumed", "info", "node_name")

    def __init__(self, node_name: str, info: PodInfo, assumed: bool) -> None:
        self.node_name = node_name
        self.info = info
        self.assumed = assumed


class SchedulerCache:
    def __init__(self) -> None:
        self.snapshot = Snapshot(())
        self._pods: dict[str, _PodState] = {}
        # node name -> pods bound there (including nodes the snapshot does not have).
        self._node_pods: dict[str, dict[str, PodInfo]] = {}
        self._assumed = 0

    # ----------------------------------------------------------------- reads
    def node_count(self) -> int:
        return len(self.snapshot)

    def pod_count(self) -> int:
        return len(self._pods)

    def assumed_count(self) -> int:
        return self._assumed

    def is_assumed(self, key: str) -> bool:
        state = self._pods.get(key)
        return state is not None and state.assumed

    def node_of(self, key: str) -> str | None:
        state = self._pods.get(key)
        return state.node_name if state else None

    def get_node(self, name: str) -> NodeInfo | None:
        return self.snapshot.get(name)

    # ----------------------------------------------------------------- nodes
    def add_node(self, node: Mapping[str, Any]) -> NodeInfo:
        """A new node, or a new version of a known one (its pods stay)."""
        name = node["metadata"]["name"]
        known = self.snapshot.get(name) is not None
        node_info = self.snapshot.add_node(node)
        if not known:
            for info in self._node_pods.get(name, {}).values():
                self.snapshot.add_pod(info, name)
        return node_info

    update_node = add_node

    def remove_node(self, name: str) -> None:
        """The node is gone; its pods stay remembered until their own delete events arrive."""
        self.snapshot.remove_node(name)

    # ----------------------------------------------------------------- pods
    def add_pod(self, pod: Mapping[str, Any]) -> None:
        """An assigned pod seen by the informer (added, or newly bound): confirms an assumed pod."""
        key = object_key(pod)
        node_name = pod["spec"]["nodeName"]
        state = self._pods.get(key)
        if state is not None:
            if state.assumed and state.node_name == node_name:
                self._confirm(state)  # upstream: the pod is now "added"; the accounting is right already
                self._replace_info(state, pod)
                return
            self._remove(key)
        self._add(key, node_name, PodInfo(pod), assumed=False)

    def update_pod(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        key = object_key(new)
        state = self._pods.get(key)
        if state is None or state.node_name != new["spec"].get("nodeName"):
            self.add_pod(new)
            return
        self._confirm(state)
        self._replace_info(state, new)

    def _confirm(self, state: _PodState) -> None:
        if state.assumed:
            state.assumed = False
            self._assumed -= 1

    def _replace_info(self, state: _PodState, pod: Mapping[str, Any]) -> None:
        """Re-account the pod only if what the plugins read changed; a status update is free."""
        old = state.info.pod
        old_meta, new_meta = old.get("metadata") or {}, pod.get("metadata") or {}
        if (old.get("spec") == pod.get("spec") and old_meta.get("labels") == new_meta.get("labels")
                and old_meta.get("deletionTimestamp") == new_meta.get("deletionTimestamp")):
            state.info.pod = pod
            return
        key = state.info.key
        self._remove(key)
        self._add(key, state.node_name, PodInfo(pod), assumed=False)

    def remove_pod(self, pod: Mapping[str, Any] | str) -> None:
        self._remove(pod if isinstance(pod, str) else object_key(pod))

    def assume_pod(self, pod: Mapping[str, Any], node_name: str, info: PodInfo | None = None) -> PodInfo:
        """Upstream ``AssumePod``: account the pod on ``node_name`` before its bind is observed.

        ``info`` is the cycle's parsed pod, reused (its node set) instead of parsed again."""
        key = object_key(pod)
        if key in self._pods:
            self._remove(key)
        bound = _with_node(pod, node_name)
        if info is None:
            info = PodInfo(bound)
        else:
            info.pod, info.node_name = bound, node_name
        self._add(key, node_name, info, assumed=True)
        return info

    def forget_pod(self, key: str) -> None:
        """Upstream ``ForgetPod``: the bind failed; take the assumed pod back off its node."""
        state = self._pods.get(key)
        if state is not None and state.assumed:
            self._remove(key)

    # ----------------------------------------------------------------- internals
    def _add(self, key: str, node_name: str, info: PodInfo, *, assumed: bool) -> None:
        self._pods[key] = _PodState(node_name, info, assumed)
        self._assumed += assumed
        self._node_pods.setdefault(node_name, {})[key] = info
        self.snapshot.add_pod(info, node_name)

    def _remove(self, key: str) -> None:
        state = self._pods.pop(key, None)
        if state is None:
            return
        self._assumed -= state.assumed
        on_node = self._node_pods.get(state.node_name)
        if on_node is not None:
            on_node.pop(key, None)
            if not on_node:
                del self._node_pods[state.node_name]
        self.snapshot.remove_pod(state.info, state.node_name)
