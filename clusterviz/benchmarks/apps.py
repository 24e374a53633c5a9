from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """``manage.py bench``: the project's speed and memory benchmarks. An app of its own at the
    top of the stack because a benchmark may drive any other app (``ws`` drives the cluster
    page's consumer), while the apps below never import it."""

    name = "clusterviz.benchmarks"
    label = "benchmarks"
