// The architecture diagram (SVG): control plane on top — clients, the API server with its
// stages, etcd behind its one link, scheduler(s), controller manager with its controllers —
// and one box per worker node below (kubelet, kube-proxy, container runtime with pods and
// their containers, pause first). Up to 50 nodes are laid out in a grid; past that, nodes
// collapse into one box per zone that folds its pods under their owners (zones.js; click to
// zoom in). The filter bar (podfilter.js) picks the pods drawn. Pods live in one layer so they glide from
// the "unscheduled" tray onto their node when the scheduler binds them (and only then: a pod
// whose node box moved moves with it, so a card never crosses a border mid-glide). Between
// the control plane and the nodes, the objects band (objects.js) draws the workloads (with a
// StatefulSet's claims and volumes) and Services with their links to the pods; a story
// step's writes fan out to their watchers (fanout.js).
import {FanOut} from "./fanout.js";
import {keyOf, state, podStatus, statusClass} from "./model.js";
import {CHAR_WIDTH, charsIn, clip, controllerOf, nameWants, ownerColour, shortName} from "./names.js";
import {POD_OWNERS} from "./objindex.js";
import {BAND_TOP, ObjectsView} from "./objects.js";
import {isIngressControllerPod} from "./ingress.js";
import {redrawPath} from "./netpath.js";
import {el} from "./svg.js";
import {DiagramLayer} from "./layer.js";
import {drawZone, ownerGroups, POD_BUDGET, summarise, zoneHeight, zoneOf, zoneSig} from "./zones.js";

export {el};

export const W = 1200;
export const STAGES = [
  ["authentication", "authentication"], ["authorization", "authorization (RBAC)"],
  ["mutating-admission", "mutating admission"], ["validation", "validation"],
  ["validating-admission", "validating admission"], ["storage", "storage"],
];
/** kubeadm's control-plane role label, and the annotation a kubelet puts on a static pod's mirror pod. */
const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
const DEFAULT_CONTROLLERS = ["endpoint", "garbagecollector", "namespace", "nodelifecycle", "taint-eviction-controller",
  "replicaset", "deployment", "daemonset", "statefulset", "persistentvolume-binder", "local-path-provisioner",
  "replicationcontroller", "job", "ttl-after-finished-controller", "cronjob", "disruption", "endpointslice",
  "endpointslicemirroring", "resourcequota"];
export const MAX_NODES = 50;
/** Node columns past MAX_NODES, under an open zone. */
const ZONE_COLUMNS = 10;

export class Diagram {
  /** `filter` (podfilter.js) picks the pods drawn; without one every pod is. */
  constructor(svg, overlay, filter = null) {
    this.svg = svg;
    this.filter = filter;
    // Moving dots live in an overlay SVG of their own (its own compositor layer), so their
    // motion never makes the browser repaint the whole diagram under them.
    this.overlay = overlay;
    this.anchors = {};
    this.expandedZones = new Set();
    this.podEls = new Map();  // pod key -> {g, sig}
    this.stageEls = {};
    this.obstacles = [];  // boxes dot labels must leave free (labels.js): stage names, titles
    this.base = el("g", {class: "base"}, svg);
    this.objects = new ObjectsView(this);
    svg.appendChild(this.objects.layer);
    // the node grid, object links and pods in a layer of their own (layer.js), over the rest
    this.grid = new DiagramLayer(svg, "grid");
    this.nodesLayer = el("g", {class: "nodes"}, this.grid.svg);
    this.grid.svg.appendChild(this.objects.linksLayer);
    this.podsLayer = el("g", {class: "pods"}, this.grid.svg);
    this.trafficLayer = el("g", {class: "traffic"}, overlay || svg);
    this.fanout = new FanOut(this);
    this.dirty = true;
    this.instant = true;
    // what the caption's story step lights: component names, and the controller that acted
    this.lit = {names: new Set(), component: "", controller: ""};
    this.drawStatic();
  }

