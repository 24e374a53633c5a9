"""The classroom's pages and the JSON the cluster page's ``classroom.js`` uses.

Teachers (Django staff) open and close sessions and read the roster; students join with the
code and a name, download their kubeconfig, answer predictions and say their page is open.
Every state change is a function of :mod:`.sessions`; these views only translate.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
import yaml
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusterviz import tls
from clusterviz.clusters.management.commands.kubeconfig import (
    kubeconfig as make_kubeconfig,
)

from clusterviz.sim import lesson_views

from . import follow, lan, roster, sessions
from .forms import JoinForm, SessionForm
from .models import Answer, ClassSession, Student

REJOIN_COOKIE = "clusterviz-rejoin-{session}"
#: What a teacher's page may tell its class to open in the inspector (the page's own names).
INSPECTABLE = re.compile(r"^(object|pod|node|component|stage|apiserver|etcd|clients)(:[^\s]{1,300})?$")
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _json_error(message: str, code: int = 400) -> JsonResponse:
    return JsonResponse({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message,
                         "code": code}, status=code)


def _body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# ------------------------------------------------------------------ teachers
@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, initial={"cluster": "demo"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = sessions.create_session(data["name"], data["cluster"], mode=data["mode"],
                                              max_students=data["max_students"], hours=data["hours"],
                                              teacher=request.user.get_username())
        except sessions.ClassroomError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("classroom-session", name=session.name)
    return render(request, "classroom/index.html", {
        "form": form, "sessions": ClassSession.objects.select_related("cluster")[:50]},
        status=400 if form.errors else 200)


def qr_svg(url: str) -> str:
    """The join URL as an inline SVG QR code (a phone's camera opens it)."""
    return segno.make(url, error="m").svg_inline(scale=8, border=2)


@staff_member_required
def session_page(request: HttpRequest, name: str) -> HttpResponse:
    session = get_object_or_404(ClassSession.objects.select_related("cluster"), name=name)
    join = lan.join_url(session.code)
    return render(request, "classroom/session.html", {
        "session": session, "join_url": join, "join_base": lan.join_url(), "qr": qr_svg(join),
        "https": settings.CLUSTERVIZ_HTTPS_ONLY, "heartbeat": roster.HEARTBEAT_SECONDS})


@staff_member_required
def roster_json(request: HttpRequest, name: str) -> JsonResponse:
    return JsonResponse(roster.rows(get_object_or_404(ClassSession, name=name)))


@staff_member_required
def roster_csv(request: HttpRequest, name: str) -> HttpResponse:
    session = get_object_or_404(ClassSession, name=name)
    response = HttpResponse(roster.as_csv(roster.rows(session)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{session.name}-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


@staff_member_required
@require_POST
def close(request: HttpRequest, name: str) -> HttpResponse:
    session = get_object_or_404(ClassSession, name=name)
    done = sessions.close(session, delete_namespaces=bool(request.POST.get("delete")))
    follow.tell(session, {"type": "classroom.closed"})
    messages.success(request, f"Class {session.name} closed: {done['tokens_revoked']} tokens revoked"
                     + (f", {done.get('namespaces_deleted', done.get('clusters_deleted'))} deleted"
                        if request.POST.get("delete") else "") + ".")
    return redirect("classroom-session", name=session.name)


def _teacher_json(view: Callable[[HttpRequest, ClassSession, dict], Any]) -> Callable:
    @wraps(view)
    @require_POST
    def wrapped(request: HttpRequest, name: str) -> JsonResponse:
        if not (request.user.is_authenticated and request.user.is_staff):
            return _json_error("only the teacher (staff) may do this", 403)
        session = get_object_or_404(ClassSession, name=name)
        if not session.is_open:
            return _json_error(f"the class {session.name} has ended", 409)
        return JsonResponse(view(request, session, _body(request)))
    return wrapped


@_teacher_json
def ask(request: HttpRequest, session: ClassSession, body: dict) -> dict:
    """An ad hoc question (``{"question", "choices"}``), its answer revealed (``{"reveal"}``), or
    none any more (``{}``)."""
    if body.get("reveal"):
        session.question = {**session.question, "answer": str(body["reveal"])}
    elif body.get("question"):
        choices = [str(c).strip() for c in body.get("choices") or [] if str(c).strip()][:8]
        number = int((session.question or {}).get("number", 0)) + 1
        session.question = {"id": f"ask:{number}", "number": number, "question": str(body["question"])[:300],
                            "choices": choices}
    else:
        session.question = {}
    session.save(update_fields=["question"])
    follow.tell(session, {"type": "classroom.question", "question": session.question or None})
    return {"question": session.question or None}


@_teacher_json
def broadcast(request: HttpRequest, session: ClassSession, body: dict) -> dict:
    text = str(body.get("text", "")).strip()[:300]
    follow.tell(session, {"type": "classroom.broadcast", "text": text, "from": request.user.get_username()})
    return {"sent": text}


@_teacher_json
def follow_teacher(request: HttpRequest, session: ClassSession, body: dict) -> dict:
    """The teacher looks back at step ``viewing`` (or returns to the present: null), reveals
    the answer of a lesson step's prediction (``{"reveal": "SCENARIO:STEP"}``), opens an object
    in the inspector (``{"inspect": "pod:default/web-1"}``) or travels to a revision
    (``{"revision": N}``, 0 for live): the class's following pages do the same."""
    reveal = body.get("reveal")
    if isinstance(reveal, str) and reveal and reveal not in session.revealed:
        session.revealed = [*session.revealed, reveal[:120]]
        session.save(update_fields=["revealed"])
    viewing = body.get("viewing")
    viewing = int(viewing) if isinstance(viewing, int) and viewing >= 0 else None
    message = {"type": "classroom.follow", "revealed": session.revealed}
    if "viewing" in body:
        message["viewing"] = viewing
    inspect = body.get("inspect")
    if isinstance(inspect, str) and INSPECTABLE.match(inspect):
        message["inspect"] = inspect
    revision = body.get("revision")
    if isinstance(revision, int) and not isinstance(revision, bool) and revision >= 0:
        message["revision"] = revision
    follow.tell(session, message)
    return message


# ------------------------------------------------------------------ students
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    """The join form: the code (from the URL the QR code opens, or typed) and a name."""
    form = JoinForm(request.POST or None, initial={"code": code})
    if request.method == "POST" and form.is_valid():
        try:
            session = sessions.find_open(form.cleaned_data["code"])
            key = request.COOKIES.get(REJOIN_COOKIE.format(session=session.name), "")
            student, _ = sessions.join(form.cleaned_data["code"], form.cleaned_data["name"], key)
        except sessions.JoinError as exc:
            form.add_error(None, str(exc))
        else:
            login(request, student.user, backend=BACKEND)
            response = redirect("classroom-me", name=student.session.name)
            response.set_cookie(REJOIN_COOKIE.format(session=student.session.name), student.rejoin_key,
                                expires=student.session.expires, httponly=True, samesite="Lax",
                                secure=settings.CLUSTERVIZ_HTTPS_ONLY)
            return response
    return render(request, "classroom/join.html", {"form": form, "https": settings.CLUSTERVIZ_HTTPS_ONLY},
                  status=400 if form.errors else 200)


def _student(request: HttpRequest, name: str) -> Student:
    student = getattr(request.user, "student", None)
    if student is None or student.session.name != name:
        from django.http import Http404
        raise Http404("you are not a student of this class")
    return student


@login_required
def me(request: HttpRequest, name: str) -> HttpResponse:
    student = _student(request, name)
    return render(request, "classroom/me.html", {
        "student": student, "session": student.session, "file": f"{student.name}.kubeconfig",
        "https": settings.CLUSTERVIZ_HTTPS_ONLY})


@login_required
def student_kubeconfig(request: HttpRequest, name: str) -> HttpResponse:
    student = _student(request, name)
    if not student.session.is_open or student.cluster is None:
        return HttpResponse("the class has ended", status=410, content_type="text/plain")
    config = make_kubeconfig(student.cluster, student.user.username, namespace=student.namespace)
    response = HttpResponse(yaml.safe_dump(config, sort_keys=False), content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{student.name}.kubeconfig"'
    return response


def ca_certificate(request: HttpRequest) -> FileResponse:
    """The cluster CA, for browsers (and ``kubectl --certificate-authority``) to trust."""
    certs = tls.ensure_certificates(settings.DATA_DIR / "pki", tls.default_hosts(settings.CLUSTERVIZ_PUBLIC_HOST))
    return FileResponse(open(certs.ca_cert, "rb"), as_attachment=True, filename="clusterviz-ca.crt",
                        content_type="application/x-x509-ca-cert")


def _student_json(view: Callable[[HttpRequest, Student, dict], Any]) -> Callable:
    @wraps(view)
    @require_POST
    def wrapped(request: HttpRequest, name: str) -> JsonResponse:
        student = getattr(request.user, "student", None) if request.user.is_authenticated else None
        if student is None or student.session.name != name:
            return _json_error("only a student of this class may do this", 403)
        if not student.session.is_open:
            return _json_error(f"the class {name} has ended", 409)
        return JsonResponse(view(request, student, _body(request)))
    return wrapped


@_student_json
def answer(request: HttpRequest, student: Student, body: dict) -> dict:
    question, choice = str(body.get("question", ""))[:160], str(body.get("choice", ""))[:200]
    if not question or not choice:
        return {"error": "question and choice are required"}
    Answer.objects.update_or_create(student=student, question=question, defaults={"choice": choice})
    tally = roster.tally(student.session, question)
    follow.tell(student.session, {"type": "classroom.answers", **tally}, teacher_only=True)
    return {"question": question, "choice": choice}


@_student_json
def here(request: HttpRequest, student: Student, body: dict) -> dict:
    Student.objects.filter(pk=student.pk).update(last_seen=timezone.now())
    return {"heartbeat_seconds": roster.HEARTBEAT_SECONDS}


# ------------------------------------------------------------------ the cluster page
@login_required
def page_context(request: HttpRequest, cluster: str) -> JsonResponse:
    """What ``classroom.js`` needs on a cluster's page: whether its user teaches or follows a
    class there, and where the class stands (the ad hoc question, the tallies, own answers)."""
    student = getattr(request.user, "student", None)
    if student is not None and student.session.is_open and cluster in (student.session.cluster.name,
                                                                        getattr(student.cluster, "name", "")):
        session = student.session
        return JsonResponse({
            "role": "student", "session": session.name, "mode": session.mode, "namespace": student.namespace,
            "display_name": student.display_name, "question": session.question or None,
            "revealed": session.revealed,
            "answers": dict(student.answers.values_list("question", "choice")),
            "own_cluster": session.mode == ClassSession.PER_STUDENT,
            # a student on a cluster of their own follows the lesson told on the teacher's
            "lesson": lesson_views.last_published(session.cluster.name)
            if session.mode == ClassSession.PER_STUDENT else None,
            "heartbeat_seconds": roster.HEARTBEAT_SECONDS, "me": f"/classroom/{session.name}/me/"})
    if request.user.is_staff:
        session = ClassSession.objects.filter(cluster__name=cluster, closed__isnull=True,
                                              expires__gt=timezone.now()).first()
        if session is not None:
            questions = set(Answer.objects.filter(student__session=session).values_list("question", flat=True))
            return JsonResponse({
                "role": "teacher", "session": session.name, "mode": session.mode, "code": session.code,
                "question": session.question or None, "students": session.students.count(),
                "revealed": session.revealed,
                "tallies": {q: roster.tally(session, q) for q in questions},
                "roster": f"/classroom/{session.name}/"})
    return JsonResponse({"role": None})
