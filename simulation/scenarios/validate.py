"""Checking a scenario file and building its :class:`~.model.Scenario`: every mistake is
reported as ``file:line: message`` (all of them, not only the first), and a file with any
mistake builds nothing — a run never starts half-understood.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from simulation.apimachinery.validation import is_dns1123_subdomain
from simulation.kubelet.node_spec import NodeSpec
from simulation.snapshot import SnapshotError, parse_snapshot

from . import loader
from .actions import parse_action, parse_actions
from .conditions import parse_condition
from .kube import resolve
from .loader import line_of, plain
from .model import Check, Highlight, Prediction, Problem, Problems, Scenario, Setup, Step

#: An id is a DNS-1123 label, so it can name a cluster, a namespace or a URL segment.
ID = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SECTION = re.compile(r"^(11(\.\d+){0,2}|notes)$")
STAGES = ("authentication", "authorization", "mutating-admission", "validation", "validating-admission", "storage")
TOP_KEYS = {"id", "title", "section", "summary", "minutes", "pending", "setup", "steps"}
STEP_KEYS = {"title", "narration", "commands", "actions", "wait_for", "highlight", "predict", "check"}
SETUP_KEYS = {"seed", "nodes", "snapshot", "components", "objects", "speed", "wait_for", "kubeadm", "ha"}
NODE_KEYS = {"name", "cpu", "memory", "pods", "zone", "labels", "taints", "images"}
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
#: A lesson runs in at most five class minutes.
MAX_MINUTES = 5


class ScenarioInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load(path: str | Path) -> Scenario:
    """The scenario in ``path``; :class:`ScenarioInvalid` listing every mistake otherwise."""
    scenario, problems = check(path)
    if scenario is None:
        raise ScenarioInvalid(problems)
    return scenario


def check(path: str | Path) -> tuple[Scenario | None, list[Problem]]:
    try:
        doc = loader.read(path)
    except loader.ScenarioFileError as exc:
        return None, [Problem(exc.path, exc.line, exc.message)]
    return build(doc, str(path))


def build(doc: Any, path: str) -> tuple[Scenario | None, list[Problem]]:
    problems = Problems(path)
    if not isinstance(doc, dict):
        problems.add(line_of(doc) or 1, "a scenario must be a mapping with id, title, section, summary, minutes, "
                                        "setup and steps")
        return None, problems.found
    for key in doc:
        if key not in TOP_KEYS:
            problems.add(line_of(doc, key), f"unknown key {key!r}; expected one of {', '.join(sorted(TOP_KEYS))}")
    text = _Text(doc, problems)
    ident = text.get("id")
    if ident and not ID.match(ident):
        problems.add(line_of(doc, "id"), f"id {ident!r} must be lower-case letters, digits and '-' (a DNS label)")
    section = str(doc.get("section", ""))
    if "section" not in doc:
        problems.add(line_of(doc), "section is required: the CHAPTER11 section (e.g. 11.2) or notes")
    elif not SECTION.match(section):
        problems.add(line_of(doc, "section"), f"section {section!r} must be a chapter-11 section such as 11.1.3, "
                                              f"or notes")
    minutes = doc.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 < minutes <= MAX_MINUTES:
        problems.add(line_of(doc, "minutes") if "minutes" in doc else line_of(doc),
                     f"minutes must be the class minutes the lesson takes, at most {MAX_MINUTES}")
        minutes = 0
    pending = doc.get("pending", "")
    if not isinstance(pending, str):
        problems.add(line_of(doc, "pending"), "pending must say which issue builds what the scenario needs")
        pending = ""
    setup = _setup(doc.get("setup", {}), line_of(doc, "setup"), problems)
    steps = _steps(doc.get("steps"), line_of(doc, "steps") if "steps" in doc else line_of(doc), problems)
    if problems:
        return None, sorted(problems.found, key=lambda p: p.line)
    return Scenario(ident, text.get("title"), section, text.get("summary"), float(minutes), setup, steps, path,
                    pending.strip()), []


class _Text:
    def __init__(self, doc: dict, problems: Problems) -> None:
        self.doc, self.problems = doc, problems

    def get(self, key: str, required: bool = True) -> str:
        value = self.doc.get(key)
        if value is None:
            if required:
                self.problems.add(line_of(self.doc), f"{key} is required")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problems.add(line_of(self.doc, key), f"{key} must be text")
            return ""
        return value.strip()


def _resolver(problems: Problems):
    def resolve_name(name: str, line: int) -> str:
        rt = resolve(name) if name else None
        if name and rt is None:
            problems.add(line, f"resource {name!r} is not one this cluster serves")
        return rt.name if rt else name
    return resolve_name


def _setup(raw: Any, line: int, problems: Problems) -> Setup:
    setup = Setup()
    if not isinstance(raw, dict):
        problems.add(line, "setup must be a mapping")
        return setup
    for key in raw:
        if key not in SETUP_KEYS:
            problems.add(line_of(raw, key), f"setup: unknown key {key!r}; expected one of {', '.join(sorted(SETUP_KEYS))}")
    seed = raw.get("seed", 1)
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.add(line_of(raw, "seed"), "setup: seed must be an integer")
    else:
        setup.seed = seed
    speed = raw.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.1 <= speed <= 100:
        problems.add(line_of(raw, "speed"), "setup: speed must be a factor from 0.1 to 100")
    else:
        setup.speed = float(speed)
    kubeadm = raw.get("kubeadm", False)
    if not isinstance(kubeadm, bool):
        problems.add(line_of(raw, "kubeadm"), "setup: kubeadm must be true or false")
    else:
        setup.kubeadm = kubeadm
    ha = raw.get("ha", False)
    if not isinstance(ha, bool):
        problems.add(line_of(raw, "ha"), "setup: ha must be true or false")
    else:
        setup.ha = ha
        setup.kubeadm = setup.kubeadm or ha
    nodes = raw.get("nodes", "demo")
    if "snapshot" in raw:
        if setup.kubeadm:
            key = "ha" if setup.ha else "kubeadm"
            problems.add(line_of(raw, key), f"setup: a snapshot brings its own cluster; {key} is for a new one")
        _snapshot(raw["snapshot"], line_of(raw, "snapshot"), setup, problems)
        if "nodes" in raw:
            problems.add(line_of(raw, "nodes"), "setup: nodes come from the snapshot; give one or the other")
    elif nodes != "demo":
        setup.nodes = _nodes(nodes, line_of(raw, "nodes"), problems)
    _components(raw.get("components", {}), line_of(raw, "components"), setup, problems)
    objects = raw.get("objects", [])
    if not isinstance(objects, list):
        problems.add(line_of(raw, "objects"), "setup: objects must be a list of Kubernetes objects")
    else:
        for i, obj in enumerate(objects):
            action = parse_action({"create": obj}, line_of(objects, i), problems)
            if action is not None:
                setup.objects.append(action.args["manifest"])
    if "wait_for" in raw:
        setup.wait_for = parse_condition(raw["wait_for"], line_of(raw, "wait_for"), problems,
                                         resolve=_resolver(problems))
    return setup


def _snapshot(raw: Any, line: int, setup: Setup, problems: Problems) -> None:
    """``snapshot: FILE`` (beside the scenario file): the cluster starts as the snapshot or
    real-cluster dump has it — its nodes, its objects (``docs/snapshots.md``)."""
    if not isinstance(raw, str) or not raw:
        problems.add(line, "setup: snapshot must be the path of a snapshot file, relative to this file")
        return
    path = Path(problems.path).parent / raw
    try:
        snapshot = parse_snapshot(path.read_text(), str(path))
    except OSError as exc:
        problems.add(line, f"setup: cannot read the snapshot {raw!r}: {exc.strerror or exc}")
        return
    except SnapshotError as exc:
        problems.add(line, f"setup: the snapshot {raw!r} is not valid: {exc}")
        return
    setup.snapshot = snapshot
    setup.nodes = list(snapshot.settings.nodes)


def _nodes(raw: Any, line: int, problems: Problems) -> list[NodeSpec]:
    if not isinstance(raw, list) or not raw:
        problems.add(line, "setup: nodes must be demo or a list of nodes {name, cpu, memory, labels, taints}")
        return []
    specs, names = [], set()
    for i, node in enumerate(raw):
        nline = line_of(raw, i)
        if not isinstance(node, dict) or not isinstance(node.get("name"), str):
            problems.add(nline, "a node needs a name")
            continue
        for key in node:
            if key not in NODE_KEYS:
                problems.add(line_of(node, key), f"node {node['name']}: unknown key {key!r}; expected one of "
                                                 f"{', '.join(sorted(NODE_KEYS))}")
        if is_dns1123_subdomain(node["name"]) or node["name"] in names:
            problems.add(line_of(node, "name"), f"node name {node['name']!r} must be a unique DNS-1123 subdomain")
        names.add(node["name"])
        labels = node.get("labels", {})
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            problems.add(line_of(node, "labels"), f"node {node['name']}: labels must map names to strings")
            labels = {}
        taints = node.get("taints", [])
        if not isinstance(taints, list) or not all(isinstance(t, dict) and t.get("key") and
                                                   t.get("effect") in TAINT_EFFECTS for t in taints):
            problems.add(line_of(node, "taints"), f"node {node['name']}: taints must be a list of "
                                                  f"{{key, value, effect}} with effect one of {', '.join(TAINT_EFFECTS)}")
            taints = []
        specs.append(NodeSpec.numbered(i + 1, node["name"], cpu=str(node.get("cpu", "2")),
                                       memory=str(node.get("memory", "4Gi")), pods=int(node.get("pods", 110)),
                                       zone=str(node.get("zone", "")), extra_labels=plain(labels),
                                       taints=plain(taints), images=plain(node.get("images", []))))
    return specs


def _components(raw: Any, line: int, setup: Setup, problems: Problems) -> None:
    if not isinstance(raw, dict):
        problems.add(line, "setup: components must be a mapping")
        return
    for key, value in raw.items():
        kline = line_of(raw, key)
        if key in ("scheduler", "controller-manager"):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3:
                problems.add(kline, f"components: {key} replicas must be 1, 2 or 3")
            else:
                setup.replicas[key] = value
        elif key in ("schedulers", "stopped"):
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                problems.add(kline, f"components: {key} must be a list of names")
            else:
                getattr(setup, key).extend(value)
        else:
            problems.add(kline, f"components: unknown key {key!r}; expected scheduler, controller-manager, "
                                f"schedulers, stopped")


def _steps(raw: Any, line: int, problems: Problems) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        problems.add(line, "steps must be a non-empty list")
        return []
    steps = []
    for i, item in enumerate(raw):
        sline = line_of(raw, i)
        if not isinstance(item, dict):
            problems.add(sline, f"step {i + 1} must be a mapping with title and narration")
            continue
        for key in item:
            if key not in STEP_KEYS:
                problems.add(line_of(item, key), f"step {i + 1}: unknown key {key!r}; expected one of "
                                                 f"{', '.join(sorted(STEP_KEYS))}")
        title, narration = item.get("title"), item.get("narration")
        if not isinstance(title, str) or not title.strip():
            problems.add(sline, f"step {i + 1}: title is required")
        if not isinstance(narration, str) or not narration.strip():
            problems.add(line_of(item, "narration") if "narration" in item else sline,
                         f"step {i + 1}: narration is required (what the teacher reads aloud)")
        commands = item.get("commands", [])
        if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
            problems.add(line_of(item, "commands"), f"step {i + 1}: commands must be a list of command lines")
            commands = []
        resolver = _resolver(problems)
        step = Step(str(title or "").strip(), str(narration or "").strip(), sline, [c.strip() for c in commands],
                    parse_actions(item.get("actions"), line_of(item, "actions"), problems))
        if "wait_for" in item:
            step.wait_for = parse_condition(item["wait_for"], line_of(item, "wait_for"), problems, resolve=resolver)
        step.highlight = _highlight(item.get("highlight", {}), line_of(item, "highlight"), problems)
        if "predict" in item:
            step.predict = _predict(item["predict"], line_of(item, "predict"), problems, resolver)
        if "check" in item:
            step.check = _check(item["check"], line_of(item, "check"), problems, resolver)
        steps.append(step)
    return steps


def _highlight(raw: Any, line: int, problems: Problems) -> Highlight:
    if not isinstance(raw, dict):
        problems.add(line, "highlight must be a mapping with components, stages, objects")
        return Highlight()
    out = Highlight()
    for key, value in raw.items():
        if key not in ("components", "stages", "objects"):
            problems.add(line_of(raw, key), f"highlight: unknown key {key!r}; expected components, stages, objects")
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(line_of(raw, key), f"highlight: {key} must be a list of names")
            continue
        if key == "stages":
            for stage in value:
                if stage not in STAGES:
                    problems.add(line_of(raw, key), f"highlight: unknown stage {stage!r}; expected one of "
                                                    f"{', '.join(STAGES)}")
        if key == "objects":
            for ref in value:
                parts = ref.split("/")
                if len(parts) not in (2, 3) or resolve(parts[0]) is None:
                    problems.add(line_of(raw, key), f"highlight: object {ref!r} must be RESOURCE/NAMESPACE/NAME "
                                                    f"(or RESOURCE/NAME for cluster-wide kinds)")
        setattr(out, key, list(value))
    return out


def _predict(raw: Any, line: int, problems: Problems, resolver) -> Prediction | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("question"), str) or "answer" not in raw:
        problems.add(line, "predict: needs question (text) and answer (what to read from the run)")
        return None
    for key in raw:
        if key not in ("question", "answer", "choices"):
            problems.add(line_of(raw, key), f"predict: unknown key {key!r}; expected question, answer, choices")
    choices = raw.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, (str, int)) for c in choices):
        problems.add(line_of(raw, "choices"), "predict: choices must be a list")
        choices = []
    answer = parse_condition(raw["answer"], line_of(raw, "answer"), problems, resolve=resolver, need_comparison=False)
    return None if answer is None else Prediction(raw["question"].strip(), answer, [str(c) for c in choices])


def _check(raw: Any, line: int, problems: Problems, resolver) -> Check | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("task"), str) or "condition" not in raw:
        problems.add(line, "check: needs task (what the learner must do) and condition (when it is done)")
        return None
    for key in raw:
        if key not in ("task", "condition", "solution", "hint"):
            problems.add(line_of(raw, key), f"check: unknown key {key!r}; expected task, condition, solution, hint")
    condition = parse_condition(raw["condition"], line_of(raw, "condition"), problems, resolve=resolver)
    solution = parse_actions(raw.get("solution"), line_of(raw, "solution"), problems)
    if not solution:
        problems.add(line, "check: solution is required (the actions that pass it, run in CI and the terminal)")
    hint = raw.get("hint", "")
    return None if condition is None else Check(raw["task"].strip(), condition, solution, str(hint).strip())