  // ------------------------------------------------------------------ static part
  drawStatic() {
    const b = this.base;
    el("rect", {x: 8, y: 8, width: W - 16, height: 306, rx: 10, class: "region"}, b);
    el("text", {x: 22, y: 32, class: "region-label"}, b, "CONTROL PLANE");
    // outside clients
    const clients = el("g", {class: "component clients", "data-inspect": "clients"}, b);
    el("rect", {x: 20, y: 88, width: 118, height: 50, rx: 8}, clients);
    el("text", {x: 79, y: 110, class: "center strong"}, clients, "kubectl");
    el("text", {x: 79, y: 127, class: "center small"}, clients, "users, this page");
    this.anchors.clients = [138, 113];
    // the API server and its stages
    const api = el("g", {class: "component apiserver", "data-inspect": "apiserver", "data-component": "apiserver"}, b);
    el("rect", {x: 170, y: 44, width: 668, height: 146, rx: 10, class: "apiserver-box"}, api);
    el("text", {x: 184, y: 66, class: "strong"}, api, "kube-apiserver");
    el("text", {x: 300, y: 66, class: "small muted"}, api, "every request crosses these stages, in order");
    this.obstacles.push({x: 182, y: 52, w: 470, h: 18});
    STAGES.forEach(([stage, label], i) => {
      const x = 182 + i * 108, y = 80;
      const g = el("g", {class: "stage", "data-stage": stage, "data-inspect": `stage:${stage}`}, api);
      el("rect", {x, y, width: 100, height: 58, rx: 6}, g);
      this.obstacles.push({x, y, w: 100, h: 58});
      const words = label.split(" ");
      if (words.length > 1 && label.length > 13) {
        el("text", {x: x + 50, y: y + 22, class: "center"}, g, words[0]);
        el("text", {x: x + 50, y: y + 37, class: "center"}, g, words.slice(1).join(" "));
      } else el("text", {x: x + 50, y: y + 30, class: "center"}, g, label);
      const verdict = el("text", {x: x + 50, y: y + 52, class: "center small verdict"}, g, "");
      this.stageEls[stage] = {g, verdict};
      this.anchors[`stage:${stage}`] = [x + 50, y + 29];
      if (i) el("path", {d: `M${x - 8} ${y + 29} h8`, class: "stage-link"}, api);
    });
    this.rejectText = el("text", {x: 184, y: 154, class: "reject-text", id: "reject-reason"}, api, "");
    this.labelLane = {x0: 182, x1: 830, y: 151};  // under the stages, where the rejection's reason prints
    this.lastText = el("text", {x: 184, y: 184, class: "small muted", id: "last-request"}, api, "");
    this.anchors["apiserver.in"] = [170, 113];
    this.anchors["apiserver.out"] = [838, 109];
    this.anchors["apiserver.bottom"] = [504, 190];
    // etcd behind its single link
    el("path", {d: "M838 109 H900", class: "etcd-link"}, b);
    el("text", {x: 842, y: 100, class: "tiny etcd-note"}, b, "only link");
    el("text", {x: 842, y: 126, class: "tiny etcd-note"}, b, "to etcd");
    this.obstacles.push({x: 840, y: 90, w: 52, h: 40}, {x: 905, y: 98, w: 80, h: 36});
    const etcd = el("g", {class: "component etcd", "data-inspect": "etcd", "data-component": "etcd"}, b);
    el("path", {d: "M900 64 a45 13 0 0 0 90 0 v90 a45 13 0 0 1 -90 0 z", class: "etcd-body"}, etcd);
    el("ellipse", {cx: 945, cy: 64, rx: 45, ry: 13, class: "etcd-top"}, etcd);
    el("text", {x: 945, y: 112, class: "center strong"}, etcd, "etcd");
    this.etcdText = el("text", {x: 945, y: 130, class: "center small", id: "etcd-revision"}, etcd, "rev –");
    this.anchors.etcd = [900, 109];
    // the tray of pods no node holds yet
    el("rect", {x: 1010, y: 44, width: 172, height: 146, rx: 8, class: "tray"}, b);
    el("text", {x: 1020, y: 62, class: "small muted"}, b, "pods not yet scheduled");
    this.trayCount = el("text", {x: 1172, y: 62, class: "small muted end"}, b, "");
    this.compLayer = el("g", {class: "components"}, b);
  }

  // ------------------------------------------------------------------ dynamic part
  components() {
    const comps = state.components.length ? state.components : [
      {name: "kube-scheduler", kind: "scheduler", state: "unknown", queue: null},
      {name: "kube-controller-manager", kind: "controller-manager", state: "unknown", queue: null,
        controllers: DEFAULT_CONTROLLERS.map(name => ({name, queue: null}))},
    ];
    const schedulers = comps.filter(c => c.kind === "scheduler");
    const managers = comps.filter(c => c.kind === "controller-manager");
    return {schedulers, managers};
  }

