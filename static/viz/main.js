// The cluster page: wires the websocket, the caches, the diagram, the traffic and the panels.
import {config, kube, sim} from "./api.js";
import {Traffic} from "./anim.js";
import {setupLiveEdge, showLiveEdge} from "./clock.js";
import {Diagram} from "./diagram.js";
import {HAControlPlane} from "./ha.js";
import {keepDiagramFitted, setupSplitter} from "./layout.js";
import {applyEvents, emit, keyOf, on, replace, RESOURCES, state} from "./model.js";
import {Lessons} from "./lessons.js";
import {showPath} from "./netpath.js";
import {PodFilter} from "./podfilter.js";
import {Panels} from "./panels.js";
import {showStory} from "./story.js";
import {Stream} from "./stream.js";
import {setupTrafficLog} from "./trafficlog.js";

const $ = id => document.getElementById(id);
const SIM_RETRY_MS = 10000;

const filter = new PodFilter($("diagram-filter"), () => redraw());
const diagram = new Diagram($("diagram"), $("traffic"), filter);
const ha = new HAControlPlane(diagram);
on("packet-path", trace => showPath(diagram, trace));  // a lesson step traced a packet (lessons.js)
const traffic = new Traffic(diagram);
const panels = new Panels(diagram);
setupTrafficLog(diagram);

// ------------------------------------------------------------------ rendering
let frameQueued = false;
function redraw() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => { frameQueued = false; diagram.render(); panels.refreshInspector(); });
}
on("objects", ({resource}) => {
  if (resource !== "events") redraw();  // the diagram draws every other kind
  panels.refreshInspector();  // an open inspector follows its object (one look per burst)
});
on("components", redraw);

// ------------------------------------------------------------------ sync from the API
let syncing = null;
/** List every watched resource from the Kubernetes API, then (re)start the watches from
 * each list's resourceVersion — on load, after a reconnect, and after a sequence gap. */
async function resync(reason) {
  if (syncing) return syncing;
  syncing = (async () => {
    state.resyncs += 1;
    document.body.dataset.resyncs = state.resyncs;
    const versions = {};
    const refused = [];
    await Promise.all(Object.entries(RESOURCES).map(async ([resource, {path}]) => {
      try {
        const list = await kube("GET", path);
        if (resource === "pods") diagram.instant = true;
        replace(resource, list.items || [], list.metadata.resourceVersion);
        versions[resource] = list.metadata.resourceVersion;
      } catch (e) {
        console.warn("cannot list", resource, e.message);
        if (e.code === 401 || e.code === 403) refused.push(resource);
      }
    }));
    // what this user may not see, said plainly (RBAC decides for users outside system:masters)
    $("access-note").textContent = refused.length ? `${config.user} may not list ${refused.join(", ")} ` +
      "(403 from RBAC): the diagram shows only what a RoleBinding lets you see" : "";
    stream.send({type: "watch", resourceVersions: versions});
    state.lastRevision = Math.max(state.lastRevision, ...Object.values(versions).map(Number).filter(n => n));
    updateTravel();
    // the connection's first frame carries health; after a gap a change may have been lost
    if (reason !== "connect") stream.send({type: "health"});
    await refreshSim().then(fetchSteps);
    document.body.dataset.synced = "true";
    document.body.dataset.lastResync = reason;
    emit("resynced", reason);
  })().finally(() => { syncing = null; });
  return syncing;
}

