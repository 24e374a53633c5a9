// The Lessons panel: a guided scenario walked step by step on this page's cluster. The server
// runs it (clusterviz.sim.lessons): "Run step" carries out the shown step's actions as the
// teacher's kubectl (drawn on the diagram like any kubectl); the panel asks every second how
// the step's wait, prediction and exercise stand, and turns each green by itself when it
// holds. Back shows an earlier step with the cluster as it was then (time travel over the
// revision log), never re-running anything; Next returns to the present.
//
// In a class (static/viz/classroom.js calls ``joinClass``) a student's panel follows the
// teacher: it reads the lesson once, then takes every change from the cluster's stream
// (``lesson.state``, published once per change for every page; no student polls), shows the
// step the teacher shows — past steps too (``classroom.follow``) — and has no control that
// would fail for them (run, next, end). "Step out" lets them look around on their own;
// "back to the teacher" follows again. Their prediction goes to the teacher, whose panel
// shows the class's tally as it comes in (``classroom.answers``).
import {sim} from "./api.js";
import {emit, on, RESOURCES} from "./model.js";

const $ = id => document.getElementById(id);
const POLL_MS = 1000;

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/** Text → safe HTML with the little Markdown narration uses: paragraphs, lists, `code`,
 * **bold** and *emphasis*. Everything is escaped first: a lesson file cannot inject markup. */
export function markdown(text) {
  const esc = s => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const inline = s => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>").replace(/\*([^*]+)\*/g, "<em>$1</em>");
  return String(text || "").trim().split(/\n\s*\n/).map(block => {
    const lines = block.split("\n");
    if (lines.every(l => /^\s*[-*] /.test(l))) return `<ul>${lines.map(l => `<li>${inline(l.replace(/^\s*[-*] /, ""))}</li>`).join("")}</ul>`;
    return `<p>${inline(lines.join(" "))}</p>`;
  }).join("");
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "html") node.innerHTML = v;
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

export class Lessons {
  /** ``travel(revision)`` shows the cluster at a past revision (0: live again). */
  constructor({travel}) {
    this.travel = travel;
    this.panel = $("panel-lessons");
    this.lesson = null;
    this.catalogue = null;
    this.chosen = {};       // step index -> the learner's prediction
    this.revealed = {};     // step index -> the answer shown without a prediction
    this.outputs = {};      // step index -> what its actions printed
    this.viewing = null;    // the step shown from the past (Back), else null
    this.busy = false;
    this.error = "";
    this.timer = null;
    this.classroom = null;  // {role: "teacher" | "student", session, answers, ...} in a class
    this.following = false; // a student showing the teacher's step (else stepped out)
    this.teacherViewing = null;
    this.tallies = {};      // question -> {counts, answered, students} (the teacher's panel)
    this.mirroring = false; // doing what the teacher did (not to be told back)
    this.acted = 0;         // counts actions sent and answered: a poll that overlapped one is dropped
    on("stream", message => this.onStream(message));
    on("inspect", what => this.onPage("inspect", what));
    on("travel", revision => this.onPage("travel", revision));
    // a student reads the lesson again only when the stream broke (a change may be lost)
    on("resynced", reason => { if (this.student && reason !== "connect") { this.polled = false; this.poll(); } });
    // a step lights objects its own actions create: their cards are drawn after the step is,
    // so the lights are put on again whenever the diagram draws new elements
    this.relight = 0;
    new MutationObserver(records => {
      // a new card or chip, not the text a status change rewrites in place
      if (!this.lesson || this.relight || !records.some(r => [...r.addedNodes].some(n => n.nodeType === 1))) return;
      this.relight = requestAnimationFrame(() => { this.relight = 0; this.highlight(); });
    }).observe($("diagram"), {childList: true, subtree: true});
    this.poll();
  }

  /** The page belongs to a class: a student follows the teacher from now on. */
  joinClass(context) {
    this.classroom = context;
    if (context.role === "student") {
      this.following = true;
      if (context.own_cluster && context.lesson) this.lesson = context.lesson;  // the teacher's, told late
      Object.entries(context.answers || {}).forEach(([q, c]) => {
        const m = q.match(/^lesson:[\w-]+:(\d+)$/);
        if (m) this.chosen[Number(m[1])] = c;
      });
    }
    if (context.role === "teacher") this.tallies = context.tallies || {};
    this.render();
  }

  get student() { return this.classroom && this.classroom.role === "student"; }

