from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    """Class sessions: join codes, students as users with a namespace and a kubeconfig each,
    following the teacher's lesson, predictions, exercises and the teacher's roster."""

    name = "clusterviz.classroom"
    label = "classroom"