  drawComponents() {
    const layer = this.compLayer;
    layer.replaceChildren();
    const {schedulers, managers} = this.components();
    let x = 20;
    const y = 214, h = 90;
    // Replicas of one component (leader election) share a box row: draw each, leader marked.
    for (const s of schedulers) {
      const w = 210;
      const g = el("g", {class: `component scheduler ${compClass(s)}`, "data-inspect": `component:${s.name}`,
        "data-component": s.name}, layer);
      el("rect", {x, y, width: w, height: h, rx: 8}, g);
      el("text", {x: x + 12, y: y + 20, class: "strong"}, g, shortName(s.name, 22));
      el("text", {x: x + 12, y: y + 38, class: "small"}, g, stateLine(s));
      el("text", {x: x + 12, y: y + 56, class: "small"}, g, typeof s.queue === "object" && s.queue ? queueText(s.queue) : `queue: ${queueText(s.queue)}`);
      if (s.state === "stopped") el("text", {x: x + 12, y: y + 74, class: "small bad"}, g, "stopped: new pods stay Pending");
      this.anchors[`component:${s.name}`] = [x + w / 2, y];
      this.link(x + w / 2, y, "down");
      x += w + 10;
    }
    const cmW = W - 20 - x;
    managers.forEach((m, idx) => {
      const mh = managers.length > 1 ? h / managers.length - 4 : h;
      const my = y + idx * (mh + 4);
      const g = el("g", {class: `component manager ${compClass(m)}`, "data-inspect": `component:${m.name}`,
        "data-component": m.name}, layer);
      el("rect", {x, y: my, width: cmW, height: mh, rx: 8}, g);
      el("text", {x: x + 12, y: my + 18, class: "strong"}, g, m.name);
      el("text", {x: x + 200, y: my + 18, class: "small"}, g, stateLine(m));
      this.anchors[`component:${m.name}`] = [x + cmW / 2, my];
      if (m.state === "stopped") el("text", {x: x + 12, y: my + Math.min(44, mh - 8), class: "small bad"}, g,
        "stopped: no controller runs, so nothing moves status toward spec (a new ReplicaSet stays at 0 pods)");
      // controller chips, flowing over the rows the box has: compact ones when the controller
      // manager runs more controllers than two rows of normal chips hold, "+N" for the rest
      const controllers = m.controllers || [];
      const fits = size => {
        let fx = x + 12, fy = my + 28;
        for (const c of controllers) {
          const cw = Math.max(size.min, `${c.name}${c.queue ? ` ${c.queue}` : ""}`.length * size.char + 14);
          if (fx + cw > x + cmW - 8) { fx = x + 12; fy += size.step; }
          if (fy + size.h > my + mh) return false;
          fx += cw + 6;
        }
        return true;
      };
      const NORMAL = {min: 54, char: 7, step: 28, h: 22, text: 15, cls: "small"};
      const COMPACT = {min: 40, char: 5.6, step: 20, h: 17, text: 12, cls: "tiny"};
      const size = fits(NORMAL) ? NORMAL : COMPACT;
      let cx = x + 12, cy = my + 28;
      for (const [i, c] of controllers.entries()) {
        const label = `${c.name}${c.queue ? ` ${c.queue}` : ""}`;
        const cw = Math.max(size.min, label.length * size.char + 14);
        if (cx + cw > x + cmW - 8) { cx = x + 12; cy += size.step; }
        if (cy + size.h > my + mh) {
          el("text", {x: x + cmW - 10, y: my + 18, class: "tiny end muted"}, g, `+${controllers.length - i} more`);
          break;
        }
        const chip = el("g", {class: `controller${c.queue ? " busy" : ""}`, "data-controller": c.name,
          "data-inspect": `component:${m.name}`}, g);
        el("rect", {x: cx, y: cy, width: cw, height: size.h, rx: 5}, chip);
        el("text", {x: cx + 7, y: cy + size.text, class: size.cls}, chip, label);
        this.anchors[`controller:${m.name}:${c.name}`] = [cx + cw / 2, cy];
        if (!this.anchors[`controller:${c.name}`]) this.anchors[`controller:${c.name}`] = [cx + cw / 2, cy];
        cx += cw + 6;
      }
      if (idx === 0) this.link(x + cmW / 2, my, "down");
    });
  }

  link(x, y) {
    const [ax, ay] = this.anchors["apiserver.bottom"];
    const tx = Math.min(Math.max(x, 190), 820);
    el("path", {d: `M${x} ${y} L${tx} ${ay}`, class: "api-link"}, this.compLayer);
    void ax;
  }

