"""The taint eviction controller (``taint-eviction-controller``), as upstream's
``pkg/controller/tainteviction`` — part of the node lifecycle controller until 1.29, a
controller of its own since, with its own Events' source.

A pod on a node with ``NoExecute`` taints is deleted at once if it does not tolerate them
all, else after the smallest ``tolerationSeconds`` among the tolerations used (forever when
none sets it). Each pending eviction is a kernel timer; taints going away cancel it. On
firing: an Event ``TaintManagerEviction`` "Marking for deletion Pod ns/name", the pod's
``DisruptionTarget`` condition, then the delete (graceful, so its kubelet — if alive — stops
the containers).

The taints themselves come from the node lifecycle controller (``nodelifecycle.py``) or from
a user; this controller only reads them.
"""
from __future__ import annotations

from simulation.apimachinery.keys import split_key
from simulation.apimachinery.timestamps import rfc3339
from simulation.client.apiclient import APIError, is_not_found

from .base import Controller
from .controller_utils import get_condition, matching_tolerations, taint_text, update_pod_condition
from .podindex import PodNodeIndex


def no_execute_taints(node: dict | None) -> list[dict]:
    """``getNoExecuteTaints``: the node's taints that evict pods."""
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"
    event_source = "taint-eviction-controller"

    def setup(self) -> None:
        self.nodes = self.manager.informer("nodes")
        self.pods = self.manager.informer("pods")
        self.nodes.add_event_handler(self._node_added, self._node_updated, self._node_added)
        self.pods_by_node = PodNodeIndex()
        self.pods.add_event_handler(self.pods_by_node.add, self.pods_by_node.update, self.pods_by_node.delete)
        self.pods.add_event_handler(self._pod_changed, lambda old, new: self._pod_changed(new), self._pod_changed)
        #: node name -> its NoExecute taints, as last synced
        self.tainted_nodes: dict[str, list[dict]] = {}
        #: pod key -> (timer, created_at, fire_at, uid)
        self.evictions: dict[str, tuple] = {}

    def _node_added(self, node: dict) -> None:
        self.queue.add(f"node:{node['metadata']['name']}")

    def _node_updated(self, old: dict, new: dict) -> None:
        if no_execute_taints(old) != no_execute_taints(new):
            self.queue.add(f"node:{new['metadata']['name']}")

    def _pod_changed(self, pod: dict) -> None:
        """Only pods on a node with NoExecute taints, or with an eviction pending, can need
        work (upstream's ``handlePodUpdate`` returns early for the others)."""
        key = self._key(pod)
        if (pod.get("spec") or {}).get("nodeName") in self.tainted_nodes or key in self.evictions:
            self.queue.add(f"pod:{key}")

    # ----------------------------------------------------------------- the worker
    def sync_handler(self, key: str) -> str | None:
        kind, _, rest = key.partition(":")
        return self._handle_pod(rest) if kind == "pod" else self._handle_node(rest)

    def _handle_node(self, name: str) -> str:
        node = self.nodes.lister.get("", name)
        if node is None:
            self.tainted_nodes.pop(name, None)
            return f"The taint eviction controller forgets deleted node {name}"
        taints = no_execute_taints(node)
        if taints:
            self.tainted_nodes[name] = taints
        else:
            self.tainted_nodes.pop(name, None)
        pods = sorted(self.pods_by_node.on(name),
                      key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))
        if not pods:
            return f"The taint eviction controller sees node {name}'s NoExecute taints change; no pods run there"
        if not taints:
            cancelled = sum(self._cancel(self._key(p)) for p in pods)
            return (f"The taint eviction controller sees node {name} lose its NoExecute taints: "
                    f"{cancelled} pending eviction(s) cancelled")
        outcomes = [self._process_pod_on_node(p, name, taints) for p in pods]
        return (f"The taint eviction controller sees {', '.join(taint_text(t) for t in taints)} on node {name}: "
                + "; ".join(outcomes))

    def _handle_pod(self, key: str) -> str:
        namespace, name = split_key(key)
        pod = self.pods.lister.get(namespace, name)
        if pod is None:
            cancelled = self._cancel(key)
            return (f"The taint eviction controller sees Pod {name} gone" +
                    (": its pending eviction is cancelled" if cancelled else ""))
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            return f"The taint eviction controller sees Pod {name} not yet on a node: nothing to do"
        taints = self.tainted_nodes.get(node_name) or []
        if not taints:
            self._cancel(key)
            return f"The taint eviction controller sees Pod {name} on untainted node {node_name}: nothing to do"
        return f"The taint eviction controller: {self._process_pod_on_node(pod, node_name, taints)}"

    @staticmethod
    def _key(pod: dict) -> str:
        return f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"

    def _process_pod_on_node(self, pod: dict, node_name: str, taints: list[dict]) -> str:
        """Upstream's ``processPodOnNode``."""
        key = self._key(pod)
        name = pod["metadata"]["name"]
        if pod["metadata"].get("deletionTimestamp"):
            return f"Pod {name} is already being deleted"
        now = self.kernel.now_seconds
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        all_tolerated, used = matching_tolerations(taints, tolerations)
        if not all_tolerated:
            self._cancel(key)
            self._schedule(key, pod, now, now)
            return f"Pod {name} does not tolerate them: evicted now"
        seconds = [t["tolerationSeconds"] for t in used if t.get("tolerationSeconds") is not None]
        if not used:
            minimum = 0.0
        elif not seconds:
            self._cancel(key)
            return f"Pod {name} tolerates them forever: it stays"
        else:
            minimum = max(0.0, float(min(seconds)))
        start, trigger = now, now + minimum
        pending = self.evictions.get(key)
        if pending is not None:
            start = pending[1]
            if start + minimum < trigger:
                return f"Pod {name} is already due for eviction at {pending[2]:g}s"
            self._cancel(key)
        self._schedule(key, pod, start, start + minimum)
        return f"Pod {name} tolerates them for {minimum:g}s: eviction at {start + minimum:g}s"

    def _schedule(self, key: str, pod: dict, created_at: float, fire_at: float) -> None:
        uid = pod["metadata"].get("uid", "")
        timer = self.kernel.schedule(fire_at - self.kernel.now_seconds, lambda: self._evict(key, uid),
                                     component=self.manager.name, action="taint-eviction")
        self.evictions[key] = (timer, created_at, fire_at, uid)

    def _cancel(self, key: str) -> bool:
        pending = self.evictions.pop(key, None)
        if pending is None:
            return False
        pending[0].cancel()
        namespace, name = split_key(key)
        self.recorder.event({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}},
                            "Normal", "TaintManagerEviction", f"Cancelling deletion of Pod {key}")
        return True

    def _evict(self, key: str, uid: str) -> dict:
        """The timed work firing (upstream's ``deletePodHandler``)."""
        self.evictions.pop(key, None)
        namespace, name = split_key(key)
        described = {"kind": "Pod", "namespace": namespace, "name": name}
        self.recorder.event({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}},
                            "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}")
        try:
            pod = self.client.get("pods", namespace, name)
            if uid and pod["metadata"].get("uid") != uid or pod["metadata"].get("deletionTimestamp"):
                return {"controller": self.name, "object": described,
                        "caption": f"The taint eviction controller finds Pod {name} already gone or being deleted"}
            condition = {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                         "message": "Taint manager: deleting due to NoExecute taint"}
            status = self.copy(pod.get("status") or {})
            if update_pod_condition(status, condition, rfc3339(self.kernel.wall_time())):
                self.client.patch("pods", namespace, name,
                                  {"metadata": {"uid": pod["metadata"]["uid"]},
                                   "status": {"conditions": [get_condition(status["conditions"],
                                                                                   "DisruptionTarget")]}},
                                  patch_type="strategic", subresource="status")
            self.client.delete("pods", namespace, name, preconditions={"uid": pod["metadata"]["uid"]})
        except APIError as exc:
            if is_not_found(exc):
                return {"controller": self.name, "object": described,
                        "caption": f"The taint eviction controller finds Pod {name} already gone"}
            self.queue.add(f"pod:{key}")  # look again: the pod is still there
            return {"controller": self.name, "object": described,
                    "caption": f"The taint eviction controller failed to evict Pod {name}: {exc}"}
        node = (pod.get("spec") or {}).get("nodeName", "")
        taints = ", ".join(taint_text(t) for t in self.tainted_nodes.get(node) or []) or "NoExecute taints"
        return {"controller": self.name, "object": described,
                "caption": f"The taint eviction controller evicts Pod {name} from node {node}: its toleration of "
                           f"{taints} ran out, so it is deleted (marked DisruptionTarget)"}

    def status(self) -> dict:
        return {**super().status(), "pending_evictions": len(self.evictions)}
