// Pod networking on the page: a node's interfaces, veth pairs and routes in its inspector (`ip
// addr`, `ip route`, from the control API's /nodes/NAME/network), a pod's own `ip addr`, and the
// packet path: from a pod's inspector, "trace a packet to…" asks the control API (/trace) for the
// hops of one packet (a lesson step that traces hands its own over, see main.js) and draws them
// over the diagram — pod, veth, cni0, the kube-proxy rule that picked a backend and its
// probability, the other node's eth0 — until the teacher clears it.
import {sim} from "./api.js";
import {keyOf, state} from "./model.js";
import {el} from "./svg.js";

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** The node inspector's network part: interfaces and routes, as the node's shell prints them,
 * and which pod each veth pair leads to (``inspectPod(key)`` opens that pod's inspector). */
export async function nodeNetworkSection(body, name, nowMark, inspectPod) {
  body.append(h("h4", {}, "interfaces (ip addr)", nowMark()));
  try {
    const net = await sim("GET", `/nodes/${encodeURIComponent(name)}/network`);
    body.append(h("pre", {class: "rules", "data-table": "ip-addr"}, net.ip_addr.join("\n")));
    body.append(h("h4", {}, `veth pairs on cni0 (${net.bridge.ip}, pod CIDR ${net.pod_cidr})`),
      h("table", {class: "grid mono", "data-table": "veths"},
        h("tr", {}, ["NODE END", "IFINDEX", "POD (its eth0)", "POD IP"].map(x => h("th", {}, x))),
        net.veths.map(v => h("tr", {"data-veth": v.name}, h("td", {}, v.name), h("td", {}, v.ifindex),
          h("td", {}, h("a", {href: "#", onclick: ev => { ev.preventDefault(); inspectPod(v.pod); }}, v.pod)),
          h("td", {}, v.ip)))));
    body.append(h("h4", {}, "routes (ip route)", nowMark()),
      h("pre", {class: "rules", "data-table": "ip-route"}, net.ip_route.join("\n")));
  } catch (e) {
    body.append(h("p", {class: "muted"}, `not available: ${e.message}`));
  }
}

/** The pod inspector's network part: `ip addr` inside the pod — its eth0 is `eth0@ifN`, N the
 * ifindex of its veth on the node. */
export async function podNetworkSection(body, pod, nowMark) {
  if (!(pod.status || {}).podIP || !pod.spec.nodeName) return;
  const {namespace, name} = pod.metadata;
  body.append(h("h4", {}, "inside the pod (ip addr)", nowMark()));
  try {
    const net = await sim("GET", `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/network`);
    body.append(h("pre", {class: "rules", "data-table": "pod-ip-addr"}, net.ip_addr.join("\n")),
      h("p", {class: "muted"}, `its peer on ${net.node}: ${net.veth}, a port of cni0 · routes: ${net.ip_route.join(" · ")}`));
  } catch (e) {
    body.append(h("p", {class: "muted"}, `not available: ${e.message}`));
  }
}

/** The pod inspector's "trace a packet to…": a target (pod, pod IP, Service name or ClusterIP,
 * each optionally :port), the hops listed, the path drawn on the diagram. */
export function traceForm(body, pod, diagram) {
  if (!(pod.status || {}).podIP) return;
  const ns = pod.metadata.namespace;
  const options = h("datalist", {id: "trace-targets"},
    [...(state.services || new Map()).values()].filter(s => s.metadata.namespace === ns && (s.spec || {}).clusterIP !== "None")
      .map(s => h("option", {value: s.metadata.name}, `Service ${s.spec.clusterIP}`)),
    [...state.pods.values()].filter(p => (p.status || {}).podIP && keyOf(p) !== keyOf(pod))
      .map(p => h("option", {value: p.metadata.namespace === ns ? p.metadata.name : keyOf(p)}, `Pod ${p.status.podIP}`)));
  const target = h("input", {type: "text", list: "trace-targets", placeholder: "pod, Service, IP[:port]",
    "data-field": "trace-to", style: "width:14em"});
  const out = h("div", {class: "trace-result"});
  if (shown && shown.trace.from_pod === keyOf(pod)) {  // the inspector drawn again: the path drawn stays listed
    target.value = shown.asked;
    out.append(hopList(shown.trace));
  }
  const run = async () => {
    out.replaceChildren(h("p", {class: "muted"}, "tracing…"));
    try {
      const trace = await sim("GET", `/trace?from=${encodeURIComponent(keyOf(pod))}&to=${encodeURIComponent(target.value.trim())}`);
      out.replaceChildren(hopList(trace));
      showPath(diagram, trace, target.value.trim());
    } catch (e) {
      out.replaceChildren(h("p", {class: "bad"}, e.message));
    }
  };
  target.addEventListener("keydown", ev => { if (ev.key === "Enter") run(); });
  body.append(h("h4", {}, "trace a packet to…"), options,
    h("div", {class: "row"}, target, h("button", {onclick: run, "data-action": "trace"}, "trace"),
      h("button", {onclick: () => { showPath(diagram, null); out.replaceChildren(); }}, "clear path")), out);
}

function hopList(trace) {
  const port = trace.port ? `:${trace.port}` : "";
  const items = trace.hops.map(hop => h("li", {"data-hop": hop.kind},
    h("strong", {}, `${hop.node} · ${hop.kind}${hop.device ? " " + hop.device : ""}`), " ", hop.text,
    hop.rule ? h("pre", {class: "rules"}, hop.rule) : null));
  const choices = trace.choices.length ? h("table", {class: "grid mono", "data-table": "trace-choices"},
    h("tr", {}, ["rule", "backend", "probability", ""].map(x => h("th", {}, x))),
    trace.choices.map(c => h("tr", {class: c.taken ? "winner" : ""}, h("td", {}, c.chain), h("td", {}, c.endpoint),
      h("td", {}, c.probability || "(the rest)"), h("td", {}, c.taken ? "taken" : "not taken")))) : null;
  return h("div", {"data-result": trace.result},
    h("p", {}, `${trace.from_pod} (${trace.from_ip}) → ${trace.target} (${trace.to_ip}${port}): `,
      h("strong", {class: trace.result === "delivered" ? "good" : "bad"}, trace.message)),
    choices, h("ol", {class: "hops"}, items));
}

// ------------------------------------------------------------------ the path on the diagram
let shown = null;  // {diagram, trace, asked}: redrawn after each render, until cleared

/** Draw ``trace`` (what was asked: ``asked``) over the diagram; null clears it. */
export function showPath(diagram, trace, asked = "") {
  shown = trace ? {diagram, trace, asked} : null;
  drawPath(diagram);
}

/** Called after every diagram render: pods glide and node boxes move, the path follows them. */
export function redrawPath(diagram) {
  if (shown && shown.diagram === diagram) drawPath(diagram);
}

function nodeBox(diagram, name) {
  const rect = diagram.svg.querySelector(`g.node[data-node="${CSS.escape(name)}"] rect.node-box`);
  if (!rect) return null;
  const n = k => Number(rect.getAttribute(k));
  return {x: n("x"), y: n("y"), w: n("width"), h: n("height")};
}

function podCenter(diagram, key) {
  const entry = diagram.podEls.get(key);
  const at = diagram.podAnchor(key);
  if (!entry || !at) return null;
  const box = entry.g.getBBox();
  return [at[0] - 6 + box.x + box.width / 2, at[1] - 6 + box.y + box.height / 2];
}

/** Where a hop is drawn: a pod's card, a node's bridge (bottom right), its eth0 (bottom middle),
 * or its kube-proxy chip for the rules. */
function hopPoint(diagram, hop) {
  if (hop.kind === "pod" || hop.kind === "veth") return hop.pod ? podCenter(diagram, hop.pod) : null;
  const box = nodeBox(diagram, hop.node);
  if (!box) return null;
  if (hop.kind === "bridge" || (hop.kind === "route" && hop.device === "cni0")) return [box.x + box.w - 40, box.y + box.h - 12];
  if (hop.kind === "iptables" || hop.kind === "dnat") return diagram.anchors[`proxy:${hop.node}`] ?
    [diagram.anchors[`proxy:${hop.node}`][0], diagram.anchors[`proxy:${hop.node}`][1] + 11] : [box.x + 60, box.y + 36];
  return [box.x + box.w / 2, box.y + box.h];  // route out, wire, node: the node's eth0
}

function drawPath(diagram) {
  const old = diagram.svg.querySelector("g.packet-path");
  if (old) old.remove();
  for (const n of diagram.svg.querySelectorAll(".on-path")) n.classList.remove("on-path");
  if (!shown) return;
  const trace = shown.trace;
  const g = el("g", {class: "packet-path", "data-result": trace.result, "data-from": trace.from_pod,
    "data-to": (trace.delivered_to || {}).pod || trace.to_ip}, diagram.grid.svg);  // over the pods it joins
  const points = [];
  for (const hop of trace.hops) {
    const p = hopPoint(diagram, hop);
    if (!p) continue;
    const last = points[points.length - 1];
    if (last && Math.abs(last.p[0] - p[0]) < 1 && Math.abs(last.p[1] - p[1]) < 1) { last.hops.push(hop); continue; }
    points.push({p, hops: [hop]});
  }
  if (points.length > 1) el("polyline", {class: "path-line", points: points.map(x => x.p.join(",")).join(" ")}, g);
  for (const {p, hops} of points) {
    const hop = hops[0];
    el("circle", {cx: p[0], cy: p[1], r: 5, class: `path-hop ${hop.kind}`, "data-hop": hop.kind, "data-node": hop.node}, g);
    const name = hops.map(x => x.kind === "pod" ? "eth0" : x.kind === "veth" ? x.device : x.kind === "bridge" ? "cni0" :
      x.kind === "node" || x.kind === "wire" || (x.kind === "route" && x.device === "eth0") ? `eth0 ${x.node}` : "")
      .filter(Boolean);
    if (name.length && !hops.some(x => x.kind === "iptables" || x.kind === "dnat")) {
      el("text", {x: p[0] + 8, y: p[1] - 6, class: "path-label small"}, g, [...new Set(name)].join(" · "));
    }
  }
  // the rule that picked the backend, and its probability, next to the kube-proxy chip
  const svcHop = trace.hops.find(x => x.kind === "iptables" && x.chain && x.chain.startsWith("KUBE-SVC-"));
  const dnat = trace.hops.find(x => x.kind === "dnat");
  const anchor = svcHop && hopPoint(diagram, svcHop);
  if (anchor) {
    const chosen = trace.choices.find(c => c.taken) || {};
    const odds = chosen.probability ? `probability ${chosen.probability}` : "the last rule (the rest)";
    const box = el("rect", {class: "path-rule-box", rx: 4}, g);
    const lines = [el("text", {x: anchor[0] + 10, y: anchor[1] + 16, class: "path-rule small"}, g,
      `${trace.service}: ${svcHop.chain} → ${chosen.chain} (${odds})`)];
    if (dnat) lines.push(el("text", {x: anchor[0] + 10, y: anchor[1] + 30, class: "path-rule small"}, g,
      `DNAT ${trace.cluster_ip}:${trace.port} → ${chosen.endpoint}`));
    const boxes = lines.map(t => t.getBBox());
    const left = Math.min(...boxes.map(b => b.x)), top = Math.min(...boxes.map(b => b.y));
    Object.entries({x: left - 4, y: top - 3, width: Math.max(...boxes.map(b => b.x + b.width)) - left + 8,
      height: Math.max(...boxes.map(b => b.y + b.height)) - top + 6}).forEach(([k, v]) => box.setAttribute(k, v));
  }
  for (const hop of trace.hops) {
    if (hop.pod) { const e = diagram.podEls.get(hop.pod); if (e) e.g.classList.add("on-path"); }
    const node = diagram.svg.querySelector(`g.node[data-node="${CSS.escape(hop.node)}"]`);
    if (node) node.classList.add("on-path");
  }
}
