"""ASGI entry point: the Kubernetes API of every cluster in front, Django for the rest."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterviz.settings")

django_application = get_asgi_application()

from clusterviz.kubeapi.asgi import KubeAPIApplication  # noqa: E402 - needs Django set up first

application = KubeAPIApplication(django_application)