// ------------------------------------------------------------------ stream
const stream = new Stream({
  onOpen: () => {
    $("link").className = "link up";
    $("link").title = "websocket connected";
    sendOptions();  // before the lists, so the server knows whether to send their records back
    resync("connect");
  },
  onClose: ev => {
    $("link").className = "link down";
    $("link").title = `websocket closed (${ev.code})${ev.code === 4401 ? ": log in again" : ""}`;
  },
  onGap: (expected, got) => {
    state.gaps += 1;
    document.body.dataset.gaps = state.gaps;
    console.warn(`stream gap: expected frame ${expected}, got ${got}; resynchronising from the API`);
    resync("gap");
  },
  onMessage: (message, frame) => {
    state.frames = frame.seq;
    state.lastSeq = frame.seq;
    switch (message.type) {
      case "audit.records": onAudit(message.records || []); break;
      case "sim.steps": onSteps(message.steps || []); break;
      case "sim.state": onSimState(message); break;
      case "cluster.health": renderHealth(message.items || []); break;
      case "watch.events":
        if (applyEvents(message.resource, message.events || [])) resync("expired");
        for (const ev of message.events || []) {
          const rv = Number(ev.object && ev.object.metadata && ev.object.metadata.resourceVersion) || 0;
          if (ev.type !== "ERROR" && rv > state.lastRevision) state.lastRevision = rv;
        }
        updateTravel();
        if (message.resource === "events") panels.renderEvents();
        break;
      case "watch.closed": resync(message.type); break;
      case "watch.error":  // 410: the revision was compacted away, relist; 403: RBAC says no, retrying cannot help
        if (message.code === 410) resync("expired");
        else console.warn("watch", message.resource, message.code, message.status && message.status.message);
        break;
      default: emit("stream", message); break;  // lesson.state, classroom.* (lessons.js, classroom.js)
    }
  },
});

function onAudit(records) {
  for (const r of records) {
    if (r.revision && r.revision > state.lastRevision) state.lastRevision = r.revision;
    state.requests.unshift(r);
    if (r.rejected_by) state.lastRejection = r;
    traffic.request(r);
  }
  state.requests.length = Math.min(state.requests.length, 200);
  ha.served(records);
  updateClockText();
  updateTravel();
  panels.renderRequests(records);
  panels.followRequests(records);
}

// ------------------------------------------------------------------ simulation control
function onSteps(steps, history = false) {
  const fresh = steps.filter(s => s.seq > state.lastStepSeq);
  if (!fresh.length) return;
  // missed some (a dropped message): read them all, in order, from the control API instead
  if (!history && state.lastStepSeq && fresh[0].seq > state.lastStepSeq + 1) { fetchSteps(); return; }
  // past steps read on (re)load only fill the timeline; at high speeds only the latest steps
  // of a batch are drawn moving
  const animated = history ? [] : fresh.slice(-40);
  for (const s of fresh) {
    state.steps.push(s);
    state.lastStepSeq = Math.max(state.lastStepSeq, s.seq);
    if (!animated.includes(s)) continue;
    const target = diagram.componentAnchor(s.component, s.controller);
    if (s.action === "watch-delivery") {
      traffic.delivery(target, `${s.event_type || "event"} ${s.object ? s.object.kind : ""}`.trim());
    }
    flashComponent(s.component, s.controller);
  }
  if (state.steps.length > 2000) state.steps.splice(0, state.steps.length - 2000);
  panels.renderSteps(fresh.slice(-200));
  showStory(fresh, diagram);
}

function flashComponent(name, controller) {
  const nodes = [...document.querySelectorAll(`[data-component="${CSS.escape(name || "")}"]`)];
  if (controller) nodes.push(...document.querySelectorAll(`[data-controller="${CSS.escape(controller)}"]`));
  for (const n of nodes) {
    n.classList.add("acting");
    setTimeout(() => n.classList.remove("acting"), 700);
  }
}

async function fetchSteps() {
  if (!state.simAvailable) return;
  try {
    // on first load, the recent past is enough for the timeline
    const since = state.lastStepSeq || Math.max(0, ((state.clock && state.clock.step) || 0) - 300);
    const data = await sim("GET", `/steps?since=${since}`);
    onSteps(data.steps || [], true);
  } catch (e) { /* the control API will send them over the websocket too */ }
}

function onSimState(message) {
  state.simAvailable = true;
  if (message.clock) state.clock = message.clock;
  if (message.components) {
    state.components = message.components;
    emit("components");
  }
  if ("ha" in message) {
    state.ha = message.ha;
    ha.render(message.ha);
  }
  updateControls();
}

let simTimer = null;
/** Why the last step ran nothing (at the live edge, only housekeeping due): shown for a while
 * beside the time controls, so a Step that seems to do nothing says why. */
