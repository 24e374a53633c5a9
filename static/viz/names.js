// Names that fit on a card. Generated names share their head with every sibling (a
// Deployment's pods are all `web-7d4b9c8f6-…`); what tells replicas apart is the tail, so a
// name too long for its card loses characters from the middle, never from the end:
// `web-7d4b9c8f6-5nttf` becomes `web-7d…-5nttf`. The full name is on hover (SVG <title>)
// and in the inspector.

/** Average advance of one character (SVG user units) for the diagram's label fonts; a little
 * generous, so a name estimated to fit does fit. */
export const CHAR_WIDTH = {small: 6.2, strong: 6.9, tiny: 5.6};

/** How many characters of a font fit in `width` units. */
export const charsIn = (width, font = "small") => Math.max(0, Math.floor(width / CHAR_WIDTH[font]));

/** `name` in at most `chars` characters, shortened from the middle: the last dash-separated
 * part (a pod's random suffix, a ReplicaSet's template hash) is kept whole while it leaves
 * room for one character of head; the head keeps as much as fits, then "…". */
export function shortName(name, chars) {
  name = String(name);
  if (name.length <= chars) return name;
  if (chars <= 1) return "…";
  const dash = name.lastIndexOf("-");
  const tail = dash > 0 ? name.slice(dash) : "";
  if (tail && chars - tail.length - 1 >= 1) return name.slice(0, chars - tail.length - 1) + "…" + tail;
  // no suffix worth keeping, or no room for it: keep both ends
  const tailChars = Math.floor((chars - 1) / 2);
  return name.slice(0, chars - 1 - tailChars) + "…" + (tailChars ? name.slice(-tailChars) : "");
}

/** A phrase in at most `chars` characters, cut at the end ("…"): words, unlike names, are
 * read from the start. */
export function clip(text, chars) {
  text = String(text);
  return text.length > chars ? text.slice(0, Math.max(1, chars - 1)) + "…" : text;
}

/** How many characters a name wants on a card before anything else there: its whole
 * distinguishing tail and a few characters of head (all of it when shorter). */
export function nameWants(name) {
  const dash = name.lastIndexOf("-");
  return Math.min(name.length, (dash > 0 ? name.length - dash : 0) + 8);
}

/** The controller owner of an object (`metadata.ownerReferences` with `controller: true`). */
export function controllerOf(obj) {
  return ((obj.metadata || {}).ownerReferences || []).find(ref => ref.controller) || null;
}

const OWNER_COLOURS = ["#1e88e5", "#8e24aa", "#00897b", "#f4511e", "#3949ab", "#7cb342", "#d81b60", "#6d4c41"];

/** The colour a ReplicaSet and its pods share on the diagram, from the ReplicaSet's name, so
 * it never changes while the page runs and every page gives it the same. */
export function ownerColour(namespace, name) {
  let hash = 0;
  for (const ch of `${namespace}/${name}`) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return OWNER_COLOURS[hash % OWNER_COLOURS.length];
}