  // ------------------------------------------------------------------ nodes and pods
  layoutNodes(top) {
    const view = state.view || state;  // a past revision (time travel) or the live caches
    const nodes = [...view.nodes.values()].sort(byName);
    const kept = this.filter ? this.filter.apply(view.pods) : [...view.pods.values()];
    if (this.filter) this.filter.showCount(kept.length, view.pods.size, nodes.length);
    // pods per node, in a stable order (plain comparisons: localeCompare over 10,000 pods is a frame)
    const byNode = new Map();
    const pending = [];
    for (const p of kept) {
      if (p.spec.nodeName) {
        if (!byNode.has(p.spec.nodeName)) byNode.set(p.spec.nodeName, []);
        byNode.get(p.spec.nodeName).push(p);
      } else pending.push(p);
    }
    for (const list of byNode.values()) list.sort(keyCmp);
    pending.sort(keyCmp);
    const base = {byNode, pending, top, total: nodes.length, folded: false};
    if (nodes.length > MAX_NODES) return {...base, ...this.layoutZones(nodes, byNode, top)};
    const boxes = nodes.map(n => ({kind: "node", node: n}));
    const count = boxes.length || 1;
    const cols = count <= 3 ? Math.max(count, 1) : count <= 8 ? 4 : count <= 18 ? 6 : count <= 32 ? 8 : 10;
    const gap = 10;
    const bw = (W - 24 - (cols - 1) * gap) / cols;
    const compact = bw < 250;
    const card = compact ? {w: 12, h: 12, gap: 3} : {w: Math.min(200, (bw - 30) / 2), h: 46, gap: 6};
    const perRow = Math.max(1, Math.floor((bw - 20 + card.gap) / (card.w + card.gap)));
    let maxPods = 0;
    for (const b of boxes) maxPods = Math.max(maxPods, (byNode.get(b.node.metadata.name) || []).length);
    const header = compact ? 42 : 76;
    const bh = Math.max(compact ? 60 : 150, header + Math.ceil(maxPods / perRow) * (card.h + card.gap) + 12);
    let x = 12, y = top, col = 0;
    for (const b of boxes) {
      if (col === cols) { x = 12; y += bh + gap; col = 0; }
      Object.assign(b, {x, y, w: bw, h: bh});
      x += bw + gap; col += 1;
    }
    const height = boxes.length ? y + bh + 16 : top + 90;
    return {...base, boxes, card, perRow, compact, header, height};
  }

  /** Past MAX_NODES: one box per zone across the width, and under each open zone its nodes in
   * ZONE_COLUMNS columns, their pods drawn one by one only while they stay within POD_BUDGET. */
  layoutZones(nodes, byNode, top) {
    const zones = new Map();
    for (const n of nodes) {
      const z = zoneOf(n);
      if (!zones.has(z)) zones.set(z, []);
      zones.get(z).push(n);
    }
    const gap = 10, bw = (W - 24 - (ZONE_COLUMNS - 1) * gap) / ZONE_COLUMNS;
    const card = {w: 12, h: 12, gap: 3};
    const perRow = Math.max(1, Math.floor((bw - 20 + card.gap) / (card.w + card.gap)));
    const boxes = [];
    let drawn = 0, maxPods = 0;
    for (const [zone, members] of [...zones.entries()].sort()) {
      const pods = members.flatMap(n => byNode.get(n.metadata.name) || []);
      const b = {kind: "zone", zone, members, pods, groups: ownerGroups(pods), x: 12, w: W - 24};
      b.h = zoneHeight(b.groups, b.w);
      summarise(b);
      boxes.push(b);
      if (!this.expandedZones.has(zone)) continue;
      drawn += pods.length;
      for (const n of members) {
        boxes.push({kind: "node", node: n, zone});
        maxPods = Math.max(maxPods, (byNode.get(n.metadata.name) || []).length);
      }
    }
    const folded = drawn > POD_BUDGET;
    const header = 42;
    const bh = folded ? 60 : Math.max(60, header + Math.ceil(maxPods / perRow) * (card.h + card.gap) + 12);
    let y = top, col = 0;
    for (const b of boxes) {
      if (b.kind === "zone") {
        if (col) y += bh + gap;
        Object.assign(b, {y});
        y += b.h + gap;
        col = 0;
        continue;
      }
      if (col === ZONE_COLUMNS) { y += bh + gap; col = 0; }
      Object.assign(b, {x: 12 + col * (bw + gap), y, w: bw, h: bh});
      col += 1;
    }
    const height = (col ? y + bh : y) + 16;
    return {boxes, card, perRow, compact: true, header, height, folded};
  }

