// The ingress controller on the page: the routing table the simulated ingress-nginx keeps (host,
// path, path type, Ingress, backend Service:port, the endpoints nginx sends to), read from the
// control API's /ingress, and a "where does this request go" form answered by the same matcher.
// Shown in the inspector of an Ingress (its own rows), of the controller's pod and of the
// controller component (every row).
import {sim} from "./api.js";

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

/** Whether a pod is the ingress-nginx controller's (the labels of its Deployment's template). */
export function isIngressControllerPod(pod) {
  const labels = (pod.metadata || {}).labels || {};
  return labels["app.kubernetes.io/name"] === "ingress-nginx" && labels["app.kubernetes.io/component"] === "controller";
}

function matchText(m) {
  const target = `http://${m.host}${m.path}`;
  if (!m.route) return `${entry(m)}${target} → 404 from the default backend — ${m.why}`;
  const endpoints = m.route.endpoints.join(", ") || `no endpoint (${m.route.problem}): 503`;
  return `${entry(m)}${target} → ${m.route.backend} (${endpoints}) — ${m.why}`;
}

/** The first leg, when traced: the node's address and NodePort the client sends to, and the
 * controller pod kube-proxy hands it to. */
function entry(m) {
  const leg = m.client_trace;
  if (!leg) return "";
  const to = leg.delivered_to && leg.delivered_to.pod ? `controller pod ${leg.delivered_to.pod}` : leg.message;
  return `client → ${leg.to_ip}:${leg.port} (NodePort, ${leg.hops[0].node}) → ${to}; `;
}

/** The routing table (only ``ingress``'s rows when given, as NAMESPACE/NAME) and the request form.
 * ``inspectObject(kind, namespace, name)`` opens another inspector. */
export async function ingressSection(body, nowMark, inspectObject, ingress = "") {
  body.append(h("h4", {}, ingress ? "in the ingress controller's routing table" : "routing table (ingress-nginx)", nowMark()));
  let table;
  try {
    table = await sim("GET", "/ingress");
  } catch (e) {
    body.append(h("p", {class: "muted"}, `not available: ${e.message}`));
    return;
  }
  const routes = table.routes.filter(r => !ingress || r.ingress === ingress);
  body.append(h("p", {class: table.serving ? "" : "bad"}, table.serving
    ? `${table.controller} serves at ${table.address.join(", ") || "(no address yet)"}`
    : `${table.controller} is not serving: no controller pod is running`));
  const link = r => {
    const [ns, name] = r.ingress.split("/");
    return h("a", {href: "#", onclick: ev => { ev.preventDefault(); inspectObject("Ingress", ns, name); }}, r.ingress);
  };
  body.append(h("table", {class: "grid mono", "data-table": "ingress-routes"},
    h("tr", {}, ["HOST", "PATH", "PATH TYPE", "INGRESS", "BACKEND", "ENDPOINTS"].map(x => h("th", {}, x))),
    routes.length ? routes.map(r => h("tr", {"data-route": `${r.host}${r.path}`},
      h("td", {}, r.host), h("td", {}, r.path), h("td", {}, r.path_type), h("td", {}, link(r)),
      h("td", {}, h("a", {href: "#", onclick: ev => { ev.preventDefault(); inspectObject("Service", r.ingress.split("/")[0], r.service); }}, r.backend)),
      h("td", {class: r.endpoints.length ? "" : "bad"}, r.endpoints.join(", ") || `none: ${r.problem}`)))
      : h("tr", {}, h("td", {colspan: 6, class: "muted"}, table.serving ? "no rows (is the Ingress of class nginx?)" : "no rows"))));
  const first = routes[0];
  const url = h("input", {size: 34, "data-field": "ingress-url",
    value: first ? `http://${first.host === "_" || first.host.startsWith("*") ? "example.com" : first.host}${first.path}` : "http://example.com/"});
  const answer = h("p", {class: "mono", "data-field": "ingress-match"});
  const ask = () => sim("GET", `/ingress?url=${encodeURIComponent(url.value.trim())}`)
    .then(r => { answer.textContent = matchText(r.match); answer.className = `mono ${r.match.route ? "good" : "bad"}`; })
    .catch(e => { answer.textContent = e.message; answer.className = "mono bad"; });
  body.append(h("div", {class: "row"}, "where does ", url, " go? ", h("button", {onclick: ask}, "route it")), answer);
}
