// The cluster page in a class. Asks the server whether this page's user teaches or follows a
// class on this cluster (/classroom/page/CLUSTER/), then:
// - a student: the controls they may not use are hidden, not left to fail — the clock's
//   buttons when RBAC refuses them `post` on /sim/* (a SelfSubjectAccessReview, as
//   `kubectl auth can-i` asks), the create form starts in their namespace, the Lessons panel
//   follows the teacher (lessons.js), the teacher's ad hoc question and messages show at the
//   top, and the page says every HEARTBEAT that it is open (the roster's "online now");
// - the teacher: the class's code and size, the live tally of the ad hoc question.
// Everything the teacher does reaches the page through the cluster's stream ("stream" events
// of model.js: lesson.state, classroom.*), never by polling.
import {config, kube} from "./api.js";
import {on} from "./model.js";

const $ = id => document.getElementById(id);
const bar = $("classroom");

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function post(session, path, body) {
  const response = await fetch(`/classroom/${session}/${path}`, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body || {})});
  return response.json();
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** Whether RBAC lets this page's user drive the simulation (post on /sim/…). */
async function mayDrive() {
  try {
    const review = await kube("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview",
      spec: {nonResourceAttributes: {path: "/sim/play", verb: "post"}}});
    return Boolean(review.status && review.status.allowed);
  } catch (e) {
    return false;
  }
}

class Classroom {
  constructor(context) {
    this.context = context;
    this.question = context.question;
    this.tally = {};
    this.note = "";
    document.body.dataset.classroom = context.role;
    on("stream", message => this.onStream(message));
    window.clusterviz?.lessons?.joinClass(context);
    if (context.role === "student") this.asStudent();
    this.render();
  }

  async asStudent() {
    const c = this.context;
    const ns = $("create-namespace");
    if (ns) ns.value = c.namespace;
    if (!(await mayDrive())) document.body.classList.add("sim-read-only");
    const beat = () => post(c.session, "here").catch(() => {});
    beat();
    setInterval(beat, (c.heartbeat_seconds || 20) * 1000);
  }

  onStream(message) {
    if (!message.type || !message.type.startsWith("classroom.") || message.session !== this.context.session) return;
    if (message.type === "classroom.question") { this.question = message.question; this.tally = {}; }
    else if (message.type === "classroom.answers" && this.question && message.question === this.question.id) this.tally = message;
    else if (message.type === "classroom.broadcast") this.note = message.text;
    else if (message.type === "classroom.closed") this.note = "The class has ended: your access is revoked.";
    this.render();
  }

  answer(choice) {
    const c = this.context;
    c.answers = {...c.answers, [this.question.id]: choice};
    post(c.session, "answer", {question: this.question.id, choice});
    this.render();
  }

  render() {
    const c = this.context;
    const who = c.role === "student"
      ? [h("strong", {}, c.display_name), ` in class ${c.session} · namespace `, h("code", {}, c.namespace), " · ",
         h("a", {href: c.me}, "your kubeconfig")]
      : [h("strong", {}, `class ${c.session}`), ` · code `, h("code", {class: "class-code"}, c.code), ` · `,
         h("a", {href: c.roster, target: "_blank"}, "roster")];
    const parts = [h("span", {class: "who"}, who)];
    if (this.note) parts.push(h("span", {class: "broadcast", role: "status"}, `📣 ${this.note}`));
    const q = this.question;
    if (q) {
      const mine = (c.answers || {})[q.id];
      const counts = this.tally.counts || {};
      parts.push(h("span", {class: "ask", "data-question": q.id}, h("strong", {}, q.question), " ",
        (q.choices || []).map(choice => c.role === "student"
          ? h("button", {class: `choice${mine === choice ? " chosen" : ""}${q.answer === choice ? " right" : ""}`,
              disabled: Boolean(q.answer), onclick: () => this.answer(choice)}, choice)
          : h("span", {class: "tally-choice"}, `${choice}: `, h("b", {}, String(counts[choice] || 0)), " ")),
        q.answer ? h("span", {class: "answer"}, ` answer: ${q.answer}`) : null));
    }
    bar.replaceChildren(...parts);
    bar.hidden = false;
  }
}

async function start() {
  if (!bar) return;
  try {
    const response = await fetch(`/classroom/page/${config.cluster}/`, {credentials: "same-origin"});
    const context = response.ok ? await response.json() : {role: null};
    if (context.role) window.clusterviz.classroom = new Classroom(context);
  } catch (e) { /* not in a class */ }
}
start();
