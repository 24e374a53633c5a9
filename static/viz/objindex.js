// What the objects band (objects.js) draws, worked out from the objects alone: which workload
// asked for which pods (their controller ownerReferences), which claims a StatefulSet's pods
// hold and the volumes bound to them, and which pods each Service's EndpointSlices name. No
// drawing here: rows to draw and an index of who belongs to whom, so a pointer on any card
// can light its whole chain. An Ingress names Services (its rules' backends and its default
// backend): Ingress → Service → EndpointSlice → Pods.
import {keyOf} from "./model.js";
import {controllerOf} from "./names.js";

/** The kinds that own pods directly: their cards carry the colour stripe their pods carry. */
export const POD_OWNERS = new Set(["ReplicaSet", "ReplicationController", "Job", "StatefulSet", "DaemonSet"]);
/** Owners drawn with their dependents in one row: a Deployment's ReplicaSets, a CronJob's Jobs. */
const PARENTS = {Deployment: ["ReplicaSet", "replicasets"], CronJob: ["Job", "jobs"]};
/** The workloads a row starts with, and the list each is read from. */
const ROOTS = [["Deployment", "deployments"], ["CronJob", "cronjobs"], ["StatefulSet", "statefulsets"],
  ["DaemonSet", "daemonsets"], ["ReplicationController", "replicationcontrollers"], ["Job", "jobs"],
  ["ReplicaSet", "replicasets"]];

export const objKey = (kind, obj) => `${kind}:${keyOf(obj)}`;
export const rv = obj => Number(obj && obj.metadata.resourceVersion) || 0;
export const created = (a, b) => (a.metadata.creationTimestamp || "").localeCompare(b.metadata.creationTimestamp || "") ||
  keyOf(a).localeCompare(keyOf(b));

const push = (map, key, value) => {
  if (!map.has(key)) map.set(key, []);
  map.get(key).push(value);
};

/** The claim names of a StatefulSet's pod `ordinal`: `<template>-<set>-<ordinal>`, as the
 * StatefulSet controller names them, one per volumeClaimTemplate. */
const claimNames = (sts, ordinal) => ((sts.spec || {}).volumeClaimTemplates || [])
  .map(t => `${t.metadata.name}-${sts.metadata.name}-${ordinal}`);

/** Rows and index from `source(resource)` (a map, or null when the view was read without it).
 * A row: {key, kind, obj, children, claims, activity, units}; a service row: {key, svc, ep,
 * slices: [{obj, pods}], pods, activity}; an ingress row: {key, obj, services (Service keys,
 * in the order its rules name them), activity}. */
