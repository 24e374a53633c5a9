"""What the teacher does, told to every page of the class at once.

The cluster page's websocket forwards whatever its cluster's channel-layer group carries
(``viz.consumers``), so the classroom publishes to groups, never to a viewer: one send per
cluster whatever the number of pages (:func:`clusterviz.clusters.audit.publish`). A shared
session is one cluster, hence one group; in per-student mode each student's cluster has its
own group, and the teacher's action goes to each (one send per student per action, never
per frame). Messages:

* ``classroom.follow`` — the teacher's Back/Next through past steps (``viewing``: a step
  index or null for the present), which followers time-travel to;
* ``classroom.answers`` — the tally of a prediction, after each answer;
* ``classroom.question`` — an ad hoc question the teacher asks (or clears, or reveals);
* ``classroom.broadcast`` — a line the teacher tells everyone ("stop your scheduler now");
* ``lesson.state`` (:mod:`clusterviz.sim.lesson_views`) — the lesson's step, judged.
"""
from __future__ import annotations

from clusterviz.clusters.audit import publish

from .models import ClassSession


def clusters_of(session: ClassSession) -> list[str]:
    """Every cluster whose pages belong to the session: its own and the students' own."""
    names = [session.cluster.name]
    for name in session.students.exclude(cluster=None).values_list("cluster__name", flat=True).distinct():
        if name not in names:
            names.append(name)
    return names


def tell(session: ClassSession, message: dict, *, teacher_only: bool = False) -> None:
    """Send ``message`` (with the session's name) to every page of the session."""
    message = {**message, "session": session.name}
    for name in [session.cluster.name] if teacher_only else clusters_of(session):
        publish(name, message)


def student_clusters(cluster: str) -> list[str]:
    """The students' own clusters of the open per-student classes taught on ``cluster``: their
    pages are told of the teacher's lesson too."""
    sessions = ClassSession.objects.filter(cluster__name=cluster, mode=ClassSession.PER_STUDENT,
                                           closed__isnull=True)
    return [name for session in sessions for name in clusters_of(session) if name != cluster]
