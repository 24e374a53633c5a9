from django.apps import AppConfig


class KubeAPIConfig(AppConfig):
    """The Kubernetes REST API of each cluster, served over HTTP and HTTPS."""

    name = "clusterviz.kubeapi"
    label = "kubeapi"