  render() {
    this.dirty = false;
    // Components and node boxes are redrawn only when what they show changed; pods are
    // reconciled one by one (a watch event usually changes one pod, not the picture).
    const compSig = JSON.stringify(state.components.map(c => [c.name, c.kind, c.node, c.state, c.leader, c.queue,
      (c.controllers || []).map(x => [x.name, x.queue])]));
    if (compSig !== this.compSig) {
      this.compSig = compSig;
      this.anchors = Object.fromEntries(Object.entries(this.anchors).filter(([k]) => !/^(component|controller):/.test(k)));
      this.drawComponents();
    }
    // pods shown by a new filter or an opened zone are drawn where they are, not glided in as new
    const framing = `${this.filter ? this.filter.signature : ""}|${[...this.expandedZones].join(",")}`;
    if (framing !== this.framing) {
      this.framing = framing;
      this.instant = true;
    }
    const L = this.layoutNodes(BAND_TOP + this.objects.layout() + 22);
    const nodeSig = [compSig, L.total, L.compact, L.folded, ...L.boxes.map(b => b.kind === "zone"
      ? zoneSig(b, this.expandedZones.has(b.zone))
      : `${b.node.metadata.name}:${b.x}:${b.y}:${b.w}:${b.h}:${b.node.metadata.resourceVersion}:${(L.byNode.get(b.node.metadata.name) || []).length}`)].join("|");
    if (nodeSig !== this.nodeSig) {
      this.nodeSig = nodeSig;
      this.drawNodes(L);
    }
    this.applyLight();
    const positions = new Map();  // pod key -> [x, y, compact, card, tray]
    for (const b of L.boxes) {
      if (b.kind !== "node" || L.folded) continue;
      (L.byNode.get(b.node.metadata.name) || []).forEach((p, i) => {
        const r = Math.floor(i / L.perRow), c = i % L.perRow;
        positions.set(keyOf(p), [b.x + 10 + c * (L.card.w + L.card.gap), b.y + L.header + r * (L.card.h + L.card.gap), L.compact, L.card]);
      });
    }
    // pending tray (top right)
    const trayCard = {w: 164, h: 22, gap: 3};
    L.pending.forEach((p, i) => {
      if (i < 5) positions.set(keyOf(p), [1016, 68 + i * (trayCard.h + trayCard.gap), false, trayCard, true]);
    });
    this.trayCount.textContent = L.pending.length > 5 ? `+${L.pending.length - 5} more` : (L.pending.length ? String(L.pending.length) : "");
    this.anchors.pending = [1096, 120];
    this.renderPods(positions);
    this.objects.renderLinks(positions);
    this.instant = false;
    const viewBox = `0 0 ${W} ${Math.max(L.height, 420)}`;
    if (viewBox !== this.viewBox) {
      this.viewBox = viewBox;
      this.svg.setAttribute("viewBox", viewBox);
      this.grid.fit(viewBox);
      if (this.overlay) this.overlay.setAttribute("viewBox", viewBox);
    }
    this.height = Math.max(L.height, 420);
    redrawPath(this);
  }

  drawNodes(L) {
    this.anchors = Object.fromEntries(Object.entries(this.anchors).filter(([k]) => !/^(kubelet|proxy|node):/.test(k)));
    const layer = this.nodesLayer;
    layer.replaceChildren();
    const controlPlanes = L.boxes.filter(b => b.kind === "node" && CONTROL_PLANE_LABEL in (b.node.metadata.labels || {})).length;
    el("text", {x: 14, y: L.top - 10, class: "region-label"}, layer,
      (controlPlanes ? `NODES (${controlPlanes} control plane, ${L.total - controlPlanes} workers)` : `WORKER NODES (${L.total})`) +
      `${L.total > MAX_NODES ? " · grouped by zone, pods by owner: click a zone to zoom in" : ""}`);
    if (!L.total) el("text", {x: 14, y: L.top + 26, class: "muted"}, layer,
      "No nodes registered yet: each kubelet registers its Node through the API server.");
    const comps = new Map(state.components.map(c => [`${c.kind}:${c.node}`, c]));
    for (const b of L.boxes) {
      if (b.kind === "zone") { drawZone(layer, b, this.expandedZones.has(b.zone), L.folded, this.anchors); continue; }
      const n = b.node, name = n.metadata.name;
      const ready = ((n.status || {}).conditions || []).find(c => c.type === "Ready");
      const notReady = ready && ready.status !== "True";
      const unsched = (n.spec || {}).unschedulable;
      const controlPlane = CONTROL_PLANE_LABEL in (n.metadata.labels || {});
      const g = el("g", {class: `node${notReady ? " not-ready" : ""}${unsched ? " cordoned" : ""}${controlPlane ? " control-plane" : ""}`,
        "data-inspect": `node:${name}`, "data-node": name}, layer);
      el("rect", {x: b.x, y: b.y, width: b.w, height: b.h, rx: 8, class: "node-box"}, g);
      const cap = (n.status || {}).capacity || {};
      const pods = L.byNode.get(name) || [];
      el("text", {x: b.x + 10, y: b.y + 17, class: "strong"}, g, shortName(name, L.compact ? Math.floor(b.w / 8) : 24));
      if (!L.compact) {
        const taints = ((n.spec || {}).taints || []).map(t => `${t.key}${t.value ? "=" + t.value : ""}:${t.effect}`).join(", ");
        el("text", {x: b.x + 10 + Math.min(24, name.length) * 8 + 8, y: b.y + 17, class: "small muted"}, g,
          clip([zoneOf(n) === "(no zone)" ? "" : zoneOf(n), cap.cpu ? `${cap.cpu} cpu` : "", cap.memory || "",
            notReady ? "NotReady" : "", taints ? `taint ${taints}` : ""].filter(Boolean).join(" · "), Math.floor(b.w / 7) - name.length - 2));
      }
      const kubelet = comps.get(`kubelet:${name}`), proxy = comps.get(`kube-proxy:${name}`);
      const chipY = b.y + (L.compact ? 24 : 26), chipW = L.compact ? (b.w - 26) / 2 : 90, chipH = L.compact ? 12 : 22;
      const drawChip = (cx, label, comp, anchorKey) => {
        const chip = el("g", {class: `chip ${compClass(comp)}`, "data-inspect": comp ? `component:${comp.name}` : `node:${name}`,
          "data-component": comp ? comp.name : null}, g);
        el("rect", {x: cx, y: chipY, width: chipW, height: chipH, rx: 4}, chip);
        if (!L.compact) el("text", {x: cx + 8, y: chipY + 15, class: "small"}, chip, label);
        this.anchors[`${anchorKey}:${name}`] = [cx + chipW / 2, chipY];
      };
      drawChip(b.x + 10, "kubelet", kubelet, "kubelet");
      drawChip(b.x + 16 + chipW, "kube-proxy", proxy, "proxy");
      if (L.folded) el("text", {x: b.x + 10, y: b.y + 52, class: "tiny muted"}, g, `${pods.length} pods`);
      if (!L.compact) {
        el("text", {x: b.x + 10, y: b.y + 66, class: "small muted"}, g,
          `container runtime · pods ${pods.length}${cap.pods ? "/" + cap.pods : ""}` +
          (controlPlane ? ` · ${pods.filter(isMirrorPod).length} static` : ""));
      }
      this.anchors[`node:${name}`] = [b.x + b.w / 2, b.y];
    }
  }

