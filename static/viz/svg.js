// One helper to make SVG elements, shared by every module that draws.
const NS = "http://www.w3.org/2000/svg";

/** An SVG element `name` with `attrs` (null and undefined skipped), appended to `parent`. */
export function el(name, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}
