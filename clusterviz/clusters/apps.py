from django.apps import AppConfig


class ClustersConfig(AppConfig):
    """Simulated clusters and everything stored in them (the etcd side of the picture)."""

    name = "clusterviz.clusters"
    label = "clusters"