  renderPods(positions) {
    const seen = new Set();
    // the ingress controller is an add-on running in its own pods: they stand for it on the
    // diagram (lit with it, flashing when it acts, highlighted by a lesson naming it)
    const ingress = state.components.find(c => c.kind === "ingress-controller");
    const still = [];  // pods whose node box moved: they move with it, without gliding
    for (const [key, [x, y, compact, card, tray]] of positions) {
      const p = (state.view || state).pods.get(key);
      if (!p) continue;
      seen.add(key);
      const status = podStatus(p);
      const mode = tray ? "tray" : compact ? "compact" : "card";
      const containers = containerStates(p);
      const sig = [mode, card.w, status, containers.map(c => `${c.cls}${c.restarts || ""}`).join(",")].join("|");
      let entry = this.podEls.get(key);
      if (!entry) {
        const g = el("g", {class: "pod", "data-inspect": `pod:${key}`, "data-pod": key}, this.podsLayer);
        entry = {g, sig: null};
        this.podEls.set(key, entry);
        if (this.instant) {
          // pods the page finds on (re)load are drawn where they are, without gliding
          g.style.transition = "none";
          requestAnimationFrame(() => requestAnimationFrame(() => { g.style.transition = ""; }));
        } else {
          // a pod created while we watch appears next to the API server, then glides to its place
          g.style.transform = `translate(${this.anchors.pending[0]}px, ${this.anchors.pending[1]}px)`;
          void g.getBoundingClientRect();
        }
      }
      const component = ingress && isIngressControllerPod(p) ? ingress.name : null;
      if (entry.component !== component) {
        entry.component = component;
        if (component) entry.g.setAttribute("data-component", component);
        else entry.g.removeAttribute("data-component");
      }
      if (entry.sig !== sig) {
        entry.sig = sig;
        drawPod(entry.g, p, status, containers, mode, card);
        if (this.objects.litPods.has(key)) entry.g.classList.add("related");
      }
      const place = `translate(${x}px, ${y}px)`;
      const node = p.spec.nodeName || "";
      if (entry.place !== place || entry.status !== status) {
        if (entry.place && entry.place !== place && entry.node === node) {
          entry.g.classList.add("still");
          still.push(entry.g);
        }
        entry.node = node;
        entry.place = place;
        entry.status = status;
        entry.g.setAttribute("data-status", status);
        entry.g.setAttribute("data-node-name", p.spec.nodeName || "");
        entry.g.style.transform = place;
      }
    }
    for (const [key, entry] of this.podEls) {
      if (!seen.has(key)) { entry.g.remove(); this.podEls.delete(key); }
    }
    if (still.length) requestAnimationFrame(() => requestAnimationFrame(() => still.forEach(g => g.classList.remove("still"))));
  }

  /** Mark a pod as related to the object in focus (objects.js), or not. */
  markPod(key, on) {
    const entry = this.podEls.get(key);
    if (entry) entry.g.classList.toggle("related", on);
  }

  podAnchor(key) {
    const entry = this.podEls.get(key);
    if (!entry) return null;
    const m = entry.g.style.transform.match(/translate\(([-\d.]+)px, ([-\d.]+)px\)/);
    return m ? [Number(m[1]) + 6, Number(m[2]) + 6] : null;
  }

