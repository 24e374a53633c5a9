// The objects band between the control plane and the worker nodes (chapter 11.2: controllers
// cooperate through objects, never by talking to each other). Left, under the controller
// manager: each Deployment with its ReplicaSets (newest first, desired/ready on each card, an
// old one greyed once scaled to 0) and owner links down to their pods on the nodes. Right,
// above the kube-proxies: each Service with its Endpoints and links to the endpoint pods.
//
// Links stay thin; the links of one object light up — its owners, its dependents, the
// Services selecting it — while the pointer is on it, once it is clicked, or when it is the
// object of the story step in the caption. A ReplicaSet and its pods share a colour stripe, so
// a rollout's old and new pods can be told apart without any link. At most MAX_ROWS
// workloads and Services are drawn (the most recently changed, "+N more" for the rest), and
// cards and links are redrawn only when what they show changed.
import {keyOf, state} from "./model.js";
import {charsIn, clip, controllerOf, ownerColour, shortName} from "./names.js";
import {el} from "./svg.js";

export const BAND_TOP = 322;
const TITLE_H = 20;
const ROW_H = 40;
const CARD_H = 32;
const MAX_ROWS = 3;
const MAX_RS = 3;  // ReplicaSets drawn per Deployment, newest first
/** Past this many thin links only the lit ones are drawn: a picture of 500 lines says nothing. */
const MAX_THIN_LINKS = 160;
const DEPLOY = {x: 20, w: 170};
const RS = {x: 214, w: 160, step: 166};
const SVC = {x: 770, w: 180};
const EPS = {x: 960, w: 222};

const objKey = (kind, obj) => `${kind}:${keyOf(obj)}`;
const rv = obj => Number(obj.metadata.resourceVersion) || 0;
const created = (a, b) => (a.metadata.creationTimestamp || "").localeCompare(b.metadata.creationTimestamp || "") ||
  keyOf(a).localeCompare(keyOf(b));
/** `name`, or `namespace/name` outside `default`. */
const qualified = obj => (obj.metadata.namespace && obj.metadata.namespace !== "default" ?
  `${obj.metadata.namespace}/` : "") + obj.metadata.name;

/** A map of the view (a past revision, if time travel holds one) or of the live caches; null
 * when the view was read without that resource (then nothing of it is drawn: never today's
 * objects beside the past's pods). */
function source(resource) {
  const view = state.view;
  if (!view) return state[resource] || new Map();
  return view[resource] || null;
}