  /** The teacher opened an object or travelled: their class's following pages do the same. A
   * student's click on a node the shown step's prediction names is their answer. */
  onPage(kind, value) {
    if (!this.classroom || this.mirroring) return;
    if (this.classroom.role === "teacher") {
      this.tellClass(kind === "inspect" ? {inspect: value} : {revision: value});
    } else if (this.student && kind === "inspect" && this.lesson && value.startsWith("node:")) {
      const index = this.viewing ?? this.lesson.position;
      const predict = this.lesson.steps[index].predict;
      const node = value.slice(5);
      if (predict && predict.choices.includes(node) && this.chosen[index] !== node) this.choose(index, node);
    }
  }

  /** Do what the teacher did, without telling anyone in turn. */
  mirror(message) {
    const {panels, travel} = window.clusterviz || {};
    this.mirroring = true;
    try {
      if (message.inspect && panels) panels.inspect(message.inspect);
    } finally {
      this.mirroring = false;
    }
    if ("revision" in message && travel && !this.ownCluster) travel(message.revision);
  }

  onStream(message) {
    if (message.type === "lesson.state" && this.student) {
      this.lesson = message.lesson;
      if (!this.lesson) this.viewing = null;
      else if (this.following) this.followTeacher();
      this.render();
    } else if (message.type === "classroom.follow" && this.classroom && message.session === this.classroom.session) {
      this.classroom.revealed = message.revealed || this.classroom.revealed;
      if (this.student && "viewing" in message) {
        this.teacherViewing = message.viewing;
        if (this.following) this.followTeacher();
      }
      if (this.student && this.following && ("inspect" in message || "revision" in message)) this.mirror(message);
      this.render();
    } else if (message.type === "classroom.answers" && this.classroom && this.classroom.role === "teacher") {
      this.tallies[message.question] = message;
      this.render();
    }
  }

  /** Show what the teacher shows: their step, or the past step they look back at. */
  followTeacher() {
    const l = this.lesson;
    const viewing = l && this.teacherViewing !== null && this.teacherViewing < l.position ? this.teacherViewing : null;
    if (viewing === this.viewing) return;
    this.viewing = viewing;
    // the revisions are the teacher's cluster's: a cluster of one's own has others
    if (!this.ownCluster) this.travel(viewing === null ? 0 : l.revisions[String(viewing + 1)]);
  }

  /** A student on a cluster of their own (a per-student class): the lesson is the teacher's. */
  get ownCluster() { return Boolean(this.student && this.classroom.own_cluster); }

  stepOut() { this.following = false; this.render(); }

  backToTeacher() {
    this.following = true;
    this.viewing = null;
    if (!this.ownCluster) this.travel(0);
    this.followTeacher();
    this.render();
  }

  questionOf(index) { return `lesson:${this.lesson.scenario.id}:${index}`; }

