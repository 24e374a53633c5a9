// Live inspectors: what an open inspector shows depends on a few things the page hears about
// anyway (watch events in its caches, the components' state, the audit records of writes);
// a signature of those says when to draw it again. Nothing here reads the API: a redraw does,
// and only once what it shows has changed.
import {pageId} from "./api.js";
import {keyOf, RESOURCES, state} from "./model.js";

/** Verbs that change nothing: a record of one never makes an inspector stale. */
export const READ_VERBS = new Set(["get", "list", "watch"]);
/** How long a burst of changes may last before the inspector is drawn again. */
export const FOLLOW_DELAY_MS = 250;

/** The page's cache (resource name) that holds objects of ``kind``, if the page watches them. */
export function cachedResource(kind) {
  return Object.keys(RESOURCES).find(r => RESOURCES[r].kind === kind) || null;
}

/** The objects shown: those of the past revision being viewed, else the live caches. */
export const shown = () => state.view || state;

/** Whether ``record`` is one of this page's own reads (drawn only with "this page's requests"). */
export function ownRead(record) {
  return record.user_agent === `clusterviz-page/${pageId}` && READ_VERBS.has(record.verb);
}

/** Whether ``record`` wrote the object ``{plural, namespace, name}``. */
export function wrote(record, {plural, namespace, name}) {
  return !READ_VERBS.has(record.verb) && record.code < 400 && record.resource === plural &&
    record.name === name && (record.namespace || "") === (namespace || "");
}

/** The signature of what inspector ``what`` shows; null when it follows nothing.
 * ``writes`` counts the writes seen to the inspected object (kinds the page does not watch);
 * ``requests`` counts the audit records received (the API server's stage inspectors). */
export function signature(what, {writes = 0, requests = 0, ownReads = false} = {}) {
  const [type, ...rest] = (what || "").split(":");
  const when = state.view ? `rev ${state.view.revision}` : "live";
  const rv = o => (o ? o.metadata.resourceVersion : "absent");
  if (type === "component") return JSON.stringify(state.components.find(c => c.name === rest.join(":")) || null);
  if (type === "stage" || type === "apiserver") return `${requests}|${ownReads}`;
  if (type === "node") {
    const name = rest.join(":");
    const pods = [...shown().pods.values()].filter(p => p.spec.nodeName === name).map(p => `${keyOf(p)}@${rv(p)}`);
    return [when, rv(shown().nodes.get(`/${name}`)), ...pods.sort()].join("|");
  }
  let kind, namespace, name;
  if (type === "pod") { kind = "Pod"; [namespace, name] = rest.join(":").split("/"); }
  else if (type === "object") { kind = rest[0]; namespace = rest[1] || ""; name = rest.slice(2).join(":"); }
  else return null;
  const resource = cachedResource(kind);
  const cache = resource && shown()[resource];
  if (cache) return `${when}|${rv(cache.get(`${namespace || ""}/${name}`))}`;
  return `${when}|writes ${writes}`;
}
