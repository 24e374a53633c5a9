// The page's picture of the cluster: objects kept like an informer's cache (list, then
// watch events newer than what is held), the simulation's clock and components, the steps.
import {config} from "./api.js";

/** The resources the page lists and watches, {pods: {kind, path}, ...}: the server's list
 * (clusterviz.viz.consumers.WATCHABLE), handed over in the page's configuration. */
export const RESOURCES = config.resources;

export const state = {
  // one cache per resource of RESOURCES (state.pods, state.nodes, ...): key -> object
  ...Object.fromEntries(Object.keys(RESOURCES).map(resource => [resource, new Map()])),
  listVersions: {},
  components: [], clock: null, simAvailable: false, simMessage: "",
  steps: [], lastStepSeq: 0,
  requests: [], lastRevision: 0, lastRejection: null,
  health: [],
  ha: null,  // a highly available control plane (sim.state): etcd members, API servers, leaders
  resyncs: 0, gaps: 0, frames: 0, lastSeq: 0,
  view: null,  // {revision, nodes, pods} while looking at a past revision
};

const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, []);
  listeners.get(topic).push(fn);
}

export function emit(topic, data) {
  for (const fn of listeners.get(topic) || []) {
    try { fn(data); } catch (e) { console.error(topic, e); }
  }
}

/** An object's cache key, "namespace/name" ("/name" for cluster-scoped objects). */
export const keyOf = obj => `${obj.metadata.namespace || ""}/${obj.metadata.name}`;
const rv = obj => Number(obj && obj.metadata && obj.metadata.resourceVersion) || 0;

/** Replace a resource's cache with a fresh list. */
export function replace(resource, items, resourceVersion) {
  const map = state[resource];
  map.clear();
  for (const item of items) {
    item.kind = item.kind || RESOURCES[resource].kind;
    map.set(keyOf(item), item);
  }
  state.listVersions[resource] = resourceVersion;
  emit("objects", {resource});
}

/** Apply watch events; an event older than the cached object (a late one from before a relist) is ignored. */
export function applyEvents(resource, events) {
  const map = state[resource];
  let expired = false;
  for (const ev of events) {
    if (ev.type === "ERROR") { expired = true; continue; }
    if (ev.type === "BOOKMARK") continue;
    const obj = ev.object;
    obj.kind = obj.kind || RESOURCES[resource].kind;
    const key = keyOf(obj);
    const held = map.get(key);
    if (held && rv(held) > rv(obj)) continue;
    if (ev.type === "DELETED") map.delete(key);
    else map.set(key, obj);
    if (rv(obj) > Number(state.listVersions[resource] || 0)) state.listVersions[resource] = String(rv(obj));
  }
  emit("objects", {resource});
  return expired;
}

/** Pod display phase: what `kubectl get pods` prints in its STATUS column, roughly. */
export function podStatus(pod) {
  if (pod.metadata.deletionTimestamp) return "Terminating";
  const status = pod.status || {};
  const waiting = (status.containerStatuses || []).map(c => c.state && c.state.waiting).find(Boolean);
  const terminated = (status.containerStatuses || []).map(c => c.state && c.state.terminated).find(Boolean);
  if (!pod.spec.nodeName) {
    const cond = (status.conditions || []).find(c => c.type === "PodScheduled");
    return cond && cond.status === "False" ? (cond.reason || "Unschedulable") : "Pending";
  }
  if (status.phase === "Running" && !waiting) return "Running";
  if (waiting) return waiting.reason || "Waiting";
  if (terminated && status.phase !== "Succeeded") return terminated.reason || "Error";
  if (status.phase === "Succeeded" || status.phase === "Failed") return status.phase === "Succeeded" ? "Completed" : "Failed";
  return "ContainerCreating";
}

/** A CSS class for a status. */
export function statusClass(status) {
  if (status === "Running" || status === "Completed") return status.toLowerCase();
  if (status === "Pending") return "pending";
  if (status === "Unschedulable") return "unschedulable";
  if (status === "Terminating") return "terminating";
  if (status === "ContainerCreating" || status === "PodInitializing") return "creating";
  return "failing";
}

/** Who made a request: ``alice as student-3`` when she impersonated (``kubectl --as``). */
export function actor(record) {
  return record.impersonated_user ? `${record.user} as ${record.impersonated_user}` : record.user;
}