let stepNote = null;
const STEP_NOTE_MS = 8000;
async function refreshSim() {
  clearTimeout(simTimer);
  try {
    const data = await sim("GET", "/");
    if (!data || !data.clock) throw new Error("not the control API");
    onSimState(data);
  } catch (e) {
    state.simAvailable = false;
    state.simMessage = e.code === 404 || !e.code
      ? "simulation control API not available yet: time controls are off, the API server still answers"
      : `simulation control API: ${e.message}`;
    updateControls();
    simTimer = setTimeout(refreshSim, SIM_RETRY_MS);
  }
}

function updateControls() {
  const ok = state.simAvailable;
  for (const id of ["play", "step", "speed"]) $(id).disabled = !ok;
  document.body.dataset.sim = ok ? "available" : "unavailable";
  const note = ok ? (stepNote && performance.now() < stepNote.until ? stepNote.text : "") : state.simMessage;
  $("sim-note").textContent = $("sim-note").title = note;
  const clock = state.clock;
  if (clock) {
    $("play").textContent = clock.mode === "live" ? "❚❚" : "▶";
    $("play").title = clock.mode === "live" ? "pause (space)" : "play (space)";
    if (document.activeElement !== $("speed")) $("speed").value = Math.log10(clock.speed || 1);
    $("speed-value").textContent = `${Number(clock.speed || 1).toFixed(clock.speed < 1 ? 2 : 1)}×`;
    document.body.dataset.clockMode = clock.mode;
  }
  showLiveEdge(clock, ok);
  updateClockText();
}

/** Kernel seconds as the clock shows them: "02:15.3". */
const clockText = t => `${String(Math.floor(t / 60)).padStart(2, "0")}:${(t % 60).toFixed(1).padStart(4, "0")}`;
/** The kernel's seconds at a moment of the cluster's clock (epoch seconds, as audit records
 * stamp it): the clock's reading moved back by how far that moment lies behind it. */
const secondsAt = epoch => Math.max(0, state.clock ? state.clock.now_seconds - (state.clock.wall_time - epoch) : 0);

function updateClockText() {
  const clock = state.clock;
  const parts = [];
  if (clock) parts.push(`t = ${clockText(Number(clock.now_seconds || 0))}`, `step ${clock.step}`, clock.mode);
  parts.push(`rev ${state.lastRevision || "–"}`);
  $("clock-text").textContent = parts.join("  ·  ");
}

/** Posts to the control API, shows the state it answers with and returns the answer. */
async function control(path, body) {
  try {
    const data = await sim("POST", path, body);
    if (data && data.clock) onSimState(data);
    else refreshSim();
    return data;
  } catch (e) {
    $("sim-note").textContent = `${path}: ${e.message}`;
    return null;
  }
}

function showStepNote(stopped) {
  stepNote = stopped ? {text: stopped.message, until: performance.now() + STEP_NOTE_MS} : null;
  updateControls();
  if (stepNote) setTimeout(updateControls, STEP_NOTE_MS + 50);
}

const playPause = () => state.simAvailable && control(state.clock && state.clock.mode === "live" ? "/pause" : "/play");
async function stepOnce() {
  if (!state.simAvailable) return;
  const data = await control("/step", {count: 1});
  showStepNote(data && data.stopped);
}
function setSpeed(speed) {
  speed = Math.min(100, Math.max(0.1, speed));
  $("speed-value").textContent = `${speed.toFixed(speed < 1 ? 2 : 1)}×`;
  control("/speed", {speed: Number(speed.toFixed(2))});
}
setupLiveEdge(control);
$("play").addEventListener("click", playPause);
$("step").addEventListener("click", stepOnce);
$("speed").addEventListener("input", ev => { $("speed-value").textContent = `${(10 ** Number(ev.target.value)).toFixed(1)}×`; });
$("speed").addEventListener("change", ev => setSpeed(10 ** Number(ev.target.value)));

