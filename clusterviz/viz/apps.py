from django.apps import AppConfig


class VizConfig(AppConfig):
    """The cluster page: the live architecture diagram, its websocket stream and inspectors."""

    name = "clusterviz.viz"
    label = "viz"

    def ready(self) -> None:
        from clusterviz.clusters import store

        from . import wakeups

        if wakeups.revision_noted not in store.on_revision_noted:
            store.on_revision_noted.append(wakeups.revision_noted)
