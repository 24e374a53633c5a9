from django.apps import AppConfig


class KubeAPIConfig(AppConfig):
    """The Kubernetes REST API of each cluster over HTTP and HTTPS (an ASGI application in
    front of Django, see ``clusterviz.kubeapi.asgi``)."""

    name = "clusterviz.kubeapi"
    label = "kubeapi"
