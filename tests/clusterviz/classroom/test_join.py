"""Joining a class: a student gets a user, a namespace with ``edit`` and the diagram's read-only
view, and every refusal (a bad, expired or closed code, a name taken, a full class) says why and
leaves nothing behind — no user, no namespace, no binding. Closing revokes the tokens."""
from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from clusterviz.classroom import access, sessions
from clusterviz.classroom.models import ClassSession, Student
from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster, user_token
from clusterviz.clusters.models import Cluster
from simulation.apiserver.request import APIRequest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def audit_written():
    yield
    for name in Cluster.objects.values_list("name", flat=True):
        apiservers.get(name).audit_sink.flush()


@pytest.fixture
def cluster() -> Cluster:
    return create_cluster("room")


@pytest.fixture
def session(cluster) -> ClassSession:
    return sessions.create_session("period-3", cluster, max_students=2, teacher="teacher")


def as_token(cluster: str, token: str, method: str, path: str, obj=None):
    return apiservers.get(cluster).handle(APIRequest(method, path, obj=obj, headers={
        "authorization": f"Bearer {token}", "accept": "application/json"}))


def namespaces(cluster: str) -> set[str]:
    answer = apiservers.get(cluster).handle(APIRequest("GET", "/api/v1/namespaces", headers={
        "authorization": f"Bearer {user_token(Cluster.objects.get(name=cluster)).token}"}))
    return {n["metadata"]["name"] for n in answer.body["items"]}


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def test_a_student_acts_in_their_namespace_and_only_reads_elsewhere(session) -> None:
    student, new = sessions.join(session.code, "Ada Lovelace")
    assert new and student.name == "ada-lovelace" and student.namespace == "student-ada-lovelace"
    assert student.user.username == "ada-lovelace@period-3" and not student.user.is_staff
    token = user_token(session.cluster, student.user.username).token
    made = as_token("room", token, "POST", "/api/v1/namespaces/student-ada-lovelace/pods", pod("mine"))
    assert made.code == 201, made.body
    refused = as_token("room", token, "POST", "/api/v1/namespaces/default/pods", pod("theirs"))
    assert refused.code == 403
    assert refused.body["message"] == ('pods is forbidden: User "ada-lovelace@period-3" cannot create resource '
                                       '"pods" in API group "" in the namespace "default"')
    # what the diagram reads, cluster-wide, and no more
    assert as_token("room", token, "GET", "/api/v1/nodes").code == 200
    assert as_token("room", token, "GET", "/api/v1/pods").code == 200
    assert as_token("room", token, "GET", "/api/v1/componentstatuses").code == 200
    assert as_token("room", token, "GET", "/api/v1/namespaces/default/secrets").code == 403


def test_rejoining_from_the_same_browser_is_the_same_student(session) -> None:
    first, _ = sessions.join(session.code, "Ada")
    again, new = sessions.join(session.code, " ada ", first.rejoin_key)
    assert again.pk == first.pk and not new
    assert Student.objects.count() == 1


@pytest.mark.parametrize("case, message", [
    ("unknown", "No class has the code 000000. Check it with your teacher."),
    ("expired", "expired at"),
    ("closed", "has ended"),
    ("taken", "Someone in this class already joined as “Ada”"),
    ("full", "The class is full: 2 of 2 have joined."),
    ("no-name", "Type your name"),
    ("namespace-exists", "namespace student-grace exists"),
], ids=lambda v: v if isinstance(v, str) and " " not in v else "")
def test_a_refused_join_says_why_and_creates_nothing(session, case, message) -> None:
    code, name = session.code, "Grace"
    if case == "unknown":
        code = "000000"
    elif case == "expired":
        ClassSession.objects.filter(pk=session.pk).update(expires=timezone.now() - datetime.timedelta(minutes=1))
    elif case == "closed":
        sessions.close(session)
    elif case == "taken":
        sessions.join(code, "Ada")
        name = "ADA"
    elif case == "full":
        sessions.join(code, "Ada")
        sessions.join(code, "Alan")
    elif case == "no-name":
        name = "  ?!  "
    elif case == "namespace-exists":
        access._create("room", "teacher", "namespaces", {"metadata": {"name": "student-grace"}})
    users, students, spaces = User.objects.count(), Student.objects.count(), namespaces("room")
    with pytest.raises(sessions.JoinError) as refused:
        sessions.join(code, name)
    assert message in str(refused.value)
    assert (User.objects.count(), Student.objects.count(), namespaces("room")) == (users, students, spaces)


def test_closing_revokes_tokens_and_may_delete_namespaces(session) -> None:
    student, _ = sessions.join(session.code, "Ada")
    token = user_token(session.cluster, student.user.username).token
    assert as_token("room", token, "GET", "/api/v1/namespaces/student-ada/pods").code == 200
    done = sessions.close(session, delete_namespaces=True)
    assert done["tokens_revoked"] == 1 and done["namespaces_deleted"] == 1
    assert as_token("room", token, "GET", "/api/v1/namespaces/student-ada/pods").code == 401
    student.user.refresh_from_db()
    assert not student.user.is_active
    assert not access.exists("room", "teacher", "clusterroles", access.session_role_name("period-3"))


def test_session_names_and_sizes_are_checked(cluster) -> None:
    with pytest.raises(sessions.ClassroomError, match="invalid session name"):
        sessions.create_session("Period 3", cluster)
    with pytest.raises(sessions.ClassroomError, match="--max must be between 1 and"):
        sessions.create_session("big", cluster, max_students=1000)
    sessions.create_session("p3", cluster)
    with pytest.raises(sessions.ClassroomError, match="exists already"):
        sessions.create_session("p3", cluster)
