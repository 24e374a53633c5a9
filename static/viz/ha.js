// A highly available control plane on the diagram (chapter 11.6). Inside etcd's cylinder, one
// chip per member: the Raft leader marked, a stopped member struck through, the term below; a
// red "no quorum" when fewer than a majority run, which is when every write fails. In the API
// server's box, one chip per kube-apiserver behind the load balancer, flashing as it serves a
// request, so a class sees requests spread across them and skip the one that is stopped.
import {el} from "./svg.js";

const MEMBER = {x: 903, y: 96, w: 84, h: 17, gap: 3};
const API = {x: 658, y: 46, w: 58, h: 18, gap: 4};
const FLASH_MS = 400;

/** ``kind-control-plane2`` → ``cp2`` (the first node is ``cp1``). */
function shortNode(node) {
  const m = /^kind-control-plane(\d*)$/.exec(node || "");
  return m ? `cp${m[1] || 1}` : node;
}

export class HAControlPlane {
  constructor(diagram) {
    this.diagram = diagram;
    this.layer = null;
    this.sig = "";
    this.apiChips = new Map();  // kube-apiserver name -> chip
  }

  /** Draw (or redraw, when it changed) what ``sim.state``'s ``ha`` says; none: nothing. */
  render(ha) {
    const sig = ha ? JSON.stringify([ha.etcd, ha.apiservers.map(a => [a.name, a.running])]) : "";
    if (sig === this.sig) return;
    this.sig = sig;
    if (this.layer) this.layer.remove();
    this.layer = null;
    this.apiChips.clear();
    const etcdTitle = document.querySelector("#diagram .etcd text.strong");
    const revision = document.getElementById("etcd-revision");
    if (!ha) {
      if (etcdTitle) etcdTitle.setAttribute("y", 112);
      if (revision) revision.setAttribute("y", 130);
      return;
    }
    // etcd's title and revision move up to make room for the members
    if (etcdTitle) etcdTitle.setAttribute("y", 80);
    if (revision) revision.setAttribute("y", 92);
    this.layer = el("g", {class: "ha", "data-ha": "control-plane"}, this.diagram.base);
    const etcd = ha.etcd;
    etcd.members.forEach((m, i) => {
      const y = MEMBER.y + i * (MEMBER.h + MEMBER.gap);
      const role = !m.running ? "down" : m.leader ? "leader" : "follower";
      const g = el("g", {class: `ha-member ${role}`, "data-member": m.name, "data-role": role,
        "data-inspect": `component:etcd/${m.name}`, "data-component": `etcd/${m.name}`}, this.layer);
      el("title", {}, g, `etcd-${i}: member ${m.name} (ID ${m.id}), ${m.client_url} — ${role}` +
        (role === "leader" ? `, term ${etcd.term}` : ""));
      el("rect", {x: MEMBER.x, y, width: MEMBER.w, height: MEMBER.h, rx: 4}, g);
      el("text", {x: MEMBER.x + 5, y: y + 12, class: "tiny"}, g,
        `${role === "leader" ? "♛ " : ""}${shortNode(m.name)} ${role}`);
    });
    const quorum = etcd.members.filter(m => m.running).length >= etcd.quorum;
    el("text", {x: 945, y: MEMBER.y + 3 * (MEMBER.h + MEMBER.gap) + 10,
      class: `center tiny ${quorum ? "" : "bad"}`, "data-quorum": quorum ? "yes" : "no"}, this.layer,
      quorum ? `term ${etcd.term} · quorum ${etcd.quorum}/${etcd.members.length}` : "no quorum: writes fail");
    ha.apiservers.forEach((a, i) => {
      const x = API.x + i * (API.w + API.gap);
      const g = el("g", {class: `ha-api ${a.running ? "up" : "down"}`, "data-apiserver": a.name,
        "data-inspect": `component:kube-apiserver/${a.node}`, "data-component": `kube-apiserver/${a.node}`},
        this.layer);
      el("title", {}, g, `${a.name} at ${a.address}:6443 — ${a.running ? "serving" : "stopped: the load balancer skips it"}`);
      el("rect", {x, y: API.y, width: API.w, height: API.h, rx: 4}, g);
      el("text", {x: x + API.w / 2, y: API.y + 13, class: "center tiny"}, g, `api ${shortNode(a.node)}`);
      this.apiChips.set(a.name, g);
    });
  }

  /** Flash the API server that served each of these audit records. */
  served(records) {
    for (const r of records) {
      const chip = r.apiserver && this.apiChips.get(r.apiserver);
      if (!chip) continue;
      chip.classList.add("serving");
      clearTimeout(chip._flash);
      chip._flash = setTimeout(() => chip.classList.remove("serving"), FLASH_MS);
    }
  }
}
