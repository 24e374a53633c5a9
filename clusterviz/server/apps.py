from django.apps import AppConfig


class ServerConfig(AppConfig):
    """``manage.py up``: one process serving every app (``clusterviz.asgi``) and hosting the
    simulation kernels. It sits on top of the other apps so that they never import each
    other to start: ``clusters`` knows nothing of ``sim``, ``viz`` or ``kubeapi``."""

    name = "clusterviz.server"
    label = "server"
