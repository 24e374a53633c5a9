// Which pods the diagram draws: all of them, or those of one namespace and/or matching a label
// selector typed as for `kubectl get pods -l` (selector.js). The bar sits in the time-travel
// row; its count says how many pods the page holds and how many the filter keeps, and a
// selector that does not parse says why in place of the count (the diagram then keeps the last
// valid filter rather than drawing nothing). Nodes are never filtered: the filter answers
// "where do these pods run?".
import {parseSelector, SelectorError} from "./selector.js";

const fmt = n => n.toLocaleString("en-US");
/** Typing is read after a pause, so a half-typed selector ("app=") does not redraw 10,000 pods. */
const TYPING_MS = 250;

export class PodFilter {
  /** `onChange()` is called when the filter changes (the page redraws on the next frame). */
  constructor(form, onChange) {
    this.form = form;
    this.namespaceSelect = form.querySelector("#filter-namespace");
    this.selectorInput = form.querySelector("#filter-selector");
    this.count = form.querySelector("#diagram-filter-count");
    this.error = form.querySelector("#filter-error");
    this.namespace = "";
    this.matches = null;  // the selector's predicate; null: no selector
    this.selector = "";   // its text
    this.namespaces = "";
    form.addEventListener("submit", ev => { ev.preventDefault(); this.read(); });
    this.namespaceSelect.addEventListener("change", () => { this.namespace = this.namespaceSelect.value; onChange(); });
    let timer = null;
    this.selectorInput.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.read(), TYPING_MS);
    });
    this.read = () => {
      clearTimeout(timer);
      const text = this.selectorInput.value.trim();
      try {
        this.matches = text ? parseSelector(text) : null;
        this.selector = text;
        this.error.textContent = "";
        this.selectorInput.removeAttribute("aria-invalid");
      } catch (e) {
        if (!(e instanceof SelectorError)) throw e;
        this.error.textContent = `invalid label selector: ${e.message}`;
        this.selectorInput.setAttribute("aria-invalid", "true");
        return;  // the last valid filter stays
      }
      onChange();
    };
  }

  /** True when some pods may be left out. */
  get active() { return Boolean(this.namespace || this.matches); }

  /** What the filter keeps, as a string: the diagram draws the pods a new filter shows where
   * they are, without gliding them in from the API server as new pods. */
  get signature() { return `${this.namespace}|${this.selector}`; }

  /** Does the diagram draw pod `p`? */
  keeps(p) {
    if (this.namespace && p.metadata.namespace !== this.namespace) return false;
    return !this.matches || this.matches(p.metadata.labels || {});
  }

  /** The pods of `pods` (a Map) the filter keeps, as an array, and the namespaces they live in
   * (the select offers those). */
  apply(pods) {
    const kept = [], namespaces = new Set();
    for (const p of pods.values()) {
      namespaces.add(p.metadata.namespace);
      if (this.keeps(p)) kept.push(p);
    }
    this.offer([...namespaces].sort());
    return kept;
  }

  offer(namespaces) {
    if (this.namespace && !namespaces.includes(this.namespace)) namespaces.push(this.namespace);
    const key = namespaces.join(" ");
    if (key === this.namespaces) return;
    this.namespaces = key;
    const options = [new Option("all namespaces", "")];
    for (const ns of namespaces) options.push(new Option(ns, ns));
    this.namespaceSelect.replaceChildren(...options);
    this.namespaceSelect.value = this.namespace;
  }

  /** "10,000 pods on 1,000 nodes", or "1,000 of 10,000 pods …" while filtering. */
  showCount(kept, pods, nodes) {
    const text = `${this.active ? `${fmt(kept)} of ` : ""}${fmt(pods)} pods on ${fmt(nodes)} nodes`;
    if (this.count.textContent === text && this.count.dataset.kept === String(kept)) return;  // no DOM write per frame
    this.count.textContent = text;
    Object.assign(this.count.dataset, {pods: String(pods), nodes: String(nodes), kept: String(kept)});
  }
}
