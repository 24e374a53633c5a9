"""Opening, joining and closing a class session: the state changes, each all or nothing.

Views and the ``classroom`` command only translate between the wire and these functions.
A refused join raises :class:`JoinError` with the sentence the student reads, and leaves
nothing behind: the seat (Django user and :class:`~.models.Student` row) is reserved first,
under a lock on the session so two students cannot take the last seat, and given back if
the cluster refuses one of the student's objects.
"""
from __future__ import annotations

import datetime
import re
import secrets
import unicodedata

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster
from clusterviz.clusters.topology import demo_state

from . import access
from .models import ClassSession, Student

#: Digits only: a phone's number pad, read aloud without spelling.
CODE_DIGITS = 6
NAME_MAX = 30
DEFAULT_HOURS = 8.0
#: The most students a session may take (a 2-core laptop's class; see docs/benchmarks.md).
MAX_STUDENTS = 100
#: Names the classroom's own URLs use (``/classroom/page/CLUSTER/``).
RESERVED = frozenset({"page"})
SESSION_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")


class ClassroomError(Exception):
    """A teacher's request that cannot be done (said as is)."""


class JoinError(Exception):
    """Why a student cannot join: the sentence shown on the join page."""


def new_code() -> str:
    """A code no open session uses."""
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        if not ClassSession.objects.filter(code=code, closed__isnull=True).exists():
            return code


def create_session(name: str, cluster: Cluster, *, mode: str = ClassSession.SHARED, max_students: int = 30,
                   hours: float = DEFAULT_HOURS, teacher: str = "") -> ClassSession:
    """A new open session on ``cluster`` and its read-only ClusterRole there."""
    if not SESSION_NAME.match(name or ""):
        raise ClassroomError(f"invalid session name {name!r}: lower-case letters, digits and '-', "
                             "starting and ending with a letter or digit, at most 40 characters")
    if mode not in dict(ClassSession.MODES):
        raise ClassroomError(f"invalid mode {mode!r}: shared or per-student")
    if not 1 <= max_students <= MAX_STUDENTS:
        raise ClassroomError(f"--max must be between 1 and {MAX_STUDENTS}, not {max_students}")
    if not 0 < hours <= 24 * 7:
        raise ClassroomError(f"a session lasts more than 0 and at most {24 * 7} hours, not {hours:g}")
    if name in RESERVED:
        raise ClassroomError(f"{name!r} is a name the classroom's pages use: pick another")
    if ClassSession.objects.filter(name=name).exists():
        raise ClassroomError(f'a class session named "{name}" exists already')
    access.ensure_session_role(cluster.name, teacher or "admin", name)
    return ClassSession.objects.create(name=name, cluster=cluster, mode=mode, code=new_code(),
                                       max_students=max_students, created_by=teacher,
                                       expires=timezone.now() + datetime.timedelta(hours=hours))


def open_session_for(cluster: Cluster, name: str = "class", teacher: str = "admin") -> ClassSession:
    """The cluster's open session (the newest whose code still admits), or a new one named
    ``name`` (``name-2``… when taken): what ``up --classroom`` announces."""
    session = ClassSession.objects.filter(cluster=cluster, closed__isnull=True, expires__gt=timezone.now()).first()
    if session is not None:
        return session
    candidate, n = name, 1
    while ClassSession.objects.filter(name=candidate).exists():
        n += 1
        candidate = f"{name}-{n}"
    return create_session(candidate, cluster, teacher=teacher)


def student_name(display_name: str) -> str:
    """The display name's DNS-1123 form (``Ada Lovelace`` → ``ada-lovelace``), or ``""``."""
    ascii_ = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", ascii_.lower())).strip("-")[:NAME_MAX].strip("-")


def find_open(code: str) -> ClassSession:
    """The open session with ``code``, or the reason there is none."""
    code = re.sub(r"\s+", "", code or "")
    if not code:
        raise JoinError("Type the class code your teacher shows (six digits).")
    session = ClassSession.objects.filter(code=code).select_related("cluster").order_by("-created").first()
    if session is None:
        raise JoinError(f"No class has the code {code}. Check it with your teacher.")
    if session.closed is not None:
        raise JoinError(f"The class {session.name} has ended: its code {code} no longer admits anyone.")
    if session.expires <= timezone.now():
        raise JoinError(f"The code {code} expired at {timezone.localtime(session.expires):%H:%M %Z}. "
                        "Ask your teacher for a new one.")
    return session


