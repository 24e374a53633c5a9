"""The classroom's pages over HTTP: the join form refuses with the reason and a 400, a browser
that joined rejoins under its name, the kubeconfig starts in the student's namespace, and only
staff see a roster or act for the teacher."""
from __future__ import annotations

import csv
import io

import pytest
import yaml
from django.contrib.auth.models import User

from clusterviz.classroom import sessions
from clusterviz.classroom.models import Student
from clusterviz.clusters import apiservers
from clusterviz.clusters.bootstrap import create_cluster
from clusterviz.clusters.models import Cluster

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def audit_written():
    yield
    for name in Cluster.objects.values_list("name", flat=True):
        apiservers.get(name).audit_sink.flush()


@pytest.fixture
def session():
    return sessions.create_session("period-3", create_cluster("room"), teacher="teacher")


def join(client, code: str, name: str):
    return client.post("/join/", {"code": code, "name": name})


def test_joining_leads_to_the_students_page_and_kubeconfig(client, session) -> None:
    answer = join(client, session.code, "Ada")
    assert answer.status_code == 302 and answer["Location"] == "/classroom/period-3/me/"
    page = client.get("/classroom/period-3/me/")
    assert b"student-ada" in page.content and b"Download your kubeconfig" in page.content
    config = yaml.safe_load(client.get("/classroom/period-3/kubeconfig").content)
    assert config["contexts"][0]["context"]["namespace"] == "student-ada"
    assert config["users"][0]["name"] == "ada@period-3@room"
    assert config["clusters"][0]["cluster"]["server"].endswith("/clusters/room")


def test_the_same_browser_rejoins_and_another_is_refused(client, session) -> None:
    join(client, session.code, "Ada")
    kept = client.cookies["clusterviz-rejoin-period-3"].value
    client.logout()  # the test client drops every cookie; a browser keeps the rejoin one
    client.cookies["clusterviz-rejoin-period-3"] = kept
    assert join(client, session.code, "ada").status_code == 302  # the cookie names her
    other = type(client)()
    refused = join(other, session.code, "Ada")
    assert refused.status_code == 400
    assert "already joined as “Ada”" in refused.content.decode()
    assert Student.objects.count() == 1


def test_a_bad_code_is_refused_on_the_form(client, session) -> None:
    refused = join(client, "999999" if session.code != "999999" else "999998", "Ada")
    assert refused.status_code == 400 and "No class has the code" in refused.content.decode()
    assert not User.objects.exists() and not Student.objects.exists()


def test_only_staff_read_the_roster_or_act_for_the_teacher(client, session) -> None:
    join(client, session.code, "Ada")
    assert client.get("/classroom/period-3/roster.json").status_code == 302  # to the admin's login
    assert client.post("/classroom/period-3/follow", {}, content_type="application/json").status_code == 403
    answered = client.post("/classroom/period-3/answer", {"question": "ask:1", "choice": "node-1"},
                           content_type="application/json")
    assert answered.status_code == 200
    teacher = User.objects.create_user("teacher", password="pw-long-enough", is_staff=True)
    client.force_login(teacher)
    roster = client.get("/classroom/period-3/roster.json").json()
    assert [r["display_name"] for r in roster["students"]] == ["Ada"]
    assert roster["students"][0]["answers"] == {"ask:1": "node-1"}
    rows = list(csv.DictReader(io.StringIO(client.get("/classroom/period-3/roster.csv").content.decode())))
    assert rows[0]["namespace"] == "student-ada" and rows[0]["answer ask:1"] == "node-1"
    context = client.get("/classroom/page/room/").json()
    assert context["role"] == "teacher" and context["code"] == session.code
