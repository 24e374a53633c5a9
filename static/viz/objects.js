// The objects band between the control plane and the worker nodes (chapter 11.2: controllers
// cooperate through objects, never by talking to each other). Left, under the controller
// manager: every workload that asks for pods, one row each, with owner links down to its pods
// on the nodes —
//   Deployment → its ReplicaSets (newest first; an old one greyed once scaled to 0);
//   CronJob → its Jobs (newest first; the schedule, active count and last schedule time);
//   StatefulSet, with its claims in ordinal order (`www-web-0`, `www-web-1`…): such a row is
//     two rows high, the volumes over the claims, so the chain reads upwards from each pod —
//     pod → its PersistentVolumeClaim → the PersistentVolume bound to it (Bound / Pending);
//   DaemonSet (one pod per node), ReplicationController, Job (completions, Complete/Failed)
//     and a ReplicaSet no Deployment owns, each on its own row.
// Right, above the kube-proxies: each Service → its EndpointSlice(s) → the endpoint pods; over
// them the most recently changed Ingress (class, hosts), linked to the Services it routes to,
// so the chain reads Ingress → Service → EndpointSlice → Pods; under them the most recently
// changed ResourceQuota, used of hard for each resource it limits (what admission charged and
// the resourcequota controller counted).
// The links to pods start at the slices, not at the Endpoints object, because the slices are
// what kube-proxy reads (since Kubernetes 1.19; Endpoints is deprecated in 1.33): the
// Endpoints object still stands beside them as a small card, the copy the endpoints controller
// keeps for older clients (chapter 11's picture).
//
// Links stay thin; the links of one object light up — its owners, its dependents, its claims
// and volumes, the Services selecting it — while the pointer is on it, once it is clicked, or
// when it is the object of the story step in the caption. A pod owner (ReplicaSet, RC, Job,
// StatefulSet, DaemonSet) and its pods share a colour stripe, so whose pod is whose shows
// without any link. At most MAX_UNITS rows of workloads (the most recently changed, "+N
// more" naming the kinds left out) and MAX_SERVICES rows of Ingress, Services and quota are drawn, so the band keeps its
// height at 1280×720; cards and links are redrawn only when what they show changed.
import {keyOf, state} from "./model.js";
import {charsIn, clip, controllerOf, ownerColour, shortName} from "./names.js";
import {created, indexObjects, objKey, POD_OWNERS, rv} from "./objindex.js";
import {el} from "./svg.js";

export const BAND_TOP = 322;
const TITLE_H = 20;
const ROW_H = 40;
const CARD_H = 32;
const MAX_UNITS = 3;     // rows of workloads (a StatefulSet with claims takes two)
const MAX_SERVICES = 3;  // rows on the right: the Ingress, the Services, the quota
const MAX_CHILDREN = 3;  // ReplicaSets per Deployment, Jobs per CronJob, newest first
const MAX_CLAIMS = 4;    // claims per StatefulSet, in ordinal order
/** Past this many thin links only the lit ones are drawn: a picture of 500 lines says nothing. */
const MAX_THIN_LINKS = 160;
const ROOT = {x: 20, w: 170};
const CHILD = {x: 214, w: 160, step: 166};
const CLAIM = {x: 214, w: 126, step: 132};
const SVC = {x: 770, w: 150};
const SLICE = {x: 928, w: 160};
const EPS = {x: 1094, w: 88};
/** Short labels, as kubectl's short names. */
const LABEL = {Deployment: "deploy", ReplicaSet: "rs", ReplicationController: "rc", Job: "job", CronJob: "cj",
  StatefulSet: "sts", DaemonSet: "ds", PersistentVolumeClaim: "pvc", PersistentVolume: "pv", Service: "svc",
  EndpointSlice: "slice", Endpoints: "ep", Ingress: "ing"};

/** `name`, or `namespace/name` outside `default`. */
const qualified = obj => (obj.metadata.namespace && obj.metadata.namespace !== "default" ?
  `${obj.metadata.namespace}/` : "") + obj.metadata.name;
