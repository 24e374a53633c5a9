"""ASGI entry point: the Kubernetes API of every cluster in front, Django for the rest.

Static files (plain ES modules, SVG and CSS from ``static/``) are served by Django's
static-files handler, so one ``manage.py up`` needs no separate web server.
"""
import os

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterviz.settings")

django_application = ASGIStaticFilesHandler(get_asgi_application())

from clusterviz.kubeapi.asgi import KubeAPIApplication  # noqa: E402 - needs Django set up first

application = KubeAPIApplication(django_application)