def join(code: str, display_name: str, rejoin_key: str = "") -> tuple[Student, bool]:
    """Join the session with ``code`` as ``display_name``: (the student, whether new). The same
    name with the browser's ``rejoin_key`` is the same student again."""
    session = find_open(code)
    display_name = " ".join((display_name or "").split())
    name = student_name(display_name)
    if not name or len(display_name) > 40:
        raise JoinError("Type your name: 1 to 40 characters, with at least one letter or digit.")
    existing = Student.objects.filter(session=session, name=name).select_related("user").first()
    if existing is not None:
        if rejoin_key and secrets.compare_digest(existing.rejoin_key, rejoin_key):
            return existing, False
        raise JoinError(f"Someone in this class already joined as “{existing.display_name}”. "
                        "Pick another name (or rejoin from the browser you joined with).")
    with transaction.atomic():
        locked = ClassSession.objects.select_for_update().get(pk=session.pk)
        joined = locked.students.count()
        if joined >= locked.max_students:
            raise JoinError(f"The class is full: {joined} of {locked.max_students} have joined. Tell your teacher.")
        user_model = get_user_model()
        username = f"{name}@{session.name}"
        if user_model.objects.filter(username=username).exists():
            raise JoinError(f"The name “{display_name}” is taken. Pick another.")
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(username=username, first_name=display_name[:150])
                student = Student.objects.create(session=session, display_name=display_name, name=name, user=user,
                                                 cluster=session.cluster, rejoin_key=secrets.token_urlsafe(32))
        except IntegrityError:
            raise JoinError(f"Someone in this class already joined as “{display_name}”. Pick another name.") from None
    try:
        _grant(session, student)
    except Exception as exc:  # noqa: BLE001 - whatever refused, the seat is given back
        cluster = student.cluster if student.cluster_id != session.cluster_id else None
        student.user.delete()  # the Student row goes with it
        if cluster is not None:
            cluster.delete()
        if isinstance(exc, access.AccessError) and "already exists" in str(exc):
            raise JoinError(f"The name “{display_name}” is taken in this cluster (namespace {student.namespace} "
                            "exists). Pick another.") from None
        raise JoinError(f"The cluster refused to set you up: {exc}. Tell your teacher.") from None
    return student, True


def _grant(session: ClassSession, student: Student) -> None:
    owner = session.mode == ClassSession.PER_STUDENT
    if owner:
        student.cluster = create_cluster(own_cluster_name(session, student), sim_state=demo_state())
        student.save(update_fields=["cluster"])
    access.grant(student.cluster.name, session.created_by or "admin", session.name, student.user.username,
                 student.namespace, owner=owner)


def own_cluster_name(session: ClassSession, student: Student) -> str:
    """A per-student cluster's name: the session's and the student's (at most 63 characters)."""
    name = f"{session.name}-{student.name}"[:63].strip("-")
    if Cluster.objects.filter(name=name).exists():
        raise access.AccessError(f'cluster "{name}" already exists')
    return name


def close(session: ClassSession, *, delete_namespaces: bool = False) -> dict:
    """End the session: every student's tokens revoked (their kubectl gets 401), their users
    unable to log in, their cluster-wide bindings removed; with ``delete_namespaces`` their
    namespaces (shared) or clusters (per-student) deleted too."""
    if session.closed is None:
        session.closed = timezone.now()
        session.save(update_fields=["closed"])
    actor = session.created_by or "admin"
    revoked = deleted = 0
    for student in session.students.select_related("user", "cluster"):
        cluster = student.cluster
        if student.user.is_active:
            student.user.is_active = False
            student.user.save(update_fields=["is_active"])
        if cluster is None:
            continue
        revoked += apiservers.revoke(cluster, [student.user.username])
        own = cluster.pk != session.cluster_id
        if own and delete_namespaces:
            cluster.delete()
            apiservers.forget(cluster.name)
            deleted += 1
            continue
        try:
            access.withdraw(cluster.name, actor, session.name, student.namespace,
                            delete_namespace=delete_namespaces)
            deleted += int(delete_namespaces)
        except (access.AccessError, apiservers.UnknownCluster):
            pass  # the cluster or its objects went another way: the tokens are what matters
    try:
        access.remove_session_role(session.cluster.name, actor, session.name)
    except access.AccessError:
        pass
    return {"session": session.name, "students": session.students.count(), "tokens_revoked": revoked,
            ("clusters_deleted" if session.mode == ClassSession.PER_STUDENT else "namespaces_deleted"): deleted}
