// The teacher's session page: the roster, read every few seconds (one viewer: the teacher),
// the ad hoc question and the line told to everyone.
const $ = id => document.getElementById(id);
const root = $("session");
const name = root.dataset.session;
const POLL_MS = 3000;

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function post(path, body) {
  const response = await fetch(`/classroom/${name}/${path}`, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body)});
  return response.json();
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}

function render(data) {
  const tbody = $("roster").querySelector("tbody");
  tbody.replaceChildren();
  $("roster-summary").textContent = `${data.students.length} joined · ${data.online} online` +
    (data.lesson ? ` · lesson ${data.lesson.scenario}, step ${data.lesson.position + 1}` : "");
  for (const r of data.students) {
    const tr = document.createElement("tr");
    tr.dataset.student = r.name;
    tr.append(cell(r.display_name), cell(r.namespace + (r.cluster && r.cluster !== data.session.cluster ? ` (${r.cluster})` : "")),
      cell(r.online ? "● online" : "○", r.online ? "online" : "offline"),
      cell(r.last_action ? `${r.last_action.action} → ${r.last_action.code} (${ago(r.last_action.at)})` : "—"),
      cell(Object.entries(r.pods).map(([phase, n]) => `${phase} ${n}`).join(" · ") || "no pods"));
    const ex = document.createElement("td");
    for (const e of data.exercises) {
      const span = document.createElement("span");
      const passed = r.exercises[e.key];
      span.className = `exercise ${passed ? "passed" : "pending"}`;
      span.dataset.exercise = e.key;
      span.title = e.task;
      span.textContent = `${passed ? "✓" : "…"} step ${e.step}`;
      ex.append(span);
    }
    tr.append(ex, cell(Object.entries(r.answers).map(([q, c]) => `${q.replace(/^lesson:/, "")}: ${c}`).join("; ")));
    tbody.append(tr);
  }
  const q = data.question;
  const tally = $("question-tally");
  if (!q) { tally.replaceChildren(); return; }
  const counts = {};
  for (const r of data.students) if (r.answers[q.id]) counts[r.answers[q.id]] = (counts[r.answers[q.id]] || 0) + 1;
  tally.innerHTML = "";
  const p = document.createElement("p");
  p.className = "tally";
  p.textContent = `Asked: ${q.question} — ` + (q.choices || []).map(c => `${c}: ${counts[c] || 0}`).join(" · ") +
    (q.answer ? ` (answer: ${q.answer})` : "");
  tally.append(p);
  for (const c of q.choices || []) {
    const b = document.createElement("button");
    b.textContent = `reveal ${c}`;
    b.addEventListener("click", () => post("ask", {reveal: c}).then(poll));
    tally.append(b);
  }
  const clear = document.createElement("button");
  clear.textContent = "clear the question";
  clear.addEventListener("click", () => post("ask", {}).then(poll));
  tally.append(clear);
}

let timer = null;
async function poll() {
  clearTimeout(timer);
  try {
    const response = await fetch(`/classroom/${name}/roster.json`, {credentials: "same-origin"});
    if (response.ok) render(await response.json());
  } finally {
    if (root.dataset.open === "true") timer = setTimeout(poll, POLL_MS);
  }
}

$("ask")?.addEventListener("submit", ev => {
  ev.preventDefault();
  const form = ev.target;
  post("ask", {question: form.question.value, choices: form.choices.value.split(",")}).then(poll);
  form.reset();
});
$("broadcast")?.addEventListener("submit", ev => {
  ev.preventDefault();
  post("broadcast", {text: ev.target.text.value});
  ev.target.reset();
});
poll();
