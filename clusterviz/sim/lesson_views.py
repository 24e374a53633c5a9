"""The Lessons panel's JSON API under ``/clusters/NAME/sim/lesson…`` (:mod:`.lessons`).

Authorized as the control API is (non-resource ``/sim/…`` paths on the cluster's own
authorizers): reading where a lesson stands is a ``get``, moving it a ``post``. Making a new
lesson cluster is the site's business, not one cluster's: staff only, like the home page's
new-cluster form. Errors are Kubernetes ``Status`` objects, a lesson's own refusals 409
Conflict with the runner's words (``setup failed: …``).

Every page of the cluster follows the lesson without asking: each change (a step run, Next,
Back, the end, and — as the teacher's page reads it every second — a wait or an answer
turning) is published once to the cluster's group as ``lesson.state``, which every page's
websocket carries. A class of thirty costs one message per change, not thirty polls.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from clusterviz.clusters import apiservers, audit, pageagent
from clusterviz.clusters.models import Cluster
from simulation.apimachinery.wellknown import SYSTEM_MASTERS
from simulation.apiserver import errors
from simulation.apiserver.errors import StatusError
from simulation.apiserver.request import UserInfo
from simulation.cluster import SimulationError

from . import lessons
from .models import LessonRun
from .views import authorized, body_of, dispatch


def _answer(handler: Callable[..., Any], method: str) -> Callable:
    @csrf_exempt
    def view(request: HttpRequest, cluster: str) -> JsonResponse:
        try:
            user = authorized(request, cluster, method)
            record = Cluster.objects.get(name=cluster)
            result, code = handler(request, record, user)
            return JsonResponse(result, status=code, safe=False)
        except StatusError as exc:
            return JsonResponse(exc.status(), status=exc.code)
        except (lessons.LessonError, SimulationError) as exc:
            refused = StatusError(409, "Conflict", str(exc), {})
            return JsonResponse(refused.status(), status=refused.code)
    return view


#: The message every page of a cluster receives when its lesson changes.
LESSON_STATE = "lesson.state"
_published: dict[str, str] = {}
_published_lock = threading.Lock()


#: Who else follows a cluster's lesson: each function names the clusters whose pages are told
#: of it too (a class whose students each have a cluster of their own; ``classroom`` registers).
followers: list[Callable[[str], list[str]]] = []


def publish(cluster: str, lesson: dict | None) -> None:
    """Tell every page of ``cluster`` — and of the clusters following it — where its lesson
    stands (unless that is what they heard last)."""
    text = json.dumps(lesson, sort_keys=True)
    with _published_lock:
        if _published.get(cluster) == text:
            return
        _published[cluster] = text
    message = {"type": LESSON_STATE, "lesson": lesson, "cluster": cluster}
    audit.publish(cluster, message)
    for names in followers:
        for name in names(cluster):
            audit.publish(name, message)


def last_published(cluster: str) -> dict | None:
    """The lesson state last told to ``cluster``'s pages (a page joining a class late starts there)."""
    with _published_lock:
        text = _published.get(cluster)
    return json.loads(text) if text else None


def _revision(cluster: Cluster) -> Callable[[], int]:
    return lambda: apiservers.get(cluster.name).current_revision()


def _run(cluster: Cluster) -> LessonRun:
    run = LessonRun.objects.filter(cluster=cluster).first()
    if run is None:
        raise errors.not_found("lessons", "", cluster.name)
    return run


def _status(request: HttpRequest, run: LessonRun, user: UserInfo) -> dict:
    page_id = request.headers.get(pageagent.PAGE_HEADER, "")
    return lessons.status(run, user, dispatch, page_id)


def _catalogue(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
    return {"lessons": lessons.catalogue()}, 200


def _new_cluster(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise errors.forbidden("only staff may make a new cluster for a lesson (a teacher's account)")
    made = lessons.new_lesson_cluster(str(body_of(request).get("scenario", "")))
    return {"cluster": made.name, "url": f"/clusters/{made.name}/#lesson"}, 201


def _show(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
    status = _status(request, _run(cluster), user)
    if SYSTEM_MASTERS in user.all_groups:  # the teacher's view is the class's; a student's reads are theirs
        publish(cluster.name, status)
    return status, 200


def _start(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
    run = lessons.start(cluster, str(body_of(request).get("scenario", "")), user, dispatch, _revision(cluster))
    status = _status(request, run, user)
    publish(cluster.name, status)
    return status, 201


def _run_step(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
    run = _run(cluster)
    outputs = lessons.run_step(run, user, dispatch)
    status = _status(request, run, user)
    publish(cluster.name, status)
    return {"outputs": outputs, **status}, 200


def _mover(by: int) -> Callable[..., tuple[Any, int]]:
    def move(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
        run = lessons.move(_run(cluster), by, _revision(cluster))
        status = _status(request, run, user)
        publish(cluster.name, status)
        return status, 200
    return move


def _stop(request: HttpRequest, cluster: Cluster, user: UserInfo) -> tuple[Any, int]:
    lessons.stop(cluster)
    publish(cluster.name, None)
    return {"stopped": True}, 200


catalogue = _answer(_catalogue, "GET")
new_cluster = _answer(_new_cluster, "POST")
show = _answer(_show, "GET")
start = _answer(_start, "POST")
run_step = _answer(_run_step, "POST")
next_step = _answer(_mover(1), "POST")
previous_step = _answer(_mover(-1), "POST")
stop = _answer(_stop, "POST")
