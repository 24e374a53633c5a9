"""The routing table an ingress controller builds from Ingresses, Services and EndpointSlices,
and the request matcher that reads it — pure functions, no API access.

What a row says: requests for ``host`` whose path matches ``path`` under ``path_type`` go to
``service:port``, i.e. to these endpoint addresses. How a request picks a row (the Ingress API's
rules, as ingress-nginx applies them):

* **Host.** An exact host rule wins; else a wildcard rule ``*.foo.com``, which matches exactly
  one more DNS label (``bar.foo.com``, not ``foo.com`` nor ``baz.bar.foo.com``); else the rules
  without a host (nginx's catch-all server ``_``).
* **Path.** Among the host's rows, the longest matching path wins, ``Exact`` before ``Prefix`` at
  equal length. ``Exact`` matches the path as written; ``Prefix`` matches element by element on
  ``/`` (``/foo`` matches ``/foo``, ``/foo/`` and ``/foo/bar``, not ``/foobar``; a trailing ``/``
  in the rule is ignored); ``ImplementationSpecific`` is ingress-nginx's plain nginx ``location``,
  a character prefix.
* **Nothing matches:** for a host with rules of its own, the ``defaultBackend`` of an Ingress
  naming that host, else the controller's default backend, which answers 404; for any other
  host, the first Ingress's ``defaultBackend`` (nginx's catch-all server), else the 404.

Two Ingresses claiming the same host, path and type: the older one (by creation time) keeps it,
as ingress-nginx merges them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from simulation.controllers.endpointslice import LABEL_SERVICE_NAME
from simulation.network.path import describe

#: How ingress-nginx names the server for rules without a host.
CATCH_ALL_HOST = "_"
DEFAULT_BACKEND = "default backend (404)"
_PATH_TYPE_RANK = {"Exact": 0, "Prefix": 1, "ImplementationSpecific": 1}


@dataclass
class Route:
    host: str
    path: str
    path_type: str
    ingress: str
    service: str
    port: str
    #: ``ip:port`` of each ready endpoint, sorted; empty when the Service has none (or is missing).
    endpoints: list[str] = field(default_factory=list)
    #: Why there are no endpoints, in the words ``kubectl describe ingress`` uses, else "".
    problem: str = ""

    @property
    def backend(self) -> str:
        return f"{self.service}:{self.port}"

    def as_dict(self) -> dict:
        return dict(asdict(self), backend=self.backend)


@dataclass
class Match:
    """Where one request went: the row that matched (None → a default backend)."""
    host: str
    path: str
    route: Route | None
    default: Route | None = None
    why: str = ""

    def as_dict(self) -> dict:
        chosen = self.route or self.default
        return {"host": self.host, "path": self.path, "why": self.why,
                "route": chosen.as_dict() if chosen else None,
                "status": 404 if chosen is None else 200 if chosen.endpoints else 503}


def _backend_endpoints(namespace: str, backend: dict, services: dict, slices: dict) -> tuple[str, str, list[str], str]:
    """(service, port label, endpoints, problem) of an IngressBackend with a Service."""
    svc_ref = backend.get("service") or {}
    name = svc_ref.get("name") or ""
    port_ref = svc_ref.get("port") or {}
    port_label = str(port_ref.get("number") or port_ref.get("name") or "")
    svc = services.get((namespace, name))
    if svc is None:
        return name, port_label, [], f'services "{name}" not found'
    svc_port = next((p for p in (svc.get("spec") or {}).get("ports") or []
                     if (port_ref.get("number") and p.get("port") == port_ref["number"])
                     or (port_ref.get("name") and p.get("name") == port_ref["name"])), None)
    if svc_port is None:
        return name, port_label, [], f"service {name} has no port {port_label}"
    port_name = svc_port.get("name") or ""
    found: set[str] = set()
    for eps in slices.get((namespace, name), []):
        for port in eps.get("ports") or []:
            if (port.get("name") or "") != port_name or port.get("port") is None:
                continue
            for endpoint in eps.get("endpoints") or []:
                if (endpoint.get("conditions") or {}).get("ready") is False:
                    continue
                found.update(f"{addr}:{port['port']}" for addr in endpoint.get("addresses") or [])
    return name, port_label, sorted(found, key=_ip_port_key), "" if found else "no ready endpoints"


def _ip_port_key(text: str) -> tuple:
    ip, _, port = text.rpartition(":")
    return tuple(int(x) if x.isdigit() else 0 for x in ip.split(".")) + (int(port or 0),)


def index_slices(slices: list[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for eps in slices:
        service = (eps["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME)
        if service:
            out.setdefault((eps["metadata"].get("namespace", ""), service), []).append(eps)
    return out


def build_table(ingresses: list[dict], services: list[dict], slices: list[dict]) -> tuple[list[Route], list[Route]]:
    """The rows of every rule path, and the Ingresses' default backends (the first wins), from
    the Ingresses this controller serves."""
    svc_index = {(s["metadata"].get("namespace", ""), s["metadata"]["name"]): s for s in services}
    slice_index = index_slices(slices)
    ordered = sorted(ingresses, key=lambda i: (i["metadata"].get("creationTimestamp") or "",
                                               i["metadata"].get("namespace", ""), i["metadata"]["name"]))
    routes: list[Route] = []
    defaults: list[Route] = []
    taken: set[tuple[str, str, str]] = set()
    for ing in ordered:
        ns, name = ing["metadata"].get("namespace", ""), ing["metadata"]["name"]
        spec = ing.get("spec") or {}
        for rule in spec.get("rules") or []:
            host = rule.get("host") or CATCH_ALL_HOST
            for http_path in (rule.get("http") or {}).get("paths") or []:
                path, path_type = http_path.get("path") or "/", http_path.get("pathType") or "Prefix"
                backend = http_path.get("backend") or {}
                if (host, path, path_type) in taken or backend.get("service") is None:
                    continue
                taken.add((host, path, path_type))
                service, port, endpoints, problem = _backend_endpoints(ns, backend, svc_index, slice_index)
                routes.append(Route(host, path, path_type, f"{ns}/{name}", service, port, endpoints, problem))
        default = spec.get("defaultBackend")
        if default is not None and default.get("service") is not None:
            service, port, endpoints, problem = _backend_endpoints(ns, default, svc_index, slice_index)
            defaults.append(Route(CATCH_ALL_HOST, "/", "Prefix", f"{ns}/{name}", service, port, endpoints, problem))
    routes.sort(key=lambda r: (r.host == CATCH_ALL_HOST, r.host, -len(r.path), _PATH_TYPE_RANK.get(r.path_type, 1),
                               r.path))
    return routes, defaults


def host_matches(rule_host: str, host: str) -> bool:
    """Exact, or ``*.foo.com`` for exactly one more label."""
    if not rule_host.startswith("*."):
        return rule_host == host
    first, _, rest = host.partition(".")
    return bool(first) and rest == rule_host[2:]


def path_matches(rule_path: str, path_type: str, path: str) -> bool:
    if path_type == "Exact":
        return path == rule_path
    if path_type == "Prefix":
        rule_parts = [p for p in rule_path.split("/") if p]
        parts = [p for p in path.split("/") if p]
        return parts[:len(rule_parts)] == rule_parts
    return path.startswith(rule_path)


def match(routes: list[Route], defaults: list[Route], host: str, path: str) -> Match:
    """The row a request for ``http://host/path`` takes (see the module doc)."""
    host = host.split(":", 1)[0].lower()
    path = path or "/"
    candidates = [r for r in routes if r.host == host]
    how = f"host {host} has rules"
    if not candidates:
        candidates = [r for r in routes if r.host.startswith("*.") and host_matches(r.host, host)]
        how = f"host {host} matches {candidates[0].host}" if candidates else ""
    # a host with rules of its own is a server of its own: what none of its paths matches goes to
    # the defaultBackend of an Ingress that names the host, else to the controller's (404) —
    # never to the catch-all server's backends (ingress-nginx's createServers)
    own_server = {r.ingress for r in candidates}
    if not candidates:
        candidates = [r for r in routes if r.host == CATCH_ALL_HOST]
        how = f"no rule for host {host}: the rules without a host"
    hits = [r for r in candidates if path_matches(r.path, r.path_type, path)]
    if hits:
        best = min(hits, key=lambda r: (-len(r.path.rstrip("/") or "/"), _PATH_TYPE_RANK.get(r.path_type, 1)))
        return Match(host, path, best, why=f"{how}; {best.path_type} {best.path} is the longest match for {path}")
    if own_server:
        defaults = [d for d in defaults if d.ingress in own_server]
    default = defaults[0] if defaults else None
    where = f"the defaultBackend of ingress {default.ingress}" if default else DEFAULT_BACKEND
    return Match(host, path, None, default, why=f"no rule matches http://{host}{path}: {where}")