export class ObjectsView {
  constructor(diagram) {
    this.diagram = diagram;
    this.layer = el("g", {class: "objects"}, null);
    this.linksLayer = el("g", {class: "object-links"}, null);
    this.links = [];       // {from, to, kind, el}
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
  /** Index the objects (owners, dependents, endpoints) and choose the rows; returns the
   * band's height. Cards are redrawn only when a shown object changed. */
  layout() {
    const deployments = source("deployments"), replicasets = source("replicasets");
    const services = source("services"), endpoints = source("endpoints");
    const idx = {rsOf: new Map(), podsOf: new Map(), ownerOf: new Map(), servicesOf: new Map(), endpointPods: new Map()};
    const workloads = [];
    if (deployments && replicasets) {
      const byDeploy = new Map();
      for (const rs of replicasets.values()) {
        const ref = controllerOf(rs);
        const owner = ref && ref.kind === "Deployment" ? `Deployment:${rs.metadata.namespace}/${ref.name}` : "";
        if (owner && deployments.has(`${rs.metadata.namespace}/${ref.name}`)) {
          idx.ownerOf.set(objKey("ReplicaSet", rs), owner);
          if (!byDeploy.has(owner)) byDeploy.set(owner, []);
          byDeploy.get(owner).push(rs);
        } else workloads.push({key: objKey("ReplicaSet", rs), deploy: null, sets: [rs], activity: rv(rs)});
      }
      for (const d of deployments.values()) {
        const key = objKey("Deployment", d);
        const sets = (byDeploy.get(key) || []).sort(created).reverse();
        idx.rsOf.set(key, sets.map(rs => objKey("ReplicaSet", rs)));
        workloads.push({key, deploy: d, sets, activity: Math.max(rv(d), ...sets.map(rv))});
      }
    }
    this.shownWorkloads = pick(workloads, w => w.deploy || w.sets[0]);
    const svcRows = [];
    if (services) for (const svc of services.values()) {
      const ep = endpoints ? endpoints.get(keyOf(svc)) : null;
      const pods = [];
      for (const subset of (ep && ep.subsets) || []) {
        for (const [list, ready] of [[subset.addresses || [], true], [subset.notReadyAddresses || [], false]]) {
          for (const a of list) if (a.targetRef && a.targetRef.kind === "Pod") {
            pods.push({key: `Pod:${a.targetRef.namespace || svc.metadata.namespace}/${a.targetRef.name}`, ready});
          }
        }
      }
      const key = objKey("Service", svc);
      idx.endpointPods.set(key, pods.map(p => p.key));
      for (const p of pods) {
        if (!idx.servicesOf.has(p.key)) idx.servicesOf.set(p.key, []);
        idx.servicesOf.get(p.key).push(key);
      }
      svcRows.push({key, svc, ep, pods, activity: Math.max(rv(svc), ep ? rv(ep) : 0)});
    }
    this.shownServices = pick(svcRows, r => r.svc);
    this.idx = idx;
    this.hidden = {workloads: workloads.length - this.shownWorkloads.length, services: svcRows.length - this.shownServices.length};
    const rows = Math.max(1, this.shownWorkloads.length, this.shownServices.length);
    this.height = TITLE_H + rows * ROW_H;
    const sig = JSON.stringify([this.hidden, source("deployments") === null,
      this.shownWorkloads.map(w => [w.key, w.deploy && rv(w.deploy), w.sets.map(rv)]),
      this.shownServices.map(r => [r.key, rv(r.svc), r.ep && rv(r.ep)])]);
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
    this.anchors = new Map();  // object key -> {bottom: [x, y], left: [x, y], top: [x, y]}
    const top = BAND_TOP;
    el("text", {x: 14, y: top + 13, class: "region-label"}, layer, "OBJECTS");
    el("text", {x: 84, y: top + 13, class: "small muted"}, layer,
      `Deployment → ReplicaSets → Pods (ownerReferences)${this.hidden.workloads ? ` · +${this.hidden.workloads} more` : ""}`);
    el("text", {x: SVC.x, y: top + 13, class: "small muted"}, layer,
      `Service → Endpoints → Pods · kube-proxy turns them into rules${this.hidden.services ? ` · +${this.hidden.services} more` : ""}`);
    if (source("deployments") === null) {
      el("text", {x: DEPLOY.x, y: top + TITLE_H + 20, class: "small muted"}, layer, "not read at this revision");
    } else if (!this.shownWorkloads.length) {
      el("text", {x: DEPLOY.x, y: top + TITLE_H + 20, class: "small muted"}, layer,
        "no Deployments yet: kubectl create deployment web --image=nginx --replicas=3");
    }
    this.shownWorkloads.forEach((w, row) => {
      const y = top + TITLE_H + row * ROW_H;
      if (w.deploy) this.deploymentCard(w.deploy, y);
      const sets = w.sets.slice(0, MAX_RS);
      sets.forEach((rs, i) => {
        const x = (w.deploy ? RS.x : DEPLOY.x) + i * RS.step;
        this.replicaSetCard(rs, x, y);
        if (w.deploy) {
          const from = `Deployment:${keyOf(w.deploy)}`, to = objKey("ReplicaSet", rs);
          const d = i === 0 ? `M${DEPLOY.x + DEPLOY.w} ${y + CARD_H / 2} H${x}`
            : `M${DEPLOY.x + DEPLOY.w} ${y + 6} C${x - 30} ${y - 8} ${x + 10} ${y - 8} ${x + 24} ${y}`;
          el("path", {d, class: "owner-link static", "data-from": from, "data-to": to}, layer);
        }
      });
      if (w.sets.length > MAX_RS) {
        el("text", {x: RS.x + MAX_RS * RS.step - 4, y: y + 20, class: "tiny muted"}, layer,
          `+${w.sets.length - MAX_RS} older`);
      }
    });
    this.shownServices.forEach((r, row) => {
      const y = top + TITLE_H + row * ROW_H;
      this.serviceCards(r, y);
    });
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
    this.anchors.set(key, {bottom: [x + w / 2, y + CARD_H], left: [x, y + CARD_H / 2], right: [x + w, y + CARD_H / 2]});
    return g;
  }

  deploymentCard(d, y) {
    const spec = d.spec || {}, status = d.status || {};
    const desired = spec.replicas ?? 1, ready = status.readyReplicas || 0, updated = status.updatedReplicas || 0;
    this.card("Deployment", d, DEPLOY.x, y, DEPLOY.w, ["deploy", qualified(d), `ready ${ready}/${desired} · up-to-date ${updated}`], {
      data: {"data-desired": desired, "data-ready": ready, "data-updated": updated},
      title: `Deployment ${keyOf(d)}: ${desired} desired, ${updated} up-to-date, ${ready} ready`});
  }

  replicaSetCard(rs, x, y) {
    const desired = (rs.spec || {}).replicas ?? 1, status = rs.status || {};
    const ready = status.readyReplicas || 0, current = status.replicas || 0;
    const revision = ((rs.metadata.annotations || {})["deployment.kubernetes.io/revision"]) || "";
    const owner = controllerOf(rs);
    this.card("ReplicaSet", rs, x, y, RS.w, ["rs", qualified(rs), `desired ${desired} · ready ${ready}`, revision ? `rev ${revision}` : ""], {
      cls: desired === 0 && current === 0 ? "scaled-down" : "",
      colour: ownerColour(rs.metadata.namespace, rs.metadata.name),
      data: {"data-desired": desired, "data-ready": ready, "data-revision": revision,
        "data-owner": owner ? `${owner.kind}:${rs.metadata.namespace}/${owner.name}` : ""},
      title: `ReplicaSet ${keyOf(rs)}${revision ? ` (revision ${revision})` : ""}: ${desired} desired, ${current} current, ${ready} ready`});
  }

  serviceCards(r, y) {
    const spec = r.svc.spec || {};
    const ports = (spec.ports || []).map(p => `${p.port}/${p.protocol || "TCP"}`).join(",");
    this.card("Service", r.svc, SVC.x, y, SVC.w, ["svc", qualified(r.svc), `${spec.type || "ClusterIP"} ${spec.clusterIP || ""} ${ports}`], {
      title: `Service ${keyOf(r.svc)}: ${spec.type || "ClusterIP"} ${spec.clusterIP || ""} ${ports}`});
    const ready = r.pods.filter(p => p.ready).length, notReady = r.pods.length - ready;
    const addresses = r.ep ? (r.ep.subsets || []).reduce((n, s) => n + (s.addresses || []).length, 0) : 0;
    const detail = !r.ep ? "no Endpoints object"
      : r.pods.length ? `${ready} ready pod(s)${notReady ? ` · ${notReady} not ready` : ""}`
        : addresses ? `${addresses} address(es), not pods` : "no ready pod matches the selector";
    if (r.ep) {
      this.card("Endpoints", r.ep, EPS.x, y, EPS.w, ["endpoints", qualified(r.ep), detail], {
        data: {"data-ready": ready, "data-not-ready": notReady}, title: `Endpoints ${keyOf(r.ep)}: ${detail}`});
      el("path", {d: `M${SVC.x + SVC.w} ${y + CARD_H / 2} H${EPS.x}`, class: "endpoint-link static",
        "data-from": r.key, "data-to": `Endpoints:${keyOf(r.ep)}`}, this.layer);
    } else el("text", {x: EPS.x, y: y + 20, class: "tiny muted"}, this.layer, detail);
  }

  // ------------------------------------------------------------------ links to pods
  /** Thin links from each shown ReplicaSet to its pods and from each shown Endpoints to its
   * pods, wherever `positions` (pod key -> [x, y, compact, card, tray]) put them; redrawn only
   * when a link or a pod's place changed. */
  renderLinks(positions) {
    const pods = source("pods") || new Map();
    const wanted = [];
    const shownRS = new Set();
    for (const w of this.shownWorkloads) for (const rs of w.sets.slice(0, MAX_RS)) shownRS.add(objKey("ReplicaSet", rs));
    this.idx.podsOf = new Map();
    for (const p of pods.values()) {
      const ref = controllerOf(p);
      if (!ref || ref.kind !== "ReplicaSet") continue;
      const owner = `ReplicaSet:${p.metadata.namespace}/${ref.name}`;
      const key = `Pod:${keyOf(p)}`;
      this.idx.ownerOf.set(key, owner);
      if (!this.idx.podsOf.has(owner)) this.idx.podsOf.set(owner, []);
      this.idx.podsOf.get(owner).push(key);
      if (shownRS.has(owner)) wanted.push([owner, key, "owner-link"]);
    }
    for (const r of this.shownServices) {
      if (r.ep) for (const pod of r.pods) wanted.push([`Endpoints:${keyOf(r.ep)}`, pod.key, "endpoint-link"]);
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
    const sig = `${thin}|${geometry.map(g => g[3] + g[1]).join("|")}`;
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

  /** Everything linked to `key`: its owners up the chain, its dependents down it, the
   * Services whose endpoints hold it (and, for a Service, its Endpoints and their pods). */
  relatedTo(key) {
    const idx = this.idx || {};
    const out = new Set();
    if (!key || !idx.ownerOf) return out;
    const down = k => {
      out.add(k);
      for (const rs of idx.rsOf.get(k) || []) down(rs);
      for (const pod of (idx.podsOf && idx.podsOf.get(k)) || []) out.add(pod);
    };
    down(key);
    for (let up = idx.ownerOf.get(key); up; up = idx.ownerOf.get(up)) out.add(up);
    if (key.startsWith("Endpoints:")) key = `Service:${key.slice(10)}`;
    if (key.startsWith("Service:")) {
      out.add(key).add(`Endpoints:${key.slice(8)}`);
      for (const pod of idx.endpointPods.get(key) || []) out.add(pod);
    }
    for (const svc of idx.servicesOf.get(key) || []) out.add(svc).add(`Endpoints:${svc.slice(8)}`);
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

/** The rows to draw: the MAX_ROWS most recently changed, in the order they were created. */
function pick(rows, objectOf) {
  return [...rows].sort((a, b) => b.activity - a.activity).slice(0, MAX_ROWS)
    .sort((a, b) => created(objectOf(a), objectOf(b)));
}

/** The object key (`Kind:namespace/name`) of a diagram element: an object card or a pod. */
function focusOf(target) {
  const obj = target.closest && target.closest("[data-obj], [data-pod]");
  if (!obj) return "";
  return obj.dataset.obj || `Pod:${obj.dataset.pod}`;
}
