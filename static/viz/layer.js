// The node grid's own layer. Every request lights API-server stages, rewrites etcd's
// revision and the last request: small changes in the control plane. Drawn in the same SVG as
// the node grid (3,000+ elements with a zone open), each such change made Chromium record the
// whole diagram again and rasterise all of it in view (profile of `bench frames` at 1,000
// nodes: paint and raster took most of every frame). The grid — nodes, zones, the links from
// workloads to pods, the pods — is therefore drawn in an SVG root of its own, composited apart
// (cluster.css: `svg.diagram-layer`), so those changes leave its recording and its tiles alone.
//
// It is nested in the diagram (in a <foreignObject> covering it, same user units), not a
// sibling: every lookup, style and event handler that goes through `#diagram` — clicks for
// the inspector, hover focus, lesson highlights, `svg#diagram .node` — keeps finding it.
import {el} from "./svg.js";

export class DiagramLayer {
  /** A layer over everything `svg` holds so far; drawn in `this.svg`. */
  constructor(svg, className) {
    this.box = el("foreignObject", {x: 0, y: 0, class: "diagram-layer-box"}, svg);
    this.svg = el("svg", {class: `diagram-layer ${className}`}, this.box);
  }

  /** Cover the diagram's `viewBox` ("0 0 W H") with the same coordinates. */
  fit(viewBox) {
    const [, , width, height] = viewBox.split(" ");
    for (const node of [this.box, this.svg]) {
      node.setAttribute("width", width);
      node.setAttribute("height", height);
    }
    this.svg.setAttribute("viewBox", viewBox);
  }
}