def split_url(url: str) -> tuple[str, str]:
    """``http://web.example.com/api?q=1`` (or without the scheme) → (host, path)."""
    rest = url.split("://", 1)[1] if "://" in url else url
    host, slash, path = rest.partition("/")
    return host, ("/" + path.split("?", 1)[0].split("#", 1)[0]) if slash else "/"


def describe_table(table: dict) -> str:
    """The routing table as a terminal shows it: one row per host and path."""
    address = ",".join(table.get("address") or []) or "no address"
    head = f"{table['controller']}: " + (f"serving at {address}" if table.get("serving")
                                         else "not serving (no controller pod is running)")
    rows = [("HOST", "PATH", "PATH TYPE", "INGRESS", "BACKEND", "ENDPOINTS")]
    for r in table.get("routes") or []:
        rows.append((r["host"], r["path"], r["path_type"], r["ingress"], r["backend"],
                     ",".join(r["endpoints"]) or f"<none: {r['problem']}>"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [head] + ["   ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "   " + row[-1] for row in rows]
    defaults = table.get("default_backends") or []
    if defaults:
        d = defaults[0]
        lines.append(f"Default backend: {d['backend']} ({','.join(d['endpoints']) or d['problem']}) "
                     f"from ingress {d['ingress']}")
    else:
        lines.append(f"Default backend: {DEFAULT_BACKEND}")
    return "\n".join(lines)


def describe_match(result: dict) -> str:
    """Where one request went, in a sentence and the chosen backend."""
    route = result.get("route")
    target = f"http://{result['host']}{result['path']}"
    if route is None:
        return f"{target} → 404 from the {DEFAULT_BACKEND}\n  {result['why']}"
    endpoints = ",".join(route["endpoints"]) or f"no endpoint ({route['problem']}): 503"
    return f"{target} → {route['backend']} ({endpoints})\n  {result['why']}"


def describe_request(result: dict) -> str:
    """:func:`describe_match`, then the packet the controller pod sends to the backend it picked."""
    text = describe_match(result)
    if result.get("client_trace"):
        text = "a client outside the cluster reaches the controller through its NodePort:\n" + \
            describe(result["client_trace"]) + "\n" + text
    if result.get("trace"):
        text += "\nnginx forwards it to one endpoint itself (not through the Service's cluster IP):\n" + \
            describe(result["trace"])
    return text
