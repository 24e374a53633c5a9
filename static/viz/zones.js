// Past MAX_NODES nodes the diagram is zoomed out: one box per zone (topology.kubernetes.io/zone)
// across the diagram's width, saying how many nodes and pods it holds and folding its pods
// under their owners — one chip per ReplicaSet, StatefulSet, DaemonSet, Job… with how many of
// its pods run there ("web-7d9f… ×120"), largest first — so 10,000 pods cost a few hundred SVG
// elements, not tens of thousands. Clicking a zone zooms in: its nodes are drawn under it, and
// their pods one by one as long as the pods drawn that way stay within POD_BUDGET (filter by
// namespace or label to bring them under it); past it each node says how many pods it runs.
import {statusClass, podStatus} from "./model.js";
import {CHAR_WIDTH, clip, controllerOf, ownerColour} from "./names.js";
import {POD_OWNERS} from "./objindex.js";
import {el} from "./svg.js";

/** Pods drawn one by one on the nodes of open zones, at most: past this a frame's worth of
 * pod cards (a transform each, redrawn on every change) no longer fits 33 ms on a laptop. */
export const POD_BUDGET = 1500;
const ZONE_LABELS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];
const HEADER_H = 44;
const CHIP = {w: 142, h: 18, gap: 4};
/** Rows of owner chips a zone shows; the rest are counted ("+N more owners"). */
const MAX_CHIP_ROWS = 5;
/** Advance of a bold tiny character: names.js's CHAR_WIDTH.tiny is for regular weight. */
const TINY_STRONG = 6.4;

export const zoneOf = node => {
  const labels = node.metadata.labels || {};
  for (const l of ZONE_LABELS) if (labels[l]) return labels[l];
  return "(no zone)";
};

/** The pods of a zone folded under their owners: [{key, kind, namespace, name, count}], largest
 * first. Pods without a controller of a kind the band draws fold per namespace ("bare pods"). */