  choose(index, choice) {
    this.chosen[index] = choice;
    if (this.student) {
      fetch(`/classroom/${this.classroom.session}/answer`, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({question: this.questionOf(index), choice})}).catch(() => {});
    }
    this.render();
  }

  async poll() {
    clearTimeout(this.timer);
    if (this.student && (this.polled || this.ownCluster)) return;  // the stream carries every change
    const acted = this.acted;
    try {
      const lesson = await sim("GET", "/lesson");
      if (acted !== this.acted) {  // an action answered meanwhile: this read may predate it
        this.timer = setTimeout(() => this.poll(), POLL_MS);
        return;
      }
      this.lesson = lesson;
      this.error = "";
    } catch (e) {
      this.lesson = null;
      if (e.code === 404) await this.maybeStartFromHash();
      else if (e.code !== 403) this.error = e.message;
    }
    if (!this.lesson && !this.catalogue) {
      try { this.catalogue = (await sim("GET", "/lessons")).lessons; } catch (e) { this.error = e.message; }
    }
    this.polled = true;
    if (this.student && this.following) this.followTeacher();
    // drawn again only when something changed: a button redrawn every second slips from under the pointer
    const seen = JSON.stringify([this.lesson, this.error, this.catalogue && this.catalogue.length, this.busy]);
    if (seen !== this.lastPolled) this.render();
    this.lastPolled = seen;
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  /** A page opened at ``#lesson=ID`` (a new lesson cluster) starts that lesson here. */
  async maybeStartFromHash() {
    const match = location.hash.match(/lesson=([\w-]+)/);
    if (!match || this.busy) return;
    this.busy = true;
    this.setupNote = `Setting up ${match[1]}: waiting for the nodes to be Ready…`;
    this.render();
    document.querySelector('#tabs button[data-tab="lessons"]')?.click();
    try {
      this.lesson = await sim("POST", "/lesson/start", {scenario: match[1]});
      history.replaceState(null, "", location.pathname);
    } catch (e) {
      this.error = e.message;
    } finally {
      this.busy = false;
      this.setupNote = "";
    }
  }

  async act(path, body) {
    if (this.busy) return;
    this.busy = true;
    this.error = "";
    this.acted += 1;  // a poll answered before this action's answer is older than it
    this.render();
    try {
      const answer = await sim("POST", path, body);
      this.acted += 1;
      if (path === "/lessons/new") { location.href = answer.url.replace("#lesson", `#lesson=${body.scenario}`); return; }
      if (answer.outputs) {
        this.outputs[answer.position] = answer.outputs;
        const traced = answer.outputs.filter(o => o.trace);  // the step followed a packet: draw the last one
        if (traced.length) emit("packet-path", traced[traced.length - 1].trace);
      }
      this.lesson = answer.stopped ? null : answer;
    } catch (e) {
      this.error = e.message;
    } finally {
      this.busy = false;
      this.render();
    }
  }

  /** The teacher shows the class the answer of step ``index``'s prediction. */
  reveal(index) {
    const key = this.questionOf(index).slice(7);
    this.classroom.revealed = [...(this.classroom.revealed || []), key];
    fetch(`/classroom/${this.classroom.session}/follow`, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify({reveal: key})}).catch(() => {});
    this.render();
  }

  /** The teacher's Back and Next through past steps, told to the class's pages. */
  tellClass(body = {viewing: this.viewing}) {
    if (!this.classroom || this.classroom.role !== "teacher") return;
    fetch(`/classroom/${this.classroom.session}/follow`, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(body)}).catch(() => {});
  }

  back() {
    const l = this.lesson;
    const shown = this.viewing ?? l.position;
    if (shown <= 0) return;
    // the cluster as it stood when the next step began: the end of the step shown
    this.viewing = shown - 1;
    const revision = l.revisions[String(shown)];
    if (revision) this.travel(revision);
    this.tellClass();
    this.render();
  }

  next() {
    if (this.viewing !== null) {
      this.viewing = this.viewing + 1 >= this.lesson.position ? null : this.viewing + 1;
      if (this.viewing === null) this.travel(0);
      else this.travel(this.lesson.revisions[String(this.viewing + 1)]);
      this.tellClass();
      this.render();
      return;
    }
    if (this.student) return;
    this.act("/lesson/next");
  }

  // ------------------------------------------------------------------ drawing
  render() {
    const p = this.panel;
    if (!p) return;
    const scroll = p.scrollTop;
    p.replaceChildren(this.lesson ? this.renderLesson() : this.renderCatalogue());
    if (this.error) p.prepend(h("p", {class: "lesson-error bad", role: "alert"}, this.error));
    p.scrollTop = scroll;
    this.highlight();
  }

  renderCatalogue() {
    if (this.setupNote) return h("p", {class: "hint lesson-setup"}, this.setupNote);
    const rows = (this.catalogue || []).map(l => h("li", {class: `lesson-item${l.runnable ? "" : " pending"}`, "data-lesson": l.id},
      h("div", {class: "lesson-item-head"}, h("strong", {}, l.title), " ", h("span", {class: "muted"}, `§${l.section} · ${l.minutes} min · ${l.steps} steps`)),
      h("p", {class: "hint"}, l.summary),
      this.student ? null : !l.runnable ? h("p", {class: "muted"}, `Not yet: ${l.pending}`)
        : this.classroom ? h("button", {class: "primary start-here", disabled: this.busy, onclick: () => this.act("/lesson/start", {scenario: l.id})}, "Start for the class on this cluster")
          : h("button", {class: "primary", disabled: this.busy, onclick: () => this.act("/lessons/new", {scenario: l.id})}, "Start on a new cluster")));
    if (this.student) return h("p", {class: "hint lesson-waiting"}, "No lesson yet: when your teacher starts one, it shows here and follows their steps.");
    return h("div", {class: "lessons"},
      h("p", {class: "hint"}, "Each lesson tells one story of chapter 11 on a fresh cluster of its own, one step at a time: read the narration aloud, predict, run the step, watch the diagram."),
      h("ol", {class: "lesson-list"}, rows));
  }

  renderLesson() {
    const l = this.lesson;
    const index = this.viewing ?? l.position;
    const step = l.steps[index];
    const current = this.viewing === null ? l.current : {};
    const total = l.steps.length;
    const progress = h("div", {class: "lesson-progress", role: "progressbar", "aria-valuemin": 1, "aria-valuemax": total, "aria-valuenow": index + 1},
      h("div", {class: "bar", style: `width:${((index + 1) / total) * 100}%`}));
    const past = this.viewing !== null ? h("p", {class: "lesson-past"}, `Looking back at step ${index + 1}: the diagram shows the cluster when it ended (revision ${l.revisions[String(index + 1)] || "?"}). Next returns to the present.`) : null;
    const commands = step.commands.length ? h("div", {class: "lesson-commands"}, h("h4", {}, "Try it"),
      step.commands.map(c => h("div", {class: "command"}, h("code", {}, c),
        h("button", {class: "copy", title: "copy", onclick: () => navigator.clipboard?.writeText(c)}, "copy")))) : null;
    const predict = step.predict ? this.renderPrediction(index, step.predict, current) : null;
    const ran = step.ran || step.actions === 0;
    const run = !this.student && this.viewing === null && step.actions > 0 && !step.ran
      ? h("button", {class: "primary run", disabled: this.busy, onclick: () => this.act("/lesson/run")}, `Run step ${index + 1} ▸`) : null;
    const outputs = (this.outputs[index] || []).map(o => h("pre", {class: "lesson-output"}, `$ ${o.command}\n${o.output}`));
    const wait = current.wait ? h("p", {class: `lesson-wait ${current.wait.holds ? "ok" : "waiting"}`},
      current.wait.holds ? "✓ " : "⏳ ", current.wait.condition, h("span", {class: "muted"}, ` — ${current.wait.seen}`)) : null;
    const check = step.check ? h("div", {class: `lesson-check ${current.check && current.check.holds ? "passed" : ""}`},
      h("h4", {}, "Exercise"), h("div", {html: markdown(step.check.task)}),
      step.check.hint ? h("details", {}, h("summary", {}, "hint"), h("div", {html: markdown(step.check.hint)})) : null,
      this.student ? h("p", {class: "check-status muted"}, `Do it in your namespace ${this.classroom.namespace}: the teacher's roster turns green when it holds.`)
        : current.check ? h("p", {class: "check-status"}, current.check.holds ? "✓ passed — " : "not yet — ", h("span", {class: "muted"}, current.check.seen)) : null) : null;
    const atEnd = index >= total - 1 && this.viewing === null;
    const nav = this.student ? this.renderFollowNav(index, total) : h("div", {class: "row lesson-nav"},
      h("button", {class: "back", disabled: index === 0 || this.busy, onclick: () => this.back()}, "◂ Back"),
      h("span", {class: "muted"}, `step ${index + 1} of ${total}`),
      h("button", {class: "next primary", disabled: atEnd || this.busy || (this.viewing === null && !ran), onclick: () => this.next()}, "Next ▸"),
      h("button", {class: "stop", disabled: this.busy, onclick: () => this.act("/lesson/stop")}, "End lesson"));
    return h("div", {class: "lesson", "data-position": index, "data-ran": ran ? "true" : "false"},
      h("div", {class: "lesson-title"}, h("strong", {}, l.scenario.title), " ", h("span", {class: "muted"}, `§${l.scenario.section}`)),
      progress, past,
      h("h3", {class: "step-title"}, `${index + 1}. ${step.title}`),
      h("div", {class: "narration", html: markdown(step.narration)}),
      commands, predict, run, outputs, wait, check,
      atEnd && ran && (!current.wait || current.wait.holds) ? h("p", {class: "lesson-done ok"}, "✓ End of the lesson.") : null,
      nav, current.error ? h("p", {class: "bad"}, current.error) : null);
  }

  /** A student's way through the lesson: the teacher's step, or their own look around. */
  renderFollowNav(index, total) {
    if (this.following) {
      return h("div", {class: "row lesson-nav following"},
        h("span", {class: "follow-note"}, "● following the teacher"),
        h("span", {class: "muted"}, `step ${index + 1} of ${total}`),
        h("button", {class: "step-out", onclick: () => this.stepOut()}, "Step out"));
    }
    const position = this.lesson.position;
    return h("div", {class: "row lesson-nav"},
      h("button", {class: "back", disabled: index === 0, onclick: () => this.back()}, "◂ Back"),
      h("span", {class: "muted"}, `step ${index + 1} of ${total}`),
      h("button", {class: "next", disabled: index >= position, onclick: () => this.next()}, "Next ▸"),
      h("button", {class: "back-to-teacher primary", onclick: () => this.backToTeacher()}, "Back to the teacher"));
  }

  renderPrediction(index, predict, current) {
    const chosen = this.chosen[index];
    // the answer waits: in a class for the teacher's reveal, alone for a prediction or "reveal",
    // however fast the cluster found it
    const known = current.answer;
    const hidden = this.classroom ? !(this.classroom.revealed || []).includes(this.questionOf(index).slice(7))
      : !(chosen || this.revealed[index]);
    const answer = hidden ? null : known;
    const reveal = !hidden || !known ? null
      : this.classroom ? (this.classroom.role === "teacher"
        ? h("button", {class: "reveal primary", onclick: () => this.reveal(index)}, "Reveal the answer") : null)
      : h("button", {class: "reveal", onclick: () => { this.revealed[index] = true; this.render(); }}, "reveal the answer");
    const choices = predict.choices.length ? h("div", {class: "choices"}, predict.choices.map(c =>
      h("button", {class: `choice${chosen === c ? " chosen" : ""}${answer && answer === c ? " right" : ""}`,
        "data-choice": c, disabled: Boolean(answer), onclick: () => this.choose(index, c)}, c))) : null;
    const verdict = answer ? h("p", {class: "answer"}, `Answer: ${answer}`,
      chosen ? (chosen === answer ? " — ✓ as predicted" : ` — you predicted ${chosen}`) : "") : null;
    const sent = this.student && chosen && !answer ? h("p", {class: "muted sent"}, "Your answer went to the teacher.") : null;
    return h("div", {class: "lesson-predict"}, h("h4", {}, "Predict"), h("div", {html: markdown(predict.question)}),
      choices, sent, this.renderTally(index, predict), reveal, verdict);
  }

  /** The teacher's live tally of the class's answers to a step's prediction. */
  renderTally(index, predict) {
    if (!this.classroom || this.classroom.role !== "teacher") return null;
    const tally = this.tallies[this.questionOf(index)];
    const counts = (tally && tally.counts) || {};
    return h("div", {class: "tally"}, h("strong", {}, "Class: "),
      predict.choices.map(c => h("span", {class: "tally-choice", "data-choice": c}, `${c} `, h("b", {}, String(counts[c] || 0)))),
      h("span", {class: "muted tally-total"}, ` — ${tally ? tally.answered : 0} of ${tally ? tally.students : this.classroom.students} answered`));
  }

  /** Light what the step is about: components, API-server stages and objects on the diagram. */
  highlight() {
    document.querySelectorAll(".lesson-lit").forEach(n => n.classList.remove("lesson-lit"));
    if (!this.lesson) return;
    const step = this.lesson.steps[this.viewing ?? this.lesson.position];
    const {components, stages, objects} = step.highlight;
    const svg = document.getElementById("diagram");
    const lit = [];
    for (const c of components) {
      const exact = svg.querySelectorAll(`[data-component="${CSS.escape(c)}"]`);
      // "kube-controller-manager/deployment": one controller inside its controller manager
      const [owner, controller] = c.split("/");
      lit.push(...(exact.length || !controller ? exact
        : svg.querySelectorAll(`[data-component="${CSS.escape(owner)}"] [data-controller="${CSS.escape(controller)}"]`)));
    }
    for (const s of stages) lit.push(...svg.querySelectorAll(`[data-stage="${CSS.escape(s)}"]`));
    for (const ref of objects) {
      // RESOURCE/NAMESPACE/NAME (RESOURCE/NAME cluster-wide) → the object's card, a pod's card
      const [resource, ...rest] = ref.split("/");
      const key = rest.length > 1 ? rest.join("/") : `/${rest[0]}`;
      const kind = (RESOURCES[resource] || {}).kind;
      const selector = resource === "pods" ? `[data-pod="${CSS.escape(key)}"]`
        : `[data-kind="${CSS.escape(kind || "")}"][data-key="${CSS.escape(key)}"]`;
      lit.push(...svg.querySelectorAll(selector));
    }
    for (const n of lit) n.classList.add("lesson-lit");
  }
}
