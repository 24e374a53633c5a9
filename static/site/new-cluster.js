// The new-cluster form's "add a node" button: a copy of the formset's empty row, numbered
// next, and the management form's count raised, as Django's formsets expect. Without
// scripts the form still offers its blank rows.
const form = document.querySelector("#new-cluster form");
const template = document.getElementById("node-row");
const button = document.getElementById("add-node");
if (form && template && button) {
  const total = form.querySelector("input[name=nodes-TOTAL_FORMS]");
  const max = Number(form.querySelector("input[name=nodes-MAX_NUM_FORMS]").value);
  const body = form.querySelector("table.nodes tbody");
  button.hidden = false;
  button.addEventListener("click", () => {
    const index = Number(total.value);
    if (index >= max) {
      button.disabled = true;
      button.textContent = `at most ${max} nodes`;
      return;
    }
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    body.querySelector(`#id_nodes-${index}-name`).focus();
  });
}
