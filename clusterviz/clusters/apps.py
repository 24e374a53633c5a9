from django.apps import AppConfig


class ClustersConfig(AppConfig):
    """Simulated clusters and everything stored in them (the etcd side of the picture)."""

    name = "clusterviz.clusters"
    label = "clusters"

    def ready(self) -> None:
        from . import store, wakeups

        if wakeups.revision_noted not in store.on_revision_noted:
            store.on_revision_noted.append(wakeups.revision_noted)
