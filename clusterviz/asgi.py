"""ASGI entry point: the Kubernetes API of every cluster in front, Django for the rest;
websockets (the cluster page's live stream) go to the Channels consumers.

Static files (plain ES modules, SVG and CSS from ``static/``) are served by Django's
static-files handler, so one ``manage.py up`` needs no separate web server.
"""
import os

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterviz.settings")

django_application = ASGIStaticFilesHandler(get_asgi_application())

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up first
from channels.routing import ProtocolTypeRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from clusterviz.clusters import collector, revisionbus  # noqa: E402
from clusterviz.kubeapi.asgi import KubeAPIApplication  # noqa: E402
from clusterviz.kubeapi.streaming import ExecWebSocket  # noqa: E402
from clusterviz.viz.routing import WebsocketRouter  # noqa: E402

# Several processes (REDIS_URL): hear each other's commits, so watches wake at once.
revisionbus.install(subscribe=True)

application = ProtocolTypeRouter({
    "http": KubeAPIApplication(django_application),
    # ``kubectl exec`` (API paths, authenticated by the API server's chain); then the cluster
    # page's live stream: logged-in users only, from pages this server served.
    "websocket": ExecWebSocket(AllowedHostsOriginValidator(AuthMiddlewareStack(WebsocketRouter()))),
})

# Everything imported so far lives as long as the server: freeze it, collect rarely.
collector.tune()
