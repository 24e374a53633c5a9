// The side panel: steps timeline and API requests, the Events list (like `kubectl get
// events -w`), the inspectors (component, object, pod, node, etcd, API server stage) and
// the create form. Every action goes through the Kubernetes API or the control API.
import {config, kube, objectPath, registryKey, sim} from "./api.js";
import {age} from "./clock.js";
import {EXAMPLES} from "./examples.js";
import {queueText} from "./diagram.js";
import {FOLLOW_DELAY_MS, ownRead, shown, signature, wrote} from "./follow.js";
import {actor, emit, keyOf, podStatus, state} from "./model.js";
import {ingressSection, isIngressControllerPod} from "./ingress.js";
import {nodeNetworkSection, podNetworkSection, traceForm} from "./netpath.js";
import {documents, toYAML} from "./yaml.js";

const $ = id => document.getElementById(id);

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

// Steps the timeline keeps of each kind (story, housekeeping).
const STEPS_KEPT = 500;
// Requests an API server stage's inspector lists, newest first.
const STAGE_REQUESTS_SHOWN = 40;
const SCALABLE = new Set(["Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"]);
const ETCD_RESOURCES = [
  ["/api/v1/namespaces", "namespaces", "Namespace"], ["/api/v1/nodes", "nodes", "Node"],
  ["/api/v1/pods", "pods", "Pod"], ["/api/v1/services", "services", "Service"],
  ["/api/v1/endpoints", "endpoints", "Endpoints"], ["/api/v1/events", "events", "Event"],
  ["/api/v1/configmaps", "configmaps", "ConfigMap"], ["/api/v1/serviceaccounts", "serviceaccounts", "ServiceAccount"],
  ["/api/v1/resourcequotas", "resourcequotas", "ResourceQuota"], ["/api/v1/limitranges", "limitranges", "LimitRange"],
  ["/apis/apps/v1/deployments", "deployments", "Deployment"], ["/apis/apps/v1/replicasets", "replicasets", "ReplicaSet"],
  ["/apis/apps/v1/daemonsets", "daemonsets", "DaemonSet"],
  ["/apis/coordination.k8s.io/v1/leases", "leases", "Lease"],
  ["/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "EndpointSlice"],
  ["/apis/rbac.authorization.k8s.io/v1/clusterroles", "clusterroles", "ClusterRole"],
  ["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "clusterrolebindings", "ClusterRoleBinding"],
];

export class Panels {
  constructor(diagram) {
    this.diagram = diagram;
    this.current = null;  // what the inspector shows: "pod:NS/NAME", "node:NAME", "object:KIND:NS:NAME", ...
    this.onResync = null;
    // live inspectors (follow.js): the signature drawn, writes and requests seen since
    this.follow = {sig: null, writes: 0, requests: 0, target: null, timer: null, rendering: 0, again: false};
    this.openManifests = new Set();  // NODE/FILE whose content the teacher opened with "cat"
    $("tabs").addEventListener("click", ev => {
      const tab = ev.target.closest("button[data-tab]");
      if (tab) this.show(tab.dataset.tab);
    });
    diagram.svg.addEventListener("click", ev => {
      const target = ev.target.closest("[data-inspect]");
      if (target) this.inspect(target.dataset.inspect);
    });
    for (const id of ["ev-namespace", "ev-kind", "ev-reason"]) $(id).addEventListener("input", () => this.renderEvents());
    const housekeeping = $("show-housekeeping");
    housekeeping.addEventListener("change", () => $("timeline").classList.toggle("show-housekeeping", housekeeping.checked));
    this.setupCreate();
  }

  show(tab) {
    document.querySelectorAll("#tabs button").forEach(b => b.classList.toggle("active", b.dataset.tab === tab));
    document.querySelectorAll(".side .panel").forEach(p => p.classList.toggle("active", p.id === `panel-${tab}`));
    if (tab === "etcd") this.renderEtcd();
    if (tab === "events") this.renderEvents();
    if (tab === "inspector") this.followInspector();
  }

  // ------------------------------------------------------------------ steps and requests
  /** The timeline: story steps, and housekeeping (hidden unless "show housekeeping" is on);
   * each kind keeps its newest STEPS_KEPT, so a flood of heartbeats never pushes the story out. */
  renderSteps(fresh) {
    const list = $("timeline");
    for (const s of fresh) {
      const li = h("li", {"data-seq": s.seq, class: `${s.action}${s.housekeeping ? " housekeeping" : " story"}`,
        title: `t=${s.time_seconds}s`},
        h("span", {class: "seq"}, s.seq), " ",
        h("span", {class: "who"}, s.controller ? `${s.controller}` : s.component), " ",
        s.caption || `${s.action}${s.object ? " " + s.object.kind + " " + s.object.name : ""}`);
      li.addEventListener("click", () => {
        list.querySelectorAll("li.selected").forEach(n => n.classList.remove("selected"));
        li.classList.add("selected");
        if (s.object && s.object.kind) this.inspect(`object:${s.object.kind}:${s.object.namespace || ""}:${s.object.name}`);
      });
      list.prepend(li);
    }
    for (const kind of ["story", "housekeeping"]) [...list.querySelectorAll(`li.${kind}`)].slice(STEPS_KEPT).forEach(n => n.remove());
  }

  renderRequests(records) {
    const list = $("requests");
    for (const r of records) {
      const rejected = r.rejected_by || r.code >= 400;
      list.prepend(h("li", {class: rejected ? "bad" : "", "data-revision": r.revision || "",
        title: r.revision ? `wrote revision ${r.revision}: click to see the cluster as it was then` : "",
        onclick: () => r.revision && this.onTravel && this.onTravel(r.revision)},
        h("span", {class: "code"}, r.code), " ", `${r.verb} ${r.resource}${r.subresource ? "/" + r.subresource : ""} `,
        r.namespace ? `${r.namespace}/` : "", r.name || "", h("span", {class: "muted"}, ` · ${actor(r)}`),
        r.rejected_by ? h("div", {class: "reason"}, `✗ ${r.rejected_by}: ${r.message}`) : null));
    }
    while (list.children.length > 100) list.lastChild.remove();
  }

  // ------------------------------------------------------------------ events
  renderEvents() {
    this.refreshObjectEvents();
    if (!$("panel-events").classList.contains("active")) return;  // drawn when its tab opens
    const events = [...shown().events.values()];
    const now = state.view ? state.view.wallTime : undefined;  // ages as they were at the revision viewed
    const nsSel = $("ev-namespace"), kindSel = $("ev-kind");
    const fill = (sel, values) => {
      const have = new Set([...sel.options].map(o => o.value));
      for (const v of [...values].sort()) if (!have.has(v)) sel.append(h("option", {value: v}, v));
    };
    fill(nsSel, new Set(events.map(e => e.metadata.namespace || "")));
    fill(kindSel, new Set(events.map(e => (e.involvedObject || {}).kind || "")));
    const ns = nsSel.value, kind = kindSel.value, reason = $("ev-reason").value.trim().toLowerCase();
    const rows = events.filter(e => (!ns || e.metadata.namespace === ns) && (!kind || (e.involvedObject || {}).kind === kind) &&
      (!reason || (e.reason || "").toLowerCase().includes(reason)))
      .sort((a, b) => eventTime(b).localeCompare(eventTime(a))).slice(0, 300);
    $("events").replaceChildren(...rows.map(e => {
      const o = e.involvedObject || {};
      return h("tr", {class: e.type === "Warning" ? "warning" : "", "data-reason": e.reason || ""},
        h("td", {}, age(eventTime(e), now)), h("td", {}, e.type || ""), h("td", {}, breakable(e.reason || "")),
        h("td", {}, h("a", {href: "#", onclick: ev => { ev.preventDefault(); this.inspect(`object:${o.kind}:${o.namespace || ""}:${o.name}`); }},
          breakable(`${(o.kind || "").toLowerCase()}/${o.name || ""}`))),
        h("td", {}, (e.source && e.source.component) || e.reportingComponent || ""),
        h("td", {}, `${e.message || ""}${eventCount(e) > 1 ? ` (×${eventCount(e)})` : ""}`));
    }));
  }

  // ------------------------------------------------------------------ inspectors
  inspect(what) {
    if (what.startsWith("zone:")) {  // a zone box only folds and unfolds
      const zone = what.slice(5);
      if (this.diagram.expandedZones.has(zone)) this.diagram.expandedZones.delete(zone);
      else this.diagram.expandedZones.add(zone);
      this.diagram.render();
      return;
    }
    this.current = what;
    emit("inspect", what);  // a teacher's class follows the object they open (lessons.js)
    this.show("inspector");
    this.renderInspector(true);
  }

  /** Something the page holds changed (a watch event, the components, a time-travel jump):
   * look again shortly (a burst of changes makes one look), and draw the open inspector again
   * if what it shows changed. */
  refreshInspector() {
    // at most one look per FOLLOW_DELAY_MS: a steady stream of watch events (10× speed) must
    // not postpone it forever, as a debounce that restarts on each event would
    if (this.follow.timer) return;
    this.follow.timer = setTimeout(() => { this.follow.timer = null; this.followInspector(); }, FOLLOW_DELAY_MS);
  }

  /** Draw the open inspector again if its signature changed — not while it is hidden (then
   * when its tab opens), nor while the user types in it (then when the field loses focus). */
  followInspector() {
    const panel = $("panel-inspector");
    if (!this.current || !panel.classList.contains("active")) return;
    const focused = document.activeElement;
    if (focused && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName) && panel.contains(focused)) {
      focused.addEventListener("blur", () => this.refreshInspector(), {once: true});
      return;
    }
    const sig = signature(this.current, {writes: this.follow.writes, requests: this.follow.requests,
      ownReads: $("own-requests").checked});
    if (sig === null || sig === this.follow.sig) return;
    if (this.follow.rendering) { this.follow.again = true; return; }
    this.renderInspector();
  }

  /** Audit records arrived: writes to the inspected object (of a kind the page does not
   * watch) and new requests for the API server's inspectors make the inspector stale. */
  followRequests(records) {
    this.follow.requests += records.length;
    const target = this.follow.target;
    if (target) this.follow.writes += records.filter(r => wrote(r, target)).length;
    if (records.length) this.refreshInspector();
  }

  async renderInspector() {
    const what = this.current || "";
    const panel = $("panel-inspector");
    const [type, ...rest] = what.split(":");
    const body = h("div", {class: "inspector", "data-inspecting": what});
    if (this.follow.what !== what) Object.assign(this.follow, {what, writes: 0, target: null});
    const sig = signature(what, {writes: this.follow.writes, requests: this.follow.requests, ownReads: $("own-requests").checked});
    this.follow.rendering += 1;
    try {
      if (type === "component") this.componentView(body, rest.join(":"));
      else if (type === "clients") this.clientsView(body);
      else if (type === "apiserver" || type === "stage") this.stageView(body, rest[0]);
      else if (type === "etcd") { this.show("etcd"); return; }
      else if (type === "node") await this.nodeView(body, rest.join(":"));
      else if (type === "pod") {
        const [ns, name] = rest.join(":").split("/");
        await this.objectView(body, "Pod", ns, name);
      } else if (type === "object") await this.objectView(body, rest[0], rest[1], rest.slice(2).join(":"));
    } catch (e) {
      body.append(h("p", {class: "bad"}, e.message));
    } finally {
      this.follow.rendering -= 1;
    }
    const n = this.lastNote;
    if (n && n.what === what && Date.now() - n.at < 10000) body.prepend(h("p", {class: `action-note ${n.bad ? "bad" : "good"}`}, n.text));
    const focused = document.activeElement;
    if (this.current === what && focused && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName) && panel.contains(focused) &&
        panel.firstElementChild && panel.firstElementChild.dataset.inspecting === what) {
      // the user started typing while this drawing was on its way: theirs wins, redraw on blur
      focused.addEventListener("blur", () => this.refreshInspector(), {once: true});
    } else if (this.current === what) {
      // the same object drawn again: the reader keeps their place
      const keep = panel.firstElementChild && panel.firstElementChild.dataset.inspecting === what ? panel.scrollTop : 0;
      panel.replaceChildren(body);
      panel.scrollTop = keep;
      this.follow.sig = sig;
      body.dataset.signature = sig === null ? "" : sig;
    }
    if (this.follow.again) { this.follow.again = false; this.refreshInspector(); }
  }

  clientsView(body) {
    body.append(h("h3", {}, "Clients"),
      h("p", {}, "kubectl, the Python client and this page: they reach the cluster only through the API server, " +
        "with a bearer token. This page acts as ", h("code", {}, config.user),
        config.groups.length ? ` (groups ${config.groups.join(", ")})` : " (no groups: RBAC decides)", "."));
  }

  /** An API server stage (or the whole API server): its plugins, in order, and the recent
   * requests that reached it, newest first — each with verb, resource, user, code and the
   * plugin that refused it. This page's own reads only with "this page's requests" on. */
  stageView(body, stage) {
    const ownReads = $("own-requests").checked;
    const through = state.requests.filter(r => (ownReads || !ownRead(r)) &&
      (!stage || (r.stages || []).some(s => s.stage === stage)));
    body.append(h("h3", {}, stage ? `API server · ${stage}` : "API server"));
    const last = through.find(r => (r.stages || []).some(s => s.stage === stage && (s.plugins || []).length));
    const own = last && (last.stages || []).find(s => s.stage === stage);
    if (own) body.append(h("p", {}, "plugins, in order: ", h("strong", {}, own.plugins.join(" → "))));
    body.append(h("h4", {}, `Recent requests${stage ? " through this stage" : ""} (${Math.min(through.length, STAGE_REQUESTS_SHOWN)})`));
    if (!through.length) body.append(h("p", {class: "muted"}, "none yet" + (ownReads ? "" : " (this page's reads are left out: tick \"this page's requests\" to see them)")));
    body.append(h("ol", {class: "stage-requests", "data-list": "stage-requests"}, through.slice(0, STAGE_REQUESTS_SHOWN).map(r => {
      const refused = (r.stages || []).find(s => s.result === "rejected");
      const here = refused && (!stage || refused.stage === stage);
      return h("li", {class: r.code >= 400 ? "bad" : "", "data-code": r.code, "data-refused-by": refused ? refused.plugin : null},
        h("span", {class: "code"}, r.code), " ", h("strong", {}, r.verb), " ",
        `${r.resource || r.path || ""}${r.subresource ? "/" + r.subresource : ""} `,
        r.namespace ? `${r.namespace}/` : "", r.name || "", h("span", {class: "muted"}, ` · ${actor(r)}`),
        refused ? h("span", {class: "refused"}, `✗ ${here ? "" : `at ${refused.stage}: `}${refused.plugin}${r.message ? `: ${r.message}` : ""}`) : null);
    })));
    const rej = state.lastRejection;
    if (rej) body.append(h("h4", {}, "Last rejection"), h("p", {class: "bad"}, `${rej.code} by ${rej.rejected_by}: ${rej.message}`));
  }

  componentView(body, name) {
    const c = state.components.find(x => x.name === name);
    body.append(h("h3", {}, name, nowMark()));
    if (!c) {
      body.append(h("p", {class: "muted"}, state.simAvailable ? "Not running in this cluster." :
        "The simulation control API is not available yet, so component state is unknown."));
      return;
    }
    body.append(h("table", {class: "kv"},
      ["kind", "node", "state", "leader", "queue"].map(k => h("tr", {}, h("th", {}, k), h("td", {"data-field": k}, k === "queue" ? queueText(c[k]) : c[k] === null || c[k] === undefined ? "–" : String(c[k]))))));
    const more = Object.entries(c).filter(([k, v]) => !["name", "kind", "node", "state", "leader", "queue", "controllers"].includes(k) &&
      v !== null && typeof v !== "object");
    if (more.length) body.append(h("table", {class: "kv"}, more.map(([k, v]) => h("tr", {}, h("th", {}, k.replace(/_/g, " ")), h("td", {}, String(v))))));
    if (c.controllers && c.controllers.length) {
      body.append(h("h4", {}, "controllers (work queue length, syncs)"), h("table", {class: "grid"},
        h("tr", {}, h("th", {}, "controller"), h("th", {}, "queue"), h("th", {}, "syncs")),
        c.controllers.map(x => h("tr", {"data-controller": x.name}, h("td", {}, x.name), h("td", {}, x.queue), h("td", {}, x.syncs ?? "")))));
    }
    const act = (path, payload) => sim("POST", path, payload).then(r => this.note(body, (r && r.result) || `${path}: done`))
      .catch(e => this.note(body, `${path}: ${e.message}`, true));
    body.append(h("div", {class: "row"},
      h("button", {onclick: () => act(`/components/${encodeURIComponent(name)}/stop`), disabled: c.state === "stopped"}, "stop"),
      h("button", {onclick: () => act(`/components/${encodeURIComponent(name)}/start`), disabled: c.state === "running"}, "start")));
    if ((c.kind === "scheduler" && (c.scheduler_name || "default-scheduler") === "default-scheduler") || c.kind === "controller-manager") {
      // high availability: replicas elect a leader on their Lease; only the leader acts
      const kind = c.kind === "scheduler" ? "scheduler" : "controller-manager";
      const count = state.components.filter(x => x.kind === c.kind && (x.scheduler_name || "") === (c.scheduler_name || "")).length;
      const replicas = h("input", {type: "number", min: 1, max: 3, value: Math.max(count, 1), style: "width:3.5em", "data-field": "replicas"});
      body.append(h("div", {class: "row"}, "replicas ", replicas,
        h("button", {onclick: () => act("/replicas", {component: kind, count: Number(replicas.value)})}, "set"),
        h("span", {class: "muted"}, " (2+ elect a leader on a Lease in kube-system)")));
    }
    if (c.kind === "scheduler") {
      const input = h("input", {value: "my-scheduler", size: 14});
      body.append(h("div", {class: "row"}, "another scheduler: ", input,
        h("button", {onclick: () => act("/schedulers", {name: input.value.trim()})}, "start it")));
    }
    if (c.kind === "ingress-controller") ingressSection(body, nowMark, (k, ns, n) => this.inspect(`object:${k}:${ns}:${n}`));
    if (c.kind === "controller-manager" || c.kind === "scheduler" || c.kind === "kubelet") {
      const count = h("input", {type: "number", value: 5, min: 1, style: "width:4em"});
      body.append(h("div", {class: "row"}, "fault: drop the next ", count, " watch events ",
        h("button", {onclick: () => act("/faults", {type: "drop-watch-events", component: name, count: Number(count.value)})}, "drop")));
    }
  }

  async nodeView(body, name) {
    const past = state.view;
    const node = shown().nodes.get(`/${name}`) || (past ? null : await kube("GET", `/api/v1/nodes/${name}`));
    if (!node) {
      body.append(h("h3", {}, `node ${name}`, pastMark()), h("p", {class: "muted"}, `not registered at revision ${past.revision}`));
      return;
    }
    const st = node.status || {};
    body.append(h("h3", {}, `node ${name}`, pastMark()),
      h("table", {class: "kv"},
        h("tr", {}, h("th", {}, "labels"), h("td", {}, Object.entries(node.metadata.labels || {}).map(([k, v]) => `${k}=${v}`).join(", "))),
        h("tr", {}, h("th", {}, "capacity"), h("td", {}, Object.entries(st.capacity || {}).map(([k, v]) => `${k} ${v}`).join(" · "))),
        h("tr", {}, h("th", {}, "allocatable"), h("td", {}, Object.entries(st.allocatable || {}).map(([k, v]) => `${k} ${v}`).join(" · "))),
        h("tr", {}, h("th", {}, "taints"), h("td", {}, ((node.spec || {}).taints || []).map(t => `${t.key}=${t.value || ""}:${t.effect}`).join(", ") || "none")),
        h("tr", {}, h("th", {}, "conditions"), h("td", {}, (st.conditions || []).map(c => `${c.type}=${c.status}`).join(", "))),
        h("tr", {}, h("th", {}, "pod CIDR"), h("td", {}, (node.spec || {}).podCIDR || "")),
        h("tr", {}, h("th", {}, "resourceVersion"), h("td", {}, node.metadata.resourceVersion))));
    const act = (path, payload) => sim("POST", path, payload).then(r => this.note(body, (r && r.result) || `${path}: done`))
      .catch(e => this.note(body, `${path}: ${e.message}`, true));
    body.append(h("div", {class: "row"},
      h("button", {onclick: () => act("/faults", {type: "fail-node", node: name})}, "fail this node"),
      h("button", {onclick: () => this.inspect(`object:Node::${name}`)}, "YAML"),
      h("button", {onclick: () => this.renderInspector()}, "refresh")));
    await nodeNetworkSection(body, name, nowMark, key => this.inspect(`pod:${key}`));
    const kubelet = state.components.find(c => c.name === `kubelet/${name}`);
    if (kubelet && kubelet.static_pod_path) await this.manifestsView(body, name, act);
    body.append(h("h4", {}, "containers (crictl ps -a)", nowMark()));
    try {
      const containers = await sim("GET", `/nodes/${encodeURIComponent(name)}/containers`);
      const list = Array.isArray(containers) ? containers : containers.containers || [];
      body.append(h("table", {class: "grid mono", "data-table": "containers"},
        h("tr", {}, ["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD", ""].map(x => h("th", {}, x))),
        list.map(c => {
          const pause = c.pause || c.name === "POD";
          const created = c.created_seconds ?? c.created;
          return h("tr", {class: pause ? "pause" : "", "data-container": c.name}, h("td", {}, String(c.id).slice(0, 13)), h("td", {}, c.image),
            h("td", {}, created !== undefined ? `${Number(created).toFixed(1)}s` : ""), h("td", {}, c.state),
            h("td", {}, pause ? "POD (pause)" : c.name), h("td", {}, c.attempt), h("td", {}, `${c.namespace}/${c.pod}`),
            h("td", {}, /running/i.test(c.state || "") ? h("button", {onclick: () => act("/faults",
              {type: "kill-container", namespace: c.namespace, pod: c.pod, container: pause ? "POD" : c.name})}, "kill") : ""));
        })));
    } catch (e) {
      body.append(h("p", {class: "muted"}, `not available: ${e.message}`));
    }
    body.append(h("h4", {}, "kube-proxy rules (iptables-save)", nowMark()));
    try {
      const rules = await sim("GET", `/nodes/${encodeURIComponent(name)}/iptables`);
      body.append(h("pre", {class: "rules"}, (rules.rules || []).join("\n") || "(no rules)"));
    } catch (e) {
      body.append(h("p", {class: "muted"}, `not available: ${e.message}`));
    }
    const pods = [...shown().pods.values()].filter(p => p.spec.nodeName === name);
    body.append(h("h4", {}, `pods (${pods.length})`), h("ul", {}, pods.map(p => h("li", {},
      h("a", {href: "#", onclick: ev => { ev.preventDefault(); this.inspect(`pod:${keyOf(p)}`); }}, `${keyOf(p)}`), ` ${podStatus(p)}`))));
  }

  /** The kubelet's static pod path (kubeadm's /etc/kubernetes/manifests): each file, the static
   * pod it runs (its mirror pod), its content, and a teacher's edit, remove and restore. */
  async manifestsView(body, node, act) {
    let listing;
    try {
      listing = await sim("GET", `/nodes/${encodeURIComponent(node)}/manifests`);
    } catch (e) {
      body.append(h("p", {class: "muted"}, `static pod manifests not available: ${e.message}`));
      return;
    }
    const change = (file, action, payload) =>
      act(`/nodes/${encodeURIComponent(node)}/manifests/${encodeURIComponent(file)}/${action}`, payload)
        .then(() => this.renderInspector());
    body.append(h("h4", {}, `static pod manifests (ls ${listing.path})`, nowMark()),
      h("p", {class: "muted"}, "The kubelet runs each file as a static pod and keeps a mirror pod of it in the API " +
        "server. Editing a file restarts the pod; removing it stops the pod."));
    body.append(h("div", {"data-list": "manifests"},
      listing.files.map(f => {
        const flag = h("input", {type: "text", placeholder: "--v=4", size: 9, "data-field": "flag"});
        // open stays open when the live inspector draws the node again (a write, a status change)
        const shown = `${node}/${f.name}`;
        const content = h("pre", {class: "rules", hidden: !this.openManifests.has(shown), "data-manifest-yaml": f.name},
          toYAML(f.manifest));
        return h("div", {class: "manifest", "data-manifest": f.name},
          h("div", {class: "mono"}, h("strong", {}, f.name), f.kubeadm ? "" : " (edited)", " → ",
            h("a", {href: "#", onclick: ev => { ev.preventDefault(); this.inspect(`pod:${f.pod}`); }}, f.pod)),
          h("div", {class: "row"},
            h("button", {onclick: () => {
              content.hidden = !content.hidden;
              if (content.hidden) this.openManifests.delete(shown); else this.openManifests.add(shown);
            }}, "cat"),
            h("button", {onclick: () => change(f.name, "remove")}, "remove"),
            f.kubeadm ? "" : h("button", {onclick: () => change(f.name, "restore")}, "restore"),
            " set flag ", flag, h("button", {onclick: () => change(f.name, "edit",
              {args: flag.value.split(/\s+/).filter(Boolean)})}, "set")),
          content);
      }),
      listing.removed.map(file => h("div", {class: "manifest removed", "data-manifest": file},
        h("div", {class: "mono"}, h("strong", {}, file), " (removed: the kubelet runs no such pod)"),
        h("div", {class: "row"}, h("button", {onclick: () => change(file, "restore")}, "restore"))))));
  }

  async objectView(body, kind, namespace, name) {
    const path = await objectPath(kind, namespace, name);
    const plural = path.split("/").slice(-2)[0];
    this.follow.target = {plural, namespace: namespace || "", name};
    const obj = await this.objectAsShown(path, plural, kind, namespace, name);
    if (!obj) {
      body.append(h("h3", {}, `${kind} ${namespace ? namespace + "/" : ""}${name}`, pastMark()),
        h("p", {class: "muted"}, `did not exist at revision ${state.view.revision}`));
      return;
    }
    body.append(h("h3", {}, `${kind} ${namespace ? namespace + "/" : ""}${name}`, pastMark()),
      h("p", {class: "mono"}, `key ${registryKey(plural, namespace, name)} · resourceVersion `,
        h("strong", {"data-field": "resourceVersion"}, obj.metadata.resourceVersion)));
    // owner chain: this object ← its controller ← ...
    const chain = [];
    let cur = obj;
    for (let i = 0; i < 5; i++) {
      const ref = (cur.metadata.ownerReferences || []).find(r => r.controller) || (cur.metadata.ownerReferences || [])[0];
      if (!ref) break;
      chain.push(ref);
      try { cur = await kube("GET", await objectPath(ref.kind, namespace, ref.name, ref.apiVersion)); } catch (e) { break; }
    }
    body.append(h("div", {class: "owners"}, "owners: ", chain.length ? chain.map((r, i) => [i ? " ← " : "",
      h("a", {href: "#", onclick: ev => { ev.preventDefault(); this.inspect(`object:${r.kind}:${namespace}:${r.name}`); }}, `${r.kind}/${r.name}`)])
      : h("span", {class: "muted"}, "none")));
    // actions
    const row = h("div", {class: "row"});
    if (SCALABLE.has(kind)) {
      const replicas = h("input", {type: "number", min: 0, value: obj.spec.replicas ?? 1, style: "width:4em", "data-field": "replicas"});
      row.append("replicas ", replicas, h("button", {onclick: () => kube("PATCH", path, {spec: {replicas: Number(replicas.value)}},
        "application/merge-patch+json").then(() => this.note(body, "scaled")).catch(e => this.note(body, e.message, true))}, "scale"));
    }
    row.append(h("button", {class: "danger", onclick: () => kube("DELETE", path).then(() => this.note(body, "deleted"))
      .catch(e => this.note(body, e.message, true))}, "delete"));
    row.append(h("button", {onclick: () => this.renderInspector()}, "refresh"));
    body.append(row);
    if (kind === "Pod") await this.podDetails(body, obj);
    const openObject = (k, ns, n) => this.inspect(`object:${k}:${ns}:${n}`);
    if (kind === "Ingress") await ingressSection(body, nowMark, openObject, `${namespace}/${name}`);
    if (kind === "Pod" && isIngressControllerPod(obj)) await ingressSection(body, nowMark, openObject);
    // events about this object, kept current while the inspector is open
    const heading = h("h4", {}, "Events");
    const table = h("table", {class: "grid", "data-table": "object-events"});
    body.append(heading, table);
    this.objectEvents = {uid: obj.metadata.uid, kind, name, namespace: namespace || "", heading, table};
    this.refreshObjectEvents();
    // as kubectl prints it: without managedFields (--show-managed-fields to see them)
    const shown = {...obj, metadata: {...obj.metadata}};
    delete shown.metadata.managedFields;
    body.append(h("h4", {}, "YAML"), h("pre", {class: "yaml"}, toYAML(shown)));
  }

  /** The object as drawn: live, or at the past revision being viewed (from the lists read at
   * that revision, or read at it with a field selector for kinds the page does not list). */
  async objectAsShown(path, plural, kind, namespace, name) {
    const past = state.view;
    if (!past) return kube("GET", path);
    const key = `${namespace || ""}/${name}`;
    if (past[plural]) return past[plural].get(key) || null;
    const collection = path.slice(0, path.lastIndexOf("/"));
    const list = await kube("GET", `${collection}?fieldSelector=metadata.name%3D${encodeURIComponent(name)}` +
      `&resourceVersion=${past.revision}&resourceVersionMatch=Exact`);
    const found = (list.items || [])[0];
    if (found) found.kind = found.kind || kind;
    return found || null;
  }

  refreshObjectEvents() {
    const t = this.objectEvents;
    if (!t) return;
    const events = [...shown().events.values()].filter(e => {
      const o = e.involvedObject || {};
      return (o.uid && o.uid === t.uid) || (o.kind === t.kind && o.name === t.name && (o.namespace || "") === t.namespace);
    }).sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
    t.heading.textContent = `Events (${events.length})`;
    t.table.replaceChildren(...events.map(e => h("tr", {class: e.type === "Warning" ? "warning" : ""}, h("td", {}, e.type),
      h("td", {}, e.reason), h("td", {}, (e.source && e.source.component) || e.reportingComponent || ""),
      h("td", {}, `${e.message || ""}${eventCount(e) > 1 ? ` (×${eventCount(e)})` : ""}`))));
  }

  async podDetails(body, pod) {
    const containers = (pod.status || {}).containerStatuses || [];
    body.append(h("p", {}, `status ${podStatus(pod)}${pod.spec.nodeName ? ` on ${pod.spec.nodeName}` : ""}` +
      `${pod.status && pod.status.podIP ? ` · IP ${pod.status.podIP}` : ""} · scheduler ${pod.spec.schedulerName || "default-scheduler"}`));
    const act = (payload) => sim("POST", "/faults", payload).then(r => this.note(body, (r && r.result) || "fault injected"))
      .catch(e => this.note(body, e.message, true));
    if (pod.spec.nodeName) {
      body.append(h("div", {class: "row"}, "kill: ",
        h("button", {onclick: () => act({type: "kill-container", namespace: pod.metadata.namespace, pod: pod.metadata.name, container: "POD"})}, "pause (sandbox)"),
        (pod.spec.containers || []).map(c => h("button", {onclick: () => act({type: "kill-container",
          namespace: pod.metadata.namespace, pod: pod.metadata.name, container: c.name})}, c.name))));
    }
    if (containers.length) body.append(h("table", {class: "grid"}, h("tr", {}, ["container", "state", "ready", "restarts"].map(x => h("th", {}, x))),
      containers.map(c => h("tr", {}, h("td", {}, c.name), h("td", {}, Object.keys(c.state || {})[0] || ""),
        h("td", {}, String(c.ready)), h("td", {}, c.restartCount)))));
    if (!state.view) {
      await podNetworkSection(body, pod, nowMark);
      traceForm(body, pod, this.diagram);
    }
    body.append(h("h4", {}, "scheduler decision", nowMark()));
    try {
      const d = await sim("GET", `/decisions/${pod.metadata.namespace}/${pod.metadata.name}`);
      body.append(decisionTable(d));
    } catch (e) {
      body.append(h("p", {class: "muted"}, e.code === 404 ? "no decision recorded for this pod (yet)" : `not available: ${e.message}`));
    }
  }

  note(body, text, bad = false) {
    // kept for a while: live inspectors are redrawn as their component changes
    this.lastNote = {what: this.current, text, bad, at: Date.now()};
    // the answer may come after the inspector was drawn again: the note goes on what is shown
    const shown = $("panel-inspector").firstElementChild;
    const target = !body.isConnected && shown && shown.dataset.inspecting === this.current ? shown : body;
    const old = target.querySelector(".action-note");
    if (old) old.remove();
    target.prepend(h("p", {class: `action-note ${bad ? "bad" : "good"}`}, text));
  }

  // ------------------------------------------------------------------ etcd
  async renderEtcd() {
    const panel = $("panel-etcd");
    const filter = h("input", {placeholder: "filter keys", value: this.etcdFilter || ""});
    const table = h("table", {class: "grid mono", "data-table": "etcd"});
    panel.replaceChildren(h("p", {class: "hint"}, "The API server's store, read through list calls: each key and the revision " +
      "of its last write (its resourceVersion). Only the API server touches etcd."),
    h("div", {class: "row"}, filter, h("button", {onclick: () => this.renderEtcd()}, "refresh")), h("p", {id: "etcd-header"}, "reading…"), table);
    if (state.ha) panel.prepend(etcdMembers(state.ha.etcd, name => this.inspect(`component:etcd/${name}`)));
    let header = 0;
    const rows = [];
    const past = state.view;  // time travel: the keys as they were at that revision
    const q = past ? `?resourceVersion=${past.revision}&resourceVersionMatch=Exact` : "";
    await Promise.all(ETCD_RESOURCES.map(async ([path, plural, kind]) => {
      try {
        const list = await kube("GET", path + q);
        header = Math.max(header, Number(list.metadata.resourceVersion) || 0);
        for (const item of list.items || []) rows.push({key: registryKey(plural, item.metadata.namespace, item.metadata.name),
          rev: Number(item.metadata.resourceVersion), kind, ns: item.metadata.namespace || "", name: item.metadata.name});
      } catch (e) { /* not readable with our rights */ }
    }));
    rows.sort((a, b) => (a.key < b.key ? -1 : 1));
    const draw = () => {
      const f = filter.value.trim();
      this.etcdFilter = f;
      table.replaceChildren(h("tr", {}, h("th", {}, "key"), h("th", {}, "mod revision")),
        ...rows.filter(r => !f || r.key.includes(f)).slice(0, 1000).map(r => h("tr", {},
          h("td", {}, h("a", {href: "#", onclick: ev => { ev.preventDefault(); this.inspect(`object:${r.kind}:${r.ns}:${r.name}`); }}, breakable(r.key))),
          h("td", {}, r.rev))));
    };
    filter.addEventListener("input", draw);
    if (past !== state.view) return;  // travelled on (or back) while reading
    panel.querySelector("#etcd-header").replaceChildren(`revision ${past ? past.revision : header} · ${rows.length} keys`,
      past ? h("span", {class: "past-mark"}, "as it was: read-only") : "");
    panel.dataset.revision = past ? past.revision : header;
    draw();
  }

  // ------------------------------------------------------------------ create
  setupCreate() {
    const select = $("example");
    for (const [name] of EXAMPLES) select.append(h("option", {value: name}, name));
    const load = () => { $("yaml").value = EXAMPLES.find(([n]) => n === select.value)[1]; };
    select.addEventListener("change", load);
    load();
    $("create").addEventListener("click", () => this.create());
  }

  async create() {
    const out = $("create-result");
    out.textContent = "";
    out.className = "result";
    const docs = documents($("yaml").value);
    if (!docs.length) { out.textContent = "nothing to create"; return; }
    const results = [];
    let failed = false;
    for (const doc of docs) {
      try {
        if (!doc.kind) throw new Error("the manifest has no kind");
        const ns = doc.namespace || $("create-namespace").value.trim() || "default";
        const path = await objectPath(doc.kind, ns, "", doc.apiVersion);
        const created = await kube("POST", path, doc.text, "application/yaml");
        results.push(`${doc.kind.toLowerCase()}/${created.metadata.name} created`);
      } catch (e) {
        failed = true;
        results.push(`${doc.kind || "?"} ${doc.name}: ${e.code ? e.code + " " : ""}${e.message}`);
      }
    }
    out.textContent = results.join("; ");
    out.className = `result ${failed ? "bad" : "good"}`;
  }
}