// ------------------------------------------------------------------ time travel
/** Show the cluster as it was at ``revision``, read-only: every resource the page lists, read at
 * that exact revision from the revision log (nodes, pods, Events, Deployments, ReplicaSets),
 * etcd's revision, and the moment (the write that reached it, from the audit trail). What the
 * store does not version (the components' state) is drawn as it is now and marked "now". The
 * live caches keep following the watches meanwhile; "back to live" shows them again. */
let travelling = 0;
const TRAVEL_NEEDS = ["nodes", "pods", "events"];
async function travel(revision) {
  revision = Number(revision);
  if (!revision) { backToLive(); return; }
  // a revision named by the server (a lesson step's end, a request) exists even when this page
  // has not heard of it yet, or nothing was written since: it is shown as asked
  state.lastRevision = Math.max(state.lastRevision, revision);
  const ticket = ++travelling;
  const q = `?resourceVersion=${revision}&resourceVersionMatch=Exact`;
  const view = {revision, wallTime: null, write: null};
  try {
    const missed = [];
    await Promise.all(Object.entries(RESOURCES).map(async ([resource, {path, kind}]) => {
      let items = [];
      try {
        items = (await kube("GET", path + q)).items || [];
      } catch (e) {
        // compacted (410): no kind can be read at that revision; nodes, pods and Events the
        // diagram cannot do without
        if (e.code === 410 || TRAVEL_NEEDS.includes(resource)) throw e;
        if (e.code !== 401 && e.code !== 403) {
          // another kind that could not be read is left undrawn (never today's objects in the past)
          view[resource] = null;
          missed.push(resource);
          return;
        }
        // what RBAC hides now, it hid then
      }
      view[resource] = new Map(items.map(o => { o.kind = o.kind || kind; return [keyOf(o), o]; }));
    }));
    view.missed = missed;
    const written = state.simAvailable ? await sim("GET", `/revisions/${revision}`).catch(() => null) : null;
    if (written) Object.assign(view, {wallTime: written.virtual_time, write: written});
  } catch (e) {
    if (ticket !== travelling) return;
    $("rev-note").textContent = e.code === 410 ? `revision ${revision} is compacted away: the log keeps only recent revisions` : e.message;
    return;
  }
  if (ticket !== travelling) return;  // the slider moved on meanwhile
  state.view = view;
  emit("travel", revision);  // a teacher's class looks at the same revision (lessons.js)
  document.body.classList.add("past");
  document.body.dataset.viewRevision = revision;
  $("rev-value").textContent = `rev ${revision}`;
  $("rev-slider").value = revision;
  $("rev-live").disabled = false;
  const count = resource => view[resource] ? view[resource].size : "?";
  $("rev-note").textContent = `viewing revision ${revision}${view.wallTime ? ` (t=${clockText(secondsAt(view.wallTime))})` : ""}` +
    ` — read-only: ${count("pods")} pods, ${count("nodes")} nodes, ${count("events")} Events as they were; components as they are now` +
    (view.missed.length ? ` (not read, so not drawn: ${view.missed.join(", ")})` : "");
  $("rev-note").title = view.write ? `the write that reached it: ${view.write.verb} ${view.write.resource} ` +
    `${view.write.namespace ? view.write.namespace + "/" : ""}${view.write.name} by ${view.write.user}` : "";
  showTravelled();
}
function backToLive() {
  travelling += 1;
  if (state.view) emit("travel", 0);
  state.view = null;
  document.body.classList.remove("past");
  delete document.body.dataset.viewRevision;
  $("rev-value").textContent = "live";
  $("rev-note").textContent = "";
  $("rev-note").title = "";
  $("rev-live").disabled = true;
  updateTravel();
  showTravelled();
}
/** Draw everything again as state.view says (a past revision, or live). */
function showTravelled() {
  diagram.instant = true;
  diagram.showPast(state.view ? state.view.revision : null);
  showRevision();
  redraw();
  panels.renderEvents();
  panels.refreshInspector();
  if ($("panel-etcd").classList.contains("active")) panels.renderEtcd();
}
/** etcd's revision on the diagram: the one being viewed, or the latest. */
function showRevision() {
  diagram.setRevision(state.view ? state.view.revision : state.lastRevision);
}
function updateTravel() {
  showRevision();
  const slider = $("rev-slider");
  slider.max = Math.max(1, state.lastRevision);
  slider.min = Math.max(1, state.lastRevision - 5000);
  if (!state.view) slider.value = slider.max;
}
$("rev-slider").addEventListener("input", ev => { $("rev-value").textContent = `rev ${ev.target.value}`; });
// the slider's right end is the present
$("rev-slider").addEventListener("change", ev => Number(ev.target.value) >= state.lastRevision ? backToLive()
  : travel(ev.target.value));
