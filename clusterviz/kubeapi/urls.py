"""The Kubernetes API paths of each cluster. ``/clusters/<name>/`` itself is left to the
dashboard; everything a Kubernetes client asks for lives under the prefixes below."""
from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^clusters/(?P<cluster>[-a-z0-9]+)/(?P<path>(?:api|apis|version|openapi|healthz|livez|readyz)"
            r"(?:/.*)?)$", views.kube_api, name="kube-api"),
]
