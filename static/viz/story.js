// Story steps on the page: the caption bar tells only story steps (a component acting on an
// object, or hearing of a change it acts on) and lights the path each one names in its
// `highlight` — the component, then for a write the API server, etcd and the components
// watching what it wrote — until the next story step replaces it. Housekeeping (heartbeats,
// lease renewals, relists and checks that changed nothing) never reaches the caption.

const $ = id => document.getElementById(id);

/** Whether a step is part of the story (the kernel's `housekeeping` flag, false unless said). */
export const isStory = step => !step.housekeeping;

/** Show the latest story step of `steps` in the caption bar and light its path on `diagram`;
 * housekeeping is skipped. */
export function showStory(steps, diagram) {
  const step = [...steps].reverse().find(isStory);
  if (!step) return;
  const path = step.highlight && step.highlight.length ? step.highlight : [step.component];
  const cap = $("caption");
  cap.querySelector(".step-no").textContent = `Step ${step.seq} · t=${Number(step.time_seconds || 0).toFixed(2)}s · ${step.component}${step.controller ? "/" + step.controller : ""}`;
  cap.querySelector(".text").textContent = step.caption || step.action;
  cap.querySelector(".path").textContent = path.length > 1 ? path.join(" → ") : "";
  cap.dataset.seq = step.seq;
  diagram.light(path, step.component, step.controller || "");
}