/** A timestamp's time of day (the cluster's clock, UTC), `12:03:00`. */
const timeOfDay = stamp => (stamp || "").slice(11, 19);
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A map of the view (a past revision, if time travel holds one) or of the live caches; null
 * when the view was read without that resource (then nothing of it is drawn: never today's
 * objects beside the past's pods). */
function source(resource) {
  const view = state.view;
  if (!view) return state[resource] || new Map();
  return view[resource] || null;
}

/** A Job's STATUS as `kubectl get jobs` prints it (upstream's printJob, in its order). */
export function jobState(job) {
  const conditions = (job.status || {}).conditions || [];
  const holds = type => conditions.some(c => c.type === type && c.status === "True");
  if (holds("Complete")) return "Complete";
  if (holds("Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  for (const state of ["Suspended", "FailureTarget", "SuccessCriteriaMet"]) if (holds(state)) return state;
  return "Running";
}

/** A Job's COMPLETIONS as printJob prints it: `2/3`, or `0/1 of 4` for a work queue of four. */
function jobCompletions(job) {
  const spec = job.spec || {}, succeeded = (job.status || {}).succeeded || 0;
  if (spec.completions !== undefined && spec.completions !== null) return `${succeeded}/${spec.completions}`;
  return (spec.parallelism ?? 1) > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
}

export class ObjectsView {
  constructor(diagram) {
    this.diagram = diagram;
    this.layer = el("g", {class: "objects"}, null);
    this.linksLayer = el("g", {class: "object-links"}, null);
    this.links = [];       // {from, to, el}
    this.litPods = new Set();
    this.hover = "";       // what the pointer is on
    this.selected = "";    // what was clicked
    this.story = "";       // the caption's step object
    this.height = TITLE_H + ROW_H;
    const svg = diagram.svg;
    svg.addEventListener("mouseover", ev => this.setHover(focusOf(ev.target)));
    svg.addEventListener("mouseleave", () => this.setHover(""));
    svg.addEventListener("click", ev => { this.selected = focusOf(ev.target); this.applyFocus(); });
  }

  // ------------------------------------------------------------------ what to draw
  /** Index the objects (owners, dependents, claims, endpoints) and choose the rows; returns
   * the band's height. Cards are redrawn only when a shown object changed. */
  layout() {
    const {rows, svcRows, ingressRows, idx} = indexObjects(source);
    this.idx = idx;
    // the most recently changed workloads that fit in MAX_UNITS rows, in the order they were made
    const shown = [];
    let units = 0;
    for (const row of [...rows].sort((a, b) => b.activity - a.activity)) {
      if (units + row.units > MAX_UNITS && row.claims.length && units < MAX_UNITS) {
        row.units = 1;  // no room for its claims: the StatefulSet alone, its card counts them
        row.collapsedClaims = row.claims.length;
        row.claims = [];
      }
      if (units + row.units > MAX_UNITS) continue;
      shown.push(row);
      units += row.units;
    }
    this.shownWorkloads = shown.sort((a, b) => created(a.obj, b.obj));
    const hidden = new Map();
    for (const row of rows) if (!shown.includes(row)) hidden.set(row.kind, (hidden.get(row.kind) || 0) + 1);
    this.hiddenWorkloads = [...hidden].map(([kind, n]) => plural(n, kind)).join(", ");
    const quotas = [...(source("resourcequotas") || new Map()).values()].sort((a, b) => rv(b) - rv(a));
    this.quota = quotas[0] || null;
    this.hiddenQuotas = Math.max(0, quotas.length - 1);
    const ingresses = [...ingressRows].sort((a, b) => b.activity - a.activity);
    this.ingress = ingresses[0] || null;
    this.hiddenIngresses = Math.max(0, ingresses.length - 1);
    // the shown Ingress's Services first (its links need them), then the most recently changed
    const routed = svc => (this.ingress && this.ingress.services.includes(svc.key) ? 1 : 0);
    this.shownServices = [...svcRows].sort((a, b) => routed(b) - routed(a) || b.activity - a.activity)
      .slice(0, MAX_SERVICES - (this.quota ? 1 : 0) - (this.ingress ? 1 : 0))
      .sort((a, b) => created(a.svc, b.svc));
    this.hiddenServices = svcRows.length - this.shownServices.length;
    const right = (this.ingress ? 1 : 0) + this.shownServices.length + (this.quota ? 1 : 0);
    this.height = TITLE_H + Math.max(1, units, right) * ROW_H;
    const sig = JSON.stringify([this.hiddenWorkloads, this.hiddenServices, source("deployments") === null,
      this.shownWorkloads.map(w => [w.key, rv(w.obj), w.collapsedClaims, w.children.map(rv), w.claims.map(c => [c.key, rv(c.obj), c.pv && rv(c.pv)])]),
      this.shownServices.map(r => [r.key, rv(r.svc), r.ep && rv(r.ep), r.slices.map(s => rv(s.obj))]),
      this.quota && [keyOf(this.quota), rv(this.quota), this.hiddenQuotas],
      this.ingress && [this.ingress.key, rv(this.ingress.obj), this.hiddenIngresses]]);
    if (sig !== this.sig) {
      this.sig = sig;
      this.drawCards();
    }
    return this.height;
  }

  // ------------------------------------------------------------------ cards
  drawCards() {
    const layer = this.layer;
    layer.replaceChildren();
    this.anchors = new Map();  // object key -> {bottom, top, left, right: [x, y]}
    const top = BAND_TOP;
    el("text", {x: 14, y: top + 13, class: "region-label"}, layer, "OBJECTS");
    el("text", {x: 84, y: top + 13, class: "small muted"}, layer, clip(
      `Workloads → Pods (ownerReferences)${this.hiddenWorkloads ? ` · +${this.hiddenWorkloads} more` : ""}`, charsIn(680)));
    el("text", {x: SVC.x, y: top + 13, class: "small muted"}, layer,
      `Service → EndpointSlices → Pods · kube-proxy reads the slices${this.hiddenServices ? ` · +${this.hiddenServices} more` : ""}`);
    if (source("deployments") === null) {
      el("text", {x: ROOT.x, y: top + TITLE_H + 20, class: "small muted"}, layer, "not read at this revision");
    } else if (!this.shownWorkloads.length) {
      el("text", {x: ROOT.x, y: top + TITLE_H + 20, class: "small muted"}, layer,
        "no workloads yet: kubectl create deployment web --image=nginx --replicas=3");
    }
    let y = top + TITLE_H;
    for (const w of this.shownWorkloads) {
      this.workloadRow(w, y);
      y += w.units * ROW_H;
    }
    const first = this.ingress ? 1 : 0;
    this.shownServices.forEach((r, row) => this.serviceCards(r, top + TITLE_H + (first + row) * ROW_H));
    if (this.ingress) this.ingressCard(this.ingress, top + TITLE_H);
    if (this.quota) this.quotaCard(this.quota, top + TITLE_H + (first + this.shownServices.length) * ROW_H);
  }

  /** An Ingress: its class and hosts, linked to the shown Services it routes to (each link
   * bends out left of the Service column, from the Ingress down to the Service's card). */
  ingressCard(row, y) {
    const ing = row.obj, spec = ing.spec || {};
    const hosts = [...new Set((spec.rules || []).map(r => r.host || "*"))];
    const cls = spec.ingressClassName || "(no class)";
    const address = (((ing.status || {}).loadBalancer || {}).ingress || []).map(a => a.ip || a.hostname).filter(Boolean);
    const names = row.services.map(k => k.slice(k.indexOf("/") + 1));
    const defaultBackend = ((spec.defaultBackend || {}).service || {}).name;
    this.card("Ingress", ing, SVC.x, y, SLICE.x + SLICE.w - SVC.x, ["ing", qualified(ing),
      `class ${cls} · ${hosts.join(", ") || "any host"}`, this.hiddenIngresses ? `+${this.hiddenIngresses} more` : ""], {
      data: {"data-class": cls, "data-hosts": hosts.join(","), "data-services": names.join(",")},
      title: `Ingress ${keyOf(ing)}: class ${cls}, hosts ${hosts.join(", ") || "(any)"}, address ${address.join(", ") || "(none yet)"}; ` +
        `routes to Service${names.length === 1 ? "" : "s"} ${names.join(", ") || "(none)"}` +
        `${defaultBackend ? ` (default backend ${defaultBackend})` : ""}`});
    const cy = y + CARD_H / 2;
    this.shownServices.forEach((r, i) => {
      if (!row.services.includes(r.key)) return;
      const sy = y + (i + 1) * ROW_H + CARD_H / 2, bend = SVC.x - 12 - 6 * i;
      el("path", {d: `M${SVC.x} ${cy} C${bend} ${cy} ${bend} ${sy} ${SVC.x} ${sy}`, class: "ingress-link static",
        "data-from": row.key, "data-to": r.key}, this.layer);
    });
  }

  /** A ResourceQuota: used of hard for each resource, as `kubectl describe quota` pairs them. */
  quotaCard(q, y) {
    const hard = (q.status || {}).hard || (q.spec || {}).hard || {}, used = (q.status || {}).used || {};
    const detail = Object.keys(hard).sort().map(r => `${r} ${used[r] ?? "–"}/${hard[r]}`).join(" · ");
    this.card("ResourceQuota", q, SVC.x, y, EPS.x + EPS.w - SVC.x, ["quota", qualified(q), detail || "no limits",
      this.hiddenQuotas ? `+${this.hiddenQuotas} more` : ""], {
      data: {"data-used": JSON.stringify(used), "data-hard": JSON.stringify(hard)},
      title: `ResourceQuota ${keyOf(q)}: ${Object.keys(hard).sort().map(r => `${r} used ${used[r] ?? "(not counted yet)"} of ${hard[r]}`).join(", ")}`});
  }

  workloadRow(w, y) {
    this.objectCard(w.kind, w.obj, ROOT.x, y, ROOT.w, w.collapsedClaims ? {"data-claims-hidden": w.collapsedClaims} : {});
    if (w.collapsedClaims) {
      el("text", {x: CHILD.x, y: y + 20, class: "tiny muted"}, this.layer,
        `${plural(w.collapsedClaims, "claim")} not drawn: the band holds ${MAX_UNITS} rows`);
    }
    const children = w.children.slice(0, MAX_CHILDREN);
    children.forEach((child, i) => {
      const x = CHILD.x + i * CHILD.step;
      this.objectCard(w.childKind, child, x, y, CHILD.w);
      const d = i === 0 ? `M${ROOT.x + ROOT.w} ${y + CARD_H / 2} H${x}`
        : `M${ROOT.x + ROOT.w} ${y + 6} C${x - 30} ${y - 8} ${x + 10} ${y - 8} ${x + 24} ${y}`;
      el("path", {d, class: "owner-link static", "data-from": w.key, "data-to": objKey(w.childKind, child)}, this.layer);
    });
    if (w.children.length > MAX_CHILDREN) {
      el("text", {x: CHILD.x + MAX_CHILDREN * CHILD.step - 4, y: y + 20, class: "tiny muted"}, this.layer,
        `+${w.children.length - MAX_CHILDREN} older`);
    }
    // a StatefulSet's claims under their volumes: pod → claim → volume reads upwards
    const claims = w.claims.slice(0, MAX_CLAIMS);
    claims.forEach((c, i) => {
      const x = CLAIM.x + i * CLAIM.step, claimY = y + ROW_H;
      this.objectCard("PersistentVolumeClaim", c.obj, x, claimY, CLAIM.w, {"data-ordinal": c.ordinal});
      if (c.pv) {
        this.objectCard("PersistentVolume", c.pv, x, y, CLAIM.w);
        el("path", {d: `M${x + CLAIM.w / 2} ${claimY} V${y + CARD_H}`, class: "claim-link static",
          "data-from": c.key, "data-to": objKey("PersistentVolume", c.pv)}, this.layer);
      } else {
        el("text", {x: x + 4, y: y + 20, class: "tiny muted", "data-no-volume": c.key}, this.layer,
          clip(`no PV yet (${(c.obj.status || {}).phase || "Pending"})`, charsIn(CLAIM.w - 4, "tiny")));
      }
    });
    if (w.claims.length > MAX_CLAIMS) {
      el("text", {x: CLAIM.x + MAX_CLAIMS * CLAIM.step - 4, y: y + ROW_H + 20, class: "tiny muted"}, this.layer,
        `+${w.claims.length - MAX_CLAIMS} claims`);
    }
  }

  card(kind, obj, x, y, w, lines, extra = {}) {
    const key = objKey(kind, obj);
    const g = el("g", {class: `object ${kind.toLowerCase()}${extra.cls ? " " + extra.cls : ""}`, "data-obj": key,
      "data-kind": kind, "data-key": keyOf(obj),
      "data-inspect": `object:${kind}:${obj.metadata.namespace || ""}:${obj.metadata.name}`, ...extra.data}, this.layer);
    el("title", {}, g, extra.title || `${kind} ${keyOf(obj).replace(/^\//, "")}`);
    el("rect", {x, y, width: w, height: CARD_H, rx: 5, class: "object-box"}, g);
    if (extra.colour) el("rect", {x, y, width: 5, height: CARD_H, rx: 2, class: "owner-stripe", fill: extra.colour}, g);
    const pad = extra.colour ? 10 : 8;
    const [label, name, detail, note = ""] = lines;
    el("text", {x: x + pad, y: y + 13, class: "small strong"}, g,
      `${label} ${shortName(name, charsIn(w - pad - 6 - label.length * 6.9, "strong"))}`);
    if (note) el("text", {x: x + w - 5, y: y + 26, class: "tiny end muted"}, g, note);
    el("text", {x: x + pad, y: y + 26, class: "tiny"}, g, clip(detail, charsIn(w - pad - 6 - note.length * 5.6, "tiny")));
    this.anchors.set(key, {bottom: [x + w / 2, y + CARD_H], top: [x + w / 2, y], left: [x, y + CARD_H / 2], right: [x + w, y + CARD_H / 2]});
    return g;
  }

  /** The card of a workload, a claim or a volume: what its kind says in one line. */
  objectCard(kind, obj, x, y, w, data = {}) {
    const {detail, note = "", cls = "", title, data: more = {}} = DESCRIBE[kind](obj);
    const owner = controllerOf(obj);
    this.card(kind, obj, x, y, w, [LABEL[kind], qualified(obj), detail, note], {
      cls, title: `${kind} ${keyOf(obj).replace(/^\//, "")}: ${title || detail}`,
      colour: POD_OWNERS.has(kind) ? ownerColour(obj.metadata.namespace, obj.metadata.name) : null,
      data: {...more, ...data, "data-owner": owner ? `${owner.kind}:${obj.metadata.namespace}/${owner.name}` : ""}});
  }

  serviceCards(r, y) {
    const spec = r.svc.spec || {};
    const ports = (spec.ports || []).map(p => `${p.port}/${p.protocol || "TCP"}`).join(",");
    this.card("Service", r.svc, SVC.x, y, SVC.w, ["svc", qualified(r.svc), `${spec.type || "ClusterIP"} ${spec.clusterIP || ""} ${ports}`], {
      title: `Service ${keyOf(r.svc)}: ${spec.type || "ClusterIP"} ${spec.clusterIP || ""} ${ports}`});
    const [slice] = r.slices;
    if (slice) {
      const ready = slice.pods.filter(p => p.ready).length, notReady = slice.pods.length - ready;
      const addresses = (slice.obj.endpoints || []).length;
      const detail = slice.pods.length ? `${ready} ready pod(s)${notReady ? ` · ${notReady} not ready` : ""}`
        : addresses ? `${addresses} address(es), not pods` : "no pod matches the selector";
      const more = r.slices.length > 1 ? `+${r.slices.length - 1} slices` : "";
      this.card("EndpointSlice", slice.obj, SLICE.x, y, SLICE.w, ["slice", slice.obj.metadata.name, detail, more], {
        data: {"data-ready": ready, "data-not-ready": notReady, "data-service": r.key, "data-slices": r.slices.length},
        title: `EndpointSlice ${keyOf(slice.obj)} (${slice.obj.addressType || "IPv4"}) of Service ${keyOf(r.svc)}: ` +
          `${detail}${more ? ` (${more}: ${r.slices.slice(1).map(s => s.obj.metadata.name).join(", ")})` : ""}`});
      el("path", {d: `M${SVC.x + SVC.w} ${y + CARD_H / 2} H${SLICE.x}`, class: "endpoint-link static",
        "data-from": r.key, "data-to": objKey("EndpointSlice", slice.obj)}, this.layer);
    } else {
      el("text", {x: SLICE.x, y: y + 20, class: "tiny muted"}, this.layer, "no EndpointSlice");
    }
    if (r.ep) {
      let ready = 0, notReady = 0;
      for (const s of r.ep.subsets || []) { ready += (s.addresses || []).length; notReady += (s.notReadyAddresses || []).length; }
      this.card("Endpoints", r.ep, EPS.x, y, EPS.w, ["ep", r.ep.metadata.name, `${ready} ready`], {
        data: {"data-ready": ready, "data-not-ready": notReady},
        title: `Endpoints ${keyOf(r.ep)}: ${ready} ready, ${notReady} not ready address(es) — the older copy ` +
          "of the slices, kept for clients that read Endpoints (deprecated in Kubernetes 1.33)"});
    }
  }

  // ------------------------------------------------------------------ links to pods
  /** Thin links from each shown pod owner to its pods, from each shown claim to the pod that
   * mounts it, and from each shown EndpointSlice to its pods, wherever `positions` (pod key ->
   * [x, y, compact, card, tray]) put them; redrawn only when a link or a pod's place changed. */
  renderLinks(positions) {
    const idx = this.idx, wanted = [];
    for (const [owner, pods] of idx.podsOf) {
      if (this.anchors.has(owner)) for (const pod of pods) wanted.push([owner, pod, "owner-link"]);
    }
    for (const [claim, pod] of idx.podOfClaim) if (this.anchors.has(claim)) wanted.push([claim, pod, "claim-link"]);
    for (const r of this.shownServices) {
      const [slice] = r.slices;
      if (slice) for (const pod of slice.pods) wanted.push([objKey("EndpointSlice", slice.obj), pod.key, "endpoint-link"]);
    }
    const thin = wanted.length <= MAX_THIN_LINKS;
    const geometry = [];
    for (const [from, to, cls] of wanted) {
      const at = positions.get(to.slice(4)), card = this.anchors.get(from);
      if (!at || !card) continue;
      const [x, y, , size, tray] = at;
      const [sx, sy] = card.bottom;
      const tx = x + size.w / 2, ty = tray ? y + size.h : y;
      const bend = Math.max(20, Math.abs(ty - sy) / 2);
      geometry.push([from, to, cls, `M${sx} ${sy} C${sx} ${sy + (ty > sy ? bend : -bend)} ${tx} ${ty + (ty > sy ? -bend : bend)} ${tx} ${ty}`]);
    }
    const sig = `${thin}|${geometry.map(g => g[3] + g[1] + g[2]).join("|")}`;
    if (sig === this.linksSig) return;
    this.linksSig = sig;
    this.linksLayer.replaceChildren();
    this.linksLayer.classList.toggle("crowded", !thin);
    this.links = geometry.map(([from, to, cls, d]) => ({from, to, el: el("path", {d, class: cls, "data-from": from, "data-to": to}, this.linksLayer)}));
    this.applyFocus();
  }

  // ------------------------------------------------------------------ focus
  setHover(key) {
    if (key === this.hover) return;
    this.hover = key;
    this.applyFocus();
  }

  /** The story step's object (`{kind, namespace, name}`) lights its links until the next one. */
  setStoryObject(obj) {
    this.story = obj && obj.kind && obj.name ? `${obj.kind}:${obj.namespace || ""}/${obj.name}` : "";
    this.applyFocus();
  }

  /** Everything linked to `key`: its owners up the chain, its dependents down it (pods, their
   * claims and volumes), the Services whose slices hold it (and, for a Service, its slices,
   * Endpoints and their pods), the Ingresses routing to those Services (and, for an Ingress,
   * its Services with theirs). */
  relatedTo(key) {
    const idx = this.idx || {};
    const out = new Set();
    if (!key || !idx.ownerOf) return out;
    const withClaims = pod => {
      out.add(pod);
      for (const claim of idx.claimsOf.get(pod) || []) {
        out.add(claim);
        if (idx.pvOf.has(claim)) out.add(idx.pvOf.get(claim));
      }
    };
    const down = k => {
      out.add(k);
      for (const child of idx.childrenOf.get(k) || []) down(child);
      for (const pod of idx.podsOf.get(k) || []) withClaims(pod);
    };
    if (idx.claimOfPv.has(key)) { out.add(key); key = idx.claimOfPv.get(key); }
    if (idx.podOfClaim.has(key)) { out.add(key); key = idx.podOfClaim.get(key); }
    if (key.startsWith("Pod:")) withClaims(key);
    down(key);
    for (let up = idx.ownerOf.get(key); up; up = idx.ownerOf.get(up)) out.add(up);
    if (key.startsWith("Endpoints:")) key = `Service:${key.slice(10)}`;
    if (key.startsWith("EndpointSlice:")) {
      key = [...idx.slicesOf].find(([, slices]) => slices.includes(key))?.[0] || key;
    }
    const service = svc => {
      out.add(svc).add(`Endpoints:${svc.slice(8)}`);
      for (const s of idx.slicesOf.get(svc) || []) out.add(s);
      for (const ing of idx.ingressesOf.get(svc) || []) out.add(ing);
    };
    const withPods = svc => {
      service(svc);
      for (const pod of idx.endpointPods.get(svc) || []) out.add(pod);
    };
    if (key.startsWith("Service:")) withPods(key);
    if (key.startsWith("Ingress:")) for (const svc of idx.servicesOfIngress.get(key) || []) withPods(svc);
    for (const svc of idx.servicesOf.get(key) || []) service(svc);
    return out;
  }

  /** Light the links and cards related to what the pointer is on, else what was clicked,
   * else the story step's object; classes only, nothing is redrawn. */
  applyFocus() {
    const focus = this.hover || this.selected || this.story;
    const related = this.relatedTo(focus);
    this.layer.setAttribute("data-focus", focus);
    for (const path of [...this.layer.querySelectorAll("path[data-from]"), ...this.links.map(l => l.el)]) {
      path.classList.toggle("lit", related.has(path.dataset.from) && related.has(path.dataset.to));
    }
    for (const card of this.layer.querySelectorAll(".object")) card.classList.toggle("related", related.has(card.dataset.obj));
    this.linksLayer.classList.toggle("focused", related.size > 0);
    const pods = new Set([...related].filter(k => k.startsWith("Pod:")).map(k => k.slice(4)));
    for (const key of this.litPods) if (!pods.has(key)) this.diagram.markPod(key, false);
    for (const key of pods) this.diagram.markPod(key, true);
    this.litPods = pods;
  }
}

/** What each kind's card says: {detail, note, cls, title, data}. */
const DESCRIBE = {
  Deployment(d) {
    const desired = (d.spec || {}).replicas ?? 1, status = d.status || {};
    const ready = status.readyReplicas || 0, updated = status.updatedReplicas || 0;
    return {detail: `ready ${ready}/${desired} · up-to-date ${updated}`,
      title: `${desired} desired, ${updated} up-to-date, ${ready} ready`,
      data: {"data-desired": desired, "data-ready": ready, "data-updated": updated}};
  },
  ReplicaSet(rs) {
    const desired = (rs.spec || {}).replicas ?? 1, status = rs.status || {};
    const ready = status.readyReplicas || 0, current = status.replicas || 0;
    const revision = ((rs.metadata.annotations || {})["deployment.kubernetes.io/revision"]) || "";
    return {detail: `desired ${desired} · ready ${ready}`, note: revision ? `rev ${revision}` : "",
      cls: desired === 0 && current === 0 ? "scaled-down" : "",
      title: `${revision ? `revision ${revision}, ` : ""}${desired} desired, ${current} current, ${ready} ready`,
      data: {"data-desired": desired, "data-ready": ready, "data-revision": revision}};
  },
  ReplicationController(rc) {
    const desired = (rc.spec || {}).replicas ?? 1, status = rc.status || {};
    const ready = status.readyReplicas || 0, current = status.replicas || 0;
    return {detail: `desired ${desired} · ready ${ready}`,
      title: `${desired} desired, ${current} current, ${ready} ready (selector ${JSON.stringify((rc.spec || {}).selector || {})})`,
      data: {"data-desired": desired, "data-ready": ready, "data-current": current}};
  },
  Job(job) {
    const spec = job.spec || {}, status = job.status || {};
    const succeeded = status.succeeded || 0, failed = status.failed || 0, done = jobCompletions(job);
    const st = jobState(job);
    return {detail: `${done} · ${st}${failed ? ` · ${failed} failed` : ""}`,
      cls: `job-${st.toLowerCase()}`,
      title: `${st}, completions ${done}, ${status.active || 0} active, ${failed} failed ` +
        `(parallelism ${spec.parallelism ?? 1}, backoffLimit ${spec.backoffLimit ?? 6})`,
      data: {"data-succeeded": succeeded, "data-completions": done, "data-failed": failed, "data-state": st}};
  },
  CronJob(cj) {
    const spec = cj.spec || {}, status = cj.status || {};
    const active = (status.active || []).length, last = status.lastScheduleTime || "";
    // the schedule is on hover: the card has room for what changes, the active Jobs and the last run
    return {detail: `active ${active}${spec.suspend ? " · suspended" : ""}`,
      note: last ? `last ${timeOfDay(last)}` : "",
      title: `schedule "${spec.schedule || ""}", ${plural(active, "active Job")}, last schedule ${last || "never"}` +
        `${status.lastSuccessfulTime ? `, last success ${status.lastSuccessfulTime}` : ""}`,
      data: {"data-active": active, "data-last-schedule": last, "data-schedule": spec.schedule || ""}};
  },
  StatefulSet(sts) {
    const spec = sts.spec || {}, status = sts.status || {};
    const desired = spec.replicas ?? 1, ready = status.readyReplicas || 0;
    const parallel = spec.podManagementPolicy === "Parallel";
    return {detail: `ready ${ready}/${desired} · ${parallel ? "in parallel" : "one by one"}`,
      title: `${desired} desired, ${status.replicas || 0} current, ${ready} ready; pods ${sts.metadata.name}-0…` +
        `${sts.metadata.name}-${Math.max(0, desired - 1)}, ${parallel ? "made in parallel" : "made in ordinal order"}` +
        `${spec.serviceName ? `, Service ${spec.serviceName}` : ""}`,
      data: {"data-desired": desired, "data-ready": ready}};
  },
  DaemonSet(ds) {
    const status = ds.status || {};
    const desired = status.desiredNumberScheduled || 0, ready = status.numberReady || 0;
    return {detail: `ready ${ready}/${desired} · 1 per node`,
      title: `${desired} desired (one per eligible node), ${status.currentNumberScheduled || 0} scheduled, ${ready} ready`,
      data: {"data-desired": desired, "data-ready": ready}};
  },
  PersistentVolumeClaim(pvc) {
    const spec = pvc.spec || {}, status = pvc.status || {};
    const phase = status.phase || "Pending";
    const size = (status.capacity || {}).storage || ((spec.resources || {}).requests || {}).storage || "";
    return {detail: `${phase}${size ? ` · ${size}` : ""}`, cls: `phase-${phase.toLowerCase()}`,
      title: `${phase}${spec.volumeName ? ` to PersistentVolume ${spec.volumeName}` : ""}, ${size || "no size"}, ` +
        `class ${spec.storageClassName || "(none)"}`,
      data: {"data-phase": phase, "data-volume": spec.volumeName || ""}};
  },
  PersistentVolume(pv) {
    const spec = pv.spec || {}, phase = (pv.status || {}).phase || "Pending";
    const claim = spec.claimRef ? `${spec.claimRef.namespace}/${spec.claimRef.name}` : "";
    return {detail: `${phase} · ${(spec.capacity || {}).storage || ""}`, cls: `phase-${phase.toLowerCase()}`,
      title: `${phase}${claim ? ` to claim ${claim}` : ""}, ${(spec.capacity || {}).storage || ""}, ` +
        `class ${spec.storageClassName || "(none)"}, reclaim ${spec.persistentVolumeReclaimPolicy || "Retain"}`,
      data: {"data-phase": phase, "data-claim": claim}};
  },
};

/** The object key (`Kind:namespace/name`) of a diagram element: an object card or a pod. */
function focusOf(target) {
  const obj = target.closest && target.closest("[data-obj], [data-pod]");
  if (!obj) return "";
  return obj.dataset.obj || `Pod:${obj.dataset.pod}`;
}
