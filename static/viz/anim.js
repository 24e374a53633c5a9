// Traffic on the diagram. An audit record becomes a dot that travels from the component
// that sent the request to the API server, through the stages that really ran (a rejection
// stops at the plugin that refused, which lights up with the reason), to etcd and back.
// A watch delivery (a sim step) travels from the API server to the watching component; a
// story step's writes fan out from etcd to every watcher at once (fanout.js).
// Nothing but the API server's storage stage ever reaches etcd. Dot labels are placed so that
// they never overlap (labels.js).
import {STAGES} from "./diagram.js";
import {Labels} from "./labels.js";
import {actor, state} from "./model.js";
import {el} from "./svg.js";

const STAGE_ORDER = STAGES.map(([s]) => s);
const LEG_MS = 260;     // one hop between boxes
const STAGE_MS = 120;   // one stage to the next
const MAX_TOKENS = 60;  // past this, requests only flash the stages they crossed
const MAX_LABELLED = 12;  // dots spawned while this many move get no label: too busy to read

export class Traffic {
  constructor(diagram) {
    this.diagram = diagram;
    this.layer = diagram.trafficLayer;
    this.tokens = [];
    this.enabled = true;
    this.running = false;
    this.timers = new Map();
    this.labels = new Labels(this.layer, () => diagram.labelObstacles(), diagram.labelLane);
    diagram.traffic = this;  // the fan-out of a story step's writes sends its dots through us
  }

  /** Whether dots move now (animation on, tab visible, not too busy). */
  get animating() {
    return this.enabled && this.tokens.length < MAX_TOKENS && !document.hidden;
  }

  /** Which box a request came from, by the user (and user agent) the API server authenticated. */
  source(record) {
    const user = record.user || "", agent = (record.user_agent || "").toLowerCase();
    const anchors = this.diagram.anchors;
    const comps = state.components;
    const find = pred => comps.find(pred);
    let m = user.match(/^system:node:(.+)$/);
    if (m && anchors[`kubelet:${m[1]}`]) return {anchor: `kubelet:${m[1]}`};
    if (/kube-proxy/.test(user) || agent.includes("kube-proxy")) {
      const node = Object.keys(anchors).find(k => k.startsWith("proxy:") && agent.includes(k.slice(6)));
      return {anchor: node || Object.keys(anchors).find(k => k.startsWith("proxy:")) || "clients"};
    }
    if (/scheduler/.test(user) || agent.includes("scheduler")) {
      const s = find(c => c.kind === "scheduler" && agent.includes(c.name.toLowerCase())) ||
        find(c => c.kind === "scheduler" && c.leader !== false && c.state !== "stopped") || find(c => c.kind === "scheduler");
      return {anchor: s ? `component:${s.name}` : firstKey(anchors, "component:") || "clients"};
    }
    m = user.match(/^system:serviceaccount:kube-system:(.+)-controller$/);
    if (/controller-manager/.test(user) || m || agent.includes("controller-manager")) {
      const cm = find(c => c.kind === "controller-manager" && c.leader !== false && c.state !== "stopped") ||
        find(c => c.kind === "controller-manager");
      const ctrl = m ? m[1] : null;
      if (ctrl && cm && anchors[`controller:${cm.name}:${ctrl}`]) return {anchor: `controller:${cm.name}:${ctrl}`, controller: ctrl};
      if (ctrl && anchors[`controller:${ctrl}`]) return {anchor: `controller:${ctrl}`, controller: ctrl};
      return {anchor: cm ? `component:${cm.name}` : "clients"};
    }
    return {anchor: "clients"};
  }

  /** Animate one audit record. */
  request(record) {
    const src = this.source(record);
    const stages = (record.stages || []).filter(s => STAGE_ORDER.includes(s.stage));
    const rejected = stages.find(s => s.result === "rejected");
    // stage verdicts, shown when the dot arrives (or at once with animation off)
    const points = [[src.anchor, 0], ["apiserver.in", LEG_MS]];
    const marks = [];
    for (const s of stages) {
      points.push([`stage:${s.stage}`, STAGE_MS]);
      marks.push([points.length - 1, s]);
      if (s.result === "rejected") break;
    }
    if (!rejected && stages.some(s => s.stage === "storage")) {
      points.push(["apiserver.out", STAGE_MS], ["etcd", LEG_MS / 2], ["apiserver.out", LEG_MS / 2]);
    }
    if (!rejected) points.push(["apiserver.in", LEG_MS], [src.anchor, LEG_MS]);
    const label = `${record.verb} ${record.resource}${record.subresource ? "/" + record.subresource : ""}`;
    const flash = () => { for (const [, s] of marks) this.mark(s, record); this.finish(record); };
    if (!this.animating) { flash(); return; }
    this.spawn(points, label, rejected ? "rejected" : record.code >= 400 ? "failed" : "ok", (index) => {
      for (const [i, s] of marks) if (i === index) this.mark(s, record);
      if (rejected && index === points.length - 1) this.finish(record);
    }, () => { if (!rejected) this.finish(record); });
  }