/** Text that may break at its word boundaries (before a capital in CamelCase, after / - . :),
 * so a narrow column wraps "NodeHasSufficient|Memory" rather than mid-word. */
function breakable(text) {
  return String(text).split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[/\-.:])/).flatMap((part, i) => (i ? [h("wbr"), part] : [part]));
}

/** "rev N" on what is drawn as it was at the past revision being viewed (time travel). */
const pastMark = () => (state.view ? h("span", {class: "past-mark", title: "as it was at this revision, read from the revision log"},
  `rev ${state.view.revision}`) : null);
/** "now" on what the store does not version (a component's memory, the scheduler's decision
 * records, the runtime's containers): while viewing the past, shown as it is now, and said so. */
const nowMark = () => (state.view ? h("span", {class: "now-mark", title: "the store keeps no past for this: shown as it is now"},
  "now") : null);

/** When an Event was last seen: a series' last observation (events.k8s.io/v1 Events, the
 * scheduler's), else the legacy lastTimestamp, else when it was first seen. */
function eventTime(e) {
  return (e.series && e.series.lastObservedTime) || e.lastTimestamp || e.eventTime || e.firstTimestamp ||
    e.metadata.creationTimestamp || "";
}

/** How often it happened: a series' count, else the legacy count. */
function eventCount(e) {
  return e.series ? e.series.count : e.count;
}

