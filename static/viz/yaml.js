// A small YAML emitter for the object inspector (Kubernetes objects: maps, lists, scalars),
// and the header fields the create form needs from a manifest. Parsing is the API server's job.
const PLAIN = /^[A-Za-z0-9_./:@-][A-Za-z0-9_ ./:@()-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~|-?[0-9.]+(e[0-9]+)?)$/i;

function scalar(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = String(v);
  if (s !== "" && PLAIN.test(s) && !RESERVED.test(s) && !s.endsWith(" ") && !s.includes(": ")) return s;
  return JSON.stringify(s);
}

function emit(v, indent, out) {
  const pad = "  ".repeat(indent);
  if (Array.isArray(v)) {
    if (!v.length) { out.push(pad + "[]"); return; }
    for (const item of v) {
      if (item && typeof item === "object" && Object.keys(item).length) {
        const sub = [];
        emit(item, indent + 1, sub);
        sub[0] = pad + "- " + sub[0].trimStart();
        out.push(...sub);
      } else out.push(pad + "- " + (item && typeof item === "object" ? (Array.isArray(item) ? "[]" : "{}") : scalar(item)));
    }
    return;
  }
  if (v && typeof v === "object") {
    if (!Object.keys(v).length) { out.push(pad + "{}"); return; }
    for (const [k, val] of Object.entries(v)) {
      if (val && typeof val === "object" && Object.keys(val).length) {
        out.push(`${pad}${scalar(k)}:`);
        emit(val, Array.isArray(val) ? indent : indent + 1, out);
      } else out.push(`${pad}${scalar(k)}: ${val && typeof val === "object" ? (Array.isArray(val) ? "[]" : "{}") : scalar(val)}`);
    }
    return;
  }
  out.push(pad + scalar(v));
}

export function toYAML(obj) {
  const out = [];
  emit(obj, 0, out);
  return out.join("\n") + "\n";
}

/** Split a multi-document manifest and read each document's apiVersion, kind and namespace. */
export function documents(text) {
  return text.split(/^---\s*$/m).map(doc => doc.replace(/^\s*#.*$/gm, "")).filter(doc => doc.trim()).map(doc => {
    const top = key => { const m = doc.match(new RegExp(`^${key}:\\s*["']?([^"'\\s#]+)`, "m")); return m ? m[1] : ""; };
    const meta = doc.match(/^metadata:\s*\n((?:[ \t]+.*\n?|\s*\n)*)/m);
    let namespace = "";
    let name = "";
    if (meta) {
      const ns = meta[1].match(/^[ \t]{1,4}namespace:\s*["']?([^"'\s#]+)/m);
      const nm = meta[1].match(/^[ \t]{1,4}name:\s*["']?([^"'\s#]+)/m);
      namespace = ns ? ns[1] : "";
      name = nm ? nm[1] : "";
    }
    return {text: doc, apiVersion: top("apiVersion"), kind: top("kind"), namespace, name};
  });
}