  /** A watch event delivered to a component: API server → watcher. */
  delivery(target, label) {
    if (!target || !this.diagram.anchors[target]) return;
    if (!this.animating) return;
    this.spawn([["apiserver.bottom", 0], [target, LEG_MS * 1.5]], label, "watch");
  }

  /** The dots of a watch fan-out: from etcd back through the API server, then at once one
   * to each watcher's anchor (`targets`); the first carries `label`. */
  fan(targets, label) {
    if (!this.animating) return;
    targets.forEach((key, i) => this.spawn([["etcd", 0], ["apiserver.out", LEG_MS / 2], ["apiserver.bottom", LEG_MS],
      [key, LEG_MS * 1.5]], i ? "" : label, "fan"));
  }

    mark(stage, record) {
    const entry = this.diagram.stageEls[stage.stage];
    if (!entry) return;
    const g = entry.g;
    if (stage.result === "rejected") {
      g.classList.add("rejected");
      g.setAttribute("data-rejected-by", stage.plugin || "");
      entry.verdict.textContent = `✗ ${stage.plugin || "rejected"}`;
      this.diagram.setRejection(`${record.code} ${record.verb} ${record.resource}` +
        `${record.name ? ` "${record.name}"` : ""}: ${record.message || stage.plugin}`);
      this.diagram.rejectText.setAttribute("data-plugin", stage.plugin || "");
      this.diagram.rejectText.setAttribute("data-stage", stage.stage);
      clearTimeout(this.timers.get(stage.stage));
      this.timers.set(stage.stage, setTimeout(() => {
        g.classList.remove("rejected");
        entry.verdict.textContent = "";
      }, 12000));
    } else {
      g.classList.add("hit");
      clearTimeout(this.timers.get("hit:" + stage.stage));
      this.timers.set("hit:" + stage.stage, setTimeout(() => g.classList.remove("hit"), 350));
    }
  }

  finish(record) {
    this.diagram.lastText.textContent = `last: ${record.code} ${record.verb} ${record.resource}` +
      `${record.namespace ? " " + record.namespace + "/" : " "}${record.name || ""} by ${actor(record)}`;
  }

  spawn(points, label, kind, onArrive, onDone) {
    const anchors = this.diagram.anchors;
    // one leg per point, so arrival indices are indices into ``points``; a box not drawn
    // (a node past the layout) keeps the dot where it was
    let last = anchors[points[0][0]] || anchors.clients;
    const path = points.map(([a, ms]) => { last = anchors[a] || last; return [last, ms]; });
    const g = el("g", {class: `token ${kind}`}, this.layer);
    el("circle", {r: 6}, g);
    // labels only while the picture is calm enough to read them
    const text = label && this.tokens.length < MAX_LABELLED ? this.labels.add(label) : null;
    if (text) text.node.classList.add(kind);
    let t = 0;
    const legs = path.map(([p, ms], i) => { t += i ? ms : 0; return {p, at: t}; });
    this.tokens.push({g, legs, start: performance.now(), total: t, arrived: 0, onArrive, onDone, points, label: text});
    if (!this.running) { this.running = true; requestAnimationFrame(now => this.tick(now)); }
  }

  tick(now) {
    const dots = [];
    this.tokens = this.tokens.filter(tok => {
      const elapsed = now - tok.start;
      let i = 1;
      while (i < tok.legs.length - 1 && tok.legs[i].at <= elapsed) i++;
      // arrival callbacks for every waypoint passed (index into the original point list)
      while (tok.arrived < tok.legs.length && tok.legs[tok.arrived].at <= elapsed) {
        if (tok.onArrive) tok.onArrive(tok.arrived);
        tok.arrived += 1;
      }
      if (elapsed >= tok.total) {
        const [x, y] = tok.legs[tok.legs.length - 1].p;
        tok.g.setAttribute("transform", `translate(${x},${y})`);
        this.labels.remove(tok.label);
        if (tok.g.classList.contains("rejected")) {
          setTimeout(() => tok.g.remove(), 2500);
        } else tok.g.remove();
        tok.onDone && tok.onDone();
        return false;
      }
      const a = tok.legs[i - 1], b = tok.legs[i];
      const f = b.at > a.at ? Math.min(1, (elapsed - a.at) / (b.at - a.at)) : 1;
      const x = a.p[0] + (b.p[0] - a.p[0]) * f, y = a.p[1] + (b.p[1] - a.p[1]) * f;
      tok.g.setAttribute("transform", `translate(${x},${y})`);
      dots.push({label: tok.label, x, y});
      return true;
    });
    this.labels.place(dots);
    if (this.tokens.length) requestAnimationFrame(n => this.tick(n));
    else this.running = false;
  }
}

function firstKey(obj, prefix) {
  return Object.keys(obj).find(k => k.startsWith(prefix));
}
