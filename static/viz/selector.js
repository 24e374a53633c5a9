// Label selectors as `kubectl get -l` takes them (k8s.io/apimachinery/pkg/labels, Parse):
// requirements separated by commas, each one of `key`, `!key`, `key=value`, `key==value`,
// `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key>1`, `key<1`. All must hold. Keys and
// values are checked as upstream checks them, and a mistake is reported in upstream's words
// ("found ')', expected: identifier"), so what the page refuses kubectl refuses too.

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Operators, longest first so `==` is not read as `=` twice. */
const OPERATORS = ["==", "!=", "=", "!", "(", ")", ",", ">", "<"];

/** Raised for a selector that does not parse; its message says what was wrong and where. */
export class SelectorError extends Error {}

function tokens(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) { i += 1; continue; }
    const op = OPERATORS.find(o => text.startsWith(o, i));
    if (op) { out.push({kind: op, text: op}); i += op.length; continue; }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]) && !OPERATORS.some(o => text.startsWith(o, j))) j += 1;
    const word = text.slice(i, j);
    out.push({kind: word === "in" || word === "notin" ? word : "identifier", text: word});
    i = j;
  }
  return out;
}

function checkKey(key) {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : "", name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (!prefix || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorError(`invalid label key "${key}": the prefix must be a DNS subdomain (e.g. example.com)`);
  }
  if (!name || name.length > 63 || !NAME.test(name)) {
    throw new SelectorError(`invalid label key "${key}": a name of at most 63 characters, alphanumeric, '-', '_' ` +
      "or '.', starting and ending with an alphanumeric character");
  }
}

function checkValue(value) {
  if (value && (value.length > 63 || !NAME.test(value))) {
    throw new SelectorError(`invalid label value "${value}": at most 63 characters, alphanumeric, '-', '_' or '.', ` +
      "starting and ending with an alphanumeric character");
  }
}

/** The requirements of `text` as a function of a labels object (true: all hold); an empty
 * selector matches everything. Throws SelectorError. */
export function parseSelector(text) {
  const list = tokens(text || "");
  let at = 0;
  const peek = () => list[at] || {kind: "end", text: ""};
  const expect = (kinds, what) => {
    const t = peek();
    if (!kinds.includes(t.kind)) throw new SelectorError(`found '${t.text}', expected: ${what}`);
    at += 1;
    return t;
  };
  const requirements = [];
  while (at < list.length) {
    if (peek().kind === "!") {
      at += 1;
      const key = expect(["identifier"], "identifier after '!'").text;
      checkKey(key);
      requirements.push(labels => !(key in labels));
    } else {
      const key = expect(["identifier"], "identifier").text;
      checkKey(key);
      const op = peek().kind;
      if (op === "," || op === "end") requirements.push(labels => key in labels);
      else if (op === "=" || op === "==" || op === "!=") {
        at += 1;
        const value = peek().kind === "identifier" ? list[at++].text : "";
        checkValue(value);
        requirements.push(op === "!=" ? labels => labels[key] !== value : labels => labels[key] === value);
      } else if (op === "in" || op === "notin") {
        at += 1;
        expect(["("], "'(' after " + op);
        const values = new Set();
        while (peek().kind !== ")") {
          const value = expect(["identifier"], "a value or ')'").text;
          checkValue(value);
          values.add(value);
          if (peek().kind === ",") at += 1;
          else if (peek().kind !== ")") throw new SelectorError(`found '${peek().text}', expected: ',' or ')'`);
        }
        at += 1;
        if (!values.size) throw new SelectorError(`for '${op}' operator, values set can't be empty`);
        requirements.push(op === "in" ? labels => values.has(labels[key]) : labels => !values.has(labels[key]));
      } else if (op === ">" || op === "<") {
        at += 1;
        const bound = expect(["identifier"], "an integer").text;
        if (!/^-?\d+$/.test(bound)) throw new SelectorError(`for '${op}' operator, the value must be an integer: "${bound}"`);
        const n = Number(bound);
        requirements.push(labels => key in labels && /^-?\d+$/.test(labels[key]) &&
          (op === ">" ? Number(labels[key]) > n : Number(labels[key]) < n));
      } else throw new SelectorError(`found '${peek().text}', expected: =, !=, ==, in, notin, >, < or ','`);
    }
    if (at < list.length) expect([","], "',' or 'end of string'");
    if (at === list.length && list[list.length - 1].kind === ",") throw new SelectorError("found '', expected: identifier");
  }
  return labels => requirements.every(r => r(labels || {}));
}
