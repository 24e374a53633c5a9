from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The browser side: pages that show the clusters (the animated diagram grows here)."""

    name = "clusterviz.dashboard"
    label = "dashboard"