export function indexObjects(source) {
  const idx = {ownerOf: new Map(), childrenOf: new Map(), podsOf: new Map(), claimsOf: new Map(),
    podOfClaim: new Map(), pvOf: new Map(), claimOfPv: new Map(), servicesOf: new Map(),
    endpointPods: new Map(), slicesOf: new Map(), servicesOfIngress: new Map(), ingressesOf: new Map()};
  const read = Object.fromEntries(ROOTS.map(([, resource]) => [resource, source(resource)]));
  const pods = source("pods") || new Map();
  const claims = source("persistentvolumeclaims"), volumes = source("persistentvolumes");

  // pods → their controller (only controllers of a kind the band draws)
  for (const p of pods.values()) {
    const ref = controllerOf(p);
    if (!ref || !POD_OWNERS.has(ref.kind)) continue;
    const owner = `${ref.kind}:${p.metadata.namespace}/${ref.name}`, key = `Pod:${keyOf(p)}`;
    idx.ownerOf.set(key, owner);
    push(idx.podsOf, owner, key);
    for (const v of (p.spec || {}).volumes || []) {
      if (!v.persistentVolumeClaim) continue;
      const claim = `PersistentVolumeClaim:${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`;
      push(idx.claimsOf, key, claim);
      idx.podOfClaim.set(claim, key);
    }
  }
  // claims ↔ volumes, both ways (a claim's volumeName, a volume's claimRef)
  if (claims && volumes) {
    for (const c of claims.values()) {
      const pv = (c.spec || {}).volumeName;
      if (pv && volumes.has(`/${pv}`)) {
        idx.pvOf.set(objKey("PersistentVolumeClaim", c), `PersistentVolume:/${pv}`);
        idx.claimOfPv.set(`PersistentVolume:/${pv}`, objKey("PersistentVolumeClaim", c));
      }
    }
  }

  // workload rows: a parent with its dependents, or a workload on its own
  const rows = [];
  const adopted = new Set();
  for (const [parent, [childKind, childResource]] of Object.entries(PARENTS)) {
    const parents = read[ROOTS.find(([k]) => k === parent)[1]], children = read[childResource];
    if (!parents || !children) continue;
    const byParent = new Map();
    for (const child of children.values()) {
      const ref = controllerOf(child);
      if (!ref || ref.kind !== parent || !parents.has(`${child.metadata.namespace}/${ref.name}`)) continue;
      const owner = `${parent}:${child.metadata.namespace}/${ref.name}`;
      idx.ownerOf.set(objKey(childKind, child), owner);
      push(byParent, owner, child);
      adopted.add(objKey(childKind, child));
    }
    for (const obj of parents.values()) {
      const key = objKey(parent, obj);
      const children = (byParent.get(key) || []).sort(created).reverse();  // newest first
      idx.childrenOf.set(key, children.map(c => objKey(childKind, c)));
      rows.push({key, kind: parent, obj, childKind, children, claims: [], units: 1,
        activity: Math.max(rv(obj), ...children.map(rv))});
    }
  }
  for (const [kind, resource] of ROOTS) {
    if (PARENTS[kind] || !read[resource]) continue;
    for (const obj of read[resource].values()) {
      const key = objKey(kind, obj);
      if (adopted.has(key)) continue;
      const row = {key, kind, obj, childKind: "", children: [], claims: [], units: 1, activity: rv(obj)};
      if (kind === "StatefulSet") statefulSetClaims(row, pods, claims, volumes, idx);
      rows.push(row);
    }
  }

  // Services → EndpointSlices (labelled with the Service's name) → pods; the Endpoints object beside
  const services = source("services"), endpoints = source("endpoints"), slices = source("endpointslices");
  const slicesBySvc = new Map();
  if (slices) for (const s of slices.values()) {
    const svc = ((s.metadata.labels || {})["kubernetes.io/service-name"]);
    if (svc) push(slicesBySvc, `${s.metadata.namespace}/${svc}`, s);
  }
  const svcRows = [];
  if (services) for (const svc of services.values()) {
    const key = objKey("Service", svc);
    const ep = endpoints ? endpoints.get(keyOf(svc)) || null : null;
    const own = (slicesBySvc.get(keyOf(svc)) || []).sort(created).map(obj => ({obj, pods: slicePods(obj, svc)}));
    const pods = own.flatMap(s => s.pods);
    idx.slicesOf.set(key, own.map(s => objKey("EndpointSlice", s.obj)));
    idx.endpointPods.set(key, pods.map(p => p.key));
    for (const p of pods) push(idx.servicesOf, p.key, key);
    svcRows.push({key, svc, ep, slices: own, pods,
      activity: Math.max(rv(svc), ep ? rv(ep) : 0, ...own.map(s => rv(s.obj)))});
  }
  const ingressRows = [];
  for (const ing of (source("ingresses") || new Map()).values()) {
    const key = objKey("Ingress", ing);
    const services = ingressServices(ing).map(name => `Service:${ing.metadata.namespace}/${name}`);
    idx.servicesOfIngress.set(key, services);
    for (const svc of services) push(idx.ingressesOf, svc, key);
    ingressRows.push({key, obj: ing, services, activity: rv(ing)});
  }
  return {rows, svcRows, ingressRows, idx};
}

/** The Service names an Ingress routes to, each once: its rules' path backends, then its
 * default backend (a resource backend names no Service). */
export function ingressServices(ing) {
  const spec = ing.spec || {}, names = [];
  const add = backend => {
    const name = backend && backend.service && backend.service.name;
    if (name && !names.includes(name)) names.push(name);
  };
  for (const rule of spec.rules || []) for (const path of (rule.http || {}).paths || []) add(path.backend);
  add(spec.defaultBackend);
  return names;
}

/** A StatefulSet's claims in ordinal order (`www-web-0`, `www-web-1`, …), each with its bound
 * volume; a StatefulSet with claims takes two rows of the band (volumes over claims). */
function statefulSetClaims(row, pods, claims, volumes, idx) {
  const sts = row.obj, ns = sts.metadata.namespace;
  if (!claims || !((sts.spec || {}).volumeClaimTemplates || []).length) return;
  const ordinals = Math.max((sts.spec || {}).replicas ?? 1,
    ...[...pods.values()].filter(p => idx.ownerOf.get(`Pod:${keyOf(p)}`) === row.key)
      .map(p => Number(p.metadata.name.slice(sts.metadata.name.length + 1)) + 1).filter(n => Number.isFinite(n)));
  for (let ordinal = 0; ordinal < ordinals; ordinal++) {
    for (const name of claimNames(sts, ordinal)) {
      const claim = claims.get(`${ns}/${name}`);
      if (!claim) continue;
      const key = objKey("PersistentVolumeClaim", claim);
      const pvName = (claim.spec || {}).volumeName;
      row.claims.push({key, obj: claim, ordinal, pv: pvName && volumes ? volumes.get(`/${pvName}`) || null : null});
    }
  }
  if (row.claims.length) {
    row.units = 2;
    row.activity = Math.max(row.activity, ...row.claims.map(c => Math.max(rv(c.obj), c.pv ? rv(c.pv) : 0)));
  }
}

/** The pods an EndpointSlice names, ready or not (its endpoints' targetRefs). */
function slicePods(slice, svc) {
  const out = [];
  for (const e of slice.endpoints || []) {
    const ref = e.targetRef;
    if (!ref || ref.kind !== "Pod") continue;
    const ready = !e.conditions || e.conditions.ready !== false;
    out.push({key: `Pod:${ref.namespace || svc.metadata.namespace}/${ref.name}`, ready});
  }
  return out;
}
