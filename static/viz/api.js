// The page's two HTTP APIs: the cluster's Kubernetes API (as kubectl uses it) and the
// simulation control API under /clusters/NAME/sim/. Both with the user's bearer token
// (handed to the page by the view); the CSRF token goes along for session-authenticated views.
export const config = JSON.parse(document.getElementById("viz-config").textContent);

/** This tab's id. Every request carries it (header ``config.pageHeader``; a script may not set
 * User-Agent) and so does the websocket's URL: the server records the page's requests under
 * User-Agent ``clusterviz-page/<id>`` and leaves this page's reads out of the stream unless
 * "show this page's requests" is on, and other pages' reads always. */
export const pageId = Array.from(crypto.getRandomValues(new Uint8Array(8)), b => b.toString(16).padStart(2, "0")).join("");

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export class APIError extends Error {
  constructor(code, body) {
    super((body && body.message) || `HTTP ${code}`);
    this.code = code;
    this.body = body;
  }
}

async function request(method, url, body, contentType) {
  const headers = {"Accept": "application/json", "Authorization": `Bearer ${config.token}`, [config.pageHeader]: pageId};
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let payload;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    headers["Content-Type"] = contentType || "application/json";
  }
  const response = await fetch(url, {method, headers, body: payload, credentials: "same-origin"});
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {  // an HTML error page: say which, not its markup
    data = {message: `HTTP ${response.status}${response.statusText ? " " + response.statusText : ""}`};
  }
  if (!response.ok) throw new APIError(response.status, data);
  return data;
}

/** The Kubernetes API: kube("GET", "/api/v1/pods"). */
export const kube = (method, path, body, contentType) => request(method, config.apiBase + path, body, contentType);
/** The simulation control API: sim("POST", "/pause"). */
export const sim = (method, path, body) => request(method, config.simBase + path, body);

// kind -> [api prefix, plural, namespaced]; completed by discovery for anything else.
const KINDS = {
  Pod: ["/api/v1", "pods", true], Node: ["/api/v1", "nodes", false], Event: ["/api/v1", "events", true],
  Service: ["/api/v1", "services", true], Endpoints: ["/api/v1", "endpoints", true],
  Namespace: ["/api/v1", "namespaces", false], ConfigMap: ["/api/v1", "configmaps", true],
  Secret: ["/api/v1", "secrets", true], ServiceAccount: ["/api/v1", "serviceaccounts", true],
  ResourceQuota: ["/api/v1", "resourcequotas", true], LimitRange: ["/api/v1", "limitranges", true],
  ReplicationController: ["/api/v1", "replicationcontrollers", true],
  Deployment: ["/apis/apps/v1", "deployments", true], ReplicaSet: ["/apis/apps/v1", "replicasets", true],
  DaemonSet: ["/apis/apps/v1", "daemonsets", true], StatefulSet: ["/apis/apps/v1", "statefulsets", true],
  Job: ["/apis/batch/v1", "jobs", true], CronJob: ["/apis/batch/v1", "cronjobs", true],
  PersistentVolumeClaim: ["/api/v1", "persistentvolumeclaims", true], PersistentVolume: ["/api/v1", "persistentvolumes", false],
  EndpointSlice: ["/apis/discovery.k8s.io/v1", "endpointslices", true], Lease: ["/apis/coordination.k8s.io/v1", "leases", true],
};
let discovered = null;

async function discover() {
  if (discovered) return discovered;
  discovered = {};
  const add = async (prefix) => {
    try {
      const list = await kube("GET", prefix);
      for (const r of list.resources || []) {
        if (!r.name.includes("/") && !discovered[r.kind]) discovered[r.kind] = [prefix, r.name, r.namespaced];
      }
    } catch (e) { /* a group we cannot read is simply unknown */ }
  };
  await add("/api/v1");
  try {
    const groups = await kube("GET", "/apis");
    await Promise.all((groups.groups || []).map(g => add(`/apis/${g.preferredVersion.groupVersion}`)));
  } catch (e) { /* legacy group only */ }
  return discovered;
}

/** [prefix, plural, namespaced] of a kind (apiVersion picks the group when discovery is needed). */
export async function kindInfo(kind, apiVersion) {
  if (KINDS[kind]) return KINDS[kind];
  const found = (await discover())[kind];
  if (found) return found;
  if (apiVersion) return [apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`, kind.toLowerCase() + "s", true];
  throw new Error(`unknown kind ${kind}`);
}

/** The API path of one object (or its collection when name is empty). */
export async function objectPath(kind, namespace, name, apiVersion) {
  const [prefix, plural, namespaced] = await kindInfo(kind, apiVersion);
  const ns = namespaced && namespace ? `/namespaces/${namespace}` : "";
  return `${prefix}${ns}/${plural}${name ? "/" + name : ""}`;
}

/** The etcd key of an object, as the API server stores it. */
// Upstream's SpecialDefaultResourcePrefixes: core resources etcd keeps under another name.
const STORAGE_PREFIXES = {replicationcontrollers: "controllers", endpoints: "services/endpoints", nodes: "minions",
  services: "services/specs"};

export function registryKey(plural, namespace, name) {
  return `/registry/${STORAGE_PREFIXES[plural] || plural}/${namespace ? namespace + "/" : ""}${name}`;
}
