// The network as `kubectl exec` uses it: each DNS question a container asked (who asked, which
// CoreDNS pod answered through the kube-dns Service's rules, and what) and each connection the
// node's iptables rules DNATed to a backend (the Service, the endpoint picked, its KUBE-SEP chain).
// The kernel's host sends them as `exec.traffic` stream messages; this list keeps the latest 100,
// and the pods that answered are marked on the diagram for a moment.
import {on} from "./model.js";

const MAX_ROWS = 100;
const MARK_MS = 1500;

function row(cls, text, title = "") {
  const li = document.createElement("li");
  if (cls) li.className = cls;
  li.textContent = text;
  if (title) li.title = title;
  return li;
}

function describe(pod, t) {
  if (t.type === "dns") {
    const server = t.server ? `answered by ${t.server}` : "no server answered";
    const answer = t.rcode === "timeout" ? "timed out" : `${t.rcode}${t.answers.length ? " " + t.answers.join(", ") : ""}`;
    return row(t.rcode === "timeout" ? "bad dns" : "dns", `DNS ${t.qtype} ${t.name} ← ${pod} · ${server}: ${answer}`);
  }
  const via = t.service ? ` (Service ${t.service})` : "";
  if (t.result !== "ok") {
    return row("bad connect", `connect ${t.ip}:${t.port}${via} ← ${pod}: ${t.result}`);
  }
  const target = t.endpoint === `${t.ip}:${t.port}` ? "" : ` → DNAT ${t.endpoint}`;
  return row("connect", `connect ${t.ip}:${t.port}${via}${target} · ${t.pod} answered`, t.chain ? `picked by ${t.chain}` : "");
}

/** `diagram.markPod(key, on)` lights a pod; the answering pods are lit for MARK_MS. */
export function setupTrafficLog(diagram) {
  const list = document.getElementById("traffic-log");
  if (!list) return;
  on("stream", message => {
    if (message.type !== "exec.traffic") return;
    list.closest("details").hidden = false;
    const answered = new Set();
    for (const t of message.trace || []) {
      list.prepend(describe(message.pod, t));
      const pod = t.type === "dns" ? t.server : t.pod;
      if (pod) answered.add(pod);
    }
    while (list.children.length > MAX_ROWS) list.lastChild.remove();
    for (const key of answered) {
      diagram.markPod(key, true);
      setTimeout(() => diagram.markPod(key, false), MARK_MS);
    }
  });
}
