// The watch fan-out (chapter 11.1.4: the API server sends each change to every watcher). When
// the caption tells a story step that wrote, the write comes back from etcd through the API
// server and branches, at once, to every component whose watch received it — the kernel's
// `step.watchers`, exactly: the kubelet of the pod's node and no other, the scheduler, the
// controller manager's informers, the writer itself when it watches what it wrote. The
// branches stay drawn while the step is told, so a paused class sees the whole fan; dots run
// along them when animation is on. A step that reached no watcher (an Event) clears them.
import {el} from "./svg.js";

export class FanOut {
  constructor(diagram) {
    this.diagram = diagram;
    this.layer = el("g", {class: "fanouts"}, diagram.trafficLayer);
  }

  /** Draw the fan of `step` (one with `watchers`), replacing the previous step's. */
  show(step) {
    const watchers = step.watchers || [];
    this.layer.replaceChildren();
    if (!watchers.length) return;
    const d = this.diagram, a = d.anchors;
    const hub = a["apiserver.bottom"], out = a["apiserver.out"], etcd = a.etcd;
    const g = el("g", {class: "fanout", "data-seq": step.seq, "data-watchers": watchers.join(" "),
      "data-writer": step.component}, this.layer);
    el("path", {d: `M${etcd[0]} ${etcd[1]} L${out[0]} ${out[1]} L${hub[0]} ${hub[1]}`, class: "fan-trunk"}, g);
    const targets = [];
    for (const watcher of watchers) {
      const key = d.componentAnchor(watcher);
      const at = key && a[key];
      if (!at) continue;  // not on the diagram (a node past the layout)
      const [x, y] = at;
      const bend = (hub[1] + y) / 2;
      el("path", {d: `M${hub[0]} ${hub[1]} C${hub[0]} ${bend} ${x} ${bend} ${x} ${y}`, class: "fan-branch",
        "data-target": watcher}, g);
      targets.push(key);
    }
    if (d.traffic) d.traffic.fan(targets, `${targets.length} watcher${targets.length === 1 ? "" : "s"}`);
  }
}
