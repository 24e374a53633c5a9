"""What ``manage.py sim`` prints: short tables in kubectl's and crictl's layouts, made from
the control API's JSON (``-o json`` prints that JSON instead).

* A state line for the clock (``paused at 1m41.206s, step 212, speed 1x``).
* Steps as ``SEQ  TIME  COMPONENT  CAPTION``, TIME being the cluster's virtual time.
* A scheduling decision as nodes × Filter plugins, the chosen node marked ``*``, and the
  Event's message (``Successfully assigned …`` or the FailedScheduling text).
* A node's containers as ``crictl ps -a`` prints them, its rules as ``iptables-save`` does.

Columns are separated as kubectl's tabwriter does (three spaces; crictl's columns are at
least 20 wide); the last column is never padded.
"""
from __future__ import annotations

from collections.abc import Sequence

from simulation.cluster.describe import component_line
from simulation.apimachinery.timestamps import go_duration
from simulation.ingress.routing import describe_request, describe_table
from simulation.network.path import describe

#: kubectl's and crictl's tabwriter padding between columns.
PADDING = 3
#: crictl's tabwriter minimum cell width.
CRICTL_MIN_WIDTH = 20
#: crictl shows 13 characters of a container or sandbox id.
CRICTL_ID_LENGTH = 13
#: How a decision cell shows a Filter plugin that passed, had nothing to check, or did not run.
PASSED, SKIPPED, NOT_RUN = "ok", "skip", "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, min_width: int = 0) -> str:
    """Left-aligned columns as Go's tabwriter lays them out (``min_width``, then ``PADDING``)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(min_width, *(len(row[i]) + PADDING for row in cells)) for i in range(len(headers) - 1)]
    return "\n".join("".join(cell.ljust(width) for cell, width in zip(row, widths)) + row[-1] for row in cells)


def state_line(state: dict) -> str:
    """The clock in one line: ``paused at 1m41.206s, step 212, speed 1x, 10m0s behind live``."""
    clock = state["clock"]
    line = f"{clock['mode']} at {go_duration(clock['now_seconds'])}, step {clock['step']}, speed {clock['speed']:g}x"
    behind = clock.get("behind_live_seconds")
    if behind:
        line += f", {go_duration(behind)} behind live"
    return line


def speed_result(state: dict) -> str:
    """The state line, and — when the cluster is paused — that it still is: a speed only says
    how fast time will move once it plays."""
    line = state_line(state)
    if state["clock"]["mode"] == "paused":
        line += f'\nstill paused: "manage.py sim play" runs it at {state["clock"]["speed"]:g}x'
    return line


def steps_table(steps: Sequence[dict]) -> str:
    """Steps as ``SEQ  TIME  COMPONENT  CAPTION``; the controller is named after its manager."""
    if not steps:
        return "No steps."
    rows = [(s["seq"], go_duration(s["time_seconds"]),
             f"{s['component']}/{s['controller']}" if s.get("controller") else s["component"],
             s.get("caption") or s["action"]) for s in steps]
    return table(("SEQ", "TIME", "COMPONENT", "CAPTION"), rows)


def step_result(result: dict) -> str:
    """What ``sim step`` ran: its steps, the housekeeping it ran unlisted, the clock."""
    lines = [steps_table(result["steps"])]
    if result.get("housekeeping"):
        lines.append(f"({result['housekeeping']} housekeeping actions ran in between: heartbeats, lease renewals, "
                     "relists and checks that changed nothing; --all lists every action)")
    if result.get("stopped"):
        lines.append(result["stopped"]["message"])
    lines.append(state_line(result))
    return "\n".join(lines)


def component_lines(components: dict | Sequence[dict]) -> str:
    """``kube-scheduler: running (leader)``, one line per component."""
    return "\n".join(component_line(c) for c in ([components] if isinstance(components, dict) else components))


def _filter_cell(result: dict | None) -> str:
    if result is None or result["code"] == "NotRun":
        return NOT_RUN
    if result["code"] == "Success":
        return PASSED
    if result["code"] == "Skip":
        return SKIPPED
    return ", ".join(result.get("reasons") or ()) or result["code"]


def decision(record: dict) -> str:
    """The last scheduling cycle of a pod: one row per node evaluated, one column per Filter
    plugin (``ok``, ``skip``: nothing to check for this pod, ``-``: not run after an earlier
    rejection, or the plugin's reason), the total score, the chosen node marked ``*``; then the
    message of the cycle's Event."""
    winner = record.get("winner")
    head = (f"{record.get('pod', '')}: {record.get('outcome', '')}{f' on {winner}' if winner else ''} by "
            f"{record.get('scheduler', '')} (attempt {record.get('attempt', '?')}, {record.get('feasible', 0)} of "
            f"{record.get('evaluated', 0)} nodes evaluated feasible)")
    nodes = record.get("nodes") or []
    plugins = list(dict.fromkeys(f["plugin"] for n in nodes for f in n.get("filters") or ()))
    rows = []
    for n in nodes:
        by_plugin = {f["plugin"]: f for f in n.get("filters") or ()}
        rows.append([f"{n['node']} *" if n["node"] == winner else n["node"],
                     *(_filter_cell(by_plugin.get(p)) for p in plugins),
                     "" if n.get("total") is None else n["total"]])
    lines = [head]
    if rows:
        lines.append(table(("NODE", *plugins, "SCORE"), rows))
    elif record.get("detail_dropped"):
        lines.append("(per-node detail no longer kept for this pod; -o json shows the summary)")
    if record.get("message"):
        lines.append(record["message"])
    return "\n".join(lines)


def units_human_duration(seconds: float) -> str:
    """docker/go-units ``HumanDuration``, which crictl's CREATED column prints with " ago"."""
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = whole // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{whole // 3600 // 24 // 365} years"


def containers(rows: Sequence[dict], now_seconds: float) -> str:
    """A node's containers as ``crictl ps -a`` prints them (pause containers included, named
    ``POD`` as the kubelet's docker integration showed them), newest first."""
    return table(("CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"),
                 [(c["id"][:CRICTL_ID_LENGTH], c["image"], f"{units_human_duration(now_seconds - c['created'])} ago",
                   c["state"], c["name"], c["attempt"], c["pod_id"][:CRICTL_ID_LENGTH], c["pod"]) for c in rows],
                 min_width=CRICTL_MIN_WIDTH)


def iptables(result: dict) -> str:
    """The node's rules, as ``iptables-save`` prints them."""
    return "\n".join(result["rules"])


def network(result: dict) -> str:
    """A node's (or a pod's) network as its shell shows it: ``ip addr``, ``ip route``."""
    where = f"in pod {result['pod']}" if "pod" in result else f"on {result['node']}"
    return "\n".join([f"$ ip addr   # {where}", *result["ip_addr"], "", f"$ ip route  # {where}", *result["ip_route"]])


def trace(result: dict) -> str:
    """A packet's path, one numbered hop a line (:func:`simulation.network.path.describe`)."""
    return describe(result)


def manifests(result: dict) -> str:
    """A node's static pod manifests, like ``ls`` of the directory with the pod each one runs."""
    lines = [f"{result['path']} on {result['node']}:",
             f"{'FILE':<32} {'STATIC POD':<50} AS KUBEADM WROTE IT"]
    lines += [f"{f['name']:<32} {f['pod']:<50} {'yes' if f['kubeadm'] else 'no (edited)'}" for f in result["files"]]
    lines += [f"{name:<32} {'-':<50} removed (manifest restore {name.rsplit('.', 1)[0]})"
              for name in result["removed"]]
    return "\n".join(lines)


def ingress(result: dict) -> str:
    """``sim ingress``: what the install created, the routing table, or where a request goes."""
    if "created" in result:
        made = ", ".join(result["created"]) or "nothing new (already installed)"
        return f"ingress add-on: created {made}; {result['controller']['name']} is {result['controller']['state']}"
    return describe_request(result["match"]) if result.get("match") else describe_table(result)