export function ownerGroups(pods) {
  const groups = new Map();
  for (const p of pods) {
    const ref = controllerOf(p), ns = p.metadata.namespace;
    const owned = ref && POD_OWNERS.has(ref.kind);
    const key = owned ? `${ref.kind}:${ns}/${ref.name}` : `Pod:${ns}/`;
    let g = groups.get(key);
    if (!g) groups.set(key, g = {key, kind: owned ? ref.kind : "", namespace: ns, name: owned ? ref.name : "", count: 0});
    g.count += 1;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** How many chips fit in a row of a zone box `width` wide. */
const chipsPerRow = width => Math.max(1, Math.floor((width - 20 + CHIP.gap) / (CHIP.w + CHIP.gap)));

/** A zone box's height for its owner groups. */
export function zoneHeight(groups, width) {
  const rows = Math.min(MAX_CHIP_ROWS, Math.ceil(groups.length / chipsPerRow(width)));
  return HEADER_H + rows * (CHIP.h + CHIP.gap) + (groups.length ? 8 : 0);
}

/** What a zone box shows, as a string: it is redrawn only when this changes. */
export const zoneSig = (b, open) => [b.zone, open, b.members.length, b.notReady, b.phases, b.x, b.y, b.w, b.h,
  b.groups.map(g => `${g.key}=${g.count}`).join(",")].join(":");

/** Each pod's status class, by the object: a watch event replaces a pod's object, never
 * changes it, so a pod is classed once per change, not once per frame (10,000 per frame cost
 * a tenth of the page's time in profiles). */
const classes = new WeakMap();
const classOf = p => {
  let c = classes.get(p);
  if (c === undefined) classes.set(p, c = statusClass(podStatus(p)));
  return c;
};

/** Count a zone's nodes that are not Ready and its pods by status, for its header. */
export function summarise(b) {
  b.notReady = b.members.filter(n => ((n.status || {}).conditions || []).some(c => c.type === "Ready" && c.status !== "True")).length;
  const phases = {};
  for (const p of b.pods) {
    const s = classOf(p);
    phases[s] = (phases[s] || 0) + 1;
  }
  const starting = (phases.pending || 0) + (phases.creating || 0);
  b.phases = `${b.pods.length} pods` + (phases.running ? ` · ${phases.running} running` : "") +
    (starting ? ` · ${starting} starting` : "") + (phases.failing ? ` · ${phases.failing} failing` : "");
}

/** Draw zone box `b` ({zone, members, pods, groups, x, y, w, h}) into `layer`; `folded` says why
 * the pods of an open zone are not drawn one by one. Sets the kubelets' and kube-proxies' anchors
 * of a closed zone's nodes to the zone, so their traffic lands on it. */
export function drawZone(layer, b, open, folded, anchors) {
  const g = el("g", {class: `zone${open ? " open" : ""}`, "data-inspect": `zone:${b.zone}`, "data-zone": b.zone}, layer);
  el("rect", {x: b.x, y: b.y, width: b.w, height: b.h, rx: 8}, g);
  el("text", {x: b.x + 10, y: b.y + 20, class: "strong"}, g, `${open ? "▾" : "▸"} ${clip(b.zone, 40)}`);
  el("text", {x: b.x + 10, y: b.y + 37, class: "small"}, g,
    `${b.members.length} nodes${b.notReady ? ` (${b.notReady} NotReady)` : ""} · ${b.phases}`);
  el("text", {x: b.x + b.w - 10, y: b.y + 20, class: "small muted end"}, g, open
    ? (folded ? `too many pods to draw one by one: filter by namespace or label · click to zoom out` : "click to zoom out")
    : "click to zoom in: its nodes and their pods");
  drawOwnerChips(g, b);
  if (!open) for (const n of b.members) {
    anchors[`kubelet:${n.metadata.name}`] = [b.x + b.w / 2, b.y];
    anchors[`proxy:${n.metadata.name}`] = [b.x + b.w / 2, b.y];
  }
}

function drawOwnerChips(g, b) {
  const perRow = chipsPerRow(b.w), max = perRow * MAX_CHIP_ROWS;
  b.groups.forEach((o, i) => {
    if (i >= max) return;
    const x = b.x + 10 + (i % perRow) * (CHIP.w + CHIP.gap), y = b.y + HEADER_H + Math.floor(i / perRow) * (CHIP.h + CHIP.gap);
    const last = i === max - 1 && b.groups.length > max;
    const chip = el("g", {class: `owner-group${last ? " more" : ""}`, "data-owner": o.kind ? `${o.kind}:${o.namespace}/${o.name}` : null,
      "data-inspect": o.kind && !last ? `object:${o.kind}:${o.namespace}:${o.name}` : `zone:${b.zone}`}, g);
    el("rect", {x, y, width: CHIP.w, height: CHIP.h, rx: 4, class: "owner-box"}, chip);
    if (last) {
      const rest = b.groups.slice(i), pods = rest.reduce((n, r) => n + r.count, 0);
      el("text", {x: x + 7, y: y + 13, class: "tiny"}, chip, `+${rest.length} more owners (${pods} pods)`);
      return;
    }
    if (o.kind) el("rect", {x, y, width: 4, height: CHIP.h, rx: 2, class: "owner-stripe", fill: ownerColour(o.namespace, o.name)}, chip);
    const count = `×${o.count}`;
    // an owner's name is read from its start (its Deployment's name), as "web-7d9f… ×120"
    const label = o.kind ? clip(o.name, Math.floor((CHIP.w - 20 - count.length * CHAR_WIDTH.tiny) / TINY_STRONG)) : "bare pods";
    el("title", {}, chip, `${o.kind || "pods without an owner"} ${o.namespace}/${o.name || ""}: ${o.count} pods in ${b.zone}`);
    el("text", {x: x + 9, y: y + 13, class: "tiny strong"}, chip, label);
    el("text", {x: x + CHIP.w - 6, y: y + 13, class: "tiny end"}, chip, count);
  });
}