  /** The last rejection under the API server's stages, on up to two lines. */
  setRejection(text) {
    const t = this.rejectText;
    t.replaceChildren();
    const max = 96;
    let first = text, rest = "";
    if (text.length > max) {
      const cut = text.lastIndexOf(" ", max);
      first = text.slice(0, cut > 40 ? cut : max);
      rest = text.slice(first.length).trim();
    }
    el("tspan", {x: 184, dy: 0}, t, first);
    if (rest) el("tspan", {x: 184, dy: 14}, t, clip(rest, max));
  }

  /** Where dot labels may not go (labels.js): the stages, titles, notes — and the last
   * rejection's reason while it shows. */
  labelObstacles() {
    return this.rejectText.firstChild ? [...this.obstacles, {x: 182, y: 142, w: 646, h: 30}] : this.obstacles;
  }

    setRevision(rev) {
    this.etcdText.textContent = `rev ${rev}`;
  }

  /** Light the path a story step names (its `highlight`: component, API server, etcd,
   * watchers) and, in a controller manager, the controller that acted; kept across redraws. */
  light(names, component = "", controller = "") {
    this.lit = {names: new Set(names), component, controller};
    this.applyLight();
    // the step being told is the newest story step the page holds (story.js tells the newest)
    const step = [...state.steps].reverse().find(s => !s.housekeeping);
    if (!step) return;
    this.objects.setStoryObject(step.object);
    if (step.seq !== this.toldSeq) {
      this.toldSeq = step.seq;
      this.fanout.show(step);
    }
  }

  /** The anchor of a component the kernel names (`kube-scheduler`, `kubelet/node-1`,
   * `kube-proxy/node-1`, a controller of a controller manager), or null when it is not drawn. */
  componentAnchor(name, controller = "") {
    const comp = state.components.find(c => c.name === name);
    const a = this.anchors;
    if (comp) {
      if (comp.kind === "kubelet" && comp.node) return `kubelet:${comp.node}`;
      if (comp.kind === "kube-proxy" && comp.node) return `proxy:${comp.node}`;
      if (controller && a[`controller:${comp.name}:${controller}`]) return `controller:${comp.name}:${controller}`;
      return `component:${comp.name}`;
    }
    const m = String(name || "").match(/^(kubelet|kube-proxy)[-:/](.+)$/);
    if (m) return `${m[1] === "kubelet" ? "kubelet" : "proxy"}:${m[2]}`;
    if (controller && a[`controller:${controller}`]) return `controller:${controller}`;
    return a[`component:${name}`] ? `component:${name}` : null;
  }

  applyLight() {
    const {names, component, controller} = this.lit;
    for (const n of this.svg.querySelectorAll("[data-component]")) n.classList.toggle("lit", names.has(n.dataset.component));
    for (const n of this.svg.querySelectorAll("[data-controller]")) {
      const owner = n.closest("[data-component]");
      n.classList.toggle("lit", !!controller && n.dataset.controller === controller &&
        !!owner && owner.dataset.component === component);
    }
  }

  // ------------------------------------------------------------------ time travel (main.js)
  /** Mark the picture as revision ``revision`` of the past (null: live again). Nodes, pods and
   * objects come from main.js's state.view; the components' state is not in the store, so
   * they stay as they are now, and a note over the control plane says so (cluster.css marks them). */
  showPast(revision) {
    this.svg.classList.toggle("past", revision !== null);
    if (this.pastNote) this.pastNote.remove();
    this.pastNote = revision === null ? null : el("text", {x: W - 22, y: 32, class: "small end past-note", id: "past-note"},
      this.base, `revision ${revision}: etcd, nodes, pods, objects as they were · components as they are NOW`);
  }
}

