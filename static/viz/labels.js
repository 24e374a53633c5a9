// Labels of moving dots ("create pods", "MODIFIED Pod") that never print on top of each other
// or of the API server's stage names. Each frame the newest dots place their labels first: a
// label tries four spots around its dot, then the free lane under the API server's stages (a
// dot crossing them has no free spot around it), takes the first that overlaps neither a placed
// label nor an obstacle (the stages, the API server's title, etcd's notes, a rejection's
// reason), and is hidden when none is free. At most MAX_VISIBLE labels show at once; older dots go on unlabelled. Sizes are
// measured once per label, so a frame only compares rectangles.
import {el} from "./svg.js";

const MAX_VISIBLE = 5;
const GAP = 2;
// baseline offsets from the dot: above right, below right, above left, below left
const SPOTS = [[9, -9], [9, 18], [-9, -9], [-9, 18]];

const overlaps = (a, b) => a.x < b.x + b.w + GAP && b.x < a.x + a.w + GAP && a.y < b.y + b.h + GAP && b.y < a.y + a.h + GAP;

export class Labels {
  constructor(layer, obstacles, lane) {
    this.layer = el("g", {class: "token-labels"}, layer);
    this.obstacles = obstacles;  // () => [{x, y, w, h}] in diagram units
    this.lane = lane;            // {x0, x1, y}: a row where a dot inside the stages may label itself
  }

  /** A label for a dot; measured now (its box relative to its baseline origin). */
  add(text) {
    const node = el("text", {class: "tiny token-label", x: 0, y: 0, visibility: "hidden"}, this.layer, text);
    const box = node.getBBox();
    return {node, box: {x: box.x, y: box.y, w: box.width, h: box.height}, at: ""};
  }

  remove(label) {
    if (label) label.node.remove();
  }

  /** Place the labels of `dots` ([{label, x, y}], newest last) for this frame. */
  place(dots) {
    const placed = [], obstacles = this.obstacles();
    for (let i = dots.length - 1; i >= 0; i--) {
      const {label, x, y} = dots[i];
      if (!label) continue;
      let spot = null;
      if (placed.length < MAX_VISIBLE) {
        const lane = this.lane, inLane = x >= lane.x0 && x <= lane.x1;
        for (const [dx, dy] of inLane ? [...SPOTS, [-label.box.w / 2, null]] : SPOTS) {
          const bx = dy === null ? x + dx : dx < 0 ? x + dx - label.box.w - label.box.x : x + dx;
          const by = dy === null ? lane.y : y + dy;
          const rect = {x: bx + label.box.x, y: by + label.box.y, w: label.box.w, h: label.box.h};
          if (placed.some(r => overlaps(r, rect)) || obstacles.some(r => overlaps(r, rect))) continue;
          spot = [bx, by, rect];
          break;
        }
      }
      const at = spot ? `${spot[0].toFixed(1)},${spot[1].toFixed(1)}` : "hidden";
      if (at === label.at) { if (spot) placed.push(spot[2]); continue; }
      label.at = at;
      if (!spot) { label.node.setAttribute("visibility", "hidden"); continue; }
      placed.push(spot[2]);
      label.node.setAttribute("x", spot[0].toFixed(1));
      label.node.setAttribute("y", spot[1].toFixed(1));
      label.node.setAttribute("visibility", "visible");
    }
  }
}
