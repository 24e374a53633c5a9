from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    """Class sessions: join codes, students as users with a namespace and a kubeconfig each,
    following the teacher's lesson, predictions, exercises and the teacher's roster."""

    name = "clusterviz.classroom"
    label = "classroom"

    def ready(self) -> None:
        from clusterviz.sim import lesson_views

        from .follow import student_clusters

        # in a class where each student has a cluster, their pages follow the teacher's lesson
        lesson_views.followers.append(student_clusters)
