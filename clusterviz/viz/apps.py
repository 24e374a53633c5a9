from django.apps import AppConfig


class VizConfig(AppConfig):
    """The cluster page: the live architecture diagram, its websocket stream and inspectors."""

    name = "clusterviz.viz"
    label = "viz"