$("rev-live").addEventListener("click", backToLive);
panels.onTravel = travel;
const lessons = new Lessons({travel});

// ------------------------------------------------------------------ health strip
/** `kubectl get componentstatuses`, as the server computes it once for every viewer and
 * sends it over the websocket when the page connects and whenever it changes. */
function renderHealth(items) {
  state.health = items;
  const strip = $("health");
  strip.querySelectorAll(".cs").forEach(n => n.remove());
  for (const item of items) {
    const cond = (item.conditions || []).find(c => c.type === "Healthy") || {};
    const healthy = cond.status === "True";
    const span = document.createElement("span");
    span.className = `cs ${healthy ? "healthy" : "unhealthy"}`;
    span.dataset.name = item.metadata.name;
    span.title = `${item.metadata.name}: ${healthy ? "Healthy" : "Unhealthy"} ${cond.message || ""} ${cond.error || ""}`.trim();
    span.textContent = item.metadata.name;
    strip.appendChild(span);
  }
}

// ------------------------------------------------------------------ toggles and keys
function setAnimation(on) {
  traffic.enabled = on;
  document.body.classList.toggle("no-animation", !on);
  localStorage.setItem("clusterviz.animate", on ? "1" : "0");
}
function setLarge(on) {
  document.body.classList.toggle("large", on);
  localStorage.setItem("clusterviz.large", on ? "1" : "0");
}
/** Whether the server sends this page's own reads back to be drawn (its lists on load, its
 * inspectors, its watches): off by default, they are how the page learns the cluster, not the
 * cluster's story. Its writes and its refusals are always drawn. */
function sendOptions() {
  stream.send({type: "options", ownReads: $("own-requests").checked});
}
function setOwnRequests(on) {
  localStorage.setItem("clusterviz.ownRequests", on ? "1" : "0");
  sendOptions();
  panels.refreshInspector();  // an API server stage's inspector lists them, or not
}
$("animate").addEventListener("change", ev => setAnimation(ev.target.checked));
$("large").addEventListener("change", ev => setLarge(ev.target.checked));
$("own-requests").addEventListener("change", ev => setOwnRequests(ev.target.checked));
$("animate").checked = localStorage.getItem("clusterviz.animate") !== "0";
$("large").checked = localStorage.getItem("clusterviz.large") === "1";
$("own-requests").checked = localStorage.getItem("clusterviz.ownRequests") === "1";
setAnimation($("animate").checked);
setLarge($("large").checked);

document.addEventListener("keydown", ev => {
  const t = ev.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === " ") { ev.preventDefault(); playPause(); }
  else if (ev.key === "s" || ev.key === "ArrowRight") { ev.preventDefault(); stepOnce(); }
  else if ((ev.key === "+" || ev.key === "=") && state.clock) setSpeed((state.clock.speed || 1) * 2);
  else if (ev.key === "-" && state.clock) setSpeed((state.clock.speed || 1) / 2);
  else if (ev.key === "a") { $("animate").checked = !$("animate").checked; setAnimation($("animate").checked); }
  else if (ev.key === "l") { $("large").checked = !$("large").checked; setLarge($("large").checked); }
});

// ------------------------------------------------------------------ start
keepDiagramFitted(document.querySelector("section.stage"), diagram.svg);
setupSplitter(document.querySelector(".layout"), $("splitter"));
panels.onResync = () => resync("manual");
window.clusterviz = {state, diagram, traffic, panels, lessons, resync, stream, config, travel};
diagram.render();
updateControls();
stream.connect();