const byName = (a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
/** Oldest first, then by name: plain code-unit comparisons (RFC 3339 stamps sort as strings). */
const keyCmp = (a, b) => {
  const ta = a.metadata.creationTimestamp || "", tb = b.metadata.creationTimestamp || "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return byName(a, b);
};

/** A work queue's length, or the scheduler's queues ({active, backoff, unschedulable}). */
export function queueText(q) {
  if (q === null || q === undefined) return "–";
  if (typeof q === "object") return Object.entries(q).map(([k, v]) => `${k === "unschedulable" ? "unsched." : k} ${v}`).join(" · ");
  return String(q);
}

function compClass(c) {
  if (!c) return "unknown";
  return [c.state === "stopped" ? "stopped" : c.state === "running" ? "running" : "unknown",
    c.leader === false ? "standby" : ""].join(" ").trim();
}

function stateLine(c) {
  if (!c.state || c.state === "unknown") return "state unknown";
  return `${c.state}${c.leader === true ? " · leader" : c.leader === false ? " · standby" : ""}${c.node ? ` · ${c.node}` : ""}`;
}

/** The pod's containers as the runtime would list them: pause (sandbox) first, then each app container. */
export function containerStates(p) {
  const statuses = new Map(((p.status || {}).containerStatuses || []).map(c => [c.name, c]));
  const out = [];
  if (p.spec.nodeName) {
    const sandbox = (p.status || {}).podIP || statuses.size ? "running" : "creating";
    out.push({name: "pause", cls: `pause ${sandbox}`, pause: true});
  }
  for (const c of p.spec.containers || []) {
    const s = statuses.get(c.name);
    const st = s && s.state ? Object.keys(s.state)[0] : "none";
    const waitingReason = s && s.state && s.state.waiting ? s.state.waiting.reason : "";
    out.push({name: c.name, cls: st === "running" ? (s.ready === false ? "running unready" : "running")
      : st === "terminated" ? "terminated" : st === "waiting" ? (/BackOff|Err/.test(waitingReason) ? "failing" : "creating") : "none",
      restarts: s ? s.restartCount : 0});
  }
  return out;
}

/** A mirror pod: the API server's copy of a static pod the node's kubelet runs from a manifest file. */
export const isMirrorPod = p => MIRROR_ANNOTATION in (p.metadata.annotations || {});

function drawPod(g, p, status, containers, mode, card) {
  g.replaceChildren();
  const mirror = isMirrorPod(p);
  g.setAttribute("class", `pod ${statusClass(status)}${mirror ? " static" : ""}`);
  const ns = p.metadata.namespace, name = p.metadata.name;
  el("title", {}, g, `${ns}/${name} · ${status}${p.spec.nodeName ? " on " + p.spec.nodeName : ""}` +
    (mirror ? " · static pod: the kubelet runs it from a manifest file; this is its mirror pod" : ""));
  // a pod shares the colour stripe of its owner (a ReplicaSet, RC, Job, StatefulSet or
  // DaemonSet: objects.js draws the owner with it)
  const owner = controllerOf(p);
  const colour = owner && POD_OWNERS.has(owner.kind) ? ownerColour(ns, owner.name) : null;
  if (colour) g.setAttribute("data-owner", `${owner.kind}:${ns}/${owner.name}`);
  if (mode === "compact") {
    el("rect", {width: card.w, height: card.h, rx: 2, class: "pod-box"}, g);
    if (colour) el("rect", {width: card.w, height: 3, class: "owner-stripe", fill: colour}, g);
    return;
  }
  el("rect", {width: card.w, height: card.h, rx: mode === "tray" ? 4 : 6, class: "pod-box"}, g);
  const pad = colour ? 9 : 6;
  if (colour) el("rect", {width: 4, height: card.h, rx: 2, class: "owner-stripe", fill: colour}, g);
  // the name keeps its distinguishing tail (names.js); the namespace shows when not default
  // the name's tail first, then the status in what is left, then the rest of the name
  const wanted = nameWants(name) * CHAR_WIDTH.strong;
  const shownStatus = clip(status, Math.max(4, Math.min(18, charsIn(card.w - pad - 8 - wanted, "tiny"))));
  const nameRoom = card.w - pad - 8 - shownStatus.length * CHAR_WIDTH.tiny;
  const label = el("text", {x: pad, y: 15, class: "small strong pod-name"}, g, shortName(name, charsIn(nameRoom, "strong")));
  el("text", {x: card.w - 5, y: 15, class: "tiny end status"}, g, shownStatus);
  const nsLabel = mirror ? "static" : ns && ns !== "default" ? shortName(ns, 14) : "";
  if (mode === "tray") {
    if (nsLabel) label.textContent = shortName(`${ns}/${name}`, charsIn(nameRoom, "strong"));
    return;
  }
  const nsRoom = nsLabel ? nsLabel.length * 5.6 + 8 : 0;
  if (nsLabel) el("text", {x: card.w - 5, y: 36, class: "tiny end muted namespace"}, g, nsLabel);
  let cx = pad;
  for (const c of containers) {
    const text = (c.pause ? "pause" : c.name) + (c.restarts ? ` ↻${c.restarts}` : "");
    const cw = Math.min(Math.max(30, text.length * 5.8 + 10), card.w - cx - 4 - nsRoom);
    if (cw < 16) break;
    const cg = el("g", {class: `container ${c.cls}`, "data-container": c.name}, g);
    el("title", {}, cg, `${c.pause ? "pause (sandbox) container: holds the pod's namespaces" : c.name}` +
      `${c.restarts ? `, restarted ${c.restarts}×` : ""}`);
    el("rect", {x: cx, y: 22, width: cw, height: 18, rx: 3}, cg);
    el("text", {x: cx + 4, y: 35, class: "tiny"}, cg, shortName(text, charsIn(cw - 6, "tiny")));
    cx += cw + 4;
  }
}