/** The scheduler's decision as a table: one row per node, one column per filter plugin, the score, the winner. */
export function decisionTable(d) {
  const wrap = h("div", {class: "decision", "data-winner": d.winner || ""});
  const plugins = [];
  for (const n of d.nodes || []) for (const f of n.filters || []) if (!plugins.includes(f.plugin)) plugins.push(f.plugin);
  const scorePlugins = [];
  for (const n of d.nodes || []) for (const s of n.scores || []) if (!scorePlugins.includes(s.plugin)) scorePlugins.push(s.plugin);
  const facts = [d.scheduler || "default-scheduler", d.attempt ? `attempt ${d.attempt}` : "", d.outcome || "",
    d.evaluated !== undefined ? `${d.feasible} of ${d.evaluated} nodes feasible` : "", d.stopped_early ? `stopped early: ${d.stop_reason}` : ""];
  wrap.append(h("p", {}, facts.filter(Boolean).join(" · "), " · winner: ", h("strong", {}, d.winner || "none")),
    h("div", {class: "scroll-x"}, h("table", {class: "grid decision-table"},
      h("tr", {}, h("th", {}, "node"), plugins.map(p => h("th", {class: "plugin", title: `filter ${p}`}, breakable(p))),
        scorePlugins.map(p => h("th", {class: "plugin score", title: `score ${p} (weighted)`}, breakable(p))), h("th", {}, "total")),
      (d.nodes || []).map(n => h("tr", {class: `${n.node === d.winner ? "winner" : ""} ${n.feasible === false ? "infeasible" : ""}`, "data-node": n.node},
        h("td", {}, n.node, n.node === d.winner ? " ◀" : ""),
        plugins.map(p => {
          const f = (n.filters || []).find(x => x.plugin === p);
          if (!f) return h("td", {class: "muted", title: "not run: an earlier filter already failed"}, "–");
          const status = f.status || f.code || "";
          const reason = f.reason || (f.reasons || []).join(", ");
          if (status === "Success") return h("td", {class: "pass", "data-plugin": p}, "✓");
          if (status === "Skip") return h("td", {class: "skip muted", "data-plugin": p, title: "nothing to check for this pod"}, "skip");
          return h("td", {class: "fail", "data-plugin": p, title: reason}, `✗ ${reason || status}`);
        }),
        scorePlugins.map(p => {
          const s = (n.scores || []).find(x => x.plugin === p);
          return h("td", {class: "score", title: s ? `raw ${s.raw}, normalized ${s.normalized}` : ""}, s ? s.weighted : "");
        }),
        h("td", {class: "total"}, n.feasible === false ? "" : n.total))))));
  if (d.message) wrap.append(h("p", {class: d.winner ? "" : "bad"}, d.message));
  return wrap;
}

/** A highly available cluster's etcd members: who leads, in which term, which are down and
 * whether a quorum is left (`kubectl get cs` names them etcd-0…; a member is its node's). */
function etcdMembers(etcd, inspect) {
  const running = etcd.members.filter(m => m.running).length;
  return h("div", {"data-section": "etcd-members"},
    h("p", {}, `Raft term ${etcd.term}: ${running} of ${etcd.members.length} members running; a quorum is ` +
      `${etcd.quorum}. ${running >= etcd.quorum ? "Writes commit through the leader." : "No leader: every write fails (etcdserver: request timed out)."}`),
    h("table", {class: "grid", "data-table": "etcd-members"},
      h("tr", {}, ...["", "member", "ID", "client URL", "role"].map(t => h("th", {}, t))),
      ...etcd.members.map((m, i) => h("tr", {"data-member": m.name},
        h("td", {}, `etcd-${i}`),
        h("td", {}, h("a", {href: "#", onclick: ev => { ev.preventDefault(); inspect(m.name); }}, m.name)),
        h("td", {class: "mono"}, m.id), h("td", {class: "mono"}, m.client_url),
        h("td", {class: m.running ? "" : "bad"}, !m.running ? "stopped" : m.leader ? "leader" : "follower")))));
}
