"""The teacher's roster: who joined, who is online, what each did last, their pods by phase,
the lesson's exercises each passed and their answers to the predictions — and the same as CSV.

Computed when the teacher's session page asks (every few seconds, one viewer): a handful of
lists per cluster (:mod:`.checks`) and one audit query per cluster, whatever the class size.
An exercise that passed stays passed (saved on the student), so it is judged until it holds.
"""
from __future__ import annotations

import csv
import datetime
import io
from collections import Counter, defaultdict
from typing import Any

from django.utils import timezone

from clusterviz.clusters.models import AuditRecord
from clusterviz.sim.models import LessonRun
from simulation import scenarios
from simulation.scenarios.model import Scenario

from .checks import ClusterReads, judge
from .models import Answer, ClassSession, Student

#: A page that said it was open within this long counts as online now.
ONLINE_SECONDS = 60
#: The page says so this often (``static/viz/classroom.js``).
HEARTBEAT_SECONDS = 20
READ_VERBS = ("get", "list", "watch")
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")


def lesson_of(session: ClassSession) -> tuple[LessonRun | None, Scenario | None]:
    run = LessonRun.objects.filter(cluster=session.cluster).first()
    if run is None:
        return None, None
    return run, next((s for s in scenarios.shipped() if s.id == run.scenario), None)


def exercises(run: LessonRun | None, scenario: Scenario | None) -> list[dict]:
    """The lesson's exercises shown so far: ``{"key", "step", "task", "condition"}``."""
    if run is None or scenario is None:
        return []
    return [{"key": f"{scenario.id}:{i}", "step": i + 1, "task": step.check.task, "condition": step.check.condition}
            for i, step in enumerate(scenario.steps[:run.position + 1]) if step.check is not None]


def _last_actions(students: list[Student]) -> dict[str, dict]:
    """Each student's newest write (kubectl's or their page's), one query per cluster."""
    by_cluster: dict[int, list[str]] = defaultdict(list)
    for s in students:
        if s.cluster_id is not None:
            by_cluster[s.cluster_id].append(s.user.username)
    last: dict[str, dict] = {}
    for cluster_id, users in by_cluster.items():
        for r in (AuditRecord.objects.filter(cluster_id=cluster_id, user__in=users).exclude(verb__in=READ_VERBS)
                  .order_by("-id").only("user", "verb", "resource", "namespace", "name", "code", "created")[:2000]):
            if r.user not in last:
                what = f"{r.verb} {r.resource}{'/' + r.name if r.name else ''}"
                last[r.user] = {"action": what, "code": r.code, "at": r.created.isoformat()}
            if len(last) >= len(users):
                break
    return last


def rows(session: ClassSession) -> dict[str, Any]:
    """The roster as JSON: the session, the lesson's exercises and a row per student."""
    students = list(session.students.select_related("user", "cluster"))
    run, scenario = lesson_of(session)
    shown = exercises(run, scenario)
    reads: dict[str, ClusterReads] = {}
    last = _last_actions(students)
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for s in students:
        for a in s.answers.all():
            answers[s.pk][a.question] = a.choice
    now = timezone.now()
    out = []
    for s in students:
        row: dict[str, Any] = {
            "name": s.name, "display_name": s.display_name, "user": s.user.username, "namespace": s.namespace,
            "cluster": s.cluster.name if s.cluster else None, "joined": s.joined.isoformat(),
            "online": bool(s.last_seen and now - s.last_seen <= datetime.timedelta(seconds=ONLINE_SECONDS)
                           and s.user.is_active),
            "last_seen": s.last_seen.isoformat() if s.last_seen else None,
            "last_action": last.get(s.user.username), "pods": {}, "exercises": {}, "answers": answers[s.pk]}
        if s.cluster is not None and session.is_open:
            cluster_reads = reads.setdefault(s.cluster.name, ClusterReads(s.cluster.name))
            try:
                pods = cluster_reads.api.list("pods", s.namespace)
            except Exception as exc:  # noqa: BLE001 - a cluster gone or refusing: say so in the row
                row["error"] = str(exc)
                pods = []
            row["pods"] = dict(Counter((p.get("status") or {}).get("phase") or "Pending" for p in pods))
            passed = dict(s.exercises)
            for exercise in shown:
                if exercise["key"] in passed or "error" in row:
                    continue
                holds, _ = judge(exercise["condition"], cluster_reads, s.namespace)
                if holds:
                    passed[exercise["key"]] = now.isoformat()
            if passed != s.exercises:
                s.exercises = passed
                s.save(update_fields=["exercises"])
        row["exercises"] = {e["key"]: e["key"] in s.exercises for e in shown}
        out.append(row)
    return {
        "session": {"name": session.name, "cluster": session.cluster.name, "mode": session.mode, "code": session.code,
                    "open": session.is_open, "max_students": session.max_students,
                    "expires": session.expires.isoformat()},
        "lesson": {"scenario": run.scenario, "position": run.position} if run else None,
        "exercises": [{"key": e["key"], "step": e["step"], "task": e["task"]} for e in shown],
        "question": session.question or None,
        "students": out,
        "online": sum(1 for r in out if r["online"]),
    }


def as_csv(roster: dict[str, Any]) -> str:
    """The roster as one CSV row per student (what a teacher keeps after class)."""
    questions = sorted({q for r in roster["students"] for q in r["answers"]})
    keys = [e["key"] for e in roster["exercises"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "display name", "user", "namespace", "cluster", "joined", "online", "last seen",
                     "last action", "last action code", *[f"pods {p}" for p in PHASES],
                     *[f"exercise {k}" for k in keys], *[f"answer {q}" for q in questions]])
    for r in roster["students"]:
        action = r["last_action"] or {}
        writer.writerow([r["name"], r["display_name"], r["user"], r["namespace"], r["cluster"] or "", r["joined"],
                         "yes" if r["online"] else "no", r["last_seen"] or "", action.get("action", ""),
                         action.get("code", ""), *[r["pods"].get(p, 0) for p in PHASES],
                         *["passed" if r["exercises"].get(k) else "" for k in keys],
                         *[r["answers"].get(q, "") for q in questions]])
    return out.getvalue()


def tally(session: ClassSession, question: str) -> dict[str, Any]:
    """How the class answered ``question`` so far: counts by choice."""
    counts = Counter(Answer.objects.filter(student__session=session, question=question)
                     .values_list("choice", flat=True))
    return {"question": question, "counts": dict(counts), "answered": sum(counts.values()),
            "students": session.students.count()}
