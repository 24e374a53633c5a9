"""ASGI entry point: HTTP (the Kubernetes API, pages) and, later, websockets."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterviz.settings")

application = get_asgi_application()
