"""A class session and its students.

A session belongs to the cluster the teacher drives (the shared cluster, or in per-student
mode the one the teacher demonstrates on). Each student is a Django user of their own, acting
in the cluster through RBAC like any other user (:mod:`.access`), in a namespace of their own
(``student-NAME``) and, in per-student mode, in a cluster of their own.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from clusterviz.clusters.models import Cluster


class ClassSession(models.Model):
    """One class: a join code, a mode and a size; open until the teacher closes it or it expires."""

    SHARED = "shared"
    PER_STUDENT = "per-student"
    MODES = [(SHARED, "one shared cluster, a namespace each"), (PER_STUDENT, "a cluster per student")]

    name = models.SlugField(max_length=40, unique=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="class_sessions")
    mode = models.CharField(max_length=16, choices=MODES, default=SHARED)
    #: What students type to join: short digits, unique among the sessions that are open.
    code = models.CharField(max_length=12, db_index=True)
    max_students = models.PositiveIntegerField(default=30)
    created_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    #: After this the code no longer admits anyone (students already in stay).
    expires = models.DateTimeField()
    closed = models.DateTimeField(null=True, blank=True)
    #: The question the teacher asked ad hoc (``{"id", "question", "choices", "answer"}``), or {}.
    question = models.JSONField(default=dict, blank=True)
    #: The lesson predictions whose answer the teacher revealed (``SCENARIO:STEP``): until then the
    #: class's pages hide the answer, so nobody's choice is made for them by a fast cluster.
    revealed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} on {self.cluster.name}"

    @property
    def is_open(self) -> bool:
        return self.closed is None


class Student(models.Model):
    """Someone who joined with the code and a display name; ``name`` is its DNS-1123 form."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="students")
    display_name = models.CharField(max_length=40)
    name = models.SlugField(max_length=40)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student")
    #: The cluster the student acts in: the session's, or their own in per-student mode.
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, related_name="students")
    #: A secret kept in the browser that joined, so it (and only it) can rejoin under the name.
    rejoin_key = models.CharField(max_length=64)
    joined = models.DateTimeField(auto_now_add=True)
    #: When the student's page last said it was open (online now).
    last_seen = models.DateTimeField(null=True, blank=True)
    #: Exercise checks that passed in the student's namespace: ``{"SCENARIO:STEP": "iso time"}``.
    exercises = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["joined"]
        constraints = [models.UniqueConstraint(fields=["session", "name"], name="classroom_student_name")]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.session.name}"

    @property
    def namespace(self) -> str:
        return f"student-{self.name}"


class Answer(models.Model):
    """A student's answer to a prediction: a lesson step's (``lesson:SCENARIO:STEP``) or an ad
    hoc question's (``ask:N``)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=160)
    choice = models.CharField(max_length=200)
    answered = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["answered"]
        constraints = [models.UniqueConstraint(fields=["student", "question"], name="classroom_answer_once")]
